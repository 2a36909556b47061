"""``word2vec-fast glove ...``: Stanford GloVe's flags, its files and ours.

Training runs as subprocesses, as in test_cli.py; usage errors run in-process through
``main``.
"""
import numpy as np
import pytest

import word2vec_fast as w2v
from word2vec_fast import glove
from word2vec_fast.cli import main
from word2vec_fast.glove_counts import STANFORD_RECORD, Cooccurrence

from test_cli import cli, ok

SMALL = ["-vector-size", "6", "-iter", "2", "-threads", "1", "-window-size", "4",
         "-min-count", "2", "-verbose", "0"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """1,500 Zipfian lines over 120 words."""
    rng = np.random.default_rng(5)
    words = np.array([f"w{i}" for i in range(120)])
    p = 1 / np.arange(1, 121)
    lines = [" ".join(rng.choice(words, size=int(rng.integers(3, 15)), p=p / p.sum()))
             for _ in range(1500)]
    path = tmp_path_factory.mktemp("glove") / "corpus.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_glove_writes_stanford_text(corpus, tmp_path):
    out = tmp_path / "vectors.txt"
    ok("glove", "-input", corpus, "-output", out, *SMALL, "-seed", "3")
    lines = out.read_text().splitlines()
    first = lines[0].split(" ")
    assert len(first) == 7 and not first[0].isdigit()  # "word v1 .. v6", no header
    v = w2v.load(out)
    assert v.vectors.shape == (len(lines), 6)
    # the same run through the API (Stanford's defaults but the flags given) is the same
    m = glove.train(str(corpus), dim=6, epochs=2, threads=1, window=4, min_count=2, seed=3,
                    x_max=100.0, progress=False)
    assert v.words == m.vocab.words
    np.testing.assert_allclose(v.vectors, m.wv.vectors, rtol=1e-6, atol=1e-7)


def test_glove_header_binary_and_both(corpus, tmp_path):
    ok("glove", "-input", corpus, "-output", tmp_path / "h.txt", *SMALL, "-write-header", "1")
    head = (tmp_path / "h.txt").read_text().splitlines()[0].split()
    assert len(head) == 2 and int(head[1]) == 6
    ok("glove", "-input", corpus, "-output", tmp_path / "b.bin", *SMALL, "-binary", "1")
    assert (tmp_path / "b.bin").read_bytes()[:20].split(b"\n")[0].endswith(b" 6")
    ok("glove", "-input", corpus, "-output", tmp_path / "both", *SMALL, "-binary", "2",
       "-model", "1")
    a, b = w2v.load(tmp_path / "both.txt"), w2v.load(tmp_path / "both.bin")
    assert a.words == b.words
    np.testing.assert_allclose(a.vectors, b.vectors, rtol=1e-6)


def test_glove_counts_saved_and_read(corpus, tmp_path):
    cooc = tmp_path / "c.cooc"
    r = ok("glove", "-input", corpus, "--save-cooccurrence", cooc, *SMALL[:-2], "-verbose", "1")
    assert "co-occurrence records" in r.stderr
    c = Cooccurrence.load(cooc)
    assert c.window == 4 and c.symmetric and len(c) > 100
    ok("glove", "--read-cooccurrence", cooc, "-output", tmp_path / "v.txt", *SMALL)
    assert len(w2v.load(tmp_path / "v.txt")) == len(c.vocab)
    # Stanford's pair of files, written and read back
    ok("glove", "-input", corpus, "--save-cooccurrence", tmp_path / "cooccurrence.bin",
       "-vocab-file", tmp_path / "vocab.txt", *SMALL)
    rec = np.fromfile(tmp_path / "cooccurrence.bin", STANFORD_RECORD)
    assert rec.shape[0] == c.n_records and rec["w1"].min() == 1
    assert (tmp_path / "vocab.txt").read_text().splitlines()[0].split()[0] == c.vocab.words[0]
    ok("glove", "--read-cooccurrence", tmp_path / "cooccurrence.bin", "-vocab-file",
       tmp_path / "vocab.txt", "-output", tmp_path / "s.txt", *SMALL)
    assert w2v.load(tmp_path / "s.txt").words == c.vocab.words


def test_glove_bad_cooccurrence_file_is_an_error(tmp_path):
    (tmp_path / "vocab.txt").write_text("a 3\nb 2\n")
    bad = tmp_path / "bad.bin"
    bad.write_bytes(np.array([(1, 3, 1.0)], STANFORD_RECORD).tobytes())
    r = cli("glove", "--read-cooccurrence", bad, "-vocab-file", tmp_path / "vocab.txt",
            "-output", tmp_path / "o.txt", "-verbose", "0")
    assert r.returncode == 1 and "word2 = 3" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "o.txt").exists()


@pytest.mark.parametrize("args, message", [
    ([], "-input FILE"),
    (["-input", "x.txt"], "-output FILE"),
    (["-input", "x", "-output", "y", "-x-max", "0"], "-x-max"),
    (["-input", "x", "-output", "y", "-window", "3"], "did you mean -window-size"),
    (["-input", "x", "-output", "y", "-binary", "3"], "-binary"),
    (["-input", "x", "-output", "y", "-model", "0"], "-model"),
    (["-input", "x", "--read-cooccurrence", "y", "-output", "z"], "not both"),
])
def test_glove_usage_errors(capsys, args, message):
    assert main(["glove", *args]) == 2
    assert message in capsys.readouterr().err


def test_glove_missing_input_is_an_error(capsys, tmp_path):
    assert main(["glove", "-input", str(tmp_path / "nope.txt"), "-output",
                 str(tmp_path / "o.txt")]) == 1
    assert "-input" in capsys.readouterr().err


def test_glove_help_names_stanfords_flags(capsys):
    assert main(["glove", "--help"]) == 0
    out = capsys.readouterr().out
    for flag in ("-vector-size", "-window-size", "-min-count", "-iter", "-x-max", "-alpha",
                 "-eta", "-threads", "-memory", "-symmetric", "-write-header", "-binary",
                 "--save-cooccurrence", "--read-cooccurrence"):
        assert flag in out
