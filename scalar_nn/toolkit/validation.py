"""A re-export kept for the modules that still import ``scalar_nn.toolkit.validation``.

What used to live here is now in three modules, each holding one thing:

* ``checks.py``    -- checks of input: shapes, NaN, labels, names, hyperparameters,
  masks, the 2-2-1 checks, and the deferred check of the lean step;
* ``netconfig.py`` -- a network's configuration: ``configure``, ``describe_net``,
  and what ``from_params`` reads (``sizes_from_params``, ``checked_params``);
* ``binding.py``   -- an optimizer bound to its parameters (``check_bound``).

New code imports from those.  This module only re-exports, for
``vector_nn/mlp.py``, ``vector_nn/optim.py`` and the engine (``vector_nn.fast``,
rewritten on another branch at the time of the split); once they import from
the three modules, it goes.
"""

from .binding import check_bound  # noqa: F401
from .checks import batchnorm_rows, check_choice, check_number, deferred_check, forward_masks  # noqa: F401
from .netconfig import checked_params, configure, describe_net, sizes_from_params  # noqa: F401
