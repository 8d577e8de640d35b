"""RESULTS.md's answer first ("how much faster?"), the Threads table and the float32 / all-cores targets.

Everything here is read from the ladder (``out/ladder.json``): every rung of a
workload ran in one process, taking turns, and a ratio is the median over the
rounds of the two rungs' block medians.  The callers pass ``render_data``'s
``rung_median``/``rung_ratio`` and ``render_format``'s ``title`` in; ``readme_block``
is the short table again, for the README (``publish.update_readme`` pastes it
between the markers).
"""

from twin_nn.bench.workloads import WORKLOADS

HOW_MUCH_FASTER = "## How much faster? The answer first"
README_START = "<!-- make bench writes this table (benchmarks/render_speed.py); do not edit it by hand -->"
README_END = "<!-- end of the table make bench writes -->"
THREADED = ("fast", "fast32", "torch64", "torch32")


def _fmt_time(t):
    from twin_nn.bench.ladder import fmt_time
    return fmt_time(t)


def _fmt_ratio(r):
    from twin_nn.bench.cli import fmt_ratio
    return fmt_ratio(r)


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|:---|" + "---:|" * (len(header) - 1)]
    return "\n".join(lines + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows])


def short_table(d, rung_median, rung_ratio):
    """Per workload: the loops, the engine, how many times faster (paired), and PyTorch beside it."""
    f32 = any(rung_median(d, key, "fast32") for key in WORKLOADS)
    header = ["workload", "scalar_nn (loops)", "vector_nn.fast (the engine)", "how much faster",
              "PyTorch f64"] + (["engine f32", "PyTorch f32"] if f32 else ["PyTorch f32"])
    rows = []
    for key in sorted(WORKLOADS):
        w = WORKLOADS[key]
        row = ["%s (batch %s)" % (w.label, w.batch_size or "full %d" % w.n_rows),
               _fmt_time(rung_median(d, key, "scalar")), _fmt_time(rung_median(d, key, "fast")),
               _fmt_ratio(rung_ratio(d, key, "fast", "scalar")), _fmt_time(rung_median(d, key, "torch64"))]
        row += ([_fmt_time(rung_median(d, key, "fast32"))] if f32 else []) + [_fmt_time(rung_median(d, key, "torch32"))]
        rows.append(row)
    return _table(header, rows)


def section_how_much_faster(d, rung_median, rung_ratio):
    return "\n".join([
        HOW_MUCH_FASTER, "",
        "Median time per optimizer step, one thread for everyone, the same weights and batches; *how much "
        "faster* is scalar_nn's step ÷ the engine's, taken in the same rounds. The whole ladder (the floors, "
        "PyPy, Network221, the peers), the all-cores steps and the targets follow.", "",
        short_table(d, rung_median, rung_ratio)])


def readme_block(d, rung_median, rung_ratio):
    """The README's copy of the short table, between its markers."""
    env = d.get("env", {})
    return "\n".join([README_START, "", short_table(d, rung_median, rung_ratio), "",
                      "Measured by `make bench` on %s (%s logical cores), %s." % (
                          env.get("cpu", "?"), env.get("cpu_count", "?"), env.get("date", "?")),
                      "", README_END])


def thread_median(d, key, rung):
    r = d.get("threads_ladder", {}).get(key, {}).get("rungs", {}).get(rung)
    return None if r is None else r["median"]


def thread_ratio(d, key, a, b):
    """median(b) / median(a) over the Threads ladder's rounds, or None."""
    from twin_nn.bench.ladder import paired_ratio
    r = d.get("threads_ladder", {}).get(key)
    return None if r is None else paired_ratio(r, a, b)


def section_threads(d, title):
    """One thread against every core, for the engine and PyTorch at both precisions, from the same rounds."""
    rows = []
    for key in sorted(WORKLOADS):
        cores = d.get("threads_ladder", {}).get(key, {}).get("cores")
        for base in THREADED:
            one, every = thread_median(d, key, base), thread_median(d, key, base + "@all")
            if one is None and every is None:
                continue
            rows.append([key, title(base), cores or "—", _fmt_time(one), _fmt_time(every),
                         _fmt_ratio(thread_ratio(d, key, base + "@all", base))])
    if not rows:
        return ""
    skipped = sorted(set(why for r in d["threads_ladder"].values() for rung, why in r.get("skipped", {}).items()))
    lines = ["## Threads: one thread against every core", "",
             "Each of these rungs ran at one thread and, as `R@all`, at every core, taking turns in a ladder of "
             "their own (`python -m twin_nn.bench.ladder W --rungs fast,fast@all,...`; kept out of the main "
             "ladder, whose steps a two-thread block would disturb): before each `@all` block the thread count "
             "of NumPy's BLAS (threadpoolctl) and of PyTorch (`torch.set_num_threads`) went up to every core, "
             "and back to one after it; the engine's `@all` network is built with `threads` = every core (its "
             "own threads share a big batch's row chunks: W5's 2000 rows; W4's batch is one pass, its BLAS "
             "threads only). *1 ÷ all* above 1 means every core is faster. On a machine whose cores are busy "
             "with other work a many-thread step waits for them (see the load average above); why the engine's "
             "threads lose on this 2-vCPU VM, measured: `vector_nn/fast/team.py`.", "",
             _table(["workload", "rung", "cores", "1 thread", "all cores", "1 ÷ all"], rows)]
    if skipped:
        lines += ["", "Not run: %s." % "; ".join(skipped)]
    return "\n".join(lines)


def thread_and_f32_targets(d, rung_ratio, title):
    """(target, measured, met) rows of the float32 and all-cores targets."""
    rows = []
    for key in sorted(WORKLOADS):
        r = rung_ratio(d, key, "torch32", "fast32")
        rows.append(("vector_nn.fast f32 no slower than PyTorch f32 at one thread on %s" % key,
                     "fast f32 ÷ PyTorch f32 = %s" % _fmt_ratio(r) if r else "engine f32 not run",
                     None if r is None else r <= 1.0))
    for key in ("W4", "W5"):
        for fast, torch in (("fast@all", "torch64@all"), ("fast32@all", "torch32@all")):
            r = thread_ratio(d, key, torch, fast)
            rows.append(("at every core, %s no slower than %s on %s" % (title(fast[:-4]), title(torch[:-4]), key),
                         "%s ÷ %s = %s" % (fast, torch, _fmt_ratio(r)) if r else "not run",
                         None if r is None else r <= 1.0))
    r = thread_ratio(d, "W5", "fast@all", "fast")
    rows.append(("W5: the engine's all-cores step faster than its one-thread step",
                 "1 thread ÷ all cores = %s" % _fmt_ratio(r) if r else "not run", None if r is None else r > 1.0))
    m64, m32 = d.get("memory"), d.get("memory32")
    if m32 and "skipped" not in m32:
        peak = m32["traced_peak_during_fit"]
        rows.append(("training W4 in the engine at float32 peaks below X+Y + 100 MB, and X+Y is half of float64's",
                     "traced peak %.1f MB; X+Y %.1f MB (float64 %s)" % (
                         peak / 2 ** 20, m32["data_bytes"] / 2 ** 20,
                         "%.1f MB" % (m64["data_bytes"] / 2 ** 20) if m64 else "not measured"),
                     peak < m32["budget_bytes"] and (m64 is None or 2 * m32["data_bytes"] <= m64["data_bytes"] + 16)))
    else:
        rows.append(("training W4 in the engine at float32 peaks below X+Y + 100 MB, and X+Y is half of float64's",
                     (m32 or {}).get("skipped", "not run"), None))
    quick = d.get("env", {}).get("quick_seconds")
    rows.append(("`twin-nn bench --quick` within 90 s of wall time",
                 "%.0f s" % quick if quick else "not run", None if quick is None else quick <= 90.0))
    return rows
