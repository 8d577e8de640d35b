"""The benchmark ladder: every rung of a workload's step, taking turns in one process.

Rungs (CPython), from the bottom up::

    loop       the minimal hand-written pure-Python step (floors.loop_stepper)
    scalar     scalar_nn's public loss_and_grads + step (training.train_step)
    net221     W1 only: the lesson's own 2-2-1 system, Network221.train_step
    numpy      the minimal hand-written NumPy step (floors.numpy_stepper)
    vector     plain vector_nn, public loss_and_grads + step
    fast       the tuned engine vector_nn.fast, public loss_and_grads + step
    fast32     the engine in float32, where vector_nn.fast.MLP takes dtype="float32"
    torch64    PyTorch eager float64      torch32   PyTorch eager float32
    sklearn    scikit-learn partial_fit   micrograd Karpathy's scalar autograd, gc off in the step
    gemm       W4 only: the two bare GEMMs of the step (floors.gemm_stepper)
    gemm_torch W4 only: the same two GEMMs as PyTorch's step issues them (floors.torch_gemm_stepper)
    stream     W5 only: c = a + b on arrays of W5's hidden (m, 64) shape; stream32 in float32;
               stream_dram on arrays beyond the last-level cache (bandwidth.py: W5's memory floor)
    R@all      rung R (fast, fast32, torch64, torch32) at every core; every other rung runs at one thread

Under PyPy only ``loop``, ``scalar`` and ``net221`` run (no NumPy).  The
``@all`` rungs take turns with their one-thread selves in a ladder of their
own (``THREAD_RUNGS``), not in the main one: measured here on W4, a block at
two threads left the next rungs' steps slower (the minimal NumPy step went
from 2.6 to 6.5 ms while the others held), so the main ladder stays at one
thread throughout.

Why one process, taking turns: the machine is shared, and its load moves by
tens of percent within seconds.  Timed in separate runs, a ratio of two
medians mixes the two contestants with two different loads.  Here every
round runs one block of steps of each rung in turn (the order rotates from
round to round), and a ratio is the median over rounds of
median(block of B) / median(block of A): within a round both saw nearly the
same machine.  The first step of a block of three or more is dropped (it
pays for the previous rung's cache footprint); a rung on several threads
always has such blocks (its first step also wakes its threads).  A collection of the young
generation (``gc.collect(0)``) runs between blocks, untimed, for every rung,
so that no rung pays for another's garbage.  Before each block the thread
count is set for the rung (``threads.Threads``), untimed too.

micrograd is measured at its best: the cyclic garbage collector is off
during its step (``gc.disable()``; its graph of ``Value`` nodes is full of
reference cycles, and with collection on, CPython traverses the live graph
again and again while building it).  The graph is freed by the
``gc.collect(0)`` after its block, outside the timing; that time is reported
separately (``micrograd_gc_per_step``).

    pypy3 -m twin_nn.bench.ladder W1 W2 [--budget S] [--warmup S]   (one JSON list on stdout)

Python 3.9 syntax; NumPy and the peers are imported only for their rungs.
"""

import gc
import json
import platform
import sys
import time

from . import bandwidth, floors
from .threads import Threads, all_cores, threadpoolctl_missing
from .workloads import WORKLOADS, make_net, twin_inputs, twin_stepper

THREADED = ("fast", "fast32", "torch64", "torch32")      # the rungs that also run at every core
CPYTHON_RUNGS = ("loop", "scalar", "net221", "numpy", "vector", "fast", "fast32", "torch64", "torch32",
                 "sklearn", "micrograd", "gemm", "gemm_torch", "stream", "stream32", "stream_dram")
THREAD_RUNGS = tuple(r for base in THREADED for r in (base, base + "@all"))   # the Threads ladder
PYPY_RUNGS = ("loop", "scalar", "net221")
LIST_RUNGS = ("loop", "scalar", "net221", "micrograd")     # rungs that hold their batches as Python lists
LOSSLESS = ("gemm", "gemm_torch") + bandwidth.STREAM_RUNGS              # floors that compute no loss: no first_losses
TITLES = {"loop": "minimal loop step", "scalar": "scalar_nn", "net221": "Network221",
          "numpy": "minimal NumPy step", "vector": "vector_nn", "fast": "vector_nn.fast",
          "fast32": "vector_nn.fast f32", "torch64": "PyTorch f64", "torch32": "PyTorch f32",
          "sklearn": "scikit-learn", "micrograd": "micrograd", "gemm": "two bare GEMMs (W4)",
          "gemm_torch": "the two GEMMs in PyTorch f64 (W4)",
          "stream": "streaming add, W5 size", "stream32": "streaming add f32, W5 size",
          "stream_dram": "streaming add, beyond the caches"}


def title(rung):
    """'vector_nn.fast, all cores' for 'fast@all'."""
    base, _, cores = rung.partition("@")
    return TITLES[base] + (", all cores" if cores else "")


def _steps_for(rung, w):
    """How many distinct batches a rung cycles over: 64, fewer where Python lists would be huge (W4).

    At least 5, so that the first five losses (compared across rungs) are those of five different batches.
    """
    if rung not in LIST_RUNGS:
        return 64
    B = w.batch_size or w.n_rows
    return max(5, min(64, 2000000 // (B * w.sizes[0])))


def engine_dtype_missing(dtype="float32"):
    """None when ``vector_nn.fast.MLP`` builds a ``dtype`` network, else why not (feature detection)."""
    try:
        from vector_nn import fast
    except ImportError as exc:
        return "NumPy not installed (%s)" % exc
    try:
        fast.MLP([1, 1], hidden="tanh", output="linear", loss="mse", seed=0, dtype=dtype)
    except TypeError:
        return "vector_nn.fast.MLP takes no dtype here (float64 only)"
    except ValueError as exc:
        return "vector_nn.fast.MLP refuses dtype=%r: %s" % (dtype, exc)
    return None


def another_workloads(rung, w):
    """True for a rung that belongs to one workload only (a floor, Network221) asked of another: the
    reports leave its "skipped" line out (it is kept in the JSON)."""
    home = {"gemm": "W4", "gemm_torch": "W4", "net221": "W1"}.get(rung.partition("@")[0])
    if rung in bandwidth.STREAM_RUNGS:
        home = "W5"
    return home is not None and home != w.key


def rung_available(rung, w):
    """None if ``rung`` runs on workload ``w`` here, else why not."""
    from .peers import peer_available, peer_supports
    base, _, cores = rung.partition("@")
    if cores:
        if all_cores() < 2:
            return "one core here: the all-cores step is the one-thread step"
        if base.startswith("fast") and threadpoolctl_missing():
            return threadpoolctl_missing()
    if base in ("gemm", "gemm_torch"):
        if w.key != "W4":
            return "the two-GEMM floor is reported for W4"
        return peer_available("torch64") if base == "gemm_torch" else None
    if base in bandwidth.STREAM_RUNGS and w.key != "W5":
        return "the memory-bandwidth floor is reported for W5"
    if base == "net221":
        return None if w.sizes == [2, 2, 1] and w.key == "W1" else "Network221 is the 2-2-1 system of W1"
    if base in ("torch64", "torch32", "sklearn", "micrograd"):
        return peer_available(base) or peer_supports(w, base)
    if base in ("numpy", "vector", "fast", "fast32") + bandwidth.STREAM_RUNGS:
        try:
            import numpy  # noqa: F401
        except ImportError:
            return "NumPy not installed"
    if base == "fast32":
        return engine_dtype_missing("float32")
    return None


def net221_stepper(w, steps, smoke=False):
    """Network221's public ``train_step`` on W1's rows, one sample a step, from the MLP's initial weights."""
    from scalar_nn.network221 import Network221
    X, Y, batches = twin_inputs(w, "scalar", steps, smoke)
    net = Network221.from_params(make_net(w, "scalar").params)
    lr = w.optimizer[1]["lr"]
    rows = []
    for idx in batches:
        (i,) = idx
        rows.append((X[i], Y[i][0]))
    state = {"k": 0}

    def step():
        x, y = rows[state["k"] % len(rows)]
        state["k"] += 1
        return net.train_step(x, y, lr)

    return step


def make_rung(rung, w, smoke=False):
    """The step function of ``rung`` on ``w`` (returns the loss)."""
    base = rung.partition("@")[0]
    steps = 2 if smoke else _steps_for(base, w)
    if base == "loop":
        return floors.loop_stepper(w, steps, smoke)[0]
    if base == "numpy":
        return floors.numpy_stepper(w, steps, smoke)[0]
    if base == "gemm":
        return floors.gemm_stepper(w, steps, smoke)[0]
    if base == "gemm_torch":
        return floors.torch_gemm_stepper(w, steps, smoke)[0]
    if base in bandwidth.STREAM_RUNGS:
        return bandwidth.stream_stepper(base, w, smoke)[0]
    if base == "net221":
        return net221_stepper(w, max(steps, 5), smoke)
    threads = all_cores() if rung.endswith("@all") else None          # the engine's own threads (its row chunks)
    if base in ("scalar", "vector", "fast"):
        return twin_stepper(w, base, steps, smoke, threads=threads if base == "fast" else None)[0]
    if base == "fast32":
        return twin_stepper(w, "fast", steps, smoke, dtype="float32", threads=threads)[0]
    from .peers import peer_stepper
    inner = peer_stepper(w, base, steps, smoke)[0]
    if base != "micrograd":
        return inner

    def step_without_gc():
        gc.disable()
        try:
            return inner()
        finally:
            gc.enable()

    return step_without_gc


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else 0.5 * (xs[n // 2 - 1] + xs[n // 2])


def interleave(steppers, threads=None, budget=6.0, warmup=0.5, block_seconds=0.02, min_rounds=3,
               max_rounds=40, warmup_steps=3, smoke=False, log=None, label=""):
    """Time ``steppers`` ({name: step function}) taking turns; {name: stats}, rounds, micrograd's gc seconds.

    Each rung is warmed up first (at least ``warmup_steps`` steps and about
    ``warmup`` seconds), which also sets its block (about ``block_seconds`` of
    steps); then rounds of one block per rung run, the order rotating, for
    about ``budget`` seconds (``min_rounds`` to ``max_rounds``).  ``threads``:
    {name: thread count} set before each block of that rung (``Threads``).
    ``smoke``: one step of warm-up and one round of one step each.
    """
    if not steppers:
        return {}, 0, None
    control = Threads() if threads else None
    info = {}
    for name, step in steppers.items():            # warm-up, and the first losses
        if control:
            control.set(threads.get(name, 1))
        losses, t_first = [], None
        t0 = time.perf_counter()
        while len(losses) < (1 if smoke else warmup_steps) or (not smoke and time.perf_counter() - t0 < warmup):
            s = time.perf_counter()
            losses.append(step())
            if t_first is None:
                t_first = time.perf_counter() - s
            if len(losses) >= 5 and time.perf_counter() - t0 > 4 * warmup:
                break
        one = (time.perf_counter() - t0) / len(losses)
        # a rung on several threads gets blocks of 3 or more, whose first step (waking its threads) is dropped
        least = 3 if threads and threads.get(name, 1) > 1 else 1
        block = 1 if smoke else max(least, min(500, int(round(block_seconds / max(one, 1e-9)))))
        info[name] = {"block": block, "first_losses": losses[:5], "first_step": t_first,
                      "warmup_steps": len(losses), "times": [], "block_medians": []}
        if log:
            log("%s %-18s warm: %d steps, %s a step" % (label, name, len(losses), fmt_time(one)))
        gc.collect(0)
    names = list(steppers)
    end = time.perf_counter() + (0.0 if smoke else budget)
    rounds, gc_seconds, gc_steps = 0, 0.0, 0
    while rounds < (1 if smoke else min_rounds) or (time.perf_counter() < end and rounds < max_rounds):
        order = names[rounds % len(names):] + names[:rounds % len(names)]
        for name in order:
            step, r = steppers[name], info[name]
            if control:
                control.set(threads.get(name, 1))
            times = []
            for _ in range(r["block"] + (1 if r["block"] >= 3 else 0)):
                s = time.perf_counter()
                loss = step()
                times.append(time.perf_counter() - s)
                if len(r["first_losses"]) < 5:
                    r["first_losses"].append(loss)
            if r["block"] >= 3:
                times = times[1:]
            r["times"] += times
            r["block_medians"].append(median(times))
            t0 = time.perf_counter()
            gc.collect(0)
            if name == "micrograd":
                gc_seconds += time.perf_counter() - t0
                gc_steps += len(times)
        rounds += 1
    if control:
        control.set(1)
    for r in info.values():
        t = r.pop("times")
        r.update(median=median(t), min=min(t), max=max(t), steps=len(t))
    return info, rounds, (gc_seconds / gc_steps if gc_steps else None)


def run_ladder(key, rungs, budget=6.0, warmup=0.5, block_seconds=0.02, min_rounds=3, max_rounds=40,
               warmup_steps=3, smoke=False, log=None):
    """Interleave the rungs of workload ``key``; returns a JSON-ready dict (see the module docstring)."""
    w = WORKLOADS[key]
    out = {"workload": key, "rungs": {}, "skipped": {}, "rounds": 0, "cores": all_cores()}
    steppers, threads = {}, {}
    for rung in rungs:
        reason = rung_available(rung, w)
        if reason:
            out["skipped"][rung] = reason
            continue
        steppers[rung] = make_rung(rung, w, smoke)
        threads[rung] = all_cores() if rung.endswith("@all") else 1
    info, rounds, gc_per_step = interleave(
        steppers, threads, budget=budget, warmup=warmup,
        block_seconds=block_seconds, min_rounds=min_rounds, max_rounds=max_rounds, warmup_steps=warmup_steps,
        smoke=smoke, log=log, label=key)
    for rung, r in info.items():
        r["threads"] = threads[rung]
        if rung in LOSSLESS:
            r["first_losses"] = []
    out["rounds"] = rounds
    out["rungs"] = info
    if gc_per_step is not None:
        out["micrograd_gc_per_step"] = gc_per_step
    floor = bandwidth.summarize(out, w, smoke)
    if floor:
        out["bandwidth_floor"] = floor
    return out


def paired_ratio(result, a, b):
    """Median over rounds of median(block of b) / median(block of a), or None."""
    ra, rb = result["rungs"].get(a), result["rungs"].get(b)
    if not ra or not rb:
        return None
    return median([y / x for x, y in zip(ra["block_medians"], rb["block_medians"])])


def fmt_time(t):
    """3 significant digits with a unit: 48.3 µs, 2.41 ms, 1.52 s."""
    if t is None:
        return "—"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if t >= scale:
            v = t / scale
            return ("%.3g %s" % (v, unit)) if v < 1000 else ("%d %s" % (round(v), unit))
    return "%.3g ns" % (t * 1e9)


def interpreter():
    """'CPython 3.11.2' or 'PyPy 3.9.16 (PyPy 7.3.11)'."""
    impl, version = platform.python_implementation(), platform.python_version()
    if impl == "PyPy":
        version += " (PyPy %d.%d.%d)" % sys.pypy_version_info[:3]
    return "%s %s" % (impl, version)


def main(argv=None):
    """``python -m twin_nn.bench.ladder W1 [W2 ...]``: the default rungs of this interpreter, as JSON."""
    import argparse
    parser = argparse.ArgumentParser(prog="python -m twin_nn.bench.ladder", description=__doc__.split("\n")[0])
    parser.add_argument("workloads", nargs="+", choices=sorted(WORKLOADS))
    parser.add_argument("--rungs", default="", help="comma-separated (default: every rung of this interpreter)")
    parser.add_argument("--budget", type=float, default=6.0)
    parser.add_argument("--warmup", type=float, default=0.5)
    parser.add_argument("--warmup-steps", type=int, default=3)
    parser.add_argument("--block-seconds", type=float, default=0.02)
    args = parser.parse_args(argv)
    default = PYPY_RUNGS if platform.python_implementation() == "PyPy" else CPYTHON_RUNGS
    rungs = args.rungs.split(",") if args.rungs else list(default)
    results = []
    for key in args.workloads:
        out = run_ladder(key, rungs, budget=args.budget, warmup=args.warmup, block_seconds=args.block_seconds,
                         warmup_steps=args.warmup_steps, log=lambda m: print(m, file=sys.stderr, flush=True))
        out["interpreter"] = interpreter()
        results.append(out)
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
