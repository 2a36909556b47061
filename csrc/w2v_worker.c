/*
 * w2v_worker.c -- the worker loop (w2v_worker.h): pull tasks from the shared
 * atomic counter, subsample, gather each segment's kept words with their
 * context margins, keep the learning rate (w2v_schedule.h) and the shared
 * progress up to date, hand each centre word to the classic (w2v_pair.h) or
 * the batched (w2v_block_build.h) kernel, count the stats, stop on request
 * or on divergence.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "w2v_atomic.h"
#include "w2v_block.h"
#include "w2v_block_build.h"
#include "w2v_doc.h"
#include "w2v_loss.h"
#include "w2v_pair.h"
#include "w2v_rng.h"
#include "w2v_schedule.h"
#include "w2v_subword_build.h"
#include "w2v_thread_state.h"
#include "w2v_worker.h"

int64_t w2v_chunks_per_epoch(const w2v_params *p)
{
    return (p->n_tokens + p->chunk_tokens - 1) / p->chunk_tokens;
}

/* One block of centre words, by the kernel of the model's kind. */
static inline void train_batch(const w2v_params *p, w2v_thread_state *st, const int32_t *buf,
                               int64_t n, const int64_t *J, int nb)
{
    if (p->sub_offsets) {
        w2v_train_batch_sub(p, st, buf, n, J, nb);
    } else if (p->doc_mode == W2V_DOC_DBOW) {
        w2v_train_batch_dbow(p, st, buf, n, J, nb);
    } else {
        w2v_train_batch(p, st, buf, n, J, nb); /* PV-DM: CBOW with the tag rows */
    }
}

static inline int kept(const w2v_params *p, uint64_t skey, int64_t pos)
{
    uint32_t thr = p->keep_thr[p->ids[pos]];
    return thr >= (UINT32_C(1) << 24) || w2v_sample_u24(skey, (uint64_t)pos) < thr;
}

/*
 * One task: corpus positions [start, end) of one epoch.  Sentences that cross
 * the chunk's edges are handled by also gathering up to `window` kept tokens
 * on each side (within the sentence), so windows see exactly what they would
 * see if the whole sentence were trained by one thread: no truncation of
 * long sentences, and subsampling removes words before windows are formed,
 * as in word2vec.c.
 */
static void run_task(const w2v_params *p, w2v_shared *sh, w2v_thread_state *st, int64_t epoch,
                     int64_t start, int64_t end, int64_t *raw_out, int64_t *kept_out,
                     double *loss_out, int64_t *pairs_out)
{
    const uint64_t skey = w2v_sample_key(w2v_seed_key(p->seed), (uint64_t)epoch);
    const int64_t window = p->window;
    const int64_t scan_cap = p->chunk_tokens;
    int64_t flushed = 0, block = -1, n_kept = 0;
    const int bmax = w2v_batch_width(p);
    int npend = 0;
    /* sentence containing `start`: last s with offsets[s] <= start */
    int64_t lo = 0, hi = p->n_sentences - 1, s;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo + 1) / 2;
        if (p->offsets[mid] <= start)
            lo = mid;
        else
            hi = mid - 1;
    }
    s = lo;
    st->loss.n = 0;
    st->loss.sum = 0.0;
    st->pairs = 0;
    st->have_next = 0;
    for (; s < p->n_sentences && p->offsets[s] < end; s++) {
        int64_t s0 = p->offsets[s], s1 = p->offsets[s + 1];
        int64_t a = s0 > start ? s0 : start, b = s1 < end ? s1 : end;
        int64_t n = 0, before = 0, seg_lo, seg_hi, pos, j, scanned;
        if (a >= b)
            continue;
        if (p->doc_mode) {
            st->doc_rows = p->doc_rows + p->doc_offsets[s];
            st->ndoc = (int)(p->doc_offsets[s + 1] - p->doc_offsets[s]);
        }
        /* Left margin: up to `window` kept tokens before a, gathered backwards. */
        for (pos = a - 1, scanned = 0; pos >= s0 && before < window && scanned < scan_cap;
             pos--, scanned++)
            if (kept(p, skey, pos))
                before++;
        for (pos = pos + 1; pos < a; pos++)
            if (kept(p, skey, pos))
                st->buf[n++] = p->ids[pos];
        seg_lo = n;
        /* The segment's kept tokens, then the right margin. */
        for (pos = a; pos < b; pos++)
            if (kept(p, skey, pos))
                st->buf[n++] = p->ids[pos];
        seg_hi = n;
        for (pos = b, scanned = 0; pos < s1 && n - seg_hi < window && scanned < scan_cap;
             pos++, scanned++)
            if (kept(p, skey, pos))
                st->buf[n++] = p->ids[pos];
        /* Walk the segment's raw positions again to keep the learning-rate
           schedule in raw words; j follows the kept ones. */
        j = seg_lo;
        npend = 0;
        for (pos = a; pos < b; pos++) {
            int64_t blk = (pos - start) / W2V_LR_BLOCK;
            if (blk != block) {
                int64_t upto = blk * W2V_LR_BLOCK;
                /* a batch never spans a learning-rate change */
                if (npend) {
                    train_batch(p, st, st->buf, n, st->pending, npend);
                    npend = 0;
                }
                block = blk;
                if (upto > flushed) {
                    w2v_atomic_add64(&sh->words_done, upto - flushed);
                    flushed = upto;
                }
                if (w2v_atomic_load32(&sh->stop))
                    goto out;
                st->alpha = w2v_learning_rate(w2v_atomic_load64(&sh->words_done), p->total_words,
                                              p->alpha0, p->alpha_end, p->alpha_floor);
                sh->last_alpha = st->alpha;
            }
            if (!kept(p, skey, pos))
                continue;
            if (bmax) {
                st->pending[npend++] = j;
                if (npend == bmax) {
                    train_batch(p, st, st->buf, n, st->pending, npend);
                    npend = 0;
                }
            } else {
                w2v_train_position(p, st, st->buf, n, j);
            }
            j++;
            n_kept++;
        }
        if (npend) {
            train_batch(p, st, st->buf, n, st->pending, npend);
            npend = 0;
        }
    }
out:
    w2v_atomic_add64(&sh->words_done, (end - start) - flushed);
    *raw_out += w2v_atomic_load32(&sh->stop) ? flushed : end - start;
    *kept_out += n_kept;
    w2v_loss_flush(&st->loss);
    *loss_out += st->loss.sum;
    *pairs_out += st->pairs;
    if (!isfinite(st->loss.sum)) {
        /* Diverged (e.g. a learning rate far too large): stop everyone at
           their next check rather than train on NaN/inf. */
        w2v_atomic_cas32(&sh->error, 0, W2V_EDIVERGED);
        w2v_atomic_store32(&sh->stop, 1);
    }
}

/* Bytes rounded up to whole cache lines. */
static size_t lines(size_t bytes) { return (bytes + 63) / 64 * 64; }

/*
 * All of a thread's scratch lives in one block of its own, cache-line
 * aligned, with a spare line at each end: no buffer a thread writes in its
 * inner loops shares a cache line with another thread's data (false sharing
 * between threads' scratch once cost the classic kernel all of its scaling).
 */
static void *alloc_state(w2v_thread_state *st, const w2v_params *p, int64_t kmax, int64_t mmax,
                         int64_t bmax)
{
    const size_t dim = (size_t)p->dim;
    const size_t pad = W2V_LOSS_PAD;
    const size_t bpad = W2V_BLOCK_PAD;
    const size_t npos = (size_t)(bmax + 2 * p->window);
    const size_t nptr = p->sub_offsets ? (npos > (size_t)p->max_sub_rows ? npos
                                                                        : (size_t)p->max_sub_rows)
                                       : 0;
    size_t sz[21], total = 128, off = 64;
    char *base;
    int i = 0;
    sz[0] = lines(sizeof(float) * dim);                                  /* neu1 */
    sz[1] = lines(sizeof(float) * dim);                                  /* neu1e */
    sz[2] = lines(sizeof(int32_t) * (size_t)(p->chunk_tokens + 2 * p->window + 1));
    sz[3] = lines(sizeof(float *) * (size_t)kmax);                       /* in_rows */
    sz[4] = lines(sizeof(float *) * (size_t)mmax);                       /* out_rows */
    sz[5] = lines(sizeof(float) * ((size_t)mmax + bpad));                /* label */
    sz[6] = lines(sizeof(float) * ((size_t)(kmax * mmax) + bpad));       /* g */
    sz[7] = lines(sizeof(float) * ((size_t)(kmax * mmax) + bpad));       /* coef */
    sz[8] = lines(sizeof(float) * (size_t)bmax * dim);                   /* neus */
    sz[9] = lines(sizeof(int64_t) * (size_t)bmax);                       /* pending */
    sz[10] = lines(sizeof(float) * (size_t)kmax * dim);                  /* din */
    /* negs: a subword block draws up to (2 * window or centres) * negative */
    sz[11] = lines(sizeof(int32_t) * (size_t)(p->negative * (p->sub_offsets ? 2 * p->window + bmax
                                                                           : 1) + 1));
    sz[12] = lines(sizeof(float) * (W2V_LOSS_BUF + pad));                /* loss.z */
    sz[13] = sz[12];                                                     /* loss.w */
    sz[14] = lines(sizeof(float) * 2 * ((size_t)mmax + bpad));           /* work */
    sz[15] = sz[11];                                                     /* next_negs */
    sz[16] = lines(sizeof(float *) * nptr);                              /* sub_ptrs */
    sz[17] = lines(sizeof(float) * (p->sub_offsets ? npos * dim : 0));   /* sub_sums */
    sz[18] = lines(sizeof(float) * (p->sub_offsets ? npos : 0));         /* sub_cnt */
    sz[19] = lines(sizeof(int32_t) * (p->sub_offsets ? npos : 0));       /* sub_col */
    sz[20] = lines(p->sub_offsets ? sz[11] : 0);                         /* sub_hit */
    for (i = 0; i < 21; i++)
        total += sz[i];
    base = (char *)w2v_aligned_alloc(64, total);
    if (!base)
        return NULL;
    memset(base, 0, total);
#define TAKE(field, type, k)                                                                  \
    do {                                                                                      \
        st->field = (type)(void *)(base + off);                                               \
        off += sz[k];                                                                         \
    } while (0)
    TAKE(neu1, float *, 0);
    TAKE(neu1e, float *, 1);
    TAKE(buf, int32_t *, 2);
    TAKE(in_rows, const float **, 3);
    TAKE(out_rows, float **, 4);
    TAKE(label, float *, 5);
    TAKE(g, float *, 6);
    TAKE(coef, float *, 7);
    TAKE(neus, float *, 8);
    TAKE(pending, int64_t *, 9);
    TAKE(din, float *, 10);
    TAKE(negs, int32_t *, 11);
    TAKE(loss.z, float *, 12);
    TAKE(loss.w, float *, 13);
    TAKE(work, float *, 14);
    TAKE(next_negs, int32_t *, 15);
    TAKE(sub_ptrs, float **, 16);
    TAKE(sub_sums, float *, 17);
    TAKE(sub_cnt, float *, 18);
    TAKE(sub_col, int32_t *, 19);
    TAKE(sub_hit, uint8_t *, 20);
    st->loss.cap = W2V_LOSS_BUF;
#undef TAKE
    return base;
}

int w2v_worker(const w2v_params *p, w2v_shared *sh, int64_t *epoch_raw, int64_t *epoch_kept,
               double *epoch_loss, int64_t *epoch_pairs)
{
    w2v_thread_state st;
    const int64_t per_epoch = w2v_chunks_per_epoch(p);
    const int64_t first = (int64_t)p->first_epoch * per_epoch;
    const int64_t total = (int64_t)p->end_epoch * per_epoch;
    const uint64_t seed_key = w2v_seed_key(p->seed);
    const int64_t bmax = w2v_block_max_centres(p);
    const int64_t kmax = w2v_block_max_inputs(p) > p->max_doc_rows ? w2v_block_max_inputs(p)
                                                                    : p->max_doc_rows;
    const int64_t mmax = w2v_block_max_outputs(p);
    void *block;
    memset(&st, 0, sizeof(st));
    block = alloc_state(&st, p, kmax, mmax, bmax);
    if (!block) {
        w2v_atomic_cas32(&sh->error, 0, W2V_ENOMEM);
        return W2V_ENOMEM;
    }
    for (;;) {
        int64_t task, epoch, chunk, start, end;
        if (w2v_atomic_load32(&sh->stop))
            break;
        task = first + w2v_atomic_add64(&sh->next_task, 1);
        if (task >= total)
            break;
        epoch = task / per_epoch;
        chunk = task % per_epoch;
        start = chunk * p->chunk_tokens;
        end = start + p->chunk_tokens;
        if (end > p->n_tokens)
            end = p->n_tokens;
        st.rng = w2v_chunk_state(seed_key, (uint64_t)task);
        run_task(p, sh, &st, epoch, start, end, &epoch_raw[epoch], &epoch_kept[epoch],
                 &epoch_loss[epoch], &epoch_pairs[epoch]);
    }
    w2v_aligned_free(block);
    return W2V_OK;
}
