"""The drop-ins for word2vec.c's compute-accuracy, distance and word-analogy: their output
against a plain NumPy reference written from the C programs' rules, and against the C
programs themselves where they are installed (numbers to the last printed digit: the C
programs sum floats in another order)."""
import io
import re
import subprocess
import sys

import numpy as np
import pytest

from word2vec_fast import Vectors
from word2vec_fast.cli import main
from word2vec_fast.cli.ctools import _c_words

from conftest import c_tool

CAPITALS = ["Paris", "Berlin", "Athens", "Rome", "Madrid", "Oslo", "Lisbon", "Vienna"]
COUNTRIES = ["france", "germany", "greece", "italy", "spain", "norway", "portugal", "austria"]
ADJ = ["big", "small", "fast", "slow", "tall", "long"]
COMP = ["bigger", "smaller", "faster", "slower", "taller", "longer"]


@pytest.fixture(scope="module")
def vec_file(tmp_path_factory):
    """Vectors where most analogies hold (country = capital + offset + noise), word2vec.c's
    </s> first, mixed case, a non-ASCII word and a 60-byte one; binary."""
    rng = np.random.default_rng(4)
    dim = 12
    rows, words = [rng.standard_normal(dim)], ["</s>"]
    off, grad = rng.standard_normal(dim) * 1.5, rng.standard_normal(dim) * 1.5
    for cap, cty in zip(CAPITALS, COUNTRIES):
        c = rng.standard_normal(dim)
        rows += [c, c + off + rng.standard_normal(dim) * 0.6]
        words += [cap, cty]
    for a, b in zip(ADJ, COMP):
        c = rng.standard_normal(dim)
        rows += [c, c + grad + rng.standard_normal(dim) * 0.9]
        words += [a, b]
    words += ["Über", "x" * 40] + [f"w{i}" for i in range(60)]
    rows += list(rng.standard_normal((62, dim)))
    p = tmp_path_factory.mktemp("ctools") / "v.bin"
    Vectors(words, np.array(rows, dtype=np.float32)).save(p)
    return p


def _questions():
    lines = [": capital-common-countries"]
    for i in range(len(CAPITALS)):
        for j in range(len(CAPITALS)):
            if i != j:
                lines.append(f"{CAPITALS[i].lower()} {COUNTRIES[i]} {CAPITALS[j]} {COUNTRIES[j]}")
    lines += [": gram2-comparative"]
    for i in range(len(ADJ)):
        for j in range(len(ADJ)):
            if i != j:
                lines.append(f"{ADJ[i]} {COMP[i]} {ADJ[j]} {COMP[j].upper()}")
    lines += ["big bigger unknownword smaller"]
    return "\n".join(lines) + "\n"


def _cli(args, stdin=""):
    """``word2vec-fast ARGS < stdin`` in this process: (exit status, stdout, stderr)."""
    old = sys.stdin, sys.stdout, sys.stderr
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin.encode()))
    sys.stdout, sys.stderr = (io.TextIOWrapper(io.BytesIO(), encoding="utf-8") for _ in "ab")
    try:
        rc = main([str(a) for a in args])
        out = []
        for f in (sys.stdout, sys.stderr):
            f.flush()
            out.append(f.buffer.getvalue().decode())
    finally:
        sys.stdin, sys.stdout, sys.stderr = old
    return rc, out[0], out[1]


def _run(args, stdin):
    rc, out, err = _cli(args, stdin)
    assert rc == 0, err
    return out


_NUM = re.compile(r"-?\d+\.\d{6}")


def _same(ours, theirs, tol=1.5e-6):
    """Equal text, the 6-decimal numbers equal to the last digit."""
    assert _NUM.sub("#", ours) == _NUM.sub("#", theirs)
    a = np.array([float(x) for x in _NUM.findall(ours)])
    b = np.array([float(x) for x in _NUM.findall(theirs)])
    np.testing.assert_allclose(a, b, atol=tol, rtol=0)


def _unit(vecs):
    m = vecs.vectors.astype(np.float64)
    return m / np.linalg.norm(m, axis=1, keepdims=True)


def _ref_loop(vecs, lines, prompt, answer):
    out = []
    for line in lines:
        out.append(prompt)
        if line == "EXIT":
            break
        out.append(answer(vecs, _c_words(line)))
    return "".join(out)


def _ref_rows(vecs, words, missing_at):
    """word -> row as the C loops look it up (first match), with their messages."""
    text, rows = "", []
    for w in words:
        i = vecs.words.index(w) if w in vecs.words else missing_at
        text += f"\nWord: {w}  Position in vocabulary: {i}\n"
        if i == missing_at:
            return text + "Out of dictionary word!\n", None
        rows.append(i)
    return text, rows


def _ref_top(vecs, q, exclude, floor, head):
    s = _unit(vecs) @ q
    order = [i for i in np.argsort(-s, kind="stable") if i not in exclude and s[i] > floor]
    lines = [(vecs.words[i], s[i]) for i in order[:40]]
    lines += [("", floor)] * (40 - len(lines))
    return head + "".join(
        " " * max(0, 50 - len(w.encode())) + f"{w}\t\t{d:f}\n" for w, d in lines)


RULE = "-" * 72 + "\n"


def _ref_distance(vecs, words):
    text, rows = _ref_rows(vecs, words, -1)
    if rows is None:
        return text
    q = _unit(vecs)[rows].sum(axis=0)
    q /= np.linalg.norm(q)
    return text + _ref_top(vecs, q, set(rows), -1.0, "\n" + " " * 46
                           + "Word       Cosine distance\n" + RULE)


def _ref_analogy(vecs, words):
    if len(words) < 3:
        return (f"Only {len(words)} words were entered.. three words are needed at the input "
                "to perform the calculation\n")
    text, rows = _ref_rows(vecs, words, 0)
    if rows is None:
        return text
    u = _unit(vecs)
    q = u[rows[1]] - u[rows[0]] + u[rows[2]]
    q /= np.linalg.norm(q)
    return text + _ref_top(vecs, q, set(rows), 0.0, "\n" + " " * 46
                           + "Word              Distance\n" + RULE)


DISTANCE_IN = ["Paris", "Paris france", "nope", "Paris  france", "Über", "x" * 40, "</s>",
               "big bigger small", "EXIT"]
ANALOGY_IN = ["Paris france Berlin", "Paris france", "Paris nope Berlin", "</s> big small",
              "big bigger small slow", "fast  faster slow", "EXIT"]


@pytest.mark.parametrize("tool,lines,prompt,ref", [
    ("distance", DISTANCE_IN, "Enter word or sentence (EXIT to break): ", _ref_distance),
    ("word-analogy", ANALOGY_IN, "Enter three words (EXIT to break): ", _ref_analogy),
])
def test_interactive_loops(vec_file, tool, lines, prompt, ref):
    vecs = Vectors.load(vec_file)
    stdin = "\n".join(lines) + "\n"
    ours = _run([tool, str(vec_file)], stdin)
    _same(ours, _ref_loop(vecs, lines, prompt, ref))
    # the queries with every word known (row 0, </s>, counts as unknown to word-analogy;
    # "Paris  france" asks for " france")
    assert ours.count(RULE) == {"distance": 6, "word-analogy": 2}[tool]
    # the end of the input ends the loop (the C programs would spin)
    assert _run([tool, str(vec_file)], "Paris france Berlin").count(prompt) == 2
    c = c_tool(f"word2vec-{tool}")
    if c is None:
        pytest.skip(f"word2vec-{tool} (the C program) is not installed")
    theirs = subprocess.run([c, str(vec_file)], input=stdin.encode(), capture_output=True,
                            timeout=60).stdout.decode()
    _same(ours, theirs)


def _ref_accuracy(vecs, text, threshold):
    """compute-accuracy's rules, written out plainly."""
    n = threshold or len(vecs)
    up = [w.encode().upper() for w in vecs.words[:n]]
    u = _unit(vecs)[:n]
    first = {}
    for i, w in enumerate(up):
        first.setdefault(w, i)
    out, sec, per = [], 0, {"sem": [0, 0], "syn": [0, 0], "all": [0, 0]}
    seen = total = 0
    cur = [0, 0]

    def pct(a, b):
        return "-nan" if b == 0 else f"{float(np.float32(a) / np.float32(b) * 100):.2f}"

    def report():
        if sec:
            out.append(f"ACCURACY TOP1: {pct(cur[0], max(cur[1], 1))} %  ({cur[0]} / "
                       f"{max(cur[1], 1)})\nTotal accuracy: {pct(*per['all'])} %   Semantic "
                       f"accuracy: {pct(*per['sem'])} %   Syntactic accuracy: "
                       f"{pct(*per['syn'])} % \n")
    for line in text.splitlines():
        t = line.split()
        if t[0] == ":":
            report()
            sec += 1
            cur = [0, 0]
            out.append(f"{t[1]}:\n")
            continue
        total += 1
        r = [first.get(w.encode().upper()) for w in t]
        if None in r:
            continue
        seen += 1
        s = u @ (u[r[1]] - u[r[0]] + u[r[2]])
        s[r[:3]] = -np.inf
        best = int(np.argmax(s))
        ok = s[best] > 0 and up[best] == t[3].encode().upper()
        for key in ("all", "sem" if sec <= 5 else "syn"):
            per[key][0] += ok
            per[key][1] += 1
        cur[0] += ok
        cur[1] += 1
    report()
    out.append(f"Questions seen / total: {seen} {total}   {pct(seen, total)} % \n")
    return "".join(out)


@pytest.mark.parametrize("threshold", [0, 20])
def test_compute_accuracy(vec_file, threshold):
    vecs = Vectors.load(vec_file)
    q = _questions()
    ours = _run(["compute-accuracy", str(vec_file), str(threshold)], q)
    assert ours == _ref_accuracy(vecs, q, threshold)
    assert "ACCURACY TOP1: 0.00" not in ours.split("gram2")[0]  # the planted analogies hold
    c = c_tool("word2vec-compute-accuracy")
    if c is None:
        pytest.skip("word2vec-compute-accuracy (the C program) is not installed")
    theirs = subprocess.run([c, str(vec_file), str(threshold)], input=q.encode(),
                            capture_output=True, timeout=60).stdout.decode()
    assert ours == theirs


def test_c_word_splitting():
    assert _c_words("a b") == ["a", "b"]
    assert _c_words("a  b") == ["a", " b"]  # one space is eaten, the next starts a word
    assert _c_words(" a") == [" a"] and _c_words("a ") == ["a", ""] and _c_words("") == [""]


def test_usage_errors(vec_file):
    rc, _, err = _cli(["compute-accuracy"])
    assert rc == 2 and "VECTORS" in err
    rc, _, err = _cli(["distance", str(vec_file) + "x"])
    assert rc == 1 and "no such file" in err
