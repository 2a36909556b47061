"""Thread scaling of the training engine: words/s at 1, 2, 4, ... threads.

    python bench/scaling.py --corpus ../shared/data/wiki1e8.txt.gz            # 1..all cores
    python bench/scaling.py --corpus ... --threads 1,2,4,8,16 --kernels sg,cbow,sg-classic

The corpus is read and encoded once; then every (kernel, thread count) trains
--epochs epochs from the same seed in this process, rounds interleaved so that
drift of a shared machine spreads over all thread counts.  Prints, per kernel,
the best training words/s of --rounds runs at each thread count and its
speedup over one thread (the issue's target: 16 threads >= 12x one), and
writes every run to --json.  Timings are the engine's own training phase
(``model.stats["train_seconds"]``): no reading, no vocabulary, no saving.
"""
import argparse
import json
import os
import platform
import sys

import numpy as np

import word2vec_fast as w2v
from word2vec_fast import _kernels

KERNELS = {
    "sg": {},
    "sg-classic": {"batch": False},
    "cbow": {"sg": False, "alpha": 0.05},
    "sg-hs": {"hs": True, "negative": 0},
}


def default_threads():
    n = os.cpu_count() or 1
    out, t = [], 1
    while t < n:
        out.append(t)
        t *= 2
    return out + [n]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--corpus", required=True)
    p.add_argument("--threads", default=None,
                   help="comma-separated thread counts (default: powers of 2 up to all cores)")
    p.add_argument("--kernels", default="sg", help="comma-separated: " + ",".join(KERNELS))
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--dim", type=int, default=100)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--tokens", type=int, default=None, help="train on the first N tokens only")
    p.add_argument("--json", default=None)
    a = p.parse_args(argv)
    threads = [int(t) for t in a.threads.split(",")] if a.threads else default_threads()
    kernels = [k.strip() for k in a.kernels.split(",") if k.strip()]
    bad = [k for k in kernels if k not in KERNELS]
    if bad:
        p.error(f"unknown kernel(s) {bad}; choose from {list(KERNELS)}")
    if any(t < 1 for t in threads):
        p.error("--threads: counts must be >= 1")

    vocab = w2v.Vocab.build(a.corpus, min_count=5)
    corpus = w2v.encode(a.corpus, vocab)
    if a.tokens:
        n = min(a.tokens, len(corpus.ids))
        corpus = w2v.Corpus(corpus.ids[:n], np.array([0, n]), vocab)
    print(f"{a.corpus}: {len(corpus.ids):,} tokens, {len(vocab):,} words; dim {a.dim}, "
          f"{a.epochs} epoch(s); {os.cpu_count()} CPUs; kernels {_kernels.simd_isa()}",
          file=sys.stderr)

    runs = []
    best = {k: {} for k in kernels}
    for r in range(a.rounds):
        for k in kernels:
            for t in threads:
                m = w2v.train(corpus, dim=a.dim, epochs=a.epochs, threads=t, progress=False,
                              **KERNELS[k])
                wps = m.stats["words"] / m.stats["train_seconds"]
                runs.append({"kernel": k, "threads": t, "round": r, "words_per_sec": wps,
                             "train_seconds": m.stats["train_seconds"]})
                best[k][t] = max(best[k].get(t, 0.0), wps)
                print(f"  round {r + 1}: {k} {t} thread(s): {wps:,.0f} words/s", file=sys.stderr)

    print("| kernel | threads | words/s (best of %d) | × 1 thread | per thread |" % a.rounds)
    print("|---|---:|---:|---:|---:|")
    for k in kernels:
        one = best[k].get(1)
        for t in threads:
            wps = best[k][t]
            sp = f"{wps / one:.2f}" if one else "—"
            print(f"| {k} | {t} | {wps:,.0f} | {sp} | {wps / t:,.0f} |")
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"corpus": a.corpus, "tokens": int(len(corpus.ids)), "dim": a.dim,
                       "epochs": a.epochs, "cpus": os.cpu_count(),
                       "platform": platform.platform(), "isa": _kernels.simd_isa(),
                       "best": best, "runs": runs}, f, indent=2)


if __name__ == "__main__":
    main()
