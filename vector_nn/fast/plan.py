"""What a lean step of one batch size needs, looked up once (``Plan``), the network's work buffers, and row chunks.

At W1-W3's sizes a step's time is per-call overhead: which layers, which
buffers, which branches, which output function.  ``Plan`` settles all of
that once per batch size m and keeps it with the work buffers of m
(``network.MLP._plan``).

A big batch (W5's 2000 rows of width 64: five 1 MB intermediates, more than
a core's 2 MB L2 cache) goes through in **row chunks** (``chunk_rows``) of
about BLOCK_BYTES per hidden array: each chunk's forward pass, output delta
and backward pass run while its arrays are still in cache, and its
gradient, a sum over its rows, is added to the others'.  That is exact
algebra: every layer but BatchNorm (which the lean step does not take)
treats rows independently, and the data loss and its gradient are sums
over rows divided by the batch's N or m.  The chunks are the same whatever
the thread count, and their gradients are added in chunk order, so
``threads`` changes the time, never a number.
"""

import numpy as np

from .kernels import ONE_OUTPUT, OUTPUT
from .layout import TRANSPOSED_MIN

WORK_BATCH_SIZES = 4            # work buffers are kept for this many batch sizes
WORK_MAX_BYTES = 64 * 2 ** 20   # larger intermediates are not kept between calls
BLOCK_BYTES = 128 * 2 ** 10     # a big batch goes through in row chunks of about this many bytes per hidden array
MIN_CHUNK_ROWS = 64
CHUNK_GRADS_MAX = 2 ** 20       # at most this many gradient entries kept, one gradient vector per chunk


def chunk_rows(net, m):
    """The row slices of a batch of m rows, chunk by chunk (see the module docstring), or None: one pass.

    Chunks are about BLOCK_BYTES per array of the widest hidden layer, at
    least MIN_CHUNK_ROWS rows, equal to a row; a batch under two chunks, a
    network without a hidden layer or with a layer stored transposed (its
    products are GEMM-bound: W4) goes in one pass.
    """
    widths = net.sizes[1:-1]
    if not widths or any(P.size >= TRANSPOSED_MIN for P in net._flat.views[:-2:2]):
        return None
    rows = max(MIN_CHUNK_ROWS, BLOCK_BYTES // (net.dtype.itemsize * max(widths)))
    if m < 2 * rows:
        return None
    n = min(-(-m // rows), max(2, CHUNK_GRADS_MAX // net._flat.G.size))
    size = -(-m // n)
    return [slice(i, min(i + size, m)) for i in range(0, m, size)]


class WorkBuffers:
    """A network's work arrays, by batch size m then name ("Z1", "A1", "plan", ...), kept between calls.

    One set per batch size (the last WORK_BATCH_SIZES sizes seen); an array
    over WORK_MAX_BYTES is made for one call only, so that a huge batch does
    not stay in memory.  Contents are garbage until written.
    """

    def __init__(self, dtype=np.float64):
        self.dtype = np.dtype(dtype)
        self.by_m = {}

    def get(self, name, shape, m=None):
        """The work array ``name`` of this shape, kept with batch size m (default: its first axis)."""
        m = shape[0] if m is None else m
        per_m = self.by_m.get(m)
        if per_m is None:
            if len(self.by_m) >= WORK_BATCH_SIZES:
                del self.by_m[next(iter(self.by_m))]          # the oldest batch size
            per_m = self.by_m[m] = {}
        buf = per_m.get(name)
        if buf is None or buf.shape != shape:
            buf = np.empty(shape, self.dtype)
            if buf.nbytes <= WORK_MAX_BYTES:
                per_m[name] = buf
        return buf


class Plan:
    """What a lean step of m rows needs: arrays, layers, which branches apply.

    ``work``: the ``WorkBuffers`` its arrays come from; ``G``: the flat
    gradient vector it writes; ``total``: the batch's row count (m itself,
    or more when these m rows are one chunk of it), which sets N and the
    divisor of the loss.  ``forward``: per hidden layer (W, b, Z, A, S, Z^T
    or None, the padded Z or None); ``backward``: per layer from the top
    (k, W, b, Z, T, dA, transposed, the padded dZ_k or None, its gradient
    block or None, the padded dZ_{k-1} to write or None) with W, b views of
    the flat parameters and gW, gb (``grads``) views of G; ``output``: the
    output/loss kernel (``kernels.py``); ``top``: (W_L, b_L).
    """

    def __init__(self, net, m, work, G, total):
        L = net.n_layers
        flat = net._flat
        self.work, self.G = work, G
        pv, gv = flat.views, flat.layout.views(G)
        self.key = (net.hidden, net.output, net.loss_name, flat, total)
        self.keep = True              # False: a buffer was too big to keep, build the plan per call
        self.forward, self.backward = [], []
        layout = flat.layout
        Zs, Ts, dAs, dZps = [None], [None], [None], [None]
        for k in range(1, L):
            n = net.sizes[k]
            shape = (m, n)
            W, rows = pv[2 * k - 2], layout.slots[2 * k - 2][3]
            ZT = Zp = dZp = None
            if rows > n:
                # stored with zero rows (layout.padded_rows): Z_k is the first n columns of A_{k-1} @ [W_k 0],
                # and dW_k comes from [dZ_k 0], whose zero columns are written here once
                Zp = self._get("Zp%d" % k, (m, rows))
                Z, W = Zp[:, :n], layout.block(flat.P, 2 * k - 2).T
                dZp = self._get("dZp%d" % k, (m, rows))
                dZp[:, n:] = 0.0
            elif rows and work.dtype == np.float64:
                # a big float64 layer: Z_k^T = W_k^T A_{k-1}^T, which OpenBLAS runs faster (W4: 655 us against
                # 936 for A W); in float32 A W is the faster one (397 us against 474)
                ZT = self._get("ZT%d" % k, shape[::-1])
                Z = ZT.T
            else:
                Z = self._get("Z%d" % k, shape)
            Zs.append(Z)
            dZps.append(dZp)
            S = self._get("S%d" % k, shape) if net.hidden == "swish" else None
            self.forward.append((W, pv[2 * k - 1], Z, self._get("A%d" % k, shape), S, ZT, Zp))
            Ts.append(self._get("T%d" % k, shape))
            dAs.append(self._get("dA%d" % k, shape))
        self.top = (pv[-2], pv[-1])
        self.grads = [(gv[2 * k - 2], gv[2 * k - 1]) for k in range(1, L + 1)]
        dZps.append(None)                                # the output layer's dZ is the kernel's D
        for k in range(L, 0, -1):
            W, rows = pv[2 * k - 2], layout.slots[2 * k - 2][3]
            Gb = layout.block(G, 2 * k - 2) if dZps[k] is not None else None
            below = None if dZps[k - 1] is None else dZps[k - 1][:, :net.sizes[k - 1]]
            self.backward.append((k, W, pv[2 * k - 1], Zs[k - 1], Ts[k - 1], dAs[k - 1], bool(rows), dZps[k], Gb,
                                  below))
        # The first layer's bias inside its product: [X 1] @ [W_1; b_1], where b_1
        # follows W_1 in the flat vector, so [W_1; b_1] is a view of it, and
        # [dW_1; db_1] = [X 1]^T dZ_1 one product into the gradient vector.  Worth
        # a copy of X when X is narrower than Z_1 (cheaper than the broadcast add).
        n0 = net.sizes[0]
        self.aug = None
        if L > 1 and not layout.slots[0][3] and n0 < net.sizes[1]:
            n_aug = n0 + 1
            Xa = self._get("X1", (m, n_aug))
            Xa[:, n0] = 1.0
            Wb = flat.P[:n_aug * net.sizes[1]].reshape(n_aug, net.sizes[1])
            dWb = G[:n_aug * net.sizes[1]].reshape(n_aug, net.sizes[1])
            self.aug = (Xa, Xa[:, :n0], dWb)
            W, b, Z, A, S, ZT, Zp = self.forward[0]
            self.forward[0] = (Wb, None, Z, A, S, ZT, Zp)
        n_out = net.sizes[-1]
        out = (m, n_out)
        self.D = self._get("D", out)            # the output's dZ, written in place
        self.U = self._get("U", out)            # an output scratch array
        self.top_max = self._get("top", (m, 1))    # the softmax's row max
        self.U_cols = [self.U[:, j:j + 1] for j in range(n_out)]
        dtype = work.dtype
        self.M = total                               # the batch's m, N = m n_L (a 0-d array: cheaper in a ufunc)
        self.N = np.array(total * n_out, dtype)
        self.divisor = total if net.loss_name == "cross_entropy" else total * n_out
        self.one, self.two = np.array(1.0, dtype), np.array(2.0, dtype)
        self.ones = np.ones(m, dtype)
        self.rows = np.arange(m)
        pair = (net.output, net.loss_name)
        one_entry = total * n_out == 1 and dtype == np.float64     # Python floats are float64
        self.output = (ONE_OUTPUT if one_entry else OUTPUT)[pair]

    def _get(self, name, shape):
        buf = self.work.get(name, shape)
        if buf.nbytes > WORK_MAX_BYTES:
            self.keep = False
        return buf
