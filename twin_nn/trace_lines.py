"""The lines of a trace: every value of a training step as the sum or product it came from.

``twin_nn/trace.py`` runs the step in the scalar twin and keeps its caches,
gradients and parameters (a ``StepTrace``); this module only writes them down,
one ``Line`` per value, phase by phase:

* ``forward_lines``: ``z = w·a + ... + b`` with the numbers put in, then
  ``a = act(z)`` (and the dropout scaling ``a = act·M/(1-p)`` when the network
  has dropout), then the output;
* ``loss_lines``: the data loss as the mean it is, the L2 term, the total;
* ``backward_lines``: every partial derivative, ``dL/dz``, ``dL/dw``, ``dL/db``
  and ``dL/da``, as its chain-rule product;
* ``update_lines``: every parameter's old value, the optimizer's rule with its
  numbers, and its new value.

``notation`` says what the names in those lines mean (printed above the steps).
"""

from scalar_nn import activations as _activations

ACT_SYMBOL = {"sigmoid": "s", "tanh": "tanh", "relu": "relu", "swish": "swish", "linear": "linear"}

def fmt(x):
    """A number as the text shows it: 6 significant digits, integers without a point."""
    if x == int(x) and abs(x) < 1e6:
        return "%d" % x
    return "%.6g" % x


def par(x):
    """``fmt(x)`` in parentheses when negative, so that ``a·(-2)`` reads right."""
    s = fmt(x)
    return "(%s)" % s if s.startswith("-") else s


def _entries(value):
    """(index, float) pairs of a vector or matrix, rows first."""
    if value and isinstance(value[0], list):
        return [((i, j), v) for i, row in enumerate(value) for j, v in enumerate(row)]
    return [((j,), v) for j, v in enumerate(value)]


def _unit_entries(value):
    """(index, float) pairs of a vector, or of a matrix column by column (unit by unit)."""
    if value and isinstance(value[0], list):
        return [((i, j), value[i][j]) for j in range(len(value[0])) for i in range(len(value))]
    return _entries(value)


def _get(value, index):
    """value[index] for a (i, j) or (j,) index into lists."""
    return value[index[0]][index[1]] if len(index) == 2 else value[index[0]]


class Line:
    """One line of a trace: the name it defines, its value and the text 'name = formula = numbers = value'."""

    def __init__(self, name, value, text, layer=None, unit=None, param=None, note=None):
        """A line; ``layer``/``unit``/``param`` say where on the network it belongs (for the page);
        ``note`` is a remark in words on a number that looks alarming but is right (printed after the line)."""
        self.name, self.value, self.text = name, value, text
        self.layer, self.unit, self.param, self.note = layer, unit, param, note
        if note:
            self.text += "   <- " + note

    def to_dict(self):
        """The line as JSON-ready data."""
        d = {"name": self.name, "value": self.value, "text": self.text}
        for key in ("layer", "unit", "param", "note"):
            if getattr(self, key) is not None:
                d[key] = getattr(self, key)
        return d


def row_suffix(m, r):
    """'#r' when the batch has several rows (so per-row names stay apart), else ''."""
    return "#%d" % r if m > 1 else ""


# The largest slope of each squashing activation: a unit whose slope is under
# SATURATED times it sits on the flat part of its curve.
MAX_SLOPE = {"sigmoid": 0.25, "tanh": 1.0}
SATURATED = 1e-3


def saturation_note(hidden, z, slope, unit):
    """Words for a saturated sigmoid/tanh unit (its slope a tiny fraction of the largest), else None.

    Such a unit passes almost no gradient back: dL/dz and the gradients of the
    weights into it are tiny, and it learns almost nothing this step.  That is
    the right number, not a bug (ReLU's slope 0 for z < 0 is its rule, not saturation).
    """
    top = MAX_SLOPE.get(hidden)
    if top is None or slope >= SATURATED * top:
        return None
    return ("saturated: z_%s = %s lies on the flat tail of %s (slope %.2g, at most %g), so almost no gradient "
            "flows back through %s and the weights into it barely move: right, not a bug"
            % (unit, fmt(z), hidden, slope, top, unit))


def _layer_inputs(setup, t, k):
    """A_{k-1} of the step (the batch for k = 1) and the names of its columns."""
    A = t.X if k == 1 else t.caches[k - 1]["affine"]["A_prev"]
    return A, ["a_" + u if k > 1 else u for u in setup.units[k - 1]]


def forward_lines(setup, t):
    """z = sum of weight·input + bias, then a = act(z) [· M/(1-p)], for every unit and row; then yhat."""
    net, lines, m = setup.net, [], len(t.X)
    L = net.n_layers
    for k in range(1, L + 1):
        cache = t.caches[k - 1]
        A_prev = cache["affine"]["A_prev"]
        W, b = t.params_before["W%d" % k], t.params_before["b%d" % k]
        in_names = ["a_" + u if k > 1 else u for u in setup.units[k - 1]]
        Z = cache["act"]["Z"] if k < L else t.Z_L
        A_act = t.caches[k]["affine"]["A_prev"] if k < L else t.Yhat
        for r in range(m):
            sx = row_suffix(m, r)
            for j, unit in enumerate(setup.units[k]):
                wn = [setup.param_names[("W%d" % k, (i, j))] for i in range(len(W))]
                bn = setup.param_names[("b%d" % k, (j,))]
                symbolic = " + ".join("%s·%s" % (w, a + (sx if k > 1 or m > 1 else "")) for w, a in zip(wn, in_names))
                numeric = " + ".join("%s·%s" % (par(W[i][j]), par(A_prev[r][i])) for i in range(len(W)))
                z = Z[r][j]
                lines.append(Line("z_%s%s" % (unit, sx), z, "z_%s%s = %s + %s = %s + %s = %s" % (
                    unit, sx, symbolic, bn, numeric, par(b[j]), fmt(z)), layer=k, unit=unit))
                if k < L:
                    f = ACT_SYMBOL[net.hidden]
                    if cache["drop"] is None:
                        a = A_act[r][j]
                        lines.append(Line("a_%s%s" % (unit, sx), a, "a_%s%s = %s(z_%s%s) = %s(%s) = %s" % (
                            unit, sx, f, unit, sx, f, fmt(z), fmt(a)), layer=k, unit=unit))
                    else:
                        a0 = _activations.ACTIVATIONS[net.hidden][0](z)
                        mask, a = cache["drop"]["M"][r][j], A_act[r][j]
                        lines.append(Line("act_%s%s" % (unit, sx), a0, "act_%s%s = %s(z_%s%s) = %s(%s) = %s" % (
                            unit, sx, f, unit, sx, f, fmt(z), fmt(a0)), layer=k, unit=unit))
                        lines.append(Line("a_%s%s" % (unit, sx), a, "a_%s%s = act_%s%s·M/(1-p) = %s·%s/%s = %s" % (
                            unit, sx, unit, sx, fmt(a0), fmt(mask), fmt(cache["drop"]["keep"]), fmt(a)),
                            layer=k, unit=unit))
        if k == L:
            for r in range(m):
                sx = row_suffix(m, r)
                zs = ", ".join(fmt(z) for z in t.Z_L[r])
                for j, unit in enumerate(setup.units[L]):
                    y = t.Yhat[r][j]
                    if net.output == "sigmoid":
                        text = "yhat_%s%s = s(z_%s%s) = s(%s) = %s" % (unit, sx, unit, sx, fmt(t.Z_L[r][j]), fmt(y))
                    elif net.output == "softmax":
                        text = "yhat_%s%s = softmax(%s)_%d = e^z_%s / sum e^z = %s" % (
                            unit, sx, zs, j + 1, unit, fmt(y))
                    else:
                        text = "yhat_%s%s = z_%s%s = %s" % (unit, sx, unit, sx, fmt(y))
                    lines.append(Line("yhat_%s%s" % (unit, sx), y, text, layer=L, unit=unit))
    return lines


def loss_lines(setup, t):
    """The data loss as the mean it is, the L2 term and the total."""
    net, m = setup.net, len(t.X)
    outs = setup.units[-1]
    n_out = len(outs)
    lines = []
    if net.loss_name == "mse":
        terms = ["(%s - %s)^2" % (fmt(t.Yhat[r][j]), fmt(t.Y[r][j])) for r in range(m) for j in range(n_out)]
        text = "L_data = (1/N) sum (yhat - y)^2 = (%s) / %d = %s" % (" + ".join(terms[:8]) + (
            " + ..." if len(terms) > 8 else ""), m * n_out, fmt(t.data_loss))
    elif net.loss_name == "bce":
        terms = ["%s·softplus(%s) + %s·softplus(%s)" % (fmt(t.Y[r][j]), fmt(-t.Z_L[r][j]), fmt(1 - t.Y[r][j]),
                                                      fmt(t.Z_L[r][j])) for r in range(m) for j in range(n_out)]
        text = "L_data = (1/N) sum [y·softplus(-z) + (1-y)·softplus(z)] = (%s) / %d = %s" % (
            " + ".join(terms[:4]) + (" + ..." if len(terms) > 4 else ""), m * n_out, fmt(t.data_loss))
    else:
        terms = ["-log %s" % fmt(t.Yhat[r][t.Y[r]]) for r in range(m)]
        text = "L_data = (1/m) sum_r -log yhat[r, y_r] = (%s) / %d = %s" % (
            " + ".join(terms[:8]) + (" + ..." if len(terms) > 8 else ""), m, fmt(t.data_loss))
    lines.append(Line("L_data", t.data_loss, text))
    if net.l2 > 0.0 or net.l2_bias > 0.0:
        text = "L_l2 = (l2/2) sum W^2 + (l2_bias/2) sum b^2 = (%g/2) sum W^2 + (%g/2) sum b^2 = %s" % (
            net.l2, net.l2_bias, fmt(t.l2_loss))
        lines.append(Line("L_l2", t.l2_loss, text))
        lines.append(Line("L", t.loss, "L = L_data + L_l2 = %s + %s = %s" % (
            fmt(t.data_loss), fmt(t.l2_loss), fmt(t.loss))))
    else:
        lines.append(Line("L", t.loss, "L = L_data = %s" % fmt(t.loss)))
    return lines


def _output_delta_text(net, unit, sx, r, j, t, m, n_out):
    """The formula and the numbers of dL/dz for one output entry (losses.output_delta's table)."""
    yh, z = t.Yhat[r][j], t.Z_L[r][j]
    if net.output == "linear":
        return "2·(z_%s%s - y)/N = 2·(%s - %s)/%d" % (unit, sx, fmt(z), fmt(t.Y[r][j]), m * n_out)
    if net.loss_name == "mse":
        return "2·(yhat - y)/N · yhat·(1 - yhat) = 2·(%s - %s)/%d · %s·(1 - %s)" % (
            fmt(yh), fmt(t.Y[r][j]), m * n_out, fmt(yh), fmt(yh))
    if net.loss_name == "bce":
        return "(yhat - y)/N = (%s - %s)/%d" % (fmt(yh), fmt(t.Y[r][j]), m * n_out)
    hot = 1 if t.Y[r] == j else 0
    return "(yhat - onehot)/m = (%s - %d)/%d" % (fmt(yh), hot, m)


def backward_lines(setup, t):
    """dL/dz of the outputs, then per layer downwards: dL/dw, dL/db, dL/da and dL/dz of the layer below."""
    net, m = setup.net, len(t.X)
    L = net.n_layers
    lines = []
    n_out = len(setup.units[L])
    for r in range(m):
        sx = row_suffix(m, r)
        for j, unit in enumerate(setup.units[L]):
            v = t.dZ[L][r][j]
            lines.append(Line("dL/dz_%s%s" % (unit, sx), v, "dL/dz_%s%s = %s = %s" % (
                unit, sx, _output_delta_text(net, unit, sx, r, j, t, m, n_out), fmt(v)), layer=L, unit=unit))
    for k in range(L, 0, -1):
        A_prev, in_names = _layer_inputs(setup, t, k)
        W, b = t.params_before["W%d" % k], t.params_before["b%d" % k]
        dZ = t.dZ[k]
        gW, gb = t.grads["W%d" % k], t.grads["b%d" % k]
        for j, unit in enumerate(setup.units[k]):          # unit by unit, as the forward sums
            for i in range(len(W)):
                name = setup.param_names[("W%d" % k, (i, j))]
                sym = " + ".join("%s%s·dL/dz_%s%s" % (in_names[i], row_suffix(m, r), unit, row_suffix(m, r))
                                 for r in range(m))
                num = " + ".join("%s·%s" % (par(A_prev[r][i]), par(dZ[r][j])) for r in range(m))
                if net.l2 > 0.0:
                    sym += " + l2·%s" % name
                    num += " + %g·%s" % (net.l2, par(W[i][j]))
                lines.append(Line("dL/d" + name, gW[i][j], "dL/d%s = %s = %s = %s" % (name, sym, num, fmt(gW[i][j])),
                                  layer=k, param=name))
        for j, unit in enumerate(setup.units[k]):
            name = setup.param_names[("b%d" % k, (j,))]
            sym = " + ".join("dL/dz_%s%s" % (unit, row_suffix(m, r)) for r in range(m))
            num = " + ".join(par(dZ[r][j]) for r in range(m))
            if net.l2_bias > 0.0:
                sym += " + l2_bias·%s" % name
                num += " + %g·%s" % (net.l2_bias, par(b[j]))
            text = "dL/d%s = %s = %s" % (name, sym, fmt(gb[j])) if m == 1 and net.l2_bias == 0.0 else \
                "dL/d%s = %s = %s = %s" % (name, sym, num, fmt(gb[j]))
            lines.append(Line("dL/d" + name, gb[j], text, layer=k, param=name))
        if k == 1:
            break
        below = t.caches[k - 2]
        f = ACT_SYMBOL[net.hidden]
        for r in range(m):
            sx = row_suffix(m, r)
            for i, unit in enumerate(setup.units[k - 1]):
                wn = [setup.param_names[("W%d" % k, (i, j))] for j in range(len(W[0]))]
                sym = " + ".join("%s·dL/dz_%s%s" % (w, u, sx) for w, u in zip(wn, setup.units[k]))
                num = " + ".join("%s·%s" % (par(W[i][j]), par(dZ[r][j])) for j in range(len(W[0])))
                v = t.dA[k - 1][r][i]
                lines.append(Line("dL/da_%s%s" % (unit, sx), v, "dL/da_%s%s = %s = %s = %s" % (
                    unit, sx, sym, num, fmt(v)), layer=k - 1, unit=unit))
                upstream = "dL/da_%s%s" % (unit, sx)
                if below["drop"] is not None:
                    mask, keep = below["drop"]["M"][r][i], below["drop"]["keep"]
                    v2 = t.dAct[k - 1][r][i]
                    lines.append(Line("dL/dact_%s%s" % (unit, sx), v2, "dL/dact_%s%s = dL/da_%s%s·M/(1-p) = %s·%s/%s = %s"
                                      % (unit, sx, unit, sx, par(v), fmt(mask), fmt(keep), fmt(v2)),
                                      layer=k - 1, unit=unit))
                    upstream, v = "dL/dact_%s%s" % (unit, sx), v2
                z = below["act"]["Z"][r][i]
                slope = _activations.ACTIVATIONS[net.hidden][1](z)
                dz = t.dZ[k - 1][r][i]
                lines.append(Line("dL/dz_%s%s" % (unit, sx), dz, "dL/dz_%s%s = %s·%s'(z_%s%s) = %s·%s = %s" % (
                    unit, sx, upstream, f, unit, sx, par(v), par(slope), fmt(dz)), layer=k - 1, unit=unit,
                    note=saturation_note(net.hidden, z, slope, unit)))
    return lines


def update_lines(setup, t):
    """Every parameter entry: old value, the optimizer's rule with its numbers, new value."""
    opt, lines = setup.optimizer, []
    kind = type(opt).__name__
    lr = "lr_s" if opt.decay > 0.0 else "lr"        # the decayed rate of this step, lr0 / (1 + decay s)
    for array in t.params_before:
        for index, old in _unit_entries(t.params_before[array]):
            name = setup.param_names[(array, index)]
            g, new = _get(t.grads[array], index), _get(t.params_after[array], index)
            step = new - old
            if kind == "SGD" and opt.momentum == 0.0:
                text = "%s: %s - %s·dL/d%s = %s - %s·%s = %s   (step %s)" % (
                    name, fmt(old), lr, name, fmt(old), fmt(t.lr), par(g), fmt(new), fmt(step))
            elif kind == "SGD":
                v0 = _get(t.state_before["v"][array], index) if array in t.state_before["v"] else 0.0
                v1 = _get(t.state_after["v"][array], index)
                text = ("%s: v = mu·v + (1-d)·g = %s·%s + %s·%s = %s; %s - %s·v = %s - %s·%s = %s   (step %s)" % (
                    name, fmt(opt.momentum), par(v0), fmt(1.0 - opt.dampening), par(g), fmt(v1),
                    fmt(old), lr, fmt(old), fmt(t.lr), par(v1), fmt(new), fmt(step)))
            else:
                m0 = _get(t.state_before["m"][array], index) if array in t.state_before["m"] else 0.0
                s0 = _get(t.state_before["v"][array], index) if array in t.state_before["v"] else 0.0
                m1, s1 = _get(t.state_after["m"][array], index), _get(t.state_after["v"][array], index)
                n = opt.steps          # Adam's t for this step: the step count after it
                text = ("%s: m = %g·%s + %g·%s = %s; v = %g·%s + %g·%s^2 = %s; "
                        "%s - %s·(m/(1-beta1^%d)) / (sqrt(v/(1-beta2^%d)) + eps) = %s - %s·%s/%s = %s   (step %s)" % (
                            name, opt.beta1, par(m0), 1 - opt.beta1, par(g), fmt(m1),
                            opt.beta2, par(s0), 1 - opt.beta2, par(g), fmt(s1),
                            fmt(old), lr, n, n, fmt(old), fmt(t.lr), par(m1 / (1 - opt.beta1 ** n)),
                            fmt((s1 / (1 - opt.beta2 ** n)) ** 0.5 + opt.eps), fmt(new), fmt(step)))
            lines.append(Line(name, new, text, param=name))
    return lines


def notation(setup):
    """What the names in the lines mean, for this setup: a list of text lines (printed above the steps)."""
    net, units = setup.net, setup.units
    out = ["notation:"]
    if ("W1", (0, 0)) in setup.param_names and setup.param_names[("W1", (0, 0))] == "w1":
        out.append("  x1, x2 the inputs; h1, h2 the hidden units; o1 the output unit; w1..w6 the weights and "
                   "b1..b3 the biases, named as in scalar_nn/network221.py")
    else:
        out.append("  %s the inputs; h<k>_<j> unit j of hidden layer k (from 1); o<j> output unit j"
                   % ", ".join(units[0][:3] + (["..."] if len(units[0]) > 3 else [])))
        j = len(units[1]) - 1
        out.append("  W<k>[i,j] the weight from unit i of the layer below to unit j of layer k, b<k>[j] "
                   "unit j's bias (NumPy indices, from 0: W1[0,%d] feeds %s into %s)" % (j, units[0][0], units[1][j]))
    out.append("  z_u unit u's weighted sum, a_u its output act(z_u) (act = %s here%s), yhat the network's output"
               % (net.hidden, ", written s" if net.hidden == "sigmoid" else ""))
    if setup.batch_size > 1:
        out.append("  #r  the value for row r of the batch (a_h1_2#0: unit h1_2's output on batch row 0)")
    if net.dropout > 0.0:
        out.append("  dropout (inverted): act_u = act(z_u) is the unit's output before dropout; M is its mask "
                   "entry, 1 = kept, 0 = dropped this step (drawn at random with rate p = %g); a_u = "
                   "act_u·M/(1-p) divides the kept outputs by 1-p = %g so that their expected value is "
                   "act_u, as at prediction time, when nothing is dropped" % (net.dropout, 1.0 - net.dropout))
    out.append("  dL/dv the partial derivative of the loss L with respect to v; %s'(z) the activation's slope"
               % ACT_SYMBOL[net.hidden] + (" (1 for z > 0, else 0)" if net.hidden == "relu" else ""))
    opt = setup.optimizer
    if type(opt).__name__ == "Adam":
        out.append("  update: g = dL/dp; m and v are Adam's running means of g and g^2 (beta1 = %g, beta2 = %g "
                   "their decay rates), divided by 1-beta^t to undo their start at 0 (t = the step number)"
                   % (opt.beta1, opt.beta2))
    elif getattr(opt, "momentum", 0.0) > 0.0:
        out.append("  update: g = dL/dp; v is the velocity, mu = %g the momentum, d = %g the dampening"
                   % (opt.momentum, opt.dampening))
    if getattr(opt, "decay", 0.0) > 0.0:
        out.append("  lr_s the decayed learning rate of step s, lr / (1 + decay·s)")
    return out
