"""The engine: vector_nn's MLP, SGD and Adam, tuned for speed.

``vector_nn/mlp.py`` and ``vector_nn/optim.py`` are the plain twin: one NumPy
line per scalar loop, written to be read beside ``scalar_nn``.  This package
is the rung above: the same network and the same update rules, with the
machinery that makes them fast, and a drop-in for them (same constructor,
``from_params``, ``predict``, ``loss_and_grads``, ``fit``, ``params``)::

    from vector_nn.fast import MLP, SGD, Adam

It is split by what it does:

* ``network.py`` -- ``MLP``: the plain twin's network plus the **lean step**
  (``_lean``) for a plain batch (no dropout masks, no BatchNorm, not exact
  mode), where at W1-W3's sizes the time is per-call overhead.  Everything
  else (dropout, BatchNorm, ``exact=True``, ``predict``, ``backward``) is the
  plain twin's code, inherited: one backprop of the engine's own.
* ``plan.py`` -- what a lean step of one batch size needs, looked up once
  (``Plan``), and the **work buffers**: the hidden layers' (m, n_k) arrays
  Z_k, A_k, s(Z_k), dA_k and a scratch array are written with ``out=`` into
  arrays the network keeps from step to step (``WorkBuffers``).  Without them
  each step allocates about twenty fresh megabyte arrays, and paging them in
  costs more than the arithmetic.  A big batch goes through in **row
  chunks** (``chunk_rows``, about 128 KB per hidden array): each chunk's
  forward and backward pass run while its arrays are in cache, and the
  chunks' gradients are added in chunk order.
* ``team.py`` -- the network's own worker threads (``MLP(..., threads=n)``):
  the chunks of a big batch shared among n threads, woken once per step.
  The chunks and the order of their sums do not depend on n, so threads
  change the time of a step, never a number.
* ``kernels.py`` -- **fused passes**: the forward pass hands the backward
  pass what it computed (s(z) for sigmoid and swish, tanh(z), z for relu)
  and the backward pass multiplies dA by act'(z) in place; the hidden
  sigmoid is the four-pass 1 / (1 + exp(-z)), within 2 ulp of
  ``activations.sigmoid``; the output's loss and delta share their common
  terms (same expressions, same order; a single output entry on Python floats).
* ``layout.py`` -- **one flat vector**: every parameter is a view of one
  vector and the lean step writes every gradient into another, laid out
  alike; the caller gets a copy as ``Grads``, a mapping like the plain twin's
  dict that carries the vector.  Cheaper shapes live here too: a big
  layer's W is stored transposed, so that dW^T = dZ^T A (and in float64
  Z^T = W^T A^T), the products OpenBLAS runs up to twice as fast, read and
  write the vector directly; a ragged width gets zero rows up to a multiple
  of 16 (W4's 15 units: A @ [W 0], OpenBLAS's tile), 1.5x faster in float32;
  column sums are one BLAS product 1^T dZ; the first layer's bias rides
  inside its product, [X 1] @ [W_1; b_1].
* ``optim.py`` -- **in-place updates**: SGD and Adam write every product
  into kept scratch arrays, and given a lean step's ``Grads`` with the
  parameters it belongs to, update all of them in one pass.

Batches are gathered with ``take`` (``FastOps.take_rows``), a plain copy of
each row, where ``X[idx]`` goes through NumPy's general fancy indexing.

Nothing is kept at module level: every buffer, vector and thread belongs to one
network or one optimizer, and nothing handed back to the caller (Yhat, the
loss, the gradients) is written again.  The values are the plain formulas'
up to summation order and those 2 ulp; the parity suite runs this engine
against the plain twin and the scalar twin like any other twin (and
``parity_tests/twins/test_fast_lean.py`` the lean step's shortcuts against
the per-parameter path).
"""

from .layout import Grads
from .network import FAST_OPS, MLP, FastOps
from .optim import SGD, Adam

__all__ = ["MLP", "SGD", "Adam", "Grads", "FastOps", "FAST_OPS"]
