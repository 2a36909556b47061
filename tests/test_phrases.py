"""Phrases: C counting, scoring and rewriting against plain-Python references, the
word2phrase binary (byte for byte) and gensim (NPMI, connector words)."""
import gzip
import os
import pathlib
import subprocess
import tempfile

import numpy as np
import pytest

import word2vec_fast as w2v
from word2vec_fast import Phrases, _phrases, phrases_count
from word2vec_fast.phrases_count import (count_ids, count_sentences, count_text, id_blocks,
                                         raw_blocks)

from conftest import c_tool

WORD2PHRASE = c_tool("word2phrase")
needs_word2phrase = pytest.mark.skipif(WORD2PHRASE is None, reason="word2phrase not installed")


def gen_text(seed, n_lines=600, vocab=40, planted=6, long_tokens=False, blank=True):
    """Lines of Zipf-distributed words with planted pairs; tabs, runs of spaces, blank lines."""
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(vocab)]
    pairs = [(words[rng.integers(vocab)], words[rng.integers(vocab)]) for _ in range(planted)]
    lines = []
    for _ in range(n_lines):
        toks = []
        for _ in range(rng.integers(0 if blank else 1, 14)):
            if rng.random() < 0.2:
                toks += pairs[rng.integers(planted)]
            else:
                toks.append(words[min(int(rng.zipf(1.4)) - 1, vocab - 1)])
            if long_tokens and rng.random() < 0.01:
                # rare, so never in a phrase: word2phrase keys a pair by the first 59
                # bytes of "a_b", which merges different long pairs (we do not)
                size = rng.integers(50, 75)
                toks.append("".join(chr(97 + c) for c in rng.integers(26, size=size)))
        seps = [" ", " ", "  ", "\t"]
        lines.append("".join(t + seps[rng.integers(4)] for t in toks).rstrip(" \t"))
    return ("\n".join(lines) + "\n").encode()


# -- plain-Python references ---------------------------------------------------------------

def ref_tokens(text: bytes, max_token=58):
    """word2phrase's token stream for text without '\\r', '\\v', '\\f' or NUL: words and
    None for each newline; words longer than 58 bytes cut to their first 58."""
    out = []
    for k, line in enumerate(text.split(b"\n")):
        if k:
            out.append(None)
        out += [w[:max_token] for w in line.replace(b"\t", b" ").split(b" ") if w]
    return out


def ref_word2phrase(text: bytes, min_count: int, threshold: float) -> bytes:
    """word2phrase.c's two passes, transcribed (counts pairs across newlines, float32
    score, a join blocks the next pair, every token written after ' ' or '_')."""
    stream = ref_tokens(text)
    uni, big = {}, {}
    last = None
    words = 0
    for w in stream:
        if w is None:
            continue
        words += 1
        uni[w] = uni.get(w, 0) + 1
        if last is not None:
            key = (last + b"_" + w)[:59]
            big[key] = big.get(key, 0) + 1
        last = w

    def found(table, key):
        c = table.get(key, 0)
        return c if c >= min_count else None

    out = bytearray()
    pa = pb = 0
    li = None
    word = b""
    thr = np.float32(threshold)
    for w in stream:
        last, word = word, (b"</s>" if w is None else w)
        if w is None:
            out += b"\n"
            continue
        oov = False
        i = found(uni, w)
        if i is None:
            oov = True
        else:
            pb = i
        if li is None:
            oov = True
        li = i
        pab = found(big, (last + b"_" + w)[:59])
        if pab is None:
            oov = True
        if pa < min_count or pb < min_count:
            oov = True
        score = np.float32(0) if oov else (np.float32(pab - min_count) / np.float32(pa)
                                           / np.float32(pb) * np.float32(words))
        if score > thr:
            out += b"_" + w
            pb = 0
        else:
            out += b" " + w
        pa = pb
    return bytes(out)


def ref_counts(sentences, conn=(), cross=False):
    """Unigram and (first, connectors, last) pair counts, gensim's way (cross: one sentence)."""
    if cross:
        sentences = [[w for s in sentences for w in s]]
    uni, pairs = {}, {}
    for s in sentences:
        start, inner = None, []
        for w in s:
            uni[w] = uni.get(w, 0) + 1
            if w in conn:
                if start is not None:
                    inner.append(w)
                continue
            if start is not None:
                key = (start, *inner, w)
                pairs[key] = pairs.get(key, 0) + 1
            start, inner = w, []
    return uni, pairs


def c_counts(counter, conn=()):
    a, b, run, count, _ = counter.score("all", 1, 0.0, 1)
    words = counter.words(range(counter.stats["words"]))
    wc = dict(zip([w.decode() for w in words], counter.counts().tolist()))
    pairs = {}
    for x, y, r, n in zip(a.tolist(), b.tolist(), run.tolist(), count.tolist()):
        key = (words[x].decode(), *(conn[i] for i in counter.run(r)), words[y].decode())
        pairs[key] = n
    return {w: c for w, c in wc.items() if c}, pairs


def write(tmp_path, name, data: bytes):
    p = tmp_path / name
    p.write_bytes(data)
    return str(p)


# -- counting -------------------------------------------------------------------------------

@pytest.mark.parametrize("cross", [False, True])
def test_counts_match_reference_in_blocks(tmp_path, monkeypatch, cross):
    text = gen_text(1, long_tokens=False)
    path = write(tmp_path, "c.txt", text)
    sents = [line.split() for line in text.decode().split("\n") if line.split()]
    ref = ref_counts(sents, cross=cross)
    conn = _phrases.Connectors([])
    one = c_counts(count_text(lambda: raw_blocks([path]), threads=1, max_token=58, max_size=0,
                              conn=conn, cross_lines=cross).counter)
    assert one == ref
    # tiny blocks cut inside lines, three counters merged: the same counts
    monkeypatch.setattr(phrases_count, "BLOCK_BYTES", 37)
    many = count_text(lambda: raw_blocks([path]), threads=3, max_token=58, max_size=0, conn=conn,
                      cross_lines=cross)
    assert c_counts(many.counter) == ref
    assert many.stats.tokens == sum(map(len, sents))


def test_connector_counts_in_blocks(tmp_path, monkeypatch):
    rng = np.random.default_rng(3)
    words = ["a", "b", "c", "d", "of", "the"]
    sents = [[words[i] for i in rng.integers(6, size=rng.integers(1, 12))] for _ in range(300)]
    path = write(tmp_path, "c.txt", ("\n".join(" ".join(s) for s in sents) + "\n").encode())
    conn = ("of", "the")
    cw = _phrases.Connectors([w.encode() for w in conn])
    ref = ref_counts(sents, set(conn))
    assert c_counts(count_sentences(sents, max_token=58, max_size=0, conn=cw,
                                    cross_lines=False).counter, conn) == ref
    monkeypatch.setattr(phrases_count, "BLOCK_BYTES", 16)
    got = count_text(lambda: raw_blocks([path]), threads=2, max_token=58, max_size=0, conn=cw,
                     cross_lines=False)
    assert c_counts(got.counter, conn) == ref


def raw_counts(counter):
    """Word and pair counts by bytes, with every scorer's passing pairs."""
    a, b, _, count, _ = counter.score("all", 1, 0.0, 1)
    words = counter.words(range(counter.stats["words"]))
    uni = {w: c for w, c in zip(words, counter.counts().tolist()) if c}
    pairs = {(words[x], words[y]): n for x, y, n in zip(a.tolist(), b.tolist(), count.tolist())}
    tokens = counter.stats["tokens"]
    scored = {}
    for scoring, thr in (("word2phrase", 0.5), ("npmi", -0.9)):
        a, b, _, count, score = counter.score(scoring, 2, thr, tokens)
        scored[scoring] = {(words[x], words[y], n, s) for x, y, n, s in
                           zip(a.tolist(), b.tolist(), count.tolist(), score.tolist())}
    return uni, pairs, scored, tokens


def junk_text(seed, n=500):
    """Words with NUL bytes, invalid UTF-8, long (cut) tokens and words about the
    lengths where the C changes how it keeps a word (8, 15, 16 bytes) between every
    separator."""
    rng = np.random.default_rng(seed)
    words = [b"a", b"b\x00", b"new", b"york", b"p" * 15, b"q" * 16, b"r" * 17, b"caf\xc3\xa9",
             b"\xff\xfe", b"x" * 70, "\u00e9".encode() * 40, b"w1", b"w2", b"abcdefgh",
             b"abcdefghi"]
    seps = [b" ", b"\t", b"\n", b"\r\n", b"\n\n", b"\v", b"\f", b"  ", b" \n "]
    out = bytearray()
    for _ in range(n):
        k = min(int(rng.zipf(1.3)) - 1, len(words) - 1)
        out += words[k] + seps[rng.integers(len(seps))]
    return bytes(out)


@pytest.mark.parametrize("cross", [False, True])
@pytest.mark.parametrize("threads,block", [(1, 7), (2, 64), (3, 7), (3, 1 << 22)])
def test_text_counters_count_as_one_counter(tmp_path, monkeypatch, cross, threads, block):
    """Text counters over blocks cut anywhere, each after its context, merged: the
    same words, pairs and scores as one counter over the whole text, for awkward
    bytes, several files (one empty, one without a final newline), 1-3 threads (a
    block of only separators once lost the word before it)."""
    files = [write(tmp_path, "a.txt", junk_text(1)), write(tmp_path, "b.txt", junk_text(2) + b"z"),
             write(tmp_path, "e.txt", b""), write(tmp_path, "c.txt", gen_text(3, long_tokens=True))]
    opts = dict(max_token=58, max_size=0, conn=_phrases.Connectors([]), cross_lines=cross)
    want = raw_counts(count_text(lambda: raw_blocks(files), threads=1, **opts).counter)
    monkeypatch.setattr(phrases_count, "BLOCK_BYTES", block)
    got = count_text(lambda: raw_blocks(files), threads=threads, **opts)
    assert raw_counts(got.counter) == want
    assert want[1] and want[2]["word2phrase"] and want[2]["npmi"]


def held_scores(files, threads, cross, scoring, min_count, threshold, wide=False, memory=None):
    """``{(a, b, count, score)}`` (words as bytes) of the token-id counter, and its stats."""
    got = count_ids(id_blocks(files, 58, cross), threads=threads, max_token=58, cross_lines=cross,
                    scoring=scoring, min_count=min_count, threshold=threshold, wide_keys=wide,
                    memory=memory)
    a, b, run, count, score = got.passing
    assert not run.any()
    words = got.words(range(got.stats.words))
    uni = {w: c for w, c in zip(words, got.held.counts().tolist())}
    return {(words[x], words[y], n, s) for x, y, n, s in
            zip(a.tolist(), b.tolist(), count.tolist(), score.tolist())}, uni, got.stats


@pytest.mark.parametrize("cross", [False, True])
@pytest.mark.parametrize("threads,block,wide", [(1, 7, False), (2, 64, False), (3, 7, True),
                                                (2, 1 << 22, False), (2, 64, True)])
def test_held_counts_as_one_counter(tmp_path, monkeypatch, cross, threads, block, wide):
    """The held counter (token ids kept, only the pairs that may pass counted, by
    sorting) against the table-id counter: the same words, every pair with scoring
    "all", and the same passing pairs and scores for both scorers at thresholds
    where the bound on a pair's count rules out most pairs; with 4-byte pair keys
    and with the 8-byte ones of a text of more than 65,536 words that may pair."""
    files = [write(tmp_path, "a.txt", junk_text(1)), write(tmp_path, "b.txt", junk_text(2) + b"z"),
             write(tmp_path, "e.txt", b""), write(tmp_path, "c.txt", gen_text(3, long_tokens=True)),
             write(tmp_path, "n.txt", b"\n\n  \n")]
    opts = dict(max_token=58, max_size=0, conn=_phrases.Connectors([]), cross_lines=cross)
    ref = count_text(lambda: raw_blocks(files), threads=1, **opts).counter
    tokens = ref.stats["tokens"]
    words = ref.words(range(ref.stats["words"]))
    ref_uni = {w: c for w, c in zip(words, ref.counts().tolist()) if c}

    def ref_scored(scoring, min_count, thr):
        a, b, _, count, score = ref.score(scoring, min_count, thr, tokens)
        return {(words[x], words[y], n, s) for x, y, n, s in
                zip(a.tolist(), b.tolist(), count.tolist(), score.tolist())}
    monkeypatch.setattr(phrases_count, "BLOCK_BYTES", block)
    every = 0
    for scoring, min_count, thr in (("all", 1, 0.0), ("word2phrase", 2, 0.5),
                                    ("word2phrase", 3, 20.0), ("word2phrase", 1, 0.0),
                                    ("npmi", 2, -0.9), ("npmi", 3, 0.3)):
        got, uni, st = held_scores(files, threads, cross, scoring, min_count, thr, wide)
        want = ref_scored(scoring, min_count, thr)
        assert got == want, (scoring, min_count, thr)
        assert uni == ref_uni and st.tokens == tokens and st.cut == ref.stats["cut"]
        every = max(every, len(want))
        if scoring != "all":
            assert 0 < len(want) < len(ref_scored("all", 1, 0.0)), (scoring, thr)


@pytest.mark.parametrize("scoring", ["word2phrase", "npmi"])
def test_held_bound_is_tight(tmp_path, scoring):
    """A pair whose words only come together (its count is the bound) and which passes
    by the least margin the scorer allows is counted; a threshold a hair higher drops it."""
    rng = np.random.default_rng(9)
    filler = [f"f{int(k)}" for k in rng.integers(0, 30, size=400)]
    toks = filler[:200] + ["qa", "qb"] * 1 + filler[200:]
    text = " ".join(toks) + "\n" + "x qa qb y\n" * 9
    path = write(tmp_path, "t.txt", text.encode())
    ref = count_text(lambda: raw_blocks([path]), threads=1, max_token=58,
                     max_size=0, conn=_phrases.Connectors([]), cross_lines=True).counter
    words = ref.words(range(ref.stats["words"]))
    a, b, _, count, score = ref.score(scoring, 3, -1.0, ref.stats["tokens"])
    (s,) = [s for x, y, s in zip(a, b, score) if (words[x], words[y]) == (b"qa", b"qb")]
    just = float(np.nextafter(np.float32(s), np.float32(0))) if scoring == "word2phrase" \
        else s - 1e-12
    got, _, _ = held_scores([path], 2, True, scoring, 3, just)
    assert (b"qa", b"qb", 10, s) in got
    above = float(np.float32(s)) if scoring == "word2phrase" else s
    got, _, _ = held_scores([path], 2, True, scoring, 3, above)
    assert not any(x == b"qa" for x, _, _, _ in got)


def _built(tmp_path, files, name, held: bool, monkeypatch, **kw):
    """``(Phrases.build(files, output=...), bytes written)``, counted by token ids (and
    written from them) or, with ``held`` false, by text counters (and rewriters)."""
    out = str(tmp_path / name)
    calls = []
    with monkeypatch.context() as m:
        if not held:
            m.setattr(w2v.phrases, "counting_path", lambda *a: "text")
        real = w2v.phrases.rewrite_ids
        m.setattr(w2v.phrases, "rewrite_ids", lambda *a: calls.append(a) or real(*a))
        p = Phrases.build(files, output=out, **kw)
    p.wrote_held = bool(calls)
    return p, open(out, "rb").read()


@pytest.mark.parametrize("scoring,threshold", [("word2phrase", 0.5), ("npmi", 0.2)])
@pytest.mark.parametrize("threads,block", [(1, 7), (3, 7), (2, 64), (3, 1 << 22)])
def test_held_rewrite_is_apply(tmp_path, monkeypatch, scoring, threshold, threads, block):
    """build(output=...) rewrites the ids it counted: the bytes and the table that
    build() then apply() give (by text counters and rewriters), for awkward bytes, chains of
    phrase words across blocks, several files (empty, without a final newline, only
    separators), blocks of 7 bytes, 1-3 threads."""
    chain = b"new york " * 40 + b"\n" + b"york new " * 30  # every token a phrase word
    files = [pathlib.Path(write(tmp_path, n, t)) for n, t in (
        ("a.txt", junk_text(5)), ("e.txt", b""), ("c.txt", chain + b"new"),
        ("g.txt", gen_text(6)), ("s.txt", b"new york  \n\n  "), ("z.txt", b"york"),
        ("c.txt.gz", gzip.compress(chain + b" \n" + junk_text(6))))]  # read, not mapped
    kw = dict(min_count=2, threshold=threshold, scoring=scoring, threads=threads)
    monkeypatch.setattr(phrases_count, "BLOCK_BYTES", block)
    want_p, want = _built(tmp_path, files, "ref.txt", False, monkeypatch, **kw)
    assert want == open(want_p.apply(files, str(tmp_path / "apply.txt"), threads=1), "rb").read()
    got_p, got = _built(tmp_path, files, "held.txt", True, monkeypatch, **kw)
    assert got == want and want.count(b"_") > 50
    assert got_p.wrote_held and not want_p.wrote_held
    assert list(got_p.phrases.items()) == list(want_p.phrases.items())
    assert list(got_p.counts.items()) == list(want_p.counts.items())
    assert got_p.train_words == want_p.train_words


@pytest.mark.parametrize("held", [True, False])
def test_built_table_is_made_when_first_needed(tmp_path, held):
    """build() leaves its records and C table to first use: the length is known
    before, and the table then made is the one the same records make at once, also
    with connector words."""
    text = write(tmp_path, "t.txt", gen_text(3) + b" bank of america of new york\n" * 30)
    conn = () if held else ("of",)
    p = Phrases.build(text, min_count=2, threshold=1.0 if held else 0.3, threads=2,
                      connector_words=conn,
                      scoring="word2phrase" if held else "npmi")
    assert p._recs is None and p._tab is None and len(p) >= 5
    n = len(p)
    now = Phrases(p._records, scoring=p.scoring, threshold=p.threshold,
                  min_count=p.min_count, delimiter=p.delimiter, connector_words=conn,
                  max_token_bytes=p.max_token_bytes, train_words=p.train_words)
    assert len(p) == n == len(now) and p.phrases == now.phrases
    assert list(p.apply(text)) == list(now.apply(text))
    assert held or "bank_of_america" in p.phrases


def test_held_write_errors_reach_the_caller(tmp_path):
    """The output written while the table is built: its error is build()'s, and an
    existing output is left as it was."""
    path = write(tmp_path, "t.txt", gen_text(8))
    with pytest.raises(FileNotFoundError):
        Phrases.build(path, min_count=2, threshold=1.0, output=str(tmp_path / "no" / "o.txt"))
    out = tmp_path / "o.txt"
    out.write_bytes(b"keep")
    with pytest.raises(ValueError, match="delimiter"):
        Phrases.build(path, min_count=2, threshold=1.0, delimiter=" ", output=str(out))
    assert out.read_bytes() == b"keep"
    p = Phrases.build(path, min_count=2, threshold=1.0, output=str(out))
    assert out.read_bytes() == open(p.apply(path, str(tmp_path / "a.txt")), "rb").read()


def test_ids_past_the_memory_share_spill(tmp_path, monkeypatch, caplog):
    """A text with more token ids than the memory share spills them to temporary
    files (removed afterwards) and counts and writes the same table and output, by
    one and two passes, also from compressed text and from standard input."""
    path = write(tmp_path, "t.txt", gen_text(8))
    gz = write(tmp_path, "t.txt.gz", gzip.compress(open(path, "rb").read()))
    want_p, want = _built(tmp_path, path, "a.txt", True, monkeypatch, min_count=2, threshold=1.0)
    want_two = Phrases.build(path, min_count=2, threshold=(2.0, 1.0))
    want_out = open(want_two.apply(path, str(tmp_path / "d.txt")), "rb").read()
    monkeypatch.setattr(phrases_count, "BLOCK_BYTES", 97)
    for threads in (1, 3):
        got, _, _ = held_scores([path], threads, True, "word2phrase", 2, 1.0, memory=1000)
        assert got == held_scores([path], threads, True, "word2phrase", 2, 1.0)[0]
    # more threads than one merge takes runs: the runs still fit
    assert held_scores([path], 300, True, "word2phrase", 2, 1.0)[0] == got
    spill = tmp_path / "spill"
    spill.mkdir()
    monkeypatch.setattr(phrases_count, "memory_ids", lambda: 1000)
    monkeypatch.setattr(tempfile, "tempdir", str(spill))
    caplog.set_level("INFO", logger="word2vec_fast.phrases_count")
    for src in (path, gz):
        got_p, got = _built(tmp_path, src, "b.txt", True, monkeypatch, min_count=2, threshold=1.0)
        assert got == want and got_p.phrases == want_p.phrases and len(want_p) > 0
        assert got_p.wrote_held and want_p.wrote_held
        two, out = _built(tmp_path, src, "c.txt", True, monkeypatch, min_count=2,
                          threshold=(2.0, 1.0))
        assert out == want_out and two.next.phrases == want_two.next.phrases
    monkeypatch.setattr("sys.stdin", open(path))
    got_p, got = _built(tmp_path, "-", "e.txt", True, monkeypatch, min_count=2, threshold=1.0)
    assert got == want and got_p.wrote_held
    assert not list(spill.iterdir()) and caplog.text.count("spilled to disk") == 7


def ref_pruned_counts(sentences, max_size):
    """ReduceVocab after each sentence while words + pairs exceed max_size."""
    uni, pairs, min_reduce = {}, {}, 1
    for s in sentences:
        for k, w in enumerate(s):
            uni[w] = uni.get(w, 0) + 1
            if k:
                pairs[s[k - 1], w] = pairs.get((s[k - 1], w), 0) + 1
        if len(uni) + len(pairs) > max_size:
            uni = {w: c for w, c in uni.items() if c > min_reduce}
            pairs = {p: c for p, c in pairs.items()
                     if c > min_reduce and p[0] in uni and p[1] in uni}
            min_reduce += 1
    return uni, pairs


def test_pruning_matches_reference():
    rng = np.random.default_rng(5)
    sents = [[f"w{int(rng.zipf(1.3)) % 500}" for _ in range(rng.integers(2, 10))]
             for _ in range(800)]
    c = count_sentences(sents, max_token=58, max_size=300, conn=None, cross_lines=False).counter
    assert c.stats["prunes"] > 3
    assert c_counts(c) == ref_pruned_counts(sents, 300)


# -- word2phrase exactness ----------------------------------------------------------------

CASES = [(1, 3, 5.0), (2, 3, 0.5), (3, 5, 20.0), (4, 2, 1.0)]


@pytest.mark.parametrize("seed,min_count,threshold", CASES)
def test_rewrite_matches_python_word2phrase(tmp_path, monkeypatch, seed, min_count, threshold):
    text = gen_text(seed, long_tokens=True)
    path = write(tmp_path, "in.txt", text)
    want = ref_word2phrase(text, min_count, threshold)
    monkeypatch.setattr(phrases_count, "BLOCK_BYTES", 211)  # many blocks
    p = Phrases.build(path, min_count=min_count, threshold=threshold, threads=2)
    out = p.apply(path, str(tmp_path / "out.txt"))
    assert open(out, "rb").read() == want
    assert want.count(b"_") > 0


@needs_word2phrase
@pytest.mark.parametrize("seed,min_count,threshold", CASES[1::2])  # ~5 s each: a 2 GB table
def test_rewrite_matches_word2phrase_binary(tmp_path, seed, min_count, threshold):
    path = write(tmp_path, "in.txt", gen_text(seed, long_tokens=True))
    ref = str(tmp_path / "ref.txt")
    # relative names: word2phrase copies its file names into 60-byte buffers
    subprocess.run([WORD2PHRASE, "-train", "in.txt", "-output", "ref.txt", "-min-count",
                    str(min_count), "-threshold", str(threshold), "-debug", "0"], check=True,
                   stdout=subprocess.DEVNULL, cwd=tmp_path)
    p = Phrases.build(path, min_count=min_count, threshold=threshold, threads=2)
    out = p.apply(path, str(tmp_path / "out.txt"))
    assert open(out, "rb").read() == open(ref, "rb").read()


def _rewritten(files, p, threads):
    out = list(w2v.phrases.PhrasedText(files, p, threads).text_blocks())
    return b"".join(x for x in out if x is not None), out.count(None)


@pytest.mark.parametrize("block", [7, 64, 1 << 22])
def test_parallel_rewrite_is_the_sequential_one(tmp_path, monkeypatch, block):
    """Blocks rewritten on 3 threads, each resynchronised on the previous block's tail
    (or continuing its run when that tail is all phrase words or connectors): the
    single rewriter's output, source ends included, with connector words too."""
    chain = b"new york " * 40 + b"\n" + b"york new " * 30  # every token a phrase word
    files = [write(tmp_path, "a.txt", junk_text(5)), write(tmp_path, "e.txt", b""),
             write(tmp_path, "c.txt", chain + b"new"), write(tmp_path, "g.txt", gen_text(6)),
             write(tmp_path, "s.txt", b"new york  \n\n  ")]
    files = [pathlib.Path(f) for f in files]
    p = Phrases.build(files, min_count=2, threshold=0.5, threads=1)
    assert len(p) > 5 and ("new_york" in p.phrases or "york_new" in p.phrases)
    want = _rewritten(files, p, 1)
    assert want[0].count(b"_") > 50 and want[1] == len(files)
    monkeypatch.setattr(phrases_count, "BLOCK_BYTES", block)
    assert _rewritten(files, p, 3) == want
    assert _rewritten(files, p, 2) == want
    # two passes: the first's output streams into the second's threads
    monkeypatch.setattr(phrases_count, "BLOCK_BYTES", 1 << 22)
    p2 = Phrases.build(files, min_count=2, threshold=(0.5, 0.2), threads=1)
    assert len(p2.passes) == 2 and len(p2.passes[1]) > 0
    want2 = _rewritten(files, p2, 1)
    monkeypatch.setattr(phrases_count, "BLOCK_BYTES", block)
    assert want2[0].count(b"_") > want[0].count(b"_")
    assert _rewritten(files, p2, 3) == want2
    # connector words: a block's rewriter starts at a token that is neither a phrase
    # word nor a connector, so chains of "bank of the america" across blocks join
    # as one rewriter joins them
    conn_text = (b"bank of the america of new york the end\n" * 20
                 + b"bank of of america " * 60 + b"the of\n")
    files.append(pathlib.Path(write(tmp_path, "k.txt", conn_text)))
    monkeypatch.setattr(phrases_count, "BLOCK_BYTES", 1 << 22)
    p3 = Phrases.build(files, min_count=2, threshold=0.1, scoring="npmi",
                       connector_words=("of", "the"), threads=1)
    assert any("_of_" in k for k in p3.phrases)
    want3 = _rewritten(files, p3, 1)
    monkeypatch.setattr(phrases_count, "BLOCK_BYTES", block)
    assert _rewritten(files, p3, 3) == want3 and want3[0].count(b"_of_") > 20


def test_utf8_cut_differs_from_word2phrase(tmp_path):
    # 57 ASCII bytes then 'é' (2 bytes): word2phrase keeps 58 bytes, half the 'é'
    tok = "x" * 57 + "é"
    text = (f"{tok} a b\n" * 3).encode()
    path = write(tmp_path, "u.txt", text)
    out = Phrases.build(path, min_count=1, threshold=1e9).apply(path, str(tmp_path / "o.txt"))
    got = open(out, "rb").read()
    assert got == (" " + "x" * 57 + " a b\n").encode() * 3
    got.decode("utf-8")  # valid UTF-8
    w2p = ref_word2phrase(text, 1, 1e9)
    assert w2p.split(b" ")[1] == tok.encode()[:58]
    with pytest.raises(UnicodeDecodeError):
        w2p.decode("utf-8")


def test_last_word_kept_without_newline(tmp_path):
    # word2phrase drops the last word of a file that does not end with a newline
    path = write(tmp_path, "n.txt", b"a b c\nd e")
    p = Phrases.build(path, min_count=1, threshold=1e9)
    assert open(p.apply(path, str(tmp_path / "o.txt")), "rb").read() == b" a b c\n d e\n"


def test_threads_give_the_same_table(tmp_path, monkeypatch):
    path = write(tmp_path, "t.txt", gen_text(7))
    monkeypatch.setattr(phrases_count, "BLOCK_BYTES", 101)
    tables = [Phrases.build(path, min_count=2, threshold=th, threads=t)
              for th, t in ((2.0, 1), (2.0, 4))]
    assert list(tables[0].phrases.items()) == list(tables[1].phrases.items())
    counts = list(tables[0].counts.values())
    assert counts == sorted(counts, reverse=True) and len(counts) > 3


# -- gensim ---------------------------------------------------------------------------------

def gensim_phrases():
    return pytest.importorskip("gensim.models.phrases")


@pytest.mark.parametrize("conn", [(), ("of", "the")])
def test_npmi_and_connectors_match_gensim(conn):
    gp = gensim_phrases()
    rng = np.random.default_rng(11)
    vocab = [f"w{i}" for i in range(30)] + list(conn)
    planted = [["w1", "w2"], ["w3", "of", "w4"], ["w5", "of", "the", "w6"]]
    sents = []
    for _ in range(700):
        s = []
        for _ in range(rng.integers(1, 12)):
            s += planted[rng.integers(3)] if rng.random() < 0.2 else \
                [vocab[min(int(rng.zipf(1.3)) - 1, len(vocab) - 1)]]
        sents.append(s)
    for thr in (0.1, 0.5):
        g = gp.Phrases(sents, min_count=3, threshold=thr, scoring="npmi", connector_words=conn)
        ours = Phrases.build(sents, min_count=3, threshold=thr, scoring="npmi",
                             connector_words=conn)
        want = g.export_phrases()
        got = ours.phrases
        assert set(got) == set(want) and got
        for k in want:
            assert got[k] == pytest.approx(want[k], rel=1e-12, abs=1e-15)
        frozen = gp.FrozenPhrases(g)
        assert list(ours.apply(sents)) == [frozen[s] for s in sents]


# -- API, files, bad input -------------------------------------------------------------------

def test_iterables_and_text_agree(tmp_path):
    text = gen_text(9, blank=False)
    path = write(tmp_path, "t.txt", text)
    sents = [line.split() for line in text.decode().splitlines()]
    a = Phrases.build(path, min_count=2, threshold=3.0)
    b = Phrases.build(sents, min_count=2, threshold=3.0)
    assert a.phrases == b.phrases and len(a)
    assert list(a.apply(path)) == list(b.apply(sents)) == list(a.apply(sents))
    gz = str(tmp_path / "o.txt.gz")
    a.apply(path, gz)
    assert gzip.open(gz).read() == open(a.apply(path, str(tmp_path / "o.txt")), "rb").read()
    # a directory and several files read as one text
    d = tmp_path / "dir"
    d.mkdir()
    lines = text.splitlines(keepends=True)
    (d / "1.txt").write_bytes(b"".join(lines[:300]))
    (d / "2.txt").write_bytes(b"".join(lines[300:]))
    c = Phrases.build(str(d), min_count=2, threshold=3.0)
    assert list(c.apply(str(d))) == list(a.apply(path))


def test_save_load_round_trip(tmp_path):
    sents = [["new", "york", "of", "city"], ["new", "york"], ["bank", "of", "america"]] * 20
    p = Phrases.build(sents, min_count=2, threshold=-0.5, scoring="npmi",
                      connector_words=["of"], passes=2)
    f = str(tmp_path / "p.txt")
    p.save(f)
    q = Phrases.load(f)
    assert [x.phrases for x in q.passes] == [x.phrases for x in p.passes]
    assert len(q.passes) == 2 and q.connector_words == ("of",)
    assert list(q.apply(sents)) == list(p.apply(sents))
    assert "bank_of_america" in p.phrases


@pytest.mark.parametrize("content,msg", [
    (b"", "empty"),
    (b"hello\n", "line 1"),
    (b"word2vec_fast phrases 1\nscoring nope\n", "line 2"),
    (b"word2vec_fast phrases 1\nscoring npmi\nthreshold nan\n", "line 3"),
    (b"word2vec_fast phrases 1\nscoring npmi\nthreshold 0.5\nmin_count 0\n", "line 4"),
    (b"word2vec_fast phrases 1\nscoring npmi\nthreshold 0.5\nmin_count 2\ndelimiter _\n"
     b"max_token_bytes 58\ntrain_words 10\nconnector_words\nphrases 2\n3 0.5 a b\n", "truncated"),
    (b"word2vec_fast phrases 1\nscoring npmi\nthreshold 0.5\nmin_count 2\ndelimiter _\n"
     b"max_token_bytes 58\ntrain_words 10\nconnector_words\nphrases 1\nx 0.5 a b\n", "line 10"),
    (b"word2vec_fast phrases 1\nscoring npmi\nthreshold 0.5\nmin_count 2\ndelimiter _\n"
     b"max_token_bytes 58\ntrain_words 10\nconnector_words of\nphrases 1\n3 0.5 of b\n",
     "connector"),
])
def test_load_errors_name_the_line(tmp_path, content, msg):
    f = write(tmp_path, "bad.txt", content)
    with pytest.raises(ValueError, match=msg):
        Phrases.load(f)


def test_bad_parameters():
    s = [["a", "b"]]
    for kw, err in [(dict(min_count=0), ValueError), (dict(threshold=-1.0), ValueError),
                    (dict(threshold=float("nan")), ValueError),
                    (dict(scoring="npmi", threshold=1.5), ValueError),
                    (dict(scoring="pmi"), ValueError), (dict(delimiter=" "), ValueError),
                    (dict(delimiter="a\tb"), ValueError), (dict(delimiter=""), ValueError),
                    (dict(connector_words="of"), TypeError),
                    (dict(max_vocab_size=0), ValueError), (dict(passes=0), ValueError),
                    (dict(min_count=2.5), TypeError)]:
        with pytest.raises(err):
            Phrases.build(s, **kw)
    with pytest.raises(TypeError, match="sentence 0"):
        Phrases.build(["a b c"])
    with pytest.raises(TypeError):
        Phrases.build(42)
    with pytest.raises(TypeError, match="one-shot"):  # a second pass would find it empty
        Phrases.build((x for x in s), passes=2)
    with pytest.raises(TypeError, match="one-shot"):
        w2v.train((x for x in s), phrases=True)


def test_odd_bytes_empty_and_huge(tmp_path):
    # NUL bytes and invalid UTF-8 are token bytes, written back as they came
    text = b"a\x00b \xff\xfe c\n" * 4 + b"x" * 200_000 + b" a\x00b\n"
    path = write(tmp_path, "odd.txt", text)
    p = Phrases.build(path, min_count=2, threshold=0.0)
    out = open(p.apply(path, str(tmp_path / "o.txt")), "rb").read()
    assert out.splitlines()[0] == b" a\x00b_\xff\xfe c"
    assert out.splitlines()[-1] == b" " + b"x" * 58 + b" a\x00b"
    empty = write(tmp_path, "e.txt", b"")
    q = Phrases.build(empty)
    assert len(q) == 0 and q.train_words == 0
    assert open(q.apply(empty, str(tmp_path / "e2.txt")), "rb").read() == b""
    assert list(q.apply(empty)) == []


def test_passes_chain_equals_rewriting_twice(tmp_path):
    path = write(tmp_path, "t.txt", gen_text(13, planted=3))
    two = Phrases.build(path, min_count=2, threshold=(4.0, 2.0))
    first = Phrases.build(path, min_count=2, threshold=4.0)
    mid = first.apply(path, str(tmp_path / "mid.txt"))
    second = Phrases.build(mid, min_count=2, threshold=2.0)
    assert two.phrases == first.phrases and two.next.phrases == second.phrases
    assert any(k.count("_") >= 2 for k in second.phrases)
    assert open(two.apply(path, str(tmp_path / "o.txt")), "rb").read() == \
        open(second.apply(mid, str(tmp_path / "o2.txt")), "rb").read()


def test_train_on_phrases_equals_training_on_the_written_text(tmp_path):
    path = write(tmp_path, "t.txt", gen_text(17, n_lines=400))
    p = Phrases.build(path, min_count=2, threshold=3.0)
    written = p.apply(path, str(tmp_path / "o.txt"))
    kw = dict(dim=8, epochs=1, min_count=2, threads=1, seed=3, progress=False)
    a = w2v.train(path, phrases=p, **kw)
    b = w2v.train(written, **kw)
    assert a.words == b.words and any("_" in w for w in a.words)
    np.testing.assert_array_equal(a.vectors, b.vectors)
    c = w2v.train(path, phrases=True, **kw)  # defaults: min_count 5, threshold 100
    assert c.words == w2v.train(Phrases.build(path).apply(path), **kw).words
    with pytest.raises(TypeError, match="encoded"):
        w2v.train(np.zeros(3, np.int32), vocab=a.vocab, phrases=p)
    with pytest.raises(ValueError, match="standard input"):
        w2v.train("-", phrases=True)
    assert os.path.exists(written)


# -- command line ----------------------------------------------------------------------------

def test_cli_dropin_and_python_style(tmp_path, capsys, monkeypatch):
    from word2vec_fast.cli import main
    text = gen_text(21)
    path = write(tmp_path, "in.txt", text)
    want = ref_word2phrase(text, 3, 2.0)
    assert main(["phrases", "-train", path, "-output", str(tmp_path / "a.txt"), "-min-count", "3",
                 "-threshold", "2", "-debug", "0"]) == 0
    assert (tmp_path / "a.txt").read_bytes() == want
    assert main(["phrases", path, "-o", str(tmp_path / "b.txt.gz"), "--min-count", "3",
                 "--threshold", "2", "--save-table", str(tmp_path / "t.txt"), "-q"]) == 0
    assert gzip.open(tmp_path / "b.txt.gz").read() == want
    assert main(["phrases", path, "-o", str(tmp_path / "c.txt"), "--load-table",
                 str(tmp_path / "t.txt"), "-q"]) == 0
    assert (tmp_path / "c.txt").read_bytes() == want
    # two passes as demo-phrases.sh, npmi, standard input and output
    assert main(["phrases", path, "-o", str(tmp_path / "d.txt"), "--threshold", "4", "2",
                 "--min-count", "3", "-q"]) == 0
    two = Phrases.build(path, min_count=3, threshold=(4.0, 2.0))
    assert (tmp_path / "d.txt").read_bytes() == \
        open(two.apply(path, str(tmp_path / "e.txt")), "rb").read()
    monkeypatch.setattr("sys.stdin", open(path))
    capsys.readouterr()
    assert main(["phrases", "-", "-o", str(tmp_path / "f.txt"), "--npmi", "--threshold", "0.3",
                 "-q"]) == 0
    assert (tmp_path / "f.txt").read_bytes() == open(Phrases.build(
        path, scoring="npmi", threshold=0.3).apply(path, str(tmp_path / "g.txt")), "rb").read()
    # errors: exit 2 for usage, 1 for bad values, nothing written
    assert main(["phrases", "-train", path, "-output", str(tmp_path / "x.txt"),
                 "-treshold", "2"]) == 2
    assert main(["phrases", path, "-o", str(tmp_path / "x.txt"), "--npmi",
                 "--threshold", "3"]) == 1
    assert main(["phrases", path, "-o", str(tmp_path / "x.txt"), "--delimiter", " "]) == 1
    assert main(["phrases", str(tmp_path / "missing.txt"), "-o", str(tmp_path / "x.txt")]) == 1
    assert not (tmp_path / "x.txt").exists()
    assert "-threshold" in capsys.readouterr().err


def test_load_survives_damaged_files(tmp_path):
    """A valid table with bytes flipped, cut or inserted: a table or a ValueError."""
    hypothesis = pytest.importorskip("hypothesis")
    st = hypothesis.strategies
    sents = [["new", "york", "of", "city"], ["new", "york"], ["bank", "of", "america"]] * 10
    good = tmp_path / "good.txt"
    Phrases.build(sents, min_count=2, threshold=-0.9, scoring="npmi",
                  connector_words=["of"]).save(good)
    base = good.read_bytes()

    @hypothesis.settings(max_examples=60, deadline=None, database=None)
    @hypothesis.given(st.integers(0, len(base)), st.integers(0, 8), st.binary(max_size=6))
    def check(at, cut, insert):
        f = tmp_path / "bad.txt"
        f.write_bytes(base[:at] + insert + base[at + cut:])
        try:
            p = Phrases.load(f)
        except ValueError:
            return
        assert len(p) == len(p.phrases) and all(p.counts.values())
        list(p.apply(sents))

    check()


def test_long_pairs_not_merged_as_word2phrase_does(tmp_path):
    # "a..a_b..b1" and "a..a_b..b2" (62 bytes) share their first 59 bytes: word2phrase
    # counts them as one pair (2 + 2 >= min_count 3) and joins; each pair alone is rarer
    a, b1, b2 = "a" * 50, "b" * 10 + "1", "b" * 10 + "2"
    text = (f"{a} {b1}\n{a} {b2}\n" * 2 + f"{b1} c\n{b2} c\n").encode()
    path = write(tmp_path, "l.txt", text)
    assert b"_" in ref_word2phrase(text, 3, 0.0)
    p = Phrases.build(path, min_count=3, threshold=0.0)
    assert len(p) == 0
    out = open(p.apply(path, str(tmp_path / "o.txt")), "rb").read()
    assert b"_" not in out and out.split() == text.split()


def test_surrogates_and_pruned_text(tmp_path, monkeypatch):
    # lone surrogates (bytes that were not UTF-8, decoded with surrogateescape) round-trip
    bad = b"\xff\xfe".decode("utf-8", "surrogateescape")
    sents = [[bad, "x", "y"]] * 5
    p = Phrases.build(sents, min_count=2, threshold=0.0)
    assert f"{bad}_x" in p.phrases
    assert list(p.apply(sents)) == [[f"{bad}_x", "y"]] * 5
    p.save(tmp_path / "s.txt")
    assert Phrases.load(tmp_path / "s.txt").phrases == p.phrases
    # max_vocab_size on text in blocks: counts only shrink, the frequent pair survives
    path = write(tmp_path, "t.txt", gen_text(23, vocab=300, n_lines=400))
    monkeypatch.setattr(phrases_count, "BLOCK_BYTES", 500)
    full = Phrases.build(path, min_count=2, threshold=1.0, threads=2)
    small = Phrases.build(path, min_count=2, threshold=1.0, threads=2, max_vocab_size=400)
    top = next(iter(full.counts))
    assert small.counts[top] <= full.counts[top]
    assert all(small.counts[k] <= full.counts.get(k, 0) for k in small.counts)


def test_the_counting_path_is_chosen_in_one_place_and_logged(tmp_path, caplog):
    """Text without connector words or max_vocab_size is counted by token ids, with
    either by text counters, token lists by token lists; the choice is logged."""
    path = write(tmp_path, "t.txt", gen_text(2))
    sents = [line.split() for line in open(path)]
    caplog.set_level("DEBUG", logger="word2vec_fast.phrases_count")
    for corpus, kw, want in ((path, {}, "token ids"),
                             (path, dict(connector_words=("w1",)), "text counters"),
                             (path, dict(max_vocab_size=10_000), "text counters"),
                             (sents, {}, "token lists")):
        caplog.clear()
        Phrases.build(corpus, min_count=2, threshold=1.0, **kw)
        assert f"phrases: counting by {want}" in caplog.text, (kw, caplog.text)
