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

from ..fingerprint import VERSION as FINGERPRINT_VERSION
from ..model import Model
from ..params import check_int, check_threads
from ..scan import MAX_TOKEN_BYTES
from ..schedule import new_schedule
from ..train import check_train_params, model_params
from ..vocab import Vocab
from .counting import count_shards, encode_counted, merge_counts
from .rounds import (HOT_ROWS, MERGE, SYNC_WORDS, LocalBackend, WorkerState, check_merge,
                     run_rounds)
from .shards import assign, plan_shards

logger = logging.getLogger("word2vec_fast")


def check_distributed(workers, sync_words, hot_rows) -> tuple:
    """``(workers, sync_words, hot_rows)`` checked: ints >= 1, >= 1 and >= 0."""
    return (check_int("workers", workers, 1), check_int("sync_words", sync_words, 1),
            check_int("hot_rows", hot_rows, 0))


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


def assemble_model(vocab: Vocab, config: dict, weights: dict, history: list, stats: dict,
                   n_tokens: int) -> Model:
    """The usual :class:`Model` from the merged weights of a finished distributed run.

    Its schedule says every epoch is done; its corpus fingerprint is 0 (no
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
    sch.update(epochs_done=config["epochs"], words_done=config["epochs"] * n_tokens)
    model.schedule = sch
    model.history = history
    model.stats = stats
    return model


def train_local(corpus, *, workers=2, sync_words=SYNC_WORDS, hot_rows=HOT_ROWS, merge=MERGE,
                threads=1, parallel=False, dim=100, window=5, negative=5, hs=False, sg=True,
                cbow_mean=True,
                sample=1e-3, min_count=5, alpha=None, min_alpha=None, epochs=5, seed=1,
                max_final_vocab=None, batch=True, max_vocab_size=None,
                max_token_bytes=MAX_TOKEN_BYTES) -> Model:
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
        ``h0 * 2**tz(r + 1)`` (0: merge only at epoch ends, Spark-style).
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
    dim, window, negative, hs, sg, cbow_mean, sample, min_count, alpha, min_alpha, epochs, seed, max_final_vocab, batch, max_vocab_size, max_token_bytes
        As for :func:`word2vec_fast.train`.

    Returns
    -------
    Model
        ``history`` has one record per epoch; ``stats`` has ``worker_words_per_sec``,
        ``bytes_per_round``, ``row_bytes_per_round`` (rows x dim x 4 per
        matrix each worker publishes), ``bytes_per_epoch``, ``sync_seconds``, ...
    """
    config = check_train_params(dim=dim, window=window, negative=negative, hs=hs, sg=sg,
                                cbow_mean=cbow_mean, sample=sample, min_count=min_count,
                                alpha=alpha, min_alpha=min_alpha, epochs=epochs, seed=seed,
                                batch=batch)
    workers, sync_words, hot_rows = check_distributed(workers, sync_words, hot_rows)
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
    states = [WorkerState(i, e, config, threads) for i, e in enumerate(encs)]
    prep = time.perf_counter() - t0
    history, stats = run_rounds(LocalBackend(states, parallel), config=config,
                                sync_words=sync_words, hot_rows=hot_rows, merge=merge)
    stats["prepare_seconds"] = prep
    stats["threads"] = threads
    return assemble_model(vocab, config, LocalBackend(states).weights(), history, stats,
                          n_tokens)
