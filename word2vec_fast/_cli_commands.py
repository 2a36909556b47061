"""The ``word2vec-fast`` subcommands that work on vector files.

``similar``, ``analogy``, ``eval``, ``convert``, ``info`` and ``plot``; results go
to stdout, messages to stderr.
"""
from __future__ import annotations

import json
import os
import sys

import numpy as np

from ._cli_common import (CLIError, Parser, UsageError, add_format_flags, binary_for,
                          check_readable, check_writable, int_at_least, load_vectors, say,
                          unknown_word, write_atomically)


def _add_query_args(p, what, tsv_format):
    p.add_argument("-n", "--topn", type=int_at_least(1), default=10,
                   help=f"{what} (default 10)")
    p.add_argument("--restrict", type=int_at_least(1), default=None, metavar="N",
                   help="only consider the N most frequent words as answers (default: all)")
    p.add_argument("--tsv", action="store_true", help=f"print '{tsv_format}' lines")


def _add_vectors_arg(p, limit=True):
    p.add_argument("vectors", metavar="VECTORS",
                   help="word2vec binary or text file (.gz/.bz2/.xz too)")
    if limit:
        p.add_argument("--limit", type=int_at_least(1), default=None, metavar="N",
                       help="read only the first N vectors")


def _print_neighbours(title, pairs, tsv, query=None):
    if tsv:
        for w, s in pairs:
            print(f"{query}\t{w}\t{s:.6f}")
        return
    print(title)
    width = max([len(w) for w, _ in pairs] + [10])
    for rank, (w, s) in enumerate(pairs, 1):
        print(f"  {rank:3d}  {w:<{width}}  {s:.4f}")


# -- similar --------------------------------------------------------------------------

def similar_parser():
    p = Parser(prog="word2vec-fast similar",
               description="Nearest neighbours by cosine similarity (word2vec.c's distance).",
               epilog="""\
Each WORD is a separate query.  With no WORD, queries are read from stdin, one per line;
the words of a line are added into one query, as word2vec.c's distance does.

examples:
  word2vec-fast similar vectors.bin king
  word2vec-fast similar vectors.bin paris berlin -n 5 --tsv
  echo "new york" | word2vec-fast similar vectors.bin
""")
    _add_vectors_arg(p)
    p.add_argument("words", nargs="*", metavar="WORD", help="query words")
    _add_query_args(p, "neighbours per query", "query<TAB>word<TAB>cosine")
    return p


def run_similar(argv) -> int:
    a = similar_parser().parse_strict(argv)
    vecs = load_vectors(a.vectors, a.limit)
    if a.words:
        queries = [[w] for w in a.words]
    else:
        queries = _stdin_queries()
    status = 0
    for i, q in enumerate(queries):
        missing = [w for w in q if w not in vecs]
        if missing:
            print(f"word2vec-fast: error: {unknown_word(vecs, missing[0], a.vectors)}",
                  file=sys.stderr, flush=True)
            status = 1
            continue
        res = vecs.most_similar(positive=q, topn=a.topn, restrict_vocab=a.restrict)
        if i and not a.tsv:
            print()
        _print_neighbours(" ".join(q), res, a.tsv, " ".join(q))
        sys.stdout.flush()
    return status


def _stdin_queries():
    tty = sys.stdin.isatty()
    while True:
        if tty:
            print("Enter words (empty line or EXIT to stop): ", end="", file=sys.stderr,
                  flush=True)
        line = sys.stdin.readline()
        if not line or (tty and not line.strip()) or line.strip() == "EXIT":
            return
        words = line.split()
        if words:
            yield words


# -- analogy --------------------------------------------------------------------------

def analogy_parser():
    p = Parser(prog="word2vec-fast analogy",
               description="A is to B as C is to ?  (word2vec.c's word-analogy): the words "
                           "nearest to B - A + C, the question words left out.",
               epilog="""\
examples:
  word2vec-fast analogy vectors.bin man king woman          # -> queen
  word2vec-fast analogy vectors.bin paris france berlin -n 3 --method mul
""")
    _add_vectors_arg(p)
    p.add_argument("a", metavar="A")
    p.add_argument("b", metavar="B")
    p.add_argument("c", metavar="C")
    p.add_argument("--method", choices=("add", "mul"), default="add",
                   help="add: 3CosAdd (default, word2vec.c's); mul: 3CosMul")
    _add_query_args(p, "answers to show", "word<TAB>score")
    return p


def run_analogy(argv) -> int:
    a = analogy_parser().parse_strict(argv)
    vecs = load_vectors(a.vectors, a.limit)
    for w in (a.a, a.b, a.c):
        if w not in vecs:
            raise unknown_word(vecs, w, a.vectors)
    query = vecs.most_similar_cosmul if a.method == "mul" else vecs.most_similar
    res = query(positive=[a.b, a.c], negative=[a.a], topn=a.topn, restrict_vocab=a.restrict)
    if a.tsv:
        for w, s in res:
            print(f"{w}\t{s:.6f}")
    else:
        _print_neighbours(f"{a.a} : {a.b} :: {a.c} : ?", res, False)
    return 0


# -- eval -----------------------------------------------------------------------------

def eval_parser():
    p = Parser(prog="word2vec-fast eval",
               description="Analogy accuracy (word2vec.c's compute-accuracy, gensim's rules) "
                           "and word-pair correlations (Spearman, Pearson).",
               epilog="""\
Analogy files are questions-words.txt style (": section" lines, then "a b c d"); word-pair
files are WordSim-353 style ("word1 word2 score", tab- or space-separated, '#' comments).
Words are matched case-insensitively (the first, most frequent case variant wins).

examples:
  word2vec-fast eval vectors.bin --analogies questions-words.txt
  word2vec-fast eval vectors.bin --pairs wordsim353.tsv simlex999.txt --json
""")
    _add_vectors_arg(p)
    p.add_argument("--analogies", nargs="+", default=[], metavar="FILE",
                   help="analogy question files")
    p.add_argument("--pairs", nargs="+", default=[], metavar="FILE", help="word-pair files")
    p.add_argument("--restrict", type=int_at_least(1), default=30000, metavar="N",
                   help="analogies: questions with a word outside the N most frequent words "
                        "are skipped (default 30000, as gensim and compute-accuracy)")
    p.add_argument("--pairs-restrict", type=int_at_least(1), default=300000, metavar="N",
                   help="the same for word pairs (default 300000, as gensim)")
    p.add_argument("--method", choices=("add", "mul"), default="add",
                   help="analogy scoring: 3CosAdd (default) or 3CosMul")
    p.add_argument("--case-sensitive", action="store_true", help="match words exactly")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    return p


def run_eval(argv) -> int:
    from .evaluation import evaluate_analogies, evaluate_word_pairs
    a = eval_parser().parse_strict(argv)
    if not a.analogies and not a.pairs:
        raise UsageError("nothing to evaluate: give --analogies FILE and/or --pairs FILE")
    for f in a.analogies:
        check_readable(f, "--analogies")
    for f in a.pairs:
        check_readable(f, "--pairs")
    vecs = load_vectors(a.vectors, a.limit)
    out = {"vectors": a.vectors, "words": len(vecs), "dim": vecs.dim, "analogies": [],
           "pairs": []}
    for f in a.analogies:
        r = evaluate_analogies(vecs, f, restrict_vocab=a.restrict,
                               case_insensitive=not a.case_sensitive, method=a.method)
        if r.questions == 0:
            raise CLIError(f"--analogies {f}: no question lines (expected 'a b c d' lines "
                           "under ': section' headers)")
        out["analogies"].append(_analogy_dict(f, r))
        if not a.json:
            _print_analogies(f, r, a)
    for f in a.pairs:
        try:
            r = evaluate_word_pairs(vecs, f, restrict_vocab=a.pairs_restrict,
                                    case_insensitive=not a.case_sensitive)
        except ValueError as e:
            raise CLIError(f"--pairs {e}") from None
        d = {"file": f, "spearman": r.spearman, "pearson": r.pearson, "pairs": r.pairs,
             "oov": r.oov, "oov_percent": r.oov_ratio}
        out["pairs"].append(d)
        if not a.json:
            print(f"{f}: Spearman {r.spearman:.4f}  Pearson {r.pearson:.4f}  "
                  f"({r.pairs} pairs; {r.oov} with unknown words, {r.oov_ratio:.1f} %)")
    if a.json:
        print(json.dumps(out, indent=2))
    return 0


def _analogy_dict(f, r):
    return {"file": f, "accuracy": r.accuracy, "correct": r.correct, "evaluated": r.evaluated,
            "questions": r.questions, "oov": r.oov, "oov_percent": r.oov_ratio,
            "semantic_accuracy": r.semantic_accuracy, "syntactic_accuracy": r.syntactic_accuracy,
            "sections": [{"name": s.name, "correct": len(s.correct),
                          "evaluated": len(s.correct) + len(s.incorrect),
                          "accuracy": s.accuracy} for s in r.sections]}


def _print_analogies(f, r, a):
    method = "3CosMul" if a.method == "mul" else "3CosAdd"
    print(f"{f} (top {a.restrict:,} words, {method}):")
    width = max([len(s.name) for s in r.sections] + [9])
    for s in r.sections:
        n = len(s.correct) + len(s.incorrect)
        print(f"  {s.name:<{width}}  {100 * s.accuracy:6.2f} %  ({len(s.correct):,} / {n:,})")
    print(f"  {'semantic':<{width}}  {100 * r.semantic_accuracy:6.2f} %")
    print(f"  {'syntactic':<{width}}  {100 * r.syntactic_accuracy:6.2f} %")
    print(f"  {'total':<{width}}  {100 * r.accuracy:6.2f} %  ({r.correct:,} / {r.evaluated:,}; "
          f"{r.oov:,} of {r.questions:,} questions skipped for unknown words, "
          f"{r.oov_ratio:.1f} %)")


# -- convert --------------------------------------------------------------------------

def convert_parser():
    p = Parser(prog="word2vec-fast convert",
               description="Convert between word2vec's binary and text formats.",
               epilog="""\
The input format is detected.  The output format follows OUT's extension (.bin binary,
.txt/.vec text; .gz/.bz2/.xz compress) unless --binary or --text is given.

examples:
  word2vec-fast convert vectors.bin vectors.txt
  word2vec-fast convert glove.txt glove.bin --limit 100000
  word2vec-fast convert vectors.bin small.vec.gz --limit 50000 --text
""")
    p.add_argument("input", metavar="IN", help="vectors file to read")
    p.add_argument("output", metavar="OUT", help="vectors file to write")
    p.add_argument("--limit", type=int_at_least(1), default=None, metavar="N",
                   help="keep only the first N vectors")
    add_format_flags(p, "OUT")
    p.add_argument("-q", "--quiet", action="store_true", help="no summary line")
    return p


def run_convert(argv) -> int:
    a = convert_parser().parse_strict(argv)
    binary = binary_for(a.output, a.binary)
    check_writable(a.output, "OUT")
    vecs = load_vectors(a.input, a.limit)
    vecs.save(a.output, binary=binary)
    say(f"wrote {len(vecs):,} x {vecs.dim} vectors ({'binary' if binary else 'text'}) to "
        f"{a.output}", quiet=a.quiet)
    return 0


# -- info -----------------------------------------------------------------------------

def info_parser():
    p = Parser(prog="word2vec-fast info",
               description="What a vectors file holds: size, dimension, format, norms, words.",
               epilog="""\
examples:
  word2vec-fast info vectors.bin
  word2vec-fast info vectors.txt.gz --sample 20 --json
""")
    _add_vectors_arg(p)
    p.add_argument("--sample", type=int_at_least(0), default=10, metavar="K",
                   help="words to show from the start, the middle and the end (default 10)")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    return p


def sniff_format(path):
    """(format, compression) of a vectors file: 'binary'/'text' and None/'gzip'/..."""
    from .errors import VectorsFormatError
    from .vectors import load
    with open(path, "rb") as f:
        magic = f.read(6)
    comp = ("gzip" if magic[:2] == b"\x1f\x8b" else "bzip2" if magic[:3] == b"BZh"
            else "xz" if magic == b"\xfd7zXZ\x00" else None)
    # Binary rows read as text fail at once (raw float bytes are not numbers); text rows
    # read as text succeed, so one text record decides.
    try:
        load(path, binary=False, limit=1, nonfinite="ignore")
        return "text", comp
    except VectorsFormatError:
        return "binary", comp


def run_info(argv) -> int:
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


# -- plot -----------------------------------------------------------------------------

def plot_parser():
    p = Parser(prog="word2vec-fast plot",
               description="A 2-D map (PCA) of some words and their nearest neighbours.",
               epilog="""\
Needs matplotlib:  pip install 'word2vec-fast[plot]'   (or pip install matplotlib)

examples:
  word2vec-fast plot vectors.bin king paris apple -o map.png
  word2vec-fast plot vectors.bin france germany italy -n 0 -o countries.svg
""")
    _add_vectors_arg(p)
    p.add_argument("words", nargs="+", metavar="WORD", help="words to place on the map")
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="image to write (.png, .svg, .pdf, ...)")
    p.add_argument("-n", "--neighbours", type=int_at_least(0), default=8, metavar="K",
                   help="nearest neighbours shown with each word (default 8)")
    p.add_argument("--title", default=None, help="title of the map")
    p.add_argument("-q", "--quiet", action="store_true", help="no summary line")
    return p


def pca_2d(x):
    """The rows of ``x`` projected on their first two principal components."""
    x = np.asarray(x, dtype=np.float64)
    x = x - x.mean(axis=0)
    if len(x) < 2:
        return np.zeros((len(x), 2))
    u, s, _ = np.linalg.svd(x, full_matrices=False)
    xy = u[:, :2] * s[:2]
    if xy.shape[1] < 2:
        xy = np.hstack([xy, np.zeros((len(xy), 1))])
    return xy


def run_plot(argv) -> int:
    a = plot_parser().parse_strict(argv)
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise CLIError("plot needs matplotlib, which is not installed: "
                       "pip install 'word2vec-fast[plot]' (or pip install matplotlib)") from None
    ext = os.path.splitext(a.output)[1].lower().lstrip(".")
    formats = plt.figure().canvas.get_supported_filetypes()
    plt.close("all")
    if ext not in formats:
        raise UsageError(f"--output {a.output}: unknown image type {ext or '(none)'!r}; "
                         f"use one of {', '.join(sorted(formats))}")
    check_writable(a.output, "--output")
    vecs = load_vectors(a.vectors, a.limit)
    for w in a.words:
        if w not in vecs:
            raise unknown_word(vecs, w, a.vectors)
    groups, seen, rows = [], set(), []
    for w in a.words:
        members = [w] + ([x for x, _ in vecs.most_similar(w, topn=a.neighbours)]
                         if a.neighbours else [])
        members = [x for x in members if x not in seen]
        seen.update(members)
        groups.append((w, members))
        rows += members
    u = vecs.unit_vectors
    xy = pca_2d(u[[vecs.index[x] for x in rows]])
    fig, ax = plt.subplots(figsize=(9, 7))
    colours = plt.get_cmap("tab10")
    i = 0
    for g, (w, members) in enumerate(groups):
        pts = xy[i:i + len(members)]
        c = colours(g % 10)
        ax.scatter(pts[:, 0], pts[:, 1], color=c, s=18, label=w)
        for (x, y), word in zip(pts, members):
            ax.annotate(word, (x, y), xytext=(3, 3), textcoords="offset points", color=c,
                        fontsize=11 if word == w else 8,
                        fontweight="bold" if word == w else "normal")
        i += len(members)
    ax.set_title(a.title or f"{os.path.basename(a.vectors)}: PCA of {len(rows)} words")
    ax.set_xlabel("PC 1")
    ax.set_ylabel("PC 2")
    if len(groups) > 1:
        ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    write_atomically(a.output, lambda f: fig.savefig(f, format=ext, dpi=120))
    plt.close(fig)
    say(f"wrote a map of {len(rows)} words to {a.output}", quiet=a.quiet)
    return 0
