"""The classic 2-2-1 network, as matrices: the twin of ``scalar_nn.network221``.

Same network, same names (w1..w6, b1..b3), same methods in the same order.
The state lives in the project's MLP layout instead of nine floats::

    params["W1"] = [[w1, w3],    params["b1"] = [b1, b2]     (2, 2) and (2,)
                    [w2, w4]]
    params["W2"] = [[w5],        params["b2"] = [b3]         (2, 1) and (1,)
                    [w6]]

(``LAYOUT`` in the scalar twin is this table.)  ``net.w1`` .. ``net.b3`` are
properties that read and write those array entries, so ``net.w5 = 0.3`` works
as in the scalar twin.  The arrays are held in the dict ``net.params`` because
the names ``b1``/``b2`` are already taken by the named biases.

Forward pass of one sample x (shape (2,)), as in the conventions::

    [sum_h1, sum_h2] = x @ W1 + b1        [h1, h2] = s([sum_h1, sum_h2])
    [sum_o1]         = [h1, h2] @ W2 + b2  [o1]    = s([sum_o1])

Backprop is the conventions' matrix form with one sample (m = n_L = 1), whose
entries are exactly the scalar twin's chain-rule products (see ``_sgd_step``).

``train`` loops over the samples: per-sample SGD is sequential by nature
(each step starts from the weights the previous one left), so that loop is
the algorithm itself; the step inside it is kept to a few NumPy calls.

The starting weights, the checks and the layout table are not numeric work:
they come from the scalar twin, so both twins start from identical numbers.
"""

import numpy as np

from scalar_nn.network221 import (  # noqa: F401  (re-exported: one source of truth)
    LAYOUT,
    PARAM_SHAPES,
    WEIGHT_NAMES,
    init_weights,
    params_to_weights,
    weights_to_params,
)
from scalar_nn.toolkit import checks as check

from . import activations as _activations


# The vector twin's sigmoid (vector_nn/activations.py), under the tutorial's
# name, as in the scalar twin.  (Its slope is ``activations.sigmoid_prime``: the
# whole-array training step here does not call it by the tutorial's name.)
sigmoid = _activations.sigmoid


def mse_loss(y_true, y_pred):
    """Mean squared error of n predictions: (1/n) sum_i (y_true_i - y_pred_i)^2, as a mean."""
    e = np.asarray(y_true, dtype=np.float64) - np.asarray(y_pred, dtype=np.float64)
    return float(np.mean(e * e))


def _entry(name):
    """A property reading/writing the array entry that holds the named number ``name``."""
    array, index = LAYOUT[name]

    def getter(self):
        return float(self.params[array][index])

    def setter(self, value):
        self.params[array][index] = value

    return property(getter, setter, doc="%s = params[%r][%s]" % (name, array, ", ".join(map(str, index))))


class Network221:
    """A 2-2-1 sigmoid network held as W1 (2, 2), b1 (2,), W2 (2, 1), b2 (1,).

    ``Network221(seed=0)`` starts from the scalar twin's ``init_weights(seed)``;
    ``Network221(weights={...})`` from given numbers.  The named numbers are
    properties over ``self.params`` (see the module docstring).
    """

    w1 = _entry("w1")
    w2 = _entry("w2")
    w3 = _entry("w3")
    w4 = _entry("w4")
    w5 = _entry("w5")
    w6 = _entry("w6")
    b1 = _entry("b1")
    b2 = _entry("b2")
    b3 = _entry("b3")

    def __init__(self, seed=0, weights=None):
        if weights is None:
            weights = init_weights(seed)
        else:
            weights = check.check_weights(weights, WEIGHT_NAMES)
        self.params = {
            name: np.array(value, dtype=np.float64)
            for name, value in weights_to_params(weights).items()
        }

    def feedforward(self, x):
        """y_pred for one sample x = [x1, x2] (a float in (0, 1))."""
        return float(self._forward(np.array([check.check_sample(x)]))[0])

    def _forward(self, X):
        """y_pred for every row of an already-checked batch X (m, 2): shape (m,).

        A1 = s(X @ W1 + b1)  (m, 2);  y_pred = s(A1 @ W2 + b2)[:, 0].
        """
        # exercise 0.1
        p = self.params
        A1 = sigmoid(X @ p["W1"] + p["b1"])
        return sigmoid(A1 @ p["W2"] + p["b2"])[:, 0]

    def train_step(self, x, y_true, learn_rate):
        """One SGD update on one sample; returns that sample's loss before the update.

        x = [x1, x2], y_true a float, learn_rate > 0 (see the scalar twin).
        """
        x = np.array(check.check_sample(x))
        y_true = check.check_number("y_true", y_true)
        learn_rate = check.check_learn_rate(learn_rate)
        return self._sgd_step(x, y_true, learn_rate)

    def _sgd_step(self, x, y_true, learn_rate):
        """``train_step`` without the checks: x is a float64 array (2,), y_true a float.

        Conventions section 7 with m = n_L = 1; each entry is named after the
        scalar twin's partial derivatives (dL/dsum_o1 is d_L_d_ypred * s'(sum_o1)).
        """
        # exercise 0.2
        p = self.params
        W1, b1, W2, b2 = p["W1"], p["b1"], p["W2"], p["b2"]

        # Forward pass.
        Z1 = x @ W1 + b1            # [sum_h1, sum_h2]
        A1 = sigmoid(Z1)            # [h1, h2]
        Z2 = A1 @ W2 + b2           # [sum_o1]
        A2 = sigmoid(Z2)            # [o1] = [y_pred]

        # Backward pass (all before any update).
        error = y_true - float(A2[0])
        # dZ2 = dL/dsum_o1 = d_L_d_ypred * s'(sum_o1) = -2 (y_true - y_pred) * o1 (1 - o1)
        dZ2 = (-2.0 * error) * (A2 * (1.0 - A2))
        # dA1 = [dL/dh1, dL/dh2] = [w5, w6] * dL/dsum_o1          (dZ2 @ W2^T)
        dA1 = W2[:, 0] * dZ2
        # dZ1 = [dL/dsum_h1, dL/dsum_h2] = dA1 * s'([sum_h1, sum_h2])
        dZ1 = dA1 * (A1 * (1.0 - A1))

        # Update, in place: dW2 = A1^T dZ2 ([[dL/dw5], [dL/dw6]]), db2 = dZ2 (dL/db3),
        # dW1 = x^T dZ1 ([[dL/dw1, dL/dw3], [dL/dw2, dL/dw4]]), db1 = dZ1 ([dL/db1, dL/db2]).
        W2 -= learn_rate * (A1[:, None] * dZ2)
        b2 -= learn_rate * dZ2
        W1 -= learn_rate * (x[:, None] * dZ1)
        b1 -= learn_rate * dZ1
        return error * error

    def train(self, data, all_y_trues, learn_rate=0.1, epochs=1000, verbose=True, log_every=10):
        """Per-sample SGD over the rows in order; returns the list of per-epoch losses.

        Same contract as the scalar twin: after each epoch the loss over the
        whole data set is recorded (and printed every ``log_every`` epochs
        when ``verbose``).
        """
        rows, labels = check.check_dataset(data, all_y_trues)
        learn_rate = check.check_learn_rate(learn_rate)
        epochs = check.check_int("epochs", epochs, low=0)
        log_every = check.check_int("log_every", log_every, low=1)
        X = np.array(rows, dtype=np.float64)
        y_trues = np.array(labels, dtype=np.float64)
        samples = list(zip(X, labels))     # row views and Python floats, made once
        losses = []
        for epoch in range(epochs):
            for x, y_true in samples:
                self._sgd_step(x, y_true, learn_rate)
            loss = mse_loss(y_trues, self._forward(X))
            losses.append(loss)
            if verbose and epoch % log_every == 0:
                print("Epoch %d loss: %.3f" % (epoch, loss))
        return losses

    def get_weights(self):
        """The nine numbers as a dict {"w1": ..., ..., "b3": ...} of Python floats."""
        return {name: getattr(self, name) for name in WEIGHT_NAMES}

    def to_params(self):
        """The arrays {"W1": (2, 2), "b1": (2,), "W2": (2, 1), "b2": (1,)}, as copies."""
        return {name: value.copy() for name, value in self.params.items()}

    @classmethod
    def from_params(cls, params):
        """A network from the MLP layout {W1, b1, W2, b2} (lists or arrays)."""
        return cls(weights=params_to_weights(params))
