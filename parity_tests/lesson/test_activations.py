"""Per-function parity of the activations and their derivatives, scalar vs plain, in range and at the extremes.

The tolerances are explained in parity_tests/lesson/strategies.py.
"""

import numpy as np
import pytest
from hypothesis import given

import scalar_nn.activations as s_act
import vector_nn.activations as v_act
from parity_tests.lesson.strategies import NAMES, matrix, arr, assert_within, activation_bound, prime_bound


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
