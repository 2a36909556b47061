"""The trained model: vocabulary, input vectors and output weights."""
from __future__ import annotations

import numpy as np

from . import _kernels
from .vectors import Vectors
from .vocab import Vocab


class Model:
    """A word2vec model as returned by :func:`word2vec_fast.train`.

    Attributes
    ----------
    vocab : Vocab
        Words in frequency order with their counts.
    words : list of str
        ``vocab.words``.
    vectors : numpy.ndarray, (V, dim) float32
        The word vectors (word2vec.c's ``syn0``), C-contiguous.
    syn1neg : numpy.ndarray or None
        Output weights of negative sampling, (V, dim).
    syn1 : numpy.ndarray or None
        Output weights of hierarchical softmax, one row per Huffman inner node.
    params : dict
        The training parameters.
    stats : dict
        Figures of the last run: ``words`` (raw words trained), ``train_seconds``,
        ``words_per_sec``, per-epoch and per-thread word counts, ...
    """

    def __init__(self, vocab: Vocab, vectors, syn1neg, syn1, params: dict):
        self.vocab = vocab
        self.vectors = vectors
        self.syn1neg = syn1neg
        self.syn1 = syn1
        self.params = dict(params)
        self.stats: dict = {}
        self._wv = None
        self._build_tables()

    @classmethod
    def create(cls, vocab: Vocab, *, dim, window, negative, hs, sg, cbow_mean, sample, alpha,
               min_alpha, epochs, seed, min_count, batch=0) -> "Model":
        """A fresh model: input rows uniform in (-0.5/dim, 0.5/dim), output rows zero."""
        v = len(vocab)
        rng = np.random.Generator(np.random.PCG64(seed))
        vectors = rng.random((v, dim), dtype=np.float32)
        vectors -= np.float32(0.5)
        vectors /= np.float32(dim)
        syn1neg = np.zeros((v, dim), dtype=np.float32) if negative > 0 else None
        syn1 = np.zeros((max(v - 1, 1), dim), dtype=np.float32) if hs else None
        params = dict(dim=dim, window=window, negative=negative, hs=hs, sg=sg,
                      cbow_mean=cbow_mean, sample=sample, alpha=alpha, min_alpha=min_alpha,
                      epochs=epochs, seed=seed, min_count=min_count, batch=batch)
        return cls(vocab, vectors, syn1neg, syn1, params)

    def _build_tables(self):
        counts = self.vocab.counts
        self._alias_prob = self._alias_idx = None
        self._code_offsets = self._codes = self._points = None
        if self.params["negative"] > 0:
            w = counts.astype(np.float64) ** 0.75
            if not np.any(w > 0):
                w = np.ones_like(w)
            self._alias_prob, self._alias_idx = _kernels.build_alias(w)
        if self.params["hs"]:
            self._code_offsets, self._codes, self._points = _kernels.build_huffman(counts)

    def train_corpus(self, corpus, *, threads, alpha_end, alpha_floor, progress=None):
        """Train on an encoded :class:`~word2vec_fast.corpus.Corpus` (its vocab must be ours)."""
        from .train import run_engine
        if corpus.vocab is not self.vocab and corpus.vocab.words != self.vocab.words:
            raise ValueError("the corpus was encoded with another vocabulary")
        self.stats = run_engine(self, corpus, threads=threads, alpha_end=alpha_end,
                                alpha_floor=alpha_floor, progress=progress)
        if self._wv is not None:
            self._wv.clear_cache()  # training changed the rows in place
        return self

    @property
    def words(self):
        return self.vocab.words

    @property
    def wv(self) -> Vectors:
        """The vectors as a :class:`Vectors` object (queries, save); shares memory."""
        if self._wv is None or self._wv.vectors is not self.vectors:
            self._wv = Vectors(self.vocab.words, self.vectors)
        return self._wv

    def most_similar(self, *args, **kwargs):
        """See :meth:`Vectors.most_similar`."""
        return self.wv.most_similar(*args, **kwargs)

    def save(self, path, binary: bool = True) -> None:
        """Write the vectors in word2vec.c's binary (default) or text format."""
        self.wv.save(path, binary=binary)

    def __repr__(self):
        kind = "skip-gram" if self.params["sg"] else "CBOW"
        return f"Model({kind}, {len(self.vocab)} words, dim {self.params['dim']})"
