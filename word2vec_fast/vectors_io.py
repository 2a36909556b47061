"""Reading and writing word2vec.c's vector files (binary and text), fast and safely.

The file is read in blocks into one reusable buffer; ``_vecio`` (C) parses whole
records out of each block straight into the final matrix, and the words into a byte
arena that is decoded once at the end.  Nothing is sized from what the file *claims*
without first checking the claim against the bytes that are really there, so a
hostile or damaged file costs at most about its own size in memory, and every
malformed file raises :class:`VectorsFormatError` (a ``ValueError``) naming the file
and the byte offset (binary) or line (text) where it went wrong.
"""
from __future__ import annotations

import codecs
import os
import re
import warnings

import numpy as np

from . import _vecio
from ._atomic import atomic_open, write_all
from .compression import DECOMPRESS_ERRORS, detect, wrap_reader, wrap_writer
from .errors import DuplicateWordWarning, NonFiniteWarning, VectorsFormatError

# Bounds that keep a damaged file from making us allocate or scan without limit.
MAX_DIM = 1 << 20          # 4 MiB per row; real embeddings are far below this
MAX_WORD_BYTES = 1 << 16   # a "word" longer than this means we are not in a word2vec file
# Read size: large enough that per-block Python work is noise, small enough that the
# block stays in cache while C copies its floats out.
BLOCK_BYTES = 1 << 20
SAVE_BLOCK_BYTES = 32 << 20  # the extra memory of a save, besides the word bytes
_GROW_ROWS_BYTES = 16 << 20  # first allocation when the row count is unknown/unverifiable

_HEADER_RE = re.compile(rb"\s*([+-]?\d+)[ \t]+([+-]?\d+)\s*")
_WS = b" \t\r\n"
# Encodings where b"\n" is always a character of its own, so the whole word arena can be
# decoded at once and split at "\n" with the same result as decoding word by word.
_ASCII_SAFE = {"utf-8", "ascii", "latin-1", "iso8859-1", "cp1252", "utf-8-sig"}


# ----------------------------------------------------------------------------- reading

def _fail(path, where, msg):
    raise VectorsFormatError(f"{path}: {where}: {msg}")


class _Source:
    """A file opened for block reads; compressed streams are recognised by content."""

    def __init__(self, path):
        self.path = path
        self.raw = open(path, "rb", buffering=0)
        try:
            magic = self.raw.read(6)
            self.raw.seek(0)
            try:
                self.compressed = detect(path, magic)
            except ValueError as e:
                raise VectorsFormatError(str(e)) from None
            self.f = wrap_reader(self.raw, self.compressed)
            # Only an uncompressed file's size bounds what it can hold.
            self.size = None if self.compressed else os.fstat(self.raw.fileno()).st_size
        except BaseException:
            self.raw.close()
            raise

    def readinto(self, mv, offset):
        """Fill as much of ``mv`` as the stream gives; 0 at the end."""
        try:
            return self.f.readinto(mv) or 0
        except DECOMPRESS_ERRORS as e:
            if self.compressed and not isinstance(e, (PermissionError, IsADirectoryError)):
                _fail(self.path, f"byte offset {offset} of the {self.compressed} data",
                      f"cannot decompress ({e})")
            raise

    def close(self):
        if self.f is not self.raw:
            self.f.close()
        self.raw.close()


class _Blocks:
    """The bytes of a source, a block at a time, in one reusable buffer.

    ``buf[start:filled]`` are the bytes not consumed yet; ``base`` is the stream
    offset of ``buf[0]``.  The buffer is a NumPy array rather than a bytearray:
    moving the unconsumed tail to the front is an overlapping copy, which NumPy
    does safely.
    """

    def __init__(self, src: _Source):
        self.src = src
        self.buf = np.empty(BLOCK_BYTES, dtype=np.uint8)
        self.base = 0
        self.start = 0
        self.filled = 0
        self.eof = False

    def fill(self):
        """Move the unconsumed bytes to the front and read until buf is full or EOF."""
        if self.start:
            self.buf[: self.filled - self.start] = self.buf[self.start:self.filled]
            self.base += self.start
            self.filled -= self.start
            self.start = 0
        if self.filled == len(self.buf):
            # One record does not fit: grow (bounded by MAX_DIM / MAX_WORD_BYTES / line limit).
            bigger = np.empty(2 * len(self.buf), dtype=np.uint8)
            bigger[:self.filled] = self.buf[:self.filled]
            self.buf = bigger
        while self.filled < len(self.buf) and not self.eof:
            n = self.src.readinto(memoryview(self.buf)[self.filled:], self.base + self.filled)
            if n == 0:
                self.eof = True
            self.filled += n

    def line_end(self, bound):
        """Offset in buf of the next b"\\n" at or after ``start`` (reading more as needed),
        or -1 when there is none within ``bound`` bytes or before the end of the stream."""
        while True:
            end = min(self.filled, self.start + bound)
            hit = np.flatnonzero(self.buf[self.start:end] == 10)
            if len(hit):
                return self.start + int(hit[0])
            if self.eof or end < self.filled or self.filled - self.start >= bound:
                return -1
            self.fill()

    def first_data_after(self, pos):
        """Stream offset of the first non-whitespace byte from ``buf[pos:]`` on, or None."""
        chunk = self.buf[pos:self.filled].tobytes()
        off = self.base + pos
        while True:
            s = chunk.lstrip(_WS)
            if s:
                return off + len(chunk) - len(s)
            if self.eof:
                return None
            off += len(chunk)
            tmp = bytearray(1 << 16)
            n = self.src.readinto(memoryview(tmp), off)
            if n == 0:
                return None
            chunk = bytes(tmp[:n])


def _where(binary, offset, line, compressed):
    place = f"byte offset {offset}" + (" of the decompressed data" if compressed else "")
    return place if binary else f"line {line} ({place})"


def read(path, binary=None, limit=None, encoding="utf-8", unicode_errors="strict",
         duplicates="warn", nonfinite="warn"):
    """Read a word2vec binary or text file: ``(words, matrix, index)``.

    ``matrix`` is (V, dim) float32 C-contiguous, ``index`` the word -> row dict
    when it was built on the way (a lossy decoding), else None.
    :func:`word2vec_fast.load` builds :class:`~word2vec_fast.Vectors` from them.

    Parameters
    ----------
    path : str or os.PathLike
        The file; gzip, bzip2 and xz files are recognised by their content.
    binary : bool or None
        ``None`` detects the format from the first record.
    limit : int or None
        Read only the first ``limit`` vectors; the rest of the file is never read.
    encoding, unicode_errors : str
        How words are decoded (``unicode_errors`` as in :meth:`bytes.decode`; the
        original tool cuts words at 99 bytes, which can split a UTF-8 character:
        ``"replace"``, ``"ignore"`` or ``"surrogateescape"`` read such files).
    duplicates : {"warn", "error"}
        A word listed twice: keep its first vector and warn
        (:class:`DuplicateWordWarning`, as gensim does), or raise.
    nonfinite : {"warn", "error", "ignore"}
        NaN or infinite values (a diverged training run): keep them and warn
        (:class:`NonFiniteWarning`), raise, or keep them silently.

    Text files may or may not start with a ``"V dim"`` header (fastText ``.vec``
    files have one, GloVe files none); lines may end in CRLF and carry trailing
    spaces (word2vec.c writes one).  Binary files may or may not have the newline
    after each vector.

    Raises
    ------
    VectorsFormatError
        (a ``ValueError``) for any malformed file, naming the file and the byte
        offset or line.  Memory use is bounded by the file's real size, whatever
        its header claims.
    """
    p = os.fspath(path)
    if binary not in (None, True, False):
        raise TypeError("binary must be True, False or None")
    if limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, (int, np.integer)) or limit < 0:
            raise ValueError(f"limit must be a non-negative integer or None, got {limit!r}")
        limit = int(limit)
    if duplicates not in ("warn", "error"):
        raise ValueError("duplicates must be 'warn' or 'error'")
    if nonfinite not in ("warn", "error", "ignore"):
        raise ValueError("nonfinite must be 'warn', 'error' or 'ignore'")
    codecs.lookup(encoding)  # LookupError early for a misspelt encoding
    codecs.lookup_error(unicode_errors)
    if os.path.isdir(p):
        raise VectorsFormatError(f"{p}: is a directory, not a vectors file")

    src = _Source(p)
    try:
        blk = _Blocks(src)
        blk.fill()
        if blk.filled == 0:
            _fail(p, "byte offset 0", "empty file, not word2vec vectors")
        head = _read_header(blk, p, binary)
        recs = _read_records(blk, p, head, limit)
        return _finish(p, head, recs, encoding, unicode_errors, duplicates, nonfinite,
                       src.compressed)
    finally:
        src.close()


class _Header:
    """What the start of the file says: ``v_claim`` (the header's vector count, None
    without a header), ``dim``, ``binary`` and ``lines`` (header lines: 0 or 1)."""

    def __init__(self, v_claim, dim, binary, lines):
        self.v_claim, self.dim, self.binary, self.lines = v_claim, dim, binary, lines


def _read_header(blk: _Blocks, p, binary) -> _Header:
    """Parse the ``"V dim"`` header (or take the dimension from a GloVe-style first
    line) and decide binary or text; leaves ``blk.start`` at the first record."""
    nl = blk.line_end(4096)
    first = blk.buf[:nl if nl >= 0 else min(blk.filled, 4096)].tobytes()
    m = _HEADER_RE.fullmatch(first) if (nl >= 0 or blk.eof) else None
    if m:
        v_claim, dim = int(m.group(1)), int(m.group(2))
        if v_claim < 0:
            _fail(p, "line 1", f"negative vector count {v_claim} in the header")
        if dim <= 0:
            _fail(p, "line 1", f"dimension {dim} in the header; it must be positive")
        if dim > MAX_DIM:
            _fail(p, "line 1", f"dimension {dim} in the header exceeds the maximum {MAX_DIM}")
        blk.start = nl + 1 if nl >= 0 else blk.filled
        lines = 1
    else:
        if binary:
            _fail(p, "line 1", f"expected a header 'vocab_size dim', got {first[:60]!r}")
        if b"\x00" in first:
            _fail(p, "byte offset 0", "binary data without a 'vocab_size dim' header "
                  "(not a word2vec file)")
        v_claim = None
        # GloVe style: no header; the first line says the dimension.
        nl = blk.line_end(64 * MAX_DIM)
        toks = blk.buf[:nl if nl >= 0 else blk.filled].tobytes().split()
        dim = len(toks) - 1
        if dim < 1:
            _fail(p, "line 1", "neither a 'vocab_size dim' header nor a word with numbers "
                  f"(got {first[:60]!r}); not a word2vec file")
        if dim > MAX_DIM:
            _fail(p, "line 1", f"{dim} numbers on the line exceeds the maximum {MAX_DIM}")
        binary = False
        lines = 0
    if binary is None:
        # text if the first record is a word and dim numbers on one line
        nl = blk.line_end(64 * dim + MAX_WORD_BYTES)
        binary = not _is_text_line(blk.buf[blk.start:nl if nl >= 0 else blk.filled].tobytes(),
                                   dim) if (nl >= 0 or blk.eof) else True
    return _Header(v_claim, dim, binary, lines)


class _Records:
    """The parsed records: ``mat`` (rows), ``rec_pos`` (stream offset of each record),
    ``arena`` (the words, each followed by ``\\n``), and the count and first row of
    the rows holding NaN or infinity."""

    def __init__(self, mat, rec_pos, arena, nonfinite_rows, first_nonfinite):
        self.mat, self.rec_pos, self.arena = mat, rec_pos, arena
        self.nonfinite_rows, self.first_nonfinite = nonfinite_rows, first_nonfinite


def _read_records(blk: _Blocks, p, head: _Header, limit) -> _Records:
    """Parse the records.

    Rows are allocated from the header's count only once that count is checked
    against the bytes really there; otherwise they grow as records arrive.
    """
    dim, binary, v_claim, src = head.dim, head.binary, head.v_claim, blk.src
    rec_bytes_max = (4 * dim + MAX_WORD_BYTES + 2) if binary else (64 * dim + MAX_WORD_BYTES)

    # ---- how many rows, and is that plausible? --------------------------------------
    target = v_claim if limit is None else (limit if v_claim is None else min(v_claim, limit))
    if src.size is not None and target:
        avail = src.size - (blk.base + blk.start)
        # smallest possible record: a 1-byte word, a space, then 4*dim bytes (binary)
        # or dim one-character numbers each after a space, and a newline (text)
        per = 4 * dim + 2 if binary else 2 * dim + 2
        if v_claim is not None and target * per - (0 if binary else 1) > avail:
            _fail(p, f"byte offset {blk.base + blk.start}",
                  f"the header promises {v_claim} vectors of dimension {dim}"
                  + (f" (reading {target})" if target != v_claim else "")
                  + f", which need at least {target * per} bytes, but only {avail} follow "
                  "(truncated file or wrong header)")
    grow_rows = max(1, _GROW_ROWS_BYTES // (4 * dim))
    if v_claim is not None and src.size is not None:
        cap = target  # verified against the file size just above
    else:
        cap = grow_rows if target is None else min(target, grow_rows)
    mat = np.empty((cap, dim), dtype=np.float32)
    rec_pos = np.empty(cap, dtype=np.int64)
    words_arena = bytearray(len(blk.buf))
    pieces = []
    row = 0
    nonfinite_rows = 0
    first_nonfinite = -1

    # ---- records ------------------------------------------------------------------
    max_len = MAX_WORD_BYTES if binary else rec_bytes_max
    while target is None or row < target:
        if row == cap:
            cap = cap + max(cap, grow_rows) if target is None else min(target, 2 * cap)
            mat.resize((cap, dim), refcheck=False)     # realloc: no copy for large blocks
            rec_pos.resize(cap, refcheck=False)
        want = cap - row if target is None else min(cap, target) - row
        if len(words_arena) < len(blk.buf):
            words_arena = bytearray(len(blk.buf))
        status, used, n, wl, err, nf, nf_first = _vecio.parse_block(
            blk.buf, blk.start, blk.filled, binary, blk.eof, mat, row, want, rec_pos,
            words_arena, max_len)
        if n:
            pieces.append(bytes(words_arena[:wl]))
            rec_pos[row:row + n] += blk.base + blk.start
            if nf:
                if first_nonfinite < 0:
                    first_nonfinite = row + nf_first
                nonfinite_rows += nf
        if status:
            at = blk.base + blk.start + err
            if status == 7 and blk.first_data_after(blk.start + err) is None:
                blk.start = blk.filled
                row += n
                break  # trailing blank lines
            row += n
            what = _vecio.STATUS[status]
            if status == 8:
                what = "a newline inside a word"
            elif status == 2:
                what = (f"no space within {MAX_WORD_BYTES} bytes (a word this long means the "
                        "file is not word2vec binary, or its header is wrong)")
            elif status == 6:
                what = f"a line longer than {max_len} bytes"
            elif status in (3, 4):
                what += f" (expected a word and {dim} numbers)"
            _fail(p, _where(binary, at, head.lines + row + 1, src.compressed),
                  f"record {row}: {what}")
        row += n
        blk.start += used
        if n == want:
            continue
        if blk.eof:
            break
        blk.fill()

    # ---- the end: too few records, or more than promised? ----------------------------
    if v_claim is not None and row < target:
        rest = blk.buf[blk.start:blk.filled].tobytes().lstrip(_WS)
        at = blk.base + blk.filled
        if rest:
            _fail(p, _where(binary, at, head.lines + row + 1, src.compressed),
                  f"record {row} is cut short: the file ends inside it")
        _fail(p, _where(binary, at, head.lines + row + 1, src.compressed),
              f"the header promises {v_claim} vectors but the file ends after {row}")
    if limit is None and v_claim is not None:
        off = blk.first_data_after(blk.start)
        if off is not None:
            _fail(p, _where(binary, off, head.lines + row + 1, src.compressed),
                  f"the header promises {v_claim} vectors but more data follows them")

    if row < cap:
        mat.resize((row, dim), refcheck=False)
        rec_pos.resize(row, refcheck=False)
    return _Records(mat, rec_pos, b"".join(pieces), nonfinite_rows, first_nonfinite)


def _finish(p, head: _Header, recs: _Records, encoding, unicode_errors, duplicates, nonfinite,
            compressed):
    """Decode the words, apply the non-finite and duplicate policies: (words, mat, index)."""
    binary, mat, rec_pos, arena = head.binary, recs.mat, recs.rec_pos, recs.arena
    row = len(mat)
    words = _decode_words(arena, row, encoding, unicode_errors, p, rec_pos, binary,
                          head.lines, compressed)
    first = recs.first_nonfinite
    if recs.nonfinite_rows and nonfinite != "ignore":
        off = int(rec_pos[first])
        msg = (f"{recs.nonfinite_rows} vector(s) contain NaN or infinity, first "
               f"{words[first]!r} at {_where(binary, off, head.lines + first + 1, compressed)}")
        if nonfinite == "error":
            raise VectorsFormatError(f"{p}: {msg}")
        warnings.warn(f"{p}: {msg}; kept as they are", NonFiniteWarning, stacklevel=4)

    # Duplicates: where decoding is one-to-one, equal words are equal bytes, and a C hash
    # table over the arena finds them far faster than a dict of a million str would;
    # the word -> row dict is then built on first use (Vectors.index).  A lossy decode
    # ("replace", "ignore") can merge different bytes into one word: check the strs.
    index = None
    if unicode_errors in ("strict", "surrogateescape") \
            and codecs.lookup(encoding).name in _ASCII_SAFE:
        has_dups = len(_vecio.find_duplicates(arena, row)) > 0
    else:
        index = dict(zip(words, range(row)))
        has_dups = len(index) != row
    del arena, recs.arena
    if has_dups:
        words, mat, index = _drop_duplicates(words, mat, rec_pos, duplicates, p, binary,
                                             head.lines, compressed)
    return words, mat, index


def _is_text_line(line, dim):
    """True when ``line`` reads as a word followed by ``dim`` numbers."""
    toks = line.split(b" ", 1)
    if len(toks) != 2:
        return False
    nums = toks[1].split()
    return len(nums) == dim and all(_vecio.parse_float(t) is not None for t in nums)


def _decode_words(arena, n, encoding, errors, p, rec_pos, binary, header_lines, compressed):
    """Decode the ``\\n``-separated word arena into ``n`` strings (at C speed when safe)."""
    name = codecs.lookup(encoding).name
    try:
        if name in _ASCII_SAFE:
            words = arena.decode(encoding, errors).split("\n")
            words.pop()  # the arena ends with a separator
            if len(words) == n:
                return words
        return [w.decode(encoding, errors) for w in arena.split(b"\n")[:n]]
    except UnicodeDecodeError as e:
        i = arena.count(b"\n", 0, e.start)
        _fail(p, _where(binary, int(rec_pos[i]), header_lines + i + 1, compressed),
              f"record {i}: word is not valid {encoding} ({e.reason}); "
              "pass unicode_errors='replace' (or 'ignore', 'surrogateescape') to read it")


def _drop_duplicates(words, mat, rec_pos, duplicates, p, binary, header_lines, compressed):
    """Keep the first vector of each word, compacting the matrix in place."""
    index = {}
    keep = []
    dups = []
    for i, w in enumerate(words):
        if w in index:
            dups.append(i)
        else:
            index[w] = len(keep)
            keep.append(i)
    i0 = dups[0]
    where = _where(binary, int(rec_pos[i0]), header_lines + i0 + 1, compressed)
    msg = f"word {words[i0]!r} at {where} repeats record {keep[index[words[i0]]]}"
    if duplicates == "error":
        raise VectorsFormatError(f"{p}: {msg} (duplicate words)")
    warnings.warn(f"{p}: {len(dups)} duplicate word(s); kept the first vector of each "
                  f"(first: {msg})", DuplicateWordWarning, stacklevel=5)
    keep = np.asarray(keep, dtype=np.int64)
    # keep[j] >= j, so copying forward block by block never overwrites a row still needed
    step = 1 << 14
    for j in range(0, len(keep), step):
        block = keep[j:j + step]
        mat[j:j + len(block)] = mat[block]
    mat.resize((len(keep), mat.shape[1]), refcheck=False)
    return [words[i] for i in keep], mat, index


# ----------------------------------------------------------------------------- writing

def _word_arena(words, encoding):
    """Encode all words into one ``\\n``-separated arena plus start offsets; validate."""
    n = len(words)
    if n == 0:
        return b"", np.zeros(1, dtype=np.int64)
    try:
        arena = ("\n".join(words) + "\n").encode(encoding, "surrogateescape")
    except TypeError:
        bad = next(w for w in words if not isinstance(w, str))
        raise TypeError(f"words must be str, got {type(bad).__name__}: {bad!r}") from None
    a = np.frombuffer(arena, dtype=np.uint8)
    seps = np.flatnonzero(a == 10)
    spaces = int(np.count_nonzero(a == 32))
    if len(seps) != n or spaces:
        bad = next(w for w in words if " " in w or "\n" in w)
        raise ValueError(f"word {bad!r} contains a space or newline, which the word2vec "
                         "formats cannot hold")
    starts = np.empty(n + 1, dtype=np.int64)
    starts[0] = 0
    starts[1:] = seps + 1
    if n and np.any(np.diff(starts) == 1):
        raise ValueError("the word2vec formats cannot hold an empty word")
    return arena, starts


def _write_formatted(sink, arena, starts, mat, binary, block):
    """Format records into one reused block and write it out, block by block.

    (A writer thread overlapping formatting with write() was tried: on 2 busy cores it
    was slower than this, since the formatting is only a memcpy per binary record.)
    """
    buf = bytearray(block)
    view = memoryview(buf)
    i = 0
    while i < len(mat):
        n, i = _vecio.format_block(arena, starts, mat, i, binary, buf)
        write_all(sink, view[:n])


def write(path, words, matrix, binary=True, encoding="utf-8", header=True):
    """Write ``words`` and their rows ``matrix`` in word2vec.c's binary (default) or text format.

    Binary is byte for byte what word2vec.c writes: ``"V dim\\n"``, then per word the
    encoded word, a space, ``dim`` little-endian float32 and ``"\\n"``.  Text writes
    each number with the fewest digits (7 to 9) that read back as the same float32, so
    text files round-trip exactly too.  A path ending in ``.gz``, ``.bz2`` or ``.xz``
    is compressed.  The data goes to a temporary file in the same directory that is
    renamed over ``path`` only when complete: a save that fails leaves any existing
    file untouched.  Words must be non-empty and contain no space or newline.
    ``header=False`` (text only) leaves out the ``"V dim"`` line: Stanford GloVe's
    text format, which :func:`read` reads too.
    """
    p = os.fspath(path)
    if binary and not header:
        raise ValueError("the binary format always has its 'V dim' header (header=False is "
                         "for text)")
    mat = np.require(matrix, np.float32, ["C", "A"])  # C reads rows as float *
    if mat.ndim != 2 or mat.shape[0] != len(words):
        raise ValueError(f"need one row per word: {len(words)} words, matrix {mat.shape}")
    arena, starts = _word_arena(words, encoding)
    v, dim = mat.shape
    wmax = int(np.max(np.diff(starts))) if v else 1
    rec_max = wmax + 2 + (4 * dim if binary else dim * (_vecio.TEXT_NUMBER_MAX + 1))
    # Large write() calls: the kernel's per-call costs make 1 MiB writes about 3x slower
    # than one big write of the same bytes; 32 MiB blocks are within a few percent.
    est = len(arena) + v * (4 * dim + 1 if binary else dim * (_vecio.TEXT_NUMBER_MAX + 1) + 1)
    out = max(min(SAVE_BLOCK_BYTES, est), rec_max)
    with atomic_open(p, buffering=0) as f:
        sink = wrap_writer(f, p)
        if header:
            write_all(sink, f"{v} {dim}\n".encode("ascii"))
        _write_formatted(sink, arena, starts, mat, binary, out)
        if sink is not f:
            sink.close()
