"""Corpus edits and text counts the command line relies on: ``Corpus.without_word`` and
``count_newlines``."""
import bz2
import gzip

import numpy as np

from word2vec_fast import Corpus, Vocab, count_and_encode
from word2vec_fast.scan import count_newlines


def test_without_word_removes_its_tokens_and_shifts_the_ids():
    vocab = Vocab(["a", "</s>", "b", "c"], [5, 4, 3, 2])
    ids = [0, 1, 2, 1, 1, 3, 0, 2]
    corpus = Corpus(ids, [0, 3, 5, 8], vocab, dropped=7)
    out = corpus.without_word("</s>")
    assert out.vocab.words == ["a", "b", "c"]
    assert out.vocab.counts.tolist() == [5, 3, 2]
    assert out.ids.tolist() == [0, 1, 2, 0, 1]
    # the second sentence held only the word: it stays, empty
    assert out.offsets.tolist() == [0, 2, 2, 5]
    assert [s.tolist() for s in out.sentences()] == [[0, 1], [], [2, 0, 1]]
    assert out.dropped == 7 + 4
    assert corpus.ids.tolist() == ids  # the original is left as it was


def test_without_word_absent_returns_the_same_corpus():
    corpus = Corpus([0, 1], None, Vocab(["a", "b"], [1, 1]))
    assert corpus.without_word("zz") is corpus


def test_without_word_of_an_encoded_text_equals_encoding_without_it(tmp_path):
    path = tmp_path / "eos.txt"
    path.write_text("a b </s> c a b\nb a c </s>\n" * 50)
    out = count_and_encode(path, min_count=1).without_word("</s>")
    plain = tmp_path / "plain.txt"
    plain.write_text("a b c a b\nb a c\n" * 50)
    ref = count_and_encode(plain, min_count=1)
    assert out.vocab.words == ref.vocab.words
    assert out.vocab.counts.tolist() == ref.vocab.counts.tolist()
    assert np.array_equal(out.ids, ref.ids) and np.array_equal(out.offsets, ref.offsets)
    assert out.dropped == ref.dropped + 100


def test_count_newlines_plain_and_compressed(tmp_path):
    data = b"a b\n\nc d e\nf"  # three newlines, no newline at the end
    (tmp_path / "t.txt").write_bytes(data)
    with gzip.open(tmp_path / "t.txt.gz", "wb") as f:
        f.write(data)
    (tmp_path / "t.txt.bz2").write_bytes(bz2.compress(data))
    (tmp_path / "empty.txt").write_bytes(b"")
    for name in ("t.txt", "t.txt.gz", "t.txt.bz2"):
        assert count_newlines(tmp_path / name) == 3
    assert count_newlines(tmp_path / "empty.txt") == 0
