"""How the networks' exercises are graded: chapter 0 (the 2-2-1 net by hand) and chapter 6 (the MLP).

The same ``Spec`` as ``specs.py`` (fixed inputs, a draw, the call, the bound);
the calls build the reference network of a case and call the learner's
method on it, so everything around the method is the reference's.
"""

from .specs import EPS, PAIRS, SUB, S, loss_case, wave

WEIGHT_NAMES = ("w1", "w2", "w3", "w4", "w5", "w6", "b1", "b2", "b3")
HAND = {"w1": 1.0, "w2": 0.5, "b1": 0.5, "w3": -0.5, "w4": 0.25, "b2": -0.25, "w5": 2.0, "w6": -1.0, "b3": 0.1}


# ------------------------------------------------------------------ chapter 0: the 2-2-1 network
def _weights(D):
    return {name: D.float(-3.0, 3.0) for name in WEIGHT_NAMES}


def _scales(w, X):
    """(S_h, S_o): the largest sum of |terms| into a hidden neuron and into the output (h <= 1)."""
    S_h = max(max(abs(w["w1"] * x1) + abs(w["w2"] * x2) + abs(w["b1"]),
                  abs(w["w3"] * x1) + abs(w["w4"] * x2) + abs(w["b2"])) for x1, x2 in X)
    return S_h, abs(w["w5"]) + abs(w["w6"]) + abs(w["b3"])


def _forward_bound(c, r, x):
    """Each sum in another order is off by 3 EPS of its |terms|; s' <= 1/4 carries it (16 EPS: room for s)."""
    S_h, S_o = _scales(c["weights"], c["X"])
    return [16 * EPS * (1.0 + S_o + (abs(c["weights"]["w5"]) + abs(c["weights"]["w6"])) * S_h) + SUB for _ in r]


def _step_bound(c, r, x):
    """The forward's rounding and a chain of products for each gradient, times lr, on each weight's scale."""
    w = c["weights"]
    S_h, S_o = _scales(w, [c["x"]])
    G = 2.0 * (abs(c["y"]) + 1.0) * (1.0 + abs(w["w5"]) + abs(w["w6"])) * (1.0 + abs(c["x"][0]) + abs(c["x"][1]))
    scale = 1.0 + S_o + (abs(w["w5"]) + abs(w["w6"])) * S_h
    loss = [64 * EPS * (abs(r[0]) + (abs(c["y"]) + 1.0) * scale) + SUB]
    return loss + [64 * EPS * (abs(v) + c["lr"] * G * scale) + SUB for v in r[1:]]


def _new221(mod, c, T):
    return mod.Network221(weights=dict(c["weights"]))


NET221 = [
    S("network221", "Network221._forward",
      [{"weights": HAND, "X": [[-2.0, -1.0], [25.0, 6.0], [17.0, 4.0], [-15.0, -6.0]]},
       {"weights": {n: v * 1.5 - 0.2 for n, v in HAND.items()}, "X": wave(3, 2)}],
      lambda D: {"weights": _weights(D), "X": D.matrix(D.int(1, 4), 2, 5.0)},
      lambda mod, c, T: _new221(mod, c, T)._forward(T.arr(c["X"])), _forward_bound),
    S("network221", "Network221._sgd_step",
      [{"weights": HAND, "x": [-2.0, -1.0], "y": 1.0, "lr": 0.1},
       {"weights": {n: v * 1.5 - 0.2 for n, v in HAND.items()}, "x": [0.7, -1.3], "y": 0.0, "lr": 0.5}],
      lambda D: {"weights": _weights(D), "x": D.matrix(1, 2, 5.0)[0], "y": D.float(0.0, 1.0), "lr": D.float(0.01, 1.0)},
      lambda mod, c, T: _step221(mod, c, T), _step_bound),
]


def _step221(mod, c, T):
    net = _new221(mod, c, T)
    loss = net._sgd_step(T.arr(c["x"]), c["y"], c["lr"])
    return [float(loss)] + [net.get_weights()[n] for n in WEIGHT_NAMES]


# ------------------------------------------------------------------ chapter 6: the network's backward pass
def _net_case(D):
    output, loss = D.choice(PAIRS)
    sizes = [D.int(1, 3)] + [D.int(1, 4) for _ in range(D.int(1, 2))] + [D.int(2 if output == "softmax" else 1, 3)]
    m, n_L = D.int(2, 5), sizes[-1]
    if loss == "cross_entropy":
        Y = [D.int(0, n_L - 1) for _ in range(m)]
    elif loss == "bce":
        Y = [[float(D.int(0, 1)) for _ in range(n_L)] for _ in range(m)]
    else:
        Y = D.matrix(m, n_L, 1.0)
    return {"output": output, "loss": loss, "Y": Y, "sizes": sizes, "X": D.matrix(m, sizes[0], 2.0),
            "hidden": D.choice(["sigmoid", "tanh", "relu", "swish", "linear"]), "l2": D.choice([0.0, 0.1]),
            "l2_bias": D.choice([0.0, 0.05]), "dropout": D.choice([0.0, 0.25]), "batchnorm": D.choice([False, True]),
            "seed": D.int(0, 100)}


def _net(c, T):
    """The reference network of a case, with non-zero biases (so that their L2 terms show)."""
    net = T.ref["mlp"].MLP(c["sizes"], c["hidden"], c["output"], c["loss"], seed=c["seed"], l2=c["l2"],
                           l2_bias=c["l2_bias"], dropout=c["dropout"], batchnorm=c["batchnorm"])
    for k in range(1, len(c["sizes"])):
        net.params["b%d" % k] = T.arr(wave(1, c["sizes"][k], 0.5, float(k))[0])
    return net


def _backward(mod, c, T):
    net = _net(c, T)
    masks = net.draw_masks(len(c["X"])) if c["dropout"] > 0.0 else None
    Z, Yhat, caches = net.forward_with_cache(T.arr(c["X"]), training=True, masks=masks)
    dZ = T.ref["losses"].output_delta(c["output"], c["loss"], Z, Yhat, T.targets(c["loss"], c["Y"]))
    return mod.MLP.backward(net, dZ, caches)


def _lockstep_bound(c, r, x):
    """The parity suite's lockstep bound (parity.lockstep_tolerance): 2 (2L + 1) gamma_n 64, n the widest
    sum, times each entry and the gradients' scale (every gradient comes out of the same sums)."""
    L, n = len(c["sizes"]) - 1, max(c["sizes"] + [len(c["X"])])
    eps = 2.0 * (2 * L + 1) * (n * EPS / 2) / (1.0 - n * EPS / 2) * 64.0
    scale = max([abs(v) for v in r] + [0.0])
    return [eps * (abs(v) + scale) + SUB for v in r]


NET_FIXED = [
    dict(loss_case("softmax", "cross_entropy", wave(5, 3)), sizes=[3, 4, 3], hidden="tanh", X=wave(5, 3, 1.5, 0.9),
         l2=0.1, l2_bias=0.05, dropout=0.25, batchnorm=False, seed=3),
    dict(loss_case("sigmoid", "mse", wave(5, 2)), sizes=[3, 4, 3, 2], hidden="sigmoid", X=wave(5, 3, 1.5, 0.3),
         l2=0.1, l2_bias=0.0, dropout=0.0, batchnorm=False, seed=1),
    dict(loss_case("linear", "mse", wave(4, 1)), sizes=[2, 3, 3, 1], hidden="swish", X=wave(4, 2, 1.5, 1.3),
         l2=0.0, l2_bias=0.0, dropout=0.0, batchnorm=True, seed=2),
]
MLP_SPECS = [
    S("mlp", "MLP.l2_penalty", NET_FIXED, _net_case, lambda mod, c, T: mod.MLP.l2_penalty(_net(c, T)),
      lambda c, r, x: [(sum(a * b for a, b in zip(c["sizes"], c["sizes"][1:])) + sum(c["sizes"]) + 4) * EPS * abs(v)
                       + SUB for v in r]),
    S("mlp", "MLP.backward", NET_FIXED, _net_case, _backward, _lockstep_bound),
]


SPECS = {(s.module, s.name): s for s in NET221 + MLP_SPECS}
