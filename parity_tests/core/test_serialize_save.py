"""Model files are written atomically, and a network that cannot be written is refused before any byte.

A failure at any point of a save (while writing, at fsync, at the rename,
Ctrl-C) leaves the old file byte-identical and no temporary file behind.
(The other guarantees of a model file: test_serialize_round_trip.py.)
"""

import os
import stat

import numpy as np
import pytest

from parity_tests.core.serialize_helpers import CONFIGS, assert_same_network, read_doc, trained


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
