#!/usr/bin/env python3
"""Paragraph vectors side by side: word2vec_fast.doc2vec vs gensim's Doc2Vec.

Same settings, same thread count, one tool after the other in this process (the
ratios are only meaningful within one run: the machine may be shared).

``--task speed`` (default corpus: wiki1e8 cut into documents of ``--doc-words``
consecutive words, one per line, written once to ``--workdir``): training wall
time of PV-DBOW, PV-DBOW with word training and PV-DM, ours against gensim 4 in
both its modes (an in-memory list of ``TaggedDocument`` -- the "iterable" mode --
and ``corpus_file``), plus word2vec skip-gram and CBOW (``word2vec_fast.train``
against gensim's ``Word2Vec``, iterable and ``corpus_file``) on the same text, so
the document modes' ratios can be set beside the word modes'.  Words per second
are raw corpus words per wall second of training (vocabulary building excluded for
both; gensim's ``build_vocab`` and our reading are timed separately); each tool runs
``--repeat`` times and its fastest run counts (noise on a shared machine only adds).

``--task infer``: inference of ``--infer-docs`` new documents of 200 words (the
corpus's next words, never trained on) with a model trained on the corpus: ours
``infer_vectors`` (all threads) against a loop of gensim's ``infer_vector``, the
same epochs.

``--task lee``: gensim's Lee corpus (``lee_background.cor``, 300 documents, and
``lee.cor``, 50 documents with human similarity judgements,
``similarities0-1.txt``; shipped in gensim's test data), tokenised with
``gensim.utils.simple_preprocess`` for both: the Pearson correlation of the
cosine similarities of the 50 inferred documents with the judgements (upper
triangle), and self-retrieval (each training document inferred again: the share
whose nearest trained document is itself), mean over ``--seeds``.

``--task concat``: gensim's PV-DM by concatenation (``dm_concat=1``) against its mean
on Lee: training time and the human correlation (whether concatenation earns its cost).

``--task split``: the wiki documents' first halves trained, the second halves of
``--split-docs`` of them, evenly spaced over the corpus (so mostly from different
articles), inferred; each ranks the picked documents' first halves: the share whose
nearest is its own (top-1), and the mean reciprocal rank, mean over ``--seeds``
(``top1_all``/``mrr_all``: ranked among all the trained documents, where a partner
also competes with its article's neighbours); gensim in both its modes (its
``corpus_file`` mode decays the learning rate by each worker's share of an epoch as
if it were the whole epoch, so its rate stays higher than the schedule says).

    python bench/bench_doc2vec.py --task speed --json d2v_speed.json
    python bench/bench_doc2vec.py --task lee --seeds 3
    python bench/bench_doc2vec.py --task split --seeds 3
    python bench/bench_doc2vec.py --task infer
"""
from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import platform
import statistics
import sys
import time

# One BLAS thread: gensim calls BLAS from its workers, and an idle OpenBLAS pool spins
# for a while after each call, taking a core from whatever runs next (measured: our
# skip-gram 4.9 s alone, 8.5-9.0 s right after gensim's runs in the same process).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "shared", "data")


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def wiki_docs(workdir, doc_words, limit_words=None):
    """The wiki corpus as documents of ``doc_words`` words, one per line (cached)."""
    path = os.path.join(workdir, f"wiki_docs_{doc_words}.txt")
    if not os.path.exists(path):
        src = os.path.join(DATA, "wiki1e8.txt.gz")
        with gzip.open(src, "rt") as f:
            words = f.read().split()
        if limit_words:
            words = words[:limit_words]
        tmp = path + ".tmp"
        with open(tmp, "w") as out:
            for i in range(0, len(words) - doc_words + 1, doc_words):
                out.write(" ".join(words[i:i + doc_words]) + "\n")
        os.replace(tmp, path)
    return path


def read_docs(path):
    with open(path) as f:
        return [line.split() for line in f]


CONFIGS = {
    "dbow": dict(dm=False),
    "dbow_words": dict(dm=False, dbow_words=True),
    "dm": dict(dm=True),
}
# ours only: B consecutive words of a document share one draw of negatives (batch=B;
# batch=1: every word its own, as gensim and word2vec.c draw them)
for _b in (1, 2, 3, 4, 8):
    CONFIGS[f"dbow_shared{_b}"] = dict(dm=False, batch=_b)
OURS_ONLY = {name for name in CONFIGS if name.startswith("dbow_shared")}
DEFAULT_CONFIGS = ["dbow", "dbow_words", "dm", "dbow_shared1"]


def ours_d2v(corpus, cfg, a, threads, seed, epochs):
    from word2vec_fast import doc2vec
    t0 = time.perf_counter()
    m = doc2vec.train(corpus, dim=a.dim, window=a.window, negative=a.negative,
                      min_count=a.min_count, sample=a.sample, alpha=a.alpha,
                      min_alpha=a.min_alpha, epochs=epochs, threads=threads, seed=seed,
                      progress=False, **cfg)
    wall = time.perf_counter() - t0
    return m, dict(wall=wall, train=m.stats["train_seconds"], prepare=m.stats["prepare_seconds"],
                   words=m.stats["words"])


def gensim_d2v(corpus_path, docs, cfg, a, threads, seed, epochs, mode):
    from gensim.models.doc2vec import Doc2Vec, TaggedDocument
    cfg = {k: v for k, v in cfg.items() if k != "batch"}
    kw = dict(vector_size=a.dim, window=a.window, negative=a.negative, hs=0,
              min_count=a.min_count, sample=a.sample, alpha=a.alpha, min_alpha=a.min_alpha,
              epochs=epochs, workers=threads, seed=seed, dm=int(cfg.get("dm", False)),
              dbow_words=int(cfg.get("dbow_words", False)), dm_mean=1)
    m = Doc2Vec(**kw)
    t0 = time.perf_counter()
    if mode == "corpus_file":
        m.build_vocab(corpus_file=corpus_path)
    else:
        tagged = [TaggedDocument(d, [i]) for i, d in enumerate(docs)]
        m.build_vocab(tagged)
    t1 = time.perf_counter()
    if mode == "corpus_file":
        m.train(corpus_file=corpus_path, total_examples=m.corpus_count,
                total_words=m.corpus_total_words, epochs=epochs)
    else:
        m.train(tagged, total_examples=m.corpus_count, epochs=epochs)
    t2 = time.perf_counter()
    return m, dict(wall=t2 - t0, train=t2 - t1, prepare=t1 - t0,
                   words=int(m.corpus_total_words) * epochs)


def ours_w2v(path, sg, a, threads, seed, epochs):
    import word2vec_fast as w2v
    m = w2v.train(path, sg=sg, dim=a.dim, window=a.window, negative=a.negative,
                  min_count=a.min_count, sample=a.sample, alpha=a.alpha if sg else 0.05,
                  epochs=epochs, threads=threads, seed=seed, progress=False)
    return dict(train=m.stats["train_seconds"], words=m.stats["words"])


def gensim_w2v(path, docs, sg, a, threads, seed, epochs, mode):
    from gensim.models import Word2Vec
    m = Word2Vec(vector_size=a.dim, window=a.window, negative=a.negative, hs=0,
                 min_count=a.min_count, sample=a.sample, alpha=a.alpha if sg else 0.05,
                 epochs=epochs, workers=threads, seed=seed, sg=int(sg))
    if mode == "corpus_file":
        m.build_vocab(corpus_file=path)
        t0 = time.perf_counter()
        m.train(corpus_file=path, total_examples=m.corpus_count,
                total_words=m.corpus_total_words, epochs=epochs)
    else:
        m.build_vocab(docs)
        t0 = time.perf_counter()
        m.train(docs, total_examples=m.corpus_count, epochs=epochs)
    return dict(train=time.perf_counter() - t0, words=int(m.corpus_total_words) * epochs)


def _best(repeat, fn, *args):
    """The run of ``fn(*args)`` (a dict with ``train``) with the least training time of
    ``repeat``: the machine is shared, and its noise only ever adds time."""
    runs = [fn(*args) for _ in range(repeat)]
    best = min(runs, key=lambda r: r["train"])
    return dict(best, train_runs=[r["train"] for r in runs])


def task_speed(a, out):
    path = wiki_docs(a.workdir, a.doc_words)
    docs = read_docs(path)
    out["corpus"] = dict(path=path, documents=len(docs), words=sum(map(len, docs)))
    rows = {}
    for name in a.configs:
        cfg = CONFIGS[name]
        o = _best(a.repeat, lambda *x: ours_d2v(*x)[1], path, cfg, a, a.threads, 1, a.epochs)
        if name in OURS_ONLY:
            rows[name] = dict(ours=o)
            print(f"{name}: ours {o['train']:.2f} s ({o['words'] / o['train']:,.0f} w/s)",
                  flush=True)
            continue
        gi = _best(a.repeat, lambda *x: gensim_d2v(*x)[1], path, docs, cfg, a, a.threads, 1,
                   a.epochs, "iterable")
        gf = _best(a.repeat, lambda *x: gensim_d2v(*x)[1], path, docs, cfg, a, a.threads, 1,
                   a.epochs, "corpus_file")
        best = min(gi["train"], gf["train"])
        rows[name] = dict(ours=o, gensim_iterable=gi, gensim_corpus_file=gf,
                          ratio_vs_faster=best / o["train"],
                          ratio_vs_iterable=gi["train"] / o["train"],
                          ratio_vs_corpus_file=gf["train"] / o["train"])
        print(f"{name}: ours {o['train']:.2f} s ({o['words'] / o['train']:,.0f} w/s), gensim "
              f"iterable {gi['train']:.2f} s, corpus_file {gf['train']:.2f} s: "
              f"{rows[name]['ratio_vs_faster']:.2f}x the faster", flush=True)
    for name, sg in (("skipgram", True), ("cbow", False)):
        if name not in a.word_modes:
            continue
        o = _best(a.repeat, ours_w2v, path, sg, a, a.threads, 1, a.epochs)
        gi = _best(a.repeat, gensim_w2v, path, docs, sg, a, a.threads, 1, a.epochs, "iterable")
        gf = _best(a.repeat, gensim_w2v, path, docs, sg, a, a.threads, 1, a.epochs,
                   "corpus_file")
        best = min(gi["train"], gf["train"])
        rows[name] = dict(ours=o, gensim_iterable=gi, gensim_corpus_file=gf,
                          ratio_vs_faster=best / o["train"])
        print(f"{name}: ours {o['train']:.2f} s, gensim iterable {gi['train']:.2f} s, "
              f"corpus_file {gf['train']:.2f} s: {rows[name]['ratio_vs_faster']:.2f}x the "
              "faster", flush=True)
    for d, w in (("dbow_words", "skipgram"), ("dm", "cbow")):
        if d in rows and w in rows:
            rows[d]["share_of_word_mode_ratio"] = rows[d]["ratio_vs_faster"] / \
                rows[w]["ratio_vs_faster"]
            print(f"{d}: {rows[d]['share_of_word_mode_ratio']:.2f} of {w}'s ratio")
    out["speed"] = rows


def task_infer(a, out):
    path = wiki_docs(a.workdir, a.doc_words)
    docs = read_docs(path)
    n_train = len(docs) - a.infer_docs * 200 // a.doc_words - 1
    train_path = os.path.join(a.workdir, "infer_train.txt")
    with open(train_path, "w") as f:
        for d in docs[:n_train]:
            f.write(" ".join(d) + "\n")
    rest = [w for d in docs[n_train:] for w in d]
    new = [rest[i:i + 200] for i in range(0, a.infer_docs * 200, 200)]
    ours, _ = ours_d2v(train_path, CONFIGS["dbow"], a, a.threads, 1, 1)
    g, _ = gensim_d2v(train_path, docs[:n_train], CONFIGS["dbow"], a, a.threads, 1, 1,
                      "corpus_file")
    e = a.infer_epochs
    runs_ours, runs_g = [], []
    for _ in range(a.repeat):  # alternated; the fastest run of each counts
        t0 = time.perf_counter()
        ours.infer_vectors(new, epochs=e, threads=a.threads)
        runs_ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for d in new:
            g.infer_vector(d, epochs=e)
        runs_g.append(time.perf_counter() - t0)
    t_ours, t_g = min(runs_ours), min(runs_g)
    out["infer"] = dict(documents=len(new), words=200, epochs=e, ours=t_ours, gensim=t_g,
                        ours_runs=runs_ours, gensim_runs=runs_g,
                        ratio=t_g / t_ours, ours_docs_per_sec=len(new) / t_ours,
                        gensim_docs_per_sec=len(new) / t_g)
    print(f"infer {len(new)} x 200 words, {e} epochs: ours {t_ours:.2f} s "
          f"({len(new) / t_ours:,.0f} docs/s), gensim {t_g:.2f} s: {t_g / t_ours:.1f}x",
          flush=True)


def lee_files():
    import gensim.test.utils as gu
    base = os.path.join(os.path.dirname(gu.__file__), "test_data")
    return (os.path.join(base, "lee_background.cor"), os.path.join(base, "lee.cor"),
            os.path.join(base, "similarities0-1.txt"))


def task_lee(a, out):
    from gensim.utils import simple_preprocess
    bg, test, sims = lee_files()
    train_docs = [simple_preprocess(line) for line in open(bg, encoding="latin-1")]
    test_docs = [simple_preprocess(line) for line in open(test, encoding="latin-1")]
    human = np.loadtxt(sims)
    iu = np.triu_indices(len(test_docs), 1)
    path = os.path.join(a.workdir, "lee_train.txt")
    with open(path, "w") as f:
        for d in train_docs:
            f.write(" ".join(d) + "\n")
    res = {}
    for name in a.configs:
        cfg = CONFIGS[name]
        for tool in ("ours",) if name in OURS_ONLY else ("ours", "gensim"):
            corr, selfr = [], []
            for seed in range(1, a.seeds + 1):
                if tool == "ours":
                    m, _ = ours_d2v(path, cfg, a, a.threads, seed, a.lee_epochs)
                    inf = m.infer_vectors(test_docs)
                    again = m.infer_vectors(train_docs)
                    dv = m.dv.vectors
                else:
                    m, _ = gensim_d2v(path, train_docs, cfg, a, a.threads, seed, a.lee_epochs,
                                      "iterable")
                    inf = np.array([m.infer_vector(d) for d in test_docs])
                    again = np.array([m.infer_vector(d) for d in train_docs])
                    dv = m.dv.vectors
                u = inf / np.linalg.norm(inf, axis=1, keepdims=True)
                corr.append(float(np.corrcoef((u @ u.T)[iu], human[iu])[0, 1]))
                du = dv / np.linalg.norm(dv, axis=1, keepdims=True)
                ua = again / np.linalg.norm(again, axis=1, keepdims=True)
                selfr.append(float(np.mean(np.argmax(ua @ du.T, axis=1) ==
                                           np.arange(len(train_docs)))))
            res[f"{name}/{tool}"] = dict(pearson=statistics.mean(corr), pearson_runs=corr,
                                         self_retrieval=statistics.mean(selfr),
                                         self_runs=selfr)
            print(f"lee {name} {tool}: human correlation {statistics.mean(corr):.3f}, "
                  f"self-retrieval {statistics.mean(selfr):.3f} ({a.seeds} seeds)", flush=True)
    out["lee"] = res


def task_split(a, out):
    path = wiki_docs(a.workdir, a.doc_words)
    docs = read_docs(path)
    half = a.doc_words // 2
    first = [d[:half] for d in docs]
    second = [d[half:] for d in docs]
    fpath = os.path.join(a.workdir, "split_first.txt")
    with open(fpath, "w") as f:
        for d in first:
            f.write(" ".join(d) + "\n")
    # partners far apart (every k-th document: ~8,000 words between two at the
    # defaults, so mostly different articles); a second half's partner is ranked
    # among the first halves of the picked documents (and, for reference, among all)
    pick = np.unique(np.linspace(0, len(docs) - 1, min(a.split_docs, len(docs))).astype(int))
    res = {}
    for name in a.configs:
        cfg = CONFIGS[name]
        tools = ("ours",) if name in OURS_ONLY else ("ours", "gensim", "gensim_corpus_file")
        for tool in tools:
            runs = {"top1": [], "mrr": [], "top1_all": [], "mrr_all": []}
            for seed in range(1, a.seeds + 1):
                if tool == "ours":
                    m, _ = ours_d2v(fpath, cfg, a, a.threads, seed, a.split_epochs)
                    inf = m.infer_vectors([second[i] for i in pick])
                else:
                    mode = "corpus_file" if tool == "gensim_corpus_file" else "iterable"
                    m, _ = gensim_d2v(fpath, first, cfg, a, a.threads, seed, a.split_epochs,
                                      mode)
                    inf = np.array([m.infer_vector(second[i]) for i in pick])
                dv = m.dv.vectors
                du = dv / np.linalg.norm(dv, axis=1, keepdims=True)
                u = inf / np.linalg.norm(inf, axis=1, keepdims=True)
                for suffix, cand in (("", pick), ("_all", np.arange(len(docs)))):
                    s = u @ du[cand].T
                    own = (u * du[pick]).sum(axis=1)
                    ranks = (s > own[:, None] + 1e-6).sum(axis=1)
                    runs["top1" + suffix].append(float(np.mean(ranks == 0)))
                    runs["mrr" + suffix].append(float(np.mean(1.0 / (1 + ranks))))
            r = {k: statistics.mean(v) for k, v in runs.items()}
            r.update({k + "_runs": v for k, v in runs.items()})
            res[f"{name}/{tool}"] = r
            print(f"split {name} {tool}: among the {len(pick)} partners top-1 {r['top1']:.3f}, "
                  f"MRR {r['mrr']:.3f}; among all {len(docs)}: top-1 {r['top1_all']:.3f}, "
                  f"MRR {r['mrr_all']:.3f} ({a.seeds} seeds)", flush=True)
    out["split"] = res


def task_concat(a, out):
    """gensim's PV-DM with concatenation (dm_concat=1) against its mean, on Lee: does
    concatenation earn its cost?  (Not offered here; this measures whether it should be.)"""
    from gensim.models.doc2vec import Doc2Vec, TaggedDocument
    from gensim.utils import simple_preprocess
    bg, test, sims = lee_files()
    train_docs = [simple_preprocess(line) for line in open(bg, encoding="latin-1")]
    test_docs = [simple_preprocess(line) for line in open(test, encoding="latin-1")]
    human = np.loadtxt(sims)
    iu = np.triu_indices(len(test_docs), 1)
    tagged = [TaggedDocument(d, [i]) for i, d in enumerate(train_docs)]
    res = {}
    for name, kw in (("dm_mean", dict(dm_mean=1)), ("dm_concat", dict(dm_concat=1))):
        corr, secs = [], []
        for seed in range(1, a.seeds + 1):
            t0 = time.perf_counter()
            m = Doc2Vec(tagged, dm=1, vector_size=a.dim, window=a.window, min_count=a.min_count,
                        epochs=a.lee_epochs, workers=a.threads, seed=seed, alpha=a.alpha,
                        min_alpha=a.min_alpha, **kw)
            secs.append(time.perf_counter() - t0)
            inf = np.array([m.infer_vector(d) for d in test_docs])
            u = inf / np.linalg.norm(inf, axis=1, keepdims=True)
            corr.append(float(np.corrcoef((u @ u.T)[iu], human[iu])[0, 1]))
        res[name] = dict(pearson=statistics.mean(corr), seconds=statistics.mean(secs))
        print(f"gensim {name}: human correlation {statistics.mean(corr):.3f}, training "
              f"{statistics.mean(secs):.2f} s ({a.seeds} seeds)", flush=True)
    out["concat"] = res


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--task", choices=["speed", "infer", "lee", "split", "concat"],
                    default="speed")
    ap.add_argument("--workdir", default="/tmp/bench_doc2vec")
    ap.add_argument("--doc-words", type=int, default=300)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--window", type=int, default=5)
    ap.add_argument("--negative", type=int, default=5)
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--sample", type=float, default=1e-3)
    ap.add_argument("--alpha", type=float, default=0.025)
    ap.add_argument("--min-alpha", type=float, default=1e-4)
    ap.add_argument("--epochs", type=int, default=1, help="speed: epochs timed")
    ap.add_argument("--repeat", type=int, default=2,
                    help="speed: runs of each tool, the fastest kept")
    ap.add_argument("--configs", nargs="+", default=DEFAULT_CONFIGS, choices=list(CONFIGS))
    ap.add_argument("--word-modes", nargs="*", default=["skipgram", "cbow"])
    ap.add_argument("--infer-docs", type=int, default=2000)
    ap.add_argument("--infer-epochs", type=int, default=10)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--lee-epochs", type=int, default=40)
    ap.add_argument("--split-docs", type=int, default=2000)
    ap.add_argument("--split-epochs", type=int, default=5)
    ap.add_argument("--json")
    a = ap.parse_args(argv)
    os.makedirs(a.workdir, exist_ok=True)
    logging.basicConfig(level=logging.WARNING)
    import gensim
    import word2vec_fast
    out = dict(task=a.task, cpu=cpu_name(), threads=a.threads, gensim=gensim.__version__,
               simd=word2vec_fast.simd(), python=sys.version.split()[0],
               settings={k: v for k, v in vars(a).items() if k not in ("json",)})
    if a.task in ("lee", "concat"):
        a.min_count = 2 if "--min-count" not in (argv or sys.argv) else a.min_count
        a.dim = 50 if "--dim" not in (argv or sys.argv) else a.dim
    globals()[f"task_{a.task}"](a, out)
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
