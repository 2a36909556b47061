"""Embedding layers (word2vec_fast.embedding): rows, missing words, padding, errors,
and the Keras / PyTorch recipes of the docstring when those are installed."""
import doctest

import numpy as np
import pytest

import word2vec_fast as w2v
from word2vec_fast import embedding
from word2vec_fast.embedding import EmbeddingLayer, embedding_matrix
from word2vec_fast.subwords import SubwordSpec, SubwordVectors

DIM = 5


@pytest.fixture(scope="module")
def wv():
    rng = np.random.default_rng(3)
    return w2v.Vectors(["the", "cat", "sat", "on", "mat"],
                       rng.normal(size=(5, DIM)).astype(np.float32))


def test_list_of_words(wv):
    layer = embedding_matrix(wv, ["cat", "zebra", "the"])
    assert isinstance(layer, EmbeddingLayer)
    m, found, missing = layer
    assert m.dtype == np.float32 and m.shape == (3, DIM)
    np.testing.assert_array_equal(m[0], wv["cat"])
    np.testing.assert_array_equal(m[1], 0)
    np.testing.assert_array_equal(m[2], wv["the"])
    assert found.tolist() == [True, False, True] and missing == ["zebra"]


def test_index_base_leaves_rows_zero(wv):
    m, found, missing = embedding_matrix(wv, ["cat", "sat"], index_base=2)
    assert m.shape == (4, DIM)
    np.testing.assert_array_equal(m[:2], 0)
    np.testing.assert_array_equal(m[2:], wv[["cat", "sat"]])
    assert found.tolist() == [False, False, True, True] and missing == []


def test_keras_word_index(wv):
    word_index = {"the": 1, "cat": 2, "unicorn": 3, "mat": 5}  # Keras: from 1; 4 unused
    m, found, missing = embedding_matrix(wv, word_index)
    assert m.shape == (6, DIM)
    for w, i in word_index.items():
        if w in wv:
            np.testing.assert_array_equal(m[i], wv[w])
    np.testing.assert_array_equal(m[[0, 3, 4]], 0)
    assert found.tolist() == [False, True, True, False, False, True]
    assert missing == ["unicorn"]

    class Tokenizer:  # what keras.preprocessing.text.Tokenizer exposes
        pass
    t = Tokenizer()
    t.word_index = word_index
    np.testing.assert_array_equal(embedding_matrix(wv, t).matrix, m)


def test_torch_style_vocab_with_padding(wv):
    stoi = {"<unk>": 0, "<pad>": 1, "the": 2, "cat": 3, "on": 4}

    class Vocab:  # what torchtext.vocab.Vocab exposes
        def get_stoi(self):
            return stoi
    m, found, missing = embedding_matrix(wv, Vocab(), padding=1)
    assert m.shape == (5, DIM)
    np.testing.assert_array_equal(m[1], 0)
    assert missing == ["<unk>"]  # the padding row's word is not "missing"
    assert found.tolist() == [False, False, True, True, True]
    # padding wins over a word that has a vector
    m, found, _ = embedding_matrix(wv, ["the", "cat"], padding=0)
    np.testing.assert_array_equal(m[0], 0)
    assert found.tolist() == [False, True]


def test_missing_random_mean(wv):
    vocab = ["the", "x1", "cat", "x2", "sat"]
    m, found, missing = embedding_matrix(wv, vocab, missing="mean")
    mean = wv[["the", "cat", "sat"]].astype(np.float64).mean(axis=0)
    np.testing.assert_allclose(m[1], mean, rtol=1e-6)
    np.testing.assert_allclose(m[3], mean, rtol=1e-6)
    assert missing == ["x1", "x2"] and found.tolist() == [True, False, True, False, True]

    r1 = embedding_matrix(wv, vocab, missing="random", seed=4).matrix
    r2 = embedding_matrix(wv, vocab, missing="random", seed=4).matrix
    r3 = embedding_matrix(wv, vocab, missing="random", seed=5).matrix
    np.testing.assert_array_equal(r1, r2)
    assert not np.array_equal(r1[1], r3[1])
    np.testing.assert_array_equal(r1[[0, 2, 4]], wv[["the", "cat", "sat"]])
    std = wv[["the", "cat", "sat"]].astype(np.float64).std()
    rng = np.random.default_rng(4)
    np.testing.assert_allclose(r1[[1, 3]], rng.normal(0, std, size=(2, DIM)), rtol=1e-6)
    # rows no word has stay zero whatever missing says
    m = embedding_matrix(wv, {"the": 1, "x": 3}, missing="mean").matrix
    np.testing.assert_array_equal(m[[0, 2]], 0)


def test_missing_subword():
    rng = np.random.default_rng(0)
    spec = SubwordSpec.checked(3, 4, 40)
    sv = SubwordVectors(["cat", "cats"], rng.normal(size=(42, 4)).astype(np.float32), spec)
    m, found, missing = embedding_matrix(sv, ["cat", "catz", "a"], missing="subword")
    np.testing.assert_array_equal(m[0], sv["cat"])
    np.testing.assert_allclose(m[1], sv.compose("catz"), rtol=1e-6)
    assert found.tolist() == [True, False, False] and missing == ["catz", "a"]
    np.testing.assert_array_equal(m[2], sv.compose("a") if "a" in sv else 0)


def test_dtype_and_float16(wv):
    m = embedding_matrix(wv.astype(np.float16), ["cat"], dtype=np.float64).matrix
    assert m.dtype == np.float64
    np.testing.assert_array_equal(m[0], wv.astype(np.float16)["cat"].astype(np.float64))


def test_errors(wv):
    with pytest.raises(ValueError, match="same index 2"):
        embedding_matrix(wv, {"the": 2, "cat": 2})
    with pytest.raises(ValueError, match="'cat' is negative"):
        embedding_matrix(wv, {"the": 0, "cat": -1})
    with pytest.raises(TypeError, match="must be an integer"):
        embedding_matrix(wv, {"the": 1.5})
    with pytest.raises(ValueError, match="empty"):
        embedding_matrix(wv, [])
    with pytest.raises(ValueError, match="empty"):
        embedding_matrix(wv, {})
    with pytest.raises(ValueError, match="missing must be one of"):
        embedding_matrix(wv, ["the"], missing="ones")
    with pytest.raises(ValueError, match="subword.*Vectors cannot"):
        embedding_matrix(wv, ["the"], missing="subword")
    with pytest.raises(ValueError, match="no word of the vocabulary"):
        embedding_matrix(wv, ["x", "y"], missing="mean")
    with pytest.raises(ValueError, match="padding row 3 is outside the matrix's 2 rows"):
        embedding_matrix(wv, ["the", "cat"], padding=3)
    with pytest.raises(ValueError, match="index_base applies to a list"):
        embedding_matrix(wv, {"the": 1}, index_base=1)
    with pytest.raises(ValueError, match="index_base must be >= 0"):
        embedding_matrix(wv, ["the"], index_base=-1)
    with pytest.raises(TypeError, match="not one string"):
        embedding_matrix(wv, "the cat")
    with pytest.raises(TypeError, match="vocabulary must be"):
        embedding_matrix(wv, 5)
    with pytest.raises(TypeError, match="Vectors"):
        embedding_matrix(np.eye(3), ["the"])
    with pytest.raises(ValueError, match="floating"):
        embedding_matrix(wv, ["the"], dtype=np.int32)


def test_docstring_example():
    r = doctest.testmod(embedding, verbose=False)
    assert r.attempted > 0 and r.failed == 0


def test_pytorch_recipe(wv):
    torch = pytest.importorskip("torch")
    m = embedding_matrix(wv, {"the": 1, "cat": 2}).matrix
    emb = torch.nn.Embedding.from_pretrained(torch.from_numpy(m), freeze=True, padding_idx=0)
    out = emb(torch.tensor([[2, 1, 0]])).numpy()
    np.testing.assert_array_equal(out[0], m[[2, 1, 0]])


def test_keras_recipe(wv):
    keras = pytest.importorskip("keras")
    m = embedding_matrix(wv, {"the": 1, "cat": 2}).matrix
    n, d = m.shape
    emb = keras.layers.Embedding(n, d, trainable=False,
                                 embeddings_initializer=keras.initializers.Constant(m))
    out = np.asarray(emb(np.array([[2, 1, 0]])))
    np.testing.assert_allclose(out[0], m[[2, 1, 0]])
