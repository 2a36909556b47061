"""Golden digests of what phrases make of a generated text: every counting and
rewriting path (held ids, table-id counters with connector words and pruning, token
lists), both scorers, one to three threads, one and two passes, blocks small enough
that the seams between threads are everywhere.  A refactor of the phrases code
changes none of these bytes; a change of the rules changes them on purpose (update
the digests in the same commit and say why)."""
import hashlib
import random

import pytest

import word2vec_fast as w2v
from word2vec_fast import phrases_count


def _text() -> bytes:
    r = random.Random(20261207)
    words = [f"w{i}" for i in range(300)] + ["of", "the", "new", "york", "bank", "america",
                                             "élan", "naïve", "é" * 40]
    weights = [1 / (i + 1) for i in range(len(words))]
    lines = []
    for _ in range(1500):
        toks = r.choices(words, weights, k=r.choice([0, 1, 2, 5, 12, 40, 300]))
        for j in range(len(toks) - 2):
            if r.random() < 0.06:
                toks[j:j + 2] = ["new", "york"]
            elif r.random() < 0.03:
                toks[j:j + 3] = ["bank", "of", "america"]
        lines.append(r.choice([" ", "  ", "\t", " \r "]).join(toks))
    return "\n".join(lines).encode() + b"\xff\xfe odd \x00 bytes of the end"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def digests(tmp_path, case, threads) -> tuple:
    """(build output, apply output, saved table, token lists rewritten, table built
    from token lists)."""
    scoring, thresholds, conn, max_vocab = case
    path = tmp_path / "text.txt"
    path.write_bytes(_text())
    kw = dict(scoring=scoring, min_count=2, threads=threads, max_vocab_size=max_vocab,
              threshold=thresholds[0] if len(thresholds) == 1 else thresholds,
              connector_words=("of", "the") if conn else ())
    p = w2v.Phrases.build(path, output=tmp_path / "built.txt", **kw)
    p.apply(path, tmp_path / "applied.txt", threads=threads)
    p.save(tmp_path / "table.txt")
    sents = [line.decode("utf-8", "surrogateescape").split()
             for line in path.read_bytes().split(b"\n")]
    lists = "\n".join("\x00".join(s) for s in p.apply(sents))
    w2v.Phrases.build(sents, **kw).save(tmp_path / "lists_table.txt")
    return tuple(_sha((tmp_path / name).read_bytes()) for name in
                 ("built.txt", "applied.txt", "table.txt")) \
        + (_sha(lists.encode("utf-8", "surrogateescape")),
           _sha((tmp_path / "lists_table.txt").read_bytes()))


CASES = {
    ('word2phrase', (2.0,), False, None):
        ('4e3145382410f8f0', '4e3145382410f8f0', 'ca0c8039f59986a2',
         '0e5dca1d081f2ff2', 'ab287f10b338f2a8'),
    ('word2phrase', (2.0,), True, None):
        ('99528bc871205f08', '99528bc871205f08', 'a20902d7e0cd227b',
         'ae6c3c2aabf7d869', 'c42051a9735a3e5f'),
    ('word2phrase', (4.0, 2.0), False, None):
        ('bf6c883256e34c40', 'bf6c883256e34c40', 'ba183d734c6ada3f',
         'e5bed0d6469477a5', '6c26c3146741d2b6'),
    ('word2phrase', (4.0, 2.0), True, None):
        ('1825cd74bd536bd0', '1825cd74bd536bd0', 'b360192c447dcfef',
         '4ee687f1f48acb11', '33c861cd0d463be1'),
    ('npmi', (0.3,), False, None):
        ('3b582676e96f31c5', '3b582676e96f31c5', '906878b49551c1a1',
         '723b4d2f4e0deb19', '906878b49551c1a1'),
    ('npmi', (0.3,), True, None):
        ('a12820f992cd0d2e', 'a12820f992cd0d2e', '6ad335b59965d5d3',
         'c07b4b2c733f53a2', '6ad335b59965d5d3'),
    ('npmi', (0.5, 0.3), False, None):
        ('520086634e83e07e', '520086634e83e07e', 'bd2a8a411e8eaeeb',
         'd78d4c0e0a48e625', 'bd2a8a411e8eaeeb'),
    ('npmi', (0.5, 0.3), True, None):
        ('056144ce897ce704', '056144ce897ce704', '8ebe5cd4e8633db8',
         '0d1c3052eebd8fe3', '8ebe5cd4e8633db8'),
    ('word2phrase', (2.0,), False, 300):
        ('7a12858e2be64f55', '7a12858e2be64f55', '23c5f09cd683b56d',
         '1ddb2f7cde1ccac3', '23c5f09cd683b56d'),
    ('word2phrase', (2.0,), True, 300):
        ('a9198b7c45323466', 'a9198b7c45323466', 'f401b5c31ec35f47',
         'a62b12e5eeedf7d1', 'f401b5c31ec35f47'),
}


@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("case", sorted(CASES, key=repr), ids=repr)
def test_phrases_output_is_pinned(tmp_path, monkeypatch, case, threads):
    monkeypatch.setattr(phrases_count, "BLOCK_BYTES", 997)
    assert digests(tmp_path, case, threads) == CASES[case]
