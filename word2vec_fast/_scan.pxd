# What other Cython modules cimport from _scan.pyx: the one reading of Python
# token lists -- each sentence and token checked, each str token's UTF-8 bytes
# (lone surrogates kept) handed to a C reader.
from libc.stdint cimport int64_t, uint8_t

# A C reader of tokens: token p[0..n), or with p NULL the sentence's end.
ctypedef int (*token_fn)(void *ctx, const uint8_t *p, int64_t n) noexcept


cdef int feed_token_lists(sentences, Py_ssize_t *index, token_fn read, void *ctx,
                          list kept) except -1
