"""A multi-layer perceptron on whole arrays: the twin of ``scalar_nn/mlp.py``.

The same layers (``layers.py``) stacked the same way, one matrix operation
where the scalar twin has a loop::

    Z_k = A_{k-1} @ W_k + b_k           dW_k = A_{k-1}.T @ dZ_k + l2 W_k
    A_k = act(U_k) [* M_k / (1 - p)]    db_k = dZ_k.sum(axis=0) + l2_bias b_k
                                        dA_{k-1} = dZ_k @ W_k.T

Parameters are float64 arrays: ``W_k`` (n_{k-1}, n_k), ``b_k`` (n_k,).
Dropout masks come from the same counter-based stream as the scalar twin's,
evaluated on a whole (m, n_k) index grid at once.  This is the plain twin,
written to be read; ``vector_nn.fast`` is the same network tuned for speed.

Every sum and every exp/log/tanh goes through the network's backend
``self.xp`` (``linalg.Arrays``): NumPy's, or with ``exact=True`` exact
mode's (``vector_nn/exact.py``), which sums in the scalar twin's order and
makes the network bit-identical to ``scalar_nn.mlp.MLP``.
"""

import numpy as np

from scalar_nn.conventions import BN_EPS, BN_MOMENTUM, param_shapes
from scalar_nn.toolkit import checks as _shared
from scalar_nn.toolkit import netconfig

from . import rng
from .init import init_buffers, init_params
from .layers import (activation_backward, activation_forward, affine_backward, affine_backward_input,
                     affine_forward, batchnorm_backward, batchnorm_forward, dropout_backward,
                     dropout_forward)
from .linalg import NUMPY
from .losses import data_loss, output_activation, output_delta
from .toolkit import validation as check
from .toolkit.ops import ARRAY_OPS


class MLP:
    """A fully connected network; ``params``/``buffers`` hold float64 arrays.

    Same constructor, attributes and methods as ``scalar_nn.mlp.MLP``.
    """

    ops = ARRAY_OPS     # what the training loop asks of this twin (toolkit/ops.py)
    exact = False       # exact=True: the scalar twin's sums, bit for bit (vector_nn/exact.py)
    xp = NUMPY          # the backend: the sums and elementwise functions (linalg.Arrays)

    def __init__(self, sizes, hidden="sigmoid", output="linear", loss="mse", seed=0,
                 l2=0.0, l2_bias=0.0, dropout=0.0, batchnorm=False, bn_momentum=BN_MOMENTUM, exact=False):
        netconfig.configure(self, sizes, hidden, output, loss, seed, l2, l2_bias, dropout, batchnorm, bn_momentum)
        self.exact, self.xp = backend(exact)
        self.params = init_params(self.sizes, hidden, self.seed, batchnorm)
        self.buffers = init_buffers(self.sizes) if batchnorm else {}

    @classmethod
    def from_params(cls, params, hidden="sigmoid", output="linear", loss="mse", buffers=None, exact=False,
                    **options):
        """A network with the given parameters (nested lists or arrays, copied)."""
        net = cls.__new__(cls)
        sizes, batchnorm = netconfig.sizes_from_params(params, options)
        netconfig.configure(net, sizes, hidden, output, loss, batchnorm=batchnorm, **options)
        net.exact, net.xp = backend(exact)
        net.params, net.buffers = netconfig.checked_params(params, buffers, param_shapes(sizes, batchnorm),
                                                         init_buffers(sizes) if batchnorm else {}, net.as_param)
        return net

    @staticmethod
    def as_param(value):
        """A checked parameter (lists) as a float64 array."""
        return np.array(value, dtype=np.float64)

    @property
    def n_layers(self):
        """L, the number of weight layers (len(sizes) - 1)."""
        return len(self.sizes) - 1

    def train(self):
        """Training mode: dropout on, BatchNorm on batch statistics."""
        self.training = True
        return self

    def eval(self):
        """Inference mode: no dropout, BatchNorm on running statistics."""
        self.training = False
        return self

    def __repr__(self):
        text = netconfig.describe_net(self)
        return text[:-1] + ", exact=True)" if self.exact else text

    # ----------------------------------------------------------------- forward
    def draw_masks(self, m):
        """Dropout masks, one (m, n_k) 0/1 array per hidden layer: the scalar twin's draws.

        M_k = uniform(key_for(seed, DROPOUT, draws, k), i * n_k + j) >= p over the
        whole (i, j) grid at once.  Each call advances ``draws``.
        """
        masks = []
        for k in range(1, self.n_layers):
            n_k = self.sizes[k]
            key = rng.key_for(self.seed, rng.DROPOUT, self.draws, k)
            masks.append((rng.uniforms(key, m * n_k).reshape(m, n_k) >= self.dropout).astype(np.float64))
        self.draws += 1
        return masks

    def forward_with_cache(self, X, training=False, masks=None, update_stats=False):
        """The forward pass on a clean array X (m, n_0): (Z_L, Yhat, caches), as in the scalar twin."""
        A, caches = X, []
        xp = self.xp
        for k in range(1, self.n_layers):
            cache = {"bn": None, "drop": None}
            Z, cache["affine"] = affine_forward(A, self.params["W%d" % k], self.params["b%d" % k], xp)
            if self.batchnorm:
                Z, cache["bn"] = self.batchnorm_layer(Z, k, training, update_stats)
            A, cache["act"] = activation_forward(self.hidden, Z, xp)
            if masks is not None:
                A, cache["drop"] = dropout_forward(A, masks[k - 1], self.dropout)
            caches.append(cache)
        L = self.n_layers
        Z_L, affine_cache = affine_forward(A, self.params["W%d" % L], self.params["b%d" % L], xp)
        caches.append({"affine": affine_cache})
        return Z_L, output_activation(self.output, Z_L, xp), caches

    def batchnorm_layer(self, Z, k, training, update_stats):
        """BatchNorm of layer k: batch statistics in training (moving the running ones), else running.

    running = (1 - momentum) running + momentum * batch statistic, in place, with
    the unbiased variance var * m / (m - 1) (docs/CONVENTIONS.md, section 12).
    """
        gamma, beta = self.params["gamma%d" % k], self.params["beta%d" % k]
        rm, rv = self.buffers["running_mean%d" % k], self.buffers["running_var%d" % k]
        if not training:
            return batchnorm_forward(Z, gamma, beta, BN_EPS, rm, rv, self.xp)
        m = _shared.batchnorm_rows(Z.shape[0])
        U, cache = batchnorm_forward(Z, gamma, beta, BN_EPS, xp=self.xp)
        if update_stats:
            c = self.bn_momentum
            rm[...] = (1.0 - c) * rm + c * cache["mu"]
            rv[...] = (1.0 - c) * rv + c * cache["var"] * m / (m - 1)
        return U, cache

    def forward(self, X, training=False, masks=None):
        """Yhat for X (m, n_0) -> (m, n_L); no running statistic moves (this is for looking)."""
        X = check.as_matrix(X, "X", self.sizes[0], check.net_dtype(self))
        masks = _shared.forward_masks(self, masks, X.shape[0], training, check.as_masks)
        return self.forward_with_cache(X, training, masks if training else None)[1]

    def predict(self, X):
        """Inference-mode output Yhat (m, n_L): no dropout, BatchNorm on running statistics."""
        return self.forward(X, training=False)

    # -------------------------------------------------------------------- loss
    def data_loss(self, Z, Yhat, Y):
        """The data loss of the output/loss pair (losses.py), without L2."""
        return data_loss(self.output, self.loss_name, Z, Yhat, Y, self.xp)

    def l2_penalty(self):
        """(l2 / 2) sum_k ||W_k||^2 + (l2_bias / 2) sum_k ||b_k||^2 (note the 1/2)."""
        # exercise 6.1
        layers = range(1, self.n_layers + 1)
        sum_squares = self.xp.sum_squares
        penalty = 0.0
        if self.l2 > 0.0:
            penalty += self.l2 / 2.0 * sum(sum_squares(self.params["W%d" % k]) for k in layers)
        if self.l2_bias > 0.0:
            penalty += self.l2_bias / 2.0 * sum(sum_squares(self.params["b%d" % k]) for k in layers)
        return penalty

    def loss(self, X, Y):
        """Total loss (data loss + L2) of the batch in inference mode."""
        X = check.as_matrix(X, "X", self.sizes[0], check.net_dtype(self))
        Y = check.as_targets(Y, self.loss_name, X.shape[0], self.sizes[-1], check.net_dtype(self))
        Z, Yhat, _ = self.forward_with_cache(X, training=False)
        return self.data_loss(Z, Yhat, Y) + self.l2_penalty()

    def loss_and_grads(self, X, Y, masks=None):
        """One forward and backward pass: (total loss, grads), parameters unchanged.

        In training mode (the default) dropout masks are applied (drawn with
        ``draw_masks`` unless given) and BatchNorm uses, and updates, batch
        statistics.  ``grads`` has exactly the keys and shapes of ``params``.
        Plain float64 arrays are checked in full only if something looks wrong
        (``toolkit.validation.plain_batch``, the array side of ``scalar_nn.toolkit.checks``), as in the scalar twin.
        """
        plain = check.plain_batch(self, X, Y) if masks is None else None
        if plain is not None:
            with np.errstate(over="ignore", invalid="ignore"):   # a NaN/inf entry gets its clear error, not a warning
                return _shared.deferred_check(self, plain[0], plain[1], self.loss_and_grads_clean,
                                              check.full_check, check.finite_loss_and_matrix)
        X = check.as_matrix(X, "X", self.sizes[0], check.net_dtype(self))
        Y = check.as_targets(Y, self.loss_name, X.shape[0], self.sizes[-1], check.net_dtype(self))
        masks = _shared.forward_masks(self, masks, X.shape[0], None, check.as_masks)
        loss, grads, _ = self.loss_and_grads_clean(X, Y, masks)
        return loss, grads

    def loss_and_grads_clean(self, X, Y, masks=None):
        """The training pass on arrays already checked: (total loss, grads, Yhat), as in the scalar twin."""
        if masks is None and self.training and self.dropout > 0.0:
            masks = self.draw_masks(X.shape[0])
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
        xp = self.xp
        for k in range(self.n_layers, 0, -1):
            W, b = self.params["W%d" % k], self.params["b%d" % k]
            dW, db = affine_backward(dZ, caches[k - 1]["affine"], xp)
            if self.l2 > 0.0:                                       # d/dW of (l2/2)||W||^2 = l2 W
                dW = dW + self.l2 * W
            if self.l2_bias > 0.0:
                db = db + self.l2_bias * b
            grads["W%d" % k], grads["b%d" % k] = dW, db
            if k == 1:
                break
            dA = affine_backward_input(dZ, caches[k - 1]["affine"], xp)
            below = caches[k - 2]                                   # the hidden layer k - 1
            if below["drop"] is not None:
                dA = dropout_backward(dA, below["drop"])
            dZ = activation_backward(dA, below["act"], xp)
            if below["bn"] is not None:
                dZ, grads["gamma%d" % (k - 1)], grads["beta%d" % (k - 1)] = batchnorm_backward(dZ, below["bn"], xp)
        return {name: grads[name] for name in self.params}

    # ---------------------------------------------------------------- training
    def fit(self, X, Y, optimizer, **options):
        """Train with mini-batches; see ``scalar_nn.toolkit.training.fit``. Returns a History."""
        from scalar_nn.toolkit.training import fit
        return fit(self, X, Y, optimizer, **options)


def backend(exact):
    """(exact, xp) for the ``exact`` option: NumPy's backend, or exact mode's (``vector_nn.exact.EXACT``).

    Exact mode's module is imported on first use: its self-check compares
    NumPy's elementwise functions with ``math``'s once per process.
    """
    if isinstance(exact, str) or exact not in (True, False):
        raise TypeError("exact must be True or False, got %r" % (exact,))
    if not exact:
        return False, NUMPY
    from .exact import EXACT
    return True, EXACT
