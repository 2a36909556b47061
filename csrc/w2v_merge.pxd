# Cython declarations of w2v_merge.h (the cluster trainer's merge of one block of rows).
from libc.stdint cimport int64_t, uint8_t


cdef extern from "w2v_merge.h" nogil:
    void w2v_merge_deltas(const float *const *values, const uint8_t *const *masks, int64_t p,
                          int64_t n, int64_t dim, int average, double *acc, float *out)
