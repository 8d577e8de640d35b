"""The project's fixed conventions, as names and numbers both twins share.

The full statement, with every formula, is ``docs/CONVENTIONS.md``.  In short:

* ``sizes = [n_0, n_1, ..., n_L]``; layer k has ``W_k`` of shape
  ``(n_{k-1}, n_k)`` (rows are the layer's inputs, columns its units) and
  ``b_k`` of shape ``(n_k,)``.  A batch ``X`` is ``(m, n_0)``, one row a sample.
* Hidden layers use one elementwise activation; the output layer is fixed by
  the output/loss pair.
* ``mse`` and ``bce`` average over all ``m * n_L`` entries; ``cross_entropy``
  averages over the ``m`` samples.
* L2 adds ``(l2/2) sum ||W||^2 + (l2_bias/2) sum ||b||^2`` (note the 1/2).

This module holds no arithmetic, so ``vector_nn`` imports it as it is.
"""

HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu", "swish", "linear")

# The output/loss pairs that make sense, and why others do not:
#   softmax + mse / bce: the gradient vanishes where the model is most wrong;
#   linear + bce / cross_entropy: the loss needs probabilities;
#   sigmoid + cross_entropy: cross_entropy needs rows that sum to 1.
OUTPUT_LOSS_PAIRS = (
    ("linear", "mse"),
    ("sigmoid", "mse"),
    ("sigmoid", "bce"),
    ("softmax", "cross_entropy"),
)
OUTPUTS = ("linear", "sigmoid", "softmax")
LOSSES = ("mse", "bce", "cross_entropy")

BN_EPS = 1e-5          # added to the batch variance before the square root
BN_MOMENTUM = 0.1      # weight of the new batch statistic (PyTorch convention)

ADAM_BETA1 = 0.9
ADAM_BETA2 = 0.999
ADAM_EPS = 1e-8


def param_names(n_layers, batchnorm=False):
    """Names of the parameters, in order: W1, b1, [gamma1, beta1,] W2, b2, ...

    BatchNorm parameters exist only for hidden layers (k < L).
    """
    names = []
    for k in range(1, n_layers + 1):
        names += ["W%d" % k, "b%d" % k]
        if batchnorm and k < n_layers:
            names += ["gamma%d" % k, "beta%d" % k]
    return names


def param_shapes(sizes, batchnorm=False):
    """Dict name -> shape tuple, e.g. {"W1": (n0, n1), "b1": (n1,), ...}."""
    shapes = {}
    L = len(sizes) - 1
    for k in range(1, L + 1):
        shapes["W%d" % k] = (sizes[k - 1], sizes[k])
        shapes["b%d" % k] = (sizes[k],)
        if batchnorm and k < L:
            shapes["gamma%d" % k] = (sizes[k],)
            shapes["beta%d" % k] = (sizes[k],)
    return shapes


def buffer_shapes(sizes):
    """Dict of BatchNorm running statistics, running_mean_k / running_var_k, shape (n_k,)."""
    shapes = {}
    for k in range(1, len(sizes) - 1):
        shapes["running_mean%d" % k] = (sizes[k],)
        shapes["running_var%d" % k] = (sizes[k],)
    return shapes


def is_classification(loss):
    """True for losses whose targets are classes (accuracy makes sense): bce and cross_entropy.

    The one place that decides it: the training metric (accuracy or rmse),
    the decision-region picture and the benchmarks' peers all ask here.
    """
    return loss in ("bce", "cross_entropy")
