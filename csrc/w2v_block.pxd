# Cython declarations of w2v_block.h (the batched matrix-product update, SIMD-dispatched).
from libc.stdint cimport int64_t

from w2v_loss cimport w2v_loss_buf


cdef extern from "w2v_block.h" nogil:
    enum: W2V_BLOCK_PAD

    void w2v_block_step(int64_t dim, int k, const float **in_rows, int m, float **out_rows,
                        const float *label, int nhs, const float *coef, float alpha, float *g,
                        float *din, float *work, w2v_loss_buf *loss)
    void w2v_block_grad(int64_t dim, int k, const float **in_rows, int m, const float **out_rows,
                        const float *label, int nhs, const float *coef, float alpha, float *g,
                        float *din, float *work, w2v_loss_buf *loss)
    void w2v_rows_add(int64_t dim, int n, float **rows, const float *delta)
    void w2v_rows_sum(int64_t dim, int n, const float **rows, float *out)
    void w2v_rows_add_same(int64_t dim, int n, float **rows, const float *delta)
    const char *w2v_block_isa()
    int w2v_block_select(const char *which)
