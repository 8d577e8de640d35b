"""Fuzz: the two validation layers (scalar_nn's checks, vector_nn's) accept and refuse alike.

Any input a learner might pass: both twins accept it with the same values, or
raise the same exception class with the same message.
"""

from hypothesis import given
from hypothesis import strategies as st

from parity_tests.conftest import to_list
from scalar_nn.toolkit import checks as scalar_validation
from vector_nn.toolkit import validation as vector_validation


# Entries a learner might put in a batch.  Bools are in: NumPy turns
# [True, 0.5] into [1.0, 0.5] before any array test can see the bool, so the
# vector twin looks at the Python objects and refuses them as the scalar twin does.
ENTRIES = st.one_of(
    st.booleans(),
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.integers(-3, 3),
    st.just(2 ** 70),                  # too big for an int64 array: the vector net_twin's slow path
    st.none(),
    st.text(alphabet="1a.", max_size=2),
    st.lists(st.floats(-1.0, 1.0), max_size=2),
)
MATRICES = st.one_of(ENTRIES, st.lists(st.one_of(st.lists(ENTRIES, max_size=4), ENTRIES), max_size=4))


def outcome(check, *args):
    """('ok', value as lists) or (exception class name, message) of one call."""
    try:
        return "ok", to_list(check(*args))
    except (ValueError, TypeError) as exc:
        return type(exc).__name__, str(exc)


@given(MATRICES, st.sampled_from([None, 1, 2, 3]))
def test_fuzz_as_matrix_agrees(X, n_cols):
    """Any input: both twins accept it with the same values, or raise the same class and message."""
    s = outcome(scalar_validation.as_matrix, X, "X", n_cols)
    v = outcome(vector_validation.as_matrix, X, "X", n_cols)
    assert s == v


@given(st.one_of(ENTRIES, st.lists(ENTRIES, min_size=1, max_size=4)),
       st.sampled_from(["mse", "bce", "cross_entropy"]))
def test_fuzz_as_targets_agrees(Y, loss):
    """Targets for a 3-class / 1-output network: same acceptance, same values, same errors."""
    m = len(Y) if isinstance(Y, list) else 2
    n_out = 3 if loss == "cross_entropy" else 1
    s = outcome(scalar_validation.as_targets, Y, loss, m, n_out)
    v = outcome(vector_validation.as_targets, Y, loss, m, n_out)
    assert s == v
