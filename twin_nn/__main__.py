"""``python -m twin_nn``: the ``twin-nn`` command (cli.py)."""

import sys

from .cli import main

sys.exit(main())
