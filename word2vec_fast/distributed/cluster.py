"""The distributed trainer on a Dask cluster (``pip install "word2vec-fast[dask]"``).

:func:`train` and :func:`resume`, on the workers of a connected client:

1. one worker plans the shards (the files need only be readable on workers);
2. each worker counts its shards with the C scanner and keeps the recorded
   ids; only the counts (words and numbers) come to the client, which merges
   them into the vocabulary and scatters it to the workers once;
3. each worker encodes its shard where it lies (ids never leave it) and makes
   its model, initialised from the seed like every other worker's;
4. rounds: the :class:`~.driver.Driver` on the
   :class:`~.backend_dask.DaskBackend` (its module says the data path).
"""
from __future__ import annotations

import time
import uuid

from .. import __version__
from ..model import Model
from ..scan import MAX_TOKEN_BYTES
from ..training import check_train_params
from .backend_dask import DaskBackend, require_dask
from .counting import merge_counts
from .merge import MERGE, check_merge
from .run import (check_distributed, check_resumed, check_vocab, resumable, run_info,
                  start_weights, train_on)
from .schedule import HOT_MAX, HOT_ROWS, SYNC_WORDS
from .shards import assign, plan_shards


# -- tasks, run on the workers before the run's backend exists -------------------------

def _version():
    return __version__


def _plan(corpus, n):
    return assign(plan_shards(corpus, n), n)


def train(client, corpus, *, workers=None, sync_words=SYNC_WORDS, hot_rows=HOT_ROWS,
          hot_max=HOT_MAX, merge=MERGE, threads=None, dim=100, window=5, negative=5, hs=False,
          sg=True, cbow_mean=True, sample=1e-3, min_count=5, alpha=None, min_alpha=None,
          epochs=5, seed=1, max_final_vocab=None, batch=True, max_vocab_size=None,
          max_token_bytes=MAX_TOKEN_BYTES, checkpoint=None, callbacks=None, progress=None,
          _hook=None, _fused=True, _run_ahead=True):
    """Train word2vec on a Dask cluster, at single-machine quality.

    Parameters
    ----------
    client : distributed.Client
        Connected to the cluster (a TLS ``Security`` works as usual).
    corpus : path, directory or list of files
        Text readable at the same path on every worker (plain or
        compressed); one plain file is split among the workers by byte ranges
        cut at whitespace.
    workers : int, optional
        Dask workers to use (default all; they are taken in address order).
    sync_words : int
        Raw words each worker trains between two merges.
    hot_rows : int
        ``h0`` of the hot-row schedule: after round ``r`` the
        ``min(h0 * 2**tz(r + 1), hot_max)`` most frequent rows of each matrix
        (for hs the inner nodes nearest the root) are merged over the workers
        that touched them; every row at each epoch's end (0: only then).
    hot_max : int or None
        The cap of the doubling, in rows per matrix (default 16,384: a hot
        round moves at most ``2 x hot_max x dim x 4`` bytes per worker each
        way, whatever the vocabulary); None: no cap but the matrix.
    merge : {"scaled", "mean", "sum"}
        How the deltas of the workers that touched a row since the last merge
        combine (see :func:`~word2vec_fast.distributed.train_local`): the
        default ``"scaled"`` averages them with the workers at ``workers``
        times the learning rate.
    threads : int, optional
        Engine threads per worker (default: the worker's thread count).
    checkpoint : path, optional
        Save the merged model there (on the client) after each epoch, for
        :func:`resume`; costs one transfer of the weights to the client per epoch.
    callbacks : callable or list, optional
        Called as ``cb(model, record)`` after each epoch with the merged model
        (as :func:`word2vec_fast.train`'s; ``StopTraining`` ends the run); each
        epoch then brings the weights to the client once.
    progress : bool, optional
        A progress bar over the raw words (default: when stderr is a terminal).
    _hook, _fused, _run_ahead
        For tests: the :class:`~word2vec_fast.distributed.driver.Driver`'s ``hook``,
        the :class:`~word2vec_fast.distributed.backend_dask.DaskBackend`'s ``fused``
        and ``run_ahead``.
    dim, window, negative, hs, sg, cbow_mean, sample, min_count, alpha, min_alpha, epochs
        As for :func:`word2vec_fast.train`.
    seed, max_final_vocab, batch, max_vocab_size, max_token_bytes
        As for :func:`word2vec_fast.train`.

    Returns
    -------
    Model
        As :func:`word2vec_fast.train` returns it; ``stats`` adds
        ``worker_words_per_sec``, ``bytes_per_round``, ``bytes_per_epoch``,
        ``sync_seconds`` (time of the rounds not spent training: merging and
        scheduling), ``lost_workers`` (see
        :func:`~word2vec_fast.distributed.train_local`).

    A worker lost during training (its process died, or it left the
    cluster) does not end the run: a survivor reads its shard and trains
    the rest of it, and the log says what was lost (see
    :class:`~word2vec_fast.distributed.driver.Driver`).

    Raises
    ------
    TrainingInterrupted
        Ctrl-C: the running round finishes, every row is merged; ``.model``
        holds the partial model (resume it from a checkpoint with
        :func:`resume`).
    ImportError
        Dask's ``distributed`` is not installed.
    ValueError, FileNotFoundError
        Bad parameters, a file missing on a worker, an empty shard, a
        worker running another version of the package -- before training.
    """
    require_dask()
    config = check_train_params(dim=dim, window=window, negative=negative, hs=hs, sg=sg,
                                cbow_mean=cbow_mean, sample=sample, min_count=min_count,
                                alpha=alpha, min_alpha=min_alpha, epochs=epochs, seed=seed,
                                batch=batch)
    merge = check_merge(merge)
    addresses, info = _workers(client, workers)
    n, sync_words, hot_rows, hot_max = check_distributed(
        len(addresses) if workers is None else workers, sync_words, hot_rows, hot_max)

    def count_and_train(backend, t0):
        counted = backend.count(max_token_bytes, max_vocab_size)
        vocab = merge_counts(counted, config["min_count"], max_final_vocab)
        del counted
        return _train_rounds(backend, vocab, config, run_info(n, sync_words, hot_rows, hot_max,
                                                              merge, max_token_bytes),
                             threads, info, t0, checkpoint, callbacks, progress, _hook)
    return _on_cluster(client, corpus, addresses[:n], count_and_train, fused=_fused,
                       run_ahead=_run_ahead)


def resume(client, model, corpus, *, threads=None, checkpoint=None, callbacks=None,
           progress=None, _hook=None):
    """Go on with a distributed run from its checkpoint (see :func:`train`'s ``checkpoint``).

    Parameters
    ----------
    client : distributed.Client
    model : path or Model
        The checkpoint (``save_model`` file) or the model ``TrainingInterrupted``
        held; it keeps the run's workers, ``sync_words``, ``hot_rows`` and
        merge rule.
    corpus
        The run's corpus (the same files, readable on the workers).
    threads, checkpoint, callbacks, progress
        As for :func:`train`.

    Returns
    -------
    Model
        With every epoch done.  From a checkpoint taken at an epoch end (as
        ``checkpoint`` saves them) the result is bit for bit the uninterrupted
        run's; an epoch cut short by Ctrl-C is trained again from its start.

    Raises
    ------
    ValueError
        The model was not trained on a cluster, the cluster has fewer workers
        than the run, or the corpus is not the run's.
    """
    require_dask()
    model, config, rinfo = resumable(model)
    n = rinfo["workers"]
    addresses, info = _workers(client, n)

    def encode_and_train(backend, t0):
        backend.hold_shards()
        return _train_rounds(backend, model.vocab, config, rinfo, threads, info, t0, checkpoint,
                             callbacks, progress, _hook, start=model)
    return _on_cluster(client, corpus, addresses[:n], encode_and_train)


def _on_cluster(client, corpus, addresses, body, **options):
    """Plan the shards (on the first worker), then ``body(backend, t0)`` on a new run's
    backend (made with ``options``); the run's state on the workers is freed however
    it ends."""
    t0 = time.perf_counter()
    backend = None
    try:
        groups = client.submit(_plan, corpus, len(addresses), workers=[addresses[0]],
                               pure=False).result()
        backend = DaskBackend(client, addresses, uuid.uuid4().hex, groups, **options)
        return body(backend, t0)
    finally:
        if backend is not None:
            backend.close()


def _workers(client, workers) -> tuple:
    """The cluster's worker addresses (sorted) and their info, checked against ``workers``
    and this package's version."""
    info = client.scheduler_info()["workers"]
    addresses = sorted(info)
    if not addresses:
        raise ValueError("the Dask cluster has no workers")
    if workers is not None and int(workers) > len(addresses):
        raise ValueError(f"workers={workers} but the cluster has {len(addresses)}")
    versions = client.run(_version, workers=addresses)
    bad = {a: v for a, v in versions.items() if v != __version__}
    if bad:
        raise ValueError(f"workers run another version of word2vec_fast than the client "
                         f"({__version__}): {bad}")
    return addresses, info


def _train_rounds(backend, vocab, config, rinfo, threads, info, t0, checkpoint, callbacks,
                  progress, hook, start=None) -> Model:
    per = [threads if threads is not None else info[a]["nthreads"] for a in backend.addresses]
    n_tokens = sum(backend.start(vocab, config, per, rinfo["max_token_bytes"],
                                 None if start is None else start_weights(start)))
    if start is None:
        check_vocab(vocab, n_tokens, config["min_count"])
    else:
        check_resumed(start, n_tokens)
    return train_on(backend, vocab, config, rinfo, n_tokens, t0, start=start,
                    checkpoint=checkpoint, callbacks=callbacks, progress=progress, hook=hook,
                    threads=per, addresses=backend.addresses)
