"""``word2vec-fast``'s entry point: pick the mode or subcommand, map errors to exit codes.

The dispatcher imports a subcommand's module only when that command runs, and the
library only where a function needs it, so that ``word2vec-fast --help`` and usage
errors stay quick: those imports inside functions are there for start-up time.
"""
from __future__ import annotations

import importlib
import os
import sys
import warnings

from .. import __version__, _kernels
from .common import PROG, CLIError, UsageError, suggest

COMMANDS = {
    "train": "train vectors (Python-style flags; word2vec.c's flags work without a command)",
    "phrases": "join frequent word pairs, new york -> new_york (a drop-in for word2phrase)",
    "similar": "nearest neighbours of words (like word2vec.c's distance)",
    "analogy": "A is to B as C is to ? (like word-analogy)",
    "eval": "analogy accuracy and word-pair correlations (like compute-accuracy)",
    "convert": "binary <-> text, or the first N vectors",
    "info": "size, dimension, format, norms and a sample of a vectors file",
    "plot": "2-D PCA map of words and their neighbours (needs matplotlib)",
    "demo": "train on the installed Python's documentation and show what came out",
    "compute-accuracy": "word2vec.c's compute-accuracy VECTORS [THRESHOLD] < questions",
    "distance": "word2vec.c's interactive distance loop",
    "word-analogy": "word2vec.c's interactive word-analogy loop",
    "fasttext": "fastText's skipgram, cbow, print-word-vectors, nn (subword vectors)",
    "glove": "GloVe vectors: Stanford's vocab_count, cooccur, shuffle, glove in one (its flags)",
    "embed": "sentence vectors (SIF, uSIF, mean) from word vectors, one per line of a file",
    "doc2vec": "paragraph vectors: train one vector per line of a file, infer new ones",
}

HELP = f"""\
usage: {PROG} -train FILE -output FILE [word2vec.c flags]   (drop-in for word2vec.c)
       {PROG} COMMAND [args]                                 (see {PROG} COMMAND --help)

Fast word2vec training and everyday tools for word-vector files.

commands:
""" + "".join(f"  {k:<16} {v}\n" for k, v in COMMANDS.items()) + f"""
word2vec.c's training flags (same meanings and defaults: CBOW, 12 threads, ...):
  -train -output -size -window -sample -hs -negative -threads -iter -min-count -alpha
  -classes -debug -binary -save-vocab -read-vocab -cbow     (all listed below)
and ours: -seed -batch -batch-size -progress -save-on-interrupt

examples:
  {PROG} demo                                            # no download needed
  {PROG} -train text8 -output vectors.bin -cbow 0 -size 200 -window 5 -negative 5 \\
      -hs 0 -sample 1e-4 -threads 20 -binary 1 -iter 15
  {PROG} train corpus.txt.gz -o vectors.bin --threads 4
  {PROG} phrases -train text8 -output text8-phrases -threshold 100   (word2phrase's flags)
  {PROG} glove -input text8 -output vectors.txt -min-count 5 -x-max 10   (Stanford's flags)
  {PROG} embed -vectors vectors.bin -input lines.txt -output lines.npy --counts-from text8
  {PROG} doc2vec train -input docs.txt -output docs.bin --save-model docs.npz
  {PROG} doc2vec infer --model docs.npz -input new.txt -output new.npy
  {PROG} similar vectors.bin king queen -n 5
  {PROG} analogy vectors.bin man king woman
  {PROG} eval vectors.bin --analogies questions-words.txt --pairs wordsim353.tsv
  {PROG} convert vectors.bin vectors.txt --limit 50000
  {PROG} info vectors.bin
  {PROG} plot vectors.bin king paris -o map.png
  {PROG} compute-accuracy vectors.bin 30000 < questions-words.txt

exit status: 0 ok, 1 error, 2 usage error, 130 interrupted (Ctrl-C)
"""


# the module of word2vec_fast.cli that runs each command, as run_<command>(argv)
MODULES = {"train": "train", "phrases": "phrases", "similar": "neighbours", "analogy": "neighbours",
           "eval": "evaluate", "convert": "convert", "info": "info", "plot": "plot",
           "demo": "demo", "compute-accuracy": "ctools", "distance": "ctools",
           "word-analogy": "ctools", "fasttext": "fasttext", "glove": "glove",
           "embed": "embed", "doc2vec": "doc2vec"}


def _runner(name):
    # a command's module, and the library it uses, load only when it runs (start-up time)
    module = importlib.import_module(f".{MODULES[name]}", __package__)
    return getattr(module, f"run_{name.replace('-', '_')}")


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"{PROG}: warning: {message}", file=sys.stderr, flush=True)


def _dispatch(argv) -> int:
    if not argv or argv[0] in ("-h", "--help", "-help", "help"):
        if len(argv) > 1 and argv[0] == "help":
            return _dispatch([argv[1], "--help"])
        from .dropin import dropin_parser  # in functions: start-up time (module docstring)
        sys.stdout.write(HELP + "\n" + dropin_parser().format_help())
        return 0
    first = argv[0]
    if first in ("--version", "-version", "-V"):
        print(f"{PROG} {__version__}\nbatched kernels: {_kernels.simd_isa()}")
        return 0
    if first in COMMANDS:
        return _runner(first)(argv[1:])
    if first.startswith("-"):
        from .dropin import run_dropin
        return run_dropin(argv)
    raise UsageError(f"unknown command {first!r}{suggest(first, COMMANDS)}; commands: "
                     f"{', '.join(COMMANDS)}, or word2vec.c's -train ... flags")


def main(argv=None) -> int:
    """Run the command; returns the exit status (0 ok, 1 error, 2 usage, 130 Ctrl-C)."""
    argv = sys.argv[1:] if argv is None else [os.fspath(a) for a in argv]
    from ..errors import VectorsFormatError
    old_show = warnings.showwarning
    warnings.showwarning = _show_warning
    try:
        return _dispatch(argv)
    except SystemExit as e:  # argparse's --help
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except KeyboardInterrupt:
        print(f"\n{PROG}: interrupted", file=sys.stderr)
        return 130
    except UsageError as e:
        print(f"{PROG}: usage error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # the reader went away (e.g. `| head`): stop quietly
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 0
    except (CLIError, VectorsFormatError) as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 1
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError) as e:
        where = f"{e.filename}: " if e.filename else ""
        print(f"{PROG}: error: {where}{e.strerror or e}", file=sys.stderr)
        return 1
    except (ValueError, TypeError, OSError, LookupError, MemoryError) as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 1
    finally:
        warnings.showwarning = old_show

