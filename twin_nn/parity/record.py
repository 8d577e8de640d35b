"""Recording: one twin's run as a Trace of labelled segments per step; running both twins."""

import math
from collections import namedtuple

from .cases import batch_indices, excluded_params, make_data, make_net, make_optimizer, vector_package


def _flat(x):
    """A flat list of floats from a float, a list of floats, a list of rows or an array."""
    import numpy as np
    if isinstance(x, np.ndarray):
        return x.ravel().tolist()
    if isinstance(x, (int, float)):
        return [float(x)]
    if x and isinstance(x[0], (list, tuple)):
        out = []
        for row in x:
            out.extend(row)
        return out
    return [float(v) for v in x]


def _shape(x):
    """Shape of a float, list, list of rows or array."""
    import numpy as np
    if isinstance(x, np.ndarray):
        return x.shape
    if isinstance(x, (int, float)):
        return ()
    if x and isinstance(x[0], (list, tuple)):
        return (len(x), len(x[0]))
    return (len(x),)


def group_of(label):
    """The group whose scale an entry is compared at (see the module docstring)."""
    if label.startswith("grad "):
        return "grads"
    if label.startswith("state "):
        return label.split("[")[0]            # "state v", "state m"
    if label.startswith("running_"):
        return "buffers"
    if label == "target":
        return "output"
    if label in ("output", "loss", "predict") or label.startswith("mask"):
        return label
    return "params"


class Trace:
    """One twin's record of a run: the same labelled segments at every step.

    ``labels``/``shapes`` describe the segments, ``rows[t]`` is the flat list
    of every float recorded at step ``steps[t]`` (1-based), ``final`` the
    after-run record [("predict", Yhat)].
    """

    def __init__(self, name):
        self.name = name
        self.labels, self.shapes, self.rows, self.steps = None, None, [], []
        self.final = None
        self._matrix = self._offsets = self._columns = None

    def add(self, step, items):
        """Record one step: ``items`` is a list of (label, value)."""
        import numpy as np
        labels = [label for label, _ in items]
        shapes = [_shape(v) for _, v in items]
        if self.labels is None:
            self.labels, self.shapes = labels, shapes
        elif labels != self.labels or shapes != self.shapes:
            raise ValueError("step %s records %s, earlier steps recorded %s" % (step, labels, self.labels))
        if any(isinstance(v, np.ndarray) for _, v in items):        # the vector twin: stay in arrays
            row = np.concatenate([np.ravel(np.asarray(v, dtype=np.float64)) for _, v in items])
        else:                                                        # the scalar twin: lists of floats
            row = []
            for _, v in items:
                row.extend(_flat(v))
        self.rows.append(row)
        self.steps.append(step)
        self._matrix = None

    def matrix(self):
        """All steps as a float64 array (steps, entries)."""
        import numpy as np
        if self._matrix is None:
            if self.rows and isinstance(self.rows[0], np.ndarray):
                self._matrix = np.stack(self.rows)
            else:
                self._matrix = np.array(self.rows, dtype=np.float64).reshape(len(self.rows), -1)
        return self._matrix

    def offsets(self):
        """Start offset of each segment in a row, and the total length at the end."""
        import numpy as np
        if self._offsets is None:
            sizes = [math.prod(s) for s in self.shapes]
            self._offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
            self._columns = {label: slice(int(self._offsets[s]), int(self._offsets[s + 1]))
                             for s, label in enumerate(self.labels)}
        return self._offsets

    def columns(self, label):
        """The column slice of a segment."""
        self.offsets()
        return self._columns[label]

    def final_trace(self):
        """The after-run record as a one-step Trace (step label 'end')."""
        t = Trace(self.name)
        t.add("end", self.final)
        return t


def step_items(net, optimizer, X, Y, hook=None, first=True):
    """One training step of one twin, returning its record (list of (label, value)).

    masks, forward output and loss are those of the step (parameters before
    the update); grads are what the optimizer consumes; parameters, state and
    buffers are read after the update.  ``hook(grads)`` may alter the grads
    (used to build a deliberately broken twin in the tests).

    The first step of a run goes through the public ``loss_and_grads``; later
    steps, on batches of the same already-checked data, through
    ``loss_and_grads_clean``, the entry that the training loop (``fit``) uses
    after checking its data once: the same arithmetic, without the scalar
    twin re-checking every entry of every batch (about a quarter of its time
    on the wide net).  Tests that patch ``loss_and_grads`` run with
    ``run_twins(..., public_api=True)``.
    """
    if first or not hasattr(net, "loss_and_grads_clean"):
        loss, grads = net.loss_and_grads(X, Y)
    else:
        loss, grads, _ = net.loss_and_grads_clean(X, Y)
    if hook is not None:
        hook(grads)
    masks = net.last_masks
    Yhat = getattr(net, "last_output", None)
    if Yhat is None:
        Yhat = net.forward(X, training=True, masks=masks)
    items = []
    for k, M in enumerate(masks or [], start=1):
        items.append(("mask%d" % k, M))
    items.append(("output", Yhat))
    if net.loss_name != "cross_entropy":
        items.append(("target", Y))                 # the output's scale (see group_of); equal in both
    items.append(("loss", loss))
    for name in net.params:
        items.append(("grad %s" % name, grads[name]))
    optimizer.step(net.params, grads)
    for name in net.params:
        items.append((name, net.params[name]))
    for s in sorted(optimizer.state):
        for name in net.params:
            items.append(("state %s[%s]" % (s, name), optimizer.state[s][name]))
    for name in sorted(net.buffers):
        items.append((name, net.buffers[name]))
    return items


def sync_vector_from_scalar(vnet, vopt, snet, sopt, names=None):
    """Copy the scalar twin's parameters (only ``names`` if given), else also buffers, state, counters."""
    if names is not None:
        for name in names:
            vnet.params[name][...] = snet.params[name]
        return
    for name, P in vnet.params.items():
        P[...] = snet.params[name]
    for name, B in vnet.buffers.items():
        B[...] = snet.buffers[name]
    for s, per_param in sopt.state.items():
        for name, value in per_param.items():
            vopt.state[s][name][...] = value
    vnet.draws = snet.draws
    vopt.steps = sopt.steps


Run = namedtuple("Run", "cfg scalar lockstep free")


def run_twins(cfg, steps=None, modes=("lockstep", "free"), vector_hook=None, public_api=False, engine="plain"):
    """Train both twins step by step; return a Run of Traces (scalar, lockstep, free).

    The initial parameters and buffers are checked to be bit-identical first
    (the vector twin converts the scalar twin's draws).  In free mode the
    ``excluded_params`` are pinned to the scalar values after every step.
    ``vector_hook`` is passed to ``step_items`` for the vector twin (tests);
    ``public_api=True`` makes every vector step call ``loss_and_grads``;
    ``engine`` picks the vector twin ("plain", "fast", "exact" or "fast32", see ``vector_package``).
    Exact mode pins nothing: its structural zeros are the scalar twin's noise, bit for bit.
    """
    import numpy as np
    import scalar_nn.mlp
    import scalar_nn.optim
    vector_nn = vector_package(engine)

    steps = cfg.steps if steps is None else steps
    X, Y = make_data(cfg)
    Xv = np.array(X, dtype=np.float64)
    Yv = np.array(Y) if cfg.loss == "cross_entropy" else np.array(Y, dtype=np.float64)
    snet, sopt = make_net(scalar_nn, cfg), make_optimizer(scalar_nn, cfg)
    pinned = sorted(excluded_params(cfg)) if engine != "exact" else []
    twins = {}
    for mode in modes:
        vnet = make_net(vector_nn, cfg)
        assert_identical_start(snet, vnet)
        twins[mode] = (vnet, make_optimizer(vector_nn, cfg), Trace("vector %s" % mode))
    strace = Trace("scalar")
    for step in range(1, steps + 1):
        rows = batch_indices(cfg, step)
        first = step == 1
        strace.add(step, step_items(snet, sopt, [X[i] for i in rows], [Y[i] for i in rows], first=first))
        for mode, (vnet, vopt, vtrace) in twins.items():
            vtrace.add(step, step_items(vnet, vopt, Xv[rows], Yv[rows], hook=vector_hook,
                                        first=first or public_api))
            if mode == "lockstep":
                sync_vector_from_scalar(vnet, vopt, snet, sopt)
            elif pinned:
                sync_vector_from_scalar(vnet, vopt, snet, sopt, names=pinned)
    strace.final = [("predict", snet.predict(X))]
    if engine == "exact":                  # and the inference-mode loss (compared bit for bit only)
        strace.final.append(("eval loss", snet.loss(X, Y)))
    for mode, (vnet, vopt, vtrace) in twins.items():
        vtrace.final = [("predict", vnet.predict(Xv))]
        if engine == "exact":
            vtrace.final.append(("eval loss", vnet.loss(Xv, Yv)))
        if vopt.steps != sopt.steps or vnet.draws != snet.draws:
            raise AssertionError("counters differ: scalar steps %d draws %d, vector steps %d draws %d"
                                 % (sopt.steps, snet.draws, vopt.steps, vnet.draws))
    return Run(cfg, strace, twins.get("lockstep", (None,) * 3)[2], twins.get("free", (None,) * 3)[2])


def assert_identical_start(snet, vnet):
    """The twins start from bit-identical parameters and buffers."""
    import numpy as np
    for group in ("params", "buffers"):
        s, v = getattr(snet, group), getattr(vnet, group)
        if list(s) != list(v):
            raise AssertionError("%s names differ: %s vs %s" % (group, list(s), list(v)))
        for name in s:
            b = v[name]
            a = np.array(s[name], dtype=np.float64).astype(b.dtype)    # a float32 twin: rounded once
            if a.shape != b.shape or not np.array_equal(a, b):
                raise AssertionError("initial %s differs between the twins" % name)
