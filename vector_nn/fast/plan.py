"""What a lean step of one batch size needs, looked up once (``Plan``), and the network's work buffers.

At W1-W3's sizes a step's time is per-call overhead: which layers, which
buffers, which branches, which output function.  ``Plan`` settles all of
that once per batch size m and keeps it with the work buffers of m
(``network.MLP._plan``).
"""

import numpy as np

from .kernels import ONE_OUTPUT, OUTPUT, output_generic
from .layout import TRANSPOSED_MIN

WORK_BATCH_SIZES = 4            # work buffers are kept for this many batch sizes
WORK_MAX_BYTES = 64 * 2 ** 20   # larger intermediates are not kept between calls
BLOCK_BYTES = 256 * 2 ** 10     # a big batch's hidden layer goes through in row blocks of about this size


class WorkBuffers:
    """A network's work arrays, by batch size m then name ("Z1", "A1", "plan", ...), kept between calls.

    One set per batch size (the last WORK_BATCH_SIZES sizes seen); an array
    over WORK_MAX_BYTES is made for one call only, so that a huge batch does
    not stay in memory.  Contents are garbage until written.
    """

    def __init__(self, dtype=np.float64):
        self.dtype = np.dtype(dtype)
        self.by_m = {}

    def get(self, name, shape):
        """The work array ``name`` of this shape (its first axis is the batch size m)."""
        per_m = self.by_m.get(shape[0])
        if per_m is None:
            if len(self.by_m) >= WORK_BATCH_SIZES:
                del self.by_m[next(iter(self.by_m))]          # the oldest batch size
            per_m = self.by_m[shape[0]] = {}
        buf = per_m.get(name)
        if buf is None or buf.shape != shape:
            buf = np.empty(shape, self.dtype)
            if buf.nbytes <= WORK_MAX_BYTES:
                per_m[name] = buf
        return buf


class Plan:
    """What a lean step of batch size m needs: arrays, layers, which branches apply.

    ``forward``: per hidden layer (W, b, Z, A, S, Z^T or None, row blocks or None);
    ``backward``: per layer from the top (k, W, b, Z, T, dA, transposed, row blocks)
    with W, b views of the flat parameters and gW, gb (``grads``) views of the
    flat gradient vector; ``output``: the output/loss kernel (``kernels.py``).
    """

    def __init__(self, net, m):
        L = net.n_layers
        flat = net._flat
        pv, gv = flat.views, flat.grad_views
        self.key = (net.hidden, net.output, net.loss_name, flat)
        self.keep = True              # False: a buffer was too big to keep, build the plan per call
        self.forward, self.backward = [], []
        Zs, Ts, dAs, Bs = [None], [None], [None], [None]
        for k in range(1, L):
            shape = (m, net.sizes[k])
            W = pv[2 * k - 2]
            if W.size >= TRANSPOSED_MIN:    # a big layer: Z_k^T = W_k^T A_{k-1}^T, which OpenBLAS runs faster
                ZT = self._get(net, "ZT%d" % k, shape[::-1])
                Zs.append(ZT.T)
            else:
                ZT = None
                Zs.append(self._get(net, "Z%d" % k, shape))
            S = self._get(net, "S%d" % k, shape) if net.hidden == "swish" else None
            rows = max(64, BLOCK_BYTES // (net._work.dtype.itemsize * shape[1]))
            blocks = None if ZT is not None or m < 2 * rows else \
                [slice(i, min(i + rows, m)) for i in range(0, m, rows)]
            Bs.append(blocks)
            self.forward.append((W, pv[2 * k - 1], Zs[k], self._get(net, "A%d" % k, shape), S, ZT, blocks))
            Ts.append(self._get(net, "T%d" % k, shape))
            dAs.append(self._get(net, "dA%d" % k, shape))
        self.grads = [(gv[2 * k - 2], gv[2 * k - 1]) for k in range(1, L + 1)]
        for k in range(L, 0, -1):
            W = pv[2 * k - 2]
            wide = W.size >= TRANSPOSED_MIN             # stored transposed (layout.Layout)
            self.backward.append((k, W, pv[2 * k - 1], Zs[k - 1], Ts[k - 1], dAs[k - 1], wide, Bs[k - 1]))
        # The first layer's bias inside its product: [X 1] @ [W_1; b_1], where b_1
        # follows W_1 in the flat vector, so [W_1; b_1] is a view of it, and
        # [dW_1; db_1] = [X 1]^T dZ_1 one product into the gradient vector.  Worth
        # a copy of X when X is narrower than Z_1 (cheaper than the broadcast add).
        n0 = net.sizes[0]
        self.aug = None
        if L > 1 and self.forward[0][5] is None and n0 < net.sizes[1]:
            n_aug = n0 + 1
            Xa = self._get(net, "X1", (m, n_aug))
            Xa[:, n0] = 1.0
            Wb = flat.P[:n_aug * net.sizes[1]].reshape(n_aug, net.sizes[1])
            dWb = flat.G[:n_aug * net.sizes[1]].reshape(n_aug, net.sizes[1])
            self.aug = (Xa, Xa[:, :n0], dWb)
            W, b, Z, A, S, ZT, blocks = self.forward[0]
            self.forward[0] = (Wb, None, Z, A, S, ZT, blocks)
        out = (m, net.sizes[-1])
        self.D = self._get(net, "D", out)            # the output's dZ, written in place
        self.U = self._get(net, "U", out)            # an output scratch array
        self.top = self._get(net, "top", (m, 1))    # the softmax's row max
        self.U_cols = [self.U[:, j:j + 1] for j in range(out[1])]
        dtype = net._work.dtype
        self.N = np.array(m * net.sizes[-1], dtype)  # N = m n_L, as a 0-d array (cheaper in a ufunc)
        self.one, self.two = np.array(1.0, dtype), np.array(2.0, dtype)
        self.ones = np.ones(m, dtype)
        self.rows = np.arange(m)
        pair = (net.output, net.loss_name)
        one_entry = m * net.sizes[-1] == 1 and dtype == np.float64     # Python floats are float64
        self.output = (ONE_OUTPUT if one_entry else OUTPUT).get(pair, output_generic)

    def _get(self, net, name, shape):
        buf = net._work.get(name, shape)
        if buf.nbytes > WORK_MAX_BYTES:
            self.keep = False
        return buf
