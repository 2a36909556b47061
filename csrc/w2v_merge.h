/*
 * w2v_merge.h -- the cluster trainer's merge of one block of rows over the workers'
 * copies (word2vec_fast/distributed/merge.py, merge_packets).
 *
 * Pure C, no Python.h, no allocation, no globals: the caller (word2vec_fast/_kernels.pyx)
 * checks the shapes and owns every buffer.
 *
 * Contract.  Each of the p workers gives, for the same n rows of dim floats:
 *   values[k]   its rows' deltas since their last merge, float32, row-major (n x dim);
 *   masks[k]    which rows it touched: n bits packed most significant bit first, as
 *               numpy.packbits packs them (row i is bit 7 - i % 8 of byte i / 8), so
 *               at least (n + 7) / 8 bytes.
 * Row i of out (float32, n x dim) is the sum, in worker order, in double from 0.0, of
 * the values of the workers that touched it; with `average` a row touched by more
 * than one worker is divided (in double) by their number; the result is rounded to
 * float32 once.  A row nobody touched is 0; values of untouched rows are never read
 * for the sum (they may hold anything, NaN included).  The numbers are exactly those
 * of the same NumPy steps (tests/test_distributed.py keeps a reference), whatever
 * the compiler: no reassociation, one rounding per element.
 * Scratch: acc is double[dim] (at least one element).  The inputs may not overlap out.
 */
#ifndef W2V_MERGE_H
#define W2V_MERGE_H

#include <stdint.h>

void w2v_merge_deltas(const float *const *values, const uint8_t *const *masks, int64_t p,
                      int64_t n, int64_t dim, int average, double *acc, float *out);

#endif
