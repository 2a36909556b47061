"""One distributed run around its :class:`~.driver.Driver`, whatever the backend: the
parameters checked, the settings a checkpoint keeps to resume the run the same way,
the starting weights of a resumed run, the per-epoch checkpoint and callbacks, and
the usual :class:`~word2vec_fast.Model` at the end.  The simulator
(:func:`~.local.train_local`) and the Dask trainer (:func:`~.cluster.train`) differ
only in how they count, encode and reach their workers.
"""
from __future__ import annotations

import logging
import time

import numpy as np

from ..errors import TrainingInterrupted
from ..fingerprint import VERSION as FINGERPRINT_VERSION
from ..model import Model, load_model
from ..params import check_int
from ..runner import _call, check_callbacks
from ..schedule import new_schedule
from ..training import check_train_params, model_params
from ..vocab import Vocab
from .driver import Backend, Driver
from .schedule import HOT_MAX

logger = logging.getLogger("word2vec_fast")


def check_distributed(workers, sync_words, hot_rows, hot_max=HOT_MAX) -> tuple:
    """``(workers, sync_words, hot_rows, hot_max)`` checked: ints >= 1, >= 1, >= 0 and
    (``hot_max``) None or >= 1."""
    return (check_int("workers", workers, 1), check_int("sync_words", sync_words, 1),
            check_int("hot_rows", hot_rows, 0),
            None if hot_max is None else check_int("hot_max", hot_max, 1))


def check_vocab(vocab: Vocab, n_tokens: int, min_count: int) -> None:
    """The errors ``train()`` gives for an empty vocabulary or corpus."""
    if len(vocab) == 0:
        raise ValueError(
            f"empty vocabulary: no word of the corpus occurs at least min_count={min_count} "
            "times (lower min_count or check the corpus)")
    if n_tokens == 0:
        raise ValueError("the corpus has no tokens in the vocabulary: nothing to train")
    if len(vocab) > np.iinfo(np.int32).max:
        raise ValueError("vocabulary too large for int32 ids")


def run_info(workers, sync_words, hot_rows, hot_max, merge, max_token_bytes) -> dict:
    """What a checkpoint of a distributed run keeps to resume it the same way (a
    checkpoint without ``hot_max`` ran uncapped: :func:`train_on` reads it so)."""
    return {"workers": workers, "sync_words": sync_words, "hot_rows": hot_rows,
            "hot_max": hot_max,
            "merge": merge, "max_token_bytes": max_token_bytes}


def assemble_model(vocab: Vocab, config: dict, weights: dict, history: list, stats: dict,
                   n_tokens: int, *, epochs_done=None, info=None) -> Model:
    """The usual :class:`Model` from the merged weights of a distributed run.

    Its schedule says ``epochs_done`` epochs are done (default all) and keeps
    the run's settings (``schedule["distributed"]``) for
    :func:`~word2vec_fast.distributed.resume`; its corpus fingerprint is 0 (no
    machine sees the whole corpus), so :meth:`Model.resume` does not accept it,
    while ``train_more``, ``save_model`` and the queries work as usual.
    """
    # arrays that crossed the network may sit at any byte offset of a message buffer: the
    # C engine and formatter read them as float *, which needs 4-byte alignment
    w = {k: None if a is None else np.require(a, np.float32, ["C", "A", "W"])
         for k, a in weights.items()}
    model = Model(vocab, w["w_in"], w.get("w_out_ns"), w.get("w_out_hs"), model_params(config))
    sch = new_schedule(n_tokens=n_tokens, fingerprint=0, fingerprint_version=FINGERPRINT_VERSION,
                       epochs=config["epochs"], alpha=config["alpha"],
                       alpha_end=config["alpha_end"], alpha_floor=config["alpha_floor"],
                       seed=config["seed"])
    done = config["epochs"] if epochs_done is None else epochs_done
    sch.update(epochs_done=done, words_done=done * n_tokens)
    if info is not None:
        sch["distributed"] = dict(info)
    model.schedule = sch
    model.history = history
    model.stats = stats
    return model


def epoch_end_for(vocab: Vocab, config: dict, n_tokens: int, info: dict, checkpoint,
                  callbacks):
    """The :class:`~.driver.Driver`'s ``epoch_end``: save ``checkpoint`` (a path) and call the
    callbacks with the merged model after each epoch; None when there is neither."""
    callbacks = check_callbacks(callbacks)
    if checkpoint is None and not callbacks:
        return None

    def epoch_end(rec, history, get_weights):
        weights = {k: None if a is None else np.array(a) for k, a in get_weights().items()}
        model = assemble_model(vocab, config, weights, list(history), {}, n_tokens,
                               epochs_done=rec["epoch"], info=info)
        if checkpoint is not None:
            model.save_model(checkpoint)
            logger.info("checkpoint of epoch %d saved to %s", rec["epoch"], checkpoint)
        return all(_call(cb, model, rec) for cb in callbacks)
    return epoch_end


def finish(vocab: Vocab, config: dict, result: dict, n_tokens: int, info: dict) -> Model:
    """The model of a finished run; ``TrainingInterrupted`` (holding it) after Ctrl-C."""
    model = assemble_model(vocab, config, result["weights"], result["history"],
                           result["stats"], n_tokens, epochs_done=result["epochs_done"],
                           info=info)
    if result["interrupted"]:
        raise TrainingInterrupted(model)
    return model


def resumable(model) -> tuple:
    """``(model, config, info)`` of a distributed checkpoint (a path or a Model)."""
    if not isinstance(model, Model):
        model = load_model(model)
    sch = model.schedule or {}
    info = sch.get("distributed")
    if info is None:
        raise ValueError("this model was not trained on a cluster (its schedule has no "
                         "'distributed' settings): resume it with Model.resume")
    p = model.params
    config = check_train_params(
        dim=p["dim"], window=p["window"], negative=p["negative"], hs=p["hs"], sg=p["sg"],
        cbow_mean=p["cbow_mean"], sample=p["sample"], min_count=p["min_count"],
        alpha=p["alpha"], min_alpha=p["min_alpha"], epochs=p["epochs"], seed=p["seed"],
        batch=p["batch"])
    return model, config, info


def start_weights(model: Model) -> dict:
    """``{matrix: array}`` a resumed run's workers start from."""
    return {k: v for k, v in (("w_in", model.vectors), ("w_out_ns", model.syn1neg),
                              ("w_out_hs", model.syn1)) if v is not None}


def check_resumed(model: Model, n_tokens: int) -> None:
    """``ValueError`` unless the re-encoded corpus has the checkpoint's token count."""
    if n_tokens != model.schedule["n_tokens"]:
        raise ValueError(f"resume: this is not the corpus the run started on ({n_tokens} "
                         f"tokens, expected {model.schedule['n_tokens']})")


def train_on(backend: Backend, vocab: Vocab, config: dict, info: dict, n_tokens: int,
             t0: float, *, start: Model | None = None, checkpoint=None, callbacks=None,
             progress=None, hook=None, **stats) -> Model:
    """Train on ``backend``'s ready workers with the run's settings ``info`` (a
    :func:`run_info`), from ``start`` (a resumed run's model) if given; the finished
    model, its ``stats`` with ``prepare_seconds`` (since ``t0``) and ``stats`` added.
    ``TrainingInterrupted`` (holding the model) after Ctrl-C."""
    prep = time.perf_counter() - t0
    # a checkpoint without hot_max ran uncapped
    driver = Driver(backend, config=config, sync_words=info["sync_words"],
                    hot_rows=info["hot_rows"], hot_max=info.get("hot_max"),
                    merge=info["merge"],
                    start_epoch=0 if start is None else start.schedule["epochs_done"],
                    epoch_end=epoch_end_for(vocab, config, n_tokens, info, checkpoint,
                                            callbacks),
                    progress=progress, hook=hook)
    result = driver.run()
    result["stats"].update(prepare_seconds=prep, **stats)
    if start is not None:
        result["history"] = list(start.history) + result["history"]
    return finish(vocab, config, result, n_tokens, info)
