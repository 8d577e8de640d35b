"""``twin-nn train --data``, ``predict``, ``evaluate`` and ``info``, end to end through ``cli.main``.

Also the model-file bugs of issue 9 that a user meets through the command
line: ``--save`` checked before training, errors that name the user's path
(never a temporary file), a duplicated JSON key, a folder given as a model
file, and byte-identical files when the same training is saved twice.

A "read-only folder" cannot be made with permissions when the tests run as
root (root ignores them): those tests put the path under a regular file, or
make the temporary file's creation fail the way a read-only folder would
(monkeypatch); the plain chmod test runs only for other users.
"""

import csv
import io
import json
import os
import random
import re

import pytest

from scalar_nn.toolkit import serialize as scalar_serialize


from twin_nn import cli


def run_cli(*argv):
    out = io.StringIO()
    return cli.main([str(a) for a in argv], out=out), out.getvalue()


def ok(*argv):
    status, text = run_cli(*argv)
    assert status == 0, text
    return text


def assert_cli_error(capsys, argv, *fragments, printed_nothing=False):
    status, text = run_cli(*argv)
    err = capsys.readouterr().err
    assert status == 2, (text, err)
    assert err.count("\n") == 1 and err.startswith("twin-nn: error: "), err
    assert "Traceback" not in err and ".tmp" not in err, err
    for fragment in fragments:
        assert str(fragment) in err, (fragment, err)
    if printed_nothing:
        assert text == "", text                      # refused before any reading or training
    return err


# ------------------------------------------------------------------ data
def regression_csv(path, n=60, seed=0):
    r = random.Random(seed)
    with open(str(path), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["area", "rooms", "price"])
        for _ in range(n):
            a, b = r.uniform(50, 250), r.randint(1, 6)
            w.writerow([repr(a), b, repr(0.01 * a + 0.3 * b + r.gauss(0, 0.05))])
    return str(path)


def binary_csv(path, n=60, seed=1):
    r = random.Random(seed)
    with open(str(path), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["age", "income", "bought"])
        for _ in range(n):
            age, income = r.uniform(20, 70), r.uniform(1000, 9000)
            w.writerow(["%.1f" % age, "%.0f" % income, "yes" if 100 * age + income > 8000 else "no"])
    return str(path)


def multiclass_csv(path, n=90, seed=2):
    r = random.Random(seed)
    names = ["setosa", "versicolor", "virginica"]
    with open(str(path), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["sepal", "petal", "species"])
        for i in range(n):
            k = i % 3
            w.writerow([repr(r.gauss(k, 0.3)), repr(r.gauss(-k, 0.3)), names[k]])
    return str(path)


def read_predictions(path_or_text):
    text = open(path_or_text).read() if os.path.exists(str(path_or_text)) else path_or_text
    return list(csv.reader(io.StringIO(text)))


# ------------------------------------------------------ the three tasks
def test_train_predict_evaluate_info_on_a_multiclass_csv_with_string_labels(tmp_path, twin):
    data = multiclass_csv(tmp_path / "iris.csv")
    model = tmp_path / ("iris.npz" if twin.name == "vector" else "iris.json")
    text = ok("train", "--data", data, "--target", "species", "--twin", twin.name, "--epochs", "30",
              "--seed", "1", "--save", model)
    assert "task: multiclass (inferred: 'species' holds 3 distinct text labels" in text
    assert "softmax output + cross_entropy loss" in text
    assert "labels: 0 = setosa, 1 = versicolor, 2 = virginica" in text
    assert "validation: 18 of 90 rows held out" in text and "epoch lines show training figures" in text
    assert "saved model to %s" % model in text

    predictions = read_predictions(ok("predict", model, "--data", data, "--twin", twin.name))
    assert predictions[0] == ["species"]
    truth = [row[2] for row in read_predictions(data)[1:]]
    assert sum(p[0] == t for p, t in zip(predictions[1:], truth)) >= 0.9 * len(truth)

    out = tmp_path / "p.csv"
    assert "wrote 90 predictions to %s" % out in ok("predict", model, "--data", data, "--proba",
                                                     "--out", out, "--twin", twin.name)
    rows = read_predictions(str(out))
    assert rows[0] == ["species", "p_setosa", "p_versicolor", "p_virginica"]
    assert all(abs(sum(map(float, row[1:])) - 1.0) < 1e-12 for row in rows[1:])
    assert [row[0] for row in rows] == [row[0] for row in predictions]

    text = ok("evaluate", model, "--data", data, "--twin", twin.name)
    assert "90 rows, target 'species'" in text and " accuracy " in text and "of 90 right" in text

    text = ok("info", model)
    assert "architecture: 2 -> 32 -> 16 -> 3  (tanh hidden, softmax output, cross_entropy loss)" in text
    assert "labels: 0 = setosa, 1 = versicolor, 2 = virginica" in text
    assert "data: iris.csv, target 'species' (multiclass), 2 features: sepal, petal" in text
    assert "scaling: standardized" in text
    assert "history: 30 epochs" in text and "val_loss: best" in text
    assert "trained: adam (lr 0.01, decay 0), 30 epochs, batch 32, val_split 0.2, seed 1, in %s_nn" % twin.name in text


def test_binary_csv_with_text_labels_writes_the_labels_back(tmp_path, twin):
    data = binary_csv(tmp_path / "shop.csv")
    model = tmp_path / "shop.json"
    text = ok("train", "--data", data, "--target", "bought", "--twin", twin.name, "--epochs", "40",
              "--save", model, "--quiet")
    assert "task: binary (inferred: 'bought' holds 2 distinct text labels" in text
    assert "sigmoid output + bce loss" in text and "labels: 0 = no, 1 = yes" in text
    assert not [line for line in text.splitlines() if line.startswith("epoch")]   # --quiet
    rows = read_predictions(ok("predict", model, "--data", data, "--proba", "--twin", twin.name))
    assert rows[0] == ["bought", "p_no", "p_yes"]
    assert set(row[0] for row in rows[1:]) <= {"no", "yes"}
    for label, p_no, p_yes in rows[1:]:
        assert (label == "yes") == (float(p_yes) > 0.5) and abs(float(p_no) + float(p_yes) - 1) < 1e-12
    text = ok("evaluate", model, "--data", data, "--twin", twin.name)
    assert "loss " in text and "accuracy " in text


def test_regression_csv_reports_mse_rmse_and_r2(tmp_path, twin):
    data = regression_csv(tmp_path / "houses.csv")
    model = tmp_path / "houses.json"
    text = ok("train", "--data", data, "--target", "price", "--twin", twin.name, "--epochs", "60",
              "--save", model, "--quiet", "--layers", "16")
    assert "task: regression (inferred: 'price' holds numbers" in text and "linear output + mse loss" in text
    assert "[2,16,1] tanh hidden" in text
    text = ok("train", "--data", data, "--target", "price", "--twin", twin.name, "--epochs", "1", "--quiet",
              "--layers", "none")
    assert "[2,1] no hidden layer" in text
    text = ok("evaluate", model, "--data", data, "--twin", twin.name)
    line = text.splitlines()[-1]
    assert " (standardized target)  mse " in line
    scores = dict(re.findall(r"(loss|mse|rmse|r2) (\S+)", line))
    scores = {k: float(v) for k, v in scores.items()}
    assert set(scores) == {"loss", "mse", "rmse", "r2"}
    assert abs(scores["rmse"] ** 2 - scores["mse"]) < 1e-5 * scores["mse"]     # printed to 6 digits and scores["r2"] > 0.8
    rows = read_predictions(ok("predict", model, "--data", data, "--twin", twin.name))
    assert rows[0] == ["price"] and len(rows) == 61 and all(float(r[0]) == float(r[0]) for r in rows[1:])
    assert "rmse: last" in ok("info", model)


def test_a_target_in_the_hundreds_of_thousands_is_standardized_and_scaled_back(tmp_path, twin):
    r = random.Random(3)
    path = tmp_path / "big.csv"
    sizes = [r.randint(40, 300) for _ in range(80)]
    path.write_text("size,price\n" + "".join("%d,%d\n" % (s, 1500 * s + r.randint(0, 999)) for s in sizes))
    model = tmp_path / "big.json"
    text = ok("train", "--data", path, "--target", "price", "--twin", twin.name, "--save", model, "--quiet")
    assert "target standardized too (mean " in text
    doc = json.loads(model.read_text())
    scaling = doc["meta"]["data"]["target_standardize"]
    assert 2e5 < scaling["mean"] < 4e5 and scaling["std"] > 5e4
    r2 = float(re.search(r"r2 (\S+)", ok("evaluate", model, "--data", path, "--twin", twin.name)).group(1))
    assert r2 > 0.99
    predicted = [float(row[0]) for row in read_predictions(ok("predict", model, "--data", path,
                                                               "--twin", twin.name))[1:]]
    assert all(abs(p - 1500 * s) < 0.05 * 1500 * s + 5000 for p, s in zip(predicted, sizes))
    assert "target scaling: the network predicts (price - " in ok("info", model)
    raw = tmp_path / "raw.json"
    text = ok("train", "--data", path, "--target", "price", "--twin", twin.name, "--no-standardize",
              "--epochs", "1", "--save", raw, "--quiet")
    assert "note: the target 'price' has mean" in text
    assert json.loads(raw.read_text())["meta"]["data"]["target_standardize"] is None


def test_proba_on_a_regression_model_is_refused(tmp_path, capsys):
    data = regression_csv(tmp_path / "houses.csv", n=20)
    model = tmp_path / "m.json"
    ok("train", "--data", data, "--target", "price", "--twin", "scalar", "--epochs", "1", "--save", model)
    assert_cli_error(capsys, ["predict", model, "--data", data, "--proba", "--twin", "scalar"],
                     "--proba applies to classification models")


def test_numeric_class_labels_and_sgd_options(tmp_path):
    path = tmp_path / "digits.csv"
    r = random.Random(5)
    lines = ["a,b,digit"] + ["%r,%r,%d" % (r.gauss(k, .2), r.gauss(k, .2), k) for k in (3, 7, 9) * 12]
    path.write_text("\n".join(lines) + "\n")
    model = tmp_path / "d.json"
    text = ok("train", "--data", path, "--target", "digit", "--twin", "scalar", "--optimizer", "sgd",
              "--lr", "0.1", "--momentum", "0.9", "--decay", "0.001", "--l2", "1e-4", "--dropout", "0.1",
              "--batchnorm", "--hidden", "relu", "--layers", "8", "--batch-size", "8", "--epochs", "20",
              "--val-split", "0.25", "--save", model, "--quiet")
    assert "holds 3 distinct whole numbers" in text and "labels: 0 = 3, 1 = 7, 2 = 9" in text
    assert "sgd lr 0.1 momentum 0.9 decay 0.001" in text and "batch 8" in text
    info = ok("info", model)
    assert "relu hidden" in info and "l2 0.0001" in info and "dropout 0.1" in info and "batchnorm on" in info
    labels = set(row[0] for row in read_predictions(ok("predict", model, "--data", path, "--twin", "scalar"))[1:])
    assert labels <= {"3", "7", "9"}


def test_a_model_trained_by_one_twin_predicts_the_same_in_the_other(tmp_path):
    data = multiclass_csv(tmp_path / "iris.csv")
    model = tmp_path / "m.json"
    ok("train", "--data", data, "--target", "species", "--twin", "scalar", "--epochs", "5", "--save", model)
    by_scalar = ok("predict", model, "--data", data, "--twin", "scalar")
    by_vector = ok("predict", model, "--data", data, "--twin", "vector")
    assert read_predictions(by_scalar) == read_predictions(by_vector)


def test_task_override_no_standardize_and_early_stopping(tmp_path):
    data = binary_csv(tmp_path / "shop.csv", n=80)
    model = tmp_path / "m.json"
    text = ok("train", "--data", data, "--target", "bought", "--task", "multiclass", "--no-standardize",
              "--early-stopping", "2", "--epochs", "200", "--lr", "0.05", "--twin", "scalar", "--save", model)
    assert "task: multiclass (--task)" in text and "used as they are" in text
    assert "early stopping at epoch" in text
    info = ok("info", model)
    assert "scaling: none" in info and "early stopping 2" in info
    doc = json.loads(open(str(model)).read())
    assert doc["meta"]["data"]["standardize"] is None and doc["sizes"][-1] == 2


def test_new_data_with_the_columns_in_another_order_and_the_target_left_out(tmp_path):
    data = multiclass_csv(tmp_path / "iris.csv")
    model = tmp_path / "m.json"
    ok("train", "--data", data, "--target", "species", "--twin", "scalar", "--epochs", "5", "--save", model)
    rows = read_predictions(data)
    swapped = tmp_path / "new.csv"
    swapped.write_text("\n".join(",".join([r[1], r[0]]) for r in rows) + "\n")
    assert ok("predict", model, "--data", swapped, "--twin", "scalar") == \
        ok("predict", model, "--data", data, "--twin", "scalar")


# ----------------------------------------------------- predict-time errors
@pytest.fixture
def iris_model(tmp_path):
    data = multiclass_csv(tmp_path / "iris.csv", n=30)
    model = tmp_path / "iris.json"
    ok("train", "--data", data, "--target", "species", "--twin", "scalar", "--epochs", "2", "--save", model)
    return str(model)


def test_evaluate_names_a_label_the_model_never_saw(tmp_path, capsys, twin, iris_model):
    path = tmp_path / "test.csv"
    path.write_text("sepal,petal,species\n1,2,setosa\n0.5,0.1,tulip\n")
    assert_cli_error(capsys, ["evaluate", iris_model, "--data", path, "--twin", twin.name],
                     path, "row 3, column 'species' (column 3): label 'tulip' was never seen in training")


@pytest.mark.parametrize("content, fragment", [
    ("sepal,species\n1,setosa\n", "no column 'petal'"),
    ("a,b\n1,2\n", "no columns 'sepal', 'petal'"),
])
def test_predict_refuses_a_header_that_does_not_match(tmp_path, capsys, twin, iris_model, content, fragment):
    path = tmp_path / "new.csv"
    path.write_text(content)
    for command in ("predict", "evaluate"):
        assert_cli_error(capsys, [command, iris_model, "--data", path, "--twin", twin.name],
                         path, "does not match the model", fragment)


def test_evaluate_needs_the_target_column(tmp_path, capsys, iris_model):
    path = tmp_path / "new.csv"
    path.write_text("sepal,petal\n1,2\n")
    assert_cli_error(capsys, ["evaluate", iris_model, "--data", path, "--twin", "scalar"],
                     "has no target column 'species'")


def test_a_model_without_column_names_reads_columns_in_order(tmp_path, capsys, twin):
    """A recipe's model stores no feature names: the feature count must match."""
    model = tmp_path / "people.json"
    ok("train", "people-221", "--twin", "scalar", "--epochs", "3", "--quiet", "--save", model)
    good = tmp_path / "people.csv"
    good.write_text("weight,height\n-2,-1\n25,6\n")
    assert read_predictions(ok("predict", model, "--data", good, "--twin", twin.name))[0] == ["prediction"]
    bad = tmp_path / "three.csv"
    bad.write_text("a,b,c\n1,2,3\n")
    assert_cli_error(capsys, ["predict", model, "--data", bad, "--twin", twin.name],
                     bad, "has 3 columns, but the model takes 2 features")
    scored = tmp_path / "scored.csv"
    scored.write_text("weight,height,gender\n-2,-1,1\n25,6,0\n")
    assert "2 rows, target 'gender'" in ok("evaluate", model, "--data", scored, "--target", "gender",
                                           "--twin", twin.name)
    assert_cli_error(capsys, ["evaluate", model, "--data", scored, "--twin", twin.name], "pass --target COLUMN")
    assert "recipe: people-221" in ok("info", model)


def test_the_scalar_twin_points_an_npz_model_to_the_vector_twin(tmp_path, capsys):
    data = multiclass_csv(tmp_path / "iris.csv", n=30)
    model = tmp_path / "m.npz"
    ok("train", "--data", data, "--target", "species", "--epochs", "1", "--save", model)
    assert_cli_error(capsys, ["predict", model, "--data", data, "--twin", "scalar"], model, "--twin vector")
    assert "NumPy .npz archive" in ok("info", model)


# ----------------------------------------------------------- argument errors
@pytest.mark.parametrize("argv, fragments", [
    (["train"], ["give a RECIPE", "--data FILE.csv"]),
    (["train", "people-221", "--data", "x.csv"], ["either a RECIPE", "not both"]),
    (["train", "people-221", "--layers", "4"], ["--layers applies to --data training only"]),
    (["train", "--data", "x.csv"], ["--data needs --target COLUMN"]),
    (["train", "--data", "", "--target", "y"], ["--data needs a file name"]),
    (["train", "--data", "x.csv", "--target", "y", "--optimizer", "adam", "--momentum", "0.9"],
     ["--momentum and --dampening apply to --optimizer sgd"]),
    (["train", "--data", "x.csv", "--target", "y", "--check"], ["--check tests a recipe's quality target"]),
])
def test_train_argument_mistakes_are_one_line(capsys, argv, fragments):
    assert_cli_error(capsys, argv, *fragments, printed_nothing=True)


@pytest.mark.parametrize("argv, option", [
    (["train", "--data", "x.csv", "--target", "y", "--layers", "32,x"], "--layers"),
    (["train", "--data", "x.csv", "--target", "y", "--layers", "0"], "--layers"),
    (["train", "--data", "x.csv", "--target", "y", "--dropout", "1"], "--dropout"),
    (["train", "--data", "x.csv", "--target", "y", "--val-split", "-0.1"], "--val-split"),
    (["train", "--data", "x.csv", "--target", "y", "--task", "ranking"], "--task"),
    (["predict", "m.json"], "--data"),
])
def test_bad_values_are_argparse_errors(capsys, argv, option):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv, out=io.StringIO())
    assert exc.value.code == 2
    assert option in capsys.readouterr().err


def test_early_stopping_needs_a_validation_split(tmp_path, capsys):
    data = binary_csv(tmp_path / "shop.csv")
    assert_cli_error(capsys, ["train", "--data", data, "--target", "bought", "--val-split", "0",
                              "--early-stopping", "3"], "--early-stopping watches the validation loss")


@pytest.mark.parametrize("command", ["train", "predict", "evaluate", "info"])
def test_help_of_each_data_command_has_an_example(command, capsys):
    with pytest.raises(SystemExit):
        cli.main([command, "--help"])
    text = capsys.readouterr().out
    assert "example" in text and "twin-nn %s " % command in text.split("example", 1)[1]
    if command == "train":
        for option in ("--data", "--target", "--task", "--layers", "--hidden", "--optimizer", "--lr",
                       "--momentum", "--dampening", "--decay", "--l2", "--dropout", "--batchnorm",
                       "--epochs", "--batch-size", "--val-split", "--early-stopping", "--seed", "--twin",
                       "--save", "--no-standardize", "RECIPE"):
            assert option in text, option


# ------------------------------------------------------- --save up front
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


# --------------------------------------------------- reading model files
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


NO_NUMPY = r'''
import importlib.abc, io, sys


class BlockNumpy(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "numpy" or name.startswith("numpy."):
            raise ImportError("numpy is blocked in this test")
        return None


sys.meta_path.insert(0, BlockNumpy())
from twin_nn import cli
data, model = sys.argv[1], sys.argv[2]
for argv in (["train", "--data", data, "--target", "species", "--twin", "scalar", "--epochs", "2",
              "--save", model, "--quiet"],
             ["predict", model, "--data", data, "--twin", "scalar"],
             ["evaluate", model, "--data", data, "--twin", "scalar"],
             ["info", model]):
    status = cli.main(argv, out=io.StringIO())
    assert status == 0, argv
print("numpy" in sys.modules, any(m.startswith("vector_nn") for m in sys.modules))
'''


def test_the_scalar_twin_trains_predicts_and_evaluates_a_csv_without_numpy(tmp_path):
    import subprocess
    import sys
    data = multiclass_csv(tmp_path / "iris.csv", n=30)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    done = subprocess.run([sys.executable, "-c", NO_NUMPY, data, str(tmp_path / "m.json")], cwd=root,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]


def test_a_csv_file_given_as_the_recipe_points_to_data(tmp_path, capsys):
    data = binary_csv(tmp_path / "my.csv", n=5)
    assert_cli_error(capsys, ["train", data], data, "is a file, not a recipe", "--data %s --target COLUMN" % data,
                     printed_nothing=True)
    assert_cli_error(capsys, ["train", "my.csv"], "use --data my.csv --target COLUMN")


def test_divergence_without_standardization_blames_the_raw_features_too(tmp_path, capsys):
    path = tmp_path / "raw.csv"
    path.write_text("a,b,y\n" + "".join("%d,%d,%d\n" % (1e6 * i, 3e6 - i, i % 2) for i in range(40)))
    err = assert_cli_error(capsys, ["train", "--data", path, "--target", "y", "--task", "regression",
                                    "--no-standardize", "--optimizer", "sgd", "--lr", "10", "--quiet"],
                           "at epoch", "--no-standardize feeds them raw")   # the loss ran away, or a weight
    assert "drop --no-standardize" in err


def test_a_json_model_from_the_vector_twin_predicts_the_same_in_the_scalar_twin(tmp_path):
    data = binary_csv(tmp_path / "shop.csv", n=30)
    model = tmp_path / "m.json"
    ok("train", "--data", data, "--target", "bought", "--twin", "vector", "--epochs", "5", "--save", model)
    assert read_predictions(ok("predict", model, "--data", data, "--twin", "scalar")) == \
        read_predictions(ok("predict", model, "--data", data, "--twin", "vector"))
