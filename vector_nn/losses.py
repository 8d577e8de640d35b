"""Output layers and their losses on whole arrays: twin of ``scalar_nn/losses.py``.

Same table, same numerically safe forms: BCE from the logits with softplus,
softmax and cross-entropy with the row maximum subtracted.
"""

import numpy as np

from .activations import sigmoid


def softplus(z):
    """softplus(z) = log(1 + e^z) = max(z, 0) + log1p(e^-|z|), without overflow."""
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def softmax_row(z):
    """Row-wise softmax of an (m, n) array: exp(z - max) / sum exp(z - max)."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def logsumexp_row(z):
    """Row-wise log sum exp, (m, n) -> (m,): max + log sum exp(z - max)."""
    top = z.max(axis=-1)
    return top + np.log(np.exp(z - top[..., None]).sum(axis=-1))


def output_activation(output, Z):
    """Yhat from Z: Z (linear), s(Z) (sigmoid) or row-wise softmax(Z)."""
    if output == "linear":
        return Z
    if output == "sigmoid":
        return sigmoid(Z)
    return softmax_row(Z)


def data_loss(output, loss, Z, Yhat, Y):
    """The data loss (no L2) as a float; Y (m, n_L) floats or (m,) class indices."""
    m = Z.shape[0]
    N = Z.size
    if loss == "mse":
        return float(((Yhat - Y) ** 2).sum() / N)
    if loss == "bce":
        return float((Y * softplus(-Z) + (1.0 - Y) * softplus(Z)).sum() / N)
    return float((logsumexp_row(Z) - Z[np.arange(m), Y]).sum() / m)


def output_delta(output, loss, Z, Yhat, Y):
    """dZ_L = dL/dZ of the data loss, shape (m, n_L)."""
    m = Z.shape[0]
    N = Z.size
    if output == "linear":
        return 2.0 * (Z - Y) / N
    if loss == "mse":
        return 2.0 * (Yhat - Y) / N * Yhat * (1.0 - Yhat)
    if loss == "bce":
        return (Yhat - Y) / N
    dZ = Yhat.copy()
    dZ[np.arange(m), Y] -= 1.0
    return dZ / m


def softmax_cross_entropy_backward_long(Z, y):
    """dL/dZ via the full softmax Jacobian, batched: see the scalar twin for the derivation.

    dL/dP (m, n) is -(1/m)/P_y at the label and 0 elsewhere; J (m, n, n) is
    P_j (delta_jl - P_l); dL/dZ_l = sum_j dL/dP_j J[j][l] (an einsum over j).
    """
    m, n = Z.shape
    P = softmax_row(Z)
    dL_dP = np.zeros_like(P)
    dL_dP[np.arange(m), y] = (-1.0 / m) / P[np.arange(m), y]
    J = P[:, :, None] * (np.eye(n)[None, :, :] - P[:, None, :])
    return np.einsum("ij,ijl->il", dL_dP, J)
