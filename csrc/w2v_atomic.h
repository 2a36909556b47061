/*
 * w2v_atomic.h -- the atomic operations on the workers' shared counters
 * (w2v_worker.h) and on the dispatcher's choice (w2v_simd_dispatch.c), all
 * relaxed: they order nothing else (the weights are Hogwild by design, and
 * what the dispatcher's choice points at is constant data).
 *
 * Three implementations of one interface, by compiler (w2v_portable.h):
 *  - GCC/Clang: the __atomic builtins on plain integers;
 *  - MSVC: the Interlocked functions; a relaxed load is a volatile read
 *    (aligned 32- and 64-bit reads are single instructions on x64 and arm64);
 *  - GCC/Clang with W2V_PORTABLE: C11 <stdatomic.h> through pointers to the
 *    _Atomic type of the same size and alignment (what C11 compilers lay out
 *    alike), so the ISO C interface is what the portable build tests.
 */
#ifndef W2V_ATOMIC_H
#define W2V_ATOMIC_H

#include <stdint.h>

#include "w2v_portable.h"

#if W2V_MSVC
#include <intrin.h>

static inline int64_t w2v_atomic_add64(int64_t *p, int64_t v)
{
    return _InterlockedExchangeAdd64((volatile __int64 *)p, v);
}
static inline int64_t w2v_atomic_load64(const int64_t *p) { return *(const volatile int64_t *)p; }
static inline int32_t w2v_atomic_load32(const int32_t *p) { return *(const volatile int32_t *)p; }
static inline void w2v_atomic_store32(int32_t *p, int32_t v)
{
    _InterlockedExchange((volatile long *)p, v);
}
/* *p = v if *p == expected; returns whether it did */
static inline int w2v_atomic_cas32(int32_t *p, int32_t expected, int32_t v)
{
    return _InterlockedCompareExchange((volatile long *)p, v, expected) == expected;
}

#elif W2V_PORTABLE
#include <stdatomic.h>

static inline int64_t w2v_atomic_add64(int64_t *p, int64_t v)
{
    return atomic_fetch_add_explicit((_Atomic int64_t *)p, v, memory_order_relaxed);
}
static inline int64_t w2v_atomic_load64(const int64_t *p)
{
    return atomic_load_explicit((_Atomic int64_t *)(uintptr_t)p, memory_order_relaxed);
}
static inline int32_t w2v_atomic_load32(const int32_t *p)
{
    return atomic_load_explicit((_Atomic int32_t *)(uintptr_t)p, memory_order_relaxed);
}
static inline void w2v_atomic_store32(int32_t *p, int32_t v)
{
    atomic_store_explicit((_Atomic int32_t *)p, v, memory_order_relaxed);
}
static inline int w2v_atomic_cas32(int32_t *p, int32_t expected, int32_t v)
{
    return atomic_compare_exchange_strong_explicit((_Atomic int32_t *)p, &expected, v,
                                                   memory_order_relaxed, memory_order_relaxed);
}

#else

static inline int64_t w2v_atomic_add64(int64_t *p, int64_t v)
{
    return __atomic_fetch_add(p, v, __ATOMIC_RELAXED);
}
static inline int64_t w2v_atomic_load64(const int64_t *p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }
static inline int32_t w2v_atomic_load32(const int32_t *p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }
static inline void w2v_atomic_store32(int32_t *p, int32_t v)
{
    __atomic_store_n(p, v, __ATOMIC_RELAXED);
}
static inline int w2v_atomic_cas32(int32_t *p, int32_t expected, int32_t v)
{
    return __atomic_compare_exchange_n(p, &expected, v, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

#endif

#endif
