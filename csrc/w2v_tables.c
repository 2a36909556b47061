/* w2v_tables.c -- Huffman tree and alias table; see w2v_tables.h. */
#include "w2v_tables.h"

/*
 * work layout: count[2v], parent[2v], binary[2v].  The two-queue merge works
 * because counts are sorted: leaves are consumed from the right end of the
 * leaf queue and new internal nodes are created in increasing order.
 */
int w2v_huffman_lengths(const int64_t *counts, int64_t v, int64_t *work,
                        int64_t *code_offsets)
{
    int64_t *count = work, *parent = work + 2 * v, *binary = work + 4 * v;
    int64_t a, pos1, pos2, min1, min2;
    if (v < 1)
        return -1;
    for (a = 0; a < v; a++) {
        count[a] = counts[a];
        count[v + a] = INT64_MAX / 4;
    }
    for (a = 0; a < 2 * v; a++) {
        parent[a] = -1;
        binary[a] = 0;
    }
    pos1 = v - 1;
    pos2 = v;
    for (a = 0; a < v - 1; a++) {
        if (pos1 >= 0 && count[pos1] < count[pos2])
            min1 = pos1--;
        else
            min1 = pos2++;
        if (pos1 >= 0 && count[pos1] < count[pos2])
            min2 = pos1--;
        else
            min2 = pos2++;
        count[v + a] = count[min1] + count[min2];
        parent[min1] = v + a;
        parent[min2] = v + a;
        binary[min2] = 1;
    }
    code_offsets[0] = 0;
    for (a = 0; a < v; a++) {
        int64_t len = 0, b = a;
        if (v > 1) {
            while (b != 2 * v - 2) {
                len++;
                b = parent[b];
            }
        }
        code_offsets[a + 1] = code_offsets[a] + len;
    }
    return 0;
}

int w2v_huffman_paths(int64_t v, const int64_t *work, const int64_t *code_offsets,
                      uint8_t *codes, int32_t *points)
{
    const int64_t *parent = work + 2 * v, *binary = work + 4 * v;
    int64_t a;
    if (v < 1)
        return -1;
    for (a = 0; a < v; a++) {
        int64_t start = code_offsets[a], len = code_offsets[a + 1] - start;
        int64_t b = a, i = len - 1;
        /* Walk leaf -> root and fill the path from its end, so it reads root first. */
        while (i >= 0) {
            int64_t up = parent[b];
            codes[start + i] = (uint8_t)binary[b];
            points[start + i] = (int32_t)(up - v);
            b = up;
            i--;
        }
    }
    return 0;
}

int w2v_alias_build(const double *weights, int64_t v, uint64_t *prob, int32_t *alias,
                    double *scaled, int64_t *work)
{
    double total = 0.0;
    int64_t a, n_small = 0, n_large = 0;
    int64_t *small, *large;
    for (a = 0; a < v; a++)
        total += weights[a];
    if (!(total > 0.0))
        return -1;
    /* small grows from the front of work, large from the back. */
    small = work;
    large = work + v;
    for (a = 0; a < v; a++) {
        scaled[a] = weights[a] * (double)v / total;
        if (scaled[a] < 1.0)
            small[n_small++] = a;
        else
            *(large - 1 - n_large++) = a;
    }
    while (n_small > 0 && n_large > 0) {
        int64_t s = small[--n_small];
        int64_t l = *(large - n_large); /* last pushed large */
        prob[s] = (uint64_t)(scaled[s] * 4294967296.0);
        alias[s] = (int32_t)l;
        scaled[l] = (scaled[l] + scaled[s]) - 1.0;
        if (scaled[l] < 1.0) {
            n_large--;
            small[n_small++] = l;
        }
    }
    /* Leftovers are 1 up to rounding. */
    while (n_large > 0) {
        int64_t l = *(large - n_large--);
        prob[l] = UINT64_C(4294967296);
        alias[l] = (int32_t)l;
    }
    while (n_small > 0) {
        int64_t s = small[--n_small];
        prob[s] = UINT64_C(4294967296);
        alias[s] = (int32_t)s;
    }
    return 0;
}
