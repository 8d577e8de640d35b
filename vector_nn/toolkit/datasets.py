"""Small, seeded data sets, as NumPy arrays: the twin of ``scalar_nn.toolkit.datasets``.

The small generators (people, sine3d, spiral, moons, circles, the sklearn
loaders) are cheap, so they call the scalar twin and convert its lists: one
definition, identical numbers.  ``wide_binary`` (10000 x 3072 values) is too
big for pure Python, so it is written again here with whole-array operations
that evaluate exactly the scalar twin's expressions (integer operations on the
random bits, then correctly rounded +, -, *, /, min/max): the arrays are
bit-identical to the scalar lists.

Returned types: ``X`` a float64 array ``(m, n_0)``; ``Y`` a float64 array
``(m, 1)`` for regression and binary tasks, or an int64 array ``(m,)`` of
class indices for multi-class tasks.
"""

import numpy as np

from scalar_nn.toolkit import datasets as _scalar
from scalar_nn.toolkit.datasets import (  # noqa: F401  (re-exported: one source of truth)
    CIRCLES,
    MOONS,
    NOISE,
    PEOPLE_NAMES,
    SHUFFLE,
    SINE3D,
    SPIRAL,
    SPIRAL_VARIANTS,
)
from scalar_nn.toolkit.wide_binary import (  # noqa: F401
    AMPLITUDE,
    BACKGROUND_HIGH,
    BACKGROUND_LOW,
    BRIGHTNESS,
    GRID_WIDTH,
    KNOT_SPACING,
    LABEL_FLIP,
    NOISE_CENTRE,
    NOISE_SCALE,
    WB_BACKGROUND,
    WB_BRIGHTNESS,
    WB_CLASS,
    WB_DIRECTION,
    WB_FLIP,
    WB_NOISE,
    WIDE_BINARY,
)
from scalar_nn.toolkit import splits as _splits
from scalar_nn.toolkit.checks import check_int, check_number

from .. import rng


def linspace(start, stop, n):
    """x_i = i * (stop - start) / (n - 1) + start, the scalar twin's expression, as an array."""
    n = check_int("n", n, 0)
    if n == 1:
        return np.array([float(start)])
    return np.arange(n) * (stop - start) / (n - 1) + start


def people():
    """The four people of the 2-2-1 tutorial: X (4, 2), Y (4, 1); see the scalar twin."""
    return _as_arrays(*_scalar.people())


def sine3d(n=1000, seed=0):
    """x ~ U(-1,1)^3, y = sin(3 x1) + x2^2 cos(3 x3): X (n, 3), Y (n, 1)."""
    return _as_arrays(*_scalar.sine3d(n, seed))


def swish_regression(n=400, seed=0, features=8, scale=1.5, amplitude=2.0):
    """The Overclock recipe's regression: X (n, features), Y (n, 1); see the scalar twin."""
    return _as_arrays(*_scalar.swish_regression(n, seed, features, scale, amplitude))


def spiral(n_per_class=100, classes=3, seed=0, variant="nnfs"):
    """The nnfs / CS231n spiral: X (n*classes, 2), int64 labels (n*classes,)."""
    return _as_arrays(*_scalar.spiral(n_per_class, classes, seed, variant))


def moons(n=200, noise=0.1, seed=0):
    """Two interleaving half circles (like make_moons): X (n, 2), int64 labels (n,)."""
    return _as_arrays(*_scalar.moons(n, noise, seed))


def circles(n=200, noise=0.05, factor=0.5, seed=0):
    """A circle inside a circle (like make_circles): X (n, 2), int64 labels (n,)."""
    return _as_arrays(*_scalar.circles(n, noise, factor, seed))


def _smooth_field(key, features, low, high):
    """Bilinear interpolation of knots every 8 pixels, for all pixels at once.

    Same knots and the same expression as the scalar twin:
    F = (1 - fy) * ((1 - fx) K[r0, q0] + fx K[r0, q0+1]) + fy * ((1 - fx) K[r0+1, q0] + fx K[r0+1, q0+1]).
    """
    rows = (features - 1) // GRID_WIDTH + 1
    n_rows = (rows - 1) // KNOT_SPACING + 2
    n_cols = (GRID_WIDTH - 1) // KNOT_SPACING + 2
    K = low + (high - low) * rng.uniform(key, np.arange(n_rows * n_cols)).reshape(n_rows, n_cols)
    p = np.arange(features)
    r, q = p // GRID_WIDTH, p % GRID_WIDTH
    r0, q0 = r // KNOT_SPACING, q // KNOT_SPACING
    fy, fx = (r % KNOT_SPACING) / KNOT_SPACING, (q % KNOT_SPACING) / KNOT_SPACING
    top = (1 - fx) * K[r0, q0] + fx * K[r0, q0 + 1]
    bottom = (1 - fx) * K[r0 + 1, q0] + fx * K[r0 + 1, q0 + 1]
    return (1 - fy) * top + fy * bottom


def _noise_sums(key, start, count):
    """Byte sums of noise entries start .. start+count-1, as a uint16 array.

    Entry k is half of ``bits(key, k // 2)`` (low 32 bits for even k, high for
    odd k), and its value is the sum of that half's four bytes.  Viewing the
    64-bit words as little-endian bytes puts them in exactly this order:
    bytes 0-3 of word w are entry 2w, bytes 4-7 entry 2w + 1.
    """
    first, last = start // 2, (start + count - 1) // 2
    words = rng.bits(key, np.arange(first, last + 1, dtype=np.uint64))
    quads = words.astype("<u8", copy=False).view(np.uint8).reshape(-1, 4)
    quads = quads[start % 2:start % 2 + count]
    sums = quads[:, 0].astype(np.uint16)
    sums += quads[:, 1]
    sums += quads[:, 2]
    sums += quads[:, 3]
    return sums


def wide_binary(n=10000, seed=0, features=3072):
    """The CIFAR-shaped binary task of the scalar twin, bit-identical, without loops.

    x_ip = clip((T_c(p) + e_ip) + b_i, 0, 1) for all i, p at once: the noise
    of all n * features pixels comes from one call of ``_noise_sums``.
    Returns X (n, features) float64 and Y (n, 1) float64 (0.0 or 1.0).
    """
    n = check_int("n", n, 1)
    seed = check_int("seed", seed)
    features = check_int("features", features, 1)
    k_background, k_direction, k_class, k_flip, k_brightness, k_noise = [
        rng.key_for(seed, rng.DATA, WIDE_BINARY, sub)
        for sub in (WB_BACKGROUND, WB_DIRECTION, WB_CLASS, WB_FLIP, WB_BRIGHTNESS, WB_NOISE)
    ]
    B = _smooth_field(k_background, features, BACKGROUND_LOW, BACKGROUND_HIGH)
    D = _smooth_field(k_direction, features, -1.0, 1.0)
    T = np.stack([B + (sign * AMPLITUDE) * D for sign in (-1.0, 1.0)])
    i = np.arange(n)
    c = (rng.uniform(k_class, i) < 0.5).astype(np.int64)
    flipped = rng.uniform(k_flip, i) < LABEL_FLIP
    b = BRIGHTNESS * (2.0 * rng.uniform(k_brightness, i) - 1.0)
    X = _noise_sums(k_noise, 0, n * features).astype(np.float64).reshape(n, features)
    X -= NOISE_CENTRE            # exact: small integers
    X *= NOISE_SCALE             # e_ip
    X += T[c]                    # T_c(p) + e_ip
    X += b[:, None]              # ... + b_i
    np.clip(X, 0.0, 1.0, out=X)
    Y = np.where(flipped, 1 - c, c).astype(np.float64).reshape(n, 1)
    return X, Y


def train_val_split(X, Y, val_fraction, seed):
    """The one split (``scalar_nn.toolkit.splits``) on X and Y as arrays: (Xtr, Ytr, Xval, Yval)."""
    return _splits.train_val_split(np.asarray(X), np.asarray(Y), val_fraction, seed)


def standardize(X):
    """Columns to mean 0, std 1 (population std; constant columns only centred).

    The project's one standardizer, ``scalar_nn.toolkit.scaling`` (overflow-safe:
    each column scaled by a power of two first), so equal to the scalar twin's.
    """
    from scalar_nn.toolkit.scaling import standardize as overflow_safe
    X = np.asarray(X, dtype=np.float64)
    if len(X) == 0:
        raise ValueError("cannot standardize an empty data set")
    return np.array(overflow_safe(X.tolist()), dtype=np.float64).reshape(X.shape)


def _as_arrays(X, Y):
    """Scalar-twin lists -> (float64 X (m, n_0), float64 Y (m, k) or int64 labels (m,))."""
    X = np.asarray(X, dtype=np.float64)
    if len(Y) and isinstance(Y[0], (list, tuple)):
        return X, np.asarray(Y, dtype=np.float64)
    return X, np.asarray(Y, dtype=np.int64)


def load_digits():
    """scikit-learn's digits, pixels / 16: X (1797, 64), int64 labels (1797,)."""
    return _as_arrays(*_scalar.load_digits())


def load_breast_cancer():
    """scikit-learn's breast cancer data, standardized: X (569, 30), Y (569, 1)."""
    return _as_arrays(*_scalar.load_breast_cancer())


def load_diabetes():
    """scikit-learn's diabetes data, features and target standardized: X (442, 10), Y (442, 1)."""
    return _as_arrays(*_scalar.load_diabetes())


# name -> generator, for the command line: the same names as the scalar twin.
DATASETS = {
    "people": people,
    "sine3d": sine3d,
    "swish_regression": swish_regression,
    "spiral": spiral,
    "moons": moons,
    "circles": circles,
    "wide_binary": wide_binary,
    "digits": load_digits,
    "breast_cancer": load_breast_cancer,
    "diabetes": load_diabetes,
}
