"""Per-function parity of init and rng: the plain twin draws the scalar twin's numbers.

The tolerances are explained in parity_tests/lesson/strategies.py.
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import scalar_nn.init as s_init
import scalar_nn.rng as s_rng
import vector_nn.init as v_init
import vector_nn.rng as v_rng
from parity_tests.lesson.strategies import EPS, arr, assert_equal, assert_within


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
