"""The engine's MLP: the plain twin's network, with a lean step for plain batches.

``MLP`` is ``vector_nn.mlp.MLP`` (same constructor, ``from_params``,
``predict``, ``loss_and_grads``, ``fit``, ``params``) plus one thing: a
plain batch -- no dropout masks, no BatchNorm, not exact mode -- takes the
lean step (``_lean``), one forward and one backward pass through work
buffers kept per batch size (``plan.py``), fused activation passes and
one-pass output kernels (``kernels.py``), the gradients written into one
flat vector (``layout.py``).  Everything else -- dropout, BatchNorm, exact
mode, ``predict``, ``forward_with_cache``, ``backward`` -- is the plain
twin's own code, inherited: the engine has one backprop of its own.

``dtype="float32"`` runs the engine in single precision: parameters,
optimizer state, work buffers and gradients are float32, inputs and float
targets are cast to float32 at the boundary, and so every product is a
float32 one.  It is offered for the lean step's networks (no dropout, no
BatchNorm, not exact mode, which is the scalar twin's float64 by definition).
"""

import numpy as np

import scalar_nn.toolkit.validation as _shared

from .. import mlp as _plain
from ..toolkit import validation as check
from ..toolkit.ops import ArrayOps
from .kernels import activate_into, activated, finite_loss_and_matrix, times_prime
from .layout import FLAT_MAX, Flat, Grads
from .plan import Plan, WorkBuffers


DTYPES = ("float64", "float32")


class FastOps(ArrayOps):
    """The training loop's array helpers, with the batch gather as ``take`` (same rows, same values)."""

    name = "fast"

    def clean_data(self, net, X, Y, what="X"):
        """As the plain twin's, in the network's dtype (float targets too; class indices stay integers)."""
        X, Y = super().clean_data(net, X, Y, what)
        return net.as_dtype(X), net.as_dtype(Y)

    def take_rows(self, A, idx):
        """The rows of A at ``idx``: ``take`` copies whole rows, several times faster than ``A[idx]``."""
        if type(A) is np.ndarray:
            return A.take(idx, axis=0)       # the method: np.take's Python wrapper costs a microsecond
        return np.take(np.asarray(A), idx, axis=0)


FAST_OPS = FastOps()


class MLP(_plain.MLP):
    """vector_nn's MLP with a lean step for plain batches (a drop-in; ``exact=True`` runs the plain code).

    ``dtype`` is "float64" (the default, the plain twin's) or "float32".
    """

    ops = FAST_OPS
    dtype = np.dtype(np.float64)

    def __init__(self, *args, dtype="float64", **kwargs):
        super().__init__(*args, **kwargs)
        self._start(dtype)

    @classmethod
    def from_params(cls, params, *args, dtype="float64", **kwargs):
        """As ``vector_nn.mlp.MLP.from_params``; ``dtype`` as in the constructor (float64 values are rounded)."""
        net = super().from_params(params, *args, **kwargs)
        net._start(dtype)
        return net

    def __repr__(self):
        text = super().__repr__()
        return text[:-1] + ", dtype='float32')" if self.dtype == np.float32 else text

    def __getstate__(self):
        """For copy and pickle: the network without its work buffers and flat vectors (remade on load)."""
        state = dict(self.__dict__)
        for name in ("_work", "_flat"):
            state.pop(name, None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._start(self.dtype)

    def _start(self, dtype):
        """The dtype, work buffers, and every parameter made a view of one flat vector (same values) where the
        lean step applies."""
        self.dtype = _checked_dtype(self, dtype)
        if self.dtype != np.float64:
            self.params = {name: P.astype(self.dtype) for name, P in self.params.items()}
        self._work = WorkBuffers(self.dtype)
        names = tuple(n for k in range(1, self.n_layers + 1) for n in ("W%d" % k, "b%d" % k))
        size = sum(P.size for P in self.params.values())
        if self.exact or self.batchnorm or tuple(self.params) != names or size > FLAT_MAX:
            self._flat = None            # no lean step: the plain twin's code
            return
        self._flat = Flat(self.params, self.dtype)
        self.params.update(zip(self._flat.layout.names, self._flat.views))

    def _plan(self, m):
        """The ``Plan`` of batch size m, kept with the work buffers of m."""
        per_m = self._work.by_m.get(m)
        plan = None if per_m is None else per_m.get("plan")
        if plan is None or plan.key != (self.hidden, self.output, self.loss_name, self._flat):
            plan = Plan(self, m)
            per_m = self._work.by_m.get(m)
            if plan.keep and per_m is not None:
                per_m["plan"] = plan
        return plan

    def as_dtype(self, A):
        """A float array (inputs, targets) in the network's dtype; integer class indices as they are."""
        if A.dtype.kind != "f" or A.dtype == self.dtype:
            return A
        return A.astype(self.dtype)

    def forward_with_cache(self, X, training=False, masks=None, update_stats=False):
        """The plain twin's forward pass, on X in the network's dtype."""
        return super().forward_with_cache(self.as_dtype(X), training, masks, update_stats)

    def data_loss(self, Z, Yhat, Y):
        """The plain twin's data loss, on targets in the network's dtype."""
        return super().data_loss(Z, Yhat, self.as_dtype(Y))

    def _lean_applies(self):
        """A flat network (not exact, no BatchNorm) without dropout in this mode: the lean step's case."""
        return self._flat is not None and not (self.training and self.dropout > 0.0)

    def loss_and_grads(self, X, Y, masks=None):
        """As the plain twin's: a plain batch takes the lean step, checked in full only on the failure path."""
        plain = check.plain_batch(self, X, Y) if masks is None and self._lean_applies() else None
        if plain is None:
            return super().loss_and_grads(X, Y, masks)
        X, Y = plain
        if self.dtype != np.float64:
            X, Y = self.as_dtype(X), self.as_dtype(Y)
        return _shared.deferred_check(self, X, Y, self._lean, check.full_check, finite_loss_and_matrix)

    def loss_and_grads_clean(self, X, Y, masks=None):
        """As the plain twin's; a plain batch takes the lean step (``_lean``)."""
        if X.dtype is not self.dtype:                            # float64 data for a float32 network
            X, Y = self.as_dtype(X), self.as_dtype(Y)
        if masks is None and self._lean_applies():
            return self._lean(X, Y)
        return super().loss_and_grads_clean(X, Y, masks)

    def _lean(self, X, Y):
        """(loss, Grads, Yhat): the plain twin's ``loss_and_grads_clean`` without masks and BatchNorm.

        The same formulas as ``forward_with_cache``, ``data_loss``,
        ``output_delta`` and ``backward``, with the per-call lookups done once
        per batch size (``Plan``) and the gradients written into the
        network's flat gradient vector, of which the caller gets a copy.
        """
        flat = self._flat
        if not flat.holds(self.params):
            return super().loss_and_grads_clean(X, Y, None)      # a parameter was replaced
        plan = self._plan(X.shape[0])
        hidden = self.hidden
        acts, saved = [X], [None]
        A = X
        aug = plan.aug
        if aug is not None:
            np.copyto(aug[1], X)
            A = aug[0]                                           # [X 1]
        for W, b, Z, Ab, Sb, ZT, blocks in plan.forward:
            if blocks is not None:           # a big batch: the layer a block of rows at a time, in cache
                for rows in blocks:
                    Zr = np.dot(A[rows], W, out=Z[rows])
                    if b is not None:
                        Zr += b
                    activate_into(hidden, Zr, Ab[rows], None if Sb is None else Sb[rows])
                A, s = activated(hidden, Z, Ab, Sb)
            else:
                if ZT is None:
                    np.dot(A, W, out=Z)
                else:
                    np.dot(W.T, A.T, out=ZT)                     # Z is ZT.T
                if b is not None:
                    Z += b                                       # A_{k-1} @ W_k + b_k
                A, s = activate_into(hidden, Z, Ab, Sb)
            acts.append(A)
            saved.append(s)
        pv = flat.views
        Z = np.dot(A, pv[-2])
        Z += pv[-1]                                              # Z_L, a new array
        self.last_masks = None
        loss, Yhat, dZ = plan.output(self.output, self.loss_name, Z, Y, plan)
        self.last_output = Yhat
        if self.l2 > 0.0 or self.l2_bias > 0.0:
            loss = loss + self.l2_penalty()
        self._backward(plan, acts, saved, dZ)
        return loss, Grads(flat.G.copy(), flat), Yhat

    def _backward(self, plan, acts, saved, dZ):
        """The lean step's backward pass, from dZ_L: every gradient into the flat gradient vector."""
        hidden, l2, l2_bias, aug = self.hidden, self.l2, self.l2_bias, plan.aug
        for k, W, b, Zb, Tb, dA, wide, blocks in plan.backward:
            A_prev, (gW, gb) = acts[k - 1], plan.grads[k - 1]
            if k == 1 and aug is not None:
                np.dot(aug[0].T, dZ, out=aug[2])                 # [dW_1; db_1] = [X 1]^T dZ_1
            elif wide:
                np.dot(dZ.T, A_prev, out=gW.T)                   # dW_k^T = dZ_k^T A_{k-1}, into the flat vector
                np.dot(plan.ones, dZ, out=gb)
            else:
                np.dot(A_prev.T, dZ, out=gW)                     # A_{k-1}^T @ dZ_k (an outer product for one row)
                np.dot(plan.ones, dZ, out=gb)                    # 1^T dZ_k: column sums as one BLAS product
            if l2 > 0.0:
                gW += l2 * W
            if l2_bias > 0.0:
                gb += l2_bias * b
            if dA is None:
                break
            if blocks is not None:
                s = saved[k - 1]
                for rows in blocks:
                    np.dot(dZ[rows], W.T, out=dA[rows])
                    times_prime(hidden, dA[rows], Zb[rows], s[rows], Tb[rows])
                dZ = dA
                continue
            np.dot(dZ, W.T, out=dA)                              # dZ_k @ W_k^T (BLAS beats a broadcast here too)
            dZ = times_prime(hidden, dA, Zb, saved[k - 1], Tb)


def _checked_dtype(net, dtype):
    """np.dtype of "float64" or "float32" (names or NumPy types); float32 only where the lean step runs."""
    try:
        found = np.dtype(dtype) if dtype is not None else None
    except TypeError:
        found = None
    if found is None or found.name not in DTYPES:
        raise ValueError("dtype must be 'float64' or 'float32', got %r" % (dtype,))
    if found == np.float32 and (net.exact or net.batchnorm or net.dropout > 0.0):
        raise ValueError("dtype='float32' is for the engine's lean step: not with %s"
                         % ("exact=True (the scalar twin's float64)" if net.exact else
                            "batchnorm" if net.batchnorm else "dropout"))
    return found
