/*
 * w2v_doc.h -- paragraph vectors (Le & Mikolov 2014) on the engine: the
 * PV-DBOW block update, and the inference of new documents' vectors.
 *
 * Training runs in the word2vec worker (w2v_worker.c): every sentence of the
 * corpus is a document, and params.doc_rows gives its tag rows in w_doc.
 *  - PV-DBOW (doc_mode 1): each tag row predicts every kept word of its
 *    document (no window), as skip-gram's input row predicts a context word;
 *    with dbow_words, the skip-gram block of the same centre words runs first
 *    (w2v_block_build.h), sharing the output layer.
 *  - PV-DM (doc_mode 2): CBOW whose context sum (or mean) includes the tag
 *    rows, which get the context's gradient as its words do
 *    (w2v_block_build.c).
 *
 * Inference trains one new row against the frozen model: nothing of the model
 * is written, so any number of threads infer at once, and a document's vector
 * depends only on the seed and its words (its random stream is keyed by them),
 * never on the thread or the call that infers it.
 */
#ifndef W2V_DOC_H
#define W2V_DOC_H

#include <stdint.h>

#include "w2v_params.h"
#include "w2v_thread_state.h"

/*
 * One PV-DBOW block: the st->ndoc tag rows of the current document against
 * the centre words buf[J[0..nb)]: their Huffman path with hs (nb == 1); with
 * negative sampling the nb words and their negatives.  dbow_group 0: one draw
 * of `negative` negatives for the block, as w2v_block_columns draws them
 * (those drawn ahead by the previous block, if any); g >= 1: `negative` for
 * each g consecutive words in order (the first group's those drawn ahead, if
 * any), none ahead; a negative counts once for each word of its group it is
 * not (g = 1: each word its own negatives, as word2vec's per-pair updates).
 * Adds the tag rows' gradients to them.  With dbow_words, the skip-gram block
 * of each centre word (one window per block) runs first, in order.
 */
void w2v_train_batch_dbow(const w2v_params *p, w2v_thread_state *st, const int32_t *buf,
                          int64_t n, const int64_t *J, int nb);

/*
 * The key of a document's random stream: the seed's key and its n word ids.
 */
uint64_t w2v_doc_key(uint64_t seed_key, const int32_t *ids, int64_t n);

/* Documents one w2v_doc_infer call trains side by side. */
#define W2V_INFER_DOCS 8

/*
 * Scratch floats w2v_doc_infer needs for the model p, and int32 for
 * documents of n_total words together, the longest n_max: 2 * n_total +
 * n_max * negative + 1 (a pass's kept words and windows of each document,
 * and the negatives of each word position).
 */
int64_t w2v_doc_infer_floats(const w2v_params *p);
int64_t w2v_doc_infer_ints(const w2v_params *p, int64_t n_total, int64_t n_max);

/*
 * Infer the vectors of nd (1..W2V_INFER_DOCS) documents side by side:
 * document b is ids[offsets[b] - offsets[0] .. offsets[b + 1] - offsets[0])
 * (every id < vocab_size), its vector out[b * dim ..].  Each starts uniform in
 * [-0.5/dim, 0.5/dim), drawn from its key (w2v_doc_key(seed_key, its ids)),
 * then `epochs` passes train it alone, the model's rows read only: pass e
 * (0-based) at alpha0 - (alpha0 - alpha1) * e / (epochs - 1) (alpha0 when
 * epochs == 1), subsampled with p->keep_thr from its key, by p->doc_mode's rule
 * (PV-DM's window reduced at random from its key, as in training) with
 * negative sampling and/or hierarchical softmax.
 * The negatives of a pass's j-th kept word come from one stream of the seed
 * (not the document), the same for every document: each document's are still
 * independent draws word by word, and a vector depends only on the seed, its
 * words and the settings (never on the other documents, their order or the
 * thread), while the documents trained side by side read each position's
 * negative rows once from memory.
 * The updates are blocks through w2v_block_grad (the output rows only read):
 * PV-DBOW with negative sampling blocks of w2v_batch_width(p) words, each word
 * with its own negatives, whatever training's dbow_group (measured: sharing
 * training's draws cost split-half retrieval 0.011 of top-1); PV-DM and
 * hierarchical softmax one word a block; word2vec.c's clamping (negative
 * sampling saturates outside [-6, 6]; a Huffman node outside (-6, 6) is
 * skipped).  fscratch, iscratch: sized as above.
 * Returns the words trained over all passes and documents (-1: nd out of range).
 */
int64_t w2v_doc_infer(const w2v_params *p, int nd, const int32_t *ids, const int64_t *offsets,
                      float *out, int epochs, float alpha0, float alpha1, uint64_t seed_key,
                      float *fscratch, int32_t *iscratch);

#endif
