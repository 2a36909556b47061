"""Compressed files: one rule for reading, one for writing, for every file the package touches.

Reading (corpora, vector files, evaluation sets, vocabularies) recognises
gzip, bzip2 and xz (and legacy ``.lzma``) by the file's first bytes, whatever
its name; a file whose name promises a compression its bytes do not have (a
``.gz`` that is an HTML error page, say) is an error rather than text.  Writing
compresses by the name: a path ending in ``.gz``, ``.bz2`` or ``.xz`` is
compressed that way.
"""
from __future__ import annotations

import bz2
import contextlib
import gzip
import lzma
import os
import zlib
from typing import BinaryIO

from ._atomic import atomic_open

#: Suffixes that make a written file compressed, and the format of each.
WRITE_SUFFIXES = {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz"}

# First bytes of each format.  Legacy .lzma ("alone") files have no magic number; they
# start with the properties byte 0x5D and a little-endian dictionary size whose two
# low bytes are zero for every size the lzma tools write.
_MAGIC = ((b"\x1f\x8b", "gzip"), (b"BZh", "bzip2"), (b"\xfd7zXZ\x00", "xz"),
          (b"\x5d\x00\x00", "lzma"))
#: What a decompressing reader raises on damaged data.
DECOMPRESS_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError)


def sniff(head: bytes):
    """The compression of data starting with ``head`` (at least 6 bytes when there are):
    ``"gzip"``, ``"bzip2"``, ``"xz"``, ``"lzma"`` or ``None``."""
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    return None


_SUFFIXES = {**WRITE_SUFFIXES, ".lzma": "lzma"}  # what a name may promise


def detect(path, head: bytes):
    """The compression of the file ``path`` that starts with ``head`` (see :func:`sniff`).

    ``ValueError`` naming the file when its suffix names a compression that its
    first bytes do not show.
    """
    comp = sniff(head)
    low = os.fspath(path).lower()
    named = next((name for suf, name in _SUFFIXES.items() if low.endswith(suf)), None)
    if named is not None and comp is None and head:
        raise ValueError(f"{os.fspath(path)}: cannot read: the name says {named} but the "
                         f"data is not {named}-compressed (damaged or mislabelled file)")
    return comp


def compression_of(path):
    """The compression of the file at ``path``, from its first bytes (see :func:`detect`)."""
    with open(path, "rb") as f:
        return detect(path, f.read(6))


@contextlib.contextmanager
def read_errors(name):
    """Turn what a damaged compressed stream raises into a ``ValueError`` naming ``name``
    (``"NAME: cannot read: ..."``); errors about the file itself (missing, a directory,
    no permission) pass through unchanged."""
    try:
        yield
    except DECOMPRESS_ERRORS as e:
        if isinstance(e, (FileNotFoundError, IsADirectoryError, PermissionError)):
            raise
        raise ValueError(f"{name}: cannot read: {e}") from e


def wrap_reader(raw: BinaryIO, compression) -> BinaryIO:
    """A binary reader decompressing ``raw`` (an open file) as ``compression``."""
    if compression == "gzip":
        return gzip.GzipFile(fileobj=raw, mode="rb")
    if compression == "bzip2":
        return bz2.BZ2File(raw, mode="rb")
    if compression in ("xz", "lzma"):
        return lzma.LZMAFile(raw, mode="rb")
    return raw


def open_read(path) -> BinaryIO:
    """Open ``path`` for binary reading, decompressing by content.

    ``ValueError`` for a directory, ``FileNotFoundError`` for a missing file;
    closing the result closes the file.
    """
    p = os.fspath(path)
    if os.path.isdir(p):
        raise ValueError(f"{p}: is a directory, expected a file")
    if not os.path.exists(p):
        raise FileNotFoundError(f"{p}: no such file")
    comp = compression_of(p)
    if comp is None:
        return open(p, "rb")
    if comp == "gzip":
        return gzip.open(p, "rb")
    if comp == "bzip2":
        return bz2.open(p, "rb")
    return lzma.open(p, "rb")


def write_compression(path):
    """The compression a file written to ``path`` gets, from its suffix (or ``None``)."""
    low = os.fspath(path).lower()
    return next((name for suf, name in WRITE_SUFFIXES.items() if low.endswith(suf)), None)


def strip_write_suffix(path: str) -> str:
    """``path`` without a compression suffix (``vectors.txt.gz`` -> ``vectors.txt``)."""
    low = path.lower()
    suf = next((s for s in WRITE_SUFFIXES if low.endswith(s)), "")
    return path[:len(path) - len(suf)]


def wrap_writer(f: BinaryIO, path) -> BinaryIO:
    """A writer compressing into the open file ``f`` as ``path``'s suffix says (or ``f``).

    Closing the wrapper finishes the compressed stream but leaves ``f`` open.
    """
    comp = write_compression(path)
    if comp == "gzip":
        return gzip.GzipFile(fileobj=f, mode="wb", compresslevel=6)
    if comp == "bzip2":
        return bz2.BZ2File(f, mode="wb")
    if comp == "xz":
        return lzma.LZMAFile(f, mode="wb")
    return f


@contextlib.contextmanager
def atomic_writer(path):
    """A binary writer of ``path``, compressed as its suffix says, through a temporary
    file renamed into place once all is written (deleted on any error: an existing
    ``path`` is then left untouched)."""
    with atomic_open(path) as raw:
        f = wrap_writer(raw, path)
        try:
            yield f
        finally:
            if f is not raw:
                f.close()
