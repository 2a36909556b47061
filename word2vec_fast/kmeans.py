"""Word classes by k-means over word vectors, as word2vec.c's ``-classes K`` computes them."""
from __future__ import annotations

import numpy as np


def kmeans_classes(vectors, k, iterations=10, block=8192):
    """word2vec.c's k-means over the rows of ``vectors``; the class of each row.

    Word ``i`` starts in class ``i % k``.  Each iteration averages the rows of each
    class (word2vec.c starts each count at 1, which the normalisation cancels),
    scales the centroids to unit length, then moves every row to the class of the
    largest dot product (first class on ties; a class left empty has no centroid and
    takes no rows; if no score exceeds -10 the row goes to class 0, as in word2vec.c).

    Parameters
    ----------
    vectors : array of float, shape (V, dim)
        One row per word (float32 is used for the scores, as word2vec.c's ``real``).
    k : int
        Number of classes.
    iterations : int
        Rounds of averaging and reassigning (word2vec.c runs 10).
    block : int
        Rows scored against the centroids at a time (bounds the memory of a round).

    Returns
    -------
    array of int64, shape (V,)
        The class of each row, in ``[0, k)``.
    """
    x = np.ascontiguousarray(vectors, dtype=np.float32)
    v, dim = x.shape
    cl = np.arange(v, dtype=np.int64) % k
    for _ in range(iterations):
        cent = np.zeros((k, dim), dtype=np.float64)
        _add_rows(cent, cl, x)
        norms = np.sqrt(np.einsum("ij,ij->i", cent, cent))
        empty = norms == 0
        cent[~empty] /= norms[~empty, None]
        c32 = cent.astype(np.float32)
        for s in range(0, v, block):
            scores = x[s:s + block] @ c32.T
            scores[:, empty] = -np.inf
            best = np.argmax(scores, axis=1)
            best[scores[np.arange(len(best)), best] <= -10] = 0
            cl[s:s + block] = best
    return cl


def _add_rows(cent, cl, x):
    # Per-class sums (float64) by sorting rows by class: much faster than np.add.at.
    order = np.argsort(cl, kind="stable")
    cls, starts = np.unique(cl[order], return_index=True)
    sums = np.add.reduceat(x[order].astype(np.float64), starts, axis=0)
    cent[cls] = sums
