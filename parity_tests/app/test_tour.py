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


def test_chapter_1_says_why_make_demo_differs():
    """Chapter 1's trained numbers differ from `make demo`'s only by the starting weights, and it says so."""
    gen = _generator()
    demo = gen.ch01_02_by_hand.demo_people_221()
    # From the chapter's weights, the recipe's MLP ends where Network221 does: the start is the difference.
    assert demo["same_start_gap"] < 1e-12
    from scalar_nn import network221
    from scalar_nn.toolkit import datasets
    X, Y = datasets.people()
    ref = network221.Network221(weights=gen.trace.HAND_WEIGHTS)
    ref.train(X, [y[0] for y in Y], learn_rate=0.1, epochs=1000, verbose=False)
    assert max(abs(p - ref.feedforward(x)) for p, x in zip(demo["predictions"], X)) > 1e-4
    with open(os.path.join(TOUR, "01-neuron-and-forward.md"), encoding="utf-8") as f:
        text = f.read()
    assert "`make demo`" in text and "because it starts from the recipe's random weights" in text
