"""Pieces shared by the ``word2vec-fast`` commands: the parser, errors, messages, flag
checks, file formats from extensions.

The dispatcher imports this module at start-up, so it imports the library (NumPy, the
compiled engine) only inside the functions that need it: start-up time.
"""
from __future__ import annotations

import argparse
import difflib
import os
import sys

from .._atomic import atomic_open
from ..compression import strip_write_suffix

PROG = "word2vec-fast"


class CLIError(Exception):
    """A user mistake or a failed operation: one line on stderr, exit status 1."""


class UsageError(Exception):
    """The command line itself is wrong: one line on stderr, exit status 2."""


def say(*parts, quiet=False):
    """A progress or summary line on stderr (stdout carries the results)."""
    if not quiet:
        print(f"{PROG}:", *parts, file=sys.stderr, flush=True)


def suggest(word, choices) -> str:
    """`` (did you mean X?)`` for a close match among ``choices``, else ``""``."""
    m = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {m[0]}?)" if m else ""


def int_at_least(lo):
    """argparse type: an integer >= ``lo`` (the message names the bound)."""
    def conv(s):
        try:
            v = int(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {s!r}") from None
        if v < lo:
            raise argparse.ArgumentTypeError(f"must be >= {lo}, got {v}")
        return v
    return conv


def float_at_least(lo, strict=False):
    """argparse type: a finite number >= ``lo`` (> ``lo`` when ``strict``)."""
    def conv(s):
        try:
            v = float(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {s!r}") from None
        if not (v > lo if strict else v >= lo) or v != v or v in (float("inf"), float("-inf")):
            raise argparse.ArgumentTypeError(
                f"must be a finite number {'>' if strict else '>='} {lo:g}, got {s}")
        return v
    return conv


class Parser(argparse.ArgumentParser):
    """argparse with our usage errors: ``word2vec-fast CMD: error: ...``, exit 2."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message):
        raise UsageError(f"{message} (see {self.prog} --help)")

    def parse_strict(self, argv):
        """parse_args, but an unknown flag gets a 'did you mean' suggestion."""
        args, extra = self.parse_known_args(argv)
        if extra:
            flags = [s for a in self._actions for s in a.option_strings]
            bad = extra[0]
            if bad.startswith("-") and len(bad) > 1 and not _is_number(bad):
                self.error(f"unknown flag {bad}{suggest(bad, flags)}")
            self.error(f"unexpected argument {bad!r}")
        return args


def _is_number(s):
    try:
        float(s)
    except ValueError:
        return False
    return True


def add_format_flags(p, what):
    """--binary / --text: override the format an output's extension implies."""
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--binary", dest="binary", action="store_const", const=True, default=None,
                     help=f"write {what} in binary whatever the extension")
    fmt.add_argument("--text", dest="binary", action="store_const", const=False,
                     help=f"write {what} as text whatever the extension")


def strip_compression(path) -> str:
    """``path`` lower-cased, without a ``.gz``/``.bz2``/``.xz`` suffix."""
    return strip_write_suffix(os.fspath(path).lower())


def binary_for(path, binary=None, default=None) -> bool:
    """Binary or text for an output ``path``: the flag if given, else the extension.

    ``.bin`` is binary; ``.txt``, ``.vec``, ``.tsv`` are text (a ``.gz``/``.bz2``/``.xz``
    suffix is looked through).  Another extension takes ``default`` or is an error.
    """
    if binary is not None:
        return binary
    ext = os.path.splitext(strip_compression(path))[1]
    if ext == ".bin":
        return True
    if ext in (".txt", ".vec", ".tsv", ".text"):
        return False
    if default is None:
        raise UsageError(f"cannot tell the format of {os.fspath(path)} from its extension "
                         "(.bin is binary, .txt/.vec text): add --binary or --text")
    return default


def check_readable(path, flag):
    """A clear error naming ``flag`` when ``path`` is not a readable file."""
    p = os.fspath(path)
    if p == "-":
        return
    if not os.path.exists(p):
        raise CLIError(f"{flag} {p}: no such file")
    if os.path.isdir(p):
        raise CLIError(f"{flag} {p}: is a directory, expected a file")
    if not os.access(p, os.R_OK):
        raise CLIError(f"{flag} {p}: permission denied")


def check_writable(path, flag):
    """A clear error naming ``flag`` when ``path`` cannot be created (before hours of work)."""
    p = os.fspath(path)
    if os.path.isdir(p):
        raise CLIError(f"{flag} {p}: is a directory, expected a file name")
    d = os.path.dirname(os.path.abspath(p))
    if not os.path.isdir(d):
        raise CLIError(f"{flag} {p}: directory {d} does not exist")
    if not os.access(d, os.W_OK):
        raise CLIError(f"{flag} {p}: cannot write in directory {d}")


def add_vectors_arg(p, limit=True):
    """The VECTORS positional argument (and ``--limit N``) of the commands that read one."""
    p.add_argument("vectors", metavar="VECTORS",
                   help="word2vec binary or text file (.gz/.bz2/.xz too)")
    if limit:
        p.add_argument("--limit", type=int_at_least(1), default=None, metavar="N",
                       help="read only the first N vectors")


def load_vectors(path, limit=None):
    """``word2vec_fast.load`` with a CLI error for a missing file."""
    from ..vectors import load  # start-up time: the dispatcher imports this module
    check_readable(path, "vectors file")
    return load(path, limit=limit)


def unknown_word(vecs, word, path) -> CLIError:
    """The error for a word missing from ``vecs``, with a case-variant hint."""
    hint = ""
    for v in (word.lower(), word.capitalize(), word.upper()):
        if v != word and v in vecs:
            hint = f" (did you mean {v!r}?)"
            break
    return CLIError(f"word {word!r} is not in {os.fspath(path)} ({len(vecs):,} words){hint}")


def write_atomically(path, write):
    """Call ``write(f)`` on a temporary file next to ``path``, then rename it into place."""
    with atomic_open(path) as f:
        write(f)
