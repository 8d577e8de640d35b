"""Model files: a trained network written to disk as JSON and read back exactly.

The schema is defined here; ``vector_nn.toolkit.serialize`` writes and reads the very
same files, so a network trained by one twin loads in the other.  The full
description, with an example, is ``docs/MODEL_FORMAT.md``.  In short::

    {"format": "twin-nn-model", "version": 1,
     "sizes": [n_0, ..., n_L], "hidden": "tanh", "output": "linear", "loss": "mse",
     "options": {"l2": 0.0, "l2_bias": 0.0, "dropout": 0.0, "batchnorm": false,
                 "bn_momentum": 0.1, "seed": 0},
     "params": {"W1": [[...n_1 floats...], ... n_0 rows], "b1": [...n_1 floats...], ...},
     "buffers": {"running_mean1": [...], "running_var1": [...]},   ({} without BatchNorm)
     "history": {...History.to_dict()...},                          (optional)
     "meta": {...anything JSON...}}                                 (optional)

Why JSON: it is text a learner can open and read, every language can parse
it, and -- the point that matters for a twin project -- it stores floats
*exactly*.  Python writes a float with ``repr``, the shortest decimal that
reads back to the same 64 bits, and ``float()`` reads it back to those bits;
so W1[0][0] after a save and a load is the same number, not a neighbour.
NaN and infinity have no JSON spelling; a model file holds finite numbers
only, and saving a network whose weights blew up is an error.

Why the care when writing: a crash (or Ctrl-C) half way through must not
leave a half-written model where the good one was.  ``write_atomically``
writes a temporary file next to the target, forces it to disk, and only then
renames it over the target in one step (``os.replace``).

Why the care when reading: a model file may come from anywhere.  Reading
one parses JSON and nothing else -- no code is executed, nothing is
unpickled -- and every field is checked (names, shapes, types, finiteness)
before a network is built, so a bad file fails here with its problem named.

Public API (``vector_nn.toolkit.serialize`` has the same names, in the same order)::

    save_model(net, path, history=None, meta=None)   # atomic JSON write
    load_model(path, mlp_class=None) -> net          # the network only
    load_model_file(path, mlp_class=None) -> ModelFile(net, history, meta)
    model_to_dict(net, history=None, meta=None) -> dict   (the JSON document)
    model_from_dict(d, mlp_class=None) -> ModelFile

and the building blocks ``vector_nn`` reuses: ``write_atomically(path,
write)`` (temporary file + fsync + ``os.replace``), ``json_text(doc)``,
``parse_json(data, path)``, ``as_path(path)``; ``ModelFileError`` is the
ValueError every refused file raises.
"""

import collections
import itertools
import json
import math
import numbers
import os
import stat

from ..conventions import BN_MOMENTUM, buffer_shapes, param_shapes
from ..mlp import MLP
from .training import History
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
HISTORY_LISTS = ("epoch", "loss", "val_loss", "lr", "events", "seconds")

ZIP_MAGIC = b"PK\x03\x04"      # the first bytes of every .npz (a zip archive)


class ModelFileError(ValueError):
    """A model file (or model dict) that cannot be read: its problem is in the message."""


ModelFile = collections.namedtuple("ModelFile", ["net", "history", "meta"])
ModelFile.__doc__ = """What a model file holds: the network, its History (or None), its meta dict (or None)."""


# ------------------------------------------------------------------ dicts
def model_to_dict(net, history=None, meta=None):
    """The JSON document of a network: plain dicts, lists, floats, ints and strings.

    ``net`` is an MLP of either twin (arrays are turned into lists with
    ``.tolist()``, which is exact for float64).  ``history`` is a History (or
    its ``to_dict()``), ``meta`` a dict of JSON-able values; both optional.
    Every number must be finite: a NaN weight (a diverged training) is a
    ValueError naming the entry, e.g. "params.W1[0][1] is nan".  The document
    is checked with the same rules ``model_from_dict`` applies, so a file
    that ``save_model`` writes is always one that ``load_model`` reads.
    """
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "sizes": _plain(net.sizes, "sizes"),
        "hidden": net.hidden,
        "output": net.output,
        "loss": net.loss_name,
        "options": _plain(dict({name: getattr(net, name) for name in OPTION_NAMES},
                               **({"exact": True} if getattr(net, "exact", False) else {}),
                               **({"dtype": "float32"} if str(getattr(net, "dtype", "")) == "float32" else {})),
                        "options"),
        "params": {name: _plain(value, "params." + name) for name, value in net.params.items()},
        "buffers": {name: _plain(value, "buffers." + name) for name, value in net.buffers.items()},
    }
    if history is not None:
        if hasattr(history, "to_dict"):
            history = history.to_dict()
        doc["history"] = _plain(history, "history")
    if meta is not None:
        if not isinstance(meta, dict):
            raise TypeError("meta must be a dict (or None), got %s" % type(meta).__name__)
        doc["meta"] = _plain(meta, "meta")
    _clean_document(doc)          # the reader's rules: never write what cannot be read back
    return doc


def model_from_dict(d, mlp_class=None):
    """A ModelFile(net, history, meta) from a model document, after checking all of it.

    ``mlp_class`` is the MLP class to build (default: this twin's
    ``mlp.MLP``); it is called as ``mlp_class.from_params(params, hidden=...,
    output=..., loss=..., buffers=..., seed=..., l2=..., ...)``, so a document
    written by either twin builds a network of either twin.  The network
    starts in training mode, like a new one (call ``net.eval()`` to predict
    with BatchNorm's running statistics -- ``predict`` does that anyway).
    Errors: ModelFileError (a ValueError) naming the first problem found.
    """
    doc = _clean_document(d)
    if mlp_class is None:
        mlp_class = MLP
    options = doc["options"]
    net = mlp_class.from_params(
        doc["params"], hidden=doc["hidden"], output=doc["output"], loss=doc["loss"],
        buffers=doc["buffers"] or None, seed=options["seed"], l2=options["l2"],
        l2_bias=options["l2_bias"], dropout=options["dropout"], bn_momentum=options["bn_momentum"],
        **({"exact": True} if options.get("exact") and hasattr(mlp_class, "exact") else {}),
        **({"dtype": options["dtype"]} if "dtype" in options and hasattr(mlp_class, "dtype") else {}))
    # from_params infers BatchNorm from "gamma1"; a net with no hidden layer has no
    # gamma even when it was built with batchnorm=True (the flag then changes nothing).
    net.batchnorm = options["batchnorm"]
    history = None if doc.get("history") is None else History.from_dict(doc["history"])
    return ModelFile(net, history, doc.get("meta"))


# ------------------------------------------------------------------ files
def save_model(net, path, history=None, meta=None):
    """Write ``net`` (and optionally its History and a meta dict) to ``path`` as JSON.

    The write is atomic (``write_atomically``): after a crash, ``path`` holds
    either the old file or the new one, never half of one.  The file is
    UTF-8 JSON, one matrix row per line, every float written with ``repr``
    (exact).  ``.npz`` files are the NumPy twin's business:
    ``vector_nn.toolkit.serialize.save_model`` / ``save_npz`` write them.
    """
    path = as_path(path)
    if path.lower().endswith(".npz"):
        raise ValueError("scalar_nn writes JSON model files only; %s ends in .npz: use "
                         "vector_nn.toolkit.serialize.save_npz, or a .json name" % path)
    text = json_text(model_to_dict(net, history, meta))
    write_atomically(path, lambda f: f.write(text.encode("utf-8")))


def load_model(path, mlp_class=None):
    """The network stored in the JSON model file ``path`` (see ``load_model_file``)."""
    return load_model_file(path, mlp_class).net


def load_model_file(path, mlp_class=None):
    """ModelFile(net, history, meta) read from the JSON model file ``path``.

    Errors, all naming the file: FileNotFoundError if there is no such file;
    ModelFileError (a ValueError) if it is not UTF-8 JSON ("truncated or
    corrupted JSON"), is a NumPy .npz archive, has another "format" or an
    unsupported "version", or fails any check of ``model_from_dict``.
    """
    path = as_path(path)
    document = parse_json(_read_bytes(path), path)
    try:
        return model_from_dict(document, mlp_class)
    except (ValueError, TypeError) as exc:
        raise ModelFileError("model file %s: %s" % (path, exc)) from exc


def write_atomically(path, write):
    """Create or replace the file ``path`` with what ``write(f)`` writes to a binary file f.

    1. open a new temporary file in the same directory (same file system, so
       the rename below is atomic), named ".<name>.<pid>.<n>.tmp";
    2. ``write(f)``, then flush and ``os.fsync``: the bytes are on disk;
    3. ``os.replace(temp, path)``: one step, the old file or the new one.
    On any exception (Ctrl-C included) the temporary file is removed and an
    existing ``path`` is left untouched.  A replaced file keeps its permissions.
    """
    path = as_path(path)
    directory = _check_target(path)
    mode = stat.S_IMODE(os.stat(path).st_mode) if os.path.isfile(path) else None
    try:
        temp, fd = _create_temp(directory, os.path.basename(path))
    except OSError as exc:
        raise _write_error(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, path)
    except OSError as exc:
        _remove_quietly(temp)
        raise _write_error(path, exc) from None
    except BaseException:
        _remove_quietly(temp)
        raise
    _fsync_directory(directory)


def check_destination(path):
    """Refuse, before any work is done, a ``path`` that a save could not create; return it.

    For a caller about to train for an hour: the same checks as
    ``write_atomically``, plus a real test that a file can be created in
    the directory (a temporary file, removed at once), so a read-only
    place fails now and not after training.  Errors name ``path``:
    ValueError (empty), IsADirectoryError (a folder, or a name ending in
    "/"), FileNotFoundError (no such directory), NotADirectoryError (a
    file where a folder should be), PermissionError and other OSErrors.
    """
    path = as_path(path)
    directory = _check_target(path)
    try:
        temp, fd = _create_temp(directory, os.path.basename(path))
    except OSError as exc:
        raise _write_error(path, exc) from None
    os.close(fd)
    _remove_quietly(temp)
    return path


def _check_target(path):
    """The directory a new ``path`` would go in, after the checks that need no writing.

    The errors say what the user's path is, never the temporary file's
    name: a name ending in a separator or an existing folder
    (IsADirectoryError), a missing directory (FileNotFoundError), a file
    on the way where a folder should be (NotADirectoryError), something
    that is not a regular file (a device, a pipe) at ``path`` (OSError).
    """
    if path.endswith(os.sep) or (os.altsep and path.endswith(os.altsep)):
        raise IsADirectoryError("cannot write %s: the name ends in %r, so it names a folder; "
                                "give a file name such as %s" % (path, path[-1], path + "model.json"))
    if os.path.isdir(path):
        raise IsADirectoryError("cannot write %s: it is a folder; give a file name such as %s"
                                % (path, os.path.join(path, "model.json")))
    if os.path.exists(path) and not os.path.isfile(path):
        raise OSError("cannot write %s: it exists and is not a regular file" % path)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        blocker = directory
        while not os.path.exists(blocker) and os.path.dirname(blocker) != blocker:
            blocker = os.path.dirname(blocker)
        if os.path.exists(blocker) and not os.path.isdir(blocker):
            raise NotADirectoryError("cannot write %s: %s is a file, not a folder" % (path, blocker))
        raise FileNotFoundError("cannot write %s: directory %s does not exist" % (path, directory))
    return directory


def _write_error(path, exc):
    """An OSError of the same kind as ``exc`` whose message names ``path``, not a temporary file."""
    reason = exc.strerror or str(exc)
    if isinstance(exc, PermissionError):
        reason = "permission denied (%s): the folder is read-only for you" % reason
    return type(exc)("cannot write %s: %s" % (path, reason))


def json_text(doc):
    """The document as JSON text: readable layout, one matrix row per line, exact floats.

    Every leaf goes through ``json.dumps`` (floats with ``repr``, strings
    escaped), so the text parses back to ``doc`` exactly; only the
    whitespace is chosen here.  ``allow_nan=False``: strict JSON.
    """
    return _layout(doc, "") + "\n"


def parse_json(data, path="<model>"):
    """The JSON document in ``data`` (bytes): parsed, nothing executed.

    Refuses, with ModelFileError: an .npz archive, bytes that are not UTF-8,
    empty or truncated or otherwise invalid JSON, and duplicate keys (which
    JSON parsers would otherwise silently resolve to the last one).
    """
    if data[:4] == ZIP_MAGIC:
        raise ModelFileError("%s is a NumPy .npz archive, not a JSON model file: load it with "
                             "vector_nn.toolkit.serialize.load_model or load_npz" % path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ModelFileError("%s is not a twin-nn model file: truncated or corrupted JSON "
                             "(not UTF-8 text: %s)" % (path, exc)) from None
    if not text.strip():
        raise ModelFileError("%s is not a twin-nn model file: truncated or corrupted JSON "
                             "(the file is empty)" % path)
    try:
        return json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except ModelFileError as exc:          # a duplicate key: say in which file
        raise ModelFileError("%s is not a valid twin-nn model file: %s" % (path, exc)) from None
    except json.JSONDecodeError as exc:
        raise ModelFileError("%s is not a twin-nn model file: truncated or corrupted JSON (%s)"
                             % (path, exc)) from None
    except RecursionError:
        raise ModelFileError("%s is not a twin-nn model file: truncated or corrupted JSON "
                             "(nested too deeply)" % path) from None


def as_path(path):
    """A path as a str (os.PathLike such as pathlib.Path accepted); anything else is a TypeError."""
    if isinstance(path, os.PathLike):
        path = os.fspath(path)
    if not isinstance(path, str):
        raise TypeError("path must be a str or os.PathLike, got %s" % type(path).__name__)
    if not path:
        raise ValueError("path is empty")
    return path



# ------------------------------------------------------------------ checks
def _clean_document(d):
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
    clean["history"] = _clean_history(d.get("history"))
    meta = d.get("meta")
    if meta is not None and not isinstance(meta, dict):
        raise ModelFileError("meta must be an object (dict) or null, got %s" % _type_name(meta))
    if meta is not None:
        _check_finite(meta, "meta")
        clean["meta"] = meta
    return clean


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
    return history


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


def _plain(value, where):
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
        return {key: _plain(v, "%s.%s" % (where, key)) for key, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, "%s[%d]" % (where, i)) for i, v in enumerate(value)]
    raise TypeError("cannot save: %s is a %s, which a JSON model file cannot hold" % (where, _type_name(value)))


def _type_name(value):
    """The JSON name of a Python value's type, for error messages."""
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
             int: "a number", float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def _no_duplicate_keys(pairs):
    """object_pairs_hook for json.loads: a key given twice is an error, not "last one wins"."""
    d = {}
    for key, value in pairs:
        if key in d:
            raise ModelFileError("duplicate key %r in the JSON document" % key)
        d[key] = value
    return d


def _layout(value, indent):
    """JSON text for ``value``: dicts one key per line, a list of lists one row per line."""
    inner = indent + "  "
    if isinstance(value, dict) and value:
        items = ["%s%s: %s" % (inner, json.dumps(key), _layout(v, inner)) for key, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and value and all(isinstance(row, list) for row in value):
        rows = [inner + json.dumps(row, allow_nan=False) for row in value]
        return "[\n" + ",\n".join(rows) + "\n" + indent + "]"
    return json.dumps(value, allow_nan=False)


# ------------------------------------------------------------------ disk
def _read_bytes(path):
    """The whole file; a missing file is a FileNotFoundError that says so plainly."""
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise read_error(path, exc) from None


def read_error(path, exc):
    """A one-line OSError of the same kind as ``exc`` that names ``path`` (a folder, no permission, ...)."""
    if isinstance(exc, FileNotFoundError):
        return FileNotFoundError("no model file at %s (file not found)" % path)
    if isinstance(exc, IsADirectoryError) or os.path.isdir(path):
        return IsADirectoryError("cannot read %s: it is a folder, not a model file" % path)
    if isinstance(exc, PermissionError):
        return PermissionError("cannot read %s: permission denied" % path)
    return type(exc)("cannot read %s: %s" % (path, exc.strerror or exc))


_temp_counter = itertools.count()


def _create_temp(directory, name):
    """(path, fd) of a new file ".<name>.<pid>.<n>.tmp" in ``directory``, created exclusively.

    O_EXCL makes creation fail rather than reuse an existing file; mode 0o666
    lets the process umask decide the permissions, as for any new file.
    """
    while True:
        temp = os.path.join(directory, ".%s.%d.%d.tmp" % (name, os.getpid(), next(_temp_counter)))
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        except FileExistsError:
            continue
        return temp, fd


def _remove_quietly(path):
    """Delete a file if it is there; cleaning up must not hide the original error."""
    try:
        os.unlink(path)
    except OSError:
        pass


def _fsync_directory(directory):
    """Make the rename itself durable (POSIX); where directories cannot be opened, skip."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
