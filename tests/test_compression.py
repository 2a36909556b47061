"""One compression rule for reading (content) and one for writing (suffix), for every file."""
import bz2
import gzip
import lzma

import numpy as np
import pytest

import word2vec_fast as w2v
from word2vec_fast import Vocab, compression

TEXT = b"the cat sat\nthe dog sat\n" * 20
PACK = {"gzip": gzip.compress, "bzip2": bz2.compress, "xz": lzma.compress,
        "lzma": lambda b: lzma.compress(b, format=lzma.FORMAT_ALONE)}


@pytest.mark.parametrize("comp", sorted(PACK))
def test_content_decides_whatever_the_name(tmp_path, comp):
    path = tmp_path / "corpus.data"  # no telling suffix
    path.write_bytes(PACK[comp](TEXT))
    assert compression.compression_of(path) == comp
    with compression.open_read(path) as f:
        assert f.read() == TEXT
    enc = w2v.count_and_encode(path, min_count=1)
    assert sorted(enc.vocab.words) == ["cat", "dog", "sat", "the"] and len(enc) == 120


def test_plain_text_is_plain():
    assert compression.sniff(b"the cat") is None
    assert compression.sniff(b"") is None


@pytest.mark.parametrize("name", ["c.gz", "c.bz2", "c.xz", "c.lzma"])
def test_a_name_promising_compression_the_bytes_lack_is_an_error(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"<html>not found</html>\n")
    with pytest.raises(ValueError, match=name):
        compression.open_read(path)
    with pytest.raises(ValueError, match=name):
        w2v.train(path, min_count=1, progress=False)
    with pytest.raises(w2v.VectorsFormatError, match=name):
        w2v.load(path)


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz", ""])
def test_writing_compresses_by_suffix_and_every_reader_reads_it_back(tmp_path, suffix):
    v = w2v.Vectors(["a", "b"], np.array([[1, 2], [3, 4]], dtype=np.float32))
    path = tmp_path / f"v.txt{suffix}"
    v.save(path, binary=False)
    want = {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz", "": None}[suffix]
    assert compression.compression_of(path) == want
    assert compression.write_compression(path) == want
    assert w2v.load(path).words == ["a", "b"]


def test_vocabularies_and_evaluation_files_read_compressed(tmp_path):
    voc = tmp_path / "vocab.txt.gz"
    voc.write_bytes(gzip.compress(b"the 40\nsat 40\ncat 20\n"))
    assert Vocab.load(voc).words == ["the", "sat", "cat"]
    pairs = tmp_path / "pairs.bin"  # named like nothing, gzip inside
    pairs.write_bytes(gzip.compress(b"a b 1.0\na c 2.0\nb c 3.0\n"))
    v = w2v.Vectors(["a", "b", "c"], np.eye(3, dtype=np.float32) + 0.1)
    assert w2v.evaluate_word_pairs(v, pairs).pairs == 3


def test_strip_write_suffix():
    assert compression.strip_write_suffix("v.txt.GZ") == "v.txt"
    assert compression.strip_write_suffix("v.bin") == "v.bin"
