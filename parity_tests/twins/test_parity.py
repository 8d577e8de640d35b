"""The twins, step by step: same start, same batches, same numbers (to rounding).

Every case of ``parity.case_matrix()`` (6 shape families x 5 hidden
activations x 4 output/loss pairs, optimizer and feature sets rotated over
them) trains both twins for 50 optimizer steps and compares, at every step,
the dropout masks (exactly), the forward output, the loss, every gradient
entry, every parameter after the update, the optimizer state and the
BatchNorm running statistics, then the inference-mode predictions after the
run.  Two modes against one scalar trajectory:

* lockstep: the vector twin restarts every step from the scalar twin's
  state, so a step's difference is that step's rounding; tolerance
  ``parity.lockstep_tolerance`` (a priori: 2 (2L+1) gamma_n * 64);
* free-running: the vector twin follows its own trajectory for all 50
  steps; tolerance ``parity.free_tolerance`` (steps * lockstep * 128).

The tolerance argument is in ``twin_nn/parity/`` and ``docs/PARITY.md``; the
measured distances are printed at the end of the session (one line) and in
full by ``parity_tests/measure_parity.py``.
"""

import json
import math
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import vector_nn.mlp
from twin_nn import parity as P
from scalar_nn.conventions import param_names

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CASES = P.case_matrix()
MEASURED = []          # (cfg, {mode: Measure}) of every case that ran


@pytest.fixture(scope="session", autouse=True)
def parity_summary(request):
    """One line with the measured twin distances, printed at the very end of the session."""
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if MEASURED and reporter is not None:
        line = summary_line()
        request.config.add_cleanup(lambda: reporter.write_line(line))


def summary_line():
    """'twin parity over N cases x 50 steps: lockstep max rel ..., free ...' (max over the cases run)."""
    parts = []
    for mode in ("lockstep", "free"):
        ms = [m[mode] for _, m in MEASURED if mode in m]
        if ms:
            parts.append("%s max rel %.1e, max normwise %.1e, max %d ulp" % (
                mode, max(m.max_rel for m in ms), max(m.max_scaled for m in ms), max(m.max_ulp for m in ms)))
    line = "twin parity over %d cases x 50 steps: %s" % (len(MEASURED), "; ".join(parts))
    return line + "\n" + summary_context()


def summary_context():
    """What the summary's numbers mean, for a reader who meets them at the end of ``make test``.

    An ulp (unit in the last place) is the gap between adjacent float64 numbers, 2**-52 ~ 2.2e-16
    of the number (to a factor of 2), so N ulp is a relative difference of about N x 2.2e-16:
    the ulp count is the same fact as max rel, in a unit that makes it look large.
    """
    lines = ["  (each of these cases passed its tolerance. An ulp is the spacing of float64 numbers, ~2.2e-16 of the "
             "number, so N ulp is a relative difference of about N x 2.2e-16."]
    ms = [(cfg, m["free"]) for cfg, m in MEASURED if "free" in m]
    if ms:
        cfg, worst = max(ms, key=lambda cm: cm[1].max_rel)
        where = " (case %s, step %s, %s)" % (cfg.id, worst.worst[0], worst.worst[1]) if worst.worst else ""
        lines.append("   Lockstep restarts the vector twin from the scalar twin's state every step, so it shows one "
                     "step's rounding; free-running lets each twin follow its own trajectory for 50 steps, and the "
                     "rounding grows through them, up to a relative %.1e%s, "
                     "within free_tolerance: see docs/PARITY.md and parity_tests/measure_parity.py)"
                     % (worst.max_rel, where))
    else:
        lines[-1] += ")"
    return "\n".join(lines)


# --------------------------------------------------------------------------- the matrix

@pytest.mark.parametrize("engine", ["plain", "fast"])
@pytest.mark.parametrize("cfg", CASES, ids=[c.id for c in CASES])
def test_twins_agree_step_by_step(cfg, engine):
    """scalar_nn against a vector twin: the plain one (vector_nn) and the engine (vector_nn.fast)."""
    run = P.run_twins(cfg, engine=engine)
    assert run.scalar.steps == list(range(1, 51)) and cfg.steps == 50
    labels = run.scalar.labels
    # What is recorded: every gradient, parameter and state entry; masks with dropout; BN statistics.
    for name in param_names(len(cfg.sizes) - 1, bool(cfg.net.get("batchnorm"))):
        assert "grad %s" % name in labels and name in labels
    assert ("mask1" in labels) == bool(cfg.net.get("dropout"))
    assert any(label.startswith("running_mean") for label in labels) == bool(cfg.net.get("batchnorm"))
    assert any(label.startswith("state ") for label in labels) == \
        (cfg.opt_name == "adam" or cfg.opt_kwargs.get("momentum", 0.0) > 0.0)
    loss = run.scalar.matrix()[:, run.scalar.columns("loss")]
    assert np.isfinite(loss).all()
    measured = P.check_run(run)
    if engine == "plain":
        MEASURED.append((cfg, measured))


def test_matrix_covers_every_activation_pair_and_feature_in_every_family():
    families = {f[0] for f in P.FAMILIES}
    for family in families:
        combos = {(c.hidden, c.output, c.loss) for c in CASES if c.family == family}
        assert combos == {(h, o, l) for h in P.HIDDEN for o, l in P.PAIRS}
    # each feature meets several shape families (and several activations/losses there)
    features = {
        "sgd plain": lambda c: c.opt_name == "sgd" and not c.opt_kwargs.get("momentum"),
        "sgd momentum (dampening 0)": lambda c: c.opt_kwargs.get("momentum") and not c.opt_kwargs.get("dampening"),
        "sgd EMA (dampening = momentum)": lambda c: c.opt_kwargs.get("momentum")
        and c.opt_kwargs.get("dampening") == c.opt_kwargs.get("momentum"),
        "lr decay": lambda c: c.opt_kwargs.get("decay", 0.0) > 0.0,
        "adam": lambda c: c.opt_name == "adam",
        "l2 on weights": lambda c: c.net.get("l2", 0.0) > 0.0,
        "l2 on biases": lambda c: c.net.get("l2_bias", 0.0) > 0.0,
        "dropout": lambda c: c.net.get("dropout", 0.0) > 0.0,
        "batchnorm": lambda c: c.net.get("batchnorm"),
        "batchnorm + adam": lambda c: c.net.get("batchnorm") and c.opt_name == "adam",
    }
    for feature, has in features.items():
        fams = {c.family for c in CASES if has(c)}
        acts = {c.hidden for c in CASES if has(c)}
        losses = {c.loss for c in CASES if has(c)}
        assert len(fams) >= 5 and len(acts) == 5 and len(losses) == 3, (feature, fams, acts, losses)
    assert all(c.steps >= 50 for c in CASES)
    assert {c.batch for c in CASES if c.family == "batch1"} == {1}
    assert any(1 in c.sizes[1:-1] for c in CASES if c.family == "width1")
    assert any(len(c.sizes) == 6 for c in CASES if c.family == "deep")          # 4 hidden layers
    assert any(c.sizes[0] >= 256 for c in CASES if c.family == "wide")


# --------------------------------------------------------------------------- a broken twin is caught

def perturb_vector_grad(monkeypatch, step, name, index, factor):
    """Monkeypatch vector_nn's MLP.loss_and_grads so that, on the given call, grads[name][index] *= factor."""
    original = vector_nn.mlp.MLP.loss_and_grads
    calls = {"n": 0}

    def loss_and_grads(self, X, Y, masks=None):
        loss, grads = original(self, X, Y, masks=masks)
        calls["n"] += 1
        if calls["n"] == step:
            grads[name][index] *= factor
        return loss, grads

    monkeypatch.setattr(vector_nn.mlp.MLP, "loss_and_grads", loss_and_grads)
    return calls


def test_a_perturbed_gradient_is_named_step_parameter_and_index(monkeypatch):
    cfg = next(c for c in CASES if c.id.startswith("net32-16-sigmoid-sigmoid_mse"))
    calls = perturb_vector_grad(monkeypatch, 7, "W2", (0, 1), 1.0 + 1e-6)
    run = P.run_twins(cfg, steps=10, modes=("lockstep",), public_api=True)
    assert calls["n"] == 10
    with pytest.raises(AssertionError) as info:
        P.check_run(run)
    msg = str(info.value)
    assert msg.startswith("twins diverge at step 7, grad W2 index (0, 1): scalar=")
    # both values and their relative difference (1e-6 up to the rounding of the two twins)
    a = float(run.scalar.matrix()[6, run.scalar.columns("grad W2")][1])       # W2 is (32, 16): (0, 1) is flat 1
    b = float(run.lockstep.matrix()[6, run.lockstep.columns("grad W2")][1])
    assert "scalar=%r" % a in msg and "vector lockstep=%r" % b in msg
    rel = float(msg.split("relative difference ")[1].split(" ")[0])
    assert rel == pytest.approx(1e-6, rel=1e-3)


def test_a_wrong_update_is_named_as_the_parameter():
    """A wrong update (not a wrong gradient) is named as the parameter itself."""
    cfg = next(c for c in CASES if c.id.startswith("net221-tanh-bce"))
    run = P.run_twins(cfg, steps=5, modes=("lockstep",))
    cols = run.lockstep.columns("W1")
    run.lockstep.rows[3][cols.start + 2] *= 1.0 + 1e-7          # step 4, W1 flat index 2 -> (1, 0)
    run.lockstep._matrix = None
    msg = P.first_divergence(run.scalar, run.lockstep, P.lockstep_tolerance(cfg.sizes, cfg.batch), cfg=cfg)
    assert msg.startswith("twins diverge at step 4, W1 index (1, 0):")


def test_masks_must_match_exactly():
    cfg = next(c for c in CASES if c.net.get("dropout") and c.family == "deep")
    run = P.run_twins(cfg, steps=3, modes=("lockstep",))
    assert P.first_divergence(run.scalar, run.lockstep, P.Tolerance(0.0, 0.0), cfg=None,
                              exclude=[l for l in run.scalar.labels if not l.startswith("mask")] + ["predict"]) is None
    cols = run.lockstep.columns("mask2")
    flat = run.lockstep.rows[1][cols]
    i = int(np.flatnonzero(np.asarray(flat) == 1.0)[0])
    run.lockstep.rows[1][cols.start + i] = 0.0
    run.lockstep._matrix = None
    msg = P.first_divergence(run.scalar, run.lockstep, P.Tolerance(1.0, 1.0))
    assert msg.startswith("twins diverge at step 2, mask2 index")
    assert "allowed 0.000e+00" in msg


def test_non_finite_values_are_reported_as_such():
    cfg = next(c for c in CASES if c.family == "net221")
    run = P.run_twins(cfg, steps=2, modes=("lockstep",))
    run.lockstep.rows[1][run.lockstep.columns("loss").start] = math.nan
    run.lockstep._matrix = None
    msg = P.first_divergence(run.scalar, run.lockstep, P.lockstep_tolerance(cfg.sizes, cfg.batch))
    assert msg.startswith("non-finite value at step 2, loss: scalar=")


# --------------------------------------------------------------------------- the degenerate BN entries

def test_structural_zero_gradients_are_the_bn_biases_and_linear_betas():
    L4 = [4, 6, 5, 6, 5, 1]
    bn = dict(batchnorm=True)
    assert P.structural_zero_grads(P.Config("x", L4, "tanh", "linear", "mse", net=bn)) == {"b1", "b2", "b3", "b4"}
    assert P.structural_zero_grads(P.Config("x", L4, "linear", "linear", "mse", net=bn)) == \
        {"b1", "b2", "b3", "b4", "beta1", "beta2", "beta3"}
    assert P.structural_zero_grads(P.Config("x", L4, "linear", "linear", "mse", net=dict(bn, dropout=0.2))) == \
        {"b1", "b2", "b3", "b4"}
    assert P.structural_zero_grads(P.Config("x", L4, "linear", "linear", "mse")) == set()
    # excluded from the pairwise comparison: the parameter, its gradient, its optimizer state
    adam = P.Config("x", L4, "linear", "linear", "mse", net=bn, opt=("adam", dict(lr=0.01)))
    assert P.excluded_params(adam) == P.structural_zero_grads(adam)
    assert {"b1", "grad b1", "state m[b1]", "state v[b1]", "beta3", "grad beta3"} <= P.excluded_labels(adam)
    assert not any(l.startswith(("W", "grad W", "gamma")) for l in P.excluded_labels(adam))


def test_bn_adam_noise_entries_are_noise_in_both_twins_and_really_drift():
    """The excluded entries: gradients ~0 in both twins, yet Adam moves them apart (why they are excluded)."""
    cfg = P.Config("deep", [4, 6, 5, 6, 5, 1], "linear", "linear", "mse", net=dict(batchnorm=True),
                   opt=("adam", dict(lr=0.01)), batch=4, rows=16, steps=20, seed=7)
    run = P.run_twins(cfg, modes=("lockstep", "free"))
    for trace in (run.scalar, run.lockstep, run.free):
        assert P.check_structural_zeros(trace, cfg, P.ZERO_GRAD_BOUND) < P.ZERO_GRAD_BOUND
    S, V = run.scalar.matrix(), run.lockstep.matrix()
    moved = max(np.abs(S[:, run.scalar.columns(n)] - V[:, run.lockstep.columns(n)]).max()
                for n in P.excluded_params(cfg))
    tol = P.lockstep_tolerance(cfg.sizes, cfg.batch)
    assert moved > 10 * tol.atol_scale            # the noise-driven walks differ beyond rounding...
    P.check_run(run)                              # ...and everything else agrees


# --------------------------------------------------------------------------- measuring

def test_ulp_distance():
    one = np.array([1.0, 0.0, -1.0, 1e-300, 0.0])
    nxt = np.nextafter(one, np.inf)
    assert P.ulp_distance(one, nxt).tolist() == [1.0, 1.0, 1.0, 1.0, 1.0]
    assert P.ulp_distance(one, one).tolist() == [0.0] * 5
    assert P.ulp_distance(np.array([0.0]), np.array([-0.0])).tolist() == [0.0]
    assert P.ulp_distance(np.array([1.0]), np.array([1.0 + 2 ** -52 * 1000])).tolist() == [1000.0]
    tiny = np.array([5e-324])
    assert P.ulp_distance(tiny, -tiny).tolist() == [2.0]


def test_lockstep_tolerance_is_the_a_priori_bound():
    tol = P.lockstep_tolerance([3, 32, 16, 1], 4)
    assert tol.rtol == pytest.approx(2 * 7 * 32 * 2.0 ** -53 * 64, rel=1e-12)
    assert P.lockstep_tolerance([256, 4, 1], 2).rtol == pytest.approx(2 * 5 * 256 * 2.0 ** -53 * 64, rel=1e-12)
    assert P.free_tolerance([2, 2, 1], 4, 50).rtol == pytest.approx(50 * 128 * P.lockstep_tolerance([2, 2, 1], 4).rtol)


# --------------------------------------------------------------------------- PyPy

PYPY_SCRIPT = r'''
import json
import sys

from scalar_nn.mlp import MLP
from scalar_nn.optim import SGD, Adam

job = json.load(sys.stdin)
net = MLP(job["sizes"], hidden=job["hidden"], output=job["output"], loss=job["loss"], seed=job["seed"],
          **job["net"])
opt = (SGD if job["opt"][0] == "sgd" else Adam)(**job["opt"][1])
X, Y = job["X"], job["Y"]


def snap(x):
    """A copy now: the optimizer updates parameters and state in place."""
    return [list(r) for r in x] if x and isinstance(x[0], list) else list(x)


steps = []
for rows in job["batches"]:                      # the same record, in the same order, as parity.step_items
    Xb, Yb = [X[i] for i in rows], [Y[i] for i in rows]
    loss, grads = net.loss_and_grads(Xb, Yb)
    items = [["mask%d" % k, M] for k, M in enumerate(net.last_masks or [], 1)]
    Yhat = getattr(net, "last_output", None)
    if Yhat is None:
        Yhat = net.forward(Xb, training=True, masks=net.last_masks)
    items += [["output", Yhat]] + ([["target", Yb]] if job["loss"] != "cross_entropy" else []) + [["loss", loss]]
    items += [["grad " + name, grads[name]] for name in net.params]
    opt.step(net.params, grads)
    items += [[name, snap(net.params[name])] for name in net.params]
    for s in sorted(opt.state):
        items += [["state %s[%s]" % (s, name), snap(opt.state[s][name])] for name in net.params]
    items += [[name, snap(net.buffers[name])] for name in sorted(net.buffers)]
    steps.append(items)
print(json.dumps({"implementation": sys.implementation.name, "steps": steps, "predict": net.predict(X)}))
'''

PYPY_CASES = ("deep-tanh-softmax_ce-adam+bn+dropout", "net221-relu-bce-momentum+dropout",
              "width1-swish-linear_mse-adam+decay+l2")


@pytest.mark.pypy
@pytest.mark.skipif(shutil.which("pypy3") is None, reason="pypy3 is not installed")
@pytest.mark.parametrize("case_id", PYPY_CASES)
def test_scalar_twin_under_pypy_matches_cpython_and_the_vector_twin(case_id):
    """scalar_nn under PyPy: bit-identical to CPython's scalar run, and within the free-running bound of vector_nn."""
    cfg = next(c for c in CASES if c.id == case_id)
    X, Y = P.make_data(cfg)
    job = dict(sizes=cfg.sizes, hidden=cfg.hidden, output=cfg.output, loss=cfg.loss, seed=cfg.seed, net=cfg.net,
               opt=[cfg.opt_name, cfg.opt_kwargs], X=X, Y=Y,
               batches=[P.batch_indices(cfg, s) for s in range(1, cfg.steps + 1)])
    env = dict(os.environ, PYTHONPATH=ROOT)
    done = subprocess.run(["pypy3", "-c", PYPY_SCRIPT], input=json.dumps(job), capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["implementation"] == "pypy"
    pypy = P.Trace("scalar under pypy")
    for step, items in enumerate(out["steps"], start=1):
        pypy.add(step, [(label, value) for label, value in items])
    pypy.final = [("predict", out["predict"])]

    run = P.run_twins(cfg, modes=("free",))
    exclude = P.excluded_labels(cfg)
    assert pypy.labels == run.scalar.labels and len(pypy.steps) == 50
    # Same code, same IEEE operations, same C library: PyPy and CPython agree to the bit.  (CPython >= 3.12
    # sums floats with sum() in compensated arithmetic, which PyPy 3.9 does not: allow rounding there.)
    exact = sys.version_info < (3, 12)
    tol = P.Tolerance(0.0, 0.0) if exact else P.lockstep_tolerance(cfg.sizes, cfg.batch)
    P.assert_twins_agree(run.scalar, pypy, tol, exclude=(), names=("scalar under cpython", "scalar under pypy"))
    P.assert_twins_agree(pypy, run.free, P.free_tolerance(cfg.sizes, cfg.batch, 50), cfg=cfg, exclude=exclude,
                         names=("scalar under pypy", "vector free"))


def test_summary_line_says_what_its_ulp_count_means(monkeypatch):
    """`make test` ends with this line: the ulp count (hundreds of millions) comes with its meaning."""
    cfg = CASES[0]
    free = P.Measure(9.0e-8, 1e-10, 9.0e-8 / 2.0 ** -52, 0.5, 100, (37, "state m[W1]"))
    lock = free._replace(max_rel=1e-11, max_ulp=1e-11 / 2.0 ** -52, worst=(3, "W1"))
    monkeypatch.setattr(sys.modules[__name__], "MEASURED", [(cfg, {"lockstep": lock, "free": free})])
    text = summary_line()
    head, context = text.split("\n", 1)
    assert head.startswith("twin parity over 1 cases x 50 steps") and "max %d ulp" % free.max_ulp in head
    assert "~2.2e-16 of the number, so N ulp is a relative difference of about N x 2.2e-16" in context
    assert "up to a relative 9.0e-08 (case %s, step 37, state m[W1])" % cfg.id in context
    assert "docs/PARITY.md" in context
