"""The matrix operations a neural network needs, as plain loops.

A matrix is a list of rows; a vector is a list of floats.  Each function is
the textbook definition written out, so that the reader can see every
multiplication that NumPy's one-liner in ``vector_nn/linalg.py`` hides.
"""


def zeros(rows, cols):
    """An all-zero matrix of shape (rows, cols)."""
    return [[0.0] * cols for _ in range(rows)]


def transpose(A):
    """A^T: entry (j, i) of the result is A[i][j].  Shape (m, n) -> (n, m)."""
    # exercise 1.1
    return [list(col) for col in zip(*A)]


def dot(u, v):
    """u . v = sum_i u_i v_i, summed left to right.  (n,) . (n,) -> a float."""
    # exercise 1.2
    total = 0.0
    for a, b in zip(u, v):
        total += a * b
    return total


def matmul(A, B):
    """C = A @ B with C[i][j] = sum_k A[i][k] B[k][j].  (m, n) @ (n, p) -> (m, p).

    B is transposed once so that each C[i][j] is a dot product of two rows.
    """
    # exercise 1.3
    BT = transpose(B)
    return [[dot(row, col) for col in BT] for row in A]


def add_row(A, b):
    """(A + b)[i][j] = A[i][j] + b[j]: the vector b added to every row (NumPy's broadcasting).

    (m, n) + (n,) -> (m, n).
    """
    return [[a + bj for a, bj in zip(row, b)] for row in A]


def column_sums(A):
    """Sum over rows: s[j] = sum_i A[i][j].  Shape (m, n) -> (n,)."""
    # exercise 1.4
    s = [0.0] * len(A[0])
    for row in A:
        for j, a in enumerate(row):
            s[j] += a
    return s


def column_means(A):
    """Mean over rows: mean[j] = (1/m) sum_i A[i][j].  Shape (m, n) -> (n,)."""
    # exercise 1.5
    m = len(A)
    return [s / m for s in column_sums(A)]


def hadamard(A, B):
    """Elementwise (Hadamard) product: (A * B)[i][j] = A[i][j] B[i][j].  Both (m, n) -> (m, n)."""
    return [[a * b for a, b in zip(ra, rb)] for ra, rb in zip(A, B)]


def apply(f, A):
    """f(A)[i][j] = f(A[i][j]): f applied to every entry.  (m, n) -> (m, n)."""
    return [[f(a) for a in row] for row in A]


def scale(A, c):
    """(c A)[i][j] = c A[i][j] for a scalar c.  (m, n) -> (m, n)."""
    return [[c * a for a in row] for row in A]


def sum_squares(A):
    """||A||^2 = sum_ij A[i][j]^2: the sum of squared entries of a matrix (or a vector)."""
    if A and isinstance(A[0], list):
        return sum(dot(row, row) for row in A)
    return dot(A, A)


def copy(x):
    """A deep copy of a vector or matrix (lists of floats)."""
    if x and isinstance(x[0], list):
        return [list(row) for row in x]
    return list(x)


def rows_of(x):
    """A matrix's rows, or a one-row view ``[x]`` of a vector.

    The optimizers loop over rows and then over entries; this lets one loop
    serve both the weight matrices and the bias vectors.
    """
    if x and isinstance(x[0], list):
        return x
    return [x]
