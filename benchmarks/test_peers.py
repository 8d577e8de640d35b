"""W1-W5 in the peers: PyTorch (float64, float32), scikit-learn, micrograd.

Each peer starts from the vector twin's initial weights and takes the same
steps on the same batches (see ``twin_nn/bench/peers.py`` for what differs in
scikit-learn).  The groups are the twins' (``"W2 sine3d · per step"``), so
pytest-benchmark prints every contestant of a workload in one table.
Peers that are not installed (the optional extra ``compare``) are skipped.
Like the twins, each peer takes ``WARMUP_STEPS`` timed-by-hand warm-up steps
first (micrograd one); micrograd is timed over ``Workload.micrograd_rounds``
steps (fewer: it is slow) and not at all on W4 and W5 (millions of graph
nodes per step).
"""

import math
import time

import pytest

from twin_nn.bench.peers import PEERS, peer_stepper, peer_supports
from twin_nn.bench.workloads import WARMUP_STEPS, WORKLOADS

KEYS = sorted(WORKLOADS)
MODULES = {"torch64": "torch", "torch32": "torch", "sklearn": "sklearn", "micrograd": "micrograd"}


@pytest.mark.parametrize("peer", PEERS)
@pytest.mark.parametrize("key", KEYS)
def test_peer_step(benchmark, quick, key, peer):
    pytest.importorskip(MODULES[peer])
    w = WORKLOADS[key]
    reason = peer_supports(w, peer)
    if reason:
        pytest.skip("%s on %s: %s" % (peer, key, reason))
    benchmark.group = "%s · per step" % w.label
    steps = 2 if quick else (w.micrograd_rounds if peer == "micrograd" else w.step_rounds)
    step, description = peer_stepper(w, peer, steps, quick)
    losses = []

    def one_step():
        losses.append(step())

    first_steps = []
    for _ in range(0 if quick else (1 if peer == "micrograd" else WARMUP_STEPS)):
        t0 = time.perf_counter()
        one_step()
        first_steps.append(time.perf_counter() - t0)
    benchmark.pedantic(one_step, rounds=steps, warmup_rounds=0, iterations=1)
    while len(losses) < steps:
        one_step()
    benchmark.extra_info.update(contestant=peer, workload=key, kind="step", steps=len(losses),
                                first_steps=first_steps, first_losses=losses[:5], description=description)
    assert all(math.isfinite(v) for v in losses)
