"""The parity harness: step-by-step comparison of two implementations: run, record, compare, measure.

One *run* trains the scalar twin and the vector twin on the same batches from
the same initial parameters and records, at every optimizer step, everything
that step produced, in causal order:

    mask<k>            the dropout masks drawn from the shared stream (must be equal)
    output             the training-mode forward output Yhat of the step
    target             the batch's targets (mse, bce; equal by construction)
    loss               the reported loss (data loss + L2, before the update)
    grad <P>           every gradient entry
    <P>                every parameter after the update
    state <s>[<P>]     the optimizer state after the update (SGD v; Adam m, v)
    running_*<k>       the BatchNorm running statistics after the step

and, after the last step, ``predict`` (inference mode) on all the rows.

Two modes, both measured against the same scalar trajectory:

* ``lockstep``: before every step the vector twin is given the scalar twin's
  parameters, running statistics and optimizer state, so the differences of
  a step are that step's rounding only;
* ``free``: the vector twin follows its own trajectory for the whole run; the
  differences are the accumulated drift.

``first_divergence`` names the first entry that breaks the tolerance (step,
quantity, index, both values, relative difference); ``measure`` reports how
far apart the twins actually are (relative difference, ULPs).

The criterion, entry by entry (``Tolerance(rtol, atol_scale)``)::

    |a - b| <= rtol * max(|a|, |b|) + atol_scale * scale + update allowance

* ``scale`` is the largest magnitude, at that step, of the entry's *group*:
  all gradients together, all parameters together, each kind of optimizer
  state, all running statistics, the output with the batch's targets, the
  loss.  Rounding error lives
  at the scale of the terms that were summed, not at the scale of the sum: a
  gradient entry that is the small result of cancellation (the 1x1 W2 of the
  width-1 net near a stationary direction: 4.2e-6 while the other gradients
  are ~0.3) has an error of the size of its terms, which are products of the
  same activations and deltas as the rest of the gradient.  So the gradient is
  compared as one vector (normwise, the way the optimizer consumes it) plus
  entrywise; an array's own maximum is not enough when the array has one
  entry.  Likewise a regression output is a sum that training drives toward
  the targets: with one row and one output, Yhat = -3.7e-5 came out of O(1)
  terms (hypothesis, [1, 7, 4, 7, 1]) and differed by 1 ulp of those terms;
  the output is compared at the scale of itself and the batch's targets.
* the *update allowance* carries the gradient's tolerance through the
  optimizer, whose condition number is explicit: SGD moves P by lr_s v, so a
  gradient difference dg becomes lr_s (1 - d) dg; Adam moves P by
  lr_s mhat / (sqrt(vhat) + eps), whose derivative with respect to g is
  ~ lr_s (1 - b1) / c1 / (sqrt(vhat) + eps): large exactly where the
  gradient's whole history is tiny (``update_allowance``).

Parameters whose true gradient is exactly 0 (biases feeding BatchNorm, and
with a linear activation the betas feeding another BatchNorm) carry pure
rounding noise in both twins: they are not compared pairwise, their
gradients are asserted ~0 instead, and in free-running mode they are pinned
to the scalar twin's values (``structural_zero_grads``, ``excluded_params``).

Modules: ``tolerance`` (the bounds), ``cases`` (configurations, data, the
case matrix), ``record`` (Traces, ``run_twins``), ``compare`` (the
criterion, ``first_divergence``, ``check_run``), ``ulp`` (ULP distances and
exact mode).  It is part of the application (``twin_nn``) because it
composes both twins; ``parity_tests/`` and ``twin-nn check`` use it.  NumPy
is imported inside the functions, so importing this package does not need it.
"""

from .tolerance import (  # noqa: F401
    adam_allowance, ALLOWANCES, CONDITION_ALLOWANCE, FREE_GROWTH_ALLOWANCE, free_tolerance,
    lockstep_tolerance, sgd_allowance, Tolerance, U, U32, update_allowance)
from .cases import (  # noqa: F401
    batch_indices, BN_MIN_BATCH, case_matrix, Config, excluded_labels, excluded_params, FAMILIES,
    HIDDEN, make_data, make_net, make_optimizer, NO_BN_SUBSTITUTES, OPTION_SETS, PAIRS,
    structural_zero_grads, vector_package)
from .record import (  # noqa: F401
    _flat, _shape, assert_identical_start, group_of, Run, run_twins, step_items,
    sync_vector_from_scalar, Trace)
from .compare import (  # noqa: F401
    assert_twins_agree, check_run, check_structural_zeros, Comparison, first_divergence, group_scales,
    is_bias, Measure, measure, SIGNIFICANT, ZERO_GRAD_BOUND)
from .ulp import (  # noqa: F401
    bits, check_exact_run, first_bit_difference, ordered_int, ulp_distance)
