"""The corpus fingerprint (resume's "same corpus?" check) and checkpoints from before version 2."""
import json
import zlib

import numpy as np
import pytest

import word2vec_fast as w2v
from word2vec_fast.fingerprint import PAGE_BYTES, PAGES, VERSION, corpus_fingerprint

from conftest import planted_corpus

IDS_PER_PAGE = PAGE_BYTES // 4


def old_fingerprint(ids, offsets):
    """The fingerprint as checkpoints before version 2 stored it (copied from that code)."""
    step_i = max(1, len(ids) // 1_000_000)
    step_o = max(1, len(offsets) // 1_000_000)
    h = zlib.crc32(np.array([len(ids), len(offsets)], dtype=np.int64).tobytes())
    h = zlib.crc32(np.ascontiguousarray(ids[::step_i], dtype=np.int32).tobytes(), h)
    return zlib.crc32(np.ascontiguousarray(offsets[::step_o], dtype=np.int64).tobytes(), h)


def corpus(n, seed=0, sentence=7):
    ids = np.random.default_rng(seed).integers(0, 1000, n, dtype=np.int32)
    offsets = np.append(np.arange(0, n, sentence, dtype=np.int64), n)
    return ids, offsets


def sampled_page_start(n, i):
    """First id of the i-th of the PAGES pages sampled from n ids (more than PAGES pages)."""
    return i * (-(-n // IDS_PER_PAGE) - 1) // (PAGES - 1) * IDS_PER_PAGE


def changed(a, i, value=None):
    a = a.copy()
    a[i] = a[i] + 1 if value is None else value
    return a


def test_tells_corpora_apart():
    for n in (5_000, 3_000_000):  # hashed whole; 64 of 2,930 pages sampled
        ids, off = corpus(n)
        fp = corpus_fingerprint(ids, off)
        assert corpus_fingerprint(ids.copy(), off.copy()) == fp
        # the same content in other containers (int64 ids, a memory map) is the same corpus
        assert corpus_fingerprint(ids.astype(np.int64), off) == fp
        others = [
            (changed(ids, 0), off), (changed(ids, n - 1), off),      # first and last page
            # in the middle (for the large one, on a sampled page)
            (changed(ids, n // 2 if n < PAGES * IDS_PER_PAGE else sampled_page_start(n, 31) + 5),
             off),
            (ids[:-1], changed(off, -1, n - 1)),                   # one token fewer
            (np.append(ids, 3), changed(off, -1, n + 1)),           # one token more
            (np.roll(ids, 1), off),                                 # shifted by a word
            (ids, changed(off, 1)),                                 # a sentence boundary moved
            (ids, np.delete(off, 1)),                               # two sentences joined
        ]
        fps = [corpus_fingerprint(i, o) for i, o in others]
        assert fp not in fps and len(set(fps)) == len(fps)


def test_reads_a_bounded_number_of_pages(tmp_path):
    ids, off = corpus(3_000_000)
    fp = corpus_fingerprint(ids, off)
    # an id between sampled pages is never read: the cost does not grow with the corpus
    # (and such an edit in place goes unseen, as the module docstring says)
    unsampled = sampled_page_start(len(ids), 1) + IDS_PER_PAGE
    assert unsampled < sampled_page_start(len(ids), 2)
    assert corpus_fingerprint(changed(ids, unsampled), off) == fp
    # what resume sees through a memory map is the same value, each page given back
    vocab = w2v.Vocab([f"w{i}" for i in range(1000)], np.ones(1000, dtype=np.int64))
    np.save(tmp_path / "c.npy", ids)
    np.save(tmp_path / "c.offsets.npy", off)
    mapped = w2v.Corpus.load(tmp_path / "c.npy", vocab)
    calls = []
    assert corpus_fingerprint(mapped.ids, mapped.offsets, release=lambda: calls.append(1)) == fp
    assert len(calls) == 2 * PAGES


def test_version_1_is_the_old_fingerprint():
    for n in (10, 999_999, 3_000_001):  # step 1, and blocks of ~1M sampled ids
        ids, off = corpus(n, sentence=2)
        calls = []
        assert corpus_fingerprint(ids, off, 1, release=lambda calls=calls: calls.append(1)) == \
            old_fingerprint(ids, off)
        assert calls
    with pytest.raises(ValueError, match="unknown corpus fingerprint version 3"):
        corpus_fingerprint(ids, off, 3)


# -- checkpoints written before version 2 ----------------------------------------------

SENTS = planted_corpus(n_sentences=300)
KW = dict(min_count=1, dim=12, window=3, threads=1, seed=7, epochs=3, progress=False)


def rewrite_header(path, out, edit):
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    header = json.loads(arrays["header"].tobytes())
    edit(header)
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), np.uint8)
    with open(out, "wb") as f:
        np.savez(f, **arrays)
    return out


def test_a_checkpoint_written_before_version_2_still_resumes(tmp_path):
    full = w2v.train(SENTS, **KW)
    stopped = w2v.train(SENTS, callbacks=[lambda m, r: r["epoch"] < 1], **KW)
    assert stopped.schedule["fingerprint_version"] == VERSION
    stopped.save_model(tmp_path / "new.npz")
    enc = w2v.encode(SENTS, stopped.vocab)

    def as_before(header):  # what the code before version 2 wrote
        del header["schedule"]["fingerprint_version"]
        header["schedule"]["corpus_fingerprint"] = old_fingerprint(enc.ids, enc.offsets)

    old = rewrite_header(tmp_path / "new.npz", tmp_path / "old.npz", as_before)
    with pytest.raises(ValueError, match="not the corpus"):
        w2v.load_model(old).resume(SENTS[1:] + SENTS[:1], threads=1, progress=False)
    m = w2v.load_model(old)
    assert "fingerprint_version" not in m.schedule
    m.resume(SENTS, threads=1, progress=False)
    assert m.vectors.tobytes() == full.vectors.tobytes()
    # from then on it carries the fingerprint that reads a bounded number of pages
    assert m.schedule["fingerprint_version"] == VERSION
    assert m.schedule["corpus_fingerprint"] == full.schedule["corpus_fingerprint"]
    m.save_model(tmp_path / "again.npz")
    assert w2v.load_model(tmp_path / "again.npz").schedule == m.schedule

    for bad in (3, "2", True, None):
        p = rewrite_header(tmp_path / "new.npz", tmp_path / "bad.npz",
                           lambda h, bad=bad: h["schedule"].update(fingerprint_version=bad))
        with pytest.raises(ValueError, match="bad.npz.*bad schedule"):
            w2v.load_model(p)
