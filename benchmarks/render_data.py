"""What ``run.py`` measured, read back: ``benchmarks/out/*.json`` loaded and indexed, and the lookups every table uses.

``load`` turns the JSON files into one dict ``d`` (the ladder per workload, the
PyPy ladder, the pytest-benchmark steps, epochs and crossover points, the
separate-process measurements); ``rung_median``/``rung_ratio`` read a rung of
the ladder (the PyPy rungs from their own run), ``median``/``ratio`` the
pytest-benchmark suite, ``loss_agreement`` how closely each contestant's first
losses follow the vector twin's.
"""

import json
import os

from twin_nn.bench.ladder import paired_ratio

PYPY_RUNG = {"pypy": "scalar", "loop_pypy": "loop", "net221_pypy": "net221"}   # render name -> PyPy ladder rung
LOSS_STEPS = 5


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


def median(d, key, c):
    e = d["step"].get(key, {}).get(c)
    return None if e is None else e["median"]


def ratio(a, b):
    return None if a is None or b is None or b == 0 else a / b


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


def loss_agreement(d, key):
    """{contestant: max relative difference of its first LOSS_STEPS losses from the vector twin's} on ``key``."""
    ref = d["step"].get(key, {}).get("vector", {}).get("first_losses")
    out = {}
    for c, e in d["step"].get(key, {}).items():
        fl = e.get("first_losses")
        if not ref or not fl:
            continue
        k = min(len(ref), len(fl), LOSS_STEPS)
        out[c] = max(abs(a - b) / max(abs(b), 1e-300) for a, b in zip(fl[:k], ref[:k]))
    return out

