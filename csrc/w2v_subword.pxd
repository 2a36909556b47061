# Cython declarations of w2v_subword.h (fastText's character n-grams and their hash).
from libc.stdint cimport int32_t, int64_t, uint32_t


cdef extern from "w2v_subword.h" nogil:
    uint32_t w2v_ngram_hash(const char *s, int64_t n)
    int64_t w2v_ngrams(const char *word, int64_t n, int minn, int maxn, uint32_t buckets,
                       int32_t *out, int64_t *starts, int64_t *lens, int64_t cap)
    void w2v_vocab_ngram_rows(const char *text, const int64_t *starts, int64_t nwords,
                              int64_t skip, int minn, int maxn, uint32_t buckets,
                              int64_t *offsets, int32_t *rows)
