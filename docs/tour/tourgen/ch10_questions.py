"""Chapter 10: questions and answers (perceptron, activations, vanishing gradients, lr, batches, overfitting), exercises."""

import io
import math
import os

from scalar_nn import activations, network221
from scalar_nn.mlp import MLP
from scalar_nn.optim import SGD
from scalar_nn.toolkit import datasets
from twin_nn import trace

from .kit import block, chapter, code, g, mat, table, vector_parts


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
    parts = vector_parts()
    X, Y = parts.datasets.sine3d(n=40, seed=2)
    rows = []
    for label, sizes in (("[3, 4, 1]", [3, 4, 1]), ("[3, 128, 128, 1]", [3, 128, 128, 1])):
        net = parts.MLP(sizes, hidden="tanh", output="linear", loss="mse", seed=0)
        h = net.fit(X, Y, parts.optimizer("adam", lr=0.01), epochs=600, batch_size=10, val_split=0.5, seed=0,
                    verbose=0)
        n_params = sum(v.size for v in net.params.values())
        rows.append([label, str(n_params), "%.3g" % h.loss[-1], "%.3g" % h.val_loss[-1]])
    return table(["net (20 training rows, 20 held out, 600 epochs)", "parameters", "train loss", "val loss"], rows)


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
