#!/usr/bin/env python3
"""Subword vectors side by side: word2vec_fast (``subwords=True``) vs fastText.

For every mode (skip-gram, CBOW) and every tool, one after the other, each in its
own subprocess on the same plain-text file:

* ``ours``: ``word2vec_fast.train(corpus, subwords=True, minn, maxn, buckets, ...)``;
* ``fasttext``: ``fasttext.train_unsupervised(input, model='skipgram'|'cbow', loss='ns',
  bucket, minn, maxn, ...)`` from the PyPI wheel ``fasttext-wheel``;
* ``plain``: our own training without subwords at the same settings (the subword
  target is "at most 2.0x the time of our plain training").

Recorded per run: the child's wall time, the time and CPU time of the train call
(reading, vocabulary and training: neither tool splits them the same way), the
child's CPU seconds and its own peak RSS (``os.wait4``, via ``compare.run_measured``),
and words/s = (corpus tokens whose word has count >= min_count) x epochs / train-call
seconds: one ``N`` for every tool, so ratios of words/s are ratios of time.

Each child writes its vocabulary's vectors (``.npy`` + word list, most frequent
first) and the vectors of the Rare Words set's words, known or not (composed from
character n-grams where the tool can).  The parent scores them afterwards with
``word2vec_fast.evaluation`` (gensim's protocol, checked equal to gensim's by the
tests): Google analogies on the 30,000 most frequent words, semantic and syntactic
("gram*" sections) separately; WordSim-353 Spearman; and on Stanford Rare Words
(``--rw``, Luong et al. 2013) Spearman three ways: unknown words composed from
n-grams, pairs with an unknown word left out (gensim's rule), and unknown words
given a null vector (similarity 0: the fastText paper's "sisg-"), plus coverage.

    python bench/bench_fasttext.py --rw /work/rw/rw.txt            # wiki1e8, sg and cbow
    python bench/bench_fasttext.py --corpus ../shared/data/text8-head.txt.gz --epochs 1 \\
        --bucket 200000 --modes sg --tools plain,fasttext            # a quick check

Until the package has subword training (``train`` without a ``subwords``
parameter), ``ours`` trains without subwords and its rows are marked so.
Compare ratios measured in one run: the machine may be shared.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from compare import PREPARE_FLAG, REPO_ROOT, fmt, run_measured, tail  # noqa: E402

DATA = REPO_ROOT.parent / "shared" / "data"
COMPARE = Path(__file__).resolve().parent / "compare.py"
TRAIN_FLAG = "--internal-train"
ALL_TOOLS = ("ours", "fasttext", "plain")
ALL_MODES = ("sg", "cbow")
FT_EOS = "</s>"  # fastText's end-of-line token: in its vocabulary, not a word of the text


# --------------------------------------------------------------------------
# The child: train one tool, write its vectors
# --------------------------------------------------------------------------

def _rw_vectors(words, index, matrix, lookup, dim):
    """(known, has_vector, vectors) of ``words``: known = in the training vocabulary;
    an unknown word's vector comes from ``lookup`` (None or an exception: none)."""
    import numpy as np
    known = np.zeros(len(words), dtype=bool)
    has = np.zeros(len(words), dtype=bool)
    out = np.zeros((len(words), dim), dtype=np.float32)
    for i, w in enumerate(words):
        row = index.get(w)
        if row is not None:
            known[i] = has[i] = True
            out[i] = matrix[row]
            continue
        try:
            v = lookup(w)
        except Exception:  # KeyError: no vector for an unknown word
            v = None
        if v is not None:
            v = np.asarray(v, dtype=np.float32).reshape(-1)
            if v.shape == (dim,) and np.isfinite(v).all() and np.any(v):
                has[i] = True
                out[i] = v
    return known, has, out


def train_child(cfg_path: str) -> int:
    """Entry point of a training child: ``cfg`` in a JSON file; results to ``cfg['result']``."""
    import numpy as np
    cfg = json.loads(Path(cfg_path).read_text())
    rw_words = (Path(cfg["rw_words"]).read_text("utf-8").split("\n")
                if cfg.get("rw_words") else [])
    rw_words = [w for w in rw_words if w]
    res = {"tool": cfg["tool"], "mode": cfg["mode"]}

    if cfg["tool"] == "fasttext":
        import fasttext
        kw = dict(input=cfg["corpus"], model="skipgram" if cfg["mode"] == "sg" else "cbow",
                  dim=cfg["dim"], ws=cfg["window"], epoch=cfg["epochs"],
                  minCount=cfg["min_count"], neg=cfg["neg"], loss="ns", bucket=cfg["bucket"],
                  minn=cfg["minn"], maxn=cfg["maxn"], thread=cfg["threads"],
                  t=cfg["ft_sample"], lr=cfg["ft_lr"], verbose=0)
        res["call"] = {k: v for k, v in kw.items() if k != "input"}
        t0, c0 = time.perf_counter(), time.process_time()
        m = fasttext.train_unsupervised(**kw)
        res["train_call_seconds"] = time.perf_counter() - t0
        res["train_call_cpu_seconds"] = time.process_time() - c0
        t0 = time.perf_counter()
        all_words = m.get_words(on_unicode_error="replace")
        words = [w for w in all_words if w != FT_EOS]
        res["eos_in_vocab"] = len(words) != len(all_words)
        matrix = np.stack([m.get_word_vector(w) for w in words]).astype(np.float32)
        res["export"] = "get_word_vector (word + its n-grams, as fastText's .vec)"
        res["subwords_used"] = cfg["maxn"] >= cfg["minn"] > 0 and cfg["bucket"] > 0
        lookup = m.get_word_vector
    else:
        import inspect
        if str(REPO_ROOT) not in sys.path:  # this checkout's package, built in place
            sys.path.insert(0, str(REPO_ROOT))
        import word2vec_fast as w2v
        res["ours_version"] = w2v.__version__
        res["ours_file"] = w2v.__file__
        res["ours_simd"] = w2v.simd()
        has_subwords = "subwords" in inspect.signature(w2v.train).parameters
        res["api_has_subwords"] = has_subwords
        kw = dict(sg=cfg["mode"] == "sg", dim=cfg["dim"], window=cfg["window"],
                  negative=cfg["neg"], hs=False, epochs=cfg["epochs"], threads=cfg["threads"],
                  sample=cfg["sample"], min_count=cfg["min_count"], seed=1, progress=False)
        if cfg.get("alpha") is not None:
            kw["alpha"] = cfg["alpha"]
        want = cfg["tool"] == "ours"
        if want and has_subwords:
            kw.update(subwords=True, minn=cfg["minn"], maxn=cfg["maxn"], buckets=cfg["bucket"])
        elif want:
            print("bench_fasttext: word2vec_fast.train has no `subwords` parameter yet: "
                  "`ours` trains WITHOUT subwords", file=sys.stderr)
        res["subwords_used"] = want and has_subwords
        res["call"] = dict(kw)
        t0, c0 = time.perf_counter(), time.process_time()
        model = w2v.train(cfg["corpus"], **kw)
        res["train_call_seconds"] = time.perf_counter() - t0
        res["train_call_cpu_seconds"] = time.process_time() - c0
        res["stats"] = {k: v for k, v in getattr(model, "stats", {}).items()
                        if isinstance(v, (int, float, str, bool))}
        t0 = time.perf_counter()
        wv = model.wv
        words = list(getattr(wv, "index_to_key", None) or model.words)
        # A subword model's rows may be the word-only input vectors or the composed
        # ones: export what wv[word] gives (compare a sample; else ask word by word).
        matrix = getattr(wv, "vectors", None)
        ok = matrix is not None and np.shape(matrix)[0] == len(words)
        if ok:
            matrix = np.asarray(matrix, dtype=np.float32)
            sample = range(0, len(words), max(1, len(words) // 25))
            ok = all(np.allclose(np.asarray(wv.get_vector(words[i]), dtype=np.float32),
                                 matrix[i], rtol=1e-5, atol=1e-6) for i in sample)
        if ok:
            res["export"] = "wv.vectors (rows equal wv.get_vector on a sample)"
        else:
            matrix = np.stack([np.asarray(wv.get_vector(w), dtype=np.float32)
                               for w in words])
            res["export"] = "wv.get_vector per word"
        # a subword model composes unknown words; a plain one raises KeyError
        lookup = wv.get_vector
        res["rw_contains"] = sum(1 for w in rw_words if w in wv)

    index = dict(zip(words, range(len(words))))
    np.save(cfg["vectors"], matrix)
    Path(cfg["words"]).write_text("".join(w + "\n" for w in words), "utf-8")
    if rw_words:
        known, has, vecs = _rw_vectors(rw_words, index, matrix, lookup, matrix.shape[1])
        np.savez(cfg["rw_vectors"], known=known, has=has, vectors=vecs)
    res["export_seconds"] = time.perf_counter() - t0
    res["vocab_size"] = len(words)
    res["dim"] = int(matrix.shape[1])
    Path(cfg["result"]).write_text(json.dumps(res, default=str))
    return 0


# --------------------------------------------------------------------------
# The parent: corpus, host and build facts, runs, evaluation, report
# --------------------------------------------------------------------------

def log(msg: str) -> None:
    print(f"[bench_fasttext] {msg}", file=sys.stderr, flush=True)


def cpu_info() -> dict:
    info = {"model_name": None, "avx2": None, "avx512f": None, "cpus": os.cpu_count()}
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        m = re.search(r"^Model name:\s*(.+)$", out, re.M)
        info["model_name"] = m.group(1).strip() if m else None
    except OSError:
        pass
    try:
        flags = set()
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
        info["avx2"], info["avx512f"] = "avx2" in flags, "avx512f" in flags
    except OSError:
        pass
    return info


def fasttext_build() -> dict:
    """Which fastText this is, found without importing it (the parent stays small)."""
    import importlib.metadata as md
    import importlib.util
    info = {}
    for dist in ("fasttext-wheel", "fasttext"):
        try:
            info["distribution"], info["version"] = dist, md.version(dist)
            break
        except md.PackageNotFoundError:
            continue
    spec = importlib.util.find_spec("fasttext")
    info["module"] = spec.origin if spec else None
    ext = importlib.util.find_spec("fasttext_pybind")
    so = ext.origin if ext else None
    info["extension"] = so
    if so and shutil.which("objdump"):
        # count register uses in the disassembly, streamed (it is ~8 MB of text, and this
        # process's peak RSS is the floor of every child's)
        n = {"ymm": 0, "zmm": 0, "xmm": 0}
        with subprocess.Popen(["objdump", "-d", "--no-show-raw-insn", so],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True) as p:
            for line in p.stdout:
                if "mm" in line:
                    for reg in n:
                        n[reg] += line.count("%" + reg)
        info.update({f"objdump_{reg}": c for reg, c in n.items()})
        info["uses_avx"] = n["ymm"] + n["zmm"] > 0
    return info


def read_rw(path: Path) -> list[tuple[str, str, float]]:
    """Rare Words pairs: ``word1 TAB word2 TAB score [TAB 10 individual scores]``."""
    pairs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.rstrip("\n").split("\t") if "\t" in line else line.split()
            if len(parts) < 3:
                continue
            try:
                pairs.append((parts[0], parts[1], float(parts[2])))
            except ValueError:
                continue
    if not pairs:
        raise SystemExit(f"{path}: no word pairs (expected word1<TAB>word2<TAB>score...)")
    return pairs


def spearman(x, y) -> float:
    from scipy.stats import spearmanr
    return float(spearmanr(x, y)[0])


def eval_rw(npz: Path, rw_words: list[str], pairs) -> dict:
    import numpy as np
    d = np.load(npz)
    known, has, vec = d["known"], d["has"], d["vectors"].astype(np.float64)
    at = {w: i for i, w in enumerate(rw_words)}
    norm = np.linalg.norm(vec, axis=1)
    unit = np.divide(vec, norm[:, None], out=np.zeros_like(vec), where=norm[:, None] > 0)
    ia = np.array([at[a] for a, _, _ in pairs])
    ib = np.array([at[b] for _, b, _ in pairs])
    gold = np.array([s for _, _, s in pairs])
    cos = np.einsum("ij,ij->i", unit[ia], unit[ib])
    both_known = known[ia] & known[ib]
    both_vec = has[ia] & has[ib]
    r = {
        "pairs": len(pairs), "words": len(rw_words),
        "words_known": int(known.sum()),
        "pairs_both_known": int(both_known.sum()),
        "pairs_known_pct": 100.0 * both_known.mean(),
        "pairs_with_vectors": int(both_vec.sum()),
        # unknown words composed from n-grams (every pair, where the tool can)
        "spearman_composed": spearman(gold, cos) if both_vec.all() else None,
        # pairs with an unknown word left out (gensim's evaluate_word_pairs rule)
        "spearman_known_only": (spearman(gold[both_known], cos[both_known])
                                if both_known.sum() > 2 else None),
        # unknown words given a null vector: similarity 0 (the fastText paper's sisg-)
        "spearman_null_oov": spearman(gold, np.where(both_known, cos, 0.0)),
    }
    return r


def evaluate_run(r: dict, a, rw_words, rw_pairs) -> dict:
    import numpy as np
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    import word2vec_fast as w2v
    words = Path(r["words_path"]).read_text("utf-8").split("\n")[:-1]
    vecs = w2v.Vectors(words, np.load(r["vectors_path"]))
    ev = {}
    if a.questions:
        an = w2v.evaluate_analogies(vecs, a.questions, restrict_vocab=30000)
        ev.update(analogy_pct=100 * an.accuracy, semantic_pct=100 * an.semantic_accuracy,
                  syntactic_pct=100 * an.syntactic_accuracy, analogy_evaluated=an.evaluated,
                  analogy_correct=an.correct, analogy_oov_pct=an.oov_ratio)
    if a.pairs:
        wp = w2v.evaluate_word_pairs(vecs, a.pairs)
        ev.update(ws353_spearman=wp.spearman, ws353_pearson=wp.pearson,
                  ws353_oov_pct=wp.oov_ratio)
    if rw_pairs and r.get("rw_path") and Path(r["rw_path"]).is_file():
        ev["rw"] = eval_rw(Path(r["rw_path"]), rw_words, rw_pairs)
    return ev


def label(r: dict) -> str:
    if r["tool"] == "ours" and r.get("subwords_used") is False:
        return "ours (NO subwords: API missing)"
    return {"ours": "ours (subwords)", "plain": "ours plain", "fasttext": "fastText"}[r["tool"]]


def make_tables(runs: list[dict]) -> str:
    speed = ["| mode | tool | wall s | train s | CPU s | peak RSS MB | words/s | "
             "time ÷ ours | time ÷ plain | vocab |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    qual = ["| mode | tool | analogy % | semantic % | syntactic % | WS353 ρ | "
            "RW ρ composed | RW ρ known pairs | RW ρ OOV→0 | RW pairs known % |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in runs:
        mode = "skip-gram" if r["mode"] == "sg" else "CBOW"
        if r.get("returncode") != 0 or "train_call_seconds" not in r:
            speed.append(f"| {mode} | {r['tool']} | FAILED (exit {r.get('returncode')}) "
                         + "| " * 7 + "|")
            continue
        peers = {p["tool"]: p for p in runs if p["mode"] == r["mode"]
                 and p.get("returncode") == 0 and "train_call_seconds" in p}
        ratio = {}
        for base in ("ours", "plain"):
            ratio[base] = (r["train_call_seconds"] / peers[base]["train_call_seconds"]
                           if base in peers and base != r["tool"] else None)
        speed.append(
            f"| {mode} | {label(r)} | {r['wall_seconds']:.1f} | {r['train_call_seconds']:.1f} | "
            f"{r['cpu_seconds']:.1f} | {r['peak_rss_mb']:,.0f} | {r['words_per_sec']:,.0f} | "
            f"{fmt(ratio['ours'], '.2f')} | {fmt(ratio['plain'], '.2f')} | "
            f"{r['vocab_size']:,} |")
        ev = r.get("eval", {})
        rw = ev.get("rw", {})
        qual.append(
            f"| {mode} | {label(r)} | {fmt(ev.get('analogy_pct'), '.1f')} | "
            f"{fmt(ev.get('semantic_pct'), '.1f')} | {fmt(ev.get('syntactic_pct'), '.1f')} | "
            f"{fmt(ev.get('ws353_spearman'), '.3f')} | {fmt(rw.get('spearman_composed'), '.3f')} | "
            f"{fmt(rw.get('spearman_known_only'), '.3f')} | "
            f"{fmt(rw.get('spearman_null_oov'), '.3f')} | "
            f"{fmt(rw.get('pairs_known_pct'), '.1f')} |")
    return "\n".join(speed) + "\n\n" + "\n".join(qual)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", type=Path, default=DATA / "wiki1e8.txt.gz",
                   help="plain text or .gz (decompressed once into the work directory)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--dim", type=int, default=100)
    p.add_argument("--window", type=int, default=5)
    p.add_argument("--neg", type=int, default=5)
    p.add_argument("--minn", type=int, default=3)
    p.add_argument("--maxn", type=int, default=6)
    p.add_argument("--bucket", type=int, default=2_000_000,
                   help="n-gram hash buckets (fastText's bucket, our buckets)")
    p.add_argument("--min-count", type=int, default=5)
    p.add_argument("--sample", type=float, default=1e-4,
                   help="subsampling threshold for ours and plain, and fastText's t unless "
                        "--ft-sample (default 1e-4: fastText's default t; word2vec.c's and "
                        "compare.py's is 1e-3)")
    p.add_argument("--ft-sample", type=float, default=None,
                   help="fastText's t if it should differ from --sample")
    p.add_argument("--alpha", type=float, default=None,
                   help="our starting learning rate (default ours': 0.025 skip-gram, 0.05 CBOW)")
    p.add_argument("--ft-lr", type=float, default=0.05,
                   help="fastText's lr (default 0.05, its default for both models)")
    p.add_argument("--modes", default="sg,cbow", help="comma-separated: sg, cbow")
    p.add_argument("--tools", default="ours,fasttext,plain",
                   help="comma-separated, run in this order: ours, fasttext, plain")
    p.add_argument("--eval-dir", type=Path, default=DATA / "eval",
                   help="holds questions-words.txt and wordsim353.tsv")
    p.add_argument("--rw", type=Path, default=None,
                   help="Stanford Rare Words file (word1<TAB>word2<TAB>score...), optional")
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "fasttext.json",
                   help="results JSON (default: bench/fasttext.json)")
    p.add_argument("--workdir", type=Path, default=None,
                   help="plain corpus, vectors, logs (default: a temp dir, removed at the end)")
    p.add_argument("--no-eval", action="store_true", help="skip the quality evaluation")
    a = p.parse_args(argv)
    a.modes = [m.strip() for m in a.modes.split(",") if m.strip()]
    a.tools = [t.strip() for t in a.tools.split(",") if t.strip()]
    if bad := [m for m in a.modes if m not in ALL_MODES]:
        p.error(f"unknown mode(s) {bad}; choose from {list(ALL_MODES)}")
    if bad := [t for t in a.tools if t not in ALL_TOOLS]:
        p.error(f"unknown tool(s) {bad}; choose from {list(ALL_TOOLS)}")
    if not a.corpus.is_file():
        p.error(f"corpus {a.corpus} not found")
    a.ft_sample = a.sample if a.ft_sample is None else a.ft_sample
    a.questions = a.eval_dir / "questions-words.txt"
    a.pairs = a.eval_dir / "wordsim353.tsv"
    if not a.no_eval:
        for f in (a.questions, a.pairs):
            if not f.is_file():
                p.error(f"{f} not found (--eval-dir, or --no-eval)")
    if a.rw is not None and not a.rw.is_file():
        p.error(f"--rw {a.rw} not found")
    return a


def main(argv=None) -> int:
    a = parse_args(argv)
    keep = a.workdir is not None
    wd = (a.workdir or Path(tempfile.mkdtemp(prefix="w2v-bench-fasttext-"))).resolve()
    wd.mkdir(parents=True, exist_ok=True)
    log(f"workdir {wd}")
    try:
        return run_all(a, wd)
    finally:
        if not keep:
            shutil.rmtree(wd, ignore_errors=True)


def run_all(a, wd: Path) -> int:
    # Decompress and count in a child (compare.py's own), so that this process stays
    # small: a child's ru_maxrss starts from its parent's RSS at the fork.
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, str(COMPARE), PREPARE_FLAG, str(a.corpus.resolve()),
                        str(wd), str(a.min_count)], stdout=subprocess.PIPE, text=True)
    if p.returncode != 0:
        log("preparing the corpus failed")
        return 2
    corpus_info = json.loads(p.stdout.strip().splitlines()[-1])
    corpus = corpus_info["plain"]
    kept = corpus_info["kept_tokens"]
    log(f"corpus {corpus}: {corpus_info['tokens']:,} tokens, {kept:,} with count >= "
        f"{a.min_count} in {corpus_info['kept_vocab']:,} words "
        f"({time.perf_counter() - t0:.1f} s)")

    rw_pairs, rw_words = None, []
    if a.rw:
        rw_pairs = read_rw(a.rw)
        rw_words = sorted({w for x, y, _ in rw_pairs for w in (x, y)})
        (wd / "rw_words.txt").write_text("".join(w + "\n" for w in rw_words), "utf-8")
        log(f"Rare Words: {len(rw_pairs)} pairs, {len(rw_words)} distinct words ({a.rw})")

    host = cpu_info()
    ft_build = fasttext_build() if "fasttext" in a.tools else None
    ours_alpha = {m: a.alpha if a.alpha is not None else (0.025 if m == "sg" else 0.05)
                  for m in a.modes}

    runs = []
    for mode in a.modes:
        for tool in a.tools:
            name = f"{tool}-{mode}"
            cfg = {"tool": tool, "mode": mode, "corpus": corpus, "dim": a.dim,
                   "window": a.window, "neg": a.neg, "epochs": a.epochs,
                   "threads": a.threads, "min_count": a.min_count, "minn": a.minn,
                   "maxn": a.maxn, "bucket": a.bucket, "sample": a.sample,
                   "ft_sample": a.ft_sample, "alpha": a.alpha, "ft_lr": a.ft_lr,
                   "rw_words": str(wd / "rw_words.txt") if rw_words else None,
                   "vectors": str(wd / f"{name}.npy"), "words": str(wd / f"{name}.words.txt"),
                   "rw_vectors": str(wd / f"{name}.rw.npz"),
                   "result": str(wd / f"{name}.result.json")}
            cfg_path = wd / f"{name}.cfg.json"
            cfg_path.write_text(json.dumps(cfg, indent=1))
            log(f"running {name} ...")
            r = run_measured([sys.executable, str(Path(__file__).resolve()), TRAIN_FLAG,
                              str(cfg_path)], wd / name)
            r.update(tool=tool, mode=mode, name=name,
                     cpu_seconds=r["user_seconds"] + r["sys_seconds"])
            if r["returncode"] == 0 and Path(cfg["result"]).is_file():
                r.update(json.loads(Path(cfg["result"]).read_text()))
                r["words_per_sec"] = kept * a.epochs / r["train_call_seconds"]
                r["words_per_sec_wall"] = kept * a.epochs / r["wall_seconds"]
                r.update(vectors_path=cfg["vectors"], words_path=cfg["words"],
                         rw_path=cfg["rw_vectors"] if rw_words else None)
                log(f"  {name}: wall {r['wall_seconds']:.1f} s, train call "
                    f"{r['train_call_seconds']:.1f} s, CPU {r['cpu_seconds']:.1f} s, "
                    f"peak RSS {r['peak_rss_mb']:,.0f} MB, {r['words_per_sec']:,.0f} words/s")
            else:
                log(f"  {name} failed (exit {r['returncode']}); stderr tail:\n"
                    f"{tail(r['stderr_path'])}")
            if Path(r["stderr_path"]).stat().st_size and r["returncode"] == 0:
                r["stderr_tail"] = tail(r["stderr_path"], 600)
            runs.append(r)

    if not a.no_eval:
        for r in runs:
            if r["returncode"] == 0 and "vectors_path" in r:
                log(f"evaluating {r['name']} ...")
                r["eval"] = evaluate_run(r, a, rw_words, rw_pairs)

    ours_build = next(({k: r[k] for k in ("ours_version", "ours_file", "ours_simd",
                                          "api_has_subwords") if k in r}
                       for r in runs if "ours_simd" in r), None)
    head = [
        f"{a.corpus.name}: {corpus_info['tokens']:,} tokens ({kept:,} with count >= "
        f"{a.min_count}, {corpus_info['kept_vocab']:,} words); dim {a.dim}, window {a.window}, "
        f"negative {a.neg}, {a.epochs} epoch(s), {a.threads} thread(s); subwords: n-grams "
        f"{a.minn}-{a.maxn}, {a.bucket:,} buckets",
        f"sample: ours/plain {a.sample:g} (word2vec.c's rule), fastText t {a.ft_sample:g} "
        f"(its default 1e-4); learning rate: ours/plain "
        + ", ".join(f"{m} {ours_alpha[m]:g}" for m in a.modes)
        + f", fastText lr {a.ft_lr:g} (its default for both)",
        f"CPU: {host['model_name']}, {host['cpus']} CPUs, avx2 {host['avx2']}, "
        f"avx512f {host['avx512f']}",
    ]
    if ft_build:
        head.append(f"fastText: {ft_build.get('distribution')} {ft_build.get('version')} "
                    f"({ft_build.get('extension')}); AVX in its code: "
                    f"{ft_build.get('uses_avx')} (objdump: {ft_build.get('objdump_ymm')} ymm, "
                    f"{ft_build.get('objdump_zmm')} zmm, {ft_build.get('objdump_xmm')} xmm)")
    if ours_build:
        head.append(f"ours: word2vec_fast {ours_build.get('ours_version')}, kernels "
                    f"{ours_build.get('ours_simd')}, train(subwords=...) available: "
                    f"{ours_build.get('api_has_subwords')}")
    notes = [
        "train s: the train call (reading, vocabulary, training); wall s and CPU s: the "
        "whole child (+ start-up and writing the vectors); words/s = "
        f"{kept:,} x {a.epochs} / train s; time ÷ ours/plain: train s over that tool's, "
        "same mode",
        "analogy: top 30k words, gensim's protocol (semantic / syntactic = gram* sections); "
        "fastText's vectors are get_word_vector (word + n-grams), without </s>",
    ]
    if rw_pairs:
        notes.append("RW: composed = unknown words from n-grams (— where the tool cannot); "
                     "known pairs = pairs with an unknown word left out; OOV→0 = unknown "
                     "words given a null vector (similarity 0)")
    table = make_tables(runs)
    print()
    print("\n".join(head))
    print()
    print(table)
    print()
    print("\n".join("- " + n for n in notes))
    for r in runs:
        rw = r.get("eval", {}).get("rw")
        if rw:
            print(f"- RW {r['name']}: {rw['words_known']}/{rw['words']} words known, "
                  f"{rw['pairs_both_known']}/{rw['pairs']} pairs with both known, "
                  f"{rw['pairs_with_vectors']} pairs with both vectors")

    doc = {
        "corpus": {"path": str(a.corpus), **corpus_info},
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(a).items()},
        "sample_used": {"ours": a.sample, "plain": a.sample, "fasttext_t": a.ft_sample,
                        "fasttext_default_t": 1e-4},
        "learning_rate_used": {"ours_and_plain": ours_alpha, "fasttext_lr": a.ft_lr},
        "words_per_epoch": kept,
        "host": {**host, "platform": platform.platform(), "python": sys.version.split()[0],
                 "load_avg_end": os.getloadavg()},
        "fasttext_build": ft_build,
        "ours_build": ours_build,
        "rw_file": str(a.rw) if a.rw else None,
        "runs": runs,
        "header": head,
        "table": table,
    }
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(doc, indent=2, default=str) + "\n")
    log(f"wrote {a.out}")
    return 0 if all(r["returncode"] == 0 for r in runs) else 1


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == TRAIN_FLAG:
        sys.exit(train_child(sys.argv[2]))
    sys.exit(main())
