"""Training in synchronous rounds on P workers, independent of any cluster engine.

Every worker holds a full copy of the weights, initialised identically from
the seed (as :meth:`Model.create` does, nothing is sent), and its encoded
shard.  An epoch is ``R`` rounds; in a round each worker trains its next slice
of about ``sync_words`` raw words with :func:`~word2vec_fast.runner.run_schedule`
at the *global* place of the learning-rate decay (``words_offset`` = the raw
words all workers did before the round, ``total_words`` = epochs x all
tokens), with a seed of its own for the round.  Then the workers merge:

- after round ``r`` (counted over the whole run), the ``H_r = min(h0 * 2**tz(r + 1),
  hot_max)`` hottest rows (``tz``: trailing zero bits; capped at the matrix) of each
  matrix: the most frequent words' input and negative-sampling output rows,
  and for hierarchical softmax the inner nodes nearest the root (the last
  rows of ``syn1``), as pWord2Vec does;
- after an epoch's last round, every row.

The merge rule (:data:`MERGE_RULES`, default ``"scaled"``): a row's new value
is its last merged value plus the mean of the deltas of the workers that
*touched* it (changed it since that merge), the workers training at ``P``
times the learning rate; a row nobody touched keeps its value.  A row one
worker updated is not diluted by the others, and full weights are never summed
(SPARK-24666).

The merge is a reduce-scatter then all-gather by row blocks: the rows to
merge are cut into P blocks; each worker publishes each block (its deltas and
a 1-bit touched mask per row), block ``j``'s merge combines the P workers'
deltas (in worker order, in float64), and every worker adds every merged
block to its last merged values.  (Each row's merge is the same whatever the
blocks, so an engine may cut them otherwise: the Dask one lets two workers
exchange their whole deltas and merge all rows each, one step fewer.)  A merge
may be applied at the start of the next round's training (the in-process
:class:`LocalBackend` and the Dask engine's fused rounds do: one task per worker
and round): the numbers are those of merging right after the round.  The
simulator and the Dask backend call the same functions in the same order, so
they give the same numbers.

With one worker an epoch is one round (there is nothing to merge) seeded with
the run's seed, so the run is bit for bit ``train(threads=1)``.
"""
from __future__ import annotations

import logging
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .._kernels import merge_deltas
from ..corpus import Corpus
from ..model import Model
from ..runner import _progress_bar, run_schedule
from ..scan import MAX_TOKEN_BYTES
from ..schedule import new_schedule
from ..training import model_params
from .counting import encode_counted

logger = logging.getLogger("word2vec_fast")

#: Default raw words each worker trains between two merges: about 0.1 s of one engine
#: thread, pWord2Vec's sync interval (measured on wiki1e8: 2 and 4 workers within
#: 0.5 analogy points of one machine, and a round's fixed cost a seventh of it on
#: 2 workers; README, "Training on a cluster").
SYNC_WORDS = 200_000
#: Default ``h0`` of the hot-row schedule: rows merged after the first round.
HOT_ROWS = 1024
#: Default cap of the hot-row schedule's doubling (16 x :data:`HOT_ROWS`): a hot round
#: moves at most 2 matrices x 16,384 rows x dim x 4 bytes per worker each way (39 MB at
#: d = 300), whatever the vocabulary; the rows beyond it merge at epoch ends.
HOT_MAX = 16 * HOT_ROWS
#: The matrices, in the order of :class:`~word2vec_fast.runner.Weights`.
MATRICES = ("w_in", "w_out_ns", "w_out_hs")
#: The merge rules.  A row's new value is its last merged value plus a combination of
#: the deltas of the workers that *touched* it (changed it since that merge); a row
#: nobody touched keeps its value, and full weights are never summed (SPARK-24666).
#:
#: - ``"scaled"`` (default): the mean of the deltas, with every worker training at
#:   ``P`` times the learning rate (``alpha``, ``min_alpha`` and the floor of the decay
#:   scaled by the number of workers), pWord2Vec's recipe (averaging, and 0.1 where
#:   word2vec.c uses 0.025).  A shared row moves about as far as on one machine, and
#:   no further than one stable SGD step sequence of one worker.
#: - ``"mean"``: the mean of the deltas at the plain learning rate (Spark's rule since
#:   SPARK-24666): every worker's update of a row ``k`` workers touched counts ``1/k``,
#:   so shared rows learn ``P`` times slower; quality falls as workers grow.
#: - ``"sum"``: the sum of the deltas at the plain learning rate (synchronous SGD):
#:   right for rows far from saturation, but the hottest rows (frequent words,
#:   negative-sampling outputs) overshoot ``P``-fold and real text diverges from 4
#:   workers on.
#:
#: Measured with the simulator: README, "Training on a cluster".
MERGE_RULES = ("scaled", "mean", "sum")
#: The default merge rule.
MERGE = "scaled"


def alpha_scale(rule: str, workers: int) -> int:
    """The factor of the workers' learning rate under ``rule``: ``workers`` for
    ``"scaled"``, else 1."""
    return workers if check_merge(rule) == "scaled" else 1


def check_merge(rule) -> str:
    """``rule`` if it is one of :data:`MERGE_RULES`, else ``ValueError``."""
    if rule not in MERGE_RULES:
        raise ValueError(f"merge must be one of {MERGE_RULES}, not {rule!r}")
    return rule


def hot_count(r: int, h0: int, n: int, cap: int | None = None) -> int:
    """Rows merged after round ``r`` (0-based): ``min(h0 * 2**tz(r + 1), cap, n)``; 0 if
    ``h0`` is 0.  ``cap`` None: no cap but the matrix (the schedule before ``hot_max``)."""
    if h0 <= 0:
        return 0
    x = r + 1
    h = min(h0 << ((x & -x).bit_length() - 1), n)
    return h if cap is None else min(h, cap)


def round_seed(seed: int, worker: int, epoch: int, k: int) -> int:
    """The engine seed of ``worker``'s round ``k`` of ``epoch`` (a 64-bit mix of the four)."""
    s = np.random.SeedSequence([seed, worker, epoch, k]).generate_state(2, np.uint32)
    return int(s[0]) | (int(s[1]) << 32)


def slice_points(offsets: np.ndarray, n_tokens: int, rounds: int) -> list:
    """Token positions cutting a shard into ``rounds`` slices of near-equal length.

    Each cut moves to the nearest sentence boundary when one lies within a
    quarter of a slice; otherwise (very long sentences) it falls inside a sentence.
    """
    cuts = [0]
    slack = n_tokens / (4 * rounds)
    for k in range(1, rounds):
        t = n_tokens * k // rounds
        i = int(np.searchsorted(offsets, t))
        near = [int(offsets[j]) for j in (i - 1, i) if 0 <= j < len(offsets)]
        c = min(near, key=lambda x: abs(x - t))
        best = c if abs(c - t) <= slack else t
        cuts.append(max(best, cuts[-1]))
    cuts.append(n_tokens)
    return cuts


def corpus_slice(enc: Corpus, a: int, b: int) -> Corpus:
    """Tokens ``[a, b)`` of ``enc`` as a Corpus (views, no copy); a cut sentence is split."""
    if a == 0 and b == len(enc):
        return enc
    offsets = np.asarray(enc.offsets)
    lo = int(np.searchsorted(offsets, a, side="right"))
    hi = int(np.searchsorted(offsets, b, side="left"))
    off = np.concatenate([[0], offsets[lo:hi] - a, [b - a]]).astype(np.int64)
    return Corpus(enc.ids[a:b], off, enc.vocab, validate=False)


def matrix_rows(shapes: dict, h: int | None) -> dict:
    """``{matrix: (lo, hi)}``: the ``h`` hottest rows of each matrix, or all (``h`` None)."""
    out = {}
    for name, n in shapes.items():
        if h is None:
            out[name] = (0, n)
        elif name == "w_out_hs":
            out[name] = (n - min(h, n), n)  # nodes nearest the root come last
        else:
            out[name] = (0, min(h, n))
    return out


def split_rows(rows: dict, parts: int) -> list:
    """``rows`` cut into ``parts`` blocks (``[{matrix: (lo, hi)}, ...]``) of near-equal size."""
    blocks = [{} for _ in range(parts)]
    for name, (lo, hi) in rows.items():
        for j in range(parts):
            blocks[j][name] = (lo + (hi - lo) * j // parts, lo + (hi - lo) * (j + 1) // parts)
    return blocks


def rows_bytes(rows: dict, dim: int) -> tuple:
    """``(row_bytes, mask_bytes)`` one worker publishes for ``rows``: rows x dim x 4 per
    matrix, and one bit per row of touched mask."""
    n = [hi - lo for lo, hi in rows.values()]
    return sum(n) * dim * 4, sum((k + 7) // 8 for k in n)


def merge_packets(packets: list, rule: str = MERGE) -> dict:
    """Merge the workers' copies of one block of rows (see the module's merge rule).

    Parameters
    ----------
    packets : list of dict
        One per worker, in worker order, as :meth:`WorkerState.publish` makes them:
        each row's *delta* since the last merge and a touched bit.
    rule : {"scaled", "mean", "sum"}
        How the touching workers' deltas combine (see :data:`MERGE_RULES`; the
        merge of ``"scaled"`` is the mean).

    Returns
    -------
    dict
        ``{matrix: (lo, hi, delta float32)}``: the merged delta of each row (0 for
        rows nobody touched), which every worker adds to its last merged value.
    """
    rule = check_merge(rule)
    out = {}
    for name, (lo, hi, _, _) in packets[0].items():
        for p in packets:
            plo, phi = p[name][:2]
            if (plo, phi) != (lo, hi):
                raise ValueError(f"packets of different rows for {name}: {(plo, phi)} != "
                                 f"{(lo, hi)}")
        # one pass in C: per row, the touching workers' deltas summed in worker order in
        # float64, divided by their number (not for "sum"), rounded to float32
        out[name] = (lo, hi, merge_deltas([p[name][2] for p in packets],
                                          [p[name][3] for p in packets], rule != "sum"))
    return out


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


class LocalBackend:
    """P :class:`WorkerState` in this process: the simulator tests and benchmarks use.

    Parameters
    ----------
    states : list of WorkerState
    parallel : bool
        Train the workers' rounds on Python threads at once (the engine
        releases the GIL); otherwise one after the other.  Same numbers either way.
    shards : list, optional
        Each worker's shards (what :meth:`adopt` reads when a worker is lost).
    """

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
        if self.parallel and len(pairs) > 1:
            with ThreadPoolExecutor(len(pairs)) as ex:
                return list(ex.map(lambda p: fn(*p), pairs))
        return [fn(*p) for p in pairs]

    def plan(self, rounds: int) -> list:
        return [s.plan(rounds) for s in self.states]

    def shapes(self) -> dict:
        return self.states[0].shapes()

    def round(self, specs: dict, members: list, rows, rule: str, sync: int,
              ahead=None) -> tuple:
        """Merge the previous round's packets over the ``members`` still there, train
        ``specs`` (``{worker: spec}``) and, with ``rows``, publish them as merge ``sync``
        (merged at the start of the next round, or by :meth:`weights`): the Dask
        engine's fused rounds.  Returns ``({worker: record}, lost workers, seconds
        merging)``.  ``ahead`` (the next round's arguments, for an engine that
        submits it early) is not used here."""
        t0 = time.perf_counter()
        self._merge_pending([w for w in members if w not in self.dead])
        merging = time.perf_counter() - t0
        run = [w for w in specs if w not in self.dead]
        recs = dict(zip(run, self._each(WorkerState.train_round,
                                         [(self.states[w], specs[w]) for w in run])))
        self.dead |= self._dying
        self._dying = set()
        lost = [w for w in members if w in self.dead]
        if lost or not rows:
            return recs, lost, merging
        t0 = time.perf_counter()
        self._pending = (sync, rule, [self.states[w].step_packet(rows) for w in members])
        return recs, [], merging + time.perf_counter() - t0

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


def _aggregate(agg: dict, rec: dict) -> None:
    for key in ("raw_words", "effective_words", "loss", "pairs"):
        agg[key] += rec[key]
    if rec["alpha"] is not None:
        agg["alpha"] = rec["alpha"] if agg["alpha"] is None else min(agg["alpha"], rec["alpha"])


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


def run_rounds(backend, *, config: dict, sync_words: int, hot_rows: int,
               hot_max: int | None = HOT_MAX, merge: str = MERGE, start_epoch: int = 0,
               epoch_end=None, progress=False,
               hook=None) -> dict:
    """Train the epochs of ``config`` from ``start_epoch`` in synchronous rounds on
    ``backend``'s workers, surviving lost workers.

    Parameters
    ----------
    backend
        :class:`LocalBackend` or the Dask one: ``workers``, ``plan(rounds)``,
        ``shapes()``, ``round(specs, members, rows, rule, sync)``,
        ``adopt(worker, shard)``, ``weights(members, sync)``.
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
        The merge rule (:data:`MERGE_RULES`).
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

    Returns
    -------
    dict
        ``history`` (one record per epoch), ``stats`` (see :func:`train_local`),
        ``weights`` (the merged matrices) and ``interrupted``.

    A worker lost during a round (its task failed, or its process left the
    cluster) does not end the run: its shard goes to the surviving worker
    holding the fewest tokens, which encodes it from the corpus files and
    trains the lost slice of the round, and the merge is redone over the
    survivors.  What the lost worker trained since the last merge of each row
    is lost, and the log says so.  Ctrl-C lets the running round finish,
    merges every row and returns with ``interrupted`` True.
    """
    p_workers = backend.workers
    epochs, seed, dim = config["epochs"], config["seed"], config["dim"]
    sizes0 = backend.plan(1)
    totals = [sum(s) for s in sizes0]
    n_all = sum(totals)
    rounds = 1 if p_workers == 1 else max(1, max(-(-n // sync_words) for n in totals))
    sizes = backend.plan(rounds) if rounds > 1 else sizes0
    shapes = backend.shapes()
    total_words = epochs * n_all
    history: list = []
    members = list(range(p_workers))
    holds = {w: [w] for w in members}  # worker -> the shards (by origin) it trains
    held_tokens = {w: totals[w] for w in members}
    lost_log: list = []
    worker_words = [0] * p_workers
    worker_seconds = [0.0] * p_workers
    bytes_per_round: list = []
    row_bytes_per_round: list = []
    bytes_per_epoch: list = []
    sync_seconds = 0.0
    sync_id = -1
    committed_to = {}  # worker -> merge its next task commits
    interrupted = False
    r = start_epoch * rounds
    t_run = time.perf_counter()
    bar = _progress_bar(progress, total_words, "training")
    if bar is not None and start_epoch:
        bar.update(start_epoch * n_all)

    def seed_of(origin, e, k):
        return seed if p_workers == 1 else round_seed(seed, origin, e, k)

    def spec_for(w, e, k, done, scale, origins, commits=None):
        return {"epoch": e, "round": k, "words_offset": done, "total_words": total_words,
                "alpha_scale": scale, "parts": [(o, seed_of(o, e, k)) for o in origins],
                "commit": (committed_to if commits is None else commits).pop(w, None)}

    def plan_round(e, k, rr, done, commits=None):
        """Round ``k`` of epoch ``e`` (``rr``-th of the run) for the members now:
        ``(specs, rows to merge or None, merge or not)``."""
        scale = alpha_scale(merge, len(members))
        specs = {w: spec_for(w, e, k, done, scale, holds[w], commits) for w in members}
        h = None if k == rounds - 1 else hot_count(rr, hot_rows, max(shapes.values()),
                                                     hot_max)
        sync = p_workers > 1 and (k == rounds - 1 or bool(h))
        return specs, matrix_rows(shapes, h) if sync else None, sync

    def blocks_of(rows, sync):
        """The rows a round merges over the members now (none with one member)."""
        return rows if sync and len(members) > 1 else None

    runs_ahead = getattr(backend, "runs_ahead", False)

    def lose(lost, e, k, phase):
        """Take ``lost`` out; their shards go to survivors; returns ``{adopter: [origins]}``."""
        moved: dict = {}
        for w in lost:
            if w not in members:
                continue
            members.remove(w)
            if not members:
                raise RuntimeError(f"every worker was lost (the last, {w}, in epoch {e + 1}, "
                                   f"round {k + 1}): nothing is left to train on")
            for origin in holds.pop(w):
                while True:
                    to = min(members, key=lambda m: (held_tokens[m], m))
                    lengths, gone = backend.adopt(to, origin)
                    if not gone:
                        break
                    moved.update(lose(gone, e, k, "adopting a shard"))
                if lengths != sizes[origin]:
                    raise RuntimeError(f"worker {to} read shard {origin} as {sum(lengths)} "
                                       f"tokens, not the {totals[origin]} first counted: did "
                                       "the corpus change during the run?")
                holds[to].append(origin)
                held_tokens[to] += totals[origin]
                moved.setdefault(to, []).append(origin)
                entry = {"worker": w, "epoch": e + 1, "round": k + 1, "phase": phase,
                         "shard": origin, "adopted_by": to}
                lost_log.append(entry)
                logger.warning(
                    "worker %d lost in epoch %d, round %d (while %s): its shard %d (%d tokens) "
                    "goes to worker %d, which trains it from this round on; what worker %d "
                    "trained since each row's last merge is lost (the hottest rows were merged "
                    "this epoch, the others at its start)", w, e + 1, k + 1, phase, origin,
                    totals[origin], to, w)
        return moved

    with _Interrupt() as ctrl_c:
        e = start_epoch
        for e in range(start_epoch, epochs):
            t_epoch = time.perf_counter()
            done = e * n_all
            agg = {"raw_words": 0, "effective_words": 0, "loss": 0.0, "pairs": 0,
                   "alpha": None}
            epoch_bytes = 0
            complete = True
            for k in range(rounds):
                if hook is not None:
                    hook(e, k, backend)
                scale = alpha_scale(merge, len(members))
                last = k == rounds - 1
                specs, rows, sync = plan_round(e, k, r, done)
                step = sum(s[k] for s in sizes)
                ahead = None
                if runs_ahead and not last and not ctrl_c.requested:
                    # the next round as it will be if nobody is lost, for an engine that
                    # submits it before this one ends (its specs are then these)
                    merges = blocks_of(rows, sync) is not None
                    nspecs, nrows, nsync = plan_round(
                        e, k + 1, r + 1, done + step,
                        {w: sync_id + 1 for w in members} if merges else {})
                    nblocks = blocks_of(nrows, nsync)
                    ahead = (nspecs, list(members), nblocks, merge,
                             sync_id + 1 + merges if nblocks else None)
                submitted_ahead = ahead is not None
                while True:
                    blocks = blocks_of(rows, sync)
                    recs, lost, overhead = backend.round(specs, list(members), blocks, merge,
                                                         sync_id + 1 if blocks else None,
                                                         ahead=ahead)
                    ahead = None
                    sync_seconds += overhead
                    for w, rec in recs.items():
                        worker_words[w] += rec["raw_words"]
                        worker_seconds[w] += rec["seconds"]
                        if w not in lost:
                            _aggregate(agg, rec)
                    if not lost:
                        break
                    submitted_ahead = False  # an engine drops what it ran ahead
                    # the lost slices of this round are trained again by the adopters, and
                    # the merge is redone over the survivors
                    moved = lose(lost, e, k, "training or merging")
                    specs = {w: spec_for(w, e, k, done, scale, origins)
                             for w, origins in moved.items()}
                if blocks:
                    sync_id += 1
                    committed_to.update({w: sync_id for w in members})
                    rb, mb = rows_bytes(rows, dim)
                    row_bytes_per_round.append(rb)
                    bytes_per_round.append(len(members) * (rb + mb))
                    epoch_bytes += len(members) * (rb + mb)
                else:
                    row_bytes_per_round.append(0)
                    bytes_per_round.append(0)
                done += step
                if bar is not None:
                    bar.update(step)
                r += 1
                if ctrl_c.requested and not last and not submitted_ahead:
                    # merge every row over the survivors before stopping
                    rows_all = matrix_rows(shapes, None)
                    while len(members) > 1:
                        _, lost, overhead = backend.round({}, list(members), rows_all, merge,
                                                          sync_id + 1)
                        sync_seconds += overhead
                        if not lost:
                            sync_id += 1
                            committed_to.update({w: sync_id for w in members})
                            break
                        lose(lost, e, k, "merging after Ctrl-C")
                    complete = False
                    break
            bytes_per_epoch.append(epoch_bytes)
            secs = time.perf_counter() - t_epoch
            pairs = agg["pairs"]
            rec = {"kind": "epoch", "run": 0, "epoch": e + 1, "epochs": epochs,
                   "complete": complete, "loss": float(agg["loss"]), "pairs": int(pairs),
                   "loss_per_pair": float(agg["loss"] / pairs) if pairs else None,
                   "raw_words": int(agg["raw_words"]),
                   "effective_words": int(agg["effective_words"]), "seconds": secs,
                   "words_per_sec": agg["raw_words"] / secs if secs > 0 else None,
                   "alpha": agg["alpha"], "words_done": int(done),
                   "workers": len(members), "rounds": rounds}
            history.append(rec)
            logger.info("epoch %d/%d on %d workers%s: %d rounds, loss %s per pair, %d raw words "
                        "in %.2f s, %d bytes merged", e + 1, epochs, len(members),
                        "" if complete else " (stopped by Ctrl-C)", rounds,
                        "-" if rec["loss_per_pair"] is None else f"{rec['loss_per_pair']:.5f}",
                        rec["raw_words"], secs, epoch_bytes)
            if not complete:
                interrupted = True
                break

            def get_weights():
                return _fetch_weights(backend, members, sync_id, lose, e, rounds - 1)
            try:
                if epoch_end is not None and epoch_end(rec, history, get_weights) is False:
                    break
            except KeyboardInterrupt:  # in a callback: the epoch is whole and merged
                interrupted = True
                break
            if ctrl_c.requested:
                interrupted = True
                break
    if bar is not None:
        bar.close()
    weights = _fetch_weights(backend, members, sync_id, lose, e, rounds - 1)
    wall = time.perf_counter() - t_run
    stats = {
        "workers": p_workers,
        "workers_left": len(members),
        "lost_workers": lost_log,
        "rounds_per_epoch": rounds,
        "sync_words": sync_words,
        "hot_rows": hot_rows,
        "hot_max": hot_max,
        "merge": merge,
        "alpha_scale": alpha_scale(merge, p_workers),
        "words": int(sum(worker_words)),
        "worker_words": worker_words,
        "worker_train_seconds": worker_seconds,
        "worker_words_per_sec": [w / s if s > 0 else None
                                 for w, s in zip(worker_words, worker_seconds)],
        "bytes_per_round": bytes_per_round,
        "row_bytes_per_round": row_bytes_per_round,
        "bytes_per_epoch": bytes_per_epoch,
        "sync_seconds": sync_seconds,
        "wall_seconds": wall,
        "shard_tokens": totals,
        "n_tokens": n_all,
        "interrupted": interrupted,
    }
    return {"history": history, "stats": stats, "weights": weights, "interrupted": interrupted,
            "epochs_done": sum(1 for h in history if h["complete"]) + start_epoch}


def _fetch_weights(backend, members, sync, lose, e, k) -> dict:
    """The merged matrices from a surviving worker (committing merge ``sync`` first)."""
    while True:
        weights, lost = backend.weights(list(members), sync)
        if not lost:
            return weights
        lose(lost, e, k, "sending the weights")
