"""P workers in one process: the engine-neutral trainer that tests and benchmarks run.

:func:`train_local` does what the Dask trainer does -- plan shards, count each,
merge the counts into one vocabulary, encode each shard, train in synchronous
rounds with hot-row merges -- with every worker a :class:`WorkerState` of this
process.  For the same seed and number of workers it gives the numbers the
Dask run gives.
"""
from __future__ import annotations

import logging
import time

import numpy as np

from ..errors import TrainingInterrupted
from ..fingerprint import VERSION as FINGERPRINT_VERSION
from ..model import Model, load_model
from ..params import check_int, check_threads
from ..runner import _call, check_callbacks
from ..scan import MAX_TOKEN_BYTES
from ..schedule import new_schedule
from ..training import check_train_params, model_params
from ..vocab import Vocab
from .counting import count_shards, encode_counted, merge_counts
from .rounds import (HOT_MAX, HOT_ROWS, MERGE, SYNC_WORDS, LocalBackend, WorkerState,
                     check_merge, run_rounds)
from .shards import assign, plan_shards

logger = logging.getLogger("word2vec_fast")


def check_distributed(workers, sync_words, hot_rows, hot_max=HOT_MAX) -> tuple:
    """``(workers, sync_words, hot_rows, hot_max)`` checked: ints >= 1, >= 1, >= 0 and
    (``hot_max``) None or >= 1."""
    return (check_int("workers", workers, 1), check_int("sync_words", sync_words, 1),
            check_int("hot_rows", hot_rows, 0),
            None if hot_max is None else check_int("hot_max", hot_max, 1))


def check_vocab(vocab: Vocab, n_tokens: int, min_count: int) -> None:
    """The errors ``train()`` gives for an empty vocabulary or corpus."""
    if len(vocab) == 0:
        raise ValueError(
            f"empty vocabulary: no word of the corpus occurs at least min_count={min_count} "
            "times (lower min_count or check the corpus)")
    if n_tokens == 0:
        raise ValueError("the corpus has no tokens in the vocabulary: nothing to train")
    if len(vocab) > np.iinfo(np.int32).max:
        raise ValueError("vocabulary too large for int32 ids")


def run_info(workers, sync_words, hot_rows, hot_max, merge, max_token_bytes) -> dict:
    """What a checkpoint of a distributed run keeps to resume it the same way (a
    checkpoint without ``hot_max`` ran uncapped: :func:`rounds_args` reads it so)."""
    return {"workers": workers, "sync_words": sync_words, "hot_rows": hot_rows,
            "hot_max": hot_max,
            "merge": merge, "max_token_bytes": max_token_bytes}


def assemble_model(vocab: Vocab, config: dict, weights: dict, history: list, stats: dict,
                   n_tokens: int, *, epochs_done=None, info=None) -> Model:
    """The usual :class:`Model` from the merged weights of a distributed run.

    Its schedule says ``epochs_done`` epochs are done (default all) and keeps
    the run's settings (``schedule["distributed"]``) for
    :func:`~word2vec_fast.distributed.resume`; its corpus fingerprint is 0 (no
    machine sees the whole corpus), so :meth:`Model.resume` does not accept it,
    while ``train_more``, ``save_model`` and the queries work as usual.
    """
    # arrays that crossed the network may sit at any byte offset of a message buffer: the
    # C engine and formatter read them as float *, which needs 4-byte alignment
    w = {k: None if a is None else np.require(a, np.float32, ["C", "A", "W"])
         for k, a in weights.items()}
    model = Model(vocab, w["w_in"], w.get("w_out_ns"), w.get("w_out_hs"), model_params(config))
    sch = new_schedule(n_tokens=n_tokens, fingerprint=0, fingerprint_version=FINGERPRINT_VERSION,
                       epochs=config["epochs"], alpha=config["alpha"],
                       alpha_end=config["alpha_end"], alpha_floor=config["alpha_floor"],
                       seed=config["seed"])
    done = config["epochs"] if epochs_done is None else epochs_done
    sch.update(epochs_done=done, words_done=done * n_tokens)
    if info is not None:
        sch["distributed"] = dict(info)
    model.schedule = sch
    model.history = history
    model.stats = stats
    return model


def epoch_end_for(vocab: Vocab, config: dict, n_tokens: int, info: dict, checkpoint,
                  callbacks):
    """``run_rounds``'s ``epoch_end``: save ``checkpoint`` (a path) and call the
    callbacks with the merged model after each epoch; None when there is neither."""
    callbacks = check_callbacks(callbacks)
    if checkpoint is None and not callbacks:
        return None

    def epoch_end(rec, history, get_weights):
        weights = {k: None if a is None else np.array(a) for k, a in get_weights().items()}
        model = assemble_model(vocab, config, weights, list(history), {}, n_tokens,
                               epochs_done=rec["epoch"], info=info)
        if checkpoint is not None:
            model.save_model(checkpoint)
            logger.info("checkpoint of epoch %d saved to %s", rec["epoch"], checkpoint)
        return all(_call(cb, model, rec) for cb in callbacks)
    return epoch_end


def finish(vocab: Vocab, config: dict, result: dict, n_tokens: int, info: dict) -> Model:
    """The model of a finished run; ``TrainingInterrupted`` (holding it) after Ctrl-C."""
    model = assemble_model(vocab, config, result["weights"], result["history"],
                           result["stats"], n_tokens, epochs_done=result["epochs_done"],
                           info=info)
    if result["interrupted"]:
        raise TrainingInterrupted(model)
    return model


def resumable(model) -> tuple:
    """``(model, config, info)`` of a distributed checkpoint (a path or a Model)."""
    if not isinstance(model, Model):
        model = load_model(model)
    sch = model.schedule or {}
    info = sch.get("distributed")
    if info is None:
        raise ValueError("this model was not trained on a cluster (its schedule has no "
                         "'distributed' settings): resume it with Model.resume")
    p = model.params
    config = check_train_params(
        dim=p["dim"], window=p["window"], negative=p["negative"], hs=p["hs"], sg=p["sg"],
        cbow_mean=p["cbow_mean"], sample=p["sample"], min_count=p["min_count"],
        alpha=p["alpha"], min_alpha=p["min_alpha"], epochs=p["epochs"], seed=p["seed"],
        batch=p["batch"])
    return model, config, info


def start_weights(model: Model) -> dict:
    """``{matrix: array}`` a resumed run's workers start from."""
    return {k: v for k, v in (("w_in", model.vectors), ("w_out_ns", model.syn1neg),
                              ("w_out_hs", model.syn1)) if v is not None}


def check_resumed(model: Model, n_tokens: int) -> None:
    """``ValueError`` unless the re-encoded corpus has the checkpoint's token count."""
    if n_tokens != model.schedule["n_tokens"]:
        raise ValueError(f"resume: this is not the corpus the run started on ({n_tokens} "
                         f"tokens, expected {model.schedule['n_tokens']})")


def rounds_args(info: dict) -> dict:
    """:func:`~word2vec_fast.distributed.rounds.run_rounds`' schedule arguments from a
    run's :func:`run_info`."""
    return {"sync_words": info["sync_words"], "hot_rows": info["hot_rows"],
            "hot_max": info.get("hot_max"), "merge": info["merge"]}


def train_local(corpus, *, workers=2, sync_words=SYNC_WORDS, hot_rows=HOT_ROWS,
                hot_max=HOT_MAX, merge=MERGE,
                threads=1, parallel=False, dim=100, window=5, negative=5, hs=False, sg=True,
                cbow_mean=True,
                sample=1e-3, min_count=5, alpha=None, min_alpha=None, epochs=5, seed=1,
                max_final_vocab=None, batch=True, max_vocab_size=None,
                max_token_bytes=MAX_TOKEN_BYTES, checkpoint=None, callbacks=None,
                progress=False, _hook=None) -> Model:
    """Train as ``workers`` machines would, all in this process.

    Parameters
    ----------
    corpus : path, directory or list of files
        Text on disk, cut into one shard per worker (see
        :func:`~word2vec_fast.distributed.shards.plan_shards`).
    workers : int
        Simulated workers P.
    sync_words : int
        Raw words each worker trains between two merges.
    hot_rows : int
        ``h0``: rows merged after the first round; round ``r`` merges
        ``min(h0 * 2**tz(r + 1), hot_max)`` (0: merge only at epoch ends,
        Spark-style).
    hot_max : int or None
        The cap of the doubling, in rows per matrix (default 16,384: a hot
        round moves at most ``2 x hot_max x dim x 4`` bytes per worker each
        way); None: no cap but the matrix.
    merge : {"scaled", "mean", "sum"}
        How the deltas of the workers that touched a row since the last merge
        combine (:data:`~word2vec_fast.distributed.rounds.MERGE_RULES`):
        ``"scaled"`` (default) their mean, the workers training at ``workers``
        times ``alpha`` and ``min_alpha``; ``"mean"`` their mean at the plain
        rate (Spark's rule: shared rows learn ``workers`` times slower);
        ``"sum"`` their sum at the plain rate (overshoots on frequent words).
    threads : int, optional
        Engine threads per worker (default 1; None: all cores).
    parallel : bool
        Run the workers' rounds on threads at once (same numbers).
    checkpoint : path, optional
        Save the merged model there after each epoch (``save_model``), for
        :func:`resume_local` / :func:`~word2vec_fast.distributed.resume`.
    callbacks : callable or list, optional
        Called as ``cb(model, record)`` after each epoch with the merged model
        (as :func:`word2vec_fast.train`'s; ``StopTraining`` ends the run).
    progress : bool or None
        A progress bar (None: when stderr is a terminal).
    dim, window, negative, hs, sg, cbow_mean, sample, min_count, alpha, min_alpha, epochs, seed, max_final_vocab, batch, max_vocab_size, max_token_bytes
        As for :func:`word2vec_fast.train`.

    Returns
    -------
    Model
        ``history`` has one record per epoch; ``stats`` has ``worker_words_per_sec``,
        ``bytes_per_round``, ``row_bytes_per_round`` (rows x dim x 4 per
        matrix each worker publishes), ``bytes_per_epoch``, ``sync_seconds``,
        ``lost_workers``, ...

    Raises
    ------
    TrainingInterrupted
        Ctrl-C: the running round finished, every row merged; ``.model`` holds
        the partial model.
    """
    config = check_train_params(dim=dim, window=window, negative=negative, hs=hs, sg=sg,
                                cbow_mean=cbow_mean, sample=sample, min_count=min_count,
                                alpha=alpha, min_alpha=min_alpha, epochs=epochs, seed=seed,
                                batch=batch)
    workers, sync_words, hot_rows, hot_max = check_distributed(workers, sync_words, hot_rows,
                                                               hot_max)
    threads = check_threads(threads)
    merge = check_merge(merge)
    t0 = time.perf_counter()
    groups = assign(plan_shards(corpus, workers), workers)
    counted = [count_shards(g, max_token_bytes=max_token_bytes, max_vocab_size=max_vocab_size)
               for g in groups]
    vocab = merge_counts([c for c, _ in counted], config["min_count"], max_final_vocab)
    encs = [encode_counted(sc, c, vocab, g, max_token_bytes=max_token_bytes)
            for (c, sc), g in zip(counted, groups)]
    del counted
    n_tokens = sum(len(e) for e in encs)
    check_vocab(vocab, n_tokens, config["min_count"])
    info = run_info(workers, sync_words, hot_rows, hot_max, merge, max_token_bytes)
    return _run_local(vocab, config, info, encs, groups, threads, parallel, t0, checkpoint,
                      callbacks, progress, _hook)


def resume_local(model, corpus, *, threads=1, parallel=False, checkpoint=None, callbacks=None,
                 progress=False, _hook=None) -> Model:
    """Go on with a distributed run from its checkpoint, in this process (the simulator's
    :func:`~word2vec_fast.distributed.resume`): the same workers, rounds and merges,
    from the first epoch not done; bit for bit the uninterrupted run when the
    checkpoint was taken at an epoch end."""
    model, config, info = resumable(model)
    t0 = time.perf_counter()
    n = info["workers"]
    groups = assign(plan_shards(corpus, n), n)
    encs = [encode_counted(None, None, model.vocab, g, max_token_bytes=info["max_token_bytes"])
            for g in groups]
    check_resumed(model, sum(len(e) for e in encs))
    return _run_local(model.vocab, config, info, encs, groups, check_threads(threads), parallel,
                      t0, checkpoint, callbacks, progress, _hook, start=model)


def _run_local(vocab, config, info, encs, groups, threads, parallel, t0, checkpoint, callbacks,
               progress, hook, start=None):
    init = None if start is None else start_weights(start)
    states = [WorkerState(i, e, config, threads, init=init,
                          max_token_bytes=info["max_token_bytes"]) for i, e in enumerate(encs)]
    n_tokens = sum(len(e) for e in encs)
    prep = time.perf_counter() - t0
    result = run_rounds(LocalBackend(states, parallel, shards=groups), config=config,
                        **rounds_args(info),
                        start_epoch=0 if start is None else start.schedule["epochs_done"],
                        epoch_end=epoch_end_for(vocab, config, n_tokens, info, checkpoint,
                                                callbacks),
                        progress=progress, hook=hook)
    result["stats"].update(prepare_seconds=prep, threads=threads)
    if start is not None:
        result["history"] = list(start.history) + result["history"]
    return finish(vocab, config, result, n_tokens, info)
