"""The grader, run in a subprocess on a copy of the workspace: each function alone, then assembled.

``python -m twin_nn.exercises.grading DIR --twin scalar|vector [--only NAME] [--examples N]``
prints one JSON line per graded function, then one for the assembled run.

Isolation: while a function is graded, every *other* exercise of its module is
the reference's (the learner module's globals are pointed at them), and the
workspace files import their helpers from the reference package, so a
mistake in one function never shows up in another's grade.
"""

import argparse
import json
import math
import os
import random
import sys
import traceback
import types
from collections import namedtuple

from . import markers, mutants
from . import networks, specs
from .specs import Twin

SPECS = {**specs.SPECS, **networks.SPECS}

Outcome = namedtuple("Outcome", "value error")          # error: (type name, trimmed traceback) or None
Ctx = namedtuple("Ctx", "T out abs_flat")


# ------------------------------------------------------------------ structure and numbers
def flatten(x, path="", sig=None, vals=None):
    """(signature, numbers): the structure (paths, shapes, keys, non-numbers) and every number, in order."""
    sig, vals = ([], []) if sig is None else (sig, vals)
    if isinstance(x, dict):
        sig.append((path, "keys", tuple(sorted(map(str, x)))))
        for k in sorted(x, key=str):
            flatten(x[k], "%s[%r]" % (path, k), sig, vals)
    elif isinstance(x, (str, bool)) or x is None:
        sig.append((path, "=", x))
    elif hasattr(x, "shape") and hasattr(x, "tolist"):
        sig.append((path, "shape", tuple(x.shape)))
        vals.extend(_numbers(x.tolist()))
    elif isinstance(x, (int, float)):
        sig.append((path, "shape", ()))
        vals.append(float(x))
    elif isinstance(x, (list, tuple)):
        shape = _shape(x)
        if shape is not None:
            sig.append((path, "shape", shape))
            vals.extend(_numbers(x))
        else:
            sig.append((path, "items", len(x)))
            for i, v in enumerate(x):
                flatten(v, "%s[%d]" % (path, i), sig, vals)
    else:
        sig.append((path, "type", type(x).__name__))
    return sig, vals


def _shape(x):
    """The shape of a rectangular nested list of numbers, or None."""
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in x):
        return (len(x),)
    inner = [_shape(v) if isinstance(v, (list, tuple)) else None for v in x]
    if inner and inner[0] is not None and all(s == inner[0] for s in inner):
        return (len(x),) + inner[0]
    return None


def _numbers(x):
    if isinstance(x, (list, tuple)):
        return [v for item in x for v in _numbers(item)]
    return [float(x)]


def _describe(sig):
    return ", ".join("%s %s" % (p or "result", "shape %s" % (v,) if k == "shape" else "%s %r" % (k, v))
                     for p, k, v in sig[:4])


def _locate(sig, i):
    """Where the i-th number of a flattened output sits: 'result[0][2, 1]'."""
    for path, kind, shape in sig:
        if kind != "shape":
            continue
        size = 1
        for d in shape:
            size *= d
        if i < size:
            index = []
            for d in reversed(shape):
                index.append(i % d)
                i //= d
            return "result%s%s" % (path, "[%s]" % ", ".join(map(str, reversed(index))) if shape else "")
        i -= size
    return "result"


def compare(ref, out, bound, case=None):
    """None if ``out`` is ``ref`` within ``bound`` (a list per number, or one float), else what differs."""
    sig_r, r = flatten(ref)
    sig_o, o = flatten(out)
    if sig_r != sig_o:
        return "yours: %s; the reference: %s" % (_describe(sig_o), _describe(sig_r))
    bounds = bound if isinstance(bound, list) else [bound] * len(r)
    for i, (a, b, e) in enumerate(zip(r, o, bounds)):
        same = a == b or (math.isnan(a) and math.isnan(b))
        if not same and not (math.isfinite(a) and math.isfinite(b) and abs(a - b) <= e):
            where = _locate(sig_r, i)
            zs = [v for row in case["Z"] for v in row] if case and isinstance(case.get("Z"), list) else []
            if len(zs) == len(r):                 # elementwise: name the input
                where += " (z = %r)" % zs[i]
            diff = abs(a - b) if math.isfinite(a - b) else float("inf")
            return "%s: yours %r, the reference %r (|difference| %.3g, allowed %.3g)" % (where, b, a, diff, e)
    return None


def bound_for(spec, case, ref_out, T):
    """The spec's rounding bound for the reference output ``ref_out`` of ``case``."""
    abs_flat = flatten(spec.run(T.ref[spec.module], _absolute(case), T))[1] if spec.abs_run else None
    return spec.bound(case, flatten(ref_out)[1], Ctx(T, ref_out, abs_flat))


def _absolute(case):
    def a(v):
        if isinstance(v, (list, tuple)):
            return [a(x) for x in v]
        return abs(v) if isinstance(v, float) else v
    return {k: a(v) for k, v in case.items()}


# ------------------------------------------------------------------ running learner code
def load(path, name):
    """The learner's file as a module (compiled under its own path, so tracebacks name it)."""
    module = types.ModuleType("exercise_" + name)
    module.__file__ = path
    with open(path, encoding="utf-8") as f:
        code = compile(f.read(), path, "exec")
    exec(code, vars(module))
    return module


def trimmed(exc, files):
    """The traceback's frames in the learner's files, then the exception line."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename in files]
    text = "".join(traceback.format_list(frames)) + "".join(traceback.format_exception_only(type(exc), exc))
    return text.rstrip("\n")


class Grader:
    """Grades the exercises of one twin found in ``workdir`` (a copy of the workspace)."""

    def __init__(self, workdir, twin, examples=25, seed=0):
        self.workdir, self.twin, self.examples, self.seed = workdir, twin, examples, seed
        self.reference = markers.lesson_modules(twin)
        self.T = Twin(twin, self.reference)
        self.learner, self.load_errors, self.files = {}, {}, set()
        self._found = {}
        self.results = {}                     # (module, name) -> status, for the assembled run

    def module(self, name):
        """The learner's module ``name`` (loaded once), or None with the load error kept."""
        if name not in self.learner and name not in self.load_errors:
            path = os.path.join(self.workdir, name + ".py")
            self.files.add(path)
            try:
                self.learner[name] = load(path, name)
            except Exception as exc:              # a syntax error, a failing import: the whole file is an error
                self.load_errors[name] = trimmed(exc, self.files) or repr(exc)
        return self.learner.get(name)

    def exercises(self, module):
        """The reference module's exercises (parsed once)."""
        if module not in self._found:
            self._found[module] = markers.find_exercises(markers.module_source(self.reference[module]), module)
        return self._found[module]

    def run(self, spec, module, case):
        try:
            return Outcome(spec.run(module, case, self.T), None)
        except NotImplementedError:
            raise
        except Exception as exc:
            return Outcome(None, (type(exc).__name__, trimmed(exc, self.files)))

    def check_case(self, spec, lmod, case):
        """(learner outcome, reference output, what differs or None)."""
        ref = spec.run(self.reference[spec.module], case, self.T)
        got = self.run(spec, lmod, case)
        if got.error:
            return got, ref, "raised %s" % got.error[0]
        return got, ref, compare(ref, got.value, bound_for(spec, case, ref, self.T), case)

    def grade(self, ex):
        """One function's result: {"module", "name", "number", "status", "diagnosis", "detail"}."""
        result = {"module": ex.module, "name": ex.name, "number": ex.number, "diagnosis": [], "detail": ""}
        spec = SPECS[(ex.module, ex.name)]
        lmod = self.module(ex.module)
        if lmod is None:
            return dict(result, status="error", detail="%s.py does not load:\n%s" % (ex.module, self.load_errors[ex.module]))
        if not _has(lmod, ex.name):
            return dict(result, status="error", detail="%s.py defines no %s" % (ex.module, ex.name))
        others = [e.name for e in self.exercises(ex.module) if "." not in e.name and e.name != ex.name]
        own = {n: vars(lmod).get(n) for n in others}
        vars(lmod).update({n: getattr(self.reference[ex.module], n) for n in others})
        try:
            return self._grade(ex, spec, lmod, result)
        except NotImplementedError:
            return dict(result, status="todo")
        finally:
            vars(lmod).update(own)

    def _grade(self, ex, spec, lmod, result):
        seen, failure = [], None
        for i, case in enumerate(spec.fixed):
            got, ref, differs = self.check_case(spec, lmod, case)
            seen.append((case, got))
            if differs and failure is None:
                failure = (case, got, differs, "fixed input %d of %d" % (i + 1, len(spec.fixed)))
        if failure is None:
            failure = self.drawn_failure(spec, lmod)
            if failure is None:
                return dict(result, status="pass", detail=self.how_many(spec))
            seen.append((failure[0], failure[1]))
        case, got, differs, where = failure
        found = self.diagnose(ex, spec, seen)
        detail = "%s(%s) [%s]: %s" % (ex.name.split(".")[-1], _show(case), where, differs)
        if got.error and not found:
            return dict(result, status="error", detail=detail + "\n" + got.error[1])
        return dict(result, status="fail", diagnosis=found, detail=detail)

    def how_many(self, spec):
        drawn = "%d drawn by %s" % (self.examples, "Hypothesis" if _hypothesis() else "a seeded generator")
        return "%d fixed inputs and %s" % (len(spec.fixed), drawn)

    def drawn_failure(self, spec, lmod):
        """The first (with Hypothesis: the smallest) drawn input where the learner's function differs."""
        found = []

        def check(D):
            case = spec.draw(D)
            got, ref, differs = self.check_case(spec, lmod, case)
            if differs:
                found.append((case, got, differs, "a drawn input"))
                return False
            return True
        if self.examples <= 0:
            return None
        if _hypothesis():
            from .draws import run_hypothesis
            run_hypothesis(check, self.examples)
        else:
            from .draws import RandomDraws
            rng = random.Random(self.seed)
            for _ in range(self.examples):
                if not check(RandomDraws(rng)):
                    break
        return found[-1] if found else None

    def diagnose(self, ex, spec, seen):
        """The plants of the bug library whose numbers are the learner's on every input seen."""
        found, ids = [], set()
        for plant in mutants.plants_for(self.twin, ex.module, ex.name):
            mutant = mutants.mutant_module(self.reference[ex.module], plant)
            if all(self._same(spec, case, got, mutant) for case, got in seen) and plant.id not in ids:
                ids.add(plant.id)
                found.append(mutants.diagnosis(plant))
        return found

    def _same(self, spec, case, got, mutant):
        mine = self.run(spec, mutant, case)
        if got.error or mine.error:
            return bool(got.error and mine.error and got.error[0] == mine.error[0])
        ref = spec.run(self.reference[spec.module], case, self.T)
        try:
            if flatten(mine.value)[0] == flatten(ref)[0]:
                bound = bound_for(spec, case, mine.value, self.T)       # the reference's bound, at the mutant's size
                if not isinstance(bound, list) or len(bound) == len(flatten(mine.value)[1]):
                    return compare(mine.value, got.value, bound) is None
        except Exception:
            pass
        m = flatten(mine.value)[1]                # another shape: within 64 EPS of the mutant's own scale
        scale = max([abs(v) for v in m if math.isfinite(v)] + [0.0])
        return compare(mine.value, got.value, [64 * 2.0 ** -52 * (abs(v) + scale) if math.isfinite(v) else 0.0
                                               for v in m]) is None


def _has(module, qualname):
    obj = module
    for part in qualname.split("."):
        obj = getattr(obj, part, None)
    return obj is not None


def _show(case):
    parts = []
    for k, v in case.items():
        text = repr(v)
        parts.append("%s=%s" % (k, text if len(text) <= 40 else text[:37] + "..."))
    return ", ".join(parts)


def _hypothesis():
    try:
        import hypothesis  # noqa: F401
        return True
    except ImportError:
        return False


def main(argv=None):
    parser = argparse.ArgumentParser(prog="twin_nn.exercises.grading")
    parser.add_argument("workdir")
    parser.add_argument("--twin", choices=("scalar", "vector"), required=True)
    parser.add_argument("--chapters", type=int, nargs="*")
    parser.add_argument("--only")
    parser.add_argument("--examples", type=int, default=25)
    parser.add_argument("--no-assembled", action="store_true")
    args = parser.parse_args(argv)
    channel, sys.stdout = sys.stdout, sys.stderr          # the learner's prints (and Hypothesis's) go to stderr
    grader = Grader(os.path.abspath(args.workdir), args.twin, args.examples)
    channel.write(json.dumps({"kind": "start"}) + "\n")       # set up: what ends the process now is the learner's
    channel.flush()
    for ex in markers.exercises(args.twin, args.chapters):
        if args.only and args.only not in (ex.name, ex.name.split(".")[-1], ex.number):
            continue
        result = grader.grade(ex)
        grader.results[(ex.module, ex.name)] = result["status"]
        channel.write(json.dumps(dict(result, kind="function")) + "\n")
        channel.flush()
    if not args.no_assembled and not args.only:
        from .assembled import assembled_run
        channel.write(json.dumps(dict(assembled_run(grader), kind="assembled")) + "\n")
    channel.write(json.dumps({"kind": "done"}) + "\n")
    channel.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
