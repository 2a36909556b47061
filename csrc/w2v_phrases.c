/* w2v_phrases.c -- pair counting, scoring and phrase rewriting; see w2v_phrases.h. */
#include "w2v_phrases.h"
#include "w2v_portable.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>


/* Grow *p (items of size sz, capacity *cap) to hold at least need items. */
static int grow(void **p, int64_t *cap, int64_t need, size_t sz)
{
    int64_t c = *cap > 0 ? *cap : 16;
    void *q;
    if (need <= *cap)
        return W2V_SCAN_OK;
    while (c < need)
        c *= 2;
    q = realloc(*p, (size_t)c * sz);
    if (!q)
        return W2V_SCAN_ENOMEM;
    *p = q;
    *cap = c;
    return W2V_SCAN_OK;
}

/* ---- pair table ------------------------------------------------------------------ */

/* Zeroed slots (w2v_malloc_zeroed: with the huge-page hint, since a big table is
   probed at random, one TLB miss a probe with 4 KiB pages). */
static w2v_pslot *alloc_slots(int64_t cap)
{
    return (w2v_pslot *)w2v_malloc_zeroed((size_t)cap * sizeof(w2v_pslot));
}

static inline uint64_t pair_hash(uint32_t a, uint32_t b, uint32_t run)
{
    return w2v_fmix64(((uint64_t)a << 32 | b) ^ ((uint64_t)run * UINT64_C(0x9E3779B97F4A7C15)));
}

int w2v_ptab_init(w2v_ptab *p, int64_t expected)
{
    int64_t cap = 1024;
    while (cap * 7 < expected * 10)
        cap <<= 1;
    memset(p, 0, sizeof(*p));
    p->slots = alloc_slots(cap);
    if (!p->slots)
        return W2V_SCAN_ENOMEM;
    p->mask = (uint64_t)cap - 1;
    return W2V_SCAN_OK;
}

void w2v_ptab_free(w2v_ptab *p)
{
    free(p->slots);
    memset(p, 0, sizeof(*p));
}

static inline w2v_pslot *pair_probe(const w2v_ptab *p, uint32_t a1, uint32_t b, uint32_t run,
                                    uint64_t h)
{
    uint64_t i = h & p->mask;
    for (;; i = (i + 1) & p->mask) {
        w2v_pslot *s = &p->slots[i];
        if (!s->a1 || (s->a1 == a1 && s->b == b && s->run == run))
            return s;
    }
}

static int pair_rehash(w2v_ptab *p, int64_t cap)
{
    w2v_pslot *old = p->slots;
    uint64_t j, old_cap = p->mask + 1;
    w2v_pslot *slots = alloc_slots(cap);
    if (!slots)
        return W2V_SCAN_ENOMEM;
    p->slots = slots;
    p->mask = (uint64_t)cap - 1;
    for (j = 0; j < old_cap; j++)
        if (old[j].a1) {
            w2v_pslot *s = pair_probe(p, old[j].a1, old[j].b, old[j].run,
                                      pair_hash(old[j].a1 - 1, old[j].b, old[j].run));
            *s = old[j];
        }
    free(old);
    return W2V_SCAN_OK;
}

int w2v_ptab_add(w2v_ptab *p, uint32_t a, uint32_t b, uint32_t run, int64_t count)
{
    w2v_pslot *s = pair_probe(p, a + 1, b, run, pair_hash(a, b, run));
    if (s->a1) {
        s->count += count;
        return W2V_SCAN_OK;
    }
    s->a1 = a + 1;
    s->b = b;
    s->run = run;
    s->pad = 0;
    s->count = count;
    p->n++;
    if ((uint64_t)p->n * 10 > (p->mask + 1) * 7)
        return pair_rehash(p, (int64_t)(p->mask + 1) * 2);
    return W2V_SCAN_OK;
}

int64_t w2v_ptab_get(const w2v_ptab *p, uint32_t a, uint32_t b, uint32_t run)
{
    const w2v_pslot *s = pair_probe(p, a + 1, b, run, pair_hash(a, b, run));
    return s->a1 ? s->count : -1;
}

/* ---- counting -------------------------------------------------------------------- */

int w2v_phr_counter_init(w2v_phr_counter *c, int64_t max_token, int64_t max_size,
                         const w2v_vtab *conn, int cross_lines)
{
    int rc;
    memset(c, 0, sizeof(*c));
    c->cross_lines = cross_lines;
    c->prev = -1;
    c->conn = conn;
    c->max_size = max_size;
    c->min_reduce = 1;
    if ((rc = w2v_vtab_init(&c->uni, 1 << 10, 0)) != W2V_SCAN_OK)
        return rc;
    if ((rc = w2v_vtab_init(&c->runs, 16, 0)) != W2V_SCAN_OK) {
        w2v_vtab_free(&c->uni);
        return rc;
    }
    if ((rc = w2v_ptab_init(&c->pairs, 1 << 10)) != W2V_SCAN_OK) {
        w2v_vtab_free(&c->uni);
        w2v_vtab_free(&c->runs);
        return rc;
    }
    if ((rc = w2v_scan_init(&c->sc, &c->uni, max_token, 0, 1)) != W2V_SCAN_OK) {
        w2v_phr_counter_free(c);
        return rc;
    }
    return W2V_SCAN_OK;
}

void w2v_phr_counter_free(w2v_phr_counter *c)
{
    w2v_scan_free(&c->sc);
    w2v_vtab_free(&c->uni);
    w2v_vtab_free(&c->runs);
    w2v_ptab_free(&c->pairs);
    free(c->conn_of);
    free(c->run);
    memset(c, 0, sizeof(*c));
}

/* Connector index of word x, or -1. */
static inline int64_t conn_index(w2v_phr_counter *c, int64_t x)
{
    if (!c->conn)
        return -1;
    if (x >= c->conn_known) {
        int64_t i;
        if (grow((void **)&c->conn_of, &c->conn_cap, c->uni.n, sizeof(int32_t)) != W2V_SCAN_OK)
            return -2;
        for (i = c->conn_known; i < c->uni.n; i++) {
            const w2v_entry *e = &c->uni.e[i];
            c->conn_of[i] = (int32_t)w2v_vtab_find(c->conn, (const uint8_t *)c->uni.arena + e->off,
                                                   e->len);
        }
        c->conn_known = c->uni.n;
    }
    return c->conn_of[x];
}

static inline void sentence_reset(w2v_phr_counter *c)
{
    c->prev = -1;
    c->run_len = 0;
}

static int64_t intern_run(w2v_vtab *runs, const uint32_t *run, int64_t len, int64_t count)
{
    int64_t idx = w2v_vtab_add(runs, (const uint8_t *)run, len * (int64_t)sizeof(uint32_t), count);
    return idx < 0 ? -1 : idx + 1;
}

static int step(w2v_phr_counter *c, int64_t x)
{
    int64_t ci = conn_index(c, x);
    if (ci == -2)
        return W2V_SCAN_ENOMEM;
    if (c->context) {
        const w2v_entry *e = &c->uni.e[x];
        /* the word was counted by the scanner: take it back */
        if (w2v_vtab_add(&c->uni, (const uint8_t *)c->uni.arena + e->off, e->len, -1) < 0)
            return W2V_SCAN_ENOMEM;
        c->context_tokens++;
    }
    if (ci >= 0) {
        if (c->prev >= 0) {
            if (grow((void **)&c->run, &c->run_cap, c->run_len + 1, sizeof(uint32_t)))
                return W2V_SCAN_ENOMEM;
            c->run[c->run_len++] = (uint32_t)ci;
        }
        return W2V_SCAN_OK;
    }
    if (c->prev >= 0 && !c->context) {
        int64_t run = 0;
        if (c->run_len && (run = intern_run(&c->runs, c->run, c->run_len, 1)) < 0)
            return W2V_SCAN_ENOMEM;
        if (w2v_ptab_add(&c->pairs, (uint32_t)c->prev, (uint32_t)x, (uint32_t)run, 1))
            return W2V_SCAN_ENOMEM;
    }
    c->prev = x;
    c->run_len = 0;
    return W2V_SCAN_OK;
}

/* Count the pairs of the ids the scanner recorded, then empty its buffers. */
static int walk(w2v_phr_counter *c)
{
    w2v_scanner *s = &c->sc;
    int64_t k, e = 0, n = s->ids_len, m = s->ends_len, base = s->ids_base;
    int rc;
    if (!s->ids_valid)
        return W2V_SCAN_TOO_MANY; /* more than 2**31 distinct words */
    for (k = 0; k < n; k++) {
        while (e < m && s->ends[e] - base <= k) {
            if (!c->cross_lines)
                sentence_reset(c);
            e++;
        }
        if ((rc = step(c, s->ids[k])) != W2V_SCAN_OK)
            return rc;
    }
    if (e < m && !c->cross_lines)
        sentence_reset(c);
    s->ids_base += n;
    s->ids_len = 0;
    s->ends_len = 0;
    return W2V_SCAN_OK;
}

int w2v_phr_prune(w2v_phr_counter *c)
{
    int64_t i, j = 0, n = c->uni.n, *map;
    uint64_t k, cap = c->pairs.mask + 1;
    w2v_pslot *old = c->pairs.slots;
    int rc;
    map = (int64_t *)malloc((size_t)(n + 1) * sizeof(int64_t));
    c->pairs.slots = alloc_slots((int64_t)cap);
    if (!map || !c->pairs.slots) {
        free(map);
        free(c->pairs.slots);
        c->pairs.slots = old;
        return W2V_SCAN_ENOMEM;
    }
    w2v_vtab_counts(&c->uni, map);
    for (i = 0; i < n; i++)
        map[i] = map[i] > c->min_reduce ? j++ : -1;
    if ((rc = w2v_vtab_prune(&c->uni, c->min_reduce)) != W2V_SCAN_OK) {
        free(c->pairs.slots);
        c->pairs.slots = old;
        free(map);
        return rc;
    }
    c->pairs.n = 0;
    for (k = 0; k < cap; k++) {
        w2v_pslot s = old[k];
        if (!s.a1)
            continue;
        if (s.count <= c->min_reduce || map[s.a1 - 1] < 0 || map[s.b] < 0) {
            c->pruned_pairs++;
            continue;
        }
        s.a1 = (uint32_t)map[s.a1 - 1] + 1;
        s.b = (uint32_t)map[s.b];
        *pair_probe(&c->pairs, s.a1, s.b, s.run, pair_hash(s.a1 - 1, s.b, s.run)) = s;
        c->pairs.n++;
    }
    free(old);
    c->prev = c->prev >= 0 ? map[c->prev] : -1;
    if (c->prev < 0)
        c->run_len = 0;
    c->conn_known = 0;
    c->min_reduce++;
    c->prunes++;
    free(map);
    return W2V_SCAN_OK;
}

static int maybe_prune(w2v_phr_counter *c)
{
    if (c->max_size > 0 && c->uni.n + c->pairs.n > c->max_size)
        return w2v_phr_prune(c);
    return W2V_SCAN_OK;
}

int w2v_phr_feed(w2v_phr_counter *c, const uint8_t *buf, int64_t n)
{
    int64_t off;
    int rc;
    for (off = 0; off < n; off += W2V_PHR_PIECE) {
        int64_t m = n - off < W2V_PHR_PIECE ? n - off : W2V_PHR_PIECE;
        if ((rc = w2v_scan_feed(&c->sc, buf + off, m)) != W2V_SCAN_OK || (rc = walk(c)) != W2V_SCAN_OK
            || (rc = maybe_prune(c)) != W2V_SCAN_OK)
            return rc;
    }
    return W2V_SCAN_OK;
}

int w2v_phr_end_source(w2v_phr_counter *c)
{
    int rc = w2v_scan_end_source(&c->sc);
    if (rc == W2V_SCAN_OK)
        rc = walk(c);
    sentence_reset(c);
    return rc;
}

int w2v_phr_context(w2v_phr_counter *c, const uint8_t *buf, int64_t n)
{
    int rc;
    c->context = 1;
    rc = w2v_scan_feed(&c->sc, buf, n);
    if (rc == W2V_SCAN_OK)
        rc = walk(c);
    c->context = 0;
    return rc;
}

int w2v_phr_token(w2v_phr_counter *c, const uint8_t *p, int64_t n)
{
    int rc = w2v_scan_token(&c->sc, p, n);
    return rc == W2V_SCAN_OK ? walk(c) : rc;
}

int w2v_phr_end_sentence(w2v_phr_counter *c)
{
    int rc = w2v_scan_end_sentence(&c->sc);
    if (rc == W2V_SCAN_OK)
        rc = walk(c);
    if (!c->cross_lines)
        sentence_reset(c);
    return rc == W2V_SCAN_OK ? maybe_prune(c) : rc;
}

int64_t w2v_phr_tokens(const w2v_phr_counter *c)
{
    return c->sc.tokens - c->context_tokens;
}

int w2v_phr_merge(w2v_phr_counter *into, const w2v_phr_counter *from)
{
    int64_t *umap = (int64_t *)malloc((size_t)(from->uni.n + 1) * sizeof(int64_t));
    int64_t *rmap = (int64_t *)malloc((size_t)(from->runs.n + 1) * sizeof(int64_t));
    uint64_t k;
    int rc = W2V_SCAN_ENOMEM;
    if (!umap || !rmap)
        goto done;
    if ((rc = w2v_vtab_merge(&into->uni, &from->uni, umap)) != W2V_SCAN_OK
        || (rc = w2v_vtab_merge(&into->runs, &from->runs, rmap)) != W2V_SCAN_OK)
        goto done;
    for (k = 0; k <= from->pairs.mask; k++) {
        const w2v_pslot *s = &from->pairs.slots[k];
        if (!s->a1)
            continue;
        rc = w2v_ptab_add(&into->pairs, (uint32_t)umap[s->a1 - 1], (uint32_t)umap[s->b],
                          s->run ? (uint32_t)(rmap[s->run - 1] + 1) : 0, s->count);
        if (rc != W2V_SCAN_OK)
            goto done;
    }
    into->sc.tokens += from->sc.tokens;
    into->sc.cut += from->sc.cut;
    into->sc.sentences += from->sc.sentences;
    if (from->sc.longest > into->sc.longest)
        into->sc.longest = from->sc.longest;
    into->context_tokens += from->context_tokens;
    into->prunes += from->prunes;
    into->pruned_pairs += from->pruned_pairs;
    into->uni.pruned_words += from->uni.pruned_words;
    into->uni.pruned_tokens += from->uni.pruned_tokens;
    if (from->min_reduce > into->min_reduce)
        into->min_reduce = from->min_reduce;
    rc = maybe_prune(into);
done:
    free(umap);
    free(rmap);
    return rc;
}

/* Back from the end of buf[0..n): the start of the last token in neither `skip` nor
   `skip2` (each may be NULL; tokens cut to max_token bytes for the look-ups); or, when
   newline_stops, the offset of a '\n' met first, as -2 - offset; or -1 at buf's start. */
static int64_t last_token_not_in(const uint8_t *buf, int64_t n, const w2v_vtab *skip,
                                 const w2v_vtab *skip2, int64_t max_token, int newline_stops)
{
    int64_t i = n, end, start, len;
    for (;;) {
        while (i > 0 && w2v_sep[buf[i - 1]]) {
            if (w2v_sep[buf[i - 1]] == 2 && newline_stops)
                return -2 - (i - 1);
            i--;
        }
        if (i == 0)
            return -1;
        end = i;
        while (i > 0 && !w2v_sep[buf[i - 1]])
            i--;
        start = i;
        len = end - start;
        if (len > max_token)
            len = w2v_utf8_cut(buf + start, max_token);
        if ((!skip || w2v_vtab_find(skip, buf + start, len) < 0)
            && (!skip2 || w2v_vtab_find(skip2, buf + start, len) < 0))
            return start;
    }
}

int64_t w2v_phr_lead_start(const uint8_t *buf, int64_t n, const w2v_vtab *conn,
                           int64_t max_token, int cross_lines)
{
    int64_t s = last_token_not_in(buf, n, conn, NULL, max_token, !cross_lines);
    /* a '\n' after the sentence's last non-connector: no context */
    return s >= 0 ? s : s == -1 ? 0 : n;
}

/* ---- scoring --------------------------------------------------------------------- */

int64_t w2v_phr_score(const w2v_phr_counter *c, int scoring, int64_t min_count,
                      double threshold, int64_t train_words, uint32_t *out_a, uint32_t *out_b,
                      uint32_t *out_run, int64_t *out_count, double *out_score, int64_t cap)
{
    int64_t k = 0, *counts = (int64_t *)malloc((size_t)(c->uni.n + 1) * sizeof(int64_t));
    uint64_t j;
    w2v_score_rule rule = w2v_make_rule(scoring, min_count, threshold, train_words);
    if (!counts)
        return -1;
    w2v_vtab_counts(&c->uni, counts);
    for (j = 0; j <= c->pairs.mask; j++) {
        const w2v_pslot *s = &c->pairs.slots[j];
        double score;
        if (!s->a1 || !w2v_pair_passes(&rule, counts[s->a1 - 1], counts[s->b], s->count, &score))
            continue;
        if (k < cap) {
            out_a[k] = s->a1 - 1;
            out_b[k] = s->b;
            out_run[k] = s->run;
            out_count[k] = s->count;
            out_score[k] = score;
        }
        k++;
    }
    free(counts);
    return k;
}

/* ---- rewriting ------------------------------------------------------------------- */

int w2v_phr_rw_init(w2v_phr_rewriter *r, const w2v_phr_table *t, int want_flags)
{
    memset(r, 0, sizeof(*r));
    r->t = t;
    r->prev = -1;
    r->want_flags = want_flags;
    w2v_carry_init(&r->carry, t->max_token);
    r->out_cap = 1 << 16;
    r->out = (uint8_t *)malloc((size_t)r->out_cap);
    if (!r->carry.bytes || !r->out) {
        w2v_phr_rw_free(r);
        return W2V_SCAN_ENOMEM;
    }
    return W2V_SCAN_OK;
}

void w2v_phr_rw_free(w2v_phr_rewriter *r)
{
    free(r->out);
    free(r->flags);
    w2v_carry_free(&r->carry);
    free(r->pend);
    free(r->pend_end);
    free(r->pend_run);
    memset(r, 0, sizeof(*r));
}

static int put_token(w2v_phr_rewriter *r, const uint8_t *p, int64_t n, int joined)
{
    const w2v_phr_table *t = r->t;
    if (grow((void **)&r->out, &r->out_cap, r->out_len + n + t->delim_len, 1))
        return W2V_SCAN_ENOMEM;
    if (joined) {
        memcpy(r->out + r->out_len, t->delim, (size_t)t->delim_len);
        r->out_len += t->delim_len;
    } else {
        r->out[r->out_len++] = ' ';
    }
    memcpy(r->out + r->out_len, p, (size_t)n);
    r->out_len += n;
    r->line_tokens++;
    if (r->want_flags) {
        if (grow((void **)&r->flags, &r->flags_cap, r->flags_len + 1, 1))
            return W2V_SCAN_ENOMEM;
        r->flags[r->flags_len++] = (uint8_t)joined;
    }
    return W2V_SCAN_OK;
}

/* Write the connectors held after an open first word. */
static int flush_pending(w2v_phr_rewriter *r, int joined)
{
    int64_t i, a = 0;
    int rc;
    for (i = 0; i < r->pend_n; i++) {
        if ((rc = put_token(r, r->pend + a, r->pend_end[i] - a, joined)) != W2V_SCAN_OK)
            return rc;
        a = r->pend_end[i];
    }
    r->pend_n = r->pend_len = 0;
    return W2V_SCAN_OK;
}

static int rw_word(w2v_phr_rewriter *r, const uint8_t *p, int64_t n, int cut)
{
    const w2v_phr_table *t = r->t;
    int64_t id, ci = -1;
    int joined = 0, rc;
    r->tokens++;
    if (cut && n > t->max_token) {
        n = w2v_utf8_cut(p, t->max_token);
        r->cut++;
    }
    id = w2v_vtab_find(&t->words, p, n);
    if (id < 0 && t->conn)
        ci = w2v_vtab_find(t->conn, p, n);
    if (ci >= 0) {
        if (!(r->have_start && r->prev >= 0))
            return put_token(r, p, n, 0);
        if (grow((void **)&r->pend, &r->pend_cap, r->pend_len + n, 1)
            || grow((void **)&r->pend_end, &r->pend_cap_n, r->pend_n + 1, sizeof(int64_t)))
            return W2V_SCAN_ENOMEM;
        /* pend_run has the capacity of pend_end (grown with it) */
        {
            int64_t cap = r->pend_cap_n;
            uint32_t *q = (uint32_t *)realloc(r->pend_run, (size_t)cap * sizeof(uint32_t));
            if (!q)
                return W2V_SCAN_ENOMEM;
            r->pend_run = q;
        }
        memcpy(r->pend + r->pend_len, p, (size_t)n);
        r->pend_len += n;
        r->pend_end[r->pend_n] = r->pend_len;
        r->pend_run[r->pend_n++] = (uint32_t)ci;
        return W2V_SCAN_OK;
    }
    if (r->have_start && r->prev >= 0 && id >= 0) {
        int64_t run = 0;
        if (r->pend_n) {
            run = w2v_vtab_find(&t->runs, (const uint8_t *)r->pend_run,
                                r->pend_n * (int64_t)sizeof(uint32_t));
            run = run < 0 ? -1 : run + 1;
        }
        joined = run >= 0 && w2v_ptab_get(&t->pairs, (uint32_t)r->prev, (uint32_t)id,
                                          (uint32_t)run) >= 0;
    }
    if ((rc = flush_pending(r, joined)) != W2V_SCAN_OK || (rc = put_token(r, p, n, joined)))
        return rc;
    if (joined) {
        r->joins++;
        r->have_start = 0;
        r->prev = -1;
    } else {
        r->have_start = 1;
        r->prev = id;
    }
    return W2V_SCAN_OK;
}

static int rw_newline(w2v_phr_rewriter *r, int write)
{
    int rc = flush_pending(r, 0);
    if (rc != W2V_SCAN_OK)
        return rc;
    r->have_start = 0;
    r->prev = -1;
    if (write) {
        if (grow((void **)&r->out, &r->out_cap, r->out_len + 1, 1))
            return W2V_SCAN_ENOMEM;
        r->out[r->out_len++] = '\n';
        r->line_tokens = 0;
    }
    return W2V_SCAN_OK;
}

static int rw_token(void *r, const uint8_t *p, int64_t n, int64_t avail)
{
    (void)avail;
    return rw_word((w2v_phr_rewriter *)r, p, n, 1);
}

static int rw_line(void *r)
{
    return rw_newline((w2v_phr_rewriter *)r, 1);
}

int w2v_phr_rw_feed(w2v_phr_rewriter *r, const uint8_t *buf, int64_t n)
{
    return w2v_tokenize(&r->carry, buf, n, rw_token, rw_line, r);
}

int w2v_phr_rw_end_source(w2v_phr_rewriter *r)
{
    int rc = w2v_tokenize_end(&r->carry, rw_token, r);
    if (rc != W2V_SCAN_OK)
        return rc;
    return rw_newline(r, r->line_tokens > 0);
}

int w2v_phr_rw_token(w2v_phr_rewriter *r, const uint8_t *p, int64_t n)
{
    return rw_word(r, p, n, 0);
}

int w2v_phr_rw_end_sentence(w2v_phr_rewriter *r)
{
    return rw_newline(r, 1);
}

int64_t w2v_phr_rw_resync(const w2v_phr_table *t, const uint8_t *buf, int64_t n)
{
    int64_t s = last_token_not_in(buf, n, &t->words, t->conn, t->max_token, 1);
    return s >= -1 ? s : -2 - s;
}
