/*
 * w2v_subword_build.h -- the batched updates of a subword model
 * (params.sub_offsets set, w2v_subword.h): a word's input vector is the mean
 * of its rows (its own and its n-grams'), and the gradient of that mean goes
 * in full to each of them, as fastText does.
 *
 * Skip-gram: one block per centre word, fastText's orientation: the centre's
 * mean, composed once, is the one input row; its outputs are every
 * context's Huffman path (hs), every context word, and `negative` negatives
 * shared by the window, each counted once per context word it is not
 * (word2vec.c skips a negative equal to the word it trains).  So a block
 * trains the (centre, context) pairs word2vec.c's skip-gram trains, seen
 * from the centre (with symmetric windows the same pairs), with one mean to
 * compose and one gradient to spread per centre word instead of one per
 * context, and the negatives shared by the window as the plain batched
 * kernel shares them (w2v_block_build.h).  The next centre's rows are fetched while the
 * block computes (the n-gram buckets do not fit in any cache).
 *
 * CBOW: blocks of up to params.batch consecutive centre words as the plain
 * batched CBOW (w2v_block_build.h: the centres and negatives shared by the
 * block), each window's input being fastText's bag: the mean of every row of
 * every context word.  Each position of the block has its rows summed once
 * (the windows overlap), and after the update each position's gradient (the
 * sum of those of the windows it lies in) is added once to each of its rows.
 *
 * Both read the rows as they were at the block's start (a block is one
 * snapshot), and race with other threads without locks ("Hogwild", as
 * everywhere in the engine).  Random draws: skip-gram, the reduced window,
 * then the window's negatives; CBOW, as w2v_train_batch.
 */
#ifndef W2V_SUBWORD_BUILD_H
#define W2V_SUBWORD_BUILD_H

#include <stdint.h>

#include "w2v_params.h"
#include "w2v_thread_state.h"

/* The subword counterpart of w2v_train_batch (same arguments and contract). */
void w2v_train_batch_sub(const w2v_params *p, w2v_thread_state *st, const int32_t *buf,
                         int64_t n, const int64_t *J, int nb);

#endif
