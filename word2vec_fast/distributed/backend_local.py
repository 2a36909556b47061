"""The simulator backend: P :class:`~word2vec_fast.distributed.worker.WorkerState` in
this process, the engine tests and benchmarks run (:func:`~.local.train_local`).

It asks the workers for what the Dask backend's fused rounds ask (merge the last
round's packets, train, publish), in the same order, so that a Dask run gives the
simulator's numbers for the same seed and workers.
"""
from __future__ import annotations

import time

from .._threads import ordered_map
from .driver import Backend, RoundCall, RoundResult
from .worker import WorkerState


class LocalBackend(Backend):
    """P :class:`WorkerState` in this process (a :class:`~.driver.Backend`).

    Parameters
    ----------
    states : list of WorkerState
    parallel : bool
        Train the workers' rounds on Python threads at once (the engine
        releases the GIL); otherwise one after the other.  Same numbers either way.
    shards : list, optional
        Each worker's shards (what :meth:`adopt` reads when a worker is lost).
    """

    #: Nothing is submitted early: a round is run when it is asked for.
    runs_ahead = False

    def __init__(self, states: list, parallel: bool = False, shards=None):
        self.states = list(states)
        self.parallel = parallel
        self.shards = shards
        self.dead: set = set()
        self._dying: set = set()
        self._pending = None  # the last round's packets: (sync, rule, [step results])

    @property
    def workers(self) -> int:
        return len(self.states)

    def kill(self, w: int, during: str = "train") -> None:
        """Lose worker ``w`` (tests): at once (``"train"``: it does not train the next
        round, and its packet of the last round is lost, not merged), or after
        training its next round, before it publishes (``"sync"``)."""
        (self.dead if during == "train" else self._dying).add(w)

    def _each(self, fn, pairs):
        threads = len(pairs) if self.parallel and pairs else 1
        return list(ordered_map(lambda p: fn(*p), pairs, threads, name="word2vec_fast-worker"))

    def plan(self, rounds: int) -> list:
        return [s.plan(rounds) for s in self.states]

    def shapes(self) -> dict:
        return self.states[0].shapes()

    def round(self, call: RoundCall, ahead: RoundCall | None = None) -> RoundResult:
        """Merge the previous round's packets over the members still there, train the
        specs and, with rows, publish them (merged at the start of the next round, or
        by :meth:`weights`): the Dask engine's fused rounds.  ``ahead`` is not used."""
        t0 = time.perf_counter()
        self._merge_pending([w for w in call.members if w not in self.dead])
        merging = time.perf_counter() - t0
        run = [w for w in call.specs if w not in self.dead]
        recs = dict(zip(run, self._each(WorkerState.train_round,
                                         [(self.states[w], call.specs[w]) for w in run])))
        self.dead |= self._dying
        self._dying = set()
        lost = [w for w in call.members if w in self.dead]
        if lost or not call.rows:
            return RoundResult(recs, lost, merging)
        t0 = time.perf_counter()
        self._pending = (call.sync, call.rule,
                         [self.states[w].step_packet(call.rows) for w in call.members])
        return RoundResult(recs, [], merging + time.perf_counter() - t0)

    def _merge_pending(self, alive: list) -> None:
        """Apply the last round's merge on ``alive``, over their packets only (a worker
        lost since took its packet with it)."""
        if self._pending is None:
            return
        sync, rule, packets = self._pending
        self._pending = None
        packets = [p for p in packets if p["worker"] in alive]
        if packets:
            for w in alive:
                self.states[w].merge_in(sync, packets, rule)

    def adopt(self, w: int, origin: int) -> tuple:
        if w in self.dead:
            return None, [w]
        return self.states[w].adopt(origin, self.shards[origin]), []

    def weights(self, members: list, sync: int) -> tuple:
        self._merge_pending([w for w in members if w not in self.dead])
        w = members[0]
        if sync >= 0:
            self.states[w].commit(sync)
        return self.states[w]._matrices(), []
