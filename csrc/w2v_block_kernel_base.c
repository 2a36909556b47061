/*
 * w2v_block_kernel_base.c -- the batched kernels (w2v_block_kernel.h) compiled
 * for the target's baseline (SSE2 on x86-64, NEON on arm64): the build every
 * CPU runs, and the only one where w2v_simd_dispatch.c has no other.  The
 * portable build (w2v_portable.h: MSVC, or WORD2VEC_FAST_PORTABLE=1) compiles
 * the plain-C kernels instead, whose sums follow this build's on x86-64.
 */
#include <stdint.h>
#include <string.h>

#include "w2v_block.h"
#include "w2v_loss.h"

#define W2V_SFX _base
#if W2V_PORTABLE
#include "w2v_block_kernel_portable.h"
#else
#define W2V_VBYTES 16
#include "w2v_block_kernel.h"
#endif
