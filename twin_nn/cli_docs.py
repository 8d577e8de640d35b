"""``twin-nn docs``: the documentation, reachable from an installed package.

The project has no public web address, so the docs travel with the package:
the wheel installs the repository's ``docs/`` folder as ``twin_nn_docs/``
beside ``scalar_nn/``, ``vector_nn/`` and ``twin_nn/`` in site-packages
(pyproject.toml, ``[tool.setuptools.package-data]``), which keeps the docs'
relative links to the lesson files (``../../scalar_nn/network221.py`` from a
tour chapter) pointing at the installed modules.  From a source checkout the
same command reads ``docs/`` itself.

    twin-nn docs              where the docs are, and one line per document
    twin-nn docs csv          print docs/CSV.md (a name, or the start of one: tour/01, parity)
    twin-nn docs readme       print the README (the package's long description once installed)
    twin-nn docs --path       only the folder, for scripts: ls "$(twin-nn docs --path)"

Standard library only, like the rest of ``twin_nn``'s command line.
"""

import os

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# Installed: site-packages/twin_nn_docs; from a source checkout: the repository's docs/.
CANDIDATES = (os.path.join(ROOT, "twin_nn_docs"), os.path.join(ROOT, "docs"))


def docs_dir():
    """The folder that holds the docs (installed or in the source tree); ValueError when there is none."""
    for path in CANDIDATES:
        if os.path.isfile(os.path.join(path, "CONVENTIONS.md")):
            return path
    raise ValueError("the documentation is not installed next to twin_nn (looked in %s); reinstall twin-nn "
                     "from its wheel or source" % " and ".join(CANDIDATES))


def documents(folder):
    """The Markdown files under ``folder``: sorted relative paths with '/' separators."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in filenames:
            if name.endswith(".md"):
                found.append(os.path.relpath(os.path.join(dirpath, name), folder).replace(os.sep, "/"))
    return sorted(found, key=lambda p: (p.count("/"), p.lower()))


def title(path):
    """The first Markdown heading of a file, without its '#' marks ('' when it has none)."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#"):
                return line.lstrip("#").strip()
    return ""


def readme_text():
    """The README: the source tree's README.md, or the installed package's long description."""
    path = os.path.join(ROOT, "README.md")
    source_tree = os.path.isdir(os.path.join(ROOT, "docs")) and os.path.isfile(os.path.join(ROOT, "pyproject.toml"))
    if source_tree and os.path.isfile(path):           # not site-packages/README.md, which is someone else's
        with open(path, encoding="utf-8") as f:
            return f.read()
    from importlib.metadata import PackageNotFoundError, metadata
    try:
        text = metadata("twin-nn").get_payload() or metadata("twin-nn").get("Description")
    except PackageNotFoundError:
        text = None
    if not text:
        raise ValueError("the README is neither in the source tree nor in the installed package's metadata")
    return text


def find(folder, name):
    """The one document whose path (without .md) is ``name`` or starts with it, case-insensitively."""
    wanted = name.lower().strip("/")
    if wanted.endswith(".md"):
        wanted = wanted[:-3]
    docs = documents(folder)
    stems = {p: p[:-3].lower() for p in docs}
    exact = [p for p in docs if stems[p] == wanted or stems[p] == wanted + "/readme"]
    if exact:
        return exact[0]
    matches = [p for p in docs if stems[p].startswith(wanted) or stems[p].split("/")[-1].startswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise ValueError("no document called %r; twin-nn docs lists them (%s)" % (name, ", ".join(
            p[:-3] for p in docs)))
    raise ValueError("%r could be %s: give more of the name" % (name, ", ".join(p[:-3] for p in matches)))


def add_parser(sub):
    """Register ``twin-nn docs`` on the subparsers ``sub`` (called by cli.build_parser)."""
    p = sub.add_parser("docs", help="where the documentation is, or print one document",
                       description="The documentation is installed with the package. Without NAME: the "
                                   "folder it is in and one line per document. With NAME: print that "
                                   "document (a name or the start of one: csv, tour/01, parity, readme).")
    p.add_argument("name", metavar="NAME", nargs="?", help="a document to print (readme for the README)")
    p.add_argument("--path", action="store_true", help="print only the folder that holds the docs")
    p.set_defaults(func=cmd_docs)
    return p


def cmd_docs(args, out):
    """``twin-nn docs [NAME] [--path]``."""
    if args.name and args.name.lower() in ("readme", "readme.md"):
        out.write(readme_text())
        return 0
    folder = docs_dir()
    if args.path:
        out.write(folder + "\n")
        return 0
    if args.name:
        with open(os.path.join(folder, find(folder, args.name)), encoding="utf-8") as f:
            out.write(f.read())
        return 0
    out.write("the twin-nn documentation is in %s\n" % folder)
    out.write("(Markdown files: open them in any Markdown viewer; their links to scalar_nn/, vector_nn/ and "
              "twin_nn/ lead to the modules beside this folder)\n\n")
    for path in documents(folder):
        out.write("  %-40s %s\n" % (path, title(os.path.join(folder, path))))
    out.write("\ntwin-nn docs NAME prints one (twin-nn docs csv, twin-nn docs tour/01); twin-nn docs readme "
              "prints the README\n")
    return 0
