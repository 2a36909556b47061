"""Reading and writing fastText's ``.bin`` model files (format versions 11 and 12).

A ``.bin`` file is what ``fasttext skipgram|cbow|supervised`` saves: the training
arguments, the dictionary (words and labels with their counts), the input matrix
(one row per word, then one per hash bucket of the character n-grams and word
n-grams) and the output matrix.  All numbers are little-endian:

==========================  ==========================================================
magic, version              int32 793712314, int32 (11 or 12)
arguments                   12 int32: dim, ws, epoch, minCount, neg, wordNgrams, loss,
                            model, bucket, minn, maxn, lrUpdateRate; then float64 t
dictionary                  int32 size, int32 nwords, int32 nlabels, int64 ntokens,
                            int64 pruneidx_size; ``size`` entries, each the word's
                            bytes, a NUL, int64 count, int8 type (0 word, 1 label),
                            words first; ``pruneidx_size`` pairs of int32 (none when
                            it is -1, as in every model that was not quantized:
                            fastText refuses an unquantized model with a pruning
                            index, this module reads and writes what is there)
input matrix                uint8 quantized flag, int64 rows, int64 cols, rows * cols
                            float32 in row order
output matrix               uint8 quantized flag, then the same layout
==========================  ==========================================================

The input matrix has ``nwords + bucket`` rows; the output matrix one row per word
(``nwords``) for the unsupervised models, whatever the loss (hierarchical softmax
uses only its first ``nwords - 1`` rows, one per inner node of the Huffman tree),
and one per label (``nlabels``) for supervised ones.  Quantized models (``.ftz``,
``fasttext quantize``) store product-quantized matrices instead and are refused.

:func:`read_bin` is a parser of untrusted bytes: every size the file claims is
checked against the bytes really there before anything is allocated, so a
damaged or hostile file costs at most about its own size in memory, and every
malformed file raises :class:`~word2vec_fast.errors.VectorsFormatError` (a
``ValueError``) naming the file, the byte offset and what is wrong.  With
``mmap=True`` the two matrices are mapped read-only rather than read, so a
multi-gigabyte pretrained model (``cc.en.300.bin``) costs only its dictionary.
:func:`write_bin` writes the same layout; a file that was read is written back
byte for byte.
"""
from __future__ import annotations

import array
import dataclasses
import os
import struct

import numpy as np

from ._atomic import atomic_open, write_all
from .errors import VectorsFormatError

__all__ = ["MAGIC", "VERSIONS", "LOSS_NAMES", "MODEL_NAMES", "FastTextArgs", "FastTextFile",
           "read_bin", "write_bin", "encode_word"]

#: The first four bytes of every fastText model file (as a little-endian int32).
MAGIC = 793712314
#: The format versions read and written: 11 (fastText 0.1) and 12 (0.2 and later).
VERSIONS = (11, 12)
#: ``FastTextArgs.loss`` values.
LOSS_NAMES = {1: "hs", 2: "ns", 3: "softmax", 4: "ova"}
#: ``FastTextArgs.model`` values.
MODEL_NAMES = {1: "cbow", 2: "sg", 3: "sup"}

#: The longest word read or written, in bytes: a longer one means a damaged file.
MAX_WORD_BYTES = 1 << 20
_BLOCK_BYTES = 1 << 20          # the most dictionary bytes read at a time
_MATRIX_BLOCK_BYTES = 32 << 20  # matrix bytes read or written per call
_CHUNK_ENTRIES = 1 << 16        # dictionary entries vectorised at a time

_SIGNATURE = struct.Struct("<ii")
_ARGS = struct.Struct("<12id")
_DICT_HEAD = struct.Struct("<iiiqq")
_MATRIX_HEAD = struct.Struct("<qq")
# what follows each word's NUL: int64 count, int8 type (9 bytes, no padding)
_ENTRY_TAIL = np.dtype([("count", "<i8"), ("type", "i1")])
_TAIL = _ENTRY_TAIL.itemsize
_F32 = np.dtype("<f4")
_INT32 = (-(1 << 31), (1 << 31) - 1)
_INT64 = (-(1 << 63), (1 << 63) - 1)
# the least the file must still hold after the dictionary entries: the pruning
# pairs aside, two quantized flags and two matrix headers
_AFTER_ENTRIES = 2 * (1 + _MATRIX_HEAD.size)


@dataclasses.dataclass
class FastTextArgs:
    """The training arguments stored in a ``.bin`` file, in file order.

    Attributes
    ----------
    dim : int
        Vector size (``-dim``).
    ws : int
        Context window (``-ws``).
    epoch : int
        Training epochs.
    min_count : int
        Minimum count of a word (``-minCount``).
    neg : int
        Negative samples (``-neg``).
    word_ngrams : int
        Longest word n-gram (``-wordNgrams``).
    loss : int
        Loss function, a key of :data:`LOSS_NAMES`.
    model : int
        Model, a key of :data:`MODEL_NAMES`.
    bucket : int
        Hash buckets of the n-gram rows (``-bucket``; 0 for a model without
        subwords or word n-grams).
    minn, maxn : int
        Shortest and longest character n-gram (``maxn`` 0: none).  fastText itself
        reads ``maxn`` as 0 for a supervised model of version 11; the file's
        value is kept here.
    lr_update_rate : int
        ``-lrUpdateRate``.
    t : float
        Sampling threshold (``-t``), stored as a float64.
    """

    dim: int
    ws: int
    epoch: int
    min_count: int
    neg: int
    word_ngrams: int
    loss: int
    model: int
    bucket: int
    minn: int
    maxn: int
    lr_update_rate: int
    t: float

    _INT_FIELDS = ("dim", "ws", "epoch", "min_count", "neg", "word_ngrams", "loss", "model",
                   "bucket", "minn", "maxn", "lr_update_rate")


@dataclasses.dataclass(eq=False, repr=False)
class FastTextFile:
    """Everything a fastText ``.bin`` file holds.

    Attributes
    ----------
    args : FastTextArgs
        The training arguments.
    words : list of str
        Every dictionary entry in file order (the ``nwords`` words, then the
        ``nlabels`` labels), decoded from UTF-8 with ``errors="surrogateescape"``
        so that any bytes round-trip (:func:`encode_word` gives them back).
    counts : numpy.ndarray
        int64, each entry's count in the training text.
    types : numpy.ndarray
        int8, each entry's type: 0 word, 1 label.
    nwords, nlabels : int
        How many entries are words and how many labels.
    ntokens : int
        Tokens in the training text.
    pruneidx_size : int
        The pruning index's size as stored: -1 for a model that was never pruned.
    pruneidx : numpy.ndarray
        int32 ``(max(pruneidx_size, 0), 2)``: the (original bucket, new row) pairs
        of a pruned model, in file order.
    input : numpy.ndarray
        float32 ``(rows, dim)``, C-contiguous: normally ``nwords + bucket`` rows,
        the words' own vectors first, then the n-gram buckets.  A read-only
        ``numpy.memmap`` when read with ``mmap=True`` (unless it is empty).
    output : numpy.ndarray
        float32 ``(rows, dim)``: ``nwords`` rows (``nlabels`` for a supervised
        model).
    version : int
        Format version, 11 or 12.
    """

    args: FastTextArgs
    words: list
    counts: np.ndarray
    types: np.ndarray
    nwords: int
    nlabels: int
    ntokens: int
    pruneidx_size: int
    pruneidx: np.ndarray
    input: np.ndarray
    output: np.ndarray
    version: int = 12

    def __repr__(self):
        a = self.args
        return (f"FastTextFile(version={self.version}, "
                f"model={MODEL_NAMES.get(a.model, a.model)!r}, "
                f"loss={LOSS_NAMES.get(a.loss, a.loss)!r}, dim={a.dim}, nwords={self.nwords}, "
                f"nlabels={self.nlabels}, bucket={a.bucket}, "
                f"input={getattr(self.input, 'shape', None)}, "
                f"output={getattr(self.output, 'shape', None)})")


def encode_word(word: str) -> bytes:
    """The bytes a ``.bin`` file stores for ``word`` (UTF-8; the lone surrogates that
    ``errors="surrogateescape"`` decoding makes of invalid bytes become those bytes)."""
    return word.encode("utf-8", "surrogateescape")


# ----------------------------------------------------------------------------- reading

class _Reader:
    """An open file and the offset of the next byte to parse; every failure names both."""

    def __init__(self, path, f):
        self.path = path
        self.f = f
        self.size = os.fstat(f.fileno()).st_size
        self.pos = 0

    @property
    def left(self) -> int:
        return self.size - self.pos

    def fail(self, msg, at=None):
        raise VectorsFormatError(f"{self.path}: byte offset {self.pos if at is None else at}: "
                                 f"{msg}")

    def read(self, n, what) -> bytes:
        """The next ``n`` bytes, or a failure saying that the file ends inside ``what``."""
        if n > self.left:
            self.fail(f"truncated: the file ends inside the {what} ({n} bytes needed, "
                      f"{self.left} left)")
        self.f.seek(self.pos)
        data = self._read_exactly(n)
        if len(data) < n:  # the file shrank since it was opened
            self.fail(f"truncated: the file ends inside the {what}")
        self.pos += n
        return data

    def _read_exactly(self, n) -> bytes:
        parts = []
        while n > 0:
            chunk = self.f.read(n)
            if not chunk:
                break
            parts.append(chunk)
            n -= len(chunk)
        return b"".join(parts)

    def unpack(self, st: struct.Struct, what):
        return st.unpack(self.read(st.size, what))


def read_bin(path, *, mmap: bool = False) -> FastTextFile:
    """Read a fastText ``.bin`` model file (format version 11 or 12).

    Parameters
    ----------
    path : str or os.PathLike
        The file.
    mmap : bool
        Map the input and output matrices read-only from the file (``numpy.memmap``)
        instead of reading them: only the dictionary is read into memory.  The
        file must then not be changed in place while the arrays are in use
        (:func:`write_bin` replaces files by renaming, which is safe).

    Returns
    -------
    FastTextFile
        The file's contents, exactly as stored.

    Raises
    ------
    VectorsFormatError
        (a ``ValueError``) for anything but a well-formed, unquantized fastText
        ``.bin`` file of version 11 or 12, naming the file and the byte offset:
        another format, a quantized ``.ftz`` model, a truncated file, sizes that
        are negative, disagree with each other or exceed the file, a word without
        its NUL or longer than :data:`MAX_WORD_BYTES`, an entry type other than
        0 or 1, bytes after the output matrix.
    OSError
        When the file cannot be opened or read.
    """
    p = os.fspath(path)
    if os.path.isdir(p):
        raise VectorsFormatError(f"{p}: is a directory, not a fastText .bin file")
    with open(p, "rb", buffering=0) as f:
        r = _Reader(p, f)
        version = _read_signature(r)
        args = _read_args(r)
        size, nwords, nlabels, ntokens, prune_size = _read_dict_header(r)
        words, counts, types = _read_entries(r, size, nwords)
        k = max(prune_size, 0)
        pruneidx = np.frombuffer(r.read(8 * k, f"pruning index of {k} pairs"),
                                 dtype="<i4").reshape(k, 2).astype(np.int32)
        input_ = _read_matrix(r, args.dim, "input", mmap)
        output = _read_matrix(r, args.dim, "output", mmap)
        if r.left:
            r.fail(f"{r.left} bytes follow the output matrix (the file should end there)")
    return FastTextFile(args=args, words=words, counts=counts, types=types, nwords=nwords,
                        nlabels=nlabels, ntokens=ntokens, pruneidx_size=prune_size,
                        pruneidx=pruneidx, input=input_, output=output, version=version)


def _read_signature(r: _Reader) -> int:
    if r.size < _SIGNATURE.size:
        r.fail(("empty file" if not r.size else f"truncated: only {r.size} bytes")
               + ", not a fastText .bin file", at=r.size)
    magic, version = r.unpack(_SIGNATURE, "signature")
    if magic != MAGIC:
        hint = ""
        if 0 < magic <= 1 << 16:
            hint = ("; it may be a model of fastText before format version 11, which "
                    "starts with dim rather than a magic number: those are not supported")
        r.fail(f"not a fastText .bin file (magic number {magic}, expected {MAGIC}{hint})", at=0)
    if version not in VERSIONS:
        r.fail(f"unsupported fastText format version {version} (only 11 and 12 are read)",
               at=4)
    return version


def _read_args(r: _Reader) -> FastTextArgs:
    at = r.pos
    args = FastTextArgs(*r.unpack(_ARGS, "training arguments"))
    if args.dim <= 0:
        r.fail(f"dimension {args.dim} in the arguments; it must be positive", at=at)
    if args.bucket < 0:
        r.fail(f"negative bucket count {args.bucket} in the arguments", at=at + 4 * 8)
    return args


def _read_dict_header(r: _Reader):
    at = r.pos
    size, nwords, nlabels, ntokens, prune_size = r.unpack(_DICT_HEAD, "dictionary header")
    if size < 0 or nwords < 0 or nlabels < 0:
        r.fail(f"negative dictionary size: {size} entries, {nwords} words, {nlabels} labels",
               at=at)
    if nwords + nlabels != size:
        r.fail(f"the dictionary has {size} entries but {nwords} words and {nlabels} labels",
               at=at)
    if prune_size < -1:
        r.fail(f"pruning index size {prune_size} (it is -1 or a count)", at=at + 20)
    # each entry takes at least a NUL and its count and type
    need = size * (1 + _TAIL) + max(prune_size, 0) * 8 + _AFTER_ENTRIES
    if need > r.left:
        r.fail(f"the dictionary promises {size} entries and {max(prune_size, 0)} pruning "
               f"pairs, which with the matrix headers need at least {need} bytes, but only "
               f"{r.left} follow (truncated file or wrong header)")
    return size, nwords, nlabels, ntokens, prune_size


def _read_entries(r: _Reader, size, nwords):
    """``(words, counts, types)`` of the ``size`` dictionary entries, checked.

    The entries are read in blocks into one growing buffer; the Python loop only
    finds each word's NUL (the count after it may hold zero bytes, so the NULs
    cannot be found all at once); the counts, types and words are then taken out
    of the buffer with vectorised NumPy, a chunk of entries at a time.
    """
    start = r.pos
    buf = bytearray()
    find = buf.find
    nuls = array.array("q")  # each entry's NUL, as an offset in buf
    append = nuls.append
    pos = 0
    r.f.seek(start)
    for i in range(size):
        j = find(b"\0", pos, pos + MAX_WORD_BYTES + 1)
        if j < 0 or j + 1 + _TAIL > len(buf):
            j = _more_entry_bytes(r, buf, start, pos, i)
        append(j)
        pos = j + 1 + _TAIL
    r.pos = start + pos
    data = np.frombuffer(buf, dtype=np.uint8)[:pos]
    ends = np.frombuffer(nuls, dtype=np.int64) if size else np.zeros(0, dtype=np.int64)
    counts = np.empty(size, dtype=np.int64)
    types = np.empty(size, dtype=np.int8)
    keep = np.ones(pos, dtype=bool)  # the word bytes and their NULs
    tail = np.arange(1, 1 + _TAIL)
    for c in range(0, size, _CHUNK_ENTRIES):
        idx = ends[c:c + _CHUNK_ENTRIES, None] + tail
        rec = data[idx].view(_ENTRY_TAIL)[:, 0]
        counts[c:c + len(rec)] = rec["count"]
        types[c:c + len(rec)] = rec["type"]
        keep[idx] = False
    bad = np.flatnonzero((types != 0) & (types != 1))
    if len(bad):
        i = int(bad[0])
        r.fail(f"dictionary entry {i}: type {types[i]}, expected 0 (word) or 1 (label)",
               at=start + int(ends[i]) + _TAIL)
    bad = np.flatnonzero(types != (np.arange(size) >= nwords))
    if len(bad):
        i = int(bad[0])
        r.fail(f"dictionary entry {i} is a {('word', 'label')[types[i]]}, but the header "
               f"says the first {nwords} entries are words and the rest labels",
               at=start + int(ends[i]) + _TAIL)
    # Words cannot hold a NUL, and surrogateescape decodes NUL as itself whatever
    # precedes it, so decoding them all at once and splitting at NUL equals decoding
    # each word alone.
    words = data[keep].tobytes().decode("utf-8", "surrogateescape").split("\0")
    words.pop()  # after the last NUL
    return words, counts, types


def _more_entry_bytes(r: _Reader, buf: bytearray, start, pos, i) -> int:
    """Read on until entry ``i`` (its word from ``buf[pos]``) is whole in ``buf``;
    the offset of its NUL in ``buf``."""
    while True:
        j = buf.find(b"\0", pos, pos + MAX_WORD_BYTES + 1)
        if j >= 0 and j + 1 + _TAIL <= len(buf):
            return j
        if j < 0 and len(buf) - pos > MAX_WORD_BYTES:
            r.fail(f"dictionary entry {i}: no NUL within {MAX_WORD_BYTES} bytes (a word "
                   "this long means the file is damaged)", at=start + pos)
        # small reads first, so that a small dictionary before large matrices costs little
        chunk = r.f.read(min(_BLOCK_BYTES, max(1 << 16, len(buf))))
        if not chunk:
            if j < 0:
                r.fail(f"truncated: dictionary entry {i}: the file ends inside its word "
                       "(no NUL terminator)", at=start + pos)
            r.fail(f"truncated: the file ends inside dictionary entry {i}'s count and type",
                   at=start + j + 1)
        buf += chunk


def _read_matrix(r: _Reader, dim, which, mapped):
    """The quantized flag and the ``which`` matrix (``(rows, dim)`` float32)."""
    at = r.pos
    (flag,) = r.read(1, f"{which} matrix's quantization flag")
    if flag:
        r.fail(f"the {which} matrix is quantized (flag {flag}): .ftz quantized models are "
               "not supported", at=at)
    at = r.pos
    rows, cols = r.unpack(_MATRIX_HEAD, f"{which} matrix header")
    if rows < 0 or cols < 0:
        r.fail(f"the {which} matrix has a negative size {rows} x {cols}", at=at)
    if cols != dim:
        r.fail(f"the {which} matrix has {cols} columns, the arguments say dim {dim}", at=at)
    nbytes = rows * cols * _F32.itemsize
    if nbytes > r.left:
        r.fail(f"truncated or wrong header: the {which} matrix of {rows} x {cols} float32 "
               f"needs {nbytes} bytes, only {r.left} follow", at=at)
    offset = r.pos
    if nbytes == 0:
        mat = np.zeros((rows, cols), dtype=_F32)
        mat.flags.writeable = not mapped
    elif mapped:
        mat = np.memmap(r.f, dtype=_F32, mode="r", offset=offset, shape=(rows, cols))
    else:
        mat = np.empty((rows, cols), dtype=_F32)
        view = memoryview(mat.reshape(-1).view(np.uint8))
        r.f.seek(offset)
        done = 0
        while done < nbytes:
            n = r.f.readinto(view[done:done + _MATRIX_BLOCK_BYTES])
            if not n:  # the file shrank since it was opened
                r.fail(f"truncated: the file ends inside the {which} matrix",
                       at=offset + done)
            done += n
    r.pos = offset + nbytes
    return mat


# ----------------------------------------------------------------------------- writing

def write_bin(path, ft: FastTextFile) -> None:
    """Write ``ft`` as a fastText ``.bin`` file that fastText (and gensim) load.

    A :class:`FastTextFile` from :func:`read_bin` is written back byte for byte.
    The data goes to a temporary file in the same directory that is renamed over
    ``path`` only when complete: a save that fails leaves any existing file
    untouched.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write.
    ft : FastTextFile
        What to write.  Checked first: ``words``, ``counts`` and ``types`` of one
        length, ``nwords + nlabels`` of them, the words before the labels; the
        matrices float32 with ``args.dim`` columns; every number within its field.

    Raises
    ------
    ValueError
        When ``ft`` could not be written as a valid file (nothing is written).
    TypeError
        When a field has the wrong type.
    """
    p = os.fspath(path)
    head, input_, output = _encode(ft)
    with atomic_open(p, buffering=0) as f:
        write_all(f, head)
        for mat in (input_, output):
            write_all(f, b"\0" + _MATRIX_HEAD.pack(*mat.shape))
            _write_matrix(f, mat)


def _check_int(name, value, bounds):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}: {value!r}")
    if not bounds[0] <= value <= bounds[1]:
        raise ValueError(f"{name} = {value} does not fit its field "
                         f"(range {bounds[0]} to {bounds[1]})")
    return int(value)


def _int_array(name, a, shape, bounds):
    arr = np.asarray(a)
    if arr.shape != shape:
        raise ValueError(f"{name} has shape {arr.shape}, expected {shape}")
    if arr.size and arr.dtype.kind not in "iu":
        raise ValueError(f"{name} must hold integers, got dtype {arr.dtype}")
    if arr.size and (int(arr.min()) < bounds[0] or int(arr.max()) > bounds[1]):
        raise ValueError(f"{name} holds values outside its field's range "
                         f"{bounds[0]} to {bounds[1]}")
    return arr


def _matrix(name, m, dim):
    if not isinstance(m, np.ndarray):
        raise TypeError(f"{name} must be a numpy array, got {type(m).__name__}")
    if m.ndim != 2 or m.shape[1] != dim:
        raise ValueError(f"{name} has shape {m.shape}, expected (rows, {dim}) (args.dim)")
    if m.dtype.kind != "f" or m.dtype.itemsize != 4:
        raise ValueError(f"{name} has dtype {m.dtype}, expected float32 "
                         "(convert it with .astype(np.float32))")
    return m


def _encode(ft: FastTextFile):
    """Check ``ft``; ``(bytes up to the input matrix, input, output)``."""
    if not isinstance(ft, FastTextFile):
        raise TypeError(f"expected a FastTextFile, got {type(ft).__name__}")
    if ft.version not in VERSIONS:
        raise ValueError(f"version {ft.version!r}: only {VERSIONS} can be written")
    a = ft.args
    if not isinstance(a, FastTextArgs):
        raise TypeError(f"args must be a FastTextArgs, got {type(a).__name__}")
    ints = [_check_int(f"args.{name}", getattr(a, name), _INT32) for name in a._INT_FIELDS]
    if isinstance(a.t, bool) or not isinstance(a.t, (int, float, np.floating, np.integer)):
        raise TypeError(f"args.t must be a float, got {type(a.t).__name__}")
    if a.dim <= 0:
        raise ValueError(f"args.dim = {a.dim}; it must be positive")
    if a.bucket < 0:
        raise ValueError(f"args.bucket = {a.bucket}; it must not be negative")

    words = ft.words
    n = len(words)
    nwords = _check_int("nwords", ft.nwords, (0, _INT32[1]))
    nlabels = _check_int("nlabels", ft.nlabels, (0, _INT32[1]))
    if nwords + nlabels != n:
        raise ValueError(f"{n} dictionary entries, but nwords + nlabels = {nwords} + "
                         f"{nlabels}")
    counts = _int_array("counts", ft.counts, (n,), _INT64)
    types = _int_array("types", ft.types, (n,), (0, 1))
    bad = np.flatnonzero(types != (np.arange(n) >= nwords))
    if len(bad):
        i = int(bad[0])
        raise ValueError(f"entry {i} ({words[i]!r}) has type {int(types[i])}, but the first "
                         f"nwords = {nwords} entries must be words (type 0) and the rest "
                         "labels (type 1)")
    ntokens = _check_int("ntokens", ft.ntokens, _INT64)
    prune_size = _check_int("pruneidx_size", ft.pruneidx_size, (-1, _INT64[1]))
    pruneidx = _int_array("pruneidx", ft.pruneidx, (max(prune_size, 0), 2), _INT32)
    input_ = _matrix("input", ft.input, a.dim)
    output = _matrix("output", ft.output, a.dim)

    head = [_SIGNATURE.pack(MAGIC, ft.version), _ARGS.pack(*ints, float(a.t)),
            _DICT_HEAD.pack(n, nwords, nlabels, ntokens, prune_size)]
    for c in range(0, n, _CHUNK_ENTRIES):
        head.append(_entries_bytes(words[c:c + _CHUNK_ENTRIES], counts[c:c + _CHUNK_ENTRIES],
                                   types[c:c + _CHUNK_ENTRIES], c))
    head.append(pruneidx.astype("<i4").tobytes())
    return b"".join(head), input_, output


def _entries_bytes(words, counts, types, first) -> bytes:
    """The dictionary entries of ``words`` (entry ``first`` on): each word's bytes, a
    NUL, its count and type; all at once rather than word by word."""
    m = len(words)
    try:
        arena = ("\0".join(words) + "\0").encode("utf-8", "surrogateescape")
    except TypeError:
        bad = next(i for i, w in enumerate(words) if not isinstance(w, str))
        raise TypeError(f"words must be str, entry {first + bad} is "
                        f"{type(words[bad]).__name__}: {words[bad]!r}") from None
    except UnicodeEncodeError:
        bad = next(i for i, w in enumerate(words) if _unencodable(w))
        raise ValueError(f"entry {first + bad}, {words[bad]!r}, cannot be encoded as UTF-8 "
                         "(it holds a lone surrogate that no byte decodes to)") from None
    a = np.frombuffer(arena, dtype=np.uint8)
    nul = np.flatnonzero(a == 0)
    if len(nul) != m:
        bad = next(i for i, w in enumerate(words) if "\0" in w)
        raise ValueError(f"entry {first + bad}, {words[bad]!r}, contains a NUL character, "
                         "which the format uses to end words")
    lengths = np.diff(nul, prepend=-1)  # each word's bytes and its NUL
    if m and int(lengths.max()) - 1 > MAX_WORD_BYTES:
        bad = int(np.argmax(lengths))
        raise ValueError(f"entry {first + bad} is {int(lengths[bad]) - 1} bytes long; "
                         f"the most a word may have is {MAX_WORD_BYTES}")
    out = np.empty(len(a) + m * _TAIL, dtype=np.uint8)
    out[np.arange(len(a)) + np.repeat(np.arange(m) * _TAIL, lengths)] = a
    tail = np.empty(m, dtype=_ENTRY_TAIL)
    tail["count"] = counts
    tail["type"] = types
    at = nul + 1 + np.arange(m) * _TAIL
    out[at[:, None] + np.arange(_TAIL)] = tail.view(np.uint8).reshape(m, _TAIL)
    return out.tobytes()


def _unencodable(word) -> bool:
    try:
        encode_word(word)
    except UnicodeEncodeError:
        return True
    return False


def _write_matrix(f, mat) -> None:
    """Write ``mat`` as little-endian float32 a block of rows at a time (a copy of one
    block at most, and none for a C-contiguous float32 array on a little-endian CPU)."""
    rows, cols = mat.shape
    step = max(1, _MATRIX_BLOCK_BYTES // (4 * max(cols, 1)))
    for i in range(0, rows, step):
        block = np.ascontiguousarray(mat[i:i + step], dtype=_F32)
        write_all(f, memoryview(block.reshape(-1).view(np.uint8)))
