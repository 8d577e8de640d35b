"""The two callbacks ``fit`` adds by default: keep the best epoch, stop a divergence.

Both protect a user who did not ask for protection, which is why ``fit``
adds them itself (``fit(..., keep_best=True, divergence=100.0)``; pass
``keep_best=False`` or ``divergence=None`` to turn one off):

* ``KeepBest`` watches the validation loss and, at the end of training,
  puts back the parameters of the epoch where it was lowest.  Without it, a
  network that started to overfit at epoch 12 of 100 is saved as it was at
  epoch 100, and nothing says so.  It never stops training (that is
  ``EarlyStopping``'s job); it only keeps the best.
* ``DivergenceGuard`` stops training with ``TrainingDiverged`` as soon as the
  epoch's training loss is not finite, or has grown ``factor`` times over
  its best (and past where it started): a run that diverges ends at once,
  with a message that says why, instead of printing 36-digit losses for the
  remaining epochs and exiting as if it had succeeded.

Nothing here does arithmetic on arrays, so both twins share it.
"""

import math

from .callbacks import Callback, EarlyStopping
from .checks import check_number


class KeepBest(EarlyStopping):
    """Keep the parameters of the epoch with the best ``monitor`` (default ``val_loss``).

    After each epoch e with value v_e::

        if v_e < best:   best = v_e, best_epoch = e, copy the parameters

    and at the end of training the copy is put back (with BatchNorm buffers).
    It is ``EarlyStopping`` with infinite patience.  It always appends one
    event to ``run.history.events``::

        {"kind": "kept_best", "epoch": best_epoch, "of": last epoch, "monitor": "val_loss",
         "best": v_best, "last": v_last, "restored": bool}

    ``restored`` is False when the last epoch was the best.
    """

    def __init__(self, monitor="val_loss", mode="auto"):
        super().__init__(patience=1, monitor=monitor, restore_best=True, mode=mode)

    def on_epoch_end(self, run):
        """Remember the best value and parameters; never stop."""
        from .callbacks import monitored_values, snapshot
        value = monitored_values(run.history, self.monitor)[-1]
        if self.improved(value):
            self.best, self.best_epoch = float(value), run.epoch
            self._best_params, self._best_buffers = snapshot(run.net)

    def on_train_end(self, run):
        """Put the best epoch back and say so in the history."""
        if self.best_epoch is None:
            return
        super().on_train_end(run)
        last = run.history.val_loss[-1] if self.monitor == "val_loss" else None
        if self.monitor != "val_loss":
            from .callbacks import monitored_values
            last = monitored_values(run.history, self.monitor)[-1]
        run.history.events.append({"kind": "kept_best", "epoch": self.best_epoch, "of": run.epoch,
                                   "monitor": self.monitor, "best": self.best, "last": last,
                                   "restored": self.restored})


def kept_best_note(history):
    """"kept epoch 12 of 100 (val_loss 0.41 vs 0.99 at the end)", or None when nothing was kept."""
    events = [e for e in getattr(history, "events", []) if e.get("kind") == "kept_best"]
    if not events:
        return None
    e = events[-1]
    if not e.get("restored"):
        return "kept the last epoch, %d: it had the best %s (%g)" % (e["of"], e["monitor"], e["best"])
    return "kept epoch %d of %d (%s %g vs %g at the end)" % (e["epoch"], e["of"], e["monitor"], e["best"],
                                                             e["last"])


class DivergenceGuard(Callback):
    """Stop with ``TrainingDiverged`` when the training loss runs away.

    After each epoch e with training loss L_e (the mean over its steps)::

        diverged  <=>  L_e is NaN or infinite
                       or ( L_e > factor * min(L_1..L_e)  and  L_e > L_1 )

    The second condition asks for a loss that is both ``factor`` times its
    best and worse than at the start: a loss that falls from 0.7 to 1e-6
    and wobbles up to 1e-4 has grown 100x, but it has not diverged.  The
    exception carries the history so far as ``exc.history``.
    """

    def __init__(self, factor=100.0):
        self.factor = check_number("divergence factor", factor, low=1.0, low_inclusive=False)

    def on_epoch_end(self, run):
        """Raise TrainingDiverged if the epoch's loss has run away."""
        from .training import TrainingDiverged
        losses = run.history.loss
        L, best = losses[-1], min(losses)
        lr = run.optimizer.current_lr()
        if not math.isfinite(L):
            reason = "the training loss became %g at epoch %d of training" % (L, run.epoch)
        elif L > self.factor * best and L > losses[0]:
            reason = ("the training loss grew at epoch %d to %g, %g times its best (%g, epoch %d)"
                      % (run.epoch, L, L / best if best > 0 else math.inf, best, losses.index(best) + 1))
        else:
            return
        exc = TrainingDiverged("training diverged: %s; the learning rate (lr %g) is probably too large; "
                               "try a smaller lr" % (reason, lr))
        exc.history = run.history
        raise exc


def default_guards(callbacks, has_validation, keep_best=True, divergence=100.0):
    """The callbacks ``fit`` adds in front of the user's: a ``DivergenceGuard`` and a ``KeepBest``.

    ``KeepBest`` only with validation data, and not when the user's own
    ``EarlyStopping`` already restores the best parameters.
    """
    if not isinstance(keep_best, bool):
        raise TypeError("keep_best must be True or False, got %r" % (keep_best,))
    guards = []
    if divergence is not None:
        guards.append(DivergenceGuard(divergence))
    restoring = any(isinstance(cb, EarlyStopping) and cb.restore_best for cb in callbacks)
    if keep_best and has_validation and not restoring:
        guards.append(KeepBest())
    return guards
