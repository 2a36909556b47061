"""The phrase table's file format: plain text, one phrase a line, no pickle.

A file holds one section per pass, each::

    word2vec_fast phrases 1
    scoring word2phrase
    threshold 100.0
    min_count 5
    delimiter _
    max_token_bytes 58
    train_words 16941012
    connector_words of the
    phrases 2
    1503 212.54 new york
    40 0.61 bank of america

A phrase line is ``count score word ... word``: its first and last words, and
between them the connector words the phrase spans.  Words are UTF-8 (bytes
that are not are kept as they were, via surrogateescape) and contain no
whitespace.  Reading checks everything and names the file and line of the
first problem.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field

from .compression import atomic_writer, open_read, read_errors

MAGIC = "word2vec_fast phrases 1"
SCORINGS = ("word2phrase", "npmi")


@dataclass
class Section:
    """One pass of a phrase table, as stored."""
    scoring: str
    threshold: float
    min_count: int
    delimiter: str
    max_token_bytes: int
    train_words: int
    connector_words: tuple
    #: (tokens, count, score), tokens = (first word, connectors..., last word)
    phrases: list = field(default_factory=list)


def _enc(word: str) -> bytes:
    return word.encode("utf-8", "surrogateescape")


def _dec(word: bytes) -> str:
    return word.decode("utf-8", "surrogateescape")


def has_whitespace(word: str) -> bool:
    """Whether ``word`` holds a byte the scanner splits text at (or any Unicode space)."""
    return any(c.isspace() for c in word) or not word


def write(path, sections) -> None:
    """Write ``sections`` to ``path`` (temporary file renamed into place; ``.gz`` etc. compress)."""
    path = os.fspath(path)
    for s in sections:
        for tokens, _, _ in s.phrases:
            bad = next((w for w in tokens if has_whitespace(w)), None)
            if bad is not None:
                raise ValueError(f"cannot save the phrase {tokens!r}: the word {bad!r} contains "
                                 "whitespace, which the text format separates words with")
    with atomic_writer(path) as f:
        for s in sections:
            head = [MAGIC, f"scoring {s.scoring}", f"threshold {s.threshold!r}",
                    f"min_count {s.min_count}", f"delimiter {s.delimiter}",
                    f"max_token_bytes {s.max_token_bytes}", f"train_words {s.train_words}",
                    " ".join(["connector_words", *s.connector_words]),
                    f"phrases {len(s.phrases)}"]
            f.write(_enc("\n".join(head) + "\n"))
            f.write(b"".join(b"%d %s %s\n" % (c, repr(float(sc)).encode(),
                                               b" ".join(_enc(w) for w in tokens))
                             for tokens, c, sc in s.phrases))


class _Lines:
    """Numbered lines of a file, errors naming it."""

    def __init__(self, path, f):
        self.path, self.f, self.no = path, f, 0

    def error(self, msg):
        return ValueError(f"{self.path}, line {self.no}: {msg}")

    def next(self):
        raw = self.f.readline()
        if not raw:
            return None
        self.no += 1
        if not raw.endswith(b"\n"):
            raise self.error("the file ends inside a line (truncated?)")
        return _dec(raw[:-1])

    def field(self, name):
        line = self.next()
        if line is None:
            raise ValueError(f"{self.path}: ends before its '{name}' line (truncated?)")
        key, sep, value = line.partition(" ")
        if key != name:
            raise self.error(f"expected '{name} ...', got {line[:80]!r}")
        return value

    def integer(self, name, lo):
        v = self.field(name)
        try:
            n = int(v)
        except ValueError:
            n = None
        if n is None or not v.strip().lstrip("-").isdigit() or n < lo or n >= 1 << 63:
            raise self.error(f"{name} must be an integer in [{lo}, 2**63), got {v[:80]!r}")
        return n


def _number(lines, text, what):
    try:
        x = float(text)
    except ValueError:
        x = math.nan
    if not math.isfinite(x):
        raise lines.error(f"{what} must be a finite number, got {text[:80]!r}")
    return x


def _section(lines) -> Section:
    scoring = lines.field("scoring")
    if scoring not in SCORINGS:
        raise lines.error(f"scoring must be one of {', '.join(SCORINGS)}, got {scoring[:80]!r}")
    threshold = _number(lines, lines.field("threshold"), "threshold")
    min_count = lines.integer("min_count", 1)
    delimiter = lines.field("delimiter")
    if has_whitespace(delimiter) or len(_enc(delimiter)) > 64:
        raise lines.error("the delimiter must be 1 to 64 bytes without whitespace")
    max_token = lines.integer("max_token_bytes", 4)
    if max_token > 1 << 20:
        raise lines.error(f"max_token_bytes must be at most 1048576, got {max_token}")
    train_words = lines.integer("train_words", 0)
    conn = tuple(w for w in lines.field("connector_words").split(" ") if w)
    if len(set(conn)) != len(conn):
        raise lines.error("a connector word is listed twice")
    n = lines.integer("phrases", 0)
    conn_set = set(conn)
    out = []
    seen = set()
    for _ in range(n):
        line = lines.next()
        if line is None:
            raise ValueError(f"{lines.path}: ends after {len(out)} of its {n} phrases (truncated?)")
        parts = line.split(" ")
        if len(parts) < 4 or any(not p for p in parts):
            raise lines.error("expected 'count score word ... word' (single spaces, two words "
                              "at least)")
        try:
            count = int(parts[0])
        except ValueError:
            count = -1
        if not parts[0].isdigit() or not 1 <= count < 1 << 63:
            raise lines.error(f"count must be an integer in [1, 2**63), got {parts[0][:80]!r}")
        score = _number(lines, parts[1], "score")
        tokens = tuple(parts[2:])
        if tokens[0] in conn_set or tokens[-1] in conn_set \
                or any(w not in conn_set for w in tokens[1:-1]):
            raise lines.error("a phrase starts and ends with a word that is not a connector, "
                              "and only connector words come between")
        if any(len(_enc(w)) > max_token for w in tokens):
            raise lines.error(f"a word is longer than max_token_bytes ({max_token})")
        if tokens in seen:
            raise lines.error(f"the phrase {' '.join(tokens)[:80]!r} is listed twice")
        seen.add(tokens)
        out.append((tokens, count, score))
    return Section(scoring, threshold, min_count, delimiter, max_token, train_words, conn, out)


def read(path) -> list:
    """The sections of the phrase file at ``path`` (compressed files too)."""
    path = os.fspath(path)
    sections = []
    with read_errors(path), open_read(path) as f:
        lines = _Lines(path, f)
        while True:
            line = lines.next()
            if line is None:
                break
            if line != MAGIC:
                raise lines.error(f"expected {MAGIC!r} (not a word2vec_fast phrase file?), "
                                  f"got {line[:80]!r}")
            sections.append(_section(lines))
    if not sections:
        raise ValueError(f"{path}: empty file, not a word2vec_fast phrase file")
    return sections
