"""Overclock's automatic rule on synthetic loss curves: when a zigzag is an oscillation, and when not.

Every expected epoch is worked out by hand from the rule in ``Overclock``'s
docstring and written as a literal (the fake ``fit``: fake_fit.py).
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parity_tests.core.fake_fit import ZIGZAG, drive, overclock_events
from scalar_nn.toolkit import callbacks


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
