"""Exact mode: the vector twin reproduces the scalar twin bit for bit (docs/PARITY.md, "Exact mode").

Every case of ``parity.case_matrix()`` runs again with the vector twin in
exact mode (``vector_nn.exact``), lockstep and free-running for 50 steps, and
every recorded entry must be ``==`` to the last bit: masks, forward output,
loss, every gradient, every parameter after every step, the optimizer state,
the BatchNorm running statistics, then inference-mode predictions and loss.
Nothing is excluded and nothing is pinned: even the structural-zero
gradients' rounding noise is the scalar twin's, bit for bit.
"""

import io
import json
import math

import numpy as np
import pytest
from hypothesis import given

import scalar_nn.linalg as slin
import scalar_nn.losses as sloss
import vector_nn
import vector_nn.mlp
import vector_nn.optim
from twin_nn import parity as P
from parity_tests.twins.test_parity_hypothesis import configs
from scalar_nn.conventions import param_names
from twin_nn import cli
from vector_nn import exact as E

CASES = P.case_matrix()


# --------------------------------------------------------------------------- the matrix, bit for bit

@pytest.mark.parametrize("cfg", CASES, ids=[c.id for c in CASES])
def test_exact_twins_are_bit_identical_step_by_step(cfg):
    run = P.run_twins(cfg, engine="exact")
    assert run.scalar.steps == list(range(1, 51))
    labels = run.scalar.labels
    for name in param_names(len(cfg.sizes) - 1, bool(cfg.net.get("batchnorm"))):
        assert "grad %s" % name in labels and name in labels
    assert [label for label, _ in run.scalar.final] == ["predict", "eval loss"]
    P.check_exact_run(run)
    assert np.array_equal(run.scalar.matrix(), run.free.matrix())        # the same, said once more


def test_the_exact_check_sees_the_plain_twins_rounding():
    """The bitwise check is not vacuous: the plain twin differs from the scalar one within a few steps."""
    cfg = next(c for c in CASES if c.id.startswith("net32-16-tanh-linear_mse"))
    run = P.run_twins(cfg, steps=5, modes=("lockstep",))
    assert P.first_bit_difference(run.scalar, run.lockstep) is not None


def test_a_one_ulp_gradient_perturbation_is_named_step_parameter_index_ulp_and_bits(monkeypatch):
    cfg = next(c for c in CASES if c.id.startswith("net32-16-sigmoid-sigmoid_mse"))
    original = vector_nn.mlp.MLP.loss_and_grads
    calls = {"n": 0}

    def loss_and_grads(self, X, Y, masks=None):
        loss, grads = original(self, X, Y, masks=masks)
        assert self.exact
        calls["n"] += 1
        if calls["n"] == 7:
            grads["W2"][0, 1] = np.nextafter(grads["W2"][0, 1], np.inf)
        return loss, grads

    monkeypatch.setattr(vector_nn.mlp.MLP, "loss_and_grads", loss_and_grads)
    run = P.run_twins(cfg, steps=10, modes=("lockstep",), public_api=True, engine="exact")
    assert calls["n"] == 10
    with pytest.raises(AssertionError) as info:
        P.check_exact_run(run)
    msg = str(info.value)
    g = run.scalar.matrix()[6, run.scalar.columns("grad W2")].reshape(cfg.sizes[1], cfg.sizes[2])[0, 1]
    bumped = float(np.nextafter(g, np.inf))
    assert msg.startswith("twins differ at step 7, grad W2 index (0, 1): ")
    assert "scalar=%r" % float(g) in msg and "vector exact lockstep=%r" % bumped in msg
    assert "1 ulp apart" in msg and P.bits(g) in msg and P.bits(bumped) in msg


def test_bit_difference_reports_zero_signs():
    a, b = P.Trace("a"), P.Trace("b")
    a.add(1, [("loss", 0.0)])
    b.add(1, [("loss", -0.0)])
    msg = P.first_bit_difference(a, b)
    assert "step 1, loss" in msg and "0x0000000000000000 vs 0x8000000000000000" in msg


@given(configs())
def test_random_architectures_are_bit_identical_in_lockstep(cfg):
    P.check_exact_run(P.run_twins(cfg, modes=("lockstep",), engine="exact"))


@pytest.mark.parametrize("loss", ["mse", "cross_entropy"])
def test_fit_histories_are_bit_identical(loss):
    """``fit`` with shuffling, a validation split, BN, dropout and Adam: every History entry ==."""
    import scalar_nn.mlp
    import scalar_nn.optim
    import vector_nn.optim
    cfg = next(c for c in CASES if c.family == "deep" and c.loss == loss)
    X, Y = P.make_data(P.Config("fit", cfg.sizes, "tanh", cfg.output, loss, rows=24))
    options = dict(hidden="tanh", output=cfg.output, loss=loss, seed=3, dropout=0.2, batchnorm=True, l2=0.01)
    fit = dict(epochs=4, batch_size=5, val_split=0.25, seed=5, verbose=0)
    hs = scalar_nn.mlp.MLP(cfg.sizes, **options).fit(X, Y, scalar_nn.optim.Adam(lr=0.01, decay=0.1), **fit)
    hv = vector_nn.MLP(cfg.sizes, exact=True, **options).fit(np.array(X), np.array(Y), vector_nn.optim.Adam(lr=0.01, decay=0.1), **fit)
    assert (hs.loss, hs.val_loss, hs.metrics, hs.lr) == (hv.loss, hv.val_loss, hv.metrics, hv.lr)
    assert all(math.copysign(1.0, a) == math.copysign(1.0, b) for a, b in zip(hs.loss, hv.loss))


# --------------------------------------------------------------------------- the primitives

def _scalar_matrix(rng, m, n):
    A = rng.normal(size=(m, n)) * 10.0 ** rng.integers(-3, 4, size=(m, n))
    A[rng.random((m, n)) < 0.1] = -0.0
    return A


def test_ordered_primitives_equal_the_scalar_loops_bit_for_bit():
    rng = np.random.default_rng(7)
    for m, k, n in ((1, 1, 1), (3, 5, 2), (17, 9, 4), (2, 64, 3)):
        A, B = _scalar_matrix(rng, m, k), _scalar_matrix(rng, k, n)
        same = lambda x, y: np.array_equal(np.asarray(x).view(np.int64), np.asarray(y, dtype=np.float64).view(np.int64))
        assert same(E.matmul(A, B), slin.matmul(A.tolist(), B.tolist()))
        assert same(E.matmul(A.T, A), slin.matmul(slin.transpose(A.tolist()), A.tolist()))
        assert same(E.column_sums(A), slin.column_sums(A.tolist()))
        assert same(E.column_means(A), slin.column_means(A.tolist()))
        assert E.sum_squares(A) == slin.sum_squares(A.tolist())
        assert E.sum_squares(A[0]) == slin.sum_squares(A[0].tolist())
        Z = rng.normal(size=(m, n)) * 30
        assert same(E.softmax_row(Z), [sloss.softmax_row(r) for r in Z.tolist()])
        assert same(E.logsumexp_row(Z), [sloss.logsumexp_row(r) for r in Z.tolist()])


def test_sums_of_negative_zeros_start_from_zero_like_the_scalar_twin():
    A = np.full((3, 2), -0.0)
    assert np.signbit(np.add.accumulate(A, axis=0)[-1]).all()  # the running sum alone keeps -0.0 ...
    assert not np.signbit(E.column_sums(A)).any()              # ... the scalar loop starts at 0.0
    assert slin.column_sums(A.tolist()) == [0.0, 0.0] and not np.signbit(slin.column_sums(A.tolist())).any()
    assert not np.signbit(E.matmul(A, np.ones((2, 2)))).any()


# --------------------------------------------------------------------------- the backend, not a trick

PLAIN_MODULES = ("activations", "losses", "layers", "mlp")
ROUNDING = {"exp", "log", "log1p", "tanh", "expm1", "sum", "mean", "dot", "matmul", "einsum", "inner", "tensordot",
            "vdot", "nansum", "cumsum", "average", "var", "std", "prod", "sinh", "cosh", "power", "logaddexp"}
NOT_ON_THE_NETWORKS_PATH = {"softmax_cross_entropy_backward_long"}     # the long form, for the tests only


def _bypasses(module):
    """Every place in vector_nn/<module>.py that sums or calls a transcendental function without ``xp``."""
    import ast
    import os
    path = os.path.join(os.path.dirname(vector_nn.__file__), module + ".py")
    tree = ast.parse(open(path, encoding="utf-8").read())
    found = []

    def visit(node, where):
        if isinstance(node, ast.FunctionDef):
            if node.name in NOT_ON_THE_NETWORKS_PATH:
                return
            where = node.name
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            found.append("%s: @" % where)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ROUNDING:
            owner = node.func.value
            if not (isinstance(owner, ast.Name) and owner.id == "xp"):
                found.append("%s: %s.%s" % (where, ast.unparse(owner), node.func.attr))
        for child in ast.iter_child_nodes(node):
            visit(child, where)

    visit(tree, "<module>")
    return found


@pytest.mark.parametrize("module", PLAIN_MODULES)
def test_the_plain_modules_sum_only_through_their_backend(module):
    """Exact mode is the backend ``net.xp``: a sum or exp/log/tanh written around it (``A.sum(axis=0)``,
    ``np.exp``, ``@``) would silently lose exactness, so none is allowed on the network's path."""
    assert _bypasses(module) == []


def test_the_bypass_reader_sees_what_it_forbids(tmp_path, monkeypatch):
    import os
    folder = tmp_path / "vector_nn"
    folder.mkdir()
    (folder / "probe.py").write_text("def f(A, xp):\n    return A.sum(axis=0) + np.exp(A) + A @ A + xp.exp(A)\n")
    monkeypatch.setattr(vector_nn, "__file__", os.path.join(str(folder), "__init__.py"))
    assert sorted(_bypasses("probe")) == ["f: @", "f: A.sum", "f: np.exp"]


# --------------------------------------------------------------------------- the self-check

def test_the_self_check_covers_every_function_and_uses_what_it_found():
    check = E.report()
    assert set(check.mismatches) == set(E.FUNCTIONS)
    for name in E.FUNCTIONS:
        x = E.probes(name)
        assert check.probes[name] == x.size > 4000
        chosen = check.chosen[name]
        assert (chosen is getattr(np, name)) == (check.mismatches[name] == 0)
        theirs = np.array([getattr(math, name)(v) for v in x.tolist() if _in_domain(name, v)])
        ours = chosen(np.array([v for v in x.tolist() if _in_domain(name, v)]))
        assert np.array_equal(ours.view(np.int64), theirs.view(np.int64)), name
    text = "\n".join(check.lines())
    for name in E.FUNCTIONS:
        assert "np.%s" % name in text
    assert ("slow path" in text) == bool(check.slow_paths())
    assert check.exact and "NOT" not in text


def _in_domain(name, v):
    return not (name == "exp" and v > 709.0) and not (name in ("log", "sqrt") and v <= 0.0) and \
        not (name == "log" and v == 0.0)


def test_exact_mode_says_plainly_when_it_cannot_be_exact():
    check = E.self_check()
    check.problems.append("np.sqrt differs from math.sqrt (3 of 4100 probes)")
    text = "\n".join(check.lines())
    assert not check.exact
    assert "exact mode is NOT exact on this platform: np.sqrt differs from math.sqrt" in text


def test_the_slow_path_keeps_shapes():
    f = E.elementwise(math.tanh)
    assert f(np.zeros((2, 3))).shape == (2, 3) and f(np.float64(0.5)).shape == ()
    assert f(np.array([0.5]))[0] == math.tanh(0.5)
    x = np.array([[0.25, -0.0], [3.0, 0.0]])
    first = f(x)
    first[0, 0] = 99.0                                        # the caller owns its result ...
    again = f(x)                                              # ... and the memo is not aliased to it
    assert again[0, 0] == math.tanh(0.25) and np.signbit(again[0, 1]) and not np.signbit(again[1, 1])
    assert np.signbit(f(np.array([-0.0])))[0] and not np.signbit(f(np.array([0.0])))[0]   # keyed by bits


# --------------------------------------------------------------------------- the option, the file, the CLI

def _steps_like_the_scalar_twin(net, optimizer, steps=3):
    """``steps`` SGD/Adam steps of ``net`` beside the scalar twin from the same parameters: every loss,
    gradient and parameter ``==``.  Returns how many entries were compared (so that a test sees work done)."""
    import scalar_nn.mlp
    import scalar_nn.optim
    ref = scalar_nn.mlp.MLP.from_params({k: v.tolist() for k, v in net.params.items()}, hidden=net.hidden,
                                        output=net.output, loss=net.loss_name, l2=net.l2, seed=net.seed)
    ref_opt = getattr(scalar_nn.optim, type(optimizer).__name__)(lr=optimizer.lr)
    X, Y = P.make_data(P.Config("opt", net.sizes, net.hidden, net.output, net.loss_name, rows=6))
    compared = 0
    for _ in range(steps):
        loss, grads = net.loss_and_grads(np.array(X), np.array(Y))
        loss_s, grads_s = ref.loss_and_grads(X, Y)
        assert loss == loss_s
        for name in grads_s:
            assert np.array_equal(np.asarray(grads[name]), np.array(grads_s[name])), name
        optimizer.step(net.params, grads)
        ref_opt.step(ref.params, grads_s)
        for name in ref.params:
            assert np.array_equal(net.params[name], np.array(ref.params[name])), name
            compared += net.params[name].size
    return compared


def test_exact_is_an_mlp_option_and_a_model_file_field(tmp_path):
    plain = vector_nn.MLP([2, 3, 1], seed=4)
    net = vector_nn.MLP([2, 3, 1], "tanh", "sigmoid", "bce", seed=4, exact=True)
    assert net.exact and net.xp is E.EXACT and not plain.exact and plain.xp is not E.EXACT
    assert type(net) is type(plain) is vector_nn.mlp.MLP and "exact=True" in repr(net)
    assert _steps_like_the_scalar_twin(net, vector_nn.optim.SGD(lr=0.5)) > 0
    copy = vector_nn.mlp.MLP.from_params(net.params, "tanh", "sigmoid", "bce", exact=True)
    assert copy.exact and _steps_like_the_scalar_twin(copy, vector_nn.optim.Adam(lr=0.1))
    path = tmp_path / "exact.json"
    vector_nn.save_model(net, str(path))
    doc = json.loads(path.read_text())
    assert doc["options"]["exact"] is True
    assert vector_nn.load_model(str(path)).xp is E.EXACT
    npz = tmp_path / "exact.npz"
    vector_nn.save_model(net, str(npz))
    loaded = vector_nn.load_model(str(npz))
    assert loaded.exact and all(np.array_equal(loaded.params[k], net.params[k]) for k in net.params)
    assert _steps_like_the_scalar_twin(loaded, vector_nn.optim.SGD(lr=0.5))
    import scalar_nn.toolkit.serialize as scalar_serialize
    assert type(scalar_serialize.load_model(str(path))).__name__ == "MLP"      # the scalar twin ignores it
    vector_nn.save_model(plain, str(path))
    assert "exact" not in json.loads(path.read_text())["options"]              # plain files are unchanged
    doc["options"]["exact"] = "yes"
    with pytest.raises(ValueError, match="options.exact must be true or false"):
        scalar_serialize.model_from_dict(doc)
    with pytest.raises(TypeError, match="exact must be True or False, got 'yes'"):
        vector_nn.MLP([2, 3, 1], exact="yes")


def test_the_engine_takes_exact_too(tmp_path):
    """``fast.MLP(..., exact=True)``, its ``from_params`` and ``load_model(..., mlp_class=fast.MLP)``:
    the engine's network on the exact backend, stepped by the engine's own optimizers, bit for bit."""
    import vector_nn.fast as fast
    net = fast.MLP([3, 5, 4, 2], "swish", "linear", "mse", seed=2, l2=0.01, exact=True)
    assert isinstance(net, fast.MLP) and net.exact and net.xp is E.EXACT
    assert _steps_like_the_scalar_twin(net, fast.SGD(lr=0.05)) > 0
    copy = fast.MLP.from_params(net.params, "swish", "linear", "mse", l2=0.01, exact=True)
    assert isinstance(copy, fast.MLP) and copy.exact
    assert _steps_like_the_scalar_twin(copy, fast.Adam(lr=0.01)) > 0
    path = str(tmp_path / "exact.json")
    vector_nn.save_model(net, path)
    loaded = vector_nn.load_model(path, mlp_class=fast.MLP)
    assert isinstance(loaded, fast.MLP) and loaded.exact
    assert _steps_like_the_scalar_twin(loaded, fast.SGD(lr=0.05)) > 0
    assert not fast.MLP([3, 5, 2]).exact                                   # the engine's default: NumPy


def test_plain_and_exact_networks_live_side_by_side():
    """The backend is the network's: an exact and a plain network interleaved, each keeps its own rounding."""
    cfg = next(c for c in CASES if c.id.startswith("net32-16-tanh-linear_mse"))
    X, Y = P.make_data(P.Config("side", cfg.sizes, "tanh", "linear", "mse", rows=8))
    exact = vector_nn.MLP(cfg.sizes, "tanh", seed=1, exact=True)
    plain = vector_nn.MLP(cfg.sizes, "tanh", seed=1)
    import scalar_nn.mlp
    ref = scalar_nn.mlp.MLP(cfg.sizes, "tanh", seed=1)
    differs = False
    for _ in range(3):
        loss_p, grads_p = plain.loss_and_grads(np.array(X), np.array(Y))
        loss_e, grads_e = exact.loss_and_grads(np.array(X), np.array(Y))
        loss_s, grads_s = ref.loss_and_grads(X, Y)
        assert loss_e == loss_s and all(np.array_equal(grads_e[k], np.array(grads_s[k])) for k in grads_s)
        differs = differs or any(not np.array_equal(grads_p[k], grads_e[k]) for k in grads_p)
    assert differs                           # the plain network kept NumPy's sums all along


def _cli(*argv):
    out = io.StringIO()
    status = cli.main(list(argv), out=out)
    return status, out.getvalue()


@pytest.mark.parametrize("recipe, epochs", [("people-221", "200"), ("sine3d", "1"), ("spiral", "2")])
def test_compare_exact_prints_zero_parameter_difference(recipe, epochs):
    status, text = _cli("compare", recipe, "--exact", "--epochs", epochs)
    assert status == 0
    assert "exact mode (vector_nn.exact)" in text.splitlines()[0]
    assert "np.tanh" in text and "sum() of floats" in text
    assert "largest parameter difference between the twins: 0.000e+00 (relative 0.000e+00)" in text
    assert "exact mode: max |dP| = 0 (every parameter bit-identical after every epoch)" in text.splitlines()
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("final scores  scalar:"))
    scalar_scores, vector_scores = lines[at:at + 2]                       # the final scores agree too
    assert scalar_scores.split("scalar:")[1] == vector_scores.split("vector:")[1]


def test_train_and_gradcheck_take_exact(tmp_path):
    path = str(tmp_path / "m.json")
    status, text = _cli("train", "people-221", "--exact", "--epochs", "3", "--quiet", "--save", path)
    assert status == 0 and "exact mode" in text
    assert json.loads(open(path).read())["options"]["exact"] is True
    status, text = _cli("gradcheck", "people-221", "--exact", "--twins", "vector")
    assert status == 0 and "exact mode" in text and "vector_nn: worst relative error" in text
    status, _ = _cli("train", "people-221", "--exact", "--twin", "scalar", "--epochs", "1")
    assert status == 2
    status, _ = _cli("compare", "people-221", "--exact", "--engine", "fast", "--epochs", "1")
    assert status == 2


def test_train_on_a_csv_takes_exact_and_the_scalar_twin_refuses_an_engine(tmp_path, capsys):
    from parity_tests.app.cli_data_helpers import multiclass_csv
    data, path = multiclass_csv(tmp_path / "iris.csv"), str(tmp_path / "iris.json")
    status, text = _cli("train", "--data", data, "--target", "species", "--exact", "--epochs", "2",
                        "--quiet", "--save", path)
    assert status == 0 and "exact mode" in text              # --exact is not silently dropped with --data
    assert json.loads(open(path).read())["options"]["exact"] is True
    status, text = _cli("info", path)
    assert status == 0 and "exact mode" in text.splitlines()[2]          # the options line says so
    status, _ = _cli("train", "people-221", "--twin", "scalar", "--engine", "plain", "--epochs", "1")
    assert status == 2
    assert "--engine plain picks a rung of the vector twin" in capsys.readouterr().err


def test_overclock_takes_an_engine_and_exact_matches_the_scalar_twin():
    argv = ["overclock", "--epochs", "6", "--at-epoch", "3", "--every", "1"]
    status, exact = _cli(*argv + ["--exact"])
    assert status == 0 and "exact mode (vector_nn.exact)" in exact
    assert "swish-overclock in vector_nn (exact engine), A = without Overclock" in exact
    status, scalar = _cli(*argv + ["--twin", "scalar"])
    assert status == 0
    tail = lambda text: text[text.index("   epoch"):]          # noqa: E731  the curves and scores
    assert tail(exact) == tail(scalar)                          # bit for bit, printed to 8 digits
    status, plain = _cli(*argv + ["--engine", "plain"])
    assert status == 0 and "in vector_nn (plain engine)" in plain
