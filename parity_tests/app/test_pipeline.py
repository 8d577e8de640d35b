"""twin_nn.Pipeline: the CLI and the API meet in one object, in both twins.

The issue's bug: a model trained by the CLI, loaded with ``load_model`` and
given raw rows, scored 0.633 where the CLI scored 0.933, because the stored
scaling and label names were not applied.  ``load_pipeline`` applies them.
"""

import io
import json

import pytest

import twin_nn
from twin_nn import cli
from twin_nn.pipeline import Pipeline, load_pipeline

from .test_cli_columns import customers


def ok(*argv):
    out = io.StringIO()
    status = cli.main([str(a) for a in argv], out=out)
    assert status == 0, out.getvalue()
    return out.getvalue()


def rows_of(path):
    import csv
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_a_cli_model_predicts_the_same_in_python(tmp_path, twin):
    data = customers(tmp_path / "c.csv")
    model = tmp_path / ("m.npz" if twin.name == "vector" else "m.json")
    ok("train", "--data", data, "--target", "bought", "--drop", "customer id", "--epochs", "15", "--quiet",
       "--twin", twin.name, "--save", model)
    by_cli = ok("predict", model, "--data", data, "--twin", twin.name).splitlines()[1:]
    pipe = load_pipeline(str(model), twin=twin.name)
    rows = rows_of(data)                                     # dicts of strings, with the id and the target
    assert pipe.predict(rows) == by_cli
    assert pipe.predict(data) == by_cli                      # a CSV path
    proba = pipe.predict_proba(rows[:3])
    assert pipe.classes == ["no", "yes"] and all(abs(sum(p) - 1) < 1e-12 for p in proba)
    assert pipe.score(data)["accuracy"] > 0.8


def test_the_same_pipeline_in_both_twins_gives_the_same_labels(tmp_path):
    data = customers(tmp_path / "c.csv")
    made = {t: Pipeline.from_csv(data, "bought", drop=["customer id"], twin=t, layers=[8], seed=3)
            for t in ("scalar", "vector")}
    for pipe in made.values():
        pipe.fit(epochs=10)
    assert made["scalar"].predict(data) == made["vector"].predict(data)
    assert made["scalar"].history.val_loss == pytest.approx(made["vector"].history.val_loss, rel=1e-9)


def test_save_and_load_round_trip_and_the_other_twin_reads_it(tmp_path):
    data = customers(tmp_path / "c.csv")
    pipe = Pipeline.from_csv(data, "bought", drop=["customer id"], twin="scalar", layers=[6])
    pipe.fit(epochs=5)
    pipe.save(str(tmp_path / "p.json"))
    for twin in ("scalar", "vector"):
        again = twin_nn.load_pipeline(str(tmp_path / "p.json"), twin=twin)
        assert again.predict(data) == pipe.predict(data)
    assert "kept_best" in [e["kind"] for e in again.history.events]


def test_a_model_file_from_before_column_kinds_still_loads(tmp_path):
    """Files written before this change have features/standardize/classes but no columns/inputs."""
    data = customers(tmp_path / "c.csv")
    model = tmp_path / "old.json"
    ok("train", "--data", data, "--target", "bought", "--features", "age,income", "--epochs", "5", "--quiet",
       "--twin", "scalar", "--save", model)
    expected = ok("predict", model, "--data", data, "--twin", "scalar")
    doc = json.loads(model.read_text())
    for field in ("columns", "inputs", "missing", "unknown"):
        del doc["meta"]["data"][field]
    model.write_text(json.dumps(doc))
    assert ok("predict", model, "--data", data, "--twin", "scalar") == expected
    assert load_pipeline(str(model), twin="scalar").predict(data) == expected.splitlines()[1:]


def test_a_model_without_column_names_takes_rows_in_order(tmp_path):
    import scalar_nn
    net = scalar_nn.MLP([2, 3, 1], "tanh", "linear", "mse", seed=0)
    scalar_nn.save_model(net, str(tmp_path / "raw.json"))
    pipe = load_pipeline(str(tmp_path / "raw.json"), twin="scalar")
    assert pipe.columns.features == ["x1", "x2"]
    assert pipe.predict([[0.5, -0.5]]) == [net.predict([[0.5, -0.5]])[0][0]]
    with pytest.raises(ValueError, match="rows has 3 values per row, but the model takes 2 columns"):
        pipe.predict([[1, 2, 3]])
    with pytest.raises(ValueError, match="predict_proba applies to classifiers"):
        pipe.predict_proba([[1, 2]])


class FakeFrame:
    def __init__(self, columns, rows):
        self.columns, self.rows = columns, rows

    def to_numpy(self):
        return [list(r) for r in self.rows]


@pytest.mark.parametrize("twin_name", ["scalar", "vector"])
def test_from_arrays_takes_lists_or_a_table_with_text_and_label_names(twin_name):
    X = [[float(i), "red" if i % 2 else "blue"] for i in range(40)]
    y = ["odd" if i % 2 else "even" for i in range(40)]
    for features in (X, FakeFrame(["n", "colour"], X)):
        pipe = Pipeline.from_arrays(features, y, feature_names=["n", "colour"], twin=twin_name, layers=[4])
        pipe.fit(epochs=40, lr=0.05)
        assert pipe.columns.inputs == ["n", "colour=blue", "colour=red"]
        assert pipe.predict([{"n": 3, "colour": "red"}, {"n": 4, "colour": "blue"}]) == ["odd", "even"]


def test_a_real_pandas_dataframe():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"n": range(40), "colour": ["red" if i % 2 else "blue" for i in range(40)]})
    pipe = Pipeline.from_arrays(frame, pd.Series(["odd" if i % 2 else "even" for i in range(40)]), twin="scalar")
    pipe.fit(epochs=30, lr=0.05)
    assert pipe.predict(frame.head(2)) == ["even", "odd"]
