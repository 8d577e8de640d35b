"""The engine in float32 (``vector_nn.fast.MLP(..., dtype="float32")``) against the scalar twin.

Every case of ``parity.case_matrix()`` that float32 offers (no dropout, no
BatchNorm: 72 of 120) runs lockstep and free-running for 50 steps with the
bounds of ``parity.lockstep_tolerance``/``free_tolerance`` derived with the
float32 unit roundoff 2^-24 instead of 2^-53 -- the same derivation, 2^29
times wider.  What the wider bound can no longer see is said in
docs/PARITY.md; here a test shows that the float64 bound does see the
float32 run (it is not float64 in disguise), and that every array of a step
is float32.
"""

import numpy as np
import pytest

from twin_nn import parity as P
import vector_nn
import vector_nn.fast as fast

CASES = [c for c in P.case_matrix() if not c.net.get("batchnorm") and not c.net.get("dropout")]

# Known limits of the bound's derivation, not of the engine (docs/PARITY.md, "float32"): near a
# perfect fit the cross-entropy loss lse(z) - z_y is a cancellation, so its absolute error is
# u |lse(z)|, not u times the loss.  At step 47 of this case the loss is 2.7e-5 with |lse| < 1:
# float32's 3e-8 is 1.2e-3 of the loss, beyond CONDITION_ALLOWANCE.  (The float64 bound has the
# same gap, 2^29 times smaller, and the twins' float64 losses happen to round alike there.)
CANCELLING = {"deep-linear-softmax_ce-momentum": "cross-entropy loss of 2.7e-5 computed as lse(z) - z_y"}


def _case(cfg):
    if cfg.id in CANCELLING:
        return pytest.param(cfg, id=cfg.id, marks=pytest.mark.xfail(strict=True, reason=CANCELLING[cfg.id]))
    return pytest.param(cfg, id=cfg.id)


@pytest.mark.parametrize("cfg", [_case(c) for c in CASES])
def test_float32_engine_within_the_float32_bound(cfg):
    run = P.run_twins(cfg, engine="fast32")
    P.check_run(run, u=P.U32)


def test_the_float64_bound_sees_the_float32_run():
    cfg = next(c for c in CASES if c.id.startswith("net32-16-tanh-linear_mse"))
    run = P.run_twins(cfg, steps=5, modes=("lockstep",), engine="fast32")
    P.check_run(run, u=P.U32)
    with pytest.raises(AssertionError, match="twins"):
        P.check_run(run, u=P.U)
    assert P.lockstep_tolerance(cfg.sizes, cfg.batch, P.U32).rtol > 2.0 ** 28 * P.lockstep_tolerance(
        cfg.sizes, cfg.batch).rtol


@pytest.mark.parametrize("make", [lambda: fast.SGD(lr=0.1, momentum=0.9), lambda: fast.Adam(lr=0.01)],
                         ids=["momentum", "adam"])
def test_every_array_of_a_float32_step_is_float32(make):
    net = fast.MLP([5, 16, 8, 3], "swish", "softmax", "cross_entropy", seed=3, l2=0.01, dtype="float32")
    opt = make()
    g = np.random.default_rng(0)
    X, Y = g.standard_normal((40, 5)), g.integers(0, 3, 40)
    history = net.fit(X, Y, opt, epochs=2, batch_size=8, verbose=0)
    loss, grads = net.loss_and_grads(X, Y)
    assert np.isfinite(loss) and history.loss[-1] < history.loss[0] + 1.0
    arrays = list(net.params.values()) + list(grads.values()) + [grads.flat, net.predict(X), net.last_output]
    arrays += [a for state in opt.state.values() for a in state.values()]
    arrays += [a for per_m in net._work.by_m.values() for a in per_m.values() if isinstance(a, np.ndarray)]
    assert arrays and all(a.dtype == np.float32 for a in arrays)


def test_float32_is_offered_where_the_lean_step_runs_and_refused_elsewhere():
    assert fast.MLP([2, 3, 1], dtype=np.float32).dtype == np.float32
    assert fast.MLP([2, 3, 1]).dtype == np.float64 and "dtype" not in repr(fast.MLP([2, 3, 1]))
    assert "dtype='float32'" in repr(fast.MLP([2, 3, 1], dtype="float32"))
    for bad in ("float16", "int32", "f8x", None):
        with pytest.raises(ValueError, match="dtype must be 'float64' or 'float32'"):
            fast.MLP([2, 3, 1], dtype=bad)
    for options, why in ((dict(exact=True), "exact=True"), (dict(batchnorm=True), "batchnorm"),
                         (dict(dropout=0.5), "dropout")):
        with pytest.raises(ValueError, match="dtype='float32' is for the engine's lean step: not with %s" % why):
            fast.MLP([2, 3, 1], dtype="float32", **options)
    copy = fast.MLP.from_params(vector_nn.MLP([2, 3, 1], seed=1).params, dtype="float32")
    assert all(P.dtype == np.float32 for P in copy.params.values())


@pytest.mark.parametrize("suffix", [".json", ".npz"])
def test_the_model_file_records_the_dtype(tmp_path, suffix):
    import json
    net = fast.MLP([3, 4, 2], "tanh", "linear", "mse", seed=5, dtype="float32")
    opt = fast.Adam(lr=0.05)
    X = np.linspace(-1.0, 1.0, 18).reshape(6, 3)
    for _ in range(3):
        opt.step(net.params, net.loss_and_grads(X, np.ones((6, 2)))[1])
    path = str(tmp_path / ("m" + suffix))
    vector_nn.save_model(net, path)
    if suffix == ".npz":
        with np.load(path) as archive:
            assert archive["W1"].dtype == np.float32                    # half the bytes
    loaded = vector_nn.load_model(path, mlp_class=fast.MLP)
    assert loaded.dtype == np.float32
    assert all(np.array_equal(loaded.params[k], net.params[k]) for k in net.params)
    assert np.array_equal(loaded.predict(X), net.predict(X))
    plain = vector_nn.load_model(path)                                   # the plain twin: float64, same values
    assert all(plain.params[k].dtype == np.float64 and np.array_equal(plain.params[k], net.params[k])
               for k in net.params)
    vector_nn.save_model(fast.MLP([3, 4, 2]), path)
    if suffix == ".json":
        assert "dtype" not in json.loads(open(path).read())["options"]    # float64 files are unchanged
        doc = json.loads(open(path).read())
        doc["options"]["dtype"] = "float16"
        import scalar_nn.toolkit.serialize as scalar_serialize
        with pytest.raises(ValueError, match="options.dtype must be one of float64, float32, got 'float16'"):
            scalar_serialize.model_from_dict(doc)
