"""How much memory a network may take: estimated before anything is allocated.

``MLP([2, 100000000, 1])`` (a typo for 1000) would otherwise grow until the
operating system kills the process.  ``check_network_memory`` estimates what
training a network of ``sizes`` needs -- its parameters, their gradients
and an optimizer's two moment estimates (Adam), so four numbers per
parameter -- and refuses, with one line that says how much and why, a
network above ``DEFAULT_FRACTION`` of the machine's memory.

The limit can be moved: ``TWIN_NN_MAX_MEMORY`` (bytes, or with a unit:
"64G", "500M") in the environment, or ``twin-nn train --max-memory SIZE``.
Both twins' constructors (``configure``) and ``from_params`` go through here.
"""

import os

from ..conventions import buffer_shapes, param_shapes

DEFAULT_FRACTION = 0.5
# Bytes one stored number costs: a float64 in an array, or a Python float object
# (24 bytes) plus its 8-byte slot in a list.
BYTES_PER_NUMBER = {"vector": 8, "scalar": 32}
COPIES = 4                     # parameters, gradients, and an optimizer's two moments
ENVIRONMENT = "TWIN_NN_MAX_MEMORY"
_UNITS = {"": 1, "B": 1, "K": 1 << 10, "KB": 1 << 10, "M": 1 << 20, "MB": 1 << 20,
          "G": 1 << 30, "GB": 1 << 30, "T": 1 << 40, "TB": 1 << 40}


def parameter_count(sizes, batchnorm=False):
    """How many numbers a network of ``sizes`` stores: sum of n_{k-1} n_k + n_k, plus BatchNorm's."""
    shapes = list(param_shapes(sizes, batchnorm).values())
    if batchnorm:
        shapes += list(buffer_shapes(sizes).values())
    count = 0
    for shape in shapes:
        n = 1
        for d in shape:
            n *= d
        count += n
    return count


def machine_memory():
    """The machine's physical memory in bytes, or None where it cannot be known."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return None


def parse_size(text):
    """"64G" -> 68719476736, "1000000" -> 1000000; a bad size is a ValueError naming it."""
    text = str(text).strip().upper()
    number = text.rstrip("BKMGT")
    unit = text[len(number):]
    try:
        value = float(number)
    except ValueError:
        value = -1.0
    if unit not in _UNITS or not value > 0 or value != value or value == float("inf"):
        raise ValueError("%r is not a memory size: give bytes, or a number with K, M, G or T "
                         "(such as 64G)" % text)
    return int(value * _UNITS[unit])


def memory_limit():
    """(bytes, where the limit comes from): TWIN_NN_MAX_MEMORY, else half the machine's memory."""
    given = os.environ.get(ENVIRONMENT, "").strip()
    if given:
        return parse_size(given), "%s=%s" % (ENVIRONMENT, given)
    total = machine_memory()
    if total is None:
        return None, None
    return int(total * DEFAULT_FRACTION), "%d%% of this machine's %s" % (100 * DEFAULT_FRACTION, _size(total))


def check_network_memory(sizes, batchnorm=False, twin="vector"):
    """Refuse a network whose training would need more memory than the limit (``memory_limit``)."""
    limit, source = memory_limit()
    if limit is None:
        return
    count = parameter_count(sizes, batchnorm)
    need = count * BYTES_PER_NUMBER.get(twin, 8) * COPIES
    if need > limit:
        raise ValueError("sizes %s make a network of %s parameters, which needs about %s to train in "
                         "the %s twin, more than the limit of %s (%s); was a layer size mistyped? "
                         "To allow it, set %s (twin-nn train --max-memory SIZE)"
                         % (_short(sizes), "{:,}".format(count), _size(need), twin, _size(limit), source,
                            ENVIRONMENT))


def _size(n):
    for unit in ("bytes", "KB", "MB", "GB", "TB", "PB", "EB"):
        if n < 1024 or unit == "EB":
            return ("%d %s" % (n, unit)) if unit == "bytes" else ("%.1f %s" % (n, unit))
        n /= 1024.0


def _short(sizes):
    return "[%s]" % ", ".join(map(str, sizes)) if len(sizes) <= 8 else "[%s, ...]" % ", ".join(map(str, sizes[:8]))
