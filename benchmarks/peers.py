"""The peers: the same workloads in PyTorch, scikit-learn and micrograd.

Every peer starts from the vector twin's initial weights, sees the same
batches and takes the same optimizer steps as the twins.  ``peer_stepper``
returns a function that runs the next step and returns its loss in the
twins' convention (section 4 of the conventions), so the first losses of a
peer can be laid next to the twins' to show that the timing compares the
same work.

* ``torch64`` / ``torch32``: PyTorch CPU eager, float64 / float32.  The
  forward pass is written out (``addmm`` + activation per layer), the
  gradients come from autograd and the update is written by hand with the
  conventions' rule (``v = mu v + (1 - d) g; P -= lr v``; ``torch.optim.SGD``
  would differ on the first momentum step).
* ``sklearn``: ``MLPRegressor`` / ``MLPClassifier`` with ``solver="sgd"``,
  one ``partial_fit`` call per batch (``batch_size`` = the batch, no
  shuffling, ``alpha=0``, no Nesterov).  Settings that differ are translated
  where that is exact and named in ``SKLEARN_NOTES``:
  its squared error is half the MSE (so its lr is doubled), its momentum
  folds the lr into the velocity (``u = mu u - lr' g``, equal to ours with
  ``lr' = lr (1 - dampening)``), it has no Swish (ReLU stands in on W5) and
  no sigmoid output for a regressor (W1 uses an identity output).
* ``micrograd``: Karpathy's scalar autograd engine (the PyPI package), one
  ``Value`` per number.  It only ships ``+ * ** relu``; sigmoid, tanh, exp,
  log and softplus are added below in micrograd's own style (a node with a
  local ``_backward``).  Too slow and too memory-hungry for W4 and W5.
"""

import itertools
import math
import sys
import warnings

from scalar_nn.conventions import is_classification

from .workloads import make_net, twin_inputs

PEERS = ("torch64", "torch32", "sklearn", "micrograd")

SKLEARN_NOTES = {
    "W1": "identity output instead of sigmoid (MLPRegressor has no sigmoid output for MSE); "
          "logistic hidden; lr doubled (its loss is MSE/2)",
    "W2": "lr doubled (its loss is MSE/2); otherwise identical",
    "W3": "identical (softmax + log-loss, classic momentum via lr' = lr, nesterovs_momentum=False)",
    "W4": "identical up to rounding (EMA momentum as u = 0.8 u - lr(1-0.8) g; log-loss clips p to [eps, 1-eps])",
    "W5": "ReLU hidden instead of Swish (scikit-learn has no Swish); lr doubled (its loss is MSE/2)",
}


def peer_available(peer):
    """None if the peer's package imports, else the reason it does not."""
    module = {"torch64": "torch", "torch32": "torch", "sklearn": "sklearn", "micrograd": "micrograd"}[peer]
    try:
        __import__(module)
    except ImportError as exc:
        return "%s not installed (%s)" % (module, exc)
    return None


def peer_supports(w, peer):
    """None if the peer runs workload ``w``, else the reason it does not."""
    if peer == "micrograd" and w.micrograd_rounds is None:
        return w.notes.split("; ")[-1] if "micrograd" in w.notes else "not run"
    return None


def initial_params(w):
    """The vector twin's initial parameters (float64 arrays), the peers' starting point."""
    return make_net(w, "vector").params


def peer_stepper(w, peer, steps, quick=False):
    """(step function returning the loss, description) for ``peer`` on ``w``."""
    X, Y, batches = twin_inputs(w, "vector", steps, quick)
    params0 = initial_params(w)
    if peer in ("torch64", "torch32"):
        return _torch_stepper(w, X, Y, batches, params0, peer)
    if peer == "sklearn":
        return _sklearn_stepper(w, X, Y, batches, params0)
    if peer == "micrograd":
        return _micrograd_stepper(w, X, Y, batches, params0)
    raise ValueError("unknown peer %r" % peer)


# ------------------------------------------------------------------ torch
def _torch_stepper(w, X, Y, batches, params0, peer):
    import torch
    import torch.nn.functional as F

    dtype = torch.float64 if peer == "torch64" else torch.float32
    L = len(w.sizes) - 1
    tX = torch.from_numpy(X).to(dtype)
    tY = torch.from_numpy(Y) if w.loss == "cross_entropy" else torch.from_numpy(Y).to(dtype)
    names = ["%s%d" % (p, k) for k in range(1, L + 1) for p in ("W", "b")]
    P = {n: torch.tensor(params0[n], dtype=dtype, requires_grad=True) for n in names}
    velocity = {n: torch.zeros_like(P[n]) for n in names}
    act = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "swish": F.silu}[w.hidden]
    kind, kw = w.optimizer
    lr, mu, d = kw["lr"], kw.get("momentum", 0.0), kw.get("dampening", 0.0)
    tbatches = [None if b is None else torch.from_numpy(b) for b in batches]
    cycle = itertools.cycle(tbatches)

    def loss_of(Z, y):
        if w.loss == "cross_entropy":
            return F.cross_entropy(Z, y)
        if w.loss == "bce":
            return F.binary_cross_entropy_with_logits(Z, y)
        Yhat = torch.sigmoid(Z) if w.output == "sigmoid" else Z
        return F.mse_loss(Yhat, y)

    def step():
        idx = next(cycle)
        xb, yb = (tX, tY) if idx is None else (tX[idx], tY[idx])
        A = xb
        for k in range(1, L):
            A = act(torch.addmm(P["b%d" % k], A, P["W%d" % k]))
        loss = loss_of(torch.addmm(P["b%d" % L], A, P["W%d" % L]), yb)
        for p in P.values():
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for n, p in P.items():
                if mu == 0.0:
                    p.sub_(p.grad, alpha=lr)
                else:
                    v = velocity[n]
                    v.mul_(mu).add_(p.grad, alpha=1.0 - d)
                    p.sub_(v, alpha=lr)
        return loss.item()

    return step, "PyTorch %s eager %s, hand-written update" % (torch.__version__, str(dtype).replace("torch.", ""))


# ---------------------------------------------------------------- sklearn
def _sklearn_stepper(w, X, Y, batches, params0):
    import numpy as np
    import sklearn
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier, MLPRegressor

    warnings.simplefilter("ignore", ConvergenceWarning)
    L = len(w.sizes) - 1
    kind, kw = w.optimizer
    lr, mu, d = kw["lr"], kw.get("momentum", 0.0), kw.get("dampening", 0.0)
    classifier = is_classification(w.loss)
    lr_sk = lr * (1.0 - d) if mu > 0.0 else lr
    if not classifier:
        lr_sk *= 2.0                      # its loss is MSE / 2
    activation = {"sigmoid": "logistic", "tanh": "tanh", "relu": "relu", "swish": "relu"}[w.hidden]
    B = X.shape[0] if batches[0] is None else len(batches[0])
    options = dict(hidden_layer_sizes=tuple(w.sizes[1:-1]), activation=activation, solver="sgd",
                   alpha=0.0, batch_size=B, learning_rate="constant", learning_rate_init=lr_sk,
                   momentum=mu, nesterovs_momentum=False, shuffle=False, max_iter=1,
                   early_stopping=False, random_state=0)
    model = MLPClassifier(**options) if classifier else MLPRegressor(**options)
    y_all = Y.ravel()
    classes = np.arange(w.sizes[-1]) if w.loss == "cross_entropy" else np.array([0.0, 1.0])
    cycle = itertools.cycle(batches)

    def batch():
        idx = next(cycle)
        return (X, y_all) if idx is None else (X[idx], y_all[idx])

    # partial_fit initialises the model (and takes one step): then put our
    # initial weights in place (in place: the optimizer holds these arrays)
    # and reset the momentum.
    xb, yb = batch()
    if classifier:
        model.partial_fit(xb, yb, classes=classes)
    else:
        model.partial_fit(xb, yb)
    for k in range(1, L + 1):
        model.coefs_[k - 1][...] = params0["W%d" % k]
        model.intercepts_[k - 1][...] = params0["b%d" % k]
    model._optimizer.velocities = [np.zeros_like(p) for p in model.coefs_ + model.intercepts_]
    for _ in range(len(batches) - 1):     # back to the first batch
        next(cycle)
    scale = 1.0 if classifier else 2.0

    def step():
        xb, yb = batch()
        model.partial_fit(xb, yb)
        return model.loss_ * scale

    return step, "scikit-learn %s %s(partial_fit, sgd): %s" % (
        sklearn.__version__, type(model).__name__, SKLEARN_NOTES[w.key])


# -------------------------------------------------------------- micrograd
def _unary(Value, x, value, local_grad, op):
    """A micrograd node out = f(x) with d out / d x = local_grad (micrograd's own pattern)."""
    out = Value(value, (x,), op)

    def _backward():
        x.grad += local_grad * out.grad
    out._backward = _backward
    return out


def _micrograd_ops(Value):
    """sigmoid, tanh, swish, exp, log, softplus as micrograd nodes."""
    def sigmoid(x):
        z = x.data
        s = 1.0 / (1.0 + math.exp(-z)) if z >= 0.0 else math.exp(z) / (1.0 + math.exp(z))
        return _unary(Value, x, s, s * (1.0 - s), "sigmoid")

    def tanh(x):
        t = math.tanh(x.data)
        return _unary(Value, x, t, 1.0 - t * t, "tanh")

    def swish(x):
        z = x.data
        s = 1.0 / (1.0 + math.exp(-z)) if z >= 0.0 else math.exp(z) / (1.0 + math.exp(z))
        return _unary(Value, x, z * s, s * (1.0 + z * (1.0 - s)), "swish")

    def exp(x):
        e = math.exp(x.data)
        return _unary(Value, x, e, e, "exp")

    def log(x):
        return _unary(Value, x, math.log(x.data), 1.0 / x.data, "log")

    def softplus(x):
        z = x.data
        s = 1.0 / (1.0 + math.exp(-z)) if z >= 0.0 else math.exp(z) / (1.0 + math.exp(z))
        return _unary(Value, x, max(z, 0.0) + math.log1p(math.exp(-abs(z))), s, "softplus")

    return {"sigmoid": sigmoid, "tanh": tanh, "swish": swish, "relu": lambda x: x.relu(),
            "exp": exp, "log": log, "softplus": softplus}


def _micrograd_stepper(w, X, Y, batches, params0):
    from micrograd.engine import Value

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20000))   # backward() recurses over the graph
    ops = _micrograd_ops(Value)
    act = ops[w.hidden]
    L = len(w.sizes) - 1
    Wv = {k: [[Value(float(v)) for v in row] for row in params0["W%d" % k].tolist()] for k in range(1, L + 1)}
    bv = {k: [Value(float(v)) for v in params0["b%d" % k].tolist()] for k in range(1, L + 1)}
    all_params = [v for k in range(1, L + 1) for row in Wv[k] for v in row] + \
                 [v for k in range(1, L + 1) for v in bv[k]]
    velocity = [0.0] * len(all_params)
    kind, kw = w.optimizer
    lr, mu, d = kw["lr"], kw.get("momentum", 0.0), kw.get("dampening", 0.0)
    Xl = X.tolist()
    Yl = Y.tolist()
    cycle = itertools.cycle(batches)

    def layer(A, k, hidden):
        W, b = Wv[k], bv[k]
        n_out = len(b)
        out = []
        for a in A:
            row = []
            for j in range(n_out):
                z = sum((a[i] * W[i][j] for i in range(len(a))), b[j])
                row.append(act(z) if hidden else z)
            out.append(row)
        return out

    def loss_of(Z, yb):
        m, n = len(Z), len(Z[0])
        if w.loss == "cross_entropy":
            total = 0.0
            for z, y in zip(Z, yb):
                top = max(v.data for v in z)
                total = total + ops["log"](sum(ops["exp"](v - top) for v in z)) + top - z[y]
            return total * (1.0 / m)
        if w.loss == "bce":
            total = 0.0
            for z, y in zip(Z, yb):
                for v, t in zip(z, y):
                    total = total + t * ops["softplus"](-v) + (1.0 - t) * ops["softplus"](v)
            return total * (1.0 / (m * n))
        total = 0.0
        for z, y in zip(Z, yb):
            for v, t in zip(z, y):
                yh = ops["sigmoid"](v) if w.output == "sigmoid" else v
                total = total + (yh - t) ** 2
        return total * (1.0 / (m * n))

    def step():
        idx = next(cycle)
        rows = range(len(Xl)) if idx is None else idx.tolist()
        A = [[Value(v) for v in Xl[i]] for i in rows]
        for k in range(1, L):
            A = layer(A, k, True)
        loss = loss_of(layer(A, L, False), [Yl[i] for i in rows])
        for p in all_params:
            p.grad = 0.0
        loss.backward()
        for i, p in enumerate(all_params):
            if mu == 0.0:
                p.data -= lr * p.grad
            else:
                velocity[i] = mu * velocity[i] + (1.0 - d) * p.grad
                p.data -= lr * velocity[i]
        return loss.data

    return step, "micrograd (PyPI 0.1.0 engine, sigmoid/tanh/swish/exp/log/softplus added as nodes)"
