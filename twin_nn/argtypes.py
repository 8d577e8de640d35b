"""Argument types for the ``twin-nn`` command: each turns one command-line word into a checked value.

argparse calls them on the user's text; a bad word becomes argparse's own
one-line error (``twin-nn train: error: argument --lr: must be a finite
number > 0, got -1``), never a traceback.
"""

import argparse
import math

PROG = "twin-nn"          # the command's name, in every message it prints


def number(text):
    """A finite float."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a number" % text) from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError("must be finite, got %s" % text)
    return value


def positive_number(text):
    """A finite float > 0."""
    value = number(text)
    if value <= 0.0:
        raise argparse.ArgumentTypeError("must be a finite number > 0, got %s" % text)
    return value


def non_negative_number(text):
    """A finite float >= 0."""
    value = number(text)
    if value < 0.0:
        raise argparse.ArgumentTypeError("must be a finite number >= 0, got %s" % text)
    return value


def unit_interval(text):
    """A number in [0, 1)."""
    value = non_negative_number(text)
    if value >= 1.0:
        raise argparse.ArgumentTypeError("must lie in [0, 1), got %s" % text)
    return value


def unit_closed(text):
    """A number in [0, 1]."""
    value = non_negative_number(text)
    if value > 1.0:
        raise argparse.ArgumentTypeError("must lie in [0, 1], got %s" % text)
    return value


def positive_int(text):
    """A whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a whole number" % text) from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1, got %d" % value)
    return value


def memory_size(text):
    """A memory size: bytes, or a number with K, M, G or T ("64G")."""
    from scalar_nn.toolkit.limits import parse_size
    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def seed(text):
    """A whole number of at most 256 bits (what a model file can store as its seed)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a whole number" % text) from None
    if value.bit_length() > 256:
        raise argparse.ArgumentTypeError("a seed has at most 256 bits, got a %d-bit number" % value.bit_length())
    return value
