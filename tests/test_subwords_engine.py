"""The subword kernels (csrc/w2v_subword*.{h,c}) against fastText's n-grams and the
NumPy reference of the mean / full-gradient rule (tests/reference.py)."""
import numpy as np
import pytest

from word2vec_fast import Vocab, _kernels
from word2vec_fast.model import Model

import reference as ref
from test_engine import _tiny_corpus


def py_hash(data: bytes) -> int:
    """fastText's Dictionary::hash, written from its definition: 32-bit FNV-1a over
    the bytes, each sign-extended through int8_t."""
    h = 2166136261
    for c in data:
        h ^= (c - 256 if c >= 128 else c) & 0xFFFFFFFF
        h = (h * 16777619) & 0xFFFFFFFF
    return h


def py_ngrams(word: str, minn: int, maxn: int):
    """The n-grams of "<" + word + ">" in fastText's order (start, then length), as bytes."""
    b = ("<" + word + ">").encode()
    starts = [i for i in range(len(b)) if (b[i] & 0xC0) != 0x80]
    bounds = starts + [len(b)]
    out = []
    for si, i in enumerate(starts):
        for n in range(1, maxn + 1):
            if si + n >= len(bounds):
                break
            j = bounds[si + n]
            if n >= minn and not (n == 1 and (i == 0 or j == len(b))):
                out.append(b[i:j])
    return out


WORDS = ["the", "a", "ab", "aaaa", "über", "naïve", "日本語", "zoë", "€uro", "x" * 40,
         "paraskevidekatriaphobia", "é", ""]


@pytest.mark.parametrize("word", WORDS)
@pytest.mark.parametrize("minn,maxn", [(3, 6), (1, 3), (2, 2), (5, 5), (1, 1)])
def test_ngrams_match_the_definition(word, minn, maxn):
    buckets = 2_000_000
    got, starts, lens = _kernels.ngram_buckets(word.encode(), minn, maxn, buckets)
    exp = py_ngrams(word, minn, maxn)
    br = ("<" + word + ">").encode()
    assert [br[s:s + n] for s, n in zip(starts, lens)] == exp
    assert got.tolist() == [py_hash(g) % buckets for g in exp]


def test_hash_golden_values():
    # FNV-1a of ASCII (the published offset basis and prime) and of bytes >= 0x80,
    # which fastText sign-extends (the fastText module's own answer, checked below
    # where it is installed)
    assert _kernels.ngram_hash(b"") == 2166136261
    assert _kernels.ngram_hash(b"a") == 0xE40C292C
    for w in [b"<the>", "über".encode(), "日本".encode(), bytes(range(256))]:
        assert _kernels.ngram_hash(w) == py_hash(w)


def test_ngrams_equal_fasttexts(tmp_path):
    fasttext = pytest.importorskip("fasttext")
    words = ["the", "cat", "über", "naïve", "日本語", "zoë", "€uro", "ab", "a"]
    rng = np.random.default_rng(0)
    text = tmp_path / "t.txt"
    text.write_text("\n".join(" ".join(rng.choice(words, 8)) for _ in range(300)) + "\n",
                    encoding="utf-8")
    m = fasttext.train_unsupervised(str(text), model="skipgram", dim=5, epoch=1, minCount=1,
                                    bucket=1000, minn=2, maxn=4, verbose=0, thread=1)
    vocab = m.get_words()
    offs, rows = _kernels.vocab_ngram_rows([w.encode() for w in vocab], 2, 4, 1000,
                                           skip=vocab.index("</s>"))
    for i, w in enumerate(vocab):
        assert rows[offs[i]:offs[i + 1]].tolist() == list(m.get_subwords(w)[1]), w
    for w in ["unseen", "ççç", "日本", "x"]:  # unknown words: their n-grams only
        b, _, _ = _kernels.ngram_buckets(w.encode(), 2, 4, 1000)
        assert (b + len(vocab)).tolist() == list(m.get_subwords(w)[1]), w


def test_vocab_rows_layout():
    offs, rows = _kernels.vocab_ngram_rows([b"ab", b"</s>", b"abab"], 2, 3, 10, skip=1)
    assert offs.tolist()[:3] == [0, 1 + 5, 1 + 5 + 1]
    assert rows[0] == 0 and rows[offs[1]] == 1 and rows[offs[2]] == 2
    assert (rows[1:offs[1]] >= 3).all() and (rows[1:offs[1]] < 13).all()
    offs, rows = _kernels.vocab_ngram_rows([b"ab", b"cd"], 0, 0, 10)
    assert offs.tolist() == [0, 1, 2] and rows.tolist() == [0, 1]


@pytest.mark.parametrize("minn,maxn,buckets", [(0, -1, 10), (4, 3, 10), (0, 3, 10),
                                               (3, 6, 0), (3, 6, 2**32)])
def test_ngram_params_are_checked(minn, maxn, buckets):
    with pytest.raises(ValueError):
        _kernels.ngram_buckets(b"abc", minn, maxn, buckets)


def test_too_many_rows_for_int32():
    with pytest.raises(ValueError, match="int32"):
        _kernels.vocab_ngram_rows([b"a"] * 10, 3, 6, 2**31 - 5)


# -- the kernels against the reference ---------------------------------------------

def _corpus(seed):
    """test_engine's corpus, its words renamed to ones that share n-grams, repeat them
    ("aaaa") and are not ASCII."""
    ids, offsets, vocab = _tiny_corpus(seed)
    stems = ["the", "a", "aaaa", "über", "日本", "ab", "abc", "zoë", "bca", "cab"]
    words = [stems[i % len(stems)] + ("" if i < len(stems) else str(i))
             for i in range(len(vocab))]
    return ids, offsets, Vocab(words, vocab.counts)


CASES = [dict(sg=sg, hs=hs, negative=neg, cbow_mean=cm)
         for sg in (True, False) for (hs, neg) in ((False, 3), (True, 0), (True, 2))
         for cm in ((True,) if sg else (True, False))]


def _check(case, batch, dim, chunk=97, epochs=2, alpha=None, buckets=37, minn=1, maxn=3):
    if alpha is None:  # CBOW's sum of some 50 rows diverges at 0.05
        alpha = 0.05 if case["sg"] or case["cbow_mean"] else 0.002
    ids, offsets, vocab = _corpus(1)
    window, seed, v = 3, 7, len(vocab)
    model = Model.create(vocab, dim=dim, window=window, negative=case["negative"],
                         hs=case["hs"], sg=case["sg"], cbow_mean=case["cbow_mean"],
                         sample=0.02, alpha=alpha, min_alpha=None, epochs=epochs, seed=seed,
                         min_count=1)
    rng = np.random.default_rng(3)
    for w in (model.syn1neg, model.syn1):
        if w is not None:
            w[:] = (rng.random(w.shape, dtype=np.float32) - 0.5) * 0.5
    w_in = ((rng.random((v + buckets, dim), dtype=np.float32) - 0.5) * 0.5).astype(np.float32)
    sub_offsets, sub_rows = _kernels.vocab_ngram_rows([w.encode() for w in vocab.words],
                                                      minn, maxn, buckets)
    if maxn:
        assert len(sub_rows) > 4 * v and len(np.unique(sub_rows)) < len(sub_rows)
    keep = vocab.keep_probabilities(0.02)
    keep_thr = np.minimum(np.floor(keep * (1 << 24)), 1 << 24).astype(np.uint32)
    W_in = w_in.copy()
    W_ns = None if model.syn1neg is None else model.syn1neg.copy()
    W_hs = None if model.syn1 is None else model.syn1.copy()
    start = w_in.copy()
    alpha0 = float(np.float32(alpha))
    t = model.tables
    engine = _kernels.Engine(
        ids=ids, offsets=offsets, keep_thr=keep_thr, alias_prob=t.alias_prob,
        alias_idx=t.alias_idx, code_offsets=t.code_offsets, codes=t.codes, points=t.points,
        w_in=w_in, w_out_ns=model.syn1neg, w_out_hs=model.syn1, window=window,
        negative=case["negative"], hs=case["hs"], sg=case["sg"], cbow_mean=case["cbow_mean"],
        epochs=epochs, first_epoch=0, alpha0=alpha0, alpha_end=0.0, alpha_floor=alpha0 * 1e-4,
        seed=seed, chunk_tokens=chunk, threads=1, batch=batch, sub_offsets=sub_offsets,
        sub_rows=sub_rows)
    assert engine.run_worker(0) == 0
    p = dict(case, batch=batch, window=window, epochs=epochs, seed=seed, chunk_tokens=chunk,
             alpha0=alpha0, alpha_end=0.0, alpha_floor=alpha0 * 1e-4, keep_thr=keep_thr,
             alias_prob=t.alias_prob, alias_idx=t.alias_idx, code_offsets=t.code_offsets,
             codes=t.codes, points=t.points, sub_offsets=sub_offsets, sub_rows=sub_rows)
    stats = {}
    raw = ref.train_reference(ids, offsets, p, W_in, W_ns, W_hs, stats=stats)
    assert engine.epoch_raw[0].tolist() == raw == [len(ids)] * epochs
    assert engine.epoch_pairs[0].tolist() == stats["pairs"]
    assert min(stats["pairs"]) > 100
    np.testing.assert_allclose(engine.epoch_loss[0], stats["loss"], rtol=2e-6)
    # a bucket row is shared by many words and takes thousands of updates of rows of
    # magnitude ~0.25 summed in another order than NumPy's (BLAS, FMA): the absolute
    # tolerance is that of the weights' scale, 4e-5 of it
    np.testing.assert_allclose(w_in, W_in, rtol=1e-5, atol=1e-5)
    if W_ns is not None:
        np.testing.assert_allclose(model.syn1neg, W_ns, rtol=1e-5, atol=1e-5)
    if W_hs is not None:
        np.testing.assert_allclose(model.syn1, W_hs, rtol=1e-5, atol=1e-5)
    # word rows and bucket rows both learned
    assert np.abs(w_in - start)[:v].max() > 1e-3
    if maxn:
        assert np.abs(w_in - start)[v:].max() > 1e-3
    return w_in


def _case_id(c):
    return ("sg" if c["sg"] else "cbow" + ("-mean" if c["cbow_mean"] else "-sum")) \
        + ("-hs" if c["hs"] else "") + (f"-neg{c['negative']}" if c["negative"] else "")


@pytest.mark.parametrize("case", CASES, ids=_case_id)
@pytest.mark.parametrize("batch", [1, 5], ids=["batch1", "batch5"])
@pytest.mark.parametrize("dim", [8, 61])
def test_subword_engine_matches_reference(case, batch, dim):
    _check(case, batch, dim)


@pytest.mark.parametrize("case", CASES[:2] + CASES[3:5], ids=_case_id)
def test_every_simd_build_matches_reference(simd_build, case):
    _check(case, 5, 61)


def test_seeded_single_thread_runs_are_bit_for_bit():
    case = CASES[0]
    a = _check(case, 1, 16, epochs=1)
    b = _check(case, 1, 16, epochs=1)
    assert np.array_equal(a.view(np.uint32), b.view(np.uint32))


def test_without_ngrams_is_plain_word2vec():
    # maxn = 0: every word's only row is its own, so the subword skip-gram is the plain
    # mean/full-gradient rule of one row (checked against the reference too)
    _check(CASES[3], 4, 8, minn=0, maxn=0)
