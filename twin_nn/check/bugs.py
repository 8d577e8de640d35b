"""The bug library: the mistakes ``twin-nn check`` can name, each plantable in a reference.

``loss_and_grads(params, X, Y, config, bug=None, layer=None)`` is a plain
NumPy forward and backward pass written the way a learner writes one
(docs/CONVENTIONS.md sections 2-7).  With ``bug=None`` it computes twin-nn's
numbers; with a bug id from ``BUGS`` it computes what a learner who made that
mistake computes, and with ``layer=k`` the mistake is made in layer k only
(a *scoped* variant).  ``mutant(bug, layer)`` returns such a function with the
protocol's signature, and ``variants(config)`` lists every (bug, layer) that
can show on a configuration, scoped ones first.  The diagnoser runs them on
the learner's inputs (``diagnose.py``); the exercises grade with them too.

``Bug.kind`` is "bug" or "convention" (another book's rule, not a mistake:
the answer then says "your numbers are twin-nn's under convention X").
Level-2 ids (the optimizer) are in ``optimizer_bugs.py``.
"""

from collections import namedtuple

Bug = namedtuple("Bug", "id kind message where section lesson")

_B = [
    Bug("missing-factor-2", "bug", "every gradient is 1/2 of twin-nn's: the 2 of d(yhat - y)^2 = 2 (yhat - y) is "
        "missing from dZ_L, while the loss is right", "dZ_L", 4, "losses.output_delta"),
    Bug("half-mse", "convention", "your loss and gradients are twin-nn's for half the MSE, sum (yhat - y)^2 / (2N) "
        "(the Nielsen and scikit-learn form); twin-nn's MSE has no 1/2", "loss and dZ_L", 4, "losses.data_loss"),
    Bug("missing-mean", "bug", "the loss and every gradient are N times twin-nn's: the 1/N of the mean is "
        "missing (a sum, not a mean)", "loss and dZ_L", 4, "losses.output_delta"),
    Bug("mean-over-rows-only", "bug", "the loss and every gradient are n_L times twin-nn's: 1/m instead of "
        "1/(m n_L); mse and bce average over every entry", "loss and dZ_L", 4, "losses.output_delta"),
    Bug("sign-flipped", "bug", "the data gradients have the wrong sign: dZ_L = (Y - Yhat)... instead of "
        "(Yhat - Y)...", "dZ_L", 4, "losses.output_delta"),
    Bug("target-shape", "bug", "the (m,) target was broadcast against the (m, 1) output: Yhat - Y became an "
        "(m, m) array, so the loss and dZ_L mix every row with every target", "loss and dZ_L", 1,
        "losses.data_loss"),
    Bug("activation-derivative-of-output", "bug", "the activation's derivative was taken at the activation "
        "A = act(Z) instead of at Z: act'(A) in place of act'(Z)", "dZ of a hidden layer", 3,
        "activations.activate_prime"),
    Bug("missing-activation-derivative", "bug", "the activation's derivative is missing: dZ = dA instead of "
        "dA * act'(Z)", "dZ of a layer", 3, "layers.activation_backward"),
    Bug("transposed-weight-gradient", "bug", "dW is transposed: it must be A_{k-1}^T @ dZ_k, shape "
        "(n_{k-1}, n_k) like W_k", "dW", 7, "layers.affine_backward"),
    Bug("bias-gradient-not-summed", "bug", "db is dZ itself, one row per sample: sum it over the batch axis",
        "db", 7, "layers.affine_backward"),
    Bug("bias-gradient-averaged", "bug", "db is the mean of dZ over the rows, 1/m too small: dZ already "
        "carries the 1/N of the loss, so db is the plain sum", "db", 7, "layers.affine_backward"),
    Bug("extra-mean-in-hidden-layer", "bug", "1/m is applied again below the output: dZ_L already carries the "
        "loss's 1/N, so the hidden layers need no other", "dZ of a hidden layer", 7, "mlp.MLP.backward"),
    Bug("preactivation-instead-of-activation", "bug", "dW_k uses Z_{k-1} where it needs A_{k-1}: "
        "dW_k = A_{k-1}^T @ dZ_k, the activation that went into the layer", "dW", 7, "layers.affine_backward"),
    Bug("stale-or-updated-weights", "bug", "the gradient went back through weights already updated: "
        "dA_{k-1} = dZ_k @ W_k^T needs W_k before the step (section 9: all gradients first, then the update)",
        "dA", 9, "mlp.MLP.backward"),
    Bug("gradient-accumulated", "bug", "the gradients are not reset between calls: each step returns the sum "
        "of every step's gradients so far", "grads", 7, "mlp.MLP.backward"),
    Bug("l2-missing", "bug", "L2 is missing: the total loss has (l2/2) sum ||W||^2 and each dW_k has + l2 W_k",
        "loss and dW", 5, "mlp.MLP.l2_penalty"),
    Bug("l2-without-half", "convention", "your L2 is twin-nn's without the 1/2: l2 sum ||W||^2 with gradient "
        "2 l2 W (the nnfs form); twin-nn's is (l2/2) sum ||W||^2 with gradient l2 W", "loss and dW", 5,
        "mlp.MLP.l2_penalty"),
    Bug("l2-on-biases", "bug", "L2 is applied to the biases too: with l2_bias = 0 only the weights are "
        "regularized", "db", 5, "mlp.MLP.backward"),
    Bug("dropout-not-in-backward", "bug", "the dropout mask is not applied on the way back: a unit dropped in "
        "the forward pass must pass no gradient, dA_k * M_k / (1 - p)", "dA of a hidden layer", 6,
        "layers.dropout_backward"),
    Bug("dropout-not-rescaled", "bug", "inverted dropout divides by 1 - p: A_k = act(Z_k) * M_k / (1 - p) "
        "(and the same factor on the way back), so that inference needs no scaling", "A of a hidden layer", 6,
        "layers.dropout_forward"),
    Bug("softmax-unstable", "bug", "softmax overflows at large logits: exp(z) is inf beyond 709; subtract "
        "each row's maximum first (twin-nn stays finite)", "softmax", 4, "losses.softmax_row"),
]
BUGS = {b.id: b for b in _B}

# Mistakes made inside one layer: their scoped variants (layer=k) come first.
LAYERED = ("activation-derivative-of-output", "missing-activation-derivative", "bias-gradient-averaged",
           "extra-mean-in-hidden-layer", "preactivation-instead-of-activation", "stale-or-updated-weights",
           "l2-on-biases", "transposed-weight-gradient", "bias-gradient-not-summed")


def by_lesson(function):
    """The ids whose right form is the lesson ``function`` ("losses.output_delta"), for graders of one function."""
    return [b.id for b in _B if b.lesson == function or b.lesson.endswith("." + function)]


def variants(config, level=1):
    """Every (bug id, layer) that can show on ``config``: scoped variants (layer k) first, then whole-net."""
    L = len(config["sizes"]) - 1
    out_pair = (config["output"], config["loss"])
    scoped, whole = [], []
    for b in _B:
        if not applies(b.id, config):
            continue
        if b.id in LAYERED:
            layers = _layers(b.id, L, out_pair)
            if len(layers) == 1:              # one layer it can sit in: name it
                scoped.append((b.id, layers[0]))
                continue
            scoped += [(b.id, k) for k in layers]
        whole.append((b.id, None))
    return scoped + whole


def _layers(bug, L, out_pair):
    """The layers a layered bug can sit in."""
    if bug in ("activation-derivative-of-output", "extra-mean-in-hidden-layer"):
        return list(range(1, L))
    if bug == "missing-activation-derivative":
        return list(range(1, L)) + ([L] if out_pair == ("sigmoid", "mse") else [])
    if bug in ("preactivation-instead-of-activation", "stale-or-updated-weights"):
        return list(range(2, L + 1))
    return list(range(1, L + 1))


def applies(bug, config):
    """Can ``bug`` change the numbers of ``config``?"""
    out, loss, L, nL = config["output"], config["loss"], len(config["sizes"]) - 1, config["sizes"][-1]
    if bug in ("missing-factor-2", "half-mse"):
        return loss == "mse"
    if bug == "mean-over-rows-only":
        return loss != "cross_entropy" and nL > 1
    if bug == "target-shape":
        return loss != "cross_entropy" and nL == 1
    if bug == "activation-derivative-of-output":
        return L > 1 and config["hidden"] not in ("linear", "relu")      # relu'(a) = relu'(z)
    if bug == "extra-mean-in-hidden-layer":
        return L > 1
    if bug in ("l2-missing", "l2-without-half", "l2-on-biases"):
        return config["l2"] > 0.0 and (bug != "l2-on-biases" or config["l2_bias"] == 0.0)
    if bug == "softmax-unstable":
        return out == "softmax"
    if bug.startswith("dropout-"):
        return config.get("dropout", 0.0) > 0.0
    if bug in ("preactivation-instead-of-activation", "stale-or-updated-weights"):
        return L > 1
    return True


def mutant(bug=None, layer=None):
    """A ``loss_and_grads(params, X, Y, config)`` with ``bug`` planted (in ``layer`` only, if given)."""
    def loss_and_grads(params, X, Y, config):
        planted = bug if bug is None or applies(bug, config) else None
        return compute(params, X, Y, config, planted, layer)
    loss_and_grads.bug, loss_and_grads.layer = bug, layer
    return loss_and_grads


def _act(name, Z):
    import numpy as np
    if name == "sigmoid":
        return 0.5 * (1.0 + np.tanh(0.5 * Z))          # s(z), written differently from the twins
    if name == "tanh":
        return np.tanh(Z)
    if name == "relu":
        return np.where(Z > 0, Z, 0.0)
    if name == "swish":
        return Z * _act("sigmoid", Z)
    return Z


def _act_prime(name, Z):
    import numpy as np
    if name == "sigmoid":
        s = _act("sigmoid", Z)
        return s * (1.0 - s)
    if name == "tanh":
        return 1.0 - np.tanh(Z) ** 2
    if name == "relu":
        return (Z > 0).astype(float)
    if name == "swish":
        s = _act("sigmoid", Z)
        return s * (1.0 + Z * (1.0 - s))
    return np.ones_like(Z)


def _scope(bug, layer, want, k):
    return bug == want and (layer is None or layer == k)


def compute(params, X, Y, config, bug=None, layer=None, intermediates=None):
    """(loss, grads) of the network ``config`` describes, with ``bug`` planted (twin-nn's when None).

    ``intermediates``, a dict if given, receives Z1, A1, ..., dZ_L, ... in
    the conventions' names.
    """
    import numpy as np
    sizes, hidden, out, loss_name = config["sizes"], config["hidden"], config["output"], config["loss"]
    l2, l2_bias = config.get("l2", 0.0), config.get("l2_bias", 0.0)
    L = len(sizes) - 1
    P = {k: np.asarray(v, dtype=np.float64) for k, v in params.items()}
    X = np.asarray(X, dtype=np.float64)
    m = X.shape[0]
    p = config.get("dropout", 0.0)
    keep = 1.0 if bug == "dropout-not-rescaled" else 1.0 - p
    D = {k: np.asarray(M, dtype=np.float64) / keep for k, M in enumerate(config.get("masks") or [], 1)}
    A, Z = {0: X}, {}
    for k in range(1, L + 1):
        Z[k] = A[k - 1] @ P["W%d" % k] + P["b%d" % k]
        if k < L:
            A[k] = _act(hidden, Z[k]) * D[k] if k in D else _act(hidden, Z[k])
    ZL = Z[L]
    if loss_name == "cross_entropy":
        y = np.asarray(Y, dtype=np.int64)
        if bug == "softmax-unstable":
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                e = np.exp(ZL)
                Yhat = e / e.sum(axis=1, keepdims=True)
                data = float(-np.log(Yhat[np.arange(m), y]).sum())
        else:
            shifted = ZL - ZL.max(axis=1, keepdims=True)
            e = np.exp(shifted)
            Yhat = e / e.sum(axis=1, keepdims=True)
            data = float((np.log(e.sum(axis=1)) - shifted[np.arange(m), y]).sum())
        onehot = np.zeros_like(Yhat)
        onehot[np.arange(m), y] = 1.0
        diff, N = Yhat - onehot, m
        dZ = diff
    else:
        Yv = np.asarray(Y, dtype=np.float64)
        if out == "sigmoid":
            Yhat = _act("sigmoid", ZL)
        else:
            Yhat = ZL
        if bug == "target-shape":
            Yv = Yv[:, 0][None, :]                        # (1, m) against (m, 1): an (m, m) difference
        diff, N = Yhat - Yv, Yhat.size if bug != "target-shape" else m * m
        if loss_name == "mse":
            data = float((diff ** 2).sum())
            dZ = 2.0 * diff
            if bug == "missing-factor-2":
                dZ = diff
            if out == "sigmoid" and not _scope(bug, layer, "missing-activation-derivative", L):
                dZ = dZ * Yhat * (1.0 - Yhat)
        else:
            Zb = ZL if bug != "target-shape" else np.broadcast_to(ZL, diff.shape)
            data = float((Yv * np.logaddexp(0.0, -Zb) + (1.0 - Yv) * np.logaddexp(0.0, Zb)).sum())
            dZ = diff
        if bug == "target-shape":
            dZ = dZ.sum(axis=1, keepdims=True)
    if bug == "missing-mean":
        N = 1
    elif bug == "mean-over-rows-only":
        N = m
    data, dZ = data / N, dZ / N
    if bug == "half-mse":
        data, dZ = data / 2.0, dZ / 2.0
    if bug == "sign-flipped":
        dZ = -dZ
    lw = {"l2-missing": 0.0, "l2-without-half": 2.0 * l2}.get(bug, l2)
    lb = l2 if bug == "l2-on-biases" and l2_bias == 0.0 else l2_bias
    penalty = 0.0
    for k in range(1, L + 1):
        penalty += lw / 2.0 * float((P["W%d" % k] ** 2).sum())
        if bug == "l2-on-biases" and layer is not None and layer != k:
            continue
        penalty += lb / 2.0 * float((P["b%d" % k] ** 2).sum())
    grads = {}
    for k in range(L, 0, -1):
        if intermediates is not None:
            intermediates["dZ%d" % k] = dZ
        Ain = Z[k - 1] if _scope(bug, layer, "preactivation-instead-of-activation", k) and k > 1 else A[k - 1]
        dW = Ain.T @ dZ + lw * P["W%d" % k]
        if _scope(bug, layer, "transposed-weight-gradient", k):
            dW = dW.T
        db = dZ.sum(axis=0)
        if _scope(bug, layer, "bias-gradient-averaged", k):
            db = dZ.mean(axis=0)
        if _scope(bug, layer, "bias-gradient-not-summed", k):
            db = dZ
        db = db + (lb if (bug != "l2-on-biases" or layer in (None, k)) else l2_bias) * P["b%d" % k]
        grads["W%d" % k], grads["b%d" % k] = dW, db
        if k == 1:
            break
        W = P["W%d" % k]
        if _scope(bug, layer, "stale-or-updated-weights", k):
            W = W - config.get("lr", 0.1) * dW
        dA = dZ @ W.T
        if k - 1 in D and bug != "dropout-not-in-backward":
            dA = dA * D[k - 1]
        if _scope(bug, layer, "missing-activation-derivative", k - 1):
            dZ = dA
        elif _scope(bug, layer, "activation-derivative-of-output", k - 1):
            dZ = dA * _act_prime(hidden, A[k - 1])
        else:
            dZ = dA * _act_prime(hidden, Z[k - 1])
        if _scope(bug, layer, "extra-mean-in-hidden-layer", k - 1):
            dZ = dZ / m
    if intermediates is not None:
        for k in range(1, L + 1):
            intermediates["Z%d" % k] = Z[k]
            intermediates["A%d" % k] = A[k] if k < L else Yhat
    total = data + penalty
    return total, {name: grads[name] for name in sorted(grads, key=_order)}


def _order(name):
    return (int(name[1:]), name[0] != "W")
