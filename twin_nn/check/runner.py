"""The subprocess side of ``twin-nn check``: load the learner's code once, call it on copies, report.

Run as ``python -m twin_nn.check.runner JOB.json OUT.json``.  The job names
the learner's file (or module) and function, the cases and the steps; the
inputs of every step are rebuilt here from the cases (``steps.lockstep_inputs``,
deterministic, so the parent rebuilds the same).  The learner gets copies in
the form ``SUPPORTS["arrays"]`` asks for; what it returns is written back as
JSON (exact floats: ``repr`` round-trips, inf and NaN included), never pickled.
Anything the learner's code raises is reported with its traceback trimmed to
the learner's own file(s), and the run stops there.
"""

import json
import os
import runpy
import sys
import traceback


def load(target):
    """The learner's globals: ``runpy`` on a file (its folder first on sys.path) or a module name."""
    if target.endswith(".py") or os.path.sep in target:
        path = os.path.abspath(target)
        sys.path.insert(0, os.path.dirname(path))
        return runpy.run_path(path, run_name="learner")
    return runpy.run_module(target, run_name="learner")


def trimmed_traceback(exc, roots):
    """The traceback of ``exc`` keeping only frames in the learner's files (under ``roots``)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__)
              if any(os.path.abspath(f.filename).startswith(r) for r in roots)]
    lines = ["Traceback (your code only):"] if frames else []
    for f in frames:
        lines.append('  File "%s", line %d, in %s' % (f.filename, f.lineno, f.name))
        if f.line:
            lines.append("    " + f.line.strip())
    lines.append("%s: %s" % (type(exc).__name__, exc))
    return "\n".join(lines)


def to_learner(value, arrays, integer=False):
    """A fresh copy of a nested list in the learner's array type."""
    if arrays == "lists":
        return json.loads(json.dumps(value))
    if arrays == "torch":
        import torch
        return torch.tensor(value, dtype=torch.int64 if integer else torch.float64)
    import numpy as np
    return np.array(value, dtype=np.int64 if integer else np.float64)


def from_learner(value):
    """(flat list of floats, shape, dtype name) of whatever the learner returned, or raise TypeError."""
    import numpy as np
    if type(value).__module__.startswith("torch"):
        value = value.detach().cpu().numpy()
    try:
        a = np.asarray(value)
    except Exception as exc:
        raise TypeError("cannot be read as an array (%s)" % exc)
    if a.dtype == object or not (np.issubdtype(a.dtype, np.floating) or np.issubdtype(a.dtype, np.integer)):
        raise TypeError("is %s (dtype %s), not an array of numbers" % (type(value).__name__, a.dtype))
    return [float(x) for x in a.ravel().tolist()], list(a.shape), str(a.dtype)


def snapshot(value):
    """A plain nested-list copy of a learner-visible input, to detect mutation."""
    if type(value).__module__.startswith("torch"):
        return value.detach().cpu().tolist()
    if hasattr(value, "tolist"):
        return value.tolist()
    return json.loads(json.dumps(value))


def _plain(config):
    """The config with its masks as lists (to compare before and after the call)."""
    out = dict(config)
    if isinstance(out.get("masks"), list):
        out["masks"] = [snapshot(M) for M in out["masks"]]
    return json.loads(json.dumps(out))


def encode_output(result, intermediates):
    """The learner's (loss, grads[, intermediates]) as JSON-ready dicts, or raise TypeError/ValueError."""
    if not isinstance(result, tuple) or len(result) not in (2, 3):
        raise TypeError("loss_and_grads must return (loss, grads)%s; it returned %s" % (
            " or (loss, grads, intermediates)" if intermediates else "", _kind(result)))
    loss, grads = result[0], result[1]
    out = {}
    try:
        out["loss"] = from_learner(loss)
    except TypeError as exc:
        raise TypeError("the loss %s" % exc)
    if not isinstance(grads, dict):
        raise TypeError("grads must be a dict keyed like params; it is %s" % _kind(grads))
    out["grads"] = {}
    for name, g in grads.items():
        try:
            out["grads"][str(name)] = from_learner(g)
        except TypeError as exc:
            raise TypeError("grads[%r] %s" % (name, exc))
    if len(result) == 3 and intermediates:
        out["intermediates"] = {}
        for name, v in dict(result[2]).items():
            try:
                out["intermediates"][str(name)] = from_learner(v)
            except TypeError:
                continue
    return out


def _takes_four(fn):
    """Can ``fn`` be called with four positional arguments?"""
    import inspect
    try:
        inspect.signature(fn).bind(1, 2, 3, 4)
    except (TypeError, ValueError):
        return False
    return True


def _kind(x):
    return "a %s" % type(x).__name__


def run_job(job):
    """Everything the parent needs: SUPPORTS, the cases run, and per step the learner's answer."""
    from . import steps
    from .cases import supports_defaults
    report = {"cases": []}
    try:
        env = load(job["target"])
    except BaseException as exc:          # SyntaxError, ImportError, SystemExit from the learner's file
        report["load_error"] = trimmed_traceback(exc, job["roots"])
        return report
    fn = env.get(job["name"])
    step_fn = env.get("step") if job.get("level2", True) else None
    if callable(step_fn) and not _takes_four(step_fn):
        step_fn = None                    # some other "step", not step(params, grads, state, config)
    if callable(step_fn) and not callable(fn) and job["name"] == "loss_and_grads":
        fn = None                         # a file with only the optimizer: level 2 alone
    elif not callable(fn):
        found = sorted(k for k, v in env.items() if callable(v) and not k.startswith("_"))[:12]
        report["load_error"] = "%s defines no function %r (it defines: %s)" % (
            job["target"], job["name"], ", ".join(found) or "nothing callable")
        return report
    if isinstance(fn, type):
        report["load_error"] = ("%s is a class: a whole twin runs the parity suite with pytest parity_tests "
                                "--twin %s:%s (docs/CHECK.md, level 3)" % (job["name"], job["target"], job["name"]))
        return report
    supports = env.get("SUPPORTS")
    if supports is not None and not isinstance(supports, dict):
        report["load_error"] = "SUPPORTS must be a dict; it is %s" % _kind(supports)
        return report
    try:
        supports = supports_defaults(supports)
    except Exception as exc:
        report["load_error"] = "SUPPORTS is malformed: %s" % exc
        return report
    report["supports"] = supports
    arrays = supports["arrays"]
    if arrays == "torch":
        try:
            import torch  # noqa: F401
        except ImportError:
            report["load_error"] = "SUPPORTS['arrays'] is 'torch' but torch is not installed here"
            return report
    from .cases import BY_NAME
    from .level2 import BY_NAME2, run_step_function
    names = job.get("cases") or []
    if callable(step_fn) and (not names or any(n in BY_NAME2 for n in names)):
        report["level2"] = run_step_function(step_fn, arrays, from_learner, to_learner, job["roots"],
                                             trimmed_traceback, [n for n in names if n in BY_NAME2],
                                             job.get("steps"))
    if fn is None or (names and not any(n in BY_NAME for n in names)):
        return report
    for case in steps.resolve_cases([n for n in names if n in BY_NAME], supports, job.get("steps")):
        entry = {"case": case._asdict(), "steps": []}
        report["cases"].append(entry)
        for inp in steps.lockstep_inputs(case):
            params = {k: to_learner(v, arrays) for k, v in inp["params"].items()}
            X = to_learner(inp["X"], arrays)
            Y = to_learner(inp["Y"], arrays, integer=case.loss == "cross_entropy")
            config = json.loads(json.dumps(inp["config"]))
            if "masks" in config:
                config["masks"] = [to_learner(M, arrays) for M in config["masks"]]
            before = {"params": {k: snapshot(v) for k, v in params.items()}, "X": snapshot(X),
                      "Y": snapshot(Y), "config": _plain(config)}
            try:
                result = fn(params, X, Y, config)
                answer = encode_output(result, supports["intermediates"])
            except BaseException as exc:
                if isinstance(exc, (TypeError, ValueError)) and str(exc).startswith(("loss_and_grads must",
                                                                                     "grads", "the loss")):
                    entry["error"] = {"kind": "protocol", "message": str(exc)}
                else:
                    entry["error"] = {"kind": "raised", "message": trimmed_traceback(exc, job["roots"])}
                break
            after = {"params": {k: snapshot(v) for k, v in params.items()} if isinstance(params, dict) else None,
                     "X": snapshot(X), "Y": snapshot(Y), "config": _plain(config)}
            answer["mutated"] = [k for k in ("X", "Y", "config") if after[k] != before[k]]
            answer["mutated"] += ["params[%r]" % k for k in before["params"]
                                  if after["params"] is None or after["params"].get(k) != before["params"][k]]
            entry["steps"].append(answer)
    return report


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    with open(argv[0], encoding="utf-8") as f:
        job = json.load(f)
    sys.stdout = sys.stderr                # the learner's prints go to stderr, which the parent keeps short
    report = run_job(job)
    tmp = argv[1] + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(report, f)
    os.replace(tmp, argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
