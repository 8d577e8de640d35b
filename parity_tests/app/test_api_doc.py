"""docs/API.md runs as written: every ```python block, in order, in an empty folder."""

import os
import re

import pytest

DOC = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "API.md")


def blocks():
    with open(DOC, encoding="utf-8") as f:
        return re.findall(r"```python\n(.*?)```", f.read(), flags=re.S)


def test_the_api_walk_through_runs(tmp_path, monkeypatch, capsys):
    code = blocks()
    assert len(code) >= 6, "the walk-through lost its examples"
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "api_doc"}
    for k, block in enumerate(code):
        try:
            exec(compile(block, "docs/API.md block %d" % (k + 1), "exec"), namespace)
        except Exception as exc:                     # name the block that failed
            pytest.fail("docs/API.md block %d failed: %r\n%s" % (k + 1, exc, block))
    printed = capsys.readouterr().out
    assert "['fern', 'moss', 'reed']" in printed and "kept " in printed
    assert (tmp_path / "plants.json").exists()
