/*
 * w2v_phrases.h -- count unigrams and adjacent pairs (phrase candidates) and
 * rewrite text joining the pairs of a phrase table, without any Python.
 *
 * The phrases code has two engines: this one, on text and word tables (the
 * reference, and the general path: connector words, pruning, token lists), and
 * w2v_held.h, on token ids (the fast path for text without either).
 * phrases_count.counting_path chooses.  Glossary of both:
 *   token      what the scanner's tokenizer (w2v_scan.h) gives: bytes between
 *              separators, cut UTF-8-safely to max_token bytes.
 *   pair       two adjacent words (a, b), or two words with only connectors
 *              between them; a phrase is a pair whose score passes.
 *   connector  a word (gensim's connector_words) that may stand inside a
 *              phrase but never starts or ends one ("of" in bank_of_america).
 *   run        (connector run) the connectors between a pair's two words,
 *              interned: run id 0 = none.  In w2v_held.h a "run" is also a
 *              sorted run of pair keys; the two never meet.
 *   sentence   what pairs may not span: a line, or with cross_lines (the
 *              word2phrase scorer, as word2phrase.c counts) a whole source.
 *   block      a piece of text a thread reads whole, cut after a separator.
 *   context    (lead) the words a block continues from, read for the state
 *              they set and not counted (w2v_phr_lead_start says where).
 *   scorer     the rule a pair's counts must pass (w2v_pair_passes):
 *              word2phrase's float formula or gensim's NPMI.
 *   pass       one count-and-rewrite; a second pass counts the first's output.
 *   held ids   (w2v_held.h) the token ids the fast path keeps, in memory or
 *              spilled to a temporary file, to count pairs and to rewrite.
 *
 * Counting.  A counter runs the scanner (w2v_scan.h: same separators, same
 * UTF-8-safe cut at max_token bytes, same table of words) with id recording
 * on, and walks the recorded ids: each word that is not a connector forms a
 * pair with the previous non-connector word of its sentence, keyed by the two
 * words' table ids and the run of connector words between them (a run is
 * interned in a second w2v_vtab whose keys are the connectors' indices as
 * uint32; run id 0 = no connector).  No string is built per pair.  Connector
 * words (gensim's connector_words) are looked up by id in a frozen table of
 * them, once per new word.
 *
 * Pair table.  Open addressing (linear probing, load <= 0.7), 24-byte slots
 * that hold the whole key and the count.  With max_size > 0 the counter is
 * pruned as word2vec.c's ReduceVocab does whenever words + pairs exceed
 * max_size (checked every W2V_PHR_PIECE bytes of text): words and pairs
 * counted <= min_reduce times are removed and min_reduce grows by one.  A
 * pair is never counted more often than either of its words, so removing a
 * word removes its pairs too; the surviving pairs are renumbered.
 *
 * Blocks.  Text may be cut into blocks at whitespace and counted by several
 * counters in parallel (one per thread): a block that starts inside a
 * sentence is preceded by its context (the previous block's last words from
 * the last non-connector one, w2v_phr_lead_start), which sets the sentence
 * state without being counted.  With cross_lines, word2phrase.c's counting,
 * a '\n' does not end the pairs' sentence (only a source's end does), so
 * every block has a context.  w2v_phr_merge adds one counter into another;
 * the merged counts equal those of one counter over the whole text.
 *
 * Rewriting.  A phrase table (words, pairs, runs) is frozen; a rewriter
 * splits text the same way and writes it out as word2phrase does: a newline
 * for each '\n', and each token preceded by one space, or by the delimiter
 * when it ends a phrase (or is a connector inside one).  Left to right, a
 * pair joins when it is in the table and its first word did not end a
 * phrase.  A source that does not end with '\n' gets one.  Output goes to a
 * buffer the caller drains.
 *
 * Errors are status codes (w2v_scan.h's); nothing here aborts.  No globals.
 */
#ifndef W2V_PHRASES_H
#define W2V_PHRASES_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "w2v_scan.h"

/* Text fed to the scanner between two walks (and pruning checks). */
#define W2V_PHR_PIECE (1 << 16)

typedef struct {
    uint32_t a1;   /* first word's id + 1; 0 = empty slot */
    uint32_t b;    /* second word's id */
    uint32_t run;  /* connector run id (0 = none) */
    uint32_t pad;
    int64_t count;
} w2v_pslot;

typedef struct {
    w2v_pslot *slots;
    uint64_t mask;
    int64_t n;
} w2v_ptab;

int w2v_ptab_init(w2v_ptab *p, int64_t expected);
void w2v_ptab_free(w2v_ptab *p);
/* Add count to the pair (created if new); W2V_SCAN_OK or W2V_SCAN_ENOMEM. */
int w2v_ptab_add(w2v_ptab *p, uint32_t a, uint32_t b, uint32_t run, int64_t count);
/* The pair's count, or -1 when absent. */
int64_t w2v_ptab_get(const w2v_ptab *p, uint32_t a, uint32_t b, uint32_t run);

typedef struct {
    w2v_vtab uni;         /* the words */
    w2v_scanner sc;       /* records the ids of uni */
    w2v_ptab pairs;
    w2v_vtab runs;        /* connector runs; run id = entry index + 1 */
    const w2v_vtab *conn; /* connector words (read only, may be shared), or NULL */
    int32_t *conn_of;     /* connector index of word id, or -1, for ids < conn_known */
    int64_t conn_known, conn_cap;
    int64_t prev;         /* previous non-connector word of the open sentence, or -1 */
    uint32_t *run;        /* connectors since prev */
    int64_t run_len, run_cap;
    int cross_lines;      /* pairs span '\n' (word2phrase.c counts them so) */
    int context;          /* feeding a context: set the state, count nothing */
    int64_t context_tokens;
    int64_t max_size, min_reduce, prunes, pruned_pairs;
} w2v_phr_counter;

int w2v_phr_counter_init(w2v_phr_counter *c, int64_t max_token, int64_t max_size,
                         const w2v_vtab *conn, int cross_lines);
void w2v_phr_counter_free(w2v_phr_counter *c);
/* Count n bytes of text (a sentence may continue into the next call). */
int w2v_phr_feed(w2v_phr_counter *c, const uint8_t *buf, int64_t n);
/* End of a source or of a block: finish a pending token, end the sentence. */
int w2v_phr_end_source(w2v_phr_counter *c);
/* Text that precedes the next block in its sentence: tokens are not counted. */
int w2v_phr_context(w2v_phr_counter *c, const uint8_t *buf, int64_t n);
/* One whole token (no cut: Python token lists), and a sentence end. */
int w2v_phr_token(w2v_phr_counter *c, const uint8_t *p, int64_t n);
int w2v_phr_end_sentence(w2v_phr_counter *c);
/* Tokens counted (context excluded). */
int64_t w2v_phr_tokens(const w2v_phr_counter *c);
/* Add everything `from` counted into `into` (same connector table); `from` is
   left as it was.  Prunes `into` afterwards when it exceeds its max_size. */
int w2v_phr_merge(w2v_phr_counter *into, const w2v_phr_counter *from);
/* Prune once as ReduceVocab (with the current min_reduce). */
int w2v_phr_prune(w2v_phr_counter *c);

/* Offset in buf[0..n) (text that ends at a separator, cut inside a sentence)
   where the context of the next block starts: the last token that is not a
   connector (or n when the sentence's last words are all connectors after a
   '\n': no context needed).  max_token: the cut of tokens.  cross_lines: a
   '\n' is a separator like any other. */
int64_t w2v_phr_lead_start(const uint8_t *buf, int64_t n, const w2v_vtab *conn,
                           int64_t max_token, int cross_lines);

/* W2V_PHR_ALL: every pair, score 0 (the raw counts, for tests and inspection). */
enum { W2V_PHR_WORD2PHRASE = 0, W2V_PHR_NPMI = 1, W2V_PHR_ALL = 2 };

/* murmur3's 64-bit finaliser */
static inline uint64_t w2v_fmix64(uint64_t h)
{
    h ^= h >> 33;
    h *= UINT64_C(0xFF51AFD7ED558CCD);
    h ^= h >> 33;
    h *= UINT64_C(0xC4CEB9FE1A85EC53);
    h ^= h >> 33;
    return h;
}

/* A scorer with its settings (w2v_make_rule), and whether counts (ca, cb, cab) pass it. */
typedef struct {
    int scoring;
    int64_t min_count, train_words;
    double threshold, n_words;
    float thr_f;
} w2v_score_rule;

static inline w2v_score_rule w2v_make_rule(int scoring, int64_t min_count, double threshold, int64_t train_words)
{
    w2v_score_rule r;
    r.scoring = scoring;
    r.min_count = min_count;
    r.train_words = train_words;
    r.threshold = threshold;
    r.n_words = (double)train_words;
    r.thr_f = (float)threshold;
    return r;
}

/* Whether the pair of counts (ca, cb, cab) passes; its score in *score. */
static inline int w2v_pair_passes(const w2v_score_rule *r, int64_t ca, int64_t cb, int64_t cab,
                              double *score)
{
    if (r->scoring == W2V_PHR_WORD2PHRASE) {
        /* word2phrase.c: real (float) arithmetic in this order, all three counts
           >= min_count (rarer entries are not in its table) */
        float f;
        if (ca < r->min_count || cb < r->min_count || cab < r->min_count)
            return 0;
        f = (float)(cab - r->min_count) / (float)ca / (float)cb * (float)r->train_words;
        if (!(f > r->thr_f))
            return 0;
        *score = f;
        return 1;
    }
    if (r->scoring == W2V_PHR_ALL) {
        *score = 0.0;
        return 1;
    } else {
        /* gensim's npmi_scorer */
        double pa, pb, pab;
        if (cab < r->min_count || ca <= 0 || cb <= 0 || r->train_words <= 0)
            return 0;
        pa = (double)ca / r->n_words;
        pb = (double)cb / r->n_words;
        pab = (double)cab / r->n_words;
        *score = log(pab / (pa * pb)) / -log(pab);
        return *score > r->threshold;
    }
}

/* Score every pair of a finished counter; writes the pairs that pass
   (score > threshold, see the README) to the out arrays (capacity cap) and
   returns how many passed (which may exceed cap: call again with more room). */
int64_t w2v_phr_score(const w2v_phr_counter *c, int scoring, int64_t min_count,
                      double threshold, int64_t train_words, uint32_t *out_a, uint32_t *out_b,
                      uint32_t *out_run, int64_t *out_count, double *out_score, int64_t cap);

/* A frozen phrase table: the words of the phrases, the pairs, the runs. */
typedef struct {
    w2v_vtab words;
    w2v_ptab pairs;
    w2v_vtab runs;
    const w2v_vtab *conn;
    uint8_t delim[64];
    int64_t delim_len;
    int64_t max_token;
} w2v_phr_table;

typedef struct {
    const w2v_phr_table *t;
    uint8_t *out;
    int64_t out_len, out_cap;
    uint8_t *flags;       /* per token: 1 when joined to what precedes it (if wanted) */
    int64_t flags_len, flags_cap;
    int want_flags;
    w2v_carry carry;      /* a token cut by a block end */
    int64_t prev;         /* phrase-table id of the candidate first word, or -1 */
    int have_start;       /* a first word is open (prev may be -1: it is no phrase word) */
    uint8_t *pend;        /* connectors after an open first word: bytes */
    int64_t pend_len, pend_cap;
    int64_t *pend_end;    /* end offsets in pend */
    uint32_t *pend_run;   /* their connector indices */
    int64_t pend_n, pend_cap_n;
    int64_t line_tokens;  /* tokens written since the last newline */
    int64_t tokens, joins, cut;
} w2v_phr_rewriter;

int w2v_phr_rw_init(w2v_phr_rewriter *r, const w2v_phr_table *t, int want_flags);
void w2v_phr_rw_free(w2v_phr_rewriter *r);
int w2v_phr_rw_feed(w2v_phr_rewriter *r, const uint8_t *buf, int64_t n);
int w2v_phr_rw_end_source(w2v_phr_rewriter *r);
int w2v_phr_rw_token(w2v_phr_rewriter *r, const uint8_t *p, int64_t n);
int w2v_phr_rw_end_sentence(w2v_phr_rewriter *r);

/* Parallel rewriting.  Where in buf[0..n) (text that ends at a separator) a fresh
   rewriter may start reading so as to be, at n, in the state of one that read
   everything before: the last token that is neither a phrase word nor a connector
   (no pair can join it to what precedes, and the connectors after it are written
   as they come) or the last '\n', whichever is later; -1 when buf has neither
   (the state depends on the text before buf). */
int64_t w2v_phr_rw_resync(const w2v_phr_table *t, const uint8_t *buf, int64_t n);

#endif
