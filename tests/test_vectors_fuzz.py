"""Property tests: exact round trips, and damaged files never crash or hang the loader."""
import gzip
import warnings

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

import word2vec_fast as w2v  # noqa: E402
from word2vec_fast import Vectors  # noqa: E402

# Words: any Unicode except surrogates, without the two bytes the formats reserve.
WORD = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters=" \n"),
               min_size=1, max_size=12)
SETTINGS = dict(max_examples=int(__import__("os").environ.get("W2V_FUZZ_EXAMPLES", "60")),
                deadline=2000,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@st.composite
def vectors(draw):
    words = draw(st.lists(WORD, min_size=0, max_size=12, unique=True))
    dim = draw(st.integers(1, 6))
    mat = draw(hnp.arrays(np.float32, (len(words), dim),
                          elements=st.floats(width=32, allow_nan=True, allow_infinity=True)))
    return Vectors(words, mat)


@settings(**SETTINGS)
@given(v=vectors(), binary=st.booleans(), detect=st.booleans())
def test_round_trip_exact(tmp_path, v, binary, detect):
    path = tmp_path / "v"
    v.save(path, binary=binary)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        u = w2v.load(path, binary=None if detect else binary)
    assert u.words == v.words
    if binary:  # the bits themselves, NaN payloads included
        assert np.array_equal(u.vectors.view(np.uint32), v.vectors.view(np.uint32))
    else:
        assert np.array_equal(u.vectors, v.vectors, equal_nan=True)
        assert np.array_equal(np.signbit(u.vectors), np.signbit(v.vectors))


def _valid(binary, compress):
    rng = np.random.default_rng(0)
    v = Vectors(["a", "bé", "c", "日本", "e", "f"], rng.standard_normal((6, 3)).astype(np.float32))
    import os
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "v")
        v.save(p, binary=binary)
        data = open(p, "rb").read()
    return gzip.compress(data) if compress else data


VALID = {(b, c): _valid(b, c) for b in (True, False) for c in (False, True)}


@st.composite
def damaged(draw):
    kind = draw(st.sampled_from(sorted(VALID)))
    data = bytearray(VALID[kind])
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["set", "insert", "delete", "truncate"]))
        pos = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "set" and data:
            data[pos] = draw(st.sampled_from([0, 10, 13, 32, 48, 57, 45, 46, 0x7f, 0x80, 0xc3,
                                              0xff, draw(st.integers(0, 255))]))
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete":
            del data[pos:pos + draw(st.integers(1, 8))]
        else:
            del data[pos:]
    return bytes(data)


@settings(**SETTINGS)
@given(data=damaged(), binary=st.sampled_from([None, True, False]),
       limit=st.sampled_from([None, 2]))
def test_damaged_files_load_or_raise_valueerror(tmp_path, data, binary, limit):
    path = tmp_path / "d"
    path.write_bytes(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            v = w2v.load(path, binary=binary, limit=limit)
        except ValueError as e:
            assert str(path) in str(e)
            return
    # whatever loaded is self-consistent
    assert len(v.words) == len(v.vectors) == len(v.index)
    assert v.vectors.dtype == np.float32 and v.vectors.flags.c_contiguous
