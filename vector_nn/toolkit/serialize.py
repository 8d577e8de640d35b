"""Model files for the NumPy twin: the scalar twin's JSON, plus NumPy's ``.npz``.

JSON files follow the schema of ``scalar_nn/serialize.py`` (one source of
truth; see ``docs/MODEL_FORMAT.md``).  Arrays are turned into lists with
``.tolist()`` -- a float64 becomes the Python float with the same 64 bits --
so a network saved by either twin loads in the other with bit-identical
parameters.

``.npz`` is NumPy's zip of ``.npy`` arrays: compact, binary, fast.  Layout::

    W1, b1, [gamma1, beta1,] W2, b2, ...       float64 arrays (float32 for a float32 engine network)
    running_mean1, running_var1, ...           (BatchNorm only)
    twin_nn_metadata                           uint8 array: the UTF-8 JSON document
                                               without "params" and "buffers"

It is read with ``np.load(path, allow_pickle=False)``: an archive holding an
object array (which NumPy can only restore by unpickling, i.e. by running
code from the file) is refused.  Plain ``.npz`` files written by other
scripts -- lowercase keys ``w1, b1, w2, b2, ...``, no metadata -- load too;
the architecture then comes from the arguments of ``load_npz``.

``save_model``/``load_model``/``load_model_file`` choose by the extension:
a path ending in ``.npz`` (any case) is an archive, anything else is JSON.
"""

import json
import os
import zipfile
import zlib

import numpy as np

from scalar_nn.toolkit import serialize as _scalar
from scalar_nn.toolkit.serialize import (  # noqa: F401  (re-exported: the schema is not array math)
    FORMAT,
    VERSION,
    ModelFile,
    ModelFileError,
    check_destination,
    model_to_dict,
    write_atomically,
)

from ..mlp import MLP

METADATA_KEY = "twin_nn_metadata"


# ------------------------------------------------------------------ dicts
def model_from_dict(d, mlp_class=None):
    """ModelFile(net, history, meta) from a model document; ``mlp_class`` defaults to vector_nn's MLP."""
    return _scalar.model_from_dict(d, MLP if mlp_class is None else mlp_class)


# ------------------------------------------------------------------ files
def save_model(net, path, history=None, meta=None):
    """Write ``net`` to ``path``: ``save_npz`` if it ends in .npz, else the JSON of the scalar twin.

    Both writes are atomic (temporary file, fsync, ``os.replace``).
    """
    path = _scalar.as_path(path)
    if _is_npz(path):
        return save_npz(net, path, history, meta)
    return _scalar.save_model(net, path, history, meta)


def load_model(path, mlp_class=None):
    """The network stored in ``path`` (.npz archive or JSON; see ``load_model_file``)."""
    return load_model_file(path, mlp_class).net


def load_model_file(path, mlp_class=None):
    """ModelFile(net, history, meta) from ``path``: .npz by ``load_npz``'s rules, else JSON.

    A plain .npz (no metadata) is read with the default architecture of
    ``load_npz`` (sigmoid hidden layers, linear output, mse); call
    ``load_npz`` to say otherwise.
    """
    path = _scalar.as_path(path)
    if _is_npz(path):
        return _read_npz(path, None, None, None, mlp_class)
    return _scalar.load_model_file(path, MLP if mlp_class is None else mlp_class)


# ------------------------------------------------------------------ .npz
def save_npz(net, path, history=None, meta=None):
    """Write ``net`` to ``path`` as an .npz archive (layout in the module docstring), atomically.

    The arrays are float64 (a ``dtype="float32"`` network's are float32, as
    its options say: half the bytes, the same values); the metadata entry is the model document
    without its arrays, as UTF-8 JSON bytes in a uint8 array (no object
    arrays, so ``allow_pickle=False`` reads it).  The document is built and
    checked by ``model_to_dict`` (finite numbers, names, shapes), so an
    archive written here always loads.  ``np.savez`` is handed an open file,
    so it writes to exactly ``path`` (given a name, it would append ".npz").
    """
    path = _scalar.as_path(path)
    doc = model_to_dict(net, history, meta)
    dtype = np.float32 if doc["options"].get("dtype") == "float32" else np.float64
    arrays = {}
    for group in ("params", "buffers"):
        for name, value in doc.pop(group).items():
            arrays[name] = np.array(value, dtype=dtype)
    text = _scalar.json_text(doc)
    arrays[METADATA_KEY] = np.frombuffer(text.encode("utf-8"), dtype=np.uint8)
    size = sum(a.nbytes for a in arrays.values()) + 64 * 1024
    write_atomically(path, lambda f: np.savez(f, **arrays), size=size)


def load_npz(path, hidden=None, output=None, loss=None):
    """The network stored in the .npz archive ``path``, read with ``allow_pickle=False``.

    With a metadata entry (files from ``save_npz``) the architecture and
    options come from it; ``hidden``/``output``/``loss``, if given, must
    agree with it.  Without one (a plain archive from another script):
    keys W1/w1, b1, ... (lowercase ``w`` accepted), optional gamma_k/beta_k
    with running_mean_k/running_var_k; biases of shape (n,) or (1, n);
    ``W_k`` must be (n_{k-1}, n_k) -- inputs along the rows, as here.  The
    architecture is then ``hidden``/``output``/``loss`` as given, defaulting
    to "sigmoid"/"linear"/"mse" (MLP's defaults), and the options are MLP's
    defaults (seed 0, no L2, no dropout).  Errors: FileNotFoundError,
    ModelFileError (not a zip / truncated / corrupted archive, an object
    array, an unknown key, a bad shape, a NaN, a disagreement with the
    metadata).
    """
    path = _scalar.as_path(path)
    return _read_npz(path, hidden, output, loss, None).net


# ------------------------------------------------------------------ helpers
def _is_npz(path):
    """True for a path ending in .npz (any case)."""
    return path.lower().endswith(".npz")


def _read_npz(path, hidden, output, loss, mlp_class):
    """ModelFile from an .npz: read every entry safely, build the document, check it like JSON."""
    arrays = _npz_arrays(path)
    try:
        if METADATA_KEY in arrays:
            doc = _document_with_metadata(path, arrays, {"hidden": hidden, "output": output, "loss": loss})
        else:
            doc = _document_without_metadata(arrays, hidden or "sigmoid", output or "linear", loss or "mse")
        return model_from_dict(doc, mlp_class)
    except (ValueError, TypeError) as exc:
        raise ModelFileError("model file %s: %s" % (path, exc)) from exc


def _npz_arrays(path):
    """Every entry of the archive as a NumPy array, with every size checked before it is allocated.

    Nothing is unpickled.  Before any array is read: each entry's declared
    size is compared with the archive's own size and the zip's records;
    each ``.npy`` header is parsed (a malformed one is one clear error) and
    its shape and dtype must account for exactly the entry's bytes; and the
    total must fit the budget -- a few times the bytes the model's metadata
    declares (``_budget``), or for a plain archive the model file limit.
    So a zip bomb or a header claiming terabytes is refused, never inflated.
    """
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
            archive_bytes = os.fstat(f.fileno()).st_size
    except OSError as exc:                  # missing, a folder, no permission: name the user's path
        raise _scalar.read_error(path, exc) from None
    if magic != _scalar.ZIP_MAGIC:
        raise ModelFileError("%s is not an .npz archive (it does not start like a zip file): "
                             "truncated, corrupted, or another format" % path)
    if archive_bytes > _scalar.MAX_MODEL_FILE_BYTES:
        raise ModelFileError("%s is %d bytes, more than a model file may be (%d)"
                             % (path, archive_bytes, _scalar.MAX_MODEL_FILE_BYTES))
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if m.filename.endswith(".npy")]
            names = [m.filename[:-4] for m in members]
            if len(set(names)) != len(names):
                raise ModelFileError("%s: an entry name appears twice in the archive" % path)
            budget = _scalar.MAX_MODEL_FILE_BYTES
            arrays = {}
            if METADATA_KEY in names:        # read first: the sizes it declares bound everything else
                member = members[names.index(METADATA_KEY)]
                arrays[METADATA_KEY] = _read_entry(path, archive, member, METADATA_KEY, budget)
                budget = _budget(arrays[METADATA_KEY], budget)
            total = 0
            for member, name in zip(members, names):
                if name == METADATA_KEY:
                    continue
                total += member.file_size
                if total > budget:
                    raise ModelFileError("%s: the arrays declare %d bytes, more than the %d bytes its model "
                                         "can hold: a damaged or hostile archive (nothing was allocated)"
                                         % (path, total, budget))
                arrays[name] = _read_entry(path, archive, member, name, budget)
    except ModelFileError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError,
            NotImplementedError, RuntimeError) as exc:   # RuntimeError: zip says "encrypted"
        raise ModelFileError("%s is not a readable .npz archive: truncated or corrupted (%s: %s)"
                             % (path, type(exc).__name__, exc)) from None
    return arrays


def _read_entry(path, archive, member, name, budget):
    """One ``.npy`` entry: header parsed and checked against the entry's declared size, then read."""
    where = "%s: entry %r" % (path, name)
    if member.file_size > budget:
        raise ModelFileError("%s declares %d bytes, more than the %d bytes the model can hold "
                             "(nothing was allocated)" % (where, member.file_size, budget))
    with archive.open(member) as f:
        try:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
            else:
                raise ValueError("unsupported .npy version %s" % (version,))
        except Exception as exc:          # noqa: BLE001  (NumPy's header parser raises many kinds)
            raise ModelFileError("%s has a malformed .npy header (%s)" % (where, " ".join(str(exc).split())[:120])
                                 ) from None
        if dtype.hasobject:
            raise ModelFileError("%s is an object array, which only unpickling could read; twin-nn never "
                                 "unpickles (allow_pickle=False)" % where)
        count = 1
        for d in shape:
            count *= d
        data_bytes = member.file_size - f.tell()
        if count * dtype.itemsize != data_bytes:
            raise ModelFileError("%s claims shape %s of %s (%d bytes), but the entry holds %d bytes of data: "
                                 "truncated or damaged (nothing was allocated)"
                                 % (where, shape, dtype, count * dtype.itemsize, data_bytes))
        raw = f.read(data_bytes + 1)
    if len(raw) != data_bytes:
        raise ModelFileError("%s: the entry's data is %d bytes, not the %d its header declares"
                             % (where, len(raw), data_bytes))
    array = np.frombuffer(raw, dtype=dtype)
    return array.reshape(shape[::-1]).T if fortran else array.reshape(shape)


def _budget(meta_array, limit):
    """The most bytes the arrays may take: 4 times what the metadata's sizes declare (float64), plus 64 KB."""
    try:
        doc = json.loads(meta_array.tobytes().decode("utf-8"))
        sizes = [int(n) for n in doc["sizes"]]
        batchnorm = bool(doc.get("options", {}).get("batchnorm"))
        if not all(n >= 1 for n in sizes) or len(sizes) < 2:
            return limit
        from scalar_nn.toolkit.limits import parameter_count
        return min(limit, 4 * 8 * parameter_count(sizes, batchnorm) + 64 * 1024)
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return limit                      # the document's own check will name what is wrong


def _document_with_metadata(path, arrays, asked):
    """The model document: the metadata JSON plus the arrays as lists (exact)."""
    meta_array = arrays.pop(METADATA_KEY)
    if meta_array.dtype != np.uint8 or meta_array.ndim != 1:
        raise ModelFileError("entry %r must be a 1-D uint8 array of UTF-8 JSON, got %s of shape %s"
                             % (METADATA_KEY, meta_array.dtype, meta_array.shape))
    doc = _scalar.parse_json(meta_array.tobytes(), "%s[%s]" % (path, METADATA_KEY))
    if not isinstance(doc, dict):
        raise ModelFileError("entry %r must hold a JSON object" % METADATA_KEY)
    for key in ("params", "buffers"):
        if key in doc:
            raise ModelFileError("entry %r must not hold %r: the arrays are the archive's other entries"
                                 % (METADATA_KEY, key))
    for key, value in asked.items():
        if value is not None and doc.get(key) != value:
            raise ModelFileError("%s=%r was asked, but the file says %s=%r" % (key, value, key, doc.get(key)))
    doc["params"], doc["buffers"] = {}, {}
    for name, a in arrays.items():
        group = "buffers" if name.startswith("running_") else "params"
        doc[group][name] = _as_lists(a, name)
    return doc


def _document_without_metadata(arrays, hidden, output, loss):
    """A model document for a plain archive: sizes from the W shapes, default options."""
    named, keys = {}, {}
    for key, a in arrays.items():
        name = "W" + key[1:] if key[:1] == "w" and key[1:].isdigit() else key
        if name in named:
            raise ModelFileError("the archive has both %r and %r" % tuple(sorted([keys[name], key])))
        keys[name] = key
        if name[:1] == "b" and name[1:].isdigit() and a.ndim == 2 and a.shape[0] == 1:
            a = a.reshape(-1)                     # a (1, n) row of biases (the nnfs habit)
        named[name] = a
    if "W1" not in named:
        raise ModelFileError("no W1 (or w1) in the archive: found %s" % (", ".join(sorted(arrays)) or "nothing"))
    sizes = []
    k = 1
    while "W%d" % k in named:
        W = named["W%d" % k]
        if W.ndim != 2:
            raise ModelFileError("W%d must be a 2-D array, got shape %s" % (k, W.shape))
        sizes += list(W.shape) if k == 1 else [W.shape[1]]
        k += 1
    params = {name: _as_lists(a, name) for name, a in named.items() if not name.startswith("running_")}
    buffers = {name: _as_lists(a, name) for name, a in named.items() if name.startswith("running_")}
    options = dict(_scalar.DEFAULT_OPTIONS, batchnorm="gamma1" in params)
    return {"format": FORMAT, "version": VERSION, "sizes": sizes, "hidden": hidden, "output": output,
            "loss": loss, "options": options, "params": params, "buffers": buffers}


def _as_lists(a, name):
    """An array of real numbers as nested lists of Python floats (float64 -> float is exact).

    float16/32/64 convert exactly; integer arrays are accepted when every
    value converts exactly; anything else (bool, complex, strings,
    longdouble, which float64 cannot hold exactly) is refused.
    """
    if a.dtype.kind == "f" and a.dtype.itemsize <= 8:
        return a.astype(np.float64).tolist()
    if a.dtype.kind in "iu":
        f = a.astype(np.float64)
        if np.array_equal(f.astype(a.dtype), a):
            return f.tolist()
    raise ModelFileError("entry %r has dtype %s: model arrays must be float64 (or exactly convertible)"
                         % (name, a.dtype))

