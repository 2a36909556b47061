# Cython declarations of w2v_glove.h (GloVe counting, merging, shuffling, update).
from libc.stdint cimport int32_t, int64_t, uint8_t, uint64_t


cdef extern from "w2v_glove.h" nogil:
    enum: W2V_COOC_MAX_WINDOW

    ctypedef struct w2v_cooc_pair:
        uint64_t key
        int64_t units

    ctypedef struct w2v_cooc_layout:
        int64_t n_words
        int shift
        int window
        int symmetric
        int64_t scale
        int64_t *units
        int64_t n_rows
        int32_t *col_end
        int64_t *row_start
        int64_t dense_size

    int64_t w2v_cooc_scale(int window, int weighting, int64_t max_count)
    int w2v_cooc_layout_init(w2v_cooc_layout *L, int64_t n_words, int window, int symmetric,
                             int weighting, int64_t scale, int64_t max_product)
    void w2v_cooc_layout_free(w2v_cooc_layout *L)
    int64_t w2v_cooc_count(const w2v_cooc_layout *L, const int32_t *ids, const int64_t *offsets,
                           int64_t n_sent, int64_t *pos, int64_t hi, int64_t *dense,
                           w2v_cooc_pair *pairs, int64_t *n, int64_t cap)
    int64_t w2v_cooc_sort_fold(w2v_cooc_pair *p, int64_t n, uint64_t max_key,
                               w2v_cooc_pair *tmp)
    void w2v_cooc_add_dense(int64_t *a, const int64_t *b, int64_t n)

    ctypedef struct w2v_cooc_merge:
        int k
        const w2v_cooc_pair **runs
        int64_t *pos
        int64_t *len
        uint8_t *more

    int w2v_cooc_merge_init(w2v_cooc_merge *m, int k, const w2v_cooc_layout *L,
                            const int64_t *dense)
    void w2v_cooc_merge_free(w2v_cooc_merge *m)
    int64_t w2v_cooc_merge_step(w2v_cooc_merge *m, w2v_cooc_pair *pairs, int32_t *rows,
                                int32_t *cols, double *values, int64_t cap, int *need)

    void w2v_cooc_merge_rows(w2v_cooc_merge *m, int64_t lo, int64_t hi)

    ctypedef struct w2v_glove_rec:
        int32_t a, b
        float f, logx

    int64_t w2v_glove_fill(w2v_glove_rec *recs, const int32_t *rows, const int32_t *cols,
                           const double *values, int64_t n, double x_max, double alpha,
                           int both)
    void w2v_glove_shuffle(w2v_glove_rec *recs, int64_t n, uint64_t seed)

    ctypedef struct w2v_glove_params:
        float *w
        float *c
        float *bw
        float *bc
        float *gw
        float *gc
        float *gbw
        float *gbc
        int64_t dim
        float eta, clip
        int prefetch

    int64_t w2v_glove_train(const w2v_glove_params *p, const w2v_glove_rec *recs, int64_t n,
                            double *cost, int64_t *updates)
    const char *w2v_glove_isa()
    int w2v_glove_select(const char *which)
