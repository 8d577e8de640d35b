"""The crossover sweep: one SGD step of an [n, n, 1] tanh network, scalar vs vector.

For tiny networks and batch 1 the scalar loops win: every NumPy call costs
about a microsecond of Python-to-C overhead whatever its size, and a step
makes dozens of calls.  As ``n`` and the batch grow, the loops pay ~50 ns per
multiply-add while NumPy/BLAS pays well under one, and the vector twin takes
over.  This module builds the sweep's steps and times them; it imports under
PyPy without NumPy (``measure.py crossover`` runs it there).

Network: ``MLP([n, n, 1], hidden="tanh", output="linear", loss="mse", seed=0)``,
optimizer ``SGD(lr=0.01)``, one full-batch ``train_step`` on an (m, n) batch
of uniforms in [-1, 1) from ``key_for(0, DATA, 77, n, m)``.
"""

import time

from scalar_nn import rng

from .workloads import twin_module

WIDTHS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
BATCHES = [1, 8, 32, 256]
SMOKE_WIDTHS = [1, 8]            # the --benchmark-disable smoke run
SMOKE_BATCHES = [1, 32]
QUICK_WIDTHS = [1, 4, 16, 64, 128]    # twin-nn bench --quick
QUICK_BATCHES = [1, 32]


def crossover_data(n, m):
    """X (m, n) uniforms in [-1, 1) and Y (m, 1), as lists (the same in every twin)."""
    key = rng.key_for(0, rng.DATA, 77, n, m)
    X = [[2.0 * rng.uniform(key, i * n + j) - 1.0 for j in range(n)] for i in range(m)]
    Y = [[sum(row) / n] for row in X]
    return X, Y


def crossover_stepper(twin, n, m):
    """A function running one SGD step of the [n, n, 1] tanh net on the (m, n) batch
    (``twin``: scalar, vector or fast)."""
    X, Y = crossover_data(n, m)
    if twin != "scalar":
        import numpy as np
        X, Y = np.array(X), np.array(Y)
    net = twin_module(twin, "mlp").MLP([n, n, 1], hidden="tanh", output="linear", loss="mse", seed=0)
    opt = twin_module(twin, "optim").SGD(lr=0.01)
    train_step = twin_module(twin, "training").train_step

    def step():
        return train_step(net, opt, X, Y)

    return step


def time_per_call(fn, budget=0.25, warmup=0.05, max_calls=100000):
    """Seconds per call of ``fn``: warm up for ``warmup`` s, then time batches of calls
    for about ``budget`` s and return (median, min) of the per-call times.

    The warm-up matters under PyPy, whose JIT compiles the loops after they
    have run a few times; it is also what pytest-benchmark's warm-up does.
    """
    start = time.perf_counter()
    fn()
    calls = 1
    while time.perf_counter() - start < warmup and calls < max_calls:
        fn()
        calls += 1
    t0 = time.perf_counter()
    fn()
    one = max(time.perf_counter() - t0, 1e-7)
    inner = max(1, int(0.002 / one))              # calls per sample: >= 2 ms per sample
    samples = []
    end = time.perf_counter() + budget
    while True:
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        samples.append((time.perf_counter() - t0) / inner)
        if time.perf_counter() > end or len(samples) * inner >= max_calls:
            break
    samples.sort()
    return samples[len(samples) // 2], samples[0]


def run_crossover(widths=QUICK_WIDTHS, batches=QUICK_BATCHES, twins=("scalar", "vector"), budget=0.3,
                  warmup=0.05, log=None):
    """The sweep with the twins taking turns at each point (the ladder's method, ``ladder.interleave``).

    Returns {"twins": [...], "points": [{"n", "m", twin: median, ..., "ratios": {twin: median(scalar
    block / twin block) over the rounds}}]}.
    """
    from .ladder import interleave, median
    out = {"twins": list(twins), "points": []}
    for m in batches:
        for n in widths:
            steppers = {twin: crossover_stepper(twin, n, m) for twin in twins}
            info, rounds, _ = interleave(steppers, budget=budget, warmup=warmup, block_seconds=0.005,
                                         warmup_steps=2, max_rounds=60)
            point = {"n": n, "m": m, "rounds": rounds, "ratios": {}}
            for twin in twins:
                point[twin] = info[twin]["median"]
                if twin != "scalar" and "scalar" in info:
                    point["ratios"][twin] = median([s / v for s, v in zip(info["scalar"]["block_medians"],
                                                                            info[twin]["block_medians"])])
            out["points"].append(point)
            if log:
                log("crossover n=%-4d batch %-3d %s" % (n, m, "  ".join(
                    "%s÷%s %.3g" % ("scalar", t, r) for t, r in point["ratios"].items())))
    return out
