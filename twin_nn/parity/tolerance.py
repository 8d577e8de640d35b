"""Tolerances: a priori bounds on one step's rounding (lockstep), on accumulated drift (free),
and the optimizer's update allowance.  See the package docstring for the criterion."""

from collections import namedtuple


U = 2.0 ** -53                       # unit roundoff of float64
U32 = 2.0 ** -24                     # unit roundoff of float32 (the engine's dtype="float32")


Tolerance = namedtuple("Tolerance", "rtol atol_scale")


# Allowance for the condition of the computation beyond the plain sums: the
# factors that multiply a rounding error on its way to a reported quantity.
# sigmoid', tanh' <= 1, relu' in {0, 1}, swish' <= 1.1, the output Jacobians
# <= 1, BatchNorm's backward (products like dZhat * Zhat / std, bounded by the
# group scale of the atol term), libm differences (NumPy's SIMD exp/log/tanh
# vs glibc's, a few ulps each) and the optimizer's own 2-3 operations.
# 64 = 2**6 covers a handful of such factors of ~2 each.
CONDITION_ALLOWANCE = 64.0


# Free-running: the error made at step t is carried to step T by the Jacobian
# of the remaining update maps.  For gradient descent in its stable regime
# that map is I - lr*H: contracting in convex directions, expanding by at most
# 1 + lr*|lambda_min| per step in concave ones, so the per-step errors add up
# to about T * eps_step * GROWTH; assuming lr * |lambda| <= 0.1,
# (1.1)**50 ~ 117 < 128.  Measured (docs/PARITY.md): 119 of the 120 cases stay
# below T x their own per-step difference; deep-tanh-bce-momentum+bn amplifies
# 625x beyond it and is inside the bound only because eps_step is ~400x its
# measured per-step difference.
FREE_GROWTH_ALLOWANCE = 128.0


def lockstep_tolerance(sizes, batch, u=U):
    """Per-step tolerance: one step's rounding, bounded a priori.

    One training step is a chain of 2L + 1 stages (L forward layers, L
    backward layers, the optimizer update).  The longest sums in a stage have
    n = max(widths, batch) terms: ``A @ W`` sums over n_{k-1}, ``A^T @ dZ``
    and ``db`` over the m rows, BatchNorm's means over m.  The scalar twin sums
    left to right; BLAS blocks, vectorises and may fuse multiply-adds, so each
    order is within ``gamma_n * sum |terms|`` of the exact sum
    (gamma_n = n u / (1 - n u), u = 2**-53) and the two differ by at most
    twice that.  Stages add their errors and what follows multiplies them
    (CONDITION_ALLOWANCE)::

        eps_step = 2 * (2L + 1) * gamma_n * CONDITION_ALLOWANCE

    That is the rtol and the atol_scale (the same bound measured against the
    group's scale, for entries that are the small result of cancellation).
    For [3, 32, 16, 1] with a batch of 4: 2 * 7 * 32 u * 64 ~ 3.2e-12; for
    [256, 4, 1]: 2 * 5 * 256 u * 64 ~ 1.8e-11; for the 2-2-1 net with a
    batch of 4: ~ 2.8e-13.  A float32 vector twin (``u=U32``) is bounded the
    same way with its own unit roundoff: the scalar twin's float64 rounding
    is 2^-29 of it, and the inputs and initial weights rounded to float32 are
    one more stage each, inside the allowance.
    """
    L = len(sizes) - 1
    n = max(max(sizes), batch)
    gamma_n = n * u / (1.0 - n * u)
    eps = 2.0 * (2 * L + 1) * gamma_n * CONDITION_ALLOWANCE
    return Tolerance(eps, eps)


def free_tolerance(sizes, batch, steps, u=U):
    """Tolerance after ``steps`` free-running steps: steps * eps_step * FREE_GROWTH_ALLOWANCE."""
    lock = lockstep_tolerance(sizes, batch, u)
    eps = steps * lock.rtol * FREE_GROWTH_ALLOWANCE
    return Tolerance(eps, eps)


def update_allowance(trace, cfg, tol):
    """Extra allowed difference of each parameter entry: the gradient's tolerance through the optimizer.

    dg = atol_scale * max|grads at the step| + rtol * |g| is what a gradient
    entry may differ by; the update turns it into a parameter difference
    (first order, evaluated on ``trace``'s values at step t, 1-based):

    * SGD:  dP = lr_t * dg (momentum: lr_t * (1 - dampening) * dg);
    * Adam: dP = lr_t * dg * [ (1 - b1) / c1 / (sqrt(vhat) + eps)
                + |mhat| (1 - b2) |g| / (c2 sqrt(vhat) (sqrt(vhat) + eps)^2) ],
      c1 = 1 - b1^t, c2 = 1 - b2^t (the derivatives of
      mhat / (sqrt(vhat) + eps) through m and through v).

    For an ordinary entry this is far below the atol term; it matters where
    Adam is ill-conditioned: a gradient whose whole history is tiny (e.g. a
    BatchNorm beta whose dropout mask column was constant on the first step).
    """
    import numpy as np
    A = trace.matrix()
    extra = np.zeros_like(A)
    k = cfg.opt_kwargs
    lr0, decay = k.get("lr", 0.001), k.get("decay", 0.0)
    t = np.array(trace.steps, dtype=np.float64)
    lr = (lr0 / (1.0 + decay * (t - 1.0)))[:, None]
    names = [label[5:] for label in trace.labels if label.startswith("grad ")]
    gscale = np.max([np.abs(A[:, trace.columns("grad " + n)]).max(axis=1) for n in names], axis=0)[:, None]
    if cfg.opt_name not in ALLOWANCES:
        raise AssertionError("optimizer %r has no parity allowance: add its rule to ALLOWANCES"
                             % cfg.opt_name)
    for name in names:
        g = A[:, trace.columns("grad " + name)]
        dg = tol.atol_scale * gscale + tol.rtol * np.abs(g)
        extra[:, trace.columns(name)] = ALLOWANCES[cfg.opt_name](A, trace, name, g, dg, lr, t, k)
    return extra


def sgd_allowance(A, trace, name, g, dg, lr, t, k):
    """SGD: dP = lr_t * dg (momentum: lr_t * (1 - dampening) * dg)."""
    factor = 1.0 - k.get("dampening", 0.0) if k.get("momentum", 0.0) > 0.0 else 1.0
    return lr * factor * dg


def adam_allowance(A, trace, name, g, dg, lr, t, k):
    """Adam: dP = lr_t * dg * (d mhat/(sqrt(vhat)+eps) through m, plus through v)."""
    import numpy as np
    b1, b2, eps = k.get("beta1", 0.9), k.get("beta2", 0.999), k.get("eps", 1e-8)
    c1, c2 = (1.0 - b1 ** t)[:, None], (1.0 - b2 ** t)[:, None]
    mhat = A[:, trace.columns("state m[%s]" % name)] / c1
    vhat = A[:, trace.columns("state v[%s]" % name)] / c2
    root = np.sqrt(vhat)
    d_m = (1.0 - b1) / c1 / (root + eps)
    with np.errstate(divide="ignore", invalid="ignore"):
        d_v = np.where(root > 0, np.abs(mhat) * (1.0 - b2) * np.abs(g) / (c2 * root * (root + eps) ** 2), 0.0)
    return lr * dg * (d_m + d_v)


# Each registered optimizer's parity allowance (scalar_nn.optim.OPTIMIZERS):
# a new optimizer must bring its own, never silently borrow another's.
ALLOWANCES = {"sgd": sgd_allowance, "adam": adam_allowance}
