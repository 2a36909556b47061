/*
 * w2v_loss.h -- the training loss of one (input, output row) score.
 *
 * Both objectives are sums of binary logistic terms: negative sampling asks
 * the positive word's score to be high (label 1) and each negative's to be
 * low (label 0); hierarchical softmax asks each node of the Huffman path for
 * the side of its code bit (label 1 - code).  The negative log-likelihood of
 * one term is -log sigmoid(f) for label 1 and -log sigmoid(-f) for label 0,
 * i.e. softplus(z) with the signed score z = -f or f (w2v_loss_z).  It is
 * computed from the exact score, never from the clamped sigmoid the updates
 * use, and counts HS terms with |f| >= 6 that word2vec.c does not update.
 *
 * Cost: the classic kernels only store z per term; w2v_softplus_sum
 * (w2v_block_kernel.h) turns a buffer of them into the loss with SIMD, and the
 * batched kernel computes its terms the same way from the exp it already
 * takes for the sigmoid; both use the stable form
 * log1p(exp(-|z|)) + max(z, 0) (no overflow for any finite z), summed in
 * double.  A non-finite z (a NaN/inf score: the run diverged) always gives a
 * NaN loss.
 */
#ifndef W2V_LOSS_H
#define W2V_LOSS_H

#include <stdint.h>

/* Readable floats that callers keep after the n used ones (see below). */
#define W2V_LOSS_PAD 16

/*
 * sum_i w[i] * softplus(z[i]) in double (w NULL: all 1): the loss of n
 * signed scores with multiplicities.  softplus is evaluated 16 lanes at a
 * time with a polynomial exp and log1p accurate to a few float ulps
 * (w2v_block_kernel.h, compiled per instruction set).  Reads, and ignores, up to
 * W2V_LOSS_PAD - 1 floats past z[n - 1] and w[n - 1]: no scalar tail.
 */
double w2v_softplus_sum(const float *z, const float *w, int64_t n);

/*
 * A thread's buffer of signed scores z and their multiplicities w, summed
 * once it holds `cap` of them (one call per few hundred terms).  z and w
 * have room for cap + W2V_LOSS_PAD floats.
 */
typedef struct {
    float *z, *w;
    int64_t n, cap;
    double sum;
} w2v_loss_buf;

static inline void w2v_loss_flush(w2v_loss_buf *lb)
{
    lb->sum += w2v_softplus_sum(lb->z, lb->w, lb->n);
    lb->n = 0;
}

/* Record the term of score f with label 0 or 1 (the signed score is -f or f). */
static inline void w2v_loss_push(w2v_loss_buf *lb, float f, float label)
{
    lb->z[lb->n] = label != 0.0f ? -f : f;
    lb->w[lb->n++] = 1.0f;
    if (lb->n >= lb->cap)
        w2v_loss_flush(lb);
}

#endif
