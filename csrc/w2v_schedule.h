/*
 * w2v_schedule.h -- the learning-rate schedule: word2vec.c's linear decay in
 * raw words.
 *
 *   alpha = max(alpha0 - (alpha0 - alpha_end) * p, alpha_floor),
 *   p = words_done / (total_words + 1)
 *
 * words_done: raw words (corpus tokens before subsampling) done so far by all
 * threads; total_words: the schedule's length in raw words (epochs * corpus
 * tokens).  word2vec.c's own rule is alpha_end = 0 with
 * alpha_floor = alpha0 * 1e-4.
 *
 * Each worker re-reads the shared count and recomputes alpha once every
 * W2V_LR_BLOCK raw words of its task (w2v_worker.c); nothing else in C
 * computes a learning rate.  word2vec_fast/_kernels.pyx exports this
 * function as learning_rate() so that a Python mirror can be tested against
 * it bit for bit.
 */
#ifndef W2V_SCHEDULE_H
#define W2V_SCHEDULE_H

#include <stdint.h>

/* Raw words between two reads of the shared progress (and learning-rate updates). */
#define W2V_LR_BLOCK 256

/* The progress is rounded to float once, then the rest is float arithmetic:
   that order fixes every bit of the result.  The product is rounded on its
   own (volatile): where the target has fused multiply-add (arm64, found by
   .ci/arm64) GCC would otherwise contract it with the subtraction and the
   result would no longer be the Python schedule's (schedule.py). */
static inline float w2v_learning_rate(int64_t words_done, int64_t total_words, float alpha0,
                                      float alpha_end, float alpha_floor)
{
    float prog = (float)((double)words_done / (double)(total_words + 1));
    volatile float step = (alpha0 - alpha_end) * prog;
    float a = alpha0 - step;
    return a < alpha_floor ? alpha_floor : a;
}

#endif
