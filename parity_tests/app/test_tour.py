"""The tour (docs/tour/) cannot drift from the code: regenerate it in memory and compare.

``docs/tour/generate.py`` writes every chapter by running the project (the
twins, the trace, the optimizers, the parity machinery, the figures of
benchmarks/RESULTS.md).  This test renders all of it again and fails, naming
the chapter and the first differing line, when the committed files differ:
change the code, then run ``python docs/tour/generate.py`` and commit.
"""

import importlib.util
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOUR = os.path.join(ROOT, "docs", "tour")


def _generator():
    spec = importlib.util.spec_from_file_location("tour_generate", os.path.join(TOUR, "generate.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_tour_matches_the_code():
    chapters = _generator().render_all()
    assert len([n for n in chapters if re.match(r"\d\d-", n)]) == 10
    for name, text in chapters.items():
        path = os.path.join(TOUR, name)
        assert os.path.exists(path), "docs/tour/%s is missing: run python docs/tour/generate.py" % name
        with open(path, encoding="utf-8") as f:
            committed = f.read()
        if committed != text:
            old, new = committed.splitlines(), text.splitlines()
            i = next((i for i, (a, b) in enumerate(zip(old, new)) if a != b), min(len(old), len(new)))
            raise AssertionError("docs/tour/%s disagrees with the code at line %d:\n  committed: %s\n  code:      %s\n"
                                 "run python docs/tour/generate.py" % (
                                     name, i + 1, old[i] if i < len(old) else "<end>",
                                     new[i] if i < len(new) else "<end>"))


def test_every_chapter_links_to_its_lesson_file():
    gen = _generator()
    for name in gen.CHAPTERS:
        with open(os.path.join(TOUR, name), encoding="utf-8") as f:
            text = f.read()
        links = re.findall(r"\]\(\.\./\.\./([^)]+)\)", text)
        assert links, "%s links to no lesson file" % name
        for target in links:
            assert os.path.exists(os.path.join(ROOT, target)), "%s links to a missing file %s" % (name, target)
    with open(os.path.join(TOUR, "README.md"), encoding="utf-8") as f:
        index = f.read()
    for name in gen.CHAPTERS:
        assert "(%s)" % name in index
    assert os.path.exists(os.path.join(TOUR, "trace.png"))
