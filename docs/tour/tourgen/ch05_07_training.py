"""Chapters 5 to 7: training (batches, momentum, decay, Adam), generalization (split, L2, dropout, BatchNorm), Overclock."""

import math

from scalar_nn import network221
from scalar_nn.mlp import MLP
from scalar_nn.optim import SGD, lr_at
from scalar_nn.toolkit import datasets
from scalar_nn.toolkit.training import sequential_batch
from twin_nn import recipes, trace

from .kit import block, chapter, code, default_trace, g, mat, table, vector_parts


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
    parts = vector_parts()
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
