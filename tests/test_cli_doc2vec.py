"""``word2vec-fast doc2vec train|infer``: paragraph vectors through ``main`` in-process
(standard input through a subprocess, as in test_cli.py)."""
import numpy as np
import pytest

import word2vec_fast as w2v
from word2vec_fast import doc2vec
from word2vec_fast.cli import main

from test_cli import ok

TOPICS, DIM = 4, 8
SMALL = ["--dim", str(DIM), "--epochs", "3", "--min-count", "1", "--threads", "1", "-q"]
API = dict(dim=DIM, epochs=3, min_count=1, threads=1, progress=False)  # one: repeatable


def _topic_line(rng, t):
    return " ".join(rng.choice([f"t{t}w{i}" for i in range(15)], size=int(rng.integers(4, 10))))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """300 lines of four planted topics (a few blank), new lines to infer, a model."""
    d = tmp_path_factory.mktemp("doc2vec")
    rng = np.random.default_rng(3)
    lines = [_topic_line(rng, k % TOPICS) if k % 40 != 11 else "" for k in range(300)]
    (d / "docs.txt").write_text("\n".join(lines) + "\n")
    new = [_topic_line(rng, k % TOPICS) + " unseen" for k in range(20)]
    (d / "new.txt").write_text("\n".join(new) + "\n")
    assert run("doc2vec", "train", "-input", d / "docs.txt", "-output", d / "docs.bin",
               "--save-model", d / "m.npz", *SMALL) == 0
    return d, lines, new


def run(*args):
    return main([str(a) for a in args])


def test_train_one_row_per_line_like_the_api(files):
    d, lines, _ = files
    v = w2v.load(d / "docs.bin")
    assert v.words == [str(k) for k in range(len(lines))]  # blank lines included
    m = doc2vec.train(str(d / "docs.txt"), **API)
    np.testing.assert_array_equal(v.vectors, m.dv.vectors)


def test_planted_topics_come_out(files, tmp_path):
    d, lines, _ = files
    out = tmp_path / "t.npy"
    assert run("doc2vec", "train", "--input", d / "docs.txt", "--output", out, "--dim", "16",
               "--epochs", "40", "--alpha", "0.05", "--sample", "0", "--min-count", "1",
               "--threads", "2", "-q") == 0
    x = np.load(out)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    sim = x @ x.T
    full = [k for k, s in enumerate(lines) if s]
    same = [sim[i, j] for i in full[:40] for j in full[:40] if i < j and i % 4 == j % 4]
    other = [sim[i, j] for i in full[:40] for j in full[:40] if i % 4 != j % 4]
    assert np.mean(same) > np.mean(other) + 0.3


def test_save_model_then_infer_matches_the_api(files, tmp_path):
    d, _, new = files
    out = tmp_path / "new.npy"
    assert run("doc2vec", "infer", "--model", d / "m.npz", "-input", d / "new.txt",
               "-output", out, "-q") == 0
    model = doc2vec.load_model(d / "m.npz")
    want = model.infer_vectors([s.split() for s in new])
    x = np.load(out)
    assert x.dtype == np.float32 and x.shape == (len(new), DIM)
    np.testing.assert_array_equal(x, want)
    assert w2v.load(out).words == [str(k) for k in range(len(new))]
    # thread count, epochs and rates reach infer_vectors
    assert run("doc2vec", "infer", "--model", d / "m.npz", "-input", d / "new.txt",
               "-output", out, "--threads", "1", "--epochs", "7", "--alpha", "0.01",
               "--min-alpha", "0.001", "-q") == 0
    want = model.infer_vectors([s.split() for s in new], epochs=7, alpha=0.01,
                               min_alpha=0.001, threads=3)
    np.testing.assert_array_equal(np.load(out), want)


@pytest.mark.parametrize("name,binary", [("o.txt", False), ("o.bin", True), ("o.vec", False),
                                         ("o.txt.gz", False), ("o.npy", None)])
def test_each_output_format(files, tmp_path, name, binary):
    d, lines, new = files
    out = tmp_path / name
    assert run("doc2vec", "train", "-input", d / "docs.txt", "-output", out, *SMALL) == 0
    want = w2v.load(d / "docs.bin")
    got = w2v.load(out) if binary is None else w2v.load(out, binary=binary)
    assert got.words == want.words
    if binary is None:
        assert (tmp_path / (name + ".words")).exists()
        np.testing.assert_array_equal(np.load(out), want.vectors)
    elif binary:
        np.testing.assert_array_equal(got.vectors, want.vectors)
    else:
        np.testing.assert_allclose(got.vectors, want.vectors, rtol=1e-5, atol=1e-6)
    inferred = tmp_path / ("i" + name)
    assert run("doc2vec", "infer", "--model", d / "m.npz", "-input", d / "new.txt", "-output",
               inferred, "-q") == 0
    assert len(w2v.load(inferred, binary=binary)) == len(new)


def test_format_flags_override_the_extension(files, tmp_path):
    d, _, _ = files
    out = tmp_path / "docs.out"
    assert run("doc2vec", "train", "-input", d / "docs.txt", "-output", out, "--text",
               *SMALL) == 0
    assert out.read_text().split("\n")[0].split() == ["300", str(DIM)]
    assert run("doc2vec", "train", "-input", d / "docs.txt", "-output", out, "--binary",
               *SMALL) == 0
    assert len(w2v.load(out, binary=True)) == 300


def test_tags_column(tmp_path):
    rng = np.random.default_rng(4)
    rows = [f"doc{k % 7} t{k % 3}\t{_topic_line(rng, k % TOPICS)}" for k in range(120)]
    (tmp_path / "tagged.tsv").write_text("\n".join(rows) + "\n")
    out = tmp_path / "t.txt"
    assert run("doc2vec", "train", "-input", tmp_path / "tagged.tsv", "-output", out,
               "--tags", "column", *SMALL) == 0
    v = w2v.load(out)
    m = doc2vec.train(str(tmp_path / "tagged.tsv"), tags="column", **API)
    assert v.words == [str(t) for t in m.tags]
    assert set(v.words) == {f"doc{k}" for k in range(7)} | {"t0", "t1", "t2"}
    np.testing.assert_allclose(v.vectors, m.dv.vectors, rtol=1e-5, atol=1e-6)
    # another separator, "\t" spelled out is a tab
    (tmp_path / "bar.txt").write_text("\n".join(r.replace("\t", "|") for r in rows) + "\n")
    assert run("doc2vec", "train", "-input", tmp_path / "bar.txt", "-output", out,
               "--tags", "column", "--tag-sep", "|", *SMALL) == 0
    assert w2v.load(out).words == v.words
    assert run("doc2vec", "train", "-input", tmp_path / "tagged.tsv", "-output", out,
               "--tags", "column", "--tag-sep", "\\t", *SMALL) == 0


def test_several_inputs_and_model_options(files, tmp_path):
    d, lines, _ = files
    out, words = tmp_path / "o.bin", tmp_path / "w.txt"
    assert run("doc2vec", "train", "-input", d / "docs.txt", d / "new.txt", "-output", out,
               "--dm", "--dm-mean", "0", "--window", "3", "--negative", "3", "--hs",
               "--sample", "0", "--alpha", "0.03", "--min-alpha", "0.001", "--seed", "5",
               "--batch-size", "2", "--word-vectors", words, *SMALL) == 0
    m = doc2vec.train([d / "docs.txt", d / "new.txt"], dm=True, dm_mean=False, window=3,
                      negative=3, hs=True, sample=0, alpha=0.03, min_alpha=0.001, seed=5,
                      batch=2, **API)
    v = w2v.load(out)
    assert len(v) == len(lines) + 20
    np.testing.assert_array_equal(v.vectors, m.dv.vectors)
    wv = w2v.load(words)
    assert wv.words == m.wv.words
    np.testing.assert_allclose(wv.vectors, m.wv.vectors, rtol=1e-5, atol=1e-6)
    # --size and --iter are the same flags as --dim and --epochs
    assert run("doc2vec", "train", "-input", d / "docs.txt", "-output", out, "--size", "5",
               "--iter", "1", "--min-count", "1", "--dbow-words", "--word-vectors",
               tmp_path / "w.npy", "-q") == 0
    assert w2v.load(out).dim == 5 and np.load(tmp_path / "w.npy").shape[1] == 5


def test_summary_lines(files, tmp_path, capsys):
    d, lines, new = files
    assert run("doc2vec", "train", "-input", d / "docs.txt", "-output", tmp_path / "o.bin",
               *SMALL[:-1]) == 0
    err = capsys.readouterr().err
    assert f"PV-DBOW: {len(lines)} document vectors" in err and "wrote" in err
    assert run("doc2vec", "infer", "--model", d / "m.npz", "-input", d / "new.txt",
               "-output", tmp_path / "i.bin") == 0
    err = capsys.readouterr().err
    assert f"{len(new)} documents ({len(new)} unknown tokens skipped)" in err


def test_infer_line_without_known_words(files, tmp_path, capsys):
    d, _, new = files
    bad = tmp_path / "bad.txt"
    bad.write_text(f"{new[0]}\n\n{new[1]}\nnothing known here\n")
    out = tmp_path / "o.npy"
    assert run("doc2vec", "infer", "--model", d / "m.npz", "-input", bad, "-output", out) == 1
    err = capsys.readouterr().err
    assert f"{bad}, line 2 (row 1): no word the model knows" in err
    assert "2 such lines" in err and "--skip-empty" in err and "Traceback" not in err
    assert not out.exists()
    assert run("doc2vec", "infer", "--model", d / "m.npz", "-input", bad, "-output", out,
               "--skip-empty") == 0
    assert "2 with no known word: zero vectors" in capsys.readouterr().err
    x = np.load(out)
    assert x.shape == (4, DIM)
    np.testing.assert_array_equal(x[[1, 3]], 0)
    want = doc2vec.load_model(d / "m.npz").infer_vectors([new[0].split(), new[1].split()])
    np.testing.assert_array_equal(x[[0, 2]], want)


def test_standard_input(files, tmp_path):
    d, _, new = files
    out = tmp_path / "o.npy"
    ok("doc2vec", "infer", "--model", d / "m.npz", "-input", "-", "-output", out, "-q",
       input="\n".join(new[:3]) + "\n")
    np.testing.assert_array_equal(
        np.load(out), doc2vec.load_model(d / "m.npz").infer_vectors([s.split() for s in new[:3]]))


def test_help(capsys):
    assert run("doc2vec") == 0
    out = capsys.readouterr().out
    assert "doc2vec train" in out and "doc2vec infer" in out
    assert run("doc2vec", "train", "--help") == 0
    assert "--save-model" in capsys.readouterr().out
    assert run("doc2vec", "infer", "--help") == 0
    assert "--skip-empty" in capsys.readouterr().out
    assert run("--help") == 0
    assert "doc2vec" in capsys.readouterr().out


@pytest.mark.parametrize("args,message", [
    (["trian"], "did you mean train"),
    (["train", "-output", "o.bin"], "-input"),
    (["train", "-input", "d.txt"], "-output"),
    (["train", "-input", "d.txt", "-output", "o.bin", "--dim", "0"], "must be >= 1"),
    (["train", "-input", "d.txt", "-output", "o.bin", "--alpha", "-1"], "--alpha"),
    (["train", "-input", "d.txt", "-output", "o.bin", "--sample", "x"], "expected a number"),
    (["train", "-input", "d.txt", "-output", "o.bin", "--tags", "row"], "invalid choice"),
    (["train", "-input", "d.txt", "-output", "o.bin", "--tag-sep", "|"], "--tags column"),
    (["train", "-input", "d.txt", "-output", "o.bin", "--tags", "column", "--tag-sep", ""],
     "must not be empty"),
    (["train", "-input", "d.txt", "-output", "o.bin", "--negative", "0"], "--hs"),
    (["train", "-input", "d.txt", "-output", "o.bin", "--dm", "--dbow-words"], "PV-DBOW"),
    (["train", "-input", "d.txt", "-output", "o.bin", "--dm-mean", "0"], "--dm-mean needs"),
    (["train", "-input", "d.txt", "-output", "o.bin", "--word-vectors", "w.bin"],
     "--dm or --dbow-words"),
    (["train", "-input", "d.txt", "-output", "o.vectors"], "cannot tell the format"),
    (["train", "-input", "d.txt", "-output", "o.npy", "--text"], "do not apply"),
    (["train", "-input", "d.txt", "-output", "o.bin", "--dm", "--word-vectors", "w.out"],
     "--word-vectors w.out: cannot tell"),
    (["train", "-input", "d.txt", "-output", "o.bin", "--save-model", "o.bin"],
     "would overwrite"),
    (["train", "-input", "d.txt", "-output", "o.bin", "--epoch", "3"], "did you mean"),
    (["train", "-input", "-", "d.txt", "-output", "o.bin"], "standard input"),
    (["infer", "-input", "d.txt", "-output", "o.bin"], "--model"),
    (["infer", "--model", "m.npz", "-input", "d.txt", "-output", "o.bin", "--epochs", "0"],
     "must be >= 1"),
    (["infer", "--model", "m.npz", "-input", "d.txt", "-output", "o.bin", "--dm"],
     "unknown flag --dm"),
])
def test_usage_errors(capsys, args, message):
    assert run("doc2vec", *args) == 2
    err = capsys.readouterr().err
    assert "usage error" in err and message in err


def test_errors(files, tmp_path, capsys):
    d, _, _ = files
    out = tmp_path / "o.bin"
    # a missing input, model, output directory: exit 1, naming the flag
    for args, message in [
        (["train", "-input", tmp_path / "none.txt", "-output", out], "-input"),
        (["train", "-input", d / "docs.txt", "-output", tmp_path / "no" / "o.bin"], "-output"),
        (["infer", "--model", tmp_path / "none.npz", "-input", d / "new.txt", "-output", out],
         "--model"),
        (["infer", "--model", d / "m.npz", "-input", tmp_path / "none.txt", "-output", out],
         "-input"),
    ]:
        assert run("doc2vec", *args) == 1
        err = capsys.readouterr().err
        assert message in err and ("no such file" in err or "does not exist" in err)
    # a model file that is not paragraph vectors, or not a model at all
    w2v.train(str(d / "docs.txt"), dim=4, epochs=1, min_count=1, progress=False).save_model(
        tmp_path / "words.npz")
    for bad, message in [(tmp_path / "words.npz", "not paragraph vectors"),
                         (d / "docs.txt", "not a usable")]:
        assert run("doc2vec", "infer", "--model", bad, "-input", d / "new.txt",
                   "-output", out) == 1
        err = capsys.readouterr().err
        assert f"--model {bad}" in err and message in err and "Traceback" not in err
    assert not out.exists()
    # an empty input to infer, a tag column that is not there, a vocabulary left empty
    (tmp_path / "empty.txt").write_text("")
    assert run("doc2vec", "infer", "--model", d / "m.npz", "-input", tmp_path / "empty.txt",
               "-output", out) == 1
    assert "empty.txt: the corpus has no documents" in capsys.readouterr().err
    assert run("doc2vec", "train", "-input", d / "docs.txt", "-output", out,
               "--tags", "column", "-q") == 1
    assert "line 1: no '\\t'" in capsys.readouterr().err
    assert run("doc2vec", "train", "-input", d / "docs.txt", "-output", out,
               "--min-count", "100000", "-q") == 1
    assert "empty vocabulary" in capsys.readouterr().err
    assert not out.exists()
