"""Vector file I/O and the memory of serving vectors, side by side: word2vec_fast vs
NumPy's raw float block vs gensim.

    python bench/bench_vectors.py [--words 1000000] [--dim 300] [--workdir DIR] [--repeat 3]
                                  [--part io|memory|all]
    python bench/bench_vectors.py --analogies VECTORS QUESTIONS   (float16 vs float32)

Writes a synthetic word2vec binary file (V x dim random float32, words of varied
length and script) and a raw file holding only its float block, then measures, each
in a fresh subprocess so that its peak RSS (os.wait4's ru_maxrss) is its own:

* ``numpy_read``   np.fromfile of the raw float block      (the floor for a load)
* ``ours_load``    word2vec_fast.load of the .bin
* ``gensim_load``  KeyedVectors.load_word2vec_format(binary=True)
* ``numpy_write``  ndarray.tofile of the float block       (the floor for a save)
* ``ours_save``    Vectors.save of the same vectors as .bin

The parent stays small (the files are made in a child as well) because Linux
carries a parent's peak RSS into a child's ru_maxrss across fork and exec.
Times are the best of ``--repeat`` runs (gensim: one run), files warm in the page
cache for everyone; writers start with no output file.  Our load builds the word ->
row dict lazily (on first lookup); the bench times that separately and prints the
load ratio with it included too.  Memory is the child's peak RSS minus its RSS after imports (and,
for saves, after building the input), divided by the V x dim x 4 bytes of the matrix.
Prints the ratios the issue asks for: load and save at most 2x NumPy, load at least 5x
faster than gensim, load peak memory at most 1.3x the matrix.

``--part memory`` (issue 19) saves the same vectors in our npy format (float32 and
float16) and with gensim's ``KeyedVectors.save`` (matrix in its own .npy), then, each
in a fresh process: opens them memory-mapped (ours ``load(mmap=True)``, gensim's
``KeyedVectors.load(mmap="r")``), asks one ``most_similar`` of a word, and reports
what each step added to the process's resident memory, split into private
(anonymous) memory and file pages (shared: every process that maps the file uses the
same page-cache copy), plus the child's peak.  Targets: a mapped load adds <= 10 MB,
the first query <= 1.1x the V-vector of float32 norms, float16 halves the resident
matrix.

``--analogies VECTORS QUESTIONS`` answers the analogy set (top 30,000 words) with the
vectors as float32 and as float16 and prints both accuracies and how many answers
changed.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def _rss_kib():
    return _status()["VmRSS"]


def _status():
    """VmRSS, RssAnon (private) and RssFile (mapped file pages) in KiB."""
    out = {"VmRSS": 0, "RssAnon": 0, "RssFile": 0}
    with open("/proc/self/status") as f:
        for line in f:
            key = line.split(":")[0]
            if key in out:
                out[key] = int(line.split()[1])
    return out


def _delta(a, b):
    return {k: b[k] - a[k] for k in a}


def mem_child(task, paths, words):
    """Open mapped vectors, query once; print what each step added (KiB) as JSON."""
    import numpy as np
    word = _word(words // 2)
    if task.startswith("ours"):
        sys.path.insert(0, ROOT)
        import word2vec_fast as w2v
        path = paths["npy16" if task == "ours_map16" else "npy"]
    else:
        from gensim.models import KeyedVectors
    s0 = _status()
    if task.startswith("ours"):
        v = w2v.load(path, mmap=True)
    else:
        v = KeyedVectors.load(paths["kv"], mmap="r")
    s1 = _status()
    res = v.most_similar(word, topn=10)
    s2 = _status()
    assert len(res) == 10
    v.vectors.sum(axis=1, dtype=np.float64)  # every page of the matrix resident
    s3 = _status()
    print(json.dumps({"task": task, "load": _delta(s0, s1), "query": _delta(s1, s2),
                      "resident": _delta(s0, s3), "base_kib": s0["VmRSS"]}))


def _word(i):
    return f"{_SCRIPTS[i % 5]}{i}"


_SCRIPTS = ["w", "é", "日", "слово", "ab_cd"]


def child(task, binpath, rawpath, outpath, words, dim):
    """Run one measurement in this (fresh) process; print a JSON line."""
    import numpy as np
    if task in ("ours_load", "ours_save"):
        sys.path.insert(0, ROOT)
        import word2vec_fast as w2v
    if task == "gensim_load":
        from gensim.models import KeyedVectors
    if task == "numpy_write":
        mat = np.fromfile(rawpath, dtype=np.float32).reshape(words, dim)
    if task == "ours_save":
        vecs = w2v.load(binpath)
    if os.path.exists(outpath):
        os.unlink(outpath)  # both writers create a new file; freeing an old one is not timed
    base = _rss_kib()
    extra = {}
    t = time.perf_counter()
    if task == "numpy_read":
        m = np.fromfile(rawpath, dtype=np.float32).reshape(words, dim)
        n = len(m)
    elif task == "ours_load":
        vecs = w2v.load(binpath)
        n = len(vecs)
        extra["load_seconds"] = time.perf_counter() - t
        # the word -> row dict is built on first use; time that too, to report it
        t_index = time.perf_counter()
        assert vecs.index[vecs.words[-1]] == n - 1
        extra["index_seconds"] = time.perf_counter() - t_index
    elif task == "gensim_load":
        n = len(KeyedVectors.load_word2vec_format(binpath, binary=True))
    elif task == "numpy_write":
        mat.tofile(outpath)
        n = len(mat)
    elif task == "ours_save":
        vecs.save(outpath)
        n = len(vecs)
    secs = extra.pop("load_seconds", time.perf_counter() - t)
    if n != words:
        raise SystemExit(f"{task}: got {n} rows, expected {words}")
    print(json.dumps({"task": task, "seconds": secs, "base_kib": base, **extra}))


def run_child(task, args, paths):
    cmd = [sys.executable, os.path.abspath(__file__), "--child", task, "--words", str(args.words),
           "--dim", str(args.dim), "--workdir", args.workdir]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE)
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.stdout.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{task} failed with exit code {proc.returncode}")
    res = json.loads(out.decode().strip().splitlines()[-1])
    res["peak_kib"] = usage.ru_maxrss  # KiB on Linux
    return res


def make_files(args, paths):
    import numpy as np
    sys.path.insert(0, ROOT)
    import word2vec_fast as w2v
    rng = np.random.default_rng(0)
    words = [_word(i) for i in range(args.words)]
    mat = rng.standard_normal((args.words, args.dim), dtype=np.float32)
    if args.part in ("io", "all"):
        w2v.Vectors(words, mat).save(paths["bin"])
        mat.tofile(paths["raw"])
    if args.part in ("memory", "all"):
        v = w2v.Vectors(words, mat)
        v.save(paths["npy"], format="npy")
        v.astype(np.float16).save(paths["npy16"], format="npy")
        if not args.no_gensim:
            v.to_gensim().save(paths["kv"], sep_limit=0)
    del mat


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--words", type=int, default=1_000_000)
    ap.add_argument("--dim", type=int, default=300)
    ap.add_argument("--workdir", default="/tmp/bench_vectors")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-gensim", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the generated files")
    ap.add_argument("--part", choices=("io", "memory", "all"), default="all")
    ap.add_argument("--analogies", nargs=2, metavar=("VECTORS", "QUESTIONS"))
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.analogies:
        float16_analogies(*args.analogies)
        return
    os.makedirs(args.workdir, exist_ok=True)
    paths = {k: os.path.join(args.workdir, f) for k, f in
             (("bin", "vectors.bin"), ("raw", "floats.raw"), ("out", "out.bin"),
              ("npy", "vectors.npy"), ("npy16", "vectors16.npy"), ("kv", "gensim.kv"))}
    if args.child == "make":
        make_files(args, paths)
        return
    if args.child and args.child.startswith(("ours_map", "gensim_map")):
        mem_child(args.child, paths, args.words)
        return
    if args.child:
        child(args.child, paths["bin"], paths["raw"], paths["out"], args.words, args.dim)
        return
    matrix_bytes = args.words * args.dim * 4
    t = time.perf_counter()
    # In a child too: Linux carries a process's peak RSS across fork+exec into the
    # children's ru_maxrss, so this parent must never hold the matrix itself.
    subprocess.run([sys.executable, os.path.abspath(__file__), "--child", "make",
                    "--words", str(args.words), "--dim", str(args.dim),
                    "--workdir", args.workdir, "--part", args.part]
                   + (["--no-gensim"] if args.no_gensim else []), check=True)
    print(f"[bench] {args.words:,} x {args.dim} float32 = {matrix_bytes / 2**20:,.0f} MiB matrix "
          f"(files made in {time.perf_counter() - t:.1f} s)", flush=True)
    if args.part in ("memory", "all"):
        memory_part(args, paths)
    if args.part in ("io", "all"):
        io_part(args, paths)
    if not args.keep:
        for p in paths.values():
            for q in (p, p + ".words", p + ".vectors.npy"):
                if os.path.exists(q):
                    os.unlink(q)


def memory_part(args, paths):
    """The memory of mapped vectors and of a first query, ours against gensim's."""
    norms_mib = args.words * 4 / 2**20
    rows = []
    for task in ["ours_map", "ours_map16"] + ([] if args.no_gensim else ["gensim_map"]):
        r = run_child(task, args, paths)
        r["peak_mib"] = (r["peak_kib"] - r["base_kib"]) / 1024
        rows.append(r)
    mib = lambda kib: f"{kib / 1024:8.1f}"  # noqa: E731
    print(f"\nmemory added (MiB; private = anonymous memory, file = mapped pages, shared by "
          f"every process that maps the file); V-vector of norms = {norms_mib:.1f} MiB")
    print(f"  {'':12s} {'load: private':>14s} {'file':>8s} {'query: private':>15s} {'file':>8s} "
          f"{'all pages resident':>19s} {'child peak':>11s}")
    for r in rows:
        ld, q, res = r["load"], r["query"], r["resident"]
        print(f"  {r['task']:12s} {mib(ld['RssAnon']):>14s} {mib(ld['RssFile']):>8s} "
              f"{mib(q['RssAnon']):>15s} {mib(q['RssFile']):>8s} {mib(res['VmRSS']):>19s} "
              f"{r['peak_mib']:11.1f}")
    ours, half = rows[0], rows[1]
    load_add = (ours["load"]["RssAnon"] + ours["load"]["RssFile"]) / 1024
    print(f"  mapped load adds {load_add:.1f} MiB in all   [target <= 10 MB]")
    print(f"  first most_similar adds {ours['query']['RssAnon'] / 1024 / norms_mib:.2f}x the "
          f"norms vector of private memory   [target <= 1.1]")
    print(f"  float16 / float32 resident matrix   "
          f"{half['resident']['VmRSS'] / ours['resident']['VmRSS']:.2f}   [target 0.5]")


def float16_analogies(vectors, questions):
    """Analogy accuracy of ``vectors`` stored as float32 and as float16."""
    sys.path.insert(0, ROOT)
    import numpy as np
    import word2vec_fast as w2v
    v32 = w2v.load(vectors)
    v16 = v32.astype(np.float16)
    r32, r16 = (w2v.evaluate_analogies(v, questions, restrict_vocab=30000) for v in (v32, v16))
    a32, a16 = (v.analogies([q[:3] for q in _questions(questions, v)], restrict_vocab=30000)
                for v in (v32, v16))
    changed = sum(x[0][0] != y[0][0] for x, y in zip(a32, a16))
    print(f"float32 {r32.accuracy:.4%}  float16 {r16.accuracy:.4%}  "
          f"({r16.correct - r32.correct:+d} correct of {r32.evaluated}); "
          f"top answer changed on {changed} of {len(a32)} questions "
          f"({changed / max(len(a32), 1):.2%})")


def _questions(path, v):
    """Questions whose words are all among the first 30,000 (upper-case matching skipped)."""
    top = set(list(v.words)[:30000])
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            q = line.lower().split()
            if len(q) == 4 and not line.startswith(":") and all(w in top for w in q):
                out.append(q)
    return out


def io_part(args, paths):
    matrix_bytes = args.words * args.dim * 4
    print(f"\n[bench] .bin {os.path.getsize(paths['bin']) / 2**20:,.0f} MiB", flush=True)
    tasks = ["numpy_read", "ours_load", "numpy_write", "ours_save"]
    if not args.no_gensim:
        tasks.append("gensim_load")
    best = {}
    for task in tasks:
        reps = 1 if task == "gensim_load" else args.repeat
        runs = [run_child(task, args, paths) for _ in range(reps)]
        r = min(runs, key=lambda x: x["seconds"])
        r["extra_mib"] = (max(x["peak_kib"] for x in runs) - r["base_kib"]) / 1024
        best[task] = r
        print(f"[bench] {task:12s} {r['seconds']:8.3f} s   peak RSS {r['peak_kib'] / 1024:8.0f} MiB"
              f"   (+{r['extra_mib']:.0f} MiB over its start)", flush=True)
    mib = matrix_bytes / 2**20
    print("\nratios (issue 3 targets in brackets)")
    def secs(name):
        return best[name]["seconds"]

    print(f"  load / numpy fromfile      {secs('ours_load') / secs('numpy_read'):6.2f}x   [<= 2]")
    print(f"  save / numpy tofile        {secs('ours_save') / secs('numpy_write'):6.2f}x   [<= 2]")
    if "gensim_load" in best:
        print(f"  gensim load / our load     {secs('gensim_load') / secs('ours_load'):6.2f}x   "
              "[>= 5]")
    ol = best["ours_load"]
    indexed = ol["seconds"] + ol["index_seconds"]
    print(f"  (load + building the word->row dict on first lookup, {ol['index_seconds']:.3f} s: "
          f"{indexed / secs('numpy_read'):.2f}x numpy"
          + (f", gensim {secs('gensim_load') / indexed:.2f}x slower)"
             if "gensim_load" in best else ")"))
    print(f"  load peak memory / matrix  {best['ours_load']['extra_mib'] / mib:6.2f}x   [<= 1.3]"
          f"   (numpy fromfile: {best['numpy_read']['extra_mib'] / mib:.2f}x"
          + (f", gensim: {best['gensim_load']['extra_mib'] / mib:.2f}x"
             if "gensim_load" in best else "")
          + ")")
    print(f"  save extra memory / matrix {best['ours_save']['extra_mib'] / mib:6.2f}x")


if __name__ == "__main__":
    main()
