"""Overclock's manual mode, its lr arithmetic (signed delta, clamp to min_lr), its events and its arguments.

(The automatic rule: test_overclock_rule.py; the fake ``fit``: fake_fit.py.)
"""

import json
import warnings

import numpy as np
import pytest

from parity_tests.core.fake_fit import ZIGZAG, drive, make_run, overclock_events
from scalar_nn.toolkit import callbacks


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
