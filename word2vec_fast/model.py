"""The trained model: vocabulary, input vectors, output weights and where training stands."""
from __future__ import annotations

import logging

import numpy as np

from . import checkpoint
from .corpus import Corpus, as_corpus
from .fingerprint import VERSION as FINGERPRINT_VERSION, corpus_fingerprint
from .params import check_float, check_int, check_threads, has_output_layer
from . import _kernels
from .runner import Weights, run_schedule
from .schedule import alpha_schedule, new_schedule
from .subwords import SubwordSpec, SubwordVectors
from .tables import OutputTables
from .vectors import Vectors
from .vocab import Vocab, check_reiterable

logger = logging.getLogger("word2vec_fast")

_MASK64 = (1 << 64) - 1


def _fingerprint(corpus, version=FINGERPRINT_VERSION) -> int:
    """The corpus's fingerprint, a memory map's pages given back after each page read."""
    maps = corpus.maps or ()

    def release():
        for m in maps:
            m.release()
    return corpus_fingerprint(corpus.ids, corpus.offsets, version, release if maps else None)


def _fresh_rows(seed, run, n, dim):
    """Input rows as word2vec.c starts them: uniform in (-0.5/dim, 0.5/dim)."""
    rng = np.random.Generator(np.random.PCG64(seed if run == 0 else [seed, run]))
    rows = rng.random((n, dim), dtype=np.float32)
    rows -= np.float32(0.5)
    rows /= np.float32(dim)
    return rows


class Model:
    """A word2vec model as returned by :func:`word2vec_fast.train`.

    Attributes
    ----------
    vocab : Vocab
        Words (frequency order, then any words added by :meth:`train_more`)
        with their counts.
    words : list of str
        ``vocab.words``.
    vectors : numpy.ndarray, (V, dim) float32
        The word vectors (word2vec.c's ``syn0``), C-contiguous.
    syn1neg : numpy.ndarray or None
        Output weights of negative sampling, (V, dim).
    syn1 : numpy.ndarray or None
        Output weights of hierarchical softmax, one row per Huffman inner node.
    params : dict
        The training parameters.
    schedule : dict
        Where training stands: ``run`` (0 for :func:`train`, then one more
        per :meth:`train_more`), ``epochs`` and ``epochs_done`` of that run,
        ``words_done`` (raw words; the learning-rate position), the run's
        ``alpha``, ``alpha_end``, ``alpha_floor`` and ``seed``, and its
        corpus's ``n_tokens``, ``corpus_fingerprint`` and ``fingerprint_version``
        (see :mod:`word2vec_fast.fingerprint`; absent, i.e. 1, in older checkpoints).
    history : list of dict
        One record per epoch trained (see the README): ``run``, ``epoch``
        (1-based), ``complete``, ``loss``, ``pairs``, ``loss_per_pair``,
        ``raw_words``, ``effective_words``, ``seconds``, ``words_per_sec``,
        ``alpha`` (the last learning rate used), ``words_done``, plus what
        callbacks added.
    stats : dict
        Figures of the last call: ``words`` (raw words trained), ``train_seconds``,
        ``words_per_sec``, per-epoch and per-thread word counts, ...
    tables : OutputTables
        The negative-sampling and Huffman tables, rebuilt from the counts.
    lock_in : numpy.ndarray or None
        uint8, one per word: the words whose input rows training keeps as they are
        (``train(init_vectors=..., lock_init=True)``); not saved by :meth:`save_model`.
    subwords : SubwordSpec or None
        A subword model's n-gram settings (``params`` ``minn``, ``maxn``, ``buckets``).
    input_matrix : numpy.ndarray or None
        A subword model's input rows, (V + buckets, dim): :attr:`vectors` (the
        words' own rows, a view) then :attr:`ngram_vectors`.  Its word vectors,
        the means of their rows, are :attr:`wv`'s.
    """

    def __init__(self, vocab: Vocab, vectors, syn1neg, syn1, params: dict, schedule=None,
                 history=None, ngrams=None):
        self.vocab = vocab
        self.subwords = SubwordSpec.checked(params["minn"], params["maxn"], params["buckets"]) \
            if params.get("maxn") else None
        self.input_matrix = None
        self._sub_rows = None
        if self.subwords is not None:
            if ngrams is None or ngrams.shape != (self.subwords.buckets, vectors.shape[1]):
                raise ValueError("a subword model needs its (buckets, dim) n-gram rows")
            self._set_input(np.concatenate([vectors, ngrams]))
        else:
            self.vectors = vectors
        self.syn1neg = syn1neg
        self.syn1 = syn1
        self.params = dict(params)
        self.schedule = dict(schedule) if schedule else None
        self.history = list(history) if history else []
        self.stats: dict = {}
        self.lock_in = None
        self._wv = None
        self._build_tables()

    @classmethod
    def create(cls, vocab: Vocab, *, dim, window, negative, hs, sg, cbow_mean, sample, alpha,
               min_alpha, epochs, seed, min_count, batch=0, subwords=None) -> Model:
        """A fresh model: input rows uniform in (-0.5/dim, 0.5/dim), output rows zero.

        ``subwords`` (a :class:`SubwordSpec`): a subword model, its n-gram rows
        started in the same range by a counter-based generator in C on all cores
        (NumPy's takes 2.6 s for the defaults' 200 M floats)."""
        v = len(vocab)
        spec = subwords if subwords is not None and subwords.active else None
        if spec is None:
            rows = _fresh_rows(seed, 0, v, dim)
        else:  # the words' rows as a plain model's, the n-gram rows drawn in C
            rows = np.empty((v + spec.buckets, dim), dtype=np.float32)
            rows[:v] = _fresh_rows(seed, 0, v, dim)
            _kernels.fill_uniform(rows[v:], _kernels.seed_key(seed ^ 0x5B0D), 1.0 / dim,
                                  threads=check_threads(None))
        syn1neg = np.zeros((v, dim), dtype=np.float32) if negative > 0 else None
        syn1 = np.zeros((max(v - 1, 1), dim), dtype=np.float32) if hs else None
        params = dict(dim=dim, window=window, negative=negative, hs=hs, sg=sg,
                      cbow_mean=cbow_mean, sample=sample, alpha=alpha, min_alpha=min_alpha,
                      epochs=epochs, seed=seed, min_count=min_count, batch=batch)
        if spec is None:
            return cls(vocab, rows, syn1neg, syn1, params)
        params.update(spec.params())
        model = cls.__new__(cls)
        model._init_subword(vocab, rows, syn1neg, syn1, params, spec)
        return model

    def _init_subword(self, vocab, input_matrix, syn1neg, syn1, params, spec):
        """__init__ for a fresh subword model, taking ``input_matrix`` without a copy."""
        self.vocab, self.subwords = vocab, spec
        self._set_input(input_matrix)
        self.syn1neg, self.syn1 = syn1neg, syn1
        self.params = dict(params)
        self.schedule, self.history, self.stats = None, [], {}
        self.lock_in, self._wv = None, None
        self._build_tables()

    def _set_input(self, input_matrix):
        """A subword model's input rows (V + buckets, dim) and their per-word CSR."""
        self.input_matrix = np.ascontiguousarray(input_matrix, dtype=np.float32)
        self.vectors = self.input_matrix[:len(self.vocab)]
        self._sub_rows = self.subwords.vocab_rows(self.vocab.words)

    @property
    def ngram_vectors(self):
        """A subword model's n-gram rows (buckets, dim), a view; None otherwise."""
        return None if self.input_matrix is None else self.input_matrix[len(self.vocab):]

    def _build_tables(self):
        self.tables = OutputTables.build(self.vocab.counts, negative=self.params["negative"],
                                         hs=self.params["hs"])

    @property
    def weights(self) -> Weights:
        """The matrices training updates (shares memory with the attributes)."""
        if self.input_matrix is not None:
            return Weights(self.input_matrix, self.syn1neg, self.syn1, self.lock_in,
                           sub_rows=self._sub_rows)
        return Weights(self.vectors, self.syn1neg, self.syn1, self.lock_in)

    def start_schedule(self, corpus, *, epochs, alpha, alpha_end, alpha_floor, seed, run=0):
        """Begin a learning-rate schedule of ``epochs`` passes over ``corpus`` (encoded)."""
        self.schedule = new_schedule(
            n_tokens=len(corpus), fingerprint=_fingerprint(corpus),
            fingerprint_version=FINGERPRINT_VERSION, epochs=epochs, alpha=alpha,
            alpha_end=alpha_end, alpha_floor=alpha_floor, seed=seed, run=run)

    def train_corpus(self, corpus, *, threads, progress=None, callbacks=None):
        """Run the rest of the current schedule over an encoded corpus (its vocab must be ours)."""
        if corpus.vocab is not self.vocab and corpus.vocab.words != self.vocab.words:
            raise ValueError("the corpus was encoded with another vocabulary")
        if self.schedule is None:
            raise ValueError("no training schedule: use word2vec_fast.train() or train_more()")
        self.stats = {}
        try:
            run_schedule(corpus, self.weights, self.tables, self.params, self.schedule,
                         threads=threads, history=self.history, stats=self.stats,
                         progress=progress, callbacks=callbacks, owner=self)
        finally:
            if self.input_matrix is not None:
                self._wv = None  # the composed vectors are made again from the new rows
            elif self._wv is not None:
                self._wv.clear_cache()  # training changed the rows in place
        return self

    # -- checkpoints, resume and continued training ----------------------------------

    def save_model(self, path) -> None:
        """Save everything needed to go on training (see :func:`word2vec_fast.load_model`).

        One ``.npz`` file (NumPy arrays plus a JSON header, no pickle):
        vocabulary with counts, input and output weights, parameters, the
        schedule (learning-rate position, epochs done, seed) and the history.
        Written to a temporary file next to ``path`` and renamed into place.
        """
        checkpoint.write(path, checkpoint.Checkpoint(
            params=self.params, schedule=self.schedule, history=self.history,
            words=self.vocab.words, counts=self.vocab.counts, vectors=self.vectors,
            syn1neg=self.syn1neg, syn1=self.syn1, ngrams=self.ngram_vectors))

    @classmethod
    def load(cls, path) -> Model:
        """Read a model written by :meth:`save_model`; see :func:`load_model`."""
        ck = checkpoint.read(path)
        try:
            vocab = Vocab(ck.words, ck.counts)
        except ValueError as e:
            raise checkpoint.bad_file(path, e) from None
        return cls(vocab, ck.vectors, ck.syn1neg, ck.syn1, ck.params, schedule=ck.schedule,
                   history=ck.history, ngrams=ck.ngrams)

    def _encode(self, corpus, what):
        if isinstance(corpus, Corpus):
            if corpus.vocab is not self.vocab and corpus.vocab.words != self.vocab.words:
                raise ValueError(f"{what}: the corpus was encoded with another vocabulary")
            return corpus
        return as_corpus(corpus, self.vocab, self.params.get("min_count", 1), None)

    def resume(self, corpus, *, threads=None, progress=None, callbacks=None) -> Model:
        """Finish the schedule a checkpoint was saved in, on the same corpus.

        With ``threads=1`` the result is bit for bit that of the uninterrupted
        run when the checkpoint was taken at an epoch end (an epoch cut short
        by Ctrl-C is trained again from its start, on top of its partial
        updates).  Raises ``ValueError`` if the corpus is not the one the run
        started with (use :meth:`train_more` for new text).
        """
        sch = self.schedule
        if sch is None:
            raise ValueError("this model has no training schedule to resume")
        if "distributed" in sch:
            raise ValueError("this model was trained on a cluster: resume it with "
                             "word2vec_fast.distributed.resume (or resume_local)")
        threads = check_threads(threads)
        enc = self._encode(corpus, "resume")
        version = sch.get("fingerprint_version", 1)
        if len(enc) != sch["n_tokens"] or _fingerprint(enc, version) != sch["corpus_fingerprint"]:
            raise ValueError(
                f"resume: this is not the corpus the run started on ({len(enc)} tokens, "
                f"expected {sch['n_tokens']} with the same content); train_more() trains on "
                "new text")
        if version != FINGERPRINT_VERSION:
            # an older checkpoint (its fingerprint reads every page): those saved from
            # now on carry the one that does not
            sch["corpus_fingerprint"] = _fingerprint(enc)
            sch["fingerprint_version"] = FINGERPRINT_VERSION
        if sch["epochs_done"] >= sch["epochs"]:
            logger.info("resume: all %d epochs are done already", sch["epochs"])
            return self
        return self.train_corpus(enc, threads=threads, progress=progress, callbacks=callbacks)

    def train_more(self, corpus, *, epochs=None, alpha=None, min_alpha=None, update_vocab=True,
                   min_count=None, threads=None, progress=None, callbacks=None) -> Model:
        """Train further on (new) text with a new learning-rate schedule.

        Parameters
        ----------
        corpus : path, iterable of token lists, or Corpus
            The text to train on.
        epochs : int, optional
            Passes over it (default: the model's ``epochs``).
        alpha, min_alpha : float, optional
            The new schedule: linear decay from ``alpha`` (default the model's
            initial one) to ``min_alpha`` (default as in :func:`train`: towards 0,
            floored at ``alpha * 1e-4``).
        update_vocab : bool
            Add the corpus's words that occur at least ``min_count`` times
            (default the model's) and are not in the vocabulary yet, after the
            existing ones (most frequent first); their input rows start like
            fresh ones, their output rows at zero; existing rows are kept.  All
            counts are increased by the new text's, and the negative-sampling
            table and the Huffman tree are rebuilt from them.  With
            ``update_vocab=False`` unknown words are skipped.
        threads, progress, callbacks
            As in :func:`train`.

        Notes
        -----
        Hierarchical softmax: the rebuilt Huffman tree gives words new paths
        whenever the counts change their order, and the inner-node weights
        (``syn1``, kept row by row) then stand for other nodes, so the HS
        output layer partly relearns.  Negative sampling has no such caveat.
        """
        p = self.params
        if not has_output_layer(p["negative"], p["hs"]):
            raise ValueError("this model has no output weights, so it cannot be trained further")
        epochs = check_int("epochs", p["epochs"] if epochs is None else epochs, 1)
        threads = check_threads(threads)
        alpha = check_float("alpha", p["alpha"] if alpha is None else alpha, 0.0, strict=True)
        alpha_end, alpha_floor = alpha_schedule(
            alpha, p.get("min_alpha") if min_alpha is None else min_alpha)
        min_count = check_int("min_count", p.get("min_count", 1) if min_count is None
                              else min_count, 1)
        if update_vocab:
            if isinstance(corpus, Corpus):
                raise ValueError("update_vocab=True needs the text (a path or token lists), "
                                 "not an encoded Corpus")
            check_reiterable(corpus, "train_more(update_vocab=True)'s corpus")
            found = Vocab.build(corpus, min_count=1)
            old_v = len(self.vocab)
            counts = self.vocab.counts.copy()
            new_words, new_counts = [], []
            for w, c in zip(found.words, found.counts.tolist()):
                i = self.vocab.index.get(w)
                if i is not None:
                    counts[i] += c
                elif c >= min_count:
                    new_words.append(w)
                    new_counts.append(c)
            vocab = Vocab(self.vocab.words + new_words,
                          np.concatenate([counts, np.array(new_counts, dtype=np.int64)]))
            self._grow(vocab, old_v)
            logger.info("train_more: %d new words (vocabulary %d -> %d)", len(new_words),
                        old_v, len(vocab))
        enc = self._encode(corpus, "train_more")
        if len(enc) == 0:
            raise ValueError("train_more: the corpus has no tokens in the vocabulary")
        run = (self.schedule["run"] + 1) if self.schedule else 1
        seed = (int(p["seed"]) + run * 0x9E3779B97F4A7C15) & _MASK64
        self.start_schedule(enc, epochs=epochs, alpha=alpha, alpha_end=alpha_end,
                            alpha_floor=alpha_floor, seed=seed, run=run)
        return self.train_corpus(enc, threads=threads, progress=progress, callbacks=callbacks)

    def _grow(self, vocab: Vocab, old_v: int) -> None:
        """Take a vocabulary extending ours: new rows fresh (inputs) or zero (outputs)."""
        v, dim = len(vocab), self.params["dim"]
        run = (self.schedule["run"] + 1) if self.schedule else 1
        if v > old_v:
            fresh = _fresh_rows(self.params["seed"], run, v - old_v, dim)
            if self.input_matrix is not None:  # new word rows go before the n-gram rows
                ngrams = self.ngram_vectors
                self.vocab = vocab
                self._set_input(np.concatenate([self.vectors, fresh, ngrams]))
            else:
                self.vectors = np.ascontiguousarray(np.concatenate([self.vectors, fresh]))
            if self.syn1neg is not None:
                self.syn1neg = np.ascontiguousarray(np.concatenate(
                    [self.syn1neg, np.zeros((v - old_v, dim), dtype=np.float32)]))
            if self.syn1 is not None and max(v - 1, 1) > self.syn1.shape[0]:
                self.syn1 = np.ascontiguousarray(np.concatenate(
                    [self.syn1, np.zeros((max(v - 1, 1) - self.syn1.shape[0], dim),
                                         dtype=np.float32)]))
            if self.lock_in is not None:  # new words are free
                self.lock_in = np.concatenate([self.lock_in, np.zeros(v - old_v, np.uint8)])
        self.vocab = vocab
        self._wv = None
        self._build_tables()

    # -- the vectors ------------------------------------------------------------------

    @property
    def words(self):
        return self.vocab.words

    @property
    def wv(self) -> Vectors:
        """The vectors as a :class:`Vectors` object (queries, save); shares memory.

        A subword model's are :class:`SubwordVectors`: each word's vector is the mean
        of its rows (composed when first asked for after training), and unknown
        words get theirs from their n-grams."""
        if self.input_matrix is not None:
            if self._wv is None or self._wv.input_matrix is not self.input_matrix:
                self._wv = SubwordVectors(self.vocab.words, self.input_matrix, self.subwords,
                                          counts=self.vocab.counts)
            return self._wv
        if self._wv is None or self._wv.vectors is not self.vectors:
            self._wv = Vectors(self.vocab.words, self.vectors, counts=self.vocab.counts)
        return self._wv

    def most_similar(self, *args, **kwargs):
        """See :meth:`Vectors.most_similar`."""
        return self.wv.most_similar(*args, **kwargs)

    def save(self, path, binary: bool = True) -> None:
        """Write the vectors in word2vec.c's binary (default) or text format.

        This keeps the vectors only; :meth:`save_model` keeps what training needs.
        """
        self.wv.save(path, binary=binary)

    def __repr__(self):
        kind = "skip-gram" if self.params["sg"] else "CBOW"
        sub = "" if self.subwords is None else \
            f", subwords {self.subwords.minn}-{self.subwords.maxn} x {self.subwords.buckets}"
        return f"Model({kind}, {len(self.vocab)} words, dim {self.params['dim']}{sub})"


def load_model(path) -> Model:
    """Read a model written by :meth:`Model.save_model`; it can then ``resume`` or ``train_more``.

    Raises ``ValueError`` naming the file for anything else: word2vec
    ``.bin``/``.txt`` vectors (they lack the output weights, so they cannot be
    trained further: read them with :func:`word2vec_fast.load`), truncated or
    corrupted files, inconsistent shapes.
    """
    return Model.load(path)
