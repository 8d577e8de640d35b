"""The command line and files: ``--save`` (and ``--csv``, ``--out``) checked before any work, model files read.

The model-file bugs of issue 9 that a user meets through the command line:
``--save`` checked before training, errors that name the user's path (never a
temporary file), a duplicated JSON key, a folder given as a model file, and
byte-identical files when the same training is saved twice.

A "read-only folder" cannot be made with permissions when the tests run as
root (root ignores them): those tests put the path under a regular file, or
make the temporary file's creation fail the way a read-only folder would
(monkeypatch); the plain chmod test runs only for other users.
"""

import json
import os

import pytest

from parity_tests.app.cli_data_helpers import assert_cli_error, binary_csv, multiclass_csv, ok


@pytest.fixture
def shop(tmp_path):
    return binary_csv(tmp_path / "shop.csv", n=20)


def save_cases(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    folder = tmp_path / "folder"
    folder.mkdir()
    return [
        (str(tmp_path / "missing" / "m.json"), ["does not exist"]),
        (str(folder), ["it is a folder"]),
        (str(tmp_path / "new-folder") + os.sep, ["names a folder"]),
        (str(blocker / "m.json"), ["is a file, not a folder"]),
    ]


@pytest.mark.parametrize("case", range(4))
def test_save_is_checked_before_training(tmp_path, capsys, twin, shop, case):
    path, fragments = save_cases(tmp_path)[case]
    for argv in (["train", "--data", shop, "--target", "bought"], ["train", "people-221"]):
        assert_cli_error(capsys, argv + ["--twin", twin.name, "--save", path], path, *fragments,
                         printed_nothing=True)


def test_save_as_npz_in_the_scalar_twin_says_twin_vector(tmp_path, capsys, shop):
    path = tmp_path / "m.npz"
    for argv in (["train", "--data", shop, "--target", "bought"], ["train", "people-221"]):
        assert_cli_error(capsys, argv + ["--twin", "scalar", "--save", path], path, "--twin vector",
                         printed_nothing=True)
    assert not path.exists()


def test_an_empty_save_path_is_an_error(capsys, shop):
    for argv in (["train", "--data", shop, "--target", "bought"], ["train", "people-221"]):
        assert_cli_error(capsys, argv + ["--save", ""], "--save needs a file name", printed_nothing=True)


def fail_like_a_read_only_folder(monkeypatch):
    """Creating the temporary file fails as in a read-only folder (root ignores real permissions)."""
    def refuse(directory, name):
        temp = os.path.join(directory, ".%s.123.0.tmp" % name)
        raise PermissionError(13, "Permission denied", temp)
    from scalar_nn.toolkit import files
    monkeypatch.setattr(files, "_create_temp", refuse)


def test_a_read_only_place_is_refused_before_training(tmp_path, capsys, monkeypatch, twin, shop):
    fail_like_a_read_only_folder(monkeypatch)
    path = tmp_path / "m.json"
    assert_cli_error(capsys, ["train", "--data", shop, "--target", "bought", "--twin", twin.name,
                              "--save", path], "cannot write %s" % path, "permission denied", printed_nothing=True)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="running as root, which writes into read-only folders anyway")
def test_a_really_read_only_folder_is_refused_before_training(tmp_path, capsys, shop):
    folder = tmp_path / "ro"
    folder.mkdir()
    os.chmod(str(folder), 0o500)
    try:
        assert_cli_error(capsys, ["train", "--data", shop, "--target", "bought", "--save", folder / "m.json"],
                         folder / "m.json", "permission denied", printed_nothing=True)
    finally:
        os.chmod(str(folder), 0o700)


@pytest.mark.parametrize("case", range(4))
def test_overclock_csv_is_checked_before_the_runs(tmp_path, capsys, case):
    path, fragments = save_cases(tmp_path)[case]
    assert_cli_error(capsys, ["overclock", "people-221", "--epochs", "3", "--csv", path], path, *fragments,
                     printed_nothing=True)


def test_overclock_csv_in_a_read_only_place_names_the_users_path(tmp_path, capsys, monkeypatch):
    fail_like_a_read_only_folder(monkeypatch)
    path = tmp_path / "ab.csv"
    assert_cli_error(capsys, ["overclock", "people-221", "--epochs", "3", "--csv", path],
                     "cannot write %s" % path, printed_nothing=True)


def test_an_empty_csv_path_for_overclock_is_an_error(capsys):
    assert_cli_error(capsys, ["overclock", "people-221", "--epochs", "3", "--csv", ""],
                     "--csv needs a file name", printed_nothing=True)


def test_predict_out_is_checked_before_reading(tmp_path, capsys, iris_model):
    path, fragments = save_cases(tmp_path)[1]
    assert_cli_error(capsys, ["predict", iris_model, "--data", tmp_path / "nothing.csv", "--out", path],
                     path, *fragments, printed_nothing=True)


def test_a_folder_or_a_missing_file_as_the_model_is_one_line(tmp_path, capsys, twin):
    folder = tmp_path / "models.json"
    folder.mkdir()
    npz_folder = tmp_path / "models.npz"
    npz_folder.mkdir()
    data = binary_csv(tmp_path / "d.csv", n=5)
    for model in (folder, npz_folder) if twin.name == "vector" else (folder,):
        for argv in (["predict", model, "--data", data], ["evaluate", model, "--data", data]):
            assert_cli_error(capsys, argv + ["--twin", twin.name], model, "is a folder, not a model file")
    assert_cli_error(capsys, ["info", folder], folder, "is a folder, not a model file")
    assert_cli_error(capsys, ["info", tmp_path / "none.json"], "no model file at", "none.json")


def test_a_duplicated_key_in_a_model_file_names_the_file_in_the_cli(tmp_path, capsys, iris_model):
    text = open(iris_model).read()
    doubled = tmp_path / "doubled.json"
    doubled.write_text(text.replace('"hidden": "tanh",', '"hidden": "tanh",\n  "hidden": "relu",'))
    assert_cli_error(capsys, ["info", doubled], doubled, "duplicate key 'hidden'")


def test_the_same_training_saved_twice_is_byte_identical(tmp_path, twin):
    data = multiclass_csv(tmp_path / "iris.csv", n=30)
    suffixes = ("json", "npz") if twin.name == "vector" else ("json",)
    for suffix in suffixes:
        a, b = tmp_path / ("a." + suffix), tmp_path / ("b." + suffix)
        for path in (a, b):
            ok("train", "--data", data, "--target", "species", "--twin", twin.name, "--epochs", "3",
               "--save", path, "--quiet")
        assert a.read_bytes() == b.read_bytes()
    doc = json.loads((tmp_path / "a.json").read_text())
    assert "seconds" not in doc["history"]
