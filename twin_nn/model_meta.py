"""What ``twin-nn`` keeps in a model file's ``meta``: every field checked, with its name, in one place.

The format itself (``scalar_nn.toolkit.schema``) lets ``meta`` hold any JSON;
``twin-nn train --data`` writes there what predict, evaluate and info need
(docs/MODEL_FORMAT.md, "Models trained on a CSV").  A hand edit or a
damaged byte must not turn into a KeyError, a ZeroDivisionError or a
confusing message three calls later, so ``check_meta`` reads all of it
once, right after the file is loaded, against the network the file holds:

* ``meta.data``: ``features`` (unique column names; with ``inputs`` and
  ``columns``, which a one-hot encoded category widens, one input each),
  ``target`` (a name), ``task`` and the network's loss agree,
  ``classes`` (one label per output; two for a binary model),
  ``label_type``, ``standardize`` (a finite mean and a finite std > 0 per
  feature) and ``target_standardize`` (regression only), ``file``;
* ``meta.train``: the numbers ``info`` prints;
* ``meta.twin`` and ``meta.recipe``: strings.

Each problem is one ModelFileError (a ValueError): "model file m.json:
meta.data.standardize.std[1] is 0: a std must be a finite number > 0".
"""

import math
import numbers

from scalar_nn.toolkit.schema import ModelFileError

TASK_LOSS = {"regression": "mse", "binary": "bce", "multiclass": "cross_entropy"}
MAX_SEED_DIGITS = 64


def check_meta(meta, net, path):
    """``meta`` (or None) checked against ``net``; returns it.  Errors name ``path`` and the field."""
    try:
        return _check_meta(meta, net)
    except ModelFileError as exc:
        raise ModelFileError("model file %s: %s" % (path, exc)) from None


def _check_meta(meta, net):
    if meta is None:
        return None
    for key in ("twin", "recipe"):
        if key in meta and not isinstance(meta[key], str):
            raise ModelFileError("meta.%s must be a string, got %s" % (key, _shown(meta[key])))
    if meta.get("data") is not None:
        _check_data(meta["data"], net)
    if meta.get("train") is not None:
        _check_train(meta["train"])
    return meta


def _check_data(data, net):
    """meta.data: the columns, the task, the labels and the scaling, against the network's sizes."""
    if not isinstance(data, dict):
        raise ModelFileError("meta.data must be an object, got %s" % _shown(data))
    for key in ("features", "target"):
        if key not in data:
            raise ModelFileError("meta.data has no %r: a model trained on a CSV names its columns" % key)
    features = data["features"]
    if not isinstance(features, list) or not all(isinstance(f, str) for f in features):
        raise ModelFileError("meta.data.features must be a list of column names (strings), got %s"
                             % _shown(features))
    if len(set(features)) != len(features):
        raise ModelFileError("meta.data.features names a column twice")
    inputs = _check_columns(data, features)
    if len(inputs) != net.sizes[0]:
        raise ModelFileError("meta.data.%s names %d input%s, but the network takes %d" % (
            "inputs" if data.get("inputs") is not None else "features", len(inputs),
            "" if len(inputs) == 1 else "s", net.sizes[0]))
    _string(data, "target", "meta.data.target")
    _string(data, "file", "meta.data.file", optional=True)
    task = data.get("task")
    if task is not None:
        if task not in TASK_LOSS:
            raise ModelFileError("meta.data.task must be one of %s, got %s" % (", ".join(TASK_LOSS), _shown(task)))
        if TASK_LOSS[task] != net.loss_name:
            raise ModelFileError("meta.data.task is %r, but the network's loss is %s (%s needs %s)"
                                 % (task, net.loss_name, task, TASK_LOSS[task]))
    _check_classes(data, net)
    scaling = data.get("standardize")
    if scaling is not None:
        _check_scaling(scaling, "meta.data.standardize", len(inputs))
    target_scaling = data.get("target_standardize")
    if target_scaling is not None:
        if net.loss_name != "mse":
            raise ModelFileError("meta.data.target_standardize applies to a regression (mse) model, and this "
                                 "one's loss is %s" % net.loss_name)
        _check_scaling(target_scaling, "meta.data.target_standardize", None)


def _check_columns(data, features):
    """The network's input names: ``inputs`` when stored (one-hot columns give several), else ``features``.

    Optional fields of files whose feature columns have kinds: ``columns``
    (one {"name", "kind": "number" [, "fill"]} or {"name", "kind":
    "category", "categories": [...]} per feature), ``inputs``, ``missing``
    and ``unknown`` (the policies for empty cells and unseen categories).
    """
    for key, choices in (("missing", ("error", "drop", "mean")), ("unknown", ("error", "ignore"))):
        if data.get(key) is not None and data[key] not in choices:
            raise ModelFileError("meta.data.%s must be one of %s, got %s" % (key, ", ".join(choices), _shown(data[key])))
    columns = data.get("columns")
    if columns is not None:
        if not isinstance(columns, list) or len(columns) != len(features):
            raise ModelFileError("meta.data.columns must be a list of %d column descriptions (one per feature), "
                                 "got %s" % (len(features), _shown(columns)))
        for k, spec in enumerate(columns):
            where = "meta.data.columns[%d]" % k
            if not isinstance(spec, dict) or spec.get("name") != features[k]:
                raise ModelFileError("%s must describe feature %r, got %s" % (where, features[k], _shown(spec)))
            if spec.get("kind") not in ("number", "category"):
                raise ModelFileError("%s.kind must be \"number\" or \"category\", got %s" % (where, _shown(spec.get("kind"))))
            if spec["kind"] == "category":
                cats = spec.get("categories")
                if not isinstance(cats, list) or not cats or not all(isinstance(c, str) for c in cats):
                    raise ModelFileError("%s.categories must be a non-empty list of strings, got %s" % (where, _shown(cats)))
            elif spec.get("fill") is not None:
                _real(spec["fill"], where + ".fill")
    inputs = data.get("inputs")
    if inputs is None:
        return features
    if not isinstance(inputs, list) or not all(isinstance(i, str) for i in inputs):
        raise ModelFileError("meta.data.inputs must be a list of input names (strings), got %s" % _shown(inputs))
    if columns is not None:
        count = sum(1 if spec["kind"] == "number" else len(spec["categories"]) for spec in columns)
        if count != len(inputs):
            raise ModelFileError("meta.data.inputs names %d inputs, but meta.data.columns make %d" % (len(inputs), count))
    return inputs


def _check_classes(data, net):
    """classes: null for a regression; else one distinct label per output (two for a binary model)."""
    classes = data.get("classes")
    label_type = data.get("label_type")
    if label_type is not None and label_type not in ("text", "number"):
        raise ModelFileError("meta.data.label_type must be \"text\" or \"number\", got %s" % _shown(label_type))
    if classes is None:
        return
    if net.loss_name == "mse":
        raise ModelFileError("meta.data.classes must be null for a regression (mse) model, got %s" % _shown(classes))
    if not isinstance(classes, list) or not all(isinstance(c, str) for c in classes):
        raise ModelFileError("meta.data.classes must be a list of labels (strings), got %s" % _shown(classes))
    need = 2 if net.loss_name == "bce" else net.sizes[-1]
    if len(classes) != need:
        raise ModelFileError("meta.data.classes has %d label%s, but the network's %s output needs %d"
                             % (len(classes), "" if len(classes) == 1 else "s", net.output, need))
    if len(set(classes)) != len(classes):
        raise ModelFileError("meta.data.classes names a label twice")


def _check_scaling(scaling, where, n):
    """{"mean": ..., "std": ...}: n finite means and n finite stds > 0 (single numbers when n is None)."""
    if not isinstance(scaling, dict) or set(scaling) != {"mean", "std"}:
        raise ModelFileError("%s must be an object with exactly \"mean\" and \"std\", got %s" % (where, _shown(scaling)))
    for key in ("mean", "std"):
        values = scaling[key]
        if n is None:
            values = [values]
        elif not isinstance(values, list) or len(values) != n:
            raise ModelFileError("%s.%s must be a list of %d numbers (one per feature), got %s"
                                 % (where, key, n, _shown(values)))
        for j, v in enumerate(values):
            name = "%s.%s" % (where, key) + ("" if n is None else "[%d]" % j)
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
                raise ModelFileError("%s is %s: expected a finite number" % (name, _shown(v)))
            if key == "std" and not v > 0.0:
                raise ModelFileError("%s is %r: a std must be a finite number > 0" % (name, v))


def _check_train(train):
    """meta.train: what ``info`` prints (numbers where numbers are printed)."""
    if not isinstance(train, dict):
        raise ModelFileError("meta.train must be an object, got %s" % _shown(train))
    _string(train, "optimizer", "meta.train.optimizer", optional=True)
    hyper = train.get("hyperparameters", {})
    if not isinstance(hyper, dict):
        raise ModelFileError("meta.train.hyperparameters must be an object, got %s" % _shown(hyper))
    for key, value in hyper.items():
        _real(value, "meta.train.hyperparameters.%s" % key)
    for key in ("epochs", "batch_size", "early_stopping", "seed"):
        value = train.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise ModelFileError("meta.train.%s must be a whole number or null, got %s" % (key, _shown(value)))
        if isinstance(value, int) and len(str(abs(value))) > MAX_SEED_DIGITS:
            raise ModelFileError("meta.train.%s has more than %d digits" % (key, MAX_SEED_DIGITS))
    if train.get("val_split") is not None:
        _real(train["val_split"], "meta.train.val_split")


def _string(d, key, where, optional=False):
    if optional and d.get(key) is None:
        return
    if not isinstance(d.get(key), str):
        raise ModelFileError("%s must be a string, got %s" % (where, _shown(d.get(key))))


def _real(v, where):
    if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
        raise ModelFileError("%s is %s: expected a finite number" % (where, _shown(v)))


def _shown(value):
    """A short description of a JSON value for a message."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
