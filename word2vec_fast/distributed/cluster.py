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
4. rounds (see :mod:`.rounds`).  Up to :data:`ALLGATHER_MAX_WORKERS` workers,
   one fused task per worker and round: it merges the previous round's whole
   packets (Dask moves each worker's to the others, worker to worker), trains,
   and publishes its own; the next round's tasks are submitted before this
   round ends, so the client's round trip is off the path, and a round's
   figures come back as a Dask event, not a task.  A step runs at most once
   (Dask recomputing a lost result is refused).  More workers: each round one
   graph submitted at once: the
   ``train_round`` tasks (which first commit the previous merge) return small
   records; the merge is a reduce-scatter / all-gather by row blocks: worker
   ``w``'s ``publish`` task for block ``j`` (after its training) leaves its
   rows as task data on ``w``; the ``merge`` task of block ``j`` runs on the
   ``j``-th worker and Dask moves the P copies to it worker to worker; each
   worker's ``receive`` task takes the P merged blocks the same way and holds
   them until its next task commits them (so a merge that a lost worker cut
   short is redone before any worker applied it).  Matrices never pass
   through the client or the scheduler -- except the final weights, which the
   returned :class:`~word2vec_fast.Model` holds, and the optional per-epoch
   checkpoint.

While it waits, the client checks every :data:`POLL_SECONDS` that the
workers are still in the cluster: a worker that left (or whose task failed
because its process died or was restarted) is lost, and :func:`run_rounds`
gives its shard to a survivor.

The round and merge functions are :mod:`.rounds`'s, called in the same order
as the in-process :class:`~word2vec_fast.distributed.rounds.LocalBackend`, so a
Dask run gives the simulator's numbers for the same seed and workers.
"""
from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid

from .. import __version__
from ..params import check_threads
from ..scan import MAX_TOKEN_BYTES
from ..training import check_train_params
from .counting import count_shards, encode_counted, merge_counts
from .local import (check_distributed, check_resumed, check_vocab, epoch_end_for, finish,
                    resumable, rounds_args, run_info, start_weights)
from .rounds import (HOT_MAX, HOT_ROWS, MERGE, SYNC_WORDS, StaleStep, WorkerState,
                     WorkerStateLost, check_merge, merge_packets, run_rounds, split_rows)
from .shards import assign, plan_shards

try:
    import distributed as _distributed
    from distributed import KilledWorker as _KilledWorker
except ImportError:  # the optional extra is not installed
    _distributed = None
    _KilledWorker = WorkerStateLost

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


def _encode(run, w, vocab, config, threads, max_token_bytes, init=None):
    st = _STATES.setdefault((run, w), {})
    if "scanner" in st:
        enc = encode_counted(st.pop("scanner"), st.pop("counted"), vocab, st["shards"],
                             max_token_bytes=max_token_bytes)
    else:  # a resumed run: the vocabulary is the checkpoint's
        enc = encode_counted(None, None, vocab, st["shards"], max_token_bytes=max_token_bytes)
    st["state"] = WorkerState(w, enc, config, check_threads(threads), init=init,
                              max_token_bytes=max_token_bytes)
    return len(enc)


def _hold_shards(run, w, shards):
    _STATES[(run, w)] = {"shards": shards}
    return True


def _state(run, w) -> WorkerState:
    try:
        return _STATES[(run, w)]["state"]
    except KeyError:
        raise WorkerStateLost(f"worker {w} lost its training state (was it restarted?)") \
            from None


def _plan_slices(run, w, rounds):
    return _state(run, w).plan(rounds)


def _shapes(run, w):
    return _state(run, w).shapes()


def _train_round(run, w, spec):
    return _state(run, w).train_round(spec)


def _publish(run, w, rows, _after=None):
    return _state(run, w).publish(rows)


def _merge(rule, *packets):
    return merge_packets(list(packets), rule)


def _receive(run, w, sync, *merged):
    _state(run, w).receive(sync, list(merged))
    return True


def _topic(run):
    return f"word2vec-fast-{run}"


def _plain(record: dict) -> dict:
    """A round's figures as plain numbers (events are msgpack, not pickle)."""
    return {k: (v if v is None or isinstance(v, (int, str)) else float(v))
            for k, v in record.items()}


def _step(run, w, seq, token, generation, spec, rows, sync, rule, *packets):
    result = _state(run, w).step(token, generation, spec, rows, sync, rule, list(packets),
                                 seq=seq)
    if result["record"] is not None:
        # the round's figures reach the client as an event on the worker's stream to
        # the scheduler (no task of its own; the client falls back to one if it is late)
        _distributed.get_worker().log_event(_topic(run), {"token": token,
                                                          "record": _plain(result["record"])})
    return result


def _merge_own(run, w, sync, rows, rule):
    st = _state(run, w)
    with st.lock:
        st.merge_in(sync, [st.step_packet(rows)], rule)
    return True


def _record_of(result):
    return result["record"]


def _fence(run, w, generation):
    return _state(run, w).fence(generation)


def _adopt(run, w, origin, shards):
    return _state(run, w).adopt(origin, shards)


def _weights(run, w, sync, rule=None, *packets):
    st = _state(run, w)
    if packets:  # the last fused round's packets: merged here first
        st.merge_in(sync, list(packets), rule)
    elif sync >= 0:
        st.commit(sync)
    return st._matrices()


def _close(run, w):
    _STATES.pop((run, w), None)
    return True


#: Seconds between two checks that the workers are still there while waiting.
POLL_SECONDS = 0.5
#: Up to this many workers, a merge exchanges whole deltas (one step fewer than the
#: reduce-scatter / all-gather, and as many bytes for two workers; more bytes beyond),
#: fused into the next round's task, which is submitted before this round ends.
ALLGATHER_MAX_WORKERS = 2
#: Submit each fused round before the previous one ends (within an epoch), so that the
#: client's round trip is off the rounds' path (tests turn it off to lose a worker
#: exactly between two rounds).
RUN_AHEAD = True
#: Seconds the client waits for a finished step's event before asking with a task.
EVENT_WAIT_SECONDS = 1.0


class DaskBackend:
    """The workers of :mod:`.rounds` as Dask workers (see the module's data path)."""

    def __init__(self, client, addresses: list, run: str, shards: list):
        self.client, self.addresses, self.run, self.shards = client, addresses, run, shards
        self._missing: set = set()
        # fused rounds: the last round's steps whose packets the next merges
        # ((sync, rule, [(worker, future)], rows) or None), the round submitted ahead,
        # a round's result known early (after a loss), the steps' generation
        self._prev = None
        self._ahead = None
        self._stash = None
        self._generation = 0
        self._seq = 0  # steps submitted (a worker runs each at most once)
        self._t_last = None
        self._events: dict = {}  # step token -> its round's figures, as the workers log them
        self._arrived = threading.Condition()
        client.subscribe_topic(_topic(run), self._on_event)

    def _on_event(self, event):  # on the client's event loop
        msg = event[1]
        with self._arrived:
            self._events[msg["token"]] = msg["record"]
            self._arrived.notify_all()

    def close(self):
        self.client.unsubscribe_topic(_topic(self.run))

    @property
    def runs_ahead(self) -> bool:
        return RUN_AHEAD

    @property
    def workers(self) -> int:
        return len(self.addresses)

    def submit(self, w, fn, *args):
        """``fn(*args)`` as a task pinned to worker ``w``."""
        return self.client.submit(fn, *args, workers=[self.addresses[w]],
                                  allow_other_workers=False, pure=False)

    def each(self, fn, *per_worker):
        """Run ``fn(run, w, *(a[w] for a in per_worker))`` on every worker ``w``; the
        results in worker order (a lost worker here is an error: before training)."""
        futs = [self.submit(w, fn, self.run, w, *(a[w] for a in per_worker))
                for w in range(self.workers)]
        return self.client.gather(futs)

    def _lost_now(self, members) -> set:
        """Workers of ``members`` missing from the cluster in two checks in a row (one
        missed check can be a worker reconnecting on a loaded machine)."""
        alive = set(self.client.scheduler_info()["workers"])
        missing = {w for w in members if self.addresses[w] not in alive}
        gone = missing & self._missing
        self._missing = missing - gone
        for w in gone:
            logger.warning("worker %d (%s) is lost: it left the cluster", w, self.addresses[w])
        return gone

    def wait(self, tasks: list, members: list) -> tuple:
        """Wait until every future of ``tasks`` (``[(worker, future), ...]``) is done,
        or until a worker of ``members`` is lost; returns the lost workers.

        A worker is lost when it left the cluster (checked every
        :data:`POLL_SECONDS`) or when its task failed because its process died or
        was restarted; any other task error is raised.  A task that failed with
        :class:`StaleStep` lost an input to a lost worker (Dask recomputing it ran
        into a step that must not run twice): the loss is looked for."""
        lost: set = set()
        futs = [f for _, f in tasks]
        stale_since = None
        while True:
            try:
                _distributed.wait(futs, timeout=POLL_SECONDS)
            except (TimeoutError, asyncio.TimeoutError):
                pass
            for w, f in tasks:
                if f.status == "error":
                    exc = f.exception()
                    if isinstance(exc, (WorkerStateLost, _KilledWorker)):
                        if w not in lost:
                            logger.warning("worker %d (%s) is lost: its task failed with %r",
                                           w, self.addresses[w], exc)
                        lost.add(w)
                    elif isinstance(exc, StaleStep):
                        stale_since = stale_since or time.perf_counter()
                    elif w not in lost:
                        raise exc
                elif f.status == "cancelled" and w not in lost:
                    raise RuntimeError(f"a task of worker {w} was cancelled")
            done = all(f.status in ("finished", "error", "cancelled") for f in futs)
            if done and stale_since is None:
                break
            lost |= self._lost_now(members)
            if lost:
                break
            if stale_since is not None:
                if time.perf_counter() - stale_since > 4 * POLL_SECONDS:
                    raise RuntimeError("a step lost its inputs, but no worker left the "
                                       "cluster")
                time.sleep(POLL_SECONDS if done else 0)
        return lost

    def plan(self, rounds):
        return self.each(_plan_slices, [rounds] * self.workers)

    def shapes(self):
        return self.submit(0, _shapes, self.run, 0).result()

    def round(self, specs: dict, members: list, rows, rule: str, sync, ahead=None) -> tuple:
        """As :meth:`LocalBackend.round`.  Up to :data:`ALLGATHER_MAX_WORKERS` workers run
        fused rounds: one task per worker that merges the previous round's whole
        packets, trains and publishes, the next round (``ahead``) submitted before
        this one ends; more workers do the reduce-scatter / all-gather by row blocks
        in one graph (four steps)."""
        if len(members) <= ALLGATHER_MAX_WORKERS:
            return self._round_fused(specs, members, rows, rule, sync, ahead)
        t0 = time.perf_counter()
        train = {w: self.submit(w, _train_round, self.run, w, spec) for w, spec in specs.items()}
        tasks = list(train.items())
        if rows:
            blocks = split_rows(rows, len(members))
            p = len(members)
            packets = [[self.submit(w, _publish, self.run, w, blocks[j], train.get(w))
                        for w in members] for j in range(p)]
            merged = [self.submit(members[j], _merge, rule, *packets[j]) for j in range(p)]
            tasks += [(w, f) for j in range(p) for w, f in zip(members, packets[j])]
            tasks += [(members[j], f) for j, f in enumerate(merged)]
            tasks += [(w, self.submit(w, _receive, self.run, w, sync, *merged)) for w in members]
        lost = self.wait(tasks, members)
        if lost:
            # the survivors' training does not depend on the lost: let it finish (its
            # updates are theirs), drop the rest of the round
            self.wait([(w, f) for w, f in train.items() if w not in lost], members)
            self.client.cancel([f for _, f in tasks if f.status == "pending"])
        recs = {w: f.result() for w, f in train.items() if f.status == "finished"}
        lost |= {w for w, f in train.items() if f.status != "finished"}
        train_max = max((r["seconds"] for r in recs.values()), default=0.0)
        return recs, sorted(lost), max(0.0, time.perf_counter() - t0 - train_max)

    def _submit_steps(self, specs, members, rows, rule, sync, prev) -> dict:
        """The fused step of every member (``prev``: the packets to merge first)."""
        psync, prule, pfuts = prev[:3] if prev is not None else (None, rule, [])
        steps, tokens = {}, {}
        for w in members:
            tokens[w] = uuid.uuid4().hex
            self._seq += 1
            steps[w] = self.submit(w, _step, self.run, w, self._seq, tokens[w],
                                   self._generation,
                                   specs.get(w), rows, psync, prule, *[f for _, f in pfuts])
        return {"key": (specs, list(members), rows, rule, sync), "steps": steps,
                "tokens": tokens,
                "prev": None if rows is None else (sync, rule, list(steps.items()), rows)}

    def _records(self, cur, workers) -> tuple:
        """The figures of ``cur``'s steps of ``workers`` (done), from their events, or
        from a task where an event is late; returns ``(records, lost)``."""
        want = {w: cur["tokens"][w] for w in workers}
        with self._arrived:
            self._arrived.wait_for(lambda: all(t in self._events for t in want.values()),
                                   timeout=EVENT_WAIT_SECONDS)
        late = {w: self.submit(w, _record_of, cur["steps"][w]) for w, t in want.items()
                if t not in self._events}
        lost = self.wait(list(late.items()), list(late)) if late else set()
        recs = {w: self._events.pop(t) for w, t in want.items() if t in self._events}
        recs.update({w: f.result() for w, f in late.items() if w not in lost})
        return recs, lost

    def _drop_ahead(self):
        """Cancel the round submitted ahead (if any) and return it."""
        ahead, self._ahead = self._ahead, None
        if ahead is not None:
            self.client.cancel([f for f in ahead["steps"].values() if f.status == "pending"])
        return ahead

    def _round_fused(self, specs, members, rows, rule, sync, ahead) -> tuple:
        key = (specs, list(members), rows, rule, sync)
        if self._stash is not None:
            stashed, self._stash = self._stash, None
            if stashed[0] == key:
                self._t_last = time.perf_counter()
                return stashed[1]
        if self._ahead is not None and self._ahead["key"] == key:
            cur, self._ahead = self._ahead, None
            t0 = self._t_last  # it ran since the last round ended
        else:
            self._drop_ahead()
            t0 = time.perf_counter()
            cur = self._submit_steps(specs, members, rows, rule, sync, self._prev)
        if ahead is not None and RUN_AHEAD and cur["prev"] is not None:
            # only after a round that publishes: the next round's steps then wait for
            # every member's step of this one (what a lost worker needs, below)
            self._ahead = self._submit_steps(*ahead, cur["prev"])
        lost = self.wait(list(cur["steps"].items()), members)
        if not lost:
            recs, lost = self._records(cur, list(specs))
        if lost:
            recs, lost = self._after_loss(cur, specs, members, lost)
        else:
            self._prev = cur["prev"]
        self._t_last = time.perf_counter()
        train_max = max((r["seconds"] for r in recs.values()), default=0.0)
        return recs, sorted(lost), max(0.0, self._t_last - t0 - train_max)

    def _after_loss(self, cur, specs, members, lost) -> tuple:
        """A fused round that lost ``lost``: what each survivor did, asked once its
        running step is done (steps submitted ahead are dropped and refused).

        With two workers the one survivor either (a) ran this round: its figures
        count, the lost slices are trained again; (b) had already gone on to the
        round submitted ahead, which merged the lost worker's packet of this round:
        this round is whole, and the next reports the loss; or (c) never got the
        lost worker's packet of the previous round: it merges the previous round
        over the survivors only (what the lost worker trained then is lost, as its
        rows not yet merged are) and runs this round again."""
        if self._prev is not None:  # the lost workers' packets: gone, let Dask forget them
            self.client.cancel([f for m, f in self._prev[2] if m in lost])
        ahead = self._drop_ahead()
        self.client.cancel([f for f in cur["steps"].values() if f.status == "pending"])
        self._generation += 1
        survivors = [w for w in members if w not in lost]
        fences = {w: self.submit(w, _fence, self.run, w, self._generation) for w in survivors}
        lost = set(lost) | self.wait(list(fences.items()), survivors)
        recs = {}
        for w, f in fences.items():
            if w in lost:
                continue
            info = f.result()
            steps = info["steps"]
            if ahead is not None and ahead["tokens"].get(w) in steps:  # (b)
                merged = info["merged_from"].get(cur["key"][4], {})
                if all(m in merged for m in cur["key"][0]):
                    self._stash = (ahead["key"], ({w: steps[ahead["tokens"][w]]}
                                                  if w in ahead["key"][0] else {},
                                                  sorted(lost), 0.0))
                    self._prev = None
                    return {m: merged[m] for m in cur["key"][0]}, []
            if cur["tokens"][w] in steps:  # (a)
                if w in specs:
                    recs[w] = steps[cur["tokens"][w]]
                continue
            # (c): merge the previous round over the survivor alone (its packet made
            # again where it lies: it has not trained since; no old task is asked for,
            # which Dask could try to recompute), then run this round again
            if self._prev is not None:
                sync_prev, rule_prev, _, rows_prev = self._prev
                f = self.submit(w, _merge_own, self.run, w, sync_prev, rows_prev, rule_prev)
                lost |= self.wait([(w, f)], [w])
                if w in lost:
                    continue
            redo = self._submit_steps({w: specs[w]} if w in specs else {}, [w], None,
                                      cur["key"][3], None, None)
            lost |= self.wait(list(redo["steps"].items()), [w])
            if w not in lost and w in specs:
                got, gone = self._records(redo, [w])
                lost |= gone
                recs.update(got)
            logger.warning("worker %d never received the lost workers' last packets: the "
                           "previous merge was redone without them", w)
        self._prev = None
        self._events.clear()  # of steps dropped or refused
        return recs, lost | {w for w in specs if w not in recs}

    def adopt(self, w: int, origin: int) -> tuple:
        f = self.submit(w, _adopt, self.run, w, origin, self.shards[origin])
        lost = self.wait([(w, f)], [w])
        return (None, sorted(lost)) if lost else (f.result(), [])

    def weights(self, members: list, sync: int) -> tuple:
        w = members[0]
        if self._prev is not None and self._prev[0] == sync:  # the last round's packets
            f = self.submit(w, _weights, self.run, w, sync, self._prev[1],
                            *[pf for _, pf in self._prev[2]])
        else:
            f = self.submit(w, _weights, self.run, w, sync)
        lost = self.wait([(w, f)], [w])
        return (None, sorted(lost)) if lost else (f.result(), [])


def train(client, corpus, *, workers=None, sync_words=SYNC_WORDS, hot_rows=HOT_ROWS,
          hot_max=HOT_MAX, merge=MERGE, threads=None, dim=100, window=5, negative=5, hs=False, sg=True,
          cbow_mean=True,
          sample=1e-3, min_count=5, alpha=None, min_alpha=None, epochs=5, seed=1,
          max_final_vocab=None, batch=True, max_vocab_size=None,
          max_token_bytes=MAX_TOKEN_BYTES, checkpoint=None, callbacks=None, progress=None,
          _hook=None):
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
    dim, window, negative, hs, sg, cbow_mean, sample, min_count, alpha, min_alpha, epochs, seed, max_final_vocab, batch, max_vocab_size, max_token_bytes
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
    :func:`~word2vec_fast.distributed.rounds.run_rounds`).

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
        counted = backend.each(_count, backend.shards, [max_token_bytes] * n,
                               [max_vocab_size] * n)
        vocab = merge_counts(counted, config["min_count"], max_final_vocab)
        del counted
        return _train_rounds(backend, vocab, config, run_info(n, sync_words, hot_rows, hot_max,
                                                              merge, max_token_bytes),
                             threads, info, t0, checkpoint, callbacks, progress, _hook)
    return _on_cluster(client, corpus, addresses[:n], count_and_train)


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
        backend.each(_hold_shards, backend.shards)
        return _train_rounds(backend, model.vocab, config, rinfo, threads, info, t0, checkpoint,
                             callbacks, progress, _hook, start=model)
    return _on_cluster(client, corpus, addresses[:n], encode_and_train)


def _on_cluster(client, corpus, addresses, body):
    """Plan the shards (on the first worker), then ``body(backend, t0)`` on a new run's
    backend; the run's state on the workers is freed however it ends."""
    t0 = time.perf_counter()
    backend = None
    try:
        groups = client.submit(_plan, corpus, len(addresses), workers=[addresses[0]],
                               pure=False).result()
        backend = DaskBackend(client, addresses, uuid.uuid4().hex, groups)
        return body(backend, t0)
    finally:
        if backend is not None:
            backend.close()
            _close_all(backend)


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
                  progress, hook, start=None):
    client, addresses, n = backend.client, backend.addresses, backend.workers
    vocab_f = client.scatter(vocab, broadcast=True, workers=addresses)
    init = None
    if start is not None:  # sent once, as the vocabulary: the workers start from it
        init = client.scatter(start_weights(start), broadcast=True, workers=addresses)
    per = [threads if threads is not None else info[a]["nthreads"] for a in addresses]
    sizes = backend.each(_encode, [vocab_f] * n, [config] * n, per,
                         [rinfo["max_token_bytes"]] * n, [init] * n)
    n_tokens = sum(sizes)
    if start is None:
        check_vocab(vocab, n_tokens, config["min_count"])
    else:
        check_resumed(start, n_tokens)
    prep = time.perf_counter() - t0
    result = run_rounds(backend, config=config, **rounds_args(rinfo),
                        start_epoch=0 if start is None else start.schedule["epochs_done"],
                        epoch_end=epoch_end_for(vocab, config, n_tokens, rinfo, checkpoint,
                                                callbacks),
                        progress=progress, hook=hook)
    result["stats"].update(prepare_seconds=prep, threads=per, addresses=addresses)
    if start is not None:
        result["history"] = list(start.history) + result["history"]
    return finish(vocab, config, result, n_tokens, rinfo)


def _close_all(backend) -> None:
    """Free the run's state on every worker still there."""
    futs = [backend.submit(w, _close, backend.run, w) for w in range(backend.workers)]
    lost = backend.wait(list(enumerate(futs)), list(range(backend.workers)))
    backend.client.cancel([f for f in futs if f.status == "pending"])
    if lost:
        logger.info("workers %s had left the cluster: nothing to free there", sorted(lost))
