/*
 * w2v_scan.h -- split whitespace-separated text into tokens, count them in a
 * hash table and (optionally) record each token's id, without any Python.
 *
 * Text.  Bytes 0x20 ' ', 0x09 '\t', 0x0A '\n', 0x0D '\r', 0x0B '\v' and 0x0C '\f'
 * separate tokens; '\n' also ends a sentence.  Every other byte (NUL, invalid
 * UTF-8, binary junk) is part of a token.  A token longer than max_token bytes
 * is cut to at most max_token bytes, moved back (by at most 3 bytes) to the
 * start of the UTF-8 character that straddles the cut, so a valid character is
 * never split; the rest of the token is skipped.  Memory per token is bounded
 * by max_token whatever the input: a 50 MB "token" costs max_token + 1 bytes.
 *
 * The caller feeds the text in blocks of any size (w2v_scan_feed); a token
 * that continues past a block's end is carried over (at most max_token + 1
 * bytes), so the result does not depend on where blocks end.
 *
 * Table.  Open addressing (linear probing, load <= 1/2) over entries kept in
 * order of first appearance; the words live in one arena.  An entry's index
 * is the token's provisional id while the table has not been pruned.  With
 * max_size > 0 the table is pruned as word2vec.c's ReduceVocab does: when it
 * holds more than max_size words, every word counted <= min_reduce times is
 * removed and min_reduce grows by one; surviving entries keep their order.
 *
 * Frozen mode.  A table filled with a final vocabulary (entry i = word id i)
 * and scanned with frozen = 1 is only looked up: tokens not in it are dropped
 * and counted as out-of-vocabulary, the others are recorded with their id.
 *
 * Recording.  With record = 1 the scanner appends each recorded token's id to
 * ids[] and, at each '\n' or source end that closes a non-empty sentence, the
 * number of ids recorded so far (counting those the caller already drained,
 * ids_base) to ends[].  Both arrays are owned by the scanner (malloc/realloc);
 * the caller may drain them (copy out, then set ids_len / ends_len to 0 and
 * advance ids_base) between calls, or take ownership of the pointers.
 *
 * Errors are status codes; nothing here aborts, and every loop is bounded
 * by its input.  No globals; one scanner per thread.
 */
#ifndef W2V_SCAN_H
#define W2V_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "w2v_portable.h"

enum { W2V_SCAN_OK = 0, W2V_SCAN_ENOMEM = 1, W2V_SCAN_TOO_MANY = 2, W2V_SCAN_DUPLICATE = 3 };

/* Largest max_token accepted (bytes); the smallest is 4 (one UTF-8 character). */
#define W2V_SCAN_MAX_TOKEN_LIMIT (1 << 20)

typedef struct {
    uint64_t hash;
    int64_t off;   /* word bytes at arena + off */
    int64_t first; /* order of first appearance (tie-break of the frequency sort) */
    int64_t len;
} w2v_entry;

/* A slot holds what a look-up needs, so that counting a word of up to 16 bytes
   (nearly every word of text) touches one slot and nothing else; 32 bytes, and the
   slots 64-byte aligned, so that a slot never straddles two cache lines. */
typedef struct {
    uint64_t key[2]; /* len <= 16: the word's bytes, zero-padded; else its hash, 0 */
    uint32_t idx1;   /* entry index + 1; 0 = empty slot */
    uint32_t len;    /* word length, saturated at UINT32_MAX */
    int64_t count;
} w2v_slot;

typedef struct {
    w2v_slot *slots;  /* 64-byte aligned, inside slots_mem (what is freed) */
    void *slots_mem;
    uint64_t mask;    /* slots - 1 */
    w2v_entry *e;
    int64_t n, e_cap;
    char *arena;
    int64_t arena_len, arena_cap;
    int64_t next_first;
    /* pruning (0 = never) */
    int64_t max_size, min_reduce;
    int64_t prunes, pruned_words, pruned_tokens;
} w2v_vtab;

int w2v_vtab_init(w2v_vtab *t, int64_t expected, int64_t max_size);
void w2v_vtab_free(w2v_vtab *t);
uint64_t w2v_hash_bytes(const uint8_t *p, int64_t n);
/* The same hash from the starting state h (w2v_hash_bytes: h = 0x9E37...15 ^ n). */
uint64_t w2v_hash_seeded(const uint8_t *p, int64_t n, uint64_t h);
/* Index of the word, or -1. */
int64_t w2v_vtab_find(const w2v_vtab *t, const uint8_t *p, int64_t n);
/* Count one occurrence, adding the word if new.  Returns its index, -1 when
   out of memory, or -2 when the addition made the table prune itself (the
   occurrence is counted; indices changed). */
int64_t w2v_vtab_add(w2v_vtab *t, const uint8_t *p, int64_t n, int64_t count);
/* Remove every word counted <= min_count times (compacts, keeps order). */
int w2v_vtab_prune(w2v_vtab *t, int64_t min_count);
/* counts[i] = count of entry i, for i < t->n. */
void w2v_vtab_counts(const w2v_vtab *t, int64_t *counts);
/* Add every entry of table `from` to `into`; map[i] = entry i's index in `into`. */
int w2v_vtab_merge(w2v_vtab *into, const w2v_vtab *from, int64_t *map);

/* The tokenizer the scanner and the phrase rewriter (w2v_phrases.h) share.
   w2v_sep[c]: 1 where byte c separates tokens, 2 where it also ends a sentence. */
extern const uint8_t w2v_sep[256];

/* Little-endian GCC/Clang: find token ends 8 bytes at a time (else, and in the
   portable build, byte by byte). */
#if !W2V_PORTABLE && defined(__GNUC__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define W2V_SWAR 1
#else
#define W2V_SWAR 0
#endif

/* First separator at or after i in buf[0..n) (n if none).  Inline: it is the
   tokenizer's inner loop (an exported function is called through the PLT). */
static inline int64_t w2v_token_end(const uint8_t *buf, int64_t i, int64_t n)
{
#if W2V_SWAR
    const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
    while (i + 8 <= n) {
        uint64_t x, m;
        memcpy(&x, buf + i, 8);
        /* exact per byte (no borrow crosses bytes): high bit set where byte < 0x21 */
        m = ~((x | highs) - ones * 0x21) & ~x & highs;
        if (!m) {
            i += 8;
            continue;
        }
        i += __builtin_ctzll(m) >> 3;
        if (w2v_sep[buf[i]])
            return i;
        i++; /* a control byte that is part of the token */
    }
#endif
    while (i < n && !w2v_sep[buf[i]])
        i++;
    return i;
}

/* A token cut by a block's end, carried into the next block: its first
   max_token + 1 bytes (all a cut can keep) and its full length so far
   (w2v_carry_start begins one, w2v_carry_continue reads on to its end). */
typedef struct {
    uint8_t *bytes;       /* max_token + 1 bytes */
    int64_t len;          /* bytes held */
    int64_t total;        /* full length so far (0 = no token pending) */
    int64_t max_token;
} w2v_carry;

int w2v_carry_init(w2v_carry *c, int64_t max_token);
void w2v_carry_free(w2v_carry *c);
void w2v_carry_start(w2v_carry *c, const uint8_t *p, int64_t n);
int64_t w2v_carry_continue(w2v_carry *c, const uint8_t *buf, int64_t n);

/* What a tokenizer's reader does with a token p[0..n) (avail: bytes readable at p,
   at least n) and with a newline; a nonzero return stops the tokenizer. */
typedef int (*w2v_word_fn)(void *ctx, const uint8_t *p, int64_t n, int64_t avail);
typedef int (*w2v_newline_fn)(void *ctx);

/* The token carried over, given to word() (at a source's end, or once its end is
   found); none pending: nothing. */
static inline int w2v_tokenize_end(w2v_carry *c, w2v_word_fn word, void *ctx)
{
    int64_t len = c->len;
    int pending = c->total > 0;
    c->len = c->total = 0;
    return pending ? word(ctx, c->bytes, len, len) : 0;
}

/* Split buf[0..n), which continues the text of the previous call, into tokens
   and newlines, in order.  A token that runs to the end of buf is carried (as
   much of it as a cut can keep) and given once the next call finds its end (or
   by w2v_tokenize_end): only then does p point into the carry, valid until the
   next call.  Inline, so that each reader's calls are compiled in. */
static inline int w2v_tokenize(w2v_carry *c, const uint8_t *buf, int64_t n, w2v_word_fn word,
                               w2v_newline_fn newline, void *ctx)
{
    int64_t i = 0, start;
    int rc;
    if (c->total > 0) {
        i = w2v_carry_continue(c, buf, n);
        if (i == n)
            return 0;
        if ((rc = w2v_tokenize_end(c, word, ctx)) != 0)
            return rc;
    }
    while (i < n) {
        if (w2v_sep[buf[i]]) {
            if (w2v_sep[buf[i]] == 2 && (rc = newline(ctx)) != 0)
                return rc;
            i++;
            continue;
        }
        start = i;
        i = w2v_token_end(buf, i + 1, n);
        if (i == n) {
            w2v_carry_start(c, buf + start, n - start);
            return 0;
        }
        if ((rc = word(ctx, buf + start, i - start, n - start)) != 0)
            return rc;
    }
    return 0;
}

typedef struct {
    w2v_vtab *t;
    int32_t frozen, record, ids_valid;
    int64_t max_token;
    w2v_carry carry;      /* a token cut by a block end */
    int32_t *ids;
    int64_t ids_len, ids_cap, ids_base;
    int64_t *ends;
    int64_t ends_len, ends_cap;
    int64_t sent_len;     /* ids recorded in the open sentence */
    /* statistics */
    int64_t tokens, oov, cut, sentences, longest;
    /* set after init: record W2V_SCAN_NEWLINE for each '\n' instead of sentence ends
       (the ids then keep the lines, empty ones too; a source's end adds nothing) */
    int32_t mark_newlines;
} w2v_scanner;

#define W2V_SCAN_NEWLINE (-1)

int w2v_scan_init(w2v_scanner *s, w2v_vtab *t, int64_t max_token, int frozen, int record);
void w2v_scan_free(w2v_scanner *s);
/* Scan n bytes of text. */
int w2v_scan_feed(w2v_scanner *s, const uint8_t *buf, int64_t n);
/* End of a file or stream: finish a pending token, end the sentence. */
int w2v_scan_end_source(w2v_scanner *s);
/* One token given whole (no cut: Python iterables), and a sentence end. */
int w2v_scan_token(w2v_scanner *s, const uint8_t *p, int64_t n);
int w2v_scan_end_sentence(w2v_scanner *s);
/* With mark_newlines: record a line's end (W2V_SCAN_NEWLINE) where the text has
   no '\n' (a source's last line, a token list given as one line). */
int w2v_scan_mark_line(w2v_scanner *s);

/* Bytes of the first max_token bytes of p kept by the cut (see above). */
int64_t w2v_utf8_cut(const uint8_t *p, int64_t max_token);

/*
 * Turn provisional ids into final ids and drop the unmapped ones, in place,
 * one chunk at a time.  st: r_pos, w_pos = provisional / final ids before
 * this chunk; last_end = last final sentence end written.  ids[0..n) are the
 * provisional ids at positions r_pos..r_pos+n; remap[i] (i < n_remap) is the
 * final id or -1.  ends[0..m) are provisional sentence ends (ascending, > r_pos);
 * those <= r_pos + n are consumed and the non-empty sentences' final ends are
 * written to out_ends (may alias ends).  Returns the ids kept; *consumed and
 * *written say how many ends were read and written.
 */
typedef struct {
    int64_t r_pos, w_pos, last_end;
} w2v_remap_state;

int64_t w2v_remap_chunk(w2v_remap_state *st, int32_t *ids, int64_t n, const int32_t *remap,
                        int64_t n_remap, const int64_t *ends, int64_t m, int64_t *out_ends,
                        int64_t *consumed, int64_t *written);

#endif
