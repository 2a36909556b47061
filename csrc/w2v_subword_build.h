/*
 * w2v_subword_build.h -- the batched updates of a subword model
 * (params.sub_offsets set, w2v_subword.h): a word's input vector is the mean
 * of its rows (its own and its n-grams'), and the gradient of that mean goes
 * in full to each of them, as fastText does.
 *
 * Skip-gram: blocks of up to params.batch consecutive centre words (one with
 * hs), in fastText's orientation: each centre's mean, composed once, is an
 * input row; the outputs are every context's Huffman path (hs), every word
 * of the windows (a context meets its centre once), and, with negative
 * sampling, D = negative * ceil(C / nb) negatives shared by the block (C the
 * block's contexts), each meeting centre b negative/D times per context of b
 * it is not (word2vec.c skips a negative equal to the word it trains).  So
 * every (centre, context) pair meets `negative` negatives, as in fastText and
 * word2vec.c, and each negative meets the block's different centres (as the
 * plain batched kernel pairs its shared negatives with different context
 * rows); the pairs are word2vec.c's seen from the centre (with symmetric
 * windows the same), with one mean to compose and one gradient to spread per
 * centre word instead of one per pair.  The next block's centre rows are
 * fetched while this one computes (the n-gram buckets fit in no cache).
 *
 * CBOW: blocks of up to params.batch consecutive centre words as the plain
 * batched CBOW (w2v_block_build.h: the centres and negatives shared by the
 * block), each window's input being fastText's bag: the mean of every row of
 * every context word; the block shares D = negative * min(nb,
 * W2V_SUB_CBOW_SHARE) negatives, each meeting every centre negative/D times
 * (so each centre meets `negative` of them, as in fastText).  Each position of the block has its rows summed once
 * (the windows overlap), and after the update each position's gradient (the
 * sum of those of the windows it lies in) is added once to each of its rows.
 *
 * Both read the rows as they were at the block's start (a block is one
 * snapshot), and race with other threads without locks ("Hogwild", as
 * everywhere in the engine).  Random draws: the nb reduced windows then the
 * D negatives (skip-gram); as w2v_train_batch (CBOW).
 */
#ifndef W2V_SUBWORD_BUILD_H
#define W2V_SUBWORD_BUILD_H

#include <stdint.h>

#include "w2v_params.h"
#include "w2v_thread_state.h"

/* Negatives per centre's share of a CBOW block (above).  Measured on wiki1e8 (5
   epochs, blocks of 8): 1 (the plain kernel's sharing) trained 1.9 syntactic
   analogy points below fastText, 8 (D = 40, weighted 1/8) 0.9 below and 1.4x the
   time of 1, 2 0.8 below with semantic and WS353 above both. */
#define W2V_SUB_CBOW_SHARE 2

/* The subword counterpart of w2v_train_batch (same arguments and contract). */
void w2v_train_batch_sub(const w2v_params *p, w2v_thread_state *st, const int32_t *buf,
                         int64_t n, const int64_t *J, int nb);

#endif
