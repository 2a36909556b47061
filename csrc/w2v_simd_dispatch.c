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
 * build the baseline alone (e.g. for sanitizers).
 */
#include <stdint.h>
#include <string.h>

#include "w2v_block.h"
#include "w2v_loss.h"

typedef void (*w2v_step_fn)(int64_t, int, const float *const *, int, float *const *,
                            const float *, int, const float *, float, float *, float *,
                            float *, w2v_loss_buf *);
typedef void (*w2v_add_fn)(int64_t, int, float *const *, const float *);
typedef double (*w2v_sp_fn)(const float *, const float *, int64_t);

typedef struct {
    w2v_step_fn step;
    w2v_add_fn rows_add;
    w2v_sp_fn softplus_sum;
    const char *name;
} w2v_block_kernels;

#define DECLARE(sfx)                                                                          \
    void w2v_block_step##sfx(int64_t, int, const float *const *, int, float *const *,         \
                             const float *, int, const float *, float, float *, float *,      \
                             float *, w2v_loss_buf *);                                        \
    void w2v_rows_add##sfx(int64_t, int, float *const *, const float *);                      \
    double w2v_softplus_sum##sfx(const float *, const float *, int64_t);
DECLARE(_base)

static const w2v_block_kernels k_base = {w2v_block_step_base, w2v_rows_add_base,
                                         w2v_softplus_sum_base,
#if defined(__aarch64__) || defined(__ARM_NEON)
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
                                       w2v_softplus_sum_x86v3, "x86-64-v3 (avx2+fma)"};
static const w2v_block_kernels k_v4 = {w2v_block_step_x86v4, w2v_rows_add_x86v4,
                                       w2v_softplus_sum_x86v4, "x86-64-v4 (avx512)"};
#endif
#undef DECLARE

static const w2v_block_kernels *chosen;

static const w2v_block_kernels *kernels(void)
{
    const w2v_block_kernels *k = __atomic_load_n(&chosen, __ATOMIC_ACQUIRE);
    if (k)
        return k;
    k = &k_base;
#if W2V_BLOCK_X86_DISPATCH
    __builtin_cpu_init();
    if (__builtin_cpu_supports("x86-64-v4"))
        k = &k_v4;
    else if (__builtin_cpu_supports("x86-64-v3"))
        k = &k_v3;
#endif
    /* every thread that gets here stores the same pointer */
    __atomic_store_n(&chosen, k, __ATOMIC_RELEASE);
    return k;
}

void w2v_block_step(int64_t dim, int k, const float *const *in, int m, float *const *out,
                    const float *label, int nhs, const float *coef, float alpha, float *g,
                    float *din, float *work, w2v_loss_buf *loss)
{
    kernels()->step(dim, k, in, m, out, label, nhs, coef, alpha, g, din, work, loss);
}

void w2v_rows_add(int64_t dim, int n, float *const *rows, const float *delta)
{
    kernels()->rows_add(dim, n, rows, delta);
}

double w2v_softplus_sum(const float *z, const float *w, int64_t n)
{
    return kernels()->softplus_sum(z, w, n);
}

const char *w2v_block_isa(void) { return kernels()->name; }

int w2v_block_select(const char *which)
{
    const w2v_block_kernels *k = NULL;
    if (!which)
        return -1;
    if (!strcmp(which, "baseline"))
        k = &k_base;
#if W2V_BLOCK_X86_DISPATCH
    __builtin_cpu_init();
    if (!strcmp(which, "x86-64-v3") && __builtin_cpu_supports("x86-64-v3"))
        k = &k_v3;
    if (!strcmp(which, "x86-64-v4") && __builtin_cpu_supports("x86-64-v4"))
        k = &k_v4;
#endif
    if (!k)
        return -1;
    __atomic_store_n(&chosen, k, __ATOMIC_RELEASE);
    return 0;
}
