"""A clean batch, its targets and small networks of every twin: what the input-checking tests alter.

Used by test_bad_input.py (one mistake at a time) and test_accepted_input.py
(the edge values that are allowed).
"""

NAN, INF = float("nan"), float("inf")


def X4():
    """A clean batch of 4 rows and 3 features."""
    return [[0.1, -0.2, 0.3], [0.5, 0.0, -1.0], [1.5, 2.0, 0.25], [-0.7, 0.4, 0.9]]


def Y_mse():
    """Regression targets (4, 2)."""
    return [[0.0, 1.0], [0.5, -0.5], [1.0, 0.0], [0.25, 0.75]]


def Y_bce():
    """Binary targets (4, 2), every value in [0, 1]."""
    return [[0.0, 1.0], [0.5, 1.0], [1.0, 0.0], [0.25, 0.75]]


def net(twin, output="linear", loss="mse", sizes=(3, 4, 2), **kw):
    return twin.mlp.MLP(list(sizes), hidden="tanh", output=output, loss=loss, seed=3, **kw)


def ce_net(twin, **kw):
    return net(twin, "softmax", "cross_entropy", **kw)


def bce_net(twin, **kw):
    return net(twin, "sigmoid", "bce", **kw)


def drop_net(twin, **kw):
    """Two hidden layers (4 and 5 units) with dropout, 2 outputs."""
    return net(twin, sizes=(3, 4, 5, 2), dropout=0.5, **kw)


def good_masks():
    return [[[1.0, 0.0, 1.0, 1.0]] * 4, [[0.0, 1.0, 1.0, 1.0, 0.0]] * 4]


def with_entry(M, i, j, v):
    """A copy of the matrix M with M[i][j] = v."""
    M = [list(row) for row in M]
    M[i][j] = v
    return M
