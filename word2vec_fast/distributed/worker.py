"""One worker of the cluster trainer: its shard(s), its copy of the model, the values
last merged, and the steps an engine asks of it.

Every worker holds a full copy of the weights, initialised identically from the
seed (as :meth:`Model.create` does, nothing is sent), and its encoded shard.  In a
round it trains its next slice with :func:`~word2vec_fast.runner.run_schedule` at
the *global* place of the learning-rate decay (``words_offset`` = the raw words all
workers did before the round, ``total_words`` = epochs x all tokens), with a seed of
its own for the round; then it publishes the rows the round merges
(:mod:`.merge`) and applies the merged blocks.  The same class serves the
simulator (:mod:`.backend_local`) and the Dask workers (:mod:`.backend_dask`), so
both give the same numbers.
"""
from __future__ import annotations

import threading

import numpy as np

from ..corpus import Corpus
from ..model import Model
from ..runner import run_schedule
from ..scan import MAX_TOKEN_BYTES
from ..schedule import new_schedule
from ..training import model_params
from .counting import encode_counted
from .merge import merge_packets
from .schedule import corpus_slice, slice_points

#: The matrices, in the order of :class:`~word2vec_fast.runner.Weights`.
MATRICES = ("w_in", "w_out_ns", "w_out_hs")


class WorkerStateLost(RuntimeError):
    """A worker no longer holds its training state (its process was restarted)."""


class StaleStep(RuntimeError):
    """A step submitted ahead reached a worker after the run moved on without it."""


class _Part:
    """A shard a worker trains: its own, or one adopted from a lost worker."""

    def __init__(self, enc: Corpus):
        self.enc = enc
        self.cuts = [0, len(enc)]

    def plan(self, rounds: int) -> list:
        self.cuts = slice_points(np.asarray(self.enc.offsets), len(self.enc), rounds)
        return [b - a for a, b in zip(self.cuts[:-1], self.cuts[1:])]


class WorkerState:
    """One worker: its shard(s), its copy of the model and the values last merged.

    Parameters
    ----------
    index : int
        The worker's place (0-based; shards are in corpus order).
    enc : Corpus
        The worker's shard, encoded with the shared vocabulary.
    config : dict
        Checked training parameters (see :func:`word2vec_fast.training.check_train_params`).
    threads : int
        Engine threads on this worker.
    init : dict, optional
        ``{matrix: array}`` to start from (a checkpoint being resumed) instead of
        the seed's fresh rows.
    max_token_bytes : int
        As for :func:`word2vec_fast.train` (for shards adopted later).
    """

    def __init__(self, index: int, enc: Corpus, config: dict, threads: int, *, init=None,
                 max_token_bytes: int = MAX_TOKEN_BYTES):
        self.index = index
        self.config = dict(config)
        self.threads = threads
        self.max_token_bytes = max_token_bytes
        self.model = Model.create(enc.vocab, **model_params(config))
        if init is not None:
            for k, w in self._matrices().items():
                src = init.get(k)
                if src is None or src.shape != w.shape:
                    raise ValueError(f"the starting weights have no {k} of shape {w.shape}")
                w[...] = src
        self.synced = {k: w.copy() for k, w in self._matrices().items()}
        self.parts = {index: _Part(enc)}
        self.rounds = 1
        self.pending = None  # (sync id, merged blocks) received, not yet committed
        self.committed = -1
        self.last_record = None  # the last round's figures, for an engine that asks later
        # the fused steps of an engine that runs rounds ahead (see :meth:`step`)
        self.lock = threading.Lock()
        self.generation = 0
        self.last_seq = -1
        self.steps_done: dict = {}  # step token -> its round's figures (or None)
        self.merged_from: dict = {}  # sync id -> {worker: figures of the round merged}

    @property
    def enc(self) -> Corpus:
        """The worker's own shard."""
        return self.parts[self.index].enc

    def _matrices(self) -> dict:
        w = self.model.weights
        return {k: getattr(w, k) for k in MATRICES if getattr(w, k) is not None}

    def shapes(self) -> dict:
        """``{matrix: rows}`` of the matrices trained."""
        return {k: w.shape[0] for k, w in self._matrices().items()}

    def plan(self, rounds: int) -> list:
        """Cut every shard held into ``rounds`` slices; returns the own shard's slice
        lengths in tokens."""
        self.rounds = rounds
        lengths = {origin: part.plan(rounds) for origin, part in self.parts.items()}
        return lengths[self.index]

    def adopt(self, origin: int, shards: list) -> list:
        """Take over lost worker ``origin``'s shard: read and encode it here with the
        shared vocabulary and cut it as ``origin`` did; returns its slice lengths."""
        enc = encode_counted(None, None, self.model.vocab, shards,
                             max_token_bytes=self.max_token_bytes)
        part = _Part(enc)
        self.parts[origin] = part
        return part.plan(self.rounds)

    def train_round(self, spec: dict) -> dict:
        """Commit the merge ``spec["commit"]`` (if any), then train slice ``spec["round"]``
        of epoch ``spec["epoch"]`` of each shard in ``spec["parts"]``.

        ``spec`` holds ``epoch``, ``round``, ``words_offset`` (global raw words
        done before the round), ``total_words``, ``alpha_scale`` (the factor of
        the learning rate, see :data:`MERGE_RULES`) and ``parts``: ``[(shard,
        seed), ...]``.  Returns the round's figures: ``raw_words``,
        ``effective_words``, ``loss``, ``pairs``, ``seconds``, ``alpha``.
        """
        if spec.get("commit") is not None:
            self.commit(spec["commit"])
        rec = {"worker": self.index, "raw_words": 0, "effective_words": 0, "loss": 0.0,
               "pairs": 0, "seconds": 0.0, "alpha": None}
        for origin, seed in spec["parts"]:
            h = self._train_slice(self.parts[origin], spec, seed)
            if h is None:
                continue
            for key in ("raw_words", "effective_words", "loss", "pairs", "seconds"):
                rec[key] += h[key]
            rec["alpha"] = h["alpha"] if rec["alpha"] is None else min(rec["alpha"], h["alpha"])
        return rec

    def _train_slice(self, part: _Part, spec: dict, seed: int):
        k, e = spec["round"], spec["epoch"]
        sub = corpus_slice(part.enc, part.cuts[k], part.cuts[k + 1])
        if len(sub) == 0:
            return None
        c = self.config
        f = spec.get("alpha_scale", 1)
        a0, a1, a2 = ((c["alpha"], c["alpha_end"], c["alpha_floor"]) if f == 1 else
                      (c["alpha"] * f, c["alpha_end"] * f, c["alpha_floor"] * f))
        sch = new_schedule(n_tokens=len(sub), fingerprint=0, fingerprint_version=0,
                           epochs=e + 1, alpha=a0, alpha_end=a1, alpha_floor=a2, seed=seed)
        sch.update(epochs_done=e, words_offset=spec["words_offset"] - e * len(sub),
                   total_words=spec["total_words"])
        history: list = []
        # the weights are checked for non-finite values once an epoch, on its last round
        run_schedule(sub, self.model.weights, self.model.tables, self.model.params, sch,
                     threads=self.threads, history=history, progress=False,
                     check_weights=k == self.rounds - 1)
        return history[-1]

    def publish(self, rows: dict) -> dict:
        """``{matrix: (lo, hi, deltas, packed touched bits)}``: how this worker moved
        ``rows`` since they were last merged, and which rows it changed at all."""
        out = {}
        mats = self._matrices()
        for name, (lo, hi) in rows.items():
            w, s = mats[name][lo:hi], self.synced[name][lo:hi]
            touched = (w.view(np.uint32) != s.view(np.uint32)).any(axis=1)
            out[name] = (lo, hi, w - s, np.packbits(touched))
        return out

    def merge_in(self, sync: int, packets: list, rule: str) -> None:
        """Merge the workers' whole packets of merge ``sync`` (:meth:`step` results, in
        worker order) and apply it, unless this worker already did (idempotent)."""
        if sync is None or sync == self.committed:
            return
        self.apply([merge_packets([p["packet"] for p in packets], rule)])
        self.committed, self.pending = sync, None
        self.merged_from = {sync: {p["worker"]: p["record"] for p in packets}}

    def step(self, token: str, generation: int, spec, rows, sync, rule: str,
             packets: list, seq: int = None) -> dict:
        """One fused round of an engine that runs rounds ahead: apply merge ``sync``
        of the previous round's ``packets`` (if any), train ``spec`` (if any), publish
        ``rows`` (if any).

        The result, ``{"worker", "record", "packet"}``, is what the next round's
        steps of every worker merge; the merge runs where it is applied, from the
        same whole packets on every worker, so no worker can hold half a merge.
        A step of an older ``generation`` than :meth:`fence` set (submitted ahead
        before a worker was lost), or whose ``seq`` (the engine's count of the steps
        it submitted) is not above the last run here (an engine recomputing a step
        whose result it lost), does nothing and raises :class:`StaleStep`.
        """
        with self.lock:
            if generation < self.generation:
                raise StaleStep(f"worker {self.index}: step {token} is of generation "
                                f"{generation}, the run is at {self.generation}")
            if seq is not None:
                if seq <= self.last_seq:
                    raise StaleStep(f"worker {self.index}: step {seq} was run already "
                                    f"(the last was {self.last_seq}): not again")
                self.last_seq = seq
            if packets:
                self.merge_in(sync, packets, rule)
            record = None if spec is None else self.train_round(spec)
            self.last_record = record
            last = list(self.steps_done.items())[-1:]
            self.steps_done = dict(last + [(token, record)])  # the last two
            return {"worker": self.index, "record": record,
                    "packet": None if rows is None else self.publish(rows)}

    def step_packet(self, rows: dict) -> dict:
        """This worker's packet of ``rows`` as :meth:`step` returns it (with the last
        round's figures)."""
        return {"worker": self.index, "record": self.last_record, "packet": self.publish(rows)}

    def fence(self, generation: int) -> dict:
        """Refuse every step of an older generation from now on, once the running one
        (if any) is done; returns what this worker did: ``steps`` (the last two steps'
        tokens and figures), ``merged_from`` and ``committed``."""
        with self.lock:
            self.generation = max(self.generation, generation)
            return {"steps": dict(self.steps_done), "merged_from": dict(self.merged_from),
                    "committed": self.committed}

    def receive(self, sync: int, merged: list) -> None:
        """Hold merge ``sync``'s blocks until :meth:`commit` (a merge redone after a
        lost worker replaces them: no worker applies a merge before all have it)."""
        self.pending = (sync, merged)

    def commit(self, sync: int) -> None:
        """Apply merge ``sync`` if it is the one held (again: nothing)."""
        if self.pending is not None and self.pending[0] == sync:
            self.apply(self.pending[1])
            self.committed, self.pending = sync, None
        elif self.committed != sync:
            raise WorkerStateLost(f"worker {self.index} never received merge {sync}")

    def apply(self, merged: list) -> None:
        """Take merged blocks (as :func:`merge_packets` returns them) into the weights:
        each row becomes its last merged value plus the merged delta (the same on
        every worker, so all copies agree on the merged rows afterwards)."""
        mats = self._matrices()
        for block in merged:
            for name, (lo, hi, delta) in block.items():
                s = self.synced[name][lo:hi]
                s += delta
                mats[name][lo:hi] = s
