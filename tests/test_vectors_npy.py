"""The memory-mappable npy format (vectors_npy.py), float16 storage and the queries that
need no second matrix."""
import io
import os

import numpy as np
import pytest

import word2vec_fast as w2v
from word2vec_fast import Vectors, VectorsFormatError
from word2vec_fast.vectors_npy import MappedWords, words_path

from conftest import random_vectors

WORDS = ["the", "é", "日本", "слово", "x_y", "z5"]


def _vecs(v=300, dim=12):
    return random_vectors(v, dim, seed=2, special=WORDS)


def _save(tmp_path, v, name="v.npy"):
    p = tmp_path / name
    v.save(p, format="npy")
    return p


@pytest.mark.parametrize("mmap", [False, True])
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_round_trip(tmp_path, mmap, dtype):
    v = _vecs().astype(dtype)
    p = _save(tmp_path, v)
    assert open(words_path(p), "rb").read() == ("\n".join(v.words) + "\n").encode()
    got = w2v.load(p, mmap=mmap)
    assert list(got.words) == list(v.words)
    assert got.vectors.dtype == dtype
    np.testing.assert_array_equal(got.vectors, v.vectors)
    assert isinstance(got.vectors, np.memmap) == mmap
    if mmap:
        assert not got.vectors.flags.writeable and isinstance(got.words, MappedWords)
        with pytest.raises(ValueError, match="read-only"):
            got.vectors[0, 0] = 1
    assert got.most_similar("日本", topn=5) == v.most_similar("日本", topn=5)


def test_mapped_words_find_rows_without_a_dict(tmp_path):
    v = _vecs()
    got = w2v.load(_save(tmp_path, v), mmap=True)
    for i, w in list(enumerate(v.words))[::7] + [(0, v.words[0]), (len(v) - 1, v.words[-1])]:
        assert got.get_index(w) == i and got.words[i] == w
    for w in ("nope", "", "th", "he", "w1\nw2", 3, None, "w" * 1000, "\udcff"):
        assert not got.has_index_for(w) or isinstance(w, int)
    assert got._index is None  # none of that built the word -> row dict
    assert got.words[-1] == v.words[-1] and got.words[1:3] == v.words[1:3]
    with pytest.raises(IndexError):
        got.words[len(v)]
    assert got.index == v.index  # built when asked for
    lim = w2v.load(_save(tmp_path, v), mmap=True, limit=10)
    assert len(lim) == 10 and lim.get_index("w9") == 9 and "w10" not in lim
    few = w2v.load(_save(tmp_path, v), limit=3)
    assert few.words == v.words[:3] and np.array_equal(few.vectors, v.vectors[:3])
    for mmap in (False, True):
        assert len(w2v.load(tmp_path / "v.npy", mmap=mmap, limit=0)) == 0


def test_queries_keep_only_the_norms(tmp_path):
    v = w2v.load(_save(tmp_path, _vecs()), mmap=True)
    v.most_similar("the", topn=3)
    v.analogies([("the", "é", "日本")])
    v.nearest(["w1", "w2"])
    v.similarities([("w1", "w2")])
    v.distances("w3")
    v.closer_than("w1", "w2")
    assert v._unit is None, "a query built the normalised V x dim matrix"
    assert v.norms.shape == (len(v),) and v.norms.dtype == np.float32
    np.testing.assert_allclose(v.norms, np.linalg.norm(v.vectors, axis=1), rtol=1e-6)


def test_normalize_in_place_and_bad_rows():
    v = _vecs(20, 5)
    v.vectors[3] = 0
    v.vectors[4, 1] = np.nan
    before = v.most_similar("w0", topn=None)
    v.normalize()
    n = np.linalg.norm(v.vectors, axis=1)
    assert np.allclose(np.delete(n, [3, 4]), 1, atol=1e-6) and n[3] == n[4] == 0
    np.testing.assert_allclose(v.most_similar("w0", topn=None), before, atol=1e-6)
    assert before[3] == before[4] == 0  # zero and NaN rows score 0, not NaN


def test_float16_load_and_memory(tmp_path):
    v = _vecs()
    v.save(tmp_path / "v.bin")
    h = w2v.load(tmp_path / "v.bin", dtype=np.float16)
    assert h.vectors.dtype == np.float16 and h.vectors.nbytes * 2 == v.vectors.nbytes
    np.testing.assert_allclose(h.vectors, v.vectors, rtol=1e-3, atol=1e-4)
    p = _save(tmp_path, v)
    with pytest.raises(ValueError, match="mmap=True maps the stored float32"):
        w2v.load(p, mmap=True, dtype=np.float16)
    assert w2v.load(p, dtype=np.float16).vectors.dtype == np.float16
    with pytest.raises(ValueError, match="dtype must be"):
        Vectors(["a"], np.ones((1, 2)), dtype=np.int32)


def test_mmap_needs_the_npy_format(tmp_path):
    _vecs().save(tmp_path / "v.bin")
    with pytest.raises(ValueError, match="needs the npy format"):
        w2v.load(tmp_path / "v.bin", mmap=True)
    with pytest.raises(ValueError, match="format must be"):
        _vecs().save(tmp_path / "x", format="pickle")


def test_save_is_atomic(tmp_path):
    p = _save(tmp_path, _vecs())
    old = open(p, "rb").read(), open(words_path(p), "rb").read()
    bad = Vectors(["a b", "c"], np.ones((2, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="space"):
        bad.save(p, format="npy")
    assert (open(p, "rb").read(), open(words_path(p), "rb").read()) == old
    assert sorted(os.listdir(tmp_path)) == ["v.npy", "v.npy.words"]  # no temporary left


def _npy_bytes(arr, fortran=False):
    b = io.BytesIO()
    np.save(b, np.asfortranarray(arr) if fortran else arr)
    return b.getvalue()


@pytest.mark.parametrize("matrix,words,match", [
    (_npy_bytes(np.ones((3, 2), np.float32))[:-4], b"a\nb\nc\n", "promises 3 x 2"),
    (_npy_bytes(np.ones((3, 2), np.float32)) + b"x", b"a\nb\nc\n", "promises 3 x 2"),
    (_npy_bytes(np.ones((3, 2), np.float64)), b"a\nb\nc\n", "'<f8'"),
    (_npy_bytes(np.ones((3, 2), ">f4")), b"a\nb\nc\n", "'>f4'"),
    (_npy_bytes(np.ones((3, 2), np.float32), fortran=True), b"a\nb\nc\n", "Fortran"),
    (_npy_bytes(np.ones((3, 2, 1), np.float32)), b"a\nb\nc\n", "shape"),
    (_npy_bytes(np.ones((3, 0), np.float32)), b"a\nb\nc\n", "dimension 0"),
    (_npy_bytes(np.array([None, 1], dtype=object)), b"a\nb\n", "'|O'"),
    (b"\x93NUMPY\x01\x00\x10\x00{'descr': '<f4',\n", b"", "not a usable .npy header"),
    (b"\x93NUMPY\x09\x00", b"", "version"),
    (_npy_bytes(np.ones((3, 2), np.float32)), b"a\nb\n", "2 newline-terminated words.*3 rows"),
    (_npy_bytes(np.ones((3, 2), np.float32)), b"a\nb\nc", "unterminated"),
    (_npy_bytes(np.ones((3, 2), np.float32)), b"a\n\nc\n", "line 2: empty word"),
    (_npy_bytes(np.ones((3, 2), np.float32)), b"a\nb\xff\nc\n", "line 2: not valid UTF-8"),
    (_npy_bytes(np.ones((3, 2), np.float32)), b"a\nb\na\n", "line 3: word 'a' appears"),
])
@pytest.mark.parametrize("mmap", [False, True])
def test_damaged_files(tmp_path, matrix, words, match, mmap):
    p = tmp_path / "v.npy"
    p.write_bytes(matrix)
    (tmp_path / "v.npy.words").write_bytes(words)
    with pytest.raises(VectorsFormatError, match=match) as e:
        w2v.load(p, mmap=mmap)
    assert str(p) in str(e.value)


def test_missing_words_file(tmp_path):
    p = tmp_path / "v.npy"
    p.write_bytes(_npy_bytes(np.ones((1, 2), np.float32)))
    with pytest.raises(VectorsFormatError, match="v.npy.words: missing"):
        w2v.load(p)


def test_empty_vectors(tmp_path):
    v = Vectors([], np.zeros((0, 4), dtype=np.float32))
    p = _save(tmp_path, v)
    for mmap in (False, True):
        got = w2v.load(p, mmap=mmap)
        assert len(got) == 0 and got.dim == 4 and "a" not in got
