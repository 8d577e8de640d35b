"""The floors: each workload's training step written as directly as possible.

The ladder in RESULTS.md puts our twins beside these minimal hand-written
steps, so that what the library costs on top of the arithmetic is visible:

* ``loop_stepper``: pure Python, lists of rows, no library code at all.  One
  function, no validation, no caches, no per-layer function calls: the
  textbook triple loop for each matrix product, the activation written in
  place, the SGD update applied to each layer as soon as its gradient is known.
  This is what ``scalar_nn``'s public ``loss_and_grads`` + ``step`` is
  measured against.
* ``numpy_stepper``: the same step in NumPy, one expression per formula
  (``A @ W + b``, ``A.T @ dZ``, ``W -= lr * dW``), fresh arrays, no buffers.
  This is what plain ``vector_nn`` and the fast engine are measured against.
* ``gemm_stepper``: only the two big matrix products of W4's step (the first
  layer's ``X @ W1`` and its weight gradient, into kept arrays): the
  arithmetic floor of that step with this machine's NumPy and BLAS.

Same math as the twins: the same initial weights (``MLP(sizes, seed=0)``),
the same batches (``twin_inputs``), the same output/loss pair and the same
SGD rule (``v = mu v + (1 - d) g; P -= lr v``), summed in the same order, so
a floor's losses and parameters follow the twin's to rounding
(``benchmarks/test_floors.py`` checks it).  Only what W1-W5 use is written:
no L2, dropout or BatchNorm, SGD only.

Python 3.9 syntax; NumPy is imported only by the NumPy floors (PyPy runs the
loop floor).
"""

import itertools
import math

from .workloads import make_net, twin_inputs


def _check_supported(w):
    kind, kw = w.optimizer
    if kind != "sgd" or set(kw) - {"lr", "momentum", "dampening"}:
        raise ValueError("the floors implement plain SGD (lr, momentum, dampening) only, not %r" % (w.optimizer,))
    return kw["lr"], kw.get("momentum", 0.0), kw.get("dampening", 0.0)


def _copy_params(w, twin):
    """The workload's initial (W, b) per layer, copied, from the twin's own MLP(sizes, seed=0)."""
    params = make_net(w, twin).params
    L = len(w.sizes) - 1
    if twin == "scalar":
        return ([[list(row) for row in params["W%d" % k]] for k in range(1, L + 1)],
                [list(params["b%d" % k]) for k in range(1, L + 1)])
    return ([params["W%d" % k].copy() for k in range(1, L + 1)],
            [params["b%d" % k].copy() for k in range(1, L + 1)])


# ------------------------------------------------------------- pure Python
def _sigmoid(z):
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _softplus(z):
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))


def _relu(z):
    return z if z > 0.0 else 0.0


def _swish(z):
    return z * _sigmoid(z)


# act'(z) from z and a = act(z): what the forward pass already knows is reused
def _sigmoid_prime(z, a):
    return a * (1.0 - a)


def _tanh_prime(z, a):
    return 1.0 - a * a


def _relu_prime(z, a):
    return 1.0 if z > 0.0 else 0.0


def _swish_prime(z, a):
    s = _sigmoid(z)
    return s * (1.0 + z * (1.0 - s))


LOOP_ACTIVATIONS = {"sigmoid": (_sigmoid, _sigmoid_prime), "tanh": (math.tanh, _tanh_prime),
                    "relu": (_relu, _relu_prime), "swish": (_swish, _swish_prime)}


def _loop_output(output, loss, Z, Y):
    """(data loss, dL/dZ) of the output layer, lists of rows (the table of scalar_nn/losses.py)."""
    m, n = len(Z), len(Z[0])
    N = m * n
    total = 0.0
    dZ = []
    if loss == "cross_entropy":
        for z_row, y in zip(Z, Y):
            top = max(z_row)
            e = [math.exp(v - top) for v in z_row]
            s = sum(e)
            total += top + math.log(s) - z_row[y]
            dZ.append([(ej / s - (1.0 if j == y else 0.0)) / m for j, ej in enumerate(e)])
        return total / m, dZ
    for z_row, y_row in zip(Z, Y):
        d_row = []
        for z, y in zip(z_row, y_row):
            if loss == "bce":
                total += y * _softplus(-z) + (1.0 - y) * _softplus(z)
                d_row.append((_sigmoid(z) - y) / N)
            elif output == "sigmoid":                       # sigmoid + mse
                p = _sigmoid(z)
                total += (p - y) * (p - y)
                d_row.append(2.0 * (p - y) / N * p * (1.0 - p))
            else:                                           # linear + mse
                total += (z - y) * (z - y)
                d_row.append(2.0 * (z - y) / N)
        dZ.append(d_row)
    return total / N, dZ


def loop_stepper(w, steps, smoke=False):
    """(step function returning the loss, [W_1..W_L], [b_1..b_L]) of the minimal pure-Python step."""
    lr, mu, d = _check_supported(w)
    X, Y, batches = twin_inputs(w, "scalar", steps, smoke)
    Ws, bs = _copy_params(w, "scalar")
    vW = [[[0.0] * len(row) for row in W] for W in Ws]
    vb = [[0.0] * len(b) for b in bs]
    act, act_prime = LOOP_ACTIVATIONS[w.hidden]
    L = len(Ws)
    cycle = itertools.cycle(batches)

    def step():
        idx = next(cycle)
        xb, yb = (X, Y) if idx is None else ([X[i] for i in idx], [Y[i] for i in idx])
        # forward: Z_k = A_{k-1} W_k + b_k, A_k = act(Z_k)
        As, Zs, A = [xb], [], xb
        for k in range(L):
            cols = list(zip(*Ws[k]))
            Z = []
            for a_row in A:
                z_row = []
                for col, bj in zip(cols, bs[k]):
                    t = 0.0
                    for a, wv in zip(a_row, col):
                        t += a * wv
                    z_row.append(t + bj)
                Z.append(z_row)
            Zs.append(Z)
            if k < L - 1:
                A = [[act(z) for z in z_row] for z_row in Z]
                As.append(A)
        loss, dZ = _loop_output(w.output, w.loss, Zs[-1], yb)
        # backward, updating each layer once its gradients (and dA, from the old W) are known
        for k in range(L - 1, -1, -1):
            W, b = Ws[k], bs[k]
            dZ_cols = list(zip(*dZ))
            dW = []
            for a_col in zip(*As[k]):                       # dW[r][c] = sum_i A[i][r] dZ[i][c]
                g_row = []
                for d_col in dZ_cols:
                    t = 0.0
                    for a, dv in zip(a_col, d_col):
                        t += a * dv
                    g_row.append(t)
                dW.append(g_row)
            db = [0.0] * len(b)
            for d_row in dZ:                                # db[c] = sum_i dZ[i][c]
                for c, dv in enumerate(d_row):
                    db[c] += dv
            if k > 0:                                       # dA = dZ W^T, then dZ_{k-1} = dA * act'(Z_{k-1})
                dZ_below = []
                for d_row, z_row, a_row in zip(dZ, Zs[k - 1], As[k]):
                    out = []
                    for w_row, z, a in zip(W, z_row, a_row):
                        t = 0.0
                        for dv, wv in zip(d_row, w_row):
                            t += dv * wv
                        out.append(t * act_prime(z, a))
                    dZ_below.append(out)
                dZ = dZ_below
            for P, G, V in zip(W + [b], dW + [db], vW[k] + [vb[k]]):
                for j in range(len(P)):
                    if mu == 0.0:
                        P[j] -= lr * G[j]
                    else:
                        V[j] = mu * V[j] + (1.0 - d) * G[j]
                        P[j] -= lr * V[j]
        return loss

    return step, Ws, bs


# ------------------------------------------------------------------- NumPy
def _numpy_activations():
    import numpy as np

    def sigmoid(z):
        return 1.0 / (1.0 + np.exp(-z))

    def swish_prime(z, a):
        s = sigmoid(z)
        return s * (1.0 + z * (1.0 - s))

    return np, {"sigmoid": (sigmoid, lambda z, a: a * (1.0 - a)),
                "tanh": (np.tanh, lambda z, a: 1.0 - a * a),
                "relu": (lambda z: np.maximum(z, 0.0), lambda z, a: z > 0.0),
                "swish": (lambda z: z * sigmoid(z), swish_prime)}


def numpy_stepper(w, steps, smoke=False):
    """(step function returning the loss, [W_1..W_L], [b_1..b_L]) of the minimal NumPy step."""
    lr, mu, d = _check_supported(w)
    np, acts = _numpy_activations()
    X, Y, batches = twin_inputs(w, "vector", steps, smoke)
    if w.loss != "cross_entropy" and Y.ndim == 1:
        Y = Y.reshape(-1, 1)
    Ws, bs = _copy_params(w, "vector")
    vW, vb = [np.zeros_like(W) for W in Ws], [np.zeros_like(b) for b in bs]
    act, act_prime = acts[w.hidden]
    sigmoid = acts["sigmoid"][0]
    L = len(Ws)
    cycle = itertools.cycle(batches)

    def output(Z, y):
        m = Z.shape[0]
        if w.loss == "cross_entropy":
            top = Z.max(axis=1, keepdims=True)
            e = np.exp(Z - top)
            s = e.sum(axis=1, keepdims=True)
            loss = float(np.sum(top[:, 0] + np.log(s[:, 0]) - Z[np.arange(m), y]) / m)
            dZ = e / s
            dZ[np.arange(m), y] -= 1.0
            return loss, dZ / m
        N = Z.size
        if w.loss == "bce":
            loss = float(np.sum(np.maximum(Z, 0.0) - Z * y + np.log1p(np.exp(-np.abs(Z)))) / N)
            return loss, (sigmoid(Z) - y) / N
        if w.output == "sigmoid":
            p = sigmoid(Z)
            return float(np.sum((p - y) ** 2) / N), 2.0 * (p - y) / N * p * (1.0 - p)
        return float(np.sum((Z - y) ** 2) / N), 2.0 * (Z - y) / N

    def step():
        idx = next(cycle)
        xb, yb = (X, Y) if idx is None else (X[idx], Y[idx])
        As, Zs, A = [xb], [], xb
        for k in range(L):
            Z = A @ Ws[k] + bs[k]
            if k < L - 1:
                Zs.append(Z)
                A = act(Z)
                As.append(A)
        loss, dZ = output(Z, yb)
        for k in range(L - 1, -1, -1):
            dW, db = As[k].T @ dZ, dZ.sum(axis=0)
            if k > 0:
                dZ_below = (dZ @ Ws[k].T) * act_prime(Zs[k - 1], As[k])
            if mu == 0.0:
                Ws[k] -= lr * dW
                bs[k] -= lr * db
            else:
                vW[k][...] = mu * vW[k] + (1.0 - d) * dW
                vb[k][...] = mu * vb[k] + (1.0 - d) * db
                Ws[k] -= lr * vW[k]
                bs[k] -= lr * vb[k]
            if k > 0:
                dZ = dZ_below
        return loss

    return step, Ws, bs


def gemm_stepper(w, steps, smoke=False):
    """The bare two big matrix products of a step: Z_1 = X_b @ W_1 and dW_1^T = dZ_1^T @ X_b.

    Into kept arrays, on batches gathered once in advance: only the
    arithmetic that dominates W4 (2 m n_0 n_1 multiply-adds each), issued as
    the fast engine issues it (``vector_nn.fast.layout``: W_1^T stored with
    zero rows up to a multiple of 16, so the products are X_b @ [W_1 0] and
    [dZ_1 0]^T X_b, which OpenBLAS runs faster than the ragged 15 columns),
    nothing else.
    Returns (step function returning 0.0, description).
    """
    import numpy as np
    from vector_nn.fast.layout import padded_rows
    X, _, batches = twin_inputs(w, "vector", steps, smoke)
    W1 = make_net(w, "vector").params["W1"]
    gathered = [X if idx is None else X[idx] for idx in batches[:4]]
    m, n0, n1 = gathered[0].shape[0], W1.shape[0], W1.shape[1]
    rows = padded_rows(n1)
    WT = np.zeros((rows, n0))                    # [W_1 0]^T, as the engine stores it
    WT[:n1] = W1.T
    Z = np.empty((m, rows))
    dWT = np.empty((rows, n0))
    dZ = np.zeros((m, rows))
    dZ[:, :n1] = np.random.default_rng(0).standard_normal((m, n1))
    cycle = itertools.cycle(gathered)

    def step():
        xb = next(cycle)
        np.matmul(xb, WT.T, out=Z)
        np.matmul(dZ.T, xb, out=dWT)
        return 0.0

    return step, "X_b @ [W1 0] and [dZ1 0].T @ X_b: (%d x %d) @ (%d x %d) and (%d x %d) @ (%d x %d)" % (
        m, n0, n0, rows, rows, m, m, n0)


def torch_gemm_stepper(w, steps, smoke=False):
    """The same two products as PyTorch's float64 step issues them: Z_1 = X_b @ W_1 and dW_1 = X_b^T @ dZ_1.

    The ``gemm`` rung's batches, as torch tensors, one thread like every rung
    of the ladder: beside ``gemm`` it measures what PyTorch's own matrix
    product (MKL or oneDNN) does with W4's shapes against NumPy's OpenBLAS,
    the part of the engine-against-PyTorch ratio that is not the engine's.
    Returns (step function returning 0.0, description).
    """
    import numpy as np
    import torch
    X, _, batches = twin_inputs(w, "vector", steps, smoke)
    W1 = torch.from_numpy(make_net(w, "vector").params["W1"].copy())
    gathered = [torch.from_numpy(X if idx is None else X[idx]) for idx in batches[:4]]
    m, n0, n1 = gathered[0].shape[0], W1.shape[0], W1.shape[1]
    Z = torch.empty((m, n1), dtype=torch.float64)
    dW = torch.empty((n0, n1), dtype=torch.float64)
    dZ = torch.from_numpy(np.random.default_rng(0).standard_normal((m, n1)))
    cycle = itertools.cycle(gathered)

    def step():
        xb = next(cycle)
        torch.mm(xb, W1, out=Z)
        torch.mm(xb.t(), dZ, out=dW)                 # addmm's backward for its second operand: mat1^T @ grad
        return 0.0

    return step, "torch.mm: X_b @ W1 and X_b.T @ dZ1: (%d x %d) @ (%d x %d) and (%d x %d) @ (%d x %d), %s" % (
        m, n0, n0, n1, n0, m, m, n1, torch.__version__)
