"""``twin-nn bench``: the ladder from the installed package (short runs; no time is asserted).

The command runs ``twin_nn.bench``'s ladder with tiny budgets here: what is
checked is what a person sees (a progress line per rung, the tables, one-line
errors before any timing) and what ``--json`` and ``--plot`` write.
"""

import io
import json
import os
import shutil
import subprocess
import sys

import pytest

from twin_nn.bench import cli as bench
from twin_nn.bench.threads import ENV_VARS
from twin_nn.cli import main

TINY = ["--budget-scale", "0.02", "--no-pypy"]


@pytest.fixture
def keep_env(monkeypatch):
    """The command pins the libraries to one thread through the environment: undo it after the test."""
    for name in ENV_VARS:
        if name in os.environ:
            monkeypatch.setenv(name, os.environ[name])
        else:
            monkeypatch.delenv(name, raising=False)


def run(argv):
    out = io.StringIO()
    code = main(["bench"] + argv, out=out)
    return code, out.getvalue()


def test_a_short_run_reports_every_rung_and_writes_the_figures(tmp_path, keep_env):
    path = tmp_path / "figures.json"
    rungs = ["loop", "scalar", "net221", "fast", "fast@all", "torch64"]
    code, text = run(["--quick", "--workloads", "W1", "--rungs", ",".join(rungs), "--widths", "1,4",
                      "--json", str(path)] + TINY)
    assert code == 0, text
    result = json.loads(path.read_text())
    (ladder,) = result["ladder"]
    (threads,) = result["threads_ladder"]
    assert set(ladder["rungs"]) | set(ladder["skipped"]) == {"loop", "scalar", "net221", "fast", "torch64"}
    assert set(threads["rungs"]) | set(threads["skipped"]) == {"fast", "fast@all"}
    for out in (ladder, threads):
        for rung, r in out["rungs"].items():
            assert "  %-18s warm:" % rung in text                 # the progress line of each rung
            assert r["steps"] >= 3 and len(r["block_medians"]) == out["rounds"]
            assert r["threads"] == (out["cores"] if rung.endswith("@all") else 1)
        for rung, why in out["skipped"].items():
            assert "%s skipped: %s" % (rung.ljust(18), why) in text
    assert "Network221" in text and "scalar_nn ÷ rung" in text           # the table at the end
    points = result["crossover"]["points"]
    assert [(p["n"], p["m"]) for p in points] == [(1, 1), (4, 1), (1, 32), (4, 32)]
    assert all(p["ratios"]["vector"] > 0 and p["ratios"]["fast"] > 0 for p in points)
    assert "figures written to %s" % path in text


def test_dtype_keeps_one_precision_of_the_engine_and_pytorch(tmp_path, keep_env):
    path = tmp_path / "f32.json"
    code, text = run(["--quick", "--workloads", "W1", "--dtype", "float32", "--rungs", "loop,fast,fast32,torch64,"
                      "torch32,fast@all,fast32@all", "--widths", "none", "--json", str(path)] + TINY)
    assert code == 0, text
    result = json.loads(path.read_text())
    (ladder,), (threads,) = result["ladder"], result["threads_ladder"]
    assert set(ladder["rungs"]) | set(ladder["skipped"]) == {"loop", "scalar", "fast32", "torch32"}
    assert set(threads["rungs"]) | set(threads["skipped"]) == {"fast32", "fast32@all"}
    assert result["crossover"] is None


def test_plot_draws_the_ladder_and_the_crossover(tmp_path, keep_env):
    pytest.importorskip("matplotlib")
    path = tmp_path / "ladder.png"
    code, text = run(["--quick", "--workloads", "W1", "--rungs", "loop,fast", "--widths", "1", "--plot", str(path)]
                     + TINY)
    assert code == 0, text
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("argv, message", [
    (["--workloads", "W9"], "--workloads: unknown workload W9"),
    (["--rungs", "fast,gpu"], "--rungs: unknown rung gpu"),
    (["--widths", "0,4"], "--widths: every width must be between 1 and 1024"),
    (["--widths", "a"], "--widths: give whole numbers"),
    (["--plot", "ladder.svg"], "pictures are PNG files"),
    (["--json", "/no/such/folder/f.json"], "give a file name in an existing folder"),
])
def test_bad_options_fail_in_one_line_before_any_timing(argv, message, capsys):
    out = io.StringIO()
    assert main(["bench"] + argv, out=out) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert out.getvalue() == ""                     # nothing was measured


def test_the_command_is_listed(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "bench" in capsys.readouterr().out


@pytest.mark.skipif(shutil.which("pypy3") is None, reason="pypy3 is not on the PATH")
def test_pypy_runs_its_rungs_from_the_package_without_numpy():
    said = []
    profile = dict(bench.QUICK, pypy_budget=0.0, pypy_warmup=0.0)
    (result,) = bench._pypy_ladder(["W1"], profile, 1.0, said.append)
    assert result["interpreter"].startswith("PyPy")
    assert set(result["rungs"]) == {"loop", "scalar", "net221"}
    assert result["rungs"]["net221"]["first_losses"][:2] == pytest.approx(result["rungs"]["scalar"]["first_losses"][:2])


def test_python_m_twin_nn_bench_ladder_prints_json():
    """The module form that make bench and the PyPy column run (one workload, the two cheapest rungs)."""
    proc = subprocess.run([sys.executable, "-m", "twin_nn.bench.ladder", "W1", "--rungs", "loop,net221",
                           "--budget", "0", "--warmup", "0", "--warmup-steps", "1"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    assert proc.returncode == 0, proc.stderr
    (result,) = json.loads(proc.stdout)
    assert set(result["rungs"]) == {"loop", "net221"} and result["rounds"] >= 3
