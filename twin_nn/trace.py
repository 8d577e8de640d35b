"""``twin-nn trace``: every number of a training step, computed by the scalar twin.

A trace runs real training steps of a small network and writes down every
value the step produced, as the sum or product it came from:

* **forward**: for every unit, ``z = w·a + ... + b`` with the numbers put in,
  then ``a = act(z)`` (and the dropout scaling when the network has dropout);
* **loss**: the data loss as the mean it is, plus the L2 term when there is one;
* **backward**: every partial derivative, ``dL/dz``, ``dL/dw``, ``dL/db`` and
  ``dL/da``, with the chain-rule product it is made of;
* **update**: every parameter's old value, its step and its new value, with the
  optimizer's rule (and its state: velocity, Adam moments).

The numbers are the twin's own: the forward values are the layer caches of
``MLP.forward_with_cache``, the parameter gradients come from ``MLP.backward``
(the intermediate ``dL/da`` and ``dL/dz`` from the same layer functions
``backward`` calls, on the same caches), and the new parameters from the
optimizer's ``step``.  This module runs the steps and keeps those numbers
(``trace_step``), ``trace_lines`` writes them down as the equations those
functions compute, with their inputs filled in (and the notation above the
steps), and ``trace_html`` draws the page.
``parity_tests/app/test_trace.py`` checks the traced numbers against the twin's
``loss_and_grads`` and ``step``.

What is traced (``build_setup``):

* by default, the 2-2-1 sigmoid network of ``network221`` with the readable
  starting weights ``HAND_WEIGHTS`` (those of the hand-worked step in
  ``parity_tests/lesson/test_network221.py`` and of chapter 2 of the tour), per-sample
  SGD at lr 0.1 on the four people, starting with Alice.  Named numbers w1..w6,
  b1..b3, units h1, h2, o1, exactly as in ``network221.py``;
* ``recipe=NAME``: that recipe's activations, output/loss pair, L2, dropout and
  optimizer, on the first ``rows`` rows (default 4) of its training data, with
  every hidden layer shrunk to ``width`` units (default 3; 0 keeps the recipe's
  sizes).  Units are x1.., h<k>_<j> (hidden layer k, unit j, from 1) and o1..;
  weights are named by their array entry, ``W1[0,2]`` (NumPy indices, from 0).

Step j uses the batch ``training.sequential_batch(n, batch_size, j)``; a
per-row value is suffixed ``#r`` (batch row r) when the batch has more than
one row.  ``--vector`` (``vector_text``) replays the same steps in the vector
twin and prints its arrays, each entry marked with the scalar line it matches.
"""

import copy
import json

from scalar_nn import network221
from scalar_nn.layers import activation_backward, affine_backward_input, dropout_backward
from scalar_nn.losses import output_delta
from scalar_nn.mlp import MLP
from scalar_nn.optim import SGD
from scalar_nn.toolkit import datasets
from . import recipes
from scalar_nn.toolkit.training import sequential_batch
from scalar_nn.toolkit.validation import check_choice, check_int
from . import trace_lines
# The formatting helpers live in trace_lines; they are part of this module's interface too.
from .trace_lines import ACT_SYMBOL, Line, fmt, par, row_suffix, _entries, _get  # noqa: F401

# The readable starting numbers of the hand-worked step (parity_tests/lesson/test_network221.py).
HAND_WEIGHTS = {
    "w1": 1.0, "w2": 0.5, "b1": 0.5,
    "w3": -0.5, "w4": 0.25, "b2": -0.25,
    "w5": 2.0, "w6": -1.0, "b3": 0.1,
}
PEOPLE = ("Alice", "Bob", "Charlie", "Diana")
MAX_INPUTS = 16          # a trace of a 3072-input layer is not something to read


# ------------------------------------------------------------------ setup
class Setup:
    """What a trace runs: a scalar MLP, its optimizer, the data, the batch size and the names.

    ``units[k]`` are the names of layer k's units (k = 0: the inputs);
    ``param_names[(array, index)]`` is the name of one parameter entry.
    """

    def __init__(self, title, net, optimizer, X, Y, batch_size, units, param_names, row_labels):
        """Keep the parts, and a copy of the parameters before any traced step."""
        self.title, self.net, self.optimizer = title, net, optimizer
        self.X, self.Y, self.batch_size = X, Y, batch_size
        self.units, self.param_names, self.row_labels = units, param_names, row_labels
        self.initial_params = copy.deepcopy(net.params)

    def describe(self):
        """The setup in one paragraph: network, optimizer, data."""
        net = self.net
        extra = ""
        if net.l2 > 0.0:
            extra += ", l2 %g" % net.l2
        if net.l2_bias > 0.0:
            extra += ", l2_bias %g" % net.l2_bias
        if net.dropout > 0.0:
            extra += ", dropout %g" % net.dropout
        opt = self.optimizer            # its hyperparameters, not its step count (the trace has run)
        optimizer = "%s(%s)" % (type(opt).__name__, ", ".join("%s=%g" % (k, getattr(opt, k))
                                                            for k in opt.hyperparameters))
        return "%s\nnetwork %s, hidden %s, output %s, loss %s%s\noptimizer %s\ndata: %d rows, batch %d" % (
            self.title, net.sizes, net.hidden, net.output, net.loss_name, extra, optimizer,
            len(self.X), self.batch_size)


def _generic_names(sizes):
    """Unit names (x1.., h<k>_<j>.., o1..) and parameter-entry names (W1[i,j], b1[j]) of an MLP."""
    L = len(sizes) - 1
    units = [["x%d" % (i + 1) for i in range(sizes[0])]]
    for k in range(1, L):
        units.append(["h%d_%d" % (k, j + 1) for j in range(sizes[k])])
    units.append(["o%d" % (j + 1) for j in range(sizes[L])])
    names = {}
    for k in range(1, L + 1):
        for i in range(sizes[k - 1]):
            for j in range(sizes[k]):
                names[("W%d" % k, (i, j))] = "W%d[%d,%d]" % (k, i, j)
        for j in range(sizes[k]):
            names[("b%d" % k, (j,))] = "b%d[%d]" % (k, j)
    return units, names


def build_setup(recipe=None, rows=None, width=3, seed=None, lr=None, batch_size=None, person="alice"):
    """The network, optimizer and data a trace runs on (module docstring: what is traced).

    Default (``recipe`` None): the 2-2-1 net from ``HAND_WEIGHTS`` (from
    ``network221.init_weights(seed)`` when ``seed`` is not None), SGD lr 0.1
    (or ``lr``), the four people, batch 1, the first step on ``person``.  With a recipe: its first ``rows`` rows, hidden layers shrunk
    to ``width`` units (0: as in the recipe), its optimizer; full batch unless
    ``batch_size`` is given.
    """
    if recipe is None or recipe == "people-221":
        return _setup_221(seed, lr, batch_size, person)
    r = recipes.get(recipe)
    seed = 0 if seed is None else check_int("seed", seed)
    if r.model.get("batchnorm"):
        raise ValueError("trace does not show BatchNorm; recipe %s uses it (try sine3d, spiral, circles)" % r.name)
    if r.model["sizes"][0] > MAX_INPUTS:
        raise ValueError("recipe %s has %d inputs; trace shows networks of at most %d inputs"
                         % (r.name, r.model["sizes"][0], MAX_INPUTS))
    rows = 4 if rows is None else check_int("rows", rows, low=1)
    width = check_int("width", width, low=0)
    X, Y, _, _ = recipes.load_data(r, "scalar", seed)
    rows = min(rows, len(X))
    X, Y = [list(x) for x in X[:rows]], copy.deepcopy(Y[:rows])
    model = dict(r.model)
    sizes = list(model.pop("sizes"))
    if width:
        sizes = [sizes[0]] + [width] * (len(sizes) - 2) + [sizes[-1]]
    net = MLP(sizes, seed=seed, **model)
    X, Y = net.ops.clean_data(net, X, Y)          # targets as the loss wants them (rows, or labels)
    kind, kwargs = r.optimizer
    kwargs = dict(kwargs)
    if lr is not None:
        kwargs["lr"] = lr
    from scalar_nn.optim import make_optimizer
    opt = make_optimizer(kind, **kwargs)
    units, names = _generic_names(sizes)
    title = "recipe %s, first %d rows of its training data%s (seed %d)" % (
        r.name, rows, ", hidden layers shrunk to %d units" % width if width and sizes != r.model["sizes"] else "",
        seed)
    batch = rows if batch_size is None else min(check_int("batch_size", batch_size, low=1), rows)
    return Setup(title, net, opt, X, Y, batch, units, names, ["row %d" % i for i in range(rows)])


def _setup_221(seed, lr, batch_size, person):
    """The 2-2-1 network of network221.py on the four people, in the MLP layout, named w1..b3."""
    if seed is None or seed == "hand":
        weights, where = dict(HAND_WEIGHTS), "the hand-worked weights"
    else:
        weights, where = network221.init_weights(check_int("seed", seed)), "network221.init_weights(%d)" % seed
    net = MLP.from_params(network221.weights_to_params(weights), hidden="sigmoid", output="sigmoid", loss="mse")
    opt = SGD(lr=0.1 if lr is None else lr)
    X, Y = datasets.people()
    start = check_choice("person", person.capitalize(), PEOPLE) if isinstance(person, str) else PEOPLE[person]
    first = PEOPLE.index(start)
    order = list(range(first, 4)) + list(range(first))
    X, Y = [X[i] for i in order], [Y[i] for i in order]
    units = [["x1", "x2"], ["h1", "h2"], ["o1"]]
    names = {(array, index): name for name, (array, index) in network221.LAYOUT.items()}
    title = "the 2-2-1 network of scalar_nn/network221.py from %s, per-sample SGD, first on %s" % (where, start)
    batch = 1 if batch_size is None else min(check_int("batch_size", batch_size, low=1), 4)
    return Setup(title, net, opt, X, Y, batch, units, names, [PEOPLE[i] for i in order])


# ------------------------------------------------------------------ tracing
class StepTrace:
    """Everything one training step computed, as named values and formatted lines.

    Attributes: ``step`` (1-based), ``batch`` (row indices), ``X``/``Y`` (the
    batch), ``masks``, ``params_before``/``params_after`` (arrays, lists),
    ``grads`` (from ``MLP.backward``), ``loss``/``data_loss``/``l2_loss``, ``full_loss`` (the loss over
    all the traced rows before the step, in inference mode), ``lr``,
    and ``lines``: {"forward", "loss", "backward", "update"} -> list of Line.
    """

    def values(self, phase):
        """{name: value} of one phase's lines, in order."""
        return {line.name: line.value for line in self.lines[phase]}


def trace_step(setup, j):
    """Run training step j (0-based) of ``setup`` in the scalar twin and record every number.

    The step is the twin's: ``forward_with_cache`` (training mode, the step's
    dropout masks, running statistics updated), ``data_loss`` + ``l2_penalty``,
    ``output_delta`` then ``backward`` for the gradients, and the optimizer's
    ``step``.  Returns a StepTrace.
    """
    net, opt = setup.net, setup.optimizer
    batch = sequential_batch(len(setup.X), setup.batch_size, j)
    X, Y = [setup.X[i] for i in batch], [setup.Y[i] for i in batch]
    m = len(X)
    t = StepTrace()
    t.step, t.batch, t.X, t.Y = j + 1, batch, X, Y
    t.params_before = copy.deepcopy(net.params)
    t.state_before = copy.deepcopy(opt.state)
    # The loss over all the traced rows before the step (inference mode: no dropout, nothing drawn):
    # one batch's loss jumps from row to row, this one shows whether training makes progress.
    t.full_loss = net.loss(setup.X, setup.Y)
    t.masks = net.draw_masks(m) if (net.training and net.dropout > 0.0) else None
    Z_L, Yhat, caches = net.forward_with_cache(X, net.training, t.masks, update_stats=net.training)
    t.data_loss = net.data_loss(Z_L, Yhat, Y)
    t.l2_loss = net.l2_penalty()
    t.loss = t.data_loss + t.l2_loss
    dZ_L = output_delta(net.output, net.loss_name, Z_L, Yhat, Y)
    t.grads = net.backward(dZ_L, caches)
    # The intermediate gradients, from the layer functions backward() calls, on the same caches.
    L = net.n_layers
    dZ, dA, dAct = {L: dZ_L}, {}, {}
    for k in range(L, 1, -1):
        dA[k - 1] = affine_backward_input(dZ[k], caches[k - 1]["affine"])
        below = caches[k - 2]
        dAct[k - 1] = dropout_backward(dA[k - 1], below["drop"]) if below["drop"] is not None else dA[k - 1]
        dZ[k - 1] = activation_backward(dAct[k - 1], below["act"])
    t.lr = opt.current_lr()
    opt.step(net.params, t.grads)
    t.params_after = copy.deepcopy(net.params)
    t.state_after = copy.deepcopy(opt.state)
    t.caches, t.Z_L, t.Yhat, t.dZ, t.dA, t.dAct = caches, Z_L, Yhat, dZ, dA, dAct
    t.lines = {"forward": trace_lines.forward_lines(setup, t), "loss": trace_lines.loss_lines(setup, t),
               "backward": trace_lines.backward_lines(setup, t), "update": trace_lines.update_lines(setup, t)}
    return t


def run_trace(setup, steps=1):
    """``steps`` consecutive training steps of ``setup``: a list of StepTrace."""
    steps = check_int("steps", steps, low=1)
    return [trace_step(setup, j) for j in range(steps)]


# ------------------------------------------------------------------ output
PHASE_TITLES = {"forward": "forward pass", "loss": "loss", "backward": "backward pass (chain rule)",
                "update": "update"}


def text_report(setup, traces):
    """The whole trace as text: the setup, then for each step its four phases, one line a value."""
    out = [setup.describe()] + trace_lines.notation(setup)
    for t in traces:
        rows = ", ".join(setup.row_labels[i] for i in t.batch)
        xs = "; ".join("x = %s" % ", ".join(fmt(v) for v in x) for x in t.X)
        out.append("")
        out.append("=== step %d: batch %s (%s), y = %s" % (t.step, rows, xs, "; ".join(
            ", ".join(fmt(v) for v in y) if isinstance(y, list) else str(y) for y in t.Y)))
        for phase in ("forward", "loss", "backward", "update"):
            out.append("-- %s" % PHASE_TITLES[phase])
            out.extend("  " + line.text for line in t.lines[phase])
            if phase == "loss" and len(t.batch) < len(setup.X):
                out.append("  (over all %d rows before this step the loss is %s: a batch's loss jumps from "
                           "batch to batch, this one shows the progress)" % (len(setup.X), fmt(t.full_loss)))
    return "\n".join(out) + "\n"


def _named_params(setup, params):
    """{entry name: value} of a parameter dict."""
    return {setup.param_names[(array, index)]: v for array in params for index, v in _entries(params[array])}


def trace_data(setup, traces):
    """The trace as JSON-ready data, keyed by the names of the text (module docstring)."""
    net = setup.net
    steps = []
    for t in traces:
        steps.append({
            "step": t.step, "batch": t.batch, "rows": [setup.row_labels[i] for i in t.batch],
            "X": t.X, "Y": t.Y, "lr": t.lr,
            "params_before": _named_params(setup, t.params_before),
            "forward": t.values("forward"),
            "loss": {"data": t.data_loss, "l2": t.l2_loss, "total": t.loss, "all_rows": t.full_loss},
            "backward": t.values("backward"),
            "gradients": {"dL/d" + k: v for k, v in _named_params(setup, t.grads).items()},
            "params_after": _named_params(setup, t.params_after),
            "masks": t.masks,
            "lines": {phase: [line.to_dict() for line in t.lines[phase]] for phase in t.lines},
        })
    return {
        "title": setup.title,
        "row_labels": list(setup.row_labels),
        "network": {"sizes": net.sizes, "hidden": net.hidden, "output": net.output, "loss": net.loss_name,
                    "l2": net.l2, "l2_bias": net.l2_bias, "dropout": net.dropout, "units": setup.units,
                    "params": {array: {setup.param_names[(array, index)]: list(index)
                                       for index, _ in _entries(setup.initial_params[array])}
                               for array in setup.initial_params}},
        "optimizer": {"name": setup.optimizer.name, **{h: getattr(setup.optimizer, h)
                                                        for h in setup.optimizer.hyperparameters}},
        "steps": steps,
    }


def json_text(setup, traces):
    """``trace_data`` as indented JSON text."""
    return json.dumps(trace_data(setup, traces), indent=1, ensure_ascii=False) + "\n"


# ------------------------------------------------------------------ the vector twin
def vector_text(setup, traces):
    """The same steps in the vector twin, as its arrays (``twin_nn.vector_trace``; NumPy is needed there)."""
    try:
        from . import vector_trace
    except ImportError as exc:
        raise ImportError("--vector needs NumPy and vector_nn (%s); the text, --json and --html do not" % exc) from None
    return vector_trace.vector_text(setup, traces)


def marks_text(marks):
    """Nested lists of names as a bracketed text, like the array above it."""
    if marks and isinstance(marks[0], list):
        return "[" + ", ".join("[" + ", ".join(row) + "]" for row in marks) + "]"
    return "[" + ", ".join(marks) + "]"


# ------------------------------------------------------------------ the CLI
def add_parser(sub):
    """Register ``twin-nn trace`` on the subparsers ``sub`` (called by cli.build_parser)."""
    p = sub.add_parser(
        "trace", help="every number of a training step: forward, loss, backward, update",
        description="Run training steps of a small network in the scalar twin and print every number: "
                    "each z and a as the sum it came from, the loss, each partial derivative as its "
                    "chain-rule product, each parameter's old value, step and new value. Default: the "
                    "2-2-1 network of scalar_nn/network221.py from the hand-worked weights, on Alice.")
    p.add_argument("--recipe", metavar="NAME", help="trace a recipe's network at small size instead "
                   "(sine3d, spiral, circles, ...; hidden layers shrunk to --width units, first --rows rows)")
    p.add_argument("--rows", type=int, help="rows of the recipe's training data (default 4)")
    p.add_argument("--width", type=int, default=3, help="hidden-layer width for a recipe (default 3; 0 = the recipe's)")
    p.add_argument("--batch", type=int, help="batch size (default: 1 for the 2-2-1 net, all --rows for a recipe)")
    p.add_argument("--person", default="alice", help="2-2-1 net: who the first step trains on (default alice)")
    p.add_argument("--seed", type=int, help="seed: a recipe's weights and data (default 0); for the 2-2-1 "
                   "net, network221.init_weights(SEED) instead of the hand-worked weights")
    p.add_argument("--lr", type=float, help="learning rate (default: 0.1, or the recipe's)")
    p.add_argument("--steps", type=int, default=1, help="trace N consecutive steps (default 1)")
    p.add_argument("--vector", action="store_true", help="also print the same steps as the vector twin's arrays")
    p.add_argument("--json", metavar="PATH", help="write the trace as JSON to PATH ('-' = standard output)")
    p.add_argument("--html", metavar="PATH", help="write a self-contained HTML step-through page to PATH")
    p.add_argument("--quiet", action="store_true", help="no text trace on standard output")
    p.set_defaults(func=cmd_trace)
    return p


def cmd_trace(args, out):
    """``twin-nn trace``: build the setup, run the steps, write text / vector / JSON / HTML."""
    setup = build_setup(args.recipe, rows=args.rows, width=args.width, seed=args.seed, lr=args.lr,
                        batch_size=args.batch, person=args.person)
    traces = run_trace(setup, args.steps)
    if not args.quiet and args.json != "-":
        out.write(text_report(setup, traces))
    if args.vector:
        out.write("\n" + vector_text(setup, traces))
    if args.json:
        text = json_text(setup, traces)
        if args.json == "-":
            out.write(text)
        else:
            _write(args.json, text)
            out.write("wrote the trace as JSON to %s\n" % args.json)
    if args.html:
        from . import trace_html
        _write(args.html, trace_html.page(trace_data(setup, traces)))
        out.write("wrote the step-through page to %s\n" % args.html)
    return 0


def _write(path, text):
    """Write text to path atomically (serialize.write_atomically)."""
    from scalar_nn.toolkit.serialize import write_atomically
    data = text.encode("utf-8")
    write_atomically(path, lambda f: f.write(data))
