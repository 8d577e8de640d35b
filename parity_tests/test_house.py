"""The house rules of docs/DESIGN.md section 2, checked on the source: who may import whom.

Static checks (``ast``, every import statement at any depth, so an import
inside a function counts too, unless a check says "at import time"):

* ``scalar_nn/`` holds the lesson modules, ``rng``, ``conventions`` and
  ``toolkit/``; ``vector_nn/`` mirrors the lesson modules with the same names.
* Arrows run one way: ``twin_nn`` -> ``vector_nn`` -> ``scalar_nn``.  Neither
  twin imports the application, ``scalar_nn`` never imports ``vector_nn``,
  and no module of either twin uses ``importlib`` (a hidden arrow).
* ``twin_nn`` imports ``vector_nn`` (and NumPy) only inside functions, so the
  command starts without NumPy; ``twin_nn.vector_trace`` is the vector twin's
  side of the trace and is itself imported only inside a function.
* The plain vector twin does its own arithmetic: no ``vector_nn`` module
  imports the scalar twin's numeric lesson modules (linalg, activations,
  losses, layers, mlp), and no plain module imports ``vector_nn.fast``.
* ``vector_nn.fast`` (the engine, a package) builds on the plain twin only
  (and the shared checks), with ``math`` and ``collections.abc`` from the
  standard library: no module-level state, no reference counts.
* No .py file that git tracks, anywhere in the repository, is over 500 lines.

(That ``scalar_nn`` never imports NumPy or ``vector_nn`` at import time, and
never tries to at run time, is test_pure_python.py's.)
"""

import ast
import os
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

LESSON = ("network221", "linalg", "activations", "losses", "layers", "mlp", "init", "optim", "gradcheck")
SUPPORT = ("rng", "conventions")
SCALAR_NUMERIC = ("linalg", "activations", "losses", "layers", "mlp")   # the arithmetic of the lesson


def modules(package, sub=""):
    """{module name: path} of the .py files directly in ``package/sub``."""
    folder = os.path.join(ROOT, package, sub)
    return {f[:-3]: os.path.join(folder, f) for f in sorted(os.listdir(folder)) if f.endswith(".py")}


def imported(path, package):
    """Every module an ``import``/``from ... import`` in ``path`` names, as absolute dotted names.

    ``from . import x`` yields ``package.x`` (x may be a module); relative
    imports are resolved against ``package`` (the file's own package).
    """
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module
            names.add(prefix)
            names.update(prefix + "." + alias.name for alias in node.names)
    return names


def test_scalar_nn_lists_the_lesson_and_its_toolkit_only():
    found = set(modules("scalar_nn")) - {"__init__"}
    assert found == set(LESSON + SUPPORT)
    dirs = {d for d in os.listdir(os.path.join(ROOT, "scalar_nn"))
            if os.path.isdir(os.path.join(ROOT, "scalar_nn", d)) and not d.startswith("__")}
    assert dirs == {"toolkit"}


def test_vector_nn_mirrors_the_lesson_modules():
    found = set(modules("vector_nn")) - {"__init__", "__main__"}
    assert found == set(LESSON) | {"rng", "exact"}    # exact mode: a backend of the lesson, not a lesson
    engine = set(modules("vector_nn", "fast")) - {"__init__"}
    assert engine == {"network", "plan", "kernels", "layout", "optim", "team"}    # the engine: a rung, not a lesson


@pytest.mark.parametrize("name", sorted(set(modules("vector_nn")) | {"toolkit/" + m for m in modules("vector_nn", "toolkit")}))
def test_the_vector_twin_does_its_own_arithmetic(name):
    sub, _, module = name.rpartition("/")
    package = "vector_nn" + ("." + sub if sub else "")
    names = imported(os.path.join(ROOT, "vector_nn", sub, module + ".py"), package)
    borrowed = sorted(n for n in names for m in SCALAR_NUMERIC if n == "scalar_nn." + m or n.startswith("scalar_nn.%s." % m))
    assert borrowed == [], "%s imports the scalar twin's arithmetic: %s" % (name, borrowed)
    if module != "fast":
        assert not any(n == "vector_nn.fast" or n.startswith("vector_nn.fast.") for n in names), \
            "%s (a plain module) imports the engine" % name


@pytest.mark.parametrize("module", sorted(modules("vector_nn", "fast")))
def test_the_engine_builds_on_the_plain_twin(module):
    names = imported(os.path.join(ROOT, "vector_nn", "fast", module + ".py"), "vector_nn.fast")
    allowed = ("numpy", "vector_nn", "math", "collections.abc",
               "os", "threading", "weakref", "functools")            # the network's own worker threads (team.py)
    outside = sorted(n for n in names if not (n in allowed or n.startswith(("vector_nn.", "scalar_nn.toolkit.checks", "scalar_nn.toolkit.binding",
                                                                            "collections.abc.", "functools."))))
    assert outside == []


def test_the_import_reader_sees_relative_and_nested_imports(tmp_path):
    path = tmp_path / "m.py"
    path.write_text("from . import mlp\nfrom ..x import y\ndef f():\n    import scalar_nn.layers\n")
    names = imported(str(path), "vector_nn.toolkit")
    assert {"vector_nn.toolkit.mlp", "vector_nn.x.y", "scalar_nn.layers"} <= names


# ------------------------------------------------------------------ one-way arrows
def package_files(package):
    """(dotted package, path) of every .py file below ``package``."""
    found = []
    for folder, _, files in os.walk(os.path.join(ROOT, package)):
        dotted = os.path.relpath(folder, ROOT).replace(os.sep, ".")
        found += [(dotted, os.path.join(folder, f)) for f in sorted(files) if f.endswith(".py")]
    return found


def import_time_names(path, package):
    """Like ``imported``, but only the imports that run when the module is imported (not in functions)."""
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    module = ast.Module(body=[], type_ignores=[])
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            module.body.append(node)
        stack.extend(ast.iter_child_nodes(node))
    names = set()
    for node in module.body:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif node.level:
            base = package.split(".")[:len(package.split(".")) - node.level + 1]
            prefix = ".".join(base + ([node.module] if node.module else []))
            names.update([prefix] + [prefix + "." + a.name for a in node.names])
        else:
            names.update([node.module] + [node.module + "." + a.name for a in node.names])
    return names


def _under(names, root):
    return sorted(n for n in names if n == root or n.startswith(root + "."))


@pytest.mark.parametrize("package, path", package_files("scalar_nn") + package_files("vector_nn"),
                         ids=lambda v: os.path.relpath(v, ROOT) if os.path.isabs(str(v)) else None)
def test_the_twins_never_import_the_application_nor_importlib(package, path):
    names = imported(path, package)
    assert _under(names, "twin_nn") == [], "%s imports the application" % path
    assert _under(names, "importlib") == [], "%s uses importlib (a hidden arrow)" % path
    if package.startswith("scalar_nn"):
        assert _under(names, "vector_nn") == [] and _under(names, "numpy") == [], \
            "%s (scalar_nn) reaches the vector twin or NumPy" % path


@pytest.mark.parametrize("package, path", package_files("twin_nn"),
                         ids=lambda v: os.path.relpath(v, ROOT) if os.path.isabs(str(v)) else None)
def test_the_application_imports_the_vector_twin_only_when_asked(package, path):
    if path.endswith("vector_trace.py"):
        return          # the vector side of the trace: the check below holds its importers to it
    at_import = import_time_names(path, package)
    assert _under(at_import, "vector_nn") == [] and _under(at_import, "numpy") == [], \
        "%s imports the vector twin or NumPy at import time: twin-nn must start without NumPy" % path
    assert "twin_nn.vector_trace" not in at_import
    tricks = [n for n in _under(imported(path, package), "importlib") if not n.startswith("importlib.metadata")]
    assert tricks == [], "%s uses importlib to load modules: %s" % (path, tricks)


def tracked_python_files():
    """Repository-relative paths (with "/") of every .py file git tracks that is in the work tree."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z", "--", "*.py"], cwd=ROOT, capture_output=True,
                                check=True, timeout=60).stdout.decode("utf-8")
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip("no git checkout to list the tracked files of (%s)" % exc)
    return sorted(p for p in listed.split("\0") if p and os.path.isfile(os.path.join(ROOT, p)))


def test_no_module_is_over_500_lines():
    """Every .py file in the repository: the packages, the tests, benchmarks, docs, scripts."""
    files = tracked_python_files()
    assert "parity_tests/test_house.py" in files and "scalar_nn/mlp.py" in files
    long = {}
    for rel in files:
        with open(os.path.join(ROOT, rel), encoding="utf-8") as f:
            n = sum(1 for _ in f)
        if n > 500:
            long[rel] = n
    assert sorted("%s: %d lines" % (rel, n) for rel, n in long.items()) == []


def test_every_package_folder_is_installed():
    """A package folder missing from pyproject's list works in a checkout and is absent from a wheel."""
    import re
    text = open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8").read()
    listed = set(re.findall(r'"([\w.]+)"', re.search(r"packages = \[(.*?)\]", text, re.S).group(1)))
    found = set()
    for package in ("scalar_nn", "vector_nn", "twin_nn"):
        for folder, _, files in os.walk(os.path.join(ROOT, package)):
            if "__init__.py" in files:
                found.add(os.path.relpath(folder, ROOT).replace(os.sep, "."))
    assert found - listed == set()
