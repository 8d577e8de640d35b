"""The fast engine's fused passes against the lesson: ``kernels.activate_into`` / ``times_prime``,
the column sums as ``1^T dZ`` and the per-batch-size work buffers, a third party to scalar vs plain.

The tolerances are explained in parity_tests/lesson/strategies.py.
"""

import numpy as np
import pytest
from hypothesis import given

import scalar_nn.activations as s_act
import scalar_nn.layers as s_layers
import scalar_nn.linalg as s_linalg
import vector_nn.activations as v_act
import vector_nn.fast as fast
import vector_nn.fast.kernels as kernels
import vector_nn.layers as v_layers
from parity_tests.lesson.strategies import (
    TINY, NAMES, matrix, same_shape, arr, assert_within, sum_bound, ulps, activation_bound, prime_bound)


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
    assert_within(s_linalg.column_sums(dZ), net._plan(net._work, m, net._flat.G, m).ones @ arr(dZ),
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
