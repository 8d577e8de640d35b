"""The training loop for the vector twin: the scalar twin's loop, these numbers.

The epoch loop (``run_fit``), ``History`` and the callbacks protocol are not
array math and come from ``scalar_nn/training.py``.  What is numeric is here,
under the same names: cleaning the data once into float64 arrays, gathering
a batch's rows with fancy indexing (``X[idx]`` copies only the batch, never
the whole dataset), and scoring predictions with whole-array operations.
"""

import sys

import numpy as np

from scalar_nn.training import (  # noqa: F401  (re-exported: the loop is not array math)
    History,
    TrainingDiverged,
    TrainingRun,
    finish_metric,
    format_epoch,
    metric_name,
    run_fit,
    sequential_batch,
)

from . import rng
from .losses import data_loss
from .validation import as_matrix, as_targets


def clean_data(net, X, Y, what="X"):
    """Validate a dataset once, before training: float64 X (m, n_0) and checked targets."""
    X = as_matrix(X, what, net.sizes[0])
    return X, as_targets(Y, net.loss_name, X.shape[0], net.sizes[-1])


def take_rows(A, idx):
    """The rows of A at the indices ``idx`` (a gather: only the batch is copied)."""
    return A[idx]


def metric_sums(net, Yhat, Y):
    """(sum, count) for the metric: correct predictions, or the squared error."""
    if net.loss_name == "cross_entropy":
        return float(np.sum(np.argmax(Yhat, axis=1) == Y)), Y.shape[0]
    if net.loss_name == "bce":
        return float(np.sum((Yhat > 0.5) == (Y > 0.5))), Y.size
    d = Yhat - Y
    return float(np.sum(d * d)), Y.size


def evaluate(net, X, Y):
    """(total loss, metric) of clean data in inference mode; the mode is restored after."""
    was_training = net.training
    net.eval()
    try:
        Z, Yhat, _ = net._forward(X, False, None, update_stats=False)
        loss = data_loss(net.output, net.loss_name, Z, Yhat, Y) + net.l2_penalty()
    finally:
        net.training = was_training
    return loss, finish_metric(net, *metric_sums(net, Yhat, Y))


def numeric_guard():
    """Silence NumPy's overflow warnings during training: divergence is caught by the loop."""
    return np.errstate(over="ignore", invalid="ignore")


def arange(n):
    """0, 1, ..., n-1 as an index array."""
    return np.arange(n)


def permutation(n, key):
    """The shared shuffle, as an index array (identical to the scalar twin's list)."""
    return rng.permutation(n, key)


def train_step(net, optimizer, X, Y, batch=None):
    """One optimizer step on the rows ``batch`` of X/Y (all rows when None); returns the loss."""
    if batch is not None:
        X, Y = take_rows(np.asarray(X), batch), take_rows(np.asarray(Y), batch)
    loss, grads = net.loss_and_grads(X, Y)
    optimizer.step(net.params, grads)
    return loss


def fit(net, X, Y, optimizer, **options):
    """Train ``net``; the options are those of ``scalar_nn.training.fit``. Returns a History."""
    return run_fit(sys.modules[__name__], net, X, Y, optimizer, **options)


def split(X, Y, val_fraction, seed):
    """(X_train, Y_train, X_val, Y_val) with the shared split stream."""
    from .datasets import train_val_split
    return train_val_split(X, Y, val_fraction, seed)
