"""A re-export of every name this module held, for code that still imports ``scalar_nn.toolkit.validation``.

What used to live here is now in three modules, each holding one thing:

* ``checks.py``    -- checks of input: shapes, NaN, labels, names, hyperparameters,
  masks, the 2-2-1 checks, and the deferred check of the lean step;
* ``netconfig.py`` -- a network's configuration: ``configure``, ``describe_net``,
  and what ``from_params`` reads (``sizes_from_params``, ``checked_params``);
* ``binding.py``   -- an optimizer bound to its parameters (``check_bound``).

New code imports from those.  This module only re-exports, so that the
modules rewritten on other branches while the split was made (the engine
``vector_nn.fast``, ``vector_nn/mlp.py``, ``vector_nn/optim.py``, and new
application code) keep working; once they import from the three modules, it goes.
"""

from .binding import check_bound  # noqa: F401
from .checks import (  # noqa: F401
    _class_indices,
    as_masks,
    as_matrix,
    as_targets,
    batchnorm_rows,
    check_choice,
    check_dataset,
    check_int,
    check_learn_rate,
    check_model,
    check_number,
    check_params221,
    check_sample,
    check_vector,
    check_weights,
    deferred_check,
    finite_loss_and_matrix,
    forward_masks,
    full_check,
    is_sequence,
    plain,
    plain_batch,
)
from .netconfig import checked_param, checked_params, configure, describe_net, sizes_from_params  # noqa: F401
