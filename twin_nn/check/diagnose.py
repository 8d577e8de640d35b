"""Naming the mistake: structure, an exact scalar multiple, the mutant oracle, the conventions.

In this order (issue 15, section 4):

1. ``structure``: keys, shapes (transposed, unsummed, an (m, m) array from a
   broadcast target), the loss's shape, non-finite values;
2. ``multiple``: c = <g, r> / <r, r> over every gradient, when g - c r is
   within the bound: "every gradient is c x twin-nn's", matched against the
   factors the case makes (1/2, N, n_L, -1);
3. ``oracle``: every entry of the bug library (``bugs.py``), planted in the
   reference and run on the learner's own inputs of the diverging step;
   those that reproduce the learner's numbers within the bound are named,
   scoped variants (one layer) first.  Conventions are entries of kind
   "convention": "your numbers are twin-nn's under convention X";
4. otherwise a table: per quantity, within the bound or not, the largest
   difference, the ratio and where.

Each diagnosis is {"id", "kind", "message", "where"}; ``kind`` is "bug",
"convention", "structure", "finding" or "table".
"""

from . import bugs
from .compare import agree, compare, label, quantities

CONVENTIONS_DOC = "docs/CONVENTIONS.md"


def cite(bug):
    """ "(docs/CONVENTIONS.md section 4; the lesson: scalar_nn/losses.py, output_delta)" """
    module, _, func = bug.lesson.partition(".")
    return "(%s section %d; the lesson: scalar_nn/%s.py, %s)" % (CONVENTIONS_DOC, bug.section, module, func)


def entry(bug_id, where=None, extra=""):
    """The diagnosis dict of a library entry."""
    b = bugs.BUGS[bug_id]
    text = b.message
    if b.kind == "convention":
        text = "your numbers are twin-nn's under another convention: " + text
    return {"id": bug_id, "kind": b.kind, "message": "%s%s %s" % (text, extra, cite(b)),
            "where": where or b.where}


# ------------------------------------------------------------------ 1. structure
def structure(case, answer, params):
    """(problems, diagnoses) of the learner's answer's keys and shapes; problems make the verdict "error"."""
    m, L = case.m, len(case.sizes) - 1
    names = list(params)
    got = answer["grads"]
    loss_shape = tuple(answer["loss"][1])
    problems, found = [], []
    if len(answer["loss"][0]) != 1:
        problems.append("the loss has shape %s: return the total loss as one float (section 4 averages it)"
                        % (loss_shape,))
    if set(got) != set(names):
        problems.append("grads has keys %s; params has %s" % (sorted(got), names))
        return problems, found
    import numpy as np
    for name in names:
        want = tuple(np.shape(params[name]))
        shape = tuple(got[name][1])
        if shape == want:
            continue
        msg = "grads[%r] has shape %s; params[%r] has shape %s" % (name, shape, name, want)
        k = int(name[1:])
        if name[0] == "W" and shape == want[::-1]:
            problems.append(msg + ": transposed, dW%d = A%d.T @ dZ%d" % (k, k - 1, k))
            found.append(entry("transposed-weight-gradient", "dW%d" % k))
        elif name[0] == "b" and shape == (m,) + want:
            problems.append(msg + ": sum over the batch axis")
            found.append(entry("bias-gradient-not-summed", "db%d" % k))
        elif case.sizes[-1] == 1 and m in shape and k == L:
            problems.append(msg + ": an (m, m) array from broadcasting a (m,) target against the (m, 1) output")
            found.append(entry("target-shape", "dW%d" % k if name[0] == "W" else "db%d" % k))
        elif name[0] == "b" and shape == (1,) + want:
            problems.append(msg + ": drop the batch axis (sum(axis=0) without keepdims)")
        else:
            problems.append(msg)
    return problems, found


# ------------------------------------------------------------------ 2. a scalar multiple
def multiple(case, ours, yours, eps):
    """The diagnosis "every gradient is c x twin-nn's" with c's candidates, or None."""
    import numpy as np
    names = quantities(case.sizes)[1:]
    r = np.concatenate([np.ravel(ours[q]) for q in names])
    g = np.concatenate([np.ravel(yours[q]) for q in names])
    rr = float(r @ r)
    if rr == 0 or not np.all(np.isfinite(g)):
        return None
    c = float(r @ g) / rr
    if abs(c - 1.0) <= 1e-9:
        return None
    resid = np.abs(g - c * r)
    scale = float(np.max(np.abs(g), initial=0.0))
    if not np.all(resid <= eps * 8 * (np.abs(g) + scale)):
        return None
    m, nL = case.m, case.sizes[-1]
    cand = {0.5: "1/2 (the 2 of d(yhat - y)^2, or the 1/2 of half-MSE)", float(m * nL): "N = m n_L (no mean)",
            float(nL): "n_L (1/m instead of 1/(m n_L))", -1.0: "-1 (the sign)", 1.0 / m: "1/m (a second mean)"}
    named = [text for value, text in cand.items() if abs(c - value) <= 1e-9 * max(1.0, abs(value))]
    return {"id": "scalar-multiple", "kind": "finding", "where": "every gradient",
            "message": "every gradient is exactly %.12g x twin-nn's%s" % (
                c, ": a factor of " + named[0] if named else " (no factor this case makes)")}


# ------------------------------------------------------------------ 3. the mutant oracle
def oracle(case, inp, yours, eps, history=None, step=1):
    """Every (bug, layer) whose planted reference reproduces ``yours`` on ``inp`` within the bound."""
    import numpy as np
    order = [q for q in quantities(case.sizes) if q in yours]
    config = inp["config"]
    found = []
    ref_loss, ref_grads = inp["loss"], inp["grads"]
    ref = dict(ref_grads, loss=np.array(ref_loss))
    for bug, layer in bugs.variants(config):
        with np.errstate(all="ignore"):
            loss, grads = bugs.compute(inp["params"], inp["X"], inp["Y"], config, bug, layer)
        theirs = dict(grads, loss=np.array(loss))
        if set(theirs) != set(yours) or agree(ref, theirs, order, eps):
            continue                                      # a no-op on this case, or another structure
        if bug == "softmax-unstable":
            same = _nonfinite_alike(theirs, yours, order)
        else:
            same = agree(theirs, yours, order, eps)
        if same:
            found.append((bug, layer))
    if history and step > 1:                              # gradients summed over the calls so far
        acc = {q: sum(h["grads"][q] for h in history[:step]) for q in ref_grads}
        acc["loss"] = np.array(ref_loss)
        if agree(acc, yours, order, eps):
            found.append(("gradient-accumulated", None))
    return found


def _nonfinite_alike(theirs, yours, order):
    import numpy as np
    bad_t = any(not np.all(np.isfinite(theirs[q])) for q in order)
    bad_y = any(not np.all(np.isfinite(yours[q])) for q in order)
    return bad_t and bad_y


def name_candidates(found, L):
    """Diagnoses from the oracle's (bug, layer) matches: scoped first, one entry per id, ties said."""
    ids, out = [], []
    for bug, layer in found:
        if bug in ids:
            continue
        ids.append(bug)
        where = None
        if layer is not None:
            where = "layer %d (%s)" % (layer, "the output layer" if layer == L else "hidden")
        out.append(entry(bug, where))
    if len(ids) > 1:
        out.append({"id": "ambiguous", "kind": "finding", "where": "",
                    "message": "%d candidates explain these numbers equally well: %s; this case cannot tell "
                               "them apart" % (len(ids), ", ".join(ids))})
    return out


# ------------------------------------------------------------------ 4. the table
def table(records):
    """The makemore-style table when nothing matches: per quantity, in bound?, max diff, ratio, where."""
    lines = ["%-6s %-9s %-11s %-12s %s" % ("", "in bound", "max |diff|", "ratio", "where (first out of bound)")]
    for r in records:
        ratio = "%.6g" % r["ratio"] if r.get("ratio") is not None else "-"
        lines.append("%-6s %-9s %-11.3e %-12s %s" % (r["quantity"], "yes" if r["ok"] else "NO", r["max_diff"],
                                                    ratio, "" if r["ok"] else "index %s" % (r.get("index"),)))
    return {"id": "no-match", "kind": "table", "where": "",
            "message": "no entry of the bug library reproduces your numbers; per quantity:\n" + "\n".join(lines)}


def intermediates(case, inp, answer, eps):
    """With SUPPORTS["intermediates"]: the first of Z1, A1, ..., dZ_L, ..., dZ1 out of bound, as a finding."""
    import numpy as np
    got = answer.get("intermediates") or {}
    if not got:
        return None
    ref = {}
    bugs.compute(inp["params"], inp["X"], inp["Y"], inp["config"], intermediates=ref)
    L = len(case.sizes) - 1
    order = [n for k in range(1, L + 1) for n in ("Z%d" % k, "A%d" % k)] + ["dZ%d" % k for k in range(L, 0, -1)]
    agreed = []
    for name in order:
        if name not in got or name not in ref:
            continue
        data, shape, _ = got[name]
        yours = np.array(data, dtype=np.float64).reshape(shape)
        ours = np.asarray(ref[name], dtype=np.float64)
        scale = float(np.max(np.abs(ours), initial=0.0))
        if yours.shape != ours.shape:
            msg = "your %s has shape %s, twin-nn's %s" % (name, yours.shape, ours.shape)
        elif np.all(np.abs(yours - ours) <= eps * (np.abs(ours) + scale)):
            agreed.append(name)
            continue
        else:
            msg = "%s is the first intermediate that differs" % name
        return {"id": "first-intermediate", "kind": "finding", "where": name,
                "message": "%s%s" % (msg, " (%s agree)" % ", ".join(agreed) if agreed else "")}
    return None


def diagnose(case, inputs, answers, step, eps):
    """The diagnoses of the first diverging ``step`` (1-based) of ``case``."""
    import numpy as np
    from .compare import as_arrays
    inp, yours = inputs[step - 1], as_arrays(answers[step - 1])
    yours = {q: (v.reshape(()) if q == "loss" else v) for q, v in yours.items()}
    ours = dict(inp["grads"], loss=np.array(inp["loss"]))
    order = quantities(case.sizes)
    records = compare(ours, yours, order, eps)
    out = []
    mult = multiple(case, ours, yours, eps)
    if mult is not None:
        out.append(mult)
    inter = intermediates(case, inp, answers[step - 1], eps)
    if inter is not None:
        out.append(inter)
    found = oracle(case, inp, yours, eps, history=inputs, step=step)
    out += name_candidates(found, len(case.sizes) - 1)
    if not found:
        nonfinite = [label(q) for q in order if not np.all(np.isfinite(yours[q]))]
        if nonfinite:
            out.append({"id": "non-finite", "kind": "structure", "where": ", ".join(nonfinite),
                        "message": "your %s hold inf or NaN where twin-nn's are finite" % ", ".join(nonfinite)})
        out.append(table(records))
    return records, out
