"""Shared inputs and tolerances of the per-function parity files (scalar vs plain vs fast).

Not a test file: test_linalg, test_activations, test_losses, test_layers,
test_optim, test_init_rng, test_mlp (here) and twins/test_fast_kernels.py
import their Hypothesis strategies, comparison helpers and rounding bounds
from this module, so each bound is written once.

Tolerances.  ``EPS = 2**-52`` is the spacing of floats at 1 (u = EPS/2 the
unit roundoff).  Each bound is the rounding analysis of the two
computations, never a fudge factor:

* **exact** (``==``): the same IEEE operations in the same order, e.g.
  ``2 (Z - Y) / N``, dropout's ``A * M / (1 - p)``, the batch statistics
  (NumPy reduces axis 0 of a C-ordered array row after row, the order of the
  scalar loop), ``relu``.  These are asserted bit for bit.
* **sums** (``dot``, ``matmul``, the affine layer, ``sum_squares``): BLAS
  may reorder a sum and use fused multiply-adds.  Each twin is then within
  ``gamma_n sum_i |u_i v_i|`` of the exact sum (``gamma_n = n u / (1 - n u)``,
  Higham, Accuracy and Stability, 3.1), so they are within twice that of
  each other: ``n EPS sum |u_i v_i|`` (+ ``EPS |c|`` for an added bias;
  ``sum_bound``).
* **elementary functions** (``exp``, ``log1p``, ``tanh``): NumPy's loops and
  the C library are each faithfully rounded (< 1 ulp), not always to the
  same neighbour; the bound propagates those few ulp through the formula,
  e.g. ``s (1 - s)`` inherits the absolute error of ``s``, and swish's
  ``z (1 - s)`` multiplies it by ``|z|``.  With every bound of this kind
  halved, stress runs of these tests (1 500 examples a test) found no
  difference over it: the constants (4, 8 ulp) are at least twice what
  was seen.  The summation bounds are worst cases, not estimates.
* a product that lands among the subnormals is rounded to a multiple of
  2**-1074, so one rounding there is worth 2**-1074, not EPS |x| (``ulps``).
"""

import numpy as np
from hypothesis import strategies as st

import vector_nn.activations as v_act
from scalar_nn.conventions import HIDDEN_ACTIVATIONS

EPS = 2.0 ** -52
TINY = 2.3e-308          # the fast sigmoid's 0 where sigmoid gives e^z < TINY (z < -709.78)
SUBNORMAL = 2.0 ** -1074  # the spacing of floats below 2**-1022: one rounding there is this, not EPS |x|

NAMES = list(HIDDEN_ACTIVATIONS)


def floats(bound):
    return st.floats(-bound, bound, allow_nan=False, allow_infinity=False)


@st.composite
def matrix(draw, bound=10.0, rows=(1, 5), cols=(1, 5), shape=None):
    """A matrix (list of rows of floats) drawn by hypothesis; ``shape`` fixes (m, n)."""
    m, n = shape if shape is not None else (draw(st.integers(*rows)), draw(st.integers(*cols)))
    return [draw(st.lists(floats(bound), min_size=n, max_size=n)) for _ in range(m)]


@st.composite
def matrix_pair(draw, bound=10.0):
    """(A, B) with A (m, n) and B (n, p): a matrix product's operands."""
    m, n, p = draw(st.integers(1, 5)), draw(st.integers(1, 6)), draw(st.integers(1, 5))
    return draw(matrix(bound, shape=(m, n))), draw(matrix(bound, shape=(n, p)))


@st.composite
def same_shape(draw, count, bound=10.0, rows=(1, 5)):
    """``count`` matrices of one (m, n) shape."""
    m, n = draw(st.integers(*rows)), draw(st.integers(1, 5))
    return [draw(matrix(bound, shape=(m, n))) for _ in range(count)]


def arr(x):
    return np.array(x, dtype=np.float64)


def assert_equal(scalar, vector, what=""):
    """Bit for bit: the same numbers, the same shape."""
    assert np.asarray(vector).tolist() == scalar, what


def assert_within(scalar, vector, bound, what=""):
    """|scalar - vector| <= bound entrywise (bound: an array of the shape, or a number)."""
    a, b = arr(scalar), np.asarray(vector, dtype=np.float64)
    assert a.shape == b.shape, (what, a.shape, b.shape)
    diff = np.abs(a - b)
    bad = diff > bound
    assert not bad.any(), "%s: |diff| %s over the bound %s at %s" % (
        what, diff[bad][:3], np.broadcast_to(bound, diff.shape)[bad][:3], np.argwhere(bad)[:3].tolist())


def sum_bound(n, abs_sum):
    """How far two orders of an n-term sum may be apart: n EPS sum|terms|, plus n subnormal roundings."""
    return n * (EPS * abs_sum + SUBNORMAL)


def ulps(x, k):
    """k ulp of |x| as an absolute bound: k EPS |x|, and at least k ulp of a subnormal (2**-1074)."""
    return k * np.maximum(EPS * np.abs(arr(x)), SUBNORMAL)


# ----------------------------------------------------------------------- activations' bounds
def activation_bound(name, Z, k):
    """k ulp of what act(Z) may differ by: through exp for sigmoid/swish, tanh's own rounding."""
    Z = arr(Z)
    if name in ("relu", "linear"):
        return 0.0
    if name == "sigmoid":
        return ulps(v_act.sigmoid(Z), k)                      # relative: exp's error enters a ratio
    if name == "tanh":
        return ulps(np.tanh(Z), k)
    return ulps(np.abs(Z) * v_act.sigmoid(Z), k)              # swish = z s(z)


def prime_bound(name, Z, k):
    """k ulp of act'(Z)'s possible difference: the absolute error of s (or t) carried through."""
    Z = arr(Z)
    if name in ("relu", "linear"):
        return 0.0
    if name in ("sigmoid", "tanh"):
        return k * EPS * np.ones_like(Z)      # s(1 - s), 1 - t^2: |d/ds| <= 1 (2 for tanh) times ulp(1)
    return k * EPS * (1.0 + np.abs(Z))        # s (1 + z (1 - s)): the error of s times |z|
