/*
 * fuzz_scan.c -- libFuzzer harness for the scanner and its table (csrc/w2v_scan.h).
 * Built twice: -DFUZZ_FROZEN=0 (fuzz_scan: counting, pruning, provisional ids) and
 * -DFUZZ_FROZEN=1 (fuzz_scan_frozen: the re-scan with a given word list).
 *
 * Input: 6 setting bytes, then (frozen) a word list of a fuzzer-chosen length, words
 * separated by '\n', then the text.  The text is split into sources (each closed by
 * w2v_scan_end_source, as scan.Pass does per file) and fed in blocks of random sizes,
 * with the recorded ids drained between calls now and then as scan.Pass does; or, in
 * token mode, split at ' ' and '\n' and given token by token (w2v_scan_token, the path
 * of Python token lists).  A plain reference written from the header's text -- the
 * separators, the UTF-8 cut of long tokens, word2vec.c's ReduceVocab pruning, the
 * frozen look-up -- must give the same table (words, order, counts, look-ups), the
 * same ids and sentence ends, and the same statistics.
 */
#include "fuzz_common.h"
#include "w2v_scan.h"

#ifndef FUZZ_FROZEN
#error "define FUZZ_FROZEN to 0 (counting) or 1 (frozen re-scan)"
#endif

/* ---- the reference -------------------------------------------------------------- */

static int ref_sep(uint8_t c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* the header: cut to at most max_token bytes, moved back by at most 3 bytes to the
   start of the UTF-8 character that straddles the cut */
static int64_t ref_cut(const uint8_t *p, int64_t max_token) {
    for (int64_t c = max_token; c >= max_token - 3; c--)
        if ((p[c] & 0xC0) != 0x80) return c;
    return max_token;
}

typedef struct {
    const uint8_t *p;
    int64_t len, count;
} ref_word;

typedef struct {
    ref_word *w;
    int64_t n, cap, max_size, min_reduce;
    int64_t prunes, pruned_words, pruned_tokens;
    int64_t *bucket, *chain, nbucket; /* chained hash over w[0, n) */
    int record, ids_valid;
    int32_t *ids;
    int64_t ids_len, *ends, ends_len, sent_len;
    int64_t tokens, oov, cut, sentences, longest;
    ref_word *gone; /* words pruned and not seen since */
    int64_t ngone;
} ref_t;

static uint64_t ref_hash(const uint8_t *p, int64_t n) {
    uint64_t h = 1469598103934665603ULL;
    for (int64_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

static void ref_rebuild(ref_t *r) {
    for (int64_t b = 0; b < r->nbucket; b++) r->bucket[b] = -1;
    for (int64_t i = 0; i < r->n; i++) {
        int64_t b = (int64_t)(ref_hash(r->w[i].p, r->w[i].len) % (uint64_t)r->nbucket);
        r->chain[i] = r->bucket[b];
        r->bucket[b] = i;
    }
}

static int64_t ref_find(const ref_t *r, const uint8_t *p, int64_t n) {
    int64_t b = (int64_t)(ref_hash(p, n) % (uint64_t)r->nbucket);
    for (int64_t i = r->bucket[b]; i >= 0; i = r->chain[i])
        if (r->w[i].len == n && memcmp(r->w[i].p, p, (size_t)n) == 0) return i;
    return -1;
}

static void ref_init(ref_t *r, int64_t max_tokens, int64_t max_size, int record) {
    memset(r, 0, sizeof(*r));
    r->cap = max_tokens + 1;
    r->w = (ref_word *)fz_alloc((size_t)r->cap * sizeof(ref_word));
    r->gone = (ref_word *)fz_alloc((size_t)r->cap * sizeof(ref_word));
    r->chain = (int64_t *)fz_alloc((size_t)r->cap * sizeof(int64_t));
    r->nbucket = 61 + max_tokens / 4;
    r->bucket = (int64_t *)fz_alloc((size_t)r->nbucket * sizeof(int64_t));
    r->ids = (int32_t *)fz_alloc((size_t)r->cap * sizeof(int32_t));
    r->ends = (int64_t *)fz_alloc((size_t)r->cap * sizeof(int64_t));
    r->max_size = max_size;
    r->min_reduce = 1;
    r->record = r->ids_valid = record;
    ref_rebuild(r);
}

static void ref_free(ref_t *r) {
    free(r->w);
    free(r->gone);
    free(r->chain);
    free(r->bucket);
    free(r->ids);
    free(r->ends);
}

/* word2vec.c's ReduceVocab: forget every word counted <= min_count times */
static void ref_prune(ref_t *r, int64_t min_count) {
    int64_t w = 0;
    for (int64_t i = 0; i < r->n; i++) {
        if (r->w[i].count <= min_count) {
            r->pruned_words++;
            r->pruned_tokens += r->w[i].count;
            r->gone[r->ngone++] = r->w[i];
        } else {
            r->w[w++] = r->w[i];
        }
    }
    r->n = w;
    r->prunes++;
    ref_rebuild(r);
}

static int64_t ref_add(ref_t *r, const uint8_t *p, int64_t n, int64_t count) {
    int64_t i = ref_find(r, p, n);
    if (i >= 0) {
        r->w[i].count += count;
        return i;
    }
    i = r->n++;
    r->w[i].p = p;
    r->w[i].len = n;
    r->w[i].count = count;
    int64_t b = (int64_t)(ref_hash(p, n) % (uint64_t)r->nbucket);
    r->chain[i] = r->bucket[b];
    r->bucket[b] = i;
    for (int64_t g = 0; g < r->ngone; g++) /* back again */
        if (r->gone[g].len == n && memcmp(r->gone[g].p, p, (size_t)n) == 0)
            r->gone[g--] = r->gone[--r->ngone];
    if (r->max_size > 0 && r->n > r->max_size) {
        ref_prune(r, r->min_reduce);
        r->min_reduce++;
        return -2;
    }
    return i;
}

static void ref_end_sentence(ref_t *r) {
    if (!r->record || r->sent_len == 0) return;
    r->ends[r->ends_len++] = r->ids_len;
    r->sent_len = 0;
    r->sentences++;
}

static void ref_token(ref_t *r, const uint8_t *p, int64_t n, int64_t max_token, int cut) {
    int64_t idx;
    r->tokens++;
    if (cut && n > max_token) {
        n = ref_cut(p, max_token);
        r->cut++;
    }
    if (n > r->longest) r->longest = n;
#if FUZZ_FROZEN
    idx = ref_find(r, p, n);
    if (idx < 0) {
        r->oov++;
        return;
    }
#else
    idx = ref_add(r, p, n, 1);
    if (idx == -2) {
        r->record = 0;
        r->ids_valid = 0;
        return;
    }
#endif
    if (r->record) {
        r->ids[r->ids_len++] = (int32_t)idx;
        r->sent_len++;
    }
}

/* ---- the harness ---------------------------------------------------------------- */

typedef struct {
    int32_t *ids;
    int64_t ids_len;
    int64_t *ends;
    int64_t ends_len;
} drained;

/* scan.Pass's drain: copy out, empty the buffers, advance ids_base */
static void drain(w2v_scanner *s, drained *d) {
    memcpy(d->ids + d->ids_len, s->ids, (size_t)s->ids_len * sizeof(int32_t));
    memcpy(d->ends + d->ends_len, s->ends, (size_t)s->ends_len * sizeof(int64_t));
    d->ids_len += s->ids_len;
    d->ends_len += s->ends_len;
    s->ids_base += s->ids_len;
    s->ids_len = 0;
    s->ends_len = 0;
}

#define OK(rc) CHECK((rc) == W2V_SCAN_OK, "scanner status %d", (int)(rc))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz_bytes in = {data, size};
    uint8_t s_tok = fz_u8(&in), s_size = fz_u8(&in), s_flags = fz_u8(&in),
            s_seed = fz_u8(&in), s_block = fz_u8(&in), s_src = fz_u8(&in);
    int64_t max_token = 4 + s_tok % 13;
    int record = FUZZ_FROZEN ? 1 : (s_flags & 1);
    int token_mode = (s_flags >> 1) & 1;
    int64_t max_block = 1 + s_block;
    uint64_t rng = s_seed * UINT64_C(0x100000001B3) + size;
#if FUZZ_FROZEN
    int64_t max_size = 0;
    size_t list_len = s_size < in.n ? s_size : in.n;
    const uint8_t *list = in.p;
    in.p += list_len;
    in.n -= list_len;
#else
    int64_t max_size = (s_size & 0x80) ? 0 : 1 + (s_size & 15);
#endif
    const uint8_t *text = in.p;
    int64_t len = (int64_t)in.n;
    /* an exact-size copy: no reading past the text (the 8-bytes-at-once paths) */
    uint8_t *copy = fz_dup(text, (size_t)len);

    w2v_vtab t;
    w2v_scanner s;
    ref_t ref;
    OK(w2v_vtab_init(&t, (s_flags & 4) ? 600 : 1, max_size));
    ref_init(&ref, len + (int64_t)size + 8, max_size, record);
#if FUZZ_FROZEN
    /* the vocabulary: entry i = word i (duplicates skipped, as a Vocab has none) */
    int64_t nwords = 0;
    for (size_t a = 0; a <= list_len;) {
        const uint8_t *nl = memchr(list + a, '\n', list_len - a);
        size_t b = nl ? (size_t)(nl - list) : list_len;
        if (b > a || nl) {
            int64_t known = ref_find(&ref, list + a, (int64_t)(b - a));
            int64_t idx = w2v_vtab_add(&t, list + a, (int64_t)(b - a), 0);
            if (known >= 0) {
                CHECK(idx == known, "vocabulary word added twice: %lld, then %lld",
                      (long long)known, (long long)idx);
            } else {
                CHECK(idx == nwords, "vocabulary word %lld got index %lld", (long long)nwords,
                      (long long)idx);
                ref_add(&ref, list + a, (int64_t)(b - a), 0);
                nwords++;
            }
        }
        a = b + 1;
    }
    t.max_size = 0; /* as _scan.Scanner does for a frozen table */
#endif
    OK(w2v_scan_init(&s, &t, max_token, FUZZ_FROZEN, record));

    drained d;
    d.ids = (int32_t *)fz_alloc((size_t)(len + 8) * sizeof(int32_t));
    d.ends = (int64_t *)fz_alloc((size_t)(len + 8) * sizeof(int64_t));
    d.ids_len = d.ends_len = 0;

    /* sources: up to 3 cuts at random places */
    int64_t cuts[5], ncut = 0;
    cuts[ncut++] = 0;
    for (int k = 0; k < (s_src & 3); k++) cuts[ncut++] = len ? (int64_t)(fz_next(&rng) % (uint64_t)(len + 1)) : 0;
    cuts[ncut++] = len;
    for (int64_t a = 1; a < ncut; a++) /* sort the few cuts */
        for (int64_t b = a; b > 0 && cuts[b] < cuts[b - 1]; b--) {
            int64_t tmp = cuts[b];
            cuts[b] = cuts[b - 1];
            cuts[b - 1] = tmp;
        }

    for (int64_t k = 0; k + 1 < ncut; k++) {
        int64_t lo = cuts[k], hi = cuts[k + 1];
        if (token_mode) {
            /* Python token lists: tokens split at ' ' (empty ones too), sentences at '\n' */
            int64_t a = lo;
            for (int64_t i = lo; i <= hi; i++) {
                if (i < hi && copy[i] != ' ' && copy[i] != '\n') continue;
                if (i > a || (i < hi && copy[i] == ' ')) {
                    OK(w2v_scan_token(&s, copy + a, i - a));
                    ref_token(&ref, text + a, i - a, max_token, 0);
                }
                if (i == hi || copy[i] == '\n') {
                    OK(w2v_scan_end_sentence(&s));
                    ref_end_sentence(&ref);
                }
                a = i + 1;
            }
        } else {
            /* text: the reference's tokens, then the scanner in random blocks */
            int64_t a = lo;
            for (int64_t i = lo; i <= hi; i++) {
                if (i < hi && !ref_sep(text[i])) continue;
                if (i > a) ref_token(&ref, text + a, i - a, max_token, 1);
                if (i < hi && text[i] == '\n') ref_end_sentence(&ref);
                a = i + 1;
            }
            ref_end_sentence(&ref);
            for (int64_t p = lo; p < hi;) {
                int64_t n = (int64_t)(fz_next(&rng) % (uint64_t)max_block) + 1;
                if (n > hi - p) n = hi - p;
                uint8_t *blk = fz_dup(copy + p, (size_t)n); /* the block alone */
                OK(w2v_scan_feed(&s, blk, n));
                free(blk);
                p += n;
                if (fz_next(&rng) & 1) drain(&s, &d);
            }
            OK(w2v_scan_end_source(&s));
        }
        drain(&s, &d);
    }

    /* ---- promises ---- */
    CHECK(s.tokens == ref.tokens && s.cut == ref.cut && s.longest == ref.longest &&
          s.oov == ref.oov && s.sentences == ref.sentences,
          "stats: tokens %lld/%lld cut %lld/%lld longest %lld/%lld oov %lld/%lld "
          "sentences %lld/%lld", (long long)s.tokens, (long long)ref.tokens,
          (long long)s.cut, (long long)ref.cut, (long long)s.longest, (long long)ref.longest,
          (long long)s.oov, (long long)ref.oov, (long long)s.sentences,
          (long long)ref.sentences);
    CHECK(s.ids_valid == ref.ids_valid, "ids_valid %d, expected %d", s.ids_valid,
          ref.ids_valid);
    CHECK(t.prunes == ref.prunes && t.pruned_words == ref.pruned_words &&
          t.pruned_tokens == ref.pruned_tokens, "pruning: %lld/%lld prunes, %lld/%lld words, "
          "%lld/%lld tokens", (long long)t.prunes, (long long)ref.prunes,
          (long long)t.pruned_words, (long long)ref.pruned_words, (long long)t.pruned_tokens,
          (long long)ref.pruned_tokens);
    CHECK(t.n == ref.n, "table holds %lld words, expected %lld", (long long)t.n,
          (long long)ref.n);
    int64_t *counts = (int64_t *)fz_alloc((size_t)t.n * sizeof(int64_t));
    w2v_vtab_counts(&t, counts);
    int64_t total = 0;
    for (int64_t i = 0; i < t.n; i++) {
        const w2v_entry *e = &t.e[i];
        CHECK(e->len == ref.w[i].len && e->off >= 0 && e->off + e->len <= t.arena_len &&
              memcmp(t.arena + e->off, ref.w[i].p, (size_t)e->len) == 0,
              "entry %lld is not the reference's word", (long long)i);
        CHECK(i == 0 || e->first > t.e[i - 1].first, "entries out of first-appearance order");
        CHECK(counts[i] == ref.w[i].count, "entry %lld counted %lld, expected %lld",
              (long long)i, (long long)counts[i], (long long)ref.w[i].count);
        CHECK(w2v_vtab_find(&t, ref.w[i].p, ref.w[i].len) == i, "find(entry %lld) != %lld",
              (long long)i, (long long)i);
        total += counts[i];
    }
    for (int64_t g = 0; g < ref.ngone; g++)
        CHECK(w2v_vtab_find(&t, ref.gone[g].p, ref.gone[g].len) == -1,
              "a pruned word is still found");
#if !FUZZ_FROZEN
    CHECK(total + t.pruned_tokens == s.tokens, "counts %lld + pruned %lld != tokens %lld",
          (long long)total, (long long)t.pruned_tokens, (long long)s.tokens);
#else
    CHECK(total == 0 && t.n == nwords, "a frozen table changed");
#endif
    /* ids and sentence ends: exactly the reference's, ids within the table */
    CHECK(d.ids_len == ref.ids_len && d.ends_len == ref.ends_len,
          "%lld ids / %lld ends, expected %lld / %lld", (long long)d.ids_len,
          (long long)d.ends_len, (long long)ref.ids_len, (long long)ref.ends_len);
    for (int64_t i = 0; i < d.ids_len; i++)
        CHECK(d.ids[i] == ref.ids[i], "id %lld is %d, expected %d", (long long)i, d.ids[i],
              ref.ids[i]);
    if (s.ids_valid)
        for (int64_t i = 0; i < d.ids_len; i++)
            CHECK(d.ids[i] >= 0 && d.ids[i] < t.n, "id %d outside the table of %lld", d.ids[i],
                  (long long)t.n);
    for (int64_t i = 0; i < d.ends_len; i++)
        CHECK(d.ends[i] == ref.ends[i] && (i == 0 || d.ends[i] > d.ends[i - 1]) &&
              d.ends[i] <= d.ids_len, "sentence end %lld is %lld, expected %lld",
              (long long)i, (long long)d.ends[i], (long long)ref.ends[i]);
    /* the cut itself, on the text's first max_token + 1 bytes */
    if (len > max_token) {
        uint8_t *head = fz_dup(text, (size_t)max_token + 1);
        int64_t c = w2v_utf8_cut(head, max_token);
        CHECK(c == ref_cut(head, max_token), "utf8_cut %lld, expected %lld", (long long)c,
              (long long)ref_cut(head, max_token));
        free(head);
    }

    free(counts);
    free(d.ids);
    free(d.ends);
    w2v_scan_free(&s);
    w2v_vtab_free(&t);
    ref_free(&ref);
    free(copy);
    return 0;
}
