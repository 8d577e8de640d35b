"""Optimizers on arrays: the twin of ``scalar_nn/optim.py`` (same rules, same state).

Every update is written in place (``P -= ...``, ``v *= mu``) so the arrays in
``net.params`` and in the optimizer state stay the same objects, and the
order of the floating-point operations matches the scalar twin's line::

    v = mu * v + (1 - d) * g ;  P = P - lr_s * v
"""

import numpy as np

from scalar_nn.conventions import ADAM_BETA1, ADAM_BETA2, ADAM_EPS
from scalar_nn.optim import lr_at  # noqa: F401  (the schedule is not array math)
from scalar_nn.validation import check_number


def _zeros_like(x):
    """A float64 zero array with the shape of ``x``."""
    return np.zeros_like(x, dtype=np.float64)


def check_grads(params, grads):
    """The gradients must name exactly the parameters, with the same shapes."""
    if set(grads) != set(params):
        raise ValueError("grads have keys %s but params have %s" % (sorted(grads), sorted(params)))
    for name, P in params.items():
        try:
            shape = np.shape(grads[name])
        except ValueError:                      # ragged nested lists have no shape
            shape = None
        if shape != P.shape:
            raise ValueError("gradient %s does not have the shape of the parameter" % name)


class Optimizer:
    """What SGD and Adam share: the learning rate, its decay and the step counter."""

    def __init__(self, lr, decay):
        self.lr = check_number("lr", lr, low=0.0, low_inclusive=False)
        self.decay = check_number("decay", decay, low=0.0)
        self.steps = 0
        self.state = {}

    def current_lr(self):
        """lr_s for the next step."""
        return lr_at(self.lr, self.decay, self.steps)

    def set_lr(self, lr):
        """Change lr0 (used by Overclock); must stay > 0."""
        self.lr = check_number("lr", lr, low=0.0, low_inclusive=False)


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, dampening and decay."""

    def __init__(self, lr, momentum=0.0, dampening=0.0, decay=0.0):
        super().__init__(lr, decay)
        self.momentum = check_number("momentum", momentum, low=0.0, high=1.0, high_inclusive=False)
        self.dampening = check_number("dampening", dampening, low=0.0, high=1.0)
        if self.momentum > 0.0:
            self.state = {"v": {}}

    def step(self, params, grads):
        """One update of every parameter, in place."""
        check_grads(params, grads)
        lr = self.current_lr()
        mu, d = self.momentum, self.dampening
        for name, P in params.items():
            g = np.asarray(grads[name], dtype=np.float64)   # nested lists are accepted too
            if mu == 0.0:
                P -= lr * g
                continue
            if name not in self.state["v"]:
                self.state["v"][name] = _zeros_like(P)
            v = self.state["v"][name]
            v *= mu
            v += (1.0 - d) * g
            P -= lr * v
        self.steps += 1


class Adam(Optimizer):
    """Adam: bias-corrected moving averages of the gradient and its square."""

    def __init__(self, lr=0.001, beta1=ADAM_BETA1, beta2=ADAM_BETA2, eps=ADAM_EPS, decay=0.0):
        super().__init__(lr, decay)
        self.beta1 = check_number("beta1", beta1, low=0.0, high=1.0, high_inclusive=False)
        self.beta2 = check_number("beta2", beta2, low=0.0, high=1.0, high_inclusive=False)
        self.eps = check_number("eps", eps, low=0.0)
        self.state = {"m": {}, "v": {}}

    def step(self, params, grads):
        """One Adam update of every parameter, in place."""
        check_grads(params, grads)
        lr = self.current_lr()
        b1, b2, eps, t = self.beta1, self.beta2, self.eps, self.steps + 1
        c1, c2 = 1.0 - b1 ** t, 1.0 - b2 ** t
        for name, P in params.items():
            g = np.asarray(grads[name], dtype=np.float64)   # nested lists are accepted too
            if name not in self.state["m"]:
                self.state["m"][name] = _zeros_like(P)
                self.state["v"][name] = _zeros_like(P)
            m, v = self.state["m"][name], self.state["v"][name]
            m *= b1
            m += (1.0 - b1) * g
            v *= b2
            v += (1.0 - b2) * g * g
            mhat, vhat = m / c1, v / c2
            P -= lr * mhat / (np.sqrt(vhat) + eps)
        self.steps += 1
