"""The TrainingOps contract (scalar_nn/toolkit/training.py): what the training loop asks of a twin.

The contract is an abstract base class: a twin's ops that leave out a method
cannot be built.  ``split``, ``hold_out`` and ``evaluate`` are written once, in the base;
the per-twin methods are tested against each twin's own ops (``net.ops``).
"""

import pytest

from parity_tests.conftest import to_list

from scalar_nn.mlp import MLP
from scalar_nn.optim import SGD
from scalar_nn.toolkit import training
from scalar_nn.toolkit.training import ListOps, TrainingOps

REQUIRED = ("arange", "clean_data", "metric_sums", "numeric_guard", "permutation", "take_rows")


def test_the_contract_lists_exactly_the_per_twin_methods():
    assert sorted(TrainingOps.__abstractmethods__) == sorted(REQUIRED)


@pytest.mark.parametrize("missing", REQUIRED)
def test_an_ops_class_that_forgets_a_method_fails_when_built(missing):
    methods = {name: getattr(ListOps, name) for name in REQUIRED if name != missing}
    Incomplete = type("Incomplete", (TrainingOps,), methods)
    with pytest.raises(TypeError, match=r"abstract method.*%s" % missing):
        Incomplete()


def test_the_base_class_alone_is_no_implementation():
    with pytest.raises(TypeError, match="abstract"):
        TrainingOps()


def data(twin):
    """Six rows of 2 features and regression targets, as the twin's network takes them."""
    X = [[0.1 * i, 1.0 - 0.2 * i] for i in range(6)]
    Y = [[0.5 * i - 1.0] for i in range(6)]
    return X, Y


def test_split_is_written_once_and_keeps_the_twins_type(twin):
    net = twin.mlp.MLP([2, 3, 1], hidden="tanh")
    X, Y = net.ops.clean_data(net, *data(twin))
    Xt, Yt, Xv, Yv = net.ops.split(X, Y, 1.0 / 3.0, 5)
    assert type(Xt) is type(X) and type(Yv) is type(Y)                   # lists stay lists, arrays arrays
    assert len(Xt) == 4 and len(Xv) == 2
    sX, sY, _, _ = ListOps().split(*data(twin), 1.0 / 3.0, 5)             # the same rows in both twins
    assert [list(map(float, row)) for row in Xt] == sX and [list(map(float, row)) for row in Yt] == sY



def test_hold_out_is_split_as_row_indices(twin):
    net = twin.mlp.MLP([2, 3, 1], hidden="tanh")
    X, Y = net.ops.clean_data(net, *data(twin))
    Xt, Yt, Xv, Yv = net.ops.split(X, Y, 1.0 / 3.0, 5)
    rows, Hv, HYv = net.ops.hold_out(X, Y, 1.0 / 3.0, 5)
    assert type(Hv) is type(Xv) and type(rows) is type(net.ops.arange(1))     # the twin's index type
    assert to_list(net.ops.take_rows(X, rows)) == to_list(Xt) and to_list(net.ops.take_rows(Y, rows)) == to_list(Yt)
    assert to_list(Hv) == to_list(Xv) and to_list(HYv) == to_list(Yv)


@pytest.mark.parametrize("shuffle", [True, False])
def test_fit_with_val_split_trains_on_splits_rows_in_the_same_order(net_twin, shuffle):
    """``fit`` gathers val_split's training batches from X through ``hold_out``'s row indices (no copy of
    the training rows): the very numbers of a fit on ``split``'s parts, given as validation data."""
    X = [[0.1 * i, ((7 * i) % 11) / 11.0 - 0.5] for i in range(30)]
    Y = [[1.0 if x0 > 1.2 + x1 else 0.0] for x0, x1 in X]

    def trained(**split):
        net = net_twin.mlp.MLP([2, 5, 1], "tanh", "sigmoid", "bce", seed=2)
        Xs, Ys = net.ops.clean_data(net, X, Y)
        if not split:
            Xt, Yt, Xv, Yv = net.ops.split(Xs, Ys, 0.2, 3)
            Xs, Ys, split = Xt, Yt, dict(validation=(Xv, Yv))
        history = net.fit(Xs, Ys, net_twin.optim.SGD(0.5, momentum=0.9), epochs=4, batch_size=4, seed=3,
                          shuffle=shuffle, verbose=0, **split)
        return history.to_dict(), {k: to_list(v) for k, v in net.params.items()}

    assert trained(val_split=0.2) == trained()


def test_evaluate_is_the_networks_loss_and_the_metric(twin):
    net = twin.mlp.MLP([2, 3, 1], hidden="tanh", l2=0.1)
    X, Y = net.ops.clean_data(net, *data(twin))
    loss, rmse = net.ops.evaluate(net, X, Y)
    assert loss == net.loss(X, Y)
    total, count = net.ops.metric_sums(net, net.predict(X), Y)
    assert rmse == (total / count) ** 0.5 and count == 6


def test_take_rows_arange_and_permutation_are_the_twins_index_types(twin):
    net = twin.mlp.MLP([2, 3, 1], hidden="tanh")
    X, Y = net.ops.clean_data(net, *data(twin))
    order = net.ops.permutation(6, 123)
    assert sorted(int(i) for i in order) == list(range(6))
    assert [int(i) for i in net.ops.arange(3)] == [0, 1, 2]
    rows = net.ops.take_rows(X, order[:2])
    assert [[float(v) for v in row] for row in rows] == [[float(v) for v in X[int(i)]] for i in order[:2]]


class NoLastOutput(MLP):
    """An MLP whose ``last_output`` cannot be read: the loop must take Yhat from the step's return."""

    @property
    def last_output(self):
        raise AssertionError("the training loop read net.last_output")

    @last_output.setter
    def last_output(self, value):
        pass


def test_the_loop_takes_the_output_from_the_step_not_from_the_network():
    X, Y = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [[0.0], [1.0], [1.0], [0.0]]
    net = NoLastOutput([2, 3, 1], hidden="tanh", output="sigmoid", loss="bce")
    history = training.fit(net, X, Y, SGD(0.5), epochs=2, batch_size=2, verbose=0)
    reference = MLP([2, 3, 1], hidden="tanh", output="sigmoid", loss="bce")
    expected = training.fit(reference, X, Y, SGD(0.5), epochs=2, batch_size=2, verbose=0)
    assert history.metrics["accuracy"] == expected.metrics["accuracy"] and history.loss == expected.loss


def test_the_training_pass_returns_the_output_it_computed(net_twin):
    net = net_twin.mlp.MLP([2, 3, 1], hidden="tanh")
    X, Y = net.ops.clean_data(net, *data(net_twin))
    loss, grads, Yhat = net.loss_and_grads_clean(X, Y)
    # The engine's lean pass may order its sums differently from predict's: equal to rounding.
    flat = [float(v) for row in Yhat for v in row]
    assert flat == pytest.approx([float(v) for row in net.predict(X) for v in row], rel=1e-12, abs=1e-15)
    assert loss == pytest.approx(net.loss(X, Y), rel=1e-12) and sorted(grads) == sorted(net.params)
