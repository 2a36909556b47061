"""Starting training from pretrained vectors: the rows of the words both vocabularies
share are copied into a fresh model's input matrix, and optionally locked."""
from __future__ import annotations

import logging
import os

import numpy as np

from .vectors import Vectors, load

logger = logging.getLogger("word2vec_fast")


def as_vectors(init) -> Vectors:
    """``init`` as :class:`Vectors`: itself, or read from a path (any format ``load`` reads)."""
    if isinstance(init, Vectors):
        return init
    if isinstance(init, (str, bytes, os.PathLike)):
        return load(init)
    raise TypeError(f"init_vectors must be Vectors or a path, got {type(init).__name__}")


def check_dim(init: Vectors, dim: int) -> Vectors:
    """``init`` if its vectors have ``dim`` dimensions, else a ``ValueError``."""
    if init.dim != dim:
        raise ValueError(f"init_vectors have {init.dim} dimensions but the model has dim={dim}; "
                         f"train with dim={init.dim}")
    return init


def take_rows(w_in: np.ndarray, words, init, lock: bool):
    """Copy ``init``'s row into ``w_in`` for every word of ``words`` it has.

    Returns the lock mask (uint8, one per word, 1 where a row was taken) if
    ``lock``, else None.  Raises ``ValueError`` for a dimension mismatch or
    non-finite rows among those taken.
    """
    init = check_dim(as_vectors(init), w_in.shape[1])
    index = init.index
    rows = np.fromiter((index.get(w, -1) for w in words), dtype=np.int64, count=len(words))
    found = rows >= 0
    # a subword model's own word rows (its vectors are their means with the n-grams')
    own = getattr(init, "vectors_vocab", init.vectors)
    taken = np.asarray(own[rows[found]], dtype=np.float32)
    if not np.isfinite(taken).all():
        bad = int(np.flatnonzero(~np.isfinite(taken).all(axis=1))[0])
        raise ValueError(f"init_vectors: the row of {init.words[int(rows[found][bad])]!r} "
                         "holds NaN or infinity")
    w_in[found] = taken
    logger.info("init_vectors: %d of %d words start from the given rows%s", int(found.sum()),
                len(words), " (locked)" if lock else "")
    return found.astype(np.uint8) if lock else None


def take_ngram_rows(model, init) -> None:
    """Copy a subword model's n-gram rows (``init.vectors_ngrams``) into ``model``'s,
    whose n-gram settings must be the same; plain vectors have none to give."""
    spec = getattr(init, "spec", None)
    if spec is None:
        logger.info("init_vectors: plain vectors seed the word rows only; the n-gram rows "
                    "start fresh")
        return
    if spec != model.subwords:
        raise ValueError(f"init_vectors have n-grams {spec.minn}-{spec.maxn} in {spec.buckets} "
                         f"buckets but the model has {model.subwords.minn}-"
                         f"{model.subwords.maxn} in {model.subwords.buckets}; train with "
                         "theirs")
    ngrams = init.vectors_ngrams
    if not np.isfinite(ngrams).all():
        raise ValueError("init_vectors: the n-gram rows hold NaN or infinity")
    model.ngram_vectors[:] = ngrams
