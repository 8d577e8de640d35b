"""The engine's kernels: the output layer's loss and delta in one pass, and fused hidden activations.

Each function computes what a plain twin function computes (named in its
docstring), with the same expressions in the same order, into arrays the
caller keeps (``out=``).  ``vector_nn.fast.network`` calls them from the lean step.
"""

import math

import numpy as np

from ..losses import softplus


# ----------------------------------------------------------- the output layer
# Each returns (loss sum, Yhat, dZ_L) for its output/loss pair: the values of
# ``losses.data_loss`` (before its division: the caller divides the sum by
# ``plan.divisor``, N or m), ``output_activation`` and ``output_delta``, the
# same expressions evaluated in the same order, sharing what they have in
# common (Yhat - Y; the softmax's exp and row sums, which logsumexp needs too).
# Yhat is a new array; dZ_L is written into the plan's buffer D.  N and m are
# the whole batch's (``plan.N``, ``plan.M``), so that a chunk of its rows
# (``plan.chunk_rows``) gets its share of the batch's delta and loss sum.
# Constants are the plan's 0-d arrays of the network's dtype (plan.one,
# plan.two, plan.N): a ufunc takes them faster than a Python float, with the
# same value.


def _linear_mse(output, loss, Z, Y, plan):
    D, N = plan.D, plan.N
    np.subtract(Z, Y, out=D)
    total = np.add.reduce(np.multiply(D, D, out=plan.U), axis=None)    # ((Yhat - Y) ** 2).sum()
    D *= plan.two
    D /= N                                                       # 2 (Z - Y) / N
    return total, Z, D


def _sigmoid_mse(output, loss, Z, Y, plan):
    D, U, N = plan.D, plan.U, plan.N
    Yhat = sigmoid_as_plain(Z, U, plan.one)
    np.subtract(Yhat, Y, out=D)
    total = np.add.reduce(np.multiply(D, D, out=U), axis=None)
    D *= plan.two
    D /= N
    D *= Yhat
    D *= np.subtract(plan.one, Yhat, out=U)                          # 2 (Yhat - Y) / N * Yhat * (1 - Yhat)
    return total, Yhat, D


def _sigmoid_bce(output, loss, Z, Y, plan):
    D = plan.D
    Yhat = sigmoid_as_plain(Z, plan.U, plan.one)
    total = np.add.reduce(Y * softplus(-Z) + (1.0 - Y) * softplus(Z), axis=None)   # data_loss's sum
    np.subtract(Yhat, Y, out=D)
    D /= plan.N                                                  # (Yhat - Y) / N
    return total, Yhat, D


def _softmax_cross_entropy(output, loss, Z, Y, plan):
    D, U = plan.D, plan.U
    n = Z.shape[1]
    if n < 8:
        # A few classes: the row max and the row sums column by column, (m, 1)
        # at a time.  Max is exact in any order, and NumPy adds fewer than 8
        # terms in order, left to right, so the sums are its own; a reduction
        # along a short last axis costs several times more.
        top = np.maximum(Z[:, 0:1], Z[:, 1:2], out=plan.top_max)
        for j in range(2, n):
            np.maximum(top, Z[:, j:j + 1], out=top)
        E = np.exp(np.subtract(Z, top, out=U), out=U)            # exp(z - max)
        s = np.add(plan.U_cols[0], plan.U_cols[1])
        for col in plan.U_cols[2:]:
            s += col
    else:
        top = np.maximum.reduce(Z, axis=-1, keepdims=True)
        E = np.exp(np.subtract(Z, top, out=U), out=U)
        s = np.add.reduce(E, axis=-1, keepdims=True)
    Yhat = E / s                                                 # softmax_row
    lse = np.log(s)
    lse += top                                                   # logsumexp_row, (m, 1)
    total = np.add.reduce(lse[:, 0] - Z[plan.rows, Y], axis=None)
    np.copyto(D, Yhat)
    D[plan.rows, Y] -= 1.0
    D /= plan.M                                                  # (Yhat - onehot) / m
    return total, Yhat, D


OUTPUT = {("linear", "mse"): _linear_mse, ("sigmoid", "mse"): _sigmoid_mse, ("sigmoid", "bce"): _sigmoid_bce,
          ("softmax", "cross_entropy"): _softmax_cross_entropy}      # every pair of conventions.OUTPUT_LOSS_PAIRS


# One output entry (one row, one unit: per-sample training of a regression or a
# binary classifier; float64 networks only): the same expressions on Python floats, where each NumPy
# call would cost more than its arithmetic.  The sums are of one term, so only
# exp and log1p can round differently (math's, not NumPy's: the scalar twin's).
def _sigmoid_one(z):
    e = math.exp(-abs(z))
    return (1.0 if z >= 0.0 else e) / (1.0 + e)                 # max(e, [z >= 0]) / (1 + e), e <= 1


def _softplus_one(z):
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))


def _linear_mse_one(output, loss, Z, Y, plan):
    d = Z.item() - Y.item()
    D = plan.D
    D[0, 0] = 2.0 * d                                            # N = 1
    return d * d, Z, D


def _sigmoid_mse_one(output, loss, Z, Y, plan):
    s = _sigmoid_one(Z.item())
    d = s - Y.item()
    D = plan.D
    D[0, 0] = 2.0 * d * s * (1.0 - s)
    Yhat = np.empty((1, 1))
    Yhat[0, 0] = s
    return d * d, Yhat, D


def _sigmoid_bce_one(output, loss, Z, Y, plan):
    z, y = Z.item(), Y.item()
    s = _sigmoid_one(z)
    D = plan.D
    D[0, 0] = s - y
    Yhat = np.empty((1, 1))
    Yhat[0, 0] = s
    return y * _softplus_one(-z) + (1.0 - y) * _softplus_one(z), Yhat, D


ONE_OUTPUT = {("linear", "mse"): _linear_mse_one, ("sigmoid", "mse"): _sigmoid_mse_one,
              ("sigmoid", "bce"): _sigmoid_bce_one}


def sigmoid_as_plain(Z, T, one):
    """``activations.sigmoid(Z)`` (a new array), the same seven passes with T as scratch; ``one`` is 1 as a 0-d array."""
    e = np.abs(Z, out=T)
    np.negative(e, out=e)
    np.exp(e, out=e)                                             # e = exp(-|z|)
    S = np.greater_equal(Z, 0.0, out=np.empty_like(Z), casting="unsafe")   # [z >= 0] as 1.0 / 0.0
    np.maximum(e, S, out=S)                                      # max(e, [z >= 0])
    e += one
    S /= e                                                       # / (1 + e)
    return S


def finite_loss_and_matrix(loss, W):
    """``toolkit.checks.finite_loss_and_matrix``; a small W summed as Python floats (one call, not three)."""
    if W.size <= 16:
        return math.isfinite(loss) and math.isfinite(sum(W.ravel().tolist()))
    return math.isfinite(loss) and math.isfinite(np.add.reduce(W, axis=None))


# ----------------------------------------------------------- fused activations
def sigmoid_into(Z, S):
    """S = s(Z) = 1 / (1 + exp(-Z)) in four passes, for the training step.

    ``sigmoid`` needs seven (|z|, its negative, exp, 1 + e, the sign test,
    the numerator, the division) to keep exp's argument <= 0.  Here exp(-z)
    may overflow to inf for z < -709.78, and 1 / (1 + inf) = 0 is the right
    limit: the overflow is expected and silenced.  The result agrees with
    ``sigmoid`` to 2 ulp, except that for z < -709.78 it is 0 where
    ``sigmoid`` returns e^z < 2.3e-308.
    """
    with np.errstate(over="ignore"):
        np.negative(Z, out=S)
        np.exp(S, out=S)
    S += 1.0
    return np.divide(1.0, S, out=S)


def activate_into(name, Z, A, S):
    """A = act(Z) written into A (linear returns Z itself); returns (A, saved).

    ``saved`` is what ``times_prime`` needs: s(Z) for sigmoid (A itself) and
    swish (written into S), tanh(Z) for tanh (A itself), Z for relu and linear.
    """
    if name == "sigmoid":
        A = sigmoid_into(Z, A)
        return A, A
    if name == "tanh":
        A = np.tanh(Z, out=A)
        return A, A
    if name == "relu":
        return np.maximum(Z, 0.0, out=A), Z
    if name == "swish":
        S = sigmoid_into(Z, S)
        return np.multiply(Z, S, out=A), S             # z s(z)
    return Z, Z


def times_prime(name, dA, Z, saved, T, out=None):
    """dA * act'(Z), in place (or into ``out``), from the forward pass's ``saved``; T is a scratch array.

    Each factor is ``activate_prime``'s expression with the same rounding:
    sigmoid s (1 - s), tanh 1 - t^2, relu [z > 0], swish s (1 + z (1 - s)).
    """
    if name == "linear":
        if out is not None:
            np.copyto(out, dA)
            return out
        return dA
    if name == "relu":
        np.greater(Z, 0.0, out=T, casting="unsafe")       # relu'(z) as 1.0 / 0.0
    elif name == "tanh":
        np.multiply(saved, saved, out=T)
        np.subtract(1.0, T, out=T)                       # 1 - t^2
    else:                                                # sigmoid, swish: s = saved
        np.subtract(1.0, saved, out=T)                   # 1 - s
        if name == "swish":
            T *= Z                                       # z (1 - s)
            T += 1.0                                     # 1 + z (1 - s)
        T *= saved                                       # ... * s
    if out is not None:
        return np.multiply(dA, T, out=out)
    dA *= T
    return dA
