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

import os
from functools import partial

import numpy as np

import scalar_nn.toolkit.checks as _shared

from .. import mlp as _plain
from ..toolkit import validation as check
from ..toolkit.ops import ArrayOps
from .kernels import activate_into, finite_loss_and_matrix, times_prime
from .layout import FLAT_MAX, Flat, Grads
from .plan import Plan, WorkBuffers, chunk_rows
from .team import Team


DTYPES = ("float64", "float32")


class FastOps(ArrayOps):
    """The training loop's array helpers, with the batch gather as ``take`` (same rows, same values)."""

    name = "fast"

    def take_rows(self, A, idx):
        """The rows of A at ``idx``: ``take`` copies whole rows, several times faster than ``A[idx]``."""
        if type(A) is np.ndarray:
            return A.take(idx, axis=0)       # the method: np.take's Python wrapper costs a microsecond
        return np.take(np.asarray(A), idx, axis=0)


FAST_OPS = FastOps()


class MLP(_plain.MLP):
    """vector_nn's MLP with a lean step for plain batches (a drop-in; ``exact=True`` runs the plain code).

    ``dtype`` is "float64" (the default, the plain twin's) or "float32".
    ``threads``: how many threads a big batch's row chunks share (an int, or
    "all": every core this process may use).  The default is 1: the chunks
    and the order their gradients are added do not depend on it, so it
    changes the time of a step, never its numbers; and on a machine whose
    cores are busy with other work, a step that waits for a second core can
    take many times longer than one that does not.
    """

    ops = FAST_OPS
    dtype = np.dtype(np.float64)

    def __init__(self, *args, dtype="float64", threads=1, **kwargs):
        super().__init__(*args, **kwargs)
        self._start(dtype, threads)

    @classmethod
    def from_params(cls, params, *args, dtype="float64", threads=1, **kwargs):
        """As ``vector_nn.mlp.MLP.from_params``; ``dtype``, ``threads`` as in the constructor (float64 values are
        rounded to float32)."""
        net = super().from_params(params, *args, **kwargs)
        net._start(dtype, threads)
        return net

    def __repr__(self):
        text = super().__repr__()
        return text[:-1] + ", dtype='float32')" if self.dtype == np.float32 else text

    def __getstate__(self):
        """For copy and pickle: the network without its work buffers and flat vectors (remade on load)."""
        state = dict(self.__dict__)
        for name in ("_work", "_flat", "_team", "_extra_lanes"):
            state.pop(name, None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._start(self.dtype, state.get("threads", 1))

    def _start(self, dtype, threads):
        """The dtype, threads, work buffers, and every parameter made a view of one flat vector (same values)
        where the lean step applies."""
        self.dtype = _checked_dtype(self, dtype)
        self.threads = checked_threads(threads)
        self._team, self._extra_lanes = None, []
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

    def _plan(self, work, m, G, total):
        """The ``Plan`` of m rows (of a batch of ``total``) writing G, kept with the buffers of m in ``work``."""
        per_m = work.by_m.get(m)
        plan = None if per_m is None else per_m.get("plan")
        if plan is None or plan.G is not G or plan.key != (self.hidden, self.output, self.loss_name, self._flat,
                                                           total):
            plan = Plan(self, m, work, G, total)
            per_m = work.by_m.get(m)
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
        network's flat gradient vector, of which the caller gets a copy.  A
        big batch goes chunk by chunk (``plan.chunk_rows``), on ``threads``
        threads where it has that many chunks.
        """
        flat = self._flat
        if not flat.holds(self.params):
            return super().loss_and_grads_clean(X, Y, None)      # a parameter was replaced
        m = X.shape[0]
        chunks = chunk_rows(self, m)
        if chunks is None:
            total, Yhat = self._pass(self._plan(self._work, m, flat.G, m), X, Y)
        else:
            total, Yhat = self._chunked(chunks, X, Y)
        loss = float(total / (m if self.loss_name == "cross_entropy" else m * self.sizes[-1]))
        self.last_masks = None
        self.last_output = Yhat
        if self.l2 > 0.0 or self.l2_bias > 0.0:
            loss = loss + self.l2_penalty()
            self._l2_grads(flat)
        return loss, Grads(flat.G.copy(), flat), Yhat

    def _pass(self, plan, X, Y):
        """(loss sum, Yhat) of the rows X, Y: forward, output kernel, backward into ``plan.G`` (no L2)."""
        hidden = self.hidden
        acts, saved = [X], [None]
        A = X
        aug = plan.aug
        if aug is not None:
            np.copyto(aug[1], X)
            A = aug[0]                                           # [X 1]
        for W, b, Z, Ab, Sb, ZT, Zp in plan.forward:
            if Zp is not None:
                np.dot(A, W, out=Zp)                             # A_{k-1} @ [W_k 0]; Z is its first columns
            elif ZT is None:
                np.dot(A, W, out=Z)
            else:
                np.dot(W.T, A.T, out=ZT)                         # Z is ZT.T
            if b is not None:
                Z += b                                           # A_{k-1} @ W_k + b_k
            A, s = activate_into(hidden, Z, Ab, Sb)
            acts.append(A)
            saved.append(s)
        W, b = plan.top
        Z = np.dot(A, W)
        Z += b                                                   # Z_L, a new array
        total, Yhat, dZ = plan.output(self.output, self.loss_name, Z, Y, plan)
        self._backward(plan, acts, saved, dZ)
        return total, Yhat

    def _backward(self, plan, acts, saved, dZ):
        """The lean step's backward pass, from dZ_L: every data gradient into ``plan.G``."""
        hidden, aug = self.hidden, plan.aug
        for k, W, b, Zb, Tb, dA, wide, dZp, Gb, below in plan.backward:
            A_prev, (gW, gb) = acts[k - 1], plan.grads[k - 1]
            if dZp is not None:
                np.dot(dZp.T, A_prev, out=Gb)                    # [dW_k 0]^T = [dZ_k 0]^T A_{k-1}
                np.dot(plan.ones, dZ, out=gb)
            elif k == 1 and aug is not None:
                np.dot(aug[0].T, dZ, out=aug[2])                 # [dW_1; db_1] = [X 1]^T dZ_1
            elif wide:
                np.dot(dZ.T, A_prev, out=gW.T)                   # dW_k^T = dZ_k^T A_{k-1}, into the flat vector
                np.dot(plan.ones, dZ, out=gb)
            else:
                np.dot(A_prev.T, dZ, out=gW)                     # A_{k-1}^T @ dZ_k (an outer product for one row)
                np.dot(plan.ones, dZ, out=gb)                    # 1^T dZ_k: column sums as one BLAS product
            if dA is None:
                break
            np.dot(dZ, W.T, out=dA)                              # dZ_k @ W_k^T (BLAS beats a broadcast here too)
            dZ = times_prime(hidden, dA, Zb, saved[k - 1], Tb, below)   # into [dZ_{k-1} 0] where padded

    def _l2_grads(self, flat):
        """dW_k += l2 W_k and db_k += l2_bias b_k, once, on the summed data gradients in ``flat.G``."""
        views, grads = flat.views, flat.grad_views
        for i in range(0, len(views), 2):
            gW, gb = grads[i], grads[i + 1]
            if self.l2 > 0.0:
                gW += self.l2 * views[i]
            if self.l2_bias > 0.0:
                gb += self.l2_bias * views[i + 1]

    def _chunked(self, chunks, X, Y):
        """(loss sum, Yhat) of a big batch, chunk by chunk, the chunks shared among ``threads`` threads.

        Each chunk's gradient goes into its row of Gs; the rows are added in
        chunk order into the flat gradient vector, and the loss sums in chunk
        order, so the numbers do not depend on the thread count.
        """
        m, flat = X.shape[0], self._flat
        n = len(chunks)
        Gs = self._work.get("Gs", (n, flat.G.size), m)
        Yhat = np.empty((m, self.sizes[-1]), self.dtype)
        totals = [None] * n

        def run(lane, first, stop):
            work, G = lane
            for c in range(first, stop):
                rows = chunks[c]
                plan = self._plan(work, rows.stop - rows.start, G, m)
                totals[c], Yhat[rows] = self._pass(plan, X[rows], Y[rows])
                np.copyto(Gs[c], G)

        lanes = self._lanes(min(self.threads, n))
        if len(lanes) == 1:
            run(lanes[0], 0, n)
        else:
            cuts = [n * t // len(lanes) for t in range(len(lanes) + 1)]
            self._team.run([partial(run, lane, cuts[t], cuts[t + 1]) for t, lane in enumerate(lanes)])
        np.add.reduce(Gs, axis=0, out=flat.G)                    # ((G_0 + G_1) + G_2) + ...
        total = totals[0]
        for t in totals[1:]:
            total = total + t
        return total, Yhat

    def _lanes(self, n):
        """n (work buffers, gradient vector) pairs, one per thread; the first is the network's own.

        For n > 1 the network's ``Team`` of n - 1 workers is made here (again
        after a fork: threads do not survive one).
        """
        if n == 1:
            return [(self._work, self._flat.G)]
        team = self._team
        if team is None or team.size != n or team.pid != os.getpid():
            self._team = Team(n - 1)
        while len(self._extra_lanes) < n - 1:
            self._extra_lanes.append((WorkBuffers(self.dtype), np.zeros_like(self._flat.G)))   # zeros: padding (layout)
        return [(self._work, self._flat.G)] + self._extra_lanes[:n - 1]


def checked_threads(threads):
    """``threads`` as a positive int ("all": the cores this process may run on)."""
    if threads == "all":
        try:
            return len(os.sched_getaffinity(0))
        except AttributeError:                                  # macOS, Windows
            return os.cpu_count() or 1
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError("threads must be a positive integer or 'all', got %r" % (threads,))
    return threads


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
