"""Chapters 1 and 2: the 2-2-1 network's forward pass on the four people, and one SGD step on Alice by hand."""

from scalar_nn import activations, network221
from scalar_nn.mlp import MLP
from scalar_nn.optim import SGD
from scalar_nn.toolkit import datasets
from twin_nn import recipes, trace

from .kit import block, chapter, code, default_trace, g, mat, table


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
