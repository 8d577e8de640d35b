"""Hidden-layer activations and their derivatives, one float at a time.

Each activation sits next to its local derivative (the habit of micrograd):
backprop multiplies the incoming gradient ``dA`` by ``act'(z)`` entry by
entry, ``dZ = dA * act'(Z)``.

| name      | act(z)               | act'(z)                          |
|-----------|----------------------|----------------------------------|
| sigmoid   | s(z) = 1/(1+e^-z)    | s(z) (1 - s(z))                  |
| tanh      | tanh(z)              | 1 - tanh(z)^2                    |
| relu      | max(z, 0)            | 1 if z > 0 else 0  (relu'(0) = 0)|
| swish     | z s(z)               | s(z) (1 + z (1 - s(z)))          |
| linear    | z                    | 1                                |
"""

import math

from .linalg import apply


def sigmoid(z):
    """s(z) = 1 / (1 + exp(-z)), computed without overflow.

    For z >= 0, exp(-z) <= 1 is safe.  For z < 0, exp(-z) could overflow
    (z = -1000), so use the equal form exp(z) / (1 + exp(z)) instead.
    """
    # exercise 2.1
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def sigmoid_prime(z):
    """s'(z) = s(z) (1 - s(z))."""
    # exercise 2.2
    s = sigmoid(z)
    return s * (1.0 - s)


def tanh(z):
    """tanh(z) = (e^z - e^-z) / (e^z + e^-z)."""
    return math.tanh(z)


def tanh_prime(z):
    """tanh'(z) = 1 - tanh(z)^2."""
    # exercise 2.3
    t = math.tanh(z)
    return 1.0 - t * t


def relu(z):
    """relu(z) = max(z, 0)."""
    # exercise 2.4
    return z if z > 0.0 else 0.0


def relu_prime(z):
    """relu'(z) = 1 for z > 0, else 0 (the kink at 0 gets 0, by convention)."""
    # exercise 2.5
    return 1.0 if z > 0.0 else 0.0


def swish(z):
    """swish(z) = z s(z) (also called SiLU)."""
    # exercise 2.6
    return z * sigmoid(z)


def swish_prime(z):
    """swish'(z) = s(z) + z s(z)(1 - s(z)) = s(z) (1 + z (1 - s(z)))."""
    # exercise 2.7
    s = sigmoid(z)
    return s * (1.0 + z * (1.0 - s))


def linear(z):
    """linear(z) = z."""
    return z


def linear_prime(z):
    """linear'(z) = 1."""
    return 1.0


ACTIVATIONS = {
    "sigmoid": (sigmoid, sigmoid_prime),
    "tanh": (tanh, tanh_prime),
    "relu": (relu, relu_prime),
    "swish": (swish, swish_prime),
    "linear": (linear, linear_prime),
}


def activate(name, Z):
    """A = act(Z), entry by entry.  Shape (m, n) -> (m, n)."""
    return apply(ACTIVATIONS[name][0], Z)


def activate_prime(name, Z):
    """act'(Z), entry by entry.  Shape (m, n) -> (m, n)."""
    return apply(ACTIVATIONS[name][1], Z)
