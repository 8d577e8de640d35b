"""The classic 2-2-1 network (``network221``), in both twins.

Start with ``test_hand_worked_sgd_step``: one step of backprop done with
pencil and paper, every number written out, then checked against both twins.
The other tests train on the tutorial's four people, push the sigmoid to
extreme inputs, feed bad input, and check the named numbers w1..b3 against the
project's MLP layout (W1, b1, W2, b2).
"""

import importlib
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import scalar_nn.network221 as scalar_network221
import vector_nn.network221 as vector_network221
from scalar_nn import rng

from parity_tests.conftest import to_list

# The four people of the tutorial: (weight - 135 lb, height - 66 in) -> 1 if female.
PEOPLE_X = [[-2.0, -1.0], [25.0, 6.0], [17.0, 4.0], [-15.0, -6.0]]   # Alice, Bob, Charlie, Diana
PEOPLE_Y = [1.0, 0.0, 0.0, 1.0]

NAMES = ("w1", "w2", "w3", "w4", "w5", "w6", "b1", "b2", "b3")

# float64 unit roundoff: one correctly rounded operation is off by at most this (relative).
UNIT_ROUNDOFF = 2.0 ** -53
# One train_step is about 40 floating-point operations (3 neurons forward, 9
# partial derivatives, 9 updates), each rounded once.  The twins may round
# differently in each of them (NumPy's matmul may fuse multiply-adds or sum in
# another order; np.exp and math.exp may differ in the last bit), so after one
# step they may differ by up to ~40 roundings, relative to O(1) values.
FLOPS_PER_STEP = 40
ONE_STEP_TOL = FLOPS_PER_STEP * UNIT_ROUNDOFF          # ~4.4e-15


def assert_close(a, b, tol, what=""):
    """|a - b| <= tol * max(|a|, |b|, 1): relative for large values, absolute near 0."""
    assert abs(a - b) <= tol * max(abs(a), abs(b), 1.0), "%s: %r vs %r" % (what, a, b)


def params_as_lists(net):
    """net.to_params() with every array turned into nested lists (both twins alike)."""
    return {name: to_list(value) for name, value in net.to_params().items()}


def people_net(twin, seed=0):
    return twin.network221.Network221(seed=seed)


# --------------------------------------------------------------------------
# The hand-worked example
# --------------------------------------------------------------------------

# Readable starting numbers.  The biases are not 0 so that a forward pass that
# forgot a bias would be caught; they are chosen so that the sums come out round.
HAND_WEIGHTS = {
    "w1": 1.0, "w2": 0.5, "b1": 0.5,      # h1 = s(1*x1 + 0.5*x2 + 0.5)
    "w3": -0.5, "w4": 0.25, "b2": -0.25,  # h2 = s(-0.5*x1 + 0.25*x2 - 0.25)
    "w5": 2.0, "w6": -1.0, "b3": 0.1,     # o1 = s(2*h1 - 1*h2 + 0.1)
}


def test_hand_worked_sgd_step(twin):
    """One SGD step on Alice, x = [-2, -1], y_true = 1, learn_rate = 0.1.

    The numbers below were computed once with 50-digit decimal arithmetic
    (``decimal.Decimal.exp``), independently of both twins, and rounded to 12
    significant digits; the twins must match them to 1e-9.

    Forward pass (s(z) = 1 / (1 + e^-z), s'(z) = s(z) (1 - s(z))):

        sum_h1 = 1*(-2) + 0.5*(-1) + 0.5      = -2.0
        h1     = s(-2.0)                      =  0.119202922022
        sum_h2 = -0.5*(-2) + 0.25*(-1) - 0.25 =  0.5
        h2     = s(0.5)                       =  0.622459331202
        sum_o1 = 2*h1 - 1*h2 + 0.1            = -0.284053487158
        o1     = s(sum_o1) = y_pred           =  0.429460291109
        L      = (1 - o1)^2                   =  0.325515559421

    Slopes of the sigmoid at the three sums:

        s'(sum_h1) = h1 (1 - h1)  = 0.104993585404
        s'(sum_h2) = h2 (1 - h2)  = 0.235003712202
        s'(sum_o1) = o1 (1 - o1)  = 0.245024149470

    Backward pass, one partial derivative a line:

        d_L_d_ypred  = -2 (1 - o1)            = -1.14107941778
        d_ypred_d_w5 = h1 * s'(sum_o1)        =  0.0292075945828
        d_ypred_d_w6 = h2 * s'(sum_o1)        =  0.152517568207
        d_ypred_d_b3 = s'(sum_o1)             =  0.245024149470
        d_ypred_d_h1 = w5 * s'(sum_o1)        =  0.490048298939   (w5 = 2)
        d_ypred_d_h2 = w6 * s'(sum_o1)        = -0.245024149470   (w6 = -1)
        d_h1_d_w1    = x1 * s'(sum_h1)        = -0.209987170807   (x1 = -2)
        d_h1_d_w2    = x2 * s'(sum_h1)        = -0.104993585404   (x2 = -1)
        d_h1_d_b1    = s'(sum_h1)             =  0.104993585404
        d_h2_d_w3    = x1 * s'(sum_h2)        = -0.470007424403
        d_h2_d_w4    = x2 * s'(sum_h2)        = -0.235003712202
        d_h2_d_b2    = s'(sum_h2)             =  0.235003712202

    Chain rule, dL/dw = d_L_d_ypred * (path to w), and the update
    w_new = w - 0.1 * dL/dw:

        dL/dw1 = d_L_d_ypred * d_ypred_d_h1 * d_h1_d_w1 =  0.117421471924  w1: 1    -> 0.988257852808
        dL/dw2 = d_L_d_ypred * d_ypred_d_h1 * d_h1_d_w2 =  0.0587107359621 w2: 0.5  -> 0.494128926404
        dL/db1 = d_L_d_ypred * d_ypred_d_h1 * d_h1_d_b1 = -0.0587107359621 b1: 0.5  -> 0.505871073596
        dL/dw3 = d_L_d_ypred * d_ypred_d_h2 * d_h2_d_w3 = -0.131410322299  w3: -0.5 -> -0.486858967770
        dL/dw4 = d_L_d_ypred * d_ypred_d_h2 * d_h2_d_w4 = -0.0657051611495 w4: 0.25 -> 0.256570516115
        dL/db2 = d_L_d_ypred * d_ypred_d_h2 * d_h2_d_b2 =  0.0657051611495 b2: -0.25-> -0.256570516115
        dL/dw5 = d_L_d_ypred * d_ypred_d_w5             = -0.0333281850213 w5: 2    -> 2.00333281850
        dL/dw6 = d_L_d_ypred * d_ypred_d_w6             = -0.174034657931  w6: -1   -> -0.982596534207
        dL/db3 = d_L_d_ypred * d_ypred_d_b3             = -0.279592013819  b3: 0.1  -> 0.127959201382

    Every weight moved so as to raise o1 towards y_true = 1: after the step
    o1 = 0.443194228359 and L = 0.310032667333 (down from 0.3255).
    """
    nn = twin.network221
    net = nn.Network221(weights=HAND_WEIGHTS)
    tol = 1e-9

    # The sigmoid and its slope at the three sums.
    assert float(nn.sigmoid(-2.0)) == pytest.approx(0.119202922022, abs=tol)          # h1
    assert float(nn.sigmoid(0.5)) == pytest.approx(0.622459331202, abs=tol)           # h2
    assert float(nn.sigmoid(-0.284053487158)) == pytest.approx(0.429460291109, abs=tol)  # o1
    assert float(twin.activations.sigmoid_prime(-2.0)) == pytest.approx(0.104993585404, abs=tol)
    assert float(twin.activations.sigmoid_prime(0.5)) == pytest.approx(0.235003712202, abs=tol)
    assert float(twin.activations.sigmoid_prime(-0.284053487158)) == pytest.approx(0.245024149470, abs=tol)

    # Forward pass: y_pred = o1.
    assert net.feedforward([-2.0, -1.0]) == pytest.approx(0.429460291109, abs=tol)

    # The step returns the loss before the update, L = (1 - o1)^2.
    loss = net.train_step([-2.0, -1.0], 1.0, 0.1)
    assert loss == pytest.approx(0.325515559421, abs=tol)

    # The gradient each weight moved by: dL/dw = (w_old - w_new) / learn_rate.
    expected_grad = {
        "w1": 0.117421471924, "w2": 0.0587107359621, "b1": -0.0587107359621,
        "w3": -0.131410322299, "w4": -0.0657051611495, "b2": 0.0657051611495,
        "w5": -0.0333281850213, "w6": -0.174034657931, "b3": -0.279592013819,
    }
    expected_new = {
        "w1": 0.988257852808, "w2": 0.494128926404, "b1": 0.505871073596,
        "w3": -0.486858967770, "w4": 0.256570516115, "b2": -0.256570516115,
        "w5": 2.00333281850, "w6": -0.982596534207, "b3": 0.127959201382,
    }
    new = net.get_weights()
    for name in NAMES:
        assert new[name] == pytest.approx(expected_new[name], abs=tol), name
        grad = (HAND_WEIGHTS[name] - new[name]) / 0.1
        assert grad == pytest.approx(expected_grad[name], abs=tol), name

    # After the step Alice is predicted closer to 1 and her loss went down.
    assert net.feedforward([-2.0, -1.0]) == pytest.approx(0.443194228359, abs=tol)
    assert net.train_step([-2.0, -1.0], 1.0, 0.1) == pytest.approx(0.310032667333, abs=tol)


# --------------------------------------------------------------------------
# Training on the people data
# --------------------------------------------------------------------------

def test_twins_start_from_the_same_numbers(scalar, vector):
    """Both twins draw w1..b3 as normal(key_for(seed, INIT, 221), i), i = 0..8."""
    for seed in (0, 1, 12345):
        ws = scalar.network221.Network221(seed=seed).get_weights()
        wv = vector.network221.Network221(seed=seed).get_weights()
        assert ws == wv
        key = rng.key_for(seed, rng.INIT, 221)
        assert [ws[name] for name in NAMES] == [rng.normal(key, i) for i in range(9)]
    assert scalar.network221.Network221(seed=0).get_weights() != scalar.network221.Network221(seed=1).get_weights()


def test_people_training_converges_and_twins_agree(scalar, vector):
    """1000 epochs of per-sample SGD, lr 0.1, from identical weights (seed 0).

    Both twins must learn the data (MSE < 0.02, all four people classified
    right) and end with the same weights.  Bound on the difference: the twins
    do the same ~40 flops per step but may round each differently, so one step
    adds at most ~40 roundings of disagreement (``ONE_STEP_TOL``).  Were none
    of it ever damped, 4000 steps would add up to 4000 * ONE_STEP_TOL ~ 1.8e-11
    relative; that is the bound.  (Measured: about 2e-16 on the weights and
    3e-15 on the loss history; gradient descent near a minimum shrinks
    perturbations instead of growing them.)
    """
    epochs = 1000
    bound = epochs * len(PEOPLE_X) * ONE_STEP_TOL
    nets = {}
    histories = {}
    for twin in (scalar, vector):
        net = people_net(twin)
        losses = net.train(PEOPLE_X, PEOPLE_Y, learn_rate=0.1, epochs=epochs, verbose=False)
        assert len(losses) == epochs
        assert all(isinstance(v, float) and math.isfinite(v) for v in losses)
        y_preds = [net.feedforward(x) for x in PEOPLE_X]
        final_mse = sum((y - p) ** 2 for y, p in zip(PEOPLE_Y, y_preds)) / len(PEOPLE_Y)
        assert losses[-1] == pytest.approx(final_mse, rel=1e-12)   # the last entry is the final state
        assert final_mse < 0.02
        assert losses[-1] < losses[0]
        for x, y, p in zip(PEOPLE_X, PEOPLE_Y, y_preds):
            assert (p > 0.5) == (y == 1.0), (twin, x, p)
        nets[twin.name] = net
        histories[twin.name] = losses

    ws, wv = nets["scalar"].get_weights(), nets["vector"].get_weights()
    for name in NAMES:
        assert_close(ws[name], wv[name], bound, name)
    for a, b in zip(histories["scalar"], histories["vector"]):
        assert abs(a - b) <= bound * abs(a)


def test_train_prints_every_log_every_epochs(twin, capsys):
    """verbose prints "Epoch %d loss: %.3f" for epochs 0, 10, 20, ...; verbose=False prints nothing."""
    net = people_net(twin)
    losses = net.train(PEOPLE_X, PEOPLE_Y, epochs=25)
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["Epoch %d loss: %.3f" % (e, losses[e]) for e in (0, 10, 20)]

    losses = net.train(PEOPLE_X, PEOPLE_Y, epochs=7, verbose=True, log_every=3)
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["Epoch %d loss: %.3f" % (e, losses[e]) for e in (0, 3, 6)]

    net.train(PEOPLE_X, PEOPLE_Y, epochs=25, verbose=False)
    assert capsys.readouterr().out == ""


def test_zero_epochs_changes_nothing(twin):
    net = people_net(twin)
    before = net.get_weights()
    assert net.train(PEOPLE_X, PEOPLE_Y, epochs=0, verbose=False) == []
    assert net.get_weights() == before


def test_train_is_train_step_over_the_rows_in_order(twin):
    """One epoch of ``train`` equals train_step on Alice, Bob, Charlie, Diana in turn."""
    a, b = people_net(twin, seed=7), people_net(twin, seed=7)
    a.train(PEOPLE_X, PEOPLE_Y, learn_rate=0.2, epochs=1, verbose=False)
    for x, y in zip(PEOPLE_X, PEOPLE_Y):
        b.train_step(x, y, 0.2)
    assert a.get_weights() == b.get_weights()


# --------------------------------------------------------------------------
# Backprop checked two more ways
# --------------------------------------------------------------------------

weight_values = st.floats(-2.0, 2.0, allow_nan=False)
sample = st.lists(st.floats(-3.0, 3.0, allow_nan=False), min_size=2, max_size=2)


# The hypothesis tests take the package by name rather than the ``twin``
# fixture: hypothesis probes its first argument with hasattr(), which a Twin
# answers by trying to import a module of that name (ModuleNotFoundError).
@pytest.mark.parametrize("package", ["scalar_nn", "vector_nn"])
@given(weights=st.lists(weight_values, min_size=9, max_size=9), x=sample, y_true=st.sampled_from([0.0, 1.0]))
def test_step_matches_finite_differences(package, weights, x, y_true):
    """dL/dw from train_step equals the central difference (L(w+h) - L(w-h)) / 2h.

    h = 1e-6: the truncation error is O(h^2) ~ 1e-12 and the rounding error
    O(eps / h) ~ 1e-10, both far below the 1e-7 allowed.
    """
    Network221 = importlib.import_module(package + ".network221").Network221
    start = dict(zip(NAMES, weights))
    net = Network221(weights=start)
    lr = 0.1
    net.train_step(x, y_true, lr)
    after = net.get_weights()
    h = 1e-6
    for name in NAMES:
        probe = Network221(weights=start)
        setattr(probe, name, start[name] + h)
        up = (y_true - probe.feedforward(x)) ** 2
        setattr(probe, name, start[name] - h)
        down = (y_true - probe.feedforward(x)) ** 2
        numeric = (up - down) / (2 * h)
        analytic = (start[name] - after[name]) / lr
        assert analytic == pytest.approx(numeric, abs=1e-7, rel=1e-6), name


@given(weights=st.lists(weight_values, min_size=9, max_size=9), x=sample, y_true=st.sampled_from([0.0, 1.0]))
def test_one_step_twins_agree(weights, x, y_true):
    """The same step in both twins: equal up to the rounding of ~40 flops."""
    start = dict(zip(NAMES, weights))
    s = scalar_network221.Network221(weights=start)
    v = vector_network221.Network221(weights=start)
    assert_close(s.train_step(x, y_true, 0.1), v.train_step(x, y_true, 0.1), ONE_STEP_TOL, "loss")
    ws, wv = s.get_weights(), v.get_weights()
    for name in NAMES:
        assert_close(ws[name], wv[name], ONE_STEP_TOL, name)


def test_step_equals_one_sgd_step_of_the_mlp(twin):
    """train_step == one SGD step of MLP [2, 2, 1] sigmoid/sigmoid/mse on a batch of one sample.

    The per-sample loss (y_true - y_pred)^2 is the conventions' mse with
    m = n_L = 1, so the gradients and hence the updated parameters agree.
    """
    for seed, (x, y) in enumerate(zip(PEOPLE_X, PEOPLE_Y)):
        net = people_net(twin, seed=seed)
        mlp = twin.mlp.MLP.from_params(net.to_params(), hidden="sigmoid", output="sigmoid", loss="mse")
        loss, grads = mlp.loss_and_grads([x], [[y]])
        twin.optim.SGD(0.1).step(mlp.params, grads)
        assert_close(net.train_step(x, y, 0.1), float(loss), ONE_STEP_TOL, "loss")
        ours = params_as_lists(net)
        theirs = {name: to_list(value) for name, value in mlp.params.items()}
        assert set(theirs) == set(ours)
        for name in ours:
            flat_ours = np.ravel(ours[name]).tolist()
            flat_theirs = np.ravel(theirs[name]).tolist()
            assert len(flat_ours) == len(flat_theirs)
            for a, b in zip(flat_ours, flat_theirs):
                assert_close(a, b, ONE_STEP_TOL, name)


# --------------------------------------------------------------------------
# Extreme inputs
# --------------------------------------------------------------------------

def test_sigmoid_is_safe_at_plus_and_minus_1000(twin):
    """A naive 1 / (1 + exp(-z)) raises OverflowError at z = -1000 in pure Python."""
    nn = twin.network221
    with pytest.raises(OverflowError):
        1.0 / (1.0 + math.exp(1000.0))      # what the naive formula would do
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert float(nn.sigmoid(1000.0)) == 1.0
        assert float(nn.sigmoid(-1000.0)) == 0.0
        assert float(twin.activations.sigmoid_prime(1000.0)) == 0.0
        assert float(twin.activations.sigmoid_prime(-1000.0)) == 0.0
        assert float(nn.sigmoid(-30.0)) == pytest.approx(math.exp(-30.0), rel=1e-12)


def test_extreme_inputs_stay_finite(twin):
    """x = [1e4, -1e4] with weights of size 1e3: sums of 2e7, saturated neurons, no NaN.

    h1 = s(2e7) = 1, h2 = s(-2e7) = 0, o1 = s(1e3) = 1: with y_true = 0 the
    loss is 1, and since s'(1e3) = 0 the step changes nothing (no NaN).
    """
    huge = {"w1": 1e3, "w2": -1e3, "w3": -1e3, "w4": 1e3, "w5": 1e3, "w6": -1e3,
            "b1": 1e3, "b2": -1e3, "b3": 0.0}
    net = twin.network221.Network221(weights=huge)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        assert net.feedforward([1e4, -1e4]) == 1.0
        assert net.feedforward([-1e4, 1e4]) == 0.0      # o1 = s(-1e3)
        assert net.train_step([1e4, -1e4], 0.0, 0.1) == 1.0
        assert net.get_weights() == huge
        net.train_step([-1e4, 1e4], 1.0, 0.1)
        losses = net.train([[1e4, -1e4], [-1e4, 1e4], [3.0, -2.0]], [0.0, 1.0, 1.0], epochs=5, verbose=False)
    assert all(math.isfinite(v) for v in losses)
    assert all(math.isfinite(v) for v in net.get_weights().values())


# --------------------------------------------------------------------------
# Bad input
# --------------------------------------------------------------------------

@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda net: net.feedforward([1.0, 2.0, 3.0]), ValueError, "2 numbers"),
        (lambda net: net.feedforward([1.0, float("nan")]), ValueError, "finite"),
        (lambda net: net.feedforward(1.0), TypeError, "list"),
        (lambda net: net.train([[1.0, 2.0, 3.0]], [1.0], verbose=False), ValueError, "features"),
        (lambda net: net.train([[1.0, 2.0], [1.0]], [1.0, 0.0], verbose=False), ValueError, "ragged"),
        (lambda net: net.train([[1.0, float("nan")]], [1.0], verbose=False), ValueError, "finite"),
        (lambda net: net.train([[1.0, float("inf")]], [1.0], verbose=False), ValueError, "finite"),
        (lambda net: net.train(PEOPLE_X, [1.0, 0.0, 0.0], verbose=False), ValueError, "labels"),
        (lambda net: net.train(PEOPLE_X, [1.0, 0.0, 0.0, float("nan")], verbose=False), ValueError, "all_y_trues"),
        (lambda net: net.train(PEOPLE_X, PEOPLE_Y, learn_rate=0.0, verbose=False), ValueError, "learn_rate"),
        (lambda net: net.train(PEOPLE_X, PEOPLE_Y, learn_rate=-0.1, verbose=False), ValueError, "learn_rate"),
        (lambda net: net.train(PEOPLE_X, PEOPLE_Y, epochs=-1, verbose=False), ValueError, "epochs"),
        (lambda net: net.train(PEOPLE_X, PEOPLE_Y, epochs=2.5, verbose=False), TypeError, "epochs"),
        (lambda net: net.train(PEOPLE_X, PEOPLE_Y, log_every=0, verbose=False), ValueError, "log_every"),
        (lambda net: net.train_step([1.0, 2.0, 3.0], 1.0, 0.1), ValueError, "2 numbers"),
        (lambda net: net.train_step([1.0, 2.0], float("nan"), 0.1), ValueError, "y_true"),
        (lambda net: net.train_step([1.0, 2.0], 1.0, 0.0), ValueError, "learn_rate"),
        (lambda net: net.train_step([1.0, 2.0], 1.0, -1.0), ValueError, "learn_rate"),
    ],
)
def test_bad_input_is_refused_clearly(twin, call, error, message):
    net = people_net(twin)
    before = net.get_weights()
    with pytest.raises(error, match=message):
        call(net)
    assert net.get_weights() == before      # nothing was half-done


def test_bad_weights_are_refused(twin):
    Network221 = twin.network221.Network221
    with pytest.raises(ValueError, match="missing"):
        Network221(weights={"w1": 1.0})
    with pytest.raises(ValueError, match="unknown"):
        Network221(weights=dict(HAND_WEIGHTS, w7=1.0))
    with pytest.raises(ValueError, match="finite"):
        Network221(weights=dict(HAND_WEIGHTS, w3=float("nan")))
    with pytest.raises(TypeError, match="dict"):
        Network221(weights=[1.0] * 9)
    with pytest.raises(TypeError, match="seed"):
        Network221(seed=0.5)
    with pytest.raises(ValueError, match="W1"):
        Network221.from_params({"W1": [[1.0, 2.0]], "b1": [0.0, 0.0], "W2": [[1.0], [1.0]], "b2": [0.0]})
    with pytest.raises(ValueError, match="b1"):
        Network221.from_params({"W1": [[1.0, 2.0], [3.0, 4.0]], "b1": [0.0], "W2": [[1.0], [1.0]], "b2": [0.0]})
    with pytest.raises(ValueError, match="missing"):
        Network221.from_params({"W1": [[1.0, 2.0], [3.0, 4.0]]})


# --------------------------------------------------------------------------
# Named numbers <-> MLP layout
# --------------------------------------------------------------------------

def test_to_params_layout_and_round_trip(twin):
    """W1 = [[w1, w3], [w2, w4]], b1 = [b1, b2], W2 = [[w5], [w6]], b2 = [b3]; from_params inverts it."""
    Network221 = twin.network221.Network221
    net = Network221(weights=HAND_WEIGHTS)
    w = HAND_WEIGHTS
    params = params_as_lists(net)
    assert params == {
        "W1": [[w["w1"], w["w3"]], [w["w2"], w["w4"]]],
        "b1": [w["b1"], w["b2"]],
        "W2": [[w["w5"]], [w["w6"]]],
        "b2": [w["b3"]],
    }
    # Round trip, from lists and from the twin's own to_params.
    assert Network221.from_params(params).get_weights() == HAND_WEIGHTS
    other = Network221(seed=3)
    assert Network221.from_params(other.to_params()).get_weights() == other.get_weights()
    # to_params hands out copies.
    returned = net.to_params()
    returned["W1"][0][0] = 99.0
    assert net.w1 == 1.0


def test_named_numbers_read_and_write_the_layout(twin):
    """Setting net.w3 changes W1[0][1] (x1 -> h2), and so on for all nine."""
    net = twin.network221.Network221(weights=HAND_WEIGHTS)
    where = {"w1": ("W1", 0, 0), "w2": ("W1", 1, 0), "w3": ("W1", 0, 1), "w4": ("W1", 1, 1),
             "w5": ("W2", 0, 0), "w6": ("W2", 1, 0), "b1": ("b1", 0), "b2": ("b1", 1), "b3": ("b2", 0)}
    for i, name in enumerate(NAMES):
        value = 10.0 + i
        setattr(net, name, value)
        assert getattr(net, name) == value
        array, *index = where[name]
        entry = params_as_lists(net)[array]
        for i_ in index:
            entry = entry[i_]
        assert entry == value, name


def test_feedforward_is_the_mlp_layout_forward_pass(twin):
    """feedforward(x) = s(s(x @ W1 + b1) @ W2 + b2), computed here by hand from to_params()."""
    net = people_net(twin, seed=5)
    p = params_as_lists(net)

    def s(z):
        return 1.0 / (1.0 + math.exp(-z))

    for x in PEOPLE_X + [[0.3, -0.7]]:
        A1 = [s(x[0] * p["W1"][0][j] + x[1] * p["W1"][1][j] + p["b1"][j]) for j in range(2)]
        y_pred = s(A1[0] * p["W2"][0][0] + A1[1] * p["W2"][1][0] + p["b2"][0])
        assert_close(net.feedforward(x), y_pred, ONE_STEP_TOL, str(x))
