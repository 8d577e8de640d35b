"""Comparing two traces: group scales, the first divergence in causal order, measures, and the
assertions of one run (``check_run``)."""

import math
from collections import namedtuple

from .cases import excluded_labels, structural_zero_grads
from .record import group_of
from .tolerance import U, free_tolerance, lockstep_tolerance, update_allowance
from .ulp import ulp_distance


def group_scales(trace, A, B):
    """Per entry: max(|a|, |b|) over the entry's group at the same step, shape of A."""
    import numpy as np
    offs = trace.offsets()
    absmax = np.maximum(np.abs(A), np.abs(B))
    seg = np.maximum.reduceat(absmax, offs[:-1], axis=1) if A.shape[1] else absmax
    groups = [group_of(label) for label in trace.labels]
    per_group = {}
    for s, g in enumerate(groups):
        per_group[g] = np.maximum(per_group.get(g, 0.0), seg[:, s])
    seg_scale = np.stack([per_group[g] for g in groups], axis=1)
    return np.repeat(seg_scale, np.diff(offs), axis=1)


Measure = namedtuple("Measure", "max_rel max_scaled max_ulp identical entries worst used")
Measure.__new__.__defaults__ = (None,)          # used: max |a - b| / allowed, filled in by check_run


# Entries at least this fraction of their group's scale count for the
# relative-difference and ULP figures; below it a relative difference
# measures cancellation, not the twins (the normwise max_scaled covers them).
SIGNIFICANT = 1e-3


class Comparison:
    """Two traces side by side: differences, group scales, exclusions, computed once.

    ``exclude`` lists segment labels that are not compared (see
    ``excluded_params``); masks are compared exactly.  ``final`` is the
    Comparison of the after-run predictions (or None).
    """

    def __init__(self, ref, other, exclude=()):
        import numpy as np
        if ref.labels != other.labels or ref.shapes != other.shapes or ref.steps != other.steps:
            raise AssertionError("the traces record different things: %s %s vs %s %s" % (
                ref.labels, ref.shapes, other.labels, other.shapes))
        self.ref, self.other = ref, other
        A, B = ref.matrix(), other.matrix()
        self.A, self.B = A, B
        self.finite = np.isfinite(A) & np.isfinite(B)
        with np.errstate(invalid="ignore"):
            self.diff = np.where(self.finite, np.abs(A - B), np.inf)
        self.big = np.maximum(np.abs(A), np.abs(B))
        self.scale = group_scales(ref, A, B)
        self.compared = np.ones(A.shape[1], dtype=bool)
        self.exact = np.zeros(A.shape[1], dtype=bool)
        for label in ref.labels:
            if label in exclude:
                self.compared[ref.columns(label)] = False
            if label.startswith("mask") or label == "target":
                self.exact[ref.columns(label)] = True
        self.final = None
        if ref.final is not None and other.final is not None:
            self.final = Comparison(ref.final_trace(), other.final_trace(), exclude)

    def allowed(self, tol, extra=None):
        """The allowed |a - b| of every entry (0 for masks: they must be equal)."""
        allowed = tol.rtol * self.big + tol.atol_scale * self.scale
        if extra is not None:
            allowed += extra
        allowed[:, self.exact] = 0.0
        return allowed

    def first_divergence(self, tol, extra=None, names=("scalar", "vector")):
        """None, or the message naming the first entry (causal order) outside the tolerance."""
        import numpy as np
        allowed = self.allowed(tol, extra)
        bad = ~(self.diff <= allowed)
        bad |= np.isfinite(self.A) != np.isfinite(self.B)    # inf against a finite value: allowed is inf there
        bad[:, ~self.compared] = False
        if not bad.any():
            return self.final.first_divergence(tol, None, names) if self.final is not None else None
        t, col = np.argwhere(bad)[0]
        trace = self.ref
        offs = trace.offsets()
        s = int(np.searchsorted(offs, col, side="right") - 1)
        label, shape = trace.labels[s], trace.shapes[s]
        index = tuple(int(i) for i in np.unravel_index(int(col - offs[s]), shape)) if shape else ()
        where = "%s index %s" % (label, index) if index else label
        a, b = float(self.A[t, col]), float(self.B[t, col])
        if not (math.isfinite(a) and math.isfinite(b)):
            alike = (math.isnan(a) and math.isnan(b)) or a == b
            return "non-finite value at step %s, %s: %s=%r, %s=%r (the run diverged%s)" % (
                trace.steps[t], where, names[0], a, names[1], b,
                ": both twins alike, so the configuration is unstable" if alike else "")
        big = max(abs(a), abs(b))
        rel = abs(a - b) / big if big > 0 else 0.0
        return ("twins diverge at step %s, %s: %s=%r, %s=%r, |diff|=%.3e, relative difference %.3e "
                "(allowed %.3e: rtol %.2e, atol_scale %.2e x %s scale %.3e%s)" % (
                    trace.steps[t], where, names[0], a, names[1], b, abs(a - b), rel,
                    allowed[t, col], tol.rtol, tol.atol_scale, group_of(label), self.scale[t, col],
                    "" if extra is None else ", update allowance %.3e" % extra[t, col]))

    def usage(self, tol, extra=None):
        """max |a - b| / allowed over the compared entries (steps and predictions): < 1 passes."""
        import numpy as np
        allowed = self.allowed(tol, extra)
        keep = self.compared & ~self.exact
        d, a = self.diff[:, keep], allowed[:, keep]
        used = float(np.max(np.where(a > 0, d / np.where(a > 0, a, 1.0), np.where(d > 0, np.inf, 0.0)),
                            initial=0.0))
        return max(used, self.final.usage(tol)) if self.final is not None else used

    def measure(self):
        """How far apart the traces are (steps and the after-run prediction together).

        * max_scaled: max |a - b| / group scale over every compared entry (normwise);
        * max_rel: max |a - b| / max(|a|, |b|) over the significant entries
          (max(|a|, |b|) >= SIGNIFICANT * group scale);
        * max_ulp: max ULP distance over the significant entries;
        * identical: fraction of compared entries that are bit-identical;
        * entries: how many were compared; worst: (step, label) of max_rel.
        Masks (equal or not, checked exactly) are not counted.
        """
        import numpy as np
        keep = self.compared & ~self.exact
        diff, big, scale = self.diff[:, keep], self.big[:, keep], self.scale[:, keep]
        scaled = np.where(scale > 0, diff / np.where(scale > 0, scale, 1.0), 0.0)
        sig = (big >= SIGNIFICANT * scale) & (big > 0)
        rel = np.where(sig, diff / np.where(big > 0, big, 1.0), 0.0)
        # ULP distance = |a - b| / ulp(max(|a|, |b|)) and ulp(x) lies in [x 2**-53, x 2**-52], so the
        # largest ULP distance is among the entries with rel >= max_rel / 2: count ULPs only there.
        cand = sig & (rel >= rel.max(initial=0.0) / 2.0)
        ulp = ulp_distance(self.A[:, keep][cand], self.B[:, keep][cand]) if cand.any() else np.zeros(0)
        worst = None
        if rel.size and rel.max() > 0:
            t, c = np.unravel_index(int(np.argmax(rel)), rel.shape)
            seg = np.repeat(np.arange(len(self.ref.labels)), np.diff(self.ref.offsets()))[keep]
            worst = (self.ref.steps[t], self.ref.labels[seg[c]])
        m = Measure(float(rel.max(initial=0.0)), float(scaled.max(initial=0.0)), float(ulp.max(initial=0.0)),
                    int((diff == 0).sum()), int(diff.size), worst)
        if self.final is not None:
            f = self.final.measure()
            m = Measure(max(m.max_rel, f.max_rel), max(m.max_scaled, f.max_scaled), max(m.max_ulp, f.max_ulp),
                        m.identical + round(f.identical * f.entries), m.entries + f.entries,
                        f.worst if f.max_rel > m.max_rel else m.worst)
            return m._replace(identical=m.identical / m.entries if m.entries else 1.0)
        return m._replace(identical=m.identical / m.entries if m.entries else 1.0)


def first_divergence(ref, other, tol, cfg=None, exclude=(), names=("scalar", "vector")):
    """None if two traces agree within ``tol`` everywhere, else a message naming the first divergence.

    Entries are visited in causal order (step by step, then as recorded
    within the step: masks, output, loss, grads, parameters, state, running
    statistics), then the after-run ``predict``.  Masks must be equal
    exactly; other entries obey the criterion of the module docstring.  With
    ``cfg`` the update allowance of its optimizer is added to the parameters'
    tolerance.  ``exclude`` lists segment labels that are not compared.
    """
    try:
        comp = Comparison(ref, other, exclude)
    except AssertionError as exc:
        return str(exc)
    extra = update_allowance(ref, cfg, tol) if cfg is not None else None
    return comp.first_divergence(tol, extra, names)


def assert_twins_agree(ref, other, tol, cfg=None, exclude=(), names=("scalar", "vector")):
    """Raise AssertionError with ``first_divergence``'s message if the traces disagree."""
    msg = first_divergence(ref, other, tol, cfg=cfg, exclude=exclude, names=names)
    if msg is not None:
        raise AssertionError(msg)


def measure(ref, other, exclude=()):
    """``Comparison(ref, other, exclude).measure()``: max relative difference, normwise, ULPs."""
    return Comparison(ref, other, exclude).measure()


def is_bias(name):
    """True for b1, b2, ... (not beta1): the parameters that l2_bias regularizes."""
    return name[0] == "b" and name[1:].isdigit()


def check_structural_zeros(trace, cfg, bound, before=None):
    """Gradients in ``structural_zero_grads`` are ~0: max|g| <= bound * max|all grads| at every step.

    "~0" for the data loss: with ``l2_bias`` > 0 the total gradient of b_k is
    l2_bias * b_k, with b_k as it was before the step (0 at step 1, then the
    value recorded after the previous step in ``before``, default ``trace``
    itself; a lockstep or pinned vector trace starts each step from the
    scalar twin's values, so pass the scalar trace there); that term is
    subtracted first.  Returns the largest ratio seen (0.0 if nothing to check).
    """
    import numpy as np
    zero = sorted(structural_zero_grads(cfg))
    if not zero:
        return 0.0
    A = trace.matrix()
    names = [label for label in trace.labels if label.startswith("grad ")]
    ref = np.max([np.abs(A[:, trace.columns(n)]).max(axis=1) for n in names], axis=0)
    l2_bias = cfg.net.get("l2_bias", 0.0)
    worst = 0.0
    for name in zero:
        g = A[:, trace.columns("grad %s" % name)]
        if l2_bias > 0.0 and is_bias(name):
            prev = (before if before is not None else trace).matrix()[:-1, trace.columns(name)]
            g = g - l2_bias * np.vstack([np.zeros((1, g.shape[1])), prev])
        g = np.abs(g).max(axis=1)
        ratio = g / np.where(ref > 0, ref, np.inf)
        t = int(np.argmax(ratio))
        worst = max(worst, float(ratio[t]))
        if ratio[t] > bound:
            raise AssertionError("%s: grad %s should be ~0 (its true gradient is exactly 0%s) but at step %s "
                                 "max|grad %s| = %.3e is %.3e x the largest gradient entry (bound %.1e)" % (
                                     trace.name, name, " besides l2_bias * %s" % name
                                     if l2_bias > 0.0 and is_bias(name) else "",
                                     trace.steps[t], name, g[t], ratio[t], bound))
    return worst


# How small "~0" is.  This is a separation, not a rounding bound: a
# structurally-zero gradient is rounding noise, ~ m u times the terms dZ_k
# that sum to 0, and those terms are not bounded by the gradient's largest
# entry (BN's 1/std inflates dZ_k; dW_k = A^T dZ_k can stay small when
# activations are small or dropped).  Measured: <= 5.1e-15 of the largest
# gradient entry on the case matrix, 1.8e-12 on a hypothesis-found
# [1, 2, 7, 3, 1] relu+BN+dropout net with 3 rows.  A gradient that is not
# structurally zero (what a twin that forgot BN's mean subtraction would
# compute) is of the size of its layer's other gradients.  1e-9 sits three
# orders above the noise seen and far below any such signal.
ZERO_GRAD_BOUND = 1e-9


def check_run(run, u=U):
    """Every assertion of one run (both modes); returns {mode: Measure}.

    Structural-zero gradients ~0 in every trace; then the lockstep trace
    within ``lockstep_tolerance`` and the free trace within
    ``free_tolerance``, parameters with their update allowance, the
    ``excluded_params`` left out.  ``u`` is the vector twin's unit roundoff.
    """
    cfg = run.cfg
    exclude = excluded_labels(cfg)
    check_structural_zeros(run.scalar, cfg, ZERO_GRAD_BOUND)
    out = {}
    for mode, trace in (("lockstep", run.lockstep), ("free", run.free)):
        if trace is None:
            continue
        if mode == "lockstep":
            tol = lockstep_tolerance(cfg.sizes, cfg.batch, u)
        else:
            tol = free_tolerance(cfg.sizes, cfg.batch, len(trace.steps), u)
        pinned = mode == "lockstep" or bool(exclude)      # structural zeros restart from the scalar value
        check_structural_zeros(trace, cfg, ZERO_GRAD_BOUND, before=run.scalar if pinned else trace)
        comp = Comparison(run.scalar, trace, exclude)
        extra = update_allowance(run.scalar, cfg, tol)
        msg = comp.first_divergence(tol, extra, ("scalar", "vector %s" % mode))
        if msg is not None:
            raise AssertionError(msg)
        out[mode] = comp.measure()._replace(used=comp.usage(tol, extra))
    return out
