/*
 * w2v_doc.c -- paragraph vectors (w2v_doc.h): the PV-DBOW block and the
 * inference of new documents' vectors against a frozen model.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "w2v_block.h"
#include "w2v_block_build.h"
#include "w2v_doc.h"
#include "w2v_rng.h"
#include "w2v_vec.h"

/* A draw of negatives for each g = dbow_group consecutive centre words: columns
   the group's centres, then its negatives, group by group; a negative's coef is
   the number of the group's centres it is not.  The first group's negatives are
   those drawn ahead by a skip-gram block (dbow_words), if any; none are drawn
   ahead here (measured: fetching the next block's rows ahead gained nothing). */
static int group_columns(const w2v_params *p, w2v_thread_state *st, const int32_t *buf,
                         const int64_t *J, int nb, float *co)
{
    const int64_t dim = p->dim;
    const int nneg = p->negative, g = p->dbow_group;
    int m = 0, b0, b, d;
    for (b0 = 0; b0 < nb; b0 += g) {
        const int end = nb - b0 < g ? nb : b0 + g;
        for (b = b0; b < end; b++, m++) {
            st->out_rows[m] = p->w_out_ns + (int64_t)buf[J[b]] * dim;
            st->label[m] = 1.0f;
            co[m] = 1.0f;
        }
        for (d = 0; d < nneg; d++, m++) {
            const int32_t neg = (b0 == 0 && st->have_next) ? st->next_negs[d]
                                                           : w2v_draw_negative(p, st);
            int hits = 0;
            for (b = b0; b < end; b++)
                hits += neg != buf[J[b]];
            st->out_rows[m] = p->w_out_ns + (int64_t)neg * dim;
            st->label[m] = 0.0f;
            co[m] = (float)hits;
        }
    }
    st->have_next = 0;
    for (b = 0; b < m; b++)
        w2v_prefetch_row(st->out_rows[b], dim);
    return m;
}

void w2v_train_batch_dbow(const w2v_params *p, w2v_thread_state *st, const int32_t *buf,
                          int64_t n, const int64_t *J, int nb)
{
    const int64_t dim = p->dim;
    const int k = st->ndoc, nneg = p->negative;
    const int32_t *negs = st->negs;
    float *co = st->coef;
    int m, npos, a, b, d;
    if (p->dbow_words)
        for (b = 0; b < nb; b++)
            w2v_train_batch(p, st, buf, n, J + b, 1);
    if (p->dbow_group > 0 && !p->hs && nneg > 0) {
        npos = 0;
        m = group_columns(p, st, buf, J, nb, co);
    } else {
        m = w2v_block_columns(p, st, buf, 0, J, nb, nneg, NULL, NULL, NULL, NULL, &npos);
        for (b = 0; b < m; b++)
            w2v_prefetch_row(st->out_rows[b], dim);
        /* every tag row meets the path, each centre word once, and each negative
           once per centre word it is not */
        for (a = 0; a < m; a++)
            co[a] = a < npos ? 1.0f : 0.0f;
        if (nneg > 0) {
            for (b = 0; b < nb; b++)
                co[npos + b] = 1.0f;
            for (d = 0; d < nneg; d++) {
                int hits = 0;
                for (b = 0; b < nb; b++)
                    hits += negs[d] != buf[J[b]];
                co[npos + nb + d] = (float)hits;
            }
            w2v_draw_ahead(p, st);
        }
    }
    for (a = 0; a < k; a++) {
        st->in_rows[a] = p->w_doc + (int64_t)st->doc_rows[a] * dim;
        if (a > 0)
            memcpy(co + (int64_t)a * m, co, sizeof(float) * (size_t)m);
    }
    if (k == 0)
        return;
    st->pairs += (int64_t)nb * k;
    w2v_block_step(dim, k, st->in_rows, m, st->out_rows, st->label, npos, co, st->alpha, st->g,
                   st->din, st->work, &st->loss);
    w2v_rows_add(dim, k, (float *const *)st->in_rows, st->din);
}

uint64_t w2v_doc_key(uint64_t seed_key, const int32_t *ids, int64_t n)
{
    uint64_t h = UINT64_C(0xCBF29CE484222325) ^ seed_key;
    int64_t i;
    for (i = 0; i < n; i++)
        h = (h ^ (uint64_t)(uint32_t)ids[i]) * UINT64_C(0x100000001B3);
    return w2v_mix64(h ^ (uint64_t)n);
}

/* Most output columns of one inference block: PV-DBOW's block of words with their
   own negatives (negative sampling only), else one word's path and outputs. */
static int64_t infer_max_outputs(const w2v_params *p)
{
    const int64_t words = (p->doc_mode == W2V_DOC_DBOW && !p->hs) ? w2v_batch_width(p) : 1;
    return (int64_t)p->max_code_len * (p->hs ? 1 : 0) +
           (p->negative > 0 ? words * (1 + (int64_t)p->negative) : 0);
}

int64_t w2v_doc_infer_floats(const w2v_params *p)
{
    const int64_t m = infer_max_outputs(p) + W2V_BLOCK_PAD;
    /* h, din, label, coef, g, work, then (8-byte aligned) the input's pointer and
       the output rows' pointers, two floats' room each */
    return 2 * p->dim + 5 * m + 1 + 2 + 2 * m;
}

int64_t w2v_doc_infer_ints(const w2v_params *p, int64_t n_total, int64_t n_max)
{
    return 2 * n_total + n_max * (int64_t)p->negative + 1;
}

/* The scratch of one document's inference, carved from the caller's floats. */
typedef struct {
    float *h, *din, *label, *coef, *g, *work;
    const float **rows, **outs;
} infer_scratch;

static void carve(const w2v_params *p, float *f, infer_scratch *sc)
{
    const int64_t m = infer_max_outputs(p) + W2V_BLOCK_PAD, dim = p->dim;
    int64_t off = 2 * dim;
    sc->h = f;
    sc->din = f + dim;
    sc->label = f + off;
    sc->coef = f + off + m;
    sc->g = f + off + 2 * m;
    sc->work = f + off + 3 * m; /* 2 * m */
    off += 5 * m;
    off += off & 1; /* pointers: 8-byte aligned, as the allocation is */
    sc->rows = (const float **)(void *)(f + off);
    sc->outs = (const float **)(void *)(f + off + 2);
}

/* Column c of a block: output row `row`, label, coef (the rows are only read:
   w2v_block_grad leaves the model as it is). */
static inline void column(infer_scratch *sc, int c, const float *row, float label, float coef)
{
    sc->outs[c] = row;
    sc->label[c] = label;
    sc->coef[c] = coef;
}

/* Ask for the output rows a pass will read (negative sampling): a word's own, or
   the `negative` negatives of a word position. */
static inline void fetch_word(const w2v_params *p, int32_t word)
{
    if (p->negative > 0)
        w2v_prefetch_row_read(p->w_out_ns + (int64_t)word * p->dim, p->dim);
}

static inline void fetch_negs(const w2v_params *p, const int32_t *negs)
{
    int d;
    for (d = 0; d < p->negative; d++)
        w2v_prefetch_row_read(p->w_out_ns + (int64_t)negs[d] * p->dim, p->dim);
}

/* Words a pass fetches the rows of ahead (measured on 2,000 documents of 200 words:
   2 ahead 2.0 s, 8 ahead 1.4 s, 16 and 32 ahead 1.2 s on one thread). */
#define W2V_INFER_AHEAD 16

/* vec += the gradient of the words kept[j0 .. j0 + nb) (their paths, themselves and
   their negatives) against the input h, from one snapshot, by the block kernel. */
static void infer_block(const w2v_params *p, infer_scratch *sc, const int32_t *kept,
                        const int32_t *negs, int64_t j0, int nb, const float *h, float alpha,
                        float *vec)
{
    const int64_t dim = p->dim, neg = p->negative;
    int m = 0, b, d, npos;
    if (p->hs) { /* nb == 1 */
        const int32_t word = kept[j0];
        int64_t c;
        for (c = p->code_offsets[word]; c < p->code_offsets[word + 1]; c++, m++)
            column(sc, m, p->w_out_hs + (int64_t)p->points[c] * dim, 1.0f - (float)p->codes[c],
                   1.0f);
    }
    npos = m;
    for (b = 0; neg > 0 && b < nb; b++) {
        const int32_t word = kept[j0 + b];
        const int32_t *wn = negs + (j0 + b) * neg;
        column(sc, m++, p->w_out_ns + (int64_t)word * dim, 1.0f, 1.0f);
        for (d = 0; d < neg; d++)
            column(sc, m++, p->w_out_ns + (int64_t)wn[d] * dim, 0.0f,
                   wn[d] != word ? 1.0f : 0.0f);
    }
    if (m == 0)
        return;
    sc->rows[0] = h;
    w2v_block_grad(dim, 1, sc->rows, m, sc->outs, sc->label, npos, sc->coef, alpha, sc->g,
                   sc->din, sc->work, NULL);
    w2v_rows_add(dim, 1, &vec, sc->din);
}

int64_t w2v_doc_infer(const w2v_params *p, int nd, const int32_t *ids, const int64_t *offsets,
                      float *out, int epochs, float alpha0, float alpha1, uint64_t seed_key,
                      float *fscratch, int32_t *iscratch)
{
    const int64_t dim = p->dim, neg = p->negative;
    const int dbow = p->doc_mode != W2V_DOC_DM;
    const int bmax = dbow && !p->hs ? w2v_batch_width(p) : 1;
    /* the negatives' stream: the seed's, the same for every document */
    const uint64_t nkey = w2v_mix64(seed_key ^ UINT64_C(0x9E6A7E1F0D0C5EED));
    int32_t *kept[W2V_INFER_DOCS], *win[W2V_INFER_DOCS], *negs;
    const int32_t *doc[W2V_INFER_DOCS];
    int64_t n[W2V_INFER_DOCS], nk[W2V_INFER_DOCS], i, j, q, maxk, off = 0, trained = 0;
    uint64_t key[W2V_INFER_DOCS], rng;
    infer_scratch sc;
    int e, b;
    if (nd < 1 || nd > W2V_INFER_DOCS)
        return -1;
    carve(p, fscratch, &sc);
    for (b = 0; b < nd; b++) {
        float *vec = out + (int64_t)b * dim;
        doc[b] = ids + (offsets[b] - offsets[0]);
        n[b] = offsets[b + 1] - offsets[b];
        kept[b] = iscratch + off;
        win[b] = iscratch + off + n[b];
        off += 2 * n[b];
        key[b] = w2v_doc_key(seed_key, doc[b], n[b]);
        rng = key[b];
        for (i = 0; i < dim; i++)
            vec[i] = ((float)(w2v_next(&rng) >> 40) / 16777216.0f - 0.5f) / (float)dim;
    }
    negs = iscratch + off;
    for (e = 0; e < epochs; e++) {
        const float alpha = epochs > 1 ? alpha0 - (alpha0 - alpha1) * (float)e /
                                                      (float)(epochs - 1)
                                       : alpha0;
        /* each document's words kept and (PV-DM) reduced windows, from its own key */
        for (b = 0, maxk = 0; b < nd; b++) {
            const uint64_t skey = w2v_sample_key(key[b], (uint64_t)e);
            for (i = 0, nk[b] = 0; i < n[b]; i++) {
                uint32_t thr = p->keep_thr[doc[b][i]];
                if (thr >= (UINT32_C(1) << 24) || w2v_sample_u24(skey, (uint64_t)i) < thr)
                    kept[b][nk[b]++] = doc[b][i];
            }
            if (!dbow) {
                rng = w2v_chunk_state(key[b], (uint64_t)e);
                for (j = 0; j < nk[b]; j++)
                    win[b][j] = (int32_t)(p->window -
                                          (int64_t)w2v_bounded(w2v_next(&rng),
                                                               (uint32_t)p->window));
            }
            if (nk[b] > maxk)
                maxk = nk[b];
        }
        /* the pass's negatives, word position by word position, shared by the
           documents: position j's rows are fetched once for all of them */
        rng = w2v_chunk_state(nkey, (uint64_t)e);
        for (j = 0; j < maxk * neg; j++)
            negs[j] = w2v_alias_draw(p, &rng);
        for (j = 0; j < maxk && j < W2V_INFER_AHEAD; j++) {
            fetch_negs(p, negs + j * neg);
            for (b = 0; b < nd; b++)
                if (j < nk[b])
                    fetch_word(p, kept[b][j]);
        }
        for (j = 0; j < maxk; j += bmax) {
            for (q = j + W2V_INFER_AHEAD; q < j + W2V_INFER_AHEAD + bmax && q < maxk; q++)
                fetch_negs(p, negs + q * neg);
            for (b = 0; b < nd; b++) {
                float *vec = out + (int64_t)b * dim;
                int nb;
                if (j >= nk[b])
                    continue;
                nb = nk[b] - j < bmax ? (int)(nk[b] - j) : bmax;
                for (q = j + W2V_INFER_AHEAD; q < j + W2V_INFER_AHEAD + bmax && q < nk[b]; q++)
                    fetch_word(p, kept[b][q]);
                if (dbow) {
                    infer_block(p, &sc, kept[b], negs, j, nb, vec, alpha, vec);
                } else {
                    int64_t lo = j - win[b][j] < 0 ? 0 : j - win[b][j];
                    int64_t hi = j + win[b][j] > nk[b] - 1 ? nk[b] - 1 : j + win[b][j], cw = 1;
                    memcpy(sc.h, vec, sizeof(float) * (size_t)dim);
                    for (q = lo; q <= hi; q++)
                        if (q != j) {
                            w2v_axpy(1.0f, p->w_in + (int64_t)kept[b][q] * dim, sc.h, dim);
                            cw++;
                        }
                    if (p->cbow_mean)
                        w2v_scale(1.0f / (float)cw, sc.h, dim);
                    infer_block(p, &sc, kept[b], negs, j, 1, sc.h, alpha, vec);
                }
                trained += nb;
            }
        }
    }
    return trained;
}
