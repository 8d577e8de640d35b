"""scalar_nn/toolkit/netconfig.py: a network configured, described and rebuilt from its parameters.

Shared code, tested once on a bare object (``configure`` needs no twin) and
on the scalar MLP, whose constructor and ``from_params`` are built from it.
"""

import pytest

from scalar_nn.conventions import BN_MOMENTUM
from scalar_nn.mlp import MLP
from scalar_nn.toolkit import netconfig


class Bare:
    """Something to configure: what ``configure`` stores is all it has."""


def test_configure_checks_and_stores_every_setting():
    net = Bare()
    netconfig.configure(net, (2, 4, 3), "relu", "softmax", "cross_entropy", seed=7, l2=0.01, dropout=0.25)
    assert (net.sizes, net.hidden, net.output, net.loss_name, net.seed) == ([2, 4, 3], "relu", "softmax",
                                                                            "cross_entropy", 7)
    assert (net.l2, net.l2_bias, net.dropout, net.batchnorm, net.bn_momentum) == (0.01, 0.0, 0.25, False,
                                                                                   BN_MOMENTUM)
    assert (net.training, net.draws, net.last_masks) == (True, 0, None)


@pytest.mark.parametrize("kwargs, exc, message", [
    ({"seed": 1.5}, TypeError, "seed must be an int, got 1.5"),
    ({"l2": -1.0}, ValueError, "l2 must lie in [0, inf), got -1.0"),
    ({"dropout": 1.0}, ValueError, "dropout must lie in [0, 1), got 1.0"),
    ({"bn_momentum": 2.0}, ValueError, "bn_momentum must lie in [0, 1], got 2.0"),
])
def test_configure_refuses_a_bad_hyperparameter_in_one_line(kwargs, exc, message):
    with pytest.raises(exc) as info:
        netconfig.configure(Bare(), [2, 1], "tanh", "linear", "mse", **kwargs)
    assert str(info.value) == message


def test_describe_net_shows_what_differs_from_the_defaults_and_reads_back():
    net = MLP([2, 3, 1], hidden="tanh", l2=0.5, batchnorm=True, bn_momentum=0.2)
    text = netconfig.describe_net(net)
    assert text == "MLP([2, 3, 1], hidden='tanh', output='linear', loss='mse', seed=0, l2=0.5, " \
                   "batchnorm=True, bn_momentum=0.2)"
    again = eval(text, {"MLP": MLP})
    assert netconfig.describe_net(again) == text and again.params == net.params


def test_sizes_from_params_reads_and_chains_the_shapes():
    params = {"W1": [[1.0, 2.0, 3.0]], "b1": [0.0] * 3, "W2": [[1.0], [2.0], [3.0]], "b2": [0.0]}
    options = {"batchnorm": False, "l2": 0.1}
    assert netconfig.sizes_from_params(params, options) == ([1, 3, 1], False)
    assert options == {"l2": 0.1}                   # batchnorm is read from the parameters, and taken out
    broken = dict(params, W2=[[1.0], [2.0]])
    with pytest.raises(ValueError, match=r"^W2 has 2 rows but layer 1 has 3 units$"):
        netconfig.sizes_from_params(broken, {})
    with pytest.raises(ValueError, match=r"^batchnorm=True but params have no gamma1/beta1"):
        netconfig.sizes_from_params(params, {"batchnorm": True})


def test_checked_params_copies_and_names_the_bad_parameter():
    shapes = {"W1": (1, 2), "b1": (2,)}
    source = {"W1": [[1, 2]], "b1": [0.5, 0.5]}
    params, buffers = netconfig.checked_params(source, None, shapes, {}, lambda v: v)
    assert params == {"W1": [[1.0, 2.0]], "b1": [0.5, 0.5]} and buffers == {}
    params["W1"][0][0] = 9.0
    assert source["W1"][0][0] == 1                  # a copy: the caller's lists are untouched
    with pytest.raises(ValueError, match=r"^parameter b1 is missing$"):
        netconfig.checked_params({"W1": [[1.0, 2.0]]}, None, shapes, {}, lambda v: v)
    with pytest.raises(ValueError, match=r"^unexpected parameter names \['W9'\]"):
        netconfig.checked_params(dict(source, W9=[[1.0]]), None, shapes, {}, lambda v: v)
    with pytest.raises(ValueError, match=r"^b1 must be a flat vector of 2 numbers$"):
        netconfig.checked_params(dict(source, b1=[[0.5, 0.5]]), None, shapes, {}, lambda v: v)
