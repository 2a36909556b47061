# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Glue between ``vectors_io.py`` and the C parser/formatter in ``csrc/w2v_vecio.c``.

Each function checks its buffers' sizes with the GIL held (the C side trusts them),
then runs the C loop without the GIL.  The functions work on one block at a time;
the block loop, file handling and error messages live in ``vectors_io.py``.
"""
import numpy as np

cimport numpy as cnp
from libc.stdint cimport int64_t
from w2v_vecio cimport (W2V_TEXT_NUMBER_MAX, w2v_find_duplicates, w2v_format_records,
                         w2v_io_result, w2v_parse_binary, w2v_parse_float, w2v_parse_text)

cnp.import_array()


# status codes of w2v_vecio.h, by name, for the error messages
STATUS = {
    0: "ok",
    1: "empty word",
    2: "word too long",
    3: "too few numbers",
    4: "too many numbers",
    5: "not a number",
    6: "line too long",
    7: "blank line",
    8: "newline inside a word",
}
TEXT_NUMBER_MAX = W2V_TEXT_NUMBER_MAX


def parse_block(const unsigned char[::1] buf, Py_ssize_t start, Py_ssize_t end, bint binary,
                bint at_eof, float[:, ::1] out, Py_ssize_t row, Py_ssize_t max_records,
                int64_t[::1] rec_pos, unsigned char[::1] words, Py_ssize_t max_len):
    """Parse records from ``buf[start:end]`` into ``out[row:]`` and ``rec_pos[row:]``.

    Words go to ``words`` (each followed by ``b"\\n"``).  Returns
    ``(status, consumed, records, words_len, err_pos, nonfinite_rows, first_nonfinite)``
    with ``err_pos`` relative to ``start`` and ``first_nonfinite`` relative to ``row``.
    """
    cdef w2v_io_result res
    cdef int status
    cdef int64_t dim = out.shape[1]
    if not (0 <= start <= end <= buf.shape[0]):
        raise ValueError("block out of range")
    if dim < 1 or row < 0 or max_records < 0 or row + max_records > out.shape[0]:
        raise ValueError("output rows out of range")
    if rec_pos.shape[0] < out.shape[0]:
        raise ValueError("rec_pos shorter than out")
    if words.shape[0] < end - start:
        raise ValueError("words arena smaller than the block")
    if max_len < 1:
        raise ValueError("max_len must be positive")
    if end == start or max_records == 0:
        return (0, 0, 0, 0, -1, 0, -1)
    with nogil:
        if binary:
            status = w2v_parse_binary(&buf[start], end - start, dim, &out[row, 0], max_records,
                                      &rec_pos[row], <char *>&words[0], max_len, &res)
        else:
            status = w2v_parse_text(&buf[start], end - start, at_eof, dim, &out[row, 0],
                                    max_records, &rec_pos[row], <char *>&words[0], max_len, &res)
    return (status, res.consumed, res.records, res.words_len, res.err_pos,
            res.nonfinite_rows, res.first_nonfinite)


def parse_float(const unsigned char[::1] token):
    """One number as the text parser reads it (float32), or None if it is not a number."""
    cdef float v = 0
    if token.shape[0] == 0:
        return None
    if w2v_parse_float(&token[0], token.shape[0], &v) != 0:
        return None
    return v


def format_block(const unsigned char[::1] words, const int64_t[::1] starts,
                 const float[:, ::1] vecs, Py_ssize_t first, bint binary,
                 unsigned char[::1] out):
    """Format records ``first, first + 1, ...`` into ``out``; returns ``(nbytes, next)``.

    ``words[starts[i]:starts[i + 1] - 1]`` is word ``i``.  Only whole records are
    written; the caller sizes ``out`` for at least the largest record.
    """
    cdef int64_t nxt = first, n
    cdef int64_t v = vecs.shape[0]
    cdef int64_t dim = vecs.shape[1]
    if starts.shape[0] != v + 1 or first < 0 or first > v:
        raise ValueError("starts must have one entry per word plus one")
    if v == 0 or first == v:
        return 0, first
    if starts[0] < 0 or starts[v] > words.shape[0]:
        raise ValueError("starts out of range")
    with nogil:
        n = w2v_format_records(<const char *>&words[0], &starts[0], &vecs[0, 0], dim, first,
                               v - first, binary, <char *>&out[0], out.shape[0], &nxt)
    return n, nxt


def find_duplicates(const unsigned char[::1] words, Py_ssize_t n):
    """Indices of the words (in a ``b"\\n"``-separated arena of ``n``) that repeat an
    earlier one byte for byte, as an int64 array."""
    cdef int64_t tsize = 16, found
    while tsize < 2 * n:
        tsize *= 2
    starts = np.empty(n + 1, dtype=np.int64)
    table = np.empty(tsize, dtype=np.int64)
    dups = np.empty(max(n, 1), dtype=np.int64)
    cdef int64_t[::1] s = starts, t = table, d = dups
    if n == 0:
        return dups[:0]
    if words.shape[0] == 0:
        raise ValueError("arena does not hold n words")
    with nogil:
        found = w2v_find_duplicates(<const char *>&words[0], words.shape[0], n, &s[0], &t[0],
                                    tsize, &d[0])
    if found < 0:
        raise ValueError("arena does not hold n words")
    return dups[:found].copy()

