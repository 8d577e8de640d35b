"""Assembled: the learner's functions plugged into the reference network, run in lockstep with it.

When every exercise of a chapter passes alone, its functions replace the
reference's inside the twin's own package (every module-level name and
table entry that held the reference function, and the optimizers' ``step``),
and the parity machinery compares a few training steps of that network with
the untouched reference, step by step (lockstep: before each step the
learner's network is given the reference's parameters, running statistics
and optimizer state, so each step's difference is that step's own), within
the parity suite's lockstep bound.  The reference is recorded first and the
package restored afterwards; all of this happens in the grader's subprocess.
"""

import copy
import types

from . import markers

RESULT = "your functions, assembled, train the same network as the reference, step for step"


def _parity():
    """The installed parity machinery (``twin_nn.parity``), imported when an assembled run needs it."""
    from twin_nn import parity
    return parity


def cases(parity):
    """Small non-square nets that run every chapter's functions: four hidden activations, the four
    output/loss pairs, dropout, L2, BatchNorm, SGD with momentum, dampening and decay, Adam."""
    C = parity.Config
    return [
        C("yours", [3, 4, 3], "sigmoid", "sigmoid", "mse", batch=5, rows=10, steps=3,
          opt=("sgd", {"lr": 0.5, "momentum": 0.9, "dampening": 0.5, "decay": 0.01})),
        C("yours", [3, 5, 3], "tanh", "softmax", "cross_entropy", batch=5, rows=10, steps=3,
          net={"dropout": 0.25, "l2": 0.01, "l2_bias": 0.001}, opt=("adam", {"lr": 0.01, "decay": 0.1})),
        C("yours", [3, 4, 4, 2], "swish", "sigmoid", "bce", batch=5, rows=10, steps=3,
          net={"batchnorm": True}, opt=("sgd", {"lr": 0.1})),
        C("yours", [2, 3, 1], "relu", "linear", "mse", batch=4, steps=3, opt=("sgd", {"lr": 0.1})),
    ]


def complete_chapters(grader):
    """The modules whose every exercise was graded and passes."""
    out = []
    for module in markers.MODULES:
        if module == "network221":          # its own small class: the MLP's runs do not use it
            continue
        names = [e.name for e in markers.exercises(grader.twin) if e.module == module]
        status = [grader.results.get((module, n)) for n in names]
        if names and all(s == "pass" for s in status):
            out.append(module)
    return out


def plug(grader, modules, package_modules):
    """Put the learner's functions of ``modules`` into the reference package; return what to undo."""
    undo = []
    for module in modules:
        learner, reference = grader.learner[module], grader.reference[module]
        for ex in markers.find_exercises(markers.module_source(reference), module):
            if "." in ex.name:
                cls_name, method = ex.name.split(".")
                cls = getattr(reference, cls_name)
                undo.append((cls, method, vars(cls)[method]))
                setattr(cls, method, vars(getattr(learner, cls_name))[method])
                continue
            old, new = getattr(reference, ex.name), getattr(learner, ex.name)
            for mod in package_modules:
                for key, value in list(vars(mod).items()):
                    if value is old:
                        undo.append((mod, key, value))
                        setattr(mod, key, new)
                    elif isinstance(value, dict):           # tables such as ACTIVATIONS
                        for k, v in list(value.items()):
                            if v is old or (isinstance(v, tuple) and old in v):
                                undo.append((value, k, v))
                                value[k] = new if v is old else tuple(new if f is old else f for f in v)
    return undo


def unplug(undo):
    for target, key, value in reversed(undo):
        if isinstance(target, dict):
            target[key] = value
        else:
            setattr(target, key, value)


def _snapshot(net, opt):
    return copy.deepcopy((net.params, net.buffers, opt.state, opt.steps, net.draws))


def _assign(dst, src):
    if hasattr(dst, "shape"):
        dst[...] = src
    elif dst and isinstance(dst[0], list):
        for d, s in zip(dst, src):
            d[:] = s
    else:
        dst[:] = src


def _restore(net, opt, snap):
    params, buffers, state, steps, draws = snap
    for group, values in ((net.params, params), (net.buffers, buffers)):
        for name, value in values.items():
            _assign(group[name], value)
    for s, per_param in state.items():
        for name, value in per_param.items():
            if name in opt.state.get(s, {}):
                _assign(opt.state[s][name], value)
            else:
                opt.state.setdefault(s, {})[name] = copy.deepcopy(value)
    opt.steps, net.draws = steps, draws


def lockstep(parity, package, cfg, learner_plugged):
    """(first divergence message or None): the reference, recorded, against the plugged package."""
    X, Y = parity.make_data(cfg)
    if package.arrays:
        import numpy as np
        X = np.array(X, dtype=np.float64)
        Y = np.array(Y) if cfg.loss == "cross_entropy" else np.array(Y, dtype=np.float64)
    batches = [parity.batch_indices(cfg, step) for step in range(1, cfg.steps + 1)]
    take = (lambda A, rows: A[rows] if package.arrays else [A[i] for i in rows])
    net, opt = parity.make_net(package, cfg), parity.make_optimizer(package, cfg)
    ref, snaps = parity.Trace("reference"), []
    for step, rows in enumerate(batches, 1):
        snaps.append(_snapshot(net, opt))
        ref.add(step, parity.step_items(net, opt, take(X, rows), take(Y, rows)))
    snaps.append(_snapshot(net, opt))
    ref.final = [("predict", net.predict(X))]
    undo = learner_plugged()
    try:
        net, opt = parity.make_net(package, cfg), parity.make_optimizer(package, cfg)
        yours = parity.Trace("yours")
        for step, rows in enumerate(batches, 1):
            _restore(net, opt, snaps[step - 1])
            yours.add(step, parity.step_items(net, opt, take(X, rows), take(Y, rows)))
        _restore(net, opt, snaps[-1])
        yours.final = [("predict", net.predict(X))]
    finally:
        unplug(undo)
    return parity.first_divergence(ref, yours, parity.lockstep_tolerance(cfg.sizes, cfg.batch), cfg=cfg,
                                   exclude=parity.excluded_labels(cfg), names=("reference", "yours"))


def assembled_run(grader):
    """{"verdict": "agrees" | "diverges" | "error" | "skipped", "chapters", "cases", "message"}."""
    chapters = complete_chapters(grader)
    if not chapters:
        return {"verdict": "skipped", "chapters": [], "cases": [],
                "message": "no chapter the MLP runs on (1 to 6) passes in full yet: the assembled run comes when one does"}
    try:
        import numpy  # noqa: F401  (the harness compares traces as arrays)
        parity = _parity()
    except ImportError as exc:
        return {"verdict": "skipped", "chapters": chapters, "cases": [],
                "message": "the parity harness needs NumPy (%s): run the check under CPython with NumPy" % exc}
    if grader.twin == "scalar":
        import scalar_nn.mlp as mlp
        import scalar_nn.optim as optim
    else:
        import vector_nn.mlp as mlp
        import vector_nn.optim as optim
    package = types.SimpleNamespace(mlp=mlp, optim=optim, arrays=grader.twin == "vector")
    package_modules = list(grader.reference.values()) + [mlp]
    out = []
    for cfg in cases(parity):
        try:
            msg = lockstep(parity, package, cfg, lambda: plug(grader, chapters, package_modules))
        except Exception as exc:
            from .grading import trimmed
            out.append({"case": cfg.id, "verdict": "error", "message": trimmed(exc, grader.files) or repr(exc)})
            continue
        out.append({"case": cfg.id, "verdict": "diverges" if msg else "agrees", "message": msg or ""})
    verdicts = [c["verdict"] for c in out]
    verdict = "error" if "error" in verdicts else "diverges" if "diverges" in verdicts else "agrees"
    steps = sum(c.steps for c in cases(parity))
    message = ("%s (%d cases, %d steps in lockstep, every quantity within the parity suite's bound)" % (
        RESULT, len(out), steps)) if verdict == "agrees" else next(c["message"] for c in out if c["verdict"] != "agrees")
    return {"verdict": verdict, "chapters": chapters, "cases": out, "message": message}
