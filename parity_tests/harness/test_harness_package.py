"""The parity harness is installed (``twin_nn.parity``): importable without NumPy, and strict about inf."""

import subprocess
import sys

import numpy as np

from twin_nn import parity as P


def test_the_harness_and_check_import_without_numpy():
    code = ("import sys, twin_nn.parity, twin_nn.check, twin_nn.check.command, twin_nn.cli; "
            "assert 'numpy' not in sys.modules, 'numpy imported'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def _trace(name, values):
    t = P.Trace(name)
    for step, v in enumerate(values, start=1):
        t.add(step, [("loss", v), ("grad W1", np.array([[v, 1.0]]))])
    return t


def test_an_infinite_value_against_a_finite_one_is_a_divergence():
    ref, other = _trace("scalar", [1.0, 2.0]), _trace("vector", [1.0, float("inf")])
    msg = P.first_divergence(ref, other, P.Tolerance(1e-12, 1e-12))
    assert msg is not None and "non-finite value at step 2, loss" in msg


def test_equal_traces_agree_and_a_one_ulp_difference_is_within_the_bound():
    ref = _trace("scalar", [1.0, 2.0])
    assert P.first_divergence(ref, _trace("vector", [1.0, 2.0]), P.lockstep_tolerance([1, 2], 1)) is None
    near = _trace("vector", [1.0, np.nextafter(2.0, 3.0)])
    assert P.first_divergence(ref, near, P.lockstep_tolerance([1, 2], 1)) is None
    far = _trace("vector", [1.0, 2.0 + 1e-9])
    assert "step 2, loss" in P.first_divergence(ref, far, P.lockstep_tolerance([1, 2], 1))
