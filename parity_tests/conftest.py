"""Shared fixtures: one specification, run against each implementation that differs.

This is the MiniTorch habit, with one rule: a test is parametrized over the
twins only when the code under test differs between them.

* Shared code -- the training loop and ``History`` (``scalar_nn/toolkit/
  training.py``), the callbacks, the recipes, the CLI, ``conventions``,
  ``rng``'s integer draws -- exists once and is tested once, by importing it
  directly (``from scalar_nn.toolkit import callbacks``).
* ``twin`` (scalar, vector) is for code that has an array side: the lesson
  modules (``twin.activations`` is ``scalar_nn.activations`` or
  ``vector_nn.activations``) and the toolkit's array side (``twin.datasets``,
  ``twin.serialize``, ``twin.validation``, ``twin.ops``).  For a shared
  module it resolves to the scalar one in both twins, so a test that only
  reads shared code through ``twin`` would run the same code twice: don't.
* ``net_twin`` (fast, scalar, vector) is for tests that build an ``MLP`` or an
  optimizer and train or step it: ``net_twin.mlp``/``net_twin.optim`` of the
  "fast" variant are ``vector_nn.fast``'s ``MLP``, ``SGD``, ``Adam`` over the
  plain vector modules (``lr_at`` and the rest come from ``vector_nn.optim``);
  every other module is the vector twin's.  Use it where the engine's tuned
  code paths (work buffers, in-place updates) could behave differently.
* ``scalar`` and ``vector`` name one twin each, for tests that compare them.
"""

import importlib

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "twin", deadline=None, max_examples=25, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("twin")


def pytest_addoption(parser):
    """``--twin PATH.py:NAME``: run the parity matrix on a third twin (parity_tests/harness/test_third_twin.py)."""
    parser.addoption("--twin", metavar="PATH.py:NAME", default=None,
                     help="a third twin to run the parity case matrix on (docs/CHECK.md, level 3)")

TWIN_PACKAGES = {"scalar": "scalar_nn", "vector": "vector_nn"}
NET_TWINS = ("fast", "scalar", "vector")      # the vector package, tuned engine: vector_nn.fast

# Modules that live in the toolkit (``scalar_nn/toolkit/``, and its array side
# ``vector_nn/toolkit/``); the shared ones have no array side at all.
TOOLKIT_MODULES = ("validation", "training", "callbacks", "datasets", "serialize", "recipes", "cli", "ops")
SHARED_MODULES = ("training", "callbacks", "recipes", "cli", "conventions")
FAST_MODULES = ("mlp", "optim")               # what vector_nn.fast replaces


class _Overlay:
    """Names from ``vector_nn.fast`` first, then from the plain module it is a drop-in for."""

    def __init__(self, fast, plain):
        self._fast, self._plain = fast, plain
        self.__name__ = "%s+%s" % (fast.__name__, plain.__name__)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        if hasattr(self._fast, name) and not name.startswith("_"):
            return getattr(self._fast, name)
        return getattr(self._plain, name)


class Twin:
    """Lazy access to one twin's modules: ``Twin("vector").optim`` is ``vector_nn.optim``.

    ``Twin("fast")`` is the vector twin with ``mlp`` and ``optim`` taken from
    ``vector_nn.fast`` where it defines the name (``MLP``, ``SGD``, ``Adam``).
    ``arrays`` says whether the twin computes on NumPy arrays.
    """

    def __init__(self, name):
        self.name = name
        self.package = TWIN_PACKAGES["vector" if name == "fast" else name]
        self.arrays = self.package == "vector_nn"

    def __getattr__(self, module):
        if module.startswith("_"):
            raise AttributeError(module)
        where = "toolkit." + module if module in TOOLKIT_MODULES else module
        if self.package == "vector_nn" and module in SHARED_MODULES:
            return importlib.import_module("scalar_nn." + where)
        try:
            found = importlib.import_module("%s.%s" % (self.package, where))
        except ModuleNotFoundError as exc:
            # hasattr() (used by hypothesis) expects AttributeError for unknown names
            raise AttributeError("%s has no module %r (%s)" % (self.package, module, exc)) from None
        if self.name == "fast" and module in FAST_MODULES:
            return _Overlay(importlib.import_module("vector_nn.fast"), found)
        return found

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
    """scalar_nn and vector_nn: for code that has an array side (see the module docstring)."""
    return Twin(request.param)


@pytest.fixture(params=NET_TWINS)
def net_twin(request):
    """scalar_nn, vector_nn and vector_nn.fast: for tests that build, train or step an MLP."""
    return Twin(request.param)


@pytest.fixture
def scalar():
    return Twin("scalar")


@pytest.fixture
def vector():
    return Twin("vector")


# ``python -c NO_NUMPY_CHILD ARGS...`` runs ``twin-nn ARGS...`` as on a Python without NumPy:
# numpy and vector_nn cannot be imported (the app tests' child process for the NumPy-less paths).
NO_NUMPY_CHILD = r"""
import sys

class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "numpy" or name.startswith("numpy.") or name == "vector_nn" or name.startswith("vector_nn."):
            raise ImportError("blocked: %s" % name)
        return None

sys.meta_path.insert(0, Block())
from twin_nn import cli
sys.exit(cli.main(sys.argv[1:]))
"""
