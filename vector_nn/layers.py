"""Layers as forward/backward pairs on whole arrays: the twin of ``scalar_nn/layers.py``.

The same pairs, the same caches, the same shapes; each loop of the scalar
twin is one NumPy expression here.  ``*_forward`` returns the layer's output
and a ``cache`` (what the backward pass needs); ``*_backward`` takes dL/d(output)
and that cache and returns dL/d(input) and the parameters' gradients.

Shapes: a batch has m rows; a layer maps n_in columns to n columns.

============  ===============================  ================================
layer         forward                          backward
============  ===============================  ================================
affine        Z = A_prev @ W + b   (m, n)      dW = A_prev.T @ dZ   (n_in, n)
                                               db = dZ.sum(axis=0)  (n,)
                                               dA_prev = dZ @ W.T   (m, n_in)
activation    A = act(Z)           (m, n)      dZ = dA * act'(Z)    (m, n)
dropout       A = A_in * M / (1-p) (m, n)      dA_in = dA * M / (1-p)
batchnorm     U = gamma Zhat + beta (m, n)     dZ, dgamma, dbeta
============  ===============================  ================================

``xp`` is the network's backend (``linalg.Arrays``, NumPy's by default):
every product-sum and column sum goes through it, so that exact mode can
sum in the scalar twin's order.
"""

import numpy as np

from .activations import activate, activate_prime
from .linalg import NUMPY, add_row, hadamard, transpose


# --------------------------------------------------------------------- affine
def affine_forward(A_prev, W, b, xp=NUMPY):
    """Z = A_prev @ W + b: (m, n_in) @ (n_in, n) + (n,) -> (m, n).

    Z[i, j] = sum_k A_prev[i, k] W[k, j] + b[j]: unit j's weighted sum of row i.
    """
    # exercise 4.1
    Z = add_row(xp.matmul(A_prev, W), b)
    return Z, {"A_prev": A_prev, "W": W}


def affine_backward(dZ, cache, xp=NUMPY):
    """(dW, db) of Z = A_prev @ W + b: dW = A_prev.T @ dZ (n_in, n), db = dZ.sum(axis=0) (n,).

    dW[k, j] = sum_i A_prev[i, k] dZ[i, j]; db[j] = sum_i dZ[i, j] (the bias is in every row).
    """
    # exercise 4.2
    return xp.matmul(transpose(cache["A_prev"]), dZ), xp.column_sums(dZ)


def affine_backward_input(dZ, cache, xp=NUMPY):
    """dA_prev = dZ @ W.T: (m, n) @ (n, n_in) -> (m, n_in), the gradient for the layer below.

    dA_prev[i, k] = sum_j dZ[i, j] W[k, j]; the first layer skips it (nothing below X learns).
    """
    # exercise 4.3
    return xp.matmul(dZ, transpose(cache["W"]))


# ----------------------------------------------------------------- activation
def activation_forward(name, Z, xp=NUMPY):
    """A = act(Z) entry by entry, (m, n) -> (m, n); the cache keeps Z for act'(Z)."""
    return activate(name, Z, xp), {"name": name, "Z": Z}


def activation_backward(dA, cache, xp=NUMPY):
    """dZ = dA * act'(Z) entry by entry (the chain rule through an elementwise function)."""
    # exercise 4.4
    return hadamard(dA, activate_prime(cache["name"], cache["Z"], xp))


# -------------------------------------------------------------------- dropout
def dropout_forward(A, M, p):
    """Inverted dropout: A_out = A * M / (1 - p), (m, n) -> (m, n).

    M is a 0/1 mask (1 = keep, with probability 1 - p); dividing by 1 - p keeps
    each unit's expected value, so inference uses no mask and no rescaling.
    """
    # exercise 4.5
    keep = 1.0 - p
    return A * M / keep, {"M": M, "keep": keep}


def dropout_backward(dA, cache):
    """dA_in = dA * M / (1 - p): a dropped unit passed nothing forward, so it gets no gradient."""
    # exercise 4.6
    return dA * cache["M"] / cache["keep"]


# ------------------------------------------------------------------ batchnorm
def batchnorm_forward(Z, gamma, beta, eps, mu=None, var=None, xp=NUMPY):
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
        mu = xp.column_means(Z)
        var = xp.column_means((Z - mu) * (Z - mu))
    std = np.sqrt(var + eps)
    Zhat = (Z - mu) / std
    U = gamma * Zhat + beta
    return U, {"Zhat": Zhat, "std": std, "gamma": gamma, "training": training, "mu": mu, "var": var}


def batchnorm_backward(dU, cache, xp=NUMPY):
    """Back through U = gamma * Zhat + beta, Zhat = (Z - mu) / std: (dZ, dgamma, dbeta).

    dbeta = sum_i dU, dgamma = sum_i dU * Zhat, dZhat = dU * gamma, all (n,) or (m, n).
    Training (mu and var depend on every row of the batch)::

        dZ = (m dZhat - sum_i dZhat - Zhat * sum_i (dZhat * Zhat)) / m / std

    Inference (the running statistics are constants): dZ = dZhat / std.
    """
    # exercise 4.8
    gamma, Zhat, std = cache["gamma"], cache["Zhat"], cache["std"]
    m = dU.shape[0]
    dbeta = xp.column_sums(dU)
    dgamma = xp.column_sums(hadamard(dU, Zhat))
    dZhat = dU * gamma
    if not cache["training"]:
        return dZhat / std, dgamma, dbeta
    sum_dZhat = xp.column_sums(dZhat)
    sum_dZhat_Zhat = xp.column_sums(hadamard(dZhat, Zhat))
    dZ = (m * dZhat - sum_dZhat - Zhat * sum_dZhat_Zhat) / m / std
    return dZ, dgamma, dbeta
