"""The lean public step: a plain batch skips the entry-by-entry check, and bad input still fails clearly.

``loss_and_grads`` checks a plain batch (lists of floats, or float64 arrays)
in a few C-level passes and leaves NaN and infinity to the failure path
(``toolkit.checks.plain_batch`` / ``deferred_check``).  These cases are
the ones that path must not let through: a ragged row (``zip`` would cut it
short), a bool (it multiplies like 1), and a non-finite entry whose loss comes
out finite (ReLU maps -inf to 0; only dW_1 shows it).  Each must raise the
message the full check gives.
"""

import math

import numpy as np
import pytest

NAN, INF = float("nan"), float("inf")


def relu_net(twin, **kw):
    return twin.mlp.MLP([3, 4, 2], hidden="relu", output="linear", loss="mse", seed=1, **kw)


def X4():
    return [[0.5, -1.0, 2.0], [1.5, 0.25, -0.5], [-2.0, 1.0, 0.75], [0.1, 0.2, 0.3]]


def Y4():
    return [[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [0.2, 0.8]]


def _as(twin, rows):
    return np.array(rows) if twin.name != "scalar" else rows


@pytest.mark.parametrize("row", [[1.0, 2.0], [1.0, 2.0, 3.0, 4.0]], ids=["short", "long"])
def test_a_ragged_row_is_not_cut_short(twin, row):
    X = X4()
    X[2] = row
    with pytest.raises(ValueError, match=r"X has ragged rows: row 0 has 3 values, row 2 has %d" % len(row)):
        relu_net(twin).loss_and_grads(X, Y4())


def test_a_bool_entry_is_still_refused(scalar):
    """The scalar twin refuses bools in X and Y (the vector twin's NumPy conversion turns them into 1.0/0.0)."""
    X = X4()
    X[1][2] = True
    with pytest.raises(TypeError, match=r"X\[1\]\[2\] is not a number: True"):
        relu_net(scalar).loss_and_grads(X, Y4())
    Y = Y4()
    Y[0][0] = False
    with pytest.raises(TypeError, match=r"Y\[0\]\[0\] is not a number: False"):
        relu_net(scalar).loss_and_grads(X4(), Y)


@pytest.mark.parametrize("value, shown", [(-INF, "-inf"), (INF, "inf"), (NAN, "nan")])
def test_a_non_finite_entry_is_named_even_when_the_loss_is_finite(twin, value, shown):
    X = X4()
    X[3][1] = value
    net = relu_net(twin)
    with pytest.raises(ValueError, match=r"X\[3\]\[1\] is %s.*finite" % shown):
        net.loss_and_grads(_as(twin, X), _as(twin, Y4()))


def test_a_non_finite_target_is_named(twin):
    Y = Y4()
    Y[2][1] = NAN
    with pytest.raises(ValueError, match=r"Y\[2\]\[1\] is nan"):
        relu_net(twin).loss_and_grads(_as(twin, X4()), _as(twin, Y))


def test_the_lean_step_computes_what_the_checked_step_computes(twin):
    """Same loss and gradients with the plain batch as with one that takes the full check (ints)."""
    net = relu_net(twin)
    loss, grads = net.loss_and_grads(_as(twin, X4()), _as(twin, Y4()))
    X_ints = [[int(4 * v) / 4 for v in row] for row in X4()]     # the same values...
    X_mixed = [list(row) for row in X_ints]
    X_mixed[0][1] = -1                                             # ...one an int: the full check's path
    l1, g1 = net.loss_and_grads(X_ints, Y4())
    l2, g2 = net.loss_and_grads(X_mixed, Y4())
    assert l1 == l2 and math.isfinite(loss)
    for name in grads:
        assert np.array_equal(np.asarray(g1[name]), np.asarray(g2[name]))
