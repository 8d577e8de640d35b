"""Output layers and their losses on whole arrays: twin of ``scalar_nn/losses.py``.

Same table (see the scalar twin's docstring: the forward value and dL/dZ of
each output/loss pair, ``N = m * n_L``, and why the sigmoid+bce and
softmax+cross_entropy shortcuts are right), same numerically safe forms: BCE
from the logits with softplus, softmax and cross-entropy with the row maximum
subtracted.

``xp`` is the network's backend (``linalg.Arrays``): the sums and exp, log,
log1p come from it, so that exact mode sums as the scalar twin's loops do.
"""

import numpy as np

from .activations import sigmoid
from .linalg import NUMPY


def softplus(z, xp=NUMPY):
    """softplus(z) = log(1 + e^z), without overflow: max(z, 0) + log1p(e^-|z|), entry by entry (any shape)."""
    # exercise 3.1
    return np.maximum(z, 0.0) + xp.log1p(xp.exp(-np.abs(z)))


def softmax_row(z, xp=NUMPY):
    """softmax(z)_j = exp(z_j - max z) / sum_l exp(z_l - max z), for every row at once.

    Shape (m, n) -> (m, n), each row summing to 1; the maximum is subtracted
    so that every exponent is <= 0 and exp never overflows.
    """
    # exercise 3.2
    e = xp.exp(z - z.max(axis=-1, keepdims=True))
    return e / xp.row_sums(e)[..., None]


def logsumexp_row(z, xp=NUMPY):
    """log sum_j exp(z_j) = max z + log sum_j exp(z_j - max z), per row: (m, n) -> (m,)."""
    # exercise 3.3
    top = z.max(axis=-1)
    return top + xp.log(xp.row_sums(xp.exp(z - top[..., None])))


def output_activation(output, Z, xp=NUMPY):
    """Yhat from Z: Z itself (linear), s(Z) (sigmoid) or row-wise softmax(Z).  (m, n_L) -> (m, n_L)."""
    if output == "linear":
        return Z
    if output == "sigmoid":
        return sigmoid(Z, xp)
    return softmax_row(Z, xp)


def data_loss(output, loss, Z, Yhat, Y, xp=NUMPY):
    """The data loss of section 4 (no L2), a float.

    Y is an (m, n_L) array of floats for mse/bce and an (m,) array of class
    indices for cross_entropy.
    """
    # exercise 3.4
    m = Z.shape[0]
    N = Z.size
    if loss == "mse":             # sum (Yhat - Y)^2 / N
        return float(xp.total((Yhat - Y) ** 2) / N)
    if loss == "bce":             # y softplus(-z) + (1-y) softplus(z): finite even when p rounds to 0 or 1
        return float(xp.total(Y * softplus(-Z, xp) + (1.0 - Y) * softplus(Z, xp)) / N)
    # cross_entropy: -log softmax(z)[y] = logsumexp(z) - z[y]
    return float(xp.total(logsumexp_row(Z, xp) - Z[np.arange(m), Y]) / m)


def output_delta(output, loss, Z, Yhat, Y):
    """dZ_L = dL/dZ of the data loss, shape (m, n_L) (the scalar twin's table)."""
    # exercise 3.5
    m = Z.shape[0]
    N = Z.size
    if output == "linear":        # linear + mse
        return 2.0 * (Z - Y) / N
    if loss == "mse":             # sigmoid + mse: chain through s'(z) = Yhat (1 - Yhat)
        return 2.0 * (Yhat - Y) / N * Yhat * (1.0 - Yhat)
    if loss == "bce":             # sigmoid + bce: the p(1-p) factors cancel
        return (Yhat - Y) / N
    # softmax + cross_entropy: (P - onehot(y)) / m
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
