"""How RESULTS.md writes things: the contestants' titles and the cell formats (ratios, bytes, tables, verdicts)."""

from twin_nn.bench.ladder import title as rung_title

TITLES = {"scalar": "scalar_nn (CPython)", "pypy": "scalar_nn (PyPy)", "vector": "vector_nn",
          "fast": "vector_nn.fast", "torch64": "PyTorch f64", "torch32": "PyTorch f32",
          "sklearn": "scikit-learn", "micrograd": "micrograd", "loop": "minimal loop step",
          "loop_pypy": "minimal loop step (PyPy)", "numpy": "minimal NumPy step",
          "gemm": "two bare GEMMs (W4)", "net221": "Network221 (CPython)", "net221_pypy": "Network221 (PyPy)",
          "fast32": "vector_nn.fast f32"}


def title(rung):
    """The column title of a rung: the table's own names, the ladder's for the rest ('fast@all')."""
    return TITLES.get(rung) or rung_title(rung)


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
