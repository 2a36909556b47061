"""Shard planning: which bytes of the corpus each worker reads.

A corpus (a file, a directory, a list of files) is cut into shards: one per
file, or, for a plain (uncompressed) file, byte ranges cut at whitespace.  A
range ``[start, end)`` of nominal offsets reads from just after the first
whitespace byte at or after ``start`` (from 0 for the first range) to just
after the first whitespace byte at or after ``end`` (the file's end for the
last range).  Consecutive ranges share their cut point, so no token is lost or
read twice, whatever the nominal offsets; a range with no whitespace in it
collapses to nothing and its bytes go to the range before.  Compressed files
are never split (their byte offsets are not the text's).

A path with a protocol (``s3://bucket/corpus/``, ``gs://...``, ``hdfs://...``,
``file://...``) is opened with ``fsspec`` (which Dask installs; the protocol's
own package too, e.g. ``s3fs``), a folder there read as a local one is: its
files in name order, hidden ones skipped.
"""
from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

from ..compression import DECOMPRESS_ERRORS, compression_of, detect, open_read, wrap_reader
from ..scan import BLOCK_BYTES, text_sources

try:
    import fsspec
except ImportError:  # URLs need it; local paths do not
    fsspec = None

#: The bytes the C scanner separates tokens at (``csrc/w2v_scan.c``'s ``SEP``).
WHITESPACE = b" \t\n\v\f\r"
#: Bytes read at a time while looking for the whitespace after a nominal offset.
_PROBE_BYTES = 1 << 16


@dataclass(frozen=True)
class Shard:
    """A piece of the corpus: a whole file (``start=0, end=None``) or a byte range of a
    plain file (``end`` exclusive), with offsets already cut at whitespace."""

    path: str
    start: int = 0
    end: int | None = None

    @property
    def whole(self) -> bool:
        """True when the shard is a whole file."""
        return self.start == 0 and self.end is None

    def __str__(self) -> str:
        return self.path if self.whole else f"{self.path}[{self.start}:{self.end}]"


def cut_point(f, offset: int, size: int) -> int:
    """Where a range whose nominal edge is ``offset`` really starts or ends.

    Parameters
    ----------
    f : binary file
        The plain file, open for reading (its position is moved).
    offset : int
        The nominal offset, in ``[0, size]``.
    size : int
        The file's size in bytes.

    Returns
    -------
    int
        0 for offset 0; otherwise one past the first whitespace byte at or
        after ``offset``, or ``size`` when there is none.
    """
    if offset <= 0:
        return 0
    pos = offset
    while pos < size:
        f.seek(pos)
        block = f.read(_PROBE_BYTES)
        if not block:
            break
        hits = [i for i in (block.find(bytes([c])) for c in WHITESPACE) if i >= 0]
        if hits:
            return pos + min(hits) + 1
        pos += len(block)
    return size


def is_url(path) -> bool:
    """True for a path with a protocol (``s3://...``), which :mod:`fsspec` opens."""
    return isinstance(path, str) and "://" in path


def _fs(url: str):
    if fsspec is None:
        raise ImportError(f"{url}: reading a URL needs fsspec: pip install fsspec (and the "
                          "package of its protocol, e.g. s3fs)")
    return fsspec.core.url_to_fs(url)


def url_sources(url: str) -> list[str]:
    """The files of ``url`` (a file, or a folder's files in name order, hidden skipped)."""
    fs, path = _fs(url)
    if fs.isdir(path):
        files = sorted(f for f in fs.find(path)
                       if not any(part.startswith(".") for part in
                                  f[len(path.rstrip("/")):].split("/")))
        if not files:
            raise ValueError(f"{url}: directory has no files to read")
        return [fs.unstrip_protocol(f) for f in files]
    if not fs.exists(path):
        raise FileNotFoundError(f"corpus file not found: {url}")
    return [url]


def _open_raw(path: str):
    """The file ``path`` (local or URL) opened for binary reading, undecompressed."""
    if is_url(path):
        fs, p = _fs(path)
        if not fs.exists(p):
            raise FileNotFoundError(f"{path}: no such file")
        return fs.open(p, "rb")
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such file")
    return open(path, "rb")


def _size(path: str) -> int:
    if is_url(path):
        fs, p = _fs(path)
        return fs.size(p)
    return os.path.getsize(path)


def _compression(path: str):
    if is_url(path):
        with _open_raw(path) as f:
            return detect(path, f.read(6))
    return compression_of(path)


def split_file(path: str, n: int) -> list[Shard]:
    """Cut the plain file ``path`` into at most ``n`` non-empty byte ranges at whitespace.

    Parameters
    ----------
    path : str
        An uncompressed text file.
    n : int
        Ranges wanted (>= 1); fewer come back when the file has too few
        whitespace bytes (a file with none is one range).

    Returns
    -------
    list of Shard
        Non-empty ranges in file order covering every byte of the file.
    """
    size = _size(path)
    if n <= 1 or size == 0:
        return [Shard(path)]
    with _open_raw(path) as f:
        cuts = [cut_point(f, size * k // n, size) for k in range(n)] + [size]
    shards = [Shard(path, a, b) for a, b in zip(cuts[:-1], cuts[1:]) if b > a]
    if len(shards) == 1:
        return [Shard(path)]
    return shards


def _is_plain(path: str) -> bool:
    return path != "-" and _compression(path) is None


def plan_shards(corpus, n: int) -> list[Shard]:
    """Shards of a text corpus, in corpus order, for ``n`` workers.

    Parameters
    ----------
    corpus : path, URL, list of them, or directory
        As :func:`word2vec_fast.train` reads text (standard input is refused);
        URLs (``s3://...``) through fsspec.
    n : int
        Workers the shards are for.  With fewer files than workers, each
        plain file is split into ``ceil(n / files)`` byte ranges cut at
        whitespace; compressed files are never split.

    Returns
    -------
    list of Shard
        One per file or byte range, in the order ``train()`` reads them.

    Raises
    ------
    FileNotFoundError
        A file is missing.
    ValueError
        ``corpus`` is not text on disk, or standard input.
    """
    if isinstance(corpus, (list, tuple)) and corpus and all(
            isinstance(p, (str, bytes, os.PathLike)) for p in corpus):
        sources = []
        for p in corpus:
            sources += url_sources(p) if is_url(p) else text_sources(p)
    else:
        sources = url_sources(corpus) if is_url(corpus) else text_sources(corpus)
    if sources is None:
        raise ValueError("a distributed corpus must be text on disk: a file, a directory or a "
                         f"list of files, got {type(corpus).__name__}")
    if "-" in sources:
        raise ValueError("standard input cannot be split among workers: pass files")
    per_file = -(-n // len(sources)) if len(sources) < n else 1
    shards: list[Shard] = []
    for p in sources:
        shards += split_file(p, per_file) if per_file > 1 and _is_plain(p) else [Shard(p)]
    return shards


def assign(shards: list[Shard], n: int) -> list[list[Shard]]:
    """Share consecutive shards among ``n`` workers, balancing their bytes.

    Parameters
    ----------
    shards : list of Shard
        In corpus order.
    n : int
        Workers.

    Returns
    -------
    list of list of Shard
        Worker ``i``'s shards, consecutive in corpus order (so the workers'
        concatenation is the corpus).

    Raises
    ------
    ValueError
        Fewer shards than workers: the corpus is too small to split ``n`` ways.
    """
    if len(shards) < n:
        raise ValueError(f"the corpus splits into only {len(shards)} shard(s), fewer than the "
                         f"{n} workers: use fewer workers or more files")
    sizes = [shard_bytes(s) for s in shards]
    total = sum(sizes) or 1
    mids, before = [], 0
    for b in sizes:
        mids.append(before + b / 2)
        before += b
    starts = [0]
    for k in range(1, n):
        s = sum(m < total * k / n for m in mids)
        starts.append(min(max(s, starts[-1] + 1), len(shards) - (n - k)))
    starts.append(len(shards))
    return [list(shards[a:b]) for a, b in zip(starts[:-1], starts[1:])]


def shard_bytes(shard: Shard) -> int:
    """Bytes of the shard on disk (of the compressed file for a compressed one)."""
    if shard.whole:
        return _size(shard.path)
    return shard.end - shard.start


def read_blocks(shard: Shard, buf: bytearray):
    """Yield how many bytes of ``buf`` each read of the shard's text filled.

    Whole files are decompressed by content as every reader of the package
    does; byte ranges are read from the plain file.  Errors name the file.
    """
    view = memoryview(buf)
    if shard.whole:
        try:
            with _open_whole(shard.path) as f:
                while True:
                    n = f.readinto(view)
                    if not n:
                        return
                    yield n
        except DECOMPRESS_ERRORS as e:
            if isinstance(e, (FileNotFoundError, IsADirectoryError, PermissionError)):
                raise
            raise ValueError(f"{shard.path}: cannot read: {e}") from e
    with _open_raw(shard.path) as f:
        f.seek(shard.start)
        left = shard.end - shard.start
        while left > 0:
            n = f.readinto(view[:min(left, len(buf))])
            if not n:
                raise ValueError(f"{shard}: the file is shorter than the planned range")
            left -= n
            yield n


@contextlib.contextmanager
def _open_whole(path: str):
    """A whole file, decompressed by content (a URL's through fsspec)."""
    if not is_url(path):
        with open_read(path) as f:
            yield f
        return
    with _open_raw(path) as raw:
        comp = detect(path, raw.read(6))
        raw.seek(0)
        with wrap_reader(raw, comp) as f:
            yield f


def feed(scanner, shards: list[Shard]) -> None:
    """Feed the shards' text, in order, to a ``_scan.Scanner`` (each shard ends a source)."""
    buf = bytearray(BLOCK_BYTES)
    for s in shards:
        for n in read_blocks(s, buf):
            scanner.feed(buf, n)
        scanner.end_source()
