"""Write the tour (docs/tour/*.md) by running the project: every number, table and code block.

Each chapter below is a template; ``{{name}}`` is replaced by what the block
function ``name`` returns, and every block function runs the project's own
code (the twins, the trace, the optimizers, the parity machinery) or reads
``benchmarks/RESULTS.md`` (the figures ``make bench`` measured).  Nothing is
timed here, so the output is the same on every run.

    python docs/tour/generate.py            write the chapters
    python docs/tour/generate.py --check    exit 1 if a committed chapter differs
    python docs/tour/generate.py --screenshot   also redo docs/tour/trace.png (needs chromium)

``parity_tests/app/test_tour.py`` runs ``render_all()`` and fails when the
committed tour and the code disagree.
"""

import io
import math
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from scalar_nn import activations, losses, network221  # noqa: E402
from scalar_nn.mlp import MLP  # noqa: E402
from scalar_nn.optim import SGD, lr_at  # noqa: E402
from scalar_nn.toolkit import datasets  # noqa: E402
from twin_nn import recipes, trace  # noqa: E402
from scalar_nn.toolkit.training import sequential_batch  # noqa: E402

BLOCKS = {}


def block(fn):
    """Register ``fn`` as the filler of ``{{fn.__name__}}``."""
    BLOCKS[fn.__name__] = fn
    return fn


def g(x, digits=6):
    """A number with ``digits`` significant digits (integers without a point)."""
    if x == int(x) and abs(x) < 1e9:
        return "%d" % x
    return "%.*g" % (digits, x)


def table(header, rows):
    """A Markdown table."""
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(":---" if i == 0 else "---:" for i in range(len(header))) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def mat(x, digits=6):
    """A vector or matrix of numbers as bracketed text, each number through ``g``."""
    if isinstance(x, (list, tuple)):
        return "[" + ", ".join(mat(v, digits) for v in x) + "]"
    return g(x, digits)


def code(text, lang=""):
    """A fenced code block."""
    return "```%s\n%s\n```" % (lang, text.rstrip("\n"))


def default_trace(steps=1):
    """The default trace: the 2-2-1 net from the hand-worked weights, first on Alice."""
    setup = trace.build_setup()
    return setup, trace.run_trace(setup, steps)


def link(path, func=None):
    """A link to a lesson file from docs/tour/, naming the function."""
    text = "`%s`" % path + (" → `%s`" % func if func else "")
    return "[%s](../../%s)" % (text, path)


# =============================================================== chapter 1
@block
def sigmoid_table():
    zs = [-4, -2, -1, 0, 1, 2, 4]
    rows = [[g(z), g(activations.sigmoid(z)), g(activations.sigmoid_prime(z))] for z in zs]
    return table(["z", "s(z)", "s'(z) = s(z)(1 - s(z))"], rows)


@block
def people_forward():
    X, Y = datasets.people()
    net = network221.Network221(weights=trace.HAND_WEIGHTS)
    rows = []
    for name, x, y in zip(trace.PEOPLE, X, Y):
        rows.append([name, g(x[0]), g(x[1]), g(y[0]), g(net.feedforward(x))])
    return table(["person", "x1 (weight - 135 lb)", "x2 (height - 66 in)", "y (1 = female)", "o1 before training"], rows)


@block
def alice_forward():
    setup, (t,) = default_trace()
    return code("\n".join(line.text for line in t.lines["forward"]))


@block
def people_trained():
    X, Y = datasets.people()
    net = network221.Network221(weights=trace.HAND_WEIGHTS)
    losses_ = net.train(X, [y[0] for y in Y], learn_rate=0.1, epochs=1000, verbose=False)
    demo = demo_people_221()
    rows = [[name, g(y[0]), g(net.feedforward(x), 4), g(d, 4)]
            for name, x, y, d in zip(trace.PEOPLE, X, Y, demo["predictions"])]
    return ("After `net.train(X, y, learn_rate=0.1, epochs=1000)` from the same weights the loss over the four "
            "people went from %s (epoch 1) to %s (epoch 1000):\n\n" % (g(losses_[0], 4), g(losses_[-1], 3))
            + table(["person", "y", "o1 after 1000 epochs", "`make demo`"], rows)
            + "\n\n`make demo` (`twin-nn compare people-221`) trains the same network on the same four people "
            "with the same rule (per-sample SGD, lr 0.1, 1000 epochs, in order), yet ends on other numbers (the "
            "last column; final loss %s against %s here) because it starts from the recipe's random weights, "
            "`MLP([2, 2, 1], seed=0)` (%s), not from the readable ones of this chapter. Started from these, "
            "the recipe's MLP ends on this chapter's numbers (%s apart at most). Mind also that its epoch "
            "lines print the mean of the four per-person losses taken *during* the epoch, while the losses "
            "here are over the four *after* it." % (
                g(demo["loss"], 3), g(losses_[-1], 3), demo["start"], g(demo["same_start_gap"], 2)))


def demo_people_221():
    """What `make demo` ends on, and the same recipe started from the chapter's readable weights.

    Returns {"predictions": P(female) per person from the recipe's own start (seed 0), "loss": its final
    loss over the four, "start": its first weights as text, "same_start_gap": the largest difference
    between the Network221 predictions of this chapter and the recipe's MLP trained from the same weights}.
    """
    X, Y = datasets.people()
    result = recipes.run("people-221", "scalar", verbose=0)
    start = MLP([2, 2, 1], hidden="sigmoid", output="sigmoid", loss="mse", seed=0).params
    same = MLP.from_params(network221.weights_to_params(dict(trace.HAND_WEIGHTS)), hidden="sigmoid",
                           output="sigmoid", loss="mse")
    kind, kwargs = recipes.get("people-221").optimizer
    options = {k: v for k, v in recipes.get("people-221").train.items() if k != "log_every"}
    same.fit(X, Y, SGD(**kwargs), verbose=0, **options)
    ref = network221.Network221(weights=trace.HAND_WEIGHTS)
    ref.train(X, [y[0] for y in Y], learn_rate=0.1, epochs=1000, verbose=False)
    gap = max(abs(p[0] - ref.feedforward(x)) for p, x in zip(same.predict(X), X))
    return {"predictions": [p[0] for p in result.net.predict(X)], "loss": result.scores["loss"],
            "start": "W1 = %s" % mat(start["W1"], 3), "same_start_gap": gap}


# =============================================================== chapter 2
@block
def hand_step_text():
    setup, traces = default_trace()
    return code(trace.text_report(setup, traces))


@block
def hand_step_after():
    setup, (t,) = default_trace()
    net = MLP.from_params(t.params_after, hidden="sigmoid", output="sigmoid", loss="mse")
    X, Y = [setup.X[0]], [setup.Y[0]]
    after = net.loss(X, Y)
    yhat = net.predict(X)[0][0]
    predicted = sum(0.1 * gv * gv for arr in t.grads.values() for _, gv in trace._entries(arr))
    return ("After the step, on Alice again: o1 = %s and L = %s, down from %s. The loss fell by %s; the "
            "first-order prediction, the sum of lr·(dL/dp)^2 over the nine numbers, is %s." % (
                g(yhat, 12), g(after, 12), g(t.loss, 12), g(t.loss - after, 4), g(predicted, 4)))


# =============================================================== chapter 3
def _vector_modules():
    import numpy as np
    import vector_nn.mlp as vmlp
    return np, vmlp


@block
def vector_excerpt():
    setup, traces = default_trace()
    text = trace.vector_text(setup, traces)
    lines = text.splitlines()
    end = next(i for i, l in enumerate(lines) if l.startswith("-- loss"))
    return code("\n".join(lines[:end + 2]))


@block
def vector_backward_excerpt():
    setup, traces = default_trace()
    lines = trace.vector_text(setup, traces).splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith("-- backward"))
    end = next(i for i, l in enumerate(lines) if l.startswith("-- update"))
    return code("\n".join(lines[start:end]))


@block
def shapes_table():
    np, vmlp = _vector_modules()
    r = recipes.get("sine3d")
    net = vmlp.MLP(seed=0, **r.model)
    X, Y, _, _ = recipes.load_data(r, "vector", 0)
    Xb, Yb = X[:32], Y[:32]
    Z, Yhat, caches = net.forward_with_cache(Xb, training=True)
    from vector_nn.losses import output_delta
    dZ = output_delta(net.output, net.loss_name, Z, Yhat, Yb)
    grads = net.backward(dZ, caches)
    rows = [["X = A0", "(m, n_0)", str(Xb.shape)]]
    for k in range(1, net.n_layers + 1):
        c = caches[k - 1]
        rows.append(["W%d" % k, "(n_%d, n_%d)" % (k - 1, k), str(net.params["W%d" % k].shape)])
        rows.append(["b%d" % k, "(n_%d,)" % k, str(net.params["b%d" % k].shape)])
        if k < net.n_layers:
            rows.append(["Z%d = A%d @ W%d + b%d" % (k, k - 1, k, k), "(m, n_%d)" % k, str(c["act"]["Z"].shape)])
            rows.append(["A%d = tanh(Z%d)" % (k, k), "(m, n_%d)" % k, str(caches[k]["affine"]["A_prev"].shape)])
        else:
            rows.append(["Z%d = Yhat" % k, "(m, n_%d)" % k, str(Z.shape)])
    rows.append(["dZ%d = 2 (Yhat - Y) / N" % net.n_layers, "(m, n_L)", str(dZ.shape)])
    for k in range(net.n_layers, 0, -1):
        rows.append(["dW%d = A%d.T @ dZ%d" % (k, k - 1, k), "(n_%d, m) @ (m, n_%d)" % (k - 1, k),
                     str(grads["W%d" % k].shape)])
        rows.append(["db%d = dZ%d.sum(axis=0)" % (k, k), "(n_%d,)" % k, str(grads["b%d" % k].shape)])
        if k > 1:
            rows.append(["dA%d = dZ%d @ W%d.T" % (k - 1, k, k), "(m, n_%d) @ (n_%d, n_%d)" % (k, k, k - 1),
                         "(%d, %d)" % (Xb.shape[0], net.sizes[k - 1])])
    return table(["array", "shape (symbols)", "shape (sine3d, batch 32)"], rows)


@block
def gradcheck_221():
    from scalar_nn.gradcheck import gradient_check
    setup, (t,) = default_trace()
    net = MLP.from_params(setup.initial_params, hidden="sigmoid", output="sigmoid", loss="mse")
    report = gradient_check(net, [setup.X[0]], [setup.Y[0]])
    return ("`scalar_nn.gradcheck.gradient_check` on the same net and Alice: the nine backprop gradients agree "
            "with central differences (h = 1e-5) to a worst relative error of %s (at %s)."
            % (g(report.worst_rel_error, 2), report.worst[0]))


# =============================================================== chapter 4
@block
def loss_pairs():
    Z = [[0.5, -1.0], [2.0, 0.25]]
    Yr = [[1.0, 0.0], [0.0, 1.0]]
    labels = [0, 1]
    rows = []
    for output, loss in (("linear", "mse"), ("sigmoid", "mse"), ("sigmoid", "bce"), ("softmax", "cross_entropy")):
        Yhat = losses.output_activation(output, Z)
        Y = labels if loss == "cross_entropy" else Yr
        L = losses.data_loss(output, loss, Z, Yhat, Y)
        dZ = losses.output_delta(output, loss, Z, Yhat, Y)
        rows.append(["%s + %s" % (output, loss), g(L), "[%s]" % "; ".join(", ".join(g(v, 5) for v in r) for r in dZ)])
    return ("Z = %s, targets %s (mse/bce) or classes %s (cross-entropy):\n\n" % (Z, Yr, labels)
            + table(["pair", "data loss", "dL/dZ from losses.output_delta"], rows))


@block
def softmax_long_vs_short():
    Z = [[1.0, 2.0, 0.5], [-0.3, 0.1, 3.0]]
    y = [2, 0]
    P = losses.output_activation("softmax", Z)
    short = losses.output_delta("softmax", "cross_entropy", Z, P, y)
    long_ = losses.softmax_cross_entropy_backward_long(Z, y)
    worst = max(abs(a - b) for ra, rb in zip(short, long_) for a, b in zip(ra, rb))
    lines = ["Z = %s, y = %s" % (Z, y),
             "P = softmax(Z)            = %s" % mat(P),
             "shortcut (P - onehot) / m = %s" % mat(short),
             "long way (dL/dP @ J)      = %s" % mat(long_),
             "largest difference        = %s" % g(worst, 3)]
    try:
        losses.softmax_cross_entropy_backward_long([[0.0, 800.0]], [0])
        extreme = "the long way returned a number"
    except ZeroDivisionError:
        extreme = "ZeroDivisionError (P_y rounded to 0)"
    short_x = losses.output_delta("softmax", "cross_entropy", [[0.0, 800.0]], losses.output_activation(
        "softmax", [[0.0, 800.0]]), [0])
    lines.append("Z = [[0, 800]], y = [0]: long way -> %s; shortcut -> %s" % (extreme, short_x))
    return code("\n".join(lines))


@block
def bce_chain():
    z, y = 1.5, 0.0
    p = activations.sigmoid(z)
    dL_dp = -(y / p) + (1 - y) / (1 - p)
    dp_dz = activations.sigmoid_prime(z)
    short = losses.output_delta("sigmoid", "bce", [[z]], [[p]], [[y]])[0][0]
    return code("z = %s, y = %s, p = s(z) = %s\n"
                "dL/dp = -y/p + (1-y)/(1-p) = %s\n"
                "dp/dz = p (1 - p)          = %s\n"
                "dL/dp · dp/dz              = %s\n"
                "shortcut p - y             = %s" % (g(z), g(y), g(p), g(dL_dp), g(dp_dz), g(dL_dp * dp_dz), g(short)))


# =============================================================== chapter 5
@block
def batches_table():
    n = 10
    rows = []
    for B in (1, 4, 10):
        rows.append([str(B), str(math.ceil(n / B)), "; ".join(str(sequential_batch(n, B, j)) for j in range(3))])
    return table(["batch size B", "steps per epoch (n = 10)", "sequential batches j = 0, 1, 2"], rows)


@block
def momentum_first_steps():
    setup, (t,) = default_trace()
    g1 = t.grads["W1"][0][0]                       # dL/dw1 on Alice
    rows = []
    for label, kw in (("plain SGD", dict(momentum=0.0)), ("classic momentum (d = 0)", dict(momentum=0.9)),
                      ("EMA momentum (d = mu)", dict(momentum=0.9, dampening=0.9))):
        params = {"w": [1.0]}
        opt = SGD(lr=0.1, **kw)
        steps = []
        for _ in range(3):
            before = params["w"][0]
            opt.step(params, {"w": [g1]})
            steps.append(params["w"][0] - before)
        rows.append([label, g(steps[0]), g(steps[1]), g(steps[2])])
    # The other conventions, written out for the same constant gradient (not the project's code):
    v, torch = 0.0, []
    for s in range(3):
        v = g1 if s == 0 else 0.9 * v + (1 - 0.9) * g1     # torch.optim.SGD(momentum=0.9, dampening=0.9)
        torch.append(-0.1 * v)
    rows.append(["PyTorch, momentum 0.9, dampening 0.9 (first step v = g)", g(torch[0]), g(torch[1]), g(torch[2])])
    v, nnfs = 0.0, []
    for s in range(3):
        v = 0.9 * v - 0.1 * g1                              # nnfs: the velocity holds -lr g
        nnfs.append(v)
    rows.append(["nnfs (v = mu v - lr g)", g(nnfs[0]), g(nnfs[1]), g(nnfs[2])])
    return ("A constant gradient g = dL/dw1 = %s (Alice's, from the trace), lr 0.1, mu 0.9: the change of w "
            "in the first three steps.\n\n" % g(g1)) + table(["rule", "step 1", "step 2", "step 3"], rows)


@block
def nnfs_decay():
    g1 = 1.0
    ours, nnfs, v_o, v_n = [], [], 0.0, 0.0
    for s in range(3):
        lr = lr_at(0.1, 0.5, s)
        v_o = 0.9 * v_o + g1
        ours.append(-lr * v_o)
        v_n = 0.9 * v_n - lr * g1
        nnfs.append(v_n)
    rows = [["lr_s = 0.1 / (1 + 0.5 s)"] + [g(lr_at(0.1, 0.5, s)) for s in range(3)],
            ["ours: P -= lr_s · v"] + [g(x) for x in ours],
            ["nnfs: v = mu v - lr_s g; P += v"] + [g(x) for x in nnfs]]
    return table(["g = 1, mu = 0.9, decay 0.5", "s = 0", "s = 1", "s = 2"], rows)


@block
def decay_table():
    rows = [[str(s), g(lr_at(0.01, 1e-3, s), 4)] for s in (0, 1, 10, 100, 1000, 10000)]
    return table(["step s", "lr_s = 0.01 / (1 + 0.001 s) (sine3d's Adam)"], rows)


@block
def adam_first_step():
    setup = trace.build_setup("sine3d", rows=2, width=2)
    (t,) = trace.run_trace(setup, 1)
    line = t.lines["update"][0].text
    steps = [abs(_step) for _step in (
        trace._get(t.params_after[a], i) - trace._get(t.params_before[a], i)
        for a in t.params_before for i, _ in trace._entries(t.params_before[a]))]
    grads = [abs(trace._get(t.grads[a], i)) for a in t.grads for i, _ in trace._entries(t.grads[a])]
    return (code(line) + "\n\nOver the %d parameters of that step the gradients ranged from %s to %s, and every "
            "step had size between %s and %s: Adam's first step is lr·g/|g| = lr in every direction "
            "(up to eps)." % (len(steps), g(min(grads), 3), g(max(grads), 3), g(min(steps), 6), g(max(steps), 6)))


# =============================================================== chapter 6
def _vector_parts():
    return recipes.twin_parts("vector", "plain")


@block
def split_example():
    X, Y = datasets.people()
    Xt, Yt, Xv, Yv = datasets.train_val_split(X, Y, 0.25, 0)
    return ("`datasets.train_val_split(X, Y, 0.25, seed=0)` on the four people keeps %s for training and "
            "holds out %s." % (", ".join(trace.PEOPLE[X.index(x)] for x in Xt),
                               ", ".join(trace.PEOPLE[X.index(x)] for x in Xv)))


@block
def l2_example():
    net = MLP([2, 2, 1], hidden="sigmoid", output="sigmoid", loss="mse", l2=0.1)
    net.params = network221.weights_to_params(trace.HAND_WEIGHTS)
    X, Y = [[-2.0, -1.0]], [[1.0]]
    loss, grads = net.loss_and_grads(X, Y)
    plain = MLP.from_params(network221.weights_to_params(trace.HAND_WEIGHTS), hidden="sigmoid",
                            output="sigmoid", loss="mse")
    loss0, grads0 = plain.loss_and_grads(X, Y)
    sq = sum(w * w for w in (1.0, 0.5, -0.5, 0.25, 2.0, -1.0))
    return code("sum of squared weights (w1..w6)  = %s\n"
                "penalty (l2/2) sum W^2, l2 = 0.1  = %s   (net.l2_penalty(): %s)\n"
                "loss without / with L2            = %s / %s\n"
                "dL/dw5 without / with L2          = %s / %s   (difference %s = l2 · w5 = 0.1 · 2)"
                % (g(sq), g(0.05 * sq), g(net.l2_penalty()), g(loss0), g(loss), g(grads0["W2"][0][0]),
                   g(grads["W2"][0][0]), g(grads["W2"][0][0] - grads0["W2"][0][0])))


@block
def dropout_example():
    net = MLP([2, 4, 1], hidden="relu", output="linear", loss="mse", dropout=0.5, seed=3)
    masks = net.draw_masks(2)
    A = [[1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 4.0]]
    from scalar_nn.layers import dropout_forward
    out, _ = dropout_forward(A, masks[0], 0.5)
    kept = sum(sum(r) for r in net.draw_masks(2000)[0]) / 8000.0
    return code("mask M (p = 0.5)   = %s\nA                  = %s\nA * M / (1 - p)    = %s\n"
                "kept fraction over 2000 x 4 draws = %s" % (mat(masks[0]), mat(A), mat(out), g(kept, 4)))


@block
def overfit_example():
    parts = _vector_parts()
    from scalar_nn.toolkit.callbacks import EarlyStopping
    X, Y = parts.datasets.sine3d(n=80, seed=1)
    rows = []
    for label, l2, cbs in (("no regularization", 0.0, []), ("L2 1e-3", 1e-3, []),
                           ("early stopping (patience 20)", 0.0, [EarlyStopping(patience=20)])):
        net = parts.MLP([3, 64, 64, 1], hidden="tanh", output="linear", loss="mse", l2=l2, seed=0)
        hist = net.fit(X, Y, parts.optimizer("adam", lr=0.01), epochs=400, batch_size=16, val_split=0.5,
                       seed=0, verbose=0, callbacks=cbs)
        best = min(range(len(hist.val_loss)), key=lambda i: hist.val_loss[i])
        rows.append([label, str(len(hist.epoch)), "%.3g" % hist.loss[-1], "%.3g" % hist.val_loss[-1],
                     "%d (%.3g)" % (hist.epoch[best], hist.val_loss[best])])
    return table(["[3, 64, 64, 1] tanh on 40 sine3d rows, 40 held out", "epochs run", "final train loss",
                  "final val loss", "best val epoch (loss)"], rows)


@block
def batchnorm_example():
    from scalar_nn.layers import batchnorm_forward
    Z = [[1.0, 10.0], [2.0, 20.0], [3.0, 60.0]]
    U, cache = batchnorm_forward(Z, [1.0, 1.0], [0.0, 0.0], 1e-5)
    return code("Z          = %s\nbatch mean = %s, biased var = %s\nU (gamma 1, beta 0) = %s"
                % (mat(Z), mat(cache["mu"]), mat(cache["var"]), mat(U, 5)))


# =============================================================== chapter 7
@block
def overclock_ab():
    base, clocked, clock = recipes.overclock_ab("swish-overclock", "vector", engine="plain")
    hb, hc = base.history, clocked.history
    events = [e for e in hc.events if e.get("kind") == "overclock"]
    fired = events[0]["epoch"] if events else None
    rows = []
    for i, e in enumerate(hb.epoch):
        if e in (1, 25, 50, 75, 100, 150, 200, 250, 300) or (fired and abs(e - fired) <= 1):
            rows.append([str(e), "%.4g" % hb.loss[i], "%.4g" % hc.loss[i], "%.3g" % hc.lr[i]])
    text = table(["epoch", "A loss (lr 0.1)", "B loss (Overclock)", "B lr"], rows)
    if events:
        e = events[0]
        text += ("\n\nOverclock fired at the end of epoch %d (%s): lr %s -> %s. Largest loss after that epoch: "
                 "A %.4g, B %.4g. Held-out MSE: A %.4g, B %.4g (target < 0.2)." % (
                     e["epoch"], e["reason"], g(e["lr_before"]), g(e["lr_after"]), max(hb.loss[fired:]),
                     max(hc.loss[fired:]), base.scores["mse"], clocked.scores["mse"]))
    return text


@block
def overclock_rule_demo():
    from scalar_nn.toolkit.callbacks import Overclock

    class FakeOpt:
        lr = 0.1            # Overclock writes the new rate here, as on an Optimizer

    class FakeHistory:
        def __init__(self):
            self.loss, self.events, self.val_loss = [], [], []

    class FakeRun:
        def __init__(self):
            self.optimizer, self.history, self.epoch = FakeOpt(), FakeHistory(), 0

    rows = []
    for label, curve in (("steady descent", [1.0 / (e + 1) for e in range(12)]),
                         ("zigzag", [1.0, 0.8, 0.9, 0.7, 0.8, 0.6, 0.7, 0.5, 0.6, 0.4, 0.5, 0.3]),
                         ("one spike", [1.0, 0.9, 0.8, 1.2, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.05])):
        clock, run = Overclock(delta=-0.05), FakeRun()
        for e, v in enumerate(curve, start=1):
            run.epoch = e
            run.history.loss.append(v)
            run.history.val_loss.append(None)
            clock.on_epoch_end(run)
        rows.append([label, ", ".join(g(v, 3) for v in curve),
                     "epoch %s" % clock.fired_at if clock.fired_at else "never"])
    return table(["loss curve", "values per epoch", "Overclock (delta -0.05) fires"], rows)


# =============================================================== chapter 8
def _results():
    with open(os.path.join(ROOT, "benchmarks", "RESULTS.md"), encoding="utf-8") as f:
        return f.read()


def _section_table(text, heading):
    """The first Markdown table after ``heading`` in RESULTS.md, as a list of rows (lists of cells)."""
    start = text.index(heading)
    rows = []
    for line in text[start:].splitlines()[1:]:
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not set("".join(cells)) <= set(":- "):
                rows.append(cells)
        elif rows:
            break
    return rows


@block
def headline_from_results():
    rows = _section_table(_results(), "## Headline")
    wanted = ["workload", "scalar_nn (CPython)", "scalar_nn (PyPy)", "vector_nn", "vector_nn.fast"]
    keep = [rows[0].index(name) for name in wanted]          # by name: RESULTS.md may add rungs
    out = [[r[i] for i in keep] for r in rows]
    ratios = _section_table(_results(), "Ratios between rungs")
    col = ratios[0].index("scalar_nn ÷ vector_nn (vectorizing)")
    speedup = {r[0]: r[col] for r in ratios[1:]}
    out[0].append("vector speedup over scalar")
    for r in out[1:]:
        r.append(speedup.get(r[0].split()[0], "—"))          # "W1 people-221 (batch 1)" -> "W1"
    return table(out[0], out[1:])


@block
def results_machine():
    text = _results()
    date = re.search(r"- Date: ([^;]+);", text).group(1)
    cpu = re.search(r"- CPU: ([^;]+);", text).group(1)
    return "measured on %s (%s) by `make bench`" % (date, cpu)


@block
def crossover_from_results():
    rows = _section_table(_results(), "## Crossover")
    head = rows[0]
    cols = [0] + [i for i, h in enumerate(head) if h.endswith("speedup")]
    out = [[r[i] for i in cols] for r in rows]
    return table(out[0], out[1:])


@block
def crossover_words():
    text = _results()
    start = text.index("Where the lines cross:")
    lines = []
    for line in text[start:].splitlines()[1:]:
        if line.startswith("- "):
            lines.append(line)
        elif lines:
            break
    return "\n".join(lines)


@block
def flops_per_step():
    rows = []
    for name, sizes, m in (("people-221", [2, 2, 1], 1), ("sine3d", [3, 32, 16, 1], 32),
                           ("spiral", [2, 64, 3], 300), ("wide-binary", [3072, 15, 1], 200)):
        macs = sum(sizes[k - 1] * sizes[k] for k in range(1, len(sizes)))
        forward = m * macs
        rows.append([name, str(sizes), str(m), "{:,}".format(3 * forward)])
    return table(["workload", "sizes", "batch m", "multiply-adds per step (3 m Σ n_{k-1} n_k)"], rows)


@block
def overhead_words():
    rows = _section_table(_results(), "## Crossover")
    head = rows[0]
    at = {r[0]: r for r in rows[1:]}
    sc, vc = head.index("b=1 scalar"), head.index("b=1 vector")
    macs = {n: n * n + n for n in (1, 16)}       # [n, n, 1]: n·n + n·1 multiply-adds per row and pass
    return ("The crossover table below shows it: at batch 1 the vector twin's step takes %s at n = 1 and %s at "
            "n = 16, %d times the arithmetic for the same time, so nearly all of it is the fixed cost of its "
            "NumPy calls (each checks types and shapes and allocates its result, whatever the size); the "
            "scalar twin's step grows from %s to %s, the interpreter's price per multiply-add."
            % (at["1"][vc], at["16"][vc], macs[16] // macs[1], at["1"][sc], at["16"][sc]))


# =============================================================== chapter 9
def _tour_cases(P):
    """The three small parity cases chapter 9 runs: plainly, then in exact mode (20 steps each)."""
    return (P.Config("tour", [2, 2, 1], "sigmoid", "sigmoid", "mse", opt=("sgd", dict(lr=0.5)), batch=1, rows=4,
                     steps=20),
            P.Config("tour", [2, 8, 3], "relu", "softmax", "cross_entropy", net=dict(dropout=0.2, l2=1e-3),
                     opt=("sgd", dict(lr=0.1, momentum=0.9)), batch=4, steps=20),
            P.Config("tour", [3, 8, 4, 1], "tanh", "linear", "mse", opt=("adam", dict(lr=0.01)),
                     batch=8, steps=20))


@block
def parity_small_run():
    sys.path.insert(0, ROOT)
    from twin_nn import parity as P
    rows = []
    for cfg in _tour_cases(P):
        run = P.run_twins(cfg)
        tol = P.lockstep_tolerance(cfg.sizes, cfg.batch)
        ftol = P.free_tolerance(cfg.sizes, cfg.batch, cfg.steps)
        lock, free = P.measure(run.scalar, run.lockstep), P.measure(run.scalar, run.free)
        ok = P.first_divergence(run.scalar, run.lockstep, tol, cfg=cfg) is None and \
            P.first_divergence(run.scalar, run.free, ftol, cfg=cfg) is None
        rows.append(["%s %s/%s/%s, %s" % (cfg.sizes, cfg.hidden, cfg.output, cfg.loss, cfg.opt_name),
                     "%.1e" % tol.rtol, "%.0e" % lock.max_scaled, "%.1e" % ftol.rtol, "%.0e" % free.max_scaled,
                     "agree" if ok else "DIVERGE"])
    return table(["case (20 steps)", "lockstep tolerance", "lockstep max normwise diff", "free tolerance",
                  "free max normwise diff", "verdict"], rows)


@block
def parity_divergence_message():
    from twin_nn import parity as P
    cfg = P.Config("tour", [3, 8, 4, 1], "tanh", "linear", "mse", opt=("sgd", dict(lr=0.1)), batch=8, steps=6)
    calls = {"n": 0}

    def hook(grads):
        """Make the vector twin's gradient W2[0, 1] 1e-6 too large on its 4th step."""
        calls["n"] += 1
        if calls["n"] == 4:
            grads["W2"][0, 1] *= 1.0 + 1e-6

    run = P.run_twins(cfg, modes=("lockstep",), vector_hook=hook)
    msg = P.first_divergence(run.scalar, run.lockstep, P.lockstep_tolerance(cfg.sizes, cfg.batch), cfg=cfg)
    msg = re.sub(r"=(-?\d\.\d{9})\d+", r"=\1…", msg)     # 10 digits: the 1e-6 shows, BLAS's last bits do not
    return code(msg)


@block
def exact_mode_run():
    """The same three cases in exact mode: every entry compared bit for bit.

    Only what holds on every machine is printed (the count of entries, and
    that all of them are identical); which functions the self-check sent to
    the slow path depends on the machine's NumPy build, so the chapter says
    where to see it rather than printing this machine's answer.
    """
    from twin_nn import parity as P
    rows = []
    for cfg in _tour_cases(P):
        run = P.run_twins(cfg, modes=("lockstep", "free"), engine="exact")
        A = run.scalar.matrix()
        same = int((A.view("int64") == run.free.matrix().view("int64")).sum())
        rows.append(["%s %s/%s/%s, %s" % (cfg.sizes, cfg.hidden, cfg.output, cfg.loss, cfg.opt_name),
                     str(A.size), "%d of %d" % (same, A.size),
                     "none" if P.first_bit_difference(run.scalar, run.free) is None else "DIFFER"])
    return table(["case (20 steps, free-running, exact mode)", "entries recorded", "bit-identical",
                  "first differing bit"], rows)


@block
def tolerance_formula_numbers():
    from twin_nn import parity as P
    rows = []
    for sizes, batch in (([2, 2, 1], 4), ([3, 32, 16, 1], 4), ([256, 4, 1], 4)):
        rows.append([str(sizes), str(batch), "%.2g" % P.lockstep_tolerance(sizes, batch).rtol,
                     "%.2g" % P.free_tolerance(sizes, batch, 50).rtol])
    return table(["sizes", "batch", "eps_step = 2 (2L+1) gamma_n · 64", "free, 50 steps = 50 · eps_step · 128"], rows)


# =============================================================== chapter 10
def _xor():
    return [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [[0.0], [1.0], [1.0], [0.0]]


@block
def xor_perceptron():
    X, Y = _xor()
    rows = []
    for label, sizes, hidden in (("no hidden layer [2, 1] (a perceptron with a sigmoid)", [2, 1], "tanh"),
                                 ("hidden layer, linear [2, 4, 1]", [2, 4, 1], "linear"),
                                 ("hidden layer, tanh [2, 4, 1]", [2, 4, 1], "tanh")):
        net = MLP(sizes, hidden=hidden, output="sigmoid", loss="bce", seed=1)
        net.fit(X, Y, SGD(lr=0.5, momentum=0.9), epochs=300, verbose=0, shuffle=False)
        P = net.predict(X)
        rows.append([label, "%.4f" % net.loss(X, Y), ", ".join("%.2f" % p[0] for p in P),
                     str(sum((p[0] > 0.5) == (y[0] > 0.5) for p, y in zip(P, Y))) + "/4"])
    return table(["network (XOR, 300 full-batch epochs, momentum SGD)", "final BCE", "outputs for 00, 01, 10, 11",
                  "right"], rows)


@block
def linear_collapse():
    net = MLP([2, 4, 1], hidden="linear", output="linear", loss="mse", seed=1)
    from scalar_nn.linalg import matmul
    W = matmul(net.params["W1"], net.params["W2"])
    b = [sum(bi * w[0] for bi, w in zip(net.params["b1"], net.params["W2"])) + net.params["b2"][0]]
    X = [[0.3, -1.2], [2.0, 0.5]]
    deep = net.predict(X)
    flat = [[x[0] * W[0][0] + x[1] * W[1][0] + b[0]] for x in X]
    return code("W1 @ W2 = %s, b1 @ W2 + b2 = %s\nnet.predict(X)       = %s\nX @ (W1 W2) + b      = %s"
                % (mat(W), mat(b), mat(deep), mat(flat)))


@block
def vanishing():
    rows = []
    X, Y = datasets.sine3d(n=16, seed=0)
    for hidden in ("sigmoid", "tanh", "relu"):
        net = MLP([3, 16, 16, 16, 16, 16, 1], hidden=hidden, output="linear", loss="mse", seed=0)
        _, grads = net.loss_and_grads(X, Y)
        norms = [math.sqrt(sum(v * v for r in grads["W%d" % k] for v in r)) for k in range(1, 7)]
        rows.append([hidden] + ["%.2g" % n for n in norms])
    return table(["hidden", "‖dW1‖", "‖dW2‖", "‖dW3‖", "‖dW4‖", "‖dW5‖", "‖dW6‖"], rows)


@block
def lr_sweep():
    X, Y = datasets.people()
    rows = []
    for lr in (0.001, 0.1, 1.0, 10.0, 100.0):
        net = MLP.from_params(network221.weights_to_params(trace.HAND_WEIGHTS), hidden="sigmoid",
                              output="sigmoid", loss="mse")
        h = net.fit(X, Y, SGD(lr=lr), epochs=200, batch_size=1, shuffle=False, verbose=0)
        rows.append([g(lr), "%.4f" % h.loss[0], "%.4f" % h.loss[9], "%.4f" % h.loss[-1],
                     ", ".join("%.2f" % p[0] for p in net.predict(X))])
    return table(["lr", "epoch 1 loss", "epoch 10", "epoch 200", "outputs (Alice, Bob, Charlie, Diana)"], rows)


@block
def batch_vs_online():
    X, Y = datasets.people()
    rows = []
    for label, B in (("online (batch 1, 4 steps an epoch)", 1), ("mini-batch 2", 2), ("full batch (1 step an epoch)", 4)):
        net = MLP.from_params(network221.weights_to_params(trace.HAND_WEIGHTS), hidden="sigmoid",
                              output="sigmoid", loss="mse")
        opt = SGD(lr=0.5)
        h = net.fit(X, Y, opt, epochs=100, batch_size=B, shuffle=False, verbose=0)
        rows.append([label, str(opt.steps), "%.4f" % net.loss(X, Y), "%.4f" % h.loss[49]])
    return table(["2-2-1 on the people, SGD lr 0.5, 100 epochs", "updates", "final loss (all 4)",
                  "mean step loss, epoch 50"], rows)


@block
def overfit_answer():
    parts = _vector_parts()
    X, Y = parts.datasets.sine3d(n=40, seed=2)
    rows = []
    for label, sizes in (("[3, 4, 1]", [3, 4, 1]), ("[3, 128, 128, 1]", [3, 128, 128, 1])):
        net = parts.MLP(sizes, hidden="tanh", output="linear", loss="mse", seed=0)
        h = net.fit(X, Y, parts.optimizer("adam", lr=0.01), epochs=600, batch_size=10, val_split=0.5, seed=0,
                    verbose=0)
        n_params = sum(v.size for v in net.params.values())
        rows.append([label, str(n_params), "%.3g" % h.loss[-1], "%.3g" % h.val_loss[-1]])
    return table(["net (20 training rows, 20 held out, 600 epochs)", "parameters", "train loss", "val loss"], rows)


# =============================================================== the chapters
CHAPTERS = {}


def chapter(filename, title):
    """Register a chapter template under ``filename``."""
    def deco(fn):
        """Keep the title and the template (fn's docstring)."""
        CHAPTERS[filename] = (title, fn.__doc__)
        return fn
    return deco


INDEX = """# The tour: one neural network, every number

Ten chapters that follow the reading path of the lesson (`scalar_nn/`,
read with `vector_nn/` open beside it). Every number, table and code block
in them was produced by running the project: `docs/tour/generate.py` writes
the chapters, and `parity_tests/app/test_tour.py` regenerates them in memory and
fails if the committed text and the code disagree.

Run the first chapter's network yourself, one step with every number:

```
twin-nn trace                      # forward, loss, backward, update of the 2-2-1 net on Alice
twin-nn trace --vector             # the same step as the vector twin's arrays
twin-nn trace --steps 8 --html trace.html   # a page to step through (no network needed)
twin-nn trace --recipe spiral --rows 3      # a recipe at small size
```

![the step-through page at step 3, backward pass: the legend, the loss over all four people beside each step's, and h1 flagged as saturated](trace.png)

| chapter | what | lesson file |
|:---|:---|:---|
{{index_rows}}
"""


@chapter("01-neuron-and-forward.md", "A neuron, the sigmoid and the 2-2-1 network: the forward pass")
def _c1():
    """# 1. A neuron, the sigmoid and the 2-2-1 network: the forward pass

Lesson: {{link_network221_forward}}, {{link_activations}}.

A neuron takes its inputs x1, x2, weighs each, adds a bias and squashes the
sum: `a = s(w1·x1 + w2·x2 + b)`. The squashing function of this chapter is
the sigmoid, `s(z) = 1 / (1 + e^-z)`: any real z lands in (0, 1), steep near
0 and flat far out, which is what its slope `s'(z) = s(z)(1 - s(z))` says.
`scalar_nn/activations.py` computes it without overflow (for z < 0 it uses
`e^z / (1 + e^z)`):

{{sigmoid_table}}

The slope is never more than 0.25; remember that for chapter 10 (vanishing
gradients).

The network of `network221.py` has two inputs, two hidden neurons h1, h2 and
one output neuron o1, nine numbers in all (w1..w6, b1..b3). Its data are the
tutorial's four people, shifted by the mean weight and height, with y = 1 for
female. Starting from the readable weights the tour uses throughout
(`w1 = 1, w2 = 0.5, b1 = 0.5, w3 = -0.5, w4 = 0.25, b2 = -0.25, w5 = 2,
w6 = -1, b3 = 0.1`, the weights of the hand-worked test), the forward pass
gives:

{{people_forward}}

This is Alice's forward pass, as `twin-nn trace` prints it: each z is the
sum it came from, each a the sigmoid of its z.

{{alice_forward}}

Training (chapter 2 shows one step of it) moves the nine numbers until the
outputs match the labels. {{people_trained}}
"""


@chapter("02-backprop-by-hand.md", "Backprop by hand: one step, every number")
def _c2():
    """# 2. Backprop by hand: one SGD step with every number

Lesson: {{link_network221_step}}; checked by {{link_test221}}.

One step on Alice (x = [-2, -1], y = 1) at learning rate 0.1. The loss is
the squared error of that one sample, `L = (ŷ - y)^2` (the conventions'
mse with m = 1, n_L = 1). Below is `twin-nn trace`, which runs the scalar
twin's `MLP` on the 2-2-1 layout (`W1 = [[w1, w3], [w2, w4]]`, `b1 = [b1,
b2]`, `W2 = [[w5], [w6]]`, `b2 = [b3]`) and prints what its layer caches,
`backward` and `SGD.step` computed. `parity_tests/lesson/test_network221.py` checks
the same numbers against 50-digit decimal arithmetic, and
`parity_tests/app/test_trace.py` checks that the trace's numbers are the twins'
own `loss_and_grads` and `step`.

{{hand_step_text}}

How to read the backward pass, from the top:

* **The output.** `dL/dz_o1` is the loss's slope with respect to the output
  neuron's sum. The chain rule makes it two factors, `dL/dŷ = 2(ŷ - y)` and
  `dŷ/dz_o1 = s'(z_o1) = ŷ(1 - ŷ)`; `losses.output_delta` computes their
  product for sigmoid + mse. In `network221.py` the same product is
  `d_L_d_ypred * deriv_sigmoid(sum_o1)`.
* **The output's weights.** `z_o1 = w5·a_h1 + w6·a_h2 + b3`, so
  `dz_o1/dw5 = a_h1` and `dL/dw5 = a_h1 · dL/dz_o1`. A bias's input is 1,
  so `dL/db3 = dL/dz_o1`.
* **Into the hidden layer.** h1 reaches the loss only through w5, so
  `dL/da_h1 = w5 · dL/dz_o1`; through the sigmoid,
  `dL/dz_h1 = dL/da_h1 · s'(z_h1)`. `network221.py` spells this
  `d_L_d_ypred * d_ypred_d_h1 * d_h1_d_w1` for w1: the same three factors,
  grouped differently.
* **The first layer's weights**: `dL/dw1 = x1 · dL/dz_h1`, and so on.
* **The update** is `w <- w - lr · dL/dw`. The sign is minus because the
  gradient points to where the loss *grows*; a small step against it lowers
  the loss by about `lr · Σ (dL/dp)^2`. Every weight moved so as to raise o1
  towards y = 1.

{{hand_step_after}}

All nine gradients are taken at the weights *before* the update: the
trace's backward pass reads `w5 = 2` and `w6 = -1`, not their new values.
"""


@chapter("03-scalars-to-matrices.md", "From scalars to matrices")
def _c3():
    """# 3. From scalars to matrices: `X @ W + b`, every shape, and dW, db, dA

Lesson: {{link_linalg}}, {{link_layers}}, {{link_mlp}}; the twin:
{{link_vlayers}}.

Put the two hidden sums of chapter 1 side by side and they are one row
times a matrix: `[z_h1, z_h2] = [x1, x2] @ [[w1, w3], [w2, w4]] + [b1, b2]`.
Rows of `W1` are inputs, columns are units (docs/CONVENTIONS.md), so a batch
of m rows goes forward as `Z1 = X @ W1 + b1` with no transposes.
`twin-nn trace --vector` prints the step of chapter 2 as the vector twin's
arrays and marks each entry with the scalar line it equals:

{{vector_excerpt}}

The shapes of every array of one step, read off the vector twin running
the sine3d recipe's network on a batch of 32:

{{shapes_table}}

**The derivation, with dimensions.** Entry by entry the forward pass is
`Z[i][j] = Σ_k A[i][k] W[k][j] + b[j]` (row i of the batch, unit j).

* `dL/dW[k][j] = Σ_i dL/dZ[i][j] · dZ[i][j]/dW[k][j] = Σ_i A[i][k] dZ[i][j]`:
  that is `(A^T @ dZ)[k][j]`, shape `(n_in, m) @ (m, n) = (n_in, n)`, the
  shape of W, as it must be. The sum over i is the sum over the batch: each
  row's contribution adds up.
* `dL/db[j] = Σ_i dZ[i][j]`: the bias is added to every row, so its
  gradient is the column sum of dZ, shape `(n,)`.
* `dL/dA[i][k] = Σ_j dZ[i][j] W[k][j] = (dZ @ W^T)[i][k]`, shape
  `(m, n) @ (n, n_in) = (m, n_in)`, the shape of A: input k fed every unit j
  through `W[k][j]`.
* Through the activation, entry by entry: `dZ_prev = dA * act'(Z_prev)`.

The backward half of the same trace shows these as arrays:

{{vector_backward_excerpt}}

**Why `dZ2 = 2(Ŷ - Y)/m`** (for a linear output with mse, with `N = m·n_L`
in general). The loss is the mean over the batch, `L = (1/N) Σ_i Σ_j
(Ŷ[i][j] - Y[i][j])^2`. One entry's derivative is `2(Ŷ[i][j] - Y[i][j])/N`:
the 2 from the square, the 1/N because each entry is one of N in the mean.
That 1/N is why `dW = A^T @ dZ` needs no extra division: the mean is already
in dZ, and the sum over rows in `A^T @ dZ` turns per-row slopes into the
slope of the mean. With a sigmoid output the chain rule adds the factor
`Ŷ(1 - Ŷ)`, as in chapter 2.

{{gradcheck_221}}
"""


@chapter("04-losses-and-shortcuts.md", "Losses and their shortcuts")
def _c4():
    """# 4. Losses and their shortcuts

Lesson: {{link_losses}} (`data_loss`, `output_delta`,
`softmax_cross_entropy_backward_long`).

The output layer and its loss come as a pair, and each pair has one formula
for `dL/dZ_L`, the gradient where backprop starts:

{{loss_pairs}}

The divisors differ on purpose: mse and bce average over all `m·n_L` entries,
cross-entropy over the m samples.

**Sigmoid + BCE.** `dL/dp = -y/p + (1-y)/(1-p)` has p(1-p) in its denominator
once put over one fraction, and `dp/dz = p(1-p)` cancels it, leaving `p - y`
(divided by N for the mean):

{{bce_chain}}

The library also computes the loss itself from the logit,
`y·softplus(-z) + (1-y)·softplus(z)`, which stays finite when p rounds to 0
or 1.

**Softmax + cross-entropy: why `(P - onehot)/m`.** For one sample,
`L = -(1/m) log P_y`. The long way: `dL/dP_j = -(1/m)/P_y` for j = y, 0
otherwise; the softmax's Jacobian is `J[j][l] = P_j (δ_jl - P_l)`; the chain
rule is `dL/dZ_l = Σ_j dL/dP_j J[j][l]`. Only j = y survives:
`-(1/m)/P_y · P_y (δ_yl - P_l) = (P_l - δ_yl)/m`. The project computes both,
and they agree; at an extreme logit only the shortcut survives:

{{softmax_long_vs_short}}
"""


@chapter("05-training.md", "Training: mini-batches, SGD, momentum, decay, Adam")
def _c5():
    """# 5. Training: mini-batches, SGD, momentum, learning-rate decay and Adam

Lesson: {{link_optim}} (`SGD.step`, `Adam.step`, `lr_at`), {{link_training}}
(`fit`, `sequential_batch`).

**Mini-batches.** One step uses a batch of B rows; an epoch is one pass over
the n rows, ceil(n/B) steps. `fit` shuffles with the shared random stream,
then takes consecutive chunks; `training.sequential_batch` gives the
unshuffled order the trace and the parity suite use:

{{batches_table}}

B = 1 is online (per-sample) SGD, as in chapter 2; B = n is full-batch
gradient descent. Chapter 10 compares them.

**SGD and momentum.** Plain SGD is `P <- P - lr·g`. Momentum keeps a velocity
`v <- mu·v + (1 - d)·g` and steps `P <- P - lr·v`; with dampening d = 0 it is
classic heavy-ball momentum (the velocity sums gradients, about 1/(1-mu)
times a plain step once it builds up), with d = mu it is a moving average
of the gradients ("EMA momentum", the step stays about lr·g). v starts at 0,
so the first step differs between libraries:

{{momentum_first_steps}}

PyTorch sets `v = g` on its first step whatever the dampening, so with
dampening its first step is 1/(1 - d) times ours. The nnfs book keeps `-lr·g`
inside the velocity: with a constant rate it equals classic momentum, but once
the rate decays, old velocity keeps the old rate while ours multiplies the
whole velocity by the current one:

{{nnfs_decay}}

**Learning-rate decay**, `lr_s = lr0 / (1 + decay·s)` with s the steps taken:

{{decay_table}}

**Adam** keeps moving averages of g (m) and g^2 (v), corrects both for
starting at 0, and steps `lr · m̂ / (sqrt(v̂) + eps)`. Its first step, from
`twin-nn trace --recipe sine3d --rows 2 --width 2`:

{{adam_first_step}}
"""


@chapter("06-generalization.md", "Generalization: split, L2, dropout, BatchNorm, early stopping")
def _c6():
    """# 6. Generalization: the split, L2, inverted dropout, BatchNorm and early stopping

Lesson: {{link_mlp_l2}}, {{link_layers_reg}}, {{link_callbacks}} (`EarlyStopping`),
{{link_datasets}}.

**The split.** A network can learn its training rows by heart; only rows it
never trained on say how it does on new data. {{split_example}} `fit(...,
val_split=0.2)` holds rows out the same way and reports `val_loss` per epoch.

**L2, with its factor ½.** The loss gains `(l2/2) Σ W^2`, so the gradient
gains `l2·W` (no 2): each step shrinks every weight a little towards 0.

{{l2_example}}

**Inverted dropout.** In training, each hidden unit is kept with
probability 1 - p and the kept ones are divided by 1 - p, so a unit's
expected output is unchanged and inference uses the network as it is. The
backward pass multiplies by the same mask (`dropout_backward`).

{{dropout_example}}

**BatchNorm** normalizes each hidden unit over the batch, `(Z - mean) /
sqrt(var + 1e-5)`, then scales by gamma and shifts by beta (learned). In
inference it uses running averages instead of the batch's statistics.

{{batchnorm_example}}

**What they do.** A network much bigger than its data (the vector twin, 40
training rows of sine3d, 40 held out, Adam lr 0.01, batch 16):

{{overfit_example}}

Early stopping watches `val_loss`, stops after `patience` epochs without a
new best and (by default) restores the best weights.
"""


@chapter("07-overclock.md", "Overclock")
def _c7():
    """# 7. Overclock: watching the loss, the oscillation rule and the A/B experiment

Lesson: {{link_overclock}}; the experiment: {{link_recipes_ab}}.

When the learning rate is too high for the valley the loss is in, the steps
overshoot and the loss bounces: down on average, up every other epoch.
Overclock is a callback that watches the per-epoch loss and, once it
zigzags, adds a signed `delta` to the learning rate (negative slows down).

**The rule.** Over the last `window = 6` changes of the loss, count the rises
and the flips (a rise followed by a fall or the reverse); fire when there are
at least 3 rises and enough flips, after the loss has gone down at least
once. It does not fire on a steady descent, a plateau or a single spike.
Fed three made-up curves:

{{overclock_rule_demo}}

**The A/B experiment** (`twin-nn overclock swish-overclock`): the same
initial weights and batches twice, A at a constant lr 0.1, B with Overclock
(delta -0.01, accepting a slow swell: `min_flips=1`). Full-batch gradient
descent on the swish regression, run here in the vector twin:

{{overclock_ab}}

Read the largest loss after the firing (the swell that B's smaller rate
avoided) next to the final held-out scores (whether avoiding it paid off by
the end): an A/B run from the same weights is what lets you tell the two
apart, since everything else, initial weights and batches, is equal.
"""


@chapter("08-loops-against-vectors.md", "Loops against vectors")
def _c8():
    """# 8. Loops against vectors: the measured speedups, the crossover, and why NumPy loses at batch 1

Lesson: {{link_linalg}} against {{link_vlinalg}}; the figures:
[`benchmarks/RESULTS.md`](../../benchmarks/RESULTS.md), {{results_machine}}
(this chapter copies them from there; `make bench` measures them anew).

The scalar twin does one multiply-add per Python bytecode loop turn; the
vector twin hands whole matrices to BLAS. Median time per optimizer step:

{{headline_from_results}}

What a step costs in arithmetic (forward, `dW = A^T dZ` and `dA = dZ W^T`
are about one matrix product each):

{{flops_per_step}}

**Why NumPy loses at batch 1.** The 2-2-1 step is 18 multiply-adds. The
scalar twin pays the interpreter for each of them and for little else; the
vector twin pays a fixed cost for each NumPy call, whatever the size of
its arrays. {{overhead_words}} On the 2-2-1 net the fixed cost is larger
than the loops; from a few hundred multiply-adds per step on it is
amortized and the matrix version pulls away.

**The crossover**, one SGD step of an [n, n, 1] tanh net at batch b (speedup
= scalar time ÷ vector time):

{{crossover_from_results}}

{{crossover_words}}
"""


@chapter("09-how-we-know-the-twins-agree.md", "How we know the twins agree")
def _c9():
    """# 9. How we know the twins agree: lockstep and free-running parity, tolerances, first divergence

Lesson: {{link_parity}}; the figures for the whole matrix:
[`docs/PARITY.md`](../PARITY.md).

The twins compute the same formulas in different orders of floating-point
operations (a left-to-right loop against BLAS's blocked, vectorized sums), so
they cannot agree to the bit; the parity suite says how close they must be.
Both start from bit-identical parameters and take the same batches and
dropout masks; at every step the suite records the output, the loss, every
gradient entry, every parameter after the update and the optimizer state.

* **Lockstep**: before each step the vector twin is given the scalar twin's
  parameters and state, so a step's difference is that step's rounding only.
* **Free-running**: the vector twin follows its own trajectory; the
  difference is the drift accumulated over the steps.

**The tolerance** is a priori, not fitted: a step is 2L + 1 stages (L forward,
L backward, the update), each sum of n terms is off by at most `gamma_n =
n·u/(1 - n·u)` (u = 2^-53) relative to its terms, and a factor 64 covers
the condition numbers of what follows. Free-running allows growth of 128
over 50 steps. Entries are compared relative to the largest value of their
group (all gradients together, ...) so that a small result of cancellation
is judged at the scale of its terms.

{{tolerance_formula_numbers}}

Three small cases run here with `parity.run_twins` (20 steps each):

{{parity_small_run}}

**The first-divergence report.** When the twins disagree the suite names
the first step, quantity and index, in causal order. Here the vector twin's
gradient `W2[0, 1]` is made 1e-6 too large on step 4:

{{parity_divergence_message}}

**Exact mode: identical, not just close.** The differences above come from
two known places: BLAS and NumPy sum in another order than the scalar
twin's left-to-right loops, and NumPy's `exp`, `log`, `tanh` need not round
as `math`'s do. `MLP(..., exact=True)` ([`vector_nn/exact.py`](../../vector_nn/exact.py))
runs the plain twin's own code with ordered sums (a loop over the
contraction index, vectorized over the output block) and elementwise
functions that a self-check found equal to `math`'s, or `math`'s own,
entry by entry. The same three cases again, every recorded entry compared
bit for bit:

{{exact_mode_run}}

Which functions needed `math`'s slow path depends on the NumPy build:
`twin-nn compare people-221 --exact` prints this machine's self-check as
its header, and [`docs/PARITY.md`](../PARITY.md) ("Exact mode") records what
it found where the project was measured. In exact mode the suite asserts
`==`, and a failure names the first bit that moved: the step, the
quantity, the index, both values, their distance in ulp and both bit
patterns (`parity.first_bit_difference`).
"""


@chapter("10-questions-and-answers.md", "Questions and answers")
def _c10():
    """# 10. Questions and answers, with the project's own code and numbers

Lesson: {{link_mlp}}, {{link_activations}}, {{link_optim}}.

**What does a neural network have that a perceptron does not?** A hidden
layer with a nonlinear activation. A single layer draws one straight line
through the input space; XOR needs two. Each net below is an `MLP` trained
with `fit` on the four XOR points (seed 1):

{{xor_perceptron}}

**Why activations?** Without them layers collapse: `(X W1 + b1) W2 + b2 =
X (W1 W2) + (b1 W2 + b2)` is one linear layer. The linear [2, 4, 1] net
above is exactly that, as its outputs show; here is the collapse in numbers
(`hidden="linear"`):

{{linear_collapse}}

**What are vanishing gradients?** Backprop multiplies by `act'(z)` once per
layer. The sigmoid's slope is at most 0.25 (chapter 1), so the gradient
shrinks layer by layer towards the input; tanh (slope up to 1) and relu
(slope 1 where active) shrink it far less. Gradient norms per layer of a
[3, 16, 16, 16, 16, 16, 1] net at initialization, on 16 sine3d rows:

{{vanishing}}

**What if the learning rate is too high or too low?** Too low: the loss
hardly moves. Too high: steps overshoot, the sigmoids saturate (slope ~0)
and training stalls or bounces. The 2-2-1 net on the people, per-sample SGD,
200 epochs from the tour's weights:

{{lr_sweep}}

**Batch or online learning?** Online (batch 1) updates after every sample:
many cheap, noisy steps. Full batch computes the exact gradient of the whole
loss: one smooth step per epoch. Mini-batches sit between, and are what
vectorizing rewards (chapter 8). Same net, same number of epochs:

{{batch_vs_online}}

**What is overfitting?** Fitting the training rows, noise included, at the
cost of new rows: the training loss keeps falling while the held-out loss
does not. A small and a big net on the same 20 rows (vector twin, Adam):

{{overfit_answer}}

Chapter 6 shows the cures: L2, dropout, early stopping, more data.

**Can I write it myself, and be told what I got wrong?** Yes:
`twin-nn exercise start DIR` writes the lesson's functions as stubs, and
`twin-nn exercise check DIR` grades each one alone, on fixed and drawn
inputs, with every other function taken from the reference, so one mistake
never fails the functions built on it. A wrong function is run against a
library of known mistakes, and the one that gives your numbers is named
(docs/EXERCISES.md). A real session, on chapter 2 (the activations):

{{exercise_start}}

A first sigmoid_prime, from the formula s (1 - s) remembered but not what
s is:

{{exercise_wrong}}

The diagnosis says it: `a (1 - a)` is the derivative only for `a = s(z)`.
The fix, and the whole chapter passing; its functions are then plugged into
the reference network, which trains step for step as the reference does:

{{exercise_fixed}}
"""


# ------------------------------------------------------------ chapter 10: exercises
WRONG_SIGMOID_PRIME = "    return z * (1.0 - z)            # s'(z) = s (1 - s), isn't it?"
RIGHT_SIGMOID_PRIME = "    s = sigmoid(z)\n    return s * (1.0 - s)"


def _exercise_case_run():
    """A real exercise session: start, a wrong sigmoid_prime checked, then fixed and checked (run once)."""
    import argparse
    import tempfile
    from twin_nn.exercises import command, markers
    if "answers" in _EXERCISE:
        return _EXERCISE
    with tempfile.TemporaryDirectory() as tmp:
        folder = os.path.join(tmp, "my-exercises")
        out = io.StringIO()
        command.cmd_start(argparse.Namespace(dir=folder, twin="scalar", chapter=[2], force=False), out)
        _EXERCISE["start"] = out.getvalue().replace(folder, "my-exercises")
        path = os.path.join(folder, "activations.py")
        with open(path, encoding="utf-8") as f:
            stub = f.read()
        _EXERCISE["stub"] = "def sigmoid_prime" + stub.split("def sigmoid_prime")[1].split("\n\n\n")[0]
        source = markers.module_source(activations)
        found = markers.find_exercises(source, "activations")
        bodies = markers.solution_bodies(source, found)
        answers = []
        for body in (WRONG_SIGMOID_PRIME, RIGHT_SIGMOID_PRIME):
            text = stub
            for ex in found:            # the learner's other functions: written right
                text = markers.fill(text, ex, body if ex.name == "sigmoid_prime" else bodies[ex.name])
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            answer = command.grade(folder)
            status = 0 if all(f["status"] == "pass" for f in answer["functions"]) else 1
            answers.append(command.render(answer, "my-exercises") + "(exit status %d)" % status)
        _EXERCISE["answers"] = answers
    return _EXERCISE


_EXERCISE = {}


@block
def exercise_start():
    run = _exercise_case_run()
    return code("$ twin-nn exercise start my-exercises --chapter 2\n" + run["start"]) + \
        "\n\nEach exercise keeps its name, signature and docstring; the body is gone:\n\n" + code(run["stub"], "python")


@block
def exercise_wrong():
    run = _exercise_case_run()
    return code("def sigmoid_prime(z):\n    \"\"\"s'(z) = s(z) (1 - s(z)).\"\"\"\n    # exercise 2.2\n" + WRONG_SIGMOID_PRIME,
                "python") + "\n\n" + code("$ twin-nn exercise check my-exercises\n" + run["answers"][0])


@block
def exercise_fixed():
    run = _exercise_case_run()
    return code("def sigmoid_prime(z):\n    \"\"\"s'(z) = s(z) (1 - s(z)).\"\"\"\n    # exercise 2.2\n" + RIGHT_SIGMOID_PRIME,
                "python") + "\n\n" + code("$ twin-nn exercise check my-exercises\n" + run["answers"][1])


LINKS = {
    "link_network221_forward": ("scalar_nn/network221.py", "Network221._forward"),
    "link_network221_step": ("scalar_nn/network221.py", "Network221._sgd_step"),
    "link_activations": ("scalar_nn/activations.py", "sigmoid, sigmoid_prime"),
    "link_test221": ("parity_tests/lesson/test_network221.py", "test_hand_worked_sgd_step"),
    "link_linalg": ("scalar_nn/linalg.py", "matmul, transpose, column_sums"),
    "link_vlinalg": ("vector_nn/linalg.py", None),
    "link_layers": ("scalar_nn/layers.py", "affine_forward, affine_backward, affine_backward_input"),
    "link_vlayers": ("vector_nn/layers.py", None),
    "link_layers_reg": ("scalar_nn/layers.py", "dropout_forward, dropout_backward, batchnorm_forward"),
    "link_mlp": ("scalar_nn/mlp.py", "MLP.forward_with_cache, MLP.backward"),
    "link_mlp_l2": ("scalar_nn/mlp.py", "MLP.l2_penalty, MLP.backward"),
    "link_losses": ("scalar_nn/losses.py", None),
    "link_optim": ("scalar_nn/optim.py", None),
    "link_training": ("scalar_nn/toolkit/training.py", None),
    "link_callbacks": ("scalar_nn/toolkit/callbacks.py", None),
    "link_datasets": ("scalar_nn/toolkit/splits.py", "train_val_split"),
    "link_overclock": ("scalar_nn/toolkit/callbacks.py", "Overclock"),
    "link_recipes_ab": ("twin_nn/recipes.py", "overclock_ab"),
    "link_parity": ("twin_nn/parity/", "run_twins, lockstep_tolerance, first_divergence"),
}
for _name, (_path, _func) in LINKS.items():
    BLOCKS[_name] = (lambda p, f: lambda: link(p, f))(_path, _func)

CHAPTER_SUMMARY = {
    "01-neuron-and-forward.md": "what one neuron computes; the sigmoid and its slope; the forward pass on the four people",
    "02-backprop-by-hand.md": "one SGD step on Alice: every partial derivative as its chain-rule product, every update",
    "03-scalars-to-matrices.md": "the same step as `X @ W + b`; every array's shape; dW, db, dA derived; why 2(Ŷ - Y)/m",
    "04-losses-and-shortcuts.md": "MSE, sigmoid + BCE, softmax + cross-entropy; the Jacobian way against `(P - onehot)/m`",
    "05-training.md": "batches, SGD, classic and EMA momentum against PyTorch and nnfs, decay, Adam's first step",
    "06-generalization.md": "held-out rows, L2 and its ½, inverted dropout, BatchNorm, early stopping, measured",
    "07-overclock.md": "the oscillation rule on made-up curves; the A/B run from the same weights",
    "08-loops-against-vectors.md": "the measured speedups, the crossover, why NumPy loses at batch 1",
    "09-how-we-know-the-twins-agree.md": "lockstep and free-running parity, a-priori tolerances, the first-divergence report",
    "10-questions-and-answers.md": "perceptron vs network, activations, vanishing gradients, lr, batch vs online, overfitting",
}

CHAPTER_LESSON = {
    "01-neuron-and-forward.md": "scalar_nn/network221.py",
    "02-backprop-by-hand.md": "scalar_nn/network221.py",
    "03-scalars-to-matrices.md": "scalar_nn/layers.py",
    "04-losses-and-shortcuts.md": "scalar_nn/losses.py",
    "05-training.md": "scalar_nn/optim.py",
    "06-generalization.md": "scalar_nn/mlp.py",
    "07-overclock.md": "scalar_nn/toolkit/callbacks.py",
    "08-loops-against-vectors.md": "vector_nn/linalg.py",
    "09-how-we-know-the-twins-agree.md": "twin_nn/parity/",
    "10-questions-and-answers.md": "scalar_nn/mlp.py",
}


def _fill(template):
    """Replace every {{name}} by BLOCKS[name]() (an unknown name is an error)."""
    def sub(match):
        """The text of the block a {{name}} names."""
        return BLOCKS[match.group(1)]()
    return re.sub(r"\{\{(\w+)\}\}", sub, template)


HEADER = "<!-- Written by docs/tour/generate.py from the project's own runs; edit the generator, not this file. -->\n\n"


def render_all():
    """{file name: text} of every chapter and the index, computed now."""
    out = {}
    for filename, (title, template) in CHAPTERS.items():
        out[filename] = HEADER + _fill(template.strip("\n")) + "\n"
    rows = "\n".join("| [%s](%s) | %s | %s |" % (f.split("-")[0].lstrip("0") + ". " + title, f, CHAPTER_SUMMARY[f],
                                                 "[`%s`](../../%s)" % (CHAPTER_LESSON[f], CHAPTER_LESSON[f]))
                     for f, (title, _) in CHAPTERS.items())
    out["README.md"] = HEADER + INDEX.replace("{{index_rows}}", rows)
    return out


def screenshot(path=os.path.join(HERE, "trace.png")):
    """Redo the committed screenshot of the step-through page (needs chromium on the PATH)."""
    import shutil
    import subprocess
    import tempfile
    from twin_nn import trace_html
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("chromium is not on the PATH")
    setup, traces = default_trace(8)
    with tempfile.TemporaryDirectory() as tmp:
        page = os.path.join(tmp, "trace.html")
        with open(page, "w", encoding="utf-8") as f:
            f.write(trace_html.page(trace.trace_data(setup, traces)))
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        "--user-data-dir=" + os.path.join(tmp, "profile"), "--screenshot=" + path,
                        "--window-size=1200,760", "--virtual-time-budget=2000",
                        "file://%s#step=3&phase=backward" % page], check=True, capture_output=True, timeout=120)


def main(argv=None):
    """Write the chapters (or, with --check, report which differ from what is committed)."""
    argv = sys.argv[1:] if argv is None else argv
    chapters = render_all()
    stale = []
    for name, text in chapters.items():
        path = os.path.join(HERE, name)
        old = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        if old != text:
            stale.append(name)
            if "--check" not in argv:
                with io.open(path, "w", encoding="utf-8", newline="\n") as f:
                    f.write(text)
    if "--screenshot" in argv:
        screenshot()
    if "--check" in argv:
        for name in stale:
            print("stale: docs/tour/%s" % name)
        return 1 if stale else 0
    print("wrote %d files, %d changed" % (len(chapters), len(stale)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
