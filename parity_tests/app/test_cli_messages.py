"""What the command line tells its user, each message pinned by a test (first reported in issue 9).

* ``--version``; ``train --check`` exits 1 on a missed target;
* the per-epoch line says which figures are training figures, and the final
  line says which rows the scores are on;
* without NumPy, every command says that the vector twin needs it and what
  runs without it, *before* printing anything;
* Overclock options that cannot work (a ``--delta`` that takes the rate to
  0 or below, an ``--at-epoch`` past the end) are refused up front;
* ``gradcheck`` says how many rows it uses and shows progress;
* the ``make demo`` command (``compare people-221``) says what the data is,
  what the network predicts and what ``max |dP|`` means.
"""

import io
import json
import os
import re
import subprocess
import sys

import pytest

from twin_nn import cli, cli_extras

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_cli(*argv):
    out = io.StringIO()
    status = cli.main(list(argv), out=out)
    return status, out.getvalue()


# ------------------------------------------------------------ --version
def test_version(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--version"])
    assert exc.value.code == 0
    assert re.match(r"^twin-nn (\d+\.\d+\S*|unknown \(not installed\))\n$", capsys.readouterr().out)


# -------------------------------------------------------------- --check
def test_train_check_passes_when_the_target_is_met():
    status, text = run_cli("train", "people-221", "--twin", "scalar", "--quiet", "--check")
    assert status == 0 and "target mse < 0.02 on training rows: met" in text


def test_train_check_exits_1_when_the_target_is_missed():
    status, text = run_cli("train", "people-221", "--twin", "scalar", "--epochs", "3", "--quiet", "--check")
    assert status == 1 and "NOT met" in text
    status, _ = run_cli("train", "people-221", "--twin", "scalar", "--epochs", "3", "--quiet")
    assert status == 0                                   # without --check a missed target is only reported


@pytest.mark.parametrize("recipe", ["circles", "spiral"])
def test_short_recipes_meet_their_targets_through_the_cli(recipe):
    status, text = run_cli("train", recipe, "--quiet", "--check")
    assert status == 0, text


# -------------------------------------------------------- what the lines say
def test_per_epoch_lines_say_they_are_training_figures():
    status, text = run_cli("train", "circles", "--epochs", "10")
    assert status == 0
    epoch_lines = [line for line in text.splitlines() if line.startswith("epoch")]
    assert len(epoch_lines) == 1                                            # log_every=10
    assert re.match(r"^epoch 10/10  train loss \S+  train accuracy \S+  lr \S+$", epoch_lines[0])
    assert re.search(r"^done in [\d.]+ s; held-out scores \(80 rows never trained on\): loss \S+  accuracy \S+$",
                     text, re.M)


def test_with_plot_the_epoch_line_also_shows_the_held_out_rows(tmp_path):
    pytest.importorskip("matplotlib")
    status, text = run_cli("train", "circles", "--epochs", "10", "--plot", str(tmp_path / "c.png"))
    assert status == 0
    assert re.search(r"^epoch 10/10  train loss \S+  val_loss \S+  train accuracy \S+  val_accuracy \S+  lr \S+$",
                     text, re.M)


# ------------------------------------------------------- without NumPy
CHILD = r"""
import io, json, sys
sys.modules["numpy"] = None            # as if NumPy were not installed: "import numpy" fails
from twin_nn import cli
results = {}
for argv in json.loads(sys.argv[1]):
    out, err = io.StringIO(), io.StringIO()
    sys.stderr = err
    status = cli.main(argv, out=out)
    sys.stderr = sys.__stderr__
    results[" ".join(argv)] = [status, out.getvalue(), err.getvalue()]
print(json.dumps(results))
"""


def test_without_numpy_every_command_says_so_before_printing_anything():
    commands = [["train", "people-221"], ["compare", "people-221"], ["gradcheck", "people-221"],
                ["overclock", "people-221"], ["train", "people-221", "--twin", "scalar", "--epochs", "2"],
                ["gradcheck", "people-221", "--twins", "scalar"]]
    done = subprocess.run([sys.executable, "-c", CHILD, json.dumps(commands)], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    for argv in commands[:4]:
        status, out, err = results[" ".join(argv)]
        assert status == 2 and out == "", (argv, out)
        assert err.count("\n") == 1 and err.startswith("twin-nn: error: the vector twin needs NumPy")
        assert "pip install numpy" in err
    assert "--twin scalar runs without it" in results["train people-221"][2]
    assert "'twin-nn train RECIPE --twin scalar' runs without it" in results["compare people-221"][2]
    assert "--twins scalar runs without it" in results["gradcheck people-221"][2]
    for argv in commands[4:]:
        status, out, err = results[" ".join(argv)]
        assert status == 0 and err == "" and out, argv


# ------------------------------------------------------------- Overclock
@pytest.mark.parametrize("delta", ["-0.2", "-0.1"])
def test_overclock_refuses_a_delta_that_takes_the_rate_to_zero_or_below(delta, capsys):
    status, text = run_cli("overclock", "people-221", "--delta", delta, "--at-epoch", "3", "--epochs", "5")
    assert status == 2 and text == ""
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "--delta %g would take the learning rate from 0.1 to" % float(delta) in err
    assert "which is not > 0" in err and "give a delta above -0.1" in err


def test_overclock_accepts_a_delta_that_keeps_the_rate_positive():
    status, text = run_cli("overclock", "people-221", "--delta", "-0.09", "--at-epoch", "3", "--epochs", "5")
    assert status == 0 and "lr 0.1 -> 0.01" in text and "clamped" not in text


@pytest.mark.parametrize("argv, last", [
    (["--at-epoch", "1000", "--epochs", "300"], 300),
    (["--at-epoch", "1001"], 1000),                       # people-221 runs 1000 epochs
])
def test_overclock_refuses_an_at_epoch_past_the_end(argv, last, capsys):
    status, text = run_cli("overclock", "people-221", "--delta", "-0.05", *argv)
    assert status == 2 and text == ""
    err = capsys.readouterr().err
    assert "past the run's last epoch (%d): Overclock would never fire" % last in err
    assert "oscillate" not in err


def test_overclock_never_fired_gives_the_right_reason():
    from scalar_nn.toolkit.training import History
    h = History()
    for e in (1, 2, 3):
        h.record(e, 1.0, None, {}, 0.1, 0.0)
    assert cli_extras.overclock_never_fired(None, h) == "Overclock never fired: the loss did not oscillate by its rule"
    assert cli_extras.overclock_never_fired(5, h) == ("Overclock never fired: training stopped at epoch 3, "
                                                       "before --at-epoch 5")


# ------------------------------------------------------------- gradcheck
def test_gradcheck_says_how_many_rows_it_uses():
    status, text = run_cli("gradcheck", "people-221", "--rows", "100000")
    assert status == 0
    assert text.splitlines()[0] == "gradient check on all 4 rows (--rows 100000 is more than the data has)"
    status, text = run_cli("gradcheck", "people-221", "--rows", "2", "--twins", "scalar")
    assert status == 0 and text.splitlines()[0] == "gradient check on 2 of the 4 rows"


def test_gradient_check_reports_progress_in_both_twins(twin):
    net = twin.mlp.MLP([3, 4, 2], hidden="tanh", seed=1)
    calls = []
    X = [[0.1, -0.2, 0.3], [0.5, 0.0, -1.0]]
    Y = [[0.0, 1.0], [0.5, -0.5]]
    report = twin.gradcheck.gradient_check(net, X, Y, progress=lambda done, total: calls.append((done, total)))
    total = 3 * 4 + 4 + 4 * 2 + 2
    assert calls[-1] == (total, total) and report.checked == total
    assert all(t == total for _, t in calls)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls) and len(calls) == 3 + 1 + 4 + 1


def test_gradcheck_progress_lines_come_at_most_every_few_seconds():
    now = [0.0]
    out = io.StringIO()
    progress = cli_extras.GradcheckProgress("scalar", out, every=5.0, clock=lambda: now[0])
    for t, done in ((1.0, 10), (4.0, 20), (6.0, 30), (8.0, 40), (12.0, 50), (13.0, 100)):
        now[0] = t
        progress(done, 100)
    progress.finish()
    assert out.getvalue().splitlines() == [
        "  checking scalar_nn: 30 of 100 parameter entries (30%), 6 s",
        "  checking scalar_nn: 50 of 100 parameter entries (50%), 12 s",
        "  checking scalar_nn: 100 of 100 parameter entries (100%), 13 s"]
    quick = io.StringIO()
    fast = cli_extras.GradcheckProgress("vector", quick, every=5.0, clock=lambda: 1.0)
    fast(100, 100)
    assert quick.getvalue() == ""                          # a quick check prints no progress


# ------------------------------------------------------------- the demo
def test_the_demo_says_what_people_221_is_what_it_predicts_and_what_dP_means():
    status, text = run_cli("compare", "people-221", "--epochs", "1000")
    assert status == 0
    assert text.startswith("people-221 is the four-person toy data set")
    assert "weight - 135 lb, height - 66 in" in text and "1 = female, 0 = male" in text
    assert "predicts the probability that a person is female" in text
    assert "max |dP|: the largest |scalar - vector| over all weights and biases so far" in text
    rows = re.findall(r"^  (Alice|Bob|Charlie|Diana) .* (female|male) +(\S+) +(\S+)$", text, re.M)
    assert [r[0] for r in rows] == ["Alice", "Bob", "Charlie", "Diana"]
    for name, gender, p_scalar, p_vector in rows:
        assert p_scalar == p_vector
        assert (float(p_scalar) > 0.5) == (gender == "female")          # trained: every person right


def test_other_recipes_get_no_people_text():
    status, text = run_cli("compare", "circles", "--epochs", "2")
    assert status == 0 and "people-221 is" not in text and "P(female)" not in text
    assert "max |dP|:" in text
