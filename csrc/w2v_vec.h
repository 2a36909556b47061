/*
 * w2v_vec.h -- the dense vector operations of the per-pair kernels.
 *
 * Written so that GCC/Clang vectorise them at -O3 without -ffast-math: the
 * dot product keeps 8 independent partial sums (a fixed order, so results are
 * repeatable), axpy and scale are plain element-wise loops.
 */
#ifndef W2V_VEC_H
#define W2V_VEC_H

#include <stdint.h>

#include "w2v_portable.h" /* restrict with MSVC */

static inline float w2v_dot(const float *restrict a, const float *restrict b, int64_t n)
{
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0, k;
    for (; i + 8 <= n; i += 8)
        for (k = 0; k < 8; k++)
            acc[k] += a[i + k] * b[i + k];
    for (k = 0; i < n; i++, k++)
        acc[k] += a[i] * b[i];
    return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

static inline void w2v_axpy(float alpha, const float *restrict x, float *restrict y, int64_t n)
{
    int64_t i;
    for (i = 0; i < n; i++)
        y[i] += alpha * x[i];
}

static inline void w2v_scale(float alpha, float *x, int64_t n)
{
    int64_t i;
    for (i = 0; i < n; i++)
        x[i] *= alpha;
}

#endif
