"""Standardizing columns, overflow-safe: the one standardizer of the project.

Every number read from a file (a user's CSV, a sklearn data set) that is
standardized goes through here, in both twins::

    mean, std = column_stats(col)             # one column (a CSV read by columns)
    z = scale_column(col, mean, std, name)    # (x - mean) / std, checked finite
    mean, std = column_scaling(X, names)      # the same for every column of rows X
    Z = scale(X, mean, std, names)
    Z = standardize(X)                        # both at once (the data sets)

The textbook formulas, mean = sum(x) / m and std = sqrt(sum((x - mean)^2) / m),
overflow long before the data do: a column holding 1.4e154 squares to
infinity, and three values of 1e308 sum to infinity.  So each column is
first divided by a power of two, 2^e, chosen so that its largest |x| lies
in [0.5, 1):

    u = x / 2^e                       (exact: only the exponent changes)
    mean = 2^e * fsum(u) / m
    std  = 2^e * sqrt(fsum((u - mean / 2^e)^2) / m)

Dividing by a power of two is exact, so for ordinary data the results are
bit for bit the textbook's; for extreme data they are finite where the
textbook's are infinite.  A constant column gets std 1 (it is only
centred).  ``scale`` computes (x - mean) / std the same way when the direct
form overflows; a value that cannot be standardized even so (a new value
at 1e308 against a training std of 1e-300) is a ValueError naming the
column, never an infinity handed to the network.

``check_range`` is for numbers used raw: a regression target (whose squared
errors must stay finite) and features fed with ``--no-standardize``.
"""

import math

# Numbers used as they are (not standardized) must stay below this: their
# squares (an mse, a gradient) are then at most 1e300, still a float64.
RAW_LIMIT = 1e150
# Columns whose largest |x| lies between these need no scaling: sums of squares of
# up to 2^53 such numbers stay far from float64's overflow and from its subnormals.
SAFE_LOW, SAFE_HIGH = 1e-100, 1e100


def _names(names, n):
    return list(names) if names is not None else ["column %d" % (j + 1) for j in range(n)]


def column_stats(col):
    """(mean, std) of one column (any sequence of finite floats, at least one): overflow-safe.

    The population std; a constant column gets std 1.  The column is divided
    by the power of two 2^e that puts its largest |x| in [0.5, 1) -- exact,
    so the result is the textbook formula's bit for bit wherever that one
    is finite -- except where no square can overflow or underflow (then
    e = 0 and no pass is spent on it).
    """
    m = float(len(col))
    if not m:
        raise ValueError("cannot standardize an empty data set")
    top = max(abs(min(col)), abs(max(col)))
    if top == 0.0:
        return 0.0, 1.0
    e = 0 if SAFE_LOW < top < SAFE_HIGH else math.frexp(top)[1]
    u = col if e == 0 else [math.ldexp(x, -e) for x in col]
    mu = math.fsum(u) / m
    sd = math.sqrt(math.fsum((v - mu) * (v - mu) for v in u) / m)
    s = math.ldexp(sd, e)
    return math.ldexp(mu, e), (s if s > 0.0 else 1.0)


def scale_column(col, mean, std, name=None):
    """[(x - mean) / std for x in col], finite, or a ValueError naming the column (``name``)."""
    z = [(x - mean) / std for x in col]
    if not math.isfinite(sum(z)):
        z = [_scaled(x, mean, std, 0, None if name is None else [name], 1) for x in col]
    return z


def column_scaling(X, names=None):
    """(mean, std) of every column of the rows X (``column_stats`` per column): two lists of n floats.

    X: m rows of n finite floats (m >= 1).  ``names``: the columns' names
    for messages.
    """
    if not X:
        raise ValueError("cannot standardize an empty data set")
    stats = [column_stats(col) for col in zip(*X)]
    return [mu for mu, _ in stats], [sd for _, sd in stats]


def scale(X, mean, std, names=None):
    """(x - mean_j) / std_j for every row of X, finite or a ValueError naming the column.

    The direct form is tried first (it is the textbook's, bit for bit); a
    row where it overflows is computed again with the column scaled by a
    power of two; what is still not finite is refused.
    """
    rows = []
    for row in X:
        z = [(x - mu) / s for x, mu, s in zip(row, mean, std)]
        if not math.isfinite(sum(z)):
            z = [_scaled(x, mu, s, j, names, len(mean)) for j, (x, mu, s) in enumerate(zip(row, mean, std))]
        rows.append(z)
    return rows


def _scaled(x, mu, s, j, names, n):
    """(x - mu) / s computed as (x/2^e - mu/2^e) / (s/2^e), with 2^e the largest of |x|, |mu|."""
    top = max(abs(x), abs(mu))
    e = math.frexp(top)[1] if top > 0.0 else 0
    try:
        z = (math.ldexp(x, -e) - math.ldexp(mu, -e)) / math.ldexp(s, -e)
    except (OverflowError, ZeroDivisionError):
        z = math.inf
    if not math.isfinite(z):
        raise ValueError("%s: the value %r cannot be standardized with mean %r and std %r: (x - mean) / std "
                         "is beyond the largest float64 (the value is far outside the rows the scaling "
                         "came from)" % (_quoted(_names(names, n)[j]), x, mu, s))
    return z


def standardize(X, names=None):
    """Every column to mean 0 and std 1 (``column_scaling`` then ``scale``); returns new rows."""
    mean, std = column_scaling(X, names)
    return scale(X, mean, std, names)


def check_range(X, names=None, what="values", why=""):
    """Refuse a column holding a value with |x| > RAW_LIMIT, naming the column and the value."""
    for row in X:
        for j, x in enumerate(row):
            if abs(x) > RAW_LIMIT:
                raise ValueError("%s holds %r: %s must stay within +-%g%s" % (
                    _quoted(_names(names, len(row))[j]), x, what, RAW_LIMIT, why))


def _quoted(name):
    return name if name.startswith("column ") else "column %r" % name
