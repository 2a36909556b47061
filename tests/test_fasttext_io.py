"""fastText .bin model files: byte-for-byte round trips, agreement with gensim and with
fastText itself, and every way to break a file."""
import os
import random
import struct
import tempfile
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from word2vec_fast import VectorsFormatError
from word2vec_fast import fasttext_io as fio
from word2vec_fast.fasttext_io import FastTextArgs, FastTextFile, read_bin, write_bin

# The fastText .bin files among gensim's test data (format 12, and 11 for
# lee_fasttext_new.bin); pang_lee_polarity is a supervised model with two labels.
FIXTURES = ["crime-and-punishment.bin", "lee_fasttext_new.bin",
            "pang_lee_polarity_fasttext.bin", "toy-model.bin", "toy-model-pretrained.bin"]
# fastText files from before format 11 (no magic number): gensim reads them, fastText
# itself no longer does, nor do we.
OLD_FORMAT = ["lee_fasttext.bin", "cp852_fasttext.bin", "non_ascii_fasttext.bin"]


def _gensim_data():
    gensim = pytest.importorskip("gensim")
    return os.path.join(os.path.dirname(gensim.__file__), "test", "test_data")


def _fixture(name):
    p = os.path.join(_gensim_data(), name)
    if not os.path.exists(p):
        pytest.skip(f"this gensim does not ship {name}")
    return p


def _fasttext():
    return pytest.importorskip("fasttext")


def _small(words=("hello", "wörld", "日本", "</s>", "a\udcffb"), labels=(), dim=4,
           bucket=7, seed=0, version=12, prune=None) -> FastTextFile:
    """A small model from scratch: random matrices, counts n..1 in entry order."""
    rng = np.random.default_rng(seed)
    entries = list(words) + list(labels)
    n, nw, nl = len(entries), len(words), len(labels)
    sup = bool(labels)
    args = FastTextArgs(dim=dim, ws=5, epoch=5, min_count=1, neg=5, word_ngrams=1,
                        loss=3 if sup else 2, model=3 if sup else 2, bucket=bucket,
                        minn=0 if sup else 3, maxn=0 if sup else 6, lr_update_rate=100,
                        t=1e-4)
    pruneidx = np.zeros((0, 2), np.int32) if prune is None else np.asarray(prune, np.int32)
    return FastTextFile(
        args=args, words=entries, counts=np.arange(n, 0, -1, dtype=np.int64) * 3,
        types=np.array([0] * nw + [1] * nl, np.int8), nwords=nw, nlabels=nl,
        ntokens=12345, pruneidx_size=-1 if prune is None else len(pruneidx),
        pruneidx=pruneidx,
        input=rng.standard_normal((nw + bucket, dim)).astype(np.float32),
        output=rng.standard_normal((nl if sup else nw, dim)).astype(np.float32),
        version=version)


def _write_small(tmp_path, name="m.bin", **kw):
    p = tmp_path / name
    write_bin(p, _small(**kw))
    return p, p.read_bytes()


def _same(a: FastTextFile, b: FastTextFile):
    assert a.version == b.version and a.args == b.args
    assert a.words == b.words
    assert np.array_equal(a.counts, b.counts) and np.array_equal(a.types, b.types)
    assert (a.nwords, a.nlabels, a.ntokens, a.pruneidx_size) == \
        (b.nwords, b.nlabels, b.ntokens, b.pruneidx_size)
    assert np.array_equal(a.pruneidx, b.pruneidx)
    assert np.array_equal(a.input, b.input) and np.array_equal(a.output, b.output)


def _check_arrays(ft: FastTextFile, mmap):
    assert ft.counts.dtype == np.int64 and ft.types.dtype == np.int8
    assert ft.pruneidx.dtype == np.int32 and ft.pruneidx.shape == (max(ft.pruneidx_size, 0), 2)
    assert len(ft.words) == len(ft.counts) == len(ft.types) == ft.nwords + ft.nlabels
    for m in (ft.input, ft.output):
        assert m.dtype == np.float32 and m.flags.c_contiguous and m.shape[1] == ft.args.dim
        if mmap and m.size:
            assert isinstance(m, np.memmap) and not m.flags.writeable
        else:
            assert not isinstance(m, np.memmap)


# ------------------------------------------------------------------------ round trips

@pytest.mark.parametrize("mmap", [False, True])
@pytest.mark.parametrize("name", FIXTURES)
def test_gensim_fixtures_round_trip_byte_for_byte(tmp_path, name, mmap):
    p = _fixture(name)
    ft = read_bin(p, mmap=mmap)
    _check_arrays(ft, mmap)
    assert ft.input.shape == (ft.nwords + ft.args.bucket, ft.args.dim)
    out = tmp_path / "out.bin"
    write_bin(out, ft)
    assert out.read_bytes() == Path(p).read_bytes()
    _same(read_bin(out), ft)


def test_fixture_contents():
    ft = read_bin(_fixture("pang_lee_polarity_fasttext.bin"))
    assert ft.version == 12 and fio.MODEL_NAMES[ft.args.model] == "sup"
    assert fio.LOSS_NAMES[ft.args.loss] == "softmax"
    assert ft.nlabels == 2 and all(w.startswith("__label__") for w in ft.words[ft.nwords:])
    assert list(ft.types) == [0] * ft.nwords + [1] * ft.nlabels
    assert ft.output.shape == (ft.nlabels, ft.args.dim)  # supervised: a row per label
    old = read_bin(_fixture("lee_fasttext_new.bin"))
    assert old.version == 11 and old.pruneidx_size == -1 and old.pruneidx.shape == (0, 2)
    assert old.output.shape == (old.nwords, old.args.dim)  # unsupervised: a row per word


def test_every_fasttext_file_in_gensims_test_data_is_read():
    d = _gensim_data()
    found = []
    for name in sorted(os.listdir(d)):
        p = os.path.join(d, name)
        if os.path.isfile(p):
            with open(p, "rb") as f:
                if f.read(4) == struct.pack("<i", fio.MAGIC):
                    found.append(name)
                    data = Path(p).read_bytes()
                    assert _bytes_of(read_bin(p)) == data
    assert set(FIXTURES) <= set(found)


def _bytes_of(ft):
    """What write_bin writes for ``ft``."""
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "x.bin")
        write_bin(p, ft)
        return Path(p).read_bytes()


@pytest.mark.parametrize("name", OLD_FORMAT)
def test_pre_version_11_files_are_refused(name):
    p = _fixture(name)
    with pytest.raises(VectorsFormatError, match="not a fastText .bin file") as e:
        read_bin(p)
    assert p in str(e.value) and "byte offset 0" in str(e.value)
    assert "before format version 11" in str(e.value)


@pytest.mark.parametrize("mmap", [False, True])
def test_from_scratch_round_trip(tmp_path, mmap):
    ft = _small(labels=("__label__x", "__label__ü"), bucket=0)
    p = tmp_path / "m.bin"
    write_bin(p, ft)
    back = read_bin(p, mmap=mmap)
    _same(back, ft)
    _check_arrays(back, mmap)
    write_bin(tmp_path / "again.bin", back)
    assert (tmp_path / "again.bin").read_bytes() == p.read_bytes()


def test_layout_by_hand(tmp_path):
    """The bytes, field by field, as fastText's save functions write them."""
    ft = _small(words=("ab", "é"), dim=2, bucket=1, version=11)
    ft.args.t = 0.1
    p = tmp_path / "m.bin"
    write_bin(p, ft)
    a = ft.args
    want = (struct.pack("<ii", 793712314, 11)
            + struct.pack("<12i", 2, 5, 5, 1, 5, 1, 2, 2, 1, 3, 6, 100) + struct.pack("<d", 0.1)
            + struct.pack("<iiiqq", 2, 2, 0, 12345, -1)
            + b"ab\0" + struct.pack("<qb", 6, 0) + "é".encode() + b"\0" + struct.pack("<qb", 3, 0)
            + b"\0" + struct.pack("<qq", 3, 2) + ft.input.astype("<f4").tobytes()
            + b"\0" + struct.pack("<qq", 2, 2) + ft.output.astype("<f4").tobytes())
    assert a.dim == 2 and p.read_bytes() == want


def test_invalid_utf8_words_round_trip(tmp_path):
    """Any bytes but NUL may be a word: surrogateescape keeps them."""
    raw = [b"\xff\xfe", b"caf\xc3", b"\xe6\x97", "日本".encode(), b"x\x80y", b"\n\t ", b""]
    words = [w.decode("utf-8", "surrogateescape") for w in raw]
    ft = _small(words=words)
    p = tmp_path / "m.bin"
    write_bin(p, ft)
    back = read_bin(p)
    assert back.words == words
    assert [fio.encode_word(w) for w in back.words] == raw
    assert raw[0] + b"\0" in p.read_bytes()


def test_pruneidx_round_trip(tmp_path):
    ft = _small(prune=[[5, 0], [1, 2], [-3, 1]])
    p = tmp_path / "m.bin"
    write_bin(p, ft)
    back = read_bin(p)
    assert back.pruneidx_size == 3 and back.pruneidx.tolist() == [[5, 0], [1, 2], [-3, 1]]
    write_bin(tmp_path / "b.bin", back)
    assert (tmp_path / "b.bin").read_bytes() == p.read_bytes()


def test_write_in_blocks_from_any_layout(tmp_path, monkeypatch):
    """Matrices are written a block of rows at a time, from any strides or byte order."""
    monkeypatch.setattr(fio, "_MATRIX_BLOCK_BYTES", 40)
    ft = _small(dim=3, bucket=20)
    ref = _bytes_of(ft)
    ft.input = np.asfortranarray(ft.input)
    ft.output = ft.output.astype(">f4")
    assert _bytes_of(ft) == ref
    big = np.zeros((ft.input.shape[0], 6), np.float32)
    big[:, ::2] = ft.input
    ft.input = big[:, ::2]
    assert _bytes_of(ft) == ref


def test_mmap_does_not_read_the_matrices(tmp_path):
    ft = _small(dim=64, bucket=60000)  # a 15 MB input matrix
    p = tmp_path / "m.bin"
    write_bin(p, ft)
    tracemalloc.start()
    try:
        m = read_bin(p, mmap=True)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2 << 20, peak
    assert isinstance(m.input, np.memmap) and np.array_equal(m.input, ft.input)
    tracemalloc.start()
    try:
        m = read_bin(p)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < ft.input.nbytes + ft.output.nbytes + (2 << 20), peak  # no second copy
    assert np.array_equal(m.input, ft.input)


def test_empty_dictionary_and_matrices(tmp_path):
    ft = _small(words=(), bucket=0)
    p = tmp_path / "m.bin"
    write_bin(p, ft)
    for mmap in (False, True):
        back = read_bin(p, mmap=mmap)
        assert back.words == [] and back.input.shape == (0, 4) and back.output.shape == (0, 4)
        assert back.counts.shape == (0,) and back.types.shape == (0,)


# ------------------------------------------------------------------- against gensim

@pytest.mark.parametrize("name", [n for n in FIXTURES if "pang_lee" not in n])
def test_matches_gensim(name):
    pytest.importorskip("gensim")
    from gensim.models.fasttext import load_facebook_model
    p = _fixture(name)
    ft = read_bin(p)
    g = load_facebook_model(p)
    nw = ft.nwords
    assert g.wv.index_to_key == ft.words[:nw]
    assert [g.wv.get_vecattr(w, "count") for w in g.wv.index_to_key] == ft.counts[:nw].tolist()
    assert np.array_equal(g.wv.vectors_vocab, ft.input[:nw])
    assert np.array_equal(g.wv.vectors_ngrams, ft.input[nw:])
    # gensim keeps the output matrix as syn1neg when neg > 0 and as syn1 when the loss
    # is hierarchical softmax (both names for the one matrix if both hold)
    if ft.args.neg:
        assert np.array_equal(g.syn1neg, ft.output)
    if ft.args.loss == 1:
        assert np.array_equal(g.syn1, ft.output)
    a = ft.args
    assert (g.vector_size, g.window, g.epochs, g.negative, g.wv.bucket, g.wv.min_n,
            g.wv.max_n, g.sample) == (a.dim, a.ws, a.epoch, a.neg, a.bucket, a.minn, a.maxn, a.t)
    assert g.corpus_total_words == ft.ntokens


def test_from_scratch_loads_in_gensim(tmp_path):
    pytest.importorskip("gensim")
    from gensim.models.fasttext import load_facebook_model
    ft = _small(words=("hello", "wörld", "日本", "</s>", "zz"), dim=6, bucket=11)
    p = tmp_path / "m.bin"
    write_bin(p, ft)
    g = load_facebook_model(str(p))
    assert g.wv.index_to_key == ft.words
    assert np.array_equal(g.wv.vectors_vocab, ft.input[:5])
    assert np.array_equal(g.wv.vectors_ngrams, ft.input[5:])
    assert np.array_equal(g.syn1neg, ft.output)


def test_gensim_written_file_reads(tmp_path):
    pytest.importorskip("gensim")
    from gensim.models.fasttext import FastText, save_facebook_model
    sents = [["the", "cat", "sat", "on", "the", "mat", "é"]] * 20
    g = FastText(sents, vector_size=5, min_count=1, bucket=30, epochs=1, workers=1, seed=1)
    p = tmp_path / "g.bin"
    save_facebook_model(g, str(p))
    ft = read_bin(p)
    assert ft.words == g.wv.index_to_key and ft.nlabels == 0
    assert np.array_equal(ft.input, np.vstack([g.wv.vectors_vocab, g.wv.vectors_ngrams]))
    assert np.array_equal(ft.output, g.syn1neg)
    assert _bytes_of(ft) == p.read_bytes()


# ------------------------------------------------------------------ against fastText

def _check_against_fasttext(ft, p):
    m = _fasttext().load_model(str(p))
    assert np.array_equal(m.get_input_matrix(), ft.input)
    assert np.array_equal(m.get_output_matrix(), ft.output)
    words, freqs = m.get_words(include_freq=True, on_unicode_error="surrogateescape")
    assert list(words) == ft.words[:ft.nwords]
    assert freqs.tolist() == ft.counts[:ft.nwords].tolist()
    a, fa = ft.args, m.f.getArgs()
    assert (fa.dim, fa.ws, fa.epoch, fa.minCount, fa.neg, fa.wordNgrams, int(fa.loss),
            int(fa.model), fa.bucket, fa.minn, fa.lrUpdateRate, fa.t) == \
        (a.dim, a.ws, a.epoch, a.min_count, a.neg, a.word_ngrams, a.loss, a.model, a.bucket,
         a.minn, a.lr_update_rate, a.t)
    # fastText reads maxn as 0 for a version 11 supervised model
    assert fa.maxn == (0 if ft.version == 11 and a.model == 3 else a.maxn)
    if a.model == 3:
        labels, lfreqs = m.get_labels(include_freq=True, on_unicode_error="surrogateescape")
        assert list(labels) == ft.words[ft.nwords:]
        assert lfreqs.tolist() == ft.counts[ft.nwords:].tolist()
    return m


@pytest.mark.parametrize("name", FIXTURES)
def test_matches_fasttext(name):
    p = _fixture(name)
    _check_against_fasttext(read_bin(p, mmap=True), p)


@pytest.mark.parametrize("version", [11, 12])
def test_from_scratch_loads_in_fasttext(tmp_path, version):
    words = ("hello", "wörld", "日本", "</s>", "x\udce9y")
    ft = _small(words=words, dim=6, bucket=11, version=version)
    p = tmp_path / "m.bin"
    write_bin(p, ft)
    m = _check_against_fasttext(ft, p)
    # a word's vector is the mean of its own row and its n-grams' bucket rows
    for w in ("hello", "日本"):
        _, ids = m.get_subwords(w)
        assert ids[0] == ft.words.index(w) and all(ft.nwords <= i < len(ft.input) for i in ids[1:])
        assert np.allclose(m.get_word_vector(w), ft.input[ids].mean(axis=0), atol=1e-6)


def test_supervised_from_scratch_loads_in_fasttext(tmp_path):
    ft = _small(words=("good", "bad", "film", "</s>"), labels=("__label__pos", "__label__neg"),
                dim=4, bucket=0)
    ft.input[:] = 0
    ft.input[0] = [1, 0, 0, 0]   # "good" (predict averages it with "</s>", zero)
    ft.input[1] = [-1, 0, 0, 0]  # "bad"
    ft.output[:] = [[5, 0, 0, 0], [-5, 0, 0, 0]]
    p = tmp_path / "m.bin"
    write_bin(p, ft)
    m = _check_against_fasttext(ft, p)
    # (the low-level call: fasttext 0.9.2's predict() fails under NumPy 2)
    assert m.f.predict("good\n", 1, 0.0, "strict")[0][1] == "__label__pos"
    assert m.f.predict("bad\n", 1, 0.0, "strict")[0][1] == "__label__neg"


def _corpus(path, supervised=False, seed=0):
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(40)] + ["héllo", "日本"]
    with open(path, "w", encoding="utf-8") as f:
        for _ in range(300):
            label = f"__label__{rng.choice('abc')} " if supervised else ""
            f.write(label + " ".join(rng.choice(vocab) for _ in range(10)) + "\n")
    return str(path)


@pytest.mark.parametrize("model,loss", [("cbow", "hs"), ("skipgram", "ns"),
                                        ("cbow", "softmax"), ("skipgram", "ova")])
def test_fasttext_trained_models(tmp_path, model, loss):
    fasttext = _fasttext()
    m = fasttext.train_unsupervised(_corpus(tmp_path / "t.txt"), model=model, loss=loss,
                                    dim=8, epoch=1, minCount=1, bucket=50, thread=1,
                                    verbose=0)
    p = tmp_path / "m.bin"
    m.save_model(str(p))
    ft = read_bin(p)
    # the output matrix has a row per word whatever the loss (hs uses nwords - 1 of them)
    assert ft.output.shape == (ft.nwords, 8) and ft.input.shape == (ft.nwords + 50, 8)
    assert fio.LOSS_NAMES[ft.args.loss] == loss
    assert fio.MODEL_NAMES[ft.args.model] == {"cbow": "cbow", "skipgram": "sg"}[model]
    assert _bytes_of(ft) == p.read_bytes()
    _check_against_fasttext(ft, p)


def test_fasttext_supervised_and_quantized(tmp_path):
    fasttext = _fasttext()
    text = _corpus(tmp_path / "s.txt", supervised=True)
    m = fasttext.train_supervised(text, dim=8, epoch=1, loss="ova", thread=1, verbose=0,
                                  wordNgrams=2, bucket=300)
    p = tmp_path / "s.bin"
    m.save_model(str(p))
    ft = read_bin(p)
    assert ft.nlabels == 3 and ft.output.shape == (3, 8)
    assert ft.input.shape == (ft.nwords + 300, 8)
    assert _bytes_of(ft) == p.read_bytes()
    _check_against_fasttext(ft, p)
    m.quantize(retrain=False, cutoff=290)  # pruned: the file has a pruning index
    q = tmp_path / "s.ftz"
    m.save_model(str(q))
    with pytest.raises(VectorsFormatError, match=".ftz quantized models are not supported"):
        read_bin(q)


# --------------------------------------------------------------------- malformed input

def _raises(p, match, mmap=False):
    with pytest.raises(VectorsFormatError, match=match) as e:
        read_bin(p, mmap=mmap)
    msg = str(e.value)
    assert msg.startswith(f"{p}: byte offset ") or msg.startswith(f"{p}: is a directory"), msg
    return msg


def _patched(tmp_path, data, at, fmt, *values, name="bad.bin"):
    b = bytearray(data)
    struct.pack_into(fmt, b, at, *values)
    p = tmp_path / name
    p.write_bytes(bytes(b))
    return p


# offsets in a file from _small(): signature 0, args 8, dim 8, bucket 40, dictionary 64
_DICT = 64


def test_isinstance_value_error():
    assert issubclass(VectorsFormatError, ValueError)


@pytest.mark.parametrize("mmap", [False, True])
def test_truncated_at_every_offset(tmp_path, mmap):
    src, data = _write_small(tmp_path, labels=("__label__q",))
    p = tmp_path / "cut.bin"
    for n in range(len(data)):
        p.write_bytes(data[:n])
        msg = _raises(p, "truncated|empty file", mmap=mmap)
        assert "byte offset" in msg


def test_truncated_fixture(tmp_path):
    data = Path(_fixture("crime-and-punishment.bin")).read_bytes()
    ft = read_bin(_fixture("crime-and-punishment.bin"))
    dict_end = len(data) - ft.input.nbytes - ft.output.nbytes - 34
    cuts = list(range(0, dict_end + 40)) + list(range(dict_end + 40, len(data), 97)) \
        + list(range(len(data) - 40, len(data)))
    p = tmp_path / "cut.bin"
    for n in cuts:
        p.write_bytes(data[:n])
        _raises(p, "truncated|empty file")


def test_magic_and_version(tmp_path):
    _, data = _write_small(tmp_path)
    _raises(_patched(tmp_path, data, 0, "<i", 12345678), "not a fastText .bin file")
    for v in (10, 13, -1, 0):
        msg = _raises(_patched(tmp_path, data, 4, "<i", v), "unsupported fastText format version")
        assert "byte offset 4" in msg and str(v) in msg
    p = tmp_path / "empty.bin"
    p.write_bytes(b"")
    _raises(p, "empty file")
    p.write_bytes(b"\x00" * 100)
    _raises(p, "not a fastText .bin file")
    (tmp_path / "d").mkdir()
    _raises(tmp_path / "d", "is a directory")


def test_bad_args(tmp_path):
    _, data = _write_small(tmp_path)
    _raises(_patched(tmp_path, data, 8, "<i", 0), "dimension 0")
    _raises(_patched(tmp_path, data, 8, "<i", -4), "dimension -4")
    _raises(_patched(tmp_path, data, 40, "<i", -1), "negative bucket count")
    # dim 3 in the args but the matrices have 4 columns
    _raises(_patched(tmp_path, data, 8, "<i", 3), "input matrix has 4 columns")


def test_quant_flags(tmp_path):
    src, data = _write_small(tmp_path)
    ft = read_bin(src)
    in_flag = len(data) - ft.output.nbytes - 17 - ft.input.nbytes - 17
    out_flag = len(data) - ft.output.nbytes - 17
    assert data[in_flag] == 0 and data[out_flag] == 0
    for at, which in ((in_flag, "input"), (out_flag, "output")):
        for flag in (1, 255):
            msg = _raises(_patched(tmp_path, data, at, "<B", flag),
                          ".ftz quantized models are not supported")
            assert f"byte offset {at}" in msg and which in msg


def test_lying_dictionary_sizes(tmp_path):
    _, data = _write_small(tmp_path, labels=("__label__z",))  # 5 words, 1 label
    _raises(_patched(tmp_path, data, _DICT, "<i", -1), "negative dictionary size")
    _raises(_patched(tmp_path, data, _DICT + 4, "<i", -2), "negative dictionary size")
    _raises(_patched(tmp_path, data, _DICT + 8, "<i", -1), "negative dictionary size")
    _raises(_patched(tmp_path, data, _DICT, "<i", 7), "7 entries but 5 words and 1 labels")
    _raises(_patched(tmp_path, data, _DICT + 4, "<i", 6), "6 entries but 6 words and 1 labels")
    _raises(_patched(tmp_path, data, _DICT, "<iii", 2**31 - 1, 2**31 - 2, 1),
            "promises 2147483647 entries")
    _raises(_patched(tmp_path, data, _DICT + 20, "<q", 2**62), "truncated")
    _raises(_patched(tmp_path, data, _DICT + 20, "<q", -2), "pruning index size -2")
    # words first, then labels: a label among the words is refused
    _raises(_patched(tmp_path, data, _DICT, "<iii", 6, 6, 0), "entry 5 is a label")
    _raises(_patched(tmp_path, data, _DICT, "<iii", 6, 4, 2), "entry 4 is a word")


def test_bad_entries(tmp_path):
    _, data = _write_small(tmp_path, words=("ab", "cd"))
    type_at = _DICT + 28 + 3 + 8  # "ab\0", the count, then the type
    assert data[type_at] == 0
    msg = _raises(_patched(tmp_path, data, type_at, "<b", 2), r"entry 0: type 2, expected 0")
    assert f"byte offset {type_at}" in msg
    _raises(_patched(tmp_path, data, type_at, "<b", -1), r"entry 0: type -1")
    # no NUL anywhere after the header: the word never ends
    head = data[:_DICT + 28]
    p = tmp_path / "nonul.bin"
    p.write_bytes(head + b"x" * 500)
    _raises(p, "no NUL terminator")
    # a word over 1 MiB
    p.write_bytes(head + b"y" * ((1 << 20) + 10) + b"\0" + bytes(500))
    _raises(p, "no NUL within 1048576 bytes")
    # the file ends inside an entry's count
    p.write_bytes(head + b"w" * 100 + b"\0" + bytes(4))
    _raises(p, "truncated: the file ends inside dictionary entry 0's count")


def test_lying_matrix_sizes(tmp_path):
    src, data = _write_small(tmp_path)
    ft = read_bin(src)
    in_head = len(data) - ft.output.nbytes - 17 - ft.input.nbytes - 16
    out_head = len(data) - ft.output.nbytes - 16
    assert struct.unpack_from("<qq", data, in_head) == ft.input.shape
    for at, which in ((in_head, "input"), (out_head, "output")):
        for rows, cols, match in ((-1, 4, "negative size"), (3, -4, "negative size"),
                                  (2**62, 4, "needs 73786976294838206464 bytes"),
                                  (2**40, 4, "truncated or wrong header"),
                                  (len(data) // 16, 4, "truncated or wrong header"),
                                  (3, 5, "5 columns, the arguments say dim 4"),
                                  (1, 2**62, "columns")):
            for mmap in (False, True):
                tracemalloc.start()
                try:
                    msg = _raises(_patched(tmp_path, data, at, "<qq", rows, cols), match, mmap)
                    peak = tracemalloc.get_traced_memory()[1]
                finally:
                    tracemalloc.stop()
                assert which in msg and peak < 1 << 20, (msg, peak)


def test_trailing_bytes(tmp_path):
    _, data = _write_small(tmp_path)
    p = tmp_path / "t.bin"
    p.write_bytes(data + b"\0")
    msg = _raises(p, "1 bytes follow the output matrix")
    assert f"byte offset {len(data)}" in msg
    # a matrix that claims fewer rows than it has leaves the rest as trailing bytes
    ft = read_bin(tmp_path / "m.bin")
    out_head = len(data) - ft.output.nbytes - 16
    _raises(_patched(tmp_path, data, out_head, "<q", ft.output.shape[0] - 1),
            "16 bytes follow the output matrix")


def test_no_allocation_from_a_lying_header(tmp_path):
    _, data = _write_small(tmp_path)
    for at, fmt, value in ((_DICT, "<iii", (2**31 - 1, 2**31 - 1, 0)),
                           (_DICT + 20, "<q", (2**40,))):
        p = _patched(tmp_path, data, at, fmt, *value)
        tracemalloc.start()
        try:
            _raises(p, "promises|truncated")
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 1 << 20, peak


def test_random_damage_raises_only_format_errors(tmp_path):
    """Damaged files: VectorsFormatError or a file that writes back to the same bytes."""
    _, data = _write_small(tmp_path, labels=("__label__a",), prune=[[1, 2]])
    rng = random.Random(1)
    p = tmp_path / "fz.bin"
    ok = 0
    for i in range(600):
        b = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            op = rng.random()
            k = rng.randrange(len(b))
            if op < 0.6:
                b[k] = rng.choice([0, 1, 255, 0x80, rng.randrange(256)])
            elif op < 0.8:
                del b[k:k + rng.randint(1, 9)]
            else:
                b[k:k] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 9)))
        p.write_bytes(bytes(b))
        try:
            ft = read_bin(p, mmap=bool(i & 1))
        except VectorsFormatError as e:
            assert str(e).startswith(f"{p}: byte offset ")
            continue
        ok += 1
        assert _bytes_of(ft) == bytes(b)
    assert ok > 50  # damage to counts, floats and args reads fine


# ------------------------------------------------------------------------ writing

def test_write_validates(tmp_path):
    p = tmp_path / "v.bin"

    def bad(exc, match, **changes):
        ft = _small(labels=("__label__a",))
        for k, v in changes.items():
            if k.startswith("args_"):
                setattr(ft.args, k[5:], v)
            else:
                setattr(ft, k, v)
        with pytest.raises(exc, match=match):
            write_bin(p, ft)
        assert not p.exists() and os.listdir(tmp_path) == []

    bad(ValueError, "counts has shape", counts=np.ones(5, np.int64))
    bad(ValueError, "counts must hold integers", counts=np.ones(6, np.float64))
    bad(ValueError, "types holds values outside", types=np.array([0, 0, 0, 0, 0, 2]))
    bad(ValueError, "entry 5 .* has type 0", types=np.zeros(6, np.int8))
    bad(ValueError, "nwords \\+ nlabels", nwords=4)
    bad(ValueError, "input has shape", input=np.zeros((12, 5), np.float32))
    bad(ValueError, "expected float32", output=np.zeros((1, 4), np.float64))
    bad(ValueError, "pruneidx has shape", pruneidx_size=2)
    bad(ValueError, "version 13", version=13)
    bad(ValueError, "args.dim = 0", args_dim=0,
        input=np.zeros((12, 0), np.float32), output=np.zeros((1, 0), np.float32))
    bad(ValueError, "args.bucket = -1", args_bucket=-1)
    bad(ValueError, "does not fit", args_ws=2**31)
    bad(TypeError, "args.epoch must be an int", args_epoch=5.0)
    bad(ValueError, "contains a NUL", words=["a", "b\0c", "d", "e", "f", "__label__a"])
    bad(ValueError, "cannot be encoded", words=["a", "\ud800", "d", "e", "f", "__label__a"])
    bad(TypeError, "words must be str", words=["a", b"b", "d", "e", "f", "__label__a"])
    bad(ValueError, "the most a word may have",
        words=["a", "x" * ((1 << 20) + 1), "d", "e", "f", "__label__a"])
    with pytest.raises(TypeError, match="expected a FastTextFile"):
        write_bin(p, {"words": []})


def test_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    p = tmp_path / "m.bin"
    p.write_bytes(b"old contents")
    ft = _small()
    ft.output = ft.output.astype(np.float64)
    with pytest.raises(ValueError):
        write_bin(p, ft)
    assert p.read_bytes() == b"old contents" and os.listdir(tmp_path) == ["m.bin"]

    def broken(f, mat):
        f.write(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(fio, "_write_matrix", broken)
    with pytest.raises(OSError, match="disk full"):
        write_bin(p, _small())
    assert p.read_bytes() == b"old contents" and os.listdir(tmp_path) == ["m.bin"]


def test_write_over_the_mapped_source(tmp_path):
    """Writing to the file a mapped model came from replaces it by rename: safe."""
    p, data = _write_small(tmp_path)
    ft = read_bin(p, mmap=True)
    ft.ntokens += 1
    write_bin(p, ft)
    assert read_bin(p).ntokens == ft.ntokens
    assert p.read_bytes()[:_DICT + 12] == data[:_DICT + 12]


def test_encode_word():
    assert fio.encode_word("é") == b"\xc3\xa9"
    assert fio.encode_word(b"\xff".decode("utf-8", "surrogateescape")) == b"\xff"
    with pytest.raises(UnicodeEncodeError):
        fio.encode_word("\ud800")
