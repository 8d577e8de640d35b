"""A network's configuration: its architecture and hyperparameters, checked and stored; its repr.

Both twins' ``MLP`` build themselves through these functions, so that a
network is configured, described and rebuilt from parameters (``from_params``)
the same way in each: ``configure`` is the constructor's body that is not
array math, ``describe_net`` the repr, ``sizes_from_params`` and
``checked_params`` what ``from_params`` reads from the parameter shapes.
The checks themselves are ``checks.py``'s.
"""

import numbers

from ..conventions import BN_MOMENTUM
from .checks import as_matrix, check_model, check_number, is_sequence, plain
from .limits import check_network_memory


def configure(net, sizes, hidden, output, loss, seed=0, l2=0.0, l2_bias=0.0, dropout=0.0,
              batchnorm=False, bn_momentum=None):
    """Check an MLP's architecture and hyperparameters and store them on ``net`` (both twins)."""
    net.sizes = check_model(sizes, hidden, output, loss)
    check_network_memory(net.sizes, batchnorm, getattr(getattr(net, "ops", None), "name", "vector"))  # before allocating
    net.hidden, net.output, net.loss_name = hidden, output, loss
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError("seed must be an int, got %r" % (seed,))
    net.seed = int(seed)
    net.l2 = check_number("l2", l2, low=0.0)
    net.l2_bias = check_number("l2_bias", l2_bias, low=0.0)
    net.dropout = check_number("dropout", dropout, low=0.0, high=1.0, high_inclusive=False)
    net.batchnorm = bool(batchnorm)
    net.bn_momentum = check_number("bn_momentum", BN_MOMENTUM if bn_momentum is None else bn_momentum,
                                   low=0.0, high=1.0)
    net.training = True
    net.draws = 0           # dropout mask draws so far: the counter of the DROPOUT stream
    net.last_masks = None
    net.last_output = None  # Yhat of the last training pass, for inspection (the pass also returns it)


def describe_net(net):
    """A readable repr: MLP([2, 2, 1], hidden='sigmoid', output='sigmoid', loss='mse', ...)."""
    parts = ["%r" % (net.sizes,), "hidden=%r" % net.hidden, "output=%r" % net.output,
             "loss=%r" % net.loss_name, "seed=%d" % net.seed]
    for name in ("l2", "l2_bias", "dropout"):
        if getattr(net, name):
            parts.append("%s=%g" % (name, getattr(net, name)))
    if net.batchnorm:
        parts.append("batchnorm=True")
        if net.bn_momentum != BN_MOMENTUM:
            parts.append("bn_momentum=%g" % net.bn_momentum)
    return "%s(%s)" % (type(net).__name__, ", ".join(parts))


def sizes_from_params(params, options):
    """([n_0, ..., n_L], batchnorm) read from the shapes of W1..WL, checked to chain.

    BatchNorm is on when ``params`` has gamma1; a ``batchnorm`` option in
    ``options`` (removed from it) must agree.
    """
    if not isinstance(params, dict) or "W1" not in params:
        raise ValueError("params must be a dict with at least W1 and b1")
    sizes = []
    k = 1
    while "W%d" % k in params:
        W = plain(params["W%d" % k])
        if not is_sequence(W) or not W or not is_sequence(W[0]) or not W[0]:
            raise ValueError("W%d must be a matrix (list of rows)" % k)
        n_in, n_out = len(W), len(W[0])
        if sizes and sizes[-1] != n_in:
            raise ValueError("W%d has %d rows but layer %d has %d units" % (k, n_in, k - 1, sizes[-1]))
        if not sizes:
            sizes.append(n_in)
        sizes.append(n_out)
        k += 1
    batchnorm = "gamma1" in params
    asked = options.pop("batchnorm", None)
    if asked is not None and bool(asked) != batchnorm:
        raise ValueError("batchnorm=%r but params %s gamma1/beta1: BatchNorm is read from the parameters"
                         % (asked, "hold" if batchnorm else "have no"))
    return sizes, batchnorm


def checked_params(params, buffers, shapes, default_buffers, as_param):
    """(params, buffers) checked against ``shapes`` and for finiteness, converted by ``as_param``."""
    unknown = sorted(set(params) - set(shapes))
    if unknown:
        raise ValueError("unexpected parameter names %s (expected %s)" % (unknown, list(shapes)))
    clean = {}
    for name, shape in shapes.items():
        if name not in params:
            raise ValueError("parameter %s is missing" % name)
        clean[name] = as_param(checked_param(name, params[name], shape))
    clean_buffers = dict(default_buffers)
    for name, value in (buffers or {}).items():
        if name not in clean_buffers:
            raise ValueError("unexpected buffer name %r" % name)
        clean_buffers[name] = as_param(checked_param(name, value, (len(clean_buffers[name]),)))
    return clean, clean_buffers


def checked_param(name, value, shape):
    """A copy of one parameter as lists of floats, checked against ``shape`` and for finiteness."""
    value = plain(value)
    if len(shape) == 2:
        rows = as_matrix(value, name, shape[1])
        if len(rows) != shape[0]:
            raise ValueError("%s has %d rows, expected %d" % (name, len(rows), shape[0]))
        return rows
    if not is_sequence(value) or any(is_sequence(v) for v in value):
        raise ValueError("%s must be a flat vector of %d numbers" % (name, shape[0]))
    return as_matrix([value], name, shape[0])[0]
