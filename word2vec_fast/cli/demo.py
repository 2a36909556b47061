"""``word2vec-fast demo``: the whole job on a fresh machine, with no download.

The corpus is the prose every Python installation carries: the docstrings and
comments of the standard library's modules (read with :mod:`tokenize`, never
imported) and the language reference topics of :mod:`pydoc_data`, about 600,000
words.  The demo trains skip-gram vectors on it, saves them, shows neighbours of
a few words and evaluates them on two small sets written for this domain (word
pairs rated for relatedness, and analogies), next to random vectors of the same
vocabulary as the floor.  ``--corpus`` trains on your text instead.
"""
from __future__ import annotations

import io
import os
import re
import sys
import sysconfig
import time
import tokenize

import numpy as np

from ..evaluation import evaluate_analogies, evaluate_word_pairs
from ..training import train
from ..vectors import Vectors
from .common import (CLIError, Parser, check_readable, float_at_least, int_at_least,
                     write_atomically)
from .evaluate import run_eval

SKIP_DIRS = {"test", "tests", "idlelib", "lib2to3", "turtledemo", "site-packages",
             "dist-packages", "__pycache__", "ensurepip"}
_WORD = re.compile(r"[a-z]+")

# Relatedness of word pairs in the language of Python's documentation, 0 (unrelated)
# to 10 (same meaning), rated by hand for this demo.
DEMO_PAIRS = """\
file directory 8
file path 8
file filename 9
socket connection 8
socket network 8
thread lock 7
thread process 7
thread threading 9
list tuple 8
list sequence 8
dict mapping 9
dict dictionary 10
string str 9
string text 8
integer int 10
integer float 7
integer number 8
error exception 9
exception raise 8
true false 7
read write 7
open close 7
encode decode 8
encoding codec 8
compress decompress 8
server client 8
request response 8
key value 7
import module 8
class instance 8
method function 8
argument parameter 9
attribute method 6
email message 7
url http 8
date time 8
time seconds 8
zip archive 8
tar archive 8
pattern regular 7
iterator generator 8
async await 9
coroutine await 8
memory buffer 6
pickle json 6
unittest test 8
thread email 1
socket unicode 1
file thread 2
integer email 1
list socket 1
tuple network 1
compress calendar 1
dict thread 1
string socket 2
exception calendar 1
zip thread 1
pickle date 1
url integer 1
async tar 1
lock encoding 1
pattern socket 1
date compress 1
coroutine zip 1
"""

# Analogy sections ("a b" pairs; every two pairs of a section make a question).
# Sections named gram-* count as syntactic, the others as semantic.
DEMO_ANALOGIES = {
    "exceptions": "key keyerror|value valueerror|type typeerror|index indexerror|"
                  "attribute attributeerror|import importerror|name nameerror|"
                  "lookup lookuperror|runtime runtimeerror|os oserror",
    "opposites": "read write|open close|encode decode|get set|true false|client server|"
                 "compress decompress|acquire release|input output|min max|upper lower|"
                 "add remove|enable disable|start end",
    "gram-plural": "file files|thread threads|socket sockets|process processes|"
                   "string strings|module modules|function functions|argument arguments|"
                   "object objects|value values|key keys|line lines|character characters|"
                   "directory directories|class classes|method methods|error errors|"
                   "name names",
    "gram-3rd-person": "read reads|write writes|return returns|call calls|create creates|"
                       "open opens|close closes|raise raises|contain contains|use uses|"
                       "accept accepts|add adds",
    "gram-past-tense": "call called|create created|raise raised|return returned|"
                       "open opened|close closed|use used|pass passed|add added|"
                       "remove removed|read read|write written",
}

DEMO_WORDS = ("file", "thread", "socket", "integer", "error", "list")


def demo_parser():
    """The flags of ``word2vec-fast demo``."""
    p = Parser(prog="word2vec-fast demo",
               description="Train on text every Python installation has (the standard "
                           "library's documentation), save the vectors, show neighbours and "
                           "an evaluation.  No download, well under a minute.",
               epilog="""\
Writes into DIR (default ./word2vec-demo): corpus.txt (the gathered text), vectors.bin,
and the built-in evaluation sets pairs.txt and analogies.txt, so that the other
commands can be tried on them afterwards.

examples:
  word2vec-fast demo
  word2vec-fast demo --corpus my_text.txt --words king paris -o my-demo
  word2vec-fast demo --max-words 100000 --epochs 2 --quiet
""")
    a = p.add_argument
    a("--corpus", metavar="FILE", help="train on this text instead of Python's documentation")
    a("-o", "--output-dir", default="word2vec-demo", metavar="DIR",
      help="where to write the results (default ./word2vec-demo)")
    a("--words", nargs="+", metavar="WORD", help="words whose neighbours to show")
    a("--max-words", type=int_at_least(1000), default=None, metavar="N",
      help="gather at most N words of documentation (default: all, about 600,000)")
    a("--dim", type=int_at_least(1), default=100, help="vector size (default 100)")
    a("--epochs", type=int_at_least(1), default=5, help="epochs (default 5)")
    a("--min-count", type=int_at_least(1), default=5, help="ignore rarer words (default 5)")
    a("--sample", type=float_at_least(0), default=1e-3, help="subsampling (default 1e-3)")
    a("--threads", type=int_at_least(1), default=None, help="threads (default: all cores)")
    a("--seed", type=int_at_least(0), default=1, help="random seed (default 1)")
    a("--analogies", nargs="+", default=[], metavar="FILE",
      help="also evaluate on these analogy files")
    a("--pairs", nargs="+", default=[], metavar="FILE",
      help="also evaluate on these word-pair files")
    a("-q", "--quiet", action="store_true", help="no progress bar")
    return p


# -- the corpus -----------------------------------------------------------------------

def stdlib_sources():
    """The standard library's .py files (tests and vendored packages left out), sorted."""
    root = sysconfig.get_paths()["stdlib"]
    files = []
    for d, dirs, names in os.walk(root):
        dirs[:] = sorted(x for x in dirs if x not in SKIP_DIRS and not x.startswith("."))
        files += [os.path.join(d, n) for n in sorted(names) if n.endswith(".py")]
    return root, files


def _prose(source: bytes):
    """Comments and triple-quoted strings (docstrings) of one Python source file."""
    for tok in tokenize.tokenize(io.BytesIO(source).readline):
        if tok.type == tokenize.COMMENT:
            yield tok.string
        elif tok.type == tokenize.STRING and tok.string.lstrip("rRbBuUfF")[:3] in ('"""',
                                                                                "'''"):
            yield tok.string


def _sentences(text):
    # A paragraph (text up to a blank line) is one sentence; words are lower-cased letters.
    for para in re.split(r"\n\s*\n", text):
        words = _WORD.findall(para.lower())
        if len(words) > 2:
            yield " ".join(words)


def gather_corpus(path, max_words=None, progress=False):
    """Write the standard library's prose to ``path``; returns (words, files, seconds)."""
    t0 = time.perf_counter()
    root, files = stdlib_sources()
    texts = []
    try:
        from pydoc_data.topics import topics  # the language reference, as pydoc shows it
        texts = list(topics.values())
    except ImportError:
        pass
    bar = None
    if progress:
        from tqdm.auto import tqdm  # only when a bar is shown: it is slow to import
        bar = tqdm(total=len(files), unit="file", desc="reading the standard library",
                   leave=False)
    lines, n = [], 0
    try:
        def take(text):
            nonlocal n
            for s in _sentences(text):
                lines.append(s)
                n += s.count(" ") + 1
            return max_words is not None and n >= max_words

        done = any(take(t) for t in texts)
        for f in files:
            if done:
                break
            if bar is not None:
                bar.update(1)
            try:
                with open(f, "rb") as fh:
                    src = fh.read()
                done = any(take(t) for t in _prose(src))
            except (SyntaxError, tokenize.TokenError, UnicodeDecodeError, ValueError, OSError):
                continue  # an odd file is simply left out
    finally:
        if bar is not None:
            bar.close()
    if not lines:
        raise CLIError(f"found no documentation text under {root}; use --corpus FILE")
    data = ("\n".join(lines) + "\n").encode("utf-8")
    write_atomically(path, lambda fh: fh.write(data))
    return n, len(files), time.perf_counter() - t0, root


# -- the built-in evaluation ----------------------------------------------------------

def analogy_questions():
    """questions-words.txt-style text from :data:`DEMO_ANALOGIES`."""
    out = []
    for name, spec in DEMO_ANALOGIES.items():
        pairs = [p.split() for p in spec.split("|")]
        out.append(f": {name}")
        out += [f"{a} {b} {c} {d}" for i, (a, b) in enumerate(pairs)
                for j, (c, d) in enumerate(pairs) if i != j]
    return "\n".join(out) + "\n"


def _evaluate(vecs, pairs_file, analogy_file):
    try:
        p = evaluate_word_pairs(vecs, pairs_file)
    except ValueError:
        p = None
    a = evaluate_analogies(vecs, analogy_file, restrict_vocab=30000)
    return p, a


def _random_like(vecs, seed):
    rng = np.random.default_rng(seed)
    return Vectors(vecs.words, rng.standard_normal(vecs.vectors.shape).astype(np.float32))


# -- the command ----------------------------------------------------------------------

def run_demo(argv) -> int:
    """``word2vec-fast demo``: gather a corpus, train, save, show neighbours and scores."""
    a = demo_parser().parse_strict(argv)
    out = a.output_dir
    if os.path.exists(out) and not os.path.isdir(out):
        raise CLIError(f"--output-dir {out}: exists and is not a directory")
    try:
        os.makedirs(out, exist_ok=True)
    except OSError as e:
        raise CLIError(f"--output-dir {out}: cannot create it ({e.strerror})") from None
    for f in a.analogies:
        check_readable(f, "--analogies")
    for f in a.pairs:
        check_readable(f, "--pairs")
    progress = False if a.quiet else None
    show_bar = not a.quiet and sys.stderr.isatty()
    t_start = time.perf_counter()
    if a.corpus:
        check_readable(a.corpus, "--corpus")
        corpus = a.corpus
        print(f"corpus: {corpus}")
    else:
        corpus = os.path.join(out, "corpus.txt")
        n, nfiles, secs, root = gather_corpus(corpus, a.max_words, progress=show_bar)
        print(f"corpus: {n:,} words of docstrings and comments from {nfiles} modules of "
              f"Python {sys.version_info.major}.{sys.version_info.minor}'s standard library "
              f"({root}), gathered in {secs:.1f} s -> {corpus}")
    sys.stdout.flush()
    model = train(corpus, dim=a.dim, epochs=a.epochs, min_count=a.min_count,
                  sample=a.sample, threads=a.threads, seed=a.seed, progress=progress, sg=True)
    vec_path = os.path.join(out, "vectors.bin")
    model.save(vec_path)
    s = model.stats
    print(f"trained skip-gram, dim {a.dim}, {a.epochs} epochs: {s['words']:,} words in "
          f"{s['train_seconds']:.1f} s ({s['words_per_sec']:,.0f} words/s), vocabulary "
          f"{len(model.words):,} words -> {vec_path}")
    vecs = model.wv
    words = a.words or [w for w in DEMO_WORDS if w in vecs]
    if not words:  # the user's corpus: a few words from its frequent middle range
        v = len(vecs)
        words = [vecs.words[i] for i in range(min(50, v // 4), v, max(1, v // 6))][:5]
    print("\nnearest neighbours (cosine similarity):")
    for w in words:
        if w not in vecs:
            print(f"  {w}: not in the vocabulary")
            continue
        nb = ", ".join(f"{x} {c:.2f}" for x, c in vecs.most_similar(w, topn=6))
        print(f"  {w:>10}: {nb}")

    pairs_file = os.path.join(out, "pairs.txt")
    analogy_file = os.path.join(out, "analogies.txt")
    pairs_text = "# word1 word2 relatedness (0-10), rated by hand for word2vec-fast demo\n" + \
        DEMO_PAIRS
    write_atomically(pairs_file, lambda f: f.write(pairs_text.encode()))
    write_atomically(analogy_file, lambda f: f.write(analogy_questions().encode()))
    print("\nevaluation on the built-in sets "
          "(random: the mean of 5 random vector sets of these words):")
    p, an = _evaluate(vecs, pairs_file, analogy_file)
    # the floor: the mean over a few draws of random vectors (one draw is noisy)
    floors = [_evaluate(_random_like(vecs, a.seed + i), pairs_file, analogy_file)
              for i in range(5)]
    if p is not None:
        rs = np.mean([rp.spearman for rp, _ in floors])
        print(f"  word-pair relatedness, Spearman: {p.spearman:.3f} (random {rs:.3f}); "
              f"{p.pairs} pairs, {p.oov} with unknown words")
    else:
        print("  word-pair relatedness: no pair has both words in the vocabulary")
    if an.evaluated:
        ra = np.mean([ra.accuracy for _, ra in floors])
        print(f"  analogies, top-1 accuracy: {100 * an.accuracy:.1f} % (random "
              f"{100 * ra:.1f} %); {an.evaluated:,} questions, {an.oov:,} skipped "
              "for unknown words")
        for sec in an.sections:
            n = len(sec.correct) + len(sec.incorrect)
            if n:
                print(f"    {sec.name:<16} {100 * sec.accuracy:5.1f} %  of {n}")
    else:
        print("  analogies: no question has all its words in the vocabulary")
    if a.analogies or a.pairs:
        print()
        sys.stdout.flush()
        run_eval([vec_path] + (["--analogies", *a.analogies] if a.analogies else [])
                 + (["--pairs", *a.pairs] if a.pairs else []))
    print(f"\ndone in {time.perf_counter() - t_start:.1f} s.  Try next:\n"
          f"  word2vec-fast similar {vec_path} {words[0] if words else 'WORD'}\n"
          f"  word2vec-fast analogy {vec_path} file files thread\n"
          f"  word2vec-fast eval {vec_path} --pairs {pairs_file} --analogies {analogy_file}\n"
          f"  word2vec-fast info {vec_path}")
    return 0
