"""Seeded weight initialisation: the scalar twin's numbers, as float64 arrays.

The scheme (He normal for relu/swish hidden layers, Glorot normal elsewhere,
zero biases) and the random draws are the scalar twin's, documented in
``scalar_nn/init.py``.  Drawing once and converting makes both twins start
from bit-identical weights.
"""

import numpy as np

from scalar_nn import init as _scalar_init
from scalar_nn.init import init_std  # noqa: F401  (re-exported: He or Glorot std, not array math)


def init_weight(n_in, n_out, activation, seed, k):
    """W_k (n_in, n_out) ~ N(0, std^2): the scalar twin's draws, as a float64 array."""
    return np.array(_scalar_init.init_weight(n_in, n_out, activation, seed, k), dtype=np.float64)


def init_params(sizes, hidden, seed=0, batchnorm=False):
    """All parameters of an MLP as float64 arrays: W_k (n_{k-1}, n_k), b_k = 0 (n_k,), [gamma_k, beta_k]."""
    params = _scalar_init.init_params(sizes, hidden, seed, batchnorm)
    return {name: np.array(value, dtype=np.float64) for name, value in params.items()}


def init_buffers(sizes):
    """BatchNorm running statistics as arrays: running_mean_k = 0, running_var_k = 1."""
    return {name: np.array(v, dtype=np.float64) for name, v in _scalar_init.init_buffers(sizes).items()}
