"""Training callbacks: code that watches the loss curve and acts between epochs.

``fit`` (in ``training``) calls every callback after each epoch, once the
epoch's numbers are in ``run.history``.  A callback may read the history, set
``run.stop = True`` to end training, change ``run.optimizer.lr`` for the
epochs that follow, and note what it did in ``run.history.events``.

The ``run`` object a hook receives::

    run.net          the network (``run.net.params``, maybe ``run.net.buffers``)
    run.optimizer    has ``.lr`` (settable)
    run.history      History: .epoch, .loss, .val_loss, .metrics, .lr, .events
    run.epoch        1-based number of the epoch that just finished
    run.stop         set True to stop training after this epoch

Two callbacks live here:

* ``EarlyStopping`` stops when the monitored value has stopped improving and
  puts back the parameters of the best epoch.
* ``Overclock`` changes the learning rate by a signed amount, once, when the
  loss starts to *oscillate* (or at an epoch you name).  The oscillation rule
  is written out in ``Overclock``'s docstring and in ``is_oscillating``.

The two callbacks ``fit`` adds by itself, ``KeepBest`` (an ``EarlyStopping``
that never stops) and ``DivergenceGuard``, live in ``guards``.

Nothing here does arithmetic on arrays: parameters are copied with
``copy.deepcopy``, which copies nested lists and NumPy arrays alike.  That is
why ``scalar_nn.toolkit.callbacks`` simply imports this module.
"""

import copy
import warnings

from .checks import check_choice, check_int, check_number

MODES = ("auto", "min", "max")


class Callback:
    """Base class: every hook does nothing, so a subclass overrides only what it needs.

    ``fit`` calls ``on_train_begin(run)`` once before the first epoch,
    ``on_epoch_end(run)`` after every epoch (the history already holds that
    epoch), and ``on_train_end(run)`` once after the last epoch, whether it
    ended because the epochs ran out or because a callback set ``run.stop``.
    """

    def on_train_begin(self, run):
        """Called once before the first epoch; reset per-run state here."""

    def on_epoch_end(self, run):
        """Called after epoch ``run.epoch``; ``run.history`` already holds it."""

    def on_train_end(self, run):
        """Called once after the last epoch."""


def monitored_values(history, monitor):
    """The list of values ``monitor`` names in ``history``, one per epoch.

    ``"loss"`` and ``"val_loss"`` are History attributes; any other name
    (``"accuracy"``, ``"val_rmse"``, ...) is looked up in ``history.metrics``.
    Raises ValueError when the name is unknown or the latest value is missing
    (``val_loss`` is ``None`` when ``fit`` was given no validation data), so a
    callback never silently watches nothing.
    """
    if monitor in ("loss", "val_loss"):
        values = getattr(history, monitor, None)
    else:
        values = getattr(history, "metrics", {}).get(monitor)
    if values is None:
        known = ["loss", "val_loss"] + sorted(getattr(history, "metrics", {}))
        raise ValueError(
            "cannot monitor %r: the history records only %s" % (monitor, ", ".join(map(repr, known)))
        )
    if len(values) == 0 or values[-1] is None:
        hint = " (did fit get validation data?)" if monitor.startswith("val_") else ""
        raise ValueError("cannot monitor %r: it has no value for this epoch%s" % (monitor, hint))
    return values


def resolve_mode(monitor, mode):
    """``"min"`` if lower values of ``monitor`` are better, ``"max"`` if higher are.

    ``mode="auto"`` guesses from the name: accuracies are maximised, losses
    and errors (``loss``, ``val_loss``, ``rmse``) minimised.
    """
    check_choice("mode", mode, MODES)
    if mode != "auto":
        return mode
    return "max" if "acc" in monitor else "min"


def _check_monitor(monitor):
    """A monitor name must be a non-empty string."""
    if not isinstance(monitor, str) or not monitor:
        raise TypeError("monitor must be a non-empty string such as 'loss', got %r" % (monitor,))
    return monitor


def _check_bool(what, value):
    """Flags must be real bools, so that ``once="no"`` is an error, not True."""
    if not isinstance(value, bool):
        raise TypeError("%s must be True or False, got %r" % (what, value))
    return value


def snapshot(net):
    """Deep copies of ``net.params`` (and ``net.buffers`` if any): ``(params, buffers)``.

    A deep copy is needed because optimizers update parameters *in place*: a
    shallow copy of the dict would keep pointing at the very lists (or
    arrays) that later epochs overwrite.  ``copy.deepcopy`` copies nested
    lists and NumPy arrays alike, so this works for both twins.
    """
    if not hasattr(net, "params"):
        raise TypeError("restore_best needs a network with a .params dict, got %s" % type(net).__name__)
    params = copy.deepcopy(dict(net.params))
    buffers = getattr(net, "buffers", None)
    if buffers is not None:
        buffers = copy.deepcopy(dict(buffers))
    return params, buffers


def restore_into(store, saved):
    """Copy every ``saved[name]`` back into ``store[name]``, in place where possible.

    In place means the network (and any optimizer holding references to its
    parameters) sees the restored values without re-binding anything:
    arrays get ``A[...] = saved``; lists get ``A[:] = copy_of_saved``; plain
    numbers (e.g. the named scalars of ``Network221``) are re-bound.
    """
    for name, value in saved.items():
        current = store.get(name)
        if hasattr(current, "ndim") and hasattr(current, "__setitem__"):
            current[...] = value
        elif isinstance(current, list):
            current[:] = copy.deepcopy(value)
        else:
            store[name] = copy.deepcopy(value)


class EarlyStopping(Callback):
    """Stop training when the monitored value stops improving; keep the best parameters.

    After each epoch e with monitored value v_e (lower is better for losses)::

        if v_e < best - min_delta:   best = v_e, best_epoch = e, wait = 0
                                     (and, with restore_best, copy the params)
        else:                        wait = wait + 1
        if wait >= patience:         run.stop = True   (event "early_stop")

    So training ends ``patience`` epochs after the last real improvement,
    where "real" means better by *more than* ``min_delta``.  At the end of
    training (stopped early or not), ``restore_best`` puts back the
    parameters, and BatchNorm buffers if the network has them, of
    ``best_epoch``: the last epochs were by definition no better, and for
    ``val_loss`` usually worse (the network had started to overfit).  The
    optimizer's state (momenta) is not restored.

    ``monitor`` names a history series (``"val_loss"``, ``"loss"``, or a
    metric such as ``"val_accuracy"``); ``mode`` says whether lower
    (``"min"``) or higher (``"max"``) is better, ``"auto"`` guessing from the
    name.  A NaN value never counts as an improvement.

    After training: ``best``, ``best_epoch``, ``stopped_epoch`` (None if the
    epochs ran out first) and ``restored`` (True if parameters were put back).
    """

    def __init__(self, patience=10, min_delta=0.0, monitor="val_loss", restore_best=True, mode="auto"):
        self.patience = check_int("patience", patience, low=1)
        self.min_delta = check_number("min_delta", min_delta, low=0.0)
        self.monitor = _check_monitor(monitor)
        self.restore_best = _check_bool("restore_best", restore_best)
        self.mode = resolve_mode(self.monitor, mode)
        self._reset()

    def _reset(self):
        """Forget everything about a previous run."""
        self.best = None
        self.best_epoch = None
        self.wait = 0
        self.stopped_epoch = None
        self.restored = False
        self._best_params = None
        self._best_buffers = None

    def on_train_begin(self, run):
        """Start a fresh watch: the same object can be used for several fits."""
        self._reset()

    def improved(self, value):
        """True if ``value`` beats ``best`` by more than ``min_delta`` (NaN never does)."""
        if value != value:                      # NaN
            return False
        if self.best is None:
            return True
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_epoch_end(self, run):
        """Update best/wait with this epoch's value; stop after ``patience`` epochs without progress."""
        value = monitored_values(run.history, self.monitor)[-1]
        if self.improved(value):
            self.best = float(value)
            self.best_epoch = run.epoch
            self.wait = 0
            if self.restore_best:
                self._best_params, self._best_buffers = snapshot(run.net)
            return
        self.wait += 1
        if self.wait >= self.patience:
            run.stop = True
            self.stopped_epoch = run.epoch
            run.history.events.append({
                "epoch": run.epoch,
                "kind": "early_stop",
                "best_epoch": self.best_epoch,
                "monitor": self.monitor,
                "best": self.best,
            })

    def on_train_end(self, run):
        """Put back the best epoch's parameters (and buffers) if they are not the current ones."""
        if not self.restore_best or self._best_params is None:
            return
        if self.best_epoch == run.epoch:
            return                              # the last epoch was the best: nothing to do
        restore_into(run.net.params, self._best_params)
        if self._best_buffers is not None and getattr(run.net, "buffers", None) is not None:
            restore_into(run.net.buffers, self._best_buffers)
        self.restored = True


def change_signs(values, rtol=1e-9):
    """The sign of each epoch-to-epoch change: +1 rise, -1 fall, 0 flat.

    For t = 2..n (1-based), with d_t = v_t - v_{t-1}::

        s_t = +1  if d_t >  rtol * |v_{t-1}|
              -1  if d_t < -rtol * |v_{t-1}|
               0  otherwise

    Returns n - 1 signs.  The relative tolerance makes a plateau flat: a
    loss that changes in its tenth significant digit has not risen.  A NaN
    or infinite value gives flat changes (a diverged loss does not oscillate).
    """
    signs = []
    for t in range(1, len(values)):
        prev, d = values[t - 1], values[t] - values[t - 1]
        tol = rtol * abs(prev)
        if d > tol:
            signs.append(1)
        elif d < -tol:
            signs.append(-1)
        else:
            signs.append(0)
    return signs


def is_oscillating(values, window=6, min_rises=3, rtol=1e-9, min_flips=None):
    """True if the loss curve ``values`` (one per epoch, lower is better) oscillates now.

    With s_t the change signs of ``change_signs(values, rtol)`` and S the
    last ``window`` of them::

        converged once:  some s_t = -1 anywhere in the history
        rises = #{s in S : s = +1}
        flips = #{consecutive s, s' in S : s * s' = -1}
        oscillating  <=>  converged once  and  rises >= min_rises
                                          and  flips >= min_flips

    ``min_flips`` defaults to ``2 * min_rises - 2``, the number of sign flips
    in the shortest up-down zigzag holding ``min_rises`` rises (``+ - + - +``
    has 3 rises, 4 flips): a fast, step-to-step oscillation.  ``min_flips=1``
    accepts a slow swell as well (the loss fell, then rose ``min_rises`` times
    within the window), which is how full-batch gradient descent just above
    its stable step size tends to oscillate: over tens of epochs, not every
    other one.
    The rises demand that the loss keeps going *up*; the flips demand that it
    keeps coming back *down*: a steady creep upwards has many rises but no
    flips, a single spike one rise.  A flat change (s = 0) breaks a zigzag.
    False while fewer than ``window + 1`` values exist.
    """
    signs = change_signs(values, rtol)
    if len(signs) < window or -1 not in signs:
        return False
    S = signs[-window:]
    rises = S.count(1)
    flips = 0
    for t in range(1, len(S)):
        if S[t - 1] * S[t] == -1:
            flips += 1
    if min_flips is None:
        min_flips = 2 * min_rises - 2
    return rises >= min_rises and flips >= min_flips


class Overclock(Callback):
    """Change the learning rate by ``delta`` once the loss starts to oscillate.

    When it fires, at the end of epoch e::

        lr_new = max(lr + delta, min_lr)        (the next epoch uses lr_new)

    ``delta < 0`` slows down (the usual cure for a loss that bounces because
    steps overshoot the valley), ``delta > 0`` speeds up.  An ``lr + delta``
    below ``min_lr`` (in particular one that would be 0 or negative) is
    clamped to ``min_lr``, a RuntimeWarning says so, and the event says
    ``"clamped": True``.  With
    ``decay`` in the optimizer, ``delta`` is added to the base rate ``lr``,
    from which ``current_lr()`` is computed.

    It fires in one of two ways:

    * manual: ``at_epoch=k`` fires at the end of epoch k, whatever the loss
      does (reason ``"manual"``);
    * automatic: ``at_epoch=None`` applies this rule after every epoch
      (reason ``"oscillation"``)::

        input: v_1, v_2, ... (monitored value per epoch; for a "max" monitor
               such as accuracy, -v), delta, window w, min_rises r,
               warmup u, rtol, min_lr, once, min_flips f (default 2r - 2)
        at the end of epoch e:
            if e < u:                               do nothing  (warm-up)
            if once and fired before:               do nothing
            if fired before at epoch f and e - f < w:
                                                    do nothing  (re-arm: the
                                                    window must be all after f)
            for t = 2..e:  d_t = v_t - v_{t-1}
                s_t = +1 if d_t >  rtol*|v_{t-1}|   (rise)
                      -1 if d_t < -rtol*|v_{t-1}|   (fall)
                       0 otherwise                  (flat)
            if fewer than w changes, or no s_t = -1:
                                                    do nothing  (never converged)
            S     = (s_{e-w+1}, ..., s_e)           the last w changes
            rises = #{s in S : s = +1}
            flips = #{consecutive s, s' in S with s * s' = -1}
            if rises >= r and flips >= f:
                lr <- max(lr + delta, min_lr);  record the event;  fired_at <- e

      With the defaults (w=6, r=3) the loss must zigzag: three rises, each
      answered by a fall, within the last six changes.  So the first epoch
      that can fire is 7 (six changes need seven values; the default warm-up
      of 3 only matters for a small ``window``).  What does *not* fire: a
      monotone decrease (no rises), a plateau (changes within rtol are
      flat), a slow stagnation such as a loss that creeps to a floor or drifts
      up steadily (no zigzag), a single spike (one rise), and a run that has
      never gone down.  Raise ``rtol`` (e.g. 1e-3) to ignore mini-batch noise
      smaller than that fraction of the loss.

    How this differs from a plateau scheduler (PyTorch's ReduceLROnPlateau,
    Keras' ReduceLROnPlateau): those react to *stagnation* (no new best for
    ``patience`` epochs), multiply the rate by a factor < 1 and fire again
    and again.  Overclock reacts to *oscillation*, a loss that still goes
    down on average but bounces, fires once (``once=True``; with
    ``once=False`` it re-arms after another full window), and adds a signed
    amount, which may speed training up as well as slow it down.

    Each firing appends to ``run.history.events``::

        {"epoch": e, "kind": "overclock", "lr_before": lr, "lr_after": lr_new,
         "reason": "manual" or "oscillation", "clamped": bool}

    and sets ``fired_at`` (epoch of the latest firing) and ``fired_epochs``
    (all of them).
    """

    def __init__(self, delta, at_epoch=None, monitor="loss", window=6, min_rises=3, warmup=3,
                 once=True, min_lr=1e-12, rtol=1e-9, mode="auto", min_flips=None):
        self.delta = check_number("delta", delta)
        if self.delta == 0.0:
            raise ValueError("delta must be nonzero: it is the amount added to the learning rate")
        if at_epoch is not None:
            at_epoch = check_int("at_epoch", at_epoch, low=1)
        self.at_epoch = at_epoch
        self.monitor = _check_monitor(monitor)
        self.window = check_int("window", window, low=2)
        self.min_rises = check_int("min_rises", min_rises, low=1)
        if min_flips is not None:
            min_flips = check_int("min_flips", min_flips, low=0)
            if min_flips > self.window - 1:
                raise ValueError("min_flips=%d cannot be met with window=%d: at most %d flips fit"
                                 % (min_flips, self.window, self.window - 1))
            if self.min_rises > self.window:
                raise ValueError("min_rises=%d cannot exceed window=%d" % (self.min_rises, self.window))
        self.min_flips = min_flips
        if min_flips is None and 2 * self.min_rises - 1 > self.window:
            raise ValueError(
                "min_rises=%d cannot be met with window=%d: %d rises each answered by a fall "
                "need %d changes, so min_rises must be <= (window + 1) // 2 = %d"
                % (self.min_rises, self.window, self.min_rises, 2 * self.min_rises - 1,
                   (self.window + 1) // 2)
            )
        self.warmup = check_int("warmup", warmup, low=0)
        self.once = _check_bool("once", once)
        self.min_lr = check_number("min_lr", min_lr, low=0.0, low_inclusive=False)
        self.rtol = check_number("rtol", rtol, low=0.0)
        self.mode = resolve_mode(self.monitor, mode)
        self._reset()

    def _reset(self):
        """Forget the firings of a previous run."""
        self.fired_at = None
        self.fired_epochs = []

    def on_train_begin(self, run):
        """Arm afresh: the same object can be used for several fits."""
        self._reset()

    def should_fire(self, run):
        """The reason to fire at the end of ``run.epoch`` (``"manual"``/``"oscillation"``), or None."""
        e = run.epoch
        if self.at_epoch is not None:
            return "manual" if e == self.at_epoch else None
        values = monitored_values(run.history, self.monitor)   # fails at epoch 1 if missing
        if e < self.warmup:
            return None
        if self.fired_at is not None and (self.once or e - self.fired_at < self.window):
            return None
        if self.mode == "max":
            values = [-v for v in values]
        if is_oscillating(values, self.window, self.min_rises, self.rtol, self.min_flips):
            return "oscillation"
        return None

    def on_epoch_end(self, run):
        """Apply the rule; if it fires, change ``run.optimizer.lr`` and record the event."""
        reason = self.should_fire(run)
        if reason is None:
            return
        lr_before = float(run.optimizer.lr)
        lr_after = lr_before + self.delta
        clamped = not (lr_after >= self.min_lr)
        if clamped:
            warnings.warn("Overclock at epoch %d: lr %g + delta %g = %g is below min_lr %g, so the rate was "
                          "clamped to %g (a delta above %g keeps it positive)"
                          % (run.epoch, lr_before, self.delta, lr_after, self.min_lr, self.min_lr, -lr_before),
                          RuntimeWarning, stacklevel=2)
            lr_after = self.min_lr
        run.optimizer.lr = lr_after
        self.fired_at = run.epoch
        self.fired_epochs.append(run.epoch)
        run.history.events.append({
            "epoch": run.epoch,
            "kind": "overclock",
            "lr_before": lr_before,
            "lr_after": lr_after,
            "reason": reason,
            "clamped": clamped,
        })
