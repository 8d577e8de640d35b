"""RESULTS.md's measurements made in processes of their own: a fresh process's first steps, 1 against 2 threads, W4's memory."""

from benchmarks.render_data import ratio
from benchmarks.render_format import TITLES, fmt_bytes, fmt_ratio, table
from twin_nn.bench.ladder import fmt_time


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
