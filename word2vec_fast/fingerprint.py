"""Corpus fingerprints: does a resumed run get the corpus its schedule was started on?

A fingerprint must not cost a pass over the corpus: for a memory-mapped corpus
that would read the whole id file from disk and make every page of it
resident before the first word is trained, which is what memory-mapping it
was meant to avoid.  Version 2 therefore hashes the lengths and a fixed number
of whole pages of the ids and of the sentence offsets, spread evenly over each
array (the first and the last page always among them); an array of at most
that many pages is hashed whole.  Its cost and the pages it touches do not
depend on the corpus length.

What it sees: a different length, and any change on a sampled page.  A
different text changes nearly every page, and a word added or removed shifts
all the ids after it (and changes the length), so those are seen.  What it
misses: in a corpus of more than ``PAGES`` pages (65,536 ids), a change that
keeps the length and stays between sampled pages -- say one id edited in
place.  Training on such a corpus is still valid training, only not the
uninterrupted run's bit-for-bit continuation.

Version 1 (checkpoints written before version 2; their schedule has no
``fingerprint_version``) is a CRC-32 of the lengths and of every
``len // 1_000_000``-th id and offset: below ~10^9 tokens that stride is
less than a page, so it reads every page of the ids (the whole id file).

Reading one element of a memory map can map far more than its page (Linux
maps a whole large folio of the page cache on a fault: 2 MB was seen), so
the caller may pass ``release``, called after each page (version 2) or block
of ~1M items (version 1), to give the map's pages back.

Depends on NumPy and the standard library only.
"""
from __future__ import annotations

import hashlib
import zlib

import numpy as np

#: The version :func:`corpus_fingerprint` computes by default (stored in a schedule).
VERSION = 2
#: Versions :func:`corpus_fingerprint` can compute.
VERSIONS = (1, 2)
#: Bytes of one sampled page (fixed, not the machine's page size: a fingerprint
#: must be the same wherever it is computed).
PAGE_BYTES = 4096
#: Pages sampled from each of the two arrays.
PAGES = 64


def _update_with_pages(h, a, dtype, release) -> None:
    """Feed ``h`` with ``PAGES`` evenly spread whole pages of ``a`` (all of it if shorter)."""
    per_page = PAGE_BYTES // np.dtype(dtype).itemsize
    n_pages = -(-a.shape[0] // per_page)
    if n_pages <= PAGES:
        chosen = range(n_pages)
    else:
        chosen = (i * (n_pages - 1) // (PAGES - 1) for i in range(PAGES))
    for p in chosen:
        # only these items are read: a memory map faults in just their pages
        h.update(np.ascontiguousarray(a[p * per_page:(p + 1) * per_page], dtype=dtype).tobytes())
        if release is not None:
            release()


def _fingerprint_v2(ids, offsets, release) -> int:
    h = hashlib.blake2b(digest_size=8, person=b"w2vf-corpus-v2")
    h.update(np.array([len(ids), len(offsets), PAGE_BYTES, PAGES], dtype="<i8").tobytes())
    _update_with_pages(h, ids, "<i4", release)
    _update_with_pages(h, offsets, "<i8", release)
    return int.from_bytes(h.digest(), "little")


def _crc_of_strided(h, a, dtype, release) -> int:
    """``zlib.crc32(a[::step].tobytes(), h)`` (step as version 1 picks it), ~1M items a block."""
    step = max(1, len(a) // 1_000_000)
    block = step * max(1, (1 << 20) // step)  # a multiple of step: the same items are picked
    for lo in range(0, len(a), block):
        h = zlib.crc32(np.ascontiguousarray(a[lo:lo + block:step], dtype=dtype).tobytes(), h)
        if release is not None:
            release()
    return h


def _fingerprint_v1(ids, offsets, release) -> int:
    # the same value as before version 2, so that older checkpoints still resume
    h = zlib.crc32(np.array([len(ids), len(offsets)], dtype=np.int64).tobytes())
    h = _crc_of_strided(h, ids, np.int32, release)
    return _crc_of_strided(h, offsets, np.int64, release)


def corpus_fingerprint(ids, offsets, version: int = VERSION, release=None) -> int:
    """A fingerprint of a corpus's ids (int32) and sentence offsets (int64).

    ``version`` 2 (default) reads a bounded number of pages whatever the
    corpus length; version 1 is that of older checkpoints and reads every
    page of a large corpus (see the module docstring for what each sees).
    ``release``, if given, is called with no arguments after each page or
    block read (to give a memory map's pages back).
    """
    if version == 2:
        return _fingerprint_v2(ids, offsets, release)
    if version == 1:
        return _fingerprint_v1(ids, offsets, release)
    raise ValueError(f"unknown corpus fingerprint version {version!r} (this code knows "
                     f"{', '.join(map(str, VERSIONS))})")
