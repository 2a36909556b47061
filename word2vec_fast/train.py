"""``train()``: parameters, threads, schedule and progress; no per-word work in Python.

The corpus is turned into int32 ids once (see :mod:`word2vec_fast.corpus`), then,
epoch by epoch, ``threads`` Python threads each enter the C engine with the GIL
released and pull chunks of the corpus from a shared atomic counter until the
epoch is done.  The learning rate is a function of the words done by all
threads, carried across epochs, so running the schedule one epoch at a time is
the same as one call (bit for bit with one thread).  Between epochs the calling
thread records the epoch (``model.history``) and runs the callbacks; during an
epoch it only watches the shared counters (progress bar, ``every_words``
callbacks), and turns Ctrl-C into a clean stop of all workers.
"""
from __future__ import annotations

import logging
import math
import os
import sys
import threading
import time

import numpy as np

from . import _kernels
from .corpus import Corpus, count_and_encode, encode
from .model import Model
from .scan import MAX_TOKEN_BYTES, text_sources
from .vocab import Vocab, check_reiterable

logger = logging.getLogger("word2vec_fast")

#: Largest chunk of consecutive tokens handed to a thread at once.
MAX_CHUNK_TOKENS = 10_000
MIN_CHUNK_TOKENS = 1_000
#: Default of ``spill_bytes``: token ids larger than this go to a memory-mapped file.
SPILL_BYTES = 1 << 30
#: Seconds between two looks at the training front (progress, page release).
POLL_SECONDS = 0.1
#: An epoch whose loss per pair exceeds this has diverged even if it is finite (an
#: average term of 10^4 means scores of that size; healthy runs stay below ~30:
#: hierarchical softmax's saturated scores get no updates, so a far too large
#: alpha can leave it stuck there instead of overflowing).
DIVERGED_LOSS_PER_PAIR = 1e4
#: Centre words per block of the batched kernels (``batch=True``).
DEFAULT_BATCH = {True: 1, False: 1}  # keyed by sg; see the README for why 1


class StopTraining(Exception):
    """Raise from a callback to end training early; ``train()`` then returns normally.

    Returning ``False`` from a callback does the same.  At an epoch end the
    epoch is complete; from an ``every_words`` callback the running epoch is
    cut short (its ``history`` record says ``complete=False``).
    """


class TrainingDiverged(FloatingPointError, ValueError):
    """The training loss became NaN or infinite: the learning rate is too large.

    Raised at the end of the task (a chunk of at most 10,000 tokens) where it
    happened; every thread stops.  ``.model`` holds the (garbage) model for
    inspection, ``.epoch`` the epoch (1-based), ``.alpha`` the initial learning
    rate.  Both a ``FloatingPointError`` and a ``ValueError``.
    """

    def __init__(self, message, model=None, epoch=None, alpha=None):
        super().__init__(message)
        self.model = model
        self.epoch = epoch
        self.alpha = alpha


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped training; ``.model`` holds the consistent, partly trained model.

    A subclass of ``KeyboardInterrupt``, so code that does not care sees a
    plain interrupt; code that does (e.g. the CLI's save-on-interrupt) can
    still save what was trained.
    """

    def __init__(self, model, message="training interrupted; .model holds the vectors so far"):
        super().__init__(message)
        self.model = model


def batch_size(batch, sg: bool, hs: bool) -> int:
    """Centre words per block: 0 = classic per-pair updates."""
    if batch is True:
        return 1 if hs else DEFAULT_BATCH[sg]
    if batch is False or batch is None:
        return 0
    b = _check_int("batch", batch, 0)
    if b > 64:
        raise ValueError(f"batch must be True, False or an int in [0, 64], got {b}")
    return 1 if (hs and b) else b


def default_threads() -> int:
    """Cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def chunk_tokens_for(n_tokens: int) -> int:
    """Chunk size: small enough for load balance, large enough to amortise a task.

    Depends only on the corpus length (never on the thread count), so the
    random draws of a seeded run are the same whatever the number of threads.
    """
    return int(min(MAX_CHUNK_TOKENS, max(MIN_CHUNK_TOKENS, math.ceil(n_tokens / 64))))


def _check_int(name, value, lo):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    if value < lo:
        raise ValueError(f"{name} must be >= {lo}, got {value}")
    return int(value)


def _check_float(name, value, lo=0.0, strict=False):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not math.isfinite(value) or value < lo or (strict and value <= lo):
        raise ValueError(f"{name} must be a finite number {'>' if strict else '>='} {lo}, got {value}")
    return value


def alpha_schedule(alpha: float, min_alpha) -> tuple:
    """``(alpha_end, alpha_floor)`` of the linear decay from ``alpha``.

    ``min_alpha=None``: towards 0, floored at ``alpha * 1e-4`` (word2vec.c);
    otherwise linear to ``min_alpha``.
    """
    if min_alpha is None:
        return 0.0, alpha * 1e-4
    min_alpha = _check_float("min_alpha", min_alpha)
    if min_alpha > alpha:
        raise ValueError(f"min_alpha ({min_alpha}) must not exceed alpha ({alpha})")
    return min_alpha, min_alpha


def _as_corpus(corpus, vocab, min_count, max_final_vocab, *, max_vocab_size=None,
               max_token_bytes=MAX_TOKEN_BYTES, spill_bytes=SPILL_BYTES, spill_dir=None) -> Corpus:
    if isinstance(corpus, Corpus):
        if vocab is not None and vocab is not corpus.vocab:
            raise ValueError("corpus is already encoded with its own vocabulary; do not pass vocab=")
        return corpus
    if isinstance(corpus, np.ndarray) or (isinstance(corpus, tuple) and corpus
                                          and isinstance(corpus[0], np.ndarray)):
        if vocab is None:
            raise ValueError("token-id arrays need their vocabulary: train(ids, vocab=...)")
        if isinstance(corpus, tuple):
            if len(corpus) != 2:
                raise ValueError("pass token ids as an array or as (ids, sentence_offsets)")
            return Corpus(corpus[0], corpus[1], vocab)
        return Corpus(corpus, None, vocab)
    if text_sources(corpus) is None:
        try:
            check_reiterable(corpus)
        except TypeError as e:
            if "one-shot" in str(e):
                raise
            raise TypeError(
                f"corpus must be a file path, an iterable of token lists, a Corpus or token-id "
                f"arrays, got {type(corpus).__name__}") from None
    io = dict(max_token_bytes=max_token_bytes, spill_bytes=spill_bytes, spill_dir=spill_dir)
    if vocab is None:
        enc = count_and_encode(corpus, min_count, max_final_vocab,
                               max_vocab_size=max_vocab_size, **io)
        vocab = enc.vocab
    elif not isinstance(vocab, Vocab):
        raise TypeError(f"vocab must be a Vocab, got {type(vocab).__name__}")
    else:
        enc = None
    if len(vocab) == 0:
        raise ValueError(
            f"empty vocabulary: no word of the corpus occurs at least min_count={min_count} "
            "times (lower min_count or check the corpus)")
    return enc if enc is not None else encode(corpus, vocab, **io)


def _progress_bar(progress, total, desc):
    if progress is None:
        progress = sys.stderr.isatty()
    if not progress:
        return None
    from tqdm.auto import tqdm
    return tqdm(total=total, unit="w", unit_scale=True, desc=desc, smoothing=0.1,
                dynamic_ncols=True, leave=True)


def train(corpus, *, dim=100, window=5, negative=5, hs=False, sg=True, cbow_mean=True,
          sample=1e-3, min_count=5, alpha=None, min_alpha=None, epochs=5, threads=None,
          seed=1, progress=None, vocab=None, max_final_vocab=None, batch=True,
          max_vocab_size=None, max_token_bytes=MAX_TOKEN_BYTES, spill_bytes=SPILL_BYTES,
          spill_dir=None, callbacks=None) -> Model:
    """Train word2vec embeddings.

    Parameters
    ----------
    corpus : path, iterable of list of str, Corpus, or int array
        A text file (whitespace-separated tokens, a newline ends a sentence;
        ``.gz``/``.bz2``/``.xz`` read transparently), a directory (its files in
        name order), a list of ``pathlib.Path``, ``"-"`` for standard input, a
        re-iterable of token lists, an encoded :class:`Corpus`, or token ids
        (an int array, or ``(ids, sentence_offsets)``) together with ``vocab``.
        Text is read once: counted and encoded in the same pass.
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
        Initial learning rate; 0.025 for skip-gram, 0.05 for CBOW.
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
        B = 1.  False or 0: word2vec.c's classic per-pair updates with fresh
        negatives per pair, for exact comparison with it.
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
    dim = _check_int("dim", dim, 1)
    window = _check_int("window", window, 1)
    negative = _check_int("negative", negative, 0)
    epochs = _check_int("epochs", epochs, 1)
    min_count = _check_int("min_count", min_count, 1)
    seed = _check_int("seed", seed, 0)
    if threads is None:
        threads = default_threads()
    threads = _check_int("threads", threads, 1)
    sample = _check_float("sample", sample)
    hs, sg, cbow_mean = bool(hs), bool(sg), bool(cbow_mean)
    batch = batch_size(batch, sg, hs)
    if negative == 0 and not hs:
        raise ValueError("negative=0 with hs=False has no output layer to train: "
                         "set negative > 0 or hs=True")
    if alpha is None:
        alpha = 0.025 if sg else 0.05
    alpha = _check_float("alpha", alpha, 0.0, strict=True)
    alpha_end, alpha_floor = alpha_schedule(alpha, min_alpha)
    if dim > 100_000:
        raise ValueError(f"dim={dim} is implausibly large (max 100000)")

    t0 = time.perf_counter()
    if isinstance(spill_bytes, bool) or not isinstance(spill_bytes, (int, np.integer)) \
            or spill_bytes < 0:
        raise ValueError(f"spill_bytes must be an integer >= 0, got {spill_bytes!r}")
    enc = _as_corpus(corpus, vocab, min_count, max_final_vocab, max_vocab_size=max_vocab_size,
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

    model = Model.create(enc.vocab, dim=dim, window=window, negative=negative, hs=hs, sg=sg,
                         cbow_mean=cbow_mean, sample=sample, alpha=alpha, min_alpha=min_alpha,
                         epochs=epochs, seed=seed, min_count=min_count, batch=batch)
    model.start_schedule(enc, epochs=epochs, alpha=alpha, alpha_end=alpha_end,
                         alpha_floor=alpha_floor, seed=seed)
    model.train_corpus(enc, threads=threads, progress=progress, callbacks=callbacks)
    model.stats["prepare_seconds"] = prep_seconds
    return model


class _PageRelease:
    """Gives back the pages of a memory-mapped corpus that training has left behind.

    Resident pages of a file mapping count in the process's memory, so without
    this a memory-mapped corpus would end up resident after one epoch.  Tasks
    are handed out in order; every thread holds one at a time, so everything
    before the task ``threads`` behind the newest (less a chunk of margin for
    the left context) is normally done.  If a slow thread still reads there,
    the page is just read again from the page cache: dropping pages of a
    read-only file mapping never changes what is read.
    """

    def __init__(self, enc: Corpus, engine, threads: int, chunk: int):
        self.ids_map, self.off_map = enc.maps
        self.engine, self.threads, self.chunk = engine, threads, chunk
        self.per_epoch = max(engine.chunks_per_epoch, 1)
        self.epoch = 0
        self.done_upto = 0

    def step(self) -> None:
        t = self.engine.tasks_started - self.threads - 1
        if t <= 0:
            return
        epoch, c = divmod(t, self.per_epoch)
        if epoch != self.epoch:
            self.ids_map.release(self.done_upto)
            self.epoch, self.done_upto = epoch, 0
        upto = (c - 1) * self.chunk
        if upto > self.done_upto:
            self.ids_map.release(self.done_upto, upto)
            self.done_upto = upto
        # sentence offsets are read by binary search and short walks: drop them all
        self.off_map.release()


def check_callbacks(callbacks) -> list:
    """The callbacks as a list, each checked to be callable with a sane ``every_words``."""
    if callbacks is None:
        return []
    if callable(callbacks):
        callbacks = [callbacks]
    out = []
    for cb in callbacks:
        if not callable(cb):
            raise TypeError(f"callbacks must be callables cb(model, record), got {cb!r}")
        every = getattr(cb, "every_words", None)
        if every is not None:
            _check_int("every_words", every, 1)
        out.append(cb)
    return out


def _call(cb, model, record) -> bool:
    """Run one callback; False when it asks training to stop."""
    try:
        return cb(model, record) is not False
    except StopTraining as e:
        logger.info("training stopped by a callback: %s", e or type(e).__name__)
        return False


def _loss_fields(loss: float, pairs: int) -> dict:
    return {"loss": float(loss), "pairs": int(pairs),
            "loss_per_pair": float(loss / pairs) if pairs else None}


def _postfix(bar, epoch, engine):
    """Epoch, learning rate and the running epoch's loss per pair on the progress bar."""
    lpp = _loss_fields(engine.epoch_loss[:, epoch].sum(),
                       engine.epoch_pairs[:, epoch].sum())["loss_per_pair"]
    bar.set_postfix(epoch=epoch + 1, alpha=f"{engine.alpha:.6f}",
                    loss=f"{lpp:.4f}" if lpp is not None else "-", refresh=False)


def run_engine(model: Model, enc: Corpus, *, threads: int, progress=None, callbacks=None) -> dict:
    """Run ``model.schedule`` over ``enc`` from its next epoch to its end on ``threads`` threads.

    Appends one record per epoch to ``model.history``, calls the callbacks,
    advances ``model.schedule`` after each complete epoch and returns (and
    stores in ``model.stats``) the figures of this call.
    """
    p, sch = model.params, model.schedule
    n = len(enc)
    if n != sch["n_tokens"]:
        raise ValueError(f"the corpus has {n} tokens but this training schedule is for "
                         f"{sch['n_tokens']}")
    callbacks = check_callbacks(callbacks)
    watchers = [cb for cb in callbacks if getattr(cb, "every_words", None)]
    keep = enc.vocab.keep_probabilities(p["sample"])
    keep_thr = np.minimum(np.floor(keep * (1 << 24)), 1 << 24).astype(np.uint32)
    chunk = chunk_tokens_for(n)
    first, epochs = sch["epochs_done"], sch["epochs"]
    engine = _kernels.Engine(
        ids=enc.ids, offsets=enc.offsets, keep_thr=keep_thr,
        alias_prob=model._alias_prob, alias_idx=model._alias_idx,
        code_offsets=model._code_offsets, codes=model._codes, points=model._points,
        w_in=model.vectors, w_out_ns=model.syn1neg, w_out_hs=model.syn1,
        window=p["window"], negative=p["negative"], hs=p["hs"], sg=p["sg"],
        cbow_mean=p["cbow_mean"], epochs=epochs, first_epoch=first, end_epoch=first,
        alpha0=sch["alpha"], alpha_end=sch["alpha_end"], alpha_floor=sch["alpha_floor"],
        seed=sch["seed"], chunk_tokens=chunk, threads=threads, batch=int(p.get("batch", 0)),
        trusted_ids=enc.mapped)
    release = _PageRelease(enc, engine, threads, chunk) if enc.mapped else None
    logger.info("training %s-%s (%s) on %d tokens (%d sentences), vocabulary %d, dim %d, "
                "epochs %d-%d of %d, %d threads", "skip-gram" if p["sg"] else "CBOW",
                "+".join(x for x, on in (("HS", p["hs"]), ("NS", p["negative"] > 0)) if on),
                f"batched x{p['batch']}, {_kernels.simd_isa()}" if p.get("batch") else "classic",
                n, enc.n_sentences, len(enc.vocab), p["dim"], first + 1, epochs, epochs,
                threads)
    bar = _progress_bar(progress, n * epochs, "training")
    if bar is not None and first:
        bar.update(first * n)
    shown = first * n
    results = [None] * threads
    errors = []
    seconds = 0.0
    stop_reason = None
    epoch = first
    recorded = True  # the running epoch has its history record
    workers = []

    def work(i):
        try:
            results[i] = engine.run_worker(i)
        except BaseException as e:  # noqa: BLE001 - handed to the caller below
            errors.append(e)
            engine.stop()

    def epoch_record(e, secs, complete):
        raw = int(engine.epoch_raw[:, e].sum())
        rec = {"kind": "epoch", "run": sch["run"], "epoch": e + 1, "epochs": epochs,
               "complete": complete}
        rec.update(_loss_fields(engine.epoch_loss[:, e].sum(), engine.epoch_pairs[:, e].sum()))
        rec.update({"raw_words": raw, "effective_words": int(engine.epoch_kept[:, e].sum()),
                    "seconds": secs, "words_per_sec": raw / secs if secs > 0 else None,
                    "alpha": float(engine.alpha), "words_done": int(engine.words_done)})
        return rec

    def check_diverged(e):
        loss = float(engine.epoch_loss[:, e].sum())
        pairs = int(engine.epoch_pairs[:, e].sum())
        if engine.error == _kernels.ERROR_DIVERGED or not math.isfinite(loss) or (
                pairs and loss / pairs > DIVERGED_LOSS_PER_PAIR) or not all(
                np.isfinite(w).all() for w in (model.vectors, model.syn1neg, model.syn1)
                if w is not None):
            what = loss if not math.isfinite(loss) else f"{loss / max(pairs, 1):.3g} per pair"
            raise TrainingDiverged(
                f"training diverged in epoch {e + 1} of {epochs}: the loss became {what} "
                f"(alpha={sch['alpha']:g}; learning rate {engine.alpha:g} at that point). "
                "The vectors are NaN/inf and useless; train again with a smaller alpha.",
                model=model, epoch=e + 1, alpha=sch["alpha"])

    t_all = t0 = time.perf_counter()
    try:
        for epoch in range(first, epochs):
            engine.set_epochs(epoch, epoch + 1)
            recorded = False
            workers = [threading.Thread(target=work, args=(i,), name=f"word2vec_fast-{i}",
                                        daemon=True) for i in range(threads)]
            next_watch = {id(cb): (engine.words_done // cb.every_words + 1) * cb.every_words
                          for cb in watchers}
            t0 = time.perf_counter()
            for w in workers:
                w.start()
            while True:
                alive = [w for w in workers if w.is_alive()]
                if not alive:
                    break
                alive[0].join(POLL_SECONDS)
                if release is not None:
                    release.step()
                done = engine.words_done
                if bar is not None:
                    bar.update(done - shown)
                    shown = done
                    _postfix(bar, epoch, engine)
                running = any(w.is_alive() for w in workers)
                for cb in watchers:
                    if running and done >= next_watch[id(cb)] and not engine.stopped:
                        next_watch[id(cb)] = (done // cb.every_words + 1) * cb.every_words
                        rec = {"kind": "progress", "run": sch["run"], "epoch": epoch + 1,
                               "epochs": epochs, "words_done": int(done),
                               "alpha": float(engine.alpha),
                               "seconds": time.perf_counter() - t0}
                        rec.update(_loss_fields(engine.epoch_loss[:, epoch].sum(),
                                                engine.epoch_pairs[:, epoch].sum()))
                        if not _call(cb, model, rec):
                            stop_reason = "callback"
                            engine.stop()
            secs = time.perf_counter() - t0
            seconds += secs
            if errors:
                raise errors[0]
            if engine.error == _kernels.ERROR_NOMEM or any(
                    r not in (0, None, _kernels.ERROR_DIVERGED) for r in results):
                raise MemoryError("a training thread could not allocate its scratch buffers")
            # every task ran to its end (a stop that came after the last one
            # leaves the epoch complete)
            complete = int(engine.epoch_raw[:, epoch].sum()) == n and not engine.error
            rec = epoch_record(epoch, secs, complete)
            model.history.append(rec)
            recorded = True
            if bar is not None:
                _postfix(bar, epoch, engine)
            check_diverged(epoch)
            if complete:
                sch["epochs_done"] = epoch + 1
            sch["words_done"] = rec["words_done"]
            logger.info("epoch %d/%d%s: loss %s per pair (%d pairs), %d raw words (%d after "
                        "subsampling) in %.2f s, %.0f words/s, alpha %.6f", epoch + 1, epochs,
                        "" if complete else " (stopped early)",
                        "-" if rec["loss_per_pair"] is None else f"{rec['loss_per_pair']:.5f}",
                        rec["pairs"], rec["raw_words"], rec["effective_words"], secs,
                        rec["words_per_sec"] or 0.0, rec["alpha"])
            if not complete:
                break
            for cb in callbacks:
                if not _call(cb, model, rec):
                    stop_reason = "callback"
            if stop_reason:
                break
    except KeyboardInterrupt:
        stop_reason = "interrupt"
        engine.stop()
        for w in workers:
            if w.ident is not None:  # Ctrl-C may come between creating and starting them
                w.join()
        if not recorded:
            model.history.append(epoch_record(epoch, time.perf_counter() - t0, False))
            sch["words_done"] = int(engine.words_done)
    finally:
        if bar is not None:
            bar.update(max(0, engine.words_done - shown))
            bar.close()
    raw = engine.epoch_raw.sum()
    loss = engine.epoch_loss.sum(axis=0)
    pairs = engine.epoch_pairs.sum(axis=0)
    stats = {
        "threads": threads,
        "train_seconds": seconds,
        "wall_seconds": time.perf_counter() - t_all,
        "words": int(raw),
        "words_per_sec": float(raw / seconds) if seconds > 0 else float("inf"),
        "effective_words": int(engine.epoch_kept.sum()),
        "epoch_raw_words": engine.epoch_raw.sum(axis=0).tolist(),
        "epoch_effective_words": engine.epoch_kept.sum(axis=0).tolist(),
        "thread_epoch_raw_words": engine.epoch_raw.tolist(),
        "epoch_loss": loss.tolist(),
        "epoch_pairs": pairs.tolist(),
        "chunk_tokens": chunk,
        "final_alpha": float(engine.alpha),
        "interrupted": stop_reason == "interrupt",
        "stopped_early": stop_reason is not None,
    }
    logger.info("trained %d raw words (%d after subsampling) in %.2f s: %.0f words/s",
                stats["words"], stats["effective_words"], seconds, stats["words_per_sec"])
    model.stats.update(stats)
    if stop_reason == "interrupt":
        raise TrainingInterrupted(model)
    return stats
