"""Training across machines: shards, a merged vocabulary, synchronous rounds.

The core (:mod:`.shards`, :mod:`.counting`, :mod:`.schedule`, :mod:`.merge`,
:mod:`.worker`, :mod:`.driver`, :mod:`.run`, :mod:`.backend_local`, :mod:`.local`)
imports no cluster engine; :func:`train` runs it on a Dask cluster (``pip
install "word2vec-fast[dask]"``), :func:`train_local` simulates P workers in
this process.
"""
from .counting import ShardCounts, count_shards, merge_counts
from .cluster import resume, train
from .local import resume_local, train_local
from .merge import merge_packets
from .schedule import HOT_MAX, HOT_ROWS, SYNC_WORDS, hot_count
from .shards import Shard, assign, plan_shards, split_file

__all__ = ["train", "resume", "train_local", "resume_local", "plan_shards", "assign",
           "split_file", "Shard", "count_shards", "merge_counts", "ShardCounts", "hot_count",
           "merge_packets", "HOT_ROWS", "HOT_MAX", "SYNC_WORDS"]
