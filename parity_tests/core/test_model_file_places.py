"""Model files and the places they go, both twins, JSON and .npz (first reported in issue 9).

* A path that cannot be written (a folder, ``new-folder/``, a missing
  folder, a file where a folder should be, a read-only place) is one clear
  error that names the user's path, never the temporary file, and leaves
  nothing behind.  ``check_destination`` says so before any work is done.
* Reading a folder as a model file is one clear error naming the path.
* A duplicated JSON key is a ModelFileError that names the file.
* The same training saved twice gives byte-identical files: the wall-clock
  seconds per epoch are not written (older files that hold them still load).

Root ignores permissions, so a read-only folder is imitated: the temporary
file's creation (or the final rename) fails as it would there.
"""

import json
import os

import numpy as np
import pytest

from scalar_nn.toolkit import files
from scalar_nn.toolkit import serialize as scalar_serialize
from scalar_nn.toolkit.serialize import ModelFileError

X = [[0.5, -1.0], [1.5, 2.0], [-0.3, 0.7], [2.0, -2.0]]
Y = [[0.2], [0.9], [0.4], [0.1]]


def small_net(twin):
    return twin.mlp.MLP([2, 3, 1], hidden="tanh", seed=4)


def trained(twin):
    net = small_net(twin)
    history = net.fit(X, Y, twin.optim.Adam(0.01), epochs=3, batch_size=2, seed=1, verbose=0)
    return net, history


def suffixes(twin):
    return ("json", "npz") if twin.name == "vector" else ("json",)


def unwritable_paths(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("I am a file")
    folder = tmp_path / "folder"
    folder.mkdir()
    return [
        (str(folder), IsADirectoryError, "it is a folder"),
        (str(folder) + os.sep, IsADirectoryError, "names a folder"),
        (str(tmp_path / "new-folder") + os.sep, IsADirectoryError, "names a folder"),
        (str(tmp_path / "missing" / "m.json"), FileNotFoundError, "does not exist"),
        (str(blocker / "m.json"), NotADirectoryError, "is a file, not a folder"),
        (str(blocker / "deeper" / "m.json"), NotADirectoryError, "is a file, not a folder"),
    ]


def all_files(tmp_path):
    return sorted(os.path.relpath(os.path.join(d, f), str(tmp_path))
                  for d, _, files in os.walk(str(tmp_path)) for f in files)


@pytest.mark.parametrize("case", range(6))
def test_saving_where_no_file_can_go_names_the_users_path(twin, tmp_path, case):
    path, error, fragment = unwritable_paths(tmp_path)[case]
    before = all_files(tmp_path)
    net = small_net(twin)
    writers = [twin.serialize.save_model, twin.serialize.check_destination]
    if twin.name == "vector":
        writers.append(twin.serialize.save_npz)
    for write in writers:
        args = (path,) if write is twin.serialize.check_destination else (net, path)
        with pytest.raises(error) as exc:
            write(*args)
        message = str(exc.value)
        assert message.startswith("cannot write %s: " % path) and fragment in message, message
        assert ".tmp" not in message and "\n" not in message
    assert all_files(tmp_path) == before                         # nothing left behind


def refuse_temp_files(monkeypatch):
    def refuse(directory, name):
        raise PermissionError(13, "Permission denied", os.path.join(directory, ".%s.1.0.tmp" % name))
    monkeypatch.setattr(files, "_create_temp", refuse)


def test_a_read_only_folder_names_the_users_path(twin, tmp_path, monkeypatch):
    refuse_temp_files(monkeypatch)
    for suffix in suffixes(twin):
        path = str(tmp_path / ("m." + suffix))
        for call in (lambda: twin.serialize.save_model(small_net(twin), path),
                     lambda: twin.serialize.check_destination(path)):
            with pytest.raises(PermissionError) as exc:
                call()
            assert str(exc.value).startswith("cannot write %s: permission denied" % path)
            assert ".tmp" not in str(exc.value)


def test_a_failing_rename_names_the_users_path_and_removes_the_temp_file(twin, tmp_path, monkeypatch):
    def failing_replace(src, dst):
        raise IsADirectoryError(21, "Is a directory", src)
    monkeypatch.setattr(files.os, "replace", failing_replace)
    for suffix in suffixes(twin):
        path = str(tmp_path / ("m." + suffix))
        with pytest.raises(IsADirectoryError) as exc:
            twin.serialize.save_model(small_net(twin), path)
        assert str(exc.value) == "cannot write %s: Is a directory" % path
    assert all_files(tmp_path) == []


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="running as root, which writes into read-only folders anyway")
def test_a_really_read_only_folder(twin, tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    os.chmod(str(folder), 0o500)
    try:
        with pytest.raises(PermissionError, match="cannot write .*m.json: permission denied"):
            twin.serialize.save_model(small_net(twin), folder / "m.json")
    finally:
        os.chmod(str(folder), 0o700)


def test_check_destination_leaves_nothing_behind_and_keeps_an_existing_file(twin, tmp_path):
    path = tmp_path / "m.json"
    assert twin.serialize.check_destination(path) == str(path)
    assert all_files(tmp_path) == []
    path.write_text("old")
    twin.serialize.check_destination(path)
    assert path.read_text() == "old" and all_files(tmp_path) == ["m.json"]
    with pytest.raises(ValueError, match="path is empty"):
        twin.serialize.check_destination("")


# -------------------------------------------------------------- reading
def test_loading_a_folder_names_the_users_path(twin, tmp_path):
    for suffix in suffixes(twin) + ("",):
        folder = tmp_path / ("models." + suffix if suffix else "models")
        folder.mkdir()
        for load in (twin.serialize.load_model, twin.serialize.load_model_file):
            with pytest.raises(IsADirectoryError) as exc:
                load(folder)
            assert str(exc.value) == "cannot read %s: it is a folder, not a model file" % folder
    if twin.name == "vector":
        with pytest.raises(IsADirectoryError, match="it is a folder"):
            twin.serialize.load_npz(tmp_path / "models.npz")


def test_a_missing_file_is_still_a_file_not_found(twin, tmp_path):
    for suffix in suffixes(twin):
        with pytest.raises(FileNotFoundError, match="no model file at .*nothing"):
            twin.serialize.load_model(tmp_path / ("nothing." + suffix))


def test_a_duplicated_key_names_the_file(twin, tmp_path):
    path = tmp_path / "doubled.json"
    twin.serialize.save_model(small_net(twin), path)
    text = path.read_text()
    path.write_text(text.replace('"hidden": "tanh",', '"hidden": "tanh",\n  "hidden": "relu",'))
    with pytest.raises(ModelFileError) as exc:
        twin.serialize.load_model(path)
    assert str(path) in str(exc.value) and "duplicate key 'hidden'" in str(exc.value)
    nested = tmp_path / "nested.json"
    nested.write_text(text.replace('"l2": 0.0,', '"l2": 0.0, "l2": 1.0,'))
    with pytest.raises(ModelFileError, match=r"nested\.json.*duplicate key 'l2'"):
        twin.serialize.load_model_file(nested)


def test_a_duplicated_key_in_npz_metadata_names_the_file(vector, tmp_path):
    path = tmp_path / "m.npz"
    vector.serialize.save_npz(small_net(vector), path)
    with np.load(str(path)) as archive:
        arrays = {name: archive[name] for name in archive.files}
    meta = arrays["twin_nn_metadata"].tobytes().decode()
    meta = meta.replace('"hidden": "tanh",', '"hidden": "tanh", "hidden": "tanh",')
    arrays["twin_nn_metadata"] = np.frombuffer(meta.encode(), dtype=np.uint8)
    np.savez(str(path), **arrays)
    with pytest.raises(ModelFileError) as exc:
        vector.serialize.load_model(path)
    assert str(path) in str(exc.value) and "duplicate key 'hidden'" in str(exc.value)


# --------------------------------------------------------- byte-identical
def test_the_same_training_saved_twice_is_byte_identical(twin, tmp_path):
    for suffix in suffixes(twin):
        saved = []
        for k in range(2):
            net, history = trained(twin)
            path = tmp_path / ("run%d.%s" % (k, suffix))
            twin.serialize.save_model(net, path, history=history, meta={"twin": twin.name})
            saved.append(path.read_bytes())
        assert saved[0] == saved[1]


def test_seconds_are_not_written_but_old_files_with_them_still_load(twin, tmp_path):
    net, history = trained(twin)
    assert len(history.seconds) == 3                                   # still measured
    assert "seconds" not in history.to_dict() and len(history.to_dict(seconds=True)["seconds"]) == 3
    path = tmp_path / "m.json"
    twin.serialize.save_model(net, path, history=history)
    doc = json.loads(path.read_text())
    assert "seconds" not in doc["history"]
    doc["history"]["seconds"] = [0.25, 0.5, 0.125]                   # as older twin-nn wrote it
    path.write_text(json.dumps(doc))
    loaded = twin.serialize.load_model_file(path)
    assert loaded.history.seconds == [0.25, 0.5, 0.125]
    assert loaded.history.loss == history.loss
