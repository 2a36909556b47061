"""``word2vec-fast phrases``: join frequent word pairs (new york -> new_york) in a text.

Two ways to call it:

* word2phrase's flags (a drop-in for word2vec.c's phrase tool, same output layout)::

      word2vec-fast phrases -train IN -output OUT -min-count 5 -threshold 100 -debug 2

* Python-style flags::

      word2vec-fast phrases IN -o OUT --threshold 200 100 --npmi ...
"""
from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import time

from .common import (Parser, UsageError, check_readable, check_writable, float_at_least,
                     int_at_least, say)

DROPIN_FLAGS = ("-train", "-output", "-min-count", "-threshold", "-debug")


def phrases_parser():
    """The Python-style flags of ``word2vec-fast phrases``."""
    p = Parser(prog="word2vec-fast phrases",
               description="Join frequent adjacent words into phrases (new york -> new_york), "
                           "as word2vec.c's word2phrase does, on all cores.",
               epilog="""\
The output has word2phrase's layout: every token preceded by a space (or by the
delimiter when it ends a phrase), one line per input line.  IN may be a directory, a
compressed file or - (standard input); OUT ending in .gz/.bz2/.xz is compressed.

word2phrase's own flags work too (a drop-in):
  word2vec-fast phrases -train IN -output OUT [-min-count 5] [-threshold 100] [-debug 2]

examples:
  word2vec-fast phrases text8 -o text8-phrases
  word2vec-fast phrases text8 -o text8-phrases --threshold 200 100     # demo-phrases.sh
  word2vec-fast phrases corpus.txt.gz -o out.txt.gz --npmi --threshold 0.5 \\
      --connector-words of the and --save-table table.txt
""")
    p.add_argument("input", metavar="IN", help="text to rewrite")
    p.add_argument("-o", "--output", required=True, metavar="OUT", help="rewritten text")
    p.add_argument("--threshold", type=float, nargs="+", default=None, metavar="X",
                   help="score a pair must exceed to join (default 100, or 0.5 with --npmi); "
                        "several values: one pass each")
    p.add_argument("--passes", type=int_at_least(1), default=None, metavar="N",
                   help="passes (default: one per --threshold value); more give longer phrases")
    p.add_argument("--min-count", type=int_at_least(1), default=5, metavar="N",
                   help="pairs (and their words) rarer than this never join (default 5)")
    p.add_argument("--npmi", action="store_true",
                   help="score with normalised PMI (gensim's npmi_scorer, in [-1, 1])")
    p.add_argument("--delimiter", default="_", metavar="S", help="joins phrases (default _)")
    p.add_argument("--connector-words", nargs="+", default=(), metavar="W",
                   help="words allowed inside a phrase, never at its ends (bank_of_america)")
    p.add_argument("--max-vocab-size", type=int_at_least(1), default=None, metavar="N",
                   help="prune the counting tables above N words + pairs (approximate counts)")
    p.add_argument("--threads", type=int_at_least(1), default=None, metavar="N",
                   help="counting threads (default: all cores)")
    p.add_argument("--save-table", metavar="FILE", help="also save the phrase table (text)")
    p.add_argument("--load-table", metavar="FILE",
                   help="rewrite with this saved table instead of counting IN")
    p.add_argument("-q", "--quiet", action="store_true", help="no summary lines")
    return p


def dropin_parser():
    """word2phrase's single-dash flags and defaults."""
    p = Parser(prog="word2vec-fast phrases", usage="word2vec-fast phrases -train FILE "
               "-output FILE [-min-count N] [-threshold X] [-debug N]",
               description="Join frequent word pairs: a drop-in for word2vec.c's word2phrase.")
    p.add_argument("-train", required=True, metavar="FILE", help="text to read")
    p.add_argument("-output", required=True, metavar="FILE", help="rewritten text")
    p.add_argument("-min-count", dest="min_count", type=int_at_least(1), default=5,
                   metavar="N", help="discard words and pairs seen fewer times (default 5)")
    p.add_argument("-threshold", type=float_at_least(0), default=100.0, metavar="X",
                   help="higher means fewer phrases (default 100)")
    p.add_argument("-debug", type=int_at_least(0), default=2, metavar="N",
                   help="0 silent, 1 summary, 2 also the table size (default 2)")
    return p


@contextlib.contextmanager
def _rereadable(path):
    """``path``, or standard input saved to a temporary file (phrases read the text twice)."""
    if path != "-":
        if not os.path.isdir(path):
            check_readable(path, "IN")
        yield path
        return
    fd, tmp = tempfile.mkstemp(prefix="w2v-phrases-stdin-")
    try:
        with os.fdopen(fd, "wb") as f:
            shutil.copyfileobj(sys.stdin.buffer, f, 1 << 22)
        yield tmp
    finally:
        os.unlink(tmp)


def _write(phrases, corpus, output, threads=None):
    if output == "-":
        for block in phrases.apply(corpus, threads=threads).text_blocks():
            if block:
                sys.stdout.buffer.write(block)
        sys.stdout.buffer.flush()
        return
    phrases.apply(corpus, output, threads=threads)


def run_phrases(argv) -> int:
    """``word2vec-fast phrases ...``: either flag style (see the module docstring)."""
    from ..phrases import Phrases  # start-up time (see dispatch)
    if any(a in DROPIN_FLAGS for a in argv):
        a = dropin_parser().parse_strict(argv)
        check_writable(a.output, "-output")
        quiet = a.debug < 1
        say(f"Starting training using file {a.train}", quiet=quiet)
        t0 = time.perf_counter()
        with _rereadable(a.train) as src:
            p = Phrases.build(src, min_count=a.min_count, threshold=a.threshold,
                              output=None if a.output == "-" else a.output)
            say(f"Words in train file: {p.train_words}", quiet=quiet)
            say(f"Phrases (pairs scoring above {a.threshold:g}): {len(p)}", quiet=a.debug < 2)
            if a.output == "-":
                _write(p, src, a.output)
        say(f"wrote {a.output} in {time.perf_counter() - t0:.1f} s", quiet=quiet)
        return 0
    a = phrases_parser().parse_strict(argv)
    if a.output != "-":
        check_writable(a.output, "--output")
    if a.save_table:
        check_writable(a.save_table, "--save-table")
    t0 = time.perf_counter()
    with _rereadable(a.input) as src:
        if a.load_table:
            if a.threshold or a.passes or a.npmi or a.connector_words or a.max_vocab_size:
                raise UsageError("--load-table rewrites with a saved table: counting flags "
                                 "(--threshold, --passes, --npmi, ...) do not apply")
            check_readable(a.load_table, "--load-table")
            p = Phrases.load(a.load_table)
        else:
            thresholds = a.threshold or [0.5 if a.npmi else 100.0]
            if a.passes is not None and len(thresholds) not in (1, a.passes):
                raise UsageError(f"--passes {a.passes} but {len(thresholds)} thresholds given")
            if a.passes and len(thresholds) == 1:
                thresholds = thresholds * a.passes
            # counted and written in one job (the text read once where it can be)
            p = Phrases.build(src, min_count=a.min_count, threshold=thresholds,
                              scoring="npmi" if a.npmi else "word2phrase",
                              delimiter=a.delimiter, connector_words=a.connector_words,
                              max_vocab_size=a.max_vocab_size, threads=a.threads,
                              output=None if a.output == "-" else a.output)
        for k, q in enumerate(p.passes, 1):
            say(f"pass {k}: {len(q):,} phrases from {q.train_words:,} tokens "
                f"(threshold {q.threshold:g})", quiet=a.quiet)
        if a.save_table:
            p.save(a.save_table)
        if a.load_table or a.output == "-":
            _write(p, src, a.output, a.threads)
    say(f"wrote {a.output} in {time.perf_counter() - t0:.1f} s", quiet=a.quiet)
    return 0
