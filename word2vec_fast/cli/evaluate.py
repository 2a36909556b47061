"""``word2vec-fast eval``: analogy accuracy and word-pair correlations of a vectors file."""
from __future__ import annotations

import json

from ..evaluation import evaluate_analogies, evaluate_word_pairs
from .common import (CLIError, Parser, UsageError, add_vectors_arg, check_readable,
                     int_at_least, load_vectors)


def eval_parser():
    """The flags of ``word2vec-fast eval``."""
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
    add_vectors_arg(p)
    p.add_argument("--analogies", nargs="+", default=[], metavar="FILE",
                   help="analogy question files")
    p.add_argument("--pairs", nargs="+", default=[], metavar="FILE", help="word-pair files")
    p.add_argument("--restrict", type=int_at_least(1), default=30000, metavar="N",
                   help="analogies: questions with a word outside the N most frequent words "
                        "are skipped (default 30000, compute-accuracy's usual threshold; "
                        "gensim's evaluate_word_analogies defaults to 300000)")
    p.add_argument("--pairs-restrict", type=int_at_least(1), default=300000, metavar="N",
                   help="the same for word pairs (default 300000, as gensim)")
    p.add_argument("--method", choices=("add", "mul"), default="add",
                   help="analogy scoring: 3CosAdd (default) or 3CosMul")
    p.add_argument("--case-sensitive", action="store_true", help="match words exactly")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    return p


def run_eval(argv) -> int:
    """``word2vec-fast eval VECTORS``: score the vectors on analogy and word-pair files."""
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
