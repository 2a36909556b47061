# Cython declarations of w2v_phrases.h (count pairs, score them, rewrite text).
# The structs list only the fields the glue uses.
from libc.stdint cimport int64_t, uint8_t, uint32_t
from w2v_scan cimport w2v_scanner, w2v_vtab


cdef extern from "w2v_phrases.h" nogil:
    enum: W2V_PHR_WORD2PHRASE, W2V_PHR_NPMI, W2V_PHR_ALL

    ctypedef struct w2v_ptab:
        int64_t n

    int w2v_ptab_init(w2v_ptab *p, int64_t expected)
    void w2v_ptab_free(w2v_ptab *p)
    int w2v_ptab_add(w2v_ptab *p, uint32_t a, uint32_t b, uint32_t run, int64_t count)

    ctypedef struct w2v_phr_counter:
        w2v_vtab uni
        w2v_scanner sc
        w2v_ptab pairs
        w2v_vtab runs
        int64_t context_tokens
        int64_t max_size, min_reduce, prunes, pruned_pairs

    int w2v_phr_counter_init(w2v_phr_counter *c, int64_t max_token, int64_t max_size,
                             const w2v_vtab *conn, int cross_lines)
    void w2v_phr_counter_free(w2v_phr_counter *c)
    int w2v_phr_feed(w2v_phr_counter *c, const uint8_t *buf, int64_t n)
    int w2v_phr_end_source(w2v_phr_counter *c)
    int w2v_phr_context(w2v_phr_counter *c, const uint8_t *buf, int64_t n)
    int w2v_phr_token(w2v_phr_counter *c, const uint8_t *p, int64_t n)
    int w2v_phr_end_sentence(w2v_phr_counter *c)
    int64_t w2v_phr_tokens(const w2v_phr_counter *c)
    int w2v_phr_merge(w2v_phr_counter *into, const w2v_phr_counter *frm)
    int w2v_phr_prune(w2v_phr_counter *c)
    int64_t w2v_phr_lead_start(const uint8_t *buf, int64_t n, const w2v_vtab *conn,
                               int64_t max_token, int cross_lines)
    int64_t w2v_phr_score(const w2v_phr_counter *c, int scoring, int64_t min_count,
                          double threshold, int64_t train_words, uint32_t *out_a,
                          uint32_t *out_b, uint32_t *out_run, int64_t *out_count,
                          double *out_score, int64_t cap)

    ctypedef struct w2v_phr_table:
        w2v_vtab words
        w2v_ptab pairs
        w2v_vtab runs
        const w2v_vtab *conn
        uint8_t delim[64]
        int64_t delim_len
        int64_t max_token

    ctypedef struct w2v_phr_rewriter:
        uint8_t *out
        int64_t out_len
        int64_t line_tokens
        uint8_t *flags
        int64_t flags_len
        int64_t tokens, joins, cut

    int w2v_phr_rw_init(w2v_phr_rewriter *r, const w2v_phr_table *t, int want_flags)
    void w2v_phr_rw_free(w2v_phr_rewriter *r)
    int w2v_phr_rw_feed(w2v_phr_rewriter *r, const uint8_t *buf, int64_t n)
    int w2v_phr_rw_end_source(w2v_phr_rewriter *r)
    int w2v_phr_rw_token(w2v_phr_rewriter *r, const uint8_t *p, int64_t n)
    int w2v_phr_rw_end_sentence(w2v_phr_rewriter *r)
    int64_t w2v_phr_rw_resync(const w2v_phr_table *t, const uint8_t *buf, int64_t n)
