"""GloVe: co-occurrence counts against an exact plain-Python reference (files, gzip,
token lists, any number of threads, spills, dense or sparse), SciPy export, Stanford's
files and this package's, the AdaGrad update of every build against NumPy, and
training: repeatability, the per-epoch record, checkpoints and resume, Ctrl-C,
divergence, bad parameters, records past the memory budget and the output files."""
import errno
import gzip
import json
import logging
import math
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from fractions import Fraction

import numpy as np
import pytest

import word2vec_fast as w2v
from word2vec_fast import _glove, glove, glove_counts
from word2vec_fast.callbacks import CheckpointCallback
from word2vec_fast.errors import StopTraining, TrainingDiverged, TrainingInterrupted
from word2vec_fast.glove_counts import Cooccurrence, CooccurrenceFormatError

from conftest import SIGINT_CHILD, group_precision, planted_corpus

LOGGER = "word2vec_fast"
ARRAYS = ("word_vectors", "context_vectors", "word_biases", "context_biases")
REAL_TEMPORARY_FILE = tempfile.TemporaryFile


# -- an exact plain-Python reference of the counts ---------------------------------------

SEPARATORS = re.compile(rb"[ \t\v\f\r]+")


def ref_lines(data: bytes, max_token_bytes: int = 100) -> list:
    """The scanner's tokens, line by line: '\\n' ends a line, space, tab, VT, FF and CR
    separate tokens, and a token longer than ``max_token_bytes`` keeps its first
    ``max_token_bytes`` bytes less a UTF-8 character cut in two."""
    return [[t[:max_token_bytes].decode("utf-8", "ignore") for t in SEPARATORS.split(line) if t]
            for line in data.split(b"\n")]


def ref_vocab(lines, min_count=1, keep=None):
    """Kept words (count >= min_count, or those of ``keep``) with their counts, in the
    vocabulary's order: count descending, ties by first appearance."""
    freq, first = {}, {}
    for line in lines:
        for t in line:
            freq[t] = freq.get(t, 0) + 1
            first.setdefault(t, len(first))
    kept = [w for w in freq if (freq[w] >= min_count if keep is None else w in keep)]
    kept.sort(key=lambda w: (-freq[w], first[w]))
    return kept, freq


def ref_counts(lines, window, *, min_count=1, symmetric=True, weighting=True, keep=None):
    """X as {(row word, column word): Fraction}, both triangles, cooccur.c's semantics:
    rare words dropped before windowing, a window inside its line, 1/d (or 1) per pair,
    symmetric: both ways; otherwise X[left context, target]."""
    kept, _ = ref_vocab(lines, min_count, keep)
    kept = set(kept)
    scale = math.lcm(*range(1, window + 1)) if weighting else 1
    units = {}
    for line in lines:
        toks = [t for t in line if t in kept]
        for j, target in enumerate(toks):
            for d in range(1, min(window, j) + 1):
                ctx = toks[j - d]
                u = scale // d if weighting else 1
                units[(ctx, target)] = units.get((ctx, target), 0) + u
                if symmetric:
                    units[(target, ctx)] = units.get((target, ctx), 0) + u
    return {k: Fraction(u, scale) for k, u in units.items()}


def is_mapped(a) -> bool:
    """Whether an array is a read-only view of a file's map (np.memmap or a buffer)."""
    return not a.flags.owndata and not a.flags.writeable


def counts_dict(c: Cooccurrence) -> dict:
    """The counts as {(row word, column word): value}, both triangles, after checking
    the layout: int32/int32/float64, sorted by (row, column) without repeats, upper
    triangle when symmetric."""
    rows, cols, vals = np.asarray(c.rows), np.asarray(c.cols), np.asarray(c.values)
    assert rows.dtype == np.int32 and cols.dtype == np.int32 and vals.dtype == np.float64
    assert rows.shape == cols.shape == vals.shape == (len(c),)
    key = rows.astype(np.int64) * len(c.vocab) + cols
    assert np.all(np.diff(key) > 0), "records not sorted by (row, column) or repeated"
    if c.symmetric:
        assert np.all(rows <= cols)
    words = c.vocab.words
    out = {}
    for r, k, v in zip(rows.tolist(), cols.tolist(), vals.tolist()):
        out[(words[r], words[k])] = v
        if c.symmetric:
            out[(words[k], words[r])] = v
    return out


def check_counts(c, lines, window, *, min_count=1, symmetric=True, weighting=True):
    kept, freq = ref_vocab(lines, min_count)
    assert c.vocab.words == kept
    assert c.vocab.counts.tolist() == [freq[w] for w in kept]
    ref = ref_counts(lines, window, min_count=min_count, symmetric=symmetric,
                     weighting=weighting)
    got = counts_dict(c)
    assert set(got) == set(ref)
    bad = [(k, got[k], ref[k]) for k in ref if got[k] != float(ref[k])]
    assert not bad, f"{len(bad)} counts differ, e.g. {bad[:3]}"
    assert c.n_records == len(ref)
    stored = (len(ref) + sum(a == b for a, b in ref)) // 2 if symmetric else len(ref)
    assert c.nnz == len(c) == stored
    assert c.symmetric is symmetric and c.window == window
    assert c.distance_weighting is weighting
    assert c.tokens == sum(freq[w] for w in kept)
    for (a, b), x in list(ref.items())[:20]:
        assert c.get(a, b) == float(x)
        assert c.get(b, a) == float(ref.get((b, a), 0))
    return ref


def gen_text(seed, n_lines=300, vocab=25, final_newline=False) -> bytes:
    """Zipf-distributed words with every separator the scanner knows, CRLF and blank
    lines, whitespace-only lines and long tokens that the cut merges (ASCII and UTF-8)."""
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(vocab)] + ["é", "ça", "日本"]
    longs = ["L" * 130 + "a", "L" * 100 + "b", "L" * 117,   # one token once cut to 100 bytes
             "é" * 60,                                      # 120 bytes: cut to 50 é
             "x" * 99 + "é",                                # the cut splits é: 99 x
             "y" * 98 + "日"]                               # 101 bytes: 98 y
    seps = [b" ", b" ", b"  ", b"\t", b"\v", b"\f", b"\r", b" \t "]
    lines = []
    for _ in range(n_lines):
        r = rng.random()
        if r < 0.06:
            lines.append(b"")
            continue
        if r < 0.09:
            lines.append(b" \t ")
            continue
        toks = []
        for _ in range(rng.integers(1, 16)):
            if rng.random() < 0.04:
                toks.append(longs[rng.integers(len(longs))])
            else:
                toks.append(words[min(int(rng.zipf(1.3)) - 1, len(words) - 1)])
        line = b"".join(t.encode() + seps[rng.integers(len(seps))] for t in toks)
        if rng.random() < 0.5:
            line = line.rstrip()
        if rng.random() < 0.2:
            line = b"\t" + line
        lines.append(line)
    ends = [b"\n", b"\r\n"]
    out = b"".join(line + ends[rng.integers(2)] for line in lines)
    return out if final_newline else out.rstrip(b"\r\n") + b" w0 w1 w0"  # no final newline


TEXT = gen_text(1)
TEXT_LINES = ref_lines(TEXT)


def test_reference_tokenizer_matches_the_package_vocabulary(tmp_path):
    # the reference cuts tokens as the scanner does (Vocab.build holds the proof)
    p = tmp_path / "t.txt"
    p.write_bytes(TEXT)
    for m in (7, 100):
        kept, freq = ref_vocab(ref_lines(TEXT, m))
        v = w2v.Vocab.build(p, min_count=1, max_token_bytes=m)
        assert v.words == kept and v.counts.tolist() == [freq[w] for w in kept]
    assert "L" * 100 in kept and "é" * 50 in kept and "x" * 99 in kept and "y" * 98 in kept
    assert ["w0", "w1", "w0"] == TEXT_LINES[-1][-3:]


COUNT_CASES = [  # symmetric, distance_weighting, window, threads, min_count
    (True, True, 5, 1, 1), (True, True, 1, 2, 2), (False, True, 5, 3, 1),
    (False, False, 1, 2, 2), (True, False, 5, 3, 3), (False, True, 2, 1, 3),
]


@pytest.mark.parametrize("source", ["file", "gzip", "lists", "generator"])
@pytest.mark.parametrize("symmetric,weighting,window,threads,min_count", COUNT_CASES)
def test_counts_equal_the_exact_reference(tmp_path, source, symmetric, weighting, window,
                                          threads, min_count):
    if source == "file":
        corpus = tmp_path / "c.txt"
        corpus.write_bytes(TEXT)
    elif source == "gzip":
        corpus = tmp_path / "c.txt.gz"
        corpus.write_bytes(gzip.compress(TEXT))
    elif source == "lists":
        corpus = [list(line) for line in TEXT_LINES]
    else:  # a one-shot iterator
        corpus = (list(line) for line in TEXT_LINES)
    c = glove_counts.count(corpus, window=window, min_count=min_count, symmetric=symmetric,
                           distance_weighting=weighting, threads=threads, progress=False)
    check_counts(c, TEXT_LINES, window, min_count=min_count, symmetric=symmetric,
                 weighting=weighting)


def test_counts_of_a_self_neighbour_and_short_lines():
    # "a a": the diagonal gets 2/d when symmetric, 1/d when not; windows stop at the line
    lines = [["a", "a", "b"], ["b"], [], ["a", "c", "a"]]
    c = glove_counts.count(lines, window=2, min_count=1, threads=1)
    assert c.get("a", "a") == 2.0 + 2 * 0.5  # distance 1 in line 1, distance 2 in line 4
    assert c.get("a", "b") == 1.0 + 0.5 and c.get("b", "a") == 1.5
    assert c.get("b", "c") == 0.0 and c.get("a", "c") == 2.0
    ca = glove_counts.count(lines, window=2, min_count=1, threads=1, symmetric=False)
    assert ca.get("a", "a") == 1.0 + 0.5 and ca.get("a", "b") == 1.5 and ca.get("b", "a") == 0
    assert ca.get("c", "a") == 1.0 and ca.get("a", "c") == 1.0
    with pytest.raises(KeyError):
        c.get("a", "zzz")


def test_counts_with_short_max_token_bytes(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_bytes(TEXT)
    lines = ref_lines(TEXT, 5)
    c = glove_counts.count(corpus, window=3, min_count=1, threads=2, max_token_bytes=5)
    assert {"LLLLL", "éé", "日", "w0", "xxxxx"} <= set(c.vocab.index)  # 5 bytes: "日本" -> "日"
    check_counts(c, lines, 3)


def test_counts_with_progress_bars(capsys):
    pytest.importorskip("tqdm")
    c = glove_counts.count(TEXT_LINES, window=2, min_count=1, threads=2, progress=True)
    check_counts(c, TEXT_LINES, 2)
    m = glove.train(c, dim=4, epochs=2, threads=2, progress=True)
    assert len(m.history) == 2
    err = capsys.readouterr().err
    assert "counting" in err and "training" in err


def test_rare_and_unknown_words_are_removed_before_windowing():
    # with "r" dropped, "a" and "b" are neighbours (distance 1, not 2)
    lines = [["a", "r", "b"], ["a", "b", "a", "b"]]
    c = glove_counts.count(lines, window=1, min_count=2, threads=1)
    assert "r" not in c.vocab.index
    assert c.get("a", "b") == 4.0
    check_counts(c, lines, 1, min_count=2)
    # a given vocabulary: words outside it go before windowing too
    vocab = w2v.Vocab(["b", "a"], [3, 3])
    c = glove_counts.count(lines, window=2, min_count=1, threads=2, vocab=vocab)
    assert c.vocab.words == ["b", "a"]
    ref = ref_counts(lines, 2, keep={"a", "b"})
    assert counts_dict(c) == {k: float(v) for k, v in ref.items()}


def test_max_vocab_keeps_the_most_frequent_words():
    lines = [["a"] * 5 + ["b"] * 4 + ["c"] * 3 + ["d"] * 2, ["d", "a", "c", "b", "a"]]
    c = glove_counts.count(lines, window=3, min_count=1, max_vocab=2, threads=1)
    assert c.vocab.words == ["a", "b"]
    ref = ref_counts(lines, 3, keep={"a", "b"})
    assert counts_dict(c) == {k: float(v) for k, v in ref.items()}


def big_text(seed=3, tokens=24_000, vocab=500, line=30) -> bytes:
    rng = np.random.default_rng(seed)
    ids = np.minimum(rng.zipf(1.2, size=tokens) - 1, vocab - 1)
    ids = np.where(rng.random(tokens) < 0.5, rng.integers(0, vocab, tokens), ids)
    words = np.array([f"v{i}" for i in range(vocab)])[ids]
    return "\n".join(" ".join(words[i:i + line]) for i in range(0, tokens, line)).encode()


BIG = big_text()
BIG_LINES = ref_lines(BIG)


@pytest.mark.parametrize("symmetric,threads", [(True, 1), (True, 2), (False, 2)])
def test_counts_spilled_past_a_tiny_budget_are_exact(tmp_path, caplog, symmetric, threads):
    corpus = tmp_path / "big.txt"
    corpus.write_bytes(BIG)
    spill = tmp_path / "spill"
    spill.mkdir()
    with caplog.at_level(logging.INFO, logger=LOGGER):
        c = glove_counts.count(corpus, window=5, min_count=2, symmetric=symmetric,
                               threads=threads, memory=1e-5, spill_dir=spill, progress=False)
    assert "spilling" in caplog.text
    assert re.search(r"\d+ runs spilled", caplog.text)
    check_counts(c, BIG_LINES, 5, min_count=2, symmetric=symmetric)
    # the memory-mapped result works like an in-memory one
    inmem = glove_counts.count(corpus, window=5, min_count=2, symmetric=symmetric,
                               threads=threads, progress=False)
    for a in ("rows", "cols", "values"):
        assert np.array_equal(np.asarray(getattr(c, a)), getattr(inmem, a))


def _dense_log(text):
    m = re.search(r"dense block of (\d+) entries per thread \(max product (\d+)\)", text)
    assert m, text
    return int(m.group(1)), int(m.group(2))


@pytest.mark.parametrize("threads", [1, 3])
def test_counts_all_sparse_or_all_dense_are_the_same(monkeypatch, caplog, threads):
    lines = TEXT_LINES * 2
    kw = dict(window=4, min_count=1, threads=threads, progress=False)
    monkeypatch.setattr(glove_counts, "DENSE_MAX", 4)
    with caplog.at_level(logging.INFO, logger=LOGGER):
        sparse = glove_counts.count(lines, **kw)
    size, _ = _dense_log(caplog.text)
    assert size <= 4
    check_counts(sparse, lines, 4)
    monkeypatch.undo()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger=LOGGER):
        dense = glove_counts.count(lines, memory=1.0, **kw)
    _, product = _dense_log(caplog.text)
    assert product >= len(dense.vocab) ** 2  # every pair is a dense one
    for a in ("rows", "cols", "values"):
        assert np.array_equal(getattr(sparse, a), getattr(dense, a))


def test_counts_of_single_word_lines_are_empty(tmp_path):
    c = glove_counts.count([["a"], ["b"], ["a"]], window=3, min_count=1, threads=2)
    assert len(c) == 0 and c.n_records == 0
    c.save(tmp_path / "e.cooc")
    for mmap in (False, True):
        assert len(Cooccurrence.load(tmp_path / "e.cooc", mmap=mmap)) == 0
    c.save_stanford(tmp_path / "e.bin", tmp_path / "v.txt")
    assert (tmp_path / "e.bin").stat().st_size == 0
    assert len(Cooccurrence.load_stanford(tmp_path / "e.bin", tmp_path / "v.txt")) == 0
    with pytest.raises(ValueError, match="no co-occurrences"):
        glove.train(c, dim=4, epochs=1, threads=1, progress=False)
    with pytest.raises(ValueError, match="empty vocabulary"):
        glove_counts.count([["a"]], min_count=5)


# -- SciPy ---------------------------------------------------------------------------

def ref_dense(ref: dict, words: list) -> np.ndarray:
    idx = {w: i for i, w in enumerate(words)}
    m = np.zeros((len(words), len(words)))
    for (a, b), x in ref.items():
        m[idx[a], idx[b]] = float(x)
    return m


@pytest.mark.parametrize("symmetric", [True, False])
def test_to_scipy_is_the_whole_matrix(symmetric):
    pytest.importorskip("scipy")
    c = glove_counts.count(TEXT_LINES, window=3, min_count=2, symmetric=symmetric, threads=2)
    want = ref_dense(ref_counts(TEXT_LINES, 3, min_count=2, symmetric=symmetric),
                     c.vocab.words)
    assert not symmetric or np.array_equal(want, want.T)
    assert symmetric or not np.array_equal(want, want.T)
    for fmt in ("csr", "csc", "coo"):
        m = c.to_scipy(fmt)
        assert m.format == fmt and m.shape == (len(c.vocab),) * 2
        assert m.nnz == c.n_records
        assert np.array_equal(m.toarray(), want)
    assert c.to_scipy().format == "csr"
    if symmetric:
        m = c.to_scipy("csr")
        assert (m != m.T).nnz == 0


# -- Stanford's files ------------------------------------------------------------------

STANFORD = np.dtype([("w1", "<i4"), ("w2", "<i4"), ("x", "<f8")])


@pytest.fixture(scope="module")
def sym_counts():
    return glove_counts.count(TEXT_LINES, window=4, min_count=2, threads=2)


@pytest.fixture(scope="module")
def asym_counts():
    return glove_counts.count(TEXT_LINES, window=4, min_count=2, threads=2, symmetric=False)


@pytest.mark.parametrize("symmetric", [True, False])
@pytest.mark.parametrize("chunk", [None, 7])
def test_save_stanford_writes_cooccur_records(tmp_path, monkeypatch, sym_counts, asym_counts,
                                              symmetric, chunk):
    if chunk:  # blocks of rows in _full_rows, chunked writes
        monkeypatch.setattr(glove_counts, "CHUNK", chunk)
    c = sym_counts if symmetric else asym_counts
    c.save_stanford(tmp_path / "cooc.bin", tmp_path / "vocab.txt")
    assert STANFORD.itemsize == 16
    raw = (tmp_path / "cooc.bin").read_bytes()
    assert len(raw) == 16 * c.n_records
    rec = np.frombuffer(raw, STANFORD)
    assert rec["w1"].min() == 1 and rec["w1"].max() <= len(c.vocab)
    assert rec["w2"].min() >= 1 and rec["w2"].max() <= len(c.vocab)
    key = (rec["w1"].astype(np.int64) - 1) * len(c.vocab) + rec["w2"] - 1
    assert np.all(np.diff(key) > 0)  # sorted by (w1, w2), both triangles, no repeats
    want = ref_dense(ref_counts(TEXT_LINES, 4, min_count=2, symmetric=symmetric),
                     c.vocab.words)
    got = np.zeros_like(want)
    got[rec["w1"] - 1, rec["w2"] - 1] = rec["x"]
    assert np.array_equal(got, want)
    # the first record by hand: little-endian int32, int32, float64
    w1, w2, x = int.from_bytes(raw[:4], "little"), int.from_bytes(raw[4:8], "little"), \
        np.frombuffer(raw[8:16], "<f8")[0]
    assert (w1, w2, x) == (rec["w1"][0], rec["w2"][0], rec["x"][0])
    lines = (tmp_path / "vocab.txt").read_text(encoding="utf-8").splitlines()
    assert lines == [f"{w} {n}" for w, n in zip(c.vocab.words, c.vocab.counts)]

    back = Cooccurrence.load_stanford(tmp_path / "cooc.bin", tmp_path / "vocab.txt")
    assert back.symmetric is symmetric
    assert back.vocab.words == c.vocab.words
    assert back.vocab.counts.tolist() == c.vocab.counts.tolist()
    for a in ("rows", "cols", "values"):
        assert np.array_equal(getattr(back, a), getattr(c, a))
    assert back.n_records == c.n_records


def test_load_stanford_takes_shuffled_files_and_adds_repeats(tmp_path, sym_counts):
    c = sym_counts
    c.save_stanford(tmp_path / "cooc.bin", tmp_path / "vocab.txt")
    rec = np.fromfile(tmp_path / "cooc.bin", STANFORD)
    rng = np.random.default_rng(0)
    shuf = rec[rng.permutation(len(rec))]
    shuf.tofile(tmp_path / "cooc.shuf.bin")
    back = Cooccurrence.load_stanford(tmp_path / "cooc.shuf.bin", tmp_path / "vocab.txt")
    assert back.symmetric
    for a in ("rows", "cols", "values"):
        assert np.array_equal(getattr(back, a), getattr(c, a))
    # every record split in two halves: the halves are added back up
    halves = np.concatenate([rec, rec])
    halves["x"] /= 2
    halves[rng.permutation(len(halves))].tofile(tmp_path / "halves.bin")
    back = Cooccurrence.load_stanford(tmp_path / "halves.bin", tmp_path / "vocab.txt")
    assert np.array_equal(back.rows, c.rows) and np.array_equal(back.cols, c.cols)
    assert np.allclose(back.values, c.values, rtol=1e-15, atol=0)


def _write_bad(tmp_path, c, what):
    c.save_stanford(tmp_path / "cooc.bin", tmp_path / "vocab.txt")
    rec = np.fromfile(tmp_path / "cooc.bin", STANFORD)
    raw = rec.tobytes()
    if what == "truncated":
        raw = raw[:-3]
    elif what == "id0":
        rec["w1"][5] = 0
        raw = rec.tobytes()
    elif what == "id>V":
        rec["w2"][3] = len(c.vocab) + 1
        raw = rec.tobytes()
    elif what == "nan":
        rec["x"][4] = np.nan
        raw = rec.tobytes()
    elif what == "negative":
        rec["x"][2] = -1.5
        raw = rec.tobytes()
    elif what == "vocab":
        (tmp_path / "vocab.txt").write_text("a 3\nb three\nc 1\n")
    (tmp_path / "cooc.bin").write_bytes(raw)


@pytest.mark.parametrize("what,pattern", [
    ("truncated", r"not a whole number of 16-byte records"),
    ("id0", r"record 5 \(byte offset 80\) has word1 = 0, outside 1\.\."),
    ("id>V", r"record 3 \(byte offset 48\) has word2 = {V1}, outside 1\.\.{V}"),
    ("nan", r"record 4 .*value (np\.float64\()?nan.*finite and positive"),
    ("negative", r"record 2 .*value (np\.float64\()?-1\.5.*finite and positive"),
    ("vocab", r"vocab\.txt: line 2: expected 'word count'"),
])
def test_bad_stanford_files_are_named_errors(tmp_path, sym_counts, what, pattern):
    _write_bad(tmp_path, sym_counts, what)
    v = len(sym_counts.vocab)
    with pytest.raises(CooccurrenceFormatError, match=pattern.format(V=v, V1=v + 1)) as e:
        Cooccurrence.load_stanford(tmp_path / "cooc.bin", tmp_path / "vocab.txt")
    named = "vocab.txt" if what == "vocab" else "cooc.bin"
    assert str(tmp_path / named) in str(e.value)
    assert isinstance(e.value, ValueError)


def test_bad_stanford_vocab_files(tmp_path):
    for text, pattern in [("", "empty vocabulary"), ("a 1\na 2\n", "listed twice"),
                          ("a 1 2\n", "line 1"), (" 1\n", "line 1")]:
        p = tmp_path / "v.txt"
        p.write_text(text)
        with pytest.raises(CooccurrenceFormatError, match=pattern) as e:
            glove_counts.load_stanford_vocab(p)
        assert str(p) in str(e.value)
    v = w2v.Vocab(["x", "é", "日本"], [5, 4, 4])
    glove_counts.save_stanford_vocab(v, tmp_path / "ok.txt")
    back = glove_counts.load_stanford_vocab(tmp_path / "ok.txt")
    assert back.words == v.words and back.counts.tolist() == [5, 4, 4]


# -- this package's counts file -------------------------------------------------------

@pytest.mark.parametrize("mmap", [False, True])
@pytest.mark.parametrize("symmetric", [True, False])
def test_cooccurrence_save_load_round_trip(tmp_path, monkeypatch, sym_counts, asym_counts,
                                           mmap, symmetric):
    monkeypatch.setattr(glove_counts, "CHUNK", 5)
    c = sym_counts if symmetric else asym_counts
    c.save(tmp_path / "c.cooc")
    back = Cooccurrence.load(tmp_path / "c.cooc", mmap=mmap)
    assert back.vocab.words == c.vocab.words
    assert back.vocab.counts.tolist() == c.vocab.counts.tolist()
    for a in ("rows", "cols", "values"):
        assert np.array_equal(getattr(back, a), getattr(c, a))
        assert is_mapped(getattr(back, a)) is mmap
    assert (back.symmetric, back.window, back.distance_weighting, back.tokens) == \
        (c.symmetric, c.window, c.distance_weighting, c.tokens)
    assert back.n_records == c.n_records
    assert back.get(*c.vocab.words[:2]) == c.get(*c.vocab.words[:2])


def test_damaged_cooccurrence_files_are_named_errors(tmp_path, sym_counts):
    p = tmp_path / "c.cooc"
    sym_counts.save(p)
    raw = p.read_bytes()
    cases = {"truncated": raw[:-8], "magic": b"NOTCOOCC" + raw[8:], "empty": b"",
             "header": raw[:16] + b"[" + raw[17:]}
    for name, data in cases.items():
        bad = tmp_path / f"{name}.cooc"
        bad.write_bytes(data)
        for mmap in (False, True):
            with pytest.raises(CooccurrenceFormatError) as e:
                Cooccurrence.load(bad, mmap=mmap)
            assert str(bad) in str(e.value), name
    # a record out of order (a lying writer) is refused too
    n = len(sym_counts)
    rows = np.frombuffer(raw[len(raw) - 16 * n:len(raw) - 12 * n], "<i4").copy()
    rows[[0, -1]] = rows[[-1, 0]]
    bad = tmp_path / "order.cooc"
    bad.write_bytes(raw[:len(raw) - 16 * n] + rows.tobytes() + raw[len(raw) - 12 * n:])
    with pytest.raises(CooccurrenceFormatError, match="order.cooc"):
        Cooccurrence.load(bad)


NOT_UTF8 = b"caf\xe9 ok ok caf\xe9 x\n" * 5


def test_counts_of_a_non_utf8_corpus_save_and_load(tmp_path):
    (tmp_path / "c.txt").write_bytes(NOT_UTF8)
    c = glove_counts.count(tmp_path / "c.txt", window=2, min_count=1, threads=1)
    assert "caf\udce9" in c.vocab.index  # as word2vec_fast reads such bytes everywhere
    c.save(tmp_path / "c.cooc")
    back = Cooccurrence.load(tmp_path / "c.cooc")
    assert back.vocab.words == c.vocab.words
    assert np.array_equal(back.values, c.values)


def test_stanford_files_of_a_non_utf8_corpus(tmp_path):
    (tmp_path / "c.txt").write_bytes(NOT_UTF8)
    c = glove_counts.count(tmp_path / "c.txt", window=2, min_count=1, threads=1)
    c.save_stanford(tmp_path / "cooc.bin", tmp_path / "vocab.txt")
    assert (tmp_path / "vocab.txt").read_bytes().startswith(b"caf\xe9 10\n")
    back = Cooccurrence.load_stanford(tmp_path / "cooc.bin", tmp_path / "vocab.txt")
    assert back.vocab.words == c.vocab.words


# -- the update against NumPy ----------------------------------------------------------

BUILDS = ("baseline", "x86-64-v3", "x86-64-v4")


def _restore_best_build():
    for b in reversed(BUILDS):
        if _glove.select(b):
            return b
    raise AssertionError("no GloVe build could be selected")


@pytest.fixture
def glove_build(request):
    yield
    _restore_best_build()


def update_inputs(dim, v=7, n=50, seed=0):
    rng = np.random.default_rng(seed + dim)
    arrs = [rng.uniform(-1, 1, (v, dim)).astype(np.float32),
            rng.uniform(-1, 1, (v, dim)).astype(np.float32),
            rng.uniform(-0.5, 0.5, v).astype(np.float32),
            rng.uniform(-0.5, 0.5, v).astype(np.float32),
            rng.uniform(1, 3, (v, dim)).astype(np.float32),
            rng.uniform(1, 3, (v, dim)).astype(np.float32),
            rng.uniform(1, 3, v).astype(np.float32),
            rng.uniform(1, 3, v).astype(np.float32)]
    recs = np.zeros(n, _glove.RECORD)
    recs["a"] = rng.integers(0, v, n)
    recs["b"] = rng.integers(0, v, n)
    recs["b"][::6] = recs["a"][::6]  # a == b now and then
    recs["f"] = rng.uniform(0.05, 1.0, n)
    recs["f"][::5] = 1.0
    recs["logx"] = rng.uniform(-1.0, 4.0, n)
    recs[17] = (2, 5, 0.5, np.nan)  # a non-finite diff: skipped
    return arrs, recs


def ref_update(arrs, recs, eta, clip):
    """w2v_glove.h's update in float64 (fdiff rounded to float32 as in C), one per
    record in order; returns the 8 arrays, cost, updates, skipped, and how many
    gradient elements were clipped."""
    w, c, bw, bc, gw, gc, gbw, gbc = (a.astype(np.float64) for a in arrs)
    eta, clip = float(np.float32(eta)), float(np.float32(clip))
    state = {"cost": 0.0, "updates": 0, "skipped": 0, "clipped": 0}

    def one(a, b, f, logx):
        diff = float(w[a] @ c[b]) + bw[a] + bc[b] - logx
        if not math.isfinite(diff):
            state["skipped"] += 1
            return
        fdiff = f * diff
        state["cost"] += 0.5 * fdiff * diff
        state["updates"] += 1
        fd = float(np.float32(fdiff))
        t1, t2 = fd * c[b], fd * w[a]
        state["clipped"] += int(np.sum(np.abs(t1) > clip) + np.sum(np.abs(t2) > clip))
        g1 = np.clip(t1, -clip, clip) * eta
        g2 = np.clip(t2, -clip, clip) * eta
        w[a] -= g1 / np.sqrt(gw[a])
        c[b] -= g2 / np.sqrt(gc[b])
        gw[a] += g1 * g1
        gc[b] += g2 * g2
        bw[a] -= fd / math.sqrt(gbw[a])
        bc[b] -= fd / math.sqrt(gbc[b])
        gbw[a] += fd * fd
        gbc[b] += fd * fd

    for r in recs:
        one(int(r["a"]), int(r["b"]), float(r["f"]), float(r["logx"]))
    return [w, c, bw, bc, gw, gc, gbw, gbc], state


def run_trainer(arrs, recs, eta, clip, prefetch=_glove.PREFETCH):
    out = [a.copy() for a in arrs]
    t = _glove.Trainer(*out, eta, clip, prefetch)
    skipped, cost, updates = t.run(recs.copy())
    return out, skipped, cost, updates


@pytest.mark.parametrize("prefetch", [0, 4])
@pytest.mark.parametrize("dim", [5, 16, 19])
@pytest.mark.parametrize("build", BUILDS)
def test_update_equals_numpy_reference(glove_build, build, dim, prefetch):
    if not _glove.select(build):
        pytest.skip(f"this CPU has no {build} build of the GloVe update")
    assert _glove.isa().startswith(build)
    arrs, recs = update_inputs(dim)
    eta, clip = 0.05, 0.5
    want, st = ref_update(arrs, recs, eta, clip)
    assert 0 < st["clipped"] < st["updates"] * 2 * dim  # the clip binds, but not always
    got, skipped, cost, updates = run_trainer(arrs, recs, eta, clip, prefetch)
    assert skipped == st["skipped"] == 1
    assert updates == st["updates"] == len(recs) - 1
    assert cost == pytest.approx(st["cost"], rel=1e-5)
    names = ("w", "c", "bw", "bc", "gw", "gc", "gbw", "gbc")
    for name, g, wnt, a0 in zip(names, got, want, arrs):
        assert g.dtype == np.float32
        np.testing.assert_allclose(g, wnt, rtol=1e-5, atol=1e-6, err_msg=name)
        assert not np.array_equal(g, a0) or name in ("gw", "gc"), name  # it moved
    # the same build again: bit for bit
    again = run_trainer(arrs, recs, eta, clip, prefetch)
    assert all(np.array_equal(x, y) for x, y in zip(got, again[0]))
    assert again[1:] == (skipped, cost, updates)


def test_builds_agree(glove_build):
    arrs, recs = update_inputs(19, seed=4)
    results = {}
    for b in BUILDS:
        if _glove.select(b):
            results[b] = run_trainer(arrs, recs, 0.05, 0.5)
    assert "baseline" in results
    base = results["baseline"]
    for b, r in results.items():
        assert r[1] == base[1] and r[3] == base[3], b
        assert r[2] == pytest.approx(base[2], rel=1e-6), b
        for x, y in zip(r[0], base[0]):
            np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6, err_msg=b)
    assert not _glove.select("no-such-build")


def test_trainer_refuses_bad_buffers():
    arrs, recs = update_inputs(5)
    with pytest.raises(ValueError):
        _glove.Trainer(arrs[0], arrs[1][:3], *arrs[2:], 0.05, 1.0)
    t = _glove.Trainer(*arrs, 0.05, 1.0)
    with pytest.raises(TypeError):
        t.run(np.zeros(4, np.float32))
    with pytest.raises(ValueError):
        t.run(recs[:0])


def test_shuffle_is_a_seeded_permutation():
    recs = np.zeros(1000, _glove.RECORD)
    recs["a"] = np.arange(1000)
    recs["b"] = np.arange(1000) * 7
    a, b, c = recs.copy(), recs.copy(), recs.copy()
    _glove.shuffle(a, 11)
    _glove.shuffle(b, 11)
    _glove.shuffle(c, 12)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert not np.array_equal(a, recs)
    assert np.array_equal(np.sort(a["a"]), recs["a"])
    assert np.array_equal(a["b"], a["a"] * 7)  # records move whole


def test_weights_of():
    x = np.array([0.5, 1.0, 10.0, 100.0, 1e4])
    f, logx = glove.weights_of(x, 100.0, 0.75)
    assert f.dtype == np.float32 and logx.dtype == np.float32
    assert np.array_equal(f, np.minimum(1.0, (x / 100.0) ** 0.75).astype(np.float32))
    assert np.array_equal(logx, np.log(x).astype(np.float32))
    f0, _ = glove.weights_of(x, 100.0, 0.0)
    assert np.array_equal(f0, np.ones(5, np.float32))


# -- training ------------------------------------------------------------------------

SENTS = planted_corpus(n_sentences=300)
KW = dict(dim=8, epochs=4, x_max=10.0, threads=1, seed=5, progress=False)


@pytest.fixture(scope="module")
def counts():
    return glove_counts.count(SENTS, window=5, min_count=1, threads=2)


def weights(m):
    return [getattr(m, a) for a in ARRAYS] + list(m._grad)


def same_weights(m1, m2):
    return all(np.array_equal(x, y) for x, y in zip(weights(m1), weights(m2)))


def test_initial_weights_are_stanfords():
    vocab = w2v.Vocab([f"w{i}" for i in range(50)], np.arange(50, 0, -1))
    m = glove.GloveModel.create(vocab, {"dim": 20, "seed": 3}, {"epochs": 1,
                                                                "epochs_done": 0})
    for a in (m.word_vectors, m.context_vectors, m.word_biases, m.context_biases):
        assert a.dtype == np.float32 and a.shape[0] == 50
        assert a.min() >= -0.5 / 20 and a.max() < 0.5 / 20 and a.std() > 0.1 / 20
    assert not np.array_equal(m.word_vectors, m.context_vectors)
    assert all(np.all(g == 1.0) and g.dtype == np.float32 for g in m._grad)


@pytest.mark.parametrize("symmetric", [True, False])
def test_one_epoch_is_the_update_over_the_shuffled_records(symmetric):
    # train() wires the parameters, the initial weights, the shuffle and the symmetric
    # flag (both directions) into the update as the NumPy reference does
    c = glove_counts.count(SENTS[:60], window=3, min_count=1, threads=1, symmetric=symmetric)
    kw = dict(dim=6, epochs=1, x_max=3.0, alpha=0.6, eta=0.2, grad_clip=0.03, seed=9,
              threads=1, progress=False)
    m = glove.train(c, **kw)
    start = glove.GloveModel.create(c.vocab, dict(m.params), {"epochs": 1, "epochs_done": 0})
    recs = glove._Records(c, 3.0, 0.6, 9, 1 << 30, None).array
    assert len(recs) == c.n_records  # both directions of a symmetric pair
    want, st = ref_update(weights(start), recs, 0.2, 0.03)
    assert st["clipped"] > 0 and st["skipped"] == 0
    assert m.history[0]["updates"] == st["updates"] == c.n_records
    assert m.history[0]["loss"] == pytest.approx(st["cost"], rel=1e-4)
    for g, wnt in zip(weights(m), want):
        np.testing.assert_allclose(g, wnt, rtol=1e-4, atol=1e-5)


def noisy_groups(n_groups=8, size=8, n=600, length=12, noise=0.3, seed=0):
    """Sentences of one group's words, each word replaced by a random one at ``noise``:
    unlike clean planted groups, pairs across groups have (small) counts."""
    rng = np.random.default_rng(seed)
    words = [f"g{g}w{i}" for g in range(n_groups) for i in range(size)]
    out = []
    for _ in range(n):
        g = rng.integers(n_groups)
        out.append([words[g * size + i] if rng.random() > noise
                    else words[rng.integers(len(words))] for i in rng.integers(size, size=length)])
    return out


@pytest.mark.parametrize("output", ["sum", "word"])
def test_group_mates_are_nearest(output):
    m = glove.train(noisy_groups(), window=5, min_count=1, dim=16, epochs=15, x_max=10.0,
                    threads=2, progress=False, output=output)
    assert group_precision(m.wv) >= 0.9


def test_single_thread_training_is_repeatable(counts):
    m1 = glove.train(counts, **KW)
    m2 = glove.train(counts, **KW)
    assert same_weights(m1, m2)
    assert [h["cost"] for h in m1.history] == [h["cost"] for h in m2.history]
    # from the corpus, the same counts and so the same model
    m3 = glove.train(SENTS, window=5, min_count=1, **KW)
    assert same_weights(m1, m3)
    m4 = glove.train(counts, **{**KW, "seed": 6})
    assert not np.array_equal(m4.word_vectors, m1.word_vectors)


def test_two_threads_train(counts):
    m = glove.train(counts, **{**KW, "threads": 2, "epochs": 6})
    assert all(np.isfinite(a).all() for a in weights(m))
    costs = [h["cost"] for h in m.history]
    # two threads race on a tiny vocabulary (Hogwild): the cost falls, not every epoch
    assert costs[-1] < 0.9 * costs[0] and min(costs[3:]) < min(costs[:3]), costs
    assert all(h["updates"] == counts.n_records and h["complete"] for h in m.history)


@pytest.mark.parametrize("symmetric", [True, False])
def test_epoch_records(symmetric):
    c = glove_counts.count(SENTS, window=3, min_count=1, threads=1, symmetric=symmetric)
    m = glove.train(c, **{**KW, "epochs": 5})
    assert c.n_records == (len(c) if not symmetric else
                           2 * len(c) - int(np.sum(c.rows == c.cols)))
    h = m.history
    assert [r["epoch"] for r in h] == [1, 2, 3, 4, 5]
    costs = [r["cost"] for r in h]
    assert all(b < a for a, b in zip(costs, costs[1:])), costs
    for r in h:
        assert r["updates"] == c.n_records and r["skipped"] == 0 and r["complete"] is True
        assert r["records"] == c.n_records
        assert r["cost"] == pytest.approx(r["loss"] / r["updates"], rel=1e-12)
    assert m.schedule["epochs_done"] == m.schedule["epochs"] == 5
    assert m.params["symmetric"] is symmetric and m.params["window"] == 3
    assert m.word_vectors.dtype == np.float32 and m.word_vectors.shape == (len(c.vocab), 8)
    assert m.history[-1]["cost"] < m.history[0]["cost"] / 2


@pytest.mark.parametrize("how", ["raise", "false"])
def test_checkpoint_and_resume_is_bit_for_bit(tmp_path, counts, how):
    full = glove.train(counts, **KW)

    def stop(model, rec):
        if rec["epoch"] == 2:
            if how == "raise":
                raise StopTraining("enough")
            return False
        return None

    ck = tmp_path / "ck{epoch}.npz"
    part = glove.train(counts, callbacks=[CheckpointCallback(ck), stop], **KW)
    assert len(part.history) == 2 and part.schedule["epochs_done"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ck1.npz", "ck2.npz"]
    loaded = glove.load_model(tmp_path / "ck2.npz")
    assert same_weights(loaded, part)
    assert loaded.params == part.params and loaded.history == part.history
    assert loaded.vocab.words == counts.vocab.words
    resumed = loaded.resume(counts, threads=1)
    assert resumed is loaded
    assert same_weights(resumed, full)
    assert [h["cost"] for h in resumed.history] == [h["cost"] for h in full.history]
    assert resumed.schedule["epochs_done"] == 4
    # from epoch 1, and from the counts' file: the same
    counts.save(tmp_path / "counts.cooc")
    again = glove.load_model(tmp_path / "ck1.npz").resume(tmp_path / "counts.cooc", threads=1)
    assert same_weights(again, full)
    # a finished model: nothing left to do
    again.resume(counts, threads=1)
    assert same_weights(again, full) and len(again.history) == 4


def test_save_model_round_trip_and_bad_files(tmp_path, counts):
    m = glove.train(counts, **{**KW, "output": "word"})
    m.save_model(tmp_path / "m.npz")
    back = glove.GloveModel.load(tmp_path / "m.npz")
    assert same_weights(back, m) and back.params == m.params
    assert back.schedule == m.schedule and back.history == m.history
    assert np.array_equal(back.wv.vectors, m.word_vectors)
    (tmp_path / "junk.npz").write_bytes(b"not a zip file at all")
    with pytest.raises(ValueError, match="junk.npz"):
        glove.load_model(tmp_path / "junk.npz")
    np.savez(tmp_path / "other.npz", a=np.zeros(3))
    with pytest.raises(ValueError, match="other.npz"):
        glove.load_model(tmp_path / "other.npz")


def test_resume_needs_the_same_counts(tmp_path, counts):
    part = glove.train(counts, callbacks=[lambda m, r: False], **KW)
    other = glove_counts.count(SENTS, window=3, min_count=1, threads=1)
    with pytest.raises(ValueError, match="not the counts"):
        part.resume(other, threads=1)
    with pytest.raises(TypeError):
        part.resume(SENTS, threads=1)


# Trains GloVe (for minutes if left alone) on random counts; says READY after the first
# epoch; on Ctrl-C prints what the model looks like and exits 3.
CTRL_C_SCRIPT = r"""
import json, sys
import numpy as np
import word2vec_fast as w2v
from word2vec_fast import glove, glove_counts

rng = np.random.default_rng(0)
V, n = 3000, 1_200_000
vocab = w2v.Vocab([f"w{i}" for i in range(V)], np.arange(V, 0, -1) * 10)
counts = glove_counts.Cooccurrence.from_records(
    vocab, rng.integers(0, V, n), rng.integers(0, V, n), rng.random(n) * 50 + 0.1,
    symmetric=True)

def ready(model, rec):
    if rec["epoch"] == 1:
        print("READY", counts.n_records, flush=True)

try:
    glove.train(counts, dim=int(sys.argv[2]), epochs=500, threads=int(sys.argv[1]),
                progress=False, callbacks=[ready])
except w2v.TrainingInterrupted as e:
    m = e.model
    print(json.dumps({"finite": all(bool(np.isfinite(a).all()) for a in (
                          m.word_vectors, m.context_vectors, m.word_biases,
                          m.context_biases)),
                      "history": m.history, "schedule": m.schedule,
                      "records": counts.n_records}), flush=True)
    sys.exit(3)
except KeyboardInterrupt:
    print("PLAIN KeyboardInterrupt", flush=True)
    sys.exit(4)
sys.exit(0)
"""


@pytest.mark.parametrize("threads", [1, 2])
def test_ctrl_c_gives_the_model_so_far(threads):
    proc = subprocess.Popen([sys.executable, "-c", CTRL_C_SCRIPT, str(threads), "200"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            **SIGINT_CHILD)
    watchdog = threading.Timer(90, proc.kill)  # a child that never says READY
    watchdog.start()
    try:
        line = proc.stdout.readline()
        assert line.startswith("READY"), line + proc.stderr.read()[-2000:]
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 3, (out + err)[-2000:]
    state = json.loads(out.strip().splitlines()[-1])
    assert state["finite"]
    last = state["history"][-1]
    assert 0 <= last["records"] <= state["records"]
    assert all(h["complete"] for h in state["history"][:-1])
    if last["records"] < state["records"]:  # the usual case: stopped inside an epoch
        assert last["complete"] is False
        assert state["schedule"]["epochs_done"] == last["epoch"] - 1 >= 1
    # else Ctrl-C came in an epoch's last blocks: see test_ctrl_c_after_an_epochs_work


def test_ctrl_c_after_an_epochs_work(monkeypatch, counts):
    full = glove.train(counts, **KW)
    real, calls = glove._run_watched, []

    def late_ctrl_c(*a):  # Ctrl-C once the threads of epoch 2 are done
        real(*a)
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(glove, "_run_watched", late_ctrl_c)
    with pytest.raises(TrainingInterrupted) as e:
        glove.train(counts, **KW)
    monkeypatch.undo()
    m = e.value.model
    last = m.history[-1]
    assert last["epoch"] == 2 and last["records"] == counts.n_records
    assert last["updates"] == counts.n_records
    assert last["complete"] is True and m.schedule["epochs_done"] == 2
    m.resume(counts, threads=1)
    assert same_weights(m, full)


def test_ctrl_c_in_a_callback_still_gives_the_model(counts):
    def cb(model, rec):
        if rec["epoch"] == 2:
            raise KeyboardInterrupt

    try:
        glove.train(counts, callbacks=[cb], **KW)
    except TrainingInterrupted as e:
        assert e.model.schedule["epochs_done"] == 2
    except KeyboardInterrupt as e:  # pytest would end the session on it
        raise AssertionError(f"a plain {e!r} without the model") from None
    else:
        raise AssertionError("no TrainingInterrupted")


@pytest.mark.parametrize("eta,threads", [(1e30, 1), (1e30, 2), (1e15, 1)])
def test_divergence_is_an_error(tmp_path, counts, eta, threads):
    ck = tmp_path / "ck{epoch}.npz"
    with pytest.raises(TrainingDiverged, match="diverged in epoch 1 of 3") as e:
        glove.train(counts, **{**KW, "eta": eta, "epochs": 3, "threads": threads},
                    callbacks=[CheckpointCallback(ck)])
    err = e.value
    assert isinstance(err, ValueError) and isinstance(err, FloatingPointError)
    assert err.epoch == 1 and err.alpha == eta
    assert isinstance(err.model, glove.GloveModel)
    assert err.model.history[-1]["skipped"] > 0
    assert not list(tmp_path.iterdir())  # no checkpoint of garbage


def test_absurd_counts_diverge_or_train_finitely():
    # counts near the largest double: log x is still finite, so training must either
    # stay finite or say it diverged -- never hand back NaN weights
    vocab = w2v.Vocab(["a", "b", "c"], [3, 2, 1])
    c = Cooccurrence.from_records(vocab, [0, 0, 1], [1, 2, 2], [1e300, 1e-300, 1e308])
    try:
        m = glove.train(c, **{**KW, "eta": 10.0, "x_max": 1e-300})
    except TrainingDiverged:
        return
    assert all(np.isfinite(a).all() for a in weights(m))


@pytest.mark.parametrize("kw,name", [
    (dict(x_max=0), "x_max"), (dict(x_max=-1.0), "x_max"), (dict(eta=0), "eta"),
    (dict(eta=-0.1), "eta"), (dict(dim=0), "dim"), (dict(window=0), "window"),
    (dict(memory=0), "memory"), (dict(memory=-1.0), "memory"), (dict(output="bogus"), "output"),
    (dict(epochs=0), "epochs"), (dict(grad_clip=0), "grad_clip"), (dict(alpha=-1), "alpha"),
    (dict(min_count=0), "min_count"),
])
def test_bad_parameters_are_named(kw, name):
    with pytest.raises(ValueError, match=name):
        glove.train(SENTS, **{**dict(dim=4, epochs=1, min_count=1, progress=False), **kw})
    if set(kw) <= {"window", "memory", "min_count"}:
        with pytest.raises(ValueError, match=name):
            glove_counts.count(SENTS, **kw)


def test_missing_spill_dir_is_named(tmp_path):
    nope = tmp_path / "nope"
    for f in (glove_counts.count, glove.train):
        with pytest.raises(FileNotFoundError, match=re.escape(str(nope))):
            f(SENTS, min_count=1, spill_dir=nope)


@pytest.fixture
def unwritable_dir(tmp_path, monkeypatch):
    """A spill dir in which tempfile.TemporaryFile cannot create files."""
    d = tmp_path / "ro"
    d.mkdir()
    real = REAL_TEMPORARY_FILE

    def refuse(*a, **kw):
        if kw.get("dir") is not None:
            raise PermissionError(errno.EACCES, "Permission denied")
        return real(*a, **kw)

    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)
    return d


def test_unwritable_spill_dir_for_count_runs(tmp_path, unwritable_dir):
    corpus = tmp_path / "big.txt"
    corpus.write_bytes(BIG)
    with pytest.raises(OSError, match=re.escape(repr(str(unwritable_dir)))) as e:
        glove_counts.count(corpus, window=5, min_count=2, threads=1, memory=1e-5,
                           spill_dir=unwritable_dir, progress=False)
    assert e.value.errno == errno.EACCES and "spill_dir" in str(e.value)


def test_unwritable_spill_dir_for_training_records(unwritable_dir):
    lines = BIG_LINES[:200]
    c = glove_counts.count(lines, window=5, min_count=1, threads=1)
    assert 16 * len(c) > 65536  # the records pass the smallest budget
    with pytest.raises(OSError, match=re.escape(repr(str(unwritable_dir)))) as e:
        glove.train(c, **{**KW, "epochs": 1}, memory=1e-5, spill_dir=unwritable_dir)
    assert e.value.errno == errno.EACCES and "spill_dir" in str(e.value)


def _final_merge_corpus(v=66, tokens=10_000, seed=2):
    # every pair of 66 words seen: 2211 records pass the final merge's share of the
    # smallest budget (2048 records) while the sorted runs beside the dense block stay
    # under theirs (1024 entries), so the records go to files although no run spilled
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, v, tokens)
    return [[f"u{i}" for i in ids[a:a + 40]] for a in range(0, tokens, 40)]


def _count_final_merge(lines, spill_dir, caplog):
    caplog.clear()
    with caplog.at_level(logging.INFO, logger=LOGGER):
        return glove_counts.count(lines, window=5, min_count=1, threads=1, memory=1e-5,
                                  spill_dir=spill_dir, progress=False)


def test_unwritable_spill_dir_for_the_final_records(tmp_path, unwritable_dir, caplog,
                                                    monkeypatch):
    lines = _final_merge_corpus()
    with monkeypatch.context() as m:
        m.setattr(tempfile, "TemporaryFile", REAL_TEMPORARY_FILE)
        c = _count_final_merge(lines, tmp_path, caplog)
    if "spilling" in caplog.text or not is_mapped(c.values):
        pytest.skip("this corpus no longer sends the final records alone to files")
    with pytest.raises(OSError) as e:
        _count_final_merge(lines, unwritable_dir, caplog)
    assert "spilling" not in caplog.text  # the final merge's files, not a spill
    assert str(unwritable_dir) in str(e.value) and "spill_dir" in str(e.value)


def test_final_records_past_the_budget_are_exact(tmp_path, caplog):
    lines = _final_merge_corpus()
    c = _count_final_merge(lines, tmp_path, caplog)
    check_counts(c, lines, 5)


def test_training_records_past_the_budget(tmp_path, caplog):
    lines = BIG_LINES[:300]
    c = glove_counts.count(lines, window=5, min_count=1, threads=2)
    with caplog.at_level(logging.INFO, logger=LOGGER):
        m = glove.train(c, **{**KW, "threads": 2, "epochs": 5}, memory=1e-5,
                        spill_dir=tmp_path)
    assert "buckets" in caplog.text
    assert all(np.isfinite(a).all() for a in weights(m))
    costs = [h["cost"] for h in m.history]
    assert all(b < a for a, b in zip(costs, costs[1:])), costs
    assert all(h["updates"] == h["records"] == c.n_records for h in m.history)
    # single-thread, file mode is repeatable too
    kw1 = {**KW, "epochs": 2}
    m1 = glove.train(c, **kw1, memory=1e-5)
    m2 = glove.train(c, **kw1, memory=1e-5)
    assert same_weights(m1, m2)


@pytest.mark.parametrize("memory", [4.0, 1e-5])
def test_training_from_mapped_counts(tmp_path, monkeypatch, memory):
    # counts read through a map (whose pages training gives back behind itself) train
    # as the same counts in memory do, with the records in memory or in a file
    monkeypatch.setattr(glove_counts, "CHUNK", 4096)
    monkeypatch.setattr(glove, "CHUNK", 4096)
    c = glove_counts.count(BIG_LINES[:300], window=5, min_count=1, threads=1)
    c.save(tmp_path / "c.cooc")
    mapped = Cooccurrence.load(tmp_path / "c.cooc", mmap=True)
    kw = {**KW, "epochs": 2}
    m1 = glove.train(c, **kw, memory=memory)
    m2 = glove.train(mapped, **kw, memory=memory)
    assert same_weights(m1, m2)
    assert mapped.n_records == c.n_records
    mapped.release()
    for a in ("rows", "cols", "values"):
        assert np.array_equal(getattr(mapped, a), getattr(c, a))


@pytest.mark.parametrize("chunk", [None, 1000])
def test_records_in_file_mode_yield_every_record_once(tmp_path, monkeypatch, chunk):
    if chunk:
        monkeypatch.setattr(glove, "CHUNK", chunk)
    lines = BIG_LINES[:300]
    c = glove_counts.count(lines, window=5, min_count=1, threads=1)
    recs = glove._Records(c, 10.0, 0.75, 3, 65536, tmp_path)
    n = c.n_records  # both directions of each symmetric pair
    assert recs.file is not None and recs.array is None and recs.n == n
    stop = threading.Event()
    # a block is a view of a buffer the next one reuses: copies kept
    parts = [np.concatenate([b.copy() for b in recs.blocks(lo, hi, 999, stop)])
             for lo, hi in ((0, n // 3), (n // 3, n))]
    got = np.concatenate(parts)
    assert got.dtype == _glove.RECORD and len(got) == n
    off = c.rows != c.cols
    want = np.zeros(n, _glove.RECORD)
    want["a"] = np.concatenate([c.rows, c.cols[off]])
    want["b"] = np.concatenate([c.cols, c.rows[off]])
    f, logx = glove.weights_of(c.values, 10.0, 0.75)
    want["f"], want["logx"] = np.concatenate([f, f[off]]), np.concatenate([logx, logx[off]])
    want = want[np.lexsort((want["b"], want["a"]))]
    order = np.lexsort((got["b"], got["a"]))
    assert np.array_equal(got[order], want)  # each record once, weights and all
    assert not np.array_equal(got, want)  # shuffled
    # the in-memory records: the same multiset
    mem = glove._Records(c, 10.0, 0.75, 3, 1 << 30, None)
    assert mem.array is not None
    arr = np.concatenate([b.copy() for b in mem.blocks(0, n, 999, stop)])
    assert np.array_equal(arr[np.lexsort((arr["b"], arr["a"]))], want)


# -- output ------------------------------------------------------------------------------

def test_outputs_are_w_c_and_their_sum(counts):
    models = {o: glove.train(counts, **{**KW, "epochs": 2, "output": o})
              for o in ("sum", "word", "context")}
    w, c = models["sum"].word_vectors, models["sum"].context_vectors
    for m in models.values():  # the output changes the view, not the training
        assert np.array_equal(m.word_vectors, w) and np.array_equal(m.context_vectors, c)
    assert np.array_equal(models["sum"].wv.vectors, w + c)
    assert np.array_equal(models["word"].wv.vectors, w)
    assert np.array_equal(models["context"].wv.vectors, c)
    assert models["sum"].wv.words == counts.vocab.words
    assert models["sum"].wv.vectors is not models["sum"].wv.vectors


def test_stanford_text_vectors(tmp_path, counts):
    m = glove.train(counts, **{**KW, "epochs": 2})
    p = tmp_path / "vectors.txt"
    m.save(p, binary=False, header=False)
    lines = p.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(counts.vocab)
    assert lines[0].split(" ")[0] == counts.vocab.words[0]
    assert all(len(line.split(" ")) == 1 + KW["dim"] for line in lines)  # no "V dim" line
    back = w2v.load(p)
    assert back.words == m.wv.words
    assert np.array_equal(back.vectors, m.wv.vectors)
    with pytest.raises(ValueError, match="header"):
        m.save(tmp_path / "v.bin", binary=True, header=False)
    m.save(tmp_path / "v.bin")  # word2vec's binary, header and all
    assert np.array_equal(w2v.load(tmp_path / "v.bin").vectors, m.wv.vectors)


def test_glove_6b_style_file_loads(tmp_path):
    p = tmp_path / "glove.6B.3d.txt"
    p.write_text("the 0.418 0.24968 -0.41242\n, 0.013441 0.23682 -0.16899\n"
                 ". 0.15164 0.30177 -0.16763\nof 0.70853 0.57088 -0.4716\n"
                 "to 0.68047 -0.039263 0.30186\n", encoding="utf-8")
    v = w2v.load(p)
    assert v.words == ["the", ",", ".", "of", "to"]
    want = np.array([[0.418, 0.24968, -0.41242], [0.013441, 0.23682, -0.16899],
                     [0.15164, 0.30177, -0.16763], [0.70853, 0.57088, -0.4716],
                     [0.68047, -0.039263, 0.30186]], np.float32)
    assert np.array_equal(v.vectors, want)


def test_counting_and_records_stay_within_a_small_budget(tmp_path, caplog):
    """A corpus whose ids are several times the budget counts (spilling runs and the
    final records) and trains (records shuffled in a file) with the Python-level
    memory of both phases within the budget (tracemalloc: numpy's arrays included)."""
    import tracemalloc
    from word2vec_fast.corpus import as_corpus
    rng = np.random.default_rng(3)
    ids = rng.zipf(1.2, size=400_000) % 5000
    path = tmp_path / "big.txt"
    path.write_text("\n".join(" ".join(f"w{i}" for i in ids[a:a + 20])
                              for a in range(0, ids.size, 20)) + "\n")
    budget = 1 << 20
    enc = as_corpus(str(path), None, 2, None, spill_bytes=budget // 4)
    assert enc.mapped and enc.ids.nbytes > 1.5 * budget
    caplog.set_level(logging.INFO, logger="word2vec_fast")
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        c = glove_counts.count_ids(enc, window=5, symmetric=True, distance_weighting=True,
                                   threads=2, budget=budget)
        count_peak = tracemalloc.get_traced_memory()[1] - base
        assert "runs spilled" in caplog.text and 16 * len(c) > 4 * budget
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        model = glove.train(c, dim=4, epochs=1, threads=2, memory=budget / (1 << 30),
                            progress=False)
        train_peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert "buckets of a temporary file" in caplog.text
    weights_bytes = sum(a.nbytes for a in (model.word_vectors, model.context_vectors,
                                           *model._grad, model.word_biases,
                                           model.context_biases))
    assert count_peak <= 1.5 * budget, count_peak
    assert train_peak - weights_bytes <= budget, (train_peak, weights_bytes)
    assert np.isfinite(model.word_vectors).all()
