"""The distributed trainer on a Dask cluster (``pip install "word2vec-fast[dask]"``).

Long-lived per-worker state lives in this module's table on each worker
process (``_STATES``, keyed by run and worker index); every step is a task
pinned to its worker (``workers=[address], allow_other_workers=False``):

1. one worker plans the shards (the files need only be readable on workers);
2. each worker counts its shards with the C scanner and keeps the recorded
   ids; only the counts (words and numbers) come to the client, which merges
   them into the vocabulary and scatters it to the workers once;
3. each worker encodes its shard where it lies (ids never leave it) and makes
   its model, initialised from the seed like every other worker's;
4. rounds (see :mod:`.rounds`): ``train_round`` tasks return small records;
   the merge is a reduce-scatter / all-gather by row blocks: worker ``w``'s
   ``publish`` task for block ``j`` leaves its rows as task data on ``w``;
   the ``merge`` task of block ``j`` runs on worker ``j`` and Dask moves the
   P copies to it worker to worker; each worker's ``apply`` task takes the P
   merged blocks the same way.  Matrices never pass through the client or
   the scheduler -- except the final weights, which the returned
   :class:`~word2vec_fast.Model` holds.

The round and merge functions are :mod:`.rounds`'s, called in the same order
as the in-process :class:`~word2vec_fast.distributed.rounds.LocalBackend`, so a
Dask run gives the simulator's numbers for the same seed and workers.
"""
from __future__ import annotations

import logging
import time
import uuid

from .. import __version__
from ..params import check_threads
from ..scan import MAX_TOKEN_BYTES
from ..train import check_train_params
from .counting import count_shards, encode_counted, merge_counts
from .local import assemble_model, check_distributed, check_vocab
from .rounds import (HOT_ROWS, MERGE, SYNC_WORDS, WorkerState, check_merge, merge_packets,
                     run_rounds)
from .shards import assign, plan_shards

try:
    import distributed as _distributed
except ImportError:  # the optional extra is not installed
    _distributed = None

logger = logging.getLogger("word2vec_fast")

#: Per-worker state on a worker process: ``(run, index) -> dict``.
_STATES: dict = {}

INSTALL_HINT = ('word2vec_fast.distributed.train needs Dask\'s distributed scheduler: '
                'pip install "word2vec-fast[dask]"')


def require_dask():
    """The ``distributed`` module, or ``ImportError`` naming the extra to install."""
    if _distributed is None:
        raise ImportError(INSTALL_HINT)
    return _distributed


# -- tasks, run on the workers ---------------------------------------------------------

def _version():
    return __version__


def _plan(corpus, n):
    return assign(plan_shards(corpus, n), n)


def _count(run, w, shards, max_token_bytes, max_vocab_size):
    counted, sc = count_shards(shards, max_token_bytes=max_token_bytes,
                               max_vocab_size=max_vocab_size)
    _STATES[(run, w)] = {"scanner": sc, "counted": counted, "shards": shards}
    return counted


def _encode(run, w, vocab, config, threads, max_token_bytes):
    st = _STATES[(run, w)]
    enc = encode_counted(st.pop("scanner"), st.pop("counted"), vocab, st["shards"],
                         max_token_bytes=max_token_bytes)
    st["state"] = WorkerState(w, enc, config, check_threads(threads))
    return len(enc)


def _state(run, w) -> WorkerState:
    try:
        return _STATES[(run, w)]["state"]
    except KeyError:
        raise RuntimeError(f"worker {w} lost its training state (was it restarted?)") from None


def _plan_slices(run, w, rounds):
    return _state(run, w).plan(rounds)


def _shapes(run, w):
    return _state(run, w).shapes()


def _train_round(run, w, spec):
    return _state(run, w).train_round(spec)


def _publish(run, w, rows):
    return _state(run, w).publish(rows)


def _merge(rule, *packets):
    return merge_packets(list(packets), rule)


def _apply(run, w, *merged):
    _state(run, w).apply(list(merged))
    return True


def _weights(run, w):
    return _state(run, w)._matrices()


def _close(run, w):
    _STATES.pop((run, w), None)
    return True


class DaskBackend:
    """The workers of :mod:`.rounds` as Dask workers (see the module's data path)."""

    def __init__(self, client, addresses: list, run: str):
        self.client, self.addresses, self.run = client, addresses, run

    @property
    def workers(self) -> int:
        return len(self.addresses)

    def submit(self, w, fn, *args):
        """``fn(*args)`` as a task pinned to worker ``w``."""
        return self.client.submit(fn, *args, workers=[self.addresses[w]],
                                  allow_other_workers=False, pure=False)

    def each(self, fn, *per_worker):
        """Run ``fn(run, w, *(a[w] for a in per_worker))`` on every worker ``w``; the
        results in worker order."""
        futs = [self.submit(w, fn, self.run, w, *(a[w] for a in per_worker))
                for w in range(self.workers)]
        return self.client.gather(futs)

    def plan(self, rounds):
        return self.each(_plan_slices, [rounds] * self.workers)

    def shapes(self):
        return self.submit(0, _shapes, self.run, 0).result()

    def train_round(self, specs):
        return self.each(_train_round, specs)

    def sync(self, blocks, rule):
        p = self.workers
        packets = [[self.submit(w, _publish, self.run, w, blocks[j]) for w in range(p)]
                   for j in range(p)]
        merged = [self.submit(j, _merge, rule, *packets[j]) for j in range(p)]
        done = [self.submit(w, _apply, self.run, w, *merged) for w in range(p)]
        self.client.gather(done)

    def weights(self):
        return self.submit(0, _weights, self.run, 0).result()


def train(client, corpus, *, workers=None, sync_words=SYNC_WORDS, hot_rows=HOT_ROWS,
          merge=MERGE, threads=None, dim=100, window=5, negative=5, hs=False, sg=True,
          cbow_mean=True,
          sample=1e-3, min_count=5, alpha=None, min_alpha=None, epochs=5, seed=1,
          max_final_vocab=None, batch=True, max_vocab_size=None,
          max_token_bytes=MAX_TOKEN_BYTES):
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
        ``h0 * 2**tz(r + 1)`` most frequent rows of each matrix (for hs the
        inner nodes nearest the root) are merged over the workers that
        touched them; every row at each epoch's end (0: only then).
    merge : {"scaled", "mean", "sum"}
        How the deltas of the workers that touched a row since the last merge
        combine (see :func:`~word2vec_fast.distributed.train_local`): the
        default ``"scaled"`` averages them with the workers at ``workers``
        times the learning rate.
    threads : int, optional
        Engine threads per worker (default: the worker's thread count).
    dim, window, negative, hs, sg, cbow_mean, sample, min_count, alpha, min_alpha, epochs, seed, max_final_vocab, batch, max_vocab_size, max_token_bytes
        As for :func:`word2vec_fast.train`.

    Returns
    -------
    Model
        As :func:`word2vec_fast.train` returns it; ``stats`` adds
        ``worker_words_per_sec``, ``bytes_per_round``, ``bytes_per_epoch``,
        ``sync_seconds`` (see :func:`~word2vec_fast.distributed.train_local`).

    Raises
    ------
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
    info = client.scheduler_info()["workers"]
    addresses = sorted(info)
    if not addresses:
        raise ValueError("the Dask cluster has no workers")
    n, sync_words, hot_rows = check_distributed(
        len(addresses) if workers is None else workers, sync_words, hot_rows)
    if n > len(addresses):
        raise ValueError(f"workers={n} but the cluster has {len(addresses)}")
    addresses = addresses[:n]
    versions = client.run(_version, workers=addresses)
    bad = {a: v for a, v in versions.items() if v != __version__}
    if bad:
        raise ValueError(f"workers run another version of word2vec_fast than the client "
                         f"({__version__}): {bad}")
    run = uuid.uuid4().hex
    backend = DaskBackend(client, addresses, run)
    t0 = time.perf_counter()
    try:
        groups = backend.submit(0, _plan, corpus, n).result()
        counted = backend.each(_count, groups, [max_token_bytes] * n, [max_vocab_size] * n)
        vocab = merge_counts(counted, config["min_count"], max_final_vocab)
        del counted
        vocab_f = client.scatter(vocab, broadcast=True, workers=addresses)
        per = [threads if threads is not None else info[a]["nthreads"] for a in addresses]
        sizes = backend.each(_encode, [vocab_f] * n, [config] * n, per, [max_token_bytes] * n)
        check_vocab(vocab, sum(sizes), config["min_count"])
        prep = time.perf_counter() - t0
        history, stats = run_rounds(backend, config=config, sync_words=sync_words,
                                    hot_rows=hot_rows, merge=merge)
        weights = backend.weights()
    finally:
        try:
            backend.each(_close)
        except Exception:  # noqa: BLE001 - a lost worker has nothing left to free
            logger.warning("could not free the training state on every worker")
    stats.update(prepare_seconds=prep, threads=per, addresses=addresses)
    return assemble_model(vocab, config, weights, history, stats, sum(sizes))
