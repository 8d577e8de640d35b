"""The five benchmark workloads, built identically for every contestant.

Each workload fixes an architecture, an output/loss pair, an optimizer, a data
set and a batch schedule.  "Identical work" means:

* the same initial weights: ``MLP(sizes, seed=0)`` of the twins (peers copy
  the vector twin's initial arrays);
* the same batches: the schedule of ``training.run_fit`` (epoch ``e`` visits
  ``permutation(n, key_for(0, SHUFFLE, e))`` in chunks of ``batch_size``, or
  the rows in order without shuffling), reproduced by ``step_batches``;
* the same number of optimizer steps (``Workload.step_rounds``).

This module must import under PyPy without NumPy (the PyPy runner uses it),
so NumPy and the twins are only imported inside the functions that need
them (``twin-nn`` starts without NumPy), and the syntax is Python 3.9.
``smoke=True`` (the ``--benchmark-disable`` smoke run) builds a few rows only:
it checks the code paths, not the sizes.

| key | name             | net           | hidden  | output/loss           | optimizer                   | batch           |
|-----|------------------|---------------|---------|-----------------------|-----------------------------|-----------------|
| W1  | people-221       | [2, 2, 1]     | sigmoid | sigmoid + mse         | SGD lr 0.1                  | 1 (per sample)  |
| W2  | sine3d           | [3, 32, 16, 1]| tanh    | linear + mse          | SGD lr 0.1                  | 32 of 2000      |
| W3  | spiral           | [2, 64, 3]    | relu    | softmax + CE          | SGD lr 1, momentum 0.9      | full (300)      |
| W4  | wide-binary      | [3072, 15, 1] | relu    | sigmoid + bce         | SGD lr 0.01, EMA mom. 0.8   | 200 of 10000    |
| W5  | swish-regression | [8, 64, 1]    | swish   | linear + mse          | SGD lr 0.05                 | full (2000)     |
"""

import itertools

from scalar_nn import rng

SEED = 0
WARMUP_STEPS = 3      # untimed by pytest-benchmark (timed by hand and reported as the cold steps)


class Workload:
    """One benchmark workload (see the table in the module docstring).

    ``step_rounds``: optimizer steps timed per contestant in the per-step
    benchmark (one step per round).  ``epoch_rounds``: epochs timed per twin
    in the per-epoch benchmark; ``None`` for the scalar twin means one epoch
    is too slow to time repeatedly (it is then timed per step only).
    ``smoke_rows``/``smoke_batch``: rows and batch size of the
    ``--benchmark-disable`` smoke run (it checks the code paths, not the sizes).
    """

    def __init__(self, key, name, sizes, hidden, output, loss, optimizer, batch_size, shuffle,
                 data, n_rows, step_rounds, epoch_rounds, smoke_rows, smoke_batch=None,
                 micrograd_rounds=None, notes=""):
        self.key, self.name = key, name
        self.sizes, self.hidden, self.output, self.loss = sizes, hidden, output, loss
        self.optimizer = optimizer            # ("sgd", kwargs)
        self.batch_size = batch_size          # None: full batch
        self.shuffle = shuffle
        self.data = data                      # (datasets function name, size keyword)
        self.n_rows = n_rows
        self.step_rounds = step_rounds
        self.epoch_rounds = epoch_rounds      # {"scalar": int or None, "vector": int}
        self.smoke_rows = smoke_rows
        self.smoke_batch = smoke_batch        # smaller batches in the smoke run (None: the same)
        self.micrograd_rounds = micrograd_rounds  # None: micrograd not run (see notes)
        self.notes = notes

    @property
    def label(self):
        """'W2 sine3d'."""
        return "%s %s" % (self.key, self.name)

    @property
    def arch(self):
        """'[3, 32, 16, 1] tanh, linear+mse' for tables."""
        return "%s %s, %s+%s" % (self.sizes, self.hidden, self.output, self.loss)

    def rows(self, smoke=False):
        """Rows of the data set (fewer in the smoke run)."""
        return self.smoke_rows if smoke else self.n_rows

    def batch(self, smoke=False):
        """Batch size (None: full batch); the smoke run may use a smaller one."""
        if smoke and self.smoke_batch is not None:
            return self.smoke_batch
        return self.batch_size

    def steps_per_epoch(self, smoke=False):
        """Optimizer steps in one epoch."""
        n = self.rows(smoke)
        B = n if self.batch(smoke) is None else self.batch(smoke)
        return (n + B - 1) // B

    def describe_optimizer(self):
        """'SGD lr=0.01 momentum=0.8 dampening=0.8'."""
        kind, kw = self.optimizer
        return kind.upper() + " " + " ".join("%s=%g" % (k, v) for k, v in sorted(kw.items()))


WORKLOADS = {}


def _add(w):
    WORKLOADS[w.key] = w


_add(Workload(
    "W1", "people-221", [2, 2, 1], "sigmoid", "sigmoid", "mse",
    ("sgd", dict(lr=0.1)), batch_size=1, shuffle=False,
    data=("people", None), n_rows=4,
    step_rounds=2000, epoch_rounds={"scalar": 500, "vector": 500}, smoke_rows=4,
    micrograd_rounds=2000))
_add(Workload(
    "W2", "sine3d", [3, 32, 16, 1], "tanh", "linear", "mse",
    ("sgd", dict(lr=0.1)), batch_size=32, shuffle=True,
    data=("sine3d", "n"), n_rows=2000,
    step_rounds=200, epoch_rounds={"scalar": 3, "vector": 30}, smoke_rows=32, smoke_batch=8,
    micrograd_rounds=10))
_add(Workload(
    "W3", "spiral", [2, 64, 3], "relu", "softmax", "cross_entropy",
    ("sgd", dict(lr=1.0, momentum=0.9)), batch_size=None, shuffle=False,
    data=("spiral", "n_per_class"), n_rows=300,
    step_rounds=100, epoch_rounds={"scalar": 10, "vector": 200}, smoke_rows=12,
    micrograd_rounds=3))
_add(Workload(
    "W4", "wide-binary", [3072, 15, 1], "relu", "sigmoid", "bce",
    ("sgd", dict(lr=0.01, momentum=0.8, dampening=0.8)), batch_size=200, shuffle=True,
    data=("wide_binary", "n"), n_rows=10000,
    step_rounds=8, epoch_rounds={"scalar": None, "vector": 8}, smoke_rows=20, smoke_batch=10,
    notes="one scalar epoch is 50 steps of about a second each in CPython: "
          "the scalar twin is timed over a fixed number of steps; micrograd would "
          "build ~28 million graph nodes per step and is not run"))
_add(Workload(
    "W5", "swish-regression", [8, 64, 1], "swish", "linear", "mse",
    ("sgd", dict(lr=0.05)), batch_size=None, shuffle=False,
    data=("swish_regression", "n"), n_rows=2000,
    step_rounds=20, epoch_rounds={"scalar": 3, "vector": 100}, smoke_rows=40,
    notes="micrograd would build ~4 million graph nodes per full-batch step and is not run"))


def twin_module(twin, module):
    """``twin_module("vector", "mlp")`` is ``vector_nn.mlp``; toolkit modules are found in the toolkit.

    The training loop is shared: ``twin_module(twin, "training")`` is scalar_nn's for both twins.
    ``twin`` "fast" is the tuned engine ``vector_nn.fast`` (its MLP and optimizers; the vector
    twin's data and toolkit).  Every import is written out, inside this function: the
    application reaches the vector twin only when a rung asks for it.
    """
    if module == "training":
        from scalar_nn.toolkit import training
        return training
    if twin == "scalar":
        from scalar_nn import mlp, optim
        from scalar_nn.toolkit import datasets
    elif twin == "fast" and module in ("mlp", "optim"):
        from vector_nn import fast
        return fast
    else:
        from vector_nn import mlp, optim
        from vector_nn.toolkit import datasets
    return {"mlp": mlp, "optim": optim, "datasets": datasets}[module]


def make_net(w, twin, dtype=None, threads=None):
    """The workload's network in ``twin``, from the shared seed (``dtype``, ``threads``: the engine's, when given)."""
    options = {} if dtype is None else {"dtype": dtype}
    if threads is not None:
        options["threads"] = threads
    return twin_module(twin, "mlp").MLP(w.sizes, hidden=w.hidden, output=w.output, loss=w.loss, seed=SEED,
                                        **options)


def make_optimizer(w, twin):
    """The workload's optimizer in ``twin``."""
    kind, kwargs = w.optimizer
    optim = twin_module(twin, "optim")
    return optim.SGD(**kwargs) if kind == "sgd" else optim.Adam(**kwargs)


# ------------------------------------------------------------------- data
def data_source(w):
    """Where the workload's data comes from, for the report."""
    fn, size_kw = w.data
    if size_kw is None:
        return "datasets.%s()" % fn
    n = w.n_rows // 3 if size_kw == "n_per_class" else w.n_rows
    return "datasets.%s(%s=%d, seed=%d)" % (fn, size_kw, n, SEED)


def _generate(w, twin, n_rows):
    """Call the twin's generator for the first ``n_rows`` rows (every generator is prefix-stable
    except spiral, whose size is per class)."""
    fn, size_kw = w.data
    gen = getattr(twin_module(twin, "datasets"), fn)
    if size_kw is None:
        return gen()
    if size_kw == "n_per_class":
        return gen(**{size_kw: max(1, n_rows // 3), "seed": SEED})
    return gen(**{size_kw: n_rows, "seed": SEED})


_CACHE = {}


def load_data(w, twin, n_rows=None):
    """(X, Y) of the workload in the twin's types, cached per process.

    The scalar twin gets the vector twin's arrays as lists when NumPy is
    importable (bit-identical data, and ``wide_binary`` is far faster to draw
    vectorised); under PyPy it draws them with ``scalar_nn.toolkit.datasets``.
    """
    n_rows = w.n_rows if n_rows is None else n_rows
    twin = "vector" if twin == "fast" else twin
    cache_key = (w.key, twin, n_rows)
    if cache_key not in _CACHE:
        if twin == "scalar" and _has_numpy():
            X, Y = load_data(w, "vector", n_rows)
            _CACHE[cache_key] = (X.tolist(), Y.tolist())
        else:
            _CACHE[cache_key] = _generate(w, twin, n_rows)
    return _CACHE[cache_key]


def _has_numpy():
    try:
        import numpy  # noqa: F401
    except ImportError:
        return False
    return True


def clear_cache():
    """Forget cached data (frees the 250 MB of W4)."""
    _CACHE.clear()


# ---------------------------------------------------------------- batches
def step_batches(w, n, steps, smoke=False):
    """Row indices of the first ``steps`` optimizer steps, as ``fit`` visits them.

    Epoch e = 1, 2, ...: ``order = permutation(n, key_for(SEED, SHUFFLE, e))``
    (``range(n)`` without shuffling), cut into chunks of ``batch_size`` (the
    last one may be shorter).  Full batch without shuffling is ``None`` for
    every step (all rows, in order, nothing gathered).
    """
    if w.batch(smoke) is None and not w.shuffle:
        return [None] * steps
    B = n if w.batch(smoke) is None else w.batch(smoke)
    out = []
    for epoch in itertools.count(1):
        order = rng.permutation(n, rng.key_for(SEED, rng.SHUFFLE, epoch)) if w.shuffle else list(range(n))
        for j in range(0, n, B):
            out.append(order[j:j + B])
            if len(out) == steps:
                return out


def twin_inputs(w, twin, steps, smoke=False):
    """(X, Y, batches) for ``steps`` steps of the twin, batches in the twin's index type.

    For the scalar twin on a large data set (W4) only the rows those steps
    touch are converted to lists, and the batches are renumbered into them:
    the arithmetic is the same, the memory is not 30 million Python floats.
    """
    n = w.rows(smoke)
    batches = step_batches(w, n, steps, smoke)
    if twin in ("vector", "fast"):
        import numpy as np
        X, Y = load_data(w, "vector", n)
        return X, Y, [None if b is None else np.asarray(b, dtype=np.int64) for b in batches]
    if n * w.sizes[0] <= 200000 or batches[0] is None:
        X, Y = load_data(w, "scalar", n)
        return X, Y, batches
    used = sorted(set(i for b in batches for i in b))
    where = {i: k for k, i in enumerate(used)}
    if _has_numpy():
        import numpy as np
        Xv, Yv = load_data(w, "vector", n)
        idx = np.asarray(used, dtype=np.int64)
        X, Y = Xv[idx].tolist(), Yv[idx].tolist()
    else:                 # all n rows: a generator's first rows may depend on how many it draws
        Xs, Ys = _generate(w, "scalar", n)
        X, Y = [Xs[i] for i in used], [Ys[i] for i in used]
    return X, Y, [[where[i] for i in b] for b in batches]


def twin_stepper(w, twin, steps, smoke=False, dtype=None, threads=None):
    """A function that runs the twin's next optimizer step (cycling over ``steps`` batches)
    and returns its loss; also returns the net.

    ``dtype`` ("float32"): the engine's float32 network, on the data cast once to float32
    (class labels stay integers); ``threads``: the engine's thread count."""
    X, Y, batches = twin_inputs(w, twin, steps, smoke)
    if dtype is not None:
        X = X.astype(dtype)
        Y = Y if w.loss == "cross_entropy" else Y.astype(dtype)
    net, opt = make_net(w, twin, dtype, threads), make_optimizer(w, twin)
    train_step = twin_module(twin, "training").train_step
    cycle = itertools.cycle(batches)

    def step():
        return train_step(net, opt, X, Y, next(cycle))

    return step, net


def twin_epoch(w, twin, smoke=False):
    """A function that trains one epoch with the public ``fit`` (verbose=0); returns the History."""
    X, Y = load_data(w, twin, w.rows(smoke))
    net, opt = make_net(w, twin), make_optimizer(w, twin)
    epochs_done = [0]

    def epoch():
        # a new seed per epoch reproduces fit(epochs=E)'s reshuffling
        epochs_done[0] += 1
        return net.fit(X, Y, opt, epochs=1, batch_size=w.batch(smoke), shuffle=w.shuffle,
                       seed=epochs_done[0], verbose=0)

    return epoch, net
