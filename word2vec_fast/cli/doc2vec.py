"""``word2vec-fast doc2vec train|infer``: paragraph vectors (:mod:`word2vec_fast.doc2vec`),
one document per line, with Python-style flags and the Python API's defaults.
"""
from __future__ import annotations

import argparse
import os
import pathlib
import sys
import time

from ..params import has_output_layer
from .common import (PROG, CLIError, Parser, UsageError, add_format_flags, binary_for,
                     check_readable, check_writable, float_at_least, int_at_least, say,
                     suggest)

CMD = f"{PROG} doc2vec"
ACTIONS = {"train": "train document vectors, one per line of the input files",
           "infer": "vectors of new lines against a model --save-model wrote"}

FORMATS = """\
Output formats, by extension: .bin word2vec's binary format, .txt/.vec text (.gz/.bz2/
.xz compress; --binary / --text override), .npy the float32 matrix (np.load reads it)
with its keys in FILE.npy.words (word2vec_fast.load reads both).  The key of a row is
its document's tag: by default the line number, from 0, counted across the files.
"""

HELP = f"""\
usage: {CMD} train -input FILE [FILE ...] -output FILE [flags]
       {CMD} infer --model M.npz -input FILE -output FILE [flags]

Paragraph vectors (Le & Mikolov 2014; gensim's Doc2Vec): one vector per document, a
document being one line of text (tokens split on whitespace, as in training).

actions:
""" + "".join(f"  {k:<8} {v}\n" for k, v in ACTIONS.items()) + f"""
{FORMATS}
examples:
  {CMD} train -input docs.txt -output docs.bin --save-model docs.npz
  {CMD} train -input a.txt b.txt.gz -output docs.npy --dm --dim 300 --epochs 20
  {CMD} train -input tagged.tsv -output docs.txt --tags column
  {CMD} infer --model docs.npz -input new.txt -output new.npy

See {CMD} train --help and {CMD} infer --help for the flags.
"""

TRAIN_EPILOG = f"""\
Every line is a document, an empty one too, so with the default --tags line, row k of
-output is line k of the input (counted from 0 across the files).  With --tags column
each line is TAGS<tab>TEXT (--tag-sep changes the tab): the tags (several separated by
spaces) become the keys, one row per distinct tag, in order of first appearance.

{FORMATS}
--save-model keeps the whole model (words, output layer, documents) for
'{CMD} infer' and the Python API (word2vec_fast.doc2vec.load_model).
--word-vectors writes the word vectors too; plain PV-DBOW does not train them, so it
needs --dm or --dbow-words.

examples:
  {CMD} train -input docs.txt -output docs.bin --save-model docs.npz
  {CMD} train -input docs.txt.gz -output docs.txt --dm --dim 300 --window 8 --epochs 20
  {CMD} train -input docs.txt -output docs.npy --dbow-words --word-vectors words.bin
  {CMD} train -input tagged.tsv -output docs.txt --tags column --tag-sep '|'
"""

INFER_EPILOG = f"""\
Each line of -input is a document (plain text, no tag column; .gz/.bz2/.xz read too,
- for standard input), split into tokens as training did; tokens the model does not
know are skipped.  Row k of -output is line k (its key is "k", from 0).  A line with no
word the model knows (a blank line too) has nothing to infer from: that is an error
naming the line, unless --skip-empty, which writes the zero vector for it (so that row
k is still line k) and counts those lines in the summary.

The vectors do not depend on --threads, on the other lines or on their order: a line
gets the same vector as the Python API's model.infer_vectors([tokens]) gives its tokens.

{FORMATS}
examples:
  {CMD} infer --model docs.npz -input new.txt -output new.npy
  {CMD} infer --model docs.npz -input new.txt.gz -output new.bin --epochs 50 --skip-empty
"""


def _tag_sep(s):
    """argparse type for --tag-sep: a non-empty string, ``\\t`` read as a tab."""
    s = s.replace("\\t", "\t")
    if not s:
        raise argparse.ArgumentTypeError("must not be empty")
    return s


def _parser(action, usage, description, epilog, what, **input_kw):
    """An action's parser and its "files" group: -input, -output and --binary/--text."""
    p = Parser(prog=f"{CMD} {action}", usage=f"{CMD} {action} {usage}",
               description=description, epilog=epilog)
    g = p.add_argument_group("files")
    g.add_argument("-input", "--input", required=True, metavar="FILE", **input_kw)
    g.add_argument("-output", "--output", required=True, metavar="FILE",
                   help=f"where {what} go (.bin, .txt/.vec, .npy)")
    add_format_flags(g, what)
    return p, g


def train_parser() -> Parser:
    """The flags of ``doc2vec train`` (the Python API's names and defaults)."""
    p, g = _parser("train", "-input FILE [FILE ...] -output FILE [flags]",
                   "Train paragraph vectors (PV-DBOW by default, or PV-DM), one per line of "
                   "the input files.", TRAIN_EPILOG, "the document vectors", nargs="+",
                   help="documents, one per line (.gz/.bz2/.xz read too; - for standard "
                        "input; a directory: its files)")
    g.add_argument("--save-model", metavar="M.npz",
                   help="also save the model, for 'infer' and doc2vec.load_model")
    g.add_argument("--word-vectors", metavar="FILE",
                   help="also write the word vectors (.bin, .txt/.vec, .npy; needs --dm or "
                        "--dbow-words)")
    g = p.add_argument_group("model")
    g.add_argument("--dm", action="store_true", help="PV-DM instead of PV-DBOW")
    g.add_argument("--dm-mean", type=int, choices=(0, 1), default=None, metavar="0|1",
                   help="PV-DM: 1 = mean of the context and document rows (default), "
                        "0 = their sum")
    g.add_argument("--dbow-words", action="store_true",
                   help="PV-DBOW: also train word vectors (skip-gram) on the same text")
    g.add_argument("--dim", "--size", type=int_at_least(1), default=100, metavar="N",
                   help="vector size (default 100)")
    g.add_argument("--window", type=int_at_least(1), default=5, metavar="N",
                   help="context window of PV-DM and --dbow-words (default 5)")
    g.add_argument("--negative", type=int_at_least(0), default=5, metavar="N",
                   help="negative samples (default 5; 0 = none, needs --hs)")
    g.add_argument("--hs", action="store_true", help="hierarchical softmax")
    g = p.add_argument_group("vocabulary and tags")
    g.add_argument("--min-count", type=int_at_least(1), default=5, metavar="N",
                   help="ignore rarer words (default 5)")
    g.add_argument("--max-final-vocab", type=int_at_least(1), default=None, metavar="N",
                   help="keep at most the N most frequent words")
    g.add_argument("--sample", type=float_at_least(0), default=1e-3, metavar="X",
                   help="subsampling threshold (default 1e-3; 0 = off)")
    g.add_argument("--tags", choices=("line", "column"), default="line",
                   help="line (default): the key of a document is its line number; "
                        "column: TAGS<tab>TEXT lines")
    g.add_argument("--tag-sep", type=_tag_sep, default=None, metavar="STR",
                   help="with --tags column: what ends the tags (default a tab; \\t is a "
                        "tab)")
    g = p.add_argument_group("training")
    g.add_argument("--epochs", "--iter", type=int_at_least(1), default=10, metavar="N",
                   help="passes over the documents (default 10, gensim's)")
    g.add_argument("--alpha", type=float_at_least(0, True), default=None, metavar="X",
                   help="initial learning rate (default 0.025 PV-DBOW, 0.05 PV-DM)")
    g.add_argument("--min-alpha", type=float_at_least(0), default=1e-4, metavar="X",
                   help="final learning rate (default 1e-4; inference uses it too)")
    g.add_argument("--threads", type=int_at_least(1), default=None, metavar="N",
                   help="threads (default: all cores)")
    g.add_argument("--seed", type=int_at_least(0), default=1, metavar="N",
                   help="random seed (default 1)")
    g.add_argument("--batch-size", "--batch", type=int_at_least(1), default=None,
                   metavar="N", help="centre words sharing one draw of negatives "
                                     "(default: PV-DBOW 3 in blocks of 6, PV-DM 1)")
    g.add_argument("-q", "--quiet", action="store_true", help="no progress bar or summary")
    return p


def infer_parser() -> Parser:
    """The flags of ``doc2vec infer``."""
    p, g = _parser("infer", "--model M.npz -input FILE -output FILE [flags]",
                   "Vectors of new documents, one per line, against a model 'doc2vec train "
                   "--save-model' wrote.", INFER_EPILOG, "the inferred vectors",
                   help="documents, one per line (- for standard input)")
    g.add_argument("--model", required=True, metavar="M.npz",
                   help="the model (doc2vec train --save-model)")
    g = p.add_argument_group("inference (defaults: the model's settings)")
    for names, conv, metavar, text in (
            (("--epochs", "--iter"), int_at_least(1), "N", "passes over each document"),
            (("--alpha",), float_at_least(0, True), "X", "learning rate of the first pass"),
            (("--min-alpha",), float_at_least(0), "X", "learning rate of the last pass"),
            (("--threads",), int_at_least(1), "N",
             "threads (default: all cores; the vectors do not depend on it)")):
        g.add_argument(*names, type=conv, default=None, metavar=metavar, help=text)
    g.add_argument("--skip-empty", action="store_true",
                   help="a line with no known word gets the zero vector instead of an error")
    g.add_argument("-q", "--quiet", action="store_true", help="no summary line")
    return p


def _format(path, binary, flag):
    """``"npy"`` or ``(binary: bool)`` for an output, from its extension and the flag."""
    if os.fspath(path).lower().endswith(".npy"):
        if binary is not None:
            raise UsageError(f"--binary/--text do not apply to a .npy {flag}")
        return "npy"
    try:
        return binary_for(path, binary)
    except UsageError:
        override = " (or add --binary or --text)" if flag == "-output" else ""
        raise UsageError(f"{flag} {path}: cannot tell the format from the extension: use .bin "
                         f"(binary), .txt/.vec (text) or .npy{override}") from None


def _save(vecs, path, fmt) -> None:
    if fmt == "npy":
        vecs.save(path, format="npy")
    else:
        vecs.save(path, binary=fmt)


def _check_distinct(outputs) -> None:
    """No two outputs the same file (a .npy's words file included)."""
    seen = {}
    for path, flag, fmt in outputs:
        files = [path] + ([path + ".words"] if fmt == "npy" else [])
        for f in files:
            key = os.path.abspath(f)
            if key in seen:
                raise UsageError(f"{flag} {path} would overwrite {seen[key]}")
            seen[key] = f"{flag} {path}"


def _check_train_flags(a) -> None:
    if not has_output_layer(a.negative, a.hs):
        raise UsageError("--negative 0 without --hs trains nothing: set --negative > 0 or "
                         "add --hs")
    if a.dm and a.dbow_words:
        raise UsageError("--dbow-words is for PV-DBOW (PV-DM trains the word vectors "
                         "anyway): drop --dm or --dbow-words")
    if a.dm_mean is not None and not a.dm:
        raise UsageError("--dm-mean needs --dm")
    if a.tag_sep is not None and a.tags != "column":
        raise UsageError("--tag-sep needs --tags column")
    if a.word_vectors and not (a.dm or a.dbow_words):
        raise UsageError("plain PV-DBOW does not train word vectors: --word-vectors needs "
                         "--dm or --dbow-words")
    if a.input.count("-") > 1 or ("-" in a.input and len(a.input) > 1):
        raise UsageError("standard input (-) can only be the one -input")


def run_train(argv) -> int:
    """``doc2vec train -input FILE ... -output FILE [flags]``."""
    a = train_parser().parse_strict(argv)
    _check_train_flags(a)
    outputs = [(a.output, "-output", _format(a.output, a.binary, "-output"))]
    if a.save_model:
        outputs.append((a.save_model, "--save-model", None))
    if a.word_vectors:
        outputs.append((a.word_vectors, "--word-vectors",
                        _format(a.word_vectors, None, "--word-vectors")))
    _check_distinct(outputs)
    for path in a.input:
        if not os.path.isdir(path):
            check_readable(path, "-input")
    for path, flag, _ in outputs:
        check_writable(path, flag)

    from .. import doc2vec  # start-up time (see dispatch)
    from .pipeline import setup_logging
    setup_logging(False)
    t0 = time.perf_counter()
    corpus = a.input[0] if len(a.input) == 1 else [pathlib.Path(p) for p in a.input]
    model = doc2vec.train(
        corpus, dm=a.dm, dim=a.dim, window=a.window, negative=a.negative, hs=a.hs,
        dm_mean=a.dm_mean != 0, dbow_words=a.dbow_words, sample=a.sample,
        min_count=a.min_count, max_final_vocab=a.max_final_vocab, alpha=a.alpha,
        min_alpha=a.min_alpha, epochs=a.epochs, threads=a.threads, seed=a.seed,
        batch=True if a.batch_size is None else a.batch_size, tags=a.tags,
        tag_sep="\t" if a.tag_sep is None else a.tag_sep,
        progress=False if a.quiet else None)
    _save(model.dv, a.output, outputs[0][2])
    wrote = [a.output]
    if a.save_model:
        model.save_model(a.save_model)
        wrote.append(f"model {a.save_model}")
    if a.word_vectors:
        _save(model.wv, a.word_vectors, outputs[-1][2])
        wrote.append(f"word vectors {a.word_vectors}")
    s = model.stats
    kind = "PV-DM" if a.dm else "PV-DBOW" + (" + words" if a.dbow_words else "")
    say(f"{kind}: {len(model.tags):,} document vectors, vocabulary {len(model.vocab):,} "
        f"words, {a.epochs} epochs: {s['words']:,} words in {s['train_seconds']:.2f} s "
        f"({s['words_per_sec']:,.0f} words/s; {time.perf_counter() - t0:.2f} s in all); "
        f"wrote {', '.join(wrote)}", quiet=a.quiet)
    return 0


def _load_model(path):
    from .. import doc2vec
    check_readable(path, "--model")
    try:
        return doc2vec.load_model(path)
    except ValueError as e:  # names the file, says what it is instead
        raise CLIError(f"--model {e}") from None


def run_infer(argv) -> int:
    """``doc2vec infer --model M.npz -input FILE -output FILE [flags]``."""
    a = infer_parser().parse_strict(argv)
    fmt = _format(a.output, a.binary, "-output")
    check_readable(a.input, "-input")
    check_writable(a.output, "-output")

    import numpy as np  # start-up time (see dispatch)

    from .. import doc2vec
    from ..vectors import Vectors
    t0 = time.perf_counter()
    model = _load_model(a.model)
    name = "standard input" if a.input == "-" else f"-input {a.input}"
    try:  # the scanner that trained the model splits the lines the same way
        enc = doc2vec.read_documents(a.input, vocab=model.vocab)
    except ValueError as e:
        raise CLIError(f"{name}: {e}") from None
    offsets = enc.offsets.tolist()
    ids, words = enc.ids.tolist(), model.vocab.words
    n = len(offsets) - 1
    empty = [k for k in range(n) if offsets[k] == offsets[k + 1]]
    if empty and not a.skip_empty:
        k = empty[0]
        more = f" ({len(empty):,} such lines in all)" if len(empty) > 1 else ""
        raise CLIError(f"{name}, line {k + 1} (row {k}): no word the model knows, "
                       f"nothing to infer its vector from{more}; --skip-empty writes the "
                       "zero vector for such lines")
    keep = [k for k in range(n) if offsets[k] != offsets[k + 1]]
    docs = [[words[i] for i in ids[offsets[k]:offsets[k + 1]]] for k in keep]
    out = np.zeros((n, model.params["dim"]), dtype=np.float32)
    out[keep] = model.infer_vectors(docs, epochs=a.epochs, alpha=a.alpha,
                                    min_alpha=a.min_alpha, threads=a.threads)
    _save(Vectors([str(k) for k in range(n)], out), a.output, fmt)
    zeros = f", {len(empty):,} with no known word: zero vectors" if empty else ""
    say(f"{n:,} documents ({enc.dropped:,} unknown tokens skipped{zeros}), dim "
        f"{out.shape[1]}: wrote {a.output} ({time.perf_counter() - t0:.2f} s)",
        quiet=a.quiet)
    return 0


def run_doc2vec(argv) -> int:
    """``word2vec-fast doc2vec train|infer ...``."""
    if not argv or argv[0] in ("-h", "--help", "-help", "help"):
        sys.stdout.write(HELP)
        return 0
    action, rest = argv[0], argv[1:]
    if action == "train":
        return run_train(rest)
    if action == "infer":
        return run_infer(rest)
    raise UsageError(f"unknown doc2vec action {action!r}{suggest(action, ACTIONS)}; "
                     f"actions: {', '.join(ACTIONS)} (see {CMD} --help)")
