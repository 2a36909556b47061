"""Callbacks, checkpoints (save_model / load_model), resume and continued training."""
import json
import os
import zipfile

import numpy as np
import pytest

import word2vec_fast as w2v
from word2vec_fast.tables import huffman_any_order
from word2vec_fast import _kernels

from conftest import planted_corpus

SENTS = planted_corpus(n_sentences=500)
N = sum(map(len, SENTS))
KW = dict(min_count=1, dim=12, window=3, threads=1, seed=7, epochs=3, progress=False)


# -- callbacks ------------------------------------------------------------------------

def test_callbacks_see_every_epoch_and_may_add_to_the_record():
    seen = []

    def cb(model, rec):
        seen.append((rec["epoch"], rec["complete"], model.schedule["epochs_done"]))
        rec["mine"] = rec["epoch"] * 10

    m = w2v.train(SENTS, callbacks=[cb], **KW)
    assert seen == [(1, True, 1), (2, True, 2), (3, True, 3)]
    assert [r["mine"] for r in m.history] == [10, 20, 30]


@pytest.mark.parametrize("how", ["false", "raise"])
def test_callback_stops_training_early(how):
    def cb(model, rec):
        if rec["epoch"] == 2:
            if how == "raise":
                raise w2v.StopTraining("enough")
            return False
        return None

    m = w2v.train(SENTS, callbacks=[cb], **KW)
    assert len(m.history) == 2 and m.schedule["epochs_done"] == 2
    assert m.stats["stopped_early"] and not m.stats["interrupted"]
    assert m.stats["epoch_raw_words"] == [N, N, 0]


def test_every_words_progress_calls_and_mid_epoch_stop():
    calls = []

    class Watch:
        every_words = 500

        def __call__(self, model, rec):
            calls.append(rec)
            if rec["kind"] == "progress" and rec["epoch"] >= 2:
                return False  # cut the running epoch short
            return None

    # a corpus long enough for the watcher (polled 10 times a second) to see it
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 50, 400_000).astype(np.int32)
    vocab = w2v.Vocab([f"w{i}" for i in range(50)], np.sort(np.bincount(ids, minlength=50))[::-1])
    m = w2v.train((ids, np.array([0, len(ids)])), vocab=vocab, dim=32, epochs=30, threads=1,
                  sample=0, progress=False, callbacks=[Watch()])
    kinds = [c["kind"] for c in calls]
    assert "progress" in kinds
    prog = [c for c in calls if c["kind"] == "progress"]
    assert all(c["words_done"] >= 500 and c["pairs"] >= 0 for c in prog)
    stop = prog[-1]["epoch"]
    assert stop >= 2 and all(c["epoch"] < stop for c in prog[:-1] if c["epoch"] >= 2) is True
    assert [r["complete"] for r in m.history] == [True] * (stop - 1) + [False]
    assert m.history[-1]["epoch"] == stop and m.schedule["epochs_done"] == stop - 1
    assert 0 < m.history[-1]["raw_words"] < len(ids)
    assert np.isfinite(m.vectors).all()


def test_bad_callbacks():
    with pytest.raises(TypeError, match="callable"):
        w2v.train(SENTS, callbacks=[42], **KW)

    class Bad:
        every_words = 0

        def __call__(self, m, r):
            pass

    with pytest.raises(ValueError, match="every_words"):
        w2v.train(SENTS, callbacks=[Bad()], **KW)
    with pytest.raises(ValueError, match="analogies"):
        w2v.EvaluateCallback()
    with pytest.raises(FileNotFoundError, match="nope"):
        w2v.EvaluateCallback(analogies="nope.txt")
    with pytest.raises((KeyError, IndexError, ValueError)):
        w2v.CheckpointCallback("x-{nothing}.npz")


def test_evaluate_callback(tmp_path):
    # planted groups: analogies inside a group are meaningless, but similarity of
    # group mates vs strangers is a clean word-pair benchmark
    pairs = tmp_path / "pairs.tsv"
    lines = [f"g{g}w0\tg{g}w{i}\t9.0" for g in range(8) for i in range(1, 4)]
    lines += [f"g{g}w0\tg{(g + 1) % 8}w{i}\t1.0" for g in range(8) for i in range(1, 4)]
    pairs.write_text("\n".join(lines) + "\n")
    q = tmp_path / "q.txt"
    q.write_text(": group\ng0w0 g0w1 g1w0 g1w1\ng2w0 g2w1 g3w0 g3w1\n")
    cb = w2v.EvaluateCallback(analogies=q, word_pairs=pairs, every=2)
    m = w2v.train(SENTS, callbacks=[cb], **KW)
    # epochs 2 and 3 (the last one) are evaluated, epoch 1 is not
    assert "word_pairs_spearman" not in m.history[0]
    for r in m.history[1:]:
        assert r["word_pairs_oov_ratio"] == 0 and 0.0 <= r["analogy_accuracy"] <= 1.0
    # the last record holds what evaluating the final vectors gives
    last = m.history[-1]
    direct = w2v.evaluate_word_pairs(m.wv, pairs)
    assert last["word_pairs_spearman"] == direct.spearman > 0
    assert last["word_pairs_pearson"] == direct.pearson
    assert last["analogy_accuracy"] == w2v.evaluate_analogies(m.wv, q).accuracy
    assert m.history[1]["word_pairs_pearson"] != last["word_pairs_pearson"]


def test_checkpoint_callback_files(tmp_path):
    cb = w2v.CheckpointCallback(tmp_path / "ck-{run}-{epoch:02d}.npz", every=2)
    m = w2v.train(SENTS, callbacks=[cb], **KW)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ck-0-02.npz", "ck-0-03.npz"]
    last = w2v.load_model(tmp_path / "ck-0-03.npz")
    assert last.vectors.tobytes() == m.vectors.tobytes()
    assert last.history[-1]["checkpoint"] == str(tmp_path / "ck-0-03.npz")


# -- save / load -------------------------------------------------------------------------

@pytest.mark.parametrize("kw", [dict(), dict(hs=True, negative=0), dict(hs=True, negative=3)],
                         ids=["ns", "hs", "hs+ns"])
def test_save_load_round_trip(tmp_path, kw):
    sents = SENTS + [["ü\udcff", "b c"], ["ü\udcff"]]  # odd words survive
    m = w2v.train(sents, **dict(KW, **kw))
    path = tmp_path / "m.npz"
    m.save_model(path)
    r = w2v.load_model(path)
    assert r.words == m.words and np.array_equal(r.vocab.counts, m.vocab.counts)
    for a in ("vectors", "syn1neg", "syn1"):
        x, y = getattr(m, a), getattr(r, a)
        assert (x is None and y is None) or x.tobytes() == y.tobytes()
    assert r.params == m.params and r.schedule == m.schedule and r.history == m.history
    for a in ("alias_prob", "alias_idx", "code_offsets", "codes", "points"):
        x, y = getattr(m.tables, a), getattr(r.tables, a)
        assert (x is None and y is None) or np.array_equal(x, y)
    with zipfile.ZipFile(path) as z:  # plain .npy members, nothing pickled
        assert all(n.endswith(".npy") for n in z.namelist())
    assert not [q for q in os.listdir(tmp_path) if ".tmp" in q]


def test_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    m = w2v.train(SENTS, **KW)
    path = tmp_path / "m.npz"
    m.save_model(path)
    before = path.read_bytes()

    def boom(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(np, "savez", boom)
    with pytest.raises(OSError, match="disk full"):
        m.save_model(path)
    assert path.read_bytes() == before and not [q for q in os.listdir(tmp_path) if ".tmp" in q]


def test_load_model_rejects_bad_files(tmp_path):
    m = w2v.train(SENTS, **KW)
    good = tmp_path / "good.npz"
    m.save_model(good)
    data = good.read_bytes()

    def bad(name, content, match):
        p = tmp_path / name
        p.write_bytes(content)
        with pytest.raises(ValueError, match=match) as e:
            w2v.load_model(p)
        assert name in str(e.value)

    bad("trunc.npz", data[: len(data) // 2], "damaged or truncated")
    bad("empty.npz", b"", "not an .npz")
    bad("png.npz", b"\x89PNG\r\n\x1a\n" + bytes(100), "not an .npz")
    flipped = bytearray(data)
    flipped[len(data) // 2] ^= 0xFF  # inside the vectors: the member CRC catches it
    bad("flipped.npz", bytes(flipped), "damaged|truncated|CRC|usable")
    # word2vec vectors cannot be trained further: say so
    vec = tmp_path / "vectors.bin"
    m.save(vec)
    with pytest.raises(ValueError, match="output weights.*word2vec_fast.load"):
        w2v.load_model(vec)
    m.save(tmp_path / "vectors.txt", binary=False)
    with pytest.raises(ValueError, match="output weights"):
        w2v.load_model(tmp_path / "vectors.txt")

    def rewrite(name, **change):
        with np.load(good) as z:
            arrays = {k: z[k] for k in z.files}
        arrays.update(change)
        p = tmp_path / name
        with open(p, "wb") as f:
            np.savez(f, **{k: v for k, v in arrays.items() if v is not None})
        return p

    cases = [
        (dict(vectors=np.zeros((3, 12), np.float32)), "do not agree"),
        (dict(vectors=m.vectors.astype(np.float64)), "float32"),
        (dict(syn1neg=None), "syn1neg is missing"),
        (dict(syn1neg=np.zeros((2, 2), np.float32)), "syn1neg has shape"),
        (dict(vectors=np.full_like(m.vectors, np.nan)), "NaN"),
        (dict(word_ends=np.arange(len(m.words), dtype=np.int64)), "word offsets"),
        (dict(header=np.frombuffer(b"{not json", np.uint8)), "bad header"),
        (dict(header=np.frombuffer(json.dumps({"format": "x"}).encode(), np.uint8)),
         "wrong format"),
        (dict(counts=None), "missing arrays"),
        (dict(words=np.array([object()], dtype=object)), "usable"),  # pickled: refused
    ]
    for i, (change, match) in enumerate(cases):
        p = rewrite(f"case{i}.npz", **change)
        with pytest.raises(ValueError, match=match):
            w2v.load_model(p)


# -- resume == uninterrupted, bit for bit -----------------------------------------------

@pytest.mark.parametrize("kw", [dict(), dict(batch=False), dict(sg=False),
                                dict(sg=True, hs=True, negative=0),
                                dict(sg=False, hs=True, negative=2, batch=False)],
                         ids=["sg-ns-batched", "sg-ns-classic", "cbow-ns", "sg-hs", "cbow-hs+ns"])
def test_resume_is_bit_for_bit(tmp_path, kw):
    kw = dict(KW, epochs=4, **kw)
    full = w2v.train(SENTS, **kw)
    # stop after epoch 2, save, load in a "new process", finish the schedule
    stopped = w2v.train(SENTS, callbacks=[
        w2v.CheckpointCallback(tmp_path / "ck{epoch}.npz"), lambda m, r: r["epoch"] < 2], **kw)
    assert stopped.schedule["epochs_done"] == 2
    resumed = w2v.load_model(tmp_path / "ck2.npz")
    resumed.resume(SENTS, threads=1, progress=False)
    assert resumed.schedule["epochs_done"] == 4
    for a in ("vectors", "syn1neg", "syn1"):
        x, y = getattr(full, a), getattr(resumed, a)
        assert (x is None and y is None) or x.tobytes() == y.tobytes()
    strip = [{k: v for k, v in r.items() if k not in ("seconds", "words_per_sec", "checkpoint")}
             for r in resumed.history]
    assert strip == [{k: v for k, v in r.items() if k not in ("seconds", "words_per_sec")}
                     for r in full.history]
    # a finished schedule has nothing left to do
    again = resumed.vectors.copy()
    resumed.resume(SENTS, threads=1, progress=False)
    assert resumed.vectors.tobytes() == again.tobytes()


def test_resume_checks_the_corpus(tmp_path):
    m = w2v.train(SENTS, callbacks=[lambda m, r: False], **KW)
    m.save_model(tmp_path / "m.npz")
    r = w2v.load_model(tmp_path / "m.npz")
    with pytest.raises(ValueError, match="not the corpus"):
        r.resume(SENTS[:-1], threads=1, progress=False)
    other = [list(reversed(s)) for s in SENTS]
    with pytest.raises(ValueError, match="not the corpus"):
        r.resume(other, threads=1, progress=False)


# -- continued training -------------------------------------------------------------------

def test_huffman_for_counts_in_any_order():
    counts = np.array([5, 9, 1, 9, 3, 7], dtype=np.int64)
    offs, codes, points = huffman_any_order(counts)
    order = np.argsort(-counts, kind="stable")
    so, sc, sp = _kernels.build_huffman(counts[order])
    for rank, w in enumerate(order):
        assert codes[offs[w]:offs[w + 1]].tolist() == sc[so[rank]:so[rank + 1]].tolist()
        assert points[offs[w]:offs[w + 1]].tolist() == sp[so[rank]:so[rank + 1]].tolist()


@pytest.mark.parametrize("kw", [dict(), dict(hs=True, negative=0)], ids=["ns", "hs"])
def test_train_more_extends_the_vocabulary(tmp_path, kw):
    m = w2v.train(SENTS, **dict(KW, **kw))
    m.save_model(tmp_path / "m.npz")
    m = w2v.load_model(tmp_path / "m.npz")
    old_words, old_counts = list(m.words), m.vocab.counts.copy()
    old_vectors = m.vectors.copy()
    new = [["new1", "new2", "g0w1", "new1"]] * 30 + [["rare", "g1w1"]]
    m.train_more(new, epochs=2, alpha=0.01, min_count=2, threads=1, progress=False)
    assert m.words[:len(old_words)] == old_words
    assert m.words[len(old_words):] == ["new1", "new2"]  # 'rare' is below min_count
    assert m.vocab.counts[m.vocab["g0w1"]] == old_counts[old_words.index("g0w1")] + 30
    assert m.vocab.counts[m.vocab["new1"]] == 60
    v = len(m.words)
    assert m.vectors.shape == (v, 12)
    assert (m.syn1neg is None or m.syn1neg.shape == (v, 12))
    assert (m.syn1 is None or m.syn1.shape == (v - 1, 12))
    # words the new text does not contain keep their rows; new words were trained
    untouched = m.vocab["g5w5"]
    assert m.vectors[untouched].tobytes() == old_vectors[untouched].tobytes()
    assert np.abs(m.vectors[m.vocab["new1"]]).max() > 0.5 / 12
    assert m.schedule["run"] == 1 and m.schedule["epochs_done"] == 2
    assert [(r["run"], r["epoch"]) for r in m.history[-2:]] == [(1, 1), (1, 2)]
    assert m.history[-1]["alpha"] < 0.01
    # and the result is a model like any other
    m.save_model(tmp_path / "m2.npz")
    assert w2v.load_model(tmp_path / "m2.npz").words == m.words


def test_train_more_without_vocab_update_and_on_vectors_only(tmp_path):
    m = w2v.train(SENTS, **KW)
    n = len(m.words)
    m.train_more([["g0w1", "unknown", "g0w2"]] * 20, update_vocab=False, epochs=1, threads=1,
                 progress=False)
    assert len(m.words) == n
    with pytest.raises(ValueError, match="no tokens"):
        m.train_more([["unknown"]], update_vocab=False, threads=1, progress=False)
    vec = w2v.Model(m.vocab, m.vectors, None, None, dict(m.params, negative=0, hs=False))
    with pytest.raises(ValueError, match="output weights"):
        vec.train_more(SENTS, threads=1, progress=False)


def test_epoch_by_epoch_equals_one_engine_call():
    # train() runs the schedule one epoch at a time; the learning rate must carry on
    # exactly as in a single engine call over all epochs
    from word2vec_fast.model import Model
    from word2vec_fast.runner import chunk_tokens_for
    m = w2v.train(SENTS, **KW)
    p = m.params
    one = Model.create(m.vocab, **{k: p[k] for k in (
        "dim", "window", "negative", "hs", "sg", "cbow_mean", "sample", "alpha", "min_alpha",
        "epochs", "seed", "min_count", "batch")})
    enc = w2v.encode(SENTS, m.vocab)
    keep = m.vocab.keep_probabilities(p["sample"])
    engine = _kernels.Engine(
        ids=enc.ids, offsets=enc.offsets,
        keep_thr=np.minimum(np.floor(keep * (1 << 24)), 1 << 24).astype(np.uint32),
        alias_prob=one.tables.alias_prob, alias_idx=one.tables.alias_idx, code_offsets=None,
        codes=None,
        points=None, w_in=one.vectors, w_out_ns=one.syn1neg, w_out_hs=None,
        window=p["window"], negative=p["negative"], hs=False, sg=True, cbow_mean=True,
        epochs=3, first_epoch=0, alpha0=p["alpha"], alpha_end=0.0,
        alpha_floor=p["alpha"] * 1e-4, seed=p["seed"], chunk_tokens=chunk_tokens_for(len(enc)),
        threads=1, batch=p["batch"])
    assert engine.run_worker(0) == 0
    assert one.vectors.tobytes() == m.vectors.tobytes()
    assert engine.epoch_loss[0].tolist() == [r["loss"] for r in m.history]
    assert engine.words_done == 3 * N == m.schedule["words_done"]


def _rewrite_member(src, dst, name, blob):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, blob if info.filename == name else zin.read(info))


@pytest.mark.parametrize("header", [
    b"{'descr': '<f4', 'fortran_order': False, 'shape': (1000000, 1000000), }",  # ~4 TB
    b"{'descr': '<f4', 'fortran_order': False, 'shape': (3, (",  # not a Python literal
    b"{'descr': '<f4', 'fortran_order': False, 'shape': ( False,  44, 4), }",  # a bool
    b"{'descr': '<f4', 'fortran_order': False,B'shape': (3, 4), }",  # a bytes key
])
def test_load_model_rejects_lying_npy_headers(tmp_path, header):
    # found by tests/fuzz/fuzz_loaders.py: MemoryError / tokenize.TokenError / TypeError escaped
    m = w2v.train(SENTS, **dict(KW, epochs=1))
    m.save_model(tmp_path / "m.npz")
    head = header.ljust(117) + b"\n"
    blob = b"\x93NUMPY\x01\x00" + len(head).to_bytes(2, "little") + head + bytes(64)
    _rewrite_member(tmp_path / "m.npz", tmp_path / "bad.npz", "vectors.npy", blob)
    with pytest.raises(ValueError, match="bad.npz"):
        w2v.load_model(tmp_path / "bad.npz")


@pytest.mark.parametrize("flag_offsets,value", [
    ((8, 10), 99),  # an unknown compression method: zipfile's NotImplementedError
    ((6, 8), 1),  # encrypted members: zipfile's RuntimeError
])
def test_load_model_rejects_unreadable_zip_members(tmp_path, flag_offsets, value):
    m = w2v.train(SENTS, **dict(KW, epochs=1))
    m.save_model(tmp_path / "m.npz")
    data = bytearray((tmp_path / "m.npz").read_bytes())
    for sig, off in zip((b"PK\x03\x04", b"PK\x01\x02"), flag_offsets):  # local, central
        i = data.find(sig)
        while i >= 0:
            data[i + off:i + off + 2] = value.to_bytes(2, "little")
            i = data.find(sig, i + 4)
    (tmp_path / "bad.npz").write_bytes(bytes(data))
    with pytest.raises(ValueError, match="bad.npz: .*damaged or truncated"):
        w2v.load_model(tmp_path / "bad.npz")
