"""The sine3d headline: held-out MSE <= 1e-4 with the vector twin in under a minute.

    .venv/bin/python benchmarks/sine3d_headline.py            # seeds 0..4
    .venv/bin/python benchmarks/sine3d_headline.py --seeds 3  # one seed

Trains the ``sine3d-headline`` recipe ([3,32,16,1] tanh on
y = sin(3 x1) + x2^2 cos(3 x3), see recipes.py) with the fast engine once per
seed, and prints one row per seed: the held-out MSE (400 rows never trained
on), the wall time and the process CPU time (on a shared machine the wall
time also counts the time spent waiting for a core; the CPU time does not).
Exit status 1 when a seed misses the target or takes a minute or more of
CPU time.  This is a script, not a test: the full run takes tens of seconds
per seed; ``parity_tests/app/test_recipes.py`` runs a shortened version.
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from twin_nn import recipes  # noqa: E402

NAME = "sine3d-headline"
MINUTE = 60.0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--engine", choices=recipes.ENGINES, default="fast")
    args = parser.parse_args(argv)
    recipe = recipes.get(NAME)
    metric, op, target = recipe.target
    print(recipe.describe())
    print("| seed | held-out MSE | wall s | CPU s | target %s %s %g |" % (metric, op, target))
    print("|---:|---:|---:|---:|:---|")
    failed = False
    rows = []
    for seed in args.seeds:
        cpu0 = time.process_time()
        result = recipes.run(NAME, "vector", seed=seed, verbose=0, engine=args.engine)
        cpu = time.process_time() - cpu0
        ok = result.target_met() and cpu < MINUTE
        failed = failed or not ok
        rows.append((result.scores[metric], result.seconds, cpu))
        print("| %d | %.3e | %.1f | %.1f | %s |" % (seed, result.scores[metric], result.seconds, cpu,
                                                   "met" if ok else "MISSED"))
        sys.stdout.flush()
    mses = [r[0] for r in rows]
    print("worst %.3e  mean %.3e  over %d seeds; mean wall %.1f s, mean CPU %.1f s" % (
        max(mses), sum(mses) / len(mses), len(mses), sum(r[1] for r in rows) / len(rows),
        sum(r[2] for r in rows) / len(rows)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
