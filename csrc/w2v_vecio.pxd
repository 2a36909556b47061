# Cython declarations of w2v_vecio.h (parse and format word2vec.c's vector files).
from libc.stdint cimport int64_t


cdef extern from "w2v_vecio.h" nogil:
    enum: W2V_TEXT_NUMBER_MAX

    ctypedef struct w2v_io_result:
        int64_t consumed
        int64_t records
        int64_t words_len
        int64_t err_pos
        int64_t nonfinite_rows
        int64_t first_nonfinite

    int w2v_parse_binary(const unsigned char *buf, int64_t len, int64_t dim, float *out,
                         int64_t max_records, int64_t *rec_pos, char *words, int64_t max_word,
                         w2v_io_result *res)
    int w2v_parse_text(const unsigned char *buf, int64_t len, int at_eof, int64_t dim,
                       float *out, int64_t max_records, int64_t *rec_pos, char *words,
                       int64_t max_line, w2v_io_result *res)
    int w2v_parse_float(const unsigned char *buf, int64_t len, float *value)
    int64_t w2v_format_records(const char *words, const int64_t *starts, const float *vecs,
                               int64_t dim, int64_t first, int64_t count, int binary,
                               char *out, int64_t cap, int64_t *next)
    int64_t w2v_find_duplicates(const char *words, int64_t len, int64_t n, int64_t *starts,
                                int64_t *table, int64_t tsize, int64_t *dups)
