"""The engine's flat layout: every parameter a view of one vector, the gradients handed out as one vector.

A lean step (``network.MLP._lean``) writes every gradient into one vector
laid out as the parameters' (``Layout``), and hands the caller a copy of it
wrapped in ``Grads``: a mapping name -> array like the plain twin's dict,
which also carries the vector and the network's parameter record
(``Flat``).  The engine's SGD and Adam recognise it and update every
parameter in one pass over the vectors (``optim.py``).  Nothing is shared
between networks or threads, and nothing the caller holds is written again.
"""

from collections.abc import MutableMapping

import numpy as np

TRANSPOSED_MIN = 4096    # weight matrices this big are stored transposed (see Layout)
FLAT_MAX = 1 << 16       # networks with more parameters keep separate arrays (no flat vectors)
PAD_TO = 16              # a transposed W^T gets zero rows up to a multiple of this (see Layout)


def padded_rows(n):
    """n rounded up to a multiple of PAD_TO, where that adds at most a quarter (else n itself)."""
    rows = -(-n // PAD_TO) * PAD_TO
    return rows if rows - n <= n // 4 else n


class Layout:
    """Where each parameter lies in the flat vector: names, (start, stop, shape, rows or 0) each.

    A big weight matrix (at least TRANSPOSED_MIN entries) is stored
    transposed, W^T row by row: the parameter is the (F-ordered) view W^T.T,
    so that Z^T = W^T A^T and dW^T = dZ^T A, the products OpenBLAS runs
    faster, read and write the flat vector directly.  Its ``rows`` are
    n_out rounded up to a multiple of PAD_TO (``padded_rows``): W4's 15
    output units are stored as 16 rows, the last of zeros, because
    OpenBLAS's kernels work in tiles of 16 columns and a ragged 15 costs
    more than a sixteenth column of zeros (W4 in float32: A @ [W 0] 294 us
    against 443 for A @ W, [dZ 0]^T A 288 against 394).  The zero rows of
    the parameters stay zero: their gradient is 0^T A = 0, exactly.
    """

    def __init__(self, params):
        self.names = tuple(params)
        self.index = {name: i for i, name in enumerate(self.names)}
        self.slots, start = [], 0
        for name in self.names:
            P = params[name]
            transposed = P.ndim == 2 and P.size >= TRANSPOSED_MIN
            rows = padded_rows(P.shape[1]) if transposed else 0
            stop = start + (rows * P.shape[0] if transposed else P.size)
            self.slots.append((start, stop, P.shape, rows))
            start = stop
        self.size = start

    def block(self, flat, i):
        """A transposed parameter's whole stored block, (rows, n_in): W^T and its zero rows."""
        a, b, shape, rows = self.slots[i]
        return flat[a:b].reshape(rows, shape[0])

    def view(self, flat, i):
        """Parameter i's array as a view of ``flat``."""
        a, b, shape, rows = self.slots[i]
        return self.block(flat, i)[:shape[1]].T if rows else flat[a:b].reshape(shape)

    def views(self, flat):
        """Every parameter's array as a view of ``flat``, in order."""
        return tuple(self.view(flat, i) for i in range(len(self.slots)))


class Flat:
    """A network's flat vectors: parameters ``views`` of ``P``; a lean step's gradients go to ``G``, ``grad_views``.

    ``G`` is the network's own work vector: ``_lean`` hands out a copy of it
    (``Grads``), so it is written again only by the next step of this network.
    """

    def __init__(self, params, dtype=np.float64):
        self.layout = Layout(params)
        self.P = np.zeros(self.layout.size, dtype)             # zeros: the padding rows (Layout)
        self.views = self.layout.views(self.P)
        for name, view in zip(self.layout.names, self.views):
            view[...] = params[name]
        self.G = np.zeros(self.layout.size, dtype)
        self.grad_views = self.layout.views(self.G)

    def holds(self, params):
        """Whether ``params`` is exactly these views, by identity (a replaced array is not)."""
        views = self.views
        if len(params) != len(views):
            return False
        for name, view in zip(self.layout.names, views):
            if params.get(name) is not view:
                return False
        return True


class Grads(MutableMapping):
    """The gradients of a lean step: name -> array, in the order of ``params``, all in one vector.

    ``flat`` holds every gradient laid out as the network's parameters
    (``source``, a ``Flat``); the arrays are views of it, made when first
    looked up.  It reads like the plain twin's dict.  Assigning or deleting
    an entry turns it into a plain mapping of its arrays (``flat`` is then
    None) and the optimizers take the per-parameter path.
    """

    __slots__ = ("flat", "source", "_arrays")

    def __init__(self, flat, source):
        self.flat, self.source, self._arrays = flat, source, {}

    def __getitem__(self, name):
        array = self._arrays.get(name)
        if array is None:
            if self.flat is None:
                raise KeyError(name)
            array = self._arrays[name] = self.source.layout.view(self.flat, self.source.layout.index[name])
        return array

    def __iter__(self):
        return iter(self.source.layout.names if self.flat is not None else self._arrays)

    def __len__(self):
        return len(self.source.layout.names if self.flat is not None else self._arrays)

    def _detach(self):
        """From here on a plain mapping of the arrays (each still a view of the vector, which stays alive)."""
        if self.flat is not None:
            self._arrays = {name: self[name] for name in self.source.layout.names}
            self.flat = None

    def __setitem__(self, name, value):
        self._detach()
        self._arrays[name] = value

    def __delitem__(self, name):
        self._detach()
        del self._arrays[name]

    def __repr__(self):
        return "Grads(%r)" % dict(self)
