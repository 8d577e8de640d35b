"""What the ``twin-nn`` command writes, and how it fails: one line for the user's errors, a hint for ours.

* ``CheckedStdout`` (what ``cli.main`` writes to), ``write_output``,
  ``flush_output``: every byte written to standard output is counted, so a
  full disk (``> /dev/full``) or a reader that left (``| head -1`` on a long
  output) is an error at the write that failed -- never a cut output behind
  exit status 0.  (Python's buffered stdout can report success after a
  short write and drop the rest.)  ``broken_stdout`` / ``stdout_error`` /
  ``silence_stdout`` say such a failure as one line and keep the
  interpreter's final flush from failing again.
* ``raised_on_purpose``: which errors are about what the user gave (one
  line ``twin-nn: error: ...``, exit 2) and which are our bugs (``twin-nn:
  internal error: ...``, exit 1, with a hint to rerun with ``--debug``);
  ``debug_flag``: ``--debug`` anywhere on the line, or ``TWIN_NN_DEBUG=1``.
"""

import errno
import io
import linecache
import os
import sys


# ------------------------------------------------------------ errors, --debug
_PROJECT = tuple(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), package) + os.sep
                 for package in ("scalar_nn", "vector_nn", "twin_nn"))


def debug_flag(argv):
    """(argv without ``--debug``, whether the traceback is wanted: ``--debug`` or TWIN_NN_DEBUG=1).

    ``--debug`` may stand anywhere before a ``--``, so ``twin-nn train x --debug`` works.
    """
    end = argv.index("--") if "--" in argv else len(argv)
    debug = "--debug" in argv[:end]
    if debug:
        argv = [a for a in argv[:end] if a != "--debug"] + argv[end:]
    return argv, debug or os.environ.get("TWIN_NN_DEBUG", "") not in ("", "0")


def raised_on_purpose(exc):
    """True for an error the code raises on purpose about what the user gave; False for our bugs.

    On purpose: an OSError (a file, a disk, a pipe), an ImportError (a missing
    package), and a ValueError/TypeError raised by a ``raise`` statement of
    scalar_nn, vector_nn or twin_nn itself (every check there names the
    problem).  Anything else -- a KeyError, a ZeroDivisionError, or a
    ValueError that Python or a library raised inside our code -- is a bug:
    the input should have been refused earlier with a clear message.
    """
    if isinstance(exc, (OSError, ImportError)):
        return True
    if not isinstance(exc, (ValueError, TypeError)):
        return False
    tb = exc.__traceback__
    if tb is None:
        return False
    while tb.tb_next is not None:
        tb = tb.tb_next
    filename = os.path.abspath(tb.tb_frame.f_code.co_filename)
    if not filename.startswith(_PROJECT):
        return False
    return _in_raise_statement(filename, tb.tb_lineno)


def _in_raise_statement(filename, lineno):
    """Whether line ``lineno`` of ``filename`` belongs to a ``raise`` statement (one line or several)."""
    if linecache.getline(filename, lineno).strip().startswith("raise "):
        return True
    for start in range(lineno - 1, max(lineno - 8, 0), -1):
        text = "".join(linecache.getline(filename, k) for k in range(start, lineno))
        if text.count("(") - text.count(")") + text.count("[") - text.count("]") <= 0:
            if not text.rstrip().endswith("\\"):
                continue                  # the statement was closed before lineno: look further up
        if linecache.getline(filename, start).strip().startswith("raise "):
            return True
    return False


def one_line(exc):
    """The exception's message on one line (a message never spills a second line onto stderr)."""
    text = str(exc) or type(exc).__name__
    return " ".join(text.split())


def flush_output(out):
    """Flush the command's output; a failure (full disk, closed pipe) is an OSError saying so."""
    if not hasattr(out, "flush"):          # a caller's own writer (tests pass one): nothing to flush
        return
    try:
        out.flush()
    except BrokenPipeError:
        silence_stdout(out)
        raise OSError("cannot write to %s: the reader closed the pipe before the output was complete"
                      % _stream_name(out)) from None
    except OSError as exc:
        raise OSError("cannot write to %s: %s; the output is incomplete"
                      % (_stream_name(out), exc.strerror or exc)) from None


def write_output(out, text, what):
    """Write ``text`` (``what``: "the predictions") to the stream ``out``, flushed and checked.

    A full disk or a closed pipe is one OSError line, so the command exits
    non-zero instead of leaving a cut file behind an exit status of 0.
    """
    try:
        fd = _real_fd(out)
        if fd is None:
            out.write(text)
            if hasattr(out, "flush"):
                out.flush()
        else:
            _write_all(fd, text.encode(getattr(out, "encoding", None) or "utf-8"))
    except BrokenPipeError:
        silence_stdout(out)
        raise OSError("cannot write %s to %s: the reader closed the pipe before they were all written"
                      % (what, _stream_name(out))) from None
    except OSError as exc:
        raise OSError("cannot write %s to %s: %s; what was written is incomplete"
                      % (what, _stream_name(out), exc.strerror or exc)) from None


def _real_fd(out):
    """The file descriptor behind ``out`` when it is the process's stdout (else None)."""
    if out is not sys.stdout and out is not sys.__stdout__:
        return None
    try:
        out.flush()
        return out.fileno()
    except (AttributeError, ValueError, io.UnsupportedOperation):
        return None


def _write_all(fd, data):
    """``os.write`` until every byte is out; a short write that makes no progress is an error.

    Python's buffered stdout can report success after a pipe's reader
    left part way (a short write, then nothing): counting the bytes here
    is what makes a cut file impossible behind an exit status of 0.
    """
    done = 0
    while done < len(data):
        n = os.write(fd, data[done:done + (1 << 20)])
        if n <= 0:
            raise OSError(errno.EIO, "wrote %d of %d bytes" % (done, len(data)))
        done += n


def broken_stdout(exc, out):
    """Whether ``exc`` is the output stream failing (then nothing more must be flushed into it)."""
    return isinstance(exc, OSError) and getattr(exc, "errno", None) in (errno.EPIPE, errno.ENOSPC) \
        or isinstance(exc, OSError) and str(exc).startswith("cannot write to %s" % _stream_name(out))


def silence_stdout(out):
    """Point the process's stdout at /dev/null, so the interpreter's final flush cannot fail again."""
    if out is sys.stdout or isinstance(out, CheckedStdout):
        try:
            sys.stdout = open(os.devnull, "w")
            os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        except OSError:
            pass


def _stream_name(out):
    return "standard output" if out is sys.stdout or getattr(out, "name", None) == "<stdout>" else \
        getattr(out, "name", "the output")


def stdout_error(exc, out):
    """An error of the output stream itself, said as such (not a bare "[Errno 28] ...")."""
    if str(exc).startswith("cannot write"):
        return exc
    return OSError("cannot write to %s: %s; the output is incomplete" % (_stream_name(out), exc.strerror or exc))


class CheckedStdout:
    """The process's stdout for the ``twin-nn`` commands: every write goes out at once, every byte counted.

    Python's buffered ``sys.stdout`` can lose the rest of a long write after a
    short one (a pipe whose reader left, a disk that filled up) and still
    exit 0.  Here each ``write`` is ``os.write`` until done, so a failure is an
    OSError at the write that failed (``cli.main`` turns it into one line).
    """

    def __init__(self, stream):
        self.stream = stream
        self.encoding = getattr(stream, "encoding", None) or "utf-8"
        self.name = "<stdout>"

    def write(self, text):
        self.stream.flush()                  # anything written to sys.stdout directly goes first
        _write_all(self.stream.fileno(), text.encode(self.encoding, "replace"))
        return len(text)

    def flush(self):
        self.stream.flush()

    def isatty(self):
        return self.stream.isatty()

    def fileno(self):
        return self.stream.fileno()


def checked_stdout():
    """``CheckedStdout(sys.stdout)`` where stdout has a file descriptor; else sys.stdout itself."""
    try:
        sys.stdout.fileno()
    except (AttributeError, ValueError, io.UnsupportedOperation):
        return sys.stdout
    return CheckedStdout(sys.stdout)


class _Silent:
    """A writer that keeps nothing (notes nobody is there to read)."""

    def write(self, text):
        return len(text)

    def flush(self):
        pass


def aside(stream=None):
    """Where a note goes while standard output carries data (predictions): a terminal's stderr, else nowhere.

    A person at a terminal reads "ignored column 'id'" or the reading
    progress on stderr; a script or a pipe gets standard error empty on
    success, as the command-line contract says (errors only).
    """
    stream = sys.stderr if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    return stream if isatty is not None and isatty() else _Silent()
