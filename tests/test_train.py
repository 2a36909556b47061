"""train(): corpora of every kind, planted structure, repeatability, bad input."""
import bz2
import gzip
import lzma
import subprocess
import sys

import numpy as np
import pytest

import word2vec_fast as w2v
from word2vec_fast import Corpus, Vocab, encode
from word2vec_fast import scan

from conftest import group_precision, planted_corpus


@pytest.mark.parametrize("sg", [True, False], ids=["sg", "cbow"])
@pytest.mark.parametrize("hs,negative", [(False, 5), (True, 0)], ids=["ns", "hs"])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("batch", [True, False], ids=["batched", "classic"])
def test_recovers_planted_groups(sg, hs, negative, threads, batch):
    sents = planted_corpus()
    model = w2v.train(sents, dim=24, window=4, sg=sg, hs=hs, negative=negative, epochs=5,
                      min_count=1, sample=0, threads=threads, progress=False, batch=batch)
    # chance is 7/63 = 11%
    assert group_precision(model) > 0.9
    n = sum(map(len, sents))
    assert model.stats["epoch_raw_words"] == [n] * 5


def test_every_thread_every_epoch_every_word():
    # one long text8-style sentence split into many chunks
    rng = np.random.default_rng(5)
    n = 57_123
    ids = rng.integers(0, 50, size=n).astype(np.int32)
    vocab = Vocab([f"w{i}" for i in range(50)], np.sort(np.bincount(ids, minlength=50))[::-1])
    model = w2v.train(ids, vocab=vocab, dim=8, epochs=3, threads=2, progress=False)
    per_thread = np.array(model.stats["thread_epoch_raw_words"])
    assert per_thread.shape == (2, 3)
    assert per_thread.sum(axis=0).tolist() == [n, n, n]
    assert model.stats["words"] == 3 * n
    # both threads took part in every epoch
    assert (per_thread > 0).all()


def test_long_sentences_train_fully():
    # a word that only occurs after token 25,000 of a single 30,000-token sentence
    rng = np.random.default_rng(0)
    toks = [f"a{i}" for i in rng.integers(0, 30, size=30_000)]
    for i in range(25_000, 30_000, 7):
        toks[i] = "late"
    model = w2v.train([toks], dim=10, min_count=1, epochs=1, threads=1, progress=False, seed=3)
    init = w2v.model.Model.create(model.vocab, dim=10, window=5, negative=5, hs=False, sg=True,
                                  cbow_mean=True, sample=1e-3, alpha=0.025, min_alpha=None,
                                  epochs=1, seed=3, min_count=1)
    i = model.vocab["late"]
    assert np.abs(model.vectors[i] - init.vectors[i]).max() > 1e-3
    assert model.stats["epoch_raw_words"] == [30_000]


def test_seeded_single_thread_is_bit_for_bit_repeatable():
    sents = planted_corpus(n_sentences=300)
    for kw in (dict(sg=True), dict(sg=False, hs=True), dict(sg=True, batch=False),
               dict(sg=False, batch=False)):
        a = w2v.train(sents, min_count=1, dim=16, threads=1, seed=11, progress=False, **kw)
        b = w2v.train(sents, min_count=1, dim=16, threads=1, seed=11, progress=False, **kw)
        c = w2v.train(sents, min_count=1, dim=16, threads=1, seed=12, progress=False, **kw)
        assert a.vectors.tobytes() == b.vectors.tobytes()
        assert a.vectors.tobytes() != c.vectors.tobytes()


def test_defaults_follow_word2vec_c():
    sents = planted_corpus(n_sentences=50)
    m = w2v.train(sents, min_count=1, epochs=1, threads=1, progress=False)
    assert m.params["alpha"] == 0.025 and m.params["dim"] == 100
    m = w2v.train(sents, min_count=1, epochs=1, threads=1, progress=False, sg=False)
    assert m.params["alpha"] == 0.05
    assert m.vectors.dtype == np.float32 and m.vectors.flags.c_contiguous
    assert m.vectors.shape == (len(m.words), 100)
    counts = m.vocab.counts
    assert (np.diff(counts) <= 0).all()


# -- corpora from files -----------------------------------------------------------

def _write(path, data: bytes):
    opener = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}.get(path.suffix, open)
    with opener(path, "wb") as f:
        f.write(data)
    return path


@pytest.mark.parametrize("suffix", [".txt", ".gz", ".bz2", ".xz"])
def test_file_corpora_compressed(tmp_path, suffix):
    sents = planted_corpus(n_sentences=400)
    text = "\n".join(" ".join(s) for s in sents).encode() + b"\n"
    path = _write(tmp_path / f"corpus{suffix}", text)
    vocab = Vocab.build(path, min_count=1)
    enc = encode(path, vocab)
    assert len(enc) == sum(map(len, sents))
    assert enc.n_sentences == len(sents)
    ref = encode(sents, vocab)
    assert np.array_equal(enc.ids, ref.ids) and np.array_equal(enc.offsets, ref.offsets)


def test_single_huge_line_across_blocks(tmp_path, monkeypatch):
    # text8 style: one line, no newline, tokens straddling read blocks
    monkeypatch.setattr(scan, "BLOCK_BYTES", 97)
    rng = np.random.default_rng(1)
    words = [("x" * int(k)) + str(int(i)) for k, i in zip(rng.integers(1, 9, 5000),
                                                          rng.integers(0, 40, 5000))]
    path = tmp_path / "one_line.txt"
    path.write_bytes(b"  " + " ".join(words).encode())
    enc = encode(path, Vocab.build(path, min_count=1))
    assert enc.n_sentences == 1 and len(enc) == 5000
    assert [enc.vocab.words[i] for i in enc.ids] == words


def test_whitespace_and_sentences(tmp_path):
    path = tmp_path / "c.txt"
    path.write_bytes(b"a b\tc\r\n\n  b a\x0bc\x0cd\n\na")
    enc = encode(path, Vocab.build(path, min_count=1))
    sents = [[enc.vocab.words[i] for i in s] for s in enc.sentences()]
    assert sents == [["a", "b", "c"], ["b", "a", "c", "d"], ["a"]]


def test_corpus_oov_dropped_and_counted():
    vocab = Vocab(["a", "b"], [3, 2])
    enc = encode([["a", "zz", "b"], ["qq"], ["a"]], vocab)
    assert enc.ids.tolist() == [0, 1, 0]
    assert enc.offsets.tolist() == [0, 2, 3]
    assert enc.dropped == 2


def test_id_arrays_with_vocab():
    vocab = Vocab(["a", "b", "c"], [5, 4, 3])
    ids = np.array([0, 1, 2, 0, 1, 2, 0, 1, 0] * 20, dtype=np.int32)
    offsets = np.array([0, 90, 180], dtype=np.int64)
    m = w2v.train((ids, offsets), vocab=vocab, dim=5, threads=1, progress=False)
    assert m.words == ["a", "b", "c"]
    m2 = w2v.train(Corpus(ids, offsets, vocab), dim=5, threads=1, progress=False)
    assert m.vectors.tobytes() == m2.vectors.tobytes()


# -- bad input: clear errors before any thread starts ------------------------------

SENTS = [["a", "b", "c", "a", "b"]] * 10


@pytest.mark.parametrize("kwargs,exc,match", [
    (dict(dim=0), ValueError, "dim"),
    (dict(dim=-3), ValueError, "dim"),
    (dict(window=0), ValueError, "window"),
    (dict(negative=0, hs=False), ValueError, "negative=0"),
    (dict(negative=-1), ValueError, "negative"),
    (dict(alpha=float("nan")), ValueError, "alpha"),
    (dict(alpha=float("inf")), ValueError, "alpha"),
    (dict(alpha=0.0), ValueError, "alpha"),
    (dict(min_alpha=float("nan")), ValueError, "min_alpha"),
    (dict(sample=-1), ValueError, "sample"),
    (dict(epochs=0), ValueError, "epochs"),
    (dict(threads=0), ValueError, "threads"),
    (dict(dim=2.5), TypeError, "dim"),
    (dict(min_count=0), ValueError, "min_count"),
    (dict(batch=65), ValueError, "batch"),
    (dict(batch=-1), ValueError, "batch"),
    (dict(batch=2.0), TypeError, "batch"),
])
def test_bad_parameters(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        w2v.train(SENTS, min_count=kwargs.pop("min_count", 1), progress=False, **kwargs)


def test_bad_corpora(tmp_path):
    with pytest.raises(ValueError, match="empty vocabulary"):
        w2v.train([], progress=False)
    with pytest.raises(ValueError, match="min_count=5"):
        w2v.train(SENTS, min_count=5 * 10 + 1, progress=False)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="empty vocabulary"):
        w2v.train(empty, progress=False)
    with pytest.raises(FileNotFoundError, match="nope.txt"):
        w2v.train(tmp_path / "nope.txt", progress=False)
    with pytest.raises(TypeError, match="list of tokens"):
        w2v.train((s for s in ["a b c", "d e f"]), min_count=1, progress=False)
    with pytest.raises(TypeError, match="list of tokens"):
        w2v.train(["a b c", "d e f"], min_count=1, progress=False)
    bad_gz = tmp_path / "bad.gz"
    bad_gz.write_bytes(b"this is not gzip data at all")
    with pytest.raises(ValueError, match="bad.gz"):
        w2v.train(bad_gz, progress=False)


def test_bad_id_arrays():
    vocab = Vocab(["a", "b"], [3, 2])
    with pytest.raises(ValueError, match="out of range"):
        w2v.train(np.array([0, 1, 2], dtype=np.int32), vocab=vocab, progress=False)
    with pytest.raises(ValueError, match="out of range"):
        w2v.train(np.array([0, -1], dtype=np.int32), vocab=vocab, progress=False)
    with pytest.raises(TypeError, match="integers"):
        w2v.train(np.array([0.0, 1.0]), vocab=vocab, progress=False)
    with pytest.raises(ValueError, match="vocabulary"):
        w2v.train(np.array([0, 1], dtype=np.int32), progress=False)
    with pytest.raises(ValueError, match="offsets"):
        w2v.train((np.array([0, 1], dtype=np.int32), np.array([0, 5])), vocab=vocab,
                  progress=False)


def test_progress_bar_and_logging(capsys, caplog):
    import logging
    with caplog.at_level(logging.INFO, logger="word2vec_fast"):
        w2v.train(planted_corpus(n_sentences=200), min_count=1, dim=8, threads=2, progress=True)
    err = capsys.readouterr().err
    assert "training" in err and "w/s" in err
    assert any("words/s" in r.getMessage() for r in caplog.records)


# -- the command line ---------------------------------------------------------------

def test_cli_trains_and_saves(tmp_path):
    sents = planted_corpus(n_sentences=400)
    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join(" ".join(s) for s in sents))
    out = tmp_path / "v.bin"
    r = subprocess.run([sys.executable, "-m", "word2vec_fast", "-train", str(corpus), "-output",
                        str(out), "-size", "16", "-threads", "2", "-binary", "1", "-cbow", "0",
                        "-min-count", "1", "-iter", "3"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "words_per_sec=" in r.stderr
    v = w2v.load(out)
    assert len(v) == 65 and v.dim == 16 and v.words[0] == "</s>"  # word2vec.c's layout
    assert out.read_bytes().startswith(b"65 16\n</s> ")
    r = subprocess.run([sys.executable, "-m", "word2vec_fast", "-train", str(tmp_path / "no"),
                        "-output", str(out)], capture_output=True, text=True)
    assert r.returncode == 1 and "no" in r.stderr and "Traceback" not in r.stderr
    r = subprocess.run([sys.executable, "-m", "word2vec_fast", "-train", str(corpus)],
                       capture_output=True, text=True)
    assert r.returncode == 2
