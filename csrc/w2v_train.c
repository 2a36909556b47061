/*
 * w2v_train.c -- the classic per-pair word2vec updates and the worker loop.
 * See w2v_train.h for the threading model and ownership rules.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "w2v_block.h"
#include "w2v_loss.h"
#include "w2v_rng.h"
#include "w2v_train.h"
#include "w2v_vec.h"

#define ATOMIC_ADD(ptr, v) __atomic_fetch_add((ptr), (v), __ATOMIC_RELAXED)
#define ATOMIC_LOAD(ptr) __atomic_load_n((ptr), __ATOMIC_RELAXED)

static inline float sigmoid(float f) { return 1.0f / (1.0f + expf(-f)); }

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
    uint64_t rng;
    float alpha;
    w2v_loss_buf loss; /* the current task's loss (w2v_loss.h) */
    int64_t pairs;     /* training examples of the current task */
} w2v_state;

/* Loss terms are buffered and summed (w2v_loss.h) about this many at a time. */
#define W2V_LOSS_BUF 256

int64_t w2v_chunks_per_epoch(const w2v_params *p)
{
    return (p->n_tokens + p->chunk_tokens - 1) / p->chunk_tokens;
}

static float alpha_at(const w2v_params *p, int64_t done)
{
    float prog = (float)((double)done / (double)(p->total_words + 1));
    float a = p->alpha0 - (p->alpha0 - p->alpha_end) * prog;
    return a < p->alpha_floor ? p->alpha_floor : a;
}

/* Centre words per batched block: 0 = classic kernel; hs paths differ per
   word, so hs blocks hold one window. */
static inline int batch_width(const w2v_params *p)
{
    return p->batch <= 0 ? 0 : (p->hs ? 1 : p->batch);
}

/* One negative drawn from the alias table. */
static inline int32_t draw_negative(const w2v_params *p, w2v_state *st)
{
    uint64_t r = w2v_next(&st->rng);
    uint32_t i = w2v_bounded(r, (uint32_t)p->vocab_size);
    uint64_t e = p->alias[i];
    return (uint32_t)r < (uint32_t)e ? (int32_t)i : (int32_t)(e >> 32);
}

/* Ask for the cache lines of a row ahead of its use (writes follow). */
static inline void prefetch_row(const float *row, int64_t dim)
{
    int64_t i;
    for (i = 0; i < dim; i += 16)
        __builtin_prefetch(row + i, 1, 3);
}

/*
 * Output-layer updates for one input vector l1 and one target word; the
 * gradient for l1 is accumulated into neu1e.  Hierarchical softmax first,
 * then negative sampling, as word2vec.c orders them.
 */
static inline void output_updates(const w2v_params *p, w2v_state *st, const float *l1,
                                  int32_t word)
{
    const int64_t dim = p->dim;
    float *neu1e = st->neu1e;
    const float alpha = st->alpha;
    if (p->hs) {
        int64_t k, end = p->code_offsets[word + 1];
        for (k = p->code_offsets[word]; k < end; k++) {
            float *l2 = p->w_out_hs + (int64_t)p->points[k] * dim;
            float f = w2v_dot(l1, l2, dim), g, label = 1.0f - (float)p->codes[k];
            /* counted even where word2vec.c makes no update (|f| >= 6): the
               loss is the objective's, not the update rule's */
            w2v_loss_push(&st->loss, f, label);
            if (f <= -W2V_MAX_EXP || f >= W2V_MAX_EXP)
                continue;
            g = (label - sigmoid(f)) * alpha;
            w2v_axpy(g, l2, neu1e, dim);
            w2v_axpy(g, l1, l2, dim);
        }
    }
    if (p->negative > 0) {
        int32_t d, *negs = st->negs;
        /* Draw every negative first (same draws, same order) so their rows
           can be fetched while the earlier ones are computed. */
        for (d = 1; d <= p->negative; d++) {
            negs[d] = draw_negative(p, st);
            prefetch_row(p->w_out_ns + (int64_t)negs[d] * dim, dim);
        }
        for (d = 0; d <= p->negative; d++) {
            int32_t target;
            float label, f, g, *l2;
            if (d == 0) {
                target = word;
                label = 1.0f;
            } else {
                target = negs[d];
                if (target == word)
                    continue;
                label = 0.0f;
            }
            l2 = p->w_out_ns + (int64_t)target * dim;
            f = w2v_dot(l1, l2, dim);
            w2v_loss_push(&st->loss, f, label);
            if (f > W2V_MAX_EXP)
                g = (label - 1.0f) * alpha;
            else if (f < -W2V_MAX_EXP)
                g = label * alpha;
            else
                g = (label - sigmoid(f)) * alpha;
            w2v_axpy(g, l2, neu1e, dim);
            w2v_axpy(g, l1, l2, dim);
        }
    }
}

/*
 * Batched training of the centre words buf[J[0..nb)] (consecutive kept
 * positions of one segment), as one block of matrix products:
 *
 *  - inputs: skip-gram, every buffer position covered by any of the nb
 *    windows; CBOW, the nb context means;
 *  - outputs: the Huffman path of the centre word (hs, nb == 1 only), then
 *    the nb centre words, then `negative` negatives shared by all nb windows;
 *  - coef[a][b] says how often input a meets output b in the classic
 *    algorithm with these shared negatives (0 = never): a context of the
 *    centre word b meets it once; it meets each negative once per window it
 *    lies in, unless the negative is that window's centre word (word2vec.c
 *    skips such draws);
 *  - input rows without any pair (e.g. the centre of a one-window block)
 *    are left out.
 *
 * Random draws: the negatives, then the nb reduced windows in order.
 */
static void train_batch(const w2v_params *p, w2v_state *st, const int32_t *buf, int64_t n,
                        const int64_t *J, int nb)
{
    const int64_t dim = p->dim;
    int64_t lo[W2V_MAX_BATCH], hi[W2V_MAX_BATCH], qlo = INT64_MAX, qhi = -1, q;
    int b, m = 0, k, npos, a, d;
    int64_t pairs = 0; /* a local count: st->pairs in the loops costs a store each */
    int32_t *negs = st->negs;
    /* Random draws: this block's negatives, unless the previous block of
       the task drew them ahead (fetching their rows while it computed),
       then the nb reduced windows. */
    if (p->negative > 0) {
        if (st->have_next)
            memcpy(negs, st->next_negs, sizeof(int32_t) * (size_t)p->negative);
        else
            for (d = 0; d < p->negative; d++)
                negs[d] = draw_negative(p, st);
    }
    st->have_next = 0;
    for (b = 0; b < nb; b++) {
        int64_t reduced = p->window - (int64_t)w2v_bounded(w2v_next(&st->rng),
                                                           (uint32_t)p->window);
        lo[b] = J[b] - reduced < 0 ? 0 : J[b] - reduced;
        hi[b] = J[b] + reduced > n - 1 ? n - 1 : J[b] + reduced;
        if (lo[b] < qlo)
            qlo = lo[b];
        if (hi[b] > qhi)
            qhi = hi[b];
    }
    /* output columns */
    if (p->hs) { /* nb == 1 here */
        int32_t word = buf[J[0]];
        int64_t c, end = p->code_offsets[word + 1];
        for (c = p->code_offsets[word]; c < end; c++, m++) {
            st->out_rows[m] = p->w_out_hs + (int64_t)p->points[c] * dim;
            st->label[m] = 1.0f - (float)p->codes[c];
        }
    }
    npos = m;
    if (p->negative > 0) {
        for (b = 0; b < nb; b++, m++) {
            st->out_rows[m] = p->w_out_ns + (int64_t)buf[J[b]] * dim;
            st->label[m] = 1.0f;
        }
        for (d = 0; d < p->negative; d++, m++) {
            st->out_rows[m] = p->w_out_ns + (int64_t)negs[d] * dim;
            st->label[m] = 0.0f;
        }
    }
    /* Fetch every row of the block while the coefficients are worked out. */
    for (b = 0; b < m; b++)
        prefetch_row(st->out_rows[b], dim);
    if (p->sg) {
        /* input rows: the positions with at least one pair (not, e.g., the
           centre of a one-window block) */
        for (q = qlo; q <= qhi; q++)
            prefetch_row(p->w_in + (int64_t)buf[q] * dim, dim);
        k = 0;
        for (q = qlo; q <= qhi; q++) {
            float *co = st->coef + (int64_t)k * m;
            int active = 0;
            for (b = 0; b < m; b++)
                co[b] = 0.0f;
            for (b = 0; b < nb; b++) {
                if (q < lo[b] || q > hi[b] || q == J[b])
                    continue;
                active = 1;
                pairs++;
                if (p->hs) { /* nb == 1: the whole path */
                    int c2;
                    for (c2 = 0; c2 < npos; c2++)
                        co[c2] = 1.0f;
                }
                if (p->negative > 0) {
                    co[npos + b] = 1.0f;
                    for (d = 0; d < p->negative; d++)
                        if (negs[d] != buf[J[b]])
                            co[npos + nb + d] += 1.0f;
                }
            }
            if (active)
                st->in_rows[k++] = p->w_in + (int64_t)buf[q] * dim;
        }
    } else {
        k = nb;
        for (b = 0; b < nb; b++) {
            float *nv = st->neus + (int64_t)b * dim, *co = st->coef + (int64_t)b * m;
            int64_t cw = 0;
            memset(nv, 0, sizeof(float) * (size_t)dim);
            for (q = lo[b]; q <= hi[b]; q++) {
                if (q == J[b])
                    continue;
                w2v_axpy(1.0f, p->w_in + (int64_t)buf[q] * dim, nv, dim);
                cw++;
            }
            if (cw > 0 && p->cbow_mean)
                w2v_scale(1.0f / (float)cw, nv, dim);
            st->in_rows[b] = nv;
            for (a = 0; a < m; a++)
                co[a] = 0.0f;
            if (cw == 0)
                continue;
            pairs++;
            for (a = 0; a < npos; a++)
                co[a] = 1.0f;
            if (p->negative > 0) {
                co[npos + b] = 1.0f;
                for (d = 0; d < p->negative; d++)
                    co[npos + nb + d] = negs[d] != buf[J[b]] ? 1.0f : 0.0f;
            }
        }
    }
    /* CBOW: the next window is this one shifted by nb; fetch its centre
       word's output row and its new context rows while this block computes.
       (Measured: it helps CBOW, 2.2M -> 3.4M words/s on 2 threads, but costs
       skip-gram's 2-thread scaling, whose rows the other thread still uses.) */
    if (!p->sg) {
        int64_t nxt = J[nb - 1] + 1, e;
        if (nxt < n && p->negative > 0)
            prefetch_row(p->w_out_ns + (int64_t)buf[nxt] * dim, dim);
        for (e = qhi + 1; e < n && e <= qhi + nb; e++)
            prefetch_row(p->w_in + (int64_t)buf[e] * dim, dim);
    }
    /* The next block's negatives (the stream's next draws: a task's blocks
       take negatives, windows, negatives, ...), fetched while this one
       computes; unused if this is the task's last block. */
    if (p->negative > 0) {
        for (d = 0; d < p->negative; d++) {
            st->next_negs[d] = draw_negative(p, st);
            prefetch_row(p->w_out_ns + (int64_t)st->next_negs[d] * dim, dim);
        }
        st->have_next = 1;
    }
    st->pairs += pairs;
    if (k == 0)
        return;
    w2v_block_step(dim, k, st->in_rows, m, st->out_rows, st->label, npos, st->coef, st->alpha,
                   st->g, st->din, st->work, &st->loss);
    if (p->sg) {
        w2v_rows_add(dim, k, (float *const *)st->in_rows, st->din);
    } else {
        for (b = 0; b < nb; b++)
            for (q = lo[b]; q <= hi[b]; q++)
                if (q != J[b])
                    w2v_axpy(1.0f, st->din + (int64_t)b * dim, p->w_in + (int64_t)buf[q] * dim,
                             dim);
    }
}

/* Train centre word buf[j] with its reduced window over buf[0..n). */
static inline void train_position(const w2v_params *p, w2v_state *st, const int32_t *buf,
                                  int64_t n, int64_t j)
{
    const int64_t dim = p->dim;
    const int32_t word = buf[j];
    int64_t reduced = p->window - (int64_t)w2v_bounded(w2v_next(&st->rng),
                                                       (uint32_t)p->window);
    int64_t lo = j - reduced, hi = j + reduced, c;
    if (lo < 0)
        lo = 0;
    if (hi > n - 1)
        hi = n - 1;
    /* The rows every pair of this window reads: the centre word's output row
       (or its Huffman path) and the first context rows. */
    if (p->negative > 0)
        prefetch_row(p->w_out_ns + (int64_t)word * dim, dim);
    if (p->hs) {
        int64_t k2, end2 = p->code_offsets[word + 1];
        for (k2 = p->code_offsets[word]; k2 < end2; k2++)
            prefetch_row(p->w_out_hs + (int64_t)p->points[k2] * dim, dim);
    }
    for (c = lo; c <= hi && c < lo + 3; c++)
        if (c != j)
            prefetch_row(p->w_in + (int64_t)buf[c] * dim, dim);
    if (p->sg) {
        for (c = lo; c <= hi; c++) {
            float *l1;
            if (c == j)
                continue;
            l1 = p->w_in + (int64_t)buf[c] * dim;
            {
                int64_t nx = c + 1 == j ? c + 2 : c + 1;
                if (nx <= hi)
                    prefetch_row(p->w_in + (int64_t)buf[nx] * dim, dim);
            }
            memset(st->neu1e, 0, sizeof(float) * (size_t)dim);
            output_updates(p, st, l1, word);
            w2v_axpy(1.0f, st->neu1e, l1, dim);
            st->pairs++;
        }
    } else {
        int64_t cw = 0;
        memset(st->neu1, 0, sizeof(float) * (size_t)dim);
        for (c = lo; c <= hi; c++) {
            if (c == j)
                continue;
            w2v_axpy(1.0f, p->w_in + (int64_t)buf[c] * dim, st->neu1, dim);
            cw++;
        }
        if (cw == 0)
            return;
        st->pairs++;
        if (p->cbow_mean)
            w2v_scale(1.0f / (float)cw, st->neu1, dim);
        memset(st->neu1e, 0, sizeof(float) * (size_t)dim);
        output_updates(p, st, st->neu1, word);
        for (c = lo; c <= hi; c++) {
            if (c == j)
                continue;
            w2v_axpy(1.0f, st->neu1e, p->w_in + (int64_t)buf[c] * dim, dim);
        }
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
static void run_task(const w2v_params *p, w2v_shared *sh, w2v_state *st, int64_t epoch,
                     int64_t start, int64_t end, int64_t *raw_out, int64_t *kept_out,
                     double *loss_out, int64_t *pairs_out)
{
    const uint64_t skey = w2v_sample_key(w2v_seed_key(p->seed), (uint64_t)epoch);
    const int64_t window = p->window;
    const int64_t scan_cap = p->chunk_tokens;
    int64_t flushed = 0, block = -1, n_kept = 0;
    const int bmax = batch_width(p);
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
                    ATOMIC_ADD(&sh->words_done, upto - flushed);
                    flushed = upto;
                }
                if (ATOMIC_LOAD(&sh->stop))
                    goto out;
                st->alpha = alpha_at(p, ATOMIC_LOAD(&sh->words_done));
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
                train_position(p, st, st->buf, n, j);
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
    ATOMIC_ADD(&sh->words_done, (end - start) - flushed);
    *raw_out += ATOMIC_LOAD(&sh->stop) ? flushed : end - start;
    *kept_out += n_kept;
    w2v_loss_flush(&st->loss);
    *loss_out += st->loss.sum;
    *pairs_out += st->pairs;
    if (!isfinite(st->loss.sum)) {
        /* Diverged (e.g. a learning rate far too large): stop everyone at
           their next check rather than train on NaN/inf. */
        int32_t expected = 0;
        __atomic_compare_exchange_n(&sh->error, &expected, W2V_EDIVERGED, 0, __ATOMIC_RELAXED,
                                    __ATOMIC_RELAXED);
        __atomic_store_n(&sh->stop, 1, __ATOMIC_RELAXED);
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
static void *alloc_state(w2v_state *st, const w2v_params *p, int64_t kmax, int64_t mmax,
                         int64_t bmax)
{
    const size_t dim = (size_t)p->dim;
    const size_t pad = W2V_LOSS_PAD;
    const size_t bpad = W2V_BLOCK_PAD;
    size_t sz[16], total = 128, off = 64;
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
    sz[11] = lines(sizeof(int32_t) * (size_t)(p->negative + 1));        /* negs */
    sz[12] = lines(sizeof(float) * (W2V_LOSS_BUF + pad));                /* loss.z */
    sz[13] = sz[12];                                                     /* loss.w */
    sz[14] = lines(sizeof(float) * 2 * ((size_t)mmax + bpad));           /* work */
    sz[15] = sz[11];                                                     /* next_negs */
    for (i = 0; i < 16; i++)
        total += sz[i];
    base = (char *)aligned_alloc(64, total);
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
    st->loss.cap = W2V_LOSS_BUF;
#undef TAKE
    return base;
}

int w2v_worker(const w2v_params *p, w2v_shared *sh, int64_t *epoch_raw, int64_t *epoch_kept,
               double *epoch_loss, int64_t *epoch_pairs)
{
    w2v_state st;
    const int64_t per_epoch = w2v_chunks_per_epoch(p);
    const int64_t first = (int64_t)p->first_epoch * per_epoch;
    const int64_t total = (int64_t)p->end_epoch * per_epoch;
    const uint64_t seed_key = w2v_seed_key(p->seed);
    const int64_t bmax = batch_width(p) > 0 ? batch_width(p) : 1;
    const int64_t kmax = 2 * (int64_t)p->window + bmax;
    const int64_t mmax = (int64_t)p->max_code_len * (p->hs ? 1 : 0) + p->negative + bmax;
    void *block;
    memset(&st, 0, sizeof(st));
    block = alloc_state(&st, p, kmax, mmax, bmax);
    if (!block) {
        int32_t expected = 0;
        __atomic_compare_exchange_n(&sh->error, &expected, W2V_ENOMEM, 0, __ATOMIC_RELAXED,
                                    __ATOMIC_RELAXED);
        return W2V_ENOMEM;
    }
    for (;;) {
        int64_t task, epoch, chunk, start, end;
        if (ATOMIC_LOAD(&sh->stop))
            break;
        task = first + ATOMIC_ADD(&sh->next_task, 1);
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
    free(block);
    return W2V_OK;
}
