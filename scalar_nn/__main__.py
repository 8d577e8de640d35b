"""``python -m scalar_nn``: the ``twin-nn`` command (toolkit/cli.py)."""

import sys

from .toolkit.cli import main

sys.exit(main())
