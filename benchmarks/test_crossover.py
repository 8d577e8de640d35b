"""The crossover sweep: one SGD step of an [n, n, 1] tanh net, n = 1 .. 512, batch 1/8/32/256.

Rounds are chosen from one untimed warm-up call so that each point takes
about a quarter of a second (at least one round); the smoke run times the
four corners n in {1, 8} x batch in {1, 32} once.  The PyPy column is
measured by ``benchmarks/measure.py crossover`` under pypy3 (see run.py).
"""

import math
import time

import pytest

from twin_nn.bench.crossover import crossover_stepper


@pytest.mark.parametrize("twin", ["scalar", "vector"])
def test_crossover(benchmark, quick, twin, width, batch):
    benchmark.group = "crossover batch=%d" % batch
    step = crossover_stepper(twin, width, batch)
    t0 = time.perf_counter()
    loss = step()                       # warm-up, untimed
    one = time.perf_counter() - t0
    if quick:
        rounds, iterations = 1, 1
    else:
        iterations = max(1, int(0.002 / max(one, 1e-7)))
        rounds = max(1, min(100, int(0.25 / (one * iterations))))
    losses = []
    benchmark.pedantic(lambda: losses.append(step()), rounds=rounds, iterations=iterations, warmup_rounds=0)
    benchmark.extra_info.update(contestant=twin, kind="crossover", n=width, m=batch)
    assert math.isfinite(loss) and all(math.isfinite(v) for v in losses)
