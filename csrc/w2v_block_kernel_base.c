/*
 * w2v_block_kernel_base.c -- the batched kernels (w2v_block_kernel.h) compiled
 * for the target's baseline (SSE2 on x86-64, NEON on arm64): the build every
 * CPU runs, and the only one where w2v_simd_dispatch.c has no other.
 */
#include <stdint.h>
#include <string.h>

#include "w2v_block.h"
#include "w2v_loss.h"

#define W2V_VBYTES 16
#define W2V_SFX _base
#include "w2v_block_kernel.h"
