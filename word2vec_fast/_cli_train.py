"""Training from the command line: word2vec.c's flags (drop-in mode) and ``train``.

Drop-in mode reproduces word2vec.c's command, output layout included: the vectors
file starts with a ``</s>`` row (word2vec.c's vocab[0], the end-of-sentence token;
never trained, it keeps its random initial value) and its header counts it, the
``-save-vocab`` file starts with ``</s> <newlines in the corpus>``, and ``-classes K``
writes ``word class`` lines from word2vec.c's k-means instead of vectors.
"""
from __future__ import annotations

import argparse
import logging
import sys
import time

import numpy as np

from .corpus_io import count_newlines
from .kmeans import kmeans_classes
from ._cli_common import (CLIError, Parser, UsageError, add_format_flags, binary_for,
                          check_readable, check_writable, float_at_least, int_at_least, say,
                          write_atomically)

EOS = "</s>"  # word2vec.c's end-of-sentence token, vocab[0]

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


def train_parser() -> Parser:
    p = Parser(prog="word2vec-fast train",
               description="Train word vectors (Python-style flags; the Python API's "
                           "defaults: skip-gram, all cores).",
               epilog="""\
The output has no "</s>" row (use the word2vec.c-style flags, word2vec-fast -train ...,
for word2vec.c's exact layout).  The format follows the extension: .bin binary, .txt/.vec
text (.gz/.bz2/.xz compress); --binary/--text override it.

examples:
  word2vec-fast train corpus.txt.gz -o vectors.bin
  word2vec-fast train corpus.txt -o vectors.txt --cbow --dim 300 --epochs 10 --threads 4
  word2vec-fast train corpus.txt -o classes.txt --classes 100
""")
    a = p.add_argument
    a("corpus", metavar="CORPUS", help="training text (.gz/.bz2/.xz read too)")
    a("-o", "--output", required=True, metavar="FILE", help="vectors file to write")
    a("--dim", "--size", type=int_at_least(1), default=100, help="vector size (default 100)")
    a("--window", type=int_at_least(1), default=5, help="context window (default 5)")
    a("--negative", type=int_at_least(0), default=5,
      help="negative samples (default 5; 0 = none, needs --hs)")
    a("--hs", action="store_true", help="hierarchical softmax")
    a("--cbow", action="store_true", help="CBOW instead of skip-gram")
    a("--sample", type=float_at_least(0), default=1e-3,
      help="subsampling threshold (default 1e-3; 0 = off)")
    a("--min-count", type=int_at_least(1), default=5,
      help="ignore rarer words (default 5)")
    a("--epochs", "--iter", type=int_at_least(1), default=5, help="epochs (default 5)")
    a("--threads", type=int_at_least(1), default=None, help="threads (default: all cores)")
    a("--alpha", type=float_at_least(0, True), default=None,
      help="initial learning rate (default 0.025 skip-gram, 0.05 CBOW)")
    a("--seed", type=int_at_least(0), default=1, help="random seed (default 1)")
    a("--classic", action="store_true",
      help="word2vec.c's per-pair updates instead of the batched kernel")
    a("--batch-size", type=int_at_least(1), default=None,
      help="centre words per batched block (default 1)")
    add_format_flags(p, "the vectors")
    a("--classes", type=int_at_least(0), default=0,
      help="write 'word class' lines from k-means with this many classes instead of vectors")
    a("--save-vocab", metavar="FILE", help="also save the vocabulary ('word count' lines)")
    a("--read-vocab", metavar="FILE", help="take the vocabulary from this file")
    a("--save-on-interrupt", action="store_true",
      help="on Ctrl-C, save what was trained so far, then exit 130")
    a("-q", "--quiet", action="store_true", help="no progress bar or summary")
    return p


# -- the shared pipeline --------------------------------------------------------------

def read_vocab(path, min_count):
    """A vocabulary file (ours or word2vec.c's) minus ``</s>``, and ``</s>``'s count."""
    from .vocab import Vocab
    try:
        full = Vocab.load(path, min_count=0)
    except UnicodeDecodeError as e:
        raise CLIError(f"{path}: not a vocabulary file ({e})") from None
    eos = int(full.counts[full.index[EOS]]) if EOS in full.index else 0
    keep = [(w, c) for w, c in zip(full.words, full.counts.tolist())
            if w != EOS and c >= min_count]
    return Vocab([w for w, _ in keep], [c for _, c in keep]), eos


def _eos_row(dim, seed):
    # word2vec.c's vocab[0] is never trained: a random value from the same
    # distribution as every initial input vector, uniform in (-0.5/dim, 0.5/dim).
    rng = np.random.Generator(np.random.PCG64([seed, 0x454F53]))
    return ((rng.random(dim, dtype=np.float32) - np.float32(0.5)) / np.float32(dim))[None, :]


def write_output(model, path, *, binary, classes, eos_row, seed):
    """Vectors (or k-means classes) of ``model`` to ``path``; returns a description."""
    from .vectors import Vectors
    words, mat = model.words, model.vectors
    if eos_row:
        words = [EOS] + list(words)
        mat = np.vstack([_eos_row(mat.shape[1], seed), mat])
    if classes:
        cl = kmeans_classes(mat, classes)
        _write_classes(path, words, cl)
        return f"{len(words):,} word classes ({classes} classes)"
    Vectors(words, mat).save(path, binary=binary)
    return f"{len(words):,} x {mat.shape[1]} vectors, {'binary' if binary else 'text'}"


def _write_classes(path, words, cl):
    from .vectors_io import _write_all
    data = "".join(f"{w} {c}\n" for w, c in zip(words, cl.tolist()))
    write_atomically(path, lambda f: _write_all(f, data.encode("utf-8", "surrogateescape")))


def run_training(o) -> int:
    """Shared by both modes; ``o`` holds the options under the ``train`` names."""
    from .train import TrainingInterrupted, train
    from .vocab import Vocab

    check_readable(o.corpus, o.flag_train)
    if o.read_vocab:
        check_readable(o.read_vocab, o.flag_read_vocab)
    for path, flag in ((o.output, o.flag_output), (o.save_vocab, o.flag_save_vocab)):
        if path:
            check_writable(path, flag)
    binary = o.binary
    if o.output and not o.classes and binary is None:
        binary = binary_for(o.output, None, default=True)
    t0 = time.perf_counter()
    corpus = o.corpus
    if o.read_vocab:
        vocab, eos_count = read_vocab(o.read_vocab, o.min_count)
    else:
        # one pass counts and encodes (standard input can be read only once)
        from .corpus import count_and_encode
        corpus = count_and_encode(o.corpus, min_count=o.min_count).without_word(EOS)
        vocab = corpus.vocab
        # word2vec.c counts a </s> per newline (its -save-vocab line and "Words in train
        # file"); one more pass over a file, skipped when nothing shows the number.  For
        # standard input it is the number of non-empty lines.
        wanted = o.eos_layout and (o.save_vocab or o.dropin_lines)
        eos_count = 0 if not wanted else (
            corpus.n_sentences if o.corpus == "-" else count_newlines(o.corpus))
    if len(vocab) == 0:
        src = f"{o.flag_read_vocab} {o.read_vocab}" if o.read_vocab else \
            f"{o.flag_train} {o.corpus}"
        raise CLIError(f"empty vocabulary: no word of {src} occurs at least "
                       f"{o.flag_min_count} {o.min_count} times")
    if o.save_vocab:
        out_vocab = Vocab([EOS] + vocab.words, np.concatenate([[eos_count], vocab.counts])) \
            if o.eos_layout else vocab
        out_vocab.save(o.save_vocab)
    n_out = len(vocab) + (1 if o.eos_layout else 0)
    if o.dropin_lines:
        # word2vec.c's own first lines (stdout), which scripts parse
        print(f"Starting training using file {o.corpus}\nVocab size: {n_out}\n"
              f"Words in train file: {vocab.total + eos_count}", flush=True)
    if not o.output:
        say(f"vocabulary: {n_out:,} words -> {o.save_vocab}", quiet=o.quiet)
        return 0
    params = dict(dim=o.dim, window=o.window, sample=o.sample, hs=o.hs, negative=o.negative,
                  threads=o.threads, epochs=o.epochs, alpha=o.alpha, sg=o.sg, seed=o.seed,
                  progress=o.progress, vocab=vocab if o.read_vocab else None,
                  batch=False if o.classic else (True if o.batch_size is None else o.batch_size))
    status = 0
    try:
        model = train(corpus, **params)
    except TrainingInterrupted as e:
        if not o.save_on_interrupt:
            raise
        model, status = e.model, 130
        say(f"interrupted: saving what was trained ({model.stats.get('words', 0):,} words) "
            f"to {o.output}")
    what = write_output(model, o.output, binary=binary, classes=o.classes,
                        eos_row=o.eos_layout, seed=o.seed)
    s = model.stats
    total = time.perf_counter() - t0
    say(f"trained {s['words']:,} words in {s['train_seconds']:.2f} s "
        f"({s['words_per_sec']:,.0f} words/s; {total:.2f} s in all); vocabulary "
        f"{len(vocab):,} words; wrote {what} to {o.output}", quiet=o.quiet)
    if not o.quiet:
        # machine-readable summary, parsed by bench/compare.py: keep the keys
        print(f"train_seconds={s['train_seconds']:.3f} words={s['words']} "
              f"words_per_sec={s['words_per_sec']:.0f} vocab={n_out} "
              f"total_seconds={total:.3f} output={o.output}", file=sys.stderr, flush=True)
    return status


def _setup_logging(verbose):
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)


def run_dropin(argv) -> int:
    """``word2vec-fast -train ... -output ...``: word2vec.c's flags and layout."""
    a = dropin_parser().parse_strict(argv)
    if a.train is None:
        raise UsageError("-train FILE is required (see word2vec-fast --help)")
    if a.output is None and a.save_vocab is None:
        raise UsageError("nothing to do: give -output FILE (vectors, or classes with "
                         "-classes) and/or -save-vocab FILE")
    if a.negative == 0 and not a.hs:
        raise UsageError("-negative 0 with -hs 0 trains nothing: set -negative > 0 or -hs 1")
    _setup_logging(a.debug >= 2)
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
        flag_min_count="-min-count")
    return run_training(o)


def run_train(argv) -> int:
    """``word2vec-fast train CORPUS -o OUT``: Python-style flags and defaults."""
    a = train_parser().parse_strict(argv)
    if a.negative == 0 and not a.hs:
        raise UsageError("--negative 0 without --hs trains nothing: set --negative > 0 or "
                         "add --hs")
    _setup_logging(False)
    o = argparse.Namespace(
        corpus=a.corpus, output=a.output, dim=a.dim, window=a.window, sample=a.sample,
        hs=a.hs, negative=a.negative, threads=a.threads, epochs=a.epochs,
        min_count=a.min_count, alpha=a.alpha, sg=not a.cbow, seed=a.seed,
        progress=False if a.quiet else None, classic=a.classic, batch_size=a.batch_size,
        binary=a.binary, classes=a.classes, save_vocab=a.save_vocab, read_vocab=a.read_vocab,
        save_on_interrupt=a.save_on_interrupt, quiet=a.quiet, eos_layout=False,
        dropin_lines=False, flag_train="CORPUS", flag_output="--output",
        flag_save_vocab="--save-vocab", flag_read_vocab="--read-vocab",
        flag_min_count="--min-count")
    return run_training(o)
