/*
 * w2v_tables.h -- the tables built once per vocabulary, before training:
 * the Huffman tree of hierarchical softmax and the alias table of negative
 * sampling.  Pure C, no allocation of its own: the caller (Python) owns every
 * buffer and sizes it from the documented bounds.
 */
#ifndef W2V_TABLES_H
#define W2V_TABLES_H

#include <stdint.h>

/*
 * Huffman tree over `counts` (length v, sorted by decreasing count, as the
 * vocabulary is), built exactly as word2vec.c's CreateBinaryTree does.
 *
 * Outputs, all owned by the caller:
 *   code_offsets[v + 1]   word w's path is entries code_offsets[w] ..
 *                         code_offsets[w + 1] - 1 of codes/points
 *   codes[total], points[total]   total <= v * (v - 1) / 2 in theory; call
 *                         w2v_huffman_lengths first to get the exact total.
 *   points are internal-node indices in [0, v - 2]; the root (v - 2) comes first.
 * Scratch: work is int64[3 * (2 * v)].
 * Returns 0, or -1 if v < 1.
 */
int w2v_huffman_lengths(const int64_t *counts, int64_t v, int64_t *work,
                        int64_t *code_offsets);
int w2v_huffman_paths(int64_t v, const int64_t *work, const int64_t *code_offsets,
                      uint8_t *codes, int32_t *points);

/*
 * Alias table (Walker/Vose) for drawing word w with probability proportional
 * to weights[w].  A draw takes one 64-bit random r: i = bounded(r, v); keep i
 * if (r & 0xffffffff) < prob[i] (prob in [0, 2^32]) else take alias[i].
 * Scratch: work is int64[v].  Returns 0, or -1 if the weights sum to zero.
 */
int w2v_alias_build(const double *weights, int64_t v, uint64_t *prob, int32_t *alias,
                    double *scaled, int64_t *work);

#endif
