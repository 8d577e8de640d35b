"""The plain MLP's modes (train/eval) and repr, the same in the scalar and the plain twin."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st


@pytest.mark.parametrize("package", ["scalar_nn", "vector_nn"])
def test_train_eval_modes_and_repr(package):
    import importlib
    MLP = importlib.import_module(package + ".mlp").MLP
    net = MLP([2, 3, 1], "tanh", "sigmoid", "bce", dropout=0.5, batchnorm=True)
    assert net.training is True
    assert net.eval() is net and net.training is False
    X = [[0.5, -1.0], [2.0, 0.25]]
    before = np.asarray(net.predict(X)).tolist()
    assert np.asarray(net.predict(X)).tolist() == before       # inference: no mask, running stats
    assert net.train() is net and net.training is True
    text = repr(net)
    assert text.startswith("MLP(") and "[2, 3, 1]" in text and "tanh" in text


@settings(max_examples=10)
@given(st.integers(0, 1000))
def test_plain_and_scalar_reprs_agree(seed):
    import scalar_nn.mlp
    import vector_nn.mlp
    a = scalar_nn.mlp.MLP([3, 2, 2], "relu", "softmax", "cross_entropy", seed=seed, l2=0.1)
    b = vector_nn.mlp.MLP([3, 2, 2], "relu", "softmax", "cross_entropy", seed=seed, l2=0.1)
    assert repr(a) == repr(b)
