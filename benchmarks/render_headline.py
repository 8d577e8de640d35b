"""RESULTS.md's headline: the ladder's median step per rung and workload, and the ratios between rungs."""

from benchmarks.render_data import rung_median, rung_ratio
from benchmarks.render_format import fmt_ratio, table, title
from twin_nn.bench.ladder import fmt_time
from twin_nn.bench.workloads import WORKLOADS

# the ladder's rungs, bottom up, as the headline shows them (pypy: scalar_nn's PyPy rung); the
# all-cores rungs are in the Threads table
LADDER = ["loop", "scalar", "pypy", "net221", "net221_pypy", "numpy", "vector", "fast", "fast32", "torch64",
          "torch32", "sklearn", "micrograd"]


def _batch_label(w):
    return "batch %s" % (w.batch_size or "full %d" % w.n_rows)


# (title, lower rung a, upper rung b): the ratio b / a, and what it shows
LADDER_RATIOS = [
    ("scalar_nn ÷ loop floor", "loop", "scalar"),
    ("micrograd ÷ scalar_nn", "scalar", "micrograd"),
    ("micrograd ÷ Network221", "net221", "micrograd"),
    ("scalar_nn ÷ vector_nn (vectorizing)", "vector", "scalar"),
    ("vector_nn ÷ NumPy floor", "numpy", "vector"),
    ("fast ÷ NumPy floor", "numpy", "fast"),
    ("vector_nn ÷ fast (tuning)", "fast", "vector"),
    ("fast ÷ PyTorch f64", "torch64", "fast"),
    ("fast f32 ÷ PyTorch f32", "torch32", "fast32"),
    ("fast ÷ two GEMMs", "gemm", "fast"),
]


def section_headline(d):
    header = ["workload"] + [title(c) for c in LADDER]
    rows = []
    for key in sorted(WORKLOADS):
        w = WORKLOADS[key]
        rows.append(["%s (%s)" % (w.label, _batch_label(w))] + [fmt_time(rung_median(d, key, c)) for c in LADDER])
    ratio_rows = []
    for key in sorted(WORKLOADS):
        ratio_rows.append([key] + [fmt_ratio(rung_ratio(d, key, a, b)) for _, a, b in LADDER_RATIOS])
    rounds = ", ".join("%s %d" % (k, d["ladder"][k]["rounds"]) for k in sorted(d["ladder"]))
    return "\n".join([
        "## Headline: the ladder, median time per optimizer step", "",
        "Every rung takes the same step: the same initial weights, the same batches, the same "
        "output/loss pair and SGD rule (scikit-learn differs where noted below). From the bottom: "
        "the **minimal loop step** and the **minimal NumPy step** are the floors, the step written "
        "as directly as possible in `twin_nn/bench/floors.py` (no validation, no caches, no layers: "
        "`benchmarks/test_floors.py` checks that they take the twins' steps); `scalar_nn` and "
        "`vector_nn` are the twins' public `loss_and_grads` + `step`; `vector_nn.fast` is the tuned "
        "engine; then the peers. **micrograd is measured at its best: with the garbage collector off "
        "during its step** (`gc.disable()`; its graph is freed by a collection between blocks, outside "
        "the timing). **Network221** is the lesson's own 2-2-1 system (W1 only), nine named numbers and one "
        "line per partial derivative (`scalar_nn/network221.py`), the rung that belongs beside micrograd. "
        "**f32** is float32 (the engine's where `vector_nn.fast.MLP` takes `dtype=\"float32\"`). "
        "Every rung here runs at one thread; the engine and PyTorch at every core are in *Threads* below. "
        "— means not run (not installed, not offered, or too slow: see the workload's notes).", "",
        "All CPython rungs of a workload ran in one process, taking turns a block of steps at a time "
        "(`twin_nn/bench/ladder.py`; rounds: %s), so that a change of the machine's load hits all of them "
        "alike; the PyPy rungs ran the same way in a PyPy process." % (rounds or "—"), "",
        table(header, rows), "",
        "Ratios between rungs (median over the rounds of the ratio of the two rungs' block medians; "
        "above 1 means the second-named rung is faster):", "",
        table(["workload"] + [t for t, _, _ in LADDER_RATIOS], ratio_rows)])
