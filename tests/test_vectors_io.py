"""Reading and writing word2vec files: every variant in the wild, and every way to break one."""
import bz2
import gzip
import os
import sys
import tracemalloc
import warnings

import numpy as np
import pytest

import word2vec_fast as w2v
from word2vec_fast import DuplicateWordWarning, NonFiniteWarning, Vectors, VectorsFormatError
from word2vec_fast import _vecio, vectors_io

from conftest import random_vectors


def _vectors(v=40, dim=6, seed=0):
    return random_vectors(v, dim, seed, special=("é-ü", "日本", "</s>"))


def _bin_records(words, mat, newline=True):
    out = [f"{len(words)} {mat.shape[1]}\n".encode()]
    for w, row in zip(words, mat):
        out.append((w.encode() if isinstance(w, str) else w) + b" "
                   + np.asarray(row, "<f4").tobytes() + (b"\n" if newline else b""))
    return b"".join(out)


def _text_records(words, mat, header=True, eol="\n", fmt="{:.9g}", trailing=""):
    lines = [f"{len(words)} {mat.shape[1]}"] if header else []
    for w, row in zip(words, mat):
        lines.append(w + " " + " ".join(fmt.format(x) for x in row) + trailing)
    return (eol.join(lines) + eol).encode()


def _same(u, v):
    assert u.words == v.words
    assert u.vectors.dtype == np.float32 and u.vectors.flags.c_contiguous
    assert np.array_equal(u.vectors, v.vectors)


# ---------------------------------------------------------------------------- formats

def test_text_layout(tmp_path):
    v = Vectors(["a", "bé"], np.array([[1, 0.1], [-2.5, 1e-20]], dtype=np.float32))
    v.save(tmp_path / "v.txt", binary=False)
    # shortest of 7..9 digits that reads back as the same float32
    assert (tmp_path / "v.txt").read_bytes() == "2 2\na 1 0.1\nbé -2.5 1e-20\n".encode()


@pytest.mark.parametrize("newline", [True, False])
def test_binary_with_and_without_newline(tmp_path, newline):
    v = _vectors()
    (tmp_path / "v.bin").write_bytes(_bin_records(v.words, v.vectors, newline))
    _same(w2v.load(tmp_path / "v.bin"), v)
    _same(w2v.load(tmp_path / "v.bin", binary=True), v)


@pytest.mark.parametrize("header", [True, False])
@pytest.mark.parametrize("eol", ["\n", "\r\n"])
@pytest.mark.parametrize("trailing", ["", " "])
def test_text_variants(tmp_path, header, eol, trailing):
    # word2vec.c writes "%lf " (a trailing space); GloVe has no header; Windows has CRLF
    v = _vectors()
    (tmp_path / "v.txt").write_bytes(_text_records(v.words, v.vectors, header, eol,
                                                   trailing=trailing))
    _same(w2v.load(tmp_path / "v.txt"), v)
    _same(w2v.load(tmp_path / "v.txt", binary=False), v)


def test_text_last_line_without_newline(tmp_path):
    v = _vectors()
    (tmp_path / "v.txt").write_bytes(_text_records(v.words, v.vectors)[:-1])
    _same(w2v.load(tmp_path / "v.txt"), v)


def test_text_numbers_like_other_tools(tmp_path):
    # word2vec.c's %lf, exponents, signs, integers, nan/inf spellings
    data = b"5 3\na 0.000100 -1.500000 2\nb 1e-3 +2.5E+2 -0\nc .5 5. 1e39\nd nan inf -Infinity\n" \
           b"e 123456789012345678901234567890 1e-50 0.30000000000000004441\n"
    (tmp_path / "v.txt").write_bytes(data)
    with pytest.warns(NonFiniteWarning, match="2 vector"):
        u = w2v.load(tmp_path / "v.txt")
    with np.errstate(over="ignore"):  # 1e39 is inf as a float32, on purpose
        want = np.array([[np.float32(float(x)) for x in line.split()[1:]]
                         for line in data.decode().splitlines()[1:]], dtype=np.float32)
    assert np.array_equal(u.vectors, want, equal_nan=True)
    assert np.signbit(u.vectors[1, 2])


@pytest.mark.parametrize("binary", [True, False])
@pytest.mark.parametrize("opener", [gzip.open, bz2.open])
def test_compressed(tmp_path, binary, opener):
    v = _vectors(v=3000, dim=10)
    v.save(tmp_path / "v.out", binary=binary)
    with opener(tmp_path / "v.cmp", "wb") as f:  # no telling extension: found by content
        f.write((tmp_path / "v.out").read_bytes())
    _same(w2v.load(tmp_path / "v.cmp"), v)
    assert len(w2v.load(tmp_path / "v.cmp", limit=7)) == 7


@pytest.mark.parametrize("suffix", [".gz", ".bz2", ".xz"])
def test_save_compressed(tmp_path, suffix):
    v = _vectors()
    v.save(tmp_path / ("v.bin" + suffix))
    _same(w2v.load(tmp_path / ("v.bin" + suffix)), v)


@pytest.mark.parametrize("binary", [True, False])
def test_limit(tmp_path, binary):
    v = _vectors()
    data = _bin_records(v.words, v.vectors) if binary else _text_records(v.words, v.vectors)
    # garbage after the first 5 records: limit=5 must not look at it
    cut = data.index(b"w5 ")
    (tmp_path / "v").write_bytes(data[:cut] + b"\x00garbage" * 10)
    u = w2v.load(tmp_path / "v", limit=5, binary=binary)
    assert u.words == v.words[:5] and np.array_equal(u.vectors, v.vectors[:5])
    assert len(w2v.load(tmp_path / "v", limit=0, binary=binary)) == 0
    with pytest.raises(ValueError):
        w2v.load(tmp_path / "v")
    with pytest.raises(ValueError, match="limit"):
        w2v.load(tmp_path / "v", limit=-1)


@pytest.mark.skipif(not os.path.exists("/proc/self/io"), reason="needs Linux /proc")
def test_limit_reads_only_the_start(tmp_path):
    rng = np.random.default_rng(1)
    v = Vectors([f"w{i}" for i in range(20000)],
                rng.standard_normal((20000, 300)).astype(np.float32))  # 24 MB
    v.save(tmp_path / "big.bin")

    def rchar():
        with open("/proc/self/io") as f:
            return int(next(line for line in f if line.startswith("rchar")).split()[1])

    before = rchar()
    u = w2v.load(tmp_path / "big.bin", limit=10)
    read = rchar() - before
    assert len(u) == 10 and np.array_equal(u.vectors, v.vectors[:10])
    assert read < 3 * vectors_io.BLOCK_BYTES < os.path.getsize(tmp_path / "big.bin")


def test_records_across_block_boundaries(tmp_path, monkeypatch):
    # small blocks: every record (and the header) is split across reads somewhere
    monkeypatch.setattr(vectors_io, "BLOCK_BYTES", 64)
    v = _vectors(v=60, dim=7)
    for binary in (True, False):
        v.save(tmp_path / "v", binary=binary)
        _same(w2v.load(tmp_path / "v"), v)


def test_invalid_utf8_words(tmp_path):
    # the original tool cuts words at 99 bytes, which can split a UTF-8 character
    word = "é".encode() * 49 + "é".encode()[:1]
    mat = np.ones((2, 3), np.float32)
    (tmp_path / "v.bin").write_bytes(_bin_records([b"ok", word], mat))
    with pytest.raises(ValueError, match=r"v\.bin: byte offset 20: record 1: word is not valid"):
        w2v.load(tmp_path / "v.bin")
    assert w2v.load(tmp_path / "v.bin", unicode_errors="replace").words[1] == "é" * 49 + "\ufffd"
    assert w2v.load(tmp_path / "v.bin", unicode_errors="ignore").words[1] == "é" * 49
    u = w2v.load(tmp_path / "v.bin", unicode_errors="surrogateescape")
    u.save(tmp_path / "again.bin")  # the original bytes come back out
    assert (tmp_path / "again.bin").read_bytes() == (tmp_path / "v.bin").read_bytes()


def test_latin1_encoding(tmp_path):
    mat = np.ones((2, 3), np.float32)
    (tmp_path / "v.bin").write_bytes(_bin_records([b"caf\xe9", b"b"], mat))
    assert w2v.load(tmp_path / "v.bin", encoding="latin-1").words == ["café", "b"]
    Vectors(["café"], mat[:1]).save(tmp_path / "l.bin", encoding="latin-1")
    assert b"caf\xe9 " in (tmp_path / "l.bin").read_bytes()


def test_empty_vocabulary(tmp_path):
    Vectors([], np.zeros((0, 5), np.float32)).save(tmp_path / "e.bin")
    assert (tmp_path / "e.bin").read_bytes() == b"0 5\n"
    u = w2v.load(tmp_path / "e.bin")
    assert len(u) == 0 and u.dim == 5


# ---------------------------------------------------------------------------- policies

def test_duplicates_keep_first_with_warning(tmp_path):
    mat = np.arange(12, dtype=np.float32).reshape(4, 3)
    (tmp_path / "d.bin").write_bytes(_bin_records(["a", "b", "a", "c"], mat))
    with pytest.warns(DuplicateWordWarning, match=r"1 duplicate word.*'a' at byte offset 34"):
        u = w2v.load(tmp_path / "d.bin")
    assert u.words == ["a", "b", "c"]
    assert np.array_equal(u.vectors, mat[[0, 1, 3]])
    assert u.index == {"a": 0, "b": 1, "c": 2}
    with pytest.raises(VectorsFormatError, match=r"d\.bin: word 'a' at byte offset 34"):
        w2v.load(tmp_path / "d.bin", duplicates="error")
    (tmp_path / "d.txt").write_bytes(_text_records(["a", "b", "a", "c"], mat))
    with pytest.raises(VectorsFormatError, match=r"d\.txt: word 'a' at line 4"):
        w2v.load(tmp_path / "d.txt", duplicates="error")


def test_duplicates_in_constructor_rejected():
    with pytest.raises(ValueError, match="'a' appears more than once"):
        Vectors(["a", "b", "a"], np.zeros((3, 2)))


def test_nonfinite_policy(tmp_path):
    mat = np.array([[1, 2], [np.nan, 0], [np.inf, 1]], dtype=np.float32)
    Vectors(["a", "b", "c"], mat).save(tmp_path / "n.bin")
    with pytest.warns(NonFiniteWarning, match=r"2 vector\(s\).*first 'b' at byte offset 15"):
        u = w2v.load(tmp_path / "n.bin")
    assert np.array_equal(u.vectors, mat, equal_nan=True)
    with pytest.raises(VectorsFormatError, match="NaN or infinity"):
        w2v.load(tmp_path / "n.bin", nonfinite="error")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        w2v.load(tmp_path / "n.bin", nonfinite="ignore")
    # queries treat such rows as zero vectors instead of spreading NaN
    assert [w for w, s in u.most_similar("a")] == ["b", "c"]
    assert all(s == 0 for _, s in u.most_similar("a"))


def test_save_rejects_words_the_format_cannot_hold(tmp_path):
    for bad in ["a b", "a\nb", ""]:
        with pytest.raises(ValueError, match="space or newline|empty word"):
            Vectors(["ok", bad], np.zeros((2, 2))).save(tmp_path / "x.bin")
    assert not os.listdir(tmp_path)


@pytest.mark.parametrize("binary", [True, False])
def test_save_is_atomic(tmp_path, monkeypatch, binary):
    # the second block fails after the first was written
    path = tmp_path / "v.bin"
    path.write_bytes(b"precious")
    calls = {"n": 0}
    real = _vecio.format_block

    def failing_format(*a):
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        return real(*a)

    monkeypatch.setattr(vectors_io, "SAVE_BLOCK_BYTES", 256)
    monkeypatch.setattr(_vecio, "format_block", failing_format)
    with pytest.raises(OSError, match="disk full"):
        _vectors(v=200).save(path, binary=binary)
    assert path.read_bytes() == b"precious"
    assert os.listdir(tmp_path) == ["v.bin"]


def test_save_in_blocks_is_identical(tmp_path, monkeypatch):
    v = _vectors(v=3000, dim=9)
    monkeypatch.setattr(vectors_io, "SAVE_BLOCK_BYTES", 4096)  # many blocks
    v.save(tmp_path / "a.bin")
    assert (tmp_path / "a.bin").read_bytes() == _bin_records(v.words, v.vectors)
    v.save(tmp_path / "a.txt", binary=False)
    _same(w2v.load(tmp_path / "a.txt"), v)
    monkeypatch.setattr(vectors_io, "SAVE_BLOCK_BYTES", 1 << 24)  # one block
    v.save(tmp_path / "b.txt", binary=False)
    assert (tmp_path / "a.txt").read_bytes() == (tmp_path / "b.txt").read_bytes()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_saved_file_gets_normal_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        _vectors().save(tmp_path / "v.bin")
    finally:
        os.umask(old)
    assert (os.stat(tmp_path / "v.bin").st_mode & 0o777) == 0o644


# ---------------------------------------------------------------------------- malformed

def _bad(tmp_path, data, match, name="bad.bin", **kw):
    (tmp_path / name).write_bytes(data)
    with pytest.raises(ValueError, match=match) as e:
        w2v.load(tmp_path / name, **kw)
    assert name in str(e.value)
    return e.value


def test_malformed_headers(tmp_path):
    row = b"a " + bytes(8) + b"\n"
    _bad(tmp_path, b"", "empty file")
    _bad(tmp_path, b"2 0\n", r"line 1: dimension 0")
    _bad(tmp_path, b"2 -3\n", r"line 1: dimension -3")
    _bad(tmp_path, b"-2 3\n", r"line 1: negative vector count")
    _bad(tmp_path, b"2 99999999999\n" + row, "exceeds the maximum")
    _bad(tmp_path, b"two 2\n" + row, "line 2 .*record 1: not a number")
    _bad(tmp_path, b"vocab dim\n" + row, "line 1 .*record 0: not a number")
    _bad(tmp_path, b"hello\n", "neither a 'vocab_size dim' header")
    _bad(tmp_path, b"two 2\n", "expected a header", binary=True)


def test_not_word2vec_files(tmp_path):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200)
    _bad(tmp_path, png, "not a word2vec file", name="x.png")
    _bad(tmp_path, gzip.compress(b"<html><body>hello</body></html>\n" * 10), "not a",
         name="x.gz")
    _bad(tmp_path, gzip.compress(png), "not a word2vec file", name="y.gz")
    _bad(tmp_path, b"\x1f\x8b" + bytes(100), "cannot decompress", name="z.gz")
    _bad(tmp_path, gzip.compress(_bin_records(["a"], np.ones((1, 3))))[:-12],
         "cannot decompress|cut short|ends", name="t.gz")
    with pytest.raises(ValueError, match="directory"):
        w2v.load(tmp_path)


def test_header_promises_more_or_fewer(tmp_path):
    v = _vectors(v=5, dim=3)
    data = _bin_records(v.words, v.vectors)
    more = data.replace(b"5 3\n", b"6 3\n", 1)
    _bad(tmp_path, more, r"byte offset 93: the header promises 6 vectors but the file ends after 5")
    gz = _bad(tmp_path, gzip.compress(more), r"promises 6 vectors but the file ends after 5",
              name="m.gz")
    assert "decompressed" in str(gz)
    fewer = data.replace(b"5 3\n", b"4 3\n", 1)
    _bad(tmp_path, fewer, r"byte offset 75: the header promises 4 vectors but more data")
    assert len(w2v.load(tmp_path / "bad.bin", limit=4)) == 4
    text = _text_records(v.words, v.vectors)
    _bad(tmp_path, text.replace(b"5 3\n", b"9 3\n", 1), "promises 9", name="m.txt")
    _bad(tmp_path, text.replace(b"5 3\n", b"4 3\n", 1), r"line 6 .*more data", name="f.txt")
    # trailing blank lines are fine
    (tmp_path / "ok.txt").write_bytes(text + b"\n\n  \r\n")
    assert len(w2v.load(tmp_path / "ok.txt")) == 5


def test_truncated_float_block(tmp_path):
    v = _vectors(v=5, dim=3)
    data = _bin_records(v.words, v.vectors)
    for cut in (len(data) - 2, len(data) - 5, len(data) - 14):
        _bad(tmp_path, data[:cut], "cut short|promises|need at least")
    e = _bad(tmp_path, gzip.compress(data[:-5]), r"record 4 is cut short", name="c.gz")
    assert "byte offset" in str(e)


def test_bad_text_records(tmp_path):
    _bad(tmp_path, b"2 3\na 1 2 3\nb 10 20\n", r"line 3 \(byte offset 12\): record 1: too few",
         name="t.txt")
    _bad(tmp_path, b"2 3\na 1 2 3\nb 1 2 3 4\n", r"line 3 .*record 1: too many", name="t.txt")
    _bad(tmp_path, b"2 3\na 1 2 3\nb 1 x 3\n", r"line 3 \(byte offset 16\).*not a number",
         name="t.txt")
    _bad(tmp_path, b"2 3\na 1 2 3\n\nb 1 2 3\n", r"line 3 .*blank line", name="t.txt")
    _bad(tmp_path, b"1 3\n 1 2 3\n", r"line 2 .*empty word", name="t.txt")
    _bad(tmp_path, b"a 1 2\nb 1\n", r"line 2 .*too few", name="g.txt")


def test_bad_binary_records(tmp_path):
    _bad(tmp_path, b"1 2\n " + bytes(9), r"byte offset 4: record 0: empty word")
    _bad(tmp_path, b"2 1\nab " + bytes(4) + b"\nc\nd " + bytes(4),
         r"byte offset 12: record 1: a newline inside a word")
    big = b"1 1\n" + b"x" * (vectors_io.MAX_WORD_BYTES + 10) + b" " + bytes(4)
    _bad(tmp_path, big, r"byte offset 4: record 0: no space within")


def test_huge_claims_allocate_nothing(tmp_path):
    row = b"a " + bytes(400) + b"\n"
    tracemalloc.start()
    try:
        _bad(tmp_path, b"1000000000000 100\n" + row, "need at least")
        _bad(tmp_path, b"1000000000000 100\n" + row * 3, "need at least", limit=10 ** 9)
        _bad(tmp_path, gzip.compress(b"1000000000000 100\n" + row * 3),
             "promises 1000000000000 vectors but the file ends after 3", name="h.gz")
        _bad(tmp_path, b"3 1000000\n" + row, "need at least")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 << 20


def test_parse_float_matches_python():
    rng = np.random.default_rng(3)
    xs = np.concatenate([rng.standard_normal(2000).astype(np.float32),
                         (rng.standard_normal(500) * 1e-30).astype(np.float32),
                         (rng.standard_normal(500) * 1e30).astype(np.float32)])
    for x in xs.tolist():
        for s in (f"{x:.9g}", f"{x:.6f}", repr(x), f"{x:.17e}"):
            assert _vecio.parse_float(s.encode()) == np.float32(float(s)), s
    for bad in (b"", b"-", b"1e", b"1.2.3", b"0x", b"1,5", b"--1", b"e5", b"."):
        assert _vecio.parse_float(bad) is None, bad


def test_find_duplicates_exact_bytes():
    rng = np.random.default_rng(5)
    words = [bytes(rng.integers(33, 127, rng.integers(1, 6)).astype(np.uint8)) for _ in range(5000)]
    arena = b"".join(w + b"\n" for w in words)
    seen, want = set(), []
    for i, w in enumerate(words):
        if w in seen:
            want.append(i)
        seen.add(w)
    assert want  # short random words repeat
    assert _vecio.find_duplicates(arena, len(words)).tolist() == want
    assert _vecio.find_duplicates(b"", 0).tolist() == []
    with pytest.raises(ValueError):
        _vecio.find_duplicates(b"a\nb", 2)


def test_duplicates_made_by_lossy_decoding(tmp_path):
    # different bytes, one word after "replace": still a duplicate
    mat = np.arange(6, dtype=np.float32).reshape(3, 2)
    (tmp_path / "v.bin").write_bytes(_bin_records([b"a\xff", b"b", b"a\xfe"], mat))
    with pytest.warns(DuplicateWordWarning):
        u = w2v.load(tmp_path / "v.bin", unicode_errors="replace")
    assert u.words == ["a\ufffd", "b"] and np.array_equal(u.vectors, mat[:2])
    u = w2v.load(tmp_path / "v.bin", unicode_errors="surrogateescape")
    # F601 is wrong here: ruff holds both lone surrogates as U+FFFD, one key to it
    assert len(u) == 3 and u.index == {"a\udcff": 0, "b": 1, "a\udcfe": 2}  # noqa: F601


def test_save_unaligned_matrix(tmp_path):
    # a matrix at an odd byte offset of a buffer (as one received over the network may
    # be): saved correctly, never read by C through a misaligned float pointer
    mat = np.arange(12, dtype=np.float32).reshape(4, 3)
    buf = np.zeros(mat.nbytes + 1, dtype=np.uint8)
    odd = buf[1:].view(np.float32).reshape(4, 3)
    odd[:] = mat
    assert not odd.flags.aligned
    Vectors._trusted(["a", "b", "c", "d"], odd, None).save(tmp_path / "v.bin")
    assert np.array_equal(w2v.load(tmp_path / "v.bin").vectors, mat)
