/*
 * w2v_simd_dispatch.c -- picks the build of the batched kernels
 * (w2v_block_kernel.h) for the running CPU and forwards the public entry
 * points of w2v_block.h and w2v_loss.h to it.
 *
 * w2v_block_kernel_base.c is the baseline build.  On x86-64 with GCC or
 * Clang on Linux, w2v_block_kernel_x86v3.c (AVX2 + FMA) and
 * w2v_block_kernel_x86v4.c (AVX-512) are compiled too, each with its own
 * target, and the first call of any kernel picks the best one the CPU
 * supports (__builtin_cpu_supports).  Elsewhere (arm64: NEON is baseline
 * there) the baseline build is the only one.  Define W2V_NO_DISPATCH to
 * build the baseline alone (e.g. for sanitizers).  In the portable build
 * (w2v_portable.h: MSVC, or WORD2VEC_FAST_PORTABLE=1) the baseline is plain C
 * (w2v_block_kernel_portable.h) and the only one.
 */
#include <stdint.h>
#include <string.h>

#include "w2v_atomic.h"
#include "w2v_block.h"
#include "w2v_loss.h"

typedef void (*w2v_step_fn)(int64_t, int, const float *const *, int, float *const *,
                            const float *, int, const float *, float, float *, float *,
                            float *, w2v_loss_buf *);
typedef void (*w2v_grad_fn)(int64_t, int, const float *const *, int, const float *const *,
                            const float *, int, const float *, float, float *, float *,
                            float *, w2v_loss_buf *);
typedef void (*w2v_add_fn)(int64_t, int, float *const *, const float *);
typedef double (*w2v_sp_fn)(const float *, const float *, int64_t);
typedef void (*w2v_sum_fn)(int64_t, int, const float *const *, float *);

typedef struct {
    w2v_step_fn step;
    w2v_add_fn rows_add;
    w2v_sp_fn softplus_sum;
    w2v_sum_fn rows_sum;
    w2v_add_fn rows_add_same;
    w2v_grad_fn grad;
    const char *name;
} w2v_block_kernels;

#define DECLARE(sfx)                                                                          \
    void w2v_block_step##sfx(int64_t, int, const float *const *, int, float *const *,         \
                             const float *, int, const float *, float, float *, float *,      \
                             float *, w2v_loss_buf *);                                        \
    void w2v_rows_add##sfx(int64_t, int, float *const *, const float *);                      \
    double w2v_softplus_sum##sfx(const float *, const float *, int64_t);                     \
    void w2v_rows_sum##sfx(int64_t, int, const float *const *, float *);                      \
    void w2v_rows_add_same##sfx(int64_t, int, float *const *, const float *);                 \
    void w2v_block_grad##sfx(int64_t, int, const float *const *, int, const float *const *,   \
                             const float *, int, const float *, float, float *, float *,      \
                             float *, w2v_loss_buf *);
DECLARE(_base)

static const w2v_block_kernels k_base = {w2v_block_step_base, w2v_rows_add_base,
                                         w2v_softplus_sum_base, w2v_rows_sum_base,
                                         w2v_rows_add_same_base, w2v_block_grad_base,
#if W2V_PORTABLE
                                         "plain C (portable)"
#elif defined(__aarch64__) || defined(__ARM_NEON)
                                         "neon"
#elif defined(__x86_64__) || defined(__i386__)
                                         "x86-64 (sse2)"
#else
                                         "generic"
#endif
};

#if W2V_BLOCK_X86_DISPATCH
DECLARE(_x86v3)
DECLARE(_x86v4)
static const w2v_block_kernels k_v3 = {w2v_block_step_x86v3, w2v_rows_add_x86v3,
                                       w2v_softplus_sum_x86v3, w2v_rows_sum_x86v3,
                                       w2v_rows_add_same_x86v3, w2v_block_grad_x86v3,
                                       "x86-64-v3 (avx2+fma)"};
static const w2v_block_kernels k_v4 = {w2v_block_step_x86v4, w2v_rows_add_x86v4,
                                       w2v_softplus_sum_x86v4, w2v_rows_sum_x86v4,
                                       w2v_rows_add_same_x86v4, w2v_block_grad_x86v4,
                                       "x86-64-v4 (avx512)"};
#endif
#undef DECLARE

/* The builds by number; `chosen` holds the number of the one in use, 0 before the first call. */
enum { BUILD_NONE, BUILD_BASE, BUILD_V3, BUILD_V4 };
static int32_t chosen;

static const w2v_block_kernels *build(int32_t b)
{
#if W2V_BLOCK_X86_DISPATCH
    if (b == BUILD_V4)
        return &k_v4;
    if (b == BUILD_V3)
        return &k_v3;
#endif
    (void)b;
    return &k_base;
}

static const w2v_block_kernels *kernels(void)
{
    int32_t b = w2v_atomic_load32(&chosen);
    if (b != BUILD_NONE)
        return build(b);
    b = BUILD_BASE;
#if W2V_BLOCK_X86_DISPATCH
    __builtin_cpu_init();
    if (__builtin_cpu_supports("x86-64-v4"))
        b = BUILD_V4;
    else if (__builtin_cpu_supports("x86-64-v3"))
        b = BUILD_V3;
#endif
    /* every thread that gets here stores the same number */
    w2v_atomic_store32(&chosen, b);
    return build(b);
}

void w2v_block_step(int64_t dim, int k, const float *const *in, int m, float *const *out,
                    const float *label, int nhs, const float *coef, float alpha, float *g,
                    float *din, float *work, w2v_loss_buf *loss)
{
    kernels()->step(dim, k, in, m, out, label, nhs, coef, alpha, g, din, work, loss);
}

void w2v_block_grad(int64_t dim, int k, const float *const *in, int m, const float *const *out,
                    const float *label, int nhs, const float *coef, float alpha, float *g,
                    float *din, float *work, w2v_loss_buf *loss)
{
    kernels()->grad(dim, k, in, m, out, label, nhs, coef, alpha, g, din, work, loss);
}

void w2v_rows_add(int64_t dim, int n, float *const *rows, const float *delta)
{
    kernels()->rows_add(dim, n, rows, delta);
}

void w2v_rows_sum(int64_t dim, int n, const float *const *rows, float *out)
{
    kernels()->rows_sum(dim, n, rows, out);
}

void w2v_rows_add_same(int64_t dim, int n, float *const *rows, const float *delta)
{
    kernels()->rows_add_same(dim, n, rows, delta);
}

double w2v_softplus_sum(const float *z, const float *w, int64_t n)
{
    return kernels()->softplus_sum(z, w, n);
}

const char *w2v_block_isa(void) { return kernels()->name; }

int w2v_block_select(const char *which)
{
    int32_t b = BUILD_NONE;
    if (!which)
        return -1;
    if (!strcmp(which, "baseline"))
        b = BUILD_BASE;
#if W2V_BLOCK_X86_DISPATCH
    __builtin_cpu_init();
    if (!strcmp(which, "x86-64-v3") && __builtin_cpu_supports("x86-64-v3"))
        b = BUILD_V3;
    if (!strcmp(which, "x86-64-v4") && __builtin_cpu_supports("x86-64-v4"))
        b = BUILD_V4;
#endif
    if (b == BUILD_NONE)
        return -1;
    w2v_atomic_store32(&chosen, b);
    return 0;
}
