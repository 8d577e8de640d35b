"""A correct loss_and_grads in plain Python lists (no NumPy): every hidden activation and pair, with L2."""
import math

SUPPORTS = {"hidden": ["sigmoid", "tanh", "relu", "swish", "linear"],
            "pairs": [["linear", "mse"], ["sigmoid", "mse"], ["sigmoid", "bce"], ["softmax", "cross_entropy"]],
            "l2": True, "arrays": "lists"}


def sig(z):
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


def act(name, z):
    return {"sigmoid": sig, "tanh": math.tanh, "relu": lambda v: max(v, 0.0),
            "swish": lambda v: v * sig(v), "linear": lambda v: v}[name](z)


def act_prime(name, z):
    if name == "sigmoid":
        return sig(z) * (1.0 - sig(z))
    if name == "tanh":
        return 1.0 - math.tanh(z) ** 2
    if name == "relu":
        return 1.0 if z > 0 else 0.0
    if name == "swish":
        return sig(z) * (1.0 + z * (1.0 - sig(z)))
    return 1.0


def loss_and_grads(params, X, Y, config):
    sizes, L = config["sizes"], len(config["sizes"]) - 1
    m = len(X)
    A, Z = [X], [None]
    for k in range(1, L + 1):
        W, b = params["W%d" % k], params["b%d" % k]
        Zk = [[sum(a[i] * W[i][j] for i in range(len(a))) + b[j] for j in range(len(b))] for a in A[-1]]
        Z.append(Zk)
        A.append([[act(config["hidden"], z) for z in row] for row in Zk] if k < L else None)
    ZL = Z[L]
    nL = sizes[-1]
    if config["loss"] == "cross_entropy":
        loss, dZ = 0.0, []
        for row, y in zip(ZL, Y):
            top = max(row)
            s = sum(math.exp(z - top) for z in row)
            loss += top + math.log(s) - row[y]
            dZ.append([(math.exp(z - top) / s - (1.0 if j == y else 0.0)) / m for j, z in enumerate(row)])
        loss /= m
    else:
        N = m * nL
        loss, dZ = 0.0, []
        for row, yrow in zip(ZL, Y):
            drow = []
            for z, y in zip(row, yrow):
                if config["output"] == "linear":
                    loss += (z - y) ** 2
                    drow.append(2.0 * (z - y) / N)
                elif config["loss"] == "mse":
                    p = sig(z)
                    loss += (p - y) ** 2
                    drow.append(2.0 * (p - y) / N * p * (1.0 - p))
                else:
                    loss += y * (max(-z, 0) + math.log1p(math.exp(-abs(z)))) + \
                        (1 - y) * (max(z, 0) + math.log1p(math.exp(-abs(z))))
                    drow.append((sig(z) - y) / N)
            dZ.append(drow)
        loss /= N
    l2, l2b = config["l2"], config["l2_bias"]
    for k in range(1, L + 1):
        loss += l2 / 2 * sum(w * w for row in params["W%d" % k] for w in row)
        loss += l2b / 2 * sum(v * v for v in params["b%d" % k])
    grads = {}
    for k in range(L, 0, -1):
        W, b, Ain = params["W%d" % k], params["b%d" % k], A[k - 1]
        grads["W%d" % k] = [[sum(Ain[r][i] * dZ[r][j] for r in range(m)) + l2 * W[i][j]
                             for j in range(len(b))] for i in range(len(W))]
        grads["b%d" % k] = [sum(dZ[r][j] for r in range(m)) + l2b * b[j] for j in range(len(b))]
        if k > 1:
            dZ = [[sum(dZ[r][j] * W[i][j] for j in range(len(b))) * act_prime(config["hidden"], Z[k - 1][r][i])
                   for i in range(len(W))] for r in range(m)]
    return loss, grads
