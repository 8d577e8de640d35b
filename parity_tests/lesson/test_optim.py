"""The optimizers of every twin against values computed by hand from docs/CONVENTIONS.md section 9.

One parameter matrix W (1 x 2) and one bias b (1,), two steps with the
gradients G1 then G2 (both computed "before the update", as the rule says).
The expected values are worked out below with exact fractions; the twins
must reach them to rounding (a few ulp of values near 1).

    P0:  W = [[1, -1]]      b = [0.5]
    G1:  W = [[2, -4]]      b = [1]
    G2:  W = [[-1, 0.5]]    b = [0]

The second half compares the optimizers' single update scalar vs plain vs
fast on Hypothesis-drawn parameters (tolerances: parity_tests/lesson/strategies.py).
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import scalar_nn.linalg as s_linalg
import scalar_nn.optim as s_optim
import vector_nn.fast as fast
import vector_nn.optim as v_optim
from parity_tests.lesson.strategies import EPS, arr, assert_within, matrix, ulps

P0 = {"W": [[1.0, -1.0]], "b": [0.5]}
G1 = {"W": [[2.0, -4.0]], "b": [1.0]}
G2 = {"W": [[-1.0, 0.5]], "b": [0.0]}
REL = 1e-14           # values of order 1 computed in a few operations: a few ulp


def as_twin(net_twin, value):
    """A copy of the nested lists in the twin's parameter type (float64 arrays for the vector twins)."""
    if net_twin.arrays:
        import numpy as np
        return np.array(value, dtype=np.float64)
    return [list(row) for row in value] if isinstance(value[0], list) else list(value)


def two_steps(net_twin, opt):
    params = {name: as_twin(net_twin, value) for name, value in P0.items()}
    for G in (G1, G2):
        opt.step(params, {name: as_twin(net_twin, value) for name, value in G.items()})
    return {name: [list(map(float, row)) if hasattr(row, "__len__") else float(row) for row in value]
            for name, value in params.items()}


def test_sgd_plain_with_decay(net_twin):
    """lr_s = lr0 / (1 + decay s): step 1 at 0.1, step 2 at 0.1 / 1.5 = 1/15.

    W: 1 - 0.1*2 = 0.8, then 0.8 + 1/15 = 13/15;  -1 + 0.4 = -0.6, then -0.6 - 0.5/15 = -19/30.
    b: 0.5 - 0.1 = 0.4, then unchanged (gradient 0).
    """
    opt = net_twin.optim.SGD(0.1, decay=0.5)
    P = two_steps(net_twin, opt)
    assert P["W"][0] == pytest.approx([13 / 15, -19 / 30], rel=REL)
    assert P["b"] == pytest.approx([0.4], rel=REL)
    assert opt.steps == 2 and opt.current_lr() == pytest.approx(0.1 / 2.0, rel=REL)


def test_sgd_heavy_ball_momentum(net_twin):
    """mu = 0.5, d = 0, lr = 1: v = G1 on the first step (v starts at 0: v = 0.5*0 + G1).

    W: v = [2, -4], P = [-1, 3];  v = 0.5*[2, -4] + [-1, 0.5] = [0, -1.5], P = [-1, 4.5].
    b: v = 1, P = -0.5;  v = 0.5, P = -1.
    """
    P = two_steps(net_twin, net_twin.optim.SGD(1.0, momentum=0.5))
    assert P["W"][0] == [-1.0, 4.5] and P["b"] == [-1.0]       # every value exact in binary


def test_sgd_momentum_with_dampening_differs_from_torch_on_the_first_step(net_twin):
    """mu = 0.9, d = 0.5, lr = 0.1: v = (1 - d) G1 on the first step (torch would take v = G1).

    W: v = [1, -2], P = [0.9, -0.8];  v = 0.9*[1, -2] + 0.5*[-1, 0.5] = [0.4, -1.55], P = [0.86, -0.645].
    b: v = 0.5, P = 0.45;  v = 0.45, P = 0.405.
    """
    opt = net_twin.optim.SGD(0.1, momentum=0.9, dampening=0.5)
    P = two_steps(net_twin, opt)
    assert P["W"][0] == pytest.approx([0.86, -0.645], rel=REL)
    assert P["b"] == pytest.approx([0.405], rel=REL)
    assert [float(v) for v in opt.state["v"]["W"][0]] == pytest.approx([0.4, -1.55], rel=REL)


def test_adam_with_decay(net_twin):
    """b1 = 0.9, b2 = 0.999, eps = 1e-8, lr = 0.1, decay = 1 (step 2 at lr 0.05).

    Step 1 (t = 1): m = 0.1 g, v = 0.001 g^2, so mhat = g, vhat = g^2 and
    P <- P - 0.1 g / (|g| + eps): nearly lr * sign(g).
    Step 2 (t = 2), first entry of W (g = 2 then -1):
    m = 0.9*0.2 - 0.1 = 0.08, v = 0.999*0.004 + 0.001 = 0.004996,
    mhat = 0.08 / 0.19 = 8/19, vhat = 0.004996 / 0.001999 = 4996/1999.
    Second entry (g = -4 then 0.5): m = -0.36 + 0.05 = -0.31, v = 0.999*0.016 + 0.00025 = 0.016234,
    mhat = -31/19, vhat = 16234/1999.  b (g = 1 then 0): m = 0.09, v = 0.000999,
    mhat = 9/19, vhat = 999/1999.
    """
    opt = net_twin.optim.Adam(0.1, decay=1.0)
    P = two_steps(net_twin, opt)
    eps = 1e-8

    def step2(mhat, vhat):
        return 0.05 * mhat / (math.sqrt(vhat) + eps)

    w1 = 1.0 - 0.1 * 2.0 / (2.0 + eps) - step2(8 / 19, 4996 / 1999)
    w2 = -1.0 + 0.1 * 4.0 / (4.0 + eps) - step2(-31 / 19, 16234 / 1999)
    b = 0.5 - 0.1 * 1.0 / (1.0 + eps) - step2(9 / 19, 999 / 1999)
    assert P["W"][0] == pytest.approx([w1, w2], rel=1e-12)
    assert P["b"] == pytest.approx([b], rel=1e-12)
    assert [float(v) for v in opt.state["m"]["W"][0]] == pytest.approx([0.08, -0.31], rel=1e-12)
    assert [float(v) for v in opt.state["v"]["W"][0]] == pytest.approx([0.004996, 0.016234], rel=1e-12)


def test_the_learning_rate_is_a_plain_attribute_that_decay_applies_to(net_twin):
    """Callbacks (Overclock) change ``opt.lr``; the decay then applies to the new lr0."""
    opt = net_twin.optim.SGD(0.1, decay=1.0)
    two_steps(net_twin, opt)
    opt.lr = 0.3
    assert opt.current_lr() == pytest.approx(0.3 / 3.0, rel=REL)


# -------------------------------------------------------------- optimizers, one update: scalar vs plain vs fast
@st.composite
def update_case(draw):
    shape = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    P, g1, g2 = (draw(matrix(bound=3.0, shape=shape)) for _ in range(3))
    return P, [g1, g2]


OPTIMIZERS = [
    ("sgd", dict(lr=0.1)),
    ("sgd", dict(lr=0.1, momentum=0.9, dampening=0.5, decay=0.01)),
    ("adam", dict(lr=0.01, decay=0.1)),
]


@pytest.mark.parametrize("name, hyper", OPTIMIZERS, ids=["sgd", "momentum", "adam"])
@given(case=update_case())
def test_two_updates_scalar_vs_plain_vs_fast(name, hyper, case):
    """Two steps of each optimizer on one parameter (a matrix) and one bias (a vector)."""
    P, grads = case
    make = {"scalar": s_optim.make_optimizer, "vector": v_optim.make_optimizer,
            "fast": lambda n, **h: {"sgd": fast.SGD, "adam": fast.Adam}[n](**h)}
    runs = {}
    for twin, factory in make.items():
        opt = factory(name, **hyper)
        as_param = s_linalg.copy if twin == "scalar" else arr
        params = {"W": as_param(P), "b": as_param(P[0])}
        for g in grads:
            opt.step(params, {"W": as_param(g), "b": as_param(g[0])})
        runs[twin] = {k: np.asarray(v).tolist() for k, v in params.items()}
        assert opt.steps == 2
    # SGD: the scalar loop's operations, elementwise, in its order: exact.  Adam: the
    # same, but sqrt and the division happen in another order in fast
    # ((lr mhat) / denom vs lr (mhat / denom)): 2 ulp of the step, on P's scale.
    for twin in ("vector", "fast"):
        for key in ("W", "b"):
            if name == "sgd":
                assert runs[twin][key] == runs["scalar"][key], (twin, key)
            else:
                assert_within(runs["scalar"][key], runs[twin][key],
                              ulps(runs["scalar"][key], 2) + 4 * EPS * hyper["lr"], (twin, key))


def test_optimizer_registry_builds_each_rule():
    for module in (s_optim, v_optim):
        assert type(module.make_optimizer("sgd", lr=0.5)) is module.SGD
        adam = module.make_optimizer("adam", lr=0.01, beta1=0.8)
        assert type(adam) is module.Adam and adam.beta1 == 0.8
        with pytest.raises(ValueError, match="optimizer"):
            module.make_optimizer("rmsprop", lr=0.1)
