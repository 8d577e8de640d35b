"""Layers as forward/backward pairs on whole arrays: the twin of ``scalar_nn/layers.py``.

The same pairs, the same caches, the same shapes; each loop of the scalar
twin is one NumPy expression here.

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
"""

import numpy as np

from .activations import activate, activate_prime
from .linalg import add_row, column_means, column_sums, hadamard, matmul, transpose


# --------------------------------------------------------------------- affine
def affine_forward(A_prev, W, b):
    """Z = A_prev @ W + b: (m, n_in) @ (n_in, n) + (n,) -> (m, n)."""
    Z = add_row(matmul(A_prev, W), b)
    return Z, {"A_prev": A_prev, "W": W}


def affine_backward(dZ, cache):
    """(dW, db): dW = A_prev.T @ dZ (n_in, n), db = dZ.sum(axis=0) (n,)."""
    return matmul(transpose(cache["A_prev"]), dZ), column_sums(dZ)


def affine_backward_input(dZ, cache):
    """dA_prev = dZ @ W.T: (m, n) @ (n, n_in) -> (m, n_in)."""
    return matmul(dZ, transpose(cache["W"]))


# ----------------------------------------------------------------- activation
def activation_forward(name, Z):
    """A = act(Z), (m, n) -> (m, n); the cache keeps Z for act'(Z)."""
    return activate(name, Z), {"name": name, "Z": Z}


def activation_backward(dA, cache):
    """dZ = dA * act'(Z)."""
    return hadamard(dA, activate_prime(cache["name"], cache["Z"]))


# -------------------------------------------------------------------- dropout
def dropout_forward(A, M, p):
    """Inverted dropout: A * M / (1 - p), (m, n) -> (m, n)."""
    keep = 1.0 - p
    return A * M / keep, {"M": M, "keep": keep}


def dropout_backward(dA, cache):
    """dA_in = dA * M / (1 - p)."""
    return dA * cache["M"] / cache["keep"]


# ------------------------------------------------------------------ batchnorm
def batchnorm_forward(Z, gamma, beta, eps, mu=None, var=None):
    """U = gamma * (Z - mu) / sqrt(var + eps) + beta, column statistics over the rows.

    Training (``mu``/``var`` None): the batch's column mean and biased
    variance; inference: the running statistics passed in.
    """
    training = mu is None
    if training:
        mu = column_means(Z)
        var = column_means((Z - mu) * (Z - mu))
    std = np.sqrt(var + eps)
    Zhat = (Z - mu) / std
    U = gamma * Zhat + beta
    return U, {"Zhat": Zhat, "std": std, "gamma": gamma, "training": training, "mu": mu, "var": var}


def batchnorm_backward(dU, cache):
    """(dZ, dgamma, dbeta) through BatchNorm; the formulas of the scalar twin.

    Training: dZ = (m dZhat - sum_i dZhat - Zhat * sum_i (dZhat * Zhat)) / m / std.
    Inference: dZ = dZhat / std.
    """
    gamma, Zhat, std = cache["gamma"], cache["Zhat"], cache["std"]
    m = dU.shape[0]
    dbeta = column_sums(dU)
    dgamma = column_sums(hadamard(dU, Zhat))
    dZhat = dU * gamma
    if not cache["training"]:
        return dZhat / std, dgamma, dbeta
    sum_dZhat = column_sums(dZhat)
    sum_dZhat_Zhat = column_sums(hadamard(dZhat, Zhat))
    dZ = (m * dZhat - sum_dZhat - Zhat * sum_dZhat_Zhat) / m / std
    return dZ, dgamma, dbeta
