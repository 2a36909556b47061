"""``word2vec-fast fasttext ...`` (fastText's command line) and ``train --subwords``.

Training and the queries run as subprocesses, as in test_cli.py; the usage errors run
in-process through ``main`` (the same code, without a Python start-up each).  Where
fastText's Python module is installed, it reads the models written here.
"""
from pathlib import Path

import numpy as np
import pytest

import word2vec_fast as w2v
from word2vec_fast import fasttext_io
from word2vec_fast.cli import main
from word2vec_fast.fasttext import load_fasttext

from test_cli import cli, ok

SMALL = ["-bucket", "1000", "-dim", "10", "-epoch", "1", "-thread", "1"]
STEMS = ["walk", "talk", "jump", "play", "read", "paint", "cook", "sing", "dance", "clean"]
SUFFIXES = ["", "s", "ed", "ing", "er"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """About 4,000 tokens: 50 words made of 10 stems and 5 suffixes."""
    rng = np.random.default_rng(0)
    lines = []
    for _ in range(500):
        stems = rng.choice(STEMS, size=2, replace=False)  # a sentence mixes two stems
        lines.append(" ".join(rng.choice(stems) + rng.choice(SUFFIXES)
                              for _ in range(int(rng.integers(4, 12)))))
    path = tmp_path_factory.mktemp("ft") / "corpus.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def model(corpus):
    """``fasttext skipgram`` with fastText's defaults but for the sizes: PREFIX, vectors."""
    prefix = corpus.parent / "sg"
    r = ok("fasttext", "skipgram", "-input", corpus, "-output", prefix, *SMALL)
    return prefix, load_fasttext(f"{prefix}.bin"), r


# -- help -----------------------------------------------------------------------------------

def test_help():
    assert "fasttext" in ok("--help").stdout
    h = ok("fasttext", "--help").stdout
    for cmd in ("skipgram", "cbow", "print-word-vectors", "nn"):
        assert cmd in h
    assert ok("fasttext").stdout == h
    h = ok("fasttext", "skipgram", "--help").stdout
    for flag in ("-input", "-output", "-dim", "-ws", "-epoch", "-minCount", "-neg", "-loss",
                 "-bucket", "-minn", "-maxn", "-thread", "-lr", "-t ", "-lrUpdateRate",
                 "-verbose", "-wordNgrams", "examples:"):
        assert flag in h, flag
    assert "word2vec-fast fasttext nn" in ok("fasttext", "nn", "--help").stdout
    assert "trailing space" in ok("fasttext", "print-word-vectors", "--help").stdout
    assert "--fasttext-output" in ok("train", "--help").stdout


# -- training ---------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["skipgram", "cbow"])
def test_train_writes_bin_and_vec(corpus, tmp_path, command, model):
    if command == "skipgram":
        prefix, v, r = model
    else:
        prefix = tmp_path / "cbow"
        r = ok("fasttext", "cbow", "-input", corpus, "-output", prefix, *SMALL)
        v = load_fasttext(f"{prefix}.bin")
    assert len(v) == 50 and v.dim == 10 and (v.minn, v.maxn, v.bucket) == (3, 6, 1000)
    # fastText's arguments in the .bin: the flags' values and fastText's defaults
    a = fasttext_io.read_bin(f"{prefix}.bin").args
    assert (a.model, a.loss, a.dim, a.ws, a.epoch, a.min_count, a.neg, a.bucket, a.minn,
            a.maxn, a.word_ngrams) == (2 if command == "skipgram" else 1, 2, 10, 5, 1, 5, 5,
                                       1000, 3, 6, 1)
    assert a.t == pytest.approx(1e-4)
    # the .vec: "V dim" header, then one row per trained word, the same vectors
    lines = Path(f"{prefix}.vec").read_text().splitlines()
    assert lines[0] == "50 10" and len(lines) == 51
    assert [ln.split()[0] for ln in lines[1:]] == v.words
    assert all(len(ln.split()) == 11 for ln in lines[1:])
    vec = w2v.load(f"{prefix}.vec")
    assert np.allclose(vec.vectors, v.vectors, rtol=1e-6, atol=1e-8)
    # fastText's summary lines, and ours
    assert "Number of words:  50" in r.stderr and "words/sec/thread" in r.stderr
    assert f"{prefix}.bin" in r.stderr
    # the defaults reach train(): the run equals the Python API with fastText's settings
    m = w2v.train(str(corpus), subwords=True, minn=3, maxn=6, buckets=1000, dim=10,
                  window=5, negative=5, hs=False, sg=command == "skipgram", epochs=1,
                  min_count=5, sample=1e-4, alpha=0.05, threads=1, seed=0, progress=False)
    assert m.words == v.words and np.array_equal(m.input_matrix, v.input_matrix)


def test_fasttext_reads_our_bin(model):
    fasttext = pytest.importorskip("fasttext")
    prefix, v, _ = model
    ft = fasttext.load_model(f"{prefix}.bin")
    assert ft.get_words() == v.words
    for w in ["walking", "talks", "walkinng", "xyzzy", "a"]:  # trained and unknown words
        assert np.allclose(ft.get_word_vector(w), v[w], rtol=1e-5, atol=1e-7), w
    nn = ft.get_nearest_neighbors("walking", k=3)
    assert [w for _, w in nn] == [w for w, _ in v.most_similar("walking", topn=3)]


def test_loss_hs_words_only_and_quiet(corpus, tmp_path):
    prefix = tmp_path / "hs"
    r = ok("fasttext", "cbow", "-input", corpus, "-output", prefix, *SMALL, "-loss", "hs",
           "-minn", "0", "-maxn", "0", "-verbose", "0", "-minCount", "1", "-lrUpdateRate", 7)
    assert r.stderr == "" and r.stdout == ""
    a = fasttext_io.read_bin(f"{prefix}.bin").args
    assert (a.loss, a.model, a.bucket, a.maxn) == (1, 1, 0, 0)  # hs, cbow, words only
    v = load_fasttext(f"{prefix}.bin")
    assert len(v) == 50 and v.bucket == 0
    assert np.allclose(w2v.load(f"{prefix}.vec").vectors, v.vectors)
    with pytest.raises(KeyError):
        v["walkinng"]  # no n-grams: no vector for an unknown word
    fasttext = pytest.importorskip("fasttext")
    ft = fasttext.load_model(f"{prefix}.bin")
    assert np.array_equal(ft.get_word_vector("walking"), v["walking"])
    assert not ft.get_word_vector("walkinng").any()


# -- queries -----------------------------------------------------------------------------------

def _expected_line(word, vec):
    return word + " " + "".join(f"{x:.5g} " for x in vec.tolist())


def test_print_word_vectors(model, corpus, tmp_path):
    prefix, v, _ = model
    words = ["walking", "talks", "walkinng", "xyzzy"]  # trained, trained, unknown, unknown
    r = ok("fasttext", "print-word-vectors", f"{prefix}.bin",
           input=" ".join(words[:2]) + "\n\n  " + "\t".join(words[2:]) + "\n")
    lines = r.stdout.split("\n")
    assert lines[-1] == "" and len(lines) == 5  # one line per word
    for line, w in zip(lines, words):
        assert line.endswith(" ") and len(line.split()) == 11  # fastText's trailing space
        assert line == _expected_line(w, v[w])
        assert [float(x) for x in line.split()[1:]] == pytest.approx(v[w].tolist(),
                                                                     rel=1e-4, abs=1e-9)
    # a word with no n-grams prints zeros, as fastText does (a words-only model)
    ok("fasttext", "skipgram", "-input", corpus, "-output", tmp_path / "w", *SMALL,
       "-maxn", "0", "-verbose", "0")
    r = ok("fasttext", "print-word-vectors", tmp_path / "w.bin", input="walkinng walking\n")
    zero, known = r.stdout.splitlines()
    assert zero == "walkinng " + "0 " * 10
    assert known == _expected_line("walking", load_fasttext(tmp_path / "w.bin")["walking"])


def test_nn(model, corpus, tmp_path):
    prefix, v, _ = model
    r = ok("fasttext", "nn", f"{prefix}.bin", "3", input="walking walkinng\n")
    lines = r.stdout.splitlines()
    assert len(lines) == 6 and "Query word?" not in r.stdout + r.stderr  # no prompt off a tty
    for block, q in ((lines[:3], "walking"), (lines[3:], "walkinng")):
        expect = v.most_similar(q, topn=3)
        assert [ln.split()[0] for ln in block] == [w for w, _ in expect]
        assert q not in [ln.split()[0] for ln in block]
        assert block == [f"{w} {s:g}" for w, s in expect]
    # the default k is 10; the query word is never among its neighbours
    lines = ok("fasttext", "nn", f"{prefix}.bin", input="talks").stdout.splitlines()
    assert len(lines) == 10 and "talks" not in [ln.split()[0] for ln in lines]
    # a query without n-grams (a words-only model): a message, the others answered
    ok("fasttext", "skipgram", "-input", corpus, "-output",
       tmp_path / "w", *SMALL, "-maxn", "0", "-verbose", "0")
    r = cli("fasttext", "nn", tmp_path / "w.bin", "2", input="walkinng walking\n")
    assert r.returncode == 1 and "'walkinng'" in r.stderr and "no n-grams" in r.stderr
    assert len(r.stdout.splitlines()) == 2 and "Traceback" not in r.stderr


# -- errors ---------------------------------------------------------------------------------------

def run_main(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("args, code, message", [
    ([*SMALL, "-threads", "2"], 2, "unknown flag -threads (did you mean -thread?)"),
    ([*SMALL, "-loss", "softmax"], 2, "-loss: softmax is not supported"),
    ([*SMALL, "-loss", "ova"], 2, "-loss: ova is not supported"),
    ([*SMALL, "-loss", "xyz"], 2, "-loss: unknown loss 'xyz'"),
    ([*SMALL, "-minn", "5", "-maxn", "3"], 2, "-minn 5 is greater than -maxn 3"),
    (["-bucket", "0", "-dim", "10"], 2, "-bucket 0: n-grams need at least one bucket"),
    ([*SMALL, "-wordNgrams", "2"], 2, "-wordNgrams 2: only 1 is supported"),
    ([*SMALL, "-neg", "0"], 2, "-neg 0 with -loss ns trains nothing"),
    ([*SMALL, "-dim", "abc"], 2, "-dim: expected an integer, got 'abc'"),
    ([*SMALL, "-lr", "0"], 2, "-lr: must be a finite number > 0"),
    ([*SMALL, "-saveOutput"], 2, "-saveOutput is not supported"),
    ([*SMALL, "-minCount", "99999"], 1,
     "empty vocabulary: no word of -input {c} occurs at least -minCount 99999"),
])
def test_training_errors(corpus, tmp_path, capsys, args, code, message):
    prefix = tmp_path / "x"
    got, out, err = run_main(capsys, "fasttext", "skipgram", "-input", corpus, "-output",
                             prefix, *args)
    assert got == code, err
    assert message.format(c=corpus) in err
    assert len([ln for ln in err.splitlines() if "error" in ln]) == 1
    assert list(tmp_path.iterdir()) == []  # nothing written, not even a temporary file


@pytest.mark.parametrize("args, code, message", [
    (["fasttext", "skipgram", "-output", "{d}/x"], 2, "-input FILE and -output PREFIX are "
                                                     "required"),
    (["fasttext", "cbow", "-input", "{c}"], 2, "-input FILE and -output PREFIX are required"),
    (["fasttext", "skipgram", "-input", "{d}/missing.txt", "-output", "{d}/x"], 1,
     "-input {d}/missing.txt: no such file"),
    (["fasttext", "skipgram", "-input", "{c}", "-output", "{d}/no/x"], 1,
     "-output {d}/no/x.bin: directory"),
    (["fasttext", "skipgarm"], 2, "unknown fastText command 'skipgarm' (did you mean "
                                  "skipgram?)"),
    (["fasttext", "supervised", "-input", "{c}"], 2, "fastText's supervised command is not "
                                                     "provided"),
    (["fasttext", "nn"], 2, "required: MODEL.bin"),
    (["fasttext", "nn", "{d}/none.bin"], 1, "model {d}/none.bin: no such file"),
    (["fasttext", "nn", "{c}"], 1, "{c}"),  # not a fastText model
    (["fasttext", "nn", "{c}", "0"], 2, "K: must be >= 1"),
    (["fasttext", "print-word-vectors", "{c}", "extra"], 2, "unexpected argument 'extra'"),
    (["train", "{c}", "-o", "{d}/x.txt", "--minn", "2"], 2, "--minn needs --subwords"),
    (["train", "{c}", "-o", "{d}/x.txt", "--fasttext-output", "{d}/x"], 2,
     "--fasttext-output needs --subwords"),
    (["train", "{c}", "-o", "{d}/x.txt", "--subwords", "--minn", "5", "--maxn", "3"], 2,
     "--minn 5 is greater than --maxn 3"),
    (["train", "{c}", "-o", "{d}/x.txt", "--subwords", "--classic"], 2,
     "--classic is not supported with --subwords"),
    (["train", "{c}", "-o", "{d}/x.txt", "--subwords", "--fasttext-output", "{d}/no/x"], 1,
     "--fasttext-output {d}/no/x.bin: directory"),
    (["train", "{c}", "-o", "{d}/x.vec", "--subwords", "--fasttext-output", "{d}/x"], 2,
     "--output {d}/x.vec is also a file of --fasttext-output {d}/x"),
])
def test_command_errors(corpus, tmp_path, capsys, args, code, message):
    fill = {"c": str(corpus), "d": str(tmp_path)}
    got, out, err = run_main(capsys, *[a.format(**fill) for a in args])
    assert got == code, err
    assert message.format(**fill) in err
    assert len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_failed_run_leaves_existing_outputs(corpus, tmp_path, capsys):
    prefix = tmp_path / "m"
    (tmp_path / "m.bin").write_bytes(b"old model")
    (tmp_path / "m.vec").write_text("old vectors\n")
    for args, code in ((["-loss", "softmax"], 2), (["-minCount", "99999"], 1)):
        got, _, err = run_main(capsys, "fasttext", "skipgram", "-input", corpus, "-output",
                               prefix, *SMALL, *args)
        assert got == code, err
    assert (tmp_path / "m.bin").read_bytes() == b"old model"
    assert (tmp_path / "m.vec").read_text() == "old vectors\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.bin", "m.vec"]
    # a run that succeeds replaces them
    got, _, err = run_main(capsys, "fasttext", "skipgram", "-input", corpus, "-output", prefix,
                           *SMALL, "-verbose", "0")
    assert got == 0, err
    assert len(load_fasttext(tmp_path / "m.bin")) == 50


# -- train --subwords ----------------------------------------------------------------------------

def test_train_subwords(corpus, tmp_path):
    out = tmp_path / "v.txt"
    r = ok("train", corpus, "-o", out, "--subwords", "--buckets", 1000, "--minn", 2,
           "--maxn", 4, "--dim", 10, "--epochs", 1, "--threads", 1, "--fasttext-output",
           tmp_path / "m", "--save-vocab", tmp_path / "vocab.txt")
    m = w2v.train(str(corpus), subwords=True, minn=2, maxn=4, buckets=1000, dim=10, epochs=1,
                  threads=1)
    got = w2v.load(out)
    # the vectors file holds each word's composed vector (model.wv), as fastText's .vec
    assert got.words == m.words and np.array_equal(got.vectors, m.wv.vectors)
    v = load_fasttext(tmp_path / "m.bin")
    assert (v.minn, v.maxn, v.bucket) == (2, 4, 1000)
    assert np.array_equal(v.input_matrix, m.input_matrix)
    assert np.allclose(w2v.load(tmp_path / "m.vec").vectors, got.vectors)
    assert (tmp_path / "vocab.txt").read_text().split("\n", 1)[0] == \
        f"{m.words[0]} {m.vocab.counts[0]}"
    assert "n-grams 2-4 in 1,000 buckets" in r.stderr and "m.bin" in r.stderr
    assert "train_seconds=" in r.stderr
    # the native model answers the fastText queries
    r = ok("fasttext", "nn", tmp_path / "m.bin", 2, input="walkinng\n")
    assert [ln.split()[0] for ln in r.stdout.splitlines()] == \
        [w for w, _ in m.wv.most_similar("walkinng", topn=2)]
    # --quiet, CBOW, hierarchical softmax, words only
    q = ok("train", corpus, "-o", tmp_path / "q.w2v", "--subwords", "--maxn", 0, "--cbow",
           "--hs", "--negative", 0, "--dim", 8, "--epochs", 1, "--threads", 1, "--quiet",
           "--fasttext-output", tmp_path / "q")
    assert q.stderr == ""
    a = fasttext_io.read_bin(tmp_path / "q.bin").args
    assert (a.loss, a.model, a.bucket, a.maxn, a.dim) == (1, 1, 0, 0, 8)
    assert np.array_equal(w2v.load(tmp_path / "q.w2v").vectors,
                          load_fasttext(tmp_path / "q.bin").vectors)
