"""Callbacks on synthetic loss curves (the fake ``fit`` of fake_fit.py): what holds for them as a whole.

No network is trained in the callback tests.  Overclock's automatic rule is
pinned in test_overclock_rule.py, its manual mode, lr arithmetic and
arguments in test_overclock_lr.py, EarlyStopping in test_early_stopping.py.
Every expected epoch there is worked out by hand from the rule in
``Overclock``'s docstring and written as a literal.

The callbacks are shared code (``scalar_nn/toolkit/callbacks.py``, used by both
twins' ``fit``), so every test of them runs once.  The one thing that depends on
the twin, the type of the parameters that ``EarlyStopping`` snapshots and
restores in place, is covered by the fake nets holding lists or arrays
(``make_net`` in test_early_stopping.py); real training runs in every twin are
in test_training.py.
"""

from parity_tests.core.fake_fit import ZIGZAG, drive
from scalar_nn.toolkit import callbacks


def test_the_callbacks_exist_once_for_both_twins():
    # The logic is non-numeric: one rule for both twins, not two copies that may
    # drift; so the callback tests run it once.  What differs per twin -- training a real
    # network in each twin with a callback -- is in test_training.py.
    import importlib.util
    assert importlib.util.find_spec("vector_nn.toolkit.callbacks") is None
    assert importlib.util.find_spec("vector_nn.callbacks") is None


def test_base_callback_hooks_do_nothing():
    run = drive(callbacks.Callback(), loss=[1.0, 0.5, 2.0])
    assert run.stop is False and run.history.events == [] and run.optimizer.lr == 0.1


def test_early_stopping_and_overclock_together():
    # Overclock fires at 8 on ZIGZAG; val_loss stalls from epoch 4, patience 5 -> stop at 9.
    val = [1.0, 0.8, 0.7, 0.6] + [0.65] * 20
    oc = callbacks.Overclock(delta=-0.05)
    es = callbacks.EarlyStopping(patience=5, restore_best=False)
    run = drive([oc, es], loss=ZIGZAG[:len(val)], val_loss=val)
    assert [ev["kind"] for ev in run.history.events] == ["overclock", "early_stop"]
    assert [ev["epoch"] for ev in run.history.events] == [8, 9]
