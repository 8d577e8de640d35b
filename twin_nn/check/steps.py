"""The lockstep inputs of a case and twin-nn's answers to them.

Step t gives the learner twin-nn's parameters after t - 1 steps of plain SGD
(``config["lr"]``) on the case's rows, so each step's difference is that
step's own (as the parity suite's lockstep mode).  Everything here is
deterministic: the runner subprocess and the parent build the same inputs.
"""

from .cases import BY_NAME, CASES, applicable


def resolve_cases(names, supports, steps=None):
    """The cases to run for this learner: ``names`` (or every case SUPPORTS allows), adapted, ``steps`` set."""
    chosen = [BY_NAME[n] for n in names] if names else list(CASES)
    out = []
    for case in chosen:
        c = applicable(case, supports)
        if c is None:
            continue
        out.append(c._replace(steps=steps) if steps else c)
    return out


def reference_net(case, params):
    """twin-nn's plain vector twin with ``params``."""
    import vector_nn.mlp
    return vector_nn.mlp.MLP.from_params(params, hidden=case.hidden, output=case.output, loss=case.loss,
                                         l2=case.l2, l2_bias=case.l2_bias, dropout=case.dropout)


def reference(case, params, X, Y, masks=None):
    """twin-nn's (loss, grads as float64 arrays) at ``params`` on (X, Y), with the step's dropout ``masks``."""
    import numpy as np
    net = reference_net(case, params)
    Yv = np.array(Y, dtype=np.int64) if case.loss == "cross_entropy" else np.array(Y, dtype=np.float64)
    with np.errstate(over="ignore"):
        loss, grads = net.loss_and_grads(np.array(X, dtype=np.float64), Yv,
                                         masks=None if masks is None else [np.array(M) for M in masks])
    return float(loss), {k: np.array(v, dtype=np.float64) for k, v in grads.items()}


def lockstep_inputs(case, with_reference=False):
    """[{"params", "X", "Y", "config"[, "loss", "grads"]}] for steps 1..case.steps (lists, exact floats)."""
    import numpy as np
    from .cases import config_of, initial_params, make_data, masks_of
    X, Y = make_data(case)
    params = {k: np.array(v, dtype=np.float64) for k, v in initial_params(case).items()}
    out = []
    for t in range(1, case.steps + 1):
        masks = masks_of(case, t)
        loss, grads = reference(case, params, X, Y, masks)
        item = {"params": {k: v.tolist() for k, v in params.items()}, "X": X, "Y": Y,
                "config": config_of(case)}
        if masks is not None:
            item["config"]["masks"] = masks
        if with_reference:
            item["loss"], item["grads"] = loss, grads
        out.append(item)
        params = {k: v - case.lr * grads[k] for k, v in params.items()}
    return out
