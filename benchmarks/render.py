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

from benchmarks.crossover import BATCHES, WIDTHS  # noqa: E402
from benchmarks.peers import SKLEARN_NOTES  # noqa: E402
from benchmarks.workloads import WARMUP_STEPS, WORKLOADS, data_source  # noqa: E402

CONTESTANTS = ["scalar", "pypy", "vector", "torch64", "torch32", "sklearn", "micrograd"]
TITLES = {"scalar": "scalar_nn (CPython)", "pypy": "scalar_nn (PyPy)", "vector": "vector_nn",
          "torch64": "PyTorch f64", "torch32": "PyTorch f32", "sklearn": "scikit-learn",
          "micrograd": "micrograd"}
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
         "pypy_workloads": _read(out, "pypy_workloads.json"),
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
    pw = d["pypy_workloads"]
    if pw:
        for key, r in pw["workloads"].items():
            d["step"].setdefault(key, {})["pypy"] = {
                "median": r["median"], "min": r["min"], "max": r.get("max"), "rounds": r["steps"],
                "first_steps": [r["first_step"]], "first_losses": r["first_losses"],
                "warmup_steps": r["warmup_steps"], "warmup_seconds": r.get("warmup_seconds")}
    return d


# ------------------------------------------------------------- formatting
def fmt_time(t):
    """3 significant digits with a unit: 48.3 µs, 2.41 ms, 1.52 s."""
    if t is None:
        return "—"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9)):
        if t >= scale:
            v = t / scale
            return ("%.3g %s" % (v, unit)) if v < 1000 else ("%d %s" % (round(v), unit))
    return "%.3g ns" % (t * 1e9)


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


def section_headline(d):
    header = ["workload"] + [TITLES[c] for c in CONTESTANTS] + ["vector speedup over scalar"]
    rows = []
    for key in sorted(WORKLOADS):
        w = WORKLOADS[key]
        row = ["%s (%s)" % (w.label, "batch %s" % (w.batch_size or "full %d" % w.n_rows))]
        for c in CONTESTANTS:
            row.append(fmt_time(median(d, key, c)))
        row.append(fmt_ratio(ratio(median(d, key, "scalar"), median(d, key, "vector"))))
        rows.append(row)
    return "\n".join(["## Headline: median time per optimizer step", "",
                      table(header, rows), "",
                      "Same initial weights, same batches, same number of steps for the twins; peers start "
                      "from the same weights (scikit-learn differs where noted below). — means not run "
                      "(not installed, or too slow: see the workload's notes)."])


def _with_paired(d, a, b, key, r, goal):
    """(measured text, met) for "a at least goal x faster than b": the suite's ratio of medians,
    and the paired run's (both in one process, taking turns) when there is one.

    Met when every available measurement reaches the goal, not met when none
    does; None ("borderline") when they disagree.
    """
    if r is None:
        return ("%s not run" % TITLES[b], None)
    text = "%s / %s = %s" % (b, a, fmt_ratio(r))
    ok = [r >= goal]
    p = d["paired"].get((a, b, key))
    if p:
        text += "; paired: %s" % fmt_ratio(p["median_ratio_b_over_a"])
        ok.append(p["median_ratio_b_over_a"] >= goal)
    return (text, True if all(ok) else False if not any(ok) else None)


def _targets(d):
    """(target, measured, met) rows."""
    rows = []
    for peer, title in (("torch64", "PyTorch CPU float64 eager"), ("sklearn", "scikit-learn")):
        for key in sorted(WORKLOADS):
            r = ratio(median(d, key, peer), median(d, key, "vector"))
            rows.append(("vector_nn at least as fast as %s on %s" % (title, key),)
                        + _with_paired(d, "vector", peer, key, r, 1.0))
    r1 = ratio(median(d, "W1", "scalar"), median(d, "W1", "vector"))
    rows.append(("W1 vector speedup over scalar (expected below 1×; report)",
                 fmt_ratio(r1) if r1 is not None else "—", None))
    for key, goal in sorted(SPEEDUP_TARGETS.items()):
        r = ratio(median(d, key, "scalar"), median(d, key, "vector"))
        rows.append(("vector speedup over scalar on %s ≥ %d×" % (key, goal),
                     fmt_ratio(r) if r is not None else "—", None if r is None else r >= goal))
    for key, goal in (("W1", 4.0), ("W3", 100.0)):
        r = ratio(median(d, key, "micrograd"), median(d, key, "scalar"))
        rows.append(("scalar_nn at least %d× faster than micrograd on %s" % (goal, key),)
                    + _with_paired(d, "scalar", "micrograd", key, r, goal))
    for key in ("W2", "W3", "W4", "W5"):
        r = ratio(median(d, key, "scalar"), median(d, key, "pypy"))
        rows.append(("scalar_nn under PyPy at least 5× faster than under CPython on %s" % key,
                     "CPython / PyPy = %s" % fmt_ratio(r) if r is not None else "PyPy not run",
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
    rows.append(("optional dtype=\"float32\" in vector_nn",
                 "not implemented; PyTorch float32 is shown beside float64 instead", None))
    env = d["env"]
    if env.get("run_seconds"):
        rows.append(("`make bench` under 10 minutes", "run.py took %.0f s (plus the venv set-up on a fresh clone)"
                     % env["run_seconds"], env["run_seconds"] < 600))
    return rows


def _limits(d, target):
    """What limits a target that was not met (printed under the table), or None."""
    if "micrograd on W1" in target:
        epoch = d["epoch"].get("W1", {}).get("scalar")
        inside_fit = fmt_time(epoch["median"] / epoch["steps_per_epoch"]) if epoch else "—"
        return ("scalar_nn vs micrograd on W1: a 2-2-1 step is a few dozen floating-point operations; scalar_nn's public step spends "
                "most of its time around them: it validates X and Y (`as_matrix`, `as_targets`), the "
                "optimizer checks the gradients' names and shapes (`check_grads`), and the general matrix "
                "helpers build transposes and caches for 1 x 2 lists. micrograd's whole step is about thirty "
                "`Value` nodes with no checks. Inside `fit`, which validates once per epoch, a scalar step "
                "costs %s (W1 per epoch). Closing the gap would mean special-casing tiny shapes or dropping "
                "the boundary checks, which the scalar twin's brief (plain, readable, checked) rules out." % inside_fit)
    if "PyPy" in target:
        return ("PyPy: the scalar twin builds a new list of lists for every intermediate matrix, so part of "
                "each step is allocation and garbage collection that the JIT cannot remove; the PyPy times "
                "also vary more from run to run (see min vs median in the workload tables).")
    if target.startswith("vector_nn at least as fast as PyTorch") and target.endswith("W5"):
        return ("vector_nn vs PyTorch on W5: PyTorch evaluates Swish and its derivative as one fused pass "
                "each (`silu`, `silu_backward`); NumPy makes one pass over the 2000 × 64 array per "
                "operation: four for the sigmoid (negate, exp, + 1, reciprocal), one for z s(z), four for "
                "the derivative factor and one to apply it, plus two broadcasts (the bias, the outer "
                "product dZ_2 W_2^T). Work buffers kept between steps, the forward's sigmoid reused in the "
                "backward pass and in-place updates removed the allocations and page faults (see *Fresh "
                "process*); what is left is PyTorch's fused kernels against NumPy's one pass per "
                "operation, and the two end up level within the machine's run-to-run noise.")
    if target.startswith("vector speedup") or target.startswith("vector_nn at least as fast"):
        return ("%s: the vector step is a fixed sequence of NumPy/BLAS calls; what remains is the calls' "
                "fixed cost (~1 µs each) on small layers and memory passes on large ones. Ratios between "
                "contestants also move with the machine's load (see the load average above)." % target)
    return None


def _paired_block(d):
    blocks = sorted(set(r.get("block", 1) for r in d["paired"].values()))
    return "/".join(str(b) for b in blocks) or "10"


def section_targets(d):
    targets = _targets(d)
    rows = [(t, m, verdict(ok, m)) for t, m, ok in targets]
    lines = ["## Targets (measured in this run)", "",
             "A ratio is median ÷ median from the pytest-benchmark suite; *paired* repeats the "
             "comparison in one process where the two contestants take turns, %s steps each, "
             "so that a change in the machine's load hits both alike (`measure.py paired`). A target "
             "is met when every measurement of it reaches the goal, *borderline* when they disagree."
             % _paired_block(d), "", table(["target", "measured", ""], rows, ["l", "l", "c"])]
    notes = []
    for t, m, ok in targets:
        text = _limits(d, t) if (ok is False or (ok is None and "paired" in m)) else None
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
        for c in ("scalar", "vector"):
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
        for c in ("vector", "torch64"):
            one, two = cell.get((key, c, 1)), cell.get((key, c, 2))
            if one is None and two is None:
                continue
            rows.append([key, TITLES[c], fmt_time(one), fmt_time(two), fmt_ratio(ratio(one, two))])
    return "\n".join([
        "## Threads", "",
        "Steady-state median step with 1 and 2 BLAS/OpenMP threads (a process each). "
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
    parts = ["# Benchmark results: what does vectorizing buy?", "",
             "Generated by `make bench` (`benchmarks/run.py`, then `benchmarks/render.py`) from the JSON in "
             "`benchmarks/out/`. Times are medians unless a column says otherwise; a ratio a ÷ b above 1 "
             "means b is faster.", "",
             section_machine(d), "", section_headline(d), "", section_targets(d), "",
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
