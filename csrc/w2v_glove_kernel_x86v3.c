/*
 * w2v_glove_kernel_x86v3.c -- the GloVe update (w2v_glove_kernel.h) compiled for
 * x86-64-v3 (AVX2 + FMA); w2v_glove.c calls it only on a CPU that has it.
 * Empty on other targets.
 */
#include <stdint.h>

#include "w2v_block.h"
#include "w2v_glove.h"

#if W2V_BLOCK_X86_DISPATCH
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2,avx,fma,f16c,bmi,bmi2,lzcnt,movbe,popcnt,sse4.2"))), apply_to = function)
#else
#pragma GCC target("arch=x86-64-v3")
#endif

#define W2V_SFX _x86v3
#include "w2v_glove_kernel.h"

#if defined(__clang__)
#pragma clang attribute pop
#endif
#else
typedef int w2v_glove_kernel_x86v3_unused; /* ISO C wants a declaration in every file */
#endif
