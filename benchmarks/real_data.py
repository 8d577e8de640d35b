"""Your own data, measured: twin-nn's defaults against scikit-learn's on five real data sets,
and the peak memory of training on a 1,000,000 x 10 CSV.

    python -m benchmarks.real_data quality [--split SEED] [-- extra twin-nn train options]
    python -m benchmarks.real_data memory [--rows N] [--twin vector]

``quality`` exports scikit-learn's iris, wine, breast_cancer, diabetes and
digits to CSV files in a temporary folder (nothing is committed), splits each
80/20 (``train_test_split(random_state=SEED)``, stratified for classes),
runs ``twin-nn train --data train.csv`` with the defaults and ``twin-nn
evaluate`` on the test file, and prints the held-out accuracy or R^2 next
to scikit-learn's ``MLPClassifier``/``MLPRegressor`` with their defaults on
the same split (and, for reference, the same after a ``StandardScaler``).
Needs scikit-learn (``pip install twin-nn[compare]``).

``memory`` writes an N x 10 CSV (9 features and a regression target) and
runs one epoch of ``twin-nn train --data`` in a subprocess, printing its
peak resident memory (``resource.getrusage(RUSAGE_CHILDREN)``) and time.
"""

import argparse
import csv
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time

SETS = ("iris", "wine", "breast_cancer", "diabetes", "digits")


def _twin_nn(*argv):
    return subprocess.run([sys.executable, "-m", "twin_nn"] + [str(a) for a in argv], check=True,
                          capture_output=True, text=True).stdout


def _export(folder, name, split):
    from sklearn import datasets
    from sklearn.model_selection import train_test_split
    d = getattr(datasets, "load_" + name)()
    regression = name == "diabetes"
    parts = train_test_split(d.data, d.target, test_size=0.2, random_state=split,
                             stratify=None if regression else d.target)
    names = ["f%d" % k for k in range(d.data.shape[1])] if name == "digits" else [str(n) for n in d.feature_names]
    paths = []
    for part, X, y in (("train", parts[0], parts[2]), ("test", parts[1], parts[3])):
        path = os.path.join(folder, "%s_%s.csv" % (name, part))
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(names + ["target"])
            for row, t in zip(X, y):
                w.writerow([repr(float(v)) for v in row] + [repr(float(t)) if regression else str(d.target_names[t])])
        paths.append(path)
    return parts, paths, regression


def quality(split, extra):
    import warnings
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    warnings.filterwarnings("ignore")                # scikit-learn's ConvergenceWarning at its 200 iterations
    folder = tempfile.mkdtemp()
    print("%-14s %-8s %8s %8s %8s %8s" % ("data set", "score", "twin-nn", "sklearn", "diff", "sk+scale"))
    for name in SETS:
        (Xtr, Xte, ytr, yte), (train, test), regression = _export(folder, name, split)
        model = os.path.join(folder, name + ".json")
        _twin_nn("train", "--data", train, "--target", "target", "--quiet", "--save", model, *extra)
        ours = float(re.search(r"(accuracy|r2) ([-0-9.e+]+)", _twin_nn("evaluate", model, "--data", test)).group(2))
        estimator = MLPRegressor if regression else MLPClassifier
        theirs = estimator(random_state=0).fit(Xtr, ytr).score(Xte, yte)
        scaled = make_pipeline(StandardScaler(), estimator(random_state=0)).fit(Xtr, ytr).score(Xte, yte)
        print("%-14s %-8s %8.3f %8.3f %+8.3f %8.3f" % (name, "r2" if regression else "accuracy", ours, theirs,
                                                       ours - theirs, scaled), flush=True)


def memory(rows, twin):
    folder = tempfile.mkdtemp()
    path = os.path.join(folder, "big.csv")
    r = random.Random(0)
    with open(path, "w") as f:
        f.write(",".join("x%d" % k for k in range(9)) + ",y\n")
        for _ in range(rows):
            xs = [r.uniform(-3, 3) for _ in range(9)]
            f.write(",".join("%.5f" % v for v in xs) + ",%.5f\n" % (xs[0] - 2 * xs[1] + r.gauss(0, 0.1)))
    start = time.perf_counter()
    _twin_nn("train", "--data", path, "--target", "y", "--epochs", "1", "--quiet", "--twin", twin)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
    print("%d x 10 CSV (%.0f MB): one epoch in %s_nn, %.1f s, peak %.0f MB"
          % (rows, os.path.getsize(path) / 2 ** 20, twin, seconds, peak))


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks.real_data", allow_abbrev=False)
    sub = p.add_subparsers(dest="what", required=True)
    q = sub.add_parser("quality", allow_abbrev=False)
    q.add_argument("--split", type=int, default=0)
    q.add_argument("extra", nargs=argparse.REMAINDER)
    m = sub.add_parser("memory", allow_abbrev=False)
    m.add_argument("--rows", type=int, default=1000000)
    m.add_argument("--twin", choices=("scalar", "vector"), default="vector")
    args = p.parse_args(argv)
    if args.what == "quality":
        quality(args.split, [a for a in args.extra if a != "--"])
    else:
        memory(args.rows, args.twin)


if __name__ == "__main__":
    main()
