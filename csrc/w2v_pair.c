/*
 * w2v_pair.c -- the classic per-pair updates (w2v_pair.h): skip-gram and
 * CBOW with hierarchical softmax and/or negative sampling, word2vec.c's rules.
 */
#include <math.h>
#include <string.h>

#include "w2v_loss.h"
#include "w2v_pair.h"
#include "w2v_rng.h"
#include "w2v_vec.h"

static inline float sigmoid(float f) { return 1.0f / (1.0f + expf(-f)); }

/*
 * Output-layer updates for one input vector l1 and one target word; the
 * gradient for l1 is accumulated into neu1e.  Hierarchical softmax first,
 * then negative sampling, as word2vec.c orders them.
 */
static inline void output_updates(const w2v_params *p, w2v_thread_state *st, const float *l1,
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
            negs[d] = w2v_draw_negative(p, st);
            w2v_prefetch_row(p->w_out_ns + (int64_t)negs[d] * dim, dim);
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

/* Train centre word buf[j] with its reduced window over buf[0..n). */
void w2v_train_position(const w2v_params *p, w2v_thread_state *st, const int32_t *buf,
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
        w2v_prefetch_row(p->w_out_ns + (int64_t)word * dim, dim);
    if (p->hs) {
        int64_t k2, end2 = p->code_offsets[word + 1];
        for (k2 = p->code_offsets[word]; k2 < end2; k2++)
            w2v_prefetch_row(p->w_out_hs + (int64_t)p->points[k2] * dim, dim);
    }
    for (c = lo; c <= hi && c < lo + 3; c++)
        if (c != j)
            w2v_prefetch_row(p->w_in + (int64_t)buf[c] * dim, dim);
    if (p->sg) {
        for (c = lo; c <= hi; c++) {
            float *l1;
            if (c == j)
                continue;
            l1 = p->w_in + (int64_t)buf[c] * dim;
            {
                int64_t nx = c + 1 == j ? c + 2 : c + 1;
                if (nx <= hi)
                    w2v_prefetch_row(p->w_in + (int64_t)buf[nx] * dim, dim);
            }
            memset(st->neu1e, 0, sizeof(float) * (size_t)dim);
            output_updates(p, st, l1, word);
            if (!p->lock_in || !p->lock_in[buf[c]])
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
            if (c == j || (p->lock_in && p->lock_in[buf[c]]))
                continue;
            w2v_axpy(1.0f, st->neu1e, p->w_in + (int64_t)buf[c] * dim, dim);
        }
    }
}
