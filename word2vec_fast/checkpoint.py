"""Model checkpoints: everything training needs to go on, in one ``.npz`` file.

This module reads and writes the file's plain parts (:class:`Checkpoint`: a
header of parameters, schedule and history, the words and counts, the weight
matrices); :meth:`Model.save_model` and :func:`word2vec_fast.load_model` turn a
model into those parts and back.

The file is a plain NumPy ``.npz`` (a zip of ``.npy`` arrays, uncompressed),
read with ``allow_pickle=False``: loading an untrusted file cannot run code.

=================  ==========================================================
``header``         uint8: UTF-8 JSON -- format name and version, ``params``,
                   ``schedule`` (learning-rate position, epochs done, seed,
                   the corpus's size, fingerprint and ``fingerprint_version``:
                   absent, i.e. 1, in files written before it existed), ``history``
``words``          uint8: the words, UTF-8 (surrogateescape), concatenated
``word_ends``      int64[V]: end offset of each word in ``words``
``counts``         int64[V]: corpus counts (the negative-sampling table and the
                   Huffman tree are rebuilt from them, exactly)
``vectors``        float32[V, dim]: input vectors
``syn1neg``        float32[V, dim]: negative-sampling output weights (if used)
``syn1``           float32[max(V-1, 1), dim]: HS inner-node weights (if used)
``ngrams``         float32[buckets, dim]: the n-gram rows of a subword model
                   (params ``minn``, ``maxn``, ``buckets``; ``vectors`` then
                   holds the words' own rows, not their composed vectors)
=================  ==========================================================
"""
from __future__ import annotations

import json
import math
import os
import zipfile
import zlib
from dataclasses import dataclass

import numpy as np

from . import npy_header
from ._atomic import atomic_open
from .fingerprint import VERSIONS as FINGERPRINT_VERSIONS

FORMAT = "word2vec_fast.model"
VERSION = 1
# What reading a damaged zip raises besides ValueError (NotImplementedError: an unknown
# compression method; RuntimeError: an encrypted member)
_ZIP_ERRORS = (zipfile.BadZipFile, OSError, EOFError, KeyError, NotImplementedError,
               RuntimeError, zlib.error)


@dataclass
class Checkpoint:
    """The parts of a checkpoint file: what a model is made of, as plain data."""

    params: dict
    schedule: dict | None
    history: list
    words: list
    counts: np.ndarray
    vectors: np.ndarray
    syn1neg: np.ndarray | None = None
    syn1: np.ndarray | None = None
    ngrams: np.ndarray | None = None
    #: paragraph vectors: the tags' rows and their keys (ints and strs)
    docs: np.ndarray | None = None
    doc_keys: list | None = None


def write(path, ck: Checkpoint) -> None:
    """Write ``ck`` to ``path`` (temporary file next to it, then renamed into place)."""
    path = os.fspath(path)
    words = [w.encode("utf-8", "surrogateescape") for w in ck.words]
    ends = np.cumsum([len(w) for w in words], dtype=np.int64) if words else \
        np.zeros(0, dtype=np.int64)
    header = {"format": FORMAT, "version": VERSION, "params": ck.params,
              "schedule": ck.schedule, "history": ck.history}
    if ck.docs is not None:
        # line numbers (the default tags) as a count, not a list of every number
        keys = ck.doc_keys
        header["doc_keys"] = len(keys) if keys == list(range(len(keys))) else keys
    arrays = {
        "header": np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8),
        "words": np.frombuffer(b"".join(words), dtype=np.uint8),
        "word_ends": ends,
        "counts": np.asarray(ck.counts, dtype=np.int64),
        "vectors": ck.vectors,
    }
    if ck.syn1neg is not None:
        arrays["syn1neg"] = ck.syn1neg
    if ck.syn1 is not None:
        arrays["syn1"] = ck.syn1
    if ck.ngrams is not None:
        arrays["ngrams"] = ck.ngrams
    if ck.docs is not None:
        arrays["docs"] = ck.docs
    with atomic_open(path) as f:
        np.savez(f, **arrays)


def bad_file(path, why):
    """The ``ValueError`` for an unusable checkpoint file (it names the file)."""
    return ValueError(f"{path}: not a usable word2vec_fast model file: {why}")


def _looks_like_vectors(head: bytes) -> bool:
    line = head.split(b"\n", 1)[0].split()
    return len(line) == 2 and all(x.isdigit() for x in line)


def check_npz(path) -> None:
    """``ValueError`` naming ``path`` unless it is an ``.npz`` whose members' headers
    parse and claim no more data than they hold (checked before reading any)."""
    with open(path, "rb") as f:
        head = f.read(4)
    if head != b"PK\x03\x04":
        raise bad_file(path, "not an .npz file")
    _check_member_sizes(path)


def _check_member_sizes(path) -> None:
    """Every member's ``.npy`` header parses and claims no more data than the member holds.

    Checked before anything is read, so that a damaged or hostile file costs no more
    memory than its own size and fails with a ``ValueError`` naming it.
    """
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                with zf.open(info) as f:
                    try:
                        shape, _, dtype = npy_header.read(f)
                    except npy_header.NpyHeaderError as e:
                        raise bad_file(path, f"{info.filename}: {e}") from None
                    if npy_header.data_bytes(shape, dtype) > info.file_size:
                        raise bad_file(path, f"{info.filename} claims shape {shape} of "
                                             f"{dtype}, more than its {info.file_size} bytes")
    except ValueError as e:
        if str(e).startswith(path):
            raise
        raise bad_file(path, f"{e}") from None
    except _ZIP_ERRORS as e:
        raise bad_file(path, f"damaged or truncated ({type(e).__name__}: {e})") from None


def read(path) -> Checkpoint:
    """The parts of a checkpoint file, checked for consistency.

    Raises ``ValueError`` naming the file for anything else: word2vec
    ``.bin``/``.txt`` vectors (they lack the output weights, so they cannot be
    trained further: read them with :func:`word2vec_fast.load`), truncated or
    corrupted files, inconsistent shapes.
    """
    path = os.fspath(path)
    with open(path, "rb") as f:
        head = f.read(64)
    if not head.startswith(b"PK\x03\x04"):
        if _looks_like_vectors(head):
            raise bad_file(path, "it holds word2vec vectors (.bin/.txt), which lack the output "
                             "weights needed to train further; read them with "
                             "word2vec_fast.load()")
        raise bad_file(path, "not an .npz file")
    _check_member_sizes(path)
    try:
        with np.load(path, allow_pickle=False) as z:
            names = set(z.files)
            missing = {"header", "words", "word_ends", "counts", "vectors"} - names
            if missing:
                raise bad_file(path, f"missing arrays {sorted(missing)}")
            arr = {k: z[k] for k in names}  # reads (and CRC-checks) every member
    except ValueError as e:
        if str(e).startswith(path):
            raise
        raise bad_file(path, e) from None
    except (*_ZIP_ERRORS, TypeError) as e:
        # TypeError: whatever numpy's reader trips on that the header checks let through
        raise bad_file(path, f"damaged or truncated ({e})") from None
    try:
        header = json.loads(arr["header"].tobytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise bad_file(path, f"bad header ({e})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise bad_file(path, "not a word2vec_fast model (wrong format name)")
    if header.get("version") != VERSION:
        raise bad_file(path, f"format version {header.get('version')!r}, this code reads {VERSION}")
    params, schedule = header.get("params"), header.get("schedule")
    history = header.get("history") or []
    if not isinstance(params, dict) or not isinstance(history, list) or not (
            schedule is None or isinstance(schedule, dict)):
        raise bad_file(path, "bad header fields")

    def need(name, dtype, ndim):
        a = arr[name]
        if a.dtype != dtype or a.ndim != ndim:
            raise bad_file(path, f"{name} must be {ndim}-d {np.dtype(dtype).name}, got "
                             f"{a.ndim}-d {a.dtype}")
        return a

    blob = need("words", np.uint8, 1).tobytes()
    ends = need("word_ends", np.int64, 1)
    counts = need("counts", np.int64, 1)
    vectors = need("vectors", np.float32, 2)
    v = len(ends)
    try:
        dim = int(params["dim"])
        neg, hs = int(params["negative"]), bool(params["hs"])
        for k in ("window", "sg", "cbow_mean", "sample", "alpha", "epochs", "seed"):
            params[k]
    except (KeyError, TypeError, ValueError) as e:
        raise bad_file(path, f"bad params ({e!r})") from None
    if v < 1 or len(counts) != v or vectors.shape != (v, dim):
        raise bad_file(path, f"{v} words, {len(counts)} counts and vectors of shape "
                         f"{vectors.shape} (dim {dim}) do not agree")
    if np.any(np.diff(ends) < 0) or ends[0] < 0 or ends[-1] != len(blob):
        raise bad_file(path, "word offsets are inconsistent")
    starts = np.concatenate([[0], ends[:-1]])
    words = [blob[a:b].decode("utf-8", "surrogateescape") for a, b in
             zip(starts.tolist(), ends.tolist())]
    out = {}
    for name, used, rows in (("syn1neg", neg > 0, v), ("syn1", hs, max(v - 1, 1))):
        if not used:
            if name in arr:
                raise bad_file(path, f"{name} is present but the parameters do not use it")
            out[name] = None
            continue
        if name not in arr:
            raise bad_file(path, f"{name} is missing (needed to train further)")
        out[name] = need(name, np.float32, 2)
        if out[name].shape != (rows, dim):
            raise bad_file(path, f"{name} has shape {out[name].shape}, expected {(rows, dim)}")
    out["ngrams"] = None
    buckets = params.get("buckets") if params.get("maxn") else None
    if buckets is None:
        if "ngrams" in arr:
            raise bad_file(path, "ngrams is present but the parameters have no subwords")
    else:
        if type(buckets) is not int or buckets < 1 or "ngrams" not in arr:
            raise bad_file(path, f"a subword model needs buckets >= 1 ({buckets!r}) and its "
                                 "ngrams array")
        out["ngrams"] = need("ngrams", np.float32, 2)
        if out["ngrams"].shape != (buckets, dim):
            raise bad_file(path, f"ngrams has shape {out['ngrams'].shape}, expected "
                                 f"{(buckets, dim)}")
    out["docs"], out["doc_keys"] = _docs(path, params, header, arr, dim)
    for name, a in (("vectors", vectors), ("syn1neg", out["syn1neg"]), ("syn1", out["syn1"]),
                    ("ngrams", out["ngrams"]), ("docs", out["docs"])):
        if a is not None and not np.isfinite(a).all():
            raise bad_file(path, f"{name} contains NaN or infinity")
    if schedule is not None:
        try:
            ok = (0 <= int(schedule["epochs_done"]) <= int(schedule["epochs"])
                  and int(schedule["n_tokens"]) >= 0 and int(schedule["words_done"]) >= 0
                  and math.isfinite(float(schedule["alpha"])) and float(schedule["alpha"]) > 0
                  and int(schedule["seed"]) >= 0 and int(schedule["run"]) >= 0)
            float(schedule["alpha_end"]), float(schedule["alpha_floor"])
            int(schedule["corpus_fingerprint"])
            fp_version = schedule.get("fingerprint_version", 1)  # absent in older files
            ok = ok and type(fp_version) is int and fp_version in FINGERPRINT_VERSIONS
        except (KeyError, TypeError, ValueError):
            ok = False
        if not ok:
            raise bad_file(path, f"bad schedule {schedule!r}")
    return Checkpoint(params=params, schedule=schedule, history=history, words=words,
                      counts=counts, vectors=np.ascontiguousarray(vectors),
                      syn1neg=out["syn1neg"], syn1=out["syn1"], ngrams=out["ngrams"],
                      docs=out["docs"], doc_keys=out["doc_keys"])


def _docs(path, params, header, arr, dim):
    """Paragraph vectors' ``(docs, doc_keys)``, checked; ``(None, None)`` for a word model."""
    if not params.get("doc_mode"):
        if "docs" in arr or "doc_keys" in header:
            raise bad_file(path, "docs are present but the parameters have no doc_mode")
        return None, None
    if params["doc_mode"] not in (1, 2) or "docs" not in arr:
        raise bad_file(path, f"doc_mode {params['doc_mode']!r} needs 1 or 2 and the docs array")
    group = params.get("dbow_group", 0)
    if type(group) is not int or not 0 <= group <= 1 << 16:
        raise bad_file(path, f"dbow_group {group!r} must be an int in [0, 65536]")
    docs = arr["docs"]
    if docs.dtype != np.float32 or docs.ndim != 2 or docs.shape[1] != dim:
        raise bad_file(path, f"docs must be 2-d float32 with {dim} columns, got {docs.ndim}-d "
                             f"{docs.dtype} {docs.shape}")
    keys = header.get("doc_keys")
    if type(keys) is int and keys == docs.shape[0]:
        return np.ascontiguousarray(docs), list(range(keys))
    if not isinstance(keys, list) or len(keys) != docs.shape[0] or not all(
            type(k) in (int, str) for k in keys) or len(set(keys)) != len(keys):
        raise bad_file(path, f"doc_keys must be {docs.shape[0]} distinct ints and strings")
    return np.ascontiguousarray(docs), keys
