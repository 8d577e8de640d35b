"""EarlyStopping on synthetic validation curves: patience, min_delta, modes, restoring the best epoch.

The parameters it snapshots and restores in place are lists in the scalar
twin and arrays in the vector twin: the fake nets hold either (``make_net``).
Real training runs with it, in every twin, are in test_training.py; the fake
``fit`` is fake_fit.py.
"""

from types import SimpleNamespace

import numpy as np
import pytest

from parity_tests.core.fake_fit import drive, make_run
from scalar_nn.toolkit import callbacks


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
