# Cython declarations of w2v_rng.h (counter-based random numbers of training).
from libc.stdint cimport uint32_t, uint64_t


cdef extern from "w2v_rng.h" nogil:
    uint64_t w2v_mix64(uint64_t z)
    uint64_t w2v_next(uint64_t *state)
    uint32_t w2v_bounded(uint64_t r, uint32_t n)
    uint64_t w2v_seed_key(uint64_t seed)
    uint64_t w2v_chunk_state(uint64_t seed_key, uint64_t task)
    uint64_t w2v_sample_key(uint64_t seed_key, uint64_t epoch)
    uint32_t w2v_sample_u24(uint64_t sample_key, uint64_t pos)
