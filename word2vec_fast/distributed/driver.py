"""Training in synchronous rounds on P workers, independent of any cluster engine.

An epoch is ``R`` rounds (:mod:`.schedule`); in a round each worker
(:class:`~word2vec_fast.distributed.worker.WorkerState`) trains its next slice of
about ``sync_words`` raw words, then the workers merge the round's hot rows, every
row after an epoch's last round (:mod:`.merge`).  A merge may be applied at the start
of the next round's training (the simulator and the Dask engine's fused rounds do:
one task per worker and round): the numbers are those of merging right after the
round.

:class:`Driver` runs the rounds on a :class:`Backend` -- the simulator
(:mod:`.backend_local`) or Dask (:mod:`.backend_dask`) -- and asks both for the
same steps in the same order, so they give the same numbers.  With one worker an
epoch is one round (there is nothing to merge) seeded with the run's seed, so the
run is bit for bit ``train(threads=1)``.
"""
from __future__ import annotations

import logging
import signal
import threading
import time
from dataclasses import dataclass
from functools import partial
from typing import Protocol

from ..runner import _progress_bar
from .merge import MERGE, alpha_scale
from .schedule import (HOT_MAX, matrix_rows, round_rows, round_seed, rounds_per_epoch,
                       rows_bytes)

logger = logging.getLogger("word2vec_fast")


@dataclass(frozen=True)
class RoundCall:
    """One round as the driver asks a backend for it.

    ``specs``: ``{worker: spec}`` of the slices to train (see
    :meth:`~word2vec_fast.distributed.worker.WorkerState.train_round`; a worker
    without one only merges); ``members``: the workers still there, in order (the
    merge combines their packets); ``rows``: ``{matrix: (lo, hi)}`` to publish after
    training and merge, or None; ``sync``: that merge's id (None without rows).
    """

    specs: dict
    members: tuple
    rows: dict | None
    rule: str
    sync: int | None


@dataclass(frozen=True)
class RoundResult:
    """What a backend reports of a round: ``records`` (``{worker: figures}`` of the
    slices trained), ``lost`` (the workers lost meanwhile, sorted) and ``seconds``
    (time of the round not spent training: merging and scheduling)."""

    records: dict
    lost: list
    seconds: float


class Backend(Protocol):
    """What :class:`Driver` asks of a cluster engine.  A method that returns ``lost``
    reports the workers it found gone instead of raising; the driver gives their
    shards to survivors and asks again."""

    #: The workers at the start (indices ``0 .. workers - 1``).
    workers: int
    #: Whether :meth:`round` starts the next round (its ``ahead``) before this one ends.
    runs_ahead: bool

    def plan(self, rounds: int) -> list:
        """Cut every worker's shard into ``rounds`` slices; each worker's slice lengths
        in tokens, in worker order."""

    def shapes(self) -> dict:
        """``{matrix: rows}`` of the matrices trained."""

    def round(self, call: RoundCall, ahead: RoundCall | None = None) -> RoundResult:
        """Merge the previous round's packets (if any) over ``call.members``, train
        ``call.specs`` and publish ``call.rows`` as merge ``call.sync``.  ``ahead`` is
        the next round as it will be if nobody is lost (a backend may start it)."""

    def adopt(self, w: int, origin: int) -> tuple:
        """Worker ``w`` takes over shard ``origin``: ``(its slice lengths, [])``, or
        ``(None, lost)``."""

    def weights(self, members: list, sync: int) -> tuple:
        """The merged matrices from a member, merge ``sync`` applied first: ``(weights,
        [])``, or ``(None, lost)``."""


class _Interrupt:
    """Ctrl-C while rounds run: the first asks for a stop after the running round
    (every row is merged then), a second raises ``KeyboardInterrupt`` at once."""

    def __init__(self):
        self.requested = False
        self._old = None

    def __enter__(self):
        # only where Python gets Ctrl-C: not off the main thread, nor where SIGINT is
        # ignored (a background job of a shell without job control)
        if threading.current_thread() is threading.main_thread() and \
                signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
            self._old = signal.signal(signal.SIGINT, self._handler)
        return self

    def _handler(self, signum, frame):
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        logger.warning("Ctrl-C: the workers finish this round, then every row is merged and "
                       "the partial model returned (Ctrl-C again to abort)")

    def __exit__(self, *exc):
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)
        return False


def _aggregate(agg: dict, rec: dict) -> None:
    for key in ("raw_words", "effective_words", "loss", "pairs"):
        agg[key] += rec[key]
    if rec["alpha"] is not None:
        agg["alpha"] = rec["alpha"] if agg["alpha"] is None else min(agg["alpha"], rec["alpha"])


class Driver:
    """Train the epochs of ``config`` from ``start_epoch`` in synchronous rounds on
    ``backend``'s workers, surviving lost workers (:meth:`run`).

    Parameters
    ----------
    backend : Backend
    config : dict
        Checked training parameters.
    sync_words : int
        Raw words a worker trains between merges (the largest shard sets the
        rounds per epoch; each shard is cut into that many slices, so all
        workers end an epoch together).  One worker: one round per epoch.
    hot_rows : int
        ``h0`` of the hot-row schedule; 0 merges only at epoch ends.
    hot_max : int or None
        The cap of the schedule's doubling (rows per matrix); None: the matrix.
    merge : {"scaled", "mean", "sum"}
        The merge rule (:data:`~word2vec_fast.distributed.merge.MERGE_RULES`).
    start_epoch : int
        Epochs already done (a resumed run; the weights are the checkpoint's).
    epoch_end : callable, optional
        ``epoch_end(record, history, get_weights) -> bool`` after each epoch
        (every row merged); ``get_weights()`` fetches the merged matrices.
        False stops the run.
    progress : bool or None
        A progress bar over the raw words (None: when stderr is a terminal).
    hook : callable, optional
        ``hook(epoch, round, backend)`` before each round (tests use it to lose workers).

    A worker lost during a round (its task failed, or its process left the
    cluster) does not end the run: its shard goes to the surviving worker
    holding the fewest tokens, which encodes it from the corpus files and
    trains the lost slice of the round, and the merge is redone over the
    survivors.  What the lost worker trained since the last merge of each row
    is lost, and the log says so.  Ctrl-C lets the running round finish,
    merges every row and returns with ``interrupted`` True.
    """

    def __init__(self, backend: Backend, *, config: dict, sync_words: int, hot_rows: int,
                 hot_max: int | None = HOT_MAX, merge: str = MERGE, start_epoch: int = 0,
                 epoch_end=None, progress=False, hook=None):
        self.backend = backend
        self.config = config
        self.sync_words, self.hot_rows, self.hot_max = sync_words, hot_rows, hot_max
        self.merge = merge
        self.start_epoch = start_epoch
        self.epoch_end = epoch_end
        self.progress = progress
        self.hook = hook
        self.p_workers = backend.workers
        self.history: list = []
        # fault handling: who is still there and which shards (by origin) each trains
        self.members = list(range(self.p_workers))
        self.holds = {w: [w] for w in self.members}
        self.lost_log: list = []
        # merges: the last one made, and the one each worker's next task commits
        self.sync_id = -1
        self.committed_to: dict = {}
        # accounting
        self.worker_words = [0] * self.p_workers
        self.worker_seconds = [0.0] * self.p_workers
        self.bytes_per_round: list = []
        self.row_bytes_per_round: list = []
        self.bytes_per_epoch: list = []
        self.sync_seconds = 0.0
        self._bar = None

    # -- planning -----------------------------------------------------------------------

    def _plan(self) -> None:
        """Count the shards, set the rounds per epoch and cut the shards into them."""
        sizes = self.backend.plan(1)
        self.totals = [sum(s) for s in sizes]
        self.n_all = sum(self.totals)
        self.held_tokens = dict(enumerate(self.totals))
        self.rounds = rounds_per_epoch(self.totals, self.sync_words)
        self.sizes = self.backend.plan(self.rounds) if self.rounds > 1 else sizes
        self.shapes = self.backend.shapes()
        self.total_words = self.config["epochs"] * self.n_all

    def _spec(self, w, e, k, done, scale, origins, commits) -> dict:
        """Worker ``w``'s slice ``k`` of epoch ``e`` of each shard in ``origins``,
        committing first the merge ``commits`` holds for it (taken out)."""
        seed = self.config["seed"]
        return {"epoch": e, "round": k, "words_offset": done, "total_words": self.total_words,
                "alpha_scale": scale,
                "parts": [(o, seed if self.p_workers == 1 else round_seed(seed, o, e, k))
                          for o in origins],
                "commit": commits.pop(w, None)}

    def _plan_round(self, e, k, rr, done, commits, sync) -> RoundCall:
        """Round ``k`` of epoch ``e`` (``rr``-th of the run, ``done`` global raw words
        before it) on the members now, its merge (if any) merge ``sync``; ``commits``:
        the merge each worker commits first."""
        scale = alpha_scale(self.merge, len(self.members))
        specs = {w: self._spec(w, e, k, done, scale, self.holds[w], commits)
                 for w in self.members}
        rows = round_rows(rr, k, self.rounds, self.shapes, self.hot_rows, self.hot_max,
                          self.p_workers)
        return self._call(specs, rows, sync)

    def _call(self, specs, rows, sync) -> RoundCall:
        """``specs`` on the members now, merging ``rows`` as merge ``sync`` (no merge with
        one member left)."""
        rows = rows if len(self.members) > 1 else None
        return RoundCall(specs, tuple(self.members), rows, self.merge,
                         sync if rows else None)

    # -- run-ahead ----------------------------------------------------------------------

    def _ahead(self, e, k, done, call, ctrl_c) -> RoundCall | None:
        """The next round as it will be if nobody is lost, for a backend that submits it
        before this one ends (its specs are then these); None where there is none."""
        if not self.backend.runs_ahead or k == self.rounds - 1 or ctrl_c.requested:
            return None
        merges = call.rows is not None
        step = sum(s[k] for s in self.sizes)
        commits = {w: self.sync_id + 1 for w in self.members} if merges else {}
        return self._plan_round(e, k + 1, self.r + 1, done + step, commits,
                                self.sync_id + 1 + merges)

    # -- the rounds ---------------------------------------------------------------------

    def run(self) -> dict:
        """The run: ``history`` (one record per epoch), ``stats`` (see
        :func:`~word2vec_fast.distributed.train_local`), ``weights`` (the merged
        matrices), ``interrupted`` and ``epochs_done``."""
        self._plan()
        t_run = time.perf_counter()
        self._progress_start()
        self.r = self.start_epoch * self.rounds
        interrupted = False
        e = self.start_epoch
        with _Interrupt() as ctrl_c:
            for e in range(self.start_epoch, self.config["epochs"]):
                rec = self._epoch(e, ctrl_c)
                if not rec["complete"]:
                    interrupted = True
                    break
                try:
                    if self.epoch_end is not None and self.epoch_end(
                            rec, self.history, partial(self._weights, e)) is False:
                        break
                except KeyboardInterrupt:  # in a callback: the epoch is whole and merged
                    interrupted = True
                    break
                if ctrl_c.requested:
                    interrupted = True
                    break
        self._progress_end()
        weights = self._weights(e)
        stats = self._stats(time.perf_counter() - t_run, interrupted)
        return {"history": self.history, "stats": stats, "weights": weights,
                "interrupted": interrupted,
                "epochs_done": sum(1 for h in self.history if h["complete"]) + self.start_epoch}

    def _epoch(self, e, ctrl_c) -> dict:
        """Epoch ``e``'s rounds (fewer after Ctrl-C); its record."""
        t_epoch = time.perf_counter()
        done = e * self.n_all
        agg = {"raw_words": 0, "effective_words": 0, "loss": 0.0, "pairs": 0, "alpha": None}
        first_round = len(self.bytes_per_round)
        complete = True
        for k in range(self.rounds):
            if self.hook is not None:
                self.hook(e, k, self.backend)
            submitted_ahead = self._round(e, k, done, agg, ctrl_c)
            step = sum(s[k] for s in self.sizes)
            done += step
            self._progress_update(step)
            self.r += 1
            if ctrl_c.requested and k != self.rounds - 1 and not submitted_ahead:
                self._stop(e, k)
                complete = False
                break
        self.bytes_per_epoch.append(sum(self.bytes_per_round[first_round:]))
        rec = self._epoch_record(e, agg, done, complete, time.perf_counter() - t_epoch)
        self.history.append(rec)
        return rec

    def _round(self, e, k, done, agg, ctrl_c) -> bool:
        """Round ``k`` of epoch ``e``, again over the survivors while workers are lost;
        whether the next round was submitted ahead (and kept)."""
        scale = alpha_scale(self.merge, len(self.members))
        call = self._plan_round(e, k, self.r, done, self.committed_to, self.sync_id + 1)
        ahead = self._ahead(e, k, done, call, ctrl_c)
        submitted_ahead = ahead is not None
        while True:
            result = self.backend.round(call, ahead)
            ahead = None
            self._count(result, agg)
            if not result.lost:
                break
            submitted_ahead = False  # a backend drops what it ran ahead
            # the lost slices of this round are trained again by the adopters, and the
            # merge is redone over the survivors
            moved = self._lose(result.lost, e, k, "training or merging")
            specs = {w: self._spec(w, e, k, done, scale, origins, self.committed_to)
                     for w, origins in moved.items()}
            call = self._call(specs, call.rows, self.sync_id + 1)
        if call.rows:
            self._merged()
        self._count_bytes(call)
        return submitted_ahead

    def _merged(self) -> None:
        """A merge is made: every member's next task commits it."""
        self.sync_id += 1
        self.committed_to.update({w: self.sync_id for w in self.members})

    def _weights(self, e) -> dict:
        """The merged matrices from a surviving worker (committing the last merge first)."""
        while True:
            weights, lost = self.backend.weights(list(self.members), self.sync_id)
            if not lost:
                return weights
            self._lose(lost, e, self.rounds - 1, "sending the weights")

    # -- fault handling -----------------------------------------------------------------

    def _lose(self, lost, e, k, phase) -> dict:
        """Take ``lost`` out; their shards go to survivors; returns ``{adopter: [origins]}``."""
        moved: dict = {}
        for w in lost:
            if w not in self.members:
                continue
            self.members.remove(w)
            if not self.members:
                raise RuntimeError(f"every worker was lost (the last, {w}, in epoch {e + 1}, "
                                   f"round {k + 1}): nothing is left to train on")
            for origin in self.holds.pop(w):
                while True:
                    to = min(self.members, key=lambda m: (self.held_tokens[m], m))
                    lengths, gone = self.backend.adopt(to, origin)
                    if not gone:
                        break
                    moved.update(self._lose(gone, e, k, "adopting a shard"))
                if lengths != self.sizes[origin]:
                    raise RuntimeError(f"worker {to} read shard {origin} as {sum(lengths)} "
                                       f"tokens, not the {self.totals[origin]} first counted: "
                                       "did the corpus change during the run?")
                self.holds[to].append(origin)
                self.held_tokens[to] += self.totals[origin]
                moved.setdefault(to, []).append(origin)
                self.lost_log.append({"worker": w, "epoch": e + 1, "round": k + 1,
                                      "phase": phase, "shard": origin, "adopted_by": to})
                logger.warning(
                    "worker %d lost in epoch %d, round %d (while %s): its shard %d (%d tokens) "
                    "goes to worker %d, which trains it from this round on; what worker %d "
                    "trained since each row's last merge is lost (the hottest rows were merged "
                    "this epoch, the others at its start)", w, e + 1, k + 1, phase, origin,
                    self.totals[origin], to, w)
        return moved

    # -- Ctrl-C -------------------------------------------------------------------------

    def _stop(self, e, k) -> None:
        """Merge every row over the survivors before stopping after round ``k``."""
        rows_all = matrix_rows(self.shapes, None)
        while len(self.members) > 1:
            result = self.backend.round(RoundCall({}, tuple(self.members), rows_all,
                                                  self.merge, self.sync_id + 1))
            self.sync_seconds += result.seconds
            if not result.lost:
                self._merged()
                break
            self._lose(result.lost, e, k, "merging after Ctrl-C")

    # -- accounting ---------------------------------------------------------------------

    def _count(self, result: RoundResult, agg: dict) -> None:
        """A round's figures: every worker's words and seconds, the epoch's sums over the
        workers not lost."""
        self.sync_seconds += result.seconds
        for w, rec in result.records.items():
            self.worker_words[w] += rec["raw_words"]
            self.worker_seconds[w] += rec["seconds"]
            if w not in result.lost:
                _aggregate(agg, rec)

    def _count_bytes(self, call: RoundCall) -> None:
        """The bytes the round's merge moved (0 without one)."""
        rb, mb = rows_bytes(call.rows, self.config["dim"]) if call.rows else (0, 0)
        self.row_bytes_per_round.append(rb)
        self.bytes_per_round.append(len(call.members) * (rb + mb))

    def _epoch_record(self, e, agg, done, complete, secs) -> dict:
        pairs = agg["pairs"]
        rec = {"kind": "epoch", "run": 0, "epoch": e + 1, "epochs": self.config["epochs"],
               "complete": complete, "loss": float(agg["loss"]), "pairs": int(pairs),
               "loss_per_pair": float(agg["loss"] / pairs) if pairs else None,
               "raw_words": int(agg["raw_words"]),
               "effective_words": int(agg["effective_words"]), "seconds": secs,
               "words_per_sec": agg["raw_words"] / secs if secs > 0 else None,
               "alpha": agg["alpha"], "words_done": int(done),
               "workers": len(self.members), "rounds": self.rounds}
        logger.info("epoch %d/%d on %d workers%s: %d rounds, loss %s per pair, %d raw words "
                    "in %.2f s, %d bytes merged", e + 1, self.config["epochs"],
                    len(self.members), "" if complete else " (stopped by Ctrl-C)", self.rounds,
                    "-" if rec["loss_per_pair"] is None else f"{rec['loss_per_pair']:.5f}",
                    rec["raw_words"], secs, self.bytes_per_epoch[-1])
        return rec

    def _stats(self, wall, interrupted) -> dict:
        return {
            "workers": self.p_workers,
            "workers_left": len(self.members),
            "lost_workers": self.lost_log,
            "rounds_per_epoch": self.rounds,
            "sync_words": self.sync_words,
            "hot_rows": self.hot_rows,
            "hot_max": self.hot_max,
            "merge": self.merge,
            "alpha_scale": alpha_scale(self.merge, self.p_workers),
            "words": int(sum(self.worker_words)),
            "worker_words": self.worker_words,
            "worker_train_seconds": self.worker_seconds,
            "worker_words_per_sec": [w / s if s > 0 else None
                                     for w, s in zip(self.worker_words, self.worker_seconds)],
            "bytes_per_round": self.bytes_per_round,
            "row_bytes_per_round": self.row_bytes_per_round,
            "bytes_per_epoch": self.bytes_per_epoch,
            "sync_seconds": self.sync_seconds,
            "wall_seconds": wall,
            "shard_tokens": self.totals,
            "n_tokens": self.n_all,
            "interrupted": interrupted,
        }

    # -- progress -----------------------------------------------------------------------

    def _progress_start(self) -> None:
        self._bar = _progress_bar(self.progress, self.total_words, "training")
        self._progress_update(self.start_epoch * self.n_all)  # a resumed run's epochs

    def _progress_update(self, words) -> None:
        if self._bar is not None and words:
            self._bar.update(words)

    def _progress_end(self) -> None:
        if self._bar is not None:
            self._bar.close()
