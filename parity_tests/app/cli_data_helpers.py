"""What the tests of ``twin-nn train --data``, ``predict``, ``evaluate`` and ``info`` share.

``cli.main`` called in-process (``run_cli``, ``ok``, ``assert_cli_error``: a
refusal is exit status 2 and one stderr line) and small CSV files of each task
(regression, binary with text labels, three species).  Used by
test_cli_data_tasks.py, test_cli_data_errors.py, test_cli_model_files.py and
the ``iris_model`` fixture of this folder's conftest.py.
"""

import csv
import io
import os
import random

from twin_nn import cli


def run_cli(*argv):
    out = io.StringIO()
    return cli.main([str(a) for a in argv], out=out), out.getvalue()


def ok(*argv):
    status, text = run_cli(*argv)
    assert status == 0, text
    return text


def assert_cli_error(capsys, argv, *fragments, printed_nothing=False):
    status, text = run_cli(*argv)
    err = capsys.readouterr().err
    assert status == 2, (text, err)
    assert err.count("\n") == 1 and err.startswith("twin-nn: error: "), err
    assert "Traceback" not in err and ".tmp" not in err, err
    for fragment in fragments:
        assert str(fragment) in err, (fragment, err)
    if printed_nothing:
        assert text == "", text                      # refused before any reading or training
    return err


def regression_csv(path, n=60, seed=0):
    r = random.Random(seed)
    with open(str(path), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["area", "rooms", "price"])
        for _ in range(n):
            a, b = r.uniform(50, 250), r.randint(1, 6)
            w.writerow([repr(a), b, repr(0.01 * a + 0.3 * b + r.gauss(0, 0.05))])
    return str(path)


def binary_csv(path, n=60, seed=1):
    r = random.Random(seed)
    with open(str(path), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["age", "income", "bought"])
        for _ in range(n):
            age, income = r.uniform(20, 70), r.uniform(1000, 9000)
            w.writerow(["%.1f" % age, "%.0f" % income, "yes" if 100 * age + income > 8000 else "no"])
    return str(path)


def multiclass_csv(path, n=90, seed=2):
    r = random.Random(seed)
    names = ["setosa", "versicolor", "virginica"]
    with open(str(path), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["sepal", "petal", "species"])
        for i in range(n):
            k = i % 3
            w.writerow([repr(r.gauss(k, 0.3)), repr(r.gauss(-k, 0.3)), names[k]])
    return str(path)


def read_predictions(path_or_text):
    text = open(path_or_text).read() if os.path.exists(str(path_or_text)) else path_or_text
    return list(csv.reader(io.StringIO(text)))
