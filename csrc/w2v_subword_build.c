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
                     int64_t J)
{
    const int64_t dim = p->dim;
    const int32_t word = buf[J];
    int64_t reduced, lo, hi, q;
    int m = 0, npos, nr, d, ctx = 0;
    float *h = st->neus;
    reduced = p->window - (int64_t)w2v_bounded(w2v_next(&st->rng), (uint32_t)p->window);
    lo = J - reduced < 0 ? 0 : J - reduced;
    hi = J + reduced > n - 1 ? n - 1 : J + reduced;
    if (p->hs) {
        for (q = lo; q <= hi; q++) {
            int64_t c, end;
            if (q == J)
                continue;
            end = p->code_offsets[buf[q] + 1];
            for (c = p->code_offsets[buf[q]]; c < end; c++, m++) {
                st->out_rows[m] = p->w_out_hs + (int64_t)p->points[c] * dim;
                st->label[m] = 1.0f - (float)p->codes[c];
                st->coef[m] = 1.0f;
            }
        }
    }
    npos = m;
    for (q = lo; q <= hi; q++) {
        if (q == J)
            continue;
        ctx++;
        if (p->negative <= 0)
            continue;
        st->out_rows[m] = p->w_out_ns + (int64_t)buf[q] * dim;
        st->label[m] = 1.0f;
        st->coef[m++] = 1.0f;
    }
    /* the negatives, shared by the window's contexts: each meets the centre once
       per context it is not */
    if (ctx > 0 && p->negative > 0) {
        for (d = 0; d < p->negative; d++, m++) {
            int32_t x = w2v_draw_negative(p, st);
            int64_t hits = 0;
            for (q = lo; q <= hi; q++)
                hits += q != J && buf[q] != x;
            st->out_rows[m] = p->w_out_ns + (int64_t)x * dim;
            st->label[m] = 0.0f;
            st->coef[m] = (float)hits;
        }
    }
    if (ctx == 0)
        return;
    st->pairs += ctx;
    for (d = 0; d < m; d++)
        w2v_prefetch_row(st->out_rows[d], dim);
    nr = word_rows(p, word, st->sub_ptrs);
    w2v_rows_sum(dim, nr, (const float *const *)st->sub_ptrs, h);
    w2v_scale(1.0f / (float)nr, h, dim);
    if (J + 1 < n)
        prefetch_word(p, buf[J + 1]);
    st->in_rows[0] = h;
    w2v_block_step(dim, 1, st->in_rows, m, st->out_rows, st->label, npos, st->coef, st->alpha,
                   st->g, st->din, st->work, &st->loss);
    w2v_rows_add_same(dim, nr, st->sub_ptrs, st->din);
}

static void train_cbow(const w2v_params *p, w2v_thread_state *st, const int32_t *buf, int64_t n,
                       const int64_t *J, int nb)
{
    const int64_t dim = p->dim;
    int64_t lo[W2V_MAX_BATCH], hi[W2V_MAX_BATCH], qlo, qhi, q;
    int b, m, npos, d, a;
    int64_t pairs = 0;
    int32_t *negs = st->negs;
    float **ptrs = st->sub_ptrs;
    m = w2v_block_columns(p, st, buf, n, J, nb, lo, hi, &qlo, &qhi, &npos);
    for (b = 0; b < m; b++)
        w2v_prefetch_row(st->out_rows[b], dim);
    /* each position's row sum and row count, once for all the windows */
    for (q = qlo; q <= qhi; q++) {
        float *s = st->sub_sums + (q - qlo) * dim;
        int used = 0, nr;
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
    /* the next block's new positions, fetched while this one computes */
    for (q = qhi + 1; q < n && q <= qhi + nb; q++)
        prefetch_word(p, buf[q]);
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
        for (a = 0; a < m; a++)
            co[a] = 0.0f;
        if (np == 0)
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
        train_sg(p, st, buf, n, J[0]);
    else
        train_cbow(p, st, buf, n, J, nb);
}
