"""A fake ``fit`` for the callback tests: synthetic loss curves, no network trained.

A tiny fake ``run`` (SimpleNamespace) plays the part of ``fit``: each epoch it
lets a fake optimizer step change the parameters, appends the epoch's numbers
to the history (the lr recorded is the one in force during the epoch), calls
``on_epoch_end`` and stops when a callback sets ``run.stop``.  Used by
test_callbacks.py, test_overclock_rule.py, test_overclock_lr.py and
test_early_stopping.py.
"""

from types import SimpleNamespace


def make_run(lr=0.1, net=None):
    """A fresh run object with an empty history, as ``fit`` would build it."""
    history = SimpleNamespace(epoch=[], loss=[], val_loss=[], metrics={}, lr=[], events=[])
    return SimpleNamespace(
        net=net if net is not None else SimpleNamespace(params={}),
        optimizer=SimpleNamespace(lr=lr),
        history=history,
        epoch=0,
        stop=False,
    )


def drive(callbacks, loss=None, val_loss=None, metrics=None, lr=0.1, net=None, step=None, run=None):
    """Feed the series one epoch at a time to the callbacks; return the run.

    ``loss``/``val_loss`` are per-epoch lists (``val_loss`` may hold None),
    ``metrics`` a dict of such lists; the number of epochs is their length.
    ``step(run)`` stands for the epoch's optimizer steps (it may mutate params).
    """
    if not isinstance(callbacks, (list, tuple)):
        callbacks = [callbacks]
    metrics = metrics or {}
    series = [s for s in [loss, val_loss] + list(metrics.values()) if s is not None]
    n_epochs = len(series[0])
    if run is None:
        run = make_run(lr=lr, net=net)
    for cb in callbacks:
        cb.on_train_begin(run)
    for i in range(n_epochs):
        if step is not None:
            step(run)
        h = run.history
        h.epoch.append(len(h.epoch) + 1)
        h.loss.append(loss[i] if loss is not None else 1.0)
        h.val_loss.append(val_loss[i] if val_loss is not None else None)
        for name, values in metrics.items():
            h.metrics.setdefault(name, []).append(values[i])
        h.lr.append(run.optimizer.lr)
        run.epoch = h.epoch[-1]
        for cb in callbacks:
            cb.on_epoch_end(run)
        if run.stop:
            break
    for cb in callbacks:
        cb.on_train_end(run)
    return run


def overclock_events(run):
    return [ev for ev in run.history.events if ev["kind"] == "overclock"]


# The brief's example: two falls, then rises of 0.1, 0.15, 0.15 between falls.
ZIGZAG = [1.0, 0.8, 0.6, 0.7, 0.5, 0.65, 0.45, 0.6, 0.4, 0.55, 0.35, 0.5, 0.3, 0.45,
          0.25, 0.4, 0.2, 0.35, 0.15, 0.3, 0.1]
