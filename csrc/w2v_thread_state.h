/*
 * w2v_thread_state.h -- one worker thread's scratch and random stream
 * (w2v_thread_state), and the small hot helpers both kernels use on it: the
 * negative draw and the row prefetch (static inline so that the kernels'
 * inner loops keep them inlined).
 *
 * Ownership.  A worker allocates its state once on entry, in one cache-line
 * aligned block of its own (w2v_worker.c), and frees it on exit; nothing is
 * allocated in the loops, and no other thread reads or writes it.
 */
#ifndef W2V_THREAD_STATE_H
#define W2V_THREAD_STATE_H

#include <stdint.h>

#include "w2v_loss.h"
#include "w2v_params.h"
#include "w2v_portable.h"
#include "w2v_rng.h"

/* Loss terms are buffered and summed (w2v_loss.h) about this many at a time. */
#define W2V_LOSS_BUF 256

/* Per-thread scratch: owned by one worker, allocated once. */
typedef struct {
    float *neu1;      /* CBOW context vector */
    float *neu1e;     /* gradient accumulated for the input side */
    int32_t *buf;     /* kept token ids of the current segment plus context margins */
    int32_t *negs;    /* negatives of one pair (classic) or block (batched) */
    int32_t *next_negs; /* the next block's negatives, drawn ahead (have_next) */
    int have_next;
    /* batched updates: row pointers, labels and rules of one block, its gradients */
    const float **in_rows;
    float **out_rows;
    float *label;
    float *coef, *g, *din, *work;
    float *neus;      /* CBOW context means of a batch */
    int64_t *pending; /* centre positions waiting for their batch */
    /* subword models (w2v_subword_build.h): the rows of one or more words, the
       row sums of a block's positions, their row counts */
    float **sub_ptrs;
    float *sub_sums;
    float *sub_cnt;
    int32_t *sub_col;
    uint8_t *sub_hit;
    /* paragraph vectors: the tag rows of the document being trained */
    const int32_t *doc_rows;
    int ndoc;
    uint64_t rng;
    float alpha;
    w2v_loss_buf loss; /* the current task's loss (w2v_loss.h) */
    int64_t pairs;     /* training examples of the current task */
} w2v_thread_state;

/* One negative drawn from the alias table with the stream rng; from the
   thread's stream. */
static inline int32_t w2v_alias_draw(const w2v_params *p, uint64_t *rng)
{
    uint64_t r = w2v_next(rng);
    uint32_t i = w2v_bounded(r, (uint32_t)p->vocab_size);
    uint64_t e = p->alias[i];
    return (uint32_t)r < (uint32_t)e ? (int32_t)i : (int32_t)(e >> 32);
}

static inline int32_t w2v_draw_negative(const w2v_params *p, w2v_thread_state *st)
{
    return w2v_alias_draw(p, &st->rng);
}

/* Ask for the cache lines of a row ahead of its use (writes follow). */
static inline void w2v_prefetch_row(const float *row, int64_t dim)
{
    int64_t i;
    for (i = 0; i < dim; i += 16)
        W2V_PREFETCH_WRITE(row + i);
}

/* The same for a row that is only read (inference): no exclusive ownership
   asked for, so threads reading one row keep their copies. */
static inline void w2v_prefetch_row_read(const float *row, int64_t dim)
{
    int64_t i;
    for (i = 0; i < dim; i += 16)
        W2V_PREFETCH_READ(row + i);
    W2V_PREFETCH_READ(row + dim - 1);
}

#endif
