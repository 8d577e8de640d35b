"""Training callbacks for the NumPy twin: the very same code as ``scalar_nn.callbacks``.

A callback reads a few numbers per epoch from the history (one loss, one
learning rate) and, for ``EarlyStopping``, copies the parameters with
``copy.deepcopy``, which copies NumPy arrays as readily as nested lists and
restores them in place (``A[...] = saved``).  There is nothing numeric to
vectorise, so this module imports the scalar one rather than rewriting it:
one oscillation rule, one early-stopping rule, for both twins.
"""

from scalar_nn.callbacks import (  # noqa: F401  (re-exported, same order as scalar_nn)
    MODES,
    Callback,
    monitored_values,
    resolve_mode,
    snapshot,
    restore_into,
    EarlyStopping,
    change_signs,
    is_oscillating,
    Overclock,
)

__all__ = [
    "MODES",
    "Callback",
    "monitored_values",
    "resolve_mode",
    "snapshot",
    "restore_into",
    "EarlyStopping",
    "change_signs",
    "is_oscillating",
    "Overclock",
]
