"""Chapter 8: loops against vectors, quoting the headline and crossover tables of benchmarks/RESULTS.md."""

import os
import re

from .kit import ROOT, block, chapter, table


# =============================================================== chapter 8
def _results():
    with open(os.path.join(ROOT, "benchmarks", "RESULTS.md"), encoding="utf-8") as f:
        return f.read()


def _section_table(text, heading):
    """The first Markdown table after ``heading`` in RESULTS.md, as a list of rows (lists of cells)."""
    start = text.index(heading)
    rows = []
    for line in text[start:].splitlines()[1:]:
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not set("".join(cells)) <= set(":- "):
                rows.append(cells)
        elif rows:
            break
    return rows


@block
def headline_from_results():
    rows = _section_table(_results(), "## Headline")
    wanted = ["workload", "scalar_nn (CPython)", "scalar_nn (PyPy)", "Network221 (CPython)", "vector_nn",
              "vector_nn.fast"]
    keep = [rows[0].index(name) for name in wanted if name in rows[0]]   # by name: RESULTS.md may add rungs
    out = [[r[i] for i in keep] for r in rows]
    ratios = _section_table(_results(), "Ratios between rungs")
    col = ratios[0].index("scalar_nn ÷ vector_nn (vectorizing)")
    speedup = {r[0]: r[col] for r in ratios[1:]}
    out[0].append("vector speedup over scalar")
    for r in out[1:]:
        r.append(speedup.get(r[0].split()[0], "—"))          # "W1 people-221 (batch 1)" -> "W1"
    return table(out[0], out[1:])


@block
def results_machine():
    text = _results()
    date = re.search(r"- Date: ([^;]+);", text).group(1)
    cpu = re.search(r"- CPU: ([^;]+);", text).group(1)
    return "measured on %s (%s) by `make bench`" % (date, cpu)


@block
def crossover_from_results():
    rows = _section_table(_results(), "## Crossover")
    head = rows[0]
    cols = [0] + [i for i, h in enumerate(head) if h.endswith("speedup")]
    out = [[r[i] for i in cols] for r in rows]
    return table(out[0], out[1:])


@block
def crossover_words():
    text = _results()
    start = text.index("Where the lines cross:")
    lines = []
    for line in text[start:].splitlines()[1:]:
        if line.startswith("- "):
            lines.append(line)
        elif lines:
            break
    return "\n".join(lines)


@block
def flops_per_step():
    rows = []
    for name, sizes, m in (("people-221", [2, 2, 1], 1), ("sine3d", [3, 32, 16, 1], 32),
                           ("spiral", [2, 64, 3], 300), ("wide-binary", [3072, 15, 1], 200)):
        macs = sum(sizes[k - 1] * sizes[k] for k in range(1, len(sizes)))
        forward = m * macs
        rows.append([name, str(sizes), str(m), "{:,}".format(3 * forward)])
    return table(["workload", "sizes", "batch m", "multiply-adds per step (3 m Σ n_{k-1} n_k)"], rows)


@block
def overhead_words():
    rows = _section_table(_results(), "## Crossover")
    head = rows[0]
    at = {r[0]: r for r in rows[1:]}
    sc, vc = head.index("b=1 scalar"), head.index("b=1 vector")
    macs = {n: n * n + n for n in (1, 16)}       # [n, n, 1]: n·n + n·1 multiply-adds per row and pass
    return ("The crossover table below shows it: at batch 1 the vector twin's step takes %s at n = 1 and %s at "
            "n = 16, %d times the arithmetic for the same time, so nearly all of it is the fixed cost of its "
            "NumPy calls (each checks types and shapes and allocates its result, whatever the size); the "
            "scalar twin's step grows from %s to %s, the interpreter's price per multiply-add."
            % (at["1"][vc], at["16"][vc], macs[16] // macs[1], at["1"][sc], at["16"][sc]))


@chapter("08-loops-against-vectors.md", "Loops against vectors")
def _c8():
    """# 8. Loops against vectors: the measured speedups, the crossover, and why NumPy loses at batch 1

Lesson: {{link_linalg}} against {{link_vlinalg}}; the figures:
[`benchmarks/RESULTS.md`](../../benchmarks/RESULTS.md), {{results_machine}}
(this chapter copies them from there; `make bench` measures them anew and
rewrites this chapter with them; `twin-nn bench --quick` measures your own
machine in about a minute, with [`twin_nn/bench/ladder.py`](../../twin_nn/bench/ladder.py)).

The scalar twin does one multiply-add per Python bytecode loop turn; the
vector twin hands whole matrices to BLAS. Median time per optimizer step
(at W1, where it ran, the lesson's own `Network221` too: nine named numbers,
no layers, no matrices):

{{headline_from_results}}

What a step costs in arithmetic (forward, `dW = A^T dZ` and `dA = dZ W^T`
are about one matrix product each):

{{flops_per_step}}

**Why NumPy loses at batch 1.** The 2-2-1 step is 18 multiply-adds. The
scalar twin pays the interpreter for each of them and for little else; the
vector twin pays a fixed cost for each NumPy call, whatever the size of
its arrays. {{overhead_words}} On the 2-2-1 net the fixed cost is larger
than the loops; from a few hundred multiply-adds per step on it is
amortized and the matrix version pulls away.

**The crossover**, one SGD step of an [n, n, 1] tanh net at batch b (speedup
= scalar time ÷ vector time):

{{crossover_from_results}}

{{crossover_words}}
"""
