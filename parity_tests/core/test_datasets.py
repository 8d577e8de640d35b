"""Data sets: deterministic, correctly shaped, identical in both twins.

The generators are the first link of every parity chain: if the twins saw
different data nothing downstream could agree, so the vector twin's data is
compared with the scalar twin's *exactly* (``==`` on floats), including the
large ``wide_binary`` task that the vector twin draws without loops.
"""

import math
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from parity_tests.conftest import to_list
from scalar_nn.toolkit import datasets as sd
from scalar_nn import rng
from vector_nn.toolkit import datasets as vd

# Small but representative arguments for every generator (wide_binary with an
# odd number of features, so that noise words straddle two samples).
SMALL = {
    "people": {},
    "sine3d": {"n": 40},
    "swish_regression": {"n": 30},
    "spiral": {"n_per_class": 20, "classes": 3},
    "moons": {"n": 41},
    "circles": {"n": 41},
    "wide_binary": {"n": 5, "features": 33},
}
SEEDED = [name for name in SMALL if name != "people"]
CLASSIFICATION = {"spiral": 3, "moons": 2, "circles": 2}


def generate(twin, name, **extra):
    options = dict(SMALL[name], **extra)
    return getattr(twin.datasets, name)(**options)


# --------------------------------------------------------------------------
# determinism, shapes, label ranges
# --------------------------------------------------------------------------

@pytest.mark.parametrize("name", SEEDED)
def test_same_seed_same_data_other_seed_other_data(twin, name):
    X1, Y1 = generate(twin, name, seed=7)
    X2, Y2 = generate(twin, name, seed=7)
    X3, _ = generate(twin, name, seed=8)
    assert to_list(X1) == to_list(X2) and to_list(Y1) == to_list(Y2)
    assert to_list(X1) != to_list(X3)


@pytest.mark.parametrize("name, n_rows, n_cols", [
    ("people", 4, 2), ("sine3d", 40, 3), ("swish_regression", 30, 8), ("spiral", 60, 2), ("moons", 41, 2),
    ("circles", 41, 2), ("wide_binary", 5, 33),
])
def test_shapes_and_types(twin, name, n_rows, n_cols):
    X, Y = generate(twin, name)
    Xl, Yl = to_list(X), to_list(Y)
    assert len(Xl) == n_rows and all(len(row) == n_cols for row in Xl)
    assert all(isinstance(v, float) for row in Xl for v in row)
    assert len(Yl) == n_rows
    if name in CLASSIFICATION:
        assert all(isinstance(v, int) for v in Yl)
        assert set(Yl) == set(range(CLASSIFICATION[name]))
        if twin.name == "vector":
            assert Y.dtype == np.int64 and Y.shape == (n_rows,)
    else:
        assert all(len(row) == 1 and isinstance(row[0], float) for row in Yl)
        if twin.name == "vector":
            assert Y.dtype == np.float64 and Y.shape == (n_rows, 1)
    if twin.name == "vector":
        assert X.dtype == np.float64 and X.shape == (n_rows, n_cols)


def test_people_is_the_tutorial_data(twin):
    X, Y = twin.datasets.people()
    assert to_list(X) == [[-2.0, -1.0], [25.0, 6.0], [17.0, 4.0], [-15.0, -6.0]]
    assert to_list(Y) == [[1.0], [0.0], [0.0], [1.0]]
    assert twin.datasets.PEOPLE_NAMES == ["Alice", "Bob", "Charlie", "Diana"]


def test_swish_regression_follows_its_formula(twin):
    X, Y = twin.datasets.swish_regression(n=20, seed=2)
    for x, y in zip(to_list(X), to_list(Y)):
        assert all(-1.5 <= v < 1.5 for v in x)
        expected = 2.0 * (0.5 * x[0] - 0.3 * x[1] + 0.2 * x[2] + math.sin(1.5 * x[3]) * x[4]
                          + 0.3 * x[5] * x[6] - 0.2 * x[7] * x[7])
        assert y == [pytest.approx(expected, rel=1e-15, abs=1e-15)]


def test_sine3d_follows_its_formula(twin):
    X, Y = twin.datasets.sine3d(n=30, seed=3)
    for x, y in zip(to_list(X), to_list(Y)):
        assert all(-1.0 <= v < 1.0 for v in x)
        assert y[0] == math.sin(3 * x[0]) + x[1] ** 2 * math.cos(3 * x[2])


def test_label_counts_of_moons_and_circles(twin):
    for make in (twin.datasets.moons, twin.datasets.circles):
        _, y = make(n=41)
        y = to_list(y)
        assert y.count(0) == 20 and y.count(1) == 21
        assert y != sorted(y)          # shuffled, as scikit-learn does


# --------------------------------------------------------------------------
# the two twins give the same data, exactly
# --------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(SMALL))
def test_vector_equals_scalar_exactly(scalar, vector, name):
    Xs, Ys = generate(scalar, name)
    Xv, Yv = generate(vector, name)
    assert to_list(Xv) == Xs
    assert to_list(Yv) == Ys


@pytest.mark.parametrize("options", [
    {"n": 50, "seed": 0},                    # the full 3072 features
    {"n": 7, "seed": 5, "features": 33},     # odd width: a noise word spans two samples
    {"n": 3, "seed": 2, "features": 1},
])
def test_wide_binary_vector_is_bit_identical(options):
    Xs, Ys = sd.wide_binary(**options)
    Xv, Yv = vd.wide_binary(**options)
    assert np.array(Xs).tobytes() == Xv.tobytes()
    assert np.array(Ys).tobytes() == Yv.tobytes()


def test_linspace_definition_and_twins(scalar, vector):
    assert sd.linspace(0.0, 1.0, 5) == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert sd.linspace(3.0, 7.0, 1) == [3.0]
    assert sd.linspace(3.0, 7.0, 0) == []
    values = sd.linspace(0.1, 0.7, 7)
    assert values == [i * (0.7 - 0.1) / 6 + 0.1 for i in range(7)]
    assert vd.linspace(0.1, 0.7, 7).tolist() == values
    assert vd.linspace(3.0, 7.0, 1).tolist() == [3.0]


@pytest.mark.parametrize("name", ["sine3d", "swish_regression", "spiral", "moons", "circles", "wide_binary", "people"])
def test_datasets_registry(twin, name):
    assert set(twin.datasets.DATASETS) == set(sd.DATASETS)
    function = twin.datasets.DATASETS[name]
    assert function is getattr(twin.datasets, name)


# --------------------------------------------------------------------------
# spiral: the formula, at hand-computed points
# --------------------------------------------------------------------------

@pytest.mark.parametrize("variant, turns", [("nnfs", 2.5), ("cs231n", 1.0)])
def test_spiral_points_follow_the_formula(twin, variant, turns):
    n, classes, seed = 5, 3, 4
    X, y = twin.datasets.spiral(n_per_class=n, classes=classes, seed=seed, variant=variant)
    X, y = to_list(X), to_list(y)
    assert y == [0] * 5 + [1] * 5 + [2] * 5
    # Radii r = 0, .25, .5, .75, 1 in every class: the noise only turns the angle.
    for c in range(classes):
        for i in range(n):
            px, py = X[c * n + i]
            assert math.hypot(px, py) == pytest.approx(i / 4, abs=1e-15)
    # Point i = 2 of class 1: r = 0.5, t = linspace(4, 8, 5)[2] + 0.2 z = 6 + 0.2 z.
    z = rng.normal(rng.key_for(seed, rng.DATA, sd.SPIRAL), 1 * n + 2)
    t = 6.0 + z * 0.2
    assert X[7] == [0.5 * math.sin(turns * t), 0.5 * math.cos(turns * t)]
    # Last point of class 2: r = 1, t = 12 + 0.2 z.
    z = rng.normal(rng.key_for(seed, rng.DATA, sd.SPIRAL), 2 * n + 4)
    t = 12.0 + z * 0.2
    assert X[14] == [math.sin(turns * t), math.cos(turns * t)]
    # The first point of each class sits at the origin.
    assert all(X[c * n] == [0.0, 0.0] for c in range(classes))


def test_noise_free_moons_and_circles_lie_on_their_curves(twin):
    X, y = twin.datasets.moons(n=30, noise=0.0, seed=1)
    for (a, b), label in zip(to_list(X), to_list(y)):
        if label == 0:
            assert math.hypot(a, b) == pytest.approx(1.0) and b >= -1e-12
        else:
            assert math.hypot(a - 1.0, b - 0.5) == pytest.approx(1.0) and b <= 0.5 + 1e-12
    X, y = twin.datasets.circles(n=30, noise=0.0, factor=0.3, seed=1)
    for (a, b), label in zip(to_list(X), to_list(y)):
        assert math.hypot(a, b) == pytest.approx(1.0 if label == 0 else 0.3)


# --------------------------------------------------------------------------
# train / validation split
# --------------------------------------------------------------------------

@given(n=st.integers(1, 60), val_fraction=st.floats(0.0, 0.99), seed=st.integers(0, 2**32))
def test_split_is_a_partition_and_identical_in_both_twins(n, val_fraction, seed):
    n_val = round(n * val_fraction)
    if n_val >= n:
        return
    X = [[float(i), -float(i)] for i in range(n)]
    Y = [[float(i)] for i in range(n)]
    Xtr, Ytr, Xval, Yval = sd.train_val_split(X, Y, val_fraction, seed)
    Vtr, VYtr, Vval, VYval = vd.train_val_split(np.array(X), np.array(Y), val_fraction, seed)
    assert len(Xval) == n_val and len(Xtr) == n - n_val
    assert sorted(r[0] for r in Xtr + Xval) == [float(i) for i in range(n)]
    assert [r[0] for r in Xtr] == [r[0] for r in Ytr]         # rows stay paired
    assert [r[0] for r in Xval] == [r[0] for r in Yval]
    order = rng.permutation(n, rng.key_for(seed, rng.SPLIT))
    assert [int(r[0]) for r in Xtr + Xval] == order           # last n_val go to validation
    assert (Vtr.tolist(), VYtr.tolist(), Vval.tolist(), VYval.tolist()) == (Xtr, Ytr, Xval, Yval)


def test_split_with_class_labels(twin):
    X, y = twin.datasets.moons(n=30, seed=0)
    Xtr, ytr, Xval, yval = twin.datasets.train_val_split(X, y, 0.25, seed=3)
    assert len(to_list(Xval)) == round(30 * 0.25) == 8 and len(to_list(Xtr)) == 22
    pairs = {tuple(row): label for row, label in zip(to_list(X), to_list(y))}
    assert len(pairs) == 30
    for rows, labels in ((Xtr, ytr), (Xval, yval)):
        assert all(pairs[tuple(row)] == label for row, label in zip(to_list(rows), to_list(labels)))
    if twin.name == "vector":
        assert ytr.dtype == np.int64 and ytr.shape == (22,)


def test_split_copies_rows():
    X = [[1.0], [2.0], [3.0]]
    Xtr, _, _, _ = sd.train_val_split(X, [0, 1, 0], 0.0, seed=0)
    Xtr[0][0] = 99.0
    assert 99.0 not in [row[0] for row in X]


# --------------------------------------------------------------------------
# argument validation
# --------------------------------------------------------------------------

BAD_ARGUMENTS = [
    ("sine3d", {"n": 0}, ValueError, "n"),
    ("sine3d", {"n": 2.5}, TypeError, "n"),
    ("sine3d", {"n": True}, TypeError, "n"),
    ("sine3d", {"seed": "0"}, TypeError, "seed"),
    ("spiral", {"n_per_class": 0}, ValueError, "n_per_class"),
    ("spiral", {"classes": 0}, ValueError, "classes"),
    ("spiral", {"variant": "karpathy"}, ValueError, "variant"),
    ("moons", {"n": 1}, ValueError, "n"),
    ("moons", {"noise": -0.1}, ValueError, "noise"),
    ("moons", {"noise": float("nan")}, ValueError, "noise"),
    ("circles", {"factor": 1.0}, ValueError, "factor"),
    ("circles", {"factor": -0.5}, ValueError, "factor"),
    ("circles", {"noise": "loud"}, TypeError, "noise"),
    ("wide_binary", {"n": 0}, ValueError, "n"),
    ("wide_binary", {"features": 0}, ValueError, "features"),
    ("wide_binary", {"seed": 1.0}, TypeError, "seed"),
]


@pytest.mark.parametrize("name, options, error, word", BAD_ARGUMENTS)
def test_bad_arguments_are_named(twin, name, options, error, word):
    with pytest.raises(error, match=word):
        getattr(twin.datasets, name)(**options)


@pytest.mark.parametrize("X, Y, fraction, word", [
    ([[1.0], [2.0]], [0, 1], 1.0, "val_fraction"),
    ([[1.0], [2.0]], [0, 1], -0.1, "val_fraction"),
    ([[1.0], [2.0]], [0], 0.5, "rows"),
    ([[1.0]], [0], 0.6, "no training rows"),
    ([], [], 0.5, "empty"),
])
def test_bad_split_arguments(twin, X, Y, fraction, word):
    with pytest.raises(ValueError, match=word):
        twin.datasets.train_val_split(X, Y, fraction, seed=0)


# --------------------------------------------------------------------------
# scikit-learn loaders and standardize
# --------------------------------------------------------------------------

def test_standardize(scalar, vector):
    X = [[1.0, 5.0, 2.0], [3.0, 5.0, -1.0], [8.0, 5.0, 0.5], [0.0, 5.0, 4.0]]
    Z = sd.standardize(X)
    for j in range(3):
        column = [row[j] for row in Z]
        assert sum(column) / 4 == pytest.approx(0.0, abs=1e-15)
        expected_var = 0.0 if j == 1 else 1.0           # the constant column is only centred
        assert sum(v * v for v in column) / 4 == pytest.approx(expected_var)
    assert np.allclose(vd.standardize(X), Z, rtol=1e-14, atol=1e-15)


def test_missing_sklearn_gives_install_hint(twin, monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)     # import sklearn now fails
    for load in (twin.datasets.load_digits, twin.datasets.load_breast_cancer, twin.datasets.load_diabetes):
        with pytest.raises(ImportError, match=r"pip install 'twin-nn\[compare\]'"):
            load()


@pytest.mark.parametrize("name, shape, classes", [
    ("load_digits", (1797, 64), 10),
    ("load_breast_cancer", (569, 30), None),
    ("load_diabetes", (442, 10), None),
])
def test_sklearn_loaders(scalar, vector, name, shape, classes):
    pytest.importorskip("sklearn")
    Xs, Ys = getattr(sd, name)()
    Xv, Yv = getattr(vd, name)()
    assert (len(Xs), len(Xs[0])) == shape and Xv.shape == shape
    assert to_list(Xv) == Xs and to_list(Yv) == Ys
    if classes is not None:
        assert set(Ys) == set(range(classes)) and Yv.dtype == np.int64
        assert all(0.0 <= v <= 1.0 for row in Xs for v in row)
    else:
        assert Yv.shape == (shape[0], 1)
        assert np.allclose(Xv.mean(axis=0), 0.0, atol=1e-9) and np.allclose(Xv.std(axis=0), 1.0)


# --------------------------------------------------------------------------
# wide_binary is learnable, but not trivially
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def wide():
    """3000 wide_binary samples: 2000 to fit, 1000 held out."""
    X, Y = vd.wide_binary(3000, seed=0)
    y = Y[:, 0] > 0.5
    return X[:2000], y[:2000], X[2000:], y[2000:]


def test_wide_binary_looks_like_pixels_with_balanced_classes(wide):
    Xtr, ytr, _, _ = wide
    assert Xtr.min() >= 0.0 and Xtr.max() <= 1.0
    assert 0.3 < Xtr.mean() < 0.7 and Xtr.std() > 0.1
    assert 0.45 < ytr.mean() < 0.55


def test_wide_binary_is_learnable_by_a_linear_model(wide):
    """Ridge regression on the labels (closed form, dual) generalises to >= 85 %."""
    Xtr, ytr, Xte, yte = wide
    mean = Xtr.mean(axis=0)
    A = Xtr - mean
    t = ytr - ytr.mean()
    alpha = np.linalg.solve(A @ A.T + 10.0 * np.eye(len(A)), t)
    w = A.T @ alpha
    accuracy = np.mean(((Xte - mean) @ w > 0) == yte)
    assert accuracy >= 0.85


def test_wide_binary_single_pixel_is_not_enough(wide):
    """The best one-pixel threshold rule (chosen on the training part) stays near chance."""
    Xtr, ytr, Xte, yte = wide
    median = np.median(Xtr, axis=0)
    train_acc = np.mean((Xtr > median) == ytr[:, None], axis=0)
    p = np.argmax(np.abs(train_acc - 0.5))
    flip = train_acc[p] < 0.5
    accuracy = np.mean(((Xte[:, p] > median[p]) != flip) == yte)
    assert accuracy < 0.6


def test_wide_binary_few_sample_class_means_are_not_enough(wide):
    """Nearest class mean estimated from 10 samples: near chance (brightness swamps it)."""
    Xtr, ytr, Xte, yte = wide
    accuracies = []
    for start in range(0, 200, 10):
        x, y = Xtr[start:start + 10], ytr[start:start + 10]
        if y.all() or not y.any():
            continue
        m1, m0 = x[y].mean(axis=0), x[~y].mean(axis=0)
        accuracies.append(np.mean(((Xte - (m1 + m0) / 2) @ (m1 - m0) > 0) == yte))
    assert len(accuracies) >= 15
    assert np.mean(accuracies) < 0.6
