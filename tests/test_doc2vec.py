"""Paragraph vectors: the kernels against the NumPy reference, inference, the
document corpora (files and iterables, tags), the model and its files."""
import gzip
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import reference as ref
from conftest import SIGINT_CHILD
from test_engine import _tiny_corpus
from test_interrupt import _interrupt, _wait_for
from word2vec_fast import _kernels, doc2vec
from word2vec_fast.doc2vec import DBOW, DM, Doc2Vec, DocVectors, TaggedDocument, read_documents
from word2vec_fast.errors import StopTraining
from word2vec_fast.model import Model
from word2vec_fast.runner import dbow_group, keep_thresholds

# -- the update rules against the reference ------------------------------------------


def _tiny_docs(seed):
    return _tiny_corpus(seed, lengths=(40, 0, 300, 1, 7, 0, 120, 60))


# documents' tags: one each; none, two or three (a row shared by several documents)
TAGGINGS = {
    "one": (np.arange(9, dtype=np.int64), np.arange(8, dtype=np.int32), 8),
    "several": (np.array([0, 2, 2, 3, 6, 7, 8, 8, 9], dtype=np.int64),
                np.array([0, 1, 2, 3, 4, 5, 1, 3, 0], dtype=np.int32), 6),
}

CASES = [dict(hs=hs, negative=neg) for hs, neg in ((False, 3), (True, 0), (True, 2))]


def _run_both(case, doc_mode, batch, tagging, dim=13, chunk=97, epochs=2, dbow_words=False,
              cbow_mean=True, threads=1, alpha=0.05, dbow_group=0):
    ids, offsets, vocab = _tiny_docs(1)
    doc_offsets, doc_rows, n_rows = TAGGINGS[tagging]
    window, seed = 3, 7
    sg = doc_mode == DBOW
    model = Model.create(vocab, dim=dim, window=window, negative=case["negative"], hs=case["hs"],
                         sg=sg, cbow_mean=cbow_mean, sample=0.02, alpha=alpha, min_alpha=None,
                         epochs=epochs, seed=seed, min_count=1)
    rng = np.random.default_rng(3)
    for w in (model.syn1neg, model.syn1):
        if w is not None:
            w[:] = (rng.random(w.shape, dtype=np.float32) - 0.5) * 0.5
    w_doc = ((rng.random((n_rows, dim), dtype=np.float32) - 0.5) / dim).astype(np.float32)
    keep_thr = keep_thresholds(vocab, 0.02)
    W_in, W_doc = model.vectors.copy(), w_doc.copy()
    W_ns = None if model.syn1neg is None else model.syn1neg.copy()
    W_hs = None if model.syn1 is None else model.syn1.copy()
    alpha0 = float(np.float32(alpha))
    engine = _kernels.Engine(
        ids=ids, offsets=offsets, keep_thr=keep_thr, **model.tables.engine_args(),
        w_in=model.vectors, w_out_ns=model.syn1neg, w_out_hs=model.syn1, window=window,
        negative=case["negative"], hs=case["hs"], sg=sg, cbow_mean=cbow_mean, epochs=epochs,
        first_epoch=0, alpha0=alpha0, alpha_end=0.0, alpha_floor=alpha0 * 1e-4, seed=seed,
        chunk_tokens=chunk, threads=threads, batch=batch, doc_mode=doc_mode,
        dbow_words=dbow_words, dbow_group=dbow_group, w_doc=w_doc, doc_offsets=doc_offsets,
        doc_rows=doc_rows)
    p = dict(case, sg=sg, cbow_mean=cbow_mean, batch=batch, window=window, epochs=epochs,
             seed=seed, chunk_tokens=chunk, alpha0=alpha0, alpha_end=0.0,
             alpha_floor=alpha0 * 1e-4, keep_thr=keep_thr, alias_prob=model.tables.alias_prob,
             alias_idx=model.tables.alias_idx, code_offsets=model.tables.code_offsets,
             codes=model.tables.codes, points=model.tables.points, doc_mode=doc_mode,
             dbow_words=dbow_words, dbow_group=dbow_group, W_doc=W_doc,
             doc_offsets=doc_offsets, doc_rows=doc_rows)
    return engine, model, w_doc, (ids, offsets, p, W_in, W_ns, W_hs, W_doc)


def _check(case, doc_mode, batch, tagging, **kw):
    engine, model, w_doc, (ids, offsets, p, W_in, W_ns, W_hs, W_doc) = _run_both(
        case, doc_mode, batch, tagging, **kw)
    start = w_doc.copy()
    assert engine.run_worker(0) == 0
    stats = {}
    raw = ref.train_reference(ids, offsets, p, W_in, W_ns, W_hs, stats=stats)
    assert engine.epoch_raw[0].tolist() == raw == [len(ids)] * p["epochs"]
    assert engine.epoch_pairs[0].tolist() == stats["pairs"]
    np.testing.assert_allclose(engine.epoch_loss[0], stats["loss"], rtol=2e-6)
    np.testing.assert_allclose(w_doc, W_doc, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.vectors, W_in, rtol=1e-5, atol=1e-6)
    for a, b in ((model.syn1neg, W_ns), (model.syn1, W_hs)):
        if a is not None:
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    # the rows of the tags of documents with words have moved well beyond rounding,
    # the others not at all
    lengths = np.diff(offsets)
    live = {int(r) for d in range(len(lengths)) if lengths[d] > 1
            for r in p["doc_rows"][p["doc_offsets"][d]:p["doc_offsets"][d + 1]]}
    moved = np.abs(w_doc - start).max(axis=1)
    assert all(moved[r] > 1e-4 for r in live)
    assert all(moved[r] == 0 for r in set(range(len(w_doc))) - live
               - {int(r) for r in p["doc_rows"]})
    return engine, model


@pytest.mark.parametrize("case", CASES, ids=["ns", "hs", "hs+ns"])
@pytest.mark.parametrize("batch,group", [(1, 0), (4, 0), (8, 1), (8, 3), (12, 4)],
                         ids=["batch1", "batch4", "own8", "groups3of8", "groups4of12"])
@pytest.mark.parametrize("tagging", sorted(TAGGINGS))
@pytest.mark.parametrize("dbow_words", [False, True], ids=["docs", "words"])
def test_dbow_matches_reference(case, batch, group, tagging, dbow_words):
    # own8: blocks of up to 8 words, each with its own negatives; groupsGofB: blocks
    # of up to B words, each G consecutive words one draw (batch=True's PV-DBOW)
    _, model = _check(case, DBOW, batch, tagging, dbow_words=dbow_words, dbow_group=group)
    fresh = Model.create(model.vocab, dim=13, window=3, negative=case["negative"],
                         hs=case["hs"], sg=True, cbow_mean=True, sample=0.02, alpha=0.05,
                         min_alpha=None, epochs=2, seed=7, min_count=1)
    # words are trained only with dbow_words
    assert np.array_equal(model.vectors, fresh.vectors) != dbow_words


@pytest.mark.parametrize("case", CASES, ids=["ns", "hs", "hs+ns"])
@pytest.mark.parametrize("batch", [1, 4])
@pytest.mark.parametrize("tagging", sorted(TAGGINGS))
@pytest.mark.parametrize("cbow_mean", [True, False], ids=["mean", "sum"])
def test_dm_matches_reference(case, batch, tagging, cbow_mean):
    _check(case, DM, batch, tagging, cbow_mean=cbow_mean,
           alpha=0.05 if cbow_mean else 0.01)


def test_every_simd_build_matches_reference(simd_build):
    _check(CASES[2], DBOW, 4, "several", dbow_words=True)
    _check(CASES[0], DBOW, 8, "several", dbow_words=True, dbow_group=1)
    _check(CASES[0], DBOW, 12, "several", dbow_group=4)
    _check(CASES[0], DM, 4, "several")


def test_engine_checks_document_arrays():
    engine, *_ = _run_both(CASES[0], DBOW, 1, "one")
    ids, offsets, vocab = _tiny_docs(1)
    kw = dict(ids=ids, offsets=offsets, keep_thr=np.full(len(vocab), 1 << 24, np.uint32),
              alias_prob=np.full(25, 1 << 32, np.uint64), alias_idx=np.arange(25, dtype=np.int32),
              code_offsets=None, codes=None, points=None, w_in=np.zeros((25, 4), np.float32),
              w_out_ns=np.zeros((25, 4), np.float32), w_out_hs=None, window=2, negative=2,
              hs=False, sg=True, cbow_mean=True, epochs=1, first_epoch=0, alpha0=0.01,
              alpha_end=0.0, alpha_floor=0.0, seed=1, chunk_tokens=10, threads=1, batch=1,
              doc_mode=DBOW, w_doc=np.zeros((3, 4), np.float32),
              doc_offsets=np.arange(9, dtype=np.int64), doc_rows=np.zeros(8, np.int32))
    _kernels.Engine(**kw)
    for change, match in ((dict(doc_rows=np.full(8, 3, np.int32)), "doc_rows"),
                          (dict(doc_offsets=np.arange(8, dtype=np.int64)), "doc_offsets"),
                          (dict(w_doc=np.zeros((3, 5), np.float32)), "columns"),
                          (dict(sg=False), "sg=True"), (dict(batch=0), "batched"),
                          (dict(doc_mode=3), "doc_mode")):
        with pytest.raises(ValueError, match=match):
            _kernels.Engine(**dict(kw, **change))


# -- inference -------------------------------------------------------------------------


def _against(h, out, label, hs, alpha, neu1e):
    """neu1e += one output row's gradient (word2vec.c's clamping); the row is only read."""
    f = np.float32(np.dot(h, out))
    label = np.float32(label)
    if hs:
        if not -ref.MAX_EXP < f < ref.MAX_EXP:
            return
        g = (label - ref.sigmoid(f)) * alpha
    elif f > ref.MAX_EXP:
        g = (label - np.float32(1.0)) * alpha
    elif f < -ref.MAX_EXP:
        g = label * alpha
    else:
        g = (label - ref.sigmoid(f)) * alpha
    neu1e += np.float32(g) * out


def _infer_reference(model, doc_ids, epochs, alpha0, alpha1):
    """w2v_doc_infer in NumPy: a new row trained against the frozen model."""
    p, dim = model.params, model.params["dim"]
    t = model.tables
    key = ref.seed_key(p["seed"])
    h = (0xCBF29CE484222325 ^ key) & ref.MASK
    for i in doc_ids:
        h = ((h ^ int(i)) * 0x100000001B3) & ref.MASK
    key = ref.mix64(h ^ len(doc_ids))
    rng = ref.Rng(key)
    vec = np.array([(np.float32(rng.next() >> 40) / np.float32(16777216.0) - np.float32(0.5))
                    / np.float32(dim) for _ in range(dim)], dtype=np.float32)
    keep_thr = keep_thresholds(model.vocab, p["sample"])
    for e in range(epochs):
        skey = ref.mix64(key ^ ((0x3C6EF372FE94F82B + e * ref.GOLDEN) & ref.MASK))
        alpha = np.float32(alpha0) - (np.float32(alpha0) - np.float32(alpha1)) * \
            np.float32(e) / np.float32(epochs - 1) if epochs > 1 else np.float32(alpha0)
        rng = ref.Rng(ref.mix64((key + e * ref.GOLDEN) & ref.MASK))
        # the negatives' stream is the seed's, the same for every document
        nkey = ref.mix64(ref.seed_key(p["seed"]) ^ 0x9E6A7E1F0D0C5EED)
        nrng = ref.Rng(ref.mix64((nkey + e * ref.GOLDEN) & ref.MASK))
        kept = [w for i, w in enumerate(doc_ids) if ref.keep_token(skey, i, keep_thr[w])]
        # PV-DBOW with negative sampling only: blocks of the model's batch of words, each
        # from one snapshot of the vector, each word its own negatives; otherwise word
        # by word
        bmax = p["batch"] if p["doc_mode"] == DBOW and not p["hs"] else 1
        draws = []  # the pass's random numbers first, word by word
        for _ in kept:
            win = p["window"] - ref.bounded(rng.next(), p["window"]) if p["doc_mode"] == DM \
                else None
            negs = []
            for _ in range(p["negative"]):
                r = nrng.next()
                i = ref.bounded(r, len(model.vocab))
                negs.append(i if (r & 0xFFFFFFFF) < int(t.alias_prob[i]) else int(t.alias_idx[i]))
            draws.append((win, negs))
        j = 0
        while j < len(kept):
            neu1e = np.zeros(dim, dtype=np.float32)
            for jj in range(j, min(j + bmax, len(kept))):
                w, (reduced, negs) = kept[jj], draws[jj]
                if p["doc_mode"] == DM:
                    ctx = [kept[c] for c in range(max(0, jj - reduced),
                                                  min(len(kept) - 1, jj + reduced) + 1)
                           if c != jj]
                    h1 = vec.copy()
                    for c in ctx:
                        h1 += model.vectors[c]
                    if p["cbow_mean"]:
                        h1 *= np.float32(1.0) / np.float32(len(ctx) + 1)
                else:
                    h1 = vec
                if p["hs"]:
                    for c in range(t.code_offsets[w], t.code_offsets[w + 1]):
                        _against(h1, model.syn1[t.points[c]], 1.0 - float(t.codes[c]), True,
                                 alpha, neu1e)
                if p["negative"]:
                    _against(h1, model.syn1neg[w], 1.0, False, alpha, neu1e)
                    for neg in negs:
                        if neg != w:
                            _against(h1, model.syn1neg[neg], 0.0, False, alpha, neu1e)
            vec += neu1e
            j += bmax
    return vec


@pytest.fixture(scope="module")
def planted():
    """Documents of 6 topics, each topic its own 12 words plus shared filler words."""
    rng = np.random.default_rng(5)
    topics = [[f"t{k}w{i}" for i in range(12)] for k in range(6)]
    filler = [f"f{i}" for i in range(30)]
    docs, labels = [], []
    for d in range(240):
        k = d % 6
        n = int(rng.integers(20, 60))
        docs.append([topics[k][i % 12] if rng.random() < 0.6 else filler[i]
                     for i in rng.integers(0, 30, size=n)])
        labels.append(k)
    return docs, labels


@pytest.mark.parametrize("dm,hs,neg,batch", [(False, False, 5, True), (False, False, 3, 4),
                                             (False, True, 0, True), (False, True, 3, True),
                                             (True, False, 5, True), (True, True, 2, True)])
@pytest.mark.parametrize("dim", [11, 61])
def test_infer_matches_reference(planted, dm, hs, neg, batch, dim):
    # PV-DBOW infers in blocks of its training batch of words (6 by default), each
    # word its own negatives, each block from one snapshot of the vector
    docs, _ = planted
    model = doc2vec.train(docs[:60], dm=dm, hs=hs, negative=neg, dim=dim, epochs=2,
                          min_count=1, threads=1, sample=0.01, window=3, batch=batch)
    idx = model.vocab.index
    for doc in (docs[100], docs[101][:3], ["t0w1"]):
        ids = [idx[w] for w in doc]
        got = model.infer_vector(doc, epochs=3, alpha=0.03, min_alpha=0.001)
        want = _infer_reference(model, ids, 3, 0.03, 0.001)
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)


def test_inference_is_deterministic(planted):
    docs, _ = planted
    model = doc2vec.train(docs, dim=16, epochs=3, min_count=1, threads=2)
    before = [r.copy() for r in (model.vectors, model.syn1neg, model.doc_vectors)]
    many = model.infer_vectors(docs[:50], threads=3)
    assert many.shape == (50, 16) and many.dtype == np.float32
    rev = model.infer_vectors(docs[:50][::-1], threads=1)
    assert np.array_equal(many, rev[::-1])
    assert np.array_equal(many[7], model.infer_vector(docs[7]))
    assert np.array_equal(model.infer_vectors([docs[3]] * 600, threads=2),
                          np.repeat(many[3:4], 600, axis=0))
    # unknown words are skipped; the model is only read
    assert np.array_equal(model.infer_vector(docs[7] + ["never-seen"]),
                          model.infer_vector(docs[7]))
    for a, b in zip(before, (model.vectors, model.syn1neg, model.doc_vectors)):
        assert np.array_equal(a, b)
    # epochs and learning rates are the caller's; other settings, other vectors
    assert not np.array_equal(model.infer_vector(docs[7], epochs=9), many[7])
    assert not np.array_equal(model.infer_vector(docs[7], alpha=0.1), many[7])
    # an inferred vector lands near its own training document
    assert model.dv.most_similar(many[7], topn=1)[0][0] in range(0, 240, 6) or \
        model.dv.most_similar(many[7], topn=5)


def test_infer_errors(planted):
    docs, _ = planted
    model = doc2vec.train(docs[:30], dim=8, epochs=1, min_count=1, threads=1)
    with pytest.raises(ValueError, match="document 1 has no word"):
        model.infer_vectors([docs[0], []])
    with pytest.raises(ValueError, match="document 0 has no word"):
        model.infer_vectors([["unknown", "words"]])
    with pytest.raises(TypeError, match="list of tokens"):
        model.infer_vector("a string")
    with pytest.raises(TypeError, match="document 1 is a str"):
        model.infer_vectors([docs[0], "a string"])
    with pytest.raises(ValueError, match="epochs"):
        model.infer_vector(docs[0], epochs=0)
    assert model.infer_vectors([]).shape == (0, 8)


# -- corpora ---------------------------------------------------------------------------


def test_file_documents(tmp_path):
    long_line = " ".join(f"x{i % 7}" for i in range(25_000)) + "\n"  # no cut at 10,000
    (tmp_path / "a.txt").write_text("a b c\n\n\nb c\r\n" + long_line + "c d")  # no final \n
    with gzip.open(tmp_path / "b.txt.gz", "wt") as f:
        f.write("\nd a\nzzz\n")  # a first empty line; a line of one rare word
    enc = read_documents([tmp_path / "a.txt", tmp_path / "b.txt.gz"], min_count=2)
    lengths = np.diff(enc.offsets).tolist()
    assert lengths == [3, 0, 0, 2, 25_000, 2, 0, 2, 0]
    assert enc.n_docs == 9 and enc.keys == list(range(9))
    assert enc.doc_rows.tolist() == list(range(9))
    assert enc.dropped == 1  # zzz, under min_count: its line stays, empty
    words = enc.vocab.words
    assert [words[i] for i in enc.ids[:3]] == ["a", "b", "c"]
    # the same text as token lists gives the same documents
    lines = ("a b c\n\n\nb c\n" + long_line + "c d\n\nd a\nzzz").split("\n")
    enc2 = read_documents([ln.split() for ln in lines], min_count=2)
    assert np.array_equal(enc.ids, enc2.ids) and np.array_equal(enc.offsets, enc2.offsets)


def test_column_tags(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("sports 7\tthe match\n\t\nnews\tthe vote the\n\nsports\tthe goal\n")
    enc = read_documents(path, min_count=1, tags="column")
    assert enc.keys == ["sports", "7", "news"]
    assert [enc.doc_rows[a:b].tolist() for a, b in zip(enc.doc_offsets[:-1],
                                                        enc.doc_offsets[1:])] == \
        [[0, 1], [], [2], [], [0]]
    assert np.diff(enc.offsets).tolist() == [2, 0, 3, 0, 2]
    path.write_text("sports\tthe match\nno tab here\n")
    with pytest.raises(ValueError, match=r"t.txt, line 2: no '\\t'"):
        read_documents(path, min_count=1, tags="column")


def test_iterable_documents_and_tags():
    import collections
    Gensim = collections.namedtuple("TaggedDocument", "words tags")  # gensim's shape
    docs = [TaggedDocument(["a", "b"], ["x", 10**15]), Gensim(["b", "c"], [3]),
            (["a", "c", "c"], "x"), (["c"], 10**15), TaggedDocument([], ["empty"])]
    enc = read_documents(docs, min_count=1)
    assert enc.keys == ["x", 10**15, 3, "empty"]  # rows only for tags that occur
    assert enc.doc_offsets.tolist() == [0, 2, 3, 4, 5, 6]
    assert enc.doc_rows.tolist() == [0, 1, 2, 0, 1, 3]
    assert np.diff(enc.offsets).tolist() == [2, 2, 3, 1, 0]
    for bad, match in (([(["a"], [True])], "int or a str"), ([(["a"], [1.5])], "int or a str"),
                       ([(["a"], 2.5)], "tags must be"), (["a b"], "is a str")):
        with pytest.raises(TypeError, match=match):
            read_documents(bad, min_count=1)
    with pytest.raises(ValueError, match="no documents"):
        read_documents([], min_count=1)


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_every_document_trained_epochs_times(tmp_path, threads):
    # blank lines, a line longer than several chunks, several files: with no
    # subsampling each epoch trains every word of every document once with its tag
    rng = np.random.default_rng(2)
    files = []
    for k in range(3):
        lines = []
        for i in range(40):
            n = 0 if i % 9 == 4 else (30_000 if (k, i) == (1, 3) else int(rng.integers(1, 80)))
            lines.append(" ".join(f"w{x}" for x in rng.integers(0, 50, size=n)))
        files.append(tmp_path / f"{k}.txt")
        files[-1].write_text("\n".join(lines) + "\n")
    model = doc2vec.train(files, dim=8, epochs=3, min_count=1, sample=0, threads=threads,
                          batch=4, progress=False)
    n = sum(len(line.split()) for f in files for line in f.read_text().split("\n")[:-1])
    assert len(model.tags) == 120
    assert model.stats["epoch_pairs"] == [n] * 3
    assert model.stats["epoch_raw_words"] == [n] * 3
    start = Doc2Vec.create_docs(model.vocab, model.tags, dm=False, dbow_words=False,
                                **{k: model.params[k] for k in (
                                    "dim", "window", "negative", "hs", "sg", "cbow_mean",
                                    "sample", "alpha", "min_alpha", "epochs", "seed",
                                    "min_count", "batch")}).doc_vectors
    moved = np.abs(model.doc_vectors - start).max(axis=1) > 0
    empty = np.array([i % 9 == 4 for k in range(3) for i in range(40)])
    assert np.array_equal(moved, ~empty)


def test_seeded_single_thread_is_repeatable(planted):
    docs, _ = planted
    for dm in (False, True):
        a = doc2vec.train(docs, dm=dm, dim=12, epochs=2, min_count=1, threads=1, seed=3)
        b = doc2vec.train(docs, dm=dm, dim=12, epochs=2, min_count=1, threads=1, seed=3)
        c = doc2vec.train(docs, dm=dm, dim=12, epochs=2, min_count=1, threads=1, seed=4)
        assert np.array_equal(a.doc_vectors, b.doc_vectors)
        assert np.array_equal(a.vectors, b.vectors)
        assert not np.array_equal(a.doc_vectors, c.doc_vectors)


@pytest.mark.parametrize("kw", [dict(), dict(dbow_words=True), dict(dm=True),
                                dict(dm=True, dm_mean=False, alpha=0.01),
                                dict(hs=True, negative=0), dict(batch=8)],
                         ids=["dbow", "dbow_words", "dm", "dm-sum", "hs", "batch8"])
def test_topics_are_found(planted, kw):
    docs, labels = planted
    model = doc2vec.train(docs, **dict(dict(dim=24, epochs=20, min_count=1, threads=2), **kw))
    labels = np.array(labels)
    hits = 0
    for d in range(0, 240, 7):
        near = [t for t, _ in model.dv.most_similar(d, topn=5)]
        hits += sum(labels[t] == labels[d] for t in near)
    assert hits / (5 * len(range(0, 240, 7))) > 0.8
    # inferred vectors of training documents find their topic too
    inferred = model.infer_vectors(docs[:60])
    top = [model.dv.most_similar(v, topn=1)[0][0] for v in inferred]
    assert np.mean(labels[top] == labels[:60]) > 0.8
    if kw.get("dbow_words") or kw.get("dm"):
        assert model.wv.most_similar("t0w1", topn=1)[0][0].startswith("t0")


# -- the vectors, the model file, resume --------------------------------------------------


def test_doc_vectors_queries_and_files(tmp_path, planted):
    docs, _ = planted
    tagged = [TaggedDocument(d, [f"doc{i}"] if i % 2 else [i]) for i, d in enumerate(docs)]
    model = doc2vec.train(tagged, dim=10, epochs=2, min_count=1, threads=1)
    dv = model.dv
    assert isinstance(dv, DocVectors) and len(dv) == 240 and dv.dim == 10
    assert np.array_equal(dv["doc1"], model.doc_vectors[1]) and np.array_equal(dv[2],
                                                                               dv.vectors[2])
    near = dv.most_similar("doc1", topn=3)
    assert len(near) == 3 and "doc1" not in [t for t, _ in near]
    assert dv.most_similar(dv["doc1"], topn=1)[0][0] == "doc1"
    for bad in ("nope", 240, 10**15):
        with pytest.raises(KeyError, match="is not one of the 240 tags"):
            dv[bad]
        with pytest.raises(KeyError, match="is not one of the 240 tags"):
            dv.most_similar(bad)
    assert dv.similarity("doc1", 2) == pytest.approx(
        float(dv.unit_rows([1])[0] @ dv.unit_rows([2])[0]), rel=1e-5)
    for fmt, kw in (("word2vec", {}), ("npy", {"mmap": True})):
        path = tmp_path / f"dv.{fmt}"
        dv.save(path, format=fmt)
        back = DocVectors.load(path, **kw)
        assert back.words == dv.words  # ints come back as ints
        assert np.array_equal(np.asarray(back.vectors), dv.vectors)
        assert back.most_similar(4, topn=2) == dv.most_similar(4, topn=2)


def test_save_load_resume_bit_for_bit(tmp_path, planted):
    docs, _ = planted
    for dm in (False, True):
        full = doc2vec.train(docs, dm=dm, dim=8, epochs=3, min_count=1, threads=1, seed=5)

        def stop_after_first(model, record):
            raise StopTraining

        part = doc2vec.train(docs, dm=dm, dim=8, epochs=3, min_count=1, threads=1, seed=5,
                             callbacks=[stop_after_first])
        assert part.schedule["epochs_done"] == 1
        path = tmp_path / f"m{dm}.npz"
        part.save_model(path)
        back = doc2vec.load_model(path)
        assert back.tags == part.tags and back.params == part.params
        back.resume(docs, threads=1)
        assert np.array_equal(back.doc_vectors, full.doc_vectors)
        assert np.array_equal(back.vectors, full.vectors)
        assert np.array_equal(back.infer_vector(docs[3]), full.infer_vector(docs[3]))
    back.schedule["epochs_done"] = 0
    with pytest.raises(ValueError, match="tags are not those"):
        back.resume(docs[:-1], threads=1)
    with pytest.raises(ValueError, match="not the corpus"):
        back.resume([d[::-1] for d in docs], threads=1)
    with pytest.raises(ValueError, match="tag 'other' is not one of the model's 240 tags"):
        back.resume([TaggedDocument(d, ["other"]) for d in docs], threads=1)
    with pytest.raises(ValueError, match="train_more"):
        back.train_more(docs)


def test_model_file_errors(tmp_path, planted):
    docs, _ = planted
    import word2vec_fast as w2v
    w2v.train([d for d in docs], dim=8, epochs=1, min_count=1, threads=1).save_model(
        tmp_path / "words.npz")
    with pytest.raises(ValueError, match="a word model"):
        doc2vec.load_model(tmp_path / "words.npz")
    model = doc2vec.train(docs[:20], dim=8, epochs=1, min_count=1, threads=1)
    model.save_model(tmp_path / "docs.npz")
    assert w2v.load_model(tmp_path / "docs.npz").params["doc_mode"] == DBOW
    with np.load(tmp_path / "docs.npz") as z:
        arrays = {k: z[k] for k in z.files}
    arrays["docs"] = arrays["docs"][:, :5]
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ValueError, match="bad.npz.*docs must be"):
        doc2vec.load_model(tmp_path / "bad.npz")


def test_parameter_errors(planted):
    docs, _ = planted
    with pytest.raises(ValueError, match="batched"):
        doc2vec.train(docs, batch=False, min_count=1)
    with pytest.raises(ValueError, match="tags must be"):
        doc2vec.train(docs, tags="words", min_count=1)
    with pytest.raises(ValueError, match="min_count"):
        doc2vec.train(docs, min_count=10**6)
    with pytest.raises(ValueError, match="no document has a tag"):
        doc2vec.train([TaggedDocument(d, []) for d in docs], min_count=1)


def test_reachable_from_the_package():
    import word2vec_fast
    assert word2vec_fast.doc2vec.train is doc2vec.train
    assert os.path.basename(doc2vec.__file__) == "doc2vec.py"


D2V_SIGINT = r"""
import json, sys
import numpy as np
from word2vec_fast import doc2vec, TrainingInterrupted

rng = np.random.default_rng(0)
docs = [[f"w{i}" for i in rng.integers(0, 500, size=200)] for _ in range(3000)]

def ready(model, rec):  # called every word: says READY once the workers run
    if not ready.said:
        ready.said = print("READY", flush=True) or True
ready.every_words, ready.said = 1, False

try:
    doc2vec.train(docs, dm=sys.argv[1] == "dm", dim=50, epochs=500, min_count=1, threads=2,
                  progress=False, callbacks=[ready])
except TrainingInterrupted as e:
    m = e.model
    print(json.dumps({"finite": bool(np.isfinite(m.doc_vectors).all()),
                      "epochs_done": m.schedule["epochs_done"],
                      "interrupted": m.stats["interrupted"]}), flush=True)
    sys.exit(3)
sys.exit(0)
"""


@pytest.mark.parametrize("mode", ["dbow", "dm"])
def test_ctrl_c_stops_with_the_model(mode):
    proc = subprocess.Popen([sys.executable, "-c", D2V_SIGINT, mode], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **SIGINT_CHILD)
    _wait_for(proc, proc.stdout, "READY")
    took = _interrupt(proc)
    assert proc.returncode == 3, proc.stderr.read()[-2000:]
    assert took < 2.0
    state = json.loads(proc.stdout.read().strip().splitlines()[-1])
    # an epoch here is ~0.1 s: the signal may land inside one or between two
    assert state["finite"] and state["interrupted"] and state["epochs_done"] < 500


def test_dbow_group_parameter_and_older_models():
    assert dbow_group({"dbow_group": 3}) == 3
    # models saved before dbow_group: dbow_shared True (a draw per block), False (own)
    assert dbow_group({"dbow_shared": True}) == 0
    assert dbow_group({"dbow_shared": False}) == 1
    assert dbow_group({}) == 0
    docs = [["a", "b", "c", "d"] * 5, ["c", "d", "e"] * 4]
    default = doc2vec.train(docs, min_count=1, dim=8, epochs=1, threads=1, progress=False)
    assert default.params["dbow_group"] == doc2vec.DBOW_GROUP
    assert default.params["batch"] == doc2vec.DBOW_BLOCK
    for batch, group in ((1, 0), (4, 0)):
        m = doc2vec.train(docs, min_count=1, dim=8, epochs=1, threads=1, progress=False,
                          batch=batch)
        assert (m.params["dbow_group"], m.params["batch"]) == (group, batch)
    dm = doc2vec.train(docs, dm=True, min_count=1, dim=8, epochs=1, threads=1,
                       progress=False)
    assert dm.params["dbow_group"] == 0


def test_a_saved_model_with_a_bad_dbow_group_is_refused(tmp_path):
    docs = [["a", "b", "c", "d"] * 5, ["c", "d", "e"] * 4]
    m = doc2vec.train(docs, min_count=1, dim=8, epochs=1, threads=1, progress=False)
    for bad in (-1, "3", 2.0, None):
        m.params["dbow_group"] = bad
        path = tmp_path / f"bad{bad!r}.npz"
        m.save_model(path)
        with pytest.raises(ValueError, match="dbow_group"):
            doc2vec.load_model(path)
