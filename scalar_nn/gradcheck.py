"""Finite-difference gradient check: is backprop's answer the true derivative?

For every parameter entry p, the central difference::

    dL/dp ~ (L(p + h) - L(p - h)) / (2h)

has error O(h^2) from the Taylor series plus O(eps_machine * |L| / h) from
rounding.  With h = 1e-5 in float64 both are around 1e-11..1e-10, so an
analytic gradient that is right agrees to about 1e-10 in absolute terms, and a
wrong one (a missing factor, a transposed matrix) is off by far more.

The comparison is the relative error::

    rel = |analytic - numeric| / max(|analytic|, |numeric|, floor)

``floor`` (default 1e-4) stops entries that are nearly 0 from dividing by
nearly 0: below it, the check is in effect absolute (1e-6 * 1e-4 = 1e-10,
the accuracy a central difference can deliver).

ReLU has a kink at 0 where no derivative exists.  An entry whose +h or -h
evaluation flips the sign of any hidden pre-activation crosses a kink: its
difference quotient measures neither side, so it is counted and skipped.

The check uses fixed dropout masks (drawn once) and never changes BatchNorm's
running statistics: the loss must be the same function at every evaluation.
"""

from .linalg import rows_of
from .toolkit.checks import as_matrix, as_targets


class GradCheckReport:
    """Result of a gradient check.

    ``worst_rel_error`` (float), ``worst`` (parameter name, row, column),
    ``per_param`` {name: worst rel error}, ``checked`` and ``skipped_kinks``
    (counts of entries).
    """

    def __init__(self):
        self.worst_rel_error = 0.0
        self.worst = None
        self.per_param = {}
        self.checked = 0
        self.skipped_kinks = 0

    def __repr__(self):
        return "GradCheckReport(worst_rel_error=%.3e at %s, checked=%d, skipped_kinks=%d)" % (
            self.worst_rel_error, self.worst, self.checked, self.skipped_kinks)


def relative_error(a, n, floor):
    """|a - n| / max(|a|, |n|, floor)."""
    return abs(a - n) / max(abs(a), abs(n), floor)


def total_loss(net, X, Y, masks):
    """Total loss in the network's current mode, with fixed masks, no statistics updated.

    Returns (loss, pattern) where pattern records which hidden pre-activations
    are positive (used to detect ReLU kinks).
    """
    Z, Yhat, caches = net.forward_with_cache(X, net.training, masks)
    loss = net.data_loss(Z, Yhat, Y) + net.l2_penalty()
    pattern = [[[u > 0.0 for u in row] for row in c["act"]["Z"]] for c in caches[:-1]]
    return loss, pattern


def gradient_check(net, X, Y, masks=None, h=1e-5, floor=1e-4, progress=None):
    """Compare ``net.loss_and_grads`` with central differences on every parameter entry.

    For each entry p: numeric = (L(p + h) - L(p - h)) / (2h), compared with
    the analytic dL/dp by ``relative_error(analytic, numeric, floor)``.  X is
    (m, n_0), Y the targets; returns a ``GradCheckReport``.
    ``progress``, when given, is called as ``progress(done, total)`` after
    each row of each parameter (entries done so far, entries in all).
    """
    X = as_matrix(X, "X", net.sizes[0])
    Y = as_targets(Y, net.loss_name, len(X), net.sizes[-1])
    if masks is None and net.training and net.dropout > 0.0:
        masks = net.draw_masks(len(X))
    saved = {name: list(b) for name, b in net.buffers.items()}
    _, grads = net.loss_and_grads(X, Y, masks=masks)
    net.buffers.update(saved)                        # undo the running-statistics update
    _, base_pattern = total_loss(net, X, Y, masks)
    report = GradCheckReport()
    total = sum(len(P) for name in net.params for P in rows_of(net.params[name]))
    done = 0
    for name in net.params:
        report.per_param[name] = 0.0
        for r, (P, G) in enumerate(zip(rows_of(net.params[name]), rows_of(grads[name]))):
            if progress is not None and done:
                progress(done, total)
            done += len(P)
            for c in range(len(P)):
                original = P[c]
                P[c] = original + h
                loss_plus, pattern_plus = total_loss(net, X, Y, masks)
                P[c] = original - h
                loss_minus, pattern_minus = total_loss(net, X, Y, masks)
                P[c] = original
                if net.hidden == "relu" and (pattern_plus != base_pattern or pattern_minus != base_pattern):
                    report.skipped_kinks += 1
                    continue
                numeric = (loss_plus - loss_minus) / (2.0 * h)
                err = relative_error(G[c], numeric, floor)
                report.checked += 1
                if err > report.per_param[name]:
                    report.per_param[name] = err
                if report.worst is None or err > report.worst_rel_error:
                    report.worst_rel_error, report.worst = err, (name, r, c)
    if progress is not None:
        progress(done, total)
    return report
