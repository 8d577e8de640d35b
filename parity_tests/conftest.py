"""Shared fixtures: every test that takes ``twin`` runs once per twin.

This is the MiniTorch habit: one specification, run against two
implementations.  ``twin.mlp`` is ``scalar_nn.mlp`` or ``vector_nn.mlp``,
``twin.datasets`` the matching datasets module, and so on.
"""

import importlib

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "twin", deadline=None, max_examples=25, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("twin")

TWIN_PACKAGES = {"scalar": "scalar_nn", "vector": "vector_nn"}

# Modules that live in the toolkit (``scalar_nn/toolkit/``, and its array side
# ``vector_nn/toolkit/``); the shared ones have no array side at all.
TOOLKIT_MODULES = ("validation", "training", "callbacks", "datasets", "serialize", "recipes", "cli", "ops")
SHARED_MODULES = ("training", "callbacks", "recipes", "cli", "conventions")


class Twin:
    """Lazy access to one twin's modules: ``Twin("vector").optim`` is ``vector_nn.optim``."""

    def __init__(self, name):
        self.name = name
        self.package = TWIN_PACKAGES[name]

    def __getattr__(self, module):
        if module.startswith("_"):
            raise AttributeError(module)
        where = "toolkit." + module if module in TOOLKIT_MODULES else module
        if self.package == "vector_nn" and module in SHARED_MODULES:
            return importlib.import_module("scalar_nn." + where)
        try:
            return importlib.import_module("%s.%s" % (self.package, where))
        except ModuleNotFoundError as exc:
            # hasattr() (used by hypothesis) expects AttributeError for unknown names
            raise AttributeError("%s has no module %r (%s)" % (self.package, module, exc)) from None

    def __repr__(self):
        return "Twin(%r)" % self.name


def to_list(x):
    """Nested lists of floats from a NumPy array, a list, or a scalar."""
    if hasattr(x, "tolist"):
        return x.tolist()
    if isinstance(x, (list, tuple)):
        return [to_list(v) for v in x]
    return x


@pytest.fixture(params=sorted(TWIN_PACKAGES))
def twin(request):
    return Twin(request.param)


@pytest.fixture
def scalar():
    return Twin("scalar")


@pytest.fixture
def vector():
    return Twin("vector")
