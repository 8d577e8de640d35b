"""Optimizers on arrays: the twin of ``scalar_nn/optim.py`` (same rules, same state).

Every update is written in place (``P -= ...``, ``v *= mu``, products into
kept scratch arrays) so the arrays in ``net.params`` and in the optimizer
state stay the same objects, no step allocates, and the order of the
floating-point operations matches the scalar twin's line::

    v = mu * v + (1 - d) * g ;  P = P - lr_s * v
"""

import numpy as np

from scalar_nn.conventions import ADAM_BETA1, ADAM_BETA2, ADAM_EPS
from scalar_nn.optim import Optimizer as _ScalarOptimizer
from scalar_nn.optim import lr_at  # noqa: F401  (the schedule is not array math)
from scalar_nn.validation import check_number


def _zeros_like(x):
    """A float64 zero array with the shape of ``x``."""
    return np.zeros_like(x, dtype=np.float64)


def check_grads(params, grads):
    """The gradients must name exactly the parameters, with the same shapes."""
    same_names = grads.keys() == params.keys() if isinstance(grads, dict) else set(grads) == set(params)
    if not same_names:
        raise ValueError("grads have keys %s but params have %s" % (sorted(grads), sorted(params)))
    for name, P in params.items():
        g = grads[name]
        if isinstance(g, np.ndarray):           # the usual case, checked without a conversion
            shape = g.shape
        else:
            try:
                shape = np.shape(g)
            except ValueError:                  # ragged nested lists have no shape
                shape = None
        if shape != P.shape:
            raise ValueError("gradient %s does not have the shape of the parameter" % name)


class Optimizer(_ScalarOptimizer):
    """The scalar twin's bookkeeping (lr, decay, step counter, set_lr), plus kept scratch arrays."""

    def __init__(self, lr, decay):
        super().__init__(lr, decay)
        self._work = {}          # (parameter name, i) -> scratch array, see _scratch

    def _scratch(self, name, P, i=0):
        """A float64 work array shaped like P for the update's products, kept between steps.

        ``P -= lr * g`` makes ``lr * g`` afresh at every step: for a 512 x 512
        layer that is 2 MB of new memory per step, which the allocator gives
        back to the system and the next step page-faults in again (a thousand
        page faults per step).  Written into a kept array, the values are the same.
        """
        buf = self._work.get((name, i))
        if buf is None or buf.shape != P.shape:
            buf = self._work[(name, i)] = np.empty(P.shape)
        return buf


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
            tmp = self._scratch(name, P)
            if mu == 0.0:
                P -= np.multiply(g, lr, out=tmp)                 # P - lr g
                continue
            if name not in self.state["v"]:
                self.state["v"][name] = _zeros_like(P)
            v = self.state["v"][name]
            v *= mu
            v += g if d == 0.0 else np.multiply(g, 1.0 - d, out=tmp)   # (1 - 0) g is g, exactly
            P -= np.multiply(v, lr, out=tmp)                     # P - lr v
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
            tmp, tmp2 = self._scratch(name, P), self._scratch(name, P, 1)
            m *= b1
            m += np.multiply(g, 1.0 - b1, out=tmp)               # + (1 - b1) g
            v *= b2
            np.multiply(g, 1.0 - b2, out=tmp)
            tmp *= g
            v += tmp                                             # + (1 - b2) g g
            step = np.divide(m, c1, out=tmp)                     # mhat = m / c1
            step *= lr                                           # lr mhat
            denom = np.divide(v, c2, out=tmp2)                   # vhat = v / c2
            np.sqrt(denom, out=denom)
            denom += eps                                         # sqrt(vhat) + eps
            step /= denom
            P -= step
        self.steps += 1
