/* w2v_sentences.c -- see w2v_sentences.h. */
#include "w2v_sentences.h"

#include <string.h>

#include "w2v_portable.h"

/* v -= lambda_i * (v . u_i) u_i for each component in turn. */
W2V_ALWAYS_INLINE void remove_components(float *restrict v, int64_t dim,
                                         const float *restrict comps,
                                         const float *restrict lambdas, int64_t n_comp)
{
    for (int64_t i = 0; i < n_comp; i++) {
        const float *restrict u = comps + i * dim;
        double dot = 0.0;
        for (int64_t d = 0; d < dim; d++)
            dot += (double)v[d] * (double)u[d];
        float g = (float)((lambdas ? (double)lambdas[i] : 1.0) * dot);
        for (int64_t d = 0; d < dim; d++)
            v[d] -= g * u[d];
    }
}

void w2v_sent_embed(const float *rows, int64_t dim, const float *coef, const int32_t *ids,
                    const int64_t *offsets, int64_t lo, int64_t hi, const float *comps,
                    const float *lambdas, int64_t n_comp, float *out)
{
    for (int64_t s = lo; s < hi; s++) {
        float *restrict v = out + (s - lo) * dim;
        int64_t a = offsets[s], b = offsets[s + 1];
        memset(v, 0, (size_t)dim * sizeof(float));
        if (b <= a)
            continue;
        for (int64_t t = a; t < b; t++) {
            int64_t id = ids[t];
            const float *restrict r = rows + id * dim;
            if (t + 2 < b)
                W2V_PREFETCH_READ(rows + (int64_t)ids[t + 2] * dim);
            if (coef) {
                float c = coef[id];
                for (int64_t d = 0; d < dim; d++)
                    v[d] += c * r[d];
            } else {
                for (int64_t d = 0; d < dim; d++)
                    v[d] += r[d];
            }
        }
        float n = (float)(b - a);
        for (int64_t d = 0; d < dim; d++)
            v[d] /= n;
        remove_components(v, dim, comps, lambdas, n_comp);
    }
}

void w2v_sent_remove(float *out, int64_t n, int64_t dim, const float *comps,
                     const float *lambdas, int64_t n_comp)
{
    for (int64_t s = 0; s < n; s++)
        remove_components(out + s * dim, dim, comps, lambdas, n_comp);
}
