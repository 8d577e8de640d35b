"""Exact mode: the vector twin, reproducing the scalar twin bit for bit.

The plain vector twin differs from the scalar twin by rounding only, from two
sources (docs/PARITY.md): the *order of the sums* (BLAS blocks and reorders
``@``, ``.sum()`` is pairwise) and the *elementwise functions* (NumPy's SIMD
exp/log/log1p/tanh are not glibc's ``math`` functions, to an ulp or so).
Exact mode removes both:

* **Sums in the scalar twin's order.**  ``matmul(A, B)`` adds the products
  ``A[:, k] * B[k, :]`` for k = 0, 1, ... into a zero matrix: entry (i, j)
  is then ``((0.0 + a_i0 b_0j) + a_i1 b_1j) + ...``, exactly the scalar
  twin's ``dot`` (``total = 0.0; total += a * b``).  It is a Python loop over
  the contraction length only (products built a chunk of k's at a time),
  each iteration one vectorised update of the whole (m, p) output.  Column
  sums, the losses, ``sum_squares`` and the per-row sums of softmax follow
  the scalar twin's loops the same way (see each function).
* **Elementwise functions that equal ``math``'s.**  At import (the first
  time a network is built with ``exact=True``) ``self_check`` compares NumPy's exp, log,
  log1p, tanh and sqrt with ``math``'s on a fixed probe set.  A function that
  matches on every probe is used as NumPy's ufunc; one that differs is
  replaced by the documented slow path: ``math``'s function applied element
  by element (``np.fromiter(map(math.f, ...))``, see ``elementwise``), which
  is by construction what the scalar twin computes.  ``report()`` says
  which is which; docs/PARITY.md gives the findings on this machine.

Exact mode is a backend (``ExactArrays``, the object ``EXACT``): the plain
twin's code takes exactly these operations -- every sum and exp, log, log1p,
tanh -- from its network's backend ``net.xp`` (``linalg.Arrays``), and
``MLP(..., exact=True)`` (``vector_nn.mlp.MLP`` and the engine
``vector_nn.fast.MLP``) holds ``EXACT`` there instead of NumPy's ``NUMPY``.
Everything else -- every line of ``layers.py``, ``mlp.py``, the elementwise
formulas of ``activations.py`` and ``losses.py``, ``optim.py`` -- is the
plain twin's own code, run as written, per network: a plain and an exact
network live side by side.  There is no second copy of the network's
formulas to drift from the first; the parity suite's ``==`` checks keep the
claim honest (``parity_tests/twins/test_exact.py``), and a house test holds
the plain modules to calling no sum or transcendental function around the
backend.

What cannot be fixed this way is said plainly: ``report().exact`` is False
(and ``report()`` names the reason) if ``np.sqrt`` differs from
``math.sqrt`` (the optimizer and BatchNorm call it directly; IEEE 754
requires it correctly rounded, so this would be a broken platform).
"""

import math
import sys

import numpy as np

from . import losses as _losses
from .linalg import Arrays

# ---------------------------------------------------------------- self-check
FUNCTIONS = ("exp", "log", "log1p", "tanh", "sqrt")
PROBES_PER_FUNCTION = 4096


def probes(name):
    """The fixed probe set of one function: random points of its domain in the twins plus edge values.

    exp: [-50, 0] (every exponent in the twins is <= 0) and [-745, 709];
    log: [1, 64] (log-sum-exp's argument) and 10^[-300, 300]; log1p: (0, 1]
    (softplus's argument) and [-0.9, 10]; tanh: [-20, 20] and +-10^[-12, 1];
    sqrt: [1e-5, 100] and 10^[-300, 300].  Drawn from a fixed seed.
    """
    g = np.random.Generator(np.random.PCG64(20261201 + FUNCTIONS.index(name)))
    n = PROBES_PER_FUNCTION // 2
    wide = 10.0 ** g.uniform(-300, 300, n)
    if name == "exp":
        parts = [g.uniform(-50.0, 0.0, n), g.uniform(-745.0, 709.0, n), [0.0, -0.0, -1e-300, -745.13]]
    elif name == "log":
        parts = [g.uniform(1.0, 64.0, n), wide, [1.0, 2.0, 1.0 + 2.0 ** -52]]
    elif name == "log1p":
        parts = [g.uniform(0.0, 1.0, n), g.uniform(-0.9, 10.0, n), [0.0, 1.0, 1e-300, 2.0 ** -52]]
    elif name == "tanh":
        small = 10.0 ** g.uniform(-12, 1, n // 2)
        parts = [g.uniform(-20.0, 20.0, n), small, -small, [0.0, -0.0, 19.1, -19.1, 1e-300]]
    else:
        parts = [g.uniform(1e-5, 100.0, n), wide, [0.0, 1.0, 2.0, 1e-5]]
    return np.concatenate([np.asarray(p, dtype=np.float64) for p in parts])


MEMO = 4     # results the slow path remembers (see ``elementwise``)


def elementwise(f):
    """The slow path: ``math``'s function ``f`` applied to every entry of an array (shape kept).

    The twins evaluate some functions twice on the same entries: tanh(Z) in
    the forward pass and again in tanh'(Z), exp(-|Z|) in sigmoid and again
    in sigmoid' and swish'.  So the slow path remembers its last ``MEMO``
    results, keyed by the input's bits: a repeated input costs one bitwise
    comparison instead of a math call per entry (same bits in, same bits out:
    the function is pure).  The memo is a cache of a pure function, shared by
    every exact network: its entries are never changed and a miss only
    recomputes, so networks and threads that share it get the same values.
    """
    memo = []

    def apply(x):
        x = np.asarray(x, dtype=np.float64)
        flat = np.ascontiguousarray(x).ravel()
        key = (x.shape, flat.tobytes())                           # the input's bits
        for seen, result in memo:
            if seen == key:
                return result.copy()
        result = np.fromiter(map(f, memoryview(flat)), dtype=np.float64, count=x.size).reshape(x.shape)
        memo.insert(0, (key, result))
        del memo[MEMO:]
        return result.copy()

    apply.__name__ = "math_" + f.__name__
    apply.__doc__ = "math.%s element by element (the exact mode's slow path)." % f.__name__
    return apply


class SelfCheck:
    """The result of ``self_check``: per function, how many probes differ and what exact mode uses.

    ``mismatches[name]`` is the number of probes x where NumPy's and math's
    results differ in any bit (NaN counts as equal to NaN); ``chosen[name]`` the
    function exact mode uses; ``exact`` False when a difference cannot be
    worked around (``problems`` says which); ``sums`` how Python's ``sum()``
    of floats (used by the scalar twin's softmax and L2 penalty) is matched.
    """

    def __init__(self):
        self.mismatches, self.examples, self.chosen, self.problems = {}, {}, {}, []
        self.probes = {}
        self.sums = ""

    @property
    def exact(self):
        return not self.problems

    def slow_paths(self):
        """The functions that run element by element through ``math``."""
        return [name for name in FUNCTIONS if self.mismatches.get(name)]

    def lines(self):
        """The self-check as readable lines (the CLI prints them in ``--exact`` headers)."""
        out = []
        for name in FUNCTIONS:
            bad, n = self.mismatches[name], self.probes[name]
            if not bad:
                out.append("np.%-5s = math.%-5s on all %d probes: NumPy's ufunc is used" % (name, name, n))
            elif name in self.chosen:
                x, a, b = self.examples[name]
                out.append("np.%-5s differs from math.%s on %d of %d probes (e.g. x=%r: %r vs %r): "
                           "math.%s element by element (slow path)" % (name, name, bad, n, x, a, b, name))
            else:
                out.append("np.%-5s differs from math.%s on %d of %d probes: NOT EXACT" % (name, name, bad, n))
        out.append(self.sums)
        if self.exact:
            out.append("exact mode: bit-identical to scalar_nn (0 ulp) wherever these probes speak for "
                       "the inputs met")
        else:
            out.append("exact mode is NOT exact on this platform: %s" % "; ".join(self.problems))
        return out

    def __repr__(self):
        return "SelfCheck(exact=%s, slow paths=%s)" % (self.exact, self.slow_paths())


def _same_bits(a, b):
    """Entry-wise: a and b are the same float64 (NaN equals NaN, 0.0 differs from -0.0)."""
    return (a.view(np.int64) == b.view(np.int64)) | (np.isnan(a) & np.isnan(b))


def self_check():
    """Compare np.exp, np.log, np.log1p, np.tanh, np.sqrt with math's on ``probes``; returns a SelfCheck."""
    check = SelfCheck()
    for name in FUNCTIONS:
        x = probes(name)
        f = getattr(math, name)
        with np.errstate(all="ignore"):
            ours = getattr(np, name)(x)
        theirs = np.array([_math_or_special(f, v) for v in x.tolist()], dtype=np.float64)
        same = _same_bits(ours, theirs)
        check.probes[name] = x.size
        check.mismatches[name] = int((~same).sum())
        if same.all():
            check.chosen[name] = getattr(np, name)
            continue
        i = int(np.argmin(same))
        check.examples[name] = (float(x[i]), float(ours[i]), float(theirs[i]))
        if name == "sqrt":          # called directly by BatchNorm and Adam: no substitute here
            check.problems.append("np.sqrt differs from math.sqrt (%d of %d probes)"
                                  % (check.mismatches[name], x.size))
        else:
            check.chosen[name] = elementwise(f)
    if sys.version_info >= (3, 12):
        check.sums = ("sum() of floats is compensated on Python %d.%d: the scalar twin's sum() calls are "
                      "reproduced by calling sum() per row (slow path)" % sys.version_info[:2])
    else:
        check.sums = ("sum() of floats adds left to right on Python %d.%d: reproduced by ordered "
                      "vectorised sums" % sys.version_info[:2])
    return check


def _math_or_special(f, v):
    """math's f(v), with math's exceptions (overflow, domain) turned into what the twins never meet: NaN."""
    try:
        return f(v)
    except (OverflowError, ValueError):
        return math.nan


CHECK = self_check()


def report():
    """The self-check of this process (run once, at import)."""
    return CHECK


# ---------------------------------------------------------------- ordered sums
def ordered_sum(A, axis=None):
    """Sums in the scalar twin's loop order: 0.0, then + the first term, + the next, ...

    ``axis=None``: every entry in row-major order (the losses' double loop);
    ``axis=0``: down each column, rows in order (``column_sums``); ``axis=1``:
    along each row (``dot`` of a row with itself, ``sum(e)`` of one row).
    ``np.add.accumulate`` is sequential by definition (output i is output i-1
    plus term i), so its last entry is the loop's result without the leading
    0.0; adding 0.0 at the end restores that 0.0: a left-to-right sum from 0.0
    is never -0.0 and 0.0 + x is x otherwise, so ``acc + 0.0`` is exactly the
    scalar twin's ``total``.
    """
    A = np.asarray(A, dtype=np.float64)
    if axis is None:
        A, axis = A.ravel(), 0
    if A.shape[axis] == 0:
        return np.zeros(np.delete(A.shape, axis)) if A.ndim > 1 else 0.0
    return np.take(np.add.accumulate(A, axis=axis), -1, axis=axis) + 0.0


def python_sum_rows(A):
    """Python's ``sum(row)`` of every row of A, as the scalar twin's softmax calls it.

    Up to Python 3.11 ``sum()`` of floats adds left to right from 0 (0 + x is
    0.0 + x): an ordered row sum.  From 3.12 it is compensated (Neumaier), so
    it is called row by row there (a slow path over the rows).
    """
    if sys.version_info >= (3, 12):
        return np.array([sum(row) for row in A.tolist()], dtype=np.float64)
    return ordered_sum(A, axis=1)


# ---------------------------------------------------------------- linalg
TERMS_PER_CHUNK = 1 << 15      # matmul builds this many products at once, then adds them in order
SMALL_OUTPUT = 256             # C with at most this many entries: the adds run inside np.add.accumulate
ROW_BLOCK = 8192               # larger C: blocks of rows with at most this many entries, one at a time


def matmul(A, B):
    """C = A @ B with every entry summed as the scalar twin's ``dot``: 0.0 + a_0 b_0 + a_1 b_1 + ...

    The products of a chunk of k's are built in one vectorised multiply, term
    k of every entry being ``A[:, k] (column) * B[k, :] (row)``, and added to
    C in k order, one vectorised update of all of C per k: ``C += term``; C
    starts as ``term_0 + 0.0``, the scalar twin's ``total = 0.0`` plus its
    first product.  A large C is computed in blocks of rows that stay in the
    cache while their K terms are added (each entry's sum is its own, so
    blocking changes no order).  A small C with long sums (an output layer, a
    first layer's dW) goes to ``_matmul_small``.
    """
    m, K = A.shape
    p = B.shape[1]
    if m * p <= SMALL_OUTPUT:
        return _matmul_small(A, B)
    if m * p > ROW_BLOCK and m > 1:
        rows = max(1, ROW_BLOCK // p)
        return np.concatenate([matmul(A[i:i + rows], B) for i in range(0, m, rows)])
    AT = np.ascontiguousarray(A.T)
    chunk = max(1, TERMS_PER_CHUNK // (m * p))
    terms = AT[:chunk, :, None] * B[:chunk, None, :]                  # (k, m, p): one (m, p) term per k
    C = terms[0] + 0.0
    for term in terms[1:]:
        C += term
    for k0 in range(chunk, K, chunk):
        for term in AT[k0:k0 + chunk, :, None] * B[k0:k0 + chunk, None, :]:
            C += term
    return C


def _matmul_small(A, B):
    """``matmul`` for a small C: the same adds in the same order, inside ``np.add.accumulate`` along k.

    Accumulate is sequential by definition (output k is output k-1 plus term
    k); the sums so far (zeros at first) are added to each chunk's first term.
    """
    m, K = A.shape
    p = B.shape[1]
    A, BT = np.ascontiguousarray(A), np.ascontiguousarray(B.T)      # a fast broadcast multiply
    C = np.zeros((m, p))
    chunk = max(1, TERMS_PER_CHUNK // (m * p))
    for k0 in range(0, K, chunk):
        terms = A[:, None, k0:k0 + chunk] * BT[None, :, k0:k0 + chunk]   # (m, p, k): k along the last axis
        terms[:, :, 0] += C
        C = np.add.accumulate(terms, axis=2)[:, :, -1]
    return C


def column_sums(A):
    """s[j] = 0.0 + A[0][j] + A[1][j] + ..., rows in order (the scalar twin's loop)."""
    return ordered_sum(A, axis=0)


def column_means(A):
    """column_sums(A) / m, as the scalar twin divides each sum by m."""
    return column_sums(A) / A.shape[0]


def sum_squares(A):
    """||A||^2 as the scalar twin: dot(A, A) of a vector; Python's sum() of the rows' dots of a matrix."""
    A = np.asarray(A, dtype=np.float64)
    if A.ndim == 1:
        return float(ordered_sum(A * A))
    return sum(ordered_sum(A * A, axis=1).tolist())


# ---------------------------------------------------------------- the backend
class ExactArrays(Arrays):
    """Exact mode's backend: every primitive of ``linalg.Arrays`` as the scalar twin computes it.

    The plain twin's code (``layers.py``, ``activations.py``, ``losses.py``,
    ``mlp.py``) takes its sums and its exp/log/log1p/tanh from the network's
    backend ``net.xp``; a network built with ``exact=True`` holds this one.
    The elementwise functions are the self-check's choices (``report()``).
    """

    name = "exact"
    exact = True

    matmul = staticmethod(matmul)
    column_sums = staticmethod(column_sums)
    column_means = staticmethod(column_means)
    total = staticmethod(ordered_sum)
    row_sums = staticmethod(python_sum_rows)
    sum_squares = staticmethod(sum_squares)

    def __init__(self, check):
        self.exp, self.log, self.log1p, self.tanh = (check.chosen[f] for f in ("exp", "log", "log1p", "tanh"))
        self.check = check


EXACT = ExactArrays(CHECK)


def softmax_row(z):
    """Row-wise softmax as the scalar twin computes it (``losses.softmax_row`` on the exact backend)."""
    return _losses.softmax_row(z, EXACT)


def logsumexp_row(z):
    """Row-wise log-sum-exp as the scalar twin computes it (``losses.logsumexp_row`` on the exact backend)."""
    return _losses.logsumexp_row(z, EXACT)
