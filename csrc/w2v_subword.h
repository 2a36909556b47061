/*
 * w2v_subword.h -- fastText's character n-grams: which rows of the input
 * matrix make up a word's vector in a subword model.
 *
 * A word w of a vocabulary of V words owns row w; its n-grams own rows
 * V + bucket, bucket = hash(n-gram) % buckets, where the n-grams are the
 * substrings of "<" + w + ">" of minn..maxn UTF-8 code points (a code point
 * is a lead byte and the continuation bytes 10xxxxxx after it), in order of
 * their start, then of their length; duplicates are kept; the one-code-point
 * n-grams "<" and ">" are not n-grams; the whole bracketed word is one when
 * it is short enough.  hash is 32-bit FNV-1a over the n-gram's bytes, each
 * byte sign-extended through int8_t before the xor, as fastText's
 * Dictionary::hash does (bytes >= 0x80 then flip the upper 24 bits too), so
 * the rows are fastText's and its files interoperate.
 *
 * Pure functions of their arguments; no allocation; no globals.
 */
#ifndef W2V_SUBWORD_H
#define W2V_SUBWORD_H

#include <stdint.h>

/* fastText's hash of n bytes. */
uint32_t w2v_ngram_hash(const char *s, int64_t n);

/*
 * The n-grams of "<" + word + ">" (word: n bytes, no brackets), written as
 * bucket numbers (hash % buckets) to out[0..cap) and, if starts/lens are not
 * NULL, the byte offset and length of each in the bracketed word.  Returns
 * how many there are (possibly more than cap: then only cap are written).
 * minn >= 1, maxn >= minn, buckets >= 1 (the caller checks).
 */
int64_t w2v_ngrams(const char *word, int64_t n, int minn, int maxn, uint32_t buckets,
                   int32_t *out, int64_t *starts, int64_t *lens, int64_t cap);

/*
 * The input rows of every word of a vocabulary, as CSR: word i's rows are
 * rows[offsets[i] .. offsets[i+1]), its own row i first, then nwords + the
 * bucket of each of its n-grams (none for word `skip`, fastText's "</s>",
 * or for any word when maxn == 0).  The words are text[starts[i] ..
 * starts[i+1]).  With rows == NULL only offsets are filled (the sizing
 * pass); otherwise offsets must hold that pass's result.
 */
void w2v_vocab_ngram_rows(const char *text, const int64_t *starts, int64_t nwords,
                          int64_t skip, int minn, int maxn, uint32_t buckets, int64_t *offsets,
                          int32_t *rows);

#endif
