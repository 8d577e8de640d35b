"""scalar_nn: the pure-Python reference twin (standard library only).

Read it as a textbook: start with ``network221.py`` (the 2-2-1 network with
named weights), then ``mlp.py`` (any depth and width), ``losses.py``,
``activations.py`` and ``optim.py``.  ``vector_nn`` is the NumPy twin with the
same names; ``docs/CONVENTIONS.md`` states the math both follow.
"""

from .mlp import MLP
from .network221 import Network221
from .optim import SGD, Adam

__all__ = ["MLP", "Network221", "SGD", "Adam"]
__version__ = "0.1.0"
