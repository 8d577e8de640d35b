"""W5's memory-bandwidth floor: the bytes a step must move, and a measured streaming rate.

W4's step is two big matrix products, so its floor is the time of those two
GEMMs (``floors.gemm_stepper``).  W5's step ([8, 64, 1] swish, full batch of
m = 2000 rows) has small products and large elementwise passes over
(m, 64) arrays; its floor here is the memory it has to move:

    floor time = bytes a step must move (``step_bytes``) ÷ a measured streaming rate (``stream_stepper``)

and the ladder reports the engine's step as a multiple of that floor, both
factors from the same interleaved rounds (``summarize``).

The byte model
--------------
A *layer-at-a-time* step, as NumPy, PyTorch eager and our engine take it:
each matrix product with an inner dimension above 1 is a pass of its own (a
BLAS call), which reads its operands from memory and writes its result; the
elementwise work between two products is fused into as few sweeps as the
math allows; every array that crosses from one pass to another makes one trip
through memory: written once by the pass that makes it and read once by each
pass that uses it.  A write is counted once (as STREAM counts it: the cache
line read that precedes a store, where the hardware makes one, is not
counted, neither here nor in the streaming rate).  For one hidden layer
[n0, n1, n2], m rows, MSE loss, plain SGD, the passes are::

    F1 GEMM   Z1 = X W1 + b1                          reads X, W1, b1    writes Z1
    F2 sweep  A1 = act(Z1)                            reads Z1           writes A1
    F3 GEMM   Z2 = A1 W2 + b2                         reads A1, W2, b2   writes Z2
    L  sweep  loss, dZ2 = 2 (Z2 - Y) / N, db2 = sum   reads Z2, Y        writes dZ2, db2
    B1 GEMM   dW2 = A1^T dZ2                          reads A1, dZ2      writes dW2
    B2 sweep  dZ1 = (dZ2 W2^T) * act'(Z1), db1 = sum  reads dZ2, W2, Z1  writes dZ1, db1
    B3 GEMM   dW1 = X^T dZ1                           reads X, dZ1       writes dW1
    U  sweep  P -= lr dP, for each parameter          reads P, dP        writes P

B2's product dZ2 W2^T has the inner dimension n2 = 1 (an outer product, which
is elementwise work), so it is fused into the sweep; with n2 > 1 it would be a
GEMM of its own and dA1 would add a round trip (``step_bytes`` refuses n2 > 1
rather than count it wrong).  The count per array, in elements, for W5
(m = 2000, n0 = 8, n1 = 64, n2 = 1)::

    array  shape       writes  reads  elements
    X      (m, n0)     0       2        32,000
    Y      (m, n2)     0       1         2,000
    Z1     (m, n1)     1       2       384,000
    A1     (m, n1)     1       2       384,000
    Z2     (m, n2)     1       1         4,000
    dZ2    (m, n2)     1       2         6,000
    dZ1    (m, n1)     1       1       256,000
    W1     (n0, n1)    1+1     2+1       2,560   (the parameter: written, read twice; its gradient: once each)
    b1     (n1,)       1+1     2+1         320
    W2     (n1, n2)    1+1     3+1         384   (also read by B2)
    b2     (n2,)       1+1     2+1           5
    total                              1,071,269 elements: 8.57 MB in float64, 4.29 MB in float32

Assumptions, so that the figure is what any such step must move, not what
ours happens to move: Z1 and A1 are kept from the forward pass, not
recomputed; nothing is read twice within one pass (the GEMMs' own re-reads
of their operands' blocks hit the cache); no scratch array, no copy, no
fresh allocation is counted.  The model is a floor for layer-at-a-time steps,
not for every program: one sweep that carried each row through the forward
pass, the loss and the backward pass in registers, accumulating the gradients,
would read X and Y once and the parameters (``one_sweep_bytes``: 18,000
elements of data, about 0.15 MB), and would then be bound by the arithmetic
(the swish's exponential), not by memory.

The streaming rate
------------------
``np.add(a, b, out=c)``, counted as three arrays moved (STREAM's *add*),
timed like every rung of the ladder: on three arrays of W5's (m, n1) shape,
in float64 (``stream``) and float32 (``stream32``), and on three arrays that
leave the last-level cache (``stream_dram``, twice its size in all, 96 MiB to
1 GiB).  The three (m, n1) arrays have the footprint of the step's own three,
Z1, A1 and dZ1, so the stream runs from the cache level those can live in (on
a core with 2 MiB of L2, float32's 1.5 MB fit and float64's 3 MB spill to
L3); the floor takes that rate, the one beyond the caches is reported beside
it.  An in-cache rate moves with whatever shares the core's cache (a
hyperthread sibling's work), more than a step of arithmetic does.
"""

import os

DRAM_LEAST, DRAM_MOST = 96 * 2 ** 20, 2 ** 30      # bytes of the three arrays of stream_dram, in all
STREAM_RUNGS = ("stream", "stream32", "stream_dram")
# the engine's rung and the streaming rung its floor is measured with, per precision
FLOOR_PAIRS = {"float64": ("fast", "stream"), "float32": ("fast32", "stream32")}


def last_level_cache():
    """The size in bytes of this machine's largest CPU cache (Linux's sysfs), or None where unknown."""
    folder = "/sys/devices/system/cpu/cpu0/cache"
    best = None
    try:
        entries = os.listdir(folder)
    except OSError:
        return None
    for entry in entries:
        try:
            with open(os.path.join(folder, entry, "size")) as f:
                text = f.read().strip()
        except OSError:
            continue
        scale = {"K": 2 ** 10, "M": 2 ** 20, "G": 2 ** 30}.get(text[-1:].upper(), 1)
        digits = text[:-1] if scale > 1 else text
        if digits.isdigit():
            best = max(best or 0, int(digits) * scale)
    return best


def _layer_sizes(sizes):
    if len(sizes) != 3 or sizes[2] != 1:
        raise ValueError("the byte model counts one hidden layer and one output, [n0, n1, 1], got %r" % (sizes,))
    return sizes


def step_bytes(sizes, m, itemsize):
    """The bytes a layer-at-a-time SGD step of ``sizes`` = [n0, n1, 1] on m rows must move (module docstring).

    Returns (total bytes, rows) where rows are (array, shape, writes, reads, elements moved).
    """
    n0, n1, n2 = _layer_sizes(sizes)
    # array, shape, writes, reads: the table of the module docstring, pass by pass
    arrays = [("X", (m, n0), 0, 2), ("Y", (m, n2), 0, 1), ("Z1", (m, n1), 1, 2), ("A1", (m, n1), 1, 2),
              ("Z2", (m, n2), 1, 1), ("dZ2", (m, n2), 1, 2), ("dZ1", (m, n1), 1, 1),
              ("W1", (n0, n1), 2, 3), ("b1", (n1,), 2, 3), ("W2", (n1, n2), 2, 4), ("b2", (n2,), 2, 3)]
    rows = []
    for name, shape, writes, reads in arrays:
        size = 1
        for s in shape:
            size *= s
        rows.append((name, shape, writes, reads, size * (writes + reads)))
    return sum(r[4] for r in rows) * itemsize, rows


def one_sweep_bytes(sizes, m, itemsize):
    """What one fused sweep over the rows would move: X and Y once, each parameter read and written once."""
    n0, n1, n2 = _layer_sizes(sizes)
    params = n0 * n1 + n1 + n1 * n2 + n2
    return (m * (n0 + n2) + 2 * params) * itemsize


def dram_elements(itemsize=8, smoke=False):
    """Elements per array of stream_dram: three arrays of twice the last-level cache in all (96 MiB to 1 GiB)."""
    if smoke:
        return 2 ** 12
    llc = last_level_cache()
    total = min(DRAM_MOST, max(DRAM_LEAST, 2 * llc if llc else DRAM_LEAST))
    return total // (3 * itemsize)


def stream_stepper(rung, w, smoke=False):
    """(step function returning 0.0, bytes one step moves) of a streaming rung: c = a + b, into kept arrays."""
    import numpy as np
    dtype = np.float32 if rung == "stream32" else np.float64
    itemsize = np.dtype(dtype).itemsize
    if rung == "stream_dram":
        shape = (dram_elements(itemsize, smoke),)
    else:
        shape = (w.batch_size or w.rows(smoke), w.sizes[1])
    a = np.full(shape, 1.0, dtype=dtype)
    b = np.full(shape, 2.0, dtype=dtype)
    c = np.full(shape, 0.0, dtype=dtype)        # written now (np.zeros would map its pages at the first step)

    def step():
        np.add(a, b, out=c)
        return 0.0

    return step, 3 * a.size * itemsize


def summarize(out, w, smoke=False):
    """The floor of workload ``w`` from a ladder ``out`` that ran its streaming rungs; None if none ran.

    JSON-ready: the byte model (per array and in all, per precision), each
    streaming rung's bytes and rate (bytes per second at its median), and per
    precision the floor's time and the engine's step as a multiple of it,
    median(engine) / median(stream) over the same rounds times the ratio of
    the bytes (``paired_ratio``), against the in-cache rate and the one
    beyond the caches.
    """
    from .ladder import paired_ratio
    ran = [r for r in STREAM_RUNGS if r in out["rungs"]]
    if not ran:
        return None
    m = w.batch_size or w.rows(smoke)
    model = {dtype: step_bytes(w.sizes, m, itemsize)[0] for dtype, itemsize in (("float64", 8), ("float32", 4))}
    rows = step_bytes(w.sizes, m, 1)[1]
    streams = {}
    for rung in ran:
        moved = stream_stepper_bytes(rung, w, smoke)
        median = out["rungs"][rung]["median"]
        streams[rung] = {"bytes": moved, "rate": moved / median if median > 0 else None}
    floors = {}
    for dtype, (engine, stream) in FLOOR_PAIRS.items():
        entry = {"bytes": model[dtype], "engine": engine}
        for label, rung in (("in_cache", stream), ("dram", "stream_dram")):
            rate = streams.get(rung, {}).get("rate")
            r = paired_ratio(out, rung, engine)
            entry[label] = {"stream": rung, "seconds": model[dtype] / rate if rate else None,
                            "engine_over_floor": r * streams[rung]["bytes"] / model[dtype] if r and rate else None}
        floors[dtype] = entry
    llc = last_level_cache()
    return {"model": "layer-at-a-time step, each array one trip per pass (twin_nn/bench/bandwidth.py)",
            "rows": m, "sizes": list(w.sizes),
            "arrays": [{"name": n, "shape": list(s), "writes": wr, "reads": rd, "elements_moved": e}
                       for n, s, wr, rd, e in rows],
            "bytes": model, "one_sweep_bytes": {"float64": one_sweep_bytes(w.sizes, m, 8),
                                                "float32": one_sweep_bytes(w.sizes, m, 4)},
            "last_level_cache": llc, "streams": streams, "floors": floors}


def stream_stepper_bytes(rung, w, smoke=False):
    """The bytes one step of a streaming rung moves, without allocating its arrays."""
    if rung == "stream_dram":
        return 3 * 8 * dram_elements(8, smoke)
    itemsize = 4 if rung == "stream32" else 8
    return 3 * itemsize * (w.batch_size or w.rows(smoke)) * w.sizes[1]


def describe(out):
    """The lines ``twin-nn bench`` prints under W5's table: the bytes, the rates, the engine against the floor."""
    from .ladder import fmt_time, title
    floor = out.get("bandwidth_floor")
    if not floor:
        return []
    mb = floor["bytes"]
    lines = ["  memory floor: a layer-at-a-time step moves at least %.2f MB in float64, %.2f MB in float32 "
             "(twin_nn/bench/bandwidth.py)" % (mb["float64"] / 1e6, mb["float32"] / 1e6)]
    where = {"stream": "at W5's size", "stream32": "at W5's size in float32",
             "stream_dram": "beyond the caches (%d MiB in all)" % (
                 floor["streams"].get("stream_dram", {}).get("bytes", 0) // 2 ** 20)}
    lines.append("  streaming add c = a + b: " + "; ".join(
        "%s %s" % (where[rung], fmt_rate(s["rate"])) for rung, s in floor["streams"].items()))
    for dtype, f in floor["floors"].items():
        engine = out["rungs"].get(f["engine"])
        parts = ["%s the floor %s (%s)" % (_times(f[label]["engine_over_floor"]), at, fmt_time(f[label]["seconds"]))
                 for label, at in (("in_cache", "at W5's size"), ("dram", "beyond the caches"))
                 if f[label]["seconds"] is not None]
        if engine and parts:
            lines.append("  %s %s = %s" % (title(f["engine"]), fmt_time(engine["median"]), ", ".join(parts)))
    return lines


def fmt_rate(rate):
    """'28.5 GB/s' (10^9 bytes a second)."""
    return "—" if not rate else "%.3g GB/s" % (rate / 1e9)


def _times(r):
    return "—" if r is None else "%.2f×" % r
