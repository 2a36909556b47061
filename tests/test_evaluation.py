"""Analogy and word-pair evaluation: hand-checked cases, and equality with gensim."""
import numpy as np
import pytest

import word2vec_fast as w2v
from word2vec_fast import Vectors


def _planted(seed=0, n=40, dim=24, noise=1.4):
    """Pairs x_i -> y_i = x_i + D + noise, plus distractors, case variants and rare words.

    Row order matters: case variants come after their lower-case word (so the latter
    represents them), and the last words fall outside restrict_vocab=R below.
    """
    rng = np.random.default_rng(seed)
    d = rng.standard_normal(dim)
    xs = rng.standard_normal((n, dim))
    ys = xs + d + noise * rng.standard_normal((n, dim))
    words = [f"x{i}" for i in range(n)] + [f"y{i}" for i in range(n)]
    rows = list(xs) + list(ys)
    # upper-case twins of some y's sit right next to them: gensim skips such a
    # candidate when it is (case-insensitively) a question word
    for i in range(0, n, 3):
        words.append(f"Y{i}")
        rows.append(ys[i] + 0.05 * rng.standard_normal(dim))
    words += [f"d{i}" for i in range(30)]
    rows += list(rng.standard_normal((30, dim)))
    words += ["rare0", "rare1"]
    rows += list(rng.standard_normal((2, dim)))
    return Vectors(words, np.asarray(rows, dtype=np.float32))


def _questions(path, n=40, seed=1):
    rng = np.random.default_rng(seed)
    lines = [": first-section"]
    for _ in range(150):
        i, j = rng.choice(n, 2, replace=False)
        lines.append(f"x{i} y{i} x{j} y{j}")
    lines += ["x1 y1 x2", "", "X3 Y3 x4 Y4", "x1 y1 zzz y2", "x1 y1 rare0 y2"]
    lines.append(": gram-second")
    for _ in range(100):
        i, j = rng.choice(n, 2, replace=False)
        lines.append(f"y{i} x{i} y{j} x{j}")
    lines.append(": all-unknown")
    lines += ["zzz yyy xxx www", "a b c"]
    lines.append(":not-a-section line")
    path.write_text("\n".join(lines) + "\n")


R = 40 * 2 + 14 + 30  # x's, y's, twins, distractors: everything but rare0/rare1


def test_analogies_hand_checked(tmp_path):
    v = Vectors(["king", "queen", "man", "woman", "Paris", "France", "Rome", "Italy", "rare"],
                np.array([[1, 1, 0, 0], [1, -1, 0, 0], [0.1, 1, 0.05, 0], [0.1, -1, 0.05, 0],
                          [0, 0, 1, 1], [0, 0, 1, -1], [0, 0.1, -1, 1], [0, 0.1, -1, -1],
                          [1, 0, 0, 1]], dtype=np.float32))
    (tmp_path / "q.txt").write_text(": royal\nman king woman queen\nking man queen woman\n"
                                    "man woman king rare\n\nbad line\n: capitals\n"
                                    "paris france rome italy\nParis France Rome France\n")
    r = w2v.evaluate_analogies(v, tmp_path / "q.txt", restrict_vocab=8)
    assert [s.name for s in r.sections] == ["royal", "capitals"]
    assert r.sections[0].correct == [("MAN", "KING", "WOMAN", "QUEEN"),
                                     ("KING", "MAN", "QUEEN", "WOMAN")]
    # the expected answer is a question word: never predicted
    assert r.sections[1].correct == [("PARIS", "FRANCE", "ROME", "ITALY")]
    assert r.sections[1].incorrect == [("PARIS", "FRANCE", "ROME", "FRANCE")]
    assert (r.questions, r.oov, r.evaluated, r.correct) == (5, 1, 4, 3)
    assert r.accuracy == 0.75 and r.oov_ratio == 20.0
    assert r.semantic_accuracy == 0.75 and r.syntactic_accuracy == 0.0
    # case-sensitive: "paris" is not a word
    r = v.evaluate_analogies(tmp_path / "q.txt", restrict_vocab=8, case_insensitive=False)
    assert (r.oov, r.correct) == (2, 2)
    (tmp_path / "noheader.txt").write_text("man king woman queen\n")
    with pytest.raises(ValueError, match="before the first"):
        w2v.evaluate_analogies(v, tmp_path / "noheader.txt")


def test_word_pairs_hand_checked(tmp_path):
    v = Vectors(["a", "b", "c", "d"], np.array([[1, 0], [1, 1], [0, 1], [-1, 0.2]], np.float32))
    (tmp_path / "p.tsv").write_text("# comment\nA\tb\t9\na\tc\t5\nb c 7\nc\td\t1\n"
                                    "a\tzzz\t3\nbad\tline\nx\ty\tnotanumber\n")
    r = w2v.evaluate_word_pairs(v, tmp_path / "p.tsv")
    sims = [v.similarity("a", "b"), v.similarity("a", "c"), v.similarity("b", "c"),
            v.similarity("c", "d")]
    gold = [9, 5, 7, 1]
    assert (r.pairs, r.oov, r.oov_ratio) == (4, 1, 20.0)
    assert r.pearson == pytest.approx(np.corrcoef(gold, sims)[0, 1], abs=1e-6)
    # ranks: gold 4,2,3,1 / model: a-b .707, a-c 0, b-c .707, c-d .196 -> 3.5,1,3.5,2
    assert r.spearman == pytest.approx(np.corrcoef([4, 2, 3, 1], [3.5, 1, 3.5, 2])[0, 1])
    (tmp_path / "none.tsv").write_text("zzz\tyyy\t1\n")
    with pytest.raises(ValueError, match="no word pair"):
        w2v.evaluate_word_pairs(v, tmp_path / "none.tsv")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_analogies_equal_gensim(tmp_path, seed):
    pytest.importorskip("gensim")
    from gensim.models import KeyedVectors
    v = _planted(seed)
    _questions(tmp_path / "q.txt", seed=seed + 10)
    kv = KeyedVectors(v.dim)
    kv.add_vectors(v.words, v.vectors)
    for restrict, ci in ((R, True), (R, False), (None, True), (60, True)):
        ours = w2v.evaluate_analogies(v, tmp_path / "q.txt", restrict_vocab=restrict,
                                      case_insensitive=ci)
        score, sections = kv.evaluate_word_analogies(
            str(tmp_path / "q.txt"), restrict_vocab=restrict if restrict else 10 ** 9,
            case_insensitive=ci)
        assert 0.2 < ours.accuracy < 0.95 or restrict == 60  # the test is not trivial
        assert ours.accuracy == score
        assert [s.name for s in ours.sections] + ["Total accuracy"] == \
            [s["section"] for s in sections]
        for mine, theirs in zip(ours.sections, sections):
            assert mine.correct == theirs["correct"]
            assert mine.incorrect == theirs["incorrect"]
        assert ours.evaluated == len(sections[-1]["correct"]) + len(sections[-1]["incorrect"])


def test_word_pairs_equal_gensim(tmp_path):
    pytest.importorskip("gensim")
    from gensim.models import KeyedVectors
    v = _planted(3)
    rng = np.random.default_rng(4)
    lines = ["# WordSim-like", "# w1\tw2\tscore"]
    for k in range(120):
        a, b = rng.choice(v.words[:R], 2, replace=False)
        lines.append(f"{a.upper() if k % 5 == 0 else a}\t{b}\t{rng.integers(0, 20) / 2}")
    lines += ["x1\tzzz\t3.0", "rare0\tx1\t2.0", "broken\tline", "x1\tx2\tnan?", "\r", ""]
    (tmp_path / "p.tsv").write_text("\n".join(lines))
    kv = KeyedVectors(v.dim)
    kv.add_vectors(v.words, v.vectors)
    for restrict in (R, 300000):
        ours = w2v.evaluate_word_pairs(v, tmp_path / "p.tsv", restrict_vocab=restrict)
        pearson, spearman, oov = kv.evaluate_word_pairs(str(tmp_path / "p.tsv"),
                                                        restrict_vocab=restrict)
        assert ours.pearson == pytest.approx(pearson[0], abs=1e-6)
        assert ours.spearman == pytest.approx(spearman[0], abs=1e-6)
        assert ours.oov_ratio == oov
    # the same pairs separated by spaces give the same numbers
    (tmp_path / "p.txt").write_text("\n".join(x.replace("\t", " ") for x in lines))
    spaced = w2v.evaluate_word_pairs(v, tmp_path / "p.txt")
    assert (spaced.pearson, spaced.spearman, spaced.oov_ratio) == \
        (ours.pearson, ours.spearman, ours.oov_ratio)
