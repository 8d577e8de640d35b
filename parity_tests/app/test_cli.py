"""The ``twin-nn`` command: every subcommand, its help, and its errors.

``twin_nn.cli.main(argv, out=...)`` is called in-process with a StringIO
for the normal output; argparse's own messages (``--help``, usage errors) go
to sys.stdout / sys.stderr and are read with ``capsys``.  Only the fast
people-221 recipe is trained here; the recipes' quality targets are checked
in test_recipes.py.
"""

import io
import os
import re
import subprocess
import sys

import pytest

from twin_nn import cli, recipes

SUBCOMMANDS = {
    "recipes": [],
    "train": ["RECIPE", "--twin", "--epochs", "--lr", "--seed", "--save", "--quiet"],
    "compare": ["RECIPE", "--epochs", "--seed", "--every"],
    "overclock": ["--twin", "--delta", "--at-epoch", "--epochs", "--seed", "--every", "--csv"],
    "gradcheck": ["RECIPE", "--rows", "--tol", "--twins", "--seed"],
}


def run_cli(*argv):
    """(exit status, normal output) of ``twin-nn argv...``."""
    out = io.StringIO()
    status = cli.main(list(argv), out=out)
    return status, out.getvalue()


# --------------------------------------------------------------- recipes
def test_recipes_lists_every_recipe_one_line_each():
    status, text = run_cli("recipes")
    assert status == 0
    lines = text.splitlines()
    assert sorted(line.split()[0] for line in lines) == sorted(recipes.RECIPES)
    for line in lines:
        recipe = recipes.get(line.split()[0])
        assert "[%s]" % ",".join(map(str, recipe.model["sizes"])) in line
        assert "target %s %s" % recipe.target[:2] in line


# ------------------------------------------------------------------ help
def test_top_level_help_names_every_subcommand(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    for command in SUBCOMMANDS:
        assert command in text


@pytest.mark.parametrize("command", sorted(SUBCOMMANDS))
def test_every_subcommand_has_help_naming_its_options(command, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main([command, "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith("usage: twin-nn %s" % command)
    for option in SUBCOMMANDS[command]:
        assert option in text, "%s --help does not mention %s" % (command, option)


def test_no_subcommand_prints_the_help(capsys):
    """Bare `twin-nn` (issue 17): the help, on standard output, not "the following arguments are required"."""
    out = io.StringIO()
    assert cli.main([], out=out) == 0
    text = out.getvalue()
    assert text.startswith("usage: twin-nn") and "recipes" in text and "trace" in text
    assert "required" not in text and capsys.readouterr().err == ""
    done = subprocess.run([sys.executable, "-m", "twin_nn"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("usage: twin-nn") and done.stderr == ""


# ----------------------------------------------------------------- train
@pytest.mark.parametrize("twin_name", ["scalar", "vector"])
def test_train_people_221_reports_progress_scores_and_the_target(twin_name):
    status, text = run_cli("train", "people-221", "--twin", twin_name)
    assert status == 0
    engine = ", fast engine" if twin_name == "vector" else ""
    assert "training people-221 in %s_nn (seed 0%s)" % (twin_name, engine) in text
    epochs = re.findall(r"^epoch +(\d+)/1000 ", text, re.M)
    assert epochs == [str(e) for e in range(100, 1001, 100)]          # log_every=100
    # the final scores say which rows they are on (people-221 has no held-out rows)
    assert re.search(r"^done in [\d.]+ s; scores on the 4 training rows \(this recipe has no held-out rows\): "
                     r"loss \S+  mse \S+  rmse \S+$", text, re.M)
    assert "target mse < 0.02 on training rows: met (mse = " in text


def test_train_quiet_prints_no_epoch_lines_and_honours_epochs_and_lr():
    status, text = run_cli("train", "people-221", "--twin", "scalar", "--epochs", "3", "--lr", "0.2", "--quiet")
    assert status == 0
    assert "epoch" not in text
    expected = recipes.run("people-221", "scalar", epochs=3, lr=0.2, verbose=0)
    assert "mse %.6g" % expected.scores["mse"] in text
    assert "NOT met" in text                                          # 3 epochs are not enough


def test_train_regression_prints_mse_and_rmse():
    status, text = run_cli("train", "sine3d", "--twin", "vector", "--epochs", "2", "--quiet")
    assert status == 0
    done = [line for line in text.splitlines() if line.startswith("done in")][0]
    assert " mse " in done and " rmse " in done
    assert "on held-out rows" in text


def test_train_shows_a_live_progress_line_on_a_terminal():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    out = Terminal()
    assert cli.main(["train", "people-221", "--twin", "scalar", "--epochs", "100"], out=out) == 0
    assert "\repoch 1/100  step 1/4  loss" in out.getvalue()


def test_train_save_writes_a_model_that_predicts_like_the_trained_one(tmp_path):
    path = str(tmp_path / "people.json")
    status, text = run_cli("train", "people-221", "--twin", "scalar", "--epochs", "20", "--quiet", "--save", path)
    assert status == 0 and "saved model to %s" % path in text
    from scalar_nn.toolkit import serialize
    loaded = serialize.load_model(path)
    trained = recipes.run("people-221", "scalar", epochs=20, verbose=0).net
    X, _, _, _ = recipes.load_data(recipes.get("people-221"), "scalar")
    assert loaded.predict(X) == trained.predict(X)


def test_slow_scalar_runs_get_a_warning_first():
    status, text = run_cli("train", "spiral", "--twin", "scalar", "--epochs", "1", "--quiet")
    assert status == 0 and "note:" not in text                     # one epoch is quick
    recipe = recipes.get("sine3d")
    out = io.StringIO()
    cli._warn_slow(recipe, "scalar", None, out)
    assert "roughly %.0f s" % recipe.scalar_seconds in out.getvalue()


# --------------------------------------------------------------- compare
def test_compare_prints_both_twins_side_by_side():
    status, text = run_cli("compare", "people-221", "--epochs", "50")
    assert status == 0
    assert re.search(r"epoch +scalar loss +vector loss +max \|dP\| +max rel dP", text)
    rows = re.findall(r"^ +(\d+) +(\S+) +(\S+) +(\S+) +(\S+)$", text, re.M)
    assert [int(r[0]) for r in rows] == [1, 50]
    for _, scalar_loss, vector_loss, _, _ in rows:
        assert scalar_loss == vector_loss                        # equal to the 10 printed decimals
    largest = re.search(r"largest parameter difference between the twins: (\S+) \(relative (\S+)\)", text)
    assert largest and float(largest.group(1)) < 1e-12
    assert re.search(r"scalar_nn: [\d.]+ s +vector_nn: [\d.]+ s +(speedup of vectorizing: [\d.]+x|"
                     r"vectorizing is [\d.]+x SLOWER|the twins take about the same time)", text)   # within 5%: a tie
    assert "final scores  scalar: loss" in text and "vector: loss" in text


# ------------------------------------------------------------- overclock
def test_overclock_prints_the_firing_line_and_both_curves():
    status, text = run_cli("overclock", "people-221", "--at-epoch", "5", "--delta", "-0.05", "--epochs", "20")
    assert status == 0
    assert "A = without Overclock, B = with Overclock (at_epoch=5, delta=-0.05)" in text
    assert "Overclock fired at epoch 5 (manual): lr 0.1 -> 0.05" in text
    assert re.search(r"^ +5 +\S+ +\S+ +0.1  <- Overclock fired$", text, re.M)
    assert re.search(r"^ +6 +\S+ +\S+ +0.05$", text, re.M)
    assert re.search(r"^final training loss  A: \S+  B: \S+$", text, re.M)


def test_overclock_that_never_fires_says_so():
    status, text = run_cli("overclock", "people-221", "--twin", "scalar", "--delta", "-0.05", "--epochs", "10")
    assert status == 0
    assert "Overclock never fired" in text                       # a monotone decrease never oscillates


# ------------------------------------------------------------- gradcheck
def test_gradcheck_passes_in_both_twins():
    status, text = run_cli("gradcheck", "people-221")
    assert status == 0
    for twin_name in ("scalar", "vector"):
        line = [l for l in text.splitlines() if l.startswith("%s_nn:" % twin_name)]
        assert len(line) == 1 and line[0].endswith(": ok")


def test_gradcheck_fails_with_status_1_when_the_tolerance_is_impossible():
    status, text = run_cli("gradcheck", "people-221", "--twins", "scalar", "--tol", "1e-300")
    assert status == 1
    assert "FAILED (tol 1e-300)" in text


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize("command", ["train", "compare", "overclock", "gradcheck"])
def test_unknown_recipe_is_one_line_on_stderr_with_status_2(command, capsys):
    status, text = run_cli(command, "no-such-recipe")
    assert status == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("twin-nn: error: ")
    assert "no-such-recipe" in err and "people-221" in err        # names it and lists the known ones
    assert "Traceback" not in err + text


@pytest.mark.parametrize("argv, option", [
    (["train", "people-221", "--lr", "-1"], "--lr"),
    (["train", "people-221", "--lr", "nan"], "--lr"),
    (["train", "people-221", "--epochs", "0"], "--epochs"),
    (["train", "people-221", "--epochs", "ten"], "--epochs"),
    (["compare", "people-221", "--epochs", "0"], "--epochs"),
    (["overclock", "people-221", "--delta", "inf"], "--delta"),
    (["train", "people-221", "--twin", "gpu"], "--twin"),
])
def test_bad_options_are_argparse_errors(argv, option, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(argv, out=io.StringIO())
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "error: argument %s" % option in err
    assert "Traceback" not in err
    assert err.count("\n") == 1 and "%s --help" % argv[0] in err       # one line, not a page of usage


def test_a_diverging_run_is_one_clear_line(capsys):
    status, _ = run_cli("train", "sine3d", "--lr", "1e300", "--epochs", "3", "--quiet")
    assert status == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert re.match(r"twin-nn: error: loss became (inf|nan) at epoch 1 .*smaller lr", err)


# ------------------------------------------------------- console script
def test_twin_nn_console_script_runs():
    script = os.path.join(os.path.dirname(sys.executable), "twin-nn")
    if not os.path.exists(script):
        pytest.skip("the twin-nn console script is not installed next to %s" % sys.executable)
    done = subprocess.run([script, "recipes"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert sorted(line.split()[0] for line in done.stdout.splitlines()) == sorted(recipes.RECIPES)


def test_overclock_writes_both_curves_as_csv(tmp_path):
    import io
    from twin_nn.cli import main
    path = tmp_path / "ab.csv"
    out = io.StringIO()
    assert main(["overclock", "people-221", "--at-epoch", "3", "--delta", "-0.05", "--epochs", "6",
                 "--csv", str(path)], out=out) == 0
    rows = path.read_text().splitlines()
    assert rows[0] == "epoch,loss_a,loss_b,lr_b" and len(rows) == 7
    # fired at the end of epoch 3: epochs 1-3 ran at 0.1, epochs 4-6 at 0.1 - 0.05
    assert [float(r.split(",")[3]) for r in rows[1:]] == [0.1, 0.1, 0.1, 0.05, 0.05, 0.05]
    assert "wrote both curves" in out.getvalue()


# ---------------------------------------------- one definition per option
def test_the_engine_options_read_the_same_in_every_command():
    parser = cli.build_parser()
    commands = parser._subparsers._group_actions[0].choices
    helps = {}
    for name in ("train", "compare", "overclock", "gradcheck"):
        for action in commands[name]._actions:
            if action.option_strings and action.option_strings[0] in ("--engine", "--exact"):
                helps.setdefault(action.option_strings[0], set()).add((action.help, action.choices))
    assert {k: len(v) for k, v in helps.items()} == {"--engine": 1, "--exact": 1}


def test_a_seed_a_model_file_cannot_store_is_refused_before_the_run(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["train", "people-221", "--seed", str(2 ** 300)])
    assert exc.value.code == 2 and "a seed has at most 256 bits" in capsys.readouterr().err


def test_debug_may_stand_anywhere_and_only_before_a_double_dash():
    from twin_nn import cli_output
    assert cli_output.debug_flag(["train", "x", "--debug"]) == (["train", "x"], True)
    assert cli_output.debug_flag(["--debug", "info", "m.json"]) == (["info", "m.json"], True)
    assert cli_output.debug_flag(["info", "--", "--debug"])[1] is (os.environ.get("TWIN_NN_DEBUG", "") not in ("", "0"))
