"""fastText's command line (``word2vec-fast fasttext skipgram -input ... -output ...``):
its commands, single-dash flags and defaults, and its output formats, for subword
vectors trained by this package.

``skipgram``/``cbow`` train and write ``PREFIX.bin`` (fastText's model format: fastText,
gensim and the commands below read it) and ``PREFIX.vec``; ``print-word-vectors`` and
``nn`` answer from a ``.bin`` as fastText's commands of those names do, unknown words
included.  fastText's other commands (``supervised``, ``quantize``, ``predict``, ...)
are not provided: a clear usage error says so.

Where we differ from fastText, on purpose: a flag value that is not a number, out of
range or unsupported (``-loss softmax``, ``-wordNgrams 2``, ``-minn`` > ``-maxn``) is a
usage error (exit 2) before anything is read or written, with a suggestion for a
misspelt flag; ``-input -`` reads standard input; ``nn`` prompts on stderr (and only at
a terminal), so that stdout carries the ``word score`` lines alone.
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from .common import (PROG, CLIError, Parser, UsageError, check_readable, check_writable,
                     float_at_least, int_at_least, say, suggest)

CMD = f"{PROG} fasttext"

COMMANDS = {
    "skipgram": "train a skip-gram model: PREFIX.bin and PREFIX.vec",
    "cbow": "train a CBOW model: PREFIX.bin and PREFIX.vec",
    "print-word-vectors": "print the vector of each word read from stdin (unknown words too)",
    "nn": "nearest neighbours of each word read from stdin (unknown words too)",
}

# fastText's commands that have nothing to do here: the classifier, quantisation,
# and queries not (yet) provided
OTHER_COMMANDS = ("supervised", "quantize", "test", "test-label", "predict", "predict-prob",
                  "print-sentence-vectors", "print-ngrams", "analogies", "dump")

# fastText training flags that are not taken, and what they are for (a flag of the
# classifier or quantisation is an error here, not silently ignored)
UNSUPPORTED_FLAGS = {
    "-label": "labels of the supervised classifier",
    "-minCountLabel": "labels of the supervised classifier",
    "-saveOutput": "saving the output matrix as PREFIX.output",
    "-cutoff": "quantisation", "-retrain": "quantisation", "-qnorm": "quantisation",
    "-qout": "quantisation", "-dsub": "quantisation",
    "-autotune-validation": "autotune", "-autotune-metric": "autotune",
    "-autotune-predictions": "autotune", "-autotune-duration": "autotune",
    "-autotune-modelsize": "autotune",
}

HELP = f"""\
usage: {CMD} skipgram|cbow -input FILE -output PREFIX [flags]
       {CMD} print-word-vectors MODEL.bin < words
       {CMD} nn MODEL.bin [K] < queries

fastText's command line for subword vectors: its commands, flags and defaults.

commands:
""" + "".join(f"  {k:<20} {v}\n" for k, v in COMMANDS.items()) + f"""
examples:
  {CMD} skipgram -input text8 -output model -thread 4
  {CMD} cbow -input corpus.txt -output model -dim 300 -minn 2 -maxn 5
  echo "king queeen" | {CMD} print-word-vectors model.bin
  echo "king" | {CMD} nn model.bin 5

{CMD} skipgram --help lists the training flags.  The native command
trains the same with Python-style flags:
  {PROG} train CORPUS -o vectors.bin --subwords --fasttext-output PREFIX
"""

TRAIN_EPILOG = f"""\
Defaults are fastText's, flag for flag: -lr 0.05, -dim 100, -ws 5,
-epoch 5, -minCount 5, -neg 5, -loss ns, -bucket 2000000, -minn 3, -maxn 6, -thread 12,
-t 1e-4, -verbose 2.  -thread is the number of threads asked for, as in fastText (not
capped to the cores).  -maxn 0 trains words only (-bucket is then 0, as in fastText).
-lrUpdateRate is accepted and ignored: the learning rate decays linearly over the
words trained.  Only -wordNgrams 1 is taken (word n-grams serve fastText's classifier);
-loss softmax and one-vs-all are not trained here.  -input - reads standard input.

Written: PREFIX.bin, fastText's model format (fastText, gensim's load_facebook_model,
print-word-vectors and nn read it), and PREFIX.vec, each trained word's vector (the
mean of its own row and its n-grams' rows) in word2vec's text format.  Each file is
written to a temporary name and renamed, so a failed run leaves existing files as they
were.  Unlike fastText's, the vocabulary has no "</s>" word (fastText counts one per
line) and a literal "</s>" in the text is skipped.  Summary lines go to stderr:
fastText's "Number of words:" line after reading, then the time and words/s.

examples:
  {CMD} skipgram -input text8 -output model -thread 4
  {CMD} cbow -input corpus.txt.gz -output model -dim 300 -epoch 10 -loss hs
  {CMD} skipgram -input corpus.txt -output words-only -minn 0 -maxn 0
"""


class _FastTextParser(Parser):
    """fastText's flags are whole words: ``-threads`` is an unknown flag (with a
    suggestion), not ``-t hreads`` as argparse's prefix matching would read it."""

    def _get_option_tuples(self, option_string):
        return []


def _loss(s):
    if s in ("ns", "hs"):
        return s
    if s in ("softmax", "one-vs-all", "ova"):
        raise argparse.ArgumentTypeError(
            f"{s} is not supported: skipgram and cbow train with ns (negative sampling) "
            "or hs (hierarchical softmax)")
    raise argparse.ArgumentTypeError(f"unknown loss {s!r}: ns or hs")


def train_parser(command) -> Parser:
    """The flags of ``fasttext skipgram``/``cbow``: fastText's names and defaults."""
    p = _FastTextParser(prog=f"{CMD} {command}",
                        usage=f"{CMD} {command} -input FILE -output PREFIX [flags]",
                        description=f"Train a {'skip-gram' if command == 'skipgram' else 'CBOW'}"
                                    " subword model with fastText's flags and defaults: "
                                    "PREFIX.bin and PREFIX.vec.",
                        epilog=TRAIN_EPILOG)

    def a(group, flag, type, default, help, metavar="N"):
        group.add_argument(flag, dest=flag[1:], type=type, default=default, help=help,
                           metavar=metavar)

    pos, nonneg = int_at_least(1), int_at_least(0)
    g = p.add_argument_group("mandatory")
    a(g, "-input", str, None, "training text, words separated by whitespace (.gz/.bz2/.xz "
      "read too; - for standard input)", "FILE")
    a(g, "-output", str, None, "where to write PREFIX.bin and PREFIX.vec", "PREFIX")
    g = p.add_argument_group("optional")
    a(g, "-verbose", nonneg, 2, "0 silent, 1 summary lines, 2 also a progress bar when "
      "stderr is a terminal (default 2)")
    g = p.add_argument_group("dictionary")
    a(g, "-minCount", nonneg, 5, "discard words that appear fewer times (default 5)")
    a(g, "-wordNgrams", pos, 1, "max length of word n-grams: only 1 (default 1)")
    a(g, "-bucket", nonneg, 2_000_000, "number of n-gram buckets (default 2000000: 800 MB "
      "at -dim 100)")
    a(g, "-minn", nonneg, 3, "shortest character n-gram (default 3)")
    a(g, "-maxn", nonneg, 6, "longest character n-gram (default 6; 0: words only)")
    a(g, "-t", float_at_least(0), 1e-4, "subsampling threshold (default 1e-4; 0 = off)", "X")
    g = p.add_argument_group("training")
    a(g, "-lr", float_at_least(0, True), 0.05, "learning rate (default 0.05)", "X")
    a(g, "-lrUpdateRate", pos, 100, "accepted and ignored: the rate decays linearly over "
      "the words trained (default 100)")
    a(g, "-dim", pos, 100, "size of word vectors (default 100)")
    a(g, "-ws", pos, 5, "size of the context window (default 5)")
    a(g, "-epoch", pos, 5, "number of epochs (default 5)")
    a(g, "-neg", nonneg, 5, "number of negatives sampled (default 5)")
    a(g, "-loss", _loss, "ns", "loss function: ns or hs (default ns)", "ns|hs")
    a(g, "-thread", pos, 12, "number of threads, as asked for, not capped to the cores "
      "(default 12, fastText's; -thread 1 runs are repeatable)")
    a(g, "-pretrainedVectors", str, None, "start the words found in this vectors file "
      "(.vec, .bin, any format 'load' reads; -dim dimensions) from their vectors", "FILE")
    a(g, "-seed", nonneg, 0, "random generator seed (default 0)")
    return p


def _check_unsupported(argv):
    for arg in argv:
        if arg in UNSUPPORTED_FLAGS:
            raise UsageError(f"{arg} is not supported ({UNSUPPORTED_FLAGS[arg]}; {CMD} trains "
                             "word vectors with skipgram and cbow)")


def spec_flags(minn, maxn, bucket, names=("-minn", "-maxn", "-bucket")):
    """-minn/-maxn/-bucket (flags ``names``) as train()'s ``minn, maxn, buckets``, checked
    (a usage error naming the flags)."""
    fmin, fmax, fbucket = names
    if maxn == 0:  # words only: fastText then sets the bucket count to 0
        return 0, 0, 0
    if minn > maxn:
        raise UsageError(f"{fmin} {minn} is greater than {fmax} {maxn}: no n-gram would be "
                         f"made ({fmax} 0 trains words only)")
    if bucket < 1:
        raise UsageError(f"{fbucket} {bucket}: n-grams need at least one bucket (or {fmax} 0 "
                         "to train words only)")
    if bucket >= 2**31:
        raise UsageError(f"{fbucket} {bucket}: must be < 2147483648")
    # -minn 0 and 1 make the same n-grams (fastText never makes a 1-character one at a
    # word's boundary marks)
    return max(minn, 1), maxn, bucket


def run_train_command(command, argv) -> int:
    """``fasttext skipgram|cbow -input FILE -output PREFIX [flags]``."""
    _check_unsupported(argv)
    a = train_parser(command).parse_strict(argv)
    if a.input is None or a.output is None:
        raise UsageError(f"-input FILE and -output PREFIX are required (see {CMD} {command} "
                         "--help)")
    if a.wordNgrams != 1:
        raise UsageError(f"-wordNgrams {a.wordNgrams}: only 1 is supported (word n-grams "
                         "serve fastText's supervised classifier)")
    if a.loss == "ns" and a.neg == 0:
        raise UsageError("-neg 0 with -loss ns trains nothing: set -neg > 0 or -loss hs")
    minn, maxn, buckets = spec_flags(a.minn, a.maxn, a.bucket)
    check_readable(a.input, "-input")
    if a.pretrainedVectors:
        check_readable(a.pretrainedVectors, "-pretrainedVectors")
    bin_path, vec_path = a.output + ".bin", a.output + ".vec"
    check_writable(bin_path, "-output")
    check_writable(vec_path, "-output")

    from ..corpus import count_and_encode  # start-up time (see dispatch)
    from ..fasttext import save_fasttext_files
    from ..training import train
    from .pipeline import EOS, setup_logging
    setup_logging(False)
    t0 = time.perf_counter()
    min_count = max(1, a.minCount)
    corpus = count_and_encode(a.input, min_count=min_count).without_word(EOS)
    if len(corpus.vocab) == 0:
        raise CLIError(f"empty vocabulary: no word of -input {a.input} occurs at least "
                       f"-minCount {a.minCount} times (try a smaller -minCount)")
    if a.verbose >= 1:
        tokens = len(corpus) + corpus.dropped
        print(f"Read {tokens // 1_000_000}M words\nNumber of words:  {len(corpus.vocab)}\n"
              "Number of labels: 0", file=sys.stderr, flush=True)
    hs = a.loss == "hs"
    model = train(corpus, subwords=True, minn=minn, maxn=maxn, buckets=buckets, dim=a.dim,
                  window=a.ws, negative=0 if hs else a.neg, hs=hs, sg=command == "skipgram",
                  epochs=a.epoch, min_count=min_count, sample=a.t, alpha=a.lr,
                  threads=a.thread, seed=a.seed, init_vectors=a.pretrainedVectors,
                  progress=None if a.verbose >= 2 else False)
    save_fasttext_files(model, a.output)
    if a.verbose >= 1:
        s = model.stats
        n = s["threads"]
        loss, pairs = sum(s["epoch_loss"]), sum(s["epoch_pairs"])
        say(f"trained {s['words']:,} words in {s['train_seconds']:.2f} s "
            f"({s['words_per_sec'] / max(1, n):,.0f} words/sec/thread, {n} "
            f"thread{'s' if n != 1 else ''}; avg.loss {loss / pairs if pairs else 0:.6f}; "
            f"{time.perf_counter() - t0:.2f} s in all); wrote {bin_path} and {vec_path}")
    return 0


# -- queries ------------------------------------------------------------------------

def _query_parser(command, description, epilog, k=False) -> Parser:
    p = Parser(prog=f"{CMD} {command}", description=description, epilog=epilog)
    p.add_argument("model", metavar="MODEL.bin",
                   help="a fastText model (fastText's .bin, or PREFIX.bin written here)")
    if k:
        p.add_argument("k", metavar="K", nargs="?", type=int_at_least(1), default=10,
                       help="neighbours per query (default 10)")
    return p


def _load(path):
    from ..fasttext import load_fasttext  # start-up time (see dispatch)
    check_readable(path, "model")
    return load_fasttext(path)


def _stdin_words(prompt=None):
    """The whitespace-separated words of standard input, as fastText reads them
    (``std::cin >> word``), a line at a time so that answers come as lines arrive."""
    tty = prompt is not None and sys.stdin.isatty()
    if tty:
        print(prompt, end="", file=sys.stderr, flush=True)
    for line in iter(sys.stdin.buffer.readline, b""):
        for w in line.split():
            yield w.decode("utf-8", "surrogateescape")
            if tty:
                print(prompt, end="", file=sys.stderr, flush=True)


def _write(s: str) -> None:
    sys.stdout.buffer.write(s.encode("utf-8", "surrogateescape"))


def run_print_word_vectors(argv) -> int:
    """``fasttext print-word-vectors MODEL.bin < words``: ``word v1 v2 ... `` lines."""
    a = _query_parser("print-word-vectors", "Print the vector of each word read from "
                      "standard input, as fastText's print-word-vectors does.", """\
Each whitespace-separated word of standard input gets one line: the word, then each
value as C's %.5g followed by a space (fastText's format, trailing space included).  A
word of the vocabulary gets its vector (the mean of its own row and its n-grams' rows);
an unknown word the mean of its n-grams' rows; a word with no n-gram (a model trained
with -maxn 0, or a word shorter than -minn - 2 characters) zeros, as in fastText.

examples:
  echo "king queeen" | word2vec-fast fasttext print-word-vectors model.bin
  word2vec-fast fasttext print-word-vectors model.bin < words.txt > vectors.txt
""").parse_strict(argv)
    vecs = _load(a.model)
    zeros = np.zeros(vecs.dim, dtype=np.float32)
    for word in _stdin_words():
        try:
            v = vecs[word]
        except KeyError:
            v = zeros
        _write(word + " " + "".join(f"{x:.5g} " for x in v.tolist()) + "\n")
        sys.stdout.flush()
    return 0


def run_nn(argv) -> int:
    """``fasttext nn MODEL.bin [K]``: the K nearest words of each query from stdin."""
    a = _query_parser("nn", "Nearest neighbours by cosine similarity of each word read "
                      "from standard input, as fastText's nn does.", """\
Each whitespace-separated word of standard input is a query; its K nearest words of
the vocabulary are printed as "word similarity" lines (fastText's format), the query
word itself left out.  Unknown words are queries too: their vector is the mean of their
n-grams' rows.  A query with no n-gram at all has no vector: a line on stderr says so,
and the exit status is then 1 (fastText prints K words with similarity 0).
fastText prints its prompt "Query word? " on stdout; here it goes to stderr, and only
when standard input is a terminal, so that stdout carries the answers alone.

examples:
  echo "king queeen" | word2vec-fast fasttext nn model.bin 5
  word2vec-fast fasttext nn model.bin          # interactive: Ctrl-D ends
""", k=True).parse_strict(argv)
    vecs = _load(a.model)
    status = 0
    for word in _stdin_words("Query word? "):
        if word not in vecs:
            print(f"{PROG}: error: word {word!r} is not in {a.model} and has no n-grams: no "
                  "vector to query with", file=sys.stderr, flush=True)
            status = 1
            continue
        _write("".join(f"{w} {s:g}\n" for w, s in vecs.most_similar(word, topn=a.k)))
        sys.stdout.flush()
    return status


# -- the command --------------------------------------------------------------------

def run_fasttext(argv) -> int:
    """``word2vec-fast fasttext COMMAND ...``: fastText's command line."""
    if not argv or argv[0] in ("-h", "--help", "-help", "help"):
        sys.stdout.write(HELP)
        return 0
    command, rest = argv[0], argv[1:]
    if command in ("skipgram", "cbow"):
        return run_train_command(command, rest)
    if command == "print-word-vectors":
        return run_print_word_vectors(rest)
    if command == "nn":
        return run_nn(rest)
    if command in OTHER_COMMANDS:
        raise UsageError(f"fastText's {command} command is not provided: {CMD} has "
                         f"{', '.join(COMMANDS)}")
    raise UsageError(f"unknown fastText command {command!r}{suggest(command, COMMANDS)}; "
                     f"commands: {', '.join(COMMANDS)} (see {CMD} --help)")
