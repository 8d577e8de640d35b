"""``twin-nn check``: any implementation of the network as a third twin, its mistakes named.

    from twin_nn import check
    answer = check.run("my_backprop.py")           # the --json dict of docs/CHECK.md
    print(check.text(answer)); check.exit_status(answer)

Modules: ``cases`` (the built-in cases), ``steps`` (lockstep inputs and
twin-nn's answers), ``runner`` (the learner's side, in a subprocess),
``compare`` (bounds, causal order), ``bugs`` (the bug library, plantable in
a reference: ``bugs.mutant(id, layer)``), ``diagnose``, ``api`` (``run``),
``report`` (the text answer), ``golden`` (files for ports), ``command``
(the CLI).  Nothing here imports NumPy until a check runs.
"""

from .api import CheckError, exit_status, run  # noqa: F401
from .report import text  # noqa: F401
