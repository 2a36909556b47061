"""Sentence embeddings from any word vectors: the mean, SIF and uSIF.

* ``"mean"``: the average of the sentence's known word vectors.
* ``"sif"`` (Arora, Liang and Ma 2017, "A simple but tough-to-beat baseline for
  sentence embeddings"): word ``w`` weighs ``a / (a + p(w))``, ``p`` its frequency in
  the counts; the sentence is the weighted average of its known words' vectors (the
  weighted sum divided by their number); then the projection on the first principal
  component(s) of the fitted sentences' matrix is removed -- not mean-centred, as in
  the paper's code.
* ``"usif"`` (Ethayarajh 2018, "Unsupervised random walk sentence embeddings: a strong
  but simple baseline"): with ``V`` the vocabulary's size and ``n`` the average
  sentence length, ``threshold = 1 - (1 - 1/V)**n``, ``alpha`` the fraction of words
  with ``p(w) > threshold``, ``Z = V/2`` and ``a = (1 - alpha) / (alpha * Z)``; word
  ``w`` weighs ``a / (a/2 + p(w))`` and its vector is scaled to unit length first; the
  sentence is their weighted average; then the first ``m = 5`` principal components
  ``u_i`` (not mean-centred) are removed, each weighted by its share of the squared
  singular values: ``v -= sum_i lambda_i (v . u_i) u_i`` with
  ``lambda_i = s_i**2 / sum_{j<=m} s_j**2``.

The components are found by :meth:`SentenceEmbedding.fit` and stored, so new
sentences are transformed exactly as the fitted ones.  The sums run in C
(``csrc/w2v_sentences.c``), one sentence at a time on ranges of sentences spread over
threads: each sentence's result depends on nothing else, so the thread count never
changes a bit.
"""
from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Mapping

import numpy as np

from . import _sentences
from ._atomic import atomic_open
from ._threads import run_threads
from .params import check_float, check_int, check_threads

METHODS = ("mean", "sif", "usif")
#: Components removed when ``components`` is not given.
DEFAULT_COMPONENTS = {"mean": 0, "sif": 1, "usif": 5}
#: SIF's ``a`` when not given (the paper's choice).
DEFAULT_A = 1e-3
#: Sentences per piece of work handed to a thread.
CHUNK_SENTENCES = 1 << 14
# rows of the sentence matrix per block of its Gram matrix (float64 temporaries)
_GRAM_BLOCK_ROWS = 1 << 16
_FORMAT = "word2vec_fast.sentences/1"


def encode(vectors, sentences):
    """Token ids and sentence offsets of ``sentences`` in ``vectors``' rows.

    ``sentences`` is an iterable of token lists or of strings (split on whitespace);
    unknown tokens are left out.  Returns ``(ids, offsets)``: int32 ids and int64
    offsets (``len(sentences) + 1``), sentence ``s`` being ``ids[offsets[s]:offsets[s+1]]``.
    """
    if isinstance(sentences, (str, bytes)):
        raise TypeError("sentences must be an iterable of sentences (strings or token lists), "
                        "not one string")
    get = vectors.index.get
    ids, offsets = [], [0]
    for k, s in enumerate(sentences):
        if isinstance(s, str):
            s = s.split()
        elif isinstance(s, bytes) or not hasattr(s, "__iter__"):
            raise TypeError(f"sentence {k} must be a string or a list of tokens, "
                            f"got {type(s).__name__}")
        rows = [get(w, -1) if isinstance(w, str) else -1 for w in s]
        ids.extend(i for i in rows if i >= 0)
        offsets.append(len(ids))
    return np.array(ids, dtype=np.int32), np.array(offsets, dtype=np.int64)


def _check_encoded(ids, offsets, n_rows):
    """``ids``/``offsets`` as contiguous int32/int64, their shapes and ends checked (the
    glue checks each id and the order of the offsets)."""
    ids, offsets = np.asarray(ids), np.asarray(offsets)
    if ids.ndim != 1 or (ids.size and ids.dtype.kind not in "iu"):
        raise TypeError(f"ids must be a 1-d array of integers, got {ids.dtype} {ids.shape}")
    if offsets.ndim != 1 or (offsets.size and offsets.dtype.kind not in "iu"):
        raise TypeError(f"offsets must be a 1-d array of integers, got {offsets.dtype} "
                        f"{offsets.shape}")
    if offsets.size == 0:
        raise ValueError("offsets must hold at least one entry (n sentences: n + 1 offsets)")
    if offsets[0] != 0 or offsets[-1] != ids.size:
        raise ValueError(f"offsets must start at 0 and end at len(ids) = {ids.size}, got "
                         f"{offsets[0]} .. {offsets[-1]}")
    if ids.dtype != np.int32:
        if ids.size and (ids.min() < 0 or ids.max() >= n_rows):
            k = int(np.flatnonzero((ids < 0) | (ids >= n_rows))[0])
            raise ValueError(f"ids[{k}] = {ids[k]} is not a row of the word vectors "
                             f"(0..{n_rows - 1})")
        ids = ids.astype(np.int32)
    return np.ascontiguousarray(ids), np.ascontiguousarray(offsets, dtype=np.int64)


def _counts_of(vectors, counts):
    """Counts per row: ``counts`` (a word -> count mapping or one per row), else the
    vectors' own; None when neither has any."""
    if counts is None:
        c = getattr(vectors, "counts", None)
        return None if c is None else np.asarray(c, dtype=np.float64)
    if isinstance(counts, Mapping):
        c = np.array([counts.get(w, 0) for w in vectors.words], dtype=np.float64)
    else:
        c = np.asarray(counts, dtype=np.float64)
        if c.shape != (len(vectors),):
            raise ValueError(f"counts must be a word -> count mapping or hold one count per "
                             f"word ({len(vectors)}), got shape {c.shape}")
    if not np.all(np.isfinite(c)) or (c.size and c.min() < 0):
        raise ValueError("counts must be finite numbers >= 0")
    return c


def words_digest(words) -> str:
    """SHA-256 of the words in row order (what a saved embedding was fitted to)."""
    h = hashlib.sha256()
    for w in words:
        h.update(w.encode("utf-8", "surrogatepass"))
        h.update(b"\n")
    return h.hexdigest()


def usif_a(p, length) -> float:
    """uSIF's ``a`` from word probabilities ``p`` (one per vocabulary word) and the average
    sentence length: ``(1 - alpha) / (alpha * V / 2)``, ``alpha`` the fraction of words more
    probable than ``1 - (1 - 1/V)**length``; infinite when no word is (weights then 2);
    ``ValueError`` when every word is (a would be 0)."""
    v = len(p)
    threshold = 1.0 - (1.0 - 1.0 / v) ** length
    alpha = np.count_nonzero(p > threshold) / v
    if alpha == 0:
        return math.inf
    if alpha == 1:
        raise ValueError(f"uSIF: every word is more probable than the threshold "
                         f"{threshold:.3g} (vocabulary {v}, length {length:g}), so a = 0 and "
                         "every weight is 0: give a= or a larger length=")
    return (1.0 - alpha) / (alpha * v / 2.0)


class SentenceEmbedding:
    """Sentence vectors from word vectors: the mean, SIF or uSIF.

    Parameters
    ----------
    vectors : word2vec_fast.Vectors
        Any word vectors: ``model.wv``, :func:`word2vec_fast.load`'s, GloVe's; a
        :class:`~word2vec_fast.SubwordVectors` contributes its words' vectors (unknown
        words are skipped, not composed from n-grams).
    method : {"sif", "mean", "usif"}
    a : float, optional
        SIF's smoothing (default 1e-3).  uSIF computes its own from the vocabulary's
        size and the average sentence length unless ``a`` is given.
    counts : mapping or array_like, optional
        Word frequencies for SIF and uSIF: a ``word -> count`` mapping (missing words
        count 0) or one count per row.  By default ``vectors.counts`` (what
        ``model.wv`` and gensim's vectors carry); SIF and uSIF need one or the other.
    components : int, optional
        Principal components to remove: by default 1 for SIF, 5 for uSIF, 0 for the
        mean.
    length : float, optional
        uSIF's average sentence length ``n``; by default the average number of known
        words per sentence given to :meth:`fit` (at least 1).
    threads : int, optional
        Threads that embed sentences (default: all cores); results do not depend on it.

    Attributes
    ----------
    weights : numpy.ndarray of float32 or None
        Each row's weight (SIF, uSIF), None for the mean.
    components_ : numpy.ndarray, (k, dim) float32
        The removed components, orthonormal rows (found by :meth:`fit`).
    component_weights_ : numpy.ndarray, (k,) float32
        How much of each component is removed: 1 for SIF, ``lambda_i`` for uSIF.

    Notes
    -----
    Unknown tokens are skipped; a sentence with no known word is the zero vector
    (and stays zero: nothing is removed from it).  The components are those of the
    weighted averages of the sentences given to :meth:`fit`, not mean-centred;
    :meth:`transform` removes the stored ones, so a sentence gets the same vector
    whether it was fitted or not.

    Example
    -------
    >>> import word2vec_fast as w2v
    >>> from word2vec_fast.sentences import SentenceEmbedding
    >>> wv = w2v.load("vectors.bin")                                     # doctest: +SKIP
    >>> emb = SentenceEmbedding(wv, method="sif", counts=word_counts)    # doctest: +SKIP
    >>> X = emb.fit_transform(["the cat sat", "a dog barked"])           # doctest: +SKIP
    >>> X.shape                                                          # doctest: +SKIP
    (2, 100)
    >>> emb.save("sif.npz")                                              # doctest: +SKIP
    >>> emb = SentenceEmbedding.load("sif.npz", wv)                      # doctest: +SKIP
    >>> emb.transform([["a", "new", "sentence"]])                        # doctest: +SKIP
    """

    def __init__(self, vectors, method: str = "sif", a=None, counts=None, components=None,
                 length=None, threads=None):
        if method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(map(repr, METHODS))}, "
                             f"got {method!r}")
        if not hasattr(vectors, "vectors") or not hasattr(vectors, "index"):
            raise TypeError(f"vectors must be word2vec_fast.Vectors, got "
                            f"{type(vectors).__name__}")
        self.vectors = vectors
        self.method = method
        self.threads = check_threads(threads)
        dim = vectors.dim
        k = DEFAULT_COMPONENTS[method] if components is None else \
            check_int("components", components, 0)
        if k > dim:
            raise ValueError(f"components must be at most the dimension {dim}, got {k}")
        self._k = k
        self.a = None if a is None else check_float("a", a, 0.0, strict=True)
        self.length = None if length is None else check_float("length", length, 0.0,
                                                               strict=True)
        if method == "sif" and self.a is None:
            self.a = DEFAULT_A
        self._p = None
        if method != "mean":
            c = _counts_of(vectors, counts)
            if c is None:
                raise ValueError(f"method {method!r} needs word counts: these vectors have none "
                                 "(vectors.counts is None); pass counts= (a word -> count "
                                 "mapping or one count per word)")
            total = c.sum()
            if not total > 0:
                raise ValueError("counts are all zero: no word frequencies to weigh by")
            self._p = c / total
        self.weights = None
        self.components_ = np.zeros((0, dim), dtype=np.float32)
        self.component_weights_ = np.zeros(0, dtype=np.float32)
        self._fitted = k == 0
        self._coef = None
        self._rows_cache = None
        if method == "sif":
            self._set_weights(self.a / (self.a + self._p))
        elif method == "usif" and self.length is not None:
            self._usif_weights()
        elif method == "usif":
            self._fitted = False  # the average length comes from fit()

    # -- weights ------------------------------------------------------------------------
    def _usif_weights(self):
        if self.a is None:
            self.a = usif_a(self._p, self.length)
        if math.isinf(self.a):
            self._set_weights(np.full(len(self._p), 2.0))
        else:
            self._set_weights(self.a / (self.a / 2.0 + self._p))

    def _set_weights(self, w):
        self.weights = np.asarray(w, dtype=np.float32)
        self._coef = None

    def _rows(self):
        m = self.vectors.vectors
        if self._rows_cache is None or self._rows_cache[0] is not m:
            rows = m if m.dtype == np.float32 and m.flags.c_contiguous else \
                np.ascontiguousarray(m, dtype=np.float32)
            self._rows_cache = (m, rows)
            self._coef = None
        return self._rows_cache[1]

    def _coefficients(self):
        """Per-row factors of the C sum: the weights, over the row norms for uSIF."""
        rows = self._rows()
        if self._coef is None and self.weights is not None:
            if len(self.weights) != len(rows):
                raise ValueError(f"{len(self.weights)} word weights for {len(rows)} word vectors")
            coef = self.weights
            if self.method == "usif":
                norms = np.sqrt(np.einsum("ij,ij->i", rows, rows, dtype=np.float64))
                with np.errstate(all="ignore"):
                    inv = np.where(np.isfinite(norms) & (norms > 0), 1.0 / norms, 0.0)
                coef = (coef * inv).astype(np.float32)
            self._coef = np.ascontiguousarray(coef, dtype=np.float32)
        return self._coef

    # -- the sums -----------------------------------------------------------------------
    def _embed(self, ids, offsets, comps, lambdas):
        rows, coef = self._rows(), self._coefficients()
        n = len(offsets) - 1
        out = np.empty((n, rows.shape[1]), dtype=np.float32)
        step = CHUNK_SENTENCES
        starts = range(0, n, step)

        def one(_, lo):
            hi = min(n, lo + step)
            _sentences.embed(rows, coef, ids, offsets, lo, hi, comps, lambdas, out[lo:hi])
        run_threads(min(self.threads, max(1, len(starts))), one, starts,
                    name="word2vec_fast-sentences")
        return out

    def _remove(self, out):
        if len(self.components_) == 0:
            return out
        step = CHUNK_SENTENCES

        def one(_, lo):
            _sentences.remove(out[lo:lo + step], self.components_, self.component_weights_)
        starts = range(0, len(out), step)
        run_threads(min(self.threads, max(1, len(starts))), one, starts,
                    name="word2vec_fast-sentences")
        return out

    # -- fit and transform --------------------------------------------------------------
    def fit(self, sentences) -> SentenceEmbedding:
        """Find the components to remove (and uSIF's length and ``a``) from ``sentences``:
        an iterable of token lists or of strings (split on whitespace).  Returns self."""
        self._fit_raw(*encode(self.vectors, sentences))
        return self

    def fit_ids(self, ids, offsets) -> SentenceEmbedding:
        """:meth:`fit` from token ids and offsets (see :meth:`transform_ids`)."""
        self._fit_raw(*_check_encoded(ids, offsets, len(self.vectors)))
        return self

    def _fit_raw(self, ids, offsets):
        """Fit; returns the sentences' weighted averages (before the removal)."""
        n = len(offsets) - 1
        if n == 0:
            raise ValueError("fit needs at least one sentence")
        if self.method == "usif" and self.length is None:
            self.length = max(len(ids) / n, 1.0)
            self._usif_weights()
        raw = self._embed(ids, offsets, None, None)
        k = self._k
        dim = raw.shape[1]
        if k:
            gram = np.zeros((dim, dim), dtype=np.float64)
            for i in range(0, n, _GRAM_BLOCK_ROWS):
                b = raw[i:i + _GRAM_BLOCK_ROWS].astype(np.float64)
                gram += b.T @ b
            vals, vecs = np.linalg.eigh(gram)
            order = np.argsort(vals)[::-1][:k]
            s2 = np.maximum(vals[order], 0.0)
            u = vecs[:, order].T
            # a sign for each component (its largest entry positive): the same file twice
            u *= np.where(u[np.arange(k), np.argmax(np.abs(u), axis=1)] < 0, -1.0, 1.0)[:, None]
            if self.method == "usif":
                lam = s2 / s2.sum() if s2.sum() > 0 else np.zeros(k)
            else:
                lam = np.ones(k)
            self.components_ = np.ascontiguousarray(u, dtype=np.float32)
            self.component_weights_ = lam.astype(np.float32)
        self._fitted = True
        return raw

    def _check_fitted(self):
        if not self._fitted:
            raise RuntimeError(f"this {self.method!r} embedding is not fitted: call "
                               "fit(sentences) first (it finds the components to remove)")

    def transform(self, sentences) -> np.ndarray:
        """The sentences' vectors, (n, dim) float32: ``sentences`` an iterable of token
        lists or of strings (split on whitespace).  Unknown tokens are skipped; a
        sentence with no known word gives the zero vector."""
        self._check_fitted()
        return self._transform(*encode(self.vectors, sentences))

    def transform_ids(self, ids, offsets) -> np.ndarray:
        """:meth:`transform` of sentences already encoded, the fast way.

        Parameters
        ----------
        ids : array_like of int32
            Rows of the word vectors, every sentence's one after another (each in
            ``0 .. len(vectors) - 1``; leave unknown words out).
        offsets : array_like of int64, (n + 1,)
            Sentence ``s`` is ``ids[offsets[s]:offsets[s + 1]]``; starts at 0, ends at
            ``len(ids)``, never decreases (a :class:`word2vec_fast.Corpus` of the same
            vocabulary has these).
        """
        self._check_fitted()
        return self._transform(*_check_encoded(ids, offsets, len(self.vectors)))

    def _transform(self, ids, offsets):
        return self._embed(ids, offsets, self.components_, self.component_weights_)

    def fit_transform(self, sentences) -> np.ndarray:
        """:meth:`fit`, then :meth:`transform` of the same sentences (in one pass)."""
        return self._remove(self._fit_raw(*encode(self.vectors, sentences)))

    def fit_transform_ids(self, ids, offsets) -> np.ndarray:
        """:meth:`fit_transform` from token ids and offsets."""
        return self._remove(self._fit_raw(*_check_encoded(ids, offsets, len(self.vectors))))

    # -- files --------------------------------------------------------------------------
    def save(self, path) -> None:
        """Write what :meth:`load` needs to transform as this embedding does -- method,
        ``a``, length, the word weights and the components -- as an ``.npz`` (no pickle),
        atomically."""
        self._check_fitted()
        parts = {
            "format": np.array(_FORMAT), "method": np.array(self.method),
            "a": np.array(np.nan if self.a is None else self.a, dtype=np.float64),
            "length": np.array(np.nan if self.length is None else self.length,
                               dtype=np.float64),
            "dim": np.array(self.vectors.dim, dtype=np.int64),
            "n_words": np.array(len(self.vectors), dtype=np.int64),
            "words_sha256": np.array(words_digest(self.vectors.words)),
            "weights": np.zeros(0, np.float32) if self.weights is None else self.weights,
            "components": self.components_, "component_weights": self.component_weights_,
        }
        with atomic_open(path) as f:
            np.savez(f, **parts)

    @classmethod
    def load(cls, path, vectors, threads=None) -> SentenceEmbedding:
        """An embedding :meth:`save` wrote, for the same ``vectors`` (same words in the
        same order, same dimension: ``ValueError`` otherwise)."""
        name = os.fspath(path)
        try:
            with np.load(name, allow_pickle=False) as z:
                parts = {k: z[k] for k in z.files}
        except (ValueError, OSError) as e:
            if isinstance(e, FileNotFoundError):
                raise
            raise ValueError(f"{name}: not a saved sentence embedding ({e})") from None
        need = ("format", "method", "a", "length", "dim", "n_words", "words_sha256",
                "weights", "components", "component_weights")
        missing = [k for k in need if k not in parts]
        if missing or str(parts["format"]) != _FORMAT:
            raise ValueError(f"{name}: not a saved sentence embedding (format "
                             f"{_FORMAT!r}; missing {', '.join(missing) or 'nothing'})")
        method = str(parts["method"])
        comps = np.ascontiguousarray(parts["components"], dtype=np.float32)
        lam = np.ascontiguousarray(parts["component_weights"], dtype=np.float32)
        dim = int(parts["dim"])
        if comps.ndim != 2 or (comps.shape[0] and comps.shape[1] != dim) \
                or lam.shape != (comps.shape[0],) or method not in METHODS:
            raise ValueError(f"{name}: damaged sentence embedding (components {comps.shape}, "
                             f"their weights {lam.shape}, dim {dim}, method {method!r})")
        if dim != vectors.dim:
            raise ValueError(f"{name}: the embedding's components have dimension {dim} but "
                             f"the word vectors have dimension {vectors.dim}")
        n_words = int(parts["n_words"])
        if n_words != len(vectors):
            raise ValueError(f"{name}: the embedding was fitted to {n_words:,} words, these "
                             f"vectors have {len(vectors):,}")
        if str(parts["words_sha256"]) != words_digest(vectors.words):
            raise ValueError(f"{name}: the embedding was fitted to other words (or another "
                             "order) than these vectors'")
        weights = parts["weights"]
        if method != "mean" and weights.shape != (n_words,):
            raise ValueError(f"{name}: damaged sentence embedding ({weights.shape} weights "
                             f"for {n_words} words)")
        self = cls.__new__(cls)
        self.vectors, self.method = vectors, method
        self.threads = check_threads(threads)
        a, length = float(parts["a"]), float(parts["length"])
        self.a = None if math.isnan(a) else a
        self.length = None if math.isnan(length) else length
        self._p = None
        self._k = comps.shape[0]
        self.weights = None if method == "mean" else weights.astype(np.float32)
        self.components_, self.component_weights_ = comps, lam
        self._coef = self._rows_cache = None
        self._fitted = True
        return self

    def __repr__(self):
        state = f"{len(self.components_)} components" if self._fitted else "not fitted"
        a = "" if self.a is None else f", a={self.a:g}"
        return (f"SentenceEmbedding({self.method!r}{a}, dim {self.vectors.dim}, "
                f"{len(self.vectors)} words, {state})")
