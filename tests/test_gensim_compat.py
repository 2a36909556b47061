"""gensim 4's KeyedVectors names on Vectors: each compared with gensim's own result on
the same vectors (equal to float rounding), and the in-memory hand-over both ways."""
import numpy as np
import pytest

from word2vec_fast import Vectors

from conftest import random_vectors

gensim_kv = pytest.importorskip("gensim.models.keyedvectors")

RTOL = 2e-5


@pytest.fixture(scope="module")
def pair():
    v = random_vectors(400, 24, seed=5)
    kv = gensim_kv.KeyedVectors(24)
    kv.add_vectors(list(v.words), v.vectors.copy())
    return v, kv


def _same_ranking(ours, theirs):
    assert [w for w, _ in ours] == [w for w, _ in theirs]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], rtol=RTOL,
                               atol=1e-6)


def test_lookups(pair):
    v, kv = pair
    assert v.key_to_index == kv.key_to_index
    assert list(v.index_to_key) == kv.index_to_key
    assert v.vector_size == kv.vector_size
    for key in ("w7", 7, np.int64(9), "nope", 400, -1):
        assert v.has_index_for(key) == kv.has_index_for(key)
        if kv.has_index_for(key):
            assert v.get_index(key) == kv.get_index(key)
            np.testing.assert_array_equal(v.get_vector(key), kv.get_vector(key))
            np.testing.assert_allclose(v.get_vector(key, norm=True),
                                       kv.get_vector(key, norm=True), rtol=RTOL)
        else:
            assert v.get_index(key, default=-5) == kv.get_index(key, default=-5)
            with pytest.raises(KeyError):
                v.get_index(key)
    assert not v.get_vector("w1").flags.writeable
    np.testing.assert_array_equal(v[["w1", "w2"]], kv[["w1", "w2"]])


def test_norms(pair):
    v, kv = pair
    kv.fill_norms()
    v.fill_norms()
    np.testing.assert_allclose(v.norms, kv.norms, rtol=RTOL)
    np.testing.assert_allclose(v.get_normed_vectors(), kv.get_normed_vectors(), rtol=RTOL,
                               atol=1e-6)


@pytest.mark.parametrize("pos,neg", [
    (["w1"], []),
    (["w1", "w2"], ["w3"]),
    ([("w1", 2.0), "w2"], [("w3", -0.5)]),
    ([("w4", 0.3), ("w5", 1.5)], ["w6", ("w7", 0.25)]),  # a weight in negative as given
    ([5, "w6"], []),                                       # row numbers
])
def test_most_similar(pair, pos, neg):
    v, kv = pair
    _same_ranking(v.most_similar(pos, neg, topn=12), kv.most_similar(pos, neg, topn=12))
    np.testing.assert_allclose(v.most_similar(pos, neg, topn=None),
                               kv.most_similar(pos, neg, topn=None), rtol=RTOL, atol=1e-6)
    _same_ranking(v.most_similar(pos, neg, topn=5, restrict_vocab=100),
                  kv.most_similar(pos, neg, topn=5, restrict_vocab=100))
    assert v.most_similar(pos, neg, topn=0) == kv.most_similar(pos, neg, topn=0) == []


def test_most_similar_with_vectors(pair):
    v, kv = pair
    x = v.vectors[3] * 2 + v.vectors[8]
    mixed = [x, "w11"]  # a vector enters as it is, a word as its unit vector
    _same_ranking(v.most_similar(mixed, ["w12"], topn=8), kv.most_similar(mixed, ["w12"], topn=8))
    _same_ranking(v.similar_by_vector(x, topn=8), kv.similar_by_vector(x, topn=8))
    _same_ranking(v.similar_by_word("w30", topn=8), kv.similar_by_word("w30", topn=8))
    _same_ranking(v.similar_by_key("w30", topn=3, restrict_vocab=50),
                  kv.similar_by_key("w30", topn=3, restrict_vocab=50))


def test_pairwise(pair):
    v, kv = pair
    assert v.similarity("w1", "w2") == pytest.approx(float(kv.similarity("w1", "w2")), rel=RTOL)
    assert v.distance("w1", "w2") == pytest.approx(float(kv.distance("w1", "w2")), rel=RTOL)
    assert v.n_similarity(["w1", "w2"], ["w3", "w4", "w5"]) == pytest.approx(
        float(kv.n_similarity(["w1", "w2"], ["w3", "w4", "w5"])), rel=RTOL)
    with pytest.raises(ZeroDivisionError):
        v.n_similarity([], ["w1"])
    np.testing.assert_allclose(v.distances("w9"), kv.distances("w9"), rtol=RTOL, atol=1e-6)
    np.testing.assert_allclose(v.distances("w9", ["w1", "w2", "w9"]),
                               kv.distances("w9", ["w1", "w2", "w9"]), rtol=RTOL, atol=1e-6)
    x = v.vectors[4] - v.vectors[6]
    np.testing.assert_allclose(v.distances(x, ["w1", "w3"]), kv.distances(x, ["w1", "w3"]),
                               rtol=RTOL, atol=1e-6)


def test_closer_than_and_rank(pair):
    v, kv = pair
    for a, b in (("w1", "w2"), ("w10", "w300"), ("w5", "w5")):
        assert v.closer_than(a, b) == kv.closer_than(a, b)
        assert v.rank(a, b) == kv.rank(a, b)
    assert v.rank("w1", v.most_similar("w1", topn=1)[0][0]) == 1


@pytest.mark.parametrize("kw", [
    {}, {"pre_normalize": False}, {"post_normalize": True},
    {"weights": [1.0, -2.0, 0.5]}, {"weights": np.array([0.5, 0.5, 3.0]), "post_normalize": True},
])
def test_get_mean_vector(pair, kw):
    v, kv = pair
    keys = ["w1", "w2", v.vectors[7] * 0.5]
    np.testing.assert_allclose(v.get_mean_vector(keys, **kw), kv.get_mean_vector(keys, **kw),
                               rtol=RTOL, atol=1e-6)
    missing = ["w1", "zzz", "w3"]
    np.testing.assert_allclose(v.get_mean_vector(missing, **kw),
                               kv.get_mean_vector(missing, **kw), rtol=RTOL, atol=1e-6)
    with pytest.raises(KeyError):
        v.get_mean_vector(missing, ignore_missing=False)
    with pytest.raises(ValueError):
        v.get_mean_vector(["w1", "w2"], weights=[1.0])
    with pytest.raises(ValueError):
        v.get_mean_vector([])


def test_float16_queries_close_to_gensim(pair):
    v, kv = pair
    h = v.astype(np.float16)
    assert h.vectors.dtype == np.float16 and h.vectors.nbytes * 2 == v.vectors.nbytes
    ours = h.most_similar(["w1", "w2"], ["w3"], topn=None)
    theirs = kv.most_similar(["w1", "w2"], ["w3"], topn=None)
    np.testing.assert_allclose(ours, theirs, atol=2e-3)  # half precision: 11-bit mantissa


def test_to_gensim_shares_the_matrix_and_counts():
    v = Vectors([f"x{i}" for i in range(50)],
                np.random.default_rng(1).standard_normal((50, 8), dtype=np.float32),
                counts=np.arange(50, 0, -1))
    kv = v.to_gensim()
    assert kv.vectors is v.vectors  # no copy
    assert kv.index_to_key == v.words and kv.key_to_index == v.index
    assert kv.get_vecattr("x3", "count") == 47
    _same_ranking(v.most_similar("x4"), kv.most_similar("x4"))
    kv.add_vectors(["new"], np.ones((1, 8), dtype=np.float32))  # gensim's dict is its own
    assert "new" not in v


def test_from_gensim_shares_the_matrix_and_counts(tmp_path):
    from gensim.models import KeyedVectors, Word2Vec
    sents = [["a", "b", "c", "a"], ["b", "c", "d"]] * 30
    m = Word2Vec(sents, vector_size=8, min_count=1, workers=1, seed=1, epochs=1)
    v = Vectors.from_gensim(m.wv)
    assert np.shares_memory(v.vectors, m.wv.vectors)
    assert v.words == m.wv.index_to_key
    assert [int(c) for c in v.counts] == [m.wv.get_vecattr(w, "count") for w in v.words]
    # a gensim memory map stays a map
    m.wv.save(str(tmp_path / "kv"), sep_limit=0)  # the matrix in its own .npy
    kv = KeyedVectors.load(str(tmp_path / "kv"), mmap="r")
    mapped = Vectors.from_gensim(kv)
    assert np.shares_memory(mapped.vectors, kv.vectors)
    assert not mapped.vectors.flags.writeable
    _same_ranking(mapped.most_similar("a", topn=3), kv.most_similar("a", topn=3))
    # and the round trip gives the same vectors back
    back = Vectors.from_gensim(v.to_gensim())
    assert back.words == v.words and back.vectors is v.vectors
    np.testing.assert_array_equal(back.counts, v.counts)


def test_from_gensim_rejects_non_str_keys():
    kv = gensim_kv.KeyedVectors(4)
    kv.add_vectors([1, 2], np.ones((2, 4), dtype=np.float32))
    with pytest.raises(TypeError, match="keys must be str"):
        Vectors.from_gensim(kv)
