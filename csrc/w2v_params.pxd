# Cython declarations of w2v_params.h (what one training run is given, and its limits).
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t


cdef extern from "w2v_params.h" nogil:
    enum: W2V_MAX_BATCH
    enum: W2V_DOC_DBOW
    enum: W2V_DOC_DM

    ctypedef struct w2v_params:
        int64_t dim
        int64_t vocab_size
        int32_t window
        int32_t negative
        int32_t hs
        int32_t sg
        int32_t cbow_mean
        int32_t epochs
        int32_t first_epoch
        int32_t end_epoch
        int32_t batch
        int32_t max_code_len
        float alpha0, alpha_end, alpha_floor
        uint64_t seed
        int64_t total_words
        int64_t chunk_tokens
        const int32_t *ids
        int64_t n_tokens
        const int64_t *offsets
        int64_t n_sentences
        const uint32_t *keep_thr
        const uint64_t *alias
        const int64_t *code_offsets
        const uint8_t *codes
        const int32_t *points
        float *w_in
        float *w_out_ns
        float *w_out_hs
        const uint8_t *lock_in
        const int64_t *sub_offsets
        const int32_t *sub_rows
        int64_t n_in_rows
        int32_t max_sub_rows
        int32_t doc_mode
        int32_t dbow_words
        int32_t dbow_group
        const int64_t *doc_offsets
        const int32_t *doc_rows
        float *w_doc
        int64_t n_doc_rows
        int32_t max_doc_rows
