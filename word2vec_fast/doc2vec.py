"""Paragraph vectors (Le & Mikolov 2014; gensim's ``Doc2Vec``) on the word2vec engine.

>>> from word2vec_fast import doc2vec
>>> model = doc2vec.train("docs.txt", dim=100, epochs=10)         # doctest: +SKIP
>>> model.dv.most_similar(0)                                       # doctest: +SKIP
>>> model.infer_vectors([["a", "new", "document"], ["another"]])   # doctest: +SKIP

A corpus is one document per line of one or more text files (plain or compressed),
or an iterable of documents: :class:`TaggedDocument` (gensim's included), ``(tokens,
tags)`` pairs, or plain token lists.  Every line is a document, an empty one too, so
a document's number is its line number across the files whatever is in it; no
document is cut, and every one is trained exactly ``epochs`` times whatever the
number of threads (the engine's tasks cover the corpus once per epoch).  Tags are
the line numbers by default, or given per document (ints and strings, any number of
them); a tag's row exists only if some document has it.

Training runs in the word2vec engine's worker with each document's tag rows
(``csrc/w2v_doc.h``): PV-DBOW (``dm=False``, the default) trains each tag row to
predict every word of its document; ``dbow_words=True`` also trains skip-gram
word vectors on the same text, sharing the output layer; PV-DM (``dm=True``) is
CBOW whose context mean (or sum) includes the document's tag rows.

Inference trains a new row per document against the frozen model, in C on
all threads; its random stream is keyed by the seed and the document's words, so a
document's vector is the same whatever the batch, the order or the thread count.
"""
from __future__ import annotations

import itertools
import logging
import time
from typing import NamedTuple

import numpy as np

from . import _kernels, _scan, checkpoint
from ._threads import run_threads
from .corpus import Corpus
from .fingerprint import corpus_fingerprint
from .model import Model, _fresh_rows
from .params import check_float, check_int, check_threads
from .runner import Weights, keep_thresholds
from .scan import (BLOCK_BYTES, MAX_TOKEN_BYTES, SENTENCE_BATCH, _read_blocks, batches,
                   check_max_token_bytes, open_text, text_sources)
from .training import check_train_params, model_params
from .vectors import Vectors
from .vocab import Vocab

logger = logging.getLogger("word2vec_fast")

DBOW, DM = 1, 2
#: gensim's ``Doc2Vec`` defaults where ours differ from ``word2vec_fast.train``'s.
EPOCHS = 10
MIN_ALPHA = 1e-4
#: PV-DBOW with ``batch=True``: DBOW_BLOCK words of a document in one block, a draw
#: of negatives for each DBOW_GROUP consecutive words of it.
DBOW_BLOCK = 6
DBOW_GROUP = 3
#: Tags a document may have: any number, but its rows are one block's inputs.
MAX_TAGS = 1 << 16
#: Documents handed to an inferring thread at a time.
INFER_BATCH = 256


class TaggedDocument(NamedTuple):
    """A document: its tokens and its tags (gensim's ``TaggedDocument``; its own is
    accepted as well)."""

    words: list
    tags: list


def _tag(t, where):
    if isinstance(t, (bool, np.bool_)):
        raise TypeError(f"{where}: a tag must be an int or a str, got {t!r}")
    if isinstance(t, (int, np.integer)):
        return int(t)
    if isinstance(t, str):
        return t
    raise TypeError(f"{where}: a tag must be an int or a str, got {type(t).__name__} {t!r}")


def _split_item(item, i):
    """``(tokens, tags or None)`` of one document of an iterable corpus."""
    words = getattr(item, "words", None)
    if words is not None and hasattr(item, "tags"):
        tags = item.tags
    elif isinstance(item, tuple) and len(item) == 2 and not isinstance(item[0], str):
        words, tags = item
    else:
        return item, None
    if isinstance(tags, (str, int, np.integer)):
        tags = [tags]
    try:
        tags = [_tag(t, f"document {i}") for t in tags]
    except TypeError as e:
        if "document" in str(e):
            raise
        raise TypeError(f"document {i}: tags must be an int, a str or a list of them, got "
                        f"{type(tags).__name__}") from None
    return words, tags


class _Tags:
    """Tag keys to rows, in order of first appearance; ``keys[row]`` is the key."""

    def __init__(self, keys=None, frozen=False):
        self.keys = list(keys) if keys is not None else []
        self.index = {k: i for i, k in enumerate(self.keys)}
        self.frozen = frozen

    def rows(self, tags, where) -> list:
        """The rows of one document's tags, each once, in order (new tags get rows)."""
        out = {}
        for t in tags:
            r = self.index.get(t)
            if r is None:
                if self.frozen:
                    raise ValueError(f"{where}: tag {t!r} is not one of the model's "
                                     f"{len(self.keys)} tags")
                r = self.index[t] = len(self.keys)
                self.keys.append(t)
            out[r] = None
        if len(out) > MAX_TAGS:
            raise ValueError(f"{where}: {len(out)} tags, at most {MAX_TAGS}")
        return list(out)


class DocCorpus(Corpus):
    """An encoded corpus of documents: a :class:`~word2vec_fast.corpus.Corpus` whose
    sentences are the documents (empty ones included), plus each document's tag rows
    as CSR (``doc_offsets`` int64, ``doc_rows`` int32) and the rows' keys (``keys``)."""

    def __init__(self, ids, offsets, vocab, dropped, doc_offsets, doc_rows, keys):
        super().__init__(ids, offsets, vocab, dropped, validate=False)
        self.offsets = np.ascontiguousarray(offsets, dtype=np.int64)  # empty documents kept
        self.doc_offsets = np.ascontiguousarray(doc_offsets, dtype=np.int64)
        self.doc_rows = np.ascontiguousarray(doc_rows, dtype=np.int32)
        self.keys = keys

    @property
    def n_docs(self) -> int:
        return self.offsets.shape[0] - 1

    def tags_fingerprint(self) -> int:
        """A fingerprint of every document's tag rows (what resume checks beside the text)."""
        return corpus_fingerprint(self.doc_rows, self.doc_offsets, version=1)


def _scan_files(sc, sources, tags_mode, tag_sep):
    """Feed text files to ``sc`` (marking every line); returns each document's tags
    (None: line numbers)."""
    buf = bytearray(BLOCK_BYTES)
    if tags_mode == "line":
        for src in sources:
            last = b"\n"[0]
            for n in _read_blocks(src, buf):
                sc.feed(buf, n)
                last = buf[n - 1]
            sc.end_source()
            if last != b"\n"[0]:
                sc.mark_line()
        return None
    sep = tag_sep.encode("utf-8")
    doc_tags = []
    for src in sources:
        name = "standard input" if src == "-" else src
        with open_text(src) as f:
            pending, size = [], 0
            for lineno, line in enumerate(f, 1):
                head, found, text = line.partition(sep)
                if not found:
                    if not line.strip():
                        head, text = b"", b""
                    else:
                        raise ValueError(f"{name}, line {lineno}: no {tag_sep!r} between the "
                                         "tags and the text (tags='column')")
                doc_tags.append(head.decode("utf-8", "surrogateescape").split())
                pending.append(text if text.endswith(b"\n") else text + b"\n")
                size += len(text)
                if size > BLOCK_BYTES:
                    sc.feed(b"".join(pending))
                    pending, size = [], 0
            if pending:
                sc.feed(b"".join(pending))
        sc.end_source()
    return doc_tags


def _scan_iterable(sc, corpus):
    """Feed documents of an iterable to ``sc``; returns their tags (None: numbers)."""
    doc_tags, any_tags = [], False
    i = 0
    for batch in batches(corpus, SENTENCE_BATCH):
        words = []
        for item in batch:
            w, t = _split_item(item, i + len(words))
            words.append(w)
            doc_tags.append(t)
            any_tags = any_tags or t is not None
        i = sc.feed_lines(words, i)
    if not any_tags:
        return None
    return [[k] if t is None else t for k, t in enumerate(doc_tags)]


def read_documents(corpus, *, vocab: Vocab | None = None, min_count: int = 5,
                   max_final_vocab=None, tags="line", tag_sep="\t", keys=None,
                   max_token_bytes: int = MAX_TOKEN_BYTES) -> DocCorpus:
    """A corpus of documents, encoded: see the module docstring.

    Parameters
    ----------
    corpus : path, list of pathlib.Path, "-", or iterable of documents
        Files: one document per line.  An iterable: :class:`TaggedDocument` (or
        anything with ``.words`` and ``.tags``), ``(tokens, tags)`` pairs (tags an
        int, a str or a list of them) or plain token lists (tagged with their number).
    vocab : Vocab, optional
        Encode with this vocabulary (a trained model's); else one is built with
        ``min_count`` and ``max_final_vocab``.
    tags : {"line", "column"}
        Files only: ``"line"`` tags each document with its line number (counted over
        all the files, from 0); ``"column"`` reads the tags before ``tag_sep`` on
        each line (several separated by spaces; an empty line is a document without
        tags).
    keys : list, optional
        The rows' keys of a trained model: every tag must be one of them (a new
        tag is a ``ValueError`` naming the document).

    Returns
    -------
    DocCorpus
    """
    if tags not in ("line", "column"):
        raise ValueError(f"tags must be 'line' or 'column', got {tags!r}")
    if not isinstance(tag_sep, str) or not tag_sep:
        raise ValueError(f"tag_sep must be a non-empty string, got {tag_sep!r}")
    max_token_bytes = check_max_token_bytes(max_token_bytes)
    sources = text_sources(corpus)
    if sources is None:
        if isinstance(corpus, Corpus):
            raise TypeError("pass the documents' text or an iterable of documents, not an "
                            "encoded Corpus (its empty documents are gone)")
        try:
            iter(corpus)
        except TypeError:
            raise TypeError(f"corpus must be a file path, a list of paths or an iterable of "
                            f"documents, got {type(corpus).__name__}") from None
    if vocab is None:
        sc = _scan.Scanner(record=True, mark_newlines=True, max_token_bytes=max_token_bytes)
    else:
        sc = _scan.Scanner(words=vocab.as_bytes(), mark_newlines=True,
                           max_token_bytes=max_token_bytes)
    doc_tags = _scan_files(sc, sources, tags, tag_sep) if sources is not None else \
        _scan_iterable(sc, corpus)
    raw, _ = sc.take()
    dropped = 0
    if vocab is None:
        vocab, remap = Vocab.from_scanner(sc, check_int("min_count", min_count, 1),
                                          max_final_vocab)
    else:
        remap = None
        dropped = int(sc.stats["oov"])
    mark = raw < 0
    n_docs = int(np.count_nonzero(mark))
    if n_docs == 0:
        raise ValueError("the corpus has no documents (no lines, or an empty iterable)")
    tokens = raw[~mark]
    line = (np.cumsum(mark) - mark)[~mark]
    del mark
    if remap is not None:
        tokens = remap[tokens]
        keep = tokens >= 0
        dropped = int(tokens.shape[0] - np.count_nonzero(keep))
        tokens, line = tokens[keep], line[keep]
    offsets = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(np.bincount(line, minlength=n_docs), out=offsets[1:])
    del line
    table = _Tags(keys, frozen=keys is not None)
    if doc_tags is None:
        if keys is None:
            table = _Tags(range(n_docs))
        elif n_docs > len(keys) or keys[:n_docs] != list(range(n_docs)):
            raise ValueError(f"the corpus has {n_docs} documents tagged by their numbers, but "
                             f"the model's tags are not 0..{n_docs - 1}")
        doc_offsets = np.arange(n_docs + 1, dtype=np.int64)
        doc_rows = np.arange(n_docs, dtype=np.int32)
    else:
        if len(doc_tags) != n_docs:
            raise RuntimeError(f"{len(doc_tags)} tag lists for {n_docs} documents")
        rows = [table.rows(t, f"document {i}") for i, t in enumerate(doc_tags)]
        doc_offsets = np.zeros(n_docs + 1, dtype=np.int64)
        np.cumsum([len(r) for r in rows], out=doc_offsets[1:])
        doc_rows = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int32,
                               count=int(doc_offsets[-1]))
    if len(table.keys) > np.iinfo(np.int32).max:
        raise ValueError("too many distinct tags for int32 rows")
    out = DocCorpus(np.ascontiguousarray(tokens, dtype=np.int32), offsets, vocab, dropped,
                    doc_offsets, doc_rows, table.keys)
    logger.info("read %d documents, %d tokens (%d dropped), %d tags", n_docs, len(out),
                dropped, len(table.keys))
    return out


class DocVectors(Vectors):
    """The documents' vectors: a :class:`~word2vec_fast.vectors.Vectors` keyed by tag.

    Keys are the tags (ints and strings); ``dv[tag]``, ``most_similar(tag)``,
    ``most_similar(vector)``, ``similarity(tag1, tag2)`` and the rest of the
    queries work as for words.  An int that is not a tag is read as a row number,
    as gensim does.  Saved as word vectors (``save``; the tags written as text)
    and read back with :meth:`load` (``int_tags=True`` turns decimal keys back
    into ints), memory-mapped with ``format="npy"`` / ``mmap=True``.
    """

    def __repr__(self):
        return f"DocVectors({len(self)} tags, dim {self.dim}, {self.vectors.dtype})"

    def _missing(self, key) -> KeyError:
        return KeyError(f"tag {key!r} is not one of the {len(self)} tags (nor a row number "
                        f"below {len(self)})")

    def save(self, path, binary: bool = True, encoding: str = "utf-8",
             format: str = "word2vec", header: bool = True) -> None:
        """As :meth:`Vectors.save`, the tags written as text (``str(tag)``)."""
        keys = [k if isinstance(k, str) else str(k) for k in self.words]
        Vectors(keys, self.vectors).save(path, binary=binary, encoding=encoding,
                                         format=format, header=header)

    @classmethod
    def load(cls, path, binary=None, limit=None, encoding="utf-8", unicode_errors="strict",
             duplicates="warn", nonfinite="warn", mmap=False, dtype=None,
             int_tags: bool = True) -> DocVectors:
        """Read document vectors saved by :meth:`save` (any vectors file, in fact);
        with ``int_tags`` the keys that are decimal integers become ints."""
        v = Vectors.load(path, binary=binary, limit=limit, encoding=encoding,
                         unicode_errors=unicode_errors, duplicates=duplicates,
                         nonfinite=nonfinite, mmap=mmap, dtype=dtype)
        keys = list(v.words)
        if int_tags:
            keys = [int(k) if k.isascii() and (k.isdigit() or (k[:1] == "-" and k[1:].isdigit()))
                    and str(int(k)) == k else k for k in keys]
        return cls(keys, v.vectors)


class Doc2Vec(Model):
    """Paragraph vectors as :func:`train` returns them.

    As a :class:`~word2vec_fast.model.Model` (``vocab``, ``wv``, ``syn1neg``,
    ``syn1``, ``params``, ``schedule``, ``history``, ``stats``, ``save_model``,
    ``resume``), plus the documents' rows ``doc_vectors`` (one per tag, in order of
    first appearance), their keys ``tags``, the vectors object :attr:`dv`, and
    :meth:`infer_vector` / :meth:`infer_vectors` for new documents.
    """

    def __init__(self, vocab, vectors, syn1neg, syn1, params, schedule=None, history=None,
                 docs=None, doc_keys=None):
        if docs is None or doc_keys is None or len(doc_keys) != docs.shape[0]:
            raise ValueError("paragraph vectors need one doc row per tag")
        super().__init__(vocab, vectors, syn1neg, syn1, params, schedule, history)
        self.doc_vectors = np.ascontiguousarray(docs, dtype=np.float32)
        self.tags = list(doc_keys)
        self._dv = None
        self._infer_engine = None

    @classmethod
    def create_docs(cls, vocab, keys, *, dm, dbow_words, **kw) -> Doc2Vec:
        """A fresh model for ``keys``' documents: word rows uniform in (-0.5/dim,
        0.5/dim) as word2vec.c's, tag rows in (-1/dim, 1/dim) as gensim's ``Doc2Vec``
        starts them, output rows zero.

        The tag rows' scale matters: with the output rows at zero, a document row
        is what the first updates of its words' output rows are made of, and twice
        word2vec.c's scale learns measurably faster (split-half retrieval on the wiki
        documents, PV-DBOW, 5 epochs: top-1 0.092 -> 0.112, gensim 0.117;
        ``bench/bench_doc2vec.py --task split``)."""
        base = Model.create(vocab, **kw)
        params = dict(base.params, doc_mode=DM if dm else DBOW, dbow_words=bool(dbow_words))
        docs = _fresh_rows(params["seed"] ^ 0xD0C5, 0, len(keys), params["dim"])
        docs *= np.float32(2.0)  # exact: a power of two
        return cls(vocab, base.vectors, base.syn1neg, base.syn1, params, docs=docs,
                   doc_keys=keys)

    @property
    def weights(self) -> Weights:
        return Weights(self.vectors, self.syn1neg, self.syn1, None, w_doc=self.doc_vectors)

    @property
    def dm(self) -> bool:
        return self.params["doc_mode"] == DM

    @property
    def dv(self) -> DocVectors:
        """The documents' vectors keyed by tag (shares memory with :attr:`doc_vectors`)."""
        if self._dv is None or self._dv.vectors is not self.doc_vectors:
            self._dv = DocVectors(self.tags, self.doc_vectors)
        return self._dv

    def start_schedule(self, corpus, **kw):
        super().start_schedule(corpus, **kw)
        self.schedule["tags_fingerprint"] = corpus.tags_fingerprint()

    def train_corpus(self, corpus, *, threads, progress=None, callbacks=None):
        if not isinstance(corpus, DocCorpus):
            raise TypeError("paragraph vectors train on a DocCorpus (read_documents)")
        if len(corpus.keys) != self.doc_vectors.shape[0]:
            raise ValueError(f"the corpus has {len(corpus.keys)} tags, the model "
                             f"{self.doc_vectors.shape[0]}")
        try:
            return super().train_corpus(corpus, threads=threads, progress=progress,
                                        callbacks=callbacks)
        finally:
            self._infer_engine = None
            if self._dv is not None:
                self._dv.clear_cache()

    def _encode(self, corpus, what):
        enc = read_documents(corpus, vocab=self.vocab, keys=self.tags,
                             tags=self.params.get("tags", "line"),
                             tag_sep=self.params.get("tag_sep", "\t"))
        fp = self.schedule.get("tags_fingerprint") if self.schedule else None
        if what == "resume" and fp is not None and enc.tags_fingerprint() != fp:
            raise ValueError("resume: the documents' tags are not those the run started with")
        return enc

    def train_more(self, *args, **kwargs):
        """Not for paragraph vectors: new documents need rows of their own, which
        :meth:`infer_vectors` gives them against the trained model."""
        raise ValueError("train_more is not available for paragraph vectors: infer new "
                         "documents' vectors with infer_vectors(), or train again on all "
                         "the documents")

    def save_model(self, path) -> None:
        """Everything needed to go on training or infer (see :func:`load_model`)."""
        checkpoint.write(path, checkpoint.Checkpoint(
            params=self.params, schedule=self.schedule, history=self.history,
            words=self.vocab.words, counts=self.vocab.counts, vectors=self.vectors,
            syn1neg=self.syn1neg, syn1=self.syn1, docs=self.doc_vectors, doc_keys=self.tags))

    @classmethod
    def load(cls, path) -> Doc2Vec:
        ck = checkpoint.read(path)
        if ck.docs is None:
            raise checkpoint.bad_file(path, "a word model, not paragraph vectors: read it "
                                            "with word2vec_fast.load_model")
        try:
            vocab = Vocab(ck.words, ck.counts)
        except ValueError as e:
            raise checkpoint.bad_file(path, e) from None
        return cls(vocab, ck.vectors, ck.syn1neg, ck.syn1, ck.params, schedule=ck.schedule,
                   history=ck.history, docs=ck.docs, doc_keys=ck.doc_keys)

    # -- inference ------------------------------------------------------------------

    def _engine(self):
        """An engine over the model's rows for inference, which only reads them (its
        corpus, one token of word 0, is never trained)."""
        if self._infer_engine is None:
            p = self.params
            self._infer_engine = _kernels.Engine(
                ids=np.zeros(1, np.int32), offsets=np.array([0, 1], np.int64),
                keep_thr=keep_thresholds(self.vocab, p["sample"]),
                **self.tables.engine_args(), w_in=self.vectors,
                w_out_ns=self.syn1neg, w_out_hs=self.syn1, window=p["window"],
                negative=p["negative"], hs=p["hs"], sg=p["doc_mode"] == DBOW,
                cbow_mean=p["cbow_mean"], epochs=1, first_epoch=0, alpha0=p["alpha"],
                alpha_end=0.0, alpha_floor=0.0, seed=p["seed"], chunk_tokens=1, threads=1,
                batch=max(1, p["batch"]), doc_mode=p["doc_mode"],
                w_doc=np.zeros((1, p["dim"]), np.float32),
                doc_offsets=np.zeros(2, np.int64), doc_rows=np.zeros(0, np.int32))
        return self._infer_engine

    def infer_vectors(self, documents, *, epochs=None, alpha=None, min_alpha=None,
                      threads=None) -> np.ndarray:
        """Vectors of new documents against the trained model, on all threads.

        Parameters
        ----------
        documents : iterable of token lists
            Tokens not in the vocabulary are skipped.  A document with no token
            the model knows is a ``ValueError`` naming it (it would get the random
            start vector only).
        epochs : int, optional
            Passes over each document (default: the model's ``epochs``).
        alpha, min_alpha : float, optional
            The learning rate of the first and the last pass, linear in between
            (defaults: the model's ``alpha`` and ``min_alpha``).
        threads : int, optional
            Default: all cores.  The result does not depend on it.

        Returns
        -------
        numpy.ndarray, (len(documents), dim) float32
            Row ``i`` depends only on document ``i``, the model and its seed: the
            same document gives the same vector in any batch, order or call.
        """
        p = self.params
        epochs = check_int("epochs", p["epochs"] if epochs is None else epochs, 1)
        alpha = check_float("alpha", p["alpha"] if alpha is None else alpha, 0.0, strict=True)
        min_alpha = check_float("min_alpha", (p.get("min_alpha") or MIN_ALPHA)
                                if min_alpha is None else min_alpha, 0.0)
        threads = check_threads(threads)
        get = self.vocab.index.get
        flat, lengths = [], []
        # (map over dict.get and one scan for None: the fastest lookup in Python, a
        # few times the inference of a document's words otherwise)
        for i, doc in enumerate(documents):
            if isinstance(doc, str):
                raise TypeError(f"document {i} is a str: pass a list of tokens "
                                "(e.g. text.split())")
            ids = list(map(get, doc))
            tokens = len(ids)
            if None in ids:
                ids = [x for x in ids if x is not None]
            if not ids:
                raise ValueError(f"document {i} has no word the model knows "
                                 f"({tokens} tokens): nothing to infer its vector from")
            flat += ids
            lengths.append(len(ids))
        n = len(lengths)
        offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        ids = np.array(flat, dtype=np.int32)
        out = np.empty((n, p["dim"]), dtype=np.float32)
        if n == 0:
            return out
        engine = self._engine()
        ranges = [(a, min(a + INFER_BATCH, n)) for a in range(0, n, INFER_BATCH)]
        run_threads(min(threads, len(ranges)), lambda _, r: engine.infer(
            ids, offsets, out, epochs, alpha, min_alpha, r[0], r[1]), ranges,
            name="word2vec_fast-infer")
        return out

    def infer_vector(self, doc_words, *, epochs=None, alpha=None, min_alpha=None) -> np.ndarray:
        """The vector of one new document (a token list): see :meth:`infer_vectors`."""
        if isinstance(doc_words, str):
            raise TypeError("infer_vector takes a list of tokens (e.g. text.split())")
        return self.infer_vectors([doc_words], epochs=epochs, alpha=alpha,
                                  min_alpha=min_alpha, threads=1)[0]

    def __repr__(self):
        kind = "PV-DM" if self.dm else "PV-DBOW" + (" + words" if self.params.get(
            "dbow_words") else "")
        return (f"Doc2Vec({kind}, {len(self.tags)} tags, {len(self.vocab)} words, "
                f"dim {self.params['dim']})")


def train(corpus, *, dm: bool = False, dim: int = 100, window: int = 5, negative: int = 5,
          hs: bool = False, dm_mean: bool = True, dbow_words: bool = False,
          sample: float = 1e-3, min_count: int = 5, max_final_vocab=None, alpha=None,
          min_alpha=MIN_ALPHA, epochs: int = EPOCHS, threads=None, seed: int = 1,
          batch=True, tags="line", tag_sep="\t", vocab=None,
          max_token_bytes: int = MAX_TOKEN_BYTES, progress=None, callbacks=None) -> Doc2Vec:
    """Train paragraph vectors (gensim's ``Doc2Vec``) on a corpus of documents.

    Parameters
    ----------
    corpus : path, list of pathlib.Path, "-", or iterable of documents
        See :func:`read_documents` (one document per line of the files; tags the
        line numbers unless ``tags="column"``).
    dm : bool
        False (default): PV-DBOW; True: PV-DM.
    dim, window, negative, hs, sample, min_count, max_final_vocab, seed, threads,
    progress, callbacks
        As for :func:`word2vec_fast.train` (``window`` is PV-DM's and ``dbow_words``'
        context).
    dm_mean : bool
        PV-DM: the mean (default) or the sum of the context and tag rows.
    dbow_words : bool
        PV-DBOW: also train word vectors (skip-gram) on the same text.
    alpha, min_alpha : float
        The learning rate's linear decay (defaults: 0.025 for PV-DBOW and 0.05
        for PV-DM, as word2vec's skip-gram and CBOW, to gensim's ``min_alpha``
        0.0001); inference uses them too.
    epochs : int
        Passes over the corpus (gensim's default, 10).
    batch : bool or int
        True: PV-DBOW trains blocks of ``DBOW_BLOCK`` (6) words of a document, each
        ``DBOW_GROUP`` (3) consecutive words sharing one draw of negatives; PV-DM
        one centre word per block, as word2vec's CBOW.  An int B: blocks of B
        consecutive words sharing one draw (``batch=1``: every word its own).
    tags, tag_sep
        See :func:`read_documents`.
    vocab : Vocab, optional
        Use this vocabulary instead of building one.

    Returns
    -------
    Doc2Vec
        ``.dv`` (documents), ``.wv`` (words), ``.infer_vector``, ``.infer_vectors``.

    Raises
    ------
    ValueError, TypeError
        Bad parameters or corpora, before any thread starts.
    TrainingDiverged, TrainingInterrupted
        As for :func:`word2vec_fast.train`.
    """
    if alpha is None:
        alpha = 0.05 if dm else 0.025
    p = check_train_params(dim=dim, window=window, negative=negative, hs=hs, sg=not dm,
                           cbow_mean=dm_mean, sample=sample, min_count=min_count,
                           alpha=alpha, min_alpha=min_alpha, epochs=epochs, seed=seed,
                           batch=batch)
    if not p["batch"]:
        raise ValueError("paragraph vectors need the batched kernels (batch=True or an int)")
    # PV-DBOW's True: blocks of DBOW_BLOCK words of a document, a draw of negatives
    # for each DBOW_GROUP of them; an int B: B words, one draw
    group = 0
    if batch is True and not dm and not hs:
        p["batch"], group = DBOW_BLOCK, DBOW_GROUP
    threads = check_threads(threads)
    t0 = time.perf_counter()
    enc = read_documents(corpus, vocab=vocab, min_count=p["min_count"],
                         max_final_vocab=max_final_vocab, tags=tags, tag_sep=tag_sep,
                         max_token_bytes=max_token_bytes)
    if len(enc.vocab) == 0:
        raise ValueError(f"empty vocabulary: no word occurs at least min_count={min_count} "
                         "times")
    if len(enc) == 0:
        raise ValueError("the documents have no tokens in the vocabulary: nothing to train")
    if not enc.keys:
        raise ValueError("no document has a tag: nothing to train")
    model = Doc2Vec.create_docs(enc.vocab, enc.keys, dm=dm, dbow_words=dbow_words,
                                **model_params(p))
    model.params.update(tags=tags, tag_sep=tag_sep, min_alpha=min_alpha, dbow_group=group)
    model.start_schedule(enc, epochs=p["epochs"], alpha=p["alpha"], alpha_end=p["alpha_end"],
                         alpha_floor=p["alpha_floor"], seed=p["seed"])
    prep_seconds = time.perf_counter() - t0
    model.train_corpus(enc, threads=threads, progress=progress, callbacks=callbacks)
    model.stats["prepare_seconds"] = prep_seconds
    return model


def load_model(path) -> Doc2Vec:
    """Read paragraph vectors saved by :meth:`Doc2Vec.save_model` (to ``resume`` training
    or infer); ``ValueError`` naming the file for anything else."""
    return Doc2Vec.load(path)
