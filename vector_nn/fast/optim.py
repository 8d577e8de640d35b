"""The engine's SGD and Adam: the plain twin's rules, in place, in one pass after a lean step.

Every product goes into a kept scratch array (no step allocates).  Handed
the ``Grads`` of a lean step together with exactly the parameters it is the
gradient of (``layout.Flat.holds``), an optimizer updates all of them in one
pass over the flat vectors: the per-parameter update, element by element.
Anything else takes the per-parameter loop.
"""

import numpy as np

from scalar_nn.toolkit.validation import check_bound

from .. import optim as _plain_optim
from .layout import Grads


def _same_network(params, grads):
    """Nothing more to check: ``grads`` is a lean step's gradient of exactly ``params`` (``_one_pass``)."""


class _Scratch:
    """Kept scratch arrays for the optimizers' products (mixed into SGD and Adam)."""

    def _scratch(self, name, P, i=0):
        """A work array shaped like P for the update's products, kept between steps.

        ``P -= lr * g`` makes ``lr * g`` afresh at every step: for a 512 x 512
        layer that is 2 MB of new memory per step, which the allocator gives
        back to the system and the next step page-faults in again (a thousand
        page faults per step).  Written into a kept array, the values are the same.
        """
        work = self.__dict__.setdefault("_work", {})
        buf = work.get((name, i))
        if buf is None or buf.shape != P.shape or buf.dtype != P.dtype:
            buf = work[(name, i)] = np.empty(P.shape, P.dtype)
        return buf

    def _one_pass(self, params, grads, slots):
        """((flat params, [flat state vector per slot], ...), flat grads) when one pass can update them all, else None.

        That is when ``grads`` is a lean step's ``Grads`` and ``params`` holds
        exactly the views of the network's flat vector it was computed from,
        and each state dict in ``slots`` ("v", or "m" and "v") holds this
        optimizer's flat views (or nothing yet: then they are made, zeros, as
        the per-parameter loop would).
        """
        if type(grads) is not Grads or grads.flat is None or type(params) is not dict \
                or not grads.source.holds(params):
            return None
        source = grads.source
        names, P = source.layout.names, source.P
        flat = self.__dict__.get("_flat_state")
        if flat is None or flat[0] is not P:
            if any(self.state[s] for s in slots):
                return None               # state from the per-parameter loop: keep using it
            vectors = [np.zeros_like(P) for _ in slots]
            views = [source.layout.views(V) for V in vectors]
            for s, vs in zip(slots, views):
                self.state[s].update(zip(names, vs))
            flat = self._flat_state = (P, vectors, views, np.empty_like(P), np.empty_like(P))
        for s, vs in zip(slots, flat[2]):
            state = self.state[s]
            if len(state) != len(names) or any(state.get(name) is not v for name, v in zip(names, vs)):
                return None
        return flat, grads.flat


class SGD(_Scratch, _plain_optim.SGD):
    """vector_nn's SGD, every product written into kept scratch arrays."""

    def step(self, params, grads):
        """One update of every parameter, in place (all of them in one pass after a lean step)."""
        mu, d = self.momentum, self.dampening
        one_pass = self._one_pass(params, grads, ("v",) if mu != 0.0 else ())
        check_bound(self, params, grads, _plain_optim.check_grads if one_pass is None else _same_network)
        lr = self.current_lr()
        if one_pass is not None:
            (P, vectors, _, tmp, _), G = one_pass
            if mu == 0.0:
                P -= np.multiply(G, lr, out=tmp)                 # P - lr g
            else:
                v = vectors[0]
                v *= mu
                v += G if d == 0.0 else np.multiply(G, 1.0 - d, out=tmp)
                P -= np.multiply(v, lr, out=tmp)                 # P - lr v
            self.steps += 1
            return
        for name, P in params.items():
            g = np.asarray(grads[name], dtype=P.dtype)           # nested lists are accepted too
            tmp = self._scratch(name, P)
            if mu == 0.0:
                P -= np.multiply(g, lr, out=tmp)                 # P - lr g
                continue
            if name not in self.state["v"]:
                self.state["v"][name] = np.zeros_like(P)
            v = self.state["v"][name]
            v *= mu
            v += g if d == 0.0 else np.multiply(g, 1.0 - d, out=tmp)   # (1 - 0) g is g, exactly
            P -= np.multiply(v, lr, out=tmp)                     # P - lr v
        self.steps += 1


class Adam(_Scratch, _plain_optim.Adam):
    """vector_nn's Adam, in place, every product written into kept scratch arrays."""

    def step(self, params, grads):
        """One Adam update of every parameter, in place (all of them in one pass after a lean step)."""
        one_pass = self._one_pass(params, grads, ("m", "v"))
        check_bound(self, params, grads, _plain_optim.check_grads if one_pass is None else _same_network)
        lr = self.current_lr()
        b1, b2, eps, t = self.beta1, self.beta2, self.eps, self.steps + 1
        c1, c2 = 1.0 - b1 ** t, 1.0 - b2 ** t
        if one_pass is not None:
            (P, (m, v), _, tmp, tmp2), G = one_pass
            _adam_update(P, G, m, v, tmp, tmp2, lr, b1, b2, eps, c1, c2)
            self.steps += 1
            return
        for name, P in params.items():
            g = np.asarray(grads[name], dtype=P.dtype)           # nested lists are accepted too
            if name not in self.state["m"]:
                self.state["m"][name] = np.zeros_like(P)
                self.state["v"][name] = np.zeros_like(P)
            m, v = self.state["m"][name], self.state["v"][name]
            _adam_update(P, g, m, v, self._scratch(name, P), self._scratch(name, P, 1), lr, b1, b2, eps, c1, c2)
        self.steps += 1


def _adam_update(P, g, m, v, tmp, tmp2, lr, b1, b2, eps, c1, c2):
    """One Adam update of P in place; tmp and tmp2 are scratch arrays shaped like P."""
    m *= b1
    m += np.multiply(g, 1.0 - b1, out=tmp)                       # + (1 - b1) g
    v *= b2
    np.multiply(g, 1.0 - b2, out=tmp)
    tmp *= g
    v += tmp                                                     # + (1 - b2) g g
    step = np.divide(m, c1, out=tmp)                             # mhat = m / c1
    step *= lr                                                   # lr mhat
    denom = np.divide(v, c2, out=tmp2)                           # vhat = v / c2
    np.sqrt(denom, out=denom)
    denom += eps                                                 # sqrt(vhat) + eps
    step /= denom
    P -= step
