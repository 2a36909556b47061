"""The encoded corpus: int32 token ids and int64 sentence offsets.

This is what the training engine consumes.  Sentence ``s`` is
``ids[offsets[s]:offsets[s + 1]]``; tokens outside the vocabulary are dropped
while encoding (and counted), as word2vec.c drops them.
"""
from __future__ import annotations

import logging
import os

import numpy as np

from .corpus_io import iter_pieces
from .vocab import Vocab, check_reiterable

logger = logging.getLogger(__name__)


class Corpus:
    """Token ids of a corpus with sentence boundaries and the vocabulary they index.

    Parameters
    ----------
    ids : array of int32, shape (N,)
        Token ids, each in ``[0, len(vocab))``.
    offsets : array of int64, shape (S + 1,), optional
        Sentence boundaries: ``offsets[0] == 0``, non-decreasing, ``offsets[-1] == N``.
        Defaults to the whole corpus being one sentence.
    vocab : Vocab
        The vocabulary the ids refer to.
    """

    def __init__(self, ids, offsets=None, vocab: Vocab | None = None, dropped: int = 0):
        if not isinstance(vocab, Vocab):
            raise TypeError("Corpus needs the Vocab its ids refer to (vocab=...)")
        ids = np.asarray(ids)
        if ids.dtype.kind not in "iu":
            raise TypeError(f"token ids must be integers, got dtype {ids.dtype}")
        if ids.ndim != 1:
            raise ValueError(f"token ids must be 1-dimensional, got shape {ids.shape}")
        if ids.size:
            lo, hi = int(ids.min()), int(ids.max())
            if lo < 0 or hi >= len(vocab):
                bad = lo if lo < 0 else hi
                pos = int(np.argmax(ids == bad))
                raise ValueError(
                    f"token id {bad} at position {pos} is out of range for a vocabulary "
                    f"of {len(vocab)} words")
        self.ids = np.ascontiguousarray(ids, dtype=np.int32)
        if offsets is None:
            offsets = np.array([0, len(self.ids)], dtype=np.int64)
        offsets = np.asarray(offsets)
        if offsets.dtype.kind not in "iu" or offsets.ndim != 1:
            raise TypeError("sentence offsets must be a 1-dimensional integer array")
        offsets = np.ascontiguousarray(offsets, dtype=np.int64)
        if offsets.size < 1 or offsets[0] != 0 or offsets[-1] != len(self.ids) \
                or np.any(np.diff(offsets) < 0):
            raise ValueError("sentence offsets must start at 0, never decrease and end at len(ids)")
        if offsets.size == 1:
            offsets = np.array([0, 0], dtype=np.int64)
        self.offsets = offsets
        self.vocab = vocab
        self.dropped = int(dropped)

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    @property
    def n_sentences(self) -> int:
        return int(self.offsets.shape[0] - 1)

    def sentences(self):
        """Iterate over sentences as arrays of ids."""
        for s in range(self.n_sentences):
            yield self.ids[self.offsets[s]:self.offsets[s + 1]]

    def __repr__(self) -> str:
        return f"Corpus({len(self)} tokens, {self.n_sentences} sentences, {len(self.vocab)} words)"


class _Builder:
    """Accumulates id pieces and sentence ends without quadratic copying."""

    def __init__(self):
        self.pieces: list[np.ndarray] = []
        self.n = 0
        self.offsets = [0]
        self.dropped = 0

    def add(self, ids: np.ndarray, ends: bool):
        keep = ids[ids >= 0]
        self.dropped += int(ids.size - keep.size)
        if keep.size:
            self.pieces.append(keep.astype(np.int32, copy=False))
            self.n += int(keep.size)
        if ends and self.n > self.offsets[-1]:
            self.offsets.append(self.n)

    def finish(self, vocab: Vocab) -> Corpus:
        if self.n > self.offsets[-1]:
            self.offsets.append(self.n)
        ids = np.concatenate(self.pieces) if self.pieces else np.zeros(0, dtype=np.int32)
        self.pieces = []
        return Corpus(ids, np.array(self.offsets, dtype=np.int64), vocab, self.dropped)


def encode(corpus, vocab: Vocab) -> Corpus:
    """Turn a corpus (path or re-iterable of token lists) into a :class:`Corpus` of ids.

    Empty sentences are dropped; tokens not in ``vocab`` are dropped and counted
    in ``Corpus.dropped``.
    """
    b = _Builder()
    if isinstance(corpus, (str, bytes, os.PathLike)):
        # Map bytes tokens directly; words of the vocabulary are re-encoded once.
        index = {w.encode("utf-8", "surrogateescape"): i for i, w in enumerate(vocab.words)}
        get = index.get
        for tokens, ends in iter_pieces(corpus):
            ids = np.fromiter((get(t, -1) for t in tokens), dtype=np.int64, count=len(tokens))
            b.add(ids, ends)
    else:
        check_reiterable(corpus)
        get = vocab.index.get
        for sentence in corpus:
            if isinstance(sentence, (str, bytes)):
                raise TypeError("each sentence must be a list of tokens, not a string")
            ids = np.fromiter((get(t, -1) for t in sentence), dtype=np.int64, count=len(sentence))
            b.add(ids, True)
    out = b.finish(vocab)
    logger.info("encoded %d tokens in %d sentences (%d out-of-vocabulary tokens dropped)",
                len(out), out.n_sentences, out.dropped)
    return out
