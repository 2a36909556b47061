# Cython declarations of w2v_tables.h (Huffman tree and alias table, caller-owned buffers).
from libc.stdint cimport int32_t, int64_t, uint8_t, uint64_t


cdef extern from "w2v_tables.h" nogil:
    int w2v_huffman_lengths(const int64_t *counts, int64_t v, int64_t *work,
                            int64_t *code_offsets)
    int w2v_huffman_paths(int64_t v, const int64_t *work, const int64_t *code_offsets,
                          uint8_t *codes, int32_t *points)
    int w2v_alias_build(const double *weights, int64_t v, uint64_t *prob, int32_t *alias,
                        double *scaled, int64_t *work)
