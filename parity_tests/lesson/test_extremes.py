"""Extreme pre-activations give finite losses and gradients, in every twin, without warnings.

A sigmoid of -1000 needs ``exp(1000)`` if written naively (OverflowError in
Python, inf and a RuntimeWarning in NumPy); BCE at ``p = s(1000)``, which is
exactly 1.0 in float64, needs ``log(1 - p) = log(0)``; a softmax of 1e4
needs ``exp(1e4)``.  The library evaluates each in a form that cannot
overflow (``exp(-|z|)``, softplus of the logit, the row maximum subtracted),
and these tests hold it to that:

* every case runs with warnings turned into errors and NumPy set to warn on
  overflow, invalid operations and division by zero (underflow to 0 is the
  correct answer here and stays silent);
* the loss equals its exact asymptotic value, derived in each test from the
  formula (e.g. BCE at z = 1000 with y = 0 costs softplus(1000) = 1000 per
  element, divided by N);
* the gradient is finite and equals the limit of the formula;
* the twins give the same numbers.

Each case builds and trains an ``MLP``, so it runs over ``net_twin``: the
scalar twin, the plain vector twin and the fast engine (whose fused sigmoid,
1 / (1 + exp(-z)), takes a different road to the same limits).

The parameters are set with ``MLP.from_params`` so that ``Z`` takes exactly
the values wanted.
"""

import math
import warnings

import numpy as np
import pytest

from parity_tests.conftest import to_list


def strictly(fn, *args, **kw):
    """Call fn with every warning an error and NumPy warning on overflow/invalid/divide."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="warn", invalid="warn", divide="warn", under="ignore"):
            return fn(*args, **kw)


def all_finite(x):
    """True if every entry of a number, vector, matrix (list or array) or dict of them is finite."""
    if isinstance(x, dict):
        return all(all_finite(v) for v in x.values())
    x = to_list(x)
    if isinstance(x, list):
        return all(all_finite(v) for v in x)
    return math.isfinite(x)


def run(twin, case):
    """Build the case's network and return (loss, grads, predictions) as plain lists."""
    net = strictly(twin.mlp.MLP.from_params, case["params"], hidden=case["hidden"],
                   output=case["output"], loss=case["loss"])
    loss, grads = strictly(net.loss_and_grads, case["X"], case["Y"])
    Yhat = strictly(net.predict, case["X"])
    eval_loss = strictly(net.loss, case["X"], case["Y"])
    assert eval_loss == loss         # no dropout, no BatchNorm: both modes agree
    for opt in (twin.optim.SGD(0.1, momentum=0.9), twin.optim.Adam(0.01)):
        strictly(opt.step, net.params, grads)
        assert all_finite(net.params), "a step on extreme gradients made a parameter non-finite"
    return loss, {k: to_list(v) for k, v in grads.items()}, to_list(Yhat)


def flat(x):
    """A matrix (or vector) as one flat list, for pytest.approx."""
    x = to_list(x)
    if x and isinstance(x[0], list):
        return [v for row in x for v in row]
    return x


def matmul(A, B):
    """Plain (m, n) @ (n, p) for the expected values (independent of either twin)."""
    return [[sum(a * b for a, b in zip(row, col)) for col in zip(*B)] for row in A]


def step(z):
    """The limit of s(z) as |z| grows: 1 for z > 0, 0 for z < 0."""
    return 1.0 if z > 0 else 0.0


# ----------------------------------------------------------------- the cases
def output_sigmoid_case(z, loss):
    """No hidden layer: sizes [1, 4], Z = X @ W1 holds +-z in every entry.

    Targets mix 0, 1 and 0.5 so that some entries are right and some wrong.
    """
    return {
        "hidden": "sigmoid", "output": "sigmoid", "loss": loss,
        "params": {"W1": [[z, -z, z, -z]], "b1": [0.0, 0.0, 0.0, 0.0]},
        "X": [[1.0], [-1.0], [1.0]],
        "Y": [[0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0], [0.5, 0.5, 1.0, 0.0]],
    }


def hidden_case(hidden, z):
    """sizes [1, 2, 2], linear + mse, W1 = [[z, -z]], W2 = identity: predict returns act(Z_1)."""
    return {
        "hidden": hidden, "output": "linear", "loss": "mse",
        "params": {"W1": [[z, -z]], "b1": [0.0, 0.0],
                   "W2": [[1.0, 0.0], [0.0, 1.0]], "b2": [0.0, 0.0]},
        "X": [[1.0], [-1.0], [2.0]],
        "Y": [[0.5, 0.5], [1.0, -1.0], [0.0, 2.0]],
    }


def softmax_case(z):
    """No hidden layer: sizes [2, 3], logits of size +-z; labels right for some rows, wrong for others."""
    return {
        "hidden": "sigmoid", "output": "softmax", "loss": "cross_entropy",
        "params": {"W1": [[z, -z, 0.0], [-z, z / 4.0, z / 2.0]], "b1": [0.0, 0.0, 0.0]},
        "X": [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.5, -0.5]],
        "Y": [0, 0, 2, 1],
    }


def softmax_after_tanh_case(x):
    """X of size +-x through a saturated tanh layer, then logits of +-1e4 (sizes [2, 2, 3])."""
    return {
        "hidden": "tanh", "output": "softmax", "loss": "cross_entropy",
        "params": {"W1": [[1.0, 0.0], [0.0, 1.0]], "b1": [0.0, 0.0],
                   "W2": [[1e4, -1e4, 2e3], [0.0, 5e3, -1e4]], "b2": [0.0, 0.0, 0.0]},
        "X": [[x, -x], [-x, x], [x, x], [-x, -x]],
        "Y": [0, 2, 1, 2],
    }


# ------------------------------------------------------- output: sigmoid
@pytest.mark.parametrize("z", [1000.0, 1e4])
def test_bce_at_saturated_sigmoid_equals_its_asymptote(net_twin, z):
    """p = s(+-z) is exactly 1.0 or 0.0, yet the loss is finite: softplus(+-z) -> max(+-z, 0).

    BCE per element is y softplus(-z) + (1 - y) softplus(z); for |z| >= 1000 the
    log1p(e^-|z|) part underflows to 0, leaving y max(-z, 0) + (1 - y) max(z, 0).
    dL/dZ = (p - y) / N with p = step(z).
    """
    case = output_sigmoid_case(z, "bce")
    loss, grads, Yhat = run(net_twin, case)
    Z = matmul(case["X"], case["params"]["W1"])
    assert all(p in (0.0, 1.0) for row in Yhat for p in row), "p is not exactly 0 or 1: not an extreme case"
    N = len(Z) * len(Z[0])
    expected = sum(y * max(-zz, 0.0) + (1.0 - y) * max(zz, 0.0)
                   for zr, yr in zip(Z, case["Y"]) for zz, y in zip(zr, yr)) / N
    assert loss == pytest.approx(expected, rel=1e-15)
    dZ = [[(step(zz) - y) / N for zz, y in zip(zr, yr)] for zr, yr in zip(Z, case["Y"])]
    assert flat(grads["W1"]) == pytest.approx(flat(matmul([list(c) for c in zip(*case["X"])], dZ)), rel=1e-15)
    assert grads["b1"] == pytest.approx([sum(c) for c in zip(*dZ)], rel=1e-15, abs=1e-300)


@pytest.mark.parametrize("z", [1000.0, -1000.0])
@pytest.mark.parametrize("y", [0.0, 1.0])
def test_bce_single_element_right_and_wrong(net_twin, z, y):
    """One sample, one output, p exactly 0 or 1: large (|z|) when wrong, ~0 when right."""
    case = {"hidden": "sigmoid", "output": "sigmoid", "loss": "bce",
            "params": {"W1": [[z]], "b1": [0.0]}, "X": [[1.0]], "Y": [[y]]}
    loss, grads, Yhat = run(net_twin, case)
    p = Yhat[0][0]
    assert p == step(z)
    wrong = p != y
    if wrong:
        assert loss == abs(z)              # softplus(|z|) = |z| + log1p(e^-|z|) = |z| exactly
        assert grads["W1"][0][0] == p - y  # (p - y) / N with N = 1, times x = 1
    else:
        assert 0.0 <= loss < 1e-300        # log1p(e^-1000) underflows to 0
        assert grads["W1"][0][0] == 0.0
    assert all_finite(grads)


@pytest.mark.parametrize("z", [1000.0, 1e4])
def test_sigmoid_mse_at_saturation(net_twin, z):
    """sigmoid + mse: Yhat = step(Z), loss = mean (step(Z) - Y)^2, and dZ = ... * Yhat (1 - Yhat) = 0."""
    case = output_sigmoid_case(z, "mse")
    loss, grads, Yhat = run(net_twin, case)
    Z = matmul(case["X"], case["params"]["W1"])
    assert Yhat == [[step(zz) for zz in row] for row in Z]
    N = len(Z) * len(Z[0])
    expected = sum((step(zz) - y) ** 2 for zr, yr in zip(Z, case["Y"]) for zz, y in zip(zr, yr)) / N
    assert loss == pytest.approx(expected, rel=1e-15)
    assert all(g == 0.0 for row in grads["W1"] for g in row)     # the sigmoid's slope is exactly 0 here
    assert all(g == 0.0 for g in grads["b1"])


# -------------------------------------------------------- hidden layers
HIDDEN_LIMITS = {
    # (act(v), act'(v)) in the limit |v| -> inf, for a pre-activation v
    "sigmoid": (step, lambda v: 0.0),
    "tanh": (lambda v: math.copysign(1.0, v), lambda v: 0.0),
    "swish": (lambda v: v if v > 0 else 0.0, step),       # v s(v) -> v or 0; s (1 + v (1 - s)) -> 1 or 0
}


@pytest.mark.parametrize("hidden, z", [
    ("sigmoid", 1000.0), ("sigmoid", 1e4), ("swish", 1000.0), ("swish", 1e4), ("tanh", 1e4), ("tanh", 1e300),
])
def test_saturated_hidden_layer(net_twin, hidden, z):
    """act(+-z) and act'(+-z) reach their limits exactly, and backprop stays finite.

    With W2 = identity and a linear output, predict(X) is act(Z_1) itself, and
    dW1 = X^T (dA * act'(Z_1)): its columns vanish where act' is 0.
    """
    case = hidden_case(hidden, z)
    loss, grads, Yhat = run(net_twin, case)
    act, act_prime = HIDDEN_LIMITS[hidden]
    Z1 = matmul(case["X"], case["params"]["W1"])
    assert Yhat == [[act(v) for v in row] for row in Z1]
    N = len(Yhat) * len(Yhat[0])
    expected_loss = sum((a - y) ** 2 for ar, yr in zip(Yhat, case["Y"]) for a, y in zip(ar, yr)) / N
    assert loss == pytest.approx(expected_loss, rel=1e-14)
    assert math.isfinite(loss) and all_finite(grads)
    # backprop by hand: dZ2 = 2 (A - Y) / N, dA = dZ2 @ I, dZ1 = dA * act'(Z1)
    dZ1 = [[2.0 * (a - y) / N * act_prime(v) for a, y, v in zip(ar, yr, vr)]
           for ar, yr, vr in zip(Yhat, case["Y"], Z1)]
    assert flat(grads["W1"]) == pytest.approx(flat(matmul([list(c) for c in zip(*case["X"])], dZ1)),
                                          rel=1e-14, abs=0.0)
    assert grads["b1"] == pytest.approx([sum(c) for c in zip(*dZ1)], rel=1e-14, abs=0.0)


# ------------------------------------------------------------- softmax
@pytest.mark.parametrize("z", [1e4, -1e4, 1e5])
def test_softmax_cross_entropy_at_huge_logits(net_twin, z):
    """Logits of +-1e4: softmax is one-hot at the row maximum, CE = max(z) - z[y] per row.

    -log softmax(z)[y] = logsumexp(z) - z[y], and logsumexp(z) = max(z) + log(1 + sum of
    e^(z_j - max)) = max(z) exactly once every other logit is >= 750 below the max.
    dZ = (onehot(argmax) - onehot(y)) / m.
    """
    case = softmax_case(z)
    loss, grads, P = run(net_twin, case)
    Z = matmul(case["X"], case["params"]["W1"])
    m = len(Z)
    assert P == [[1.0 if v == max(row) else 0.0 for v in row] for row in Z]
    expected = sum(max(row) - row[y] for row, y in zip(Z, case["Y"])) / m
    assert expected > 0.0 and loss == pytest.approx(expected, rel=1e-15)
    dZ = [[(p - (1.0 if j == y else 0.0)) / m for j, p in enumerate(prow)] for prow, y in zip(P, case["Y"])]
    assert flat(grads["W1"]) == pytest.approx(flat(matmul([list(c) for c in zip(*case["X"])], dZ)), rel=1e-15)
    assert grads["b1"] == pytest.approx([sum(c) for c in zip(*dZ)], rel=1e-15, abs=1e-300)


@pytest.mark.parametrize("x", [1e4, 1e200])
def test_softmax_after_saturated_tanh(net_twin, x):
    """Huge X saturates tanh (A = +-1 exactly, tanh' = 0), then logits of +-1e4 go to softmax."""
    case = softmax_after_tanh_case(x)
    loss, grads, P = run(net_twin, case)
    A = [[math.copysign(1.0, v) for v in row] for row in case["X"]]
    Z = [[sum(a * w for a, w in zip(row, col)) for col in zip(*case["params"]["W2"])] for row in A]
    m = len(Z)
    expected = sum(max(row) - row[y] for row, y in zip(Z, case["Y"])) / m
    assert loss == pytest.approx(expected, rel=1e-15)
    assert all(g == 0.0 for row in grads["W1"] for g in row)        # nothing flows through tanh' = 0
    assert all_finite(grads) and all(all(0.0 <= p <= 1.0 for p in row) for row in P)


# --------------------------------------------------- the twins agree
ALL_CASES = (
    [("bce", z, output_sigmoid_case(z, "bce")) for z in (1000.0, 1e4)]
    + [("sigmoid-mse", z, output_sigmoid_case(z, "mse")) for z in (1000.0, -1000.0)]
    + [(h, z, hidden_case(h, z)) for h, z in (("sigmoid", 1000.0), ("swish", -1000.0), ("swish", 1000.0),
                                            ("tanh", 1e4), ("relu", 1e4))]
    + [("softmax", z, softmax_case(z)) for z in (1e4, -1e4)]
    + [("tanh-softmax", 1e4, softmax_after_tanh_case(1e4))]
)


@pytest.mark.parametrize("engine", ["vector", "fast"])
@pytest.mark.parametrize("name, z, case", ALL_CASES, ids=["%s-%g" % c[:2] for c in ALL_CASES])
def test_twins_agree_on_extreme_cases(scalar, engine, name, z, case):
    """Same loss, gradients and predictions from the scalar twin and each vector engine (to rounding)."""
    from parity_tests.conftest import Twin
    s_loss, s_grads, s_pred = run(scalar, case)
    v_loss, v_grads, v_pred = run(Twin(engine), case)
    assert math.isfinite(s_loss) and all_finite(s_grads) and all_finite(s_pred)
    assert v_loss == pytest.approx(s_loss, rel=1e-13, abs=1e-300)
    assert flat(v_pred) == pytest.approx(flat(s_pred), rel=1e-13, abs=1e-300)
    for k in s_grads:
        assert flat(v_grads[k]) == pytest.approx(flat(s_grads[k]), rel=1e-13, abs=1e-300), k
