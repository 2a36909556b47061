/*
 * fuzz_vecio.c -- libFuzzer harness for the vector-file parser, formatter and duplicate
 * finder of csrc/w2v_vecio.h.  Built twice: -DFUZZ_BINARY=1 (fuzz_vecio_binary) and
 * -DFUZZ_BINARY=0 (fuzz_vecio_text).
 *
 * Input: 5 setting bytes, then the records of a file (what follows the "V dim" header,
 * which Python parses).  The records are parsed twice:
 *   - in blocks, exactly as word2vec_fast/vectors_io.py (_Blocks, _read_records) feeds
 *     the parser: a buffer of a fuzzer-chosen size, the unconsumed tail moved to the
 *     front, the buffer doubled when one record does not fit, at_eof set only once a
 *     read returned nothing, at most `want` records per call;
 *   - in one call over the whole input.
 * Every call is checked against the header's promises (consumed within the input and
 * on a record boundary, records within max_records, words arena no longer than what
 * was consumed, err_pos inside the block, each record's word and numbers really at
 * rec_pos, the non-finite count), the two parses must agree record for record (the
 * result does not depend on where blocks end), the duplicate finder must agree with a
 * sort-based reference, and formatting the records in both formats with the smallest
 * buffer the caller may pass, then parsing the output, must give them back.
 */
#include <math.h>

#include "fuzz_common.h"
#include "w2v_vecio.h"

#ifndef FUZZ_BINARY
#error "define FUZZ_BINARY to 1 (binary parser) or 0 (text parser)"
#endif

typedef struct {
    int64_t n;         /* records */
    float *mat;        /* n * dim */
    int64_t *pos;      /* stream offset of each record */
    char *arena;       /* words, each followed by '\n' */
    int64_t arena_len;
    int status;
    int64_t err_abs;   /* stream offset of the error, or -1 */
    int64_t end_abs;   /* stream offset of the first byte not consumed */
    int64_t nonfinite, first_nonfinite;
} outcome;

static void outcome_init(outcome *o, int64_t len, int64_t dim) {
    int64_t rows = len / 2 + 1; /* a record takes at least 2 bytes */
    memset(o, 0, sizeof(*o));
    o->mat = (float *)fz_alloc((size_t)(rows * dim) * sizeof(float));
    o->pos = (int64_t *)fz_alloc((size_t)rows * sizeof(int64_t));
    o->arena = (char *)fz_alloc((size_t)len + 1);
    o->err_abs = -1;
    o->first_nonfinite = -1;
}

static void outcome_free(outcome *o) {
    free(o->mat);
    free(o->pos);
    free(o->arena);
}

static int nonfinite_row(const float *row, int64_t dim) {
    for (int64_t k = 0; k < dim; k++)
        if (!isfinite(row[k])) return 1;
    return 0;
}

#if !FUZZ_BINARY
static int is_sep(unsigned char c) { return c == ' ' || c == '\t'; }
static int is_blank(unsigned char c) { return c == ' ' || c == '\t' || c == '\r'; }
#endif

/* One parser call on an exact-size copy of buf[0, len), checked against w2v_vecio.h. */
static int parse_checked(const unsigned char *src, int64_t len, int at_eof, int64_t dim,
                         int64_t max_records, int64_t max_len, outcome *o,
                         int64_t base, w2v_io_result *res) {
    unsigned char *buf = fz_dup(src, (size_t)len);
    float *out = (float *)fz_alloc((size_t)(max_records * dim) * sizeof(float));
    int64_t *rec_pos = (int64_t *)fz_alloc((size_t)max_records * sizeof(int64_t));
    char *words = (char *)fz_alloc((size_t)len); /* the caller's promise: len bytes */
    int status;
#if FUZZ_BINARY
    (void)at_eof;
    status = w2v_parse_binary(buf, len, dim, out, max_records, rec_pos, words, max_len, res);
#else
    status = w2v_parse_text(buf, len, at_eof, dim, out, max_records, rec_pos, words, max_len,
                            res);
#endif
    CHECK(status >= W2V_IO_OK && status <= W2V_IO_NEWLINE_IN_WORD, "status %d", status);
    CHECK(res->consumed >= 0 && res->consumed <= len, "consumed %lld of %lld",
          (long long)res->consumed, (long long)len);
    CHECK(res->records >= 0 && res->records <= max_records, "records %lld, max %lld",
          (long long)res->records, (long long)max_records);
    CHECK(res->words_len >= 0 && res->words_len <= res->consumed,
          "words arena %lld bytes for %lld bytes consumed", (long long)res->words_len,
          (long long)res->consumed);
    if (status == W2V_IO_OK) {
        CHECK(res->err_pos == -1, "err_pos %lld without an error", (long long)res->err_pos);
    } else {
        CHECK(res->err_pos >= res->consumed && res->err_pos < len,
              "err_pos %lld outside [consumed %lld, len %lld)", (long long)res->err_pos,
              (long long)res->consumed, (long long)len);
    }
    /* an error is what its status says, where err_pos says */
    int64_t ep = res->err_pos;
    /* binary: no ' ' within max_word + 1 bytes; text: no '\n' within max_line + 1 */
    if (status == (FUZZ_BINARY ? W2V_IO_WORD_TOO_LONG : W2V_IO_LINE_TOO_LONG))
        CHECK(len - ep > max_len &&
              memchr(buf + ep, FUZZ_BINARY ? ' ' : '\n', (size_t)max_len + 1) == NULL,
              "%s at %lld, but it ends within %lld bytes", FUZZ_BINARY ? "word" : "line",
              (long long)ep, (long long)max_len);
    if (status == W2V_IO_EMPTY_WORD) CHECK(buf[ep] == ' ', "empty word: no space at err_pos");
#if FUZZ_BINARY
    if (status == W2V_IO_NEWLINE_IN_WORD) {
        const unsigned char *sp = memchr(buf + ep, ' ', (size_t)(len - ep));
        CHECK(buf[ep] != '\n' && sp && memchr(buf + ep, '\n', (size_t)(sp - buf - ep)),
              "newline in word: none at %lld", (long long)ep);
    }
    CHECK(status == W2V_IO_OK || status == W2V_IO_WORD_TOO_LONG || status == W2V_IO_EMPTY_WORD ||
          status == W2V_IO_NEWLINE_IN_WORD, "binary parser returned text status %d", status);
#else
    if (status == W2V_IO_BLANK_LINE) {
        for (int64_t k = ep; k < len && buf[k] != '\n'; k++)
            CHECK(is_blank(buf[k]), "blank line at %lld holds byte %d", (long long)ep, buf[k]);
    }
    if (status == W2V_IO_BAD_NUMBER) {
        int64_t k = ep;
        float v;
        while (k < len && !is_sep(buf[k]) && buf[k] != '\n') k++;
        CHECK(k > ep && w2v_parse_float(buf + ep, k - ep, &v) != 0,
              "bad number at %lld, but it parses", (long long)ep);
    }
    if (status == W2V_IO_OK && at_eof && res->records < max_records)
        CHECK(res->consumed == len, "text at eof stopped at %lld of %lld without an error",
              (long long)res->consumed, (long long)len);
#endif
    /* each record: its word at rec_pos, then ' ', then its numbers */
    int64_t wl = 0, end = 0, nf = 0, nf_first = -1;
    for (int64_t r = 0; r < res->records; r++) {
        const char *w = words + wl;
        const char *nl = memchr(w, '\n', (size_t)(res->words_len - wl));
        CHECK(nl != NULL, "words arena holds fewer than %lld words", (long long)res->records);
        int64_t wlen = nl - w, p = rec_pos[r];
        CHECK(p >= end && p < res->consumed, "record %lld at %lld, previous ended at %lld",
              (long long)r, (long long)p, (long long)end);
        CHECK(wlen > 0 && memchr(w, ' ', (size_t)wlen) == NULL, "record %lld: bad word",
              (long long)r);
        CHECK(p + wlen < len && memcmp(buf + p, w, (size_t)wlen) == 0 && buf[p + wlen] == ' ',
              "record %lld: the word is not at rec_pos %lld", (long long)r, (long long)p);
        const float *row = out + r * dim;
#if FUZZ_BINARY
        for (int64_t k = end; k < p; k++)
            CHECK(buf[k] == '\n', "binary: byte %lld between records is not a newline",
                  (long long)k);
        CHECK(p + wlen + 1 + 4 * dim <= res->consumed, "record %lld runs past consumed",
              (long long)r);
        CHECK(memcmp(row, buf + p + wlen + 1, (size_t)(4 * dim)) == 0,
              "record %lld: floats differ from the file's bytes", (long long)r);
        end = p + wlen + 1 + 4 * dim;
#else
        CHECK(p == end, "text: record %lld at %lld, not where the previous line ended (%lld)",
              (long long)r, (long long)p, (long long)end);
        const unsigned char *line = buf + p;
        const unsigned char *lf = memchr(line, '\n', (size_t)(len - p));
        int64_t linelen = lf ? lf - line : len - p;
        CHECK(lf != NULL || at_eof, "text: a line without newline parsed before eof");
        int64_t e = linelen, q = wlen, k;
        while (e > 0 && is_blank(line[e - 1])) e--;
        for (k = 0; k < dim; k++) {
            while (q < e && is_sep(line[q])) q++;
            int64_t t = q;
            while (q < e && !is_sep(line[q])) q++;
            float v;
            CHECK(q > t && w2v_parse_float(line + t, q - t, &v) == 0,
                  "record %lld: number %lld is missing or bad", (long long)r, (long long)k);
            CHECK(memcmp(&v, row + k, 4) == 0 || (isnan(v) && isnan(row[k])),
                  "record %lld: number %lld parsed differently", (long long)r, (long long)k);
        }
        while (q < e && is_sep(line[q])) q++;
        CHECK(q == e, "record %lld: more than dim numbers accepted", (long long)r);
        end = p + linelen + (lf != NULL);
#endif
        if (nonfinite_row(row, dim)) {
            if (nf_first < 0) nf_first = r;
            nf++;
        }
        wl += wlen + 1;
    }
    CHECK(wl == res->words_len, "words arena %lld bytes, the words take %lld",
          (long long)res->words_len, (long long)wl);
    CHECK(end == res->consumed, "consumed %lld, the records end at %lld",
          (long long)res->consumed, (long long)end);
    CHECK(nf == res->nonfinite_rows && nf_first == res->first_nonfinite,
          "non-finite rows %lld (first %lld), counted %lld (first %lld)",
          (long long)res->nonfinite_rows, (long long)res->first_nonfinite, (long long)nf,
          (long long)nf_first);
    /* append to the outcome */
    if (res->records) {
        memcpy(o->mat + o->n * dim, out, (size_t)(res->records * dim) * sizeof(float));
        for (int64_t r = 0; r < res->records; r++) o->pos[o->n + r] = base + rec_pos[r];
        if (o->first_nonfinite < 0 && res->first_nonfinite >= 0)
            o->first_nonfinite = o->n + res->first_nonfinite;
        o->nonfinite += res->nonfinite_rows;
        memcpy(o->arena + o->arena_len, words, (size_t)res->words_len);
        o->arena_len += res->words_len;
        o->n += res->records;
    }
    o->status = status;
    if (status != W2V_IO_OK) o->err_abs = base + res->err_pos;
    free(buf);
    free(out);
    free(rec_pos);
    free(words);
    return status;
}

/* The loader's block loop (vectors_io._read_records with _Blocks). */
static void parse_in_blocks(const uint8_t *data, int64_t len, int64_t dim, int64_t cap,
                            int64_t want, int64_t max_len, outcome *o) {
    uint8_t *buf = (uint8_t *)fz_alloc((size_t)cap);
    int64_t base = 0, start = 0, filled = 0, read = 0;
    int eof = 0;
    w2v_io_result res;
#define FILL()                                                                           \
    do {                                                                                 \
        if (start) {                                                                     \
            memmove(buf, buf + start, (size_t)(filled - start));                         \
            base += start;                                                               \
            filled -= start;                                                             \
            start = 0;                                                                   \
        }                                                                                \
        if (filled == cap) {                                                             \
            cap *= 2;                                                                    \
            buf = (uint8_t *)realloc(buf, (size_t)cap);                                  \
            CHECK(buf != NULL, "out of memory");                                         \
        }                                                                                \
        while (filled < cap && !eof) {                                                   \
            int64_t k = len - read < cap - filled ? len - read : cap - filled;           \
            memcpy(buf + filled, data + read, (size_t)k);                                \
            read += k;                                                                   \
            filled += k;                                                                 \
            if (k == 0) eof = 1;                                                         \
        }                                                                                \
    } while (0)
    FILL();
    for (;;) {
        int64_t n = 0, used = 0;
        if (filled > start) { /* _vecio.parse_block returns nothing for an empty block */
            int st = parse_checked(buf + start, filled - start, eof, dim, want, max_len, o,
                                   base + start, &res);
            if (st != W2V_IO_OK) {
                start += res.consumed;
                break;
            }
            n = res.records;
            used = res.consumed;
        }
        start += used;
        if (n == want) continue;
        if (eof) break;
        FILL();
    }
#undef FILL
    o->end_abs = base + start;
    free(buf);
}

static int cmp_floats(const float *a, const float *b, int64_t n, int exact_bits) {
    for (int64_t i = 0; i < n; i++) {
        if (memcmp(a + i, b + i, 4) == 0) continue;
        /* text keeps a NaN's sign, not its payload */
        if (!exact_bits && isnan(a[i]) && isnan(b[i]) && !signbit(a[i]) == !signbit(b[i]))
            continue;
        return 0;
    }
    return 1;
}

static void same_outcome(const outcome *a, const outcome *b, int64_t dim, const char *what) {
    CHECK(a->n == b->n, "%s: %lld records vs %lld", what, (long long)a->n, (long long)b->n);
    CHECK(a->status == b->status && a->err_abs == b->err_abs,
          "%s: status %d at %lld vs %d at %lld", what, a->status, (long long)a->err_abs,
          b->status, (long long)b->err_abs);
    CHECK(a->end_abs == b->end_abs, "%s: stopped at %lld vs %lld", what,
          (long long)a->end_abs, (long long)b->end_abs);
    CHECK(a->arena_len == b->arena_len && memcmp(a->arena, b->arena, (size_t)a->arena_len) == 0,
          "%s: the words differ", what);
    CHECK(memcmp(a->pos, b->pos, (size_t)a->n * sizeof(int64_t)) == 0,
          "%s: record offsets differ", what);
    CHECK(cmp_floats(a->mat, b->mat, a->n * dim, 1), "%s: the vectors differ", what);
    CHECK(a->nonfinite == b->nonfinite && a->first_nonfinite == b->first_nonfinite,
          "%s: non-finite rows differ", what);
}

/* ---- duplicates: w2v_find_duplicates vs sorting -------------------------------- */

static const char *g_arena;
static const int64_t *g_starts;

static int cmp_word(const void *x, const void *y) {
    int64_t i = *(const int64_t *)x, j = *(const int64_t *)y;
    int64_t li = g_starts[i + 1] - g_starts[i] - 1, lj = g_starts[j + 1] - g_starts[j] - 1;
    int c = memcmp(g_arena + g_starts[i], g_arena + g_starts[j], (size_t)(li < lj ? li : lj));
    if (c == 0) c = (li > lj) - (li < lj);
    if (c == 0) c = (i > j) - (i < j);
    return c;
}

static void check_duplicates(const char *arena_src, int64_t len, int64_t n, int64_t grow) {
    char *arena = (char *)fz_dup((const uint8_t *)arena_src, (size_t)len);
    int64_t tsize = 16; /* _vecio.find_duplicates' sizing */
    while (tsize < 2 * n) tsize *= 2;
    tsize <<= grow; /* any power of two >= 2n is allowed */
    int64_t *starts = (int64_t *)fz_alloc((size_t)(n + 1) * sizeof(int64_t));
    int64_t *table = (int64_t *)fz_alloc((size_t)tsize * sizeof(int64_t));
    int64_t *dups = (int64_t *)fz_alloc((size_t)n * sizeof(int64_t));
    int64_t got = w2v_find_duplicates(arena, len, n, starts, table, tsize, dups);
    int64_t *order = (int64_t *)fz_alloc((size_t)n * sizeof(int64_t));
    char *is_dup = (char *)fz_alloc((size_t)n);
    for (int64_t i = 0; i < n; i++) order[i] = i;
    g_arena = arena;
    g_starts = starts;
    qsort(order, (size_t)n, sizeof(int64_t), cmp_word);
    memset(is_dup, 0, (size_t)n);
    int64_t want = 0;
    for (int64_t k = 1; k < n; k++) {
        int64_t i = order[k - 1], j = order[k];
        int64_t li = starts[i + 1] - starts[i], lj = starts[j + 1] - starts[j];
        if (li == lj && memcmp(arena + starts[i], arena + starts[j], (size_t)li) == 0) {
            is_dup[j] = 1; /* sorted by index within equal words: j repeats i */
            want++;
        }
    }
    CHECK(got == want, "find_duplicates: %lld repeats, sorting finds %lld", (long long)got,
          (long long)want);
    for (int64_t k = 0; k < got; k++) {
        CHECK(dups[k] >= 0 && dups[k] < n && is_dup[dups[k]], "find_duplicates: %lld is no repeat",
              (long long)dups[k]);
        CHECK(k == 0 || dups[k] > dups[k - 1], "find_duplicates: repeats out of order");
    }
    free(order);
    free(is_dup);
    free(starts);
    free(table);
    free(dups);
    free(arena);
}

/* An arena holding fewer than the n words asked for is refused, not read past. */
static void check_short_arena(const char *arena_src, int64_t len, int64_t n) {
    char *arena = (char *)fz_dup((const uint8_t *)arena_src, (size_t)len);
    int64_t m = n + 1, tsize = 16;
    while (tsize < 2 * m) tsize *= 2;
    int64_t *starts = (int64_t *)fz_alloc((size_t)(m + 1) * sizeof(int64_t));
    int64_t *table = (int64_t *)fz_alloc((size_t)tsize * sizeof(int64_t));
    int64_t *dups = (int64_t *)fz_alloc((size_t)m * sizeof(int64_t));
    CHECK(w2v_find_duplicates(arena, len, m, starts, table, tsize, dups) == -1,
          "find_duplicates: an arena of %lld words read as %lld", (long long)n, (long long)m);
    free(starts);
    free(table);
    free(dups);
    free(arena);
}

/* ---- the formatter on what the parser produced, and back ------------------------ */

static void round_trip(const outcome *o, int64_t dim, int binary, int64_t slack) {
    int64_t n = o->n;
    int64_t *starts = (int64_t *)fz_alloc((size_t)(n + 1) * sizeof(int64_t));
    int64_t wmax = 1, p = 0;
    for (int64_t i = 0; i < n; i++) {
        starts[i] = p;
        p = (int64_t)((const char *)memchr(o->arena + p, '\n', (size_t)(o->arena_len - p)) -
                      o->arena) + 1;
        if (p - starts[i] > wmax) wmax = p - starts[i];
    }
    starts[n] = p;
    /* vectors_io.write's sizing: the largest record, plus the fuzzer's slack */
    int64_t cap = wmax + 2 + (binary ? 4 * dim : dim * (W2V_TEXT_NUMBER_MAX + 1)) + slack;
    int64_t total_cap = n * cap + 1, total = 0, i = 0;
    char *all = (char *)fz_alloc((size_t)total_cap);
    char *out = (char *)fz_alloc((size_t)cap);
    while (i < n) {
        int64_t next = -1;
        int64_t k = w2v_format_records(o->arena, starts, o->mat, dim, i, n - i, binary, out,
                                       cap, &next);
        CHECK(k > 0 && k <= cap, "format: %lld bytes into %lld", (long long)k, (long long)cap);
        CHECK(next > i && next <= n, "format: next %lld after %lld of %lld", (long long)next,
              (long long)i, (long long)n);
        CHECK(total + k <= total_cap, "format: records longer than the bound");
        memcpy(all + total, out, (size_t)k);
        total += k;
        i = next;
    }
    outcome back;
    w2v_io_result res;
    outcome_init(&back, total, dim);
    int st;
    if (binary)
        st = w2v_parse_binary((const unsigned char *)all, total, dim, back.mat, n, back.pos,
                              back.arena, 1 << 20, &res);
    else
        st = w2v_parse_text((const unsigned char *)all, total, 1, dim, back.mat, n, back.pos,
                            back.arena, 1 << 30, &res);
    /* binary: the '\n' after the last vector is left for a next record (none comes) */
    CHECK(st == W2V_IO_OK && res.records == n && res.consumed == total - binary,
          "%s round trip: status %d, %lld of %lld records, %lld of %lld bytes",
          binary ? "binary" : "text", st, (long long)res.records, (long long)n,
          (long long)res.consumed, (long long)total);
    CHECK(res.words_len == o->arena_len && memcmp(back.arena, o->arena, (size_t)o->arena_len) == 0,
          "%s round trip: words differ", binary ? "binary" : "text");
    CHECK(cmp_floats(back.mat, o->mat, n * dim, binary),
          "%s round trip: vectors differ", binary ? "binary" : "text");
    outcome_free(&back);
    free(all);
    free(out);
    free(starts);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz_bytes in = {data, size};
    uint8_t s_dim = fz_u8(&in), s_cap = fz_u8(&in), s_want = fz_u8(&in), s_len = fz_u8(&in),
            s_misc = fz_u8(&in);
    int64_t dim = 1 + s_dim % 8;
    int64_t cap = 1 + s_cap;           /* the loader's first buffer (1 MiB there) */
    int64_t want = 1 + s_want % 8;     /* records per call */
    int64_t max_len;                   /* max_word (binary) or max_line (text) */
    if (s_len & 0x80) max_len = 1 << 16;
    else max_len = FUZZ_BINARY ? 1 + (s_len & 0x7f) : 1 + 4 * (s_len & 0x7f);
    const uint8_t *body = in.p;
    int64_t len = (int64_t)in.n;

    outcome blocks, whole;
    outcome_init(&blocks, len, dim);
    outcome_init(&whole, len, dim);
    parse_in_blocks(body, len, dim, cap, want, max_len, &blocks);
    if (len > 0) {
        w2v_io_result res;
        parse_checked(body, len, 1, dim, len / 2 + 1, max_len, &whole, 0, &res);
        whole.end_abs = res.consumed;
    }
    same_outcome(&blocks, &whole, dim, "blocks vs one call");

    if (whole.n > 0) {
        check_duplicates(whole.arena, whole.arena_len, whole.n, s_misc & 3);
        check_short_arena(whole.arena, whole.arena_len, whole.n);
        round_trip(&whole, dim, 1, (s_misc >> 2) & 15);
        round_trip(&whole, dim, 0, (s_misc >> 2) & 15);
    }
    outcome_free(&blocks);
    outcome_free(&whole);
    return 0;
}
