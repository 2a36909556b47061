"""The ``word2vec-fast`` command, driven as a subprocess.

The drop-in mode is checked against the original word2vec tools (``pip install
word2vec``) and gensim where they are installed; those tests skip cleanly otherwise.
"""
import json
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import word2vec_fast as w2v

from conftest import SIGINT_CHILD, c_tool as _tool

TIMEOUT = 120


def cli(*args, cwd=None, input=None, env=None):
    """Run ``python -m word2vec_fast ARGS``; returns the CompletedProcess (text)."""
    return subprocess.run([sys.executable, "-m", "word2vec_fast", *map(str, args)], cwd=cwd,
                          input=input, capture_output=True, text=True, timeout=TIMEOUT, env=env)


def ok(*args, **kw):
    r = cli(*args, **kw)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    return r


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """2,000 Zipfian sentences over 300 words, with a few co-occurrence patterns."""
    d = tmp_path_factory.mktemp("cli")
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(300)]
    p = 1 / np.arange(1, 301)
    p /= p.sum()
    lines = []
    for _ in range(2000):
        s = list(rng.choice(words, size=int(rng.integers(3, 20)), p=p))
        if rng.random() < 0.3:
            s += ["alpha", "beta"] if rng.random() < 0.5 else ["gamma", "delta"]
        lines.append(" ".join(s))
    path = d / "corpus.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def vectors(corpus):
    """A skip-gram .bin from the train subcommand, and its vectors."""
    out = corpus.parent / "sg.bin"
    ok("train", corpus, "-o", out, "--dim", 16, "--threads", 1, "--epochs", 3, "--quiet")
    return out, w2v.load(out)


SMALL = ["-size", "16", "-threads", "1", "-iter", "1"]
V = 304  # words of the corpus (all occur >= 5 times); the drop-in output adds </s>


# -- help and dispatch ----------------------------------------------------------------

def test_help_and_version():
    r = ok("--help")
    assert "defaults match word2vec.c" in r.stdout.replace("\n", " ") or \
        "Defaults match word2vec.c" in r.stdout
    for cmd in ("train", "similar", "analogy", "eval", "convert", "info", "plot", "demo",
                "-save-vocab", "-read-vocab", "-classes", "-save-on-interrupt"):
        assert cmd in r.stdout
    assert ok().stdout == r.stdout  # no arguments: the same help, like word2vec.c
    for cmd in ("train", "similar", "analogy", "eval", "convert", "info", "plot", "demo"):
        h = ok(cmd, "--help").stdout
        assert "examples:" in h and f"word2vec-fast {cmd}" in h
    assert ok("--version").stdout.startswith("word2vec-fast ")


def test_console_script(tmp_path):
    exe = _tool("word2vec-fast")
    if exe is None:
        pytest.skip("word2vec-fast console script not installed")
    r = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 0 and r.stdout.startswith("word2vec-fast ")


# -- drop-in training -------------------------------------------------------------------

def _header_and_first_word(path):
    with open(path, "rb") as f:
        header = f.readline()
        first = f.read(5)
    return header, first


def test_dropin_layout_matches_word2vec_c(corpus, tmp_path):
    exe = _tool("word2vec")
    if exe is None:
        pytest.skip("the original word2vec binary is not installed (pip install word2vec)")
    flags = ["-train", corpus, "-binary", "1", *SMALL]
    c = subprocess.run([exe, *map(str, flags), "-output", tmp_path / "c.bin",
                        "-save-vocab", tmp_path / "c.vocab"],
                       capture_output=True, text=True, timeout=TIMEOUT)
    assert c.returncode == 0, c.stderr
    r = ok(*flags, "-output", tmp_path / "o.bin", "-save-vocab", tmp_path / "o.vocab")
    # same header (V + 1 for </s>, dim), </s> first, same words
    assert _header_and_first_word(tmp_path / "o.bin") == \
        _header_and_first_word(tmp_path / "c.bin")
    ours, theirs = w2v.load(tmp_path / "o.bin"), w2v.load(tmp_path / "c.bin")
    assert ours.words[0] == theirs.words[0] == "</s>"
    assert sorted(ours.words) == sorted(theirs.words)
    # same vocabulary file: "</s> <lines>" first, then word counts
    ov = (tmp_path / "o.vocab").read_text().splitlines()
    cv = (tmp_path / "c.vocab").read_text().splitlines()
    assert ov[0] == cv[0] == "</s> 2000"
    assert sorted(ov) == sorted(cv)
    # and word2vec.c's first lines, which scripts parse
    for key in ("Vocab size:", "Words in train file:"):
        mine = [x for x in r.stdout.splitlines() if x.startswith(key)]
        assert mine and mine[0] in c.stdout
    assert "train_seconds=" in r.stderr and "words_per_sec=" in r.stderr


def test_dropin_bin_read_by_gensim_and_compute_accuracy(corpus, tmp_path):
    out = tmp_path / "v.bin"
    r = ok("-train", corpus, "-output", out, "-binary", 1, "-cbow", 0, *SMALL)
    # word2vec.c's count: every token plus one </s> per newline
    assert f"Words in train file: {len(corpus.read_text().split()) + 2000}\n" in r.stdout
    ours = w2v.load(out)
    assert len(ours) == V + 1 and ours.words[0] == "</s>" and ours.dim == 16
    # </s> is never trained: it keeps a value from the initial distribution
    assert np.all(np.abs(ours.vectors[0]) < 0.5 / 16)
    try:
        from gensim.models import KeyedVectors
    except ImportError:
        KeyedVectors = None
    if KeyedVectors is not None:
        kv = KeyedVectors.load_word2vec_format(str(out), binary=True)
        assert kv.index_to_key == ours.words
        assert np.array_equal(kv.vectors, ours.vectors)
    acc = _tool("word2vec-compute-accuracy")
    if acc is not None:
        q = ": family\nw1 w2 w3 w4\nw5 w6 w7 w8\n: gram1-x\nw1 w3 w5 w7\n"
        r = subprocess.run([acc, str(out), "30000"], input=q, capture_output=True, text=True,
                           timeout=TIMEOUT)
        assert r.returncode == 0
        assert "Questions seen / total: 3 3" in r.stdout
    if KeyedVectors is None and acc is None:
        pytest.skip("neither gensim nor word2vec-compute-accuracy is installed")


def test_dropin_seeded_single_thread_is_repeatable_and_text_output(corpus, tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    for out in (a, b):
        ok("-train", corpus, "-output", out, "-seed", 7, "-debug", 0, *SMALL)
    assert a.read_bytes() == b.read_bytes()
    assert a.read_text().split("\n", 1)[0] == f"{V + 1} 16"  # text by default (-binary 0)
    assert a.read_text().split("\n", 2)[1].startswith("</s> ")


def test_dropin_defaults_are_word2vec_cs(corpus, tmp_path):
    # the defaults reach train(): CBOW, alpha 0.05, window 5, ... -- the drop-in run equals
    # the Python API with word2vec.c's settings, </s> row aside
    out = tmp_path / "d.bin"
    ok("-train", corpus, "-output", out, "-binary", 1, "-threads", 1, "-debug", 0)
    m = w2v.train(str(corpus), sg=False, alpha=0.05, threads=1, dim=100, window=5,
                  negative=5, sample=1e-3, epochs=5, min_count=5, seed=1)
    got = w2v.load(out)
    assert got.words[1:] == m.words
    assert np.array_equal(got.vectors[1:], m.vectors)


def test_train_from_stdin_equals_train_from_file(corpus, tmp_path):
    # "-train -" reads standard input once (counting and encoding in one pass)
    a, b = tmp_path / "file.bin", tmp_path / "stdin.bin"
    ok("-train", corpus, "-output", a, "-binary", 1, "-debug", 0, "-save-vocab",
       tmp_path / "a.vocab", *SMALL)
    ok("-train", "-", "-output", b, "-binary", 1, "-debug", 0, "-save-vocab",
       tmp_path / "b.vocab", *SMALL, input=corpus.read_text())
    assert a.read_bytes() == b.read_bytes()
    assert (tmp_path / "a.vocab").read_text() == (tmp_path / "b.vocab").read_text()
    ok("train", "-", "-o", tmp_path / "t.bin", "--dim", 8, "--threads", 1, "--epochs", 1,
       "--quiet", input=corpus.read_text())
    assert w2v.load(tmp_path / "t.bin").words == w2v.load(a).words[1:]


def test_literal_eos_token_is_not_a_trained_word(tmp_path):
    text = tmp_path / "eos.txt"
    text.write_text("a b </s> c a b\nb a c </s>\n" * 50)
    out = tmp_path / "eos.bin"
    ok("-train", text, "-output", out, "-binary", 1, "-min-count", 1, *SMALL, "-debug", 0)
    words = w2v.load(out).words
    assert words[0] == "</s>" and words.count("</s>") == 1
    assert sorted(words[1:]) == ["a", "b", "c"]


def test_first_value_of_repeated_flag_wins(corpus, tmp_path):
    r = ok("-train", corpus, "-output", tmp_path / "r.bin", "-binary", 1, *SMALL, "-size", 8)
    assert "-size given twice" in r.stderr
    assert w2v.load(tmp_path / "r.bin").dim == 16


def test_save_vocab_only(corpus, tmp_path):
    r = ok("-train", corpus, "-save-vocab", tmp_path / "v.txt", "-min-count", 20)
    lines = (tmp_path / "v.txt").read_text().splitlines()
    assert lines[0] == "</s> 2000"
    counts = [int(x.split()[1]) for x in lines[1:]]
    assert counts == sorted(counts, reverse=True) and min(counts) >= 20
    assert "Vocab size: %d" % len(lines) in r.stdout
    assert not list(tmp_path.glob("*.bin"))


def test_read_vocab_round_trip_with_word2vec_c(corpus, tmp_path):
    exe = _tool("word2vec")
    if exe is None:
        pytest.skip("the original word2vec binary is not installed (pip install word2vec)")
    # word2vec.c's vocabulary file -> ours
    subprocess.run([exe, "-train", str(corpus), "-save-vocab", str(tmp_path / "c.vocab")],
                   capture_output=True, timeout=TIMEOUT, check=True)
    ok("-train", corpus, "-read-vocab", tmp_path / "c.vocab", "-output", tmp_path / "o.txt",
       "-min-count", 50, *SMALL)
    kept = [ln.split()[0] for ln in (tmp_path / "c.vocab").read_text().splitlines()
            if int(ln.split()[1]) >= 50 or ln.startswith("</s>")]
    got = w2v.load(tmp_path / "o.txt")
    assert got.words[0] == "</s>" and sorted(got.words) == sorted(kept)
    # ours -> word2vec.c
    ok("-train", corpus, "-save-vocab", tmp_path / "o.vocab", "-debug", 0)
    r = subprocess.run([exe, "-train", str(corpus), "-read-vocab", str(tmp_path / "o.vocab"),
                        "-output", str(tmp_path / "c.txt"), "-size", "8", "-iter", "1",
                        "-threads", "1"], capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 0
    theirs = w2v.load(tmp_path / "c.txt")
    ours_vocab = [ln.split()[0] for ln in (tmp_path / "o.vocab").read_text().splitlines()]
    assert sorted(theirs.words) == sorted(ours_vocab)


def test_classes_output(corpus, tmp_path):
    out = tmp_path / "classes.txt"
    ok("-train", corpus, "-output", out, "-classes", 4, "-binary", 1, *SMALL)
    rows = [ln.split() for ln in out.read_text().splitlines()]
    assert len(rows) == V + 1 and rows[0][0] == "</s>"
    assert all(len(r) == 2 and 0 <= int(r[1]) < 4 for r in rows)
    assert len({r[1] for r in rows}) > 1


def test_save_on_interrupt(corpus, tmp_path):
    if sys.platform == "win32":
        pytest.skip("SIGINT delivery differs on Windows")
    out = tmp_path / "int.bin"

    def start(*extra):
        p = subprocess.Popen([sys.executable, "-m", "word2vec_fast", "-train", str(corpus),
                              "-output", str(out), "-binary", "1", "-size", "16", "-iter",
                              "1000000", "-threads", "2", *extra],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                             **SIGINT_CHILD)
        # wait until training runs (the engine's log line), then press Ctrl-C
        for line in p.stderr:
            if "INFO training" in line:
                break
        time.sleep(0.3)
        p.send_signal(signal.SIGINT)
        err = p.communicate(timeout=TIMEOUT)[1]
        return p.returncode, err

    rc, err = start()
    assert rc == 130 and "interrupted" in err and "Traceback" not in err
    assert not out.exists()
    rc, err = start("-save-on-interrupt", "1")
    assert rc == 130 and "Traceback" not in err, err
    v = w2v.load(out)
    assert len(v) == V + 1 and v.words[0] == "</s>"


@pytest.mark.parametrize("args, code, message", [
    (["-train", "{d}/missing.txt", "-output", "{d}/x.bin"], 1, "-train {d}/missing.txt: no such"),
    (["-train", "{c}"], 2, "give -output"),
    (["-output", "{d}/x.bin"], 2, "-train FILE is required"),
    (["-train", "{c}", "-output", "{d}/x.bin", "-negatives", "3"], 2,
     "unknown flag -negatives (did you mean -negative?)"),
    (["-train", "{c}", "-output", "{d}/x.bin", "-size", "abc"], 2, "-size: expected an integer"),
    (["-train", "{c}", "-output", "{d}/x.bin", "-size", "0"], 2, "-size: must be >= 1"),
    (["-train", "{c}", "-output", "{d}/x.bin", "-sample", "-1"], 2, "-sample: must be"),
    (["-train", "{c}", "-output", "{d}/x.bin", "-cbow", "2"], 2, "-cbow: invalid choice"),
    (["-train", "{c}", "-output", "{d}/x.bin", "-window"], 2, "-window: expected one argument"),
    (["-train", "{c}", "-output", "{d}/x.bin", "-negative", "0"], 2, "trains nothing"),
    (["-train", "{c}", "-output", "{d}/no/x.bin"], 1, "-output {d}/no/x.bin: directory"),
    (["-train", "{c}", "-output", "{d}/x.bin", "-min-count", "99999"], 1,
     "empty vocabulary: no word of -train {c} occurs at least -min-count 99999"),
    (["-train", "{c}", "-output", "{d}/x.bin", "-read-vocab", "{c}"], 1,
     "{c}, line 1: expected 'word count'"),
    (["-train", "{c}", "-output", "{d}/x.bin", "-read-vocab", "{d}/nope"], 1,
     "-read-vocab {d}/nope: no such file"),
    (["frobnicate"], 2, "unknown command 'frobnicate'"),
    (["simlar", "x"], 2, "did you mean similar?"),
    (["train", "{c}"], 2, "required: -o/--output"),
    (["train", "{c}", "-o", "{d}/x.bin", "--negative", "0"], 2, "trains nothing"),
    (["train", "{c}", "-o", "{d}/x.bin", "--dim", "-3"], 2, "--dim/--size: must be >= 1"),
])
def test_training_errors(corpus, tmp_path, args, code, message):
    fill = {"c": str(corpus), "d": str(tmp_path)}
    r = cli(*[a.format(**fill) for a in args])
    assert r.returncode == code, r.stderr
    assert message.format(**fill) in r.stderr
    assert "Traceback" not in r.stderr
    assert len([ln for ln in r.stderr.splitlines() if "error" in ln]) == 1
    assert not (tmp_path / "x.bin").exists()


# -- the train subcommand -----------------------------------------------------------------

def test_train_on_a_local_dask_cluster(corpus, tmp_path):
    pytest.importorskip("distributed")
    out = tmp_path / "d.txt"
    kw = dict(dim=8, threads=1, epochs=1, window=3, negative=4, seed=5, min_count=3)
    ck = tmp_path / "ck.npz"
    r = ok("train", corpus, "-o", out, "--dim", 8, "--threads", 1, "--epochs", 1,
           "--window", 3, "--negative", 4, "--seed", 5, "--min-count", 3,
           "--dask-workers", 1, "--merge", "mean", "--checkpoint", ck)
    # one worker, one thread: bit for bit train(threads=1)
    m = w2v.train(str(corpus), **kw)
    got = w2v.load(out)
    assert got.words == m.words and np.array_equal(got.vectors, m.vectors)
    assert "on 1 Dask workers" in r.stderr
    assert w2v.load_model(ck).schedule["epochs_done"] == 1
    # a finished run resumed: nothing left to train, the same vectors
    ok("train", corpus, "-o", tmp_path / "r.txt", "--dask-workers", 1, "--threads", 1,
       "--resume", ck)
    assert np.array_equal(w2v.load(tmp_path / "r.txt").vectors, got.vectors)
    bad = cli("train", corpus, "-o", tmp_path / "x.txt", "--merge", "sum")
    assert bad.returncode == 2 and "--merge needs --dask-scheduler" in bad.stderr
    bad = cli("train", corpus, "-o", tmp_path / "x.txt", "--hot-max", 8)
    assert bad.returncode == 2 and "--hot-max needs --dask-scheduler" in bad.stderr
    bad = cli("train", corpus, "-o", tmp_path / "x.txt", "--dask-workers", 1,
              "--save-vocab", tmp_path / "v.txt")
    assert bad.returncode == 2 and "--save-vocab is not supported" in bad.stderr


def test_train_subcommand_equals_python_api(corpus, tmp_path):
    out = tmp_path / "t.txt"
    r = ok("train", corpus, "-o", out, "--dim", 12, "--threads", 1, "--epochs", 2,
           "--window", 3, "--negative", 4, "--seed", 5, "--min-count", 3,
           "--save-vocab", tmp_path / "v.txt")
    m = w2v.train(str(corpus), dim=12, threads=1, epochs=2, window=3, negative=4, seed=5,
                  min_count=3)
    got = w2v.load(out)
    assert got.words == m.words  # no </s> row in this mode
    assert np.array_equal(got.vectors, m.vectors)
    assert out.read_text().split("\n", 1)[0] == f"{len(m.words)} 12"  # .txt: text
    assert (tmp_path / "v.txt").read_text().splitlines()[0] == f"{m.words[0]} " \
                                                                f"{m.vocab.counts[0]}"
    # the summary line: words/s, time, vocabulary, output
    assert "words/s" in r.stderr and f"vocabulary {len(m.words)}" in r.stderr \
        and str(out) in r.stderr and "train_seconds=" in r.stderr
    q = ok("train", corpus, "-o", tmp_path / "q", "--dim", 8, "--threads", 1, "--epochs", 1,
           "--quiet", "--cbow", "--hs", "--negative", 0)
    assert q.stderr == ""
    assert w2v.load(tmp_path / "q").dim == 8  # no extension: binary


# -- queries ------------------------------------------------------------------------------

def test_similar(vectors):
    path, v = vectors
    r = ok("similar", path, "w1", "alpha", "-n", 3)
    blocks = r.stdout.strip().split("\n\n")
    assert len(blocks) == 2
    for block, w in zip(blocks, ["w1", "alpha"]):
        lines = block.splitlines()
        assert lines[0] == w
        expect = v.most_similar(w, topn=3)
        assert [ln.split()[1] for ln in lines[1:]] == [x for x, _ in expect]
        assert [float(ln.split()[2]) for ln in lines[1:]] == \
            pytest.approx([s for _, s in expect], abs=1e-4)
    assert ok("similar", path, "alpha", "-n", 2, "--tsv").stdout.splitlines()[0].split("\t")[:2] \
        == ["alpha", v.most_similar("alpha", topn=1)[0][0]]
    # stdin: the words of a line make one query
    r = ok("similar", path, "-n", 2, input="alpha gamma\n")
    assert [ln.split()[1] for ln in r.stdout.splitlines()[1:]] == \
        [x for x, _ in v.most_similar(["alpha", "gamma"], topn=2)]
    r = cli("similar", path, "w1", "nosuchword", "ALPHA")
    assert r.returncode == 1 and r.stdout.startswith("w1")
    assert "word 'nosuchword' is not in" in r.stderr
    assert "word 'ALPHA' is not in" in r.stderr and "did you mean 'alpha'?" in r.stderr


def test_analogy(vectors):
    path, v = vectors
    r = ok("analogy", path, "alpha", "beta", "gamma", "-n", 4)
    assert r.stdout.splitlines()[0] == "alpha : beta :: gamma : ?"
    assert r.stdout.splitlines()[1].split()[1] == v.analogy("alpha", "beta", "gamma")
    r = ok("analogy", path, "alpha", "beta", "gamma", "--method", "mul", "--tsv", "-n", 1)
    assert r.stdout.split("\t")[0] == v.analogy("alpha", "beta", "gamma", method="mul")
    r = cli("analogy", path, "alpha", "beta", "zeta")
    assert r.returncode == 1 and "word 'zeta' is not in" in r.stderr


def test_eval(vectors, tmp_path):
    path, v = vectors
    q = tmp_path / "q.txt"
    q.write_text(": sem\nalpha beta gamma delta\ngamma delta alpha beta\nw1 w2 w3 w4\n"
                 ": gram-x\nw5 w6 w7 w8\nw9 w10 nosuch w11\n")
    pairs = tmp_path / "p.tsv"
    pairs.write_text("# a comment\nalpha\tbeta\t9\ngamma\tdelta\t8\nalpha\tw1\t1\nw2\tw50\t2\n"
                     "w3\tnosuch\t5\n")
    empty = tmp_path / "e.txt"
    empty.write_text(": nothing\n")
    r = ok("eval", path, "--analogies", q, "--pairs", pairs)
    a = w2v.evaluate_analogies(v, q)
    p = w2v.evaluate_word_pairs(v, pairs)
    assert f"{100 * a.accuracy:6.2f} %" in r.stdout and "semantic" in r.stdout
    assert f"Spearman {p.spearman:.4f}" in r.stdout
    j = json.loads(ok("eval", path, "--analogies", q, "--pairs", pairs, "--json").stdout)
    assert j["analogies"][0]["accuracy"] == pytest.approx(a.accuracy)
    assert j["analogies"][0]["oov"] == 1 and j["pairs"][0]["oov"] == 1
    assert j["pairs"][0]["spearman"] == pytest.approx(p.spearman)
    assert [s["name"] for s in j["analogies"][0]["sections"]] == ["sem", "gram-x"]
    for args, code, msg in [([], 2, "nothing to evaluate"),
                            (["--analogies", tmp_path / "none"], 1, "--analogies"),
                            (["--pairs", q], 1, "no word pair"),
                            (["--analogies", pairs], 1, "p.tsv: line 1: a question before"),
                            (["--analogies", empty], 1, "no question lines")]:
        r = cli("eval", path, *args)
        assert r.returncode == code and msg in r.stderr and "Traceback" not in r.stderr


def test_convert_and_info(vectors, tmp_path):
    path, v = vectors
    ok("convert", path, tmp_path / "v.txt")
    ok("convert", tmp_path / "v.txt", tmp_path / "back.bin")
    assert (tmp_path / "back.bin").read_bytes() == path.read_bytes()  # exact round trip
    ok("convert", path, tmp_path / "top.vec.gz", "--limit", 10)
    top = w2v.load(tmp_path / "top.vec.gz")
    assert top.words == v.words[:10] and np.array_equal(top.vectors, v.vectors[:10])
    ok("convert", path, tmp_path / "forced", "--text")
    assert (tmp_path / "forced").read_text().startswith(f"{len(v)} 16\n")
    r = cli("convert", path, tmp_path / "out.xyz")
    assert r.returncode == 2 and "--binary or --text" in r.stderr

    info = json.loads(ok("info", path, "--json", "--sample", 3).stdout)
    assert (info["words"], info["dim"], info["format"], info["compression"]) == \
        (len(v), 16, "binary", None)
    norms = np.linalg.norm(v.vectors.astype(np.float64), axis=1)
    assert info["norms"]["max"] == pytest.approx(norms.max())
    assert info["sample"]["first"] == v.words[:3] and info["sample"]["last"] == v.words[-3:]
    info = json.loads(ok("info", tmp_path / "top.vec.gz", "--json").stdout)
    assert (info["words"], info["format"], info["compression"]) == (10, "text", "gzip")
    r = ok("info", path)
    assert f"words:        {len(v):,}" in r.stdout and "dimension:    16" in r.stdout


def test_bad_vector_files(tmp_path):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    trunc = tmp_path / "trunc.bin"
    trunc.write_bytes(b"3 4\nab " + bytes(8))
    for cmd in (["similar", bad, "x"], ["info", trunc], ["convert", bad, tmp_path / "o.bin"],
                ["similar", tmp_path / "missing.bin", "x"], ["info", tmp_path]):
        r = cli(*cmd)
        assert r.returncode == 1, r.stderr
        assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
        assert str(cmd[1]) in r.stderr
    assert not (tmp_path / "o.bin").exists()


def test_plot(vectors, tmp_path):
    path, _ = vectors
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        pass
    else:
        ok("plot", path, "alpha", "w1", "-o", tmp_path / "map.png", "-n", 3)
        assert (tmp_path / "map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        r = cli("plot", path, "alpha", "-o", tmp_path / "map.xyz")
        assert r.returncode == 2 and "unknown image type" in r.stderr
    # without matplotlib: a clear error saying how to install it
    code = ("import sys; sys.modules['matplotlib'] = None; from word2vec_fast.cli import main; "
            f"sys.exit(main(['plot', {str(path)!r}, 'alpha', '-o', {str(tmp_path / 'n.png')!r}]))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=TIMEOUT)
    assert r.returncode == 1 and "pip install 'word2vec-fast[plot]'" in r.stderr
    assert not (tmp_path / "n.png").exists()


# -- demo ---------------------------------------------------------------------------------

def test_demo_on_the_standard_library(tmp_path):
    out = tmp_path / "demo"
    r = ok("demo", "-o", out, "--max-words", 60000, "--epochs", 1, "--dim", 20,
           "--min-count", 3, "--quiet")
    assert "standard library" in r.stdout and "nearest neighbours" in r.stdout
    assert "Spearman" in r.stdout and "analogies" in r.stdout
    v = w2v.load(out / "vectors.bin")
    assert v.dim == 20 and "the" in v
    n = len((out / "corpus.txt").read_text().split())
    assert 60000 <= n < 70000
    # the written evaluation sets work with eval
    r = ok("eval", out / "vectors.bin", "--pairs", out / "pairs.txt", "--analogies",
           out / "analogies.txt")
    assert "Spearman" in r.stdout and "gram-plural" in r.stdout


def test_demo_on_own_corpus(corpus, tmp_path):
    q = tmp_path / "q.txt"
    q.write_text(": s\nalpha beta gamma delta\n")
    r = ok("demo", "--corpus", corpus, "-o", tmp_path / "d", "--epochs", 1, "--dim", 10,
           "--words", "alpha", "--analogies", q, "--quiet")
    assert "alpha:" in r.stdout and "q.txt (top 30,000 words" in r.stdout
    r = cli("demo", "--corpus", tmp_path / "none.txt", "-o", tmp_path / "d")
    assert r.returncode == 1 and "--corpus" in r.stderr
