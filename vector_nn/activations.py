"""Hidden-layer activations and their derivatives on whole arrays.

The twin of ``scalar_nn/activations.py``: the same formulas, applied to an
(m, n) array at once.  ``act'`` uses the same expression as the scalar twin
(e.g. ``s (1 + z (1 - s))`` for swish) so that both round alike.
"""

import numpy as np


def sigmoid(z):
    """s(z) = 1/(1 + e^-z) without overflow: e = exp(-|z|); 1/(1+e) for z >= 0, e/(1+e) else.

    Written without a branch: the numerator (1 or e) is max(e, [z >= 0]), since e <= 1.
    """
    e = np.exp(-np.abs(z))
    return np.maximum(e, z >= 0.0) / (1.0 + e)


def sigmoid_prime(z):
    """s'(z) = s(z) (1 - s(z))."""
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z):
    """tanh(z)."""
    return np.tanh(z)


def tanh_prime(z):
    """tanh'(z) = 1 - tanh(z)^2."""
    t = np.tanh(z)
    return 1.0 - t * t


def relu(z):
    """relu(z) = max(z, 0)."""
    return np.maximum(z, 0.0)


def relu_prime(z):
    """relu'(z) = 1 for z > 0, else 0 (relu'(0) = 0)."""
    return (z > 0.0).astype(np.float64)


def swish(z):
    """swish(z) = z s(z)."""
    return z * sigmoid(z)


def swish_prime(z):
    """swish'(z) = s(z) (1 + z (1 - s(z)))."""
    s = sigmoid(z)
    return s * (1.0 + z * (1.0 - s))


def linear(z):
    """linear(z) = z."""
    return z


def linear_prime(z):
    """linear'(z) = 1."""
    return np.ones_like(z)


ACTIVATIONS = {
    "sigmoid": (sigmoid, sigmoid_prime),
    "tanh": (tanh, tanh_prime),
    "relu": (relu, relu_prime),
    "swish": (swish, swish_prime),
    "linear": (linear, linear_prime),
}


def activate(name, Z):
    """A = act(Z), shape (m, n) -> (m, n)."""
    return ACTIVATIONS[name][0](Z)


def activate_prime(name, Z):
    """act'(Z), shape (m, n) -> (m, n)."""
    return ACTIVATIONS[name][1](Z)


# --------------------------------------------------------------------------
# In-place forms for the training step (private; used by ``MLP``)
# --------------------------------------------------------------------------
#
# The functions above allocate a new array for every operation: the clearest
# way to write them.  A training step on a 2000 x 64 layer then makes about
# twenty temporaries of 1 MB, and each is fresh memory that the kernel must
# page in; the backward pass also evaluates s(z) a second time.  The forms
# below compute the same expressions, in the same order, into buffers the
# network keeps from step to step (``MLP._buffer``), and split each
# activation in two: the forward pass returns what the backward pass needs
# (s(z) for sigmoid and swish, tanh(z), and z for relu), and the backward
# pass multiplies dA by act'(z) in place from it.  The only change of
# formula is ``_sigmoid_into`` (see there): within 2 ulp of ``sigmoid``.


def _sigmoid_into(Z, S):
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


def _activate_into(name, Z, A, S):
    """A = act(Z) written into A (linear returns Z itself); returns (A, saved).

    ``saved`` is what ``_times_prime`` needs: s(Z) for sigmoid (A itself) and
    swish (written into S), tanh(Z) for tanh (A itself), Z for relu and linear.
    """
    if name == "sigmoid":
        A = _sigmoid_into(Z, A)
        return A, A
    if name == "tanh":
        A = np.tanh(Z, out=A)
        return A, A
    if name == "relu":
        return np.maximum(Z, 0.0, out=A), Z
    if name == "swish":
        S = _sigmoid_into(Z, S)
        return np.multiply(Z, S, out=A), S             # z s(z)
    return Z, Z


def _times_prime(name, dA, Z, saved, T):
    """dA *= act'(Z) in place, from the forward pass's ``saved``; T is a scratch array.

    Each factor is ``activate_prime``'s expression with the same rounding:
    sigmoid s (1 - s), tanh 1 - t^2, relu [z > 0], swish s (1 + z (1 - s)).
    """
    if name == "linear":
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
    dA *= T
    return dA
