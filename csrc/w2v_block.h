/*
 * w2v_block.h -- the batched ("HogBatch") update: k input rows against m
 * output rows as small dense matrix products.
 *
 *   S = In * Out^T            (k x m scores)
 *   G = alpha * (label - sigmoid(S)), with word2vec.c's clamping rules
 *   dIn = G * Out,  dOut = G^T * In
 *
 * All three products read one snapshot of the rows; the caller adds dIn and
 * dOut back afterwards (w2v_rows_add).  Compared with the per-pair updates,
 * each row is read once per window instead of once per pair, and the
 * arithmetic runs in registers over L1-resident rows.
 *
 * Rows are given as pointers (no copies, any alignment).  Buffers: g is k*m
 * floats, din k*dim, dout m*dim, all owned by the caller's thread.  The
 * functions are compiled for several instruction sets (AVX-512, AVX2+FMA,
 * baseline) and the best one for the running CPU is picked at load time.
 */
#ifndef W2V_BLOCK_H
#define W2V_BLOCK_H

#include <stdint.h>

#include "w2v_loss.h"

/* Column rules. */
enum {
    W2V_RULE_NS = 0, /* negative sampling: clamp the sigmoid outside [-6, 6] */
    W2V_RULE_HS = 1, /* hierarchical softmax: no update outside (-6, 6) */
    W2V_RULE_OFF = 2 /* column ignored (e.g. a negative equal to the positive word) */
};

/*
 * coef: NULL (every pair once) or k*m multiplicities: pair (a, b)'s gradient
 * is multiplied by coef[a*m+b] (0 = the pair is not trained).
 * Fills din and dout (zero rows for inputs/outputs without an active pair).
 * If loss is not NULL, records in it (w2v_loss.h) every pair's term with its
 * multiplicity (0 for pairs not trained), from the exact scores (HS pairs
 * outside (-6, 6), which get no update, included); it must have room for
 * k*m more terms.
 */
void w2v_block_grad(int64_t dim, int k, const float *const *in, int m, const float *const *out,
                    const float *label, const uint8_t *rule, const float *coef, float alpha,
                    float *g, float *din, float *dout, w2v_loss_buf *loss);

/* rows[i] += delta[i * dim ...] for i < n (rows may repeat: adds are sequential). */
void w2v_rows_add(int64_t dim, int n, float *const *rows, const float *delta);

/* The instruction set the dispatcher picked (for logs and benchmarks). */
const char *w2v_block_isa(void);

#endif
