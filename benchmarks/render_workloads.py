"""RESULTS.md's workload sections: per workload, the ladder's rungs, the pytest-benchmark suite, epochs and first losses."""

from benchmarks.render_data import LOSS_STEPS, PYPY_RUNG, loss_agreement, median, ratio
from benchmarks.render_format import TITLES, fmt_ratio, table, title
from twin_nn.bench.ladder import another_workloads, fmt_time
from twin_nn.bench.peers import SKLEARN_NOTES
from twin_nn.bench.workloads import WARMUP_STEPS, WORKLOADS, data_source

CONTESTANTS = ["scalar", "pypy", "vector", "fast", "torch64", "torch32", "sklearn", "micrograd"]


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
        skipped = "; ".join("%s: %s" % (title(r), why) for r, why in sorted(lad.get("skipped", {}).items())
                            if not another_workloads(r, WORKLOADS[key]))
        lines += ["The ladder (%d interleaved rounds; *block*: steps per turn):" % lad["rounds"], "",
                  table(["rung", "block", "steps timed", "median", "min", "max",
                         "loss vs vector_nn, first %d steps (max rel. diff.)" % LOSS_STEPS], rows)]
        if skipped:
            lines += ["", "Not run: %s." % skipped]
        lines += ["", "The pytest-benchmark suite (each contestant on its own, one after the other):", ""]
    steps = d["step"].get(key, {})
    agree = loss_agreement(d, key)
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
