"""The rounds' schedule: how many rounds an epoch has, where each worker's slices
end, which rows each round merges and with which engine seed each slice trains.

After round ``r`` (counted over the whole run) the ``H_r = min(h0 * 2**tz(r + 1),
hot_max)`` hottest rows (``tz``: trailing zero bits; capped at the matrix) of each
matrix merge: the most frequent words' input and negative-sampling output rows, and
for hierarchical softmax the inner nodes nearest the root (the last rows of
``syn1``), as pWord2Vec does; after an epoch's last round, every row.  Pure
functions of their arguments: the driver and every backend compute the same plan.
"""
from __future__ import annotations

import numpy as np

from ..corpus import Corpus

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


def rounds_per_epoch(shard_tokens: list, sync_words: int) -> int:
    """Rounds in an epoch: enough for the largest shard's slices to hold about
    ``sync_words`` tokens each (all shards are cut into as many, so all workers end an
    epoch together); one for one worker, which has nothing to merge."""
    if len(shard_tokens) == 1:
        return 1
    return max(1, max(-(-n // sync_words) for n in shard_tokens))


def round_rows(r: int, k: int, rounds: int, shapes: dict, h0: int, cap: int | None,
               workers: int) -> dict | None:
    """``{matrix: (lo, hi)}`` that round ``k`` of an epoch of ``rounds`` (the ``r``-th
    round of the run) merges on ``workers`` workers: every row after an epoch's last
    round, else the :func:`hot_count` hottest (:func:`matrix_rows`); None: no merge
    (one worker, or no hot rows)."""
    h = None if k == rounds - 1 else hot_count(r, h0, max(shapes.values()), cap)
    if workers == 1 or h == 0:
        return None
    return matrix_rows(shapes, h)


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

