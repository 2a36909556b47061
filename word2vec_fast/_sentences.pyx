# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Glue between :mod:`word2vec_fast.sentences` and ``csrc/w2v_sentences.h`` (which
states what is computed).

Each function checks what it is handed with the GIL held -- shapes, every id of its
range against the rows, the offsets of its range in order -- and then runs the C
without the GIL, so Python threads embed ranges of sentences in parallel.
"""
import numpy as np

cimport numpy as cnp
from libc.stdint cimport int32_t, int64_t
from w2v_sentences cimport w2v_sent_embed, w2v_sent_remove

cnp.import_array()


cdef int _check_components(object comps, object lambdas, int64_t dim,
                           const float **pc, const float **pl, int64_t *k) except -1:
    cdef const float[:, ::1] c
    cdef const float[::1] lam
    pc[0] = NULL
    pl[0] = NULL
    k[0] = 0
    if comps is None:
        return 0
    c = comps
    if c.shape[0] == 0:
        return 0
    if c.shape[1] != dim:
        raise ValueError(f"components have dimension {c.shape[1]}, the rows {dim}")
    pc[0] = &c[0, 0]
    k[0] = c.shape[0]
    if lambdas is not None:
        lam = lambdas
        if lam.shape[0] != c.shape[0]:
            raise ValueError(f"{lam.shape[0]} component weights for {c.shape[0]} components")
        pl[0] = &lam[0]
    return 0


def embed(const float[:, ::1] rows, coef, const int32_t[::1] ids,
          const int64_t[::1] offsets, int64_t lo, int64_t hi, comps, lambdas,
          float[:, ::1] out):
    """Embed sentences ``lo .. hi-1`` into ``out[:hi - lo]`` (see ``w2v_sent_embed``)."""
    cdef int64_t V = rows.shape[0], dim = rows.shape[1], s, t, a, b, k
    cdef int32_t i
    cdef const float[::1] cf
    cdef const float *pcoef = NULL
    cdef const float *pc
    cdef const float *pl
    if dim < 1:
        raise ValueError("the word vectors have no dimensions")
    if not 0 <= lo <= hi < offsets.shape[0]:
        raise ValueError(f"sentences {lo}..{hi} out of range: {offsets.shape[0] - 1} sentences")
    if out.shape[0] < hi - lo or out.shape[1] != dim:
        raise ValueError(f"out has shape ({out.shape[0]}, {out.shape[1]}), need "
                         f"({hi - lo}, {dim})")
    if coef is not None:
        cf = coef
        if cf.shape[0] != V:
            raise ValueError(f"{cf.shape[0]} word weights for {V} rows")
        pcoef = &cf[0] if V else NULL
    _check_components(comps, lambdas, dim, &pc, &pl, &k)
    if hi == lo:
        return
    a = offsets[lo]
    if a < 0:
        raise ValueError(f"offsets[{lo}] = {a} is negative")
    for s in range(lo, hi):
        if offsets[s + 1] < offsets[s]:
            raise ValueError(f"offsets must not decrease: offsets[{s + 1}] = {offsets[s + 1]} "
                             f"< offsets[{s}] = {offsets[s]}")
    b = offsets[hi]
    if b > ids.shape[0]:
        raise ValueError(f"offsets[{hi}] = {b} is past the end of ids ({ids.shape[0]} ids)")
    for t in range(a, b):
        i = ids[t]
        if i < 0 or i >= V:
            raise ValueError(f"ids[{t}] = {i} is not a row of the word vectors (0..{V - 1})")
    with nogil:
        w2v_sent_embed(&rows[0, 0], dim, pcoef, &ids[0] if b > a else NULL, &offsets[0], lo, hi,
                       pc, pl, k, &out[0, 0])


def remove(float[:, ::1] out, comps, lambdas):
    """Remove the components from every row of ``out`` in place (``w2v_sent_remove``)."""
    cdef int64_t k
    cdef const float *pc
    cdef const float *pl
    _check_components(comps, lambdas, out.shape[1], &pc, &pl, &k)
    if k == 0 or out.shape[0] == 0:
        return
    with nogil:
        w2v_sent_remove(&out[0, 0], out.shape[0], out.shape[1], pc, pl, k)
