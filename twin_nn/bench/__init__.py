"""The speed ladder, installed: what ``twin-nn bench`` and ``make bench`` both measure with.

* ``workloads``: W1-W5, built identically for every contestant (weights, batches, steps);
* ``floors``: each step written as directly as possible (the minimal loop and NumPy steps, two bare GEMMs);
* ``peers``: the same steps in PyTorch, scikit-learn and micrograd;
* ``ladder``: every rung of a workload taking turns in one process (medians, paired ratios);
* ``threads``: one thread or every core per rung, switched in-process (threadpoolctl, torch);
* ``crossover``: the scalar and vector twins on an [n, n, 1] net, widening;
* ``cli``: the ``twin-nn bench`` command; ``plot``: its picture (matplotlib, when asked).

``benchmarks/`` (``make bench``) imports these; nothing here is imported by the
lesson, and NumPy and the peers load only when a rung needs them.
"""
