"""Per-function parity of each layer's forward/backward pair (affine, activation, dropout, batchnorm), scalar vs plain.

The tolerances are explained in parity_tests/lesson/strategies.py.
"""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import scalar_nn.layers as s_layers
import vector_nn.layers as v_layers
from scalar_nn.conventions import BN_EPS
from parity_tests.lesson.strategies import (
    NAMES, matrix, matrix_pair, same_shape, arr, assert_equal, assert_within, sum_bound, ulps,
    activation_bound, prime_bound)


@given(matrix_pair(), st.data())
def test_affine_forward_and_backward(AW, data):
    A, W = AW
    m, n = len(A), len(W[0])
    b = data.draw(matrix(shape=(1, n)))[0]
    dZ = data.draw(matrix(shape=(m, n)))
    Z_s, cache_s = s_layers.affine_forward(A, W, b)
    Z_v, cache_v = v_layers.affine_forward(arr(A), arr(W), arr(b))
    n_in = len(W)
    # n_in products summed, then + b: n_in EPS sum |A W| + one rounding of the result
    assert_within(Z_s, Z_v, sum_bound(n_in, np.abs(arr(A)) @ np.abs(arr(W))) + ulps(Z_s, 1), "Z")
    assert set(cache_s) == set(cache_v) == {"A_prev", "W"}

    dW_s, db_s = s_layers.affine_backward(dZ, cache_s)
    dW_v, db_v = v_layers.affine_backward(arr(dZ), cache_v)
    assert_within(dW_s, dW_v, sum_bound(m, np.abs(arr(A)).T @ np.abs(arr(dZ))), "dW")
    assert_equal(db_s, db_v, "db")                     # row after row in both
    dA_s = s_layers.affine_backward_input(dZ, cache_s)
    dA_v = v_layers.affine_backward_input(arr(dZ), cache_v)
    assert_within(dA_s, dA_v, sum_bound(n, np.abs(arr(dZ)) @ np.abs(arr(W)).T), "dA_prev")


@pytest.mark.parametrize("name", NAMES)
@given(ZD=same_shape(2, bound=20.0))
def test_activation_layer_forward_and_backward(name, ZD):
    Z, dA = ZD
    A_s, cache_s = s_layers.activation_forward(name, Z)
    A_v, cache_v = v_layers.activation_forward(name, arr(Z))
    assert_within(A_s, A_v, activation_bound(name, Z, 4), name)
    assert cache_s["name"] == cache_v["name"] == name
    dZ_s = s_layers.activation_backward(dA, cache_s)
    dZ_v = v_layers.activation_backward(arr(dA), cache_v)
    assert_within(dZ_s, dZ_v, np.abs(arr(dA)) * prime_bound(name, Z, 8) + ulps(dZ_v, 1), name + "'")


@given(same_shape(2), st.data())
def test_dropout_forward_and_backward_are_exact(AD, data):
    A, dA = AD
    m, n = len(A), len(A[0])
    M = [data.draw(st.lists(st.sampled_from([0.0, 1.0]), min_size=n, max_size=n)) for _ in range(m)]
    p = data.draw(st.sampled_from([0.1, 0.25, 0.5, 0.9]))
    out_s, cache_s = s_layers.dropout_forward(A, M, p)
    out_v, cache_v = v_layers.dropout_forward(arr(A), arr(M), p)
    assert_equal(out_s, out_v, "dropout forward")
    assert cache_s["keep"] == cache_v["keep"] == 1.0 - p
    assert_equal(s_layers.dropout_backward(dA, cache_s), v_layers.dropout_backward(arr(dA), cache_v), "backward")


@pytest.mark.parametrize("training", [True, False], ids=["training", "inference"])
@given(data=st.data())
def test_batchnorm_forward_and_backward(training, data):
    m, n = data.draw(st.integers(2, 5)), data.draw(st.integers(1, 4))
    Z = data.draw(matrix(bound=5.0, shape=(m, n)))
    dU = data.draw(matrix(bound=5.0, shape=(m, n)))
    gamma, beta = [data.draw(matrix(bound=2.0, shape=(1, n)))[0] for _ in range(2)]
    mu = var = None
    if not training:
        mu = data.draw(matrix(bound=2.0, shape=(1, n)))[0]
        var = [abs(v) for v in data.draw(matrix(bound=2.0, shape=(1, n)))[0]]
    vec = (lambda x: None if x is None else arr(x))
    U_s, c_s = s_layers.batchnorm_forward(Z, gamma, beta, BN_EPS, mu, var)
    U_v, c_v = v_layers.batchnorm_forward(arr(Z), arr(gamma), arr(beta), BN_EPS, vec(mu), vec(var))
    # column means and variances row after row, then elementwise: the same operations in the same order
    assert_equal(U_s, U_v, "U")
    for key in ("Zhat", "std", "mu", "var"):
        assert_equal(c_s[key], c_v[key], key)
    assert c_s["training"] is c_v["training"] is training
    dZ_s, dg_s, db_s = s_layers.batchnorm_backward(dU, c_s)
    dZ_v, dg_v, db_v = v_layers.batchnorm_backward(arr(dU), c_v)
    assert_equal(dZ_s, dZ_v, "dZ")
    assert_equal(dg_s, dg_v, "dgamma")
    assert_equal(db_s, db_v, "dbeta")
