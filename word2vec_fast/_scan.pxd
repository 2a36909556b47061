# What other Cython modules cimport from _scan.pyx: the one check of a Python
# sentence and its tokens (each str token's UTF-8 bytes, lone surrogates kept).
from libc.stdint cimport uint8_t


cdef object sentence_tokens(object sent, Py_ssize_t i)
cdef const uint8_t *token_utf8(object tok, Py_ssize_t i, Py_ssize_t *size,
                               list keep) except NULL
