"""Smoke run of the exact-mode cost table (``exact_cost.py``) on the quick inputs: no time is asserted."""

from benchmarks import exact_cost
from twin_nn.bench.workloads import WORKLOADS


def test_exact_cost_table_runs_every_workload_and_exact_losses_equal_the_scalar_twins(capsys):
    rows = exact_cost.measure(quick=True)
    assert [r["key"] for r in rows] == sorted(WORKLOADS)
    for r in rows:
        assert r["identical"], r["key"]               # exact mode: the scalar twin's losses, bit for bit
        assert set(r["seconds"]) == set(exact_cost.CONTESTANTS) and all(s > 0 for s in r["seconds"].values())
    text = exact_cost.table(rows)
    assert text.count("\n") == len(rows) + 1 and "scalar/exact" in text
    assert exact_cost.main(["--quick", "W1"]) == 0
    out = capsys.readouterr().out
    assert "self-check" in out and "np.tanh" in out and "| W1 people-221" in out
