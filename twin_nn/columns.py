"""From a table's columns to a network's inputs and targets, and back.

Pure Python (``array('d')`` columns), so it works in both twins and on PyPy.
``Columns`` is what is learned from the training file and stored in the model
file (``meta["data"]``, docs/MODEL_FORMAT.md); ``prepare`` learns it::

    data = prepare(table, "species", features=None, drop=["id"], missing="error",
                   unknown="error", val_split=0.2, test_split=0.0, seed=0)
    data.X, data.Y, data.Xv, data.Yv, data.Xt, data.Yt       # rows (or arrays, form="columns")
    cols = data.columns                                      # a Columns: apply it to new tables
    X = cols.encode(table)                                   # predict time: by name, encoded, scaled

The rules:

* Features: ``features`` names them, else every column but the target and
  the ``drop`` ones.  A name that is not a column is an error that lists them.
* A feature column whose cells are mostly text is a category column: it
  becomes one 0/1 input per category ("colour=red"), in sorted order.  The
  categories are stored; one never seen in training is an error at predict
  time, or all zeros with ``unknown="ignore"``.  A column of mostly numbers
  with a stray word is an error naming the cell.
* Missing (empty) cells: ``missing="error"`` (the default) names the first
  one and the option; ``"drop"`` drops the rows that have one; ``"mean"``
  fills a number column with its training mean and leaves a category
  column's inputs all 0 (rows without a target are dropped).
* Scaling (``standardize``): each number input becomes (x - mean) / std with
  the training rows' mean and population std (a constant column: std 1);
  one-hot inputs stay 0/1.  A regression target is standardized too, and
  predictions are scaled back.
* The task, when not given: a text target, or at most
  ``MAX_INFERRED_CLASSES`` distinct whole numbers (and two rows per value on
  average), is a classification, binary with 2 labels; other numbers are a
  regression.  Labels are stored as text, numbers canonical ("1.0" is "1")
  and sorted by value, text sorted as strings: output k is ``classes[k]``.
* Splits: ``test_split`` rows are held out first (a stream of their own),
  then ``val_split`` of the rest with the shared split stream, exactly as
  ``datasets.train_val_split`` would split them.  Every statistic (means,
  stds, fills) comes from the training rows only.
"""

import math
from array import array

from scalar_nn import rng
from scalar_nn.toolkit.scaling import RAW_LIMIT, check_range, column_stats, scale_column

from .csvdata import CSVError, Table, _names, did_you_mean, is_number, number_text

TASKS = ("regression", "binary", "multiclass")
TASK_MODELS = {"regression": ("linear", "mse"), "binary": ("sigmoid", "bce"),
               "multiclass": ("softmax", "cross_entropy")}
MISSING = ("error", "drop", "mean")
UNKNOWN = ("error", "ignore")
MAX_INFERRED_CLASSES = 10
TEST_STREAM = 1                 # rng.key_for(seed, rng.SPLIT, TEST_STREAM): the test rows' own stream


class Columns:
    """What the model knows about its data: stored as ``meta["data"]``, applied to new tables."""

    def __init__(self, d):
        self.__dict__.update(d)

    def meta(self):
        """The JSON-ready dict for ``meta["data"]`` (docs/MODEL_FORMAT.md)."""
        return {k: getattr(self, k) for k in FIELDS}

    @classmethod
    def from_meta(cls, data):
        """A Columns from a model file's ``meta["data"]``; files from before columns had kinds load too."""
        d = {k: data.get(k) for k in FIELDS}
        d["columns"] = data.get("columns") or [{"name": f, "kind": "number"} for f in data["features"]]
        d["inputs"] = data.get("inputs") or list(data["features"])
        d["missing"] = data.get("missing") or "error"
        d["unknown"] = data.get("unknown") or "error"
        d["label_type"] = data.get("label_type") or ("text" if data.get("classes") else None)
        return cls(d)

    def ignored(self, table):
        """The table's columns the model does not use (nor the target)."""
        return [h for h in table.header if h not in self.features and h != self.target]

    def encode(self, table, rows=None, form="rows", raw_check=True):
        """The network's inputs from ``table`` (its feature columns by name, encoded and scaled)."""
        missing = [f for f in self.features if f not in table.header]
        if missing:
            raise CSVError("%s does not match the model: it has no column%s %s (the model's %d feature columns "
                           "are %s)" % (table.path, "" if len(missing) == 1 else "s", _names(missing, 6),
                                        len(self.features), _names(self.features)))
        cols = []
        for spec in self.columns:
            cols.extend(_encode(table, table.header.index(spec["name"]), spec, rows, self.missing, self.unknown))
        if self.standardize:
            s = self.standardize
            cols = [_scaled(table, c, mu, sd, name) for c, mu, sd, name in zip(cols, s["mean"], s["std"], self.inputs)]
        elif raw_check:
            _check_raw(table, cols, self.inputs, "features a model takes unscaled", ": its outputs would overflow")
        return as_form(cols, form)

    def targets(self, table, rows=None, form="rows", scaled=False):
        """The target column as the loss needs it (labels mapped with the stored classes)."""
        j = table.column(self.target, role="target column")
        idx = range(len(table)) if rows is None else rows
        if self.task == "regression":
            col = array("d", (_number(table, i, j, "a number (the regression target)") for i in idx))
            if scaled and self.target_standardize:
                mu, sd = self.target_standardize["mean"], self.target_standardize["std"]
                col = array("d", ((y - mu) / sd for y in col))
            return as_form([col], form)
        index = {c: k for k, c in enumerate(self.classes)}
        if self.label_type == "number" and not table.odd[j]:       # numbers only: map values, no texts
            by_value = {float(c): k for k, c in enumerate(self.classes)}
            vals = table.values[j]
            codes = [by_value.get(vals[i], -1) for i in idx]
            if -1 not in codes:
                return self._coded(codes, form)
        codes = []
        for i in idx:
            key = label_key(_label_text(table, i, j), self.label_type)
            if key not in index:
                raise CSVError("%s, %s: label %r was never seen in training (the model knows %s)"
                               % (table.path, table.where(i, j), table.cell(i, j), _names(self.classes)))
            codes.append(index[key])
        return self._coded(codes, form)

    def _coded(self, codes, form):
        """Class codes as the loss takes them: (m, 1) floats for bce, a list (or int64 array) of indices."""
        if self.task == "binary":
            return as_form([array("d", codes)], form)
        return codes if form == "rows" else _np().asarray(codes, dtype=_np().int64)


FIELDS = ("file", "target", "task", "features", "columns", "inputs", "missing", "unknown", "classes",
          "label_type", "standardize", "target_standardize")


def _np():
    import numpy
    return numpy


def as_form(cols, form):
    """Input columns as rows of floats (``"rows"``, the scalar twin) or one float64 array (``"array"``)."""
    if form == "array":
        np = _np()
        A = np.empty((len(cols[0]) if cols else 0, len(cols)))
        for k, c in enumerate(cols):
            A[:, k] = np.frombuffer(c, dtype=np.float64) if len(c) else 0.0
        return A
    if form == "columns":
        return cols
    return [list(r) for r in zip(*cols)]


# ------------------------------------------------------------ the cells
def _missing_error(table, i, j, role="feature"):
    return CSVError("%s, %s: empty cell; every %s cell needs a value (train with --missing drop to skip rows with "
                    "an empty cell, or --missing mean to fill a feature with its training mean)"
                    % (table.path, table.where(i, j), role))


def _bad_number(table, i, j, what):
    text = table.odd[j][i]
    if is_number(text):
        return CSVError("%s, %s: %r is not a finite number (NaN and inf are not allowed)"
                        % (table.path, table.where(i, j), text))
    return CSVError("%s, %s: %r is not %s" % (table.path, table.where(i, j), text, what))


def _number(table, i, j, what="a number"):
    v = table.values[j][i]
    if v == v:
        return v
    if table.odd[j][i] == "":
        raise _missing_error(table, i, j, "target" if "target" in what else "feature")
    raise _bad_number(table, i, j, what)


def _label_text(table, i, j):
    """The class label in cell (i, j) as text; empty, NaN or inf is an error."""
    text = table.odd[j].get(i)
    if text is None:
        return number_text(table.values[j][i])
    if not text:
        raise _missing_error(table, i, j, "target")
    if is_number(text):
        raise CSVError("%s, %s: %r is not a finite number (NaN and inf are not labels)"
                       % (table.path, table.where(i, j), text))
    return text


def label_key(text, label_type):
    """The stored form of one label: canonical for numbers, the text itself otherwise."""
    if label_type == "number":
        try:
            value = float(text)
        except ValueError:
            return None
        return number_text(value) if math.isfinite(value) else None
    return text


def _encode(table, j, spec, rows, missing, unknown):
    """The input column(s) of feature column j: one for a number, one per category for text."""
    idx = range(len(table)) if rows is None else rows
    vals, odd = table.values[j], table.odd[j]
    if spec["kind"] == "number":
        col = array("d", vals) if rows is None else array("d", (vals[i] for i in idx))
        if odd:
            pos = {i: k for k, i in enumerate(idx)} if rows is not None else None
            for i in sorted(odd):
                k = i if pos is None else pos.get(i)
                if k is None:
                    continue
                if odd[i] != "":
                    raise _bad_number(table, i, j, "a number (column %r holds numbers; --drop %s if it should not "
                                                   "be a feature)" % (table.header[j], table.header[j]))
                if spec.get("fill") is None:
                    raise _missing_error(table, i, j)
                col[k] = spec["fill"]
        return [col]
    index = {c: k for k, c in enumerate(spec["categories"])}
    codes = []
    for i in idx:
        text = odd.get(i)
        text = number_text(vals[i]) if text is None else text
        code = index.get(text)
        if code is None:
            if text == "" and missing == "error":
                raise _missing_error(table, i, j)
            if text != "" and unknown == "error":
                raise CSVError("%s, %s: category %r was not in the training data (the model knows %s); "
                               "--unknown ignore encodes it as none of them"
                               % (table.path, table.where(i, j), text, _names(spec["categories"], 8)))
            code = -1
        codes.append(code)
    return [array("d", (1.0 if c == k else 0.0 for c in codes)) for k in range(len(spec["categories"]))]


def _scaled(table, col, mu, sd, name):
    """(x - mean) / std for one input column (the one standardizer); a value it cannot scale names the column."""
    if mu == 0.0 and sd == 1.0:
        return col
    try:
        return array("d", scale_column(col, mu, sd, name))
    except ValueError as exc:
        raise CSVError("%s: %s" % (table.path, exc)) from None


def column_scaling(col):
    """(mean, std) of one column: the project's one overflow-safe standardizer (scaling.column_stats)."""
    return column_stats(col)


def _check_raw(table, cols, names, what, why):
    """Numbers used raw stay within scaling.RAW_LIMIT (robust helper's rule), or one error naming the column."""
    for col, name in zip(cols, names):
        if col and max(abs(min(col)), abs(max(col))) > RAW_LIMIT:
            try:
                check_range([[x] for x in col], [name], what, why)
            except ValueError as exc:
                raise CSVError("%s: %s" % (table.path, exc)) from None


# ------------------------------------------------------------ the task
def infer_task(table, j, rows):
    """(task, reason) for the target column j, by the rule of the module docstring."""
    if not table.odd[j]:                        # every cell a number: look at the values, not at texts
        vals, seen = table.values[j], set()
        for i in rows:
            seen.add(vals[i])
            if len(seen) > MAX_INFERRED_CLASSES:
                break
        whole = all(v == int(v) for v in seen)
        name = table.header[j]
        if whole and len(seen) <= MAX_INFERRED_CLASSES and 2 * len(seen) <= len(rows):
            return ("binary" if len(seen) == 2 else "multiclass"), "%r holds %d distinct whole numbers" % (
                name, len(seen))
        more = "more than %d" % MAX_INFERRED_CLASSES if len(seen) > MAX_INFERRED_CLASSES else "%d" % len(seen)
        return "regression", "%r holds numbers%s" % (name, " with %s distinct values" % more if whole else "")
    texts = [_label_text(table, i, j) for i in rows]
    numeric = [t for t in texts if is_number(t)]
    name = table.header[j]
    if len(numeric) == len(texts):
        values = set(float(t) for t in texts)
        whole = all(v == int(v) for v in values)
        if whole and len(values) <= MAX_INFERRED_CLASSES and 2 * len(values) <= len(texts):
            return ("binary" if len(values) == 2 else "multiclass"), "%r holds %d distinct whole numbers" % (
                name, len(values))
        return "regression", "%r holds numbers%s" % (name, "" if not whole else " with %d distinct values"
                                                     % len(values))
    if numeric and 2 * len(numeric) >= len(texts):
        k = next(k for k, t in enumerate(texts) if not is_number(t))
        raise CSVError("%s, %s: %r is not a number, but most of the column is; fix the cell, or "
                       "pass --task binary or --task multiclass to read every value as a class label"
                       % (table.path, table.where(rows[k], j), texts[k]))
    labels = set(texts)
    return ("binary" if len(labels) == 2 else "multiclass"), "%r holds %d distinct text labels" % (
        name, len(labels))


def class_labels(table, j, rows):
    """(classes, label_type): the sorted distinct labels of column j (numbers by value, else text)."""
    if not table.odd[j]:
        vals = table.values[j]
        return [number_text(v) for v in sorted(set(vals[i] for i in rows))], "number"
    texts = [_label_text(table, i, j) for i in rows]
    if all(is_number(t) for t in texts):
        return [number_text(v) for v in sorted(set(float(t) for t in texts))], "number"
    return sorted(set(texts)), "text"


# ------------------------------------------------------------ preparing
class Prepared:
    """A table made ready for training (the result of ``prepare``); ``meta()`` is ``columns.meta()``."""

    def __init__(self, **fields):
        self.__dict__.update(fields)

    def meta(self):
        return self.columns.meta()


def choose_features(table, target, features=None, drop=None):
    """The feature columns' indices: ``features`` by name, else all but the target and ``drop``."""
    j = table.column(target, role="target column")
    for option, names in (("--features", features), ("--drop", drop)):
        for name in names or ():
            if name not in table.header:
                raise CSVError("%s %s: %s has no column %r%s: its columns are %s" % (
                    option, ",".join(names), table.path, name, did_you_mean(name, table.header),
                    _names(table.header)))
    if features:
        if target in features:
            raise CSVError("--features names the target column %r: the target cannot be a feature" % target)
        chosen = [table.header.index(f) for f in features if f not in (drop or ())]
    else:
        chosen = [k for k in range(len(table.header)) if k != j and table.header[k] not in (drop or ())]
    if not chosen:
        raise CSVError("%s: no feature columns are left (the target is %r%s)" % (
            table.path, target, ", --drop removes %s" % ", ".join(drop) if drop else ""))
    return j, chosen


def kept_rows(table, used, j, missing):
    """(rows kept, number dropped) under the ``missing`` rule, for the columns ``used`` and target j."""
    if missing not in MISSING:
        raise CSVError("unknown --missing %r: choose one of %s" % (missing, ", ".join(MISSING)))
    empty = {}
    for k in used + [j]:
        for i, text in table.odd[k].items():
            if text == "" and (i, k) < empty.get(i, (i, 1 << 30)):
                empty[i] = (i, k)
    if missing == "error" and empty:
        i, k = min(empty.values())
        raise _missing_error(table, i, k, "target" if k == j else "feature")
    if missing == "mean":
        empty = {i: v for i, v in empty.items() if table.odd[j].get(i) == ""}
    rows = [i for i in range(len(table)) if i not in empty] if empty else range(len(table))
    if not rows:
        raise CSVError("%s: every row has an empty cell, so --missing drop leaves no rows" % table.path)
    return rows, len(empty)


def split_rows(rows, val_split, test_split, seed):
    """(train, val, test) row lists: test first with its own stream, then val as train_val_split does."""
    n = len(rows)
    n_test = round(n * test_split)
    if test_split and not n_test:
        raise CSVError("--test-split %g of %d rows rounds to no test rows: use a larger fraction" % (test_split, n))
    rest, test = rows, []
    if n_test:
        order = rng.permutation(n, rng.key_for(seed, rng.SPLIT, TEST_STREAM))
        test = [rows[k] for k in order[n - n_test:]]
        rest = [rows[k] for k in sorted(order[:n - n_test])]
    n_val = round(len(rest) * val_split)
    if val_split and not n_val:
        raise CSVError("--val-split %g of %d rows rounds to no validation rows: use a larger fraction, or 0 "
                       "for none" % (val_split, len(rest)))
    if n_val >= len(rest):
        raise CSVError("the splits leave no training rows out of %d" % n)
    if not n_val:
        return rest, [], test
    order = rng.permutation(len(rest), rng.key_for(seed, rng.SPLIT))
    return ([rest[k] for k in order[:len(rest) - n_val]], [rest[k] for k in order[len(rest) - n_val:]], test)


def _spec(table, k, rows, train, missing):
    """How feature column k becomes inputs: {"name", "kind": "number", "fill"} or {"kind": "category", ...}."""
    odd, vals, name = table.odd[k], table.values[k], table.header[k]
    texts = [t for t in odd.values() if t != "" and not is_number(t)]
    present = len(rows) - sum(1 for t in odd.values() if t == "")
    if texts and 2 * len(texts) > present:
        cats = set(texts) | set(number_text(v) for v in vals if v == v)
        if len(cats) > 20 and 2 * len(cats) > present:
            raise CSVError("%s: column %r holds %d different texts in %d rows (%s): an id or a name, not a "
                           "category to one-hot encode; --drop %s" % (table.path, name, len(cats), present,
                                                                    _names(sorted(cats), 3), name))
        return {"name": name, "kind": "category", "categories": sorted(cats)}
    spec = {"name": name, "kind": "number"}
    if missing == "mean":
        present = [vals[i] for i in train if vals[i] == vals[i]]
        spec["fill"] = math.fsum(present) / len(present) if present else 0.0
    return spec


def prepare(table, target, task=None, standardize=True, val_split=0.0, seed=0, test_split=0.0,
            features=None, drop=None, missing="error", unknown="error", form="rows"):
    """Inputs and targets for training from ``table`` (rules in the module docstring): a ``Prepared``.

    Its fields: X, Y (training rows), Xv, Yv (validation; None without),
    Xt, Yt (test; None without), Y_raw, Yv_raw, Yt_raw (targets in their own
    units), columns (the ``Columns`` to store), task, reason (why inferred,
    or None), output, loss, n_out, classes, label_type, features, inputs,
    target, mean, std, target_scaling, dropped (rows dropped for an empty
    cell), path.  ``form="array"`` gives NumPy arrays (the vector twin).
    """
    if unknown not in UNKNOWN:
        raise CSVError("unknown --unknown %r: choose one of %s" % (unknown, ", ".join(UNKNOWN)))
    if len(table.header) < 2:
        table.column(target, role="target column")
        raise CSVError("%s has only the target column %r: there are no feature columns" % (table.path, target))
    j, chosen = choose_features(table, target, features, drop)
    rows, dropped = kept_rows(table, chosen, j, missing)
    train, val, test = split_rows(rows, val_split, test_split, seed)
    specs = [_spec(table, k, rows, train, missing) for k in chosen]
    inputs = []
    for s in specs:
        inputs.extend([s["name"]] if s["kind"] == "number" else ["%s=%s" % (s["name"], c) for c in s["categories"]])
    cols = Columns({"file": table.path.replace("\\", "/").rsplit("/", 1)[-1], "target": target, "task": None,
                    "features": [table.header[k] for k in chosen], "columns": specs, "inputs": inputs,
                    "missing": missing, "unknown": unknown, "classes": None, "label_type": None,
                    "standardize": None, "target_standardize": None})
    X = cols.encode(table, train, form="columns", raw_check=False)      # unscaled: the checks come below
    reason = None
    if task is None:
        task, reason = infer_task(table, j, rows)
    elif task not in TASKS:
        raise CSVError("unknown task %r: choose one of %s" % (task, ", ".join(TASKS)))
    classes = label_type = None
    if task == "regression":
        for i in (rows if table.odd[j] else ()):
            _number(table, i, j, "a number (the regression target)")
    else:
        classes, label_type = class_labels(table, j, rows)
        if len(classes) < 2:
            raise CSVError("%s: the target column %r holds only one label (%s) in all %d rows: there is nothing "
                           "to tell apart" % (table.path, target, classes[0], len(rows)))
        if task == "binary" and len(classes) > 2:
            raise CSVError("%s: --task binary needs 2 labels, but the target column %r holds %d (%s); use --task "
                           "multiclass" % (table.path, target, len(classes), _names(classes, 6)))
    cols.task, cols.classes, cols.label_type = task, classes, label_type
    if task == "regression":
        _check_raw(table, cols.targets(table, rows, form="columns"), [target], "a regression target",
                   " (its squared errors must stay finite): divide the column by a power of ten")
    if not standardize:
        _check_raw(table, X, inputs, "features fed raw (--no-standardize)",
                   ": standardize them (drop --no-standardize), or divide the column by a power of ten")
    mean = std = None
    if standardize:
        kinds = [k for s in specs for k in ([s["kind"]] if s["kind"] == "number" else ["onehot"] * len(s["categories"]))]
        scaling = [column_scaling(c) if kind == "number" else (0.0, 1.0) for c, kind in zip(X, kinds)]
        mean, std = [m for m, _ in scaling], [s for _, s in scaling]
        X = [_scaled(table, c, m, s, name) for c, m, s, name in zip(X, mean, std, inputs)]
        cols.standardize = {"mean": mean, "std": std}
        if task == "regression":
            mu, sd = column_scaling(cols.targets(table, train, form="columns")[0])
            cols.target_standardize = {"mean": mu, "std": sd}
    output, loss = TASK_MODELS[task]

    def part(idx):
        if not idx:
            return None, None, None
        return (cols.encode(table, idx, form) if idx is not train else as_form(X, form),
                cols.targets(table, idx, form, scaled=True), cols.targets(table, idx, form))

    Xtr, Y, Y_raw = part(train)
    X = None                                   # the columns are in Xtr now: free them before the next parts
    (Xv, Yv, Yv_raw), (Xt, Yt, Yt_raw) = part(val), part(test)
    return Prepared(X=Xtr, Y=Y, Y_raw=Y_raw, Xv=Xv, Yv=Yv, Yv_raw=Yv_raw, Xt=Xt, Yt=Yt, Yt_raw=Yt_raw,
                    columns=cols, task=task, reason=reason, output=output, loss=loss,
                    n_out=len(classes) if task == "multiclass" else 1, classes=classes, label_type=label_type,
                    features=list(cols.features), inputs=inputs, target=target, mean=mean, std=std,
                    target_scaling=cols.target_standardize, dropped=dropped, path=table.path,
                    rows=(train, val, test))
