"""Checks at the public boundary, for arrays: the twin of ``scalar_nn/validation.py``.

The same errors with the same messages' meaning, found with whole-array tests
(``np.isfinite(X).all()``) instead of a loop over entries.  The name and
hyperparameter checks are not numeric and are the scalar twin's own.
"""

import numpy as np

from scalar_nn.validation import (  # noqa: F401  (re-exported: not numeric)
    check_choice,
    check_int,
    check_model,
    check_number,
)


def as_matrix(X, what="X", n_cols=None):
    """``X`` as a float64 array (m, n_cols): not ragged, not empty, finite."""
    if isinstance(X, np.ndarray) and X.dtype == np.float64:
        A = X
    else:
        if isinstance(X, (str, bytes)) or not hasattr(X, "__len__"):
            raise TypeError("%s must be a list of rows or a 2-D array, got %s" % (what, type(X).__name__))
        try:
            A = np.asarray(X, dtype=np.float64)
        except ValueError as exc:
            raise ValueError("%s has ragged rows or non-numeric entries (%s)" % (what, exc)) from None
        except TypeError as exc:
            raise TypeError("%s has non-numeric entries (%s)" % (what, exc)) from None
    if A.ndim != 2:
        if A.ndim == 1 and A.shape[0] == 0:
            raise ValueError("%s is an empty batch: it needs at least one row" % what)
        raise ValueError("%s must be 2-D (a list of rows), got an array of shape %s" % (what, A.shape))
    if A.shape[0] == 0:
        raise ValueError("%s is an empty batch: it needs at least one row" % what)
    if A.shape[1] == 0:
        raise ValueError("%s has rows of length 0" % what)
    if n_cols is not None and A.shape[1] != n_cols:
        raise ValueError("%s has %d features per row, the network expects %d" % (what, A.shape[1], n_cols))
    if not np.isfinite(A).all():
        i, j = np.argwhere(~np.isfinite(A))[0]
        raise ValueError("%s[%d][%d] is %r: inputs must be finite (no NaN or inf)" % (what, i, j, A[i, j]))
    return A


def as_targets(Y, loss, m, n_out):
    """Targets as the loss needs them: float64 (m, n_out) for mse/bce, int64 (m,) classes."""
    if isinstance(Y, (str, bytes)) or not hasattr(Y, "__len__"):
        raise TypeError("Y must be a sequence, got %s" % type(Y).__name__)
    if len(Y) != m:
        raise ValueError("X has %d rows but Y has %d: they must match" % (m, len(Y)))
    if loss == "cross_entropy":
        return _class_indices(Y, n_out)
    if n_out == 1 and not isinstance(Y, np.ndarray) and len(Y) > 0 and not hasattr(Y[0], "__len__"):
        Y = [[v] for v in Y]
    if isinstance(Y, np.ndarray) and Y.ndim == 1 and n_out == 1:
        Y = Y.reshape(-1, 1)
    Y = as_matrix(Y, "Y", n_out)
    if loss == "bce" and ((Y < 0.0) | (Y > 1.0)).any():
        i, j = np.argwhere((Y < 0.0) | (Y > 1.0))[0]
        raise ValueError("Y[%d][%d] = %r: bce targets must lie in [0, 1]" % (i, j, Y[i, j]))
    return Y


def _class_indices(y, n_out):
    """Class labels as an int64 array in 0..n_out-1 (integral floats accepted)."""
    try:
        a = np.asarray(y)
    except ValueError:
        raise ValueError("y must be a flat sequence of integer class indices") from None
    if a.ndim != 1:
        raise ValueError("y must be a flat sequence of integer class indices, got shape %s" % (a.shape,))
    if a.dtype == np.bool_ or not (np.issubdtype(a.dtype, np.integer) or np.issubdtype(a.dtype, np.floating)):
        i = 0
        raise TypeError("y[%d] = %r: cross_entropy targets are integer class indices" % (i, a[i]))
    if np.issubdtype(a.dtype, np.floating):
        bad = ~np.isfinite(a) | (a != np.round(a))
        if bad.any():
            i = int(np.argmax(bad))
            raise ValueError("y[%d] = %r: cross_entropy targets are integer class indices" % (i, a[i]))
    c = a.astype(np.int64)
    out = (c < 0) | (c >= n_out)
    if out.any():
        i = int(np.argmax(out))
        raise ValueError("y[%d] = %d: class index out of range 0..%d" % (i, c[i], n_out - 1))
    return c


def as_masks(masks, m, hidden_sizes):
    """Explicit dropout masks: one (m, n_k) 0/1 array per hidden layer."""
    if len(masks) != len(hidden_sizes):
        raise ValueError("masks: expected %d (one per hidden layer), got %d" % (len(hidden_sizes), len(masks)))
    clean = []
    for k, (M, n_k) in enumerate(zip(masks, hidden_sizes), start=1):
        M = as_matrix(M, "masks[%d]" % (k - 1), n_k)
        if M.shape[0] != m:
            raise ValueError("masks[%d] has %d rows, the batch has %d" % (k - 1, M.shape[0], m))
        if ((M != 0.0) & (M != 1.0)).any():
            raise ValueError("masks[%d] holds values other than 0/1: dropout masks are 0/1" % (k - 1))
        clean.append(M)
    return clean
