"""One .npy header reader (word2vec_fast/npy_header.py) behind every loader of .npy bytes:
npy vectors, checkpoint members and memory-mapped corpus ids reject the same damaged
headers with a ValueError that names the file, never numpy's own exceptions."""
import io
import zipfile

import numpy as np
import pytest

import word2vec_fast as w2v
from word2vec_fast import npy_header


def _npy(header: bytes, body=bytes(64), version=b"\x01\x00"):
    head = header.ljust(117) + b"\n"
    return b"\x93NUMPY" + version + len(head).to_bytes(2, "little") + head + body


DAMAGED = [
    b"{'descr': '<f4', 'fortran_order': False, 'shape': (3, (",  # tokenize.TokenError
    b"{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), ",  # SyntaxError
    b"{'descr': '<f4', 'fortran_order': False,B'shape': (3, 4), }",  # bytes key: TypeError
    b"{'descr': '<f4', 'fortran_order': False, 'shape': (False, 4), }",  # a bool
    b"{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 4), }",  # negative
    b"{'descr': '<f4', 'fortran_order': False, 'shape': [3, 4], }",  # not a tuple
    b"{'descr': 'xyz', 'fortran_order': False, 'shape': (3, 4), }",  # no such dtype
    b"{'descr': '<f4', 'shape': (3, 4), }",  # a key missing
    b"not a dict at all",
]


@pytest.mark.parametrize("header", DAMAGED)
def test_read_raises_one_exception(header):
    with pytest.raises(npy_header.NpyHeaderError, match="not a usable .npy header"):
        npy_header.read(io.BytesIO(_npy(header)))


def test_read_versions_and_size():
    for a in (np.ones((3, 2), np.float32), np.zeros(0, np.int64)):
        b = io.BytesIO()
        np.save(b, a)
        b.seek(0)
        shape, fortran, dtype = npy_header.read(b)
        assert (shape, fortran, dtype) == (a.shape, False, a.dtype)
        assert npy_header.data_bytes(shape, dtype) == a.nbytes == len(b.read())
    with pytest.raises(npy_header.NpyHeaderError, match="byte 6: unknown .npy format version"):
        npy_header.read(io.BytesIO(_npy(b"{}", version=b"\x09\x00")))
    with pytest.raises(npy_header.NpyHeaderError, match="EOFError|EOF"):
        npy_header.read(io.BytesIO(b"\x93NUM"))


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    p = tmp_path_factory.mktemp("m") / "m.npz"
    w2v.train([["a", "b", "c", "a"], ["b", "a"]] * 20, dim=4, epochs=1, min_count=1,
              threads=1, seed=1, progress=False).save_model(p)
    return p


@pytest.mark.parametrize("header", DAMAGED)
def test_every_loader_names_the_file(tmp_path, model_file, header):
    blob = _npy(header)
    # npy vectors
    p = tmp_path / "v.npy"
    p.write_bytes(blob)
    (tmp_path / "v.npy.words").write_bytes(b"a\nb\nc\n")
    for mmap in (False, True):
        with pytest.raises(w2v.VectorsFormatError, match="v.npy: not a usable .npy header"):
            w2v.load(p, mmap=mmap)
    # a checkpoint member
    bad = tmp_path / "bad.npz"
    with zipfile.ZipFile(model_file) as zin, zipfile.ZipFile(bad, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info.filename,
                          blob if info.filename == "vectors.npy" else zin.read(info))
    with pytest.raises(ValueError, match="bad.npz.*vectors.npy: not a usable .npy header"):
        w2v.load_model(bad)
    # memory-mapped corpus ids
    vocab = w2v.Vocab(["a", "b"], np.ones(2, dtype=np.int64))
    ids = tmp_path / "c.npy"
    ids.write_bytes(blob)
    np.save(tmp_path / "c.offsets.npy", np.zeros(1, np.int64))
    with pytest.raises(ValueError, match="c.npy: not a usable .npy header"):
        w2v.Corpus.load(ids, vocab)
