"""The vocabulary of a sharded corpus: count each shard where it lies, merge the counts.

Each worker counts its shards with the C scanner (the same token rules and
``max_token_bytes`` as :func:`word2vec_fast.train`) and keeps the provisional
ids it recorded; the client merges the counts into exactly the vocabulary
``train()`` builds on the whole corpus (same words, counts and order: count
descending, ties by first appearance in the corpus), sends it to the workers
once, and each worker turns its provisional ids into final ones where it is.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np

from .. import _scan
from ..corpus import Corpus
from ..scan import MAX_TOKEN_BYTES, Pass, check_max_token_bytes
from ..vocab import Vocab, _check_max_vocab_size, _check_min_count
from .shards import Shard, feed

logger = logging.getLogger("word2vec_fast")


@dataclass
class ShardCounts:
    """What one worker's counting pass sends to the merge: its words in order of first
    appearance, their counts, and the scanner's counters (tokens, prunes, ...)."""

    words: list
    counts: np.ndarray
    stats: dict = field(default_factory=dict)


def count_shards(shards: list[Shard], *, max_token_bytes: int = MAX_TOKEN_BYTES,
                 max_vocab_size: int | None = None, record: bool = True):
    """Count (and record the provisional ids of) a worker's shards, in order.

    Parameters
    ----------
    shards : list of Shard
        Consecutive pieces of the corpus.
    max_token_bytes, max_vocab_size
        As for :func:`word2vec_fast.train` (pruning happens per worker, so
        with ``max_vocab_size`` the merged vocabulary is approximate).
    record : bool
        Keep the provisional ids for :func:`encode_counted`.

    Returns
    -------
    (ShardCounts, _scan.Scanner)
        The counts to merge and the scanner holding the recorded ids.

    Raises
    ------
    ValueError
        The shards hold no token at all (an empty shard).
    """
    sc = _scan.Scanner(record=record, max_token_bytes=check_max_token_bytes(max_token_bytes),
                       max_vocab_size=_check_max_vocab_size(max_vocab_size))
    feed(sc, shards)
    st = sc.stats
    if st["tokens"] == 0:
        raise ValueError(f"empty shard: {', '.join(map(str, shards))} holds no token")
    counts = sc.counts()
    return ShardCounts(sc.words(np.arange(counts.shape[0])), counts, st), sc


def merge_counts(parts: list[ShardCounts], min_count: int = 5,
                 max_final_vocab: int | None = None) -> Vocab:
    """The vocabulary ``train()`` builds on the concatenation of the counted shards.

    Parameters
    ----------
    parts : list of ShardCounts
        In corpus order (worker 0's shards come first in the corpus, ...).
    min_count, max_final_vocab
        As for :func:`word2vec_fast.train`.

    Returns
    -------
    Vocab
        Words by decreasing total count, ties broken by first appearance in
        the concatenated corpus, rarer than ``min_count`` dropped, at most
        ``max_final_vocab`` kept.
    """
    min_count = _check_min_count(min_count)
    total: dict = {}
    for part in parts:
        for w, c in zip(part.words, part.counts.tolist()):
            # dicts keep insertion order: the first part a word appears in fixes its place,
            # and within a part the words come in order of first appearance
            total[w] = total.get(w, 0) + c
    words = list(total)
    counts = np.fromiter(total.values(), dtype=np.int64, count=len(words))
    keep = np.flatnonzero(counts >= min_count)
    order = keep[np.argsort(-counts[keep], kind="stable")]
    if max_final_vocab is not None:
        order = order[: int(max_final_vocab)]
    tokens = sum(p.stats.get("tokens", 0) for p in parts)
    prunes = sum(p.stats.get("prunes", 0) for p in parts)
    logger.info("merged vocabulary of %d shards: %d tokens, %d distinct, %d with count >= %d",
                len(parts), tokens, len(words), order.shape[0], min_count)
    if prunes:
        logger.info("the shards pruned their counts %d times (max_vocab_size): the merged "
                    "vocabulary is approximate", prunes)
    return Vocab([words[i] for i in order.tolist()], counts[order])


def encode_counted(sc, counted: ShardCounts, vocab: Vocab, shards: list[Shard], *,
                   max_token_bytes: int = MAX_TOKEN_BYTES) -> Corpus:
    """The worker's shards as a :class:`Corpus` of final ids of ``vocab``.

    The provisional ids recorded while counting are mapped through one
    look-up array; when pruning invalidated them, the shards are read again.
    """
    if sc is not None and sc.ids_valid:
        remap = np.array([vocab.index.get(w, -1) for w in counted.words], dtype=np.int32)
        ids, offsets, maps = Pass(sc).finish(remap)
        dropped = counted.stats["tokens"] - ids.shape[0]
        return Corpus(ids, offsets, vocab, dropped, validate=False, maps=maps)
    frozen = _scan.Scanner(words=vocab.as_bytes(),
                           max_token_bytes=check_max_token_bytes(max_token_bytes))
    feed(frozen, shards)
    ids, offsets, maps = Pass(frozen).finish()
    return Corpus(ids, offsets, vocab, frozen.stats["oov"], validate=False, maps=maps)
