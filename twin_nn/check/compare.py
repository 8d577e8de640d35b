"""One step of a learner against twin-nn, quantity by quantity, in causal order.

The quantities of a step are the loss, then the output layer's dW_L and db_L,
then back layer by layer to dW_1, db_1 (docs/CONVENTIONS.md section 7: the
order backprop computes them).  An entry passes when

    |yours - ours| <= eps * max(|yours|, |ours|) + eps * scale

with eps the parity suite's lockstep bound for the net and the batch
(``twin_nn.parity.lockstep_tolerance``: one step's rounding, derived from
unit roundoff) and scale the largest magnitude of the entry's group at that
step (the loss; all gradients together).  A float32 implementation gets the
same bound with float32's unit roundoff (2**-24 instead of 2**-53).
"""

import math

FLOAT32_FACTOR = 2.0 ** 29            # u32 / u64 = 2**-24 / 2**-53


def quantities(sizes):
    """["loss", "W_L", "b_L", ..., "W1", "b1"]: the causal order (grads by parameter name)."""
    L = len(sizes) - 1
    out = ["loss"]
    for k in range(L, 0, -1):
        out += ["W%d" % k, "b%d" % k]
    return out


def label(q):
    """"loss" or "dW2": how the answer names a quantity."""
    return q if q == "loss" else "d" + q


def bound(case, float32=False):
    """eps of the case (lockstep tolerance for its sizes and rows), float32-widened if asked."""
    from twin_nn.parity import lockstep_tolerance
    eps = lockstep_tolerance(case.sizes, case.m).rtol
    return eps * FLOAT32_FACTOR if float32 else eps


def as_arrays(answer):
    """{"loss": array, "W1": array, ...} from a runner answer (flat data, shape)."""
    import numpy as np
    out = {"loss": np.array(answer["loss"][0], dtype=np.float64).reshape(answer["loss"][1])}
    for name, (data, shape, _) in answer["grads"].items():
        out[name] = np.array(data, dtype=np.float64).reshape(shape)
    return out


def ulp_of(x):
    """The spacing of float64 at |x| (the smallest subnormal at 0)."""
    return math.ulp(abs(x)) if x != 0 else 5e-324


def compare(ours, yours, order, eps):
    """A record per quantity in ``order``: ok, and where the worst entry is (index, both values, ulps).

    ``ours``/``yours`` map a quantity to an array of the same shape (structure checked before).
    """
    import numpy as np
    gscale = max([float(np.max(np.maximum(np.abs(ours[q]), np.abs(yours[q])), initial=0.0))
                  for q in order if q != "loss"] or [0.0])
    records = []
    for q in order:
        a, b = np.asarray(ours[q], dtype=np.float64), np.asarray(yours[q], dtype=np.float64)
        big = np.maximum(np.abs(a), np.abs(b))
        scale = float(np.max(big)) if q == "loss" else gscale
        allowed = eps * big + eps * scale
        with np.errstate(invalid="ignore", over="ignore"):
            diff = np.where(np.isfinite(a) & np.isfinite(b), np.abs(a - b), np.inf)
        bad = ~(diff <= allowed) | (np.isfinite(a) != np.isfinite(b))
        rec = {"quantity": label(q), "name": q, "ok": not bool(bad.any()),
               "max_diff": float(np.max(diff, initial=0.0)), "entries": int(a.size)}
        # the first entry out of bound (or the largest difference when all pass)
        flat = int(np.argmax(bad.ravel())) if bad.any() else int(np.argmax(diff.ravel())) if diff.size else 0
        if a.size:
            idx = np.unravel_index(flat, a.shape) if a.shape else ()
            va, vb, al = float(a.ravel()[flat]), float(b.ravel()[flat]), float(allowed.ravel()[flat])
            rec.update(index=[int(i) for i in idx], ours=va, yours=vb, allowed=al,
                       ratio=(vb / va) if va != 0 else None,
                       ulps=_ulps(va, vb), bound_ulps=al / ulp_of(max(abs(va), abs(vb))))
            r = a.ravel()
            rr = float(r @ r)
            rec["multiple"] = float(r @ b.ravel()) / rr if rr > 0 and np.all(np.isfinite(b)) else None
        records.append(rec)
    return records


def _ulps(a, b):
    """Float64 steps between a and b (inf when either is not finite)."""
    if not (math.isfinite(a) and math.isfinite(b)):
        return math.inf
    from twin_nn.parity import ulp_distance
    import numpy as np
    return float(ulp_distance(np.array([a]), np.array([b]))[0])


def agree(ours, yours, order, eps):
    """True when every quantity of ``order`` is within the bound (shapes must match)."""
    import numpy as np
    for q in order:
        if np.shape(ours[q]) != np.shape(yours[q]):
            return False
    return all(r["ok"] for r in compare(ours, yours, order, eps))


def localise(records, L):
    """The causal-order sentence: where between the loss and dW1 the numbers part."""
    by = {r["name"]: r for r in records}
    if not by["loss"]["ok"]:
        if all(by[q]["ok"] for q in by if q != "loss"):
            return ("the loss differs, every gradient agrees: the mistake is in the reported loss only "
                    "(its formula, its 1/N, or the L2 term; sections 4, 5, 10; losses.data_loss)")
        return ("the loss already differs: the mistake is in the forward pass or the loss itself "
                "(sections 2 and 4; mlp.MLP.forward_with_cache, losses.data_loss), and the gradients inherit it")
    agreed = []
    for k in range(L, 0, -1):
        w, b = by["W%d" % k]["ok"], by["b%d" % k]["ok"]
        if w and b:
            agreed.append(k)
            continue
        head = "the loss agrees; " + ("dW%d and db%d agree, " % (k + 1, k + 1) if agreed else "")
        if k == L:
            if not w and not b:
                return head + ("dW%d and db%d do not: the mistake is in dZ%d, the output layer's delta "
                               "(section 4; losses.output_delta)" % (k, k, k))
        elif not w and not b:
            return head + ("dW%d and db%d do not: the mistake is between dZ%d and dZ%d, in the hidden "
                           "activation's derivative or in dZ%d @ W%d.T (sections 3 and 7; mlp.MLP.backward, "
                           "layers.activation_backward)" % (k, k, k + 1, k, k + 1, k + 1))
        if not w:
            return head + ("db%d agrees and dW%d does not: dZ%d is right, so the mistake is in "
                           "dW%d = A%d.T @ dZ%d itself (the layer's input, the transpose, or the L2 term "
                           "l2 W%d; sections 5 and 7; layers.affine_backward)" % (k, k, k, k, k - 1, k, k))
        return head + ("dW%d agrees and db%d does not: dZ%d is right, so the mistake is in db%d = the sum of "
                       "dZ%d over the rows (section 7; layers.affine_backward)" % (k, k, k, k, k))
    return "every quantity agrees"
