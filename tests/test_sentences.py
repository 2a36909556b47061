"""Sentence embeddings (word2vec_fast.sentences): the mean, SIF and uSIF against a
NumPy reference written from the papers' formulas, fit/transform, ids, threads, files.
"""
import numpy as np
import pytest

import word2vec_fast as w2v
from word2vec_fast import _sentences
from word2vec_fast import sentences as sent_mod
from word2vec_fast.sentences import SentenceEmbedding, encode
from word2vec_fast.subwords import SubwordSpec, SubwordVectors

V, DIM = 400, 12


@pytest.fixture(scope="module")
def wv():
    """Random vectors with Zipfian counts (a few frequent words, so uSIF's a is finite)."""
    rng = np.random.default_rng(7)
    counts = (1e6 / np.arange(1, V + 1) ** 1.1).astype(np.int64) + 1
    vecs = rng.normal(size=(V, DIM)) + 0.5  # a common direction, as real vectors have
    return w2v.Vectors([f"w{i}" for i in range(V)], vecs, counts=counts)


def _make(seed, n, unknown=True):
    rng = np.random.default_rng(seed)
    p = 1 / np.arange(1, V + 1)
    out = []
    for _ in range(n):
        k = int(rng.integers(0, 15))
        toks = [f"w{i}" for i in rng.choice(V, size=k, p=p / p.sum())]
        if unknown and k and rng.random() < 0.3:
            toks.insert(int(rng.integers(0, k)), "UNKNOWN")
        out.append(toks)
    return out


# -- the reference, from the papers --------------------------------------------------------

def ref_average(wv, sents, method, a=1e-3, length=None):
    """Weighted averages (float64) of known words, and the a used."""
    m = wv.vectors.astype(np.float64)
    ids = [[wv.index[t] for t in s if t in wv.index] for s in sents]
    if method == "mean":
        w = np.ones(len(wv))
    else:
        p = wv.counts / wv.counts.sum()
        if method == "sif":
            w = a / (a + p)
        else:  # Ethayarajh 2018, section 4
            n = length if length is not None else max(sum(map(len, ids)) / len(ids), 1.0)
            vocab = len(p)
            threshold = 1 - (1 - 1 / vocab) ** n
            alpha = np.sum(p > threshold) / vocab
            z = vocab / 2
            a = (1 - alpha) / (alpha * z)
            w = a / (0.5 * a + p)
            m = m / np.linalg.norm(m, axis=1, keepdims=True)
    x = np.zeros((len(sents), m.shape[1]))
    for i, r in enumerate(ids):
        if r:
            x[i] = (w[r, None] * m[r]).sum(axis=0) / len(r)
    return x, a


def ref_components(x, k, method):
    """Top-k right singular vectors of x (not centred) and how much of each goes."""
    _, s, vt = np.linalg.svd(x, full_matrices=False)
    s2 = s[:k] ** 2
    lam = s2 / s2.sum() if method == "usif" else np.ones(k)
    return vt[:k], lam


def ref_remove(x, comps, lam):
    return x - ((x @ comps.T) * lam) @ comps


def close(a, b):
    scale = np.abs(b).max()
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5 * scale)


# -- against the reference -----------------------------------------------------------------

@pytest.mark.parametrize("method,k", [("mean", 0), ("mean", 2), ("sif", 1), ("sif", 3),
                                      ("usif", 5)])
def test_matches_reference(wv, method, k):
    sents = _make(1, 300)
    emb = SentenceEmbedding(wv, method, components=k)
    got = emb.fit_transform(sents)
    x, a = ref_average(wv, sents, method)
    if method == "usif":
        assert np.isfinite(a) and emb.a == pytest.approx(a, rel=1e-12)
    if k:
        comps, lam = ref_components(x, k, method)
        x = ref_remove(x, comps, lam)
        np.testing.assert_allclose(emb.component_weights_, lam, rtol=1e-5)
        # the same subspace: |U U^T| equal
        np.testing.assert_allclose(emb.components_.T @ emb.components_, comps.T @ comps,
                                   atol=1e-5)
    assert got.dtype == np.float32 and got.shape == (300, DIM)
    close(got, x)


def test_default_components_and_a(wv):
    assert len(SentenceEmbedding(wv, "sif").fit(_make(2, 50)).components_) == 1
    assert len(SentenceEmbedding(wv, "usif").fit(_make(2, 50)).components_) == 5
    assert len(SentenceEmbedding(wv, "mean").components_) == 0
    assert SentenceEmbedding(wv, "sif").a == 1e-3


def test_usif_given_length_and_a(wv):
    sents = _make(3, 100)
    emb = SentenceEmbedding(wv, "usif", length=11, components=0)
    x, a = ref_average(wv, sents, "usif", length=11)
    assert emb.a == pytest.approx(a, rel=1e-12)
    close(emb.transform(sents), x)  # no components: no fit needed
    emb = SentenceEmbedding(wv, "usif", a=0.01, components=0, length=5)
    assert emb.a == 0.01
    np.testing.assert_allclose(emb.weights, 0.01 / (0.005 + wv.counts / wv.counts.sum()),
                               rtol=1e-6)


def test_usif_no_frequent_word_weighs_two():
    wv = w2v.Vectors(["a", "b", "c"], np.eye(3), counts=[1, 1, 1])
    emb = SentenceEmbedding(wv, "usif", components=0, length=5)
    assert emb.a == np.inf
    np.testing.assert_array_equal(emb.weights, [2, 2, 2])
    with pytest.raises(ValueError, match="every word is more probable"):
        SentenceEmbedding(wv, "usif", components=0, length=0.01)


def test_transform_uses_stored_components(wv):
    fit_s, new_s = _make(4, 200), _make(5, 50)
    for method in ("sif", "usif"):
        emb = SentenceEmbedding(wv, method).fit(fit_s)
        x_fit, _ = ref_average(wv, fit_s, method)
        x_new, _ = ref_average(wv, new_s, method, length=emb.length)
        comps, lam = ref_components(x_fit, len(emb.components_), method)
        close(emb.transform(new_s), ref_remove(x_new, comps, lam))
        # fit_transform gives what transform gives, to the bit
        np.testing.assert_array_equal(emb.fit_transform(fit_s), emb.transform(fit_s))


def test_unknown_and_empty_sentences(wv):
    emb = SentenceEmbedding(wv, "sif").fit(_make(6, 100))
    x = emb.transform([[], ["UNKNOWN", "nope"], "", ["w3", "UNKNOWN"]])
    np.testing.assert_array_equal(x[:3], 0)
    np.testing.assert_array_equal(x[3], emb.transform([["w3"]])[0])


def test_strings_equal_token_lists(wv):
    sents = _make(8, 100)
    emb = SentenceEmbedding(wv, "sif").fit(sents)
    np.testing.assert_array_equal(emb.transform(sents),
                                  emb.transform(["  ".join(s) + "\n" for s in sents]))
    np.testing.assert_array_equal(emb.transform(iter(sents)), emb.transform(sents))


def test_transform_ids_equals_transform(wv):
    sents = _make(9, 300)
    emb = SentenceEmbedding(wv, "usif").fit(sents)
    ids, offsets = encode(wv, sents)
    assert ids.dtype == np.int32 and offsets.dtype == np.int64 and len(offsets) == 301
    np.testing.assert_array_equal(emb.transform_ids(ids, offsets), emb.transform(sents))
    # other integer types are taken too
    np.testing.assert_array_equal(emb.transform_ids(ids.astype(np.int64), list(offsets)),
                                  emb.transform(sents))
    np.testing.assert_array_equal(SentenceEmbedding(wv, "usif").fit_ids(ids, offsets)
                                  .components_, emb.components_)
    np.testing.assert_array_equal(SentenceEmbedding(wv, "usif").fit_transform_ids(ids, offsets),
                                  emb.transform(sents))


def test_threads_do_not_change_bits(wv, monkeypatch):
    monkeypatch.setattr(sent_mod, "CHUNK_SENTENCES", 64)
    sents = _make(10, 2000)
    ids, offsets = encode(wv, sents)
    outs = []
    for threads in (1, 2, 5):
        emb = SentenceEmbedding(wv, "usif", threads=threads)
        outs.append((emb.fit_transform_ids(ids, offsets), emb.transform_ids(ids, offsets)))
    for a, b in outs[1:]:
        np.testing.assert_array_equal(a, outs[0][0])
        np.testing.assert_array_equal(b, outs[0][1])


def test_counts_mapping_array_and_override(wv):
    sents = _make(11, 100)
    plain = w2v.Vectors(wv.words, wv.vectors)
    mapping = dict(zip(wv.words, wv.counts.tolist()))
    a = SentenceEmbedding(wv, "sif").fit_transform(sents)
    np.testing.assert_array_equal(SentenceEmbedding(plain, "sif", counts=mapping)
                                  .fit_transform(sents), a)
    np.testing.assert_array_equal(SentenceEmbedding(plain, "sif", counts=wv.counts)
                                  .fit_transform(sents), a)
    # missing words count 0: weight a / a = 1
    emb = SentenceEmbedding(plain, "sif", counts={"w0": 10})
    assert emb.weights[0] < 1 and np.all(emb.weights[1:] == 1)


def test_float16_and_subword_vectors(wv):
    sents = _make(12, 100)
    half = wv.astype(np.float16)
    got = SentenceEmbedding(half, "mean").transform(sents)
    x, _ = ref_average(w2v.Vectors(wv.words, half.vectors.astype(np.float32), wv.counts),
                       sents, "mean")
    close(got, x)
    spec = SubwordSpec.checked(3, 4, 50)
    rng = np.random.default_rng(0)
    sv = SubwordVectors(["ab", "cd"], rng.normal(size=(52, 4)).astype(np.float32), spec,
                        counts=[5, 3])
    out = SentenceEmbedding(sv, "mean").transform([["ab", "cd", "zz"]])
    np.testing.assert_allclose(out[0], (sv.vectors[0] + sv.vectors[1]) / 2, rtol=1e-6)


def test_save_load_round_trip(wv, tmp_path):
    sents, new = _make(13, 200), _make(14, 30)
    for method in ("mean", "sif", "usif"):
        emb = SentenceEmbedding(wv, method).fit(sents)
        path = tmp_path / f"{method}.npz"
        emb.save(path)
        plain = w2v.Vectors(wv.words, wv.vectors)  # no counts needed to load
        back = SentenceEmbedding.load(path, plain)
        assert back.method == method and back.a == emb.a and back.length == emb.length
        np.testing.assert_array_equal(back.transform(new), emb.transform(new))
        with np.load(path, allow_pickle=False) as z:  # no pickled objects inside
            assert "components" in z.files
    assert "not fitted" not in repr(back)


def test_errors(wv, tmp_path):
    plain = w2v.Vectors(wv.words, wv.vectors)
    for method in ("sif", "usif"):
        with pytest.raises(ValueError, match="needs word counts.*counts="):
            SentenceEmbedding(plain, method)
    with pytest.raises(ValueError, match="all zero"):
        SentenceEmbedding(plain, "sif", counts=np.zeros(V, int))
    with pytest.raises(ValueError, match="one count per word"):
        SentenceEmbedding(plain, "sif", counts=[1, 2])
    with pytest.raises(ValueError, match=">= 0"):
        SentenceEmbedding(plain, "sif", counts=-np.ones(V))
    with pytest.raises(ValueError, match="method must be one of"):
        SentenceEmbedding(wv, "tfidf")
    with pytest.raises(ValueError, match="components must be at most the dimension 12"):
        SentenceEmbedding(wv, "sif", components=13)
    with pytest.raises(ValueError, match="a must be"):
        SentenceEmbedding(wv, "sif", a=0)
    with pytest.raises(TypeError, match="Vectors"):
        SentenceEmbedding(np.zeros((3, 3)), "mean")
    with pytest.raises(RuntimeError, match="not fitted"):
        SentenceEmbedding(wv, "sif").transform([["w1"]])
    with pytest.raises(RuntimeError, match="not fitted"):
        SentenceEmbedding(wv, "usif", components=0).transform([["w1"]])
    with pytest.raises(ValueError, match="at least one sentence"):
        SentenceEmbedding(wv, "sif").fit([])
    with pytest.raises(TypeError, match="not one string"):
        SentenceEmbedding(wv, "mean").transform("w1 w2")
    with pytest.raises(TypeError, match="sentence 1"):
        SentenceEmbedding(wv, "mean").transform([["w1"], 5])

    emb = SentenceEmbedding(wv, "mean")
    ids = np.array([1, 2, 3, V, 4], np.int32)
    with pytest.raises(ValueError, match=rf"ids\[3\] = {V} is not a row .*0\.\.{V - 1}"):
        emb.transform_ids(ids, [0, 2, 5])
    with pytest.raises(ValueError, match=r"ids\[1\] = -1"):
        emb.transform_ids(np.array([0, -1], np.int64), [0, 2])
    with pytest.raises(ValueError, match=r"ids\[0\] = -5"):
        emb.transform_ids(np.array([-5], np.int32), [0, 1])
    with pytest.raises(ValueError, match=r"offsets must not decrease: offsets\[2\] = 1 < "
                                         r"offsets\[1\] = 3"):
        emb.transform_ids(np.arange(4, dtype=np.int32), [0, 3, 1, 4])
    with pytest.raises(ValueError, match="start at 0 and end at len"):
        emb.transform_ids(np.arange(4, dtype=np.int32), [0, 3])
    with pytest.raises(ValueError, match="at least one entry"):
        emb.transform_ids(np.arange(4, dtype=np.int32), [])
    with pytest.raises(TypeError, match="ids must be"):
        emb.transform_ids(np.ones(2), [0, 2])
    with pytest.raises(TypeError, match="offsets must be"):
        emb.transform_ids(np.ones(2, np.int32), np.array([0.0, 2.0]))
    np.testing.assert_array_equal(emb.transform_ids(np.zeros(0, np.int32), [0, 0]),
                                  np.zeros((1, DIM), np.float32))

    # loading for other vectors
    path = tmp_path / "sif.npz"
    SentenceEmbedding(wv, "sif").fit(_make(15, 50)).save(path)
    other_dim = w2v.Vectors(wv.words, np.ones((V, 7)))
    with pytest.raises(ValueError, match="dimension 12 but the word vectors have dimension 7"):
        SentenceEmbedding.load(path, other_dim)
    with pytest.raises(ValueError, match="fitted to 400 words, these vectors have 3"):
        SentenceEmbedding.load(path, w2v.Vectors(["a", "b", "c"], np.ones((3, DIM))))
    with pytest.raises(ValueError, match="other words"):
        SentenceEmbedding.load(path, w2v.Vectors(wv.words[::-1], wv.vectors))
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a saved sentence embedding"):
        SentenceEmbedding.load(bad, wv)
    np.savez(tmp_path / "other.npz", x=np.ones(3))
    with pytest.raises(ValueError, match="not a saved sentence embedding"):
        SentenceEmbedding.load(tmp_path / "other.npz", wv)
    with pytest.raises(FileNotFoundError):
        SentenceEmbedding.load(tmp_path / "missing.npz", wv)
    with pytest.raises(RuntimeError, match="not fitted"):
        SentenceEmbedding(wv, "sif").save(tmp_path / "x.npz")


def test_glue_checks_its_inputs():
    rows = np.ones((3, 2), np.float32)
    out = np.empty((2, 2), np.float32)
    ids, offs = np.array([0, 1], np.int32), np.array([0, 1, 2], np.int64)
    with pytest.raises(ValueError, match="out of range"):
        _sentences.embed(rows, None, ids, offs, 0, 3, None, None, out)
    with pytest.raises(ValueError, match="out has shape"):
        _sentences.embed(rows, None, ids, offs, 0, 2, None, None, out[:1])
    with pytest.raises(ValueError, match="word weights"):
        _sentences.embed(rows, np.ones(2, np.float32), ids, offs, 0, 2, None, None, out)
    with pytest.raises(ValueError, match="components have dimension 3"):
        _sentences.embed(rows, None, ids, offs, 0, 2, np.ones((1, 3), np.float32), None, out)
    with pytest.raises(ValueError, match="past the end"):
        _sentences.embed(rows, None, ids[:1], offs, 0, 2, None, None, out)
    with pytest.raises(ValueError, match="component weights"):
        _sentences.remove(out, np.ones((1, 2), np.float32), np.ones(2, np.float32))
