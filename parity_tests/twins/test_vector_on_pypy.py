"""The vector twin and its engine import and train under PyPy (with NumPy): nothing CPython-only.

PyPy has no ``sys.getrefcount`` and no stable reference counts; the engine
keeps no module-level state and reuses nothing by counting references.
The PyPy run skips where ``pypy3`` is missing or has no NumPy.
"""

import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SCRIPT = """
import numpy as np
import vector_nn, vector_nn.fast as fast
X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]); Y = np.array([[1.0], [1.0], [0.0]])
for MLP, SGD in ((vector_nn.MLP, vector_nn.SGD), (fast.MLP, fast.SGD)):
    net, opt = MLP([2, 3, 1], "tanh", "sigmoid", "bce", seed=1), SGD(lr=0.5)
    first = net.loss(X, Y)
    for _ in range(20):
        loss, grads = net.loss_and_grads(X, Y)
        opt.step(net.params, grads)
    assert net.loss(X, Y) < first, (MLP, first, net.loss(X, Y))
print("ok")
"""


def test_no_module_of_the_twins_counts_references():
    for package in ("scalar_nn", "vector_nn"):
        for folder, _, files in os.walk(os.path.join(ROOT, package)):
            for name in files:
                if name.endswith(".py"):
                    with open(os.path.join(folder, name), encoding="utf-8") as f:
                        assert "getrefcount" not in f.read(), os.path.join(folder, name)


def test_the_vector_twin_trains_on_pypy_with_numpy():
    pypy = shutil.which("pypy3")
    if pypy is None:
        pytest.skip("pypy3 is not installed")
    env = dict(os.environ, PYTHONPATH=ROOT)
    if subprocess.run([pypy, "-c", "import numpy"], env=env, capture_output=True, timeout=120).returncode != 0:
        pytest.skip("pypy3 has no NumPy")
    run = subprocess.run([pypy, "-c", SCRIPT], env=env, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr
