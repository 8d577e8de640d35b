"""Finite-difference gradient check on arrays: the twin of ``scalar_nn/gradcheck.py``.

Same central differences, same relative error with a floor, same ReLU-kink
rule.  The loop over parameter entries is the method itself (one perturbed
loss per entry); each loss is a vectorised forward pass.
"""

import numpy as np

from scalar_nn.gradcheck import GradCheckReport, relative_error  # noqa: F401  (not array math)

from .linalg import rows_of
from .toolkit.validation import as_matrix, as_targets


def total_loss(net, X, Y, masks):
    """Total loss in the network's current mode, with fixed masks, no statistics updated.

    Returns (loss, pattern) where pattern records which hidden pre-activations
    are positive (one boolean (m, n_k) array per hidden layer; for ReLU kinks).
    """
    Z, Yhat, caches = net.forward_with_cache(X, net.training, masks)
    loss = net.data_loss(Z, Yhat, Y) + net.l2_penalty()
    pattern = [c["act"]["Z"] > 0.0 for c in caches[:-1]]
    return loss, pattern


def _same(p, q):
    """Two lists of boolean arrays are equal entry by entry."""
    return all(np.array_equal(a, b) for a, b in zip(p, q))


def gradient_check(net, X, Y, masks=None, h=1e-5, floor=1e-4, progress=None):
    """Compare ``net.loss_and_grads`` with central differences on every parameter entry.

    For each entry p: numeric = (L(p + h) - L(p - h)) / (2h), compared with
    the analytic dL/dp by ``relative_error(analytic, numeric, floor)``.  X is
    (m, n_0), Y the targets; returns a ``GradCheckReport``.
    ``progress``, when given, is called as ``progress(done, total)`` after
    each row of each parameter (entries done so far, entries in all).
    """
    X = as_matrix(X, "X", net.sizes[0])
    Y = as_targets(Y, net.loss_name, X.shape[0], net.sizes[-1])
    if masks is None and net.training and net.dropout > 0.0:
        masks = net.draw_masks(X.shape[0])
    saved = {name: b.copy() for name, b in net.buffers.items()}
    _, grads = net.loss_and_grads(X, Y, masks=masks)
    for name, b in saved.items():                    # undo the running-statistics update
        net.buffers[name][...] = b
    _, base_pattern = total_loss(net, X, Y, masks)
    report = GradCheckReport()
    total = sum(int(P.size) for P in net.params.values())
    done = 0
    for name, P in net.params.items():
        report.per_param[name] = 0.0
        P2, G2 = rows_of(P), rows_of(grads[name])       # views: a vector as one row
        for r in range(P2.shape[0]):
            if progress is not None and done:
                progress(done, total)
            done += P2.shape[1]
            for c in range(P2.shape[1]):
                original = P2[r, c]
                P2[r, c] = original + h
                loss_plus, pattern_plus = total_loss(net, X, Y, masks)
                P2[r, c] = original - h
                loss_minus, pattern_minus = total_loss(net, X, Y, masks)
                P2[r, c] = original
                if net.hidden == "relu" and not (_same(pattern_plus, base_pattern)
                                                 and _same(pattern_minus, base_pattern)):
                    report.skipped_kinks += 1
                    continue
                numeric = (loss_plus - loss_minus) / (2.0 * h)
                err = relative_error(float(G2[r, c]), numeric, floor)
                report.checked += 1
                report.per_param[name] = max(report.per_param[name], err)
                if report.worst is None or err > report.worst_rel_error:
                    report.worst_rel_error, report.worst = err, (name, r, c)
    if progress is not None:
        progress(done, total)
    return report
