/*
 * w2v_block.h -- the batched ("HogBatch") update: k input rows against m
 * output rows as small dense matrix products.
 *
 *   S = In * Out^T            (k x m scores)
 *   G = alpha * (label - sigmoid(S)), with word2vec.c's clamping rules
 *   dIn = G * Out,  dOut = G^T * In
 *
 * Both updates come from one snapshot of the rows: dIn goes to a buffer the
 * caller adds back (w2v_rows_add), dOut straight into the output rows.
 * Compared with the per-pair updates, each row is read once per window
 * instead of once per pair, and the arithmetic runs in registers over
 * L1-resident rows; the sigmoid, and the loss, are computed 16 lanes at a
 * time from one polynomial exp.
 *
 * Rows are given as pointers (no copies, any alignment); buffers are owned
 * by the caller's thread.  The functions are compiled for several
 * instruction sets (AVX-512, AVX2+FMA, baseline) and the best one for the
 * running CPU is picked once, at the first call (w2v_simd_dispatch.c).
 */
#ifndef W2V_BLOCK_H
#define W2V_BLOCK_H

#include <stdint.h>

#include "w2v_loss.h"
#include "w2v_portable.h"

/* x86-64 builds with GCC/Clang on Linux carry AVX2 and AVX-512 kernels too
   (not the portable build: plain C only, w2v_portable.h). */
#if defined(__GNUC__) && defined(__x86_64__) && defined(__linux__) && !defined(W2V_NO_DISPATCH) && \
    !W2V_PORTABLE
#define W2V_BLOCK_X86_DISPATCH 1
#else
#define W2V_BLOCK_X86_DISPATCH 0
#endif

/* Floats past the end of label, coef and g that w2v_block_step may read
   (and, for g, write back unchanged): callers allocate that much more. */
#define W2V_BLOCK_PAD 16

/*
 * One batched update of k input rows against m output rows:
 *  - label[b]: 1 (positive word, or HS node with code 0) or 0; columns
 *    b < nhs are hierarchical-softmax nodes (no update outside (-6, 6)),
 *    the others negative sampling (sigmoid clamped outside [-6, 6]);
 *  - coef: k*m multiplicities: pair (a, b)'s gradient is multiplied by
 *    coef[a*m+b] (0 = the pair is not trained);
 *  - g: k*m scratch (the gradients on return); work: scratch of
 *    2 * (m + W2V_BLOCK_PAD) floats;
 *  - din: k*dim, filled with dIn = G * Out (the caller adds it to the input
 *    rows, or spreads it over CBOW contexts);
 *  - the output rows get Out += G^T * In in place (rows may repeat: a row
 *    twice gets both updates, one after the other).
 * dIn and dOut both come from the rows as they were before the call.
 * If loss is not NULL, loss->sum += sum over pairs of coef * (the pair's
 * negative log-likelihood, w2v_loss.h), from the exact scores (HS pairs
 * outside (-6, 6), which get no update, included).
 * label, coef and g are read up to W2V_BLOCK_PAD floats past their ends.
 */
void w2v_block_step(int64_t dim, int k, const float *const *in, int m, float *const *out,
                    const float *label, int nhs, const float *coef, float alpha, float *g,
                    float *din, float *work, w2v_loss_buf *loss);

/* w2v_block_step without the output update: g and din as it computes them, the
   output rows only read (inference against a frozen model). */
void w2v_block_grad(int64_t dim, int k, const float *const *in, int m, const float *const *out,
                    const float *label, int nhs, const float *coef, float alpha, float *g,
                    float *din, float *work, w2v_loss_buf *loss);

/* rows[i] += delta[i * dim ...] for i < n (rows may repeat: adds are sequential). */
void w2v_rows_add(int64_t dim, int n, float *const *rows, const float *delta);

/* out = rows[0] + rows[1] + ... + rows[n-1] (dim floats; added in that order,
   element by element; n = 0 gives zeros). */
void w2v_rows_sum(int64_t dim, int n, const float *const *rows, float *out);

/* rows[i] += delta for i < n: one delta for every row (rows may repeat). */
void w2v_rows_add_same(int64_t dim, int n, float *const *rows, const float *delta);

/* The instruction set the dispatcher picked (for logs and benchmarks). */
const char *w2v_block_isa(void);

/*
 * Use the build `which` ("baseline", "x86-64-v3" or "x86-64-v4") from now
 * on, if this CPU runs it: 0, else -1 and nothing changes.  For tests and
 * benchmarks of each build; never while kernels run.
 */
int w2v_block_select(const char *which);

#endif
