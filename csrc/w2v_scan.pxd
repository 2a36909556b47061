# Cython declarations of w2v_scan.h (tokenize, count and encode text without Python).
# The structs list only the fields the glue uses.
from libc.stdint cimport int32_t, int64_t, uint8_t, uint64_t


cdef extern from "w2v_scan.h" nogil:
    enum: W2V_SCAN_OK, W2V_SCAN_ENOMEM, W2V_SCAN_DUPLICATE

    ctypedef struct w2v_entry:
        uint64_t hash
        int64_t off
        int64_t first
        int64_t len

    ctypedef struct w2v_vtab:
        w2v_entry *e
        int64_t n
        char *arena
        int64_t max_size, min_reduce
        int64_t prunes, pruned_words, pruned_tokens

    ctypedef struct w2v_scanner:
        int32_t frozen, record, ids_valid
        int64_t max_token
        int32_t *ids
        int64_t ids_len, ids_cap, ids_base
        int64_t *ends
        int64_t ends_len, ends_cap
        int64_t tokens, oov, cut, sentences, longest
        int32_t mark_newlines

    ctypedef struct w2v_remap_state:
        int64_t r_pos, w_pos, last_end

    int w2v_vtab_init(w2v_vtab *t, int64_t expected, int64_t max_size)
    void w2v_vtab_free(w2v_vtab *t)
    int64_t w2v_vtab_add(w2v_vtab *t, const uint8_t *p, int64_t n, int64_t count)
    void w2v_vtab_counts(const w2v_vtab *t, int64_t *counts)
    int w2v_vtab_merge(w2v_vtab *into, const w2v_vtab *frm, int64_t *map)
    int w2v_scan_init(w2v_scanner *s, w2v_vtab *t, int64_t max_token, int frozen, int record)
    void w2v_scan_free(w2v_scanner *s)
    int w2v_scan_feed(w2v_scanner *s, const uint8_t *buf, int64_t n)
    int w2v_scan_end_source(w2v_scanner *s)
    int w2v_scan_token(w2v_scanner *s, const uint8_t *p, int64_t n)
    int w2v_scan_end_sentence(w2v_scanner *s)
    int w2v_scan_mark_line(w2v_scanner *s)
    int64_t w2v_utf8_cut(const uint8_t *p, int64_t max_token)
    int64_t w2v_remap_chunk(w2v_remap_state *st, int32_t *ids, int64_t n, const int32_t *remap,
                            int64_t n_remap, const int64_t *ends, int64_t m, int64_t *out_ends,
                            int64_t *consumed, int64_t *written)
