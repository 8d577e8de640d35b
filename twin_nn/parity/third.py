"""A third twin in the parity harness: your class, run through the case matrix like ``vector_nn``.

Level 3 of docs/CHECK.md.  ``load("path.py:Name")`` reads the file and
returns what ``run_twins(cfg, engine=...)`` takes in place of an engine name:
a package whose ``mlp.MLP(sizes, hidden=, output=, loss=, seed=, **options)``
builds ``Name.from_params`` on the scalar twin's seeded initial parameters,
and whose ``optim`` holds the file's ``SGD`` and ``Adam``.

What the class must offer (the protocol the twins fulfil):

* ``Name.from_params(params, hidden=, output=, loss=, buffers=None, **options)``
  with options l2, l2_bias, dropout, batchnorm, bn_momentum;
* ``net.params`` / ``net.buffers``: dicts of float64 NumPy arrays, updated in
  place (the lockstep mode writes the scalar twin's values into them);
* ``net.loss_and_grads(X, Y, masks=None)`` -> (loss, grads) in training mode,
  with the given dropout masks (drawn here from the twins' shared stream);
* ``net.predict(X)``, and ``net.forward(X, training=, masks=)`` for the cases
  with dropout or BatchNorm (without it they are skipped);
* ``SGD(lr, momentum=, dampening=, decay=)`` and ``Adam(lr, beta1=, beta2=, eps=,
  decay=)`` with ``step(params, grads)`` in place, ``state`` ({"v": {...}} or
  {"m": {...}, "v": {...}} of arrays) and a ``steps`` counter.
"""

import os
import runpy
import sys
import types


def load(spec):
    """The package of the third twin named by "path.py:Name" (ValueError with the reason if it cannot be)."""
    path, sep, name = spec.rpartition(":")
    if not sep or not path.endswith(".py") or not name.isidentifier():
        raise ValueError("--twin wants PATH.py:NAME, got %r" % spec)
    if not os.path.isfile(path):
        raise ValueError("--twin: no such file: %s" % path)
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    env = runpy.run_path(path, run_name="third_twin")
    if not isinstance(env.get(name), type):
        raise ValueError("--twin: %s defines no class %s" % (path, name))
    missing = [o for o in ("SGD", "Adam") if o not in env]
    if missing:
        raise ValueError("--twin: %s must also define the optimizers %s" % (path, " and ".join(missing)))
    cls = env[name]

    def MLP(sizes, hidden="sigmoid", output="linear", loss="mse", seed=0, **options):
        return Adapter(cls, sizes, hidden, output, loss, seed, options)

    return types.SimpleNamespace(mlp=types.SimpleNamespace(MLP=MLP),
                                 optim=types.SimpleNamespace(SGD=env["SGD"], Adam=env["Adam"]), name=spec)


def needs_forward(cfg):
    """Cases whose recorded output needs the training-mode forward pass (dropout or BatchNorm)."""
    return bool(cfg.net.get("dropout") or cfg.net.get("batchnorm"))


class Adapter:
    """The third twin as ``run_twins`` drives it: masks from the shared stream, a ``draws`` counter."""

    def __init__(self, cls, sizes, hidden, output, loss, seed, options):
        import numpy as np
        import vector_nn.init
        batchnorm = bool(options.get("batchnorm"))
        params = vector_nn.init.init_params(sizes, hidden, seed, batchnorm)
        buffers = vector_nn.init.init_buffers(sizes) if batchnorm else None
        self.net = cls.from_params({k: np.array(v) for k, v in params.items()}, hidden=hidden, output=output,
                                   loss=loss, buffers=buffers, **options)
        self.sizes, self.seed, self.loss_name = list(sizes), seed, loss
        self.dropout = float(options.get("dropout", 0.0))
        self.params = self.net.params
        self.buffers = getattr(self.net, "buffers", None) or {}
        self.draws, self.last_masks, self.last_output = 0, None, None

    def draw_masks(self, m):
        """The twins' masks: M_k = uniform(key_for(seed, DROPOUT, draws, k), i n_k + j) >= p."""
        import numpy as np
        from vector_nn import rng
        masks = []
        for k in range(1, len(self.sizes) - 1):
            key = rng.key_for(self.seed, rng.DROPOUT, self.draws, k)
            masks.append((rng.uniforms(key, m * self.sizes[k]).reshape(m, self.sizes[k]) >= self.dropout)
                         .astype(np.float64))
        self.draws += 1
        return masks

    def loss_and_grads(self, X, Y):
        masks = self.draw_masks(len(X)) if self.dropout > 0.0 else None
        self.last_masks = masks
        return self.net.loss_and_grads(X, Y, masks=masks)

    def forward(self, X, training=False, masks=None):
        if hasattr(self.net, "forward"):
            return self.net.forward(X, training=training, masks=masks)
        return self.net.predict(X)

    def predict(self, X):
        return self.net.predict(X)
