#!/usr/bin/env python3
"""Phrases side by side: word2vec_fast vs word2phrase vs gensim, then training on phrases.

Part 1 (speed and memory): the same uncompressed text, threshold 100, min_count 5,
count + rewrite to a file, each tool in its own subprocess, one after the other:

* ours: ``word2vec-fast phrases IN -o OUT --threads T`` (C, T counting threads);
* word2phrase from the PyPI ``word2vec`` package (word2vec.c's tool, one thread);
* gensim ``Phrases`` + ``FrozenPhrases`` over the text in sentences of 10,000 words
  (as its ``Text8Corpus``/``LineSentence`` read a one-line file), writing the result.

Wall time, CPU time (user + system) and the child's own peak RSS (``os.wait4``) of
each; ours runs ``--repeat`` times (default 3: before, between and after the others)
and its median run is reported, since one run of a second is at the mercy of a
shared machine's moments.  Our output is also compared with word2phrase's byte for
byte.  gensim's default scorer is not
word2phrase's (it multiplies by the vocabulary size, not the corpus length), so its
phrase count differs: it is timed doing the same work, not checked for equality.

Part 2 (quality): two passes (threshold 200 then 100, as word2vec.c's
demo-phrases.sh), then skip-gram training (dim 100, window 5, negative 5, sample 1e-3,
T threads) on the phrased text and on the plain text, evaluated on the Google analogy
set (top 30k words, gensim's protocol) and on word2vec's phrase analogy set
(questions-phrases.txt: every word of the vocabulary may answer; most of its
phrases are rare or absent in 100 MB of text, so its OOV share is reported).

    python bench/bench_phrases.py [--corpus ../shared/data/wiki1e8.txt.gz] [--threads 2]
        [--epochs 5] [--repeat 3] [--skip-gensim] [--skip-training]

The numbers are ratios measured in one run on a machine that may be shared: compare
within a run, not across runs.
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare import REPO_ROOT, run_measured  # noqa: E402

DATA = REPO_ROOT.parent / "shared" / "data"

GENSIM_SCRIPT = r'''
import sys, time
from gensim.models.phrases import Phrases, FrozenPhrases
src, dst = sys.argv[1], sys.argv[2]

class Sentences:
    """The file's tokens in sentences of at most 10,000 words (one per line otherwise)."""
    def __iter__(self):
        with open(src, "rb") as f:
            for line in f:
                words = line.decode("utf-8", "replace").split()
                for i in range(0, len(words), 10000):
                    yield words[i:i + 10000]

t0 = time.perf_counter()
p = Phrases(Sentences(), min_count=5, threshold=100.0)
frozen = FrozenPhrases(p)
del p
with open(dst, "w", encoding="utf-8") as out:
    for s in Sentences():
        out.write(" ".join(frozen[s]) + "\n")
print("phrases", len(frozen.phrasegrams), "seconds", time.perf_counter() - t0)
'''


def tool(name: str) -> str | None:
    here = Path(sys.executable).parent / name
    return str(here) if here.exists() else shutil.which(name)


def part1(a, text: Path, wd: Path) -> dict:
    res = {}
    ours = tool("word2vec-fast")
    runs = []

    def run_ours():
        """One run of ours; a run of about a second is at the mercy of a shared
        machine's moments, where the others' runs of a minute average them: ours
        runs --repeat times, spread before, between and after the others, and
        its median run (by wall time) is reported."""
        k = len(runs)
        runs.append(run_measured([ours, "phrases", str(text), "-o", str(wd / "ours.txt"),
                                  "--threads", str(a.threads), "--min-count", "5",
                                  "--threshold", "100", "-q"], wd / f"ours{k}"))

    slots = [a.repeat // 3 + (i < a.repeat % 3) for i in range(3)]
    for _ in range(slots[0]):
        run_ours()
    w2p = tool("word2phrase")
    if w2p:
        # relative names: word2phrase copies file names into 60-byte buffers
        cwd = os.getcwd()
        os.chdir(wd)
        try:
            res["word2phrase"] = run_measured([w2p, "-train", text.name, "-output", "w2p.txt",
                                               "-min-count", "5", "-threshold", "100",
                                               "-debug", "0"], wd / "w2p")
        finally:
            os.chdir(cwd)
        mine, theirs = (wd / "ours.txt").read_bytes(), (wd / "w2p.txt").read_bytes()
        n = len(theirs)
        res["identical_prefix"] = mine[:n] == theirs
        res["tail_ours"], res["tail_w2p"] = mine[n:][:60].decode(), theirs[-30:].decode()
        res["joins"] = theirs.count(b"_")
    for _ in range(slots[1]):
        run_ours()
    if not a.skip_gensim:
        script = wd / "gensim_phrases.py"
        script.write_text(GENSIM_SCRIPT)
        res["gensim"] = run_measured([sys.executable, str(script), str(text),
                                      str(wd / "gensim.txt")], wd / "gensim")
        res["gensim"]["stdout"] = (wd / "gensim.out").read_text().strip()
    for _ in range(slots[2]):
        run_ours()
    res["ours"] = sorted(runs, key=lambda r: r["wall_seconds"])[(len(runs) - 1) // 2]
    res["ours_runs_wall_seconds"] = [r["wall_seconds"] for r in runs]
    return res


def part2(a, text: Path) -> dict:
    import word2vec_fast as w2v
    from word2vec_fast import Phrases

    eval_dir = DATA / "eval"
    kw = dict(dim=100, window=5, negative=5, sample=1e-3, sg=True, epochs=a.epochs,
              threads=a.threads, min_count=5, seed=1, progress=False)
    out = {}
    t0 = time.perf_counter()
    ph = Phrases.build(str(text), min_count=5, threshold=(200.0, 100.0), threads=a.threads)
    out["two_passes_build_seconds"] = time.perf_counter() - t0
    out["phrases_per_pass"] = [len(p) for p in ph.passes]
    for name, phrases in (("plain", None), ("phrases", ph)):
        t0 = time.perf_counter()
        m = w2v.train(str(text), phrases=phrases, **kw)
        sec = time.perf_counter() - t0
        vecs = m.wv
        words = w2v.evaluate_analogies(vecs, eval_dir / "questions-words.txt")
        phr = w2v.evaluate_analogies(vecs, eval_dir / "questions-phrases.txt",
                                     restrict_vocab=None)
        out[name] = dict(seconds=sec, vocab=len(m.words),
                         phrase_words=sum("_" in w for w in m.words),
                         words_accuracy=words.accuracy, words_oov=words.oov_ratio,
                         phrases_accuracy=phr.accuracy, phrases_oov=phr.oov_ratio,
                         phrases_questions=phr.questions)
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", default=str(DATA / "wiki1e8.txt.gz"))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--repeat", type=int, default=3,
                   help="runs of ours (spread around the others; the median is reported)")
    p.add_argument("--workdir", default=None, help="keep outputs here (default: temporary)")
    p.add_argument("--skip-gensim", action="store_true")
    p.add_argument("--skip-training", action="store_true")
    a = p.parse_args(argv)
    if a.repeat < 1:
        p.error("--repeat must be at least 1")
    wd = Path(a.workdir or tempfile.mkdtemp(prefix="w2v-bench-phrases-"))
    wd.mkdir(parents=True, exist_ok=True)
    text = wd / "corpus.txt"
    with gzip.open(a.corpus) if a.corpus.endswith(".gz") else open(a.corpus, "rb") as f, \
            open(text, "wb") as g:
        shutil.copyfileobj(f, g, 1 << 22)
    res = {"corpus": a.corpus, "threads": a.threads, "load_before": os.getloadavg()}
    res["part1"] = part1(a, text, wd)
    if not a.skip_training:
        res["part2"] = part2(a, text)
    res["load_after"] = os.getloadavg()
    r1 = res["part1"]
    lines = ["| tool | wall s | CPU s | peak RSS MB | wall vs ours | CPU vs ours | RSS vs ours |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]

    def cpu(k):
        return r1[k]["user_seconds"] + r1[k]["sys_seconds"]

    for k in ("ours", "word2phrase", "gensim"):
        if k in r1:
            lines.append(f"| {k} | {r1[k]['wall_seconds']:.1f} | {cpu(k):.1f} | "
                         f"{r1[k]['peak_rss_mb']:.0f} | "
                         f"{r1[k]['wall_seconds'] / r1['ours']['wall_seconds']:.1f}x | "
                         f"{cpu(k) / cpu('ours'):.1f}x | "
                         f"{r1[k]['peak_rss_mb'] / r1['ours']['peak_rss_mb']:.2f}x |")
    print("\n".join(lines))
    print(json.dumps(res, indent=1, default=str))
    if a.workdir is None:
        shutil.rmtree(wd, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
