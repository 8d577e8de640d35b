"""The floors compute the twins' step, and the ladder runs every rung (smoke tests, no timing).

``twin_nn/bench/floors.py`` writes each workload's step by hand as the floor of
the ladder.  A floor that computed something else would make every ratio
against it meaningless, so: from the same weights on the same batches,
three steps of the loop floor follow scalar_nn and three steps of the NumPy
floor follow vector_nn and the fast engine, loss by loss and parameter by
parameter, to rounding.
"""

import math

import pytest

from twin_nn.bench.floors import gemm_stepper, loop_stepper, numpy_stepper, torch_gemm_stepper
from twin_nn.bench.ladder import CPYTHON_RUNGS, THREAD_RUNGS, paired_ratio, run_ladder
from twin_nn.bench.workloads import WORKLOADS, twin_stepper

KEYS = sorted(WORKLOADS)
STEPS = 3


def _as_lists(x):
    return x.tolist() if hasattr(x, "tolist") else x


def _flat(x):
    x = _as_lists(x)
    return [v for row in x for v in row] if x and isinstance(x[0], list) else list(x)


@pytest.mark.parametrize("twin, floor", [("scalar", loop_stepper), ("vector", numpy_stepper),
                                         ("fast", numpy_stepper)], ids=["loop-scalar", "numpy-vector", "numpy-fast"])
@pytest.mark.parametrize("key", KEYS)
def test_floor_takes_the_twins_step(key, twin, floor):
    w = WORKLOADS[key]
    step, net = twin_stepper(w, twin, STEPS, smoke=True)
    floor_step, Ws, bs = floor(w, STEPS, smoke=True)
    for _ in range(STEPS):
        assert floor_step() == pytest.approx(step(), rel=1e-12, abs=1e-15)
    for k in range(1, len(w.sizes)):
        for mine, theirs in ((Ws[k - 1], net.params["W%d" % k]), (bs[k - 1], net.params["b%d" % k])):
            assert _flat(mine) == pytest.approx(_flat(theirs), rel=1e-11, abs=1e-14)


def test_gemm_floor_runs():
    """The floor issues the products as the engine does: 15 columns stored as 16 (vector_nn.fast.layout)."""
    step, description = gemm_stepper(WORKLOADS["W4"], 2, smoke=True)
    assert step() == 0.0 and "X_b @ [W1 0]" in description and "(3072 x 16)" in description


def test_torch_gemm_rung_runs_the_products_pytorchs_step_issues():
    """W4's two products as PyTorch's autograd issues them (addmm forward, mat1^T @ grad backward)."""
    pytest.importorskip("torch")
    step, description = torch_gemm_stepper(WORKLOADS["W4"], 2, smoke=True)
    assert step() == 0.0 and "X_b @ W1 and X_b.T @ dZ1" in description and "(3072 x 15)" in description


def test_ladder_runs_every_rung_once():
    """One round of every rung of W1 (peers that are not installed are skipped, with the reason)."""
    out = run_ladder("W1", CPYTHON_RUNGS, smoke=True)
    assert set(out["rungs"]) | set(out["skipped"]) == set(CPYTHON_RUNGS)
    assert {"loop", "scalar", "numpy", "vector", "fast"} <= set(out["rungs"])
    for r in out["rungs"].values():
        assert r["steps"] >= 1 and all(math.isfinite(v) for v in r["first_losses"])
    assert paired_ratio(out, "loop", "scalar") > 0.0


def test_threads_ladder_runs_each_rung_at_one_thread_and_at_every_core():
    out = run_ladder("W5", THREAD_RUNGS, smoke=True)
    assert set(out["rungs"]) | set(out["skipped"]) == set(THREAD_RUNGS)
    for rung, r in out["rungs"].items():
        assert r["threads"] == (out["cores"] if rung.endswith("@all") else 1)
        base = out["rungs"].get(rung[:-4]) if rung.endswith("@all") else None
        if base is not None:             # the same step at another thread count: the same losses, to rounding
            assert r["first_losses"][0] == pytest.approx(base["first_losses"][0], rel=1e-5)


@pytest.mark.parametrize("key", KEYS)
def test_engine_float32_rung_takes_the_float64_rungs_steps(key):
    """Where vector_nn.fast.MLP takes dtype="float32", its rung does the same work as the float64 one.

    A sanity check that the rung is the same step (data, weights, batches), not the engine's float32
    parity bound (parity_tests has that): float32's unit roundoff is 2^-24 = 6e-8, and three smoke
    steps on a few rows stay far inside 1e-5 (measured about 2e-7).
    """
    from twin_nn.bench.ladder import engine_dtype_missing, make_rung
    reason = engine_dtype_missing("float32")
    if reason:
        pytest.skip(reason)
    w = WORKLOADS[key]
    f64, f32 = make_rung("fast", w, smoke=True), make_rung("fast32", w, smoke=True)
    for _ in range(STEPS):
        assert f32() == pytest.approx(f64(), rel=1e-5)


def test_a_floor_of_another_workload_is_left_out_of_the_reports():
    """gemm is W4's, the streams W5's, Network221 W1's: elsewhere their 'skipped' lines would only be noise."""
    from twin_nn.bench.ladder import another_workloads
    W1, W4, W5 = WORKLOADS["W1"], WORKLOADS["W4"], WORKLOADS["W5"]
    assert another_workloads("gemm", W1) and another_workloads("gemm_torch", W5) and another_workloads("stream", W4)
    assert another_workloads("net221", W4)
    assert not any(another_workloads(r, w) for r, w in [("gemm", W4), ("gemm_torch", W4), ("stream_dram", W5),
                                                        ("net221", W1), ("fast", W1), ("torch64@all", W5)])
