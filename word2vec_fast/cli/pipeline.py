"""The training run shared by the drop-in mode and ``train``: vocabulary, training,
output, summary.

The options arrive under the ``train`` names, with the flag names to quote in
messages.  What is word2vec.c's layout rather than the library's lives here: the
``</s>`` row and vocabulary line (``eos_layout``), word2vec.c's first stdout lines,
``word class`` lines for ``-classes``.
"""
from __future__ import annotations

import logging
import sys
import time

import numpy as np

from ..corpus import count_and_encode
from ..scan import count_newlines
from ..kmeans import kmeans_classes
from ..errors import TrainingInterrupted
from ..training import train
from ..vectors import Vectors
from ..vocab import Vocab
from .common import CLIError, binary_for, check_readable, check_writable, say, write_atomically

EOS = "</s>"  # word2vec.c's end-of-sentence token, vocab[0]


def read_vocab(path, min_count):
    """A vocabulary file (ours or word2vec.c's) minus ``</s>``, and ``</s>``'s count."""
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
    # a subword model's word vectors are the means of their rows (fastText's .vec)
    mat = model.wv.vectors if getattr(model, "subwords", None) is not None else model.vectors
    words = model.words
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
    # word2vec.c's -classes output: "word class" lines (a buffered file writes all it is given)
    data = "".join(f"{w} {c}\n" for w, c in zip(words, cl.tolist()))
    write_atomically(path, lambda f: f.write(data.encode("utf-8", "surrogateescape")))


def train_or_keep(run, save_on_interrupt: bool, output) -> tuple:
    """``(model, 0)`` from ``run()``; after Ctrl-C, with ``save_on_interrupt``, the
    partial model and exit status 130 (without it, the interrupt goes on)."""
    try:
        return run(), 0
    except TrainingInterrupted as e:
        if not save_on_interrupt:
            raise
        say(f"interrupted: saving what was trained ({e.model.stats.get('words', 0):,} words) "
            f"to {output}")
        return e.model, 130


def run_training(o) -> int:
    """Shared by both modes; ``o`` holds the options under the ``train`` names, plus
    ``counting`` (keyword arguments of the vocabulary and encoding: ``max_vocab_size``,
    ``max_final_vocab``, ``max_token_bytes``, ``spill_bytes``, ``spill_dir``) and
    ``training`` (more keyword arguments of :func:`word2vec_fast.train`)."""
    check_readable(o.corpus, o.flag_train)
    if o.read_vocab:
        check_readable(o.read_vocab, o.flag_read_vocab)
    ft_prefix = getattr(o, "fasttext_output", None)  # a subword model's .bin and .vec too
    ft_files = (ft_prefix + ".bin", ft_prefix + ".vec") if ft_prefix else ()
    for path, flag in ((o.output, o.flag_output), (o.save_vocab, o.flag_save_vocab),
                       *((f, "--fasttext-output") for f in ft_files)):
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
        # one pass counts and encodes (standard input can be read only once); word2vec.c
        # reads a literal </s> as a sentence end, so it is never a trained word
        corpus = count_and_encode(o.corpus, min_count=o.min_count,
                                  **o.counting).without_word(EOS)
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
                  batch=False if o.classic else (True if o.batch_size is None else o.batch_size),
                  **o.training)
    if o.read_vocab:  # train() encodes the text
        params.update({k: v for k, v in o.counting.items() if k not in ("max_vocab_size",
                                                                      "max_final_vocab")})
    model, status = train_or_keep(lambda: train(corpus, **params), o.save_on_interrupt,
                                  o.output)
    what = write_output(model, o.output, binary=binary, classes=o.classes,
                        eos_row=o.eos_layout, seed=o.seed)
    if ft_prefix:
        from ..fasttext import save_fasttext_files  # start-up time (see dispatch)
        save_fasttext_files(model, ft_prefix)
        what += f" to {o.output}, and {' and '.join(ft_files)}"
    else:
        what += f" to {o.output}"
    s = model.stats
    total = time.perf_counter() - t0
    say(f"trained {s['words']:,} words in {s['train_seconds']:.2f} s "
        f"({s['words_per_sec']:,.0f} words/s; {total:.2f} s in all); vocabulary "
        f"{len(vocab):,} words{_grams(model)}; wrote {what}", quiet=o.quiet)
    if not o.quiet:
        # machine-readable summary, parsed by bench/compare.py: keep the keys
        print(f"train_seconds={s['train_seconds']:.3f} words={s['words']} "
              f"words_per_sec={s['words_per_sec']:.0f} vocab={n_out} "
              f"total_seconds={total:.3f} output={o.output}", file=sys.stderr, flush=True)
    return status


def _grams(model) -> str:
    sub = getattr(model, "subwords", None)
    return "" if sub is None else f", n-grams {sub.minn}-{sub.maxn} in {sub.buckets:,} buckets"


def setup_logging(verbose):
    """Library log lines (INFO when ``verbose``) on stderr, with a time stamp."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr)
