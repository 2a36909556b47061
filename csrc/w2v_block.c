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

static inline float sigmoid(float f) { return 1.0f / (1.0f + expf(-f)); }

/* Dot products of one input row with up to 4 output rows at once. */
static inline void dots4(int64_t dim, const float *a, const float *const *o, int n, float *res)
{
    v16 s0 = {0}, s1 = {0}, s2 = {0}, s3 = {0};
    float t0 = 0, t1 = 0, t2 = 0, t3 = 0;
    const float *o0 = o[0], *o1 = n > 1 ? o[1] : o[0], *o2 = n > 2 ? o[2] : o[0],
                *o3 = n > 3 ? o[3] : o[0];
    int64_t i = 0;
    for (; i + VL <= dim; i += VL) {
        v16 x = vload(a + i);
        s0 += x * vload(o0 + i);
        s1 += x * vload(o1 + i);
        s2 += x * vload(o2 + i);
        s3 += x * vload(o3 + i);
    }
    /* tails: 4 lanes at a time (dim 100 = 6 x 16 + 4), then scalars */
    {
        v4 u0 = {0}, u1 = {0}, u2 = {0}, u3 = {0};
        for (; i + 4 <= dim; i += 4) {
            v4 x = vload4(a + i);
            u0 += x * vload4(o0 + i);
            u1 += x * vload4(o1 + i);
            u2 += x * vload4(o2 + i);
            u3 += x * vload4(o3 + i);
        }
        for (; i < dim; i++) {
            t0 += a[i] * o0[i];
            t1 += a[i] * o1[i];
            t2 += a[i] * o2[i];
            t3 += a[i] * o3[i];
        }
        res[0] = hsum(s0, u0) + t0;
        if (n > 1)
            res[1] = hsum(s1, u1) + t1;
        if (n > 2)
            res[2] = hsum(s2, u2) + t2;
        if (n > 3)
            res[3] = hsum(s3, u3) + t3;
    }
}

/*
 * dst0 = sum_j c0[j * stride] * rows[j] and, if dst1, dst1 likewise with c1
 * (j < n; dst are dim floats).  Two destinations share every row load.
 */
static inline void combine2(int64_t dim, int n, const float *c0, const float *c1, int stride,
                            const float *const *rows, float *dst0, float *dst1)
{
    int64_t i = 0;
    int j;
    if (!dst1)
        c1 = c0;
    for (; i + VL <= dim; i += VL) {
        v16 acc0 = {0}, acc1 = {0};
        for (j = 0; j < n; j++) {
            v16 r = vload(rows[j] + i);
            acc0 += c0[(int64_t)j * stride] * r;
            acc1 += c1[(int64_t)j * stride] * r;
        }
        vstore(dst0 + i, acc0);
        if (dst1)
            vstore(dst1 + i, acc1);
    }
    for (; i + 4 <= dim; i += 4) {
        v4 acc0 = {0}, acc1 = {0};
        for (j = 0; j < n; j++) {
            v4 r = vload4(rows[j] + i);
            acc0 += c0[(int64_t)j * stride] * r;
            acc1 += c1[(int64_t)j * stride] * r;
        }
        vstore4(dst0 + i, acc0);
        if (dst1)
            vstore4(dst1 + i, acc1);
    }
    for (; i < dim; i++) {
        float acc0 = 0.0f, acc1 = 0.0f;
        for (j = 0; j < n; j++) {
            acc0 += c0[(int64_t)j * stride] * rows[j][i];
            acc1 += c1[(int64_t)j * stride] * rows[j][i];
        }
        dst0[i] = acc0;
        if (dst1)
            dst1[i] = acc1;
    }
}

/*
 * Turn the k*m scores w2v_block_grad copied to the end of the buffer into
 * loss terms (signed scores, multiplicities c or 1) and sum the buffer once
 * it is full.  Kept out of w2v_block_grad's loops on purpose: this work
 * inside them changed how the compiler allocated the gradient loop's
 * registers (spills around every expf call), which cost the batched kernels
 * 10-20 % of their speed.
 */
static __attribute__((noinline)) void loss_terms(int k, int m, const float *label,
                                                 const uint8_t *rule, const float *c,
                                                 w2v_loss_buf *lb)
{
    float *z = lb->z + lb->n, *w = lb->w + lb->n;
    int a, b;
    for (a = 0; a < k; a++, z += m, w += m) {
        for (b = 0; b < m; b++) {
            z[b] = label[b] != 0.0f ? -z[b] : z[b];
            w[b] = rule[b] == W2V_RULE_OFF ? 0.0f : c ? c[(int64_t)a * m + b] : 1.0f;
        }
    }
    lb->n += (int64_t)k * m;
    if (lb->n >= lb->cap)
        w2v_loss_flush(lb);
}

W2V_CLONES
void w2v_block_grad(int64_t dim, int k, const float *const *in, int m, const float *const *out,
                    const float *label, const uint8_t *rule, const float *coef, float alpha,
                    float *g, float *din, float *dout, w2v_loss_buf *loss)
{
    float *sc = loss ? loss->z + loss->n : NULL; /* a copy of the scores */
    int a, b;
    for (a = 0; a < k; a++) {
        float *ga = g + (int64_t)a * m;
        for (b = 0; b < m; b += 4)
            dots4(dim, in[a], out + b, m - b < 4 ? m - b : 4, ga + b);
        if (sc)
            for (b = 0; b < m; b++)
                sc[(int64_t)a * m + b] = ga[b];
        for (b = 0; b < m; b++) {
            float f = ga[b], gg, mult = coef ? coef[(int64_t)a * m + b] : 1.0f;
            if (rule[b] == W2V_RULE_OFF || mult == 0.0f) {
                gg = 0.0f;
            } else if (rule[b] == W2V_RULE_HS) {
                gg = (f <= -W2V_MAX_EXP || f >= W2V_MAX_EXP) ? 0.0f
                                                           : (label[b] - sigmoid(f)) * alpha;
            } else if (f > W2V_MAX_EXP) {
                gg = (label[b] - 1.0f) * alpha;
            } else if (f < -W2V_MAX_EXP) {
                gg = label[b] * alpha;
            } else {
                gg = (label[b] - sigmoid(f)) * alpha;
            }
            ga[b] = gg * mult;
        }
    }
    if (loss)
        loss_terms(k, m, label, rule, coef, loss);
    for (a = 0; a < k; a += 2)
        combine2(dim, m, g + (int64_t)a * m, a + 1 < k ? g + (int64_t)(a + 1) * m : NULL, 1,
                 out, din + (int64_t)a * dim, a + 1 < k ? din + (int64_t)(a + 1) * dim : NULL);
    for (b = 0; b < m; b += 2)
        combine2(dim, k, g + b, b + 1 < m ? g + b + 1 : NULL, m, in, dout + (int64_t)b * dim,
                 b + 1 < m ? dout + (int64_t)(b + 1) * dim : NULL);
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
 * softplus(z) = log1p(exp(-|z|)) + max(z, 0), lane by lane.
 *  exp(x), x in [-87, 0]: x = n ln2 + r with |r| <= ln2/2 (ln2 split in a
 *    part exact in 9 bits and the rest), exp(r) by its Taylor series to r^7
 *    (truncation < 6e-9 relative), times 2^n built in the exponent bits;
 *    x < -87 gives 0 (below float's normal range; adds < 1e-37).
 *  log1p(u), u in [0, 1]: 2 artanh(s) with s = u / (2 + u) <= 1/3, its odd
 *    series to s^13 (truncation < 2e-8 relative).
 *  0 * z makes a NaN or infinite z give NaN.
 */
W2V_INLINE v16 softplus16(v16 z)
{
    const float magic = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer */
    const v16 zero = {0};
    vi16 zi, ki, tiny;
    v16 a, x, k, nf, r, e, scale, s, s2, q;
    memcpy(&zi, &z, sizeof(zi));
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
    e = vsel(tiny, zero, e * scale);
    s = e / (e + 2.0f);
    s2 = s * s;
    q = s2 * (1.0f / 13) + (1.0f / 11);
    q = q * s2 + (1.0f / 9);
    q = q * s2 + (1.0f / 7);
    q = q * s2 + (1.0f / 5);
    q = q * s2 + (1.0f / 3);
    q = q * s2 + 1.0f;
    return (2.0f * s) * q + vsel(z > 0.0f, z, zero) + z * 0.0f;
}

W2V_CLONES
double w2v_softplus_sum(const float *z, const float *w, int64_t n)
{
    const vi16 lane = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    const v16 zero = {0};
    v8d acc = {0};
    v8 lo, hi;
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
        memcpy(&lo, &t, sizeof(lo));
        memcpy(&hi, (const char *)&t + sizeof(lo), sizeof(hi));
        acc += __builtin_convertvector(lo, v8d) + __builtin_convertvector(hi, v8d);
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
