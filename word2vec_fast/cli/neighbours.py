"""``word2vec-fast similar`` and ``analogy``: nearest-neighbour queries on a vectors file.

Results go to stdout, messages to stderr.
"""
from __future__ import annotations

import sys

from .common import Parser, add_vectors_arg, int_at_least, load_vectors, unknown_word


def _add_query_args(p, what, tsv_format):
    p.add_argument("-n", "--topn", type=int_at_least(1), default=10,
                   help=f"{what} (default 10)")
    p.add_argument("--restrict", type=int_at_least(1), default=None, metavar="N",
                   help="only consider the N most frequent words as answers (default: all)")
    p.add_argument("--tsv", action="store_true", help=f"print '{tsv_format}' lines")


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
    """The flags of ``word2vec-fast similar``."""
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
    add_vectors_arg(p)
    p.add_argument("words", nargs="*", metavar="WORD", help="query words")
    _add_query_args(p, "neighbours per query", "query<TAB>word<TAB>cosine")
    return p


def run_similar(argv) -> int:
    """``word2vec-fast similar VECTORS [WORD ...]``: the neighbours of each query."""
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
    """The flags of ``word2vec-fast analogy``."""
    p = Parser(prog="word2vec-fast analogy",
               description="A is to B as C is to ?  (word2vec.c's word-analogy): the words "
                           "nearest to B - A + C, the question words left out.",
               epilog="""\
examples:
  word2vec-fast analogy vectors.bin man king woman          # -> queen
  word2vec-fast analogy vectors.bin paris france berlin -n 3 --method mul
""")
    add_vectors_arg(p)
    p.add_argument("a", metavar="A")
    p.add_argument("b", metavar="B")
    p.add_argument("c", metavar="C")
    p.add_argument("--method", choices=("add", "mul"), default="add",
                   help="add: 3CosAdd (default, word2vec.c's); mul: 3CosMul")
    _add_query_args(p, "answers to show", "word<TAB>score")
    return p


def run_analogy(argv) -> int:
    """``word2vec-fast analogy VECTORS A B C``: the answers to A : B :: C : ?."""
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
