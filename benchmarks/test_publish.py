"""``make bench && make test`` passes: whatever rewrites RESULTS.md rewrites what quotes it.

The tour's chapter 8 copies RESULTS.md's headline and crossover tables, and the
README copies its "how much faster" table; ``parity_tests/app/test_tour.py``
fails when a committed chapter differs from what the generator writes.  Once,
``make bench`` rewrote RESULTS.md and left the chapter behind, so the next
``make test`` failed.  This test plays ``make bench`` without its hours of
timing: in a copy of the project it writes the JSON of a real smoke measurement
(one step of every rung, so the figures differ from the committed ones), runs
``benchmarks/run.py --render-only`` (``make bench``'s last step), and then the
tour's own check.  No time is asserted.
"""

import json
import os
import shutil
import subprocess
import sys

from benchmarks import render_speed

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SKIP = shutil.ignore_patterns(".git", ".venv", "__pycache__", "out", "*.egg-info", ".pytest_cache",
                              ".hypothesis", ".benchmarks", "build", "dist")


def _smoke_measurements(out):
    """out/*.json as run.py writes them, from one step of every rung and of the small crossover points."""
    from twin_nn.bench.crossover import SMOKE_BATCHES, SMOKE_WIDTHS, crossover_stepper, time_per_call
    from twin_nn.bench.ladder import CPYTHON_RUNGS, THREAD_RUNGS, run_ladder
    from twin_nn.bench.workloads import WORKLOADS
    os.makedirs(out)
    ladder = [run_ladder(key, CPYTHON_RUNGS, smoke=True) for key in sorted(WORKLOADS)]
    points = []
    for m in SMOKE_BATCHES:
        for n in SMOKE_WIDTHS:
            for twin in ("scalar", "vector"):
                med, best = time_per_call(crossover_stepper(twin, n, m), budget=0.0, warmup=0.0, max_calls=1)
                points.append({"extra_info": {"kind": "crossover", "n": n, "m": m, "contestant": twin},
                               "stats": {"median": med, "min": best, "max": med, "mean": med, "rounds": 1}})
    threads = [run_ladder(key, THREAD_RUNGS, smoke=True) for key in ("W4", "W5")]
    files = {"ladder.json": ladder, "threads_ladder.json": threads, "benchmarks.json": {"benchmarks": points},
             "env.json": {"date": "a smoke run", "commit": "test", "cpu": "this test's CPU", "cpu_count": 1,
                          "platform": "test", "python": "test", "threads": 1}}
    for name, data in files.items():
        with open(os.path.join(out, name), "w") as f:
            json.dump(data, f)


def _read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def test_make_bench_rewrites_what_quotes_results(tmp_path):
    copy = str(tmp_path / "project")
    shutil.copytree(ROOT, copy, ignore=SKIP)
    _smoke_measurements(os.path.join(copy, "benchmarks", "out"))
    env = dict(os.environ, PYTHONPATH=copy)
    done = subprocess.run([sys.executable, os.path.join("benchmarks", "run.py"), "--render-only"], cwd=copy,
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    assert done.returncode == 0, done.stdout[-3000:]

    results = _read(os.path.join(copy, "benchmarks", "RESULTS.md"))
    assert results != _read(os.path.join(ROOT, "benchmarks", "RESULTS.md"))      # new figures ...
    assert "a smoke run" in results and render_speed.HOW_MUCH_FASTER in results
    assert "## Threads: one thread against every core" in results
    chapter = "08-loops-against-vectors.md"
    assert _read(os.path.join(copy, "docs", "tour", chapter)) != _read(os.path.join(ROOT, "docs", "tour", chapter))
    readme = _read(os.path.join(copy, "README.md"))
    start, end = readme.index(render_speed.README_START), readme.index(render_speed.README_END)
    assert "a smoke run" in readme[start:end]                                    # ... quoted where they are quoted

    check = subprocess.run([sys.executable, os.path.join("docs", "tour", "generate.py"), "--check"], cwd=copy,
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    assert check.returncode == 0, "after make bench's publish step the tour is stale:\n" + check.stdout
