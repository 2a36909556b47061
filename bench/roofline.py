#!/usr/bin/env python3
"""How far each training mode is from what the machine can do: the roofline table.

    python bench/roofline.py --corpus ../shared/data/wiki1e8.txt.gz --json roofline.json

1. **Peak**: ``bench/fma_peak.c`` (independent chains of vector fused multiply-adds,
   built here with ``$CC``, default ``cc``, for the widest vectors this CPU runs) on one
   thread, then on two (or ``--threads``) at once: GFLOP/s. Two threads at twice one
   thread's figure are two cores; at about the same, one core's two hardware threads.
2. **Each mode** (skip-gram/CBOW x negative sampling/hierarchical softmax x d100/d300,
   window 5, 5 negatives) trains one epoch over the first ``--tokens`` tokens of the
   corpus, **subsampled beforehand** (word2vec.c's rule, ``sample`` 1e-3, one fixed
   draw) and trained with ``sample=0``, so that every run does the same arithmetic:
   - *achieved* GFLOP/s: the kernels' flops over the training seconds. Flops count 2
     per multiply-add of the three products of a block (scores, input gradients,
     output updates: ``6 * dim`` per input row and output column; skip-gram's
     columns are 1 + negatives or the centre's Huffman path, for each (context,
     centre) pair the engine counts; CBOW adds the context mean and the spread of
     its gradient, ``2 * dim`` per context word, ``window + 1`` on average);
   - its share of the measured peak at the same thread count;
   - a **cache-resident replay**: the same kept tokens with ids folded into
     ``--resident-rows`` rows (id modulo the rows; counts summed, so the sampler
     and the Huffman tree are rebuilt over them): the same kernels on rows that
     stay in the L2 cache. ``memory share`` = 1 - achieved / resident: the part of
     the time that waits on rows coming from memory, read from one thread (with
     more, the replay's few rows bounce between the cores that write them, and
     the replay measures that instead);
   - the share of the time outside the kernels (``--perf``, Linux ``perf``: samples
     of the training threads in the block kernels, ``w2v_block_step``/``_grad``
     and ``w2v_rows_*``, against all the process's samples while it trains):
     subsampling, window draws, the sampler, gathering the blocks, the schedule;
   - 1 -> 2 thread scaling of the achieved GFLOP/s.
Prints a Markdown table and writes everything to ``--json`` with the CPU model.
Only the training phase is timed (``model.stats["train_seconds"]``), best of
``--repeat``; on a shared machine compare figures from one run only.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "..", "shared", "data")

MODES = {
    "sg-ns": dict(sg=True, hs=False, negative=5),
    "sg-hs": dict(sg=True, hs=True, negative=0),
    "cbow-ns": dict(sg=False, hs=False, negative=5),
    "cbow-hs": dict(sg=False, hs=True, negative=0),
}
KERNEL_SYMBOLS = re.compile(r"^(w2v_block_step|w2v_block_grad|w2v_rows_add|w2v_rows_sum)")


def cpuinfo() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            return f.read()
    except OSError:
        return ""


def cpu_field(info: str, name: str) -> str | None:
    m = re.search(rf"^{name}\s*:\s*(.*)$", info, re.M)
    return m.group(1).strip() if m else None


def cpu_flags(info: str) -> set:
    return set((cpu_field(info, "flags") or "").split())


def cpu_isa(flags: set) -> str:
    """The widest vectors fma_peak.c is built for: avx512f, avx2 (with FMA) or baseline."""
    if "avx512f" in flags:
        return "avx512f"
    return "avx2" if {"avx2", "fma"} <= flags else "baseline"


def cpu_model() -> str:
    info = cpuinfo()
    if not info:
        return platform.processor() or "unknown"
    return (f"{cpu_field(info, 'model name') or 'unknown'} (family "
            f"{cpu_field(info, 'cpu family') or '?'}, model {cpu_field(info, 'model') or '?'}, "
            f"{cpu_isa(cpu_flags(info))})")


def build_peak(workdir: str) -> str:
    cc = os.environ.get("CC", "cc")
    src = os.path.join(HERE, "fma_peak.c")
    exe = os.path.join(workdir, "fma_peak")
    flags = {"avx512f": ["-mavx512f", "-mfma"], "avx2": ["-mavx2", "-mfma"],
             "baseline": []}[cpu_isa(cpu_flags(cpuinfo()))]
    subprocess.run([cc, "-O2", "-pthread", *flags, src, "-o", exe], check=True)
    return exe


def measure_peak(exe: str, threads: int, seconds: float, repeat: int) -> float:
    best = 0.0
    for _ in range(repeat):
        out = subprocess.run([exe, str(threads), str(seconds)], check=True,
                             capture_output=True, text=True).stdout
        best = max(best, json.loads(out)["gflops"])
    return best


def presubsample(ids: np.ndarray, offsets: np.ndarray, counts: np.ndarray, sample: float,
                 seed: int = 0):
    """word2vec.c's subsampling as one fixed draw: the kept ids and their sentences."""
    total = float(counts.sum())
    thr = sample * total
    c = np.maximum(counts.astype(np.float64), 1.0)
    keep_p = np.minimum(1.0, (np.sqrt(c / thr) + 1.0) * thr / c)
    rng = np.random.default_rng(seed)
    keep = rng.random(len(ids)) < keep_p[ids]
    csum = np.concatenate([[0], np.cumsum(keep)])
    return ids[keep].astype(np.int32), csum[offsets].astype(np.int64)


def mode_flops(mode: str, dim: int, window: int, negative: int, pairs: int, centres: int,
               mean_path: float) -> float:
    m = MODES[mode]
    if m["sg"]:
        cols = mean_path if m["hs"] else 1 + negative
        return 6.0 * dim * cols * pairs
    cols = mean_path if m["hs"] else 1 + negative
    return centres * (6.0 * dim * cols + 2.0 * dim * (window + 1))


def perf_share(run, workdir: str) -> float | None:
    """The share of the process's samples outside the block kernels while run() runs."""
    if not shutil.which("perf"):
        return None
    data = os.path.join(workdir, "perf.data")
    rec = subprocess.Popen(["perf", "record", "-q", "-F", "999", "-o", data, "-p",
                            str(os.getpid())], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    try:
        run()
    finally:
        rec.send_signal(signal.SIGINT)
        rec.wait()
    rep = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "symbol",
                          "--stdio", "-q"], capture_output=True, text=True)
    total = kern = 0.0
    for line in rep.stdout.splitlines():
        mt = re.match(r"\s*([\d.]+)%\s+\[[.k]\]\s+(\S+)", line)
        if not mt:
            continue
        pct, sym = float(mt.group(1)), mt.group(2)
        total += pct
        if KERNEL_SYMBOLS.match(sym):
            kern += pct
    return None if total == 0 else 1.0 - kern / total


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default=os.path.join(DATA, "wiki1e8.txt.gz"))
    ap.add_argument("--tokens", type=int, default=5_000_000,
                    help="train on the first N tokens of the corpus (before subsampling)")
    ap.add_argument("--modes", nargs="+", default=list(MODES), choices=list(MODES))
    ap.add_argument("--dims", nargs="+", type=int, default=[100, 300])
    ap.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--window", type=int, default=5)
    ap.add_argument("--sample", type=float, default=1e-3)
    ap.add_argument("--resident-rows", type=int, default=None,
                    help="rows of the cache-resident replay (default: 2 * rows * dim * 4 "
                         "bytes within 800 KB)")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--peak-seconds", type=float, default=2.0)
    ap.add_argument("--perf", action="store_true",
                    help="also measure the share of time outside the kernels with perf")
    ap.add_argument("--json")
    ap.add_argument("--table", metavar="JSON",
                    help="print the table of a saved run (its settings) and exit")
    a = ap.parse_args(argv)
    if a.table:
        with open(a.table) as f:
            saved = json.load(f)
        print(table(saved, argparse.Namespace(**saved["settings"])))
        return 0

    import word2vec_fast as w2v
    from word2vec_fast import _kernels

    out = dict(cpu=cpu_model(), simd=_kernels.simd_isa(), settings=vars(a),
               date=time.strftime("%Y-%m-%d"), python=platform.python_version())
    try:
        out["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE,
                                       capture_output=True, text=True).stdout.strip()
    except OSError:
        pass
    with tempfile.TemporaryDirectory() as wd:
        exe = build_peak(wd)
        peak = {t: measure_peak(exe, t, a.peak_seconds, 2) for t in sorted(set([1] + a.threads))}
        out["peak_gflops"] = peak
        print(f"CPU: {out['cpu']}, kernels {out['simd']}")
        print("FMA peak: " + ", ".join(f"{t} thread{'s' * (t > 1)} {g:.1f} GFLOP/s"
                                        for t, g in peak.items()), flush=True)

        vocab = w2v.Vocab.build(a.corpus, min_count=5)
        enc = w2v.encode(a.corpus, vocab)
        n = min(a.tokens, len(enc))
        offs = enc.offsets[enc.offsets <= n]
        if offs[-1] != n:
            offs = np.append(offs, n)
        kept, koffs = presubsample(enc.ids[:n], offs, vocab.counts, a.sample)
        print(f"{n:,} tokens, {len(kept):,} kept by subsampling {a.sample:g} "
              f"(vocabulary {len(vocab):,})", flush=True)
        rows = {}
        for dim in a.dims:
            S = a.resident_rows or max(64, 1 << int(np.log2(800_000 / (8 * dim))))
            fold = (kept % S).astype(np.int32)
            rcounts = np.bincount(np.arange(len(vocab)) % S, weights=vocab.counts,
                                  minlength=S).astype(np.int64)
            order = np.argsort(-rcounts, kind="stable")
            rank = np.empty(S, np.int64)
            rank[order] = np.arange(S)
            rvocab = w2v.Vocab([f"w{i}" for i in range(S)], rcounts[order])
            corpora = {"real": w2v.Corpus(kept, koffs, vocab),
                       "resident": w2v.Corpus(rank[fold].astype(np.int32), koffs, rvocab)}
            for mode in a.modes:
                kw = dict(MODES[mode], dim=dim, window=a.window, sample=0, epochs=1,
                          progress=False, seed=1)
                for th in a.threads:
                    rec = {}
                    for which, corpus in corpora.items():
                        best, model = None, None
                        for _ in range(a.repeat):
                            mdl = w2v.train(corpus, threads=th, **kw)
                            if best is None or mdl.stats["train_seconds"] < best:
                                best, model = mdl.stats["train_seconds"], mdl
                        hist = model.history[-1]
                        co = model.tables.code_offsets
                        path = 0.0
                        if kw["hs"]:
                            lens = np.diff(np.asarray(co))
                            path = float(lens[corpus.ids].mean())
                        fl = mode_flops(mode, dim, a.window, kw["negative"], hist["pairs"],
                                        len(corpus.ids), path)
                        rec[which] = dict(seconds=best, pairs=int(hist["pairs"]), flops=fl,
                                          gflops=fl / best * 1e-9,
                                          words_per_sec=len(corpus.ids) / best)
                    if a.perf:
                        rec["outside_share"] = perf_share(
                            lambda c=corpora["real"], t=th, k=kw: w2v.train(c, threads=t, **k),
                            wd)
                    rec["share_of_peak"] = rec["real"]["gflops"] / peak[th]
                    rec["memory_share"] = 1.0 - rec["real"]["gflops"] / rec["resident"]["gflops"]
                    rows[f"{mode} d{dim} t{th}"] = rec
                    print(f"{mode} d{dim} {th} thread(s): {rec['real']['gflops']:.1f} GFLOP/s "
                          f"({rec['share_of_peak']:.0%} of peak), resident "
                          f"{rec['resident']['gflops']:.1f}, memory "
                          f"{rec['memory_share']:.0%}"
                          + (f", outside kernels {rec['outside_share']:.0%}"
                             if rec.get("outside_share") is not None else ""), flush=True)
        out["rows"] = rows
    print()
    print(table(out, a))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)


def table(out: dict, a) -> str:
    th = sorted(a.threads)
    head = ["mode", "dim"]
    for t in th:
        head += [f"GFLOP/s {t}t", f"% peak {t}t"]
    # the replay's rows are few: with several threads they bounce between the cores
    # that write them, so the memory share is read from one thread
    head += [f"resident GFLOP/s {th[0]}t", f"memory {th[0]}t"]
    head += [f"outside {t}t" for t in th]
    if len(th) > 1:
        head.append(f"scaling {th[0]}->{th[-1]}")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for mode in a.modes:
        for dim in a.dims:
            cells = [mode, str(dim)]
            recs = [out["rows"].get(f"{mode} d{dim} t{t}") for t in th]
            if any(r is None for r in recs):
                continue
            for r in recs:
                cells += [f"{r['real']['gflops']:.1f}", f"{r['share_of_peak']:.0%}"]
            first = recs[0]
            cells += [f"{first['resident']['gflops']:.1f}", f"{first['memory_share']:.0%}"]
            cells += ["—" if r.get("outside_share") is None else f"{r['outside_share']:.0%}"
                      for r in recs]
            if len(th) > 1:
                cells.append(f"{recs[-1]['real']['gflops'] / recs[0]['real']['gflops']:.2f}x")
            lines.append("| " + " | ".join(cells) + " |")
    peak = ", ".join(f"{t} thread{'s' * (int(t) > 1)} {g:.1f}"
                     for t, g in out["peak_gflops"].items())
    return (f"CPU {out['cpu']}, {out.get('date', '')}, commit {out.get('commit', '?')}; "
            f"FMA peak GFLOP/s: {peak}\n\n" + "\n".join(lines))


if __name__ == "__main__":
    sys.exit(main())
