"""Word vectors: a vocabulary plus a (V, dim) float32 (or float16) matrix, with the
usual queries under our names and gensim 4's.

Reading and writing word2vec.c's binary and text formats lives in ``vectors_io.py``,
the memory-mappable npy format in ``vectors_npy.py``, the analogy and word-pair
benchmarks in ``evaluation.py``; this file holds the class and the cosine queries.
Queries divide dot products by the row norms (a V-vector computed once), so they
never build a second V x dim matrix; queries over many words at once are one matrix
product per block of queries, never a Python loop over the vocabulary.
"""
from __future__ import annotations

import os
import warnings

import numpy as np

from . import vectors_io, vectors_npy
from .evaluation import evaluate_analogies, evaluate_word_pairs

# Queries are answered in blocks of rows so that the (queries x vocabulary) score
# matrix stays near this size whatever the vocabulary.
_SCORE_BLOCK_BYTES = 32 << 20
# Normalising in row blocks keeps the float64 temporaries small.
_NORM_BLOCK_ROWS = 1 << 15
# float16 rows are widened to float32 this many at a time (1.2 MB at dim 300, in cache:
# a query on 1M x 300 took 1.6-2.0 s with 1k rows, 3.5-6 s with 2k-8k, on 2 busy cores).
_WIDEN_BLOCK_ROWS = 1 << 10
# most_similar scores this many rows at a time, keeping the best of each block (BLAS
# calls on few rows pay OpenBLAS's thread wake-up: on 2 busy cores 64k-row blocks took 1.6x
# the time of one call, 1.0x with OPENBLAS_NUM_THREADS=1; a matrix-vector product is
# memory-bound, one thread suffices).
_TOP_BLOCK_ROWS = 1 << 16


def _as_list(x):
    if x is None:
        return []
    if isinstance(x, (str, int, np.integer, np.ndarray)):  # one term (an int: a key or a row)
        return [x]
    return list(x)


class Vectors:
    """Word vectors with the queries people expect, under our names and gensim 4's.

    Parameters
    ----------
    words : sequence of str
        ``words[i]`` is the word of row ``i``; words must be distinct.
    vectors : array_like, shape (V, dim)
        One row per word.  Kept as is (not copied) when it already is C-contiguous
        float32 (or float16, see ``dtype``), so ``Model.wv`` shares the trained matrix.
    counts : array_like of int, optional
        Corpus frequency of each word, when known (``Model.wv`` passes the
        vocabulary's; gensim keeps them as the ``"count"`` vector attribute).
    dtype : numpy.float32 or numpy.float16, optional
        Storage type of the matrix; by default float16 input stays float16 and
        anything else becomes float32.  float16 halves the memory; queries
        compute in float32 over blocks of rows.

    Attributes
    ----------
    words : sequence of str
        Also under gensim's name :attr:`index_to_key`.
    vectors : numpy.ndarray, (V, dim)
    index : dict
        word -> row, gensim's :attr:`key_to_index` (built on first use after
        :func:`~word2vec_fast.load`, which finds duplicate words without it: a
        million-word dict costs about as much as reading the whole matrix).
    counts : numpy.ndarray of int64 or None

    Notes
    -----
    Queries divide by the vector of row norms (:attr:`norms`, V float32, computed
    on first use and kept), never by a second V x dim normalised matrix: that is
    built only when asked for (:attr:`unit_vectors`, :meth:`get_normed_vectors`),
    or the rows are normalised in place (:meth:`normalize`).  If you change
    :attr:`vectors` in place, call :meth:`clear_cache`.
    """

    def __init__(self, words, vectors, counts=None, dtype=None):
        words = list(words)
        vectors = np.asarray(vectors)
        if dtype is None:
            dtype = np.float16 if vectors.dtype == np.float16 else np.float32
        vectors = np.ascontiguousarray(vectors, dtype=_storage_dtype(dtype))
        if vectors.ndim != 2 or vectors.shape[0] != len(words):
            raise ValueError(f"need one row per word: {len(words)} words, matrix {vectors.shape}")
        index = dict(zip(words, range(len(words))))
        if len(index) != len(words):
            seen = set()
            dup = next(w for w in words if w in seen or seen.add(w))
            raise ValueError(f"word {dup!r} appears more than once")
        self._set(words, vectors, index, _check_counts(counts, len(words)))

    @classmethod
    def _trusted(cls, words, vectors, index, counts=None):
        """Build from parts already checked (the loaders): no copy, no second index."""
        self = cls.__new__(cls)
        self._set(words, vectors, index, counts)
        return self

    def _set(self, words, vectors, index, counts):
        self.words = words
        self.vectors = vectors
        self.counts = counts
        self._index = index
        self._unit = self._unit_of = None
        self._norms = self._norms_of = None
        self._norms_ok = True

    @property
    def index(self) -> dict:
        """word -> row, built on first use."""
        if self._index is None:
            self._index = dict(zip(self.words, range(len(self.words))))
        return self._index

    @property
    def key_to_index(self) -> dict:
        """gensim's name for :attr:`index` (word -> row)."""
        return self.index

    @property
    def index_to_key(self):
        """gensim's name for :attr:`words` (row -> word)."""
        return self.words

    # -- basic access -----------------------------------------------------------------
    def __len__(self):
        return len(self.words)

    def __contains__(self, word):
        return self._row(word) >= 0

    def __getitem__(self, word):
        """The row of a word (as stored: not normalised); a list of words gives a matrix."""
        if isinstance(word, (list, tuple)):
            return np.vstack([self.vectors[self._idx(w)] for w in word])
        return self.vectors[self._idx(word)]

    def __iter__(self):
        return iter(self.words)

    @property
    def dim(self) -> int:
        """Number of dimensions."""
        return int(self.vectors.shape[1])

    @property
    def vector_size(self) -> int:
        """gensim's name for :attr:`dim`."""
        return self.dim

    def __repr__(self):
        return f"Vectors({len(self)} words, dim {self.dim}, {self.vectors.dtype})"

    def _row(self, word) -> int:
        """Row of a word, or -1."""
        if self._index is None and hasattr(self.words, "find"):
            return self.words.find(word)  # a mapped words file: no dict needed
        try:
            return self.index.get(word, -1)
        except TypeError:  # unhashable
            return -1

    def _missing(self, key) -> KeyError:
        """The error for a key that is not here."""
        return KeyError(f"word {key!r} not in vocabulary")

    def _idx(self, word) -> int:
        i = self._row(word)
        if i < 0:
            raise self._missing(word)
        return i

    def get_index(self, key, default=None) -> int:
        """Row of ``key`` (gensim): a word, or an int row number in range.

        Returns ``default`` for anything else if it is given, else raises ``KeyError``.
        """
        i = self._row(key)
        if i >= 0:
            return i
        if isinstance(key, (int, np.integer)) and not isinstance(key, bool) \
                and 0 <= key < len(self):
            return int(key)
        if default is not None:
            return default
        raise self._missing(key)

    def has_index_for(self, key) -> bool:
        """True if :meth:`get_index` finds ``key`` (gensim)."""
        return self.get_index(key, -1) >= 0

    def get_vector(self, key, norm: bool = False) -> np.ndarray:
        """The row of ``key`` (a word or a row number), unit length if ``norm`` (gensim).

        Read-only, as gensim returns it; copy it to change it.
        """
        i = self.get_index(key)
        out = self.unit_rows([i])[0] if norm else self.vectors[i].view()
        out.setflags(write=False)
        return out

    # -- norms and normalised rows ----------------------------------------------------
    def fill_norms(self, force: bool = False) -> None:
        """Compute the row norms (:attr:`norms`) now, or again with ``force`` (gensim)."""
        if force or self._norms is None or self._norms_of is not self.vectors \
                or len(self._norms) != len(self.vectors):
            src = self.vectors
            norms = np.empty(len(src), dtype=np.float32)
            ok = True
            for i in range(0, len(src), _NORM_BLOCK_ROWS):
                b = src[i:i + _NORM_BLOCK_ROWS]
                n = norms[i:i + len(b)]
                n[:] = np.sqrt(np.einsum("ij,ij->i", b, b, dtype=np.float64))
                with np.errstate(invalid="ignore"):
                    ok = ok and bool(np.all(np.isfinite(n) & (n > 0)))
            self._norms, self._norms_of, self._norms_ok = norms, src, ok

    @property
    def norms(self) -> np.ndarray:
        """Euclidean norm of every row, (V,) float32, computed once and kept."""
        self.fill_norms()
        return self._norms

    def unit_rows(self, rows) -> np.ndarray:
        """The given rows scaled to unit length, float32; rows of zeros, NaN or
        infinity become zero rows (they score 0 against everything)."""
        rows = np.asarray(rows, dtype=np.int64)
        norms = self.norms[rows]
        with np.errstate(all="ignore"):
            out = self.vectors[rows].astype(np.float32) / norms[..., None]
        if not self._norms_ok:
            out[~np.isfinite(out).all(axis=-1) | ~(norms > 0)] = 0.0
        return out

    @property
    def unit_vectors(self) -> np.ndarray:
        """All rows scaled to unit length, (V, dim) float32, computed once and cached.

        Costs one more V x dim float32 matrix; queries do not need it.
        """
        if self._unit is None or self._unit_of is not self.vectors \
                or self._unit.shape != self.vectors.shape:
            unit = np.empty(self.vectors.shape, dtype=np.float32)
            for i in range(0, len(unit), _NORM_BLOCK_ROWS):
                unit[i:i + _NORM_BLOCK_ROWS] = self.unit_rows(
                    np.arange(i, min(len(unit), i + _NORM_BLOCK_ROWS)))
            self._unit, self._unit_of = unit, self.vectors
        return self._unit

    def get_normed_vectors(self) -> np.ndarray:
        """gensim's name for :attr:`unit_vectors` (a second V x dim matrix, kept)."""
        return self.unit_vectors

    def normalize(self) -> None:
        """Scale every row to unit length in place (bad rows become zero rows).

        The lean alternative to :attr:`unit_vectors` when the lengths are not
        needed: no second matrix.  Needs a writable matrix (not a read-only map).
        """
        if not self.vectors.flags.writeable:
            raise ValueError("normalize(): the matrix is read-only (a memory map opened with "
                             "mmap=True); load it with mmap=False, or use the queries as they "
                             "are, which need only the norms")
        src = self.vectors
        for i in range(0, len(src), _NORM_BLOCK_ROWS):
            rows = np.arange(i, min(len(src), i + _NORM_BLOCK_ROWS))
            src[i:i + len(rows)] = self.unit_rows(rows)
        self.clear_cache()

    def clear_cache(self) -> None:
        """Forget the norms and unit rows (call after changing :attr:`vectors` in place)."""
        self._unit = self._unit_of = None
        self._norms = self._norms_of = None

    def _cosines(self, q, lim, start=0) -> np.ndarray:
        """Dot products of the float32 rows ``q`` (n, dim) with the unit rows
        ``start .. lim - 1``, (n, lim - start) float32, without a normalised matrix:
        ``(q @ rows.T) / norms``."""
        norms = self.norms[start:lim]
        m = self.vectors
        q = np.asarray(q, dtype=np.float32)
        if m.dtype == np.float32:
            s = q @ m[start:lim].T
        else:  # float16: BLAS has no half precision; widen a block of rows at a time
            s = np.empty((len(q), lim - start), dtype=np.float32)
            for i in range(start, lim, _WIDEN_BLOCK_ROWS):
                j = min(lim, i + _WIDEN_BLOCK_ROWS)
                s[:, i - start:j - start] = q @ m[i:j].astype(np.float32).T
        with np.errstate(all="ignore"):
            s /= norms
        if not self._norms_ok:
            s[~np.isfinite(s)] = 0.0
        return s

    # -- queries ----------------------------------------------------------------------
    def _limit(self, restrict_vocab):
        if restrict_vocab is None:
            return len(self)
        if int(restrict_vocab) < 0:
            raise ValueError("restrict_vocab must be >= 0")
        return min(int(restrict_vocab), len(self))

    def _term(self, item):
        """Unit vector and row (or None) of a query term: a word, a row number or a vector."""
        if isinstance(item, np.ndarray):
            x = self._query_vector(item).astype(np.float64)
            n = np.linalg.norm(x)
            return (x / n if n > 0 else x).astype(np.float32), None
        i = self.get_index(item)
        return self.unit_rows([i])[0], i

    def _query_vector(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=np.float32).reshape(-1)
        if x.shape[0] != self.dim:
            raise ValueError(f"query vector has {x.shape[0]} dimensions, expected {self.dim}")
        return x

    def _best(self, q, lim, k):
        """Rows and cosines of the ``k`` rows ``< lim`` closest to the unit vector ``q``,
        best first (ties: the lower row first), scored a block of rows at a time so
        that no temporary grows with the vocabulary."""
        rows, scores = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.float32)]
        for i in range(0, lim, _TOP_BLOCK_ROWS):
            s = self._cosines(q[None, :], min(lim, i + _TOP_BLOCK_ROWS), i)[0]
            top = np.argpartition(s, len(s) - k)[len(s) - k:] if k < len(s) \
                else np.arange(len(s))
            rows.append(top + i)
            scores.append(s[top])
        rows, scores = np.concatenate(rows), np.concatenate(scores)
        order = np.lexsort((rows, -scores))[:k]
        return rows[order], scores[order]

    @staticmethod
    def _top(scores, topn, exclude):
        """Indices of the ``topn`` best scores, best first, skipping ``exclude``."""
        k = min(topn + len(exclude), len(scores))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        return [i for i in top.tolist() if i not in exclude][:topn]

    def _weighted_terms(self, positive, negative):
        """gensim's query terms: (key, weight), a bare key weighing +1 (positive) or -1."""
        terms = []
        for sign, items in ((1.0, _as_list(positive)), (-1.0, _as_list(negative))):
            for item in items:
                if isinstance(item, tuple):
                    if len(item) != 2:
                        raise ValueError(f"a weighted query term is (word, weight), got {item!r}")
                    terms.append((item[0], float(item[1])))
                else:
                    terms.append((item, sign))
        return terms

    def most_similar(self, positive=(), negative=(), topn=10, restrict_vocab=None):
        """Words closest by cosine to the weighted mean of the query terms (3CosAdd).

        Same arguments and results as gensim 4's ``KeyedVectors.most_similar``.

        Parameters
        ----------
        positive, negative : str, int, numpy.ndarray, (term, weight), or a list of them
            Query terms.  A word (or row number) enters as its unit vector, a
            vector as it is; a bare term weighs +1 in ``positive`` and -1 in
            ``negative``, a ``(term, weight)`` tuple weighs ``weight`` wherever it
            stands (as in gensim).
        topn : int or None
            How many results; ``None`` returns the cosine of every word (in the
            first ``restrict_vocab``) as an array; ``topn < 1`` returns ``[]``.
        restrict_vocab : int or None
            Search only the first ``restrict_vocab`` words (the most frequent ones,
            in a file sorted by frequency as word2vec.c writes it).

        Returns
        -------
        list of (word, cosine)
            Best first; the query words themselves are left out.
        """
        if topn is not None and int(topn) < 1:
            return []
        terms = self._weighted_terms(positive, negative)
        if not terms:
            raise ValueError("most_similar needs at least one word")
        q = self.get_mean_vector([t for t, _ in terms], weights=[w for _, w in terms],
                                 post_normalize=True, ignore_missing=False)
        # (an unknown word that a subword model composed is no row to leave out)
        used = {self.get_index(t, -1) for t, _ in terms if not isinstance(t, np.ndarray)} - {-1}
        lim = self._limit(restrict_vocab)
        if topn is None:
            return self._cosines(q[None, :], lim)[0]
        rows, sims = self._best(q, lim, int(topn) + len(used))
        return [(self.words[i], float(s)) for i, s in zip(rows.tolist(), sims.tolist())
                if i not in used][:int(topn)]

    def similar_by_word(self, word, topn=10, restrict_vocab=None):
        """Neighbours of one word: ``most_similar([word])`` (gensim)."""
        return self.most_similar([word], topn=topn, restrict_vocab=restrict_vocab)

    similar_by_key = similar_by_word

    def similar_by_vector(self, vector, topn=10, restrict_vocab=None):
        """Neighbours of a vector: ``most_similar([vector])`` (gensim)."""
        return self.most_similar([np.asarray(vector)], topn=topn, restrict_vocab=restrict_vocab)

    def get_mean_vector(self, keys, weights=None, pre_normalize=True, post_normalize=False,
                        ignore_missing=True) -> np.ndarray:
        """Weighted mean of the rows of ``keys`` (words, row numbers or vectors), as gensim.

        Words are unit-normalised first if ``pre_normalize``, vectors enter as
        they are; the sum is divided by the sum of the absolute weights (of the
        terms used), and scaled to unit length if ``post_normalize``.  Unknown
        words are skipped, or raise ``KeyError`` unless ``ignore_missing``.
        """
        keys = keys if isinstance(keys, list) else _as_list(keys)
        if len(keys) == 0:
            raise ValueError("cannot compute a mean of no keys")
        w = np.ones(len(keys), dtype=np.float32) if weights is None \
            else np.asarray(weights, dtype=np.float32).reshape(-1)
        if w.shape[0] != len(keys):
            raise ValueError(f"{len(keys)} keys but {w.shape[0]} weights")
        mean = np.zeros(self.dim, dtype=np.float32)
        total = 0.0
        for key, wt in zip(keys, w):
            if isinstance(key, np.ndarray):
                mean += wt * self._query_vector(key)
            elif self.has_index_for(key):
                i = self.get_index(key)
                mean += wt * (self.unit_rows([i])[0] if pre_normalize
                              else self.vectors[i].astype(np.float32))
            elif not ignore_missing:
                raise self._missing(key)
            else:
                continue
            total += abs(float(wt))
        if total > 0:
            mean /= np.float32(total)
        if post_normalize:
            n = np.linalg.norm(mean.astype(np.float64))
            if n > 0:
                mean = (mean / n).astype(np.float32)
        return mean

    def most_similar_cosmul(self, positive=(), negative=(), topn=10, restrict_vocab=None):
        """Words best by 3CosMul (Levy & Goldberg 2014), as gensim computes it.

        Each cosine is shifted to [0, 1] as ``(1 + cos) / 2``; a word scores the
        product over ``positive`` divided by (the product over ``negative`` + 1e-6).
        Returns ``(word, score)`` pairs, best first, without the query words.
        """
        positive, negative = _as_list(positive), _as_list(negative)
        if not positive:
            raise ValueError("most_similar_cosmul needs at least one positive word")
        lim = self._limit(restrict_vocab)
        used = set()
        num = np.ones(lim, dtype=np.float32)
        den = np.ones(lim, dtype=np.float32)
        for items, acc in ((positive, num), (negative, den)):
            for w in items:
                t, i = self._term(w)
                acc *= (1 + self._cosines(t[None, :], lim)[0]) / 2
                if i is not None:
                    used.add(i)
        # an empty product is 1, so without negatives the divisor is 1 + 1e-6 (as gensim)
        scores = num / (den + np.float32(1e-6))
        if topn is None:
            return scores
        return [(self.words[i], float(scores[i])) for i in self._top(scores, int(topn), used)]

    def similarity(self, a, b) -> float:
        """Cosine similarity of two words."""
        u = self.unit_rows([self._idx(a), self._idx(b)])
        return float(u[0] @ u[1])

    def _unit_vector(self, word) -> np.ndarray:
        """The unit vector of a word (float32)."""
        return self.unit_rows([self._idx(word)])[0]

    def distance(self, a, b) -> float:
        """Cosine distance of two words, ``1 - similarity`` (gensim)."""
        return 1.0 - self.similarity(a, b)

    def similarities(self, pairs) -> np.ndarray:
        """Cosine similarity of many ``(a, b)`` word pairs at once (float32 array)."""
        pairs = list(pairs)
        ia = np.fromiter((self._idx(a) for a, _ in pairs), dtype=np.int64, count=len(pairs))
        ib = np.fromiter((self._idx(b) for _, b in pairs), dtype=np.int64, count=len(pairs))
        return np.einsum("ij,ij->i", self.unit_rows(ia), self.unit_rows(ib))

    def distances(self, word_or_vector, other_words=()) -> np.ndarray:
        """Cosine distances from a word or vector to ``other_words`` (default: every
        word, itself included), as gensim; float32."""
        if isinstance(word_or_vector, np.ndarray):
            q = self._term(word_or_vector)[0]
        else:
            q = self.unit_rows([self.get_index(word_or_vector)])[0]
        if not other_words:
            return 1.0 - self._cosines(q[None, :], len(self))[0]
        rows = [self.get_index(w) for w in other_words]
        return (1.0 - self.unit_rows(rows) @ q).astype(np.float32)

    def n_similarity(self, ws1, ws2) -> float:
        """Cosine of the means of two word lists (their raw rows), as gensim."""
        if not (len(ws1) and len(ws2)):
            raise ZeroDivisionError("n_similarity needs at least one word in each list")
        m1 = self.get_mean_vector(list(ws1), pre_normalize=False, post_normalize=True,
                                  ignore_missing=False)
        m2 = self.get_mean_vector(list(ws2), pre_normalize=False, post_normalize=True,
                                  ignore_missing=False)
        return float(m1 @ m2)

    def closer_than(self, a, b) -> list:
        """Words closer (by cosine) to ``a`` than ``b`` is, ``a`` left out (gensim)."""
        ia, ib = self.get_index(a), self.get_index(b)
        sims = self._cosines(self.unit_rows([ia]), len(self))[0]
        return [self.words[i] for i in np.flatnonzero(sims > sims[ib]).tolist() if i != ia]

    def rank(self, a, b) -> int:
        """1 + the number of words closer to ``a`` than ``b`` is (gensim)."""
        return len(self.closer_than(a, b)) + 1

    def doesnt_match(self, words) -> str:
        """The word of ``words`` farthest from their mean direction.

        Words not in the vocabulary are ignored with a warning (as gensim does).
        """
        words = _as_list(words)
        known = [w for w in words if w in self]
        if len(known) != len(words):
            warnings.warn(f"ignoring words not in the vocabulary: "
                          f"{[w for w in words if w not in self]}", stacklevel=2)
        if not known:
            raise ValueError("doesnt_match needs at least one known word")
        m = np.stack([self._unit_vector(w) for w in known])
        mean = m.mean(axis=0)
        n = np.linalg.norm(mean)
        if n > 0:
            mean /= n
        return known[int(np.argmin(m @ mean))]

    def analogy(self, a: str, b: str, c: str, method: str = "add", restrict_vocab=None) -> str:
        """``a`` is to ``b`` as ``c`` is to ...?  The best word other than a, b and c.

        ``method="add"`` is 3CosAdd (``b - a + c``, as word2vec's compute-accuracy),
        ``"mul"`` 3CosMul.
        """
        if method == "add":
            res = self.most_similar([b, c], [a], topn=1, restrict_vocab=restrict_vocab)
        elif method == "mul":
            res = self.most_similar_cosmul([b, c], [a], topn=1, restrict_vocab=restrict_vocab)
        else:
            raise ValueError("method must be 'add' or 'mul'")
        if not res:
            raise ValueError("no candidate words left (vocabulary too small)")
        return res[0][0]

    # -- batched queries -------------------------------------------------------------
    def nearest(self, words, topn=10, restrict_vocab=None):
        """Neighbours of many words at once: one list of ``(word, cosine)`` per word.

        Equivalent to ``[v.most_similar(w, topn=topn) for w in words]`` but computed
        as one matrix product per block of query words.
        """
        words = _as_list(words)
        rows = np.fromiter((self._idx(w) for w in words), dtype=np.int64, count=len(words))
        lim = self._limit(restrict_vocab)
        idx, sc = self._block_topk(self.unit_rows(rows), rows[:, None], int(topn), lim)
        return [[(self.words[i], float(s)) for i, s in zip(ri, rs) if s != -np.inf]
                for ri, rs in zip(idx.tolist(), sc.tolist())]

    def analogies(self, questions, topn=1, method="add", restrict_vocab=None):
        """Answer many analogy questions ``(a, b, c)`` at once ("a is to b as c is to ?").

        Returns one list of up to ``topn`` ``(word, score)`` per question (a, b and c
        left out), computed as one matrix product per block of questions.
        """
        qs = list(questions)
        ia = np.array([self._idx(q[0]) for q in qs], dtype=np.int64)
        ib = np.array([self._idx(q[1]) for q in qs], dtype=np.int64)
        ic = np.array([self._idx(q[2]) for q in qs], dtype=np.int64)
        idx, sc = self.analogy_topk(ia, ib, ic, topn, self._limit(restrict_vocab), method)
        return [[(self.words[i], float(s)) for i, s in zip(ri, rs) if s != -np.inf]
                for ri, rs in zip(idx.tolist(), sc.tolist())]

    def analogy_topk(self, ia, ib, ic, k, lim, method="add"):
        """Row indices and scores of the ``k`` best answers to ``a : b :: c : ?``.

        ``ia``, ``ib``, ``ic`` are row-index arrays; candidates are rows ``< lim``
        other than the question's own three.  Slots without a candidate score -inf.
        3CosAdd scores ``unit(b - a + c) . u``; 3CosMul as :meth:`most_similar_cosmul`.
        """
        ia, ib, ic = (np.asarray(x, dtype=np.int64) for x in (ia, ib, ic))
        excl = np.stack([ia, ib, ic], axis=1)
        ua, ub, uc = (self.unit_rows(x) for x in (ia, ib, ic))
        if method == "add":
            q = ub - ua + uc
            n = np.linalg.norm(q, axis=1, keepdims=True)
            q /= np.where(n > 0, n, 1).astype(np.float32)
            return self._block_topk(q, excl, k, lim)
        if method == "mul":
            return self._block_topk(None, excl, k, lim, mul=(ua, ub, uc))
        raise ValueError("method must be 'add' or 'mul'")

    def _block_topk(self, q, excl, k, lim, mul=None):
        """Top-``k`` rows (< lim) per query, excluding ``excl[r]``; one GEMM per block."""
        nq = len(excl)
        k = max(0, min(int(k), lim))
        idx = np.zeros((nq, k), dtype=np.int64)
        sc = np.full((nq, k), -np.inf, dtype=np.float32)
        if nq == 0 or k == 0:
            return idx, sc
        step = max(1, _SCORE_BLOCK_BYTES // (4 * max(lim, 1)))
        for s in range(0, nq, step):
            e = min(nq, s + step)
            if mul is None:
                S = self._cosines(q[s:e], lim)
            else:
                a, b, c = (self._cosines(m[s:e], lim) for m in mul)
                S = ((1 + b) / 2) * ((1 + c) / 2) / ((1 + a) / 2 + np.float32(1e-6))
            r = np.arange(e - s)[:, None]
            ex = excl[s:e]
            S[np.broadcast_to(r, ex.shape)[ex < lim], ex[ex < lim]] = -np.inf
            if k <= 8:
                # a few argmax passes (vectorised, no temporaries) beat a partition of
                # the whole block for the small k of analogies; ties go to the lower row
                rr = np.arange(e - s)
                for j in range(k):
                    best = S.argmax(axis=1)
                    idx[s:e, j] = best
                    sc[s:e, j] = S[rr, best]
                    S[rr, best] = -np.inf
                continue
            if k < lim:
                # partition S itself (not -S): no second block-sized temporary
                part = np.argpartition(S, lim - k, axis=1)[:, lim - k:]
            else:
                part = np.broadcast_to(np.arange(lim), (e - s, lim))
            ps = np.take_along_axis(S, part, axis=1)
            order = np.argsort(-ps, axis=1, kind="stable")
            idx[s:e] = np.take_along_axis(part, order, axis=1)
            sc[s:e] = np.take_along_axis(ps, order, axis=1)
        return idx, sc

    # -- evaluation -------------------------------------------------------------------
    def evaluate_analogies(self, path, restrict_vocab=30000, case_insensitive=True,
                           method="add"):
        """Accuracy on an analogy file; see :func:`word2vec_fast.evaluate_analogies`."""
        return evaluate_analogies(self, path, restrict_vocab=restrict_vocab,
                                  case_insensitive=case_insensitive, method=method)

    def evaluate_word_pairs(self, path, delimiter=None, restrict_vocab=300000,
                            case_insensitive=True, encoding="utf-8", unknown_words=False):
        """Correlation with human judgements; see :func:`word2vec_fast.evaluate_word_pairs`."""
        return evaluate_word_pairs(self, path, delimiter=delimiter,
                                   restrict_vocab=restrict_vocab,
                                   case_insensitive=case_insensitive, encoding=encoding,
                                   unknown_words=unknown_words)

    # -- I/O --------------------------------------------------------------------------
    def save(self, path, binary: bool = True, encoding: str = "utf-8",
             format: str = "word2vec", header: bool = True) -> None:
        """Write the vectors, atomically.

        ``format="word2vec"`` (default): word2vec.c's binary (or text with
        ``binary=False``) format, see :func:`word2vec_fast.vectors_io.write`;
        ``binary=False, header=False`` writes Stanford GloVe's text format (no
        ``"V dim"`` line), which :func:`load` reads too.
        ``format="npy"``: the memory-mappable pair ``path`` (the matrix as
        ``.npy``, float32 or float16 as stored) and ``path + ".words"``, see
        :mod:`word2vec_fast.vectors_npy`; :func:`load` with ``mmap=True`` maps it.
        """
        if format == "npy":
            if encoding.lower().replace("-", "").replace("_", "") != "utf8":
                raise ValueError("format='npy' writes its words file in UTF-8")
            vectors_npy.write(path, self.words, self.vectors)
        elif format == "word2vec":
            vectors_io.write(path, self.words, self.vectors, binary=binary, encoding=encoding,
                             header=header)
        else:
            raise ValueError(f"format must be 'word2vec' or 'npy', got {format!r}")

    @classmethod
    def load(cls, path, binary=None, limit=None, encoding="utf-8", unicode_errors="strict",
             duplicates="warn", nonfinite="warn", mmap=False, dtype=None) -> Vectors:
        """Read vectors; see :func:`word2vec_fast.load`."""
        if dtype is not None:
            dtype = _storage_dtype(dtype)
        if limit is not None and (isinstance(limit, bool) or int(limit) < 0):
            raise ValueError(f"limit must be an integer >= 0, got {limit!r}")
        if vectors_npy.is_npy(path):
            words, mat = vectors_npy.read(path, mmap=bool(mmap), limit=limit)
            if dtype is not None and mat.dtype != dtype:
                if mmap:
                    raise ValueError(f"{os.fspath(path)}: mmap=True maps the stored "
                                     f"{mat.dtype.name} matrix; save a {np.dtype(dtype).name} "
                                     "copy (v.astype(...).save(path, format='npy')) to map that")
                mat = mat.astype(dtype)
            return cls._trusted(words, mat, None)
        if mmap:
            raise ValueError(f"{os.fspath(path)}: mmap=True needs the npy format; convert once "
                             "with load(path).save(new_path, format='npy')")
        words, mat, index = vectors_io.read(
            path, binary=binary, limit=limit, encoding=encoding, unicode_errors=unicode_errors,
            duplicates=duplicates, nonfinite=nonfinite)
        if dtype is not None and dtype != mat.dtype:
            mat = mat.astype(dtype)
        return cls._trusted(words, mat, index)

    def astype(self, dtype) -> Vectors:
        """A copy stored as ``dtype`` (numpy.float16 halves the memory, numpy.float32)."""
        return Vectors._trusted(self.words, self.vectors.astype(_storage_dtype(dtype)),
                                self._index, self.counts)

    # -- gensim -----------------------------------------------------------------------
    def to_gensim(self):
        """These vectors as a gensim 4 ``KeyedVectors``, in memory, sharing the matrix.

        No copy of the matrix is made (changes through either show in both); the
        word -> row dict is copied, since gensim changes its own.  Word counts,
        when known, become gensim's ``"count"`` vector attribute.  Needs gensim
        (``pip install gensim``).
        """
        from gensim.models import KeyedVectors
        kv = KeyedVectors(self.dim, count=0, dtype=self.vectors.dtype)
        kv.index_to_key = list(self.words)
        kv.key_to_index = dict(self.index)
        kv.vectors = self.vectors
        kv.norms = None
        if self.counts is not None:
            kv.allocate_vecattrs(["count"], [np.int64])
            kv.expandos["count"][:] = self.counts
        return kv

    @classmethod
    def from_gensim(cls, kv) -> Vectors:
        """Vectors from a gensim 4 ``KeyedVectors`` (or a model's ``.wv``), in memory.

        The matrix is shared, not copied, when it is C-contiguous float32 or
        float16 (a ``KeyedVectors.load(..., mmap="r")`` map stays a map); counts
        are taken from gensim's ``"count"`` attribute when it has one.
        """
        words = kv.index_to_key
        bad = next((w for w in words if not isinstance(w, str)), None)
        if bad is not None:
            raise TypeError(f"from_gensim: keys must be str, found {type(bad).__name__} {bad!r}")
        counts = getattr(kv, "expandos", {}).get("count")
        return cls(words, kv.vectors, counts=counts)


def _storage_dtype(dtype):
    dt = np.dtype(dtype)
    if dt not in (np.float32, np.float16):
        raise ValueError(f"dtype must be numpy.float32 or numpy.float16, got {dt}")
    return dt


def _check_counts(counts, n):
    if counts is None:
        return None
    c = np.asarray(counts)
    if c.shape != (n,) or (c.size and (c.dtype.kind not in "iu" or c.min() < 0)):
        raise ValueError(f"counts must be {n} integers >= 0, one per word")
    return c.astype(np.int64, copy=False)


def load(path, binary=None, limit=None, encoding="utf-8", unicode_errors="strict",
         duplicates="warn", nonfinite="warn", mmap=False, dtype=None) -> Vectors:
    """Read word vectors: word2vec binary or text (detected; .gz/.bz2/.xz recognised),
    or the npy format of :meth:`Vectors.save` (detected by its magic bytes).

    See :func:`word2vec_fast.vectors_io.read` for the parameters and policies of the
    word2vec formats.  ``mmap=True`` (npy format only) maps the files read-only
    instead of reading them: several processes then share one copy, and nothing
    but a (V + 1) array of word offsets is built.  ``dtype=numpy.float16`` stores
    the matrix in half precision (converted on load; a mapped file keeps the type it
    was saved with).
    """
    return Vectors.load(path, binary=binary, limit=limit, encoding=encoding,
                        unicode_errors=unicode_errors, duplicates=duplicates,
                        nonfinite=nonfinite, mmap=mmap, dtype=dtype)
