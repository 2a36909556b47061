/*
 * fuzz_common.h -- what every libFuzzer harness here shares: reading the fuzzer's
 * bytes as settings, a small deterministic PRNG for block sizes, and CHECK, which
 * abort()s with a message when the code under test breaks a promise of its header
 * (libFuzzer reports an abort as a finding and keeps the input).
 */
#ifndef W2V_FUZZ_COMMON_H
#define W2V_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond, ...)                                                                \
    do {                                                                                \
        if (!(cond)) {                                                                  \
            fprintf(stderr, "\n%s:%d: broken promise: %s\n  ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                               \
            fprintf(stderr, "\n");                                                      \
            abort();                                                                    \
        }                                                                               \
    } while (0)

/* The first bytes of an input are settings; a short input reads as zeros. */
typedef struct {
    const uint8_t *p;
    size_t n;
} fz_bytes;

static inline uint8_t fz_u8(fz_bytes *b) {
    if (b->n == 0) return 0;
    b->n--;
    return *b->p++;
}

/* xorshift64*: block sizes and split points that depend only on the input. */
static inline uint64_t fz_next(uint64_t *s) {
    uint64_t x = *s ? *s : UINT64_C(0x9E3779B97F4A7C15);
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * UINT64_C(0x2545F4914F6CDD1D);
}

/* An exact-size heap copy, so that AddressSanitizer sees any read past the end. */
static inline uint8_t *fz_dup(const uint8_t *p, size_t n) {
    uint8_t *q = (uint8_t *)malloc(n ? n : 1);
    if (n) memcpy(q, p, n);
    return q;
}

static inline void *fz_alloc(size_t n) {
    void *q = malloc(n ? n : 1);
    CHECK(q != NULL, "out of memory (%zu bytes)", n);
    return q;
}

#endif
