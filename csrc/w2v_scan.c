/* w2v_scan.c -- tokenizer, counting hash table and id remapping; see w2v_scan.h. */
#include "w2v_scan.h"

#include <stdlib.h>
#include <string.h>

#include "w2v_portable.h"

const uint8_t w2v_sep[256] = {
    ['\t'] = 1, ['\n'] = 2, ['\v'] = 1, ['\f'] = 1, ['\r'] = 1, [' '] = 1,
};

uint64_t w2v_hash_bytes(const uint8_t *p, int64_t n)
{
    return w2v_hash_seeded(p, n, UINT64_C(0x9E3779B97F4A7C15) ^ (uint64_t)n);
}

uint64_t w2v_hash_seeded(const uint8_t *p, int64_t n, uint64_t h)
{
    uint64_t v;
    while (n >= 8) {
        memcpy(&v, p, 8);
        h = (h ^ v) * UINT64_C(0xBF58476D1CE4E5B9);
        h ^= h >> 31;
        p += 8;
        n -= 8;
    }
    if (n > 0) {
        v = 0;
        memcpy(&v, p, (size_t)n);
        h = (h ^ v) * UINT64_C(0x94D049BB133111EB);
    }
    h ^= h >> 32;
    h *= UINT64_C(0xD6E8FEB86659FD93);
    h ^= h >> 32;
    return h;
}

/* memcmp(a, b, n) == 0 for the short words of text, without a libc call */
static inline int same_bytes(const char *a, const uint8_t *b, int64_t n)
{
    uint64_t x, y;
    for (; n >= 8; a += 8, b += 8, n -= 8) {
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        if (x != y)
            return 0;
    }
    for (; n > 0; n--)
        if ((uint8_t)*a++ != *b++)
            return 0;
    return 1;
}

/* n zeroed slots, 64-byte aligned; *mem gets what to free */
static w2v_slot *zeroed_slots(int64_t n, void **mem)
{
    return (w2v_slot *)w2v_malloc_zeroed_aligned((size_t)n * sizeof(w2v_slot), 64, mem);
}

static int64_t pow2_at_least(int64_t x)
{
    int64_t c = 1024;
    while (c < x)
        c <<= 1;
    return c;
}

int w2v_vtab_init(w2v_vtab *t, int64_t expected, int64_t max_size)
{
    int64_t cap = pow2_at_least(2 * (expected > 0 ? expected : 1));
    memset(t, 0, sizeof(*t));
    t->slots = zeroed_slots(cap, &t->slots_mem);
    t->e_cap = cap / 2;
    t->e = (w2v_entry *)malloc((size_t)t->e_cap * sizeof(w2v_entry));
    t->arena_cap = 1 << 16;
    t->arena = (char *)malloc((size_t)t->arena_cap);
    if (!t->slots || !t->e || !t->arena) {
        w2v_vtab_free(t);
        return W2V_SCAN_ENOMEM;
    }
    t->mask = (uint64_t)cap - 1;
    t->max_size = max_size;
    t->min_reduce = 1;
    return W2V_SCAN_OK;
}

void w2v_vtab_free(w2v_vtab *t)
{
    free(t->slots_mem);
    free(t->e);
    free(t->arena);
    memset(t, 0, sizeof(*t));
}

/* Slot key (k[0], k[1]) and hash of a word; wide: 16 bytes may be read at p whatever
   n. */
static inline void word_key16(const uint8_t *p, int64_t n, uint64_t *k, uint64_t *hash,
                              int wide)
{
    uint64_t h;
    int64_t i;
    k[0] = k[1] = 0;
    if (n > 16) {
        *hash = k[0] = w2v_hash_bytes(p, n);
        return;
    }
    if (W2V_SWAR && wide) {
        memcpy(&k[0], p, 8);
        memcpy(&k[1], p + 8, 8);
        if (n < 8) {
            k[0] &= (UINT64_C(1) << (8 * n)) - 1;
            k[1] = 0;
        } else if (n < 16) {
            k[1] &= (UINT64_C(1) << (8 * (n - 8))) - 1;
        }
    } else {
        for (i = 0; i < n; i++)
            k[i >> 3] |= (uint64_t)p[i] << (8 * (i & 7));
    }
    h = (k[0] ^ (uint64_t)n << 59) * UINT64_C(0x9E3779B97F4A7C15);
    if (n > 8)
        h = (h ^ (h >> 31) ^ k[1]) * UINT64_C(0xBF58476D1CE4E5B9);
    *hash = h ^ (h >> 29);
}

static inline void word_key(const uint8_t *p, int64_t n, uint64_t *k, uint64_t *hash)
{
    word_key16(p, n, k, hash, 0);
}

static inline uint32_t len32(int64_t n) { return n < (int64_t)UINT32_MAX ? (uint32_t)n : UINT32_MAX; }

/* The slot holding the word (key and hash from word_key), or the empty slot where
   it would go. */
static inline w2v_slot *probe(const w2v_vtab *t, const uint8_t *p, int64_t n,
                              const uint64_t *key, uint64_t hash)
{
    uint64_t i = hash & t->mask;
    uint32_t l = len32(n);
    for (;; i = (i + 1) & t->mask) {
        w2v_slot *s = &t->slots[i];
        if (!s->idx1)
            return s;
        if (s->key[0] == key[0] && s->key[1] == key[1] && s->len == l
            && (n <= 16 || same_bytes(t->arena + t->e[s->idx1 - 1].off, p, n)))
            return s;
    }
}

static void put(w2v_vtab *t, const w2v_slot *src, uint64_t h)
{
    uint64_t i = h & t->mask;
    while (t->slots[i].idx1)
        i = (i + 1) & t->mask;
    t->slots[i] = *src;
}

/* Rebuild the slots: after growth (counts NULL: the old slots are moved) or after
   pruning renumbered the entries (counts[i]: entry i's count). */
static int rehash(w2v_vtab *t, int64_t cap, const int64_t *counts)
{
    w2v_slot *old = t->slots, *slots;
    void *old_mem = t->slots_mem, *mem;
    uint64_t old_cap = t->mask + 1, j, h;
    int64_t i;
    slots = zeroed_slots(cap, &mem);
    if (!slots)
        return W2V_SCAN_ENOMEM;
    t->slots = slots;
    t->slots_mem = mem;
    t->mask = (uint64_t)cap - 1;
    if (!counts) {
        for (j = 0; j < old_cap; j++)
            if (old[j].idx1)
                put(t, &old[j], t->e[old[j].idx1 - 1].hash);
    } else {
        for (i = 0; i < t->n; i++) {
            w2v_slot s;
            word_key((const uint8_t *)t->arena + t->e[i].off, t->e[i].len, s.key, &h);
            s.idx1 = (uint32_t)(i + 1);
            s.len = len32(t->e[i].len);
            s.count = counts[i];
            put(t, &s, t->e[i].hash);
        }
    }
    free(old_mem);
    return W2V_SCAN_OK;
}

void w2v_vtab_counts(const w2v_vtab *t, int64_t *counts)
{
    uint64_t j;
    for (j = 0; j <= t->mask; j++)
        if (t->slots[j].idx1)
            counts[t->slots[j].idx1 - 1] = t->slots[j].count;
}

int w2v_vtab_merge(w2v_vtab *into, const w2v_vtab *from, int64_t *map)
{
    int64_t i, *counts = (int64_t *)malloc((size_t)(from->n + 1) * sizeof(int64_t));
    if (!counts)
        return W2V_SCAN_ENOMEM;
    w2v_vtab_counts(from, counts);
    for (i = 0; i < from->n; i++) {
        map[i] = w2v_vtab_add(into, (const uint8_t *)from->arena + from->e[i].off, from->e[i].len,
                              counts[i]);
        if (map[i] < 0) {
            free(counts);
            return W2V_SCAN_ENOMEM;
        }
    }
    free(counts);
    return W2V_SCAN_OK;
}

static inline int64_t find_kh(const w2v_vtab *t, const uint8_t *p, int64_t n,
                              const uint64_t *key, uint64_t h)
{
    const w2v_slot *s = probe(t, p, n, key, h);
    return s->idx1 ? (int64_t)s->idx1 - 1 : -1;
}

int64_t w2v_vtab_find(const w2v_vtab *t, const uint8_t *p, int64_t n)
{
    uint64_t h, key[2];
    word_key(p, n, key, &h);
    return find_kh(t, p, n, key, h);
}

static int64_t add_kh(w2v_vtab *t, const uint8_t *p, int64_t n, int64_t count,
                      const uint64_t *key, uint64_t h);

int64_t w2v_vtab_add(w2v_vtab *t, const uint8_t *p, int64_t n, int64_t count)
{
    uint64_t h, key[2];
    word_key(p, n, key, &h);
    return add_kh(t, p, n, count, key, h);
}

static int64_t add_kh(w2v_vtab *t, const uint8_t *p, int64_t n, int64_t count,
                      const uint64_t *key, uint64_t h)
{
    int64_t idx;
    w2v_entry *e;
    w2v_slot *s = probe(t, p, n, key, h);
    if (s->idx1) {
        s->count += count;
        return (int64_t)s->idx1 - 1;
    }
    if (t->n >= (int64_t)UINT32_MAX - 1)
        return -1;
    if (t->n == t->e_cap) {
        int64_t cap = t->e_cap * 2;
        w2v_entry *ne = (w2v_entry *)realloc(t->e, (size_t)cap * sizeof(w2v_entry));
        if (!ne)
            return -1;
        t->e = ne;
        t->e_cap = cap;
    }
    if (t->arena_len + n > t->arena_cap) {
        int64_t cap = t->arena_cap * 2;
        char *na;
        while (cap < t->arena_len + n)
            cap *= 2;
        na = (char *)realloc(t->arena, (size_t)cap);
        if (!na)
            return -1;
        t->arena = na;
        t->arena_cap = cap;
    }
    idx = t->n++;
    e = &t->e[idx];
    e->hash = h;
    e->off = t->arena_len;
    e->len = n;
    e->first = t->next_first++;
    memcpy(t->arena + t->arena_len, p, (size_t)n);
    t->arena_len += n;
    s->key[0] = key[0];
    s->key[1] = key[1];
    s->idx1 = (uint32_t)(idx + 1);
    s->len = len32(n);
    s->count = count;
    if ((uint64_t)t->n * 2 > t->mask + 1) {
        if (rehash(t, (int64_t)(t->mask + 1) * 2, NULL) != W2V_SCAN_OK)
            return -1;
    }
    if (t->max_size > 0 && t->n > t->max_size) {
        if (w2v_vtab_prune(t, t->min_reduce) != W2V_SCAN_OK)
            return -1;
        t->min_reduce++;
        return -2;
    }
    return idx;
}

int w2v_vtab_prune(w2v_vtab *t, int64_t min_count)
{
    int64_t r, w = 0, a = 0, *counts = (int64_t *)malloc((size_t)(t->n + 1) * sizeof(int64_t));
    if (!counts)
        return W2V_SCAN_ENOMEM;
    w2v_vtab_counts(t, counts);
    for (r = 0; r < t->n; r++) {
        w2v_entry e = t->e[r];
        if (counts[r] <= min_count) {
            t->pruned_words++;
            t->pruned_tokens += counts[r];
            continue;
        }
        /* entries are in arena order, so moving words down never overlaps badly */
        memmove(t->arena + a, t->arena + e.off, (size_t)e.len);
        e.off = a;
        a += e.len;
        counts[w] = counts[r];
        t->e[w++] = e;
    }
    t->n = w;
    t->arena_len = a;
    t->prunes++;
    r = rehash(t, (int64_t)(t->mask + 1), counts);
    free(counts);
    return (int)r;
}

int w2v_scan_init(w2v_scanner *s, w2v_vtab *t, int64_t max_token, int frozen, int record)
{
    memset(s, 0, sizeof(*s));
    if (max_token < 4 || max_token > W2V_SCAN_MAX_TOKEN_LIMIT)
        return W2V_SCAN_TOO_MANY;
    s->t = t;
    s->frozen = frozen;
    s->record = record;
    s->ids_valid = record;
    s->max_token = max_token;
    w2v_carry_init(&s->carry, max_token);
    s->ids_cap = 1 << 16;
    s->ids = (int32_t *)malloc((size_t)s->ids_cap * sizeof(int32_t));
    s->ends_cap = 1 << 10;
    s->ends = (int64_t *)malloc((size_t)s->ends_cap * sizeof(int64_t));
    if (!s->carry.bytes || !s->ids || !s->ends) {
        w2v_scan_free(s);
        return W2V_SCAN_ENOMEM;
    }
    return W2V_SCAN_OK;
}

void w2v_scan_free(w2v_scanner *s)
{
    w2v_carry_free(&s->carry);
    free(s->ids);
    free(s->ends);
    memset(s, 0, sizeof(*s));
}

int64_t w2v_utf8_cut(const uint8_t *p, int64_t max_token)
{
    int64_t k;
    /* p[c] is not a continuation byte (10xxxxxx): a character starts at c */
    for (k = 0; k <= 3; k++)
        if ((p[max_token - k] & 0xC0) != 0x80)
            return max_token - k;
    return max_token; /* not UTF-8 here anyway */
}

/* Make room for one more item in *p (length len, capacity *cap, items of sz bytes). */
static int room_for_one(void **p, int64_t len, int64_t *cap, size_t sz)
{
    void *q;
    if (len < *cap)
        return W2V_SCAN_OK;
    if (!(q = realloc(*p, (size_t)(*cap * 2) * sz)))
        return W2V_SCAN_ENOMEM;
    *p = q;
    *cap *= 2;
    return W2V_SCAN_OK;
}

static int push_id(w2v_scanner *s, int32_t id)
{
    if (room_for_one((void **)&s->ids, s->ids_len, &s->ids_cap, sizeof(int32_t)))
        return W2V_SCAN_ENOMEM;
    s->ids[s->ids_len++] = id;
    s->sent_len++;
    return W2V_SCAN_OK;
}

int w2v_scan_end_sentence(w2v_scanner *s)
{
    if (s->mark_newlines)
        return W2V_SCAN_OK;
    if (!s->record || s->sent_len == 0)
        return W2V_SCAN_OK;
    if (room_for_one((void **)&s->ends, s->ends_len, &s->ends_cap, sizeof(int64_t)))
        return W2V_SCAN_ENOMEM;
    s->ends[s->ends_len++] = s->ids_base + s->ids_len;
    s->sent_len = 0;
    s->sentences++;
    return W2V_SCAN_OK;
}

int w2v_scan_mark_line(w2v_scanner *s)
{
    return s->record ? push_id(s, W2V_SCAN_NEWLINE) : W2V_SCAN_OK;
}

/* A token between being found and being counted: its slot is prefetched while
   the next tokens are found, so the table's cache misses overlap. */
typedef struct {
    const uint8_t *p;
    int64_t n;
    uint64_t key[2], hash;
} w2v_tok;

#define W2V_QUEUE 16

static inline void prep(w2v_scanner *s, w2v_tok *q, const uint8_t *p, int64_t n, int cut,
                        int wide)
{
    s->tokens++;
    if (cut && n > s->max_token) {
        n = w2v_utf8_cut(p, s->max_token);
        s->cut++;
    }
    if (n > s->longest)
        s->longest = n;
    q->p = p;
    q->n = n;
    word_key16(p, n, q->key, &q->hash, wide);
    W2V_PREFETCH_READ(&s->t->slots[q->hash & s->t->mask]);
}

static inline int commit(w2v_scanner *s, const w2v_tok *q)
{
    int64_t idx;
    if (s->frozen) {
        idx = find_kh(s->t, q->p, q->n, q->key, q->hash);
        if (idx < 0) {
            s->oov++;
            return W2V_SCAN_OK;
        }
    } else {
        idx = add_kh(s->t, q->p, q->n, 1, q->key, q->hash);
        if (idx == -1)
            return W2V_SCAN_ENOMEM;
        if (idx == -2 || idx > INT32_MAX) {
            /* provisional ids no longer name words: the caller encodes in a second pass */
            s->record = 0;
            s->ids_valid = 0;
            return W2V_SCAN_OK;
        }
    }
    return s->record ? push_id(s, (int32_t)idx) : W2V_SCAN_OK;
}

/* One whole token (n <= max_token + 1 bytes when it comes from text). */
static int emit(w2v_scanner *s, const uint8_t *p, int64_t n, int cut)
{
    w2v_tok q;
    prep(s, &q, p, n, cut, 0);
    return commit(s, &q);
}

static int commit_all(w2v_scanner *s, const w2v_tok *q, int *nq)
{
    int k, rc = W2V_SCAN_OK;
    for (k = 0; k < *nq && rc == W2V_SCAN_OK; k++)
        rc = commit(s, &q[k]);
    *nq = 0;
    return rc;
}

int w2v_scan_token(w2v_scanner *s, const uint8_t *p, int64_t n)
{
    return emit(s, p, n, 0);
}

int w2v_carry_init(w2v_carry *c, int64_t max_token)
{
    c->bytes = (uint8_t *)malloc((size_t)max_token + 1);
    c->len = c->total = 0;
    c->max_token = max_token;
    return c->bytes ? W2V_SCAN_OK : W2V_SCAN_ENOMEM;
}

void w2v_carry_free(w2v_carry *c)
{
    free(c->bytes);
    c->bytes = NULL;
}

static void carry_append(w2v_carry *c, const uint8_t *p, int64_t n)
{
    int64_t room = c->max_token + 1 - c->len;
    if (n > room)
        n = room;
    if (n > 0) {
        memcpy(c->bytes + c->len, p, (size_t)n);
        c->len += n;
    }
}

void w2v_carry_start(w2v_carry *c, const uint8_t *p, int64_t n)
{
    c->len = 0;
    carry_append(c, p, n);
    c->total = n;
}

int64_t w2v_carry_continue(w2v_carry *c, const uint8_t *buf, int64_t n)
{
    int64_t i = w2v_token_end(buf, 0, n);
    carry_append(c, buf, i);
    c->total += i;
    return i;
}

/* The scanner as a reader of the tokenizer: tokens of the block queue up (their
   slots prefetched) and are counted W2V_QUEUE at a time; a carried token, whose
   bytes the next carry overwrites, is counted at once. */
typedef struct {
    w2v_scanner *s;
    w2v_tok q[W2V_QUEUE];
    int nq;
} scan_reader;

W2V_ALWAYS_INLINE int scan_word(void *ctx, const uint8_t *p, int64_t n, int64_t avail)
{
    scan_reader *r = (scan_reader *)ctx;
    if (p == r->s->carry.bytes)
        return emit(r->s, p, n, 1);
    prep(r->s, &r->q[r->nq++], p, n, 1, avail >= 16);
    return r->nq == W2V_QUEUE ? commit_all(r->s, r->q, &r->nq) : W2V_SCAN_OK;
}

W2V_ALWAYS_INLINE int scan_newline(void *ctx)
{
    scan_reader *r = (scan_reader *)ctx;
    w2v_scanner *s = r->s;
    int rc;
    if ((rc = commit_all(s, r->q, &r->nq)) != W2V_SCAN_OK ||
        (rc = w2v_scan_end_sentence(s)) != W2V_SCAN_OK)
        return rc;
    if (s->mark_newlines && s->record)
        return push_id(s, W2V_SCAN_NEWLINE);
    return W2V_SCAN_OK;
}

int w2v_scan_feed(w2v_scanner *s, const uint8_t *buf, int64_t n)
{
    scan_reader r;
    int rc;
    r.s = s;
    r.nq = 0;
    rc = w2v_tokenize(&s->carry, buf, n, scan_word, scan_newline, &r);
    /* queued tokens point into buf: count them before returning */
    return rc != W2V_SCAN_OK ? rc : commit_all(s, r.q, &r.nq);
}

int w2v_scan_end_source(w2v_scanner *s)
{
    scan_reader r;
    int rc;
    r.s = s;
    r.nq = 0;
    if ((rc = w2v_tokenize_end(&s->carry, scan_word, &r)) != W2V_SCAN_OK)
        return rc;
    return w2v_scan_end_sentence(s);
}

int64_t w2v_remap_chunk(w2v_remap_state *st, int32_t *ids, int64_t n, const int32_t *remap,
                        int64_t n_remap, const int64_t *ends, int64_t m, int64_t *out_ends,
                        int64_t *consumed, int64_t *written)
{
    int64_t r = 0, w = 0, k, out = 0, stop;
    for (k = 0;; k++) {
        stop = (k < m && ends[k] <= st->r_pos + n) ? ends[k] - st->r_pos : n;
        for (; r < stop; r++) {
            int32_t p = ids[r];
            int32_t f = (p >= 0 && p < n_remap) ? remap[p] : -1;
            if (f >= 0)
                ids[w++] = f;
        }
        if (!(k < m && ends[k] <= st->r_pos + n))
            break;
        /* out <= k: out_ends may alias ends */
        if (st->w_pos + w > st->last_end) {
            st->last_end = st->w_pos + w;
            out_ends[out++] = st->last_end;
        }
    }
    *consumed = k;
    *written = out;
    st->r_pos += n;
    st->w_pos += w;
    return w;
}
