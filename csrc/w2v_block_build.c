/*
 * w2v_block_build.c -- the batched updates (w2v_block_build.h): build one
 * block from the windows of consecutive centre words, hand it to the
 * matrix-product kernel (w2v_block.h), add the input gradients back.
 */
#include <stdint.h>
#include <string.h>

#include "w2v_block.h"
#include "w2v_block_build.h"
#include "w2v_rng.h"
#include "w2v_vec.h"

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
int w2v_block_columns(const w2v_params *p, w2v_thread_state *st, const int32_t *buf, int64_t n,
                      const int64_t *J, int nb, int nneg, int64_t *lo, int64_t *hi,
                      int64_t *qlo, int64_t *qhi, int *npos)
{
    const int64_t dim = p->dim;
    int b, m = 0, d;
    int32_t *negs = st->negs;
    /* Random draws: this block's negatives, unless the previous block of
       the task drew them ahead (fetching their rows while it computed),
       then the nb reduced windows. */
    if (nneg > 0) {
        if (st->have_next)
            memcpy(negs, st->next_negs, sizeof(int32_t) * (size_t)nneg);
        else
            for (d = 0; d < nneg; d++)
                negs[d] = w2v_draw_negative(p, st);
    }
    st->have_next = 0;
    if (lo) {
        *qlo = INT64_MAX;
        *qhi = -1;
    }
    for (b = 0; lo && b < nb; b++) {
        int64_t reduced = p->window - (int64_t)w2v_bounded(w2v_next(&st->rng),
                                                           (uint32_t)p->window);
        lo[b] = J[b] - reduced < 0 ? 0 : J[b] - reduced;
        hi[b] = J[b] + reduced > n - 1 ? n - 1 : J[b] + reduced;
        if (lo[b] < *qlo)
            *qlo = lo[b];
        if (hi[b] > *qhi)
            *qhi = hi[b];
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
    *npos = m;
    if (p->negative > 0) {
        for (b = 0; b < nb; b++, m++) {
            st->out_rows[m] = p->w_out_ns + (int64_t)buf[J[b]] * dim;
            st->label[m] = 1.0f;
        }
        for (d = 0; d < nneg; d++, m++) {
            st->out_rows[m] = p->w_out_ns + (int64_t)negs[d] * dim;
            st->label[m] = 0.0f;
        }
    }
    return m;
}

void w2v_train_batch(const w2v_params *p, w2v_thread_state *st, const int32_t *buf, int64_t n,
                     const int64_t *J, int nb)
{
    const int64_t dim = p->dim;
    int64_t lo[W2V_MAX_BATCH], hi[W2V_MAX_BATCH], qlo, qhi, q;
    int b, m, k, npos, a, d;
    int64_t pairs = 0; /* a local count: st->pairs in the loops costs a store each */
    int32_t *negs = st->negs;
    m = w2v_block_columns(p, st, buf, n, J, nb, p->negative, lo, hi, &qlo, &qhi, &npos);
    /* Fetch every row of the block while the coefficients are worked out. */
    for (b = 0; b < m; b++)
        w2v_prefetch_row(st->out_rows[b], dim);
    if (p->sg) {
        /* input rows: the positions with at least one pair (not, e.g., the
           centre of a one-window block) */
        for (q = qlo; q <= qhi; q++)
            w2v_prefetch_row(p->w_in + (int64_t)buf[q] * dim, dim);
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
        /* the context rows' pointers go past the block's inputs (in_rows holds
           2 * window more than the nb centres), summed by the SIMD kernel in
           order; PV-DM: the document's tag rows join every window's context */
        const int ndoc = p->doc_mode ? st->ndoc : 0;
        const float **ctx = st->in_rows + nb;
        k = nb;
        for (b = 0; b < nb; b++) {
            float *nv = st->neus + (int64_t)b * dim, *co = st->coef + (int64_t)b * m;
            int64_t cw = 0;
            for (q = lo[b]; q <= hi[b]; q++)
                if (q != J[b])
                    ctx[cw++] = p->w_in + (int64_t)buf[q] * dim;
            w2v_rows_sum(dim, (int)cw, ctx, nv);
            for (d = 0; d < ndoc; d++, cw++)
                w2v_axpy(1.0f, p->w_doc + (int64_t)st->doc_rows[d] * dim, nv, dim);
            if (cw > 0 && p->cbow_mean)
                w2v_scale(1.0f / (float)cw, nv, dim);
            st->in_rows[b] = nv;
            pairs += cw > 0;
            w2v_cbow_coef_row(co, m, npos, nb, b, cw > 0, negs, p->negative, buf[J[b]], 1.0f);
        }
    }
    /* CBOW: the next window is this one shifted by nb; fetch its centre
       word's output row and its new context rows while this block computes.
       (Measured: it helps CBOW, 2.2M -> 3.4M words/s on 2 threads, but costs
       skip-gram's 2-thread scaling, whose rows the other thread still uses.) */
    if (!p->sg) {
        int64_t nxt = J[nb - 1] + 1, e;
        if (nxt < n && p->negative > 0)
            w2v_prefetch_row(p->w_out_ns + (int64_t)buf[nxt] * dim, dim);
        for (e = qhi + 1; e < n && e <= qhi + nb; e++)
            w2v_prefetch_row(p->w_in + (int64_t)buf[e] * dim, dim);
    }
    /* The next block's negatives (the stream's next draws: a task's blocks
       take negatives, windows, negatives, ...), fetched while this one
       computes; unused if this is the task's last block. */
    if (p->negative > 0)
        w2v_draw_ahead(p, st);
    st->pairs += pairs;
    if (k == 0)
        return;
    w2v_block_step(dim, k, st->in_rows, m, st->out_rows, st->label, npos, st->coef, st->alpha,
                   st->g, st->din, st->work, &st->loss);
    if (p->sg && !p->lock_in) {
        w2v_rows_add(dim, k, (float *const *)st->in_rows, st->din);
    } else if (p->sg) {
        /* locked rows get no update (not even + 0, which would turn -0.0 into +0.0) */
        for (a = 0; a < k; a++)
            if (!p->lock_in[(st->in_rows[a] - p->w_in) / dim])
                w2v_axpy(1.0f, st->din + (int64_t)a * dim, (float *)st->in_rows[a], dim);
    } else {
        const int ndoc = p->doc_mode ? st->ndoc : 0;
        float **ctx = (float **)(st->in_rows + nb);
        for (b = 0; b < nb; b++) {
            int nc = 0;
            for (q = lo[b]; q <= hi[b]; q++)
                if (q != J[b] && (!p->lock_in || !p->lock_in[buf[q]]))
                    ctx[nc++] = p->w_in + (int64_t)buf[q] * dim;
            /* each context row += din, in order (a word twice gets both) */
            w2v_rows_add_same(dim, nc, ctx, st->din + (int64_t)b * dim);
            for (d = 0; d < ndoc; d++)
                w2v_axpy(1.0f, st->din + (int64_t)b * dim,
                         p->w_doc + (int64_t)st->doc_rows[d] * dim, dim);
        }
    }
}
