/*
 * w2v_sentences.h -- sentence embeddings from word vectors: the weighted mean of a
 * sentence's word rows, then the removal of common components (SIF, uSIF).
 *
 * Pure C, no Python.h, no allocation, no globals: the caller
 * (word2vec_fast/_sentences.pyx) checks every id, offset and shape and owns every
 * buffer; word2vec_fast/sentences.py says which weights each method uses.
 *
 * Contract.  rows is a (V x dim) float32 matrix, coef V float32 coefficients (NULL:
 * all 1); sentence s is ids[offsets[s] .. offsets[s+1]), each id in [0, V).  For s in
 * [lo, hi), row s - lo of out (float32, dim each) becomes
 *     v = (sum over the sentence's tokens t, in order, of coef[t] * rows[t]) / n_s
 * summed in float32 from 0 (n_s the sentence's length; an empty sentence gives the
 * zero vector), then for each component i = 0 .. n_comp-1 in turn
 *     v -= (float)(lambda[i] * dot(v, u_i)) * u_i,   dot summed in double,
 * u_i row i of comps (n_comp x dim; orthonormal rows, so removing them in turn is
 * removing them at once).  lambdas NULL means every lambda is 1.  The result of a
 * sentence depends on nothing else, so any split of the sentences over threads gives
 * the same bits.
 */
#ifndef W2V_SENTENCES_H
#define W2V_SENTENCES_H

#include <stdint.h>

void w2v_sent_embed(const float *rows, int64_t dim, const float *coef, const int32_t *ids,
                    const int64_t *offsets, int64_t lo, int64_t hi, const float *comps,
                    const float *lambdas, int64_t n_comp, float *out);

/* The component removal alone, in place, on n rows of out (the same steps as above). */
void w2v_sent_remove(float *out, int64_t n, int64_t dim, const float *comps,
                     const float *lambdas, int64_t n_comp);

#endif
