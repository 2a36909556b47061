/*
 * w2v_subword_build.c -- the batched updates of subword models
 * (w2v_subword_build.h).
 */
#include <stdint.h>
#include <string.h>

#include "w2v_block.h"
#include "w2v_block_build.h"
#include "w2v_rng.h"
#include "w2v_subword_build.h"
#include "w2v_vec.h"

/* Word w's input rows into ptrs; returns how many. */
static inline int word_rows(const w2v_params *p, int32_t w, float **ptrs)
{
    const int64_t a = p->sub_offsets[w], b = p->sub_offsets[w + 1];
    const int32_t *r = p->sub_rows + a;
    int64_t i;
    for (i = 0; i < b - a; i++)
        ptrs[i] = p->w_in + (int64_t)r[i] * p->dim;
    return (int)(b - a);
}

static inline void prefetch_word(const w2v_params *p, int32_t w)
{
    const int64_t a = p->sub_offsets[w], b = p->sub_offsets[w + 1];
    int64_t i;
    for (i = a; i < b; i++)
        w2v_prefetch_row(p->w_in + (int64_t)p->sub_rows[i] * p->dim, p->dim);
}

static void train_sg(const w2v_params *p, w2v_thread_state *st, const int32_t *buf, int64_t n,
                     const int64_t *J, int nb)
{
    const int64_t dim = p->dim;
    int64_t lo[W2V_MAX_BATCH], hi[W2V_MAX_BATCH], qlo = INT64_MAX, qhi = -1, q, C = 0;
    int32_t *col = st->sub_col; /* each position's NS column, -1: none */
    int b, m = 0, npos, nr, d, D = 0, a;
    float scale = 0.0f;
    for (b = 0; b < nb; b++) {
        int64_t reduced = p->window - (int64_t)w2v_bounded(w2v_next(&st->rng),
                                                           (uint32_t)p->window);
        lo[b] = J[b] - reduced < 0 ? 0 : J[b] - reduced;
        hi[b] = J[b] + reduced > n - 1 ? n - 1 : J[b] + reduced;
        C += hi[b] - lo[b]; /* the window's contexts: every position but the centre */
        if (lo[b] < qlo)
            qlo = lo[b];
        if (hi[b] > qhi)
            qhi = hi[b];
    }
    if (C == 0)
        return;
    st->pairs += C;
    if (p->hs) { /* nb == 1: every context's path */
        for (q = lo[0]; q <= hi[0]; q++) {
            int64_t c, end;
            if (q == J[0])
                continue;
            end = p->code_offsets[buf[q] + 1];
            for (c = p->code_offsets[buf[q]]; c < end; c++, m++) {
                st->out_rows[m] = p->w_out_hs + (int64_t)p->points[c] * dim;
                st->label[m] = 1.0f - (float)p->codes[c];
            }
        }
    }
    npos = m;
    if (p->negative > 0) {
        /* the context words of any window, once each */
        for (q = qlo; q <= qhi; q++) {
            int used = 0;
            for (b = 0; b < nb && !used; b++)
                used = q >= lo[b] && q <= hi[b] && q != J[b];
            col[q - qlo] = used ? m : -1;
            if (!used)
                continue;
            st->out_rows[m] = p->w_out_ns + (int64_t)buf[q] * dim;
            st->label[m++] = 1.0f;
        }
        /* negative * (the mean contexts per centre, rounded up) negatives, shared */
        D = p->negative * (int)((C + nb - 1) / nb);
        scale = (float)p->negative / (float)D;
        for (d = 0; d < D; d++, m++) {
            int32_t x = w2v_draw_negative(p, st);
            uint8_t hit = 0;
            for (q = qlo; q <= qhi; q++)
                hit |= buf[q] == x;
            st->negs[d] = x;
            st->sub_hit[d] = hit;
            st->out_rows[m] = p->w_out_ns + (int64_t)x * dim;
            st->label[m] = 0.0f;
        }
    }
    for (a = 0; a < m; a++)
        w2v_prefetch_row(st->out_rows[a], dim);
    /* pair multiplicities: a context meets its centre once; each shared negative
       meets centre b `scale` times per context of b it is not */
    for (b = 0; b < nb; b++) {
        float *co = st->coef + (int64_t)b * m;
        for (a = 0; a < m; a++)
            co[a] = 0.0f;
        for (a = 0; a < npos; a++)
            co[a] = 1.0f;
        if (p->negative <= 0)
            continue;
        for (q = lo[b]; q <= hi[b]; q++)
            if (q != J[b])
                co[col[q - qlo]] = 1.0f;
        for (d = 0; d < D; d++) {
            int64_t hits = hi[b] - lo[b];
            if (st->sub_hit[d]) /* the negative is a word of the block: count */
                for (q = lo[b]; q <= hi[b]; q++)
                    hits -= q != J[b] && buf[q] == st->negs[d];
            co[m - D + d] = (float)hits * scale;
        }
    }
    /* the centres' means, each composed once; the rows of the next block's centre b
       (the bucket table fits in no cache) asked for one at a time, while the rest
       of this block computes */
    for (b = 0; b < nb; b++) {
        float *h = st->neus + (int64_t)b * dim;
        nr = word_rows(p, buf[J[b]], st->sub_ptrs);
        w2v_rows_sum(dim, nr, (const float *const *)st->sub_ptrs, h);
        w2v_scale(1.0f / (float)nr, h, dim);
        st->in_rows[b] = h;
        if (J[nb - 1] + 1 + b < n)
            prefetch_word(p, buf[J[nb - 1] + 1 + b]);
    }
    w2v_block_step(dim, nb, st->in_rows, m, st->out_rows, st->label, npos, st->coef,
                   st->alpha, st->g, st->din, st->work, &st->loss);
    for (b = 0; b < nb; b++) {
        nr = word_rows(p, buf[J[b]], st->sub_ptrs);
        w2v_rows_add_same(dim, nr, st->sub_ptrs, st->din + (int64_t)b * dim);
    }
}

static void train_cbow(const w2v_params *p, w2v_thread_state *st, const int32_t *buf, int64_t n,
                       const int64_t *J, int nb)
{
    const int64_t dim = p->dim;
    int64_t lo[W2V_MAX_BATCH], hi[W2V_MAX_BATCH], qlo, qhi, q;
    int b, m, npos, D;
    float scale;
    int64_t pairs = 0;
    int32_t *negs = st->negs;
    float **ptrs = st->sub_ptrs;
    /* negative * min(nb, W2V_SUB_CBOW_SHARE) negatives shared by the block, each
       meeting centre b negative/D times (a block of one centre: fastText's draw) */
    D = p->negative * (nb < W2V_SUB_CBOW_SHARE ? nb : W2V_SUB_CBOW_SHARE);
    scale = D > 0 ? (float)p->negative / (float)D : 0.0f;
    m = w2v_block_columns(p, st, buf, n, J, nb, D, lo, hi, &qlo, &qhi, &npos);
    for (b = 0; b < m; b++)
        w2v_prefetch_row(st->out_rows[b], dim);
    /* each position's row sum and row count, once for all the windows; the rows of
       the next block's new positions asked for one position at a time meanwhile */
    for (q = qlo; q <= qhi; q++) {
        float *s = st->sub_sums + (q - qlo) * dim;
        int used = 0, nr;
        if (qhi + 1 + (q - qlo) < n && q - qlo < nb)
            prefetch_word(p, buf[qhi + 1 + (q - qlo)]);
        for (b = 0; b < nb && !used; b++)
            used = q >= lo[b] && q <= hi[b] && q != J[b];
        if (!used) {
            st->sub_cnt[q - qlo] = 0.0f;
            continue;
        }
        nr = word_rows(p, buf[q], ptrs);
        w2v_rows_sum(dim, nr, (const float *const *)ptrs, s);
        st->sub_cnt[q - qlo] = (float)nr;
    }
    for (b = 0; b < nb; b++) {
        float *h = st->neus + (int64_t)b * dim, *co = st->coef + (int64_t)b * m;
        float rows = 0.0f;
        int np = 0;
        for (q = lo[b]; q <= hi[b]; q++) {
            if (q == J[b])
                continue;
            ptrs[np++] = st->sub_sums + (q - qlo) * dim;
            rows += st->sub_cnt[q - qlo];
        }
        w2v_rows_sum(dim, np, (const float *const *)ptrs, h);
        if (np > 0 && p->cbow_mean)
            w2v_scale(1.0f / rows, h, dim);
        st->in_rows[b] = h;
        pairs += np > 0;
        w2v_cbow_coef_row(co, m, npos, nb, b, np > 0, negs, D, buf[J[b]], scale);
    }
    st->pairs += pairs;
    if (pairs == 0)
        return;
    w2v_block_step(dim, nb, st->in_rows, m, st->out_rows, st->label, npos, st->coef, st->alpha,
                   st->g, st->din, st->work, &st->loss);
    /* each position's gradient: the sum of its windows' (in window order), added
       once to each of its rows */
    for (q = qlo; q <= qhi; q++) {
        const float *grad;
        int np = 0, nr;
        if (st->sub_cnt[q - qlo] == 0.0f)
            continue;
        for (b = 0; b < nb; b++)
            if (q >= lo[b] && q <= hi[b] && q != J[b])
                ptrs[np++] = st->din + (int64_t)b * dim;
        if (np == 1) {
            grad = ptrs[0];
        } else {
            w2v_rows_sum(dim, np, (const float *const *)ptrs, st->neu1e);
            grad = st->neu1e;
        }
        nr = word_rows(p, buf[q], ptrs);
        w2v_rows_add_same(dim, nr, ptrs, grad);
    }
}

void w2v_train_batch_sub(const w2v_params *p, w2v_thread_state *st, const int32_t *buf,
                         int64_t n, const int64_t *J, int nb)
{
    if (p->sg)
        train_sg(p, st, buf, n, J, nb);
    else
        train_cbow(p, st, buf, n, J, nb);
}
