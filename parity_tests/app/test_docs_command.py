"""The docs reach an installed package (issue 17): ``twin-nn docs`` and the wheel's package data.

The project has no public web address, so the wheel carries docs/ as
``twin_nn_docs`` beside the packages (pyproject.toml), and ``twin-nn docs``
says where it is, lists the documents and prints one.  The last test builds
the wheel, installs it into a throwaway virtual environment and runs the
command from there (it skips when the build backend is not importable).
"""

import fnmatch
import io
import os
import re
import shutil
import subprocess
import sys

import pytest

from twin_nn import cli, cli_docs

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DOCS = os.path.join(ROOT, "docs")


def run(*argv):
    out = io.StringIO()
    return cli.main(list(argv), out=out), out.getvalue()


def test_docs_lists_every_document_with_its_title():
    status, text = run("docs")
    assert status == 0
    assert text.startswith("the twin-nn documentation is in %s\n" % DOCS)
    for path in cli_docs.documents(DOCS):
        assert re.search(r"^  %s +%s$" % (re.escape(path), re.escape(cli_docs.title(os.path.join(DOCS, path)))),
                         text, re.M), path
    assert "tour/01-neuron-and-forward.md" in text and "CONVENTIONS.md" in text


@pytest.mark.parametrize("name, path", [("csv", "CSV.md"), ("CSV.md", "CSV.md"), ("tour", "tour/README.md"),
                                        ("tour/01", "tour/01-neuron-and-forward.md"), ("parity", "PARITY.md"),
                                        ("conv", "CONVENTIONS.md")])
def test_docs_prints_one_document(name, path):
    status, text = run("docs", name)
    with open(os.path.join(DOCS, path), encoding="utf-8") as f:
        assert status == 0 and text == f.read()


def test_docs_readme_path_and_bad_names(capsys):
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        assert run("docs", "readme") == (0, f.read())
    assert run("docs", "--path") == (0, DOCS + "\n")
    assert run("docs", "nosuch")[0] == 2
    err = capsys.readouterr().err
    assert err.startswith("twin-nn: error: no document called 'nosuch'") and len(err.splitlines()) == 1
    assert run("docs", "tour/0")[0] == 2
    assert "give more of the name" in capsys.readouterr().err


def test_the_wheel_ships_every_document_and_picture():
    """pyproject's package-data globs cover every file under docs/ but the tour's generator (generate.py, tourgen/)."""
    with open(os.path.join(ROOT, "pyproject.toml"), encoding="utf-8") as f:
        toml = f.read()
    assert re.search(r'^twin_nn_docs = "docs"$', toml, re.M)
    globs = re.findall(r'"([^"]+)"', re.search(r"^twin_nn_docs = \[(.*)\]$", toml, re.M).group(1))
    for dirpath, _, files in os.walk(DOCS):
        for name in files:
            rel = os.path.relpath(os.path.join(dirpath, name), DOCS).replace(os.sep, "/")
            if rel == "tour/generate.py" or rel.startswith("tour/tourgen/") or "__pycache__" in rel:
                continue
            assert any(fnmatch.fnmatch(rel, g) and rel.count("/") == g.count("/") for g in globs), rel


def test_installed_wheel_finds_its_docs(tmp_path):
    """Build the wheel, install it in a throwaway venv, run `twin-nn docs` from elsewhere."""
    try:
        import setuptools
    except ImportError:
        pytest.skip("setuptools is not importable: the wheel cannot be built offline")
    if int(setuptools.__version__.split(".")[0]) < 77:
        pytest.skip("pyproject.toml needs setuptools >= 77 to build")
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        if os.path.exists(os.path.join(ROOT, name)):
            shutil.copy(os.path.join(ROOT, name), src / name)
    for name in ("scalar_nn", "vector_nn", "twin_nn", "docs"):
        shutil.copytree(os.path.join(ROOT, name), src / name, ignore=shutil.ignore_patterns("__pycache__"))
    wheels = tmp_path / "wheels"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                            "-q", "-w", str(wheels), str(src)], capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    (wheel,) = list(wheels.iterdir())
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=300)
    py = str(venv / "bin" / "python")
    done = subprocess.run([py, "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    twin_nn = str(venv / "bin" / "twin-nn")
    where = subprocess.run([twin_nn, "docs", "--path"], capture_output=True, text=True, cwd=str(tmp_path),
                           env=env, timeout=120)
    assert where.returncode == 0, where.stderr
    folder = where.stdout.strip()
    assert folder.startswith(str(venv)) and folder.endswith("twin_nn_docs")
    assert os.path.isfile(os.path.join(folder, "tour", "trace.png"))
    # the tour's links to the lesson files still land on them
    assert os.path.isfile(os.path.join(folder, "tour", "..", "..", "scalar_nn", "network221.py"))
    csv_doc = subprocess.run([twin_nn, "docs", "csv"], capture_output=True, text=True, cwd=str(tmp_path), env=env,
                             timeout=120)
    with open(os.path.join(DOCS, "CSV.md"), encoding="utf-8") as f:
        assert csv_doc.returncode == 0 and csv_doc.stdout == f.read()
    readme = subprocess.run([twin_nn, "docs", "readme"], capture_output=True, text=True, cwd=str(tmp_path),
                            env=env, timeout=120)
    assert readme.returncode == 0 and readme.stdout.startswith("# twin-nn")
    bare = subprocess.run([twin_nn], capture_output=True, text=True, cwd=str(tmp_path), env=env, timeout=120)
    assert bare.returncode == 0 and bare.stdout.startswith("usage: twin-nn") and "docs" in bare.stdout
