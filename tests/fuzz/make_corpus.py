"""Write the seed corpora of tests/fuzz/corpus/<harness>/ (run from anywhere; deterministic).

Seeds are small real files of each format and the damaged cases of the tests
(test_vectors_io.py, test_vectors_fuzz.py, test_scan.py), each with the setting bytes
its harness reads first (see the harness's comment).  The corpora are committed; run
this again only to change them.
"""
import gzip
import hashlib
import io
import os
import struct
import sys
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))


def _bin(words, dim, newline=True, seed=0):
    out = []
    for i, w in enumerate(words):
        vals = [((seed + i * dim + k) % 7 - 3) / 4 for k in range(dim)]
        out.append(w + b" " + struct.pack(f"<{dim}f", *vals) + (b"\n" if newline else b""))
    return b"".join(out)


def _txt(words, dim):
    return b"".join(w + b" " + b" ".join(b"%g" % ((i + k) / 8 - 0.5) for k in range(dim)) + b"\n"
                    for i, w in enumerate(words))


WORDS = [b"a", "b\u00e9".encode(), b"c", "\u65e5\u672c".encode(), b"e", b"</s>"]


def vecio_binary():
    # settings: dim-1, buffer-1, want-1, max_word (0x80: 65536), misc
    s = lambda dim, cap=15, want=3, ml=0x80, misc=0: bytes([dim - 1, cap, want, ml, misc])
    yield s(3) + _bin(WORDS, 3)
    yield s(3, cap=255, want=7) + _bin(WORDS, 3, newline=False)
    yield s(2, cap=3) + _bin([b"a", b"b", b"a", b"c"], 2)           # duplicates
    yield s(1) + _bin([b"n"], 1)[:-5] + struct.pack("<f", float("nan")) + b"\n" \
        + b"i " + struct.pack("<f", float("inf"))                   # non-finite
    yield s(2) + b" " + bytes(9)                                       # empty word
    yield s(1) + b"ab " + bytes(4) + b"\nc\nd " + bytes(4)            # newline in a word
    yield s(1, ml=8) + b"x" * 20 + b" " + bytes(4)                    # word too long
    yield s(3) + _bin(WORDS, 3)[:-7]                                  # cut short
    yield s(1) + b"ok " + bytes(4) + b"\xff\xfe " + bytes(4)          # invalid UTF-8
    yield s(8, cap=0) + _bin(WORDS[:2], 8) + b"\x00garbage" * 3


def vecio_text():
    s = lambda dim, cap=15, want=3, ml=0x80, misc=0: bytes([dim - 1, cap, want, ml, misc])
    yield s(3) + _txt(WORDS, 3)
    yield s(3, cap=255) + _txt(WORDS, 3).replace(b"\n", b" \r\n")
    yield s(3) + _txt(WORDS, 3)[:-1]                                   # no final newline
    yield s(3) + b"a 0.000100 -1.500000 2\nb 1e-3 +2.5E+2 -0\nc .5 5. 1e39\nd nan inf -Infinity\n" \
        b"e 123456789012345678901234567890 1e-50 0.30000000000000004441\n"
    yield s(3) + b"a 1 2 3\nb 10 20\n"                                 # too few
    yield s(3) + b"a 1 2 3\nb 1 2 3 4\n"                               # too many
    yield s(3) + b"a 1 2 3\nb 1 x 3\n"                                 # not a number
    yield s(3) + b"a 1 2 3\n\nb 1 2 3\n"                               # blank line
    yield s(3) + b" 1 2 3\n"                                           # empty word
    yield s(2, ml=3) + b"a 1 2\nb 1 2 3 4 5 6 7 8 9\n"                 # line too long
    yield s(2) + b"a\t1\t2\nb 1e 2\nc 0x1p3 2\n"
    yield s(2) + _txt([b"a", b"b", b"a"], 2) + b"\n\n  \r\n"


def vecio_float():
    yield from (b"0.000100", b"-1.5", b"+2.5E+2", b"-0", b".5", b"5.", b"1e39", b"nan", b"-nan",
                b"inf", b"-Infinity", b"123456789012345678901234567890", b"1e-50",
                b"0.30000000000000004441", b"1.17549435e-38", b"1.4e-45", b"3.4028235e38",
                b"0x1p3", b"1e", b"1.2.3", b"--1", b"e5", b".", b"1,5", b"9" * 40 + b"e-30")


def scan():
    # settings: max_token-4, max_size (0x80: none), flags (1 record, 2 tokens), seed,
    # max block - 1, sources
    s = lambda mt=6, size=0x80, flags=1, seed=1, blk=7, src=1: bytes(
        [mt - 4, size, flags, seed, blk, src])
    text = b"the cat sat on the mat\nthe dog\n\n  a b\tc\r\nd\x0be\x0cf"
    yield s() + text
    yield s(size=2) + text * 3                                       # pruning
    yield s(size=3, flags=1, blk=0) + b"a b a c d e a b f g h a\n" * 4
    yield s(flags=3) + b"a  b\nc d\n"                                # token lists
    yield s(mt=4) + b"x " + "\u00e9\u00e9\u00e9\u00e9\u20ac\U0001f600 y".encode()
    yield s(mt=5, blk=2) + b"a\x00b \x00\x00 c\n" * 5 + b"\x00" * 40
    yield s(mt=16, blk=200) + bytes(range(256))
    yield s(blk=3, src=3) + b"abcdefghij\x80\xff\xc3\xe2\x82xyzw\x01\x1f\x7f\xa0\x89\x8a"


def scan_frozen():
    s = lambda mt=6, list_len=0, flags=0, seed=1, blk=7, src=1: bytes(
        [mt - 4, list_len, flags, seed, blk, src])
    words = b"the\ncat\nsat\n\xc3\xa9t\xc3\xa9\nthe\n"
    text = b"the cat sat on the mat\nthe \xc3\xa9t\xc3\xa9 dog\n\n"
    yield s(list_len=len(words)) + words + text
    yield s(list_len=len(words), flags=2) + words + text
    yield s(mt=4, list_len=9) + b"abcd\n\xc3\xa9\xc3\xa9" + "\u00e9\u00e9\u00e9 abcdef".encode()
    yield s(list_len=0) + text


def remap():
    # settings: chunk (0x80: all at once), batch, remap length, remap flags, then id pairs
    def ids(seq, ends):
        out = b""
        for i, v in enumerate(seq):
            v += 0x100
            out += bytes([(v >> 8) | (0x80 if i + 1 in ends else 0), v & 0xff])
        return out
    yield bytes([3, 2, 5, 1, 0, 1, 1, 0]) + ids([0, 1, 2, 3, 4, 0, 1], {2, 5, 7})
    yield bytes([0x80, 1, 4, 0, 0, 1, 1]) + ids([0, 1, 0, 1, -1, 9, 3], {1, 2, 3, 6, 7})
    yield bytes([1, 1, 0]) + ids([0, 0], {1, 2})


def phrases():
    # settings: max_token-4 (mod 60), flags (1: cross_lines, bits 1-2: shards - 1)
    s = lambda mt=58, cross=1, shards=2: bytes([mt - 4, cross | (shards - 1) << 1])
    text = b"new york is in new york state\nthe new york times\n\nnew york new york\n"
    yield s() + text * 3
    yield s(cross=0, shards=4) + text * 3
    yield s(mt=6, shards=3) + (b"abcdefghij new\x00york \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9 a b\r\n"
                               b"a b\x0ba b")
    yield s(cross=0, shards=1) + b"a b \n\n   \n a b\t\t a b\n" * 4 + b"a"
    yield s(mt=4) + b"x" * 90 + b" a b " + b"x" * 90 + b"\na b a b a b"


def _npz():
    import numpy as np
    import word2vec_fast as w2v
    m = w2v.train([["a", "b", "c", "a"], ["b", "a"]] * 20, dim=4, epochs=1, min_count=1,
                  threads=1, seed=1, progress=False)
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "m.npz")
        m.save_model(p)
        data = open(p, "rb").read()
        m.save(os.path.join(d, "v.bin"))
        m.save(os.path.join(d, "v.txt"), binary=False)
        vb = open(os.path.join(d, "v.bin"), "rb").read()
        vt = open(os.path.join(d, "v.txt"), "rb").read()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        header = np.load(io.BytesIO(z.read("header.npy"))).tobytes()
    return data, header, vb, vt


def fuzz_loaders():
    # the mode byte: its low four bits pick the loader (see fuzz_loaders.py)
    import numpy as np
    npz, header, vb, vt = _npz()
    yield bytes([0]) + vb
    yield bytes([1 | 0x10]) + vb
    yield bytes([2]) + vt
    yield bytes([0]) + b"2 3\na 1 2 3\nb 1 2 3 4\n"
    yield bytes([0]) + b"5 3\n" + _bin(WORDS[:4], 3)
    yield bytes([3]) + vt
    yield bytes([3 | 0x10]) + vb
    yield bytes([4]) + b"\x00\x00\x00\x00\x00\x00\x00\x00" + vt
    yield bytes([5]) + npz
    yield bytes([6]) + header
    yield bytes([7]) + b"{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }\n" + bytes(48)
    yield bytes([8]) + b"the 5\ncat 3\nsat 3\n"
    yield bytes([8]) + b"the 5\nthe 3\n"
    yield bytes([8]) + (b"word2vec_fast phrases 1\nscoring npmi\nthreshold 0.5\nmin_count 2\n"
                        b"delimiter _\nmax_token_bytes 58\ntrain_words 40\nconnector_words of\n"
                        b"phrases 2\n5 0.75 new york\n3 0.5 bank of america\n")
    # GloVe's files (kind 8, 0x10-0x50): Stanford's records and vocabulary, ours, a model
    rec = np.dtype([("w1", "<i4"), ("w2", "<i4"), ("x", "<f8")])
    stanford = np.array([(1, 1, 2.5), (1, 2, 1.0), (2, 1, 1.0), (3, 4, 0.5)], rec).tobytes()
    yield bytes([8 | 0x10]) + stanford
    yield bytes([8 | 0x10]) + stanford[:-3]
    yield bytes([8 | 0x20]) + b"the 9\nof 5\nand 4\n"
    counts, model = _glove_files()
    yield bytes([8 | 0x30]) + counts
    yield bytes([8 | 0x40]) + counts
    yield bytes([8 | 0x50]) + model
    # documents (kind 8, 0x60; 0x80: min_count 2) and paragraph-vector models (0x70;
    # 0xF0: one member fuzzed, picked by the first byte)
    yield bytes([8 | 0x60]) + b"sports 7\tthe match\n\t\nnews\tthe vote\n\nx\ty z"
    yield bytes([8 | 0xE0]) + b"a\tb b c\r\n\n"
    d2v = _d2v_file()
    yield bytes([8 | 0x70]) + d2v
    with zipfile.ZipFile(io.BytesIO(d2v)) as z:
        names = sorted(z.namelist())
        for i, n in enumerate(names):
            member = z.read(n)
            if n == "header.npy":
                member = np.load(io.BytesIO(member)).tobytes()
            else:
                member = member[member.index(b"{"):]  # the header text, then the data
            yield bytes([8 | 0xF0, i]) + member
    yield bytes([9 | 0x10]) + b"the cat sat on the mat\nthe dog\n"
    yield bytes([10 | 0x20]) + b"a b a c d e a b f g h a\n" * 4
    yield bytes([11 | 0x40]) + "x \u00e9\u00e9\u00e9\u00e9 y\n".encode() * 3
    yield bytes([10]) + gzip.compress(b"a b\nb")
    # the npy format (12: fuzz matrix header, 13: fuzz words, 14: both);
    # 0x10: mapped
    yield bytes([12]) + b"{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }\n" + bytes(24)
    yield (bytes([12 | 0x10]) + b"{'descr': '<f2', 'fortran_order': False, 'shape': (3, 4), }\n"
           + bytes(24))
    yield bytes([13]) + "the\n\u00e9\nx_y\n".encode()
    yield bytes([13 | 0x10]) + b"a\nb\na\n"
    mat = io.BytesIO()
    np.save(mat, np.ones((2, 3), np.float32))
    m = mat.getvalue()
    yield bytes([14 | 0x10]) + len(m).to_bytes(2, "little") + m + b"a\nb\n"
    yield from fasttext_bins()


def _glove_files():
    """A small counts file and a GloVe model file, as bytes."""
    import tempfile

    from word2vec_fast import glove
    text = [["a", "b", "c", "a", "b"], ["c", "a"]] * 5
    with tempfile.TemporaryDirectory() as d:
        c = glove.count(text, window=3, min_count=1, threads=1)
        c.save(os.path.join(d, "c.cooc"))
        m = glove.train(c, dim=3, epochs=1, threads=1, progress=False)
        m.save_model(os.path.join(d, "m.npz"))
        return (open(os.path.join(d, "c.cooc"), "rb").read(),
                open(os.path.join(d, "m.npz"), "rb").read())


def _d2v_file():
    """A small paragraph-vector model file, as bytes."""
    import tempfile

    from word2vec_fast import doc2vec
    docs = [doc2vec.TaggedDocument(["a", "b", "c"], [i % 3, f"t{i % 2}"]) for i in range(9)]
    with tempfile.TemporaryDirectory() as d:
        m = doc2vec.train(docs, dim=3, epochs=1, min_count=1, threads=1, progress=False)
        m.save_model(os.path.join(d, "m.npz"))
        return open(os.path.join(d, "m.npz"), "rb").read()


def fasttext_bins():
    """fuzz_loaders' fastText .bin seeds (mode 15; 0x10: mapped, 0x20: no signature)."""
    import tempfile

    import numpy as np
    from word2vec_fast import fasttext_io as fio

    def model(words, labels=(), dim=2, bucket=3, version=12, prune=None):
        n, nw = len(words) + len(labels), len(words)
        rows = np.arange((nw + bucket) * dim, dtype=np.float32).reshape(-1, dim) / 8 - 1
        args = fio.FastTextArgs(dim, 5, 5, 1, 5, 1, 3 if labels else 2, 3 if labels else 2,
                                bucket, 0 if labels else 3, 0 if labels else 6, 100, 1e-4)
        pruneidx = np.array(prune or [], np.int32).reshape(-1, 2)
        ft = fio.FastTextFile(args, list(words) + list(labels),
                              np.arange(n, 0, -1, dtype=np.int64),
                              np.array([0] * nw + [1] * len(labels), np.int8), nw, len(labels),
                              10 * n, -1 if prune is None else len(pruneidx), pruneidx,
                              rows, -rows[:len(labels) or nw], version)
        with tempfile.TemporaryDirectory() as d:
            fio.write_bin(os.path.join(d, "m.bin"), ft)
            return open(os.path.join(d, "m.bin"), "rb").read()

    plain = model(["the", "caf\u00e9", "\u65e5\u672c", "</s>"])
    sup = model(["good", "bad", "</s>"], labels=["__label__a", "__label__b"], bucket=0)
    yield bytes([15]) + plain
    yield bytes([15 | 0x10]) + plain
    yield bytes([15 | 0x10]) + sup
    yield bytes([15]) + model(["a", "b\xff".encode("latin-1").decode("utf-8", "surrogateescape")],
                              dim=1, version=11, prune=[[0, 1], [2, 0]])
    yield bytes([15 | 0x20]) + plain[8:]                                # signature given
    yield bytes([15]) + plain[:-5]                                      # cut short
    at = len(sup) - 2 * 4 * 2 - 17 - 3 * 4 * 2 - 17                     # the input's flag
    yield bytes([15]) + sup[:at] + b"\x01" + sup[at + 1:]               # quantized
    yield bytes([15]) + model([], bucket=0)                             # no entries


def main(names=()):
    """Write the seeds of every harness, or of those ``names`` (e.g. fuzz_phrases)."""
    for name, gen in (("fuzz_vecio_binary", vecio_binary), ("fuzz_vecio_text", vecio_text),
                      ("fuzz_vecio_float", vecio_float), ("fuzz_scan", scan),
                      ("fuzz_scan_frozen", scan_frozen), ("fuzz_remap", remap),
                      ("fuzz_phrases", phrases), ("fuzz_loaders", fuzz_loaders)):
        if names and name not in names:
            continue
        d = os.path.join(HERE, "corpus", name)
        os.makedirs(d, exist_ok=True)
        for data in gen():
            with open(os.path.join(d, hashlib.sha1(data).hexdigest()[:16]), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main(sys.argv[1:])
