"""Counting words and adjacent pairs of a corpus in C, on every thread.

Two engines (``csrc/w2v_phrases.h`` and ``csrc/w2v_held.h``), three ways in:

* **token ids** (:func:`count_ids`, the fast path: text without connector words or
  ``max_vocab_size``): each thread scans its blocks of the text into token ids,
  kept in memory up to a share of it and spilled to a temporary file past that;
  the pairs that may pass the scorer are counted by sorting, and the same ids are
  rewritten later without reading the text again;
* **text counters** (:func:`count_text`: connector words, pruning): each thread's
  counter tables the pairs of its blocks, each block after its context (the words
  from the last non-connector one), and the counters are merged;
* **token lists** (:func:`count_sentences`): one counter, sentence by sentence.

Text is read in blocks (decompressed by content, as every reader does), each cut
after its last newline or, inside a very long line, after its last whitespace.
Every way gives the counts one counter over the whole text would find.
:func:`counting_path` is the one place that chooses among them.
"""
from __future__ import annotations

import contextlib
import functools
import itertools
import logging
import mmap
import os
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from . import _phrases
from ._threads import ordered_map, run_threads
from .compression import compression_of, read_errors
from .scan import open_text

logger = logging.getLogger(__name__)

#: Bytes read at a time.
BLOCK_BYTES = 1 << 22
#: Sentences handed to C per call for token lists.
SENTENCE_BATCH = 1024
#: The scanner's separators other than the newline (w2v_scan.h).
SEPARATORS = (b" ", b"\t", b"\r", b"\v", b"\f")
NO_CONNECTORS = _phrases.Connectors([])


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
    seps = SEPARATORS + ((b"\n",) if cross_lines else ())
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



@dataclass(frozen=True)
class CountStats:
    """What counting a pass found: tokens counted, distinct words, tokens cut to
    ``max_token_bytes``, and what pruning (``max_vocab_size``) forgot."""
    tokens: int
    words: int
    cut: int
    prunes: int = 0
    pruned_words: int = 0
    pruned_pairs: int = 0


class PairCounts(Protocol):
    """What every counting path gives :meth:`Phrases.build`."""

    stats: CountStats
    #: ``(a, b, run, count, score)``: the pairs that pass, as word ids, connector run
    #: ids (0: adjacent), pair counts and scores
    passing: tuple

    def words(self, ids) -> list:
        """The words (bytes) of word ids."""

    def run(self, run_id: int) -> tuple:
        """The connector indices of a run id (0: none)."""


class TextCounts:
    """:class:`PairCounts` of a :class:`_phrases.Counter` (text counters, token lists);
    ``scorer`` is ``(scoring, min_count, threshold)``."""

    def __init__(self, counter, scorer: tuple = ("all", 1, 0.0)):
        st = counter.stats
        self.counter, self.scorer = counter, scorer
        self.stats = CountStats(st["tokens"], st["words"], st["cut"], st["prunes"],
                                st["pruned_words"], st["pruned_pairs"])
        self.words, self.run = counter.words, counter.run

    @functools.cached_property
    def passing(self) -> tuple:
        return self.counter.score(*self.scorer, self.stats.tokens)


class IdCounts:
    """:class:`PairCounts` of a :class:`_phrases.Held` (token ids), which also rewrites
    the text it counted (:func:`rewrite_ids`)."""

    def __init__(self, held, passing: tuple):
        self.held, self.passing = held, passing
        self.stats = CountStats(held.tokens, held.n_words, held.cut)
        self.words = held.words

    def run(self, run_id: int) -> tuple:
        if run_id != 0:
            raise IndexError(run_id)
        return ()


def counting_path(text: bool, connector_words, max_size: int) -> str:
    """How a pass is counted: ``"ids"`` (text without connector words or pruning),
    ``"text"`` (text with either) or ``"lists"`` (token lists).  The one place the
    rule lives; logged at debug level."""
    path = "lists" if not text else "text" if connector_words or max_size else "ids"
    logger.debug("phrases: counting by %s (text=%s, connector words=%d, max_size=%d)",
                 {"ids": "token ids", "text": "text counters", "lists": "token lists"}[path],
                 text, len(connector_words), max_size)
    return path


def count_text(make_pieces, *, threads: int, max_token: int, max_size: int, conn, cross_lines,
               scorer: tuple = ("all", 1, 0.0)) -> TextCounts:
    """The merged counts of the text ``make_pieces()`` yields (see :func:`cut_blocks`),
    one :class:`_phrases.Counter` per thread."""
    counters = [_phrases.Counter(max_token, max_size, conn, cross_lines)
                for _ in range(threads)]
    run_threads(threads, lambda i, item: counters[i].block(item[0], len(item[0]), item[1],
                                                           len(item[1])),
                cut_blocks(make_pieces(), conn, max_token, cross_lines),
                name="word2vec_fast-phrases")
    for c in counters[1:]:
        counters[0].merge(c)
    return TextCounts(counters[0], scorer)


def count_sentences(corpus, *, max_token: int, max_size: int, conn, cross_lines,
                    scorer: tuple = ("all", 1, 0.0)) -> TextCounts:
    """The counts of an iterable of token lists (one :class:`_phrases.Counter`)."""
    c = _phrases.Counter(max_token, max_size, conn, cross_lines)
    it = iter(corpus)
    i = 0
    while True:
        batch = list(itertools.islice(it, SENTENCE_BATCH))
        if not batch:
            return TextCounts(c, scorer)
        i = c.feed_sentences(batch, i)


def memory_ids() -> int:
    """Token ids :func:`count_ids` keeps in memory before it spills them: a 64th of the
    physical memory in ids (the path needs about 20 bytes a token in memory at its
    peak), 2**31 at most."""
    try:
        phys = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        phys = 8 << 30
    return max(1 << 20, min(phys // 64, (1 << 31) - 1))


def id_blocks(sources, max_token: int, cross_lines: bool):
    """``make_blocks`` for :func:`count_ids`: blocks ``(block, end)`` of ``sources`` (text
    sources, or a function giving pieces as :func:`raw_blocks` does: a later pass's
    input) that end at a separator or at their source's end (``end`` true).  An
    uncompressed regular file is memory-mapped and cut in place (its text never
    copied); the rest is read as :func:`cut_blocks` reads it.  The maps go into the
    list the function is given, for the caller to close once every block is done
    with."""
    def read(pieces):
        for _, block, end in cut_blocks(pieces, NO_CONNECTORS, max_token, cross_lines):
            yield block, end

    def blocks(maps):
        if callable(sources):
            yield from read(sources())
            return
        for src in sources:
            mapped = _mapped(src)
            if mapped is None:
                yield from read(raw_blocks([src]))
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
    seps = SEPARATORS + (b"\n",)
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


def count_ids(make_blocks, *, threads: int, max_token: int, cross_lines: bool, scoring,
              min_count, threshold, memory: int | None = None,
              wide_keys: bool = False) -> IdCounts:
    """Count the blocks ``make_blocks(maps)`` yields (:func:`id_blocks`) keeping their
    token ids: at most ``memory`` ids in memory (:func:`memory_ids`), the rest
    spilled to temporary files in ``TMPDIR`` (no connector words, no pruning).

    Each thread scans its blocks into its own table; the tables merge into one
    numbering; then only the pairs that may pass (given the word counts) are kept,
    sorted and counted, in runs of consecutive blocks (:func:`_pair_runs`) on all
    threads; the runs are merged and scored in key ranges on all threads.
    ``wide_keys``: 8-byte pair keys even where 4 would do (for tests).
    """
    memory = memory_ids() if memory is None else memory
    held = _phrases.Held(threads, max_token, cross_lines, memory)
    maps = []
    try:
        run_threads(threads, lambda i, item: held.scan(i, item[0], *item[1]),
                    enumerate(make_blocks(maps)), name="word2vec_fast-phrases")
    finally:
        for m in maps:
            with contextlib.suppress(BufferError):  # a view still held: closed when freed
                m.close()
    held.merge_words()
    if held.spilled_ids:
        logger.info("phrases: %d ids (tokens and newlines) spilled to disk past a memory "
                    "share of %d", held.spilled_ids, memory)
    run_threads(threads, lambda _, i: held.remap(i), range(threads))
    prevs = held.prepare_pairs(scoring, min_count, threshold, wide_keys=wide_keys)
    run_threads(threads, lambda _, run: held.count_run(run, prevs),
                _pair_runs(held.blocks, threads, memory))
    parts = list(ordered_map(lambda j: held.score_range(j, threads), range(threads), threads))
    held.drop_pairs()
    a, b, count, sc = (np.concatenate(x) for x in zip(*parts))
    return IdCounts(held, (a, b, np.zeros(len(a), np.uint32), count, sc))


def _pair_runs(blocks: dict, threads: int, memory: int) -> list:
    """Consecutive blocks (``Held.blocks``, in text order) grouped into runs whose pairs
    are counted at once: about one run a thread, none of more ids than a quarter of
    a thread's memory share (a larger block alone), and no more runs than one merge
    takes (the limit doubled until they fit)."""
    sizes = [blocks[k][2] - blocks[k][1] for k in range(len(blocks))]
    # a run closes once it holds more than a thread's share of the text: no more runs
    # than threads unless memory says otherwise (a run's keys, sorted runs and counts
    # take up to 5 times its ids' bytes, and every thread counts one at a time)
    share = -(-sum(sizes) // threads) + max(sizes, default=0)
    limit = max(1, min(memory // (4 * threads), share))
    while True:
        runs, run, size = [], [], 0
        for k, n in enumerate(sizes):
            if run and size + n > limit:
                runs.append(run)
                run, size = [], 0
            run.append(k)
            size += n
        if run:
            runs.append(run)
        if len(runs) <= _phrases.MAX_RUNS:
            return runs
        limit *= 2


def rewrite_ids(counts: IdCounts, a, b, delimiter: bytes, threads: int):
    """The text ``counts`` counted, rewritten with the phrases ``(a[k], b[k])`` (its
    word ids): pieces in order, ``None`` after each source (as :func:`raw_blocks`)."""
    held = counts.held
    held.set_phrases(a, b, delimiter)
    states = held.start_states()
    for k, data in enumerate(ordered_map(lambda k: held.rewrite(k, *states[k]),
                                         range(len(states)), threads,
                                         name="word2vec_fast-rewrite")):
        if data:
            yield data
        if held.blocks[k][4]:
            yield None
