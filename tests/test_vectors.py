"""Vectors: word2vec.c binary/text formats and basic queries."""
import numpy as np
import pytest

import word2vec_fast as w2v
from word2vec_fast import Vectors

from conftest import random_vectors


def _vectors(v=50, dim=7, seed=0):
    return random_vectors(v, dim, seed, special=("é-ü", "日本"))


def test_binary_layout_is_word2vec_c(tmp_path):
    v = Vectors(["a", "bé"], np.array([[1, 2], [3, 4]], dtype=np.float32))
    v.save(tmp_path / "v.bin")
    data = (tmp_path / "v.bin").read_bytes()
    assert data == (b"2 2\n" + b"a " + np.array([1, 2], "<f4").tobytes() + b"\n"
                    + "bé ".encode() + np.array([3, 4], "<f4").tobytes() + b"\n")


@pytest.mark.parametrize("binary", [True, False])
def test_round_trip(tmp_path, binary):
    v = _vectors()
    path = tmp_path / ("v.bin" if binary else "v.txt")
    v.save(path, binary=binary)
    for b in (binary, None):
        u = w2v.load(path, binary=b)
        assert u.words == v.words
        assert np.array_equal(u.vectors, v.vectors)
    assert len(w2v.load(path, limit=5)) == 5


def test_save_failure_keeps_old_file(tmp_path):
    path = tmp_path / "v.bin"
    path.write_bytes(b"precious")
    v = _vectors()
    v.vectors = None  # makes the write fail midway
    with pytest.raises(ValueError, match="one row per word"):
        v.save(path)
    assert path.read_bytes() == b"precious"
    assert [p.name for p in tmp_path.iterdir()] == ["v.bin"]


def test_truncated_and_garbage_files(tmp_path):
    v = _vectors()
    v.save(tmp_path / "v.bin")
    data = (tmp_path / "v.bin").read_bytes()
    (tmp_path / "cut.bin").write_bytes(data[:-10])
    with pytest.raises(ValueError, match="cut.bin"):
        w2v.load(tmp_path / "cut.bin")
    (tmp_path / "junk.bin").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    with pytest.raises(ValueError, match="junk.bin"):
        w2v.load(tmp_path / "junk.bin")


def test_most_similar_and_similarity():
    v = Vectors(["a", "b", "c", "d"], np.array([[1, 0], [0.9, 0.1], [0, 1], [-1, 0]],
                                              dtype=np.float32))
    assert [w for w, _ in v.most_similar("a", topn=3)] == ["b", "c", "d"]
    assert v.similarity("a", "d") == pytest.approx(-1.0)
    assert "a" in v and "z" not in v and len(v) == 4
    with pytest.raises(KeyError, match="z"):
        v.most_similar("z")
