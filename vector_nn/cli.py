"""The ``twin-nn`` command is the scalar twin's ``scalar_nn.cli``.

A command line is not array math, and it must run where NumPy is absent, so
it lives in scalar_nn and loads vector_nn only when asked; this module is
its mirror so that ``python -m vector_nn.cli`` works too.
"""

import sys

from scalar_nn.cli import build_parser, main  # noqa: F401  (re-exported)

if __name__ == "__main__":
    sys.exit(main())
