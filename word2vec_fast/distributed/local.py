"""P workers in one process: the engine-neutral trainer that tests and benchmarks run.

:func:`train_local` does what the Dask trainer does -- plan shards, count each,
merge the counts into one vocabulary, encode each shard, train in synchronous
rounds with hot-row merges -- with every worker a
:class:`~word2vec_fast.distributed.worker.WorkerState` of this process
(:class:`~word2vec_fast.distributed.backend_local.LocalBackend`).  For the same
seed and number of workers it gives the numbers the Dask run gives.
"""
from __future__ import annotations

import time

from ..model import Model
from ..params import check_threads
from ..scan import MAX_TOKEN_BYTES
from ..training import check_train_params
from .backend_local import LocalBackend
from .counting import count_shards, encode_counted, merge_counts
from .merge import MERGE, check_merge
from .run import (check_distributed, check_resumed, check_vocab, resumable, run_info,
                  start_weights, train_on)
from .schedule import HOT_MAX, HOT_ROWS, SYNC_WORDS
from .shards import assign, plan_shards
from .worker import WorkerState


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
        combine (:data:`~word2vec_fast.distributed.merge.MERGE_RULES`):
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
    dim, window, negative, hs, sg, cbow_mean, sample, min_count, alpha, min_alpha, epochs, \
    seed, max_final_vocab, batch, max_vocab_size, max_token_bytes
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
    return train_on(LocalBackend(states, parallel, shards=groups), vocab, config, info,
                    sum(len(e) for e in encs), t0, start=start, checkpoint=checkpoint,
                    callbacks=callbacks, progress=progress, hook=hook, threads=threads)
