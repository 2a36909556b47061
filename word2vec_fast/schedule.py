"""The learning-rate schedule: linear decay over the raw words of all epochs.

``learning_rate`` is the one formula; ``w2v_learning_rate`` in
``csrc/w2v_schedule.h`` is its C twin (float32, as the workers use it every
256 words), and a test holds them equal.  A schedule is a plain dict (it goes
into checkpoints as JSON): where a run stands, and the parameters of its decay.
"""
from __future__ import annotations

import numpy as np

from .params import check_float


def alpha_schedule(alpha: float, min_alpha) -> tuple:
    """``(alpha_end, alpha_floor)`` of the linear decay from ``alpha``.

    ``min_alpha=None``: towards 0, floored at ``alpha * 1e-4`` (word2vec.c);
    otherwise linear to ``min_alpha``.
    """
    if min_alpha is None:
        return 0.0, alpha * 1e-4
    min_alpha = check_float("min_alpha", min_alpha)
    if min_alpha > alpha:
        raise ValueError(f"min_alpha ({min_alpha}) must not exceed alpha ({alpha})")
    return min_alpha, min_alpha


def learning_rate(words_done, total_words, alpha0, alpha_end, alpha_floor) -> float:
    """The rate after ``words_done`` of ``total_words`` raw words (word2vec.c's decay).

    ``alpha0 - (alpha0 - alpha_end) * done / (total + 1)``, floored at
    ``alpha_floor``, computed in float32 exactly as the C engine does.
    """
    prog = np.float32(float(words_done) / float(total_words + 1))
    a = np.float32(alpha0) - (np.float32(alpha0) - np.float32(alpha_end)) * prog
    return float(max(a, np.float32(alpha_floor)))


def new_schedule(*, n_tokens, fingerprint, fingerprint_version, epochs, alpha, alpha_end,
                 alpha_floor, seed, run=0) -> dict:
    """A schedule of ``epochs`` passes over a corpus of ``n_tokens`` tokens, not started."""
    return {"run": int(run), "epochs": int(epochs), "epochs_done": 0, "words_done": 0,
            "alpha": float(alpha), "alpha_end": float(alpha_end),
            "alpha_floor": float(alpha_floor), "seed": int(seed), "n_tokens": int(n_tokens),
            "corpus_fingerprint": int(fingerprint),
            "fingerprint_version": int(fingerprint_version)}
