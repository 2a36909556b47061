"""GloVe's co-occurrence counts: counted from a corpus on all threads in bounded
memory, held as a :class:`Cooccurrence`, saved and loaded (this package's file
and Stanford's ``cooccurrence.bin``), and exported to SciPy.

How counting runs (the C side is ``csrc/w2v_glove.h``): the corpus is encoded
to token ids once (words under ``min_count`` dropped, one sentence per line);
each thread takes an equal share of the target tokens and adds every pair of
its windows either to its own dense block (frequent pairs) or to a buffer that
is sorted and folded into a *run* when full.  Runs stay in memory until they
pass their share of ``memory``; then they are merged into one run appended to
a spill file (two files, keys and values, however many runs: no file-handle
limit).  At the end the threads' dense blocks are added and one k-way merge of
every run, reading spilled runs through windows, writes the final records in
(row, column) order: into memory, or past the budget into temporary files
that are memory-mapped.  Counts are integers in units of ``1 / scale`` (the
least common multiple of 1..window), so they are exact and the same for any
number of threads.
"""
from __future__ import annotations

import json
import logging
import mmap
import os
import tempfile
import threading

import numpy as np

from . import _glove
from ._atomic import write_all
from ._threads import run_threads
from .compression import atomic_writer
from .corpus import Corpus, as_corpus
from .params import check_float, check_int, check_threads
from .runner import _progress_bar
from .scan import MAX_TOKEN_BYTES
from .vocab import Vocab

logger = logging.getLogger("word2vec_fast")

GIB = 1 << 30
#: Default of ``memory`` (GiB): Stanford's demo.sh.
DEFAULT_MEMORY = 4.0
#: Target tokens per call into C (a look at Ctrl-C and the progress bar between calls).
COUNT_STEP = 1 << 20
#: Most entries of a thread's dense block.
DENSE_MAX = 1 << 24
#: Entries per window of a spilled run, and per chunk written or merged.
CHUNK = 1 << 20
#: Stanford's record: word1, word2 (1-based), value.
STANFORD_RECORD = np.dtype([("w1", "<i4"), ("w2", "<i4"), ("x", "<f8")])
MAGIC = b"W2VFCOOC"
VERSION = 1


class _Map:
    """A read-only memory map of ``n`` items of ``dtype`` at ``offset`` in an open file,
    whose pages can be given back (they count in the process's memory once read)."""

    def __init__(self, f, dtype, n: int, offset: int = 0):
        self.map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        self.offset, self.itemsize = offset, np.dtype(dtype).itemsize
        self.array = np.frombuffer(self.map, dtype=dtype, count=n, offset=offset)

    def release(self, lo: int, hi: int) -> None:
        if not hasattr(mmap, "MADV_DONTNEED"):
            return
        a = -(-(self.offset + lo * self.itemsize) // mmap.PAGESIZE) * mmap.PAGESIZE
        b = (self.offset + hi * self.itemsize) // mmap.PAGESIZE * mmap.PAGESIZE
        if b > a:
            self.map.madvise(mmap.MADV_DONTNEED, a, b - a)


def _mapped(f, dtypes, n: int, offset: int = 0) -> list:
    """Maps of consecutive arrays of ``n`` items each in file ``f``, from ``offset``."""
    out = []
    for dt in dtypes:
        out.append(_Map(f, dt, n, offset) if n else None)
        offset += np.dtype(dt).itemsize * n
    return out


class CooccurrenceFormatError(ValueError):
    """A co-occurrence file that is damaged or not what it claims; the message names
    the file and the byte offset or record."""


def chunk_for(budget: int) -> int:
    """Entries per chunk of a pass within ``budget`` bytes: a 256th of it (its
    temporaries take a few times the chunk), between 4,096 and :data:`CHUNK`."""
    return int(max(1 << 12, min(CHUNK, budget // 256)))


def check_memory(memory) -> int:
    """``memory`` (GiB, a number > 0) in bytes."""
    m = check_float("memory", memory, 0.0, strict=True)
    return max(int(m * GIB), 1 << 16)


class Cooccurrence:
    """Co-occurrence counts X of a vocabulary, as sorted (row, column, value) records.

    With ``symmetric`` (the default of :func:`count`), X equals its transpose and
    only the upper triangle (row <= column) is stored; otherwise X[context, target]
    holds each pair in the direction it was counted (Stanford's ``-symmetric 0``:
    left contexts only).

    Attributes
    ----------
    vocab : Vocab
        Row/column ``i`` is ``vocab.words[i]``.
    rows, cols : ndarray of int32
    values : ndarray of float64
        The nonzero counts, sorted by (row, column).
    symmetric : bool
    window : int or None
        The window they were counted with (None when unknown: a Stanford file).
    distance_weighting : bool
        Whether a pair at distance d added 1/d (Stanford's default) or 1.
    tokens : int
        Corpus tokens counted (0 when unknown).
    """

    def __init__(self, vocab: Vocab, rows, cols, values, *, symmetric: bool = True,
                 window: int | None = None, distance_weighting: bool = True, tokens: int = 0,
                 validate: bool = True, keep=None):
        if not isinstance(vocab, Vocab):
            raise TypeError("Cooccurrence needs the Vocab its ids refer to")
        self.vocab = vocab
        self.rows, self.cols, self.values = rows, cols, values
        self.symmetric = bool(symmetric)
        self.window = window
        self.distance_weighting = bool(distance_weighting)
        self.tokens = int(tokens)
        self._keep = keep  # the files (and _Map objects) behind memory-mapped arrays
        self._maps = [m for m in (keep or ()) if isinstance(m, _Map)]
        if validate:
            _check_records(rows, cols, values, len(vocab), self.symmetric, "counts")

    def __len__(self) -> int:
        return int(self.rows.shape[0])

    def release(self, lo: int = 0, hi: int | None = None) -> None:
        """Give back the resident pages of records [lo, hi) of memory-mapped counts
        (a no-op for counts in memory): a pass over counts larger than memory
        calls it behind itself."""
        hi = len(self) if hi is None else hi
        for m in self._maps:
            m.release(lo, hi)

    @property
    def nnz(self) -> int:
        """Stored records (one triangle when symmetric)."""
        return len(self)

    @property
    def n_records(self) -> int:
        """Nonzero entries of the whole matrix (both triangles): what Stanford's
        ``cooccurrence.bin`` would hold, and the updates of one training epoch."""
        if not self.symmetric:
            return len(self)
        diag = 0
        for a in range(0, len(self), CHUNK):
            diag += int(np.count_nonzero(self.rows[a:a + CHUNK] == self.cols[a:a + CHUNK]))
            self.release(a, a + CHUNK)
        return 2 * len(self) - diag

    def __repr__(self) -> str:
        return (f"<Cooccurrence {len(self.vocab)} words, {len(self)} records"
                f"{' (upper triangle)' if self.symmetric else ''}, window {self.window}>")

    def get(self, w1: str, w2: str) -> float:
        """X[w1, w2] (0.0 for a pair never seen); KeyError for a word not in the vocabulary."""
        a, b = self.vocab[w1], self.vocab[w2]
        if self.symmetric and a > b:
            a, b = b, a
        lo = int(np.searchsorted(self.rows, a, side="left"))
        hi = int(np.searchsorted(self.rows, a, side="right"))
        i = lo + int(np.searchsorted(self.cols[lo:hi], b))
        return float(self.values[i]) if i < hi and self.cols[i] == b else 0.0

    def to_scipy(self, format: str = "csr"):
        """X as a SciPy sparse matrix (V x V, both triangles), ``format`` "csr",
        "csc" or "coo".  Needs SciPy."""
        import scipy.sparse as sp  # optional dependency
        v = len(self.vocab)
        r, c, x = self.rows, self.cols, self.values
        if self.symmetric:
            off = r != c
            r, c, x = (np.concatenate([r, c[off]]), np.concatenate([c, r[off]]),
                       np.concatenate([x, x[off]]))
        m = sp.coo_matrix((np.asarray(x), (np.asarray(r), np.asarray(c))), shape=(v, v))
        return m.asformat(format)

    # -- this package's file -------------------------------------------------
    def save(self, path) -> None:
        """Write the counts and their vocabulary to one file (atomically), for
        :meth:`load`: a JSON header, then rows, columns and values as raw
        little-endian arrays that :meth:`load` can memory-map."""
        head = {"version": VERSION, "n": len(self), "symmetric": self.symmetric,
                "window": self.window, "distance_weighting": self.distance_weighting,
                "tokens": self.tokens, "words": list(self.vocab.words),
                "counts": [int(c) for c in self.vocab.counts]}
        blob = json.dumps(head).encode("ascii")  # \u escapes keep undecodable bytes' words
        pad = -(len(MAGIC) + 8 + len(blob)) % 64
        with atomic_writer(os.fspath(path)) as f:
            f.write(MAGIC)
            f.write(np.uint64(len(blob) + pad).tobytes())
            f.write(blob + b" " * pad)
            for arr, dt in ((self.rows, "<i4"), (self.cols, "<i4"), (self.values, "<f8")):
                for a in range(0, len(self), CHUNK):
                    write_all(f, np.ascontiguousarray(arr[a:a + CHUNK], dtype=dt))

    @classmethod
    def load(cls, path, *, mmap: bool = False) -> Cooccurrence:
        """Read counts written by :meth:`save` (``mmap``: map the arrays from the file,
        read-only, instead of reading them).  Every record is checked; errors name
        the file."""
        p = os.fspath(path)
        size = os.path.getsize(p)
        with open(p, "rb") as f:
            start = f.read(len(MAGIC) + 8)
            if len(start) < len(MAGIC) + 8 or start[:len(MAGIC)] != MAGIC:
                raise CooccurrenceFormatError(f"{p}: not a word2vec_fast co-occurrence file "
                                              "(byte offset 0)")
            hlen = int(np.frombuffer(start[len(MAGIC):], "<u8")[0])
            if hlen > size - len(start):
                raise CooccurrenceFormatError(f"{p}: header of {hlen} bytes runs past the end "
                                              f"of the file ({size} bytes)")
            try:
                head = json.loads(f.read(hlen).decode("utf-8"))
                n = int(head["n"])
                words, counts = head["words"], head["counts"]
                window = head.get("window")
                meta = dict(symmetric=head["symmetric"], window=window,
                            distance_weighting=head.get("distance_weighting", True),
                            tokens=int(head.get("tokens") or 0))
                if head.get("version") != VERSION or not isinstance(words, list) \
                        or not isinstance(counts, list) or len(words) != len(counts) or n < 0 \
                        or not isinstance(meta["symmetric"], bool) \
                        or not (window is None or type(window) is int):
                    raise ValueError("inconsistent header")
                vocab = Vocab([str(w) for w in words], np.asarray(counts, dtype=np.int64))
            except (ValueError, KeyError, TypeError, UnicodeDecodeError, OverflowError,
                    AttributeError) as e:
                raise CooccurrenceFormatError(f"{p}: bad header (byte offset {len(start)}): "
                                              f"{e}") from None
            off = len(start) + hlen
            if size != off + 16 * n:
                raise CooccurrenceFormatError(
                    f"{p}: {n} records need {off + 16 * n} bytes; the file has {size} "
                    "(truncated or lying header)")
            keep = None
            if mmap and n:
                maps = _mapped(f, ("<i4", "<i4", "<f8"), n, off)
                arrays, keep = [m.array for m in maps], maps
            else:
                arrays = []
                for dt, item in (("<i4", 4), ("<i4", 4), ("<f8", 8)):
                    f.seek(off)
                    arrays.append(np.fromfile(f, dtype=dt, count=n))
                    off += item * n
        try:
            return cls(vocab, *arrays, **meta, keep=keep)
        except ValueError as e:
            raise CooccurrenceFormatError(f"{p}: {e}") from None

    # -- Stanford's files ----------------------------------------------------
    def save_stanford(self, path, vocab_path=None) -> None:
        """Write Stanford's ``cooccurrence.bin`` (int32 word1, int32 word2, float64
        value per record, ids 1-based, both triangles, sorted) and, with
        ``vocab_path``, its ``vocab.txt`` ("word count" lines), atomically;
        Stanford's ``shuffle`` and ``glove`` read them."""
        if vocab_path is not None:
            save_stanford_vocab(self.vocab, vocab_path)
        with atomic_writer(os.fspath(path)) as f:
            for rows, cols, vals in self._full_rows():
                rec = np.empty(rows.shape[0], STANFORD_RECORD)
                rec["w1"], rec["w2"], rec["x"] = rows + 1, cols + 1, vals
                write_all(f, rec)

    def _full_rows(self):
        """Both triangles in (row, column) order, a block of rows at a time."""
        if not self.symmetric:
            for a in range(0, len(self), CHUNK):
                yield (np.asarray(self.rows[a:a + CHUNK]), np.asarray(self.cols[a:a + CHUNK]),
                       np.asarray(self.values[a:a + CHUNK]))
            return
        # lower-triangle entries of row r are the stored (c, r) with c < r: sort the
        # stored records by column once, then walk both orders row block by row block
        by_col = np.argsort(self.cols, kind="stable")
        v = len(self.vocab)
        row_ends = np.searchsorted(self.rows, np.arange(v + 1))
        col_sorted = np.asarray(self.cols)[by_col]
        col_ends = np.searchsorted(col_sorted, np.arange(v + 1))
        r0 = 0
        while r0 < v:
            r1 = r0 + 1
            while r1 < v and (row_ends[r1 + 1] - row_ends[r0]) + (col_ends[r1 + 1] -
                                                                 col_ends[r0]) < CHUNK:
                r1 += 1
            up = slice(row_ends[r0], row_ends[r1])
            lo_idx = by_col[col_ends[r0]:col_ends[r1]]
            lo_r = np.asarray(self.rows)[lo_idx]
            lo_c = np.asarray(self.cols)[lo_idx]
            keep = lo_r != lo_c
            rows = np.concatenate([np.asarray(self.rows[up]), lo_c[keep]])
            cols = np.concatenate([np.asarray(self.cols[up]), lo_r[keep]])
            vals = np.concatenate([np.asarray(self.values[up]),
                                   np.asarray(self.values)[lo_idx][keep]])
            order = np.lexsort((cols, rows))
            yield rows[order], cols[order], vals[order]
            r0 = r1

    @classmethod
    def load_stanford(cls, path, vocab_path) -> Cooccurrence:
        """Read Stanford's ``cooccurrence.bin`` (or its shuffled ``.shuf.bin``) with
        the ``vocab.txt`` its ids index.  Records are sorted, repeated pairs added;
        a symmetric matrix keeps one triangle.

        Raises
        ------
        CooccurrenceFormatError
            A size that is not a whole number of 16-byte records, an id outside
            1..V (naming the record and its byte offset), or a value that is not
            a finite positive number.
        """
        p = os.fspath(path)
        vocab = load_stanford_vocab(vocab_path)
        size = os.path.getsize(p)
        if size % STANFORD_RECORD.itemsize:
            raise CooccurrenceFormatError(
                f"{p}: {size} bytes is not a whole number of 16-byte records (truncated at "
                f"byte offset {size - size % STANFORD_RECORD.itemsize})")
        rec = np.fromfile(p, dtype=STANFORD_RECORD)
        return cls.from_records(vocab, rec["w1"].astype(np.int64) - 1,
                                rec["w2"].astype(np.int64) - 1, rec["x"], source=p,
                                one_based=True)

    @classmethod
    def from_records(cls, vocab: Vocab, rows, cols, values, *, symmetric=None,
                     source="records", one_based=False, window=None) -> Cooccurrence:
        """Counts from unsorted (row, column, value) triples (repeats are added).
        ``symmetric=None`` finds out: a matrix equal to its transpose keeps its
        upper triangle."""
        rows = np.asarray(rows)
        cols = np.asarray(cols)
        values = np.asarray(values, dtype=np.float64)
        v = len(vocab)
        base = 1 if one_based else 0
        for name, ids in (("word1", rows), ("word2", cols)):
            bad = np.flatnonzero((ids < 0) | (ids >= v))
            if bad.size:
                i = int(bad[0])
                raise CooccurrenceFormatError(
                    f"{source}: record {i} (byte offset {16 * i}) has {name} = "
                    f"{int(ids[i]) + base}, outside {base}..{v - 1 + base} (the vocabulary has "
                    f"{v} words)")
        bad = np.flatnonzero(~(np.isfinite(values) & (values > 0)))
        if bad.size:
            i = int(bad[0])
            raise CooccurrenceFormatError(
                f"{source}: record {i} (byte offset {16 * i}) has value {values[i]!r}; "
                "co-occurrence values must be finite and positive")
        key = rows.astype(np.int64) * v + cols
        if symmetric is None:
            t_key = cols.astype(np.int64) * v + rows
            order, t_order = np.argsort(key, kind="stable"), np.argsort(t_key, kind="stable")
            uk, first = np.unique(key[order], return_index=True)
            ut, t_first = np.unique(t_key[t_order], return_index=True)
            s1 = np.add.reduceat(values[order], first) if len(first) else values[:0]
            s2 = np.add.reduceat(values[t_order], t_first) if len(t_first) else values[:0]
            symmetric = bool(np.array_equal(uk, ut) and np.allclose(s1, s2, rtol=1e-12,
                                                                    atol=0))
        if symmetric:
            lo, hi = np.minimum(rows, cols), np.maximum(rows, cols)
            keep = rows <= cols
            lo, hi, values = lo[keep], hi[keep], values[keep]
            key = lo.astype(np.int64) * v + hi
        order = np.argsort(key, kind="stable")
        key = key[order]
        uk, first = np.unique(key, return_index=True)
        vals = np.add.reduceat(values[order], first) if len(first) else values[:0]
        return cls(vocab, (uk // v).astype(np.int32), (uk % v).astype(np.int32), vals,
                   symmetric=symmetric, window=window, validate=False)


def _check_records(rows, cols, values, v: int, symmetric: bool, what: str) -> None:
    n = rows.shape[0]
    if cols.shape != (n,) or values.shape != (n,) or rows.ndim != 1:
        raise ValueError(f"{what}: rows, cols and values differ in length")
    prev = -1
    for a in range(0, n, CHUNK):
        r = np.asarray(rows[a:a + CHUNK], dtype=np.int64)
        c = np.asarray(cols[a:a + CHUNK], dtype=np.int64)
        x = np.asarray(values[a:a + CHUNK])
        bad = np.flatnonzero((r < 0) | (r >= v) | (c < 0) | (c >= v)
                             | (symmetric & (r > c)) | ~(np.isfinite(x) & (x > 0)))
        if bad.size:
            i = int(bad[0])
            raise ValueError(f"{what}: record {a + i} = ({r[i]}, {c[i]}, {x[i]!r}) is not a "
                             f"valid entry for {v} words{' (upper triangle)' if symmetric else ''}")
        key = r * v + c
        if key.size and (key[0] <= prev or np.any(np.diff(key) <= 0)):
            raise ValueError(f"{what}: records are not sorted by (row, column) without repeats "
                             f"near record {a}")
        if key.size:
            prev = int(key[-1])


def save_stanford_vocab(vocab: Vocab, path) -> None:
    """Stanford's ``vocab.txt``: "word count" per line, in id order (atomically)."""
    with atomic_writer(os.fspath(path)) as f:
        for a in range(0, len(vocab), 1 << 16):
            f.write("".join(f"{w} {int(c)}\n" for w, c in zip(
                vocab.words[a:a + (1 << 16)], vocab.counts[a:a + (1 << 16)])).encode(
                    "utf-8", "surrogateescape"))


def load_stanford_vocab(path) -> Vocab:
    """Read Stanford's ``vocab.txt`` ("word count" lines; line i is id i, 1-based in
    its files).  Errors name the file and line."""
    p = os.fspath(path)
    words, counts = [], []
    with open(p, "rb") as f:
        for i, line in enumerate(f, 1):
            parts = line.rstrip(b"\r\n").split(b" ")
            try:
                if len(parts) != 2 or not parts[0]:
                    raise ValueError
                c = int(parts[1])
                if not 0 <= c < 1 << 62:
                    raise ValueError
                words.append(parts[0].decode("utf-8", "surrogateescape"))
            except (ValueError, UnicodeDecodeError):
                raise CooccurrenceFormatError(f"{p}: line {i}: expected 'word count', got "
                                              f"{line[:60]!r}") from None
            counts.append(c)
    if not words:
        raise CooccurrenceFormatError(f"{p}: empty vocabulary file")
    if len(set(words)) != len(words):
        raise CooccurrenceFormatError(f"{p}: a word is listed twice")
    return Vocab(words, np.asarray(counts, dtype=np.int64))


# -- counting -----------------------------------------------------------------

class _Runs:
    """Sorted runs of pairs (key, units): in memory until they pass ``budget`` bytes,
    then merged into one run appended to the spill file."""

    def __init__(self, budget: int, spill_dir, chunk: int = CHUNK):
        self.budget, self.spill_dir, self.chunk = budget, spill_dir, chunk
        self.mem: list = []
        self.mem_bytes = 0
        self.file = None
        self.spilled: list = []  # (start, length) in the spill file, in pairs
        self.spilled_entries = 0
        self.lock = threading.Lock()

    def add(self, pairs) -> None:
        with self.lock:
            self.mem.append(pairs)
            self.mem_bytes += pairs.nbytes
            if self.mem_bytes > self.budget:
                self._spill()

    def _open(self):
        d = self.spill_dir if self.spill_dir is not None else tempfile.gettempdir()
        try:
            self.file = tempfile.TemporaryFile(prefix="w2v-cooc-runs-", dir=d)
        except OSError as e:
            raise OSError(e.errno, f"cannot write co-occurrence spill files in {d!r} "
                                   f"(spill_dir): {e.strerror}") from None
        logger.info("co-occurrence runs pass their memory share: spilling to %s", d)

    def _spill(self) -> None:
        if self.file is None:
            self._open()
        m = _glove.Merge(len(self.mem))
        for i, run in enumerate(self.mem):
            m.window(i, run, False)
        start = self.spilled_entries
        out = np.empty(self.chunk, _glove.PAIR)
        self.file.seek(16 * start)
        while True:
            w, _ = m.step_pairs(out)
            write_all(self.file, out[:w])
            self.spilled_entries += w
            if w < out.shape[0]:
                break
        self.spilled.append((start, self.spilled_entries - start))
        self.mem, self.mem_bytes = [], 0

    def windows(self, merge, first: int, window: int) -> list:
        """Give ``merge`` the first window of each spilled run (runs ``first``...);
        returns their read positions."""
        pos = []
        for j, (start, length) in enumerate(self.spilled):
            pos.append([start, start + length])
            self.refill(merge, first + j, pos[j], window)
        return pos

    def refill(self, merge, i: int, at: list, window: int) -> None:
        n = min(window, at[1] - at[0])
        buf = np.empty(n, _glove.PAIR)
        self.file.seek(16 * at[0])
        got = self.file.readinto(memoryview(buf).cast("B"))
        if got != 16 * n:
            raise OSError(f"co-occurrence spill file ended early ({got} of {16 * n} bytes)")
        at[0] += n
        merge.window(i, buf, at[0] < at[1])


def _dense_product(v: int, window: int, symmetric: bool, weighting: bool, scale: int,
                   entries: int) -> int:
    """The largest max_product whose dense block holds at most ``entries`` entries."""
    lo, hi = 0, v * v + 1
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _glove.Layout(v, window, symmetric, weighting, scale, mid).dense_size <= entries:
            lo = mid
        else:
            hi = mid
    return lo


def count(corpus, *, window: int = 15, min_count: int = 5, symmetric: bool = True,
          distance_weighting: bool = True, threads=None, memory=DEFAULT_MEMORY, vocab=None,
          max_vocab=None, max_vocab_size=None, max_token_bytes=MAX_TOKEN_BYTES,
          spill_dir=None, progress=None) -> Cooccurrence:
    """Count GloVe's co-occurrences with Stanford ``cooccur``'s semantics.

    Words under ``min_count`` are removed before windowing; a line ends every
    window; a pair at distance d adds 1/d (or 1 without ``distance_weighting``);
    symmetric counting adds each pair both ways (a word next to itself adds
    2/d).  The counts are exact (see the module) and the same for any number of
    threads.

    Parameters
    ----------
    corpus : path, list of pathlib.Path, "-", iterable of token lists, or Corpus
        As for :func:`word2vec_fast.train`.
    window : int
        Context words on each side (Stanford's ``-window-size``, default 15).
    min_count : int
        Words rarer than this are dropped first (Stanford's ``vocab_count -min-count``).
    symmetric : bool
        Both directions (default), or left contexts only (``-symmetric 0``).
    distance_weighting : bool
        Weight 1/d (default) or 1 (``-distance-weighting 0``).
    threads : int, optional
        Counting threads (default: all cores).
    memory : float
        Budget in GiB (Stanford's ``-memory``, default 4.0) for the dense blocks,
        the sorted runs and the records; past it runs and records go to
        temporary files in ``spill_dir``.
    vocab : Vocab, optional
        Count with this vocabulary instead of building one.
    max_vocab : int, optional
        Keep at most this many most frequent words (Stanford's ``-max-vocab``).
    max_vocab_size, max_token_bytes
        As for :func:`word2vec_fast.train`.
    spill_dir : path, optional
        Where spill files go (default: the system's temporary directory).
    progress : bool, optional
        A progress bar (default: when stderr is a terminal).

    Returns
    -------
    Cooccurrence

    Raises
    ------
    ValueError
        A bad parameter (named), or an empty vocabulary.
    OSError
        The spill directory cannot be written (named).
    """
    window = check_int("window", window, 1)
    if window > _glove.MAX_WINDOW:
        raise ValueError(f"window must be <= {_glove.MAX_WINDOW}, got {window}")
    min_count = check_int("min_count", min_count, 1)
    threads = check_threads(threads)
    budget = check_memory(memory)
    if spill_dir is not None:
        spill_dir = os.fspath(spill_dir)
        if not os.path.isdir(spill_dir):
            raise FileNotFoundError(f"spill_dir {spill_dir!r} is not a directory")
    if max_vocab is not None:
        max_vocab = check_int("max_vocab", max_vocab, 1)
    enc = corpus if isinstance(corpus, Corpus) else as_corpus(
        corpus, vocab, min_count, max_vocab, max_vocab_size=max_vocab_size,
        max_token_bytes=max_token_bytes, spill_bytes=budget // 4, spill_dir=spill_dir)
    return count_ids(enc, window=window, symmetric=symmetric,
                     distance_weighting=distance_weighting, threads=threads, budget=budget,
                     spill_dir=spill_dir, progress=progress)


def count_ids(enc: Corpus, *, window: int, symmetric: bool, distance_weighting: bool,
              threads: int, budget: int, spill_dir=None, progress=None) -> Cooccurrence:
    """:func:`count` on an encoded corpus (parameters checked)."""
    v = len(enc.vocab)
    if v == 0:
        raise ValueError("empty vocabulary: nothing to count")
    symmetric, weighting = bool(symmetric), bool(distance_weighting)
    max_count = int(np.max(enc.vocab.counts)) if v else 1
    scale = _glove.scale(window, weighting, max(max_count, len(enc)))
    if scale < 1:
        raise ValueError("the corpus is too large for exact co-occurrence counts")
    # the threads' dense blocks: a quarter of the budget, at most 2^24 entries (128 MiB)
    # each (larger ones were slower on wiki1e8: more of them misses the caches), and no
    # larger than a quarter of the pairs a thread will count
    per_dense = min(budget // 4 // (8 * threads), DENSE_MAX,
                    max(1 << 16, len(enc) * window // (4 * threads)))
    product = _dense_product(v, window, symmetric, weighting, scale, per_dense)
    layout = _glove.Layout(v, window, symmetric, weighting, scale, product)
    cap = int(min(max(budget // 16 // (32 * threads), 4 * window, 1 << 12), 1 << 22))
    runs = _Runs(max(budget // 4, 1 << 12), spill_dir, chunk_for(budget))
    n = len(enc)
    bounds = [n * i // threads for i in range(threads + 1)]
    done = [0] * threads
    stop = threading.Event()
    denses = [None] * threads
    pairs = [0] * threads
    max_key = layout.max_key
    logger.info("counting co-occurrences of %d tokens, vocabulary %d, window %d%s on %d "
                "threads: dense block of %d entries per thread (max product %d), memory %.2f GiB",
                n, v, window, "" if symmetric else " (left contexts)", threads,
                layout.dense_size, product, budget / GIB)

    def work(i):
        dense = np.zeros(layout.dense_size, np.int64)
        denses[i] = dense
        buf = np.empty(cap, _glove.PAIR)
        tmp = np.empty(cap, _glove.PAIR)
        pos, hi, used = bounds[i], bounds[i + 1], 0
        while pos < hi and not stop.is_set():
            pos, used, p = layout.count(enc.ids, enc.offsets, pos, min(hi, pos + COUNT_STEP),
                                        dense, buf, used)
            if enc.mapped:  # give back the ids behind this thread's windows
                enc.maps[0].release(bounds[i], pos - window)
            pairs[i] += p
            done[i] = pos - bounds[i]
            if used + window > cap or (pos >= hi and used):
                k = _glove.sort_fold(buf, used, max_key, tmp)
                runs.add(buf[:k].copy())
                used = 0

    bar = _progress_bar(progress, n, "counting")
    _run_watched(threads, work, stop, lambda: sum(done), bar)
    total = denses[0]
    for d in denses[1:]:
        _glove.add_dense(total, d)
    denses = None
    if runs.spilled and runs.mem:
        with runs.lock:
            runs._spill()
    return _final_merge(enc, layout, total, runs, budget, window=window, symmetric=symmetric,
                        weighting=weighting, pairs=sum(pairs), spill_dir=spill_dir,
                        threads=threads)


def _row_split(layout, dense, runs: list, parts: int):
    """Rows splitting the merge's output into ``parts`` ranges of about equal size, and
    each range's bound on its output (its runs' entries plus its dense nonzeros)."""
    v, shift = layout.n_words, layout.shift
    nz = dense != 0
    rs = layout.row_starts()
    dense_cum = np.concatenate([[0], np.cumsum(np.add.reduceat(nz, rs[:-1]) if rs.shape[0] > 1
                                                and rs[-1] > 0 else np.zeros(0, np.int64))])

    def before(r):  # output entries (at most) in rows < r
        d = int(dense_cum[min(r, dense_cum.shape[0] - 1)])
        return d + sum(int(np.searchsorted(run["key"], np.uint64(r) << np.uint64(shift)))
                       for run in runs)

    total = before(v)
    cuts = [0]
    for t in range(1, parts):
        goal, lo, hi = total * t // parts, cuts[-1], v
        while lo < hi:
            mid = (lo + hi) // 2
            if before(mid) < goal:
                lo = mid + 1
            else:
                hi = mid
        cuts.append(lo)
    cuts.append(v)
    return cuts, [before(r) for r in cuts]


def _merge_parallel(layout, dense, runs: list, threads: int):
    """The final merge of in-memory runs on ``threads`` threads, a range of rows each,
    into one set of arrays (each range written at its bound, then moved down)."""
    cuts, starts = _row_split(layout, dense, runs, threads)
    bound = starts[-1]
    out = (np.empty(bound, np.int32), np.empty(bound, np.int32), np.empty(bound, np.float64))
    written = [0] * threads
    shift = np.uint64(layout.shift)

    def work(t, _):
        lo_key, hi_key = np.uint64(cuts[t]) << shift, np.uint64(cuts[t + 1]) << shift
        m = _glove.Merge(len(runs), layout, dense)
        for i, run in enumerate(runs):
            a, b = np.searchsorted(run["key"], [lo_key, hi_key])
            m.window(i, run[a:b], False)
        m.rows(cuts[t], cuts[t + 1])
        a, b = starts[t], starts[t + 1]
        if b > a:
            w, need = m.step_records(out[0][a:b], out[1][a:b], out[2][a:b])
            assert need < 0 and w <= b - a
            written[t] = w

    run_threads(threads, work, range(threads), name="word2vec_fast-merge")
    at = 0
    for t in range(threads):
        for arr in out:
            _glove.move(arr, at, starts[t], written[t])
        at += written[t]
    return out[0][:at], out[1][:at], out[2][:at]


def _final_merge(enc, layout, dense, runs: _Runs, budget, *, window, symmetric, weighting,
                 pairs, spill_dir, threads) -> Cooccurrence:
    bound = sum(run.shape[0] for run in runs.mem) + runs.spilled_entries + int(
        np.count_nonzero(dense))
    if threads > 1 and not runs.spilled and 16 * bound <= budget // 2:
        rows, cols, values = _merge_parallel(layout, dense, runs.mem, threads)
        runs.mem = []
        logger.info("co-occurrence: %d pairs counted, %d records", pairs, rows.shape[0])
        return Cooccurrence(enc.vocab, rows, cols, values, symmetric=symmetric, window=window,
                            distance_weighting=weighting, tokens=len(enc), validate=False)
    k = len(runs.mem) + len(runs.spilled)
    merge = _glove.Merge(k, layout, dense)
    for i, run in enumerate(runs.mem):
        merge.window(i, run, False)
    chunk = chunk_for(budget)
    window_entries = max(1 << 10, min(chunk, budget // 8 // 16 // max(len(runs.spilled), 1)))
    at = runs.windows(merge, len(runs.mem), window_entries) if runs.spilled else []
    files = None
    if runs.spilled or 16 * bound > budget // 2:
        d = spill_dir if spill_dir is not None else tempfile.gettempdir()
        try:
            files = [tempfile.TemporaryFile(prefix=f"w2v-cooc-{x}-", dir=d)
                     for x in ("rows", "cols", "values")]
        except OSError as e:
            raise OSError(e.errno, f"cannot write the co-occurrence records' files in {d!r} "
                                   f"(spill_dir): {e.strerror}") from None
        out = (np.empty(chunk, np.int32), np.empty(chunk, np.int32), np.empty(chunk, np.float64))
    else:
        out = (np.empty(bound, np.int32), np.empty(bound, np.int32), np.empty(bound, np.float64))
    total = 0
    while True:
        o = total if files is None else 0
        cap = out[0].shape[0] - o
        if cap == 0:  # only at the very end of an exactly full bound
            break
        w, need = merge.step_records(out[0][o:], out[1][o:], out[2][o:])
        if files is not None:
            for f, a in zip(files, out):
                write_all(f, a[:w])
        total += w
        if need >= 0:
            runs.refill(merge, need, at[need - len(runs.mem)], window_entries)
        elif w < cap:
            break
    runs.mem = []
    if files is None:
        rows, cols, values = out[0][:total], out[1][:total], out[2][:total]
    else:
        maps = []
        for f, dt in zip(files, (np.int32, np.int32, np.float64)):
            f.flush()
            maps += _mapped(f, (dt,), total)
        rows, cols, values = (m.array if m is not None else np.zeros(0, dt)
                              for m, dt in zip(maps, (np.int32, np.int32, np.float64)))
    logger.info("co-occurrence: %d pairs counted, %d records%s", pairs, total,
                f" ({len(runs.spilled)} runs spilled)" if runs.spilled else "")
    return Cooccurrence(enc.vocab, rows, cols, values, symmetric=symmetric, window=window,
                        distance_weighting=weighting, tokens=len(enc), validate=False,
                        keep=(files, runs.file, *(m for m in maps if m is not None))
                        if files is not None else None)


def _run_watched(threads: int, work, stop, done, bar) -> None:
    """Run ``work(i)`` on ``threads`` threads; the calling thread updates ``bar`` from
    ``done()`` and turns Ctrl-C into ``stop`` (then re-raises once all have stopped)."""
    errors = []

    def run(i):
        try:
            work(i)
        except BaseException as e:  # noqa: BLE001 - handed to the caller below
            errors.append(e)
            stop.set()

    workers = [threading.Thread(target=run, args=(i,), name=f"word2vec_fast-glove-{i}",
                                daemon=True) for i in range(threads)]
    shown = 0
    try:
        for w in workers:
            w.start()
        while any(w.is_alive() for w in workers):
            workers[0].join(0.1) if workers[0].is_alive() else \
                next(w for w in workers if w.is_alive()).join(0.1)
            if bar is not None:
                d = done()
                bar.update(d - shown)
                shown = d
    except KeyboardInterrupt:
        stop.set()
        for w in workers:
            if w.ident is not None:
                w.join()
        raise
    finally:
        if bar is not None:
            bar.update(max(0, done() - shown))
            bar.close()
    if errors:
        raise errors[0]

