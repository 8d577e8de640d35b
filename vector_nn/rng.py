"""Counter-based random numbers, vectorised: the twin of ``scalar_nn.rng``.

The same SplitMix64 lines as the scalar twin, applied to whole ``uint64``
arrays at once.  NumPy's unsigned integer arithmetic wraps modulo 2**64, which
is exactly the ``& MASK64`` the scalar twin writes out, so every value is
bit-identical to the scalar one.  Keys (one per stream) are computed by the
scalar twin's ``key_for``: that is cheap, non-numeric work.
"""

import numpy as np

from scalar_nn.rng import (  # noqa: F401  (re-exported: one source of truth)
    DATA,
    DROPOUT,
    GOLDEN,
    INIT,
    MUL1,
    MUL2,
    SHUFFLE,
    SPLIT,
    TWO_POW_MINUS_53,
    key_for,
)

_GOLDEN = np.uint64(GOLDEN)
_MUL1 = np.uint64(MUL1)
_MUL2 = np.uint64(MUL2)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)


def mix64(x):
    """SplitMix64 finaliser on a uint64 array (wraps mod 2**64 like the scalar twin)."""
    z = np.asarray(x, dtype=np.uint64).copy()
    z ^= z >> _S30
    z *= _MUL1
    z ^= z >> _S27
    z *= _MUL2
    z ^= z >> _S31
    return z


def bits(key, i):
    """Array of 64-bit stream values mix64(key + i * GOLDEN) for an index array ``i``."""
    i = np.asarray(i, dtype=np.uint64)
    return mix64(np.uint64(key) + i * _GOLDEN)


def uniform(key, i):
    """Uniforms on [0, 1) for an index array ``i``: (bits >> 11) * 2**-53."""
    return (bits(key, i) >> _S11).astype(np.float64) * TWO_POW_MINUS_53


def uniforms(key, count, start=0):
    """``count`` uniforms [uniform(key, start), ..., uniform(key, start+count-1)]."""
    return uniform(key, np.arange(start, start + count, dtype=np.uint64))


def normal(key, i):
    """Standard normals by Box-Muller, as in the scalar twin.

    Equal to the scalar values up to the last bit of NumPy's log/cos, which may
    round differently from the C library's ``math.log``/``math.cos``.
    """
    i = np.asarray(i, dtype=np.uint64)
    u1 = 1.0 - uniform(key, 2 * i)
    u2 = uniform(key, 2 * i + np.uint64(1))
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


def permutation(n, key):
    """The scalar twin's permutation: range(n) sorted (stably) by stream values."""
    return np.argsort(bits(key, np.arange(n, dtype=np.uint64)), kind="stable")
