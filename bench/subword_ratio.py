"""The time of subword skip-gram (or CBOW) over our plain training at the same settings,
from alternated runs in one process: a single pair of runs on a shared VM moves by
±30 %, alternating them and taking the median of the per-pair ratios does not.

    python bench/subword_ratio.py --corpus ../shared/data/wiki1e8.txt.gz --rounds 3

The settings are bench_fasttext.py's (dim 100, window 5, negative 5, sample 1e-4, n-grams
3-6 in 2,000,000 buckets, 5 epochs, 2 threads); the corpus is encoded once and each run
times the train() call on it (the model made, the n-gram rows drawn, training).
"""
from __future__ import annotations

import argparse
import statistics
import time

import word2vec_fast as w2v


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default="../shared/data/wiki1e8.txt.gz")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cbow", action="store_true")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    enc = w2v.count_and_encode(a.corpus, min_count=5)
    kw = dict(dim=100, window=5, negative=5, sample=1e-4, threads=a.threads, epochs=a.epochs,
              sg=not a.cbow)
    times = {"plain": [], "subwords": []}
    for r in range(a.rounds):
        for kind in times:
            t = time.perf_counter()
            model = w2v.train(enc, subwords=kind == "subwords", **kw)
            times[kind].append(time.perf_counter() - t)
            del model
            print(f"round {r + 1}: {kind} {times[kind][-1]:.1f} s", flush=True)
    ratios = [s / p for s, p in zip(times["subwords"], times["plain"])]
    print(f"subwords / plain per round: {', '.join(f'{x:.2f}' for x in ratios)}; "
          f"median {statistics.median(ratios):.2f}")


if __name__ == "__main__":
    main()
