"""word2vec_fast: fast, dependable word2vec training from Python.

>>> import word2vec_fast as w2v
>>> model = w2v.train("corpus.txt", dim=100, epochs=5)      # doctest: +SKIP
>>> model.save("vectors.bin")                                # doctest: +SKIP

The names below are loaded from their modules when first used (PEP 562), so that a
command needing a few modules (``word2vec-fast phrases``) starts without the rest.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from . import _kernels

__version__ = "0.1.0"

# each public name and the module that defines it
_HOME = {
    "train": "training", "load_model": "model", "Model": "model", "Vocab": "vocab",
    "Corpus": "corpus", "encode": "corpus", "count_and_encode": "corpus",
    "Phrases": "phrases", "PhrasedText": "phrases", "Vectors": "vectors", "load": "vectors",
    "EvaluateCallback": "callbacks", "CheckpointCallback": "callbacks",
    "evaluate_analogies": "evaluation", "evaluate_word_pairs": "evaluation",
    "AnalogyResult": "evaluation", "WordPairsResult": "evaluation",
    "TrainingInterrupted": "errors", "TrainingDiverged": "errors", "StopTraining": "errors",
    "VectorsFormatError": "errors", "DuplicateWordWarning": "errors",
    "NonFiniteWarning": "errors",
    "SubwordVectors": "subwords", "load_fasttext": "fasttext",
    "load_fasttext_model": "fasttext", "save_fasttext": "fasttext",
}

__all__ = ["train", "TrainingInterrupted", "TrainingDiverged", "StopTraining", "load_model",
           "EvaluateCallback", "CheckpointCallback", "Model", "Vocab", "Corpus", "encode",
           "count_and_encode", "Phrases", "PhrasedText",
           "Vectors", "load",
           "evaluate_analogies", "evaluate_word_pairs", "AnalogyResult", "WordPairsResult",
           "VectorsFormatError", "DuplicateWordWarning", "NonFiniteWarning", "simd",
           "SubwordVectors", "load_fasttext", "load_fasttext_model", "save_fasttext"]


#: Submodules reached as attributes (``word2vec_fast.glove.train``).
_SUBMODULES = {"glove", "glove_counts", "doc2vec", "sentences", "embedding"}


def __getattr__(name: str):
    if name in _SUBMODULES:
        value = importlib.import_module(f".{name}", __name__)
        globals()[name] = value
        return value
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))


def simd() -> str:
    """The kernel build this process trains with, as ``word2vec-fast --version`` says it:
    e.g. ``"x86-64-v3 (avx2+fma)"``, ``"x86-64 (sse2)"`` (the baseline) or
    ``"plain C (portable)"`` (what MSVC compiles)."""
    return _kernels.simd_isa()


if TYPE_CHECKING:  # what the names are, for type checkers and editors
    from .callbacks import CheckpointCallback, EvaluateCallback
    from .corpus import Corpus, count_and_encode, encode
    from .errors import (DuplicateWordWarning, NonFiniteWarning, StopTraining,
                         TrainingDiverged, TrainingInterrupted, VectorsFormatError)
    from .evaluation import (AnalogyResult, WordPairsResult, evaluate_analogies,
                             evaluate_word_pairs)
    from .fasttext import load_fasttext, load_fasttext_model, save_fasttext
    from .model import Model, load_model
    from .phrases import PhrasedText, Phrases
    from .subwords import SubwordVectors
    from .training import train
    from .vectors import Vectors, load
    from .vocab import Vocab
