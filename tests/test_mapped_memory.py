"""A memory-mapped corpus stays out of memory until the training front reaches it.

Issue 15: the corpus fingerprint taken before training sampled the ids with a
stride of a few hundred bytes, so every page of the id file became resident
before the first word was trained (and the whole file was read from disk).
The child process below counts the resident pages of the id and offset maps
(``/proc/self/smaps``) at the last step before the first training word, when
training a text file through the spill path, and when resuming on a corpus
reopened with ``Corpus.load``.  The bound does not depend on the corpus
length; without the fix the ids' mapping is resident whole (32 MB here).
"""
import json
import subprocess
import sys

import numpy as np
import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads /proc/self/smaps")

N_TOKENS = 8 << 20           # 32 MB of int32 ids
TOKENS_PER_SENTENCE = 4      # 2M sentences: 16 MB of int64 offsets
# A page touched in a file mapping can map a whole large folio of the page cache
# (2 MB on x86-64), so a handful of touched pages (offsets[0], offsets[-1]) may
# show as a few MB; the mapped corpus is 32 + 16 MB.
BOUND_KIB = 8 << 10

CHILD = r"""
import json, re, sys
import word2vec_fast as w2v
from word2vec_fast import _kernels

def resident(a):
    '''(resident KiB, file name) of the mapping that holds array a.'''
    addr = a.ctypes.data
    inside = None
    with open("/proc/self/smaps") as f:
        for line in f:
            m = re.match(r"([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+ *(.*)", line)
            if m:
                inside = m.group(3) if int(m.group(1), 16) <= addr < int(m.group(2), 16) \
                    else None
            elif inside is not None and line.startswith("Rss:"):
                return int(line.split()[1]), inside
    raise AssertionError("no mapping holds the array")

seen = []
real_engine = _kernels.Engine

def engine(**kw):  # the training engine: the step before the first training word
    seen.append([resident(kw["ids"]), resident(kw["offsets"])])
    return real_engine(**kw)

_kernels.Engine = engine

def stop(model, record):  # stop at the first look at the training front
    return False

stop.every_words = 1
text, out = sys.argv[1], sys.argv[2]
kw = dict(threads=1, progress=False, callbacks=[stop])
m = w2v.train(text, dim=8, window=2, negative=1, epochs=2, min_count=1,
              spill_bytes=1 << 20, **kw)
w2v.encode(text, m.vocab, out=out)
m.resume(w2v.Corpus.load(out, m.vocab), **kw)
print(json.dumps(seen))
"""


def test_mapped_corpus_is_not_made_resident_before_training(tmp_path):
    rng = np.random.default_rng(15)
    # two-letter words (676 of them), a space after each, a newline every few
    text = rng.integers(ord("a"), ord("z") + 1, size=(N_TOKENS, 3), dtype=np.uint8)
    text[:, 2] = ord(" ")
    text[TOKENS_PER_SENTENCE - 1::TOKENS_PER_SENTENCE, 2] = ord("\n")
    path = tmp_path / "corpus.txt"
    path.write_bytes(text.tobytes())
    del text
    r = subprocess.run([sys.executable, "-c", CHILD, str(path), str(tmp_path / "ids.npy")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    seen = json.loads(r.stdout.strip().splitlines()[-1])
    assert len(seen) == 2, f"the Engine hook saw {len(seen)} training runs, expected 2 " \
                           "(is the engine still created as _kernels.Engine?)"
    for (ids_kib, ids_file), (off_kib, off_file) in seen:
        # both arrays are file mappings (the spill files, then ids.npy), not copies
        assert "w2v-ids-" in ids_file or ids_file.endswith("ids.npy"), ids_file
        assert "w2v-offsets-" in off_file or off_file.endswith("ids.offsets.npy"), off_file
        assert ids_kib <= BOUND_KIB and off_kib <= BOUND_KIB, seen
