# Cython declarations of w2v_doc.h (paragraph vectors: inference of new documents).
from libc.stdint cimport int32_t, int64_t, uint64_t

from w2v_params cimport w2v_params


cdef extern from "w2v_doc.h" nogil:
    uint64_t w2v_doc_key(uint64_t seed_key, const int32_t *ids, int64_t n)
    int64_t w2v_doc_infer_floats(const w2v_params *p)
    enum: W2V_INFER_DOCS
    int64_t w2v_doc_infer_ints(const w2v_params *p, int64_t n_total, int64_t n_max)
    int64_t w2v_doc_infer(const w2v_params *p, int nd, const int32_t *ids,
                          const int64_t *offsets, float *out, int epochs, float alpha0,
                          float alpha1, uint64_t seed_key, float *fscratch, int32_t *iscratch)
