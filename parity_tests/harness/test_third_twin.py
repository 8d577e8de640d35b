"""Level 3: ``pytest parity_tests --twin path.py:Name`` runs the parity case matrix on a third twin.

Without ``--twin`` the matrix test has no cases (skipped).  The two tests
below it run always: a wrapped copy of the vector twin passes the matrix (a
pytest subprocess with ``--twin``, a few cases), and a broken copy fails
with the first divergence named.
"""

import os
import subprocess
import sys

import pytest

from twin_nn import parity as P
from twin_nn.parity import third

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
WRAPPED = os.path.join(HERE, "learners", "wrapped_twin.py") + ":WrappedTwin"


def pytest_generate_tests(metafunc):
    if "third_cfg" in metafunc.fixturenames:
        spec = metafunc.config.getoption("twin", None)
        cases = P.case_matrix() if spec else []
        metafunc.parametrize("third_cfg", cases, ids=[c.id for c in cases])


def test_the_third_twin_agrees_step_by_step(third_cfg, request):
    package = third.load(request.config.getoption("twin"))
    net = package.mlp.MLP(third_cfg.sizes, hidden=third_cfg.hidden, output=third_cfg.output,
                          loss=third_cfg.loss, seed=third_cfg.seed, **third_cfg.net)
    if third.needs_forward(third_cfg) and not hasattr(net.net, "forward"):
        pytest.skip("dropout/BatchNorm cases need forward(X, training=, masks=)")
    P.check_run(P.run_twins(third_cfg, engine=package))


def test_a_wrapped_vector_twin_passes_the_matrix_under_twin():
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           os.path.join(HERE, "test_third_twin.py"), "--twin", WRAPPED,
                           "-k", "third_twin_agrees and net221"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stdout[-2000:]
    assert "20 passed" in done.stdout


def test_a_broken_third_twin_fails_at_its_first_divergence(tmp_path):
    path = tmp_path / "broken.py"
    path.write_text("from vector_nn.optim import SGD, Adam\nimport vector_nn.mlp\n"
                    "class Broken(vector_nn.mlp.MLP):\n"
                    "    def loss_and_grads(self, X, Y, masks=None):\n"
                    "        loss, grads = super().loss_and_grads(X, Y, masks=masks)\n"
                    "        grads['b1'] = grads['b1'] * 1.001\n"
                    "        return loss, grads\n")
    cfg = [c for c in P.case_matrix(steps=5) if c.family == "net221" and not c.net][0]
    with pytest.raises(AssertionError, match=r"twins diverge at step 1, grad b1 index \(0,\)"):
        P.check_run(P.run_twins(cfg, engine=third.load(str(path) + ":Broken")))
    with pytest.raises(ValueError, match="defines no class Nope"):
        third.load(str(path) + ":Nope")
