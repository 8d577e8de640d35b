"""``twin-nn train --data``, ``predict``, ``evaluate``: mistakes in the data and the arguments are one stderr line.

Each refusal exits with status 2 and one line ``twin-nn: error: ...`` naming
the file, row and column, or the option.  (The working runs:
test_cli_data_tasks.py; helpers: cli_data_helpers.py.)
"""

import io

import pytest

from parity_tests.app.cli_data_helpers import (
    assert_cli_error, binary_csv, multiclass_csv, ok, read_predictions, regression_csv)
from twin_nn import cli


def test_proba_on_a_regression_model_is_refused(tmp_path, capsys):
    data = regression_csv(tmp_path / "houses.csv", n=20)
    model = tmp_path / "m.json"
    ok("train", "--data", data, "--target", "price", "--twin", "scalar", "--epochs", "1", "--save", model)
    assert_cli_error(capsys, ["predict", model, "--data", data, "--proba", "--twin", "scalar"],
                     "--proba applies to classification models")


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
