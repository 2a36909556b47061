# Cython declarations of w2v_held.h (phrases counted and rewritten from held token ids).
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t
from w2v_scan cimport w2v_vtab


cdef extern from "w2v_held.h" nogil:
    enum: W2V_HELD_MAX_RUNS

    ctypedef struct w2v_held_filter:
        int key_bytes

    ctypedef struct w2v_held_phrases:
        int64_t delim_len

    void w2v_held_remap(int32_t *ids, int64_t n, const int64_t *map)
    int32_t w2v_held_tail(const int32_t *ids, int64_t n, int32_t prev, int cross_lines)
    int w2v_held_filter_init(w2v_held_filter *f, int scoring, int64_t min_count,
                             double threshold, int64_t train_words, const int64_t *counts,
                             int64_t n_words)
    void w2v_held_filter_free(w2v_held_filter *f)
    int64_t w2v_held_pairs(const w2v_held_filter *f, const int32_t *ids, int64_t n,
                           int32_t prev, int cross_lines, void *keys)
    uint64_t w2v_held_max_key(const w2v_held_filter *f)
    int64_t w2v_held_sort_runs(void *keys, int64_t n, int key_bytes, uint64_t max_key,
                               uint64_t *out, int64_t *counts)
    int64_t w2v_held_score(const w2v_held_filter *f, int m, uint64_t *const *keys,
                           int64_t *const *counts, const int64_t *len, uint64_t lo,
                           uint64_t hi, uint32_t *out_a, uint32_t *out_b, int64_t *out_count,
                           double *out_score, int64_t cap)
    int w2v_held_phrases_init(w2v_held_phrases *p, const w2v_vtab *words, const uint32_t *a,
                              const uint32_t *b, int64_t n, const uint8_t *delim,
                              int64_t delim_len)
    void w2v_held_phrases_free(w2v_held_phrases *p)
    int32_t w2v_held_state(const w2v_held_phrases *p, const int32_t *ids, int64_t n,
                           int32_t prev, int *line)
    int64_t w2v_held_rewrite(const w2v_held_phrases *p, const int32_t *ids, int64_t n,
                             int32_t *prev, int *line, int end, uint8_t *out, int64_t cap)
