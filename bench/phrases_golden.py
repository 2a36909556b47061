#!/usr/bin/env python3
"""Digests of what phrases make of a text, to pin a refactor: the same digests before
and after mean the same bytes.

For each text file and each setting of the matrix -- scoring (word2phrase, npmi),
threads (1, 2, 3), passes (1, 2), connector words (none, a few English ones) and one
``max_vocab_size`` run -- the SHA-256 of:

* the text ``Phrases.build(..., output=...)`` writes (the path that rewrites the ids
  kept from counting, where it applies);
* the text ``Phrases.apply(text, output)`` writes (the rewriters);
* the saved table (``Phrases.save``: every phrase, count and score);
* with ``--lists``, the token lists of the text rewritten as token lists (the
  token-list counters and rewriter; slow on a large text).

    python bench/phrases_golden.py TEXT... [--out digests.json] [--check digests.json]
        [--lists] [--small] [--block-bytes N]

``--small``: thresholds for a small text (min_count 2, low thresholds) instead of
the defaults.  ``--block-bytes``: read and cut text in blocks of about N bytes (many
blocks: the parallel paths' seams).  ``--check`` exits 1 naming every setting whose digest differs.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path

import word2vec_fast as w2v

CONNECTORS = ("a", "an", "and", "at", "by", "for", "from", "in", "of", "on", "the", "to",
              "with")


def _sha(path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


def settings(small: bool):
    for scoring in ("word2phrase", "npmi"):
        if scoring == "word2phrase":
            thr = [(2.0,), (4.0, 2.0)] if small else [(100.0,), (200.0, 100.0)]
        else:
            thr = [(0.3,), (0.5, 0.3)]
        for thresholds in thr:
            for conn in ((), CONNECTORS):
                for threads in (1, 2, 3):
                    yield dict(scoring=scoring, threshold=list(thresholds),
                               min_count=2 if small else 5, connector_words=list(conn),
                               threads=threads)
    yield dict(scoring="word2phrase", threshold=[2.0 if small else 100.0],
               min_count=2 if small else 5, connector_words=[], threads=2,
               max_vocab_size=5000 if small else 500_000)


def digests(text: Path, kw: dict, lists: bool, wd: Path) -> dict:
    thr = kw["threshold"]
    args = dict(kw, threshold=thr[0] if len(thr) == 1 else tuple(thr))
    built = wd / "built.txt"
    p = w2v.Phrases.build(str(text), output=built, **args)
    applied = wd / "applied.txt"
    p.apply(str(text), applied, threads=kw["threads"])
    table = wd / "table.txt"
    p.save(table)
    out = {"build": _sha(built), "apply": _sha(applied), "table": _sha(table),
           "phrases": sum(len(q) for q in p.passes)}
    if lists:
        with open(text, "rb") as f:
            sents = [line.decode("utf-8", "surrogateescape").split() for line in f]
        h = hashlib.sha256()
        for s in p.apply(sents):
            h.update("\x00".join(s).encode("utf-8", "surrogateescape") + b"\n")
        q = w2v.Phrases.build(sents, **args)
        q.save(table)
        out["lists"] = h.hexdigest()[:16]
        out["lists_table"] = _sha(table)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("texts", nargs="+", type=Path)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--check", type=Path)
    ap.add_argument("--lists", action="store_true")
    ap.add_argument("--small", action="store_true")
    ap.add_argument("--block-bytes", type=int)
    a = ap.parse_args(argv)
    if a.block_bytes:
        for name, mod in list(sys.modules.items()):
            if name.startswith("word2vec_fast.") and hasattr(mod, "BLOCK_BYTES"):
                mod.BLOCK_BYTES = a.block_bytes
    result = {}
    with tempfile.TemporaryDirectory() as td:
        for text in a.texts:
            for kw in settings(a.small):
                key = f"{text.name} {json.dumps(kw, sort_keys=True)}"
                t0 = time.perf_counter()
                result[key] = digests(text, kw, a.lists, Path(td))
                print(f"{time.perf_counter() - t0:6.1f}s {key} {result[key]}", flush=True)
    if a.out:
        a.out.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    if a.check:
        want = json.loads(a.check.read_text())
        bad = [k for k in want if k in result and result[k] != want[k]]
        missing = [k for k in want if k not in result]
        for k in bad:
            print(f"DIFFERS {k}: {result[k]} want {want[k]}")
        print(f"{len(want) - len(bad) - len(missing)} of {len(want)} settings agree"
              f" ({len(missing)} not run)")
        return 1 if bad else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
