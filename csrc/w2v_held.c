/* w2v_held.c -- phrases counted and rewritten from held token ids; see w2v_held.h. */
#include "w2v_held.h"
#include "w2v_portable.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void w2v_held_remap(int32_t *ids, int64_t n, const int64_t *map)
{
    int64_t i;
    for (i = 0; i < n; i++)
        if (ids[i] >= 0)
            ids[i] = (int32_t)map[ids[i]];
}

int32_t w2v_held_tail(const int32_t *ids, int64_t n, int32_t prev, int cross_lines)
{
    int64_t i;
    for (i = n - 1; i >= 0; i--) {
        if (ids[i] >= 0)
            return ids[i];
        if (!cross_lines)
            return -1;
    }
    return prev;
}

/* ---- which pairs may pass ------------------------------------------------------ */

/* Keys: a << shift | b, shift = bits of the largest of n numbers. */
static inline int key_shift(int64_t n_words)
{
    int s = 1;
    while (s < 62 && ((int64_t)1 << s) < n_words)
        s++;
    return s;
}

/* The relative slack of the per-word bound below: far above float rounding. */
#define MAY_SLACK 1e-6

int w2v_held_filter_init(w2v_held_filter *f, int scoring, int64_t min_count, double threshold,
                         int64_t train_words, const int64_t *counts, int64_t n_words)
{
    int64_t w;
    size_t n = (size_t)(n_words > 0 ? n_words : 1);
    memset(f, 0, sizeof(*f));
    f->rule = w2v_make_rule(scoring, min_count, threshold, train_words);
    f->filter = scoring != W2V_PHR_ALL;
    /* one block: dcounts, then dense, then word */
    f->dcounts = (int64_t *)malloc(n * (sizeof(int64_t) + 2 * sizeof(int32_t)));
    if (!f->dcounts)
        return W2V_SCAN_ENOMEM;
    f->dense = (int32_t *)(f->dcounts + n);
    f->word = f->dense + n;
    for (w = 0; w < n_words; w++) {
        int64_t c = counts[w];
        int ok = !f->filter || c >= min_count;
        /* word2phrase: over partners b, (min(c, cb) - min_count) / c / cb * N is
           largest at cb = c (in real arithmetic; the slack covers the floats) */
        if (ok && f->filter && scoring == W2V_PHR_WORD2PHRASE)
            ok = (double)(c - min_count) / (double)c / (double)c * (double)train_words
                 > threshold * (1.0 - MAY_SLACK);
        f->dense[w] = ok ? (int32_t)f->n_dense : -1;
        if (ok) {
            f->word[f->n_dense] = (int32_t)w;
            f->dcounts[f->n_dense++] = c;
        }
    }
    f->shift = key_shift(f->n_dense);
    f->key_bytes = 2 * f->shift <= 32 ? 4 : 8;
    return W2V_SCAN_OK;
}

void w2v_held_filter_free(w2v_held_filter *f)
{
    free(f->dcounts);
    memset(f, 0, sizeof(*f));
}

/* Whether a pair of words that may each pair, counted ca and cb times, may pass:
   with its count at the most it can be. */
static inline int may_pass(const w2v_held_filter *f, int64_t ca, int64_t cb)
{
    int64_t top = ca < cb ? ca : cb;
    double s = 0.0;
    if (!f->filter)
        return 1;
    if (f->rule.scoring == W2V_PHR_WORD2PHRASE)
        return w2v_pair_passes(&f->rule, ca, cb, top, &s); /* exact: float steps are monotone */
    /* npmi grows with the pair count; a small slack for the logarithms */
    if (!w2v_pair_passes(&f->rule, ca, cb, top, &s))
        return !(s <= f->rule.threshold - 1e-9) || top >= f->rule.train_words;
    return 1;
}

uint64_t w2v_held_max_key(const w2v_held_filter *f)
{
    return ((uint64_t)1 << (2 * f->shift)) - 1;
}

/* the loop of w2v_held_pairs, for keys of type T */
#define HELD_PAIRS(T)                                                                  \
    for (i = 0; i < n; i++) {                                                          \
        int32_t w = ids[i], d;                                                         \
        if (w < 0) {                                                                   \
            if (!cross_lines)                                                          \
                dp = -1;                                                               \
            continue;                                                                  \
        }                                                                              \
        d = dense[w];                                                                  \
        if (dp >= 0 && d >= 0 && may_pass(f, dc[dp], dc[d]))                           \
            ((T *)keys)[k++] = (T)((uint64_t)dp << shift | (uint64_t)d);               \
        dp = d;                                                                        \
    }

int64_t w2v_held_pairs(const w2v_held_filter *f, const int32_t *ids, int64_t n, int32_t prev,
                       int cross_lines, void *keys)
{
    const int32_t *dense = f->dense;
    const int64_t *dc = f->dcounts;
    int shift = f->shift;
    int64_t i, k = 0;
    int32_t dp = prev >= 0 ? dense[prev] : -1; /* the previous word's dense number */
    if (f->key_bytes == 4) {
        HELD_PAIRS(uint32_t)
    } else {
        HELD_PAIRS(uint64_t)
    }
    return k;
}

/* ---- sorting ---------------------------------------------------------------------- */

#define RADIX_MAX_BITS 11

/* LSD radix sort of keys[0..n) (of type T, below 2**bits), `passes` passes of
   `width` bits through tmp (hist: passes << width zeroed counters); `sorted` is
   set to the buffer that holds the sorted keys (keys or tmp). */
#define HELD_RADIX(T)                                                                  \
    {                                                                                  \
        T *src = (T *)keys, *dst = (T *)tmp, *sw;                                      \
        for (i = 0; i < n; i++)                                                        \
            for (p = 0; p < passes; p++)                                               \
                hist[(size_t)p * buckets + ((src[i] >> (p * width)) & (buckets - 1))]++; \
        for (p = 0; p < passes; p++) {                                                 \
            int64_t *h = hist + (size_t)p * buckets, sum = 0;                          \
            size_t d;                                                                  \
            for (d = 0; d < buckets; d++) {                                            \
                int64_t c = h[d];                                                      \
                if (c == n)                                                            \
                    break; /* one digit for every key: nothing to move */              \
                h[d] = sum;                                                            \
                sum += c;                                                              \
            }                                                                          \
            if (d < buckets)                                                           \
                continue;                                                              \
            for (i = 0; i < n; i++) {                                                  \
                T x = src[i];                                                          \
                dst[h[(x >> (p * width)) & (buckets - 1)]++] = x;                      \
            }                                                                          \
            sw = src;                                                                  \
            src = dst;                                                                 \
            dst = sw;                                                                  \
        }                                                                              \
        sorted = src;                                                                  \
    }

/* fold the equal keys of sorted[0..n) (type T) into out and counts */
#define HELD_FOLD(T)                                                                   \
    {                                                                                  \
        const T *src = (const T *)sorted;                                              \
        for (i = 0; i < n;) {                                                          \
            T x = src[i];                                                              \
            int64_t j = i + 1;                                                         \
            while (j < n && src[j] == x)                                               \
                j++;                                                                   \
            out[k] = (uint64_t)x;                                                      \
            counts[k++] = j - i;                                                       \
            i = j;                                                                     \
        }                                                                              \
    }

int64_t w2v_held_sort_runs(void *keys, int64_t n, int key_bytes, uint64_t max_key,
                           uint64_t *out, int64_t *counts)
{
    int bits = 0, passes, width, p;
    size_t buckets;
    int64_t i, k = 0, *hist;
    void *tmp, *sorted = keys;
    if (n == 0)
        return 0;
    while (bits < 64 && (max_key >> bits))
        bits++;
    if (key_bytes == 4 && bits > 32)
        bits = 32; /* no shift of a 4-byte key may reach 32 */
    passes = bits ? (bits + RADIX_MAX_BITS - 1) / RADIX_MAX_BITS : 0;
    width = passes ? (bits + passes - 1) / passes : 0;
    buckets = (size_t)1 << width;
    tmp = malloc((size_t)n * (size_t)key_bytes);
    hist = (int64_t *)w2v_malloc_zeroed((size_t)(passes ? passes : 1) * buckets * sizeof(int64_t));
    if (!tmp || !hist) {
        free(tmp);
        free(hist);
        return -1;
    }
    /* out[k] is written after keys[0..k] are read (k <= i): it may be keys itself
       when the keys take 8 bytes */
    if (key_bytes == 4) {
        HELD_RADIX(uint32_t)
        HELD_FOLD(uint32_t)
    } else {
        HELD_RADIX(uint64_t)
        HELD_FOLD(uint64_t)
    }
    free(tmp);
    free(hist);
    return k;
}

/* First index of keys[0..n) (ascending) with keys[i] >= x. */
static int64_t lower_bound(const uint64_t *keys, int64_t n, uint64_t x)
{
    int64_t lo = 0, hi = n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (keys[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}


int64_t w2v_held_score(const w2v_held_filter *f, int m, uint64_t *const *keys,
                       int64_t *const *counts, const int64_t *len, uint64_t lo, uint64_t hi,
                       uint32_t *out_a, uint32_t *out_b, int64_t *out_count, double *out_score,
                       int64_t cap)
{
    int64_t pos[W2V_HELD_MAX_RUNS], end[W2V_HELD_MAX_RUNS], k = 0;
    int shift = f->shift, i;
    uint64_t low_mask = ((uint64_t)1 << shift) - 1;
    if (m > W2V_HELD_MAX_RUNS)
        return -1;
    for (i = 0; i < m; i++) {
        pos[i] = lower_bound(keys[i], len[i], lo);
        end[i] = lower_bound(keys[i], len[i], hi);
    }
    for (;;) {
        uint64_t x = UINT64_MAX;
        int64_t cab = 0, ca, cb;
        uint32_t a, b;
        double score;
        int any = 0;
        for (i = 0; i < m; i++)
            if (pos[i] < end[i] && (!any || keys[i][pos[i]] < x)) {
                x = keys[i][pos[i]];
                any = 1;
            }
        if (!any)
            return k;
        for (i = 0; i < m; i++)
            if (pos[i] < end[i] && keys[i][pos[i]] == x)
                cab += counts[i][pos[i]++];
        a = (uint32_t)f->word[x >> shift];
        b = (uint32_t)f->word[x & low_mask];
        ca = f->dcounts[x >> shift];
        cb = f->dcounts[x & low_mask];
        if (!w2v_pair_passes(&f->rule, ca, cb, cab, &score))
            continue;
        if (k < cap) {
            out_a[k] = a;
            out_b[k] = b;
            out_count[k] = cab;
            out_score[k] = score;
        }
        k++;
    }
}

/* ---- rewriting --------------------------------------------------------------------- */

int w2v_held_phrases_init(w2v_held_phrases *p, const w2v_vtab *words, const uint32_t *a,
                          const uint32_t *b, int64_t n, const uint8_t *delim, int64_t delim_len)
{
    int64_t i, cap = 64;
    int shift;
    memset(p, 0, sizeof(*p));
    if (delim_len < 1 || delim_len > (int64_t)sizeof(p->delim))
        return W2V_SCAN_TOO_MANY;
    p->words = words;
    p->n_words = words->n;
    shift = key_shift(p->n_words);
    memcpy(p->delim, delim, (size_t)delim_len);
    p->delim_len = delim_len;
    while (cap < 2 * n)
        cap *= 2;
    p->mask = (uint64_t)cap - 1;
    /* one zeroed block: set, then spell, then role */
    p->set = (uint64_t *)w2v_malloc_zeroed((size_t)cap * sizeof(uint64_t)
                                           + (size_t)p->n_words * 17);
    if (!p->set)
        return W2V_SCAN_ENOMEM;
    p->spell = (uint8_t *)(p->set + cap);
    p->role = p->spell + 16 * p->n_words;
    /* a word's bytes and length in one 16-byte record: rewriting reads one cache line
       a token, not an entry and then the arena */
    for (i = 0; i < p->n_words; i++) {
        const w2v_entry *e = &words->e[i];
        uint8_t *sp = p->spell + 16 * i;
        if (e->len <= 15) {
            memcpy(sp, words->arena + e->off, (size_t)e->len);
            sp[15] = (uint8_t)e->len;
        } else {
            sp[15] = W2V_HELD_LONG;
        }
    }
    for (i = 0; i < n; i++) {
        uint64_t key, j;
        if ((int64_t)a[i] >= p->n_words || (int64_t)b[i] >= p->n_words) {
            w2v_held_phrases_free(p);
            return W2V_SCAN_TOO_MANY;
        }
        key = (uint64_t)a[i] << shift | b[i];
        for (j = w2v_fmix64(key) & p->mask; p->set[j] && p->set[j] != key + 1; j = (j + 1) & p->mask)
            ;
        p->set[j] = key + 1;
        p->role[a[i]] |= 1;
        p->role[b[i]] |= 2;
    }
    return W2V_SCAN_OK;
}

void w2v_held_phrases_free(w2v_held_phrases *p)
{
    free(p->set);
    memset(p, 0, sizeof(*p));
}

/* Whether prev (a word that may start a phrase, or -1) and word w join. */
static inline int joins(const w2v_held_phrases *p, int shift, int32_t prev, int32_t w)
{
    uint64_t key, j;
    if (prev < 0 || !(p->role[w] & 2))
        return 0;
    key = ((uint64_t)prev << shift | (uint64_t)w) + 1;
    for (j = w2v_fmix64(key - 1) & p->mask; p->set[j]; j = (j + 1) & p->mask)
        if (p->set[j] == key)
            return 1;
    return 0;
}

int32_t w2v_held_state(const w2v_held_phrases *p, const int32_t *ids, int64_t n, int32_t prev,
                       int *line)
{
    int shift = key_shift(p->n_words);
    int64_t i, j = n - 1;
    if (n > 0)
        *line = ids[n - 1] >= 0;
    /* after a newline, or a word that starts no phrase, the state is -1 */
    while (j >= 0 && ids[j] >= 0 && (p->role[ids[j]] & 1))
        j--;
    if (j >= 0)
        prev = -1;
    for (i = j + 1; i < n; i++)
        prev = joins(p, shift, prev, ids[i]) ? -1 : ids[i];
    return prev;
}

/* Rewriting looks this many tokens ahead: their records are fetched into the cache
   while the tokens before are written.  (Also fetching the phrase-set slots of the
   pairs that may join was slower.)  The prefetch is written out in the loop: GCC
   found a function of nothing but prefetches free of side effects and dropped its
   calls. */
#define W2V_HELD_AHEAD 12

int64_t w2v_held_rewrite(const w2v_held_phrases *p, const int32_t *ids, int64_t n, int32_t *prev,
                         int *line, int end, uint8_t *out, int64_t cap)
{
    const w2v_vtab *t = p->words;
    int shift = key_shift(p->n_words);
    int64_t i, o = 0, dl = p->delim_len;
    int32_t pv = *prev;
    int ln = *line;
    for (i = 0; i < n; i++) {
        int32_t w = ids[i];
        const uint8_t *sp, *src;
        int64_t len;
        int joined;
        if (w < 0) {
            if (o >= cap)
                return -1;
            out[o++] = '\n';
            pv = -1;
            ln = 0;
            continue;
        }
        if (i + W2V_HELD_AHEAD < n && ids[i + W2V_HELD_AHEAD] >= 0)
            W2V_PREFETCH_READ(p->spell + 16 * (int64_t)ids[i + W2V_HELD_AHEAD]);
        sp = p->spell + 16 * (int64_t)w;
        len = sp[15];
        src = sp;
        if (len == W2V_HELD_LONG) {
            len = t->e[w].len;
            src = (const uint8_t *)t->arena + t->e[w].off;
        }
        joined = joins(p, shift, pv, w);
        if (o + dl + len > cap)
            return -1;
        if (joined) {
            if (dl == 1)
                out[o] = p->delim[0];
            else
                memcpy(out + o, p->delim, (size_t)dl);
            o += dl;
            pv = -1;
        } else {
            out[o++] = ' ';
            pv = (p->role[w] & 1) ? w : -1;
        }
        if (src == sp && o + 16 <= cap)
            memcpy(out + o, sp, 16); /* one fixed-size copy; the rest is overwritten or
                                        past the end */
        else
            memcpy(out + o, src, (size_t)len);
        o += len;
        ln = 1;
    }
    if (end) {
        if (ln) {
            if (o >= cap)
                return -1;
            out[o++] = '\n';
        }
        pv = -1;
        ln = 0;
    }
    *prev = pv;
    *line = ln;
    return o;
}
