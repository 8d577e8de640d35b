"""``run``: check a learner's ``loss_and_grads`` against twin-nn and return the answer as a dict.

The learner's code runs in a subprocess (``runner.py``) with a timeout, on
copies; this process rebuilds the same lockstep inputs, computes twin-nn's
answers, compares step by step in causal order and diagnoses the first
divergence (``diagnose.py``).  The dict is the ``--json`` contract of
docs/CHECK.md; ``report.text`` renders it for people.
"""

import json
import os
import subprocess
import sys
import tempfile
import time

from . import bugs
from .compare import bound, compare, localise, quantities

DEFAULT_TIMEOUT = 120.0


class CheckError(Exception):
    """A problem with the command itself (no such file, unknown case): exit status 2."""


def split_target(target):
    """"path.py:NAME" -> (path.py, NAME); "path.py" -> (path.py, None); a module name stays as it is."""
    path, sep, name = target.rpartition(":")
    if sep and path and not name.startswith(("\\", "/")) and name.isidentifier():
        return path, name
    return target, None


def run_learner(target, name, cases=None, steps=None, timeout=DEFAULT_TIMEOUT):
    """The runner's report (a dict) for the learner's function, or {"load_error": ...} on timeout."""
    path = os.path.abspath(target) if target.endswith(".py") else target
    if target.endswith(".py") and not os.path.isfile(path):
        raise CheckError("no such file: %s" % target)
    roots = [os.path.dirname(path) + os.sep] if target.endswith(".py") else [os.getcwd() + os.sep]
    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([here] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    with tempfile.TemporaryDirectory(prefix="twin-nn-check-") as tmp:
        job_path, out_path = os.path.join(tmp, "job.json"), os.path.join(tmp, "out.json")
        with open(job_path, "w", encoding="utf-8") as f:
            json.dump({"target": path, "name": name, "roots": roots, "cases": cases, "steps": steps}, f)
        try:
            proc = subprocess.run([sys.executable, "-m", "twin_nn.check.runner", job_path, out_path],
                                  env=env, timeout=timeout, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except subprocess.TimeoutExpired:
            return {"load_error": "your code did not finish within %g s (an endless loop? --timeout S "
                                  "gives it longer)" % timeout, "cases": []}
        if not os.path.exists(out_path):
            tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-5:]
            return {"load_error": "your code ended the checking process (exit status %d)%s" % (
                proc.returncode, ": " + " | ".join(tail) if tail else ""), "cases": []}
        with open(out_path, encoding="utf-8") as f:
            return json.load(f)


def run(target, cases=None, steps=None, timeout=DEFAULT_TIMEOUT, name=None):
    """Check ``target`` ("file.py[:NAME]" or a module name); returns the answer dict (docs/CHECK.md).

    ``cases``: case names (default: every case SUPPORTS allows); ``steps``: steps per case (default 3).
    """
    from .cases import BY_NAME, Case
    from .steps import lockstep_inputs
    start = time.perf_counter()
    file_, fn = split_target(target)
    fn = name or fn or "loss_and_grads"
    from .level2 import BY_NAME2
    for c in cases or ():
        if c not in BY_NAME and c not in BY_NAME2:
            raise CheckError("unknown case %r (twin-nn check --list-cases lists them)" % c)
    report = run_learner(file_, fn, cases, steps, timeout)
    answer = {"verdict": "agrees", "target": "%s:%s" % (file_, fn), "cases": [], "first_divergence": None,
              "diagnosis": [], "localisation": None, "error": None}
    if report.get("load_error"):
        answer.update(verdict="error", error=report["load_error"])
        return _done(answer, start)
    if not report["cases"] and not report.get("level2"):
        answer.update(verdict="error", error="no built-in case fits SUPPORTS (pairs %s); see --list-cases"
                      % report["supports"]["pairs"])
        return _done(answer, start)
    items = []
    for entry_ in report["cases"]:
        case = Case(**entry_["case"])
        items.append((case, lockstep_inputs(case, with_reference=True), entry_["steps"], entry_.get("error")))
    evaluate(answer, items)
    if report.get("level2"):
        from .level2 import evaluate2
        evaluate2(answer, report["level2"])
    return _done(answer, start)


def evaluate(answer, items):
    """Fill ``answer`` from ``items`` = [(case, inputs with twin-nn's answers, the learner's answers, error)]."""
    from .diagnose import diagnose, structure
    diverging = []
    for case, inputs, answers, error in items:
        res = {"name": case.name, "sizes": case.sizes, "hidden": case.hidden, "output": case.output,
               "loss": case.loss, "m": case.m, "l2": case.l2, "steps": case.steps, "verdict": "agrees",
               "steps_agreed": 0, "float32": False, "dropout": case.dropout}
        answer["cases"].append(res)
        for t, ans in enumerate(answers, start=1):
            problems, found = structure(case, ans, inputs[t - 1]["params"])
            if problems:
                res.update(verdict="error", error=problems[0])
                if answer["verdict"] != "error":
                    answer.update(verdict="error", error="case %s, step %d: %s" % (case.name, t, problems[0]))
                    answer["diagnosis"] += [d for i, d in enumerate(found) if d["id"] not in
                                            [e["id"] for e in found[:i]]]
                break
            f32 = any(d[2] in ("float32", "float16") for d in list(ans["grads"].values()) + [ans["loss"]])
            res["float32"] = res["float32"] or f32
            eps = bound(case, f32)
            records = _records(case, inputs[t - 1], ans, eps)
            mutated = ans.get("mutated") or []
            if all(r["ok"] for r in records) and not mutated:
                res["steps_agreed"] = t
                continue
            res["verdict"] = "diverges"
            diverging.append((case, inputs, answers, t, eps, records, mutated))
            break
        if error and res["verdict"] == "agrees":
            res.update(verdict="error", error=error["message"])
            if answer["verdict"] != "error":
                answer.update(verdict="error", error="case %s, step %d: %s" % (
                    case.name, len(answers) + 1, error["message"]))
    if diverging:                     # also when another case raised: the divergence still says the most
        if answer["verdict"] == "agrees":
            answer["verdict"] = "diverges"
        case, inputs, answers, t, eps, records, mutated = diverging[0]
        first = next((r for r in records if not r["ok"]), None)
        if first is None:                                 # the numbers agree; the inputs were changed
            answer["first_divergence"] = {"case": case.name, "step": t, "quantity": "inputs changed in place",
                                          "index": None, "yours": None, "ours": None, "ratio": None,
                                          "ulps": None, "bound_ulps": None, "allowed": None}
            answer["localisation"] = "the numbers agree; the function changed its inputs"
        else:
            answer["first_divergence"] = dict(
                {k: first.get(k) for k in ("quantity", "index", "yours", "ours", "ratio", "ulps", "bound_ulps",
                                           "allowed")}, case=case.name, step=t)
            answer["localisation"] = localise(records, len(case.sizes) - 1)
        if mutated:
            answer["diagnosis"].append({"id": "mutated-input", "kind": "finding", "where": ", ".join(mutated),
                                        "message": "your function changed %s in place; it must leave its "
                                                   "inputs as they were (the harness passes copies)"
                                                   % ", ".join(mutated)})
        if not all(r["ok"] for r in records):
            _, diag = diagnose(case, inputs, answers, t, eps)
            answer["diagnosis"] += _confirm(diag, diverging[1:])
    if any(c["float32"] for c in answer["cases"]):
        answer["diagnosis"].append({"id": "float32", "kind": "finding", "where": "dtype",
                                    "message": "your arrays are float32: they were held to a float32 bound "
                                               "(unit roundoff 2**-24, 2**29 times twin-nn's), which hides any "
                                               "difference below about 1e-7 relative"})
    return answer


def _records(case, inp, ans, eps):
    import numpy as np
    from .compare import as_arrays
    yours = as_arrays(ans)
    yours["loss"] = yours["loss"].reshape(())
    ours = dict(inp["grads"], loss=np.array(inp["loss"]))
    return compare(ours, yours, quantities(case.sizes), eps)


def _confirm(diag, others):
    """Keep the library candidates that also explain the other diverging cases where they can show."""
    from .diagnose import diagnose
    named = [d for d in diag if d["kind"] in ("bug", "convention")]
    if len(named) < 2 or not others:
        return diag
    keep = set(d["id"] for d in named)
    for case, inputs, answers, t, eps, records, _ in others:
        if all(r["ok"] for r in records):
            continue
        _, more = diagnose(case, inputs, answers, t, eps)
        ids = set(d["id"] for d in more if d["kind"] in ("bug", "convention"))
        config = inputs[0]["config"]
        keep = {i for i in keep if i in ids or not bugs.applies(i, config)}
    if not keep:
        return diag
    out = [d for d in diag if d["kind"] not in ("bug", "convention") or d["id"] in keep]
    if len(keep) < 2:
        out = [d for d in out if d["id"] != "ambiguous"]
    return out


def _done(answer, start):
    answer["seconds"] = round(time.perf_counter() - start, 3)
    return answer


def exit_status(answer):
    """0 agrees, 1 diverges, 2 error (docs/CHECK.md)."""
    return {"agrees": 0, "diverges": 1, "error": 2}[answer["verdict"]]
