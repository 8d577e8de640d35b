"""vector_nn: the NumPy twin of scalar_nn (same lesson modules, same names, same order).

Lay ``vector_nn/mlp.py`` beside ``scalar_nn/mlp.py``: each loop there is an
array expression here.  The reading path is scalar_nn's (see its
``__init__``): network221, linalg, activations, losses, layers, mlp, init,
optim, gradcheck.

``vector_nn.fast`` is the tuned engine (work buffers, in-place updates,
fused passes): a drop-in for this package's ``MLP``, ``SGD`` and ``Adam``.
The plain modules take every sum and exp/log/log1p/tanh from the network's
backend ``net.xp`` (``linalg.Arrays``); ``MLP(..., exact=True)`` is exact
mode (``vector_nn.exact``): these modules' own code on a backend with sums
in the scalar twin's order and self-checked elementwise functions,
bit-identical to scalar_nn.
``vector_nn.toolkit`` holds the array side of the toolkit (input checks,
the training loop's numeric operations, datasets as arrays, ``.npz`` files);
everything else that is not array math is scalar_nn's toolkit, shared.
"""

from scalar_nn.toolkit.training import History, fit

from .mlp import MLP
from .network221 import Network221
from .optim import SGD, Adam
from .toolkit.serialize import load_model, save_model

__all__ = ["MLP", "Network221", "SGD", "Adam", "fit", "History", "save_model", "load_model"]
__version__ = "0.2.0"
