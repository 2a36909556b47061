/*
 * w2v_held.h -- phrases of a text counted and rewritten from its token ids,
 * the text read once.
 *
 * Each counting thread scans its blocks of the text with its own scanner and
 * table (w2v_scan.h), recording every token's id and W2V_SCAN_NEWLINE for
 * every '\n' (mark_newlines).  The tables are then merged into the first one
 * (w2v_vtab_merge) and the other threads' ids renumbered (w2v_held_remap), so
 * that the blocks in text order are the text's ids in one numbering.
 *
 * Pairs.  Once the word counts are known, a pair can pass the scorer only if
 * it would with its count at the most it can be, the smaller of its words'
 * counts (every scorer grows with the pair count); w2v_held_pairs writes the
 * keys of the pairs that may pass, and no other, so the pairs of the most
 * frequent words ("of the") and of rare ones are never counted.  Each thread
 * sorts its keys (LSD radix) and counts equal runs (w2v_held_sort_runs); the
 * threads' sorted runs are merged and scored range by range (w2v_held_score),
 * several ranges at once.  The pairs that pass and their counts are those one
 * counter over the whole text finds.
 *
 * Rewriting.  The passing pairs form a hash set of keys; a word's role says
 * whether it starts a phrase (first word of a pair) and whether it ends one.
 * The rewriter state between tokens is the previous word when it may start a
 * phrase and did not end one, else -1 (a newline resets it), so a block's
 * start state follows from the previous block's ids: from its last token that
 * cannot start a phrase, or its last newline (w2v_held_state).  Blocks are
 * then rewritten independently (w2v_held_rewrite), in word2phrase's layout as
 * w2v_phrases.h's rewriter writes it: the same bytes.
 *
 * Errors are status codes (w2v_scan.h's); nothing here aborts.  No globals.
 */
#ifndef W2V_HELD_H
#define W2V_HELD_H

#include <stddef.h>
#include <stdint.h>

#include "w2v_phrases.h"
#include "w2v_scan.h"

/* Renumber ids[0..n) in place: word id i becomes map[i]; newline marks stay. */
void w2v_held_remap(int32_t *ids, int64_t n, const int64_t *map);

/* The word the pairs continue from after ids[0..n), entering with `prev`
   (-1: none): the last word, or -1 when a newline follows it and lines end
   sentences (!cross_lines). */
int32_t w2v_held_tail(const int32_t *ids, int64_t n, int32_t prev, int cross_lines);

/* What a pair needs to be counted: the scorer, the word counts, and the words that
   may pair at all (some pair of theirs may pass), numbered densely: dense[w] (-1
   for the others), word[d] the word of dense number d, dcounts[d] its count.  A
   pair key is dense[a] << shift | dense[b] (wiki1e8's take 32 bits, not 36). */
typedef struct {
    w2v_score_rule rule;
    int filter; /* 0: every pair (scoring W2V_PHR_ALL) */
    int32_t *dense, *word;
    int64_t *dcounts;
    int64_t n_dense;
    int shift;
    int key_bytes; /* bytes a pair key takes: 4 where keys fit 32 bits, else 8 (8 may
                      be set after init) */
} w2v_held_filter;

int w2v_held_filter_init(w2v_held_filter *f, int scoring, int64_t min_count, double threshold,
                         int64_t train_words, const int64_t *counts, int64_t n_words);
void w2v_held_filter_free(w2v_held_filter *f);

/* No pair key of the filter exceeds this. */
uint64_t w2v_held_max_key(const w2v_held_filter *f);

/* Append to keys (f->key_bytes bytes each) the keys of the pairs of
   ids[0..n) (continuing from word `prev`, -1 for none) that may pass; keys has
   room for n.  Returns how many. */
int64_t w2v_held_pairs(const w2v_held_filter *f, const int32_t *ids, int64_t n, int32_t prev,
                       int cross_lines, void *keys);

/* Sort keys[0..n) (key_bytes 4 or 8 each, none above max_key) and fold equal
   keys: out[0..k) the distinct keys ascending, counts[0..k) how often each came;
   returns k, or -1 out of memory.  out may be keys itself when key_bytes is 8. */
int64_t w2v_held_sort_runs(void *keys, int64_t n, int key_bytes, uint64_t max_key,
                           uint64_t *out, int64_t *counts);

/* The most sorted runs w2v_held_score merges at once. */
#define W2V_HELD_MAX_RUNS 256

/* Merge m sorted runs (at most W2V_HELD_MAX_RUNS; keys[i][0..len[i]), counts[i]) over keys
   in [lo, hi), score each pair (f->rule, f->dcounts) and write those that pass
   (capacity cap).  Returns how many passed, -1 when m is too large. */
int64_t w2v_held_score(const w2v_held_filter *f, int m, uint64_t *const *keys,
                       int64_t *const *counts, const int64_t *len, uint64_t lo, uint64_t hi,
                       uint32_t *out_a, uint32_t *out_b, int64_t *out_count, double *out_score,
                       int64_t cap);

/* The phrases for rewriting. */
typedef struct {
    const w2v_vtab *words;  /* the merged table: the bytes of every id */
    uint8_t *role;          /* per word: 1 starts a phrase, 2 ends one */
    uint8_t *spell;         /* per word, 16 bytes: its bytes, and its length in byte 15
                               (W2V_HELD_LONG: longer than 15, in words' arena) */
    uint64_t *set;          /* key + 1 of each phrase; 0 = empty slot */
    uint64_t mask;
    int64_t n_words;
    uint8_t delim[64];
    int64_t delim_len;
} w2v_held_phrases;

#define W2V_HELD_LONG 255

int w2v_held_phrases_init(w2v_held_phrases *p, const w2v_vtab *words, const uint32_t *a,
                          const uint32_t *b, int64_t n, const uint8_t *delim, int64_t delim_len);
void w2v_held_phrases_free(w2v_held_phrases *p);

/* The rewriter's state after ids[0..n), entering with `prev`; *line (whether
   the open line has a token) is updated too. */
int32_t w2v_held_state(const w2v_held_phrases *p, const int32_t *ids, int64_t n, int32_t prev,
                       int *line);

/* Rewrite ids[0..n) from state (*prev, *line) into out (capacity cap), updating
   the state; end: the block ends its source (a last line gets its newline).
   Returns the bytes written, or -1 when cap is too small. */
int64_t w2v_held_rewrite(const w2v_held_phrases *p, const int32_t *ids, int64_t n, int32_t *prev,
                         int *line, int end, uint8_t *out, int64_t cap);

#endif
