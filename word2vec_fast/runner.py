"""The epoch runner: trains a schedule of epochs over an encoded corpus, on threads.

It knows nothing of ``Model``: it is handed the weights, the output tables, the
training parameters and the schedule (a dict it advances in place), and
returns the figures of the run.  ``Model`` uses it, and so can anything else
that owns matrices (a trainer on several machines runs it on each shard).

Epoch by epoch, ``threads`` Python threads each enter the C engine with the GIL
released and pull chunks of the corpus from a shared atomic counter until the
epoch is done.  The learning rate is a function of the words done by all
threads, carried across epochs, so running the schedule one epoch at a time is
the same as one call (bit for bit with one thread).  Between epochs the calling
thread records the epoch (``history``) and runs the callbacks; during an epoch
it only watches the shared counters (progress bar, ``every_words`` callbacks,
page release of a memory-mapped corpus), and turns Ctrl-C into a clean stop of
all workers.
"""
from __future__ import annotations

import logging
import math
import sys
import threading
import time
from dataclasses import dataclass

import numpy as np

from . import _kernels
from .errors import StopTraining, TrainingDiverged, TrainingInterrupted
from .params import check_int
from .tables import OutputTables

logger = logging.getLogger("word2vec_fast")

#: Largest chunk of consecutive tokens handed to a thread at once.
MAX_CHUNK_TOKENS = 10_000
MIN_CHUNK_TOKENS = 1_000
#: Seconds between two looks at the training front (progress, page release).
POLL_SECONDS = 0.1
#: An epoch whose loss per pair exceeds this has diverged even if it is finite (an
#: average term of 10^4 means scores of that size; healthy runs stay below ~30:
#: hierarchical softmax's saturated scores get no updates, so a far too large
#: alpha can leave it stuck there instead of overflowing).
DIVERGED_LOSS_PER_PAIR = 1e4


_FINITE_ROWS = 1 << 16


@dataclass
class Weights:
    """The matrices training updates in place: input vectors (word2vec.c's ``syn0``),
    negative-sampling output rows (``syn1neg``) and hs inner-node rows (``syn1``);
    an unused output layer is None.  All float32, C-contiguous.  ``lock_in``
    (uint8, one per word, optional) marks the input rows training leaves as they are.
    A subword model's ``w_in`` has the words' rows then the n-gram buckets' rows, and
    ``sub_rows`` is ``(offsets, rows)``: each word's input rows as CSR
    (:meth:`word2vec_fast.subwords.SubwordSpec.vocab_rows`).  Paragraph vectors'
    ``w_doc`` holds the tags' rows (the corpus says each document's tags)."""

    w_in: np.ndarray
    w_out_ns: np.ndarray | None = None
    w_out_hs: np.ndarray | None = None
    lock_in: np.ndarray | None = None
    sub_rows: tuple | None = None
    w_doc: np.ndarray | None = None

    def all_finite(self) -> bool:
        # a block of rows at a time: a whole-matrix check makes a bool per float (200 MB
        # for a subword model's 2 M bucket rows, the run's peak memory)
        return all(np.isfinite(w[i:i + _FINITE_ROWS]).all()
                   for w in (self.w_in, self.w_out_ns, self.w_out_hs, self.w_doc)
                   if w is not None
                   for i in range(0, w.shape[0], _FINITE_ROWS))


def batch_size(batch, sg: bool, hs: bool) -> int:
    """Centre words per block from ``train()``'s ``batch``: 0 = classic per-pair updates.

    ``True`` is one window per block (see the README for why); hs blocks always
    hold one window.
    """
    if batch is True:
        return 1
    if batch is False or batch is None:
        return 0
    b = check_int("batch", batch, 0)
    if b > _kernels.MAX_BATCH:
        raise ValueError(f"batch must be True, False or an int in [0, {_kernels.MAX_BATCH}], "
                         f"got {b}")
    return 1 if (hs and b) else b


def keep_thresholds(vocab, sample) -> np.ndarray:
    """Subsampling's per-word thresholds as the engine takes them: a token is kept if
    its 24-bit draw is below its word's (``1 << 24``: always)."""
    keep = vocab.keep_probabilities(sample)
    return np.minimum(np.floor(keep * (1 << 24)), 1 << 24).astype(np.uint32)


def chunk_tokens_for(n_tokens: int) -> int:
    """Chunk size: small enough for load balance, large enough to amortise a task.

    Depends only on the corpus length (never on the thread count), so the
    random draws of a seeded run are the same whatever the number of threads.
    """
    return int(min(MAX_CHUNK_TOKENS, max(MIN_CHUNK_TOKENS, math.ceil(n_tokens / 64))))


def _progress_bar(progress, total, desc):
    if progress is None:
        progress = sys.stderr.isatty()
    if not progress:
        return None
    # tqdm.auto costs ~0.1 s to import (it probes for notebooks): only when a bar shows
    from tqdm.auto import tqdm
    return tqdm(total=total, unit="w", unit_scale=True, desc=desc, smoothing=0.1,
                dynamic_ncols=True, leave=True)


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

    def __init__(self, enc, engine, threads: int, chunk: int):
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
            check_int("every_words", every, 1)
        out.append(cb)
    return out


def _call(cb, owner, record) -> bool:
    """Run one callback; False when it asks training to stop."""
    try:
        return cb(owner, record) is not False
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


def dbow_group(p: dict) -> int:
    """PV-DBOW's words per draw of negatives in a block (0: one draw for the block).
    Models saved before the parameter had ``dbow_shared``: True is 0, False 1."""
    if "dbow_group" in p:
        return int(p["dbow_group"])
    return 0 if p.get("dbow_shared", True) else 1


def _doc_args(p: dict, enc, weights: Weights) -> dict:
    """The engine's arguments of paragraph vectors (``params["doc_mode"]``): the tag rows
    and each document's tags (``enc.doc_offsets``, ``enc.doc_rows``)."""
    if not p.get("doc_mode"):
        return {}
    return dict(doc_mode=p["doc_mode"], dbow_words=bool(p.get("dbow_words")),
                dbow_group=dbow_group(p),
                w_doc=weights.w_doc, doc_offsets=enc.doc_offsets, doc_rows=enc.doc_rows)


def run_schedule(enc, weights: Weights, tables: OutputTables, params: dict, schedule: dict, *,
                 threads: int, history: list, stats: dict | None = None, progress=None,
                 callbacks=None, owner=None, check_weights: bool = True) -> dict:
    """Run ``schedule`` over the encoded corpus ``enc`` from its next epoch to its end.

    Parameters
    ----------
    enc : Corpus
        ``ids``, ``offsets``, ``vocab``, ``mapped``/``maps`` (a memory-mapped
        corpus has its pages given back behind the training front).
    weights, tables
        The matrices to update in place and the output layer's tables.
    params : dict
        ``dim``, ``window``, ``negative``, ``hs``, ``sg``, ``cbow_mean``,
        ``sample``, ``batch`` (centre words per block, see :func:`batch_size`).
    schedule : dict
        As made by :func:`word2vec_fast.schedule.new_schedule`; its
        ``epochs_done`` and ``words_done`` advance as epochs complete.  Two
        optional keys put these epochs inside a longer schedule (a round of a
        run spread over machines): ``total_words``, the raw words the learning
        rate decays over (default ``epochs * len(enc)``), and ``words_offset``,
        the raw words done before this call's first epoch (default 0).
    threads : int
    history : list
        One record per epoch is appended (see the README).
    stats : dict, optional
        Updated with this call's figures before they are returned, also when
        the run ends in :class:`TrainingInterrupted`.
    progress, callbacks
        As in :func:`word2vec_fast.train`; callbacks are called as
        ``cb(owner, record)``.
    owner
        What callbacks and the :class:`TrainingDiverged`/
        :class:`TrainingInterrupted` exceptions are given (the ``Model``).
    check_weights : bool
        After each epoch, also check every weight is finite (a pass over the
        matrices; the loss is always checked).  A caller running many short
        schedules on the same weights checks them less often.
    """
    p, sch = params, schedule
    n = len(enc)
    if n != sch["n_tokens"]:
        raise ValueError(f"the corpus has {n} tokens but this training schedule is for "
                         f"{sch['n_tokens']}")
    callbacks = check_callbacks(callbacks)
    watchers = [cb for cb in callbacks if getattr(cb, "every_words", None)]
    keep_thr = keep_thresholds(enc.vocab, p["sample"])
    chunk = chunk_tokens_for(n)
    first, epochs = sch["epochs_done"], sch["epochs"]
    offset = int(sch.get("words_offset", 0))
    engine = _kernels.Engine(
        ids=enc.ids, offsets=enc.offsets, keep_thr=keep_thr,
        **tables.engine_args(),
        w_in=weights.w_in, w_out_ns=weights.w_out_ns, w_out_hs=weights.w_out_hs,
        window=p["window"], negative=p["negative"], hs=p["hs"], sg=p["sg"],
        cbow_mean=p["cbow_mean"], epochs=epochs, first_epoch=first, end_epoch=first,
        alpha0=sch["alpha"], alpha_end=sch["alpha_end"], alpha_floor=sch["alpha_floor"],
        seed=sch["seed"], chunk_tokens=chunk, threads=threads, batch=int(p.get("batch", 0)),
        trusted_ids=enc.mapped, words_offset=offset, total_words=sch.get("total_words"),
        lock_in=weights.lock_in,
        sub_offsets=None if weights.sub_rows is None else weights.sub_rows[0],
        sub_rows=None if weights.sub_rows is None else weights.sub_rows[1],
        **_doc_args(p, enc, weights))
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
    shown = offset + first * n
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
                pairs and loss / pairs > DIVERGED_LOSS_PER_PAIR) or (
                check_weights and not weights.all_finite()):
            what = loss if not math.isfinite(loss) else f"{loss / max(pairs, 1):.3g} per pair"
            raise TrainingDiverged(
                f"training diverged in epoch {e + 1} of {epochs}: the loss became {what} "
                f"(alpha={sch['alpha']:g}; learning rate {engine.alpha:g} at that point). "
                "The vectors are NaN/inf and useless; train again with a smaller alpha.",
                model=owner, epoch=e + 1, alpha=sch["alpha"])

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
                        if not _call(cb, owner, rec):
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
            history.append(rec)
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
                if not _call(cb, owner, rec):
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
            history.append(epoch_record(epoch, time.perf_counter() - t0, False))
            sch["words_done"] = int(engine.words_done)
    finally:
        if bar is not None:
            bar.update(max(0, engine.words_done - shown))
            bar.close()
    raw = engine.epoch_raw.sum()
    loss = engine.epoch_loss.sum(axis=0)
    pairs = engine.epoch_pairs.sum(axis=0)
    run_stats = {
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
                run_stats["words"], run_stats["effective_words"], seconds,
                run_stats["words_per_sec"])
    if stats is not None:
        stats.update(run_stats)
    if stop_reason == "interrupt":
        raise TrainingInterrupted(owner)
    return run_stats
