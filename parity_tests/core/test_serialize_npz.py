"""The vector twin's .npz model files: plain archives from other scripts, metadata, refused archives.

An .npz is read with allow_pickle=False, so an archive holding a pickled
object array is refused unopened.  (The round trips of twin-nn's own .npz
files are in test_serialize_round_trip.py.)
"""

import json
import random

import numpy as np
import pytest

from parity_tests.core.serialize_helpers import X, assert_same_bits, trained
from scalar_nn.toolkit.serialize import ModelFileError


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
