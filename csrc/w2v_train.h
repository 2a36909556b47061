/*
 * w2v_train.h -- the word2vec training engine: skip-gram and CBOW with
 * negative sampling and/or hierarchical softmax, word2vec.c semantics.
 *
 * Threading model.  Every thread calls w2v_worker() with the same read-only
 * w2v_params and the same w2v_shared counters.  Work is split into tasks
 * (one chunk of consecutive corpus positions in one epoch) handed out from
 * an atomic counter, in epoch order.  The weight matrices are updated without
 * locks by all threads at once ("Hogwild"): those data races are deliberate
 * and are the algorithm, exactly as in word2vec.c and gensim.  Everything
 * else a thread writes is its own (its scratch buffers and its row of stats).
 *
 * Ownership.  The caller owns every array in w2v_params and keeps it alive
 * until all workers return.  A worker allocates its scratch once on entry and
 * frees it on exit; nothing is allocated in the loops.  No globals.
 *
 * Trust.  The caller has validated everything (shapes, ids in [0, vocab),
 * finite positive alpha, dim > 0, ...); the loops do not check again.
 *
 * Units.  Positions and counts are corpus tokens (int64).  "Raw" words are
 * corpus tokens before subsampling; the learning rate decays linearly in raw
 * words done by all threads, as word2vec.c does.
 */
#ifndef W2V_TRAIN_H
#define W2V_TRAIN_H

#include <stdint.h>

/* Raw words between two reads of the shared progress (and learning-rate updates). */
#define W2V_LR_BLOCK 256
/* Limits of the batched updates (checked by the caller). */
#define W2V_MAX_BATCH 64
#define W2V_MAX_NEGATIVE 1024
/* Sigmoid clamp: word2vec.c's MAX_EXP. */
#define W2V_MAX_EXP 6.0f

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
    int32_t batch;       /* 0: classic per-pair updates; B >= 1: batched block updates
                            (w2v_block.h) over B consecutive centre words, 1 <= B <=
                            W2V_MAX_BATCH (forced to 1 with hs) */
    int32_t max_code_len; /* longest Huffman path (sizes the batched scratch) */
    /* learning rate: alpha = max(alpha0 - (alpha0 - alpha_end) * p, alpha_floor),
       p = done / (total_words + 1) */
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
    /* weights, row-major, vocab_size x dim (w_hs has vocab_size - 1 used rows) */
    float *w_in;
    float *w_out_ns;
    float *w_out_hs;
} w2v_params;

typedef struct {
    char pad_before[64]; /* keeps the counters off the caller's neighbouring data */
    int64_t next_task;  /* atomic: next task to hand out */
    int64_t words_done; /* atomic: raw words done by all threads (drives alpha) */
    int32_t stop;       /* atomic: set by the caller to stop all workers early */
    int32_t error;      /* atomic: first error code of any worker (0 = none) */
    float last_alpha;   /* informational, racy by design */
    char pad_after[64];
} w2v_shared;

enum { W2V_OK = 0, W2V_ENOMEM = 1, W2V_EDIVERGED = 2 /* a task's loss was not finite */ };

/*
 * Run tasks until none are left or `stop` is set.  epoch_raw[e] and
 * epoch_kept[e] (e < epochs) receive this thread's raw and post-subsampling
 * word counts per epoch; epoch_loss[e] its training loss (the negative
 * log-likelihood of every logistic term it trained, see w2v_loss.h, summed in
 * double) and epoch_pairs[e] the training examples those terms belong to (a
 * skip-gram (context, centre) pair; a CBOW centre word with a non-empty
 * context).  All four are added to once per task, by this thread only.
 * A task whose loss is not finite sets `stop` and the error W2V_EDIVERGED.
 * Returns W2V_OK or an error code (also stored in shared->error, the first
 * one wins).
 */
int w2v_worker(const w2v_params *p, w2v_shared *shared, int64_t *epoch_raw,
               int64_t *epoch_kept, double *epoch_loss, int64_t *epoch_pairs);

/* Number of tasks per epoch for these params. */
int64_t w2v_chunks_per_epoch(const w2v_params *p);

#endif
