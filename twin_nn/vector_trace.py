"""``twin-nn trace --vector``: the traced steps again, as the vector twin's arrays.

The array side of ``twin_nn/trace.py``: the vector net starts from
the traced setup's parameters and takes the same batches and masks, and each
array is printed with the scalar lines its entries come from.
"""

import numpy as np

from .trace import ACT_SYMBOL, marks_text, row_suffix

from vector_nn import mlp as vmlp
from vector_nn import optim as voptim
from vector_nn.layers import activation_backward as v_act_back
from vector_nn.layers import affine_backward_input as v_aff_back_in
from vector_nn.layers import dropout_backward as v_drop_back
from vector_nn.losses import output_delta as v_output_delta


def vector_text(setup, traces):
    """The same steps in the vector twin: its arrays, each entry marked with its scalar line.

    The vector net starts from the setup's initial parameters and takes the
    same batches and masks; for every array it prints the operation
    (``Z1 = X @ W1 + b1``), the array, the names of the scalar lines its
    entries match, and the largest difference from the scalar twin's numbers.
    """

    net = setup.net
    vnet = vmlp.MLP.from_params(setup.initial_params, hidden=net.hidden, output=net.output, loss=net.loss_name,
                                l2=net.l2, l2_bias=net.l2_bias, dropout=net.dropout, seed=net.seed)
    o = setup.optimizer
    vopt = getattr(voptim, type(o).__name__)(**{h: getattr(o, h) for h in o.hyperparameters})
    L = net.n_layers
    np.set_printoptions(precision=6, suppress=False, linewidth=120)

    def show(name, arr, marks, scalar):
        """Lines for one array: its shape and values, the scalar lines of its entries, the largest difference."""
        arr = np.asarray(arr, dtype=float)
        lines = ["  %s %s =" % (name, arr.shape)]
        lines += ["    " + s for s in np.array2string(arr, separator=", ").splitlines()]
        if marks is not None:
            lines.append("    entries = scalar lines " + marks_text(marks))
        if scalar is not None:
            diff = float(np.max(np.abs(arr - np.asarray(scalar, dtype=float)))) if arr.size else 0.0
            lines.append("    largest |vector - scalar| = %.3g" % diff)
        return lines

    out = ["%s in vector_nn (NumPy arrays), from the same weights, batches and masks"
           % ("The same step" if len(traces) == 1 else "The same %d steps" % len(traces))]
    for t in traces:
        m = len(t.X)
        sx = [row_suffix(m, r) for r in range(m)]
        X = np.asarray(t.X, dtype=float)
        Y = np.asarray(t.Y, dtype=np.int64 if net.loss_name == "cross_entropy" else float)
        masks = None if t.masks is None else [np.asarray(M, dtype=float) for M in t.masks]
        Z_L, Yhat, caches = vnet.forward_with_cache(X, vnet.training, masks, update_stats=vnet.training)
        data_loss = vnet.data_loss(Z_L, Yhat, Y)
        loss = data_loss + vnet.l2_penalty()
        dZ = v_output_delta(vnet.output, vnet.loss_name, Z_L, Yhat, Y)
        grads = vnet.backward(dZ, caches)
        vdZ, vdA = {L: dZ}, {}          # the intermediate gradients, before the step moves W
        for k in range(L, 1, -1):
            below = caches[k - 2]
            vdA[k - 1] = v_aff_back_in(vdZ[k], caches[k - 1]["affine"])
            dA = v_drop_back(vdA[k - 1], below["drop"]) if below["drop"] is not None else vdA[k - 1]
            vdZ[k - 1] = v_act_back(dA, below["act"])
        before = {k: np.array(v) for k, v in vnet.params.items()}
        vopt.step(vnet.params, grads)
        out.append("")
        out.append("=== step %d (batch rows %s)" % (t.step, t.batch))
        out.append("-- forward pass")
        out += show("X", X, [[u + ("" if m == 1 else s) for u in setup.units[0]] for s in sx], t.X)
        A_name = "X"
        for k in range(1, L + 1):
            unit = setup.units[k]
            pn = lambda a, idx: setup.param_names[(a, idx)]
            out.append("  Z%d = %s @ W%d + b%d      %s @ %s + %s" % (
                k, A_name, k, k, caches[k - 1]["affine"]["A_prev"].shape, before["W%d" % k].shape,
                before["b%d" % k].shape))
            Wk = before["W%d" % k]
            out += show("W%d" % k, Wk, [[pn("W%d" % k, (i, j)) for j in range(Wk.shape[1])]
                                        for i in range(Wk.shape[0])], t.params_before["W%d" % k])
            out += show("b%d" % k, before["b%d" % k], [pn("b%d" % k, (j,)) for j in range(Wk.shape[1])],
                        t.params_before["b%d" % k])
            if k < L:
                c = caches[k - 1]
                out += show("Z%d" % k, c["act"]["Z"], [["z_%s%s" % (u, s) for u in unit] for s in sx],
                            t.caches[k - 1]["act"]["Z"])
                A = caches[k]["affine"]["A_prev"]
                if c["drop"] is None:
                    out.append("  A%d = %s(Z%d)" % (k, ACT_SYMBOL[net.hidden], k))
                else:
                    out.append("  A%d = %s(Z%d) * M%d / (1 - p)" % (k, ACT_SYMBOL[net.hidden], k, k))
                out += show("A%d" % k, A, [["a_%s%s" % (u, s) for u in unit] for s in sx],
                            t.caches[k]["affine"]["A_prev"])
                A_name = "A%d" % k
            else:
                out += show("Z%d" % L, Z_L, [["z_%s%s" % (u, s) for u in unit] for s in sx], t.Z_L)
                out.append("  Yhat = %s(Z%d)" % (net.output, L))
                out += show("Yhat", Yhat, [["yhat_%s%s" % (u, s) for u in unit] for s in sx], t.Yhat)
        out.append("-- loss")
        out.append("  L = %.17g   (scalar twin: %.17g, difference %.3g)" % (loss, t.loss, abs(loss - t.loss)))
        out.append("-- backward pass")
        for k in range(L, 0, -1):
            dZk = vdZ[k]
            unit = setup.units[k]
            if k == L:
                out.append("  dZ%d = dL/dZ%d (losses.output_delta)" % (k, k))
            out += show("dZ%d" % k, dZk, [["dL/dz_%s%s" % (u, s) for u in unit] for s in sx], t.dZ[k])
            A_name = "X" if k == 1 else "A%d" % (k - 1)
            out.append("  dW%d = %s.T @ dZ%d%s" % (k, A_name, k, " + l2 W%d" % k if net.l2 > 0 else ""))
            gW = grads["W%d" % k]
            out += show("dW%d" % k, gW, [["dL/d" + setup.param_names[("W%d" % k, (i, j))] for j in range(gW.shape[1])]
                                         for i in range(gW.shape[0])], t.grads["W%d" % k])
            out.append("  db%d = dZ%d.sum(axis=0)%s" % (k, k, " + l2_bias b%d" % k if net.l2_bias > 0 else ""))
            out += show("db%d" % k, grads["b%d" % k], ["dL/d" + setup.param_names[("b%d" % k, (j,))]
                                                        for j in range(gW.shape[1])], t.grads["b%d" % k])
            if k == 1:
                break
            out.append("  dA%d = dZ%d @ W%d.T" % (k - 1, k, k))
            out += show("dA%d" % (k - 1), vdA[k - 1], [["dL/da_%s%s" % (u, s) for u in setup.units[k - 1]]
                                                       for s in sx], t.dA[k - 1])
            if caches[k - 2]["drop"] is not None:
                out.append("  dA%d = dA%d * M%d / (1 - p)" % (k - 1, k - 1, k - 1))
            out.append("  dZ%d = dA%d * %s'(Z%d)" % (k - 1, k - 1, ACT_SYMBOL[net.hidden], k - 1))
        out.append("-- update (%r)" % vopt)
        for name in vnet.params:
            out.append("  %s <- %s - step" % (name, name))
            P = vnet.params[name]
            marks = [[setup.param_names[(name, (i, j))] for j in range(P.shape[1])] for i in range(P.shape[0])] \
                if P.ndim == 2 else [setup.param_names[(name, (j,))] for j in range(P.shape[0])]
            out += show(name, P, marks, t.params_after[name])
    return "\n".join(out) + "\n"
