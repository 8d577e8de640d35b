"""W5's memory-bandwidth floor: the byte model's arithmetic, the streaming rungs, the JSON and the tables.

``twin_nn/bench/bandwidth.py`` counts the bytes a layer-at-a-time step must
move and the ladder times a streaming add beside the engine.  Nothing here
asserts a time: the checks are the counting, that the rungs run and give
positive finite rates, and that the floor's figures are the ones the ladder's
own medians and paired ratios give.
"""

import io
import json
import math
import os
import re

import pytest

from benchmarks import render_floors
from twin_nn.bench import bandwidth
from twin_nn.bench.ladder import paired_ratio, run_ladder
from twin_nn.bench.threads import ENV_VARS
from twin_nn.bench.workloads import WORKLOADS
from twin_nn.cli import main


def test_the_byte_model_counts_a_small_net_by_hand():
    """[2, 3, 1] on m = 4 rows, counted another way: by array kind, trips times elements."""
    m, n0, n1, n2 = 4, 2, 3, 1
    hidden = (3 + 3 + 2) * m * n1          # Z1 and A1: written once, read twice; dZ1: written once, read once
    data = 2 * m * n0 + (1 + 2 + 3) * m * n2   # X read twice; Y read once, Z2 two trips, dZ2 three
    params = 5 * (n0 * n1 + n1 + n2) + 6 * n1 * n2   # each: read 2 + written 1, its gradient 1 + 1; W2 read by B2 too
    assert hidden + data + params == 204
    total, rows = bandwidth.step_bytes([n0, n1, n2], m, 8)
    assert total == 204 * 8
    assert {r[0]: r[4] for r in rows} == {"X": 16, "Y": 4, "Z1": 36, "A1": 36, "Z2": 8, "dZ2": 12, "dZ1": 24,
                                          "W1": 30, "b1": 15, "W2": 18, "b2": 5}
    assert bandwidth.step_bytes([n0, n1, n2], m, 4)[0] == 204 * 4
    assert bandwidth.one_sweep_bytes([n0, n1, n2], m, 8) == (m * (n0 + n2) + 2 * (6 + 3 + 3 + 1)) * 8


def test_w5s_count_is_the_docstrings_table():
    w = WORKLOADS["W5"]
    total, rows = bandwidth.step_bytes(w.sizes, w.n_rows, 8)
    assert total == 8 * 1071269 and bandwidth.step_bytes(w.sizes, w.n_rows, 4)[0] == 4 * 1071269
    table = {}
    for line in bandwidth.__doc__.splitlines():             # "    W1     (n0, n1)    1+1     2+1       2,560"
        cells = re.match(r"    (\w+)\s+\([^)]*\)\s+([\d+]+)\s+([\d+]+)\s+([\d,]+)", line)
        if cells:
            name, writes, reads, moved = cells.groups()
            table[name] = (sum(map(int, writes.split("+"))), sum(map(int, reads.split("+"))), int(moved.replace(",", "")))
    assert table == {name: (writes, reads, moved) for name, shape, writes, reads, moved in rows}
    assert "1,071,269 elements: 8.57 MB in float64, 4.29 MB in float32" in bandwidth.__doc__


@pytest.mark.parametrize("sizes", [[8, 64, 2], [8, 64, 16, 1], [8, 1]])
def test_the_byte_model_refuses_what_it_does_not_count(sizes):
    with pytest.raises(ValueError, match="one hidden layer and one output"):
        bandwidth.step_bytes(sizes, 10, 8)


@pytest.mark.parametrize("llc, total", [(480 * 2 ** 20, 960 * 2 ** 20), (None, 96 * 2 ** 20),
                                        (8 * 2 ** 20, 96 * 2 ** 20), (2 ** 31, 2 ** 30)])
def test_the_arrays_beyond_the_caches_are_twice_the_last_level_cache_within_bounds(monkeypatch, llc, total):
    monkeypatch.setattr(bandwidth, "last_level_cache", lambda: llc)
    assert bandwidth.dram_elements(8) == total // (3 * 8)         # three float64 arrays in all
    assert bandwidth.dram_elements(8, smoke=True) == 2 ** 12


def test_the_last_level_cache_is_a_size_or_unknown():
    llc = bandwidth.last_level_cache()
    assert llc is None or llc >= 2 ** 16


def test_the_streaming_kernel_adds_into_kept_arrays():
    pytest.importorskip("numpy")
    w = WORKLOADS["W5"]
    for rung, itemsize in (("stream", 8), ("stream32", 4)):
        step, moved = bandwidth.stream_stepper(rung, w)
        assert moved == 3 * itemsize * 2000 * 64 == bandwidth.stream_stepper_bytes(rung, w)
        assert step() == 0.0 and step() == 0.0
    step, moved = bandwidth.stream_stepper("stream_dram", w, smoke=True)
    assert moved == bandwidth.stream_stepper_bytes("stream_dram", w, smoke=True) == 3 * 8 * 2 ** 12


def _w5_ladder():
    pytest.importorskip("numpy")
    return run_ladder("W5", ["fast", "fast32", "stream", "stream32", "stream_dram"], smoke=True)


def test_the_ladder_carries_the_floor_from_its_own_medians_and_rounds():
    out = _w5_ladder()
    floor = out["bandwidth_floor"]
    m = WORKLOADS["W5"].rows(True)
    assert floor["rows"] == m and floor["bytes"]["float64"] == bandwidth.step_bytes([8, 64, 1], m, 8)[0]
    for rung, s in floor["streams"].items():
        assert s["rate"] == pytest.approx(s["bytes"] / out["rungs"][rung]["median"])
        assert math.isfinite(s["rate"]) and s["rate"] > 0
        assert out["rungs"][rung]["first_losses"] == []            # a floor computes no loss
    for dtype, (engine, stream) in bandwidth.FLOOR_PAIRS.items():
        f = floor["floors"][dtype]
        if engine not in out["rungs"]:                              # an engine without float32
            assert f["in_cache"]["engine_over_floor"] is None
            continue
        for label, rung in (("in_cache", stream), ("dram", "stream_dram")):
            rate = floor["streams"][rung]["rate"]
            assert f[label]["seconds"] == pytest.approx(f["bytes"] / rate)
            expected = paired_ratio(out, rung, engine) * floor["streams"][rung]["bytes"] / f["bytes"]
            assert f[label]["engine_over_floor"] == pytest.approx(expected)
            assert f[label]["engine_over_floor"] > 0


def test_the_streaming_rungs_run_on_w5_only():
    out = run_ladder("W1", ["scalar", "stream", "stream_dram"], smoke=True)
    assert set(out["skipped"]) == {"stream", "stream_dram"} and "bandwidth_floor" not in out


def test_results_md_shows_the_model_the_rates_and_the_engine_against_the_floor():
    out = _w5_ladder()
    d = {"ladder": {"W5": out}}
    text = render_floors.section_bandwidth(d)
    total = bandwidth.step_bytes([8, 64, 1], out["bandwidth_floor"]["rows"], 1)[0]
    assert "## W5's memory-bandwidth floor" in text and "**{:,}**".format(total) in text
    assert text.count(" GB/s**") == 3 and "| vector_nn.fast |" in text

    def median(d, key, rung):
        return d["ladder"][key]["rungs"][rung]["median"] if rung in d["ladder"].get(key, {}).get("rungs", {}) else None

    def ratio(d, key, a, b):
        return paired_ratio(d["ladder"][key], a, b) if key in d["ladder"] else None

    rows = render_floors.target_rows(d, median, ratio)
    assert [r[0][:3] for r in rows] == ["W4:", "W4:", "W5:", "W5:"] and rows[0][1] == rows[1][1] == "not run"
    assert "= %s the floor" % render_floors._fmt_ratio(out["bandwidth_floor"]["floors"]["float64"]["in_cache"][
        "engine_over_floor"]) in rows[2][1]
    assert render_floors.section_bandwidth({"ladder": {}}) == ""


def test_twin_nn_bench_prints_and_writes_the_floor(tmp_path, monkeypatch):
    pytest.importorskip("numpy")
    for name in ENV_VARS:                                   # the command pins the threads: undo it after
        if name in os.environ:
            monkeypatch.setenv(name, os.environ[name])
        else:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(bandwidth, "dram_elements", lambda itemsize=8, smoke=False: 2 ** 16)   # not a GiB here
    path = tmp_path / "w5.json"
    out = io.StringIO()
    code = main(["bench", "--quick", "--workloads", "W5", "--rungs", "fast,stream,stream32,stream_dram",
                 "--widths", "none", "--budget-scale", "0.02", "--no-pypy", "--json", str(path)], out=out)
    text = out.getvalue()
    assert code == 0, text
    (ladder,) = json.loads(path.read_text())["ladder"]
    floor = ladder["bandwidth_floor"]
    assert set(floor["streams"]) == {"stream", "stream32", "stream_dram"}
    assert floor["streams"]["stream_dram"]["bytes"] == 3 * 8 * 2 ** 16
    assert floor["floors"]["float64"]["in_cache"]["engine_over_floor"] > 0
    assert "memory floor: a layer-at-a-time step moves at least 8.57 MB in float64" in text
    assert "vector_nn.fast ÷ memory floor" in text                 # the progress line's summary
