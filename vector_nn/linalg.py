"""The scalar twin's matrix loops, as the NumPy one-liners they stand for.

Read beside ``scalar_nn/linalg.py``: each function there spells out the loops
that the expression here hands to compiled code (BLAS for ``@``).  The vector
MLP writes these expressions inline; this file is the dictionary between the
two twins.

``Arrays`` gathers the operations whose rounding IEEE 754 leaves open --
every sum (``@``, column sums, the losses' totals, row sums, sums of
squares) and the functions exp, log, log1p and tanh -- into one object.
The plain twin's code takes them from it (``xp.matmul``, ``xp.exp``, ...;
``xp`` is a network's backend, NumPy's ``NUMPY`` by default) and everything
else from NumPy directly: ``+``, ``-``, ``*``, ``/``, ``sqrt``, ``max``, ``abs``
round the same in every backend.  Exact mode (``vector_nn/exact.py``) is
another ``Arrays``: the scalar twin's sums in its order, and ``math``'s
functions where NumPy's differ.
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


def total(A):
    """The sum of every entry: sum_ij A[i, j].  Any shape -> a NumPy float."""
    return A.sum()


def row_sums(A):
    """Sum along each row: s[i] = sum_j A[i, j].  Shape (m, n) -> (m,)."""
    return A.sum(axis=-1)


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


class Arrays:
    """A backend: the array operations whose rounding is not fixed by IEEE 754, in one object.

    ``NUMPY`` (this class) is NumPy's own: BLAS for ``@``, pairwise sums,
    NumPy's SIMD exp/log/log1p/tanh.  Exact mode's backend
    (``vector_nn.exact.ExactArrays``) overrides every one of them.  A network
    holds its backend as ``net.xp`` and hands it to the layer functions.
    """

    name = "numpy"
    exact = False           # True: bit-identical to the scalar twin (exact mode)

    matmul = staticmethod(matmul)
    column_sums = staticmethod(column_sums)
    column_means = staticmethod(column_means)
    total = staticmethod(total)
    row_sums = staticmethod(row_sums)
    sum_squares = staticmethod(sum_squares)
    exp, log, log1p, tanh = np.exp, np.log, np.log1p, np.tanh

    def __repr__(self):
        return "<%s backend>" % self.name

    def __reduce__(self):
        """Copied and pickled by name: a network's copy shares the one backend object."""
        return self.name.upper()          # NUMPY here, EXACT in vector_nn.exact


NUMPY = Arrays()
