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

/* Each centre word's own negatives (dbow_shared == 0): columns centre, then its
   negatives, word by word; coef 1 except a negative equal to its centre.  The
   first word's negatives are those drawn ahead by a skip-gram block (dbow_words),
   if any; none are drawn ahead here (measured: fetching the next block's 40 rows
   ahead gained nothing). */
static int own_columns(const w2v_params *p, w2v_thread_state *st, const int32_t *buf,
                       const int64_t *J, int nb, float *co)
{
    const int64_t dim = p->dim;
    const int nneg = p->negative;
    int m = 0, b, d;
    for (b = 0; b < nb; b++) {
        const int32_t centre = buf[J[b]];
        st->out_rows[m] = p->w_out_ns + (int64_t)centre * dim;
        st->label[m] = 1.0f;
        co[m++] = 1.0f;
        for (d = 0; d < nneg; d++, m++) {
            const int32_t neg = (b == 0 && st->have_next) ? st->next_negs[d]
                                                          : w2v_draw_negative(p, st);
            st->out_rows[m] = p->w_out_ns + (int64_t)neg * dim;
            st->label[m] = 0.0f;
            co[m] = neg != centre ? 1.0f : 0.0f;
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
    if (!p->dbow_shared && !p->hs && nneg > 0) {
        npos = 0;
        m = own_columns(p, st, buf, J, nb, co);
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
            /* the next block's negatives, fetched while this one computes */
            for (d = 0; d < nneg; d++) {
                st->next_negs[d] = w2v_draw_negative(p, st);
                w2v_prefetch_row(p->w_out_ns + (int64_t)st->next_negs[d] * dim, dim);
            }
            st->have_next = 1;
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

int64_t w2v_doc_infer_floats(const w2v_params *p) { return 3 * p->dim; }

int64_t w2v_doc_infer_ints(const w2v_params *p, int64_t n) { return n + p->negative + 1; }

static inline float sigmoid(float f) { return 1.0f / (1.0f + expf(-f)); }

/* neu1e += the gradient of one output row against the input h (negative
   sampling: clamped outside [-6, 6]; hs: skipped outside (-6, 6)). */
static inline void against(const float *h, const float *out, float label, int hs, float alpha,
                           float *neu1e, int64_t dim)
{
    float f = w2v_dot(h, out, dim), g;
    if (hs) {
        if (f <= -W2V_MAX_EXP || f >= W2V_MAX_EXP)
            return;
        g = (label - sigmoid(f)) * alpha;
    } else if (f > W2V_MAX_EXP) {
        g = (label - 1.0f) * alpha;
    } else if (f < -W2V_MAX_EXP) {
        g = label * alpha;
    } else {
        g = (label - sigmoid(f)) * alpha;
    }
    w2v_axpy(g, out, neu1e, dim);
}

/* neu1e += the gradients of the outputs of `word` (its path, then itself and
   the negatives) against h. */
static void outputs(const w2v_params *p, uint64_t *rng, int32_t word, const float *h,
                    float alpha, float *neu1e)
{
    const int64_t dim = p->dim;
    int d;
    if (p->hs) {
        int64_t c;
        for (c = p->code_offsets[word]; c < p->code_offsets[word + 1]; c++)
            against(h, p->w_out_hs + (int64_t)p->points[c] * dim, 1.0f - (float)p->codes[c], 1,
                    alpha, neu1e, dim);
    }
    if (p->negative > 0) {
        against(h, p->w_out_ns + (int64_t)word * dim, 1.0f, 0, alpha, neu1e, dim);
        for (d = 0; d < p->negative; d++) {
            uint64_t r = w2v_next(rng);
            uint32_t i = w2v_bounded(r, (uint32_t)p->vocab_size);
            uint64_t e = p->alias[i];
            int32_t neg = (uint32_t)r < (uint32_t)e ? (int32_t)i : (int32_t)(e >> 32);
            if (neg != word)
                against(h, p->w_out_ns + (int64_t)neg * dim, 0.0f, 0, alpha, neu1e, dim);
        }
    }
}

int64_t w2v_doc_infer(const w2v_params *p, const int32_t *ids, int64_t n, float *vec,
                      int epochs, float alpha0, float alpha1, uint64_t key, float *fscratch,
                      int32_t *iscratch)
{
    const int64_t dim = p->dim;
    float *neu1e = fscratch, *h = fscratch + dim;
    int32_t *kept = iscratch;
    uint64_t rng = key;
    int64_t i, j, nk, trained = 0;
    int e;
    for (i = 0; i < dim; i++)
        vec[i] = ((float)(w2v_next(&rng) >> 40) / 16777216.0f - 0.5f) / (float)dim;
    for (e = 0; e < epochs; e++) {
        const uint64_t skey = w2v_sample_key(key, (uint64_t)e);
        const float alpha = epochs > 1 ? alpha0 - (alpha0 - alpha1) * (float)e /
                                                      (float)(epochs - 1)
                                       : alpha0;
        rng = w2v_chunk_state(key, (uint64_t)e);
        for (i = 0, nk = 0; i < n; i++) {
            uint32_t thr = p->keep_thr[ids[i]];
            if (thr >= (UINT32_C(1) << 24) || w2v_sample_u24(skey, (uint64_t)i) < thr)
                kept[nk++] = ids[i];
        }
        for (j = 0; j < nk; j++) {
            memset(neu1e, 0, sizeof(float) * (size_t)dim);
            if (p->doc_mode == W2V_DOC_DM) {
                int64_t reduced = p->window - (int64_t)w2v_bounded(w2v_next(&rng),
                                                                   (uint32_t)p->window);
                int64_t lo = j - reduced < 0 ? 0 : j - reduced;
                int64_t hi = j + reduced > nk - 1 ? nk - 1 : j + reduced, q, cw = 1;
                memcpy(h, vec, sizeof(float) * (size_t)dim);
                for (q = lo; q <= hi; q++)
                    if (q != j) {
                        w2v_axpy(1.0f, p->w_in + (int64_t)kept[q] * dim, h, dim);
                        cw++;
                    }
                if (p->cbow_mean)
                    w2v_scale(1.0f / (float)cw, h, dim);
                outputs(p, &rng, kept[j], h, alpha, neu1e);
            } else {
                outputs(p, &rng, kept[j], vec, alpha, neu1e);
            }
            w2v_axpy(1.0f, neu1e, vec, dim);
            trained++;
        }
    }
    return trained;
}
