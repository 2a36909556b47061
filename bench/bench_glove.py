#!/usr/bin/env python3
"""GloVe side by side: word2vec_fast.glove vs Stanford's GloVe tools.

On one plain-text corpus, with the same settings and thread count, one tool after
the other, each program in its own subprocess:

* ``stanford``: the four programs of Stanford's ``demo.sh``, in sequence::

      vocab_count -min-count M -verbose 2 < corpus > vocab.txt
      cooccur -memory MEM -vocab-file vocab.txt -verbose 2 -window-size W \\
          < corpus > cooccurrence.bin
      shuffle -memory MEM -verbose 2 -seed S < cooccurrence.bin > cooccurrence.shuf.bin
      glove -save-file vectors -threads T -input-file cooccurrence.shuf.bin -x-max X \\
          -iter I -vector-size D -binary 0 -vocab-file vocab.txt -verbose 2 -seed S

  (``-model 2``, word + context vectors, is glove's default).  Each program's wall
  time and peak RSS are recorded; the pipeline's wall is their sum and its peak RSS
  the largest of the four.  The per-iteration costs are parsed from glove's
  stderr (``iter: 001, cost: 0.081...``) and the sizes of the files it leaves
  (vocab.txt, cooccurrence.bin, cooccurrence.shuf.bin) are reported as "temp MB".
  Its vectors file has an extra ``<unk>`` row (the mean of the 100 rarest words):
  it is left in for the evaluation, where it takes no part (it is not a word of
  the questions), and left out of the vocabulary size.
* ``ours``: a child Python (``--python``) runs ``g.count(corpus, window, min_count,
  threads, memory)`` then ``g.train(counts, dim, epochs, x_max, threads, seed)``
  and saves ``model.wv`` as word2vec text; it reports the time of each call and
  the per-epoch cost (``model.history`` records of kind "epoch": Stanford's cost,
  0.5 f(x) diff^2 summed over the records / records).
* ``ours-direct``: the same child, but one call ``g.train(corpus_path, dim, window,
  min_count, ...)`` from the text itself (the end-to-end API).

``--mode count`` compares counting alone: Stanford's vocab_count + cooccur +
shuffle (what glove needs before it can train) against one ``g.count(...)`` call.

Recorded per run: the child's wall time and its own peak RSS (``os.wait4``; note
that Linux starts a child's high-water mark at this driver's RSS at the fork,
about 10-20 MB, reported as ``driver_rss_mb``), the count and training phases, and
the quality of the vectors: Google analogies on the 30,000 most frequent words and
WordSim-353 Spearman, both with the package's own ``word2vec_fast.evaluation``
(gensim's protocol), run by ``--python`` after all runs.  ``word2vec_fast.load``
reads both our word2vec text and Stanford's headerless text.

The summary gives, per tool (the mean over ``--seeds``), wall, peak RSS, analogy,
WS353 and final cost, and the ratios stanford / ours: end to end (the pipeline's
wall over our child's wall) and for counting (vocab_count + cooccur + shuffle
over our ``count()`` call).  Ratios are only meaningful within one run: the machine
may be shared.

    python bench/bench_glove.py --corpus ../shared/data/wiki1e8.txt.gz --json glove.json
    python bench/bench_glove.py --corpus /tmp/g/text8-head.txt --iter 2 --dim 10 \\
        --tools stanford                                # a quick check of the Stanford half
    python bench/bench_glove.py --corpus /tmp/g/text8-head.txt --mode count

Stanford's tools are built with their own Makefile (``-O3 -march=native``; ours is
built portable unless ``WORD2VEC_FAST_NATIVE=1``)::

    mkdir -p /tmp/stanford-glove && git --git-dir=<mirror of stanfordnlp/GloVe> \\
        archive HEAD | tar -x -C /tmp/stanford-glove && make -C /tmp/stanford-glove

Only the standard library is needed to run this script; ``--python`` must import
``word2vec_fast`` (and ``word2vec_fast.glove`` for ``ours``).  Stanford's runs keep
their files in the work directory (a new temp dir, removed at the end unless
``--keep``; a ``--workdir`` is never removed).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import compare  # noqa: E402
from compare import PREPARE_FLAG, REPO_ROOT, fmt, tail  # noqa: E402

DEFAULT_EVAL_DIR = REPO_ROOT.parent / "shared" / "data" / "eval"
COMPARE = Path(__file__).resolve().parent / "compare.py"
ALL_TOOLS = ("stanford", "ours", "ours-direct")
MODES = ("end-to-end", "count")
STANFORD_PROGRAMS = ("vocab_count", "cooccur", "shuffle", "glove")
COUNT_STEPS = ("vocab_count", "cooccur", "shuffle")
UNK = "<unk>"

COST_RE = re.compile(r"iter:\s*(\d+),\s*cost:\s*([-+0-9.eEnaifNAIF]+)")
SEED_RE = re.compile(r"Using random seed (-?\d+)")
TOKENS_RE = re.compile(r"Processed (\d+) tokens")
VOCAB_RE = re.compile(r"Using vocabulary of size (\d+)")
MERGED_RE = re.compile(r"Merging cooccurrence files: processed (\d+) lines")
FILES_RE = re.compile(r"(\d+) files in total")
READ_RE = re.compile(r"Read (\d+) lines")

# --------------------------------------------------------------------------
# Scripts run by --python (it has word2vec_fast; this driver need not).  They are
# written into the work directory so a run can be repeated by hand.
# --------------------------------------------------------------------------

OURS_SCRIPT = r'''
"""Count / train GloVe with word2vec_fast.glove; print one JSON line of timings."""
import inspect, json, sys, time

cfg = json.loads(sys.argv[1])
try:
    import word2vec_fast.glove as g
except Exception as e:  # a clear message for the driver, not a traceback
    print(f"cannot import word2vec_fast.glove with {sys.executable}: "
          f"{type(e).__name__}: {e}", file=sys.stderr)
    sys.exit(3)


def costs(model):
    return [r["cost"] for r in model.history if r.get("kind") == "epoch"]


def extras(out, counts=None, model=None):
    """Sizes where the objects offer them (never fail the run for these)."""
    try:
        if counts is not None:
            out["vocab_size"] = len(counts.vocab.words)
    except Exception:
        pass
    for attr in ("nnz", "records", "pairs"):
        try:
            v = getattr(counts, attr, None) if counts is not None else None
            if isinstance(v, int):
                out["count_" + attr] = v
                break
        except Exception:
            pass
    try:
        if model is not None:
            out["vocab_size"] = len(model.wv)
    except Exception:
        pass
    return out


mode = cfg["mode"]
if mode == "two-step":
    t0 = time.perf_counter()
    counts = g.count(cfg["corpus"], window=cfg["window"], min_count=cfg["min_count"],
                     threads=cfg["threads"], memory=cfg["memory"])
    t1 = time.perf_counter()
    model = g.train(counts, dim=cfg["dim"], epochs=cfg["iter"], x_max=cfg["x_max"],
                    threads=cfg["threads"], seed=cfg["seed"], progress=False)
    t2 = time.perf_counter()
    model.wv.save(cfg["out"], binary=False)  # word2vec text format with header
    t3 = time.perf_counter()
    out = {"count_s": t1 - t0, "train_s": t2 - t1, "save_s": t3 - t2, "cost": costs(model)}
    print(json.dumps(extras(out, counts, model)))
elif mode == "direct":
    kw = dict(dim=cfg["dim"], window=cfg["window"], min_count=cfg["min_count"],
              epochs=cfg["iter"], x_max=cfg["x_max"], threads=cfg["threads"],
              seed=cfg["seed"], progress=False)
    try:
        params = inspect.signature(g.train).parameters
        if "memory" in params or any(p.kind is p.VAR_KEYWORD for p in params.values()):
            kw["memory"] = cfg["memory"]
    except (TypeError, ValueError):
        pass
    t0 = time.perf_counter()
    model = g.train(cfg["corpus"], **kw)
    t1 = time.perf_counter()
    model.wv.save(cfg["out"], binary=False)
    t2 = time.perf_counter()
    out = {"train_s": t1 - t0, "save_s": t2 - t1, "cost": costs(model),
           "memory_passed": "memory" in kw}
    print(json.dumps(extras(out, None, model)))
elif mode == "count":
    t0 = time.perf_counter()
    counts = g.count(cfg["corpus"], window=cfg["window"], min_count=cfg["min_count"],
                     threads=cfg["threads"], memory=cfg["memory"])
    t1 = time.perf_counter()
    print(json.dumps(extras({"count_s": t1 - t0}, counts)))
else:
    sys.exit(f"unknown mode {mode!r}")
'''

EVAL_SCRIPT = r'''
"""Evaluate vectors files with word2vec_fast.evaluation; print one JSON line."""
import json, sys, warnings
warnings.simplefilter("ignore")
from word2vec_fast import load
from word2vec_fast.evaluation import evaluate_analogies, evaluate_word_pairs

cfg = json.loads(sys.argv[1])
res = {}
for name, path in cfg["files"].items():
    r = {}
    try:
        v = load(path)
        r["vocab_size"] = len(v)
        r["has_unk"] = "<unk>" in v
        if cfg.get("questions"):
            a = evaluate_analogies(v, cfg["questions"], restrict_vocab=30000)
            seen = sum(len(s.correct) + len(s.incorrect) for s in a.sections)
            r.update(analogy_pct=100.0 * a.accuracy, analogy_seen=seen,
                     analogy_correct=sum(len(s.correct) for s in a.sections),
                     analogy_oov_pct=a.oov_ratio,
                     semantic_pct=100.0 * a.semantic_accuracy,
                     syntactic_pct=100.0 * a.syntactic_accuracy)
        if cfg.get("pairs"):
            w = evaluate_word_pairs(v, cfg["pairs"])
            r.update(ws_spearman=w.spearman, ws_pearson=w.pearson, ws_oov_pct=w.oov_ratio)
    except Exception as e:
        r["error"] = f"{type(e).__name__}: {e}"
    res[name] = r
print(json.dumps(res))
'''


# --------------------------------------------------------------------------
# Running a child and measuring it
# --------------------------------------------------------------------------

def run_io(cmd: list[str], cwd: Path, stdin: Path | None, stdout: Path, stderr: Path) -> dict:
    """Run ``cmd`` in ``cwd`` with stdin/stdout/stderr redirected to files; wall time,
    exit code and the child's own rusage (``compare.run_measured``)."""
    return compare.run_measured(cmd, None, stdin=stdin, stdout=stdout, stderr=stderr, cwd=cwd)


def self_rss_mb() -> float:
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def mb(path: Path) -> float | None:
    return path.stat().st_size / 1e6 if path.exists() else None


def search_int(rx: re.Pattern, text: str):
    """The number in the last match (progress lines start with "processed 0 ...")."""
    ms = rx.findall(text)
    return int(ms[-1]) if ms else None


def parse_costs(text: str) -> list[float]:
    out = []
    for m in COST_RE.finditer(text):
        try:
            out.append(float(m.group(2)))
        except ValueError:
            out.append(float("nan"))
    return out


# --------------------------------------------------------------------------
# The tools
# --------------------------------------------------------------------------

def run_stanford(a, corpus: Path, rd: Path, seed: int) -> dict:
    """Stanford's pipeline in ``rd`` (its overflow/temp files land there too)."""
    b = a.stanford_dir
    mem = format(a.memory, "g")
    vocab, cooc, shuf = rd / "vocab.txt", rd / "cooccurrence.bin", rd / "cooccurrence.shuf.bin"
    steps = [
        ("vocab_count", [str(b / "vocab_count"), "-min-count", str(a.min_count),
                         "-verbose", "2"], corpus, vocab),
        ("cooccur", [str(b / "cooccur"), "-memory", mem, "-vocab-file", str(vocab),
                     "-verbose", "2", "-window-size", str(a.window)], corpus, cooc),
        ("shuffle", [str(b / "shuffle"), "-memory", mem, "-verbose", "2",
                     "-seed", str(seed)], cooc, shuf),
        ("glove", [str(b / "glove"), "-save-file", str(rd / "vectors"),
                   "-threads", str(a.threads), "-input-file", str(shuf),
                   "-x-max", format(a.x_max, "g"), "-iter", str(a.iter),
                   "-vector-size", str(a.dim), "-binary", "0", "-vocab-file", str(vocab),
                   "-verbose", "2", "-seed", str(seed)], None, rd / "glove.out"),
    ]
    if a.mode == "count":
        steps = steps[:3]
    r: dict = {"tool": "stanford", "seed": seed, "dir": str(rd), "steps": {},
               "returncode": 0}
    for name, cmd, fin, fout in steps:
        log(f"  stanford {name} ...")
        s = run_io(cmd, rd, fin, fout, rd / f"{name}.err")
        r["steps"][name] = s
        log(f"    {s['wall_seconds']:.2f} s, peak RSS {s['peak_rss_mb']:,.0f} MB, "
            f"exit {s['returncode']}")
        if s["returncode"] != 0:
            r["returncode"] = s["returncode"]
            r["failed_step"] = name
            log(f"  stanford {name} failed; stderr tail:\n{tail(s['stderr_path'])}")
            break
    st = r["steps"]
    r["wall_seconds"] = sum(s["wall_seconds"] for s in st.values())
    r["peak_rss_mb"] = max(s["peak_rss_mb"] for s in st.values())
    r["count_seconds"] = (sum(st[n]["wall_seconds"] for n in COUNT_STEPS)
                          if all(n in st for n in COUNT_STEPS) else None)
    r["train_seconds"] = st["glove"]["wall_seconds"] if "glove" in st else None
    r["files_mb"] = {p.name: mb(p) for p in (vocab, cooc, shuf)}
    r["temp_mb"] = sum(v for v in r["files_mb"].values() if v)

    errs = {n: Path(s["stderr_path"]).read_text("utf-8", "replace") for n, s in st.items()}
    info = r["info"] = {}
    if "vocab_count" in errs:
        info["tokens"] = search_int(TOKENS_RE, errs["vocab_count"])
        info["vocab_size"] = search_int(VOCAB_RE, errs["vocab_count"])
    if "cooccur" in errs:
        info["cooccur_records"] = search_int(MERGED_RE, errs["cooccur"])
        info["cooccur_files"] = search_int(FILES_RE, errs["cooccur"])
    for n in ("shuffle", "glove"):
        if n in errs:
            info[f"{n}_seed"] = search_int(SEED_RE, errs[n])  # None: build ignores -seed
    if "glove" in errs:
        info["glove_records"] = search_int(READ_RE, errs["glove"])
        r["cost"] = parse_costs(errs["glove"])
    if seed == 0:
        log("  note: seed 0 makes Stanford's shuffle/glove seed from the clock")
    vec = rd / "vectors.txt"
    if r["returncode"] == 0 and a.mode != "count":
        r["vectors"] = str(vec) if vec.is_file() else None
    return r


def run_ours(a, corpus: Path, rd: Path, seed: int, tool: str) -> dict:
    script = rd.parent / "ours_glove.py"
    if not script.exists():
        script.write_text(OURS_SCRIPT)
    mode = "count" if a.mode == "count" else ("direct" if tool == "ours-direct" else "two-step")
    out = rd / "vectors.txt"
    cfg = {"mode": mode, "corpus": str(corpus), "dim": a.dim, "window": a.window,
           "min_count": a.min_count, "iter": a.iter, "x_max": a.x_max,
           "threads": a.threads, "memory": a.memory, "seed": seed, "out": str(out)}
    log(f"  {tool} ({mode}) ...")
    s = run_io([a.python, str(script), json.dumps(cfg)], rd, None, rd / "ours.out",
               rd / "ours.err")
    r: dict = {"tool": tool, "seed": seed, "dir": str(rd), "mode": mode, **s}
    log(f"    {s['wall_seconds']:.2f} s, peak RSS {s['peak_rss_mb']:,.0f} MB, "
        f"exit {s['returncode']}")
    if s["returncode"] != 0:
        log(f"  {tool} failed; stderr tail:\n{tail(s['stderr_path'])}")
        return r
    try:
        rep = json.loads(Path(s["stdout_path"]).read_text().strip().splitlines()[-1])
    except (ValueError, IndexError):
        r["returncode"] = -1
        r["error"] = "no JSON line on stdout"
        log(f"  {tool}: no JSON line on stdout; stderr tail:\n{tail(s['stderr_path'])}")
        return r
    r["report"] = rep
    r["count_seconds"] = rep.get("count_s")
    r["train_seconds"] = rep.get("train_s")
    r["cost"] = rep.get("cost")
    r["info"] = {k: v for k, v in rep.items() if k not in ("cost",)}
    if mode != "count":
        r["vectors"] = str(out) if out.is_file() else None
    return r


def evaluate(a, files: dict, wd: Path) -> dict:
    """Score every vectors file in one child run by --python."""
    return compare.evaluate(a, files, wd, python=a.python, script_text=EVAL_SCRIPT,
                            name="evaluate_glove.py")


# --------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------

def mean(xs):
    xs = [x for x in xs if x is not None]
    return statistics.fmean(xs) if xs else None


def final_cost(r):
    c = r.get("cost")
    return c[-1] if c else None


def vocab_of(r):
    ev = r.get("eval", {})
    if ev.get("vocab_size") is not None:
        return ev["vocab_size"] - (1 if ev.get("has_unk") else 0)
    return r.get("info", {}).get("vocab_size")


ROW_KEYS = {
    "wall": lambda r: r.get("wall_seconds"),
    "count": lambda r: r.get("count_seconds"),
    "train": lambda r: r.get("train_seconds"),
    "rss": lambda r: r.get("peak_rss_mb"),
    "temp": lambda r: r.get("temp_mb"),
    "vocab": vocab_of,
    "analogy": lambda r: r.get("eval", {}).get("analogy_pct"),
    "ws": lambda r: r.get("eval", {}).get("ws_spearman"),
    "cost": final_cost,
}


def aggregate(runs: list[dict]) -> dict:
    ok = [r for r in runs if r.get("returncode") == 0]
    return {k: mean([f(r) for r in ok]) for k, f in ROW_KEYS.items()} if ok else {}


def make_table(runs: list[dict], tools: list[str], seeds: list[int]) -> str:
    head = ["tool", "seed", "wall s", "count s", "train s", "peak RSS MB", "temp MB",
            "vocab", "analogy %", "WS353 ρ", "final cost"]
    rows = []

    def row(name, seed, v):
        return [name, seed, fmt(v["wall"], ".2f"), fmt(v["count"], ".2f"),
                fmt(v["train"], ".2f"), fmt(v["rss"], ",.0f"), fmt(v["temp"], ",.1f"),
                fmt(None if v["vocab"] is None else int(v["vocab"]), ",d"),
                fmt(v["analogy"], ".2f"), fmt(v["ws"], ".3f"), fmt(v["cost"], ".6f")]

    for t in tools:
        mine = [r for r in runs if r["tool"] == t]
        for r in mine:
            if r.get("returncode") != 0:
                why = r.get("error") or f"exit {r.get('returncode')}"
                if r.get("failed_step"):
                    why += f" in {r['failed_step']}"
                rows.append([t, str(r["seed"]), f"FAILED ({why})"] + [""] * (len(head) - 3))
            else:
                rows.append(row(t, str(r["seed"]), {k: f(r) for k, f in ROW_KEYS.items()}))
        if len(seeds) > 1:
            agg = aggregate(mine)
            if agg:
                rows.append(row(t, "mean", agg))
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join("---" if i < 2 else "---:" for i in range(len(head))) + "|"]
    lines += ["| " + " | ".join(x) + " |" for x in rows]
    return "\n".join(lines)


def ratio(x, y):
    return x / y if (x is not None and y) else None


def ratio_lines(runs: list[dict], tools: list[str], mode: str) -> list[str]:
    agg = {t: aggregate([r for r in runs if r["tool"] == t]) for t in tools}
    st = agg.get("stanford")
    if not st:
        return []
    out = []
    for t in ("ours", "ours-direct"):
        o = agg.get(t)
        if not o:
            continue
        if mode == "count":
            out.append(f"- counting, stanford (vocab_count+cooccur+shuffle) / {t} count(): "
                       f"{fmt(ratio(st['count'], o['count']), '.2f')}x time "
                       f"({fmt(st['count'], '.2f')} s / {fmt(o['count'], '.2f')} s); "
                       f"child wall {fmt(ratio(st['wall'], o['wall']), '.2f')}x; "
                       f"peak RSS {fmt(ratio(st['rss'], o['rss']), '.2f')}x")
            continue
        out.append(f"- end to end, stanford / {t}: {fmt(ratio(st['wall'], o['wall']), '.2f')}x "
                   f"wall ({fmt(st['wall'], '.2f')} s / {fmt(o['wall'], '.2f')} s); "
                   f"peak RSS {fmt(ratio(st['rss'], o['rss']), '.2f')}x")
        if o.get("count") is not None:
            out.append(f"- counting, stanford (vocab_count+cooccur+shuffle) / {t} count(): "
                       f"{fmt(ratio(st['count'], o['count']), '.2f')}x "
                       f"({fmt(st['count'], '.2f')} s / {fmt(o['count'], '.2f')} s)")
        if o.get("train") is not None and t == "ours":
            out.append(f"- training, stanford glove (incl. load+save) / {t} train(): "
                       f"{fmt(ratio(st['train'], o['train']), '.2f')}x "
                       f"({fmt(st['train'], '.2f')} s / {fmt(o['train'], '.2f')} s)")
    return out


def notes(runs: list[dict]) -> list[str]:
    out = []
    for r in runs:
        if r.get("returncode") != 0:
            continue
        parts = []
        if r["tool"] == "stanford":
            parts.append(", ".join(f"{n} {s['wall_seconds']:.2f} s / {s['peak_rss_mb']:,.0f} MB"
                                   for n, s in r["steps"].items()))
            i = r.get("info", {})
            if i.get("tokens") is not None:
                parts.append(f"{i['tokens']:,} tokens, vocab {i.get('vocab_size') or 0:,}, "
                             f"{i.get('cooccur_records') or 0:,} records")
            parts.append("files " + ", ".join(f"{k} {fmt(v, ',.1f')} MB"
                                              for k, v in r["files_mb"].items()))
        else:
            rep = r.get("report", {})
            if rep.get("save_s") is not None:
                parts.append(f"save {rep['save_s']:.2f} s")
            if rep.get("vocab_size") is not None:
                parts.append(f"vocab {rep['vocab_size']:,}")
            if rep.get("memory_passed") is False:
                parts.append("train() takes no memory=")
        if r.get("cost"):
            parts.append("cost " + " ".join(f"{c:.5g}" for c in r["cost"]))
        ev = r.get("eval", {})
        if "analogy_seen" in ev:
            parts.append(f"analogies {ev['analogy_correct']}/{ev['analogy_seen']} "
                         f"(sem {ev['semantic_pct']:.1f}%, syn {ev['syntactic_pct']:.1f}%, "
                         f"OOV {ev['analogy_oov_pct']:.1f}%)")
        if "ws_oov_pct" in ev:
            parts.append(f"WS353 OOV {ev['ws_oov_pct']:.1f}%")
        if ev.get("error"):
            parts.append("eval error: " + ev["error"])
        out.append(f"- {r['tool']} seed {r['seed']}: " + "; ".join(parts))
    return out


def log(msg: str) -> None:
    print(f"[bench_glove] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------

def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="Train GloVe with word2vec_fast.glove and Stanford's GloVe tools on the "
                    "same corpus and settings; compare time, memory, cost and quality.")
    p.add_argument("--corpus", type=Path, default=REPO_ROOT.parent / "shared" / "data"
                   / "wiki1e8.txt.gz", help="plain text (or .gz, decompressed once into the "
                   "work directory); default ../shared/data/wiki1e8.txt.gz")
    p.add_argument("--dim", type=int, default=50)
    p.add_argument("--window", type=int, default=15)
    p.add_argument("--min-count", type=int, default=5)
    p.add_argument("--iter", type=int, default=15, help="epochs (glove -iter)")
    p.add_argument("--x-max", type=float, default=10.0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--memory", type=float, default=4.0,
                   help="GB: cooccur/shuffle -memory and count(memory=)")
    p.add_argument("--seeds", nargs="+", default=["1"],
                   help="seeds, e.g. --seeds 1 2 3 or --seeds 1,2,3 (one run per tool each)")
    p.add_argument("--tools", default="stanford,ours",
                   help="comma-separated subset of: " + ",".join(ALL_TOOLS))
    p.add_argument("--mode", choices=MODES, default="end-to-end",
                   help="end-to-end (default): counting + training + saving; count: "
                        "vocab_count+cooccur+shuffle against count() alone")
    p.add_argument("--stanford-dir", type=Path, default=Path("/tmp/stanford-glove/build"),
                   help="directory with vocab_count, cooccur, shuffle and glove")
    p.add_argument("--python", default=sys.executable,
                   help="python that imports word2vec_fast: runs ours and the evaluation "
                        "(default: this python)")
    p.add_argument("--questions", type=Path, default=DEFAULT_EVAL_DIR / "questions-words.txt",
                   help="analogy file ('' to skip)")
    p.add_argument("--pairs", type=Path, default=DEFAULT_EVAL_DIR / "wordsim353.tsv",
                   help="word-pair similarity file ('' to skip)")
    p.add_argument("--no-eval", action="store_true", help="skip the quality evaluation")
    p.add_argument("--workdir", type=Path, default=None,
                   help="where runs write their files (default: a new temp dir, removed at "
                        "the end unless --keep); never removed when given")
    p.add_argument("--keep", action="store_true", help="keep the temp work directory")
    p.add_argument("--json", type=Path, default=None, help="also write all results here")
    a = p.parse_args(argv)

    a.tools = [t.strip() for t in a.tools.split(",") if t.strip()]
    bad = [t for t in a.tools if t not in ALL_TOOLS]
    if bad or not a.tools:
        p.error(f"unknown tool(s) {bad}; choose from {list(ALL_TOOLS)}")
    if a.mode == "count" and "ours-direct" in a.tools:
        a.tools.remove("ours-direct")
        log("--mode count: ours-direct is the same as ours there; left out")
    try:
        a.seeds = [int(s) for x in a.seeds for s in x.split(",") if s.strip()]
    except ValueError:
        p.error(f"--seeds wants integers, got {a.seeds}")
    if a.questions is not None and str(a.questions) in ("", "."):
        a.questions = None
    if a.pairs is not None and str(a.pairs) in ("", "."):
        a.pairs = None
    if a.mode == "count":
        a.no_eval = True
    for label, path in (("--questions", a.questions), ("--pairs", a.pairs)):
        if path is not None and not path.is_file() and not a.no_eval:
            p.error(f"{label} {path} not found (pass '' to skip)")
    if not a.corpus.is_file():
        p.error(f"corpus {a.corpus} not found")
    if "stanford" in a.tools:
        a.stanford_dir = a.stanford_dir.resolve()
        need = STANFORD_PROGRAMS[:3] if a.mode == "count" else STANFORD_PROGRAMS
        missing = [n for n in need if not os.access(a.stanford_dir / n, os.X_OK)]
        if missing:
            p.error(f"{', '.join(missing)} not found in --stanford-dir {a.stanford_dir}; build "
                    "Stanford's GloVe with its Makefile (see this script's docstring)")
    # fail before any long run: the child python must import what it will use
    checks = []
    if any(t.startswith("ours") for t in a.tools):
        checks.append("word2vec_fast.glove")
    if not a.no_eval:
        checks.append("word2vec_fast.evaluation")
    for mod in checks:
        chk = subprocess.run([a.python, "-c", f"import {mod}"], capture_output=True, text=True)
        if chk.returncode != 0:
            last = (chk.stderr.strip().splitlines() or ["?"])[-1]
            hint = (" (leave ours out: --tools stanford)" if mod.endswith("glove")
                    else " (or pass --no-eval)")
            p.error(f"{a.python} cannot import {mod}: {last}; pass --python with a Python "
                    f"that has word2vec_fast{hint}")
    return a


def prepare(a, wd: Path) -> Path:
    """A plain copy of a .gz corpus, made in a child (this process stays small)."""
    if a.corpus.suffix != ".gz":
        return a.corpus.resolve()
    p = subprocess.run([sys.executable, str(COMPARE), PREPARE_FLAG, str(a.corpus.resolve()),
                        str(wd), str(a.min_count)], stdout=subprocess.PIPE, text=True)
    if p.returncode != 0:
        raise SystemExit("preparing the corpus failed")
    return Path(json.loads(p.stdout.strip().splitlines()[-1])["plain"])


def main(argv=None) -> int:
    a = parse_args(argv)
    temp = a.workdir is None
    wd = Path(tempfile.mkdtemp(prefix="glove-bench-")) if temp else a.workdir
    wd.mkdir(parents=True, exist_ok=True)
    wd = wd.resolve()
    log(f"workdir {wd}")
    if a.threads > (os.cpu_count() or 1):
        log(f"warning: --threads {a.threads} > {os.cpu_count()} CPUs")
    try:
        rc = run_all(a, wd)
    except BaseException:
        if temp:
            log(f"interrupted; work directory kept: {wd}")
        raise
    if temp and not a.keep and rc == 0:
        shutil.rmtree(wd, ignore_errors=True)
        log(f"removed {wd} (--keep keeps it)")
    elif temp:
        log(f"work directory kept: {wd}")
    return rc


def run_all(a, wd: Path) -> int:
    corpus = prepare(a, wd)
    runs: list[dict] = []
    for seed in a.seeds:
        for tool in a.tools:
            rd = wd / f"{tool}-s{seed}"
            if rd.exists():
                shutil.rmtree(rd)
            rd.mkdir(parents=True)
            log(f"running {tool}, seed {seed} ...")
            if tool == "stanford":
                r = run_stanford(a, corpus, rd, seed)
            else:
                r = run_ours(a, corpus, rd, seed, tool)
            runs.append(r)

    if not a.no_eval:
        files = {f"{r['tool']}-s{r['seed']}": r["vectors"] for r in runs
                 if r.get("returncode") == 0 and r.get("vectors")}
        for r in runs:
            if r.get("returncode") == 0 and not r.get("vectors"):
                r["eval"] = {"error": "no vectors file written"}
        if files:
            log("evaluating " + ", ".join(files) + " ...")
            for key, ev in evaluate(a, files, wd).items():
                tool, _, seed = key.rpartition("-s")
                for r in runs:
                    if r["tool"] == tool and str(r["seed"]) == seed:
                        r["eval"] = ev

    settings = {k: getattr(a, k) for k in ("mode", "dim", "window", "min_count", "iter",
                                            "x_max", "threads", "memory", "seeds")}
    tokens = next((r["info"].get("tokens") for r in runs
                   if r["tool"] == "stanford" and r.get("info", {}).get("tokens")), None)
    what = ("counting only (vocab_count+cooccur+shuffle vs count())" if a.mode == "count"
            else f"dim {a.dim}, {a.iter} iter, x_max {a.x_max:g}")
    print(f"\n{a.corpus.name}" + (f" ({tokens:,} tokens)" if tokens else "") +
          f": window {a.window}, min_count {a.min_count}, {what}, {a.threads} thread(s), "
          f"memory {a.memory:g} GB; peak RSS floor (this driver's RSS) "
          f"{self_rss_mb():.0f} MB\n")
    print(make_table(runs, a.tools, a.seeds))
    print()
    for line in notes(runs):
        print(line)
    rl = ratio_lines(runs, a.tools, a.mode)
    if rl:
        print()
        for line in rl:
            print(line)

    if a.json:
        doc = {
            "corpus": {"path": str(a.corpus), "plain": str(corpus),
                       "bytes": corpus.stat().st_size, "tokens": tokens},
            "settings": settings,
            "host": {"cpus": os.cpu_count(), "platform": platform.platform(),
                     "python": sys.version.split()[0], "child_python": a.python},
            "stanford_dir": str(a.stanford_dir),
            "driver_rss_mb": self_rss_mb(),
            "summary": {t: aggregate([r for r in runs if r["tool"] == t]) for t in a.tools},
            "runs": runs,
        }
        a.json.write_text(json.dumps(doc, indent=2, default=str) + "\n")
        log(f"wrote {a.json}")
    return 0 if all(r.get("returncode") == 0 for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
