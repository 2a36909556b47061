/* w2v_merge.c -- the cluster trainer's merge of one block of rows; see w2v_merge.h. */
#include "w2v_merge.h"

void w2v_merge_deltas(const float *const *values, const uint8_t *const *masks, int64_t p,
                      int64_t n, int64_t dim, int average, double *acc, float *out)
{
    int64_t i, j, k, touched;
    for (i = 0; i < n; i++) {
        float *o = out + i * dim;
        touched = 0;
        for (j = 0; j < dim; j++)
            acc[j] = 0.0;
        for (k = 0; k < p; k++) {
            if ((masks[k][i >> 3] >> (7 - (i & 7))) & 1) {
                const float *v = values[k] + i * dim;
                touched++;
                for (j = 0; j < dim; j++)
                    acc[j] += (double)v[j];
            }
        }
        if (average && touched > 1) {
            for (j = 0; j < dim; j++)
                o[j] = (float)(acc[j] / (double)touched);
        } else {
            for (j = 0; j < dim; j++)
                o[j] = (float)acc[j];
        }
    }
}
