"""``make bench``'s last step: write what the measurements say everywhere it is quoted.

``publish`` renders ``RESULTS.md`` and ``speedup.png`` (``render.main``), pastes
the README's "how much faster" table (``render_speed.readme_block``, between
its markers) and runs ``docs/tour/generate.py``, whose chapter 8 copies
RESULTS.md's headline and crossover tables.  ``run.py`` calls it after the
measurements, and alone with ``--render-only``.
"""

import os
import subprocess
import sys

from benchmarks import render, render_speed
from benchmarks.render_data import load, rung_median, rung_ratio

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def update_readme(out, path, log=print):
    """Replace the README's "how much faster" table (between render_speed's markers) by this run's."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    start, end = text.find(render_speed.README_START), text.find(render_speed.README_END)
    if start < 0 or end < start:
        log("README.md has no markers for the speed table: left as it is")
        return False
    d = load(out)
    block = render_speed.readme_block(d, rung_median, rung_ratio)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text[:start] + block + text[end + len(render_speed.README_END):])
    return True


def publish(out, root=ROOT, log=print):
    """Render ``RESULTS.md`` from the JSON in ``out``, then the tour chapters that copy its figures.

    The tour's chapter 8 quotes RESULTS.md's headline and crossover tables, and
    ``parity_tests/app/test_tour.py`` fails when a committed chapter differs from
    what the generator writes now: so whatever rewrites RESULTS.md rewrites the
    tour too (the generator is deterministic; only chapter 8 reads RESULTS.md), and
    so does the README's short table.
    """
    render.main(out, os.path.join(root, "benchmarks"))
    update_readme(out, os.path.join(root, "README.md"), log)
    code = subprocess.call([sys.executable, os.path.join(root, "docs", "tour", "generate.py")], cwd=root)
    if code != 0:
        log("docs/tour/generate.py exited with %d: the tour may be stale" % code)
    return code
