"""Chapters 3 and 4: the same step as matrices (shapes, dW, db, dA, the gradient check), and the loss/output pairs."""

from scalar_nn import activations, losses
from scalar_nn.mlp import MLP
from twin_nn import recipes, trace

from .kit import block, chapter, code, default_trace, g, mat, table


# =============================================================== chapter 3
def _vector_modules():
    import numpy as np
    import vector_nn.mlp as vmlp
    return np, vmlp


@block
def vector_excerpt():
    setup, traces = default_trace()
    text = trace.vector_text(setup, traces)
    lines = text.splitlines()
    end = next(i for i, l in enumerate(lines) if l.startswith("-- loss"))
    return code("\n".join(lines[:end + 2]))


@block
def vector_backward_excerpt():
    setup, traces = default_trace()
    lines = trace.vector_text(setup, traces).splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith("-- backward"))
    end = next(i for i, l in enumerate(lines) if l.startswith("-- update"))
    return code("\n".join(lines[start:end]))


@block
def shapes_table():
    np, vmlp = _vector_modules()
    r = recipes.get("sine3d")
    net = vmlp.MLP(seed=0, **r.model)
    X, Y, _, _ = recipes.load_data(r, "vector", 0)
    Xb, Yb = X[:32], Y[:32]
    Z, Yhat, caches = net.forward_with_cache(Xb, training=True)
    from vector_nn.losses import output_delta
    dZ = output_delta(net.output, net.loss_name, Z, Yhat, Yb)
    grads = net.backward(dZ, caches)
    rows = [["X = A0", "(m, n_0)", str(Xb.shape)]]
    for k in range(1, net.n_layers + 1):
        c = caches[k - 1]
        rows.append(["W%d" % k, "(n_%d, n_%d)" % (k - 1, k), str(net.params["W%d" % k].shape)])
        rows.append(["b%d" % k, "(n_%d,)" % k, str(net.params["b%d" % k].shape)])
        if k < net.n_layers:
            rows.append(["Z%d = A%d @ W%d + b%d" % (k, k - 1, k, k), "(m, n_%d)" % k, str(c["act"]["Z"].shape)])
            rows.append(["A%d = tanh(Z%d)" % (k, k), "(m, n_%d)" % k, str(caches[k]["affine"]["A_prev"].shape)])
        else:
            rows.append(["Z%d = Yhat" % k, "(m, n_%d)" % k, str(Z.shape)])
    rows.append(["dZ%d = 2 (Yhat - Y) / N" % net.n_layers, "(m, n_L)", str(dZ.shape)])
    for k in range(net.n_layers, 0, -1):
        rows.append(["dW%d = A%d.T @ dZ%d" % (k, k - 1, k), "(n_%d, m) @ (m, n_%d)" % (k - 1, k),
                     str(grads["W%d" % k].shape)])
        rows.append(["db%d = dZ%d.sum(axis=0)" % (k, k), "(n_%d,)" % k, str(grads["b%d" % k].shape)])
        if k > 1:
            rows.append(["dA%d = dZ%d @ W%d.T" % (k - 1, k, k), "(m, n_%d) @ (n_%d, n_%d)" % (k, k, k - 1),
                         "(%d, %d)" % (Xb.shape[0], net.sizes[k - 1])])
    return table(["array", "shape (symbols)", "shape (sine3d, batch 32)"], rows)


@block
def gradcheck_221():
    from scalar_nn.gradcheck import gradient_check
    setup, (t,) = default_trace()
    net = MLP.from_params(setup.initial_params, hidden="sigmoid", output="sigmoid", loss="mse")
    report = gradient_check(net, [setup.X[0]], [setup.Y[0]])
    return ("`scalar_nn.gradcheck.gradient_check` on the same net and Alice: the nine backprop gradients agree "
            "with central differences (h = 1e-5) to a worst relative error of %s (at %s)."
            % (g(report.worst_rel_error, 2), report.worst[0]))


# =============================================================== chapter 4
@block
def loss_pairs():
    Z = [[0.5, -1.0], [2.0, 0.25]]
    Yr = [[1.0, 0.0], [0.0, 1.0]]
    labels = [0, 1]
    rows = []
    for output, loss in (("linear", "mse"), ("sigmoid", "mse"), ("sigmoid", "bce"), ("softmax", "cross_entropy")):
        Yhat = losses.output_activation(output, Z)
        Y = labels if loss == "cross_entropy" else Yr
        L = losses.data_loss(output, loss, Z, Yhat, Y)
        dZ = losses.output_delta(output, loss, Z, Yhat, Y)
        rows.append(["%s + %s" % (output, loss), g(L), "[%s]" % "; ".join(", ".join(g(v, 5) for v in r) for r in dZ)])
    return ("Z = %s, targets %s (mse/bce) or classes %s (cross-entropy):\n\n" % (Z, Yr, labels)
            + table(["pair", "data loss", "dL/dZ from losses.output_delta"], rows))


@block
def softmax_long_vs_short():
    Z = [[1.0, 2.0, 0.5], [-0.3, 0.1, 3.0]]
    y = [2, 0]
    P = losses.output_activation("softmax", Z)
    short = losses.output_delta("softmax", "cross_entropy", Z, P, y)
    long_ = losses.softmax_cross_entropy_backward_long(Z, y)
    worst = max(abs(a - b) for ra, rb in zip(short, long_) for a, b in zip(ra, rb))
    lines = ["Z = %s, y = %s" % (Z, y),
             "P = softmax(Z)            = %s" % mat(P),
             "shortcut (P - onehot) / m = %s" % mat(short),
             "long way (dL/dP @ J)      = %s" % mat(long_),
             "largest difference        = %s" % g(worst, 3)]
    try:
        losses.softmax_cross_entropy_backward_long([[0.0, 800.0]], [0])
        extreme = "the long way returned a number"
    except ZeroDivisionError:
        extreme = "ZeroDivisionError (P_y rounded to 0)"
    short_x = losses.output_delta("softmax", "cross_entropy", [[0.0, 800.0]], losses.output_activation(
        "softmax", [[0.0, 800.0]]), [0])
    lines.append("Z = [[0, 800]], y = [0]: long way -> %s; shortcut -> %s" % (extreme, short_x))
    return code("\n".join(lines))


@block
def bce_chain():
    z, y = 1.5, 0.0
    p = activations.sigmoid(z)
    dL_dp = -(y / p) + (1 - y) / (1 - p)
    dp_dz = activations.sigmoid_prime(z)
    short = losses.output_delta("sigmoid", "bce", [[z]], [[p]], [[y]])[0][0]
    return code("z = %s, y = %s, p = s(z) = %s\n"
                "dL/dp = -y/p + (1-y)/(1-p) = %s\n"
                "dp/dz = p (1 - p)          = %s\n"
                "dL/dp · dp/dz              = %s\n"
                "shortcut p - y             = %s" % (g(z), g(y), g(p), g(dL_dp), g(dp_dz), g(dL_dp * dp_dz), g(short)))


@chapter("03-scalars-to-matrices.md", "From scalars to matrices")
def _c3():
    """# 3. From scalars to matrices: `X @ W + b`, every shape, and dW, db, dA

Lesson: {{link_linalg}}, {{link_layers}}, {{link_mlp}}; the twin:
{{link_vlayers}}.

Put the two hidden sums of chapter 1 side by side and they are one row
times a matrix: `[z_h1, z_h2] = [x1, x2] @ [[w1, w3], [w2, w4]] + [b1, b2]`.
Rows of `W1` are inputs, columns are units (docs/CONVENTIONS.md), so a batch
of m rows goes forward as `Z1 = X @ W1 + b1` with no transposes.
`twin-nn trace --vector` prints the step of chapter 2 as the vector twin's
arrays and marks each entry with the scalar line it equals:

{{vector_excerpt}}

The shapes of every array of one step, read off the vector twin running
the sine3d recipe's network on a batch of 32:

{{shapes_table}}

**The derivation, with dimensions.** Entry by entry the forward pass is
`Z[i][j] = Σ_k A[i][k] W[k][j] + b[j]` (row i of the batch, unit j).

* `dL/dW[k][j] = Σ_i dL/dZ[i][j] · dZ[i][j]/dW[k][j] = Σ_i A[i][k] dZ[i][j]`:
  that is `(A^T @ dZ)[k][j]`, shape `(n_in, m) @ (m, n) = (n_in, n)`, the
  shape of W, as it must be. The sum over i is the sum over the batch: each
  row's contribution adds up.
* `dL/db[j] = Σ_i dZ[i][j]`: the bias is added to every row, so its
  gradient is the column sum of dZ, shape `(n,)`.
* `dL/dA[i][k] = Σ_j dZ[i][j] W[k][j] = (dZ @ W^T)[i][k]`, shape
  `(m, n) @ (n, n_in) = (m, n_in)`, the shape of A: input k fed every unit j
  through `W[k][j]`.
* Through the activation, entry by entry: `dZ_prev = dA * act'(Z_prev)`.

The backward half of the same trace shows these as arrays:

{{vector_backward_excerpt}}

**Why `dZ2 = 2(Ŷ - Y)/m`** (for a linear output with mse, with `N = m·n_L`
in general). The loss is the mean over the batch, `L = (1/N) Σ_i Σ_j
(Ŷ[i][j] - Y[i][j])^2`. One entry's derivative is `2(Ŷ[i][j] - Y[i][j])/N`:
the 2 from the square, the 1/N because each entry is one of N in the mean.
That 1/N is why `dW = A^T @ dZ` needs no extra division: the mean is already
in dZ, and the sum over rows in `A^T @ dZ` turns per-row slopes into the
slope of the mean. With a sigmoid output the chain rule adds the factor
`Ŷ(1 - Ŷ)`, as in chapter 2.

{{gradcheck_221}}
"""


@chapter("04-losses-and-shortcuts.md", "Losses and their shortcuts")
def _c4():
    """# 4. Losses and their shortcuts

Lesson: {{link_losses}} (`data_loss`, `output_delta`,
`softmax_cross_entropy_backward_long`).

The output layer and its loss come as a pair, and each pair has one formula
for `dL/dZ_L`, the gradient where backprop starts:

{{loss_pairs}}

The divisors differ on purpose: mse and bce average over all `m·n_L` entries,
cross-entropy over the m samples.

**Sigmoid + BCE.** `dL/dp = -y/p + (1-y)/(1-p)` has p(1-p) in its denominator
once put over one fraction, and `dp/dz = p(1-p)` cancels it, leaving `p - y`
(divided by N for the mean):

{{bce_chain}}

The library also computes the loss itself from the logit,
`y·softplus(-z) + (1-y)·softplus(z)`, which stays finite when p rounds to 0
or 1.

**Softmax + cross-entropy: why `(P - onehot)/m`.** For one sample,
`L = -(1/m) log P_y`. The long way: `dL/dP_j = -(1/m)/P_y` for j = y, 0
otherwise; the softmax's Jacobian is `J[j][l] = P_j (δ_jl - P_l)`; the chain
rule is `dL/dZ_l = Σ_j dL/dP_j J[j][l]`. Only j = y survives:
`-(1/m)/P_y · P_y (δ_yl - P_l) = (P_l - δ_yl)/m`. The project computes both,
and they agree; at an extreme logit only the shortcut survives:

{{softmax_long_vs_short}}
"""
