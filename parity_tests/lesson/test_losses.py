"""Per-function parity of the output layers, losses and output deltas, scalar vs plain.

The tolerances are explained in parity_tests/lesson/strategies.py.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import scalar_nn.losses as s_losses
import vector_nn.losses as v_losses
from parity_tests.lesson.strategies import EPS, floats, matrix, arr, assert_equal, assert_within, ulps


OUTPUT_LOSS = [("linear", "mse"), ("sigmoid", "mse"), ("sigmoid", "bce"), ("softmax", "cross_entropy")]


@st.composite
def loss_case(draw, output, loss):
    """(Z, Y) for an output/loss pair: Y floats (mse), 0/1 (bce) or class indices."""
    n = draw(st.integers(2 if output == "softmax" else 1, 5))
    Z = draw(matrix(bound=30.0, rows=(1, 5), shape=(draw(st.integers(1, 5)), n)))
    m = len(Z)
    if loss == "cross_entropy":
        Y = draw(st.lists(st.integers(0, n - 1), min_size=m, max_size=m))
    elif loss == "bce":
        Y = [draw(st.lists(st.sampled_from([0.0, 1.0]), min_size=n, max_size=n)) for _ in range(m)]
    else:
        Y = draw(matrix(bound=3.0, shape=(m, n)))
    return Z, Y


def v_targets(loss, Y):
    return np.array(Y, dtype=np.int64) if loss == "cross_entropy" else arr(Y)


@pytest.mark.parametrize("output, loss", OUTPUT_LOSS)
@given(data=st.data())
def test_output_activation_data_loss_and_output_delta(output, loss, data):
    Z, Y = data.draw(loss_case(output, loss))
    Yhat_s = s_losses.output_activation(output, Z)
    Yhat_v = v_losses.output_activation(output, arr(Z))
    # linear is Z itself; s(z) as above; softmax: exp of z - max (<= 1 ulp each) over their sum
    n = len(Z[0])
    bound = {"linear": 0.0, "sigmoid": ulps(Yhat_s, 4), "softmax": ulps(Yhat_s, 2 * n + 4)}[output]
    assert_within(Yhat_s, Yhat_v, bound, "output_activation")

    # the data loss, each twin from its own forward values: a mean of N terms,
    # each a few ulp of its own size (exp and log1p in softplus and logsumexp)
    N = len(Z) * n
    L_s = s_losses.data_loss(output, loss, Z, Yhat_s, Y)
    L_v = v_losses.data_loss(output, loss, arr(Z), Yhat_v, v_targets(loss, Y))
    assert isinstance(L_v, float)
    if loss == "mse":
        terms = (np.abs(arr(Yhat_s)) + np.abs(arr(Y))) ** 2              # (yh - y)^2 <= (|yh| + |y|)^2
    else:
        terms = np.abs(arr(Z)) + 1.0                                       # softplus, logsumexp - z_y
    assert abs(L_s - L_v) <= (N + 8) * EPS * float(terms.sum()) / (N if loss != "cross_entropy" else len(Z))

    # the output delta from the *same* (Z, Yhat, Y): the same operations in the same order
    Yhat = Yhat_s
    dZ_s = s_losses.output_delta(output, loss, Z, Yhat, Y)
    dZ_v = v_losses.output_delta(output, loss, arr(Z), arr(Yhat), v_targets(loss, Y))
    assert_equal(dZ_s, dZ_v, "output_delta")


@given(st.lists(floats(800.0), min_size=1, max_size=6))
def test_softplus_softmax_logsumexp_rows(z):
    # softplus: max(z, 0) + log1p(e^-|z|): the log1p term is < log 2, 4 ulp of it, plus the sum's rounding
    for v in z:
        sp_s, sp_v = s_losses.softplus(v), float(v_losses.softplus(arr(v)))
        assert abs(sp_s - sp_v) <= ulps(sp_s, 4)          # e^-|z| may be subnormal: ulps' floor
    top = max(abs(v) for v in z)
    assert abs(s_losses.logsumexp_row(z) - float(v_losses.logsumexp_row(arr(z)))) <= (len(z) + 4) * EPS * (top + 1.0)
    assert_within(s_losses.softmax_row(z), v_losses.softmax_row(arr(z)),
                  ulps(s_losses.softmax_row(z), 2 * len(z) + 4), "softmax_row")


@given(loss_case("softmax", "cross_entropy"))
def test_softmax_cross_entropy_backward_long(ZY):
    Z, y = ZY
    long_s = s_losses.softmax_cross_entropy_backward_long(Z, y)
    long_v = v_losses.softmax_cross_entropy_backward_long(arr(Z), np.array(y))
    n = len(Z[0])
    # the same products and divisions; the sum over j of n terms (einsum may reorder it) and
    # softmax's few ulp, all on values of size <= 1/m ... times 1/P_y, so relative to the
    # largest term |dL/dP_y P_y| = 1/m
    assert_within(long_s, long_v, (4 * n + 8) * EPS / len(Z) * np.maximum(1.0, 1.0 / arr(
        [[row[yi]] for row, yi in zip(s_losses.output_activation("softmax", Z), y)])), "long")
