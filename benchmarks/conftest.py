"""Shared pieces of the benchmark suite.

The suite runs in two modes:

* ``make bench`` (``benchmarks/run.py``): real timings, written as
  pytest-benchmark JSON to ``benchmarks/out/`` and rendered into
  ``benchmarks/RESULTS.md``;
* ``make test`` (``--benchmark-disable``): a smoke run.  pytest-benchmark then
  calls each benchmarked function once; the ``quick`` fixture tells the tests
  to build small inputs (a few rows, a couple of steps) so the whole
  directory takes seconds.  No test ever asserts on a time.

Every benchmark sets ``benchmark.group`` to its workload (``"W2 sine3d ·
per step"``), so pytest-benchmark prints the scalar twin, the vector twin and
the peers side by side.
"""

import pytest

from twin_nn.bench.crossover import BATCHES, SMOKE_BATCHES, SMOKE_WIDTHS, WIDTHS


def _quick(config):
    return bool(config.getoption("benchmark_disable", default=False))


@pytest.fixture(scope="session")
def quick(request):
    """True in the ``--benchmark-disable`` smoke run: small inputs, a couple of steps."""
    return _quick(request.config)


def pytest_generate_tests(metafunc):
    """The crossover grid: the full sweep when timing, four points in the smoke run."""
    if "width" in metafunc.fixturenames and "batch" in metafunc.fixturenames:
        quick = _quick(metafunc.config)
        widths = SMOKE_WIDTHS if quick else WIDTHS
        batches = SMOKE_BATCHES if quick else BATCHES
        metafunc.parametrize("batch", batches, ids=lambda b: "b%d" % b)
        metafunc.parametrize("width", widths, ids=lambda n: "n%d" % n)

