"""W1-W5 in both twins: time per optimizer step and per epoch.

Per step: the same network (seed 0), the same batches (``fit``'s schedule),
the same number of steps in both twins: ``WARMUP_STEPS`` warm-up steps, timed
by hand and kept in ``extra_info["first_steps"]`` (the cold start: buffers,
page faults, lazy initialisation), then ``Workload.step_rounds`` rounds of
one step each for pytest-benchmark's statistics.  Per epoch: ``net.fit(..., epochs=1)`` repeatedly (each
call validates the data once, as ``fit`` does); the scalar twin's W4 epoch
(50 steps of about a second and a half) is not timed: its per-step time is.

In the smoke run (``--benchmark-disable``) each test takes two steps or one
epoch on a few rows, and checks that the losses are finite; the first test
below checks that the twins really do the same work.
"""

import math
import time

import pytest

from twin_nn.bench.workloads import WARMUP_STEPS, WORKLOADS, twin_epoch, twin_stepper

KEYS = sorted(WORKLOADS)
TWINS = ["scalar", "vector", "fast"]    # "fast": the tuned engine vector_nn.fast


@pytest.mark.parametrize("key", KEYS)
def test_twins_take_the_same_steps(key):
    """Two steps of the smoke inputs: both twins report the same losses (to rounding)."""
    w = WORKLOADS[key]
    losses = {}
    for twin in TWINS:
        step, _ = twin_stepper(w, twin, 2, smoke=True)
        losses[twin] = [step(), step()]
    for twin in TWINS[1:]:
        for a, b in zip(losses["scalar"], losses[twin]):
            assert a == pytest.approx(b, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("twin", TWINS)
@pytest.mark.parametrize("key", KEYS)
def test_step(benchmark, quick, key, twin):
    w = WORKLOADS[key]
    benchmark.group = "%s · per step" % w.label
    steps = 2 if quick else w.step_rounds
    step, _ = twin_stepper(w, twin, steps, quick)
    losses = []

    def one_step():
        losses.append(step())

    first_steps = []
    for _ in range(0 if quick else WARMUP_STEPS):
        t0 = time.perf_counter()
        one_step()
        first_steps.append(time.perf_counter() - t0)
    benchmark.pedantic(one_step, rounds=steps, warmup_rounds=0, iterations=1)
    while len(losses) < steps:          # the smoke run: pedantic called it once
        one_step()
    benchmark.extra_info.update(contestant=twin, workload=key, kind="step", steps=len(losses),
                                first_steps=first_steps, first_losses=losses[:5])
    assert all(math.isfinite(v) for v in losses)


@pytest.mark.parametrize("twin", TWINS)
@pytest.mark.parametrize("key", KEYS)
def test_epoch(benchmark, quick, key, twin):
    w = WORKLOADS[key]
    benchmark.group = "%s · per epoch" % w.label
    rounds = w.epoch_rounds.get(twin, w.epoch_rounds["vector"])
    if rounds is None:
        pytest.skip("%s %s: %s" % (key, twin, w.notes.split("; ")[0]))
    epoch, _ = twin_epoch(w, twin, quick)
    histories = []

    def one_epoch():
        histories.append(epoch())

    benchmark.pedantic(one_epoch, rounds=1 if quick else rounds, warmup_rounds=0, iterations=1)
    benchmark.extra_info.update(contestant=twin, workload=key, kind="epoch",
                                steps_per_epoch=w.steps_per_epoch(quick),
                                epochs=len(histories))
    assert all(math.isfinite(h.loss[-1]) for h in histories)
