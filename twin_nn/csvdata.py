"""Reading a user's CSV file: a checked table, stored column by column.

Pure Python (the standard library's ``csv`` and ``array`` modules), so the
scalar twin trains on a user's CSV without NumPy.  What the rest of the
application builds on::

    table = read_table("iris.csv")         # checked; progress(rows, bytes, size) if asked
    j = table.column("species")            # a column's index (a CSVError suggests close names)
    table.values[j]                        # array('d'): the column's numbers (NaN where a cell is not one)
    table.odd[j]                           # {row index: text} for every cell that is not a finite number
    table.cell(i, j), table.where(i, j)    # a cell's text; "row 5, column 'x2' (column 3)"

Turning the table into a network's inputs and targets (column choice,
one-hot encoding, missing cells, scaling, labels) is ``columns``.

The file format, as read here:

* UTF-8 text (a byte order mark, as Excel writes, is accepted silently);
  comma-separated; quotes as the ``csv`` module understands them, so
  ``"1.5"`` is the number 1.5.
* Line 1 is a header of unique, non-empty column names.
* Blank lines, and lines whose cells are all empty (``,,,``), are skipped.
* Every other line has exactly as many cells as the header.

Memory: a cell that holds a finite number costs 8 bytes (one float in the
column's ``array('d')``), not a Python string; only the other cells (text,
empty cells, NaN) are kept as text, in the column's ``odd`` dict.  The file
is read as a stream, never whole, so a 1,000,000 x 10 file of 84 MB holds
about 90 MB once read.

Every problem is a ``CSVError`` (a ValueError) in one line that names the
file and, where they apply, the row and the column.  Rows are counted as a
spreadsheet or an editor counts them: the header is row 1.
"""

import csv
import difflib
import io
import math
import os
from array import array

from scalar_nn.toolkit.files import open_for_reading

PROGRESS_ROWS = 65536          # read_table calls progress() every this many rows


class CSVError(ValueError):
    """A CSV file that cannot be used: the file, row and column are in the message."""


class Table:
    """A checked CSV file, column by column.

    ``header``: the column names.  ``values[j]``: column j as ``array('d')``
    (NaN where the cell is not a finite number).  ``odd[j]``: {row index:
    stripped text} for those cells.  ``line_numbers[i]``: the file's row
    number of data row i (the header is row 1), for messages.
    """

    def __init__(self, path, header, values, odd, line_numbers):
        self.path, self.header, self.values, self.odd = path, header, values, odd
        self.line_numbers = line_numbers

    @classmethod
    def from_rows(cls, path, header, rows, line_numbers=None):
        """A Table from rows of cells (numbers, or text as a CSV cell would hold it)."""
        header = [str(h).strip() for h in header]
        _check_header(path, header, 1)
        values, odd = [array("d") for _ in header], [{} for _ in header]
        for i, row in enumerate(rows):
            if len(row) != len(header):
                raise CSVError("%s, row %d: %d cells, but there are %d columns (%s)"
                               % (path, i + 2, len(row), len(header), _names(header, 6)))
            for j, cell in enumerate(row):
                _store(values[j], odd[j], i, cell)
        lines = list(range(2, len(rows) + 2)) if line_numbers is None else list(line_numbers)
        return cls(path, header, values, odd, lines)

    def __len__(self):
        return len(self.line_numbers)

    def column(self, name, role="column"):
        """The index of column ``name``; a missing name is a CSVError listing the columns."""
        if name in self.header:
            return self.header.index(name)
        raise CSVError("%s has no %s %r%s: its columns are %s" % (
            self.path, role, name, did_you_mean(name, self.header), _names(self.header)))

    def where(self, i, j):
        """"row 5, column 'x2' (column 3)" for data row i and column j."""
        return "row %d, column %r (column %d)" % (self.line_numbers[i], self.header[j], j + 1)

    def cell(self, i, j):
        """The text of cell (i, j): as written for a non-number, else the number (1.0 as "1")."""
        text = self.odd[j].get(i)
        return text if text is not None else number_text(self.values[j][i])

    @property
    def rows(self):
        """Every row as a list of cell texts (for small tables and tests: it builds strings)."""
        return [[self.cell(i, j) for j in range(len(self.header))] for i in range(len(self))]


def number_text(value):
    """1.0 -> "1", 2.5 -> "2.5": how a number cell reads as text (and a numeric label is stored)."""
    return str(int(value)) if value == int(value) else repr(value)


canonical_number_label = number_text


def did_you_mean(name, names):
    """" (did you mean 'Y'?)" for a close name, else ""."""
    lowered = [h for h in names if h.lower() == str(name).lower()]
    close = difflib.get_close_matches(str(name), names, n=1, cutoff=0.6)
    hint = lowered[0] if lowered else (close[0] if close else None)
    return " (did you mean %r?)" % hint if hint else ""


def _names(names, limit=12):
    shown = ", ".join(map(repr, names[:limit]))
    return shown + (", ... (%d in all)" % len(names) if len(names) > limit else "")


def _store(values, odd, i, cell):
    """Put one cell into its column: a finite number in ``values``, anything else in ``odd`` too."""
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        v = float(cell)
        if math.isfinite(v):
            values.append(v)
            return
        text = repr(v)
    else:
        text = str(cell).strip()
        try:
            v = float(text)
        except ValueError:
            v = math.nan
        if math.isfinite(v):
            values.append(v)
            return
    values.append(math.nan)
    odd[i] = text


# --------------------------------------------------------------- reading
def read_table(path, progress=None):
    """The CSV file at ``path`` as a checked ``Table`` (rules in the module docstring).

    ``progress(rows, bytes_read, bytes_total)``, if given, is called every
    ``PROGRESS_ROWS`` rows and once at the end.
    """
    raw = _open(path)
    size = os.fstat(raw.fileno()).st_size
    with raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        reader = csv.reader(text, strict=True)
        try:
            header, values, odd, lines = _read_records(path, reader, raw, size, progress)
        except UnicodeDecodeError:
            _not_utf8(path)
        except csv.Error as exc:
            raise CSVError("%s, row %d: not valid CSV (%s)" % (path, reader.line_num, exc)) from None
    if header is None:
        raise CSVError("%s is empty: a CSV file needs a header row and at least one data row" % path)
    if not lines:
        raise CSVError("%s has a header (%s) but no data rows" % (path, _names(header)))
    if progress is not None:
        progress(len(lines), size, size)
    return Table(path, header, values, odd, lines)


def _read_records(path, reader, raw, size, progress):
    """(header, values, odd, line numbers) from the csv reader: one pass, one row at a time."""
    header = values = odd = None
    lines = array("q")
    n = 0
    isfinite = math.isfinite
    for record in reader:
        if not record:
            continue                             # a blank line
        if header is None:
            if all(not cell.strip() for cell in record):
                continue
            header = [cell.strip() for cell in record]
            header[0] = header[0].lstrip("\ufeff").strip()   # a second BOM, as some tools add
            _check_header(path, header, reader.line_num)
            header_line, width = reader.line_num, len(header)
            values, odd = [array("d") for _ in header], [{} for _ in header]
            continue
        try:
            row = list(map(float, record))       # the common case: every cell a number
            clean = isfinite(sum(row)) and len(row) == width
        except ValueError:
            clean = False
        if not clean:
            if all(not cell.strip() for cell in record):
                continue                         # ",,,": nothing in it
            if len(record) != width:
                raise CSVError("%s, row %d: %d cell%s, but the header (row %d) has %d columns%s" % (
                    path, reader.line_num, len(record), "" if len(record) == 1 else "s", header_line,
                    width, _ragged_hint(record, header)))
            for j, cell in enumerate(record):
                _store(values[j], odd[j], n, cell)
        else:
            for column, v in zip(values, row):
                column.append(v)
        lines.append(reader.line_num)
        n += 1
        if progress is not None and n % PROGRESS_ROWS == 0:
            progress(n, raw.tell(), size)
    return header, values, odd, lines


def _open(path):
    """The file opened for reading bytes; a missing file, a folder or no permission is one line."""
    return open_for_reading(path, "CSV file")


def _not_utf8(path):
    """The failure path of a file that is not UTF-8: find the first bad byte and its row."""
    with open(path, "rb") as f:
        data = f.read()
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise CSVError("%s is not UTF-8 text (byte 0x%02x in row %d): save it as UTF-8 CSV"
                       % (path, data[exc.start], line)) from None
    raise CSVError("%s is not UTF-8 text: save it as UTF-8 CSV" % path)


def _check_header(path, header, line):
    """Column names: non-empty, unique, and not a row of numbers (a file without a header)."""
    for j, name in enumerate(header):
        if not name:
            raise CSVError("%s, row %d: column %d has no name in the header%s" % (
                path, line, j + 1, " (a row index written by pandas? save with index=False)" if j == 0 else ""))
    seen = {}
    for j, name in enumerate(header):
        if name in seen:
            raise CSVError("%s, row %d: the header names column %r twice (columns %d and %d); "
                           "column names must be unique" % (path, line, name, seen[name] + 1, j + 1))
        seen[name] = j
    if all(is_number(name) for name in header):
        raise CSVError("%s, row %d: the first row should be a header of column names, but it holds "
                       "numbers (%s): add a header line" % (path, line, _names(header, 4)))
    if len(header) == 1:
        for sep in (";", "\t", "|"):
            if sep in header[0]:
                raise CSVError("%s: the header is one column %r; twin-nn reads comma-separated "
                               "files, and this one seems to use %r" % (path, header[0], sep))


def _ragged_hint(cells, header):
    if len(cells) > len(header) and len(header) > 1:
        return " (a comma inside a value needs quotes: \"1,5\")"
    return ""


def is_number(text):
    """True when ``float(text)`` reads it (NaN and inf included)."""
    try:
        float(text)
    except ValueError:
        return False
    return True
