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
"""

import math

from .. import rng
from .validation import check_choice, check_int, check_number

# Dataset ids: the third part of every data key, so that two data sets drawn
# with the same seed never share random numbers.
SINE3D = 1
SPIRAL = 2
MOONS = 3
CIRCLES = 4
WIDE_BINARY = 5
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
# wide_binary: a CIFAR-shaped binary task
# --------------------------------------------------------------------------
#
# Generative model.  A sample is an "image" of ``features`` values (3072 =
# 32 x 32 x 3, stored like CIFAR-10: the red plane, then green, then blue,
# each row by row).  Laid out as a grid 32 values wide (96 rows for 3072:
# the three colour planes stacked), sample i with true class c_i in {0, 1} is
#
#     x_ip = clip( T_c(p) + e_ip + b_i , 0, 1 )
#     T_c(p) = B(p) + s_c * AMPLITUDE * D(p),    s_0 = -1, s_1 = +1
#
# * B, the background, and D, the class direction, are smooth random fields:
#   bilinear interpolation of knot values placed every 8 pixels along both
#   axes of the grid (B's knots ~ U(0.3, 0.7), D's ~ U(-1, 1)).  They depend
#   on the seed, like the rest of the data.
# * e_ip is per-pixel noise: the sum of four independent bytes (uniform on
#   0..255, Irwin-Hall, close to a Gaussian) centred at 0 and scaled, so
#   std(e) = 0.144 and |e| < 0.5.
# * b_i ~ U(-0.1, 0.1) is a per-image brightness shift (a nuisance).
# * the true class is a fair coin; the reported label is flipped with
#   probability LABEL_FLIP = 3 % (label noise: nobody can exceed ~97 %).
#
# Why it is learnable: given the class, x is (up to the rare clipping) the
# class template plus noise, so the Bayes classifier is a linear one,
# w = Sigma^{-1} D.  Per pixel the classes differ by 2 * 0.025 * |D(p)| <= 0.05
# against a noise of 0.144, but over 3072 pixels the evidence adds up:
# the class means lie sqrt(sum_p (2 * 0.025 * D(p))^2) / 0.144 ~ 7 noise
# standard deviations apart, so a linear score gets the true class right
# almost always and ~97 % of the (noisy) labels.  Ridge regression on 2000
# samples reaches ~95 %; the [3072, 15, 1] ReLU network with BCE, l2 1e-4,
# SGD lr 0.01 (momentum 0.9, dampening 0.9), batches of 200 passes 90 %
# validation accuracy after 10-15 epochs and ~96-97 % after 25.
# Why it is not trivial: one pixel alone separates the classes by less than
# 0.35 noise standard deviations (~55 % accuracy); the brightness shift,
# common to all pixels, swamps a class-mean difference estimated from a few
# samples; the network has to average many weak, noisy pixels and learn to
# ignore the brightness.
#
# Only integer operations on ``rng.bits`` and IEEE +, -, *, / and min/max are
# used (no log, cos or exp): those are correctly rounded, so the vector twin,
# which evaluates the same expressions on whole arrays, gets bit-identical
# values without a loop over samples or pixels.

GRID_WIDTH = 32          # values per grid row (a CIFAR image row)
KNOT_SPACING = 8         # pixels between knots of the smooth fields
BACKGROUND_LOW, BACKGROUND_HIGH = 0.3, 0.7
AMPLITUDE = 0.025        # half the class difference, in units of D
BRIGHTNESS = 0.1         # b_i ~ U(-BRIGHTNESS, BRIGHTNESS)
NOISE_CENTRE = 510       # mean of a sum of four bytes (4 * 127.5)
NOISE_SCALE = 0.25 / 256.0   # e = (sum - 510) * NOISE_SCALE, |e| < 0.5
LABEL_FLIP = 0.03

# Sub-streams of wide_binary (the fourth part of its keys).
WB_BACKGROUND = 1
WB_DIRECTION = 2
WB_CLASS = 3
WB_FLIP = 4
WB_BRIGHTNESS = 5
WB_NOISE = 6


def _smooth_field(key, features, low, high):
    """A smooth random pattern of ``features`` values: bilinear interpolation of knots.

    Pixel p sits at grid row r = p // 32 and column q = p % 32.  Knot (a, b)
    sits at row 8a, column 8b and has the value
    ``low + (high - low) * uniform(key, a * n_cols + b)``.  With
    r0 = r // 8, fy = (r % 8) / 8 (likewise q0, fx for the column)

        F(p) = (1 - fy) * ((1 - fx) K[r0][q0]   + fx K[r0][q0+1])
             +      fy  * ((1 - fx) K[r0+1][q0] + fx K[r0+1][q0+1])

    Neighbouring pixels get close values, as in a blurred image.  The
    fractions fy, fx are multiples of 1/8, exact in binary floating point.
    """
    rows = (features - 1) // GRID_WIDTH + 1
    n_rows = (rows - 1) // KNOT_SPACING + 2
    n_cols = (GRID_WIDTH - 1) // KNOT_SPACING + 2
    K = [[low + (high - low) * rng.uniform(key, a * n_cols + b) for b in range(n_cols)]
         for a in range(n_rows)]
    F = []
    for p in range(features):
        r, q = p // GRID_WIDTH, p % GRID_WIDTH
        r0, q0 = r // KNOT_SPACING, q // KNOT_SPACING
        fy, fx = (r % KNOT_SPACING) / KNOT_SPACING, (q % KNOT_SPACING) / KNOT_SPACING
        top = (1 - fx) * K[r0][q0] + fx * K[r0][q0 + 1]
        bottom = (1 - fx) * K[r0 + 1][q0] + fx * K[r0 + 1][q0 + 1]
        F.append((1 - fy) * top + fy * bottom)
    return F


def _noise_sums(key, start, count):
    """Byte sums for pixel noise: entries k = start .. start+count-1 of the noise stream.

    Entry k uses half of the 64-bit value ``bits(key, k // 2)``: the low 32
    bits for even k, the high 32 bits for odd k.  Its four bytes are four
    independent integers uniform on 0..255; their sum (0..1020, mean 510) is
    an Irwin-Hall variable, a cheap bell curve made by integer arithmetic only.
    """
    sums = []
    for k in range(start, start + count):
        half = (rng.bits(key, k // 2) >> (32 * (k % 2))) & 0xFFFFFFFF
        sums.append((half & 255) + ((half >> 8) & 255) + ((half >> 16) & 255) + (half >> 24))
    return sums


def wide_binary(n=10000, seed=0, features=3072):
    """A synthetic binary task shaped like CIFAR images (see the model above).

    x_ip = clip((T_c(p) + e_ip) + b_i, 0, 1), with c_i = [uniform(k_c, i) < 0.5],
    b_i = BRIGHTNESS * (2 uniform(k_b, i) - 1),
    e_ip = (byte sum of noise entry i * features + p - 510) * NOISE_SCALE,
    label y_i = 1 - c_i if uniform(k_f, i) < LABEL_FLIP else c_i,
    every key ``key_for(seed, DATA, WIDE_BINARY, <sub-stream>)``.

    Returns X (n x features, values in [0, 1]) and Y (n x 1, 0.0 or 1.0).
    The full 10000 x 3072 takes ~40 s in CPython (~12 s in PyPy) and ~1 GB of
    Python floats; the vector twin makes the same array in about a second.
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
    T = [[B[p] + (sign * AMPLITUDE) * D[p] for p in range(features)] for sign in (-1.0, 1.0)]
    X = []
    Y = []
    for i in range(n):
        c = 1 if rng.uniform(k_class, i) < 0.5 else 0
        flipped = rng.uniform(k_flip, i) < LABEL_FLIP
        b = BRIGHTNESS * (2.0 * rng.uniform(k_brightness, i) - 1.0)
        sums = _noise_sums(k_noise, i * features, features)
        row = []
        for p in range(features):
            e = (sums[p] - NOISE_CENTRE) * NOISE_SCALE
            row.append(min(max((T[c][p] + e) + b, 0.0), 1.0))
        X.append(row)
        Y.append([float(1 - c if flipped else c)])
    return X, Y


# --------------------------------------------------------------------------
# Train / validation split
# --------------------------------------------------------------------------

def train_val_split(X, Y, val_fraction, seed):
    """Split rows into a training and a validation part, at random but reproducibly.

    order = permutation(n, key_for(seed, SPLIT)); the last round(n * val_fraction)
    indices of ``order`` go to validation, the others (in ``order``) to training.
    Python's ``round`` rounds halves to even (round(2.5) == 2).

    Returns (Xtr, Ytr, Xval, Yval); rows are copied.  0 <= val_fraction < 1,
    and at least one row must stay for training.
    """
    if len(X) != len(Y):
        raise ValueError("X has %d rows but Y has %d" % (len(X), len(Y)))
    n = len(X)
    if n == 0:
        raise ValueError("cannot split an empty data set")
    val_fraction = check_number("val_fraction", val_fraction, low=0.0, high=1.0, high_inclusive=False)
    seed = check_int("seed", seed)
    n_val = round(n * val_fraction)
    if n_val >= n:
        raise ValueError("val_fraction=%r leaves no training rows out of %d" % (val_fraction, n))
    order = rng.permutation(n, rng.key_for(seed, rng.SPLIT))
    train, val = order[:n - n_val], order[n - n_val:]

    def rows(data, idx):
        return [list(data[i]) if hasattr(data[i], "__len__") else data[i] for i in idx]

    return rows(X, train), rows(Y, train), rows(X, val), rows(Y, val)


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
