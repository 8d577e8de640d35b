"""Mutation testing of the diagnoser: each bug-library entry, planted, is named -- exactly that id.

The planted learner is the reference-shaped NumPy pass of ``twin_nn.check.bugs``
with one mistake switched on (``bugs.mutant``), written to a file and run by
``check.run`` in its subprocess, on every built-in case, like any learner's
file.  Correct learners (plain lists, NumPy written differently, PyTorch
autograd) must agree.
"""

import os

import numpy as np
import pytest

from twin_nn import check
from twin_nn.check import bugs, optimizer_bugs
from twin_nn.check.cases import CASES, applicable
from twin_nn.check.level2 import CASES2
from twin_nn.check.steps import lockstep_inputs

LEARNERS = os.path.join(os.path.dirname(__file__), "learners")

ALL = ('SUPPORTS = {"hidden": ["sigmoid", "tanh", "relu", "swish", "linear"], "l2": True, "dropout": True,\n'
       '            "pairs": [["linear", "mse"], ["sigmoid", "mse"], ["sigmoid", "bce"], '
       '["softmax", "cross_entropy"]]}\n')

ACCUMULATING = ALL + '''from twin_nn.check.bugs import compute
_sums = {}
def loss_and_grads(params, X, Y, config):
    loss, grads = compute(params, X, Y, config)
    for name, g in grads.items():                 # never reset between calls
        _sums[name, g.shape] = _sums.get((name, g.shape), 0.0) + g
    return loss, {name: _sums[name, g.shape] for name, g in grads.items()}
'''


def planted(tmp_path, bug, layer=None):
    path = tmp_path / ("planted_%s_%s.py" % (bug.replace("-", "_"), layer))
    if bug == "gradient-accumulated":
        path.write_text(ACCUMULATING)
    else:
        path.write_text(ALL + "from twin_nn.check.bugs import mutant\nloss_and_grads = mutant(%r, %r)\n"
                        % (bug, layer))
    return str(path)


def named(answer):
    return [d["id"] for d in answer["diagnosis"] if d["kind"] in ("bug", "convention")]


def test_the_bug_free_pass_is_twin_nns_on_every_case():
    full = {"hidden": ["tanh", "sigmoid"], "pairs": [list(p) for p in
                                                     [("linear", "mse"), ("sigmoid", "mse"), ("sigmoid", "bce"),
                                                      ("softmax", "cross_entropy")]], "l2": True,
            "dropout": True}
    for case in CASES:
        c = applicable(case, full)
        eps = check.compare.bound(c)
        for inp in lockstep_inputs(c, with_reference=True):
            loss, grads = bugs.compute(inp["params"], inp["X"], inp["Y"], inp["config"])
            assert abs(loss - inp["loss"]) <= eps * 2 * abs(loss)
            for k, g in grads.items():
                scale = max(float(np.abs(v).max()) for v in inp["grads"].values())
                assert np.all(np.abs(g - inp["grads"][k]) <= eps * (np.abs(g) + scale)), (c.name, k)


def test_every_bug_can_show_on_some_built_in_case():
    full = {"hidden": ["sigmoid", "tanh", "swish"], "l2": True, "dropout": True,
            "pairs": [["linear", "mse"], ["sigmoid", "mse"], ["sigmoid", "bce"], ["softmax", "cross_entropy"]]}
    shown = set()
    for case in CASES:
        shown |= {b for b, _ in bugs.variants(check.cases.config_of(applicable(case, full)))}
    assert shown == set(bugs.BUGS)


@pytest.mark.parametrize("bug", sorted(bugs.BUGS))
def test_a_planted_bug_is_named_exactly(tmp_path, bug):
    answer = check.run(planted(tmp_path, bug))
    assert answer["verdict"] in ("diverges", "error")
    assert named(answer) == [bug], check.text(answer)
    if bugs.BUGS[bug].kind == "convention":
        assert "under another convention" in answer["diagnosis"][-1]["message"]
    assert "docs/CONVENTIONS.md section" in [d for d in answer["diagnosis"] if d["id"] == bug][0]["message"]


@pytest.mark.parametrize("bug, layer, case", [("transposed-weight-gradient", 1, "lesson-221")])
def test_a_transposed_square_gradient_is_a_value_and_still_named(tmp_path, bug, layer, case):
    answer = check.run(planted(tmp_path, bug, layer), cases=[case])
    assert answer["verdict"] == "diverges" and named(answer) == [bug], check.text(answer)


@pytest.mark.parametrize("bug, layer", [("activation-derivative-of-output", 1),
                                        ("missing-activation-derivative", 2),
                                        ("extra-mean-in-hidden-layer", 2),
                                        ("bias-gradient-averaged", 3)])
def test_a_mistake_in_one_layer_is_named_with_its_layer(tmp_path, bug, layer):
    answer = check.run(planted(tmp_path, bug, layer), cases=["deep-tanh"])
    entries = [d for d in answer["diagnosis"] if d["kind"] == "bug"]
    assert [d["id"] for d in entries] == [bug], check.text(answer)
    assert entries[0]["where"].startswith("layer %d" % layer)


def test_the_walk_is_in_causal_order(tmp_path):
    answer = check.run(planted(tmp_path, "activation-derivative-of-output", 1), cases=["deep-tanh"])
    assert answer["first_divergence"]["quantity"] == "dW1"
    assert answer["localisation"].startswith("the loss agrees; dW2 and db2 agree, dW1 and db1 do not: "
                                             "the mistake is between dZ2 and dZ1")


@pytest.mark.parametrize("name", ["lists_backprop", "numpy_backprop", "torch_autograd"])
def test_correct_implementations_agree(name):
    if name == "torch_autograd":
        pytest.importorskip("torch")
    answer = check.run(os.path.join(LEARNERS, name + ".py"))
    assert answer["verdict"] == "agrees", check.text(answer)
    assert [c["name"] for c in answer["cases"] if c.get("level") != 2] == [
        c.name for c in CASES if name == "numpy_backprop" or not c.dropout]
    assert all(c["steps_agreed"] == 3 for c in answer["cases"])
    assert check.exit_status(answer) == 0


def test_nothing_matching_gives_the_table(tmp_path):
    path = tmp_path / "odd.py"
    path.write_text("from twin_nn.check.bugs import compute\n"
                    "def loss_and_grads(params, X, Y, config):\n"
                    "    loss, g = compute(params, X, Y, config)\n"
                    "    g['W1'] = g['W1'] + 0.01\n"
                    "    return loss, g\n")
    answer = check.run(str(path))
    assert answer["verdict"] == "diverges" and named(answer) == []
    table = [d for d in answer["diagnosis"] if d["id"] == "no-match"][0]["message"]
    assert "dW1    NO" in table and "dW2    yes" in table


LEVEL2 = '''from twin_nn.check.bugs import compute as loss_and_grads
from twin_nn.check import optimizer_bugs
def step(params, grads, state, config):
    bug = %r if optimizer_bugs.applies(%r, config) else None
    return optimizer_bugs.step(params, grads, state, config, bug)
'''


@pytest.mark.parametrize("bug", sorted(optimizer_bugs.BUGS))
def test_a_planted_optimizer_bug_is_named_exactly(tmp_path, bug):
    path = tmp_path / ("step_%s.py" % bug.replace("-", "_"))
    path.write_text(LEVEL2 % (bug, bug))
    answer = check.run(str(path))
    assert answer["verdict"] == "diverges", check.text(answer)
    assert named(answer) == [bug], check.text(answer)
    assert answer["first_divergence"]["case"] in [c.name for c in CASES2]


def test_a_correct_optimizer_agrees_on_every_level_2_case():
    answer = check.run(os.path.join(LEARNERS, "numpy_backprop.py"))
    level2 = [c for c in answer["cases"] if c.get("level") == 2]
    assert [c["name"] for c in level2] == [c.name for c in CASES2]
    assert answer["verdict"] == "agrees" and all(c["steps_agreed"] == 3 for c in level2), check.text(answer)


def test_every_diagnosis_cites_a_lesson_function_that_exists():
    import scalar_nn
    for b in list(bugs.BUGS.values()) + list(optimizer_bugs.BUGS.values()):
        module, _, name = b.lesson.partition(".")
        obj = __import__("scalar_nn." + module, fromlist=["x"])
        for part in name.split("."):
            obj = getattr(obj, part)
        assert callable(obj) and 1 <= b.section <= 13, b.id
    assert scalar_nn


def test_the_walk_through_of_docs_check_md(tmp_path):
    """docs/CHECK.md's learner: sigmoid'(A1) where sigmoid'(Z1) belongs; the fix agrees."""
    path = os.path.join(LEARNERS, "first_try.py")
    answer = check.run(path)
    assert answer["first_divergence"]["case"] == "lesson-221" and answer["first_divergence"]["quantity"] == "dW1"
    assert named(answer) == ["activation-derivative-of-output"]
    fixed = tmp_path / "fixed.py"
    fixed.write_text(open(path).read().replace("sigmoid_prime(A1)", "sigmoid_prime(Z1)"))
    assert check.run(str(fixed))["verdict"] == "agrees"


def test_the_library_answers_by_lesson_function():
    assert bugs.by_lesson("losses.output_delta") == ["missing-factor-2", "missing-mean", "mean-over-rows-only",
                                                     "sign-flipped"]
    assert bugs.by_lesson("activate_prime") == ["activation-derivative-of-output"]
    loss, grads = bugs.mutant("missing-mean")({"W1": [[0.1], [0.2]], "b1": [0.0]},
                                              [[1.0, 2.0], [3.0, 4.0]], [[1.0], [0.0]],
                                              {"sizes": [2, 1], "hidden": "sigmoid", "output": "linear",
                                               "loss": "mse", "l2": 0.0, "l2_bias": 0.0})
    ref_loss, ref = bugs.compute({"W1": [[0.1], [0.2]], "b1": [0.0]}, [[1.0, 2.0], [3.0, 4.0]], [[1.0], [0.0]],
                                 {"sizes": [2, 1], "hidden": "sigmoid", "output": "linear", "loss": "mse",
                                  "l2": 0.0, "l2_bias": 0.0})
    assert loss == pytest.approx(2 * ref_loss) and np.allclose(grads["W1"], 2 * ref["W1"])


def test_docs_check_md_shows_a_real_answer(tmp_path, monkeypatch):
    """The walk-through's pasted answer is what check answers today (all but the timing line)."""
    doc = open(os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "docs", "CHECK.md"),
               encoding="utf-8").read()
    pasted = doc.split("`twin-nn check my_backprop.py` (exit status 1):\n\n```\n", 1)[1].split("```", 1)[0]
    (tmp_path / "my_backprop.py").write_text(open(os.path.join(LEARNERS, "first_try.py")).read())
    monkeypatch.chdir(tmp_path)
    fresh = check.text(check.run("my_backprop.py"))
    assert fresh.splitlines()[:-1] == pasted.splitlines()[:-1]


def test_a_real_torch_broadcast_is_named_target_shape(tmp_path):
    """torch.mean((out - Y.view(-1)) ** 2): autograd's gradient of the (m, m) mistake, named; the
    3-output case where the same line raises is reported too (exit status 2, the divergence kept)."""
    pytest.importorskip("torch")
    src = open(os.path.join(LEARNERS, "torch_autograd.py")).read()
    path = tmp_path / "torch_broadcast.py"
    path.write_text(src.replace("torch.mean((out - Y) ** 2)", "torch.mean((out - Y.view(-1)) ** 2)"))
    answer = check.run(str(path), cases=["lesson-221", "sigmoid-mse-3out", "deep-tanh"])
    assert named(answer) == ["target-shape"], check.text(answer)
    assert answer["verdict"] == "error" and "RuntimeError" in answer["error"]
    assert answer["first_divergence"]["quantity"] == "loss"


def test_two_candidates_for_the_same_numbers_are_both_said():
    from twin_nn.check.diagnose import name_candidates
    out = name_candidates([("missing-factor-2", None), ("half-mse", None), ("missing-factor-2", None)], 2)
    assert [d["id"] for d in out] == ["missing-factor-2", "half-mse", "ambiguous"]
    assert out[-1]["message"].startswith("2 candidates explain these numbers equally well: missing-factor-2, "
                                         "half-mse")
    assert name_candidates([("bias-gradient-averaged", 2)], 3)[0]["where"] == "layer 2 (hidden)"


def _answers(fn, inputs):
    """Runner-style answers of an in-process ``fn`` (for sweeping the library without subprocesses)."""
    out = []
    for inp in inputs:
        with np.errstate(all="ignore"):
            loss, grads = fn(inp["params"], inp["X"], inp["Y"], inp["config"])
        enc = lambda v: ([float(x) for x in np.ravel(v)], list(np.shape(v)), "float64")  # noqa: E731
        out.append({"loss": enc(loss), "grads": {k: enc(v) for k, v in grads.items()}, "mutated": []})
    return out


def test_every_scoped_variant_on_every_case_is_named_with_its_layer():
    """The whole library, scoped and not, on each built-in case where it shows: exactly its id (and layer)."""
    from twin_nn.check.api import evaluate
    full = {"hidden": ["sigmoid", "tanh", "swish"], "l2": True, "dropout": True,
            "pairs": [["linear", "mse"], ["sigmoid", "mse"], ["sigmoid", "bce"], ["softmax", "cross_entropy"]]}
    swept = 0
    for case in CASES:
        c = applicable(case, full)
        inputs = lockstep_inputs(c, with_reference=True)
        for bug, layer in bugs.variants(inputs[0]["config"]):
            if bug in ("transposed-weight-gradient", "bias-gradient-not-summed", "gradient-accumulated"):
                continue                  # shape errors and call history: the subprocess tests above
            answer = evaluate({"verdict": "agrees", "cases": [], "first_divergence": None, "diagnosis": [],
                               "localisation": None, "error": None},
                              [(c, inputs, _answers(bugs.mutant(bug, layer), inputs), None)])
            if answer["verdict"] == "agrees":
                continue                  # this variant changes nothing on this case (e.g. b at 0)
            entries = [d for d in answer["diagnosis"] if d["kind"] in ("bug", "convention")]
            assert [d["id"] for d in entries] == [bug], (c.name, bug, layer, answer["diagnosis"])
            if layer is not None:
                assert entries[0]["where"].startswith("layer %d" % layer), (c.name, bug, layer)
            swept += 1
    assert swept >= 120       # 126 today: every (case, bug, layer) but softmax-unstable below 709


def test_the_built_in_cases_have_what_the_diagnoses_need():
    from twin_nn.check.cases import BY_NAME, max_logit
    assert max_logit(BY_NAME["softmax-big-logits"]) > 709
    assert all(c.m > 1 and c.steps >= 3 for c in CASES)
    outputs = {c.sizes[-1] for c in CASES if c.loss == "mse"}
    assert 1 in outputs and max(outputs) >= 3
    assert any(c.l2 > 0 and c.l2_bias == 0 for c in CASES)
