"""``word2vec-fast glove -input FILE -output FILE``: Stanford GloVe's four programs
(``vocab_count``, ``cooccur``, ``shuffle``, ``glove``) in one process, with their
flag names and defaults.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

from .common import (PROG, CLIError, Parser, UsageError, check_readable, check_writable,
                     float_at_least, int_at_least, say)

CMD = f"{PROG} glove"

EPILOG = f"""\
Defaults are Stanford's, program by program: -min-count 1 (vocab_count), -window-size 15,
-symmetric 1, -distance-weighting 1, -memory 4.0 (cooccur), -vector-size 50, -iter 25,
-eta 0.05, -alpha 0.75, -x-max 100, -grad-clip 100, -threads 8, -model 2, -binary 0,
-write-header 0 (glove).  Stanford's demo.sh uses -min-count 5 -x-max 10 -iter 15.

Differences from Stanford's programs: -seed 0 is a seed like any other (Stanford takes
the clock), so runs with -threads 1 repeat bit for bit; -binary 1 writes word2vec's
binary format (words and float32 vectors, which gensim and this package read), not
Stanford's raw doubles, and -binary 2 writes both, as NAME.txt and NAME.bin (NAME:
-output without a .txt, .vec or .bin extension); -model 0 (every parameter, biases
included) is not written; no "<unk>" vector is appended; no temporary files are left
in the working directory (past -memory they go to the system's temporary directory,
or --spill-dir).  Nothing is written until training ends: each file goes to a
temporary name renamed into place.

Co-occurrences:
  --save-cooccurrence FILE  also write the counts (with their vocabulary) to FILE;
                            --read-cooccurrence FILE trains from them without counting
                            (then -input is not needed; -output may be left out to count
                            only).  With -vocab-file, both name Stanford's files instead:
                            cooccurrence.bin (16-byte records) and vocab.txt, so either
                            half of the pipeline can be Stanford's.

examples:
  {CMD} -input text8 -output vectors.txt -min-count 5 -x-max 10 -iter 15 -threads 2
  {CMD} -input corpus.txt.gz -output vectors.bin -binary 1 -vector-size 100
  {CMD} -input text8 --save-cooccurrence text8.cooc             # count only
  {CMD} --read-cooccurrence text8.cooc -output vectors.txt -vector-size 300
  {CMD} --read-cooccurrence cooccurrence.bin -vocab-file vocab.txt -output vectors.txt
"""


class _StanfordParser(Parser):
    """Stanford's flags are whole words (no prefix matching)."""

    def _get_option_tuples(self, option_string):
        return []


def glove_parser() -> Parser:
    p = _StanfordParser(prog=CMD, usage=f"{CMD} -input FILE -output FILE [flags]",
                        description="Count co-occurrences and train GloVe vectors, Stanford "
                                    "GloVe's pipeline with its flags, in one process.",
                        epilog=EPILOG)

    def a(group, flag, type, default, help, metavar="N", dest=None):
        group.add_argument(flag, dest=dest or flag.lstrip("-").replace("-", "_"), type=type,
                           default=default, help=help, metavar=metavar)

    pos, nonneg, flag01 = int_at_least(1), int_at_least(0), _choice(0, 1)
    g = p.add_argument_group("files")
    a(g, "-input", str, None, "training text (.gz/.bz2/.xz read too; - for standard input)",
      "FILE")
    a(g, "-output", str, None, "where to write the vectors (Stanford's -save-file, but the "
      "name is taken as given)", "FILE")
    a(g, "-vocab-file", str, None, "Stanford's vocab.txt for --read/--save-cooccurrence",
      "FILE")
    a(g, "--save-cooccurrence", str, None, "write the counts to FILE (see below)", "FILE")
    a(g, "--read-cooccurrence", str, None, "train from counts in FILE (see below)", "FILE")
    a(g, "--spill-dir", str, None, "where temporary files go past -memory", "DIR")
    g = p.add_argument_group("vocabulary and counting")
    a(g, "-min-count", nonneg, 1, "drop words seen fewer times (default 1)")
    a(g, "-max-vocab", nonneg, 0, "keep at most this many words (default 0: no limit)")
    a(g, "-window-size", pos, 15, "context words on each side (default 15)")
    a(g, "-symmetric", flag01, 1, "1: left and right contexts, 0: left only (default 1)")
    a(g, "-distance-weighting", flag01, 1, "1: a pair at distance d adds 1/d, 0: adds 1 "
      "(default 1)")
    a(g, "-memory", float_at_least(0, True), 4.0, "memory budget in GB for counting and "
      "the records (default 4.0)", "X")
    a(g, "-max-product", nonneg, 0, "accepted and ignored (the dense block is sized from "
      "-memory)")
    a(g, "-overflow-length", nonneg, 0, "accepted and ignored (runs are sized from -memory)")
    g = p.add_argument_group("training")
    a(g, "-vector-size", pos, 50, "dimension of the vectors (default 50)")
    a(g, "-iter", pos, 25, "passes over the co-occurrences (default 25)")
    a(g, "-eta", float_at_least(0, True), 0.05, "initial learning rate (default 0.05)", "X")
    a(g, "-alpha", float_at_least(0), 0.75, "exponent of the weighting function "
      "(default 0.75)", "X")
    a(g, "-x-max", float_at_least(0, True), 100.0, "cutoff of the weighting function "
      "(default 100)", "X")
    a(g, "-grad-clip", float_at_least(0, True), 100.0, "gradient components clipped to "
      "+-X (default 100)", "X")
    a(g, "-threads", pos, 8, "threads (default 8, Stanford's)")
    a(g, "-seed", nonneg, 0, "random seed (default 0; a seed, not the clock)")
    a(g, "-model", _choice(1, 2), 2, "1: word vectors, 2: word + context vectors (default 2)")
    a(g, "-binary", _choice(0, 1, 2), 0, "0 text, 1 word2vec binary, 2 both (default 0)")
    a(g, "-write-header", flag01, 0, "1: start text files with a 'V dim' line (default 0)")
    a(g, "-verbose", nonneg, 2, "0 quiet, 1 summary lines, 2 also progress and log lines "
      "(default 2)")
    return p


def _choice(*allowed):
    """argparse type: one of the integers ``allowed``."""
    def conv(s):
        try:
            v = int(s)
        except ValueError:
            v = None
        if v not in allowed:
            raise argparse.ArgumentTypeError(
                f"expected one of {', '.join(map(str, allowed))}, got {s!r}")
        return v
    return conv


def _outputs(a) -> list:
    """(path, binary) of each vectors file to write."""
    if a.output is None:
        return []
    if a.binary == 2:  # as Stanford's -save-file: PREFIX.txt and PREFIX.bin
        stem = os.path.splitext(a.output)[0] if a.output.endswith((".txt", ".vec", ".bin")) \
            else a.output
        return [(stem + ".txt", False), (stem + ".bin", True)]
    return [(a.output, a.binary == 1)]


def run_glove(argv) -> int:
    """``glove -input FILE -output FILE [Stanford's flags]``."""
    a = glove_parser().parse_strict(argv)
    if a.read_cooccurrence is None and a.input is None:
        raise UsageError(f"-input FILE (or --read-cooccurrence FILE) is required (see {CMD} "
                         "--help)")
    if a.read_cooccurrence is not None and a.input is not None:
        raise UsageError("give -input or --read-cooccurrence, not both")
    if a.output is None and a.save_cooccurrence is None:
        raise UsageError("-output FILE is required (or --save-cooccurrence FILE to count only)")
    for path, flag in ((a.input, "-input"), (a.read_cooccurrence, "--read-cooccurrence")):
        if path is not None:
            check_readable(path, flag)
    if a.vocab_file is not None and a.read_cooccurrence is not None:
        check_readable(a.vocab_file, "-vocab-file")
    outs = _outputs(a)
    for path, _ in outs:
        check_writable(path, "-output")
    if a.save_cooccurrence is not None:
        check_writable(a.save_cooccurrence, "--save-cooccurrence")
        if a.vocab_file is not None:
            check_writable(a.vocab_file, "-vocab-file")
    if a.spill_dir is not None and not os.path.isdir(a.spill_dir):
        raise CLIError(f"--spill-dir {a.spill_dir}: no such directory")

    from .. import glove, glove_counts  # start-up time (see dispatch)
    from .pipeline import setup_logging
    setup_logging(a.verbose >= 2)
    t0 = time.perf_counter()
    progress = None if a.verbose >= 2 else False
    if a.read_cooccurrence is not None:
        if a.vocab_file is not None:
            counts = glove_counts.Cooccurrence.load_stanford(a.read_cooccurrence, a.vocab_file)
        else:
            counts = glove_counts.Cooccurrence.load(a.read_cooccurrence)
    else:
        counts = glove_counts.count(
            a.input, window=a.window_size, min_count=max(a.min_count, 1),
            symmetric=bool(a.symmetric), distance_weighting=bool(a.distance_weighting),
            threads=a.threads, memory=a.memory, max_vocab=a.max_vocab or None,
            spill_dir=a.spill_dir, progress=progress)
        if len(counts.vocab) == 0:
            raise CLIError(f"empty vocabulary: no word of -input {a.input} occurs at least "
                           f"-min-count {a.min_count} times")
    if a.verbose >= 1:
        say(f"vocabulary {len(counts.vocab):,} words, {counts.n_records:,} co-occurrence "
            f"records ({time.perf_counter() - t0:.2f} s)")
    if a.save_cooccurrence is not None:
        if a.vocab_file is not None:
            counts.save_stanford(a.save_cooccurrence, a.vocab_file)
        else:
            counts.save(a.save_cooccurrence)
    if not outs:
        return 0
    model = glove.train(counts, dim=a.vector_size, epochs=a.iter, x_max=a.x_max,
                        alpha=a.alpha, eta=a.eta, grad_clip=a.grad_clip, threads=a.threads,
                        seed=a.seed, memory=a.memory, output="word" if a.model == 1 else "sum",
                        spill_dir=a.spill_dir, progress=progress)
    wv = model.wv
    for path, binary in outs:
        wv.save(path, binary=binary, header=binary or bool(a.write_header))
    if a.verbose >= 1:
        last = model.history[-1] if model.history else {}
        say(f"trained {model.schedule['epochs_done']} iterations, cost {last.get('cost', 0):.6f}"
            f" ({time.perf_counter() - t0:.2f} s in all); wrote "
            + " and ".join(p for p, _ in outs))
    sys.stderr.flush()
    return 0
