"""ULP measures and exact mode (bit-identical traces)."""


def ordered_int(x):
    """float64 -> int64 such that adjacent floats map to adjacent integers (+0 and -0 both to 0)."""
    import numpy as np
    i = np.ascontiguousarray(x, dtype=np.float64).view(np.int64)
    return np.where(i < 0, np.int64(-(2 ** 63)) - i, i)


def ulp_distance(a, b):
    """Number of float64 steps between a and b (0 when equal), as float64 (exact below 2**53)."""
    import numpy as np
    ia, ib = ordered_int(a), ordered_int(b)
    same_sign = (ia >= 0) == (ib >= 0)
    exact = np.abs(np.where(same_sign, ia - ib, 0)).astype(np.float64)
    far = np.abs(ia.astype(np.float64)) + np.abs(ib.astype(np.float64))
    return np.where(same_sign, exact, far)


def bits(x):
    """The 64 bits of a float64, as '0x3fe0000000000000'."""
    import numpy as np
    return "0x%016x" % (np.float64(x).view(np.uint64),)


def first_bit_difference(ref, other, names=("scalar", "vector exact")):
    """None if two traces are bit-identical everywhere (0 ulp, -0.0 apart from 0.0), else a message.

    Every recorded entry is compared -- nothing is excluded, no tolerance --
    in causal order (step by step, as recorded within the step), then the
    after-run record (``predict``; exact runs add the inference-mode
    ``eval loss``).  The message names the step, the quantity and its
    index, both values, their distance in ulp and both bit patterns.
    """
    import numpy as np
    if ref.labels != other.labels or ref.shapes != other.shapes or ref.steps != other.steps:
        return "the traces record different things: %s %s vs %s %s" % (
            ref.labels, ref.shapes, other.labels, other.shapes)
    A, B = ref.matrix(), other.matrix()
    differ = A.view(np.int64) != B.view(np.int64)
    if not differ.any():
        if ref.final is not None and other.final is not None:
            return first_bit_difference(ref.final_trace(), other.final_trace(), names)
        return None
    t, col = (int(i) for i in np.argwhere(differ)[0])
    offs = ref.offsets()
    s = int(np.searchsorted(offs, col, side="right") - 1)
    label, shape = ref.labels[s], ref.shapes[s]
    index = tuple(int(i) for i in np.unravel_index(int(col - offs[s]), shape)) if shape else ()
    where = "%s index %s" % (label, index) if index else label
    a, b = float(A[t, col]), float(B[t, col])
    ulps = float(ulp_distance(np.array([a]), np.array([b]))[0])
    return ("twins differ at step %s, %s: %s=%r, %s=%r, %d ulp apart (bits %s vs %s)" % (
        ref.steps[t], where, names[0], a, names[1], b, ulps, bits(a), bits(b)))


def check_exact_run(run):
    """Exact mode: every trace of ``run`` bit-identical to the scalar trace (raises with the first difference)."""
    for mode, trace in (("lockstep", run.lockstep), ("free", run.free)):
        if trace is None:
            continue
        msg = first_bit_difference(run.scalar, trace, ("scalar", "vector exact %s" % mode))
        if msg is not None:
            raise AssertionError(msg)
