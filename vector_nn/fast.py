"""The engine: vector_nn's MLP, SGD and Adam, tuned for speed.

``vector_nn/mlp.py`` and ``vector_nn/optim.py`` are the plain twin: one NumPy
line per scalar loop, written to be read beside ``scalar_nn``.  This module
is the rung above: the same network and the same update rules, with the
machinery that makes them fast, and a drop-in for them (same constructor,
``from_params``, ``predict``, ``loss_and_grads``, ``fit``, ``params``)::

    from vector_nn.fast import MLP, SGD, Adam

What it adds (the benchmarks' W5 is a 2000 x 64 Swish layer):

* **Work buffers.**  The hidden layers' (m, n_k) arrays -- Z_k, A_k, s(Z_k),
  dA_k and a scratch array -- are written with ``out=`` into arrays the
  network keeps from step to step (``_buffer``).  Without them each step
  allocates about twenty fresh megabyte arrays, and paging them in costs
  more than the arithmetic.
* **Fused activation passes.**  The forward pass hands the backward pass what
  it computed (s(z) for sigmoid and swish, tanh(z), z for relu) and the
  backward pass multiplies dA by act'(z) in place (``_activate_into``,
  ``_times_prime``); the hidden sigmoid is the four-pass 1 / (1 + exp(-z)),
  within 2 ulp of ``activations.sigmoid``.
* **Cheaper shapes.**  Column sums as one BLAS product 1^T dZ; outer products
  (one row, or one output unit) as a broadcast multiply; the weight gradient
  A^T dZ as (dZ^T A)^T, which OpenBLAS runs up to twice as fast when dZ is
  narrow (W4's 3072 x 15 first layer); batches gathered with ``np.take``
  (``FastOps.take_rows``), a plain copy of each row, where ``X[idx]`` goes
  through NumPy's general fancy indexing.
* **In-place updates.**  SGD and Adam write every product into kept scratch
  arrays: no step allocates.

The values are the plain formulas' up to summation order and those 2 ulp;
the parity suite runs this engine against the plain twin and the scalar twin
like any other twin.  Nothing handed back to the caller (Yhat, the loss, the
gradients) lives in a buffer.
"""

import numpy as np

from scalar_nn.toolkit.validation import check_bound

from . import mlp as _plain
from . import optim as _plain_optim
from .toolkit.ops import ArrayOps
from .layers import batchnorm_backward
from .losses import output_activation

_WORK_BATCH_SIZES = 4            # work buffers are kept for this many batch sizes
_WORK_MAX_BYTES = 64 * 2 ** 20   # larger intermediates are not kept between calls


class FastOps(ArrayOps):
    """The training loop's array helpers, with the batch gather as ``np.take`` (same rows, same values)."""

    name = "fast"

    def take_rows(self, A, idx):
        """The rows of A at ``idx``: ``np.take`` copies whole rows, several times faster than ``A[idx]``."""
        return np.take(np.asarray(A), idx, axis=0)


FAST_OPS = FastOps()


class MLP(_plain.MLP):
    """vector_nn's MLP with work buffers and fused activation passes (a drop-in)."""

    ops = FAST_OPS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._work = {}          # batch size m -> {name: work array}, see _buffer

    @classmethod
    def from_params(cls, params, *args, **kwargs):
        """As ``vector_nn.mlp.MLP.from_params``."""
        net = super().from_params(params, *args, **kwargs)
        net._work = {}
        return net

    def _buffer(self, name, shape):
        """A float64 work array for the intermediate ``name`` (e.g. "Z1"), kept for the next call.

        One set per batch size m (the last _WORK_BATCH_SIZES sizes seen); an
        array over _WORK_MAX_BYTES is made for this call only, so that a
        huge ``predict`` does not stay in memory.  Contents are garbage until
        written.
        """
        per_m = self._work.get(shape[0])
        if per_m is None:
            if len(self._work) >= _WORK_BATCH_SIZES:
                del self._work[next(iter(self._work))]          # the oldest batch size
            per_m = self._work[shape[0]] = {}
        buf = per_m.get(name)
        if buf is None or buf.shape != shape:
            buf = np.empty(shape)
            if buf.nbytes <= _WORK_MAX_BYTES:
                per_m[name] = buf
        return buf

    def forward_with_cache(self, X, training=False, masks=None, update_stats=False):
        """The forward pass on a clean array X: (Z_L, Yhat, caches), hidden layers in work buffers.

        Z_L and Yhat are new arrays; each hidden cache also holds "act": {"Z": U} as the plain twin's.
        """
        A = X
        caches = []
        keep = 1.0 - self.dropout
        m = X.shape[0]
        for k in range(1, self.n_layers):
            shape = (m, self.sizes[k])
            Z = np.matmul(A, self.params["W%d" % k], out=self._buffer("Z%d" % k, shape))
            Z += self.params["b%d" % k]                          # A_{k-1} @ W_k + b_k
            cache = {"A_prev": A, "Z": Z, "U": Z, "M": None, "bn": None}
            if self.batchnorm:
                cache["U"], cache["bn"] = self.batchnorm_layer(Z, k, training, update_stats)
            S = self._buffer("S%d" % k, shape) if self.hidden == "swish" else None
            cache["act"] = {"name": self.hidden, "Z": cache["U"]}
            A, cache["saved"] = _activate_into(self.hidden, cache["U"], self._buffer("A%d" % k, shape), S)
            if masks is not None:
                M = masks[k - 1]
                A = np.multiply(A, M, out=self._buffer("dropped%d" % k, shape))
                A /= keep                                        # act(U) * M / (1 - p)
                cache["M"] = M
            caches.append(cache)
        L = self.n_layers
        Z_L = A @ self.params["W%d" % L] + self.params["b%d" % L]
        caches.append({"A_prev": A})
        return Z_L, output_activation(self.output, Z_L), caches

    def backward(self, dZ, caches):
        """Gradients of the total loss, from dZ_L down to layer 1 (work buffers for dA)."""
        grads = {}
        keep = 1.0 - self.dropout
        for k in range(self.n_layers, 0, -1):
            W, b = self.params["W%d" % k], self.params["b%d" % k]
            A_prev = caches[k - 1]["A_prev"]
            if A_prev.shape[0] == 1:         # one row: an outer product, one broadcast multiply
                dW = A_prev.T * dZ
            else:
                dW = (dZ.T @ A_prev).T                           # A_{k-1}^T @ dZ_k, as (dZ_k^T A_{k-1})^T
            db = self._column_sums(dZ)
            if self.l2 > 0.0:
                dW += self.l2 * W
            if self.l2_bias > 0.0:
                db += self.l2_bias * b
            grads["W%d" % k], grads["b%d" % k] = dW, db
            if k == 1:
                break
            cache = caches[k - 2]
            dA = self._buffer("dA%d" % (k - 1), cache["Z"].shape)
            if W.shape[1] == 1:              # an outer product: one broadcast multiply beats BLAS here
                np.multiply(dZ, W.T, out=dA)
            else:
                np.matmul(dZ, W.T, out=dA)                       # dZ_k @ W_k^T
            if cache["M"] is not None:
                dA *= cache["M"]
                dA /= keep
            dU = _times_prime(self.hidden, dA, cache["U"], cache["saved"], self._buffer("T%d" % (k - 1), dA.shape))
            if cache["bn"] is None:
                dZ = dU
            else:
                dZ, grads["gamma%d" % (k - 1)], grads["beta%d" % (k - 1)] = \
                    batchnorm_backward(dU, cache["bn"])
        return {name: grads[name] for name in self.params}

    def _column_sums(self, dZ):
        """Sum over the rows of dZ (m, n) -> (n,), as the product 1^T dZ.

        One BLAS matrix-vector product: several times faster than
        ``dZ.sum(axis=0)`` on a C-ordered array (the same sum in another order).
        """
        m = dZ.shape[0]
        per_m = self._work.get(m)
        ones = None if per_m is None else per_m.get("ones")
        if ones is None:
            ones = np.ones(m)
            if per_m is not None:
                per_m["ones"] = ones
        return ones @ dZ



# ------------------------------------------------------------------ optimizers
class _Scratch:
    """Kept scratch arrays for the optimizers' products (mixed into SGD and Adam)."""

    def _scratch(self, name, P, i=0):
        """A float64 work array shaped like P for the update's products, kept between steps.

        ``P -= lr * g`` makes ``lr * g`` afresh at every step: for a 512 x 512
        layer that is 2 MB of new memory per step, which the allocator gives
        back to the system and the next step page-faults in again (a thousand
        page faults per step).  Written into a kept array, the values are the same.
        """
        work = self.__dict__.setdefault("_work", {})
        buf = work.get((name, i))
        if buf is None or buf.shape != P.shape:
            buf = work[(name, i)] = np.empty(P.shape)
        return buf


class SGD(_Scratch, _plain_optim.SGD):
    """vector_nn's SGD, every product written into kept scratch arrays."""

    def step(self, params, grads):
        """One update of every parameter, in place."""
        check_bound(self, params, grads, _plain_optim.check_grads)
        lr = self.current_lr()
        mu, d = self.momentum, self.dampening
        for name, P in params.items():
            g = np.asarray(grads[name], dtype=np.float64)   # nested lists are accepted too
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
        """One Adam update of every parameter, in place."""
        check_bound(self, params, grads, _plain_optim.check_grads)
        lr = self.current_lr()
        b1, b2, eps, t = self.beta1, self.beta2, self.eps, self.steps + 1
        c1, c2 = 1.0 - b1 ** t, 1.0 - b2 ** t
        for name, P in params.items():
            g = np.asarray(grads[name], dtype=np.float64)   # nested lists are accepted too
            if name not in self.state["m"]:
                self.state["m"][name] = np.zeros_like(P)
                self.state["v"][name] = np.zeros_like(P)
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


# ----------------------------------------------------------- fused activations
def _sigmoid_into(Z, S):
    """S = s(Z) = 1 / (1 + exp(-Z)) in four passes, for the training step.

    ``sigmoid`` needs seven (|z|, its negative, exp, 1 + e, the sign test,
    the numerator, the division) to keep exp's argument <= 0.  Here exp(-z)
    may overflow to inf for z < -709.78, and 1 / (1 + inf) = 0 is the right
    limit: the overflow is expected and silenced.  The result agrees with
    ``sigmoid`` to 2 ulp, except that for z < -709.78 it is 0 where
    ``sigmoid`` returns e^z < 2.3e-308.
    """
    with np.errstate(over="ignore"):
        np.negative(Z, out=S)
        np.exp(S, out=S)
    S += 1.0
    return np.divide(1.0, S, out=S)


def _activate_into(name, Z, A, S):
    """A = act(Z) written into A (linear returns Z itself); returns (A, saved).

    ``saved`` is what ``_times_prime`` needs: s(Z) for sigmoid (A itself) and
    swish (written into S), tanh(Z) for tanh (A itself), Z for relu and linear.
    """
    if name == "sigmoid":
        A = _sigmoid_into(Z, A)
        return A, A
    if name == "tanh":
        A = np.tanh(Z, out=A)
        return A, A
    if name == "relu":
        return np.maximum(Z, 0.0, out=A), Z
    if name == "swish":
        S = _sigmoid_into(Z, S)
        return np.multiply(Z, S, out=A), S             # z s(z)
    return Z, Z


def _times_prime(name, dA, Z, saved, T):
    """dA *= act'(Z) in place, from the forward pass's ``saved``; T is a scratch array.

    Each factor is ``activate_prime``'s expression with the same rounding:
    sigmoid s (1 - s), tanh 1 - t^2, relu [z > 0], swish s (1 + z (1 - s)).
    """
    if name == "linear":
        return dA
    if name == "relu":
        np.greater(Z, 0.0, out=T, casting="unsafe")       # relu'(z) as 1.0 / 0.0
    elif name == "tanh":
        np.multiply(saved, saved, out=T)
        np.subtract(1.0, T, out=T)                       # 1 - t^2
    else:                                                # sigmoid, swish: s = saved
        np.subtract(1.0, saved, out=T)                   # 1 - s
        if name == "swish":
            T *= Z                                       # z (1 - s)
            T += 1.0                                     # 1 + z (1 - s)
        T *= saved                                       # ... * s
    dA *= T
    return dA
