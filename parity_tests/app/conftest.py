"""Fixtures of the application tests (parity_tests/app/)."""

import pytest

from parity_tests.app.cli_data_helpers import multiclass_csv, ok


@pytest.fixture
def iris_model(tmp_path):
    data = multiclass_csv(tmp_path / "iris.csv", n=30)
    model = tmp_path / "iris.json"
    ok("train", "--data", data, "--target", "species", "--twin", "scalar", "--epochs", "2", "--save", model)
    return str(model)
