"""fit, History and callbacks on real training runs, in every twin.

The training loop is shared (``scalar_nn/toolkit/training.py``); what differs
per twin is the network it drives and the ``TrainingOps`` it is handed
(``net.ops``).  So the tests that train run over ``net_twin`` (scalar, plain
vector, the fast engine), and the experiments of ``run_all`` are compared
across the three: the same seed must give the same batches, the same split,
the same dropout masks and so the same history (up to float64 rounding, see
PARITY.md).  The callbacks' rules are pinned once, on synthetic curves, in
test_callbacks.py, test_overclock_rule.py, test_overclock_lr.py and
test_early_stopping.py; here they ride on real ``fit`` runs.  Pure loop logic
(``sequential_batch``, ``TrainingDiverged``) is tested once.
"""

import io
import json
import math

import pytest

from scalar_nn.mlp import MLP
from scalar_nn.optim import SGD
from scalar_nn.toolkit import datasets as sd
from scalar_nn.toolkit import training
from scalar_nn.toolkit.callbacks import EarlyStopping, Overclock
from twin_nn.recipes import ParamRecorder, flatten_params

# Lockstep differences are ~1e-15 relative per step (docs/PARITY.md); over a
# few dozen steps of a small, well-conditioned net they stay far below 1e-10.
RTOL = 1e-10


def close(a, b, rtol=RTOL):
    return abs(a - b) <= rtol * max(abs(a), abs(b), 1e-300)


def run_all(make_and_fit):
    """Run the same experiment in every twin: {"scalar": result, "vector": result, "fast": result}.

    ``make_and_fit(pkg)`` builds with ``pkg.MLP``, ``pkg.SGD``, ``pkg.Adam``.
    """
    import scalar_nn
    import vector_nn
    import vector_nn.fast
    return {"scalar": make_and_fit(scalar_nn), "vector": make_and_fit(vector_nn),
            "fast": make_and_fit(vector_nn.fast)}


def test_regression_fit_gives_the_same_history_in_both_twins():
    X, Y = sd.sine3d(n=64, seed=1)

    def experiment(pkg):
        net = pkg.MLP([3, 8, 1], "tanh", "linear", "mse", seed=2)
        opt = pkg.SGD(0.05, momentum=0.9, decay=0.01)
        return net.fit(X, Y, opt, epochs=6, batch_size=16, val_split=0.25, seed=5, verbose=0)

    h = run_all(experiment)
    for other in ("vector", "fast"):
        assert h["scalar"].epoch == h[other].epoch == [1, 2, 3, 4, 5, 6]
        for key in ("loss", "val_loss", "lr"):
            for a, b in zip(getattr(h["scalar"], key), getattr(h[other], key)):
                assert close(a, b), (other, key, a, b)
        for name in ("rmse", "val_rmse"):
            for a, b in zip(h["scalar"].metrics[name], h[other].metrics[name]):
                assert close(a, b), (other, name, a, b)
    # lr decays once per step: 48 training rows / 16 = 3 steps per epoch, so the
    # last step of epoch 6 is step s = 17 (0-based) and ran at lr0 / (1 + decay * 17).
    assert h["scalar"].lr[-1] == pytest.approx(0.05 / (1 + 0.01 * 17), rel=1e-15)


def test_classification_fit_with_dropout_gives_the_same_accuracy_in_both_twins():
    X, y = sd.spiral(n_per_class=20, seed=3)

    def experiment(pkg):
        net = pkg.MLP([2, 16, 3], "relu", "softmax", "cross_entropy", seed=4, dropout=0.2, l2=1e-3)
        opt = pkg.Adam(0.01)
        hist = net.fit(X, y, opt, epochs=5, batch_size=10, val_split=0.2, seed=1, verbose=0)
        return hist, net.draws

    r = run_all(experiment)
    hs, draws_s = r["scalar"]
    for other in ("vector", "fast"):
        hv, draws_v = r[other]
        assert draws_s == draws_v == 5 * 5          # 48 training rows / 10 = 5 steps per epoch
        # Accuracy counts are integers: identical masks and batches make them equal exactly.
        assert hs.metrics["accuracy"] == hv.metrics["accuracy"], other
        assert hs.metrics["val_accuracy"] == hv.metrics["val_accuracy"], other
        for a, b in zip(hs.loss, hv.loss):
            assert close(a, b), other


def test_divergence_stops_with_the_epoch_and_a_hint(net_twin):
    X, Y = sd.sine3d(n=32, seed=0)
    net = net_twin.mlp.MLP([3, 16, 1], "relu", "linear", "mse", seed=0)
    with pytest.raises(training.TrainingDiverged, match=r"at epoch \d+ .*try a smaller lr"):
        net.fit([[100.0 * v for v in row] for row in X], Y, net_twin.optim.SGD(50.0), epochs=50, verbose=0)


def test_divergence_is_a_value_error_for_callers_that_catch_those():
    """Code that guards a run with ``except ValueError`` catches divergence too (shared loop: tested once)."""
    X, Y = sd.sine3d(n=32, seed=0)
    net = MLP([3, 16, 1], "relu", "linear", "mse", seed=0)
    try:
        net.fit([[100.0 * v for v in row] for row in X], Y, SGD(50.0), epochs=50, verbose=0)
    except ValueError as caught:
        assert type(caught) is training.TrainingDiverged and "smaller lr" in str(caught)
    else:
        pytest.fail("training at lr 50 on inputs of order 100 did not diverge")


def test_early_stopping_restores_the_best_epoch_in_every_twin():
    X, Y = sd.sine3d(n=80, seed=7)
    Xtr, Ytr, Xv, Yv = sd.train_val_split(X, Y, 0.25, seed=0)

    def experiment(pkg):
        net = pkg.MLP([3, 12, 1], "tanh", "linear", "mse", seed=1)
        # An lr this large makes the validation loss bounce, so patience runs out.  It
        # also makes the training loss run away (1e5 -> 1e24), which the default
        # divergence guard would stop first: it is off here, to test EarlyStopping.
        stop = EarlyStopping(patience=3, restore_best=True)
        rec = ParamRecorder()
        hist = net.fit(Xtr, Ytr, pkg.SGD(0.9), epochs=60, batch_size=8, validation=(Xv, Yv),
                       callbacks=[rec, stop], verbose=0, divergence=None)
        return net, hist, stop, rec

    for twin_name, (net, hist, stop, rec) in run_all(experiment).items():
        best = min(range(len(hist.val_loss)), key=lambda i: hist.val_loss[i])
        assert stop.best_epoch == best + 1, twin_name
        assert len(hist.epoch) == stop.best_epoch + 3, twin_name       # stopped after patience
        assert flatten_params(net.params) == rec.snapshots[best], twin_name
        assert any(e["kind"] == "early_stop" for e in hist.events)


def test_overclock_fires_at_the_same_epoch_in_every_twin():
    """A small full-batch Swish regression that swells at lr 0.1; automatic detection."""
    X, Y = sd.swish_regression(n=40, scale=2.0)

    def experiment(pkg):
        net = pkg.MLP([8, 8, 1], "swish", "linear", "mse", seed=0)
        clock = Overclock(delta=-0.01, min_flips=1)
        hist = net.fit(X, Y, pkg.SGD(0.1), epochs=45, shuffle=False, callbacks=[clock], verbose=0)
        return clock, hist

    r = run_all(experiment)
    cs, hs = r["scalar"]
    for other in ("vector", "fast"):
        cv, hv = r[other]
        assert cs.fired_epochs == cv.fired_epochs == [40], other
        assert hs.events == hv.events, other
        assert hs.lr == hv.lr, other
    assert hs.lr[39] == 0.1 and hs.lr[40] == pytest.approx(0.09, rel=1e-15)


def test_history_round_trips_through_json(net_twin):
    X, Y = sd.moons(n=40, seed=0)
    net = net_twin.mlp.MLP([2, 4, 2], "tanh", "softmax", "cross_entropy", seed=0)
    hist = net.fit(X, Y, net_twin.optim.SGD(0.1), epochs=3, batch_size=8, val_split=0.25, verbose=0)
    again = training.History.from_dict(json.loads(json.dumps(hist.to_dict())))
    assert again.to_dict() == hist.to_dict()
    assert len(again) == 3 and "3 epochs" in repr(again)


def test_train_step_on_an_explicit_batch_matches_loss_and_grads(net_twin):
    X, Y = sd.sine3d(n=10, seed=0)
    a = net_twin.mlp.MLP([3, 4, 1], "sigmoid", "linear", "mse", seed=0)
    b = net_twin.mlp.MLP([3, 4, 1], "sigmoid", "linear", "mse", seed=0)
    batch = [7, 2, 2, 9]
    loss = training.train_step(a, net_twin.optim.SGD(0.1), X, Y, batch=batch)
    expected, grads = b.loss_and_grads([X[i] for i in batch], [Y[i] for i in batch])
    net_twin.optim.SGD(0.1).step(b.params, grads)
    assert loss == expected
    for name in a.params:
        assert _as_list(a.params[name]) == _as_list(b.params[name])


def _as_list(x):
    return x.tolist() if hasattr(x, "tolist") else x


def test_sequential_batches_wrap_around():
    assert training.sequential_batch(10, 4, 0) == [0, 1, 2, 3]
    assert training.sequential_batch(10, 4, 2) == [8, 9, 0, 1]


def test_progress_lines_follow_log_every(net_twin):
    X, Y = sd.sine3d(n=16, seed=0)
    net = net_twin.mlp.MLP([3, 4, 1], "tanh", "linear", "mse", seed=0)
    out = io.StringIO()
    net.fit(X, Y, net_twin.optim.SGD(0.1), epochs=10, log_every=4, verbose=1, out=out)
    lines = out.getvalue().splitlines()
    assert [line.split()[1] for line in lines] == ["4/10", "8/10", "10/10"]
    assert all("loss" in line and "rmse" in line and "lr 0.1" in line for line in lines)
    quiet = io.StringIO()
    net.fit(X, Y, net_twin.optim.SGD(0.1), epochs=2, verbose=0, out=quiet)
    assert quiet.getvalue() == ""


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(epochs=-1), ValueError, "epochs must be >= 0"),
    (dict(epochs=2.5), TypeError, "epochs must be an integer"),
    (dict(batch_size=0), ValueError, "batch_size must be >= 1"),
    (dict(val_split=1.0), ValueError, "val_split must lie in"),
    (dict(val_split=0.2, validation=([[0.0, 0.0, 0.0]], [[0.0]])), ValueError, "either val_split or validation"),
    (dict(log_every=0), ValueError, "log_every must be >= 1"),
    # 0.04 of 8 rows rounds to no validation row: a clear error in both twins, not an
    # IndexError (scalar) or ZeroDivisionError (vector) from scoring an empty set.
    (dict(val_split=0.04), ValueError, r"val_split=0.04 of 8 rows rounds to 0 validation rows: "
                                       r"use val_split > 0.0625"),
])
def test_fit_rejects_bad_options(net_twin, kwargs, error, message):
    X, Y = sd.sine3d(n=8, seed=0)
    net = net_twin.mlp.MLP([3, 2, 1], "tanh", "linear", "mse", seed=0)
    with pytest.raises(error, match=message):
        net.fit(X, Y, net_twin.optim.SGD(0.1), verbose=0, **kwargs)


def test_val_split_of_40_rows_needs_at_least_one_row(twin):
    """The user's case: val_split=0.01 of 40 rows is refused alike; 0.02 (one row) trains."""
    X, Y = sd.sine3d(n=40, seed=0)
    net = twin.mlp.MLP([3, 2, 1], "tanh", "linear", "mse", seed=0)
    with pytest.raises(ValueError, match=r"val_split=0.01 of 40 rows rounds to 0 validation rows"):
        net.fit(X, Y, twin.optim.SGD(0.1), epochs=1, val_split=0.01, verbose=0)
    hist = net.fit(X, Y, twin.optim.SGD(0.1), epochs=1, val_split=0.02, verbose=0)
    assert hist.val_loss[0] is not None and math.isfinite(hist.val_loss[0])


def test_zero_epochs_leave_the_net_untouched(net_twin):
    X, Y = sd.sine3d(n=8, seed=0)
    net = net_twin.mlp.MLP([3, 2, 1], "tanh", "linear", "mse", seed=0)
    before = {k: _as_list(v) for k, v in net.params.items()}
    hist = net.fit(X, Y, net_twin.optim.SGD(0.1), epochs=0, verbose=0)
    assert len(hist) == 0 and {k: _as_list(v) for k, v in net.params.items()} == before
    assert not math.isnan(net.loss(X, Y))


def test_repr_of_networks_and_optimizers_reads_like_the_call_that_made_them(twin):
    """repr(MLP), repr(SGD), repr(Adam): the constructor call (options that differ from the default) and steps."""
    net = twin.mlp.MLP([3, 4, 1], hidden="tanh", seed=2)
    assert repr(net) == "MLP([3, 4, 1], hidden='tanh', output='linear', loss='mse', seed=2)"
    rich = twin.mlp.MLP([2, 8, 3], hidden="relu", output="softmax", loss="cross_entropy", l2=1e-4,
                        dropout=0.1, batchnorm=True, bn_momentum=0.2)
    assert repr(rich) == ("MLP([2, 8, 3], hidden='relu', output='softmax', loss='cross_entropy', seed=0, "
                          "l2=0.0001, dropout=0.1, batchnorm=True, bn_momentum=0.2)")
    sgd = twin.optim.SGD(0.1, momentum=0.9)
    assert repr(sgd) == "SGD(lr=0.1, momentum=0.9, dampening=0, decay=0, steps=0)"
    adam = twin.optim.Adam(0.003, decay=2e-4)
    assert repr(adam) == "Adam(lr=0.003, beta1=0.9, beta2=0.999, eps=1e-08, decay=0.0002, steps=0)"
    X, Y = sd.sine3d(n=8, seed=0)
    net.fit(X, Y, adam, epochs=2, batch_size=4, verbose=0)
    assert repr(adam).endswith("steps=4)")
