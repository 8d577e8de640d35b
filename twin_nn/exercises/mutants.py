"""The function-level bug library: known mistakes, each planted in one lesson function.

A ``Bug`` is a mistake with an id, what it means, and the section of
docs/CONVENTIONS.md that says what is right.  The ids are those of the
``twin-nn check`` diagnoses (issue 15) wherever one applies
(``missing-factor-2``, ``sign-flipped``, ``activation-derivative-of-output``,
``missing-activation-derivative``, ``transposed-weight-gradient``,
``bias-gradient-not-summed``, ``bias-gradient-averaged``, ``half-mse``,
``mean-over-rows-only``, ``softmax-unstable``, ``update-sign-flipped``,
``decay-counted-from-one``, ``adam-no-bias-correction``,
``adam-eps-inside-sqrt``, ``l2-missing``, ``l2-without-half``, ``l2-on-biases``,
``extra-mean-in-hidden-layer``); the others are new and scoped to one function.

A ``Plant`` says how to put a bug into one function of one twin: regular
expression substitutions on the reference function's source, each of which
must match exactly once (or, marked "all", at least once, every match
replaced).  The same plant serves two purposes:

* the grader's *mutant oracle*: the reference function with the plant, run on
  the learner's inputs; a plant whose numbers are the learner's (within the
  bound) is the diagnosis;
* the proof: the tests write the planted body into a workspace and expect
  exactly that function to fail with exactly that id.

API: ``plants_for(twin, module, function)``, ``plant_source(source, plant)``,
``mutant_module(reference_module, plant)``, ``diagnosis(plant)``.
"""

import inspect
import re
import textwrap
import types
from collections import namedtuple

Bug = namedtuple("Bug", "id message section")
Plant = namedtuple("Plant", "id module function twins subs says")


def L(text):
    """A literal piece of source as a pattern."""
    return re.escape(text)


BUGS = {b.id: b for b in [
    Bug("missing-factor-2", "the 2 of d(yhat - y)^2 / dyhat = 2 (yhat - y) is missing: every mse gradient is half "
        "the reference's", 4),
    Bug("mean-over-rows-only", "divides by m instead of N = m n_L: the mse/bce mean is over every entry", 4),
    Bug("half-mse", "your loss is (1/2) MSE (the Nielsen and scikit-learn form, a convention); twin-nn's mse is "
        "mean (yhat - y)^2 without the 1/2", 4),
    Bug("sign-flipped", "the sign is flipped", 3),
    Bug("activation-derivative-of-output", "the derivative is evaluated at the activation a = act(z) where it "
        "must be evaluated at z: act'(z), not act'(a)", 3),
    Bug("missing-activation-derivative", "the factor act'(Z) of the chain rule is missing: dZ = dA * act'(Z)", 7),
    Bug("transposed-weight-gradient", "dW is dZ^T A_prev, the transpose: dW = A_prev^T dZ has W's shape "
        "(n_in, n)", 7),
    Bug("bias-gradient-not-summed", "db is dZ itself, one row per sample: the bias is added to every row, so "
        "db = sum over the rows of dZ, shape (n,)", 7),
    Bug("bias-gradient-averaged", "db is the mean of dZ's rows, not their sum: the 1/m is already inside dZ", 7),
    Bug("softmax-unstable", "exp(z) overflows for logits beyond 709: subtract the row's maximum first (it cancels "
        "in the ratio)", 4),
    Bug("update-sign-flipped", "the update climbs the gradient: P <- P - lr g, not P + lr g", 9),
    Bug("decay-counted-from-one", "the decay counts steps from 1: lr_s = lr0 / (1 + decay s) with s = 0 on the "
        "first step", 8),
    Bug("adam-no-bias-correction", "Adam without the bias corrections mhat = m / (1 - b1^t), "
        "vhat = v / (1 - b2^t)", 9),
    Bug("adam-eps-inside-sqrt", "eps is inside the square root: the step is mhat / (sqrt(vhat) + eps)", 9),
    # new ids, one function each
    Bug("not-transposed", "returns A as it is: A^T has entry (j, i) = A[i][j] and shape (n, m)", 1),
    Bug("sum-overwritten", "the running sum is overwritten (total = a * b) instead of added to "
        "(total += a * b): only the last product is left", 1),
    Bug("product-of-sums", "(sum_i u_i)(sum_j v_j) instead of sum_i u_i v_i: the cross terms u_i v_j, i != j, "
        "are in it", 1),
    Bug("untransposed-operand", "B's rows are used as its columns: C[i][j] pairs row i of A with column j of B, "
        "so iterate over B^T's rows", 1),
    Bug("sum-over-wrong-axis", "sums over the wrong axis: the result is indexed by the other dimension", 1),
    Bug("divided-by-wrong-count", "divides the column sums by the number of columns n, not of rows m", 1),
    Bug("relu-prime-at-zero", "relu'(0) = 1 here; twin-nn's convention is relu'(0) = 0 (the kink gets 0)", 3),
    Bug("sigmoid-overflow", "math.exp(-z) overflows for z < -709: for z < 0 use the equal form e^z / (1 + e^z)", 3),
    Bug("missing-product-rule-term", "(z s(z))' = s(z) + z s'(z): one term of the product rule is missing", 3),
    Bug("log-of-one-plus", "log(1 + x) loses x when x < 1e-16 (1 + x rounds to 1): use log1p(x)", 4),
    Bug("softplus-unstable", "log(1 + e^z) overflows for z beyond 709: use max(z, 0) + log1p(e^-|z|)", 4),
    Bug("missing-bias", "the bias b is not added: Z = A_prev W + b", 2),
    Bug("weight-not-transposed", "dA_prev needs W^T: dA_prev = dZ W^T, shape (m, n_in)", 7),
    Bug("dropout-not-inverted", "the kept units are not divided by 1 - p (inverted dropout): the expected "
        "value of a unit changes when dropout is on", 6),
    Bug("unbiased-batch-variance", "the batch variance divides by m - 1; in training BatchNorm normalises with "
        "the biased variance (1/m) sum (z - mu)^2 (m - 1 is for the running statistic)", 12),
    Bug("bn-eps-outside-sqrt", "eps is outside the square root: std = sqrt(var + eps)", 12),
    Bug("batchnorm-statistics-treated-as-constants", "in training mu and var depend on every row of the batch, "
        "so dZ has the two sums of the full formula; dZ = dZhat / std holds only with the running statistics", 12),
    Bug("l2-missing", "the L2 term is missing from dW: d/dW of (l2/2) ||W||^2 is l2 W", 5),
    Bug("l2-without-half", "the L2 term is 2 l2 W (the nnfs form, a convention): twin-nn's penalty is "
        "(l2/2) ||W||^2, whose gradient is l2 W", 5),
    Bug("l2-on-biases", "the biases are regularized with l2; they have their own l2_bias", 5),
    Bug("extra-mean-in-hidden-layer", "1/m is applied again below the output: dZ_L already holds the 1/m of the "
        "mean, and dA_prev = dZ W^T adds none", 7),
    Bug("dropout-not-in-backward", "the dropout mask is not applied on the way back: a dropped unit passed "
        "nothing forward, so dA * M / (1 - p)", 6),
    Bug("preactivation-instead-of-activation", "Z in place of A in dW: dL/dw5 = dL/dsum_o1 * h1, the hidden "
        "unit's output h1 = s(sum_h1), not its sum", 7),
    Bug("stale-or-updated-weights", "backprop went through weights already updated: every partial derivative "
        "is taken at the weights before the step", 7),
    Bug("dampening-ignored", "the dampening d is ignored: v <- mu v + (1 - d) g", 9),
]}


def P(bug, module, function, twins, subs, says=None):
    """A plant: ``subs`` is a list of (pattern, replacement), applied in order to the function's source."""
    assert bug in BUGS, bug
    return Plant(bug, module, function, twins, subs, says)


S, V, BOTH = ("scalar",), ("vector",), ("scalar", "vector")

# The first plant of each function (per twin) is the one the proof tests plant.
PLANTS = [
    P("not-transposed", "linalg", "transpose", S, [(L("[list(col) for col in zip(*A)]"), "[list(row) for row in A]")]),
    P("not-transposed", "linalg", "transpose", V, [(L("return A.T"), "return A")]),
    P("sum-overwritten", "linalg", "dot", S, [(L("total += a * b"), "total = a * b")]),
    P("product-of-sums", "linalg", "dot", V, [(L("np.dot(u, v)"), "np.sum(u) * np.sum(v)")]),
    P("untransposed-operand", "linalg", "matmul", S, [(L("for col in BT]"), "for col in B]")]),
    P("sum-over-wrong-axis", "linalg", "matmul", V, [(L("return A @ B"), "return (A[:, :, None] * B[None, :, :]).sum(axis=0)")]),
    P("sum-over-wrong-axis", "linalg", "column_sums", S, [(L("return s"), "return [sum(row) for row in A]")]),
    P("sum-over-wrong-axis", "linalg", "column_sums", V, [(L("A.sum(axis=0)"), "A.sum(axis=1)")]),
    P("divided-by-wrong-count", "linalg", "column_means", S, [(L("m = len(A)"), "m = len(A[0])")]),
    P("divided-by-wrong-count", "linalg", "column_means", V, [(L("A.mean(axis=0)"), "A.sum(axis=0) / A.shape[1]")]),

    P("sign-flipped", "activations", "sigmoid", S, [(L("math.exp(-z))"), "math.exp(z))"), (L("e = math.exp(z)"), "e = math.exp(-z)")],
      "sigmoid gives s(-z) = 1 - s(z): the sign of the exponent is flipped (s(z) = 1 / (1 + e^-z))"),
    P("sign-flipped", "activations", "sigmoid", V, [(L("z >= 0.0)"), "z < 0.0)")],
      "sigmoid gives s(-z) = 1 - s(z): the sign of the exponent is flipped (s(z) = 1 / (1 + e^-z))"),
    P("sigmoid-overflow", "activations", "sigmoid", S, [(L("if z >= 0.0:"), "if True:")]),
    P("activation-derivative-of-output", "activations", "sigmoid_prime", BOTH, [(L("return s * (1.0 - s)"), "return z * (1.0 - z)")],
      "sigmoid_prime(z) returns z (1 - z): the formula a (1 - a) is s'(z) only for a = s(z), the activation, "
      "and here it is applied to z itself"),
    P("activation-derivative-of-output", "activations", "sigmoid_prime", BOTH, [(r"s = sigmoid\(z", "s = sigmoid(sigmoid(z)")],
      "sigmoid_prime(z) returns s'(s(z)): the derivative is taken at the activation a = s(z), not at z"),
    P("activation-derivative-of-output", "activations", "tanh_prime", BOTH, [(L("return 1.0 - t * t"), "return 1.0 - z * z")],
      "tanh_prime(z) returns 1 - z^2: the formula 1 - a^2 is tanh'(z) only for a = tanh(z), and here it is "
      "applied to z itself"),
    P("sign-flipped", "activations", "relu", S, [(L("z if z > 0.0"), "z if z < 0.0")],
      "relu keeps z < 0 and zeroes z > 0: the comparison is flipped (relu(z) = max(z, 0))"),
    P("sign-flipped", "activations", "relu", V, [(L("np.maximum(z, 0.0)"), "np.minimum(z, 0.0)")],
      "relu keeps z < 0 and zeroes z > 0: the comparison is flipped (relu(z) = max(z, 0))"),
    P("relu-prime-at-zero", "activations", "relu_prime", S, [(L("1.0 if z > 0.0"), "1.0 if z >= 0.0")]),
    P("relu-prime-at-zero", "activations", "relu_prime", V, [(L("(z > 0.0)"), "(z >= 0.0)")]),
    P("sign-flipped", "activations", "swish", BOTH, [(L("z * sigmoid(z"), "z * sigmoid(-z")],
      "swish gives z s(-z): the sign inside the sigmoid is flipped (swish(z) = z s(z))"),
    P("missing-product-rule-term", "activations", "swish_prime", BOTH, [(L("s * (1.0 + z * (1.0 - s))"), "z * s * (1.0 - s)")],
      "swish_prime is z s'(z) = z s (1 - s): the term s(z) of the product rule (z s)' = s + z s' is missing"),

    P("log-of-one-plus", "losses", "softplus", BOTH, [(L("log1p("), "log(1.0 + ")]),
    P("softplus-unstable", "losses", "softplus", S, [(L("max(z, 0.0) + math.log1p(math.exp(-abs(z)))"), "math.log1p(math.exp(z))")]),
    P("softmax-unstable", "losses", "softmax_row", S, [(L("top = max(z)"), "top = 0.0")]),
    P("softmax-unstable", "losses", "softmax_row", V, [(L("(z - z.max(axis=-1, keepdims=True))"), "(z)")]),
    P("softmax-unstable", "losses", "logsumexp_row", S, [(L("top = max(z)"), "top = 0.0")],
      "logsumexp without its maximum: exp(z) overflows for logits beyond 709; log sum exp z = max z + "
      "log sum exp(z - max z)"),
    P("softmax-unstable", "losses", "logsumexp_row", V, [(L("top = z.max(axis=-1)"), "top = 0.0 * z.max(axis=-1)")],
      "logsumexp without its maximum: exp(z) overflows for logits beyond 709; log sum exp z = max z + "
      "log sum exp(z - max z)"),
    P("half-mse", "losses", "data_loss", S, [(L("return total / N\n    if loss == \"bce\""), "return total / N / 2.0\n    if loss == \"bce\"")]),
    P("half-mse", "losses", "data_loss", V, [(L("(Yhat - Y) ** 2"), "(Yhat - Y) ** 2 / 2.0")]),
    P("mean-over-rows-only", "losses", "data_loss", S, [(L("N = m * len(Z[0])"), "N = m")]),
    P("mean-over-rows-only", "losses", "data_loss", V, [(L("N = Z.size"), "N = Z.shape[0]")]),
    P("missing-factor-2", "losses", "output_delta", S, [(L("2.0 * (z - y) / N"), "(z - y) / N"), (L("2.0 * (yh - y) / N"), "(yh - y) / N")]),
    P("missing-factor-2", "losses", "output_delta", V, [(L("2.0 * (Z - Y) / N"), "(Z - Y) / N"), (L("2.0 * (Yhat - Y) / N"), "(Yhat - Y) / N")]),
    P("sign-flipped", "losses", "output_delta", S, [(L("(z - y)"), "(y - z)"), (L("(yh - y)"), "(y - yh)"), (L("(p - y)"), "(y - p)"),
                                                   (L("(p - (1.0 if j == y else 0.0))"), "((1.0 if j == y else 0.0) - p)")],
      "dZ_L has the wrong sign: it is yhat - y (times the output's factor), not y - yhat"),
    P("sign-flipped", "losses", "output_delta", V, [(L("(Z - Y)"), "(Y - Z)"), (L("2.0 * (Yhat - Y)"), "2.0 * (Y - Yhat)"),
                                                   (L("return (Yhat - Y) / N"), "return (Y - Yhat) / N"), (L("return dZ / m"), "return -dZ / m")],
      "dZ_L has the wrong sign: it is yhat - y (times the output's factor), not y - yhat"),
    P("missing-activation-derivative", "losses", "output_delta", S, [(L(" * yh * (1.0 - yh)"), "")],
      "sigmoid + mse: the factor s'(z) = yhat (1 - yhat) of the output layer is missing"),
    P("missing-activation-derivative", "losses", "output_delta", V, [(L(" * Yhat * (1.0 - Yhat)"), "")],
      "sigmoid + mse: the factor s'(z) = yhat (1 - yhat) of the output layer is missing"),
    P("mean-over-rows-only", "losses", "output_delta", S, [(L("N = m * len(Z[0])"), "N = m")]),
    P("mean-over-rows-only", "losses", "output_delta", V, [(L("N = Z.size"), "N = Z.shape[0]")]),

    P("missing-bias", "layers", "affine_forward", S, [(L("matmul(A_prev, W), b)"), "matmul(A_prev, W), [0.0] * len(b))")]),
    P("missing-bias", "layers", "affine_forward", V, [(L("(A_prev, W), b)"), "(A_prev, W), 0.0 * b)")]),
    P("transposed-weight-gradient", "layers", "affine_backward", BOTH,
      [(L('matmul(transpose(cache["A_prev"]), dZ)'), 'matmul(transpose(dZ), cache["A_prev"])')]),
    P("bias-gradient-not-summed", "layers", "affine_backward", BOTH, [(r"(xp\.)?column_sums\(dZ\)", "dZ")]),
    P("bias-gradient-averaged", "layers", "affine_backward", BOTH, [(r"(xp\.)?column_sums\(dZ\)", r"\g<1>column_means(dZ)")]),
    P("weight-not-transposed", "layers", "affine_backward_input", S, [(L('for w_row in cache["W"]]'), 'for w_row in transpose(cache["W"])]')]),
    P("weight-not-transposed", "layers", "affine_backward_input", V, [(L('transpose(cache["W"])'), 'cache["W"]')]),
    P("activation-derivative-of-output", "layers", "activation_backward", BOTH,
      [(L('activate_prime(cache["name"], cache["Z"]'), 'activate_prime(cache["name"], activate(cache["name"], cache["Z"])')],
      "dZ = dA * act'(A): the derivative is taken at the layer's output A = act(Z), not at Z (the cache keeps Z "
      "for this)"),
    P("missing-activation-derivative", "layers", "activation_backward", BOTH, [(r"hadamard\(dA, .*\)[ \t]*$", "dA")]),
    P("dropout-not-inverted", "layers", "dropout_forward", S, [(L("a * mk / keep"), "a * mk")]),
    P("dropout-not-inverted", "layers", "dropout_forward", V, [(L("A * M / keep"), "A * M")]),
    P("dropout-not-inverted", "layers", "dropout_backward", S, [(L("d * mk / keep"), "d * mk")]),
    P("dropout-not-inverted", "layers", "dropout_backward", V, [(L('dA * cache["M"] / cache["keep"]'), 'dA * cache["M"]')]),
    P("unbiased-batch-variance", "layers", "batchnorm_forward", S,
      [(r"var = (column_means\(.*\))[ \t]*$", r"var = [v * len(Z) / (len(Z) - 1) for v in \1]")]),
    P("unbiased-batch-variance", "layers", "batchnorm_forward", V,
      [(r"var = ((?:xp\.)?column_means\(.*\))[ \t]*$", r"var = \1 * Z.shape[0] / (Z.shape[0] - 1)")]),
    P("bn-eps-outside-sqrt", "layers", "batchnorm_forward", S, [(L("math.sqrt(v + eps)"), "math.sqrt(v) + eps")]),
    P("bn-eps-outside-sqrt", "layers", "batchnorm_forward", V, [(L("np.sqrt(var + eps)"), "np.sqrt(var) + eps")]),
    P("batchnorm-statistics-treated-as-constants", "layers", "batchnorm_backward", BOTH,
      [(L('if not cache["training"]:'), "if True:")]),

    P("decay-counted-from-one", "optim", "lr_at", S, [(L("decay * steps"), "decay * (steps + 1)")]),
    P("update-sign-flipped", "optim", "SGD.step", S, [(L("p - lr * gi"), "p + lr * gi"), (L("p - lr * vi"), "p + lr * vi")]),
    P("update-sign-flipped", "optim", "SGD.step", V, [(L("P -= lr * g "), "P += lr * g "), (L("P -= lr * v "), "P += lr * v ")]),
    P("dampening-ignored", "optim", "SGD.step", S, [(L("(1.0 - d) * gi"), "gi")]),
    P("dampening-ignored", "optim", "SGD.step", V, [(L("(1.0 - d) * g"), "g")]),
    P("adam-no-bias-correction", "optim", "Adam.step", S, [(L("mhat, vhat = m[i] / c1, v[i] / c2"), "mhat, vhat = m[i], v[i]")]),
    P("adam-no-bias-correction", "optim", "Adam.step", V, [(L("(m / c1) / (np.sqrt(v / c2) + eps)"), "m / (np.sqrt(v) + eps)")]),
    P("adam-eps-inside-sqrt", "optim", "Adam.step", S, [(L("(math.sqrt(vhat) + eps)"), "math.sqrt(vhat + eps)")]),
    P("adam-eps-inside-sqrt", "optim", "Adam.step", V, [(L("(np.sqrt(v / c2) + eps)"), "np.sqrt(v / c2 + eps)")]),



    P("missing-bias", "network221", "Network221._forward", S, [(L(" + self.b3)"), ")")],
      "the output neuron's bias b3 is not added: o1 = s(w5 h1 + w6 h2 + b3)"),
    P("missing-bias", "network221", "Network221._forward", V, [(L(' + p["b2"])'), ")")],
      "the output neuron's bias b3 (b2 in the arrays) is not added: o1 = s(w5 h1 + w6 h2 + b3)"),
    P("missing-factor-2", "network221", "Network221._sgd_step", S, [(L("-2.0 * (y_true - y_pred)"), "-(y_true - y_pred)")],
      "dL/dy_pred = -(y_true - y_pred): the 2 of d(y_true - y_pred)^2 is missing"),
    P("missing-factor-2", "network221", "Network221._sgd_step", V, [(L("(-2.0 * error)"), "(-error)")],
      "dL/dy_pred = -(y_true - y_pred): the 2 of d(y_true - y_pred)^2 is missing"),
    P("sign-flipped", "network221", "Network221._sgd_step", S, [(L("= -2.0 * (y_true - y_pred)"), "= 2.0 * (y_true - y_pred)")],
      "dL/dy_pred has the wrong sign: it is -2 (y_true - y_pred), so every weight climbs the loss"),
    P("sign-flipped", "network221", "Network221._sgd_step", V, [(L("(-2.0 * error)"), "(2.0 * error)")],
      "dL/dy_pred has the wrong sign: it is -2 (y_true - y_pred), so every weight climbs the loss"),
    P("activation-derivative-of-output", "network221", "Network221._sgd_step", S,
      [(r"deriv_sigmoid\(sum_(h1|h2|o1)\)", r"deriv_sigmoid(\1)", "all")],
      "s' is taken at the neurons' outputs (deriv_sigmoid(o1)) where it must be taken at their sums "
      "(deriv_sigmoid(sum_o1))"),
    P("activation-derivative-of-output", "network221", "Network221._sgd_step", V,
      [(r"\((A[12]) \* \(1\.0 - \1\)\)", r"(sigmoid(\1) * (1.0 - sigmoid(\1)))", "all")],
      "s' is taken at the neurons' outputs, s'(A) = s(A) (1 - s(A)), where it is s'(Z) = A (1 - A)"),
    P("preactivation-instead-of-activation", "network221", "Network221._sgd_step", S,
      [(L("d_ypred_d_w5 = h1 *"), "d_ypred_d_w5 = sum_h1 *"), (L("d_ypred_d_w6 = h2 *"), "d_ypred_d_w6 = sum_h2 *")]),
    P("preactivation-instead-of-activation", "network221", "Network221._sgd_step", V,
      [(L("(A1[:, None] * dZ2)"), "(Z1[:, None] * dZ2)")]),
    P("stale-or-updated-weights", "network221", "Network221._sgd_step", S,
      [(L("d_ypred_d_h1 = self.w5 *"), "d_ypred_d_h1 = (self.w5 - learn_rate * d_L_d_ypred * d_ypred_d_w5) *"),
       (L("d_ypred_d_h2 = self.w6 *"), "d_ypred_d_h2 = (self.w6 - learn_rate * d_L_d_ypred * d_ypred_d_w6) *")],
      "w5 and w6 were updated before dL/dh1 and dL/dh2 used them: backprop goes through the weights "
      "before the step"),
    P("stale-or-updated-weights", "network221", "Network221._sgd_step", V,
      [(L("dA1 = W2[:, 0] * dZ2"), "dA1 = (W2[:, 0] - learn_rate * A1 * dZ2) * dZ2")],
      "W2 was updated before dA1 used it: backprop goes through the weights before the step"),
    P("l2-without-half", "mlp", "MLP.l2_penalty", BOTH, [(L("self.l2 / 2.0 * sum("), "self.l2 * sum(")],
      "the penalty is l2 ||W||^2, twice twin-nn's (l2/2) ||W||^2 (a convention: nnfs writes l2 ||W||^2 with "
      "gradient 2 l2 W)"),
    P("l2-missing", "mlp", "MLP.backward", S, [(L("g + self.l2 * w"), "g")]),
    P("l2-missing", "mlp", "MLP.backward", V, [(L("dW = dW + self.l2 * W"), "dW = dW")]),
    P("l2-without-half", "mlp", "MLP.backward", S, [(L("self.l2 * w"), "2.0 * self.l2 * w")]),
    P("l2-without-half", "mlp", "MLP.backward", V, [(L("self.l2 * W"), "2.0 * self.l2 * W")]),
    P("l2-on-biases", "mlp", "MLP.backward", S, [(L("self.l2_bias * bj"), "self.l2 * bj")]),
    P("l2-on-biases", "mlp", "MLP.backward", V, [(L("self.l2_bias * b"), "self.l2 * b")]),
    P("missing-activation-derivative", "mlp", "MLP.backward", BOTH, [(r"dZ = activation_backward\(dA, .*\)[ \t]*$", "dZ = dA")],
      "dZ = dA: the hidden layer's act'(Z) is missing on the way back (dZ = dA * act'(Z))"),
    P("extra-mean-in-hidden-layer", "mlp", "MLP.backward", S,
      [(r"dA = (affine_backward_input\(.*\))[ \t]*$", r"dA = [[v / len(dZ) for v in row] for row in \1]")]),
    P("extra-mean-in-hidden-layer", "mlp", "MLP.backward", V,
      [(r"dA = (affine_backward_input\(.*\))[ \t]*$", r"dA = \1 / dZ.shape[0]")]),
    P("dropout-not-in-backward", "mlp", "MLP.backward", BOTH, [(L('dA = dropout_backward(dA, below["drop"])'), "pass")]),
]


def plants_for(twin, module, function):
    """The plants of one function of one twin, the proof's own first."""
    return [p for p in PLANTS if twin in p.twins and p.module == module and p.function == function]


def plant_source(source, plant):
    """A function body's ``source`` (below its marker) with the plant's substitutions; each must match exactly once (else a ValueError naming it)."""
    for sub in plant.subs:
        pattern, replacement, every = sub[0], sub[1], len(sub) > 2     # (pattern, replacement, "all")
        found = len(re.findall(pattern, source, flags=re.M))
        if found != 1 and not (every and found):
            raise ValueError("plant %s of %s.%s matches %d times, not once: %r (the lesson source changed: "
                             "update twin_nn/exercises/mutants.py)" % (plant.id, plant.module, plant.function,
                                                                       found, pattern))
        source = re.sub(pattern, replacement, source, count=0 if every else 1, flags=re.M)
    return source


def _lookup(module, qualname):
    obj = module
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def mutant_module(reference, plant):
    """A copy of the reference module's namespace whose ``plant.function`` carries the bug.

    The planted function is compiled from the reference function's source with
    the module's globals, so everything it calls is the reference's.
    """
    ref_fn = _lookup(reference, plant.function)
    source = textwrap.dedent(inspect.getsource(ref_fn))
    head, marker, body = source.partition("# exercise ")          # plant in the body, never the docstring
    marker_line, newline, body = body.partition("\n")
    source = head + marker + marker_line + newline + plant_source(body, plant)
    namespace = dict(vars(reference))
    exec(compile(source, "<%s planted in %s>" % (plant.id, plant.function), "exec"), namespace)
    mutant = types.ModuleType(reference.__name__)
    vars(mutant).update(vars(reference))
    name = plant.function.split(".")[-1]
    if "." in plant.function:                   # a method: a subclass with the planted method
        cls = getattr(reference, plant.function.split(".")[0])
        setattr(mutant, cls.__name__, type(cls.__name__, (cls,), {name: namespace[name]}))
    else:
        setattr(mutant, name, namespace[name])
    return mutant


def diagnosis(plant):
    """{"id", "message"} of a plant, scoped to its function, citing the conventions."""
    bug = BUGS[plant.id]
    return {"id": plant.id, "message": "%s (docs/CONVENTIONS.md section %d; the lesson's %s.%s does it right)" % (
        plant.says or bug.message, bug.section, plant.module, plant.function)}
