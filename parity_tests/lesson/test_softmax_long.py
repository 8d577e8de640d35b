"""The softmax + cross-entropy shortcut dZ = (P - onehot(y)) / m, checked against the long way.

Derivation, for one sample i with logits z (a row of Z), P = softmax(z), label y:

    L_i = -(1/m) log P_y                       so  dL_i/dP_j = -(1/m) / P_y  if j == y, else 0
    P_j = e^{z_j} / sum_k e^{z_k}              so  dP_j/dz_l = P_j (delta_jl - P_l)   (the Jacobian J)
    dL_i/dz_l = sum_j dL_i/dP_j * J[j][l]      (chain rule; only the j = y term survives)
              = -(1/m) / P_y * P_y (delta_yl - P_l) = (P_l - delta_yl) / m

The P_y in the denominator cancels the P_y of the Jacobian: that is why the
library computes the short form (cheaper, and safe when P_y rounds to 0).
``softmax_cross_entropy_backward_long`` computes the full Jacobian product;
these tests show the two agree, that the MLP's own dZ_L is the same matrix,
and that a finite difference of the loss agrees with all of them.
"""

import math

import numpy as np
import pytest

from parity_tests.conftest import to_list
from scalar_nn import rng

SHAPES = [(1, 2), (3, 2), (4, 3), (5, 7), (16, 10)]
SCALES = [1.0, 5.0, 15.0]


def random_logits(m, n, scale, seed=7):
    """Z (m, n) with entries scale * U(-1, 1) and labels y in 0..n-1, from the shared RNG stream."""
    key = rng.key_for(seed, rng.DATA, m, n, int(scale))
    Z = [[scale * (2.0 * rng.uniform(key, i * n + j) - 1.0) for j in range(n)] for i in range(m)]
    label_key = rng.key_for(seed, rng.DATA, m, n, int(scale), 1)
    y = [min(int(rng.uniform(label_key, i) * n), n - 1) for i in range(m)]
    return Z, y


def shortcut(Z, y):
    """(softmax(Z) - onehot(y)) / m, computed here from the definition (independent of both twins)."""
    m = len(Z)
    dZ = []
    for row, yi in zip(Z, y):
        top = max(row)
        e = [math.exp(v - top) for v in row]
        total = sum(e)
        dZ.append([(ej / total - (1.0 if j == yi else 0.0)) / m for j, ej in enumerate(e)])
    return dZ


def as_twin(twin, Z, y):
    """The twin's own data types: lists for scalar_nn, arrays for vector_nn."""
    if twin.arrays:
        return np.array(Z, dtype=np.float64), np.array(y, dtype=np.int64)
    return Z, y


def flat(M):
    return [v for row in to_list(M) for v in row]


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("m, n", SHAPES)
def test_long_way_equals_shortcut(twin, m, n, scale):
    """Full Jacobian times dL/dP (the long way) == (P - onehot) / m."""
    Z, y = random_logits(m, n, scale)
    long_way = twin.losses.softmax_cross_entropy_backward_long(*as_twin(twin, Z, y))
    assert len(to_list(long_way)) == m and all(len(r) == n for r in to_list(long_way))
    assert flat(long_way) == pytest.approx(flat(shortcut(Z, y)), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("m, n", SHAPES)
def test_output_delta_is_the_shortcut(twin, m, n, scale):
    """losses.output_delta for softmax + cross_entropy returns (P - onehot) / m, and so does the long way."""
    Zt, yt = as_twin(twin, *random_logits(m, n, scale))
    P = twin.losses.output_activation("softmax", Zt)
    delta = twin.losses.output_delta("softmax", "cross_entropy", Zt, P, yt)
    long_way = twin.losses.softmax_cross_entropy_backward_long(Zt, yt)
    assert flat(delta) == pytest.approx(flat(shortcut(*random_logits(m, n, scale))), rel=1e-13, abs=1e-16)
    assert flat(delta) == pytest.approx(flat(long_way), rel=1e-12, abs=1e-15)
    # each row of the gradient sums to 0: softmax is unchanged by adding a constant to every logit
    assert all(abs(sum(row)) < 1e-15 for row in to_list(delta))


@pytest.mark.parametrize("m, n", SHAPES)
def test_mlp_dZ_is_the_long_way(net_twin, m, n):
    """The MLP's dZ_L, read off a one-layer network where X = I and W1 = Z, so that Z_L = Z and dW1 = dZ_L.

    Backprop gives dW1 = X^T @ dZ_L = I @ dZ_L = dZ_L exactly, and db1 = the column sums of dZ_L.
    """
    Z, y = random_logits(m, n, 5.0)
    identity = [[1.0 if i == j else 0.0 for j in range(m)] for i in range(m)]
    net = net_twin.mlp.MLP.from_params({"W1": Z, "b1": [0.0] * n}, output="softmax", loss="cross_entropy")
    loss, grads = net.loss_and_grads(identity, y)
    long_way = to_list(net_twin.losses.softmax_cross_entropy_backward_long(*as_twin(net_twin, Z, y)))
    assert flat(grads["W1"]) == pytest.approx(flat(long_way), rel=1e-12, abs=1e-15)
    assert to_list(grads["b1"]) == pytest.approx([sum(c) for c in zip(*long_way)], abs=1e-15)
    expected_loss = sum(math.log(sum(math.exp(v) for v in row)) - row[yi] for row, yi in zip(Z, y)) / m
    assert loss == pytest.approx(expected_loss, rel=1e-12)


@pytest.mark.parametrize("m, n", [(3, 2), (4, 5)])
def test_finite_differences_agree(twin, m, n):
    """(L(Z + h e_il) - L(Z - h e_il)) / 2h matches the long way entry by entry: both are dL/dZ."""
    Z, y = random_logits(m, n, 3.0)
    long_way = to_list(twin.losses.softmax_cross_entropy_backward_long(*as_twin(twin, Z, y)))
    h = 1e-5

    def L(Zp):
        Zt, yt = as_twin(twin, Zp, y)
        return twin.losses.data_loss("softmax", "cross_entropy", Zt, twin.losses.output_activation("softmax", Zt), yt)

    for i in range(m):
        for j in range(n):
            plus = [list(r) for r in Z]
            minus = [list(r) for r in Z]
            plus[i][j] += h
            minus[i][j] -= h
            numeric = (L(plus) - L(minus)) / (2.0 * h)
            assert numeric == pytest.approx(long_way[i][j], abs=1e-9)


@pytest.mark.parametrize("m, n", SHAPES)
def test_twins_agree_on_the_long_way(scalar, vector, m, n):
    """Both twins' long-way gradients are the same matrix (to rounding)."""
    Z, y = random_logits(m, n, 5.0)
    s = scalar.losses.softmax_cross_entropy_backward_long(*as_twin(scalar, Z, y))
    v = vector.losses.softmax_cross_entropy_backward_long(*as_twin(vector, Z, y))
    assert flat(v) == pytest.approx(flat(s), rel=1e-13, abs=1e-16)
