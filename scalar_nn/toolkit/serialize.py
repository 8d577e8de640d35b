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
write)`` (temporary file + fsync + ``os.replace``; ``files``),
``json_text(doc)``, ``parse_json(data, path)``, ``as_path(path)``,
``estimated_size(sizes, batchnorm)``; ``ModelFileError`` is the ValueError every
refused file raises.  What a valid document is lives in ``schema`` (every
field checked there, in one place); touching the disk lives in ``files``.
"""

import collections
import json

from ..mlp import MLP
from .files import (  # noqa: F401  (re-exported: the model file API has always offered them)
    as_path,
    check_destination,
    read_bytes,
    read_error,
    write_atomically,
)
from .limits import parameter_count
from .schema import (  # noqa: F401  (re-exported: the schema's names are the format's names)
    DEFAULT_OPTIONS,
    FORMAT,
    HISTORY_LISTS,
    OPTION_NAMES,
    OPTIONAL_KEYS,
    OPTIONAL_OPTION_NAMES,
    REQUIRED_KEYS,
    VERSION,
    ModelFileError,
    clean_document,
    plain_value,
)
from .training import History

ZIP_MAGIC = b"PK\x03\x04"      # the first bytes of every .npz (a zip archive)

# The largest model file read whole: JSON spends ~20 bytes per float, so this is a
# network of ~50 million parameters.  Anything larger is refused before it is read.
MAX_MODEL_FILE_BYTES = 1 << 30

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
        "sizes": plain_value(net.sizes, "sizes"),
        "hidden": net.hidden,
        "output": net.output,
        "loss": net.loss_name,
        "options": plain_value(dict({name: getattr(net, name) for name in OPTION_NAMES},
                                    **({"exact": True} if getattr(net, "exact", False) else {}),
                                    **({"dtype": "float32"} if str(getattr(net, "dtype", "")) == "float32" else {})),
                               "options"),
        "params": {name: plain_value(value, "params." + name) for name, value in net.params.items()},
        "buffers": {name: plain_value(value, "buffers." + name) for name, value in net.buffers.items()},
    }
    if history is not None:
        if hasattr(history, "to_dict"):
            history = history.to_dict()
        doc["history"] = plain_value(history, "history")
    if meta is not None:
        if not isinstance(meta, dict):
            raise TypeError("meta must be a dict (or None), got %s" % type(meta).__name__)
        doc["meta"] = plain_value(meta, "meta")
    clean_document(doc)          # the reader's rules: never write what cannot be read back
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
    doc = clean_document(d)
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
    data = json_text(model_to_dict(net, history, meta)).encode("utf-8")
    write_atomically(path, lambda f: f.write(data), size=len(data))


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
    document = parse_json(read_bytes(path, "model file", MAX_MODEL_FILE_BYTES), path)
    try:
        return model_from_dict(document, mlp_class)
    except (ValueError, TypeError) as exc:
        raise ModelFileError("model file %s: %s" % (path, exc)) from exc


def estimated_size(sizes, batchnorm=False, npz=False):
    """About how many bytes a model file of a network of ``sizes`` takes (an upper estimate).

    JSON: ``repr`` of a float64 takes at most 24 characters
    ("-1.2345678901234567e-300") plus ", "; an ``.npz`` (``npz=True``) 8
    bytes per number.  The layout, the history and the meta add little
    (64 KB allowed).  For the free-space check before a long training run
    (``files.check_destination(path, size)``).
    """
    return (8 if npz else 26) * parameter_count(sizes, batchnorm) + 64 * 1024


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
    except ValueError as exc:              # Python's own limits, e.g. an integer of over 4300 digits
        raise ModelFileError("%s is not a valid twin-nn model file: a number in it cannot be read (%s)"
                             % (path, str(exc).split(";")[0])) from None
    except RecursionError:
        raise ModelFileError("%s is not a twin-nn model file: truncated or corrupted JSON "
                             "(nested too deeply)" % path) from None


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
