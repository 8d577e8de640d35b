"""The scalar twin's matrix loops, as the NumPy one-liners they stand for.

Read beside ``scalar_nn/linalg.py``: each function there spells out the loops
that the expression here hands to compiled code (BLAS for ``@``).  The vector
MLP writes these expressions inline; this file is the dictionary between the
two twins.
"""

import numpy as np


def zeros(rows, cols):
    """An all-zero float64 matrix of shape (rows, cols)."""
    return np.zeros((rows, cols))


def transpose(A):
    """A^T: entry (j, i) is A[i, j].  Shape (m, n) -> (n, m) (a view: no data is copied)."""
    # exercise 1.1
    return A.T


def dot(u, v):
    """u . v = sum_i u_i v_i.  (n,) . (n,) -> a float."""
    # exercise 1.2
    return float(np.dot(u, v))


def matmul(A, B):
    """C = A @ B with C[i, j] = sum_k A[i, k] B[k, j].  (m, n) @ (n, p) -> (m, p) (BLAS)."""
    # exercise 1.3
    return A @ B


def add_row(A, b):
    """(A + b)[i, j] = A[i, j] + b[j]: b broadcast over the rows.  (m, n) + (n,) -> (m, n)."""
    return A + b


def column_sums(A):
    """Sum over rows: s[j] = sum_i A[i, j].  Shape (m, n) -> (n,)."""
    # exercise 1.4
    return A.sum(axis=0)


def column_means(A):
    """Mean over rows: mean[j] = (1/m) sum_i A[i, j].  Shape (m, n) -> (n,)."""
    # exercise 1.5
    return A.mean(axis=0)


def hadamard(A, B):
    """Elementwise (Hadamard) product: (A * B)[i, j] = A[i, j] B[i, j].  Both (m, n) -> (m, n)."""
    return A * B


def apply(f, A):
    """f(A)[i, j] = f(A[i, j]) in one call (f must itself work on arrays, like a ufunc)."""
    return f(A)


def scale(A, c):
    """(c A)[i, j] = c A[i, j] for a scalar c.  (m, n) -> (m, n)."""
    return c * A


def sum_squares(A):
    """||A||^2 = sum_ij A[i, j]^2: the sum of squared entries of a matrix (or a vector)."""
    return float(np.sum(A * A))


def copy(x):
    """A float64 copy of a vector or matrix (new memory)."""
    return np.array(x, dtype=np.float64, copy=True)


def rows_of(x):
    """A matrix as it is, or a one-row view (1, n) of a vector (n,)."""
    return np.atleast_2d(x)
