"""word2vec.c's command line (``word2vec-fast -train ... -output ...``): its single-dash
flags, defaults and checks, handed to the shared training run in :mod:`.pipeline`.

Drop-in mode reproduces word2vec.c's command, output layout included: the vectors
file starts with a ``</s>`` row (word2vec.c's vocab[0], the end-of-sentence token;
never trained, it keeps its random initial value) and its header counts it, the
``-save-vocab`` file starts with ``</s> <newlines in the corpus>``, and ``-classes K``
writes ``word class`` lines from word2vec.c's k-means instead of vectors.
"""
from __future__ import annotations

import argparse

from ..params import has_output_layer
from .common import Parser, UsageError, float_at_least, int_at_least, say
from .pipeline import run_training, setup_logging

DROPIN_EPILOG = """\
Defaults match word2vec.c's, flag for flag: CBOW (-cbow 1), 12 threads, -alpha 0.05 for
CBOW and 0.025 for skip-gram, -size 100, -window 5, -sample 1e-3, -hs 0, -negative 5,
-iter 5, -min-count 5, -binary 0, -classes 0, -debug 2.  The output has word2vec.c's
layout: a "</s>" row first (never trained) and a header that counts it.  Flags may come
in any order; a flag given twice keeps its first value (as word2vec.c does, with a warning
here); an unknown flag is an error rather than being ignored.  -output may be left out
when -save-vocab is given: then only the vocabulary is built and saved.

examples:
  word2vec-fast -train text8 -output vectors.bin -cbow 1 -size 200 -window 8 \\
      -negative 25 -hs 0 -sample 1e-4 -threads 20 -binary 1 -iter 15
  word2vec-fast -train text8 -output classes.txt -cbow 1 -size 200 -window 8 \\
      -negative 25 -hs 0 -sample 1e-4 -threads 20 -iter 15 -classes 500
  word2vec-fast -train corpus.txt -save-vocab vocab.txt            # vocabulary only
  word2vec-fast -train corpus.txt -read-vocab vocab.txt -output vectors.txt
  word2vec-fast -train big.txt -output v.bin -binary 1 -save-on-interrupt 1

Other commands: word2vec-fast {train,similar,analogy,eval,convert,info,plot,demo} --help
"""


class _FirstWins(argparse.Action):
    """word2vec.c reads the first occurrence of a flag; later ones are ignored (we warn)."""

    def __call__(self, parser, namespace, values, option_string=None):
        seen = namespace.__dict__.setdefault("_seen", set())
        if self.dest in seen:
            say(f"warning: {option_string} given twice; keeping the first value, "
                f"{getattr(namespace, self.dest)} (as word2vec.c does)")
            return
        seen.add(self.dest)
        setattr(namespace, self.dest, values)


def dropin_parser() -> Parser:
    """word2vec.c's single-dash flags, with its defaults, and our own few."""
    p = Parser(prog="word2vec-fast", usage="word2vec-fast -train FILE -output FILE [flags]",
               description="Train word2vec vectors: a drop-in for word2vec.c's command line.",
               epilog=DROPIN_EPILOG)

    def a(flag, type, default, help, metavar=None, choices=None):
        p.add_argument(flag, dest=flag[1:].replace("-", "_"), type=type, default=default,
                       help=help, metavar=metavar or ("N" if type is not str else "FILE"),
                       action=_FirstWins, choices=choices)

    pos, nonneg, pos_f, nonneg_f = int_at_least(1), int_at_least(0), float_at_least(0, True), \
        float_at_least(0)
    a("-train", str, None, "training text, words separated by whitespace, a newline ends a "
      "sentence (.gz/.bz2/.xz read too)")
    a("-output", str, None, "where to write the vectors (or the word classes with -classes)")
    a("-size", pos, 100, "vector size (default 100)")
    a("-window", pos, 5, "max skip length between words (default 5)")
    a("-sample", nonneg_f, 1e-3, "threshold for downsampling frequent words (default 1e-3; "
      "0 = off; useful range 1e-5 to 1e-3)", "X")
    a("-hs", int, 0, "1 = hierarchical softmax (default 0)", "0|1", (0, 1))
    a("-negative", nonneg, 5, "negative examples (default 5; common 3-10; 0 = none)")
    a("-threads", pos, 12, "threads (default 12, as word2vec.c)")
    a("-iter", pos, 5, "training iterations (default 5)")
    a("-min-count", nonneg, 5, "discard words that appear fewer times (default 5; 0 keeps "
      "every word, like 1)")
    a("-alpha", pos_f, None, "starting learning rate (default 0.025 skip-gram, 0.05 CBOW)",
      "X")
    a("-classes", nonneg, 0, "output word classes from k-means with this many classes "
      "instead of vectors (default 0: vectors)")
    a("-debug", nonneg, 2, "0 silent, 1 vocabulary and summary lines, 2 also progress "
      "(default 2)")
    a("-binary", int, 0, "1 = save vectors in binary mode (default 0: text)", "0|1", (0, 1))
    a("-save-vocab", str, None, "save the vocabulary ('word count' lines, '</s>' first)")
    a("-read-vocab", str, None, "read the vocabulary from this file instead of counting "
      "the training text (word2vec.c's -save-vocab files)")
    a("-cbow", int, 1, "1 = continuous bag of words (default), 0 = skip-gram", "0|1", (0, 1))
    g = p.add_argument_group("word2vec-fast's own flags")

    def own(flag, type, default, help, metavar="N", choices=None):
        g.add_argument(flag, dest=flag[1:].replace("-", "_"), type=type, default=default,
                       help=help, metavar=metavar, action=_FirstWins, choices=choices)

    own("-seed", nonneg, 1, "random seed (default 1); -threads 1 runs are bit-for-bit "
        "repeatable")
    own("-batch", int, 1, "1 = batched block updates (default, fastest); 0 = word2vec.c's "
        "classic per-pair updates", "0|1", (0, 1))
    own("-batch-size", int_at_least(1), None, "centre words per block of the batched "
        "updates (default 1; larger is faster but less accurate)")
    own("-progress", int, None, "progress bar 1/0 (default: when stderr is a terminal and "
        "-debug >= 2)", "0|1", (0, 1))
    own("-save-on-interrupt", int, 0, "1 = on Ctrl-C, save what was trained so far to "
        "-output, then exit 130 (default 0)", "0|1", (0, 1))
    return p


def run_dropin(argv) -> int:
    """``word2vec-fast -train ... -output ...``: word2vec.c's flags and layout."""
    a = dropin_parser().parse_strict(argv)
    if a.train is None:
        raise UsageError("-train FILE is required (see word2vec-fast --help)")
    if a.output is None and a.save_vocab is None:
        raise UsageError("nothing to do: give -output FILE (vectors, or classes with "
                         "-classes) and/or -save-vocab FILE")
    if not has_output_layer(a.negative, a.hs):
        raise UsageError("-negative 0 with -hs 0 trains nothing: set -negative > 0 or -hs 1")
    setup_logging(a.debug >= 2)
    progress = None if a.progress is None else bool(a.progress)
    if a.debug < 2 and progress is None:
        progress = False
    o = argparse.Namespace(
        corpus=a.train, output=a.output, dim=a.size, window=a.window, sample=a.sample,
        hs=bool(a.hs), negative=a.negative, threads=a.threads, epochs=a.iter,
        min_count=max(1, a.min_count), alpha=a.alpha, sg=not a.cbow, seed=a.seed,
        progress=progress,
        classic=not a.batch, batch_size=a.batch_size, binary=bool(a.binary),
        classes=a.classes, save_vocab=a.save_vocab, read_vocab=a.read_vocab,
        save_on_interrupt=bool(a.save_on_interrupt), quiet=a.debug < 1, eos_layout=True,
        dropin_lines=a.debug >= 1, flag_train="-train", flag_output="-output",
        flag_save_vocab="-save-vocab", flag_read_vocab="-read-vocab",
        flag_min_count="-min-count", counting={}, training={})
    return run_training(o)
