"""``Pipeline``: a network together with what it knows about its data.

A network on its own takes standardized numbers and returns class indices.
A ``Pipeline`` takes rows as the user has them (a CSV file, dicts, lists,
a DataFrame) and gives answers in the user's terms: it applies the stored
column selection, one-hot encoding, missing-cell fill and scaling, and turns
outputs back into label names (or the target's units).  The CLI's ``train
--data``, ``predict`` and ``evaluate`` go through it, so the command line
and the API meet here::

    import twin_nn
    pipe = twin_nn.Pipeline.from_csv("iris.csv", target="species", twin="scalar")
    history = pipe.fit(epochs=100)             # keeps the best validation epoch
    pipe.predict([{"sepal_length": 5.1, ...}])  # -> ["setosa"]
    pipe.save("iris.json")
    pipe = twin_nn.load_pipeline("iris.json")   # a file written by `twin-nn train --data` too

Both twins: ``twin="scalar"`` (pure Python) or ``"vector"`` (NumPy, imported
only then).  docs/API.md walks through it.
"""

import math

from . import columns as C
from .csvdata import CSVError, Table, read_table


def twin_parts(twin, engine=None):
    """The twin's modules (MLP, optimizer, serialize), from ``recipes.twin_parts``."""
    from .recipes import twin_parts as parts
    if twin not in ("scalar", "vector"):
        raise ValueError("twin must be 'scalar' or 'vector', got %r" % (twin,))
    return parts(twin, engine or ("fast" if twin == "vector" else "plain"))


class Pipeline:
    """A network plus its data's ``Columns``: ``predict(rows)`` in the user's terms.

    Attributes: ``net`` (the twin's MLP), ``columns`` (a ``columns.Columns``),
    ``twin``, ``history`` (after ``fit`` or ``load``), ``data`` (the
    ``Prepared`` training data, when built from a CSV or arrays).
    """

    def __init__(self, net, columns, twin="scalar", engine=None, history=None, train=None):
        self.net, self.columns, self.twin, self.engine = net, columns, twin, engine
        self.history, self.train, self.data = history, train, None

    @property
    def form(self):
        return "array" if self.twin == "vector" else "rows"

    # ------------------------------------------------------------ building
    @classmethod
    def from_csv(cls, path, target, progress=None, **options):
        """Read ``path`` and build an untrained Pipeline (options as ``from_table``)."""
        return cls.from_table(read_table(path, progress), target, **options)

    @classmethod
    def from_arrays(cls, X, y, feature_names=None, target="target", **options):
        """Build from rows of features ``X`` (lists, an array or a DataFrame) and targets ``y`` (numbers or names)."""
        table = to_table(X, feature_names, what="X")
        y = y.to_numpy() if callable(getattr(y, "to_numpy", None)) else y
        y = y.tolist() if hasattr(y, "tolist") else list(y)
        if len(y) != len(table):
            raise ValueError("X has %d rows but y has %d: they must match" % (len(table), len(y)))
        if target in table.header:
            raise ValueError("target name %r is also a feature name; pass target=... another name" % target)
        y = [v[0] if isinstance(v, (list, tuple)) and len(v) == 1 else v for v in y]
        rows = [[table.cell(i, j) for j in range(len(table.header))] + [y[i]] for i in range(len(table))]
        return cls.from_table(Table.from_rows("the arrays", table.header + [target], rows), target, **options)

    @classmethod
    def from_table(cls, table, target, twin="scalar", engine=None, layers=(32, 16), hidden="tanh", seed=0,
                   task=None, features=None, drop=None, missing="error", unknown="error", standardize=True,
                   val_split=None, test_split=0.0, l2=0.0, dropout=0.0, batchnorm=False, build_context=None):
        """An untrained Pipeline for ``table`` with ``target`` (see ``columns.prepare`` for the data options).

        ``val_split`` None: 0.2 from 10 rows up, else 0 (as ``twin-nn train --data``).
        ``build_context(sizes, batchnorm)``, if given, returns the context the
        network is built in (the CLI checks its memory and --max-memory there).
        """
        parts = twin_parts(twin, engine)
        if val_split is None:
            val_split = 0.2 if len(table) >= 10 else 0.0
        data = C.prepare(table, target, task=task, standardize=standardize, val_split=val_split, seed=seed,
                         test_split=test_split, features=features, drop=drop, missing=missing,
                         unknown=unknown, form="array" if twin == "vector" else "rows")
        sizes = [len(data.inputs)] + list(layers) + [data.n_out]
        import contextlib
        with (build_context or (lambda *_: contextlib.nullcontext()))(sizes, batchnorm):
            net = parts.MLP(sizes, hidden=hidden, output=data.output, loss=data.loss, seed=seed, l2=l2,
                            dropout=dropout, batchnorm=batchnorm)
        pipe = cls(net, data.columns, twin, engine)
        pipe.data, pipe.seed = data, seed
        return pipe

    def optimizer(self, name="adam", lr=None, **hyper):
        """The twin's optimizer ``name`` ("adam" or "sgd"); lr defaults to 0.01 (adam) or 0.1 (sgd)."""
        lr = lr if lr is not None else (0.01 if name == "adam" else 0.1)
        return twin_parts(self.twin, self.engine).optimizer(name, lr=lr, **hyper)

    def fit(self, epochs=100, batch_size=32, optimizer="adam", lr=None, early_stopping=None, keep_best=True,
            verbose=0, out=None, log_every=None, callbacks=(), **hyper):
        """Train on the training rows, watching the validation rows; returns the History.

        With validation rows the best epoch's parameters are kept
        (``keep_best``); ``early_stopping=PATIENCE`` also stops when val_loss
        has not improved for PATIENCE epochs.  ``hyper``: momentum,
        dampening, decay (SGD) or decay (Adam).
        """
        d = self.data
        if d is None:
            raise ValueError("this Pipeline has no training data: build it with from_csv or from_arrays")
        callbacks = list(callbacks)
        if early_stopping is not None:
            if d.Xv is None:
                raise ValueError("early stopping watches the validation loss: give a val_split too")
            from scalar_nn.toolkit.callbacks import EarlyStopping
            callbacks.append(EarlyStopping(patience=early_stopping, monitor="val_loss", restore_best=keep_best))
        opt = optimizer if not isinstance(optimizer, str) else self.optimizer(optimizer, lr, **hyper)
        n = len(d.X)
        self.history = self.net.fit(d.X, d.Y, opt, epochs=epochs, batch_size=min(batch_size, n), seed=self.seed,
                                    validation=None if d.Xv is None else (d.Xv, d.Yv), callbacks=callbacks,
                                    verbose=verbose, log_every=log_every or max(1, epochs // 10), out=out,
                                    keep_best=keep_best)
        return self.history

    # ----------------------------------------------------------- answering
    def inputs(self, rows):
        """The network's inputs for ``rows`` (encoded and scaled)."""
        return self.columns.encode(self.table(rows), form=self.form)

    def table(self, rows):
        """``rows`` as a Table: a Table, a CSV path, dicts, lists in feature order, an array or a DataFrame."""
        return to_table(rows, self.columns.features, what="rows")

    def outputs(self, rows):
        """The network's outputs for ``rows``: probabilities, or numbers in the target's units."""
        Yhat = plain_rows(self.net.predict(self.inputs(rows)))
        return unscale_targets(Yhat, self.columns.target_standardize)

    def predict(self, rows):
        """One answer per row: the label (as in the training file) or the predicted number."""
        return decode(self.outputs(rows), self.net.loss_name, self.columns.classes)

    def predict_proba(self, rows):
        """One probability per class for every row (a classifier only), in ``classes`` order."""
        if self.net.loss_name == "mse":
            raise ValueError("predict_proba applies to classifiers; this model is a regression (mse)")
        return probabilities(self.outputs(rows), self.net.loss_name)

    @property
    def classes(self):
        """The label names, output k being ``classes[k]`` (None for a regression)."""
        return self.columns.classes

    def score(self, rows):
        """loss plus accuracy, or loss, mse, rmse and r2, on ``rows`` that hold the target column."""
        table = self.table(rows)
        X = self.columns.encode(table, form=self.form)
        return scores_of(self.net, X, self.columns.targets(table, form=self.form), self.columns.target_standardize)

    # ------------------------------------------------------------- files
    def save(self, path, meta=None):
        """Save the network, its history and the data's Columns (``meta["data"]``) to ``path``."""
        extra = dict(meta or {})
        extra.setdefault("twin", self.twin)
        extra["data"] = self.columns.meta()
        if self.train is not None:
            extra.setdefault("train", self.train)
        twin_parts(self.twin, self.engine).serialize.save_model(self.net, path, history=self.history, meta=extra)


def load_pipeline(path, twin=None, engine=None):
    """The Pipeline saved at ``path`` (by ``Pipeline.save`` or ``twin-nn train --data``).

    ``twin`` None: the vector twin when NumPy is there (or the file is .npz), else the scalar twin.
    A model file without column information (a recipe's, say) takes every column as a feature, in order.
    """
    if twin is None:
        twin = "vector" if path.lower().endswith(".npz") or _has_numpy() else "scalar"
    if twin == "scalar" and path.lower().endswith(".npz"):
        raise ValueError("%s is an .npz archive, which only the vector twin reads: add --twin vector" % path)
    from .recipes import twin_for_model_file
    twin = twin_for_model_file(path, twin)      # no NumPy: a JSON model loads in the scalar twin
    model = twin_parts(twin, engine).serialize.load_model_file(path)
    from .model_meta import check_meta
    check_meta(model.meta, model.net, path)          # every meta field, once, before any is used
    data = (model.meta or {}).get("data")
    net = model.net
    cols = C.Columns.from_meta(data) if isinstance(data, dict) and "features" in data else raw_columns(net)
    train = (model.meta or {}).get("train")
    return Pipeline(net, cols, twin, engine, history=model.history, train=train)


def _has_numpy():
    try:
        import numpy  # noqa: F401
    except ImportError:
        return False
    return True


def raw_columns(net, target=None, names=None):
    """Columns for a network trained without a CSV: every column a number feature, in order, unscaled."""
    n_in, n_out = net.sizes[0], net.sizes[-1]
    names = names or ["x%d" % (k + 1) for k in range(n_in)]
    task = {"mse": "regression", "bce": "binary", "cross_entropy": "multiclass"}[net.loss_name]
    classes = None if task == "regression" else [str(k) for k in range(max(n_out, 2))]
    return C.Columns({"file": None, "target": target, "task": task, "features": list(names),
                      "columns": [{"name": f, "kind": "number"} for f in names], "inputs": list(names),
                      "missing": "error", "unknown": "error", "classes": classes,
                      "label_type": None if classes is None else "number", "standardize": None,
                      "target_standardize": None, "raw": True})


def to_table(rows, names, what="rows"):
    """A Table from a Table, a CSV path, dicts, rows in ``names`` order, an array or a DataFrame."""
    if isinstance(rows, Table):
        return rows
    if isinstance(rows, str):
        return read_table(rows)
    if hasattr(rows, "columns") and callable(getattr(rows, "to_numpy", None)):
        from scalar_nn.toolkit.checks import plain
        return Table.from_rows("the DataFrame", [str(c) for c in rows.columns], plain(rows.to_numpy()))
    rows = rows.tolist() if hasattr(rows, "tolist") else list(rows)
    if not rows:
        raise ValueError("%s is empty: give at least one row" % what)
    if isinstance(rows[0], dict):
        header = list(rows[0])
        for r in rows[1:]:
            header.extend(k for k in r if k not in header)
        return Table.from_rows("the %s" % what, header, [[r.get(h, "") for h in header] for r in rows])
    width = len(rows[0]) if isinstance(rows[0], (list, tuple)) else None
    if width is None:
        raise ValueError("%s must be rows (lists, dicts) or a table, got %r as row 0" % (what, rows[0]))
    header = list(names) if names is not None and len(names) == width else ["x%d" % (k + 1) for k in range(width)]
    if names is not None and len(names) != width:
        raise ValueError("%s has %d values per row, but the model takes %d columns (%s); pass dicts or a "
                         "table to give them by name" % (what, width, len(names), ", ".join(names)))
    return Table.from_rows("the %s" % what, header, rows)


# ------------------------------------------------------------ numbers
def plain_rows(A):
    from scalar_nn.toolkit.checks import plain
    return [list(r) if isinstance(r, (list, tuple)) else [r] for r in plain(A)]


def unscale_targets(Yhat, scaling):
    """Network outputs in the target's units (y * std + mean), when the target was standardized."""
    if not scaling:
        return Yhat
    mu, sd = scaling["mean"], scaling["std"]
    return [[v * sd + mu for v in row] for row in Yhat]


def decode(Yhat, loss, classes):
    """Labels from outputs: bce the second class where p > 0.5; cross_entropy the first arg-max; mse the numbers."""
    if loss == "mse":
        return [row[0] if len(row) == 1 else list(row) for row in Yhat]
    if loss == "bce":
        return [classes[1] if row[0] > 0.5 else classes[0] for row in Yhat]
    return [classes[row.index(max(row))] for row in Yhat]


def probabilities(Yhat, loss):
    """One probability per class for every row: bce gives (1 - p, p)."""
    if loss == "bce":
        return [[1.0 - row[0], row[0]] for row in Yhat]
    return [list(row) for row in Yhat]


SCORE_CHUNK = 65536          # rows scored at a time: the forward pass's caches stay small


def _chunks(A):
    return [A[k:k + SCORE_CHUNK] for k in range(0, len(A), SCORE_CHUNK)]


def scores_of(net, X, Y, target_scaling=None):
    """loss plus accuracy, or loss, mse, rmse and r2 (in the target's units): a dict, in that order.

    ``Y`` holds regression targets in their own units; the loss is the
    network's own (on the standardized target when there is one).  Rows are
    scored SCORE_CHUNK at a time (inference mode, so chunks do not change
    the numbers): loss = penalty + sum_c m_c (loss_c - penalty) / m, and the
    metric the same weighted mean (of squared errors, for rmse).
    """
    m = len(X)
    penalty = net.l2_penalty()
    data_loss = metric_sum = 0.0
    sse = sst = 0.0
    if net.loss_name == "mse":
        flat = [v for row in plain_rows(Y) for v in row]
        c = max(abs(v) for v in flat) or 1.0          # sums of squares in units of max |y|: overflow-safe
        mean = math.fsum(v / c for v in flat) / len(flat)
        sst = math.fsum((a / c - mean) ** 2 for a in flat)
    for Xc, Yc in zip(_chunks(X), _chunks(Y)):
        Yl = plain_rows(Yc) if net.loss_name == "mse" else Yc
        if net.loss_name == "mse" and target_scaling:
            Ys = [[(v - target_scaling["mean"]) / target_scaling["std"] for v in r] for r in Yl]
        else:
            Ys = Yl
        Xk, Yk = net.ops.clean_data(net, Xc, Ys)
        loss, metric = net.ops.evaluate(net, Xk, Yk)
        data_loss += (loss - penalty) * len(Xc) / m
        if net.loss_name != "mse":
            metric_sum += metric * len(Xc)
            continue
        Yhat = unscale_targets(plain_rows(net.predict(Xk)), target_scaling)
        sse += math.fsum((a / c - b / c) ** 2 for r, s in zip(Yl, Yhat) for a, b in zip(r, s))
    loss = penalty + data_loss
    if net.loss_name != "mse":
        return {"loss": loss, "accuracy": metric_sum / m}
    rmse = math.sqrt(sse / len(flat)) * c
    mse = rmse * rmse if rmse < 1e154 else math.inf
    return {"loss": loss, "mse": mse, "rmse": rmse, "r2": 1.0 - sse / sst if sst > 0 else None}


__all__ = ["Pipeline", "load_pipeline", "CSVError"]
