"""Callbacks on synthetic loss curves: the Overclock rule and EarlyStopping, pinned.

No network is trained here.  A tiny fake ``run`` (SimpleNamespace) plays the
part of ``fit``: each epoch it lets a fake optimizer step change the
parameters, appends the epoch's numbers to the history (the lr recorded is
the one in force during the epoch), calls ``on_epoch_end`` and stops when a
callback sets ``run.stop``.  Every expected epoch below is worked out by hand
from the rule in ``Overclock``'s docstring and written as a literal.

The callbacks are shared code (``scalar_nn/toolkit/callbacks.py``, used by both
twins' ``fit``), so every test here runs once.  The one thing that depends on
the twin, the type of the parameters that ``EarlyStopping`` snapshots and
restores in place, is covered by the fake nets holding lists or arrays
(``make_net``); real training runs in every twin are in test_training.py.
"""

import json
import warnings
from types import SimpleNamespace

import numpy as np

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scalar_nn.toolkit import callbacks


# --------------------------------------------------------------------------- fake fit

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


def decreasing_then_zigzag(n_down, n_zigzag, start=1.0, down=0.1, up=0.08):
    """``n_down`` falls of ``down`` from ``start``, then alternately +up, -down.

    Each zigzag period rises by ``up`` and falls by ``down`` (> up), so the
    loss still goes down on average: the picture of a too-large step.
    """
    L = [start]
    for _ in range(n_down):
        L.append(L[-1] - down)
    for k in range(n_zigzag):
        L.append(L[-1] + up if k % 2 == 0 else L[-1] - down)
    return L


# The brief's example: two falls, then rises of 0.1, 0.15, 0.15 between falls.
ZIGZAG = [1.0, 0.8, 0.6, 0.7, 0.5, 0.65, 0.45, 0.6, 0.4, 0.55, 0.35, 0.5, 0.3, 0.45,
          0.25, 0.4, 0.2, 0.35, 0.15, 0.3, 0.1]


# --------------------------------------------------------------------------- the module

def test_the_callbacks_exist_once_for_both_twins():
    # The logic is non-numeric: one rule for both twins, not two copies that may
    # drift; so this file tests it once.  What differs per twin -- training a real
    # network in each twin with a callback -- is in test_training.py.
    import importlib.util
    assert importlib.util.find_spec("vector_nn.toolkit.callbacks") is None
    assert importlib.util.find_spec("vector_nn.callbacks") is None


def test_base_callback_hooks_do_nothing():
    run = drive(callbacks.Callback(), loss=[1.0, 0.5, 2.0])
    assert run.stop is False and run.history.events == [] and run.optimizer.lr == 0.1


def test_change_signs_uses_relative_tolerance():
    cb = callbacks
    assert cb.change_signs([1.0, 0.5, 0.5, 0.7, 0.7 + 1e-12, 0.7 - 1e-6]) == [-1, 0, 1, 0, -1]
    assert cb.change_signs([2.0, 2.0 + 1e-3], rtol=1e-3) == [0]
    assert cb.change_signs([2.0, 2.0 + 3e-3], rtol=1e-3) == [1]
    assert cb.change_signs([1.0]) == []


# --------------------------------------------------------------------------- Overclock: automatic rule

def test_sustained_alternation_fires_at_epoch_8():
    # Signs of d_2..d_8: - - + - + - +.  Epoch 7 sees d_2..d_7 = - - + - + -:
    # only 2 rises.  Epoch 8 sees d_3..d_8 = - + - + - +: 3 rises, 5 flips >= 4.
    oc = callbacks.Overclock(delta=-0.05)
    run = drive(oc, loss=ZIGZAG, lr=0.1)
    assert oc.fired_at == 8
    assert oc.fired_epochs == [8]
    assert overclock_events(run) == [{
        "epoch": 8, "kind": "overclock", "lr_before": 0.1, "lr_after": 0.1 + (-0.05),
        "reason": "oscillation", "clamped": False,
    }]
    # The change takes effect for the next epoch, not the one that just ended.
    assert run.history.lr[7] == 0.1            # epoch 8
    assert run.history.lr[8] == 0.1 - 0.05     # epoch 9
    assert run.optimizer.lr == 0.1 - 0.05


def test_is_oscillating_matches_the_worked_example():
    fired = [e for e in range(1, len(ZIGZAG) + 1) if callbacks.is_oscillating(ZIGZAG[:e])]
    assert fired[0] == 8
    assert fired == list(range(8, len(ZIGZAG) + 1))   # it stays oscillating


def test_zigzag_after_n_falls_fires_at_n_plus_6():
    # Falls d_2..d_{n+1}, then + - + - +: the third rise is d_{n+6}, and the
    # window d_{n+1}..d_{n+6} = - + - + - + has 3 rises and 5 flips.  No
    # earlier window holds three rises.  (ZIGZAG is n = 2: epoch 8.)
    @given(n_down=st.integers(2, 20), down=st.floats(0.01, 0.5), up_fraction=st.floats(0.05, 0.95))
    def check(n_down, down, up_fraction):
        L = decreasing_then_zigzag(n_down, 12, start=100.0, down=down, up=down * up_fraction)
        oc = callbacks.Overclock(delta=-0.01)
        drive(oc, loss=L)
        assert oc.fired_at == n_down + 6

    check()


def test_monotone_decrease_never_fires():
    L = [0.5 + 0.5 * 0.9 ** e for e in range(60)]
    oc = callbacks.Overclock(delta=-0.05)
    run = drive(oc, loss=L)
    assert oc.fired_at is None and run.history.events == [] and run.optimizer.lr == 0.1


def test_any_nonincreasing_curve_never_fires():
    # Even the most trigger-happy settings (any one rise in 2 changes) need a rise.
    @given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=40))
    def check(drops):
        L = [10.0]
        for d in drops:
            L.append(L[-1] - d)
        oc = callbacks.Overclock(delta=-0.05, window=2, min_rises=1, warmup=0)
        drive(oc, loss=L)
        assert oc.fired_at is None

    check()


def test_callback_fires_at_the_first_epoch_the_rule_holds():
    # On random curves: Overclock fires exactly at the first epoch e >= warmup
    # where is_oscillating(v_1..v_e) holds, and never where every window of 6
    # changes has fewer than 3 rises.
    @given(st.lists(st.floats(-1.0, 1.0), min_size=7, max_size=40), st.integers(0, 12))
    def check(changes, warmup):
        L = [10.0]
        for d in changes:
            L.append(L[-1] + d)
        oc = callbacks.Overclock(delta=-0.05, warmup=warmup)
        drive(oc, loss=L)
        holds = [e for e in range(max(warmup, 1), len(L) + 1) if callbacks.is_oscillating(L[:e])]
        assert oc.fired_at == (holds[0] if holds else None)
        signs = callbacks.change_signs(L)
        if all(signs[i:i + 6].count(1) < 3 for i in range(len(signs) - 5)):
            assert oc.fired_at is None

    check()


def test_single_spike_does_not_fire():
    L = [1.0 - 0.05 * e for e in range(16)]
    L[8] += 0.2                      # one bad epoch: a rise, then a fall back
    oc = callbacks.Overclock(delta=-0.05)
    drive(oc, loss=L)
    assert callbacks.change_signs(L).count(1) == 1
    assert oc.fired_at is None


def test_two_spikes_in_a_window_do_not_fire():
    # Signs - + - - + - - ...: at most 2 rises in any 6 changes.
    L = [1.0, 0.9, 0.95, 0.85, 0.75, 0.8, 0.7, 0.6, 0.65, 0.55, 0.45, 0.5, 0.4]
    oc = callbacks.Overclock(delta=-0.05)
    drive(oc, loss=L)
    assert oc.fired_at is None


def test_exact_plateau_does_not_fire():
    L = [1.0, 0.8, 0.6, 0.5] + [0.5] * 20
    oc = callbacks.Overclock(delta=-0.05)
    drive(oc, loss=L)
    assert oc.fired_at is None


def test_plateau_with_round_off_jitter_does_not_fire():
    # Alternating changes of 1e-12 relative: a zigzag in sign, but below rtol=1e-9.
    L = [1.0, 0.8, 0.6] + [0.5 * (1 + (1e-12 if k % 2 else -1e-12)) for k in range(20)]
    oc = callbacks.Overclock(delta=-0.05)
    drive(oc, loss=L)
    assert oc.fired_at is None


def test_rtol_decides_what_counts_as_a_rise():
    # The same zigzag at 1e-4 relative amplitude: an oscillation for rtol=1e-9
    # (fires at epoch 8, as in the worked example), noise for rtol=1e-3.
    L = [1.0, 0.9, 0.8] + [0.8 * (1 + (1e-4 if k % 2 == 0 else -1e-4)) for k in range(12)]
    # signs: - - + - + - + ...: the third rise is d_8.
    fine = callbacks.Overclock(delta=-0.05)
    drive(fine, loss=L)
    assert fine.fired_at == 8
    coarse = callbacks.Overclock(delta=-0.05, rtol=1e-3)
    drive(coarse, loss=L)
    assert coarse.fired_at is None


def test_slow_stagnation_does_not_fire():
    # What a plateau scheduler reacts to: progress that dwindles, stalls, or
    # turns into a slow steady drift.  None of it zigzags.
    cb = callbacks
    creeping_to_floor = [0.3 + 0.7 * 0.98 ** e for e in range(80)]
    staircase = [1.0, 0.9, 0.9, 0.9, 0.85, 0.85, 0.85, 0.84, 0.84, 0.84, 0.84, 0.84]
    drift_up = [1.0, 0.7, 0.5, 0.45] + [0.45 + 0.001 * k for k in range(1, 30)]
    for L in (creeping_to_floor, staircase, drift_up):
        oc = cb.Overclock(delta=-0.05)
        drive(oc, loss=L)
        assert oc.fired_at is None, L
    # drift_up has plenty of rises; it is the missing flips that keep it quiet.
    assert cb.change_signs(drift_up)[-6:] == [1] * 6


def test_flat_change_breaks_a_zigzag():
    # A flat change (d_7 = 0) inside the window costs the two flips around it:
    # epochs 8..11 see 3 rises but only 3 flips.  At epoch 12 the 0 is the
    # window's first change: d_7..d_12 = 0 + - + - +, 3 rises and 4 flips.
    L = [1.0, 0.9, 0.8, 0.85, 0.75, 0.8, 0.8, 0.85, 0.75, 0.8, 0.7, 0.75, 0.65, 0.7]
    signs = callbacks.change_signs(L)
    assert signs == [-1, -1, 1, -1, 1, 0, 1, -1, 1, -1, 1, -1, 1]
    oc = callbacks.Overclock(delta=-0.05)
    drive(oc, loss=L)
    assert oc.fired_at == 12


def test_never_converged_run_does_not_fire():
    # With window=2, min_rises=1 one rise in the window would do, but the run
    # must have gone down once.  Epoch 3: (d_2, d_3) = (+, +) and no fall yet.
    # Epoch 4: (d_3, d_4) = (+, -): one rise, 1 flip >= 0, and now a fall.
    oc = callbacks.Overclock(delta=-0.05, window=2, min_rises=1, warmup=0)
    drive(oc, loss=[1.0, 1.1, 1.2, 1.15, 1.2])
    assert oc.fired_at == 4
    oc = callbacks.Overclock(delta=-0.05, window=2, min_rises=1, warmup=0)
    drive(oc, loss=[1.0, 1.1, 1.2, 1.3])
    assert oc.fired_at is None


def test_warmup_delays_the_first_possible_epoch():
    # window=2, min_rises=1: the window (d_2, d_3) = (-, +) already qualifies at
    # epoch 3; warmup=5 moves the first check to epoch 5, where (d_4, d_5) = (-, +).
    L = [1.0, 0.9, 1.0, 0.9, 1.0, 0.9, 1.0]
    early = callbacks.Overclock(delta=-0.05, window=2, min_rises=1, warmup=3)
    drive(early, loss=L)
    assert early.fired_at == 3
    late = callbacks.Overclock(delta=-0.05, window=2, min_rises=1, warmup=5)
    drive(late, loss=L)
    assert late.fired_at == 5


def test_once_true_fires_only_once():
    L = decreasing_then_zigzag(2, 40)
    oc = callbacks.Overclock(delta=-0.01)
    run = drive(oc, loss=L)
    assert oc.fired_epochs == [8]               # n_down + 6
    assert len(overclock_events(run)) == 1
    assert run.optimizer.lr == 0.1 - 0.01


def test_once_false_rearms_after_a_full_window():
    # First firing at 8; the next window must lie wholly after epoch 8, so the
    # earliest re-check is 8 + 6 = 14, where d_9..d_14 is still a zigzag.
    L = decreasing_then_zigzag(2, 30)            # 33 epochs
    oc = callbacks.Overclock(delta=-0.01, once=False)
    run = drive(oc, loss=L, lr=0.1)
    assert oc.fired_epochs == [8, 14, 20, 26, 32]
    assert oc.fired_at == 32
    events = overclock_events(run)
    assert [ev["epoch"] for ev in events] == [8, 14, 20, 26, 32]
    for before, after in zip(events, events[1:]):
        assert after["lr_before"] == before["lr_after"]    # the changes accumulate
    lr = 0.1
    for ev in events:
        assert ev["lr_before"] == lr
        lr = lr + (-0.01)
        assert ev["lr_after"] == lr


def test_once_false_does_not_fire_again_when_the_oscillation_stops():
    L = decreasing_then_zigzag(2, 6)             # zigzag d_4..d_9
    while len(L) < 30:
        L.append(L[-1] * 0.95)                   # then a clean descent
    oc = callbacks.Overclock(delta=-0.01, once=False)
    drive(oc, loss=L)
    assert oc.fired_epochs == [8]


# --------------------------------------------------------------------------- Overclock: manual and lr arithmetic

def test_manual_at_epoch_fires_exactly_there():
    L = [1.0 / e for e in range(1, 21)]          # monotone: the rule would never fire
    oc = callbacks.Overclock(delta=-0.03, at_epoch=12)
    run = drive(oc, loss=L, lr=0.1)
    assert oc.fired_at == 12
    assert overclock_events(run) == [{
        "epoch": 12, "kind": "overclock", "lr_before": 0.1, "lr_after": 0.1 - 0.03,
        "reason": "manual", "clamped": False,
    }]
    assert run.history.lr[:12] == [0.1] * 12
    assert run.history.lr[12:] == [0.1 - 0.03] * 8


def test_manual_mode_ignores_oscillation_and_missing_monitor():
    oc = callbacks.Overclock(delta=-0.03, at_epoch=3, monitor="val_loss")
    run = drive(oc, loss=ZIGZAG)                 # no val_loss at all: not needed
    assert oc.fired_epochs == [3]
    assert overclock_events(run)[0]["reason"] == "manual"


def test_manual_at_epoch_beyond_training_never_fires():
    oc = callbacks.Overclock(delta=-0.03, at_epoch=50)
    run = drive(oc, loss=ZIGZAG)
    assert oc.fired_at is None and run.optimizer.lr == 0.1


@pytest.mark.parametrize("delta", [-0.04, 0.04, -0.09, 0.5])
def test_delta_is_added_with_its_sign(delta):
    oc = callbacks.Overclock(delta=delta)
    run = drive(oc, loss=ZIGZAG, lr=0.1)
    ev = overclock_events(run)[0]
    assert ev["lr_before"] == 0.1
    assert ev["lr_after"] == 0.1 + delta
    assert (ev["lr_after"] > ev["lr_before"]) == (delta > 0)
    assert run.optimizer.lr == 0.1 + delta


@pytest.mark.parametrize("delta", [-0.1, -0.25])
def test_lr_that_would_reach_zero_is_clamped_to_min_lr(delta):
    oc = callbacks.Overclock(delta=delta, at_epoch=2, min_lr=1e-4)
    with pytest.warns(RuntimeWarning, match=r"Overclock at epoch 2: lr 0.1 \+ delta %g = .* clamped to 0.0001"
                      % delta):
        run = drive(oc, loss=[1.0, 0.9, 0.8], lr=0.1)
    assert overclock_events(run) == [{
        "epoch": 2, "kind": "overclock", "lr_before": 0.1, "lr_after": 1e-4,
        "reason": "manual", "clamped": True,
    }]
    assert run.optimizer.lr == 1e-4


def test_clamp_applies_when_lr_stays_positive_but_below_min_lr():
    oc = callbacks.Overclock(delta=-0.095, at_epoch=1, min_lr=0.01)
    with pytest.warns(RuntimeWarning, match="clamped to 0.01"):
        run = drive(oc, loss=[1.0, 0.9], lr=0.1)
    assert run.optimizer.lr == 0.01 and overclock_events(run)[0]["clamped"] is True
    oc = callbacks.Overclock(delta=-0.05, at_epoch=1, min_lr=0.01)
    with warnings.catch_warnings():
        warnings.simplefilter("error")                   # no clamp, no warning
        run = drive(oc, loss=[1.0, 0.9], lr=0.1)
    assert run.optimizer.lr == 0.1 - 0.05 and overclock_events(run)[0]["clamped"] is False


def test_events_survive_json():
    oc = callbacks.Overclock(delta=-0.05)
    run = drive(oc, loss=ZIGZAG, lr=np.float64(0.1))
    events = json.loads(json.dumps(run.history.events))
    assert events == run.history.events
    assert type(events[0]["lr_before"]) is float


def test_overclock_rearms_on_a_new_fit():
    oc = callbacks.Overclock(delta=-0.05)
    drive(oc, loss=ZIGZAG)
    assert oc.fired_at == 8
    drive(oc, loss=[1.0, 0.9, 0.8])              # a second fit with the same object
    assert oc.fired_at is None and oc.fired_epochs == []


def test_overclock_on_accuracy_watches_drops():
    # For a "max" monitor a drop of accuracy is the bad direction: the rule
    # runs on -accuracy.  This accuracy zigzags like ZIGZAG upside down.
    acc = [1.0 - v for v in ZIGZAG]
    oc = callbacks.Overclock(delta=-0.05, monitor="val_accuracy")
    drive(oc, metrics={"val_accuracy": acc})
    assert oc.fired_at == 8
    rising = [0.5 + 0.02 * e for e in range(20)]
    oc = callbacks.Overclock(delta=-0.05, monitor="val_accuracy")
    drive(oc, metrics={"val_accuracy": rising})
    assert oc.fired_at is None


def test_overclock_on_missing_val_loss_says_so():
    oc = callbacks.Overclock(delta=-0.05, monitor="val_loss")
    run = make_run()
    run.history.loss.append(1.0)
    run.history.val_loss.append(None)
    run.epoch = 1
    with pytest.raises(ValueError, match="val_loss.*validation data"):
        oc.on_epoch_end(run)                     # at once, not after the warm-up


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(delta=0.0), ValueError, "delta must be nonzero"),
    (dict(delta=0), ValueError, "delta must be nonzero"),
    (dict(delta=float("nan")), ValueError, "delta must be finite"),
    (dict(delta=float("inf")), ValueError, "delta must be finite"),
    (dict(delta="0.1"), TypeError, "delta must be a number"),
    (dict(delta=True), TypeError, "delta must be a number"),
    (dict(delta=-0.1, at_epoch=0), ValueError, "at_epoch must be >= 1"),
    (dict(delta=-0.1, at_epoch=2.0), TypeError, "at_epoch must be an integer"),
    (dict(delta=-0.1, at_epoch=True), TypeError, "at_epoch must be an integer"),
    (dict(delta=-0.1, window=1), ValueError, "window must be >= 2"),
    (dict(delta=-0.1, window=6.0), TypeError, "window must be an integer"),
    (dict(delta=-0.1, min_rises=0), ValueError, "min_rises must be >= 1"),
    (dict(delta=-0.1, min_rises=7), ValueError, "min_rises=7 cannot be met with window=6"),
    (dict(delta=-0.1, min_rises=4), ValueError, r"min_rises must be <= \(window \+ 1\) // 2 = 3"),
    (dict(delta=-0.1, warmup=-1), ValueError, "warmup must be >= 0"),
    (dict(delta=-0.1, once=1), TypeError, "once must be True or False"),
    (dict(delta=-0.1, min_lr=0.0), ValueError, "min_lr must lie in"),
    (dict(delta=-0.1, min_lr=-1e-3), ValueError, "min_lr must lie in"),
    (dict(delta=-0.1, rtol=-1e-9), ValueError, "rtol must lie in"),
    (dict(delta=-0.1, monitor=""), TypeError, "monitor must be a non-empty string"),
    (dict(delta=-0.1, monitor=None), TypeError, "monitor must be a non-empty string"),
    (dict(delta=-0.1, mode="down"), ValueError, "unknown mode"),
])
def test_overclock_rejects_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        callbacks.Overclock(**kwargs)


def test_overclock_accepts_the_largest_reachable_min_rises():
    oc = callbacks.Overclock(delta=-0.05, window=5, min_rises=3)   # + - + - +
    drive(oc, loss=[1.0, 0.9, 1.0, 0.9, 1.0, 0.9, 1.0])
    # Signs d_2..d_7: - + - + - +.  Epoch 6: d_2..d_6 = - + - + -: 2 rises.  Epoch 7: d_3..d_7 = + - + - +: 3 rises, 4 flips.
    assert oc.fired_at == 7


# --------------------------------------------------------------------------- EarlyStopping

def test_early_stopping_stops_after_patience():
    # Best 0.7 at epoch 3; epochs 4, 5, 6 do not beat it -> wait 3 = patience at epoch 6.
    val = [1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.5, 0.4]
    es = callbacks.EarlyStopping(patience=3)
    run = drive(es, val_loss=val)
    assert run.stop is True
    assert run.history.epoch == [1, 2, 3, 4, 5, 6]      # training ended there
    assert es.stopped_epoch == 6 and es.best_epoch == 3 and es.best == 0.7
    assert run.history.events == [{
        "epoch": 6, "kind": "early_stop", "best_epoch": 3, "monitor": "val_loss", "best": 0.7,
    }]


def test_early_stopping_waits_while_improving():
    es = callbacks.EarlyStopping(patience=2)
    run = drive(es, val_loss=[1.0 / e for e in range(1, 30)])
    assert run.stop is False and es.stopped_epoch is None and es.best_epoch == 29
    assert run.history.events == []


def test_an_improvement_resets_the_wait():
    # patience 3: epochs 3, 4 wait; 5 improves; 6, 7, 8 wait -> stop at 8, best 5.
    val = [1.0, 0.9, 0.95, 0.92, 0.85, 0.9, 0.9, 0.86, 0.1]
    es = callbacks.EarlyStopping(patience=3, restore_best=False)
    run = drive(es, val_loss=val)
    assert es.stopped_epoch == 8 and es.best_epoch == 5
    assert len(run.history.epoch) == 8


def test_min_delta_requires_a_real_improvement():
    # Steps of 0.01 to 0.02 do not count with min_delta=0.05; the drop of 0.11 does.
    val = [1.0, 0.98, 0.97, 0.86, 0.85, 0.84, 0.83, 0.82]
    es = callbacks.EarlyStopping(patience=2, min_delta=0.05, restore_best=False)
    drive(es, val_loss=val)
    # e1 best; e2, e3 wait 1, 2 -> stop at 3.
    assert es.stopped_epoch == 3 and es.best_epoch == 1
    es = callbacks.EarlyStopping(patience=3, min_delta=0.05, restore_best=False)
    drive(es, val_loss=val)
    # e1 best; e2, e3 wait; e4: 0.84 < 1.0 - 0.05 -> best; e5, e6, e7 wait -> stop at 7.
    assert es.stopped_epoch == 7 and es.best_epoch == 4
    es = callbacks.EarlyStopping(patience=2, min_delta=0.0, restore_best=False)
    drive(es, val_loss=val)
    assert es.stopped_epoch is None and es.best_epoch == 8


def test_early_stopping_on_training_loss_and_on_accuracy():
    es = callbacks.EarlyStopping(patience=2, monitor="loss", restore_best=False)
    drive(es, loss=[1.0, 0.5, 0.6, 0.7, 0.1])
    assert es.stopped_epoch == 4 and es.best_epoch == 2
    # Accuracy: higher is better ("auto" mode); drops and ties do not count.
    es = callbacks.EarlyStopping(patience=2, monitor="val_accuracy", restore_best=False)
    drive(es, metrics={"val_accuracy": [0.5, 0.7, 0.9, 0.9, 0.8, 0.95]})
    assert es.stopped_epoch == 5 and es.best_epoch == 3 and es.best == 0.9
    # An explicit mode overrides the guess.
    es = callbacks.EarlyStopping(patience=2, monitor="val_rmse", mode="min", restore_best=False)
    drive(es, metrics={"val_rmse": [0.5, 0.4, 0.45, 0.41]})
    assert es.stopped_epoch == 4 and es.best_epoch == 2


def test_nan_never_counts_as_improvement():
    nan = float("nan")
    es = callbacks.EarlyStopping(patience=2, restore_best=False)
    drive(es, val_loss=[nan, 1.0, nan, nan, 0.5])
    # e1 NaN: no best, wait 1; e2 best; e3, e4 wait -> stop at 4.
    assert es.best_epoch == 2 and es.stopped_epoch == 4


def _list_net():
    return SimpleNamespace(
        params={"W1": [[0.0, 0.0], [0.0, 0.0]], "b1": [0.0, 0.0]},
        buffers={"running_mean1": [0.0, 0.0]},
    )


def _array_net():
    return SimpleNamespace(
        params={"W1": np.zeros((2, 2)), "b1": np.zeros(2)},
        buffers={"running_mean1": np.zeros(2)},
    )


def _step_in_place(run):
    """A fake optimizer step: every parameter and buffer entry grows by 1, in place."""
    for store in (run.net.params, run.net.buffers):
        for name, value in store.items():
            if isinstance(value, np.ndarray):
                value += 1.0                             # in place, like opt.step
            elif isinstance(value[0], list):
                for row in value:
                    for j in range(len(row)):
                        row[j] += 1.0
            else:
                for j in range(len(value)):
                    value[j] += 1.0


def _as_lists(store):
    return {name: (v.tolist() if hasattr(v, "tolist") else v) for name, v in store.items()}


@pytest.mark.parametrize("make_net", [_list_net, _array_net], ids=["lists", "arrays"])
def test_restore_best_puts_back_the_best_epoch_in_place(make_net):
    # After epoch e every entry equals e.  Best val_loss at epoch 3; stop at 6.
    net = make_net()
    W1, b1, mean1 = net.params["W1"], net.params["b1"], net.buffers["running_mean1"]
    es = callbacks.EarlyStopping(patience=3)
    run = drive(es, val_loss=[1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.5], net=net, step=_step_in_place)
    assert es.stopped_epoch == 6 and es.best_epoch == 3 and es.restored is True
    assert _as_lists(run.net.params) == {"W1": [[3.0, 3.0], [3.0, 3.0]], "b1": [3.0, 3.0]}
    assert _as_lists(run.net.buffers) == {"running_mean1": [3.0, 3.0]}
    # Restored in place: the network's objects are the same ones, with their types.
    assert run.net.params["W1"] is W1 and run.net.params["b1"] is b1
    assert run.net.buffers["running_mean1"] is mean1
    assert type(W1) is type(make_net().params["W1"])


@pytest.mark.parametrize("make_net", [_list_net, _array_net], ids=["lists", "arrays"])
def test_restore_best_false_keeps_the_last_params(make_net):
    es = callbacks.EarlyStopping(patience=3, restore_best=False)
    run = drive(es, val_loss=[1.0, 0.8, 0.7, 0.75, 0.72, 0.71], net=make_net(), step=_step_in_place)
    assert es.restored is False
    assert _as_lists(run.net.params)["b1"] == [6.0, 6.0]


@pytest.mark.parametrize("make_net", [_list_net, _array_net], ids=["lists", "arrays"])
def test_restore_best_also_when_the_epochs_run_out(make_net):
    es = callbacks.EarlyStopping(patience=10)
    run = drive(es, val_loss=[1.0, 0.5, 0.6, 0.7], net=make_net(), step=_step_in_place)
    assert es.stopped_epoch is None and es.best_epoch == 2 and es.restored is True
    assert _as_lists(run.net.params)["W1"] == [[2.0, 2.0], [2.0, 2.0]]


def test_no_restore_when_the_last_epoch_is_best():
    es = callbacks.EarlyStopping(patience=2)
    run = drive(es, val_loss=[1.0, 0.5, 0.4], net=_list_net(), step=_step_in_place)
    assert es.restored is False and run.net.params["b1"] == [3.0, 3.0]


def test_restore_best_handles_scalar_params_and_no_buffers():
    # A Network221-style net: named float parameters, no buffers attribute.
    net = SimpleNamespace(params={"w1": 0.0, "b1": 0.0})

    def step(run):
        for name in run.net.params:
            run.net.params[name] += 1.0

    es = callbacks.EarlyStopping(patience=2)
    run = drive(es, val_loss=[1.0, 0.5, 0.6, 0.7], net=net, step=step)
    assert es.best_epoch == 2 and run.net.params == {"w1": 2.0, "b1": 2.0}


def test_snapshot_is_a_deep_copy():
    net = _list_net()
    params, buffers = callbacks.snapshot(net)
    net.params["W1"][0][0] = 9.0
    net.buffers["running_mean1"][1] = 9.0
    assert params["W1"][0][0] == 0.0 and buffers["running_mean1"][1] == 0.0
    arrays = _array_net()
    params, _ = callbacks.snapshot(arrays)
    arrays.params["W1"] += 5.0
    assert params["W1"].tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_early_stopping_without_validation_data_says_so():
    es = callbacks.EarlyStopping()                  # monitor="val_loss"
    with pytest.raises(ValueError, match="cannot monitor 'val_loss'.*validation data"):
        drive(es, loss=[1.0, 0.9])                       # val_loss holds None
    run = make_run()
    run.history.val_loss = []
    with pytest.raises(ValueError, match="val_loss"):
        es.on_epoch_end(run)


def test_early_stopping_on_an_unknown_metric_says_so():
    es = callbacks.EarlyStopping(monitor="val_accuracy")
    with pytest.raises(ValueError, match="cannot monitor 'val_accuracy'.*'loss', 'val_loss', 'rmse'"):
        drive(es, val_loss=[1.0], metrics={"rmse": [0.5]})


def test_early_stopping_resets_on_a_new_fit():
    es = callbacks.EarlyStopping(patience=1, restore_best=False)
    drive(es, val_loss=[1.0, 2.0])
    assert es.stopped_epoch == 2
    drive(es, val_loss=[5.0, 4.0])
    assert es.stopped_epoch is None and es.best == 4.0 and es.best_epoch == 2


def test_early_stopping_and_overclock_together():
    # Overclock fires at 8 on ZIGZAG; val_loss stalls from epoch 4, patience 5 -> stop at 9.
    val = [1.0, 0.8, 0.7, 0.6] + [0.65] * 20
    oc = callbacks.Overclock(delta=-0.05)
    es = callbacks.EarlyStopping(patience=5, restore_best=False)
    run = drive([oc, es], loss=ZIGZAG[:len(val)], val_loss=val)
    assert [ev["kind"] for ev in run.history.events] == ["overclock", "early_stop"]
    assert [ev["epoch"] for ev in run.history.events] == [8, 9]


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(patience=0), ValueError, "patience must be >= 1"),
    (dict(patience=2.5), TypeError, "patience must be an integer"),
    (dict(min_delta=-0.1), ValueError, "min_delta must lie in"),
    (dict(min_delta=float("nan")), ValueError, "min_delta must be finite"),
    (dict(monitor=3), TypeError, "monitor must be a non-empty string"),
    (dict(restore_best="yes"), TypeError, "restore_best must be True or False"),
    (dict(mode="best"), ValueError, "unknown mode"),
])
def test_early_stopping_rejects_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        callbacks.EarlyStopping(**kwargs)


def test_restore_best_needs_params():
    es = callbacks.EarlyStopping(patience=1)
    with pytest.raises(TypeError, match="restore_best needs a network with a .params dict"):
        drive(es, val_loss=[1.0, 2.0], net=SimpleNamespace())


# ------------------------------------------------------------- slow swells (min_flips)

SWELL = [1.0, 0.8, 0.6, 0.5, 0.45, 0.5, 0.6, 0.75, 0.9, 0.8, 0.6]
# changes (epoch: sign): 2-, 3-, 4-, 5-, 6+, 7+, 8+, 9+, 10-, 11-


def test_swell_does_not_fire_with_the_default_zigzag_rule():
    """Four rises in a row have one sign flip, far from the 4 a zigzag needs."""
    run = drive(callbacks.Overclock(delta=-0.01), loss=SWELL)
    assert overclock_events(run) == []


def test_swell_fires_with_min_flips_1_at_the_third_rise():
    """With min_flips=1, epoch 8 is the first whose last 6 changes (epochs 3..8:
    - - - + + +) hold 3 rises and 1 flip (the fall at 5, then the rise at 6)."""
    clock = callbacks.Overclock(delta=-0.01, min_flips=1)
    run = drive(clock, loss=SWELL, lr=0.1)
    assert [e["epoch"] for e in overclock_events(run)] == [8]
    assert overclock_events(run)[0]["lr_after"] == pytest.approx(0.09, rel=1e-15)


def test_min_flips_0_still_needs_the_loss_to_have_fallen():
    """A run that only ever rises is not oscillating, even with min_flips=0."""
    run = drive(callbacks.Overclock(delta=-0.01, min_flips=0), loss=[1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7])
    assert overclock_events(run) == []


@pytest.mark.parametrize("kwargs, message", [
    (dict(min_flips=6), "min_flips=6 cannot be met with window=6"),
    (dict(min_flips=-1), "min_flips must be >= 0"),
    (dict(min_flips=1, min_rises=7), "min_rises=7 cannot exceed window=6"),
])
def test_min_flips_arguments_are_checked(kwargs, message):
    with pytest.raises(ValueError, match=message):
        callbacks.Overclock(delta=-0.01, **kwargs)
