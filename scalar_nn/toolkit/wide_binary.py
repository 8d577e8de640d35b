"""wide_binary: a synthetic binary task shaped like CIFAR images (3072 values per sample).

The benchmark-sized data set of ``datasets.py``, apart because it is big:
its generative model, its constants and its generator (pure Python, ~40 s
for the full 10000 x 3072).  ``vector_nn.toolkit.datasets.wide_binary``
evaluates the same expressions on whole arrays, bit for bit.
"""

from .. import rng
from .checks import check_int

# The data set's id: the third part of its keys (the other ids are in datasets.py).
WIDE_BINARY = 5


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
