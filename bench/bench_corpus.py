#!/usr/bin/env python3
"""Corpus reading side by side: counting, counting + encoding, and memory of huge corpora.

Every measurement runs in its own child process, one after the other, in
rounds (``--repeat``), so all tools see the same machine state; the table gives
the median of the rounds and the spread (min-max).

  wc -w               the floor: ``wc -w FILE``
  ours count          ``Vocab.build(FILE, min_count=5)`` (C scanner)
  ours count+encode   ``count_and_encode(FILE, min_count=5)``: vocabulary + int32 ids
  word2vec.c vocab    ``word2vec -train FILE -save-vocab V -min-count 5`` (no -output:
                      it returns right after saving the vocabulary)
  gensim build_vocab  ``Word2Vec(min_count=5).build_vocab(LineSentence(FILE))``

With ``--big FILE4`` (the corpus concatenated four times), it also trains one
skip-gram epoch on FILE with the default settings (ids in memory), and on FILE
and FILE4 with a small ``spill_bytes`` (ids through the memory-mapped path), and
compares the children's peak RSS (``os.wait4``).

    python bench/bench_corpus.py --corpus wiki1e8.txt --big wiki4x.txt \\
        --gz wiki1e8.txt.gz --lists --repeat 5 --train-repeat 2

``--memory-only`` runs just those training runs.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

OURS_COUNT = """
import json, sys, time
t = time.perf_counter()
import word2vec_fast as w2v
from word2vec_fast.corpus import count_and_encode
t0 = time.perf_counter()
if sys.argv[2] == "count":
    v = w2v.Vocab.build(sys.argv[1], min_count=5); n = len(v)
else:
    c = count_and_encode(sys.argv[1], min_count=5); n = len(c.vocab)
print(json.dumps({"seconds": time.perf_counter() - t0, "vocab": n}))
"""

GENSIM_COUNT = """
import json, sys, time, logging
from gensim.models import Word2Vec
from gensim.models.word2vec import LineSentence
m = Word2Vec(min_count=5, workers=2)
t0 = time.perf_counter()
m.build_vocab(LineSentence(sys.argv[1]))
print(json.dumps({"seconds": time.perf_counter() - t0, "vocab": len(m.wv)}))
"""

OURS_TRAIN = """
import json, sys, time
import word2vec_fast as w2v
t0 = time.perf_counter()
m = w2v.train(sys.argv[1], sg=True, epochs=1, threads=2, progress=False,
              spill_bytes=int(sys.argv[2]), min_count=int(sys.argv[3]))
print(json.dumps({"seconds": time.perf_counter() - t0, "words": m.stats["words"],
                  "vocab": len(m.words)}))
"""


def run(cmd):
    """Wall seconds, stdout and stderr of a child process."""
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True)
    wall = time.perf_counter() - t0
    if p.returncode:
        raise SystemExit(f"{cmd[:3]} failed: {p.stderr.decode()[-2000:]}")
    return wall, p.stdout.decode(), p.stderr.decode()


def run_rss(cmd):
    """Like run, but with the child's own peak RSS from os.wait4 (MB)."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = p.stdout.read()
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    if status:
        raise SystemExit(f"{cmd[:3]} failed: {err.decode()[-2000:]}")
    return wall, ru.ru_maxrss / 1024, json.loads(out.decode().strip().splitlines()[-1])


EXTRA = """
import statistics, subprocess, sys, time
from collections import Counter
import numpy as np
import word2vec_fast as w2v

txt, gz, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])

def timed(f):
    t0 = time.perf_counter(); f(); return time.perf_counter() - t0

def report(rows):
    for k, v in rows.items():
        print(f"  {k:36s} {statistics.median(v):.3f} s ({min(v):.3f}-{max(v):.3f})", flush=True)

if gz != "-":
    rows = {"gzip -dc FILE.gz > /dev/null": [], "Vocab.build(FILE.gz)": [],
            "Vocab.build(FILE)": []}
    for _ in range(rounds):
        rows["gzip -dc FILE.gz > /dev/null"].append(timed(
            lambda: subprocess.run(["sh", "-c", f"gzip -dc '{gz}' > /dev/null"], check=True)))
        rows["Vocab.build(FILE.gz)"].append(timed(lambda: w2v.Vocab.build(gz)))
        rows["Vocab.build(FILE)"].append(timed(lambda: w2v.Vocab.build(txt)))
    report(rows)

toks = open(txt, encoding="utf-8", errors="surrogateescape").read().split()
sents = [toks[i:i + 1000] for i in range(0, len(toks), 1000)]
del toks
print(f"  the corpus as {len(sents)} Python lists of 1000 str tokens:")

def python_way():  # what a pure-Python pipeline does: Counter, then a dict look-up per token
    c = Counter()
    for s in sents:
        c.update(s)
    v = w2v.Vocab.from_counter(c, 5)
    get = v.index.get
    return [np.fromiter((get(x, -1) for x in s), dtype=np.int64, count=len(s)) for s in sents]

rows = {"Counter + dict look-ups (Python)": [], "Vocab.build(lists)": [],
        "count_and_encode(lists)": []}
for _ in range(rounds):
    rows["Counter + dict look-ups (Python)"].append(timed(python_way))
    rows["Vocab.build(lists)"].append(timed(lambda: w2v.Vocab.build(sents)))
    rows["count_and_encode(lists)"].append(timed(lambda: w2v.count_and_encode(sents)))
report(rows)
"""


def memory_runs(a):
    """Peak RSS of one training epoch per child process: 1x in memory, 1x and 4x mapped."""
    f = a.corpus
    default = 1 << 30
    # min_count 20 on the 4x corpus keeps exactly the words of min_count 5 on the 1x
    # one, so the model (vocabulary x dim matrices) is the same size and only the
    # corpus length differs
    runs = (("1x, in memory", f, default, 5), ("1x, spill", f, a.spill_bytes, 5),
            ("4x, spill", a.big, a.spill_bytes, 20))
    print(f"\ntraining one skip-gram epoch, 2 threads; 'spill' = spill_bytes={a.spill_bytes} "
          "(ids beyond it go to a memory-mapped file); peak RSS of each child:")
    rss = {name: [] for name, _, _, _ in runs}
    for r in range(a.train_repeat):
        for name, path, spill, mc in runs:
            wall, mb, res = run_rss([a.python, "-c", OURS_TRAIN, path, str(spill), str(mc)])
            rss[name].append(mb)
            print(f"round {r + 1} {name:14s} {wall:7.2f} s  peak RSS {mb:7.1f} MB  "
                  f"words {res['words']}  vocab {res['vocab']} (min_count {mc})", flush=True)
    for name in rss:
        print(f"  {name:14s} peak RSS {statistics.median(rss[name]):7.1f} MB "
              f"({min(rss[name]):.1f}-{max(rss[name]):.1f})")
    for base in ("1x, in memory", "1x, spill"):
        rs = [b / s for s, b in zip(rss[base], rss["4x, spill"])]
        print(f"  peak RSS 4x spill / {base}: {statistics.median(rs):.3f} "
              f"(rounds {min(rs):.3f}-{max(rs):.3f})   [target <= 1.10]")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--big", help="the corpus concatenated 4 times (memory test)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--python", default=sys.executable, help="Python with word2vec_fast+gensim")
    ap.add_argument("--word2vec", default=shutil.which("word2vec")
                    or os.path.join(os.path.dirname(sys.executable), "word2vec"))
    ap.add_argument("--skip-gensim", action="store_true")
    ap.add_argument("--spill-bytes", type=int, default=32 << 20,
                    help="spill_bytes of the 'spill' training runs (default 32 MiB)")
    ap.add_argument("--train-repeat", type=int, default=2, help="rounds of the training runs")
    ap.add_argument("--gz", help="the corpus gzipped: time reading it against gzip -dc")
    ap.add_argument("--lists", action="store_true",
                    help="also time the corpus given as Python lists of str (in one process)")
    ap.add_argument("--memory-only", action="store_true",
                    help="only the training memory runs of --big (no counting timings)")
    a = ap.parse_args(argv)
    if a.memory_only:
        if not a.big:
            ap.error("--memory-only needs --big")
        memory_runs(a)
        return
    f = a.corpus
    with open(f, "rb") as fh:  # warm the page cache
        while fh.read(1 << 24):
            pass
    tmp = tempfile.mkdtemp(prefix="bench_corpus")
    tools = {
        "wc -w": ["wc", "-w", f],
        "ours count": [a.python, "-c", OURS_COUNT, f, "count"],
        "ours count+encode": [a.python, "-c", OURS_COUNT, f, "encode"],
        "word2vec.c vocab": [a.word2vec, "-train", f, "-save-vocab",
                             os.path.join(tmp, "v.txt"), "-min-count", "5"],
    }
    if not a.skip_gensim:
        tools["gensim build_vocab"] = [a.python, "-c", GENSIM_COUNT, f]
    times = {k: [] for k in tools}
    inner = {k: [] for k in tools}
    for r in range(a.repeat):
        for name, cmd in tools.items():
            wall, out, _ = run(cmd)
            times[name].append(wall)
            if out.strip().startswith("{"):
                inner[name].append(json.loads(out)["seconds"])
            print(f"round {r + 1} {name:20s} {wall:7.3f} s wall"
                  + (f"  ({inner[name][-1]:.3f} s inside)" if inner[name] else ""), flush=True)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"\n{a.repeat} rounds, wall seconds of each child process (median, min-max):")
    for k, v in times.items():
        extra = (f"   in-process {statistics.median(inner[k]):.3f} s "
                 f"({min(inner[k]):.3f}-{max(inner[k]):.3f})") if inner[k] else ""
        print(f"  {k:20s} {med[k]:7.3f} s ({min(v):.3f}-{max(v):.3f}){extra}")

    def ratio(x, y, target):
        rs = [p / q for p, q in zip(times[x], times[y])]
        print(f"  {x} / {y}: {statistics.median(rs):.2f}x (rounds {min(rs):.2f}-{max(rs):.2f})"
              f"   [{target}]")

    print("ratios per round (same round, side by side):")
    ratio("ours count", "wc -w", "target <= 3")
    if "gensim build_vocab" in times:
        ratio("gensim build_vocab", "ours count", "target >= 10")
        rs = [p / q for p, q in zip(inner["gensim build_vocab"], inner["ours count"])]
        print(f"  ... in-process (build_vocab call vs Vocab.build call, no interpreter start-up "
              f"or imports): {statistics.median(rs):.2f}x (rounds {min(rs):.2f}-{max(rs):.2f})")
    ratio("word2vec.c vocab", "ours count", "target > 1")
    ratio("ours count+encode", "ours count", "target <= 2")

    if a.gz or a.lists:
        print("\nin one process, median of rounds (min-max):", flush=True)
        subprocess.run([a.python, "-c", EXTRA, f, a.gz or "-", str(a.repeat)], check=True)

    if a.big:
        memory_runs(a)
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
