"""Embedding layers from word vectors: the weight matrix a Keras or PyTorch
``Embedding`` layer starts from, in the row order of a tokenizer's vocabulary.

NumPy only: the deep-learning framework is the caller's; the docstring of
:func:`embedding_matrix` shows the two-line recipes for both.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from .params import check_int

MISSING = ("zeros", "random", "mean", "subword")


class EmbeddingLayer(NamedTuple):
    """What :func:`embedding_matrix` returns.

    Attributes
    ----------
    matrix : numpy.ndarray, (rows, dim)
        Row ``i`` is the vector of the word with index ``i``.
    found : numpy.ndarray of bool, (rows,)
        True where the row is the word's own vector from the vectors; False for
        missing words (filled as ``missing`` says), the padding row and rows no word
        has (zeros).
    missing_words : list of str
        The vocabulary's words the vectors do not have, in row order.
    """
    matrix: np.ndarray
    found: np.ndarray
    missing_words: list


def _vocabulary_rows(vocabulary, index_base):
    """(words, row indices as int64, number of rows) of a list of words or of a
    word -> index mapping (a Keras ``Tokenizer`` or a torchtext ``Vocab`` is read as
    its mapping)."""
    if hasattr(vocabulary, "word_index") and isinstance(vocabulary.word_index, Mapping):
        vocabulary = vocabulary.word_index  # keras Tokenizer
    elif hasattr(vocabulary, "get_stoi") and callable(vocabulary.get_stoi):
        vocabulary = vocabulary.get_stoi()  # torchtext Vocab
    if isinstance(vocabulary, (str, bytes)):
        raise TypeError("vocabulary must be a list of words or a word -> index mapping, "
                        "not one string")
    if isinstance(vocabulary, Mapping):
        if index_base is not None:
            raise ValueError("index_base applies to a list of words; a word -> index "
                             "mapping gives its own indices")
        words = list(vocabulary)
        if not words:
            raise ValueError("the vocabulary is empty")
        idx = []
        for w in words:
            i = vocabulary[w]
            if isinstance(i, bool) or not isinstance(i, (int, np.integer)):
                raise TypeError(f"the index of word {w!r} must be an integer, got "
                                f"{type(i).__name__} {i!r}")
            if i < 0:
                raise ValueError(f"the index of word {w!r} is negative ({i}): indices are "
                                 "rows of the matrix, 0 or more")
            idx.append(int(i))
        rows = np.array(idx, dtype=np.int64)
        order = np.argsort(rows, kind="stable")
        dup = np.flatnonzero(np.diff(rows[order]) == 0)
        if dup.size:
            a, b = order[dup[0]], order[dup[0] + 1]
            raise ValueError(f"words {words[a]!r} and {words[b]!r} have the same index "
                             f"{rows[a]}: each row can hold one word")
        return words, rows, int(rows.max()) + 1
    try:
        words = list(vocabulary)
    except TypeError:
        raise TypeError(f"vocabulary must be a list of words or a word -> index mapping, "
                        f"got {type(vocabulary).__name__}") from None
    if not words:
        raise ValueError("the vocabulary is empty")
    base = 0 if index_base is None else check_int("index_base", index_base, 0)
    return words, np.arange(base, base + len(words), dtype=np.int64), base + len(words)


def embedding_matrix(vectors, vocabulary, *, missing: str = "zeros", index_base=None,
                     padding=None, seed: int = 0, dtype=np.float32) -> EmbeddingLayer:
    """The weight matrix of an embedding layer for ``vocabulary``, from word vectors.

    Parameters
    ----------
    vectors : word2vec_fast.Vectors
        Any word vectors (``model.wv``, :func:`word2vec_fast.load`'s, GloVe's,
        :class:`~word2vec_fast.SubwordVectors`).
    vocabulary : list of str, or mapping str -> int
        A list: row ``i + index_base`` is ``vocabulary[i]``.  A mapping (a tokenizer's
        ``word -> index``): row ``index`` is the word; the matrix has
        ``max(index) + 1`` rows.  A Keras ``Tokenizer`` (its ``word_index``, which
        starts at 1) or a torchtext ``Vocab`` (its ``get_stoi()``) is read as its
        mapping.  Rows no word has (Keras's row 0) are zeros.
    missing : {"zeros", "random", "mean", "subword"}
        The rows of words the vectors do not have: zeros; normal draws with mean 0
        and the standard deviation of the found vectors' entries (``seed``); the
        mean of the found vectors; or, for vectors that compose unknown words from
        their n-grams (:class:`~word2vec_fast.SubwordVectors`), that vector (zeros
        for a word with no n-gram).
    index_base : int, optional
        For a list: the index of its first word (default 0; 1 leaves row 0 for
        padding, as Keras does).  Not for a mapping.
    padding : int, optional
        A row that stays zero whatever word has it (PyTorch's ``padding_idx``).
    seed : int
        Seed of ``missing="random"``.
    dtype : numpy dtype
        Of the matrix (default float32).

    Returns
    -------
    EmbeddingLayer
        ``(matrix, found, missing_words)``.

    Raises
    ------
    ValueError
        An empty vocabulary, two words with one index, a negative index, a padding
        row outside the matrix, an unknown ``missing``, ``"subword"`` for vectors
        that cannot make vectors of unknown words, ``"random"``/``"mean"`` when no
        word is found.

    Example
    -------
    >>> import numpy as np, word2vec_fast as w2v
    >>> from word2vec_fast.embedding import embedding_matrix
    >>> wv = w2v.Vectors(["cat", "dog"], np.eye(2))
    >>> layer = embedding_matrix(wv, {"cat": 1, "dog": 2, "emu": 3})   # Keras-style
    >>> layer.matrix
    array([[0., 0.],
           [1., 0.],
           [0., 1.],
           [0., 0.]], dtype=float32)
    >>> layer.found.tolist(), layer.missing_words
    ([False, True, True, False], ['emu'])

    Keras (``m = layer.matrix``; ``n, d = m.shape``)::

        emb = keras.layers.Embedding(n, d, trainable=False,
                                     embeddings_initializer=keras.initializers.Constant(m))

    PyTorch::

        emb = torch.nn.Embedding.from_pretrained(torch.from_numpy(m), freeze=True,
                                                 padding_idx=0)
    """
    if missing not in MISSING:
        raise ValueError(f"missing must be one of {', '.join(map(repr, MISSING))}, "
                         f"got {missing!r}")
    if not hasattr(vectors, "vectors") or not hasattr(vectors, "words"):
        raise TypeError(f"vectors must be word2vec_fast.Vectors, got {type(vectors).__name__}")
    if missing == "subword" and not callable(getattr(vectors, "compose", None)):
        raise ValueError(f"missing='subword' needs vectors that make vectors of unknown "
                         f"words from their n-grams (SubwordVectors, e.g. from "
                         f"load_fasttext); {type(vectors).__name__} cannot")
    seed = check_int("seed", seed, 0)
    words, rows, n_rows = _vocabulary_rows(vocabulary, index_base)
    if padding is not None:
        padding = check_int("padding", padding, 0)
        if padding >= n_rows:
            raise ValueError(f"padding row {padding} is outside the matrix's {n_rows} rows")
    dt = np.dtype(dtype)
    if dt.kind != "f":
        raise ValueError(f"dtype must be a floating type, got {dt}")

    src = np.array([vectors._row(w) for w in words], dtype=np.int64)
    keep = rows != padding if padding is not None else np.ones(len(rows), bool)
    has = (src >= 0) & keep
    matrix = np.zeros((n_rows, vectors.dim), dtype=np.float32)
    found = np.zeros(n_rows, dtype=bool)
    matrix[rows[has]] = vectors.vectors[src[has]]
    found[rows[has]] = True
    lost = np.flatnonzero((src < 0) & keep)
    lost = lost[np.argsort(rows[lost], kind="stable")]  # row order
    missing_words = [words[k] for k in lost]
    if lost.size and missing != "zeros":
        if missing == "subword":
            for k in lost:
                try:
                    matrix[rows[k]] = vectors.compose(words[k])
                except KeyError:  # no n-gram: stays zero
                    pass
        else:
            if not has.any():
                raise ValueError(f"missing={missing!r} needs found vectors, and no word of "
                                 "the vocabulary has one")
            got = matrix[rows[has]].astype(np.float64)
            if missing == "mean":
                matrix[rows[lost]] = got.mean(axis=0)
            else:
                rng = np.random.default_rng(seed)
                matrix[rows[lost]] = rng.normal(0.0, got.std(), size=(lost.size, vectors.dim))
    return EmbeddingLayer(matrix.astype(dt, copy=False), found, missing_words)
