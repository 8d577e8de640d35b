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
  (one row, or one output unit) through BLAS too; a big layer (W4's 3072 x 15
  first layer) as Z^T = W^T A^T and dW^T = dZ^T A, which OpenBLAS runs up to
  twice as fast, its W stored transposed so that both read and write the
  flat vectors below directly; batches gathered with ``take``
  (``FastOps.take_rows``), a plain copy of each row, where ``X[idx]`` goes
  through NumPy's general fancy indexing; a big batch's hidden layers a block
  of rows at a time (about 256 KB), so that the activation's passes stay in cache.
* **In-place updates.**  SGD and Adam write every product into kept scratch
  arrays: no step allocates.
* **The lean step** (``_lean``): a plain batch without dropout masks or
  BatchNorm, where at W1-W3's sizes the time is per-call overhead.  What a
  batch size needs (buffers, layers, branches, the output's function) is
  looked up once (``_Plan``); the output's loss and delta share their common
  terms (same expressions, same order; a single output entry on Python
  floats); every parameter is a view of one flat vector and the gradients
  are views of another, laid out alike, so that SGD and Adam update them all
  in one pass (``_Scratch._flat``: only when handed exactly those views).
  The gradient vector is used again only when the caller holds nothing of it
  (``MLP._grads``).

The values are the plain formulas' up to summation order and those 2 ulp;
the parity suite runs this engine against the plain twin and the scalar twin
like any other twin (and ``parity_tests/test_fast_lean.py`` the lean step's
shortcuts against the per-parameter path).  Nothing handed back to the caller
(Yhat, the loss, the gradients) is written again while the caller holds it.
"""

import numpy as np

import scalar_nn.toolkit.validation as _shared
from scalar_nn.toolkit.validation import check_bound

from . import mlp as _plain
from . import optim as _plain_optim
from .toolkit.ops import ArrayOps, getrefcount, is_, math
from .layers import batchnorm_backward
from .losses import data_loss, output_activation, output_delta
from .toolkit import validation as check

_WORK_BATCH_SIZES = 4            # work buffers are kept for this many batch sizes
_WORK_MAX_BYTES = 64 * 2 ** 20   # larger intermediates are not kept between calls
_BLOCK_BYTES = 256 * 2 ** 10    # a big batch's hidden layer goes through in row blocks of about this size
_TRANSPOSED_MIN = 4096           # weight gradients this big are computed as (dZ^T A)^T (see backward)


class FastOps(ArrayOps):
    """The training loop's array helpers, with the batch gather as ``take`` (same rows, same values)."""

    name = "fast"

    def take_rows(self, A, idx):
        """The rows of A at ``idx``: ``take`` copies whole rows, several times faster than ``A[idx]``."""
        if type(A) is np.ndarray:
            return A.take(idx, axis=0)       # the method: np.take's Python wrapper costs a microsecond
        return np.take(np.asarray(A), idx, axis=0)


FAST_OPS = FastOps()

# The flat layout: every parameter of a network is a view of one float64
# vector, and the gradients of a lean step are views of one fresh vector laid
# out the same way, so that SGD and Adam update all of them in one pass each
# (``_flat_for``).  The network's last hand-out is recorded here: the
# optimizer takes the one-pass update only when every array it is given *is*
# a view in that record (identity, not value), and the per-parameter loop otherwise.
_FLAT_MAX = 1 << 16          # networks with more parameters keep separate gradient arrays
_G_REFS = 2                  # references to an unshared flat gradient vector besides its views (see _grads)
_VIEW_REFS = {2}             # ... and to each of its views
_HANDED = [None]             # (layout, param views, flat params, (flat grads, grad views)) of the last lean step


class _Layout:
    """Where each parameter lies in the flat vector: names, (start, stop, shape, transposed) each.

    A big weight matrix (at least _TRANSPOSED_MIN entries) is stored
    transposed, W^T row by row: the parameter is the (F-ordered) view W^T.T,
    so that Z^T = W^T A^T and dW^T = dZ^T A, the products OpenBLAS runs
    faster, read and write the flat vector directly.
    """

    def __init__(self, params):
        self.names = tuple(params)
        self.slots, start = [], 0
        for name in self.names:
            P = params[name]
            stop = start + P.size
            self.slots.append((start, stop, P.shape, P.ndim == 2 and P.size >= _TRANSPOSED_MIN))
            start = stop
        self.size = start

    def views(self, flat):
        return tuple(flat[a:b].reshape(shape[::-1]).T if transposed else flat[a:b].reshape(shape)
                     for a, b, shape, transposed in self.slots)


class _Plan:
    """What a lean step of one batch size needs, looked up once: arrays, layers, which branches apply."""

    def __init__(self, net, m):
        L = net.n_layers
        pv = net._flat[2]
        self.key = (net.hidden, net.output, net.loss_name)
        self.keep = True              # False: a buffer was too big to keep, build the plan per call
        self.forward, self.backward = [], []
        Zs, Ts, dAs, Bs = [None], [None], [None], [None]
        for k in range(1, L):
            shape = (m, net.sizes[k])
            W = pv[2 * k - 2]
            if W.size >= _TRANSPOSED_MIN:    # a big layer: Z_k^T = W_k^T A_{k-1}^T, which OpenBLAS runs faster
                ZT = self._get(net, "ZT%d" % k, shape[::-1])
                Zs.append(ZT.T)
            else:
                ZT = None
                Zs.append(self._get(net, "Z%d" % k, shape))
            S = self._get(net, "S%d" % k, shape) if net.hidden == "swish" else None
            rows = max(64, _BLOCK_BYTES // (8 * shape[1]))
            blocks = None if ZT is not None or m < 2 * rows else \
                [slice(i, min(i + rows, m)) for i in range(0, m, rows)]
            Bs.append(blocks)
            self.forward.append((W, pv[2 * k - 1], Zs[k], self._get(net, "A%d" % k, shape), S, ZT, blocks))
            Ts.append(self._get(net, "T%d" % k, shape))
            dAs.append(self._get(net, "dA%d" % k, shape))
        for k in range(L, 0, -1):
            W = pv[2 * k - 2]
            wide = W.size >= _TRANSPOSED_MIN             # stored transposed (_Layout)
            self.backward.append((k, W, pv[2 * k - 1], Zs[k - 1], Ts[k - 1], dAs[k - 1], wide, Bs[k - 1]))
        # The first layer's bias inside its product: [X 1] @ [W_1; b_1], where b_1
        # follows W_1 in the flat vector, so [W_1; b_1] is a view of it, and
        # [dW_1; db_1] = [X 1]^T dZ_1 one product.  Worth a copy of X when X is
        # narrower than Z_1 (the copy is cheaper than the broadcast add).
        n0 = net.sizes[0]
        self.aug = None
        if L > 1 and self.forward[0][5] is None and n0 < net.sizes[1]:
            n_aug = (n0 + 1) * net.sizes[1]
            Xa = self._get(net, "X1", (m, n0 + 1))
            Xa[:, n0] = 1.0
            self.aug = (Xa, Xa[:, :n0], n_aug, (n0 + 1, net.sizes[1]))
            W, b, Z, A, S, ZT, blocks = self.forward[0]
            self.forward[0] = (net._flat[1][:n_aug].reshape(n0 + 1, net.sizes[1]), None, Z, A, S, ZT, blocks)
        out = (m, net.sizes[-1])
        self.D = self._get(net, "D", out)            # the output's dZ, written in place
        self.U = self._get(net, "U", out)            # an output scratch array
        self.top = self._get(net, "top", (m, 1))    # the softmax's row max
        self.U_cols = [self.U[:, j:j + 1] for j in range(out[1])]
        self.N = np.array(float(m * net.sizes[-1]))  # N = m n_L, as a 0-d array (cheaper in a ufunc)
        self.ones = np.ones(m)
        self.rows = np.arange(m)
        pair = (net.output, net.loss_name)
        self.output = (_ONE_OUTPUT if m * net.sizes[-1] == 1 else _OUTPUT).get(pair, _output_generic)

    def _get(self, net, name, shape):
        buf = net._buffer(name, shape)
        if buf.nbytes > _WORK_MAX_BYTES:
            self.keep = False
        return buf


class MLP(_plain.MLP):
    """vector_nn's MLP with work buffers and fused activation passes (a drop-in)."""

    ops = FAST_OPS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._work = {}          # batch size m -> {name: work array}, see _buffer
        self._flatten()

    @classmethod
    def from_params(cls, params, *args, **kwargs):
        """As ``vector_nn.mlp.MLP.from_params``."""
        net = super().from_params(params, *args, **kwargs)
        net._work = {}
        net._flatten()
        return net

    def __getstate__(self):
        """For copy and pickle: the network without its work buffers, plans and flat vectors (remade on load)."""
        state = dict(self.__dict__)
        for name in ("_work", "_flat", "_grads_rec"):
            state.pop(name, None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._work = {}
        self._flatten()

    def _flatten(self):
        """Make every parameter a view of one flat vector (same values), for the one-pass update."""
        layout = _Layout(self.params)
        plain_names = tuple(n for k in range(1, self.n_layers + 1) for n in ("W%d" % k, "b%d" % k))
        if layout.size > _FLAT_MAX or self.batchnorm or layout.names != plain_names:
            self._flat = None
            return
        self._grads_rec = None
        flat = np.empty(layout.size)
        views = layout.views(flat)
        for name, view in zip(layout.names, views):
            view[...] = self.params[name]
            self.params[name] = view
        self._flat = (layout, flat, views)

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

    # ------------------------------------------------------------ the lean step
    def loss_and_grads_clean(self, X, Y, masks=None):
        """As the plain twin's; without masks and BatchNorm, the lean step (``_lean``)."""
        if masks is None and self.training and self.dropout > 0.0:
            masks = self.draw_masks(X.shape[0])
        if masks is not None or self.batchnorm:
            return super().loss_and_grads_clean(X, Y, masks)
        return self._lean(X, Y)

    def _plan(self, m):
        """The ``_Plan`` of batch size m, kept with the work buffers of m."""
        per_m = self._work.get(m)
        plan = None if per_m is None else per_m.get("plan")
        if plan is None or plan.key != (self.hidden, self.output, self.loss_name):
            plan = _Plan(self, m)
            per_m = self._work.get(m)
            if plan.keep and per_m is not None:
                per_m["plan"] = plan
        return plan


    def loss_and_grads(self, X, Y, masks=None):
        """As the plain twin's: a plain batch takes the lean step, checked in full only on the failure path."""
        plain = check.plain_batch(self, X, Y) if masks is None else None
        if plain is None:
            return super().loss_and_grads(X, Y, masks)
        return _shared.deferred_check(self, plain[0], plain[1], self._lean, check.full_check, _finite_loss_and_matrix)

    def _lean(self, X, Y):
        """One forward and backward pass, no masks, no BatchNorm: the same formulas as
        ``forward_with_cache`` and ``backward``, with the per-call lookups done once per
        batch size (``_Plan``) and the gradients written into one flat vector (``_grads``)."""
        flat, params = self._flat, self.params
        if flat is None or len(params) != len(flat[2]) or flat[2][0].base is not flat[1] \
                or not all(map(is_, map(params.get, flat[0].names), flat[2])):
            return super().loss_and_grads_clean(X, Y, None)          # a parameter was replaced
        layout, P, pv = flat
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
                    _activate_into(hidden, Zr, Ab[rows], None if Sb is None else Sb[rows])
                A, s = _activated(hidden, Z, Ab, Sb)
                acts.append(A)
                saved.append(s)
                continue
            if ZT is None:
                np.dot(A, W, out=Z)
            else:
                np.dot(W.T, A.T, out=ZT)                         # Z is ZT.T
            if b is not None:
                Z += b                                           # A_{k-1} @ W_k + b_k
            A, s = _activate_into(hidden, Z, Ab, Sb)
            acts.append(A)
            saved.append(s)
        Z = np.dot(A, pv[-2])
        Z += pv[-1]                                              # Z_L, a new array
        self.last_masks = None
        loss, Yhat, dZ = plan.output(self.output, self.loss_name, Z, Y, plan)
        self.last_output = Yhat
        loss = loss + (self.l2_penalty() if self.l2 > 0.0 or self.l2_bias > 0.0 else 0.0)
        rec = self._grads(layout)
        gv = rec[1]
        l2, l2_bias = self.l2, self.l2_bias
        for k, W, b, Zb, Tb, dA, wide, blocks in plan.backward:
            A_prev, gW, gb = acts[k - 1], gv[2 * k - 2], gv[2 * k - 1]
            if k == 1 and aug is not None:
                np.dot(aug[0].T, dZ, out=rec[0][:aug[2]].reshape(aug[3]))    # [dW_1; db_1] = [X 1]^T dZ_1
            elif wide:
                np.dot(dZ.T, A_prev, out=gW.T)                   # dW_k^T = dZ_k^T A_{k-1}, into the flat vector
                np.dot(plan.ones, dZ, out=gb)
            else:
                np.dot(A_prev.T, dZ, out=gW)                     # A_{k-1}^T @ dZ_k (an outer product for one row)
                np.dot(plan.ones, dZ, out=gb)                    # 1^T dZ_k, see _column_sums
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
                    _times_prime(hidden, dA[rows], Zb[rows], s[rows], Tb[rows])
                dZ = dA
                continue
            np.dot(dZ, W.T, out=dA)                              # dZ_k @ W_k^T (BLAS beats a broadcast here too)
            dZ = _times_prime(hidden, dA, Zb, saved[k - 1], Tb)
        _HANDED[0] = (layout, pv, P, rec)
        return loss, dict(zip(layout.names, gv)), Yhat

    def _grads(self, layout):
        """(G, views): a flat gradient vector and its per-parameter views, for the caller to keep.

        The previous call's vector is used again when nothing but this network
        refers to it any more: no view of it, no dict of those views, no array
        derived from it is alive outside (CPython's reference counts tell), so
        no gradient the caller still holds can change.  Otherwise a new one.
        """
        rec = self._grads_rec
        if rec is not None and getrefcount(rec[0]) == _G_REFS + len(rec[1]) \
                and set(map(getrefcount, rec[1])) == _VIEW_REFS:
            return rec
        G = np.empty(layout.size)
        rec = self._grads_rec = (G, layout.views(G))
        return rec

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

    def _flat(self, params, grads, slots):
        """(flat params, flat grads, [flat state vector per slot]) when one pass can update them all, else None.

        That is when ``params`` and ``grads`` hold exactly the views of the
        network's last lean step (``_HANDED``), and each state dict in
        ``slots`` ("v", or "m" and "v") holds this optimizer's flat views (or
        nothing yet: then they are made, zeros, as the per-parameter loop would).
        An update through the flat vectors is the per-parameter update, element by element.
        """
        h = _HANDED[0]
        if h is None or type(grads) is not dict or type(params) is not dict:
            return None
        layout, pv, P, (G, gv) = h
        names = layout.names
        if len(grads) != len(names) or len(params) != len(names) \
                or not all(map(is_, map(grads.get, names), gv)) or not all(map(is_, map(params.get, names), pv)):
            return None
        flat = self.__dict__.get("_flat_state")
        if flat is None or flat[0] is not P:
            if any(self.state[s] for s in slots):
                return None               # state from the per-parameter loop: keep using it
            vectors = [np.zeros(P.size) for _ in slots]
            views = [layout.views(V) for V in vectors]
            for s, vs in zip(slots, views):
                self.state[s].update(zip(names, vs))
            flat = self._flat_state = (P, vectors, views, np.empty(P.size), np.empty(P.size))
        for s, vs in zip(slots, flat[2]):
            state = self.state[s]
            if len(state) != len(names) or not all(map(is_, map(state.get, names), vs)):
                return None
        return flat, G


class SGD(_Scratch, _plain_optim.SGD):
    """vector_nn's SGD, every product written into kept scratch arrays."""

    def step(self, params, grads):
        """One update of every parameter, in place (all of them in one pass after a lean step)."""
        check_bound(self, params, grads, _plain_optim.check_grads)
        lr = self.current_lr()
        mu, d = self.momentum, self.dampening
        one_pass = self._flat(params, grads, ("v",) if mu != 0.0 else ())
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
        """One Adam update of every parameter, in place (all of them in one pass after a lean step)."""
        check_bound(self, params, grads, _plain_optim.check_grads)
        lr = self.current_lr()
        b1, b2, eps, t = self.beta1, self.beta2, self.eps, self.steps + 1
        c1, c2 = 1.0 - b1 ** t, 1.0 - b2 ** t
        one_pass = self._flat(params, grads, ("m", "v"))
        if one_pass is not None:
            (P, (m, v), _, tmp, tmp2), G = one_pass
            _adam_update(P, G, m, v, tmp, tmp2, lr, b1, b2, eps, c1, c2)
            self.steps += 1
            return
        for name, P in params.items():
            g = np.asarray(grads[name], dtype=np.float64)   # nested lists are accepted too
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


# ----------------------------------------------------------- the output layer
# Each returns (data loss, Yhat, dZ_L) for its output/loss pair: the values of
# ``losses.data_loss``, ``output_activation`` and ``output_delta``, the same
# expressions evaluated in the same order, sharing what they have in common
# (Yhat - Y; the softmax's exp and row sums, which logsumexp needs too).  Yhat
# is a new array; dZ_L is written into the plan's buffer D.  Constants are 0-d
# arrays: a ufunc takes them faster than a Python float, with the same value.
_ONE, _TWO = np.array(1.0), np.array(2.0)


def _linear_mse(output, loss, Z, Y, plan):
    D, N = plan.D, plan.N
    np.subtract(Z, Y, out=D)
    value = float(np.add.reduce(np.multiply(D, D, out=plan.U), axis=None) / Z.size)  # ((Yhat - Y) ** 2).sum() / N
    D *= _TWO
    D /= N                                                       # 2 (Z - Y) / N
    return value, Z, D


def _sigmoid_mse(output, loss, Z, Y, plan):
    D, U, N = plan.D, plan.U, plan.N
    Yhat = _sigmoid_exact(Z, U)
    np.subtract(Yhat, Y, out=D)
    value = float(np.add.reduce(np.multiply(D, D, out=U), axis=None) / Z.size)
    D *= _TWO
    D /= N
    D *= Yhat
    D *= np.subtract(_ONE, Yhat, out=U)                          # 2 (Yhat - Y) / N * Yhat * (1 - Yhat)
    return value, Yhat, D


def _sigmoid_bce(output, loss, Z, Y, plan):
    D = plan.D
    Yhat = _sigmoid_exact(Z, plan.U)
    value = data_loss(output, loss, Z, Yhat, Y)
    np.subtract(Yhat, Y, out=D)
    D /= plan.N                                                  # (Yhat - Y) / N
    return value, Yhat, D


def _softmax_cross_entropy(output, loss, Z, Y, plan):
    D, U = plan.D, plan.U
    m, n = Z.shape
    if n < 8:
        # A few classes: the row max and the row sums column by column, (m, 1)
        # at a time.  Max is exact in any order, and NumPy adds fewer than 8
        # terms in order, left to right, so the sums are its own; a reduction
        # along a short last axis costs several times more.
        top = np.maximum(Z[:, 0:1], Z[:, 1:2], out=plan.top)
        for j in range(2, n):
            np.maximum(top, Z[:, j:j + 1], out=top)
        E = np.exp(np.subtract(Z, top, out=U), out=U)            # exp(z - max)
        s = np.add(plan.U_cols[0], plan.U_cols[1])
        for col in plan.U_cols[2:]:
            s += col
    else:
        top = np.maximum.reduce(Z, axis=-1, keepdims=True)
        E = np.exp(np.subtract(Z, top, out=U), out=U)
        s = np.add.reduce(E, axis=-1, keepdims=True)
    Yhat = E / s                                                 # softmax_row
    lse = np.log(s)
    lse += top                                                   # logsumexp_row, (m, 1)
    value = float(np.add.reduce(lse[:, 0] - Z[plan.rows, Y], axis=None) / m)
    np.copyto(D, Yhat)
    D[plan.rows, Y] -= 1.0
    D /= m                                                       # (Yhat - onehot) / m
    return value, Yhat, D


def _output_generic(output, loss, Z, Y, plan):
    Yhat = output_activation(output, Z)
    return data_loss(output, loss, Z, Yhat, Y), Yhat, output_delta(output, loss, Z, Yhat, Y)


_OUTPUT = {("linear", "mse"): _linear_mse, ("sigmoid", "mse"): _sigmoid_mse, ("sigmoid", "bce"): _sigmoid_bce,
           ("softmax", "cross_entropy"): _softmax_cross_entropy}


# One output entry (one row, one unit: per-sample training of a regression or a
# binary classifier): the same expressions on Python floats, where each NumPy
# call would cost more than its arithmetic.  The sums are of one term, so only
# exp and log1p can round differently (math's, not NumPy's: the scalar twin's).
def _sigmoid_one(z):
    e = math.exp(-abs(z))
    return (1.0 if z >= 0.0 else e) / (1.0 + e)                 # max(e, [z >= 0]) / (1 + e), e <= 1


def _softplus_one(z):
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))


def _linear_mse_one(output, loss, Z, Y, plan):
    d = Z.item() - Y.item()
    D = plan.D
    D[0, 0] = 2.0 * d                                            # N = 1
    return d * d, Z, D


def _sigmoid_mse_one(output, loss, Z, Y, plan):
    s = _sigmoid_one(Z.item())
    d = s - Y.item()
    D = plan.D
    D[0, 0] = 2.0 * d * s * (1.0 - s)
    Yhat = np.empty((1, 1))
    Yhat[0, 0] = s
    return d * d, Yhat, D


def _sigmoid_bce_one(output, loss, Z, Y, plan):
    z, y = Z.item(), Y.item()
    s = _sigmoid_one(z)
    D = plan.D
    D[0, 0] = s - y
    Yhat = np.empty((1, 1))
    Yhat[0, 0] = s
    return y * _softplus_one(-z) + (1.0 - y) * _softplus_one(z), Yhat, D


_ONE_OUTPUT = {("linear", "mse"): _linear_mse_one, ("sigmoid", "mse"): _sigmoid_mse_one,
               ("sigmoid", "bce"): _sigmoid_bce_one}


def _sigmoid_exact(Z, T):
    """``activations.sigmoid(Z)`` (a new array), the same seven passes with T as scratch."""
    e = np.abs(Z, out=T)
    np.negative(e, out=e)
    np.exp(e, out=e)                                             # e = exp(-|z|)
    S = np.greater_equal(Z, 0.0, out=np.empty_like(Z), casting="unsafe")   # [z >= 0] as 1.0 / 0.0
    np.maximum(e, S, out=S)                                      # max(e, [z >= 0])
    e += _ONE
    S /= e                                                       # / (1 + e)
    return S


def _finite_loss_and_matrix(loss, W):
    """``toolkit.validation.finite_loss_and_matrix``; a small W summed as Python floats (one call, not three)."""
    if W.size <= 16:
        return math.isfinite(loss) and math.isfinite(sum(W.ravel().tolist()))
    return math.isfinite(loss) and math.isfinite(np.add.reduce(W, axis=None))


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


def _activated(name, Z, A, S):
    """What ``_activate_into(name, Z, A, S)`` returns, once it has run (by blocks of rows) over them."""
    if name in ("sigmoid", "tanh"):
        return A, A
    if name == "relu":
        return A, Z
    if name == "swish":
        return A, S
    return Z, Z


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
