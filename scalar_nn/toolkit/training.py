"""The training loop: epochs of mini-batch steps, validation, history, callbacks.

One epoch::

    order = permutation(n, key_for(seed, SHUFFLE, epoch))    (or 0..n-1 without shuffle)
    (with val_split: order = rows[order], the training rows' own indices in X)
    for each chunk of ``batch_size`` indices in order:       (the last chunk may be smaller)
        loss, grads, Yhat = net.loss_and_grads_clean(X[chunk], Y[chunk])  (section 10: before the update)
        optimizer.step(net.params, grads)
        the training metric's sums from Yhat and Y[chunk]
    history: mean of the step losses, training metric, validation loss/metric, lr

(``loss_and_grads_clean`` is ``loss_and_grads`` on data already checked
once by ``clean_data``: the same numbers, without re-validating every batch,
and it returns the output Yhat as well, which the metric needs.)

The loop is the same for both twins and lives here; what touches numbers
(cleaning the data, gathering a batch's rows, scoring a prediction) is asked
of the network's ops object, ``net.ops``, a ``TrainingOps`` (below): an
abstract contract, implemented once per twin -- ``ListOps`` here
(``LIST_OPS``) for the scalar twin, ``vector_nn.toolkit.ops.ArrayOps``
(``ARRAY_OPS``) for the vector twin, its engine and exact mode.  Because the shuffle and the validation
split come from the shared counter-based stream, both twins see exactly the
same batches.
"""

import abc
import contextlib
import math
import sys
import time

from .. import rng
from ..conventions import is_classification
from .checks import as_matrix, as_targets, check_int, check_number
from .splits import split_indices, train_val_split


class TrainingDiverged(ValueError):
    """The loss became NaN or infinite: the step size is almost always too large."""


class History:
    """What happened during training, one entry per epoch (plain data, JSON-ready).

    ``epoch`` (1-based), ``loss`` (mean training loss of the epoch's steps),
    ``val_loss`` (None without validation data), ``metrics`` (name -> list:
    "accuracy"/"val_accuracy" for classification, "rmse"/"val_rmse" for
    regression), ``lr`` (the rate of the epoch's last step), ``events``
    (dicts written by callbacks, e.g. Overclock firing) and ``seconds``
    (wall-clock time per epoch; not part of ``to_dict()`` unless asked for,
    so that saved model files do not change from run to run).
    """

    def __init__(self):
        self.epoch = []
        self.loss = []
        self.val_loss = []
        self.metrics = {}
        self.lr = []
        self.events = []
        self.seconds = []
        self.classes = None        # label names when fit was given Y by name (class k is classes[k])
        self.interrupted = False   # True when Ctrl-C ended ``fit`` early (an "interrupted" event says when)

    def interrupt(self, epoch):
        """Mark the history as ended by Ctrl-C during ``epoch`` (a field, and an event that is saved)."""
        self.interrupted = True
        self.events.append({"kind": "interrupted", "epoch": epoch})

    def record(self, epoch, loss, val_loss, metrics, lr, seconds):
        """Append one epoch's numbers."""
        self.epoch.append(epoch)
        self.loss.append(loss)
        self.val_loss.append(val_loss)
        for name, value in metrics.items():
            self.metrics.setdefault(name, []).append(value)
        self.lr.append(lr)
        self.seconds.append(seconds)

    def to_dict(self, seconds=False):
        """A dict of plain lists (what gets written next to a saved model).

        The wall-clock ``seconds`` per epoch are left out unless asked for:
        they differ from run to run, and a model file must come out
        byte-identical when the same training is saved twice.
        """
        d = {"epoch": list(self.epoch), "loss": list(self.loss), "val_loss": list(self.val_loss),
             "metrics": {k: list(v) for k, v in self.metrics.items()}, "lr": list(self.lr),
             "events": [dict(e) for e in self.events]}
        if seconds:
            d["seconds"] = list(self.seconds)
        return d

    @classmethod
    def from_dict(cls, d):
        """The inverse of ``to_dict`` (a "seconds" list, as older model files hold, is kept)."""
        h = cls()
        for name in ("epoch", "loss", "val_loss", "lr", "events", "seconds"):
            setattr(h, name, list(d.get(name, [])))
        h.metrics = {k: list(v) for k, v in d.get("metrics", {}).items()}
        h.interrupted = any(isinstance(e, dict) and e.get("kind") == "interrupted" for e in h.events)
        return h

    def __len__(self):
        return len(self.epoch)

    def __repr__(self):
        last = "" if not self.loss else ", last loss %.6g" % self.loss[-1]
        return "History(%d epochs%s%s)" % (len(self.epoch), last, ", interrupted" if self.interrupted else "")


class TrainingRun:
    """What callbacks see: the net, the optimizer, the history, the epoch just done.

    A callback sets ``stop = True`` to end training after this epoch.
    """

    def __init__(self, net, optimizer, history):
        self.net = net
        self.optimizer = optimizer
        self.history = history
        self.epoch = 0
        self.stop = False


# ------------------------------------------------------------------ numbers
def metric_name(net):
    """"accuracy" for bce/cross_entropy, "rmse" for mse."""
    return "accuracy" if is_classification(net.loss_name) else "rmse"


def finish_metric(net, total, count):
    """accuracy = correct / count; rmse = sqrt(squared error / count)."""
    if count == 0:
        raise ValueError("no rows to score: the metric needs at least one row")
    if not is_classification(net.loss_name):
        return math.sqrt(total / count)
    return total / count


class TrainingOps(abc.ABC):
    """The contract between the training loop and a twin: every numeric thing ``fit`` needs.

    The loop itself (epochs, batches, callbacks, history, progress) is not
    array math and is written once, here.  What touches numbers is asked of
    an ops object, and this class is the complete list: each twin implements
    every abstract method below (``ListOps`` on lists of rows,
    ``vector_nn.toolkit.ops.ArrayOps`` on NumPy arrays), and a class that
    leaves one out cannot be instantiated (TypeError naming the method).
    Each network names its ops as the class attribute ``MLP.ops``.

    ===================  ====================================================
    clean_data           validate a dataset once: (X rows, checked targets)
    arange / permutation the epoch's row order, as the twin's index type
    take_rows            gather a batch's rows
    metric_sums          (sum, count) that ``finish_metric`` turns into a metric
    numeric_guard        a context for the numeric work of a run
    -- written once, here, for every twin:
    split                hold out a validation fraction (``splits.py``)
    hold_out             the same split as ``fit`` uses it: training row indices
                         and the validation rows (X itself is not copied)
    evaluate             (total loss, metric) in inference mode, from the
                         network's methods and ``metric_sums``
    ===================  ====================================================
    """

    name = None         # "scalar", "vector": what a twin's ops are called in messages

    @abc.abstractmethod
    def clean_data(self, net, X, Y, what="X"):
        """Validate a dataset once, before training: (X, Y) in the twin's types, checked."""

    @abc.abstractmethod
    def arange(self, n):
        """0, 1, ..., n-1 as the twin's index type."""

    @abc.abstractmethod
    def permutation(self, n, key):
        """The shared shuffle (see ``rng.permutation``) as the twin's index type."""

    @abc.abstractmethod
    def take_rows(self, A, idx):
        """The rows of A (a matrix, or a vector of labels) at the indices ``idx``, in that order."""

    @abc.abstractmethod
    def metric_sums(self, net, Yhat, Y):
        """(sum, count) that make the metric: correct predictions / samples, or squared error / entries.

        bce: the prediction is 1 where p > 0.5; cross_entropy: the arg-max class.
        """

    @abc.abstractmethod
    def numeric_guard(self):
        """A context manager for the numeric work of a run."""

    def split(self, X, Y, val_fraction, seed):
        """(X_train, Y_train, X_val, Y_val) of clean data, with the shared split (``splits.train_val_split``,
        which keeps the twin's type: lists from lists, arrays from arrays)."""
        return train_val_split(X, Y, val_fraction, seed)

    def hold_out(self, X, Y, val_fraction, seed):
        """(rows, X_val, Y_val): ``split``'s training rows as their indices in X (the twin's index type), its
        validation rows gathered.  ``fit`` gathers each batch from X through ``rows``: the same batches as
        from ``split``'s X_train, without a copy of the training data."""
        train, val = split_indices(len(X), val_fraction, seed)
        return self.take_rows(self.arange(len(X)), train), self.take_rows(X, val), self.take_rows(Y, val)

    def evaluate(self, net, X, Y):
        """(total loss, metric) of clean data in inference mode; the network's mode is untouched."""
        Z, Yhat, _ = net.forward_with_cache(X, training=False)
        loss = net.data_loss(Z, Yhat, Y) + net.l2_penalty()
        return loss, finish_metric(net, *self.metric_sums(net, Yhat, Y))


class ListOps(TrainingOps):
    """``TrainingOps`` for the scalar twin: lists of rows of floats, lists of labels."""

    name = "scalar"

    def clean_data(self, net, X, Y, what="X"):
        """Validate a dataset once, before training: rows of floats and checked targets."""
        X = as_matrix(X, what, net.sizes[0])
        return X, as_targets(Y, net.loss_name, len(X), net.sizes[-1])

    def arange(self, n):
        """0, 1, ..., n-1 as a list."""
        return list(range(n))

    def permutation(self, n, key):
        """The shared shuffle (see ``rng.permutation``), a list."""
        return rng.permutation(n, key)

    def take_rows(self, A, idx):
        """The rows of A (a matrix, or a list of labels) at the indices ``idx``, in that order."""
        return [A[i] for i in idx]

    def metric_sums(self, net, Yhat, Y):
        """(sum, count) that make the metric: correct predictions / samples, or squared error / entries.

        bce: the prediction is 1 where p > 0.5; cross_entropy: the arg-max class.
        """
        if net.loss_name == "cross_entropy":
            correct = sum(1 for row, y in zip(Yhat, Y) if row.index(max(row)) == y)
            return float(correct), len(Y)
        if net.loss_name == "bce":
            correct = sum(1 for p_row, y_row in zip(Yhat, Y) for p, y in zip(p_row, y_row)
                          if (p > 0.5) == (y > 0.5))
            return float(correct), len(Y) * len(Y[0])
        sq = 0.0
        for yh_row, y_row in zip(Yhat, Y):
            for yh, y in zip(yh_row, y_row):
                sq += (yh - y) * (yh - y)
        return sq, len(Y) * len(Y[0])

    def numeric_guard(self):
        """Nothing to set up in pure Python (an overflow raises, a NaN shows in the loss)."""
        return contextlib.nullcontext()


LIST_OPS = ListOps()


# --------------------------------------------------------------- the loop
def sequential_batch(n, batch_size, j):
    """Indices of sequential batch j (section 11): rows jB .. jB+B-1, wrapping around n."""
    return [(j * batch_size + i) % n for i in range(batch_size)]


def train_step(net, optimizer, X, Y, batch=None):
    """One optimizer step on the rows ``batch`` of X/Y (all rows when None); returns the loss.

    The loss is computed with the parameters before the update (section 10).
    """
    if batch is not None:
        X, Y = net.ops.take_rows(X, batch), net.ops.take_rows(Y, batch)
    loss, grads = net.loss_and_grads(X, Y)
    optimizer.step(net.params, grads)
    return loss


def fit(net, X, Y, optimizer, epochs=10, batch_size=None, shuffle=True, seed=0,
        val_split=0.0, validation=None, callbacks=(), verbose=1, log_every=1, out=None, ops=None,
        keep_best=True, divergence=100.0):
    """Train ``net`` on X, Y with ``optimizer``; returns a ``History``.

    The same loop for every twin: what touches numbers is asked of ``ops``
    (a ``TrainingOps``; by default the network's own, ``net.ops``).

    Options: epochs=10, batch_size=None (full batch), shuffle=True, seed=0,
    val_split=0.0 (a fraction held out with the shared split stream) or
    validation=(Xv, Yv), callbacks=(), verbose=1 (0 silent, 1 an epoch line
    and a live step counter on a terminal, 2 epoch lines only), log_every=1
    (print every k-th epoch), out=sys.stdout.

    Two guards run by default (``guards.default_guards``): with validation
    data, ``keep_best=True`` puts back the parameters of the epoch with the
    lowest val_loss at the end (an event "kept_best" in the history says
    which); ``divergence=100.0`` stops with ``TrainingDiverged`` once the
    training loss is not finite or has grown 100x over its best (None: off).

    Ctrl-C (KeyboardInterrupt) during training ends it early: ``fit`` returns
    the History of the epochs completed so far, with ``interrupted`` True
    and an ``{"kind": "interrupted", "epoch": N}`` event; the network keeps
    its weights as they are (an interrupted step may be partly applied).
    Divergence -- a NaN/inf loss, or a weight beyond ``DIVERGED_WEIGHT``
    after an epoch -- is a ``TrainingDiverged`` naming the likely setting.
    """
    ops = net.ops if ops is None else ops
    check_optimizer(optimizer)
    epochs = check_int("epochs", epochs, low=0)
    log_every = check_int("log_every", log_every, low=1)
    check_int("seed", seed)
    val_split = check_number("val_split", val_split, low=0.0, high=1.0, high_inclusive=False)
    if val_split > 0.0 and validation is not None:
        raise ValueError("give either val_split or validation, not both")
    out = out or sys.stdout
    from .inputs import check_same_twin, fit_inputs
    check_same_twin(net, optimizer)
    X, Y, classes = fit_inputs(net, X, Y)
    X, Y = ops.clean_data(net, X, Y)
    rows = None                             # all of X trains; else the indices of the rows that do
    if val_split > 0.0:
        check_val_rows(len(X), val_split)
        rows, Xv, Yv = ops.hold_out(X, Y, val_split, seed)
    elif validation is not None:
        Xv, Yv, _ = fit_inputs(net, validation[0], validation[1], classes, what="validation X")
        Xv, Yv = ops.clean_data(net, Xv, Yv, what="validation X")
    else:
        Xv = Yv = None
    n = len(X) if rows is None else len(rows)
    if n == 0:
        raise ValueError("no training rows left after the validation split")
    B = n if batch_size is None else check_int("batch_size", batch_size, low=1)
    from .guards import default_guards
    callbacks = default_guards(callbacks, Xv is not None, keep_best, divergence) + list(callbacks)
    history = History()
    history.classes = classes
    run = TrainingRun(net, optimizer, history)
    live = verbose == 1 and hasattr(out, "isatty") and out.isatty()
    for cb in callbacks:
        cb.on_train_begin(run)
    name = metric_name(net)
    try:
        _epochs(net, X, Y, rows, Xv, Yv, optimizer, ops, run, callbacks, epochs, B, shuffle, seed, name,
                verbose, log_every, live, out)
    except KeyboardInterrupt:
        history.interrupt(run.epoch + 1)
        if live:
            out.write("\n")
    for cb in callbacks:
        cb.on_train_end(run)
    return history


def _epochs(net, X, Y, rows, Xv, Yv, optimizer, ops, run, callbacks, epochs, B, shuffle, seed, name,
            verbose, log_every, live, out):
    """The epochs of ``fit`` (its loop, apart so that Ctrl-C can end it and keep the History).

    The training rows are X's ``rows`` (all of X when None: no validation split).
    """
    history, n = run.history, len(X) if rows is None else len(rows)
    with ops.numeric_guard():
        for epoch in range(1, epochs + 1):
            start = time.perf_counter()
            order = ops.permutation(n, rng.key_for(seed, rng.SHUFFLE, epoch)) if shuffle else ops.arange(n)
            if rows is not None:                    # the training rows' own indices in X
                order = ops.take_rows(rows, order)
            n_steps = (n + B - 1) // B
            loss_sum, m_total, m_count = 0.0, 0.0, 0
            for j in range(n_steps):
                idx = order[j * B:(j + 1) * B]
                Yb = ops.take_rows(Y, idx)
                loss, grads, Yhat = net.loss_and_grads_clean(ops.take_rows(X, idx), Yb)
                if not math.isfinite(loss):
                    raise TrainingDiverged("loss became %s at epoch %d (step %d of %d, lr %.4g): %s" % (
                        loss, epoch, j + 1, n_steps, optimizer.current_lr(), divergence_advice(net)))
                lr_used = optimizer.current_lr()
                optimizer.step(net.params, grads)
                loss_sum += loss
                s, c = ops.metric_sums(net, Yhat, Yb)
                m_total, m_count = m_total + s, m_count + c
                if live and (j % 10 == 0 or j == n_steps - 1):
                    out.write("\repoch %d/%d  step %d/%d  loss %.5g" % (epoch, epochs, j + 1, n_steps, loss))
                    out.flush()
            metrics = {name: finish_metric(net, m_total, m_count)}
            val_loss = None
            if Xv is not None:
                val_loss, metrics["val_" + name] = ops.evaluate(net, Xv, Yv)
            check_weights(net, epoch, optimizer, val_loss)
            history.record(epoch, loss_sum / n_steps, val_loss, metrics, lr_used, time.perf_counter() - start)
            run.epoch = epoch
            for cb in callbacks:
                cb.on_epoch_end(run)
            if verbose and (epoch % log_every == 0 or epoch == epochs or run.stop):
                out.write(("\r" if live else "") + format_epoch(history, -1, epochs) + "\n")
                out.flush()
            if run.stop:
                break


# A weight this large after an epoch means training diverged, even where a
# twin's sums happen to stay finite: the next forward pass overflows in one
# twin or the other (which one depends on summation order), so both stop here.
DIVERGED_WEIGHT = 1e150


def check_weights(net, epoch, optimizer, val_loss=None):
    """TrainingDiverged when a weight passed DIVERGED_WEIGHT (or is NaN) or the validation loss is not finite."""
    largest = 0.0
    for value in net.params.values():
        if hasattr(value, "max"):                       # an array: two reductions, no temporary
            top = max(float(value.max()), -float(value.min()))
        else:                                           # a list, or a list of rows
            rows = value if value and isinstance(value[0], list) else [value]
            top = max(max(max(row), -min(row)) for row in rows)
        if not top <= DIVERGED_WEIGHT:                  # too large, or NaN
            largest = top
            break
    if not largest <= DIVERGED_WEIGHT or (val_loss is not None and not math.isfinite(val_loss)):
        what = ("a weight reached %.3g" % largest if not largest <= DIVERGED_WEIGHT
                else "the validation loss became %s" % val_loss)
        raise TrainingDiverged("%s at epoch %d (lr %.4g): %s" % (what, epoch, optimizer.current_lr(),
                                                                 divergence_advice(net)))


def divergence_advice(net):
    """What to change after a divergence: the L2 penalty when it is far out of range, else the lr."""
    l2 = max(getattr(net, "l2", 0.0), getattr(net, "l2_bias", 0.0))
    if l2 > 1.0:
        return ("the L2 penalty is probably too large (l2 %g: it multiplies the squared weights in the "
                "loss, and useful values are well below 1); try l2 1e-4" % l2)
    return "the learning rate is probably too large; try a smaller lr"


def check_val_rows(n, val_split):
    """A val_split > 0 must hold out at least one of the n rows (round(n * val_split) >= 1).

    Without this, 0.01 of 40 rows rounds to an empty validation set, and
    scoring it fails deep inside a twin (IndexError in one, ZeroDivisionError
    in the other).  Both twins go through this one check.
    """
    if round(n * val_split) == 0:
        raise ValueError("val_split=%g of %d rows rounds to 0 validation rows: use val_split > %.3g "
                         "(at least one row) or val_split=0 (no validation)" % (val_split, n, 0.5 / n))


def check_optimizer(optimizer):
    """The optimizer argument of ``fit`` must be an optimizer (SGD, Adam, ...), not a number."""
    if not (hasattr(optimizer, "step") and hasattr(optimizer, "current_lr")):
        raise TypeError("optimizer must be an optimizer such as SGD(lr=0.1) or Adam(), got %r"
                        % (optimizer,))


def format_epoch(history, i, epochs):
    """One progress line: epoch, training loss, validation loss, metrics and lr of entry i.

    Training figures say so ("train loss", "train accuracy": averaged over
    the epoch's steps, with dropout on, while the weights moved); validation
    figures are "val_..." (scored after the epoch, in inference mode).
    """
    parts = ["epoch %*d/%d" % (len(str(epochs)), history.epoch[i], epochs), "train loss %.6g" % history.loss[i]]
    if history.val_loss[i] is not None:
        parts.append("val_loss %.6g" % history.val_loss[i])
    for name, values in history.metrics.items():
        parts.append("%s %.4g" % (name if name.startswith("val_") else "train " + name, values[i]))
    parts.append("lr %.4g" % history.lr[i])
    return "  ".join(parts)
