"""Reading a user's CSV file (twin_nn.csvdata): every bad input is one clear line.

Each refused file is checked twice: by ``csvdata`` itself (the message names
the file, the row and the column) and through ``twin-nn train --data`` in
both twins (one line on stderr, ``twin-nn: error: ...``, exit status 2, no
traceback).  Rows are counted as a spreadsheet counts them: the header is
row 1, and blank lines count.  Accepted on purpose: a UTF-8 byte order mark,
quoted numbers, blank lines and lines of empty cells (``,,,``).
"""

import io
import math

import pytest

from twin_nn import cli, columns, csvdata, pipeline
from twin_nn.csvdata import CSVError


def write(tmp_path, text, name="data.csv", encoding="utf-8"):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_bytes(text.encode(encoding))
    return str(path)


def run_cli(*argv):
    out = io.StringIO()
    return cli.main([str(a) for a in argv], out=out), out.getvalue()


def assert_cli_error(capsys, argv, *fragments):
    """The command fails with exit 2 and one stderr line holding every fragment."""
    status, text = run_cli(*argv)
    err = capsys.readouterr().err
    assert status == 2, (text, err)
    assert err.count("\n") == 1 and err.startswith("twin-nn: error: "), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, (fragment, err)
    return err


GOOD = "x1,x2,y\n1,2,3\n4,5,6\n7,8,9.5\n"


# ------------------------------------------------------------- accepted
def test_a_good_file_reads_as_header_and_stripped_rows(tmp_path):
    table = csvdata.read_table(write(tmp_path, "x1, x2 ,y\n1, 2,3\n"))
    assert table.header == ["x1", "x2", "y"]
    assert table.rows == [["1", "2", "3"]]
    assert list(table.line_numbers) == [2]


def test_a_byte_order_mark_is_accepted_silently(tmp_path):
    path = write(tmp_path, b"\xef\xbb\xbf" + GOOD.encode())
    table = csvdata.read_table(path)
    assert table.header == ["x1", "x2", "y"]                  # not "\ufeffx1"
    data = columns.prepare(table, "y", task="regression", standardize=False)
    assert data.X[0] == [1.0, 2.0]


def test_quoted_numbers_are_numbers(tmp_path):
    path = write(tmp_path, 'x1,x2,y\n"1.5",\'2\',"3"\n"1e3"," -4 ",5\n'.replace("'", '"'))
    data = columns.prepare(csvdata.read_table(path), "y", task="regression", standardize=False)
    assert data.X == [[1.5, 2.0], [1000.0, -4.0]]
    assert data.Y == [[3.0], [5.0]]


def test_blank_lines_and_empty_rows_are_skipped_but_still_counted(tmp_path):
    path = write(tmp_path, "x1,x2,y\n\n1,2,3\n,,\n   \n4,5,6\n\n7,oops,9\n")
    table = csvdata.read_table(path)
    assert len(table) == 3 and list(table.line_numbers) == [3, 6, 8]
    with pytest.raises(CSVError, match=r"row 8, column 'x2' \(column 2\): 'oops' is not a number"):
        columns.prepare(table, "y")


def test_windows_line_endings_and_quoted_commas(tmp_path):
    path = write(tmp_path, 'name,x,y\r\n"a,b",1,2\r\n"c",3,4\r\n')
    table = csvdata.read_table(path)
    assert table.rows == [["a,b", "1", "2"], ["c", "3", "4"]]


# -------------------------------------------------------------- refused
BAD_FILES = [
    # (file contents, target, fragments of the message)
    (b"", "y", ["is empty"]),
    (b"\n\n  \n", "y", ["is empty"]),
    (b"\xef\xbb\xbf", "y", ["is empty"]),
    (b"x1,x2,y\n", "y", ["has a header", "but no data rows"]),
    (b"x1,x2,y\n\n,,\n", "y", ["has a header", "but no data rows"]),
    (b"x1,x2,y\n1,2,3\n4,5\n", "y", ["row 3: 2 cells, but the header (row 1) has 3 columns"]),
    (b"x1,x2,y\n1,2,3\n4,5,6,7\n", "y", ["row 3: 4 cells, but the header (row 1) has 3 columns", "quotes"]),
    (b"x1,x2,y\n1,2,3\n4,abc,6\n", "y", ["row 3, column 'x2' (column 2): 'abc' is not a number"]),
    (b"x1,x2,y\n1,,3\n", "y", ["row 2, column 'x2' (column 2): empty cell"]),
    (b"x1,x2,y\n1,nan,3\n", "y", ["row 2, column 'x2' (column 2): 'nan' is not a finite number"]),
    (b"x1,x2,y\n1,2,3\ninf,2,3\n", "y", ["row 3, column 'x1' (column 1): 'inf' is not a finite number"]),
    (b"x1,x2,y\n1,-Infinity,3\n", "y", ["row 2, column 'x2'", "not a finite number"]),
    (b"x1,x2,y\n1,1e999,3\n", "y", ["row 2, column 'x2'", "not a finite number"]),
    (b"x1,x2,y\n1,2,NaN\n3,4,5\n", "y", ["row 2, column 'y' (column 3): 'NaN' is not a finite number"]),
    (b"x1,x2,y\n1,2,3\n", "z", ["has no target column 'z'", "'x1', 'x2', 'y'"]),
    (b"x1,x2,Y\n1,2,3\n", "y", ["has no target column 'y'", "did you mean 'Y'?"]),
    (b"x1,y,y\n1,2,3\n", "y", ["row 1", "names column 'y' twice (columns 2 and 3)"]),
    (b"x1,x2,x1,y\n1,2,3,4\n", "y", ["names column 'x1' twice (columns 1 and 3)"]),
    (b"x1,,y\n1,2,3\n", "y", ["row 1: column 2 has no name"]),
    (b"1,2,3\n4,5,6\n", "y", ["row 1", "should be a header", "add a header line"]),
    (b"x1;x2;y\n1;2;3\n", "y", ["comma-separated", "';'"]),
    (b'x1,x2,y\n1,"2,3\n', "y", ["row 2", "not valid CSV"]),
    (b"x1,x2,y\n1,2,3\n4,\xe9,6\n", "y", ["not UTF-8", "row 3", "0xe9"]),
    (b"x1,x2,y\n1,2,3\n", "x1", []),      # fine: x1 as the target (see the next test)
]


@pytest.mark.parametrize("content, target, fragments", [c for c in BAD_FILES if c[2]])
def test_a_bad_file_is_one_line_naming_the_file_row_and_column(tmp_path, content, target, fragments):
    path = write(tmp_path, content)
    with pytest.raises(CSVError) as exc:
        columns.prepare(csvdata.read_table(path), target)
    message = str(exc.value)
    assert "\n" not in message
    assert message.startswith(path), message
    for fragment in fragments:
        assert fragment in message, (fragment, message)


@pytest.mark.parametrize("content, target, fragments", [c for c in BAD_FILES if c[2]])
def test_a_bad_file_through_the_cli_in_each_twin(tmp_path, capsys, twin, content, target, fragments):
    path = write(tmp_path, content)
    assert_cli_error(capsys, ["train", "--data", path, "--target", target, "--twin", twin.name,
                              "--epochs", "1", "--quiet"], path, *fragments)


def test_any_column_can_be_the_target(tmp_path):
    path = write(tmp_path, "x1,x2,y\n1.5,2,3\n2.5,4,6\n")
    data = columns.prepare(csvdata.read_table(path), "x1", standardize=False)
    assert data.features == ["x2", "y"] and data.task == "regression"
    assert data.Y == [[1.5], [2.5]]


def test_a_missing_file_or_a_folder_is_one_line(tmp_path, capsys):
    assert_cli_error(capsys, ["train", "--data", tmp_path / "nope.csv", "--target", "y"],
                     "no CSV file at", "nope.csv")
    assert_cli_error(capsys, ["train", "--data", tmp_path, "--target", "y"], str(tmp_path), "is a folder")


def test_reading_errors_cost_nothing_extra_for_a_good_file(tmp_path):
    """The checks run once per cell; a 2000-row file reads and prepares with no surprise."""
    lines = ["a,b,c"] + ["%d,%d.5,%s" % (i, i % 7, "yes" if i % 2 else "no") for i in range(2000)]
    data = columns.prepare(csvdata.read_table(write(tmp_path, "\n".join(lines) + "\n")), "c")
    assert data.task == "binary" and len(data.X) == 2000


# --------------------------------------------------------------- the task
def labelled(tmp_path, labels, name="labels.csv"):
    lines = ["x,label"] + ["%d,%s" % (i, v) for i, v in enumerate(labels)]
    return csvdata.read_table(write(tmp_path, "\n".join(lines) + "\n", name))


@pytest.mark.parametrize("labels, task, classes", [
    (["yes", "no", "no", "yes"], "binary", ["no", "yes"]),
    (["b", "a", "c", "a", "b", "c"], "multiclass", ["a", "b", "c"]),
    (["0", "1", "1", "0", "1"], "binary", ["0", "1"]),
    (["2", "10", "1", "2", "10", "1"], "multiclass", ["1", "2", "10"]),          # sorted by value
    (["1", "1.0", "2", "2.0"], "binary", ["1", "2"]),                            # one class, two spellings
])
def test_classification_is_inferred_from_text_or_few_whole_numbers(tmp_path, labels, task, classes):
    data = columns.prepare(labelled(tmp_path, labels), "label")
    assert (data.task, data.classes) == (task, classes)
    assert "distinct" in data.reason
    codes = [row[0] if isinstance(row, list) else row for row in data.Y]
    assert [classes[int(c)] for c in codes] == [columns.label_key(v, data.label_type) for v in labels]
    if task == "binary":
        assert (data.output, data.loss, data.n_out) == ("sigmoid", "bce", 1)
    else:
        assert (data.output, data.loss, data.n_out) == ("softmax", "cross_entropy", len(classes))


@pytest.mark.parametrize("labels", [["0.5", "1.5", "0.5", "1.5"], ["1", "2", "3", "4"],
                                    [str(i) for i in range(30)] * 2])
def test_other_numbers_are_a_regression(tmp_path, labels):
    data = columns.prepare(labelled(tmp_path, labels), "label")
    assert (data.task, data.output, data.loss, data.classes) == ("regression", "linear", "mse", None)


def test_a_given_task_wins_and_a_task_that_does_not_fit_is_refused(tmp_path):
    table = labelled(tmp_path, ["0", "1", "2", "0", "1", "2"])
    assert columns.prepare(table, "label", task="regression").task == "regression"
    assert columns.prepare(labelled(tmp_path, ["0", "1"] * 3, "b.csv"), "label", task="multiclass").n_out == 2
    with pytest.raises(CSVError, match=r"--task binary needs 2 labels, but the target column 'label' holds 3"):
        columns.prepare(table, "label", task="binary")
    with pytest.raises(CSVError, match=r"row 2, column 'label' \(column 2\): 'a' is not a number"):
        columns.prepare(labelled(tmp_path, ["a", "b"], "t.csv"), "label", task="regression")


def test_one_label_only_is_refused(tmp_path):
    with pytest.raises(CSVError, match="holds only one label \\(cat\\) in all 3 rows"):
        columns.prepare(labelled(tmp_path, ["cat"] * 3), "label")


def test_a_stray_word_in_a_numeric_target_is_named_not_taken_as_a_class(tmp_path):
    labels = ["%.2f" % (0.1 * i) for i in range(10)]
    labels[6] = "n/a"
    with pytest.raises(CSVError, match=r"row 8, column 'label' \(column 2\): 'n/a' is not a number.*--task"):
        columns.prepare(labelled(tmp_path, labels), "label")


def test_an_empty_or_nan_label_is_refused(tmp_path):
    with pytest.raises(CSVError, match=r"row 3, column 'label' \(column 2\): empty cell"):
        columns.prepare(csvdata.read_table(write(tmp_path, "x,label\n1,a\n2,\n3,b\n")), "label")
    with pytest.raises(CSVError, match=r"row 2, column 'label'.*'nan' is not a finite number"):
        columns.prepare(labelled(tmp_path, ["nan", "a", "b"]), "label", task="multiclass")


def test_only_a_target_column_is_refused(tmp_path):
    with pytest.raises(CSVError, match="no feature columns"):
        columns.prepare(csvdata.read_table(write(tmp_path, "y\n1\n2\n")), "y")


# --------------------------------------------------------- standardizing
def test_features_are_standardized_on_the_training_rows(tmp_path):
    lines = ["a,b,y"] + ["%d,%d,%d" % (1000 * i, 5, i % 2) for i in range(20)]
    table = csvdata.read_table(write(tmp_path, "\n".join(lines) + "\n"))
    data = columns.prepare(table, "y", val_split=0.25, seed=3)
    assert len(data.X) == 15 and len(data.Xv) == 5
    col = [row[0] for row in data.X]
    assert abs(math.fsum(col) / 15) < 1e-12
    assert abs(math.sqrt(math.fsum(v * v for v in col) / 15) - 1.0) < 1e-12
    assert data.std[1] == 1.0 and all(row[1] == 0.0 for row in data.X)         # a constant column
    meta = data.meta()
    assert meta["standardize"] == {"mean": data.mean, "std": data.std}
    again = columns.Columns.from_meta(meta).encode(table)                    # predict time: same scaling
    assert again[0] == [(0 - data.mean[0]) / data.std[0], 0.0]
    raw = columns.prepare(table, "y", standardize=False)
    assert raw.mean is None and raw.meta()["standardize"] is None and raw.X[3] == [3000.0, 5.0]


def test_a_validation_split_of_no_rows_is_refused(tmp_path):
    with pytest.raises(CSVError, match="rounds to no validation rows"):
        columns.prepare(labelled(tmp_path, ["a", "b"] * 5), "label", val_split=0.01)


# ------------------------------------------------------ predict-time data
def trained_meta(tmp_path):
    table = csvdata.read_table(write(tmp_path, "a,b,kind\n1,2,cat\n3,4,dog\n5,6,cat\n7,8,bird\n", "train.csv"))
    return columns.prepare(table, "kind").meta()


def test_new_data_is_matched_by_column_name_in_any_order(tmp_path):
    meta = trained_meta(tmp_path)
    table = csvdata.read_table(write(tmp_path, "kind,b,a\ncat,2,1\n"))
    cols = columns.Columns.from_meta(meta)
    assert cols.encode(table) == cols.encode(csvdata.read_table(write(tmp_path, "a,b\n1,2\n", "n.csv")))
    assert cols.targets(table) == [1]                                          # bird, cat, dog


@pytest.mark.parametrize("content, fragments", [
    ("a,c\n1,2\n", ["does not match the model", "no column 'b'", "'a', 'b'"]),
    ("a\n1\n", ["no column 'b'"]),
])
def test_new_data_without_a_feature_column_is_refused(tmp_path, content, fragments):
    meta = trained_meta(tmp_path)
    path = write(tmp_path, content)
    with pytest.raises(CSVError) as exc:
        columns.Columns.from_meta(meta).encode(csvdata.read_table(path))
    for fragment in [path] + fragments:
        assert fragment in str(exc.value)


def test_new_data_with_extra_columns_uses_the_models_and_names_the_rest(tmp_path):
    cols = columns.Columns.from_meta(trained_meta(tmp_path))
    table = csvdata.read_table(write(tmp_path, "id,b,extra,a\n7,2,3,1\n"))
    assert cols.ignored(table) == ["id", "extra"]
    assert cols.encode(table) == cols.encode(csvdata.read_table(write(tmp_path, "a,b\n1,2\n", "n.csv")))


def test_a_label_never_seen_in_training_is_named_with_its_row(tmp_path):
    meta = trained_meta(tmp_path)
    path = write(tmp_path, "a,b,kind\n1,2,cat\n3,4,cow\n")
    with pytest.raises(CSVError, match=r"row 3, column 'kind' \(column 3\): label 'cow' was never seen in "
                                       r"training \(the model knows 'bird', 'cat', 'dog'\)"):
        columns.Columns.from_meta(meta).targets(csvdata.read_table(path))


def test_decode_gives_the_original_labels(tmp_path):
    meta = trained_meta(tmp_path)
    assert pipeline.decode([[0.1, 0.7, 0.2], [0.5, 0.2, 0.3]], "cross_entropy", meta["classes"]) == ["cat", "bird"]
    assert pipeline.decode([[0.2], [0.9], [0.5]], "bce", ["no", "yes"]) == ["no", "yes", "no"]
    assert pipeline.probabilities([[0.25]], "bce") == [[0.75, 0.25]]


def test_a_regression_target_is_standardized_too_and_kept_raw(tmp_path):
    lines = ["a,y"] + ["%d,%d" % (i, 1000 * i) for i in range(10)]
    table = csvdata.read_table(write(tmp_path, "\n".join(lines) + "\n"))
    data = columns.prepare(table, "y")
    assert data.task == "regression"
    mu, sd = data.target_scaling["mean"], data.target_scaling["std"]
    assert mu == 4500.0 and abs(sd - math.sqrt(8.25e6)) < 1e-9
    assert data.Y_raw == [[1000.0 * i] for i in range(10)]
    assert data.Y == [[(1000.0 * i - mu) / sd] for i in range(10)]
    meta = data.meta()
    assert meta["target_standardize"] == {"mean": mu, "std": sd}
    assert pipeline.unscale_targets(data.Y, meta["target_standardize"])[3][0] == pytest.approx(3000.0, abs=1e-9)
    assert columns.Columns.from_meta(meta).targets(table, scaled=True) == data.Y
    classes = columns.prepare(labelled(tmp_path, ["a", "b"] * 3), "label")
    assert classes.target_scaling is None and classes.meta()["target_standardize"] is None


def test_an_unnamed_first_column_hints_at_a_pandas_index(tmp_path):
    with pytest.raises(CSVError, match=r"row 1: column 1 has no name in the header \(a row index written by pandas"):
        csvdata.read_table(write(tmp_path, ",a,y\n0,1,2\n"))


def test_a_text_feature_column_is_one_hot_encoded(tmp_path):
    path = write(tmp_path, "name,age,y\nann,30,1\nbob,40,0\nann,50,1\n")
    data = columns.prepare(csvdata.read_table(path), "y", task="binary", standardize=False)
    assert data.inputs == ["name=ann", "name=bob", "age"]
    assert data.X == [[1.0, 0.0, 30.0], [0.0, 1.0, 40.0], [1.0, 0.0, 50.0]]
