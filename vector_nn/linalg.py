"""The scalar twin's matrix loops, as the NumPy one-liners they stand for.

Read beside ``scalar_nn/linalg.py``: each function there spells out the loops
that the expression here hands to compiled code (BLAS for ``@``).  The vector
MLP writes these expressions inline; this file is the dictionary between the
two twins.
"""

import numpy as np


def zeros(rows, cols):
    """An all-zero matrix of shape (rows, cols)."""
    return np.zeros((rows, cols))


def transpose(A):
    """A^T, shape (m, n) -> (n, m) (a view: no data is copied)."""
    return A.T


def dot(u, v):
    """u . v = sum_i u_i v_i."""
    return float(np.dot(u, v))


def matmul(A, B):
    """C = A @ B, (m, n) @ (n, p) -> (m, p)."""
    return A @ B


def add_row(A, b):
    """A + b, the vector b broadcast over the rows."""
    return A + b


def column_sums(A):
    """Sum over rows, (m, n) -> (n,)."""
    return A.sum(axis=0)


def column_means(A):
    """Mean over rows, (m, n) -> (n,)."""
    return A.mean(axis=0)


def hadamard(A, B):
    """Elementwise product A * B."""
    return A * B


def apply(f, A):
    """f applied to every entry (f must itself be a NumPy ufunc-like function)."""
    return f(A)


def scale(A, c):
    """c * A for a scalar c."""
    return c * A


def sum_squares(A):
    """||A||^2, the sum of squared entries."""
    return float(np.sum(A * A))


def copy(x):
    """A copy of an array."""
    return np.array(x, dtype=np.float64, copy=True)


def rows_of(x):
    """A 2-D view of x: a matrix as it is, a vector as one row."""
    return np.atleast_2d(x)
