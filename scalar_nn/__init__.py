"""scalar_nn: a neural network one float at a time, in plain Python (standard library only).

Read it as a textbook, in this order; each chapter has a vector twin in
``vector_nn`` with the same name, where every loop is one NumPy line:

  1. network221   the 2-2-1 network with named weights: backprop by hand   (vector_nn/network221.py)
  2. linalg       the matrix operations, as loops                          (vector_nn/linalg.py)
  3. activations  sigmoid, tanh, relu, swish and their derivatives         (vector_nn/activations.py)
  4. losses       output layers, losses, and their dL/dZ shortcuts         (vector_nn/losses.py)
  5. layers       forward/backward pairs: affine, activation, dropout, BN  (vector_nn/layers.py)
  6. mlp          the layers stacked into a network of any depth           (vector_nn/mlp.py)
  7. init         where the first weights come from                        (vector_nn/init.py)
  8. optim        SGD, momentum, learning-rate decay and Adam              (vector_nn/optim.py)
  9. gradcheck    checking backprop against finite differences             (vector_nn/gradcheck.py)

Support: ``rng`` (the counter-based random numbers both twins share) and
``conventions`` (names and constants; docs/CONVENTIONS.md has the math).
``toolkit/`` is the machinery around the lesson, shared by both twins:
validation, the training loop, callbacks, datasets, model files, recipes and
the ``twin-nn`` command.
"""

from .mlp import MLP
from .network221 import Network221
from .optim import SGD, Adam
from .toolkit.serialize import load_model, save_model
from .toolkit.training import History, fit

__all__ = ["MLP", "Network221", "SGD", "Adam", "fit", "History", "save_model", "load_model"]
__version__ = "0.2.0"
