"""Cosine queries: checked against plain NumPy written from the definitions, and gensim."""
import numpy as np
import pytest

from word2vec_fast import Vectors

from conftest import random_vectors


def _vectors(v=300, dim=16, seed=0):
    return random_vectors(v, dim, seed)


def _unit(m):
    m = m.astype(np.float64)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def _ref_ranking(scores, exclude, topn):
    order = [i for i in np.argsort(-scores, kind="stable") if i not in exclude]
    return order[:topn]


def test_unit_vectors_cached_and_exact():
    v = _vectors()
    u = v.unit_vectors
    assert u is v.unit_vectors  # computed once
    assert u.dtype == np.float32 and u.shape == v.vectors.shape
    assert np.allclose(u, _unit(v.vectors), atol=1e-6)
    v.vectors[0] *= -1
    v.clear_cache()
    assert np.allclose(v.unit_vectors[0], -u[0], atol=1e-7)
    v.vectors = v.vectors * 2  # a new matrix invalidates by itself
    assert v.unit_vectors is not u


def test_most_similar_3cosadd_matches_definition():
    v = _vectors()
    u = _unit(v.vectors)
    q = u[1] + u[2] - u[3]
    q /= np.linalg.norm(q)
    scores = u @ q
    got = v.most_similar(positive=["w1", "w2"], negative=["w3"], topn=7)
    assert [v.index[w] for w, _ in got] == _ref_ranking(scores, {1, 2, 3}, 7)
    assert np.allclose([s for _, s in got], scores[[v.index[w] for w, _ in got]], atol=1e-5)
    got = v.most_similar("w5", topn=4, restrict_vocab=50)
    assert [v.index[w] for w, _ in got] == _ref_ranking((u @ u[5])[:50], {5}, 4)
    assert v.most_similar("w5", topn=None).shape == (300,)
    # a raw vector as query
    got = v.most_similar(positive=[v["w9"] * 3], topn=1)
    assert got[0][0] == "w9"


def test_most_similar_cosmul_matches_definition():
    v = _vectors()
    u = _unit(v.vectors)
    cos = lambda w: u @ u[v.index[w]]  # noqa: E731
    scores = ((1 + cos("w1")) / 2) * ((1 + cos("w2")) / 2) / ((1 + cos("w3")) / 2 + 1e-6)
    got = v.most_similar_cosmul(["w1", "w2"], ["w3"], topn=6)
    assert [v.index[w] for w, _ in got] == _ref_ranking(scores, {1, 2, 3}, 6)
    assert np.allclose([s for _, s in got], scores[[v.index[w] for w, _ in got]], rtol=1e-5)


def test_similarity_doesnt_match_analogy():
    v = Vectors(["king", "queen", "man", "woman", "apple"],
                np.array([[1, 1, 0], [1, -1, 0], [0.1, 1, 0.05], [0.1, -1, 0.05], [0, 0, 1]],
                         dtype=np.float32))
    assert v.similarity("king", "queen") == pytest.approx(0.0, abs=1e-7)
    assert v.similarity("man", "man") == pytest.approx(1.0)
    assert v.doesnt_match(["king", "man", "apple"]) == "apple"
    with pytest.warns(UserWarning, match="zzz"):
        assert v.doesnt_match(["king", "man", "apple", "zzz"]) == "apple"
    assert v.analogy("man", "king", "woman") == "queen"
    assert v.analogy("man", "king", "woman", method="mul") == "queen"
    assert v.analogies([("man", "king", "woman"), ("king", "man", "queen")]) == \
        [[("queen", pytest.approx(v.most_similar(["king", "woman"], ["man"], topn=1)[0][1]))],
         [("woman", pytest.approx(v.most_similar(["man", "queen"], ["king"], topn=1)[0][1]))]]
    with pytest.raises(KeyError, match="zzz"):
        v.similarity("king", "zzz")
    with pytest.raises(ValueError):
        v.most_similar()


def test_batched_equals_one_by_one():
    v = _vectors(v=500)
    words = [f"w{i}" for i in range(0, 500, 7)]
    for topn in (5, 12):  # the argmax path and the partition path
        batched = v.nearest(words, topn=topn, restrict_vocab=400)
        for w, res in zip(words, batched):
            single = v.most_similar(w, topn=topn, restrict_vocab=400)
            assert [x for x, _ in res] == [x for x, _ in single]
            assert np.allclose([s for _, s in res], [s for _, s in single], atol=1e-5)
    qs = [(f"w{i}", f"w{i + 1}", f"w{i + 2}") for i in range(0, 300, 11)]
    for method, single in (("add", v.most_similar), ("mul", v.most_similar_cosmul)):
        got = v.analogies(qs, topn=3, method=method)
        for (a, b, c), res in zip(qs, got):
            want = single([b, c], [a], topn=3)
            assert [x for x, _ in res] == [x for x, _ in want]


def test_small_vocab_edges():
    v = _vectors(v=4, dim=3)
    assert len(v.most_similar("w0", topn=10)) == 3
    assert v.analogies([("w0", "w1", "w2")], topn=5) == [[(v.most_similar(
        ["w1", "w2"], ["w0"], topn=1)[0][0], pytest.approx(v.most_similar(
            ["w1", "w2"], ["w0"], topn=1)[0][1]))]]
    assert v.most_similar("w0", topn=0) == []


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # gensim's own init_sims call
def test_matches_gensim_queries():
    pytest.importorskip("gensim")
    from gensim.models import KeyedVectors
    v = _vectors(v=400, dim=24, seed=5)
    kv = KeyedVectors(24)
    kv.add_vectors(v.words, v.vectors)
    for pos, neg in ((["w3"], []), (["w1", "w2"], ["w3"]), (["w10", "w20", "w30"], ["w5", "w6"])):
        ours = v.most_similar(pos, neg, topn=10)
        theirs = kv.most_similar(pos, neg, topn=10)
        assert [w for w, _ in ours] == [w for w, _ in theirs]
        assert np.allclose([s for _, s in ours], [s for _, s in theirs], atol=1e-5)
        ours = v.most_similar_cosmul(pos, neg, topn=10)
        theirs = kv.most_similar_cosmul(pos, neg, topn=10)
        assert [w for w, _ in ours] == [w for w, _ in theirs]
        assert np.allclose([s for _, s in ours], [s for _, s in theirs], rtol=1e-4)
    assert v.doesnt_match(["w1", "w2", "w3", "w4"]) == kv.doesnt_match(["w1", "w2", "w3", "w4"])
    assert v.similarity("w7", "w8") == pytest.approx(kv.similarity("w7", "w8"), abs=1e-6)
    assert [w for w, _ in v.most_similar("w3", topn=5, restrict_vocab=100)] == \
        [w for w, _ in kv.most_similar("w3", topn=5, restrict_vocab=100)]
