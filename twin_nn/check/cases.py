"""The built-in cases of ``twin-nn check``: small nets where every diagnosis can show.

Each case fixes the layer sizes, the output/loss pair, the batch size m, the
number of steps and the L2 strengths; the hidden activation is the case's own
when the learner's ``SUPPORTS`` allows it, else the first one it lists.  The
choices, and what each one makes visible:

* m = 5 rows (m > 1): a missing 1/m, an unsummed or averaged bias gradient;
* n_L = 1 and n_L = 3: 1/m instead of 1/(m n_L) (invisible with one output),
  a (m,) target broadcast against a (m, 1) output (only with one output);
* three layers in ``deep-tanh``: a mistake scoped to one hidden layer, and
  1/m applied again below the output;
* no square weight matrix beyond the lesson net's 2 x 2 W1: a transposed
  gradient is a shape error (in that W1 a wrong value, which the oracle names);
* non-zero initial biases (0.1 x a uniform draw): bias mistakes show at step 1;
* l2 > 0 with l2_bias = 0 (where ``SUPPORTS["l2"]``): L2 forgotten, doubled,
  or put on the biases;
* 3 steps through one loaded copy: gradients accumulated across calls;
* ``softmax-big-logits``: the output layer scaled so that |Z_L| > 709, where
  exp overflows unless the row maximum is subtracted (section 4).
"""

import math
from collections import namedtuple

from scalar_nn import rng

Case = namedtuple("Case", "name sizes hidden output loss m steps l2 l2_bias lr seed logit_scale about dropout")
Case.__new__.__defaults__ = (0.0,)       # dropout p: the masks come in config["masks"] (SUPPORTS["dropout"])

CASES = (
    Case("lesson-221", [2, 2, 1], "sigmoid", "sigmoid", "mse", 4, 3, 0.0, 0.0, 0.5, 1, 1.0,
         "the 2-2-1 lesson net, sigmoid hidden, sigmoid + mse, 4 rows"),
    Case("sigmoid-mse-3out", [3, 4, 3], "sigmoid", "sigmoid", "mse", 5, 3, 0.01, 0.0, 0.5, 2, 1.0,
         "3 outputs, 5 rows, l2 = 0.01: every 1/N of section 4 shows"),
    Case("deep-tanh", [3, 5, 4, 1], "tanh", "linear", "mse", 5, 3, 0.01, 0.0, 0.1, 3, 1.0,
         "two hidden layers, linear + mse, one output: layer-scoped mistakes, target shape"),
    Case("swish-bce", [4, 3, 2], "swish", "sigmoid", "bce", 5, 3, 0.0, 0.0, 0.5, 4, 1.0,
         "swish hidden, sigmoid + bce, 2 outputs"),
    Case("softmax-ce", [4, 5, 3], "sigmoid", "softmax", "cross_entropy", 5, 3, 0.01, 0.0, 0.5, 5, 1.0,
         "softmax + cross-entropy, 3 classes, 5 rows, l2 = 0.01"),
    Case("softmax-big-logits", [3, 4, 3], "sigmoid", "softmax", "cross_entropy", 5, 3, 0.0, 0.0, 1e-3, 6,
         2000.0, "softmax with logits beyond 709 (exp overflows unless the row maximum is subtracted)"),
    Case("dropout", [3, 5, 4, 2], "tanh", "linear", "mse", 5, 3, 0.0, 0.0, 0.1, 7, 1.0,
         "inverted dropout p = 0.25 in both hidden layers, masks in config (only with SUPPORTS[\"dropout\"])",
         0.25),
)

BY_NAME = {c.name: c for c in CASES}


def supports_defaults(supports):
    """SUPPORTS with its defaults filled in (the 2-2-1 lesson net when absent)."""
    s = dict(supports or {})
    s.setdefault("hidden", ["sigmoid"])
    s.setdefault("pairs", [["sigmoid", "mse"]])
    s.setdefault("arrays", "numpy")
    for key in ("l2", "dropout", "intermediates"):
        s[key] = bool(s.get(key, False))
    s["pairs"] = [list(p) for p in s["pairs"]]
    from scalar_nn.conventions import HIDDEN_ACTIVATIONS, OUTPUT_LOSS_PAIRS
    if s["arrays"] not in ("numpy", "lists", "torch"):
        raise ValueError("SUPPORTS['arrays'] must be 'numpy', 'lists' or 'torch', not %r" % (s["arrays"],))
    bad = [h for h in s["hidden"] if h not in HIDDEN_ACTIVATIONS]
    if bad or not s["hidden"]:
        raise ValueError("SUPPORTS['hidden'] lists %s; choose from %s" % (bad or "nothing", ", ".join(HIDDEN_ACTIVATIONS)))
    bad = [p for p in s["pairs"] if tuple(p) not in OUTPUT_LOSS_PAIRS]
    if bad:
        raise ValueError("SUPPORTS['pairs'] has %s; choose from %s" % (
            bad, ", ".join("[%s, %s]" % p for p in OUTPUT_LOSS_PAIRS)))
    return s


def applicable(case, supports):
    """The case as it runs for this learner (hidden, l2 adapted), or None if its pair is unsupported."""
    s = supports_defaults(supports)
    if [case.output, case.loss] not in s["pairs"] or (case.dropout and not s["dropout"]):
        return None
    hidden = case.hidden if case.hidden in s["hidden"] else s["hidden"][0]
    l2 = case.l2 if s["l2"] else 0.0
    return case._replace(hidden=hidden, l2=l2, l2_bias=case.l2_bias if s["l2"] else 0.0)


def config_of(case):
    """The ``config`` dict a learner's function receives (docs/CHECK.md)."""
    config = {"sizes": list(case.sizes), "hidden": case.hidden, "output": case.output, "loss": case.loss,
              "l2": case.l2, "l2_bias": case.l2_bias, "lr": case.lr}
    if case.dropout:
        config["dropout"] = case.dropout
    return config


def masks_of(case, step):
    """The dropout masks of a step (lists of 0/1 rows, one (m, n_k) per hidden layer): the twins' stream."""
    if not case.dropout:
        return None
    key_masks = []
    for k in range(1, len(case.sizes) - 1):
        key = rng.key_for(case.seed, rng.DROPOUT, step - 1, k)
        n = case.sizes[k]
        key_masks.append([[1.0 if rng.uniform(key, i * n + j) >= case.dropout else 0.0 for j in range(n)]
                          for i in range(case.m)])
    return key_masks


def make_data(case):
    """(X, Y) of the case as nested lists: X uniform on [-1, 1), Y fitting the loss (as the parity suite)."""
    from twin_nn.parity import Config
    from twin_nn.parity import make_data as parity_data
    cfg = Config("check", case.sizes, case.hidden, case.output, case.loss, batch=case.m, rows=case.m,
                 seed=case.seed)
    return parity_data(cfg)


def initial_params(case):
    """The starting parameters (lists): the twins' seeded draws, biases 0.1 x uniform, W_L x logit_scale."""
    from scalar_nn import init
    params = init.init_params(case.sizes, case.hidden, case.seed)
    key = rng.key_for(case.seed, rng.INIT, 99)
    L = len(case.sizes) - 1
    for k in range(1, L + 1):
        b = params["b%d" % k]
        for j in range(len(b)):
            b[j] = 0.1 * (2.0 * rng.uniform(key, 1000 * k + j) - 1.0)
    if case.logit_scale != 1.0:
        W = params["W%d" % L]
        params["W%d" % L] = [[w * case.logit_scale for w in row] for row in W]
    return params


def describe(case):
    """One line for ``--list-cases``."""
    extra = (", l2 %g" % case.l2 if case.l2 else "") + (", dropout %g" % case.dropout if case.dropout else "")
    return "%-20s %-14s %s hidden, %s + %s, m = %d, %d steps%s: %s" % (
        case.name, "-".join(str(n) for n in case.sizes), case.hidden, case.output, case.loss, case.m,
        case.steps, extra, case.about)


def max_logit(case):
    """|Z_L| the case reaches at the start (for the big-logits case's claim), from its own data."""
    import numpy as np
    X, _ = make_data(case)
    p = {k: np.array(v) for k, v in initial_params(case).items()}
    A = np.array(X)
    L = len(case.sizes) - 1
    from vector_nn.activations import activate
    for k in range(1, L + 1):
        Z = A @ p["W%d" % k] + p["b%d" % k]
        A = activate(case.hidden, Z) if k < L else Z
    return float(np.abs(Z).max()) if math.isfinite(float(np.abs(Z).max())) else float("inf")
