"""Random architectures through the lockstep parity check (hypothesis).

Hypothesis draws 1-3 hidden layers of width 1-8, 1-6 inputs, any hidden
activation, any output/loss pair (2-4 outputs for softmax, 1-3 otherwise),
L2 on weights and biases, dropout, BatchNorm, one of SGD / SGD momentum /
SGD EMA momentum / Adam with or without lr decay, a batch size (>= 3 with
BatchNorm: on 2 rows BN's backward pass is ill-conditioned, see
``parity.BN_MIN_BATCH``) and a seed, then runs a few lockstep steps
(``parity.run_twins(..., modes=("lockstep",))``) and applies every check of
the main matrix (``parity.check_run``): masks equal, output, loss, every
gradient, parameter, optimizer state and running statistic within the a
priori per-step tolerance, structural-zero gradients ~0.  The profile in
conftest.py caps the examples at 25, without a deadline.
"""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from twin_nn import parity as P

OPTIMIZERS = (
    ("sgd", dict(lr=0.05)),
    ("sgd", dict(lr=0.05, momentum=0.9)),
    ("sgd", dict(lr=0.05, momentum=0.8, dampening=0.8)),
    ("sgd", dict(lr=0.1, decay=0.1)),
    ("adam", dict(lr=0.01)),
    ("adam", dict(lr=0.01, decay=0.05)),
)


@st.composite
def configs(draw):
    hidden_layers = draw(st.lists(st.integers(1, 8), min_size=1, max_size=3))
    hidden = draw(st.sampled_from(P.HIDDEN))
    output, loss = draw(st.sampled_from(P.PAIRS))
    n_out = draw(st.integers(2, 4) if loss == "cross_entropy" else st.integers(1, 3))
    sizes = [draw(st.integers(1, 6))] + hidden_layers + [n_out]
    batchnorm = draw(st.booleans())
    net = dict(
        l2=draw(st.sampled_from([0.0, 0.01])),
        l2_bias=draw(st.sampled_from([0.0, 0.01])),
        dropout=draw(st.sampled_from([0.0, 0.0, 0.3])),
        batchnorm=batchnorm,
    )
    opt = draw(st.sampled_from(OPTIMIZERS))
    batch = draw(st.integers(3 if batchnorm else 1, 6))        # BN on 2 rows: see parity.BN_MIN_BATCH
    steps = draw(st.integers(3, 6))
    seed = draw(st.integers(0, 2 ** 31 - 1))
    return P.Config("hyp", sizes, hidden, output, loss, net=net, opt=opt, batch=batch,
                    rows=2 * batch, steps=steps, seed=seed)


@given(configs())
def test_random_architectures_agree_in_lockstep(cfg):
    run = P.run_twins(cfg, modes=("lockstep",))
    assert len(run.scalar.steps) == cfg.steps
    loss = run.scalar.matrix()[:, run.scalar.columns("loss")]
    assert np.isfinite(loss).all()
    P.check_run(run)                   # raises with the first divergence (step, quantity, index, values)
