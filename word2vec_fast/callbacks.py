"""Ready-made training callbacks.

A callback is any callable ``cb(model, record)``.  ``train()`` (and
``Model.resume`` / ``Model.train_more``) call it after every epoch with that
epoch's record from ``model.history`` -- a dict the callback may add keys to,
so what it measures is kept in the history (and in checkpoints written after
it).  Callbacks run in list order, between epochs: no worker is running and
the model is consistent.

A callable with an integer attribute ``every_words = N`` is also called about
every N raw words (checked ten times a second) with a progress record
(``record["kind"] == "progress"``: ``run``, ``epoch``, ``words_done``,
``alpha``, ``seconds``, the epoch's loss so far) while the workers keep
training: it sees the weights mid-update and should only read them.

Returning ``False`` or raising :class:`StopTraining` ends training early
(after the current epoch's record; from a progress call, the running epoch is
cut short and recorded with ``complete=False``).  ``train()`` then returns
the model normally; ``model.schedule`` says how far it got, and
``Model.resume`` can finish it.
"""
from __future__ import annotations

import logging
import os

from .errors import StopTraining
from .evaluation import evaluate_analogies, evaluate_word_pairs

logger = logging.getLogger("word2vec_fast")

__all__ = ["StopTraining", "EvaluateCallback", "CheckpointCallback"]


class EvaluateCallback:
    """Evaluate the vectors after every ``every`` epochs; results go into the epoch record.

    Parameters
    ----------
    analogies : path, optional
        A ``questions-words.txt``-style file; adds ``analogy_accuracy`` (a
        fraction), ``analogy_oov_ratio`` (percent) to the record.
    word_pairs : path, optional
        A WordSim-353-style file; adds ``word_pairs_spearman``,
        ``word_pairs_pearson``, ``word_pairs_oov_ratio``.
    restrict_vocab : int
        Analogies use the first (most frequent) this many words (default 30,000).
    every : int
        Evaluate after epochs ``every``, ``2 * every``, ... and after the last one.
    """

    def __init__(self, analogies=None, word_pairs=None, *, restrict_vocab=30000,
                 case_insensitive=True, every=1):
        if analogies is None and word_pairs is None:
            raise ValueError("EvaluateCallback needs an analogies and/or a word_pairs file")
        for name, p in (("analogies", analogies), ("word_pairs", word_pairs)):
            if p is not None and not os.path.isfile(p):
                raise FileNotFoundError(f"EvaluateCallback: {name} file not found: {p}")
        if not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be an integer >= 1, got {every!r}")
        self.analogies, self.word_pairs = analogies, word_pairs
        self.restrict_vocab, self.case_insensitive, self.every = (
            restrict_vocab, case_insensitive, every)

    def __call__(self, model, record):
        if record.get("kind") != "epoch" or not (
                record["epoch"] % self.every == 0 or record["epoch"] == record["epochs"]):
            return None
        wv = model.wv
        wv.clear_cache()  # the rows changed since the last query
        if self.analogies is not None:
            r = evaluate_analogies(wv, self.analogies, restrict_vocab=self.restrict_vocab,
                                   case_insensitive=self.case_insensitive)
            record["analogy_accuracy"] = r.accuracy
            record["analogy_oov_ratio"] = r.oov_ratio
        if self.word_pairs is not None:
            r = evaluate_word_pairs(wv, self.word_pairs, case_insensitive=self.case_insensitive)
            record["word_pairs_spearman"] = r.spearman
            record["word_pairs_pearson"] = r.pearson
            record["word_pairs_oov_ratio"] = r.oov_ratio
        logger.info("epoch %d: %s", record["epoch"], ", ".join(
            f"{k} {record[k]:.4f}" for k in ("analogy_accuracy", "word_pairs_spearman")
            if k in record))
        return None


class CheckpointCallback:
    """Save the model (:meth:`Model.save_model`) after every ``every`` epochs.

    Parameters
    ----------
    path : str
        The file to write; ``{epoch}`` and ``{run}`` in it are replaced by the
        epoch (1-based) and the run number (``"ckpt-{epoch:02d}.npz"`` keeps
        one file per epoch; a plain name is overwritten each time).  Each
        save goes to a temporary file renamed into place, so a crash never
        leaves a half-written checkpoint.
    every : int
        Save after epochs ``every``, ``2 * every``, ... and after the last one.

    Records the path written in the epoch record as ``checkpoint``.  Put it
    after an :class:`EvaluateCallback` to have the evaluation in the saved
    history.
    """

    def __init__(self, path, every=1):
        if not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be an integer >= 1, got {every!r}")
        self.path = os.fspath(path)
        self.every = every
        self.path.format(epoch=1, run=0)  # a bad pattern fails now, not after an epoch

    def __call__(self, model, record):
        if record.get("kind") != "epoch" or not (
                record["epoch"] % self.every == 0 or record["epoch"] == record["epochs"]):
            return None
        path = self.path.format(epoch=record["epoch"], run=record["run"])
        record["checkpoint"] = path
        model.save_model(path)
        logger.info("epoch %d: checkpoint written to %s", record["epoch"], path)
        return None
