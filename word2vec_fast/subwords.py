"""Subword vectors, fastText's way: a word is also the bag of its character n-grams.

A subword model has one input row per vocabulary word and one per n-gram bucket.
A word's vector is the mean of its own row and the rows of its n-grams (the
substrings of ``"<" + word + ">"`` of ``minn``..``maxn`` characters, hashed into
``buckets`` rows with fastText's hash), so a word never seen in training still
gets a vector from its n-grams.  The rules, the hash and the row numbering are
fastText's (``csrc/w2v_subword.h``), so fastText ``.bin`` files interoperate
(:mod:`word2vec_fast.fasttext_io`).

:class:`SubwordVectors` serves the vectors with the queries of
:class:`~word2vec_fast.vectors.Vectors`, unknown words included, under gensim's
``FastTextKeyedVectors`` names: ``key_to_index`` holds only the trained words,
``word in vectors`` is true for any word that has an n-gram.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _kernels
from .params import check_int
from .vectors import Vectors, _as_list, _storage_dtype

#: fastText's end-of-sentence token: no n-grams (and word2vec.c's, at index 0).
EOS = "</s>"

#: Centre words per block of subword skip-gram with negative sampling (``batch=True``):
#: the block's centres share negative * (their mean contexts) negatives, so that each
#: (centre, context) pair meets `negative` of them as in fastText, and a block of 8
#: spreads each negative over 8 different centres.  On wiki1e8 (5 epochs, 2 threads)
#: 8 trained as well as fastText in every measure and 16 no better (README).
SG_BATCH = 8


#: The default learning rate of subword models, skip-gram and CBOW: fastText's.  On
#: wiki1e8 (1 epoch) skip-gram at 0.05 beat word2vec.c's 0.025 by 2.9 analogy points
#: (semantic) and 7.5 (syntactic), and 0.09 WS353.
SUBWORD_ALPHA = 0.05


#: Centre words per block of subword CBOW (``batch=True``): a block sums each position's
#: rows once for the windows that share it, and shares negative * 2 negatives, each
#: weighted 1/2 (csrc/w2v_subword_build.h), so each centre meets `negative` as in
#: fastText.  wiki1e8, 5 epochs, 2 threads: 63 s against 102 s for one centre per
#: block, semantic/syntactic/WS353 14.1/80.3/0.584 (fastText 12.0/81.1/0.546).
CBOW_BATCH = 8


def subword_batch(sg: bool, hs: bool) -> int:
    """Centre words per block of a subword model for ``train(batch=True)``."""
    return 1 if hs else (SG_BATCH if sg else CBOW_BATCH)


def _encode(word: str) -> bytes:
    return word.encode("utf-8", "surrogateescape")


@dataclass(frozen=True)
class SubwordSpec:
    """The n-gram settings of a subword model (fastText's ``-minn -maxn -bucket``).

    ``maxn = 0`` means no n-grams (every word is its own row only, as word2vec).
    """

    minn: int = 3
    maxn: int = 6
    buckets: int = 2_000_000

    @classmethod
    def checked(cls, minn, maxn, buckets) -> SubwordSpec:
        """The spec, or ``ValueError`` naming the bad parameter."""
        minn = check_int("minn", minn, 0)
        maxn = check_int("maxn", maxn, 0)
        buckets = check_int("buckets", buckets, 0)
        if maxn > 0 and not 1 <= minn <= maxn:
            raise ValueError(f"minn must be in [1, maxn] (maxn={maxn}), got minn={minn}")
        if maxn > 0 and buckets < 1:
            raise ValueError("buckets must be >= 1 with subwords (maxn > 0)")
        if buckets >= 2**31:
            raise ValueError(f"buckets must be < 2**31, got {buckets}")
        return cls(minn, maxn, buckets)

    @property
    def active(self) -> bool:
        return self.maxn > 0 and self.buckets > 0

    def vocab_rows(self, words):
        """Every word's input rows as CSR ``(offsets int64[V+1], rows int32)``: word
        ``i``'s own row ``i``, then ``V + bucket`` of each of its n-grams."""
        words = list(words)
        skip = words.index(EOS) if EOS in words else -1
        if not self.active:
            return (np.arange(len(words) + 1, dtype=np.int64),
                    np.arange(len(words), dtype=np.int32))
        return _kernels.vocab_ngram_rows([_encode(w) for w in words], self.minn, self.maxn,
                                         self.buckets, skip=skip)

    def buckets_of(self, word: str) -> np.ndarray:
        """The bucket of each n-gram of ``word`` (0-based, int32; duplicates kept)."""
        if not self.active or word == EOS:
            return np.zeros(0, dtype=np.int32)
        return _kernels.ngram_buckets(_encode(word), self.minn, self.maxn, self.buckets)[0]

    def params(self) -> dict:
        return {"minn": self.minn, "maxn": self.maxn, "buckets": self.buckets}


def ngrams(word: str, minn: int = 3, maxn: int = 6) -> list:
    """The character n-grams fastText gives ``word``, in its order (duplicates kept).

    >>> ngrams("where", 3, 3)
    ['<wh', 'whe', 'her', 'ere', 're>']
    """
    spec = SubwordSpec.checked(minn, maxn, 1)
    if not spec.active or word == EOS:
        return []
    b = b"<" + _encode(word) + b">"
    _, starts, lens = _kernels.ngram_buckets(_encode(word), spec.minn, spec.maxn, 1)
    return [b[s:s + n].decode("utf-8", "surrogateescape")
            for s, n in zip(starts.tolist(), lens.tolist())]


def ngram_hash(ngram: str) -> int:
    """fastText's 32-bit hash of an n-gram (FNV-1a, bytes sign-extended)."""
    return int(_kernels.ngram_hash(_encode(ngram)))


class SubwordVectors(Vectors):
    """Word vectors of a subword model, with vectors for unknown words.

    Parameters
    ----------
    words : sequence of str
        The trained words (``key_to_index`` holds these only).
    input_matrix : numpy.ndarray, (V + buckets, dim) float32, C-contiguous
        The words' own rows, then the n-gram buckets' rows (fastText's input
        matrix).  Kept as given, not copied (a read-only memory map stays one).
    spec : SubwordSpec
    counts : array_like of int, optional
    dtype : numpy.float32 or numpy.float16, optional
        Storage of :attr:`vectors`, the composed vectors queries search (float16
        halves them); the rows they come from stay as given.

    Attributes
    ----------
    vectors : numpy.ndarray, (V, dim)
        Each trained word's vector: the mean of its own row and its n-grams' rows
        (what fastText's ``get_word_vector`` gives it).

    Notes
    -----
    ``vectors[word]`` / :meth:`get_vector` of an unknown word is the mean of its
    n-grams' rows; a word with no n-gram (with ``minn`` > its length + 2, say)
    raises ``KeyError``.  :meth:`most_similar`, :meth:`similarity`,
    :meth:`doesnt_match`, :meth:`distances` and :meth:`get_mean_vector` accept
    unknown words; results are always trained words.
    """

    def __init__(self, words, input_matrix, spec: SubwordSpec, counts=None, dtype=None):
        words = list(words)
        m = np.asarray(input_matrix)
        if m.dtype != np.float32 or m.ndim != 2 or not m.flags.c_contiguous:
            raise ValueError("input_matrix must be a C-contiguous float32 matrix")
        if m.shape[0] != len(words) + spec.buckets:
            raise ValueError(f"input_matrix has {m.shape[0]} rows, expected {len(words)} words "
                             f"+ {spec.buckets} buckets")
        self.spec = spec
        self.input_matrix = m
        offsets, rows = spec.vocab_rows(words)
        composed = np.empty((len(words), m.shape[1]), dtype=_storage_dtype(dtype or np.float32))
        _kernels.compose_means(m, offsets, rows, composed)
        super().__init__(words, composed, counts=counts, dtype=composed.dtype)

    @property
    def vectors_vocab(self) -> np.ndarray:
        """The words' own rows (gensim's name), a view of :attr:`input_matrix`."""
        return self.input_matrix[:len(self.words)]

    @property
    def vectors_ngrams(self) -> np.ndarray:
        """The n-gram rows (gensim's name), a view of :attr:`input_matrix`."""
        return self.input_matrix[len(self.words):]

    # -- unknown words ------------------------------------------------------------------
    @property
    def minn(self) -> int:
        return self.spec.minn

    @property
    def maxn(self) -> int:
        return self.spec.maxn

    @property
    def bucket(self) -> int:
        """gensim's name for the number of n-gram buckets."""
        return self.spec.buckets

    def __repr__(self):
        return (f"SubwordVectors({len(self)} words, {self.spec.buckets} buckets, "
                f"n-grams {self.spec.minn}-{self.spec.maxn}, dim {self.dim})")

    def compose(self, word: str) -> np.ndarray:
        """The vector of a word from its n-grams alone (float32), as fastText gives an
        unknown word; ``KeyError`` if it has none."""
        b = self.spec.buckets_of(word) if isinstance(word, str) else ()
        if len(b) == 0:
            raise KeyError(f"word {word!r} is not in the vocabulary and has no n-grams")
        v = self.vectors_ngrams[b].sum(axis=0, dtype=np.float32)
        return v * np.float32(1.0 / len(b))

    def __contains__(self, word):
        if self._row(word) >= 0:
            return True
        return isinstance(word, str) and len(self.spec.buckets_of(word)) > 0

    def __getitem__(self, word):
        if isinstance(word, (list, tuple)):
            return np.vstack([self.get_vector(w) for w in word])
        return self.get_vector(word)

    def get_vector(self, key, norm: bool = False) -> np.ndarray:
        """A trained word's vector (or row number's), else one composed from n-grams."""
        if self.has_index_for(key):
            return super().get_vector(key, norm=norm)
        v = self.compose(key)
        if norm:
            n = np.linalg.norm(v.astype(np.float64))
            v = (v / n).astype(np.float32) if n > 0 else v
        v.setflags(write=False)
        return v

    def _unit_vector(self, word) -> np.ndarray:
        return self.get_vector(word, norm=True)

    def _term(self, item):
        if isinstance(item, str) and not self.has_index_for(item):
            return self._unit_vector(item), None
        return super()._term(item)

    def get_mean_vector(self, keys, weights=None, pre_normalize=True, post_normalize=False,
                        ignore_missing=True) -> np.ndarray:
        keys = keys if isinstance(keys, list) else _as_list(keys)
        # unknown words with n-grams enter as their composed vectors
        keys = [self.get_vector(k, norm=pre_normalize).copy()
                if isinstance(k, str) and not self.has_index_for(k) and k in self else k
                for k in keys]
        return super().get_mean_vector(keys, weights=weights, pre_normalize=pre_normalize,
                                       post_normalize=post_normalize,
                                       ignore_missing=ignore_missing)

    def similarity(self, a, b) -> float:
        return float(self._unit_vector(a) @ self._unit_vector(b))

    def similarities(self, pairs) -> np.ndarray:
        return np.array([self.similarity(a, b) for a, b in pairs], dtype=np.float32)

    def distances(self, word_or_vector, other_words=()) -> np.ndarray:
        q = self._term(word_or_vector)[0]
        if not other_words:
            return 1.0 - self._cosines(q[None, :], len(self))[0]
        return (1.0 - np.stack([self._unit_vector(w) for w in other_words]) @ q).astype(np.float32)

    def astype(self, dtype) -> SubwordVectors:
        """A copy whose composed vectors are stored as ``dtype`` (float16 halves them)."""
        return SubwordVectors(self.words, self.input_matrix, self.spec, counts=self.counts,
                              dtype=dtype)

    def to_gensim(self):
        """These vectors as a gensim 4 ``FastTextKeyedVectors`` (needs gensim)."""
        from gensim.models.fasttext import FastTextKeyedVectors
        kv = FastTextKeyedVectors(self.dim, self.spec.minn, self.spec.maxn, self.spec.buckets,
                                  count=0, dtype=np.float32)
        kv.index_to_key = list(self.words)
        kv.key_to_index = dict(self.index)
        kv.vectors_vocab = np.array(self.vectors_vocab)
        kv.vectors_ngrams = np.array(self.vectors_ngrams)
        kv.vectors = np.asarray(self.vectors, dtype=np.float32)
        kv.buckets_word = None
        kv.recalc_char_ngram_buckets()
        kv.norms = None
        if self.counts is not None:
            kv.allocate_vecattrs(["count"], [np.int64])
            kv.expandos["count"][:] = self.counts
        return kv
