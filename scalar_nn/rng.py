"""Counter-based random numbers that both twins can draw identically.

Why not ``random.Random``?  The vector twin must produce *the same* dropout
masks, shuffles and splits as the scalar twin, without a Python loop over
samples or neurons.  A sequential generator (Mersenne Twister) cannot be
vectorised: number ``i`` depends on number ``i - 1``.  A *counter-based*
generator can: number ``i`` of a stream is a pure function of ``(key, i)``::

    bits(key, i) = mix64(key + i * GOLDEN)          (all arithmetic mod 2**64)
    uniform(key, i) = (bits(key, i) >> 11) * 2**-53  in [0, 1)

``mix64`` is the SplitMix64 finaliser (Steele, Lea & Flood, 2014): three
xor-shifts and two multiplications that scatter every input bit over every
output bit.  Here it is written with Python integers masked to 64 bits; the
vector twin writes the same lines with ``numpy.uint64`` arrays, which wrap
modulo 2**64 by themselves.  Only integer arithmetic and one exact scaling by
2**-53 are involved, so both twins get bit-identical floats.

A *key* names one stream: ``key_for(seed, STREAM, a, b, ...)`` folds the seed,
a stream id and any integers (epoch, step, layer) into one 64-bit key.  Keys
are computed once per stream (cheap, pure Python), so ``vector_nn`` imports
``key_for`` from here and only vectorises ``bits``/``uniform``.
"""

import math

MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15  # 2**64 / golden ratio, the SplitMix64 increment
MUL1 = 0xBF58476D1CE4E5B9
MUL2 = 0x94D049BB133111EB
TWO_POW_MINUS_53 = 1.0 / (1 << 53)

# Stream ids: one per purpose, so that e.g. the dropout masks never reuse the
# numbers that shuffled the data.
INIT = 1
DROPOUT = 2
SHUFFLE = 3
SPLIT = 4
DATA = 5


def mix64(x):
    """SplitMix64 finaliser: a 64-bit integer -> a well-scrambled 64-bit integer.

    z = x ^ (x >> 30); z = z * MUL1; z = z ^ (z >> 27); z = z * MUL2;
    return z ^ (z >> 31), every product taken mod 2**64.
    """
    z = x & MASK64
    z = ((z ^ (z >> 30)) * MUL1) & MASK64
    z = ((z ^ (z >> 27)) * MUL2) & MASK64
    return z ^ (z >> 31)


def key_for(seed, stream, *ids):
    """Fold a seed, a stream id and any further integers into one 64-bit key.

    key = mix64(seed); key = mix64(key ^ stream + GOLDEN); then the same for
    every id.  Different (seed, stream, ids) give unrelated streams.
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError("seed must be an int, got %r" % (seed,))
    key = mix64(seed + GOLDEN)
    for part in (stream,) + ids:
        key = mix64((key ^ int(part)) + GOLDEN)
    return key


def bits(key, i):
    """The i-th 64-bit integer of stream ``key``: mix64(key + i * GOLDEN)."""
    return mix64(key + i * GOLDEN)


def uniform(key, i):
    """The i-th float of stream ``key``, uniform on [0, 1) with 53 random bits."""
    return (bits(key, i) >> 11) * TWO_POW_MINUS_53


def uniforms(key, count, start=0):
    """A list of ``count`` uniforms: [uniform(key, start), ..., uniform(key, start+count-1)]."""
    return [uniform(key, i) for i in range(start, start + count)]


def normal(key, i):
    """The i-th standard normal of stream ``key`` (Box-Muller on two uniforms).

    u1 = 1 - uniform(key, 2i) lies in (0, 1], so log(u1) is finite;
    z = sqrt(-2 ln u1) * cos(2 pi u2).
    """
    u1 = 1.0 - uniform(key, 2 * i)
    u2 = uniform(key, 2 * i + 1)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


def permutation(n, key):
    """A permutation of range(n): indices sorted by their 64-bit stream values.

    Sorting by ``bits(key, i)`` (ties, which are vanishingly rare, keep index
    order because ``sorted`` is stable) gives a uniformly random order that
    the vector twin reproduces exactly with a stable ``argsort``.
    """
    return sorted(range(n), key=lambda i: bits(key, i))
