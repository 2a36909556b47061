"""Training in synchronous rounds on P workers, independent of any cluster engine.

Every worker holds a full copy of the weights, initialised identically from
the seed (as :meth:`Model.create` does, nothing is sent), and its encoded
shard.  An epoch is ``R`` rounds; in a round each worker trains its next slice
of about ``sync_words`` raw words with :func:`~word2vec_fast.runner.run_schedule`
at the *global* place of the learning-rate decay (``words_offset`` = the raw
words all workers did before the round, ``total_words`` = epochs x all
tokens), with a seed of its own for the round.  Then the workers merge:

- after round ``r`` (counted over the whole run), the ``H_r = h0 * 2**tz(r + 1)``
  hottest rows (``tz``: trailing zero bits; capped at the matrix) of each
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
block to its last merged values.  The in-process :class:`LocalBackend` and the Dask backend call the
same functions in the same order, so they give the same numbers.

With one worker an epoch is one round (there is nothing to merge) seeded with
the run's seed, so the run is bit for bit ``train(threads=1)``.
"""
from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..corpus import Corpus
from ..model import Model
from ..runner import run_schedule
from ..schedule import new_schedule
from ..train import model_params

logger = logging.getLogger("word2vec_fast")

#: Default raw words each worker trains between two merges.
SYNC_WORDS = 100_000
#: Default ``h0`` of the hot-row schedule: rows merged after the first round.
HOT_ROWS = 1024
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


def hot_count(r: int, h0: int, n: int) -> int:
    """Rows merged after round ``r`` (0-based): ``min(h0 * 2**tz(r + 1), n)``; 0 if ``h0`` is 0."""
    if h0 <= 0:
        return 0
    x = r + 1
    return min(h0 << ((x & -x).bit_length() - 1), n)


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
        n = hi - lo
        acc = None
        touched = np.zeros(n, dtype=np.int64)
        for p in packets:
            plo, phi, values, bits = p[name]
            if (plo, phi) != (lo, hi):
                raise ValueError(f"packets of different rows for {name}: {(plo, phi)} != "
                                 f"{(lo, hi)}")
            mask = np.unpackbits(bits, count=n).astype(bool)
            if acc is None:
                acc = np.zeros(values.shape, dtype=np.float64)
            acc[mask] += values[mask]
            touched += mask
        if rule != "sum":
            t = touched > 0
            acc[t] /= touched[t, None]
        out[name] = (lo, hi, acc.astype(np.float32))
    return out


class WorkerState:
    """One worker: its shard, its copy of the model and the values last merged.

    Parameters
    ----------
    index : int
        The worker's place (0-based; shards are in corpus order).
    enc : Corpus
        The worker's shard, encoded with the shared vocabulary.
    config : dict
        Checked training parameters (see :func:`word2vec_fast.train.check_train_params`).
    threads : int
        Engine threads on this worker.
    """

    def __init__(self, index: int, enc: Corpus, config: dict, threads: int):
        self.index = index
        self.enc = enc
        self.config = dict(config)
        self.threads = threads
        self.model = Model.create(enc.vocab, **model_params(config))
        self.synced = {k: w.copy() for k, w in self._matrices().items()}
        self.cuts = [0, len(enc)]

    def _matrices(self) -> dict:
        w = self.model.weights
        return {k: getattr(w, k) for k in MATRICES if getattr(w, k) is not None}

    def shapes(self) -> dict:
        """``{matrix: rows}`` of the matrices trained."""
        return {k: w.shape[0] for k, w in self._matrices().items()}

    def plan(self, rounds: int) -> list:
        """Cut the shard into ``rounds`` slices; returns their lengths in tokens."""
        self.cuts = slice_points(np.asarray(self.enc.offsets), len(self.enc), rounds)
        return [b - a for a, b in zip(self.cuts[:-1], self.cuts[1:])]

    def train_round(self, spec: dict) -> dict:
        """Train slice ``spec["round"]`` of epoch ``spec["epoch"]``.

        ``spec`` holds ``epoch``, ``round``, ``words_offset`` (global raw words
        done before the round), ``total_words``, ``seed`` and ``alpha_scale`` (the
        factor of the learning rate, see :data:`MERGE_RULES`).  Returns the
        round's figures: ``raw_words``, ``effective_words``, ``loss``,
        ``pairs``, ``seconds``, ``alpha``.
        """
        k, e = spec["round"], spec["epoch"]
        sub = corpus_slice(self.enc, self.cuts[k], self.cuts[k + 1])
        rec = {"worker": self.index, "raw_words": 0, "effective_words": 0, "loss": 0.0,
               "pairs": 0, "seconds": 0.0, "alpha": None}
        if len(sub) == 0:
            return rec
        c = self.config
        f = spec.get("alpha_scale", 1)
        a0, a1, a2 = ((c["alpha"], c["alpha_end"], c["alpha_floor"]) if f == 1 else
                      (c["alpha"] * f, c["alpha_end"] * f, c["alpha_floor"] * f))
        sch = new_schedule(n_tokens=len(sub), fingerprint=0, fingerprint_version=0,
                           epochs=e + 1, alpha=a0, alpha_end=a1, alpha_floor=a2,
                           seed=spec["seed"])
        sch.update(epochs_done=e, words_offset=spec["words_offset"] - e * len(sub),
                   total_words=spec["total_words"])
        history: list = []
        run_schedule(sub, self.model.weights, self.model.tables, self.model.params, sch,
                     threads=self.threads, history=history, progress=False)
        h = history[-1]
        rec.update(raw_words=h["raw_words"], effective_words=h["effective_words"],
                   loss=h["loss"], pairs=h["pairs"], seconds=h["seconds"], alpha=h["alpha"])
        return rec

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
    """

    def __init__(self, states: list, parallel: bool = False):
        self.states = states
        self.parallel = parallel

    @property
    def workers(self) -> int:
        return len(self.states)

    def _each(self, fn, args):
        if self.parallel and len(self.states) > 1:
            with ThreadPoolExecutor(len(self.states)) as ex:
                return list(ex.map(fn, self.states, args))
        return [fn(s, a) for s, a in zip(self.states, args)]

    def plan(self, rounds: int) -> list:
        return [s.plan(rounds) for s in self.states]

    def shapes(self) -> dict:
        return self.states[0].shapes()

    def train_round(self, specs: list) -> list:
        return self._each(WorkerState.train_round, specs)

    def sync(self, blocks: list, rule: str) -> None:
        merged = [merge_packets([s.publish(b) for s in self.states], rule) for b in blocks]
        for s in self.states:
            s.apply(merged)

    def weights(self) -> dict:
        return self.states[0]._matrices()


def run_rounds(backend, *, config: dict, sync_words: int, hot_rows: int,
               merge: str = MERGE) -> tuple:
    """Train every epoch of ``config`` in synchronous rounds on ``backend``'s workers.

    Parameters
    ----------
    backend
        :class:`LocalBackend` or the Dask one: ``workers``, ``plan(rounds)``,
        ``shapes()``, ``train_round(specs)``, ``sync(blocks, rule)``.
    config : dict
        Checked training parameters.
    sync_words : int
        Raw words a worker trains between merges (the largest shard sets the
        rounds per epoch; each shard is cut into that many slices, so all
        workers end an epoch together).  One worker: one round per epoch.
    hot_rows : int
        ``h0`` of the hot-row schedule; 0 merges only at epoch ends.
    merge : {"scaled", "mean", "sum"}
        The merge rule (:data:`MERGE_RULES`).

    Returns
    -------
    (history, stats)
        One record per epoch, and the run's figures (see :func:`train_local`).
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
    worker_words = [0] * p_workers
    worker_seconds = [0.0] * p_workers
    bytes_per_round: list = []
    row_bytes_per_round: list = []
    bytes_per_epoch: list = []
    sync_seconds = 0.0
    scale = alpha_scale(merge, p_workers)
    r = 0
    t_run = time.perf_counter()
    for e in range(epochs):
        t_epoch = time.perf_counter()
        done = e * n_all
        agg = {"raw_words": 0, "effective_words": 0, "loss": 0.0, "pairs": 0, "alpha": None}
        epoch_bytes = 0
        for k in range(rounds):
            specs = [{"epoch": e, "round": k, "words_offset": done, "total_words": total_words,
                      "seed": seed if p_workers == 1 else round_seed(seed, w, e, k),
                      "alpha_scale": scale}
                     for w in range(p_workers)]
            recs = backend.train_round(specs)
            for w, rec in enumerate(recs):
                worker_words[w] += rec["raw_words"]
                worker_seconds[w] += rec["seconds"]
                for key in ("raw_words", "effective_words", "loss", "pairs"):
                    agg[key] += rec[key]
                if rec["alpha"] is not None:
                    agg["alpha"] = rec["alpha"] if agg["alpha"] is None else \
                        min(agg["alpha"], rec["alpha"])
            done += sum(s[k] for s in sizes)
            last = k == rounds - 1
            h = None if last else hot_count(r, hot_rows, max(shapes.values()))
            if p_workers > 1 and (last or h):
                rows = matrix_rows(shapes, h)
                t0 = time.perf_counter()
                backend.sync(split_rows(rows, p_workers), merge)
                sync_seconds += time.perf_counter() - t0
                rb, mb = rows_bytes(rows, dim)
                row_bytes_per_round.append(rb)
                bytes_per_round.append(p_workers * (rb + mb))
                epoch_bytes += p_workers * (rb + mb)
            else:
                row_bytes_per_round.append(0)
                bytes_per_round.append(0)
            r += 1
        bytes_per_epoch.append(epoch_bytes)
        secs = time.perf_counter() - t_epoch
        pairs = agg["pairs"]
        rec = {"kind": "epoch", "run": 0, "epoch": e + 1, "epochs": epochs, "complete": True,
               "loss": float(agg["loss"]), "pairs": int(pairs),
               "loss_per_pair": float(agg["loss"] / pairs) if pairs else None,
               "raw_words": int(agg["raw_words"]),
               "effective_words": int(agg["effective_words"]), "seconds": secs,
               "words_per_sec": agg["raw_words"] / secs if secs > 0 else None,
               "alpha": agg["alpha"], "words_done": int((e + 1) * n_all),
               "workers": p_workers, "rounds": rounds}
        history.append(rec)
        logger.info("epoch %d/%d on %d workers: %d rounds, loss %s per pair, %d raw words in "
                    "%.2f s, %d bytes merged", e + 1, epochs, p_workers, rounds,
                    "-" if rec["loss_per_pair"] is None else f"{rec['loss_per_pair']:.5f}",
                    rec["raw_words"], secs, epoch_bytes)
    wall = time.perf_counter() - t_run
    stats = {
        "workers": p_workers,
        "rounds_per_epoch": rounds,
        "sync_words": sync_words,
        "hot_rows": hot_rows,
        "merge": merge,
        "alpha_scale": scale,
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
    }
    return history, stats
