/* w2v_block.c -- batched updates; see w2v_block.h. */
#include <math.h>
#include <string.h>

#include "w2v_block.h"
#include "w2v_loss.h"
#include "w2v_train.h"

/* The 64-byte vector type only lives inside inlined helpers: no ABI crosses it. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif

/*
 * GCC/Clang vector extensions: one 16-float vector is one AVX-512 register,
 * two AVX2 registers or four SSE/NEON registers, whichever the clone targets.
 */
typedef float v16 __attribute__((vector_size(64)));
#define VL 16

/* Helpers taking or returning vectors are always inlined: a vector passed to a
   helper that is not would cross an ABI that differs between the clones (GCC
   does not inline large helpers, nor any at -O0, by itself). */
#define W2V_INLINE static inline __attribute__((always_inline))

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__)) && defined(__linux__) && \
    !defined(W2V_NO_CLONES)
#define W2V_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define W2V_CLONES
#endif

W2V_INLINE v16 vload(const float *p)
{
    v16 x;
    memcpy(&x, p, sizeof(x));
    return x;
}

W2V_INLINE void vstore(float *p, v16 x) { memcpy(p, &x, sizeof(x)); }

typedef float v8 __attribute__((vector_size(32)));
typedef float v4 __attribute__((vector_size(16)));

W2V_INLINE v4 vload4(const float *p)
{
    v4 x;
    memcpy(&x, p, sizeof(x));
    return x;
}

W2V_INLINE void vstore4(float *p, v4 x) { memcpy(p, &x, sizeof(x)); }

/* Horizontal sum of a 16-lane and a 4-lane accumulator, as a tree of
   half-width adds (a fixed order: repeatable). */
W2V_INLINE float hsum(v16 x, v4 t)
{
    v8 a, b;
    v4 c, d;
    memcpy(&a, &x, sizeof(a));
    memcpy(&b, (const char *)&x + sizeof(a), sizeof(b));
    a += b;
    memcpy(&c, &a, sizeof(c));
    memcpy(&d, (const char *)&a + sizeof(c), sizeof(d));
    c += d;
    c += t;
    return (c[0] + c[2]) + (c[1] + c[3]);
}

/*
 * res[j] = a . o[j] for j < NO (NO a constant 1..4 once inlined): NO
 * independent accumulators per 16 lanes share each load of a.  Sums run in
 * a fixed order (16-lane partial sums, then 4-lane, then scalar tails).
 */
W2V_INLINE void dot_tile(int64_t dim, const float *a, const float *const *o, const int NO,
                         float *res)
{
    v16 s[4] = {{0}, {0}, {0}, {0}};
    v4 u[4] = {{0}, {0}, {0}, {0}};
    float t[4] = {0, 0, 0, 0};
    int64_t i = 0;
    int j;
    for (; i + VL <= dim; i += VL) {
        v16 x = vload(a + i);
        for (j = 0; j < NO; j++)
            s[j] += x * vload(o[j] + i);
    }
    for (; i + 4 <= dim; i += 4) {
        v4 x = vload4(a + i);
        for (j = 0; j < NO; j++)
            u[j] += x * vload4(o[j] + i);
    }
    for (; i < dim; i++)
        for (j = 0; j < NO; j++)
            t[j] += a[i] * o[j][i];
    for (j = 0; j < NO; j++)
        res[j] = hsum(s[j], u[j]) + t[j];
}

/* S = In * Out^T into s (k rows of m). */
W2V_INLINE void scores(int64_t dim, int k, const float *const *in, int m,
                       const float *const *out, float *s)
{
    int a, b;
    for (a = 0; a < k; a++) {
        float *sa = s + (int64_t)a * m;
        for (b = 0; b + 4 <= m; b += 4)
            dot_tile(dim, in[a], out + b, 4, sa + b);
        switch (m - b) {
        case 3:
            dot_tile(dim, in[a], out + b, 3, sa + b);
            break;
        case 2:
            dot_tile(dim, in[a], out + b, 2, sa + b);
            break;
        case 1:
            dot_tile(dim, in[a], out + b, 1, sa + b);
            break;
        default:
            break;
        }
    }
}

/*
 * dst_d (+)= sum_j c[d][j * stride] * rows[j] for the ND (1 or 2, a constant
 * once inlined) destinations dst_d, each dim floats; acc: add to what dst
 * holds (else overwrite).  Every destination element is one chain of fused
 * multiply-adds over j in order; a panel of 2 x 16 lanes per destination
 * keeps 2 * ND chains in flight (one alone would wait on the FMA latency).
 */
W2V_INLINE void combine_tile(int64_t dim, int n, const float *const *c, int stride,
                             const float *const *rows, float *const *dst, const int ND,
                             const int acc)
{
    int64_t i = 0;
    int j, d;
    for (; i + 2 * VL <= dim; i += 2 * VL) {
        v16 x[2][2] = {{{0}, {0}}, {{0}, {0}}};
        if (acc)
            for (d = 0; d < ND; d++) {
                x[d][0] = vload(dst[d] + i);
                x[d][1] = vload(dst[d] + i + VL);
            }
        for (j = 0; j < n; j++) {
            v16 r0 = vload(rows[j] + i), r1 = vload(rows[j] + i + VL);
            for (d = 0; d < ND; d++) {
                float cd = c[d][(int64_t)j * stride];
                x[d][0] += cd * r0;
                x[d][1] += cd * r1;
            }
        }
        for (d = 0; d < ND; d++) {
            vstore(dst[d] + i, x[d][0]);
            vstore(dst[d] + i + VL, x[d][1]);
        }
    }
    for (; i + VL <= dim; i += VL) {
        v16 x[2] = {{0}, {0}};
        if (acc)
            for (d = 0; d < ND; d++)
                x[d] = vload(dst[d] + i);
        for (j = 0; j < n; j++) {
            v16 r = vload(rows[j] + i);
            for (d = 0; d < ND; d++)
                x[d] += c[d][(int64_t)j * stride] * r;
        }
        for (d = 0; d < ND; d++)
            vstore(dst[d] + i, x[d]);
    }
    for (; i + 4 <= dim; i += 4) {
        v4 x[2] = {{0}, {0}};
        if (acc)
            for (d = 0; d < ND; d++)
                x[d] = vload4(dst[d] + i);
        for (j = 0; j < n; j++) {
            v4 r = vload4(rows[j] + i);
            for (d = 0; d < ND; d++)
                x[d] += c[d][(int64_t)j * stride] * r;
        }
        for (d = 0; d < ND; d++)
            vstore4(dst[d] + i, x[d]);
    }
    for (; i < dim; i++) {
        float x[2] = {0, 0};
        if (acc)
            for (d = 0; d < ND; d++)
                x[d] = dst[d][i];
        for (j = 0; j < n; j++)
            for (d = 0; d < ND; d++)
                x[d] += c[d][(int64_t)j * stride] * rows[j][i];
        for (d = 0; d < ND; d++)
            dst[d][i] = x[d];
    }
}

typedef int32_t vi16 __attribute__((vector_size(64)));
typedef double v8d __attribute__((vector_size(64)));

W2V_INLINE v16 vsel(vi16 mask, v16 a, v16 b)
{
    vi16 ai, bi;
    v16 r;
    memcpy(&ai, &a, sizeof(ai));
    memcpy(&bi, &b, sizeof(bi));
    ai = (ai & mask) | (bi & ~mask);
    memcpy(&r, &ai, sizeof(r));
    return r;
}

/*
 * exp(-|f|) lane by lane, in [0, 1]:
 *  x = -|f| = n ln2 + r with |r| <= ln2/2 (ln2 split in a part exact in 9
 *  bits and the rest), exp(r) by its Taylor series to r^7 (truncation < 6e-9
 *  relative), times 2^n built in the exponent bits; x < -87 gives 0 (below
 *  float's normal range).  NaN stays NaN.
 */
W2V_INLINE v16 exp_neg_abs16(v16 f)
{
    const float magic = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer */
    const v16 zero = {0};
    vi16 zi, ki, tiny;
    v16 a, x, k, nf, r, e, scale;
    memcpy(&zi, &f, sizeof(zi));
    zi &= 0x7fffffff;
    memcpy(&a, &zi, sizeof(a));
    x = -a;
    tiny = x < -87.0f;
    x = vsel(tiny, zero - 87.0f, x);
    k = x * 1.44269504088896341f + magic;
    nf = k - magic;
    r = (x - nf * 0.693359375f) - nf * -2.12194440054690583e-4f;
    e = r * (1.0f / 5040) + (1.0f / 720);
    e = e * r + (1.0f / 120);
    e = e * r + (1.0f / 24);
    e = e * r + (1.0f / 6);
    e = e * r + 0.5f;
    e = e * r + 1.0f;
    e = e * r + 1.0f;
    memcpy(&ki, &k, sizeof(ki));
    ki = ((ki - 0x4B400000) + 127) << 23; /* 2^n, n = round(x / ln2) in [-126, 0] */
    memcpy(&scale, &ki, sizeof(scale));
    return vsel(tiny, zero, e * scale);
}

/*
 * log1p(e) lane by lane for e in [0, 1]: 2 artanh(s) with s = e / (2 + e)
 * <= 1/3, its odd series to s^13 (truncation < 2e-8 relative).
 */
W2V_INLINE v16 log1p01_16(v16 e)
{
    v16 s = e / (e + 2.0f), s2 = s * s, q;
    q = s2 * (1.0f / 13) + (1.0f / 11);
    q = q * s2 + (1.0f / 9);
    q = q * s2 + (1.0f / 7);
    q = q * s2 + (1.0f / 5);
    q = q * s2 + (1.0f / 3);
    q = q * s2 + 1.0f;
    return (2.0f * s) * q;
}

/* softplus(z) = log1p(exp(-|z|)) + max(z, 0); 0 * z makes a NaN or
   infinite z give NaN. */
W2V_INLINE v16 softplus16(v16 z)
{
    const v16 zero = {0};
    return log1p01_16(exp_neg_abs16(z)) + vsel(z > 0.0f, z, zero) + z * 0.0f;
}

W2V_INLINE v8d widen_sum(v16 t)
{
    v8 lo, hi;
    memcpy(&lo, &t, sizeof(lo));
    memcpy(&hi, (const char *)&t + sizeof(lo), sizeof(hi));
    return __builtin_convertvector(lo, v8d) + __builtin_convertvector(hi, v8d);
}

/*
 * Scores to gradients, in place, 16 columns of a row at a time:
 *   g = alpha * (label - sigmoid(f)) * coef
 * with word2vec.c's rules: negative sampling takes sigmoid = 1 above 6 and
 * 0 below -6; hierarchical softmax (columns < nhs) gives no update outside
 * (-6, 6); coef 0 gives exactly 0.  One exp(-|f|) serves the sigmoid and,
 * if loss, the pair's loss term coef * softplus(label ? -f : f), summed in
 * double into *loss.  Lanes past a row's end are written back unchanged
 * (they hold the next row's scores or padding).
 */
W2V_INLINE void gradients(int k, int m, float *g, const float *label, int nhs,
                          const float *coef, float alpha, double *loss)
{
    const vi16 lane = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    const v16 zero = {0}, one = zero + 1.0f;
    v8d acc = {0};
    int a, b, j;
    for (a = 0; a < k; a++) {
        float *ga = g + (int64_t)a * m;
        const float *ca = coef + (int64_t)a * m;
        for (b = 0; b < m; b += VL) {
            v16 f = vload(ga + b), lab = vload(label + b), c = vload(ca + b);
            v16 e = exp_neg_abs16(f), t = one / (one + e), sig, gr;
            vi16 hs = lane + b < nhs, live = lane + b < m;
            sig = vsel(f >= 0.0f, t, e * t);
            sig = vsel(f > W2V_MAX_EXP, one, sig);
            sig = vsel(f < -W2V_MAX_EXP, zero, sig);
            gr = ((lab - sig) * alpha) * c;
            gr = vsel(hs & ((f <= -W2V_MAX_EXP) | (f >= W2V_MAX_EXP)), zero, gr);
            gr = vsel(c == 0.0f, zero, gr);
            vstore(ga + b, vsel(live, gr, f));
            if (loss) {
                v16 z = vsel(lab != 0.0f, -f, f);
                v16 sp = log1p01_16(e) + vsel(z > 0.0f, z, zero) + z * 0.0f;
                acc += widen_sum(vsel(live, c * sp, zero));
            }
        }
    }
    if (loss) {
        double total = 0.0;
        for (j = 0; j < 8; j++)
            total += acc[j];
        *loss += total;
    }
}

W2V_CLONES
void w2v_block_step(int64_t dim, int k, const float *const *in, int m, float *const *out,
                    const float *label, int nhs, const float *coef, float alpha, float *g,
                    float *din, w2v_loss_buf *loss)
{
    int a, b;
    scores(dim, k, in, m, (const float *const *)out, g);
    gradients(k, m, g, label, nhs, coef, alpha, loss ? &loss->sum : NULL);
    /* dIn = G * Out, from the rows before this block's update */
    for (a = 0; a + 2 <= k; a += 2) {
        const float *c[2] = {g + (int64_t)a * m, g + (int64_t)(a + 1) * m};
        float *dst[2] = {din + (int64_t)a * dim, din + (int64_t)(a + 1) * dim};
        combine_tile(dim, m, c, 1, (const float *const *)out, dst, 2, 0);
    }
    if (a < k) {
        const float *c[1] = {g + (int64_t)a * m};
        float *dst[1] = {din + (int64_t)a * dim};
        combine_tile(dim, m, c, 1, (const float *const *)out, dst, 1, 0);
    }
    /* Out += G^T * In, in place: a pair of destinations is one row twice
       (a negative drawn twice) is done one after the other */
    for (b = 0; b < m;) {
        if (b + 1 < m && out[b] != out[b + 1]) {
            const float *c[2] = {g + b, g + b + 1};
            combine_tile(dim, k, c, m, in, out + b, 2, 1);
            b += 2;
        } else {
            const float *c[1] = {g + b};
            combine_tile(dim, k, c, m, in, out + b, 1, 1);
            b += 1;
        }
    }
}

W2V_CLONES
void w2v_rows_add(int64_t dim, int n, float *const *rows, const float *delta)
{
    int j;
    for (j = 0; j < n; j++) {
        float *r = rows[j];
        const float *d = delta + (int64_t)j * dim;
        int64_t i = 0;
        for (; i + VL <= dim; i += VL)
            vstore(r + i, vload(r + i) + vload(d + i));
        for (; i + 4 <= dim; i += 4)
            vstore4(r + i, vload4(r + i) + vload4(d + i));
        for (; i < dim; i++)
            r[i] += d[i];
    }
}

W2V_CLONES
double w2v_softplus_sum(const float *z, const float *w, int64_t n)
{
    const vi16 lane = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    const v16 zero = {0};
    v8d acc = {0};
    double total = 0.0;
    int64_t i = 0, j;
    for (; i < n; i += VL) {
        v16 t = softplus16(vload(z + i));
        if (w)
            t *= vload(w + i);
        if (i + VL > n) /* lanes past the end (padding) count 0, whatever they hold */
            t = vsel(lane < (int32_t)(n - i), t, zero);
        /* (a weight 0 times a NaN/inf softplus is NaN: so be it, the scores
           come from the same rows as the trained ones) */
        acc += widen_sum(t);
    }
    for (j = 0; j < 8; j++)
        total += acc[j];
    return total;
}

const char *w2v_block_isa(void)
{
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__)) && defined(__linux__) && \
    !defined(W2V_NO_CLONES)
    /* Mirrors the target_clones resolver's choice. */
    __builtin_cpu_init();
    if (__builtin_cpu_supports("x86-64-v4"))
        return "x86-64-v4 (avx512)";
    if (__builtin_cpu_supports("x86-64-v3"))
        return "x86-64-v3 (avx2+fma)";
    return "x86-64 (sse2)";
#elif defined(__ARM_NEON) || defined(__aarch64__)
    return "neon";
#else
    return "generic";
#endif
}
