/*
 * w2v_block_kernel_portable.h -- the batched kernels (w2v_block.h) in plain
 * ISO C, for compilers without GCC's vector extensions (MSVC) and for the
 * portable build (w2v_portable.h).  w2v_block_kernel_base.c includes it in
 * place of w2v_block_kernel.h; W2V_SFX names the exported functions.
 *
 * Every sum runs in the order the 16-byte vector build (W2V_VBYTES 16,
 * 4 float lanes) uses: dot products in 4 lanes over pairs of 4-float groups,
 * then single groups, then the scalar tail, and the same fixed reduction;
 * each output element as one chain of multiply-adds over the rows in order;
 * the exp/log1p polynomials term by term; the loss in two double lanes.  A
 * compiler that neither contracts a * b + c into a fused multiply-add nor
 * reorders float sums (GCC and Clang without -ffast-math on x86-64, where
 * SSE2 has no FMA; MSVC's default /fp:precise) therefore gives bit for bit
 * the results of the SSE2 build.  The loops over lanes and over a row's
 * elements are the ones compilers vectorise.
 */
#include <stdint.h>
#include <string.h>

#include "w2v_approx.h"
#include "w2v_block.h"
#include "w2v_loss.h"
#include "w2v_params.h"

#if !defined(W2V_SFX)
#error "define W2V_SFX before including w2v_block_kernel_portable.h"
#endif

#define W2V_CAT2(a, b) a##b
#define W2V_CAT(a, b) W2V_CAT2(a, b)
#define W2V_FN(name) W2V_CAT(name, W2V_SFX)

#define LANES 4 /* the lanes of the vector build these sums follow */

static float pdot(int64_t dim, const float *a, const float *o)
{
    float s[LANES] = {0}, t[LANES] = {0}, c[LANES], f = 0.0f;
    int64_t i = 0;
    int l;
    for (; i + 2 * LANES <= dim; i += 2 * LANES)
        for (l = 0; l < LANES; l++) {
            s[l] += a[i + l] * o[i + l];
            t[l] += a[i + LANES + l] * o[i + LANES + l];
        }
    for (; i + LANES <= dim; i += LANES)
        for (l = 0; l < LANES; l++)
            s[l] += a[i + l] * o[i + l];
    for (; i < dim; i++)
        f += a[i] * o[i];
    /* + 0.0f: the vector build adds its (empty) 4-lane accumulator here */
    for (l = 0; l < LANES; l++)
        c[l] = (s[l] + t[l]) + 0.0f;
    return ((c[0] + c[2]) + (c[1] + c[3])) + f;
}

/* dst (+)= sum_j coef[j * stride] * rows[j], one chain per element over j in order. */
static void pcombine(int64_t dim, int n, const float *coef, int stride, const float *const *rows,
                     float *dst, int acc)
{
    int64_t i;
    int j;
    if (!acc)
        for (i = 0; i < dim; i++)
            dst[i] = 0.0f;
    for (j = 0; j < n; j++) {
        const float c = coef[(int64_t)j * stride], *r = rows[j];
        for (i = 0; i < dim; i++)
            dst[i] += c * r[i];
    }
}

static float bits_to_float(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof(f));
    return f;
}

static uint32_t float_to_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof(u));
    return u;
}

/* exp(-|f|) in [0, 1]: the vector build's exp_neg_abs (w2v_block_kernel.h), one lane. */
static float pexp_neg_abs(float f)
{
    float x = -bits_to_float(float_to_bits(f) & 0x7fffffffu), k, nf, r, e;
    const int tiny = x < -87.0f;
    if (tiny)
        x = -87.0f;
    k = x * W2V_EXP_LOG2E + W2V_EXP_MAGIC;
    nf = k - W2V_EXP_MAGIC;
    r = W2V_EXP_REDUCE(x, nf);
    W2V_EXP_SERIES(e, r);
    /* 2^n in the exponent bits; unsigned, so that a NaN's bits wrap instead of overflowing */
    e = e * bits_to_float(((float_to_bits(k) - 0x4B400000u) + 127u) << 23);
    return tiny ? 0.0f : e;
}

/* log1p(e) for e in [0, 1]: the vector build's log1p01, one lane. */
static float plog1p01(float e)
{
    const float s = e / (e + 2.0f), s2 = s * s;
    float q;
    W2V_ARTANH_SERIES(q, s2);
    return (2.0f * s) * q;
}

/* softplus(z) given e = exp(-|z|); 0 * z makes a NaN or infinite z give NaN. */
static float psoftplus_e(float z, float e)
{
    return plog1p01(e) + (z > 0.0f ? z : 0.0f) + z * 0.0f;
}

/* The vector build's loss accumulator: 2 double lanes, each group of 4
   floats added as (t0 + t2, t1 + t3); lanes past the end hold 0. */
static void pwiden_add(double acc[2], const float t[LANES])
{
    acc[0] += (double)t[0] + (double)t[2];
    acc[1] += (double)t[1] + (double)t[3];
}

static double ptotal(const double acc[2])
{
    double t = 0.0;
    t += acc[0];
    t += acc[1];
    return t;
}

/* Scores to gradients in place with word2vec.c's rules (w2v_block_kernel.h: gradients). */
static void pgradients(int k, int m, float *g, const float *label, int nhs, const float *coef,
                       float alpha, double *loss)
{
    const int64_t n = (int64_t)k * m;
    double acc[2] = {0.0, 0.0};
    int64_t i0, i;
    for (i0 = 0; i0 < n; i0 += LANES) {
        float t[LANES] = {0.0f, 0.0f, 0.0f, 0.0f};
        for (i = i0; i < i0 + LANES && i < n; i++) {
            const int col = (int)(i % m);
            const float f = g[i], lab = label[col], c = coef[i], e = pexp_neg_abs(f);
            const float tt = 1.0f / (1.0f + e);
            float sig = f >= 0.0f ? tt : e * tt, gr;
            if (f > W2V_MAX_EXP)
                sig = 1.0f;
            if (f < -W2V_MAX_EXP)
                sig = 0.0f;
            gr = ((lab - sig) * alpha) * c;
            if (col < nhs && (f <= -W2V_MAX_EXP || f >= W2V_MAX_EXP))
                gr = 0.0f;
            if (c == 0.0f)
                gr = 0.0f;
            g[i] = gr;
            t[i - i0] = c * psoftplus_e(lab != 0.0f ? -f : f, e);
        }
        if (loss)
            pwiden_add(acc, t);
    }
    if (loss)
        *loss += ptotal(acc);
}

void W2V_FN(w2v_block_grad)(int64_t dim, int k, const float *const *in, int m,
                            const float *const *out, const float *label, int nhs,
                            const float *coef, float alpha, float *g, float *din, float *work,
                            w2v_loss_buf *loss)
{
    int a, b;
    (void)work;
    for (a = 0; a < k; a++)
        for (b = 0; b < m; b++)
            g[(int64_t)a * m + b] = pdot(dim, in[a], out[b]);
    pgradients(k, m, g, label, nhs, coef, alpha, loss ? &loss->sum : NULL);
    for (a = 0; a < k; a++)
        pcombine(dim, m, g + (int64_t)a * m, 1, out, din + (int64_t)a * dim, 0);
}

void W2V_FN(w2v_block_step)(int64_t dim, int k, const float *const *in, int m,
                            float *const *out, const float *label, int nhs, const float *coef,
                            float alpha, float *g, float *din, float *work, w2v_loss_buf *loss)
{
    int b;
    /* dIn = G * Out, from the rows before this block's update */
    W2V_FN(w2v_block_grad)(dim, k, in, m, (const float *const *)out, label, nhs, coef, alpha, g,
                           din, work, loss);
    /* Out += G^T * In, in place, one output row after the other (a row
       that repeats gets both updates in turn) */
    for (b = 0; b < m; b++)
        pcombine(dim, k, g + b, m, in, out[b], 1);
}

void W2V_FN(w2v_rows_add)(int64_t dim, int n, float *const *rows, const float *delta)
{
    int j;
    for (j = 0; j < n; j++) {
        float *r = rows[j];
        const float *d = delta + (int64_t)j * dim;
        int64_t i;
        for (i = 0; i < dim; i++)
            r[i] += d[i];
    }
}

void W2V_FN(w2v_rows_sum)(int64_t dim, int n, const float *const *rows, float *out)
{
    int64_t i;
    int j;
    for (i = 0; i < dim; i++) {
        float a = 0.0f;
        for (j = 0; j < n; j++)
            a += rows[j][i];
        out[i] = a;
    }
}

void W2V_FN(w2v_rows_add_same)(int64_t dim, int n, float *const *rows, const float *delta)
{
    int j;
    for (j = 0; j < n; j++) {
        float *r = rows[j];
        int64_t i;
        for (i = 0; i < dim; i++)
            r[i] += delta[i];
    }
}

double W2V_FN(w2v_softplus_sum)(const float *z, const float *w, int64_t n)
{
    double acc[2] = {0.0, 0.0};
    int64_t i0, i;
    for (i0 = 0; i0 < n; i0 += LANES) {
        float t[LANES] = {0.0f, 0.0f, 0.0f, 0.0f};
        for (i = i0; i < i0 + LANES && i < n; i++) {
            t[i - i0] = psoftplus_e(z[i], pexp_neg_abs(z[i]));
            if (w)
                t[i - i0] *= w[i];
        }
        pwiden_add(acc, t);
    }
    return ptotal(acc);
}

#undef LANES
