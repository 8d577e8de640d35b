"""The model file's schema: every field of a model document checked, with its name, in one place.

``serialize`` reads and writes model files; this module says what a valid
document is (docs/MODEL_FORMAT.md) and turns a parsed one into clean
Python values, or raises ``ModelFileError`` naming the field:

    clean_document(d) -> dict     # a copy: lists of floats, checked options
    plain_value(value, where)     # what ``model_to_dict`` stores: JSON-ready, finite

The order of the checks is the order a reader would look: is this our
format, which version, are all keys there, is the architecture valid, do
the options make sense, do the arrays have the names and shapes that
``sizes`` and ``batchnorm`` imply, are all numbers finite (and a BatchNorm
running variance not negative), is the history well formed.  Both twins
(and every entry point: JSON, ``.npz``, dicts) go through it, so they accept
and refuse the very same files.
"""

import math
import numbers

from ..conventions import BN_MOMENTUM
from ..conventions import buffer_shapes, param_shapes
from .validation import check_model, plain

FORMAT = "twin-nn-model"
VERSION = 1

OPTION_NAMES = ("l2", "l2_bias", "dropout", "batchnorm", "bn_momentum", "seed")
DEFAULT_OPTIONS = {"l2": 0.0, "l2_bias": 0.0, "dropout": 0.0, "batchnorm": False,
                   "bn_momentum": BN_MOMENTUM, "seed": 0}
# "exact": true marks a vector-twin network in exact mode (vector_nn.exact); the
# field is written only when true, so other files are as they always were, and
# the scalar twin (which exact mode reproduces) reads it and ignores it.
# "dtype": "float32" marks the engine's single-precision network
# (vector_nn.fast.MLP(..., dtype="float32")), written only then; the values are
# float32's, exact as JSON floats; twins without a dtype option read them as float64.
OPTIONAL_OPTION_NAMES = ("exact", "dtype")
DTYPES = ("float64", "float32")
REQUIRED_KEYS = ("format", "version", "sizes", "hidden", "output", "loss", "options", "params", "buffers")
OPTIONAL_KEYS = ("history", "meta")
MAX_SEED_BITS = 256          # a seed is a key for the counter-based stream, not a 4300-digit number
HISTORY_LISTS = ("epoch", "loss", "val_loss", "lr", "events", "seconds")



class ModelFileError(ValueError):
    """A model file (or model dict) that cannot be read: its problem is in the message."""


# ------------------------------------------------------------------ checks
def clean_document(d):
    """Check a model document field by field; return a copy with lists of floats.

    The order of the checks is the order a reader would look: is this our
    format, which version, are all keys there, is the architecture valid,
    do the options make sense, do the arrays have the names and the shapes
    that ``sizes`` and ``batchnorm`` imply, are all numbers finite.
    """
    if not isinstance(d, dict):
        raise ModelFileError("a model document is a JSON object (dict), got %s" % _type_name(d))
    if "format" not in d:
        raise ModelFileError("no \"format\" key: not a twin-nn model file")
    if d["format"] != FORMAT:
        raise ModelFileError("format is %r, expected %r: not a twin-nn model file" % (d["format"], FORMAT))
    _check_version(d.get("version"))
    missing = [key for key in REQUIRED_KEYS if key not in d]
    if missing:
        raise ModelFileError("missing key%s %s" % ("s" if len(missing) > 1 else "", ", ".join(map(repr, missing))))
    unknown = sorted(set(d) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS))
    if unknown:
        raise ModelFileError("unknown key%s %s (a version %d file has %s)" % (
            "s" if len(unknown) > 1 else "", ", ".join(map(repr, unknown)), VERSION,
            ", ".join(REQUIRED_KEYS + OPTIONAL_KEYS)))
    if not isinstance(d["sizes"], list):
        raise ModelFileError("sizes must be a list of layer sizes, got %s" % _type_name(d["sizes"]))
    for key in ("hidden", "output", "loss"):
        if not isinstance(d[key], str):
            raise ModelFileError("%s must be a string, got %s" % (key, _type_name(d[key])))
    sizes = check_model(d["sizes"], d["hidden"], d["output"], d["loss"])
    options = _clean_options(d["options"])
    batchnorm = options["batchnorm"]
    clean = {key: d[key] for key in ("format", "version", "hidden", "output", "loss")}
    clean["sizes"] = sizes
    clean["options"] = options
    clean["params"] = _clean_arrays(d["params"], "params", param_shapes(sizes, batchnorm), sizes, batchnorm)
    clean["buffers"] = _clean_arrays(d["buffers"], "buffers", buffer_shapes(sizes) if batchnorm else {},
                                     sizes, batchnorm)
    _check_variances(clean["buffers"])
    clean["history"] = _clean_history(d.get("history"))
    meta = d.get("meta")
    if meta is not None and not isinstance(meta, dict):
        raise ModelFileError("meta must be an object (dict) or null, got %s" % _type_name(meta))
    if meta is not None:
        _check_finite(meta, "meta")
        clean["meta"] = meta
    return clean


def _check_variances(buffers):
    """A BatchNorm running variance is a mean of squares: a negative entry is damage, refused here.

    (Left in, one twin would fail on sqrt(-1) and the other predict NaN.)
    """
    for name, values in buffers.items():
        if name.startswith("running_var"):
            for j, v in enumerate(values):
                if v < 0.0:
                    raise ModelFileError("buffers.%s[%d] is %r: a variance cannot be negative" % (name, j, v))


def _check_version(version):
    """Version 1 is the only one; a larger number is a file from a newer twin-nn."""
    if isinstance(version, bool) or not isinstance(version, int):
        raise ModelFileError("version must be an integer, got %r" % (version,))
    if version > VERSION:
        raise ModelFileError("format version %d is newer than this twin-nn can read (version %d): "
                             "upgrade twin-nn" % (version, VERSION))
    if version != VERSION:
        raise ModelFileError("unsupported format version %d (this twin-nn reads version %d)" % (version, VERSION))


def _clean_options(options):
    """The six options, each checked for its type; missing or unknown names are errors."""
    if not isinstance(options, dict):
        raise ModelFileError("options must be an object (dict), got %s" % _type_name(options))
    missing = [name for name in OPTION_NAMES if name not in options]
    unknown = sorted(set(options) - set(OPTION_NAMES) - set(OPTIONAL_OPTION_NAMES))
    if missing or unknown:
        raise ModelFileError("options must have exactly %s (missing %s, unknown %s)"
                             % (", ".join(OPTION_NAMES), missing or "none", unknown or "none"))
    clean = {}
    for name in ("l2", "l2_bias", "dropout", "bn_momentum"):
        clean[name] = _number(options[name], "options." + name)
    if not isinstance(options["batchnorm"], bool):
        raise ModelFileError("options.batchnorm must be true or false, got %r" % (options["batchnorm"],))
    clean["batchnorm"] = options["batchnorm"]
    seed = options["seed"]
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ModelFileError("options.seed must be an integer, got %r" % (seed,))
    if seed.bit_length() > MAX_SEED_BITS:
        raise ModelFileError("options.seed is a %d-bit integer: a seed has at most %d bits"
                             % (seed.bit_length(), MAX_SEED_BITS))
    clean["seed"] = seed
    if "exact" in options:
        if not isinstance(options["exact"], bool):
            raise ModelFileError("options.exact must be true or false, got %r" % (options["exact"],))
        clean["exact"] = options["exact"]
    if "dtype" in options:
        if options["dtype"] not in DTYPES:
            raise ModelFileError("options.dtype must be one of %s, got %r" % (", ".join(DTYPES), options["dtype"]))
        clean["dtype"] = options["dtype"]
    return clean


def _clean_arrays(arrays, what, shapes, sizes, batchnorm):
    """params or buffers: exactly the names in ``shapes``, each of its shape, finite floats."""
    if not isinstance(arrays, dict):
        raise ModelFileError("%s must be an object (dict) of arrays, got %s" % (what, _type_name(arrays)))
    expected = list(shapes)
    unknown = [name for name in arrays if name not in shapes]
    if unknown:
        raise ModelFileError("unknown %s name%s %s: sizes %s with batchnorm=%s have %s" % (
            "parameter" if what == "params" else "buffer", "s" if len(unknown) > 1 else "",
            ", ".join(map(repr, unknown)), sizes, str(batchnorm).lower(), ", ".join(expected) or "none"))
    missing = [name for name in expected if name not in arrays]
    if missing:
        raise ModelFileError("%s is missing %s (sizes %s with batchnorm=%s)" % (
            what, ", ".join(missing), sizes, str(batchnorm).lower()))
    return {name: _clean_array(arrays[name], "%s.%s" % (what, name), shapes[name], sizes)
            for name in expected}


def _clean_array(value, where, shape, sizes):
    """A vector (n,) or a matrix (rows, cols) of finite floats, exactly of ``shape``."""
    found = _shape_of(value)
    if found != tuple(shape):
        raise ModelFileError("%s has shape %s, but sizes %s need %s" % (
            where, _shape_text(found), sizes, _shape_text(tuple(shape))))
    if len(shape) == 1:
        return [_number(v, "%s[%d]" % (where, j)) for j, v in enumerate(value)]
    return [[_number(v, "%s[%d][%d]" % (where, i, j)) for j, v in enumerate(row)]
            for i, row in enumerate(value)]


def _shape_of(value):
    """The shape of nested lists: (n,) for a flat list, (rows, cols) for equal-length rows.

    Anything else (not a list, ragged rows, deeper nesting) gets a
    descriptive stand-in that can never equal a real shape.
    """
    if not isinstance(value, list):
        return (_type_name(value),)
    if not any(isinstance(v, list) for v in value):
        return (len(value),)
    if not all(isinstance(v, list) for v in value):
        return ("a mix of numbers and lists",)
    widths = set(len(row) for row in value)
    if len(widths) != 1:
        return ("ragged rows",)
    if any(isinstance(v, list) for row in value for v in row):
        return ("more than 2 dimensions",)
    return (len(value), widths.pop())


def _shape_text(shape):
    """(2, 3) -> "(2, 3)", ("ragged rows",) -> "ragged rows"."""
    if all(isinstance(n, int) for n in shape):
        return "(%s)" % ", ".join(str(n) for n in shape) if len(shape) > 1 else "(%d,)" % shape[0]
    return str(shape[0])


def _number(v, where):
    """A finite float from a JSON number; booleans, strings and NaN/inf are errors."""
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise ModelFileError("%s is %r: expected a number" % (where, v))
    try:
        f = float(v)
    except OverflowError:
        raise ModelFileError("%s is too large for a float64" % where) from None
    if not math.isfinite(f):
        raise ModelFileError("%s is %r: numbers in a model file must be finite" % (where, f))
    return f


def _clean_history(history):
    """None, or a History.to_dict() shape: lists per epoch, metrics a dict of lists, events dicts."""
    if history is None:
        return None
    if not isinstance(history, dict):
        raise ModelFileError("history must be an object (dict) or null, got %s" % _type_name(history))
    unknown = sorted(set(history) - set(HISTORY_LISTS) - {"metrics"})
    if unknown:
        raise ModelFileError("history has unknown key%s %s" % ("s" if len(unknown) > 1 else "", unknown))
    for name in HISTORY_LISTS:
        if not isinstance(history.get(name, []), list):
            raise ModelFileError("history.%s must be a list" % name)
    metrics = history.get("metrics", {})
    if not isinstance(metrics, dict) or not all(isinstance(v, list) for v in metrics.values()):
        raise ModelFileError("history.metrics must be an object of lists")
    if not all(isinstance(e, dict) for e in history.get("events", [])):
        raise ModelFileError("history.events must be a list of objects")
    _check_finite(history, "history")
    for name in ("epoch",):
        _entries_are(history.get(name, []), "history." + name, whole=True)
    for name in ("loss", "lr", "seconds"):
        _entries_are(history.get(name, []), "history." + name)
    _entries_are(history.get("val_loss", []), "history.val_loss", nullable=True)
    for name, values in metrics.items():
        _entries_are(values, "history.metrics.%s" % name, nullable=True)
    return history


def _entries_are(values, where, whole=False, nullable=False):
    """Every entry of a history list is a number (a whole number for epochs; null where allowed)."""
    for i, v in enumerate(values):
        if v is None and nullable:
            continue
        if isinstance(v, bool) or not isinstance(v, int if whole else numbers.Real):
            raise ModelFileError("%s[%d] is %s: expected %s" % (
                where, i, _shown(v), "a whole number" if whole else "a number" + (" or null" if nullable else "")))
        if whole and v.bit_length() > MAX_SEED_BITS:
            raise ModelFileError("%s[%d] has more than %d bits" % (where, i, MAX_SEED_BITS))


def _shown(value):
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _check_finite(value, where):
    """Walk nested dicts/lists; a float that is NaN or infinite is an error naming its place."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ModelFileError("%s is %r: numbers in a model file must be finite" % (where, value))
    if isinstance(value, dict):
        for key, v in value.items():
            _check_finite(v, "%s.%s" % (where, key))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_finite(v, "%s[%d]" % (where, i))


def plain_value(value, where):
    """``value`` as JSON-ready Python: dicts with str keys, lists, finite floats, ints, str, bool, None.

    Arrays (anything with ``.tolist()``) become lists; a float64 becomes a
    Python float, which is the same 64 bits.  NaN/inf is a ValueError and an
    object JSON cannot hold a TypeError, each naming where it was found.
    """
    value = plain(value)
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        f = float(value)
        if not math.isfinite(f):
            raise ValueError("cannot save: %s is %r; a model file holds finite numbers only "
                             "(did training diverge?)" % (where, f))
        return f
    if isinstance(value, dict):
        for key in value:
            if not isinstance(key, str):
                raise TypeError("cannot save: %s has a key %r that is not a string" % (where, key))
        return {key: plain_value(v, "%s.%s" % (where, key)) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_value(v, "%s[%d]" % (where, i)) for i, v in enumerate(value)]
    raise TypeError("cannot save: %s is a %s, which a JSON model file cannot hold" % (where, _type_name(value)))


def _type_name(value):
    """The JSON name of a Python value's type, for error messages."""
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
             int: "a number", float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)
