/*
 * w2v_glove.c -- GloVe's co-occurrence counting, merging and shuffling, the
 * baseline build of its update and the choice of build (see w2v_glove.h).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "w2v_atomic.h"
#include "w2v_block.h"
#include "w2v_glove.h"
#include "w2v_rng.h"

#define W2V_SFX _base
#include "w2v_glove_kernel.h"
#undef W2V_SFX

/* ---- counting ---------------------------------------------------------- */

static int64_t gcd64(int64_t a, int64_t b)
{
    while (b) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

int64_t w2v_cooc_scale(int window, int weighting, int64_t max_count)
{
    double harmonic = 0.0, limit = 4611686018427387904.0; /* 2^62 */
    int64_t lcm = 1, pow2;
    int d;
    if (!weighting)
        return 1;
    for (d = 1; d <= window; d++)
        harmonic += 1.0 / d;
    /* a pair's units: at most 2 * harmonic * max_count * scale (twice max_count
       occurrences, each with at most 1/1 + ... + 1/window of weight) */
    limit /= 2.0 * harmonic * (double)(max_count > 1 ? max_count : 1) + 1.0;
    for (d = 2; d <= window; d++) {
        int64_t g = gcd64(lcm, d);
        if ((double)lcm / (double)g * (double)d > limit) {
            lcm = 0;
            break;
        }
        lcm = lcm / g * d;
    }
    if (lcm)
        return lcm;
    for (pow2 = (int64_t)1 << 40; pow2 >= 1; pow2 >>= 1)
        if ((double)pow2 * (double)window <= limit)
            return pow2;
    return 0;
}

int w2v_cooc_layout_init(w2v_cooc_layout *L, int64_t n_words, int window, int symmetric,
                         int weighting, int64_t scale, int64_t max_product)
{
    int64_t r, d;
    memset(L, 0, sizeof(*L));
    L->n_words = n_words;
    L->window = window;
    L->symmetric = symmetric;
    L->scale = scale;
    L->shift = 1;
    while (L->shift < 32 && ((n_words - 1) >> L->shift))
        L->shift++;
    L->units = (int64_t *)malloc(((size_t)window + 1) * sizeof(int64_t));
    if (!L->units)
        return -1;
    L->units[0] = 0;
    for (d = 1; d <= window; d++)
        L->units[d] = weighting ? (scale % d == 0 ? scale / d : (int64_t)llround((double)scale / d))
                                : scale;
    /* rows with at least one dense column: (r+1)*(base+1) <= max_product */
    for (r = 0; r < n_words; r++) {
        int64_t base = symmetric ? r : 0;
        if ((r + 1) > max_product / (base + 1))
            break;
    }
    L->n_rows = r;
    L->col_end = (int32_t *)malloc(((size_t)L->n_rows + 1) * sizeof(int32_t));
    L->row_start = (int64_t *)malloc(((size_t)L->n_rows + 1) * sizeof(int64_t));
    if (!L->col_end || !L->row_start) {
        w2v_cooc_layout_free(L);
        return -1;
    }
    L->row_start[0] = 0;
    for (r = 0; r < L->n_rows; r++) {
        int64_t end = max_product / (r + 1), base = symmetric ? r : 0;
        if (end > n_words)
            end = n_words;
        L->col_end[r] = (int32_t)end;
        L->row_start[r + 1] = L->row_start[r] + (end - base);
    }
    L->dense_size = L->row_start[L->n_rows];
    return 0;
}

void w2v_cooc_layout_free(w2v_cooc_layout *L)
{
    free(L->units);
    free(L->col_end);
    free(L->row_start);
    L->units = NULL;
    L->col_end = NULL;
    L->row_start = NULL;
}

/* The sentence holding token j: the last s with offsets[s] <= j. */
static int64_t sentence_of(const int64_t *offsets, int64_t n_sent, int64_t j)
{
    int64_t lo = 0, hi = n_sent;
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        if (offsets[mid] <= j)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Pairs of one target waiting for their dense additions (prefetched meanwhile). */
#define PENDING_MAX 64

int64_t w2v_cooc_count(const w2v_cooc_layout *L, const int32_t *ids, const int64_t *offsets,
                       int64_t n_sent, int64_t *pos, int64_t hi, int64_t *dense,
                       w2v_cooc_pair *pairs_out, int64_t *n, int64_t cap)
{
    int64_t j = *pos, s, start, end, pairs = 0, used = *n;
    const int64_t n_rows = L->n_rows, *units = L->units;
    const int64_t *row_start = L->row_start;
    const int32_t *col_end = L->col_end;
    const int window = L->window, sym = L->symmetric, shift = L->shift;
    /* the dense additions of the previous target are made after this target's
       addresses are computed and prefetched: a cache miss per pair overlaps the next */
    int64_t idx[2][PENDING_MAX], add[2][PENDING_MAX];
    int np_[2] = {0, 0}, cur = 0, i;
    if (j >= hi || n_sent <= 0)
        return 0;
    s = sentence_of(offsets, n_sent, j);
    start = offsets[s];
    end = offsets[s + 1];
    while (j < hi) {
        int64_t k, kmin, t;
        while (j >= end) { /* the next non-empty sentence */
            s++;
            start = offsets[s];
            end = offsets[s + 1];
        }
        if (used + window > cap)
            break;
        t = ids[j];
        kmin = j - window > start ? j - window : start;
        np_[cur] = 0;
        for (k = j - 1; k >= kmin; k--) {
            int64_t r = ids[k], c = t, u = units[j - k];
            if (sym) {
                if (r > c) {
                    r = t;
                    c = ids[k];
                } else if (r == c) {
                    u *= 2;
                }
            }
            if (r < n_rows && c < col_end[r]) {
                int64_t at = row_start[r] + c - (sym ? r : 0);
                if (np_[cur] == PENDING_MAX) { /* a window wider than the batch */
                    dense[at] += u;
                } else {
                    W2V_PREFETCH_WRITE(dense + at);
                    idx[cur][np_[cur]] = at;
                    add[cur][np_[cur]++] = u;
                }
            } else {
                pairs_out[used].key = ((uint64_t)r << shift) | (uint64_t)c;
                pairs_out[used].units = u;
                used++;
            }
        }
        cur ^= 1;
        for (i = 0; i < np_[cur]; i++)
            dense[idx[cur][i]] += add[cur][i];
        np_[cur] = 0;
        pairs += j - kmin;
        j++;
    }
    cur ^= 1;
    for (i = 0; i < np_[cur]; i++)
        dense[idx[cur][i]] += add[cur][i];
    *pos = j;
    *n = used;
    return pairs;
}

/* Digits of 8 bits: 256 write streams per pass stay in the caches. */
#define RADIX_BITS 8

int64_t w2v_cooc_sort_fold(w2v_cooc_pair *p, int64_t n, uint64_t max_key, w2v_cooc_pair *tmp)
{
    int bits = 0, passes, pass;
    int64_t i, k, *hist;
    const size_t buckets = (size_t)1 << RADIX_BITS;
    w2v_cooc_pair *src = p, *dst = tmp;
    if (n <= 0)
        return 0;
    while (bits < 64 && (max_key >> bits))
        bits++;
    passes = (bits + RADIX_BITS - 1) / RADIX_BITS;
    hist = (int64_t *)calloc((size_t)(passes ? passes : 1) * buckets, sizeof(int64_t));
    if (!hist)
        return -1;
    for (i = 0; i < n; i++) {
        uint64_t key = p[i].key;
        for (pass = 0; pass < passes; pass++)
            hist[(size_t)pass * buckets + ((key >> (pass * RADIX_BITS)) & (buckets - 1))]++;
    }
    for (pass = 0; pass < passes; pass++) {
        int64_t *h = hist + (size_t)pass * buckets, sum = 0, t;
        size_t b;
        w2v_cooc_pair *swap;
        if (h[(src[0].key >> (pass * RADIX_BITS)) & (buckets - 1)] == n)
            continue; /* one digit value: the pass would not move anything */
        for (b = 0; b < buckets; b++) {
            t = h[b];
            h[b] = sum;
            sum += t;
        }
        for (i = 0; i < n; i++)
            dst[h[(src[i].key >> (pass * RADIX_BITS)) & (buckets - 1)]++] = src[i];
        swap = src;
        src = dst;
        dst = swap;
    }
    free(hist);
    /* fold into p (src is tmp after an odd number of passes) */
    k = 0;
    for (i = 0; i < n; i++) {
        if (k && p[k - 1].key == src[i].key) {
            p[k - 1].units += src[i].units;
        } else {
            p[k] = src[i];
            k++;
        }
    }
    return k;
}

void w2v_cooc_add_dense(int64_t *a, const int64_t *b, int64_t n)
{
    int64_t i;
    for (i = 0; i < n; i++)
        a[i] += b[i];
}

/* ---- merging ----------------------------------------------------------- */

int w2v_cooc_merge_init(w2v_cooc_merge *m, int k, const w2v_cooc_layout *L,
                        const int64_t *dense)
{
    size_t n = k > 0 ? (size_t)k : 1;
    memset(m, 0, sizeof(*m));
    m->k = k;
    m->runs = (const w2v_cooc_pair **)calloc(n, sizeof(*m->runs));
    m->pos = (int64_t *)calloc(n, sizeof(int64_t));
    m->len = (int64_t *)calloc(n, sizeof(int64_t));
    m->more = (uint8_t *)calloc(n, 1);
    m->heap = (int *)calloc(n, sizeof(int));
    m->L = L;
    m->dense = dense;
    m->col_mask = L ? ((uint64_t)1 << L->shift) - 1 : 0;
    m->d_row_end = L ? L->n_rows : 0;
    if (!m->runs || !m->pos || !m->len || !m->more || !m->heap) {
        w2v_cooc_merge_free(m);
        return -1;
    }
    return 0;
}

void w2v_cooc_merge_free(w2v_cooc_merge *m)
{
    free((void *)m->runs);
    free(m->pos);
    free(m->len);
    free(m->more);
    free(m->heap);
    memset(m, 0, sizeof(*m));
}

static inline uint64_t run_key(const w2v_cooc_merge *m, int r) { return m->runs[r][m->pos[r]].key; }

static void sift_down(w2v_cooc_merge *m, int i)
{
    int n = m->heap_n;
    for (;;) {
        int l = 2 * i + 1, best = i, t;
        if (l < n && run_key(m, m->heap[l]) < run_key(m, m->heap[best]))
            best = l;
        if (l + 1 < n && run_key(m, m->heap[l + 1]) < run_key(m, m->heap[best]))
            best = l + 1;
        if (best == i)
            return;
        t = m->heap[i];
        m->heap[i] = m->heap[best];
        m->heap[best] = t;
        i = best;
    }
}

/* Write one entry; 0 when the output is full. */
static inline int put(w2v_cooc_merge *m, uint64_t key, int64_t val, w2v_cooc_pair *pairs,
                      int32_t *rows, int32_t *cols, double *values, int64_t *w, int64_t cap)
{
    if (*w >= cap)
        return 0;
    if (pairs) {
        pairs[*w].key = key;
        pairs[*w].units = val;
    } else {
        rows[*w] = (int32_t)(key >> m->L->shift);
        cols[*w] = (int32_t)(key & m->col_mask);
        values[*w] = (double)val / (double)m->L->scale;
    }
    (*w)++;
    return 1;
}

/* Emit the dense entries of rows before `row_end` (all rows: n_rows); 0 when full. */
static int flush_dense(w2v_cooc_merge *m, int64_t row_end, w2v_cooc_pair *pairs,
                       int32_t *rows, int32_t *cols, double *values, int64_t *w, int64_t cap)
{
    const w2v_cooc_layout *L = m->L;
    if (!m->dense)
        return 1;
    if (row_end > m->d_row_end)
        row_end = m->d_row_end;
    while (m->d_row < row_end) {
        int64_t r = m->d_row, base = L->symmetric ? r : 0;
        const int64_t *row = m->dense + L->row_start[r] - base;
        if (m->d_col < base)
            m->d_col = base;
        for (; m->d_col < L->col_end[r]; m->d_col++) {
            int64_t v = row[m->d_col];
            if (v && !put(m, ((uint64_t)r << L->shift) | (uint64_t)m->d_col, v, pairs, rows,
                          cols, values, w, cap))
                return 0;
        }
        m->d_row++;
        m->d_col = 0;
    }
    return 1;
}

int64_t w2v_cooc_merge_step(w2v_cooc_merge *m, w2v_cooc_pair *pairs, int32_t *rows,
                            int32_t *cols, double *values, int64_t cap, int *need)
{
    int64_t w = 0, val;
    uint64_t key;
    int i;
    *need = -1;
    if (!m->started) {
        for (i = 0; i < m->k; i++)
            if (m->pos[i] < m->len[i])
                m->heap[m->heap_n++] = i;
        for (i = m->heap_n / 2 - 1; i >= 0; i--)
            sift_down(m, i);
        m->started = 1;
    }
    for (;;) {
        if (m->pending == 1) {
            int64_t row = m->L ? (int64_t)(m->p_key >> m->L->shift) : 0;
            if (m->L && !flush_dense(m, row + 1, pairs, rows, cols, values, &w, cap))
                return w;
            if (!put(m, m->p_key, m->p_val, pairs, rows, cols, values, &w, cap))
                return w;
            m->pending = 0;
        }
        if (m->pending == 2) {
            /* the run at the top was refilled (or found empty): go on folding */
            int r = m->heap[0];
            if (m->pos[r] >= m->len[r])
                m->heap[0] = m->heap[--m->heap_n];
            if (m->heap_n > 0)
                sift_down(m, 0);
            key = m->p_key;
            val = m->p_val;
            m->pending = 0;
        } else {
            if (m->heap_n == 0)
                break;
            key = run_key(m, m->heap[0]);
            val = 0;
        }
        /* fold every run's entries of this key */
        while (m->heap_n > 0 && run_key(m, m->heap[0]) == key) {
            int r = m->heap[0];
            val += m->runs[r][m->pos[r]].units;
            m->pos[r]++;
            if (m->pos[r] >= m->len[r]) {
                if (m->more[r]) {
                    m->p_key = key;
                    m->p_val = val;
                    m->pending = 2;
                    *need = r;
                    return w;
                }
                m->heap[0] = m->heap[--m->heap_n];
            }
            if (m->heap_n > 0)
                sift_down(m, 0);
        }
        m->pending = 1;
        m->p_key = key;
        m->p_val = val;
    }
    if (m->L)
        flush_dense(m, m->L->n_rows, pairs, rows, cols, values, &w, cap);
    return w;
}

void w2v_cooc_merge_rows(w2v_cooc_merge *m, int64_t lo, int64_t hi)
{
    int64_t n = m->L ? m->L->n_rows : 0;
    m->d_row = lo < n ? lo : n;
    m->d_row_end = hi < n ? hi : n;
    m->d_col = 0;
}

/* ---- training ---------------------------------------------------------- */

int64_t w2v_glove_fill(w2v_glove_rec *recs, const int32_t *rows, const int32_t *cols,
                       const double *values, int64_t n, double x_max, double alpha, int both)
{
    const double log_xmax = log(x_max);
    int64_t i, k = 0;
    for (i = 0; i < n; i++) {
        double x = values[i], lx = log(x);
        float f = (float)(x < x_max ? exp(alpha * (lx - log_xmax)) : 1.0);
        recs[k].a = rows[i];
        recs[k].b = cols[i];
        recs[k].f = f;
        recs[k].logx = (float)lx;
        k++;
        if (both && rows[i] != cols[i]) {
            recs[k].a = cols[i];
            recs[k].b = rows[i];
            recs[k].f = f;
            recs[k].logx = (float)lx;
            k++;
        }
    }
    return k;
}

void w2v_glove_shuffle(w2v_glove_rec *recs, int64_t n, uint64_t seed)
{
    uint64_t state = w2v_seed_key(seed);
    int64_t i;
    for (i = n - 1; i > 0; i--) {
        uint64_t r = w2v_next(&state);
        /* multiply-shift in 128 bits by halves: j uniform in [0, i] (bias below 2^-64 * n) */
        uint64_t bound = (uint64_t)i + 1;
        int64_t j = (int64_t)(bound <= UINT64_C(0xffffffff) ? ((r >> 32) * bound) >> 32
                                                             : r % bound);
        w2v_glove_rec t = recs[i];
        recs[i] = recs[j];
        recs[j] = t;
    }
}

typedef int64_t (*glove_train_fn)(const w2v_glove_params *, const w2v_glove_rec *, int64_t,
                                  double *, int64_t *);

#if W2V_BLOCK_X86_DISPATCH
int64_t w2v_glove_train_x86v3(const w2v_glove_params *, const w2v_glove_rec *, int64_t, double *,
                              int64_t *);
int64_t w2v_glove_train_x86v4(const w2v_glove_params *, const w2v_glove_rec *, int64_t, double *,
                              int64_t *);
#endif

static int32_t glove_build; /* 0: not chosen yet; 1 base, 3 v3, 4 v4 */

static int32_t glove_choose(void)
{
    int32_t b = w2v_atomic_load32(&glove_build);
    if (b)
        return b;
    b = 1;
#if W2V_BLOCK_X86_DISPATCH
    __builtin_cpu_init();
    if (__builtin_cpu_supports("x86-64-v4"))
        b = 4;
    else if (__builtin_cpu_supports("x86-64-v3"))
        b = 3;
#endif
    w2v_atomic_store32(&glove_build, b);
    return b;
}

int64_t w2v_glove_train(const w2v_glove_params *p, const w2v_glove_rec *recs, int64_t n,
                        double *cost, int64_t *updates)
{
    glove_train_fn f = w2v_glove_train_base;
#if W2V_BLOCK_X86_DISPATCH
    int32_t b = glove_choose();
    if (b == 4)
        f = w2v_glove_train_x86v4;
    else if (b == 3)
        f = w2v_glove_train_x86v3;
#else
    (void)glove_choose();
#endif
    return f(p, recs, n, cost, updates);
}

const char *w2v_glove_isa(void)
{
    switch (glove_choose()) {
    case 4:
        return "x86-64-v4 (avx512)";
    case 3:
        return "x86-64-v3 (avx2+fma)";
    default:
        return "baseline";
    }
}

int w2v_glove_select(const char *which)
{
    int32_t b = 0;
    if (!which)
        return -1;
    if (!strcmp(which, "baseline"))
        b = 1;
#if W2V_BLOCK_X86_DISPATCH
    __builtin_cpu_init();
    if (!strcmp(which, "x86-64-v3") && __builtin_cpu_supports("x86-64-v3"))
        b = 3;
    if (!strcmp(which, "x86-64-v4") && __builtin_cpu_supports("x86-64-v4"))
        b = 4;
#endif
    if (!b)
        return -1;
    w2v_atomic_store32(&glove_build, b);
    return 0;
}
