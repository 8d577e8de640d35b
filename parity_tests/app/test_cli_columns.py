"""A user's own file as it comes: ids, text columns, empty cells, extra columns, typos in options;
and training that protects by default (the best epoch kept, an honest test score, divergence stopped).

Every command runs in both twins; the twins must print the same predictions.
"""

import csv
import json
import random

import pytest

from parity_tests.app.cli_data_helpers import ok
from parity_tests.app.cli_data_helpers import run_cli as run


def fails(capsys, argv, *fragments):
    status, text = run(*argv)
    err = capsys.readouterr().err
    assert status == 2, (text, err)
    assert err.count("\n") == 1 and err.startswith("twin-nn"), err
    for fragment in fragments:
        assert fragment in err, (fragment, err)
    return err


def customers(path, n=120, empty_every=None):
    """An id column, a text column ('Région'), numbers, a yes/no target; optionally empty ages."""
    r = random.Random(0)
    with open(str(path), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["customer id", "Région", "age", "income", "bought"])
        for i in range(n):
            region = ["Nord", "Ost", "Süd"][i % 3]
            age = r.randint(18, 80)
            bought = "yes" if age > 45 or region == "Ost" else "no"
            w.writerow(["c%04d" % i, region, "" if empty_every and i % empty_every == 3 else age,
                        "%.2f" % r.gauss(50, 10), bought])
    return str(path)


def test_an_id_column_must_be_dropped_and_then_text_is_one_hot_encoded(tmp_path, capsys, twin):
    data = customers(tmp_path / "c.csv")
    fails(capsys, ["train", "--data", data, "--target", "bought", "--twin", twin.name, "--quiet"],
          "column 'customer id' holds 120 different texts", "--drop customer id")
    text = ok("train", "--data", data, "--target", "bought", "--drop", "customer id", "--twin", twin.name,
              "--epochs", "20", "--quiet", "--save", tmp_path / "m.json")
    assert "columns not used: 'customer id' (--drop)" in text
    assert "column 'Région' holds text: one-hot encoded as 3 inputs ('Nord', 'Ost', 'Süd')" in text
    assert "network: [5,32,16,1]" in text
    stored = json.loads((tmp_path / "m.json").read_text())["meta"]["data"]
    assert stored["columns"][0] == {"name": "Région", "kind": "category", "categories": ["Nord", "Ost", "Süd"]}
    assert stored["inputs"][:3] == ["Région=Nord", "Région=Ost", "Région=Süd"]
    info = ok("info", tmp_path / "m.json")
    assert "column 'Région': text, one-hot encoded over 3 categories (Nord, Ost, Süd)" in info


def test_features_chooses_the_columns(tmp_path, twin):
    data = customers(tmp_path / "c.csv")
    text = ok("train", "--data", data, "--target", "bought", "--features", "age,income", "--twin", twin.name,
              "--epochs", "5", "--quiet")
    assert "2 feature columns ('age', 'income')" in text
    assert "columns not used: 'customer id', 'Région' (--features)" in text


def test_a_column_name_that_is_not_there_is_named_with_a_suggestion(tmp_path, capsys):
    data = customers(tmp_path / "c.csv")
    fails(capsys, ["train", "--data", data, "--target", "bought", "--drop", "customer_id"],
          "--drop customer_id", "has no column 'customer_id' (did you mean 'customer id'?)")
    fails(capsys, ["train", "--data", data, "--target", "bought", "--features", "age,bought"],
          "--features names the target column 'bought'")


def test_no_option_is_matched_by_its_prefix(tmp_path, capsys):
    """argparse's default turned `--drop id` into `--dropout id`; `--val 0.2` into --val-split."""
    data = customers(tmp_path / "c.csv")
    for argv in (["train", "--data", data, "--target", "bought", "--dropo", "0.1"],
                 ["train", "--data", data, "--target", "bought", "--val", "0.2"],
                 ["predict", "m.json", "--dat", data]):
        with pytest.raises(SystemExit) as exc:
            run(*argv)
        err = capsys.readouterr().err
        assert exc.value.code == 2 and ("unrecognized arguments" in err or "required: --data" in err), err


def test_missing_cells_error_drop_or_mean(tmp_path, capsys, twin):
    data = customers(tmp_path / "c.csv", empty_every=10)
    base = ["train", "--data", data, "--target", "bought", "--drop", "customer id", "--twin", twin.name,
            "--epochs", "5", "--quiet"]
    fails(capsys, base, "row 5, column 'age' (column 3): empty cell", "--missing drop", "--missing mean")
    dropped = ok(*base + ["--missing", "drop"])
    assert "12 rows with an empty cell dropped (--missing drop)" in dropped and "validation: 22 of 120" in dropped
    filled = ok(*base + ["--missing", "mean", "--save", tmp_path / "f.json"])
    assert "dropped" not in filled and "validation: 24 of 120" in filled
    spec = json.loads((tmp_path / "f.json").read_text())["meta"]["data"]["columns"][1]
    assert spec["name"] == "age" and spec["kind"] == "number" and 18 < spec["fill"] < 80
    out = ok("predict", tmp_path / "f.json", "--data", data, "--twin", twin.name)       # fills at predict time too
    assert len(out.splitlines()) == 121


def test_predict_and_evaluate_read_the_columns_they_need_and_name_the_rest(tmp_path, capsys, twin):
    data = customers(tmp_path / "c.csv")
    model = tmp_path / "m.json"
    ok("train", "--data", data, "--target", "bought", "--drop", "customer id", "--epochs", "10", "--quiet",
       "--save", model)
    out = tmp_path / "p.csv"
    text = ok("predict", model, "--data", data, "--out", out, "--twin", twin.name)
    assert "ignored column 'customer id' (the model does not use it)" in text
    status, predictions = run("predict", model, "--data", data, "--twin", twin.name)
    assert status == 0 and predictions == out.read_text()
    assert capsys.readouterr().err == ""      # predictions on stdout: notes only to a terminal's stderr
    evaluated = ok("evaluate", model, "--data", data, "--twin", twin.name)
    assert "ignored column 'customer id'" in evaluated and "of 120 right" in evaluated
    # a file with the columns in another order, without the target, with an unseen category
    new = tmp_path / "new.csv"
    new.write_text("income,age,Région\n40,30,West\n55,60,Ost\n", encoding="utf-8")
    fails(capsys, ["predict", model, "--data", new, "--twin", twin.name],
          "row 2, column 'Région' (column 3): category 'West' was not in the training data",
          "--unknown ignore")
    text = ok("predict", model, "--data", new, "--unknown", "ignore", "--proba", "--twin", twin.name)
    assert text.splitlines()[0] == "bought,p_no,p_yes" and len(text.splitlines()) == 3


def test_the_twins_predict_the_same_labels_from_a_file_with_text(tmp_path):
    data = customers(tmp_path / "c.csv")
    model = tmp_path / "m.json"
    ok("train", "--data", data, "--target", "bought", "--drop", "customer id", "--twin", "scalar",
       "--epochs", "10", "--quiet", "--save", model)
    assert ok("predict", model, "--data", data, "--twin", "scalar") == ok("predict", model, "--data", data,
                                                                          "--twin", "vector")


# ------------------------------------------------------- protecting by default
def noisy_regression(path, n=60):
    r = random.Random(1)
    with open(str(path), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["a", "b", "y"])
        for _ in range(n):
            a, b = r.uniform(-1, 1), r.uniform(-1, 1)
            w.writerow([a, b, a + r.gauss(0, 1.0)])
    return str(path)


def test_the_best_epoch_is_kept_and_said_and_keep_last_opts_out(tmp_path, twin):
    data = noisy_regression(tmp_path / "n.csv")
    base = ["train", "--data", data, "--target", "y", "--layers", "64,64", "--epochs", "60", "--twin", twin.name,
            "--quiet", "--lr", "0.02"]
    kept = ok(*base + ["--save", tmp_path / "k.json"])
    line = [l for l in kept.splitlines() if l.startswith("kept epoch")][0]
    epoch, of = int(line.split()[2]), int(line.split()[4])
    assert of == 60 and epoch < 60, line
    history = json.loads((tmp_path / "k.json").read_text())["history"]
    best = min(range(60), key=lambda i: history["val_loss"][i])
    assert epoch == best + 1
    assert "(val_loss %g vs %g at the end)" % (history["val_loss"][best], history["val_loss"][-1]) in line
    assert "validation scores (12 rows; they chose the epoch kept, so this is optimistic)" in kept
    last = ok(*base + ["--keep-last"])
    assert "kept the last epoch (--keep-last); val_loss was best at epoch %d" % epoch in last


def test_a_test_split_is_the_honest_score(tmp_path, twin):
    data = noisy_regression(tmp_path / "n.csv", n=100)
    text = ok("train", "--data", data, "--target", "y", "--test-split", "0.2", "--epochs", "5", "--quiet",
              "--twin", twin.name)
    assert "test: 20 rows held out (--test-split 0.2), scored once at the end" in text
    assert "validation: 16 of 100 rows held out" in text
    assert "test scores (20 rows held out by --test-split 0.2, never used for training or choosing): loss" in text
    test_file = noisy_regression(tmp_path / "t.csv", n=30)
    text = ok("train", "--data", data, "--target", "y", "--test", test_file, "--epochs", "5", "--quiet",
              "--twin", twin.name)
    assert "test scores (%s (30 rows), never used for training or choosing)" % test_file in text


def test_divergence_stops_early_with_a_clear_message_and_exit_2(tmp_path, capsys, twin):
    """The issue's run: --lr 5 --optimizer sgd --momentum 0.9 --no-standardize ended at r2 -9.7e+196, exit 0."""
    path = tmp_path / "big.csv"
    r = random.Random(0)
    path.write_text("a,b,y\n" + "".join("%g,%g,%g\n" % (r.uniform(0, 100), r.uniform(0, 50), r.uniform(0, 300))
                                        for _ in range(80)))
    status, text = run("train", "--data", path, "--target", "y", "--lr", "5", "--optimizer", "sgd",
                       "--momentum", "0.9", "--no-standardize", "--twin", twin.name)
    err = capsys.readouterr().err
    assert status == 2 and err.startswith("twin-nn: error: training diverged") and "--lr" in err, err
    epoch_lines = [l for l in text.splitlines() if l.startswith("epoch")]
    assert all(len(l) < 160 for l in epoch_lines)
