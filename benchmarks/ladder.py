"""The benchmark ladder: every rung of a workload's step, taking turns in one process.

Rungs (CPython), from the bottom up::

    loop       the minimal hand-written pure-Python step (floors.loop_stepper)
    scalar     scalar_nn's public loss_and_grads + step (training.train_step)
    numpy      the minimal hand-written NumPy step (floors.numpy_stepper)
    vector     plain vector_nn, public loss_and_grads + step
    fast       the tuned engine vector_nn.fast, public loss_and_grads + step
    torch64    PyTorch eager float64      torch32   PyTorch eager float32
    sklearn    scikit-learn partial_fit   micrograd Karpathy's scalar autograd, gc off in the step
    gemm       W4 only: the two bare GEMMs of the step (floors.gemm_stepper)

Under PyPy only ``loop`` and ``scalar`` run (no NumPy).

Why one process, taking turns: the machine is shared, and its load moves by
tens of percent within seconds.  Timed in separate runs, a ratio of two
medians mixes the two contestants with two different loads.  Here every
round runs one block of steps of each rung in turn (the order rotates from
round to round), and a ratio is the median over rounds of
median(block of B) / median(block of A): within a round both saw nearly the
same machine.  The first step of a block of three or more is dropped (it
pays for the previous rung's cache footprint).  A collection of the young
generation (``gc.collect(0)``) runs between blocks, untimed, for every rung,
so that no rung pays for another's garbage.

micrograd is measured at its best: the cyclic garbage collector is off
during its step (``gc.disable()``; its graph of ``Value`` nodes is full of
reference cycles, and with collection on, CPython traverses the live graph
again and again while building it).  The graph is freed by the
``gc.collect(0)`` after its block, outside the timing; that time is reported
separately (``micrograd_gc_per_step``).

Python 3.9 syntax; NumPy and the peers are imported only for their rungs.
"""

import gc
import time

from . import floors
from .workloads import WORKLOADS, twin_stepper

CPYTHON_RUNGS = ("loop", "scalar", "numpy", "vector", "fast", "torch64", "torch32", "sklearn", "micrograd",
                 "gemm")
PYPY_RUNGS = ("loop", "scalar")
LIST_RUNGS = ("loop", "scalar", "micrograd")     # rungs that hold their batches as Python lists


def _steps_for(rung, w):
    """How many distinct batches a rung cycles over: 64, fewer where Python lists would be huge (W4).

    At least 5, so that the first five losses (compared across rungs) are those of five different batches.
    """
    if rung not in LIST_RUNGS:
        return 64
    B = w.batch_size or w.n_rows
    return max(5, min(64, 2000000 // (B * w.sizes[0])))


def rung_available(rung, w):
    """None if ``rung`` runs on workload ``w`` here, else why not."""
    from .peers import peer_available, peer_supports
    if rung == "gemm":
        return None if w.key == "W4" else "the two-GEMM floor is reported for W4"
    if rung in ("torch64", "torch32", "sklearn", "micrograd"):
        return peer_available(rung) or peer_supports(w, rung)
    if rung in ("numpy", "vector", "fast"):
        try:
            import numpy  # noqa: F401
        except ImportError:
            return "NumPy not installed"
    return None


def make_rung(rung, w, quick=False):
    """The step function of ``rung`` on ``w`` (returns the loss)."""
    steps = 2 if quick else _steps_for(rung, w)
    if rung == "loop":
        return floors.loop_stepper(w, steps, quick)[0]
    if rung == "numpy":
        return floors.numpy_stepper(w, steps, quick)[0]
    if rung == "gemm":
        return floors.gemm_stepper(w, steps, quick)[0]
    if rung in ("scalar", "vector", "fast"):
        return twin_stepper(w, rung, steps, quick)[0]
    from .peers import peer_stepper
    inner = peer_stepper(w, rung, steps, quick)[0]
    if rung != "micrograd":
        return inner

    def step_without_gc():
        gc.disable()
        try:
            return inner()
        finally:
            gc.enable()

    return step_without_gc


def _median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else 0.5 * (xs[n // 2 - 1] + xs[n // 2])


def run_ladder(key, rungs, budget=6.0, warmup=0.5, block_seconds=0.02, min_rounds=3, max_rounds=40,
               quick=False, log=None):
    """Interleave the rungs of workload ``key``; returns a JSON-ready dict (see the module docstring).

    ``budget``: seconds of timed rounds (at least ``min_rounds``); ``warmup``:
    seconds of untimed steps per rung first (for PyPy, the JIT's warm-up);
    ``block_seconds``: the length of one block, which sets each rung's block size.
    """
    w = WORKLOADS[key]
    out = {"workload": key, "rungs": {}, "skipped": {}, "rounds": 0}
    steppers = {}
    for rung in rungs:
        reason = rung_available(rung, w)
        if reason:
            out["skipped"][rung] = reason
            continue
        steppers[rung] = make_rung(rung, w, quick)
    info = {}
    for rung, step in steppers.items():        # warm-up, and the first losses
        losses, t_first = [], None
        t0 = time.perf_counter()
        while len(losses) < (1 if quick else 3) or (not quick and time.perf_counter() - t0 < warmup):
            s = time.perf_counter()
            losses.append(step())
            if t_first is None:
                t_first = time.perf_counter() - s
            if len(losses) >= 5 and time.perf_counter() - t0 > 4 * warmup:
                break
        one = (time.perf_counter() - t0) / len(losses)
        block = 1 if quick else max(1, min(500, int(round(block_seconds / max(one, 1e-9)))))
        info[rung] = {"block": block, "first_losses": losses[:5], "first_step": t_first,
                      "warmup_steps": len(losses), "times": [], "block_medians": []}
        gc.collect(0)
    names = list(steppers)
    end = time.perf_counter() + (0.0 if quick else budget)
    rounds, gc_seconds, gc_steps = 0, 0.0, 0
    while rounds < (1 if quick else min_rounds) or (time.perf_counter() < end and rounds < max_rounds):
        order = names[rounds % len(names):] + names[:rounds % len(names)]
        for rung in order:
            step, r = steppers[rung], info[rung]
            times = []
            for _ in range(r["block"] + (1 if r["block"] >= 3 else 0)):
                s = time.perf_counter()
                step()
                times.append(time.perf_counter() - s)
            if r["block"] >= 3:
                times = times[1:]
            r["times"] += times
            r["block_medians"].append(_median(times))
            t0 = time.perf_counter()
            gc.collect(0)
            if rung == "micrograd":
                gc_seconds += time.perf_counter() - t0
                gc_steps += len(times)
        rounds += 1
        if log:
            log("%s round %d" % (key, rounds))
    out["rounds"] = rounds
    for rung, r in info.items():
        t = r.pop("times")
        r.update(median=_median(t), min=min(t), max=max(t), steps=len(t))
        out["rungs"][rung] = r
    if gc_steps:
        out["micrograd_gc_per_step"] = gc_seconds / gc_steps
    return out


def paired_ratio(result, a, b):
    """Median over rounds of median(block of b) / median(block of a), or None."""
    ra, rb = result["rungs"].get(a), result["rungs"].get(b)
    if not ra or not rb:
        return None
    return _median([y / x for x, y in zip(ra["block_medians"], rb["block_medians"])])
