"""Checks at the public boundary: bad input fails here, with its name.

This module checks input, and nothing else: shapes, NaN and infinity,
labels, names, hyperparameters, dropout masks, the 2-2-1 network's weights
and samples, and the deferred check of the lean training step.  What
configures a network is ``netconfig.py``; what binds an optimizer to its
parameters is ``binding.py``.

A learner who passes a ragged list, a NaN or a label of 3 to a two-class
network should read *what* is wrong, not a traceback from inside a matrix
product.  Every public entry point (``MLP``, ``predict``, ``loss_and_grads``,
the optimizers) calls these functions first; the math below them can then
assume clean, finite, correctly shaped data.
"""

import itertools
import math
import numbers

from ..conventions import HIDDEN_ACTIVATIONS, LOSSES, OUTPUT_LOSS_PAIRS, OUTPUTS


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
    X = plain(X)
    if isinstance(X, (str, bytes)) or not hasattr(X, "__len__"):
        raise TypeError("%s must be a list of rows, got %s" % (what, type(X).__name__))
    if len(X) == 0:
        raise ValueError("%s is an empty batch: it needs at least one row" % what)
    rows = []
    width = None
    for i, row in enumerate(X):
        if not is_sequence(row):
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
    if is_sequence(v):
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
    Y = plain(Y)
    if isinstance(Y, (str, bytes)) or not hasattr(Y, "__len__"):
        raise TypeError("Y must be a sequence, got %s" % type(Y).__name__)
    if len(Y) != m:
        raise ValueError("X has %d rows but Y has %d: they must match" % (m, len(Y)))
    if loss == "cross_entropy":
        return _class_indices(Y, n_out)
    if n_out == 1 and len(Y) > 0 and not is_sequence(Y[0]):
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
    y = plain(y)
    return [_class_index(v, i, n_out) for i, v in enumerate(y)]


def _class_index(v, i, n_out):
    """A class label as an int in 0..n_out-1 (integral floats like 2.0 are accepted).

    A nested sequence (a one-hot row, say) is a shape mistake (ValueError);
    a string, None or a bool is not a number at all (TypeError).
    """
    if is_sequence(v):
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
    if not is_sequence(masks):
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


def is_sequence(x):
    """True for a list, tuple or array (something with a length that is not a string)."""
    if hasattr(x, "ndim"):               # a NumPy array or scalar: a 0-d one has no length
        return x.ndim > 0
    return hasattr(x, "__len__") and not isinstance(x, (str, bytes))


def plain(x):
    """The one place where arrays become lists: ``x.tolist()`` for an array, else ``x``.

    The scalar twin computes on lists of floats.  A NumPy array (or anything
    with ``tolist``) handed to it is converted here, at the boundary, and
    nowhere else; numpy itself is never imported.
    """
    tolist = getattr(x, "tolist", None)
    return tolist() if tolist is not None and not isinstance(x, (str, bytes)) else x


# -------------------------------------------------- the lean public step
# ``loss_and_grads`` is called once per training step, so its checks are
# split in two.  Up front, ``plain_batch`` accepts a batch only when it is
# plainly clean in ways the arithmetic cannot reveal (ragged rows, which
# ``zip`` would silently cut short; bools, which multiply like 1 and 0; bce
# targets outside [0, 1]; class labels out of range) -- a few passes that run
# in C, no Python call per entry.  Everything else it hands to the full
# check at once.  What the arithmetic does reveal waits for the failure
# path: a NaN or infinity in X or Y makes the loss or the first layer's
# weight gradient non-finite (dW_1 = X^T dZ_1 multiplies every entry of X),
# and a stray string raises inside.  Only then does ``deferred_check`` run
# the full check, whose message names the row and column.

_FLOAT = frozenset([float])
_INT = frozenset([int])
_LIST = frozenset([list])


def plain_batch(net, X, Y):
    """(X, Y) when X (m, n_0) and Y are plain lists of floats (ints for class labels) of the right shapes, else None.

    Both twins' ``plain_batch`` answer alike: the batch to compute on, or
    None for "take the full check first".  Only for networks whose step
    changes no state before the loss is known (no BatchNorm statistics, no
    dropout draws): a failed check must leave the network as it was.
    """
    if net.batchnorm or (net.dropout > 0.0 and net.training):
        return None
    if type(X) is not list or not X or type(Y) is not list or len(Y) != len(X):
        return None
    if not _plain_rows(X, net.sizes[0]):
        return None
    n_out = net.sizes[-1]
    if net.loss_name == "cross_entropy":
        plain = _INT.issuperset(map(type, Y)) and min(Y) >= 0 and max(Y) < n_out
    else:
        plain = _plain_rows(Y, n_out) and (
            net.loss_name != "bce" or (min(map(min, Y)) >= 0.0 and max(map(max, Y)) <= 1.0))
    return (X, Y) if plain else None


def _plain_rows(A, n_cols):
    """Every row a list of exactly ``n_cols`` floats (bools and ints are left to the full check)."""
    return (_LIST.issuperset(map(type, A)) and set(map(len, A)) == {n_cols}
            and _FLOAT.issuperset(map(type, itertools.chain.from_iterable(A))))


def deferred_check(net, X, Y, compute, full_check, finite):
    """(loss, grads) of ``compute(X, Y)`` on a plain batch; the full check only on the failure path.

    ``compute`` is the network's training pass on clean data
    (``loss_and_grads_clean``): it returns (loss, grads, Yhat).  An error
    inside the arithmetic, or a non-finite loss or dW_1, runs
    ``full_check(net, X, Y)``: bad input raises its clear error there.  If
    the input passes after all (a loss that overflowed on clean data), the
    error is raised as it was, or the result returned as it is.
    """
    try:
        loss, grads, _ = compute(X, Y)
    except (TypeError, IndexError, ValueError, OverflowError):
        full_check(net, X, Y)
        raise
    if not finite(loss, grads["W1"]):
        full_check(net, X, Y)
    return loss, grads


def full_check(net, X, Y):
    """The complete check of a batch (raises the error that names the bad entry)."""
    X = as_matrix(X, "X", net.sizes[0])
    as_targets(Y, net.loss_name, len(X), net.sizes[-1])


def finite_loss_and_matrix(loss, W):
    """loss and every entry of the matrix W are finite (one sum: a NaN or inf anywhere shows)."""
    return math.isfinite(loss) and math.isfinite(sum(map(sum, W)))


# -------------------------------------------------- batches of a network
def batchnorm_rows(m):
    """BatchNorm in training mode needs a batch variance, so at least 2 rows."""
    if m < 2:
        raise ValueError("BatchNorm cannot normalise a batch of one row in training mode")
    return m


def forward_masks(net, masks, m, training, check_masks=None):
    """Explicit dropout masks, checked by ``check_masks`` (None stays None); only where dropout applies.

    ``training`` is None for ``loss_and_grads`` (the network's own mode
    decides) and a bool for ``forward`` (the caller's flag decides).
    """
    if masks is None:
        return None
    if training is None and (not net.training or net.dropout == 0.0):
        raise ValueError("masks were given but this network applies no dropout (dropout=0 or eval mode)")
    if training is not None and (not training or net.dropout == 0.0):
        raise ValueError("masks were given but this forward pass applies no dropout "
                         "(dropout=0 or training=False)")
    return (check_masks or as_masks)(masks, m, net.sizes[1:-1])


# -------------------------------------------------- the 2-2-1 network
def check_weights(weights, names):
    """The nine named numbers of Network221 as finite floats; exactly the keys ``names``."""
    if not hasattr(weights, "keys"):
        raise TypeError("weights must be a dict {'w1': ..., 'b3': ...}, got %s" % type(weights).__name__)
    missing = [name for name in names if name not in weights]
    unknown = sorted(str(k) for k in weights.keys() if k not in names)
    if missing or unknown:
        raise ValueError("weights must have exactly the keys %s; missing %s, unknown %s"
                         % (", ".join(names), missing, unknown))
    return {name: check_number("weights[%r]" % name, weights[name]) for name in names}


def check_vector(v, what, length):
    """Return ``v`` as a list of ``length`` finite floats (lists and arrays accepted)."""
    v = plain(v)
    if isinstance(v, (str, bytes)) or not hasattr(v, "__len__"):
        raise TypeError("%s must be a list of %d numbers, got %r" % (what, length, v))
    if len(v) != length:
        raise ValueError("%s must hold %d numbers, got %d" % (what, length, len(v)))
    return [check_number("%s[%d]" % (what, j), value) for j, value in enumerate(v)]


def check_sample(x):
    """One input sample of the 2-2-1 network: a list of 2 finite floats [x1, x2]."""
    return check_vector(x, "x (one sample: [x1, x2])", 2)


def check_dataset(data, all_y_trues):
    """The 2-2-1 training set: ``data`` as m rows [x1, x2], ``all_y_trues`` as m floats."""
    rows = as_matrix(data, "data", 2)
    all_y_trues = plain(all_y_trues)
    if isinstance(all_y_trues, (str, bytes)) or not hasattr(all_y_trues, "__len__"):
        raise TypeError("all_y_trues must be a list of numbers, got %s" % type(all_y_trues).__name__)
    if len(all_y_trues) != len(rows):
        raise ValueError("data has %d rows but all_y_trues has %d labels: one label per row"
                         % (len(rows), len(all_y_trues)))
    return rows, [check_number("all_y_trues[%d]" % i, y) for i, y in enumerate(all_y_trues)]


def check_learn_rate(learn_rate):
    """The step size: a finite float > 0."""
    return check_number("learn_rate", learn_rate, low=0.0, low_inclusive=False)


def check_params221(params, shapes):
    """The MLP layout {W1, b1, W2, b2} of a 2-2-1 network, checked: lists of finite floats."""
    if not hasattr(params, "keys"):
        raise TypeError("params must be a dict with W1, b1, W2, b2, got %s" % type(params).__name__)
    missing = [name for name in shapes if name not in params]
    if missing:
        raise ValueError("params is missing %s (a 2-2-1 network needs W1, b1, W2, b2)" % missing)
    clean = {}
    for name, shape in shapes.items():
        if len(shape) == 2:
            matrix = as_matrix(params[name], name, shape[1])
            if len(matrix) != shape[0]:
                raise ValueError("%s must have %d rows, got %d" % (name, shape[0], len(matrix)))
            clean[name] = matrix
        else:
            clean[name] = check_vector(params[name], name, shape[0])
    return clean
