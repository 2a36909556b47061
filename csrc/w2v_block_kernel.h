/*
 * w2v_block_kernel.h -- the batched kernels (w2v_block.h), written once over
 * a native vector type and compiled once per instruction set:
 *
 *   w2v_block_kernel_base.c   W2V_VBYTES 16  baseline (SSE2 on x86-64, NEON on arm64)
 *   w2v_block_kernel_x86v3.c  W2V_VBYTES 32  AVX2 + FMA   (x86-64-v3)
 *   w2v_block_kernel_x86v4.c  W2V_VBYTES 64  AVX-512      (x86-64-v4)
 *
 * each defining W2V_VBYTES and W2V_SFX (the suffix of the three exported
 * names) before including this file, after any target pragma.
 * w2v_simd_dispatch.c picks one set for the running CPU, once.
 *
 * Vectors are exactly one register of the target: GCC lowers wider vector
 * types badly (a 64-byte compare compiled for AVX2 becomes 16 scalar
 * compares), and per-target unrolling keeps enough independent fused
 * multiply-add chains in flight for the FMA latency (4 cycles) without
 * running out of registers (16 on AVX2/SSE2, 32 on AVX-512/NEON).
 *
 * Sums run in a fixed order for a given target, so results are repeatable;
 * they differ between targets in the last bits (lane counts, fused or
 * separate multiply-adds).
 */
#include <stdint.h>
#include <string.h>

#include "w2v_approx.h"
#include "w2v_block.h"
#include "w2v_loss.h"
#include "w2v_params.h"

#if !defined(W2V_VBYTES) || !defined(W2V_SFX)
#error "define W2V_VBYTES and W2V_SFX before including w2v_block_kernel.h"
#endif

#define W2V_CAT2(a, b) a##b
#define W2V_CAT(a, b) W2V_CAT2(a, b)
#define W2V_FN(name) W2V_CAT(name, W2V_SFX)

/* Vectors only live inside always-inlined helpers: no ABI crosses them. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif
#define W2V_INLINE static inline __attribute__((always_inline))

#define VL (W2V_VBYTES / 4) /* float lanes */

typedef float vf __attribute__((vector_size(W2V_VBYTES)));
typedef int32_t vi __attribute__((vector_size(W2V_VBYTES)));
typedef float vfh __attribute__((vector_size(W2V_VBYTES / 2)));
typedef double vd __attribute__((vector_size(W2V_VBYTES)));
typedef float v4f __attribute__((vector_size(16)));
typedef float v8f __attribute__((vector_size(32)));

W2V_INLINE vf vload(const float *p)
{
    vf x;
    memcpy(&x, p, sizeof(x));
    return x;
}

W2V_INLINE void vstore(float *p, vf x) { memcpy(p, &x, sizeof(x)); }

W2V_INLINE v4f vload4(const float *p)
{
    v4f x;
    memcpy(&x, p, sizeof(x));
    return x;
}

W2V_INLINE void vstore4(float *p, v4f x) { memcpy(p, &x, sizeof(x)); }

W2V_INLINE vf vsplat(float x) { return (vf){0} + x; }

W2V_INLINE vf vsel(vi mask, vf a, vf b)
{
    vi ai, bi;
    vf r;
    memcpy(&ai, &a, sizeof(ai));
    memcpy(&bi, &b, sizeof(bi));
    ai = (ai & mask) | (bi & ~mask);
    memcpy(&r, &ai, sizeof(r));
    return r;
}

W2V_INLINE vi lanes(void)
{
    int32_t t[VL];
    vi r;
    int i;
    for (i = 0; i < VL; i++)
        t[i] = i;
    memcpy(&r, t, sizeof(r));
    return r;
}

/* Lanes of x permuted (constant indices): GCC's and Clang's builtins. */
#if defined(__clang__)
#define VSHUF(x, ...) __builtin_shufflevector((x), (x), __VA_ARGS__)
#else
#define VSHUF(x, ...) __builtin_shuffle((x), (vi){__VA_ARGS__})
#endif

/* Sum of a full-width and a 4-lane accumulator, as a fixed tree of
   half-width adds, in registers. */
W2V_INLINE float hsum(vf x, v4f t)
{
    v4f c;
#if VL == 16
    x += VSHUF(x, 8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15);
    x += VSHUF(x, 4, 5, 6, 7, 4, 5, 6, 7, 4, 5, 6, 7, 4, 5, 6, 7);
#elif VL == 8
    x += VSHUF(x, 4, 5, 6, 7, 4, 5, 6, 7);
#endif
    c = (v4f){x[0], x[1], x[2], x[3]};
    c += t;
    return (c[0] + c[2]) + (c[1] + c[3]);
}

/* Float lanes widened to doubles and summed pairwise (VL/2 doubles). */
W2V_INLINE vd widen_sum(vf t)
{
    vfh lo, hi;
    memcpy(&lo, &t, sizeof(lo));
    memcpy(&hi, (const char *)&t + sizeof(lo), sizeof(hi));
    return __builtin_convertvector(lo, vd) + __builtin_convertvector(hi, vd);
}

W2V_INLINE double vd_total(vd acc)
{
    double t = 0.0;
    int j;
    for (j = 0; j < VL / 2; j++)
        t += acc[j];
    return t;
}

/*
 * res[j] = a . o[j] for j < NO (a constant 1..4 once inlined): 2 * NO
 * independent accumulators share each load of a (named variables, not an
 * array: GCC keeps arrays of vectors in memory).  Sums run in a fixed
 * order: pairs of full vectors, a single vector, 4 lanes, scalars.
 */
W2V_INLINE void dot_tile(int64_t dim, const float *a, const float *const *o, const int NO,
                         float *res)
{
    const float *o0 = o[0], *o1 = NO > 1 ? o[1] : o[0], *o2 = NO > 2 ? o[2] : o[0],
                *o3 = NO > 3 ? o[3] : o[0];
    vf s0 = vsplat(0.0f), s1 = s0, s2 = s0, s3 = s0, t0 = s0, t1 = s0, t2 = s0, t3 = s0;
    v4f u0 = {0}, u1 = {0}, u2 = {0}, u3 = {0};
    float f0 = 0, f1 = 0, f2 = 0, f3 = 0;
    int64_t i = 0;
    for (; i + 2 * VL <= dim; i += 2 * VL) {
        vf x = vload(a + i), y = vload(a + i + VL);
        s0 += x * vload(o0 + i);
        t0 += y * vload(o0 + i + VL);
        if (NO > 1) {
            s1 += x * vload(o1 + i);
            t1 += y * vload(o1 + i + VL);
        }
        if (NO > 2) {
            s2 += x * vload(o2 + i);
            t2 += y * vload(o2 + i + VL);
        }
        if (NO > 3) {
            s3 += x * vload(o3 + i);
            t3 += y * vload(o3 + i + VL);
        }
    }
    for (; i + VL <= dim; i += VL) {
        vf x = vload(a + i);
        s0 += x * vload(o0 + i);
        if (NO > 1)
            s1 += x * vload(o1 + i);
        if (NO > 2)
            s2 += x * vload(o2 + i);
        if (NO > 3)
            s3 += x * vload(o3 + i);
    }
#if VL > 4
    for (; i + 4 <= dim; i += 4) {
        v4f x = vload4(a + i);
        u0 += x * vload4(o0 + i);
        if (NO > 1)
            u1 += x * vload4(o1 + i);
        if (NO > 2)
            u2 += x * vload4(o2 + i);
        if (NO > 3)
            u3 += x * vload4(o3 + i);
    }
#endif
    for (; i < dim; i++) {
        f0 += a[i] * o0[i];
        if (NO > 1)
            f1 += a[i] * o1[i];
        if (NO > 2)
            f2 += a[i] * o2[i];
        if (NO > 3)
            f3 += a[i] * o3[i];
    }
    res[0] = hsum(s0 + t0, u0) + f0;
    if (NO > 1)
        res[1] = hsum(s1 + t1, u1) + f1;
    if (NO > 2)
        res[2] = hsum(s2 + t2, u2) + f2;
    if (NO > 3)
        res[3] = hsum(s3 + t3, u3) + f3;
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
 * dst_d (+)= sum_j c_d[j * stride] * rows[j] for the ND (1 or 2, a
 * constant once inlined) destinations dst_d, dim floats each; acc: add to
 * what dst holds (else overwrite).  Every destination element is one chain
 * of multiply-adds over j in order; a panel of 4 vectors per destination
 * keeps 4 * ND chains in flight (named variables: see dot_tile).
 */
W2V_INLINE void combine_tile(int64_t dim, int n, const float *c0, const float *c1, int stride,
                             const float *const *rows, float *d0, float *d1, const int ND,
                             const int acc)
{
    int64_t i = 0;
    int j;
    for (; i + 4 * VL <= dim; i += 4 * VL) {
        vf a0 = vsplat(0.0f), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        if (acc) {
            a0 = vload(d0 + i);
            a1 = vload(d0 + i + VL);
            a2 = vload(d0 + i + 2 * VL);
            a3 = vload(d0 + i + 3 * VL);
            if (ND > 1) {
                b0 = vload(d1 + i);
                b1 = vload(d1 + i + VL);
                b2 = vload(d1 + i + 2 * VL);
                b3 = vload(d1 + i + 3 * VL);
            }
        }
        for (j = 0; j < n; j++) {
            const float *r = rows[j] + i;
            vf r0 = vload(r), r1 = vload(r + VL), r2 = vload(r + 2 * VL), r3 = vload(r + 3 * VL);
            vf x = vsplat(c0[(int64_t)j * stride]);
            a0 += x * r0;
            a1 += x * r1;
            a2 += x * r2;
            a3 += x * r3;
            if (ND > 1) {
                vf y = vsplat(c1[(int64_t)j * stride]);
                b0 += y * r0;
                b1 += y * r1;
                b2 += y * r2;
                b3 += y * r3;
            }
        }
        vstore(d0 + i, a0);
        vstore(d0 + i + VL, a1);
        vstore(d0 + i + 2 * VL, a2);
        vstore(d0 + i + 3 * VL, a3);
        if (ND > 1) {
            vstore(d1 + i, b0);
            vstore(d1 + i + VL, b1);
            vstore(d1 + i + 2 * VL, b2);
            vstore(d1 + i + 3 * VL, b3);
        }
    }
    for (; i + VL <= dim; i += VL) {
        vf a0 = acc ? vload(d0 + i) : vsplat(0.0f);
        vf b0 = acc && ND > 1 ? vload(d1 + i) : vsplat(0.0f);
        for (j = 0; j < n; j++) {
            vf r = vload(rows[j] + i);
            a0 += c0[(int64_t)j * stride] * r;
            if (ND > 1)
                b0 += c1[(int64_t)j * stride] * r;
        }
        vstore(d0 + i, a0);
        if (ND > 1)
            vstore(d1 + i, b0);
    }
#if VL > 4
    for (; i + 4 <= dim; i += 4) {
        v4f a0 = {0}, b0 = {0};
        if (acc) {
            a0 = vload4(d0 + i);
            if (ND > 1)
                b0 = vload4(d1 + i);
        }
        for (j = 0; j < n; j++) {
            v4f r = vload4(rows[j] + i);
            a0 += c0[(int64_t)j * stride] * r;
            if (ND > 1)
                b0 += c1[(int64_t)j * stride] * r;
        }
        vstore4(d0 + i, a0);
        if (ND > 1)
            vstore4(d1 + i, b0);
    }
#endif
    for (; i < dim; i++) {
        float a0 = acc ? d0[i] : 0.0f, b0 = acc && ND > 1 ? d1[i] : 0.0f;
        for (j = 0; j < n; j++) {
            a0 += c0[(int64_t)j * stride] * rows[j][i];
            if (ND > 1)
                b0 += c1[(int64_t)j * stride] * rows[j][i];
        }
        d0[i] = a0;
        if (ND > 1)
            d1[i] = b0;
    }
}

/*
 * exp(-|f|) lane by lane, in [0, 1] (w2v_approx.h): exp(r) times 2^n built in
 * the exponent bits; x < -87 gives 0 (below float's normal range).  NaN
 * stays NaN.
 */
W2V_INLINE vf exp_neg_abs(vf f)
{
    vi zi, ki, tiny;
    vf a, x, k, nf, r, e, scale;
    memcpy(&zi, &f, sizeof(zi));
    zi &= 0x7fffffff;
    memcpy(&a, &zi, sizeof(a));
    x = -a;
    tiny = x < -87.0f;
    x = vsel(tiny, vsplat(-87.0f), x);
    k = x * W2V_EXP_LOG2E + W2V_EXP_MAGIC;
    nf = k - W2V_EXP_MAGIC;
    r = W2V_EXP_REDUCE(x, nf);
    W2V_EXP_SERIES(e, r);
    memcpy(&ki, &k, sizeof(ki));
    ki = ((ki - 0x4B400000) + 127) << 23; /* 2^n, n = round(x / ln2) in [-126, 0] */
    memcpy(&scale, &ki, sizeof(scale));
    return vsel(tiny, vsplat(0.0f), e * scale);
}

/* log1p(e) lane by lane for e in [0, 1] (w2v_approx.h). */
W2V_INLINE vf log1p01(vf e)
{
    vf s = e / (e + 2.0f), s2 = s * s, q;
    W2V_ARTANH_SERIES(q, s2);
    return (2.0f * s) * q;
}

/* softplus(z) = log1p(exp(-|z|)) + max(z, 0), given e = exp(-|z|); 0 * z
   makes a NaN or infinite z give NaN. */
W2V_INLINE vf softplus_e(vf z, vf e)
{
    return log1p01(e) + vsel(z > 0.0f, z, vsplat(0.0f)) + z * 0.0f;
}

/*
 * Scores to gradients in place, over the k*m scores as one flat array,
 * VL at a time:
 *   g = alpha * (label - sigmoid(f)) * coef
 * with word2vec.c's rules: negative sampling takes sigmoid = 1 above 6 and
 * 0 below -6; hierarchical softmax (columns < nhs) gives no update outside
 * (-6, 6); coef 0 gives exactly 0.  One exp(-|f|) serves the sigmoid and,
 * if loss, the pair's loss term coef * softplus(label ? -f : f), summed in
 * double into *loss.  The column of flat index i is i % m: work holds each
 * column's label and HS flag repeated for m + VL entries, so that VL lanes
 * from any column on are one load.  Lanes past k*m (padding) are written
 * back unchanged.
 */
W2V_INLINE void gradients(int k, int m, float *g, const float *label, int nhs,
                          const float *coef, float alpha, float *work, double *loss)
{
    const vf zero = vsplat(0.0f), one = vsplat(1.0f);
    const vi lane = lanes();
    float *labp = work, *hsp = work + m + VL;
    const int64_t n = (int64_t)k * m;
    vd acc = {0};
    int64_t i;
    int j, col = 0, o = 0;
    for (j = 0; j < m + VL; j++) {
        labp[j] = label[col];
        hsp[j] = col < nhs ? 1.0f : 0.0f;
        if (++col == m)
            col = 0;
    }
    for (i = 0; i < n; i += VL) {
        vf f = vload(g + i), lab = vload(labp + o), hs = vload(hsp + o), c = vload(coef + i);
        vf e = exp_neg_abs(f), t = one / (one + e), sig, gr;
        vi live = lane < (int32_t)(n - i < VL ? n - i : VL);
        sig = vsel(f >= 0.0f, t, e * t);
        sig = vsel(f > W2V_MAX_EXP, one, sig);
        sig = vsel(f < -W2V_MAX_EXP, zero, sig);
        gr = ((lab - sig) * alpha) * c;
        gr = vsel((hs != 0.0f) & ((f <= -W2V_MAX_EXP) | (f >= W2V_MAX_EXP)), zero, gr);
        gr = vsel(c == 0.0f, zero, gr);
        vstore(g + i, vsel(live, gr, f));
        if (loss) {
            vf z = vsel(lab != 0.0f, -f, f);
            acc += widen_sum(vsel(live, c * softplus_e(z, e), zero));
        }
        o = (o + VL) % m;
    }
    if (loss)
        *loss += vd_total(acc);
}

/* S, G and dIn = G * Out of a block (w2v_block_step without the output update). */
W2V_INLINE void block_din(int64_t dim, int k, const float *const *in, int m,
                          const float *const *out, const float *label, int nhs,
                          const float *coef, float alpha, float *g, float *din, float *work,
                          w2v_loss_buf *loss)
{
    int a;
    scores(dim, k, in, m, out, g);
    gradients(k, m, g, label, nhs, coef, alpha, work, loss ? &loss->sum : NULL);
    for (a = 0; a + 2 <= k; a += 2)
        combine_tile(dim, m, g + (int64_t)a * m, g + (int64_t)(a + 1) * m, 1, out,
                     din + (int64_t)a * dim, din + (int64_t)(a + 1) * dim, 2, 0);
    if (a < k)
        combine_tile(dim, m, g + (int64_t)a * m, NULL, 1, out, din + (int64_t)a * dim, NULL, 1,
                     0);
}

void W2V_FN(w2v_block_grad)(int64_t dim, int k, const float *const *in, int m,
                            const float *const *out, const float *label, int nhs,
                            const float *coef, float alpha, float *g, float *din, float *work,
                            w2v_loss_buf *loss)
{
    block_din(dim, k, in, m, out, label, nhs, coef, alpha, g, din, work, loss);
}

void W2V_FN(w2v_block_step)(int64_t dim, int k, const float *const *in, int m,
                            float *const *out, const float *label, int nhs, const float *coef,
                            float alpha, float *g, float *din, float *work, w2v_loss_buf *loss)
{
    int b;
    /* dIn = G * Out, from the rows before this block's update */
    block_din(dim, k, in, m, (const float *const *)out, label, nhs, coef, alpha, g, din, work,
              loss);
    /* Out += G^T * In, in place; a pair of destinations that is one row
       twice (a negative drawn twice) is done one after the other */
    for (b = 0; b < m;) {
        if (b + 1 < m && out[b] != out[b + 1]) {
            combine_tile(dim, k, g + b, g + b + 1, m, in, out[b], out[b + 1], 2, 1);
            b += 2;
        } else {
            combine_tile(dim, k, g + b, NULL, m, in, out[b], NULL, 1, 1);
            b += 1;
        }
    }
}

void W2V_FN(w2v_rows_add)(int64_t dim, int n, float *const *rows, const float *delta)
{
    int j;
    for (j = 0; j < n; j++) {
        float *r = rows[j];
        const float *d = delta + (int64_t)j * dim;
        int64_t i = 0;
        for (; i + VL <= dim; i += VL)
            vstore(r + i, vload(r + i) + vload(d + i));
#if VL > 4
        for (; i + 4 <= dim; i += 4)
            vstore4(r + i, vload4(r + i) + vload4(d + i));
#endif
        for (; i < dim; i++)
            r[i] += d[i];
    }
}

void W2V_FN(w2v_rows_sum)(int64_t dim, int n, const float *const *rows, float *out)
{
    int64_t i = 0;
    int j;
    for (; i + 2 * VL <= dim; i += 2 * VL) {
        vf a = vsplat(0.0f), b = a;
        for (j = 0; j < n; j++) {
            a += vload(rows[j] + i);
            b += vload(rows[j] + i + VL);
        }
        vstore(out + i, a);
        vstore(out + i + VL, b);
    }
    for (; i + VL <= dim; i += VL) {
        vf a = vsplat(0.0f);
        for (j = 0; j < n; j++)
            a += vload(rows[j] + i);
        vstore(out + i, a);
    }
#if VL > 4
    for (; i + 4 <= dim; i += 4) {
        v4f a = {0};
        for (j = 0; j < n; j++)
            a += vload4(rows[j] + i);
        vstore4(out + i, a);
    }
#endif
    for (; i < dim; i++) {
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
        int64_t i = 0;
        for (; i + VL <= dim; i += VL)
            vstore(r + i, vload(r + i) + vload(delta + i));
#if VL > 4
        for (; i + 4 <= dim; i += 4)
            vstore4(r + i, vload4(r + i) + vload4(delta + i));
#endif
        for (; i < dim; i++)
            r[i] += delta[i];
    }
}

double W2V_FN(w2v_softplus_sum)(const float *z, const float *w, int64_t n)
{
    const vi lane = lanes();
    vd acc = {0};
    int64_t i;
    for (i = 0; i < n; i += VL) {
        vf x = vload(z + i);
        vf t = softplus_e(x, exp_neg_abs(x));
        if (w)
            t *= vload(w + i);
        if (i + VL > n) /* lanes past the end (padding) count 0, whatever they hold */
            t = vsel(lane < (int32_t)(n - i), t, vsplat(0.0f));
        /* (a weight 0 times a NaN/inf softplus is NaN: so be it, the scores
           come from the same rows as the trained ones) */
        acc += widen_sum(t);
    }
    return vd_total(acc);
}

#undef VL
