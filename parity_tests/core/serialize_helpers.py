"""What the model-file tests share: toy data, three trained networks, bit-level comparisons.

Imported by test_serialize_round_trip.py, test_serialize_save.py,
test_serialize_load.py and test_serialize_npz.py (the model-file tests, split
by what they pin); the guarantees themselves are listed in
test_serialize_round_trip.py's docstring.
"""

import json
import math

from parity_tests.conftest import to_list


N_ROWS = 16
X = [[math.sin(0.7 * i + 0.3 * j) + 0.1 * j for j in range(3)] for i in range(N_ROWS)]
TARGETS = {
    "mse": [[math.cos(0.5 * i)] for i in range(N_ROWS)],
    "bce": [[1.0 if i % 3 == 0 else 0.0] for i in range(N_ROWS)],
    "cross_entropy": [i % 3 for i in range(N_ROWS)],
}
CONFIGS = {
    "tanh-mse": dict(sizes=[3, 5, 4, 1], hidden="tanh", output="linear", loss="mse", l2=1e-3, seed=3),
    "bn-dropout-bce": dict(sizes=[3, 6, 4, 1], hidden="relu", output="sigmoid", loss="bce", batchnorm=True,
                           dropout=0.25, l2=1e-4, l2_bias=1e-5, bn_momentum=0.2, seed=7),
    "softmax-swish": dict(sizes=[3, 5, 3], hidden="swish", output="softmax", loss="cross_entropy", seed=11),
}
ATTRIBUTES = ("sizes", "hidden", "output", "loss_name", "l2", "l2_bias", "dropout", "batchnorm",
              "bn_momentum", "seed")


def trained(twin, config):
    """(net, history): a network of ``twin`` after 3 epochs of mini-batch SGD on the toy data."""
    cfg = CONFIGS[config]
    net = twin.mlp.MLP(**cfg)
    history = net.fit(X, TARGETS[cfg["loss"]], twin.optim.SGD(0.1, momentum=0.9), epochs=3,
                      batch_size=4, val_split=0.25, verbose=0)
    return net, history


def hexes(x):
    """Nested lists of float.hex strings: equal iff every float has the same 64 bits."""
    x = to_list(x)
    if isinstance(x, list):
        return [hexes(v) for v in x]
    return float(x).hex()


def assert_same_bits(a, b, what):
    assert hexes(a) == hexes(b), "%s differs in some bits" % what


def assert_same_network(loaded, original):
    """Same class of twin, same options, bit-identical params and buffers, inference mode predictions."""
    for name in ATTRIBUTES:
        assert getattr(loaded, name) == getattr(original, name), name
    assert list(loaded.params) == list(original.params)
    for name in original.params:
        assert_same_bits(loaded.params[name], original.params[name], name)
    assert sorted(loaded.buffers) == sorted(original.buffers)
    for name in original.buffers:
        assert_same_bits(loaded.buffers[name], original.buffers[name], name)
    inputs = [row[:original.sizes[0]] for row in X]
    assert_same_bits(loaded.predict(inputs), original.predict(inputs), "predict(X)")


def save_json(twin, net, path, **kw):
    twin.serialize.save_model(net, str(path), **kw)
    return path


def read_doc(path):
    with open(str(path)) as f:
        return json.load(f)


def write_doc(path, doc):
    with open(str(path), "w") as f:
        json.dump(doc, f)
