"""A multi-layer perceptron of any depth and width, one float at a time.

Shapes (``docs/CONVENTIONS.md``): ``sizes = [n_0, ..., n_L]``; ``W_k`` is
(n_{k-1}, n_k), ``b_k`` is (n_k,), a batch ``X`` is (m, n_0).

Forward pass, for k = 1..L::

    Z_k = A_{k-1} @ W_k + b_k                  (m, n_k)
    U_k = gamma_k * (Z_k - mu) / sqrt(var + eps) + beta_k    (BatchNorm only)
    A_k = act(U_k)          [* M_k / (1 - p) with dropout]   (hidden layers)
    Yhat = output(Z_L)                          (linear / sigmoid / softmax)

Backward pass (the chain rule, layer by layer, from the loss down)::

    dZ_L = dL/dZ_L                              (losses.output_delta)
    dW_k = A_{k-1}^T @ dZ_k + l2 W_k            (n_{k-1}, n_k)
    db_k = sum over rows of dZ_k + l2_bias b_k  (n_k,)
    dA_{k-1} = dZ_k @ W_k^T  [* M_{k-1} / (1 - p)]
    dZ_{k-1} = dA_{k-1} * act'(U_{k-1})         (then back through BatchNorm)

Every step of the forward pass keeps what its backward step will need in a
``cache`` (the CS231n habit): the layer's input, its pre-activation, its mask.
"""

import math

from . import rng
from .activations import activate, activate_prime
from .conventions import BN_EPS, BN_MOMENTUM, param_names, param_shapes
from .init import init_buffers, init_params
from .linalg import (
    add_row,
    column_means,
    column_sums,
    copy,
    hadamard,
    matmul,
    sum_squares,
    transpose,
)
from .losses import data_loss, output_activation, output_delta
from .validation import as_masks, as_matrix, as_targets, check_model, check_number


class MLP:
    """A fully connected network: hidden layers with one activation, then an output/loss pair.

    ``net.params`` maps "W1", "b1", ... (and "gamma1", "beta1", ... with
    BatchNorm) to lists of rows / lists of floats; ``net.buffers`` holds the
    BatchNorm running statistics.  A new network starts in training mode.
    """

    def __init__(self, sizes, hidden="sigmoid", output="linear", loss="mse", seed=0,
                 l2=0.0, l2_bias=0.0, dropout=0.0, batchnorm=False, bn_momentum=BN_MOMENTUM):
        self._configure(sizes, hidden, output, loss, seed, l2, l2_bias, dropout, batchnorm, bn_momentum)
        self.params = init_params(self.sizes, hidden, self.seed, batchnorm)
        self.buffers = init_buffers(self.sizes) if batchnorm else {}

    @classmethod
    def from_params(cls, params, hidden="sigmoid", output="linear", loss="mse", buffers=None, **options):
        """A network with the given parameters; sizes are read from their shapes.

        ``params`` needs W1, b1, ..., WL, bL with matching shapes (and gamma_k,
        beta_k for every hidden layer when BatchNorm is wanted; ``buffers`` then
        may give running_mean_k / running_var_k).  Values are copied.
        """
        sizes = sizes_from_params(params)
        batchnorm = "gamma1" in params
        net = cls.__new__(cls)
        net._configure(sizes, hidden, output, loss, options.pop("seed", 0), batchnorm=batchnorm, **options)
        expected = param_names(net.n_layers, batchnorm)
        unknown = sorted(set(params) - set(expected))
        if unknown:
            raise ValueError("unexpected parameter names %s (expected %s)" % (unknown, expected))
        net.params = {}
        for name in expected:
            if name not in params:
                raise ValueError("parameter %s is missing" % name)
            net.params[name] = _checked_param(name, params[name], _shape_of(net, name))
        net.buffers = init_buffers(sizes) if batchnorm else {}
        for name, value in (buffers or {}).items():
            if name not in net.buffers:
                raise ValueError("unexpected buffer name %r" % name)
            net.buffers[name] = _checked_param(name, value, (len(net.buffers[name]),))
        return net

    def _configure(self, sizes, hidden, output, loss, seed=0, l2=0.0, l2_bias=0.0, dropout=0.0,
                   batchnorm=False, bn_momentum=BN_MOMENTUM):
        """Check and store the architecture and hyperparameters."""
        self.sizes = check_model(sizes, hidden, output, loss)
        self.hidden, self.output, self.loss_name = hidden, output, loss
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise TypeError("seed must be an int, got %r" % (seed,))
        self.seed = seed
        self.l2 = check_number("l2", l2, low=0.0)
        self.l2_bias = check_number("l2_bias", l2_bias, low=0.0)
        self.dropout = check_number("dropout", dropout, low=0.0, high=1.0, high_inclusive=False)
        self.batchnorm = bool(batchnorm)
        self.bn_momentum = check_number("bn_momentum", bn_momentum, low=0.0, high=1.0)
        self.training = True
        self.draws = 0           # dropout mask draws so far: the counter of the DROPOUT stream
        self.last_masks = None
        self.last_output = None  # Yhat of the last loss_and_grads (training-mode forward)

    @property
    def n_layers(self):
        """L, the number of weight layers (len(sizes) - 1)."""
        return len(self.sizes) - 1

    def train(self):
        """Training mode: dropout is on, BatchNorm uses (and updates) batch statistics."""
        self.training = True
        return self

    def eval(self):
        """Inference mode: no dropout, BatchNorm uses its running statistics."""
        self.training = False
        return self

    # ----------------------------------------------------------------- forward
    def draw_masks(self, m):
        """Dropout masks for a batch of m rows: one (m, n_k) 0/1 matrix per hidden layer.

        M_k[i][j] = 1 (keep) iff uniform(key_for(seed, DROPOUT, draws, k), i*n_k + j) >= p,
        so an entry is kept with probability 1 - p.  Each call advances ``draws``.
        """
        masks = []
        for k in range(1, self.n_layers):
            n_k = self.sizes[k]
            key = rng.key_for(self.seed, rng.DROPOUT, self.draws, k)
            masks.append([[1.0 if rng.uniform(key, i * n_k + j) >= self.dropout else 0.0
                           for j in range(n_k)] for i in range(m)])
        self.draws += 1
        return masks

    def _forward(self, X, training, masks, update_stats):
        """Forward pass on clean data; returns (Z_L, Yhat, caches), one cache per hidden layer."""
        A = X
        caches = []
        for k in range(1, self.n_layers):
            Z = add_row(matmul(A, self.params["W%d" % k]), self.params["b%d" % k])
            cache = {"A_prev": A, "Z": Z, "U": Z, "M": None, "bn": None}
            if self.batchnorm:
                cache["U"], cache["bn"] = self._batchnorm_forward(Z, k, training, update_stats)
            A = activate(self.hidden, cache["U"])
            if masks is not None:
                keep = 1.0 - self.dropout
                M = masks[k - 1]
                A = [[a * mk / keep for a, mk in zip(a_row, m_row)] for a_row, m_row in zip(A, M)]
                cache["M"] = M
            caches.append(cache)
        L = self.n_layers
        Z_L = add_row(matmul(A, self.params["W%d" % L]), self.params["b%d" % L])
        caches.append({"A_prev": A})
        return Z_L, output_activation(self.output, Z_L), caches

    def _batchnorm_forward(self, Z, k, training, update_stats):
        """U = gamma * Zhat + beta with Zhat = (Z - mu) / sqrt(var + eps), per column.

        Training: mu, var are the batch's column mean and (biased) variance and
        the running statistics move towards them (unbiased variance
        var * m / (m - 1)).  Inference: the running statistics stand in.
        """
        gamma, beta = self.params["gamma%d" % k], self.params["beta%d" % k]
        m = len(Z)
        if training:
            if m < 2:
                raise ValueError("BatchNorm cannot normalise a batch of one row in training mode")
            mu = column_means(Z)
            var = column_means([[(z - u) * (z - u) for z, u in zip(row, mu)] for row in Z])
            if update_stats:
                self._update_running_stats(k, mu, var, m)
        else:
            mu, var = self.buffers["running_mean%d" % k], self.buffers["running_var%d" % k]
        std = [math.sqrt(v + BN_EPS) for v in var]
        Zhat = [[(z - u) / s for z, u, s in zip(row, mu, std)] for row in Z]
        U = [[g * zh + bt for zh, g, bt in zip(row, gamma, beta)] for row in Zhat]
        return U, {"Zhat": Zhat, "std": std, "training": training}

    def _update_running_stats(self, k, mu, var, m):
        """running = (1 - momentum) * running + momentum * batch statistic."""
        c = self.bn_momentum
        rm, rv = self.buffers["running_mean%d" % k], self.buffers["running_var%d" % k]
        for j in range(len(mu)):
            rm[j] = (1.0 - c) * rm[j] + c * mu[j]
            rv[j] = (1.0 - c) * rv[j] + c * var[j] * m / (m - 1)

    def forward(self, X, training=False, masks=None):
        """Yhat for X (m, n_0) -> (m, n_L); training=True uses masks and batch statistics.

        No running statistic is updated: this is for looking, not for training.
        """
        X = as_matrix(X, "X", self.sizes[0])
        if masks is not None:
            if not training or self.dropout == 0.0:
                raise ValueError("masks were given but this forward pass applies no dropout "
                                 "(dropout=0 or training=False)")
            masks = as_masks(masks, len(X), self.sizes[1:-1])
        return self._forward(X, training, masks if training else None, update_stats=False)[1]

    def predict(self, X):
        """Inference-mode output Yhat (m, n_L): no dropout, BatchNorm on running statistics."""
        return self.forward(X, training=False)

    # -------------------------------------------------------------------- loss
    def l2_penalty(self):
        """(l2 / 2) sum_k ||W_k||^2 + (l2_bias / 2) sum_k ||b_k||^2."""
        penalty = 0.0
        if self.l2 > 0.0:
            penalty += self.l2 / 2.0 * sum(sum_squares(self.params["W%d" % k]) for k in range(1, self.n_layers + 1))
        if self.l2_bias > 0.0:
            penalty += self.l2_bias / 2.0 * sum(sum_squares(self.params["b%d" % k]) for k in range(1, self.n_layers + 1))
        return penalty

    def loss(self, X, Y):
        """Total loss (data loss + L2) of the batch in inference mode."""
        X = as_matrix(X, "X", self.sizes[0])
        Y = as_targets(Y, self.loss_name, len(X), self.sizes[-1])
        Z, Yhat, _ = self._forward(X, False, None, update_stats=False)
        return data_loss(self.output, self.loss_name, Z, Yhat, Y) + self.l2_penalty()

    def loss_and_grads(self, X, Y, masks=None):
        """One forward and backward pass: (total loss, grads), parameters unchanged.

        In training mode (the default) dropout masks are applied (drawn with
        ``draw_masks`` unless given) and BatchNorm uses, and updates, batch
        statistics.  ``grads`` has exactly the keys and shapes of ``params``.
        """
        X = as_matrix(X, "X", self.sizes[0])
        Y = as_targets(Y, self.loss_name, len(X), self.sizes[-1])
        if masks is not None:
            if not self.training or self.dropout == 0.0:
                raise ValueError("masks were given but this network applies no dropout "
                                 "(dropout=0 or eval mode)")
            masks = as_masks(masks, len(X), self.sizes[1:-1])
        return self._loss_and_grads(X, Y, masks)

    def _loss_and_grads(self, X, Y, masks=None):
        """loss_and_grads on data already checked (the training loop checks once, not every step)."""
        if masks is None and self.training and self.dropout > 0.0:
            masks = self.draw_masks(len(X))
        self.last_masks = masks
        Z, Yhat, caches = self._forward(X, self.training, masks, update_stats=self.training)
        self.last_output = Yhat
        loss = data_loss(self.output, self.loss_name, Z, Yhat, Y) + self.l2_penalty()
        grads = self._backward(output_delta(self.output, self.loss_name, Z, Yhat, Y), caches)
        return loss, grads

    # ---------------------------------------------------------------- backward
    def _backward(self, dZ, caches):
        """Gradients of the total loss for every parameter, from dZ_L down to layer 1."""
        grads = {}
        keep = 1.0 - self.dropout
        for k in range(self.n_layers, 0, -1):
            W, b = self.params["W%d" % k], self.params["b%d" % k]
            A_prev = caches[k - 1]["A_prev"]
            dW = matmul(transpose(A_prev), dZ)                       # A_{k-1}^T @ dZ_k
            db = column_sums(dZ)                                     # sum over rows of dZ_k
            if self.l2 > 0.0:
                dW = [[g + self.l2 * w for g, w in zip(g_row, w_row)] for g_row, w_row in zip(dW, W)]
            if self.l2_bias > 0.0:
                db = [g + self.l2_bias * bj for g, bj in zip(db, b)]
            grads["W%d" % k], grads["b%d" % k] = dW, db
            if k == 1:
                break
            cache = caches[k - 2]                                    # the hidden layer k-1
            dA = matmul(dZ, transpose(W))                            # dZ_k @ W_k^T
            if cache["M"] is not None:
                dA = [[d * mk / keep for d, mk in zip(d_row, m_row)] for d_row, m_row in zip(dA, cache["M"])]
            dU = hadamard(dA, activate_prime(self.hidden, cache["U"]))   # dA * act'(U)
            if cache["bn"] is None:
                dZ = dU
            else:
                dZ, grads["gamma%d" % (k - 1)], grads["beta%d" % (k - 1)] = \
                    self._batchnorm_backward(dU, cache["bn"], k - 1)
        return {name: grads[name] for name in self.params}

    def _batchnorm_backward(self, dU, bn, k):
        """Back through U = gamma * Zhat + beta, Zhat = (Z - mu) / std: (dZ, dgamma, dbeta).

        dbeta = sum_i dU, dgamma = sum_i dU * Zhat, dZhat = dU * gamma.
        Training (mu, var depend on every row of the batch):
            dZ = (1/m) / std * (m dZhat - sum_i dZhat - Zhat * sum_i (dZhat * Zhat))
        Inference (running statistics are constants): dZ = dZhat / std.
        """
        gamma, Zhat, std = self.params["gamma%d" % k], bn["Zhat"], bn["std"]
        m = len(dU)
        dbeta = column_sums(dU)
        dgamma = column_sums(hadamard(dU, Zhat))
        dZhat = [[d * g for d, g in zip(row, gamma)] for row in dU]
        if not bn["training"]:
            return [[d / s for d, s in zip(row, std)] for row in dZhat], dgamma, dbeta
        sum_dZhat = column_sums(dZhat)
        sum_dZhat_Zhat = column_sums(hadamard(dZhat, Zhat))
        dZ = [[(m * d - s1 - zh * s2) / m / s
               for d, zh, s1, s2, s in zip(d_row, zh_row, sum_dZhat, sum_dZhat_Zhat, std)]
              for d_row, zh_row in zip(dZhat, Zhat)]
        return dZ, dgamma, dbeta

    # ---------------------------------------------------------------- training
    def fit(self, X, Y, optimizer, **options):
        """Train with mini-batches; see ``training.fit`` for the options. Returns a History."""
        from .training import fit
        return fit(self, X, Y, optimizer, **options)


def sizes_from_params(params):
    """[n_0, ..., n_L] read from the shapes of W1..WL (checked to chain)."""
    if not isinstance(params, dict) or "W1" not in params:
        raise ValueError("params must be a dict with at least W1 and b1")
    sizes = []
    k = 1
    while "W%d" % k in params:
        W = params["W%d" % k]
        if hasattr(W, "tolist"):
            W = W.tolist()
        if not W or not isinstance(W[0], (list, tuple)):
            raise ValueError("W%d must be a matrix (list of rows)" % k)
        n_in, n_out = len(W), len(W[0])
        if sizes and sizes[-1] != n_in:
            raise ValueError("W%d has %d rows but layer %d has %d units" % (k, n_in, k - 1, sizes[-1]))
        if not sizes:
            sizes.append(n_in)
        sizes.append(n_out)
        k += 1
    return sizes


def _shape_of(net, name):
    """The shape a parameter must have in ``net``."""
    return param_shapes(net.sizes, net.batchnorm)[name]


def _checked_param(name, value, shape):
    """A copy of a parameter as lists of floats, checked against ``shape`` and for finiteness."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if len(shape) == 2:
        rows = as_matrix(value, name, shape[1])
        if len(rows) != shape[0]:
            raise ValueError("%s has %d rows, expected %d" % (name, len(rows), shape[0]))
        return rows
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or \
            any(hasattr(v, "__len__") for v in value):
        raise ValueError("%s must be a flat vector of %d numbers" % (name, shape[0]))
    row = as_matrix([value], name, shape[0])[0]
    return copy(row)
