"""scalar_nn/toolkit/checks.py: the checks of input, each a one-line error that names the problem.

Shared code, tested once (the scalar functions).  ``plain_batch`` has an
array side, so its answer is tested in both twins: the same kind of thing
(the batch, or None).  The public entry points of both twins are covered
case by case in ``test_bad_input.py``.
"""

import math

import pytest

try:
    import numpy as np
except ImportError:          # the scalar cases run without NumPy
    np = None

from scalar_nn.mlp import MLP
from scalar_nn.toolkit import checks


def one_line_error(exc_type, fn, *args):
    """The message of the ``exc_type`` that ``fn(*args)`` raises; it must be one line."""
    with pytest.raises(exc_type) as info:
        fn(*args)
    message = str(info.value)
    assert "\n" not in message and message.strip() == message and message
    return message


@pytest.mark.parametrize("value, expected", [
    (0.0, "lr must lie in (0, inf), got 0.0"),
    (-1.0, "lr must lie in (0, inf), got -1.0"),
])
def test_check_number_states_the_range(value, expected):
    assert one_line_error(ValueError, checks.check_number, "lr", value, 0.0, None, False) == expected


def test_check_number_refuses_non_numbers_and_non_finite():
    assert one_line_error(TypeError, checks.check_number, "l2", "0.1") == "l2 must be a number, got '0.1'"
    assert one_line_error(TypeError, checks.check_number, "l2", True) == "l2 must be a number, got True"
    assert one_line_error(ValueError, checks.check_number, "l2", math.nan) == "l2 must be finite, got nan"
    assert one_line_error(ValueError, checks.check_number, "dropout", 1.0, 0.0, 1.0, True, False) == \
        "dropout must lie in [0, 1), got 1.0"
    assert checks.check_number("l2", 3) == 3.0 and type(checks.check_number("l2", 3)) is float


def test_check_int_and_check_choice_name_the_value():
    assert one_line_error(TypeError, checks.check_int, "epochs", 2.5) == "epochs must be an integer, got 2.5"
    assert one_line_error(ValueError, checks.check_int, "epochs", -1, 0) == "epochs must be >= 0, got -1"
    assert one_line_error(ValueError, checks.check_choice, "loss", "mes", ("mse", "bce")) == \
        "unknown loss 'mes': choose one of 'mse', 'bce'"


def test_check_model_names_the_bad_size_and_pair():
    assert checks.check_model((2, 3, 1), "tanh", "linear", "mse") == [2, 3, 1]
    assert "every layer size must be a positive integer, got 0" in \
        one_line_error(ValueError, checks.check_model, [2, 0, 1], "tanh", "linear", "mse")
    assert one_line_error(ValueError, checks.check_model, [2, 1], "tanh", "linear", "bce").startswith(
        "output 'linear' does not go with loss 'bce'")
    assert one_line_error(ValueError, checks.check_model, [2, 1], "tanh", "softmax", "cross_entropy") == \
        "softmax + cross_entropy needs at least 2 output classes, got 1"


@pytest.mark.parametrize("X, exc, expected", [
    ([], ValueError, "X is an empty batch: it needs at least one row"),
    ([[1.0, 2.0], [3.0]], ValueError, "X has ragged rows: row 0 has 2 values, row 1 has 1"),
    ([[1.0, math.nan]], ValueError, "X[0][1] is nan: inputs must be finite (no NaN or inf)"),
    ([[1.0, "2"]], TypeError, "X[0][1] is not a number: '2'"),
    ([[1.0, 2.0, 3.0]], ValueError, "X has 3 features per row, the network expects 2"),
    ("12", TypeError, "X must be a list of rows, got str"),
])
def test_as_matrix_names_the_entry(X, exc, expected):
    assert one_line_error(exc, checks.as_matrix, X, "X", 2) == expected


def test_as_targets_names_the_bad_label():
    assert checks.as_targets([0, 2.0, 1], "cross_entropy", 3, 3) == [0, 2, 1]
    assert one_line_error(ValueError, checks.as_targets, [0, 3], "cross_entropy", 2, 3) == \
        "y[1] = 3: class index out of range 0..2"
    assert one_line_error(ValueError, checks.as_targets, [0, 1.5], "cross_entropy", 2, 3) == \
        "y[1] = 1.5: cross_entropy targets are integer class indices"
    assert one_line_error(ValueError, checks.as_targets, [[0.5], [2.0]], "bce", 2, 1) == \
        "Y[1][0] = 2.0: bce targets must lie in [0, 1]"
    assert one_line_error(ValueError, checks.as_targets, [1.0], "mse", 2, 1) == \
        "X has 2 rows but Y has 1: they must match"
    assert checks.as_targets([1.0, 2.0], "mse", 2, 1) == [[1.0], [2.0]]     # a flat column is accepted


def test_masks_only_where_dropout_applies():
    net = MLP([2, 3, 1], dropout=0.5)
    M = [[1.0, 0.0, 1.0]]
    assert checks.forward_masks(net, [M], 1, True) == [M]
    assert one_line_error(ValueError, checks.forward_masks, net, [[[1.0, 0.5, 1.0]]], 1, True) == \
        "masks[0] holds 0.5: dropout masks are 0/1"
    assert one_line_error(ValueError, checks.forward_masks, MLP([2, 3, 1]), [M], 1, None) == \
        "masks were given but this network applies no dropout (dropout=0 or eval mode)"
    assert one_line_error(ValueError, checks.batchnorm_rows, 1) == \
        "BatchNorm cannot normalise a batch of one row in training mode"


def test_the_221_checks():
    names = ("w1", "b1")
    assert checks.check_weights({"w1": 1, "b1": 0.5}, names) == {"w1": 1.0, "b1": 0.5}
    assert one_line_error(ValueError, checks.check_weights, {"w1": 1.0, "x": 0.0}, names) == \
        "weights must have exactly the keys w1, b1; missing ['b1'], unknown ['x']"
    assert one_line_error(ValueError, checks.check_sample, [1.0]) == "x (one sample: [x1, x2]) must hold 2 numbers, got 1"
    assert one_line_error(ValueError, checks.check_dataset, [[1.0, 2.0]], [1.0, 0.0]) == \
        "data has 1 rows but all_y_trues has 2 labels: one label per row"


# ------------------------------------------------------------ the lean step
@pytest.mark.parametrize("loss, output, Y_clean, Y_bad", [
    ("mse", "linear", [[0.5], [1.5]], [[0.5, 1.0], [1.5, 1.0]]),
    ("bce", "sigmoid", [[0.0], [1.0]], [[0.0], [2.0]]),
])
def test_plain_batch_is_the_batch_or_none_in_both_twins(twin, loss, output, Y_clean, Y_bad):
    """Both twins' plain_batch answer the same kind of thing: (X, Y) to compute on, or None."""
    net = twin.mlp.MLP([2, 3, 1], output=output, loss=loss)
    plain_batch = twin.validation.plain_batch if twin.arrays else checks.plain_batch   # the array side, or checks.py
    as_batch = (lambda a: np.asarray(a, dtype=np.float64)) if twin.arrays else (lambda a: a)
    X = as_batch([[1.0, 2.0], [3.0, 4.0]])
    plain = plain_batch(net, X, as_batch(Y_clean))
    assert type(plain) is tuple and len(plain) == 2 and plain[0] is X
    assert plain_batch(net, X, as_batch(Y_bad)) is None
    assert plain_batch(net, as_batch([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]), as_batch(Y_clean)) is None
    dropout_net = twin.mlp.MLP([2, 3, 1], output=output, loss=loss, dropout=0.5)
    assert plain_batch(dropout_net, X, as_batch(Y_clean)) is None   # a draw would change state


def test_a_nan_in_a_plain_batch_still_gets_its_clear_error():
    """The deferred check: a NaN passes plain_batch, makes the loss non-finite, then the full check names it."""
    net = MLP([2, 3, 1], hidden="tanh")
    X, Y = [[1.0, 2.0], [3.0, math.nan]], [[0.5], [1.5]]
    assert checks.plain_batch(net, X, Y) is not None
    assert one_line_error(ValueError, net.loss_and_grads, X, Y) == \
        "X[1][1] is nan: inputs must be finite (no NaN or inf)"


def test_deferred_check_returns_loss_and_grads_of_the_training_pass():
    net = MLP([2, 3, 1], hidden="tanh")
    X, Y = [[1.0, 2.0], [3.0, 4.0]], [[0.5], [1.5]]
    loss, grads = checks.deferred_check(net, X, Y, net.loss_and_grads_clean, checks.full_check,
                                        checks.finite_loss_and_matrix)
    clean_loss, clean_grads, _ = net.loss_and_grads_clean(X, Y)
    assert (loss, grads) == (clean_loss, clean_grads)


def test_plain_is_the_one_array_to_list_conversion():
    class ArrayLike:
        def tolist(self):
            return [[1.0]]
    assert checks.plain(ArrayLike()) == [[1.0]]
    assert checks.plain("ab") == "ab"
    assert checks.is_sequence([1]) and not checks.is_sequence("ab") and not checks.is_sequence(3.0)
