"""``twin-nn bench``: the speed ladder and the crossover, measured on the user's own machine.

The method is ``make bench``'s (``ladder.py``): on each workload W1-W5 every
installed rung runs in one process, the rungs taking turns a block of steps
at a time; times are medians, and every ratio is the median over the rounds
of the ratio of two rungs' block medians (so both saw the same moments of the
machine's load).  Every rung runs at one thread; then, in a ladder of their
own, the engine and PyTorch take turns at one thread and at every core (the
``@all`` rungs, ``threads.py``).  ``--quick``
keeps the rounds short (about a minute on two cores); without it the ladder
runs ``make bench``'s budgets.  ``make bench`` is still the full run (the
pytest-benchmark tables, fresh processes, memory, the whole crossover).

Where ``pypy3`` is on the PATH, the loop floor, scalar_nn and Network221 also
run under PyPy (a process of its own, so its ratios to CPython are between
processes; ``--quick`` leaves W4 out there, whose data PyPy draws without NumPy).
"""

import json
import os
import shutil
import subprocess
import tempfile
import time

from ..argtypes import positive_number

# seconds of interleaved rounds per workload: make bench's budgets, and --quick's
FULL = dict(budget={"W1": 6, "W2": 6, "W3": 6, "W4": 4, "W5": 5}, thread_budget={"W1": 2, "W2": 2, "W3": 2, "W4": 3,
            "W5": 3}, warmup=0.5, warmup_steps=3, block_seconds=0.02,
            pypy_budget=3.0, pypy_warmup=2.0, crossover_budget=0.5)
QUICK = dict(budget={"W1": 1.5, "W2": 1.5, "W3": 1.5, "W4": 1.0, "W5": 1.5}, thread_budget={"W1": 0.5, "W2": 0.5,
             "W3": 0.5, "W4": 1.0, "W5": 1.0}, warmup=0.1, warmup_steps=1,
             block_seconds=0.01, pypy_budget=0.6, pypy_warmup=0.6, crossover_budget=0.25)
# PyPy draws the data without NumPy; W4's shuffled batches reach rows across all 10000
SLOW_WITHOUT_NUMPY = {"W4": "drawing its 10000 x 3072 rows without NumPy takes about 30 s (make bench runs it)"}
# the ratios the summary prints: (label, numerator rung, denominator rung); > 1: the denominator is faster
SUMMARY = [("scalar_nn ÷ vector_nn.fast", "scalar", "fast"),
           ("vector_nn.fast ÷ PyTorch f64", "fast", "torch64"),
           ("vector_nn.fast ÷ two GEMMs", "fast", "gemm"),
           ("two GEMMs ÷ PyTorch's two GEMMs", "gemm", "gemm_torch"),
           ("vector_nn.fast f32 ÷ PyTorch f32", "fast32", "torch32"),
           ("fast 1 thread ÷ all cores", "fast", "fast@all"),
           ("fast f32 1 thread ÷ all cores", "fast32", "fast32@all"),
           ("PyTorch f64 1 thread ÷ all cores", "torch64", "torch64@all"),
           ("PyTorch f32 1 thread ÷ all cores", "torch32", "torch32@all")]


def register(subparsers):
    """Add ``bench`` to the ``twin-nn`` command (``cli.build_parser`` calls this)."""
    import argparse
    import textwrap
    p = subparsers.add_parser(
        "bench", help="measure the speed ladder (loops, NumPy, the engine, the peers) on this machine",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=textwrap.fill("Time one optimizer step of workloads W1-W5 in every installed rung: the minimal loop "
                    "and NumPy steps, scalar_nn (and Network221 at W1), vector_nn, the vector_nn.fast "
                    "engine, PyTorch, scikit-learn, micrograd, PyPy when pypy3 is on the PATH; then the "
                    "crossover of the twins at a few widths. The rungs take turns in one process (medians; "
                    "ratios from the same rounds), at 1 thread and, for the engine and PyTorch, at every core. "
                    "Without --quick the rounds are make bench's (a few minutes).", 79),
        epilog="examples:\n  twin-nn bench --quick\n  twin-nn bench --quick --plot ladder.png --json ladder.json\n"
               "  twin-nn bench --workloads W1,W4 --no-pypy")
    p.add_argument("--quick", action="store_true", help="short rounds: about a minute on two cores")
    p.add_argument("--workloads", default="W1,W2,W3,W4,W5", metavar="W1,W2,...",
                   help="which workloads (default: all five)")
    p.add_argument("--rungs", default="", metavar="R1,R2,...",
                   help="only these rungs (default: every one installed; e.g. scalar,fast,torch64,fast@all; "
                        "R@all runs R at every core beside R at one thread)")
    p.add_argument("--dtype", choices=("both", "float64", "float32"), default="both",
                   help="the engine and PyTorch at this precision only (default: both; every other rung is "
                        "float64; the engine's float32 needs a vector_nn.fast.MLP that takes dtype)")
    p.add_argument("--widths", default="", metavar="N1,N2,...",
                   help="crossover widths (default 1,4,16,64,128; 'none' skips the crossover)")
    p.add_argument("--budget-scale", type=positive_number, default=1.0, metavar="X",
                   help="multiply every timing budget by X (default 1)")
    p.add_argument("--no-pypy", action="store_true", help="do not run the PyPy rungs even when pypy3 is found")
    p.add_argument("--json", metavar="FILE.json", help="write every figure measured to FILE.json")
    p.add_argument("--plot", metavar="FILE.png", help="draw the ladder and the crossover into FILE.png "
                                                     "(needs matplotlib)")
    p.set_defaults(func=cmd_bench)


def _names(text, known, what):
    names = [t.strip() for t in text.split(",") if t.strip()]
    unknown = [n for n in names if n not in known]
    if unknown or not names:
        raise ValueError("--%s: unknown %s %s; choose from %s" % (
            what, what[:-1], ", ".join(unknown) or "(none given)", ", ".join(known)))
    return names


def _widths(text):
    from .crossover import QUICK_WIDTHS
    if not text:
        return list(QUICK_WIDTHS)
    if text == "none":
        return []
    try:
        widths = [int(t) for t in text.split(",")]
    except ValueError:
        raise ValueError("--widths: give whole numbers separated by commas, such as 1,4,16, got %r" % text) from None
    if any(n < 1 or n > 1024 for n in widths):
        raise ValueError("--widths: every width must be between 1 and 1024, got %r" % text)
    return widths


def _check_outputs(args):
    """Before a minute of timing: the --plot and --json paths usable, matplotlib there."""
    if args.plot is not None:
        from ..cli_pictures import check_png_destination
        from ..plots import require
        check_png_destination(args.plot, "--plot")
        require()
    if args.json is not None:
        folder = os.path.dirname(os.path.abspath(args.json))
        if os.path.isdir(args.json) or not os.path.isdir(folder):
            raise ValueError("--json %s: give a file name in an existing folder" % args.json)


def environment():
    """The machine, the interpreter and the libraries, for the report."""
    import platform
    from .threads import all_cores
    info = {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "platform": platform.platform(),
            "python": "%s %s" % (platform.python_implementation(), platform.python_version()),
            "cores": all_cores(), "cpu": platform.processor() or platform.machine()}
    try:
        with open("/proc/cpuinfo") as f:
            info["cpu"] = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        info["load_average"] = list(os.getloadavg())
    except (OSError, AttributeError):
        info["load_average"] = None
    from importlib.metadata import PackageNotFoundError, version
    packages = {}
    for name in ("numpy", "torch", "scikit-learn", "micrograd", "threadpoolctl", "matplotlib"):
        try:
            packages[name] = version(name)
        except PackageNotFoundError:
            packages[name] = None
    info["packages"] = packages
    return info


def _pypy_ladder(keys, profile, scale, say):
    """The PyPy rungs in a pypy3 process (only scalar_nn and twin_nn on its path, never NumPy); [] if none."""
    pypy = shutil.which("pypy3")
    if pypy is None:
        say("PyPy: pypy3 is not on the PATH, its column stays empty")
        return []
    import scalar_nn
    import twin_nn
    with tempfile.TemporaryDirectory() as path:
        for package in (scalar_nn, twin_nn):          # the pure packages, without CPython's site-packages
            folder = os.path.dirname(os.path.abspath(package.__file__))
            os.symlink(folder, os.path.join(path, os.path.basename(folder)))
        env = dict(os.environ, PYTHONPATH=path)
        cmd = [pypy, "-m", "twin_nn.bench.ladder"] + keys + [
            "--budget", str(profile["pypy_budget"] * scale), "--warmup", str(profile["pypy_warmup"] * scale)]
        say("PyPy: %s on %s, in a pypy3 process" % (", ".join(("loop", "scalar", "net221")), ", ".join(keys)))
        with tempfile.TemporaryFile("w+") as stdout:
            proc = subprocess.Popen(cmd, env=env, stdout=stdout, stderr=subprocess.PIPE, universal_newlines=True)
            last = "?"
            for line in proc.stderr:                 # its progress lines, as they come
                last = line.rstrip()
                say("  PyPy " + last)
            proc.stderr.close()
            if proc.wait() != 0:
                say("PyPy: the run failed (%s); its column stays empty" % last)
                return []
            stdout.seek(0)
            return json.loads(stdout.read())


def measure(keys, rungs, widths, quick=True, scale=1.0, pypy=True, say=None):
    """Everything ``twin-nn bench`` reports, as one JSON-ready dict."""
    from .threads import start_at_one_thread
    say = say or (lambda text: None)
    started = time.perf_counter()
    pinned = start_at_one_thread()
    profile = QUICK if quick else FULL
    from .ladder import CPYTHON_RUNGS, THREAD_RUNGS, another_workloads, run_ladder
    from .workloads import WORKLOADS, clear_cache
    main_rungs = [r for r in (rungs or CPYTHON_RUNGS) if not r.endswith("@all")]
    thread_rungs = list(THREAD_RUNGS) if rungs is None else [
        r for base in [r[:-4] for r in rungs if r.endswith("@all")] for r in (base, base + "@all")]
    from .threads import all_cores
    if thread_rungs and all_cores() < 2:
        say("one core here: no Threads ladder (every core is one thread)")
        thread_rungs = []
    result = {"environment": environment(), "quick": quick, "budget_scale": scale, "ladder": [],
              "threads_ladder": [], "pypy_ladder": [], "crossover": None,
              "threads": "one thread (OPENBLAS/OMP/MKL_NUM_THREADS=1 set before NumPy loaded; "
                         "torch.set_num_threads(1)) except the @all rungs of threads_ladder" if pinned else
                         "NumPy was loaded before the variables could be set: threadpoolctl sets the threads"}
    for key in keys:
        w = WORKLOADS[key]
        say("%s %s: %s, batch %s" % (key, w.name, w.arch, w.batch_size or "full %d" % w.n_rows))
        t0 = time.perf_counter()
        out = run_ladder(key, main_rungs, budget=profile["budget"][key] * scale,
                         warmup=profile["warmup"] * scale, warmup_steps=profile["warmup_steps"],
                         block_seconds=profile["block_seconds"], log=lambda m: say("  " + m.split(" ", 1)[1]))
        for rung, why in sorted(out["skipped"].items()):
            if not another_workloads(rung, WORKLOADS[key]):
                say("  %-18s skipped: %s" % (rung, why))
        result["ladder"].append(out)
        say("  %d rounds, %.0f s: %s" % (out["rounds"], time.perf_counter() - t0, summary_line(out)))
        if thread_rungs:
            t0 = time.perf_counter()
            say("%s at 1 thread and at all %d cores, taking turns:" % (key, out["cores"]))
            out = run_ladder(key, thread_rungs, budget=profile["thread_budget"][key] * scale,
                             warmup=profile["warmup"] * scale, warmup_steps=profile["warmup_steps"],
                             block_seconds=profile["block_seconds"], log=lambda m: say("  " + m.split(" ", 1)[1]))
            for rung, why in sorted(out["skipped"].items()):
                if not rung.endswith("@all") or rung[:-4] not in out["skipped"]:
                    say("  %-18s skipped: %s" % (rung, why))
            result["threads_ladder"].append(out)
            say("  %d rounds, %.0f s: %s" % (out["rounds"], time.perf_counter() - t0, summary_line(out)))
        clear_cache()                                     # W4's data is 250 MB
    if pypy:
        pypy_keys = [k for k in keys if not (quick and k in SLOW_WITHOUT_NUMPY)]
        for key in sorted(set(keys) - set(pypy_keys)):
            say("PyPy: %s left out of --quick: %s" % (key, SLOW_WITHOUT_NUMPY[key]))
        result["pypy_ladder"] = _pypy_ladder(pypy_keys, profile, scale, say) if pypy_keys else []
    if widths:
        from .crossover import QUICK_BATCHES, run_crossover
        say("crossover: one SGD step of an [n, n, 1] tanh net, scalar_nn against vector_nn and the engine")
        result["crossover"] = run_crossover(widths, QUICK_BATCHES, twins=("scalar", "vector", "fast"),
                                            budget=profile["crossover_budget"] * scale,
                                            log=lambda m: say("  " + m))
    result["seconds"] = time.perf_counter() - started
    return result


def summary_line(out):
    """'scalar_nn ÷ vector_nn.fast 92×, ...' for one workload's ladder (the ratios that ran)."""
    from .ladder import paired_ratio
    parts = []
    for label, a, b in SUMMARY:
        r = paired_ratio(out, b, a)
        if r is not None:
            parts.append("%s %s" % (label, fmt_ratio(r)))
    for dtype, f in sorted(out.get("bandwidth_floor", {}).get("floors", {}).items(), reverse=True):
        r = f["in_cache"]["engine_over_floor"]
        if r is not None:
            parts.append("vector_nn.fast%s ÷ memory floor %s" % (" f32" if dtype == "float32" else "", fmt_ratio(r)))
    return "; ".join(parts) or "—"


def fmt_ratio(r):
    if r is None:
        return "—"
    if r >= 100:
        return "%d×" % round(r)
    return "%.1f×" % r if r >= 10 else ("%.2f×" % r if r >= 0.1 else "%.2g×" % r)


def report(result):
    """The tables a person reads at the end: per workload, each rung's median and how it compares."""
    from .bandwidth import describe as describe_floor
    from .ladder import fmt_time, paired_ratio, title
    from .workloads import WORKLOADS
    lines = []
    pypy = {r["workload"]: r for r in result["pypy_ladder"]}
    for out in result["ladder"]:
        key = out["workload"]
        lines += ["", "%s (%s; %d interleaved rounds)" % (WORKLOADS[key].label, WORKLOADS[key].arch, out["rounds"]),
                  "  %-32s %10s %16s" % ("rung", "median", "scalar_nn ÷ rung")]
        for rung, r in out["rungs"].items():
            lines.append("  %-32s %10s %16s" % (title(rung), fmt_time(r["median"]),
                                                 fmt_ratio(paired_ratio(out, rung, "scalar"))))
        for rung, r in pypy.get(key, {}).get("rungs", {}).items():
            lines.append("  %-32s %10s %16s" % (title(rung) + " (PyPy)", fmt_time(r["median"]),
                                                 "(own process)"))
        lines += describe_floor(out)
    threads = result.get("threads_ladder") or []
    if any(out["rungs"] for out in threads):
        lines += ["", "Threads (each rung at 1 thread and at every core, taking turns; 1 ÷ all > 1: every core "
                      "is faster):", "  %-4s %-22s %10s %10s %10s" % ("", "rung", "1 thread", "all cores", "1 ÷ all")]
        for out in threads:
            for rung, r in out["rungs"].items():
                if rung.endswith("@all"):
                    one = out["rungs"][rung[:-4]]
                    lines.append("  %-4s %-22s %10s %10s %10s" % (
                        out["workload"], title(rung[:-4]), fmt_time(one["median"]), fmt_time(r["median"]),
                        fmt_ratio(paired_ratio(out, rung, rung[:-4]))))
    cross = result.get("crossover")
    if cross:
        lines += ["", "Crossover (scalar_nn ÷ twin, one SGD step of [n, n, 1] tanh; > 1: NumPy wins):"]
        for p in cross["points"]:
            lines.append("  batch %-4d n = %-5d %s" % (p["m"], p["n"], "   ".join(
                "%s %s (%s vs %s)" % (t, fmt_ratio(r), fmt_time(p["scalar"]), fmt_time(p[t]))
                for t, r in sorted(p["ratios"].items()))))
    env = result["environment"]
    load = env.get("load_average")
    lines += ["", "%s, %d cores, %s; load average %s; %.0f s in all." % (
        env["cpu"], env["cores"], env["python"], "/".join("%.2f" % v for v in load) if load else "?",
        result["seconds"])]
    return "\n".join(lines)


def cmd_bench(args, out):
    """``twin-nn bench``: measure, print the tables, and write --json / --plot."""
    from .ladder import CPYTHON_RUNGS, THREAD_RUNGS
    from .workloads import WORKLOADS
    keys = _names(args.workloads, sorted(WORKLOADS), "workloads")
    known = list(CPYTHON_RUNGS) + [r for r in THREAD_RUNGS if r.endswith("@all")]
    rungs = _names(args.rungs, known, "rungs") if args.rungs else None
    if args.dtype != "both":                           # drop the other precision's engine and PyTorch rungs
        other = {"float64": ("fast32", "torch32", "stream32"), "float32": ("fast", "torch64", "stream")}[args.dtype]
        rungs = [r for r in (rungs or known) if r.partition("@")[0] not in other]
    if rungs is not None and "scalar" not in rungs:
        rungs = ["scalar"] + rungs                     # every ratio is taken against scalar_nn
    widths = _widths(args.widths)
    _check_outputs(args)

    def say(text):
        out.write(text + "\n")
        out.flush()

    try:
        import numpy  # noqa: F401
    except ImportError:                 # PyPy, or a Python without NumPy: the pure-Python rungs still run
        say("NumPy is not installed here: only the pure-Python rungs run, and no crossover (pip install numpy)")
        widths = []
        if args.quick:
            for key in [k for k in keys if k in SLOW_WITHOUT_NUMPY]:
                say("%s left out of --quick: %s" % (key, SLOW_WITHOUT_NUMPY[key]))
            keys = [k for k in keys if k not in SLOW_WITHOUT_NUMPY]
    import platform
    pypy = not args.no_pypy and platform.python_implementation() != "PyPy"    # PyPy's column is this run

    say("twin-nn bench%s: rungs take turns in one process; medians per optimizer step" % (
        " --quick" if args.quick else ""))
    result = measure(keys, rungs, widths, quick=args.quick, scale=args.budget_scale,
                     pypy=pypy, say=say)
    say(report(result))
    if args.json is not None:
        from scalar_nn.toolkit.serialize import write_atomically
        text = json.dumps(result, indent=1)
        write_atomically(args.json, lambda f: f.write(text.encode("utf-8")))
        say("figures written to %s" % args.json)
    if args.plot is not None:
        from .plot import draw
        draw(result, args.plot)
        say("picture written to %s" % args.plot)
    return 0
