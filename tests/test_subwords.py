"""Subword models from Python: train(subwords=True), SubwordVectors and unknown words,
checkpoints and train_more, fastText .bin files both ways (tests/test_subwords_engine.py
checks the kernels, tests/test_fasttext_io.py the file layer)."""
import filecmp
import os

import numpy as np
import pytest

import word2vec_fast as w2v
from word2vec_fast import fasttext as ftx
from word2vec_fast.subwords import SubwordSpec, SubwordVectors, ngram_hash, ngrams

STEMS = ["qorv", "blint", "mafex", "truzo", "yelph", "kandu"]
SUFFIXES = ["ab", "ec", "id", "ofu", "um", "yz", "ar", "es"]


def stem_corpus(n_sentences=1500, length=10, seed=0):
    """Sentences each drawn from one stem's words (stem + suffix): a word's neighbours
    are its stem mates, and an unseen word of a stem must land among them."""
    rng = np.random.default_rng(seed)
    sents = []
    for _ in range(n_sentences):
        s = STEMS[rng.integers(len(STEMS))]
        sents.append([s + SUFFIXES[i] for i in rng.integers(len(SUFFIXES), size=length)])
    return sents


KW = dict(dim=24, window=3, negative=5, min_count=1, epochs=3, threads=1, seed=3,
          subwords=True, minn=2, maxn=4, buckets=5000, sample=0)


@pytest.fixture(scope="module")
def sg_model():
    return w2v.train(stem_corpus(), **KW)


def test_shapes_and_names(sg_model):
    m = sg_model
    v = len(m.vocab)
    assert v == len(STEMS) * len(SUFFIXES)
    assert m.input_matrix.shape == (v + 5000, 24)
    assert np.shares_memory(m.vectors, m.input_matrix) and m.ngram_vectors.shape == (5000, 24)
    wv = m.wv
    assert isinstance(wv, SubwordVectors) and len(wv) == v
    assert set(wv.key_to_index) == set(m.vocab.words)
    assert (wv.minn, wv.maxn, wv.bucket) == (2, 4, 5000)
    assert "subwords 2-4 x 5000" in repr(m)


def test_word_vectors_are_means_of_rows(sg_model):
    m, wv = sg_model, sg_model.wv
    spec = m.subwords
    for word in ["qorvab", "kanduyz"]:
        i = m.vocab.index[word]
        rows = [i] + [len(m.vocab) + b for b in spec.buckets_of(word)]
        np.testing.assert_allclose(wv[word], m.input_matrix[rows].mean(axis=0), rtol=1e-5,
                                   atol=1e-7)
    unknown = "qorvzz"
    assert unknown not in wv.key_to_index and unknown in wv
    rows = [len(m.vocab) + b for b in spec.buckets_of(unknown)]
    np.testing.assert_allclose(wv[unknown], m.input_matrix[rows].mean(axis=0), rtol=1e-5,
                               atol=1e-7)
    assert wv.get_vector(unknown).flags.writeable is False
    np.testing.assert_allclose(np.linalg.norm(wv.get_vector(unknown, norm=True)), 1, rtol=1e-6)


def test_unknown_words_land_among_their_stem(sg_model):
    wv = sg_model.wv
    hits = total = 0
    for s in STEMS:
        for unseen in (s + "zz", s + "q", s + "abx"):
            top = [w for w, _ in wv.most_similar(unseen, topn=5)]
            hits += sum(w.startswith(s) for w in top)
            total += 5
            assert unseen not in top
    assert hits / total >= 0.8
    # similarity and doesnt_match take unknown words too
    assert wv.similarity("qorvzz", "qorvab") > wv.similarity("qorvzz", "blintab")
    assert wv.doesnt_match(["qorvzz", "qorvab", "qorvec", "blintzz"]) == "blintzz"
    d = wv.distances("qorvzz", ["qorvab", "blintab"])
    assert d[0] < d[1]


def test_a_word_without_ngrams_is_a_key_error():
    m = w2v.train(stem_corpus(200), **dict(KW, minn=5, maxn=5, epochs=1))
    wv = m.wv
    assert "ab" not in wv  # "<ab>" has 4 characters: no 5-gram
    with pytest.raises(KeyError, match="no n-grams"):
        wv["ab"]
    with pytest.raises(KeyError):
        wv.most_similar("ab")


def test_seeded_single_thread_training_is_bit_for_bit():
    a = w2v.train(stem_corpus(300), **dict(KW, epochs=1))
    b = w2v.train(stem_corpus(300), **dict(KW, epochs=1))
    assert np.array_equal(a.input_matrix.view(np.uint32), b.input_matrix.view(np.uint32))
    assert np.array_equal(a.syn1neg.view(np.uint32), b.syn1neg.view(np.uint32))


@pytest.mark.parametrize("sg,hs,neg", [(False, False, 5), (True, True, 0), (False, True, 3)])
def test_other_modes_learn(sg, hs, neg):
    m = w2v.train(stem_corpus(), **dict(KW, sg=sg, hs=hs, negative=neg, epochs=3,
                                        alpha=0.05 if sg else 0.1))
    wv = m.wv
    top = [w for w, _ in wv.most_similar("mafexzz", topn=5)]
    assert sum(w.startswith("mafex") for w in top) >= 4, top
    assert np.isfinite(m.history[-1]["loss"])


@pytest.mark.parametrize("kw,match", [
    (dict(minn=5, maxn=3), "minn"), (dict(buckets=0), "buckets"), (dict(minn=-1), "minn"),
    (dict(buckets=2**31), "buckets"), (dict(batch=False), "batched"),
    (dict(lock_init=True, init_vectors=None), "lock_init")])
def test_bad_subword_parameters(kw, match):
    with pytest.raises(ValueError, match=match):
        w2v.train(stem_corpus(20), **dict(KW, **kw))


def test_ngrams_and_hash_helpers():
    assert ngrams("where", 3, 3) == ["<wh", "whe", "her", "ere", "re>"]
    assert ngrams("a", 1, 3)[:2] == ["<a", "<a>"]
    assert ngrams("</s>") == []
    assert ngram_hash("") == 2166136261
    with pytest.raises(ValueError):
        SubwordSpec.checked(4, 3, 10)


def test_checkpoint_resume_and_train_more(tmp_path):
    corpus = stem_corpus(400)
    full = w2v.train(corpus, **dict(KW, epochs=2))
    # stop after the first epoch, save, load, resume: the uninterrupted run bit for bit
    part = w2v.train(corpus, **dict(KW, epochs=2),
                     callbacks=[lambda model, rec: rec["epoch"] < 1])
    path = tmp_path / "m.npz"
    part.save_model(path)
    back = w2v.load_model(path)
    assert back.subwords == part.subwords
    assert np.array_equal(back.input_matrix, part.input_matrix)
    back.resume(corpus, threads=1)
    assert np.array_equal(back.input_matrix.view(np.uint32), full.input_matrix.view(np.uint32))
    # train_more with new words: their rows go before the n-gram rows, old rows kept
    old_ngrams, old_words = back.ngram_vectors.copy(), back.vectors.copy()
    v0 = len(back.vocab)
    back.train_more([["qorvnew", "qorvab", "blintnew"]] * 50, epochs=1, threads=1, alpha=1e-9)
    assert len(back.vocab) == v0 + 2 and back.input_matrix.shape[0] == v0 + 2 + 5000
    np.testing.assert_allclose(back.ngram_vectors, old_ngrams, atol=1e-6)
    np.testing.assert_allclose(back.vectors[:v0], old_words, atol=1e-6)
    assert "qorvnew" in back.wv.key_to_index


def test_checkpoint_without_ngrams_is_refused(tmp_path, sg_model):
    import zipfile
    path = tmp_path / "m.npz"
    sg_model.save_model(path)
    bad = tmp_path / "bad.npz"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(bad, "w") as zout:
        for item in zin.infolist():
            if item.filename != "ngrams.npy":
                zout.writestr(item, zin.read(item.filename))
    with pytest.raises(ValueError, match="ngrams"):
        w2v.load_model(bad)


# -- fastText files ---------------------------------------------------------------

WORDS = ["qorvab", "kanduyz", "qorvzz", "blintqq", "ünïcødé", "x"]


def test_our_bin_loads_here_and_writes_back(tmp_path, sg_model):
    b, vec = ftx.save_fasttext_files(sg_model, tmp_path / "m")
    for mmap in (False, True):
        wv = ftx.load_fasttext(b, mmap=mmap)
        for word in WORDS:
            np.testing.assert_array_equal(wv[word], sg_model.wv[word])
    vecs = w2v.load(vec)
    assert vecs.words == sg_model.vocab.words
    np.testing.assert_allclose(vecs.vectors, sg_model.wv.vectors, atol=1e-6)
    model = ftx.load_fasttext_model(b)
    ftx.save_fasttext(model, tmp_path / "again.bin")
    assert filecmp.cmp(b, tmp_path / "again.bin", shallow=False)


def test_fasttext_module_reads_our_bin(tmp_path, sg_model):
    fasttext = pytest.importorskip("fasttext")
    path = tmp_path / "m.bin"
    ftx.save_fasttext(sg_model, path)
    ft = fasttext.load_model(str(path))
    assert ft.get_words() == sg_model.vocab.words
    for word in WORDS:
        np.testing.assert_allclose(ft.get_word_vector(word), sg_model.wv[word], atol=1e-6)
    np.testing.assert_array_equal(ft.get_input_matrix(), sg_model.input_matrix)


def test_gensim_reads_our_bin(tmp_path, sg_model):
    pytest.importorskip("gensim")
    from gensim.models.fasttext import load_facebook_model
    path = tmp_path / "m.bin"
    ftx.save_fasttext(sg_model, path)
    g = load_facebook_model(str(path))
    for word in WORDS:
        np.testing.assert_allclose(g.wv[word], sg_model.wv[word], atol=1e-6)


def test_serving_file_without_output_layer(tmp_path, sg_model):
    full, small = tmp_path / "full.bin", tmp_path / "small.bin"
    ftx.save_fasttext(sg_model, full)
    ftx.save_fasttext(sg_model, small, output_layer=False)
    assert os.path.getsize(small) < os.path.getsize(full)
    np.testing.assert_array_equal(ftx.load_fasttext(small)["qorvzz"], sg_model.wv["qorvzz"])
    with pytest.raises(ValueError, match="output matrix"):
        ftx.load_fasttext_model(small)


def _gensim_fixture(name):
    gensim = pytest.importorskip("gensim")
    path = os.path.join(os.path.dirname(gensim.__file__), "test", "test_data", name)
    if not os.path.exists(path):
        pytest.skip(f"gensim ships no {name}")
    return path


@pytest.mark.parametrize("name", ["lee_fasttext_new.bin", "toy-model.bin",
                                  "crime-and-punishment.bin"])
def test_fasttexts_files_load_with_its_vectors(name):
    fasttext = pytest.importorskip("fasttext")
    path = _gensim_fixture(name)
    ft = fasttext.load_model(path)
    wv = ftx.load_fasttext(path, mmap=True)
    assert wv.words == ft.get_words(on_unicode_error="surrogateescape")
    for word in wv.words[:50] + ["unseenword", "ünïcødé", "xq"]:
        np.testing.assert_allclose(wv[word], ft.get_word_vector(word), atol=1e-6)


def test_train_more_from_a_fasttext_file(tmp_path):
    path = _gensim_fixture("toy-model.bin")
    model = ftx.load_fasttext_model(path)
    before = model.wv["unseenword"].copy()
    model.train_more(stem_corpus(200), epochs=1, threads=1, min_count=1)
    assert "qorvab" in model.wv.key_to_index
    assert not np.array_equal(model.wv["unseenword"], before)
    ftx.save_fasttext(model, tmp_path / "more.bin")
    np.testing.assert_array_equal(ftx.load_fasttext(tmp_path / "more.bin")["qorvzz"],
                                  model.wv["qorvzz"])


def test_init_vectors_from_a_subword_model(tmp_path, sg_model):
    path = tmp_path / "m.bin"
    ftx.save_fasttext(sg_model, path)
    init = ftx.load_fasttext(path)
    m = w2v.train(stem_corpus(100), **dict(KW, epochs=1, alpha=1e-9), init_vectors=init)
    np.testing.assert_allclose(m.ngram_vectors, sg_model.ngram_vectors, atol=1e-6)
    with pytest.raises(ValueError, match="n-grams"):
        w2v.train(stem_corpus(100), **dict(KW, epochs=1, buckets=4000), init_vectors=init)


def test_bad_fasttext_files(tmp_path):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"\x00" * 64)
    with pytest.raises(w2v.VectorsFormatError, match="bad.bin"):
        ftx.load_fasttext(bad)
    with pytest.raises(w2v.VectorsFormatError, match="bad.bin"):
        ftx.load_fasttext_model(bad)
    bad.write_bytes(b"")
    with pytest.raises(w2v.VectorsFormatError, match="bad.bin"):
        ftx.load_fasttext(bad)


def test_a_model_without_ngrams_is_written_with_bucket_0(tmp_path):
    # fastText's -maxn 0: every word is its own row
    plain = w2v.train(stem_corpus(100), **dict(KW, subwords=False, epochs=1))
    ftx.save_fasttext(plain, tmp_path / "p.bin")
    wv = ftx.load_fasttext(tmp_path / "p.bin")
    assert wv.bucket == 0 and wv.words == plain.words
    np.testing.assert_array_equal(wv.vectors, plain.vectors)
    with pytest.raises(KeyError):
        wv["unseen"]


def test_word_pairs_with_unknown_words(tmp_path, sg_model):
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("qorvab\tqorvec\t9\nqorvzz\tqorvab\t8\nblintzz\tqorvab\t1\n"
                     "kanduab\tmafexab\t2\nab\tqorvab\t5\n", encoding="utf-8")
    wv = sg_model.wv
    plain = wv.evaluate_word_pairs(pairs)
    assert (plain.pairs, plain.oov) == (2, 3)
    comp = wv.evaluate_word_pairs(pairs, unknown_words=True)
    assert (comp.pairs, comp.oov) == (5, 0)  # "ab" has the 2-gram "<a", ...
    assert comp.spearman > 0.5
    with pytest.raises(ValueError, match="subword"):
        w2v.Vectors(["a", "b"], np.eye(2, dtype=np.float32)).evaluate_word_pairs(
            pairs, unknown_words=True)


def test_to_gensim_answers_for_unknown_words(sg_model):
    pytest.importorskip("gensim")
    kv = sg_model.wv.to_gensim()
    assert kv.index_to_key == sg_model.vocab.words
    for word in WORDS[:4]:
        np.testing.assert_allclose(kv[word], sg_model.wv[word], atol=1e-6)
