"""Measurements that need a process of their own; each prints one JSON document.

    python -m benchmarks.measure workloads [--keys W1,W2] [--budget S]   scalar twin steps (run under pypy3)
    python -m benchmarks.measure crossover [--budget S]                  scalar sweep (run under pypy3)
    python -m benchmarks.measure fresh CONTESTANT WORKLOAD [--steps N]  first steps of a new process
    python -m benchmarks.measure steady CONTESTANT WORKLOAD             steady-state time per step
    python -m benchmarks.measure paired A B WORKLOAD                    A and B taking turns, ratio B / A
    python -m benchmarks.measure memory [--epochs N]                    W4 peak memory in vector_nn

``benchmarks/run.py`` starts these with ``PYTHONPATH`` set to the repository
root; the workloads, floors, peers and the ladder are the installed package's
(``twin_nn/bench/``; the ladder runs as ``python -m twin_nn.bench.ladder W1``).
PyPy runs ``scalar_nn`` unchanged; its times are taken here, inside the
PyPy process, with ``time.perf_counter`` over repeated steps after a JIT
warm-up.  Python 3.9 syntax, no NumPy at import time.
"""

import argparse
import json
import platform
import sys
import time


def _interpreter():
    impl = platform.python_implementation()
    version = platform.python_version()
    if impl == "PyPy":
        version += " (PyPy %d.%d.%d)" % sys.pypy_version_info[:3]
    return "%s %s" % (impl, version)


def timed_steps(step, warmup_seconds, budget_seconds, min_steps=3, max_steps=100000):
    """Run ``step`` for a warm-up, then time single steps for about ``budget_seconds``.

    Returns (first step seconds, warm-up step count, per-step times after warm-up, losses).
    """
    losses = []
    t0 = time.perf_counter()
    losses.append(step())
    first = time.perf_counter() - t0
    warm = 1
    while time.perf_counter() - t0 < warmup_seconds and warm < max_steps:
        losses.append(step())
        warm += 1
    times = []
    end = time.perf_counter() + budget_seconds
    while len(times) < max_steps and (len(times) < min_steps or time.perf_counter() < end):
        s = time.perf_counter()
        losses.append(step())
        times.append(time.perf_counter() - s)
    return first, warm, times, losses


def _median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else 0.5 * (xs[n // 2 - 1] + xs[n // 2])


def cmd_workloads(args):
    from twin_nn.bench.workloads import WORKLOADS, twin_stepper
    keys = args.keys.split(",") if args.keys else list(WORKLOADS)
    out = {"interpreter": _interpreter(), "workloads": {}}
    for key in keys:
        w = WORKLOADS[key]
        t_setup = time.perf_counter()
        step, _ = twin_stepper(w, "scalar", 64 if w.batch_size else 1)
        setup = time.perf_counter() - t_setup
        first, warm, times, losses = timed_steps(step, args.warmup, args.budget)
        out["workloads"][key] = {
            "median": _median(times), "min": min(times), "max": max(times), "mean": sum(times) / len(times),
            "steps": len(times), "warmup_steps": warm, "warmup_seconds": args.warmup, "first_step": first,
            "setup_seconds": setup, "first_losses": losses[:5]}
        print("%s: %d steps, median %.3g s" % (key, len(times), _median(times)), file=sys.stderr)
    json.dump(out, sys.stdout)


def cmd_crossover(args):
    from twin_nn.bench.crossover import BATCHES, WIDTHS, crossover_stepper, time_per_call
    out = {"interpreter": _interpreter(), "twin": args.twin, "points": []}
    for m in BATCHES:
        for n in WIDTHS:
            step = crossover_stepper(args.twin, n, m)
            median, best = time_per_call(step, budget=args.budget, warmup=args.warmup)
            out["points"].append({"n": n, "m": m, "median": median, "min": best})
            print("n=%d m=%d %.3g s" % (n, m, median), file=sys.stderr)
    json.dump(out, sys.stdout)


def cmd_fresh(args):
    """The first steps of a brand-new process: imports, setup, then every step timed."""
    t_start = time.perf_counter()
    if args.contestant in ("scalar", "vector", "fast"):
        __import__("vector_nn.fast" if args.contestant == "fast" else "%s_nn.mlp" % args.contestant)
    elif args.contestant.startswith("torch"):
        import torch  # noqa: F401
    import_seconds = time.perf_counter() - t_start
    from twin_nn.bench.workloads import WORKLOADS, twin_stepper
    w = WORKLOADS[args.workload]
    t0 = time.perf_counter()
    if args.contestant in ("scalar", "vector", "fast"):
        step, _ = twin_stepper(w, args.contestant, args.steps)
    else:
        from twin_nn.bench.peers import peer_stepper
        step, _ = peer_stepper(w, args.contestant, args.steps)
    setup_seconds = time.perf_counter() - t0
    times = []
    for _ in range(args.steps):
        s = time.perf_counter()
        step()
        times.append(time.perf_counter() - s)
    json.dump({"interpreter": _interpreter(), "contestant": args.contestant, "workload": args.workload,
               "import_seconds": import_seconds, "setup_seconds": setup_seconds, "step_times": times},
              sys.stdout)


def cmd_steady(args):
    """Steady-state time per step of one contestant on one workload (after a warm-up)."""
    from twin_nn.bench.crossover import time_per_call
    from twin_nn.bench.workloads import WORKLOADS, twin_stepper
    w = WORKLOADS[args.workload]
    if args.contestant in ("scalar", "vector", "fast"):
        step, _ = twin_stepper(w, args.contestant, 64)
    else:
        from twin_nn.bench.peers import peer_stepper
        step, _ = peer_stepper(w, args.contestant, 64)
    median, best = time_per_call(step, budget=args.budget, warmup=0.2)
    threads = None
    if args.contestant.startswith("torch"):
        import torch
        threads = torch.get_num_threads()
    json.dump({"interpreter": _interpreter(), "contestant": args.contestant, "workload": args.workload,
               "median": median, "min": best, "torch_threads": threads}, sys.stdout)


def _stepper(contestant, w, steps=64):
    from twin_nn.bench.workloads import twin_stepper
    if contestant in ("scalar", "vector", "fast"):
        return twin_stepper(w, contestant, steps)[0]
    from twin_nn.bench.peers import peer_stepper
    return peer_stepper(w, contestant, steps)[0]


def cmd_paired(args):
    """Two contestants take turns in one process, a block of steps each: a load change hits both alike.

    After a warm-up of each, A runs a block of ``--block`` steps, then B,
    and so on (who goes first alternates).  The first step of every block is
    dropped (it pays for the other's cache footprint); the rest are the
    steady steps of the separate benchmarks, but interleaved in time.  Reports
    each one's median and the median over block pairs of median(B) / median(A).
    """
    from twin_nn.bench.workloads import WORKLOADS
    w = WORKLOADS[args.workload]
    a, b = _stepper(args.a, w), _stepper(args.b, w)
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < args.warmup:
        a()
        b()
    ta, tb, ratios = [], [], []
    end = time.perf_counter() + args.budget
    pairs = 0
    while pairs < args.min_pairs or time.perf_counter() < end:
        block = {}
        for fn, name in (((a, "a"), (b, "b")) if pairs % 2 == 0 else ((b, "b"), (a, "a"))):
            times = []
            for _ in range(args.block + 1):
                s = time.perf_counter()
                fn()
                times.append(time.perf_counter() - s)
            block[name] = times[1:]
        ta += block["a"]
        tb += block["b"]
        ratios.append(_median(block["b"]) / _median(block["a"]))
        pairs += 1
    json.dump({"interpreter": _interpreter(), "workload": args.workload, "a": args.a, "b": args.b,
               "block": args.block, "pairs": pairs, "median_a": _median(ta), "median_b": _median(tb),
               "median_ratio_b_over_a": _median(ratios)}, sys.stdout)


def _rss_now_and_peak():
    """(current RSS, peak RSS since the last reset) in bytes from /proc/self/status, or (None, None)."""
    try:
        with open("/proc/self/status") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
        return int(fields["VmRSS"].split()[0]) * 1024, int(fields["VmHWM"].split()[0]) * 1024
    except (OSError, KeyError, ValueError):
        return None, None


def _reset_rss_peak():
    """Reset the kernel's peak-RSS mark (Linux: write 5 to /proc/self/clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def cmd_memory(args):
    """Peak memory of training W4 in vector_nn, next to the size of X and Y.

    ``--dtype float32``: the engine in float32 on the data cast to float32 (the
    float64 arrays are dropped before the fit), where ``vector_nn.fast.MLP``
    takes a dtype; otherwise ``{"skipped": why}``.  tracemalloc sees every NumPy buffer (NumPy reports its allocations to it),
    so its peak during ``fit`` is the data plus everything training allocated.
    The RSS peak (reset just before ``fit``) also holds the interpreter and
    the libraries, and whatever the allocator kept from building the data.
    """
    import tracemalloc

    import numpy as np  # noqa: F401

    from twin_nn.bench.ladder import engine_dtype_missing
    from twin_nn.bench.workloads import WORKLOADS, clear_cache, load_data, make_net, make_optimizer
    w = WORKLOADS["W4"]
    twin = "vector" if args.dtype == "float64" else "fast"
    if twin == "fast" and engine_dtype_missing(args.dtype):
        json.dump({"dtype": args.dtype, "skipped": engine_dtype_missing(args.dtype)}, sys.stdout)
        return
    rss_start, _ = _rss_now_and_peak()
    tracemalloc.start()
    X, Y = load_data(w, "vector")
    if twin == "fast":
        X, Y = X.astype(args.dtype), Y.astype(args.dtype)
        clear_cache()
    net = make_net(w, twin, None if twin == "vector" else args.dtype)
    opt = make_optimizer(w, twin)
    data_bytes = X.nbytes + Y.nbytes
    traced_before, traced_peak_building = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    reset = _reset_rss_peak()
    rss_before, _ = _rss_now_and_peak()
    t0 = time.perf_counter()
    history = net.fit(X, Y, opt, epochs=args.epochs, batch_size=w.batch_size, shuffle=True, verbose=0)
    seconds = time.perf_counter() - t0
    traced_after, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_after, rss_peak = _rss_now_and_peak()
    json.dump({
        "interpreter": _interpreter(), "dtype": args.dtype, "twin": twin, "epochs": args.epochs,
        "fit_seconds": seconds,
        "final_loss": history.loss[-1],
        "data_bytes": data_bytes, "budget_bytes": data_bytes + 100 * 2 ** 20,
        "traced_before_fit": traced_before, "traced_peak_building_data": traced_peak_building,
        "traced_peak_during_fit": traced_peak, "traced_after_fit": traced_after,
        "rss_at_start": rss_start, "rss_before_fit": rss_before,
        "rss_peak_during_fit": rss_peak if reset else None, "rss_after_fit": rss_after,
    }, sys.stdout)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks.measure", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("workloads", help="time the scalar twin on W1-W5 (run under pypy3)")
    p.add_argument("--keys", default="")
    p.add_argument("--warmup", type=float, default=2.0)
    p.add_argument("--budget", type=float, default=3.0)
    p.set_defaults(fn=cmd_workloads)
    p = sub.add_parser("crossover", help="time the crossover sweep in one twin")
    p.add_argument("--twin", default="scalar", choices=["scalar", "vector"])
    p.add_argument("--warmup", type=float, default=0.3)
    p.add_argument("--budget", type=float, default=0.2)
    p.set_defaults(fn=cmd_crossover)
    p = sub.add_parser("fresh", help="time the first steps of a new process")
    p.add_argument("contestant")
    p.add_argument("workload")
    p.add_argument("--steps", type=int, default=30)
    p.set_defaults(fn=cmd_fresh)
    p = sub.add_parser("steady", help="steady-state time per step (for the threads comparison)")
    p.add_argument("contestant")
    p.add_argument("workload")
    p.add_argument("--budget", type=float, default=1.0)
    p.set_defaults(fn=cmd_steady)
    p = sub.add_parser("paired", help="two contestants taking turns, a block of steps each (ratio B / A)")
    p.add_argument("a")
    p.add_argument("b")
    p.add_argument("workload")
    p.add_argument("--warmup", type=float, default=0.5)
    p.add_argument("--budget", type=float, default=2.0)
    p.add_argument("--block", type=int, default=10)
    p.add_argument("--min-pairs", type=int, default=6)
    p.set_defaults(fn=cmd_paired)
    p = sub.add_parser("memory", help="peak memory of training W4 in vector_nn")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    p.set_defaults(fn=cmd_memory)
    args = parser.parse_args(argv)
    args.fn(args)


if __name__ == "__main__":
    main()
