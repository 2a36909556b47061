/*
 * w2v_vecio.c -- see w2v_vecio.h.  Everything here works on caller-owned buffers and
 * stops at the first malformed byte with a status and its offset; Python turns that
 * into a ValueError naming the file.
 */
#include "w2v_vecio.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__) && \
    __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define W2V_BIG_ENDIAN 1
#else
#define W2V_BIG_ENDIAN 0
#endif

/* The files hold little-endian float32; on the (rare) big-endian host swap bytes. */
static inline void copy_le_floats(float *dst, const unsigned char *src, int64_t n) {
#if W2V_BIG_ENDIAN
    for (int64_t i = 0; i < n; i++) {
        unsigned char b[4] = {src[4 * i + 3], src[4 * i + 2], src[4 * i + 1], src[4 * i]};
        memcpy(dst + i, b, 4);
    }
#else
    memcpy(dst, src, (size_t)n * 4);
#endif
}

static inline void store_le_floats(unsigned char *dst, const float *src, int64_t n) {
#if W2V_BIG_ENDIAN
    for (int64_t i = 0; i < n; i++) {
        unsigned char b[4];
        memcpy(b, src + i, 4);
        dst[4 * i] = b[3]; dst[4 * i + 1] = b[2]; dst[4 * i + 2] = b[1]; dst[4 * i + 3] = b[0];
    }
#else
    memcpy(dst, src, (size_t)n * 4);
#endif
}

/* 1 if any value of row[0, dim) is NaN or infinite (all exponent bits set). */
static inline int row_nonfinite(const float *row, int64_t dim) {
    uint32_t hit = 0;
    for (int64_t i = 0; i < dim; i++) {
        uint32_t u;
        memcpy(&u, row + i, 4);
        hit |= (uint32_t)((u & 0x7f800000u) == 0x7f800000u);
    }
    return hit != 0;
}

static void note_row(w2v_io_result *res, const float *row, int64_t dim, int64_t r) {
    if (row_nonfinite(row, dim)) {
        if (res->first_nonfinite < 0) res->first_nonfinite = r;
        res->nonfinite_rows++;
    }
}

static void result_init(w2v_io_result *res) {
    res->consumed = 0;
    res->records = 0;
    res->words_len = 0;
    res->err_pos = -1;
    res->nonfinite_rows = 0;
    res->first_nonfinite = -1;
}

/* ---------------------------------------------------------------- binary --------- */

int w2v_parse_binary(const unsigned char *buf, int64_t len, int64_t dim, float *out,
                     int64_t max_records, int64_t *rec_pos, char *words, int64_t max_word,
                     w2v_io_result *res) {
    int64_t pos = 0, r = 0, wl = 0;
    const int64_t vbytes = 4 * dim;
    int status = W2V_IO_OK;
    result_init(res);
    while (r < max_records) {
        int64_t p = pos;
        /* the '\n' word2vec.c writes after each vector (gensim writes none) */
        while (p < len && buf[p] == '\n') p++;
        if (p >= len) break;
        int64_t window = len - p;
        if (window > max_word + 1) window = max_word + 1;
        const unsigned char *sp = memchr(buf + p, ' ', (size_t)window);
        if (sp == NULL) {
            if (len - p > max_word) {
                status = W2V_IO_WORD_TOO_LONG;
                res->err_pos = p;
            }
            break; /* otherwise: the word continues in the next block */
        }
        int64_t wlen = (int64_t)(sp - (buf + p));
        if (wlen == 0) {
            status = W2V_IO_EMPTY_WORD;
            res->err_pos = p;
            break;
        }
        if (memchr(buf + p, '\n', (size_t)wlen) != NULL) {
            /* word2vec.c would drop it, gensim keep it: either way the file is damaged */
            status = W2V_IO_NEWLINE_IN_WORD;
            res->err_pos = p;
            break;
        }
        int64_t vstart = p + wlen + 1;
        if (len - vstart < vbytes) break; /* vector continues in the next block */
        float *row = out + r * dim;
        copy_le_floats(row, buf + vstart, dim);
        note_row(res, row, dim, r);
        memcpy(words + wl, buf + p, (size_t)wlen);
        wl += wlen;
        words[wl++] = '\n';
        rec_pos[r] = p;
        r++;
        pos = vstart + vbytes;
    }
    res->consumed = pos;
    res->records = r;
    res->words_len = wl;
    return status;
}

/* ---------------------------------------------------------------- numbers -------- */

static const double kPow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                  1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                  1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* strtod for the tokens the fast path declines (nan, inf, >19 digits, huge exponents).
 * strtod follows LC_NUMERIC, so the '.' of the file is swapped for the locale's point. */
static int parse_float_slow(const unsigned char *s, int64_t n, double *out) {
    char tmp[512];
    const char *dp = localeconv()->decimal_point;
    size_t dpl = (dp && dp[0]) ? strlen(dp) : 1;
    int64_t k = 0;
    if (n <= 0) return -1;
    for (int64_t i = 0; i < n; i++) {
        if (s[i] == 0) return -1;
        if (s[i] == '.' && dp && !(dp[0] == '.' && dp[1] == 0)) {
            if (k + (int64_t)dpl >= (int64_t)sizeof(tmp)) return -1;
            memcpy(tmp + k, dp, dpl);
            k += (int64_t)dpl;
        } else {
            if (k + 1 >= (int64_t)sizeof(tmp)) return -1;
            tmp[k++] = (char)s[i];
        }
    }
    tmp[k] = 0;
    /* strtod would skip leading blanks; a token never has them */
    char *end = NULL;
    double d = strtod(tmp, &end);
    if (end != tmp + k) return -1;
    *out = d;
    return 0;
}

int w2v_parse_float(const unsigned char *s, int64_t n, float *value) {
    /* Clinger's fast path: a mantissa of at most 2^53 times an exact power of ten
     * (|e| <= 22) is one correctly rounded IEEE operation, the same double strtod
     * gives; the double is then rounded to float, as numpy's float32(str) and gensim do. */
    int64_t i = 0;
    int neg = 0, any = 0, dropped = 0, digits = 0;
    uint64_t m = 0;
    int64_t e10 = 0;
    double d;
    if (i < n && (s[i] == '+' || s[i] == '-')) {
        neg = s[i] == '-';
        i++;
    }
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
        unsigned dg = (unsigned)(s[i] - '0');
        any = 1;
        if (m == 0 && dg == 0) continue;
        if (digits < 19) {
            m = m * 10 + dg;
            digits++;
        } else {
            e10++;
            dropped |= dg != 0;
        }
    }
    if (i < n && s[i] == '.') {
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
            unsigned dg = (unsigned)(s[i] - '0');
            any = 1;
            if (m == 0 && dg == 0) {
                e10--;
            } else if (digits < 19) {
                m = m * 10 + dg;
                digits++;
                e10--;
            } else {
                dropped |= dg != 0;
            }
        }
    }
    if (!any) goto slow;
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        int eneg = 0, edig = 0;
        int64_t ev = 0;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) {
            eneg = s[i] == '-';
            i++;
        }
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
            if (ev < 100000) ev = ev * 10 + (s[i] - '0');
            edig = 1;
        }
        if (!edig) return -1;
        e10 += eneg ? -ev : ev;
    }
    if (i != n) goto slow;
    if (m == 0) {
        *value = neg ? -0.0f : 0.0f;
        return 0;
    }
    if (dropped || m > (UINT64_C(1) << 53) || e10 > 22 || e10 < -22) goto slow;
    d = (double)m;
    if (e10 > 0) d *= kPow10[e10];
    else if (e10 < 0) d /= kPow10[-e10];
    *value = (float)(neg ? -d : d);
    return 0;
slow:
    if (parse_float_slow(s, n, &d) != 0) return -1;
    *value = (float)d;
    return 0;
}

/* ---------------------------------------------------------------- text ----------- */

static inline int is_blank(unsigned char c) { return c == ' ' || c == '\t' || c == '\r'; }

int w2v_parse_text(const unsigned char *buf, int64_t len, int at_eof, int64_t dim, float *out,
                   int64_t max_records, int64_t *rec_pos, char *words, int64_t max_line,
                   w2v_io_result *res) {
    int64_t pos = 0, r = 0, wl = 0;
    int status = W2V_IO_OK;
    result_init(res);
    while (r < max_records && pos < len) {
        const unsigned char *line = buf + pos;
        int64_t avail = len - pos, linelen, adv;
        int64_t window = avail > max_line ? max_line + 1 : avail;
        const unsigned char *nl = memchr(line, '\n', (size_t)window);
        if (nl != NULL) {
            linelen = (int64_t)(nl - line);
            adv = linelen + 1;
        } else {
            if (avail > max_line) {
                status = W2V_IO_LINE_TOO_LONG;
                res->err_pos = pos;
                break;
            }
            if (!at_eof) break; /* the line continues in the next block */
            linelen = avail;
            adv = avail;
        }
        int64_t e = linelen;
        while (e > 0 && is_blank(line[e - 1])) e--; /* trailing spaces (word2vec.c), CR */
        if (e == 0) {
            status = W2V_IO_BLANK_LINE;
            res->err_pos = pos;
            break;
        }
        const unsigned char *sp = memchr(line, ' ', (size_t)e);
        int64_t wlen = sp ? (int64_t)(sp - line) : e;
        if (wlen == 0) {
            status = W2V_IO_EMPTY_WORD;
            res->err_pos = pos;
            break;
        }
        float *row = out + r * dim;
        int64_t p = wlen, k;
        for (k = 0; k < dim; k++) {
            while (p < e && (line[p] == ' ' || line[p] == '\t')) p++;
            if (p >= e) break;
            int64_t t = p;
            while (p < e && line[p] != ' ' && line[p] != '\t') p++;
            if (w2v_parse_float(line + t, p - t, row + k) != 0) {
                status = W2V_IO_BAD_NUMBER;
                res->err_pos = pos + t;
                break;
            }
        }
        if (status != W2V_IO_OK) break;
        if (k < dim) {
            status = W2V_IO_FEW_NUMBERS;
            res->err_pos = pos;
            break;
        }
        while (p < e && (line[p] == ' ' || line[p] == '\t')) p++;
        if (p < e) {
            status = W2V_IO_MANY_NUMBERS;
            res->err_pos = pos + p;
            break;
        }
        note_row(res, row, dim, r);
        memcpy(words + wl, line, (size_t)wlen);
        wl += wlen;
        words[wl++] = '\n';
        rec_pos[r] = pos;
        r++;
        pos += adv;
    }
    res->consumed = pos;
    res->records = r;
    res->words_len = wl;
    return status;
}

/* ---------------------------------------------------------------- writing -------- */

/* Shortest of 7, 8 or 9 significant digits that reads back as x (9 always does for
 * float32).  snprintf follows LC_NUMERIC; the locale's point is turned back into '.'. */
static int format_number(float x, char *dst, const char *dp, size_t dpl, int dp_is_dot) {
    int n = 0;
    if (isnan(x)) { /* the sign survives (strtod reads "-nan"), the payload does not */
        if (signbit(x)) {
            memcpy(dst, "-nan", 4);
            return 4;
        }
        memcpy(dst, "nan", 3);
        return 3;
    }
    if (isinf(x)) {
        if (x < 0) {
            memcpy(dst, "-inf", 4);
            return 4;
        }
        memcpy(dst, "inf", 3);
        return 3;
    }
    for (int prec = 7; prec <= 9; prec++) {
        n = snprintf(dst, W2V_TEXT_NUMBER_MAX, "%.*g", prec, (double)x);
        if (!dp_is_dot) {
            char *q = strstr(dst, dp);
            if (q) {
                *q = '.';
                memmove(q + 1, q + dpl, strlen(q + dpl) + 1);
                n -= (int)dpl - 1;
            }
        }
        float back;
        if (prec == 9) break;
        if (w2v_parse_float((const unsigned char *)dst, n, &back) == 0 && back == x) break;
    }
    return n;
}

int64_t w2v_format_records(const char *words, const int64_t *starts, const float *vecs,
                           int64_t dim, int64_t first, int64_t count, int binary,
                           char *out, int64_t cap, int64_t *next) {
    int64_t o = 0, i;
    const char *dp = localeconv()->decimal_point;
    if (dp == NULL || dp[0] == 0) dp = ".";
    size_t dpl = strlen(dp);
    int dp_is_dot = dpl == 1 && dp[0] == '.';
    for (i = first; i < first + count; i++) {
        int64_t wlen = starts[i + 1] - 1 - starts[i];
        const float *row = vecs + i * dim;
        int64_t need = binary ? wlen + 2 + 4 * dim : wlen + 1 + dim * W2V_TEXT_NUMBER_MAX;
        if (cap - o < need) break;
        memcpy(out + o, words + starts[i], (size_t)wlen);
        o += wlen;
        if (binary) {
            out[o++] = ' ';
            store_le_floats((unsigned char *)out + o, row, dim);
            o += 4 * dim;
        } else {
            for (int64_t k = 0; k < dim; k++) {
                out[o++] = ' ';
                o += format_number(row[k], out + o, dp, dpl, dp_is_dot);
            }
        }
        out[o++] = '\n';
    }
    *next = i;
    return o;
}

/* ---------------------------------------------------------------- duplicates ----- */

/* FNV-1a: a few cycles per byte, plenty for words that are mostly < 20 bytes. */
static inline uint64_t hash_bytes(const unsigned char *p, int64_t n) {
    uint64_t h = UINT64_C(14695981039346656037);
    for (int64_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= UINT64_C(1099511628211);
    }
    return h ^ (h >> 29);
}

int64_t w2v_find_duplicates(const char *words, int64_t len, int64_t n, int64_t *starts,
                            int64_t *table, int64_t tsize, int64_t *dups) {
    const unsigned char *w = (const unsigned char *)words;
    int64_t pos = 0, ndup = 0;
    uint64_t mask = (uint64_t)tsize - 1;
    for (int64_t i = 0; i < n; i++) {
        const unsigned char *nl = memchr(w + pos, '\n', (size_t)(len - pos));
        if (nl == NULL) return -1;
        starts[i] = pos;
        pos = (int64_t)(nl - w) + 1;
    }
    starts[n] = pos;
    for (int64_t s = 0; s < tsize; s++) table[s] = -1;
    /* open addressing, linear probing; table at most half full */
    for (int64_t i = 0; i < n; i++) {
        int64_t wl = starts[i + 1] - starts[i] - 1;
        uint64_t slot = hash_bytes(w + starts[i], wl) & mask;
        for (;;) {
            int64_t j = table[slot];
            if (j < 0) {
                table[slot] = i;
                break;
            }
            if (starts[j + 1] - starts[j] - 1 == wl &&
                memcmp(w + starts[j], w + starts[i], (size_t)wl) == 0) {
                dups[ndup++] = i;
                break;
            }
            slot = (slot + 1) & mask;
        }
    }
    return ndup;
}
