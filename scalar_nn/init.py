"""Seeded weight initialisation, shared by both twins.

Scheme (chosen per layer by the activation that reads the layer's output):

* hidden layers with ``relu`` or ``swish``: **He** normal,
  ``W ~ N(0, 2 / n_in)``.  ReLU zeroes about half of its inputs, so the
  variance is doubled to keep the signal's scale from layer to layer
  (He et al., 2015).
* hidden layers with ``sigmoid``, ``tanh``, ``linear`` and the output layer:
  **Glorot** (Xavier) normal, ``W ~ N(0, 2 / (n_in + n_out))``, which keeps
  the variance of both the forward signal and the backward gradient near 1
  for activations that are roughly linear around 0 (Glorot & Bengio, 2010).
* biases start at 0; BatchNorm's gamma at 1 and beta at 0; running mean 0,
  running variance 1.

Why not all zeros?  Then every unit of a layer computes the same thing, gets
the same gradient, and stays identical forever: the symmetry must be broken.

Entry ``W_k[i][j]`` is ``std * normal(key_for(seed, INIT, k), i * n_k + j)``
from ``scalar_nn.rng``: the same seed gives the same network, in both twins
(``vector_nn`` converts these lists into arrays rather than drawing again).
"""

import math

from . import rng
from .conventions import buffer_shapes


def init_std(n_in, n_out, activation):
    """std of one layer's weights: He sqrt(2 / n_in) for relu/swish, else Glorot sqrt(2 / (n_in + n_out))."""
    if activation in ("relu", "swish"):
        return math.sqrt(2.0 / n_in)
    return math.sqrt(2.0 / (n_in + n_out))


def init_weight(n_in, n_out, activation, seed, k):
    """W_k (n_in, n_out) ~ N(0, std^2): W_k[i][j] = std * normal(key_for(seed, INIT, k), i * n_out + j)."""
    std = init_std(n_in, n_out, activation)
    key = rng.key_for(seed, rng.INIT, k)
    return [[std * rng.normal(key, i * n_out + j) for j in range(n_out)] for i in range(n_in)]


def init_params(sizes, hidden, seed=0, batchnorm=False):
    """All parameters of an MLP: {"W1": ..., "b1": ..., ["gamma1", "beta1",] ...}.

    W_k (n_{k-1}, n_k) from ``init_weight`` (the output layer W_L always Glorot),
    b_k = 0 (n_k,); with BatchNorm, gamma_k = 1 and beta_k = 0 (n_k,) on hidden layers.
    """
    L = len(sizes) - 1
    params = {}
    for k in range(1, L + 1):
        activation = hidden if k < L else "output"
        params["W%d" % k] = init_weight(sizes[k - 1], sizes[k], activation, seed, k)
        params["b%d" % k] = [0.0] * sizes[k]
        if batchnorm and k < L:
            params["gamma%d" % k] = [1.0] * sizes[k]
            params["beta%d" % k] = [0.0] * sizes[k]
    return params


def init_buffers(sizes):
    """BatchNorm running statistics: running_mean_k = 0, running_var_k = 1."""
    buffers = {}
    for name, (n,) in buffer_shapes(sizes).items():
        buffers[name] = [0.0] * n if name.startswith("running_mean") else [1.0] * n
    return buffers
