"""``python -m vector_nn``: the same ``twin-nn`` command as ``python -m scalar_nn``."""

import sys

from scalar_nn.toolkit.cli import main

sys.exit(main())
