"""Per-function parity of linalg, scalar vs plain: the sums within their rounding bound, the rest bit for bit.

The tolerances are explained in parity_tests/lesson/strategies.py.
"""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import scalar_nn.linalg as s_linalg
import vector_nn.layers as v_layers
import vector_nn.linalg as v_linalg
from parity_tests.lesson.strategies import (
    matrix, matrix_pair, same_shape, arr, assert_equal, assert_within, sum_bound)


@given(matrix_pair())
def test_matmul_and_transpose(AB):
    A, B = AB
    C_s, C_v = s_linalg.matmul(A, B), v_linalg.matmul(arr(A), arr(B))
    n = len(B)
    # each C[i][j] is a dot product of n terms: within n EPS sum_k |A_ik B_kj| of each other
    assert_within(C_s, C_v, sum_bound(n, np.abs(arr(A)) @ np.abs(arr(B))), "matmul")
    assert_equal(s_linalg.transpose(A), v_linalg.transpose(arr(A)), "transpose")


@given(st.integers(1, 8).flatmap(lambda n: st.tuples(matrix(shape=(1, n)), matrix(shape=(1, n)))))
def test_dot(uv):
    u, v = uv[0][0], uv[1][0]
    d_s, d_v = s_linalg.dot(u, v), v_linalg.dot(arr(u), arr(v))
    assert isinstance(d_v, float)
    assert abs(d_s - d_v) <= sum_bound(len(u), float(np.abs(arr(u)) @ np.abs(arr(v))))


@given(same_shape(2), st.floats(-4.0, 4.0))
def test_elementwise_linalg_is_exact(AB, c):
    A, B = AB
    b = A[0]                                    # a row vector of the right length
    assert_equal(s_linalg.add_row(B, b), v_linalg.add_row(arr(B), arr(b)), "add_row")
    assert_equal(s_linalg.hadamard(A, B), v_linalg.hadamard(arr(A), arr(B)), "hadamard")
    assert_equal(s_linalg.scale(A, c), v_linalg.scale(arr(A), c), "scale")
    assert_equal(s_linalg.apply(abs, A), v_linalg.apply(np.abs, arr(A)), "apply")
    # column sums and means: NumPy adds axis 0 row after row, the scalar loop's order
    assert_equal(s_linalg.column_sums(A), v_linalg.column_sums(arr(A)), "column_sums")
    assert_equal(s_linalg.column_means(A), v_linalg.column_means(arr(A)), "column_means")


@given(matrix())
def test_sum_squares_copy_zeros_rows_of(A):
    # a sum of m n non-negative terms: each twin within gamma_{mn} of the exact value
    N = len(A) * len(A[0])
    for x in (A, A[0]):
        ss_s, ss_v = s_linalg.sum_squares(x), v_linalg.sum_squares(arr(x))
        assert isinstance(ss_v, float)
        assert abs(ss_s - ss_v) <= sum_bound(N, ss_s)
    for x in (A, A[0]):
        y = v_linalg.copy(arr(x))
        assert_equal(s_linalg.copy(x), y, "copy")
        assert y.dtype == np.float64 and not np.shares_memory(y, arr(x))
        assert_equal(s_linalg.rows_of(x), v_linalg.rows_of(arr(x)), "rows_of")
    assert_equal(s_linalg.zeros(len(A), len(A[0])), v_linalg.zeros(len(A), len(A[0])), "zeros")


def test_the_vector_linalg_is_what_the_vector_mlp_computes():
    # Not dead code: the plain layers compute with these functions (their default backend, linalg.NUMPY).
    g = np.random.default_rng(3)
    A, W, b, dZ = g.normal(size=(5, 4)), g.normal(size=(4, 3)), g.normal(size=3), g.normal(size=(5, 3))
    Z, cache = v_layers.affine_forward(A, W, b)
    assert np.array_equal(Z, v_linalg.add_row(v_linalg.matmul(A, W), b))
    dW, db = v_layers.affine_backward(dZ, cache)
    assert np.array_equal(dW, v_linalg.matmul(v_linalg.transpose(A), dZ))
    assert np.array_equal(db, v_linalg.column_sums(dZ))
