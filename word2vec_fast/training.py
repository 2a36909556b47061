"""``train()``: check the parameters, encode the corpus, make a model, run its schedule.

The work is done below: :mod:`~word2vec_fast.corpus` encodes text into ids,
:class:`~word2vec_fast.model.Model` holds the weights, and
:mod:`~word2vec_fast.runner` drives the C engine's threads.
"""
from __future__ import annotations

import time

import numpy as np

from .corpus import SPILL_BYTES, as_corpus
from .model import Model
from .params import check_float, check_int, check_output_layer, check_threads
from .phrases import with_phrases
from .pretrained import as_vectors, check_dim, take_ngram_rows, take_rows
from .runner import batch_size
from .scan import MAX_TOKEN_BYTES
from .schedule import alpha_schedule
from .subwords import SUBWORD_ALPHA, SubwordSpec, subword_batch


def check_train_params(*, dim, window, negative, hs, sg, cbow_mean, sample, min_count, alpha,
                       min_alpha, epochs, seed, batch) -> dict:
    """The parameters of :func:`train` checked and completed (one rule for every trainer).

    Returns
    -------
    dict
        ``dim, window, negative, hs, sg, cbow_mean, sample, min_count, alpha,
        min_alpha, epochs, seed, batch`` (centre words per block, see
        :func:`~word2vec_fast.runner.batch_size`) as :meth:`Model.create` takes
        them, plus ``alpha_end`` and ``alpha_floor`` of the decay.

    Raises
    ------
    ValueError, TypeError
        For a bad value, naming the parameter.
    """
    dim = check_int("dim", dim, 1)
    window = check_int("window", window, 1)
    negative = check_int("negative", negative, 0)
    epochs = check_int("epochs", epochs, 1)
    min_count = check_int("min_count", min_count, 1)
    seed = check_int("seed", seed, 0)
    sample = check_float("sample", sample)
    hs, sg, cbow_mean = bool(hs), bool(sg), bool(cbow_mean)
    batch = batch_size(batch, sg, hs)
    check_output_layer(negative, hs)
    if alpha is None:
        alpha = 0.025 if sg else 0.05
    alpha = check_float("alpha", alpha, 0.0, strict=True)
    alpha_end, alpha_floor = alpha_schedule(alpha, min_alpha)
    if dim > 100_000:
        raise ValueError(f"dim={dim} is implausibly large (max 100000)")
    return dict(dim=dim, window=window, negative=negative, hs=hs, sg=sg, cbow_mean=cbow_mean,
                sample=sample, min_count=min_count, alpha=alpha, min_alpha=min_alpha,
                epochs=epochs, seed=seed, batch=batch, alpha_end=alpha_end,
                alpha_floor=alpha_floor)


def model_params(p: dict) -> dict:
    """The keyword arguments of :meth:`Model.create` among checked parameters ``p``."""
    return {k: p[k] for k in ("dim", "window", "negative", "hs", "sg", "cbow_mean", "sample",
                              "alpha", "min_alpha", "epochs", "seed", "min_count", "batch")}


def train(corpus, *, dim=100, window=5, negative=5, hs=False, sg=True, cbow_mean=True,
          sample=1e-3, min_count=5, alpha=None, min_alpha=None, epochs=5, threads=None,
          seed=1, progress=None, vocab=None, max_final_vocab=None, batch=True,
          max_vocab_size=None, max_token_bytes=MAX_TOKEN_BYTES, spill_bytes=SPILL_BYTES,
          spill_dir=None, callbacks=None, phrases=None, init_vectors=None,
          lock_init=False, subwords=False, minn=3, maxn=6, buckets=2_000_000) -> Model:
    """Train word2vec embeddings.

    Parameters
    ----------
    corpus : path, iterable of list of str, Corpus, or int array
        A text file (whitespace-separated tokens, a newline ends a sentence;
        ``.gz``/``.bz2``/``.xz`` read transparently), a directory (its files in
        name order), a list of ``pathlib.Path``, ``"-"`` for standard input, a
        re-iterable of token lists, an encoded :class:`Corpus`, or token ids
        (an int array, or ``(ids, sentence_offsets)``) together with ``vocab``.
        Text is read once: counted and encoded in the same pass, so a one-shot
        generator of token lists works too -- except when ``max_vocab_size``
        pruning changes the counting table, which needs a second pass (a
        ``ValueError`` says so; pass a list, a re-iterable or a file then).
    dim : int
        Vector size.
    window : int
        Maximum distance between centre and context word; each centre word
        uses a random window in ``1..window`` as word2vec.c does.
    negative : int
        Negative samples per positive pair (0 disables negative sampling).
    hs : bool
        Also (or only, with ``negative=0``) train hierarchical softmax.
    sg : bool
        Skip-gram if True, CBOW if False.
    cbow_mean : bool
        CBOW uses the mean (True) or the sum (False) of the context vectors.
    sample : float
        Subsampling threshold for frequent words (0 disables it).
    min_count : int
        Ignore words occurring fewer times (when the vocabulary is built here).
    alpha : float, optional
        Initial learning rate; 0.025 for skip-gram, 0.05 for CBOW (0.05 for both
        with ``subwords``, fastText's, which trains them better: see the README).
    min_alpha : float, optional
        Final learning rate.  By default the rate decays linearly towards 0
        and is floored at ``alpha * 1e-4``, exactly as in word2vec.c.
    epochs : int
        Passes over the corpus.
    threads : int, optional
        Worker threads; default all cores available to the process.
    seed : int
        Seed of every random choice; ``threads=1`` runs are bit-for-bit repeatable.
    progress : bool, optional
        Show a progress bar (default: when stderr is a terminal).
    vocab : Vocab, optional
        Use this vocabulary instead of building one (required for id arrays).
    max_final_vocab : int, optional
        Keep at most this many of the most frequent words.
    batch : bool or int
        True (default): batched updates -- each centre word's window is one
        small block of matrix products: its context rows against the centre
        word's output row, its shared negatives and (hs) its Huffman path
        (HogBatch, Ji et al. 2016), SIMD-vectorised for the CPU at hand.
        An int B > 1 also shares the negatives across B consecutive windows
        (context combining, as pSGNScc): faster still, but it measurably lowers
        accuracy (see the README), so it is not the default.  hs always uses
        B = 1.  With ``subwords``, skip-gram's True is 8 centre words per block
        (see the README's "Subword vectors").  False or 0: word2vec.c's classic
        per-pair updates with fresh negatives per pair, for exact comparison with it.
    max_vocab_size : int, optional
        Bound the memory of counting: prune rare words whenever the counting
        table holds more words than this (word2vec.c's ReduceVocab); see
        :meth:`Vocab.build`.
    max_token_bytes : int
        Tokens of text longer than this are cut (at a UTF-8 character
        boundary); default 100 bytes, as word2vec.c.
    spill_bytes : int
        When the corpus's token ids (4 bytes per token) would take more than
        this (default 1 GiB), they are written to a temporary ``.npy`` file in
        ``spill_dir`` (default: the system temporary directory) and trained
        through a memory map whose pages are given back behind the training
        front, so memory does not grow with the corpus.
    spill_dir : path, optional
        Where those temporary files go (they are deleted when training ends).
    callbacks : list of callables, optional
        Each is called as ``cb(model, record)`` after every epoch, ``record``
        being the epoch's entry of ``model.history`` (a dict it may add keys
        to).  A callable with an integer attribute ``every_words`` is also
        called about every that many raw words during an epoch, with a
        progress record (``record["kind"] == "progress"``) while the workers
        keep training.  Returning ``False`` or raising :class:`StopTraining`
        ends training early.  See :mod:`word2vec_fast.callbacks`.
    phrases : Phrases or True, optional
        Train on the corpus rewritten with these phrases (``True``: build them
        first with :meth:`Phrases.build`'s defaults, on ``threads`` threads); the
        rewritten text is streamed into the encoder, never written.  Text or
        token-list corpora only.
    init_vectors : Vectors or path, optional
        Pretrained vectors (any file :func:`word2vec_fast.load` reads): every
        word of the vocabulary that they have starts from their row instead of
        a random one.  They must have ``dim`` dimensions.
    lock_init : bool
        Keep those rows fixed during training (gensim's ``lockf=0``): only the
        other words' vectors and the output weights learn.  Needs ``init_vectors``.
        Not with ``subwords``.
    subwords : bool
        Train subword vectors, fastText's way: each word's input vector is the
        mean of its own row and the rows of its character n-grams, so that
        ``model.wv`` also gives vectors for words never seen
        (:class:`~word2vec_fast.subwords.SubwordVectors`).  Skip-gram then runs
        fastText's orientation (the centre's mean predicts each context word; the
        same pairs as word2vec.c's); the rest is word2vec.c's (see the README
        for every difference from fastText).  ``init_vectors`` may then be a
        subword model (a fastText ``.bin``, :class:`SubwordVectors`): its word
        and n-gram rows are taken (its n-gram settings must be these).
    minn, maxn : int
        The n-grams' lengths in characters (fastText's defaults 3 and 6);
        ``maxn=0`` gives every word its own row only.
    buckets : int
        Rows the n-grams are hashed into (fastText's ``-bucket``, 2,000,000):
        they cost ``buckets * dim * 4`` bytes (800 MB at dim 100), fewer
        buckets cost memory less and quality a little.

    Returns
    -------
    Model
        ``.vectors`` (V, dim) float32, ``.words``, ``.save(path, binary=True)``,
        ``.history`` (one record per epoch, with its loss), ``.save_model(path)``.

    Raises
    ------
    ValueError, TypeError
        For bad parameters or corpora, before any thread starts.
    TrainingDiverged
        The loss became NaN/inf (a learning rate far too large).
    TrainingInterrupted
        Ctrl-C: every thread stops within milliseconds; ``.model`` holds the
        model as trained so far, consistent and finite.
    """
    if subwords and alpha is None:
        alpha = SUBWORD_ALPHA  # fastText's: it trains subword skip-gram measurably better
    p = check_train_params(dim=dim, window=window, negative=negative, hs=hs, sg=sg,
                           cbow_mean=cbow_mean, sample=sample, min_count=min_count,
                           alpha=alpha, min_alpha=min_alpha, epochs=epochs, seed=seed,
                           batch=batch)
    threads = check_threads(threads)
    if lock_init and init_vectors is None:
        raise ValueError("lock_init=True needs init_vectors")
    spec = None
    if subwords:
        spec = SubwordSpec.checked(minn, maxn, buckets)
        if lock_init:
            raise ValueError("lock_init=True is not supported with subwords")
        if not p["batch"]:
            raise ValueError("subwords=True needs the batched kernels (batch=True or an int)")
        if batch is True:
            p["batch"] = subword_batch(p["sg"], p["hs"])
    init = None if init_vectors is None else check_dim(as_vectors(init_vectors), p["dim"])

    t0 = time.perf_counter()
    corpus = with_phrases(corpus, phrases, threads)
    if isinstance(spill_bytes, bool) or not isinstance(spill_bytes, (int, np.integer)) \
            or spill_bytes < 0:
        raise ValueError(f"spill_bytes must be an integer >= 0, got {spill_bytes!r}")
    enc = as_corpus(corpus, vocab, p["min_count"], max_final_vocab, max_vocab_size=max_vocab_size,
                    max_token_bytes=max_token_bytes, spill_bytes=int(spill_bytes),
                    spill_dir=spill_dir)
    v = len(enc.vocab)
    if v == 0:
        raise ValueError("empty vocabulary")
    if len(enc) == 0:
        raise ValueError("the corpus has no tokens in the vocabulary: nothing to train")
    if v > np.iinfo(np.int32).max:
        raise ValueError("vocabulary too large for int32 ids")
    prep_seconds = time.perf_counter() - t0

    model = Model.create(enc.vocab, **model_params(p), subwords=spec)
    if init is not None:
        model.lock_in = take_rows(model.vectors, enc.vocab.words, init, bool(lock_init))
        if spec is not None:
            take_ngram_rows(model, init)
    model.start_schedule(enc, epochs=p["epochs"], alpha=p["alpha"], alpha_end=p["alpha_end"],
                         alpha_floor=p["alpha_floor"], seed=p["seed"])
    model.train_corpus(enc, threads=threads, progress=progress, callbacks=callbacks)
    model.stats["prepare_seconds"] = prep_seconds
    return model
