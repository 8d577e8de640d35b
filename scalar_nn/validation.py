"""Checks at the public boundary: bad input fails here, with its name.

A learner who passes a ragged list, a NaN or a label of 3 to a two-class
network should read *what* is wrong, not a traceback from inside a matrix
product.  Every public entry point (``MLP``, ``predict``, ``loss_and_grads``,
the optimizers) calls these functions first; the math below them can then
assume clean, finite, correctly shaped data.
"""

import math
import numbers

from .conventions import HIDDEN_ACTIVATIONS, LOSSES, OUTPUT_LOSS_PAIRS, OUTPUTS


def check_choice(what, value, choices):
    """Raise ValueError unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise ValueError(
            "unknown %s %r: choose one of %s" % (what, value, ", ".join(map(repr, choices)))
        )
    return value


def check_model(sizes, hidden, output, loss):
    """Validate an architecture; return ``sizes`` as a list of ints.

    ``sizes`` needs at least two entries (input and output), all positive
    integers; the output/loss pair must be one of ``OUTPUT_LOSS_PAIRS``.
    """
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__") or len(sizes) < 2:
        raise ValueError("sizes must list at least an input and an output size, got %r" % (sizes,))
    clean = []
    for n in sizes:
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
            raise ValueError("every layer size must be a positive integer, got %r in %r" % (n, sizes))
        clean.append(int(n))
    check_choice("hidden activation", hidden, HIDDEN_ACTIVATIONS)
    check_choice("output", output, OUTPUTS)
    check_choice("loss", loss, LOSSES)
    if (output, loss) not in OUTPUT_LOSS_PAIRS:
        raise ValueError(
            "output %r does not go with loss %r: valid pairs are %s"
            % (output, loss, ", ".join("%s+%s" % p for p in OUTPUT_LOSS_PAIRS))
        )
    if loss == "cross_entropy" and clean[-1] < 2:
        raise ValueError("softmax + cross_entropy needs at least 2 output classes, got %d" % clean[-1])
    return clean


def check_number(what, value, low=None, high=None, low_inclusive=True, high_inclusive=True):
    """Return ``value`` as a float if it is a finite real in the stated range.

    ``low``/``high`` of None mean unbounded; the error message states the range.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError("%s must be a number, got %r" % (what, value))
    value = float(value)
    if not math.isfinite(value):
        raise ValueError("%s must be finite, got %r" % (what, value))
    too_low = low is not None and (value < low if low_inclusive else value <= low)
    too_high = high is not None and (value > high if high_inclusive else value >= high)
    if too_low or too_high:
        left = "-inf" if low is None else ("[%g" if low_inclusive else "(%g") % low
        right = "inf" if high is None else ("%g]" if high_inclusive else "%g)") % high
        if low is None:
            left = "(-inf"
        if high is None:
            right = "inf)"
        raise ValueError("%s must lie in %s, %s, got %r" % (what, left, right, value))
    return value


def check_int(what, value, low=None):
    """Return ``value`` if it is an integer (not a bool) >= ``low``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError("%s must be an integer, got %r" % (what, value))
    if low is not None and value < low:
        raise ValueError("%s must be >= %d, got %r" % (what, low, value))
    return int(value)


def as_matrix(X, what="X", n_cols=None):
    """Return ``X`` as a list of m rows of floats, checking it on the way.

    Errors: not a sequence of rows, empty batch, ragged rows, wrong number of
    columns (when ``n_cols`` is given), non-numbers, NaN or infinity.
    """
    if hasattr(X, "tolist"):            # a NumPy array handed to the scalar twin
        X = X.tolist()
    if isinstance(X, (str, bytes)) or not hasattr(X, "__len__"):
        raise TypeError("%s must be a list of rows, got %s" % (what, type(X).__name__))
    if len(X) == 0:
        raise ValueError("%s is an empty batch: it needs at least one row" % what)
    rows = []
    width = None
    for i, row in enumerate(X):
        if not _is_sequence(row):
            raise ValueError("%s must be 2-D (a list of rows); row %d is %r" % (what, i, row))
        if width is None:
            width = len(row)
        elif len(row) != width:
            raise ValueError("%s has ragged rows: row 0 has %d values, row %d has %d" % (what, width, i, len(row)))
        rows.append([_finite_float(what, v, i, j) for j, v in enumerate(row)])
    if width == 0:
        raise ValueError("%s has rows of length 0" % what)
    if n_cols is not None and width != n_cols:
        raise ValueError("%s has %d features per row, the network expects %d" % (what, width, n_cols))
    return rows


def _finite_float(what, v, i, j):
    """One entry of a matrix as a float; NaN, inf, nested sequences and non-numbers are errors."""
    if _is_sequence(v):
        raise ValueError("%s must be 2-D (a list of rows of numbers); %s[%d][%d] is a sequence: %r"
                         % (what, what, i, j, v))
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise TypeError("%s[%d][%d] is not a number: %r" % (what, i, j, v))
    v = float(v)
    if not math.isfinite(v):
        raise ValueError("%s[%d][%d] is %r: inputs must be finite (no NaN or inf)" % (what, i, j, v))
    return v


def as_targets(Y, loss, m, n_out):
    """Return the targets in the form the loss needs, after checking them.

    * ``mse``/``bce``: a matrix (m, n_out) of floats (a flat list of m numbers
      is accepted when n_out == 1); for ``bce`` every value lies in [0, 1].
    * ``cross_entropy``: a list of m integer class indices in 0..n_out-1.
    """
    if hasattr(Y, "tolist"):
        Y = Y.tolist()
    if isinstance(Y, (str, bytes)) or not hasattr(Y, "__len__"):
        raise TypeError("Y must be a sequence, got %s" % type(Y).__name__)
    if len(Y) != m:
        raise ValueError("X has %d rows but Y has %d: they must match" % (m, len(Y)))
    if loss == "cross_entropy":
        return _class_indices(Y, n_out)
    if n_out == 1 and len(Y) > 0 and not _is_sequence(Y[0]):
        Y = [[v] for v in Y]
    Y = as_matrix(Y, "Y", n_out)
    if loss == "bce":
        for i, row in enumerate(Y):
            for j, v in enumerate(row):
                if v < 0.0 or v > 1.0:
                    raise ValueError("Y[%d][%d] = %r: bce targets must lie in [0, 1]" % (i, j, v))
    return Y


def _class_indices(y, n_out):
    """Class labels as a list of ints in 0..n_out-1, checked one by one.

    The vector twin runs this loop only when its whole-array test fails, so
    that both twins name the same first bad label.
    """
    if hasattr(y, "tolist"):
        y = y.tolist()
    return [_class_index(v, i, n_out) for i, v in enumerate(y)]


def _class_index(v, i, n_out):
    """A class label as an int in 0..n_out-1 (integral floats like 2.0 are accepted).

    A nested sequence (a one-hot row, say) is a shape mistake (ValueError);
    a string, None or a bool is not a number at all (TypeError).
    """
    if _is_sequence(v):
        raise ValueError("y must be a flat sequence of integer class indices, one per row; y[%d] is %r"
                         % (i, v))
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise TypeError("y[%d] = %r: cross_entropy targets are integer class indices" % (i, v))
    if not math.isfinite(v) or v != int(v):
        raise ValueError("y[%d] = %r: cross_entropy targets are integer class indices" % (i, v))
    c = int(v)
    if c < 0 or c >= n_out:
        raise ValueError("y[%d] = %d: class index out of range 0..%d" % (i, c, n_out - 1))
    return c


def as_masks(masks, m, hidden_sizes):
    """Check explicit dropout masks: one (m, n_k) matrix of 0/1 per hidden layer."""
    if not _is_sequence(masks):
        raise TypeError("masks must be a list of 0/1 matrices, one per hidden layer, got %s"
                        % type(masks).__name__)
    if len(masks) != len(hidden_sizes):
        raise ValueError("masks: expected %d (one per hidden layer), got %d" % (len(hidden_sizes), len(masks)))
    clean = []
    for k, (M, n_k) in enumerate(zip(masks, hidden_sizes), start=1):
        M = as_matrix(M, "masks[%d]" % (k - 1), n_k)
        if len(M) != m:
            raise ValueError("masks[%d] has %d rows, the batch has %d" % (k - 1, len(M), m))
        for row in M:
            for v in row:
                if v != 0.0 and v != 1.0:
                    raise ValueError("masks[%d] holds %r: dropout masks are 0/1" % (k - 1, v))
        clean.append(M)
    return clean


def _is_sequence(x):
    """True for a list, tuple or array (something with a length that is not a string)."""
    if hasattr(x, "ndim"):               # a NumPy array or scalar: a 0-d one has no length
        return x.ndim > 0
    return hasattr(x, "__len__") and not isinstance(x, (str, bytes))
