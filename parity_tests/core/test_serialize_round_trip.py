"""Model files: exact round trips and cross-twin loading (and what every model file must guarantee).

What a model file must guarantee:

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

Round trips and cross-twin loading are pinned here; atomic writes in
test_serialize_save.py, refused JSON files in test_serialize_load.py, .npz
files in test_serialize_npz.py (helpers shared by all four: serialize_helpers.py).
"""

import json
import math
import os
import random
import shutil
import struct
import subprocess

import numpy as np
import pytest

from parity_tests.conftest import to_list
from parity_tests.core.serialize_helpers import (
    ATTRIBUTES, CONFIGS, TARGETS, X, assert_same_bits, assert_same_network, hexes, read_doc, save_json, trained,
    write_doc)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
U = 2.0 ** -53          # unit roundoff of float64


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
