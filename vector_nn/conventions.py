"""The project's conventions: names and numbers, with no arithmetic in them.

Nothing here is numeric work, so the vector twin uses the scalar twin's module
as it is (one source of truth); see ``scalar_nn/conventions.py``.
"""

from scalar_nn.conventions import (  # noqa: F401  (re-exported)
    ADAM_BETA1,
    ADAM_BETA2,
    ADAM_EPS,
    BN_EPS,
    BN_MOMENTUM,
    HIDDEN_ACTIVATIONS,
    LOSSES,
    OUTPUT_LOSS_PAIRS,
    OUTPUTS,
    buffer_shapes,
    is_classification,
    param_names,
    param_shapes,
)
