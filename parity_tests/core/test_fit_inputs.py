"""``fit`` takes targets as people hold them, the same way in every twin (toolkit/inputs.py).

Label names, one-hot rows and (n, 1) class columns are accepted where they
are unambiguous and train exactly like the class indices they stand for; a
DataFrame is accepted (numbers) or refused with the column named (text); a
network of one twin with the other twin's optimizer is one clear error.
pandas is optional: a tiny duck-typed stand-in runs always, the real thing
when it is installed.
"""

import pytest

from twin_nn.recipes import flatten_params

NAMES = ["setosa", "versicolor", "virginica"]


def three_classes():
    X = [[float(i % 3) + 0.1 * (i % 5), float(-(i % 3)) + 0.07 * (i % 4)] for i in range(30)]
    return X, [i % 3 for i in range(30)]


def trained(twin, X, Y, loss="cross_entropy", n_out=3, **kw):
    output = {"cross_entropy": "softmax", "bce": "sigmoid"}[loss]
    net = twin.mlp.MLP([2, 5, n_out], "tanh", output, loss, seed=0)
    hist = net.fit(X, Y, twin.optim.SGD(0.1), epochs=3, batch_size=10, verbose=0, **kw)
    return flatten_params(net.params), hist


@pytest.mark.parametrize("form", ["names", "one_hot", "column"])
def test_other_target_forms_train_like_class_indices(net_twin, form):
    X, y = three_classes()
    reference, _ = trained(net_twin, X, y)
    if form == "names":
        Y = [NAMES[c] for c in y]
    elif form == "one_hot":
        Y = [[1.0 if k == c else 0.0 for k in range(3)] for c in y]
    else:
        Y = [[c] for c in y]
    if net_twin.arrays and form != "names":
        import numpy as np
        Y = np.array(Y)
    params, hist = trained(net_twin, X, Y)
    assert params == reference
    assert hist.classes == (NAMES if form == "names" else None)


def test_binary_label_names_and_one_hot_pairs(net_twin):
    X, y = three_classes()
    y = [c % 2 for c in y]
    reference, _ = trained(net_twin, X, [[float(c)] for c in y], "bce", 1)
    by_name, hist = trained(net_twin, X, ["yes" if c else "no" for c in y], "bce", 1)
    one_hot, _ = trained(net_twin, X, [[1 - c, c] for c in y], "bce", 1)
    assert by_name == reference == one_hot and hist.classes == ["no", "yes"]


def test_validation_labels_use_the_training_names(net_twin):
    X, y = three_classes()
    names = [NAMES[c] for c in y]
    _, hist = trained(net_twin, X[:20], names[:20], validation=(X[20:], names[20:]))
    assert hist.val_loss[-1] is not None
    with pytest.raises(ValueError, match=r"Y\[0\] is 'tulip', a label the training targets do not hold"):
        trained(net_twin, X[:20], names[:20], validation=(X[20:21], ["tulip"]))


@pytest.mark.parametrize("Y, error, message", [
    (["a", "b"] * 15, ValueError, r"Y holds 2 distinct labels \('a', 'b'\) but the network tells 3 apart"),
    (["a", 1] * 15, TypeError, r"Y mixes label names and other values"),
])
def test_ambiguous_names_are_refused_the_same_way(net_twin, Y, error, message):
    X, _ = three_classes()
    with pytest.raises(error, match=message):
        trained(net_twin, X, Y)


def test_text_targets_for_a_regression_are_refused(net_twin):
    net = net_twin.mlp.MLP([2, 3, 1], "tanh", "linear", "mse", seed=0)
    with pytest.raises(TypeError, match=r"Y holds text \('big'\): mse targets are numbers"):
        net.fit([[0.0, 1.0]], ["big"], net_twin.optim.SGD(0.1), epochs=1, verbose=0)


class FakeFrame:
    """The two things fit asks of a DataFrame: ``columns`` and ``to_numpy()``."""

    def __init__(self, columns, rows):
        self.columns, self.rows = columns, rows

    def to_numpy(self):
        return [list(r) for r in self.rows]

    def __iter__(self):                      # what a DataFrame iterates over: its column names
        return iter(self.columns)

    def __len__(self):
        return len(self.rows)


def test_a_dataframe_like_table_is_taken_as_its_rows(net_twin):
    X, y = three_classes()
    reference, _ = trained(net_twin, X, y)
    params, _ = trained(net_twin, FakeFrame(["a", "b"], X), y)
    assert params == reference


def test_a_dataframe_with_a_text_column_is_refused_naming_it(net_twin):
    X, y = three_classes()
    rows = [[r[0], "Ost" if i % 2 else "West"] for i, r in enumerate(X)]
    with pytest.raises(TypeError, match=r"X's column 'Region' holds 'West' \(row 0\), not a number.*Pipeline"):
        trained(net_twin, FakeFrame(["x", "Region"], rows), y)


def test_a_real_pandas_dataframe_and_series(net_twin):
    pd = pytest.importorskip("pandas")
    X, y = three_classes()
    reference, _ = trained(net_twin, X, y)
    params, hist = trained(net_twin, pd.DataFrame(X, columns=["a", "b"]), pd.Series([NAMES[c] for c in y]))
    assert params == reference and hist.classes == NAMES
    with pytest.raises(TypeError, match="column 'b' holds"):
        trained(net_twin, pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]}), [0, 1])


def test_mixing_the_twins_optimizer_and_network_is_one_clear_error():
    import scalar_nn
    vector_nn = pytest.importorskip("vector_nn")
    X, y = three_classes()
    with pytest.raises(TypeError, match=r"the optimizer is vector_nn's SGD but the network is scalar_nn's MLP"):
        scalar_nn.MLP([2, 3, 3], "tanh", "softmax", "cross_entropy").fit(X, y, vector_nn.SGD(0.1), verbose=0)
    with pytest.raises(TypeError, match=r"the optimizer is scalar_nn's Adam but the network is vector_nn's MLP"):
        vector_nn.MLP([2, 3, 3], "tanh", "softmax", "cross_entropy").fit(X, y, scalar_nn.Adam(), verbose=0)


def test_multi_label_targets_are_never_read_as_one_hot(net_twin):
    """Two sigmoid outputs: [0, 1] is two targets, not a one-hot label."""
    X, y = three_classes()
    Y = [[1.0 - (c % 2), float(c % 2)] for c in y]
    net = net_twin.mlp.MLP([2, 4, 2], "tanh", "sigmoid", "bce", seed=0)
    net.fit(X, Y, net_twin.optim.SGD(0.1), epochs=1, verbose=0)
    from scalar_nn.toolkit.inputs import fit_inputs
    assert fit_inputs(net, X, Y)[1] is Y
