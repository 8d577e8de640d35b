"""The pictures: ``--plot`` on train/overclock/compare, ``--plot-regions``, ``lr-schedule``.

Each picture test writes a PNG and checks that it is one: the 8-byte PNG
signature, an IHDR chunk first with a sensible width and height, and a
file size between a near-empty canvas and something bloated.  They skip
cleanly when matplotlib is not installed (it is the optional ``plot``
extra); the messages a user gets without it are tested with matplotlib
hidden, so they run either way.  The pictures themselves were looked at by
eye (one example of each is in docs/pictures/).
"""

import io
import os
import struct
import subprocess
import sys

import pytest

from twin_nn import cli, plots

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run_cli(*argv):
    out = io.StringIO()
    status = cli.main(list(argv), out=out)
    return status, out.getvalue()


def png_size(path):
    """(width, height) of a PNG file, after checking its signature and that IHDR comes first."""
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == PNG_SIGNATURE, "%s is not a PNG file" % path
    length, kind = struct.unpack(">I4s", head[8:16])
    assert kind == b"IHDR" and length == 13
    return struct.unpack(">II", head[16:24])


def assert_sensible_png(path, min_width=500, min_height=300):
    width, height = png_size(path)
    assert min_width <= width <= 2000 and min_height <= height <= 1500, (width, height)
    size = os.path.getsize(path)
    assert 10000 < size < 400000, "%s is %d bytes" % (path, size)


needs_matplotlib = pytest.mark.skipif(
    __import__("importlib").util.find_spec("matplotlib") is None,
    reason="matplotlib is not installed (the optional plot extra: pip install 'twin-nn[plot]')")


# ------------------------------------------------------------- PNG checks
def test_png_size_reads_the_header_and_refuses_other_files(tmp_path):
    good = tmp_path / "one.png"
    good.write_bytes(PNG_SIGNATURE + struct.pack(">I4sII", 13, b"IHDR", 640, 480) + b"\0" * 5)
    assert png_size(str(good)) == (640, 480)
    bad = tmp_path / "not.png"
    bad.write_bytes(b"GIF89a" + b"\0" * 30)
    with pytest.raises(AssertionError):
        png_size(str(bad))


# ---------------------------------------------------------------- pictures
@needs_matplotlib
@pytest.mark.parametrize("twin_name", ["scalar", "vector"])
def test_train_plot_draws_the_curves(tmp_path, twin_name):
    path = str(tmp_path / "curves.png")
    status, text = run_cli("train", "circles", "--twin", twin_name, "--epochs", "5", "--quiet", "--plot", path)
    assert status == 0
    assert "wrote the training curves to %s" % path in text
    assert_sensible_png(path)


def test_train_plot_scores_the_held_out_rows_every_epoch_without_changing_training():
    from twin_nn import recipes
    plain = recipes.run("circles", "vector", epochs=4, verbose=0)
    watched = recipes.run("circles", "vector", epochs=4, verbose=0, monitor_holdout=True)
    assert plain.history.loss == watched.history.loss and plain.scores == watched.scores
    assert plain.history.val_loss == [None] * 4
    assert watched.history.val_loss[-1] == pytest.approx(watched.scores["loss"], rel=1e-12)
    assert watched.history.metrics["val_accuracy"][-1] == watched.scores["accuracy"]


@needs_matplotlib
@pytest.mark.parametrize("recipe", ["spiral", "circles"])
def test_train_plot_regions_draws_the_plane(tmp_path, recipe):
    path = str(tmp_path / "regions.png")
    status, text = run_cli("train", recipe, "--epochs", "3", "--quiet", "--plot-regions", path)
    assert status == 0 and "wrote the decision regions to %s" % path in text
    assert_sensible_png(path)


@needs_matplotlib
def test_decision_regions_work_from_the_scalar_twin_too(tmp_path):
    path = str(tmp_path / "regions.png")
    status, _ = run_cli("train", "moons-bn", "--twin", "scalar", "--epochs", "2", "--quiet", "--plot-regions", path)
    assert status == 0
    assert_sensible_png(path)


@needs_matplotlib
@pytest.mark.parametrize("twin_name", ["scalar", "vector"])
def test_train_on_a_csv_draws_its_curves_and_regions(tmp_path, twin_name):
    from parity_tests.app.cli_data_helpers import multiclass_csv
    data = multiclass_csv(tmp_path / "iris.csv")
    curves, regions = str(tmp_path / "curves.png"), str(tmp_path / "regions.png")
    status, text = run_cli("train", "--data", data, "--target", "species", "--epochs", "3", "--quiet",
                           "--twin", twin_name, "--plot", curves, "--plot-regions", regions)
    assert status == 0                              # --plot and --plot-regions were silently ignored
    assert "wrote the training curves to %s" % curves in text
    assert "wrote the decision regions to %s" % regions in text
    assert_sensible_png(curves)
    assert_sensible_png(regions)


def test_train_on_a_csv_refuses_regions_it_cannot_draw(tmp_path, capsys):
    path = tmp_path / "three.csv"
    path.write_text("a,b,c,y\n" + "".join("%d,%d,%d,%s\n" % (i, i % 3, i % 5, "yn"[i % 2]) for i in range(20)))
    status, text = run_cli("train", "--data", str(path), "--target", "y", "--plot-regions", str(tmp_path / "r.png"))
    assert status == 2 and text == ""
    assert "--plot-regions needs 2 feature columns and a classification target" in capsys.readouterr().err


@needs_matplotlib
def test_overclock_plot_draws_both_runs(tmp_path):
    path = str(tmp_path / "ab.png")
    status, text = run_cli("overclock", "people-221", "--at-epoch", "5", "--delta", "-0.05", "--epochs", "20",
                           "--plot", path)
    assert status == 0 and "wrote both curves to %s" % path in text
    assert_sensible_png(path)


@needs_matplotlib
def test_compare_plot_draws_both_twins_and_their_difference(tmp_path):
    path = str(tmp_path / "twins.png")
    status, text = run_cli("compare", "people-221", "--epochs", "40", "--plot", path)
    assert status == 0 and "wrote the comparison to %s" % path in text
    assert_sensible_png(path)


@needs_matplotlib
def test_compare_picture_draws_differences_of_exactly_zero_at_the_floor(tmp_path):
    """A log axis cannot show 0: such epochs are drawn at ZERO_FLOOR and the legend says so."""
    from scalar_nn.toolkit.training import History
    h = History()
    for e in range(1, 6):
        h.record(e, 1.0 / e, None, {}, 0.1, 0.0)
    diffs = [(0.0, 0.0), (0.0, 0.0), (1e-17, 1e-16), (2e-16, 3e-15), (2e-16, 3e-15)]
    path = str(tmp_path / "zeros.png")
    plots.compare_twins(h, h, diffs, path, "zeros")
    assert_sensible_png(path)


@needs_matplotlib
def test_lr_schedule_plot(tmp_path):
    path = str(tmp_path / "lr.png")
    status, text = run_cli("lr-schedule", "--lr", "0.05", "--decay", "1e-3", "--steps", "5000", "--plot", path)
    assert status == 0 and "wrote the schedule to %s" % path in text
    assert_sensible_png(path)


# ------------------------------------------------------ lr-schedule as text
def test_lr_schedule_prints_rows_of_the_schedule():
    from scalar_nn.optim import lr_at
    status, text = run_cli("lr-schedule", "--lr", "0.05", "--decay", "1e-3", "--steps", "5000")
    assert status == 0
    rows = [line.split() for line in text.splitlines() if line.strip()[:1].isdigit()]
    assert [int(r[0]) for r in rows] == list(range(0, 5001, 500))
    for step, lr, _ in rows:
        assert float(lr) == pytest.approx(lr_at(0.05, 1e-3, int(step)), rel=1e-5)
    assert "the rate halves at step 1/decay = 1000" in text


def test_lr_schedule_with_epochs_and_without_decay():
    status, text = run_cli("lr-schedule", "--lr", "0.1", "--decay", "0", "--steps", "100", "--rows", "4",
                           "--steps-per-epoch", "25")
    assert status == 0
    rows = [line.split() for line in text.splitlines() if line.strip()[:1].isdigit()]
    assert [(r[0], r[1], r[2]) for r in rows] == [("0", "0.0", "0.1"), ("25", "1.0", "0.1"),
                                                  ("50", "2.0", "0.1"), ("75", "3.0", "0.1"),
                                                  ("100", "4.0", "0.1")]
    assert "decay 0: the rate stays at 0.1" in text


# ------------------------------------------------- refusals before any work
@pytest.mark.parametrize("argv, message", [
    (["train", "people-221", "--plot", "curves.txt"], r"--plot curves.txt: pictures are PNG files"),
    (["train", "people-221", "--plot", ""], r"--plot needs a file name"),
    (["train", "people-221", "--plot", "no-such-folder/c.png"], r"the folder .*no-such-folder does not exist"),
    (["train", "sine3d", "--plot-regions", "r.png"],
     r"--plot-regions needs a 2-feature classification recipe .*; sine3d has 3 input features and loss mse"),
    (["train", "people-221", "--plot-regions", "r.png"],
     r"people-221 has 2 input features and loss mse"),
    (["lr-schedule", "--plot", "lr.jpg"], r"pictures are PNG files"),
])
def test_bad_picture_requests_fail_in_one_line_before_training(argv, message, capsys):
    status, text = run_cli(*argv)
    assert status == 2 and text == ""                     # nothing printed, nothing trained
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert __import__("re").search(message, err), err


def test_a_folder_as_the_picture_is_refused(tmp_path, capsys):
    for folder in (tmp_path, tmp_path / "looks-like.png"):
        folder.mkdir(exist_ok=True)
        status, text = run_cli("compare", "people-221", "--plot", str(folder))
        assert status == 2 and text == ""
        assert "--plot %s is a folder" % folder in capsys.readouterr().err


def test_without_matplotlib_the_cli_says_how_to_install_it(monkeypatch, tmp_path, capsys):
    """matplotlib hidden: one line naming the extra, before any training."""
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    for argv in (["train", "people-221", "--twin", "scalar", "--plot", str(tmp_path / "c.png")],
                 ["compare", "people-221", "--plot", str(tmp_path / "c.png")],
                 ["overclock", "people-221", "--plot", str(tmp_path / "c.png")],
                 ["lr-schedule", "--plot", str(tmp_path / "c.png")]):
        status, text = run_cli(*argv)
        assert status == 2 and text == "", argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "pip install 'twin-nn[plot]'" in err and "pip install matplotlib" in err
    assert os.listdir(str(tmp_path)) == []
    status, text = run_cli("lr-schedule", "--steps", "10")        # no picture asked: no matplotlib needed
    assert status == 0 and "lr_s = lr0 / (1 + decay * s)" in text


def test_importing_the_plots_and_the_cli_does_not_import_matplotlib():
    """matplotlib is imported only when a picture is drawn (and the lesson modules never see it)."""
    code = ("import sys, twin_nn.cli, twin_nn.plots, twin_nn.cli_pictures\n"
            "import scalar_nn.mlp, twin_nn.recipes\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_train_help_documents_the_pictures(capsys):
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    text = capsys.readouterr().out
    assert "--plot FILE.png" in text and "--plot-regions FILE.png" in text and "twin-nn[plot]" in text


@pytest.mark.parametrize("command, options", [
    ("compare", ["--plot FILE.png"]), ("overclock", ["--plot FILE.png"]),
    ("lr-schedule", ["--lr", "--decay", "--steps", "--steps-per-epoch", "--rows", "--plot FILE.png"]),
])
def test_picture_options_are_in_the_help(command, options, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main([command, "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith("usage: twin-nn %s" % command)
    for option in options:
        assert option in text


# ------------------------------------------------- pictures in the file's terms
@pytest.fixture
def drawn(monkeypatch):
    """The figures the CLI draws, by file name (plots._save is wrapped, the PNG still written)."""
    figures = {}
    save = plots._save

    def keep(fig, path):
        figures[os.path.basename(path)] = fig
        return save(fig, path)

    monkeypatch.setattr(plots, "_save", keep)
    return figures


@needs_matplotlib
@pytest.mark.parametrize("twin_name", ["scalar", "vector"])
def test_regions_picture_uses_the_files_column_and_class_names(tmp_path, twin_name, drawn):
    path = tmp_path / "iris.csv"
    rows = ["petal length (cm),petal width (cm),species"]
    for i in range(60):
        k = i % 3
        rows.append("%g,%g,%s" % (1.5 + 2 * k + 0.1 * (i % 5), 0.2 + 0.8 * k + 0.05 * (i % 4),
                                  ("setosa", "versicolor", "virginica")[k]))
    path.write_text("\n".join(rows) + "\n")
    regions = str(tmp_path / "regions.png")
    status, _ = run_cli("train", "--data", str(path), "--target", "species", "--epochs", "3", "--quiet",
                        "--twin", twin_name, "--plot-regions", regions)
    assert status == 0
    ax = drawn["regions.png"].axes[0]
    assert ax.get_xlabel() == "petal length (cm)" and ax.get_ylabel() == "petal width (cm)"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "setosa (training)" in labels and "virginica (validation)" in labels   # the rows that chose the kept epoch
    assert not any(label.startswith("class ") for label in labels)
    # in the file's units: the points sit where the CSV puts them, not at standardized values
    from matplotlib.collections import PathCollection          # the scattered points, not the shading
    xs = [x for c in ax.collections if type(c) is PathCollection for x, _ in c.get_offsets()]
    assert min(xs) >= 1.5 and max(xs) <= 5.9
    assert_sensible_png(regions)


@needs_matplotlib
def test_recipe_regions_keep_generic_names(tmp_path, drawn):
    status, _ = run_cli("train", "circles", "--epochs", "2", "--quiet", "--plot-regions", str(tmp_path / "r.png"))
    assert status == 0
    ax = drawn["r.png"].axes[0]
    assert ax.get_xlabel() == "feature 1 (x1)"
    assert "class 0 (training)" in [t.get_text() for t in ax.get_legend().get_texts()]


@needs_matplotlib
@pytest.mark.parametrize("twin_name", ["scalar", "vector"])
def test_regression_curve_is_in_the_targets_own_units(tmp_path, twin_name, drawn):
    """A standardized target's RMSE is drawn times its std: the figure of the final rmse line, not ~1."""
    import re
    path = tmp_path / "houses.csv"
    path.write_text("rooms,age,price\n" + "".join(
        "%d,%d,%d\n" % (r, a, 50000 + 30000 * r - 700 * a + 9000 * ((r * 7 + a) % 5))
        for r in range(1, 7) for a in range(0, 40, 3)))
    curves, model = str(tmp_path / "curves.png"), str(tmp_path / "m.json")
    status, text = run_cli("train", "--data", str(path), "--target", "price", "--epochs", "15", "--quiet",
                           "--twin", twin_name, "--plot", curves, "--save", model)
    assert status == 0
    std = float(re.search(r"target standardized too \(mean [^,]+, std ([^)]+)\)", text).group(1))
    loss_ax, metric_ax, _ = drawn["curves.png"].axes          # loss, the metric, the lr twin of loss
    assert metric_ax.get_ylabel() == "RMSE of price, in its own units"
    assert "std %.4g" % std in metric_ax.get_title()
    assert "standardized target" in loss_ax.get_ylabel()
    from scalar_nn.toolkit.serialize import load_model_file
    history = load_model_file(model).history                  # the RMSE training recorded: standardized
    stored = load_model_file(model).meta["data"]["target_standardize"]["std"]
    assert stored == pytest.approx(std, rel=1e-5)
    for label, name in (("training RMSE", "rmse"), ("validation RMSE", "val_rmse")):   # --data: validation rows
        (line,) = [ln for ln in metric_ax.get_lines() if ln.get_label() == label]
        drawn_values, recorded = list(line.get_ydata()), history.metrics[name]
        assert max(recorded) < 10 and min(drawn_values) > 1000   # ~1 standardized, price units drawn
        assert drawn_values == pytest.approx([v * stored for v in recorded], rel=1e-12)


@needs_matplotlib
def test_training_curves_without_scaling_say_the_units_too(tmp_path, drawn):
    status, _ = run_cli("train", "sine3d", "--epochs", "2", "--quiet", "--plot", str(tmp_path / "c.png"))
    assert status == 0
    metric_ax = drawn["c.png"].axes[1]
    assert metric_ax.get_title() == "RMSE, in the target's own units"


# --------------------------------------------- docs/pictures are what the code draws
def png_description(path):
    """The Description text that plots._save writes into every picture (tEXt or iTXt chunk)."""
    import zlib
    with open(path, "rb") as f:
        data = f.read()
    i = 8
    while i < len(data):
        length, kind = struct.unpack(">I4s", data[i:i + 8])
        body = data[i + 8:i + 8 + length]
        if kind == b"tEXt" and body.startswith(b"Description\0"):
            return body.split(b"\0", 1)[1].decode("latin-1")
        if kind == b"iTXt" and body.startswith(b"Description\0"):
            flag, rest = body[12], body[14:]
            text = rest.split(b"\0", 2)[2]
            return (zlib.decompress(text) if flag else text).decode("utf-8")
        i += 12 + length
    return None


# The committed examples and the commands of docs/PICTURES.md that draw them (all but the
# sine3d headline run, which trains for 2500 epochs; its command is in PICTURES.md too).
DOCUMENTED = {
    "compare-people-221.png": ["compare", "people-221"],
    "lr-schedule.png": ["lr-schedule", "--lr", "0.05", "--decay", "1e-3", "--steps", "5000",
                        "--steps-per-epoch", "250"],
    "train-spiral.png": ["train", "spiral", "--quiet"],
    "regions-spiral.png": ["train", "spiral", "--quiet"],
    "overclock-swish.png": ["overclock"],
}


def test_pictures_md_lists_the_commands_tested_here():
    with open(os.path.join(ROOT, "docs", "PICTURES.md"), encoding="utf-8") as f:
        text = f.read()
    for name, argv in DOCUMENTED.items():
        option = "--plot-regions" if name.startswith("regions") else "--plot"
        assert "twin-nn %s %s docs/pictures/%s" % (" ".join(argv), option, name) in text, name


@needs_matplotlib
@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_documented_pictures_are_current(tmp_path, name):
    """The committed picture says what the code draws today (its titles, labels and legend).

    Issue 17 found compare-people-221.png saying 11 epochs were bit-identical where the code says 37.
    """
    committed = os.path.join(ROOT, "docs", "pictures", name)
    fresh = str(tmp_path / name)
    option = "--plot-regions" if name.startswith("regions") else "--plot"
    status, _ = run_cli(*(DOCUMENTED[name] + [option, fresh]))
    assert status == 0
    now, then = png_description(fresh), png_description(committed)
    assert now, "plots._save wrote no Description"
    assert then == now, ("docs/pictures/%s is out of date: regenerate it with the command in docs/PICTURES.md\n"
                         "committed: %r\ncode:      %r" % (name, then, now))
