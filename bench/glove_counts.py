#!/usr/bin/env python3
"""Our GloVe co-occurrence counts against Stanford's ``cooccur``, pair by pair.

Runs Stanford's ``vocab_count -min-count M`` and ``cooccur -window-size W`` (symmetric,
distance-weighted: each pair at distance d adds 1/d, both ways) on the corpus, then
``word2vec_fast.glove.count(corpus, window=W, min_count=M, threads=T)``, and compares:

* the vocabularies: words only in one, counts that differ, and words whose rank
  (id) differs -- Stanford sorts by count, then ties by ``strcmp`` on the bytes
  (signed ``char``: a byte >= 0x80 sorts *before* ASCII);
* the co-occurrence keys, as word pairs (both triangles): keys in each, keys
  only in one (with examples);
* the values of the common keys: the largest difference in ulps (float64: the
  distance of the int64 views; both are positive), how many differ by more than
  4 ulps, the largest relative difference and how many exceed ``--rtol``.
  Values are sums of 1/d: summed in another order than Stanford's (its dense
  table in corpus order, its spilled records per sorted chunk, then chunk by
  chunk) the largest ones (``the the``: ~46,000 from millions of terms) differ by
  thousands of ulps but ~1e-12 relative; Stanford's own (i, j) and (j, i) differ
  by up to an ulp.  "agree" is judged with ``--rtol`` (default 1e-9); the ulp
  counts say how close the summation order is.

Stanford's ``cooccur`` is run with a small ``-overflow-length`` so that records
spill to temporary files: it has a known bug (stanfordnlp/GloVe#218) where an
*empty* overflow file (nothing spilled) makes its merge read the first record
twice, so that record comes out doubled.  The script prints how many files
Stanford merged, and says so if the first record of its output is the one that
differs by a factor of 2.

Stanford's files: ``vocab.txt`` is ``word count`` per line, ids are 1-based line
numbers; ``cooccurrence.bin`` is records of int32 word1, int32 word2, float64
value (little-endian, 16 bytes).  Ours: ``c.vocab.words`` (our id order) and
``c.to_scipy()`` (the full symmetric scipy.sparse matrix in our ids).

    /work/venv/bin/python bench/glove_counts.py                        # text8-head
    /work/venv/bin/python bench/glove_counts.py --corpus /tmp/g/wiki1e8.txt --json c.json
    /work/venv/bin/python bench/glove_counts.py --skip-ours             # Stanford side only

Needs numpy and scipy (and word2vec_fast for the ours side).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CREC = np.dtype([("w1", "<i4"), ("w2", "<i4"), ("val", "<f8")])
FILES_RE = re.compile(r"(\d+) files in total")
ULP_LIMIT = 4
DEFAULT_RTOL = 1e-9
EXAMPLES = 10


def log(msg: str) -> None:
    print(f"[glove_counts] {msg}", file=sys.stderr, flush=True)


def run(cmd, stdin: Path, stdout: Path, stderr: Path, cwd: Path) -> float:
    t0 = time.perf_counter()
    with open(stdin, "rb") as fi, open(stdout, "wb") as fo, open(stderr, "wb") as fe:
        p = subprocess.run(cmd, stdin=fi, stdout=fo, stderr=fe, cwd=cwd)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        err = stderr.read_bytes()[-2000:].decode("utf-8", "replace")
        raise SystemExit(f"{cmd[0]} failed (exit {p.returncode}):\n{err}")
    return dt


# --------------------------------------------------------------------------
# Stanford
# --------------------------------------------------------------------------

def run_stanford(a, corpus: Path, wd: Path) -> dict:
    b = a.stanford_dir
    vocab, cooc = wd / "vocab.txt", wd / "cooccurrence.bin"
    t_vocab = run([str(b / "vocab_count"), "-min-count", str(a.min_count), "-verbose", "2"],
                  corpus, vocab, wd / "vocab_count.err", wd)
    cmd = [str(b / "cooccur"), "-memory", format(a.stanford_memory, "g"),
           "-vocab-file", str(vocab), "-verbose", "2", "-symmetric", "1",
           "-window-size", str(a.window)]
    if a.overflow_length:
        cmd += ["-overflow-length", str(a.overflow_length)]
    t_cooc = run(cmd, corpus, cooc, wd / "cooccur.err", wd)
    err = (wd / "cooccur.err").read_text("utf-8", "replace")
    files = [int(x) for x in FILES_RE.findall(err)]
    n_files = files[-1] if files else None
    log(f"stanford: vocab_count {t_vocab:.2f} s, cooccur {t_cooc:.2f} s, "
        f"{n_files} files merged (1 dense + {None if n_files is None else n_files - 1} "
        "overflow)")
    if n_files is not None and n_files < 3:
        log("warning: Stanford wrote only one overflow file: if it is empty (nothing "
            "spilled) its first record is doubled (GloVe#218); use a smaller "
            "--overflow-length")
    return {"vocab_path": str(vocab), "cooc_path": str(cooc), "vocab_seconds": t_vocab,
            "cooccur_seconds": t_cooc, "files_merged": n_files, "cmd": cmd}


def read_stanford_vocab(path: Path) -> tuple[list[str], np.ndarray]:
    words, counts = [], []
    with open(path, "rb") as f:
        for line in f:
            line = line.rstrip(b"\n")
            w, _, c = line.rpartition(b" ")  # vocab_count writes "%s %lld\n"
            words.append(w.decode("utf-8", "surrogateescape"))
            counts.append(int(c))
    return words, np.asarray(counts, dtype=np.int64)


def read_stanford_cooc(path: Path) -> np.ndarray:
    size = path.stat().st_size
    if size % CREC.itemsize:
        raise SystemExit(f"{path}: {size} bytes is not a whole number of 16-byte records")
    return np.fromfile(path, dtype=CREC)


# --------------------------------------------------------------------------
# Ours
# --------------------------------------------------------------------------

def run_ours(a, corpus: Path):
    try:
        import word2vec_fast.glove as g
    except Exception as e:
        raise SystemExit(f"cannot import word2vec_fast.glove with {sys.executable}: "
                         f"{type(e).__name__}: {e} (--skip-ours checks Stanford's side alone)"
                         ) from None
    t0 = time.perf_counter()
    c = g.count(str(corpus), window=a.window, min_count=a.min_count, threads=a.threads)
    t1 = time.perf_counter()
    words = list(c.vocab.words)
    m = c.to_scipy().tocoo()
    t2 = time.perf_counter()
    counts = None
    for attr in ("counts", "count"):
        v = getattr(c.vocab, attr, None)
        if v is not None and not callable(v):
            try:
                counts = np.asarray(v, dtype=np.int64)
                break
            except (TypeError, ValueError):
                pass
    log(f"ours: count {t1 - t0:.2f} s, to_scipy {t2 - t1:.2f} s, {len(words):,} words, "
        f"{m.nnz:,} stored values ({m.dtype})")
    return words, counts, m, {"count_seconds": t1 - t0, "to_scipy_seconds": t2 - t1,
                              "dtype": str(m.dtype)}


# --------------------------------------------------------------------------
# Comparing
# --------------------------------------------------------------------------

def ulps(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """|x - y| in units in the last place, for finite values of the same sign."""
    if x.dtype == np.float32:
        xi, yi = x.view(np.int32).astype(np.int64), y.view(np.int32).astype(np.int64)
    else:
        xi, yi = x.view(np.int64), y.view(np.int64)
    # map the sign-magnitude bit patterns onto a monotone integer line
    xi = np.where(xi < 0, np.iinfo(xi.dtype).min - xi, xi)
    yi = np.where(yi < 0, np.iinfo(yi.dtype).min - yi, yi)
    return np.abs(xi - yi)


def compare_vocab(s_words, s_counts, o_words, o_counts) -> dict:
    s_set, o_set = set(s_words), set(o_words)
    only_s = [w for w in s_words if w not in o_set]
    only_o = [w for w in o_words if w not in s_set]
    o_index = {w: i for i, w in enumerate(o_words)}
    rank_diff = [(w, i, o_index[w]) for i, w in enumerate(s_words)
                 if w in o_index and o_index[w] != i]
    count_diff = []
    if o_counts is not None and len(o_counts) == len(o_words):
        for i, w in enumerate(s_words):
            j = o_index.get(w)
            if j is not None and int(o_counts[j]) != int(s_counts[i]):
                count_diff.append((w, int(s_counts[i]), int(o_counts[j])))
    res = {
        "stanford": len(s_words), "ours": len(o_words),
        "only_stanford": len(only_s), "only_ours": len(only_o),
        "only_stanford_examples": only_s[:EXAMPLES], "only_ours_examples": only_o[:EXAMPLES],
        "rank_differs": len(rank_diff),
        "rank_differs_examples": [{"word": w, "stanford_id": i, "ours_id": j}
                                  for w, i, j in rank_diff[:EXAMPLES]],
        "counts_compared": o_counts is not None and len(o_counts) == len(o_words),
        "count_differs": len(count_diff),
        "count_differs_examples": [{"word": w, "stanford": x, "ours": y}
                                   for w, x, y in count_diff[:EXAMPLES]],
    }
    if rank_diff:
        # same counts but another order means a different tie rule
        s_pos = {w: i for i, w in enumerate(s_words)}
        same_count = (o_counts is not None and len(o_counts) == len(o_words)
                      and all(int(s_counts[s_pos[w]]) == int(o_counts[j])
                              for w, _, j in rank_diff))
        res["rank_differs_only_within_ties"] = same_count if o_counts is not None else None
    return res


def compare_pairs(s_words, rec, o_words, om, rtol: float = DEFAULT_RTOL) -> dict:
    """Compare Stanford's records with our matrix, keyed by word pairs in our ids."""
    V = len(o_words)
    o_index = {w: i for i, w in enumerate(o_words)}
    # Stanford id (1-based) -> our id, -1 where the word is not ours
    s2o = np.full(len(s_words) + 1, -1, dtype=np.int64)
    for i, w in enumerate(s_words, 1):
        s2o[i] = o_index.get(w, -1)
    if rec.size and (rec["w1"].min() < 1 or rec["w2"].min() < 1
                     or rec["w1"].max() > len(s_words) or rec["w2"].max() > len(s_words)):
        raise SystemExit("cooccurrence.bin has ids outside vocab.txt")
    a1, a2 = s2o[rec["w1"]], s2o[rec["w2"]]
    known = (a1 >= 0) & (a2 >= 0)
    s_unknown = int((~known).sum())
    s_keys = a1[known] * V + a2[known]
    s_vals = rec["val"][known]
    # duplicates in Stanford's output would be a bug of its merge; sum them but count them
    order = np.argsort(s_keys, kind="stable")
    s_keys, s_vals = s_keys[order], s_vals[order]
    dup = int((s_keys[1:] == s_keys[:-1]).sum()) if s_keys.size else 0
    if dup:
        uk, start = np.unique(s_keys, return_index=True)
        s_vals = np.add.reduceat(s_vals, start)
        s_keys = uk

    om = om.tocoo()
    om.sum_duplicates()  # canonical: sorted, one entry per key
    o_keys = om.row.astype(np.int64) * V + om.col.astype(np.int64)
    o_vals = np.asarray(om.data)
    nz = o_vals != 0
    o_zero = int((~nz).sum())
    o_keys, o_vals = o_keys[nz], o_vals[nz]
    order = np.argsort(o_keys, kind="stable")
    o_keys, o_vals = o_keys[order], o_vals[order]

    common, si, oi = np.intersect1d(s_keys, o_keys, assume_unique=True, return_indices=True)
    only_s = np.setdiff1d(s_keys, o_keys, assume_unique=True)
    only_o = np.setdiff1d(o_keys, s_keys, assume_unique=True)

    def pairs(keys):
        return [[o_words[int(k // V)], o_words[int(k % V)]] for k in keys[:EXAMPLES]]

    sv, ov = s_vals[si], o_vals[oi]
    if ov.dtype == np.float32:
        sv_cmp, unit = sv.astype(np.float32), "float32"
    else:
        sv_cmp, ov, unit = sv, ov.astype(np.float64), "float64"
    u = ulps(sv_cmp, ov) if common.size else np.zeros(0, dtype=np.int64)
    rel = (np.abs(sv - ov.astype(np.float64)) / np.maximum(np.abs(sv), 1e-300)
           if common.size else np.zeros(0))
    worst = np.argsort(-u, kind="stable")[:EXAMPLES] if common.size else []
    res = {
        "keys_stanford": int(s_keys.size), "keys_ours": int(o_keys.size),
        "keys_common": int(common.size),
        "only_stanford": int(only_s.size), "only_ours": int(only_o.size),
        "only_stanford_examples": pairs(only_s), "only_ours_examples": pairs(only_o),
        "stanford_records_with_word_not_ours": s_unknown,
        "stanford_duplicate_keys": dup,
        "ours_explicit_zeros": o_zero,
        "ulp_unit": unit,
        "max_ulps": int(u.max()) if u.size else 0,
        f"values_over_{ULP_LIMIT}_ulps": int((u > ULP_LIMIT).sum()),
        "values_exactly_equal": int((u == 0).sum()),
        "max_rel_diff": float(rel.max()) if rel.size else 0.0,
        "rtol": rtol,
        "values_over_rtol": int((rel > rtol).sum()),
        "sum_stanford": float(s_vals.sum()), "sum_ours": float(o_vals.astype(np.float64).sum()),
        "worst_examples": [{"pair": [o_words[int(common[k] // V)], o_words[int(common[k] % V)]],
                            "stanford": float(sv[k]), "ours": float(ov[k]), "ulps": int(u[k])}
                           for k in worst if u[k] > 0],
    }
    # GloVe#218: the first record written doubled
    if rec.size:
        f1, f2 = s2o[rec["w1"][0]], s2o[rec["w2"][0]]
        if f1 >= 0 and f2 >= 0:
            k = np.searchsorted(o_keys, f1 * V + f2)
            if k < o_keys.size and o_keys[k] == f1 * V + f2:
                r = float(rec["val"][0]) / float(o_vals[k])
                res["first_record_ratio"] = r
                res["first_record_doubled"] = bool(abs(r - 2.0) < 1e-9)
    return res


def stanford_summary(s_words, rec) -> dict:
    """What can be checked on Stanford's side alone: sizes and its own symmetry."""
    V = len(s_words) + 1
    keys = rec["w1"].astype(np.int64) * V + rec["w2"]
    tkeys = rec["w2"].astype(np.int64) * V + rec["w1"]
    order = np.argsort(keys)
    ks, vs = keys[order], rec["val"][order]
    sorted_in_file = bool(np.all(keys[1:] > keys[:-1])) if keys.size > 1 else True
    pos = np.searchsorted(ks, tkeys)
    pos = np.minimum(pos, ks.size - 1)
    has_t = ks[pos] == tkeys
    u = ulps(rec["val"][has_t], vs[pos[has_t]])
    return {"records": int(rec.size), "vocab": len(s_words),
            "sorted_unique_in_file": sorted_in_file,
            "without_transpose": int((~has_t).sum()),
            "transpose_max_ulps": int(u.max()) if u.size else 0,
            "transpose_over_4_ulps": int((u > ULP_LIMIT).sum()),
            "diagonal": int((rec["w1"] == rec["w2"]).sum()),
            "first_record": [s_words[rec["w1"][0] - 1], s_words[rec["w2"][0] - 1],
                             float(rec["val"][0])] if rec.size else None,
            "value_sum": float(rec["val"].sum())}


def print_report(doc: dict) -> None:
    s = doc["stanford_side"]
    print(f"\nStanford: {s['vocab']:,} words, {s['records']:,} records "
          f"({doc['stanford']['files_merged']} files merged), sorted+unique "
          f"{s['sorted_unique_in_file']}, records without their transpose "
          f"{s['without_transpose']:,}, transpose max {s['transpose_max_ulps']} ulps "
          f"({s['transpose_over_4_ulps']:,} over 4), {s['diagonal']:,} diagonal, "
          f"first record {s['first_record']}")
    v = doc.get("vocab")
    if v:
        print(f"\nvocab: stanford {v['stanford']:,}, ours {v['ours']:,}; only stanford "
              f"{v['only_stanford']:,} {v['only_stanford_examples']}; only ours "
              f"{v['only_ours']:,} {v['only_ours_examples']}")
        print(f"  ids that differ: {v['rank_differs']:,}"
              + (f" (all within ties of equal count: {v['rank_differs_only_within_ties']})"
                 if "rank_differs_only_within_ties" in v else "")
              + (f" e.g. {v['rank_differs_examples'][:5]}" if v["rank_differs"] else ""))
        if v["counts_compared"]:
            print(f"  counts that differ: {v['count_differs']:,} "
                  f"{v['count_differs_examples'][:5]}")
        else:
            print("  counts not compared (our vocab offers no counts)")
    p = doc.get("pairs")
    if p:
        print(f"\nkeys: stanford {p['keys_stanford']:,}, ours {p['keys_ours']:,}, common "
              f"{p['keys_common']:,}; only stanford {p['only_stanford']:,} "
              f"{p['only_stanford_examples'][:5]}; only ours {p['only_ours']:,} "
              f"{p['only_ours_examples'][:5]}")
        if p["stanford_records_with_word_not_ours"]:
            print(f"  Stanford records with a word not in our vocab: "
                  f"{p['stanford_records_with_word_not_ours']:,}")
        if p["stanford_duplicate_keys"]:
            print(f"  Stanford duplicate keys (summed): {p['stanford_duplicate_keys']:,}")
        if p["ours_explicit_zeros"]:
            print(f"  our explicit zeros (ignored): {p['ours_explicit_zeros']:,}")
        print(f"values ({p['ulp_unit']} ulps): max {p['max_ulps']:,} ulps, "
              f"{p[f'values_over_{ULP_LIMIT}_ulps']:,} over {ULP_LIMIT} ulps, "
              f"{p['values_exactly_equal']:,} equal; max relative diff {p['max_rel_diff']:.3g} "
              f"({p['values_over_rtol']:,} over {p['rtol']:g}); "
              f"sums {p['sum_stanford']:.10g} / {p['sum_ours']:.10g}")
        for w in p["worst_examples"][:5]:
            print(f"  {w['pair']}: stanford {w['stanford']!r} ours {w['ours']!r} "
                  f"({w['ulps']:,} ulps)")
        if "first_record_ratio" in p:
            print(f"first Stanford record / ours: {p['first_record_ratio']:.17g}"
                  + ("  <- doubled: GloVe#218 (nothing spilled?)"
                     if p["first_record_doubled"] else ""))
    ok = doc.get("agree")
    if ok is not None:
        print(f"\nagree (same vocab, counts and keys; values within rtol "
              f"{doc['pairs']['rtol']:g}): {ok}; to {ULP_LIMIT} ulps: {doc['agree_to_4_ulps']}")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="Compare word2vec_fast.glove.count() with "
                                            "Stanford's vocab_count + cooccur.")
    p.add_argument("--corpus", type=Path, default=Path("/tmp/g/text8-head.txt"),
                   help="plain-text corpus (default /tmp/g/text8-head.txt)")
    p.add_argument("--window", type=int, default=15)
    p.add_argument("--min-count", type=int, default=5)
    p.add_argument("--threads", type=int, default=2, help="for our count()")
    p.add_argument("--stanford-dir", type=Path, default=Path("/tmp/stanford-glove/build"))
    p.add_argument("--stanford-memory", type=float, default=4.0, help="cooccur -memory (GB)")
    p.add_argument("--overflow-length", type=int, default=1_000_000,
                   help="cooccur -overflow-length (records held before spilling; small so "
                        "that it spills; 0: cooccur's own from -memory)")
    p.add_argument("--workdir", type=Path, default=None,
                   help="for Stanford's files (default: a temp dir, removed unless --keep)")
    p.add_argument("--keep", action="store_true")
    p.add_argument("--skip-ours", action="store_true",
                   help="only run and check Stanford's side")
    p.add_argument("--rtol", type=float, default=DEFAULT_RTOL,
                   help="relative difference within which values agree (default 1e-9: sums "
                        "of 1/d taken in another order differ by thousands of ulps on the "
                        "largest counts, yet by ~1e-12 relative)")
    p.add_argument("--json", type=Path, default=None)
    a = p.parse_args(argv)
    if not a.corpus.is_file():
        p.error(f"corpus {a.corpus} not found")
    for n in ("vocab_count", "cooccur"):
        if not os.access(a.stanford_dir / n, os.X_OK):
            p.error(f"{a.stanford_dir / n} not found: build Stanford's GloVe (make)")
    a.stanford_dir = a.stanford_dir.resolve()
    return a


def main(argv=None) -> int:
    a = parse_args(argv)
    corpus = a.corpus.resolve()
    temp = a.workdir is None
    wd = Path(tempfile.mkdtemp(prefix="glove-counts-")) if temp else a.workdir
    wd.mkdir(parents=True, exist_ok=True)
    wd = wd.resolve()
    log(f"workdir {wd}")
    try:
        doc = {"corpus": str(corpus), "window": a.window, "min_count": a.min_count,
               "threads": a.threads}
        doc["stanford"] = run_stanford(a, corpus, wd)
        s_words, s_counts = read_stanford_vocab(wd / "vocab.txt")
        rec = read_stanford_cooc(wd / "cooccurrence.bin")
        doc["stanford_side"] = stanford_summary(s_words, rec)
        if not a.skip_ours:
            o_words, o_counts, om, info = run_ours(a, corpus)
            doc["ours"] = info
            doc["vocab"] = compare_vocab(s_words, s_counts, o_words, o_counts)
            doc["pairs"] = compare_pairs(s_words, rec, o_words, om, a.rtol)
            v, p = doc["vocab"], doc["pairs"]
            doc["agree"] = (v["only_stanford"] == 0 and v["only_ours"] == 0
                            and v["count_differs"] == 0
                            and p["only_stanford"] == 0 and p["only_ours"] == 0
                            and p["values_over_rtol"] == 0)
            doc["agree_to_4_ulps"] = doc["agree"] and p[f"values_over_{ULP_LIMIT}_ulps"] == 0
        print_report(doc)
        if a.json:
            a.json.write_text(json.dumps(doc, indent=2) + "\n")
            log(f"wrote {a.json}")
    finally:
        if temp and not a.keep:
            shutil.rmtree(wd, ignore_errors=True)
        else:
            log(f"kept {wd}")
    return 0 if doc.get("agree", True) else 1


if __name__ == "__main__":
    sys.exit(main())
