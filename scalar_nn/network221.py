"""The classic 2-2-1 network, one named number at a time: start here.

This is the "neural network from scratch" of Victor Zhou's tutorial
(victorzhou.com/blog/intro-to-neural-networks): two inputs, one hidden layer
of two sigmoid neurons, one sigmoid output neuron, nine named numbers::

    x1 --w1--> h1        h1 --w5--> o1
    x2 --w2--> h1        h2 --w6--> o1
    x1 --w3--> h2
    x2 --w4--> h2        (plus a bias b1, b2, b3 in each neuron)

    h1 = sigmoid(w1*x1 + w2*x2 + b1)
    h2 = sigmoid(w3*x1 + w4*x2 + b2)
    o1 = sigmoid(w5*h1 + w6*h2 + b3)          y_pred = o1

It learns by stochastic gradient descent (SGD) on one sample at a time, with
the squared error of that sample as the loss::

    L = (y_true - y_pred)^2

and every weight moves against its partial derivative, found by the chain
rule: w <- w - learn_rate * dL/dw.  The general ``MLP`` hides the chain rule
inside matrix products; here (``Network221._sgd_step``) every partial
derivative has its own line and name, to follow with pencil and paper
(``parity_tests/lesson/test_network221.py`` does, with numbers).  One ``train_step``
is exactly one SGD step (momentum 0, no decay) of
``MLP([2, 2, 1], hidden="sigmoid", output="sigmoid", loss="mse")`` on that
single sample (m = n_L = 1, so the conventions' ``mse`` is this L).  The
conversion to that MLP's arrays, ``W1 = [[w1, w3], [w2, w4]]``,
``b1 = [b1, b2]``, ``W2 = [[w5], [w6]]``, ``b2 = [b3]``, is at the end of
the file (``LAYOUT``).

Initial weights (``weights=None``): all nine numbers are standard normals,
``normal(key_for(seed, INIT, 221), i)`` for i = 0..8 in the order w1..w6,
b1, b2, b3 (biases too, as in the tutorial; layer id 221 keeps these draws
apart from the ``MLP`` initialiser's layer ids 1, 2, ...).
"""

from . import activations as _activations
from . import rng
from .toolkit import checks as check

# The nine numbers, in the order the initialiser draws them.
WEIGHT_NAMES = ("w1", "w2", "w3", "w4", "w5", "w6", "b1", "b2", "b3")

# The sigmoid and its slope of scalar_nn/activations.py (z = -1000 does not
# overflow), under the tutorial's names:
sigmoid = _activations.sigmoid
deriv_sigmoid = _activations.sigmoid_prime     # s'(z) = s(z) * (1 - s(z))


def mse_loss(y_true, y_pred):
    """Mean squared error of n predictions: (1/n) sum_i (y_true_i - y_pred_i)^2."""
    total = 0.0
    for t, p in zip(y_true, y_pred):
        e = t - p
        total += e * e
    return total / len(y_true)


def init_weights(seed):
    """The nine starting numbers {"w1": ..., "b3": ...}: standard normals.

    Number i (in the order of ``WEIGHT_NAMES``) is ``rng.normal(key, i)`` with
    ``key = rng.key_for(seed, rng.INIT, 221)``.  Random, not zero: if h1 and h2
    started equal they would get equal gradients and stay twins forever.
    """
    key = rng.key_for(seed, rng.INIT, 221)
    return {name: rng.normal(key, i) for i, name in enumerate(WEIGHT_NAMES)}


class Network221:
    """A 2-2-1 sigmoid network with the named numbers w1..w6, b1..b3.

    ``Network221(seed=0)`` draws the starting numbers (``init_weights``);
    ``Network221(weights={"w1": 1.0, ..., "b3": 0.0})`` starts from given ones.
    The nine numbers are plain float attributes: ``net.w5 = 0.3`` changes one.
    """

    def __init__(self, seed=0, weights=None):
        if weights is None:
            weights = init_weights(seed)
        else:
            weights = check.check_weights(weights, WEIGHT_NAMES)
        self.w1, self.w2 = weights["w1"], weights["w2"]     # hidden neuron h1: from x1, x2
        self.w3, self.w4 = weights["w3"], weights["w4"]     # hidden neuron h2: from x1, x2
        self.w5, self.w6 = weights["w5"], weights["w6"]     # output neuron o1: from h1, h2
        self.b1, self.b2, self.b3 = weights["b1"], weights["b2"], weights["b3"]  # of h1, h2, o1

    def feedforward(self, x):
        """y_pred for one sample x = [x1, x2] (a float in (0, 1))."""
        return self._forward([check.check_sample(x)])[0]

    def _forward(self, X):
        """y_pred (a list of m floats) for every row [x1, x2] of an already-checked batch X."""
        # exercise 0.1
        y_preds = []
        for x1, x2 in X:
            h1 = sigmoid(self.w1 * x1 + self.w2 * x2 + self.b1)
            h2 = sigmoid(self.w3 * x1 + self.w4 * x2 + self.b2)
            o1 = sigmoid(self.w5 * h1 + self.w6 * h2 + self.b3)
            y_preds.append(o1)
        return y_preds

    def train_step(self, x, y_true, learn_rate):
        """One SGD update on one sample; returns that sample's loss before the update.

        x = [x1, x2], y_true a float, learn_rate > 0.  Every weight becomes
        w - learn_rate * dL/dw with L = (y_true - y_pred)^2, all partial
        derivatives taken at the weights *before* the update.
        """
        x = check.check_sample(x)
        y_true = check.check_number("y_true", y_true)
        learn_rate = check.check_learn_rate(learn_rate)
        return self._sgd_step(x, y_true, learn_rate)

    def _sgd_step(self, x, y_true, learn_rate):
        """``train_step`` without the input checks (``train`` checks its data once).

        The whole of backprop, one partial derivative a line; d_A_d_B is dA/dB.
        """
        # exercise 0.2
        x1, x2 = x

        # --- Forward pass, keeping the sums: backprop needs them. ---
        sum_h1 = self.w1 * x1 + self.w2 * x2 + self.b1
        h1 = sigmoid(sum_h1)
        sum_h2 = self.w3 * x1 + self.w4 * x2 + self.b2
        h2 = sigmoid(sum_h2)
        sum_o1 = self.w5 * h1 + self.w6 * h2 + self.b3
        o1 = sigmoid(sum_o1)
        y_pred = o1

        # --- Backward pass: the partial derivatives. ---
        # L = (y_true - y_pred)^2  =>  dL/dy_pred = -2 (y_true - y_pred)
        d_L_d_ypred = -2.0 * (y_true - y_pred)

        # Neuron o1: y_pred = s(sum_o1), sum_o1 = w5*h1 + w6*h2 + b3,
        # so dy_pred/dw5 = h1 * s'(sum_o1), dy_pred/dh1 = w5 * s'(sum_o1), ...
        d_ypred_d_w5 = h1 * deriv_sigmoid(sum_o1)
        d_ypred_d_w6 = h2 * deriv_sigmoid(sum_o1)
        d_ypred_d_b3 = deriv_sigmoid(sum_o1)

        d_ypred_d_h1 = self.w5 * deriv_sigmoid(sum_o1)
        d_ypred_d_h2 = self.w6 * deriv_sigmoid(sum_o1)

        # Neuron h1: h1 = s(sum_h1), sum_h1 = w1*x1 + w2*x2 + b1.
        d_h1_d_w1 = x1 * deriv_sigmoid(sum_h1)
        d_h1_d_w2 = x2 * deriv_sigmoid(sum_h1)
        d_h1_d_b1 = deriv_sigmoid(sum_h1)

        # Neuron h2: h2 = s(sum_h2), sum_h2 = w3*x1 + w4*x2 + b2.
        d_h2_d_w3 = x1 * deriv_sigmoid(sum_h2)
        d_h2_d_w4 = x2 * deriv_sigmoid(sum_h2)
        d_h2_d_b2 = deriv_sigmoid(sum_h2)

        # --- Update: w <- w - learn_rate * dL/dw, dL/dw by the chain rule. ---
        # Neuron h1: dL/dw1 = dL/dy_pred * dy_pred/dh1 * dh1/dw1.
        self.w1 -= learn_rate * d_L_d_ypred * d_ypred_d_h1 * d_h1_d_w1
        self.w2 -= learn_rate * d_L_d_ypred * d_ypred_d_h1 * d_h1_d_w2
        self.b1 -= learn_rate * d_L_d_ypred * d_ypred_d_h1 * d_h1_d_b1

        # Neuron h2: dL/dw3 = dL/dy_pred * dy_pred/dh2 * dh2/dw3.
        self.w3 -= learn_rate * d_L_d_ypred * d_ypred_d_h2 * d_h2_d_w3
        self.w4 -= learn_rate * d_L_d_ypred * d_ypred_d_h2 * d_h2_d_w4
        self.b2 -= learn_rate * d_L_d_ypred * d_ypred_d_h2 * d_h2_d_b2

        # Neuron o1: dL/dw5 = dL/dy_pred * dy_pred/dw5.
        self.w5 -= learn_rate * d_L_d_ypred * d_ypred_d_w5
        self.w6 -= learn_rate * d_L_d_ypred * d_ypred_d_w6
        self.b3 -= learn_rate * d_L_d_ypred * d_ypred_d_b3

        error = y_true - y_pred
        return error * error

    def train(self, data, all_y_trues, learn_rate=0.1, epochs=1000, verbose=True, log_every=10):
        """Per-sample SGD: ``epochs`` passes over the m rows [x1, x2], in order (no shuffling).

        After each epoch mse_loss over the whole data set is recorded, and with
        ``verbose`` printed as "Epoch %d loss: %.3f" every ``log_every`` epochs
        (0, 10, 20, ...).  Returns the list of the ``epochs`` per-epoch losses.
        """
        X, y_trues = check.check_dataset(data, all_y_trues)
        learn_rate = check.check_learn_rate(learn_rate)
        epochs = check.check_int("epochs", epochs, low=0)
        log_every = check.check_int("log_every", log_every, low=1)
        losses = []
        for epoch in range(epochs):
            for x, y_true in zip(X, y_trues):
                self._sgd_step(x, y_true, learn_rate)
            loss = mse_loss(y_trues, self._forward(X))
            losses.append(loss)
            if verbose and epoch % log_every == 0:
                print("Epoch %d loss: %.3f" % (epoch, loss))
        return losses

    def get_weights(self):
        """The nine numbers as a dict {"w1": ..., ..., "b3": ...} of floats."""
        return {name: getattr(self, name) for name in WEIGHT_NAMES}

    def to_params(self):
        """The network in the MLP layout {"W1": 2x2, "b1": 2, "W2": 2x1, "b2": 1}, as new lists."""
        return weights_to_params(self.get_weights())

    @classmethod
    def from_params(cls, params):
        """A network from the MLP layout {W1, b1, W2, b2} (the inverse of ``to_params``)."""
        return cls(weights=params_to_weights(params))


# --- The same network in the MLP layout (docs/CONVENTIONS.md section 1) ---
# A layer is a matrix W_k of shape (n_in, n_out): row = input, column = unit.
# Hidden unit h1 is column 0 and reads x1 through w1 (row 0), x2 through w2
# (row 1); the *array* b1 holds the biases of h1 and h2.  LAYOUT maps each
# named number to (array, index); PARAM_SHAPES gives each array's shape.

LAYOUT = {
    "w1": ("W1", (0, 0)),   # x1 -> h1
    "w2": ("W1", (1, 0)),   # x2 -> h1
    "w3": ("W1", (0, 1)),   # x1 -> h2
    "w4": ("W1", (1, 1)),   # x2 -> h2
    "w5": ("W2", (0, 0)),   # h1 -> o1
    "w6": ("W2", (1, 0)),   # h2 -> o1
    "b1": ("b1", (0,)),     # bias of h1
    "b2": ("b1", (1,)),     # bias of h2
    "b3": ("b2", (0,)),     # bias of o1
}

PARAM_SHAPES = {"W1": (2, 2), "b1": (2,), "W2": (2, 1), "b2": (1,)}


def weights_to_params(weights):
    """The nine named numbers -> the MLP layout {W1 (2x2), b1 (2), W2 (2x1), b2 (1)}."""
    params = {"W1": [[0.0, 0.0], [0.0, 0.0]], "b1": [0.0, 0.0], "W2": [[0.0], [0.0]], "b2": [0.0]}
    for name, (array, index) in LAYOUT.items():
        if len(index) == 2:
            params[array][index[0]][index[1]] = weights[name]
        else:
            params[array][index[0]] = weights[name]
    return params


def params_to_weights(params):
    """The MLP layout {W1, b1, W2, b2} (lists or arrays, checked) -> the nine numbers."""
    clean = check.check_params221(params, PARAM_SHAPES)
    weights = {}
    for name, (array, index) in LAYOUT.items():
        if len(index) == 2:
            weights[name] = clean[array][index[0]][index[1]]
        else:
            weights[name] = clean[array][index[0]]
    return weights
