"""One pass of the C scanner over a corpus: count tokens, optionally record their ids.

A corpus is either text -- a file (gzip, bzip2 or xz recognised by content), a
directory (its files, in name order), a list of ``pathlib.Path``, or ``"-"``
for standard input -- read in blocks and tokenized in C, or a re-iterable of
token lists fed to C sentence by sentence.  Ids are recorded in C buffers;
above ``spill_bytes`` (or whenever ``out=`` is given) they are streamed to two
``.npy`` files (ids int32, sentence offsets int64) that training memory-maps,
so memory does not grow with the corpus.
"""
from __future__ import annotations

import contextlib
import itertools
import logging
import mmap
import os
import struct
import sys
import tempfile

import numpy as np

from . import _scan
from .compression import open_read, read_errors
from .npy_header import NpyHeaderError, data_bytes, read as read_npy_header

logger = logging.getLogger(__name__)

BLOCK_BYTES = 1 << 22
#: Ids (and sentence ends) buffered before each write once ids go to a file.
DRAIN_ITEMS = 1 << 20
#: Ids per chunk when remapping a file in place.
REMAP_ITEMS = 1 << 22
#: Sentences handed to C per call for Python iterables.
SENTENCE_BATCH = 1024
#: Default of ``max_token_bytes``: word2vec.c's MAX_STRING.
MAX_TOKEN_BYTES = 100
HEADER_BYTES = 128


def batches(items, n: int):
    """Lists of the next ``n`` items of an iterable (the last one shorter), read lazily."""
    it = iter(items)
    while True:
        batch = list(itertools.islice(it, n))
        if not batch:
            return
        yield batch


def check_max_token_bytes(value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) \
            or not 4 <= value <= 1 << 20:
        raise ValueError(f"max_token_bytes must be an integer in [4, 1048576], got {value!r}")
    return int(value)


def text_sources(corpus) -> list[str] | None:
    """The files (or ``"-"``) a text corpus reads, in order; None if ``corpus`` is not text.

    Raises FileNotFoundError for a missing path and ValueError for a directory
    without files.
    """
    if isinstance(corpus, (str, bytes, os.PathLike)):
        items = [corpus]
    elif isinstance(corpus, (list, tuple)) and corpus and all(
            isinstance(p, os.PathLike) for p in corpus):
        items = list(corpus)
    else:
        return None
    out = []
    for item in items:
        p = os.fspath(item)
        if isinstance(p, bytes):
            p = os.fsdecode(p)
        if p == "-":
            out.append(p)
        elif os.path.isdir(p):
            files = sorted(os.path.join(p, n) for n in os.listdir(p)
                           if not n.startswith(".") and os.path.isfile(os.path.join(p, n)))
            if not files:
                raise ValueError(f"{p}: directory has no files to read")
            out += files
        elif os.path.exists(p):
            out.append(p)
        else:
            raise FileNotFoundError(f"corpus file not found: {p}")
    return out


@contextlib.contextmanager
def open_text(source: str):
    """``source`` (a path, or ``"-"``: standard input, left open) as a binary file,
    decompressed by content; errors while it is open name it."""
    with read_errors("standard input" if source == "-" else source):
        f = sys.stdin.buffer if source == "-" else open_read(source)
        try:
            yield f
        finally:
            if source != "-":
                f.close()


def _read_blocks(source: str, buf: bytearray, tee=None):
    """Yield how many bytes of ``buf`` each read filled; errors name the file."""
    view = memoryview(buf)
    with open_text(source) as f:
        while True:
            n = f.readinto(view)
            if not n:
                break
            if tee is not None:
                tee.write(view[:n])
            yield n


def count_newlines(path) -> int:
    """Newlines in the text file at ``path`` (decompressed as every reader does).

    word2vec.c counts one ``</s>`` token per newline; the command line reports it.
    """
    n = 0
    with open_read(path) as f:
        while True:
            block = f.read(16 << 20)
            if not block:
                return n
            n += block.count(b"\n")


def npy_header(dtype, n: int) -> bytes:
    """A fixed-size (128-byte) ``.npy`` 1.0 header for a 1-D array of ``n`` items."""
    d = "{'descr': %r, 'fortran_order': False, 'shape': (%d,), }" % (np.dtype(dtype).str, n)
    body = HEADER_BYTES - 10
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", body) + (d.ljust(body - 1) + "\n").encode()


def offsets_path_for(path: str) -> str:
    """``corpus.npy`` -> ``corpus.offsets.npy``."""
    return (path[:-4] if path.endswith(".npy") else path) + ".offsets.npy"


class IdFiles:
    """Ids and sentence offsets streamed to two ``.npy`` files, headers written last.

    With ``out`` the files are written under temporary names next to ``out``
    and renamed into place by :meth:`finish`; without, they are anonymous
    temporary files in ``spill_dir`` that disappear once unmapped.
    """

    def __init__(self, out: str | None, spill_dir: str | None):
        self.temporary = out is None
        if out is None:
            d = spill_dir if spill_dir is not None else tempfile.gettempdir()
            fd1, self.ids_tmp = tempfile.mkstemp(prefix="w2v-ids-", suffix=".npy", dir=d)
            fd2, self.off_tmp = tempfile.mkstemp(prefix="w2v-offsets-", suffix=".npy", dir=d)
            os.close(fd1)
            os.close(fd2)
            self.ids_path, self.off_path = self.ids_tmp, self.off_tmp
        else:
            out = os.fspath(out)
            self.ids_path = out if out.endswith(".npy") else out + ".npy"
            self.off_path = offsets_path_for(self.ids_path)
            self.ids_tmp = f"{self.ids_path}.tmp{os.getpid()}"
            self.off_tmp = f"{self.off_path}.tmp{os.getpid()}"
        self.fi = open(self.ids_tmp, "w+b")
        self.fo = open(self.off_tmp, "w+b")
        self.fi.write(b"\0" * HEADER_BYTES)
        self.fo.write(b"\0" * HEADER_BYTES + np.zeros(1, np.int64).tobytes())

    def drain(self, sc) -> None:
        sc.drain(self.fi, self.fo)

    def remap(self, remap: np.ndarray, n_ids: int, n_ends: int) -> tuple[int, int]:
        """Replace provisional ids by final ones in place, chunk by chunk; returns (ids, ends)."""
        r = _scan.Remapper(remap)
        ids = np.empty(REMAP_ITEMS, dtype=np.int32)
        pending = np.zeros(0, dtype=np.int64)
        ends_read = ends_written = 0
        pos = 0
        base_o = HEADER_BYTES + 8
        for f in (self.fi, self.fo):
            f.flush()
        while pos < n_ids or ends_read < n_ends:
            k = min(REMAP_ITEMS, n_ids - pos)
            self.fi.seek(HEADER_BYTES + 4 * pos)
            self.fi.readinto(memoryview(ids)[:k].cast("B"))
            while ends_read < n_ends and (pending.size == 0 or pending[-1] <= pos + k):
                m = min(DRAIN_ITEMS, n_ends - ends_read)
                more = np.empty(m, dtype=np.int64)
                self.fo.seek(base_o + 8 * ends_read)
                self.fo.readinto(memoryview(more).cast("B"))
                pending = np.concatenate([pending, more])
                ends_read += m
            kept, consumed, written = r.chunk(ids[:k], pending)
            self.fi.seek(HEADER_BYTES + 4 * (r.kept_total - kept))
            self.fi.write(memoryview(ids)[:kept].cast("B"))
            self.fo.seek(base_o + 8 * ends_written)
            self.fo.write(memoryview(pending)[:written].cast("B"))
            ends_written += written
            pending = pending[consumed:].copy()
            pos += k
            if k == 0 and consumed == 0:
                break
        return r.kept_total, ends_written

    def finish(self, n_ids: int, n_ends: int):
        """Write the headers, cut the files to size and (``out``) rename them into place."""
        self.fi.seek(0)
        self.fi.write(npy_header(np.int32, n_ids))
        self.fi.truncate(HEADER_BYTES + 4 * n_ids)
        self.fo.seek(0)
        self.fo.write(npy_header(np.int64, n_ends + 1))
        self.fo.truncate(HEADER_BYTES + 8 * (n_ends + 1))
        self.fi.close()
        self.fo.close()
        if not self.temporary:
            os.replace(self.ids_tmp, self.ids_path)
            os.replace(self.off_tmp, self.off_path)
        return self.ids_path, self.off_path

    def abort(self) -> None:
        for f, p in ((self.fi, self.ids_tmp), (self.fo, self.off_tmp)):
            try:
                f.close()
                os.unlink(p)
            except OSError:
                pass


class MappedArray:
    """A read-only memory map of a 1-D ``.npy`` file whose pages can be given back."""

    def __init__(self, path: str):
        with open(path, "rb") as f:
            try:
                shape, fortran, dtype = read_npy_header(f)
            except NpyHeaderError as e:
                raise ValueError(f"{path}: {e}") from None
            if len(shape) != 1 or fortran or dtype.hasobject:
                raise ValueError(f"{path}: expected a 1-dimensional array of numbers, got "
                                 f"shape {shape} of {dtype}")
            self.offset = f.tell()
            size = os.fstat(f.fileno()).st_size
            if self.offset + data_bytes(shape, dtype) > size:
                raise ValueError(f"{path}: file is shorter than its header says "
                                 f"({shape[0]} items of {dtype})")
            self.map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        self.itemsize = dtype.itemsize
        self.array = np.frombuffer(self.map, dtype=dtype, count=shape[0], offset=self.offset)

    def release(self, lo: int = 0, hi: int | None = None) -> None:
        """Drop the resident pages of items [lo, hi) (they are re-read if touched again)."""
        if not hasattr(mmap, "MADV_DONTNEED"):
            return
        n = self.array.shape[0]
        hi = n if hi is None else min(hi, n)
        a = self.offset + max(lo, 0) * self.itemsize
        b = self.offset + hi * self.itemsize
        a = -(-a // mmap.PAGESIZE) * mmap.PAGESIZE
        b = b // mmap.PAGESIZE * mmap.PAGESIZE
        if b > a:
            self.map.madvise(mmap.MADV_DONTNEED, a, b - a)


class Pass:
    """One scan over a corpus with a :class:`_scan.Scanner` and where its ids go.

    Parameters
    ----------
    scanner : _scan.Scanner
    out : path, optional
        Stream the ids to this ``.npy`` file (and its ``.offsets.npy``).
    spill_bytes : int, optional
        Once the recorded ids and ends take more than this many bytes, stream them
        to temporary files in ``spill_dir``.  None: keep them in memory.
    """

    def __init__(self, scanner, *, out=None, spill_bytes=None, spill_dir=None):
        self.sc = scanner
        self.out = out
        self.limit = 0 if out is not None else spill_bytes
        self.spill_dir = spill_dir
        self.files: IdFiles | None = None

    def _after_feed(self) -> None:
        sc = self.sc
        if self.files is None:
            if self.limit is None or sc.ids_len * 4 + sc.ends_len * 8 <= self.limit:
                return
            self.files = IdFiles(self.out, self.spill_dir)
            logger.info("token ids go to %s (memory map)", self.files.ids_path)
        if sc.ids_len >= DRAIN_ITEMS or sc.ends_len >= DRAIN_ITEMS:
            self.files.drain(sc)

    def run(self, corpus, sources: list[str] | None, tee=None) -> None:
        """Feed the whole corpus (``sources``: from :func:`text_sources`, or None for token
        lists, or for an object with ``is_text`` true whose ``text_blocks()`` yields text
        pieces and ``None`` at each source's end)."""
        text = sources is None and getattr(corpus, "is_text", False)
        blocks = getattr(corpus, "text_blocks", None) if text else None
        try:
            if blocks is not None:
                # text produced on the fly (phrases.PhrasedText): pieces, None at source ends
                for piece in blocks():
                    if piece is None:
                        self.sc.end_source()
                    else:
                        self.sc.feed(piece, len(piece))
                    self._after_feed()
            elif sources is not None:
                buf = bytearray(BLOCK_BYTES)
                for src in sources:
                    for n in _read_blocks(src, buf, tee if src == "-" else None):
                        self.sc.feed(buf, n)
                        self._after_feed()
                    self.sc.end_source()
                    self._after_feed()
            else:
                i = 0
                for batch in batches(corpus, SENTENCE_BATCH):
                    i = self.sc.feed_sentences(batch, i)
                    self._after_feed()
        except BaseException:
            self.abort()
            raise

    def abort(self) -> None:
        if self.files is not None:
            self.files.abort()
            self.files = None

    def finish(self, remap: np.ndarray | None = None):
        """``(ids, offsets, maps)`` of what was recorded, provisional ids replaced via ``remap``.

        ``maps`` is None for in-memory arrays, else the two :class:`MappedArray`.
        """
        sc = self.sc
        try:
            if self.files is None and self.out is not None:
                self.files = IdFiles(self.out, self.spill_dir)
            if self.files is None:
                ids, ends = sc.take()
                if remap is not None:
                    kept, _, written = _scan.Remapper(remap).chunk(ids, ends)
                    ids, ends = ids[:kept], ends[:written]
                offsets = np.empty(ends.shape[0] + 1, dtype=np.int64)
                offsets[0] = 0
                offsets[1:] = ends
                return ids, offsets, None
            f = self.files
            f.drain(sc)
            n_ids, n_ends = sc.ids_total, sc.stats["sentences"]
            if remap is not None:
                n_ids, n_ends = f.remap(remap, n_ids, n_ends)
            ids_path, off_path = f.finish(n_ids, n_ends)
        except BaseException:
            self.abort()
            raise
        maps = (MappedArray(ids_path), MappedArray(off_path))
        if f.temporary:
            for p in (ids_path, off_path):
                try:
                    os.unlink(p)  # the maps keep the data until they are closed
                except OSError:
                    pass
        return maps[0].array, maps[1].array, maps
