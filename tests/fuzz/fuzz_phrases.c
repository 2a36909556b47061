/*
 * fuzz_phrases.c -- libFuzzer harness for the phrase counters and the rewriter
 * (csrc/w2v_phrases.h).
 *
 * Input: 2 setting bytes (max_token = 4 + b0 % 60; b1: bit 0 cross_lines, bits 1-2
 * threads - 1), then the text, one source.  The text is counted two ways: one
 * table-id counter over the whole text; table-id counters over blocks cut at random
 * separators, each after its context (w2v_phr_lead_start, as phrases_count.cut_blocks
 * passes it), merged.  Both must hold the same words, counts, pairs and tokens.  Then a
 * phrase table made of the pairs seen twice or more rewrites the text with one
 * rewriter and again block by block, each block's fresh rewriter first reading the
 * previous tail from w2v_phr_rw_resync (or continuing when it is -1), as
 * phrases.rewrite_parallel does: the output must be the same bytes.  Last, the held
 * path (w2v_held.h: ids kept by scanners with newline marks, merged tables, pairs
 * that may pass counted by sorting, ids rewritten block by block from
 * w2v_held_state) must give the same pairs (with 4- and 8-byte pair keys) and,
 * with the same table, the same bytes.
 */
#include "fuzz_common.h"
#include "w2v_held.h"
#include "w2v_phrases.h"

static int is_sep(uint8_t c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

typedef struct {
    const uint8_t *a, *b;
    int64_t na, nb, count;
} rec;

static int cmp_bytes(const uint8_t *x, int64_t nx, const uint8_t *y, int64_t ny) {
    int64_t m = nx < ny ? nx : ny;
    int c = m ? memcmp(x, y, (size_t)m) : 0;
    return c ? c : (nx > ny) - (nx < ny);
}

static int rec_cmp(const void *p, const void *q) {
    const rec *x = (const rec *)p, *y = (const rec *)q;
    int c = cmp_bytes(x->a, x->na, y->a, y->na);
    return c ? c : cmp_bytes(x->b, x->nb, y->b, y->nb);
}

static const uint8_t *word(const w2v_vtab *t, int64_t i, int64_t *n) {
    *n = t->e[i].len;
    return (const uint8_t *)t->arena + t->e[i].off;
}

typedef struct {
    uint32_t *a, *b, *run;
    int64_t *count;
    double *score;
    int64_t cap;
} pair_buf;

/* One block: score, count, then a, b, run. */
static void pb_init(pair_buf *p, int64_t cap) {
    p->cap = cap > 0 ? cap : 1;
    p->score = (double *)fz_alloc((size_t)p->cap * 28);
    p->count = (int64_t *)(p->score + p->cap);
    p->a = (uint32_t *)(p->count + p->cap);
    p->b = p->a + p->cap;
    p->run = p->b + p->cap;
}

static void pb_free(pair_buf *p) { free(p->score); }

/* Every pair of a counter, by bytes, sorted. */
static rec *counter_records(const w2v_phr_counter *c, int64_t *n, pair_buf *pb) {
    int64_t k, m;
    rec *r;
    pb_init(pb, c->pairs.n);
    m = w2v_phr_score(c, W2V_PHR_ALL, 1, 0.0, 1, pb->a, pb->b, pb->run, pb->count, pb->score,
                      pb->cap);
    CHECK(m == c->pairs.n, "scored %lld of %lld pairs", (long long)m, (long long)c->pairs.n);
    r = (rec *)fz_alloc((size_t)(m ? m : 1) * sizeof(rec));
    for (k = 0; k < m; k++) {
        r[k].a = word(&c->uni, pb->a[k], &r[k].na);
        r[k].b = word(&c->uni, pb->b[k], &r[k].nb);
        r[k].count = pb->count[k];
        CHECK(pb->run[k] == 0, "a run without connector words");
    }
    qsort(r, (size_t)m, sizeof(rec), rec_cmp);
    *n = m;
    return r;
}

static void same_records(const rec *x, int64_t nx, const rec *y, int64_t ny, const char *what) {
    int64_t k;
    CHECK(nx == ny, "%s: %lld pairs, want %lld", what, (long long)ny, (long long)nx);
    for (k = 0; k < nx; k++)
        CHECK(rec_cmp(&x[k], &y[k]) == 0 && x[k].count == y[k].count,
              "%s: pair %lld differs (count %lld, want %lld)", what, (long long)k,
              (long long)y[k].count, (long long)x[k].count);
}

/* Every word counted > 0 times in `want` has that count in `got`, and conversely. */
static void same_words(const w2v_vtab *want, const w2v_vtab *got, const char *what) {
    int64_t i, nw = 0, ng = 0, *cw = (int64_t *)fz_alloc((size_t)(want->n + 1) * 8);
    int64_t *cg = (int64_t *)fz_alloc((size_t)(got->n + 1) * 8);
    w2v_vtab_counts(want, cw);
    w2v_vtab_counts(got, cg);
    for (i = 0; i < want->n; i++) {
        int64_t len, j;
        const uint8_t *p = word(want, i, &len);
        if (!cw[i])
            continue;
        nw++;
        j = w2v_vtab_find(got, p, len);
        CHECK(j >= 0 && cg[j] == cw[i], "%s: word %lld counted %lld, want %lld", what,
              (long long)i, (long long)(j >= 0 ? cg[j] : -1), (long long)cw[i]);
    }
    for (i = 0; i < got->n; i++)
        ng += cg[i] > 0;
    CHECK(nw == ng, "%s: %lld words, want %lld", what, (long long)ng, (long long)nw);
    free(cw);
    free(cg);
}

/* The end of the block that starts at pos: about `want` bytes on, after a separator,
   or the text's end. */
static int64_t block_end(const uint8_t *t, int64_t n, int64_t pos, int64_t want) {
    int64_t i = pos + want;
    if (i >= n)
        return n;
    while (i < n && !is_sep(t[i]))
        i++;
    return i < n ? i + 1 : n;
}

typedef struct {
    uint8_t *p;
    int64_t n;
} buf;

static void buf_set(buf *b, const uint8_t *p, int64_t n, int append) {
    int64_t at = append ? b->n : 0;
    b->p = (uint8_t *)realloc(b->p, (size_t)(at + n + 1));
    CHECK(b->p != NULL, "out of memory");
    if (n)
        memcpy(b->p + at, p, (size_t)n);
    b->n = at + n;
}

static void rewrite_check(const uint8_t *text, int64_t n, const w2v_phr_counter *one,
                          int64_t max_token, uint64_t *rng, buf *whole_out) {
    w2v_phr_table t;
    w2v_phr_rewriter whole, rw;
    pair_buf pb;
    buf got = {NULL, 0}, lead = {NULL, 0};
    int64_t k, m, pos = 0;
    int have = 0;
    memset(&t, 0, sizeof(t));
    CHECK(w2v_vtab_init(&t.words, 64, 0) == W2V_SCAN_OK, "init");
    CHECK(w2v_vtab_init(&t.runs, 4, 0) == W2V_SCAN_OK, "init");
    CHECK(w2v_ptab_init(&t.pairs, 64) == W2V_SCAN_OK, "init");
    t.delim[0] = '_';
    t.delim_len = 1;
    t.max_token = max_token;
    pb_init(&pb, one->pairs.n);
    m = w2v_phr_score(one, W2V_PHR_ALL, 1, 0.0, 1, pb.a, pb.b, pb.run, pb.count, pb.score,
                      pb.cap);
    for (k = 0; k < m; k++) {
        int64_t la, lb, ia, ib;
        const uint8_t *a = word(&one->uni, pb.a[k], &la), *b = word(&one->uni, pb.b[k], &lb);
        if (pb.count[k] < 2)
            continue;
        ia = w2v_vtab_find(&t.words, a, la);
        if (ia < 0)
            ia = w2v_vtab_add(&t.words, a, la, 1);
        ib = w2v_vtab_find(&t.words, b, lb);
        if (ib < 0)
            ib = w2v_vtab_add(&t.words, b, lb, 1);
        CHECK(ia >= 0 && ib >= 0, "table words");
        CHECK(w2v_ptab_add(&t.pairs, (uint32_t)ia, (uint32_t)ib, 0, 1) == W2V_SCAN_OK, "pair");
    }
    pb_free(&pb);

    CHECK(w2v_phr_rw_init(&whole, &t, 0) == W2V_SCAN_OK, "init");
    if (n)
        CHECK(w2v_phr_rw_feed(&whole, text, n) == W2V_SCAN_OK, "feed");
    CHECK(w2v_phr_rw_end_source(&whole) == W2V_SCAN_OK, "end");

    while (pos < n || !have) {
        int64_t end = block_end(text, n, pos, 1 + (int64_t)(fz_next(rng) % 48));
        if (!have) {
            CHECK(w2v_phr_rw_init(&rw, &t, 0) == W2V_SCAN_OK, "init");
            if (lead.n)
                CHECK(w2v_phr_rw_feed(&rw, lead.p, lead.n) == W2V_SCAN_OK, "lead");
            rw.out_len = 0;
            have = 1;
        }
        if (end > pos)
            CHECK(w2v_phr_rw_feed(&rw, text + pos, end - pos) == W2V_SCAN_OK, "feed");
        if (end == n) {
            CHECK(w2v_phr_rw_end_source(&rw) == W2V_SCAN_OK, "end");
            buf_set(&got, rw.out, rw.out_len, 1);
            w2v_phr_rw_free(&rw);
            break;
        }
        {
            int64_t s = w2v_phr_rw_resync(&t, text + pos, end - pos);
            CHECK(s >= -1 && s < end - pos, "resync %lld of %lld", (long long)s,
                  (long long)(end - pos));
            if (s >= 0) {
                buf_set(&got, rw.out, rw.out_len, 1);
                w2v_phr_rw_free(&rw);
                have = 0;
                buf_set(&lead, text + pos + s, end - pos - s, 0);
            }
        }
        pos = end;
    }
    CHECK(got.n == whole.out_len && (got.n == 0 || memcmp(got.p, whole.out, (size_t)got.n) == 0),
          "block-wise rewriting gave %lld bytes, one rewriter %lld (or other bytes)",
          (long long)got.n, (long long)whole.out_len);
    buf_set(whole_out, whole.out, whole.out_len, 0);
    w2v_phr_rw_free(&whole);
    free(got.p);
    free(lead.p);
    w2v_vtab_free(&t.words);
    w2v_vtab_free(&t.runs);
    w2v_ptab_free(&t.pairs);
}

/* Records (words as bytes) of held pairs a[k], b[k] of table t, sorted. */
static rec *held_records(const w2v_vtab *t, const uint32_t *a, const uint32_t *b,
                         const int64_t *count, int64_t m) {
    rec *r = (rec *)fz_alloc((size_t)(m > 0 ? m : 1) * sizeof(rec));
    int64_t k;
    for (k = 0; k < m; k++) {
        r[k].a = word(t, a[k], &r[k].na);
        r[k].b = word(t, b[k], &r[k].nb);
        r[k].count = count[k];
    }
    qsort(r, (size_t)m, sizeof(rec), rec_cmp);
    return r;
}

/* The held path (w2v_held.h) over random blocks on `threads` scanners: the words and
   every pair of the one counter, its word2phrase passing pairs (the per-pair bound
   must drop none), and the rewriter's bytes from block-wise rewriting of the ids. */
static void held_check(const uint8_t *text, int64_t n, int64_t max_token, int cross, int threads,
                       const w2v_phr_counter *one, const buf *want, uint64_t *rng) {
    w2v_vtab tab[4];
    w2v_scanner sc[4];
    int64_t *bb = (int64_t *)fz_alloc((size_t)(n + 1) * sizeof(int64_t)), *bn, *bx, *map;
    int32_t *prevs = (int32_t *)fz_alloc((size_t)(n + 1) * sizeof(int32_t)), prev = -1;
    int *bt = (int *)fz_alloc((size_t)(n + 1) * sizeof(int));
    int64_t nb = 0, pos = 0, i, k, tokens = 0, *counts, V, m;
    uint64_t *keys[4];
    int64_t *kc[4], klen[4], split;
    w2v_held_filter f;
    pair_buf pb, hb;
    rec *x, *y;
    buf got = {NULL, 0};
    bn = (int64_t *)fz_alloc((size_t)(n + 1) * sizeof(int64_t));
    bx = (int64_t *)fz_alloc((size_t)(n + 1) * sizeof(int64_t));
    for (k = 0; k < threads; k++) {
        CHECK(w2v_vtab_init(&tab[k], 16, 0) == W2V_SCAN_OK, "init");
        CHECK(w2v_scan_init(&sc[k], &tab[k], max_token, 0, 1) == W2V_SCAN_OK, "init");
        sc[k].mark_newlines = 1;
    }
    do {
        int64_t end = block_end(text, n, pos, 1 + (int64_t)(fz_next(rng) % 48));
        k = nb % threads;
        bt[nb] = (int)k;
        bb[nb] = sc[k].ids_len;
        if (end > pos)
            CHECK(w2v_scan_feed(&sc[k], text + pos, end - pos) == W2V_SCAN_OK, "feed");
        if (end == n)
            CHECK(w2v_scan_end_source(&sc[k]) == W2V_SCAN_OK, "end");
        bn[nb] = sc[k].ids_len - bb[nb];
        bx[nb] = end - pos;
        nb++;
        pos = end;
    } while (pos < n);
    for (k = 0; k < threads; k++) {
        CHECK(sc[k].ids_valid, "ids");
        tokens += sc[k].tokens;
        if (k) {
            map = (int64_t *)fz_alloc((size_t)(tab[k].n + 1) * sizeof(int64_t));
            CHECK(w2v_vtab_merge(&tab[0], &tab[k], map) == W2V_SCAN_OK, "merge");
            w2v_held_remap(sc[k].ids, sc[k].ids_len, map);
            free(map);
        }
    }
    CHECK(tokens == w2v_phr_tokens(one), "held tokens %lld, want %lld", (long long)tokens,
          (long long)w2v_phr_tokens(one));
    same_words(&one->uni, &tab[0], "held");
    V = tab[0].n;
    counts = (int64_t *)fz_alloc((size_t)(V + 1) * sizeof(int64_t));
    w2v_vtab_counts(&tab[0], counts);
    for (i = 0; i < nb; i++) {
        prevs[i] = prev;
        prev = w2v_held_tail(sc[bt[i]].ids + bb[i], bn[i], prev, cross);
    }
    /* every pair (scoring "all"), then word2phrase's passing pairs */
    for (int pass = 0; pass < 2; pass++) {
        int scoring = pass ? W2V_PHR_WORD2PHRASE : W2V_PHR_ALL;
        int64_t mc = pass ? 2 : 1;
        double thr = pass ? 0.5 : 0.0;
        CHECK(w2v_held_filter_init(&f, scoring, mc, thr, tokens, counts, V) == W2V_SCAN_OK,
              "filter");
        if (fz_next(rng) & 1)
            f.key_bytes = 8; /* the wide keys of big vocabularies, on a small one */
        for (k = 0; k < threads; k++) {
            int64_t room = sc[k].ids_len + 1, got_k = 0;
            int kb = f.key_bytes;
            char *raw = (char *)fz_alloc((size_t)room * (size_t)kb);
            keys[k] = (uint64_t *)fz_alloc((size_t)room * sizeof(uint64_t));
            kc[k] = (int64_t *)fz_alloc((size_t)room * sizeof(int64_t));
            for (i = 0; i < nb; i++)
                if (bt[i] == k)
                    got_k += w2v_held_pairs(&f, sc[k].ids + bb[i], bn[i], prevs[i], cross,
                                            raw + got_k * kb);
            klen[k] = w2v_held_sort_runs(raw, got_k, kb, w2v_held_max_key(&f), keys[k], kc[k]);
            CHECK(klen[k] >= 0, "sort");
            free(raw);
        }
        pb_init(&pb, one->pairs.n);
        m = w2v_phr_score(one, scoring, mc, thr, tokens, pb.a, pb.b, pb.run, pb.count,
                          pb.score, pb.cap);
        pb_init(&hb, one->pairs.n);
        split = klen[0] ? (int64_t)keys[0][klen[0] / 2] : 0; /* two ranges, as two threads */
        i = w2v_held_score(&f, threads, keys, kc, klen, 0, (uint64_t)split, hb.a, hb.b,
                           hb.count, hb.score, hb.cap);
        i += w2v_held_score(&f, threads, keys, kc, klen, (uint64_t)split, UINT64_MAX, hb.a + i,
                            hb.b + i, hb.count + i, hb.score + i, hb.cap - i);
        x = held_records(&one->uni, pb.a, pb.b, pb.count, m);
        y = held_records(&tab[0], hb.a, hb.b, hb.count, i);
        same_records(x, m, y, i, pass ? "held word2phrase pairs" : "held pairs");
        free(x);
        free(y);
        if (pass) { /* rewrite with the pairs seen twice or more, as rewrite_check */
            w2v_held_phrases ph;
            uint32_t *pa, *pbb;
            int64_t j = 0, la, lb;
            int line = 0;
            pb_free(&pb);
            pb_init(&pb, one->pairs.n);
            m = w2v_phr_score(one, W2V_PHR_ALL, 1, 0.0, 1, pb.a, pb.b, pb.run, pb.count,
                              pb.score, pb.cap);
            pa = (uint32_t *)fz_alloc((size_t)(m + 1) * 4);
            pbb = (uint32_t *)fz_alloc((size_t)(m + 1) * 4);
            for (k = 0; k < m; k++) {
                const uint8_t *a = word(&one->uni, pb.a[k], &la), *b = word(&one->uni, pb.b[k], &lb);
                if (pb.count[k] < 2)
                    continue;
                pa[j] = (uint32_t)w2v_vtab_find(&tab[0], a, la);
                pbb[j++] = (uint32_t)w2v_vtab_find(&tab[0], b, lb);
            }
            CHECK(w2v_held_phrases_init(&ph, &tab[0], pa, pbb, j, (const uint8_t *)"_", 1)
                      == W2V_SCAN_OK, "phrases");
            prev = -1;
            for (i = 0; i < nb; i++) {
                /* each block from the state its predecessor leaves (w2v_held_state) */
                int32_t st = prev;
                int ln = line;
                int64_t cap = bx[i] + bn[i] + 2, o;
                uint8_t *out = (uint8_t *)fz_alloc((size_t)cap);
                const int32_t *ids = sc[bt[i]].ids + bb[i];
                prev = w2v_held_state(&ph, ids, bn[i], prev, &line);
                o = w2v_held_rewrite(&ph, ids, bn[i], &st, &ln, i == nb - 1, out, cap);
                CHECK(o >= 0, "held rewrite: block over its bound");
                CHECK(i == nb - 1 || (st == prev && ln == line), "held state");
                buf_set(&got, out, o, 1);
                free(out);
            }
            CHECK(got.n == want->n && (got.n == 0 || memcmp(got.p, want->p, (size_t)got.n) == 0),
                  "held rewriting gave %lld bytes, one rewriter %lld (or other bytes)",
                  (long long)got.n, (long long)want->n);
            w2v_held_phrases_free(&ph);
            free(pa);
            free(pbb);
        }
        pb_free(&pb);
        pb_free(&hb);
        for (k = 0; k < threads; k++) {
            free(keys[k]);
            free(kc[k]);
        }
        w2v_held_filter_free(&f);
    }
    for (k = 0; k < threads; k++) {
        w2v_scan_free(&sc[k]);
        w2v_vtab_free(&tab[k]);
    }
    free(counts);
    free(got.p);
    free(bb);
    free(bn);
    free(bx);
    free(bt);
    free(prevs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz_bytes in = {data, size};
    int64_t max_token = 4 + fz_u8(&in) % 60;
    uint8_t f = fz_u8(&in);
    int cross = f & 1, threads = 1 + ((f >> 1) & 3), k;
    int64_t n = (int64_t)in.n, pos = 0, nx, ny;
    uint8_t *text = fz_dup(in.p, in.n);
    uint64_t rng = UINT64_C(0x2545F4914F6CDD1D) ^ size;
    w2v_phr_counter one, cc[4];
    buf lead = {NULL, 0}, whole = {NULL, 0};
    pair_buf p1, p2;
    rec *x, *y;

    CHECK(w2v_phr_counter_init(&one, max_token, 0, NULL, cross) == W2V_SCAN_OK, "init");
    if (n)
        CHECK(w2v_phr_feed(&one, text, n) == W2V_SCAN_OK, "feed");
    CHECK(w2v_phr_end_source(&one) == W2V_SCAN_OK, "end");
    for (k = 0; k < threads; k++) {
        CHECK(w2v_phr_counter_init(&cc[k], max_token, 0, NULL, cross) == W2V_SCAN_OK, "init");
    }
    for (k = 0; pos < n; k = (k + 1) % threads) {
        int64_t end = block_end(text, n, pos, 1 + (int64_t)(fz_next(&rng) % 48)), s;
        const uint8_t *b = text + pos;
        if (lead.n)
            CHECK(w2v_phr_context(&cc[k], lead.p, lead.n) == W2V_SCAN_OK, "context");
        CHECK(w2v_phr_feed(&cc[k], b, end - pos) == W2V_SCAN_OK, "feed");
        CHECK(w2v_phr_end_source(&cc[k]) == W2V_SCAN_OK, "end");
        if (end < n) {
            s = w2v_phr_lead_start(b, end - pos, NULL, max_token, cross);
            CHECK(s >= 0 && s <= end - pos, "lead_start %lld", (long long)s);
            if (s == 0)
                buf_set(&lead, b, end - pos, 1); /* the context still starts in the lead */
            else
                buf_set(&lead, b + s, end - pos - s, 0);
        }
        pos = end;
    }
    for (k = 1; k < threads; k++)
        CHECK(w2v_phr_merge(&cc[0], &cc[k]) == W2V_SCAN_OK, "merge");

    CHECK(w2v_phr_tokens(&cc[0]) == w2v_phr_tokens(&one), "tokens: blocks %lld, want %lld",
          (long long)w2v_phr_tokens(&cc[0]), (long long)w2v_phr_tokens(&one));
    same_words(&one.uni, &cc[0].uni, "block counters");
    x = counter_records(&one, &nx, &p1);
    y = counter_records(&cc[0], &ny, &p2);
    same_records(x, nx, y, ny, "block counters");
    free(x);
    free(y);
    pb_free(&p1);
    pb_free(&p2);

    rewrite_check(text, n, &one, max_token, &rng, &whole);
    held_check(text, n, max_token, cross, threads, &one, &whole, &rng);
    free(whole.p);

    w2v_phr_counter_free(&one);
    for (k = 0; k < threads; k++) {
        w2v_phr_counter_free(&cc[k]);
    }
    free(lead.p);
    free(text);
    return 0;
}
