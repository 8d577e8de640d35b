"""``twin-nn train --data``, ``predict``, ``evaluate`` and ``info`` end to end through ``cli.main``, task by task.

Multiclass, binary and regression CSV files, trained, used and described in
each twin; models that move between the twins; the scalar twin doing it all
without NumPy.  (Refused input: test_cli_data_errors.py; ``--save`` and model
files: test_cli_model_files.py; helpers: cli_data_helpers.py.)
"""

import json
import os
import random
import re

from parity_tests.app.cli_data_helpers import binary_csv, multiclass_csv, ok, read_predictions, regression_csv


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


def test_a_json_model_from_the_vector_twin_predicts_the_same_in_the_scalar_twin(tmp_path):
    data = binary_csv(tmp_path / "shop.csv", n=30)
    model = tmp_path / "m.json"
    ok("train", "--data", data, "--target", "bought", "--twin", "vector", "--epochs", "5", "--save", model)
    assert read_predictions(ok("predict", model, "--data", data, "--twin", "scalar")) == \
        read_predictions(ok("predict", model, "--data", data, "--twin", "vector"))
