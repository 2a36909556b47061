"""The vocabulary: words in frequency order with their counts.

Built from a corpus (a path or an iterable of token lists), it is what maps
tokens to the int32 ids the training kernels consume.
"""
from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Sequence

import numpy as np

from . import _scan
from ._atomic import atomic_open
from .compression import open_read, read_errors
from .scan import MAX_TOKEN_BYTES, Pass, check_max_token_bytes, text_sources

logger = logging.getLogger(__name__)


def _decode(word: bytes) -> str:
    # surrogateescape keeps bytes that are not UTF-8 distinct and round-trips
    # them when the vectors are saved.
    return word.decode("utf-8", "surrogateescape")


def _check_min_count(min_count) -> int:
    if isinstance(min_count, bool) or not isinstance(min_count, (int, np.integer)) \
            or min_count < 1:
        raise ValueError(f"min_count must be an integer >= 1, got {min_count!r}")
    return int(min_count)


def check_reiterable(corpus, what: str = "corpus") -> None:
    """Raise TypeError if ``corpus`` is a one-shot iterator (it would be empty the second time).

    Anything not iterable (a path) passes: the readers judge it."""
    try:
        one_shot = iter(corpus) is corpus
    except TypeError:
        return
    if one_shot:
        raise TypeError(
            f"{what} is a one-shot iterator (e.g. a generator); training reads the corpus "
            "twice (vocabulary, then encoding), so pass a list, a re-iterable object "
            "whose __iter__ starts over, or a file path"
        )


def _sources_or_iterable(corpus):
    """Text sources of ``corpus``, or None after checking it is an iterable of token lists."""
    sources = text_sources(corpus)
    if sources is None:
        try:
            iter(corpus)
        except TypeError:
            raise TypeError(
                f"corpus must be a file path, a directory, a list of pathlib.Path, '-' (stdin) "
                f"or an iterable of token lists, got {type(corpus).__name__}") from None
    return sources


def _check_max_vocab_size(value) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"max_vocab_size must be None or an integer >= 1, got {value!r}")
    return int(value)


class Vocab:
    """Words in decreasing order of count (ties: order of first appearance).

    Attributes
    ----------
    words : list of str
        The vocabulary; ``words[i]`` has id ``i``.
    counts : numpy.ndarray of int64
        ``counts[i]`` is how often ``words[i]`` occurs in the corpus it was built from.
    index : dict
        Word to id.
    """

    def __init__(self, words: Sequence[str], counts):
        counts = np.asarray(counts, dtype=np.int64)
        if counts.ndim != 1 or len(words) != counts.shape[0]:
            raise ValueError("words and counts must have the same length")
        if np.any(counts < 0):
            raise ValueError("counts must be >= 0")
        self.words = list(words)
        self.counts = counts
        self.index = {w: i for i, w in enumerate(self.words)}
        if len(self.index) != len(self.words):
            raise ValueError("duplicate words in vocabulary")

    @classmethod
    def build(cls, corpus, min_count: int = 5, max_final_vocab: int | None = None, *,
              max_vocab_size: int | None = None,
              max_token_bytes: int = MAX_TOKEN_BYTES) -> Vocab:
        """Count ``corpus`` and keep words occurring at least ``min_count`` times.

        Parameters
        ----------
        corpus : path, list of pathlib.Path, "-", or iterable of lists of str
            A text file (``.gz``/``.bz2``/``.xz`` too), a directory (its files in
            name order), several files, standard input, or token lists.
        min_count : int
            Words rarer than this are dropped.
        max_final_vocab : int, optional
            Keep at most this many of the most frequent words.
        max_vocab_size : int, optional
            Bound the counting table: whenever it holds more words than this,
            words counted <= n times are forgotten (n = 1, 2, ... at successive
            prunes), as word2vec.c's ReduceVocab does.  Counts of pruned words
            are lost, so keep it well above the final vocabulary.
        max_token_bytes : int
            Longer tokens of text are cut to this many bytes (at a UTF-8
            character boundary); default 100, as word2vec.c.
        """
        min_count = _check_min_count(min_count)
        sc = _scan.Scanner(record=False, max_token_bytes=check_max_token_bytes(max_token_bytes),
                           max_vocab_size=_check_max_vocab_size(max_vocab_size))
        Pass(sc).run(corpus, _sources_or_iterable(corpus))
        return cls.from_scanner(sc, min_count, max_final_vocab)[0]

    @classmethod
    def from_scanner(cls, sc, min_count: int, max_final_vocab: int | None):
        """``(Vocab, remap)`` from a finished scan; ``remap[i]`` is table word i's id or -1."""
        counts = sc.counts()
        keep = np.flatnonzero(counts >= min_count)
        # stable: the table is in order of first appearance, which breaks ties
        order = keep[np.argsort(-counts[keep], kind="stable")]
        if max_final_vocab is not None:
            order = order[: int(max_final_vocab)]
        remap = np.full(counts.shape[0], -1, dtype=np.int32)
        remap[order] = np.arange(order.shape[0], dtype=np.int32)
        st = sc.stats
        logger.info("vocabulary: %d tokens, %d distinct, %d with count >= %d%s",
                    st["tokens"], st["words"], order.shape[0], min_count,
                    f", {st['cut']} tokens cut to max_token_bytes" if st["cut"] else "")
        if st["prunes"]:
            logger.info("vocabulary pruned %d times (max_vocab_size): %d words with %d "
                        "occurrences forgotten", st["prunes"], st["pruned_words"],
                        st["pruned_tokens"])
        return cls(sc.words(order), counts[order]), remap

    def as_bytes(self) -> list:
        """The words as UTF-8 bytes (surrogateescape), as the scanner sees them."""
        return [w.encode("utf-8", "surrogateescape") for w in self.words]

    @classmethod
    def from_counter(cls, counter: Counter, min_count: int = 1,
                     max_final_vocab: int | None = None) -> Vocab:
        """Vocabulary from a ``Counter`` of words (insertion order breaks ties)."""
        items = [(w, c) for w, c in counter.items() if c >= min_count]
        items.sort(key=lambda wc: -wc[1])  # stable: ties keep first-appearance order
        if max_final_vocab is not None:
            items = items[: int(max_final_vocab)]
        logger.info("vocabulary: %d distinct tokens, %d with count >= %d",
                    len(counter), len(items), min_count)
        return cls([w for w, _ in items], np.array([c for _, c in items], dtype=np.int64))

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word) -> bool:
        return word in self.index

    def __getitem__(self, word: str) -> int:
        return self.index[word]

    def __repr__(self) -> str:
        return f"Vocab({len(self)} words, {int(self.counts.sum())} tokens)"

    def save(self, path) -> None:
        """Write ``word count`` lines, word2vec.c's ``-save-vocab`` format.

        The file is written to a temporary name next to ``path`` and renamed
        into place, so an existing file is never left half-written.
        """
        with atomic_open(path) as f:
            for w, c in zip(self.words, self.counts.tolist()):
                f.write(w.encode("utf-8", "surrogateescape"))
                f.write(b" %d\n" % c)

    @classmethod
    def load(cls, path, min_count: int = 1, max_final_vocab: int | None = None) -> Vocab:
        """Read a ``word count`` file (word2vec.c's ``-save-vocab``/``-read-vocab`` format).

        Words are put in decreasing order of count (ties keep file order) and
        those rarer than ``min_count`` are dropped, as word2vec.c does when it
        reads a vocabulary.  A malformed line raises ``ValueError`` naming the
        file and line.
        """
        path = os.fspath(path)
        if not isinstance(min_count, (int, np.integer)) or min_count < 0:
            raise ValueError(f"min_count must be an integer >= 0, got {min_count!r}")
        counter: Counter = Counter()
        with read_errors(path), open_read(path) as f:
            for lineno, line in enumerate(f, 1):
                fields = line.split()
                if not fields:
                    continue
                if len(fields) != 2:
                    raise ValueError(
                        f"{path}, line {lineno}: expected 'word count', got {len(fields)} fields")
                word, count = fields
                try:
                    n = int(count)
                except ValueError:
                    n = -1
                if not 0 <= n < (1 << 63):
                    raise ValueError(f"{path}, line {lineno}: count must be an integer in "
                                     f"[0, 2**63), got {count!r}")
                w = _decode(word)
                if w in counter:
                    raise ValueError(f"{path}, line {lineno}: word {w!r} appears twice")
                counter[w] = n
        return cls.from_counter(counter, min_count, max_final_vocab)

    @property
    def total(self) -> int:
        """Total count of the vocabulary's words."""
        return int(self.counts.sum())

    def keep_probabilities(self, sample: float) -> np.ndarray:
        """word2vec.c's subsampling: probability of keeping each word (float64, <= 1)."""
        if sample <= 0:
            return np.ones(len(self), dtype=np.float64)
        t = sample * self.total
        f = np.maximum(self.counts.astype(np.float64), 1.0)
        return np.minimum((np.sqrt(f / t) + 1.0) * t / f, 1.0)
