"""Level 2 of ``twin-nn check``: the learner's optimizer ``step(params, grads, state, config)``.

Each level-2 case takes a level-1 case's net and data and an optimizer
(docs/CONVENTIONS.md sections 8 and 9).  At step t the learner gets twin-nn's
parameters, twin-nn's gradients at them and twin-nn's optimizer state before
the step (``{"steps": s, "v": {...}}`` or ``{"steps": s, "m": {...}, "v": {...}}``,
zeros at s = 0), so each step is checked on its own; it returns
``(params, state)`` after the step.  twin-nn's answer is ``vector_nn.optim``'s.
"""

from collections import namedtuple

from . import optimizer_bugs
from .compare import bound, compare

Case2 = namedtuple("Case2", "name base optimizer steps about")

CASES2 = (
    Case2("sgd-momentum", "sigmoid-mse-3out",
          {"optimizer": "sgd", "lr": 0.5, "momentum": 0.9, "dampening": 0.5, "decay": 0.1}, 3,
          "SGD with momentum 0.9, dampening 0.5, decay 0.1"),
    Case2("adam", "softmax-ce", {"optimizer": "adam", "lr": 0.01, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8,
                                 "decay": 0.1}, 3, "Adam, lr 0.01, decay 0.1"),
)
BY_NAME2 = {c.name: c for c in CASES2}


def config_of(case2, base):
    """The level-2 config: the net's and the optimizer's settings, in the conventions' names."""
    from .cases import config_of as net_config
    return dict(net_config(base), **case2.optimizer)


def _twin_step(config, params, grads, state):
    """vector_nn.optim's step from ``state``: (params after, state after) as arrays."""
    import numpy as np
    import vector_nn.optim as optim
    o = dict(config)
    name = o.pop("optimizer")
    keys = ("lr", "momentum", "dampening", "decay") if name == "sgd" else ("lr", "beta1", "beta2", "eps", "decay")
    opt = optim.make_optimizer(name, **{k: o[k] for k in keys if k in o})
    opt.steps = state["steps"]
    for kind in ("m", "v"):
        if kind in state:
            opt.state[kind] = {k: np.array(v, dtype=np.float64) for k, v in state[kind].items()}
    P = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    opt.step(P, grads)
    new = {"steps": opt.steps}
    for kind, per in getattr(opt, "state", {}).items():
        new[kind] = {k: np.array(v) for k, v in per.items()}
    return P, new


def inputs2(case2):
    """[{"params", "grads", "state", "config", "after", "state_after"}] for steps 1..case2.steps (twin-nn's)."""
    import numpy as np
    from .cases import BY_NAME, initial_params, make_data
    from .steps import reference
    base = BY_NAME[case2.base]
    config = config_of(case2, base)
    X, Y = make_data(base)
    params = {k: np.array(v, dtype=np.float64) for k, v in initial_params(base).items()}
    state = {"steps": 0}
    if config["optimizer"] == "adam":
        state.update(m={k: np.zeros_like(v) for k, v in params.items()}, v={k: np.zeros_like(v) for k, v in params.items()})
    elif config.get("momentum", 0.0) > 0:
        state["v"] = {k: np.zeros_like(v) for k, v in params.items()}
    out = []
    for _ in range(case2.steps):
        _, grads = reference(base, params, X, Y)
        after, state_after = _twin_step(config, params, grads, state)
        out.append({"params": params, "grads": grads, "state": state, "config": config,
                    "after": after, "state_after": state_after, "base": base})
        params, state = after, state_after
    return out


def run_step_function(fn, arrays, encode, to_learner, roots, trimmed, names=None, steps=None):
    """The runner's side: the level-2 cases (``names``, default all) through the learner's ``step``.

    Updating ``params`` in place is fine at level 2 (twin-nn's optimizers do);
    changing ``grads`` is reported.
    """
    import copy

    from .runner import snapshot
    report = []
    for case2 in [BY_NAME2[n] for n in names] if names else CASES2:
        case2 = case2._replace(steps=steps) if steps else case2
        entry = {"case": case2.name, "steps": [], "n_steps": case2.steps}
        report.append(entry)
        for inp in inputs2(case2):
            def conv(d):
                return {k: to_learner(v.tolist(), arrays) for k, v in d.items()}
            params, grads = conv(inp["params"]), conv(inp["grads"])
            state = {"steps": inp["state"]["steps"]}
            state.update({kind: conv(per) for kind, per in inp["state"].items() if kind != "steps"})
            seen = [{k: snapshot(v) for k, v in d.items()} for d in (params, grads)]
            try:
                result = fn(params, grads, state, copy.deepcopy(inp["config"]))
                if not isinstance(result, tuple) or len(result) != 2 or not isinstance(result[0], dict) \
                        or not isinstance(result[1], dict):
                    raise TypeError("step must return (params, state), two dicts")
                answer = {"params": {k: encode(v) for k, v in result[0].items()},
                          "state": {kind: {k: encode(v) for k, v in per.items()}
                                    for kind, per in result[1].items() if isinstance(per, dict)}}
            except BaseException as exc:
                msg = str(exc) if isinstance(exc, TypeError) and str(exc).startswith("step must") \
                    else trimmed(exc, roots)
                entry["error"] = {"message": msg}
                break
            answer["mutated"] = ["%s[%r]" % (what, k) for what, d, before in zip(("params", "grads"), (params, grads), seen)
                                 for k in before if snapshot(d[k]) != before[k]]
            entry["steps"].append(answer)
    return report


def evaluate2(answer, level2):
    """Add the level-2 cases to ``answer`` (verdict, first divergence and diagnosis if none came before)."""
    for rep in level2:
        case2 = BY_NAME2[rep["case"]]._replace(steps=rep["n_steps"])
        inputs = inputs2(case2)
        res = {"name": case2.name, "level": 2, "sizes": inputs[0]["base"].sizes, "optimizer": case2.optimizer,
               "steps": case2.steps, "verdict": "agrees", "steps_agreed": 0, "float32": False,
               "hidden": inputs[0]["base"].hidden, "output": inputs[0]["base"].output,
               "loss": inputs[0]["base"].loss, "m": inputs[0]["base"].m, "l2": inputs[0]["base"].l2}
        answer["cases"].append(res)
        eps = bound(inputs[0]["base"])
        for t, ans in enumerate(rep["steps"], start=1):
            inp = inputs[t - 1]
            problem = _structure(inp, ans)
            if problem:
                res.update(verdict="error", error=problem)
                if answer["verdict"] == "agrees":
                    answer.update(verdict="error", error="case %s, step %d: %s" % (case2.name, t, problem))
                break
            records = _records((inp["after"], inp["state_after"]), _yours(ans), eps)
            mutated = [m for m in ans.get("mutated", []) if m.startswith("grads")]
            if mutated and answer["verdict"] == "agrees":
                answer["diagnosis"].append({"id": "mutated-input", "kind": "finding", "where": ", ".join(mutated),
                                            "message": "your step changed %s in place" % ", ".join(mutated)})
            if all(r["ok"] for r in records):
                res["steps_agreed"] = t
                continue
            res["verdict"] = "diverges"
            if answer["verdict"] == "agrees":
                answer["verdict"] = "diverges"
                first = next(r for r in records if not r["ok"])
                answer["first_divergence"] = dict(
                    {k: first.get(k) for k in ("quantity", "index", "yours", "ours", "ratio", "ulps",
                                               "bound_ulps", "allowed")}, case=case2.name, step=t)
                bad = [r["quantity"] for r in records if not r["ok"]]
                answer["localisation"] = "the optimizer step: %s differ%s (sections 8 and 9; optim.py)" % (
                    ", ".join(bad[:4]) + (" ..." if len(bad) > 4 else ""), "s" if len(bad) == 1 else "")
                answer["diagnosis"] += _oracle(inp, ans, eps)
            break
        if rep.get("error") and res["verdict"] == "agrees":
            res.update(verdict="error", error=rep["error"]["message"])
            if answer["verdict"] == "agrees":
                answer.update(verdict="error", error="case %s, step %d: %s" % (
                    case2.name, len(rep["steps"]) + 1, rep["error"]["message"]))
    return answer


def _arr(flat):
    import numpy as np
    return np.array(flat[0], dtype=np.float64).reshape(flat[1])


def _structure(inp, ans):
    import numpy as np
    if set(ans["params"]) != set(inp["after"]):
        return "step returned params with keys %s; expected %s" % (sorted(ans["params"]), list(inp["after"]))
    for k, v in inp["after"].items():
        if tuple(ans["params"][k][1]) != v.shape:
            return "step returned params[%r] of shape %s; it has shape %s" % (k, tuple(ans["params"][k][1]), v.shape)
    for kind, per in inp["state_after"].items():
        if kind == "steps":
            continue
        if kind not in ans["state"] or set(ans["state"][kind]) != set(per):
            return "step returned no state[%r] keyed like params (state is {\"steps\": s, %s})" % (
                kind, ", ".join('"%s": {...}' % k for k in inp["state_after"] if k != "steps"))
        for k, v in per.items():
            if tuple(ans["state"][kind][k][1]) != np.shape(v):
                return "state[%r][%r] has shape %s; params[%r] has %s" % (kind, k, tuple(ans["state"][kind][k][1]),
                                                                          k, np.shape(v))
    return None


def _yours(ans):
    """(params, state) arrays of a runner answer."""
    return ({k: _arr(v) for k, v in ans["params"].items()},
            {kind: {k: _arr(v) for k, v in per.items()} for kind, per in ans["state"].items()})


def _records(ref, yours, eps):
    """Records for params after, then each state kind (each its own scale group): ``ref`` against ``yours``."""
    out = []
    names = list(ref[0])
    for r in compare(dict(ref[0]), yours[0], names, eps):
        r["quantity"] = "%s after the step" % r["name"]
        out.append(r)
    for kind, per in ref[1].items():
        if kind == "steps":
            continue
        for r in compare(dict(per), yours[1][kind], names, eps):
            r["quantity"] = "state %s[%s]" % (kind, r["name"])
            out.append(r)
    return out


def _oracle(inp, ans, eps):
    """The level-2 library entries that reproduce the learner's step (and change twin-nn's)."""
    import numpy as np
    from .diagnose import cite
    found = []
    yours = _yours(ans)
    ref = (inp["after"], inp["state_after"])
    for bug in optimizer_bugs.variants(inp["config"]):
        with np.errstate(all="ignore"):
            mutant = optimizer_bugs.step(inp["params"], inp["grads"], inp["state"], inp["config"], bug)
        if set(mutant[1]) != set(ref[1]) or all(r["ok"] for r in _records(ref, mutant, eps)):
            continue
        if all(r["ok"] for r in _records(mutant, yours, eps)):
            b = optimizer_bugs.BUGS[bug]
            found.append({"id": bug, "kind": b.kind, "where": b.where, "message": "%s%s %s" % (
                "your numbers are twin-nn's under another convention: " if b.kind == "convention" else "",
                b.message, cite(b))})
    if len(found) > 1:
        found.append({"id": "ambiguous", "kind": "finding", "where": "", "message": "%d candidates explain these "
                      "numbers equally well: %s" % (len(found), ", ".join(f["id"] for f in found))})
    return found


def _flat(v):
    import numpy as np
    a = np.asarray(v, dtype=np.float64)
    return [float(x) for x in a.ravel()], list(a.shape), "float64"
