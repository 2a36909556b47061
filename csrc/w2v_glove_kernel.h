/*
 * w2v_glove_kernel.h -- the GloVe update (w2v_glove.h), written once in plain C
 * that compilers vectorise, and compiled once per instruction set:
 *
 *   w2v_glove.c               W2V_SFX _base   baseline (SSE2 on x86-64, NEON on arm64;
 *                                             the only build with MSVC)
 *   w2v_glove_kernel_x86v3.c  W2V_SFX _x86v3  AVX2 + FMA
 *   w2v_glove_kernel_x86v4.c  W2V_SFX _x86v4  AVX-512
 *
 * The dot product keeps 16 partial sums (one AVX-512 register, two AVX2 or four
 * SSE/NEON registers) added in a fixed order, so a build's results are
 * repeatable; builds differ in the last bits (fused multiply-adds).  Every
 * element update is elementwise IEEE arithmetic: clipping by compares, a
 * correctly rounded square root and division.
 */
#include <math.h>
#include <stdint.h>

#if !defined(W2V_SFX)
#error "define W2V_SFX before including w2v_glove_kernel.h"
#endif

#define W2V_GCAT2(a, b) a##b
#define W2V_GCAT(a, b) W2V_GCAT2(a, b)
#define W2V_GFN(name) W2V_GCAT(name, W2V_SFX)

#define W2V_GLANES 16

static inline float W2V_GFN(glove_dot)(const float *restrict x, const float *restrict y,
                                       int64_t dim)
{
    float acc[W2V_GLANES] = {0};
    float s = 0.0f;
    int64_t k = 0, j;
    for (; k + W2V_GLANES <= dim; k += W2V_GLANES)
        for (j = 0; j < W2V_GLANES; j++)
            acc[j] += x[k + j] * y[k + j];
    for (j = 0; k + j < dim; j++)
        acc[j] += x[k + j] * y[k + j];
    for (j = 0; j < W2V_GLANES; j++)
        s += acc[j];
    return s;
}

static inline void W2V_GFN(glove_rows)(float *restrict w, float *restrict c, float *restrict gw,
                                       float *restrict gc, int64_t dim, float fdiff, float eta,
                                       float clip)
{
    int64_t k;
    for (k = 0; k < dim; k++) {
        float wk = w[k], ck = c[k];
        float t1 = fdiff * ck, t2 = fdiff * wk;
        t1 = t1 < -clip ? -clip : t1;
        t1 = t1 > clip ? clip : t1;
        t2 = t2 < -clip ? -clip : t2;
        t2 = t2 > clip ? clip : t2;
        t1 *= eta;
        t2 *= eta;
        w[k] = wk - t1 / sqrtf(gw[k]);
        c[k] = ck - t2 / sqrtf(gc[k]);
        gw[k] += t1 * t1;
        gc[k] += t2 * t2;
    }
}

/* One update of word a against context b; 0 when skipped (diff not finite). */
static inline int W2V_GFN(glove_one)(const w2v_glove_params *p, int64_t a, int64_t b, float f,
                                     float logx, double *cost)
{
    int64_t dim = p->dim;
    float *w = p->w + a * dim, *c = p->c + b * dim;
    double diff = (double)W2V_GFN(glove_dot)(w, c, dim) + (double)p->bw[a] + (double)p->bc[b]
                  - (double)logx;
    double fdiff = (double)f * diff;
    float fd;
    if (!(fabs(diff) <= 1e30)) /* NaN or inf, or a float overflow on the way */
        return 0;
    *cost += 0.5 * fdiff * diff;
    fd = (float)fdiff;
    W2V_GFN(glove_rows)(w, c, p->gw + a * dim, p->gc + b * dim, dim, fd, p->eta, p->clip);
    p->bw[a] -= fd / sqrtf(p->gbw[a]);
    p->bc[b] -= fd / sqrtf(p->gbc[b]);
    p->gbw[a] += fd * fd;
    p->gbc[b] += fd * fd;
    return 1;
}

/* Ask for the rows of word a's and context b's update: their lines arrive while the
   records before are trained (rows are read at random: each update waits on memory). */
static inline void W2V_GFN(glove_prefetch)(const w2v_glove_params *p, int64_t a, int64_t b)
{
    int64_t dim = p->dim, k;
    const char *rows[4] = {(const char *)(p->w + a * dim), (const char *)(p->c + b * dim),
                           (const char *)(p->gw + a * dim), (const char *)(p->gc + b * dim)};
    int j;
    for (j = 0; j < 4; j++)
        for (k = 0; k < dim * 4; k += 64)
            W2V_PREFETCH_WRITE(rows[j] + k);
}

int64_t W2V_GFN(w2v_glove_train)(const w2v_glove_params *p, const w2v_glove_rec *recs, int64_t n,
                                 double *cost, int64_t *updates)
{
    int64_t i, skipped = 0, done = 0, ahead = p->prefetch;
    for (i = 0; i < n; i++) {
        const w2v_glove_rec r = recs[i];
        if (ahead && i + ahead < n)
            W2V_GFN(glove_prefetch)(p, recs[i + ahead].a, recs[i + ahead].b);
        if (W2V_GFN(glove_one)(p, r.a, r.b, r.f, r.logx, cost))
            done++;
        else
            skipped++;
    }
    *updates += done;
    return skipped;
}

#undef W2V_GFN
#undef W2V_GCAT
#undef W2V_GCAT2
#undef W2V_GLANES
