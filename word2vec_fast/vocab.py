"""The vocabulary: words in frequency order with their counts.

Built from a corpus (a path or an iterable of token lists), it is what maps
tokens to the int32 ids the training kernels consume.
"""
from __future__ import annotations

import logging
import os
from collections import Counter
from typing import Iterable, Sequence

import numpy as np

from .corpus_io import iter_pieces

logger = logging.getLogger(__name__)


def _decode(word: bytes) -> str:
    # surrogateescape keeps bytes that are not UTF-8 distinct and round-trips
    # them when the vectors are saved.
    return word.decode("utf-8", "surrogateescape")


def check_reiterable(corpus, what: str = "corpus") -> None:
    """Raise TypeError if ``corpus`` is a one-shot iterator (it would be empty the second time)."""
    if iter(corpus) is corpus:
        raise TypeError(
            f"{what} is a one-shot iterator (e.g. a generator); training reads the corpus "
            "twice (vocabulary, then encoding), so pass a list, a re-iterable object "
            "whose __iter__ starts over, or a file path"
        )


def count_tokens(corpus) -> Counter:
    """Count every token of ``corpus`` (a path or an iterable of token lists)."""
    counter: Counter = Counter()
    if isinstance(corpus, (str, bytes, os.PathLike)):
        for tokens, _ in iter_pieces(corpus):
            counter.update(tokens)
        return Counter({_decode(w): c for w, c in counter.items()}) if counter else counter
    check_reiterable(corpus)
    for i, sentence in enumerate(corpus):
        if isinstance(sentence, (str, bytes)):
            raise TypeError(
                f"sentence {i} of the corpus is a {type(sentence).__name__}, expected a list of "
                "tokens (split your text first, e.g. line.split())"
            )
        counter.update(sentence)
    for w in counter:
        if not isinstance(w, str):
            raise TypeError(f"tokens must be str, found {type(w).__name__} {w!r}")
        break
    return counter


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
    def build(cls, corpus, min_count: int = 5, max_final_vocab: int | None = None) -> "Vocab":
        """Count ``corpus`` and keep words occurring at least ``min_count`` times.

        Parameters
        ----------
        corpus : path or iterable of lists of str
            A text file (``.gz``/``.bz2``/``.xz`` too) or a re-iterable of token lists.
        min_count : int
            Words rarer than this are dropped.
        max_final_vocab : int, optional
            Keep at most this many of the most frequent words.
        """
        if not isinstance(min_count, (int, np.integer)) or min_count < 1:
            raise ValueError(f"min_count must be an integer >= 1, got {min_count!r}")
        return cls.from_counter(count_tokens(corpus), min_count, max_final_vocab)

    @classmethod
    def from_counter(cls, counter: Counter, min_count: int = 1,
                     max_final_vocab: int | None = None) -> "Vocab":
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
        path = os.fspath(path)
        tmp = f"{path}.tmp{os.getpid()}"
        try:
            with open(tmp, "wb") as f:
                for w, c in zip(self.words, self.counts.tolist()):
                    f.write(w.encode("utf-8", "surrogateescape"))
                    f.write(b" %d\n" % c)
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise

    @classmethod
    def load(cls, path, min_count: int = 1, max_final_vocab: int | None = None) -> "Vocab":
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
        with open(path, "rb") as f:
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
                if n < 0:
                    raise ValueError(
                        f"{path}, line {lineno}: count must be an integer >= 0, got {count!r}")
                w = _decode(word)
                if w in counter:
                    raise ValueError(f"{path}, line {lineno}: word {w!r} appears twice")
                counter[w] = n
        return cls.from_counter(counter, max(1, min_count) if min_count else 0, max_final_vocab)

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
