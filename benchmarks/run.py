"""``make bench``: run every measurement and render ``benchmarks/RESULTS.md``.

1. the pytest-benchmark suite (W1-W5 per step and per epoch for the twins,
   the fast engine and the installed peers, the crossover sweep)
   -> ``out/benchmarks.json``;
2. the ladder: for each workload, every rung (the hand-written floors, the
   twins, Network221 at W1, the fast engine in float64 and, where it has
   one, float32, the peers, all at one thread)
   taking turns in one process (``python -m twin_nn.bench.ladder``, the
   code ``twin-nn bench`` runs too) -> ``out/ladder.json``; the headline
   table and the targets' ratios come from here; then the Threads ladder,
   the engine and PyTorch at one thread and at every core taking turns
   (a process of its own per workload) -> ``out/threads_ladder.json``;
3. under ``pypy3`` when it is on the PATH: the loop floor, the scalar twin
   and Network221 taking turns on W1-W5, and the crossover sweep (timed
   inside the PyPy process) -> ``out/pypy_ladder.json``, ``out/pypy_crossover.json``;
4. the first steps of a fresh process (the fast engine, PyTorch) -> ``out/fresh.json``;
5. BLAS/OpenMP threads 1 vs 2 on W4/W5, one process per count (the
   environment variables; a cross-check of the ladder's in-process thread
   rungs) -> ``out/threads.json``;
6. the peak memory of training W4 in vector_nn -> ``out/memory.json``, and
   in the engine at float32 where it has it -> ``out/memory32.json``;
7. ``twin-nn bench --quick``, what a user runs, timed from outside (its target is 90 s);
8. ``publish`` (``publish.py``): ``render.py`` writes ``RESULTS.md`` and, with matplotlib,
   ``speedup.png``; the README's "how much faster" table is replaced by this
   run's; then ``docs/tour/generate.py`` rewrites the tour, whose chapter 8
   copies the headline and the crossover from RESULTS.md (so
   ``make bench && make test`` passes).

Threads: by default every contestant runs with one BLAS/OpenMP thread
(``OPENBLAS_NUM_THREADS=OMP_NUM_THREADS=MKL_NUM_THREADS=1``).  The scalar
twin is single-threaded, so the ratios measure what vectorizing buys, not
what a second core buys; and on a busy two-core machine a two-thread BLAS
can lose tens of times on small matrices.  The Threads ladder's ``@all`` rungs
raise the count to every core for their own blocks (threadpoolctl, torch), so
the all-cores steps are timed in the same rounds as the one-thread ones.
``--threads 0`` keeps the libraries' defaults.

    python benchmarks/run.py [--threads N] [--skip-pytest] [--skip-pypy] [--skip-quick] [--render-only]

``--render-only`` redoes step 8 from ``out/`` (RESULTS.md, the picture, the README table, the tour).
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(HERE, "out")
sys.path.insert(0, ROOT)

from benchmarks.publish import publish  # noqa: E402
from twin_nn.bench.ladder import THREAD_RUNGS  # noqa: E402
from twin_nn.bench.workloads import WORKLOADS  # noqa: E402

# seconds of interleaved rounds per workload in the ladder (at least 3 rounds; W4's
# scalar rungs take seconds per step, so its rounds are few and long anyway)
LADDER_BUDGET = {"W1": 6, "W2": 6, "W3": 6, "W4": 4, "W5": 5}
THREAD_BUDGET = {"W1": 2, "W2": 2, "W3": 2, "W4": 3, "W5": 3}
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
PEER_MODULES = {"torch64": "torch", "sklearn": "sklearn", "micrograd": "micrograd"}


def child_env(threads):
    """The environment of every measuring process: repo on PYTHONPATH, thread counts set."""
    env = dict(os.environ)
    env["PYTHONPATH"] = ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.pop("PYTHONHASHSEED", None)
    if threads:
        for name in THREAD_VARIABLES:
            env[name] = str(threads)
    return env


def log(msg):
    print("[bench %s] %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


def run_json(cmd, env, what, timeout=900):
    """Run a measuring command that prints one JSON document; None (and a note) if it fails."""
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, timeout=timeout)
    if proc.returncode != 0:
        log("%s FAILED (exit %d):\n%s" % (what, proc.returncode, proc.stderr[-3000:]))
        return None
    log("%s done in %.1f s" % (what, time.perf_counter() - t0))
    return json.loads(proc.stdout)


def have(module):
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def versions():
    """Machine, interpreter and library versions (what RESULTS.md opens with)."""
    info = {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "platform": platform.platform(),
            "machine": platform.machine(), "cpu_count": os.cpu_count(),
            "python": "%s %s" % (platform.python_implementation(), platform.python_version())}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import numpy as np
    info["numpy"] = np.__version__
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        info["blas"] = "%s %s" % (blas.get("name"), blas.get("version"))
    except Exception:  # noqa: BLE001  (older NumPy: no dict mode)
        info["blas"] = "unknown"
    import pytest_benchmark
    info["pytest_benchmark"] = pytest_benchmark.__version__
    peers = {}
    for name, module in (("torch", "torch"), ("scikit-learn", "sklearn"), ("micrograd", "micrograd"),
                         ("matplotlib", "matplotlib")):
        try:
            from importlib import metadata
            peers[name] = metadata.version(name) if have(module) else None
        except Exception:  # noqa: BLE001
            peers[name] = "installed" if have(module) else None
    info["packages"] = peers
    pypy = shutil.which("pypy3")
    info["pypy3"] = None
    if pypy:
        out = subprocess.run([pypy, "-c", "import sys, platform; print(platform.python_version(), "
                              "'PyPy %d.%d.%d' % sys.pypy_version_info[:3])"],
                             stdout=subprocess.PIPE, universal_newlines=True)
        info["pypy3"] = out.stdout.strip()
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, universal_newlines=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               universal_newlines=True).stdout.strip()
        info["commit"] = commit + (" (with uncommitted changes)" if dirty else "")
    except OSError:
        info["commit"] = None
    return info


def load_average():
    try:
        return list(os.getloadavg())
    except OSError:
        return None


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run the benchmarks and render benchmarks/RESULTS.md.")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS/OpenMP threads for every contestant (0: the libraries' defaults)")
    parser.add_argument("--skip-pytest", action="store_true", help="reuse out/benchmarks.json")
    parser.add_argument("--skip-pypy", action="store_true", help="do not run pypy3 even when present")
    parser.add_argument("--render-only", action="store_true",
                        help="only re-render RESULTS.md (and the README table and the tour) from out/")
    parser.add_argument("--skip-quick", action="store_true", help="do not time twin-nn bench --quick")
    args = parser.parse_args(argv)
    os.makedirs(OUT, exist_ok=True)
    if args.render_only:
        return publish(OUT, log=log)

    started = time.perf_counter()
    env = child_env(args.threads)
    info = versions()
    info["threads"] = args.threads
    info["load_average_start"] = load_average()
    missing = [name for name, v in info["packages"].items() if v is None and name != "matplotlib"]
    log("peers installed: %s; skipped (not installed): %s" % (
        ", ".join(n for n, v in info["packages"].items() if v and n != "matplotlib") or "none",
        ", ".join(missing) or "none"))

    # 1. pytest-benchmark
    if not args.skip_pytest:
        log("pytest-benchmark suite (W1-W5, peers, crossover) ...")
        t0 = time.perf_counter()
        cmd = [sys.executable, "-m", "pytest", "benchmarks", "-q", "-p", "no:cacheprovider",
               "--benchmark-json", os.path.join(OUT, "benchmarks.json"),
               "--benchmark-columns=min,median,max,rounds", "--benchmark-sort=name",
               "--benchmark-group-by=group"]
        code = subprocess.call(cmd, cwd=ROOT, env=env)
        info["pytest_seconds"] = time.perf_counter() - t0
        if code != 0:
            log("pytest-benchmark exited with %d" % code)
            return code

    # 2. the ladder, every rung taking turns in one process per workload
    ladder = []
    for key in sorted(WORKLOADS):
        data = run_json([sys.executable, "-m", "twin_nn.bench.ladder", key,
                         "--budget", str(LADDER_BUDGET[key])], env, "ladder %s" % key)
        if data is not None:
            ladder += data
    with open(os.path.join(OUT, "ladder.json"), "w") as f:
        json.dump(ladder, f, indent=1)

    # 2b. the Threads ladder: the engine and PyTorch at one thread and at every core, taking turns
    threads_ladder = []
    for key in sorted(WORKLOADS):
        data = run_json([sys.executable, "-m", "twin_nn.bench.ladder", key, "--rungs", ",".join(THREAD_RUNGS),
                         "--budget", str(THREAD_BUDGET[key])], env, "threads ladder %s" % key)
        if data is not None:
            threads_ladder += data
    with open(os.path.join(OUT, "threads_ladder.json"), "w") as f:
        json.dump(threads_ladder, f, indent=1)

    # 3. PyPy
    pypy = shutil.which("pypy3")
    for name in ("pypy_ladder.json", "pypy_crossover.json"):
        path = os.path.join(OUT, name)
        if os.path.exists(path):
            os.remove(path)
    if pypy and not args.skip_pypy:
        pypy_ladder = []
        for key in sorted(WORKLOADS):
            log("pypy3: loop floor, scalar twin and Network221 on %s ..." % key)
            data = run_json([pypy, "-m", "twin_nn.bench.ladder", key, "--warmup", "2",
                             "--budget", "3"], env, "pypy3 ladder %s" % key)
            if data is not None:
                pypy_ladder += data
        with open(os.path.join(OUT, "pypy_ladder.json"), "w") as f:
            json.dump(pypy_ladder, f, indent=1)
        log("pypy3: scalar twin, crossover ...")
        data = run_json([pypy, "-m", "benchmarks.measure", "crossover"], env, "pypy3 crossover")
        if data is not None:
            with open(os.path.join(OUT, "pypy_crossover.json"), "w") as f:
                json.dump(data, f, indent=1)
    else:
        info["pypy_skipped"] = "pypy3 not on PATH" if not pypy else "--skip-pypy"
        log("PyPy column skipped: %s" % info["pypy_skipped"])

    # 4. fresh processes
    fresh = []
    contestants = ["fast"] + (["torch64"] if have("torch") else [])
    for key in sorted(WORKLOADS):
        for c in contestants:
            data = run_json([sys.executable, "-m", "benchmarks.measure", "fresh", c, key, "--steps", "30"],
                            env, "fresh process %s %s" % (c, key))
            if data is not None:
                fresh.append(data)
    with open(os.path.join(OUT, "fresh.json"), "w") as f:
        json.dump(fresh, f, indent=1)

    # 5. threads 1 vs 2
    threads = []
    for key in ("W4", "W5"):
        for c in contestants:
            for n in (1, 2):
                data = run_json([sys.executable, "-m", "benchmarks.measure", "steady", c, key],
                                child_env(n), "%s %s with %d thread(s)" % (c, key, n))
                if data is not None:
                    data["threads"] = n
                    threads.append(data)
    with open(os.path.join(OUT, "threads.json"), "w") as f:
        json.dump(threads, f, indent=1)

    # 6. memory
    data = run_json([sys.executable, "-m", "benchmarks.measure", "memory"], env, "W4 memory")
    with open(os.path.join(OUT, "memory.json"), "w") as f:
        json.dump(data, f, indent=1)
    data = run_json([sys.executable, "-m", "benchmarks.measure", "memory", "--dtype", "float32"], env,
                    "W4 memory, the engine in float32")
    with open(os.path.join(OUT, "memory32.json"), "w") as f:
        json.dump(data, f, indent=1)

    # 8. what a user runs: twin-nn bench --quick, timed from the outside (its target: 90 s)
    if not args.skip_quick:
        t0 = time.perf_counter()
        code = subprocess.call([sys.executable, "-m", "twin_nn", "bench", "--quick", "--json",
                                os.path.join(OUT, "quick.json")], cwd=ROOT, env=child_env(0),
                               stdout=subprocess.DEVNULL)
        info["quick_seconds"] = time.perf_counter() - t0 if code == 0 else None
        log("twin-nn bench --quick: %s" % ("%.0f s" % info["quick_seconds"] if code == 0 else "FAILED (%d)" % code))

    info["load_average_end"] = load_average()
    info["run_seconds"] = time.perf_counter() - started
    with open(os.path.join(OUT, "env.json"), "w") as f:
        json.dump(info, f, indent=1)
    code = publish(OUT, log=log)
    log("all done in %.0f s: benchmarks/RESULTS.md" % info["run_seconds"])
    return code


if __name__ == "__main__":
    sys.exit(main())
