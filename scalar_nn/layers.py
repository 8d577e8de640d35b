"""Layers as forward/backward pairs that share a cache, one float at a time.

Every layer is two functions (the CS231n habit).  ``*_forward`` computes the
layer's output and returns a ``cache``: exactly what the backward pass will
need.  ``*_backward`` takes dL/d(output), ``dOut``, and that cache, and
returns dL/d(input) plus the gradients of the layer's parameters.  The MLP
(``mlp.py``) is these pairs stacked: forward in order, backward in reverse.

Shapes: a batch has m rows; a layer maps n_in columns to n columns.

============  ===============================  ================================
layer         forward                          backward
============  ===============================  ================================
affine        Z = A_prev @ W + b   (m, n)      dW = A_prev^T @ dZ   (n_in, n)
                                               db = sum_i dZ        (n,)
                                               dA_prev = dZ @ W^T   (m, n_in)
activation    A = act(Z)           (m, n)      dZ = dA * act'(Z)    (m, n)
dropout       A = A_in * M / (1-p) (m, n)      dA_in = dA * M / (1-p)
batchnorm     U = gamma Zhat + beta (m, n)     dZ, dgamma, dbeta (see below)
============  ===============================  ================================
"""

import math

from .activations import activate, activate_prime
from .linalg import add_row, column_means, column_sums, dot, hadamard, matmul, transpose


# --------------------------------------------------------------------- affine
def affine_forward(A_prev, W, b):
    """Z = A_prev @ W + b: (m, n_in) @ (n_in, n) + (n,) -> (m, n).

    Z[i][j] = sum_k A_prev[i][k] W[k][j] + b[j]: unit j's weighted sum of row i.
    """
    # exercise 4.1
    Z = add_row(matmul(A_prev, W), b)
    return Z, {"A_prev": A_prev, "W": W}


def affine_backward(dZ, cache):
    """(dW, db) of Z = A_prev @ W + b: dW = A_prev^T @ dZ (n_in, n), db = sum_i dZ (n,).

    dW[k][j] = sum_i A_prev[i][k] dZ[i][j]: weight k->j saw input k in every row.
    db[j] = sum_i dZ[i][j]: the bias is added to every row, so its gradients add up.
    """
    # exercise 4.2
    return matmul(transpose(cache["A_prev"]), dZ), column_sums(dZ)


def affine_backward_input(dZ, cache):
    """dA_prev = dZ @ W^T: (m, n) @ (n, n_in) -> (m, n_in), the gradient for the layer below.

    dA_prev[i][k] = sum_j dZ[i][j] W[k][j]: input k fed every unit j through W[k][j].
    The first layer skips it: nothing below X learns.  Row k of W is column k of W^T,
    so each entry is a dot product of two rows, with no transpose to build.
    """
    # exercise 4.3
    return [[dot(d_row, w_row) for w_row in cache["W"]] for d_row in dZ]


# ----------------------------------------------------------------- activation
def activation_forward(name, Z):
    """A = act(Z) entry by entry, (m, n) -> (m, n); the cache keeps Z for act'(Z)."""
    return activate(name, Z), {"name": name, "Z": Z}


def activation_backward(dA, cache):
    """dZ = dA * act'(Z) entry by entry (the chain rule through an elementwise function)."""
    # exercise 4.4
    return hadamard(dA, activate_prime(cache["name"], cache["Z"]))


# -------------------------------------------------------------------- dropout
def dropout_forward(A, M, p):
    """Inverted dropout: A_out[i][j] = A[i][j] * M[i][j] / (1 - p), (m, n) -> (m, n).

    M is a 0/1 mask (1 = keep, with probability 1 - p).  Dividing the kept
    units by 1 - p keeps each unit's expected value as it was, so inference
    uses the network as it is, with no rescaling.
    """
    # exercise 4.5
    keep = 1.0 - p
    A_out = [[a * mk / keep for a, mk in zip(a_row, m_row)] for a_row, m_row in zip(A, M)]
    return A_out, {"M": M, "keep": keep}


def dropout_backward(dA, cache):
    """dA_in = dA * M / (1 - p): a dropped unit passed nothing forward, so it gets no gradient."""
    # exercise 4.6
    keep = cache["keep"]
    return [[d * mk / keep for d, mk in zip(d_row, m_row)] for d_row, m_row in zip(dA, cache["M"])]


# ------------------------------------------------------------------ batchnorm
def batchnorm_forward(Z, gamma, beta, eps, mu=None, var=None):
    """U = gamma * Zhat + beta with Zhat = (Z - mu) / sqrt(var + eps), per column.

    Training (``mu``/``var`` None): mu and var are the batch's column mean and
    biased variance, (1/m) sum_i (Z_ij - mu_j)^2.  Inference: the running
    statistics are passed in as ``mu`` and ``var`` and are constants.
    Shapes: Z (m, n), gamma, beta, mu, var (n,).  Returns (U, cache); the
    cache also holds the batch's mu and var for the running statistics.
    """
    # exercise 4.7
    training = mu is None
    if training:
        mu = column_means(Z)
        var = column_means([[(z - u) * (z - u) for z, u in zip(row, mu)] for row in Z])
    std = [math.sqrt(v + eps) for v in var]
    Zhat = [[(z - u) / s for z, u, s in zip(row, mu, std)] for row in Z]
    U = [[g * zh + bt for zh, g, bt in zip(row, gamma, beta)] for row in Zhat]
    return U, {"Zhat": Zhat, "std": std, "gamma": gamma, "training": training, "mu": mu, "var": var}


def batchnorm_backward(dU, cache):
    """Back through U = gamma * Zhat + beta, Zhat = (Z - mu) / std: (dZ, dgamma, dbeta).

    dbeta = sum_i dU, dgamma = sum_i dU * Zhat, dZhat = dU * gamma, all (n,) or (m, n).
    Training (mu and var depend on every row of the batch)::

        dZ = (m dZhat - sum_i dZhat - Zhat * sum_i (dZhat * Zhat)) / m / std

    Inference (the running statistics are constants): dZ = dZhat / std.
    """
    # exercise 4.8
    gamma, Zhat, std = cache["gamma"], cache["Zhat"], cache["std"]
    m = len(dU)
    dbeta = column_sums(dU)
    dgamma = column_sums(hadamard(dU, Zhat))
    dZhat = [[d * g for d, g in zip(row, gamma)] for row in dU]
    if not cache["training"]:
        return [[d / s for d, s in zip(row, std)] for row in dZhat], dgamma, dbeta
    sum_dZhat = column_sums(dZhat)
    sum_dZhat_Zhat = column_sums(hadamard(dZhat, Zhat))
    dZ = [[(m * d - s1 - zh * s2) / m / s
           for d, zh, s1, s2, s in zip(d_row, zh_row, sum_dZhat, sum_dZhat_Zhat, std)]
          for d_row, zh_row in zip(dZhat, Zhat)]
    return dZ, dgamma, dbeta
