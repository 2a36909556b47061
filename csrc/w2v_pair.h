/*
 * w2v_pair.h -- the classic per-pair word2vec updates (params.batch == 0):
 * skip-gram and CBOW, each with hierarchical softmax and/or negative
 * sampling, one (input vector, output row) pair at a time, exactly as
 * word2vec.c orders its updates and random draws.
 *
 * The rows of w_in, w_out_ns and w_out_hs are read and written without
 * locks while other threads do the same ("Hogwild"): those data races are
 * deliberate and are the algorithm, as in word2vec.c and gensim.  Everything
 * else written is the calling thread's own state (w2v_thread_state.h).
 */
#ifndef W2V_PAIR_H
#define W2V_PAIR_H

#include <stdint.h>

#include "w2v_params.h"
#include "w2v_thread_state.h"

/*
 * Train centre word buf[j] with its reduced window over buf[0..n) (the kept
 * ids of one sentence segment and its context margins).  Draws the reduced
 * window, then each pair's negatives, from st->rng; uses st->alpha, st->neu1,
 * st->neu1e and st->negs; adds the loss terms to st->loss and the training
 * examples to st->pairs.
 */
void w2v_train_position(const w2v_params *p, w2v_thread_state *st, const int32_t *buf,
                        int64_t n, int64_t j);

#endif
