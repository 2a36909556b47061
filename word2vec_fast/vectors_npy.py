"""The memory-mappable vectors format: an ``.npy`` matrix plus a words file.

``PATH`` holds the (V, dim) matrix as NumPy's ``.npy`` (float32 or float16,
little-endian, C order; never pickled objects) and ``PATH.words`` the V words,
UTF-8, one per line, each ending in ``"\\n"``.  Opened with ``mmap=True`` both are
mapped read-only, so processes that open the same files share one copy of them in
the page cache, and the loader builds only a small array of word offsets: no list
of a million ``str``, no word -> row dict (a word is found by a search of the
mapped words file until :attr:`Vectors.index` is asked for).

The loader is a parser of untrusted bytes: the ``.npy`` header (dtype, order,
shape) and the words file are checked against each other and against the file
sizes before anything is mapped or allocated, and every inconsistency raises
:class:`~word2vec_fast.errors.VectorsFormatError` naming the file.
"""
from __future__ import annotations

import mmap as _mmap
import os
from collections.abc import Sequence

import numpy as np

from . import _vecio, npy_header
from ._atomic import atomic_open, write_all
from .errors import VectorsFormatError
from .vectors_io import MAX_DIM, _word_arena

MAGIC = npy_header.MAGIC
WORDS_SUFFIX = ".words"
#: What the matrix may hold: float32, or float16 to halve the memory.
DTYPES = (np.dtype("<f4"), np.dtype("<f2"))
_BLOCK = 1 << 18  # bytes or rows the checks take at a time


def words_path(path) -> str:
    """The words file that goes with the matrix file ``path``."""
    return os.fspath(path) + WORDS_SUFFIX


def is_npy(path) -> bool:
    """True when the file at ``path`` starts with the ``.npy`` magic bytes (False when it
    cannot be opened: the word2vec reader then reports why)."""
    try:
        with open(path, "rb") as f:
            return f.read(len(MAGIC)) == MAGIC
    except (OSError, TypeError, ValueError):
        return False


def write(path, words, matrix) -> None:
    """Write ``matrix`` to ``path`` (``.npy``) and ``words`` to ``path + ".words"``.

    float16 matrices stay float16; anything else is written as float32.  Each file
    goes to a temporary file renamed into place when complete, the words first: a
    reader that races a save sees either the old or the new files, or a pair whose
    sizes disagree, which the loader reports.
    """
    p = os.fspath(path)
    mat = np.asarray(matrix)
    mat = np.ascontiguousarray(mat, dtype=np.float16 if mat.dtype == np.float16 else np.float32)
    if mat.ndim != 2 or mat.shape[0] != len(words):
        raise ValueError(f"need one row per word: {len(words)} words, matrix {mat.shape}")
    arena, _ = _word_arena(list(words), "utf-8")
    with atomic_open(words_path(p), buffering=0) as f:
        write_all(f, arena)
    with atomic_open(p) as f:
        np.lib.format.write_array(f, mat, allow_pickle=False)


def _fail(path, msg):
    raise VectorsFormatError(f"{path}: {msg}")


def _header(p, f):
    """(dtype, shape, data offset) of the ``.npy`` file ``f``, checked."""
    try:
        shape, fortran, dtype = npy_header.read(f)
    except npy_header.NpyHeaderError as e:
        _fail(p, str(e))
    if dtype.hasobject or dtype not in DTYPES:
        _fail(p, f"the matrix holds {dtype.str!r}, expected little-endian float32 ('<f4') "
                 "or float16 ('<f2')")
    if fortran:
        _fail(p, "the matrix is in Fortran order; save it C-contiguous")
    if len(shape) != 2:
        _fail(p, f"the matrix has shape {shape}, expected (words, dim)")
    v, dim = shape
    if not 1 <= dim <= MAX_DIM:
        _fail(p, f"dimension {dim} out of range [1, {MAX_DIM}]")
    return dtype, (v, dim), f.tell()


def read(path, mmap=False, limit=None):
    """``(words, matrix)`` from ``path`` and ``path + ".words"``; see the module doc.

    With ``mmap=True`` the matrix is a read-only ``numpy.memmap`` and the words a
    :class:`MappedWords` over the mapped words file; otherwise both are read into
    memory (a float32 or float16 array and a list of str).  ``limit=N`` keeps the
    first N words (the whole words file is still checked); the rest of the matrix
    is never read.
    """
    p = os.fspath(path)
    with open(p, "rb") as f:
        dtype, (v, dim), offset = _header(p, f)
        size = os.fstat(f.fileno()).st_size
        need = offset + v * dim * dtype.itemsize
        if size != need:
            _fail(p, f"the header promises {v} x {dim} {dtype.name} ({need} bytes with the "
                     f"{offset}-byte header), the file has {size} bytes")
        wp = words_path(p)
        buf = _words_buffer(wp, mmap)
        starts = _check_words(wp, buf, v)
        n = v if limit is None else min(v, int(limit))
        if mmap:
            _drop_pages(buf)
            mat = np.memmap(p, dtype=dtype, mode="r", offset=offset, shape=(n, dim)) if n \
                else np.zeros((0, dim), dtype=dtype)
            return MappedWords(buf, starts[:n + 1]), mat
        mat = np.fromfile(f, dtype=dtype, count=n * dim).reshape(n, dim)
    return _decode_all(buf[:starts[n]], n), mat


def _words_buffer(wp, mapped):
    try:
        with open(wp, "rb") as f:
            if not mapped:
                return f.read()
            if os.fstat(f.fileno()).st_size == 0:
                return b""
            return _mmap.mmap(f.fileno(), 0, access=_mmap.ACCESS_READ)
    except FileNotFoundError:
        raise VectorsFormatError(f"{wp}: missing: the words file of an .npy vectors file "
                                 "(written next to it by save(path, format='npy'))") from None


def _drop_pages(buf):
    """Take the words file's pages, all read by the checks, out of this process's
    resident set (they stay in the page cache; a look-up reads them back)."""
    if isinstance(buf, _mmap.mmap) and hasattr(_mmap, "MADV_DONTNEED"):
        buf.madvise(_mmap.MADV_DONTNEED)


def _check_words(wp, buf, v):
    """Start offsets (v + 1) of the words in ``buf``; every word checked.

    Block by block, so that the checks of a million words need no temporary larger
    than a block besides the duplicate finder's table."""
    a = np.frombuffer(buf, dtype=np.uint8)
    lines = sum(int(np.count_nonzero(a[i:i + _BLOCK] == 10)) for i in range(0, len(a), _BLOCK))
    if lines != v or (len(a) and a[-1] != 10):
        _fail(wp, f"holds {lines} newline-terminated words"
                  + ("" if not len(a) or a[-1] == 10 else " and an unterminated last line")
                  + f", the matrix has {v} rows")
    starts = np.empty(v + 1, dtype=np.int32 if len(a) < 2**31 else np.int64)
    starts[0] = k = 0
    for i in range(0, len(a), _BLOCK):
        ends = np.flatnonzero(a[i:i + _BLOCK] == 10)
        starts[k + 1:k + 1 + len(ends)] = ends + (i + 1)
        k += len(ends)
    for i in range(0, v, _BLOCK):
        empty = np.flatnonzero(np.diff(starts[i:i + _BLOCK + 1]) == 1)
        if len(empty):
            _fail(wp, f"line {i + int(empty[0]) + 1}: empty word")
    try:
        _decode_blocks(buf, starts)
    except UnicodeDecodeError as e:
        _fail(wp, f"line {int(np.searchsorted(starts, e.start, 'right'))}: "
                  f"not valid UTF-8 ({e.reason})")
    dups = _vecio.find_duplicates(buf, v) if v else []
    if len(dups):
        i = int(dups[0])
        w = bytes(buf[starts[i]:starts[i + 1] - 1]).decode("utf-8")
        _fail(wp, f"line {i + 1}: word {w!r} appears more than once")
    return starts


def _decode_blocks(buf, starts, rows=1 << 16):
    """Decode the words file a block of whole lines at a time (a bounded copy)."""
    for i in range(0, len(starts) - 1, rows):
        j = min(len(starts) - 1, i + rows)
        try:
            bytes(buf[starts[i]:starts[j]]).decode("utf-8")
        except UnicodeDecodeError as e:
            raise UnicodeDecodeError(e.encoding, e.object, e.start + int(starts[i]),
                                     e.end + int(starts[i]), e.reason) from None


def _decode_all(buf, v):
    words = bytes(buf).decode("utf-8").split("\n")
    words.pop()  # the file ends with a newline
    assert len(words) == v
    return words


class MappedWords(Sequence):
    """The words of a mapped ``.words`` file, decoded one at a time on access.

    Holds only the map and a (V + 1) array of start offsets; :meth:`find` finds a
    word's row by a search of the mapped bytes (about a millisecond per 10 MB)
    instead of a dict.
    """

    def __init__(self, buf, starts):
        self._buf = buf
        self._starts = starts

    def __len__(self):
        return len(self._starts) - 1

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("word index out of range")
        return bytes(self._buf[self._starts[i]:self._starts[i + 1] - 1]).decode("utf-8")

    def __iter__(self):
        return iter(_decode_all(self._buf, len(self))) if len(self) else iter(())

    def find(self, word) -> int:
        """Row of ``word``, or -1."""
        if not isinstance(word, str) or not word or "\n" in word:
            return -1
        try:
            b = word.encode("utf-8")
        except UnicodeEncodeError:
            return -1
        if not len(self):
            return -1
        if self._buf[:len(b) + 1] == b + b"\n":
            return 0
        pos = self._buf.find(b"\n" + b + b"\n", 0, int(self._starts[-1]))
        # the key in the array's own type: a mixed-type search would copy the array
        return -1 if pos < 0 else int(np.searchsorted(self._starts,
                                                      self._starts.dtype.type(pos + 1)))
