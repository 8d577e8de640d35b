"""How each exercise is graded: its inputs, how it is called, and how far it may round differently.

A ``Spec`` holds, for one lesson function, a few fixed diagnostic inputs
(non-square shapes, m > 1 rows, n_L = 3 outputs, the kink of relu at 0,
logits beyond 709, all four output/loss pairs, momentum with dampening: each
chosen so that every plant of the bug library shows), a ``draw`` that builds
random inputs from a ``Draws`` source (Hypothesis when it is installed), and
``run``: the call, made the same way on the learner's module and on the
reference's.  Inputs are nested lists; ``Twin.arr`` turns them into the
twin's type (fresh copies for every call).

Bounds (``bound(case, ref, ctx)``: an absolute bound per output entry, or
one for all; ``ref`` is the reference output's numbers in order, ``ctx.out``
the output itself, ``ctx.abs_flat`` the absolute run's numbers) are
the rounding analysis of the parity suite (parity_tests/lesson/strategies.py),
never a fudge: EPS = 2**-52 is the spacing of floats at 1.

* a sum of n terms in another order is within n EPS sum|terms| (Higham 3.1);
  sum|terms| is the reference run on the inputs' absolute values, for the
  functions that are sums of products (``abs_run``);
* elementwise formulas: k ulp of the result (k = 8 where exp, log or tanh
  round, as for the fast engine's sigmoid; 2 for one product more), and
  ``TINY`` where exp underflows (the fast engine's accepted difference);
* BatchNorm and the optimizers: the error of each stage carried through the
  formula's next stages (see their bound functions).
"""

import math
from collections import namedtuple

from scalar_nn.activations import sigmoid as _sigmoid
from scalar_nn.conventions import BN_EPS

EPS = 2.0 ** -52
SUB = 2.0 ** -1074           # one rounding among the subnormals
TINY = 2.3e-308              # exp(z) < TINY may come out as 0 (z < -708)

Spec = namedtuple("Spec", "module name fixed draw run bound abs_run")


# ------------------------------------------------------------------ helpers
class Twin:
    """The twin's array type: lists (scalar) or float64 NumPy arrays (vector), and its reference modules."""

    def __init__(self, name, reference):
        self.name, self.ref = name, reference
        self.np = None
        if name == "vector":
            import numpy
            self.np = numpy

    def arr(self, x):
        if self.np is not None:
            return self.np.array(x, dtype=self.np.float64)
        return [list(r) for r in x] if x and isinstance(x[0], list) else list(x)

    def labels(self, y):
        return self.np.array(y, dtype=self.np.int64) if self.np is not None else list(y)

    def targets(self, loss, Y):
        return self.labels(Y) if loss == "cross_entropy" else self.arr(Y)

    def each(self, f, Z):
        """f applied entry by entry: f(z) per float in the scalar twin, f(Z) on the array in the vector twin."""
        return f(self.arr(Z)) if self.np is not None else [[f(z) for z in row] for row in Z]


def tolist(x):
    return x.tolist() if hasattr(x, "tolist") else x


def flat(x):
    """Every number of a nested list/array, in order."""
    x = tolist(x)
    if isinstance(x, (list, tuple)):
        return [v for item in x for v in flat(item)]
    return [float(x)]


def ulps(values, k):
    return [k * max(EPS * abs(v), SUB) if math.isfinite(v) else 0.0 for v in values]


def plus(*parts):
    """Entrywise sum of lists (a float broadcasts)."""
    n = max(len(p) for p in parts if isinstance(p, list))
    return [sum(p[i] if isinstance(p, list) else p for p in parts) for i in range(n)]


def sum_bound(n):
    """n EPS sum|terms| + n subnormal roundings, from the absolute run."""
    return lambda case, ref, ctx: [n(case) * (EPS * a + SUB) for a in ctx.abs_flat]


def S(module, name, fixed, draw, run, bound, abs_run=False):
    return Spec(module, name, fixed, draw, run, bound, abs_run)


def wave(m, n, scale=2.5, phase=0.4):
    """A fixed, irregular (m, n) matrix: scale sin(1.3 i + 0.7 j + phase), rounded to 3 decimals."""
    return [[round(scale * math.sin(1.3 * i + 0.7 * j + phase), 3) for j in range(n)] for i in range(m)]


# ------------------------------------------------------------------ chapter 1: linalg
def _mat(D, bound=10.0):
    return D.matrix(D.int(1, 5), D.int(1, 5), bound)


def _pair(D):
    m, n, p = D.int(1, 5), D.int(1, 6), D.int(1, 5)
    return {"A": D.matrix(m, n, 10.0), "B": D.matrix(n, p, 10.0)}


def _uv(D):
    n = D.int(1, 8)
    return {"u": D.matrix(1, n, 10.0)[0], "v": D.matrix(1, n, 10.0)[0]}


LINALG = [
    S("linalg", "transpose", [{"A": wave(2, 3)}, {"A": wave(1, 4)}, {"A": wave(3, 1)}],
      lambda D: {"A": _mat(D)}, lambda mod, c, T: mod.transpose(T.arr(c["A"])), lambda c, r, x: 0.0),
    S("linalg", "dot", [{"u": [1.0, 2.0, 3.0], "v": [4.0, -5.0, 6.0]}, {"u": [0.1, 0.2], "v": [0.3, -0.4]}],
      _uv, lambda mod, c, T: mod.dot(T.arr(c["u"]), T.arr(c["v"])), sum_bound(lambda c: len(c["u"])), True),
    S("linalg", "matmul", [{"A": wave(2, 3), "B": wave(3, 4, 1.5, 1.0)}, {"A": wave(3, 2), "B": wave(2, 2, 1.0, 2.0)},
                           {"A": [[2.0]], "B": [[1.0, -3.0]]}],
      _pair, lambda mod, c, T: mod.matmul(T.arr(c["A"]), T.arr(c["B"])), sum_bound(lambda c: len(c["B"])), True),
    S("linalg", "column_sums", [{"A": wave(3, 2)}, {"A": wave(2, 4)}], lambda D: {"A": _mat(D)},
      lambda mod, c, T: mod.column_sums(T.arr(c["A"])), sum_bound(lambda c: len(c["A"])), True),
    S("linalg", "column_means", [{"A": wave(3, 2)}, {"A": wave(2, 4)}], lambda D: {"A": _mat(D)},
      lambda mod, c, T: mod.column_means(T.arr(c["A"])),
      lambda c, r, x: plus(sum_bound(lambda c: len(c["A"]))(c, r, x), ulps(r, 1)), True),
]


# ------------------------------------------------------------------ chapter 2: activations
EXTREMES = [[-1000.0, -745.0, -40.0, -2.5, -1.0, -1e-300, -0.0], [0.0, 5e-324, 0.5, 2.0, 40.0, 710.0, 1000.0]]


def _zs(c):
    return [z for row in c["Z"] for z in row]


def _elementwise(module, name, bound, fixed=None, size=40.0):
    return S(module, name, fixed or [{"Z": wave(3, 4)}, {"Z": EXTREMES}],
             lambda D: {"Z": D.matrix(D.int(1, 3), D.int(1, 5), size)},
             lambda mod, c, T: T.each(getattr(mod, name), c["Z"]), bound)


def prime_bound(name, z):
    """k = 8 ulp of act'(z) as an absolute error: the error of s (or t) through s(1 - s), 1 - t^2, s(1 + z(1 - s))."""
    if name in ("relu", "linear"):
        return 0.0
    if name == "swish":
        return 8 * EPS * (1.0 + abs(z))
    return 8 * EPS


ACTIVATIONS = [
    _elementwise("activations", "sigmoid", lambda c, r, x: plus(ulps(r, 8), TINY)),
    _elementwise("activations", "sigmoid_prime", lambda c, r, x: [prime_bound("sigmoid", z) for z in _zs(c)]),
    _elementwise("activations", "tanh_prime", lambda c, r, x: [prime_bound("tanh", z) for z in _zs(c)]),
    _elementwise("activations", "relu", lambda c, r, x: 0.0),
    _elementwise("activations", "relu_prime", lambda c, r, x: 0.0),
    _elementwise("activations", "swish", lambda c, r, x: [8 * max(EPS * abs(z) * _sigmoid(z), SUB) + TINY * (1 + abs(z))
                                                         for z in _zs(c)]),
    _elementwise("activations", "swish_prime", lambda c, r, x: [prime_bound("swish", z) + TINY for z in _zs(c)]),
]


# ------------------------------------------------------------------ chapter 3: losses
PAIRS = [("linear", "mse"), ("sigmoid", "mse"), ("sigmoid", "bce"), ("softmax", "cross_entropy")]


def loss_case(output, loss, Z, Y=None):
    m, n = len(Z), len(Z[0])
    if Y is None:
        grid = wave(m, n, 1.0, 2.1)
        Y = {"mse": grid if output == "linear" else [[0.5 + 0.4 * v for v in row] for row in grid],
             "bce": [[1.0 if v > 0 else 0.0 for v in row] for row in grid],
             "cross_entropy": [i % n for i in range(m)]}[loss]
    return {"output": output, "loss": loss, "Z": Z, "Y": Y}


def _draw_loss_case(D):
    output, loss = D.choice(PAIRS)
    m, n = D.int(1, 5), D.int(2 if output == "softmax" else 1, 4)
    Z = D.matrix(m, n, 30.0)
    if loss == "cross_entropy":
        return loss_case(output, loss, Z, [D.int(0, n - 1) for _ in range(m)])
    if loss == "bce":
        return loss_case(output, loss, Z, [[float(D.int(0, 1)) for _ in range(n)] for _ in range(m)])
    return loss_case(output, loss, Z, D.matrix(m, n, 3.0))


def _loss_call(name):
    def run(mod, c, T):
        Z = T.arr(c["Z"])
        Yhat = T.ref["losses"].output_activation(c["output"], T.arr(c["Z"]))
        return getattr(mod, name)(c["output"], c["loss"], Z, Yhat, T.targets(c["loss"], c["Y"]))
    return run


def _scale(c):
    """The largest input magnitude of a loss case (labels count as 1)."""
    ys = [1.0] if c["loss"] == "cross_entropy" else [abs(v) for v in flat(c["Y"])]
    return max([abs(v) for v in flat(c["Z"])] + ys + [1.0])


def data_loss_bound(c, r, x):
    """(N + 8) EPS (loss + S): N terms summed; bce/ce terms round at the logits' scale (S = max|Z|)."""
    N = len(c["Z"]) * len(c["Z"][0])
    S_ = 0.0 if c["loss"] == "mse" else _scale(c)
    return [(N + 8) * EPS * (abs(v) + S_) + SUB for v in r]


def output_delta_bound(c, r, x):
    """8 ulp of each entry, plus 8 EPS of the inputs' scale times 2/m (a difference taken in another order)."""
    m = len(c["Z"])
    return [8 * EPS * (abs(v) + 2.0 * _scale(c) / m) + SUB for v in r]


LOSS_FIXED = [loss_case(o, l, wave(5, 3)) for o, l in PAIRS]
LOSSES = [
    _elementwise("losses", "softplus", lambda c, r, x: plus(ulps(r, 8), 8 * SUB),
                 [{"Z": wave(3, 4)}, {"Z": [[-800.0, -40.0, -1.0, -1e-300, 0.0, 0.5, 40.0, 800.0]]}], 800.0),
    S("losses", "softmax_row", [{"Z": [[1.0, 2.0, 3.0], [800.0, 799.0, -5.0], [-0.5, 0.0, 0.5]]}, {"Z": wave(2, 4)}],
      lambda D: {"Z": D.matrix(D.int(1, 4), D.int(1, 5), 800.0)},
      lambda mod, c, T: mod.softmax_row(T.arr(c["Z"])) if T.np is not None else [mod.softmax_row(T.arr(z)) for z in c["Z"]],
      lambda c, r, x: plus(ulps(r, 2 * len(c["Z"][0]) + 4), (2 * len(c["Z"][0]) + 4) * SUB)),
    S("losses", "logsumexp_row", [{"Z": [[1.0, 2.0, 3.0], [800.0, 799.0, -5.0], [-0.5, 0.0, 0.5]]}, {"Z": wave(2, 4)}],
      lambda D: {"Z": D.matrix(D.int(1, 4), D.int(1, 5), 800.0)},
      lambda mod, c, T: mod.logsumexp_row(T.arr(c["Z"])) if T.np is not None else [mod.logsumexp_row(T.arr(z)) for z in c["Z"]],
      lambda c, r, x: [(len(row) + 4) * EPS * (max(abs(v) for v in row) + 1.0) for row in c["Z"]]),
    S("losses", "data_loss", LOSS_FIXED, _draw_loss_case, _loss_call("data_loss"), data_loss_bound),
    S("losses", "output_delta", LOSS_FIXED, _draw_loss_case, _loss_call("output_delta"), output_delta_bound),
]


# ------------------------------------------------------------------ chapter 4: layers
def _affine_case(D):
    m, n_in, n = D.int(1, 5), D.int(1, 5), D.int(1, 4)
    return {"A": D.matrix(m, n_in, 10.0), "W": D.matrix(n_in, n, 10.0), "b": D.matrix(1, n, 10.0)[0],
            "dZ": D.matrix(m, n, 10.0)}


AFFINE_FIXED = [{"A": wave(5, 4), "W": wave(4, 3, 0.8, 1.1), "b": [0.5, -0.25, 1.5], "dZ": wave(5, 3, 0.3, 2.0)},
                {"A": wave(3, 2), "W": wave(2, 2, 0.9, 0.2), "b": [0.1, -0.7], "dZ": wave(3, 2, 0.5, 1.0)}]


def _affine_cache(c, T):
    return {"A_prev": T.arr(c["A"]), "W": T.arr(c["W"])}


def _act_case(D):
    m, n = D.int(1, 4), D.int(1, 4)
    return {"name": D.choice(["sigmoid", "tanh", "relu", "swish", "linear"]), "Z": D.matrix(m, n, 20.0),
            "dA": D.matrix(m, n, 10.0)}


def _act_bound(c, r, x):
    dA, Z = flat(c["dA"]), flat(c["Z"])
    return [abs(d) * prime_bound(c["name"], z) + 2 * max(EPS * abs(v), SUB) for d, z, v in zip(dA, Z, r)]


def _mask_case(D):
    m, n = D.int(1, 4), D.int(1, 4)
    return {"A": D.matrix(m, n, 10.0), "M": [[float(D.int(0, 1)) for _ in range(n)] for _ in range(m)],
            "p": D.choice([0.1, 0.25, 0.5, 0.9])}


DROPOUT_FIXED = [{"A": wave(3, 4), "M": [[1.0, 0.0, 1.0, 1.0], [0.0, 1.0, 1.0, 0.0], [1.0, 1.0, 0.0, 1.0]], "p": 0.25}]


def _bn_case(D, training=None):
    m, n = D.int(2, 5), D.int(1, 4)
    training = D.choice([True, False]) if training is None else training
    case = {"Z": D.matrix(m, n, 5.0), "gamma": D.matrix(1, n, 2.0)[0], "beta": D.matrix(1, n, 2.0)[0],
            "dU": D.matrix(m, n, 5.0), "mu": None, "var": None}
    if not training:
        case["mu"] = D.matrix(1, n, 2.0)[0]
        case["var"] = [abs(v) for v in D.matrix(1, n, 2.0)[0]]
    return case


BN_FIXED = [{"Z": wave(4, 3), "gamma": [1.5, -0.5, 2.0], "beta": [0.25, 1.0, -1.0], "dU": wave(4, 3, 1.0, 1.7),
             "mu": None, "var": None},
            {"Z": wave(4, 3), "gamma": [1.5, -0.5, 2.0], "beta": [0.25, 1.0, -1.0], "dU": wave(4, 3, 1.0, 1.7),
             "mu": [0.1, -0.2, 0.3], "var": [0.5, 1.5, 2.0]}]


def _bn_forward(mod, c, T):
    opt = (lambda v: None if v is None else T.arr(v))
    return mod.batchnorm_forward(T.arr(c["Z"]), T.arr(c["gamma"]), T.arr(c["beta"]), BN_EPS, opt(c["mu"]), opt(c["var"]))


def _bn_forward_bound(c, r, x):
    """Each stage's rounding carried on: mu (m sums), var (m sums of squares around mu), std, Zhat, U.

    Flat order of (U, cache): U, then the cache's keys sorted: Zhat, gamma, mu, std, (training), var.
    """
    U, cache = tolist(x.out[0]), {k: tolist(v) for k, v in x.out[1].items()}
    Z, gamma, beta = c["Z"], c["gamma"], c["beta"]
    m, n = len(Z), len(Z[0])
    mu, var, std, Zhat = cache["mu"], cache["var"], cache["std"], cache["Zhat"]
    training = c["mu"] is None
    Zm = [max(abs(Z[i][j]) for i in range(m)) + abs(mu[j]) for j in range(n)]
    em = [4 * m * EPS * Zm[j] if training else 0.0 for j in range(n)]
    ev = [4 * m * EPS * (var[j] + 2 * Zm[j] ** 2) if training else 0.0 for j in range(n)]
    es = [ev[j] / (2 * std[j]) + 2 * EPS * std[j] for j in range(n)]
    ezh = [[(em[j] + 2 * EPS * Zm[j] + abs(Zhat[i][j]) * es[j]) / std[j] + 2 * EPS * abs(Zhat[i][j]) for j in range(n)]
           for i in range(m)]
    eU = [abs(gamma[j]) * ezh[i][j] + 2 * EPS * (abs(U[i][j]) + abs(beta[j])) + SUB for i in range(m) for j in range(n)]
    return eU + [e + SUB for row in ezh for e in row] + [0.0] * n + [e + SUB for e in em] + \
        [e + SUB for e in es] + [e + SUB for e in ev]


def _bn_backward(mod, c, T):
    _, cache = _bn_forward(T.ref["layers"], c, T)
    return mod.batchnorm_backward(T.arr(c["dU"]), cache)


def _bn_backward_bound(c, r, x):
    """The column sums (m terms) of dgamma, dbeta and of the two sums inside dZ, carried through / m / std."""
    _, cache = _bn_forward(x.T.ref["layers"], c, x.T)
    Zhat, std = tolist(cache["Zhat"]), tolist(cache["std"])
    dU, gamma = c["dU"], c["gamma"]
    m, n = len(dU), len(dU[0])
    dZhat = [[dU[i][j] * gamma[j] for j in range(n)] for i in range(m)]
    col = (lambda f: [sum(f(i, j) for i in range(m)) for j in range(n)])
    S1, S2 = col(lambda i, j: abs(dZhat[i][j])), col(lambda i, j: abs(dZhat[i][j] * Zhat[i][j]))
    if c["mu"] is None:
        dZ = [4 * (m + 2) * EPS * (m * abs(dZhat[i][j]) + S1[j] + abs(Zhat[i][j]) * S2[j]) / m / std[j] + SUB
              for i in range(m) for j in range(n)]
    else:
        dZ = [4 * EPS * abs(dZhat[i][j]) / std[j] + SUB for i in range(m) for j in range(n)]
    dgamma = [(m + 2) * EPS * s + SUB for s in col(lambda i, j: abs(dU[i][j] * Zhat[i][j]))]
    dbeta = [(m + 2) * EPS * s + SUB for s in col(lambda i, j: abs(dU[i][j]))]
    return dZ + dgamma + dbeta


LAYERS = [
    S("layers", "affine_forward", AFFINE_FIXED, _affine_case,
      lambda mod, c, T: mod.affine_forward(T.arr(c["A"]), T.arr(c["W"]), T.arr(c["b"])),
      lambda c, r, x: plus(sum_bound(lambda c: len(c["W"]) + 1)(c, r, x), ulps(r, 1)), True),
    S("layers", "affine_backward", AFFINE_FIXED, _affine_case,
      lambda mod, c, T: mod.affine_backward(T.arr(c["dZ"]), _affine_cache(c, T)), sum_bound(lambda c: len(c["A"])), True),
    S("layers", "affine_backward_input", AFFINE_FIXED, _affine_case,
      lambda mod, c, T: mod.affine_backward_input(T.arr(c["dZ"]), _affine_cache(c, T)),
      sum_bound(lambda c: len(c["W"][0])), True),
    S("layers", "activation_backward",
      [{"name": a, "Z": wave(3, 4) + [[0.0, 1.0, -1.0, 4.0]], "dA": wave(4, 4, 1.2, 0.9)}
       for a in ("sigmoid", "tanh", "relu", "swish", "linear")], _act_case,
      lambda mod, c, T: mod.activation_backward(T.arr(c["dA"]), {"name": c["name"], "Z": T.arr(c["Z"])}), _act_bound),
    S("layers", "dropout_forward", DROPOUT_FIXED, _mask_case,
      lambda mod, c, T: mod.dropout_forward(T.arr(c["A"]), T.arr(c["M"]), c["p"]), lambda c, r, x: ulps(r, 2)),
    S("layers", "dropout_backward", DROPOUT_FIXED, _mask_case,
      lambda mod, c, T: mod.dropout_backward(T.arr(c["A"]), {"M": T.arr(c["M"]), "keep": 1.0 - c["p"]}),
      lambda c, r, x: ulps(r, 2)),
    S("layers", "batchnorm_forward", BN_FIXED, _bn_case, _bn_forward, _bn_forward_bound),
    S("layers", "batchnorm_backward", BN_FIXED, _bn_case, _bn_backward, _bn_backward_bound),
]


# ------------------------------------------------------------------ chapter 5: optim
def _opt_case(D, hyper=None):
    shape = (D.int(1, 3), D.int(1, 3))
    grads = [(D.matrix(shape[0], shape[1], 3.0), D.matrix(1, shape[1], 3.0)[0]) for _ in range(2)]
    return {"P": D.matrix(shape[0], shape[1], 3.0), "b": D.matrix(1, shape[1], 3.0)[0], "grads": grads, "hyper": hyper}


def _steps(cls_name):
    def run(mod, c, T):
        opt = getattr(mod, cls_name)(**c["hyper"])
        params = {"W": T.arr(c["P"]), "b": T.arr(c["b"])}
        for gW, gb in c["grads"]:
            opt.step(params, {"W": T.arr(gW), "b": T.arr(gb)})
        return {"params": params, "state": opt.state, "steps": opt.steps}
    return run


def _opt_bound(c, r, x):
    """8 EPS of each entry and of the step's scale: two steps of a few roundings each, at the size of P, lr g, v."""
    G = max(abs(v) for gW, gb in c["grads"] for v in flat(gW) + gb)
    lr = c["hyper"]["lr"]
    return [8 * EPS * (abs(v) + G * (1.0 + lr) + G * G + lr) + SUB for v in r]


SGD_HYPER = [{"lr": 0.1}, {"lr": 0.1, "momentum": 0.9, "dampening": 0.5, "decay": 0.01}]
OPT_FIXED = {"P": wave(2, 3), "b": [0.5, -1.0, 0.25], "grads": [(wave(2, 3, 1.0, 1.0), [0.3, -0.2, 0.1]),
                                                                (wave(2, 3, 0.7, 2.5), [-0.1, 0.4, 0.2])]}
OPTIM = [
    S("optim", "lr_at", [{"lr0": 0.1, "decay": 0.01, "steps": 0}, {"lr0": 0.1, "decay": 0.5, "steps": 3},
                         {"lr0": 1.0, "decay": 1e-3, "steps": 100}],
      lambda D: {"lr0": D.float(1e-4, 10.0), "decay": D.float(0.0, 1.0), "steps": D.int(0, 10000)},
      lambda mod, c, T: mod.lr_at(c["lr0"], c["decay"], c["steps"]), lambda c, r, x: ulps(r, 4)),
    S("optim", "SGD.step", [dict(OPT_FIXED, hyper=h) for h in SGD_HYPER],
      lambda D: _opt_case(D, D.choice(SGD_HYPER)), _steps("SGD"), _opt_bound),
    S("optim", "Adam.step", [dict(OPT_FIXED, hyper={"lr": 0.01, "decay": 0.1})],
      lambda D: _opt_case(D, {"lr": 0.01, "decay": 0.1}), _steps("Adam"), _opt_bound),
]



SPECS = {(s.module, s.name): s for s in LINALG + ACTIVATIONS + LOSSES + LAYERS + OPTIM}
