"""What ``fit`` accepts besides plain lists: tables, label names, one-hot rows.

``fit`` calls ``fit_inputs`` before it checks the data, so both twins
accept (and refuse) the same things with the same messages:

* a DataFrame-like ``X`` (anything with ``columns`` and ``to_numpy()``,
  as pandas' DataFrame has) becomes its ``to_numpy()`` array; a column that
  holds text is one error naming the column.  A Series-like ``Y`` (with
  ``to_numpy()``) likewise.  pandas itself is never imported.
* class labels may be names (``"benign"``, ``"malignant"``): the sorted
  distinct names are the classes, name k is output k; ``fit`` returns them
  as ``history.classes``.  Binary (bce, one output) needs exactly 2 names,
  cross_entropy exactly as many as the network has outputs.
* cross_entropy also takes an (m, 1) column of class indices, and one-hot
  rows (m, n_out) of 0/1 with a single 1; bce with one output takes
  one-hot rows (m, 2) (the second column is the target).  With several
  sigmoid outputs (multi-label) rows are targets as they are.

Anything else is left to the twins' own checks (``as_targets``).
``check_same_twin`` refuses a scalar network with a vector optimizer, and
the reverse, in one line.
"""

from .checks import is_sequence, plain


def check_same_twin(net, optimizer):
    """A TypeError when ``optimizer`` comes from the other twin than ``net``.

    A twin's optimizers update its own kind of parameters (lists in
    ``scalar_nn``, arrays in ``vector_nn``); mixing them fails deep inside
    with an AttributeError or "truth value of an array is ambiguous".
    """
    net_twin = getattr(getattr(net, "ops", None), "name", None)
    opt_twin = type(optimizer).__module__.split(".")[0]
    pairs = {"scalar": "scalar_nn", "vector": "vector_nn"}
    if net_twin in pairs and opt_twin in pairs.values() and pairs[net_twin] != opt_twin:
        raise TypeError("the optimizer is %s's %s but the network is %s's %s: each twin trains with its own "
                        "optimizers (use %s.%s)" % (opt_twin, type(optimizer).__name__, pairs[net_twin],
                                                     type(net).__name__, pairs[net_twin],
                                                     type(optimizer).__name__))


def is_frame(X):
    """True for a DataFrame-like object: it has ``columns`` and a ``to_numpy`` method."""
    return hasattr(X, "columns") and callable(getattr(X, "to_numpy", None))


def table_matrix(X, what="X"):
    """A DataFrame-like ``X`` as its ``to_numpy()`` array; a text column is a TypeError naming it."""
    if not is_frame(X):
        return X
    A = X.to_numpy()
    kind = getattr(getattr(A, "dtype", None), "kind", None)
    if kind is not None and kind in "biuf":
        return A                              # an array of numbers: nothing to look at
    columns = list(X.columns)
    for i, row in enumerate(plain(A)):
        for j, v in enumerate(row):
            if isinstance(v, (str, bytes)) or v is None:
                raise TypeError("%s's column %r holds %r (row %d), not a number: fit takes numbers; encode the "
                                "column, drop it, or use twin_nn.Pipeline, which one-hot encodes text columns"
                                % (what, columns[j], v, i))
    return A


def fit_inputs(net, X, Y, classes=None, what="X"):
    """(X, Y, classes): the inputs in a form the twins' checks take (rules in the module docstring).

    ``classes`` (from the training data) maps the names of validation
    labels the same way; None when the labels were not names.
    """
    X = table_matrix(X, what)
    if callable(getattr(Y, "to_numpy", None)):
        Y = Y.to_numpy()
    loss, n_out = net.loss_name, net.sizes[-1]
    if loss == "mse" or not is_sequence(Y) or len(Y) == 0:
        if loss == "mse" and is_sequence(Y) and len(Y) and _is_name(_first(Y)):
            raise TypeError("Y holds text (%r): mse targets are numbers; for class labels use a sigmoid "
                            "(bce) or softmax (cross_entropy) network" % (_first(Y),))
        return X, Y, None
    first = _first(Y)
    if _is_name(first):
        return (X,) + _named_labels(Y, loss, n_out, classes)
    shape = _shape(Y)
    if shape is None:
        return X, Y, None
    m, width = shape
    if loss == "cross_entropy" and width == 1:
        return X, [row[0] for row in plain(Y)] if not hasattr(Y, "reshape") else Y.reshape(-1), None
    one_hot_width = n_out if loss == "cross_entropy" else (2 if n_out == 1 else None)   # bce: one sigmoid only
    if width == one_hot_width and width > 1 and _one_hot(Y):
        return X, _from_one_hot(Y, loss), None
    return X, Y, None


def _first(Y):
    first = Y[0]
    while is_sequence(first) and len(first) == 1:
        first = first[0]
    return first


def _is_name(v):
    return isinstance(v, str)             # NumPy's str_ is a str too


def _shape(Y):
    """(m, width) when Y is 2-D (rows of equal length), else None."""
    if hasattr(Y, "ndim"):
        return tuple(Y.shape) if Y.ndim == 2 else None
    if not all(is_sequence(row) for row in Y):
        return None
    widths = set(len(row) for row in Y)
    return (len(Y), widths.pop()) if len(widths) == 1 else None


def _one_hot(Y):
    """Every row 0/1 with exactly one 1."""
    if hasattr(Y, "ndim"):
        return bool(((Y == 0) | (Y == 1)).all() and (Y.sum(axis=1) == 1).all())
    return all(all(v == 0 or v == 1 for v in row) and sum(row) == 1 for row in Y)


def _from_one_hot(Y, loss):
    """Class indices (cross_entropy) or the second column as (m, 1) targets (bce)."""
    if hasattr(Y, "ndim"):
        return Y.argmax(axis=1) if loss == "cross_entropy" else Y[:, 1:2].astype(float)
    if loss == "cross_entropy":
        return [list(row).index(1) for row in Y]
    return [[float(row[1])] for row in Y]


def _named_labels(Y, loss, n_out, classes):
    """(codes, classes) for labels given by name."""
    labels = [_first([v]) for v in plain(Y)]
    for i, v in enumerate(labels):
        if not isinstance(v, str):
            raise TypeError("Y mixes label names and other values: Y[0] is %r, Y[%d] is %r"
                            % (labels[0], i, v))
    if classes is None:
        classes = sorted(set(labels))
        want = n_out if loss == "cross_entropy" else 2
        if len(classes) != want:
            raise ValueError("Y holds %d distinct labels (%s) but the network tells %d apart (%s output, %s "
                             "loss): they must match" % (len(classes), ", ".join(map(repr, classes[:8])), want,
                                                       "softmax" if loss == "cross_entropy" else "sigmoid",
                                                       loss))
    index = {c: k for k, c in enumerate(classes)}
    codes = []
    for i, v in enumerate(labels):
        if v not in index:
            raise ValueError("Y[%d] is %r, a label the training targets do not hold (%s)"
                             % (i, v, ", ".join(map(repr, classes))))
        codes.append(index[v])
    if loss == "bce":
        return [[float(c)] for c in codes], list(classes)
    return codes, list(classes)
