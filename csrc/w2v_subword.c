/*
 * w2v_subword.c -- fastText's character n-grams and their hash
 * (w2v_subword.h).
 */
#include <stddef.h>
#include <stdint.h>

#include "w2v_subword.h"

#define FNV_OFFSET UINT32_C(2166136261)
#define FNV_PRIME UINT32_C(16777619)

/* One byte into the hash: sign-extended through int8_t, as fastText does. */
static inline uint32_t fnv_step(uint32_t h, unsigned char c)
{
    return (h ^ (uint32_t)(int32_t)(int8_t)c) * FNV_PRIME;
}

uint32_t w2v_ngram_hash(const char *s, int64_t n)
{
    uint32_t h = FNV_OFFSET;
    int64_t i;
    for (i = 0; i < n; i++)
        h = fnv_step(h, (unsigned char)s[i]);
    return h;
}

/* Byte i of "<" + word + ">" (0 <= i < n + 2). */
static inline unsigned char at(const char *word, int64_t n, int64_t i)
{
    return i == 0 ? '<' : i == n + 1 ? '>' : (unsigned char)word[i - 1];
}

static inline int continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

int64_t w2v_ngrams(const char *word, int64_t n, int minn, int maxn, uint32_t buckets,
                   int32_t *out, int64_t *starts, int64_t *lens, int64_t cap)
{
    const int64_t len = n + 2;
    int64_t i, count = 0;
    for (i = 0; i < len; i++) {
        uint32_t h = FNV_OFFSET;
        int64_t j = i;
        int cps;
        if (continuation(at(word, n, i)))
            continue;
        /* the n-grams starting at i, one code point longer each time; hashing
           byte by byte as the n-gram grows gives each one's hash */
        for (cps = 1; j < len && cps <= maxn; cps++) {
            h = fnv_step(h, at(word, n, j++));
            while (j < len && continuation(at(word, n, j)))
                h = fnv_step(h, at(word, n, j++));
            if (cps >= minn && !(cps == 1 && (i == 0 || j == len))) {
                if (count < cap) {
                    out[count] = (int32_t)(h % buckets);
                    if (starts)
                        starts[count] = i;
                    if (lens)
                        lens[count] = j - i;
                }
                count++;
            }
        }
    }
    return count;
}

void w2v_vocab_ngram_rows(const char *text, const int64_t *starts, int64_t nwords,
                          int64_t skip, int minn, int maxn, uint32_t buckets, int64_t *offsets,
                          int32_t *rows)
{
    int64_t w;
    if (!rows)
        offsets[0] = 0;
    for (w = 0; w < nwords; w++) {
        const char *s = text + starts[w];
        const int64_t n = starts[w + 1] - starts[w];
        int64_t at_row = offsets[w], k = 0;
        if (maxn > 0 && w != skip) {
            if (rows) {
                k = w2v_ngrams(s, n, minn, maxn, buckets, rows + at_row + 1, NULL, NULL,
                               offsets[w + 1] - at_row - 1);
                for (int64_t j = 0; j < k; j++)
                    rows[at_row + 1 + j] += (int32_t)nwords;
            } else {
                k = w2v_ngrams(s, n, minn, maxn, buckets, NULL, NULL, NULL, 0);
            }
        }
        if (rows)
            rows[at_row] = (int32_t)w;
        else
            offsets[w + 1] = offsets[w] + 1 + k;
    }
}
