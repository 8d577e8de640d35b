"""Parity cases: configurations, data, batches, the case matrix and the structural zeros."""

import math

from scalar_nn import rng


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
    "fast32" (the engine with dtype="float32"); a third twin's package (``third.load``) as it is."""
    import functools
    import types
    if not isinstance(engine, str):       # a third twin's package (twin_nn.parity.third.load)
        return engine

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
