"""Per-function parity, MiniTorch style: each lesson function, scalar vs plain vector vs fast.

Every function of the lesson modules that has a NumPy twin -- linalg,
activations and their derivatives, output layers and losses with their
output deltas, each layer's forward/backward pair, the optimizers' single
update, init and rng -- gets the *same* hypothesis-drawn inputs in both
twins, and the outputs are compared.  Where ``vector_nn.fast`` has its own
version of a step (the fused activation passes ``_activate_into`` /
``_times_prime``, the column sums as ``1^T dZ``) it is a third party to the
comparison.  The whole-network trajectories are in test_parity.py; this
file pins each piece on its own, so a broken function is named directly.

Tolerances.  ``EPS = 2**-52`` is the spacing of floats at 1 (u = EPS/2 the
unit roundoff).  Each bound is the rounding analysis of the two
computations, never a fudge factor:

* **exact** (``==``): the same IEEE operations in the same order, e.g.
  ``2 (Z - Y) / N``, dropout's ``A * M / (1 - p)``, the batch statistics
  (NumPy reduces axis 0 of a C-ordered array row after row, the order of the
  scalar loop), ``relu``.  These are asserted bit for bit.
* **sums** (``dot``, ``matmul``, the affine layer, ``sum_squares``): BLAS
  may reorder a sum and use fused multiply-adds.  Each twin is then within
  ``gamma_n sum_i |u_i v_i|`` of the exact sum (``gamma_n = n u / (1 - n u)``,
  Higham, Accuracy and Stability, 3.1), so they are within twice that of
  each other: ``n EPS sum |u_i v_i|`` (+ ``EPS |c|`` for an added bias;
  ``sum_bound``).
* **elementary functions** (``exp``, ``log1p``, ``tanh``): NumPy's loops and
  the C library are each faithfully rounded (< 1 ulp), not always to the
  same neighbour; the bound propagates those few ulp through the formula,
  e.g. ``s (1 - s)`` inherits the absolute error of ``s``, and swish's
  ``z (1 - s)`` multiplies it by ``|z|``.  With every bound of this kind
  halved, stress runs of this file (1 500 examples a test) found no
  difference over it: the constants (4, 8 ulp) are at least twice what
  was seen.  The summation bounds are worst cases, not estimates.
* a product that lands among the subnormals is rounded to a multiple of
  2**-1074, so one rounding there is worth 2**-1074, not EPS |x| (``ulps``).
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import scalar_nn.activations as s_act
import scalar_nn.init as s_init
import scalar_nn.layers as s_layers
import scalar_nn.linalg as s_linalg
import scalar_nn.losses as s_losses
import scalar_nn.optim as s_optim
import scalar_nn.rng as s_rng
import vector_nn.activations as v_act
import vector_nn.fast as fast
import vector_nn.fast.kernels as kernels
import vector_nn.init as v_init
import vector_nn.layers as v_layers
import vector_nn.linalg as v_linalg
import vector_nn.losses as v_losses
import vector_nn.optim as v_optim
import vector_nn.rng as v_rng
from scalar_nn.conventions import BN_EPS, HIDDEN_ACTIVATIONS

EPS = 2.0 ** -52
TINY = 2.3e-308          # the fast sigmoid's 0 where sigmoid gives e^z < TINY (z < -709.78)
SUBNORMAL = 2.0 ** -1074  # the spacing of floats below 2**-1022: one rounding there is this, not EPS |x|

NAMES = list(HIDDEN_ACTIVATIONS)


# --------------------------------------------------------------------------- inputs
def floats(bound):
    return st.floats(-bound, bound, allow_nan=False, allow_infinity=False)


@st.composite
def matrix(draw, bound=10.0, rows=(1, 5), cols=(1, 5), shape=None):
    """A matrix (list of rows of floats) drawn by hypothesis; ``shape`` fixes (m, n)."""
    m, n = shape if shape is not None else (draw(st.integers(*rows)), draw(st.integers(*cols)))
    return [draw(st.lists(floats(bound), min_size=n, max_size=n)) for _ in range(m)]


@st.composite
def matrix_pair(draw, bound=10.0):
    """(A, B) with A (m, n) and B (n, p): a matrix product's operands."""
    m, n, p = draw(st.integers(1, 5)), draw(st.integers(1, 6)), draw(st.integers(1, 5))
    return draw(matrix(bound, shape=(m, n))), draw(matrix(bound, shape=(n, p)))


@st.composite
def same_shape(draw, count, bound=10.0, rows=(1, 5)):
    """``count`` matrices of one (m, n) shape."""
    m, n = draw(st.integers(*rows)), draw(st.integers(1, 5))
    return [draw(matrix(bound, shape=(m, n))) for _ in range(count)]


def arr(x):
    return np.array(x, dtype=np.float64)


def assert_equal(scalar, vector, what=""):
    """Bit for bit: the same numbers, the same shape."""
    assert np.asarray(vector).tolist() == scalar, what


def assert_within(scalar, vector, bound, what=""):
    """|scalar - vector| <= bound entrywise (bound: an array of the shape, or a number)."""
    a, b = arr(scalar), np.asarray(vector, dtype=np.float64)
    assert a.shape == b.shape, (what, a.shape, b.shape)
    diff = np.abs(a - b)
    bad = diff > bound
    assert not bad.any(), "%s: |diff| %s over the bound %s at %s" % (
        what, diff[bad][:3], np.broadcast_to(bound, diff.shape)[bad][:3], np.argwhere(bad)[:3].tolist())


def sum_bound(n, abs_sum):
    """How far two orders of an n-term sum may be apart: n EPS sum|terms|, plus n subnormal roundings."""
    return n * (EPS * abs_sum + SUBNORMAL)


def ulps(x, k):
    """k ulp of |x| as an absolute bound: k EPS |x|, and at least k ulp of a subnormal (2**-1074)."""
    return k * np.maximum(EPS * np.abs(arr(x)), SUBNORMAL)


# --------------------------------------------------------------------------- linalg
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


# ----------------------------------------------------------------------- activations
def activation_bound(name, Z, k):
    """k ulp of what act(Z) may differ by: through exp for sigmoid/swish, tanh's own rounding."""
    Z = arr(Z)
    if name in ("relu", "linear"):
        return 0.0
    if name == "sigmoid":
        return ulps(v_act.sigmoid(Z), k)                      # relative: exp's error enters a ratio
    if name == "tanh":
        return ulps(np.tanh(Z), k)
    return ulps(np.abs(Z) * v_act.sigmoid(Z), k)              # swish = z s(z)


def prime_bound(name, Z, k):
    """k ulp of act'(Z)'s possible difference: the absolute error of s (or t) carried through."""
    Z = arr(Z)
    if name in ("relu", "linear"):
        return 0.0
    if name in ("sigmoid", "tanh"):
        return k * EPS * np.ones_like(Z)      # s(1 - s), 1 - t^2: |d/ds| <= 1 (2 for tanh) times ulp(1)
    return k * EPS * (1.0 + np.abs(Z))        # s (1 + z (1 - s)): the error of s times |z|


@pytest.mark.parametrize("name", NAMES)
@given(Z=matrix(bound=40.0))
def test_activation_and_its_derivative(name, Z):
    assert_within(s_act.activate(name, Z), v_act.activate(name, arr(Z)), activation_bound(name, Z, 4), name)
    assert_within(s_act.activate_prime(name, Z), v_act.activate_prime(name, arr(Z)),
                  prime_bound(name, Z, 4), name + "'")
    # the table functions, one at a time, are the same as activate's
    f_s, df_s = s_act.ACTIVATIONS[name]
    f_v, df_v = v_act.ACTIVATIONS[name]
    z = Z[0][0]
    assert abs(f_s(z) - float(f_v(arr(z)))) <= float(np.max(activation_bound(name, [[z]], 4)))
    assert abs(df_s(z) - float(np.broadcast_to(df_v(arr(z)), ()))) <= float(np.max(prime_bound(name, [[z]], 4)))


@pytest.mark.parametrize("z", [0.0, -0.0, 1e-300, -1e-300, 5e-324, 710.0, -710.0, -740.0, -745.0, -1000.0, 1000.0])
@pytest.mark.parametrize("name", NAMES)
def test_activation_extremes(name, z):
    """The points where formulas differ: relu'(0) = 0, exp's overflow avoided, underflow to 0."""
    Z = [[z]]
    assert_within(s_act.activate(name, Z), v_act.activate(name, arr(Z)), activation_bound(name, Z, 4), name)
    assert_within(s_act.activate_prime(name, Z), v_act.activate_prime(name, arr(Z)),
                  prime_bound(name, Z, 4), name + "'")


# ------------------------------------------------------- the fast engine's fused passes
def fast_activate(name, Z):
    """``kernels.activate_into`` on fresh buffers: (A, saved)."""
    Z = arr(Z)
    return kernels.activate_into(name, Z, np.empty_like(Z), np.empty_like(Z))


@pytest.mark.parametrize("name", NAMES)
@given(Z=matrix(bound=40.0))
def test_fast_activation_pass_matches_the_plain_and_scalar_activations(name, Z):
    # fast's sigmoid is 1 / (1 + exp(-z)) in four passes.  For z < 0 that is
    # 1 / (1 + e^-z) against e^z / (1 + e^z): each is exp's < 1 ulp, then one
    # rounding of the sum and one of the division (~2.5 ulp each way), and swish
    # rounds once more in z * s: 8 ulp against either twin.
    A_f, _ = fast_activate(name, Z)
    bound = activation_bound(name, Z, 8)
    assert_within(v_act.activate(name, arr(Z)).tolist(), A_f, bound, name + " fast vs plain")
    assert_within(s_act.activate(name, Z), A_f, bound, name + " fast vs scalar")


@pytest.mark.parametrize("name", NAMES)
@given(ZD=same_shape(2, bound=40.0))
def test_fast_times_prime_matches_the_activation_backward(name, ZD):
    Z, dA = ZD
    _, saved = fast_activate(name, Z)
    dZ_f = kernels.times_prime(name, arr(dA), arr(Z), saved, np.empty_like(arr(Z)))
    dZ_v = v_layers.activation_backward(arr(dA), {"name": name, "Z": arr(Z)})
    dZ_s = s_layers.activation_backward(dA, {"name": name, "Z": Z})
    # dA * act'(z): act' within the bound above, then one rounding of the product
    bound = np.abs(arr(dA)) * prime_bound(name, Z, 8) + ulps(dZ_v, 1)
    assert_within(dZ_v.tolist(), dZ_f, bound, name + "' fast vs plain")
    assert_within(dZ_s, dZ_f, bound, name + "' fast vs scalar")
    assert_within(dZ_s, dZ_v, bound, name + "' plain vs scalar")


@pytest.mark.parametrize("name", NAMES)
def test_fast_activation_pass_at_the_extremes(name):
    Z = [[0.0, -0.0, 710.0, -700.0, 1e-300, -1000.0]]
    A_f, saved = fast_activate(name, Z)
    bound = activation_bound(name, Z, 8) + TINY      # z < -709.78: 0 instead of e^z < TINY
    assert_within(s_act.activate(name, Z), A_f, bound, name)
    dZ_f = kernels.times_prime(name, np.ones_like(arr(Z)), arr(Z), saved, np.empty_like(arr(Z)))
    assert_within(s_act.activate_prime(name, Z), dZ_f, prime_bound(name, Z, 8) + TINY, name + "'")


@given(matrix())
def test_fast_column_sums_are_the_plain_ones_up_to_order(dZ):
    net = fast.MLP([2, 3, 1])
    m = len(dZ)
    # the lean step's db = 1^T dZ is a BLAS product: within m EPS sum_i |dZ_ij| of the row-by-row sum
    assert_within(s_linalg.column_sums(dZ), net._plan(m).ones @ arr(dZ),
                  sum_bound(m, np.abs(arr(dZ)).sum(axis=0)), "column sums")


def test_fast_work_buffers_keep_the_last_batch_sizes_and_change_no_number():
    """Work buffers are kept per batch size, the oldest size dropped beyond four; results are the plain twin's."""
    import vector_nn.mlp as plain
    net = fast.MLP([3, 5, 2], "swish", "linear", "mse", seed=1)
    ref = plain.MLP([3, 5, 2], "swish", "linear", "mse", seed=1)
    rows = np.linspace(-2.0, 2.0, 3 * 7).reshape(7, 3)
    for m in (1, 2, 3, 4, 5, 2, 6):
        X, Y = rows[:m], np.ones((m, 2))
        loss, grads = net.loss_and_grads(X, Y)
        loss_p, grads_p = ref.loss_and_grads(X, Y)
        # the same formulas; fast's sigmoid (8 ulp, above) and 1^T dZ sums: lockstep-level agreement
        assert loss == pytest.approx(loss_p, rel=1e-13)
        for name in grads:
            assert grads[name] == pytest.approx(grads_p[name], rel=1e-12, abs=1e-15), (m, name)
    # at most four batch sizes kept, the newest among them, the first one dropped
    # (a size seen again is not moved to the back: eviction is first in, first out)
    assert len(net._work.by_m) == 4 and 6 in net._work.by_m and 1 not in net._work.by_m


# --------------------------------------------------------------------- losses
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


# --------------------------------------------------------------------- layers
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


# -------------------------------------------------------------- optimizers, one update
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


# --------------------------------------------------------------------- init, rng
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_init_weight_is_the_scalar_draw_as_an_array(activation):
    W_s = s_init.init_weight(3, 4, activation, 7, 2)
    W_v = v_init.init_weight(3, 4, activation, 7, 2)
    assert W_v.dtype == np.float64 and W_v.shape == (3, 4)
    assert_equal(W_s, W_v, "init_weight")
    assert v_init.init_std is s_init.init_std


@given(st.integers(0, 2 ** 32), st.lists(st.integers(0, 2 ** 40), min_size=1, max_size=8))
def test_rng_normal_matches_the_scalar_box_muller(seed, idx):
    key = s_rng.key_for(seed, s_rng.INIT, 1)
    n_v = v_rng.normal(key, np.array(idx, dtype=np.uint64))
    n_s = [s_rng.normal(key, i) for i in idx]
    # sqrt(-2 log u1) cos(2 pi u2): NumPy's log and cos may round to the other
    # neighbour of the C library's (1 ulp each); |cos| <= 1 and -2 log u1 <= 1500
    assert_within(n_s, n_v, 8 * EPS * (1.0 + np.abs(arr(n_s))), "normal")
    for i, z in zip(idx, n_s):
        assert math.isfinite(z)
    # the uniforms underneath are exact
    assert_equal([s_rng.uniform(key, i) for i in idx], v_rng.uniform(key, np.array(idx, dtype=np.uint64)), "u")


# ------------------------------------------------------------------ the plain MLP's modes
@pytest.mark.parametrize("package", ["scalar_nn", "vector_nn"])
def test_train_eval_modes_and_repr(package):
    import importlib
    MLP = importlib.import_module(package + ".mlp").MLP
    net = MLP([2, 3, 1], "tanh", "sigmoid", "bce", dropout=0.5, batchnorm=True)
    assert net.training is True
    assert net.eval() is net and net.training is False
    X = [[0.5, -1.0], [2.0, 0.25]]
    before = np.asarray(net.predict(X)).tolist()
    assert np.asarray(net.predict(X)).tolist() == before       # inference: no mask, running stats
    assert net.train() is net and net.training is True
    text = repr(net)
    assert text.startswith("MLP(") and "[2, 3, 1]" in text and "tanh" in text


@settings(max_examples=10)
@given(st.integers(0, 1000))
def test_plain_and_scalar_reprs_agree(seed):
    import scalar_nn.mlp
    import vector_nn.mlp
    a = scalar_nn.mlp.MLP([3, 2, 2], "relu", "softmax", "cross_entropy", seed=seed, l2=0.1)
    b = vector_nn.mlp.MLP([3, 2, 2], "relu", "softmax", "cross_entropy", seed=seed, l2=0.1)
    assert repr(a) == repr(b)
