"""Chapter 9: how we know the twins agree: small parity runs, the tolerances, the first-divergence report, exact mode."""

import re
import sys

from .kit import ROOT, block, chapter, code, table


# =============================================================== chapter 9
def _tour_cases(P):
    """The three small parity cases chapter 9 runs: plainly, then in exact mode (20 steps each)."""
    return (P.Config("tour", [2, 2, 1], "sigmoid", "sigmoid", "mse", opt=("sgd", dict(lr=0.5)), batch=1, rows=4,
                     steps=20),
            P.Config("tour", [2, 8, 3], "relu", "softmax", "cross_entropy", net=dict(dropout=0.2, l2=1e-3),
                     opt=("sgd", dict(lr=0.1, momentum=0.9)), batch=4, steps=20),
            P.Config("tour", [3, 8, 4, 1], "tanh", "linear", "mse", opt=("adam", dict(lr=0.01)),
                     batch=8, steps=20))


@block
def parity_small_run():
    sys.path.insert(0, ROOT)
    from twin_nn import parity as P
    rows = []
    for cfg in _tour_cases(P):
        run = P.run_twins(cfg)
        tol = P.lockstep_tolerance(cfg.sizes, cfg.batch)
        ftol = P.free_tolerance(cfg.sizes, cfg.batch, cfg.steps)
        lock, free = P.measure(run.scalar, run.lockstep), P.measure(run.scalar, run.free)
        ok = P.first_divergence(run.scalar, run.lockstep, tol, cfg=cfg) is None and \
            P.first_divergence(run.scalar, run.free, ftol, cfg=cfg) is None
        rows.append(["%s %s/%s/%s, %s" % (cfg.sizes, cfg.hidden, cfg.output, cfg.loss, cfg.opt_name),
                     "%.1e" % tol.rtol, "%.0e" % lock.max_scaled, "%.1e" % ftol.rtol, "%.0e" % free.max_scaled,
                     "agree" if ok else "DIVERGE"])
    return table(["case (20 steps)", "lockstep tolerance", "lockstep max normwise diff", "free tolerance",
                  "free max normwise diff", "verdict"], rows)


@block
def parity_divergence_message():
    from twin_nn import parity as P
    cfg = P.Config("tour", [3, 8, 4, 1], "tanh", "linear", "mse", opt=("sgd", dict(lr=0.1)), batch=8, steps=6)
    calls = {"n": 0}

    def hook(grads):
        """Make the vector twin's gradient W2[0, 1] 1e-6 too large on its 4th step."""
        calls["n"] += 1
        if calls["n"] == 4:
            grads["W2"][0, 1] *= 1.0 + 1e-6

    run = P.run_twins(cfg, modes=("lockstep",), vector_hook=hook)
    msg = P.first_divergence(run.scalar, run.lockstep, P.lockstep_tolerance(cfg.sizes, cfg.batch), cfg=cfg)
    msg = re.sub(r"=(-?\d\.\d{9})\d+", r"=\1…", msg)     # 10 digits: the 1e-6 shows, BLAS's last bits do not
    return code(msg)


@block
def exact_mode_run():
    """The same three cases in exact mode: every entry compared bit for bit.

    Only what holds on every machine is printed (the count of entries, and
    that all of them are identical); which functions the self-check sent to
    the slow path depends on the machine's NumPy build, so the chapter says
    where to see it rather than printing this machine's answer.
    """
    from twin_nn import parity as P
    rows = []
    for cfg in _tour_cases(P):
        run = P.run_twins(cfg, modes=("lockstep", "free"), engine="exact")
        A = run.scalar.matrix()
        same = int((A.view("int64") == run.free.matrix().view("int64")).sum())
        rows.append(["%s %s/%s/%s, %s" % (cfg.sizes, cfg.hidden, cfg.output, cfg.loss, cfg.opt_name),
                     str(A.size), "%d of %d" % (same, A.size),
                     "none" if P.first_bit_difference(run.scalar, run.free) is None else "DIFFER"])
    return table(["case (20 steps, free-running, exact mode)", "entries recorded", "bit-identical",
                  "first differing bit"], rows)


@block
def tolerance_formula_numbers():
    from twin_nn import parity as P
    rows = []
    for sizes, batch in (([2, 2, 1], 4), ([3, 32, 16, 1], 4), ([256, 4, 1], 4)):
        rows.append([str(sizes), str(batch), "%.2g" % P.lockstep_tolerance(sizes, batch).rtol,
                     "%.2g" % P.free_tolerance(sizes, batch, 50).rtol])
    return table(["sizes", "batch", "eps_step = 2 (2L+1) gamma_n · 64", "free, 50 steps = 50 · eps_step · 128"], rows)


@chapter("09-how-we-know-the-twins-agree.md", "How we know the twins agree")
def _c9():
    """# 9. How we know the twins agree: lockstep and free-running parity, tolerances, first divergence

Lesson: {{link_parity}}; the figures for the whole matrix:
[`docs/PARITY.md`](../PARITY.md).

The twins compute the same formulas in different orders of floating-point
operations (a left-to-right loop against BLAS's blocked, vectorized sums), so
they cannot agree to the bit; the parity suite says how close they must be.
Both start from bit-identical parameters and take the same batches and
dropout masks; at every step the suite records the output, the loss, every
gradient entry, every parameter after the update and the optimizer state.

* **Lockstep**: before each step the vector twin is given the scalar twin's
  parameters and state, so a step's difference is that step's rounding only.
* **Free-running**: the vector twin follows its own trajectory; the
  difference is the drift accumulated over the steps.

**The tolerance** is a priori, not fitted: a step is 2L + 1 stages (L forward,
L backward, the update), each sum of n terms is off by at most `gamma_n =
n·u/(1 - n·u)` (u = 2^-53) relative to its terms, and a factor 64 covers
the condition numbers of what follows. Free-running allows growth of 128
over 50 steps. Entries are compared relative to the largest value of their
group (all gradients together, ...) so that a small result of cancellation
is judged at the scale of its terms.

{{tolerance_formula_numbers}}

Three small cases run here with `parity.run_twins` (20 steps each):

{{parity_small_run}}

**The first-divergence report.** When the twins disagree the suite names
the first step, quantity and index, in causal order. Here the vector twin's
gradient `W2[0, 1]` is made 1e-6 too large on step 4:

{{parity_divergence_message}}

**Exact mode: identical, not just close.** The differences above come from
two known places: BLAS and NumPy sum in another order than the scalar
twin's left-to-right loops, and NumPy's `exp`, `log`, `tanh` need not round
as `math`'s do. `MLP(..., exact=True)` ([`vector_nn/exact.py`](../../vector_nn/exact.py))
runs the plain twin's own code with ordered sums (a loop over the
contraction index, vectorized over the output block) and elementwise
functions that a self-check found equal to `math`'s, or `math`'s own,
entry by entry. The same three cases again, every recorded entry compared
bit for bit:

{{exact_mode_run}}

Which functions needed `math`'s slow path depends on the NumPy build:
`twin-nn compare people-221 --exact` prints this machine's self-check as
its header, and [`docs/PARITY.md`](../PARITY.md) ("Exact mode") records what
it found where the project was measured. In exact mode the suite asserts
`==`, and a failure names the first bit that moved: the step, the
quantity, the index, both values, their distance in ulp and both bit
patterns (`parity.first_bit_difference`).
"""
