"""Counting words and adjacent pairs of a corpus in C, one shard per thread.

Text is read in blocks (decompressed by content, as every reader does) and
each block is cut after its last newline -- or, inside a very long line, after
its last whitespace, the next block then carrying its context (the words from
the last non-connector one) -- and handed to the counters in turn.  Each
thread counts its blocks with the GIL released; the shards are then merged,
which gives the counts one counter would have found.  Token lists are counted
by one counter, sentence by sentence.
"""
from __future__ import annotations

import collections
import concurrent.futures as cf
import contextlib
import itertools
import mmap
import os
import queue
import threading

import numpy as np

from . import _phrases
from ._atomic import atomic_open
from .compression import compression_of, read_errors, wrap_writer
from .scan import open_text

#: Bytes read at a time.
BLOCK_BYTES = 1 << 22
#: Sentences handed to C per call for token lists.
SENTENCE_BATCH = 1024
_SEPARATORS = (b" ", b"\t", b"\r", b"\v", b"\f")
_NO_CONNECTORS = _phrases.Connectors([])


def raw_blocks(sources):
    """Yield the bytes of each text source in pieces (a new ``bytearray`` each, the
    caller's to keep or to grow), and ``None`` after each source."""
    for src in sources:
        with open_text(src) as f:
            while True:
                buf = bytearray(BLOCK_BYTES)
                n = f.readinto(buf)
                if not n:
                    break
                if n < len(buf):
                    del buf[n:]
                yield buf
        yield None


def _last_of(data, seps, lo: int, hi: int | None = None) -> int:
    """The last offset in [lo, hi) of any of ``seps`` in ``data``, or -1."""
    hi = len(data) if hi is None else hi
    return max(data.rfind(s, lo, hi) for s in seps)


def cut_blocks(pieces, conn, max_token: int, cross_lines: bool):
    """``(lead, block, end)`` from the pieces of :func:`raw_blocks` (or any stream of
    bytes-like pieces with ``None`` at source ends).

    Each block (bytes-like: a view of a buffer nothing writes to again) ends at a
    separator or at its source's end (``end`` true) and is counted whole; ``lead``
    (bytes) is the context the block continues (empty at a sentence start, or with
    ``cross_lines`` at a source start).  Text is copied once, to join a block's
    remainder to the next piece.
    """
    block_bytes = BLOCK_BYTES
    data = bytearray()
    lead = b""
    seps = _SEPARATORS + ((b"\n",) if cross_lines else ())
    for piece in pieces:
        if piece is None:
            yield lead, data, True
            data = bytearray()
            lead = b""
            continue
        if data:
            data += piece
        else:
            data = piece if type(piece) is bytearray else bytearray(piece)
        n = len(data)
        if n < block_bytes:
            continue
        # a newline late enough (searched in the second half only); else a cut inside
        # the line, at the last whitespace (searched near the end first); else at an
        # early newline; else the data is one token
        at_newline = not cross_lines
        cut = data.rfind(b"\n", n // 2) + 1 if at_newline else 0
        if cut == 0:
            at_newline = False
            cut = _last_of(data, seps, max(0, n - (1 << 16))) + 1
            if cut == 0:
                cut = _last_of(data, seps, 0) + 1
            if cut == 0 and not cross_lines:
                cut = data.rfind(b"\n") + 1
                at_newline = True
            if cut == 0:
                if n > max_token + 1:
                    # only the token's first max_token + 1 bytes matter
                    del data[max_token + 1:]
                continue
        block = memoryview(data)[:cut]
        if at_newline:
            next_lead = b""
        else:
            start = _phrases.lead_start(block, cut, conn, max_token, cross_lines)
            # 0: no word of the block starts the context (only separators, or only
            # connectors) or its first word does: either way it begins in the lead
            next_lead = lead + bytes(block) if start == 0 else bytes(block[start:])
        rest = data[cut:]
        yield lead, block, False
        data = rest
        lead = next_lead


def _run_threads(threads, fn, items):
    """Call ``fn(i, item)`` for each item, item ``k`` on thread ``k % threads`` (in order
    on each thread); the first error is raised once every thread has stopped."""
    if threads == 1:
        for item in items:
            fn(0, item)
        return
    queues = [queue.Queue(maxsize=2) for _ in range(threads)]
    errors = []

    def work(i):
        q = queues[i]
        while True:
            item = q.get()
            if item is None:
                return
            if not errors:
                try:
                    fn(i, item)
                except BaseException as e:  # kept for the caller; keep draining the queue
                    errors.append(e)

    workers = [threading.Thread(target=work, args=(i,), name=f"word2vec_fast-phrases-{i}",
                                daemon=True) for i in range(threads)]
    for w in workers:
        w.start()
    try:
        for k, item in enumerate(items):
            if errors:
                break
            queues[k % threads].put(item)
    finally:
        for q in queues:
            q.put(None)
        for w in workers:
            w.join()
    if errors:
        raise errors[0]


def _count_blocks(counters, blocks):
    """Count the ``(lead, block, end)`` items, item ``k`` by ``counters[k % len]``, each
    counter on its own thread."""
    _run_threads(len(counters), lambda i, item: counters[i].block(item[0], len(item[0]),
                                                                   item[1], len(item[1])),
                 blocks)


def count_text(make_pieces, *, threads: int, max_token: int, max_size: int, conn, cross_lines,
               read_once: bool = False):
    """The merged counts of the text ``make_pieces()`` yields (see :func:`cut_blocks`): a
    :class:`_phrases.Shard` when there are no connector words and no ``max_size`` (pairs
    keyed by word hashes, merged part by part on all threads), else a
    :class:`_phrases.Counter`.  ``read_once``: the text cannot be read twice (stdin),
    which rules out the Shard (on a hash collision it counts again)."""
    if not conn.words and not max_size and not read_once:
        try:
            return _count_shards(make_pieces(), threads, max_token, cross_lines)
        except _phrases.HashCollision:
            pass  # about n**2 / 2**65 for n distinct words: count again, by table ids
    counters = [_phrases.Counter(max_token, max_size, conn, cross_lines)
                for _ in range(threads)]
    _count_blocks(counters, cut_blocks(make_pieces(), conn, max_token, cross_lines))
    for c in counters[1:]:
        counters[0].merge(c)
    return counters[0]


def score_pairs(counter, threads: int, scoring, min_count, threshold, train_words):
    """``counter.score(...)``, a :class:`_phrases.Shard`'s parts scored on ``threads``
    threads (the arrays in part order, as one call gives them)."""
    if not isinstance(counter, _phrases.Shard) or threads == 1:
        return counter.score(scoring, min_count, threshold, train_words)
    parts = _phrases.PARTS
    ranges = [(parts * i // threads, parts * (i + 1) // threads) for i in range(threads)]
    out = [None] * threads

    def score(_, k):
        out[k] = counter.score_parts(scoring, min_count, threshold, train_words, *ranges[k])
    _run_threads(threads, score, range(threads))
    a, b, count, s = (np.concatenate(x) for x in zip(*out))
    return a, b, np.zeros(len(a), np.uint32), count, s


def _count_shards(pieces, threads, max_token, cross_lines):
    shards = [_phrases.Shard(max_token, cross_lines) for _ in range(threads)]
    _count_blocks(shards, cut_blocks(pieces, _NO_CONNECTORS, max_token, cross_lines))
    first = shards[0]
    for k in range(1, threads):
        first.merge_words(shards[k])
    parts = _phrases.PARTS
    ranges = [(parts * i // threads, parts * (i + 1) // threads) for i in range(threads)]

    def merge(_, r):
        for k in range(1, threads):
            first.merge_parts(shards[k], *r)
    if threads > 1:
        _run_threads(threads, merge, ranges)
    shards.clear()  # the other shards' tables go now
    first.finish()
    return first


# 8-byte pair keys in count_held even where 4 would do: for tests, which have too
# few words to need them
WIDE_PAIR_KEYS = False


def hold_limit() -> int:
    """Token ids the held path may keep (:func:`count_held`): a 64th of the physical
    memory in ids (it needs about 20 bytes a token at its peak), 2**31 at most."""
    try:
        phys = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        phys = 8 << 30
    return max(1 << 20, min(phys // 64, (1 << 31) - 1))


def held_blocks(sources, max_token: int, cross_lines: bool):
    """``make_pieces`` for :func:`count_held`: blocks ``(block, end)`` of ``sources`` that
    end at a separator or at their source's end (``end`` true).  An uncompressed
    regular file is memory-mapped and cut in place (its text never copied); others
    are read as :func:`cut_blocks` reads them.  The maps go into the list the
    function is given, for the caller to close once every block is done with."""
    def blocks(maps):
        for src in sources:
            mapped = _mapped(src)
            if mapped is None:
                for _, block, end in cut_blocks(raw_blocks([src]), _NO_CONNECTORS, max_token,
                                                cross_lines):
                    yield block, end
                continue
            maps.append(mapped)
            yield from _cut_mapped(mapped)
    return blocks


def _mapped(src):
    """``src`` memory-mapped if it is a non-empty regular file with no compression, else
    None (then it is read)."""
    if src == "-" or not os.path.isfile(src) or compression_of(src) is not None:
        return None
    with read_errors(src), open(src, "rb") as f:
        if os.fstat(f.fileno()).st_size == 0:
            return None
        try:
            return mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):  # a file system that cannot map: read it
            return None


def _cut_mapped(m):
    """Blocks of about BLOCK_BYTES of the map, each cut after its last separator (a
    token longer than a block runs on to its end)."""
    n, pos, view = len(m), 0, memoryview(m)
    seps = _SEPARATORS + (b"\n",)
    while pos < n:
        end = min(pos + BLOCK_BYTES, n)
        if end < n:
            cut = _last_of(m, seps, max(pos, end - (1 << 16)), end) + 1
            if cut <= pos:
                cut = _last_of(m, seps, pos, end) + 1
            if cut <= pos:
                nxt = [i for i in (m.find(x, end) for x in seps) if i >= 0]
                cut = min(nxt) + 1 if nxt else n
            end = cut
        yield view[pos:end], end == n
        pos = end


def count_held(make_pieces, *, threads: int, max_token: int, cross_lines: bool, scoring,
               min_count, threshold, max_ids: int | None = None):
    """Count the blocks ``make_pieces(maps)`` yields (:func:`held_blocks`) keeping their
    token ids (no connector words, no pruning): ``(held, (a, b, run, count, score))``, the pairs that pass,
    or None when the text has more than ``max_ids`` tokens (:func:`hold_limit`;
    nothing is kept then).

    Each thread scans its blocks into its own table; the tables merge into one
    numbering; each thread then keeps only the pairs that may pass (given the word
    counts), sorts and counts them; the sorted counts are merged and scored in key
    ranges on all threads.  ``held`` rewrites the same ids (:func:`rewrite_held`).
    """
    held = _phrases.Held(threads, max_token, cross_lines,
                         hold_limit() if max_ids is None else max_ids)
    fits = [True]

    def scan(i, item):
        k, (block, end) = item
        if fits[0] and not held.scan(i, k, block, end):
            fits[0] = False
    maps = []
    try:
        _run_threads(threads, scan, enumerate(make_pieces(maps)))
    finally:
        for m in maps:
            with contextlib.suppress(BufferError):  # a view still held: closed when freed
                m.close()
    if not fits[0]:
        return None
    held.merge_words()
    _run_threads(threads, lambda _, i: held.remap(i), range(threads))
    prevs = held.prepare_pairs(scoring, min_count, threshold, held.stats["tokens"],
                               wide_keys=WIDE_PAIR_KEYS)
    _run_threads(threads, lambda _, i: held.count_pairs(i, prevs), range(threads))
    out = [None] * threads

    def score(_, j):
        out[j] = held.score_range(j, threads)
    _run_threads(threads, score, range(threads))
    held.drop_pairs()
    a, b, count, sc = (np.concatenate(x) for x in zip(*out))
    return held, (a, b, np.zeros(len(a), np.uint32), count, sc)


def write_text(blocks, path) -> None:
    """Write the pieces (``None`` at source ends is skipped) to ``path``, atomically,
    compressed by its suffix."""
    with atomic_open(path) as raw:
        f = wrap_writer(raw, path)
        try:
            for block in blocks:
                if block:
                    f.write(block)
        finally:
            if f is not raw:
                f.close()


def write_held(held, a, b, delimiter: bytes, threads: int, path) -> None:
    """Write what :func:`rewrite_held` gives to ``path`` (atomically, compressed by its
    suffix)."""
    write_text(rewrite_held(held, a, b, delimiter, threads), path)


def rewrite_held(held, a, b, delimiter: bytes, threads: int):
    """The text ``held`` counted, rewritten with the phrases ``(a[k], b[k])`` (its
    ids): pieces in order, ``None`` after each source (as :func:`raw_blocks`)."""
    held.set_phrases(a, b, delimiter)
    states = held.start_states()
    ends = [held.blocks[k][4] for k in range(len(states))]

    def one(k):
        return held.rewrite(k, *states[k])
    if threads == 1:
        results = map(one, range(len(states)))
    else:
        ex = cf.ThreadPoolExecutor(threads, thread_name_prefix="word2vec_fast-rewrite")
        results = _ordered(ex, one, len(states), 2 * threads)
    for k, data in enumerate(results):
        if data:
            yield data
        if ends[k]:
            yield None


def _ordered(ex, fn, n, ahead):
    """``fn(0), fn(1), ...`` run on ``ex``, at most ``ahead`` waiting, in order."""
    with ex:
        pending = collections.deque()
        try:
            for k in range(n):
                pending.append(ex.submit(fn, k))
                if len(pending) > ahead:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for f in pending:
                f.cancel()


def count_sentences(corpus, *, max_token: int, max_size: int, conn, cross_lines):
    """A :class:`_phrases.Counter` of an iterable of token lists."""
    c = _phrases.Counter(max_token, max_size, conn, cross_lines)
    it = iter(corpus)
    i = 0
    while True:
        batch = list(itertools.islice(it, SENTENCE_BATCH))
        if not batch:
            return c
        i = c.feed_sentences(batch, i)
