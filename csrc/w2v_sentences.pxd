# Cython declarations of w2v_sentences.h (sentence embeddings from word vectors).
from libc.stdint cimport int32_t, int64_t


cdef extern from "w2v_sentences.h" nogil:
    void w2v_sent_embed(const float *rows, int64_t dim, const float *coef, const int32_t *ids,
                        const int64_t *offsets, int64_t lo, int64_t hi, const float *comps,
                        const float *lambdas, int64_t n_comp, float *out)
    void w2v_sent_remove(float *out, int64_t n, int64_t dim, const float *comps,
                         const float *lambdas, int64_t n_comp)
