"""Drop-ins for word2vec.c's query tools: ``compute-accuracy VECTORS [THRESHOLD] < questions``
and the interactive ``distance VECTORS`` and ``word-analogy VECTORS`` loops.

Same prompts, same input rules and the same output, byte for byte, as the C programs
(so their demo scripts run with ``word2vec-fast`` put in front), computed with the
library's batched queries instead of a C loop over the vocabulary.  Where the C
programs misbehave the drop-ins do not: they read every vector format ``load`` reads
(not only binary), keep words longer than 50 bytes whole, and end at the end of
their input (the C loops then spin forever), at ``EXIT`` as the C programs do.
"""
from __future__ import annotations

import sys

import numpy as np

from .common import Parser, add_vectors_arg, int_at_least, load_vectors

TOP_N = 40  # rows distance and word-analogy print, as the C programs
_RULE = "-" * 72 + "\n"
_HEAD_DISTANCE = "\n" + " " * 46 + "Word       Cosine distance\n" + _RULE
_HEAD_ANALOGY = "\n" + " " * 46 + "Word              Distance\n" + _RULE
SEMANTIC_SECTIONS = 5  # compute-accuracy counts the first five sections as semantic


def _parser(prog, description, threshold=False):
    p = Parser(prog=f"word2vec-fast {prog}", description=description)
    add_vectors_arg(p, limit=not threshold)
    if threshold:
        p.add_argument("threshold", metavar="THRESHOLD", nargs="?", type=int_at_least(0),
                       default=0, help="use only the first THRESHOLD words (0 = all, the "
                                       "default; typical value 30000)")
    return p


def _out():
    return sys.stdout.buffer


def _write(s: str) -> None:
    _out().write(s.encode("utf-8", "surrogateescape"))


def _c_words(line: str) -> list:
    """The words of an input line as the C loops cut it: at each space, which is
    dropped, the character after it always starting the next word."""
    words, cur, i = [], line[:1], 1
    while i < len(line):
        if line[i] == " ":
            words.append(cur)
            cur = line[i + 1:i + 2]
            i += 2
        else:
            cur += line[i]
            i += 1
    words.append(cur)
    return words


def _c_row(word: str, width: int = 50) -> str:
    """``printf("%50s")``: right-aligned in ``width`` bytes (not characters)."""
    pad = width - len(word.encode("utf-8", "surrogateescape"))
    return " " * max(pad, 0) + word


def _top_rows(vecs, q, exclude, floor):
    """The TOP_N best (row, score) by cosine with unit vector ``q``, scores > ``floor``,
    rows in ``exclude`` left out; ties keep the lower row first (as the C insertion)."""
    s = vecs._cosines(q[None, :], len(vecs))[0]
    s[list(exclude)] = -np.inf
    k = min(TOP_N, len(s))
    cand = np.argpartition(-s, k - 1)[:k] if k < len(s) else np.arange(len(s))
    cand = cand[np.lexsort((cand, -s[cand]))]
    return [(int(i), float(s[i])) for i in cand if s[i] > floor]


def _interactive(vecs, prompt, answer) -> int:
    """The C programs' loop: prompt, read a line, ``EXIT`` ends, else ``answer(words)``."""
    inp = sys.stdin.buffer
    while True:
        _write(prompt)
        _out().flush()
        raw = inp.readline()
        if not raw:  # end of input
            return 0
        line = raw[:-1] if raw.endswith(b"\n") else raw
        line = line.decode("utf-8", "surrogateescape")
        if line == "EXIT":
            return 0
        answer(vecs, _c_words(line))


def _positions(vecs, words, missing, zero_is_missing=False):
    """Print each word's position as the C programs do; None at the first unknown word."""
    rows = []
    for w in words:
        i = vecs.get_index(w, -1) if isinstance(w, str) and w else -1
        if zero_is_missing and i <= 0:
            i = 0  # word-analogy reads row 0 (word2vec.c's </s>) as "not found"
        _write(f"\nWord: {w}  Position in vocabulary: {i if i >= 0 else missing}\n")
        if i < 0 or (zero_is_missing and i == 0):
            _write("Out of dictionary word!\n")
            return None
        rows.append(i)
    return rows


def _print_top(top, floor):
    """The TOP_N lines; slots without a word print an empty name and ``floor``."""
    lines = [f"{_c_row(word)}\t\t{score:f}\n" for word, score in top]
    lines += [f"{_c_row('')}\t\t{floor:f}\n"] * (TOP_N - len(top))
    _write("".join(lines))


def _distance_answer(vecs, words):
    rows = _positions(vecs, words, -1)
    if rows is None:
        return
    _write(_HEAD_DISTANCE)
    q = vecs.unit_rows(rows).sum(axis=0)
    q /= np.float32(np.linalg.norm(q)) if np.linalg.norm(q) > 0 else np.float32(1)
    top = _top_rows(vecs, q, set(rows), -1.0)
    _print_top([(vecs.words[i], s) for i, s in top], -1.0)


def _analogy_answer(vecs, words):
    if len(words) < 3:
        _write(f"Only {len(words)} words were entered.. three words are needed at the input "
               "to perform the calculation\n")
        return
    rows = _positions(vecs, words, 0, zero_is_missing=True)
    if rows is None:
        return
    _write(_HEAD_ANALOGY)
    u = vecs.unit_rows(rows[:3])
    q = u[1] - u[0] + u[2]
    n = np.linalg.norm(q)
    q = q / np.float32(n) if n > 0 else q
    top = _top_rows(vecs, q, set(rows), 0.0)
    _print_top([(vecs.words[i], s) for i, s in top], 0.0)


def run_distance(argv) -> int:
    """``word2vec-fast distance VECTORS``: word2vec.c's ``distance`` loop."""
    a = _parser("distance", "Nearest words to a word or a sentence, interactively "
                            "(word2vec.c's distance, same prompts and output).").parse_strict(argv)
    return _interactive(load_vectors(a.vectors, a.limit),
                        "Enter word or sentence (EXIT to break): ", _distance_answer)


def run_word_analogy(argv) -> int:
    """``word2vec-fast word-analogy VECTORS``: word2vec.c's ``word-analogy`` loop."""
    a = _parser("word-analogy", "A is to B as C is to ?, interactively (word2vec.c's "
                                "word-analogy, same prompts and output).").parse_strict(argv)
    return _interactive(load_vectors(a.vectors, a.limit), "Enter three words (EXIT to break): ",
                        _analogy_answer)


# -- compute-accuracy --------------------------------------------------------------------

def _ascii_upper(b: bytes) -> bytes:
    return b.upper()  # bytes.upper changes a-z only, as C's toupper in the C locale


def _pct(num, den) -> str:
    """``printf("%.2f", num / (float)den * 100)``, float32 arithmetic, glibc's NaN."""
    with np.errstate(all="ignore"):
        x = np.float32(num) / np.float32(den) * np.float32(100)
    return "-nan" if np.isnan(x) else f"{float(x):.2f}"


class _Accuracy:
    """compute-accuracy's counters and its reading of the question stream."""

    def __init__(self, vecs):
        self.vecs = vecs
        self.rows = {}
        for i, w in enumerate(vecs.words):  # the first of words equal when upper-cased
            self.rows.setdefault(_ascii_upper(w.encode("utf-8", "surrogateescape")), i)
        self.names = [_ascii_upper(w.encode("utf-8", "surrogateescape")) for w in vecs.words]
        self.tcn = self.ccn = self.tacn = self.cacn = self.secn = self.sycn = 0
        self.seac = self.syac = self.qid = self.tq = self.tqs = 0

    def section(self, questions):
        """Score one section's questions (four upper-cased words each)."""
        ok = []
        for q in questions:
            self.tq += 1
            r = [self.rows.get(w, -1) for w in q]
            if min(r) >= 0:
                ok.append((r, q[3]))
        if not ok:
            return
        self.tqs += len(ok)
        ia, ib, ic = (np.array([r[0][j] for r in ok], dtype=np.int64) for j in range(3))
        idx, sc = self.vecs.analogy_topk(ia, ib, ic, 1, len(self.vecs))
        semantic = self.qid <= SEMANTIC_SECTIONS
        for (_, want), best, score in zip(ok, idx[:, 0].tolist(), sc[:, 0].tolist()):
            right = score > 0 and self.names[best] == want
            self.ccn += right
            self.cacn += right
            if semantic:
                self.seac += right
                self.secn += 1
            else:
                self.syac += right
                self.sycn += 1
            self.tcn += 1
            self.tacn += 1

    def report(self):
        if self.tcn == 0:
            self.tcn = 1
        if self.qid != 0:
            _write(f"ACCURACY TOP1: {_pct(self.ccn, self.tcn)} %  ({self.ccn} / {self.tcn})\n"
                   f"Total accuracy: {_pct(self.cacn, self.tacn)} %   Semantic accuracy: "
                   f"{_pct(self.seac, self.secn)} %   Syntactic accuracy: "
                   f"{_pct(self.syac, self.sycn)} % \n")


def run_compute_accuracy(argv) -> int:
    """``word2vec-fast compute-accuracy VECTORS [THRESHOLD] < questions-words.txt``."""
    a = _parser("compute-accuracy",
                "Analogy accuracy of a vectors file on the questions read from standard "
                "input, as word2vec.c's compute-accuracy computes and prints it (for "
                "gensim's rules and a per-file report use 'word2vec-fast eval').",
                threshold=True).parse_strict(argv)
    vecs = load_vectors(a.vectors, a.threshold or None)
    acc = _Accuracy(vecs)
    toks = iter(sys.stdin.buffer.read().split())
    questions = []
    while True:
        t = next(toks, None)
        if t is None or _ascii_upper(t) in (b":", b"EXIT"):
            acc.section(questions)
            questions = []
            acc.report()
            acc.qid += 1
            name = next(toks, None)
            if name is None:
                break
            _write(name.decode("utf-8", "surrogateescape") + ":\n")
            acc.tcn = acc.ccn = 0
            continue
        rest = [next(toks, None) for _ in range(3)]
        if rest[-1] is None:  # a question cut short by the end of input
            continue
        questions.append([_ascii_upper(w) for w in [t] + rest])
    _write(f"Questions seen / total: {acc.tqs} {acc.tq}   {_pct(acc.tqs, acc.tq)} % \n")
    return 0
