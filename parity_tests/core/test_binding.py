"""scalar_nn/toolkit/binding.py: an optimizer is bound to the parameters of its first step.

Shared code (every optimizer of every twin calls ``check_bound``), tested once.
"""

import pytest

from scalar_nn.mlp import MLP
from scalar_nn.optim import SGD, Adam, check_grads
from scalar_nn.toolkit.binding import check_bound


def grads_like(net):
    X, Y = [[1.0, 2.0], [0.5, -1.0]], [[0.5], [1.5]]
    return net.loss_and_grads(X, Y)[1]


def test_the_first_step_binds_and_says_so():
    net = MLP([2, 3, 1], hidden="tanh")
    opt = Adam(0.01)
    assert opt.bound_params is None
    opt.step(net.params, grads_like(net))
    assert opt.bound_params is net.params
    opt.step(net.params, grads_like(net))                 # the same network: fine
    assert opt.steps == 2


@pytest.mark.parametrize("make", [lambda: SGD(0.1, momentum=0.9), lambda: Adam(0.01)])
def test_another_networks_params_give_a_clear_error(make):
    a, b = MLP([2, 3, 1], hidden="tanh"), MLP([2, 3, 1], hidden="tanh", seed=1)
    opt = make()
    opt.step(a.params, grads_like(a))
    before = {k: [list(r) if isinstance(r, list) else r for r in v] for k, v in b.params.items()}
    with pytest.raises(ValueError) as info:
        opt.step(b.params, grads_like(b))
    message = str(info.value)
    assert message == ("this %s already steps another network's parameters (it was bound to them at its "
                       "first step): make one optimizer per network" % type(opt).__name__)
    assert b.params == before                            # refused before anything moved


def test_the_first_step_checks_the_gradients_in_full():
    net = MLP([2, 3, 1], hidden="tanh")
    opt = SGD(0.1)
    grads = grads_like(net)
    del grads["b2"]
    with pytest.raises(ValueError, match=r"^grads have keys \['W1', 'W2', 'b1'\] but params have"):
        opt.step(net.params, grads)
    assert opt.bound_params is None                      # a refused first step binds nothing


def test_later_steps_check_only_when_the_count_is_off():
    """After binding, the O(1) test (same dict, as many gradients) decides whether the full check runs."""
    calls = []

    class Bare:
        bound_params = None

    opt, params = Bare(), {"W1": [[1.0]], "b1": [0.0]}
    check_bound(opt, params, {"W1": [[0.1]], "b1": [0.1]}, lambda p, g: calls.append("first"))
    check_bound(opt, params, {"W1": [[0.2]], "b1": [0.2]}, lambda p, g: calls.append("same count"))
    check_bound(opt, params, {"W1": [[0.2]]}, lambda p, g: calls.append("one missing"))
    assert calls == ["first", "one missing"]
    with pytest.raises(ValueError, match="grads have keys"):
        check_bound(opt, params, {"W1": [[0.2]]}, check_grads)
