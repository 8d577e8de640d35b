"""The training loop's numeric needs, for arrays: ``TrainingOps`` on NumPy.

The loop (``scalar_nn/toolkit/training.py``: ``fit``, ``History``, the
callbacks) is not array math and is shared.  It asks a twin for the few
things that touch numbers, listed in ``TrainingOps``; here they are on
arrays (float64, or the engine's float32): cleaning the data once (data
already in the network's dtype is not copied), gathering a batch's rows with
fancy indexing (``X[idx]`` copies only the batch), and scoring with
whole-array operations.
"""

import numpy as np

from scalar_nn.toolkit.training import TrainingOps

from .. import rng
from . import validation


class ArrayOps(TrainingOps):
    """``TrainingOps`` for the vector twins (plain ``vector_nn``, exact mode and the ``fast`` engine).

    ``split`` and ``evaluate`` are the base class's (written once, for every twin).
    """

    name = "vector"

    def clean_data(self, net, X, Y, what="X"):
        """Validate a dataset once, before training: X (m, n_0) and checked targets, in the network's
        float dtype (float64; the engine's may be float32): data already in it is used as it is, not copied."""
        dtype = validation.net_dtype(net)
        X = validation.as_matrix(X, what, net.sizes[0], dtype)
        return X, validation.as_targets(Y, net.loss_name, X.shape[0], net.sizes[-1], dtype)

    def arange(self, n):
        """0, 1, ..., n-1 as an index array."""
        return np.arange(n)

    def permutation(self, n, key):
        """The shared shuffle, as an index array (identical to the scalar twin's list)."""
        return rng.permutation(n, key)

    def take_rows(self, A, idx):
        """The rows of A at the indices ``idx`` (a gather: only the batch is copied)."""
        return np.asarray(A)[idx]

    def metric_sums(self, net, Yhat, Y):
        """(sum, count) for the metric: correct predictions, or the squared error."""
        if net.loss_name == "cross_entropy":
            return float(np.sum(np.argmax(Yhat, axis=1) == Y)), Y.shape[0]
        if net.loss_name == "bce":
            return float(np.sum((Yhat > 0.5) == (Y > 0.5))), Y.size
        d = Yhat - Y
        return float(net.xp.total(d * d)), Y.size          # the network's backend sums (exact mode: in order)

    def numeric_guard(self):
        """Silence NumPy's overflow warnings during training: divergence is caught by the loop."""
        return np.errstate(over="ignore", invalid="ignore")


ARRAY_OPS = ArrayOps()
