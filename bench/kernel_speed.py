"""Best-of-N training words/s of each kernel, one thread, for the word2vec_fast importable here.

    PYTHONPATH=<a built tree> python bench/kernel_speed.py --corpus text8-head.txt.gz

Run it alternately for two builds (e.g. two commits) to measure what a change
costs: timings on a shared machine drift, so compare runs taken side by side.
Prints one JSON line: words/s of the training phase (best of --reps) per kernel.
"""
import argparse
import json

import numpy as np

import word2vec_fast as w2v
from word2vec_fast import _kernels

KERNELS = {
    "sg-batched": {},
    "sg-classic": {"batch": False},
    "cbow-batched": {"sg": False},
    "sg-hs-batched": {"hs": True, "negative": 0},
}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--corpus", required=True)
    p.add_argument("--tokens", type=int, default=600_000, help="train on the first N tokens")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--dim", type=int, default=100)
    p.add_argument("--simd", choices=_kernels.SIMD_BUILDS,
                   help="run the batched kernels' build for this instruction set "
                        "(default: the best this CPU has)")
    a = p.parse_args()
    if a.simd and not _kernels.select_simd(a.simd):
        p.error(f"this CPU cannot run the {a.simd} build")
    vocab = w2v.Vocab.build(a.corpus, min_count=5)
    enc = w2v.encode(a.corpus, vocab)
    n = min(a.tokens, len(enc))
    corpus = w2v.Corpus(enc.ids[:n], np.array([0, n]), vocab)
    best = {}
    for _ in range(a.reps):
        for name, kw in KERNELS.items():
            m = w2v.train(corpus, dim=a.dim, epochs=1, threads=1, progress=False, **kw)
            wps = m.stats["words"] / m.stats["train_seconds"]
            best[name] = max(best.get(name, 0), round(wps))
    print(json.dumps({"module": w2v.__file__, "simd": _kernels.simd_isa(), **best}))


if __name__ == "__main__":
    main()
