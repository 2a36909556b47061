/*
 * w2v_worker.h -- the training engine's threads: the shared counters
 * (w2v_shared) and the worker loop every thread runs (w2v_worker), word2vec.c
 * semantics for skip-gram and CBOW with negative sampling and/or
 * hierarchical softmax.
 *
 * Threading model.  Every thread calls w2v_worker() with the same read-only
 * w2v_params (w2v_params.h) and the same w2v_shared counters.  Work is split
 * into tasks (one chunk of consecutive corpus positions in one epoch) handed
 * out from an atomic counter, in epoch order.  The weight matrices are
 * updated without locks by all threads at once ("Hogwild"): those data races
 * are deliberate and are the algorithm, exactly as in word2vec.c and gensim.
 * Everything else a thread writes is its own (its scratch buffers and its
 * row of stats).
 *
 * Ownership.  The caller owns every array in w2v_params and the stats rows,
 * and keeps them alive until all workers return.  A worker allocates its
 * scratch (w2v_thread_state.h) once on entry and frees it on exit; nothing
 * is allocated in the loops.  No globals.
 *
 * Units.  Positions and counts are corpus tokens (int64); "raw" words are
 * counted before subsampling, "kept" words after.  The learning rate
 * (w2v_schedule.h) follows the raw words done by all threads.
 */
#ifndef W2V_WORKER_H
#define W2V_WORKER_H

#include <stdint.h>

#include "w2v_params.h"

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
