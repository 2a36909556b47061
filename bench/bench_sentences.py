#!/usr/bin/env python3
"""Sentence embeddings from token ids: sentences per second of
``SentenceEmbedding.transform_ids`` (word2vec_fast.sentences).

A synthetic corpus, no download: ``--sentences`` sentences (default 1,000,000) of 10 to
20 tokens (uniform), ids drawn from a Zipf law (exponent 1.0) over ``--vocab`` words
(default 100,000), random ``--dim``-dimensional vectors (default 100) with Zipfian
counts.  For each method (``mean``; ``sif``, one component removed; ``usif``, five)
it fits once on the first 100,000 sentences, then times ``transform_ids`` over the
whole corpus with each thread count (default 1 and 2), best of ``--repeat`` runs
(default 3), and checks that the thread counts give the same bits.  Prints one JSON
object: the settings, the machine's cores, and per method and thread count the best
time and sentences/s.

    python bench/bench_sentences.py                      # 1M sentences, threads 1 and 2
    python bench/bench_sentences.py --threads 1 2 4 --methods sif
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import time

import numpy as np

import word2vec_fast as w2v
from word2vec_fast.sentences import SentenceEmbedding


def corpus(n, vocab, seed):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(10, 21, size=n)
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    p = 1.0 / np.arange(1, vocab + 1)
    cdf = np.cumsum(p / p.sum())
    ids = np.searchsorted(cdf, rng.random(int(offsets[-1]))).astype(np.int32)
    np.minimum(ids, vocab - 1, out=ids)
    return ids, offsets


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sentences", type=int, default=1_000_000)
    ap.add_argument("--vocab", type=int, default=100_000)
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--methods", nargs="+", default=["mean", "sif", "usif"])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()

    ids, offsets = corpus(a.sentences, a.vocab, a.seed)
    rng = np.random.default_rng(a.seed + 1)
    counts = (1e8 / np.arange(1, a.vocab + 1)).astype(np.int64) + 1
    wv = w2v.Vectors([f"w{i}" for i in range(a.vocab)],
                     rng.normal(size=(a.vocab, a.dim)).astype(np.float32), counts=counts)
    fit_n = min(100_000, a.sentences)
    results = {}
    for method in a.methods:
        emb = SentenceEmbedding(wv, method)
        emb.fit_ids(ids[:offsets[fit_n]], offsets[:fit_n + 1])
        first = None
        for t in a.threads:
            emb.threads = t
            best = float("inf")
            for _ in range(a.repeat):
                t0 = time.perf_counter()
                out = emb.transform_ids(ids, offsets)
                best = min(best, time.perf_counter() - t0)
            if first is None:
                first = out
            same = bool(np.array_equal(out, first))
            results[f"{method}/threads={t}"] = {
                "seconds": round(best, 4), "sentences_per_s": round(a.sentences / best),
                "tokens_per_s": round(len(ids) / best), "same_bits_as_first": same}
            del out
    print(json.dumps({
        "bench": "sentences.transform_ids", "sentences": a.sentences,
        "tokens": int(len(ids)), "vocab": a.vocab, "dim": a.dim,
        "machine": platform.machine(), "cores": os.cpu_count(),
        "python": platform.python_version(), "numpy": np.__version__,
        "results": results}, indent=2))


if __name__ == "__main__":
    main()
