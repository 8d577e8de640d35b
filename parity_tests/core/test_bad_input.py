"""Bad input is rejected at the public boundary, by our own checks, alike in every twin.

Every case below is one mistake a learner can make (a ragged list, a label of
3 for a two-class network, a learning rate of 0, ...).  Each builds an MLP or
an optimizer, so it runs over ``net_twin``: the scalar twin, the plain vector
twin and the fast engine (a drop-in must fail as clearly).  For each, they
must raise

* exactly the stated exception class (ValueError or TypeError -- the same in
  every twin, so code written against one twin handles errors of the other),
* with a message that names the problem (``match=``),
* from code inside ``scalar_nn``/``vector_nn`` (the innermost traceback frame
  is in our package: not a NumPy error, not an IndexError from deep inside a
  matrix product).

The other side of each boundary, the edge values that *are* allowed
(momentum 0, dampening 1, dropout 0, ...), is in test_accepted_input.py.
"""

import os

import numpy as np
import pytest

from parity_tests.conftest import to_list
from parity_tests.core.small_batches import (
    INF, NAN, X4, Y_bce, Y_mse, bce_net, ce_net, drop_net, good_masks, net, with_entry)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACKAGES = (os.path.join(ROOT, "scalar_nn"), os.path.join(ROOT, "vector_nn"))


def params_of(twin, **kw):
    """Clean parameters of a [3, 4, 2] network as nested lists."""
    return {name: to_list(p) for name, p in net(twin, **kw).params.items()}


def from_params(twin, params, **kw):
    return twin.mlp.MLP.from_params(params, hidden="tanh", output="linear", loss="mse", **kw)


def step_with(twin, opt_name, change):
    """optimizer.step(params, grads) with grads altered by ``change(grads)``."""
    n = net(twin)
    _, grads = n.loss_and_grads(X4(), Y_mse())
    grads = change(dict(grads))
    opt = twin.optim.SGD(0.1, momentum=0.9) if opt_name == "sgd" else twin.optim.Adam(0.01)
    opt.step(n.params, grads)


def without(d, key):
    d = dict(d)
    del d[key]
    return d


def replaced(d, key, value):
    d = dict(d)
    d[key] = value
    return d


# ------------------------------------------------------------------- cases
# (id, action(twin), exception class, regex the message must match)
CASES = [
    # --- X: the batch of inputs
    ("X ragged", lambda t: net(t).loss_and_grads([[1, 2, 3], [1, 2]], [[0, 0], [0, 0]]),
     ValueError, r"X has ragged rows"),
    ("X ragged predict", lambda t: net(t).predict([[1, 2, 3], [1, 2, 3, 4]]), ValueError, r"X has ragged rows"),
    ("X wrong feature count", lambda t: net(t).loss_and_grads([r[:2] for r in X4()], Y_mse()),
     ValueError, r"X has 2 features per row, the network expects 3"),
    ("X wrong feature count predict", lambda t: net(t).predict([[1.0, 2.0, 3.0, 4.0]]),
     ValueError, r"X has 4 features per row, the network expects 3"),
    ("X flat (1-D)", lambda t: net(t).predict([1.0, 2.0, 3.0]), ValueError, r"X must be 2-D"),
    ("X 3-D", lambda t: net(t).predict([[[1.0], [2.0], [3.0]]]), ValueError, r"X must be 2-D"),
    ("X a number", lambda t: net(t).predict(5.0), TypeError, r"X must be a list of rows"),
    ("X a 0-d array", lambda t: net(t).predict(np.array(5.0)), TypeError, r"X must be a list of rows"),
    ("X a string", lambda t: net(t).predict("1,2,3"), TypeError, r"X must be a list of rows"),
    ("X string entry", lambda t: net(t).predict([[1.0, "a", 3.0]]), TypeError, r"X\[0\]\[1\] is not a number"),
    ("X None entry", lambda t: net(t).predict([[1.0, 2.0, 3.0], [1.0, 2.0, None]]),
     TypeError, r"X\[1\]\[2\] is not a number"),
    ("X NaN", lambda t: net(t).loss_and_grads(with_entry(X4(), 2, 1, NAN), Y_mse()),
     ValueError, r"X\[2\]\[1\] is nan.*finite"),
    ("X +inf", lambda t: net(t).predict(with_entry(X4(), 0, 0, INF)), ValueError, r"X\[0\]\[0\] is inf.*finite"),
    ("X -inf", lambda t: net(t).loss(with_entry(X4(), 3, 2, -INF), Y_mse()),
     ValueError, r"X\[3\]\[2\] is -inf.*finite"),
    ("X NaN in an array", lambda t: net(t).predict(np.array(with_entry(X4(), 1, 1, NAN))),
     ValueError, r"X\[1\]\[1\] is nan"),
    ("X empty batch", lambda t: net(t).loss_and_grads([], []), ValueError, r"X is an empty batch"),
    ("X empty array", lambda t: net(t).predict(np.zeros((0, 3))), ValueError, r"X is an empty batch"),
    ("X rows of length 0", lambda t: net(t).predict([[], []]), ValueError, r"X has rows of length 0"),

    # --- Y for mse / bce: a matrix (m, n_L)
    ("Y too few rows", lambda t: net(t).loss_and_grads(X4(), Y_mse()[:3]),
     ValueError, r"X has 4 rows but Y has 3"),
    ("Y too many rows", lambda t: net(t).loss(X4(), Y_mse() + [[0.0, 0.0]]),
     ValueError, r"X has 4 rows but Y has 5"),
    ("Y too many columns", lambda t: net(t).loss_and_grads(X4(), [r + [0.0] for r in Y_mse()]),
     ValueError, r"Y has 3 .* expects 2"),
    ("Y too few columns", lambda t: net(t).loss_and_grads(X4(), [r[:1] for r in Y_mse()]),
     ValueError, r"Y has 1 .* expects 2"),
    ("Y flat for 2 outputs", lambda t: net(t).loss_and_grads(X4(), [0.0, 1.0, 0.0, 1.0]),
     ValueError, r"Y must be 2-D"),
    ("Y ragged", lambda t: net(t).loss_and_grads(X4(), [[0.0, 1.0], [0.0], [1.0, 1.0], [0.0, 0.0]]),
     ValueError, r"Y has ragged rows"),
    ("Y a number", lambda t: net(t).loss_and_grads(X4(), 1.0), TypeError, r"Y must be a sequence"),
    ("Y a 0-d array", lambda t: net(t).loss_and_grads(X4(), np.array(1.0)), TypeError, r"Y must be a sequence"),
    ("Y NaN", lambda t: net(t).loss_and_grads(X4(), with_entry(Y_mse(), 1, 0, NAN)),
     ValueError, r"Y\[1\]\[0\] is nan.*finite"),
    ("Y inf", lambda t: net(t).loss(X4(), with_entry(Y_mse(), 3, 1, INF)), ValueError, r"Y\[3\]\[1\] is inf"),
    ("Y string entry", lambda t: net(t).loss_and_grads(X4(), with_entry(Y_mse(), 0, 1, "1")),
     TypeError, r"Y\[0\]\[1\] is not a number"),
    ("bce target above 1", lambda t: bce_net(t).loss_and_grads(X4(), with_entry(Y_bce(), 2, 0, 1.5)),
     ValueError, r"Y\[2\]\[0\] = 1.5: bce targets must lie in \[0, 1\]"),
    ("bce target below 0", lambda t: bce_net(t).loss(X4(), with_entry(Y_bce(), 1, 1, -0.5)),
     ValueError, r"Y\[1\]\[1\] = -0.5: bce targets must lie in \[0, 1\]"),
    ("bce target NaN", lambda t: bce_net(t).loss_and_grads(X4(), with_entry(Y_bce(), 0, 0, NAN)),
     ValueError, r"Y\[0\]\[0\] is nan"),

    # --- y for cross_entropy: m integer class indices
    ("class index too big", lambda t: ce_net(t).loss_and_grads(X4(), [0, 1, 2, 0]),
     ValueError, r"y\[2\] = 2: class index out of range 0\.\.1"),
    ("class index negative", lambda t: ce_net(t).loss_and_grads(X4(), [0, -1, 1, 0]),
     ValueError, r"y\[1\] = -1: class index out of range 0\.\.1"),
    ("class index huge float", lambda t: ce_net(t).loss_and_grads(X4(), [0.0, 1.0, 1e20, 0.0]),
     ValueError, r"y\[2\] = 1(00000000000000000000|e\+20)(\.0)?: class index out of range"),
    ("class label fractional", lambda t: ce_net(t).loss_and_grads(X4(), [0, 1, 0.5, 0]),
     ValueError, r"y\[2\] = 0.5: cross_entropy targets are integer class indices"),
    ("class label NaN", lambda t: ce_net(t).loss_and_grads(X4(), [0.0, NAN, 1.0, 0.0]),
     ValueError, r"y\[1\] = nan: cross_entropy targets are integer class indices"),
    ("class label inf", lambda t: ce_net(t).loss(X4(), [0.0, 1.0, 1.0, INF]),
     ValueError, r"y\[3\] = inf: cross_entropy targets are integer class indices"),
    ("class label string", lambda t: ce_net(t).loss_and_grads(X4(), [0, 1, "1", 0]),
     TypeError, r"y\[2\] = '1': cross_entropy targets are integer class indices"),
    ("class label None", lambda t: ce_net(t).loss_and_grads(X4(), [0, 1, 1, None]),
     TypeError, r"y\[3\] = None: cross_entropy targets are integer class indices"),
    ("class label bool", lambda t: ce_net(t).loss_and_grads(X4(), [False, True, True, False]),
     TypeError, r"y\[0\] = (np\.)?(False|bool_\(False\)): cross_entropy targets are integer class indices"),
    ("class label bool among ints", lambda t: ce_net(t).loss_and_grads(X4(), [0, True, 1, 0]),
     TypeError, r"y\[1\] = True: cross_entropy targets are integer class indices"),
    ("class label bool among floats", lambda t: ce_net(t).loss(X4(), [0.0, 1.0, False, 1.0]),
     TypeError, r"y\[2\] = False: cross_entropy targets are integer class indices"),
    ("X bool among numbers", lambda t: net(t).loss_and_grads(with_entry(X4(), 2, 1, True), Y_mse()),
     TypeError, r"X\[2\]\[1\] is not a number: True"),
    ("Y bool among numbers", lambda t: net(t).loss(X4(), with_entry(Y_mse(), 0, 0, False)),
     TypeError, r"Y\[0\]\[0\] is not a number: False"),
    ("class labels one-hot", lambda t: ce_net(t).loss_and_grads(X4(), [[1, 0], [0, 1], [0, 1], [1, 0]]),
     ValueError, r"y must be a flat sequence of integer class indices"),
    ("class labels too few", lambda t: ce_net(t).loss_and_grads(X4(), [0, 1, 1]),
     ValueError, r"X has 4 rows but Y has 3"),

    # --- names and architecture
    ("unknown activation", lambda t: t.mlp.MLP([3, 4, 1], hidden="sigmod"),
     ValueError, r"unknown hidden activation 'sigmod'"),
    ("unknown output", lambda t: t.mlp.MLP([3, 4, 1], output="softplus"), ValueError, r"unknown output 'softplus'"),
    ("unknown loss", lambda t: t.mlp.MLP([3, 4, 1], loss="hinge"), ValueError, r"unknown loss 'hinge'"),
    ("linear + bce", lambda t: t.mlp.MLP([3, 4, 1], output="linear", loss="bce"),
     ValueError, r"output 'linear' does not go with loss 'bce'"),
    ("softmax + mse", lambda t: t.mlp.MLP([3, 4, 2], output="softmax", loss="mse"),
     ValueError, r"output 'softmax' does not go with loss 'mse'"),
    ("sigmoid + cross_entropy", lambda t: t.mlp.MLP([3, 4, 2], output="sigmoid", loss="cross_entropy"),
     ValueError, r"output 'sigmoid' does not go with loss 'cross_entropy'"),
    ("softmax with one class", lambda t: t.mlp.MLP([3, 4, 1], output="softmax", loss="cross_entropy"),
     ValueError, r"at least 2 output classes"),
    ("sizes [3]", lambda t: t.mlp.MLP([3]), ValueError, r"sizes must list at least an input and an output"),
    ("sizes []", lambda t: t.mlp.MLP([]), ValueError, r"sizes must list at least an input and an output"),
    ("sizes a number", lambda t: t.mlp.MLP(3), ValueError, r"sizes must list at least an input and an output"),
    ("sizes [3, 0, 1]", lambda t: t.mlp.MLP([3, 0, 1]), ValueError, r"positive integer, got 0"),
    ("sizes [3, -2, 1]", lambda t: t.mlp.MLP([3, -2, 1]), ValueError, r"positive integer, got -2"),
    ("sizes [3, 2.5, 1]", lambda t: t.mlp.MLP([3, 2.5, 1]), ValueError, r"positive integer, got 2.5"),
    ("sizes [3, True, 1]", lambda t: t.mlp.MLP([3, True, 1]), ValueError, r"positive integer, got True"),
    ("seed a string", lambda t: t.mlp.MLP([3, 1], seed="0"), TypeError, r"seed must be an int"),

    # --- hyperparameters of the network
    ("dropout 1", lambda t: net(t, dropout=1.0), ValueError, r"dropout must lie in \[0, 1\), got 1"),
    ("dropout negative", lambda t: net(t, dropout=-0.1), ValueError, r"dropout must lie in \[0, 1\)"),
    ("dropout NaN", lambda t: net(t, dropout=NAN), ValueError, r"dropout must be finite"),
    ("dropout a string", lambda t: net(t, dropout="0.5"), TypeError, r"dropout must be a number"),
    ("l2 negative", lambda t: net(t, l2=-1e-3), ValueError, r"l2 must lie in \[0, inf\)"),
    ("l2_bias negative", lambda t: net(t, l2_bias=-1.0), ValueError, r"l2_bias must lie in \[0, inf\)"),
    ("bn_momentum above 1", lambda t: net(t, batchnorm=True, bn_momentum=1.5),
     ValueError, r"bn_momentum must lie in \[0, 1\]"),

    # --- optimizers
    ("SGD lr 0", lambda t: t.optim.SGD(0.0), ValueError, r"lr must lie in \(0, inf\), got 0"),
    ("SGD lr negative", lambda t: t.optim.SGD(-0.1), ValueError, r"lr must lie in \(0, inf\)"),
    ("SGD lr inf", lambda t: t.optim.SGD(INF), ValueError, r"lr must be finite"),
    ("SGD lr a string", lambda t: t.optim.SGD("0.1"), TypeError, r"lr must be a number"),
    ("Adam lr 0", lambda t: t.optim.Adam(0.0), ValueError, r"lr must lie in \(0, inf\)"),
    ("momentum 1", lambda t: t.optim.SGD(0.1, momentum=1.0), ValueError, r"momentum must lie in \[0, 1\), got 1"),
    ("momentum negative", lambda t: t.optim.SGD(0.1, momentum=-0.1), ValueError, r"momentum must lie in \[0, 1\)"),
    ("dampening negative", lambda t: t.optim.SGD(0.1, momentum=0.9, dampening=-0.1),
     ValueError, r"dampening must lie in \[0, 1\]"),
    ("dampening above 1", lambda t: t.optim.SGD(0.1, momentum=0.9, dampening=1.5),
     ValueError, r"dampening must lie in \[0, 1\]"),
    ("decay negative", lambda t: t.optim.SGD(0.1, decay=-0.01), ValueError, r"decay must lie in \[0, inf\)"),
    ("Adam beta1 1", lambda t: t.optim.Adam(0.01, beta1=1.0), ValueError, r"beta1 must lie in \[0, 1\), got 1"),
    ("Adam beta1 negative", lambda t: t.optim.Adam(0.01, beta1=-0.1), ValueError, r"beta1 must lie in \[0, 1\)"),
    ("Adam beta2 1", lambda t: t.optim.Adam(0.01, beta2=1.0), ValueError, r"beta2 must lie in \[0, 1\), got 1"),
    ("Adam beta2 negative", lambda t: t.optim.Adam(0.01, beta2=-0.5), ValueError, r"beta2 must lie in \[0, 1\)"),
    ("Adam eps negative", lambda t: t.optim.Adam(0.01, eps=-1e-8), ValueError, r"eps must lie in \(0, inf\)"),
    ("Adam eps zero", lambda t: t.optim.Adam(0.01, eps=0.0), ValueError, r"eps must lie in \(0, inf\)"),

    # --- dropout masks given from outside
    ("masks one too few", lambda t: drop_net(t).loss_and_grads(X4(), Y_mse(), masks=good_masks()[:1]),
     ValueError, r"masks: expected 2 \(one per hidden layer\), got 1"),
    ("masks wrong columns", lambda t: drop_net(t).loss_and_grads(
        X4(), Y_mse(), masks=[good_masks()[1], good_masks()[1]]),
     ValueError, r"masks\[0\] has 5 .* expects 4"),
    ("masks wrong rows", lambda t: drop_net(t).loss_and_grads(
        X4(), Y_mse(), masks=[good_masks()[0], good_masks()[1][:3]]),
     ValueError, r"masks\[1\] has 3 rows, the batch has 4"),
    ("masks ragged", lambda t: drop_net(t).loss_and_grads(
        X4(), Y_mse(), masks=[good_masks()[0], good_masks()[1][:3] + [[1.0]]]),
     ValueError, r"masks\[1\] has ragged rows"),
    ("masks value 0.5", lambda t: drop_net(t).loss_and_grads(
        X4(), Y_mse(), masks=[with_entry(good_masks()[0], 1, 2, 0.5), good_masks()[1]]),
     ValueError, r"masks\[0\] holds .*dropout masks are 0/1"),
    ("masks value 2", lambda t: drop_net(t).loss_and_grads(
        X4(), Y_mse(), masks=[good_masks()[0], with_entry(good_masks()[1], 3, 4, 2.0)]),
     ValueError, r"masks\[1\] holds .*dropout masks are 0/1"),
    ("masks NaN", lambda t: drop_net(t).loss_and_grads(
        X4(), Y_mse(), masks=[good_masks()[0], with_entry(good_masks()[1], 0, 0, NAN)]),
     ValueError, r"masks\[1\]\[0\]\[0\] is nan"),
    ("masks not a list", lambda t: drop_net(t).loss_and_grads(X4(), Y_mse(), masks=1.0),
     TypeError, r"masks must be a list of (0/1 )?matri"),
    ("masks with dropout 0", lambda t: net(t, sizes=(3, 4, 5, 2)).loss_and_grads(X4(), Y_mse(), masks=good_masks()),
     ValueError, r"masks were given but this network applies no dropout"),
    ("masks in eval mode", lambda t: drop_net(t).eval().loss_and_grads(X4(), Y_mse(), masks=good_masks()),
     ValueError, r"masks were given but this network applies no dropout"),
    ("forward masks with dropout 0", lambda t: net(t, sizes=(3, 4, 5, 2)).forward(
        X4(), training=True, masks=good_masks()),
     ValueError, r"masks were given but this forward pass applies no dropout"),
    ("forward masks with training=False", lambda t: drop_net(t).forward(X4(), training=False, masks=good_masks()),
     ValueError, r"masks were given but this forward pass applies no dropout"),
    ("forward masks wrong rows", lambda t: drop_net(t).forward(
        X4()[:2], training=True, masks=good_masks()),
     ValueError, r"masks\[0\] has 4 rows, the batch has 2"),

    # --- BatchNorm needs at least two rows to normalise in training mode
    ("BatchNorm batch of 1", lambda t: net(t, batchnorm=True).loss_and_grads(X4()[:1], Y_mse()[:1]),
     ValueError, r"BatchNorm cannot normalise a batch of one row in training mode"),
    ("BatchNorm forward batch of 1", lambda t: net(t, batchnorm=True).forward(X4()[:1], training=True),
     ValueError, r"BatchNorm cannot normalise a batch of one row"),

    # --- MLP.from_params
    ("from_params not a dict", lambda t: t.mlp.MLP.from_params([[1.0]]), ValueError, r"params must be a dict"),
    ("from_params b1 too long", lambda t: from_params(t, replaced(params_of(t), "b1", [0.0] * 5)),
     ValueError, r"b1 has .*5.*expected.*4|b1 has 5 .* expects 4"),
    ("from_params b1 a matrix", lambda t: from_params(t, replaced(params_of(t), "b1", [[0.0] * 4])),
     ValueError, r"b1"),
    ("from_params W2 rows mismatch", lambda t: from_params(t, replaced(params_of(t), "W2", [[0.0, 0.0]] * 5)),
     ValueError, r"W2 has 5 rows but layer 1 has 4 units"),
    ("from_params W1 flat", lambda t: from_params(t, replaced(params_of(t), "W1", [0.0, 1.0, 2.0])),
     ValueError, r"W1 must be a matrix"),
    ("from_params W1 ragged", lambda t: from_params(
        t, replaced(params_of(t), "W1", [[0.0] * 4, [0.0] * 4, [0.0] * 3])),
     ValueError, r"W1 has ragged rows"),
    ("from_params W1 string entry", lambda t: from_params(
        t, replaced(params_of(t), "W1", with_entry(params_of(t)["W1"], 1, 2, "x"))),
     TypeError, r"W1\[1\]\[2\] is not a number"),
    ("from_params missing b2", lambda t: from_params(t, without(params_of(t), "b2")),
     ValueError, r"parameter b2 is missing"),
    ("from_params unknown name", lambda t: from_params(t, replaced(params_of(t), "W9x", [[1.0]])),
     ValueError, r"unexpected parameter names \['W9x'\]"),
    ("from_params NaN weight", lambda t: from_params(
        t, replaced(params_of(t), "W2", with_entry(params_of(t)["W2"], 3, 1, NAN))),
     ValueError, r"W2(\[3\]\[1\] is nan| holds NaN)"),
    ("from_params inf bias", lambda t: from_params(t, replaced(params_of(t), "b1", [0.0, INF, 0.0, 0.0])),
     ValueError, r"b1(\[0\]\[1\] is inf| holds NaN or inf)"),
    ("from_params beta1 missing", lambda t: from_params(t, without(params_of(t, batchnorm=True), "beta1")),
     ValueError, r"parameter beta1 is missing"),
    ("from_params bad buffer name", lambda t: from_params(
        t, params_of(t, batchnorm=True), buffers={"running_mean7": [0.0] * 4}),
     ValueError, r"unexpected buffer name 'running_mean7'"),
    ("from_params buffer wrong length", lambda t: from_params(
        t, params_of(t, batchnorm=True), buffers={"running_var1": [1.0] * 3}),
     ValueError, r"running_var1"),
    ("from_params bad activation", lambda t: t.mlp.MLP.from_params(params_of(t), hidden="sigmod"),
     ValueError, r"unknown hidden activation"),

    # --- optimizer.step: grads must match params, key for key and shape for shape
    ("SGD step grads missing key", lambda t: step_with(t, "sgd", lambda g: without(g, "b2")),
     ValueError, r"grads have keys .* but params have"),
    ("Adam step grads extra key", lambda t: step_with(t, "adam", lambda g: replaced(g, "W3", [[0.0]])),
     ValueError, r"grads have keys .* but params have"),
    ("SGD step grad transposed", lambda t: step_with(
        t, "sgd", lambda g: replaced(g, "W1", [list(c) for c in zip(*to_list(g["W1"]))])),
     ValueError, r"gradient W1 does not have the shape of the parameter"),
    ("Adam step bias grad too short", lambda t: step_with(t, "adam", lambda g: replaced(g, "b1", [0.0] * 3)),
     ValueError, r"gradient b1 does not have the shape of the parameter"),
    ("SGD step bias grad as a row matrix", lambda t: step_with(
        t, "sgd", lambda g: replaced(g, "b2", [to_list(g["b2"])])),
     ValueError, r"gradient b2 does not have the shape of the parameter"),
    ("Adam step weight grad flat", lambda t: step_with(
        t, "adam", lambda g: replaced(g, "W2", [v for row in to_list(g["W2"]) for v in row])),
     ValueError, r"gradient W2 does not have the shape of the parameter"),
    ("SGD step grad ragged", lambda t: step_with(
        t, "sgd", lambda g: replaced(g, "W1", to_list(g["W1"])[:-1] + [[0.0]])),
     ValueError, r"gradient W1 does not have the shape of the parameter"),
]


def _our_frame(excinfo):
    """The file of the innermost frame of the traceback (where the exception was raised)."""
    return os.path.abspath(str(excinfo.traceback[-1].path))


@pytest.mark.parametrize("action, exc_type, pattern", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_rejected(net_twin, action, exc_type, pattern):
    with pytest.raises((ValueError, TypeError), match=pattern) as excinfo:
        action(net_twin)
    assert type(excinfo.value) is exc_type, "%s raised %s, expected %s: %s" % (
        net_twin.name, type(excinfo.value).__name__, exc_type.__name__, excinfo.value)
    where = _our_frame(excinfo)
    assert where.startswith(PACKAGES), "raised from %s, not by our validation" % where


def test_case_ids_are_unique():
    ids = [c[0] for c in CASES]
    assert len(ids) == len(set(ids))


def test_a_non_finite_entry_is_an_error_not_a_numpy_warning(net_twin):
    """The lean step computes first and checks on the failure path: NumPy must not warn on the way."""
    import warnings
    X = [[0.5, float("inf"), 0.25]] + X4()[1:]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"X\[0\]\[1\] is inf"):
            net(net_twin).loss_and_grads(X if net_twin.name == "scalar" else np.array(X), Y_mse())
