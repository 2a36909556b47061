"""The one reader of ``.npy`` headers from untrusted bytes.

NumPy's header readers report a damaged header with whatever the parsing hit:
``ValueError``, ``SyntaxError``, ``tokenize.TokenError`` (an unclosed bracket),
``EOFError``, ``TypeError`` (a dict key that is not a str, e.g. ``b'shape'``), and
they accept a ``bool`` in the shape, on which ``numpy.load`` later raises
``TypeError``.  :func:`read` turns each of these into :class:`NpyHeaderError`, a
``ValueError`` whose message names no file: each caller (the vectors loader, the
checkpoint loader, the memory-mapped corpus) adds its file name and its own
checks of dtype, order and shape against the file's size.
"""
from __future__ import annotations

import math
import tokenize

import numpy as np

MAGIC = b"\x93NUMPY"
VERSIONS = ((1, 0), (2, 0), (3, 0))


class NpyHeaderError(ValueError):
    """An unusable ``.npy`` header; the message does not name the file (the caller does)."""


def read(f):
    """``(shape, fortran_order, dtype)`` of the ``.npy`` stream ``f``, left at the data.

    The shape is a tuple of ints >= 0 (never a bool).  The header may be at most
    NumPy's default ``max_header_size`` long (10,000 bytes from NumPy 1.24 on).
    """
    fmt = np.lib.format
    try:
        version = fmt.read_magic(f)
        if version not in VERSIONS:
            raise NpyHeaderError(f"byte 6: unknown .npy format version {version}")
        if version == (1, 0):
            shape, fortran, dtype = fmt.read_array_header_1_0(f)
        else:
            shape, fortran, dtype = fmt.read_array_header_2_0(f)
    except NpyHeaderError:
        raise
    except (ValueError, SyntaxError, tokenize.TokenError, EOFError, TypeError) as e:
        raise NpyHeaderError(f"not a usable .npy header ({type(e).__name__}: {e})") from None
    if any(type(n) is not int or n < 0 for n in shape):
        raise NpyHeaderError(f"not a usable .npy header (shape {shape!r})")
    return shape, fortran, dtype


def data_bytes(shape, dtype) -> int:
    """The bytes an array of ``shape`` and ``dtype`` (from :func:`read`) takes."""
    return dtype.itemsize * math.prod(shape)
