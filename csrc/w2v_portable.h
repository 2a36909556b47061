/*
 * w2v_portable.h -- which compiler the C is written for, and the few
 * compiler-specific things it uses, each with a plain-C fallback.
 *
 * W2V_PORTABLE is 1 where only ISO C (plus what every C compiler has) may be
 * used: always with MSVC, which has no GCC vector extensions, no __builtin_*
 * and no __atomic; and with GCC or Clang when the build defines
 * W2V_PORTABLE=1 (setup.py: WORD2VEC_FAST_PORTABLE=1), so that the code
 * Windows users get is compiled and tested on Linux too.  clang-cl defines
 * _MSC_VER but also __clang__, and builds the vector kernels.
 *
 * With W2V_PORTABLE the batched kernels are plain C (w2v_block_kernel_portable.h,
 * no run-time dispatch), atomics are C11 <stdatomic.h> or MSVC's Interlocked
 * functions (w2v_atomic.h), prefetch hints are dropped and the scanner finds
 * token ends byte by byte.  Aligned allocations go through
 * w2v_aligned_alloc/free (MSVC's _aligned_malloc/_aligned_free).
 */
#ifndef W2V_PORTABLE_H
#define W2V_PORTABLE_H

#if defined(_MSC_VER) && !defined(__clang__)
#define W2V_MSVC 1
#else
#define W2V_MSVC 0
#endif

#if W2V_MSVC && !defined(W2V_PORTABLE)
#define W2V_PORTABLE 1
#endif
#ifndef W2V_PORTABLE
#define W2V_PORTABLE 0
#endif

/* A small function that must be compiled into its caller, even when the caller
   reaches it through a function pointer it was handed (w2v_tokenize's readers). */
#if defined(__GNUC__) && !W2V_PORTABLE
#define W2V_ALWAYS_INLINE static inline __attribute__((always_inline))
#else
#define W2V_ALWAYS_INLINE static inline
#endif

/* MSVC without /std:c11 knows restrict only as __restrict. */
#if W2V_MSVC && (!defined(__STDC_VERSION__) || __STDC_VERSION__ < 199901L)
#define restrict __restrict
#endif

/* Memory aligned to `align` bytes (size a multiple of it), and its release: MSVC's C
   library has no C11 aligned_alloc. */
#if W2V_MSVC
#include <malloc.h>
#define w2v_aligned_alloc(align, size) _aligned_malloc((size), (align))
#define w2v_aligned_free(p) _aligned_free(p)
#else
#include <stdlib.h>
#define w2v_aligned_alloc(align, size) aligned_alloc((align), (size))
#define w2v_aligned_free(p) free(p)
#endif

/* A hint that the `bytes` at p are accessed at random: on Linux, ask for
   transparent huge pages over the 2 MiB pages inside them (where the kernel
   allows it), so that random probes of a big table miss the TLB less.  Nothing
   changes elsewhere, or for less than 8 MiB. */
#if defined(__linux__)
#include <sys/mman.h>
#endif
#include <stdint.h>
static inline void w2v_huge_hint(void *p, size_t bytes)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    size_t huge = (size_t)2 << 20;
    if (p && bytes >= 4 * huge) {
        uintptr_t a = ((uintptr_t)p + huge - 1) & ~(uintptr_t)(huge - 1);
        uintptr_t e = ((uintptr_t)p + bytes) & ~(uintptr_t)(huge - 1);
        if (e > a)
            madvise((void *)a, (size_t)(e - a), MADV_HUGEPAGE);
    }
#else
    (void)p;
    (void)bytes;
#endif
}

/* n zeroed bytes, zeroed by writing (NULL when out of memory), with the huge-page
   hint: for a table that is probed (read) before it is written.  calloc's fresh
   pages map the shared zero page at the first read and copy it at the first store,
   flushing the TLB of every CPU running the process -- an interrupt to each other
   thread, once per 4 KiB.  GCC turns malloc followed by memset(0) into calloc, so
   the memset is called through a volatile pointer, which no compiler can see
   through.  The _aligned variant returns memory aligned to `align` (a power of
   two) inside a malloc'd block whose start, the pointer to free, goes to *base
   (not aligned_alloc: glibc's memalign left the heap growing with every table). */
#include <string.h>
static inline void *w2v_malloc_zeroed_aligned(size_t n, size_t align, void **base)
{
    static void *(*volatile const set)(void *, int, size_t) = memset;
    char *p = (char *)malloc(n + align + 1);
    *base = p;
    if (!p)
        return NULL;
    p += (align - (size_t)((uintptr_t)p & (align - 1))) & (align - 1);
    w2v_huge_hint(p, n);
    set(p, 0, n);
    return p;
}

static inline void *w2v_malloc_zeroed(size_t n)
{
    void *base; /* with align 1 the block itself, freed with free() */
    return w2v_malloc_zeroed_aligned(n, 1, &base);
}

/* A hint that the cache line at p is written soon (no effect on results). */
#if !W2V_PORTABLE && defined(__GNUC__)
#define W2V_PREFETCH_WRITE(p) __builtin_prefetch((p), 1, 3)
#define W2V_PREFETCH_READ(p) __builtin_prefetch(p)
#else
#define W2V_PREFETCH_WRITE(p) ((void)(p))
#define W2V_PREFETCH_READ(p) ((void)(p))
#endif

#endif
