"""What every chapter of the tour uses: the block and chapter registries, the text helpers, the lesson links.

``@block`` registers a function as the filler of ``{{its name}}``;
``@chapter(file, title)`` registers a template (the function's docstring).
``g``, ``mat``, ``table`` and ``code`` write numbers, vectors, Markdown tables
and code blocks; ``default_trace`` is the first chapters' traced step;
``LINKS`` are the ``{{link_...}}`` blocks that point at lesson files.
"""

import os

from twin_nn import recipes, trace

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

BLOCKS = {}


def block(fn):
    """Register ``fn`` as the filler of ``{{fn.__name__}}``."""
    BLOCKS[fn.__name__] = fn
    return fn


def g(x, digits=6):
    """A number with ``digits`` significant digits (integers without a point)."""
    if x == int(x) and abs(x) < 1e9:
        return "%d" % x
    return "%.*g" % (digits, x)


def table(header, rows):
    """A Markdown table."""
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(":---" if i == 0 else "---:" for i in range(len(header))) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def mat(x, digits=6):
    """A vector or matrix of numbers as bracketed text, each number through ``g``."""
    if isinstance(x, (list, tuple)):
        return "[" + ", ".join(mat(v, digits) for v in x) + "]"
    return g(x, digits)


def code(text, lang=""):
    """A fenced code block."""
    return "```%s\n%s\n```" % (lang, text.rstrip("\n"))


def default_trace(steps=1):
    """The default trace: the 2-2-1 net from the hand-worked weights, first on Alice."""
    setup = trace.build_setup()
    return setup, trace.run_trace(setup, steps)


def link(path, func=None):
    """A link to a lesson file from docs/tour/, naming the function."""
    text = "`%s`" % path + (" → `%s`" % func if func else "")
    return "[%s](../../%s)" % (text, path)


def vector_parts():
    """The plain vector twin's parts (chapters 6 and 10 build their nets from them)."""
    return recipes.twin_parts("vector", "plain")


CHAPTERS = {}


def chapter(filename, title):
    """Register a chapter template under ``filename``."""
    def deco(fn):
        """Keep the title and the template (fn's docstring)."""
        CHAPTERS[filename] = (title, fn.__doc__)
        return fn
    return deco


LINKS = {
    "link_network221_forward": ("scalar_nn/network221.py", "Network221._forward"),
    "link_network221_step": ("scalar_nn/network221.py", "Network221._sgd_step"),
    "link_activations": ("scalar_nn/activations.py", "sigmoid, sigmoid_prime"),
    "link_test221": ("parity_tests/lesson/test_network221.py", "test_hand_worked_sgd_step"),
    "link_linalg": ("scalar_nn/linalg.py", "matmul, transpose, column_sums"),
    "link_vlinalg": ("vector_nn/linalg.py", None),
    "link_layers": ("scalar_nn/layers.py", "affine_forward, affine_backward, affine_backward_input"),
    "link_vlayers": ("vector_nn/layers.py", None),
    "link_layers_reg": ("scalar_nn/layers.py", "dropout_forward, dropout_backward, batchnorm_forward"),
    "link_mlp": ("scalar_nn/mlp.py", "MLP.forward_with_cache, MLP.backward"),
    "link_mlp_l2": ("scalar_nn/mlp.py", "MLP.l2_penalty, MLP.backward"),
    "link_losses": ("scalar_nn/losses.py", None),
    "link_optim": ("scalar_nn/optim.py", None),
    "link_training": ("scalar_nn/toolkit/training.py", None),
    "link_callbacks": ("scalar_nn/toolkit/callbacks.py", None),
    "link_datasets": ("scalar_nn/toolkit/splits.py", "train_val_split"),
    "link_overclock": ("scalar_nn/toolkit/callbacks.py", "Overclock"),
    "link_recipes_ab": ("twin_nn/recipes.py", "overclock_ab"),
    "link_parity": ("twin_nn/parity/", "run_twins, lockstep_tolerance, first_divergence"),
}
for _name, (_path, _func) in LINKS.items():
    BLOCKS[_name] = (lambda p, f: lambda: link(p, f))(_path, _func)
