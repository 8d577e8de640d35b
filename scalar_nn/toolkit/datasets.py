"""Small, seeded data sets for the examples, the recipes and the benchmarks.

Every generator is deterministic: it draws only from ``scalar_nn.rng``, with
keys ``key_for(seed, DATA, <dataset id>, ...)``, so the same seed gives the
same numbers on any machine and in both twins (``vector_nn.toolkit.datasets`` either
converts these lists to arrays or, for ``wide_binary``, draws the very same
numbers in a vectorised way).

Every function returns ``(X, Y)``:

* ``X``: a list of ``m`` rows, each a list of ``n_0`` floats (shape ``(m, n_0)``);
* ``Y``: for regression and binary tasks a list of ``m`` rows of one float
  (shape ``(m, 1)``, ready for ``mse``/``bce``); for multi-class tasks a list
  of ``m`` integer class indices (ready for ``cross_entropy``).

The sklearn loaders at the end need the optional ``scikit-learn`` package
(``pip install twin-nn[compare]``); everything else is standard library only.
Two neighbours hold what is not a small generator: ``wide_binary.py`` the
benchmark-sized CIFAR-shaped set, ``splits.py`` the train / validation
split (both re-exported here: ``datasets.wide_binary``, ``datasets.train_val_split``).
"""

import math

from .. import rng
from .checks import check_choice, check_int, check_number
from .splits import train_val_split  # noqa: F401  (one split for both twins: splits.py)
from .wide_binary import WIDE_BINARY, wide_binary  # noqa: F401  (the big set has its own module)

# Dataset ids: the third part of every data key, so that two data sets drawn
# with the same seed never share random numbers.
SINE3D = 1
SPIRAL = 2
MOONS = 3
CIRCLES = 4
# WIDE_BINARY = 5 is wide_binary.py's
SWISH_REGRESSION = 6

# Sub-streams of one data set (the fourth part of the key).
NOISE = 1
SHUFFLE = 2


def linspace(start, stop, n):
    """``n`` evenly spaced floats from ``start`` to ``stop`` inclusive.

    x_i = i * (stop - start) / (n - 1) + start,   i = 0..n-1,
    and ``[start]`` when n == 1 (NumPy's convention).  Written out rather than
    borrowed so that both twins evaluate the very same expression.
    """
    n = check_int("n", n, 0)
    if n == 1:
        return [float(start)]
    return [i * (stop - start) / (n - 1) + start for i in range(n)]


# --------------------------------------------------------------------------
# The 2-2-1 network's four people
# --------------------------------------------------------------------------

PEOPLE_NAMES = ["Alice", "Bob", "Charlie", "Diana"]


def people():
    """The four people of the classic 2-2-1 network tutorial (victorzhou.com).

    Features are (weight - 135 lb, height - 66 in); the label is 1 for
    female, 0 for male.  Shifting by the means keeps the inputs near 0, where
    the sigmoid is steep and the network learns fast.

    Returns X (4 x 2) and Y (4 x 1), rows in the order of ``PEOPLE_NAMES``.
    """
    X = [[-2.0, -1.0],   # Alice
         [25.0, 6.0],    # Bob
         [17.0, 4.0],    # Charlie
         [-15.0, -6.0]]  # Diana
    Y = [[1.0], [0.0], [0.0], [1.0]]
    return X, Y


# --------------------------------------------------------------------------
# Regression: a smooth function of three inputs
# --------------------------------------------------------------------------

def sine3d(n=1000, seed=0):
    """A smooth regression target in three dimensions.

    x ~ U(-1, 1)^3, y = sin(3 x1) + x2^2 * cos(3 x3)   (x1, x2, x3 = columns 0, 1, 2).

    ``X[i][j] = 2 * uniform(key, 3 i + j) - 1`` with
    ``key = key_for(seed, DATA, SINE3D)``.  Returns X (n x 3) and Y (n x 1).
    The target needs curvature in every input, so a linear model cannot fit it.
    """
    n = check_int("n", n, 1)
    seed = check_int("seed", seed)
    key = rng.key_for(seed, rng.DATA, SINE3D)
    X = []
    Y = []
    for i in range(n):
        x = [2.0 * rng.uniform(key, 3 * i + j) - 1.0 for j in range(3)]
        X.append(x)
        Y.append([math.sin(3.0 * x[0]) + x[1] ** 2 * math.cos(3.0 * x[2])])
    return X, Y


def swish_regression(n=400, seed=0, features=8, scale=1.5, amplitude=2.0):
    """A smooth 8-input regression on which full-batch GD at lr 0.1 oscillates.

    x ~ U(-scale, scale)^8 and, with x1..x8 the columns,
    y = amplitude * (0.5 x1 - 0.3 x2 + 0.2 x3 + sin(1.5 x4) x5 + 0.3 x6 x7 - 0.2 x8^2).

    Why it oscillates: the spread of the inputs (scale 1.5) sets the
    curvature of the loss along the output weights of a Swish layer; at
    lr = 0.1 that curvature sits just above 2 / lr late in training, so the
    loss first falls, then swells for tens of epochs and falls again (the
    Overclock recipe's A/B experiment).  ``X[i][j] = scale * (2 u - 1)`` with
    ``u = uniform(key_for(seed, DATA, SWISH_REGRESSION), features * i + j)``.
    Returns X (n x features) and Y (n x 1).
    """
    n = check_int("n", n, 1)
    seed = check_int("seed", seed)
    features = check_int("features", features, 8)
    scale = check_number("scale", scale, low=0.0, low_inclusive=False)
    amplitude = check_number("amplitude", amplitude)
    key = rng.key_for(seed, rng.DATA, SWISH_REGRESSION)
    X, Y = [], []
    for i in range(n):
        x = [scale * (2.0 * rng.uniform(key, features * i + j) - 1.0) for j in range(features)]
        y = (0.5 * x[0] - 0.3 * x[1] + 0.2 * x[2] + math.sin(1.5 * x[3]) * x[4]
             + 0.3 * x[5] * x[6] - 0.2 * x[7] * x[7])
        X.append(x)
        Y.append([amplitude * y])
    return X, Y


# --------------------------------------------------------------------------
# Classification in the plane: spiral, moons, circles
# --------------------------------------------------------------------------

SPIRAL_VARIANTS = ("nnfs", "cs231n")


def spiral(n_per_class=100, classes=3, seed=0, variant="nnfs"):
    """Interleaved spiral arms, one per class (Neural Networks from Scratch).

    For class c = 0..classes-1 and i = 0..n-1 (n = n_per_class):

        r_i = linspace(0, 1, n)[i]
        t_i = linspace(4c, 4(c+1), n)[i] + 0.2 * normal(key, c n + i)
        point = (r_i sin(2.5 t_i), r_i cos(2.5 t_i))          variant "nnfs"
        point = (r_i sin(t_i),     r_i cos(t_i))              variant "cs231n"

    with ``key = key_for(seed, DATA, SPIRAL)``.  The radius grows from 0 to 1
    while the angle turns, so the classes wind around each other: no straight
    line separates them, which is the point of the exercise.  The "cs231n"
    variant (the original CS231n notes) turns 2.5 times less per class, so its
    arms are wider and easier.  Noise only perturbs the angle: every point
    lies at exactly its radius r_i.

    Returns X (n*classes x 2), rows grouped by class, and the list of labels.
    """
    n = check_int("n_per_class", n_per_class, 1)
    classes = check_int("classes", classes, 1)
    seed = check_int("seed", seed)
    check_choice("spiral variant", variant, SPIRAL_VARIANTS)
    turns = 2.5 if variant == "nnfs" else 1.0
    key = rng.key_for(seed, rng.DATA, SPIRAL)
    X = []
    y = []
    radii = linspace(0.0, 1.0, n)
    for c in range(classes):
        angles = linspace(4.0 * c, 4.0 * (c + 1), n)
        for i in range(n):
            r = radii[i]
            t = angles[i] + rng.normal(key, c * n + i) * 0.2
            X.append([r * math.sin(turns * t), r * math.cos(turns * t)])
            y.append(c)
    return X, y


def _noisy_shuffled(points, labels, noise, key):
    """Add N(0, noise^2) to every coordinate, then shuffle the rows.

    Coordinate j of point i gets ``noise * normal(key_for(key, NOISE), 2 i + j)``;
    the rows are then put in the order of ``permutation(m, key_for(key, SHUFFLE))``
    so that classes are mixed, as scikit-learn does by default.
    """
    noise_key = rng.key_for(key, NOISE)
    noisy = [[p[j] + noise * rng.normal(noise_key, 2 * i + j) for j in range(2)]
             for i, p in enumerate(points)]
    order = rng.permutation(len(points), rng.key_for(key, SHUFFLE))
    return [noisy[i] for i in order], [labels[i] for i in order]


def moons(n=200, noise=0.1, seed=0):
    """Two interleaving half circles, like scikit-learn's ``make_moons``.

    n_out = n // 2 points of class 0 on the upper half circle
        (cos a, sin a),            a = linspace(0, pi, n_out)
    n_in = n - n_out points of class 1 on a lower half circle shifted right
        (1 - cos a, 1 - sin a - 0.5),   a = linspace(0, pi, n_in)
    then Gaussian noise of standard deviation ``noise`` on every coordinate
    and a shuffle of the rows (``key_for(seed, DATA, MOONS)``).

    Returns X (n x 2) and the list of labels (0 or 1).  Needs n >= 2 so that
    both classes are present.
    """
    n = check_int("n", n, 2)
    noise = check_number("noise", noise, low=0.0)
    seed = check_int("seed", seed)
    n_out = n // 2
    n_in = n - n_out
    points = [[math.cos(a), math.sin(a)] for a in linspace(0.0, math.pi, n_out)]
    points += [[1.0 - math.cos(a), 1.0 - math.sin(a) - 0.5] for a in linspace(0.0, math.pi, n_in)]
    labels = [0] * n_out + [1] * n_in
    return _noisy_shuffled(points, labels, noise, rng.key_for(seed, rng.DATA, MOONS))


def _circle_angles(count):
    """``count`` angles 2 pi i / count, i = 0..count-1 (a full turn, endpoint excluded).

    This is ``linspace(0, 2 pi, count + 1)`` without its last value, as
    scikit-learn's ``linspace(..., endpoint=False)``.
    """
    return linspace(0.0, 2.0 * math.pi, count + 1)[:count]


def circles(n=200, noise=0.05, factor=0.5, seed=0):
    """A circle inside a circle, like scikit-learn's ``make_circles``.

    n_out = n // 2 points of class 0 on the unit circle, n_in = n - n_out
    points of class 1 on the circle of radius ``factor`` (0 <= factor < 1),
    each at the angles 2 pi i / count; then Gaussian noise of standard
    deviation ``noise`` on every coordinate and a shuffle of the rows
    (``key_for(seed, DATA, CIRCLES)``).  A linear model fails; one hidden
    layer learns the radius.

    Returns X (n x 2) and the list of labels (0 or 1).  Needs n >= 2.
    """
    n = check_int("n", n, 2)
    noise = check_number("noise", noise, low=0.0)
    factor = check_number("factor", factor, low=0.0, high=1.0, high_inclusive=False)
    seed = check_int("seed", seed)
    n_out = n // 2
    n_in = n - n_out
    points = [[math.cos(a), math.sin(a)] for a in _circle_angles(n_out)]
    points += [[math.cos(a) * factor, math.sin(a) * factor] for a in _circle_angles(n_in)]
    labels = [0] * n_out + [1] * n_in
    return _noisy_shuffled(points, labels, noise, rng.key_for(seed, rng.DATA, CIRCLES))


# --------------------------------------------------------------------------
# scikit-learn data sets (optional dependency)
# --------------------------------------------------------------------------

def _sklearn_datasets():
    """Import ``sklearn.datasets`` or explain how to install it."""
    try:
        from sklearn import datasets as skd
    except ImportError as err:
        raise ImportError(
            "this data set comes from scikit-learn, which is not installed: "
            "pip install 'twin-nn[compare]', or pip install scikit-learn"
        ) from err
    return skd


def standardize(X):
    """Scale every column to mean 0 and standard deviation 1.

    x'_ij = (x_ij - mean_j) / std_j, with the population std (divide by m).
    A constant column (std 0) is only centred.  Inputs of similar scale keep
    every weight's gradient of similar size, so one learning rate suits all.
    Returns a new list of rows.  Computed by ``scaling.standardize``, which
    scales each column by a power of two first, so no sum overflows.
    """
    from .scaling import standardize as overflow_safe          # the project's one standardizer
    return overflow_safe(X)


def _as_lists(array):
    """A NumPy array from scikit-learn as nested Python lists of floats."""
    return [[float(v) for v in row] for row in array]


def load_digits():
    """scikit-learn's 8 x 8 handwritten digits: 1797 samples, 64 features, 10 classes.

    Pixel values 0..16 are divided by 16 (to [0, 1]).  Returns X (1797 x 64)
    and the list of digit labels 0..9.
    """
    data = _sklearn_datasets().load_digits()
    X = [[float(v) / 16.0 for v in row] for row in data.data]
    return X, [int(v) for v in data.target]


def load_breast_cancer():
    """scikit-learn's Wisconsin breast cancer data: 569 samples, 30 features, binary.

    Features are standardized (``standardize``: their raw scales differ by four
    orders of magnitude).  Y (569 x 1) is 1.0 for benign, 0.0 for malignant
    (scikit-learn's target).
    """
    data = _sklearn_datasets().load_breast_cancer()
    return standardize(_as_lists(data.data)), [[float(v)] for v in data.target]


def load_diabetes():
    """scikit-learn's diabetes regression data: 442 samples, 10 features.

    Features are standardized; so is the target (disease progression, raw
    25..346), stored as Y (442 x 1) of mean 0 and std 1, so that an MSE near 1
    means "no better than predicting the mean".
    """
    data = _sklearn_datasets().load_diabetes()
    Y = standardize([[float(v)] for v in data.target])
    return standardize(_as_lists(data.data)), Y


# name -> generator, for the command line (``twin-nn ... --data NAME``).
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
