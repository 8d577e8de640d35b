"""RESULTS.md's crossover: one SGD step of an [n, n, 1] net, scalar twin against vector twin, and ``speedup.png``."""

from benchmarks.render_data import ratio
from benchmarks.render_format import fmt_ratio, table
from twin_nn.bench.crossover import BATCHES, WIDTHS
from twin_nn.bench.ladder import fmt_time


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
