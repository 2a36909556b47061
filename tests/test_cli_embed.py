"""``word2vec-fast embed``: sentence vectors of a file's lines, through ``main`` in-process."""
import numpy as np
import pytest

import word2vec_fast as w2v
from word2vec_fast.cli import main
from word2vec_fast.sentences import SentenceEmbedding

V, DIM = 60, 6


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Vectors (no counts, as files are), a Zipfian corpus for counts, and input lines."""
    d = tmp_path_factory.mktemp("embed")
    rng = np.random.default_rng(2)
    words = [f"w{i}" for i in range(V)]
    w2v.Vectors(words, rng.normal(size=(V, DIM)) + 0.3).save(d / "vec.bin")
    p = 1 / np.arange(1, V + 1)
    corpus = [" ".join(rng.choice(words, size=12, p=p / p.sum())) for _ in range(400)]
    (d / "corpus.txt").write_text("\n".join(corpus) + "\n")
    lines = [" ".join(rng.choice(words + ["unk"], size=int(rng.integers(1, 10))))
             for _ in range(50)]
    lines[3] = ""
    lines[7] = "unk nope"
    (d / "in.txt").write_text("\n".join(lines) + "\n")
    counts = {}
    for line in corpus:
        for w in line.split():
            counts[w] = counts.get(w, 0) + 1
    return d, lines, counts


def run(*args):
    return main([str(a) for a in args])


def test_sif_to_npy_matches_the_api(files, tmp_path):
    d, lines, counts = files
    out = tmp_path / "out.npy"
    assert run("embed", "-vectors", d / "vec.bin", "-input", d / "in.txt", "-output", out,
               "--counts-from", d / "corpus.txt", "-q") == 0
    x = np.load(out)
    assert x.shape == (len(lines), DIM) and x.dtype == np.float32
    wv = w2v.load(d / "vec.bin")
    want = SentenceEmbedding(wv, "sif", counts=counts).fit_transform(lines)
    np.testing.assert_array_equal(x, want)
    np.testing.assert_array_equal(x[[3, 7]], 0)


@pytest.mark.parametrize("name,binary", [("out.txt", False), ("out.bin", True),
                                         ("out.vec", False)])
def test_text_and_binary_keys_are_line_numbers(files, tmp_path, name, binary):
    d, lines, _ = files
    out = tmp_path / name
    assert run("embed", "-vectors", d / "vec.bin", "-input", d / "in.txt", "-output", out,
               "--method", "mean", "-q") == 0
    v = w2v.load(out, binary=binary)
    assert v.words == [str(i) for i in range(len(lines))]
    want = SentenceEmbedding(w2v.load(d / "vec.bin"), "mean").transform(lines)
    np.testing.assert_allclose(v.vectors, want, rtol=1e-6, atol=1e-6)


def test_save_model_then_model(files, tmp_path):
    d, lines, _ = files
    model, first = tmp_path / "usif.npz", tmp_path / "first.npy"
    assert run("embed", "-vectors", d / "vec.bin", "-input", d / "in.txt", "-output", first,
               "--counts-from", d / "corpus.txt", "--method", "usif", "--save-model", model,
               "-q", "--threads", "2") == 0
    new = tmp_path / "new.txt"
    new.write_text(lines[10] + "\n" + lines[0] + "\nw1 w2\n")
    again = tmp_path / "again.npy"
    assert run("embed", "-vectors", d / "vec.bin", "-input", new, "-output", again,
               "--model", model, "-q") == 0
    x, y = np.load(first), np.load(again)
    np.testing.assert_array_equal(y[0], x[10])
    np.testing.assert_array_equal(y[1], x[0])
    emb = SentenceEmbedding.load(model, w2v.load(d / "vec.bin"))
    assert emb.method == "usif" and len(emb.components_) == 5


def test_options(files, tmp_path):
    d, lines, counts = files
    out = tmp_path / "o.npy"
    assert run("embed", "--vectors", d / "vec.bin", "--input", d / "in.txt", "--output", out,
               "--counts-from", d / "corpus.txt", "--a", "0.01", "--components", "2",
               "-q") == 0
    want = SentenceEmbedding(w2v.load(d / "vec.bin"), "sif", a=0.01, counts=counts,
                             components=2).fit_transform(lines)
    np.testing.assert_array_equal(np.load(out), want)


def test_summary_line(files, tmp_path, capsys):
    d, lines, _ = files
    assert run("embed", "-vectors", d / "vec.bin", "-input", d / "in.txt", "-output",
               tmp_path / "o.npy", "--method", "mean") == 0
    err = capsys.readouterr().err
    assert f"{len(lines)} sentences, mean, dim {DIM}" in err


def test_errors(files, tmp_path, capsys):
    d, _, _ = files
    base = ["embed", "-vectors", d / "vec.bin", "-input", d / "in.txt"]
    out = tmp_path / "o.npy"
    # SIF without counts: a clear error naming the flag
    assert run(*base, "-output", out) == 1
    assert "--counts-from" in capsys.readouterr().err
    assert not out.exists()
    assert run(*base, "-output", out, "--model", tmp_path / "missing.npz") == 1
    assert "no such file" in capsys.readouterr().err
    assert run(*base, "-output", out, "--model", "m.npz", "--save-model", "n.npz") == 2
    assert run(*base, "-output", out, "--model", "m.npz", "--method", "mean") == 2
    assert "--model brings" in capsys.readouterr().err
    assert run(*base, "-output", out, "--method", "tfidf") == 2
    assert run(*base) == 2  # no -output
    assert run(*base, "-output", out, "--text") == 2
    assert run(*base, "-output", tmp_path / "no" / "dir.npy") == 1
    assert run("embed", "-vectors", d / "nope.bin", "-input", d / "in.txt", "-output",
               out) == 1
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    assert run("embed", "-vectors", d / "vec.bin", "-input", empty, "-output", out,
               "--method", "mean") == 1
    assert "no lines" in capsys.readouterr().err
    # a model saved for other vectors
    model = tmp_path / "m.npz"
    assert run(*base, "-output", out, "--method", "mean", "--save-model", model, "-q") == 0
    w2v.Vectors([f"w{i}" for i in range(V)], np.ones((V, 3))).save(tmp_path / "v3.bin")
    assert run("embed", "-vectors", tmp_path / "v3.bin", "-input", d / "in.txt", "-output",
               out, "--model", model) == 1
    assert "dimension 6 but the word vectors have dimension 3" in capsys.readouterr().err


def test_help_lists_embed(capsys):
    assert main(["--help"]) == 0
    assert "embed" in capsys.readouterr().out
    assert main(["embed", "--help"]) == 0
    assert "--counts-from" in capsys.readouterr().out
