"""The edge values that *are* allowed are accepted, alike in every twin; a refused call changes nothing.

The closed ends of each range (momentum 0, dampening 0 and 1, dropout 0,
betas 0, a batch of one row, bce targets 0 and 1, ...) are valid input.  The
mistakes just past them are refused in test_bad_input.py.
"""

import math

import numpy as np
import pytest

from parity_tests.conftest import to_list
from parity_tests.core.small_batches import NAN, X4, Y_mse, bce_net, ce_net, drop_net, good_masks, net


def test_edge_hyperparameters_are_accepted(net_twin):
    """The closed ends of each range are valid: momentum 0, dampening 0 and 1, dropout 0, betas 0."""
    for kw in ({"momentum": 0.0}, {"momentum": 0.999, "dampening": 1.0}, {"momentum": 0.5, "dampening": 0.0}):
        opt = net_twin.optim.SGD(1e-3, **kw)
        assert opt.momentum == kw["momentum"]
    adam = net_twin.optim.Adam(1e-3, beta1=0.0, beta2=0.0, eps=1e-300)
    assert (adam.beta1, adam.beta2, adam.eps) == (0.0, 0.0, 1e-300)
    n = net(net_twin, dropout=0.0, l2=0.0, l2_bias=0.0, bn_momentum=1.0, batchnorm=True)
    assert n.dropout == 0.0 and n.bn_momentum == 1.0


def test_edge_data_is_accepted(net_twin):
    """A batch of one row (no BatchNorm), bce targets 0 and 1, integral float labels, a flat Y for one output."""
    loss, grads = net(net_twin).loss_and_grads(X4()[:1], Y_mse()[:1])
    assert math.isfinite(loss) and set(grads) == {"W1", "b1", "W2", "b2"}
    loss = bce_net(net_twin).loss(X4(), [[0.0, 1.0], [1.0, 1.0], [0.0, 0.0], [1.0, 0.0]])
    assert math.isfinite(loss)
    l_int = ce_net(net_twin).loss(X4(), [0, 1, 1, 0])
    l_float = ce_net(net_twin).loss(X4(), [0.0, 1.0, 1.0, 0.0])
    l_array = ce_net(net_twin).loss(X4(), np.array([0, 1, 1, 0]))
    assert l_int == l_float == l_array
    flat = net(net_twin, sizes=(3, 4, 1)).loss(X4(), [0.5, 1.0, -1.0, 2.0])
    column = net(net_twin, sizes=(3, 4, 1)).loss(X4(), [[0.5], [1.0], [-1.0], [2.0]])
    assert flat == column


def test_batchnorm_batch_of_one_is_fine_in_eval_mode(net_twin):
    """Inference uses the running statistics, so a single row is no problem there."""
    n = net(net_twin, batchnorm=True).eval()
    out = to_list(n.predict(X4()[:1]))
    assert len(out) == 1 and all(math.isfinite(v) for v in out[0])
    loss, _ = n.loss_and_grads(X4()[:1], Y_mse()[:1])
    assert math.isfinite(loss)


def test_explicit_masks_are_accepted(net_twin):
    """Well-formed masks (lists or arrays) are used as given."""
    n = drop_net(net_twin)
    l1, _ = n.loss_and_grads(X4(), Y_mse(), masks=good_masks())
    l2, _ = n.loss_and_grads(X4(), Y_mse(), masks=[np.array(M) for M in good_masks()])
    assert l1 == l2 and math.isfinite(l1)
    assert to_list(n.last_masks) == good_masks()


def test_step_accepts_grads_as_nested_lists(net_twin):
    """Public functions accept nested lists: a step with list grads equals a step with the net_twin's own."""
    results = []
    for as_lists in (False, True):
        for opt in (net_twin.optim.SGD(0.1, momentum=0.9), net_twin.optim.Adam(0.01)):
            n = net(net_twin)
            _, grads = n.loss_and_grads(X4(), Y_mse())
            if as_lists:
                grads = {k: to_list(v) for k, v in grads.items()}
            opt.step(n.params, grads)
            results.append({k: to_list(v) for k, v in n.params.items()})
    assert results[:2] == results[2:]


def test_failed_call_leaves_the_network_unchanged(net_twin):
    """Validation happens before any work: a rejected call changes no parameter, buffer or counter."""
    n = net(net_twin, batchnorm=True, sizes=(3, 4, 5, 2), dropout=0.5)
    before = ({k: to_list(v) for k, v in n.params.items()}, {k: to_list(v) for k, v in n.buffers.items()}, n.draws)
    for bad_Y in ([[0.0, NAN]] * 4, Y_mse()[:3], [[0.0, 1.0, 2.0]] * 4):
        with pytest.raises(ValueError):
            n.loss_and_grads(X4(), bad_Y)
    after = ({k: to_list(v) for k, v in n.params.items()}, {k: to_list(v) for k, v in n.buffers.items()}, n.draws)
    assert before == after
