"""word2vec_fast: fast, dependable word2vec training from Python.

>>> import word2vec_fast as w2v
>>> model = w2v.train("corpus.txt", dim=100, epochs=5)      # doctest: +SKIP
>>> model.save("vectors.bin")                                # doctest: +SKIP
"""
from . import _kernels
from .errors import (DuplicateWordWarning, NonFiniteWarning, StopTraining, TrainingDiverged,
                     TrainingInterrupted, VectorsFormatError)
from .corpus import Corpus, count_and_encode, encode
from .model import Model, load_model
from .phrases import Phrases, PhrasedText
from .train import train
from .callbacks import CheckpointCallback, EvaluateCallback
from .evaluation import AnalogyResult, WordPairsResult, evaluate_analogies, evaluate_word_pairs
from .vectors import Vectors, load
from .vocab import Vocab

__all__ = ["train", "TrainingInterrupted", "TrainingDiverged", "StopTraining", "load_model",
           "EvaluateCallback", "CheckpointCallback", "Model", "Vocab", "Corpus", "encode",
           "count_and_encode", "Phrases", "PhrasedText",
           "Vectors", "load",
           "evaluate_analogies", "evaluate_word_pairs", "AnalogyResult", "WordPairsResult",
           "VectorsFormatError", "DuplicateWordWarning", "NonFiniteWarning", "simd"]
__version__ = "0.1.0"


def simd() -> str:
    """The kernel build this process trains with, as ``word2vec-fast --version`` says it:
    e.g. ``"x86-64-v3 (avx2+fma)"``, ``"x86-64 (sse2)"`` (the baseline) or
    ``"plain C (portable)"`` (what MSVC compiles)."""
    return _kernels.simd_isa()
