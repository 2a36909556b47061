"""The merge: how the workers' copies of a block of rows become one (the rules:
:data:`MERGE_RULES`).

The merge is a reduce-scatter then all-gather by row blocks: the rows to merge
are cut into P blocks (:func:`~word2vec_fast.distributed.schedule.split_rows`);
each worker publishes each block (its deltas and a 1-bit touched mask per row),
block ``j``'s merge combines the P workers' deltas (in worker order, in float64:
the kernel ``csrc/w2v_merge.h``), and every worker adds every merged block to its
last merged values.  Each row's merge is the same whatever the blocks, so an
engine may cut them otherwise (the Dask one lets two workers exchange their whole
deltas and merge all rows each, one step fewer).
"""
from __future__ import annotations

from .._kernels import merge_deltas

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

