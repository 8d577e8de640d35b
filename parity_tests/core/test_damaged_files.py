"""Hostile and damaged inputs to the core: model files, .npz archives, extreme numbers, faults (issue 14).

Each test is one kind of failure that used to lose data, overflow, allocate
without bound or end in a traceback; the shared code (schema, files,
scaling, limits, the training loop) is tested once, what differs between
the twins against each twin.
"""

import io
import json
import math
import os
import random
import subprocess
import sys
import zipfile

import pytest

from scalar_nn.toolkit import files, limits, scaling
from scalar_nn.toolkit.schema import ModelFileError
from scalar_nn.toolkit.training import History, TrainingDiverged


def small_net(twin, **options):
    return twin.mlp.MLP([2, 3, 1], hidden="tanh", output="sigmoid", loss="bce", seed=1, **options)


def saved(twin, tmp_path, name="m.json", **options):
    path = str(tmp_path / name)
    twin.serialize.save_model(small_net(twin, **options), path)
    return path


def edit_json(path, change):
    with open(path) as f:
        doc = json.load(f)
    change(doc)
    with open(path, "w") as f:
        json.dump(doc, f)


# ------------------------------------------------------------ model files
def test_a_negative_batchnorm_variance_is_refused_at_load_by_both_twins(twin, tmp_path):
    path = saved(twin, tmp_path, batchnorm=True)
    edit_json(path, lambda d: d["buffers"]["running_var1"].__setitem__(0, -1.0))
    with pytest.raises(ModelFileError, match=r"m.json: buffers.running_var1\[0\] is -1.0: a variance cannot be negative"):
        twin.serialize.load_model(path)


def test_a_seed_of_thousands_of_digits_is_one_clear_error(twin, tmp_path):
    path = saved(twin, tmp_path)
    with open(path) as f:
        text = f.read()
    for seed in ("7" * 5000, "7" * 100):          # past Python's 4300-digit limit, and past 256 bits
        with open(path, "w") as f:
            f.write(text.replace('"seed": 1', '"seed": ' + seed, 1))
        with pytest.raises(ModelFileError) as exc:
            twin.serialize.load_model(path)
        assert "m.json" in str(exc.value) and "\n" not in str(exc.value)
        assert ("cannot be read" in str(exc.value)) or ("options.seed" in str(exc.value))


def test_weights_of_1e308_give_the_same_predictions_in_both_twins(scalar, vector, tmp_path):
    path = saved(scalar, tmp_path)
    edit_json(path, lambda d: d["params"]["W1"].__setitem__(0, [1e308, -1e308, 1e308]))
    X = [[0.5, -0.25], [1.0, 2.0]]
    ps = scalar.serialize.load_model(path).predict(X)
    pv = vector.serialize.load_model(path).predict(X).tolist()
    assert ps == pv and all(math.isfinite(v) for row in ps for v in row)


def test_a_model_file_larger_than_the_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = tmp_path / "big.json"
    path.write_bytes(b" " * 2000)
    with pytest.raises(ValueError, match="big.json: it is 2.0 KB, more than the 1000 bytes a model file may be"):
        files.read_bytes(str(path), "model file", limit=1000)


# ------------------------------------------------------------------ .npz
def rewrite_npz(src, dst, change):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", compression=zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info.filename))
            zout.writestr(info.filename, data)


@pytest.fixture
def npz(vector, tmp_path):
    path = str(tmp_path / "good.npz")
    vector.serialize.save_npz(vector.mlp.MLP([2, 3, 1], seed=0), path)
    return path


def test_an_npz_entry_claiming_terabytes_is_refused_without_allocating(vector, npz, tmp_path):
    bad = str(tmp_path / "huge.npz")
    rewrite_npz(npz, bad, lambda n, d: d.replace(b"(2, 3)", b"(1000000, 1000000)") if n == "W1.npy" else d)
    with pytest.raises(ModelFileError, match=r"entry 'W1' claims shape \(1000000, 1000000\).*nothing was allocated"):
        vector.serialize.load_model(bad)


def test_a_malformed_npy_header_is_one_clear_error(vector, npz, tmp_path):
    bad = str(tmp_path / "header.npz")
    rewrite_npz(npz, bad, lambda n, d: d.replace(b"'shape': (2, 3)", b"'shape': ((2, 3)") if n == "W1.npy" else d)
    with pytest.raises(ModelFileError, match="entry 'W1' has a malformed .npy header"):
        vector.serialize.load_model(bad)


def test_a_zip_bomb_is_refused_by_the_sizes_the_model_declares(vector, npz, tmp_path):
    np = pytest.importorskip("numpy")
    buffer = io.BytesIO()
    np.save(buffer, np.zeros((2000, 500)))             # 8 MB that deflate to a few KB
    bad = str(tmp_path / "bomb.npz")
    rewrite_npz(npz, bad, lambda n, d: buffer.getvalue() if n == "W1.npy" else d)
    assert os.path.getsize(bad) < 100_000
    with pytest.raises(ModelFileError, match="more than the .* bytes its model can hold"):
        vector.serialize.load_model(bad)


# --------------------------------------------------------------- writing
def test_a_save_removes_the_temporary_files_that_killed_writers_left(twin, tmp_path):
    path = saved(twin, tmp_path)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()      # a pid that has exited
    leftovers = [tmp_path / (".m.json.%s.1.tmp" % dead), tmp_path / (".m.json.%s.7.tmp" % dead)]
    alive = tmp_path / (".m.json.%d.3.tmp" % os.getppid())                    # a live writer's file stays
    other = tmp_path / (".other.json.%s.1.tmp" % dead)                         # another target's stays
    for p in leftovers + [alive, other]:
        p.write_bytes(b"half a model")
    twin.serialize.save_model(small_net(twin), path)
    assert [p.exists() for p in leftovers] == [False, False]
    assert alive.exists() and other.exists()


def test_a_save_that_cannot_fit_on_the_disk_fails_before_writing_and_says_how_large(twin, tmp_path, monkeypatch):
    class Usage:
        free = 10_000
    monkeypatch.setattr(files.shutil, "disk_usage", lambda directory: Usage)
    path = str(tmp_path / "m.json")
    with pytest.raises(OSError, match=r"cannot write .*m.json: the file will be about .* but the disk has only 9.8 KB free"):
        twin.serialize.save_model(small_net(twin), path)
    assert os.listdir(str(tmp_path)) == []
    with pytest.raises(OSError, match="the file will be about 2.4 MB"):
        files.check_destination(path, size=2_500_000)


@pytest.mark.parametrize("spelling", ["{d}/own.csv", "{d}/./sub/../own.csv", "{d}/link.csv"])
def test_an_output_that_is_an_input_is_refused_however_it_is_spelled(tmp_path, spelling):
    (tmp_path / "sub").mkdir()
    (tmp_path / "own.csv").write_text("a,y\n1,2\n")
    os.symlink(str(tmp_path / "own.csv"), str(tmp_path / "link.csv"))
    with pytest.raises(ValueError, match="is the same file as --data"):
        files.refuse_overwriting_inputs([("--save", spelling.format(d=tmp_path))],
                                        [("--data", str(tmp_path / "own.csv"))])
    files.refuse_overwriting_inputs([("--save", str(tmp_path / "new.json"))], [("--data", str(tmp_path / "own.csv"))])


# --------------------------------------------------------------- numbers
@pytest.mark.parametrize("column", [[1.3e155, 2.6e155, -1.0e155], [1e308, 1e308, 1e308, 0.5],
                                    [1.7e308, -1.7e308, -1.7e308], [5e-324, 1e-320, 0.0]])
def test_standardizing_never_overflows(column):
    X = [[v] for v in column]
    (mean,), (std,) = scaling.column_scaling(X)
    Z = scaling.scale(X, [mean], [std])
    assert math.isfinite(mean) and math.isfinite(std) and std > 0
    assert all(math.isfinite(z) for (z,) in Z)
    assert abs(math.fsum(z for (z,) in Z)) < 1e-9 * len(Z)


def test_standardizing_ordinary_data_is_the_textbook_formula_bit_for_bit():
    r = random.Random(3)
    X = [[r.gauss(5, 2), r.uniform(-1e3, 1e3)] for _ in range(50)]
    mean, std = scaling.column_scaling(X)
    for j, col in enumerate(zip(*X)):
        mu = math.fsum(col) / len(col)
        assert mean[j] == mu
        assert std[j] == math.sqrt(math.fsum((x - mu) * (x - mu) for x in col) / len(col))


def test_a_value_that_cannot_be_standardized_names_its_column():
    with pytest.raises(ValueError, match=r"column 'price': the value 1e\+308 cannot be standardized"):
        scaling.scale([[1e308]], [0.0], [1e-300], ["price"])


def test_both_twins_standardize_with_the_one_standardizer(scalar, vector):
    X = [[1e308, 1.0], [-1e308, 2.0], [1e308, 4.0]]
    assert vector.datasets.standardize(X).tolist() == scalar.datasets.standardize(X) == scaling.standardize(X)


# ---------------------------------------------------------------- memory
def test_a_mistyped_layer_size_is_refused_before_allocating(net_twin, monkeypatch):
    monkeypatch.delenv(limits.ENVIRONMENT, raising=False)
    with pytest.raises(ValueError, match=r"sizes \[2, 100000000, 100000000, 1\] make a network of .* was a layer size mistyped"):
        net_twin.mlp.MLP([2, 100000000, 100000000, 1])


def test_the_memory_limit_can_be_moved(net_twin, monkeypatch):
    monkeypatch.setenv(limits.ENVIRONMENT, "1K")
    with pytest.raises(ValueError, match=r"more than the limit of 1.0 KB \(TWIN_NN_MAX_MEMORY=1K\)"):
        net_twin.mlp.MLP([2, 100, 1])
    monkeypatch.setenv(limits.ENVIRONMENT, "64G")
    net_twin.mlp.MLP([2, 100, 1])


# --------------------------------------------------------------- training
def make_data(n=24):
    r = random.Random(0)
    X = [[r.uniform(-1, 1), r.uniform(-1, 1)] for _ in range(n)]
    return X, [[1.0 if a + b > 0 else 0.0] for a, b in X]


def test_a_huge_lr_stops_every_twin_with_the_same_divergence_error(net_twin):
    X, Y = make_data()
    net = net_twin.mlp.MLP([2, 8, 1], hidden="relu", output="sigmoid", loss="bce", seed=3)
    with pytest.raises(TrainingDiverged) as exc:
        net.fit(X, Y, net_twin.optim.SGD(lr=1e300), epochs=20, verbose=0, val_split=0.25)
    assert "at epoch 1" in str(exc.value) and "learning rate is probably too large" in str(exc.value)


def test_a_huge_l2_is_blamed_not_the_learning_rate(net_twin):
    X, Y = make_data()
    net = net_twin.mlp.MLP([2, 4, 1], hidden="tanh", output="sigmoid", loss="bce", seed=0, l2=1e200)
    with pytest.raises(TrainingDiverged, match="the L2 penalty is probably too large") as exc:
        net.fit(X, Y, net_twin.optim.SGD(lr=0.1), epochs=5, verbose=0)
    assert "learning rate" not in str(exc.value)


class CtrlC:
    """A callback that presses Ctrl-C at the end of epoch ``at``."""

    def __init__(self, at):
        self.at = at

    def on_train_begin(self, run):
        pass

    def on_epoch_end(self, run):
        if run.epoch == self.at:
            raise KeyboardInterrupt

    def on_train_end(self, run):
        pass


def test_ctrl_c_in_fit_returns_the_history_so_far_marked_interrupted(net_twin):
    X, Y = make_data()
    net = net_twin.mlp.MLP([2, 4, 1], hidden="tanh", output="sigmoid", loss="bce", seed=0)
    history = net.fit(X, Y, net_twin.optim.SGD(lr=0.1), epochs=50, verbose=0, callbacks=[CtrlC(3)])
    assert history.interrupted and history.epoch == [1, 2, 3]
    assert history.events[-1] == {"kind": "interrupted", "epoch": 4}
    again = History.from_dict(json.loads(json.dumps(history.to_dict())))
    assert again.interrupted and "interrupted" in repr(again)
    assert not net.fit(X, Y, net_twin.optim.SGD(lr=0.1), epochs=2, verbose=0).interrupted


def test_a_sigkilled_save_leaves_a_temp_file_that_the_next_save_removes(tmp_path):
    """A writer killed (kill -9) half way through cannot clean up; the next successful save does."""
    import signal
    import time
    target = str(tmp_path / "m.json")
    code = ("import sys, time\nsys.path[:0] = %r\nfrom scalar_nn.toolkit import files\n"
            "def write(f):\n    f.write(b'{' * 100000); f.flush(); print('writing', flush=True); time.sleep(60)\n"
            "files.write_atomically(%r, write)\n" % (sys.path, target))
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    assert proc.stdout.readline() == b"writing\n"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    left = [n for n in os.listdir(str(tmp_path)) if n.endswith(".tmp")]
    assert left == [".m.json.%d.0.tmp" % proc.pid] and not os.path.exists(target)
    time.sleep(0.01)
    files.write_atomically(target, lambda f: f.write(b"{}"))
    assert os.listdir(str(tmp_path)) == ["m.json"]


# seeded damaged .npz archives (byte flips, truncations, rewritten entries)
NPZ_DAMAGES = int(os.environ.get("TWIN_NN_NPZ_DAMAGES", 60))


def test_seeded_npz_damage_is_a_model_file_error_or_a_model(vector, npz, tmp_path):
    np = pytest.importorskip("numpy")
    good = open(npz, "rb").read()
    r = random.Random(14)
    refused = 0
    for k in range(NPZ_DAMAGES):
        kind = k % 3
        if kind == 0:                                   # flip bytes
            data = bytearray(good)
            for _ in range(r.randrange(1, 4)):
                data[r.randrange(len(data))] ^= 1 << r.randrange(8)
            data = bytes(data)
        elif kind == 1:                                 # cut the archive short
            data = good[:r.randrange(len(good))]
        else:                                           # rewrite one entry: other shape, dtype, or garbage
            path = str(tmp_path / "src.npz")
            with open(path, "wb") as f:
                f.write(good)
            victim = r.choice(["W1.npy", "b1.npy", "W2.npy", "twin_nn_metadata.npy"])
            buffer = io.BytesIO()
            np.save(buffer, r.choice([np.zeros((3, 2)), np.ones(7, dtype=np.float32), np.arange(4),
                                      np.array([1e308, -1e308]), np.zeros((2, 3, 1))]))
            replacement = r.choice([buffer.getvalue(), b"\x93NUMPY\x01\x00\xff\xff{'descr'", b""])
            rewrite_npz(path, str(tmp_path / "dst.npz"), lambda n, d: replacement if n == victim else d)
            data = open(str(tmp_path / "dst.npz"), "rb").read()
        path = str(tmp_path / ("d%d.npz" % k))
        with open(path, "wb") as f:
            f.write(data)
        try:
            vector.serialize.load_model(path)
        except ModelFileError as exc:
            assert "\n" not in str(exc) and "d%d.npz" % k in str(exc), str(exc)
            refused += 1
    assert refused > NPZ_DAMAGES // 2


@pytest.mark.parametrize("field, value, message", [
    ("loss", [[1.0]], r"history.loss\[0\] is \[1.0\]: expected a number"),
    ("epoch", [1.5], r"history.epoch\[0\] is 1.5: expected a whole number"),
    ("val_loss", ["x"], r"history.val_loss\[0\] is 'x': expected a number or null"),
])
def test_a_history_entry_of_the_wrong_type_is_named(twin, tmp_path, field, value, message):
    path = str(tmp_path / "h.json")
    twin.serialize.save_model(small_net(twin), path, history={"epoch": [1], "loss": [0.5], "val_loss": [None],
                                                              "lr": [0.1], "metrics": {}, "events": []})
    edit_json(path, lambda d: d["history"].__setitem__(field, value))
    with pytest.raises(ModelFileError, match="h.json: " + message):
        twin.serialize.load_model_file(path)


def test_the_column_form_of_the_standardizer_agrees_with_the_row_form():
    col = [1e308, -1e308, 1e308, 3.0]
    mean, std = scaling.column_stats(col)
    assert ([mean], [std]) == scaling.column_scaling([[x] for x in col])
    assert scaling.scale_column(col, mean, std, "a") == [z for (z,) in scaling.scale([[x] for x in col], [mean], [std])]
    with pytest.raises(ValueError, match="column 'a': the value 1e\\+308 cannot be standardized"):
        scaling.scale_column([1e308], 0.0, 1e-300, "a")


def test_the_checked_reader_names_the_users_path_for_whole_files_and_streams(tmp_path):
    for call in (lambda p: files.read_bytes(p, "CSV file"), lambda p: files.open_for_reading(p, "CSV file")):
        with pytest.raises(FileNotFoundError, match="^no CSV file at .*nope.csv \\(file not found\\)$"):
            call(str(tmp_path / "nope.csv"))
        with pytest.raises(IsADirectoryError, match="it is a folder, not a CSV file$"):
            call(str(tmp_path))
    (tmp_path / "x.csv").write_bytes(b"a,b\n1,2\n")
    with files.open_for_reading(str(tmp_path / "x.csv"), "CSV file") as f:
        assert f.read() == b"a,b\n1,2\n"
