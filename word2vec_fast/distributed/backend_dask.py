"""The Dask backend: the workers of the cluster trainer as Dask workers
(``pip install "word2vec-fast[dask]"``).

Long-lived per-worker state lives in this module's table on each worker process
(``_STATES``, keyed by run and worker index); every step is a task pinned to its
worker (``workers=[address], allow_other_workers=False``).  Up to
:data:`FUSED_MAX_WORKERS` workers, one fused task per worker and round: it merges
the previous round's whole packets (Dask moves each worker's to the others, worker
to worker), trains, and publishes its own; the next round's tasks are submitted
before this round ends, so the client's round trip is off the path, and a round's
figures come back as a Dask event, not a task.  A step runs at most once (Dask
recomputing a lost result is refused).  More workers: each round one graph
submitted at once: the ``train_round`` tasks (which first commit the previous
merge) return small records; the merge is a reduce-scatter / all-gather by row
blocks: worker ``w``'s ``publish`` task for block ``j`` (after its training) leaves
its rows as task data on ``w``; the ``merge`` task of block ``j`` runs on the
``j``-th worker and Dask moves the P copies to it worker to worker; each worker's
``receive`` task takes the P merged blocks the same way and holds them until its
next task commits them (so a merge that a lost worker cut short is redone before
any worker applied it).  Matrices never pass through the client or the scheduler
-- except the final weights and the optional per-epoch checkpoint.

While it waits, the client checks every :data:`POLL_SECONDS` that the workers are
still in the cluster: a worker that left (or whose task failed because its process
died or was restarted) is lost, and the :class:`~.driver.Driver` gives its shard
to a survivor.  The workers' steps are :class:`~.worker.WorkerState`'s, asked in
the simulator's order (:mod:`.backend_local`), so a Dask run gives the simulator's
numbers for the same seed and workers.
"""
from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from dataclasses import dataclass

from ..params import check_threads
from .counting import count_shards, encode_counted
from .driver import Backend, RoundCall, RoundResult
from .merge import merge_packets
from .schedule import split_rows
from .worker import StaleStep, WorkerState, WorkerStateLost

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

#: Seconds between two checks that the workers are still there while waiting.
POLL_SECONDS = 0.5
#: Up to this many workers a round is fused (its merge exchanges whole deltas: one step
#: fewer than the reduce-scatter / all-gather, and as many bytes for two workers; more
#: bytes beyond) into the next round's task, which is submitted before this round ends.
#: Not a knob: the recovery after a loss (:meth:`DaskBackend._after_loss`) knows one
#: survivor, and asserts it.
FUSED_MAX_WORKERS = 2
#: Seconds the client waits for a finished step's event before asking with a task.
EVENT_WAIT_SECONDS = 1.0


def require_dask():
    """The ``distributed`` module, or ``ImportError`` naming the extra to install."""
    if _distributed is None:
        raise ImportError(INSTALL_HINT)
    return _distributed


# -- tasks, run on the workers ---------------------------------------------------------

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




# -- the client's side -----------------------------------------------------------------

@dataclass(frozen=True)
class _Published:
    """A fused round's steps whose packets the next round's steps merge: merge ``sync``
    of ``rows`` by ``rule``, ``steps`` ``((worker, future), ...)``."""

    sync: int
    rule: str
    steps: tuple
    rows: dict


@dataclass(frozen=True)
class _Submitted:
    """A fused round submitted: its ``call``, each member's step future (``steps``) and
    token (``tokens``, ``{worker: ...}``), and what it publishes (None: no merge)."""

    call: RoundCall
    steps: dict
    tokens: dict
    published: _Published | None


@dataclass(frozen=True)
class _Settled:
    """A round whose result is known before it is asked for (after a loss, the round
    submitted ahead ran on the survivor)."""

    call: RoundCall
    result: RoundResult


class DaskBackend(Backend):
    """The workers as Dask workers (a :class:`~.driver.Backend`; see the module's data
    path).

    Parameters
    ----------
    client : distributed.Client
    addresses : list
        The workers' addresses, in worker order.
    run : str
        The run's id (its key in the workers' state table).
    shards : list
        Each worker's shards.
    fused : bool
        Fuse the rounds of up to :data:`FUSED_MAX_WORKERS` workers (tests turn it off
        to run the reduce-scatter / all-gather by blocks on two workers).
    run_ahead : bool
        Submit each fused round before the previous one ends (within an epoch), so
        that the client's round trip is off the rounds' path (tests turn it off to
        lose a worker exactly between two rounds).
    """

    def __init__(self, client, addresses: list, run: str, shards: list, *, fused: bool = True,
                 run_ahead: bool = True):
        self.client, self.addresses, self.run, self.shards = client, addresses, run, shards
        self.fused = fused
        self.runs_ahead = run_ahead
        self._missing: set = set()
        # fused rounds: the last round's steps whose packets the next merges, the round
        # submitted ahead, a round's result known early (after a loss), the steps'
        # generation
        self._published: _Published | None = None
        self._ahead: _Submitted | None = None
        self._settled: _Settled | None = None
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

    @property
    def workers(self) -> int:
        return len(self.addresses)

    def submit(self, w, fn, *args):
        """``fn(*args)`` as a task pinned to worker ``w``."""
        return self.client.submit(fn, *args, workers=[self.addresses[w]],
                                  allow_other_workers=False, pure=False)

    def _each(self, fn, *per_worker):
        """Run ``fn(run, w, *(a[w] for a in per_worker))`` on every worker ``w``; the
        results in worker order (a lost worker here is an error: before training)."""
        futs = [self.submit(w, fn, self.run, w, *(a[w] for a in per_worker))
                for w in range(self.workers)]
        return self.client.gather(futs)

    # -- setting up and closing the run -------------------------------------------------

    def count(self, max_token_bytes, max_vocab_size) -> list:
        """Count each worker's shards there (keeping the recorded ids); the counts, in
        worker order."""
        n = self.workers
        return self._each(_count, self.shards, [max_token_bytes] * n, [max_vocab_size] * n)

    def hold_shards(self) -> None:
        """Give each worker its shards to encode (a resumed run: nothing to count)."""
        self._each(_hold_shards, self.shards)

    def start(self, vocab, config: dict, threads: list, max_token_bytes: int,
              init=None) -> list:
        """Encode each worker's shard where it lies with ``vocab`` and make its
        :class:`WorkerState` (starting from ``init``, a checkpoint's matrices, if
        given); ``threads`` per worker.  The vocabulary and ``init`` are sent once to
        all; returns the shards' lengths in tokens."""
        n = self.workers
        vocab_f = self.client.scatter(vocab, broadcast=True, workers=self.addresses)
        if init is not None:
            init = self.client.scatter(init, broadcast=True, workers=self.addresses)
        return self._each(_encode, [vocab_f] * n, [config] * n, threads,
                          [max_token_bytes] * n, [init] * n)

    def close(self) -> None:
        """Stop listening to the run's events and free its state on every worker still
        there."""
        self.client.unsubscribe_topic(_topic(self.run))
        futs = [self.submit(w, _close, self.run, w) for w in range(self.workers)]
        lost = self.wait(list(enumerate(futs)), list(range(self.workers)))
        self.client.cancel([f for f in futs if f.status == "pending"])
        if lost:
            logger.info("workers %s had left the cluster: nothing to free there", sorted(lost))

    # -- waiting ------------------------------------------------------------------------

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
        stale_since = unsettled_since = None
        while True:
            try:
                _distributed.wait(futs, timeout=POLL_SECONDS)
            except (TimeoutError, asyncio.TimeoutError):
                pass
            unsettled = False
            for w, f in tasks:
                if f.status == "error":
                    exc = f.exception()
                    if exc is None:
                        # between two states: Dask is running the task again (its
                        # input was on a worker that died); not done until it settles
                        unsettled = True
                        continue
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
            done = not unsettled and all(f.status in ("finished", "error", "cancelled")
                                         for f in futs)
            if done and stale_since is None:
                break
            lost |= self._lost_now(members)
            if lost:
                break
            unsettled_since = (unsettled_since or time.perf_counter()) if unsettled else None
            if unsettled_since is not None:
                if time.perf_counter() - unsettled_since > 8 * POLL_SECONDS:
                    raise RuntimeError("a task failed without an exception and did not "
                                       "run again, but no worker left the cluster")
                time.sleep(POLL_SECONDS)
            if stale_since is not None:
                if time.perf_counter() - stale_since > 4 * POLL_SECONDS:
                    raise RuntimeError("a step lost its inputs, but no worker left the "
                                       "cluster")
                time.sleep(POLL_SECONDS if done else 0)
        return lost


    # -- the rounds ---------------------------------------------------------------------

    def plan(self, rounds):
        return self._each(_plan_slices, [rounds] * self.workers)

    def shapes(self):
        return self.submit(0, _shapes, self.run, 0).result()

    def round(self, call: RoundCall, ahead: RoundCall | None = None) -> RoundResult:
        """As :meth:`LocalBackend.round`.  Up to :data:`FUSED_MAX_WORKERS` workers run
        fused rounds (unless ``fused`` is off): one task per worker that merges the
        previous round's whole packets, trains and publishes, the next round
        (``ahead``) submitted before this one ends; more workers do the
        reduce-scatter / all-gather by row blocks in one graph (four steps)."""
        if self.fused and len(call.members) <= FUSED_MAX_WORKERS:
            return self._round_fused(call, ahead)
        return self._round_blocks(call)

    def _round_blocks(self, call: RoundCall) -> RoundResult:
        t0 = time.perf_counter()
        members = list(call.members)
        train = {w: self.submit(w, _train_round, self.run, w, spec)
                 for w, spec in call.specs.items()}
        tasks = list(train.items())
        if call.rows:
            blocks = split_rows(call.rows, len(members))
            p = len(members)
            packets = [[self.submit(w, _publish, self.run, w, blocks[j], train.get(w))
                        for w in members] for j in range(p)]
            merged = [self.submit(members[j], _merge, call.rule, *packets[j])
                      for j in range(p)]
            tasks += [(w, f) for j in range(p) for w, f in zip(members, packets[j])]
            tasks += [(members[j], f) for j, f in enumerate(merged)]
            tasks += [(w, self.submit(w, _receive, self.run, w, call.sync, *merged))
                      for w in members]
        lost = self.wait(tasks, members)
        if lost:
            # the survivors' training does not depend on the lost: let it finish (its
            # updates are theirs), drop the rest of the round
            self.wait([(w, f) for w, f in train.items() if w not in lost], members)
            self.client.cancel([f for _, f in tasks if f.status == "pending"])
        recs = {w: f.result() for w, f in train.items() if f.status == "finished"}
        lost |= {w for w, f in train.items() if f.status != "finished"}
        train_max = max((r["seconds"] for r in recs.values()), default=0.0)
        return RoundResult(recs, sorted(lost), max(0.0, time.perf_counter() - t0 - train_max))

    def _submit_steps(self, call: RoundCall, prev: _Published | None) -> _Submitted:
        """The fused step of every member of ``call`` (``prev``: the packets to merge
        first)."""
        psync, prule, pfuts = (None, call.rule, ()) if prev is None else \
            (prev.sync, prev.rule, prev.steps)
        steps, tokens = {}, {}
        for w in call.members:
            tokens[w] = uuid.uuid4().hex
            self._seq += 1
            steps[w] = self.submit(w, _step, self.run, w, self._seq, tokens[w],
                                   self._generation, call.specs.get(w), call.rows, psync,
                                   prule, *[f for _, f in pfuts])
        published = None if call.rows is None else \
            _Published(call.sync, call.rule, tuple(steps.items()), call.rows)
        return _Submitted(call, steps, tokens, published)

    def _records(self, cur: _Submitted, workers) -> tuple:
        """The figures of ``cur``'s steps of ``workers`` (done), from their events, or
        from a task where an event is late; returns ``(records, lost)``."""
        want = {w: cur.tokens[w] for w in workers}
        with self._arrived:
            self._arrived.wait_for(lambda: all(t in self._events for t in want.values()),
                                   timeout=EVENT_WAIT_SECONDS)
        late = {w: self.submit(w, _record_of, cur.steps[w]) for w, t in want.items()
                if t not in self._events}
        lost = self.wait(list(late.items()), list(late)) if late else set()
        recs = {w: self._events.pop(t) for w, t in want.items() if t in self._events}
        recs.update({w: f.result() for w, f in late.items() if w not in lost})
        return recs, lost

    def _drop_ahead(self) -> _Submitted | None:
        """Cancel the round submitted ahead (if any) and return it."""
        ahead, self._ahead = self._ahead, None
        if ahead is not None:
            self.client.cancel([f for f in ahead.steps.values() if f.status == "pending"])
        return ahead

    def _round_fused(self, call: RoundCall, ahead: RoundCall | None) -> RoundResult:
        if self._settled is not None:
            settled, self._settled = self._settled, None
            if settled.call == call:
                self._t_last = time.perf_counter()
                return settled.result
        if self._ahead is not None and self._ahead.call == call:
            cur, self._ahead = self._ahead, None
            t0 = self._t_last  # it ran since the last round ended
        else:
            self._drop_ahead()
            t0 = time.perf_counter()
            cur = self._submit_steps(call, self._published)
        if ahead is not None and cur.published is not None:
            # only after a round that publishes: the next round's steps then wait for
            # every member's step of this one (what a lost worker needs, below)
            self._ahead = self._submit_steps(ahead, cur.published)
        lost = self.wait(list(cur.steps.items()), call.members)
        if not lost:
            recs, lost = self._records(cur, list(call.specs))
        if lost:
            recs, lost = self._after_loss(cur, lost)
        else:
            self._published = cur.published
        self._t_last = time.perf_counter()
        train_max = max((r["seconds"] for r in recs.values()), default=0.0)
        return RoundResult(recs, sorted(lost), max(0.0, self._t_last - t0 - train_max))

    # -- a worker lost in a fused round -------------------------------------------------

    def _after_loss(self, cur: _Submitted, lost: set) -> tuple:
        """A fused round that lost ``lost``: what the survivor did, asked once its
        running step is done (steps submitted ahead are dropped and refused);
        ``(records, lost)``.

        Fused rounds run on two workers at most, so one survivor is left (or none).
        It either (a) ran this round: its figures count, the lost slices are trained
        again; (b) had already gone on to the round submitted ahead, which merged the
        lost worker's packet of this round: this round is whole, and the next reports
        the loss; or (c) never got the lost worker's packet of the previous round: it
        merges the previous round over itself only (what the lost worker trained then
        is lost, as its rows not yet merged are) and runs this round again."""
        if self._published is not None:  # the lost workers' packets: gone, let Dask forget
            self.client.cancel([f for m, f in self._published.steps if m in lost])
        ahead = self._drop_ahead()
        self.client.cancel([f for f in cur.steps.values() if f.status == "pending"])
        self._generation += 1
        survivors = [w for w in cur.call.members if w not in lost]
        assert len(survivors) <= 1, (f"a fused round of {len(cur.call.members)} workers "
                                     f"(more than {FUSED_MAX_WORKERS}) lost {sorted(lost)}")
        lost = set(lost)
        recs: dict = {}
        if survivors:
            w = survivors[0]
            fence = self.submit(w, _fence, self.run, w, self._generation)
            lost |= self.wait([(w, fence)], survivors)
            if w not in lost:
                info = fence.result()
                whole = self._went_ahead(w, info, cur, ahead, lost)
                if whole is not None:
                    return whole
                recs, lost = self._survivor_round(w, info["steps"], cur, lost)
        self._published = None
        self._events.clear()  # of steps dropped or refused
        return recs, lost | {w for w in cur.call.specs if w not in recs}

    def _went_ahead(self, w, info, cur: _Submitted, ahead: _Submitted | None, lost) -> tuple:
        """Case (b) of :meth:`_after_loss`: ``cur``'s figures, the next round's result
        kept for when it is asked for; None where ``w`` did not run the round ahead
        over every packet of ``cur``."""
        steps = info["steps"]
        if ahead is None or ahead.tokens.get(w) not in steps:
            return None
        merged = info["merged_from"].get(cur.call.sync, {})
        if not all(m in merged for m in cur.call.specs):
            return None
        next_recs = {w: steps[ahead.tokens[w]]} if w in ahead.call.specs else {}
        self._settled = _Settled(ahead.call, RoundResult(next_recs, sorted(lost), 0.0))
        self._published = None
        return {m: merged[m] for m in cur.call.specs}, []

    def _survivor_round(self, w, steps, cur: _Submitted, lost: set) -> tuple:
        """Cases (a) and (c) of :meth:`_after_loss` for survivor ``w`` (``steps``: the
        steps it ran); ``(records, lost)``."""
        specs = cur.call.specs
        if cur.tokens[w] in steps:  # (a)
            return ({w: steps[cur.tokens[w]]} if w in specs else {}), lost
        # (c): merge the previous round over the survivor alone (its packet made again
        # where it lies: it has not trained since; no old task is asked for, which Dask
        # could try to recompute), then run this round again
        recs: dict = {}
        prev = self._published
        if prev is not None:
            f = self.submit(w, _merge_own, self.run, w, prev.sync, prev.rows, prev.rule)
            lost |= self.wait([(w, f)], [w])
            if w in lost:
                return recs, lost
        redo = self._submit_steps(RoundCall({w: specs[w]} if w in specs else {}, (w,), None,
                                            cur.call.rule, None), None)
        lost |= self.wait(list(redo.steps.items()), [w])
        if w not in lost and w in specs:
            got, gone = self._records(redo, [w])
            lost |= gone
            recs.update(got)
        logger.warning("worker %d never received the lost workers' last packets: the "
                       "previous merge was redone without them", w)
        return recs, lost

    # -- after the rounds ---------------------------------------------------------------

    def adopt(self, w: int, origin: int) -> tuple:
        f = self.submit(w, _adopt, self.run, w, origin, self.shards[origin])
        lost = self.wait([(w, f)], [w])
        return (None, sorted(lost)) if lost else (f.result(), [])

    def weights(self, members: list, sync: int) -> tuple:
        w = members[0]
        prev = self._published
        if prev is not None and prev.sync == sync:  # the last round's packets
            f = self.submit(w, _weights, self.run, w, sync, prev.rule,
                            *[pf for _, pf in prev.steps])
        else:
            f = self.submit(w, _weights, self.run, w, sync)
        lost = self.wait([(w, f)], [w])
        return (None, sorted(lost)) if lost else (f.result(), [])
