"""The encoded corpus: int32 token ids and int64 sentence offsets.

This is what the training engine consumes.  Sentence ``s`` is
``ids[offsets[s]:offsets[s + 1]]``; tokens outside the vocabulary are dropped
while encoding (and counted), as word2vec.c drops them.
"""
from __future__ import annotations

import logging
import os
import pathlib
import tempfile

import numpy as np

from . import _scan
from .scan import (MAX_TOKEN_BYTES, MappedArray, Pass, check_max_token_bytes, offsets_path_for,
                   text_sources)
from .vocab import Vocab, _check_max_vocab_size, _check_min_count, _sources_or_iterable

logger = logging.getLogger(__name__)

#: Default of ``spill_bytes``: token ids larger than this go to a memory-mapped file.
SPILL_BYTES = 1 << 30


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
    dropped : int
        Tokens left out while encoding (not in the vocabulary).
    validate : bool
        Check every id and offset (False only for arrays this package wrote).
    maps : tuple of MappedArray, optional
        When ids and offsets are memory maps (see :func:`encode` ``out=``), the
        maps, whose pages training gives back as it goes.
    """

    def __init__(self, ids, offsets=None, vocab: Vocab | None = None, dropped: int = 0, *,
                 validate: bool = True, maps=None):
        if not isinstance(vocab, Vocab):
            raise TypeError("Corpus needs the Vocab its ids refer to (vocab=...)")
        self.maps = maps
        if maps is not None:
            self.ids, self.offsets, self.vocab, self.dropped = ids, offsets, vocab, int(dropped)
            if offsets.shape[0] < 1 or offsets[0] != 0 or offsets[-1] != ids.shape[0]:
                raise ValueError("sentence offsets must start at 0 and end at len(ids)")
            if offsets.shape[0] == 1:
                self.offsets = np.array([0, 0], dtype=np.int64)
            return
        ids = np.asarray(ids)
        if ids.dtype.kind not in "iu":
            raise TypeError(f"token ids must be integers, got dtype {ids.dtype}")
        if ids.ndim != 1:
            raise ValueError(f"token ids must be 1-dimensional, got shape {ids.shape}")
        if ids.size and validate:
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
                or (validate and np.any(np.diff(offsets) < 0)):
            raise ValueError("sentence offsets must start at 0, never decrease and end at len(ids)")
        if offsets.size == 1:
            offsets = np.array([0, 0], dtype=np.int64)
        self.offsets = offsets
        self.vocab = vocab
        self.dropped = int(dropped)

    @classmethod
    def load(cls, path, vocab: Vocab) -> Corpus:
        """Memory-map ids written by ``encode(..., out=path)`` (and their ``.offsets.npy``).

        Every id and offset is checked (reading the files in chunks, so memory
        stays small); errors name the file.
        """
        path = os.fspath(path)
        ids_map = MappedArray(path)
        off_map = MappedArray(offsets_path_for(path))
        ids, offsets = ids_map.array, off_map.array
        if ids.dtype != np.int32 or offsets.dtype != np.int64:
            raise ValueError(f"{path}: expected int32 ids and int64 offsets, got {ids.dtype} "
                             f"and {offsets.dtype}")
        step = 1 << 20  # items per check: what is resident at once (+ np.diff's copy)
        for a in range(0, ids.shape[0], step):
            c = ids[a:a + step]
            lo, hi = int(c.min()), int(c.max())
            if lo < 0 or hi >= len(vocab):
                raise ValueError(f"{path}: token id {lo if lo < 0 else hi} near position {a} is "
                                 f"out of range for a vocabulary of {len(vocab)} words")
            ids_map.release(a, a + step)
        for a in range(0, offsets.shape[0], step):
            c = offsets[max(a - 1, 0):a + step]
            if np.any(np.diff(c) < 0):
                raise ValueError(f"{offsets_path_for(path)}: sentence offsets decrease near "
                                 f"sentence {a}")
            off_map.release(a, a + step)
        return cls(ids, offsets, vocab, validate=False, maps=(ids_map, off_map))

    @property
    def mapped(self) -> bool:
        """True when the ids are a memory map of a file."""
        return self.maps is not None

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
        return (f"Corpus({len(self)} tokens, {self.n_sentences} sentences, {len(self.vocab)} "
                f"words{', memory-mapped' if self.mapped else ''})")

    def without_word(self, word: str) -> Corpus:
        """This corpus minus every occurrence of ``word``, and ``word`` out of its vocabulary.

        The ids above the removed word's shift down by one; sentences keep their
        boundaries (one left empty stays, empty); the removed tokens are added to
        ``dropped``.  Returns ``self`` when ``word`` is not in the vocabulary.  The
        command line uses it for ``</s>``, which word2vec.c reads as a sentence end,
        never as a word.  The result is held in memory, even for a mapped corpus.
        """
        vocab = self.vocab
        if word not in vocab.index:
            return self
        k = vocab.index[word]
        ids = np.asarray(self.ids)
        keep = ids != k
        removed = np.concatenate([[0], np.cumsum(~keep, dtype=np.int64)])
        new_ids = ids[keep]
        new_ids[new_ids > k] -= 1
        offsets = np.asarray(self.offsets) - removed[np.asarray(self.offsets)]
        words = vocab.words[:k] + vocab.words[k + 1:]
        counts = np.delete(vocab.counts, k)
        return Corpus(new_ids, offsets, Vocab(words, counts), self.dropped + int(vocab.counts[k]))


def _frozen_scanner(vocab: Vocab, max_token_bytes) -> _scan.Scanner:
    return _scan.Scanner(words=vocab.as_bytes(),
                         max_token_bytes=check_max_token_bytes(max_token_bytes))


def _log(out: Corpus) -> Corpus:
    logger.info("encoded %d tokens in %d sentences (%d out-of-vocabulary tokens dropped)%s",
                len(out), out.n_sentences, out.dropped, " to a memory map" if out.mapped else "")
    return out


def encode(corpus, vocab: Vocab, *, out=None, max_token_bytes: int = MAX_TOKEN_BYTES,
           spill_bytes: int | None = None, spill_dir=None) -> Corpus:
    """Turn a corpus into a :class:`Corpus` of ids with ``vocab``, in one pass.

    Parameters
    ----------
    corpus : path, list of pathlib.Path, "-", or iterable of lists of str
        As for :meth:`Vocab.build`.
    vocab : Vocab
    out : path, optional
        Stream the ids to this ``.npy`` file (int32; ``.npy`` is appended if
        missing) and the sentence offsets to ``<name>.offsets.npy`` (int64),
        written under temporary names and renamed into place; the returned
        Corpus memory-maps them.  Reopen later with :meth:`Corpus.load`.
    max_token_bytes : int
        As for :meth:`Vocab.build` (must match it for long tokens to be found).
    spill_bytes : int, optional
        Without ``out``: once the ids take more than this many bytes, stream
        them to temporary files in ``spill_dir`` and memory-map those.

    Empty sentences are dropped; tokens not in ``vocab`` are dropped and counted
    in ``Corpus.dropped``.
    """
    if not isinstance(vocab, Vocab):
        raise TypeError(f"vocab must be a Vocab, got {type(vocab).__name__}")
    sources = _sources_or_iterable(corpus)
    sc = _frozen_scanner(vocab, max_token_bytes)
    p = Pass(sc, out=out, spill_bytes=spill_bytes, spill_dir=spill_dir)
    p.run(corpus, sources)
    ids, offsets, maps = p.finish()
    return _log(Corpus(ids, offsets, vocab, sc.stats["oov"], validate=False, maps=maps))


def count_and_encode(corpus, min_count: int = 5, max_final_vocab: int | None = None, *,
                     max_vocab_size: int | None = None, max_token_bytes: int = MAX_TOKEN_BYTES,
                     out=None, spill_bytes: int | None = None, spill_dir=None) -> Corpus:
    """Build the vocabulary and encode the corpus in one pass; the Corpus carries the Vocab.

    Each token is recorded with its provisional id (its row in the counting
    table) while counting; once the vocabulary is known, one look-up array
    turns them into final ids.  When ``max_vocab_size`` pruning invalidated
    the provisional ids, the corpus is read a second time (standard input is
    then kept in a temporary file during the first pass).  Parameters are
    those of :meth:`Vocab.build` and :func:`encode`.
    """
    min_count = _check_min_count(min_count)
    max_vocab_size = _check_max_vocab_size(max_vocab_size)
    sources = _sources_or_iterable(corpus)
    sc = _scan.Scanner(record=True, max_token_bytes=check_max_token_bytes(max_token_bytes),
                       max_vocab_size=max_vocab_size)
    p = Pass(sc, out=out, spill_bytes=spill_bytes, spill_dir=spill_dir)
    tee = None
    if max_vocab_size and sources is not None and "-" in sources:
        tee = tempfile.NamedTemporaryFile(prefix="w2v-stdin-", dir=spill_dir, delete=False)
    try:
        p.run(corpus, sources, tee)
        try:
            vocab, remap = Vocab.from_scanner(sc, min_count, max_final_vocab)
        except BaseException:
            p.abort()
            raise
        if sc.ids_valid:
            ids, offsets, maps = p.finish(remap)
            dropped = sc.stats["tokens"] - ids.shape[0]
            return _log(Corpus(ids, offsets, vocab, dropped, validate=False, maps=maps))
        p.abort()
        p = sc = None  # free the counting table before the second pass
        if sources is None and iter(corpus) is corpus:
            raise ValueError(
                f"max_vocab_size={max_vocab_size} pruned words while counting, so the corpus "
                "must be read a second time to encode it, and a one-shot iterator (e.g. a "
                "generator) cannot be: pass a list, a re-iterable object or a file, or a "
                "larger max_vocab_size")
        logger.info("pruning changed the table while counting: encoding in a second pass")
        if tee is not None:
            tee.close()
            corpus = [pathlib.Path(tee.name if s == "-" else s) for s in sources]
        return encode(corpus, vocab, out=out, max_token_bytes=max_token_bytes,
                      spill_bytes=spill_bytes, spill_dir=spill_dir)
    finally:
        if tee is not None:
            tee.close()
            os.unlink(tee.name)


def as_corpus(corpus, vocab, min_count, max_final_vocab, *, max_vocab_size=None,
              max_token_bytes=MAX_TOKEN_BYTES, spill_bytes=SPILL_BYTES, spill_dir=None) -> Corpus:
    """Whatever ``train()`` accepts as a corpus, encoded (see :func:`word2vec_fast.train`).

    An encoded :class:`Corpus` is returned as it is; id arrays need ``vocab``;
    text is counted and encoded in one pass unless ``vocab`` is given.
    """
    if isinstance(corpus, Corpus):
        if vocab is not None and vocab is not corpus.vocab:
            raise ValueError("corpus is already encoded with its own vocabulary; "
                             "do not pass vocab=")
        return corpus
    if isinstance(corpus, np.ndarray) or (isinstance(corpus, tuple) and corpus
                                          and isinstance(corpus[0], np.ndarray)):
        if vocab is None:
            raise ValueError("token-id arrays need their vocabulary: train(ids, vocab=...)")
        if isinstance(corpus, tuple):
            if len(corpus) != 2:
                raise ValueError("pass token ids as an array or as (ids, sentence_offsets)")
            return Corpus(corpus[0], corpus[1], vocab)
        return Corpus(corpus, None, vocab)
    if text_sources(corpus) is None:
        try:
            iter(corpus)  # a one-shot iterator will do: text is read once (see count_and_encode)
        except TypeError:
            raise TypeError(
                f"corpus must be a file path, an iterable of token lists, a Corpus or token-id "
                f"arrays, got {type(corpus).__name__}") from None
    io = dict(max_token_bytes=max_token_bytes, spill_bytes=spill_bytes, spill_dir=spill_dir)
    if vocab is None:
        enc = count_and_encode(corpus, min_count, max_final_vocab,
                               max_vocab_size=max_vocab_size, **io)
        vocab = enc.vocab
    elif not isinstance(vocab, Vocab):
        raise TypeError(f"vocab must be a Vocab, got {type(vocab).__name__}")
    else:
        enc = None
    if len(vocab) == 0:
        raise ValueError(
            f"empty vocabulary: no word of the corpus occurs at least min_count={min_count} "
            "times (lower min_count or check the corpus)")
    return enc if enc is not None else encode(corpus, vocab, **io)
