"""Exercise markers in the lesson source, and the workspace files written from them.

A lesson function is an exercise when the first line after its docstring is a
marker comment, ``# exercise 2.2``: the body below the marker is what the
learner writes (nbgrader's habit, one comment line).  The same source serves
the lesson and the stubs: ``stub_source`` keeps every line of the module but
replaces each marked body by ``raise NotImplementedError("exercise 2.2:
sigmoid_prime")``, keeping the name, the signature and the docstring.

The source is read from the installed lesson module (``inspect.getsourcefile``);
nothing here edits it.  Relative imports become absolute imports of the
reference package, so a workspace file runs on its own and every helper it
uses is the reference's.
"""

import ast
import inspect
import re
from collections import namedtuple

MODULES = ("network221", "linalg", "activations", "losses", "layers", "optim", "mlp")  # chapters 0, 1, 2, ...
PACKAGES = {"scalar": "scalar_nn", "vector": "vector_nn"}
MARKER = re.compile(r"^(\s*)# exercise (\d+)\.(\d+)\s*$")

Exercise = namedtuple("Exercise", "number module name marker_line end_line indent")
Exercise.chapter = property(lambda self: int(self.number.split(".")[0]))


def lesson_modules(twin):
    """{name: module} of the twin's lesson modules that hold exercises (imported plainly, here)."""
    if twin == "scalar":
        from scalar_nn import activations, layers, linalg, losses, mlp, network221, optim
    elif twin == "vector":
        from vector_nn import activations, layers, linalg, losses, mlp, network221, optim   # only when asked: twin-nn runs without NumPy
    else:
        raise ValueError("unknown twin %r: scalar or vector" % (twin,))
    found = {"linalg": linalg, "activations": activations, "losses": losses, "layers": layers, "optim": optim,
             "mlp": mlp, "network221": network221}
    return {name: found[name] for name in MODULES}


def module_source(module):
    """The text of an installed module's file."""
    with open(inspect.getsourcefile(module), encoding="utf-8") as f:
        return f.read()


def _functions(tree):
    """(qualified name, FunctionDef) of every module-level function and method."""
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            yield node.name, node
        elif isinstance(node, ast.ClassDef):
            for sub in node.body:
                if isinstance(sub, ast.FunctionDef):
                    yield "%s.%s" % (node.name, sub.name), sub


def find_exercises(source, module):
    """The marked functions of one module's source, in source order."""
    lines = source.splitlines()
    out = []
    for qualname, node in _functions(ast.parse(source)):
        first = node.body[0]
        has_doc = isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None), ast.Constant) \
            and isinstance(first.value.value, str)
        after = first.end_lineno if has_doc else node.lineno       # 1-based line the body starts after
        match = MARKER.match(lines[after]) if after < len(lines) else None
        if match:
            out.append(Exercise("%s.%s" % (match.group(2), match.group(3)), module, qualname,
                                after + 1, node.end_lineno, match.group(1)))
    return out


def exercises(twin, chapters=None):
    """Every exercise of the twin (optionally of the given chapter numbers), chapter by chapter."""
    out = []
    for module, mod in lesson_modules(twin).items():
        out += [e for e in find_exercises(module_source(mod), module) if not chapters or e.chapter in chapters]
    return out


def _absolute_imports(source, package):
    """``from .x import y`` -> ``from package.x import y``; ``from . import y`` -> ``from package import y``."""
    source = re.sub(r"^(\s*)from \.(\w[\w.]*) import", r"\1from %s.\2 import" % package, source, flags=re.M)
    return re.sub(r"^(\s*)from \. import", r"\1from %s import" % package, source, flags=re.M)


def stub_message(ex):
    """What a stub raises: 'exercise 2.2:
    sigmoid_prime' (methods: 'exercise 5.2: SGD.step')."""
    return "exercise %s: %s" % (ex.number, ex.name)


def stub_source(source, found, package, header=""):
    """The module with each exercise's body (marker included) replaced by a NotImplementedError."""
    lines = source.splitlines()
    for ex in sorted(found, key=lambda e: -e.marker_line):
        lines[ex.marker_line - 1:ex.end_line] = [
            "%s# exercise %s" % (ex.indent, ex.number),
            '%sraise NotImplementedError("%s")' % (ex.indent, stub_message(ex))]
    return header + _absolute_imports("\n".join(lines) + "\n", package)


def solution_bodies(source, found):
    """{qualified name: the reference body's text below the marker} (for tests that fill the stubs)."""
    lines = source.splitlines()
    return {ex.name: "\n".join(lines[ex.marker_line:ex.end_line]) for ex in found}


def fill(stub_text, ex, body):
    """A workspace file's text with the stub of ``ex`` replaced by ``body`` (indented source lines)."""
    raise_line = 'raise NotImplementedError("%s")' % stub_message(ex)
    pattern = re.compile(r"^[ \t]*" + re.escape(raise_line) + r"[ \t]*$", re.M)
    if len(pattern.findall(stub_text)) != 1:
        raise ValueError("the stub of %s is not in the file exactly once" % ex.name)
    return pattern.sub(lambda _: body, stub_text)


def fill_workspace(folder, twin, plants=None):
    """Fill every stub in ``folder`` with the reference's own body; ``plants`` ({name: Plant}) plants a bug
    into that function's body (the proof of the grader, and the tour's worked case)."""
    import os

    from .mutants import plant_source
    plants = plants or {}
    for module, mod in lesson_modules(twin).items():
        path = os.path.join(folder, module + ".py")
        if not os.path.exists(path):
            continue
        source = module_source(mod)
        found = find_exercises(source, module)
        bodies = solution_bodies(source, found)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for ex in found:
            plant = plants.get(ex.name)
            body = plant_source(bodies[ex.name], plant) if plant is not None and plant.module == module \
                else bodies[ex.name]
            text = fill(text, ex, body)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


def synced(scalar_source, vector_source, module):
    """The vector module's source marked like the scalar one: a ``# exercise N.M`` line after the docstring of
    every function the scalar module marks (same number), and no other marker line.

    For maintainers: after a merge or a refactor of the vector twin,
    ``python -m twin_nn.exercises.markers`` rewrites vector_nn's lesson files so (the tests require
    both twins to mark the same exercises).
    """
    numbers = {e.name: e.number for e in find_exercises(scalar_source, module)}
    lines = [line for line in vector_source.splitlines(keepends=True) if not MARKER.match(line.rstrip("\n"))]
    inserts = []
    for qualname, node in _functions(ast.parse("".join(lines))):
        if qualname in numbers and len(node.body) > 1:
            body = node.body[1]
            inserts.append((node.body[0].end_lineno, "%s# exercise %s\n" % (" " * body.col_offset, numbers[qualname])))
    for at, text in sorted(inserts, reverse=True):
        lines.insert(at, text)
    return "".join(lines)


if __name__ == "__main__":                     # python -m twin_nn.exercises.markers: mark vector_nn like scalar_nn
    import os
    scalar, vector = lesson_modules("scalar"), lesson_modules("vector")
    for name in MODULES:
        path = inspect.getsourcefile(vector[name])
        new = synced(module_source(scalar[name]), module_source(vector[name]), name)
        if new != module_source(vector[name]):
            with open(path + ".tmp", "w", encoding="utf-8") as f:
                f.write(new)
            os.replace(path + ".tmp", path)
            print("marked", os.path.relpath(path))
