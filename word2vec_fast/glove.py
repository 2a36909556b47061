"""GloVe (Pennington, Socher and Manning, 2014): :func:`train` from a corpus or from
counts, :func:`count` co-occurrences, and the :class:`GloveModel` it returns.

>>> import word2vec_fast.glove as glove
>>> model = glove.train("corpus.txt", dim=100, window=15, x_max=100)  # doctest: +SKIP
>>> model.wv.most_similar("king")                                      # doctest: +SKIP
>>> model.wv.save("vectors.txt", binary=False, header=False)  # Stanford's text format

The whole of Stanford's pipeline (``vocab_count``, ``cooccur``, ``shuffle``,
``glove``) runs in one process: counting is in :mod:`word2vec_fast.glove_counts`;
the records are then weighted once (f(x) and log x per record), shuffled in
memory (or, past the memory budget, in buckets of a temporary file) and trained
with Hogwild AdaGrad on all threads, each thread taking a contiguous slice of
the shuffled records every epoch, as Stanford's ``glove`` does.

The update is Stanford's (``csrc/w2v_glove.h`` writes it out).  Where it
differs from the paper: the squared-gradient sums start at 1, gradients are
clipped to +-``grad_clip`` before the learning rate, and the biases are updated
with neither ``eta`` nor clipping (Stanford's code since 2020; the paper
treats them like the vectors).  Where this package differs from Stanford's
code: float32 weights (Stanford: double) with a double-precision residual, one
stored triangle of a symmetric matrix while counting (training expands it into
both directions, shuffled independently as Stanford's file is), and no ``<unk>``
vector in the output (it is the mean of the rarest words' vectors; make it
from ``model.wv`` if you want it).
"""
from __future__ import annotations

import json
import logging
import math
import os
import tempfile
import threading
import time

import numpy as np

from . import _glove, checkpoint
from ._atomic import atomic_open, write_all
from ._threads import run_threads
from .callbacks import CheckpointCallback, EvaluateCallback
from .errors import StopTraining, TrainingDiverged, TrainingInterrupted
from .glove_counts import (CHUNK, DEFAULT_MEMORY, Cooccurrence, _run_watched,
                           check_memory, chunk_for, count)
from .params import check_float, check_int, check_threads
from .runner import _call, _progress_bar, check_callbacks
from .scan import MAX_TOKEN_BYTES
from .vectors import Vectors
from .vocab import Vocab

logger = logging.getLogger("word2vec_fast")

__all__ = ["train", "count", "GloveModel", "Cooccurrence", "load_model", "CheckpointCallback",
           "EvaluateCallback", "StopTraining"]

#: Records per call into the update (a look at Ctrl-C and the progress bar between).
TRAIN_STEP = 1 << 15
FORMAT = "word2vec_fast-glove"
VERSION = 1
OUTPUTS = ("sum", "word", "context")


def check_glove_params(*, dim, epochs, x_max, alpha, eta, grad_clip, seed, output) -> dict:
    """The training parameters of :func:`train` checked (named in every error)."""
    p = dict(dim=check_int("dim", dim, 1), epochs=check_int("epochs", epochs, 1),
             x_max=check_float("x_max", x_max, 0.0, strict=True),
             alpha=check_float("alpha", alpha, 0.0),
             eta=check_float("eta", eta, 0.0, strict=True),
             grad_clip=check_float("grad_clip", grad_clip, 0.0, strict=True),
             seed=check_int("seed", seed, 0))
    if p["dim"] > 100_000:
        raise ValueError(f"dim={dim} is implausibly large (max 100000)")
    if output not in OUTPUTS:
        raise ValueError(f"output must be one of {OUTPUTS}, got {output!r}")
    p["output"] = output
    return p


def weights_of(values, x_max: float, alpha: float):
    """GloVe's f(x) = min(1, (x / x_max)^alpha) and log x of co-occurrence values, as
    float32 (computed in double, once per record)."""
    x = np.asarray(values, dtype=np.float64)
    f = np.minimum(1.0, (x / x_max) ** alpha) if alpha else np.ones_like(x)
    return f.astype(np.float32), np.log(x).astype(np.float32)


def _fill(out, rows, cols, values, x_max, alpha, both) -> int:
    """Records into ``out`` from counts (in C: :func:`weights_of`'s values, computed as
    exp(alpha (log x - log x_max))); with ``both``, (a, b) and (b, a) for each pair off
    the diagonal.  Returns how many."""
    return _glove.fill(out, np.ascontiguousarray(rows, np.int32),
                       np.ascontiguousarray(cols, np.int32),
                       np.ascontiguousarray(values, np.float64), x_max, alpha, both)


class _Records:
    """The weighted, shuffled training records, one per update of an epoch (both
    directions of a symmetric pair, as in Stanford's file): an array, or past
    ``budget`` bytes a temporary file (shuffled in buckets that fit the budget)
    read in chunks."""

    def __init__(self, counts: Cooccurrence, x_max, alpha, seed, budget, spill_dir,
                 threads=1):
        both = counts.symmetric
        starts = _fill_starts(counts, CHUNK, both)
        self.n = int(starts[-1])  # both directions of each pair off the diagonal
        self.array = self.file = None
        self.step = TRAIN_STEP  # records per call into the update (and per read of a file)
        key = int(_glove_seed(seed))
        if 16 * self.n <= budget:
            recs = np.empty(self.n, _glove.RECORD)

            def fill(_, k):
                a = k * CHUNK
                got = _fill(recs[starts[k]:], counts.rows[a:a + CHUNK], counts.cols[a:a + CHUNK],
                            counts.values[a:a + CHUNK], x_max, alpha, both)
                assert got == starts[k + 1] - starts[k]
                counts.release(a, a + CHUNK)

            run_threads(threads, fill, range(len(starts) - 1), name="word2vec_fast-records")
            _glove.shuffle(recs, key)
            self.array = recs
            return
        self._spill(counts, x_max, alpha, key, budget, spill_dir, both)

    def _spill(self, counts, x_max, alpha, key, budget, spill_dir, both):
        n, step = self.n, chunk_for(budget)
        buckets = max(2, math.ceil(16 * n / max(budget // 2, 1 << 16)))
        d = spill_dir if spill_dir is not None else tempfile.gettempdir()
        try:
            f = tempfile.TemporaryFile(prefix="w2v-glove-records-", dir=d)
        except OSError as e:
            raise OSError(e.errno, f"cannot write the training records' spill file in {d!r} "
                                   f"(spill_dir): {e.strerror}") from None
        logger.info("%d training records pass the memory budget: shuffling them in %d "
                    "buckets of a temporary file in %s", n, buckets, d)
        starts = _fill_starts(counts, step, both)

        def draws():  # each chunk's records, each with its bucket drawn in one stream
            rng = np.random.default_rng(key)
            for k in range(len(starts) - 1):
                yield k, rng.integers(0, buckets, size=int(starts[k + 1] - starts[k]))

        sizes = np.zeros(buckets, np.int64)
        for _, b in draws():
            sizes += np.bincount(b, minlength=buckets)
        # the bucket of every record, drawn again in the same order: a second pass
        # writes each record at its bucket's next place
        first = np.concatenate([[0], np.cumsum(sizes)])
        at = first[:-1].copy()
        chunk = np.empty(2 * step if both else step, _glove.RECORD)
        for k, b in draws():
            a = k * step
            m = _fill(chunk, counts.rows[a:a + step], counts.cols[a:a + step],
                      counts.values[a:a + step], x_max, alpha, both)
            counts.release(a, a + step)
            order = np.argsort(b, kind="stable")
            part, b = chunk[:m][order], b[order]
            edges = np.searchsorted(b, np.arange(buckets + 1))
            for j in range(buckets):
                lo, hi = edges[j], edges[j + 1]
                if hi > lo:
                    f.seek(16 * int(at[j]))
                    write_all(f, part[lo:hi])
                    at[j] += hi - lo
        for j in range(buckets):
            m = int(sizes[j])
            if m < 2:
                continue
            part = np.empty(m, _glove.RECORD)
            f.seek(16 * int(first[j]))
            f.readinto(memoryview(part).cast("B"))
            _glove.shuffle(part, key + j + 1)
            f.seek(16 * int(first[j]))
            write_all(f, part)
        f.flush()
        self.file = f
        self.lock = threading.Lock()
        self.step = min(TRAIN_STEP, step)  # each thread reads into a buffer of this many
        self._local = threading.local()

    def blocks(self, lo: int, hi: int, step: int, stop):
        """The records [lo, hi) in blocks of at most ``step`` (a thread's share)."""
        for a in range(lo, hi, step):
            if stop.is_set():
                return
            b = min(a + step, hi)
            if self.array is not None:
                yield self.array[a:b]
                continue
            buf = getattr(self._local, "buf", None)
            if buf is None:
                buf = self._local.buf = np.empty(self.step, _glove.RECORD)
            view = buf[:b - a]
            with self.lock:  # one file, read by every thread
                self.file.seek(16 * a)
                got = self.file.readinto(memoryview(view).cast("B"))
            if got != 16 * view.shape[0]:
                raise OSError(f"the training records' spill file ended early, at record {a}")
            yield view


def _fill_starts(counts: Cooccurrence, step: int, both: bool):
    """Where the records of each ``step`` counts start (and the total, last)."""
    sizes = []
    for a in range(0, len(counts), step):
        m = min(step, len(counts) - a)
        if both:
            m += m - int(np.count_nonzero(counts.rows[a:a + step] == counts.cols[a:a + step]))
            counts.release(a, a + step)
        sizes.append(m)
    return np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)])


def _glove_seed(seed: int) -> int:
    return (int(seed) * 0x9E3779B97F4A7C15 + 0x5851F42D4C957F2D) & 0xFFFFFFFFFFFFFFFF


class GloveModel:
    """Trained GloVe weights: word vectors W, context vectors C, their biases and the
    AdaGrad state, with the vocabulary, parameters, schedule and history.

    Attributes
    ----------
    vocab : Vocab
    word_vectors, context_vectors : ndarray, float32, V x dim
    word_biases, context_biases : ndarray, float32, V
    params : dict
        ``dim, epochs, x_max, alpha, eta, grad_clip, seed, output`` and the
        counting settings.
    schedule : dict
        ``epochs``, ``epochs_done``, and what identifies the counts trained on.
    history : list of dict
        One record per epoch: ``cost`` (Stanford's: the mean of 0.5 f(x) diff^2
        over the epoch's updates), ``loss`` (its sum), ``updates``, ``skipped``,
        ``seconds``, ``records_per_sec``, ``complete``.
    """

    def __init__(self, vocab: Vocab, arrays: dict, params: dict, schedule: dict,
                 history: list | None = None):
        self.vocab = vocab
        self.word_vectors, self.context_vectors = arrays["w"], arrays["c"]
        self.word_biases, self.context_biases = arrays["bw"], arrays["bc"]
        self._grad = (arrays["gw"], arrays["gc"], arrays["gbw"], arrays["gbc"])
        self.params, self.schedule = params, schedule
        self.history = history if history is not None else []

    @classmethod
    def create(cls, vocab: Vocab, params: dict, schedule: dict) -> GloveModel:
        """Weights drawn as Stanford's: uniform in [-0.5, 0.5) / dim (biases too);
        squared-gradient sums 1."""
        v, dim = len(vocab), params["dim"]
        rng = np.random.default_rng(params["seed"])

        def uniform(*shape):
            a = rng.random(shape, dtype=np.float32)
            a -= np.float32(0.5)
            a /= np.float32(dim)
            return a

        arrays = {"w": uniform(v, dim), "c": uniform(v, dim), "bw": uniform(v),
                  "bc": uniform(v), "gw": np.ones((v, dim), np.float32),
                  "gc": np.ones((v, dim), np.float32), "gbw": np.ones(v, np.float32),
                  "gbc": np.ones(v, np.float32)}
        return cls(vocab, arrays, params, schedule)

    def __repr__(self) -> str:
        return (f"<GloveModel {len(self.vocab)} words, dim {self.params['dim']}, "
                f"{self.schedule['epochs_done']}/{self.schedule['epochs']} epochs>")

    @property
    def wv(self) -> Vectors:
        """The vectors asked for with ``output``: W + C (``"sum"``, the default, Stanford's
        ``-model 2``), W (``"word"``, ``-model 1`` without biases) or C
        (``"context"``).  A new :class:`~word2vec_fast.vectors.Vectors` each time
        (training changes the weights)."""
        out = self.params.get("output", "sum")
        if out == "word":
            m = self.word_vectors.copy()
        elif out == "context":
            m = self.context_vectors.copy()
        else:
            m = self.word_vectors + self.context_vectors
        return Vectors(self.vocab.words, m, counts=self.vocab.counts)

    def save(self, path, binary: bool = True, header: bool = True) -> None:
        """Write :attr:`wv` (see :meth:`Vectors.save`; ``binary=False, header=False``
        is Stanford's text format)."""
        self.wv.save(path, binary=binary, header=header)

    # -- checkpoints -------------------------------------------------------------
    def save_model(self, path) -> None:
        """Everything needed to go on training (weights, AdaGrad state, vocabulary,
        parameters, schedule, history) in one ``.npz``, atomically."""
        words = [w.encode("utf-8", "surrogateescape") for w in self.vocab.words]
        head = {"format": FORMAT, "version": VERSION, "params": self.params,
                "schedule": self.schedule, "history": self.history}
        arrays = {"header": np.frombuffer(json.dumps(head).encode("utf-8"), np.uint8),
                  "words": np.frombuffer(b"".join(words), np.uint8),
                  "word_ends": np.cumsum([len(w) for w in words], dtype=np.int64),
                  "counts": np.asarray(self.vocab.counts, np.int64),
                  "w": self.word_vectors, "c": self.context_vectors, "bw": self.word_biases,
                  "bc": self.context_biases, "gw": self._grad[0], "gc": self._grad[1],
                  "gbw": self._grad[2], "gbc": self._grad[3]}
        with atomic_open(os.fspath(path)) as f:
            np.savez(f, **arrays)

    @classmethod
    def load(cls, path) -> GloveModel:
        """Read :meth:`save_model`'s file; ``ValueError`` naming the file if it is not one."""
        p = os.fspath(path)
        checkpoint.check_npz(p)
        try:
            with np.load(p, allow_pickle=False) as z:
                arr = {k: z[k] for k in z.files}
            head = json.loads(arr["header"].tobytes().decode("utf-8"))
            if head.get("format") != FORMAT or head.get("version") != VERSION:
                raise ValueError("not a word2vec_fast GloVe model")
            raw, ends = arr["words"].tobytes(), arr["word_ends"]
            starts = np.concatenate([[0], ends[:-1]]) if len(ends) else ends
            words = [raw[a:b].decode("utf-8", "surrogateescape") for a, b in zip(starts, ends)]
            vocab = Vocab(words, arr["counts"])
            v, dim = len(vocab), int(head["params"]["dim"])
            for k in ("w", "c", "gw", "gc"):
                if arr[k].shape != (v, dim) or arr[k].dtype != np.float32:
                    raise ValueError(f"{k} has shape {arr[k].shape} {arr[k].dtype}")
            for k in ("bw", "bc", "gbw", "gbc"):
                if arr[k].shape != (v,) or arr[k].dtype != np.float32:
                    raise ValueError(f"{k} has shape {arr[k].shape} {arr[k].dtype}")
            arrays = {k: np.ascontiguousarray(arr[k]) for k in
                      ("w", "c", "bw", "bc", "gw", "gc", "gbw", "gbc")}
            return cls(vocab, arrays, head["params"], head["schedule"], head.get("history"))
        except (KeyError, TypeError, UnicodeDecodeError, ValueError) as e:
            if str(e).startswith(p):
                raise
            raise checkpoint.bad_file(p, e) from None

    def resume(self, counts, *, threads=None, progress=None, callbacks=None,
               memory=DEFAULT_MEMORY, spill_dir=None) -> GloveModel:
        """Finish the schedule on the same counts (a :class:`Cooccurrence` or its
        file).  With ``threads=1`` and a checkpoint taken at an epoch end the result
        is bit for bit that of the uninterrupted run."""
        if isinstance(counts, (str, os.PathLike)):
            counts = Cooccurrence.load(counts)
        if not isinstance(counts, Cooccurrence):
            raise TypeError("resume needs the Cooccurrence the model was trained on")
        if _fingerprint(counts) != self.schedule.get("counts"):
            raise ValueError("resume: these are not the counts the run started on")
        threads = check_threads(threads)
        if self.schedule["epochs_done"] < self.schedule["epochs"]:
            recs = _prepare(self, counts, threads, check_memory(memory), spill_dir)
            _run(self, recs, threads=threads, progress=progress, callbacks=callbacks)
        return self


def load_model(path) -> GloveModel:
    """A :class:`GloveModel` saved with :meth:`GloveModel.save_model` (or a
    :class:`~word2vec_fast.callbacks.CheckpointCallback`)."""
    return GloveModel.load(path)


def _fingerprint(counts: Cooccurrence) -> dict:
    s = 0.0
    for a in range(0, len(counts), CHUNK):
        s += float(np.sum(counts.values[a:a + CHUNK]))
        counts.release(a, a + CHUNK)
    return {"records": len(counts), "words": len(counts.vocab), "symmetric": counts.symmetric,
            "sum": s}


def train(corpus, *, dim: int = 100, window: int = 15, min_count: int = 5, epochs: int = 25,
          x_max: float = 100.0, alpha: float = 0.75, eta: float = 0.05,
          symmetric: bool = True, distance_weighting: bool = True, threads=None,
          seed: int = 1, memory=DEFAULT_MEMORY, output: str = "sum", grad_clip: float = 100.0,
          vocab=None, max_vocab=None, max_vocab_size=None, max_token_bytes=MAX_TOKEN_BYTES,
          spill_dir=None, progress=None, callbacks=None) -> GloveModel:
    """Train GloVe vectors, from a corpus or from counts.

    Parameters
    ----------
    corpus : path, list of pathlib.Path, "-", iterable of token lists, Corpus, or Cooccurrence
        Text (as for :func:`word2vec_fast.train`), counted with :func:`count`; or
        counts from :func:`count` / :meth:`Cooccurrence.load` /
        :meth:`Cooccurrence.load_stanford` (``window``, ``min_count``,
        ``symmetric``, ``distance_weighting`` and the vocabulary options are then
        those of the counts).
    dim : int
        Vector size (Stanford's ``-vector-size``).
    window, min_count, symmetric, distance_weighting, max_vocab
        Counting, see :func:`count` (Stanford's ``-window-size``, ``-min-count``,
        ``-symmetric``, ``-distance-weighting``, ``-max-vocab``).
    epochs : int
        Passes over the records (``-iter``, default 25).
    x_max : float
        Counts above it weigh 1 (``-x-max``, default 100, the paper's; Stanford's
        demo uses 10).
    alpha : float
        Exponent of the weighting f(x) = min(1, (x / x_max)^alpha) (``-alpha``, 0.75).
        Not a learning rate: that is ``eta``.
    eta : float
        AdaGrad's initial learning rate (``-eta``, 0.05).
    threads : int, optional
        Default: all cores.  One thread with a fixed ``seed`` is bit-for-bit repeatable.
    seed : int
        Seeds the initial weights and the shuffle.
    memory : float
        GiB for counting and the training records (``-memory``, default 4.0).
    output : {"sum", "word", "context"}
        What :attr:`GloveModel.wv` holds: W + C (Stanford's ``-model 2``), W or C.
    grad_clip : float
        Gradient components are clipped to +-this (Stanford's ``-grad-clip``, 100).
    vocab, max_vocab_size, max_token_bytes, spill_dir
        As for :func:`count`.
    progress : bool, optional
        Progress bars (default: when stderr is a terminal).
    callbacks : callable or list of callables
        ``cb(model, record)`` after every epoch, as for :func:`word2vec_fast.train`
        (:class:`~word2vec_fast.callbacks.EvaluateCallback`,
        :class:`~word2vec_fast.callbacks.CheckpointCallback` work; returning
        False or raising :class:`StopTraining` ends training).

    Returns
    -------
    GloveModel

    Raises
    ------
    ValueError, TypeError
        A bad parameter (named).
    TrainingDiverged
        An update met a non-finite value (``eta`` too large, or absurd counts).
    TrainingInterrupted
        Ctrl-C; ``.model`` holds the weights so far, consistent between updates.
    """
    p = check_glove_params(dim=dim, epochs=epochs, x_max=x_max, alpha=alpha, eta=eta,
                           grad_clip=grad_clip, seed=seed, output=output)
    threads = check_threads(threads)
    budget = check_memory(memory)
    if isinstance(corpus, Cooccurrence):
        counts = corpus
    else:
        counts = count(corpus, window=window, min_count=min_count, symmetric=symmetric,
                       distance_weighting=distance_weighting, threads=threads, memory=memory,
                       vocab=vocab, max_vocab=max_vocab, max_vocab_size=max_vocab_size,
                       max_token_bytes=max_token_bytes, spill_dir=spill_dir, progress=progress)
    if len(counts) == 0:
        raise ValueError("no co-occurrences to train on (a corpus of single-word lines?)")
    p.update(window=counts.window, symmetric=counts.symmetric,
             distance_weighting=counts.distance_weighting)
    schedule = {"epochs": p["epochs"], "epochs_done": 0, "counts": _fingerprint(counts)}
    model = GloveModel.create(counts.vocab, p, schedule)
    recs = _prepare(model, counts, threads, budget, spill_dir)
    counts = None  # counted here: the records replace them (a caller's stay theirs)
    _run(model, recs, threads=threads, progress=progress, callbacks=callbacks)
    return model


def _prepare(model: GloveModel, counts: Cooccurrence, threads, budget, spill_dir) -> _Records:
    """The shuffled training records of ``counts`` for ``model``."""
    p = model.params
    if counts.vocab.words != model.vocab.words:
        raise ValueError("the counts' vocabulary is not the model's")
    t0 = time.perf_counter()
    recs = _Records(counts, p["x_max"], p["alpha"], p["seed"], budget // 2, spill_dir,
                    threads)
    logger.info("GloVe: %d records (one per update of an epoch), weighted and shuffled in "
                "%.2f s", recs.n, time.perf_counter() - t0)
    return recs


def _run(model: GloveModel, recs: _Records, *, threads, progress, callbacks) -> None:
    """Train ``model`` from its next epoch to the end of its schedule."""
    callbacks = check_callbacks(callbacks)
    p, sch = model.params, model.schedule
    first, epochs = sch["epochs_done"], sch["epochs"]
    if first >= epochs:
        return
    logger.info("GloVe: dim %d, epochs %d-%d, %d threads, %s", p["dim"], first + 1, epochs,
                threads, _glove.isa())
    w, c = model.word_vectors, model.context_vectors
    gw, gc, gbw, gbc = model._grad
    trainer = _glove.Trainer(w, c, model.word_biases, model.context_biases, gw, gc, gbw, gbc,
                             p["eta"], p["grad_clip"])
    n = recs.n
    bounds = [n * i // threads for i in range(threads + 1)]
    bar = _progress_bar(progress, n * (epochs - first), "training")
    try:
        for epoch in range(first, epochs):
            t0 = time.perf_counter()
            loss, ups, skip, seen, interrupted = _epoch(trainer, recs, bounds)
            secs = time.perf_counter() - t0
            if bar is not None:
                bar.update(seen)
            complete = seen == n  # a Ctrl-C after the last block leaves the epoch whole
            rec = {"kind": "epoch", "epoch": epoch + 1, "epochs": epochs, "complete": complete,
                   "cost": loss / ups if ups else None, "loss": loss, "updates": ups,
                   "skipped": skip, "records": seen, "seconds": secs,
                   "records_per_sec": seen / secs if secs > 0 else None, "run": 0}
            model.history.append(rec)
            if skip or not math.isfinite(loss) or not _finite(model):
                raise TrainingDiverged(
                    f"GloVe training diverged in epoch {epoch + 1} of {epochs}: {skip} updates "
                    f"met a non-finite value (eta={p['eta']:g}); the weights are useless: "
                    "train again with a smaller eta", model=model, epoch=epoch + 1,
                    alpha=p["eta"])
            if not complete:
                raise TrainingInterrupted(model)
            sch["epochs_done"] = epoch + 1
            logger.info("GloVe epoch %d/%d: cost %.6f, %d updates in %.2f s (%.0f records/s)",
                        epoch + 1, epochs, rec["cost"] or 0.0, ups, secs,
                        rec["records_per_sec"] or 0.0)
            if interrupted:
                raise TrainingInterrupted(model)
            if not all([_call(cb, model, rec) for cb in callbacks]):  # every one runs
                break
    except KeyboardInterrupt as e:  # in a callback or between epochs: the model is whole
        if isinstance(e, TrainingInterrupted):
            raise
        raise TrainingInterrupted(model) from None
    finally:
        if bar is not None:
            bar.close()


def _epoch(trainer, recs: _Records, bounds: list):
    """One pass over the records, thread i over [bounds[i], bounds[i+1]); returns
    ``(loss, updates, skipped, records done, interrupted)``."""
    threads = len(bounds) - 1
    stop = threading.Event()
    cost = [0.0] * threads
    updates = [0] * threads
    skipped = [0] * threads
    done = [0] * threads

    def work(i):
        for block in recs.blocks(bounds[i], bounds[i + 1], recs.step, stop):
            s, c, u = trainer.run(block)
            cost[i] += c
            updates[i] += u
            skipped[i] += s
            done[i] += block.shape[0]

    interrupted = False
    try:
        _run_watched(threads, work, stop, lambda: sum(done), None)
    except KeyboardInterrupt:
        interrupted = True
    return math.fsum(cost), sum(updates), sum(skipped), sum(done), interrupted


def _finite(model: GloveModel) -> bool:
    step = 1 << 16
    return all(np.isfinite(a[i:i + step]).all()
               for a in (model.word_vectors, model.context_vectors, model.word_biases,
                         model.context_biases)
               for i in range(0, a.shape[0], step))
