"""The two standard word-vector benchmarks, with gensim's (and compute-accuracy's) rules.

* :func:`evaluate_analogies` -- ``questions-words.txt`` style files: ``": section"``
  lines, then ``a b c d`` questions ("a is to b as c is to d").
* :func:`evaluate_word_pairs` -- WordSim-353 style files: ``word1 word2 score`` lines,
  ``#`` comments.

The numbers equal gensim 4's ``KeyedVectors.evaluate_word_analogies`` and
``evaluate_word_pairs`` on the same vectors and files (a test checks it): the same
upper-casing, the same questions skipped and counted, the same exclusion of the
question words, the same out-of-vocabulary ratio.  What differs is speed: the
analogy search is batched, one matrix product per block of questions.
"""
from __future__ import annotations

import io
import os
from dataclasses import dataclass, field

import numpy as np

from .compression import open_read

# gensim looks at this many answers per question before giving up on the ones that
# are (case-insensitively) one of the question words.
_CANDIDATES = 5


@dataclass
class AnalogySection:
    """Results of one ``": section"`` of an analogy file."""

    name: str
    correct: list = field(default_factory=list)    # (A, B, C, D) questions answered right
    incorrect: list = field(default_factory=list)  # ... and wrong

    @property
    def accuracy(self) -> float:
        """Fraction correct among the questions evaluated (0.0 when none were)."""
        n = len(self.correct) + len(self.incorrect)
        return len(self.correct) / n if n else 0.0


@dataclass
class AnalogyResult:
    """What :func:`evaluate_analogies` found.

    Attributes
    ----------
    accuracy : float
        Correct / evaluated over all sections (gensim's returned score).
    sections : list of AnalogySection
        Per section, in file order (gensim's list without its final total entry).
    questions : int
        Well-formed question lines (four words).
    oov : int
        Questions skipped because a word is not among the first ``restrict_vocab``.
    oov_ratio : float
        ``100 * oov / questions`` (a percentage, as gensim logs it).
    semantic_accuracy, syntactic_accuracy : float
        Accuracy over the sections whose name does not / does start with ``gram``
        (compute-accuracy's split of questions-words.txt).
    """

    accuracy: float
    sections: list
    questions: int
    oov: int
    oov_ratio: float
    semantic_accuracy: float
    syntactic_accuracy: float

    @property
    def correct(self) -> int:
        """Questions answered right."""
        return sum(len(s.correct) for s in self.sections)

    @property
    def evaluated(self) -> int:
        """Questions evaluated (not skipped)."""
        return sum(len(s.correct) + len(s.incorrect) for s in self.sections)


@dataclass
class WordPairsResult:
    """What :func:`evaluate_word_pairs` found.

    ``pearson`` and ``spearman`` are the correlation coefficients (gensim returns them
    with p-values, as ``pearson[0]`` and ``spearman[0]``); ``oov_ratio`` is the
    percentage of pairs skipped for an unknown word; ``pairs`` counts the pairs used.
    """

    pearson: float
    spearman: float
    oov_ratio: float
    pairs: int
    oov: int


def _open_text(path, encoding, newline=None):
    """Open a text file, decompressing .gz/.bz2/.xz by content (newlines as in open())."""
    return io.TextIOWrapper(open_read(path), encoding=encoding, newline=newline)


def _ok_vocab(vectors, restrict_vocab, case_insensitive):
    """Key -> row for the first ``restrict_vocab`` words; the first row wins a key."""
    words = vectors.words[:restrict_vocab]
    keys = [w.upper() for w in words] if case_insensitive else words
    # Inserting in reverse leaves each key at its smallest (most frequent) row.
    return dict(zip(reversed(keys), range(len(keys) - 1, -1, -1))), keys


def evaluate_analogies(vectors, path, restrict_vocab=30000, case_insensitive=True,
                       method="add") -> AnalogyResult:
    """Accuracy on an analogy file (``questions-words.txt`` format).

    Parameters
    ----------
    vectors : Vectors
    path : str or os.PathLike
        ``": name"`` lines start sections; other lines are ``a b c d``.  Lines with
        another number of words are ignored (not counted).
    restrict_vocab : int or None
        Only the first ``restrict_vocab`` words (the most frequent) take part:
        questions with any other word are skipped and counted in ``oov``, and
        answers are searched among them only.
    case_insensitive : bool
        Upper-case question words and vocabulary before matching (a word's first,
        most frequent, case variant represents it).
    method : {"add", "mul"}
        3CosAdd (gensim's and compute-accuracy's rule; the default) or 3CosMul.

    Returns
    -------
    AnalogyResult

    Notes
    -----
    The answer is the best-scoring word among the first ``restrict_vocab`` other
    than the three question words' rows; as in gensim, the first of the five best
    whose (upper-cased) form is not one of the question words is taken.
    """
    if restrict_vocab is not None:
        restrict_vocab = int(restrict_vocab)
    ok, keys = _ok_vocab(vectors, restrict_vocab, case_insensitive)
    lim = len(keys)

    sections = []
    questions = oov = 0
    qsec, qa, qb, qc, qtuple = [], [], [], [], []
    # gensim splits lines at "\n" only (it reads bytes); keep that for exact counts
    with _open_text(path, "utf-8", newline="\n") as f:
        for line_no, line in enumerate(f, 1):
            if line.startswith(": "):
                sections.append(AnalogySection(line.lstrip(": ").strip()))
                continue
            if not sections:
                raise ValueError(f"{os.fspath(path)}: line {line_no}: a question before the "
                                 "first ': section' line")
            ws = line.split()
            if len(ws) != 4:
                continue
            if case_insensitive:
                ws = [w.upper() for w in ws]
            questions += 1
            if not all(w in ok for w in ws):
                oov += 1
                continue
            qsec.append(len(sections) - 1)
            qa.append(ok[ws[0]])
            qb.append(ok[ws[1]])
            qc.append(ok[ws[2]])
            qtuple.append(tuple(ws))

    if qtuple:
        # the three question rows are excluded inside analogy_topk, so the first
        # _CANDIDATES slots are exactly gensim's candidates
        idx, sc = vectors.analogy_topk(qa, qb, qc, _CANDIDATES, lim, method)
        idx, fin = idx.tolist(), np.isfinite(sc).tolist()
    for n, (a, b, c, d) in enumerate(qtuple):
        ignore = (a, b, c)
        predicted = None
        for i, ok_slot in zip(idx[n], fin[n]):
            if not ok_slot:
                break
            predicted = keys[i]
            if predicted not in ignore:
                break
        sec = sections[qsec[n]]
        (sec.correct if predicted == d else sec.incorrect).append((a, b, c, d))

    def acc(secs):
        c = sum(len(s.correct) for s in secs)
        n = c + sum(len(s.incorrect) for s in secs)
        return c / n if n else 0.0

    return AnalogyResult(
        accuracy=acc(sections),
        sections=sections,
        questions=questions,
        oov=oov,
        oov_ratio=100.0 * oov / questions if questions else 0.0,
        semantic_accuracy=acc([s for s in sections if not s.name.startswith("gram")]),
        syntactic_accuracy=acc([s for s in sections if s.name.startswith("gram")]),
    )


def _rank(x):
    """Ranks 1..n, ties sharing their average rank (as Spearman's rho needs)."""
    order = np.argsort(x, kind="mergesort")
    xs = x[order]
    edges = np.flatnonzero(np.r_[True, xs[1:] != xs[:-1], True])
    counts = np.diff(edges)
    avg = (edges[:-1] + edges[1:] + 1) / 2.0  # mean of 1-based ranks start+1 .. end
    ranks = np.empty(len(x), dtype=np.float64)
    ranks[order] = np.repeat(avg, counts)
    return ranks


def _pearson(x, y):
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    xm = x - x.mean()
    ym = y - y.mean()
    den = np.linalg.norm(xm) * np.linalg.norm(ym)
    if den == 0:
        return float("nan")
    return float(np.clip(np.dot(xm / np.linalg.norm(xm), ym / np.linalg.norm(ym)), -1.0, 1.0))


def evaluate_word_pairs(vectors, path, delimiter=None, restrict_vocab=300000,
                        case_insensitive=True, encoding="utf-8",
                        unknown_words=False) -> WordPairsResult:
    """Pearson and Spearman correlation of cosine similarity with human scores.

    Parameters
    ----------
    vectors : Vectors
    path : str or os.PathLike
        Lines ``word1 word2 score``; lines starting with ``#`` are comments, lines
        without exactly three fields or with a non-numeric score are ignored.
    delimiter : str or None
        Field separator.  ``None``: a tab when the line has one (gensim's default
        and WordSim-353's format), otherwise runs of whitespace.
    restrict_vocab : int or None
        Pairs with a word outside the first ``restrict_vocab`` words are skipped and
        counted in ``oov`` (gensim's default, 300000, is kept).
    case_insensitive : bool
        Upper-case both sides before matching.
    encoding : str
    unknown_words : bool
        Subword vectors (:class:`~word2vec_fast.subwords.SubwordVectors`): score a
        pair with a word outside the vocabulary (or ``restrict_vocab``) from the
        vectors composed of its n-grams, as fastText's evaluation does, instead of
        skipping it; only pairs with a word that has no n-gram count in ``oov``.
        Words are then looked up as written (lower-cased if ``case_insensitive``).

    Returns
    -------
    WordPairsResult
    """
    compose = unknown_words and hasattr(vectors, "compose")
    if unknown_words and not compose:
        raise ValueError("unknown_words=True needs subword vectors (SubwordVectors)")
    if restrict_vocab is not None:
        restrict_vocab = int(restrict_vocab)
    ok, _ = _ok_vocab(vectors, restrict_vocab, case_insensitive)
    gold, ia, ib = [], [], []
    oov = 0
    with _open_text(path, encoding) as f:
        for line in f:
            if not line or line.startswith("#"):
                continue
            if delimiter is not None:
                parts = line.split(delimiter)
            elif "\t" in line:
                parts = line.split("\t")
            else:
                parts = line.split()
            if len(parts) != 3:
                continue
            a, b, s = (x.upper() for x in parts) if case_insensitive else parts
            try:
                s = float(s)
            except ValueError:
                continue
            if a not in ok or b not in ok:
                if compose:
                    wa, wb = (x.lower() if case_insensitive else x for x in parts[:2])
                    if wa in vectors and wb in vectors:
                        gold.append(s)
                        ia.append(vectors.get_vector(wa, norm=True))
                        ib.append(vectors.get_vector(wb, norm=True))
                        continue
                oov += 1
                continue
            gold.append(s)
            ia.append(ok[a])
            ib.append(ok[b])
    if not gold:
        raise ValueError(f"{os.fspath(path)}: no word pair with both words in the vocabulary "
                         "(or not a word-pairs file)")
    if compose:  # rows and composed unit vectors, in the file's order
        unit = lambda xs: np.stack([vectors.unit_rows([x])[0] if isinstance(x, int) else x
                                    for x in xs])
        model = np.einsum("ij,ij->i", unit(ia), unit(ib))
    else:
        model = np.einsum("ij,ij->i", vectors.unit_rows(ia), vectors.unit_rows(ib))
    gold = np.asarray(gold, dtype=np.float64)
    return WordPairsResult(
        pearson=_pearson(gold, model),
        spearman=_pearson(_rank(gold), _rank(model.astype(np.float64))),
        oov_ratio=100.0 * oov / (len(gold) + oov),
        pairs=len(gold),
        oov=oov,
    )
