"""Output layers and their losses: the forward value and dL/dZ of the last layer.

``Z`` is the output layer's pre-activation, shape (m, n_L); ``N = m * n_L``.

| output  | loss          | data loss                          | dL/dZ                      |
|---------|---------------|------------------------------------|----------------------------|
| linear  | mse           | mean (Z - Y)^2                     | 2 (Z - Y) / N              |
| sigmoid | mse           | mean (s(Z) - Y)^2                  | 2 (Yh - Y)/N * Yh (1 - Yh) |
| sigmoid | bce           | -mean[y log p + (1-y) log(1-p)]    | (p - Y) / N                |
| softmax | cross_entropy | -(1/m) sum_i log softmax(Z_i)[y_i] | (P - onehot(y)) / m        |

Why are the last two so simple?  The derivative of the loss with respect to
the probability, ``dL/dp``, has ``p (1 - p)`` (sigmoid) or ``P_j`` (softmax) in
its denominator, and the derivative of the output activation multiplies by
exactly that factor: they cancel.  Computing the combined form is therefore
both shorter and numerically safe (no division by a probability that may
round to 0).  ``softmax_cross_entropy_backward_long`` below does it the long
way, so the reader can check that the shortcut is right.
"""

import math

from .activations import sigmoid


def softplus(z):
    """softplus(z) = log(1 + e^z), without overflow: max(z, 0) + log1p(e^-|z|).  A float -> a float."""
    # exercise 3.1
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))


def softmax_row(z):
    """softmax(z)_j = exp(z_j - max z) / sum_l exp(z_l - max z) for one row: (n,) -> (n,), summing to 1.

    Subtracting the maximum changes nothing mathematically (it cancels in the
    ratio) but keeps every exponent <= 0, so exp never overflows.
    """
    # exercise 3.2
    top = max(z)
    e = [math.exp(v - top) for v in z]
    total = sum(e)
    return [v / total for v in e]


def logsumexp_row(z):
    """log sum_j exp(z_j) = max z + log sum_j exp(z_j - max z), for one row: (n,) -> a float."""
    # exercise 3.3
    top = max(z)
    return top + math.log(sum(math.exp(v - top) for v in z))


def output_activation(output, Z):
    """Yhat from Z: Z itself (linear), s(Z) (sigmoid) or row-wise softmax(Z).  (m, n_L) -> (m, n_L)."""
    if output == "linear":
        return [list(row) for row in Z]
    if output == "sigmoid":
        return [[sigmoid(z) for z in row] for row in Z]
    return [softmax_row(row) for row in Z]


def data_loss(output, loss, Z, Yhat, Y):
    """The data loss of section 4 (no L2), a float.

    Y is a matrix (m, n_L) for mse/bce and a list of m class indices for
    cross_entropy.
    """
    # exercise 3.4
    m = len(Z)
    N = m * len(Z[0])
    if loss == "mse":
        total = 0.0
        for yh_row, y_row in zip(Yhat, Y):
            for yh, y in zip(yh_row, y_row):
                d = yh - y
                total += d * d
        return total / N
    if loss == "bce":
        # -[y log p + (1-y) log(1-p)] with p = s(z) equals
        # y softplus(-z) + (1-y) softplus(z): finite even when p rounds to 0 or 1.
        total = 0.0
        for z_row, y_row in zip(Z, Y):
            for z, y in zip(z_row, y_row):
                total += y * softplus(-z) + (1.0 - y) * softplus(z)
        return total / N
    # cross_entropy: -log softmax(z)[y] = logsumexp(z) - z[y]
    total = 0.0
    for z_row, y in zip(Z, Y):
        total += logsumexp_row(z_row) - z_row[y]
    return total / m


def output_delta(output, loss, Z, Yhat, Y):
    """dZ_L = dL/dZ of the data loss, shape (m, n_L) (table above)."""
    # exercise 3.5
    m = len(Z)
    N = m * len(Z[0])
    if output == "linear":        # linear + mse
        return [[2.0 * (z - y) / N for z, y in zip(z_row, y_row)] for z_row, y_row in zip(Z, Y)]
    if loss == "mse":             # sigmoid + mse: chain through s'(z) = Yhat (1 - Yhat)
        return [
            [2.0 * (yh - y) / N * yh * (1.0 - yh) for yh, y in zip(yh_row, y_row)]
            for yh_row, y_row in zip(Yhat, Y)
        ]
    if loss == "bce":             # sigmoid + bce: the p(1-p) factors cancel
        return [[(p - y) / N for p, y in zip(p_row, y_row)] for p_row, y_row in zip(Yhat, Y)]
    # softmax + cross_entropy: (P - onehot(y)) / m
    dZ = []
    for p_row, y in zip(Yhat, Y):
        dZ.append([(p - (1.0 if j == y else 0.0)) / m for j, p in enumerate(p_row)])
    return dZ


def softmax_cross_entropy_backward_long(Z, y):
    """dL/dZ for softmax + cross-entropy the long way, to justify the shortcut.

    For sample i with P = softmax(Z_i) and L_i = -(1/m) log P[y_i]:

    * dL/dP_j = -(1/m) / P_j if j == y_i, else 0             (a row of n values)
    * the softmax Jacobian J[j][l] = dP_j/dZ_l = P_j (delta_jl - P_l)  (n x n)
    * dL/dZ_l = sum_j dL/dP_j * J[j][l]                      (chain rule)

    Only j = y_i contributes: dL/dZ_l = -(1/m) / P_y * P_y (delta_yl - P_l)
    = (P_l - delta_yl) / m, which is the shortcut (P - onehot(y)) / m.
    This version divides by P_y, so it fails where P_y rounds to 0: one more
    reason the library uses the shortcut.
    """
    m = len(Z)
    dZ = []
    for z_row, yi in zip(Z, y):
        P = softmax_row(z_row)
        n = len(P)
        dL_dP = [(-1.0 / m) / P[j] if j == yi else 0.0 for j in range(n)]
        J = [[P[j] * ((1.0 if j == l else 0.0) - P[l]) for l in range(n)] for j in range(n)]
        dZ.append([sum(dL_dP[j] * J[j][l] for j in range(n)) for l in range(n)])
    return dZ
