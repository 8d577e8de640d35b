"""A correct loss_and_grads in NumPy, written differently from twin-nn's: einsum, one-hot by np.eye,
expit/log-sigmoid from np.logaddexp, backprop through a list of layer closures."""
import numpy as np

SUPPORTS = {"hidden": ["sigmoid", "tanh", "relu", "swish", "linear"],
            "pairs": [["linear", "mse"], ["sigmoid", "mse"], ["sigmoid", "bce"], ["softmax", "cross_entropy"]],
            "l2": True, "intermediates": True}

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
            acts.append(f(z))
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
            delta = np.einsum("mj,ij->mi", delta, params["W%d" % k]) * fp(pre[k - 2])
    return loss, grads, inter
