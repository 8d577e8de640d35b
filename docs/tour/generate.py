"""Write the tour (docs/tour/*.md) by running the project: every number, table and code block.

Each chapter is a template; ``{{name}}`` is replaced by what the block
function ``name`` returns, and every block function runs the project's own
code (the twins, the trace, the optimizers, the parity machinery) or reads
``benchmarks/RESULTS.md`` (the figures ``make bench`` measured).  Nothing is
timed here, so the output is the same on every run.

    python docs/tour/generate.py            write the chapters
    python docs/tour/generate.py --check    exit 1 if a committed chapter differs
    python docs/tour/generate.py --screenshot   also redo docs/tour/trace.png (needs chromium)

The chapters live in ``docs/tour/tourgen/`` (a module per chapter or group of
chapters, and ``kit`` for what they share); this file puts them together
with the index.  ``parity_tests/app/test_tour.py`` runs ``render_all()`` and
fails when the committed tour and the code disagree.
"""

import io
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
for _path in (ROOT, HERE):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from twin_nn import trace  # noqa: E402
from tourgen.kit import BLOCKS, CHAPTERS, default_trace  # noqa: E402
# importing a chapter module registers its blocks and templates: in the order of the tour
from tourgen import ch01_02_by_hand, ch03_04_matrices_and_losses, ch05_07_training  # noqa: E402,F401
from tourgen import ch08_loops_against_vectors, ch09_twins_agree, ch10_questions  # noqa: E402,F401


INDEX = """# The tour: one neural network, every number

Ten chapters that follow the reading path of the lesson (`scalar_nn/`,
read with `vector_nn/` open beside it). Every number, table and code block
in them was produced by running the project: `docs/tour/generate.py` writes
the chapters, and `parity_tests/app/test_tour.py` regenerates them in memory and
fails if the committed text and the code disagree.

Run the first chapter's network yourself, one step with every number:

```
twin-nn trace                      # forward, loss, backward, update of the 2-2-1 net on Alice
twin-nn trace --vector             # the same step as the vector twin's arrays
twin-nn trace --steps 8 --html trace.html   # a page to step through (no network needed)
twin-nn trace --recipe spiral --rows 3      # a recipe at small size
```

![the step-through page at step 3, backward pass: the legend, the loss over all four people beside each step's, and h1 flagged as saturated](trace.png)

| chapter | what | lesson file |
|:---|:---|:---|
{{index_rows}}
"""


CHAPTER_SUMMARY = {
    "01-neuron-and-forward.md": "what one neuron computes; the sigmoid and its slope; the forward pass on the four people",
    "02-backprop-by-hand.md": "one SGD step on Alice: every partial derivative as its chain-rule product, every update",
    "03-scalars-to-matrices.md": "the same step as `X @ W + b`; every array's shape; dW, db, dA derived; why 2(Ŷ - Y)/m",
    "04-losses-and-shortcuts.md": "MSE, sigmoid + BCE, softmax + cross-entropy; the Jacobian way against `(P - onehot)/m`",
    "05-training.md": "batches, SGD, classic and EMA momentum against PyTorch and nnfs, decay, Adam's first step",
    "06-generalization.md": "held-out rows, L2 and its ½, inverted dropout, BatchNorm, early stopping, measured",
    "07-overclock.md": "the oscillation rule on made-up curves; the A/B run from the same weights",
    "08-loops-against-vectors.md": "the measured speedups, the crossover, why NumPy loses at batch 1",
    "09-how-we-know-the-twins-agree.md": "lockstep and free-running parity, a-priori tolerances, the first-divergence report",
    "10-questions-and-answers.md": "perceptron vs network, activations, vanishing gradients, lr, batch vs online, overfitting",
}

CHAPTER_LESSON = {
    "01-neuron-and-forward.md": "scalar_nn/network221.py",
    "02-backprop-by-hand.md": "scalar_nn/network221.py",
    "03-scalars-to-matrices.md": "scalar_nn/layers.py",
    "04-losses-and-shortcuts.md": "scalar_nn/losses.py",
    "05-training.md": "scalar_nn/optim.py",
    "06-generalization.md": "scalar_nn/mlp.py",
    "07-overclock.md": "scalar_nn/toolkit/callbacks.py",
    "08-loops-against-vectors.md": "vector_nn/linalg.py",
    "09-how-we-know-the-twins-agree.md": "twin_nn/parity/",
    "10-questions-and-answers.md": "scalar_nn/mlp.py",
}


def _fill(template):
    """Replace every {{name}} by BLOCKS[name]() (an unknown name is an error)."""
    def sub(match):
        """The text of the block a {{name}} names."""
        return BLOCKS[match.group(1)]()
    return re.sub(r"\{\{(\w+)\}\}", sub, template)


HEADER = "<!-- Written by docs/tour/generate.py from the project's own runs; edit the generator, not this file. -->\n\n"


def render_all():
    """{file name: text} of every chapter and the index, computed now."""
    out = {}
    for filename, (title, template) in CHAPTERS.items():
        out[filename] = HEADER + _fill(template.strip("\n")) + "\n"
    rows = "\n".join("| [%s](%s) | %s | %s |" % (f.split("-")[0].lstrip("0") + ". " + title, f, CHAPTER_SUMMARY[f],
                                                 "[`%s`](../../%s)" % (CHAPTER_LESSON[f], CHAPTER_LESSON[f]))
                     for f, (title, _) in CHAPTERS.items())
    out["README.md"] = HEADER + INDEX.replace("{{index_rows}}", rows)
    return out


def screenshot(path=os.path.join(HERE, "trace.png")):
    """Redo the committed screenshot of the step-through page (needs chromium on the PATH)."""
    import shutil
    import subprocess
    import tempfile
    from twin_nn import trace_html
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("chromium is not on the PATH")
    setup, traces = default_trace(8)
    with tempfile.TemporaryDirectory() as tmp:
        page = os.path.join(tmp, "trace.html")
        with open(page, "w", encoding="utf-8") as f:
            f.write(trace_html.page(trace.trace_data(setup, traces)))
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        "--user-data-dir=" + os.path.join(tmp, "profile"), "--screenshot=" + path,
                        "--window-size=1200,760", "--virtual-time-budget=2000",
                        "file://%s#step=3&phase=backward" % page], check=True, capture_output=True, timeout=120)


def main(argv=None):
    """Write the chapters (or, with --check, report which differ from what is committed)."""
    argv = sys.argv[1:] if argv is None else argv
    chapters = render_all()
    stale = []
    for name, text in chapters.items():
        path = os.path.join(HERE, name)
        old = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        if old != text:
            stale.append(name)
            if "--check" not in argv:
                with io.open(path, "w", encoding="utf-8", newline="\n") as f:
                    f.write(text)
    if "--screenshot" in argv:
        screenshot()
    if "--check" in argv:
        for name in stale:
            print("stale: docs/tour/%s" % name)
        return 1 if stale else 0
    print("wrote %d files, %d changed" % (len(chapters), len(stale)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
