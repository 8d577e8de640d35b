"""``twin-nn exercise``: the workspace, the grader's verdicts, its diagnoses, the assembled run.

The proof of the grader (issue 16):

* every stub filled with the reference's own body: every function passes,
  on fixed and Hypothesis-drawn inputs, and the assembled run agrees;
* one known mistake planted at a time (the first plant of each function in
  the bug library): exactly that function fails, diagnosed with exactly that
  id, and every other function passes (fixed inputs, all in one subprocess);
* half the functions planted at once (alternate ones, then the other half),
  through the command line with drawn inputs: no mistake leaks into another
  function's grade.

Each for the scalar twin (on PyPy too, where it is installed) and the
vector twin.  Learner code runs in subprocesses, as the command runs it.
"""

import ast
import json
import os
import shutil
import subprocess
import sys

import pytest

from twin_nn.exercises import assembled, grading, markers, mutants
from twin_nn.exercises.grading import SPECS

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PYPY = shutil.which("pypy3")
TWINS = [("scalar", sys.executable), ("vector", sys.executable)] + \
    ([("scalar", PYPY)] if PYPY else [])
IDS = ["scalar", "vector"] + (["scalar-pypy"] if PYPY else [])


def cli(*args, python=sys.executable, timeout=300):
    env = dict(os.environ, PYTHONPATH=ROOT)
    return subprocess.run([python, "-m", "twin_nn"] + list(args), capture_output=True, text=True, env=env,
                          timeout=timeout)


def start(tmp_path, twin, name="ws", *extra, python=sys.executable):
    folder = str(tmp_path / name)
    r = cli("exercise", "start", folder, "--twin", twin, *extra, python=python)
    assert r.returncode == 0, r.stderr
    return folder


def first_plants(twin, which=lambda i: True):
    found = markers.exercises(twin)
    return {ex.name: mutants.plants_for(twin, ex.module, ex.name)[0] for i, ex in enumerate(found) if which(i)}


# ------------------------------------------------------------------ the library and the markers
@pytest.mark.parametrize("twin", ["scalar", "vector"])
def test_every_exercise_has_a_spec_and_plants_that_apply(twin):
    found = markers.exercises(twin)
    assert len(found) >= 27
    reference = markers.lesson_modules(twin)
    for ex in found:
        assert (ex.module, ex.name) in SPECS
        plants = mutants.plants_for(twin, ex.module, ex.name)
        assert plants, "no plant for %s" % ex.name
        for plant in plants:
            mutants.mutant_module(reference[ex.module], plant)      # raises if a substitution does not apply
            assert plant.id in mutants.BUGS


def test_both_twins_mark_the_same_exercises():
    scalar = [(e.number, e.module, e.name) for e in markers.exercises("scalar")]
    vector = [(e.number, e.module, e.name) for e in markers.exercises("vector")]
    assert [e for e in scalar if e[2] != "lr_at"] == vector      # lr_at is shared: vector_nn.optim imports it
    assert len({e[0] for e in scalar}) == len(scalar)


def test_ids_shared_with_the_check_diagnoses_are_spelled_as_issue_15_spells_them():
    shared = {"missing-factor-2", "mean-over-rows-only", "half-mse", "sign-flipped", "activation-derivative-of-output",
              "missing-activation-derivative", "transposed-weight-gradient", "bias-gradient-not-summed",
              "bias-gradient-averaged", "softmax-unstable", "update-sign-flipped", "decay-counted-from-one",
              "adam-no-bias-correction", "adam-eps-inside-sqrt", "l2-missing", "l2-without-half", "l2-on-biases",
              "extra-mean-in-hidden-layer", "preactivation-instead-of-activation", "stale-or-updated-weights"}
    assert shared <= set(mutants.BUGS)
    assert shared <= {p.id for p in mutants.PLANTS}


# ------------------------------------------------------------------ start
@pytest.mark.parametrize("twin", ["scalar", "vector"])
def test_start_writes_stubs_that_keep_signature_and_docstring_and_drop_the_solution(tmp_path, twin):
    before = {m: markers.module_source(mod) for m, mod in markers.lesson_modules(twin).items()}
    folder = start(tmp_path, twin)
    reference = markers.lesson_modules(twin)
    for ex in markers.exercises(twin):
        with open(os.path.join(folder, ex.module + ".py")) as f:
            tree = ast.parse(f.read())
        node = _function(tree, ex.name)
        ref = _function(ast.parse(before[ex.module]), ex.name)
        assert ast.dump(node.args) == ast.dump(ref.args)
        assert ast.get_docstring(node) == ast.get_docstring(ref)
        assert len(node.body) == 2 and isinstance(node.body[1], ast.Raise)       # docstring, raise: no solution
        assert "exercise %s: %s" % (ex.number, ex.name) in ast.unparse(node.body[1])
    for m, mod in reference.items():                     # the installed package is never edited
        assert markers.module_source(mod) == before[m]
    with open(os.path.join(folder, "README.md")) as f:
        readme = f.read()
    for ex in markers.exercises(twin):
        assert "%s `%s`" % (ex.number, ex.name) in readme
    for page in set(__import__("re").findall(r"docs/tour/([\w-]+\.md)", readme)):
        assert os.path.exists(os.path.join(ROOT, "docs", "tour", page))


def _function(tree, qualname):
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and "." in qualname and node.name == qualname.split(".")[0]:
            return next(n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == qualname.split(".")[1])
        if isinstance(node, ast.FunctionDef) and node.name == qualname and "." not in qualname:
            return node
    raise AssertionError(qualname)


def test_start_refuses_a_non_empty_folder_unless_forced_and_writes_chapters(tmp_path):
    folder = start(tmp_path, "scalar", "one", "--chapter", "2")
    assert sorted(os.listdir(folder)) == ["README.md", "activations.py", "twin-nn-exercises.json"]
    r = cli("exercise", "start", folder)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "not empty" in r.stderr and "--force" in r.stderr
    assert cli("exercise", "start", folder, "--force").returncode == 0
    assert "linalg.py" in os.listdir(folder)


def test_check_refuses_a_folder_that_is_not_a_workspace(tmp_path):
    r = cli("exercise", "check", str(tmp_path))
    assert r.returncode == 2 and "not an exercise workspace" in r.stderr and r.stderr.count("\n") == 1


# ------------------------------------------------------------------ the proof
@pytest.mark.parametrize("twin, python", TWINS, ids=IDS)
def test_the_reference_bodies_all_pass_and_assemble(tmp_path, twin, python):
    folder = start(tmp_path, twin, python=python)
    markers.fill_workspace(folder, twin)
    r = cli("exercise", "check", folder, "--json", "--examples", "15", python=python)
    answer = json.loads(r.stdout)
    assert [f["status"] for f in answer["functions"]] == ["pass"] * len(markers.exercises(twin)), r.stdout
    assert r.returncode == 0
    a = answer["assembled"]
    if python == sys.executable:                  # the parity harness needs NumPy: not on PyPy
        assert a["verdict"] == "agrees" and a["chapters"] == list(markers.MODULES[1:]), a
        assert [c["verdict"] for c in a["cases"]] == ["agrees"] * 4
    else:
        assert a["verdict"] == "skipped" and "NumPy" in a["message"]


ONE_AT_A_TIME = r"""
import json, os, shutil, sys, tempfile
from twin_nn.exercises import command, grading, markers, mutants
twin, base = sys.argv[1], sys.argv[2]
found = markers.exercises(twin)
out = {}
for ex in found:
    plant = mutants.plants_for(twin, ex.module, ex.name)[0]
    work = tempfile.mkdtemp(dir=base)
    for name in os.listdir(base + "/stubs"):
        shutil.copy(os.path.join(base, "stubs", name), work)
    markers.fill_workspace(work, twin, {ex.name: plant})
    grader = grading.Grader(work, twin, examples=0)
    out[ex.name] = {e.name: grader.grade(e) for e in found}
print(json.dumps(out))
"""


@pytest.mark.parametrize("twin, python", TWINS, ids=IDS)
def test_one_planted_mistake_fails_that_function_alone_with_its_id(tmp_path, twin, python):
    start(tmp_path, twin, "stubs", python=python)
    env = dict(os.environ, PYTHONPATH=ROOT)
    r = subprocess.run([python, "-c", ONE_AT_A_TIME, twin, str(tmp_path)], capture_output=True, text=True,
                       env=env, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    results = json.loads(r.stdout)
    for planted, plant in first_plants(twin).items():
        for name, result in results[planted].items():
            if name == planted:
                assert result["status"] == "fail", (planted, result)
                assert [d["id"] for d in result["diagnosis"]] == [plant.id], (planted, result)
            else:
                assert result["status"] == "pass", (planted, name, result)


@pytest.mark.parametrize("twin, python", TWINS, ids=IDS)
@pytest.mark.parametrize("half", [0, 1], ids=["even", "odd"])
def test_half_planted_no_mistake_leaks_into_another_grade(tmp_path, twin, python, half):
    folder = start(tmp_path, twin, python=python)
    plants = first_plants(twin, lambda i: i % 2 == half)
    markers.fill_workspace(folder, twin, plants)
    r = cli("exercise", "check", folder, "--json", "--examples", "10", python=python)
    assert r.returncode == 1
    answer = json.loads(r.stdout)
    for f in answer["functions"]:
        if f["name"] in plants:
            assert f["status"] == "fail" and [d["id"] for d in f["diagnosis"]] == [plants[f["name"]].id], f
        else:
            assert f["status"] == "pass", f
    text = cli("exercise", "check", folder, "--examples", "0", python=python).stdout
    assert "activations: %d of 7 pass" % sum(1 for i, e in enumerate(markers.exercises(twin))
                                             if e.module == "activations" and i % 2 != half) in text


# ------------------------------------------------------------------ statuses, errors, the assembled run
def test_todo_error_with_a_trimmed_traceback_and_a_timeout(tmp_path):
    folder = start(tmp_path, "scalar", "ws", "--chapter", "2")
    markers.fill_workspace(folder, "scalar")
    path = os.path.join(folder, "activations.py")
    with open(path) as f:
        text = f.read()
    text = text.replace("return z if z > 0.0 else 0.0", "return z / 0.0")                       # relu: an error
    text = text.replace("return 1.0 if z > 0.0 else 0.0", "while True:\n        pass")          # relu_prime: a loop
    text = text.replace("return z * sigmoid(z)", "import os\n    os._exit(3)")                     # swish: the end
    stub = '    raise NotImplementedError("exercise 2.7: swish_prime")'
    text = text.replace(text[text.index("    # exercise 2.7"):].split("\n\n\n")[0], "    # exercise 2.7\n" + stub)
    with open(path, "w") as f:
        f.write(text)
    r = cli("exercise", "check", folder, "--json", "--timeout", "4")
    status = {f["name"]: f for f in json.loads(r.stdout)["functions"]}
    assert r.returncode == 1
    assert status["relu"]["status"] == "error"
    detail = status["relu"]["detail"]
    assert 'File "%s", line' % path in detail and "ZeroDivisionError" in detail and "twin_nn" not in detail
    assert status["relu_prime"]["status"] == "error" and "timed out" in status["relu_prime"]["detail"]
    assert status["swish_prime"]["status"] == "error"            # the check stopped at the time limit
    assert [status[n]["status"] for n in ("sigmoid", "sigmoid_prime", "tanh_prime")] == ["pass"] * 3
    r = cli("exercise", "check", folder, "--only", "swish", "--json")
    swish = json.loads(r.stdout)["functions"][0]
    assert r.returncode == 1 and swish["status"] == "error" and "ended while running it (status 3)" in swish["detail"]
    r = cli("exercise", "check", folder, "--only", "swish_prime")
    assert r.returncode == 1 and "todo  2.7 swish_prime" in r.stdout and "activations: 0 of 1 pass" in r.stdout


def test_the_assembled_run_reaches_the_network(tmp_path):
    """A mistake that slipped past the grader would be caught assembled: plug a planted output_delta in."""
    folder = start(tmp_path, "scalar", "ws", "--chapter", "3")
    markers.fill_workspace(folder, "scalar")
    grader = grading.Grader(folder, "scalar", examples=0)
    for ex in markers.exercises("scalar", [3]):
        grader.results[(ex.module, ex.name)] = grader.grade(ex)["status"]
    assert assembled.assembled_run(grader)["verdict"] == "agrees"
    plant = mutants.plants_for("scalar", "losses", "output_delta")[0]
    grader.learner["losses"].output_delta = mutants.mutant_module(grader.reference["losses"], plant).output_delta
    run = assembled.assembled_run(grader)
    assert run["verdict"] == "diverges" and "grad" in run["message"], run
    import scalar_nn.losses
    import scalar_nn.mlp
    assert scalar_nn.mlp.output_delta is scalar_nn.losses.output_delta        # the package is restored
    assert "exercise_" not in scalar_nn.mlp.output_delta.__module__


def test_the_guide_lists_every_exercise_and_every_diagnosis():
    with open(os.path.join(ROOT, "docs", "EXERCISES.md"), encoding="utf-8") as f:
        guide = f.read()
    for bug in mutants.BUGS:
        assert "`%s`" % bug in guide, bug
    for ex in markers.exercises("scalar"):
        assert "| %s | `%s.%s` |" % (ex.number, ex.module, ex.name) in guide, ex.name


# Correct functions written differently from the lesson: other summation orders, other (equal) formulas.
# They must pass: the bounds are the rounding analysis, not the reference's own bits.
OTHER_WAYS = {
    "vector": {
        "matmul": "    return np.einsum('ik,kj->ij', A, B)",
        "column_means": "    return A.sum(axis=0) / A.shape[0]",
        "sigmoid": "    e = np.exp(-np.abs(z))\n    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))",
        "swish_prime": "    s = sigmoid(z)\n    return s + z * s * (1.0 - s)",
        "softplus": "    return np.logaddexp(0.0, z)",
        "data_loss": "    if loss == 'mse':\n        return float(np.mean((Yhat - Y) ** 2))\n    if loss == 'bce':\n"
                     "        return float(np.mean(Y * softplus(-Z) + (1 - Y) * softplus(Z)))\n"
                     "    return float(np.mean(logsumexp_row(Z) - Z[np.arange(len(Z)), Y]))",
        "output_delta": "    N, m = Z.size, Z.shape[0]\n    if output == 'linear':\n        return 2 / N * (Z - Y)\n"
                        "    if loss == 'mse':\n        return 2 * (Yhat - Y) * Yhat * (1 - Yhat) / N\n"
                        "    if loss == 'bce':\n        return Yhat / N - Y / N\n"
                        "    return Yhat / m - np.eye(Z.shape[1])[Y] / m",
        "affine_backward": "    return np.dot(cache['A_prev'].T, dZ), np.sum(dZ, axis=0)",
        "batchnorm_forward": "    training = mu is None\n    if training:\n        mu, var = Z.mean(axis=0), Z.var(axis=0)\n"
                             "    std = np.sqrt(var + eps)\n    Zhat = (Z - mu) / std\n"
                             "    return gamma * Zhat + beta, {'Zhat': Zhat, 'std': std, 'gamma': gamma, "
                             "'training': training, 'mu': mu, 'var': var}",
    },
    "scalar": {
        "matmul": "    return [[sum(A[i][k] * B[k][j] for k in range(len(B))) for j in range(len(B[0]))] "
                  "for i in range(len(A))]",
        "column_means": "    return [sum(col) / len(A) for col in zip(*A)]",
        "sigmoid": "    if z < 0:\n        return math.exp(z) / (1 + math.exp(z))\n    return 1 / (1 + math.exp(-z))",
        "swish_prime": "    s = sigmoid(z)\n    return s + z * s * (1.0 - s)",
        "logsumexp_row": "    m = max(z)\n    return m + math.log(math.fsum(math.exp(v - m) for v in z))",
        "affine_backward": "    A, m = cache['A_prev'], len(dZ)\n"
                           "    dW = [[sum(A[i][k] * dZ[i][j] for i in range(m)) for j in range(len(dZ[0]))] "
                           "for k in range(len(A[0]))]\n    return dW, [sum(row[j] for row in dZ) for j in range(len(dZ[0]))]",
    },
}


@pytest.mark.parametrize("twin", ["scalar", "vector"])
def test_correct_functions_written_another_way_pass(tmp_path, twin):
    folder = start(tmp_path, twin)
    for module, mod in markers.lesson_modules(twin).items():
        source = markers.module_source(mod)
        found = markers.find_exercises(source, module)
        bodies = markers.solution_bodies(source, found)
        path = os.path.join(folder, module + ".py")
        with open(path) as f:
            text = f.read()
        for ex in found:
            text = markers.fill(text, ex, OTHER_WAYS[twin].get(ex.name, bodies[ex.name]))
        with open(path, "w") as f:
            f.write(text)
    r = cli("exercise", "check", folder, "--json", "--examples", "30")
    answer = json.loads(r.stdout)
    assert r.returncode == 0 and {f["status"] for f in answer["functions"]} == {"pass"}, r.stdout
    assert answer["assembled"]["verdict"] == "agrees"


def test_the_vector_twin_is_marked_like_the_scalar_twin():
    """``python -m twin_nn.exercises.markers`` would change nothing: the markers agree (and it can redo them)."""
    scalar, vector = markers.lesson_modules("scalar"), markers.lesson_modules("vector")
    for name in markers.MODULES:
        source = markers.module_source(vector[name])
        assert markers.synced(markers.module_source(scalar[name]), source, name) == source, name
        bare = "".join(line for line in source.splitlines(keepends=True) if "# exercise " not in line)
        assert markers.synced(markers.module_source(scalar[name]), bare, name) == source, name
