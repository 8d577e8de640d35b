"""The train / validation split: one rule, for both twins.

A split is a choice of row indices, and that choice comes from the shared
counter-based stream, so it is the same in both twins::

    order = permutation(n, key_for(seed, SPLIT))
    validation: the last round(n * val_fraction) indices of ``order``
    training:   the others, in ``order``

Python's ``round`` rounds halves to even (round(2.5) == 2).  Only the
gathering of rows differs between a list and an array, and ``take`` does
that in one line for each.
"""

from .. import rng
from .checks import check_int, check_number


def split_indices(n, val_fraction, seed):
    """(train, val): the row indices of each part, as lists (the rule in the module docstring).

    0 <= val_fraction < 1, and at least one of the n rows must stay for training.
    """
    if n == 0:
        raise ValueError("cannot split an empty data set")
    val_fraction = check_number("val_fraction", val_fraction, low=0.0, high=1.0, high_inclusive=False)
    seed = check_int("seed", seed)
    n_val = round(n * val_fraction)
    if n_val >= n:
        raise ValueError("val_fraction=%r leaves no training rows out of %d" % (val_fraction, n))
    order = rng.permutation(n, rng.key_for(seed, rng.SPLIT))
    return order[:n - n_val], order[n - n_val:]


def take(data, idx):
    """The rows of ``data`` at ``idx``, copied: an array by fancy indexing, a list row by row."""
    if hasattr(data, "ndim"):                       # a NumPy array: data[idx] is a copy
        return data[idx]
    return [list(data[i]) if hasattr(data[i], "__len__") else data[i] for i in idx]


def train_val_split(X, Y, val_fraction, seed):
    """Split rows into a training and a validation part, at random but reproducibly.

    Returns (Xtr, Ytr, Xval, Yval), of the type given: lists of (copied)
    rows from lists, arrays from arrays.  The indices are ``split_indices``'s.
    """
    if len(X) != len(Y):
        raise ValueError("X has %d rows but Y has %d" % (len(X), len(Y)))
    train, val = split_indices(len(X), val_fraction, seed)
    return take(X, train), take(Y, train), take(X, val), take(Y, val)
