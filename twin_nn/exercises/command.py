"""``twin-nn exercise start DIR`` and ``twin-nn exercise check DIR``: the command line of the exercises.

``start`` writes a workspace from the installed lesson's source (markers.py):
one stub file per lesson module, a README, and ``twin-nn-exercises.json``
(which twin, which chapters).  ``check`` copies the workspace's files to a
temporary folder and grades them there in a subprocess with a time limit
(grading.py), one JSON line per function, then renders the answer.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

from . import markers

MANIFEST = "twin-nn-exercises.json"
TOUR = {"network221": "02-backprop-by-hand.md", "linalg": "03-scalars-to-matrices.md", "activations": "10-questions-and-answers.md",
        "losses": "04-losses-and-shortcuts.md", "layers": "03-scalars-to-matrices.md", "optim": "05-training.md",
        "mlp": "03-scalars-to-matrices.md"}
TOUR_OF = {"Network221._forward": "01-neuron-and-forward.md", "sigmoid": "01-neuron-and-forward.md", "sigmoid_prime": "02-backprop-by-hand.md",
           "swish": "07-overclock.md", "dropout_forward": "06-generalization.md",
           "dropout_backward": "06-generalization.md", "batchnorm_forward": "06-generalization.md",
           "batchnorm_backward": "06-generalization.md", "MLP.l2_penalty": "06-generalization.md"}
SECTION = {"network221": 7, "linalg": 1, "activations": 3, "losses": 4, "layers": 7, "optim": 9, "mlp": 7}       # docs/CONVENTIONS.md
SECTION_OF = {"Network221._forward": 2, "affine_forward": 2, "dropout_forward": 6, "dropout_backward": 6, "batchnorm_forward": 12,
              "batchnorm_backward": 12, "lr_at": 8, "MLP.l2_penalty": 5}
STATUS_ORDER = ("pass", "fail", "error", "todo")


def register(subparsers):
    """Add ``exercise start`` and ``exercise check`` to the twin-nn parser."""
    p = subparsers.add_parser("exercise", help="write the lesson yourself: a workspace of stubs, graded function by function",
                              description="Write the lesson's functions yourself. `start` writes a workspace of stubs "
                                          "(name, signature and docstring kept); `check` grades each function alone "
                                          "against the reference and names known mistakes. See docs/EXERCISES.md.")
    sub = p.add_subparsers(dest="exercise_command", metavar="ACTION")
    sub.required = True
    s = sub.add_parser("start", help="write a workspace of stubs into DIR",
                       description="Write one stub file per lesson module into DIR, with a README giving the order, "
                                   "the commands and where the tour explains each exercise.")
    s.add_argument("dir", metavar="DIR", help="the folder to write (new, or empty)")
    s.add_argument("--twin", choices=("scalar", "vector"), default="scalar",
                   help="scalar: pure Python loops (default); vector: NumPy array code")
    s.add_argument("--chapter", type=int, action="append", choices=range(len(markers.MODULES)),
                   metavar="N", help="only chapter N (repeatable): %s" % ", ".join(
                       "%d %s" % (i, m) for i, m in enumerate(markers.MODULES)))
    s.add_argument("--force", action="store_true", help="write into a non-empty DIR (its stub files are replaced)")
    s.set_defaults(func=cmd_start)
    c = sub.add_parser("check", help="grade the functions in DIR, each alone, then assembled",
                       description="Grade every exercise in DIR on fixed and drawn inputs, each with the "
                                   "reference's other functions; name the mistake where the bug library knows it. "
                                   "Exit status 0 only when every graded function passes.")
    c.add_argument("dir", metavar="DIR", help="a folder written by twin-nn exercise start")
    c.add_argument("--only", metavar="NAME", help="grade one function (a name such as sigmoid_prime, or 2.2)")
    c.add_argument("--json", action="store_true", help="print the answer as JSON")
    c.add_argument("--examples", type=int, default=25, metavar="N", help="drawn inputs per function (default 25)")
    c.add_argument("--timeout", type=float, default=300.0, metavar="S",
                   help="stop the learner's code after S seconds (default 300)")
    c.set_defaults(func=cmd_check)


# ------------------------------------------------------------------ start
def readme(twin, found):
    """The workspace's README: the order, the commands, where the tour explains each exercise."""
    lines = ["# Exercises: the %s twin, written by you" % twin, "",
             "Each function below raises `NotImplementedError`. Write its body from its docstring (equation and",
             "shapes); every other function, and every helper these files import, is the reference's.",
             "", "    twin-nn exercise check .                 grade everything",
             "    twin-nn exercise check . --only sigmoid_prime",
             "    twin-nn exercise check . --json", "",
             "A function is graded alone (the others come from the reference, so nothing cascades): `todo`, `pass`,",
             "`fail` with the mistake named when the bug library knows it, or `error` with your traceback. When a",
             "whole chapter passes, its functions are plugged into the reference network and trained in lockstep",
             "with it. Work in this order:"]
    chapter = None
    for ex in found:
        if ex.chapter != chapter:
            chapter = ex.chapter
            lines += ["", "## Chapter %d: %s.py" % (chapter, ex.module), ""]
        page = TOUR_OF.get(ex.name, TOUR[ex.module])
        lines.append("- %s `%s`: the tour's docs/tour/%s; the math: docs/CONVENTIONS.md section %d" % (
            ex.number, ex.name, page, SECTION_OF.get(ex.name, SECTION[ex.module])))
    lines += ["", "The lesson itself: `%s/` in the installed package; docs/EXERCISES.md explains the grader." %
              markers.PACKAGES[twin], ""]
    return "\n".join(lines)


def cmd_start(args, out):
    chapters = sorted(set(args.chapter or []))
    if os.path.isdir(args.dir) and os.listdir(args.dir) and not args.force:
        raise ValueError("%s is not empty: pick a new folder, or add --force to write over its stubs" % args.dir)
    if os.path.exists(args.dir) and not os.path.isdir(args.dir):
        raise ValueError("%s is a file, not a folder" % args.dir)
    os.makedirs(args.dir, exist_ok=True)
    package = markers.PACKAGES[args.twin]
    found, written = [], []
    for module, mod in markers.lesson_modules(args.twin).items():
        source = markers.module_source(mod)
        here = [e for e in markers.find_exercises(source, module) if not chapters or e.chapter in chapters]
        if not here:
            continue
        header = ("# Exercise workspace: %s/%s.py with its exercises' bodies removed (twin-nn exercise start).\n"
                  % (package, module))
        _write(os.path.join(args.dir, module + ".py"), markers.stub_source(source, here, package, header))
        found += here
        written.append(module + ".py")
    _write(os.path.join(args.dir, "README.md"), readme(args.twin, found))
    _write(os.path.join(args.dir, MANIFEST), json.dumps(
        {"twin": args.twin, "chapters": chapters, "files": written}, indent=1) + "\n")
    out.write("wrote %d exercises (%s twin) into %s: %s, README.md\n" % (len(found), args.twin, args.dir,
                                                                           ", ".join(written)))
    out.write("next: read %s, write %s, then: twin-nn exercise check %s\n" % (
        os.path.join(args.dir, "README.md"), found[0].name if found else "-", args.dir))
    return 0


def _write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


# ------------------------------------------------------------------ check
def manifest(folder):
    path = os.path.join(folder, MANIFEST)
    if not os.path.isfile(path):
        raise ValueError("%s is not an exercise workspace (no %s): run twin-nn exercise start %s" % (
            folder, MANIFEST, folder))
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if data.get("twin") not in markers.PACKAGES:
        raise ValueError("%s: twin must be scalar or vector, not %r" % (path, data.get("twin")))
    return data


def grade(folder, only=None, examples=25, timeout=300.0, python=None):
    """Grade a workspace in a subprocess, on a copy: {"twin", "functions": [...], "assembled": {...} or None}."""
    info = manifest(folder)
    twin, chapters = info["twin"], info.get("chapters") or []
    expected = [e for e in markers.exercises(twin, chapters)
                if not only or only in (e.name, e.name.split(".")[-1], e.number)]
    if only and not expected:
        raise ValueError("--only %s: no such exercise (names such as sigmoid_prime, SGD.step, or numbers such as "
                         "2.2)" % only)
    work = tempfile.mkdtemp(prefix="twin-nn-exercise-")
    try:
        for name in os.listdir(folder):
            if name.endswith(".py"):
                shutil.copyfile(os.path.join(folder, name), os.path.join(work, name))
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([root] + [p for p in os.environ.get("PYTHONPATH", "").split(
            os.pathsep) if p]), PYTHONDONTWRITEBYTECODE="1")
        cmd = [python or sys.executable, "-m", "twin_nn.exercises.grading", work, "--twin", twin,
               "--examples", str(examples)] + (["--chapters"] + [str(c) for c in chapters] if chapters else []) + \
            (["--only", only] if only else [])
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=work, env=env,
                                universal_newlines=True)
        timed_out = False
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
            timed_out = True
    finally:
        shutil.rmtree(work, ignore_errors=True)
    records = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
    functions = [r for r in records if r["kind"] == "function"]
    assembled = next((r for r in records if r["kind"] == "assembled"), None)
    ended = not timed_out and not any(r["kind"] == "done" for r in records)
    if ended and (len(functions) == len(expected) or not any(r["kind"] == "start" for r in records)):
        raise ValueError("internal error: the grader stopped (status %s): %s" % (
            proc.returncode, _last_line(stderr)))
    why = "timed out after %g s (an endless loop?)" % timeout if timed_out else \
        "the process running your code ended while running it (status %s): %s" % (proc.returncode, _last_line(stderr))
    for k, ex in enumerate(expected[len(functions):]):
        functions.append({"module": ex.module, "name": ex.name, "number": ex.number, "status": "error",
                          "diagnosis": [], "detail": why if k == 0 else "not graded: the check stopped there"})
    for r in functions + ([assembled] if assembled else []):
        for key in ("detail", "message"):
            if isinstance(r.get(key), str):
                r[key] = r[key].replace(work + os.sep, os.path.join(folder, ""))
        r.pop("kind", None)
    return {"twin": twin, "functions": functions, "assembled": assembled}


def _last_line(text):
    lines = text.strip().splitlines()
    return lines[-1] if lines else "no message"


def render(answer, folder):
    """The text answer: a progress line per chapter, each function's status, diagnoses, the assembled run."""
    fns = answer["functions"]
    lines = ["twin-nn exercise check: %s twin, %s (%d exercises)" % (answer["twin"], folder, len(fns))]
    for module in markers.MODULES:
        mine = [f for f in fns if f["module"] == module]
        if not mine:
            continue
        lines.append("%s: %d of %d pass" % (module, sum(f["status"] == "pass" for f in mine), len(mine)))
        for f in mine:
            lines.append("  %-5s %s %s" % (f["status"], f["number"], f["name"]))
            if f["status"] in ("fail", "error"):
                lines += ["        " + line for line in f["detail"].splitlines()]
            for d in f["diagnosis"]:
                lines.append("        diagnosis %s: %s" % (d["id"], d["message"]))
            if f["status"] == "fail" and not f["diagnosis"]:
                lines.append("        (no known mistake of the bug library gives your numbers)")
    a = answer["assembled"]
    if a:
        lines.append("assembled%s: %s%s" % (" (%s)" % ", ".join(a["chapters"]) if a["chapters"] else "",
                                            "" if a["verdict"] == "agrees" else a["verdict"] + ": ", a["message"]))
    counts = {s: sum(f["status"] == s for f in fns) for s in STATUS_ORDER}
    lines.append("total: %d of %d pass; %s" % (counts["pass"], len(fns), ", ".join(
        "%d %s" % (counts[s], s) for s in STATUS_ORDER[1:])))
    return "\n".join(lines) + "\n"


def cmd_check(args, out):
    if not os.path.isdir(args.dir):
        raise ValueError("%s is not a folder: run twin-nn exercise start %s first" % (args.dir, args.dir))
    if args.examples < 0 or args.timeout <= 0:
        raise ValueError("--examples must be >= 0 and --timeout > 0")
    answer = grade(args.dir, args.only, args.examples, args.timeout)
    if args.json:
        out.write(json.dumps({"functions": [{k: f[k] for k in ("module", "name", "number", "status", "diagnosis",
                                                                 "detail")} for f in answer["functions"]],
                              "assembled": answer["assembled"]}, indent=1) + "\n")
    else:
        out.write(render(answer, args.dir))
    ok = all(f["status"] == "pass" for f in answer["functions"])
    return 0 if ok and (answer["assembled"] or {}).get("verdict") in (None, "agrees", "skipped") else 1
