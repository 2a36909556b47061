"""Pretrained starts (train(init_vectors=, lock_init=)) and one-shot generators as corpora."""
import io
import sys

import numpy as np
import pytest

import word2vec_fast as w2v
from word2vec_fast import Model, Vectors
from word2vec_fast.cli import main


def _corpus(seed, words, n=400, length=12):
    rng = np.random.default_rng(seed)
    zipf = 1.0 / np.arange(1, len(words) + 1)
    return [[words[i] for i in rng.choice(len(words), size=length, p=zipf / zipf.sum())]
            for _ in range(n)]


A_WORDS = [f"a{i}" for i in range(30)] + [f"s{i}" for i in range(20)]
B_WORDS = [f"s{i}" for i in range(20)] + [f"b{i}" for i in range(25)]
KW = dict(dim=16, min_count=1, epochs=2, threads=1, seed=3, progress=False)


@pytest.fixture(scope="module")
def trained_a():
    return w2v.train(_corpus(1, A_WORDS), **KW).wv


def _fresh(model):
    p = model.params
    return Model.create(model.vocab, **{k: p[k] for k in (
        "dim", "window", "negative", "hs", "sg", "cbow_mean", "sample", "alpha", "min_alpha",
        "epochs", "seed", "min_count", "batch")}).vectors


@pytest.mark.parametrize("kw", [{}, {"sg": False}, {"batch": 0}, {"hs": True, "negative": 0}],
                         ids=["sg", "cbow", "classic", "hs"])
def test_locked_rows_unchanged_unlocked_rows_moved(trained_a, kw):
    m = w2v.train(_corpus(2, B_WORDS), init_vectors=trained_a, lock_init=True, **KW, **kw)
    shared = [w for w in m.words if w in trained_a]
    assert len(shared) == 20
    rows = [m.vocab.index[w] for w in shared]
    got = m.vectors[rows]
    want = trained_a[shared]
    assert np.array_equal(got.view(np.uint32), want.view(np.uint32)), "a locked row changed"
    assert m.lock_in is not None and m.lock_in.sum() == 20
    others = [m.vocab.index[w] for w in m.words if w not in trained_a]
    moved = np.abs(m.vectors[others] - _fresh(m)[others]).max(axis=1)
    assert moved.min() > 0 and moved.max() > 1e-3
    # unlocked, the shared rows start from A's and then learn
    free = w2v.train(_corpus(2, B_WORDS), init_vectors=trained_a, **KW, **kw)
    assert free.lock_in is None
    assert np.abs(free.vectors[rows] - want).max(axis=1).min() > 0


def test_init_from_files(trained_a, tmp_path):
    trained_a.save(tmp_path / "a.bin")
    trained_a.save(tmp_path / "a.npy", format="npy")
    runs = [w2v.train(_corpus(2, B_WORDS), init_vectors=src, lock_init=True, **KW).vectors
            for src in (trained_a, tmp_path / "a.bin", str(tmp_path / "a.npy"))]
    assert np.array_equal(runs[0], runs[1]) and np.array_equal(runs[0], runs[2])


def test_init_errors(trained_a):
    with pytest.raises(ValueError, match="16 dimensions but the model has dim=8"):
        w2v.train(_corpus(2, B_WORDS), init_vectors=trained_a, **dict(KW, dim=8))
    with pytest.raises(ValueError, match="lock_init=True needs init_vectors"):
        w2v.train(_corpus(2, B_WORDS), lock_init=True, **KW)
    with pytest.raises(TypeError, match="init_vectors must be"):
        w2v.train(_corpus(2, B_WORDS), init_vectors=42, **KW)
    bad = Vectors(trained_a.words, trained_a.vectors.copy())
    bad.vectors[bad.index["s3"], 2] = np.inf
    with pytest.raises(ValueError, match="'s3' holds NaN or infinity"):
        w2v.train(_corpus(2, B_WORDS), init_vectors=bad, **KW)


def test_lock_survives_train_more(trained_a):
    m = w2v.train(_corpus(2, B_WORDS), init_vectors=trained_a, lock_init=True, **KW)
    before = m.vectors.copy()
    m.train_more(_corpus(4, B_WORDS + ["new1", "new2"]), threads=1, progress=False)
    locked = m.lock_in[:len(before)].astype(bool)
    assert np.array_equal(m.vectors[:len(before)][locked], before[locked])
    assert len(m.lock_in) == len(m.vocab) and not m.lock_in[len(before):].any()


def test_one_shot_generator_trains_like_a_list():
    sents = _corpus(5, B_WORDS)
    a = w2v.train(sents, **KW)
    b = w2v.train((s for s in sents), **KW)
    assert a.words == b.words and np.array_equal(a.vectors, b.vectors)
    # pruning while counting needs a second pass: a list can, a generator cannot
    many = [[f"w{i}_{j}" for j in range(8)] + ["x", "y"] for i in range(100)]
    assert w2v.train(many, max_vocab_size=50, **KW).words[:2] == ["x", "y"]
    with pytest.raises(ValueError, match="max_vocab_size=50 pruned .* one-shot"):
        w2v.train((s for s in many), max_vocab_size=50, **KW)
    with pytest.raises(TypeError, match="one-shot"):
        a.train_more((s for s in sents), progress=False)
    a.train_more((s for s in sents), update_vocab=False, threads=1, progress=False)


def _cli(*args):
    """``word2vec-fast ARGS`` in this process: (exit status, stderr)."""
    old, sys.stderr = sys.stderr, io.StringIO()
    try:
        return main([str(a) for a in args]), sys.stderr.getvalue()
    finally:
        sys.stderr = old


def test_cli_train_flags(trained_a, tmp_path):
    corpus = tmp_path / "b.txt"
    corpus.write_text("\n".join(" ".join(s) for s in _corpus(2, B_WORDS)) + "\n")
    trained_a.save(tmp_path / "a.bin")
    out = tmp_path / "b.txt.bin"
    common = [corpus, "-o", out, "--dim", 16, "--min-count", 1, "--epochs", 2, "--threads", 1,
              "--seed", 3, "-q"]
    assert _cli("train", *common, "--init-vectors", tmp_path / "a.bin", "--lock-init")[0] == 0
    got = w2v.load(out)
    api = w2v.train(corpus, init_vectors=trained_a, lock_init=True, **KW)
    assert got.words == api.words and np.array_equal(got.vectors, api.vectors)
    shared = [w for w in got.words if w in trained_a]
    assert np.array_equal(got[shared], trained_a[shared])
    # every other Python parameter has its flag, with the API's meaning
    flags = ["--cbow", "--cbow-mean", 0, "--min-alpha", 0.001, "--max-vocab-size", 1000,
             "--max-final-vocab", 12, "--max-token-bytes", 4, "--spill-bytes", 0,
             "--spill-dir", tmp_path]
    assert _cli("train", *common, *flags)[0] == 0
    api = w2v.train(corpus, sg=False, cbow_mean=False, min_alpha=0.001, max_vocab_size=1000,
                    max_final_vocab=12, max_token_bytes=4, spill_bytes=0, spill_dir=tmp_path,
                    **KW)
    got = w2v.load(out)
    assert got.words == api.words and len(got) == 12
    assert np.array_equal(got.vectors, api.vectors)
    rc, err = _cli("train", *common, "--lock-init")
    assert rc == 2 and "--lock-init needs --init-vectors" in err
    rc, err = _cli("train", *common, "--init-vectors", tmp_path / "a.bin", "--dim", 8)
    assert rc == 1 and "16 dimensions but the model has dim=8" in err
