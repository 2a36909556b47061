# Cython declarations of w2v_loss.h (the training loss of logistic terms).
from libc.stdint cimport int64_t


cdef extern from "w2v_loss.h" nogil:
    enum: W2V_LOSS_PAD

    ctypedef struct w2v_loss_buf:
        float *z
        float *w
        int64_t n
        int64_t cap
        double sum

    double w2v_softplus_sum(const float *z, const float *w, int64_t n)
