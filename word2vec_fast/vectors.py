"""Word vectors: a vocabulary plus a (V, dim) float32 matrix, with the usual queries.

Reading and writing word2vec.c's binary and text formats lives in ``vectors_io.py``,
the analogy and word-pair benchmarks in ``evaluation.py``; this file holds the
class and the cosine queries.  Every query works on the unit-normalised rows, which
are computed once and cached; queries over many words at once are one matrix
product per block of queries, never a Python loop over the vocabulary.
"""
from __future__ import annotations

import warnings

import numpy as np

from . import vectors_io
from .evaluation import evaluate_analogies, evaluate_word_pairs

# Queries are answered in blocks of rows so that the (queries x vocabulary) score
# matrix stays near this size whatever the vocabulary.
_SCORE_BLOCK_BYTES = 32 << 20
# Normalising in row blocks keeps the float64 temporaries small.
_NORM_BLOCK_ROWS = 1 << 15


def _as_list(x):
    if x is None:
        return []
    if isinstance(x, (str, np.ndarray)):
        return [x]
    return list(x)


class Vectors:
    """Word vectors with the queries people expect.

    Parameters
    ----------
    words : sequence of str
        ``words[i]`` is the word of row ``i``; words must be distinct.
    vectors : array_like, shape (V, dim)
        One row per word.  Kept as is (not copied) when it already is C-contiguous
        float32, so ``Model.wv`` shares the trained matrix.

    Attributes
    ----------
    words : list of str
    vectors : numpy.ndarray, (V, dim) float32
    index : dict
        word -> row (built on first use after :func:`~word2vec_fast.load`, which
        finds duplicate words without it: a million-word dict costs about as much
        as reading the whole matrix).

    Notes
    -----
    The first cosine query computes :attr:`unit_vectors`, a second V x dim float32
    matrix (the same memory again as :attr:`vectors`), and keeps it.  If you change
    :attr:`vectors` in place afterwards, call :meth:`clear_cache`.
    """

    def __init__(self, words, vectors):
        words = list(words)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(words):
            raise ValueError(f"need one row per word: {len(words)} words, matrix {vectors.shape}")
        index = dict(zip(words, range(len(words))))
        if len(index) != len(words):
            seen = set()
            dup = next(w for w in words if w in seen or seen.add(w))
            raise ValueError(f"word {dup!r} appears more than once")
        self._set(words, vectors, index)

    @classmethod
    def _trusted(cls, words, vectors, index):
        """Build from parts already checked (the loader): no copy, no second index."""
        self = cls.__new__(cls)
        self._set(words, vectors, index)
        return self

    def _set(self, words, vectors, index):
        self.words = words
        self.vectors = vectors
        self._index = index
        self._unit = None
        self._unit_of = None

    @property
    def index(self) -> dict:
        """word -> row, built on first use."""
        if self._index is None:
            self._index = dict(zip(self.words, range(len(self.words))))
        return self._index

    # -- basic access -----------------------------------------------------------------
    def __len__(self):
        return len(self.words)

    def __contains__(self, word):
        return word in self.index

    def __getitem__(self, word):
        return self.vectors[self._idx(word)]

    def __iter__(self):
        return iter(self.words)

    @property
    def dim(self) -> int:
        """Number of dimensions."""
        return int(self.vectors.shape[1])

    def __repr__(self):
        return f"Vectors({len(self)} words, dim {self.dim})"

    def _idx(self, word) -> int:
        try:
            return self.index[word]
        except (KeyError, TypeError):
            raise KeyError(f"word {word!r} not in vocabulary") from None

    # -- normalised rows --------------------------------------------------------------
    @property
    def unit_vectors(self) -> np.ndarray:
        """Rows scaled to unit length, (V, dim) float32, computed once and cached.

        Costs one more V x dim float32 matrix.  Rows of zeros, NaN or infinity
        become zero rows, so they score 0 against everything instead of spreading NaN.
        """
        if self._unit is None or self._unit_of is not self.vectors \
                or self._unit.shape != self.vectors.shape:
            src = self.vectors
            unit = np.empty_like(src, dtype=np.float32)
            for i in range(0, len(src), _NORM_BLOCK_ROWS):
                b = src[i:i + _NORM_BLOCK_ROWS]
                with np.errstate(all="ignore"):
                    norm = np.sqrt(np.einsum("ij,ij->i", b, b, dtype=np.float64))
                    good = np.isfinite(norm) & (norm > 0)
                    scale = np.where(good, 1.0 / np.where(good, norm, 1.0), 0.0)
                    np.multiply(b, scale[:, None].astype(np.float32), out=unit[i:i + len(b)])
                unit[i:i + len(b)][~good] = 0.0
            self._unit, self._unit_of = unit, src
        return self._unit

    def clear_cache(self) -> None:
        """Forget the cached unit rows (call after changing :attr:`vectors` in place)."""
        self._unit = self._unit_of = None

    # -- queries ----------------------------------------------------------------------
    def _limit(self, restrict_vocab):
        if restrict_vocab is None:
            return len(self)
        if int(restrict_vocab) < 0:
            raise ValueError("restrict_vocab must be >= 0")
        return min(int(restrict_vocab), len(self))

    def _term(self, item, u):
        """Unit vector and row (or None) of a query term: a word or a vector."""
        if isinstance(item, np.ndarray):
            x = np.asarray(item, dtype=np.float64).reshape(-1)
            if x.shape[0] != self.dim:
                raise ValueError(f"query vector has {x.shape[0]} dimensions, expected {self.dim}")
            n = np.linalg.norm(x)
            return (x / n if n > 0 else x).astype(np.float32), None
        i = self._idx(item)
        return u[i], i

    @staticmethod
    def _top(scores, topn, exclude):
        """Indices of the ``topn`` best scores, best first, skipping ``exclude``."""
        k = min(topn + len(exclude), len(scores))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        top = top[np.argsort(-scores[top], kind="stable")]
        return [i for i in top.tolist() if i not in exclude][:topn]

    def most_similar(self, positive=(), negative=(), topn=10, restrict_vocab=None):
        """Words closest by cosine to the mean of ``positive`` minus ``negative`` (3CosAdd).

        Parameters
        ----------
        positive, negative : str, numpy.ndarray or list of them
            Query terms; each word enters as its unit vector.
        topn : int or None
            How many results; ``None`` returns the cosine of every word (in the
            first ``restrict_vocab``) as an array.
        restrict_vocab : int or None
            Search only the first ``restrict_vocab`` words (the most frequent ones,
            in a file sorted by frequency as word2vec.c writes it).

        Returns
        -------
        list of (word, cosine)
            Best first; the query words themselves are left out.
        """
        positive, negative = _as_list(positive), _as_list(negative)
        if not positive and not negative:
            raise ValueError("most_similar needs at least one word")
        u = self.unit_vectors
        lim = self._limit(restrict_vocab)
        q = np.zeros(self.dim, dtype=np.float32)
        used = set()
        for sign, items in ((1.0, positive), (-1.0, negative)):
            for w in items:
                t, i = self._term(w, u)
                q += np.float32(sign) * t
                if i is not None:
                    used.add(i)
        n = float(np.linalg.norm(q))
        if n > 0:
            q /= np.float32(n)
        sims = u[:lim] @ q
        if topn is None:
            return sims
        return [(self.words[i], float(sims[i])) for i in self._top(sims, int(topn), used)]

    def most_similar_cosmul(self, positive=(), negative=(), topn=10, restrict_vocab=None):
        """Words best by 3CosMul (Levy & Goldberg 2014), as gensim computes it.

        Each cosine is shifted to [0, 1] as ``(1 + cos) / 2``; a word scores the
        product over ``positive`` divided by (the product over ``negative`` + 1e-6).
        Returns ``(word, score)`` pairs, best first, without the query words.
        """
        positive, negative = _as_list(positive), _as_list(negative)
        if not positive:
            raise ValueError("most_similar_cosmul needs at least one positive word")
        u = self.unit_vectors
        lim = self._limit(restrict_vocab)
        used = set()
        num = np.ones(lim, dtype=np.float32)
        den = np.ones(lim, dtype=np.float32)
        for items, acc in ((positive, num), (negative, den)):
            for w in items:
                t, i = self._term(w, u)
                acc *= (1 + u[:lim] @ t) / 2
                if i is not None:
                    used.add(i)
        # an empty product is 1, so without negatives the divisor is 1 + 1e-6 (as gensim)
        scores = num / (den + np.float32(1e-6))
        if topn is None:
            return scores
        return [(self.words[i], float(scores[i])) for i in self._top(scores, int(topn), used)]

    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two words."""
        u = self.unit_vectors
        return float(u[self._idx(a)] @ u[self._idx(b)])

    def similarities(self, pairs) -> np.ndarray:
        """Cosine similarity of many ``(a, b)`` word pairs at once (float32 array)."""
        pairs = list(pairs)
        u = self.unit_vectors
        ia = np.fromiter((self._idx(a) for a, _ in pairs), dtype=np.int64, count=len(pairs))
        ib = np.fromiter((self._idx(b) for _, b in pairs), dtype=np.int64, count=len(pairs))
        return np.einsum("ij,ij->i", u[ia], u[ib])

    def doesnt_match(self, words) -> str:
        """The word of ``words`` farthest from their mean direction.

        Words not in the vocabulary are ignored with a warning (as gensim does).
        """
        words = _as_list(words)
        known = [w for w in words if w in self.index]
        if len(known) != len(words):
            warnings.warn(f"ignoring words not in the vocabulary: "
                          f"{[w for w in words if w not in self.index]}", stacklevel=2)
        if not known:
            raise ValueError("doesnt_match needs at least one known word")
        m = self.unit_vectors[[self.index[w] for w in known]]
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
        u = self.unit_vectors
        lim = self._limit(restrict_vocab)
        idx, sc = self._block_topk(u[rows], rows[:, None], int(topn), lim)
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
        u = self.unit_vectors
        ia, ib, ic = (np.asarray(x, dtype=np.int64) for x in (ia, ib, ic))
        excl = np.stack([ia, ib, ic], axis=1)
        if method == "add":
            q = u[ib] - u[ia] + u[ic]
            n = np.linalg.norm(q, axis=1, keepdims=True)
            q /= np.where(n > 0, n, 1).astype(np.float32)
            return self._block_topk(q, excl, k, lim)
        if method == "mul":
            return self._block_topk(None, excl, k, lim, mul=(u[ia], u[ib], u[ic]))
        raise ValueError("method must be 'add' or 'mul'")

    def _block_topk(self, q, excl, k, lim, mul=None):
        """Top-``k`` rows (< lim) per query, excluding ``excl[r]``; one GEMM per block."""
        u = self.unit_vectors[:lim]
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
                S = q[s:e] @ u.T
            else:
                a, b, c = (m[s:e] @ u.T for m in mul)
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
                            case_insensitive=True, encoding="utf-8"):
        """Correlation with human judgements; see :func:`word2vec_fast.evaluate_word_pairs`."""
        return evaluate_word_pairs(self, path, delimiter=delimiter,
                                   restrict_vocab=restrict_vocab,
                                   case_insensitive=case_insensitive, encoding=encoding)

    # -- I/O --------------------------------------------------------------------------
    def save(self, path, binary: bool = True, encoding: str = "utf-8") -> None:
        """Write word2vec.c's binary (default) or text format, atomically.

        See :func:`word2vec_fast.vectors_io.write`.
        """
        vectors_io.write(path, self.words, self.vectors, binary=binary, encoding=encoding)

    @classmethod
    def load(cls, path, binary=None, limit=None, encoding="utf-8", unicode_errors="strict",
             duplicates="warn", nonfinite="warn") -> "Vectors":
        """Read a word2vec binary or text file; see :func:`word2vec_fast.load`."""
        words, mat, index = vectors_io.read(
            path, binary=binary, limit=limit, encoding=encoding, unicode_errors=unicode_errors,
            duplicates=duplicates, nonfinite=nonfinite)
        return cls._trusted(words, mat, index)


def load(path, binary=None, limit=None, encoding="utf-8", unicode_errors="strict",
         duplicates="warn", nonfinite="warn") -> Vectors:
    """Read word2vec vectors (binary or text, detected; .gz/.bz2/.xz recognised).

    See :func:`word2vec_fast.vectors_io.read` for the parameters and policies.
    """
    return Vectors.load(path, binary=binary, limit=limit, encoding=encoding,
                        unicode_errors=unicode_errors, duplicates=duplicates,
                        nonfinite=nonfinite)
