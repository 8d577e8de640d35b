"""Reading and writing files, checked: the one place the project touches the disk.

Model files (``serialize``), CSV files (``twin_nn.csvdata``), predictions,
pictures and curves all go through here, so every path gets the same care:

* ``read_bytes(path, kind, limit)``: the whole file, with one-line errors
  that name the user's path ("no CSV file at x.csv"), and a size limit
  checked *before* reading (a model file claiming terabytes is refused,
  not allocated); ``open_for_reading(path, kind)``: the same, as a stream.
* ``write_atomically(path, write)``: a temporary file next to the target,
  fsync, then ``os.replace`` -- after a crash the old file or the new one,
  never half of one.  A successful write also removes the temporary files
  that killed writers left behind for the same target (``remove_stale_temps``).
* ``check_destination(path, size)``: before an hour of training, that the
  file can be created, and (when its size is known) that the disk has room.
* ``refuse_overwriting_inputs(outputs, inputs)``: an output that is one of
  the command's own inputs (the same file, however the path is spelled,
  symlinks included) is refused before any work starts.

Every error is an OSError (or ValueError) whose message is one line naming
the path the user gave, never a temporary file's name.
"""

import itertools
import os
import re
import shutil
import stat
import time

# Room kept free on top of a file's estimated size, and the estimate's slack:
# a save must not fill the disk to the last byte (other programs need it too).
FREE_SPACE_MARGIN = 64 << 10
# A temporary file whose writer's pid is alive is still removed when it was last
# written this long before a successful save (the pid was reused, or it is a
# writer on another machine): no save stalls for an hour between two writes.
PID_REUSE_AGE = 3600.0


def as_path(path):
    """A path as a str (os.PathLike such as pathlib.Path accepted); anything else is a TypeError."""
    if isinstance(path, os.PathLike):
        path = os.fspath(path)
    if not isinstance(path, str):
        raise TypeError("path must be a str or os.PathLike, got %s" % type(path).__name__)
    if not path:
        raise ValueError("path is empty")
    return path


# ------------------------------------------------------------------ reading
def read_bytes(path, kind="model file", limit=None):
    """The whole file at ``path``; errors are one line naming it as a ``kind`` ("CSV file").

    ``limit`` (bytes, optional): a larger file is refused before it is read,
    as a ValueError saying how large it is and what the limit is.
    """
    path = as_path(path)
    try:
        with open(path, "rb") as f:
            if limit is not None:
                size = os.fstat(f.fileno()).st_size
                if size > limit:
                    raise ValueError("cannot read %s: it is %s, more than the %s a %s may be"
                                     % (path, human_size(size), human_size(limit), kind))
            return f.read()
    except OSError as exc:
        raise read_error(path, exc, kind) from None


def open_for_reading(path, kind="model file"):
    """``path`` opened for reading bytes (a stream: a big CSV need not fit in memory twice).

    The same one-line errors as ``read_bytes``: a missing file, a folder or
    no permission names ``path`` as a ``kind``.
    """
    path = as_path(path)
    try:
        f = open(path, "rb")
    except OSError as exc:
        raise read_error(path, exc, kind) from None
    if os.path.isdir(path):                   # some systems open a folder without complaint
        f.close()
        raise read_error(path, IsADirectoryError(path), kind)
    return f


def read_error(path, exc, kind="model file"):
    """A one-line OSError of the same kind as ``exc`` that names ``path`` (a folder, no permission, ...)."""
    if isinstance(exc, FileNotFoundError):
        return FileNotFoundError("no %s at %s (file not found)" % (kind, path))
    if isinstance(exc, IsADirectoryError) or os.path.isdir(path):
        return IsADirectoryError("cannot read %s: it is a folder, not a %s" % (path, kind))
    if isinstance(exc, PermissionError):
        return PermissionError("cannot read %s: permission denied" % path)
    return type(exc)("cannot read %s: %s" % (path, exc.strerror or exc))


def human_size(n):
    """1536 -> "1.5 KB" (powers of 1024), for messages."""
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB"):
        if n < 1024 or unit == "PB":
            return ("%d %s" % (n, unit)) if unit == "bytes" else ("%.1f %s" % (n, unit))
        n /= 1024.0


# ------------------------------------------------------------ same file?
def same_file(a, b):
    """True when the paths ``a`` and ``b`` name one file (symlinks, ``.``/``..``, hard links)."""
    try:
        return os.path.samefile(a, b)
    except OSError:                       # one of them does not exist (yet): compare the resolved names
        return os.path.realpath(a) == os.path.realpath(b)


def refuse_overwriting_inputs(outputs, inputs):
    """Refuse, before any work, an output path that is one of the command's inputs.

    ``outputs`` and ``inputs`` are lists of (option, path) such as
    ("--save", "m.json") and ("--data", "own.csv"); None paths are skipped.
    Writing the output would destroy the input (``train --data own.csv
    --save own.csv`` would replace the training data with the model).
    """
    for out_option, out_path in outputs:
        if not out_path:
            continue
        for in_option, in_path in inputs:
            if in_path and same_file(out_path, in_path):
                raise ValueError("%s %s is the same file as %s %s: writing it would destroy that input; "
                                 "give %s another name" % (out_option, out_path, in_option, in_path, out_option))


# ------------------------------------------------------------------ writing
def write_atomically(path, write, size=None):
    """Create or replace the file ``path`` with what ``write(f)`` writes to a binary file f.

    1. open a new temporary file in the same directory (same file system, so
       the rename below is atomic), named ".<name>.<pid>.<n>.tmp";
    2. ``write(f)``, then flush and ``os.fsync``: the bytes are on disk;
    3. ``os.replace(temp, path)``: one step, the old file or the new one;
    4. remove the temporary files of this name that dead writers left behind.
    On any exception (Ctrl-C included) the temporary file is removed and an
    existing ``path`` is left untouched.  A replaced file keeps its permissions.
    ``size`` (bytes, optional): checked against the free space first.
    """
    path = as_path(path)
    directory = _check_target(path)
    if size is not None:
        check_free_space(path, directory, size)
    mode = stat.S_IMODE(os.stat(path).st_mode) if os.path.isfile(path) else None
    started = time.time()
    try:
        temp, fd = _create_temp(directory, os.path.basename(path))
    except OSError as exc:
        raise write_error(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, path)
    except OSError as exc:
        _remove_quietly(temp)
        raise write_error(path, exc) from None
    except BaseException:
        _remove_quietly(temp)
        raise
    _fsync_directory(directory)
    remove_stale_temps(directory, os.path.basename(path), started)


def check_destination(path, size=None):
    """Refuse, before any work is done, a ``path`` that a save could not create; return it.

    For a caller about to train for an hour: the same checks as
    ``write_atomically``, plus a real test that a file can be created in
    the directory (a temporary file, removed at once), so a read-only
    place fails now and not after training; with ``size`` (the file's
    estimated bytes) also that the disk has that much room.  Errors name
    ``path``: ValueError (empty), IsADirectoryError (a folder, or a name
    ending in "/"), FileNotFoundError (no such directory),
    NotADirectoryError (a file where a folder should be), PermissionError,
    OSError (no room: errno ENOSPC's message, with the size).
    """
    path = as_path(path)
    directory = _check_target(path)
    try:
        temp, fd = _create_temp(directory, os.path.basename(path))
    except OSError as exc:
        raise write_error(path, exc) from None
    os.close(fd)
    _remove_quietly(temp)
    if size is not None:
        check_free_space(path, directory, size)
    return path


def check_free_space(path, directory, size):
    """An OSError when ``directory`` has less free space than ``size`` bytes plus a margin.

    The file being replaced (if any) frees its own bytes only after the new
    one is complete, so it does not count.
    """
    try:
        free = shutil.disk_usage(directory).free
    except OSError:
        return                                  # no way to know: the write itself will tell
    if free < size + FREE_SPACE_MARGIN:
        raise OSError("cannot write %s: the file will be about %s, but the disk has only %s free"
                      % (path, human_size(size), human_size(free)))


def _check_target(path):
    """The directory a new ``path`` would go in, after the checks that need no writing.

    The errors say what the user's path is, never the temporary file's
    name: a name ending in a separator or an existing folder
    (IsADirectoryError), a missing directory (FileNotFoundError), a file
    on the way where a folder should be (NotADirectoryError), something
    that is not a regular file (a device, a pipe) at ``path`` (OSError).
    """
    if path.endswith(os.sep) or (os.altsep and path.endswith(os.altsep)):
        raise IsADirectoryError("cannot write %s: the name ends in %r, so it names a folder; "
                                "give a file name such as %s" % (path, path[-1], path + "model.json"))
    if os.path.isdir(path):
        raise IsADirectoryError("cannot write %s: it is a folder; give a file name such as %s"
                                % (path, os.path.join(path, "model.json")))
    if os.path.exists(path) and not os.path.isfile(path):
        raise OSError("cannot write %s: it exists and is not a regular file" % path)
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        blocker = directory
        while not os.path.exists(blocker) and os.path.dirname(blocker) != blocker:
            blocker = os.path.dirname(blocker)
        if os.path.exists(blocker) and not os.path.isdir(blocker):
            raise NotADirectoryError("cannot write %s: %s is a file, not a folder" % (path, blocker))
        raise FileNotFoundError("cannot write %s: directory %s does not exist" % (path, directory))
    return directory


def write_error(path, exc):
    """An OSError of the same kind as ``exc`` whose message names ``path``, not a temporary file."""
    reason = exc.strerror or str(exc)
    if isinstance(exc, PermissionError):
        reason = "permission denied (%s): the folder is read-only for you" % reason
    return type(exc)("cannot write %s: %s" % (path, reason))


_temp_counter = itertools.count()


def _create_temp(directory, name):
    """(path, fd) of a new file ".<name>.<pid>.<n>.tmp" in ``directory``, created exclusively.

    O_EXCL makes creation fail rather than reuse an existing file; mode 0o666
    lets the process umask decide the permissions, as for any new file.
    """
    while True:
        temp = os.path.join(directory, ".%s.%d.%d.tmp" % (name, os.getpid(), next(_temp_counter)))
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        except FileExistsError:
            continue
        return temp, fd


def remove_stale_temps(directory, name, before):
    """Delete the ".<name>.<pid>.<n>.tmp" files that writers killed mid-save left in ``directory``.

    Only temporary files of exactly this target's name pattern, and only
    those whose writer is gone: a pid that is not alive, or (the pid since
    reused by another program, or a writer on another machine sharing the
    folder) a file last written more than ``PID_REUSE_AGE`` seconds before
    ``before``, the start of the save that just succeeded.  A live writer's
    fresh file is never touched, so two processes saving at once stay safe.
    """
    pattern = re.compile(r"\A\.%s\.(\d+)\.\d+\.tmp\Z" % re.escape(name))
    try:
        entries = os.listdir(directory)
    except OSError:
        return
    for entry in entries:
        match = pattern.match(entry)
        if not match:
            continue
        temp = os.path.join(directory, entry)
        pid = int(match.group(1))
        try:
            stale = not _pid_alive(pid) or os.path.getmtime(temp) < before - PID_REUSE_AGE
        except OSError:
            continue
        if stale:
            _remove_quietly(temp)


def _pid_alive(pid):
    """Whether a process ``pid`` exists (POSIX: signal 0; elsewhere assume it does)."""
    if pid == os.getpid():
        return True
    if os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True
    return True


def _remove_quietly(path):
    """Delete a file if it is there; cleaning up must not hide the original error."""
    try:
        os.unlink(path)
    except OSError:
        pass


def _fsync_directory(directory):
    """Make the rename itself durable (POSIX); where directories cannot be opened, skip."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
