"""Atheris harness: the public loaders on arbitrary bytes.

Each input is a mode byte (its low four bits pick the loader, the high four its
options) and a file's bytes.  Whatever the bytes, every loader must
return a result or raise ``ValueError`` (``VectorsFormatError`` is one), within
libFuzzer's ``-timeout`` and ``-rss_limit_mb``; any other exception is a finding.

    python tests/fuzz/fuzz_loaders.py [libFuzzer flags] [corpus dirs or files]

(.ci/fuzz runs it with its corpus; give it a file to replay one input.)
"""
import bz2
import gzip
import io
import lzma
import os
import struct
import sys
import tempfile
import warnings
import zipfile

import numpy as np  # imported before instrumenting: its code is not ours

import atheris

with atheris.instrument_imports(include=["word2vec_fast"]):
    import word2vec_fast as w2v
    from word2vec_fast import Phrases, Vocab, count_and_encode, fasttext_io, load_model
    from word2vec_fast import doc2vec, glove, glove_counts

# libFuzzer ends the process with exit(): Python's atexit never runs, so .ci/fuzz points
# TMPDIR at build/fuzz/tmp and empties it on each run.
DIR = tempfile.mkdtemp(prefix="w2v-fuzz-")
PATH = os.path.join(DIR, "input")

# A real checkpoint's members: the structured modes replace one of them with fuzz bytes
# and zip the rest correctly, so that the checks behind the zip's CRCs get fuzzed.
_MEMBERS = None


def _members():
    global _MEMBERS
    if _MEMBERS is None:
        m = w2v.train([["a", "b", "c", "a"], ["b", "a"]] * 20, dim=4, epochs=1, min_count=1,
                      threads=1, seed=1, progress=False)
        p = os.path.join(DIR, "model.npz")
        m.save_model(p)
        with zipfile.ZipFile(p) as z:
            _MEMBERS = {n: z.read(n) for n in z.namelist()}
    return _MEMBERS


_DOC_MEMBERS = None


def _doc_members():
    """A paragraph-vector checkpoint's members (tags of both kinds)."""
    global _DOC_MEMBERS
    if _DOC_MEMBERS is None:
        docs = [doc2vec.TaggedDocument(["a", "b", "c"], [i % 3, f"t{i % 2}"]) for i in range(9)]
        m = doc2vec.train(docs, dim=4, epochs=1, min_count=1, threads=1, progress=False)
        p = os.path.join(DIR, "d2v.npz")
        m.save_model(p)
        with zipfile.ZipFile(p) as z:
            _DOC_MEMBERS = {n: z.read(n) for n in z.namelist()}
    return _DOC_MEMBERS


def check_docs(enc):
    """A corpus of documents is consistent whatever the text."""
    off, doff, rows = np.asarray(enc.offsets), enc.doc_offsets, enc.doc_rows
    assert off[0] == 0 and off[-1] == len(enc.ids) and np.all(np.diff(off) >= 0)
    assert len(doff) == len(off) and doff[0] == 0 and doff[-1] == len(rows)
    assert rows.size == 0 or (rows.min() >= 0 and rows.max() < len(enc.keys))
    ids = np.asarray(enc.ids)
    assert ids.size == 0 or (ids.min() >= 0 and ids.max() < len(enc.vocab))


def check_doc_model(m):
    assert m.doc_vectors.shape == (len(m.tags), m.vectors.shape[1])
    dv = m.dv
    if len(dv) > 1:
        dv.most_similar(dv.words[0], topn=1)


def _write(data):
    with open(PATH, "wb") as f:
        f.write(data)
    return PATH


def _zip_with(name, blob, members=None):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n, b in (members or _members()).items():
            z.writestr(n, blob if n == name else b)
    return buf.getvalue()


def _npy_header_fuzz(data):
    """An .npy member whose header is fuzz text (dtype, shape, order) and data the rest."""
    head, _, body = data.partition(b"\n")
    head = head[:200].ljust(108) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(head).to_bytes(2, "little") + head + body


def _write_npy(kind, data):
    """An npy vectors pair: 12, a fuzz matrix header with three good words; 13, a good
    (lines x 2) matrix with fuzz words; 14, both fuzz (the first two bytes give the
    matrix file's length)."""
    if kind == 12:
        matrix, words = _npy_header_fuzz(data), b"a\nb\nc\n"
    elif kind == 13:
        matrix, words = _npy_of(np.ones((data.count(b"\n"), 2), np.float32)), data
    else:
        n = int.from_bytes(data[:2], "little")
        matrix, words = data[2:2 + n], data[2 + n:]
    with open(PATH + ".words", "wb") as f:
        f.write(words)
    return _write(matrix)


def check_npy(v):
    assert len(v.words) == len(v.vectors), "words and rows disagree"
    assert v.vectors.dtype in (np.float32, np.float16) and v.vectors.ndim == 2
    assert len(set(v.words)) == len(v.words), "duplicate words kept"
    assert all(v.get_index(w) == i for i, w in enumerate(v.words)), "a word not found"


def check_fasttext(ft, data):
    """A fastText model that was read: consistent, and written back to the same bytes."""
    n = ft.nwords + ft.nlabels
    assert len(ft.words) == len(ft.counts) == len(ft.types) == n, "entries disagree"
    assert ft.input.dtype == ft.output.dtype == np.float32
    assert ft.input.shape[1] == ft.output.shape[1] == ft.args.dim
    assert ft.pruneidx.shape == (max(ft.pruneidx_size, 0), 2)
    try:
        fasttext_io.write_bin(PATH + ".out", ft)
    except ValueError as e:  # not an expected error here: what was read must be writable
        raise AssertionError(f"write_bin refused what read_bin accepted: {e}") from e
    with open(PATH + ".out", "rb") as f:
        assert f.read() == data, "read_bin accepted bytes that write_bin does not give back"


def check_vectors(v):
    assert len(v.words) == len(v.vectors), "words and rows disagree"
    assert v.vectors.dtype == np.float32 and v.vectors.flags.c_contiguous
    assert len(set(v.words)) == len(v.words), "duplicate words kept"


GLOVE_VOCAB = b"the 9\nof 5\nand 4\nto 2\n"


def check_glove(sub, data):
    """GloVe's readers: 1, Stanford's cooccurrence.bin (with a good vocab.txt); 2, its
    vocab.txt; 3 and 4, this package's counts file (read, mapped); 5, a GloVe model."""
    if sub == 1:
        vocab = os.path.join(DIR, "vocab.txt")
        with open(vocab, "wb") as f:
            f.write(GLOVE_VOCAB)
        check_counts(glove_counts.Cooccurrence.load_stanford(_write(data), vocab))
    elif sub == 2:
        v = glove_counts.load_stanford_vocab(_write(data))
        assert len(v.words) == len(v.counts) == len(set(v.words))
    elif sub in (3, 4):
        check_counts(glove_counts.Cooccurrence.load(_write(data), mmap=sub == 4))
    else:
        m = glove.load_model(_write(data))
        assert m.word_vectors.shape == (len(m.vocab), m.params["dim"])


def check_counts(c):
    """Counts that were read: ids inside the vocabulary, positive values, sorted keys."""
    v = len(c.vocab)
    r, k, x = np.asarray(c.rows), np.asarray(c.cols), np.asarray(c.values)
    assert r.shape == k.shape == x.shape
    if r.size:
        assert r.min() >= 0 and r.max() < v and k.min() >= 0 and k.max() < v, "id outside"
        assert np.all(np.isfinite(x) & (x > 0)), "a value that is not a positive number"
        key = r.astype(np.int64) * v + k
        assert np.all(np.diff(key) > 0), "records not sorted or repeated"
        if c.symmetric:
            assert np.all(r <= k), "a symmetric matrix stored below its diagonal"


def one_input(raw):
    if not raw:
        return
    mode, data = raw[0], raw[1:]
    kind = mode & 15
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if kind < 3:  # plain: detect, binary, text; a limit now and then
                binary = (None, True, False)[kind]
                limit = (None, 0, 1, 3)[(mode >> 4) & 3]
                check_vectors(w2v.load(_write(data), binary=binary, limit=limit))
            elif kind == 3:  # compressed, recognised by content
                pack = (gzip.compress, bz2.compress, lzma.compress)[(mode >> 4) % 3]
                check_vectors(w2v.load(_write(pack(data, 1) if pack is not lzma.compress
                                              else pack(data))))
            elif kind == 4:  # a damaged compressed stream
                blob = bytearray(gzip.compress(data[8:], 1))
                for i in range(0, min(8, len(data)), 2):
                    if blob:
                        blob[data[i] % len(blob)] = data[i + 1] if i + 1 < len(data) else 0
                check_vectors(w2v.load(_write(bytes(blob))))
            elif kind == 5:
                load_model(_write(data))
            elif kind == 6:  # a well-zipped checkpoint whose header is fuzz JSON
                load_model(_write(_zip_with("header.npy", _npy_of(np.frombuffer(data, np.uint8)))))
            elif kind == 7:  # ... or one of whose arrays is a fuzz .npy
                names = sorted(_members())
                name = names[(mode >> 4) % len(names)]
                load_model(_write(_zip_with(name, _npy_header_fuzz(data))))
            elif kind == 8 and 1 <= (mode >> 4) & 7 <= 5:  # GloVe's files
                check_glove((mode >> 4) & 7, data)
            elif kind == 8 and (mode >> 4) & 7 == 6:  # documents, tags in a column
                check_docs(doc2vec.read_documents(_write(data), tags="column",
                                                  min_count=1 + (mode >> 7)))
            elif kind == 8 and (mode >> 4) & 7 == 7:  # paragraph vectors' model file; 0x80:
                # a well-zipped one with one member fuzzed (picked by the first byte)
                if mode & 0x80 and data:
                    names = sorted(_doc_members())
                    name = names[data[0] % len(names)]
                    blob = _npy_of(np.frombuffer(data[1:], np.uint8)) if name == "header.npy" \
                        else _npy_header_fuzz(data[1:])
                    data = _zip_with(name, blob, _doc_members())
                check_doc_model(doc2vec.load_model(_write(data)))
            elif kind == 8:  # the two 'word ...' line formats: phrase tables, vocabularies
                try:
                    p = Phrases.load(_write(data))
                    assert all(len(x) == len(x.phrases) for x in p.passes)
                except ValueError:
                    pass
                v = Vocab.load(_write(data), min_count=(mode >> 4) & 1)
                assert len(v.words) == len(v.counts)
            elif kind == 9:
                v = Vocab.build(_write(data), min_count=1,
                                max_vocab_size=(None, 2, 5, 50)[(mode >> 4) & 3],
                                max_token_bytes=(4, 7, 100, 1 << 20)[(mode >> 6) & 3])
                assert len(v.words) == len(v.counts) == len(set(v.words))
            elif 12 <= kind <= 14:  # the npy format: matrix and words file, mapped or read
                check_npy(w2v.load(_write_npy(kind, data), mmap=bool((mode >> 4) & 1)))
            elif kind == 15:  # a fastText .bin model, mapped (0x10) or read; 0x20: the
                # fuzz bytes follow a good signature (magic and version 12)
                if mode & 0x20:
                    data = struct.pack("<ii", fasttext_io.MAGIC, 12) + data
                check_fasttext(fasttext_io.read_bin(_write(data), mmap=bool(mode & 0x10)),
                               data)
            else:
                c = count_and_encode(_write(data), min_count=1 + (kind == 11),
                                     max_vocab_size=(None, 2, 5, 50)[(mode >> 4) & 3],
                                     max_token_bytes=(4, 7, 100, 1 << 20)[(mode >> 6) & 3])
                ids = np.asarray(c.ids)
                assert ids.size == 0 or (ids.min() >= 0 and ids.max() < len(c.vocab)), \
                    "an id outside the vocabulary"
    except ValueError:
        pass


def _npy_of(a):
    b = io.BytesIO()
    np.save(b, a)
    return b.getvalue()


def main():
    _members()  # train once, before fuzzing starts
    _doc_members()
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
