"""Optimizers on arrays: the twin of ``scalar_nn/optim.py`` (same rules, same state).

Each rule is the scalar twin's loop body, applied to a whole parameter array
at once.  Parameters are updated in place (``P -= ...``), so the arrays in
``net.params`` stay the same objects::

    lr_s = lr0 / (1 + decay * s)                            (lr_at, the scalar twin's)
    SGD:   v = mu * v + (1 - d) * g ;  P -= lr_s * v        (P -= lr_s * g without momentum)
    Adam:  m = b1 m + (1 - b1) g ;  v = b2 v + (1 - b2) g g
           P -= lr_s * (m / c1) / (sqrt(v / c2) + eps)     c1 = 1 - b1^t, c2 = 1 - b2^t, t = s + 1

The learning rate, its decay and the step counter are not array math: they
are the scalar twin's ``Optimizer`` and ``lr_at``, shared.
"""

from collections.abc import Mapping

import numpy as np

from scalar_nn.conventions import ADAM_BETA1, ADAM_BETA2, ADAM_EPS
from scalar_nn.optim import Optimizer, lr_at  # noqa: F401  (lr, decay, steps: not array math)
from scalar_nn.toolkit.validation import check_bound, check_choice, check_number


def check_grads(params, grads):
    """The gradients must name exactly the parameters, with the same shapes (a dict, or a mapping
    such as the engine's ``Grads``)."""
    if not isinstance(grads, Mapping) or set(grads) != set(params):
        names = sorted(grads) if isinstance(grads, Mapping) else type(grads).__name__
        raise ValueError("grads have keys %s but params have %s" % (names, sorted(params)))
    for name, P in params.items():
        try:
            shape = np.shape(grads[name])
        except ValueError:                  # ragged nested lists have no shape
            shape = None
        if shape != P.shape:
            raise ValueError("gradient %s does not have the shape of the parameter" % name)


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, dampening and decay."""

    name = "sgd"
    hyperparameters = ("lr", "momentum", "dampening", "decay")

    def __init__(self, lr, momentum=0.0, dampening=0.0, decay=0.0):
        super().__init__(lr, decay)
        self.momentum = check_number("momentum", momentum, low=0.0, high=1.0, high_inclusive=False)
        self.dampening = check_number("dampening", dampening, low=0.0, high=1.0)
        if self.momentum > 0.0:
            self.state = {"v": {}}

    def step(self, params, grads):
        """One update of every parameter, in place (rule in the module docstring)."""
        # exercise 5.2
        check_bound(self, params, grads, check_grads)
        lr = self.current_lr()
        mu, d = self.momentum, self.dampening
        for name, P in params.items():
            g = np.asarray(grads[name], dtype=np.float64)
            if mu == 0.0:
                P -= lr * g                             # P <- P - lr g, in place
                continue
            if name not in self.state["v"]:
                self.state["v"][name] = np.zeros_like(P)
            v = self.state["v"][name]
            v[...] = mu * v + (1.0 - d) * g              # v <- mu v + (1 - d) g
            P -= lr * v                                 # P <- P - lr v
        self.steps += 1


class Adam(Optimizer):
    """Adam: momentum on the gradient and on its square, both bias-corrected."""

    name = "adam"
    hyperparameters = ("lr", "beta1", "beta2", "eps", "decay")

    def __init__(self, lr=0.001, beta1=ADAM_BETA1, beta2=ADAM_BETA2, eps=ADAM_EPS, decay=0.0):
        super().__init__(lr, decay)
        self.beta1 = check_number("beta1", beta1, low=0.0, high=1.0, high_inclusive=False)
        self.beta2 = check_number("beta2", beta2, low=0.0, high=1.0, high_inclusive=False)
        self.eps = check_number("eps", eps, low=0.0, low_inclusive=False)   # eps = 0 divides by 0
        self.state = {"m": {}, "v": {}}

    def step(self, params, grads):
        """One Adam update of every parameter, in place (rule in the module docstring)."""
        # exercise 5.3
        check_bound(self, params, grads, check_grads)
        lr = self.current_lr()
        b1, b2, eps, t = self.beta1, self.beta2, self.eps, self.steps + 1
        c1, c2 = 1.0 - b1 ** t, 1.0 - b2 ** t          # bias corrections
        for name, P in params.items():
            g = np.asarray(grads[name], dtype=np.float64)
            if name not in self.state["m"]:
                self.state["m"][name] = np.zeros_like(P)
                self.state["v"][name] = np.zeros_like(P)
            m, v = self.state["m"][name], self.state["v"][name]
            m[...] = b1 * m + (1.0 - b1) * g
            v[...] = b2 * v + (1.0 - b2) * g * g
            P -= lr * (m / c1) / (np.sqrt(v / c2) + eps)     # mhat = m / c1, vhat = v / c2
        self.steps += 1


# The registry, as in the scalar twin: an unknown name is an error, never a fallback.
OPTIMIZERS = {"sgd": SGD, "adam": Adam}


def make_optimizer(name, **hyperparameters):
    """The optimizer registered as ``name`` ("sgd" or "adam"), built with ``hyperparameters``."""
    return OPTIMIZERS[check_choice("optimizer", name, sorted(OPTIMIZERS))](**hyperparameters)
