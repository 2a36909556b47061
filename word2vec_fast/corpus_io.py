"""Reading text corpora: whitespace-separated tokens, a newline ends a sentence.

Files are read in fixed-size blocks, so a text8-style file that is one 100 MB
line never becomes one giant list of tokens: the reader yields *pieces* (a
list of tokens plus whether a sentence ends after them), each at most about
one block long.  ``.gz``, ``.bz2`` and ``.xz`` files are decompressed on the fly.
"""
from __future__ import annotations

import bz2
import gzip
import lzma
import os
from typing import BinaryIO, Iterator

BLOCK_BYTES = 1 << 20
# A "token" with no whitespace for this long is cut here rather than grown
# without bound (word2vec.c cuts at 100 bytes; we keep far more).
MAX_CARRY_BYTES = 1 << 20


def open_binary(path: str | os.PathLike) -> BinaryIO:
    """Open ``path`` for binary reading, decompressing by file extension."""
    p = os.fspath(path)
    if os.path.isdir(p):
        raise ValueError(f"{p}: is a directory, expected a text file")
    if not os.path.exists(p):
        raise FileNotFoundError(f"{p}: no such file")
    low = p.lower()
    if low.endswith(".gz"):
        return gzip.open(p, "rb")
    if low.endswith(".bz2"):
        return bz2.open(p, "rb")
    if low.endswith(".xz") or low.endswith(".lzma"):
        return lzma.open(p, "rb")
    return open(p, "rb")


def count_newlines(path: str | os.PathLike) -> int:
    """Newlines in the text file at ``path`` (decompressed as :func:`open_binary` does).

    word2vec.c counts one ``</s>`` token per newline; the command line reports it.
    """
    n = 0
    with open_binary(path) as f:
        while True:
            block = f.read(16 << 20)
            if not block:
                return n
            n += block.count(b"\n")


def iter_pieces(path: str | os.PathLike, block: int = BLOCK_BYTES) -> Iterator[tuple[list[bytes], bool]]:
    """Yield ``(tokens, sentence_ends)`` pieces of the file at ``path``.

    Tokens are ``bytes``.  ``sentence_ends`` is True when a newline follows the
    piece.  Decompression errors are re-raised as ``ValueError`` naming the file.
    """
    p = os.fspath(path)
    carry = b""
    try:
        with open_binary(p) as f:
            while True:
                data = f.read(block)
                if not data:
                    break
                if carry:
                    data = carry + data
                    carry = b""
                if not data[-1:].isspace():
                    # The last token may continue in the next block.
                    tail = data.rsplit(None, 1)[-1]
                    if len(tail) < len(data):
                        carry = tail
                        data = data[: len(data) - len(tail)]
                    elif len(data) < MAX_CARRY_BYTES:
                        carry = data
                        continue
                lines = data.split(b"\n")
                for line in lines[:-1]:
                    yield line.split(), True
                yield lines[-1].split(), False
    except (OSError, EOFError, lzma.LZMAError) as e:
        if isinstance(e, (FileNotFoundError, IsADirectoryError, PermissionError)):
            raise
        raise ValueError(f"{p}: cannot read compressed data: {e}") from e
    if carry:
        yield carry.split(), False
