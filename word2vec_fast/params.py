"""Checks of training parameters, shared by ``train()``, ``Model`` and the engine glue.

Pure Python on purpose (nothing from the package is imported): the compiled
glue (``_kernels``) checks the output-layer rule with the same function.
"""
from __future__ import annotations

import math
import os

import numpy as np


def check_int(name, value, lo):
    """``value`` as an ``int`` >= ``lo``; ``TypeError``/``ValueError`` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    if value < lo:
        raise ValueError(f"{name} must be >= {lo}, got {value}")
    return int(value)


def check_float(name, value, lo=0.0, strict=False):
    """``value`` as a finite ``float`` >= ``lo`` (> ``lo`` if ``strict``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}")
    value = float(value)
    if not math.isfinite(value) or value < lo or (strict and value <= lo):
        raise ValueError(f"{name} must be a finite number {'>' if strict else '>='} {lo}, "
                         f"got {value}")
    return value


def has_output_layer(negative, hs) -> bool:
    """Whether these settings train an output layer: negative sampling, hierarchical
    softmax or both.  Without one there is nothing to train (and nothing to go on
    training from)."""
    return negative > 0 or bool(hs)


def check_output_layer(negative, hs) -> None:
    """``ValueError`` unless :func:`has_output_layer`."""
    if not has_output_layer(negative, hs):
        raise ValueError("negative=0 with hs=False has no output layer to train: "
                         "set negative > 0 or hs=True")


def default_threads() -> int:
    """Cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def check_threads(threads) -> int:
    """``threads`` (``None``: all cores available) as an int >= 1."""
    return check_int("threads", default_threads() if threads is None else threads, 1)
