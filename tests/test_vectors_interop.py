"""Interoperability: gensim and the original word2vec tools read our files and we read theirs.

Skipped cleanly when gensim or the word2vec binaries (``pip install word2vec``) are missing.
"""
import re
import subprocess

import numpy as np
import pytest

import word2vec_fast as w2v
from word2vec_fast import Vectors

from conftest import c_tool as _tool, random_vectors


def _vectors(v=200, dim=12, seed=0):
    vec = random_vectors(v, dim, seed, special=("é-ü", "日本語", "</s>", "naïve"))
    vec.vectors[3] = [1e-30, -0.0, 3.4e38, 1e-45] * (dim // 4)  # tiny, signed zero, huge, denormal
    return vec


@pytest.mark.parametrize("binary", [True, False])
def test_gensim_reads_ours(tmp_path, binary):
    pytest.importorskip("gensim")
    from gensim.models import KeyedVectors
    v = _vectors()
    v.save(tmp_path / "v", binary=binary)
    kv = KeyedVectors.load_word2vec_format(str(tmp_path / "v"), binary=binary)
    assert kv.index_to_key == v.words
    assert np.array_equal(kv.vectors, v.vectors)
    assert np.array_equal(np.signbit(kv.vectors), np.signbit(v.vectors))


@pytest.mark.parametrize("binary", [True, False])
def test_we_read_gensims(tmp_path, binary):
    pytest.importorskip("gensim")
    from gensim.models import KeyedVectors
    v = _vectors(seed=1)
    kv = KeyedVectors(v.dim)
    kv.add_vectors(v.words, v.vectors)
    kv.save_word2vec_format(str(tmp_path / "g"), binary=binary)  # binary: no "\n" after rows
    for b in (binary, None):
        u = w2v.load(tmp_path / "g", binary=b)
        assert u.words == v.words
        assert np.array_equal(u.vectors, v.vectors)
    kv.save_word2vec_format(str(tmp_path / "g.gz"), binary=binary)
    assert np.array_equal(w2v.load(tmp_path / "g.gz").vectors, v.vectors)
    if not binary:
        # gensim without header (GloVe-like) too
        kv.save_word2vec_format(str(tmp_path / "n"), binary=False, write_header=False)
        assert w2v.load(tmp_path / "n").words == v.words


def _tiny_corpus(path, seed=0):
    """A generated language where x_i and y_i share contexts, so vectors mean something."""
    rng = np.random.default_rng(seed)
    with open(path, "w") as f:
        for _ in range(3000):
            i = rng.integers(0, 12)
            f.write(f"the x{i} sees c{i} and the y{i} near c{i} {rng.choice(['a', 'b', 'o'])}\n")


def test_word2vec_c_bin_loads(tmp_path):
    tool = _tool("word2vec")
    if tool is None:
        pytest.skip("word2vec binary not installed (pip install word2vec)")
    _tiny_corpus(tmp_path / "c.txt")
    for binary in ("1", "0"):
        out = tmp_path / f"v{binary}"
        subprocess.run([tool, "-train", str(tmp_path / "c.txt"), "-output", str(out),
                        "-size", "16", "-window", "3", "-min-count", "1", "-iter", "2",
                        "-threads", "1", "-binary", binary, "-cbow", "0"],
                       check=True, capture_output=True, timeout=60)
        v = w2v.load(out)
        assert v.words[0] == "</s>" and len(v) == 4 + 3 * 12 + 3 + 1  # the, sees, and, near...
        raw = out.read_bytes()
        if binary == "1":
            # cross-check the parse against the layout, record by record
            header, rest = raw.split(b"\n", 1)
            n, dim = map(int, header.split())
            pos = 0
            for i in range(n):
                sp = rest.index(b" ", pos)
                assert rest[pos:sp].decode() == v.words[i]
                row = np.frombuffer(rest, "<f4", count=dim, offset=sp + 1)
                assert np.array_equal(row, v.vectors[i])
                pos = sp + 1 + 4 * dim + 1
            assert pos == len(rest)
        else:
            # word2vec.c's "%lf " text: 6 decimals, trailing space
            first = raw.split(b"\n")[2].split(b" ")
            assert first[-1] == b"" and np.allclose(
                [float(x) for x in first[1:-1]], v.vectors[1], atol=5e-7)
    b = w2v.load(tmp_path / "v1")
    t = w2v.load(tmp_path / "v0")
    assert b.words == t.words and np.allclose(b.vectors, t.vectors, atol=5e-7)


def _compute_accuracy_counts(output):
    """Per-section (correct, evaluated) and (seen, total) from compute-accuracy's output."""
    per = [(int(c), int(n)) for c, n in re.findall(r"ACCURACY TOP1: .*?\((\d+) / (\d+)\)", output)]
    seen, total = map(int, re.search(r"Questions seen / total: (\d+) (\d+)", output).groups())
    return per, seen, total


def test_compute_accuracy_agrees(tmp_path):
    tool = _tool("word2vec-compute-accuracy")
    if tool is None:
        pytest.skip("word2vec-compute-accuracy not installed (pip install word2vec)")
    # planted analogies x_i : y_i with noise, so some questions are right and some wrong
    rng = np.random.default_rng(7)
    n, dim = 30, 20
    xs = rng.standard_normal((n, dim))
    ys = xs + 2 * rng.standard_normal(dim) + 1.2 * rng.standard_normal((n, dim))
    words = [f"x{i}" for i in range(n)] + [f"y{i}" for i in range(n)] + [f"d{i}" for i in range(20)]
    v = Vectors(words, np.vstack([xs, ys, rng.standard_normal((20, dim))]).astype(np.float32))
    v.save(tmp_path / "v.bin")
    lines = []
    for s, (p, q) in enumerate([("x", "y"), ("y", "x"), ("x", "y")]):
        lines.append(f": {'gram' if s == 2 else 'sem'}{s}")
        for _ in range(60):
            i, j = rng.choice(n, 2, replace=False)
            lines.append(f"{p}{i} {q}{i} {p}{j} {q}{j}")
        lines.append(f"{p}1 {q}1 zzz {q}2")  # unknown word: skipped by both
    (tmp_path / "q.txt").write_text("\n".join(lines) + "\n")
    with open(tmp_path / "q.txt") as f:
        out = subprocess.run([tool, str(tmp_path / "v.bin"), "0"], stdin=f, capture_output=True,
                             text=True, timeout=60, check=True).stdout
    per, seen, total = _compute_accuracy_counts(out)
    ours = w2v.evaluate_analogies(v, tmp_path / "q.txt", restrict_vocab=None)
    assert per == [(len(s.correct), len(s.correct) + len(s.incorrect)) for s in ours.sections]
    assert (seen, total) == (ours.evaluated, ours.questions)
    assert 0.2 < ours.accuracy < 0.9
    total_line = re.findall(r"Total accuracy: ([\d.]+) %", out)[-1]
    assert float(total_line) == pytest.approx(100 * ours.accuracy, abs=0.006)
