"""vector_nn: the NumPy twin of scalar_nn (same modules, same names).

Lay ``vector_nn/mlp.py`` beside ``scalar_nn/mlp.py``: each loop there is an
array expression here.  Non-numeric pieces (conventions, recipes, the
training loop, callbacks, the command line) are imported from scalar_nn.
"""

from .mlp import MLP
from .network221 import Network221
from .optim import SGD, Adam

__all__ = ["MLP", "Network221", "SGD", "Adam"]
__version__ = "0.1.0"
