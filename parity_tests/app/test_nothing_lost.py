"""Nothing lost, nothing silent (issue 14): the ``twin-nn`` command against hostile files and faults.

Each test is a failing input the issue found, run through the CLI in both
twins: a user's data overwritten, a write that failed silently, a number
that overflowed, a damaged model file that gave a traceback.  Plus two
generated suites: a seeded model-file damage test and a Hypothesis CSV
fuzz test (``FUZZ_EXAMPLES`` CSV files per twin, ``DAMAGES`` damaged
files), small enough for CI.
"""

import io
import json
import os
import random
import re
import signal
import subprocess
import sys
import warnings

import pytest

from twin_nn import cli

TWINS = ("scalar", "vector")
DAMAGES = int(os.environ.get("TWIN_NN_DAMAGES", 40))   # seeded damaged model files per twin (predict, evaluate, info)
FUZZ_EXAMPLES = int(os.environ.get("TWIN_NN_FUZZ_EXAMPLES", 25))   # Hypothesis CSV files per twin (train, predict)


def run_cli(*argv):
    out = io.StringIO()
    return cli.main([str(a) for a in argv], out=out), out.getvalue()


def refused(capsys, argv, *fragments):
    """The command exits 2 with one stderr line ``twin-nn: error: ...`` holding every fragment."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        status, text = run_cli(*argv)
    err = capsys.readouterr().err
    assert status == 2, (text, err)
    assert err.count("\n") == 1 and err.startswith("twin-nn: error: "), err
    for fragment in fragments:
        assert str(fragment) in err, (fragment, err)
    assert not caught, [str(w.message) for w in caught]
    return text, err


def succeeds(capsys, argv):
    """Exit 0 and nothing at all on stderr (not even a RuntimeWarning)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        status, text = run_cli(*argv)
    err = capsys.readouterr().err
    assert status == 0 and err == "", (text, err)
    assert not caught, [str(w.message) for w in caught]
    return text


def write_csv(path, rows, header=("a", "b", "y")):
    with open(str(path), "w") as f:
        f.write(",".join(header) + "\n")
        for row in rows:
            f.write(",".join(repr(v) for v in row) + "\n")
    return str(path)


def binary_rows(n=30, seed=0, scale_a=1.0):
    r = random.Random(seed)
    rows = []
    for i in range(n):
        a, b = r.random(), r.random()
        rows.append([a * scale_a, b, int(a + b > 1) if i > 1 else i])
    return rows


@pytest.fixture
def own(tmp_path):
    return write_csv(tmp_path / "own.csv", binary_rows())


@pytest.fixture
def model(tmp_path, own, capsys):
    path = str(tmp_path / "m.json")
    succeeds(capsys, ["train", "--data", own, "--target", "y", "--epochs", "3", "--quiet", "--save", path,
                      "--batchnorm"])
    return path


# ----------------------------------------------------- data overwritten
@pytest.mark.parametrize("twin", TWINS)
@pytest.mark.parametrize("spelling", ["{d}/own.csv", "{d}/./sub/../own.csv", "{d}/link.csv"])
def test_train_never_saves_over_its_own_data(capsys, tmp_path, own, twin, spelling):
    (tmp_path / "sub").mkdir()
    os.symlink(own, str(tmp_path / "link.csv"))
    before = open(own).read()
    text, err = refused(capsys, ["train", "--data", own, "--target", "y", "--twin", twin,
                                 "--save", spelling.format(d=tmp_path)], "is the same file as --data")
    assert text == "" and open(own).read() == before           # refused before any work


@pytest.mark.parametrize("twin", TWINS)
def test_predict_never_writes_over_the_model_or_the_data(capsys, tmp_path, own, model, twin):
    for target, what in ((model, "MODEL"), (own, "--data"), (str(tmp_path / "." / "own.csv"), "--data")):
        before = open(target, "rb").read()
        refused(capsys, ["predict", model, "--data", own, "--out", target, "--twin", twin],
                "is the same file as %s" % what)
        assert open(target, "rb").read() == before


# ------------------------------------------------------- writes checked
def test_predictions_to_a_full_disk_exit_non_zero_with_one_line(tmp_path, own, model):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "twin_nn", "predict", model, "--data", own],
                              stdout=full, stderr=subprocess.PIPE, text=True)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "cannot write the predictions to standard output: No space left" \
        in proc.stderr, proc.stderr


def test_any_command_writing_to_a_full_disk_exits_non_zero_with_one_line(own):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    for argv in (["train", "--data", own, "--target", "y", "--epochs", "2"], ["recipes"]):
        with open("/dev/full", "w") as full:
            proc = subprocess.run([sys.executable, "-m", "twin_nn"] + argv, stdout=full, stderr=subprocess.PIPE,
                                  text=True)
        assert proc.returncode == 2 and proc.stderr == ("twin-nn: error: cannot write to standard output: No space "
                                                        "left on device; the output is incomplete\n"), proc.stderr


def test_predictions_into_a_closed_pipe_exit_non_zero_with_one_line(tmp_path, capsys):
    big = write_csv(tmp_path / "big.csv", binary_rows(n=20000, seed=1))
    path = str(tmp_path / "m.json")
    succeeds(capsys, ["train", "--data", big, "--target", "y", "--epochs", "1", "--quiet", "--save", path,
                      "--layers", "4"])
    proc = subprocess.Popen([sys.executable, "-m", "twin_nn", "predict", path, "--data", big, "--proba"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline().startswith(b"y,")
    proc.stdout.close()                                  # the reader leaves, like `| head -1`
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait() == 2
    assert err.count("\n") == 1 and "reader closed the pipe" in err, err


def test_a_full_disk_fails_train_save_before_training_and_says_how_large(capsys, monkeypatch, tmp_path, own):
    from scalar_nn.toolkit import files

    class Usage:
        free = 50_000
    monkeypatch.setattr(files.shutil, "disk_usage", lambda directory: Usage)
    text, err = refused(capsys, ["train", "--data", own, "--target", "y", "--layers", "512,512",
                                 "--save", tmp_path / "m.json"], "the file will be about", "48.8 KB free")
    assert "epoch" not in text and not (tmp_path / "m.json").exists()


# ------------------------------------------------------- large numbers
@pytest.mark.parametrize("twin", TWINS)
def test_huge_features_are_standardized_saved_and_predicted(capsys, tmp_path, twin):
    for name, rows in (("big154", binary_rows(scale_a=1.3e155)),
                       ("e308", [[1e308 if i < 3 else r[0]] + r[1:] for i, r in enumerate(binary_rows())])):
        data = write_csv(tmp_path / (name + ".csv"), rows)
        path = str(tmp_path / (name + ".json"))
        succeeds(capsys, ["train", "--data", data, "--target", "y", "--epochs", "2", "--quiet", "--twin", twin,
                          "--save", path])
        std = json.load(open(path))["meta"]["data"]["standardize"]["std"]
        assert all(0 < s < float("inf") for s in std)
        assert succeeds(capsys, ["predict", path, "--data", data, "--twin", twin]).count("\n") == len(rows) + 1


@pytest.mark.parametrize("twin", TWINS)
def test_numbers_used_raw_are_bounded_at_load_naming_the_column(capsys, tmp_path, twin):
    target = write_csv(tmp_path / "t.csv", [[r[0], r[1], r[0] * 1e200] for r in binary_rows()])
    text, _ = refused(capsys, ["train", "--data", target, "--target", "y", "--twin", twin],
                      "column 'y' holds", "a regression target must stay within +-1e+150")
    assert "epoch" not in text
    near = write_csv(tmp_path / "near.csv", binary_rows(scale_a=1.79e308))
    refused(capsys, ["train", "--data", near, "--target", "y", "--no-standardize", "--twin", twin],
            "column 'a' holds", "--no-standardize")


@pytest.mark.parametrize("twin", TWINS)
def test_predicting_with_1e308_features_is_a_clear_error_not_inf(capsys, tmp_path, model, twin):
    extreme = write_csv(tmp_path / "x.csv", [[1e308, -1e308, 0], [0.5, 0.5, 1]])
    refused(capsys, ["predict", model, "--data", extreme, "--twin", twin], "column 'a'", "cannot be standardized")
    raw = str(tmp_path / "raw.json")
    succeeds(capsys, ["train", "--data", write_csv(tmp_path / "r.csv", [[a, b, a + 2 * b] for a, b, _ in binary_rows()]),
                      "--target", "y", "--no-standardize", "--layers", "none", "--epochs", "2", "--quiet",
                      "--save", raw])
    for command in ("predict", "evaluate"):
        refused(capsys, [command, raw, "--data", extreme, "--twin", twin], "column 'a' holds 1e+308")


# ----------------------------------------------------- damaged meta.data
META_DAMAGE = {
    "no std": (lambda d: d["standardize"].pop("std"), "meta.data.standardize must be an object with exactly"),
    "no mean": (lambda d: d["standardize"].pop("mean"), "meta.data.standardize must be an object with exactly"),
    "no target": (lambda d: d.pop("target"), "meta.data has no 'target'"),
    "zero std": (lambda d: d["standardize"]["std"].__setitem__(0, 0), "meta.data.standardize.std[0] is 0"),
    "short classes": (lambda d: d.__setitem__("classes", ["0"]), "meta.data.classes has 1 label"),
    "None mean": (lambda d: d["standardize"]["mean"].__setitem__(1, None), "meta.data.standardize.mean[1] is None"),
    "short mean": (lambda d: d["standardize"]["mean"].pop(), "meta.data.standardize.mean must be a list of 2"),
    "int feature": (lambda d: d["features"].__setitem__(0, 3), "meta.data.features must be a list of column names"),
    "wrong task": (lambda d: d.__setitem__("task", "regression"), "meta.data.task is 'regression'"),
}


@pytest.mark.parametrize("damage", sorted(META_DAMAGE))
@pytest.mark.parametrize("twin", TWINS)
def test_damaged_meta_data_is_one_line_naming_the_file_and_the_field(capsys, tmp_path, own, model, damage, twin):
    change, message = META_DAMAGE[damage]
    doc = json.load(open(model))
    change(doc["meta"]["data"])
    json.dump(doc, open(model, "w"))
    for argv in (["predict", model, "--data", own, "--twin", twin], ["evaluate", model, "--data", own, "--twin", twin],
                 ["info", model]):
        refused(capsys, argv, "model file %s: " % model, message)


@pytest.mark.parametrize("twin", TWINS)
def test_a_tiny_stored_std_names_the_column_not_an_inf_input(capsys, own, model, twin):
    doc = json.load(open(model))
    doc["meta"]["data"]["standardize"]["std"][0] = 1e-320
    json.dump(doc, open(model, "w"))
    refused(capsys, ["predict", model, "--data", own, "--twin", twin], "column 'a'", "cannot be standardized")


@pytest.mark.parametrize("twin", TWINS)
def test_a_negative_running_variance_is_refused_by_both_twins(capsys, own, model, twin):
    doc = json.load(open(model))
    doc["buffers"]["running_var1"][0] = -1.0
    json.dump(doc, open(model, "w"))
    refused(capsys, ["evaluate", model, "--data", own, "--twin", twin], "buffers.running_var1[0] is -1.0")


def damaged(text, r):
    """One seeded damage: a byte flip, a truncation, or a value or key rewritten somewhere in the document."""
    kind = r.randrange(4)
    if kind == 0:
        i = r.randrange(len(text))
        return text[:i] + chr(r.randrange(32, 127)) + text[i + 1:]
    if kind == 1:
        return text[:r.randrange(len(text))]
    doc = json.loads(text)
    node, parent, key = doc, None, None
    for _ in range(r.randrange(1, 5)):
        children = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
        if not children:
            break
        k, child = r.choice(children)
        parent, key = node, k
        if not isinstance(child, (dict, list)) or r.random() < 0.3:
            break
        node = child
    if parent is None:
        return text
    node = parent
    if kind == 2:
        node[key] = r.choice([None, "x", -1, 0, 1e308, -1.0, 10 ** 30, [], {}, True, [1.0], "HUGE"])
    elif isinstance(node, dict):
        node["%s_" % key] = node.pop(key)
    else:
        node.pop(key)
    return json.dumps(doc).replace('"HUGE"', "7" * 4400)     # an integer past Python's 4300-digit limit


@pytest.mark.parametrize("twin", TWINS)
def test_seeded_model_file_damage_is_refused_cleanly_or_read(capsys, tmp_path, own, model, twin):
    """DAMAGES damaged files, each through predict, evaluate and info: exit 0, or 2 with one clear line."""
    original = open(model).read()
    r = random.Random(14)
    outcomes = {0: 0, 2: 0}
    for k in range(DAMAGES):
        path = str(tmp_path / ("d%d.json" % k))
        with open(path, "w") as f:
            f.write(damaged(original, r))
        for argv in (["predict", path, "--data", own, "--twin", twin],
                     ["evaluate", path, "--data", own, "--twin", twin], ["info", path]):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                status, _ = run_cli(*argv)
            err = capsys.readouterr().err
            assert status in (0, 2), (k, argv, err)
            assert not caught, (k, argv, [str(w.message) for w in caught])
            if status == 2:
                assert err.count("\n") == 1 and err.startswith("twin-nn: error: "), (k, err)
            else:
                assert err == "", (k, err)
            outcomes[status] += 1
    assert outcomes[2] > DAMAGES           # most damage is caught (a digit changed in a weight is not)


# ------------------------------------------------------------- faults
def test_ctrl_c_keeps_the_epochs_so_far_saves_and_says_where(capsys, monkeypatch, tmp_path, own):
    from scalar_nn.toolkit import training
    real, calls = training.format_epoch, []

    def press_ctrl_c_at_the_second_line(*args):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args)
    monkeypatch.setattr(training, "format_epoch", press_ctrl_c_at_the_second_line)
    path = str(tmp_path / "m.json")
    status, text = run_cli("train", "--data", own, "--target", "y", "--epochs", "50", "--save", path)
    assert status == 130, text
    assert "interrupted at epoch 11 (10 complete epochs kept in the history); scoring and saving" in text
    assert "saved model to" in text
    monkeypatch.undo()
    info = succeeds(capsys, ["info", path])
    assert "history: 10 epochs" in info and "event: kind interrupted, epoch 11" in info


def test_a_diverging_run_stops_the_same_way_in_both_twins_and_exact_mode(capsys, tmp_path):
    data = write_csv(tmp_path / "d.csv", binary_rows(scale_a=1.3e155))
    errs = set()
    for extra in (["--twin", "scalar"], ["--twin", "vector"], ["--exact"]):
        _, err = refused(capsys, ["train", "--data", data, "--target", "y", "--optimizer", "sgd", "--lr", "1e300",
                                  "--hidden", "relu", "--epochs", "20", "--seed", "3", "--quiet"] + extra,
                         "learning rate is probably too large")
        errs.add(err)
    assert len(errs) == 1, errs
    refused(capsys, ["train", "--data", data, "--target", "y", "--optimizer", "sgd", "--l2", "1e200", "--quiet"],
            "the L2 penalty is probably too large")


def test_a_mistyped_layer_size_is_refused_before_allocating(capsys, own):
    refused(capsys, ["train", "--data", own, "--target", "y", "--layers", "100000000,100000000"],
            "was a layer size mistyped", "--max-memory")
    refused(capsys, ["train", "--data", own, "--target", "y", "--layers", "100", "--max-memory", "1K"],
            "more than the limit of 1.0 KB")


# --------------------------------------------------------- the CSV fuzz
@pytest.mark.parametrize("twin", TWINS)
def test_hypothesis_csv_fuzz_never_crashes_either_twin(tmp_path_factory, twin):
    """FUZZ_EXAMPLES generated CSV files (structured, extreme numbers, raw bytes) per twin: 0 or 2, never a bug."""
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies
    ordinary = st.floats(-1e3, 1e3).map(repr)
    cells = st.one_of(ordinary, ordinary, ordinary, st.floats(allow_nan=True, allow_infinity=True).map(repr),
                      st.sampled_from(["1e308", "-1e308", "1.3e155", "5e-324", "", "x", "nan", "0", "1", "1e200"]),
                      st.integers(-3, 3).map(str), st.text("ab,\"\n 1.e-", max_size=4))
    structured = st.integers(1, 4).flatmap(lambda n: st.lists(
        st.lists(cells, min_size=n, max_size=n), min_size=1, max_size=12).map(
        lambda rows: ("x%s,y\n" % ",x".join(map(str, range(1, n))) if n > 1 else "y\n") +
        "\n".join(",".join(row) for row in rows)).map(lambda t: t.encode("utf-8", "replace")))
    raw = st.binary(max_size=200).map(lambda b: b"a,y\n" + b)

    @hypothesis.settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True,
                         suppress_health_check=list(hypothesis.HealthCheck))
    @hypothesis.given(data=st.one_of(structured, raw))
    def run(data):
        path = tmp_path_factory.mktemp("fuzz") / "f.csv"
        path.write_bytes(data)
        stderr = io.StringIO()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            real, sys.stderr = sys.stderr, stderr
            try:
                status, _ = run_cli("train", "--data", path, "--target", "y", "--twin", twin, "--epochs", "2",
                                    "--layers", "3", "--quiet", "--save", path.with_suffix(".json"))
            finally:
                sys.stderr = real
        err = stderr.getvalue()
        assert status in (0, 2), (data, err)
        assert not caught, (data, [str(w.message) for w in caught])
        assert (err == "") if status == 0 else (err.count("\n") == 1 and err.startswith("twin-nn: error: ")), err
        if status == 0:
            assert run_cli("predict", path.with_suffix(".json"), "--data", path, "--twin", twin)[0] in (0, 2)
    run()


# ------------------------------------------------------------ --debug
def test_internal_errors_say_so_and_debug_shows_the_traceback(capsys, monkeypatch, own, model):
    from twin_nn import columns

    def bug(*args, **kwargs):
        return {}["std"]                       # what a KeyError deep inside looked like before
    monkeypatch.setattr(columns.Columns, "encode", bug)
    status, _ = run_cli("predict", model, "--data", own)
    err = capsys.readouterr().err
    assert status == 1 and err.count("\n") == 1
    assert err.startswith("twin-nn: internal error: KeyError: 'std'") and "rerun with --debug" in err
    with pytest.raises(KeyError):
        run_cli("predict", model, "--data", own, "--debug")
    monkeypatch.setenv("TWIN_NN_DEBUG", "1")
    with pytest.raises(KeyError):
        run_cli("predict", model, "--data", own)


def test_a_bad_input_error_stays_one_line_and_debug_shows_its_traceback(capsys, monkeypatch, own):
    refused(capsys, ["predict", "missing.json", "--data", own], "no model file at missing.json")
    with pytest.raises(FileNotFoundError):
        run_cli("--debug", "predict", "missing.json", "--data", own)


def test_ctrl_c_outside_training_is_one_line_and_130(tmp_path):
    code = ("import sys, signal, os, twin_nn.cli as c\n"
            "c.cmd_recipes = None\n"
            "def f(args, out):\n    os.kill(os.getpid(), signal.SIGINT)\n"
            "p = c.build_parser\n"
            "def b():\n    q = p(); q._subparsers._group_actions[0].choices['recipes'].set_defaults(func=f); return q\n"
            "c.build_parser = b\nsys.exit(c.main(['recipes']))\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 130 and proc.stderr == "twin-nn: interrupted\n", proc.stderr
    assert signal.SIGINT                      # (the signal is the real one, sent by the process to itself)


def test_the_optional_column_fields_of_meta_data_are_checked_too(tmp_path, own):
    """Files whose features have kinds (one-hot categories) store columns/inputs/missing/unknown."""
    from scalar_nn.toolkit.schema import ModelFileError
    from twin_nn.model_meta import check_meta

    class Net:
        sizes, loss_name, output = [3, 1], "mse", "linear"
    good = {"target": "y", "features": ["a", "colour"], "inputs": ["a", "colour=red", "colour=blue"],
            "columns": [{"name": "a", "kind": "number", "fill": 0.5},
                        {"name": "colour", "kind": "category", "categories": ["blue", "red"]}],
            "missing": "mean", "unknown": "ignore", "standardize": {"mean": [0.0] * 3, "std": [1.0] * 3}}
    check_meta({"data": good}, Net, "m.json")
    for change, message in ((lambda d: d["inputs"].pop(), "meta.data.inputs names 2 inputs, but meta.data.columns make 3"),
                            (lambda d: d["columns"][1].__setitem__("kind", "text"), "columns[1].kind must be"),
                            (lambda d: d["columns"][0].__setitem__("fill", None) or d["columns"][0].__setitem__(
                                "fill", "x"), "columns[0].fill is 'x'"),
                            (lambda d: d.__setitem__("missing", "guess"), "meta.data.missing must be one of"),
                            (lambda d: d["columns"][1].__setitem__("categories", []), "categories must be a non-empty")):
        d = json.loads(json.dumps(good))
        change(d)
        with pytest.raises(ModelFileError, match="model file m.json: .*" + re.escape(message)):
            check_meta({"data": d}, Net, "m.json")


def test_notes_beside_data_on_stdout_go_to_a_terminal_only():
    """predict's notes (ignored columns, progress) reach a person at a terminal, never a pipe's stderr."""
    import io
    from twin_nn import cli_output

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    tty, pipe = Terminal(), io.StringIO()
    cli_output.aside(tty).write("note\n")
    cli_output.aside(pipe).write("note\n")
    assert tty.getvalue() == "note\n" and pipe.getvalue() == ""
