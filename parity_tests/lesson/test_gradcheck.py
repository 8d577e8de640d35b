"""Both twins' backprop against central finite differences, on the parity configurations.

Parity shows the twins agree with each other; this shows they agree with the
calculus.  ``gradient_check`` perturbs every parameter entry by +-h, compares
(L(p+h) - L(p-h)) / 2h with the analytic gradient and reports the worst
relative error |a - n| / max(|a|, |n|, floor); ReLU entries whose
perturbation flips a pre-activation's sign (a kink) are skipped and counted.
Requirement: worst relative error < 1e-6 in float64.

Which configurations:

* the vector twin: every case of ``parity.case_matrix()`` (6 shape families x
  5 activations x 4 output/loss pairs, with that case's L2, dropout and
  BatchNorm options), at the initial parameters;
* the scalar twin: every case of the four small families (batch1, width1,
  net221, deep: 80 cases, BatchNorm among them) and five cases of the two
  big families (net32-16 and wide, where one scalar check costs 0.2-0.5 s):
  together every hidden activation, every output/loss pair, dropout, L2 and
  (with the small families) BatchNorm under every activation.
  (On the other 35 big-family cases the scalar gradients equal the vector
  ones to ~1e-12, step by step, by the lockstep parity tests, and the
  vector ones pass this check.)

Rows: 1 for the batch1 family, 2 otherwise (the wide config is [256, 4, 1]
with 2 rows: every one of its 1033 entries is checked), 4 with BatchNorm.

Two numerical facts of the central difference set how it is used; both were
measured on these configurations by scanning h (``measure_parity.py
--gradcheck-scan``, figures in docs/PARITY.md):

* truncation, ~ h^2 f'''.  BatchNorm makes the loss sharply curved where a
  unit's batch variance is small against eps = 1e-5 (with 2 rows a variance
  of 1.6e-9 occurs): errors of 1.7e-4 at h = 1e-5 that fall exactly as h^2
  (1.7e-2 at h = 1e-4).  So BN configurations use 4 rows and h = 3e-6 (on
  wide-tanh-linear_mse-adam+bn+dropout the worst error is 1.1e-4, 9.9e-6,
  1.0e-6, 2.3e-7 at h = 1e-4, 3e-5, 1e-5, 3e-6); the others use h = 1e-5.
  The floor stays the default 1e-4.
* rounding, ~ u |L| / h.  L(p + h) and L(p - h) are each rounded, so the
  difference quotient carries an absolute error of some ulps of L over 2h.
  For a parameter the loss does not depend on at all (the structural zeros
  of ``parity.structural_zero_grads``: BN biases, linear betas feeding BN)
  that error is all there is, and against the floor it can exceed 1e-6
  (3.6e-6 at L = 13.4 on width1-linear-linear_mse-adam+bn+dropout, and it
  jumps around with h: 2.5e-10 at h = 3e-5).  Those parameters are checked
  for what they are: |analytic - numeric| <= 32 u max(1, |L|) / h, i.e. the
  numeric derivative is rounding of at most ~16-32 ulps of L (measured: up
  to 5.9 u |L| / h).  Their analytic gradients are asserted ~0 by the parity
  suite.
"""

import numpy as np
import pytest

import scalar_nn
import scalar_nn.gradcheck
import scalar_nn.mlp
import vector_nn
import vector_nn.gradcheck
import vector_nn.mlp
from twin_nn import parity as P

CASES = P.case_matrix()
SMALL_FAMILIES = ("batch1", "width1", "net221", "deep")
# (family, hidden activation, output, loss) of the scalar checks in the big families
BIG_FAMILY_SCALAR = (("net32-16", "sigmoid", "softmax", "cross_entropy"), ("net32-16", "relu", "sigmoid", "mse"),
                     ("net32-16", "linear", "sigmoid", "bce"), ("wide", "tanh", "sigmoid", "bce"),
                     ("wide", "swish", "linear", "mse"))
THRESHOLD = 1e-6
FLOOR = 1e-4                 # gradient_check's default floor


def check_rows(cfg):
    """How many rows the check uses (see the module docstring)."""
    if cfg.batch == 1:
        return 1
    return 4 if cfg.net.get("batchnorm") else 2


def step_size(cfg):
    """h: 3e-6 with BatchNorm (truncation dominates there), 1e-5 otherwise."""
    return 3e-6 if cfg.net.get("batchnorm") else 1e-5


def rounding_bound(loss, h):
    """What a central difference of a parameter L does not depend on can show: 32 u max(1, |L|) / h."""
    return 32.0 * 2.0 ** -53 * max(1.0, abs(loss)) / h


def scalar_cases():
    out = [c for c in CASES if c.family in SMALL_FAMILIES]
    for key in BIG_FAMILY_SCALAR:
        out.append(next(c for c in CASES if (c.family, c.hidden, c.output, c.loss) == key))
    return out


SCALAR_CASES = scalar_cases()


def run_check(package, cfg):
    """(report, number of parameter entries, |L|) of one twin's gradient check on the configuration."""
    X, Y = P.make_data(cfg)
    m = check_rows(cfg)
    X, Y = X[:m], Y[:m]
    if package is vector_nn:
        X, Y = np.array(X), np.array(Y)
    loss, _ = P.make_net(package, cfg).loss_and_grads(X, Y)      # a throwaway net: the size of L
    net = P.make_net(package, cfg)
    report = package.gradcheck.gradient_check(net, X, Y, h=step_size(cfg), floor=FLOOR)
    n_entries = sum(int(np.size(v)) for v in net.params.values())
    return report, n_entries, loss


def assert_passes(report, n_entries, loss, cfg):
    assert report.checked + report.skipped_kinks == n_entries      # every entry was looked at
    if cfg.hidden != "relu":
        assert report.skipped_kinks == 0
    assert report.checked > 0
    zero = P.structural_zero_grads(cfg)
    for name, err in report.per_param.items():
        if name in zero:     # both |a|, |n| < floor: err * floor = |a - n|, the rounding of L(p+h) - L(p-h)
            assert err * FLOOR <= rounding_bound(loss, step_size(cfg)), (name, report)
        else:
            assert err < THRESHOLD, (name, report)


@pytest.mark.parametrize("cfg", CASES, ids=[c.id for c in CASES])
def test_vector_gradients_match_finite_differences(cfg):
    assert_passes(*run_check(vector_nn, cfg), cfg)


@pytest.mark.parametrize("cfg", SCALAR_CASES, ids=[c.id for c in SCALAR_CASES])
def test_scalar_gradients_match_finite_differences(cfg):
    assert_passes(*run_check(scalar_nn, cfg), cfg)


def test_scalar_selection_covers_every_activation_pair_and_feature_in_the_big_families():
    chosen = [c for c in SCALAR_CASES if c.family not in SMALL_FAMILIES]
    assert {c.family for c in chosen} == {"net32-16", "wide"}
    assert {c.hidden for c in chosen} == set(P.HIDDEN)
    assert {(c.output, c.loss) for c in chosen} == set(P.PAIRS)
    assert any(c.net.get("dropout") for c in chosen) and any(c.net.get("l2") for c in chosen)
    assert {c.hidden for c in SCALAR_CASES if c.net.get("batchnorm")} == set(P.HIDDEN)
    assert len([c for c in SCALAR_CASES if c.family in SMALL_FAMILIES]) == 80


def test_both_twins_skip_the_same_relu_kinks():
    """A ReLU net where some perturbations cross a kink: both twins skip exactly the same entries."""
    cfg = next(c for c in CASES if c.id == "deep-relu-softmax_ce-sgd+decay+l2")
    rs, n, _ = run_check(scalar_nn, cfg)
    rv, _, _ = run_check(vector_nn, cfg)
    assert rs.skipped_kinks > 0
    assert (rs.checked, rs.skipped_kinks) == (rv.checked, rv.skipped_kinks)
    assert rs.checked + rs.skipped_kinks == n


def test_a_wrong_gradient_fails_the_check(monkeypatch):
    """The check has teeth: a vector twin whose dW1 misses a factor of 1 + 1e-5 fails it."""
    cfg = next(c for c in CASES if c.id == "net221-tanh-bce-ema+decay")
    original = vector_nn.mlp.MLP.loss_and_grads

    def loss_and_grads(self, X, Y, masks=None):
        loss, grads = original(self, X, Y, masks=masks)
        grads["W1"] = grads["W1"] * (1.0 + 1e-5)
        return loss, grads

    monkeypatch.setattr(vector_nn.mlp.MLP, "loss_and_grads", loss_and_grads)
    report, n, loss = run_check(vector_nn, cfg)
    assert report.worst[0] == "W1" and 5e-6 < report.worst_rel_error < 2e-5
    with pytest.raises(AssertionError):
        assert_passes(report, n, loss, cfg)
