#!/usr/bin/env python3
"""Side-by-side benchmark: word2vec_fast vs the original word2vec.c tool vs gensim.

Every tool trains on the same plain-text file with the same settings, each in its
own subprocess, one after the other.  For each run we record wall time, the
training-phase time where the tool reports one, the child's own peak RSS
(``os.wait4``), and the quality of the vectors it wrote (Google analogies on the
top 30k words, WordSim-353 Spearman -- both with gensim's evaluation protocol).

Throughput is given in *raw corpus words per second*: one number ``N`` (tokens of
the corpus whose word occurs at least ``min_count`` times) times ``epochs``,
divided by the time.  The same ``N`` is used for every tool, so the ratios
between tools are ratios of time.

Only the standard library is needed to run this script.  gensim/scipy (and the
``word2vec`` command from the PyPI package ``word2vec``) are needed in the
*benchmark* Python given by ``--bench-python``; see ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_EVAL_DIR = REPO_ROOT.parent / "shared" / "data" / "eval"
ALL_TOOLS = ("ours", "ours-classic", "word2vec", "gensim", "gensim-cf", "pword2vec")
BLOCK = 16 << 20  # bytes read at a time when counting tokens
PREPARE_FLAG = "--internal-prepare"  # runs prepare_main() in a child

# Summary line printed (to stderr) by the word2vec-fast CLI at the end of a run.
SUMMARY_RE = re.compile(
    r"train_seconds=(?P<train>[0-9.eE+-]+)\s+words=(?P<words>\d+)\s+"
    r"words_per_sec=(?P<wps>[0-9.eE+-]+)"
)

# --------------------------------------------------------------------------
# Scripts run by the benchmark Python (it has gensim; the caller may not).
# They are written into the work directory so a run can be repeated by hand.
# --------------------------------------------------------------------------

GENSIM_TRAIN_SCRIPT = r'''
"""Train gensim Word2Vec on a plain text file; print one JSON line of timings."""
import json, logging, sys, time

cfg = json.loads(sys.argv[1])
if cfg.get("verbose"):
    logging.basicConfig(format="%(asctime)s %(levelname)s %(message)s", level=logging.INFO)

t_import = time.perf_counter()
import gensim
from gensim.models import Word2Vec
from gensim.models.word2vec import LineSentence, Text8Corpus

def split_lines(src, dst, words_per_line=10000, block=16 << 20):
    """Copy src to dst with at most words_per_line tokens per line (streamed).

    corpus_file mode splits the file into byte ranges, one per worker, and on a
    file that is one long line (wiki1e8, text8) it trains only a fraction of the
    words; lines of 10,000 words are what LineSentence makes of it anyway.
    """
    import os
    if os.path.exists(dst):
        return dst
    carry, line = b"", []
    with open(src, "rb") as fin, open(dst + ".part", "wb") as fout:
        while True:
            data = fin.read(block)
            buf = carry + data
            carry = b""
            if data and buf and not buf[-1:].isspace():
                cut = max(buf.rfind(b" "), buf.rfind(b"\n"), buf.rfind(b"\t"))
                buf, carry = buf[:cut + 1], buf[cut + 1:]
            pieces = buf.split(b"\n")
            for i, piece in enumerate(pieces):
                for tok in piece.split():
                    line.append(tok)
                    if len(line) == words_per_line:
                        fout.write(b" ".join(line) + b"\n")
                        line = []
                if i < len(pieces) - 1 and line:  # the text's own line ends here
                    fout.write(b" ".join(line) + b"\n")
                    line = []
            if not data:
                break
        if line:
            fout.write(b" ".join(line) + b"\n")
    os.replace(dst + ".part", dst)
    return dst


corpus_file = None
if cfg["reader"] == "corpus_file":
    # gensim's fastest mode: its own reader, one file region per worker
    sentences, corpus_file = None, split_lines(cfg["corpus"], cfg["lines_corpus"])
elif cfg["reader"] == "text8corpus":
    sentences = Text8Corpus(cfg["corpus"], max_sentence_length=10000)
else:
    sentences = LineSentence(cfg["corpus"], max_sentence_length=10000)

model = Word2Vec(
    vector_size=cfg["dim"], window=cfg["window"], sample=cfg["sample"],
    hs=cfg["hs"], negative=cfg["negative"], workers=cfg["threads"],
    epochs=cfg["epochs"], min_count=cfg["min_count"], sg=cfg["sg"],
    alpha=cfg["alpha"], min_alpha=cfg["min_alpha"], seed=1,
)
t0 = time.perf_counter()
if corpus_file:
    model.build_vocab(corpus_file=corpus_file)
    t1 = time.perf_counter()
    trained, raw = model.train(
        corpus_file=corpus_file, total_words=model.corpus_total_words, epochs=cfg["epochs"])
else:
    model.build_vocab(sentences)
    t1 = time.perf_counter()
    trained, raw = model.train(
        sentences, total_examples=model.corpus_count, epochs=cfg["epochs"])
t2 = time.perf_counter()
model.wv.save_word2vec_format(cfg["output"], binary=True)
t3 = time.perf_counter()
print(json.dumps({
    "gensim_version": gensim.__version__,
    "vocab_seconds": t1 - t0,
    "train_seconds": t2 - t1,
    "save_seconds": t3 - t2,
    "trained_words": trained,
    "raw_words": raw,
    "corpus_total_words": model.corpus_total_words,
    "vocab_size": len(model.wv),
}))
'''

EVAL_SCRIPT = r'''
"""Evaluate word2vec .bin files with gensim; print one JSON line."""
import json, logging, sys
logging.disable(logging.WARNING)
from gensim.models import KeyedVectors

cfg = json.loads(sys.argv[1])
out = {}
for name, path in cfg["files"].items():
    r = {}
    try:
        kv = KeyedVectors.load_word2vec_format(path, binary=True)
        r["vocab_size"] = len(kv)
        r["dim"] = kv.vector_size
        r["has_eos"] = "</s>" in kv.key_to_index
        r["first_words"] = list(kv.index_to_key[:5])
        if cfg.get("questions"):
            score, sections = kv.evaluate_word_analogies(
                cfg["questions"], restrict_vocab=30000)
            total = sections[-1]
            r["analogy_pct"] = 100.0 * score
            r["analogy_seen"] = len(total["correct"]) + len(total["incorrect"])
            r["analogy_correct"] = len(total["correct"])
        if cfg.get("pairs"):
            pearson, spearman, oov = kv.evaluate_word_pairs(cfg["pairs"])
            r["ws_spearman"] = float(spearman[0])
            r["ws_pearson"] = float(pearson[0])
            r["ws_oov_pct"] = float(oov)
    except Exception as exc:  # report, and go on with the other files
        r["error"] = "%s: %s" % (type(exc).__name__, exc)
    out[name] = r
print(json.dumps(out))
'''


# --------------------------------------------------------------------------
# Corpus preparation
# --------------------------------------------------------------------------

def prepare_corpus(src: Path, workdir: Path) -> Path:
    """Return a plain-text copy of ``src`` (decompressed once into ``workdir``)."""
    if src.suffix != ".gz":
        return src
    dst = workdir / src.with_suffix("").name
    if dst.exists() and dst.stat().st_mtime >= src.stat().st_mtime:
        return dst
    tmp = dst.with_name(dst.name + ".part")
    t0 = time.perf_counter()
    with gzip.open(src, "rb") as fin, open(tmp, "wb") as fout:
        shutil.copyfileobj(fin, fout, BLOCK)
    os.replace(tmp, dst)
    log(f"decompressed {src} -> {dst} ({dst.stat().st_size:,} bytes, "
        f"{time.perf_counter() - t0:.1f} s)")
    return dst


def count_tokens(path: Path) -> collections.Counter:
    """Count whitespace-separated tokens of ``path``, reading it in blocks.

    Only one block's tokens are alive at a time; a token cut by a block edge is
    carried over to the next block.
    """
    counts: collections.Counter = collections.Counter()
    carry = b""
    with open(path, "rb") as f:
        while True:
            block = f.read(BLOCK)
            if not block:
                break
            buf = carry + block
            toks = buf.split()
            carry = b""
            if toks and not buf[-1:].isspace():
                carry = toks.pop()
            counts.update(toks)
    if carry:
        counts[carry] += 1
    return counts


# --------------------------------------------------------------------------
# Running a child and measuring it
# --------------------------------------------------------------------------

def run_measured(cmd: list[str], log_prefix: Path | None, env=None, *, stdin=None,
                 stdout=None, stderr=None, cwd=None) -> dict:
    """Run ``cmd``; return wall time, the child's own peak RSS and exit code.

    stdout/stderr go to ``stdout``/``stderr`` if given, else ``<log_prefix>.out`` /
    ``.err``; stdin comes from the file ``stdin`` (default: nothing).  ``os.wait4``
    gives the rusage of this one child (``RUSAGE_CHILDREN`` would be a max over all).
    """
    out_path = stdout if stdout is not None else log_prefix.with_suffix(".out")
    err_path = stderr if stderr is not None else log_prefix.with_suffix(".err")
    fi = open(stdin, "rb") if stdin is not None else subprocess.DEVNULL
    try:
        with open(out_path, "wb") as fo, open(err_path, "wb") as fe:
            t0 = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=fo, stderr=fe, stdin=fi, env=env, cwd=cwd)
            try:
                _, status, ru = os.wait4(proc.pid, 0)
            except BaseException:
                proc.kill()
                proc.wait()
                raise
            wall = time.perf_counter() - t0
    finally:
        if stdin is not None:
            fi.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {
        "cmd": cmd,
        "returncode": proc.returncode,
        "wall_seconds": wall,
        "peak_rss_mb": ru.ru_maxrss / 1024.0,  # ru_maxrss is in KiB on Linux
        "user_seconds": ru.ru_utime,
        "sys_seconds": ru.ru_stime,
        "stdout_path": str(out_path),
        "stderr_path": str(err_path),
    }


def tail(path: str, n: int = 2000) -> str:
    data = Path(path).read_bytes()[-n:]
    # word2vec.c redraws its progress line with \r; show the last redraw only
    return data.decode("utf-8", "replace").split("\r")[-1]


def flags_w2v(a, output: Path) -> list[str]:
    """The word2vec.c command-line flags for these settings (shared with ours)."""
    flags = [
        "-output", str(output), "-binary", "1", "-size", str(a.dim),
        "-window", str(a.window), "-sample", repr(a.sample),
        "-hs", "1" if a.hs else "0", "-negative", str(a.negative),
        "-threads", str(a.threads), "-iter", str(a.epochs),
        "-min-count", str(a.min_count), "-cbow", "1" if a.cbow else "0",
    ]
    if a.alpha is not None:
        flags += ["-alpha", repr(a.alpha)]
    return flags


def run_word2vec(a, corpus: Path, wd: Path) -> dict:
    out = wd / "word2vec.bin"
    cmd = [a.w2v_cmd, "-train", str(corpus)] + flags_w2v(a, out)
    r = run_measured(cmd, wd / "word2vec")
    r["train_seconds"] = None  # no separate phase: its whole run is the training
    r["bin"] = str(out)
    text = Path(r["stdout_path"]).read_text("utf-8", "replace")
    m = re.search(r"Vocab size: (\d+)", text)
    r["reported_vocab"] = int(m.group(1)) if m else None
    m = re.search(r"Words in train file: (\d+)", text)
    r["reported_train_words"] = int(m.group(1)) if m else None
    return r


def run_ours(a, corpus: Path, wd: Path, name: str = "ours", extra=()) -> dict:
    out = wd / f"{name}.bin"
    cmd = (list(a.ours_cmd) + ["-train", str(corpus)] + flags_w2v(a, out) + list(a.ours_extra)
           + list(extra))
    r = run_measured(cmd, wd / name)
    r["bin"] = str(out)
    r["train_seconds"] = None
    for p in (r["stderr_path"], r["stdout_path"]):
        ms = list(SUMMARY_RE.finditer(Path(p).read_text("utf-8", "replace")))
        if ms:
            m = ms[-1]
            r["train_seconds"] = float(m.group("train"))
            r["reported_words"] = int(m.group("words"))
            r["reported_words_per_sec"] = float(m.group("wps"))
            break
    return r


def run_gensim(a, corpus: Path, wd: Path, name: str = "gensim", reader=None) -> dict:
    out = wd / f"{name}.bin"
    script = wd / "gensim_train.py"
    script.write_text(GENSIM_TRAIN_SCRIPT)
    alpha = a.alpha if a.alpha is not None else (0.05 if a.cbow else 0.025)
    cfg = {
        "corpus": str(corpus), "output": str(out), "reader": reader or a.gensim_reader,
        "lines_corpus": str(wd / (corpus.name + ".10k-lines")),
        "dim": a.dim, "window": a.window, "sample": a.sample,
        "hs": 1 if a.hs else 0, "negative": a.negative, "threads": a.threads,
        "epochs": a.epochs, "min_count": a.min_count, "sg": 0 if a.cbow else 1,
        # word2vec.c floors the learning rate at alpha * 1e-4
        "alpha": alpha, "min_alpha": alpha * 1e-4, "verbose": a.verbose,
    }
    cmd = [a.bench_python, str(script), json.dumps(cfg)]
    r = run_measured(cmd, wd / name)
    r["bin"] = str(out)
    r["train_seconds"] = None
    if r["returncode"] == 0:
        lines = Path(r["stdout_path"]).read_text().strip().splitlines()
        info = json.loads(lines[-1])
        r.update({k: v for k, v in info.items() if k != "train_seconds"})
        r["train_seconds"] = info["train_seconds"]
    return r


def run_pword2vec(a, corpus: Path, wd: Path) -> dict:
    """IntelLabs pWord2Vec (HogBatch, skip-gram with negative sampling only).

    Its whole run is timed, like word2vec.c's; it also prints its own training
    words/s (of words after subsampling), kept as ``reported_words_per_sec``.
    """
    if a.cbow or a.hs:
        raise SystemExit("pword2vec trains skip-gram with negative sampling only: "
                         "drop --cbow/--hs or leave pword2vec out of --tools")
    out = wd / "pword2vec.bin"
    flags = [f for f in flags_w2v(a, out)]
    for flag in ("-hs", "-cbow"):
        i = flags.index(flag)
        del flags[i:i + 2]
    cmd = [a.pword2vec_cmd, "-train", str(corpus)] + flags + [
        "-batch-size", str(2 * a.window + 1)]
    env = dict(os.environ, OMP_NUM_THREADS=str(a.threads), OPENBLAS_NUM_THREADS="1")
    r = run_measured(cmd, wd / "pword2vec", env=env)
    r["train_seconds"] = None
    r["bin"] = str(out)
    text = Path(r["stdout_path"]).read_text("utf-8", "replace")
    rates = re.findall(r"Words/sec: ([0-9.]+)k", text)
    r["reported_words_per_sec"] = float(rates[-1]) * 1000 if rates else None
    return r


RUNNERS = {
    "ours": run_ours,
    # the classic per-pair kernel (word2vec.c's algorithm), for the batched one's gain
    "ours-classic": lambda a, c, wd: run_ours(a, c, wd, "ours-classic", ["-batch", "0"]),
    "word2vec": run_word2vec,
    "gensim": run_gensim,
    # gensim's corpus_file mode beside its iterable mode (--gensim-reader) in one run
    "gensim-cf": lambda a, c, wd: run_gensim(a, c, wd, "gensim-cf", "corpus_file"),
    "pword2vec": run_pword2vec,
}


def evaluate(a, bins: dict, wd: Path, python=None, script_text=None,
             name="evaluate.py") -> dict:
    """Score every vectors file in one child run by ``python`` (default: the benchmark
    Python) of ``script_text`` (default: this script's EVAL_SCRIPT)."""
    if not bins:
        return {}
    script = wd / name
    script.write_text(EVAL_SCRIPT if script_text is None else script_text)
    cfg = {"files": bins,
           "questions": str(a.questions) if a.questions else None,
           "pairs": str(a.pairs) if a.pairs else None}
    p = subprocess.run([python or a.bench_python, str(script), json.dumps(cfg)],
                       capture_output=True, text=True)
    if p.returncode != 0:
        log("evaluation failed:\n" + p.stderr[-3000:])
        return {k: {"error": "evaluation failed"} for k in bins}
    return json.loads(p.stdout.strip().splitlines()[-1])


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------

def fmt(v, spec: str, none: str = "—") -> str:
    return none if v is None else format(v, spec)


def make_table(results: dict, order: list[str]) -> str:
    base = results.get("word2vec")
    base_wall = base.get("wps_wall") if base else None
    base_train = base.get("wps_train") if base else None
    head = ["tool", "words/s (wall)", "words/s (train)", "× w2v (wall)", "× w2v (train)",
            "wall s", "train s", "peak RSS MB", "vocab", "analogy %", "WS353 ρ"]
    rows = []
    for name in order:
        r = results[name]
        if r.get("returncode", 0) != 0:
            rows.append([name, f"FAILED (exit {r['returncode']})"] + [""] * (len(head) - 2))
            continue
        q = r.get("eval", {})
        rw = (r["wps_wall"] / base_wall) if base_wall else None
        rt = (r["wps_train"] / base_train) if (base_train and r.get("wps_train")) else None
        rows.append([
            name,
            fmt(r.get("wps_wall"), ",.0f"),
            fmt(r.get("wps_train"), ",.0f"),
            fmt(rw, ".2f"), fmt(rt, ".2f"),
            fmt(r.get("wall_seconds"), ".1f"),
            fmt(r.get("train_phase_seconds"), ".1f"),
            fmt(r.get("peak_rss_mb"), ",.0f"),
            fmt(q.get("vocab_size"), ",d"),
            fmt(q.get("analogy_pct"), ".1f", q.get("error", "—")[:40] if q.get("error") else "—"),
            fmt(q.get("ws_spearman"), ".3f"),
        ])
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join("---" if i == 0 else "---:" for i in range(len(head))) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def log(msg: str) -> None:
    print(f"[compare] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------

def default_bench_python() -> str:
    return os.environ.get("W2V_BENCH_PYTHON") or sys.executable


def default_w2v_cmd(bench_python: str) -> str:
    # The PyPI package `word2vec` installs its binary next to that venv's python.
    beside = Path(bench_python).parent / "word2vec"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("word2vec") or "word2vec"


def default_ours_cmd() -> list[str]:
    found = shutil.which("word2vec-fast")
    if found:
        return [found]
    # an un-activated venv: its scripts sit beside its python
    beside = Path(sys.executable).parent / "word2vec-fast"
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside)]
    return [sys.executable, "-m", "word2vec_fast"]


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="Train word2vec with word2vec_fast, word2vec.c and gensim on the same "
                    "corpus and settings; compare speed, memory and quality.")
    p.add_argument("--corpus", required=True, type=Path, help="plain text or .gz")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--dim", type=int, default=100)
    p.add_argument("--window", type=int, default=5)
    p.add_argument("--negative", type=int, default=5)
    p.add_argument("--sample", type=float, default=1e-3)
    p.add_argument("--min-count", type=int, default=5)
    p.add_argument("--cbow", action="store_true", help="CBOW instead of skip-gram")
    p.add_argument("--hs", action="store_true", help="hierarchical softmax (-hs 1)")
    p.add_argument("--alpha", type=float, default=None,
                   help="starting learning rate (default: each tool's word2vec.c default, "
                        "0.025 skip-gram / 0.05 CBOW; gensim is given the same)")
    p.add_argument("--tools", default="ours,word2vec,gensim",
                   help="comma-separated subset of: " + ",".join(ALL_TOOLS))
    p.add_argument("--questions", type=Path, default=DEFAULT_EVAL_DIR / "questions-words.txt",
                   help="analogy file ('' to skip)")
    p.add_argument("--pairs", type=Path, default=DEFAULT_EVAL_DIR / "wordsim353.tsv",
                   help="word-pair similarity file ('' to skip)")
    p.add_argument("--workdir", type=Path, default=None,
                   help="where the plain corpus, vectors and logs go (default: a new temp dir)")
    p.add_argument("--json", type=Path, default=None, help="also write all results here")
    p.add_argument("--ours-cmd", default=None,
                   help="command for our CLI (default: word2vec-fast on PATH or beside this "
                        "python, else `python -m word2vec_fast`)")
    p.add_argument("--ours-extra", default="",
                   help='extra flags appended to our command only, e.g. "-batch 0"')
    p.add_argument("--w2v-cmd", default=None,
                   help="word2vec.c binary (default: `word2vec` beside --bench-python, else PATH)")
    p.add_argument("--pword2vec-cmd", default=os.environ.get("W2V_PWORD2VEC", "pWord2Vec"),
                   help="IntelLabs pWord2Vec binary for --tools ...,pword2vec (default: "
                        "$W2V_PWORD2VEC, else pWord2Vec on PATH); see bench/README.md")
    p.add_argument("--bench-python", default=default_bench_python(),
                   help="python with gensim+scipy, runs gensim and the evaluation "
                        "(default: $W2V_BENCH_PYTHON, else this python)")
    p.add_argument("--gensim-reader", choices=("linesentence", "text8corpus", "corpus_file"),
                   default="linesentence",
                   help="gensim input: LineSentence (default) or Text8Corpus iterables (both "
                        "cut sentences at 10000 words), or corpus_file mode (gensim's fastest; "
                        "it is given a copy of the corpus cut into lines of 10000 words, since on "
                        "one-line files it trains only part of the words)")
    p.add_argument("--no-eval", action="store_true", help="skip the quality evaluation")
    p.add_argument("--verbose", action="store_true", help="gensim INFO logging into its log")
    a = p.parse_args(argv)

    a.tools = [t.strip() for t in a.tools.split(",") if t.strip()]
    bad = [t for t in a.tools if t not in ALL_TOOLS]
    if bad:
        p.error(f"unknown tool(s) {bad}; choose from {list(ALL_TOOLS)}")
    a.ours_cmd = shlex.split(a.ours_cmd) if a.ours_cmd else default_ours_cmd()
    a.ours_extra = shlex.split(a.ours_extra)
    a.w2v_cmd = a.w2v_cmd or default_w2v_cmd(a.bench_python)
    if a.questions is not None and str(a.questions) in ("", "."):
        a.questions = None
    if a.pairs is not None and str(a.pairs) in ("", "."):
        a.pairs = None
    for label, path in (("--questions", a.questions), ("--pairs", a.pairs)):
        if path is not None and not path.is_file() and not a.no_eval:
            p.error(f"{label} {path} not found (pass '' to skip)")
    if not a.corpus.is_file():
        p.error(f"corpus {a.corpus} not found")
    if {"gensim", "gensim-cf"} & set(a.tools) or not a.no_eval:
        chk = subprocess.run([a.bench_python, "-c", "import gensim, scipy"],
                             capture_output=True, text=True)
        if chk.returncode != 0:
            p.error(f"{a.bench_python} cannot import gensim/scipy; pass --bench-python "
                    "(or set W2V_BENCH_PYTHON) to a Python that has them, or use --no-eval "
                    "and leave gensim out of --tools")
    return a


def main(argv=None) -> int:
    a = parse_args(argv)
    wd = a.workdir or Path(tempfile.mkdtemp(prefix="w2v-compare-"))
    wd.mkdir(parents=True, exist_ok=True)
    wd = wd.resolve()
    log(f"workdir {wd}")
    if a.threads > (os.cpu_count() or 1):
        log(f"warning: --threads {a.threads} > {os.cpu_count()} CPUs")

    # Decompressing and counting happen in a child: a child's ru_maxrss starts from
    # this process's peak RSS at the moment it is spawned (Linux carries the old
    # image's high-water mark across exec), so this process must stay small.
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, str(Path(__file__).resolve()), PREPARE_FLAG,
                        str(a.corpus.resolve()), str(wd), str(a.min_count)],
                       stdout=subprocess.PIPE, text=True)
    if p.returncode != 0:
        log("preparing the corpus failed")
        return 2
    info = json.loads(p.stdout.strip().splitlines()[-1])
    corpus = Path(info["plain"])
    tokens, distinct = info["tokens"], info["distinct"]
    kept, kept_vocab = info["kept_tokens"], info["kept_vocab"]
    log(f"corpus: {tokens:,} tokens, {distinct:,} distinct; min_count {a.min_count} keeps "
        f"{kept:,} tokens in {kept_vocab:,} words ({time.perf_counter() - t0:.1f} s)")
    words_done = kept * a.epochs

    results: dict = {}
    for name in a.tools:
        log(f"running {name} ...")
        r = RUNNERS[name](a, corpus, wd)
        log(f"  {name}: exit {r['returncode']}, wall {r['wall_seconds']:.1f} s, "
            f"peak RSS {r['peak_rss_mb']:,.0f} MB  ({shlex.join(r['cmd'][:1])} ...)")
        if r["returncode"] != 0:
            log(f"  {name} failed; stderr tail:\n{tail(r['stderr_path'])}\n"
                f"  stdout tail:\n{tail(r['stdout_path'])}")
        else:
            r["wps_wall"] = words_done / r["wall_seconds"]
            # word2vec.c has no separate phase: its wall time is its training time
            r["train_phase_seconds"] = r["train_seconds"] or r["wall_seconds"]
            whole_run = name in ("word2vec", "pword2vec")
            r["wps_train"] = (words_done / r["train_phase_seconds"]
                              if (r["train_seconds"] or whole_run) else None)
            if not whole_run and r["train_seconds"] is None:
                r["train_phase_seconds"] = None
        results[name] = r

    if not a.no_eval:
        bins = {n: r["bin"] for n, r in results.items()
                if r["returncode"] == 0 and Path(r["bin"]).is_file()}
        for n, r in results.items():
            if r["returncode"] == 0 and n not in bins:
                r["eval"] = {"error": "no .bin written"}
        if bins:
            log("evaluating " + ", ".join(bins) + " ...")
            for name, ev in evaluate(a, bins, wd).items():
                results[name]["eval"] = ev

    settings = {k: getattr(a, k) for k in ("threads", "epochs", "dim", "window", "negative",
                                            "sample", "min_count", "cbow", "hs", "alpha")}
    mode = "CBOW" if a.cbow else "skip-gram"
    print(f"\n{a.corpus.name}: {tokens:,} tokens ({kept:,} with count >= {a.min_count}), "
          f"{mode}, dim {a.dim}, window {a.window}, negative {a.negative}, sample {a.sample:g}, "
          f"{a.epochs} epoch(s), {a.threads} thread(s); words/s = {kept:,} × {a.epochs} / time\n")
    print(make_table(results, a.tools))
    print()
    for name in a.tools:
        ev = results[name].get("eval", {})
        extra = []
        if ev.get("has_eos"):
            extra.append("vectors include </s>")
        if "analogy_seen" in ev:
            extra.append(f"analogies answered {ev['analogy_correct']}/{ev['analogy_seen']}")
        if "ws_oov_pct" in ev:
            extra.append(f"WS353 OOV {ev['ws_oov_pct']:.1f}%")
        if ev.get("error"):
            extra.append("eval error: " + ev["error"])
        r = results[name]
        if r.get("trained_words") is not None and r.get("raw_words"):
            # gensim reports the words it trained after subsampling; in corpus_file mode
            # it reads every raw word but trains only about 2/3 of what the iterable
            # modes (and word2vec.c's formula) keep, which flatters its words/s
            extra.append(f"trained {r['trained_words']:,} words after subsampling "
                         f"({r['trained_words'] / r['raw_words']:.1%} of {r['raw_words']:,} raw)")
        if extra:
            print(f"- {name}: " + "; ".join(extra))

    ours = results.get("ours", {})
    if ours.get("returncode") == 0:
        # the targets are ratios of ours to each tool, measured in this one run
        print()
        for name in a.tools:
            r = results[name]
            if name == "ours" or r.get("returncode") != 0:
                continue
            rt = (ours["wps_train"] / r["wps_train"]) if r.get("wps_train") else None
            print(f"- ours / {name}: {fmt(rt, '.2f')}x training words/s, "
                  f"{ours['wps_wall'] / r['wps_wall']:.2f}x wall words/s")

    if a.json:
        doc = {
            "corpus": {"path": str(a.corpus), "plain": str(corpus),
                       "bytes": corpus.stat().st_size, "tokens": tokens,
                       "distinct": distinct, "kept_tokens": kept, "kept_vocab": kept_vocab},
            "settings": settings,
            "words_per_epoch": kept,
            "host": {"cpus": os.cpu_count(), "platform": platform.platform(),
                     "python": sys.version.split()[0]},
            "results": results,
        }
        a.json.write_text(json.dumps(doc, indent=2, default=str) + "\n")
        log(f"wrote {a.json}")
    return 0 if all(r["returncode"] == 0 for r in results.values()) else 1


def prepare_main(src: str, workdir: str, min_count: str) -> int:
    """Child entry point: decompress (once) and count; print one JSON line."""
    corpus = prepare_corpus(Path(src), Path(workdir))
    counts = count_tokens(corpus)
    mc = int(min_count)
    print(json.dumps({
        "plain": str(corpus),
        "tokens": sum(counts.values()),
        "distinct": len(counts),
        "kept_tokens": sum(c for c in counts.values() if c >= mc),
        "kept_vocab": sum(1 for c in counts.values() if c >= mc),
    }))
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == PREPARE_FLAG:
        sys.exit(prepare_main(*sys.argv[2:]))
    sys.exit(main())
