/*
 * w2v_block_build.h -- the batched updates (params.batch >= 1): gather the
 * windows of several consecutive centre words into one block of input rows,
 * output rows, labels and pair multiplicities, run the matrix-product update
 * on it (w2v_block_step, w2v_block.h) and add the input gradients back.
 *
 * Like the classic kernels (w2v_pair.h) it reads and writes rows of w_in,
 * w_out_ns and w_out_hs without locks while other threads do the same
 * ("Hogwild"): those races are deliberate.  Its scratch is the calling
 * thread's own (w2v_thread_state.h), sized by the bounds below.
 */
#ifndef W2V_BLOCK_BUILD_H
#define W2V_BLOCK_BUILD_H

#include <stdint.h>

#include "w2v_params.h"
#include "w2v_thread_state.h"

/* Centre words per batched block: 0 = classic kernel; hs paths differ per
   word, so hs blocks hold one window. */
static inline int w2v_batch_width(const w2v_params *p)
{
    return p->batch <= 0 ? 0 : (p->hs ? 1 : p->batch);
}

/* Most centre words of one block, at least 1 (the scratch is allocated, if
   small, for the classic kernel too). */
static inline int64_t w2v_block_max_centres(const w2v_params *p)
{
    return w2v_batch_width(p) > 0 ? w2v_batch_width(p) : 1;
}

/* Most input rows of one block (skip-gram: the positions its windows cover;
   CBOW: one context mean per centre word), for sizing the scratch. */
static inline int64_t w2v_block_max_inputs(const w2v_params *p)
{
    return 2 * (int64_t)p->window + w2v_block_max_centres(p);
}

/* Most output rows of one block: a Huffman path, the centre words, the
   shared negatives.  Nothing else bounds the negatives: every buffer that
   holds them is sized from params.negative. */
static inline int64_t w2v_block_max_outputs(const w2v_params *p)
{
    if (p->doc_mode == W2V_DOC_DBOW && p->dbow_group > 0) /* a draw per group of centres */
        return (int64_t)p->max_code_len * (p->hs ? 1 : 0) +
               (int64_t)(p->negative + 1) * w2v_block_max_centres(p);
    if (p->sub_offsets && p->sg) /* every context's path; the positions, the negatives */
        return 2 * (int64_t)p->window * (int64_t)p->max_code_len * (p->hs ? 1 : 0) +
               (p->negative > 0 ? w2v_block_max_centres(p) + 2 * (int64_t)p->window *
                                                                 (1 + p->negative)
                                : 0);
    if (p->sub_offsets) /* CBOW: negative per centre, shared by the block */
        return (int64_t)p->max_code_len * (p->hs ? 1 : 0) +
               (int64_t)(p->negative + 1) * w2v_block_max_centres(p);
    return (int64_t)p->max_code_len * (p->hs ? 1 : 0) + p->negative + w2v_block_max_centres(p);
}

/*
 * Train the centre words buf[J[0..nb)] (consecutive kept positions of one
 * segment, 1 <= nb <= w2v_batch_width(p)) with their reduced windows over
 * buf[0..n) as one block.  Uses st->alpha and the block scratch of st; adds
 * the loss terms to st->loss and the training examples to st->pairs.
 * Random draws come from st->rng (see w2v_block_build.c for their order); a
 * block draws the next block's negatives ahead (st->have_next), which the
 * caller clears at the start of each task.
 */
/*
 * The random draws and output columns of a block of centre words buf[J[0..nb)]:
 * its nneg negatives (shared by the nb windows, or those drawn ahead by the
 * previous block; nneg is 0 without negative sampling), then the nb reduced
 * windows [lo[b], hi[b]] (their union within [*qlo, *qhi]); st->out_rows and
 * st->label get the centre's Huffman path (hs; nb == 1), the nb centre words
 * (with negative sampling) and the negatives (st->negs).  Returns the number
 * of columns m; *npos is that of Huffman-path columns.  With lo == NULL no
 * windows are drawn (PV-DBOW's blocks, w2v_doc.h; lo, hi, qlo, qhi unused).
 */
int w2v_block_columns(const w2v_params *p, w2v_thread_state *st, const int32_t *buf, int64_t n,
                      const int64_t *J, int nb, int nneg, int64_t *lo, int64_t *hi,
                      int64_t *qlo, int64_t *qhi, int *npos);

/*
 * Row b of a CBOW block's pair multiplicities (m columns laid out by
 * w2v_block_columns with D negatives): all 0 if the window has no context
 * (!live); else 1 for the centre's Huffman path (npos columns) and its own
 * word (column npos + b), `scale` for each negative other than the centre.
 */
static inline void w2v_cbow_coef_row(float *co, int m, int npos, int nb, int b, int live,
                                     const int32_t *negs, int D, int32_t centre, float scale)
{
    int a, d;
    for (a = 0; a < m; a++)
        co[a] = 0.0f;
    if (!live)
        return;
    for (a = 0; a < npos; a++)
        co[a] = 1.0f;
    if (m == npos) /* no negative sampling */
        return;
    co[npos + b] = 1.0f;
    for (d = 0; d < D; d++)
        co[npos + nb + d] = negs[d] != centre ? scale : 0.0f;
}

/* Draw the next block's `negative` negatives now (the stream's next draws) and
   fetch their rows while this block computes; w2v_block_columns takes them. */
static inline void w2v_draw_ahead(const w2v_params *p, w2v_thread_state *st)
{
    int d;
    for (d = 0; d < p->negative; d++) {
        st->next_negs[d] = w2v_draw_negative(p, st);
        w2v_prefetch_row(p->w_out_ns + (int64_t)st->next_negs[d] * p->dim, p->dim);
    }
    st->have_next = 1;
}

void w2v_train_batch(const w2v_params *p, w2v_thread_state *st, const int32_t *buf, int64_t n,
                     const int64_t *J, int nb);

#endif
