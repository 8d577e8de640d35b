"""Hidden-layer activations and their derivatives on whole arrays.

The twin of ``scalar_nn/activations.py``: the same formulas (its table),
applied to an (m, n) array at once, each activation next to its derivative;
backprop multiplies entry by entry, ``dZ = dA * act'(Z)``.  ``act'`` uses the same expression as the scalar twin
(e.g. ``s (1 + z (1 - s))`` for swish) so that both round alike.

``xp`` is the network's backend (``linalg.Arrays``): exp and tanh come from
it, the rest (which rounds the same everywhere) from NumPy.
"""

import numpy as np

from .linalg import NUMPY


def sigmoid(z, xp=NUMPY):
    """s(z) = 1/(1 + e^-z) without overflow: e = exp(-|z|); 1/(1+e) for z >= 0, e/(1+e) else.

    Written without a branch: the numerator (1 or e) is max(e, [z >= 0]), since e <= 1.
    """
    # exercise 2.1
    e = xp.exp(-np.abs(z))
    return np.maximum(e, z >= 0.0) / (1.0 + e)


def sigmoid_prime(z, xp=NUMPY):
    """s'(z) = s(z) (1 - s(z))."""
    # exercise 2.2
    s = sigmoid(z, xp)
    return s * (1.0 - s)


def tanh(z, xp=NUMPY):
    """tanh(z) = (e^z - e^-z) / (e^z + e^-z)."""
    return xp.tanh(z)


def tanh_prime(z, xp=NUMPY):
    """tanh'(z) = 1 - tanh(z)^2."""
    # exercise 2.3
    t = xp.tanh(z)
    return 1.0 - t * t


def relu(z, xp=NUMPY):
    """relu(z) = max(z, 0)."""
    # exercise 2.4
    return np.maximum(z, 0.0)


def relu_prime(z, xp=NUMPY):
    """relu'(z) = 1 for z > 0, else 0 (the kink at 0 gets 0, by convention)."""
    # exercise 2.5
    return (z > 0.0).astype(z.dtype)


def swish(z, xp=NUMPY):
    """swish(z) = z s(z) (also called SiLU)."""
    # exercise 2.6
    return z * sigmoid(z, xp)


def swish_prime(z, xp=NUMPY):
    """swish'(z) = s(z) + z s(z)(1 - s(z)) = s(z) (1 + z (1 - s(z)))."""
    # exercise 2.7
    s = sigmoid(z, xp)
    return s * (1.0 + z * (1.0 - s))


def linear(z, xp=NUMPY):
    """linear(z) = z."""
    return z


def linear_prime(z, xp=NUMPY):
    """linear'(z) = 1."""
    return np.ones_like(z)


ACTIVATIONS = {
    "sigmoid": (sigmoid, sigmoid_prime),
    "tanh": (tanh, tanh_prime),
    "relu": (relu, relu_prime),
    "swish": (swish, swish_prime),
    "linear": (linear, linear_prime),
}


def activate(name, Z, xp=NUMPY):
    """A = act(Z), entry by entry, in one array expression.  Shape (m, n) -> (m, n)."""
    return ACTIVATIONS[name][0](Z, xp)


def activate_prime(name, Z, xp=NUMPY):
    """act'(Z), entry by entry, in one array expression.  Shape (m, n) -> (m, n)."""
    return ACTIVATIONS[name][1](Z, xp)
