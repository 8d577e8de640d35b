"""Print how far apart the twins actually are: the figures quoted in docs/PARITY.md.

Usage (from the repository root)::

    .venv/bin/python parity_tests/measure_parity.py            # the case matrix, both modes
    .venv/bin/python parity_tests/measure_parity.py --cases    # ... and one line per case
    .venv/bin/python parity_tests/measure_parity.py --gradcheck-scan   # central-difference error vs h

For every case of ``parity.case_matrix()`` (120 cases x 50 steps) it runs
both twins in lockstep and free-running mode and reports, per shape family
and overall, the largest

* relative difference |a - b| / max(|a|, |b|) over the significant entries
  (those at least 1e-3 of their group's scale),
* normwise difference |a - b| / group scale over all compared entries,
* ULP distance over the significant entries,

the fraction of entries that are bit-identical, the tolerance in force
(the smallest and largest per-case bound) and "used": the largest
|a - b| / allowed over all compared entries (the test fails above 1; the
allowance includes the optimizer's update allowance, see twin_nn/parity/tolerance.py).
"""

import argparse
import datetime
import os
import platform
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from twin_nn import parity as P  # noqa: E402


def measure_matrix(show_cases):
    rows = []
    t0 = time.perf_counter()
    for cfg in P.case_matrix():
        run = P.run_twins(cfg)
        measures = P.check_run(run)              # raises on any divergence beyond the tolerances
        tols = {"lockstep": P.lockstep_tolerance(cfg.sizes, cfg.batch),
                "free": P.free_tolerance(cfg.sizes, cfg.batch, cfg.steps)}
        rows.append((cfg, measures, tols))
        if show_cases:
            m, f = measures["lockstep"], measures["free"]
            print("%-44s lockstep rel %.1e norm %.1e ulp %8d used %.3f | free rel %.1e norm %.1e ulp %10d "
                  "used %.3f  worst %s" % (cfg.id, m.max_rel, m.max_scaled, m.max_ulp, m.used, f.max_rel,
                                           f.max_scaled, f.max_ulp, f.used, f.worst))
    return rows, time.perf_counter() - t0


def table(rows):
    families = [f[0] for f in P.FAMILIES] + ["all"]
    header = "%-9s %-8s %9s %9s %12s %9s %19s %8s" % (
        "family", "mode", "max rel", "max norm", "max ulp", "identical", "tolerance", "used")
    print(header)
    print("-" * len(header))
    for family in families:
        sel = [r for r in rows if family == "all" or r[0].family == family]
        for mode in ("lockstep", "free"):
            ms = [r[1][mode] for r in sel]
            tol = [r[2][mode].rtol for r in sel]
            ident = sum(m.identical * m.entries for m in ms) / sum(m.entries for m in ms)
            print("%-9s %-8s %9.1e %9.1e %12d %8.0f%% %9.1e..%.1e %8.3f" % (
                family, mode, max(m.max_rel for m in ms), max(m.max_scaled for m in ms),
                max(m.max_ulp for m in ms), 100 * ident, min(tol), max(tol), max(m.used for m in ms)))
    print()
    print("by feature (every case that uses it):")
    features = [
        ("dropout", lambda c: c.net.get("dropout", 0) > 0),
        ("batchnorm", lambda c: bool(c.net.get("batchnorm"))),
        ("adam", lambda c: c.opt_name == "adam"),
        ("momentum", lambda c: c.opt_name == "sgd" and c.opt_kwargs.get("momentum", 0) > 0),
        ("l2", lambda c: c.net.get("l2", 0) > 0 or c.net.get("l2_bias", 0) > 0),
        ("decay", lambda c: c.opt_kwargs.get("decay", 0) > 0),
    ]
    for name, uses in features:
        sel = [r for r in rows if uses(r[0])]
        if not sel:
            continue
        cells = []
        for mode in ("lockstep", "free"):
            ms = [r[1][mode] for r in sel]
            cells.append("%s max rel %.1e, norm %.1e" % (mode, max(m.max_rel for m in ms),
                                                        max(m.max_scaled for m in ms)))
        print("%-9s %3d cases  %s" % (name, len(sel), "; ".join(cells)))
    worst = {mode: max(rows, key=lambda r: r[1][mode].max_rel) for mode in ("lockstep", "free")}
    for mode, (cfg, m, _) in worst.items():
        print("largest %s relative difference: %s (%.1e at step %s, %s)" % (
            mode, cfg.id, m[mode].max_rel, m[mode].worst[0], m[mode].worst[1]))
    for mode in ("lockstep", "free"):
        cfg, m, _ = max(rows, key=lambda r: r[1][mode].used)
        print("closest to its %s tolerance: %s (used %.3f)" % (mode, cfg.id, m[mode].used))


def gradcheck_scan():
    """Worst central-difference error against h on the configurations quoted in test_gradcheck.py."""
    import vector_nn
    import vector_nn.gradcheck
    import vector_nn.mlp
    cases = {c.id: c for c in P.case_matrix()}
    for cid, rows in (("net32-16-sigmoid-linear_mse-adam+bn+dropout", 2),
                      ("wide-tanh-linear_mse-adam+bn+dropout", 4),
                      ("width1-linear-linear_mse-adam+bn+dropout", 4)):
        cfg = cases[cid]
        X, Y = P.make_data(cfg)
        X, Y = np.array(X[:rows]), np.array(Y[:rows])
        loss, _ = P.make_net(vector_nn, cfg).loss_and_grads(X, Y)
        for h in (1e-4, 3e-5, 1e-5, 3e-6, 1e-6):
            r = vector_nn.gradcheck.gradient_check(P.make_net(vector_nn, cfg), X, Y, h=h)
            print("%-44s rows %d  L %.3g  h %.0e  worst %.2e at %s (default floor 1e-4)" % (
                cid, rows, loss, h, r.worst_rel_error, r.worst))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", action="store_true", help="one line per case as well")
    parser.add_argument("--gradcheck-scan", action="store_true", help="central-difference error against h")
    args = parser.parse_args(argv)
    import numpy
    print("twin parity, measured %s" % datetime.datetime.now().strftime("%Y-%m-%d %H:%M"))
    print("command: %s %s" % (os.path.relpath(sys.executable, ROOT), " ".join(sys.argv)))
    print("python %s, numpy %s, %s" % (platform.python_version(), numpy.__version__, platform.machine()))
    if args.gradcheck_scan:
        gradcheck_scan()
        return
    rows, seconds = measure_matrix(args.cases)
    print("%d cases x 50 steps, both modes, %.1f s" % (len(rows), seconds))
    table(rows)


if __name__ == "__main__":
    main()
