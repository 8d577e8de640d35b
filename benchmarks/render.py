"""Render ``benchmarks/RESULTS.md`` (and ``speedup.png``) from the JSON in ``benchmarks/out/``.

Every figure in RESULTS.md is read from those files; nothing is typed in by
hand.  Times are medians per optimizer step unless a column says otherwise;
a ratio "a / b" is median(a) / median(b), so > 1 means b is faster.

    python benchmarks/render.py            (run.py calls it at the end)
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from benchmarks import render_floors, render_speed  # noqa: E402
from twin_nn.bench.crossover import BATCHES, WIDTHS  # noqa: E402
from twin_nn.bench.ladder import fmt_time, paired_ratio  # noqa: E402
from twin_nn.bench.ladder import title as rung_title  # noqa: E402
from twin_nn.bench.peers import SKLEARN_NOTES  # noqa: E402
from twin_nn.bench.workloads import WARMUP_STEPS, WORKLOADS, data_source  # noqa: E402

CONTESTANTS = ["scalar", "pypy", "vector", "fast", "torch64", "torch32", "sklearn", "micrograd"]
TITLES = {"scalar": "scalar_nn (CPython)", "pypy": "scalar_nn (PyPy)", "vector": "vector_nn",
          "fast": "vector_nn.fast", "torch64": "PyTorch f64", "torch32": "PyTorch f32",
          "sklearn": "scikit-learn", "micrograd": "micrograd", "loop": "minimal loop step",
          "loop_pypy": "minimal loop step (PyPy)", "numpy": "minimal NumPy step",
          "gemm": "two bare GEMMs (W4)", "net221": "Network221 (CPython)", "net221_pypy": "Network221 (PyPy)",
          "fast32": "vector_nn.fast f32"}
# the ladder's rungs, bottom up, as the headline shows them (pypy: scalar_nn's PyPy rung); the
# all-cores rungs are in the Threads table
LADDER = ["loop", "scalar", "pypy", "net221", "net221_pypy", "numpy", "vector", "fast", "fast32", "torch64",
          "torch32", "sklearn", "micrograd"]
PYPY_RUNG = {"pypy": "scalar", "loop_pypy": "loop", "net221_pypy": "net221"}   # render name -> PyPy ladder rung


def title(rung):
    """The column title of a rung: the table's own names, the ladder's for the rest ('fast@all')."""
    return TITLES.get(rung) or rung_title(rung)


SPEEDUP_TARGETS = {"W2": 50.0, "W3": 100.0, "W4": 400.0, "W5": 150.0}
LOSS_STEPS = 5


# ------------------------------------------------------------------ input
def _read(out, name, default=None):
    path = os.path.join(out, name)
    if not os.path.exists(path):
        return default
    with open(path) as f:
        data = json.load(f)
    return default if data is None else data


def load(out):
    """Everything run.py measured, indexed for the tables."""
    d = {"env": _read(out, "env.json", {}), "fresh": _read(out, "fresh.json", []),
         "paired": {(r["a"], r["b"], r["workload"]): r for r in _read(out, "paired.json", [])},
         "threads": _read(out, "threads.json", []), "memory": _read(out, "memory.json"),
         "memory32": _read(out, "memory32.json"),
         "ladder": {r["workload"]: r for r in _read(out, "ladder.json", [])},
         "threads_ladder": {r["workload"]: r for r in _read(out, "threads_ladder.json", [])},
         "pypy_ladder": {r["workload"]: r for r in _read(out, "pypy_ladder.json", [])},
         "pypy_crossover": _read(out, "pypy_crossover.json"),
         "step": {}, "epoch": {}, "crossover": {}, "skipped": []}
    bench = _read(out, "benchmarks.json", {"benchmarks": []})
    d["bench_machine"] = bench.get("machine_info", {})
    for b in bench["benchmarks"]:
        info, stats = b.get("extra_info", {}), b["stats"]
        entry = dict(stats)
        entry.update(info)
        kind = info.get("kind")
        if kind == "step":
            d["step"].setdefault(info["workload"], {})[info["contestant"]] = entry
        elif kind == "epoch":
            d["epoch"].setdefault(info["workload"], {})[info["contestant"]] = entry
        elif kind == "crossover":
            d["crossover"][(info["n"], info["m"], info["contestant"])] = entry
    for key, r in d["pypy_ladder"].items():
        e = r["rungs"].get("scalar")
        if e:
            d["step"].setdefault(key, {})["pypy"] = {
                "median": e["median"], "min": e["min"], "max": e.get("max"), "rounds": e["steps"],
                "first_steps": [e["first_step"]], "first_losses": e["first_losses"],
                "warmup_steps": e["warmup_steps"], "warmup_seconds": 2.0}
    return d


# ------------------------------------------------------------- formatting
def fmt_ratio(r):
    if r is None:
        return "—"
    if r >= 100:
        return "%d×" % round(r)
    if r >= 10:
        return "%.1f×" % r
    return "%.2f×" % r


def fmt_bytes(n):
    return "—" if n is None else "%.1f MB" % (n / 2 ** 20)


def median(d, key, c):
    e = d["step"].get(key, {}).get(c)
    return None if e is None else e["median"]


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


def table(header, rows, align=None):
    align = align or (["l"] + ["r"] * (len(header) - 1))
    marks = {"l": ":---", "r": "---:", "c": ":---:"}
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(marks[a] for a in align) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def verdict(ok, measured=""):
    if ok is None:
        return "**borderline**" if "paired" in measured else "—"
    return "**met**" if ok else "**not met**"


# ---------------------------------------------------------------- sections
def section_machine(d):
    env = d["env"]
    pk = env.get("packages", {})
    lines = ["## Machine and versions", ""]
    lines.append("- Date: %s; commit %s" % (env.get("date", "?"), env.get("commit") or "?"))
    lines.append("- CPU: %s, %s logical cores; %s" % (env.get("cpu", "?"), env.get("cpu_count", "?"),
                                                      env.get("platform", "?")))
    la0, la1 = env.get("load_average_start"), env.get("load_average_end")
    if la0:
        lines.append("- Load average (1/5/15 min) at start %s, at end %s: other work on the machine "
                     "slows everything, the medians below are what this run saw"
                     % ("/".join("%.2f" % v for v in la0), "/".join("%.2f" % v for v in la1 or [])))
    lines.append("- %s; NumPy %s (%s); pytest-benchmark %s" % (
        env.get("python", "?"), env.get("numpy", "?"), env.get("blas", "?"), env.get("pytest_benchmark", "?")))
    lines.append("- PyPy: %s" % (env.get("pypy3") or "not found on PATH (PyPy columns empty)"))
    peers = []
    for name in ("torch", "scikit-learn", "micrograd", "matplotlib"):
        peers.append("%s %s" % (name, pk.get(name)) if pk.get(name) else "%s: not installed (skipped)" % name)
    lines.append("- Peers: " + "; ".join(peers))
    th = env.get("threads")
    lines.append("- Threads: %s" % (
        "%d BLAS/OpenMP thread(s) for every contestant (OPENBLAS/OMP/MKL_NUM_THREADS); the scalar twin "
        "is single-threaded, so the ratios measure vectorization, not a second core (see *Threads*)" % th
        if th else "the libraries' defaults"))
    if env.get("run_seconds"):
        lines.append("- `benchmarks/run.py` wall time: %.0f s (pytest-benchmark part: %.0f s)" % (
            env["run_seconds"], env.get("pytest_seconds") or 0))
    return "\n".join(lines)


def rung_median(d, key, rung):
    """Median step time of a ladder rung (``pypy``: scalar_nn under PyPy), or None."""
    if rung in PYPY_RUNG:
        r = d["pypy_ladder"].get(key, {}).get("rungs", {}).get(PYPY_RUNG[rung])
    else:
        r = d["ladder"].get(key, {}).get("rungs", {}).get(rung)
    return None if r is None else r["median"]


def rung_ratio(d, key, a, b):
    """median(b) / median(a) over the interleaved rounds of the ladder (PyPy rungs: their own run)."""
    if a in PYPY_RUNG and b in PYPY_RUNG:
        r = d["pypy_ladder"].get(key)
        return None if r is None else paired_ratio(r, PYPY_RUNG[a], PYPY_RUNG[b])
    r = d["ladder"].get(key)
    return None if r is None else paired_ratio(r, a, b)


def _batch_label(w):
    return "batch %s" % (w.batch_size or "full %d" % w.n_rows)


# (title, lower rung a, upper rung b): the ratio b / a, and what it shows
LADDER_RATIOS = [
    ("scalar_nn ÷ loop floor", "loop", "scalar"),
    ("micrograd ÷ scalar_nn", "scalar", "micrograd"),
    ("micrograd ÷ Network221", "net221", "micrograd"),
    ("scalar_nn ÷ vector_nn (vectorizing)", "vector", "scalar"),
    ("vector_nn ÷ NumPy floor", "numpy", "vector"),
    ("fast ÷ NumPy floor", "numpy", "fast"),
    ("vector_nn ÷ fast (tuning)", "fast", "vector"),
    ("fast ÷ PyTorch f64", "torch64", "fast"),
    ("fast f32 ÷ PyTorch f32", "torch32", "fast32"),
    ("fast ÷ two GEMMs", "gemm", "fast"),
]


def section_headline(d):
    header = ["workload"] + [title(c) for c in LADDER]
    rows = []
    for key in sorted(WORKLOADS):
        w = WORKLOADS[key]
        rows.append(["%s (%s)" % (w.label, _batch_label(w))] + [fmt_time(rung_median(d, key, c)) for c in LADDER])
    ratio_rows = []
    for key in sorted(WORKLOADS):
        ratio_rows.append([key] + [fmt_ratio(rung_ratio(d, key, a, b)) for _, a, b in LADDER_RATIOS])
    rounds = ", ".join("%s %d" % (k, d["ladder"][k]["rounds"]) for k in sorted(d["ladder"]))
    return "\n".join([
        "## Headline: the ladder, median time per optimizer step", "",
        "Every rung takes the same step: the same initial weights, the same batches, the same "
        "output/loss pair and SGD rule (scikit-learn differs where noted below). From the bottom: "
        "the **minimal loop step** and the **minimal NumPy step** are the floors, the step written "
        "as directly as possible in `twin_nn/bench/floors.py` (no validation, no caches, no layers: "
        "`benchmarks/test_floors.py` checks that they take the twins' steps); `scalar_nn` and "
        "`vector_nn` are the twins' public `loss_and_grads` + `step`; `vector_nn.fast` is the tuned "
        "engine; then the peers. **micrograd is measured at its best: with the garbage collector off "
        "during its step** (`gc.disable()`; its graph is freed by a collection between blocks, outside "
        "the timing). **Network221** is the lesson's own 2-2-1 system (W1 only), nine named numbers and one "
        "line per partial derivative (`scalar_nn/network221.py`), the rung that belongs beside micrograd. "
        "**f32** is float32 (the engine's where `vector_nn.fast.MLP` takes `dtype=\"float32\"`). "
        "Every rung here runs at one thread; the engine and PyTorch at every core are in *Threads* below. "
        "— means not run (not installed, not offered, or too slow: see the workload's notes).", "",
        "All CPython rungs of a workload ran in one process, taking turns a block of steps at a time "
        "(`twin_nn/bench/ladder.py`; rounds: %s), so that a change of the machine's load hits all of them "
        "alike; the PyPy rungs ran the same way in a PyPy process." % (rounds or "—"), "",
        table(header, rows), "",
        "Ratios between rungs (median over the rounds of the ratio of the two rungs' block medians; "
        "above 1 means the second-named rung is faster):", "",
        table(["workload"] + [t for t, _, _ in LADDER_RATIOS], ratio_rows)])


def _with_paired(d, a, b, key, r, goal):
    """(measured text, met) for "a at least goal x faster than b", from the ladder's interleaved rounds."""
    if r is None:
        return ("%s not run" % TITLES[b], None)
    return ("%s / %s = %s (interleaved)" % (b, a, fmt_ratio(r)), r >= goal)


def _ladder_target(d, title, a, b, goal, keys):
    """One target row per workload: rung b at least ``goal`` times faster than rung a (ratio a / b)."""
    rows = []
    for key in keys:
        r = rung_ratio(d, key, b, a)            # median(a) / median(b)
        if r is None:
            rows.append((title % key, "not run", None))
            continue
        rows.append((title % key, "%s ÷ %s = %s" % (TITLES[a], TITLES[b], fmt_ratio(r)), r >= goal))
    return rows


def _targets(d):
    """(target, measured, met) rows."""
    rows = []
    # issue 7: the floors and the engine
    for key in ("W1", "W2", "W3"):
        r = rung_ratio(d, key, "loop", "scalar")
        rows.append(("scalar_nn's public step within 1.25× of the minimal loop step on %s" % key,
                     "scalar_nn ÷ loop = %s" % fmt_ratio(r) if r else "not run", None if r is None else r <= 1.25))
    r = rung_ratio(d, "W1", "scalar", "micrograd")
    rows.append(("scalar_nn at least 2.5× faster than micrograd (gc off) on W1",
                 "micrograd ÷ scalar_nn = %s" % fmt_ratio(r) if r else "not run", None if r is None else r >= 2.5))
    for key in sorted(WORKLOADS):
        r = rung_ratio(d, key, "numpy", "vector")
        rows.append(("plain vector_nn within 1.25× of the minimal NumPy step on %s" % key,
                     "vector_nn ÷ NumPy floor = %s" % fmt_ratio(r) if r else "not run",
                     None if r is None else r <= 1.25))
    for key in sorted(WORKLOADS):
        r = rung_ratio(d, key, "numpy", "fast")
        rows.append(("vector_nn.fast no slower than the minimal NumPy step on %s" % key,
                     "fast ÷ NumPy floor = %s" % fmt_ratio(r) if r else "not run", None if r is None else r <= 1.0))
    for key in sorted(WORKLOADS):
        r = rung_ratio(d, key, "torch64", "fast")
        rows.append(("vector_nn.fast no slower than PyTorch f64 eager on %s" % key,
                     "fast ÷ PyTorch f64 = %s" % fmt_ratio(r) if r else "not run", None if r is None else r <= 1.0))
    rows += render_floors.target_rows(d, rung_median, rung_ratio)     # W4's two GEMMs, W5's memory
    # earlier targets, still reported
    # (earlier targets were set for the tuned vector code, which is vector_nn.fast now)
    for key in sorted(WORKLOADS):
        r = rung_ratio(d, key, "fast", "sklearn")
        rows.append(("vector_nn.fast at least as fast as scikit-learn on %s" % key,)
                    + _with_paired(d, "fast", "sklearn", key, r, 1.0))
    for key, goal in sorted(SPEEDUP_TARGETS.items()):
        r = rung_ratio(d, key, "fast", "scalar")
        rows.append(("vector_nn.fast at least %d× faster than scalar_nn on %s" % (goal, key),
                     "scalar_nn ÷ fast = %s" % fmt_ratio(r) if r is not None else "—",
                     None if r is None else r >= goal))
    for key in ("W2", "W3", "W4", "W5"):
        r = ratio(rung_median(d, key, "scalar"), rung_median(d, key, "pypy"))
        rows.append(("scalar_nn under PyPy at least 5× faster than under CPython on %s" % key,
                     "CPython / PyPy = %s (separate processes)" % fmt_ratio(r) if r is not None else "PyPy not run",
                     None if r is None else r >= 5.0))
    m = d["memory"]
    if m:
        peak = m["traced_peak_during_fit"]
        rows.append(("training W4 in vector_nn peaks below X+Y + 100 MB (%s)" % fmt_bytes(m["budget_bytes"]),
                     "traced peak %s (X+Y = %s)" % (fmt_bytes(peak), fmt_bytes(m["data_bytes"])),
                     peak < m["budget_bytes"]))
    agree = []
    for key in sorted(WORKLOADS):
        for c, r in _loss_agreement(d, key).items():
            if c in ("torch32", "vector") or (c == "sklearn" and key in ("W1", "W5")):
                continue                 # float32, the reference itself, sklearn's different settings
            agree.append((r, key, c))
    if agree:
        worst = max(agree)
        rows.append(("float64 peers (and the scalar twin, also under PyPy) follow the vector twin's loss for "
                     "the first %d steps (~1e-12)" % LOSS_STEPS,
                     "largest relative difference %.1e (%s, %s)" % (worst[0], TITLES[worst[2]], worst[1]),
                     worst[0] <= 1e-12))
    rows += render_speed.thread_and_f32_targets(d, rung_ratio, title)
    env = d["env"]
    if env.get("run_seconds"):
        rows.append(("`make bench` under 10 minutes", "run.py took %.0f s (plus the venv set-up on a fresh clone)"
                     % env["run_seconds"], env["run_seconds"] < 600))
    return rows


def _limits(d, target):
    """What limits a target that was not met (printed under the table), or None."""
    if target.startswith("scalar_nn's public step within") or "micrograd (gc off) on W1" in target:
        return ("scalar_nn against the loop floor (and so against micrograd) on small steps: a 2-2-1 step is "
                "a few dozen floating-point operations, and the lesson wraps them in about 150 Python calls "
                "per step: the layer pairs of `layers.py`, the `linalg` helpers (each product builds a "
                "transpose), the activation table, the loss and delta functions, one dict of caches per "
                "layer, the optimizer's row views. The floor is one function with no calls but the "
                "activations. The boundary checks are no longer the cost (a plain batch is checked in a "
                "few C-level passes, NaN and inf on the failure path). Going further means inlining the "
                "layers into one function, i.e. writing the floor instead of the lesson. From W2 on the "
                "arithmetic dominates and the structure costs little.")
    if target.startswith("plain vector_nn within"):
        return ("plain vector_nn against the NumPy floor: on small arrays every NumPy call costs about a "
                "microsecond whatever its size, and the plain twin makes more of them than the floor: its "
                "sigmoid is the overflow-safe seven-pass form (the floor's 1 / (1 + exp(-z)) is four), "
                "act'(Z) recomputes act(Z) from the cache instead of reusing A, and the layer functions, "
                "cache dicts and optimizer add Python calls around each. On large arrays (W5) each extra "
                "pass is a fresh megabyte array, and the page faults of new memory dominate.")
    if target.startswith("vector_nn.fast no slower than the minimal NumPy"):
        return ("the fast engine against the NumPy floor on small batches: its work buffers, fused passes "
                "and in-place updates save allocations and passes, which is what costs on large arrays "
                "(W5); on arrays of a few kilobytes the saving is smaller than the engine's own "
                "bookkeeping (a buffer lookup per intermediate, the public step's checks, the "
                "optimizer's scratch arrays, the layer dicts shared with the plain twin).")
    if target.startswith("vector_nn.fast no slower than PyTorch"):
        return ("the fast engine against PyTorch on the large workloads: PyTorch evaluates an activation "
                "and its derivative as one fused pass each and has its own GEMM kernels; NumPy makes one "
                "pass per operation and calls OpenBLAS (see the two-GEMM floor on W4).")
    if "PyPy" in target:
        return ("PyPy: the scalar twin builds a new list of lists for every intermediate matrix, so part of "
                "each step is allocation and garbage collection that the JIT cannot remove; the PyPy times "
                "also vary more from run to run (see min vs median in the workload tables).")
    if target.startswith("vector_nn.fast at least"):
        return ("%s: the vector step is a fixed sequence of NumPy/BLAS calls, each with a fixed cost "
                "(~1 µs) on small layers and a memory pass on large ones; ratios also move with the "
                "machine's load (see the load average above)." % target)
    return None


def _paired_block(d):
    blocks = sorted(set(r.get("block", 1) for r in d["paired"].values()))
    return "/".join(str(b) for b in blocks) or "10"


def section_targets(d):
    targets = _targets(d)
    rows = [(t, m, verdict(ok, m)) for t, m, ok in targets]
    lines = ["## Targets (measured in this run)", "",
             "Every ratio between CPython contestants comes from the ladder: both ran in one process, "
             "taking turns a block of steps at a time, and the ratio is the median over the rounds of "
             "the two block medians' ratio (`twin_nn/bench/ladder.py`). The PyPy ratios compare two "
             "processes.", "", table(["target", "measured", ""], rows, ["l", "l", "c"])]
    notes = []
    for t, m, ok in targets:
        text = _limits(d, t) if ok is False else None
        if text and text not in notes:
            notes.append(text)
    if notes:
        lines += ["", "What limits the targets not met (or borderline):", ""] + ["- " + n for n in notes]
    return "\n".join(lines)


def _loss_agreement(d, key):
    ref = d["step"].get(key, {}).get("vector", {}).get("first_losses")
    out = {}
    for c, e in d["step"].get(key, {}).items():
        fl = e.get("first_losses")
        if not ref or not fl:
            continue
        k = min(len(ref), len(fl), LOSS_STEPS)
        out[c] = max(abs(a - b) / max(abs(b), 1e-300) for a, b in zip(fl[:k], ref[:k]))
    return out


def section_workload(d, key):
    w = WORKLOADS[key]
    lines = ["### %s: %s" % (w.label, w.arch), ""]
    lines.append("%s; batch %s; %d rows (%s); %d steps per epoch." % (
        w.describe_optimizer(), w.batch_size or "full", w.n_rows, data_source(w), w.steps_per_epoch()))
    if w.notes:
        lines.append("Notes: %s." % w.notes)
    lines.append("")
    lad = d["ladder"].get(key)
    if lad:
        ref = lad["rungs"].get("vector", {}).get("first_losses")
        rows = []
        runs = [(r, lad["rungs"][r]) for r in lad["rungs"]]
        plad = d["pypy_ladder"].get(key)
        if plad:
            back = {v: k for k, v in PYPY_RUNG.items()}
            runs += [(back[r], e) for r, e in plad["rungs"].items()]
        for rung, e in runs:
            fl = e.get("first_losses") or []
            k = min(len(fl), len(ref or []), LOSS_STEPS)
            agree_r = max(abs(a - b) / max(abs(b), 1e-300) for a, b in zip(fl[:k], ref[:k])) if k and rung != "gemm" else None
            rows.append([title(rung), e["block"], e["steps"], fmt_time(e["median"]), fmt_time(e["min"]),
                         fmt_time(e["max"]), "%.1e" % agree_r if agree_r is not None else "—"])
        skipped = "; ".join("%s: %s" % (title(r), why) for r, why in sorted(lad.get("skipped", {}).items()))
        lines += ["The ladder (%d interleaved rounds; *block*: steps per turn):" % lad["rounds"], "",
                  table(["rung", "block", "steps timed", "median", "min", "max",
                         "loss vs vector_nn, first %d steps (max rel. diff.)" % LOSS_STEPS], rows)]
        if skipped:
            lines += ["", "Not run: %s." % skipped]
        lines += ["", "The pytest-benchmark suite (each contestant on its own, one after the other):", ""]
    steps = d["step"].get(key, {})
    agree = _loss_agreement(d, key)
    vec = median(d, key, "vector")
    rows = []
    for c in CONTESTANTS:
        e = steps.get(c)
        if e is None:
            continue
        first = e.get("first_steps") or []
        cold = fmt_time(first[0]) if first else (fmt_time(e["max"]) if c == "pypy" else "—")
        rows.append([TITLES[c], e.get("rounds", "?"), fmt_time(e["median"]), fmt_time(e["min"]), fmt_time(e["max"]), cold,
                     fmt_ratio(ratio(e["median"], vec)),
                     "%.1e" % agree[c] if c in agree else "—"])
    pypy = steps.get("pypy")
    lines.append("Per optimizer step (one step per round, after %d warm-up steps; *first step* is the "
                 "first of them, the cold start in this process%s):" % (
                     WARMUP_STEPS, "; PyPy: %d steps timed after a %g s JIT warm-up of %d steps" % (
                         pypy["rounds"], pypy.get("warmup_seconds") or 0, pypy["warmup_steps"]) if pypy else ""))
    lines.append("")
    lines.append(table(["contestant", "steps timed", "median", "min", "max", "first step", "÷ vector",
                        "loss vs vector, first %d steps (max rel. diff.)" % LOSS_STEPS], rows))
    epochs = d["epoch"].get(key, {})
    if epochs:
        rows = []
        for c in ("scalar", "vector", "fast"):
            e = epochs.get(c)
            if e is None:
                rows.append([TITLES[c], "not timed", "", "", ""])
                continue
            rows.append([TITLES[c], e.get("rounds"), fmt_time(e["median"]), fmt_time(e["min"]),
                         fmt_time(e["median"] / max(1, e.get("steps_per_epoch", 1)))])
        lines += ["", "Per epoch (`fit(epochs=1)`, which also validates the data once):", "",
                  table(["twin", "epochs timed", "median", "min", "median ÷ steps"], rows)]
    if key in SKLEARN_NOTES and "sklearn" in steps:
        lines += ["", "scikit-learn settings: %s." % SKLEARN_NOTES[key]]
    traj = [(c, steps[c]["first_losses"]) for c in CONTESTANTS if c in steps and steps[c].get("first_losses")]
    if traj:
        k = min(LOSS_STEPS, max(len(fl) for _, fl in traj))
        rows = [[TITLES[c]] + ["%.15g" % v for v in fl[:k]] + [""] * (k - len(fl[:k])) for c, fl in traj]
        lines += ["", "Loss of the first steps (before each update, the conventions' loss):", "",
                  table(["contestant"] + ["step %d" % (i + 1) for i in range(k)], rows)]
    return "\n".join(lines)


def section_fresh(d):
    if not d["fresh"]:
        return ""
    rows = []
    for r in sorted(d["fresh"], key=lambda r: (r["workload"], r["contestant"])):
        t = r["step_times"]
        steady = sorted(t[10:]) if len(t) > 12 else sorted(t)
        med = steady[len(steady) // 2]
        rows.append([r["workload"], TITLES.get(r["contestant"], r["contestant"]), fmt_time(r["import_seconds"]),
                     fmt_time(r["setup_seconds"]), fmt_time(t[0]), fmt_time(sum(t[:10]) / min(10, len(t))),
                     fmt_time(med), fmt_ratio(t[0] / med)])
    return "\n".join([
        "## Fresh process", "",
        "Each row is a new Python process: import time, building the net and the data, then "
        "every step timed (%d steps). The warmed-up numbers above hide what a short script pays: "
        "first-touch page faults of new buffers, lazy initialisation in the libraries." % len(d["fresh"][0]["step_times"]),
        "", table(["workload", "contestant", "import", "setup", "step 1", "mean of steps 1-10",
                   "median of steps 11+", "step 1 ÷ steady"], rows)])


def section_threads(d):
    if not d["threads"]:
        return ""
    cell = {}
    for r in d["threads"]:
        cell[(r["workload"], r["contestant"], r["threads"])] = r["median"]
    rows = []
    for key in ("W4", "W5"):
        for c in ("vector", "fast", "torch64"):
            one, two = cell.get((key, c, 1)), cell.get((key, c, 2))
            if one is None and two is None:
                continue
            rows.append([key, TITLES[c], fmt_time(one), fmt_time(two), fmt_ratio(ratio(one, two))])
    return "\n".join([
        "## Threads in separate processes", "",
        "A cross-check of the ladder's in-process thread switch: steady-state median step with 1 and 2 "
        "BLAS/OpenMP threads set by the environment variables, a process each (so not interleaved). "
        "The tables above use %s." % ("%d" % d["env"]["threads"] if d["env"].get("threads") else "the defaults"),
        "", table(["workload", "contestant", "1 thread", "2 threads", "1 ÷ 2"], rows)])


def crossover_points(d):
    """{batch: {n: (scalar, vector, pypy)}} medians."""
    pts = {}
    for (n, m, c), e in d["crossover"].items():
        pts.setdefault(m, {}).setdefault(n, {})[c] = e["median"]
    if d["pypy_crossover"]:
        for p in d["pypy_crossover"]["points"]:
            pts.setdefault(p["m"], {}).setdefault(p["n"], {})["pypy"] = p["median"]
    return pts


def _crossing(series):
    """(last n where the first contestant wins, first n from which the second always wins)."""
    ns = sorted(n for n, r in series.items() if r is not None)
    wins = [n for n in ns if series[n] > 1.0]
    if not wins:
        return None
    first = ns[0]
    for n in ns:
        if all(series[k] > 1.0 for k in ns if k >= n):
            first = n
            break
    before = [k for k in ns if k < first]
    return (before[-1] if before else None, first)


def section_crossover(d, png):
    pts = crossover_points(d)
    if not pts:
        return ""
    lines = ["## Crossover: one SGD step of an [n, n, 1] tanh net", "",
             "Speedup = scalar time ÷ vector time (> 1: NumPy wins). PyPy runs the same scalar code.", ""]
    header = ["n"]
    for m in BATCHES:
        header += ["b=%d scalar" % m, "b=%d vector" % m, "b=%d speedup" % m]
        if d["pypy_crossover"]:
            header += ["b=%d PyPy" % m]
    rows = []
    for n in WIDTHS:
        row = [n]
        for m in BATCHES:
            c = pts.get(m, {}).get(n, {})
            row += [fmt_time(c.get("scalar")), fmt_time(c.get("vector")),
                    fmt_ratio(ratio(c.get("scalar"), c.get("vector")))]
            if d["pypy_crossover"]:
                row += [fmt_time(c.get("pypy"))]
        rows.append(row)
    lines.append(table(header, rows))
    lines += ["", "Where the lines cross:", ""]
    for m in BATCHES:
        series = {n: ratio(c.get("scalar"), c.get("vector")) for n, c in pts.get(m, {}).items()}
        cross = _crossing(series)
        if cross is None:
            text = "the scalar twin wins at every width"
        elif cross[0] is None:
            text = "the vector twin wins from n = %d on (every width measured)" % cross[1]
        else:
            text = "the scalar twin wins up to n = %d, the vector twin from n = %d on" % cross
        if d["pypy_crossover"]:
            sp = {n: ratio(c.get("pypy"), c.get("vector")) for n, c in pts.get(m, {}).items()}
            cp = _crossing(sp)
            if cp is None:
                text += "; against PyPy the vector twin never wins"
            elif cp[0] is None:
                text += "; against PyPy, from n = %d on" % cp[1]
            else:
                text += "; against PyPy, from n = %d on (PyPy wins up to n = %d)" % (cp[1], cp[0])
        lines.append("- batch %d: %s." % (m, text))
    if png:
        lines += ["", "![speedup of vector_nn over scalar_nn vs width](speedup.png)"]
    return "\n".join(lines)


def plot(d, path):
    """speedup.png: scalar/vector (solid) and PyPy/vector (dashed) vs width, one line per batch size."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    pts = crossover_points(d)
    if not pts:
        return False
    fig, ax = plt.subplots(figsize=(7.5, 6))
    for i, m in enumerate(BATCHES):
        ns = [n for n in WIDTHS if n in pts.get(m, {})]
        color = "C%d" % i
        sp = [ratio(pts[m][n].get("scalar"), pts[m][n].get("vector")) for n in ns]
        ax.plot([n for n, s in zip(ns, sp) if s], [s for s in sp if s], "o-", color=color,
                label="batch %d: CPython scalar / vector" % m)
        pp = [ratio(pts[m][n].get("pypy"), pts[m][n].get("vector")) for n in ns]
        if any(pp):
            ax.plot([n for n, s in zip(ns, pp) if s], [s for s in pp if s], "s--", color=color, alpha=0.6,
                    label="batch %d: PyPy scalar / vector" % m)
    ax.axhline(1.0, color="k", lw=0.8)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("width n of the [n, n, 1] tanh network")
    ax.set_ylabel("speedup of vector_nn (one SGD step)")
    ax.set_title("What vectorizing buys: above 1 the NumPy twin is faster")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.13))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def section_memory(d):
    m = d["memory"]
    if not m:
        return ""
    rows = [["X + Y (float64)", fmt_bytes(m["data_bytes"])],
            ["budget: X + Y + 100 MB", fmt_bytes(m["budget_bytes"])],
            ["traced peak while building the data (not training)", fmt_bytes(m["traced_peak_building_data"])],
            ["traced (tracemalloc) before fit", fmt_bytes(m["traced_before_fit"])],
            ["**traced peak during fit** (%d epoch, %.1f s)" % (m["epochs"], m["fit_seconds"]),
             "**%s**" % fmt_bytes(m["traced_peak_during_fit"])],
            ["training overhead over X + Y", fmt_bytes(m["traced_peak_during_fit"] - m["data_bytes"])],
            ["process RSS before fit", fmt_bytes(m["rss_before_fit"])],
            ["process RSS peak during fit (VmHWM reset before fit)", fmt_bytes(m["rss_peak_during_fit"])]]
    return "\n".join([
        "## Memory: training W4 in vector_nn", "",
        "A separate process builds W4 (10000 × 3072), then trains one epoch with `fit` "
        "(batches gathered with `X[idx]`, never a copy of the whole data). tracemalloc sees every "
        "NumPy buffer; the RSS also holds the interpreter, NumPy/OpenBLAS and what the allocator kept.",
        "", table(["", ""], rows)])


def render(d, png=False):
    parts = ["# Benchmark results: what do vectorizing and tuning buy?", "",
             "Generated by `make bench` (`benchmarks/run.py`, then `benchmarks/render.py`) from the JSON in "
             "`benchmarks/out/`. Times are medians unless a column says otherwise; a ratio a ÷ b above 1 "
             "means b is faster.", "",
             render_speed.section_how_much_faster(d, rung_median, rung_ratio), "",
             section_machine(d), "", section_headline(d), "",
             render_speed.section_threads(d, title), "", section_targets(d), "", render_floors.section_bandwidth(d), "",
             "## Workloads", ""]
    for key in sorted(WORKLOADS):
        parts += [section_workload(d, key), ""]
    for sec in (section_fresh(d), section_threads(d), section_crossover(d, png), section_memory(d)):
        if sec:
            parts += [sec, ""]
    return "\n".join(parts)


def main(out=None, here=None):
    out = out or os.path.join(HERE, "out")
    here = here or HERE
    d = load(out)
    png_path = os.path.join(here, "speedup.png")
    png = plot(d, png_path)
    text = render(d, png)
    with open(os.path.join(here, "RESULTS.md"), "w") as f:
        f.write(text)
    return text


if __name__ == "__main__":
    main()
