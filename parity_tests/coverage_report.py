"""How much of vector_nn's lesson code the parity suite runs: the coverage figure.

The plain vector twin is the code a reader lays beside ``scalar_nn``; this
prints the share of its lines that ``parity_tests`` executes, per lesson
module and in total (the aim is >= 95%)::

    .venv/bin/python parity_tests/coverage_report.py            # runs the suite under coverage
    .venv/bin/python parity_tests/coverage_report.py -- -x -q   # extra arguments go to pytest

Needs the ``coverage`` package (``.venv/bin/pip install coverage``); without
it, it says so and exits with status 0 (nothing to report, nothing failed).
Exit status: pytest's, or 1 when the total is under ``--fail-under``.
"""

import argparse
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# scalar_nn's reading order (network221 .. gradcheck), then the support module.
LESSON_MODULES = ("network221", "linalg", "activations", "losses", "layers", "mlp", "init",
                  "optim", "gradcheck", "rng")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fail-under", type=float, default=0.0,
                        help="exit 1 when the total is below this percentage (default: never)")
    parser.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = parser.parse_args(argv)
    try:
        import coverage  # noqa: F401
    except ImportError:
        print("coverage is not installed (pip install coverage): no figure to report")
        return 0
    files = [os.path.join("vector_nn", name + ".py") for name in LESSON_MODULES]
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, ".coverage")
        env = dict(os.environ, COVERAGE_FILE=data)
        status = subprocess.call(
            [sys.executable, "-m", "coverage", "run", "--include=" + ",".join(files), "-m", "pytest",
             "-q", "-p", "no:cacheprovider", "parity_tests"] + args.pytest_args,
            cwd=ROOT, env=env)
        cov = coverage.Coverage(data_file=data)
        cov.load()
        print("\nparity_tests over vector_nn's lesson modules")
        print("%-26s %6s %6s %7s  %s" % ("module", "lines", "missed", "cover", "missing lines"))
        total_lines = total_missed = 0
        for path in files:
            _, statements, _, missing, text = cov.analysis2(os.path.join(ROOT, path))
            total_lines += len(statements)
            total_missed += len(missing)
            share = 100.0 * (len(statements) - len(missing)) / max(len(statements), 1)
            print("%-26s %6d %6d %6.1f%%  %s" % (path, len(statements), len(missing), share, text))
        total = 100.0 * (total_lines - total_missed) / max(total_lines, 1)
        print("%-26s %6d %6d %6.1f%%" % ("TOTAL", total_lines, total_missed, total))
    if status != 0:
        return status
    return 1 if total < args.fail_under else 0


if __name__ == "__main__":
    sys.exit(main())
