"""Golden files: a case's lockstep inputs and twin-nn's answers as JSON, for ports that are not Python.

``write_golden(case, steps, out)`` writes ``step-001.json`` ... one per step::

    {"format": "twin-nn-golden/1", "case": "deep-tanh", "step": 1,
     "config": {"sizes": [...], "hidden": ..., "output": ..., "loss": ..., "l2": ..., "l2_bias": ..., "lr": ...},
     "inputs":   {"params": {"W1": [[...]], "b1": [...], ...}, "X": [[...]], "Y": [[...]] or [class, ...],
                  "masks": []},
     "expected": {"loss": 0.123, "grads": {"W1": [[...]], ...}, "params_after": {"W1": [[...]], ...}}}

Floats are written with Python's ``repr``: the shortest decimal that reads
back as the same float64 (17 significant digits at most), so a C or
JavaScript reader gets the exact bits.  A port answers with one file per
step, of the same name, holding ``{"loss": ..., "grads": {...}}``
(``params_after`` optional); ``check_answers(golden, answers)`` diagnoses it
like ``twin-nn check`` does a Python function.

A level-2 case (an optimizer: ``sgd-momentum``, ``adam``) writes ``"inputs":
{"params", "grads", "state"}`` and ``"expected": {"params_after",
"state_after"}``; its answers hold ``{"params": ..., "state": {...}}``.
"""

import json
import os

FORMAT = "twin-nn-golden/1"


def write_golden(case_name, steps, out):
    """Write the golden files of ``case_name`` for ``steps`` steps into ``out``; return their paths."""
    from .api import CheckError
    from .cases import BY_NAME, config_of
    from .level2 import BY_NAME2
    from .steps import lockstep_inputs
    if case_name not in BY_NAME and case_name not in BY_NAME2:
        raise CheckError("unknown case %r (twin-nn check --list-cases lists them)" % case_name)
    os.makedirs(out, exist_ok=True)
    if case_name in BY_NAME2:
        return _write_level2(BY_NAME2[case_name]._replace(steps=steps), out)
    case = BY_NAME[case_name]._replace(steps=steps)
    inputs = lockstep_inputs(case, with_reference=True)
    paths = []
    for t, inp in enumerate(inputs, start=1):
        after = {k: [list(map(float, r)) if isinstance(r, list) else float(r) for r in v]
                 for k, v in (inputs[t]["params"].items() if t < len(inputs) else
                              _step(inp, case.lr).items())}
        doc = {"format": FORMAT, "case": case.name, "step": t, "config": config_of(case),  # masks: in inputs
               "inputs": {"params": inp["params"], "X": inp["X"], "Y": inp["Y"],
                          "masks": inp["config"].get("masks", [])},
               "expected": {"loss": inp["loss"], "grads": {k: v.tolist() for k, v in inp["grads"].items()},
                            "params_after": after}}
        paths.append(_save(doc, out, t))
    return paths


def _save(doc, out, t):
    """Write one golden file atomically; return its path."""
    path = os.path.join(out, "step-%03d.json" % t)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
    os.replace(tmp, path)
    return path


def _lists(d):
    """{name: array} -> {name: nested lists}; other values as they are."""
    return {k: v.tolist() if hasattr(v, "tolist") else v for k, v in d.items()}


def _state(state):
    return {kind: (_lists(per) if isinstance(per, dict) else per) for kind, per in state.items()}


def _write_level2(case2, out):
    """A level-2 case: inputs params, grads, state; expected params_after, state_after."""
    from .level2 import inputs2
    paths = []
    for t, inp in enumerate(inputs2(case2), start=1):
        doc = {"format": FORMAT, "case": case2.name, "step": t, "config": inp["config"],
               "inputs": {"params": _lists(inp["params"]), "grads": _lists(inp["grads"]),
                          "state": _state(inp["state"])},
               "expected": {"params_after": _lists(inp["after"]), "state_after": _state(inp["state_after"])}}
        paths.append(_save(doc, out, t))
    return paths


def _step(inp, lr):
    """The parameters after plain SGD on twin-nn's grads (the last step's params_after)."""
    import numpy as np
    return {k: (np.array(v) - lr * inp["grads"][k]).tolist() for k, v in inp["params"].items()}


def _load(path, what):
    from .api import CheckError
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        raise CheckError("%s: no such file (%s)" % (path, what))
    except ValueError as exc:
        raise CheckError("%s is not valid JSON: %s" % (path, exc))


def _flat(value, where):
    """A runner-style (flat data, shape, dtype) from a JSON number or nested list."""
    import numpy as np
    from .api import CheckError
    try:
        a = np.array(value, dtype=np.float64)
    except (ValueError, TypeError):
        raise CheckError("%s is not a number or a rectangular nested list of numbers" % where)
    return [float(x) for x in a.ravel()], list(a.shape), "float64"


def check_answers(golden, answers):
    """The check answer (the dict of ``api.run``) for a port's answers to the golden files."""
    import time

    import numpy as np
    from .api import CheckError, evaluate
    from .cases import BY_NAME
    start = time.perf_counter()
    files = sorted(f for f in os.listdir(golden) if f.startswith("step-") and f.endswith(".json")) \
        if os.path.isdir(golden) else []
    if not files:
        raise CheckError("%s holds no golden files (step-001.json ...): write them with twin-nn golden" % golden)
    docs = [_load(os.path.join(golden, f), "golden") for f in files]
    if any(d.get("format") != FORMAT for d in docs):
        raise CheckError("%s: not twin-nn golden files (format %r)" % (golden, docs[0].get("format")))
    missing = [f for f in files if not os.path.exists(os.path.join(answers, f))]
    if missing:
        raise CheckError("%s: missing (one answer file per golden file)" % os.path.join(answers, missing[0]))
    answer = {"verdict": "agrees", "target": "%s (answers to %s)" % (answers, golden), "cases": [],
              "first_divergence": None, "diagnosis": [], "localisation": None, "error": None}
    from .level2 import BY_NAME2, evaluate2
    if docs[0]["case"] in BY_NAME2:
        evaluate2(answer, [_level2_answers(docs[0]["case"], files, answers)])
        answer["seconds"] = round(time.perf_counter() - start, 3)
        return answer
    case = BY_NAME[docs[0]["case"]]
    cfg = docs[0]["config"]
    case = case._replace(steps=len(docs), hidden=cfg["hidden"], l2=cfg["l2"], l2_bias=cfg["l2_bias"])
    inputs, mine, error = [], [], None
    for f, d in zip(files, docs):
        config = dict(d["config"], masks=d["inputs"]["masks"]) if d["inputs"].get("masks") else d["config"]
        inputs.append(dict(d["inputs"], config=config, loss=d["expected"]["loss"],
                           grads={k: np.array(v, dtype=np.float64) for k, v in d["expected"]["grads"].items()}))
        path = os.path.join(answers, f)
        a = _load(path, "answer")
        if not isinstance(a, dict) or "loss" not in a or not isinstance(a.get("grads"), dict):
            error = {"message": "%s must hold {\"loss\": ..., \"grads\": {...}}" % path}
            break
        mine.append({"loss": _flat(a["loss"], "%s: loss" % path),
                     "grads": {k: _flat(v, "%s: grads[%r]" % (path, k)) for k, v in a["grads"].items()},
                     "mutated": []})
    evaluate(answer, [(case, inputs, mine, error)])
    answer["seconds"] = round(time.perf_counter() - start, 3)
    return answer


def _level2_answers(name, files, answers):
    """A port's level-2 answers ({"params": {...}, "state": {"v": {...}, ...}} per step) as a runner report."""
    rep = {"case": name, "n_steps": len(files), "steps": []}
    for f in files:
        path = os.path.join(answers, f)
        a = _load(path, "answer")
        if not isinstance(a, dict) or not isinstance(a.get("params"), dict) or not isinstance(a.get("state"), dict):
            rep["error"] = {"message": "%s must hold {\"params\": {...}, \"state\": {...}}" % path}
            break
        rep["steps"].append({
            "params": {k: _flat(v, "%s: params[%r]" % (path, k)) for k, v in a["params"].items()},
            "state": {kind: {k: _flat(v, "%s: state[%r][%r]" % (path, kind, k)) for k, v in per.items()}
                      for kind, per in a["state"].items() if isinstance(per, dict)}})
    return rep
