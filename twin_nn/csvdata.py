"""Data from a CSV file: read it, check it, turn it into X and Y, and back.

Pure Python (the standard library's ``csv`` module), so the scalar twin
trains on a user's CSV without NumPy.  What ``twin-nn train --data`` needs:

    table = read_table("iris.csv")              # header + rows of strings, checked
    data = prepare(table, "species")             # X, Y, the task, labels, scaling
    X, Y = data.X, data.Y                        # lists: rows of floats; targets
    meta = data.meta()                           # what goes into the model file

and at predict / evaluate time, from the model file's ``meta["data"]``:

    X = inputs(table, data_meta, n_features)     # the model's columns, scaled again
    Y = targets(table, data_meta)                # labels mapped with the stored classes
    labels = decode(Yhat, data_meta)             # predictions as the original labels

The file format, as read here:

* UTF-8 text (a byte order mark, as Excel writes, is accepted silently);
  comma-separated; quotes as the ``csv`` module understands them, so
  ``"1.5"`` is the number 1.5.
* Line 1 is a header of unique, non-empty column names.
* Blank lines, and lines whose cells are all empty (``,,,``), are skipped.
* Every other line has exactly as many cells as the header.
* Feature cells are finite numbers: an empty cell, text, NaN or inf is an
  error.

Every problem is a ``CSVError`` (a ValueError) in one line that names the
file and, where they apply, the row and the column.  Rows are counted as a
spreadsheet or an editor counts them: the header is row 1.

The task (when not given): a target column that holds text, or at most
``MAX_INFERRED_CLASSES`` distinct whole numbers (and at least two rows per
distinct value on average), is a classification; with 2 labels binary
(sigmoid + bce), with more multiclass (softmax + cross_entropy).  Anything
else numeric is a regression (linear + mse).

Class labels are kept as text.  Numeric labels are canonical (``1``,
``1.0`` and ``01`` are the same class, written ``1``) and sorted by value;
text labels are sorted as strings.  Index i of the network's output is
``classes[i]``.

Standardization (the default): each feature column becomes (x - mean) / std
with the training rows' mean and (population) standard deviation; a constant
column gets std 1.  Both are stored in the model file and applied again to
new data.  A regression target is standardized the same way (the network
starts with outputs near 0 and of scale 1, so a price in the hundreds of
thousands would otherwise take thousands of epochs), and predictions are
turned back into the target's units.
"""

import codecs
import csv
import difflib
import io
import math
import os

from scalar_nn.toolkit.files import read_bytes
from scalar_nn.toolkit.scaling import check_range, column_scaling, scale  # noqa: F401  (the one standardizer)

TASKS = ("regression", "binary", "multiclass")
TASK_MODELS = {"regression": ("linear", "mse"), "binary": ("sigmoid", "bce"),
               "multiclass": ("softmax", "cross_entropy")}
MAX_INFERRED_CLASSES = 10


class CSVError(ValueError):
    """A CSV file that cannot be used: the file, row and column are in the message."""


class Table:
    """A checked CSV file: ``header`` (column names), ``rows`` (lists of stripped strings).

    ``line_numbers[i]`` is the file's row number of ``rows[i]`` (the header
    is row 1), for error messages.
    """

    def __init__(self, path, header, rows, line_numbers):
        self.path, self.header, self.rows, self.line_numbers = path, header, rows, line_numbers

    def __len__(self):
        return len(self.rows)

    def column(self, name, role="column"):
        """The index of column ``name``; a missing name is a CSVError listing the columns."""
        if name in self.header:
            return self.header.index(name)
        close = difflib.get_close_matches(name, self.header, n=1, cutoff=0.6)
        lowered = [h for h in self.header if h.lower() == name.lower()]
        hint = lowered[0] if lowered else (close[0] if close else None)
        raise CSVError("%s has no %s %r%s: its columns are %s" % (
            self.path, role, name, " (did you mean %r?)" % hint if hint else "", _names(self.header)))

    def where(self, i, j):
        """"row 5, column 'x2' (column 3)" for data row i and column j."""
        return "row %d, column %r (column %d)" % (self.line_numbers[i], self.header[j], j + 1)


def _names(names, limit=12):
    shown = ", ".join(map(repr, names[:limit]))
    return shown + (", ... (%d in all)" % len(names) if len(names) > limit else "")


# --------------------------------------------------------------- reading
def read_table(path):
    """The CSV file at ``path`` as a checked ``Table`` (rules in the module docstring)."""
    data = _read_bytes(path)
    if not data.strip():
        raise CSVError("%s is empty: a CSV file needs a header row and at least one data row" % path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise CSVError("%s is not UTF-8 text (byte 0x%02x in row %d): save it as UTF-8 CSV"
                       % (path, data[exc.start], line)) from None
    if text.startswith(codecs.BOM_UTF8.decode("utf-8")):
        text = text[1:]               # a second BOM (some tools add one to an already-marked file)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header, rows, lines = None, [], []
    try:
        for record in reader:
            if not record or all(not cell.strip() for cell in record):
                continue              # a blank line, or ",,,": nothing in it
            cells = [cell.strip() for cell in record]
            if header is None:
                header, header_line = cells, reader.line_num
                _check_header(path, header, header_line)
                continue
            if len(cells) != len(header):
                raise CSVError("%s, row %d: %d cell%s, but the header (row %d) has %d columns%s" % (
                    path, reader.line_num, len(cells), "" if len(cells) == 1 else "s", header_line,
                    len(header), _ragged_hint(cells, header)))
            rows.append(cells)
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise CSVError("%s, row %d: not valid CSV (%s)" % (path, reader.line_num, exc)) from None
    if header is None:
        raise CSVError("%s is empty: a CSV file needs a header row and at least one data row" % path)
    if not rows:
        raise CSVError("%s has a header (%s) but no data rows" % (path, _names(header)))
    return Table(path, header, rows, lines)


def _read_bytes(path):
    """The file's bytes; a missing file, a folder or no permission is one line naming ``path``."""
    return read_bytes(path, "CSV file")


def _check_header(path, header, line):
    """Column names: non-empty, unique, and not a row of numbers (a file without a header)."""
    for j, name in enumerate(header):
        if not name:
            raise CSVError("%s, row %d: column %d has no name in the header%s" % (
                path, line, j + 1, " (a row index written by pandas? save with index=False)" if j == 0 else ""))
    seen = {}
    for j, name in enumerate(header):
        if name in seen:
            raise CSVError("%s, row %d: the header names column %r twice (columns %d and %d); "
                           "column names must be unique" % (path, line, name, seen[name] + 1, j + 1))
        seen[name] = j
    if all(_is_number(name) for name in header):
        raise CSVError("%s, row %d: the first row should be a header of column names, but it holds "
                       "numbers (%s): add a header line" % (path, line, _names(header, 4)))
    if len(header) == 1:
        for sep in (";", "\t", "|"):
            if sep in header[0]:
                raise CSVError("%s: the header is one column %r; twin-nn reads comma-separated "
                               "files, and this one seems to use %r" % (path, header[0], sep))


def _ragged_hint(cells, header):
    if len(cells) > len(header) and len(header) > 1:
        return " (a comma inside a value needs quotes: \"1,5\")"
    return ""


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def number(table, i, j, what="a number"):
    """The finite float in cell (i, j); an empty cell, text, NaN or inf is a CSVError."""
    text = table.rows[i][j]
    if not text:
        raise CSVError("%s, %s: empty cell; every cell must hold %s" % (table.path, table.where(i, j), what))
    try:
        value = float(text)
    except ValueError:
        hint = ""
        if what == "a number" and not any(_is_number(row[j]) for row in table.rows[:50]):
            hint = (" (column %r holds text; feature columns must hold numbers: remove it, or encode it "
                    "as numbers)" % table.header[j])
        raise CSVError("%s, %s: %r is not a number%s" % (table.path, table.where(i, j), text, hint)) from None
    if not math.isfinite(value):
        raise CSVError("%s, %s: %r is not a finite number (NaN and inf are not allowed)"
                       % (table.path, table.where(i, j), text))
    return value


def matrix(table, columns):
    """Rows of floats from the given column indices (errors name the first bad cell)."""
    return [[number(table, i, j) for j in columns] for i in range(len(table.rows))]


# ------------------------------------------------------------- the target
def _label_text(table, i, j):
    """The class label in cell (i, j) as stored text; empty, NaN or inf is an error."""
    text = table.rows[i][j]
    if not text:
        raise CSVError("%s, %s: empty cell; every row needs a label" % (table.path, table.where(i, j)))
    if _is_number(text):
        value = float(text)
        if not math.isfinite(value):
            raise CSVError("%s, %s: %r is not a finite number (NaN and inf are not labels)"
                           % (table.path, table.where(i, j), text))
    return text


def canonical_number_label(value):
    """1.0 -> "1", 2.5 -> "2.5": the text a numeric class label is stored as."""
    return str(int(value)) if value == int(value) else repr(value)


def infer_task(table, j):
    """(task, reason) for the target column j, by the rule of the module docstring."""
    texts = [_label_text(table, i, j) for i in range(len(table.rows))]
    numeric = [t for t in texts if _is_number(t)]
    name = table.header[j]
    if len(numeric) == len(texts):
        values = set(float(t) for t in texts)
        whole = all(v == int(v) for v in values)
        if whole and len(values) <= MAX_INFERRED_CLASSES and 2 * len(values) <= len(texts):
            task = "binary" if len(values) == 2 else "multiclass"
            return task, "%r holds %d distinct whole numbers" % (name, len(values))
        return "regression", "%r holds numbers%s" % (
            name, "" if not whole else " with %d distinct values" % len(values))
    if numeric and 2 * len(numeric) >= len(texts):
        i = next(i for i, t in enumerate(texts) if not _is_number(t))
        raise CSVError("%s, %s: %r is not a number, but most of the column is; fix the cell, or "
                       "pass --task binary or --task multiclass to read every value as a class label"
                       % (table.path, table.where(i, j), texts[i]))
    labels = set(texts)
    return ("binary" if len(labels) == 2 else "multiclass"), "%r holds %d distinct text labels" % (
        name, len(labels))


def class_labels(table, j):
    """(classes, label_type): the sorted distinct labels of column j, as stored text.

    label_type "number" when every label is a number (then "1" and "1.0" are
    one class, sorted by value), else "text" (sorted as strings).
    """
    texts = [_label_text(table, i, j) for i in range(len(table.rows))]
    if all(_is_number(t) for t in texts):
        values = sorted(set(float(t) for t in texts))
        return [canonical_number_label(v) for v in values], "number"
    return sorted(set(texts)), "text"


def label_key(text, label_type):
    """The stored form of one label: canonical for numbers, the text itself otherwise."""
    if label_type == "number":
        try:
            value = float(text)
        except ValueError:
            return None
        return canonical_number_label(value) if math.isfinite(value) else None
    return text


# ------------------------------------------------------------ preparing
class Prepared:
    """A CSV file made ready for training (the result of ``prepare``)."""

    def __init__(self, **fields):
        self.__dict__.update(fields)

    def meta(self):
        """What the model file stores about the data, under ``meta["data"]``."""
        return {"file": os.path.basename(self.path), "target": self.target, "task": self.task,
                "features": list(self.features), "classes": self.classes, "label_type": self.label_type,
                "standardize": None if self.mean is None else {"mean": list(self.mean), "std": list(self.std)},
                "target_standardize": None if self.target_scaling is None else dict(self.target_scaling)}


def prepare(table, target, task=None, standardize=True, val_split=0.0, seed=0):
    """X, Y (and the validation rows) from ``table`` with ``target`` as the target column.

    ``task`` None infers it; a task that does not fit the column (binary with
    3 labels, regression on text) is a CSVError.  With ``val_split`` the
    rows are split by the shared stream (``datasets.train_val_split``) and
    the scaling is computed on the training rows only.

    A regression target is standardized too (with ``standardize``): the
    network learns (y - mean) / std, and ``target_scaling`` = {"mean",
    "std"} turns its outputs back into the target's units.  ``Y_raw`` and
    ``Yv_raw`` keep the targets in those units.

    Returns a ``Prepared`` with X, Y, Xv, Yv (Xv/Yv None without a split),
    task, reason (why the task was inferred, or None when given), output,
    loss, n_out, classes (None for regression), label_type, features,
    target, mean, std (None without standardization), target_scaling, Y_raw,
    Yv_raw, path.
    """
    j = table.column(target, role="target column")
    if len(table.header) < 2:
        raise CSVError("%s has only the target column %r: there are no feature columns" % (table.path, target))
    reason = None
    if task is None:
        task, reason = infer_task(table, j)
    elif task not in TASKS:
        raise CSVError("unknown task %r: choose one of %s" % (task, ", ".join(TASKS)))
    features = [k for k in range(len(table.header)) if k != j]
    X = matrix(table, features)
    classes = label_type = None
    if task == "regression":
        Y = [[number(table, i, j, "a number (the regression target)")] for i in range(len(table.rows))]
        n_out = 1
    else:
        classes, label_type = class_labels(table, j)
        if len(classes) < 2:
            raise CSVError("%s: the target column %r holds only one label (%s) in all %d rows: "
                           "there is nothing to tell apart" % (table.path, target, classes[0], len(table.rows)))
        if task == "binary" and len(classes) > 2:
            raise CSVError("%s: --task binary needs 2 labels, but the target column %r holds %d (%s); "
                           "use --task multiclass" % (table.path, target, len(classes), _names(classes, 6)))
        index = {c: k for k, c in enumerate(classes)}
        codes = [index[label_key(row[j], label_type)] for row in table.rows]
        if task == "binary":
            Y, n_out = [[float(c)] for c in codes], 1
        else:
            Y, n_out = codes, len(classes)
    Xv = Yv = None
    if val_split:
        from scalar_nn.toolkit.datasets import train_val_split
        X, Y, Xv, Yv = train_val_split(X, Y, val_split, seed)
        if not Xv:
            raise CSVError("--val-split %g of %d rows rounds to no validation rows: use a larger "
                           "fraction, or 0 for none" % (val_split, len(table.rows)))
    mean = std = target_scaling = None
    Y_raw, Yv_raw = Y, Yv
    names = [table.header[k] for k in features]
    _check_ranges(table, X, Y, Xv, Yv, names, target, task, standardize)
    if standardize:
        mean, std = column_scaling(X, names)
        X = scale(X, mean, std, names)
        if Xv is not None:
            Xv = scale(Xv, mean, std, names)
        if task == "regression":
            (mu,), (sd,) = column_scaling(Y, [target])
            target_scaling = {"mean": mu, "std": sd}
            Y = scale(Y, [mu], [sd], [target])
            if Yv is not None:
                Yv = scale(Yv, [mu], [sd], [target])
    output, loss = TASK_MODELS[task]
    return Prepared(X=X, Y=Y, Xv=Xv, Yv=Yv, Y_raw=Y_raw, Yv_raw=Yv_raw, target_scaling=target_scaling,
                    task=task, reason=reason, output=output, loss=loss,
                    n_out=n_out, classes=classes, label_type=label_type,
                    features=[table.header[k] for k in features], target=target,
                    mean=mean, std=std, path=table.path)


def _check_ranges(table, X, Y, Xv, Yv, names, target, task, standardize):
    """Numbers used raw must stay within scaling.RAW_LIMIT: a regression target, unstandardized features."""
    try:
        if task == "regression":
            for rows in (Y, Yv or []):
                check_range(rows, [target], "a regression target",
                            " (its squared errors must stay finite): divide the column by a power of ten")
        if not standardize:
            for rows in (X, Xv or []):
                check_range(rows, names, "features fed raw (--no-standardize)",
                            ": standardize them (drop --no-standardize), or divide the column by a power of ten")
    except ValueError as exc:
        raise CSVError("%s: %s" % (table.path, exc)) from None


def unscale_targets(Yhat, data_meta):
    """Network outputs back in the target's units (y * std + mean), when the target was standardized."""
    scaling = (data_meta or {}).get("target_standardize")
    if not scaling:
        return Yhat
    mu, sd = scaling["mean"], scaling["std"]
    return [[v * sd + mu for v in row] for row in Yhat]


def scale_targets(Y, data_meta):
    """Targets in the target's units as the network learned them ((y - mean) / std, or as they are)."""
    scaling = (data_meta or {}).get("target_standardize")
    if not scaling:
        return Y
    return scale(Y, [scaling["mean"]], [scaling["std"]], [data_meta.get("target", "target")])


# ----------------------------------------------------- predict / evaluate
def inputs(table, data_meta, n_features):
    """The model's inputs from ``table``: its feature columns by name, scaled as in training.

    ``data_meta`` is the model file's ``meta["data"]`` (None for a model
    that was not trained on a CSV: then every column is a feature, in
    order, and their number must be the network's input size).  The
    target column, if present, is ignored.  A missing feature column, an
    unknown column, or a count that does not match is a CSVError.
    """
    if not data_meta:
        if len(table.header) != n_features:
            raise CSVError("%s has %d columns, but the model takes %d features (it stores no column "
                           "names, so every column is read as a feature, in order)"
                           % (table.path, len(table.header), n_features))
        return _raw_inputs(table, matrix(table, range(len(table.header))), table.header)
    features = data_meta["features"]
    missing = [f for f in features if f not in table.header]
    extra = [h for h in table.header if h not in features and h != data_meta.get("target")]
    if missing or extra:
        parts = []
        if missing:
            parts.append("no column%s %s" % ("" if len(missing) == 1 else "s", _names(missing, 6)))
        if extra:
            parts.append("column%s %s that the model was not trained on" % (
                "" if len(extra) == 1 else "s", _names(extra, 6)))
        raise CSVError("%s does not match the model: it has %s (the model's %d features are %s)"
                       % (table.path, " and ".join(parts), len(features), _names(features)))
    X = matrix(table, [table.header.index(f) for f in features])
    scaling = data_meta.get("standardize")
    if scaling:
        try:
            X = scale(X, scaling["mean"], scaling["std"], features)
        except ValueError as exc:
            raise CSVError("%s: %s" % (table.path, exc)) from None
        return X
    return _raw_inputs(table, X, features)


def _raw_inputs(table, X, names):
    """Features a model takes unscaled obey the training rule: |x| <= scaling.RAW_LIMIT."""
    try:
        check_range(X, names, "features a model takes unscaled", ": its outputs would overflow")
    except ValueError as exc:
        raise CSVError("%s: %s" % (table.path, exc)) from None
    return X


def targets(table, data_meta, loss, n_out, target=None):
    """The target column of ``table`` in the form the loss needs, mapped with the stored labels.

    A label the model never saw is a CSVError naming its row and column.
    Without ``data_meta`` (a model not trained on a CSV), ``target`` names
    the column and class labels must already be indices 0..n-1.
    """
    name = data_meta["target"] if data_meta else target
    if name is None:
        raise CSVError("this model file does not say which column is the target: pass --target COLUMN")
    j = table.column(name, role="target column")
    m = len(table.rows)
    if loss == "mse":
        return [[number(table, i, j, "a number (the regression target)")] for i in range(m)]
    if data_meta and data_meta.get("classes"):
        classes, label_type = data_meta["classes"], data_meta.get("label_type", "text")
    else:
        classes, label_type = [str(k) for k in range(max(n_out, 2))], "number"
    index = {c: k for k, c in enumerate(classes)}
    codes = []
    for i in range(m):
        key = label_key(_label_text(table, i, j), label_type)
        if key not in index:
            raise CSVError("%s, %s: label %r was never seen in training (the model knows %s)"
                           % (table.path, table.where(i, j), table.rows[i][j], _names(classes)))
        codes.append(index[key])
    if loss == "bce":
        return [[float(c)] for c in codes]
    return codes


def decode(Yhat, loss, data_meta, n_out):
    """Predicted labels (text) from the network's outputs; regression: the numbers themselves.

    bce: the second class where p > 0.5 (as the accuracy counts it);
    cross_entropy: the first arg-max.
    """
    classes = (data_meta or {}).get("classes") or [str(k) for k in range(max(n_out, 2))]
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
