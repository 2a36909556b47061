"""The ``word2vec-fast`` command: a drop-in for word2vec.c, and tools for vector files.

    word2vec-fast -train text8 -output vectors.bin -cbow 0 -size 200 -window 5 \\
        -negative 5 -hs 0 -sample 1e-4 -threads 20 -binary 1 -iter 15
    word2vec-fast similar vectors.bin king queen
    word2vec-fast demo

With word2vec.c's flags (``-train ...``) it behaves as word2vec.c does, defaults
and output layout included (see :mod:`word2vec_fast.cli.dropin`); the
subcommands take Python-style ``--flags``.  Exit status: 0 success, 1 error
(one line on stderr, no traceback), 2 usage error, 130 interrupted (Ctrl-C).

Only the command line lives here (parsing, messages, exit codes, word2vec.c's
output layout); what it runs is the library's.
"""
from .dispatch import main

__all__ = ["main"]
