/*
 * w2v_rng.h -- counter-based random numbers for the training kernels.
 *
 * Everything random in training is a pure function of (seed, epoch, chunk) or
 * (seed, epoch, token position), so the result of a run does not depend on
 * which thread happened to take which chunk: with one thread a seeded run is
 * bit-for-bit repeatable, and with several threads only the (deliberate)
 * Hogwild races differ.  The mixer is the splitmix64 finaliser: a handful of
 * cycles per draw, no table, no global state.
 *
 * tests/reference.py re-implements these functions in Python; the two must
 * stay in step (a golden-output test pins them).
 */
#ifndef W2V_RNG_H
#define W2V_RNG_H

#include <stdint.h>

#define W2V_GOLDEN UINT64_C(0x9E3779B97F4A7C15)

static inline uint64_t w2v_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Sequential generator: state advances by the golden ratio, output is mixed. */
static inline uint64_t w2v_next(uint64_t *state)
{
    *state += W2V_GOLDEN;
    return w2v_mix64(*state);
}

/* Integer in [0, n) from one draw (multiply-shift; bias below 2^-32 * n). */
static inline uint32_t w2v_bounded(uint64_t r, uint32_t n)
{
    return (uint32_t)(((r >> 32) * (uint64_t)n) >> 32);
}

/* Key of the whole run. */
static inline uint64_t w2v_seed_key(uint64_t seed)
{
    return w2v_mix64(seed ^ UINT64_C(0x6A09E667F3BCC909));
}

/* Initial generator state of one chunk of one epoch. */
static inline uint64_t w2v_chunk_state(uint64_t seed_key, uint64_t task)
{
    return w2v_mix64(seed_key + task * W2V_GOLDEN);
}

/* Key of the subsampling decisions of one epoch. */
static inline uint64_t w2v_sample_key(uint64_t seed_key, uint64_t epoch)
{
    return w2v_mix64(seed_key ^ (UINT64_C(0x3C6EF372FE94F82B) + epoch * W2V_GOLDEN));
}

/* 24-bit uniform number deciding whether the token at `pos` is kept. */
static inline uint32_t w2v_sample_u24(uint64_t sample_key, uint64_t pos)
{
    return (uint32_t)(w2v_mix64(sample_key + pos * W2V_GOLDEN) >> 40);
}

#endif
