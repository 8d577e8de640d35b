"""The level-2 bug library: the optimizer's mistakes, plantable in a reference-shaped ``step``.

``step(params, grads, state, config, bug=None)`` is docs/CONVENTIONS.md
sections 8 and 9 written the way a learner writes them; ``bug`` switches one
mistake on.  The state is ``{"steps": s, "v": {...}}`` for SGD with momentum
and ``{"steps": s, "m": {...}, "v": {...}}`` for Adam, with s the number of
steps already taken (docs/CHECK.md, level 2).
"""

from .bugs import Bug

_B = [
    Bug("update-sign-flipped", "bug", "the update moves along the gradient: P <- P + lr g climbs the loss; it "
        "is P <- P - lr_s g (or - lr_s v, - lr_s mhat / (sqrt(vhat) + eps))", "the update", 9, "optim.SGD.step"),
    Bug("momentum-first-step-undampened", "convention", "your momentum is twin-nn's under PyTorch's rule: "
        "torch.optim.SGD sets v = g on the first step; twin-nn takes v = mu v + (1 - d) g from v = 0, also on "
        "the first step", "v at step 1", 9, "optim.SGD.step"),
    Bug("decay-counted-from-one", "bug", "the learning-rate decay counts steps from 1: lr_s = lr0 / (1 + decay s) "
        "with s the number of steps already taken, 0 on the first step", "lr_s", 8, "optim.lr_at"),
    Bug("adam-no-bias-correction", "bug", "Adam without bias correction: mhat = m / (1 - b1^t) and "
        "vhat = v / (1 - b2^t), t = s + 1, are what the update uses", "mhat, vhat", 9, "optim.Adam.step"),
    Bug("adam-eps-inside-sqrt", "bug", "eps is inside the square root: the update is "
        "mhat / (sqrt(vhat) + eps), eps after the root", "the Adam update", 9, "optim.Adam.step"),
]
BUGS = {b.id: b for b in _B}


def applies(bug, config):
    """Can ``bug`` change the numbers of the optimizer ``config``?"""
    name = config["optimizer"]
    if bug == "momentum-first-step-undampened":
        return name == "sgd" and config.get("momentum", 0.0) > 0 and config.get("dampening", 0.0) > 0
    if bug == "decay-counted-from-one":
        return config.get("decay", 0.0) > 0
    if bug.startswith("adam-"):
        return name == "adam"
    return True


def variants(config):
    """The level-2 bug ids that can show on ``config``."""
    return [b.id for b in _B if applies(b.id, config)]


def step(params, grads, state, config, bug=None):
    """(params after, state after) of one optimizer step, with ``bug`` planted (twin-nn's when None)."""
    import numpy as np
    s = int(state.get("steps", 0))
    decay = config.get("decay", 0.0)
    lr = config["lr"] / (1.0 + decay * (s + 1 if bug == "decay-counted-from-one" else s))
    sign = -1.0 if bug == "update-sign-flipped" else 1.0
    P = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    g = {k: np.asarray(v, dtype=np.float64) for k, v in grads.items()}
    new = {"steps": s + 1}
    if config["optimizer"] == "sgd":
        mu, d = config.get("momentum", 0.0), config.get("dampening", 0.0)
        if mu == 0.0:
            return {k: P[k] - sign * lr * g[k] for k in P}, new
        v_old = {k: np.asarray(state["v"][k], dtype=np.float64) for k in P} if "v" in state else \
            {k: np.zeros_like(P[k]) for k in P}
        if bug == "momentum-first-step-undampened" and s == 0:
            v = {k: g[k].copy() for k in P}
        else:
            v = {k: mu * v_old[k] + (1.0 - d) * g[k] for k in P}
        new["v"] = v
        return {k: P[k] - sign * lr * v[k] for k in P}, new
    b1, b2, eps = config.get("beta1", 0.9), config.get("beta2", 0.999), config.get("eps", 1e-8)
    t = s + 1
    m = {k: b1 * np.asarray(state["m"][k]) + (1.0 - b1) * g[k] for k in P}
    v = {k: b2 * np.asarray(state["v"][k]) + (1.0 - b2) * g[k] * g[k] for k in P}
    c1, c2 = (1.0, 1.0) if bug == "adam-no-bias-correction" else (1.0 - b1 ** t, 1.0 - b2 ** t)
    out = {}
    for k in P:
        mhat, vhat = m[k] / c1, v[k] / c2
        denom = np.sqrt(vhat + eps) if bug == "adam-eps-inside-sqrt" else np.sqrt(vhat) + eps
        out[k] = P[k] - sign * lr * mhat / denom
    new["m"], new["v"] = m, v
    return out, new
