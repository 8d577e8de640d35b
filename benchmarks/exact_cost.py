"""What exact mode costs: time per optimizer step on W1-W5, exact vs plain vector vs scalar.

    .venv/bin/python benchmarks/exact_cost.py [--quick] [--rounds-scale X]

Three contestants take the same steps of each workload (``workloads.py``:
same initial weights, same batches, ``training.train_step``): the scalar twin
(``scalar_nn``), the plain vector twin (``vector_nn``) and the plain vector
twin in exact mode (``MLP(..., exact=True)``, the backend ``vector_nn.exact``,
bit-identical to the scalar twin).
They take turns in blocks of steps (the first step of a block untimed);
every step is timed on its own and the median is reported.  The table gives exact mode's cost against the plain twin
(``exact/plain``: how much slower) and its speed against the scalar twin
(``scalar/exact``: how much faster; the goal is >= 10x on W2-W5).  The run
also checks that the exact twin's losses equal the scalar twin's, bit for bit.

This is a self-contained rung beside the benchmark ladder (``run.py``); the
smoke test (``test_exact_cost.py``) runs it with ``--quick`` inputs and
asserts nothing about time.
"""

import argparse
import math
import os
import statistics
import sys
import time

if __name__ == "__main__" and __package__ in (None, ""):
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.workloads import SEED, WORKLOADS, make_optimizer, twin_inputs  # noqa: E402

CONTESTANTS = ("scalar", "plain", "exact")
# timed steps per contestant: (scalar, plain and exact); the scalar twin's W4 step takes ~1.5 s
ROUNDS = {"W1": (300, 300), "W2": (10, 50), "W3": (5, 30), "W4": (2, 5), "W5": (2, 10)}
GOAL = 10.0          # exact mode should stay >= 10x faster than the scalar twin on W2-W5


def make_net(w, contestant):
    """The workload's network (seed 0) for a contestant."""
    if contestant == "scalar":
        from scalar_nn.mlp import MLP
        return MLP(w.sizes, hidden=w.hidden, output=w.output, loss=w.loss, seed=SEED)
    from vector_nn.mlp import MLP
    return MLP(w.sizes, hidden=w.hidden, output=w.output, loss=w.loss, seed=SEED, exact=contestant == "exact")


def stepper(w, contestant, steps, quick=False):
    """A function running the contestant's next step of the workload (returns (seconds, loss))."""
    from scalar_nn.toolkit.training import train_step
    twin = "scalar" if contestant == "scalar" else "vector"
    X, Y, batches = twin_inputs(w, twin, steps, quick)
    net, opt = make_net(w, contestant), make_optimizer(w, twin)
    queue = iter(batches)

    def step():
        batch = next(queue)
        t0 = time.perf_counter()
        loss = train_step(net, opt, X, Y, batch)
        return time.perf_counter() - t0, loss

    return step


BLOCKS = 2           # the contestants take turns this many times per workload


def measure(keys=None, quick=False, scale=1.0):
    """One row per workload: {key, label, arch, seconds: {contestant: median s/step}, identical: bool}.

    The contestants take turns (scalar, plain, exact, scalar, ...) ``BLOCKS``
    times, each turn a block of consecutive steps whose first step is a
    warm-up and not timed: a busy machine then slows all three alike, and no
    contestant is timed on caches that another one has just filled with its
    own data (steps interleaved one by one made the vector twins look slower).
    """
    rows = []
    for key in keys or sorted(WORKLOADS):
        w = WORKLOADS[key]
        n_scalar, n_vector = ROUNDS[key]
        per_block = {c: 1 if quick else max(1, int(math.ceil((n_scalar if c == "scalar" else n_vector)
                                                               * scale / BLOCKS))) for c in CONTESTANTS}
        steppers = {c: stepper(w, c, BLOCKS * (per_block[c] + 1), quick) for c in CONTESTANTS}
        times = {c: [] for c in CONTESTANTS}
        losses = {c: [] for c in CONTESTANTS}
        for _ in range(BLOCKS):
            for c in CONTESTANTS:
                for i in range(per_block[c] + 1):
                    seconds, loss = steppers[c]()
                    losses[c].append(loss)
                    if i > 0:
                        times[c].append(seconds)
        m = min(len(losses["scalar"]), len(losses["exact"]))
        rows.append(dict(key=key, label=w.label, arch=w.arch, identical=losses["scalar"][:m] == losses["exact"][:m],
                         seconds={c: statistics.median(times[c]) for c in CONTESTANTS}))
    return rows


def table(rows):
    """The rows as a Markdown table (ms per step, ratios, goal)."""
    lines = ["| workload | scalar ms/step | plain ms/step | exact ms/step | exact/plain | scalar/exact "
             "| losses bit-identical | >= %gx faster than scalar |" % GOAL,
             "|---|---:|---:|---:|---:|---:|:---:|:---:|"]
    for r in rows:
        s = r["seconds"]
        speed = s["scalar"] / s["exact"]
        goal = "(not a goal)" if r["key"] == "W1" else ("yes" if speed >= GOAL else "NO")
        lines.append("| %s %s | %.3f | %.3f | %.3f | %.1fx | %.1fx | %s | %s |" % (
            r["label"], r["arch"], 1e3 * s["scalar"], 1e3 * s["plain"], 1e3 * s["exact"],
            s["exact"] / s["plain"], speed, "yes" if r["identical"] else "NO", goal))
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="the smoke inputs: a few rows, 2 steps")
    parser.add_argument("--rounds-scale", type=float, default=1.0, help="scale the timed steps (default 1)")
    parser.add_argument("workloads", nargs="*", help="W1 ... W5 (default: all)")
    args = parser.parse_args(argv)
    from vector_nn import exact
    print("exact mode's self-check on this machine:")
    for line in exact.report().lines():
        print("  " + line)
    print()
    print(table(measure(args.workloads or None, args.quick, args.rounds_scale)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
