"""scalar_nn is pure Python: it never imports NumPy and parses as Python 3.9.

Three checks:

* **Runtime.**  A fresh interpreter (``sys.executable``, and PyPy when
  ``pypy3`` is installed) puts an import blocker at ``sys.meta_path[0]`` that
  refuses ``numpy`` and ``numpy.*`` and logs every attempt, imports every
  module of ``scalar_nn`` found at run time (``pkgutil.walk_packages``, so new
  modules are covered as they appear), trains a tiny network, and reports
  back.  NumPy must not even have been *tried* (a ``try: import numpy``
  fallback would otherwise hide), and ``vector_nn`` must not have been loaded
  (``twin_nn.cli`` may import it lazily, inside a function, when asked to).
  The application, ``twin_nn``, is imported the same way, so ``twin-nn``
  itself starts without NumPy.
* **Static.**  No ``scalar_nn/*.py`` imports anything outside the standard
  library at import time (module level, including inside ``if``/``try``
  blocks and class bodies; imports inside functions run only when called).
* **Syntax.**  Every file parses with ``feature_version=(3, 9)`` (no
  ``match``, no parenthesised context managers), and no annotation that is
  evaluated at run time uses the 3.10 ``X | Y`` union.
"""

import ast
import json
import os
import shutil
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACKAGE_DIR = os.path.join(ROOT, "scalar_nn")


def scalar_files():
    """Every .py file of scalar_nn and its toolkit, as (module name, path), found now (new ones included)."""
    files = []
    for sub in ("", "toolkit"):
        folder = os.path.join(PACKAGE_DIR, sub)
        prefix = "scalar_nn" + ("." + sub if sub else "")
        for fname in sorted(os.listdir(folder)):
            if fname.endswith(".py"):
                stem = fname[:-3]
                name = prefix if stem == "__init__" else prefix + "." + stem
                files.append((name, os.path.join(folder, fname)))
    return sorted(files)


# ---------------------------------------------------------------- runtime
CHILD = r'''
import importlib
import importlib.abc
import json
import pkgutil
import sys

attempts = []


class BlockNumpy(importlib.abc.MetaPathFinder):
    """Refuse numpy and numpy.*; remember that someone asked."""

    def find_spec(self, name, path=None, target=None):
        if name == "numpy" or name.startswith("numpy."):
            attempts.append(name)
            raise ImportError("numpy is blocked in this test: scalar_nn must not need it")
        return None


sys.meta_path.insert(0, BlockNumpy())
preloaded = "numpy" in sys.modules

import scalar_nn
import twin_nn

names = sorted(m.name for m in pkgutil.walk_packages(scalar_nn.__path__, "scalar_nn."))
for name in names:
    importlib.import_module(name)
# the application too, but for the modules that are the vector twin's own side
# (imported only when --vector asks) and __main__ (importing it runs the command)
app = sorted(m.name for m in pkgutil.walk_packages(twin_nn.__path__, "twin_nn."))
for name in app:
    if name not in ("twin_nn.__main__", "twin_nn.vector_trace"):
        importlib.import_module(name)

from scalar_nn.gradcheck import gradient_check
from scalar_nn.mlp import MLP
from scalar_nn.optim import SGD, Adam

X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.5, 0.25], [0.75, 0.5]]
Y = [[0.1], [0.9], [0.9], [0.1], [0.6], [0.7]]

# plain full-batch SGD: the inference loss must go down
net = MLP([2, 4, 1], hidden="tanh", output="linear", loss="mse", seed=0)
before = net.loss(X, Y)
opt = SGD(0.1, momentum=0.5)
for _ in range(20):
    _, grads = net.loss_and_grads(X, Y)
    opt.step(net.params, grads)
after = net.loss(X, Y)

# the other code paths: dropout, BatchNorm, Adam, softmax, the gradient check, fit
deep = MLP([2, 5, 3, 2], hidden="swish", output="softmax", loss="cross_entropy",
           seed=1, dropout=0.2, batchnorm=True, l2=1e-3)
loss_deep, grads_deep = deep.loss_and_grads(X, [0, 1, 1, 0, 1, 0])
Adam(0.01).step(deep.params, grads_deep)
report = gradient_check(MLP([2, 3, 1], hidden="sigmoid", output="sigmoid", loss="bce", seed=2),
                        X, [[0.0], [1.0], [1.0], [0.0], [1.0], [0.0]])
history = MLP([2, 3, 1], seed=3).fit(X, Y, SGD(0.05), epochs=2, verbose=0)

print(json.dumps({
    "modules": names,
    "app_modules": app,
    "numpy_attempts": attempts,
    "numpy_preloaded": preloaded,
    "numpy_loaded": "numpy" in sys.modules,
    "vector_loaded": sorted(m for m in sys.modules if m == "vector_nn" or m.startswith("vector_nn.")),
    "before": before,
    "after": after,
    "loss_deep": loss_deep,
    "gradcheck_worst": report.worst_rel_error,
    "history_epochs": len(history.loss),
    "implementation": sys.implementation.name,
    "version": list(sys.version_info[:2]),
}))
'''


def interpreters():
    """sys.executable always; pypy3 when it is installed (the reason scalar_nn exists)."""
    found = [pytest.param(sys.executable, id="cpython")]
    pypy = shutil.which("pypy3")
    marks = [pytest.mark.pypy]
    if pypy is None:
        marks.append(pytest.mark.skip(reason="pypy3 is not installed"))
    found.append(pytest.param(pypy, id="pypy3", marks=marks))
    return found


@pytest.mark.parametrize("python", interpreters())
def test_scalar_nn_runs_with_numpy_blocked(python):
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    # -c puts the working directory (the repository root) first on sys.path
    proc = subprocess.run([python, "-c", CHILD], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, "child failed:\n" + proc.stderr[-4000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    on_disk = sorted(name for name, _ in scalar_files() if name != "scalar_nn")
    assert out["modules"] == on_disk, "walk_packages did not see every module"
    assert "twin_nn.cli" in out["app_modules"] and "twin_nn.recipes" in out["app_modules"]
    assert not out["numpy_preloaded"], "numpy was loaded before the blocker: the test would prove nothing"
    assert out["numpy_attempts"] == [], "scalar_nn tried to import %s" % out["numpy_attempts"]
    assert not out["numpy_loaded"]
    assert out["vector_loaded"] == [], "importing scalar_nn and twin_nn loaded %s" % out["vector_loaded"]
    assert out["after"] < out["before"], "20 SGD steps did not lower the loss"
    assert out["gradcheck_worst"] < 1e-6
    assert out["history_epochs"] == 2
    if "pypy" in os.path.basename(python):
        assert out["implementation"] == "pypy" and out["version"] >= [3, 9]


def test_the_blocker_really_blocks():
    """The same child, told to import numpy first, fails: the blocker is not a no-op."""
    script = CHILD.replace("import scalar_nn\n", "import numpy\nimport scalar_nn\n", 1)
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert "numpy is blocked in this test" in proc.stderr


# ----------------------------------------------------------------- static
def import_time_imports(tree):
    """(line, module root, level) of every import that runs when the module is imported.

    The walk descends into if/try/with blocks and class bodies (they run at
    import time) but not into function bodies or lambdas (they run when called).
    """
    found = []
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0], 0) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.lineno, (node.module or "").split(".")[0], node.level))
        stack.extend(ast.iter_child_nodes(node))
    return found


@pytest.mark.skipif(sys.version_info < (3, 10), reason="sys.stdlib_module_names needs Python 3.10")
@pytest.mark.parametrize("name, path", scalar_files(), ids=[n for n, _ in scalar_files()])
def test_only_standard_library_imports_at_import_time(name, path):
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), filename=path)
    bad = [
        "line %d: %s" % (line, root)
        for line, root, level in import_time_imports(tree)
        if level == 0 and root != "scalar_nn" and root not in sys.stdlib_module_names
    ]
    assert bad == [], "%s imports non-standard modules at import time: %s" % (name, bad)


def test_the_static_check_sees_nested_imports():
    """The walker finds imports inside if/try/class at module level, and ignores function bodies."""
    src = (
        "import os\n"
        "try:\n    import numpy as np\nexcept ImportError:\n    np = None\n"
        "if True:\n    from scipy import linalg\n"
        "class C:\n    import torch\n"
        "def f():\n    import vector_nn\n"
        "from . import rng\n"
    )
    roots = sorted((root, level) for _, root, level in import_time_imports(ast.parse(src)))
    assert roots == [("", 1), ("numpy", 0), ("os", 0), ("scipy", 0), ("torch", 0)]


# ----------------------------------------------------------------- syntax
def runtime_union_annotations(tree):
    """Line numbers of annotations using ``X | Y`` that Python 3.9 would evaluate (and fail on).

    With ``from __future__ import annotations`` annotations are never
    evaluated, so any syntax is fine there.
    """
    future = any(isinstance(n, ast.ImportFrom) and n.module == "__future__"
                 and any(a.name == "annotations" for a in n.names) for n in tree.body)
    if future:
        return []
    annotations = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            args = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
            args += [a for a in (node.args.vararg, node.args.kwarg) if a is not None]
            annotations += [a.annotation for a in args if a.annotation is not None]
            if node.returns is not None:
                annotations.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            annotations.append(node.annotation)
    return sorted({
        sub.lineno for ann in annotations for sub in ast.walk(ann)
        if isinstance(sub, ast.BinOp) and isinstance(sub.op, ast.BitOr)
    })


@pytest.mark.parametrize("name, path", scalar_files(), ids=[n for n, _ in scalar_files()])
def test_parses_as_python_39(name, path):
    with open(path, encoding="utf-8") as f:
        source = f.read()
    tree = ast.parse(source, filename=path, feature_version=(3, 9))
    assert runtime_union_annotations(tree) == [], "%s: X | Y annotations fail on Python 3.9" % name
    strict_zips = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Call)
                   and isinstance(n.func, ast.Name) and n.func.id == "zip"
                   and any(k.arg == "strict" for k in n.keywords)]
    assert strict_zips == [], "%s: zip(strict=...) is Python 3.10+ (lines %s)" % (name, strict_zips)


def test_the_syntax_check_catches_310_code():
    """feature_version=(3, 9) refuses a match statement; the annotation check finds int | None."""
    with pytest.raises(SyntaxError):
        ast.parse("match x:\n    case 1:\n        pass\n", feature_version=(3, 9))
    assert runtime_union_annotations(ast.parse("def f(a: int | None) -> str | None:\n    pass\n")) == [1]
    assert runtime_union_annotations(ast.parse(
        "from __future__ import annotations\ndef f(a: int | None):\n    pass\n")) == []
