"""What ``fit`` does for a user who asked for nothing: keep the best epoch, stop a divergence,
and take the data as people hold it (label names, one-hot rows, (n, 1) columns, DataFrames).

The guards and the input handling are shared code (``toolkit/guards.py``,
``toolkit/inputs.py``); they are tested on real ``fit`` runs in every twin,
because what they touch (parameters, arrays) differs per twin.
"""

import math

import pytest

from scalar_nn.toolkit import datasets as sd
from scalar_nn.toolkit import training
from scalar_nn.toolkit.guards import DivergenceGuard, KeepBest, kept_best_note
from twin_nn.recipes import ParamRecorder, flatten_params


def overfitting_run(twin, keep_best=True):
    """A wide net on 24 noisy rows: the validation loss bottoms out early, then climbs."""
    X, Y = sd.sine3d(n=40, seed=3)
    Y = [[y[0] + (0.5 if i % 2 else -0.5)] for i, y in enumerate(Y)]
    net = twin.mlp.MLP([3, 64, 64, 1], "tanh", "linear", "mse", seed=0)
    rec = ParamRecorder()
    hist = net.fit(X, Y, twin.optim.Adam(lr=0.02), epochs=80, batch_size=8, val_split=0.4, verbose=0,
                   callbacks=[rec], keep_best=keep_best)
    return net, hist, rec


def test_fit_keeps_the_best_validation_epoch_by_default(net_twin):
    net, hist, rec = overfitting_run(net_twin)
    best = min(range(len(hist.val_loss)), key=lambda i: hist.val_loss[i])
    assert best + 1 < len(hist.epoch), "the run must overfit for this test to mean anything"
    assert flatten_params(net.params) == rec.snapshots[best]
    event = [e for e in hist.events if e["kind"] == "kept_best"][-1]
    assert (event["epoch"], event["of"], event["restored"]) == (best + 1, 80, True)
    assert event["best"] == hist.val_loss[best] and event["last"] == hist.val_loss[-1]
    note = kept_best_note(hist)
    assert note == "kept epoch %d of 80 (val_loss %g vs %g at the end)" % (best + 1, hist.val_loss[best],
                                                                           hist.val_loss[-1])


def test_keep_best_false_keeps_the_last_epoch(net_twin):
    net, hist, rec = overfitting_run(net_twin, keep_best=False)
    assert flatten_params(net.params) == rec.snapshots[-1]
    assert not [e for e in hist.events if e["kind"] == "kept_best"] and kept_best_note(hist) is None


def test_without_validation_nothing_is_kept_or_said(net_twin):
    X, Y = sd.sine3d(n=16, seed=0)
    net = net_twin.mlp.MLP([3, 4, 1], "tanh", "linear", "mse", seed=0)
    hist = net.fit(X, Y, net_twin.optim.SGD(0.05), epochs=3, verbose=0)
    assert hist.events == [] and kept_best_note(hist) is None


def test_a_loss_that_grows_100x_over_its_best_stops_at_once(net_twin):
    """The issue's run (SGD lr 5, momentum 0.9, raw inputs): it used to print 36-digit losses and exit 0."""
    X, Y = sd.sine3d(n=32, seed=0)
    X = [[10.0 * v for v in row] for row in X]
    net = net_twin.mlp.MLP([3, 16, 1], "tanh", "linear", "mse", seed=0)
    with pytest.raises(training.TrainingDiverged) as exc:
        net.fit(X, Y, net_twin.optim.SGD(5.0, momentum=0.9), epochs=100, batch_size=8, verbose=0)
    message = str(exc.value)
    assert "training diverged" in message and "try a smaller lr" in message
    hist = exc.value.history
    assert len(hist.epoch) < 100
    L = hist.loss
    assert not math.isfinite(L[-1]) or (L[-1] > 100 * min(L) and L[-1] > L[0])


def test_the_guard_rule_on_curves():
    """DivergenceGuard's rule, on made-up curves: 100x over the best AND above the start."""

    class Run:
        def __init__(self, losses):
            self.history = training.History()
            self.history.loss = list(losses)
            self.epoch = len(losses)

            class Opt:
                def current_lr(self):
                    return 0.1
            self.optimizer = Opt()

    guard = DivergenceGuard(100.0)
    guard.on_epoch_end(Run([0.7, 1e-6, 1e-4]))                 # 100x its best, but far below the start
    guard.on_epoch_end(Run([0.7, 0.5, 40.0]))                  # above the start, but only 80x its best
    with pytest.raises(training.TrainingDiverged, match="at epoch 3 to 60, 120 times its best"):
        guard.on_epoch_end(Run([0.7, 0.5, 60.0]))
    with pytest.raises(training.TrainingDiverged, match="became nan"):
        guard.on_epoch_end(Run([0.7, float("nan")]))
    with pytest.raises(ValueError):
        DivergenceGuard(1.0)


def test_divergence_none_turns_the_guard_off(net_twin):
    X, Y = sd.sine3d(n=32, seed=0)
    net = net_twin.mlp.MLP([3, 8, 1], "tanh", "linear", "mse", seed=0)
    net.fit(X, Y, net_twin.optim.SGD(1.0), epochs=5, verbose=0, divergence=None)


def test_a_users_early_stopping_replaces_keep_best():
    from scalar_nn.toolkit.callbacks import EarlyStopping
    from scalar_nn.toolkit.guards import default_guards
    assert [type(g) for g in default_guards([], True)] == [DivergenceGuard, KeepBest]
    assert [type(g) for g in default_guards([EarlyStopping()], True)] == [DivergenceGuard]
    assert [type(g) for g in default_guards([], False, divergence=None)] == []
    with pytest.raises(TypeError, match="keep_best must be True or False"):
        default_guards([], True, keep_best="yes")


def test_epoch_lines_print_numbers_with_g():
    h = training.History()
    h.record(1, 1.23456789e30, 0.5, {"rmse": 2.5e-7}, 0.01, 0.0)
    line = training.format_epoch(h, 0, 10)
    assert "train loss 1.23457e+30" in line and "train rmse 2.5e-07" in line and len(line) < 100
