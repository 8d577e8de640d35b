"""RESULTS.md's hardware floors: W4 against its two bare GEMMs, W5 against its memory-bandwidth floor.

Read from the ladder (``out/ladder.json``): the ``gemm`` and ``gemm_torch`` rungs ran with W4's
rungs and the streaming rungs with W5's, taking turns, so every ratio here is
a median over the same rounds.  W5's byte model, its rates and its floors are
the ``bandwidth_floor`` entry that ``twin_nn/bench/bandwidth.py`` wrote into
W5's ladder.  The callers pass ``render_data``'s ``rung_median``/``rung_ratio`` in.
"""

from twin_nn.bench.bandwidth import fmt_rate

PRECISIONS = (("float64", "vector_nn.fast"), ("float32", "vector_nn.fast f32"))


def _fmt_time(t):
    from twin_nn.bench.ladder import fmt_time
    return fmt_time(t)


def _fmt_ratio(r):
    from twin_nn.bench.cli import fmt_ratio
    return "—" if r is None else fmt_ratio(r)


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|:---|" + "---:|" * (len(header) - 1)]
    return "\n".join(lines + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows])


def bandwidth_floor(d):
    """W5's ``bandwidth_floor`` entry of the ladder, or None where its streaming rungs did not run."""
    return d.get("ladder", {}).get("W5", {}).get("bandwidth_floor")


def target_rows(d, rung_median, rung_ratio):
    """(target, measured, met) rows: the engine against each workload's hardware floor (reports, no verdict)."""
    r = rung_ratio(d, "W4", "gemm", "fast")
    g = rung_median(d, "W4", "gemm")
    rows = [("W4: the fast engine's step against the two-GEMM arithmetic floor (report)",
             "two bare GEMMs %s; fast step %s = %s the floor (the GEMMs are %.0f%% of the step)"
             % (_fmt_time(g), _fmt_time(rung_median(d, "W4", "fast")), _fmt_ratio(r), 100.0 / r)
             if r else "not run", None)]
    rt = rung_ratio(d, "W4", "gemm_torch", "gemm")
    rows.append(("W4: the engine's two GEMMs (NumPy's OpenBLAS) against the same two in PyTorch f64 (report)",
                 "OpenBLAS %s, PyTorch %s: OpenBLAS ÷ PyTorch = %s; the steps: fast %s, PyTorch f64 %s" % (
                     _fmt_time(g), _fmt_time(rung_median(d, "W4", "gemm_torch")), _fmt_ratio(rt),
                     _fmt_time(rung_median(d, "W4", "fast")), _fmt_time(rung_median(d, "W4", "torch64")))
                 if rt else "not run", None))
    floor = bandwidth_floor(d)
    for dtype, name in PRECISIONS:
        target = "W5: %s's step against the memory-bandwidth floor (report)" % name
        f = (floor or {}).get("floors", {}).get(dtype)
        step = rung_median(d, "W5", f["engine"]) if f else None
        if not f or step is None or f["in_cache"]["engine_over_floor"] is None:
            rows.append((target, "not run", None))
            continue
        cache, dram = f["in_cache"], f["dram"]
        rows.append((target, "a step moves at least %.2f MB; at the streaming rate at W5's size (%s) that is %s; "
                     "step %s = %s the floor (%s the floor beyond the caches, %s)" % (
                         f["bytes"] / 1e6, fmt_rate(floor["streams"][cache["stream"]]["rate"]),
                         _fmt_time(cache["seconds"]), _fmt_time(step), _fmt_ratio(cache["engine_over_floor"]),
                         _fmt_ratio(dram["engine_over_floor"]), _fmt_time(dram["seconds"])), None))
    return rows


def section_bandwidth(d):
    """The byte model, the measured streaming rates and the engine against the floor, or '' if not run."""
    floor = bandwidth_floor(d)
    if not floor:
        return ""
    model = [[a["name"], str(tuple(a["shape"])), a["writes"], a["reads"],
              "{:,}".format(a["elements_moved"])] for a in floor["arrays"]]
    total = sum(a["elements_moved"] for a in floor["arrays"])
    model.append(["**total**", "", "", "", "**{:,}**".format(total)])
    where = {"stream": "(%d, %d) float64, W5's size" % (floor["rows"], floor["sizes"][1]),
             "stream32": "(%d, %d) float32, W5's size" % (floor["rows"], floor["sizes"][1]),
             "stream_dram": "beyond the caches (last-level cache %s)" % (
                 "%d MiB" % (floor["last_level_cache"] // 2 ** 20) if floor["last_level_cache"] else "unknown")}
    w5 = d.get("ladder", {}).get("W5", {}).get("rungs", {})
    rates = [[where[rung], "%.2f MB" % (s["bytes"] / 1e6), _fmt_time(w5.get(rung, {}).get("median")),
              "**%s**" % fmt_rate(s["rate"])] for rung, s in floor["streams"].items()]
    floors = []
    for dtype, name in PRECISIONS:
        f = floor["floors"][dtype]
        step = w5.get(f["engine"], {}).get("median")
        floors.append([name, "%.2f MB" % (f["bytes"] / 1e6), _fmt_time(f["in_cache"]["seconds"]),
                       _fmt_time(f["dram"]["seconds"]), _fmt_time(step),
                       "**%s**" % _fmt_ratio(f["in_cache"]["engine_over_floor"]),
                       _fmt_ratio(f["dram"]["engine_over_floor"])])
    one = floor["one_sweep_bytes"]
    return "\n".join([
        "## W5's memory-bandwidth floor", "",
        "W5's products are small and its elementwise passes over (%d, %d) arrays are large, so its floor is "
        "the memory a step has to move, divided by a streaming rate measured in the same rounds "
        "(`twin_nn/bench/bandwidth.py`). The bytes are counted from the math for a *layer-at-a-time* step (as "
        "NumPy, PyTorch eager and the engine take it): each matrix product is a pass of its own that reads its "
        "operands and writes its result, the elementwise work between two products is fused into as few "
        "sweeps as the math allows, and every array that crosses from one pass to another is written once and "
        "read once by each pass that uses it. Z1 and A1 are kept for the backward pass, not recomputed; no "
        "scratch array or copy is counted; a write counts once (as STREAM counts it)." % (
            floor["rows"], floor["sizes"][1]), "",
        _table(["array", "shape", "writes", "reads", "elements moved"], model), "",
        "The streaming rate is `np.add(a, b, out=c)`, three arrays moved per call, taking turns with the other "
        "rungs of W5's ladder:", "",
        _table(["streaming add on", "bytes per call", "median", "rate"], rates), "",
        "The floor is the bytes at the rate at W5's size (three arrays with the footprint of the step's "
        "own three (m, n1) arrays, so in the cache level those can live in); the one beyond the caches is "
        "beside it. *÷ floor* is median(engine) ÷ median(stream) over the same rounds, times the "
        "ratio of the bytes:", "",
        _table(["engine", "bytes a step moves", "floor at W5's size", "floor beyond the caches", "engine step",
                "engine ÷ floor", "÷ floor beyond the caches"], floors), "",
        "Not a floor for every program: one fused sweep carrying each row through the forward pass, the loss "
        "and the backward pass in registers would move only X, Y and the parameters (%.2f MB in float64, "
        "%.2f MB in float32) and would be bound by the arithmetic (the swish's exponential), not by memory."
        % (one["float64"] / 1e6, one["float32"] / 1e6)])
