/*
 * w2v_glove.h -- GloVe in C: co-occurrence counting over token ids, and the
 * AdaGrad update over co-occurrence records.
 *
 * Counting (Stanford cooccur.c's semantics).  Token ids are frequency ranks
 * (0 = most frequent), words under min_count already removed and sentences
 * (lines) given by offsets, so a window never crosses a line.  Each token j
 * (the target) pairs with the up to `window` tokens k before it in its line,
 * with weight 1/(j-k) (or 1).  Symmetric counting adds the pair both ways, so
 * X is symmetric and one triangle, (lo, hi) with lo <= hi, is stored: a
 * diagonal pair adds its weight twice.  Asymmetric counting keeps
 * (context, target) = (row, col) as it comes.
 *
 * Weights are integers in `scale` units per unit of weight (w2v_cooc_scale):
 * with the least common multiple of 1..window as scale every 1/d is exact, so
 * the counts are exact, independent of the order of the additions and thus of
 * the number of threads; the value of a pair is units / scale, the correctly
 * rounded double of the exact sum.
 *
 * Frequent pairs, (row+1)*(col+1) <= max_product as in cooccur.c, go to a dense
 * block (one per thread, int64 units, row r's columns [base(r), col_end[r])
 * where base is r in the triangle and 0 otherwise); the others are appended to
 * a buffer of (key = row << shift | col, units) that the caller sorts and folds into
 * runs (w2v_cooc_sort_fold) and merges (w2v_cooc_merge), dense rows included,
 * into the final records, sorted by (row, col).
 *
 * Training (Stanford glove.c's update): for a record (a, b) with weight
 * f = min(1, (x/x_max)^alpha) and log x, both precomputed once per record,
 *   diff = w_a . c_b + bw_a + bc_b - log x,  fdiff = f * diff
 *   g1 = clip(fdiff * c_b) * eta, g2 = clip(fdiff * w_a) * eta    (per element)
 *   w_a -= g1 / sqrt(G_a); c_b -= g2 / sqrt(Gc_b); G_a += g1^2; Gc_b += g2^2
 *   bw_a -= fdiff / sqrt(Gbw_a); bc_b -= fdiff / sqrt(Gbc_b); both += fdiff^2
 * with the squared-gradient sums starting at 1 and the biases updated without
 * eta or clipping (Stanford's code since 2020).  A record whose diff is not
 * finite is skipped and counted.  Training records are the whole matrix: a
 * stored off-diagonal pair of symmetric counts gives two, (a, b) and (b, a),
 * shuffled independently as in Stanford's shuffled file.
 */
#ifndef W2V_GLOVE_H
#define W2V_GLOVE_H

#include <stdint.h>

#include "w2v_portable.h"

#define W2V_COOC_MAX_WINDOW 10000

/* A pair of the sparse part: key = row << shift | col, and its units. */
typedef struct {
    uint64_t key;
    int64_t units;
} w2v_cooc_pair;

typedef struct {
    int64_t n_words;     /* V */
    int shift;           /* bits of a column in a pair key */
    int window;
    int symmetric;
    int64_t scale;       /* units per unit of weight */
    int64_t *units;      /* units[d], d = 1..window */
    int64_t n_rows;      /* rows with a dense part */
    int32_t *col_end;    /* per dense row: its dense columns end here */
    int64_t *row_start;  /* per dense row + 1: offset of its first entry */
    int64_t dense_size;  /* entries of a dense block */
} w2v_cooc_layout;

/* The scale of the units: lcm(1..window) when it keeps every count below 2^62
   (a pair's units never exceed 2 * H(window) * max_count * scale), else the
   largest power of two that does; 0 when nothing fits (an absurd corpus). */
int64_t w2v_cooc_scale(int window, int weighting, int64_t max_count);

/* Fill a layout; returns 0, or -1 out of memory. */
int w2v_cooc_layout_init(w2v_cooc_layout *L, int64_t n_words, int window, int symmetric,
                         int weighting, int64_t scale, int64_t max_product);
void w2v_cooc_layout_free(w2v_cooc_layout *L);

/* Count the pairs whose target is a token in [*pos, hi) of ids (sentences:
   offsets[0..n_sent], ids[offsets[s]..offsets[s+1])), into dense (the layout's
   block) and the buffer pairs (room for cap, *n used), stopping when the
   buffer may not hold another token's pairs.  *pos advances past the targets
   done; returns the pairs counted. */
int64_t w2v_cooc_count(const w2v_cooc_layout *L, const int32_t *ids, const int64_t *offsets,
                       int64_t n_sent, int64_t *pos, int64_t hi, int64_t *dense,
                       w2v_cooc_pair *pairs, int64_t *n, int64_t cap);

/* Sort p[0..n) by key (none above max_key; LSD radix through tmp, n entries) and
   fold equal keys (adding units) in place.  Returns the distinct keys, -1 out of memory. */
int64_t w2v_cooc_sort_fold(w2v_cooc_pair *p, int64_t n, uint64_t max_key, w2v_cooc_pair *tmp);

/* Add dense block b into a (n entries). */
void w2v_cooc_add_dense(int64_t *a, const int64_t *b, int64_t n);

/* k-way merge of sorted runs.  Each run is read through a window the caller
   fills (runs/len, pos 0); when a window is used up and the run has more
   (more[i]), w2v_cooc_merge_step returns early with *need = i: the caller
   refills it (pos 0, len 0 if the run ended) and calls again. */

typedef struct {
    int k;
    const w2v_cooc_pair **runs;
    int64_t *pos;
    int64_t *len;
    uint8_t *more;       /* 1 while a run has entries beyond its window */
    int *heap;           /* run indices, a min-heap on their current keys */
    int heap_n;
    int started;
    /* dense rows, emitted in key order with the runs (NULL for none) */
    const w2v_cooc_layout *L;  /* for rows/cols/values output and dense rows */
    const int64_t *dense;
    uint64_t col_mask;
    int64_t d_row, d_col, d_row_end;
    /* a folded entry not yet written (output was full) */
    int pending;
    uint64_t p_key;
    int64_t p_val;
} w2v_cooc_merge;

int w2v_cooc_merge_init(w2v_cooc_merge *m, int k, const w2v_cooc_layout *L,
                        const int64_t *dense);
void w2v_cooc_merge_free(w2v_cooc_merge *m);

/* Merge into pairs until cap entries are written, or into rows/cols/values
   (value = units / scale) when pairs is NULL.  Returns the
   entries written; *need is -1, or the run to refill before the next call.
   The merge has ended when it returns fewer than cap with *need -1. */
int64_t w2v_cooc_merge_step(w2v_cooc_merge *m, w2v_cooc_pair *pairs, int32_t *rows,
                            int32_t *cols, double *values, int64_t cap, int *need);

/* Only the dense rows [lo, hi) join the merge (the runs given cover the same rows). */
void w2v_cooc_merge_rows(w2v_cooc_merge *m, int64_t lo, int64_t hi);

/* A training record: 16 bytes. */
typedef struct {
    int32_t a, b;
    float f, logx;
} w2v_glove_rec;

/* Training records from counts[0..n): f = min(1, (x / x_max)^alpha), computed as
   exp(alpha * (log x - log x_max)) in double, and log x; with `both`, an
   off-diagonal pair gives (a, b) and then (b, a).  Returns the records written. */
int64_t w2v_glove_fill(w2v_glove_rec *recs, const int32_t *rows, const int32_t *cols,
                       const double *values, int64_t n, double x_max, double alpha, int both);

/* Fisher-Yates shuffle of recs[0..n) from the seeded counter-based generator. */
void w2v_glove_shuffle(w2v_glove_rec *recs, int64_t n, uint64_t seed);

typedef struct {
    float *w, *c;        /* V x dim word and context vectors */
    float *bw, *bc;      /* V biases each */
    float *gw, *gc;      /* squared-gradient sums of w, c */
    float *gbw, *gbc;    /* and of the biases */
    int64_t dim;
    float eta, clip;
    int prefetch;        /* fetch the rows of the record this many places ahead (0: none) */
} w2v_glove_params;

/* Train over recs[0..n), one update each: *cost += 0.5 f diff^2 per update,
   *updates += updates made; returns the records skipped for a non-finite diff.
   Compiled per instruction set; the best for the CPU is used. */
int64_t w2v_glove_train(const w2v_glove_params *p, const w2v_glove_rec *recs, int64_t n,
                        double *cost, int64_t *updates);
const char *w2v_glove_isa(void);
/* Use the named build ("baseline", "x86-64-v3", "x86-64-v4"): 0, or -1 if the CPU
   or the build has none (for tests). */
int w2v_glove_select(const char *which);

#endif
