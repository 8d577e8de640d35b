"""Model files: exact round trips, cross-twin loading, atomic writes, refused files.

What a model file must guarantee, each pinned below:

* **Exactness.**  Every float comes back with the same 64 bits (compared as
  ``float.hex``, which tells -0.0 from 0.0), in both twins, for JSON and
  .npz; predictions of the loaded network are then bit-identical to the
  original's (same twin, same parameters, same code path).
* **One format, two twins.**  A file written by one twin loads in the other
  with bit-identical parameters.  Predictions of the two twins on the same
  parameters agree within a rounding-error bound computed from the network
  itself (``forward_error_bound``), not a hand-picked tolerance: the twins
  sum the matrix products in different orders and call different exp/tanh
  implementations, so bit-equality across twins is not promised.
* **Atomic writes.**  A failure at any point of a save (while writing, at
  fsync, at the rename, Ctrl-C) leaves the old file byte-identical and no
  temporary file behind.
* **Safe, checked reads.**  Truncated, corrupted, foreign, future-version,
  mis-shaped, non-finite, mis-typed files fail with a ModelFileError (a
  ValueError) naming the problem and the file; nothing is ever unpickled.
"""

import json
import math
import os
import random
import shutil
import stat
import struct
import subprocess

import numpy as np
import pytest

from parity_tests.conftest import to_list
from scalar_nn.toolkit.serialize import ModelFileError

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
U = 2.0 ** -53          # unit roundoff of float64

# ----------------------------------------------------------------- fixtures

N_ROWS = 16
X = [[math.sin(0.7 * i + 0.3 * j) + 0.1 * j for j in range(3)] for i in range(N_ROWS)]
TARGETS = {
    "mse": [[math.cos(0.5 * i)] for i in range(N_ROWS)],
    "bce": [[1.0 if i % 3 == 0 else 0.0] for i in range(N_ROWS)],
    "cross_entropy": [i % 3 for i in range(N_ROWS)],
}
CONFIGS = {
    "tanh-mse": dict(sizes=[3, 5, 4, 1], hidden="tanh", output="linear", loss="mse", l2=1e-3, seed=3),
    "bn-dropout-bce": dict(sizes=[3, 6, 4, 1], hidden="relu", output="sigmoid", loss="bce", batchnorm=True,
                           dropout=0.25, l2=1e-4, l2_bias=1e-5, bn_momentum=0.2, seed=7),
    "softmax-swish": dict(sizes=[3, 5, 3], hidden="swish", output="softmax", loss="cross_entropy", seed=11),
}
ATTRIBUTES = ("sizes", "hidden", "output", "loss_name", "l2", "l2_bias", "dropout", "batchnorm",
              "bn_momentum", "seed")


def trained(twin, config):
    """(net, history): a network of ``twin`` after 3 epochs of mini-batch SGD on the toy data."""
    cfg = CONFIGS[config]
    net = twin.mlp.MLP(**cfg)
    history = net.fit(X, TARGETS[cfg["loss"]], twin.optim.SGD(0.1, momentum=0.9), epochs=3,
                      batch_size=4, val_split=0.25, verbose=0)
    return net, history


def hexes(x):
    """Nested lists of float.hex strings: equal iff every float has the same 64 bits."""
    x = to_list(x)
    if isinstance(x, list):
        return [hexes(v) for v in x]
    return float(x).hex()


def assert_same_bits(a, b, what):
    assert hexes(a) == hexes(b), "%s differs in some bits" % what


def assert_same_network(loaded, original):
    """Same class of twin, same options, bit-identical params and buffers, inference mode predictions."""
    for name in ATTRIBUTES:
        assert getattr(loaded, name) == getattr(original, name), name
    assert list(loaded.params) == list(original.params)
    for name in original.params:
        assert_same_bits(loaded.params[name], original.params[name], name)
    assert sorted(loaded.buffers) == sorted(original.buffers)
    for name in original.buffers:
        assert_same_bits(loaded.buffers[name], original.buffers[name], name)
    inputs = [row[:original.sizes[0]] for row in X]
    assert_same_bits(loaded.predict(inputs), original.predict(inputs), "predict(X)")


def save_json(twin, net, path, **kw):
    twin.serialize.save_model(net, str(path), **kw)
    return path


def read_doc(path):
    with open(str(path)) as f:
        return json.load(f)


def write_doc(path, doc):
    with open(str(path), "w") as f:
        json.dump(doc, f)


# ----------------------------------------------------------------- exact round trips

@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_json_round_trip_is_bit_exact(twin, tmp_path, config):
    net, _ = trained(twin, config)
    path = save_json(twin, net, tmp_path / "model.json")
    loaded = twin.serialize.load_model(path)
    assert type(loaded) is twin.mlp.MLP
    assert loaded.training                   # a loaded network starts in training mode, like a new one
    assert_same_network(loaded, net)


@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_npz_round_trip_is_bit_exact(vector, tmp_path, config):
    net, _ = trained(vector, config)
    path = tmp_path / "model.npz"
    vector.serialize.save_npz(net, path)
    with open(str(path), "rb") as f:
        assert f.read(4) == b"PK\x03\x04"
    for loaded in (vector.serialize.load_npz(path), vector.serialize.load_model(path)):
        assert all(a.dtype == np.float64 for a in loaded.params.values())
        assert_same_network(loaded, net)


def awkward_floats(count, seed):
    """Floats from random 64-bit patterns (all exponents, subnormals, both signs) and the edge cases."""
    r = random.Random(seed)
    special = [0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 2.225073858507201e-308,
               1e-308, 1e308, -1e308, 1.7976931348623157e308, -1.7976931348623157e308,
               0.1, 1.0 / 3.0, 2.0 ** 53 + 2.0, 123456789.123456789, 1e-5, 9007199254740993.0]
    values = list(special)
    while len(values) < count:
        v = struct.unpack("<d", struct.pack("<Q", r.getrandbits(64)))[0]
        if math.isfinite(v):
            values.append(v)
    return values


def params_holding(values, n_in=50, n_hidden=40):
    """W1 (n_in, n_hidden) filled row by row with ``values``, tiny fixed W2, b1, b2."""
    assert len(values) == n_in * n_hidden + n_hidden
    W1 = [values[i * n_hidden:(i + 1) * n_hidden] for i in range(n_in)]
    b1 = values[n_in * n_hidden:]
    return {"W1": W1, "b1": b1, "W2": [[0.5]] * n_hidden, "b2": [-0.0]}


@pytest.mark.parametrize("suffix", ["json", "npz"])
def test_every_float_survives_the_file(twin, tmp_path, suffix):
    # 2040 floats: random bit patterns over the whole finite range plus the
    # awkward ones (subnormals, the largest double, -0.0, 2**53 + 2).
    if suffix == "npz" and twin.name == "scalar":
        pytest.skip(".npz is the NumPy twin's format")
    values = awkward_floats(50 * 40 + 40, seed=2024)
    net = twin.mlp.MLP.from_params(params_holding(values), hidden="tanh")
    path = tmp_path / ("floats." + suffix)
    twin.serialize.save_model(net, path)
    loaded = twin.serialize.load_model(path)
    flat = [v for row in to_list(loaded.params["W1"]) for v in row] + to_list(loaded.params["b1"])
    assert hexes(flat) == hexes(values)
    assert hexes(loaded.params["b2"]) == ["-0x0.0p+0"]


def test_json_text_parses_back_to_the_same_document(scalar):
    values = awkward_floats(50 * 40 + 40, seed=7)
    net = scalar.mlp.MLP.from_params(params_holding(values), hidden="tanh")
    doc = scalar.serialize.model_to_dict(net, meta={"note": "é ü \"quoted\" \\ \n", "nested": {"k": [1, 2.5, None]}})
    text = scalar.serialize.json_text(doc)
    back = scalar.serialize.parse_json(text.encode("utf-8"))
    assert back == doc
    assert hexes(back["params"]["W1"]) == hexes(doc["params"]["W1"])
    json.loads(text)                     # plain strict JSON: any parser reads it


def test_both_twins_write_byte_identical_files(scalar, vector, tmp_path):
    # Same seed -> bit-identical initial parameters in both twins -> the same document, the same bytes.
    for cfg in CONFIGS.values():
        s = scalar.mlp.MLP(**cfg)
        v = vector.mlp.MLP(**cfg)
        assert scalar.serialize.model_to_dict(s) == vector.serialize.model_to_dict(v)
        scalar.serialize.save_model(s, tmp_path / "s.json")
        vector.serialize.save_model(v, tmp_path / "v.json")
        assert (tmp_path / "s.json").read_bytes() == (tmp_path / "v.json").read_bytes()


def test_model_dict_is_plain_json(twin):
    net, history = trained(twin, "bn-dropout-bce")
    doc = twin.serialize.model_to_dict(net, history, meta={"recipe": "toy"})
    again = json.loads(json.dumps(doc, allow_nan=False))
    assert again == doc
    rebuilt = twin.serialize.model_from_dict(again)
    assert_same_network(rebuilt.net, net)
    assert rebuilt.history.to_dict() == history.to_dict()
    assert rebuilt.meta == {"recipe": "toy"}


# ----------------------------------------------------------------- across the twins

def forward_error_bound(doc, X):
    """Elementwise bound on |fl(predict(X)) - predict(X)| for one twin, from the network itself.

    First-order rounding analysis of the inference forward pass (terms of
    order u^2 dropped), valid whatever the summation order or use of FMA:

    * Z = A @ W + b, n = n_{k-1}: |dZ| <= |dA| @ |W| + g_{n+1} (|A| @ |W| + |b|),
      g_n = n u / (1 - n u) (the classical dot-product bound);
    * BatchNorm (eval): d = Z - mean, std = sqrt(var + eps), Zhat = d / std,
      U = gamma Zhat + beta: |dU| <= |gamma| / std (|dZ| + u |d|) + 5u |gamma Zhat| + u |beta|;
    * A = act(U): |dA| <= Lip |dU| + 8u |A|, Lip = 1 (tanh, relu, sigmoid) or 1.1
      (swish); 8u allows a few ulp of error in each library's exp/tanh;
    * output: linear is exact, sigmoid |dY| <= |dZ| / 4 + 8u |Y|.
    """
    sizes, params, buffers = doc["sizes"], doc["params"], doc["buffers"]
    lip = 1.1 if doc["hidden"] == "swish" else 1.0
    L = len(sizes) - 1
    A = [list(row) for row in X]
    E = [[0.0] * len(row) for row in X]
    for k in range(1, L + 1):
        W, b = params["W%d" % k], params["b%d" % k]
        n = sizes[k - 1]
        g = (n + 1) * U / (1 - (n + 1) * U)
        Z = [[sum(a * W[i][j] for i, a in enumerate(row)) + b[j] for j in range(sizes[k])] for row in A]
        EZ = [[sum(e * abs(W[i][j]) for i, e in enumerate(erow))
               + g * (sum(abs(a * W[i][j]) for i, a in enumerate(row)) + abs(b[j]))
               for j in range(sizes[k])] for row, erow in zip(A, E)]
        if k == L:
            if doc["output"] == "linear":
                return EZ
            assert doc["output"] == "sigmoid"
            Y = [[1.0 / (1.0 + math.exp(-z)) for z in row] for row in Z]
            return [[ez / 4.0 + 8 * U * y for ez, y in zip(er, yr)] for er, yr in zip(EZ, Y)]
        if doc["options"]["batchnorm"]:
            gam, bet = params["gamma%d" % k], params["beta%d" % k]
            mean, var = buffers["running_mean%d" % k], buffers["running_var%d" % k]
            std = [math.sqrt(v + 1e-5) for v in var]
            Uk, EU = [], []
            for row, erow in zip(Z, EZ):
                d = [z - m for z, m in zip(row, mean)]
                gz = [gm * dj / s for gm, dj, s in zip(gam, d, std)]
                Uk.append([x + bt for x, bt in zip(gz, bet)])
                EU.append([abs(gm) / s * (ez + U * abs(dj)) + 5 * U * abs(x) + U * abs(bt)
                           for gm, s, ez, dj, x, bt in zip(gam, std, erow, d, gz, bet)])
        else:
            Uk, EU = Z, EZ
        act = {"tanh": math.tanh, "relu": lambda z: max(z, 0.0),
               "swish": lambda z: z / (1.0 + math.exp(-z))}[doc["hidden"]]
        A = [[act(u) for u in row] for row in Uk]
        E = [[lip * eu + 8 * U * abs(a) for eu, a in zip(er, ar)] for er, ar in zip(EU, A)]


@pytest.mark.parametrize("config", ["tanh-mse", "bn-dropout-bce"])
@pytest.mark.parametrize("direction", ["scalar->vector", "vector->scalar"])
def test_a_file_from_one_twin_loads_in_the_other(scalar, vector, tmp_path, config, direction):
    source, target = (scalar, vector) if direction == "scalar->vector" else (vector, scalar)
    net, history = trained(source, config)
    path = tmp_path / "model.json"
    source.serialize.save_model(net, path, history=history)
    loaded = target.serialize.load_model_file(path)
    assert type(loaded.net) is target.mlp.MLP
    for name in ATTRIBUTES:
        assert getattr(loaded.net, name) == getattr(net, name), name
    for group in ("params", "buffers"):
        for name, value in getattr(net, group).items():
            assert_same_bits(getattr(loaded.net, group)[name], value, name)
    assert loaded.history.to_dict() == history.to_dict()
    # The loaded net predicts exactly like a net of the target twin built from those bits ...
    twin_copy = target.mlp.MLP.from_params(to_list(net.params), hidden=net.hidden, output=net.output,
                                           loss=net.loss_name, buffers=to_list(net.buffers))
    assert_same_bits(loaded.net.predict(X), twin_copy.predict(X), "predict(X)")
    # ... and like the source net, within what rounding in either twin can explain.
    doc = scalar.serialize.model_to_dict(net)
    bound = forward_error_bound(doc, X)
    got, want = to_list(loaded.net.predict(X)), to_list(net.predict(X))
    for i, (g_row, w_row, b_row) in enumerate(zip(got, want, bound)):
        for j, (g, w, b) in enumerate(zip(g_row, w_row, b_row)):
            assert abs(g - w) <= 2 * b, "predict[%d][%d]: %r vs %r, bound 2 * %r" % (i, j, g, w, b)


def test_npz_and_json_of_the_same_net_load_to_the_same_bits(vector, tmp_path):
    net, _ = trained(vector, "bn-dropout-bce")
    vector.serialize.save_model(net, tmp_path / "m.json")
    vector.serialize.save_model(net, tmp_path / "m.npz")
    a = vector.serialize.load_model(tmp_path / "m.json")
    b = vector.serialize.load_model(tmp_path / "m.npz")
    assert_same_network(a, b)


@pytest.mark.pypy
@pytest.mark.skipif(shutil.which("pypy3") is None, reason="pypy3 is not installed")
def test_a_file_written_under_pypy_loads_in_cpython(scalar, tmp_path):
    path = tmp_path / "pypy.json"
    code = ("import sys; sys.path.insert(0, %r)\n"
            "from scalar_nn.mlp import MLP\nfrom scalar_nn.toolkit.serialize import save_model, load_model\n"
            "net = MLP([3, 5, 4, 1], hidden='tanh', seed=3, batchnorm=True)\n"
            "net.params['W1'][0][0] = 5e-324; net.params['b1'][1] = -0.0; net.params['W2'][1][2] = 1e308\n"
            "save_model(net, %r)\nassert load_model(%r).params == net.params\n" % (ROOT, str(path), str(path)))
    subprocess.run(["pypy3", "-c", code], check=True, timeout=60)
    net = scalar.mlp.MLP([3, 5, 4, 1], hidden="tanh", seed=3, batchnorm=True)
    net.params["W1"][0][0], net.params["b1"][1], net.params["W2"][1][2] = 5e-324, -0.0, 1e308
    assert_same_network(scalar.serialize.load_model(path), net)


# ----------------------------------------------------------------- BatchNorm, history, meta

def test_batchnorm_running_statistics_are_restored(twin, tmp_path):
    net, _ = trained(twin, "bn-dropout-bce")
    fresh = twin.mlp.MLP(**CONFIGS["bn-dropout-bce"])
    for name, value in net.buffers.items():          # training moved them away from 0 / 1
        assert hexes(value) != hexes(fresh.buffers[name])
    path = save_json(twin, net, tmp_path / "bn.json")
    loaded = twin.serialize.load_model(path).eval()
    assert_same_bits(loaded.predict(X), net.eval().predict(X), "eval predictions")
    # The buffers matter: the same file with the initial statistics predicts something else.
    doc = read_doc(path)
    doc["buffers"] = {name: to_list(v) for name, v in fresh.buffers.items()}
    write_doc(path, doc)
    assert hexes(twin.serialize.load_model(path).predict(X)) != hexes(net.predict(X))


@pytest.mark.parametrize("suffix", ["json", "npz"])
def test_history_and_meta_round_trip(twin, tmp_path, suffix):
    if suffix == "npz" and twin.name == "scalar":
        pytest.skip(".npz is the NumPy twin's format")
    net, history = trained(twin, "softmax-swish")
    history.events.append({"epoch": 2, "kind": "overclock", "lr_before": 0.1, "lr_after": 0.05})
    meta = {"recipe": "toy-softmax", "twin": twin.name, "notes": ["a", 1, 2.5, None, True]}
    path = tmp_path / ("with-history." + suffix)
    twin.serialize.save_model(net, path, history=history, meta=meta)
    got = twin.serialize.load_model_file(path)
    assert isinstance(got, twin.serialize.ModelFile)
    assert got.history.to_dict() == history.to_dict()
    assert hexes(got.history.loss) == hexes(history.loss)
    assert got.meta == meta
    assert_same_network(got.net, net)
    # Without them: None, not empty objects.
    twin.serialize.save_model(net, path)
    got = twin.serialize.load_model_file(path)
    assert got.history is None and got.meta is None


def test_history_without_validation_keeps_its_nones(twin, tmp_path):
    net = twin.mlp.MLP(**CONFIGS["tanh-mse"])
    history = net.fit(X, TARGETS["mse"], twin.optim.SGD(0.05), epochs=2, verbose=0)
    assert history.val_loss == [None, None]
    path = save_json(twin, net, tmp_path / "h.json", history=history)
    assert twin.serialize.load_model_file(path).history.val_loss == [None, None]


def test_a_net_without_hidden_layers_keeps_its_batchnorm_flag(twin, tmp_path):
    net = twin.mlp.MLP([3, 2], output="softmax", loss="cross_entropy", batchnorm=True)
    path = save_json(twin, net, tmp_path / "flat.json")
    assert_same_network(twin.serialize.load_model(path), net)


# ----------------------------------------------------------------- atomic writes

def listing(directory):
    return sorted(os.listdir(str(directory)))


def old_file(twin, tmp_path, suffix="json"):
    """A saved model on disk and its bytes: what a failed save must leave alone."""
    net = twin.mlp.MLP(**CONFIGS["tanh-mse"])
    path = tmp_path / ("model." + suffix)
    twin.serialize.save_model(net, path)
    return path, path.read_bytes()


class Boom(RuntimeError):
    pass


def boom(*args, **kwargs):
    raise Boom("simulated failure")


@pytest.mark.parametrize("where", ["os.replace", "os.fsync"])
@pytest.mark.parametrize("suffix", ["json", "npz"])
def test_a_failed_save_leaves_the_old_file_and_no_temporary(twin, tmp_path, monkeypatch, where, suffix):
    if suffix == "npz" and twin.name == "scalar":
        pytest.skip(".npz is the NumPy twin's format")
    path, before = old_file(twin, tmp_path, suffix)
    new_net, _ = trained(twin, "tanh-mse")
    monkeypatch.setattr(os, where.split(".")[1], boom)
    with pytest.raises(Boom):
        twin.serialize.save_model(new_net, path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert listing(tmp_path) == [path.name]
    twin.serialize.load_model(path)          # still a good model file


def test_a_save_interrupted_while_writing_leaves_the_old_file(scalar, tmp_path):
    path, before = old_file(scalar, tmp_path)

    def half_then_fail(f):
        f.write(b'{"format": "twin-nn-model", "ver')
        raise Boom("disk full, say")

    def half_then_ctrl_c(f):
        f.write(b"{")
        raise KeyboardInterrupt

    with pytest.raises(Boom):
        scalar.serialize.write_atomically(path, half_then_fail)
    with pytest.raises(KeyboardInterrupt):
        scalar.serialize.write_atomically(path, half_then_ctrl_c)
    assert path.read_bytes() == before
    assert listing(tmp_path) == [path.name]


def test_an_npz_save_failing_inside_numpy_leaves_the_old_file(vector, tmp_path, monkeypatch):
    path, before = old_file(vector, tmp_path, "npz")

    def savez_half(f, **arrays):
        f.write(b"PK\x03\x04 half an archive")
        raise Boom("simulated crash inside np.savez")

    monkeypatch.setattr(np, "savez", savez_half)
    with pytest.raises(Boom):
        vector.serialize.save_npz(vector.mlp.MLP([3, 2, 1], seed=1), path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert listing(tmp_path) == [path.name]


def test_a_nan_weight_is_refused_on_save_and_nothing_is_written(twin, tmp_path):
    path, before = old_file(twin, tmp_path)
    net = twin.mlp.MLP(**CONFIGS["tanh-mse"])
    net.params["W1"][0][1] = float("nan")
    with pytest.raises(ValueError, match=r"params\.W1\[0\]\[1\] is nan.*finite"):
        twin.serialize.save_model(net, path)
    net.params["W1"][0][1] = 0.5
    net.buffers = {}
    net.params["b2"][0] = float("-inf")
    with pytest.raises(ValueError, match=r"params\.b2\[0\] is -inf"):
        twin.serialize.save_model(net, tmp_path / "other.json")
    assert path.read_bytes() == before
    assert listing(tmp_path) == [path.name]


def test_bad_history_or_meta_is_refused_on_save(twin, tmp_path):
    net, history = trained(twin, "tanh-mse")
    history.loss[1] = float("inf")
    with pytest.raises(ValueError, match=r"history\.loss\[1\] is inf"):
        twin.serialize.save_model(net, tmp_path / "m.json", history=history)
    with pytest.raises(TypeError, match=r"meta\.when is a set"):
        twin.serialize.save_model(net, tmp_path / "m.json", meta={"when": {1, 2}})
    with pytest.raises(TypeError, match="meta must be a dict"):
        twin.serialize.save_model(net, tmp_path / "m.json", meta=["not", "a", "dict"])
    assert listing(tmp_path) == []


def test_saving_keeps_permissions_and_needs_an_existing_directory(twin, tmp_path):
    path, _ = old_file(twin, tmp_path)
    os.chmod(str(path), 0o600)
    twin.serialize.save_model(twin.mlp.MLP([3, 2, 1]), path)
    assert stat.S_IMODE(os.stat(str(path)).st_mode) == 0o600
    with pytest.raises(FileNotFoundError, match="does not exist"):
        twin.serialize.save_model(twin.mlp.MLP([3, 2, 1]), tmp_path / "no" / "such" / "dir.json")


def test_save_npz_writes_exactly_the_given_name(vector, tmp_path):
    net = vector.mlp.MLP([3, 2, 1])
    vector.serialize.save_npz(net, tmp_path / "model.bin")
    assert listing(tmp_path) == ["model.bin"]                 # np.savez alone would add ".npz"
    assert_same_network(vector.serialize.load_npz(tmp_path / "model.bin"), net)
    vector.serialize.save_model(net, tmp_path / "model.NPZ")  # the extension picks the format
    assert (tmp_path / "model.NPZ").read_bytes()[:4] == b"PK\x03\x04"
    vector.serialize.save_model(net, tmp_path / "model.txt")  # anything else is JSON
    assert read_doc(tmp_path / "model.txt")["format"] == "twin-nn-model"


# ----------------------------------------------------------------- refused JSON files

def small_file(twin, tmp_path, name="model.json"):
    net = twin.mlp.MLP([2, 3, 1], hidden="tanh", seed=5)
    return save_json(twin, net, tmp_path / name)


def test_a_missing_file_is_a_clear_file_not_found(twin, tmp_path):
    for name in ("nothing.json", "nothing.npz"):
        if name.endswith("npz") and twin.name == "scalar":
            continue
        with pytest.raises(FileNotFoundError, match="no model file at .*%s" % name):
            twin.serialize.load_model(tmp_path / name)


def test_every_truncation_is_refused(scalar, tmp_path):
    path = small_file(scalar, tmp_path)
    data = path.read_bytes()
    assert data.endswith(b"}\n")
    for cut in range(0, len(data) - 2, 7):
        path.write_bytes(data[:cut])
        with pytest.raises(ModelFileError, match="truncated or corrupted JSON"):
            scalar.serialize.load_model(path)


def test_corrupted_bytes_are_refused(scalar, tmp_path):
    path = small_file(scalar, tmp_path)
    data = path.read_bytes()
    middle = len(data) // 2
    path.write_bytes(data[:middle] + b"\xff\xfe\x00\x13" + data[middle + 4:])
    with pytest.raises(ModelFileError, match=r"model\.json is not a twin-nn model file: truncated or corrupted"):
        scalar.serialize.load_model(path)


def test_random_byte_damage_never_escapes_as_another_error(scalar, tmp_path):
    # A damaged byte may still leave valid JSON that passes every check (a digit
    # changed inside a weight: JSON has no checksum, see MODEL_FORMAT.md); then
    # the file loads.  Anything else must be a ModelFileError, never a crash.
    path = small_file(scalar, tmp_path)
    data = path.read_bytes()
    r = random.Random(99)
    refused = 0
    for _ in range(150):
        damaged = bytearray(data)
        damaged[r.randrange(len(data))] = r.randrange(256)
        path.write_bytes(bytes(damaged))
        try:
            scalar.serialize.load_model(path)
        except ModelFileError:
            refused += 1
    assert refused > 50


# The JSON reader -- parsing, every check of the document, the error messages --
# is shared code (scalar_nn/toolkit/serialize.py): both twins' load_model call
# it before building their own MLP.  So the refusals of this section run once, in the
# scalar twin; what the vector twin adds (choosing JSON or .npz by the name,
# then its MLP class) is pinned by this test and the tests that load files.

@pytest.mark.parametrize("broken", ["truncated", "bad version"])
def test_the_vector_twin_reads_json_through_the_same_checks(scalar, vector, tmp_path, broken):
    path = small_file(vector, tmp_path)
    if broken == "truncated":
        path.write_bytes(path.read_bytes()[:40])
    else:
        doc = read_doc(path)
        doc["version"] = 2
        write_doc(path, doc)
    errors = []
    for twin in (scalar, vector):
        with pytest.raises(ModelFileError) as info:
            twin.serialize.load_model(path)
        errors.append(str(info.value))
    assert errors[0] == errors[1]


DELETE = object()

BAD_DOCUMENTS = [
    ("format", "keras-model", r"format is 'keras-model', expected 'twin-nn-model'"),
    ("format", DELETE, r"no \"format\" key"),
    ("version", 2, r"version 2 is newer than this twin-nn can read \(version 1\): upgrade"),
    ("version", 0, r"unsupported format version 0"),
    ("version", "1", r"version must be an integer"),
    ("options", DELETE, r"missing key 'options'"),
    ("params", DELETE, r"missing key 'params'"),
    ("extra", 1, r"unknown key 'extra'"),
    ("sizes", [2, 4, 1], r"params\.W1 has shape \(2, 3\), but sizes \[2, 4, 1\] need \(2, 4\)"),
    ("sizes", "2-3-1", r"sizes must be a list"),
    ("sizes", [2, 0, 1], r"every layer size must be a positive integer"),
    ("hidden", "gelu", r"unknown hidden activation 'gelu'"),
    ("hidden", 3, r"hidden must be a string"),
    ("loss", "bce", r"output 'linear' does not go with loss 'bce'"),
    ("params.W1", [[0.1, 0.2, 0.3]], r"params\.W1 has shape \(1, 3\), but sizes \[2, 3, 1\] need \(2, 3\)"),
    ("params.W1", [[0.1, 0.2, 0.3], [0.4, 0.5]], r"params\.W1 has shape ragged rows"),
    ("params.b1", [0.0, 0.0], r"params\.b1 has shape \(2,\), but sizes \[2, 3, 1\] need \(3,\)"),
    ("params.b1", 0.0, r"params\.b1 has shape a number"),
    ("params.W9", [[1.0]], r"unknown parameter name 'W9'.*W1, b1, W2, b2"),
    ("params.gamma1", [1.0, 1.0, 1.0], r"unknown parameter name 'gamma1'.*batchnorm=false"),
    ("params.b2", DELETE, r"params is missing b2"),
    ("params.W1.0.1", "0.5", r"params\.W1\[0\]\[1\] is '0\.5': expected a number"),
    ("params.b1.2", True, r"params\.b1\[2\] is True: expected a number"),
    ("params.b1.2", 10 ** 400, r"params\.b1\[2\] is too large for a float64"),
    ("buffers.running_mean1", [0.0, 0.0, 0.0], r"unknown buffer name 'running_mean1'"),
    ("options.batchnorm", "yes", r"options\.batchnorm must be true or false"),
    ("options.seed", 1.5, r"options\.seed must be an integer"),
    ("options.dropout", 1.0, r"dropout must lie in \[0, 1\)"),
    ("options.momentum", 0.9, r"options must have exactly .*unknown \['momentum'\]"),
    ("options.l2", DELETE, r"missing \['l2'\]"),
    ("history", [1, 2], r"history must be an object"),
    ("history", {"loss": 3}, r"history\.loss must be a list"),
    ("meta", "free text", r"meta must be an object"),
]


def fix_list_indices(doc, dotted, value):
    """``edit`` that also walks list indices ("params.W1.0.1")."""
    keys = dotted.split(".")
    target = doc
    for key in keys[:-1]:
        target = target[int(key)] if isinstance(target, list) else target[key]
    last = keys[-1]
    if isinstance(target, list):
        target[int(last)] = value
    elif value is DELETE:
        del target[last]
    else:
        target[last] = value


@pytest.mark.parametrize("dotted,value,message", BAD_DOCUMENTS,
                         ids=["%s=%s" % (d, "DELETE" if v is DELETE else v) for d, v, _ in BAD_DOCUMENTS])
def test_a_bad_document_is_refused_with_its_problem_named(scalar, tmp_path, dotted, value, message):
    path = small_file(scalar, tmp_path)
    doc = read_doc(path)
    fix_list_indices(doc, dotted, value)
    write_doc(path, doc)
    with pytest.raises(ModelFileError, match=message) as info:
        scalar.serialize.load_model(path)
    assert str(path) in str(info.value)
    with pytest.raises(ValueError, match=message):     # the same check, for a dict in memory
        scalar.serialize.model_from_dict(doc)


@pytest.mark.parametrize("spelling,message", [
    ("NaN", r"params\.W1\[0\]\[0\] is nan"),
    ("-Infinity", r"params\.W1\[0\]\[0\] is -inf"),
    ("1e999", r"params\.W1\[0\]\[0\] is inf"),
])
def test_a_hand_edited_non_finite_weight_is_refused(scalar, tmp_path, spelling, message):
    path = small_file(scalar, tmp_path)
    text = path.read_text()
    first = repr(read_doc(path)["params"]["W1"][0][0])
    assert text.count(first) == 1
    path.write_text(text.replace(first, spelling))
    with pytest.raises(ModelFileError, match=message + ": numbers in a model file must be finite"):
        scalar.serialize.load_model(path)


def test_a_non_finite_number_in_meta_or_history_is_refused(scalar, tmp_path):
    path = small_file(scalar, tmp_path)
    text = path.read_text()
    path.write_text(text.replace('"buffers": {}', '"buffers": {}, "meta": {"score": NaN}'))
    with pytest.raises(ModelFileError, match=r"meta\.score is nan"):
        scalar.serialize.load_model(path)


def test_other_json_that_is_not_a_model_is_refused(scalar, tmp_path):
    path = tmp_path / "list.json"
    for text, message in [("[1, 2, 3]", "a model document is a JSON object"),
                          ('{"a": 1, "a": 2}', "duplicate key 'a'"),
                          ('{"format": "twin-nn-model", "format": "x"}', "duplicate key 'format'"),
                          ("[" * 100000, "truncated or corrupted JSON")]:
        path.write_text(text)
        with pytest.raises(ModelFileError, match=message):
            scalar.serialize.load_model(path)


def test_a_utf8_byte_order_mark_is_accepted(twin, tmp_path):
    path = small_file(twin, tmp_path)
    net = twin.serialize.load_model(path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())        # as some Windows editors save
    assert_same_network(twin.serialize.load_model(path), net)


def test_the_scalar_twin_points_npz_files_to_the_vector_twin(scalar, vector, tmp_path):
    net = vector.mlp.MLP([2, 3, 1])
    vector.serialize.save_npz(net, tmp_path / "m.npz")
    with pytest.raises(ModelFileError, match="is a NumPy .npz archive.*vector_nn"):
        scalar.serialize.load_model(tmp_path / "m.npz")
    with pytest.raises(ValueError, match="scalar_nn writes JSON model files only"):
        scalar.serialize.save_model(scalar.mlp.MLP([2, 3, 1]), tmp_path / "s.npz")


def test_a_path_must_be_a_path(twin):
    with pytest.raises(TypeError, match="path must be a str or os.PathLike"):
        twin.serialize.load_model(42)
    with pytest.raises(TypeError, match="path must be a str or os.PathLike"):
        twin.serialize.save_model(twin.mlp.MLP([2, 1]), None)


# ----------------------------------------------------------------- .npz files

def plain_npz(path, net, upper=False, bias_rows=False, **extra):
    """An .npz as another script would write it: lowercase w1, b1, ... and no metadata."""
    arrays = {}
    for name, value in net.params.items():
        key = name if upper else name[0].lower() + name[1:]
        a = np.asarray(value)
        arrays[key] = a.reshape(1, -1) if bias_rows and name[0] == "b" and name[1:].isdigit() else a
    arrays.update({name: np.asarray(v) for name, v in net.buffers.items()})
    arrays.update(extra)
    np.savez(str(path), **arrays)
    return path


def test_plain_npz_with_lowercase_keys_loads(vector, tmp_path):
    net, _ = trained(vector, "tanh-mse")
    path = plain_npz(tmp_path / "plain.npz", net)
    with np.load(str(path)) as f:
        assert sorted(f.files) == ["b1", "b2", "b3", "w1", "w2", "w3"]
    loaded = vector.serialize.load_npz(path, hidden="tanh")
    assert (loaded.hidden, loaded.output, loaded.loss_name) == ("tanh", "linear", "mse")
    for name in net.params:
        assert_same_bits(loaded.params[name], net.params[name], name)
    assert_same_bits(loaded.predict(X), net.predict(X), "predict(X)")
    # Without arguments: MLP's defaults, documented (sigmoid, linear, mse, seed 0, no L2).
    default = vector.serialize.load_model(path)
    assert (default.hidden, default.output, default.loss_name, default.seed, default.l2) == \
        ("sigmoid", "linear", "mse", 0, 0.0)


def test_plain_npz_variants(vector, tmp_path):
    net, _ = trained(vector, "bn-dropout-bce")
    path = plain_npz(tmp_path / "rows.npz", net, bias_rows=True)     # biases as (1, n) rows
    loaded = vector.serialize.load_npz(path, hidden="relu", output="sigmoid", loss="bce")
    assert loaded.batchnorm
    assert_same_bits(loaded.predict(X), net.eval().predict(X), "predict(X)")
    path = plain_npz(tmp_path / "upper.npz", net, upper=True)
    loaded = vector.serialize.load_npz(path, hidden="relu", output="sigmoid", loss="bce")
    assert_same_bits(loaded.predict(X), net.predict(X), "predict(X)")
    both = plain_npz(tmp_path / "both.npz", net, W1=np.asarray(net.params["W1"]))
    with pytest.raises(ModelFileError, match="both 'W1' and 'w1'"):
        vector.serialize.load_npz(both)
    no_stats = dict((k if k[0] != "W" else k.lower(), np.asarray(v)) for k, v in net.params.items())
    np.savez(str(tmp_path / "nostats.npz"), **no_stats)
    with pytest.raises(ModelFileError, match="buffers is missing running_mean1, running_var1"):
        vector.serialize.load_npz(tmp_path / "nostats.npz", hidden="relu")


@pytest.mark.parametrize("arrays,message", [
    (dict(w1=np.ones((2, 3)), b1=np.zeros(3), w2=np.ones((3, 1)), b2=np.zeros(1), w9=np.ones((1, 1))),
     r"unknown parameter name 'W9'"),
    (dict(w1=np.ones((2, 3)), b1=np.zeros(3), w2=np.ones((4, 1)), b2=np.zeros(1)),
     r"params\.W2 has shape \(4, 1\), but sizes \[2, 3, 1\] need \(3, 1\)"),
    (dict(w1=np.full((2, 3), np.nan), b1=np.zeros(3)), r"params\.W1\[0\]\[0\] is nan"),
    (dict(w1=np.ones((2, 3)), b1=np.array(["a", "b", "c"])), r"entry 'b1' has dtype <U1"),
    (dict(w1=np.ones((2, 3)), b1=np.zeros(3, dtype=np.complex128)), r"entry 'b1' has dtype complex128"),
    (dict(b1=np.zeros(3)), r"no W1 \(or w1\) in the archive: found b1"),
    (dict(w1=np.ones(3), b1=np.zeros(3)), r"W1 must be a 2-D array"),
])
def test_a_bad_plain_npz_is_refused(vector, tmp_path, arrays, message):
    path = tmp_path / "bad.npz"
    np.savez(str(path), **arrays)
    with pytest.raises(ModelFileError, match=message):
        vector.serialize.load_npz(path)


UNPICKLED = []


def _record_unpickling():
    UNPICKLED.append(True)
    return "payload ran"


class Payload:
    """An object whose unpickling runs code: what allow_pickle=False protects against."""

    def __reduce__(self):
        return (_record_unpickling, ())


def test_an_npz_with_a_pickled_object_array_is_refused_unopened(vector, tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(str(path), w1=np.array([[Payload(), 1.0]], dtype=object), b1=np.zeros(2), allow_pickle=True)
    with np.load(str(path), allow_pickle=True) as f:     # the writer's side: really a pickle inside
        assert f["w1"][0, 0] == "payload ran"
    del UNPICKLED[:]
    for load in (vector.serialize.load_npz, vector.serialize.load_model):
        with pytest.raises(ModelFileError, match=r"entry 'w1' is an object array.*never unpickles"):
            load(path)
    assert UNPICKLED == []


def test_npz_metadata_is_checked(vector, tmp_path):
    net, _ = trained(vector, "tanh-mse")
    path = tmp_path / "m.npz"
    vector.serialize.save_npz(net, path)
    with pytest.raises(ModelFileError, match=r"hidden='relu' was asked, but the file says hidden='tanh'"):
        vector.serialize.load_npz(path, hidden="relu")
    assert vector.serialize.load_npz(path, hidden="tanh", loss="mse").hidden == "tanh"
    with np.load(str(path)) as f:
        arrays = {k: f[k] for k in f.files}
    meta = json.loads(arrays["twin_nn_metadata"].tobytes().decode("utf-8"))
    assert meta["format"] == "twin-nn-model" and "params" not in meta and "buffers" not in meta

    def rewrite(**changes):
        np.savez(str(path), **dict(arrays, **changes))

    rewrite(twin_nn_metadata=np.frombuffer(json.dumps(dict(meta, version=2)).encode(), dtype=np.uint8))
    with pytest.raises(ModelFileError, match="version 2 is newer"):
        vector.serialize.load_npz(path)
    rewrite(twin_nn_metadata=np.array(json.dumps(meta)))
    with pytest.raises(ModelFileError, match="must be a 1-D uint8 array of UTF-8 JSON"):
        vector.serialize.load_npz(path)
    rewrite(twin_nn_metadata=np.frombuffer(b'{"format": "twin-nn-mo', dtype=np.uint8))
    with pytest.raises(ModelFileError, match="truncated or corrupted JSON"):
        vector.serialize.load_npz(path)
    rewrite(W1=arrays["W1"][:2])
    with pytest.raises(ModelFileError, match=r"params\.W1 has shape \(2, 5\), but sizes \[3, 5, 4, 1\] need \(3, 5\)"):
        vector.serialize.load_npz(path)
    w = arrays["W2"].copy()
    w[1, 2] = np.inf
    rewrite(W2=w)
    with pytest.raises(ModelFileError, match=r"params\.W2\[1\]\[2\] is inf"):
        vector.serialize.load_npz(path)
    rewrite(extra=np.zeros(2))
    with pytest.raises(ModelFileError, match="unknown parameter name 'extra'"):
        vector.serialize.load_npz(path)


def test_damaged_npz_files_are_refused(vector, tmp_path):
    net, _ = trained(vector, "tanh-mse")
    path = tmp_path / "m.npz"
    vector.serialize.save_npz(net, path)
    data = path.read_bytes()
    for cut in (0, 3, 10, len(data) // 3, len(data) // 2, len(data) - 30, len(data) - 1):
        path.write_bytes(data[:cut])
        with pytest.raises(ModelFileError, match="truncated or corrupted|not an .npz archive"):
            vector.serialize.load_npz(path)
    path.write_text("just some text")
    with pytest.raises(ModelFileError, match="not an .npz archive"):
        vector.serialize.load_npz(path)
    r = random.Random(5)
    refused = 0
    for _ in range(100):
        damaged = bytearray(data)
        damaged[r.randrange(len(data))] ^= 1 << r.randrange(8)
        path.write_bytes(bytes(damaged))
        try:
            vector.serialize.load_npz(path)
        except ModelFileError:
            refused += 1
    assert refused > 50          # the zip's CRC-32 catches a flipped bit in any stored array
