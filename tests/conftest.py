"""Helpers and fixtures shared by the test files."""
import os
import shutil
import signal
import sys

import numpy as np
import pytest

from word2vec_fast import Vectors, _kernels


def c_tool(name):
    """A binary of the ``word2vec`` package (word2vec.c, word2phrase, ...): beside this
    Python (the test extra installs it there), else on PATH; None if neither."""
    here = os.path.join(os.path.dirname(sys.executable), name)
    return here if os.path.exists(here) else shutil.which(name)


def planted_corpus(n_groups=8, group_size=8, n_sentences=1500, length=12, seed=0):
    """Sentences each drawn from one group of words: neighbours must be group mates."""
    rng = np.random.default_rng(seed)
    words = [f"g{g}w{i}" for g in range(n_groups) for i in range(group_size)]
    sents = []
    for _ in range(n_sentences):
        g = rng.integers(n_groups)
        sents.append([words[g * group_size + i] for i in rng.integers(group_size, size=length)])
    return sents


def group_precision(model, k=5):
    """Share of each word's ``k`` nearest neighbours that are in its planted group."""
    hits = total = 0
    for w in model.words:
        g = w.split("w")[0]
        for nb, _ in model.most_similar(w, topn=k):
            hits += nb.split("w")[0] == g
            total += 1
    return hits / total


def random_vectors(v, dim, seed=0, special=()):
    """``Vectors`` of ``v`` words ``w0, w1, ...`` ending with the ``special`` words,
    rows standard normal float32 from ``default_rng(seed)``."""
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(v - len(special))] + list(special)
    return Vectors(words, rng.standard_normal((v, dim)).astype(np.float32))


@pytest.fixture(params=_kernels.SIMD_BUILDS)
def simd_build(request):
    """Each build of the batched kernels this CPU runs (the default one restored after)."""
    default = _kernels.simd_build()
    if not _kernels.select_simd(request.param):
        pytest.skip(f"this CPU/platform has no {request.param} build")
    assert _kernels.simd_build() == request.param
    yield request.param
    assert _kernels.select_simd(default)


def _sigint_default():
    signal.signal(signal.SIGINT, signal.SIG_DFL)


#: ``Popen`` keywords for a child a test sends Ctrl-C (SIGINT) to: a shell without job
#: control starts background jobs with SIGINT ignored, which children inherit (and then
#: Python installs no KeyboardInterrupt handler); the child gets the default back.
SIGINT_CHILD = {"preexec_fn": _sigint_default} if os.name == "posix" else {}
