"""Quality spread over seeds: analogy accuracy and word-pair Spearman of N runs.

    python bench/quality.py --corpus ../shared/data/wiki1e8.txt.gz --seeds 1,2,3,4
    python bench/quality.py --corpus ... --seeds 1,2,3 --cbow --alpha 0.05
    python bench/quality.py --corpus ... --seeds 1,2,3 --batch 0          # the classic kernel

One run of ``bench/compare.py`` gives one draw of each tool's quality: WS353 has
353 pairs, and multi-threaded (Hogwild) runs are not repeatable, so its Spearman
moves by about +-0.01 between runs of the same code.  This trains the same
settings with several seeds (the corpus is read once) and prints every run and
the mean, minimum and maximum, scored with gensim's protocol (analogies on the
top 30,000 words, case-insensitive; Spearman of cosine similarity).
"""
import argparse
import json
import os
import statistics
import sys
from pathlib import Path

import word2vec_fast as w2v

EVAL = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "eval"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--corpus", required=True)
    p.add_argument("--seeds", default="1,2,3")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--dim", type=int, default=100)
    p.add_argument("--cbow", action="store_true")
    p.add_argument("--hs", action="store_true")
    p.add_argument("--alpha", type=float, default=None)
    p.add_argument("--batch", type=int, default=1, help="0: the classic per-pair kernel")
    p.add_argument("--questions", default=str(EVAL / "questions-words.txt"))
    p.add_argument("--pairs", default=str(EVAL / "wordsim353.tsv"))
    p.add_argument("--json", default=None)
    a = p.parse_args(argv)
    for f in (a.questions, a.pairs):
        if not os.path.isfile(f):
            p.error(f"{f} not found")
    seeds = [int(s) for s in a.seeds.split(",")]

    corpus = w2v.encode(a.corpus, w2v.Vocab.build(a.corpus, min_count=5))
    kw = dict(dim=a.dim, window=5, negative=0 if a.hs else 5, hs=a.hs, sg=not a.cbow,
              sample=1e-3, epochs=a.epochs, threads=a.threads, alpha=a.alpha,
              batch=a.batch if a.batch > 1 else bool(a.batch), progress=False)
    runs = []
    for s in seeds:
        m = w2v.train(corpus, seed=s, **kw)
        an = m.wv.evaluate_analogies(a.questions, restrict_vocab=30000)
        wp = m.wv.evaluate_word_pairs(a.pairs)
        r = {"seed": s, "analogy_pct": 100 * an.accuracy, "ws353": wp.spearman,
             "words_per_sec": m.stats["words"] / m.stats["train_seconds"]}
        runs.append(r)
        print(f"seed {s}: analogy {r['analogy_pct']:.2f} %, WS353 {r['ws353']:.3f}, "
              f"{r['words_per_sec']:,.0f} words/s", file=sys.stderr)
    for key, f in (("analogy_pct", ".2f"), ("ws353", ".3f")):
        v = [r[key] for r in runs]
        print(f"{key}: mean {statistics.mean(v):{f}}  min {min(v):{f}}  max {max(v):{f}}  "
              f"({len(v)} seeds)")
    if a.json:
        with open(a.json, "w") as fh:
            json.dump({"settings": {k: v for k, v in kw.items()}, "runs": runs}, fh, indent=2)


if __name__ == "__main__":
    main()
