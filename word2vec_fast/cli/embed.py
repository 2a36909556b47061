"""``word2vec-fast embed -vectors VEC -input SENTENCES -output OUT``: one vector per
line of a text file, the mean, SIF or uSIF of its words' vectors
(:mod:`word2vec_fast.sentences`).
"""
from __future__ import annotations

import sys
import time

from .common import (PROG, CLIError, Parser, UsageError, add_format_flags, binary_for,
                     check_readable, check_writable, float_at_least, int_at_least,
                     load_vectors, say)

CMD = f"{PROG} embed"

EPILOG = f"""\
Each line of -input is a sentence, its tokens separated by whitespace (.gz/.bz2/.xz
read too; - for standard input); tokens the vectors do not have are skipped, and a line
with no known token (a blank line too) gets the zero vector, so line k of -input is
always row k of the output.

Output, by -output's extension: .npy writes the (lines x dim) float32 matrix; .bin
word2vec's binary format, anything else word2vec's text format (--binary / --text
override), with the line number as the key: "0" for the first line, "1" for the next.

Methods: mean (the average of the known words' vectors), sif (Arora et al. 2017: words
weighted a / (a + p(w)), then the first principal component of the sentences removed)
and usif (Ethayarajh 2018: its own a, unit word vectors, five weighted components
removed).  SIF and uSIF need word counts: vectors trained by this package in memory
have them, but vector files do not store them, so give --counts-from with the text the
vectors were trained on (or any large text of the same kind).

The components are fitted on -input.  --save-model M.npz keeps them (with the weights),
and --model M.npz embeds new text with them instead of fitting again, so both runs
give the same vector to the same line.

examples:
  {CMD} -vectors vectors.bin -input questions.txt -output questions.npy --counts-from text8
  {CMD} -vectors vectors.bin -input train.txt -output train.txt.vec --counts-from text8 \\
      --method usif --save-model usif.npz
  {CMD} -vectors vectors.bin -input test.txt -output test.npy --model usif.npz
  {CMD} -vectors vectors.bin -input titles.txt -output titles.npy --method mean
"""


def embed_parser() -> Parser:
    p = Parser(prog=CMD, usage=f"{CMD} -vectors VEC -input FILE -output FILE [flags]",
               description="Sentence vectors from word vectors (mean, SIF, uSIF), one per "
                           "line of a text file.", epilog=EPILOG)
    g = p.add_argument_group("files")
    g.add_argument("-vectors", "--vectors", required=True, metavar="FILE",
                   help="word vectors (word2vec binary or text, GloVe text, npy)")
    g.add_argument("-input", "--input", required=True, metavar="FILE",
                   help="one sentence per line (- for standard input)")
    g.add_argument("-output", "--output", required=True, metavar="FILE",
                   help="where the sentence vectors go (.npy, .bin, else text)")
    add_format_flags(p, "the sentence vectors")
    g.add_argument("--counts-from", metavar="CORPUS",
                   help="count the words of this text for SIF/uSIF's weights")
    fit = g.add_mutually_exclusive_group()
    fit.add_argument("--save-model", metavar="M.npz",
                     help="also write the fitted embedding (weights, components)")
    fit.add_argument("--model", metavar="M.npz",
                     help="embed with a saved embedding instead of fitting on -input")
    g = p.add_argument_group("method")
    g.add_argument("--method", choices=("sif", "usif", "mean"), default=None,
                   help="sif (default), usif or mean")
    g.add_argument("--a", type=float_at_least(0, True), default=None, metavar="X",
                   help="SIF's a (default 1e-3; uSIF computes its own unless given)")
    g.add_argument("--components", type=int_at_least(0), default=None, metavar="K",
                   help="principal components removed (default: sif 1, usif 5, mean 0)")
    g.add_argument("--threads", type=int_at_least(1), default=None, metavar="N",
                   help="threads (default: all cores; the output does not depend on it)")
    g.add_argument("-q", "--quiet", action="store_true", help="no summary line on stderr")
    return p


def _read_lines(path) -> list:
    """The lines of ``path`` (or standard input) as strings, line ends removed."""
    from ..compression import open_read  # start-up time (see dispatch)
    if path == "-":
        data = sys.stdin.buffer.read()
    else:
        with open_read(path) as f:
            data = f.read()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise CLIError(f"-input {path}: not UTF-8 text (byte {e.start})") from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the last line's newline
    return lines


def _counts(path) -> dict:
    from ..vocab import Vocab
    check_readable(path, "--counts-from")
    vocab = Vocab.build(path, min_count=1)
    if len(vocab) == 0:
        raise CLIError(f"--counts-from {path}: no words")
    return dict(zip(vocab.words, vocab.counts.tolist()))


def _write(path, matrix, binary):
    import numpy as np

    from .._atomic import atomic_open
    from ..vectors import Vectors
    if path.lower().endswith(".npy"):
        with atomic_open(path) as f:
            np.save(f, matrix)
        return
    Vectors([str(i) for i in range(len(matrix))], matrix).save(
        path, binary=binary_for(path, binary, default=False))


def run_embed(argv) -> int:
    """``embed -vectors VEC -input FILE -output FILE [flags]``."""
    a = embed_parser().parse_strict(argv)
    if a.model is not None and (a.method or a.a is not None or a.components is not None
                                or a.counts_from):
        raise UsageError("--model brings its method, weights and components: drop --method, "
                         "--a, --components and --counts-from")
    check_readable(a.vectors, "-vectors")
    check_readable(a.input, "-input")
    if a.model is not None:
        check_readable(a.model, "--model")
    check_writable(a.output, "-output")
    if a.save_model is not None:
        check_writable(a.save_model, "--save-model")
    if a.output.lower().endswith(".npy") and a.binary is not None:
        raise UsageError("--binary/--text do not apply to a .npy -output")

    from ..sentences import SentenceEmbedding  # start-up time (see dispatch)
    t0 = time.perf_counter()
    vecs = load_vectors(a.vectors)
    method = a.method or "sif"
    counts = None
    if a.model is None and method != "mean":
        if a.counts_from is not None:
            counts = _counts(a.counts_from)
        elif vecs.counts is None:
            raise CLIError(f"--method {method} weighs words by their frequency, and "
                           f"{a.vectors} has no counts (vector files do not store them): "
                           "give --counts-from CORPUS (the text the vectors were trained "
                           "on), or --method mean")
    lines = _read_lines(a.input)
    if a.model is not None:
        emb = SentenceEmbedding.load(a.model, vecs, threads=a.threads)
        out = emb.transform(lines)
    else:
        if not lines:
            raise CLIError(f"-input {a.input}: no lines to embed")
        emb = SentenceEmbedding(vecs, method, a=a.a, counts=counts, components=a.components,
                                threads=a.threads)
        out = emb.fit_transform(lines)
        if a.save_model is not None:
            emb.save(a.save_model)
    _write(a.output, out, a.binary)
    if not a.quiet:
        extra = f", embedding in {a.save_model}" if a.save_model else ""
        say(f"{len(lines):,} sentences, {emb.method}, dim {vecs.dim}: wrote {a.output}{extra} "
            f"({time.perf_counter() - t0:.2f} s)")
    return 0
