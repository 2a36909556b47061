"""``word2vec-fast info``: size, dimension, format, norms and a sample of a vectors file."""
from __future__ import annotations

import json
import os

import numpy as np

from ..compression import compression_of
from ..errors import VectorsFormatError
from ..vectors import load
from .common import Parser, add_vectors_arg, int_at_least, load_vectors


def info_parser():
    """The flags of ``word2vec-fast info``."""
    p = Parser(prog="word2vec-fast info",
               description="What a vectors file holds: size, dimension, format, norms, words.",
               epilog="""\
examples:
  word2vec-fast info vectors.bin
  word2vec-fast info vectors.txt.gz --sample 20 --json
""")
    add_vectors_arg(p)
    p.add_argument("--sample", type=int_at_least(0), default=10, metavar="K",
                   help="words to show from the start, the middle and the end (default 10)")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    return p


def sniff_format(path):
    """(format, compression) of a vectors file: 'binary'/'text' and None/'gzip'/..."""
    comp = compression_of(path)
    # Binary rows read as text fail at once (raw float bytes are not numbers); text rows
    # read as text succeed, so one text record decides.
    try:
        load(path, binary=False, limit=1, nonfinite="ignore")
        return "text", comp
    except VectorsFormatError:
        return "binary", comp


def run_info(argv) -> int:
    """``word2vec-fast info VECTORS``: describe a vectors file (text or JSON)."""
    a = info_parser().parse_strict(argv)
    vecs = load_vectors(a.vectors, a.limit)
    fmt, comp = sniff_format(a.vectors)
    m = vecs.vectors
    norms = np.sqrt(np.einsum("ij,ij->i", m, m, dtype=np.float64))
    finite = np.isfinite(norms)
    ok = norms[finite]
    stats = ({"min": float(ok.min()), "median": float(np.median(ok)), "mean": float(ok.mean()),
              "max": float(ok.max())} if ok.size else None)
    k = a.sample
    v = len(vecs)
    mid = max(0, v // 2 - k // 2)
    sample = {"first": vecs.words[:k], "middle": vecs.words[mid:mid + k] if v > 2 * k else [],
              "last": vecs.words[max(k, v - k):] if v > k else []}
    info = {"file": a.vectors, "bytes": os.path.getsize(a.vectors), "format": fmt,
            "compression": comp, "words": v, "dim": vecs.dim, "limit": a.limit, "norms": stats,
            "zero_rows": int(np.count_nonzero(norms == 0)),
            "nonfinite_rows": int(np.count_nonzero(~finite)),
            "sample": sample}
    if a.json:
        print(json.dumps(info, indent=2, ensure_ascii=False))
        return 0
    print(f"file:         {a.vectors} ({info['bytes']:,} bytes, {fmt}"
          f"{', ' + comp if comp else ''})")
    print(f"words:        {v:,}" + (f" (first {a.limit:,} read)" if a.limit else ""))
    print(f"dimension:    {vecs.dim}")
    if stats:
        print(f"norms:        min {stats['min']:.4g}  median {stats['median']:.4g}  "
              f"mean {stats['mean']:.4g}  max {stats['max']:.4g}")
    print(f"zero rows:    {info['zero_rows']:,}    non-finite rows: {info['nonfinite_rows']:,}")
    for part in ("first", "middle", "last"):
        if sample[part]:
            print(f"{part + ' words:':<14}{' '.join(sample[part])}")
    return 0
