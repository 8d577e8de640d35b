"""``twin-nn check``'s protocol, errors and command line: keys, shapes, raised errors, timeouts, mutation,
float32, SUPPORTS, the JSON contract, exit statuses, golden files."""

import io
import json
import os
import subprocess
import sys

import pytest

from twin_nn import check
from twin_nn.check import golden, level2  # noqa: F401
from twin_nn.cli import main

LEARNERS = os.path.join(os.path.dirname(__file__), "learners")
GOOD = os.path.join(LEARNERS, "numpy_backprop.py")

WRAP = '''from twin_nn.check.bugs import compute
import numpy as np
def loss_and_grads(params, X, Y, config):
    loss, grads = compute(params, X, Y, config)
%s
    return loss, grads
'''


def learner(tmp_path, body, name="learner.py"):
    path = tmp_path / name
    path.write_text(WRAP % body if not body.startswith("RAW") else body[3:])
    return str(path)


def cli(*argv):
    out = io.StringIO()
    status = main(list(argv), out=out)
    return status, out.getvalue()


def test_unsummed_bias_gradient_is_one_clear_message(tmp_path):
    answer = check.run(learner(tmp_path, "    grads['b1'] = np.tile(grads['b1'], (X.shape[0], 1))"),
                       cases=["sigmoid-mse-3out"])
    assert answer["verdict"] == "error" and check.exit_status(answer) == 2
    assert answer["error"] == ("case sigmoid-mse-3out, step 1: grads['b1'] has shape (5, 4); params['b1'] has "
                               "shape (4,): sum over the batch axis")


def test_wrong_keys_and_wrong_types(tmp_path):
    answer = check.run(learner(tmp_path, "    grads['dW1'] = grads.pop('W1')"))
    assert answer["verdict"] == "error" and "grads has keys ['W2', 'b1', 'b2', 'dW1']" in answer["error"]
    answer = check.run(learner(tmp_path, "    grads = list(grads.values())", "l2.py"))
    assert "grads must be a dict keyed like params; it is a list" in answer["error"]
    answer = check.run(learner(tmp_path, "    grads['b2'] = 'zero'", "l3.py"))
    assert "grads['b2'] is str" in answer["error"]


def test_a_raised_error_shows_a_traceback_trimmed_to_the_learners_file(tmp_path):
    path = learner(tmp_path, "RAWdef helper(x):\n    return x[99]\n\n"
                             "def loss_and_grads(params, X, Y, config):\n    return helper(params['W1'])\n")
    answer = check.run(path)
    assert answer["verdict"] == "error"
    lines = answer["error"].splitlines()
    assert lines[0].endswith("Traceback (your code only):")
    assert all("twin_nn" not in line for line in lines)
    assert 'line 2, in helper' in answer["error"] and lines[-1].startswith("IndexError: index 99")


def test_an_endless_loop_times_out(tmp_path):
    path = learner(tmp_path, "RAWdef loss_and_grads(params, X, Y, config):\n    while True:\n        pass\n")
    answer = check.run(path, timeout=1.0)
    assert answer["verdict"] == "error" and "did not finish within 1 s" in answer["error"]


def test_load_errors(tmp_path):
    answer = check.run(learner(tmp_path, "RAWdef loss_and_grads(params, X, Y, config)\n    pass\n"))
    assert answer["verdict"] == "error" and "SyntaxError" in answer["error"]
    answer = check.run(learner(tmp_path, "RAWdef grads(p, X, Y, c):\n    pass\n", "other.py"))
    assert "defines no function 'loss_and_grads' (it defines: grads)" in answer["error"]
    with pytest.raises(check.CheckError, match="no such file"):
        check.run(str(tmp_path / "missing.py"))
    with pytest.raises(check.CheckError, match="unknown case 'nope'"):
        check.run(GOOD, cases=["nope"])


def test_mutating_an_input_is_a_finding(tmp_path):
    answer = check.run(learner(tmp_path, "    params['W1'] -= 0.1 * grads['W1']"), cases=["lesson-221"])
    assert answer["verdict"] == "diverges"
    finding = [d for d in answer["diagnosis"] if d["id"] == "mutated-input"][0]
    assert "params['W1']" in finding["where"]


def test_changing_an_input_after_computing_is_still_a_finding(tmp_path):
    answer = check.run(learner(tmp_path, "    X[:] = 0.0"), cases=["lesson-221"])
    assert answer["verdict"] == "diverges" and answer["first_divergence"]["quantity"] == "inputs changed in place"
    assert [d["where"] for d in answer["diagnosis"] if d["id"] == "mutated-input"] == ["X"]
    assert "first divergence: case lesson-221, step 1, inputs changed in place" in check.text(answer)


def test_float32_gets_a_float32_bound_and_says_so(tmp_path):
    path = learner(tmp_path, "    grads = {k: v.astype(np.float32) for k, v in grads.items()}")
    answer = check.run(path, cases=["lesson-221"])
    assert answer["verdict"] == "agrees", check.text(answer)
    assert answer["cases"][0]["float32"]
    assert "float32 bound" in [d for d in answer["diagnosis"] if d["id"] == "float32"][0]["message"]


def test_supports_chooses_the_cases_and_name_picks_the_function(tmp_path):
    path = tmp_path / "mine.py"
    path.write_text('SUPPORTS = {"hidden": ["tanh"], "pairs": [["softmax", "cross_entropy"]]}\n'
                    "from twin_nn.check.bugs import compute as my_grads\n")
    answer = check.run(str(path) + ":my_grads")
    assert answer["verdict"] == "agrees"
    assert [(c["name"], c["hidden"], c["l2"]) for c in answer["cases"]] == [
        ("softmax-ce", "tanh", 0.0), ("softmax-big-logits", "tanh", 0.0)]


def test_a_malformed_supports_is_one_message(tmp_path):
    path = tmp_path / "bad_supports.py"
    path.write_text('SUPPORTS = {"hidden": ["gelu"]}\ndef loss_and_grads(p, X, Y, c):\n    pass\n')
    answer = check.run(str(path))
    assert answer["verdict"] == "error"
    assert answer["error"] == ("SUPPORTS is malformed: SUPPORTS['hidden'] lists ['gelu']; choose from sigmoid, "
                               "tanh, relu, swish, linear")


def test_cli_exit_statuses_json_and_list(tmp_path):
    status, text = cli("check", "--list-cases")
    lines = text.splitlines()
    assert status == 0 and lines[0].startswith("level 1") and lines[1].split()[0] == "lesson-221"
    names = [line.split()[0] for line in lines if line.startswith("  ")]
    assert names == [c.name for c in check.cases.CASES] + [c.name for c in check.level2.CASES2]
    status, text = cli("check", GOOD, "--case", "deep-tanh", "--steps", "4")
    assert status == 0 and "AGREES" in text.splitlines()[0] and "agrees (4 of 4 steps)" in text
    bad = learner(tmp_path, "    grads = {k: v / 2 for k, v in grads.items()}")
    status, text = cli("check", bad, "--json", "--case", "lesson-221")
    answer = json.loads(text)
    assert status == 1 and answer["verdict"] == "diverges"
    assert set(answer) >= {"verdict", "cases", "first_divergence", "diagnosis"}
    fd = answer["first_divergence"]
    assert (fd["case"], fd["step"], fd["quantity"], fd["index"], fd["ratio"]) == ("lesson-221", 1, "dW2", [0, 0], 0.5)
    assert fd["ulps"] > fd["bound_ulps"]
    assert [d["id"] for d in answer["diagnosis"] if d["kind"] == "bug"] == ["missing-factor-2"]
    assert all(set(d) >= {"id", "message", "where"} for d in answer["diagnosis"])
    status, _ = cli("check", learner(tmp_path, "    grads = 3", "err.py"))
    assert status == 2


def test_the_installed_command_runs(tmp_path):
    done = subprocess.run([sys.executable, "-m", "twin_nn", "check", GOOD, "--case", "lesson-221"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "AGREES with twin-nn" in done.stdout
    done = subprocess.run([sys.executable, "-m", "twin_nn", "check", "nothing.py"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stderr == "twin-nn check: error: no such file: nothing.py\n"


def test_golden_files_round_trip_and_diagnose_a_port(tmp_path, capsys):
    gold, mine = tmp_path / "gold", tmp_path / "mine"
    status, text = cli("golden", "--case", "softmax-ce", "--steps", "3", "--out", str(gold))
    assert status == 0 and sorted(os.listdir(gold)) == ["step-001.json", "step-002.json", "step-003.json"]
    mine.mkdir()
    from twin_nn.check.bugs import compute
    for name in sorted(os.listdir(gold)):
        doc = json.loads((gold / name).read_text())
        assert doc["format"] == golden.FORMAT
        loss, grads = compute(doc["inputs"]["params"], doc["inputs"]["X"], doc["inputs"]["Y"], doc["config"],
                              "bias-gradient-averaged" if name == "step-002.json" else None)
        (mine / name).write_text(json.dumps({"loss": loss, "grads": {k: v.tolist() for k, v in grads.items()}}))
    status, text = cli("check", "--golden", str(gold), "--answers", str(mine), "--json")
    answer = json.loads(text)
    assert status == 1 and answer["first_divergence"]["step"] == 2
    assert [d["id"] for d in answer["diagnosis"] if d["kind"] == "bug"] == ["bias-gradient-averaged"]
    os.remove(mine / "step-003.json")
    status, text = cli("check", "--golden", str(gold), "--answers", str(mine))
    assert status == 2 and "step-003.json: missing" in capsys.readouterr().err


def test_a_javascript_port_through_golden_files(tmp_path):
    """The golden format is enough for a port with no Python: a JS port agrees, its planted bug is named."""
    import shutil
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    port = os.path.join(os.path.dirname(__file__), "ports", "port.js")
    gold = str(tmp_path / "gold")
    assert cli("golden", "--case", "deep-tanh", "--steps", "3", "--out", gold)[0] == 0
    subprocess.run([node, port, gold, str(tmp_path / "good")], check=True, timeout=60)
    subprocess.run([node, port, gold, str(tmp_path / "bad"), "no-mean"], check=True, timeout=60)
    status, text = cli("check", "--golden", gold, "--answers", str(tmp_path / "good"))
    assert status == 0 and "AGREES" in text
    status, text = cli("check", "--golden", gold, "--answers", str(tmp_path / "bad"), "--json")
    assert status == 1 and [d["id"] for d in json.loads(text)["diagnosis"]] == ["missing-mean"]


def test_golden_files_for_an_optimizer(tmp_path):
    """Level-2 golden files (params, grads, state in; params and state after out) check a port's optimizer."""
    from twin_nn.check import optimizer_bugs
    gold = tmp_path / "gold"
    assert cli("golden", "--case", "sgd-momentum", "--steps", "3", "--out", str(gold))[0] == 0
    for bug, status in ((None, 0), ("momentum-first-step-undampened", 1)):
        mine = tmp_path / ("mine-%s" % bug)
        mine.mkdir()
        for name in sorted(os.listdir(gold)):
            doc = json.loads((gold / name).read_text())
            assert set(doc["inputs"]) == {"params", "grads", "state"}
            P, S = optimizer_bugs.step(doc["inputs"]["params"], doc["inputs"]["grads"], doc["inputs"]["state"],
                                       doc["config"], bug)
            (mine / name).write_text(json.dumps({"params": {k: v.tolist() for k, v in P.items()},
                                                 "state": {"v": {k: v.tolist() for k, v in S["v"].items()}}}))
        got, text = cli("check", "--golden", str(gold), "--answers", str(mine), "--json")
        answer = json.loads(text)
        assert got == status, text
        assert [d["id"] for d in answer["diagnosis"] if d["kind"] in ("bug", "convention")] == \
            ([bug] if bug else [])
