/*
 * w2v_vecio.h -- parse and format word2vec.c's vector files, one buffer at a time.
 *
 * Pure C, no Python.h, no allocation, no globals: the caller (word2vec_fast/_vecio.pyx)
 * owns every buffer, feeds the file in blocks and keeps whatever a call did not
 * consume (an incomplete record at the end of a block) for the next call.  That is
 * what lets one parser serve plain files and .gz/.bz2 streams alike, and what keeps
 * memory bounded whatever the file claims: nothing here is sized from the file.
 *
 * Formats (word2vec.c):
 *   binary  "V dim\n", then per record: word bytes, ' ', dim float32 (little-endian),
 *           optionally '\n' (word2vec.c writes it, gensim does not).
 *   text    optional "V dim\n", then per line: word, ' ', dim numbers separated by
 *           spaces, optional trailing spaces / '\r', '\n' (the last line may lack it).
 *
 * Words are copied into the caller's `words` arena, each followed by one '\n' (a byte
 * no word can contain), so Python can decode the whole arena and split it at C speed.
 * The arena never needs more bytes than the input consumed.
 */
#ifndef W2V_VECIO_H
#define W2V_VECIO_H

#include <stddef.h>
#include <stdint.h>

/* status codes */
#define W2V_IO_OK 0            /* parsed max_records, or ran out of complete records   */
#define W2V_IO_EMPTY_WORD 1    /* a record with an empty word                           */
#define W2V_IO_WORD_TOO_LONG 2 /* no ' ' within max_word bytes: not a word2vec file     */
#define W2V_IO_FEW_NUMBERS 3   /* text: fewer than dim numbers on the line              */
#define W2V_IO_MANY_NUMBERS 4  /* text: more than dim numbers on the line               */
#define W2V_IO_BAD_NUMBER 5    /* text: a token that is not a number                    */
#define W2V_IO_LINE_TOO_LONG 6 /* text: no '\n' within max_line bytes                   */
#define W2V_IO_BLANK_LINE 7    /* text: an empty (or whitespace-only) line              */
#define W2V_IO_NEWLINE_IN_WORD 8 /* binary: a '\n' after the first byte of a word       */

typedef struct {
    int64_t consumed;        /* bytes of buf consumed (whole records only)             */
    int64_t records;         /* records parsed by this call                            */
    int64_t words_len;       /* bytes written to the words arena                       */
    int64_t err_pos;         /* on error: offset in buf of the offending record/token  */
    int64_t nonfinite_rows;  /* rows (of this call) holding a NaN or an infinity       */
    int64_t first_nonfinite; /* index (in this call) of the first such row, or -1      */
} w2v_io_result;

/*
 * Parse binary records from buf[0, len).  Row r of this call goes to out[r * dim ..],
 * its offset in buf to rec_pos[r].  Stops after max_records, or before the first
 * record that is not complete in buf (the caller reads more and calls again).
 * Returns a status; res->consumed covers only complete records.
 */
int w2v_parse_binary(const unsigned char *buf, int64_t len, int64_t dim, float *out,
                     int64_t max_records, int64_t *rec_pos, char *words, int64_t max_word,
                     w2v_io_result *res);

/*
 * Parse text lines from buf[0, len) as above.  When at_eof is nonzero a final line
 * without '\n' counts as complete.  max_line bounds the bytes of one line.
 */
int w2v_parse_text(const unsigned char *buf, int64_t len, int at_eof, int64_t dim, float *out,
                   int64_t max_records, int64_t *rec_pos, char *words, int64_t max_line,
                   w2v_io_result *res);

/*
 * Parse one number token buf[0, len) as word2vec readers do (decimal -> double,
 * correctly rounded, -> float); returns 0 or -1 if it is not a number.  Exposed for tests.
 */
int w2v_parse_float(const unsigned char *buf, int64_t len, float *value);

/*
 * Format records first .. of a matrix into out[0, cap).  Word i is
 * words[starts[i], starts[i + 1] - 1) (the arena separates words by one byte).
 * binary: word ' ' dim little-endian float32 '\n' (exactly word2vec.c);
 * text:   word then ' ' and each number in the shortest of %.7g/%.8g/%.9g that reads
 *         back as the same float32, then '\n'.
 * Writes whole records only and returns the bytes written; *next is the first
 * record not written.  The caller makes cap >= the largest record.
 */
int64_t w2v_format_records(const char *words, const int64_t *starts, const float *vecs,
                           int64_t dim, int64_t first, int64_t count, int binary,
                           char *out, int64_t cap, int64_t *next);

/*
 * Records whose word repeats an earlier word byte for byte.  words[0, len) holds n
 * words, each followed by '\n' (the parser's arena).  Caller-owned scratch: starts
 * int64[n + 1] (filled with each word's offset), table int64[tsize] with tsize a power
 * of two >= 2n (filled here).  The repeats' record indices go to dups (room for n), in
 * order; returns how many, or -1 if the arena does not hold n words.
 */
int64_t w2v_find_duplicates(const char *words, int64_t len, int64_t n, int64_t *starts,
                            int64_t *table, int64_t tsize, int64_t *dups);

/* Upper bound on the text bytes of one number (sign, 9 digits, point, exponent, space). */
#define W2V_TEXT_NUMBER_MAX 24

#endif
