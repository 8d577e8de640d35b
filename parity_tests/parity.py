"""Step-by-step comparison of the two twins: run, record, compare, measure.

One *run* trains the scalar twin and the vector twin on the same batches from
the same initial parameters and records, at every optimizer step, everything
that step produced, in causal order:

    mask<k>            the dropout masks drawn from the shared stream (must be equal)
    output             the training-mode forward output Yhat of the step
    target             the batch's targets (mse, bce; equal by construction)
    loss               the reported loss (data loss + L2, before the update)
    grad <P>           every gradient entry
    <P>                every parameter after the update
    state <s>[<P>]     the optimizer state after the update (SGD v; Adam m, v)
    running_*<k>       the BatchNorm running statistics after the step

and, after the last step, ``predict`` (inference mode) on all the rows.

Two modes, both measured against the same scalar trajectory:

* ``lockstep``: before every step the vector twin is given the scalar twin's
  parameters, running statistics and optimizer state, so the differences of
  a step are that step's rounding only;
* ``free``: the vector twin follows its own trajectory for the whole run; the
  differences are the accumulated drift.

``first_divergence`` names the first entry that breaks the tolerance (step,
quantity, index, both values, relative difference); ``measure`` reports how
far apart the twins actually are (relative difference, ULPs).

The criterion, entry by entry (``Tolerance(rtol, atol_scale)``)::

    |a - b| <= rtol * max(|a|, |b|) + atol_scale * scale + update allowance

* ``scale`` is the largest magnitude, at that step, of the entry's *group*:
  all gradients together, all parameters together, each kind of optimizer
  state, all running statistics, the output with the batch's targets, the
  loss.  Rounding error lives
  at the scale of the terms that were summed, not at the scale of the sum: a
  gradient entry that is the small result of cancellation (the 1x1 W2 of the
  width-1 net near a stationary direction: 4.2e-6 while the other gradients
  are ~0.3) has an error of the size of its terms, which are products of the
  same activations and deltas as the rest of the gradient.  So the gradient is
  compared as one vector (normwise, the way the optimizer consumes it) plus
  entrywise; an array's own maximum is not enough when the array has one
  entry.  Likewise a regression output is a sum that training drives toward
  the targets: with one row and one output, Yhat = -3.7e-5 came out of O(1)
  terms (hypothesis, [1, 7, 4, 7, 1]) and differed by 1 ulp of those terms;
  the output is compared at the scale of itself and the batch's targets.
* the *update allowance* carries the gradient's tolerance through the
  optimizer, whose condition number is explicit: SGD moves P by lr_s v, so a
  gradient difference dg becomes lr_s (1 - d) dg; Adam moves P by
  lr_s mhat / (sqrt(vhat) + eps), whose derivative with respect to g is
  ~ lr_s (1 - b1) / c1 / (sqrt(vhat) + eps): large exactly where the
  gradient's whole history is tiny (``update_allowance``).

Parameters whose true gradient is exactly 0 (biases feeding BatchNorm, and
with a linear activation the betas feeding another BatchNorm) carry pure
rounding noise in both twins: they are not compared pairwise, their
gradients are asserted ~0 instead, and in free-running mode they are pinned
to the scalar twin's values (``structural_zero_grads``, ``excluded_params``).
"""

import functools
import math
from collections import namedtuple

import numpy as np

from scalar_nn import rng

U = 2.0 ** -53                       # unit roundoff of float64
U32 = 2.0 ** -24                     # unit roundoff of float32 (the engine's dtype="float32")

# --------------------------------------------------------------------------
# tolerances
# --------------------------------------------------------------------------

Tolerance = namedtuple("Tolerance", "rtol atol_scale")

# Allowance for the condition of the computation beyond the plain sums: the
# factors that multiply a rounding error on its way to a reported quantity.
# sigmoid', tanh' <= 1, relu' in {0, 1}, swish' <= 1.1, the output Jacobians
# <= 1, BatchNorm's backward (products like dZhat * Zhat / std, bounded by the
# group scale of the atol term), libm differences (NumPy's SIMD exp/log/tanh
# vs glibc's, a few ulps each) and the optimizer's own 2-3 operations.
# 64 = 2**6 covers a handful of such factors of ~2 each.
CONDITION_ALLOWANCE = 64.0

# Free-running: the error made at step t is carried to step T by the Jacobian
# of the remaining update maps.  For gradient descent in its stable regime
# that map is I - lr*H: contracting in convex directions, expanding by at most
# 1 + lr*|lambda_min| per step in concave ones, so the per-step errors add up
# to about T * eps_step * GROWTH; assuming lr * |lambda| <= 0.1,
# (1.1)**50 ~ 117 < 128.  Measured (docs/PARITY.md): 119 of the 120 cases stay
# below T x their own per-step difference; deep-tanh-bce-momentum+bn amplifies
# 625x beyond it and is inside the bound only because eps_step is ~400x its
# measured per-step difference.
FREE_GROWTH_ALLOWANCE = 128.0


def lockstep_tolerance(sizes, batch, u=U):
    """Per-step tolerance: one step's rounding, bounded a priori.

    One training step is a chain of 2L + 1 stages (L forward layers, L
    backward layers, the optimizer update).  The longest sums in a stage have
    n = max(widths, batch) terms: ``A @ W`` sums over n_{k-1}, ``A^T @ dZ``
    and ``db`` over the m rows, BatchNorm's means over m.  The scalar twin sums
    left to right; BLAS blocks, vectorises and may fuse multiply-adds, so each
    order is within ``gamma_n * sum |terms|`` of the exact sum
    (gamma_n = n u / (1 - n u), u = 2**-53) and the two differ by at most
    twice that.  Stages add their errors and what follows multiplies them
    (CONDITION_ALLOWANCE)::

        eps_step = 2 * (2L + 1) * gamma_n * CONDITION_ALLOWANCE

    That is the rtol and the atol_scale (the same bound measured against the
    group's scale, for entries that are the small result of cancellation).
    For [3, 32, 16, 1] with a batch of 4: 2 * 7 * 32 u * 64 ~ 3.2e-12; for
    [256, 4, 1]: 2 * 5 * 256 u * 64 ~ 1.8e-11; for the 2-2-1 net with a
    batch of 4: ~ 2.8e-13.  A float32 vector twin (``u=U32``) is bounded the
    same way with its own unit roundoff: the scalar twin's float64 rounding
    is 2^-29 of it, and the inputs and initial weights rounded to float32 are
    one more stage each, inside the allowance.
    """
    L = len(sizes) - 1
    n = max(max(sizes), batch)
    gamma_n = n * u / (1.0 - n * u)
    eps = 2.0 * (2 * L + 1) * gamma_n * CONDITION_ALLOWANCE
    return Tolerance(eps, eps)


def free_tolerance(sizes, batch, steps, u=U):
    """Tolerance after ``steps`` free-running steps: steps * eps_step * FREE_GROWTH_ALLOWANCE."""
    lock = lockstep_tolerance(sizes, batch, u)
    eps = steps * lock.rtol * FREE_GROWTH_ALLOWANCE
    return Tolerance(eps, eps)


# --------------------------------------------------------------------------
# configurations and data
# --------------------------------------------------------------------------

class Config:
    """One parity case: architecture, options, optimizer, data and schedule.

    ``net`` holds the MLP options (l2, l2_bias, dropout, batchnorm,
    bn_momentum); ``opt`` is ("sgd" | "adam", kwargs); each step takes
    ``batch`` consecutive rows of ``rows`` rows of data (wrapping around).
    """

    def __init__(self, family, sizes, hidden, output, loss, net=None, opt=("sgd", None),
                 batch=4, rows=None, steps=50, seed=0, tag=""):
        self.family, self.sizes = family, list(sizes)
        self.hidden, self.output, self.loss = hidden, output, loss
        self.net = dict(net or {})
        self.opt_name, self.opt_kwargs = opt[0], dict(opt[1] or {})
        self.batch = batch
        self.rows = rows if rows is not None else 4 * batch
        self.steps, self.seed, self.tag = steps, seed, tag

    @property
    def id(self):
        """A readable pytest id, e.g. 'deep-tanh-softmax_ce-adam+bn'."""
        pair = {"mse": "%s_mse" % self.output, "bce": "bce", "cross_entropy": "softmax_ce"}[self.loss]
        return "-".join(x for x in (self.family, self.hidden, pair, self.tag) if x)

    def __repr__(self):
        return "Config(%s, sizes=%s, net=%s, opt=%s %s, batch=%d, rows=%d, steps=%d, seed=%d)" % (
            self.id, self.sizes, self.net, self.opt_name, self.opt_kwargs, self.batch, self.rows,
            self.steps, self.seed)


def make_data(cfg):
    """(X, Y) as nested lists: X uniform on [-1, 1) from the DATA stream, Y fitting the loss.

    X[i][j] = 2 * uniform(key_for(seed, DATA, 0), i * n_0 + j) - 1.  With
    s_i = sum_j X[i][j] / sqrt(n_0) (a feature of unit scale) the targets are
    linear+mse: sin(s_i + j); sigmoid+mse: 0.5 + 0.4 sin(s_i + j);
    bce: 1 if sin(s_i + j) > 0 else 0; cross_entropy: argmax_j sin((j+1) s_i + j).
    """
    n0, nL = cfg.sizes[0], cfg.sizes[-1]
    key = rng.key_for(cfg.seed, rng.DATA, 0)
    X = [[2.0 * rng.uniform(key, i * n0 + j) - 1.0 for j in range(n0)] for i in range(cfg.rows)]
    s = [sum(row) / math.sqrt(n0) for row in X]
    if cfg.loss == "cross_entropy":
        Y = []
        for si in s:
            scores = [math.sin((j + 1) * si + j) for j in range(nL)]
            Y.append(scores.index(max(scores)))
        return X, Y
    if cfg.loss == "bce":
        return X, [[1.0 if math.sin(si + j) > 0.0 else 0.0 for j in range(nL)] for si in s]
    if cfg.output == "sigmoid":
        return X, [[0.5 + 0.4 * math.sin(si + j) for j in range(nL)] for si in s]
    return X, [[math.sin(si + j) for j in range(nL)] for si in s]


def batch_indices(cfg, step):
    """Rows of the (1-based) step: sequential batches of cfg.batch rows, wrapping around."""
    start = ((step - 1) * cfg.batch) % cfg.rows
    return [(start + i) % cfg.rows for i in range(cfg.batch)]


def make_net(package, cfg):
    """The twin's MLP for the configuration (same seed: same initial parameters)."""
    return package.mlp.MLP(cfg.sizes, hidden=cfg.hidden, output=cfg.output, loss=cfg.loss,
                           seed=cfg.seed, **cfg.net)


def make_optimizer(package, cfg):
    """The twin's optimizer for the configuration, from the optimizer registry by name."""
    import scalar_nn.optim
    rule = scalar_nn.optim.OPTIMIZERS[cfg.opt_name]          # an unknown name is a KeyError
    return getattr(package.optim, rule.__name__)(**cfg.opt_kwargs)


def vector_package(engine):
    """The vector twin to run: "plain" (vector_nn's lesson modules), "fast" (vector_nn.fast) or
    "exact" (vector_nn.exact: the plain twin in exact mode, bit-identical to the scalar twin) or
    "fast32" (the engine with dtype="float32")."""
    import types

    import vector_nn.fast
    import vector_nn.mlp
    import vector_nn.optim
    if engine == "fast":
        return types.SimpleNamespace(mlp=vector_nn.fast, optim=vector_nn.fast)
    if engine == "plain":
        return types.SimpleNamespace(mlp=vector_nn.mlp, optim=vector_nn.optim)
    if engine == "exact":
        exact_mlp = types.SimpleNamespace(MLP=functools.partial(vector_nn.mlp.MLP, exact=True))
        return types.SimpleNamespace(mlp=exact_mlp, optim=vector_nn.optim)
    if engine == "fast32":
        fast32 = types.SimpleNamespace(MLP=functools.partial(vector_nn.fast.MLP, dtype="float32"))
        return types.SimpleNamespace(mlp=fast32, optim=vector_nn.fast)
    raise ValueError("unknown engine %r" % (engine,))


def structural_zero_grads(cfg):
    """Parameters whose true gradient is exactly 0 at every training step.

    * ``b_k`` of every hidden layer with BatchNorm: Z_k = A W_k + b_k and BN
      subtracts the batch mean of Z_k, so b_k cancels from the loss.
    * ``beta_k`` for k <= L-2 with a *linear* hidden activation and no
      dropout: A_k = U_k = gamma Zhat + beta_k feeds layer k+1, whose BN
      subtracts the batch mean again, so a shift by beta_k cancels.  (With
      dropout the shift is multiplied by the row's mask and survives, except
      at a step where a mask column happens to be constant: that transient
      case is left to ``update_allowance``.)

    Both twins compute rounding noise there (~1e-16 of the gradient's scale),
    not 0.
    """
    if not cfg.net.get("batchnorm"):
        return set()
    L = len(cfg.sizes) - 1
    zero = {"b%d" % k for k in range(1, L)}
    if cfg.hidden == "linear" and not cfg.net.get("dropout"):
        zero |= {"beta%d" % k for k in range(1, L - 1)}
    return zero


def excluded_params(cfg):
    """Parameters left out of the pairwise comparison: the structural zeros (any optimizer).

    Their gradient is rounding noise in both twins, and comparing noise with
    noise measures nothing: its size is ~ m u times the terms dZ_k that BN's
    backward pass sums to 0, and BN's 1/std can make those terms 100x the
    largest gradient entry, so the noise can exceed the per-entry rounding
    bound that the rest of the gradient obeys (hypothesis found 1.8e-12 of
    the gradient's scale with 3 rows, against a bound of 9.0e-13).
    Everything these parameters drive is noise too:

    * SGD moves them by lr * noise;
    * Adam's step is lr * mhat / (sqrt(vhat) + eps), with mhat and sqrt(vhat)
      noise: lr * noise / (|noise| + eps), size and sign the noise's.  (With
      eps = 1e-8 and noise ~1e-16..1e-15 of the gradient scale that is about
      lr * 1e-7 per step, not a full lr step: it would be lr-sized only if the
      noise exceeded eps.)  The two twins, like any two implementations that
      sum in different orders, take different noise-driven walks.

    The walks do not change the training loss (the parameter cancels) but do
    reach the BatchNorm running mean (mu of Z_k includes b_k) and so the
    inference-mode predictions.  Hence the parameter, its gradient and its
    optimizer state are not compared pairwise (``excluded_labels``); the
    gradient is checked to be ~0 in every trace (``check_structural_zeros``);
    and in free-running mode the parameter is *pinned* to the scalar twin's
    value after every step (``run_twins``), so that the running statistics and
    the predictions, which are compared, stay comparable.
    """
    return set(structural_zero_grads(cfg))


def excluded_labels(cfg):
    """Trace labels not compared pairwise: each excluded parameter, its gradient and its state."""
    out = set()
    for name in excluded_params(cfg):
        out |= {name, "grad %s" % name, "state v[%s]" % name, "state m[%s]" % name}
    return out


# --------------------------------------------------------------------------
# recording
# --------------------------------------------------------------------------

def _flat(x):
    """A flat list of floats from a float, a list of floats, a list of rows or an array."""
    if isinstance(x, np.ndarray):
        return x.ravel().tolist()
    if isinstance(x, (int, float)):
        return [float(x)]
    if x and isinstance(x[0], (list, tuple)):
        out = []
        for row in x:
            out.extend(row)
        return out
    return [float(v) for v in x]


def _shape(x):
    """Shape of a float, list, list of rows or array."""
    if isinstance(x, np.ndarray):
        return x.shape
    if isinstance(x, (int, float)):
        return ()
    if x and isinstance(x[0], (list, tuple)):
        return (len(x), len(x[0]))
    return (len(x),)


def group_of(label):
    """The group whose scale an entry is compared at (see the module docstring)."""
    if label.startswith("grad "):
        return "grads"
    if label.startswith("state "):
        return label.split("[")[0]            # "state v", "state m"
    if label.startswith("running_"):
        return "buffers"
    if label == "target":
        return "output"
    if label in ("output", "loss", "predict") or label.startswith("mask"):
        return label
    return "params"


class Trace:
    """One twin's record of a run: the same labelled segments at every step.

    ``labels``/``shapes`` describe the segments, ``rows[t]`` is the flat list
    of every float recorded at step ``steps[t]`` (1-based), ``final`` the
    after-run record [("predict", Yhat)].
    """

    def __init__(self, name):
        self.name = name
        self.labels, self.shapes, self.rows, self.steps = None, None, [], []
        self.final = None
        self._matrix = self._offsets = self._columns = None

    def add(self, step, items):
        """Record one step: ``items`` is a list of (label, value)."""
        labels = [label for label, _ in items]
        shapes = [_shape(v) for _, v in items]
        if self.labels is None:
            self.labels, self.shapes = labels, shapes
        elif labels != self.labels or shapes != self.shapes:
            raise ValueError("step %s records %s, earlier steps recorded %s" % (step, labels, self.labels))
        if any(isinstance(v, np.ndarray) for _, v in items):        # the vector twin: stay in arrays
            row = np.concatenate([np.ravel(np.asarray(v, dtype=np.float64)) for _, v in items])
        else:                                                        # the scalar twin: lists of floats
            row = []
            for _, v in items:
                row.extend(_flat(v))
        self.rows.append(row)
        self.steps.append(step)
        self._matrix = None

    def matrix(self):
        """All steps as a float64 array (steps, entries)."""
        if self._matrix is None:
            if self.rows and isinstance(self.rows[0], np.ndarray):
                self._matrix = np.stack(self.rows)
            else:
                self._matrix = np.array(self.rows, dtype=np.float64).reshape(len(self.rows), -1)
        return self._matrix

    def offsets(self):
        """Start offset of each segment in a row, and the total length at the end."""
        if self._offsets is None:
            sizes = [math.prod(s) for s in self.shapes]
            self._offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
            self._columns = {label: slice(int(self._offsets[s]), int(self._offsets[s + 1]))
                             for s, label in enumerate(self.labels)}
        return self._offsets

    def columns(self, label):
        """The column slice of a segment."""
        self.offsets()
        return self._columns[label]

    def final_trace(self):
        """The after-run record as a one-step Trace (step label 'end')."""
        t = Trace(self.name)
        t.add("end", self.final)
        return t


def step_items(net, optimizer, X, Y, hook=None, first=True):
    """One training step of one twin, returning its record (list of (label, value)).

    masks, forward output and loss are those of the step (parameters before
    the update); grads are what the optimizer consumes; parameters, state and
    buffers are read after the update.  ``hook(grads)`` may alter the grads
    (used to build a deliberately broken twin in the tests).

    The first step of a run goes through the public ``loss_and_grads``; later
    steps, on batches of the same already-checked data, through
    ``loss_and_grads_clean``, the entry that the training loop (``fit``) uses
    after checking its data once: the same arithmetic, without the scalar
    twin re-checking every entry of every batch (about a quarter of its time
    on the wide net).  Tests that patch ``loss_and_grads`` run with
    ``run_twins(..., public_api=True)``.
    """
    if first or not hasattr(net, "loss_and_grads_clean"):
        loss, grads = net.loss_and_grads(X, Y)
    else:
        loss, grads, _ = net.loss_and_grads_clean(X, Y)
    if hook is not None:
        hook(grads)
    masks = net.last_masks
    Yhat = getattr(net, "last_output", None)
    if Yhat is None:
        Yhat = net.forward(X, training=True, masks=masks)
    items = []
    for k, M in enumerate(masks or [], start=1):
        items.append(("mask%d" % k, M))
    items.append(("output", Yhat))
    if net.loss_name != "cross_entropy":
        items.append(("target", Y))                 # the output's scale (see group_of); equal in both
    items.append(("loss", loss))
    for name in net.params:
        items.append(("grad %s" % name, grads[name]))
    optimizer.step(net.params, grads)
    for name in net.params:
        items.append((name, net.params[name]))
    for s in sorted(optimizer.state):
        for name in net.params:
            items.append(("state %s[%s]" % (s, name), optimizer.state[s][name]))
    for name in sorted(net.buffers):
        items.append((name, net.buffers[name]))
    return items


def sync_vector_from_scalar(vnet, vopt, snet, sopt, names=None):
    """Copy the scalar twin's parameters (only ``names`` if given), else also buffers, state, counters."""
    if names is not None:
        for name in names:
            vnet.params[name][...] = snet.params[name]
        return
    for name, P in vnet.params.items():
        P[...] = snet.params[name]
    for name, B in vnet.buffers.items():
        B[...] = snet.buffers[name]
    for s, per_param in sopt.state.items():
        for name, value in per_param.items():
            vopt.state[s][name][...] = value
    vnet.draws = snet.draws
    vopt.steps = sopt.steps


Run = namedtuple("Run", "cfg scalar lockstep free")


def run_twins(cfg, steps=None, modes=("lockstep", "free"), vector_hook=None, public_api=False, engine="plain"):
    """Train both twins step by step; return a Run of Traces (scalar, lockstep, free).

    The initial parameters and buffers are checked to be bit-identical first
    (the vector twin converts the scalar twin's draws).  In free mode the
    ``excluded_params`` are pinned to the scalar values after every step.
    ``vector_hook`` is passed to ``step_items`` for the vector twin (tests);
    ``public_api=True`` makes every vector step call ``loss_and_grads``;
    ``engine`` picks the vector twin ("plain", "fast", "exact" or "fast32", see ``vector_package``).
    Exact mode pins nothing: its structural zeros are the scalar twin's noise, bit for bit.
    """
    import scalar_nn.mlp
    import scalar_nn.optim
    vector_nn = vector_package(engine)

    steps = cfg.steps if steps is None else steps
    X, Y = make_data(cfg)
    Xv = np.array(X, dtype=np.float64)
    Yv = np.array(Y) if cfg.loss == "cross_entropy" else np.array(Y, dtype=np.float64)
    snet, sopt = make_net(scalar_nn, cfg), make_optimizer(scalar_nn, cfg)
    pinned = sorted(excluded_params(cfg)) if engine != "exact" else []
    twins = {}
    for mode in modes:
        vnet = make_net(vector_nn, cfg)
        assert_identical_start(snet, vnet)
        twins[mode] = (vnet, make_optimizer(vector_nn, cfg), Trace("vector %s" % mode))
    strace = Trace("scalar")
    for step in range(1, steps + 1):
        rows = batch_indices(cfg, step)
        first = step == 1
        strace.add(step, step_items(snet, sopt, [X[i] for i in rows], [Y[i] for i in rows], first=first))
        for mode, (vnet, vopt, vtrace) in twins.items():
            vtrace.add(step, step_items(vnet, vopt, Xv[rows], Yv[rows], hook=vector_hook,
                                        first=first or public_api))
            if mode == "lockstep":
                sync_vector_from_scalar(vnet, vopt, snet, sopt)
            elif pinned:
                sync_vector_from_scalar(vnet, vopt, snet, sopt, names=pinned)
    strace.final = [("predict", snet.predict(X))]
    if engine == "exact":                  # and the inference-mode loss (compared bit for bit only)
        strace.final.append(("eval loss", snet.loss(X, Y)))
    for mode, (vnet, vopt, vtrace) in twins.items():
        vtrace.final = [("predict", vnet.predict(Xv))]
        if engine == "exact":
            vtrace.final.append(("eval loss", vnet.loss(Xv, Yv)))
        if vopt.steps != sopt.steps or vnet.draws != snet.draws:
            raise AssertionError("counters differ: scalar steps %d draws %d, vector steps %d draws %d"
                                 % (sopt.steps, snet.draws, vopt.steps, vnet.draws))
    return Run(cfg, strace, twins.get("lockstep", (None,) * 3)[2], twins.get("free", (None,) * 3)[2])


def assert_identical_start(snet, vnet):
    """The twins start from bit-identical parameters and buffers."""
    for group in ("params", "buffers"):
        s, v = getattr(snet, group), getattr(vnet, group)
        if list(s) != list(v):
            raise AssertionError("%s names differ: %s vs %s" % (group, list(s), list(v)))
        for name in s:
            b = v[name]
            a = np.array(s[name], dtype=np.float64).astype(b.dtype)    # a float32 twin: rounded once
            if a.shape != b.shape or not np.array_equal(a, b):
                raise AssertionError("initial %s differs between the twins" % name)


# --------------------------------------------------------------------------
# comparing
# --------------------------------------------------------------------------

def group_scales(trace, A, B):
    """Per entry: max(|a|, |b|) over the entry's group at the same step, shape of A."""
    offs = trace.offsets()
    absmax = np.maximum(np.abs(A), np.abs(B))
    seg = np.maximum.reduceat(absmax, offs[:-1], axis=1) if A.shape[1] else absmax
    groups = [group_of(label) for label in trace.labels]
    per_group = {}
    for s, g in enumerate(groups):
        per_group[g] = np.maximum(per_group.get(g, 0.0), seg[:, s])
    seg_scale = np.stack([per_group[g] for g in groups], axis=1)
    return np.repeat(seg_scale, np.diff(offs), axis=1)


def update_allowance(trace, cfg, tol):
    """Extra allowed difference of each parameter entry: the gradient's tolerance through the optimizer.

    dg = atol_scale * max|grads at the step| + rtol * |g| is what a gradient
    entry may differ by; the update turns it into a parameter difference
    (first order, evaluated on ``trace``'s values at step t, 1-based):

    * SGD:  dP = lr_t * dg (momentum: lr_t * (1 - dampening) * dg);
    * Adam: dP = lr_t * dg * [ (1 - b1) / c1 / (sqrt(vhat) + eps)
                + |mhat| (1 - b2) |g| / (c2 sqrt(vhat) (sqrt(vhat) + eps)^2) ],
      c1 = 1 - b1^t, c2 = 1 - b2^t (the derivatives of
      mhat / (sqrt(vhat) + eps) through m and through v).

    For an ordinary entry this is far below the atol term; it matters where
    Adam is ill-conditioned: a gradient whose whole history is tiny (e.g. a
    BatchNorm beta whose dropout mask column was constant on the first step).
    """
    A = trace.matrix()
    extra = np.zeros_like(A)
    k = cfg.opt_kwargs
    lr0, decay = k.get("lr", 0.001), k.get("decay", 0.0)
    t = np.array(trace.steps, dtype=np.float64)
    lr = (lr0 / (1.0 + decay * (t - 1.0)))[:, None]
    names = [label[5:] for label in trace.labels if label.startswith("grad ")]
    gscale = np.max([np.abs(A[:, trace.columns("grad " + n)]).max(axis=1) for n in names], axis=0)[:, None]
    if cfg.opt_name not in ALLOWANCES:
        raise AssertionError("optimizer %r has no parity allowance: add its rule to ALLOWANCES"
                             % cfg.opt_name)
    for name in names:
        g = A[:, trace.columns("grad " + name)]
        dg = tol.atol_scale * gscale + tol.rtol * np.abs(g)
        extra[:, trace.columns(name)] = ALLOWANCES[cfg.opt_name](A, trace, name, g, dg, lr, t, k)
    return extra


def sgd_allowance(A, trace, name, g, dg, lr, t, k):
    """SGD: dP = lr_t * dg (momentum: lr_t * (1 - dampening) * dg)."""
    factor = 1.0 - k.get("dampening", 0.0) if k.get("momentum", 0.0) > 0.0 else 1.0
    return lr * factor * dg


def adam_allowance(A, trace, name, g, dg, lr, t, k):
    """Adam: dP = lr_t * dg * (d mhat/(sqrt(vhat)+eps) through m, plus through v)."""
    b1, b2, eps = k.get("beta1", 0.9), k.get("beta2", 0.999), k.get("eps", 1e-8)
    c1, c2 = (1.0 - b1 ** t)[:, None], (1.0 - b2 ** t)[:, None]
    mhat = A[:, trace.columns("state m[%s]" % name)] / c1
    vhat = A[:, trace.columns("state v[%s]" % name)] / c2
    root = np.sqrt(vhat)
    d_m = (1.0 - b1) / c1 / (root + eps)
    with np.errstate(divide="ignore", invalid="ignore"):
        d_v = np.where(root > 0, np.abs(mhat) * (1.0 - b2) * np.abs(g) / (c2 * root * (root + eps) ** 2), 0.0)
    return lr * dg * (d_m + d_v)


# Each registered optimizer's parity allowance (scalar_nn.optim.OPTIMIZERS):
# a new optimizer must bring its own, never silently borrow another's.
ALLOWANCES = {"sgd": sgd_allowance, "adam": adam_allowance}


Measure = namedtuple("Measure", "max_rel max_scaled max_ulp identical entries worst used")
Measure.__new__.__defaults__ = (None,)          # used: max |a - b| / allowed, filled in by check_run

# Entries at least this fraction of their group's scale count for the
# relative-difference and ULP figures; below it a relative difference
# measures cancellation, not the twins (the normwise max_scaled covers them).
SIGNIFICANT = 1e-3


class Comparison:
    """Two traces side by side: differences, group scales, exclusions, computed once.

    ``exclude`` lists segment labels that are not compared (see
    ``excluded_params``); masks are compared exactly.  ``final`` is the
    Comparison of the after-run predictions (or None).
    """

    def __init__(self, ref, other, exclude=()):
        if ref.labels != other.labels or ref.shapes != other.shapes or ref.steps != other.steps:
            raise AssertionError("the traces record different things: %s %s vs %s %s" % (
                ref.labels, ref.shapes, other.labels, other.shapes))
        self.ref, self.other = ref, other
        A, B = ref.matrix(), other.matrix()
        self.A, self.B = A, B
        self.finite = np.isfinite(A) & np.isfinite(B)
        with np.errstate(invalid="ignore"):
            self.diff = np.where(self.finite, np.abs(A - B), np.inf)
        self.big = np.maximum(np.abs(A), np.abs(B))
        self.scale = group_scales(ref, A, B)
        self.compared = np.ones(A.shape[1], dtype=bool)
        self.exact = np.zeros(A.shape[1], dtype=bool)
        for label in ref.labels:
            if label in exclude:
                self.compared[ref.columns(label)] = False
            if label.startswith("mask") or label == "target":
                self.exact[ref.columns(label)] = True
        self.final = None
        if ref.final is not None and other.final is not None:
            self.final = Comparison(ref.final_trace(), other.final_trace(), exclude)

    def allowed(self, tol, extra=None):
        """The allowed |a - b| of every entry (0 for masks: they must be equal)."""
        allowed = tol.rtol * self.big + tol.atol_scale * self.scale
        if extra is not None:
            allowed += extra
        allowed[:, self.exact] = 0.0
        return allowed

    def first_divergence(self, tol, extra=None, names=("scalar", "vector")):
        """None, or the message naming the first entry (causal order) outside the tolerance."""
        allowed = self.allowed(tol, extra)
        bad = ~(self.diff <= allowed)
        bad[:, ~self.compared] = False
        if not bad.any():
            return self.final.first_divergence(tol, None, names) if self.final is not None else None
        t, col = np.argwhere(bad)[0]
        trace = self.ref
        offs = trace.offsets()
        s = int(np.searchsorted(offs, col, side="right") - 1)
        label, shape = trace.labels[s], trace.shapes[s]
        index = tuple(int(i) for i in np.unravel_index(int(col - offs[s]), shape)) if shape else ()
        where = "%s index %s" % (label, index) if index else label
        a, b = float(self.A[t, col]), float(self.B[t, col])
        if not (math.isfinite(a) and math.isfinite(b)):
            alike = (math.isnan(a) and math.isnan(b)) or a == b
            return "non-finite value at step %s, %s: %s=%r, %s=%r (the run diverged%s)" % (
                trace.steps[t], where, names[0], a, names[1], b,
                ": both twins alike, so the configuration is unstable" if alike else "")
        big = max(abs(a), abs(b))
        rel = abs(a - b) / big if big > 0 else 0.0
        return ("twins diverge at step %s, %s: %s=%r, %s=%r, |diff|=%.3e, relative difference %.3e "
                "(allowed %.3e: rtol %.2e, atol_scale %.2e x %s scale %.3e%s)" % (
                    trace.steps[t], where, names[0], a, names[1], b, abs(a - b), rel,
                    allowed[t, col], tol.rtol, tol.atol_scale, group_of(label), self.scale[t, col],
                    "" if extra is None else ", update allowance %.3e" % extra[t, col]))

    def usage(self, tol, extra=None):
        """max |a - b| / allowed over the compared entries (steps and predictions): < 1 passes."""
        allowed = self.allowed(tol, extra)
        keep = self.compared & ~self.exact
        d, a = self.diff[:, keep], allowed[:, keep]
        used = float(np.max(np.where(a > 0, d / np.where(a > 0, a, 1.0), np.where(d > 0, np.inf, 0.0)),
                            initial=0.0))
        return max(used, self.final.usage(tol)) if self.final is not None else used

    def measure(self):
        """How far apart the traces are (steps and the after-run prediction together).

        * max_scaled: max |a - b| / group scale over every compared entry (normwise);
        * max_rel: max |a - b| / max(|a|, |b|) over the significant entries
          (max(|a|, |b|) >= SIGNIFICANT * group scale);
        * max_ulp: max ULP distance over the significant entries;
        * identical: fraction of compared entries that are bit-identical;
        * entries: how many were compared; worst: (step, label) of max_rel.
        Masks (equal or not, checked exactly) are not counted.
        """
        keep = self.compared & ~self.exact
        diff, big, scale = self.diff[:, keep], self.big[:, keep], self.scale[:, keep]
        scaled = np.where(scale > 0, diff / np.where(scale > 0, scale, 1.0), 0.0)
        sig = (big >= SIGNIFICANT * scale) & (big > 0)
        rel = np.where(sig, diff / np.where(big > 0, big, 1.0), 0.0)
        # ULP distance = |a - b| / ulp(max(|a|, |b|)) and ulp(x) lies in [x 2**-53, x 2**-52], so the
        # largest ULP distance is among the entries with rel >= max_rel / 2: count ULPs only there.
        cand = sig & (rel >= rel.max(initial=0.0) / 2.0)
        ulp = ulp_distance(self.A[:, keep][cand], self.B[:, keep][cand]) if cand.any() else np.zeros(0)
        worst = None
        if rel.size and rel.max() > 0:
            t, c = np.unravel_index(int(np.argmax(rel)), rel.shape)
            seg = np.repeat(np.arange(len(self.ref.labels)), np.diff(self.ref.offsets()))[keep]
            worst = (self.ref.steps[t], self.ref.labels[seg[c]])
        m = Measure(float(rel.max(initial=0.0)), float(scaled.max(initial=0.0)), float(ulp.max(initial=0.0)),
                    int((diff == 0).sum()), int(diff.size), worst)
        if self.final is not None:
            f = self.final.measure()
            m = Measure(max(m.max_rel, f.max_rel), max(m.max_scaled, f.max_scaled), max(m.max_ulp, f.max_ulp),
                        m.identical + round(f.identical * f.entries), m.entries + f.entries,
                        f.worst if f.max_rel > m.max_rel else m.worst)
            return m._replace(identical=m.identical / m.entries if m.entries else 1.0)
        return m._replace(identical=m.identical / m.entries if m.entries else 1.0)


def first_divergence(ref, other, tol, cfg=None, exclude=(), names=("scalar", "vector")):
    """None if two traces agree within ``tol`` everywhere, else a message naming the first divergence.

    Entries are visited in causal order (step by step, then as recorded
    within the step: masks, output, loss, grads, parameters, state, running
    statistics), then the after-run ``predict``.  Masks must be equal
    exactly; other entries obey the criterion of the module docstring.  With
    ``cfg`` the update allowance of its optimizer is added to the parameters'
    tolerance.  ``exclude`` lists segment labels that are not compared.
    """
    try:
        comp = Comparison(ref, other, exclude)
    except AssertionError as exc:
        return str(exc)
    extra = update_allowance(ref, cfg, tol) if cfg is not None else None
    return comp.first_divergence(tol, extra, names)


def assert_twins_agree(ref, other, tol, cfg=None, exclude=(), names=("scalar", "vector")):
    """Raise AssertionError with ``first_divergence``'s message if the traces disagree."""
    msg = first_divergence(ref, other, tol, cfg=cfg, exclude=exclude, names=names)
    if msg is not None:
        raise AssertionError(msg)


def measure(ref, other, exclude=()):
    """``Comparison(ref, other, exclude).measure()``: max relative difference, normwise, ULPs."""
    return Comparison(ref, other, exclude).measure()


def is_bias(name):
    """True for b1, b2, ... (not beta1): the parameters that l2_bias regularizes."""
    return name[0] == "b" and name[1:].isdigit()


def check_structural_zeros(trace, cfg, bound, before=None):
    """Gradients in ``structural_zero_grads`` are ~0: max|g| <= bound * max|all grads| at every step.

    "~0" for the data loss: with ``l2_bias`` > 0 the total gradient of b_k is
    l2_bias * b_k, with b_k as it was before the step (0 at step 1, then the
    value recorded after the previous step in ``before``, default ``trace``
    itself; a lockstep or pinned vector trace starts each step from the
    scalar twin's values, so pass the scalar trace there); that term is
    subtracted first.  Returns the largest ratio seen (0.0 if nothing to check).
    """
    zero = sorted(structural_zero_grads(cfg))
    if not zero:
        return 0.0
    A = trace.matrix()
    names = [label for label in trace.labels if label.startswith("grad ")]
    ref = np.max([np.abs(A[:, trace.columns(n)]).max(axis=1) for n in names], axis=0)
    l2_bias = cfg.net.get("l2_bias", 0.0)
    worst = 0.0
    for name in zero:
        g = A[:, trace.columns("grad %s" % name)]
        if l2_bias > 0.0 and is_bias(name):
            prev = (before if before is not None else trace).matrix()[:-1, trace.columns(name)]
            g = g - l2_bias * np.vstack([np.zeros((1, g.shape[1])), prev])
        g = np.abs(g).max(axis=1)
        ratio = g / np.where(ref > 0, ref, np.inf)
        t = int(np.argmax(ratio))
        worst = max(worst, float(ratio[t]))
        if ratio[t] > bound:
            raise AssertionError("%s: grad %s should be ~0 (its true gradient is exactly 0%s) but at step %s "
                                 "max|grad %s| = %.3e is %.3e x the largest gradient entry (bound %.1e)" % (
                                     trace.name, name, " besides l2_bias * %s" % name
                                     if l2_bias > 0.0 and is_bias(name) else "",
                                     trace.steps[t], name, g[t], ratio[t], bound))
    return worst


# How small "~0" is.  This is a separation, not a rounding bound: a
# structurally-zero gradient is rounding noise, ~ m u times the terms dZ_k
# that sum to 0, and those terms are not bounded by the gradient's largest
# entry (BN's 1/std inflates dZ_k; dW_k = A^T dZ_k can stay small when
# activations are small or dropped).  Measured: <= 5.1e-15 of the largest
# gradient entry on the case matrix, 1.8e-12 on a hypothesis-found
# [1, 2, 7, 3, 1] relu+BN+dropout net with 3 rows.  A gradient that is not
# structurally zero (what a twin that forgot BN's mean subtraction would
# compute) is of the size of its layer's other gradients.  1e-9 sits three
# orders above the noise seen and far below any such signal.
ZERO_GRAD_BOUND = 1e-9


# --------------------------------------------------------------------------
# exact mode: the traces must be bit-identical
# --------------------------------------------------------------------------

def bits(x):
    """The 64 bits of a float64, as '0x3fe0000000000000'."""
    return "0x%016x" % (np.float64(x).view(np.uint64),)


def first_bit_difference(ref, other, names=("scalar", "vector exact")):
    """None if two traces are bit-identical everywhere (0 ulp, -0.0 apart from 0.0), else a message.

    Every recorded entry is compared -- nothing is excluded, no tolerance --
    in causal order (step by step, as recorded within the step), then the
    after-run record (``predict``; exact runs add the inference-mode
    ``eval loss``).  The message names the step, the quantity and its
    index, both values, their distance in ulp and both bit patterns.
    """
    if ref.labels != other.labels or ref.shapes != other.shapes or ref.steps != other.steps:
        return "the traces record different things: %s %s vs %s %s" % (
            ref.labels, ref.shapes, other.labels, other.shapes)
    A, B = ref.matrix(), other.matrix()
    differ = A.view(np.int64) != B.view(np.int64)
    if not differ.any():
        if ref.final is not None and other.final is not None:
            return first_bit_difference(ref.final_trace(), other.final_trace(), names)
        return None
    t, col = (int(i) for i in np.argwhere(differ)[0])
    offs = ref.offsets()
    s = int(np.searchsorted(offs, col, side="right") - 1)
    label, shape = ref.labels[s], ref.shapes[s]
    index = tuple(int(i) for i in np.unravel_index(int(col - offs[s]), shape)) if shape else ()
    where = "%s index %s" % (label, index) if index else label
    a, b = float(A[t, col]), float(B[t, col])
    ulps = float(ulp_distance(np.array([a]), np.array([b]))[0])
    return ("twins differ at step %s, %s: %s=%r, %s=%r, %d ulp apart (bits %s vs %s)" % (
        ref.steps[t], where, names[0], a, names[1], b, ulps, bits(a), bits(b)))


def check_exact_run(run):
    """Exact mode: every trace of ``run`` bit-identical to the scalar trace (raises with the first difference)."""
    for mode, trace in (("lockstep", run.lockstep), ("free", run.free)):
        if trace is None:
            continue
        msg = first_bit_difference(run.scalar, trace, ("scalar", "vector exact %s" % mode))
        if msg is not None:
            raise AssertionError(msg)


# --------------------------------------------------------------------------
# measuring
# --------------------------------------------------------------------------

def ordered_int(x):
    """float64 -> int64 such that adjacent floats map to adjacent integers (+0 and -0 both to 0)."""
    i = np.ascontiguousarray(x, dtype=np.float64).view(np.int64)
    return np.where(i < 0, np.int64(-(2 ** 63)) - i, i)


def ulp_distance(a, b):
    """Number of float64 steps between a and b (0 when equal), as float64 (exact below 2**53)."""
    ia, ib = ordered_int(a), ordered_int(b)
    same_sign = (ia >= 0) == (ib >= 0)
    exact = np.abs(np.where(same_sign, ia - ib, 0)).astype(np.float64)
    far = np.abs(ia.astype(np.float64)) + np.abs(ib.astype(np.float64))
    return np.where(same_sign, exact, far)


# --------------------------------------------------------------------------
# the case matrix
# --------------------------------------------------------------------------

HIDDEN = ("sigmoid", "tanh", "relu", "swish", "linear")
PAIRS = (("linear", "mse"), ("sigmoid", "mse"), ("sigmoid", "bce"), ("softmax", "cross_entropy"))

# Optimizer/feature sets (tag, MLP options, optimizer), rotated over the
# (activation, pair) cases of every shape family.
OPTION_SETS = (
    ("sgd", {}, ("sgd", dict(lr=0.1))),
    ("momentum", {}, ("sgd", dict(lr=0.05, momentum=0.9))),
    ("ema+decay", {}, ("sgd", dict(lr=0.1, momentum=0.9, dampening=0.9, decay=0.05))),
    ("sgd+decay+l2", dict(l2=0.01, l2_bias=0.01), ("sgd", dict(lr=0.1, decay=0.02))),
    ("adam", {}, ("adam", dict(lr=0.01))),
    ("adam+decay+l2", dict(l2=0.01, l2_bias=0.005), ("adam", dict(lr=0.01, decay=0.01))),
    ("momentum+dropout", dict(dropout=0.25), ("sgd", dict(lr=0.05, momentum=0.9))),
    ("adam+dropout+l2", dict(dropout=0.2, l2=0.001), ("adam", dict(lr=0.005))),
    ("momentum+bn", dict(batchnorm=True), ("sgd", dict(lr=0.05, momentum=0.9))),
    ("adam+bn+dropout", dict(batchnorm=True, dropout=0.2, bn_momentum=0.2), ("adam", dict(lr=0.005))),
)

# BatchNorm needs two rows or more: the batch1 family runs these instead.
NO_BN_SUBSTITUTES = {
    "momentum+bn": ("momentum+dropout", dict(dropout=0.3), ("sgd", dict(lr=0.05, momentum=0.9))),
    "adam+bn+dropout": ("adam+dropout", dict(dropout=0.3), ("adam", dict(lr=0.005))),
}

# (family, sizes for mse/bce, sizes for softmax (>= 2 outputs), batch, rows, SGD lr scale).
# SGD's step grows with the gradient, and dW1 of the wide net sums over 256
# inputs: with lr 0.1 a linear hidden layer diverges to inf within 15 steps
# (in both twins alike; with momentum 0.9 even at lr 0.005), so the wide family
# runs SGD at 1/50 of the rate (the curvature grows with |x|^2 ~ 256/3).
# Adam's step does not scale with the gradient and keeps its rate.
FAMILIES = (
    ("batch1", [3, 4, 2], [3, 4, 3], 1, 8, 1.0),
    ("width1", [3, 1, 1], [2, 1, 2], 4, 16, 1.0),
    ("net221", [2, 2, 1], [2, 2, 2], 4, 16, 1.0),
    ("net32-16", [3, 32, 16, 1], [3, 32, 16, 3], 2, 8, 1.0),
    ("deep", [4, 6, 5, 6, 5, 1], [4, 6, 5, 6, 5, 3], 4, 16, 1.0),
    ("wide", [256, 4, 1], [256, 4, 3], 2, 8, 0.02),
)


# BatchNorm on a batch of 2 rows is degenerate: every unit's Zhat is +-c with
# c = sqrt(var / (var + eps)), and the backward pass returns
# dZ_i = +-(d_0 - d_1)(1 - c^2) / (2 std): terms of size |dZhat| cancel to
# eps / (var + eps) of their size.  Everything below such a layer is then
# computed with a relative error ~ u (var + eps) / eps, up to 1e5 times the
# O(n u) of a well-conditioned step (hypothesis found 2.1e-12 against a bound
# of 1.0e-12 on [1, 8, 8, 5, 1] relu+BN with 2 rows; both twins are right to
# their rounding, the computation is ill-conditioned).  With 3 rows or more the
# cancellation only hits the component of dZhat along Zhat.  So BN cases use
# at least 4 rows (the batch of 2 of the net32-16 and wide families becomes 4
# for their BN cases).
BN_MIN_BATCH = 4


def case_matrix(steps=50):
    """Every hidden activation x output/loss pair in every shape family, option sets rotated.

    Within a family the 20 (activation, pair) cases take OPTION_SETS in turn,
    the rotation shifted by 3 per family so that each option set meets other
    activations and losses in every family: each option set runs twice per
    family (12 times in all, 6 shapes).
    """
    cases = []
    for f, (family, sizes, soft_sizes, batch, rows, sgd_scale) in enumerate(FAMILIES):
        i = 0
        for hidden in HIDDEN:
            for output, loss in PAIRS:
                tag, net, opt = OPTION_SETS[(i + 3 * f) % len(OPTION_SETS)]
                if batch == 1 and tag in NO_BN_SUBSTITUTES:
                    tag, net, opt = NO_BN_SUBSTITUTES[tag]
                if opt[0] == "sgd" and sgd_scale != 1.0:
                    opt = ("sgd", dict(opt[1], lr=opt[1]["lr"] * sgd_scale))
                b, r = batch, rows
                if net.get("batchnorm") and batch < BN_MIN_BATCH:
                    b, r = BN_MIN_BATCH, BN_MIN_BATCH * rows // batch
                s = soft_sizes if loss == "cross_entropy" else sizes
                cases.append(Config(family, s, hidden, output, loss, net=net, opt=opt, batch=b,
                                    rows=r, steps=steps, seed=f * 100 + i, tag=tag))
                i += 1
    return cases


def check_run(run, u=U):
    """Every assertion of one run (both modes); returns {mode: Measure}.

    Structural-zero gradients ~0 in every trace; then the lockstep trace
    within ``lockstep_tolerance`` and the free trace within
    ``free_tolerance``, parameters with their update allowance, the
    ``excluded_params`` left out.  ``u`` is the vector twin's unit roundoff.
    """
    cfg = run.cfg
    exclude = excluded_labels(cfg)
    check_structural_zeros(run.scalar, cfg, ZERO_GRAD_BOUND)
    out = {}
    for mode, trace in (("lockstep", run.lockstep), ("free", run.free)):
        if trace is None:
            continue
        if mode == "lockstep":
            tol = lockstep_tolerance(cfg.sizes, cfg.batch, u)
        else:
            tol = free_tolerance(cfg.sizes, cfg.batch, len(trace.steps), u)
        pinned = mode == "lockstep" or bool(exclude)      # structural zeros restart from the scalar value
        check_structural_zeros(trace, cfg, ZERO_GRAD_BOUND, before=run.scalar if pinned else trace)
        comp = Comparison(run.scalar, trace, exclude)
        extra = update_allowance(run.scalar, cfg, tol)
        msg = comp.first_divergence(tol, extra, ("scalar", "vector %s" % mode))
        if msg is not None:
            raise AssertionError(msg)
        out[mode] = comp.measure()._replace(used=comp.usage(tol, extra))
    return out
