"""A multi-layer perceptron on whole arrays: the twin of ``scalar_nn/mlp.py``.

The same forward and backward pass, one matrix operation per line of the
scalar twin's loops::

    Z_k = A_{k-1} @ W_k + b_k           dW_k = A_{k-1}.T @ dZ_k + l2 W_k
    A_k = act(U_k) [* M_k / (1 - p)]    db_k = dZ_k.sum(axis=0) + l2_bias b_k
                                        dA_{k-1} = dZ_k @ W_k.T

Parameters are float64 arrays: ``W_k`` (n_{k-1}, n_k), ``b_k`` (n_k,).
Dropout masks come from the same counter-based stream as the scalar twin's,
evaluated on a whole (m, n_k) index grid at once.

Speed (the benchmarks' W5 is a 2000 x 64 Swish layer): the hidden layers'
(m, n_k) arrays -- Z_k, A_k, s(Z_k), dA_k and a scratch array -- are
written with ``out=`` into work buffers that the network keeps from step to
step (``_buffer``), the activation's forward pass hands the backward pass
what it computed (``activations._activate_into`` / ``_times_prime``), and
the column sums are one BLAS call.  Without the buffers each step allocates
about twenty fresh megabyte arrays, and paging them in costs more than the
arithmetic.  The values are the plain formulas' (same operations, same
order), except that ``db`` sums in another order and the hidden layers'
sigmoid is the four-pass 1 / (1 + exp(-z)) (within 2 ulp of ``sigmoid``).
Nothing handed back to the caller (Yhat, the loss, the gradients) lives in
a buffer.
"""

import numpy as np

from scalar_nn.mlp import _checked_param as _scalar_checked_param

from . import rng
from .activations import _activate_into, _times_prime
from .conventions import BN_EPS, BN_MOMENTUM, param_names, param_shapes
from .init import init_buffers, init_params
from .losses import data_loss, output_activation, output_delta
from .validation import as_masks, as_matrix, as_targets, check_model, check_number

_WORK_BATCH_SIZES = 4            # work buffers are kept for this many batch sizes
_WORK_MAX_BYTES = 64 * 2 ** 20   # larger intermediates are not kept between calls


class MLP:
    """A fully connected network; ``params``/``buffers`` hold float64 arrays.

    Same constructor, attributes and methods as ``scalar_nn.mlp.MLP``.
    """

    def __init__(self, sizes, hidden="sigmoid", output="linear", loss="mse", seed=0,
                 l2=0.0, l2_bias=0.0, dropout=0.0, batchnorm=False, bn_momentum=BN_MOMENTUM):
        self._configure(sizes, hidden, output, loss, seed, l2, l2_bias, dropout, batchnorm, bn_momentum)
        self.params = init_params(self.sizes, hidden, self.seed, batchnorm)
        self.buffers = init_buffers(self.sizes) if batchnorm else {}

    @classmethod
    def from_params(cls, params, hidden="sigmoid", output="linear", loss="mse", buffers=None, **options):
        """A network with the given parameters (nested lists or arrays, copied)."""
        sizes = sizes_from_params(params)
        batchnorm = "gamma1" in params
        net = cls.__new__(cls)
        net._configure(sizes, hidden, output, loss, options.pop("seed", 0), batchnorm=batchnorm, **options)
        expected = param_names(net.n_layers, batchnorm)
        unknown = sorted(set(params) - set(expected))
        if unknown:
            raise ValueError("unexpected parameter names %s (expected %s)" % (unknown, expected))
        shapes = param_shapes(sizes, batchnorm)
        net.params = {}
        for name in expected:
            if name not in params:
                raise ValueError("parameter %s is missing" % name)
            net.params[name] = _checked_param(name, params[name], shapes[name])
        net.buffers = init_buffers(sizes) if batchnorm else {}
        for name, value in (buffers or {}).items():
            if name not in net.buffers:
                raise ValueError("unexpected buffer name %r" % name)
            net.buffers[name] = _checked_param(name, value, net.buffers[name].shape)
        return net

    def _configure(self, sizes, hidden, output, loss, seed=0, l2=0.0, l2_bias=0.0, dropout=0.0,
                   batchnorm=False, bn_momentum=BN_MOMENTUM):
        """Check and store the architecture and hyperparameters (as the scalar twin)."""
        self.sizes = check_model(sizes, hidden, output, loss)
        self.hidden, self.output, self.loss_name = hidden, output, loss
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError("seed must be an int, got %r" % (seed,))
        self.seed = int(seed)
        self.l2 = check_number("l2", l2, low=0.0)
        self.l2_bias = check_number("l2_bias", l2_bias, low=0.0)
        self.dropout = check_number("dropout", dropout, low=0.0, high=1.0, high_inclusive=False)
        self.batchnorm = bool(batchnorm)
        self.bn_momentum = check_number("bn_momentum", bn_momentum, low=0.0, high=1.0)
        self.training = True
        self.draws = 0
        self.last_masks = None
        self.last_output = None
        self._work = {}          # batch size m -> {name: work array}, see _buffer

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
            u = rng.uniforms(key, m * n_k).reshape(m, n_k)
            masks.append((u >= self.dropout).astype(np.float64))
        self.draws += 1
        return masks

    def _buffer(self, name, shape):
        """A float64 work array for the intermediate ``name`` (e.g. "Z1"), kept for the next call.

        One set per batch size m (the last _WORK_BATCH_SIZES sizes seen); an
        array over _WORK_MAX_BYTES is made for this call only, so that a
        huge ``predict`` does not stay in memory.  Contents are garbage until
        written.
        """
        per_m = self._work.get(shape[0])
        if per_m is None:
            if len(self._work) >= _WORK_BATCH_SIZES:
                del self._work[next(iter(self._work))]          # the oldest batch size
            per_m = self._work[shape[0]] = {}
        buf = per_m.get(name)
        if buf is None or buf.shape != shape:
            buf = np.empty(shape)
            if buf.nbytes <= _WORK_MAX_BYTES:
                per_m[name] = buf
        return buf

    def _forward(self, X, training, masks, update_stats):
        """Forward pass on clean arrays; returns (Z_L, Yhat, caches).

        Hidden layers write into work buffers (``_buffer``); Z_L and Yhat are new arrays.
        """
        A = X
        caches = []
        keep = 1.0 - self.dropout
        m = X.shape[0]
        for k in range(1, self.n_layers):
            shape = (m, self.sizes[k])
            Z = np.matmul(A, self.params["W%d" % k], out=self._buffer("Z%d" % k, shape))
            Z += self.params["b%d" % k]                          # A_{k-1} @ W_k + b_k
            cache = {"A_prev": A, "Z": Z, "U": Z, "M": None, "bn": None}
            if self.batchnorm:
                cache["U"], cache["bn"] = self._batchnorm_forward(Z, k, training, update_stats)
            S = self._buffer("S%d" % k, shape) if self.hidden == "swish" else None
            A, cache["saved"] = _activate_into(self.hidden, cache["U"], self._buffer("A%d" % k, shape), S)
            if masks is not None:
                M = masks[k - 1]
                A = np.multiply(A, M, out=self._buffer("dropped%d" % k, shape))
                A /= keep                                        # act(U) * M / (1 - p)
                cache["M"] = M
            caches.append(cache)
        L = self.n_layers
        Z_L = A @ self.params["W%d" % L] + self.params["b%d" % L]
        caches.append({"A_prev": A})
        return Z_L, output_activation(self.output, Z_L), caches

    def _batchnorm_forward(self, Z, k, training, update_stats):
        """U = gamma * (Z - mu) / sqrt(var + eps) + beta, column statistics over the rows."""
        gamma, beta = self.params["gamma%d" % k], self.params["beta%d" % k]
        m = Z.shape[0]
        if training:
            if m < 2:
                raise ValueError("BatchNorm cannot normalise a batch of one row in training mode")
            mu = Z.mean(axis=0)
            var = ((Z - mu) * (Z - mu)).mean(axis=0)
            if update_stats:
                self._update_running_stats(k, mu, var, m)
        else:
            mu, var = self.buffers["running_mean%d" % k], self.buffers["running_var%d" % k]
        std = np.sqrt(var + BN_EPS)
        Zhat = (Z - mu) / std
        U = gamma * Zhat + beta
        return U, {"Zhat": Zhat, "std": std, "training": training}

    def _update_running_stats(self, k, mu, var, m):
        """running = (1 - momentum) * running + momentum * batch statistic (in place)."""
        c = self.bn_momentum
        rm, rv = self.buffers["running_mean%d" % k], self.buffers["running_var%d" % k]
        rm[...] = (1.0 - c) * rm + c * mu
        rv[...] = (1.0 - c) * rv + c * var * m / (m - 1)

    def forward(self, X, training=False, masks=None):
        """Yhat for X (m, n_0) -> (m, n_L); training=True uses masks and batch statistics."""
        X = as_matrix(X, "X", self.sizes[0])
        if masks is not None:
            if not training or self.dropout == 0.0:
                raise ValueError("masks were given but this forward pass applies no dropout "
                                 "(dropout=0 or training=False)")
            masks = as_masks(masks, X.shape[0], self.sizes[1:-1])
        return self._forward(X, training, masks if training else None, update_stats=False)[1]

    def predict(self, X):
        """Inference-mode output Yhat (m, n_L)."""
        return self.forward(X, training=False)

    # -------------------------------------------------------------------- loss
    def l2_penalty(self):
        """(l2 / 2) sum_k ||W_k||^2 + (l2_bias / 2) sum_k ||b_k||^2."""
        penalty = 0.0
        L = self.n_layers
        if self.l2 > 0.0:
            penalty += self.l2 / 2.0 * sum(float(np.sum(self.params["W%d" % k] ** 2)) for k in range(1, L + 1))
        if self.l2_bias > 0.0:
            penalty += self.l2_bias / 2.0 * sum(float(np.sum(self.params["b%d" % k] ** 2)) for k in range(1, L + 1))
        return penalty

    def loss(self, X, Y):
        """Total loss (data loss + L2) of the batch in inference mode."""
        X = as_matrix(X, "X", self.sizes[0])
        Y = as_targets(Y, self.loss_name, X.shape[0], self.sizes[-1])
        Z, Yhat, _ = self._forward(X, False, None, update_stats=False)
        return data_loss(self.output, self.loss_name, Z, Yhat, Y) + self.l2_penalty()

    def loss_and_grads(self, X, Y, masks=None):
        """One forward and backward pass: (total loss, grads), parameters unchanged."""
        X = as_matrix(X, "X", self.sizes[0])
        Y = as_targets(Y, self.loss_name, X.shape[0], self.sizes[-1])
        if masks is not None:
            if not self.training or self.dropout == 0.0:
                raise ValueError("masks were given but this network applies no dropout "
                                 "(dropout=0 or eval mode)")
            masks = as_masks(masks, X.shape[0], self.sizes[1:-1])
        return self._loss_and_grads(X, Y, masks)

    def _loss_and_grads(self, X, Y, masks=None):
        """loss_and_grads on data already checked (the training loop checks once, not every step)."""
        if masks is None and self.training and self.dropout > 0.0:
            masks = self.draw_masks(X.shape[0])
        self.last_masks = masks
        Z, Yhat, caches = self._forward(X, self.training, masks, update_stats=self.training)
        self.last_output = Yhat
        loss = data_loss(self.output, self.loss_name, Z, Yhat, Y) + self.l2_penalty()
        grads = self._backward(output_delta(self.output, self.loss_name, Z, Yhat, Y), caches)
        return loss, grads

    # ---------------------------------------------------------------- backward
    def _backward(self, dZ, caches):
        """Gradients of the total loss, from dZ_L down to layer 1."""
        grads = {}
        keep = 1.0 - self.dropout
        for k in range(self.n_layers, 0, -1):
            W, b = self.params["W%d" % k], self.params["b%d" % k]
            A_prev = caches[k - 1]["A_prev"]
            if A_prev.shape[0] == 1:         # one row: an outer product, one broadcast multiply
                dW = A_prev.T * dZ
            else:
                dW = A_prev.T @ dZ                               # A_{k-1}^T @ dZ_k
            db = self._column_sums(dZ)
            if self.l2 > 0.0:
                dW += self.l2 * W
            if self.l2_bias > 0.0:
                db += self.l2_bias * b
            grads["W%d" % k], grads["b%d" % k] = dW, db
            if k == 1:
                break
            cache = caches[k - 2]
            dA = self._buffer("dA%d" % (k - 1), cache["Z"].shape)
            if W.shape[1] == 1:              # an outer product: one broadcast multiply beats BLAS here
                np.multiply(dZ, W.T, out=dA)
            else:
                np.matmul(dZ, W.T, out=dA)                       # dZ_k @ W_k^T
            if cache["M"] is not None:
                dA *= cache["M"]
                dA /= keep
            dU = _times_prime(self.hidden, dA, cache["U"], cache["saved"], self._buffer("T%d" % (k - 1), dA.shape))
            if cache["bn"] is None:
                dZ = dU
            else:
                dZ, grads["gamma%d" % (k - 1)], grads["beta%d" % (k - 1)] = \
                    self._batchnorm_backward(dU, cache["bn"], k - 1)
        return {name: grads[name] for name in self.params}

    def _column_sums(self, dZ):
        """Sum over the rows of dZ (m, n) -> (n,), as the product 1^T dZ.

        One BLAS matrix-vector product: several times faster than
        ``dZ.sum(axis=0)`` on a C-ordered array (the same sum in another order).
        """
        m = dZ.shape[0]
        per_m = self._work.get(m)
        ones = None if per_m is None else per_m.get("ones")
        if ones is None:
            ones = np.ones(m)
            if per_m is not None:
                per_m["ones"] = ones
        return ones @ dZ

    def _batchnorm_backward(self, dU, bn, k):
        """(dZ, dgamma, dbeta) through BatchNorm; formulas as in the scalar twin."""
        gamma, Zhat, std = self.params["gamma%d" % k], bn["Zhat"], bn["std"]
        m = dU.shape[0]
        dbeta = dU.sum(axis=0)
        dgamma = (dU * Zhat).sum(axis=0)
        dZhat = dU * gamma
        if not bn["training"]:
            return dZhat / std, dgamma, dbeta
        sum_dZhat = dZhat.sum(axis=0)
        sum_dZhat_Zhat = (dZhat * Zhat).sum(axis=0)
        dZ = (m * dZhat - sum_dZhat - Zhat * sum_dZhat_Zhat) / m / std
        return dZ, dgamma, dbeta

    # ---------------------------------------------------------------- training
    def fit(self, X, Y, optimizer, **options):
        """Train with mini-batches; see ``training.fit``. Returns a History."""
        from .training import fit
        return fit(self, X, Y, optimizer, **options)


def sizes_from_params(params):
    """[n_0, ..., n_L] read from the shapes of W1..WL (checked to chain)."""
    if not isinstance(params, dict) or "W1" not in params:
        raise ValueError("params must be a dict with at least W1 and b1")
    sizes = []
    k = 1
    while "W%d" % k in params:
        try:
            W = np.asarray(params["W%d" % k])
        except ValueError:                      # NumPy cannot make an array of ragged rows
            raise ValueError("W%d has ragged rows" % k) from None
        if W.ndim != 2 or W.shape[1] == 0:
            raise ValueError("W%d must be a matrix (list of rows)" % k)
        n_in, n_out = W.shape
        if sizes and sizes[-1] != n_in:
            raise ValueError("W%d has %d rows but layer %d has %d units" % (k, n_in, k - 1, sizes[-1]))
        if not sizes:
            sizes.append(n_in)
        sizes.append(n_out)
        k += 1
    return sizes


def _checked_param(name, value, shape):
    """A float64 copy of a parameter, checked against ``shape`` and for finiteness."""
    try:
        a = np.array(value, dtype=np.float64)
    except (ValueError, TypeError) as exc:
        _scalar_checked_param(name, value, shape)     # the scalar loop names the bad entry and raises
        raise ValueError("%s is not a numeric array (%s)" % (name, exc)) from None
    if a.shape != tuple(shape):
        raise ValueError("%s has shape %s, expected %s" % (name, a.shape, tuple(shape)))
    if not np.isfinite(a).all():
        raise ValueError("%s holds NaN or inf: parameters must be finite" % name)
    return a
