"""A correct loss_and_grads in NumPy, written differently from twin-nn's: einsum, one-hot by np.eye,
expit/log-sigmoid from np.logaddexp, backprop through a list of layer closures."""
import numpy as np

SUPPORTS = {"hidden": ["sigmoid", "tanh", "relu", "swish", "linear"],
            "pairs": [["linear", "mse"], ["sigmoid", "mse"], ["sigmoid", "bce"], ["softmax", "cross_entropy"]],
            "l2": True, "intermediates": True, "dropout": True}

ACT = {
    "sigmoid": (lambda z: np.exp(-np.logaddexp(0.0, -z)),
                lambda z: np.exp(-np.logaddexp(0.0, -z) - np.logaddexp(0.0, z))),
    "tanh": (np.tanh, lambda z: 1.0 / np.cosh(z) ** 2),
    "relu": (lambda z: z * (z > 0), lambda z: (z > 0) * 1.0),
    "swish": (lambda z: z * np.exp(-np.logaddexp(0.0, -z)),
              lambda z: np.exp(-np.logaddexp(0.0, -z)) * (1 + z * np.exp(-np.logaddexp(0.0, z)))),
    "linear": (lambda z: z, lambda z: np.ones_like(z)),
}


def loss_and_grads(params, X, Y, config):
    L = len(config["sizes"]) - 1
    f, fp = ACT[config["hidden"]]
    inter, acts, pre = {}, [X], []
    for k in range(1, L + 1):
        z = np.einsum("mi,ij->mj", acts[-1], params["W%d" % k]) + params["b%d" % k][None, :]
        pre.append(z)
        inter["Z%d" % k] = z
        if k < L:
            keep = np.asarray(config["masks"][k - 1]) / (1 - config["dropout"]) if "masks" in config else 1.0
            acts.append(f(z) * keep)
            inter["A%d" % k] = acts[-1]
    z = pre[-1]
    m = X.shape[0]
    if config["loss"] == "cross_entropy":
        lse = np.logaddexp.reduce(z, axis=1)
        onehot = np.eye(z.shape[1])[np.asarray(Y)]
        loss = np.mean(lse - np.einsum("mj,mj->m", z, onehot))
        delta = (np.exp(z - lse[:, None]) - onehot) / m
    elif config["output"] == "linear":
        loss = np.mean(np.square(z - Y))
        delta = 2 * (z - Y) / z.size
    elif config["loss"] == "mse":
        p = ACT["sigmoid"][0](z)
        loss = np.mean(np.square(p - Y))
        delta = 2 * (p - Y) * ACT["sigmoid"][1](z) / z.size
    else:
        loss = np.mean(Y * np.logaddexp(0.0, -z) + (1 - Y) * np.logaddexp(0.0, z))
        delta = (ACT["sigmoid"][0](z) - Y) / z.size
    loss = float(loss) + sum(config["l2"] / 2 * np.vdot(params["W%d" % k], params["W%d" % k]) +
                             config["l2_bias"] / 2 * np.vdot(params["b%d" % k], params["b%d" % k])
                             for k in range(1, L + 1))
    grads = {}
    for k in range(L, 0, -1):
        inter["dZ%d" % k] = delta
        grads["W%d" % k] = np.einsum("mi,mj->ij", acts[k - 1], delta) + config["l2"] * params["W%d" % k]
        grads["b%d" % k] = np.einsum("mj->j", delta) + config["l2_bias"] * params["b%d" % k]
        if k > 1:
            keep = np.asarray(config["masks"][k - 2]) / (1 - config["dropout"]) if "masks" in config else 1.0
            delta = np.einsum("mj,ij->mi", delta, params["W%d" % k]) * keep * fp(pre[k - 2])
    return loss, grads, inter


def step(params, grads, state, config):
    """Level 2: SGD (momentum, dampening, decay) or Adam, returning new dicts (inputs untouched)."""
    s = state["steps"]
    lr = config["lr"] / (1.0 + config.get("decay", 0.0) * s)
    new = {"steps": s + 1}
    if config["optimizer"] == "sgd":
        mu, d = config.get("momentum", 0.0), config.get("dampening", 0.0)
        if not mu:
            return {k: p - lr * grads[k] for k, p in params.items()}, new
        new["v"] = {k: mu * state["v"][k] + (1.0 - d) * grads[k] for k in params}
        return {k: p - lr * new["v"][k] for k, p in params.items()}, new
    b1, b2, eps = config["beta1"], config["beta2"], config["eps"]
    new["m"] = {k: b1 * state["m"][k] + (1 - b1) * grads[k] for k in params}
    new["v"] = {k: b2 * state["v"][k] + (1 - b2) * np.square(grads[k]) for k in params}
    c1, c2 = 1 - b1 ** (s + 1), 1 - b2 ** (s + 1)
    return {k: p - lr * (new["m"][k] / c1) / (np.sqrt(new["v"][k] / c2) + eps) for k, p in params.items()}, new
