/*
 * w2v_params.h -- what one training run is given: the model's shape and
 * options, the learning-rate schedule's constants, the corpus, the tables
 * and the weights (w2v_params), plus the limits and constants of the
 * algorithm.  Read-only for the whole run; shared by every worker thread
 * (w2v_worker.h) and handed down to the kernels (w2v_pair.h,
 * w2v_block_build.h).
 *
 * Ownership.  The caller owns every array in w2v_params and keeps it alive
 * until all workers return.
 *
 * Trust.  The caller has validated everything (shapes, ids in [0, vocab),
 * finite positive alpha, dim > 0, batch <= W2V_MAX_BATCH, ...); the loops
 * do not check again.
 *
 * Units.  Positions and counts are corpus tokens (int64).  "Raw" words are
 * corpus tokens before subsampling; the learning rate decays linearly in raw
 * words done by all threads, as word2vec.c does (w2v_schedule.h).
 *
 * The weight matrices are written by all threads at once without locks
 * ("Hogwild"): see w2v_worker.h.
 */
#ifndef W2V_PARAMS_H
#define W2V_PARAMS_H

#include <stdint.h>

/* Most centre words in one batched block (checked by the caller): the block
   builder keeps per-window bounds of that many windows on its stack. */
#define W2V_MAX_BATCH 64
/* Sigmoid clamp: word2vec.c's MAX_EXP. */
#define W2V_MAX_EXP 6.0f
/* params.doc_mode: paragraph vectors (w2v_doc.h) */
#define W2V_DOC_DBOW 1
#define W2V_DOC_DM 2

typedef struct {
    /* model shape and options */
    int64_t dim;
    int64_t vocab_size;
    int32_t window;      /* >= 1 */
    int32_t negative;    /* >= 0 */
    int32_t hs;          /* 0/1 */
    int32_t sg;          /* 1 skip-gram, 0 CBOW */
    int32_t cbow_mean;   /* 0/1 */
    int32_t epochs;      /* >= 1: epochs of the schedule */
    int32_t first_epoch; /* tasks start at this epoch (resume) */
    int32_t end_epoch;   /* tasks stop before this epoch (first_epoch <= end_epoch <= epochs):
                            lets the caller run the schedule one epoch at a time */
    int32_t batch;       /* 0: classic per-pair updates (w2v_pair.h); B >= 1: batched block
                            updates (w2v_block_build.h) over B consecutive centre words,
                            1 <= B <= W2V_MAX_BATCH (forced to 1 with hs) */
    int32_t max_code_len; /* longest Huffman path (sizes the batched scratch) */
    /* learning rate (w2v_schedule.h): alpha = max(alpha0 - (alpha0 - alpha_end) * p,
       alpha_floor), p = done / (total_words + 1) */
    float alpha0, alpha_end, alpha_floor;
    uint64_t seed;
    int64_t total_words; /* epochs * n_tokens: the schedule's length in raw words */
    int64_t chunk_tokens;
    /* corpus: sentences are [offsets[s], offsets[s+1]) */
    const int32_t *ids;
    int64_t n_tokens;
    const int64_t *offsets;
    int64_t n_sentences;
    /* subsampling: keep the token if its 24-bit draw < keep_thr[w]; 1<<24 keeps always */
    const uint32_t *keep_thr;
    /* negative sampling alias table (w2v_tables.h), one 64-bit entry per
       word so a draw touches one cache line: the low 32 bits are
       min(prob, 2^32 - 1), the high 32 the alias (the word itself where
       prob = 2^32, so that the draw is unchanged) */
    const uint64_t *alias;
    /* hierarchical softmax paths (w2v_tables.h) */
    const int64_t *code_offsets;
    const uint8_t *codes;
    const int32_t *points;
    /* weights, row-major, vocab_size x dim (w_hs has vocab_size - 1 used rows; w_in
       n_in_rows x dim in a subword model) */
    float *w_in;
    float *w_out_ns;
    float *w_out_hs;
    /* NULL, or one byte per word: a word whose byte is non-zero keeps its w_in row
       as it is (its gradient still trains the output rows): gensim's lockf = 0,
       for rows taken from pretrained vectors */
    const uint8_t *lock_in;
    /* subword models (w2v_subword.h), else NULL: word w's input vector is the
       mean of the w_in rows sub_rows[sub_offsets[w] .. sub_offsets[w+1]) (its own
       row, then its n-grams' rows, all < n_in_rows); its gradient goes in full to
       each of them (w2v_subword_build.h).  w_in then has n_in_rows rows. */
    const int64_t *sub_offsets;
    const int32_t *sub_rows;
    int64_t n_in_rows;
    int32_t max_sub_rows; /* the longest of those lists */
    /* paragraph vectors (w2v_doc.h), else doc_mode 0: every sentence s is a
       document whose tags are the w_doc rows doc_rows[doc_offsets[s] ..
       doc_offsets[s+1]) (distinct, < n_doc_rows; none is allowed) */
    int32_t doc_mode;     /* 0 words only, W2V_DOC_DBOW (sg = 1), W2V_DOC_DM (sg = 0) */
    int32_t dbow_words;   /* PV-DBOW: skip-gram over the words too, before each block */
    int32_t dbow_group;   /* PV-DBOW blocks of `batch` words: 0, one draw of negatives
                             for the block; g >= 1, one draw for each g consecutive
                             words (1: each word its own; w2v_doc.h) */
    const int64_t *doc_offsets;
    const int32_t *doc_rows;
    float *w_doc;
    int64_t n_doc_rows;
    int32_t max_doc_rows; /* most tags of one document */
} w2v_params;

#endif
