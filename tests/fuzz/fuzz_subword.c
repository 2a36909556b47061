/*
 * fuzz_subword.c -- libFuzzer harness for fastText's character n-grams
 * (csrc/w2v_subword.h): w2v_ngrams over any bytes (a word from a user's text or
 * from a fastText .bin's dictionary: invalid UTF-8, NUL, lone continuation bytes),
 * and w2v_vocab_ngram_rows over a vocabulary of such words.
 *
 * Input: 3 setting bytes (minn, maxn, buckets), then the words, separated by 0xFF.
 * Every word's n-grams must equal a plain statement of the rule (the code points of
 * "<" + word + ">" as lead bytes and the continuation bytes 10xxxxxx after them,
 * every run of minn..maxn of them but the one-code-point "<" and ">", hashed with
 * FNV-1a over int8_t-extended bytes), written within cap (a cap smaller than the
 * count writes exactly cap entries); the vocabulary's CSR must list each word's own
 * row then nwords + its buckets, and none for the skipped word.
 */
#include "fuzz_common.h"
#include "w2v_subword.h"

static uint32_t ref_hash(const uint8_t *s, int64_t n) {
    uint32_t h = 2166136261u;
    for (int64_t i = 0; i < n; i++) {
        h ^= (uint32_t)(int32_t)(int8_t)s[i];
        h *= 16777619u;
    }
    return h;
}

/* The reference n-grams of word (n bytes): bucket, start and length of each. */
static int64_t ref_ngrams(const uint8_t *word, int64_t n, int minn, int maxn, uint32_t buckets,
                          int32_t *out, int64_t *st, int64_t *ln) {
    int64_t len = n + 2, nb = 0, k = 0;
    uint8_t *b = (uint8_t *)fz_alloc((size_t)len);
    int64_t *bound = (int64_t *)fz_alloc((size_t)(len + 1) * sizeof(int64_t));
    b[0] = '<';
    if (n) memcpy(b + 1, word, (size_t)n);
    b[len - 1] = '>';
    for (int64_t i = 0; i < len; i++)
        if ((b[i] & 0xC0) != 0x80) bound[nb++] = i;
    bound[nb] = len; /* code point c spans [bound[c], bound[c+1]) */
    for (int64_t c = 0; c < nb; c++) {
        for (int64_t m = minn; m <= maxn && c + m <= nb; m++) {
            int64_t a = bound[c], e = bound[c + m];
            if (m == 1 && (a == 0 || e == len)) continue;
            out[k] = (int32_t)(ref_hash(b + a, e - a) % buckets);
            st[k] = a;
            ln[k] = e - a;
            k++;
        }
    }
    free(b);
    free(bound);
    return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz_bytes in = {data, size};
    int minn = 1 + fz_u8(&in) % 7;
    int maxn = minn + fz_u8(&in) % 6;
    uint32_t buckets = 1 + (uint32_t)fz_u8(&in) * 977u;
    uint8_t *text = fz_dup(in.p, in.n);
    int64_t n = (int64_t)in.n, nwords = 0;
    int64_t *starts = (int64_t *)fz_alloc((size_t)(n + 2) * sizeof(int64_t));
    /* words separated by 0xFF: the separators are dropped, the rest packed */
    uint8_t *packed = (uint8_t *)fz_alloc((size_t)(n ? n : 1));
    int64_t plen = 0;
    starts[0] = 0;
    for (int64_t i = 0; i <= n; i++) {
        if (i == n || text[i] == 0xFF) {
            starts[++nwords] = plen;
            continue;
        }
        packed[plen++] = text[i];
    }
    int64_t total = 0;
    for (int64_t w = 0; w < nwords; w++) {
        const uint8_t *word = packed + starts[w];
        int64_t wl = starts[w + 1] - starts[w], cap = (wl + 2) * 6 + 1;
        int32_t *got = (int32_t *)fz_alloc((size_t)cap * sizeof(int32_t));
        int64_t *gs = (int64_t *)fz_alloc((size_t)cap * sizeof(int64_t));
        int64_t *gl = (int64_t *)fz_alloc((size_t)cap * sizeof(int64_t));
        int32_t *want = (int32_t *)fz_alloc((size_t)cap * sizeof(int32_t));
        int64_t *ws = (int64_t *)fz_alloc((size_t)cap * sizeof(int64_t));
        int64_t *wln = (int64_t *)fz_alloc((size_t)cap * sizeof(int64_t));
        int64_t k = w2v_ngrams((const char *)word, wl, minn, maxn, buckets, got, gs, gl, cap);
        int64_t kr = ref_ngrams(word, wl, minn, maxn, buckets, want, ws, wln);
        CHECK(k == kr, "word %lld: %lld n-grams, the rule gives %lld", (long long)w,
              (long long)k, (long long)kr);
        CHECK(k == w2v_ngrams((const char *)word, wl, minn, maxn, buckets, NULL, NULL, NULL, 0),
              "counting alone gives another number");
        for (int64_t j = 0; j < k; j++)
            CHECK(got[j] == want[j] && gs[j] == ws[j] && gl[j] == wln[j],
                  "word %lld n-gram %lld: bucket %d at %lld+%lld, the rule: %d at %lld+%lld",
                  (long long)w, (long long)j, got[j], (long long)gs[j], (long long)gl[j],
                  want[j], (long long)ws[j], (long long)wln[j]);
        /* a short buffer: exactly cap entries written, the count still whole */
        if (k > 1) {
            int32_t *part = (int32_t *)fz_alloc((size_t)(k / 2) * sizeof(int32_t));
            CHECK(w2v_ngrams((const char *)word, wl, minn, maxn, buckets, part, NULL, NULL,
                             k / 2) == k, "a short buffer changes the count");
            CHECK(!memcmp(part, want, (size_t)(k / 2) * sizeof(int32_t)), "short buffer");
            free(part);
        }
        total += 1 + k;
        free(got); free(gs); free(gl); free(want); free(ws); free(wln);
    }
    /* the vocabulary's rows, the middle word skipped (fastText's "</s>") */
    int64_t skip = nwords / 2;
    int64_t *offs = (int64_t *)fz_alloc((size_t)(nwords + 1) * sizeof(int64_t));
    w2v_vocab_ngram_rows((const char *)packed, starts, nwords, skip, minn, maxn, buckets, offs,
                         NULL);
    CHECK(offs[0] == 0 && offs[nwords] <= total, "sizing pass: %lld rows", (long long)offs[nwords]);
    int32_t *rows = (int32_t *)fz_alloc((size_t)(offs[nwords] ? offs[nwords] : 1) * sizeof(int32_t));
    w2v_vocab_ngram_rows((const char *)packed, starts, nwords, skip, minn, maxn, buckets, offs,
                         rows);
    for (int64_t w = 0; w < nwords; w++) {
        int64_t wl = starts[w + 1] - starts[w], cnt = offs[w + 1] - offs[w];
        CHECK(cnt >= 1 && rows[offs[w]] == (int32_t)w, "word %lld: own row first", (long long)w);
        int64_t k = w == skip ? 0 : w2v_ngrams((const char *)packed + starts[w], wl, minn,
                                               maxn, buckets, NULL, NULL, NULL, 0);
        CHECK(cnt == 1 + k, "word %lld: %lld rows for %lld n-grams", (long long)w,
              (long long)cnt, (long long)k);
        for (int64_t j = 1; j < cnt; j++)
            CHECK(rows[offs[w] + j] >= nwords && rows[offs[w] + j] < nwords + (int64_t)buckets,
                  "word %lld: row %d outside the buckets", (long long)w, rows[offs[w] + j]);
    }
    free(rows); free(offs); free(starts); free(packed); free(text);
    return 0;
}
