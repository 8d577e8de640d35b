"""Optimizers by name: ``make_optimizer`` builds each rule, refuses an unknown name, never falls back to Adam.

Every registered rule also brings its parity allowance (``twin_nn.parity``).
"""

import numpy as np
import pytest


@pytest.mark.parametrize("name, direct", [("sgd", lambda optim: optim.SGD(0.01, momentum=0.5)),
                                          ("adam", lambda optim: optim.Adam(0.01, beta1=0.5))])
def test_the_optimizer_registry_builds_each_rule_by_name(twin, name, direct):
    """make_optimizer(name, **h) steps exactly as the class built directly with h."""
    hyper = {"lr": 0.01, "momentum": 0.5} if name == "sgd" else {"lr": 0.01, "beta1": 0.5}
    results = []
    for opt in (twin.optim.make_optimizer(name, **hyper), direct(twin.optim)):
        params = {"W": [[1.0, -2.0]], "b": [0.5]}
        if twin.arrays:
            params = {k: np.array(v) for k, v in params.items()}
        for g in (1.0, -3.0):
            grads = {k: (v * 0.0 + g) if twin.arrays else ([[g, g]] if k == "W" else [g])
                     for k, v in params.items()}
            opt.step(params, grads)
        results.append({k: np.asarray(v).tolist() for k, v in params.items()})
        assert opt.name == name
    assert results[0] == results[1] and results[0] != {"W": [[1.0, -2.0]], "b": [0.5]}


def test_an_unknown_optimizer_is_refused_by_name_never_silently_adam(twin):
    with pytest.raises(ValueError, match=r"unknown optimizer 'rmsprop': choose one of 'adam', 'sgd'"):
        twin.optim.make_optimizer("rmsprop", lr=0.01)


def test_every_registered_optimizer_brings_its_parity_allowance():
    import scalar_nn.optim
    from twin_nn import parity as P
    assert set(P.ALLOWANCES) == set(scalar_nn.optim.OPTIMIZERS)
    cfg = P.Config("x", [2, 2, 1], "tanh", "linear", "mse", opt=("rmsprop", {}))
    with pytest.raises(KeyError, match="rmsprop"):              # no silent fallback to Adam's rule
        P.make_optimizer(scalar_nn, cfg)
