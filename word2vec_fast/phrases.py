"""Phrases: join frequent adjacent words (``new york`` -> ``new_york``) before training.

:meth:`Phrases.build` counts words and adjacent pairs in C (all cores, see
:mod:`~word2vec_fast.phrases_count`) and keeps the pairs whose score passes the
threshold; :meth:`Phrases.apply` rewrites a corpus with them in C, to a file or
as a stream that :func:`~word2vec_fast.train` reads without writing it.  The
rules are word2phrase's (word2vec.c's phrase tool) or gensim's NPMI; see the
README's "Phrases" section for both and for where word2phrase's quirks are
not followed.
"""
from __future__ import annotations

import logging
import math
import os

import numpy as np

from . import _phrases, phrases_io
from ._threads import Background, ordered_map
from .compression import atomic_writer
from .params import check_float, check_int, check_threads
from .phrases_count import (NO_CONNECTORS, SENTENCE_BATCH, count_ids, count_sentences,
                            count_text, counting_path, cut_blocks, id_blocks, raw_blocks,
                            rewrite_ids)
from .scan import batches, check_max_token_bytes, text_sources
from .vocab import check_reiterable

logger = logging.getLogger(__name__)

#: word2phrase.c's longest word: MAX_STRING (60) less its terminating NUL and one byte
#: its reader gives back -- longer tokens are cut to this many bytes.
WORD2PHRASE_MAX_TOKEN = 58


def _check_params(min_count, threshold, scoring, delimiter, connector_words, max_vocab_size,
                  max_token_bytes):
    if scoring not in phrases_io.SCORINGS:
        raise ValueError(f"scoring must be 'word2phrase' or 'npmi', got {scoring!r}")
    min_count = check_int("min_count", min_count, 1)
    threshold = check_float("threshold", threshold, -math.inf)
    if scoring == "word2phrase" and threshold < 0:
        raise ValueError(f"threshold must be >= 0 for word2phrase scoring, got {threshold}")
    if scoring == "npmi" and not -1.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be in [-1, 1] for npmi scoring, got {threshold}")
    if not isinstance(delimiter, str) or phrases_io.has_whitespace(delimiter) \
            or len(delimiter.encode("utf-8", "surrogateescape")) > 64:
        raise ValueError(f"delimiter must be a non-empty string of at most 64 bytes without "
                         f"whitespace, got {delimiter!r}")
    if isinstance(connector_words, str):
        raise TypeError("connector_words must be a collection of words, not one string")
    conn = []
    for w in connector_words or ():
        if not isinstance(w, str) or phrases_io.has_whitespace(w):
            raise ValueError(f"connector words must be non-empty strings without whitespace, "
                             f"got {w!r}")
        conn.append(w)
    if max_vocab_size is not None:
        max_vocab_size = check_int("max_vocab_size", max_vocab_size, 1)
    return (min_count, threshold, tuple(sorted(set(conn))), max_vocab_size or 0,
            check_max_token_bytes(max_token_bytes))


def _is_phrased(corpus) -> bool:
    return isinstance(corpus, PhrasedText)


class Phrases:
    """A frozen phrase table (one pass), possibly followed by more passes (:attr:`next`).

    Build one with :meth:`Phrases.build` or read one with :meth:`Phrases.load`.

    Attributes
    ----------
    scoring, threshold, min_count, delimiter, connector_words, max_token_bytes
        The settings it was built with.
    train_words : int
        Tokens of the corpus it was counted on.
    next : Phrases or None
        The next pass (built on this pass's output), applied after this one.
    """

    def __init__(self, records, *, scoring="word2phrase", threshold=100.0, min_count=5,
                 delimiter="_", connector_words=(), max_token_bytes=WORD2PHRASE_MAX_TOKEN,
                 train_words=0, next=None):
        min_count, threshold, conn, _, max_token_bytes = _check_params(
            min_count, threshold, scoring, delimiter, connector_words, None, max_token_bytes)
        self.scoring, self.threshold, self.min_count = scoring, threshold, min_count
        self.delimiter, self.connector_words = delimiter, conn
        self.max_token_bytes, self.train_words = max_token_bytes, int(train_words)
        self.next = next
        # records and C table: made at once here, or only when first needed (_later)
        self._make = self._n = self._tab = None
        self._recs = self._ordered(records)
        if records is not None:
            self._tab = self._new_table()

    @classmethod
    def _later(cls, make_records, n, **settings):
        """A table of the ``n`` records ``make_records()`` gives, made (with its C
        table) only when first needed: a build that writes its output from the
        counted ids and is then done with the table (the CLI) never pays for them."""
        p = cls(None, **settings)
        p._make, p._n, p._recs = make_records, int(n), None
        return p

    @staticmethod
    def _ordered(records) -> list:
        # most frequent first; ties in phrase order, so the order never depends on threads
        return sorted(((tuple(t), int(c), float(s)) for t, c, s in records or ()),
                      key=lambda r: (-r[1], r[0]))

    @property
    def _records(self) -> list:
        if self._recs is None:
            self._recs = self._ordered(self._make())
            self._make = None
        return self._recs

    @property
    def _table(self):
        if self._tab is None:
            self._tab = self._new_table()
        return self._tab

    def _new_table(self):
        conn = self.connector_words
        enc = [w.encode("utf-8", "surrogateescape") for w in conn]
        conn_index = {w: i for i, w in enumerate(conn)}
        words, runs = {}, {}
        a, b, run = [], [], []
        for tokens, _, _ in self._records:
            a.append(words.setdefault(tokens[0], len(words)))
            b.append(words.setdefault(tokens[-1], len(words)))
            inner = tuple(conn_index[w] for w in tokens[1:-1])
            run.append(runs.setdefault(inner, len(runs) + 1) if inner else 0)
        return _phrases.Table([w.encode("utf-8", "surrogateescape") for w in words],
                              a, b, run, list(runs), _phrases.Connectors(enc),
                              self.delimiter.encode("utf-8", "surrogateescape"),
                              self.max_token_bytes)

    # -- building ------------------------------------------------------------------

    @classmethod
    def build(cls, corpus, min_count: int = 5, threshold=100.0, scoring: str = "word2phrase",
              delimiter: str = "_", connector_words=(), max_vocab_size: int | None = None,
              threads: int | None = None, passes: int = 1,
              max_token_bytes: int = WORD2PHRASE_MAX_TOKEN, output=None) -> Phrases:
        """Count ``corpus`` and keep the pairs whose score passes ``threshold``.

        Parameters
        ----------
        corpus : path, list of pathlib.Path, directory, "-", iterable of token lists, or the
            result of :meth:`apply`
            As :func:`~word2vec_fast.train` reads it.
        min_count : int
            Pairs (and, for word2phrase, their words) rarer than this never join.
        threshold : float or sequence of float
            A pair joins when its score is above this.  A sequence gives one threshold per
            pass (``(200, 100)`` is word2vec.c's demo-phrases.sh).
        scoring : {"word2phrase", "npmi"}
            ``"word2phrase"``: ``(n_ab - min_count) / n_a / n_b * N`` in single precision,
            exactly as word2phrase.c; ``"npmi"``: gensim's normalised PMI, in [-1, 1].
        delimiter : str
            Joins the words of a phrase; must not contain whitespace.
        connector_words : collection of str
            Words that may stand inside a phrase but never start or end one
            (``bank_of_america``), as gensim's ``connector_words``.
        max_vocab_size : int, optional
            Bound the counting tables: whenever they hold more words + pairs than this,
            those counted <= n times are forgotten (n = 1, 2, ...), as word2vec.c's
            ReduceVocab; counts then become approximate.
        threads : int, optional
            Counting threads for text (default: all cores).
        passes : int
            Passes, each counted on the previous one's output (longer phrases).
        max_token_bytes : int
            Longer tokens are cut to this many bytes at a UTF-8 character start; default 58,
            word2phrase's cut (which may split a character; this one never does).
        output : path, optional
            Also write ``corpus`` rewritten there, as ``build(...).apply(corpus, output)``
            does, in one job: for one pass over text files without connector words or
            ``max_vocab_size``, the token ids kept from counting are rewritten, so the
            text is read once.
        """
        thresholds = list(threshold) if isinstance(threshold, (list, tuple)) else None
        passes = check_int("passes", passes, 1)
        if thresholds is not None:
            if not thresholds:
                raise ValueError("threshold must be a number or a non-empty sequence of numbers")
            if passes not in (1, len(thresholds)):
                raise ValueError(f"passes={passes} but {len(thresholds)} thresholds were given")
        else:
            thresholds = [threshold] * passes
        threads = check_threads(threads)
        if len(thresholds) > 1:
            _check_rereadable(corpus, "passes > 1")
        if output is not None:
            output = os.fspath(output)
        first = prev = None
        text = corpus
        for k, thr in enumerate(thresholds):
            p, written = cls._build_one(text, min_count, thr, scoring, delimiter,
                                        connector_words, max_vocab_size, threads,
                                        max_token_bytes,
                                        write_to=output if k == len(thresholds) - 1 else None)
            logger.info("phrases pass %d: %d phrases from %d tokens", k + 1, len(p),
                        p.train_words)
            if prev is None:
                first = p
            else:
                prev.next = p
            prev = p
            text = PhrasedText(text, p, threads)
        if output is not None and not written:
            first.apply(corpus, output, threads=threads)
        return first

    @classmethod
    def _build_one(cls, corpus, min_count, threshold, scoring, delimiter, connector_words,
                   max_vocab_size, threads, max_token_bytes, write_to=None):
        min_count, threshold, conn, max_size, max_token = _check_params(
            min_count, threshold, scoring, delimiter, connector_words, max_vocab_size,
            max_token_bytes)
        # word2phrase.c counts the pair of a line's last word and the next line's first
        # (it never joins it); gensim counts within sentences
        cross_lines = scoring == "word2phrase"
        phrased = _is_phrased(corpus)
        sources = None if phrased else text_sources(corpus)
        if sources is None and not phrased:
            _check_sentences(corpus)
        path = counting_path(sources is not None or (phrased and corpus.is_text), conn,
                             max_size)
        if path == "ids":
            blocks = id_blocks(corpus.text_blocks if phrased else sources, max_token,
                               cross_lines)
            c = count_ids(blocks, threads=threads, max_token=max_token, cross_lines=cross_lines,
                          scoring=scoring, min_count=min_count, threshold=threshold)
        else:
            opts = dict(max_token=max_token, max_size=max_size, cross_lines=cross_lines,
                        conn=_phrases.Connectors([w.encode("utf-8", "surrogateescape")
                                                  for w in conn]),
                        scorer=(scoring, min_count, threshold))
            if path == "text":
                c = count_text(corpus.text_blocks if phrased else lambda: raw_blocks(sources),
                               threads=threads, **opts)
            else:
                c = count_sentences(corpus, **opts)
        st = c.stats
        if st.prunes:
            logger.info("phrase counting pruned %d times (max_vocab_size): %d words and %d "
                        "pairs forgotten", st.prunes, st.pruned_words, st.pruned_pairs)
        a, b, run, count, score = c.passing
        writer = None
        if path == "ids" and write_to is not None:
            # the counted ids are rewritten and written while the table is built
            writer = Background(write_text, rewrite_ids(c, a, b, delimiter.encode(
                "utf-8", "surrogateescape"), threads), write_to,
                name="word2vec_fast-phrases-write")
        uniq = np.unique(np.concatenate([a, b])).tolist()
        raw = c.words(uniq)
        runs = {r: tuple(conn[i] for i in c.run(r)) for r in np.unique(run).tolist()}
        del c

        def records():
            name = dict(zip(uniq, (w.decode("utf-8", "surrogateescape") for w in raw)))
            return [((name[x], *runs[r], name[y]), n, s) for x, y, r, n, s in
                    zip(a.tolist(), b.tolist(), run.tolist(), count.tolist(), score.tolist())]
        p = cls._later(records, len(a), scoring=scoring, threshold=threshold,
                       min_count=min_count, delimiter=delimiter, connector_words=conn,
                       max_token_bytes=max_token, train_words=st.tokens)
        if writer is not None:
            writer.result()
        return p, writer is not None

    # -- the table ------------------------------------------------------------------

    def __len__(self) -> int:
        return self._n if self._recs is None else len(self._recs)

    @property
    def phrases(self) -> dict:
        """``{joined phrase: score}`` of this pass, most frequent phrase first."""
        return {self.delimiter.join(t): s for t, _, s in self._records}

    @property
    def counts(self) -> dict:
        """``{joined phrase: count}`` of this pass (its pair count), most frequent first."""
        return {self.delimiter.join(t): c for t, c, _ in self._records}

    @property
    def passes(self) -> list:
        """This pass and the ones after it."""
        out, p = [], self
        while p is not None:
            out.append(p)
            p = p.next
        return out

    def __repr__(self) -> str:
        return (f"Phrases({len(self)} phrases, scoring={self.scoring!r}, threshold="
                f"{self.threshold}, min_count={self.min_count}, passes={len(self.passes)})")

    # -- applying --------------------------------------------------------------------

    def apply(self, corpus, output=None, threads: int | None = None):
        """Rewrite ``corpus`` with the phrases (every pass, in order).

        Parameters
        ----------
        corpus : as for :meth:`build`
        output : path, optional
            Write the rewritten text there (through a temporary file renamed into
            place; ``.gz``/``.bz2``/``.xz`` compress) in word2phrase's layout: each
            token preceded by a space, or by the delimiter when joined, one line per
            input line.  Returns the path.
        threads : int, optional
            Rewriting threads (default: all cores; without connector words blocks are
            rewritten in parallel, every pass at once; the output is the same).

        Returns
        -------
        PhrasedText or str
            Without ``output``: a re-iterable of token lists that :func:`train`,
            :func:`encode` and :meth:`Vocab.build` read as text (rewritten in C,
            nothing written to disk).
        """
        text = PhrasedText(corpus, self, threads)
        if output is None:
            return text
        path = os.fspath(output)
        write_text(text.text_blocks(), path)
        return path

    # -- files ------------------------------------------------------------------------

    def _section(self) -> phrases_io.Section:
        return phrases_io.Section(self.scoring, self.threshold, self.min_count, self.delimiter,
                                  self.max_token_bytes, self.train_words, self.connector_words,
                                  list(self._records))

    def save(self, path) -> None:
        """Write the table (every pass) in the plain text format of :mod:`phrases_io`."""
        phrases_io.write(path, [p._section() for p in self.passes])

    @classmethod
    def load(cls, path) -> Phrases:
        """Read a table written by :meth:`save`; ``ValueError`` naming file and line if bad."""
        first = prev = None
        for s in phrases_io.read(path):
            p = cls(s.phrases, scoring=s.scoring, threshold=s.threshold, min_count=s.min_count,
                    delimiter=s.delimiter, connector_words=s.connector_words,
                    max_token_bytes=s.max_token_bytes, train_words=s.train_words)
            if prev is None:
                first = p
            else:
                prev.next = p
            prev = p
        return first


def _read_once(corpus) -> bool:
    """Whether reading ``corpus`` twice would find it empty the second time (stdin)."""
    if _is_phrased(corpus):
        return _read_once(corpus.corpus)
    sources = text_sources(corpus)
    return sources is not None and "-" in sources


def _check_rereadable(corpus, what) -> None:
    """``what`` reads ``corpus`` more than once: refuse standard input and one-shot iterators."""
    if _read_once(corpus):
        raise ValueError(f"{what} reads the corpus more than once and standard input can be "
                         "read only once: save it to a file first")
    if text_sources(corpus) is None and not _is_phrased(corpus):
        check_reiterable(corpus)


def with_phrases(corpus, phrases, threads=None):
    """``corpus`` rewritten by ``phrases`` (a :class:`Phrases`, ``True`` for one built with
    the defaults, or ``None``/``False`` for none) -- what ``train(phrases=...)`` trains on."""
    if phrases is None or phrases is False:
        return corpus
    if phrases is not True and not isinstance(phrases, Phrases):
        raise TypeError(f"phrases must be a Phrases, True or None, got {type(phrases).__name__}")
    if isinstance(corpus, np.ndarray) or hasattr(corpus, "vocab") \
            or (isinstance(corpus, tuple) and corpus and isinstance(corpus[0], np.ndarray)):
        raise TypeError("phrases need text or token lists: an encoded corpus has no words to join")
    _check_rereadable(corpus, "train(phrases=...)")
    if phrases is True:
        phrases = Phrases.build(corpus, threads=threads)
    return phrases.apply(corpus)


def _check_sentences(corpus) -> None:
    try:
        iter(corpus)
    except TypeError:
        raise TypeError(f"corpus must be a file path, a directory, a list of pathlib.Path, '-' "
                        f"(stdin) or an iterable of token lists, got "
                        f"{type(corpus).__name__}") from None


class PhrasedText:
    """A corpus rewritten by a :class:`Phrases` (all its passes), streamed, never stored.

    Iterating gives token lists (``str``); :meth:`text_blocks` gives the rewritten
    text itself, which is what training and encoding read (no per-token Python).
    Re-iterable when the corpus is (standard input is read once only).
    """

    def __init__(self, corpus, phrases: Phrases, threads: int | None = None):
        if not isinstance(phrases, Phrases):
            raise TypeError(f"phrases must be a Phrases, got {type(phrases).__name__}")
        self.corpus, self.phrases = corpus, phrases
        self.threads = check_threads(threads)
        self.sources = None if _is_phrased(corpus) else text_sources(corpus)
        if self.sources is None and not _is_phrased(corpus):
            _check_sentences(corpus)

    @property
    def is_text(self) -> bool:
        """Whether the corpus is text (files, stdin, or another PhrasedText of text)."""
        return self.sources is not None or (_is_phrased(self.corpus) and self.corpus.is_text)

    def text_blocks(self):
        """The rewritten text in pieces, ``None`` after each source (as ``raw_blocks``)."""
        passes = self.phrases.passes
        if _is_phrased(self.corpus):
            pieces = self.corpus.text_blocks()
        elif self.sources is not None:
            pieces = raw_blocks(self.sources)
        else:
            pieces = self._sentence_text()
        for p in passes:  # each pass's output streams into the next one's rewriters
            pieces = rewrite_parallel(pieces, p._table, self.threads)
        yield from pieces

    def _sentence_text(self):
        """Token lists as text for the rewriters (tokens joined by spaces, one line each)."""
        for batch in batches(self.corpus, SENTENCE_BATCH):
            yield "\n".join(" ".join(s) for s in batch).encode("utf-8", "surrogateescape") + b"\n"
        yield None

    def __iter__(self):
        if not self.is_text:
            yield from self._iter_sentences()
            return
        tail = b""
        for block in self.text_blocks():
            if block is None:
                if tail.strip():
                    yield _split(tail)
                tail = b""
                continue
            lines = (tail + block).split(b"\n")
            tail = lines.pop()
            for line in lines:
                toks = _split(line)
                if toks:
                    yield toks

    def _iter_sentences(self):
        """Token lists in, token lists out: each joined token built from the join flags."""
        source = self.corpus
        for p in self.phrases.passes:
            source = _rewrite_lists(source, p)
        yield from source


def rewrite_parallel(pieces, table, threads: int):
    """What one :class:`_phrases.Rewriter` of ``table`` makes of ``pieces`` (as
    :func:`raw_blocks`), on ``threads`` threads (one: that rewriter, streamed).

    The text is cut into blocks at whitespace; a block's rewriter first reads, for its
    state only, the previous block's tail from its last token that is neither a phrase
    word nor a connector, or its last newline (``Table.resync``), after which every
    rewriter is where a single one would be.  A block without either continues its
    predecessor's run of blocks on the same rewriter.  Output comes in order, ``None``
    after each source.
    """

    def run(chain):
        lead, blocks = chain
        rw = _phrases.Rewriter(table)
        rw.context(lead)
        out = []
        for block, end in blocks:
            rw.feed(block)
            if end:
                rw.end_source()
            out.append((rw.take(), end))
        return out

    def chains():
        lead, run_ = b"", []
        for _, block, end in cut_blocks(pieces, NO_CONNECTORS, table.max_token_bytes, True):
            run_.append((block, end))
            start = -1 if end else table.resync(block)
            if end or start >= 0:
                yield lead, run_
                lead, run_ = (b"" if end else block[start:]), []
        if run_:
            yield lead, run_

    if threads == 1:
        rw = _phrases.Rewriter(table)
        for piece in pieces:
            if piece:
                rw.feed(piece)
            if piece is None:
                rw.end_source()
            yield from _chain_output([(rw.take(), piece is None)])
        return
    for parts in ordered_map(run, chains(), threads, name="word2vec_fast-rewrite"):
        yield from _chain_output(parts)


def _chain_output(parts):
    for data, end in parts:
        if data:
            yield data
        if end:
            yield None


def write_text(blocks, path) -> None:
    """Write the pieces (``None`` at source ends is skipped) to ``path``, atomically,
    compressed by its suffix."""
    with atomic_writer(path) as f:
        for block in filter(None, blocks):
            f.write(block)


def _split(line: bytes) -> list:
    return [w.decode("utf-8", "surrogateescape") for w in line.split()]


def _rewrite_lists(sentences, p: Phrases):
    rw = _phrases.Rewriter(p._table, want_flags=True)
    delim = p.delimiter
    for batch in batches(sentences, SENTENCE_BATCH):
        lists, flags = rw.sentences(batch)
        rw.take()
        k = 0
        for sent in lists:
            n = len(sent)
            f = flags[k:k + n]
            k += n
            if 1 not in f:
                yield list(sent)
                continue
            out = []
            for tok, j in zip(sent, f):
                if j:
                    out[-1] = out[-1] + delim + tok
                else:
                    out.append(tok)
            yield out
