"""twin-nn, the application: the ``twin-nn`` command and what it composes.

The lesson is ``scalar_nn`` (pure Python) and its twin ``vector_nn`` (NumPy);
this package is what a user runs around them: the command line (``cli``,
``cli_data``, ``cli_extras``, ``cli_output``, ``cli_pictures``, ``argtypes``,
``model_meta``), the named
recipes, a user's CSV files (``csvdata``), the pictures (``plots``) and the
step trace (``trace``, ``trace_html``, ``vector_trace``).

Arrows run one way: ``twin_nn`` -> ``vector_nn`` -> ``scalar_nn``.  The vector
twin is imported only inside the functions that need it, when a command asks
for it, so ``twin-nn`` runs on a Python without NumPy (PyPy included).
``python -m twin_nn`` is the same command as ``twin-nn``.
"""

from .pipeline import Pipeline, load_pipeline  # noqa: E402  (standard library only: no NumPy here)

__all__ = ["Pipeline", "load_pipeline"]
