"""Word vectors: a vocabulary plus a (V, dim) float32 matrix, with queries and I/O.

The on-disk formats are word2vec.c's:

* binary: header ``"V dim\\n"``, then per word the UTF-8 word, one space,
  ``dim`` little-endian float32 and ``"\\n"``;
* text: the same header, then ``word v1 ... vdim\\n`` per word.
"""
from __future__ import annotations

import os
import tempfile

import numpy as np

from .corpus_io import open_binary


def _atomic_write(path, write):
    """Write through ``write(f)`` into a temporary file, then rename it over ``path``."""
    path = os.fspath(path)
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".w2v-", suffix=".tmp", dir=d)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


class Vectors:
    """Word vectors with the queries people expect.

    Parameters
    ----------
    words : list of str
        ``words[i]`` is the word of row ``i``.
    vectors : numpy.ndarray, shape (V, dim), float32
        One row per word (kept, not copied, when already float32 and C-contiguous).
    """

    def __init__(self, words, vectors):
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(words):
            raise ValueError(f"need one row per word: {len(words)} words, matrix {vectors.shape}")
        self.words = list(words)
        self.vectors = vectors
        self.index = {w: i for i, w in enumerate(self.words)}
        self._unit = None

    # -- basic access -----------------------------------------------------------
    def __len__(self):
        return len(self.words)

    def __contains__(self, word):
        return word in self.index

    def __getitem__(self, word):
        try:
            return self.vectors[self.index[word]]
        except KeyError:
            raise KeyError(f"word {word!r} not in vocabulary") from None

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    def __repr__(self):
        return f"Vectors({len(self)} words, dim {self.dim})"

    # -- queries ----------------------------------------------------------------
    @property
    def unit_vectors(self) -> np.ndarray:
        """Rows scaled to unit length (computed once, cached: one more V x dim float32)."""
        if self._unit is None or self._unit.shape != self.vectors.shape:
            norms = np.linalg.norm(self.vectors, axis=1, keepdims=True)
            self._unit = (self.vectors / np.maximum(norms, 1e-12)).astype(np.float32)
        return self._unit

    def _idx(self, word) -> int:
        try:
            return self.index[word]
        except KeyError:
            raise KeyError(f"word {word!r} not in vocabulary") from None

    def similarity(self, a: str, b: str) -> float:
        """Cosine similarity of two words."""
        u = self.unit_vectors
        return float(u[self._idx(a)] @ u[self._idx(b)])

    def most_similar(self, positive=(), negative=(), topn: int = 10, restrict_vocab=None):
        """Words closest by cosine to the mean of ``positive`` minus ``negative`` (3CosAdd).

        The query words themselves are excluded.  Returns a list of ``(word, cosine)``.
        """
        if isinstance(positive, str):
            positive = [positive]
        if isinstance(negative, str):
            negative = [negative]
        if not positive and not negative:
            raise ValueError("most_similar needs at least one word")
        u = self.unit_vectors
        lim = len(self) if restrict_vocab is None else min(int(restrict_vocab), len(self))
        q = np.zeros(self.dim, dtype=np.float32)
        used = set()
        for w in positive:
            i = self._idx(w)
            q += u[i]
            used.add(i)
        for w in negative:
            i = self._idx(w)
            q -= u[i]
            used.add(i)
        q /= max(float(np.linalg.norm(q)), 1e-12)
        sims = u[:lim] @ q
        k = min(topn + len(used), lim)
        if k <= 0:
            return []
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[np.argsort(-sims[top], kind="stable")]
        return [(self.words[i], float(sims[i])) for i in top if i not in used][:topn]

    # -- I/O --------------------------------------------------------------------
    def save(self, path, binary: bool = True) -> None:
        """Write word2vec binary (default) or text format; atomically replaces ``path``."""
        vecs = np.ascontiguousarray(self.vectors, dtype="<f4")
        header = f"{len(self)} {self.dim}\n".encode()

        def write(f):
            f.write(header)
            if binary:
                for i, w in enumerate(self.words):
                    f.write(w.encode("utf-8", "surrogateescape") + b" ")
                    f.write(vecs[i].tobytes())
                    f.write(b"\n")
            else:
                for i, w in enumerate(self.words):
                    # 9 significant digits round-trip float32 exactly
                    row = " ".join(f"{x:.9g}" for x in vecs[i].tolist())
                    f.write(w.encode("utf-8", "surrogateescape") + b" " + row.encode() + b"\n")

        _atomic_write(path, write)

    @classmethod
    def load(cls, path, binary: bool | None = None, limit: int | None = None) -> "Vectors":
        """Read a word2vec binary or text file (format detected when ``binary`` is None)."""
        p = os.fspath(path)
        with open_binary(p) as f:
            head = f.readline(1024)
            parts = head.split()
            if len(parts) != 2 or not all(x.isdigit() for x in parts):
                raise ValueError(f"{p}: line 1: expected a header 'vocab_size dim', got {head[:80]!r}")
            v, dim = int(parts[0]), int(parts[1])
            if dim <= 0 or dim > 1_000_000:
                raise ValueError(f"{p}: line 1: implausible dimension {dim}")
            if limit is not None:
                v = min(v, int(limit))
            rest = b""
            if binary is None:
                # Text if the first record reads as a word and dim numbers.
                rest = f.read(max(4096, 64 * dim))
                first = rest.split(b"\n", 1)[0].split()
                binary = not (len(first) == dim + 1 and all(_is_float(x) for x in first[1:]))
            words, mat = [], np.empty((v, dim), dtype=np.float32)
            buf = bytearray(rest)
            if binary:
                rowbytes = 4 * dim
                for i in range(v):
                    # word: bytes up to a space (skipping a leading newline)
                    while True:
                        sp = buf.find(b" ")
                        if sp >= 0:
                            break
                        more = f.read(1 << 16)
                        if not more:
                            raise ValueError(f"{p}: record {i}: file ends inside a word")
                        buf += more
                    word = bytes(buf[:sp]).lstrip(b"\n")
                    del buf[: sp + 1]
                    while len(buf) < rowbytes:
                        more = f.read(max(1 << 16, rowbytes - len(buf)))
                        if not more:
                            raise ValueError(
                                f"{p}: record {i} ({word[:40]!r}): file ends inside its vector")
                        buf += more
                    mat[i] = np.frombuffer(bytes(buf[:rowbytes]), dtype="<f4")
                    del buf[:rowbytes]
                    words.append(word.decode("utf-8", "surrogateescape"))
            else:
                text = bytes(buf) + f.read()
                lines = text.split(b"\n")
                for i in range(v):
                    if i >= len(lines) or not lines[i].strip():
                        raise ValueError(f"{p}: line {i + 2}: expected {v} vectors, file ends early")
                    fields = lines[i].rstrip(b"\r").split(b" ")
                    if len(fields) != dim + 1:
                        raise ValueError(f"{p}: line {i + 2}: expected a word and {dim} numbers, "
                                         f"got {len(fields) - 1}")
                    try:
                        mat[i] = np.array(fields[1:], dtype=np.float32)
                    except ValueError:
                        raise ValueError(f"{p}: line {i + 2}: not a number") from None
                    words.append(fields[0].decode("utf-8", "surrogateescape"))
        return cls(words, mat)


def _is_float(b: bytes) -> bool:
    try:
        float(b)
        return True
    except ValueError:
        return False


def load(path, binary: bool | None = None, limit: int | None = None) -> Vectors:
    """Load word2vec vectors (binary or text); see :meth:`Vectors.load`."""
    return Vectors.load(path, binary=binary, limit=limit)
