"""The C scanner against a plain-Python reference: tokens, counts, ids, long tokens,
bad input, pruning, the memory-mapped path, iterables and standard input."""
import gzip
import logging
import os
import subprocess
import sys
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import word2vec_fast as w2v
from word2vec_fast import Corpus, Vocab, encode
from word2vec_fast import _scan
from word2vec_fast.corpus import count_and_encode


# -- the reference: what the scanner must do, written the obvious way ---------------

def ref_cut(tok: bytes, m: int) -> bytes:
    if len(tok) <= m:
        return tok
    for k in range(4):  # back to the start of the character straddling the cut
        if tok[m - k] & 0xC0 != 0x80:
            return tok[:m - k]
    return tok[:m]


def ref_sentences(data: bytes, m: int = 100):
    """Non-empty sentences (lists of bytes tokens); bytes.split() splits on exactly
    space, \\t, \\n, \\r, \\v, \\f."""
    out = []
    for line in data.split(b"\n"):
        toks = [ref_cut(t, m) for t in line.split()]
        if toks:
            out.append(toks)
    return out


def scan_blocks(data: bytes, cuts, m: int, record=True):
    sc = _scan.Scanner(record=record, max_token_bytes=m)
    pos = 0
    for c in sorted(cuts) + [len(data)]:
        sc.feed(data[pos:c])
        pos = c
    sc.end_source()
    return sc


def table_of(sc):
    counts = sc.counts()
    return dict(zip(sc.words(np.arange(len(counts))), counts.tolist()))


def dec(b: bytes) -> str:
    return b.decode("utf-8", "surrogateescape")


PIECES = [b" ", b"\t", b"\n", b"\r", b"\x0b", b"\x0c", b"\r\n", b"  ", b"a", b"b", b"ab",
          b"\x00", "é".encode(), "€".encode(), "😀".encode(), b"\x80", b"\xff", b"\xc3",
          b"\xe2\x82", b"xyzw", b"\x01", b"\x1f", b"\x7f", b"\xa0", b"\x89", b"\x8a",
          b"abcdefghij"]  # bytes that look like separators to a careless 8-bytes-at-once test


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.sampled_from(PIECES), max_size=120),
       cuts=st.lists(st.integers(0, 400), max_size=6), m=st.integers(4, 9))
def test_scanner_matches_reference_on_any_bytes_and_blocks(parts, cuts, m):
    data = b"".join(parts)
    cuts = [c for c in cuts if c <= len(data)]
    sents = ref_sentences(data, m)
    sc = scan_blocks(data, cuts, m)
    ref = Counter(dec(t) for s in sents for t in s)
    assert table_of(sc) == dict(ref)
    assert list(table_of(sc)) == list(ref)  # order of first appearance
    ids, ends = sc.take()
    words = sc.words(np.arange(len(ref)))
    got = [[words[i] for i in ids[a:b]] for a, b in zip([0] + ends.tolist(), ends.tolist())]
    assert got == [[dec(t) for t in s] for s in sents]
    assert sc.stats["tokens"] == sum(map(len, sents))


@pytest.mark.parametrize("m", [4, 5, 6, 7, 100])
def test_long_tokens_cut_at_character_boundary(m):
    for ch in ["a", "é", "€", "😀"]:
        tok = (ch * 200).encode()
        cut = ref_cut(tok, m)
        assert len(cut) <= m and cut.decode() == ch * (len(cut) // len(ch.encode()))
        assert len(cut) > m - len(ch.encode())
        assert _scan.utf8_cut(tok, m) == len(cut)
        sc = scan_blocks(b"x " + tok + b" y", [5, 37], m)
        assert table_of(sc) == {"x": 1, cut.decode(): 1, "y": 1}
        assert sc.stats["cut"] == 1


def test_vocab_and_encode_match_python_reference(tmp_path):
    rng = np.random.default_rng(3)
    words = [f"w{i}" for i in range(300)] + ["ü", "日本", "x\udcff"]
    lines = [" ".join(words[j] for j in rng.zipf(1.3, rng.integers(0, 30)) % len(words))
             for _ in range(800)]
    data = "\n".join(lines).encode("utf-8", "surrogateescape")
    path = tmp_path / "c.txt"
    path.write_bytes(data)
    sents = [[dec(t) for t in s] for s in ref_sentences(data)]
    ref_vocab = Vocab.from_counter(Counter(t for s in sents for t in s), min_count=3)
    vocab = Vocab.build(path, min_count=3)
    assert vocab.words == ref_vocab.words
    assert vocab.counts.tolist() == ref_vocab.counts.tolist()
    ref_ids, ref_offsets, dropped = [], [0], 0
    for s in sents:
        kept = [vocab.index[t] for t in s if t in vocab.index]
        dropped += len(s) - len(kept)
        ref_ids += kept
        if kept:
            ref_offsets.append(len(ref_ids))
    for enc in (encode(path, vocab), count_and_encode(path, min_count=3),
                encode(sents, vocab), count_and_encode(sents, min_count=3),
                encode(path, vocab, out=tmp_path / "ids"),
                count_and_encode(sents, min_count=3, out=tmp_path / "ids2.npy"),
                count_and_encode(path, min_count=3, spill_bytes=0)):
        assert enc.vocab.words == vocab.words
        assert enc.ids.tolist() == ref_ids
        assert enc.offsets.tolist() == ref_offsets
        assert enc.dropped == dropped
    assert np.load(tmp_path / "ids.npy").tolist() == ref_ids
    assert np.load(tmp_path / "ids.offsets.npy").tolist() == ref_offsets
    assert Corpus.load(tmp_path / "ids2.npy", vocab).ids.tolist() == ref_ids
    assert not [p for p in os.listdir(tmp_path) if ".tmp" in p]


def test_spill_in_small_chunks(tmp_path, monkeypatch):
    # many drains and remap chunks, sentence ends falling on every kind of chunk edge
    from word2vec_fast import scan
    monkeypatch.setattr(scan, "DRAIN_ITEMS", 7)
    monkeypatch.setattr(scan, "REMAP_ITEMS", 5)
    rng = np.random.default_rng(0)
    sents = [[f"t{int(j)}" for j in rng.zipf(1.5, rng.integers(0, 9)) % 40] for _ in range(300)]
    a = count_and_encode(sents, min_count=2)
    b = count_and_encode(sents, min_count=2, spill_bytes=16, spill_dir=tmp_path)
    assert b.mapped and not a.mapped
    assert b.ids.tolist() == a.ids.tolist() and b.offsets.tolist() == a.offsets.tolist()
    assert b.dropped == a.dropped
    assert not os.listdir(tmp_path)  # temporary files are gone once mapped


def ref_pruned_counts(tokens, max_size):
    counts, min_reduce = {}, 1
    for t in tokens:
        if t in counts:
            counts[t] += 1
            continue
        counts[t] = 1
        if len(counts) > max_size:
            counts = {w: c for w, c in counts.items() if c > min_reduce}
            min_reduce += 1
    return counts


def test_max_vocab_size_prunes_like_reducevocab(tmp_path, caplog):
    rng = np.random.default_rng(5)
    sents = [[f"w{int(j)}" for j in rng.zipf(1.2, 20) % 5000] for _ in range(500)]
    ref = ref_pruned_counts([t for s in sents for t in s], 200)
    with caplog.at_level(logging.INFO, logger="word2vec_fast"):
        v = Vocab.build(sents, min_count=1, max_vocab_size=200)
    assert dict(zip(v.words, v.counts.tolist())) == ref
    assert v.words == Vocab.from_counter(Counter(ref), 1).words
    assert any("pruned" in r.getMessage() for r in caplog.records)
    # pruning invalidates the provisional ids: a second pass encodes, same result
    enc = count_and_encode(sents, min_count=2, max_vocab_size=200)
    ref_enc = encode(sents, enc.vocab)
    assert enc.ids.tolist() == ref_enc.ids.tolist()
    assert enc.offsets.tolist() == ref_enc.offsets.tolist()


# -- bad input: a vocabulary or a clear ValueError, never a crash ------------------------

def test_bad_input_files(tmp_path):
    rng = np.random.default_rng(9)
    junk = tmp_path / "random.bin"
    junk.write_bytes(rng.integers(0, 256, 1 << 20, dtype=np.uint8).tobytes())
    v = Vocab.build(junk, min_count=1)
    assert len(v) > 0 and max(len(w.encode("utf-8", "surrogateescape")) for w in v.words) <= 100
    assert v.total == sum(map(len, ref_sentences(junk.read_bytes())))
    nul = tmp_path / "nul.txt"
    nul.write_bytes(b"a\0b \0\0 c\n" * 1000 + b"\0" * 5000)
    assert Vocab.build(nul, min_count=1).words == ["a\0b", "\0\0", "c", "\0" * 100]
    big = tmp_path / "big.txt"
    with open(big, "wb") as f:
        f.write("start é".encode())
        f.write(("é" * (25 << 20)).encode())  # one 50 MB token
        f.write(b" end\n")
    enc = count_and_encode(big, min_count=1)
    assert enc.vocab.words == ["start", "é" * 50, "end"]
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert len(Vocab.build(empty)) == 0 and len(encode(empty, Vocab(["a"], [1]))) == 0
    (tmp_path / "nothing").mkdir()
    with pytest.raises(ValueError, match="nothing: directory has no files"):
        Vocab.build(tmp_path / "nothing")
    bad = tmp_path / "cut.gz"
    z = gzip.compress(" ".join(map(str, rng.integers(0, 10**6, 100000))).encode())
    bad.write_bytes(z[: len(z) // 2])  # a truncated download
    with pytest.raises(ValueError, match="cut.gz"):
        Vocab.build(bad)
    with pytest.raises(ValueError, match="max_token_bytes"):
        Vocab.build(empty, max_token_bytes=3)
    with pytest.raises(ValueError, match="max_vocab_size"):
        Vocab.build(empty, max_vocab_size=0)


def test_directories_and_lists_of_paths(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "b.txt.gz").write_bytes(gzip.compress(b"c d"))  # no final newline: file end ends it
    (d / "a.txt").write_bytes(b"a b\nb")
    (d / ".hidden").write_bytes(b"zzz")
    enc = count_and_encode(d, min_count=1)
    sents = [[enc.vocab.words[i] for i in s] for s in enc.sentences()]
    assert sents == [["a", "b"], ["b"], ["c", "d"]]
    enc2 = count_and_encode([d / "a.txt", d / "b.txt.gz"], min_count=1)
    assert enc2.ids.tolist() == enc.ids.tolist()
    with pytest.raises(FileNotFoundError, match="nope"):
        Vocab.build([d / "a.txt", d / "nope"])


def test_iterables_in_bulk():
    sents = [["a", "b", "\udcff"], ("b", "é"), iter(["a"]), []]
    v = Vocab.build(sents, min_count=1)
    assert v.words == ["a", "b", "\udcff", "é"]
    enc = encode([["a", "zz", "é"], ["qq"]], v)
    assert enc.ids.tolist() == [0, 3] and enc.dropped == 2
    with pytest.raises(TypeError, match="tokens must be str, found int"):
        Vocab.build([["a", 3]])
    with pytest.raises(TypeError, match="tokens must be str, found bytes"):
        encode([[b"a"]], v)
    with pytest.raises(TypeError, match="list of tokens"):
        count_and_encode(["a b c"])
    with pytest.raises(ValueError, match="cannot be encoded"):
        Vocab.build([["\ud800"]])


# -- training through the memory map ---------------------------------------------------

def test_mmap_training_is_bit_for_bit_the_in_memory_training(tmp_path):
    rng = np.random.default_rng(2)
    words = [f"w{i}" for i in range(200)]
    text = "\n".join(" ".join(words[j] for j in rng.zipf(1.4, 300) % 200) for _ in range(200))
    path = tmp_path / "c.txt"
    path.write_text(text)
    kw = dict(dim=16, epochs=2, threads=1, seed=7, min_count=2, progress=False)
    a = w2v.train(path, **kw)
    b = w2v.train(path, spill_bytes=0, spill_dir=tmp_path, **kw)
    assert a.vectors.tobytes() == b.vectors.tobytes()
    assert a.stats["words"] == b.stats["words"]
    enc = encode(path, a.vocab, out=tmp_path / "enc.npy")
    c = w2v.train(Corpus.load(tmp_path / "enc.npy", a.vocab), **kw)
    assert a.vectors.tobytes() == c.vectors.tobytes()
    enc.maps[0].release()  # giving pages back never changes what is read
    assert enc.ids.tolist() == encode(path, a.vocab).ids.tolist()


def test_corpus_load_checks_the_files(tmp_path):
    v = Vocab(["a", "b"], [2, 1])
    np.save(tmp_path / "x.npy", np.array([0, 1, 2], dtype=np.int32))
    np.save(tmp_path / "x.offsets.npy", np.array([0, 3], dtype=np.int64))
    with pytest.raises(ValueError, match="x.npy: token id 2"):
        Corpus.load(tmp_path / "x.npy", v)
    np.save(tmp_path / "y.npy", np.array([0, 1, 1], dtype=np.int32))
    np.save(tmp_path / "y.offsets.npy", np.array([0, 2, 1, 3], dtype=np.int64))
    with pytest.raises(ValueError, match="y.offsets.npy: sentence offsets decrease"):
        Corpus.load(tmp_path / "y.npy", v)


# -- standard input -------------------------------------------------------------------

@pytest.mark.parametrize("prune", [None, 3])
def test_stdin_corpus(tmp_path, prune):
    sents = [["a", "b", "c", "a", "b", "a"], ["d", "a", "b"]] * 50
    text = "\n".join(" ".join(s) for s in sents).encode()
    code = ("import sys, word2vec_fast as w2v\n"
            "from word2vec_fast.corpus import count_and_encode\n"
            f"e = count_and_encode('-', min_count=1, max_vocab_size={prune})\n"
            "print(e.vocab.words, e.vocab.counts.tolist(), e.ids.tolist(), e.n_sentences)\n")
    r = subprocess.run([sys.executable, "-c", code], input=text, capture_output=True)
    assert r.returncode == 0, r.stderr.decode()
    ref = count_and_encode(sents, min_count=1, max_vocab_size=prune)
    assert r.stdout.decode().strip() == (f"{ref.vocab.words} {ref.vocab.counts.tolist()} "
                                         f"{ref.ids.tolist()} {ref.n_sentences}")
    assert len(ref.vocab) == (4 if prune is None else 2)


def test_train_reads_stdin():
    text = "\n".join(["a b c a b a", "d a b"] * 50).encode()
    code = ("import word2vec_fast as w2v\n"
            "m = w2v.train('-', min_count=1, dim=4, threads=1, progress=False)\n"
            "print(m.words, m.stats['words'])\n")
    r = subprocess.run([sys.executable, "-c", code], input=text, capture_output=True)
    assert r.returncode == 0, r.stderr.decode()
    assert r.stdout.decode().split() == ["['a',", "'b',", "'c',", "'d']", str(450 * 5)]


def test_page_release_follows_the_training_front(tmp_path):
    from word2vec_fast.runner import _PageRelease
    vocab = Vocab(["a", "b"], [2, 1])
    ids = np.arange(300_000, dtype=np.int32) % 2
    enc = encode([[vocab.words[i] for i in ids]], vocab, out=tmp_path / "e.npy")

    class Engine:
        chunks_per_epoch = 30
        tasks_started = 0

    eng = Engine()
    rel = _PageRelease(enc, eng, threads=2, chunk=10_000)
    for t in (0, 5, 17, 29, 31, 45, 60):
        eng.tasks_started = t
        rel.step()
        assert rel.epoch == max(t - 3, 0) // 30
    assert rel.done_upto == (max(60 - 3, 0) % 30 - 1) * 10_000
    assert np.array_equal(enc.ids, ids)  # dropped pages read back the same
