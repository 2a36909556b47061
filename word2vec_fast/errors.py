"""The exceptions and warnings the package raises beyond ``ValueError``/``TypeError``.

They live here, below every other module, so that a module can raise or catch
one without importing the module that raises it.
"""
from __future__ import annotations


class StopTraining(Exception):
    """Raise from a callback to end training early; ``train()`` then returns normally.

    Returning ``False`` from a callback does the same.  At an epoch end the
    epoch is complete; from an ``every_words`` callback the running epoch is
    cut short (its ``history`` record says ``complete=False``).
    """


class TrainingDiverged(FloatingPointError, ValueError):
    """The training loss became NaN or infinite: the learning rate is too large.

    Raised at the end of the task (a chunk of at most 10,000 tokens) where it
    happened; every thread stops.  ``.model`` holds the (garbage) model for
    inspection, ``.epoch`` the epoch (1-based), ``.alpha`` the initial learning
    rate.  Both a ``FloatingPointError`` and a ``ValueError``.
    """

    def __init__(self, message, model=None, epoch=None, alpha=None):
        super().__init__(message)
        self.model = model
        self.epoch = epoch
        self.alpha = alpha


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C stopped training; ``.model`` holds the consistent, partly trained model.

    A subclass of ``KeyboardInterrupt``, so code that does not care sees a
    plain interrupt; code that does (e.g. the CLI's save-on-interrupt) can
    still save what was trained.
    """

    def __init__(self, model, message="training interrupted; .model holds the vectors so far"):
        super().__init__(message)
        self.model = model


class VectorsFormatError(ValueError):
    """A vectors file that is not valid word2vec binary or text.

    The message names the file and the byte offset or line where reading failed.
    """


class DuplicateWordWarning(UserWarning):
    """A vectors file listed a word more than once (the first vector was kept)."""


class NonFiniteWarning(UserWarning):
    """A vectors file holds NaN or infinite values (they were kept as they are)."""
