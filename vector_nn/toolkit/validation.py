"""Checks at the public boundary, for arrays: the twin of ``scalar_nn/toolkit/checks.py``.

Clean input takes a fast path: at most one conversion to the float type asked
for (float64, or the engine's float32: ``dtype``; none for an array already in
it) and a few whole-array tests (the least and the greatest entry are finite:
no temporary the size of the data), no loop over entries. When a test fails,
the array cannot say *which* row or entry is to blame, so the scalar twin's
check runs on the same input (the slow path) and names it: both twins raise
the same exception class with the same message. Should the scalar check accept
the input after all (integers too large for an int64 array, say), its clean
result is used: the scalar check is the definition, the array tests are a
shortcut. The name and hyperparameter checks are not numeric and are the
scalar twin's own.
"""

import math

import numpy as np

from scalar_nn.toolkit import checks as _scalar
from scalar_nn.toolkit.checks import (  # noqa: F401  (re-exported: not numeric)
    is_sequence,
    check_choice,
    check_int,
    check_model,
    check_number,
)


def net_dtype(net):
    """The float type a network computes in, and so takes its inputs in: float64, or the engine's ``dtype``."""
    return getattr(net, "dtype", np.float64)


def as_matrix(X, what="X", n_cols=None, dtype=np.float64):
    """``X`` as a float64 array (m, n_cols): not ragged, not empty, finite.

    ``dtype=np.float32`` (the engine's float32) gives a float32 array instead:
    float32 data is taken as it is (no copy), other numbers are converted
    once, and an entry beyond float32's range is an error naming it.
    """
    dtype = np.dtype(dtype)
    if isinstance(X, np.ndarray) and X.dtype == dtype:
        A = X
    elif is_sequence(X):
        try:
            A = np.asarray(X)
        except (ValueError, TypeError):       # ragged rows
            A = None
        # Only integer and float arrays are numbers: strings ("1" would convert
        # silently), None (would become NaN), bools and objects are refused.
        # A bool among numbers ([True, 0.5]) converts to 1.0 without a trace,
        # so a list holding one takes the slow path too (the scalar twin refuses it).
        if A is not None and A.dtype.kind in "iuf":
            with np.errstate(over="ignore"):      # beyond float32's range: infinite, the slow path names it
                A = A.astype(dtype, copy=False)
        else:
            A = None
        if A is not None and _holds_bool(X, 2):
            A = None
    else:
        A = None
    clean = (
        A is not None
        and A.ndim == 2
        and A.size > 0
        and (n_cols is None or A.shape[1] == n_cols)
        and _all_finite(A)
    )
    if not clean:
        A = np.array(_scalar.as_matrix(X, what, n_cols), dtype=np.float64)       # slow path
        return A if dtype == np.float64 else _narrowed(A, what, dtype)
    return A


def _all_finite(A):
    """No NaN or infinity in A: its least and greatest entries are finite (a NaN makes both NaN).

    Two reductions that allocate nothing, where ``np.isfinite(A).all()``
    would build a boolean array of A's size first.
    """
    return bool(np.isfinite(A.min()) and np.isfinite(A.max()))


def _narrowed(A, what, dtype):
    """The finite float64 array A in the narrower ``dtype``; an entry that overflows it is a ValueError naming it."""
    with np.errstate(over="ignore"):
        B = A.astype(dtype)
    if not _all_finite(B):
        i, j = np.argwhere(~np.isfinite(B))[0]
        raise ValueError("%s[%d][%d] = %r is beyond %s's range (largest %.4g): scale the data, or use "
                         "dtype='float64'" % (what, i, j, float(A[i, j]), dtype.name, float(np.finfo(dtype).max)))
    return B


def as_targets(Y, loss, m, n_out, dtype=np.float64):
    """Targets as the loss needs them: float64 (m, n_out) for mse/bce (or ``dtype``, as in ``as_matrix``),
    int64 (m,) classes."""
    if not is_sequence(Y) or len(Y) != m:
        _scalar.as_targets(Y, loss, m, n_out)      # slow path: raises (not a sequence, or wrong length)
    if loss == "cross_entropy":
        return _class_indices(Y, n_out)
    if n_out == 1 and not isinstance(Y, np.ndarray) and len(Y) > 0 and not is_sequence(Y[0]):
        Y = [[v] for v in Y]
    if isinstance(Y, np.ndarray) and Y.ndim == 1 and n_out == 1:
        Y = Y.reshape(-1, 1)
    Y = as_matrix(Y, "Y", n_out, dtype)
    if loss == "bce":
        outside = (Y < 0.0) | (Y > 1.0)
        if outside.any():
            i, j = np.argwhere(outside)[0]
            raise ValueError("Y[%d][%d] = %r: bce targets must lie in [0, 1]" % (i, j, float(Y[i, j])))
    return Y


def _class_indices(y, n_out):
    """Class labels as an int64 array in 0..n_out-1 (integral floats accepted).

    Whole-array tests: a flat array of integers or floats, every value
    integral and in range (NaN fails every comparison, so it fails here too).
    """
    try:
        a = np.asarray(y)
    except (ValueError, TypeError):           # ragged nesting
        a = None
    clean = (
        a is not None
        and a.ndim == 1
        and a.dtype != np.bool_
        and not _holds_bool(y, 1)
        and (np.issubdtype(a.dtype, np.integer) or np.issubdtype(a.dtype, np.floating))
    )
    if clean:
        clean = bool(((a >= 0) & (a < n_out) & (a == np.floor(a))).all())
    if not clean:
        return np.array(_scalar._class_indices(y, n_out), dtype=np.int64)     # slow path
    return a.astype(np.int64)


def _holds_bool(x, depth):
    """True if the nested sequence ``x`` (``depth`` 1: flat, 2: rows) holds a bool entry.

    NumPy converts ``[0, True, 1]`` to an int64 array and ``[0.5, True]`` to
    float64, so the converted array cannot tell; the Python objects can.
    The scan over ``map(type, row)`` runs in C, one Python step per row at most.
    An array is checked by its dtype (a bool array never reaches here as numbers).
    """
    if isinstance(x, np.ndarray):
        return x.dtype == np.bool_
    if depth == 1:
        return not {bool, np.bool_}.isdisjoint(map(type, x))
    return any(is_sequence(row) and _holds_bool(row, 1) for row in x)


def as_masks(masks, m, hidden_sizes):
    """Explicit dropout masks: one (m, n_k) 0/1 array per hidden layer."""
    if not is_sequence(masks):
        raise TypeError("masks must be a list of 0/1 matrices, one per hidden layer, got %s"
                        % type(masks).__name__)
    if len(masks) != len(hidden_sizes):
        raise ValueError("masks: expected %d (one per hidden layer), got %d" % (len(hidden_sizes), len(masks)))
    clean = []
    for k, (M, n_k) in enumerate(zip(masks, hidden_sizes), start=1):
        M = as_matrix(M, "masks[%d]" % (k - 1), n_k)
        if M.shape[0] != m:
            raise ValueError("masks[%d] has %d rows, the batch has %d" % (k - 1, M.shape[0], m))
        not_01 = (M != 0.0) & (M != 1.0)
        if not_01.any():
            raise ValueError("masks[%d] holds %r: dropout masks are 0/1" % (k - 1, float(M[not_01][0])))
        clean.append(M)
    return clean


# -------------------------------------------------- the lean public step
# The array twin of ``scalar_nn.toolkit.checks.plain_batch``: up front
# only what an array tells in O(1) (type, dtype, shape), plus the range of
# bce targets and class labels (one min and max); NaN and infinity wait for
# the failure path (a non-finite loss or dW_1), where the full check names them.

def plain_batch(net, X, Y):
    """(X, Y) when both are float64 arrays (or in the network's own dtype: the engine's float32)
    of the right shapes (int64 labels), else None."""
    if net.batchnorm or (net.dropout > 0.0 and net.training):
        return None
    dtype = net_dtype(net)
    if type(X) is not np.ndarray or (X.dtype != np.float64 and X.dtype != dtype) or X.ndim != 2 \
            or X.shape[1] != net.sizes[0] or X.shape[0] == 0 or type(Y) is not np.ndarray:
        return None
    m, n_out = X.shape[0], net.sizes[-1]
    if net.loss_name == "cross_entropy":
        if Y.dtype != np.int64 or Y.shape != (m,) or Y.min() < 0 or Y.max() >= n_out:
            return None
        return X, Y
    if Y.dtype != np.float64 and Y.dtype != dtype:
        return None
    if Y.shape == (m,) and n_out == 1:
        Y = Y.reshape(m, 1)
    if Y.shape != (m, n_out) or (net.loss_name == "bce" and not (Y.min() >= 0.0 and Y.max() <= 1.0)):
        return None
    return X, Y


def full_check(net, X, Y):
    """The complete check of a batch (raises the error that names the bad entry)."""
    X = as_matrix(X, "X", net.sizes[0])
    as_targets(Y, net.loss_name, X.shape[0], net.sizes[-1])


def finite_loss_and_matrix(loss, W):
    """loss and every entry of W are finite (one sum: a NaN or inf anywhere shows)."""
    return math.isfinite(loss) and math.isfinite(np.add.reduce(W, axis=None))
