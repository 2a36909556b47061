"""Vector file I/O, side by side: word2vec_fast vs NumPy's raw float block vs gensim.

    python bench/bench_vectors.py [--words 1000000] [--dim 300] [--workdir DIR] [--repeat 3]

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
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


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
    scripts = ["w", "é", "日", "слово", "ab_cd"]
    words = [f"{scripts[i % 5]}{i}" for i in range(args.words)]
    mat = rng.standard_normal((args.words, args.dim), dtype=np.float32)
    w2v.Vectors(words, mat).save(paths["bin"])
    mat.tofile(paths["raw"])
    del mat


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--words", type=int, default=1_000_000)
    ap.add_argument("--dim", type=int, default=300)
    ap.add_argument("--workdir", default="/tmp/bench_vectors")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-gensim", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the generated files")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    paths = {k: os.path.join(args.workdir, f) for k, f in
             (("bin", "vectors.bin"), ("raw", "floats.raw"), ("out", "out.bin"))}
    if args.child == "make":
        make_files(args, paths)
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
                    "--workdir", args.workdir], check=True)
    print(f"[bench] {args.words:,} x {args.dim} float32 = {matrix_bytes / 2**20:,.0f} MiB matrix; "
          f".bin {os.path.getsize(paths['bin']) / 2**20:,.0f} MiB (made in "
          f"{time.perf_counter() - t:.1f} s)", flush=True)
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
    print(f"  load / numpy fromfile      {best['ours_load']['seconds'] / best['numpy_read']['seconds']:6.2f}x   [<= 2]")
    print(f"  save / numpy tofile        {best['ours_save']['seconds'] / best['numpy_write']['seconds']:6.2f}x   [<= 2]")
    if "gensim_load" in best:
        print(f"  gensim load / our load     {best['gensim_load']['seconds'] / best['ours_load']['seconds']:6.2f}x   [>= 5]")
    ol = best["ours_load"]
    print(f"  (load + building the word->row dict on first lookup, {ol['index_seconds']:.3f} s: "
          f"{(ol['seconds'] + ol['index_seconds']) / best['numpy_read']['seconds']:.2f}x numpy"
          + (f", gensim {best['gensim_load']['seconds'] / (ol['seconds'] + ol['index_seconds']):.2f}x slower)"
             if "gensim_load" in best else ")"))
    print(f"  load peak memory / matrix  {best['ours_load']['extra_mib'] / mib:6.2f}x   [<= 1.3]"
          f"   (numpy fromfile: {best['numpy_read']['extra_mib'] / mib:.2f}x"
          + (f", gensim: {best['gensim_load']['extra_mib'] / mib:.2f}x" if "gensim_load" in best else "")
          + ")")
    print(f"  save extra memory / matrix {best['ours_save']['extra_mib'] / mib:6.2f}x")
    if not args.keep:
        for p in paths.values():
            if os.path.exists(p):
                os.unlink(p)


if __name__ == "__main__":
    main()
