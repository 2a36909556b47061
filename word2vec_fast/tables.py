"""The output layer's lookup tables, built from the vocabulary's counts.

Negative sampling draws from an alias table of counts ** 0.75; hierarchical
softmax follows word2vec.c's Huffman tree.  Both are rebuilt exactly from the
counts, so checkpoints store only the counts.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import _kernels


def huffman_any_order(counts):
    """word2vec.c's Huffman tree for counts in any order (e.g. after words were appended).

    The tree is built over the words sorted by decreasing count (stable), then
    the paths are put back in word order.
    """
    counts = np.asarray(counts, dtype=np.int64)
    order = np.argsort(-counts, kind="stable")
    if np.array_equal(order, np.arange(len(counts))):
        return _kernels.build_huffman(counts)
    offs, codes, points = _kernels.build_huffman(counts[order])
    lengths = np.diff(offs)
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    new_len = lengths[rank]
    new_offs = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(new_len, out=new_offs[1:])
    src = np.repeat(offs[:-1][rank] - new_offs[:-1], new_len) + np.arange(int(new_offs[-1]))
    return new_offs, codes[src], points[src]


@dataclass
class OutputTables:
    """What the engine needs besides the weights: the negative-sampling alias table
    (``alias_prob``, ``alias_idx``; None without negative sampling) and the
    Huffman paths (``code_offsets``, ``codes``, ``points``; None without hs)."""

    alias_prob: np.ndarray | None = None
    alias_idx: np.ndarray | None = None
    code_offsets: np.ndarray | None = None
    codes: np.ndarray | None = None
    points: np.ndarray | None = None

    @classmethod
    def build(cls, counts, *, negative, hs) -> OutputTables:
        """The tables for a vocabulary with these counts (in word order)."""
        t = cls()
        if negative > 0:
            w = np.asarray(counts).astype(np.float64) ** 0.75
            if not np.any(w > 0):
                w = np.ones_like(w)
            t.alias_prob, t.alias_idx = _kernels.build_alias(w)
        if hs:
            t.code_offsets, t.codes, t.points = huffman_any_order(counts)
        return t

    def engine_args(self) -> dict:
        """The tables as the keyword arguments of ``_kernels.Engine``."""
        return {"alias_prob": self.alias_prob, "alias_idx": self.alias_idx,
                "code_offsets": self.code_offsets, "codes": self.codes, "points": self.points}
