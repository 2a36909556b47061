"""Vocab.save / Vocab.load: word2vec.c's ``word count`` vocabulary format."""
import lzma
import os
import subprocess

import numpy as np
import pytest

from word2vec_fast import Vocab

from conftest import c_tool


def test_save_load_round_trip(tmp_path):
    v = Vocab(["the", "a", "ü", "b\udcff"], [5, 3, 3, 1])
    p = tmp_path / "vocab.txt"
    v.save(p)
    assert p.read_bytes() == "the 5\na 3\nü 3\n".encode() + b"b\xff 1\n"
    w = Vocab.load(p)
    assert w.words == v.words
    np.testing.assert_array_equal(w.counts, v.counts)
    assert not [q for q in os.listdir(tmp_path) if ".tmp" in q]


def test_load_sorts_and_applies_min_count(tmp_path):
    p = tmp_path / "vocab.txt"
    p.write_text("</s> 1\nthe 10\nx 2\ny 2\n")
    assert Vocab.load(p).words == ["the", "x", "y", "</s>"]
    assert Vocab.load(p, min_count=2).words == ["the", "x", "y"]
    assert Vocab.load(p, max_final_vocab=2).words == ["the", "x"]


@pytest.mark.parametrize("text, msg", [
    ("the 10\nx\n", "line 2: expected 'word count'"),
    ("the ten\n", "line 1: count must be an integer"),
    ("the -3\n", "line 1: count must be an integer"),
    ("a 1\na 2\n", "line 2: word 'a' appears twice"),
])
def test_load_errors_name_file_and_line(tmp_path, text, msg):
    p = tmp_path / "bad.txt"
    p.write_text(text)
    with pytest.raises(ValueError, match=msg) as e:
        Vocab.load(p)
    assert str(p) in str(e.value)


def _word2vec_c():
    return c_tool("word2vec")


@pytest.mark.skipif(_word2vec_c() is None, reason="word2vec.c not installed")
def test_reads_word2vec_c_save_vocab(tmp_path):
    text = tmp_path / "t.txt"
    text.write_text(("a b c a b a\n" * 50) + "d a\n")
    out = tmp_path / "vocab.txt"
    subprocess.run([_word2vec_c(), "-train", str(text), "-output", str(tmp_path / "v.bin"),
                    "-size", "8", "-iter", "1", "-threads", "1", "-min-count", "1",
                    "-save-vocab", str(out)], check=True, capture_output=True)
    v = Vocab.load(out)
    counts = dict(zip(v.words, v.counts.tolist()))
    assert counts["a"] == 151 and counts["b"] == 100 and counts["c"] == 50 and counts["d"] == 1
    assert v.words == ["a", "b", "</s>", "c", "d"]  # </s> counts the lines (51)


def test_load_rejects_huge_counts_and_damaged_compression(tmp_path):
    # found by tests/fuzz/fuzz_loaders.py: OverflowError / EOFError escaped
    p = tmp_path / "v.txt"
    p.write_bytes(b"a 5\nb %d\n" % (1 << 63))
    with pytest.raises(ValueError,
                       match=r"v.txt, line 2: count must be an integer in \[0, 2\*\*63\)"):
        Vocab.load(p)
    z = tmp_path / "v.xz"
    z.write_bytes(lzma.compress(b"a 5\nb 3\n" * 100)[:40])
    with pytest.raises(ValueError, match="v.xz"):
        Vocab.load(z)
