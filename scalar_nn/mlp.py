"""A multi-layer perceptron of any depth and width: the layers of ``layers.py``, stacked.

Shapes (docs/CONVENTIONS.md, section 1): ``sizes = [n_0, ..., n_L]``; ``W_k``
is (n_{k-1}, n_k), ``b_k`` is (n_k,), a batch ``X`` is (m, n_0).

Forward pass, for each hidden layer k = 1..L-1, then the output layer L::

    Z_k = A_{k-1} @ W_k + b_k                     affine       (m, n_k)
    U_k = gamma_k * Zhat_k + beta_k               batchnorm    (only with batchnorm=True)
    A_k = act(U_k)                                activation
    A_k = A_k * M_k / (1 - p)                     dropout      (only in training, p > 0)
    Z_L = A_{L-1} @ W_L + b_L;  Yhat = output(Z_L)  (linear / sigmoid / softmax, losses.py)

Backward pass: the same layers in reverse, each handed dL/d(its output)::

    dZ_L = dL/dZ_L                                (losses.output_delta)
    dW_k, db_k = A_{k-1}^T @ dZ_k + l2 W_k, sum_i dZ_k + l2_bias b_k
    dA_{k-1} = dZ_k @ W_k^T, then back through dropout, act and batchnorm of layer k-1

Each forward function returns a cache that its backward partner reads; the
network keeps one dict of caches per layer between the two passes.
"""

from . import rng
from .conventions import BN_EPS, BN_MOMENTUM, param_shapes
from .init import init_buffers, init_params
from .layers import (activation_backward, activation_forward, affine_backward, affine_backward_input,
                     affine_forward, batchnorm_backward, batchnorm_forward, dropout_backward,
                     dropout_forward)
from .linalg import sum_squares
from .losses import data_loss, output_activation, output_delta
from .toolkit import checks as check
from .toolkit import netconfig
from .toolkit.training import LIST_OPS


class MLP:
    """A fully connected network: hidden layers with one activation, then an output/loss pair.

    ``net.params`` maps "W1", "b1", ... (and "gamma1", "beta1", ... with
    BatchNorm) to lists of rows / lists of floats; ``net.buffers`` holds the
    BatchNorm running statistics.  A new network starts in training mode.
    """

    ops = LIST_OPS      # what the training loop asks of this twin (toolkit/training.py)

    def __init__(self, sizes, hidden="sigmoid", output="linear", loss="mse", seed=0,
                 l2=0.0, l2_bias=0.0, dropout=0.0, batchnorm=False, bn_momentum=BN_MOMENTUM):
        netconfig.configure(self, sizes, hidden, output, loss, seed, l2, l2_bias, dropout, batchnorm, bn_momentum)
        self.params = init_params(self.sizes, hidden, self.seed, batchnorm)
        self.buffers = init_buffers(self.sizes) if batchnorm else {}

    @classmethod
    def from_params(cls, params, hidden="sigmoid", output="linear", loss="mse", buffers=None, **options):
        """A network with the given parameters (copied); sizes are read from their shapes.

        BatchNorm is on when ``params`` holds gamma1 (``buffers`` may then give
        running_mean_k / running_var_k).  Errors name the bad parameter.
        """
        net = cls.__new__(cls)
        sizes, batchnorm = netconfig.sizes_from_params(params, options)
        netconfig.configure(net, sizes, hidden, output, loss, batchnorm=batchnorm, **options)
        net.params, net.buffers = netconfig.checked_params(params, buffers, param_shapes(sizes, batchnorm),
                                                           init_buffers(sizes) if batchnorm else {}, net.as_param)
        return net

    @staticmethod
    def as_param(value):
        """A checked parameter (lists) in this twin's type: lists of floats, as they are."""
        return value

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

    def __repr__(self):
        return netconfig.describe_net(self)

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

    def forward_with_cache(self, X, training=False, masks=None, update_stats=False):
        """The forward pass on clean data X (m, n_0): (Z_L, Yhat, caches).

        ``training`` picks batch statistics for BatchNorm; ``masks`` (one per
        hidden layer) turns dropout on; ``update_stats`` moves the running
        statistics.  caches[k - 1] is layer k's dict of layer caches:
        "affine", "bn", "act", "drop" (None where the layer has none).
        """
        A, caches = X, []
        for k in range(1, self.n_layers):
            cache = {"bn": None, "drop": None}
            Z, cache["affine"] = affine_forward(A, self.params["W%d" % k], self.params["b%d" % k])
            if self.batchnorm:
                Z, cache["bn"] = self.batchnorm_layer(Z, k, training, update_stats)
            A, cache["act"] = activation_forward(self.hidden, Z)
            if masks is not None:
                A, cache["drop"] = dropout_forward(A, masks[k - 1], self.dropout)
            caches.append(cache)
        L = self.n_layers
        Z_L, affine_cache = affine_forward(A, self.params["W%d" % L], self.params["b%d" % L])
        caches.append({"affine": affine_cache})
        return Z_L, output_activation(self.output, Z_L), caches

    def batchnorm_layer(self, Z, k, training, update_stats):
        """BatchNorm of layer k: batch statistics in training (moving the running ones), else running.

        running = (1 - momentum) running + momentum * batch statistic, with the
        unbiased variance var * m / (m - 1) (docs/CONVENTIONS.md, section 12).
        """
        gamma, beta = self.params["gamma%d" % k], self.params["beta%d" % k]
        rm, rv = self.buffers["running_mean%d" % k], self.buffers["running_var%d" % k]
        if not training:
            return batchnorm_forward(Z, gamma, beta, BN_EPS, rm, rv)
        m = check.batchnorm_rows(len(Z))
        U, cache = batchnorm_forward(Z, gamma, beta, BN_EPS)
        if update_stats:
            c = self.bn_momentum
            for j in range(len(rm)):
                rm[j] = (1.0 - c) * rm[j] + c * cache["mu"][j]
                rv[j] = (1.0 - c) * rv[j] + c * cache["var"][j] * m / (m - 1)
        return U, cache

    def forward(self, X, training=False, masks=None):
        """Yhat for X (m, n_0) -> (m, n_L); no running statistic moves (this is for looking)."""
        X = check.as_matrix(X, "X", self.sizes[0])
        masks = check.forward_masks(self, masks, len(X), training)
        return self.forward_with_cache(X, training, masks if training else None)[1]

    def predict(self, X):
        """Inference-mode output Yhat (m, n_L): no dropout, BatchNorm on running statistics."""
        return self.forward(X, training=False)

    # -------------------------------------------------------------------- loss
    def data_loss(self, Z, Yhat, Y):
        """The data loss of the output/loss pair (losses.py), without L2."""
        return data_loss(self.output, self.loss_name, Z, Yhat, Y)

    def l2_penalty(self):
        """(l2 / 2) sum_k ||W_k||^2 + (l2_bias / 2) sum_k ||b_k||^2 (note the 1/2)."""
        # exercise 6.1
        layers = range(1, self.n_layers + 1)
        penalty = 0.0
        if self.l2 > 0.0:
            penalty += self.l2 / 2.0 * sum(sum_squares(self.params["W%d" % k]) for k in layers)
        if self.l2_bias > 0.0:
            penalty += self.l2_bias / 2.0 * sum(sum_squares(self.params["b%d" % k]) for k in layers)
        return penalty

    def loss(self, X, Y):
        """Total loss (data loss + L2) of the batch in inference mode."""
        X = check.as_matrix(X, "X", self.sizes[0])
        Y = check.as_targets(Y, self.loss_name, len(X), self.sizes[-1])
        Z, Yhat, _ = self.forward_with_cache(X, training=False)
        return self.data_loss(Z, Yhat, Y) + self.l2_penalty()

    def loss_and_grads(self, X, Y, masks=None):
        """One forward and backward pass: (total loss, grads), parameters unchanged.

        In training mode (the default) dropout masks are applied (drawn with
        ``draw_masks`` unless given) and BatchNorm uses, and updates, batch
        statistics.  ``grads`` has exactly the keys and shapes of ``params``.
        A plain batch is checked in full only if something looks wrong
        (``toolkit.checks.plain_batch``: bad input still fails with its name).
        """
        plain = check.plain_batch(self, X, Y) if masks is None else None
        if plain is not None:
            return check.deferred_check(self, plain[0], plain[1], self.loss_and_grads_clean, check.full_check,
                                        check.finite_loss_and_matrix)
        X = check.as_matrix(X, "X", self.sizes[0])
        Y = check.as_targets(Y, self.loss_name, len(X), self.sizes[-1])
        loss, grads, _ = self.loss_and_grads_clean(X, Y, check.forward_masks(self, masks, len(X), None))
        return loss, grads

    def loss_and_grads_clean(self, X, Y, masks=None):
        """The training pass on data already checked: (total loss, grads, Yhat).

        ``fit`` checks the data once and calls this at every step; it needs
        the output Yhat (m, n_L) too, for the training metric.
        """
        if masks is None and self.training and self.dropout > 0.0:
            masks = self.draw_masks(len(X))
        self.last_masks = masks
        Z, Yhat, caches = self.forward_with_cache(X, self.training, masks, update_stats=self.training)
        self.last_output = Yhat
        loss = self.data_loss(Z, Yhat, Y) + self.l2_penalty()
        return loss, self.backward(output_delta(self.output, self.loss_name, Z, Yhat, Y), caches), Yhat

    # ---------------------------------------------------------------- backward
    def backward(self, dZ, caches):
        """Gradients of the total loss for every parameter, from dZ_L (m, n_L) down to layer 1."""
        # exercise 6.2
        grads = {}
        for k in range(self.n_layers, 0, -1):
            W, b = self.params["W%d" % k], self.params["b%d" % k]
            dW, db = affine_backward(dZ, caches[k - 1]["affine"])
            if self.l2 > 0.0:                                       # d/dW of (l2/2)||W||^2 = l2 W
                dW = [[g + self.l2 * w for g, w in zip(g_row, w_row)] for g_row, w_row in zip(dW, W)]
            if self.l2_bias > 0.0:
                db = [g + self.l2_bias * bj for g, bj in zip(db, b)]
            grads["W%d" % k], grads["b%d" % k] = dW, db
            if k == 1:
                break
            dA = affine_backward_input(dZ, caches[k - 1]["affine"])
            below = caches[k - 2]                                   # the hidden layer k - 1
            if below["drop"] is not None:
                dA = dropout_backward(dA, below["drop"])
            dZ = activation_backward(dA, below["act"])
            if below["bn"] is not None:
                dZ, grads["gamma%d" % (k - 1)], grads["beta%d" % (k - 1)] = batchnorm_backward(dZ, below["bn"])
        return {name: grads[name] for name in self.params}

    # ---------------------------------------------------------------- training
    def fit(self, X, Y, optimizer, **options):
        """Train with mini-batches; see ``toolkit.training.fit`` for the options. Returns a History."""
        from .toolkit.training import fit
        return fit(self, X, Y, optimizer, **options)

