"""``twin-nn bench --plot FILE.png``: the ladder and the crossover in one picture.

Left, the ladder: one row per rung (bottom: the loops; top: the peers and the
all-cores rungs), its median time per optimizer step on a log axis, one
marker per workload, the workload's points joined so that each workload reads
as a faint line from rung to rung.  Right, the crossover: the
speedup scalar_nn ÷ twin against the width n, one line per batch size and
twin, above 1 where NumPy wins.  matplotlib is imported only here, through
``twin_nn.plots`` (the Agg canvas, no pyplot), and the file is written
atomically.
"""

from ..plots import COLORS, _figure, _save
from .ladder import title

MARKERS = ("o", "s", "^", "D", "v", "P", "X")


def _rungs_in_order(result):
    """Every rung measured, in the ladder's order, PyPy rungs next to their CPython rung, all-cores rungs last.

    Not the streaming rungs: a call of theirs is a memory rate's measure, not a step (W5's floor, in the text).
    """
    from .bandwidth import STREAM_RUNGS
    from .ladder import CPYTHON_RUNGS, THREAD_RUNGS
    seen = []
    for rung in CPYTHON_RUNGS:
        if rung not in STREAM_RUNGS and any(rung in out["rungs"] for out in result["ladder"]):
            seen.append(rung)
        if rung in ("loop", "scalar", "net221") and any(rung in out.get("rungs", {}) for out in result["pypy_ladder"]):
            seen.append(rung + " (PyPy)")
    for rung in THREAD_RUNGS:
        if rung.endswith("@all") and any(rung in out["rungs"] for out in result.get("threads_ladder", [])):
            seen.append(rung)
    return seen


def _ladder(ax, result):
    rows = _rungs_in_order(result)
    pypy = {out["workload"]: out for out in result["pypy_ladder"]}
    threads = {out["workload"]: out for out in result.get("threads_ladder", [])}
    for i, out in enumerate(result["ladder"]):
        key = out["workload"]
        xs, ys = [], []
        for y, rung in enumerate(rows):
            if rung.endswith(" (PyPy)"):
                r = pypy.get(key, {}).get("rungs", {}).get(rung[:-len(" (PyPy)")])
            elif rung.endswith("@all"):
                r = threads.get(key, {}).get("rungs", {}).get(rung)
            else:
                r = out["rungs"].get(rung)
            if r is not None:
                xs.append(r["median"])
                ys.append(y)
        color = COLORS[i % len(COLORS)]
        ax.plot(xs, ys, color=color, lw=0.7, alpha=0.3)
        ax.plot(xs, ys, MARKERS[i % len(MARKERS)], color=color, ms=6, alpha=0.9, label=key)
    labels = [title(r[:-len(" (PyPy)")]) + " (PyPy)" if r.endswith(" (PyPy)") else title(r) for r in rows]
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(labels, fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel("median time per optimizer step (s, log scale)")
    ax.set_title("The ladder: each workload's step in every rung (one thread unless 'all cores')",
                 fontsize=10, pad=28)
    ax.grid(True, which="both", axis="x", alpha=0.3)
    ax.legend(fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(result["ladder"]) or 1,
              frameon=False)


def _crossover(ax, cross):
    batches = sorted(set(p["m"] for p in cross["points"]))
    twins = [t for t in cross["twins"] if t != "scalar"]
    for i, m in enumerate(batches):
        pts = sorted((p for p in cross["points"] if p["m"] == m), key=lambda p: p["n"])
        for j, twin in enumerate(twins):
            ax.plot([p["n"] for p in pts], [p["ratios"][twin] for p in pts], marker="os"[j % 2],
                    linestyle="-" if j == 0 else "--", color=COLORS[i % len(COLORS)],
                    label="batch %d: scalar_nn ÷ %s" % (m, title(twin)))
    ax.axhline(1.0, color="k", lw=0.8)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("width n of the [n, n, 1] tanh network")
    ax.set_ylabel("speedup over scalar_nn (one SGD step)")
    ax.set_title("The crossover: above 1 the NumPy twin is faster", fontsize=10, pad=28)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)


def draw(result, path):
    """Write the picture of a ``twin-nn bench`` result to ``path`` (PNG); returns ``path``."""
    cross = result.get("crossover")
    fig = _figure(13.5 if cross else 8.0, 6.5)
    grid = fig.add_gridspec(1, 2, width_ratios=[1.25, 1.0]) if cross else fig.add_gridspec(1, 1)
    _ladder(fig.add_subplot(grid[0, 0]), result)
    if cross:
        _crossover(fig.add_subplot(grid[0, 1]), cross)
    env = result["environment"]
    fig.suptitle("twin-nn bench%s on %s (%d cores), %s" % (" --quick" if result.get("quick") else "", env["cpu"],
                                                          env["cores"], env["date"]), fontsize=10)
    fig.tight_layout()
    return _save(fig, path)
