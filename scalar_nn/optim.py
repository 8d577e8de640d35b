"""Optimizers: how a gradient becomes a change of the parameters.

Both update ``params`` in place from ``grads`` computed *before* the step, and
keep their state (velocities, moments) per parameter, under the same names.

Learning-rate decay (both optimizers)::

    lr_s = lr0 / (1 + decay * s)       s = steps already taken (0 on the first)

SGD (lr, momentum mu, dampening d, decay)::

    if mu == 0:   P <- P - lr_s * g
    else:         v <- mu * v + (1 - d) * g        (v starts at 0)
                  P <- P - lr_s * v
    d = 0:  classic heavy-ball momentum; d = mu: the moving average
    v = mu v + (1 - mu) g ("EMA momentum").

Adam (lr, beta1 b1, beta2 b2, eps, decay), at step t = s + 1::

    m <- b1 m + (1 - b1) g          v <- b2 v + (1 - b2) g^2     (both start at 0)
    mhat = m / (1 - b1^t)           vhat = v / (1 - b2^t)
    P <- P - lr_s * mhat / (sqrt(vhat) + eps)

Why the bias correction?  m and v start at 0, so early on they underestimate
the gradient's mean and square; dividing by (1 - b^t) undoes exactly that.
"""

import math

from .conventions import ADAM_BETA1, ADAM_BETA2, ADAM_EPS
from .linalg import rows_of
from .toolkit.binding import check_bound
from .toolkit.checks import check_choice, check_number


def lr_at(lr0, decay, steps):
    """The decayed learning rate lr0 / (1 + decay * steps)."""
    # exercise 5.1
    return lr0 / (1.0 + decay * steps)


def _zeros_like(x):
    """A zero vector or matrix with the shape of ``x``."""
    if x and isinstance(x[0], list):
        return [[0.0] * len(row) for row in x]
    return [0.0] * len(x)


def check_grads(params, grads):
    """The gradients must name exactly the parameters, with the same shapes."""
    if set(grads) != set(params):
        raise ValueError("grads have keys %s but params have %s" % (sorted(grads), sorted(params)))
    for name in params:
        P, g = rows_of(params[name]), rows_of(grads[name])
        if len(P) != len(g) or any(len(p) != len(q) for p, q in zip(P, g)) or \
                isinstance(params[name][0], list) != isinstance(grads[name][0], list):
            raise ValueError("gradient %s does not have the shape of the parameter" % name)


class Optimizer:
    """What SGD and Adam share: the learning rate, its decay and the step counter.

    An optimizer is bound to the parameter dict of its first ``step``: its
    state is theirs, and stepping another network's parameters later is an
    error (``toolkit/binding.py``).  ``bound_params`` is that dict, None
    until the first step.  The learning rate ``lr`` (lr0) may be changed
    between steps (the Overclock callback does); the decay then applies to it.
    """

    def __init__(self, lr, decay):
        self.lr = check_number("lr", lr, low=0.0, low_inclusive=False)
        self.decay = check_number("decay", decay, low=0.0)
        self.steps = 0
        self.state = {}
        self.bound_params = None    # the params of the first step (binding.check_bound)

    def current_lr(self):
        """lr_s for the next step."""
        return lr_at(self.lr, self.decay, self.steps)

    def __repr__(self):
        options = ", ".join("%s=%g" % (k, getattr(self, k)) for k in self.hyperparameters)
        return "%s(%s, steps=%d)" % (type(self).__name__, options, self.steps)


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
        for name in params:
            P_rows, g_rows = rows_of(params[name]), rows_of(grads[name])
            if mu == 0.0:
                for P, g in zip(P_rows, g_rows):
                    P[:] = [p - lr * gi for p, gi in zip(P, g)]        # P <- P - lr g, in place
                continue
            if name not in self.state["v"]:
                self.state["v"][name] = _zeros_like(params[name])
            for P, g, v in zip(P_rows, g_rows, rows_of(self.state["v"][name])):
                v[:] = [mu * vi + (1.0 - d) * gi for vi, gi in zip(v, g)]   # v <- mu v + (1 - d) g
                P[:] = [p - lr * vi for p, vi in zip(P, v)]                 # P <- P - lr v
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
        for name in params:
            if name not in self.state["m"]:
                self.state["m"][name] = _zeros_like(params[name])
                self.state["v"][name] = _zeros_like(params[name])
            rows = zip(rows_of(params[name]), rows_of(grads[name]),
                       rows_of(self.state["m"][name]), rows_of(self.state["v"][name]))
            for P, g, m, v in rows:
                for i in range(len(P)):
                    m[i] = b1 * m[i] + (1.0 - b1) * g[i]
                    v[i] = b2 * v[i] + (1.0 - b2) * g[i] * g[i]
                    mhat, vhat = m[i] / c1, v[i] / c2
                    P[i] = P[i] - lr * mhat / (math.sqrt(vhat) + eps)
        self.steps += 1


# The registry: an optimizer is chosen by name, and an unknown name is an error
# (never a silent fallback to another rule).
OPTIMIZERS = {"sgd": SGD, "adam": Adam}


def make_optimizer(name, **hyperparameters):
    """The optimizer registered as ``name`` ("sgd" or "adam"), built with ``hyperparameters``."""
    return OPTIMIZERS[check_choice("optimizer", name, sorted(OPTIMIZERS))](**hyperparameters)
