# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Glue between :mod:`word2vec_fast.phrases_count` / :mod:`word2vec_fast.phrases`
and the two C engines (``csrc/w2v_phrases.h`` has the glossary).

A :class:`Counter` counts the words and pairs of text blocks (with the GIL
released, so one per thread, merged after) or of token lists; a :class:`Table`
is a frozen phrase table and a :class:`Rewriter` streams text through it.
:class:`Held` counts and rewrites a text from its token ids (``csrc/w2v_held.h``).
Parameters are checked in ``phrases.py``; this layer only guards buffers.
"""
import tempfile

import numpy as np

cimport numpy as cnp
from cpython.bytearray cimport PyByteArray_AS_STRING, PyByteArray_FromStringAndSize
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from libc.stdint cimport INT32_MAX, UINT64_MAX, int32_t, int64_t, uint8_t, uint32_t, uint64_t
from libc.stdlib cimport calloc, free, malloc, realloc
from libc.string cimport memcpy
from w2v_held cimport (W2V_HELD_MAX_RUNS, w2v_held_filter, w2v_held_filter_free, w2v_held_filter_init,
                       w2v_held_max_key, w2v_held_pairs, w2v_held_phrases,
                       w2v_held_phrases_free, w2v_held_phrases_init, w2v_held_remap, w2v_held_rewrite,
                       w2v_held_score, w2v_held_sort_runs, w2v_held_state, w2v_held_tail)
from w2v_phrases cimport (W2V_PHR_ALL, W2V_PHR_NPMI, W2V_PHR_WORD2PHRASE, w2v_phr_context,
                          w2v_phr_counter, w2v_phr_counter_free, w2v_phr_counter_init,
                          w2v_phr_end_sentence, w2v_phr_end_source, w2v_phr_feed,
                          w2v_phr_lead_start, w2v_phr_merge, w2v_phr_rewriter,
                          w2v_phr_rw_end_sentence, w2v_phr_rw_end_source, w2v_phr_rw_feed,
                          w2v_phr_rw_free, w2v_phr_rw_init, w2v_phr_rw_resync,
                          w2v_phr_rw_token, w2v_phr_score,
                          w2v_phr_table, w2v_phr_token, w2v_phr_tokens, w2v_ptab_add,
                          w2v_ptab_free, w2v_ptab_init)
from word2vec_fast._scan cimport feed_token_lists
from w2v_scan cimport (W2V_SCAN_DUPLICATE, W2V_SCAN_ENOMEM, W2V_SCAN_OK, w2v_scan_end_source,
                       w2v_scan_feed, w2v_scan_free, w2v_scan_init, w2v_scanner, w2v_vtab,
                       w2v_vtab_add, w2v_vtab_counts, w2v_vtab_free, w2v_vtab_init,
                       w2v_vtab_merge)

cnp.import_array()

#: The most pair runs :meth:`Held.score_range` merges.
MAX_RUNS = W2V_HELD_MAX_RUNS
#: Ids a scanner of :class:`Held` gathers between writes once it spills.
cdef int64_t SPILL_CHUNK_IDS = 1 << 22

SCORING = {"word2phrase": W2V_PHR_WORD2PHRASE, "npmi": W2V_PHR_NPMI, "all": W2V_PHR_ALL}


cdef inline _check(int rc):
    if rc == W2V_SCAN_ENOMEM:
        raise MemoryError("out of memory while counting phrases")
    if rc != W2V_SCAN_OK:
        raise ValueError("the corpus has more than 2**31 distinct words")


cdef _fill(w2v_vtab *t, list words, str what):
    """Add ``words`` (bytes) to a new table so that word ``i`` has index ``i``."""
    cdef bytes w
    cdef int64_t i, idx
    for i, w in enumerate(words):
        idx = w2v_vtab_add(t, <const uint8_t *> PyBytes_AS_STRING(w), PyBytes_GET_SIZE(w), 0)
        if idx == -1:
            raise MemoryError(f"cannot allocate the {what} table")
        if idx != i:
            raise ValueError(f"{what} {w!r} is listed twice")


cdef list _words(const w2v_vtab *t, ids):
    """The words (bytes) at ``ids`` of table ``t``."""
    cdef int64_t j
    out = []
    for j in ids:
        if j < 0 or j >= t.n:
            raise IndexError(j)
        out.append(PyBytes_FromStringAndSize(t.arena + t.e[j].off, t.e[j].len))
    return out


cdef _counts(const w2v_vtab *t):
    """Counts of the words of ``t`` (int64, table order)."""
    cdef cnp.ndarray[int64_t, ndim=1, mode="c"] out = np.empty(t.n + 1, np.int64)
    w2v_vtab_counts(t, &out[0])
    return out[:t.n]


cdef class Connectors:
    """The connector words (bytes), frozen; word ``i`` has index ``i``."""
    cdef w2v_vtab t
    cdef bint ready
    cdef readonly list words

    def __cinit__(self, words):
        self.ready = False
        self.words = list(words)
        if w2v_vtab_init(&self.t, len(self.words) + 1, 0) != W2V_SCAN_OK:
            raise MemoryError("cannot allocate the connector table")
        self.ready = True
        _fill(&self.t, self.words, "connector word")

    def __dealloc__(self):
        if self.ready:
            w2v_vtab_free(&self.t)


cdef const w2v_vtab *_conn_ptr(Connectors conn):
    return NULL if conn is None or not conn.words else &conn.t


def lead_start(const uint8_t[::1] buf, Py_ssize_t n, Connectors conn, int64_t max_token,
               bint cross_lines):
    """Where the context of the block after ``buf[:n]`` starts (see w2v_phr_lead_start)."""
    if n > buf.shape[0] or n < 0:
        raise ValueError("n out of range")
    if n == 0:
        return 0
    return w2v_phr_lead_start(&buf[0], n, _conn_ptr(conn), max_token, cross_lines)


cdef int _count_read(void *c, const uint8_t *p, int64_t n) noexcept:
    cdef w2v_phr_counter *counter = <w2v_phr_counter *> c
    return w2v_phr_token(counter, p, n) if p else w2v_phr_end_sentence(counter)


cdef class Counter:
    """Unigram and pair counts of the blocks of text (or token lists) fed to it.

    ``max_token_bytes`` cuts tokens of text as the scanner does.

    Parameters
    ----------
    max_size : int
        Prune (ReduceVocab) when words + pairs exceed this; 0: never.
    conn : Connectors or None
    cross_lines : bool
        Count pairs across newlines (word2phrase.c does).
    """
    cdef w2v_phr_counter c
    cdef bint ready
    cdef Connectors conn

    def __cinit__(self, int64_t max_token_bytes, int64_t max_size=0, Connectors conn=None,
                  bint cross_lines=False):
        self.ready = False
        self.conn = conn
        if w2v_phr_counter_init(&self.c, max_token_bytes, max_size, _conn_ptr(conn),
                                cross_lines) \
                != W2V_SCAN_OK:
            raise MemoryError("cannot allocate the phrase counter")
        self.ready = True

    def __dealloc__(self):
        if self.ready:
            w2v_phr_counter_free(&self.c)

    def block(self, const uint8_t[::1] lead, Py_ssize_t lead_n, const uint8_t[::1] buf,
              Py_ssize_t n):
        """Count ``buf[:n]`` (a whole block: it ends at a separator or at its source's end),
        after the context ``lead[:lead_n]``; the GIL is released."""
        cdef int rc = W2V_SCAN_OK
        if n > buf.shape[0] or n < 0 or lead_n > lead.shape[0] or lead_n < 0:
            raise ValueError("block length out of range")
        with nogil:
            if lead_n > 0:
                rc = w2v_phr_context(&self.c, &lead[0], lead_n)
            if rc == W2V_SCAN_OK and n > 0:
                rc = w2v_phr_feed(&self.c, &buf[0], n)
            if rc == W2V_SCAN_OK:
                rc = w2v_phr_end_source(&self.c)
        _check(rc)

    def feed_sentences(self, sentences, Py_ssize_t first_index=0):
        """Count a batch of token lists (each a sentence of str tokens)."""
        cdef Py_ssize_t i = first_index
        _check(feed_token_lists(sentences, &i, _count_read, &self.c, None))
        return i

    def merge(self, Counter other):
        """Add ``other``'s counts into this counter (``other`` is unchanged)."""
        cdef int rc
        with nogil:
            rc = w2v_phr_merge(&self.c, &other.c)
        _check(rc)

    @property
    def stats(self):
        return dict(tokens=w2v_phr_tokens(&self.c), words=self.c.uni.n, pairs=self.c.pairs.n,
                    sentences=self.c.sc.sentences, cut=self.c.sc.cut, prunes=self.c.prunes,
                    pruned_pairs=self.c.pruned_pairs, pruned_words=self.c.uni.pruned_words,
                    min_reduce=self.c.min_reduce)

    def score(self, scoring, int64_t min_count, double threshold, int64_t train_words):
        """Arrays ``(a, b, run, count, score)`` of the pairs whose score passes
        (``scoring="all"``: every pair, score 0)."""
        cdef int sc = SCORING[scoring]
        cdef int64_t cap = 1024, k
        while True:
            a = np.empty(cap, np.uint32)
            b = np.empty(cap, np.uint32)
            r = np.empty(cap, np.uint32)
            c = np.empty(cap, np.int64)
            s = np.empty(cap, np.float64)
            k = w2v_phr_score(&self.c, sc, min_count, threshold, train_words,
                              <uint32_t *> cnp.PyArray_DATA(a), <uint32_t *> cnp.PyArray_DATA(b),
                              <uint32_t *> cnp.PyArray_DATA(r), <int64_t *> cnp.PyArray_DATA(c),
                              <double *> cnp.PyArray_DATA(s), cap)
            if k < 0:
                raise MemoryError("out of memory while scoring phrases")
            if k <= cap:
                return a[:k], b[:k], r[:k], c[:k], s[:k]
            cap = k

    def words(self, ids):
        """The words (bytes) at table ``ids``."""
        return _words(&self.c.uni, ids)

    def counts(self):
        """Counts of the table's words (int64, table order)."""
        return _counts(&self.c.uni)

    def run(self, int64_t run_id):
        """The connector indices of run ``run_id`` (0: no connector)."""
        cdef int64_t j = run_id - 1, k, n
        cdef uint32_t v
        if run_id == 0:
            return ()
        if j < 0 or j >= self.c.runs.n:
            raise IndexError(run_id)
        n = self.c.runs.e[j].len // 4
        out = []
        for k in range(n):
            memcpy(&v, self.c.runs.arena + self.c.runs.e[j].off + 4 * k, 4)
            out.append(v)
        return tuple(out)


cdef class Table:
    """A frozen phrase table for :class:`Rewriter`.

    Parameters
    ----------
    words : list of bytes
        The words that start or end a phrase (id = position).
    a, b, run : arrays of int
        Pair ``k`` joins ``words[a[k]]`` and ``words[b[k]]`` across the connector
        run ``runs[run[k] - 1]`` (run 0: adjacent).
    runs : list of tuples of int
        Connector runs as indices into ``conn.words``.
    """
    cdef w2v_phr_table t
    cdef bint ready
    cdef Connectors conn

    def __cinit__(self, words, a, b, run, runs, Connectors conn, bytes delimiter,
                  int64_t max_token_bytes):
        cdef int64_t i, n_words = len(words)
        cdef cnp.ndarray[uint32_t, ndim=1, mode="c"] aa = np.ascontiguousarray(a, np.uint32)
        cdef cnp.ndarray[uint32_t, ndim=1, mode="c"] bb = np.ascontiguousarray(b, np.uint32)
        cdef cnp.ndarray[uint32_t, ndim=1, mode="c"] rr = np.ascontiguousarray(run, np.uint32)
        self.ready = False
        self.conn = conn
        if not 0 < len(delimiter) <= 64:
            raise ValueError("delimiter must be 1 to 64 bytes")
        if w2v_vtab_init(&self.t.words, n_words + 1, 0) != W2V_SCAN_OK:
            raise MemoryError("cannot allocate the phrase table")
        if w2v_vtab_init(&self.t.runs, len(runs) + 1, 0) != W2V_SCAN_OK:
            w2v_vtab_free(&self.t.words)
            raise MemoryError("cannot allocate the phrase table")
        if w2v_ptab_init(&self.t.pairs, aa.shape[0] + 1) != W2V_SCAN_OK:
            w2v_vtab_free(&self.t.words)
            w2v_vtab_free(&self.t.runs)
            raise MemoryError("cannot allocate the phrase table")
        self.ready = True
        self.t.conn = _conn_ptr(conn)
        memcpy(self.t.delim, PyBytes_AS_STRING(delimiter), len(delimiter))
        self.t.delim_len = len(delimiter)
        self.t.max_token = max_token_bytes
        _fill(&self.t.words, list(words), "phrase word")
        _fill(&self.t.runs, [np.asarray(r, dtype="<u4").tobytes() for r in runs], "connector run")
        if aa.shape[0] != bb.shape[0] or aa.shape[0] != rr.shape[0]:
            raise ValueError("a, b and run must have the same length")
        for i in range(aa.shape[0]):
            if aa[i] >= n_words or bb[i] >= n_words or rr[i] > <uint32_t> len(runs):
                raise ValueError(f"phrase {i} refers to a word or run out of range")
            if w2v_ptab_add(&self.t.pairs, aa[i], bb[i], rr[i], 1) != W2V_SCAN_OK:
                raise MemoryError("cannot allocate the phrase table")

    def __dealloc__(self):
        if self.ready:
            w2v_vtab_free(&self.t.words)
            w2v_vtab_free(&self.t.runs)
            w2v_ptab_free(&self.t.pairs)

    @property
    def max_token_bytes(self):
        return self.t.max_token

    def resync(self, const uint8_t[::1] buf):
        """Where a fresh :class:`Rewriter` may start reading ``buf`` (text that ends at a
        separator) to be in the state of one that read it all, or -1 (see
        w2v_phr_rw_resync)."""
        if buf.shape[0] == 0:
            return -1
        return w2v_phr_rw_resync(&self.t, &buf[0], buf.shape[0])


cdef int _rewrite_read(void *r, const uint8_t *p, int64_t n) noexcept:
    return (w2v_phr_rw_token(<w2v_phr_rewriter *> r, p, n) if p
            else w2v_phr_rw_end_sentence(<w2v_phr_rewriter *> r))


cdef class Rewriter:
    """Streams text (or token lists) through a :class:`Table`; output in a C buffer."""
    cdef w2v_phr_rewriter r
    cdef bint ready
    cdef Table table

    def __cinit__(self, Table table, bint want_flags=False):
        self.ready = False
        self.table = table
        if w2v_phr_rw_init(&self.r, &table.t, want_flags) != W2V_SCAN_OK:
            raise MemoryError("cannot allocate the phrase rewriter")
        self.ready = True

    def __dealloc__(self):
        if self.ready:
            w2v_phr_rw_free(&self.r)

    def feed(self, const uint8_t[::1] buf):
        """Rewrite ``buf`` (bytes-like) into the output buffer; the GIL is released."""
        cdef int rc = W2V_SCAN_OK
        if buf.shape[0]:
            with nogil:
                rc = w2v_phr_rw_feed(&self.r, &buf[0], buf.shape[0])
        _check(rc)

    def end_source(self):
        _check(w2v_phr_rw_end_source(&self.r))

    def context(self, buf):
        """Read ``buf`` for its state only: its output is dropped, its tokens uncounted
        (the line it ends in still counts as started)."""
        cdef int64_t keep = self.r.out_len
        cdef int64_t tokens = self.r.tokens, joins = self.r.joins, cut = self.r.cut
        self.feed(buf)
        self.r.out_len = keep
        self.r.tokens, self.r.joins, self.r.cut = tokens, joins, cut

    def sentences(self, sentences, Py_ssize_t first_index=0):
        """Rewrite token lists; returns the lists and one flag per token (1: joined
        to what precedes it), as bytes."""
        cdef Py_ssize_t i = first_index
        cdef list lists = []
        _check(feed_token_lists(sentences, &i, _rewrite_read, &self.r, lists))
        flags = PyBytes_FromStringAndSize(<char *> self.r.flags, self.r.flags_len) \
            if self.r.flags_len else b""
        self.r.flags_len = 0
        self.r.out_len = 0
        return lists, flags

    def take(self):
        """The output so far as bytes (the buffer is emptied)."""
        out = PyBytes_FromStringAndSize(<char *> self.r.out, self.r.out_len)
        self.r.out_len = 0
        return out

    @property
    def stats(self):
        return dict(tokens=self.r.tokens, joins=self.r.joins, cut=self.r.cut)


cdef class Held:
    """Words and pairs of a text counted from the token ids the scanners keep
    (w2v_held.h), the same ids then rewritten, so the text is read once.

    ``threads`` scanners each scan the blocks given to them (:meth:`scan`, block
    ``k`` of the text in order).  A scanner keeps ``memory_ids / threads`` ids in
    memory; past that it appends them to a temporary file (``TMPDIR``), which
    is memory-mapped once scanning ends (:meth:`merge_words`).  :meth:`merge_words`
    then :meth:`remap` (each thread's ids, on any thread) put every id in the first
    table's numbering; :meth:`count_run` (runs of blocks of bounded size, on any
    thread) and :meth:`score_range` count and score the pairs that may pass;
    :meth:`set_phrases` and :meth:`rewrite` write the text rewritten, block by
    block, from :meth:`start_states`.
    """
    cdef int nt
    cdef w2v_vtab *tabs
    cdef w2v_scanner *scs
    cdef int n_ready
    cdef int cross_lines
    cdef int64_t share
    cdef list spills            # per thread: its spill file, or None
    cdef list mapped            # per thread: its spilled ids, memory-mapped, or None
    cdef int32_t **ids          # per thread: all its ids once scanning has ended
    cdef readonly dict blocks   # k -> (thread, begin, end, text bytes, source end)
    cdef list maps
    cdef object word_counts
    cdef w2v_held_filter f
    cdef bint have_filter
    cdef list runs              # sorted pair runs: (keys uint64, counts int64)
    cdef w2v_held_phrases ph
    cdef bint have_phrases

    def __cinit__(self, int threads, int64_t max_token_bytes, bint cross_lines,
                  int64_t memory_ids):
        cdef int i
        self.nt = threads
        self.n_ready = 0
        self.cross_lines = cross_lines
        self.share = max(1, memory_ids // threads)
        self.spills = [None] * threads
        self.mapped = [None] * threads
        self.blocks = {}
        self.maps = []
        self.runs = []
        self.have_filter = self.have_phrases = False
        self.tabs = <w2v_vtab *> calloc(threads, sizeof(w2v_vtab))
        self.scs = <w2v_scanner *> calloc(threads, sizeof(w2v_scanner))
        self.ids = <int32_t **> calloc(threads, sizeof(int32_t *))
        if not (self.tabs and self.scs and self.ids):
            raise MemoryError("cannot allocate the phrase counter")
        for i in range(threads):
            if w2v_vtab_init(&self.tabs[i], 1024, 0) != W2V_SCAN_OK:
                raise MemoryError("cannot allocate the phrase counter")
            if w2v_scan_init(&self.scs[i], &self.tabs[i], max_token_bytes, 0, 1) != W2V_SCAN_OK:
                w2v_vtab_free(&self.tabs[i])
                raise MemoryError("cannot allocate the phrase counter")
            self.scs[i].mark_newlines = 1
            self.n_ready += 1

    def __dealloc__(self):
        cdef int i
        if self.have_filter:
            w2v_held_filter_free(&self.f)
        if self.have_phrases:
            w2v_held_phrases_free(&self.ph)
        for i in range(self.n_ready):
            w2v_scan_free(&self.scs[i])
            w2v_vtab_free(&self.tabs[i])
        free(self.tabs)
        free(self.scs)
        free(self.ids)

    def scan(self, int i, Py_ssize_t k, const uint8_t[::1] buf, bint end):
        """Scanner ``i`` reads block ``k`` (whole: it ends at a separator or, with
        ``end``, at its source's end); the GIL is released while it scans."""
        cdef int rc = W2V_SCAN_OK
        cdef w2v_scanner *s
        cdef int64_t begin, n = buf.shape[0]
        if not 0 <= i < self.nt:
            raise IndexError(i)
        s = &self.scs[i]
        begin = s.ids_base + s.ids_len
        with nogil:
            if n:
                rc = w2v_scan_feed(s, &buf[0], n)
            if rc == W2V_SCAN_OK and end:
                rc = w2v_scan_end_source(s)
        _check(rc)
        if not s.ids_valid:
            raise ValueError("the corpus has more than 2**31 distinct words")
        self.blocks[k] = (i, begin, s.ids_base + s.ids_len, n, end)
        if s.ids_len > (self.share if self.spills[i] is None else SPILL_CHUNK_IDS):
            self._spill(i)

    cdef _spill(self, int i):
        """Append scanner ``i``'s ids to its spill file and empty its buffer (which
        then holds at most about a chunk)."""
        cdef w2v_scanner *s = &self.scs[i]
        cdef int32_t *smaller
        if self.spills[i] is None:
            self.spills[i] = tempfile.TemporaryFile(prefix="w2v-phrase-ids-")
        if s.ids_len:
            self.spills[i].write(<char[:s.ids_len * 4]> <char *> s.ids)
        s.ids_base += s.ids_len
        s.ids_len = 0
        if s.ids_cap > 2 * SPILL_CHUNK_IDS:
            smaller = <int32_t *> realloc(s.ids, SPILL_CHUNK_IDS * sizeof(int32_t))
            if smaller != NULL:
                s.ids, s.ids_cap = smaller, SPILL_CHUNK_IDS

    @property
    def spilled_ids(self):
        """Ids written to spill files (0: every id stayed in memory)."""
        return sum(self.scs[i].ids_base for i in range(self.nt))

    def merge_words(self):
        """End scanning (spilled ids mapped), add every other table into the first
        (the maps for :meth:`remap`)."""
        cdef int i, rc
        cdef cnp.ndarray[int64_t, ndim=1, mode="c"] m
        if self.maps:
            raise RuntimeError("merge_words() runs once")
        for i in range(self.nt):
            self.ids[i] = self.scs[i].ids
            if self.spills[i] is not None:
                self._spill(i)
                self.spills[i].flush()
                self.mapped[i] = np.memmap(self.spills[i], dtype=np.int32, mode="r+")
                self.ids[i] = <int32_t *> cnp.PyArray_DATA(self.mapped[i])
        self.maps.append(None)
        for i in range(1, self.nt):
            m = np.empty(self.tabs[i].n + 1, np.int64)
            with nogil:
                rc = w2v_vtab_merge(&self.tabs[0], &self.tabs[i], &m[0])
            _check(rc)
            if self.tabs[0].n > INT32_MAX:
                raise ValueError("the corpus has more than 2**31 distinct words")
            self.maps.append(m)
        self.word_counts = _counts(&self.tabs[0])

    def remap(self, int i):
        """Renumber thread ``i``'s ids into the merged table's; the GIL is released."""
        cdef cnp.ndarray[int64_t, ndim=1, mode="c"] m
        cdef int64_t n = self.scs[i].ids_base + self.scs[i].ids_len
        if i == 0:
            return
        m = self.maps[i]
        with nogil:
            w2v_held_remap(self.ids[i], n, &m[0])
        self.maps[i] = None

    cdef inline const int32_t *_ids(self, Py_ssize_t k, int64_t *n):
        t, begin, stop, _, _ = self.blocks[k]
        n[0] = stop - begin
        return self.ids[<int> t] + <int64_t> begin

    @property
    def tokens(self):
        return sum(self.scs[i].tokens for i in range(self.nt))

    @property
    def cut(self):
        return sum(self.scs[i].cut for i in range(self.nt))

    @property
    def n_words(self):
        return self.tabs[0].n

    def prepare_pairs(self, scoring, int64_t min_count, double threshold,
                      bint wide_keys=False):
        """Set the scorer the pairs are counted for (only those that may pass it are);
        ``wide_keys``: 8-byte pair keys even where 4 would do (for tests).  Returns
        the word each block's pairs continue from."""
        cdef cnp.ndarray[int64_t, ndim=1, mode="c"] c = self.word_counts
        if self.have_filter:
            raise RuntimeError("prepare_pairs() runs once")
        _check(w2v_held_filter_init(&self.f, SCORING[scoring], min_count, threshold,
                                    self.tokens, &c[0], self.tabs[0].n))
        self.have_filter = True
        if wide_keys:
            self.f.key_bytes = 8
        prevs = []
        cdef int32_t prev = -1
        cdef int64_t n
        cdef const int32_t *ids
        cdef Py_ssize_t k
        for k in range(len(self.blocks)):
            prevs.append(prev)
            ids = self._ids(k, &n)
            prev = w2v_held_tail(ids, n, prev, self.cross_lines)
            if self.blocks[k][4]:
                prev = -1
        return prevs

    def count_run(self, blocks, prevs):
        """The pairs that may pass of ``blocks`` (block numbers), sorted and counted
        into one run for :meth:`score_range`; the GIL is released."""
        cdef int64_t n, total = 0, got = 0, k2 = -1
        cdef const int32_t *ids
        cdef int32_t prev
        cdef uint64_t max_key = w2v_held_max_key(&self.f)
        cdef int kb = self.f.key_bytes
        cdef char *keys
        for k in blocks:
            self._ids(k, &n)
            total += n
        keys = <char *> malloc(<size_t> (total + 1) * kb)
        if keys == NULL:
            raise MemoryError("out of memory while counting phrases")
        for k in blocks:
            ids = self._ids(k, &n)
            prev = prevs[k]
            with nogil:
                got += w2v_held_pairs(&self.f, ids, n, prev, self.cross_lines, keys + got * kb)
        out = np.empty(got + 1, np.uint64)
        counts = np.empty(got + 1, np.int64)
        cdef uint64_t *po = <uint64_t *> cnp.PyArray_DATA(out)
        cdef int64_t *pc = <int64_t *> cnp.PyArray_DATA(counts)
        with nogil:
            k2 = w2v_held_sort_runs(keys, got, kb, max_key, po, pc)
        free(keys)
        if k2 < 0:
            raise MemoryError("out of memory while counting phrases")
        out.resize(k2 + 1, refcheck=False)
        counts.resize(k2 + 1, refcheck=False)
        self.runs.append((out, counts, k2))

    def score_range(self, int j, int parts):
        """Arrays ``(a, b, count, score)`` of the passing pairs of key range ``j`` of
        ``parts`` (ranges split at quantiles of the longest run); the GIL is
        released."""
        cdef int i, m = len(self.runs), big = 0
        cdef uint64_t lo, hi
        cdef int64_t cap = 0, k
        if m > W2V_HELD_MAX_RUNS:
            raise ValueError("too many pair runs")
        cdef uint64_t *keys[W2V_HELD_MAX_RUNS]
        cdef int64_t *counts[W2V_HELD_MAX_RUNS]
        cdef int64_t lens[W2V_HELD_MAX_RUNS]
        for i, (rk, rc, rn) in enumerate(self.runs):
            keys[i] = <uint64_t *> cnp.PyArray_DATA(rk)
            counts[i] = <int64_t *> cnp.PyArray_DATA(rc)
            lens[i] = rn
            cap += rn
            if rn > lens[big]:
                big = i
        lo = self._split(keys[big], lens[big] if m else 0, j, parts)
        hi = self._split(keys[big], lens[big] if m else 0, j + 1, parts)
        a = np.empty(cap + 1, np.uint32)
        b = np.empty(cap + 1, np.uint32)
        c = np.empty(cap + 1, np.int64)
        s = np.empty(cap + 1, np.float64)
        cdef uint32_t *pa = <uint32_t *> cnp.PyArray_DATA(a)
        cdef uint32_t *pb = <uint32_t *> cnp.PyArray_DATA(b)
        cdef int64_t *pc = <int64_t *> cnp.PyArray_DATA(c)
        cdef double *ps = <double *> cnp.PyArray_DATA(s)
        with nogil:
            k = w2v_held_score(&self.f, m, keys, counts, lens, lo, hi, pa, pb, pc, ps, cap + 1)
        if k < 0:
            raise ValueError("too many pair runs")
        return a[:k].copy(), b[:k].copy(), c[:k].copy(), s[:k].copy()

    cdef uint64_t _split(self, uint64_t *keys, int64_t n, int r, int parts):
        if r <= 0:
            return 0
        if r >= parts or n == 0:
            return UINT64_MAX
        return keys[n * r // parts]

    def drop_pairs(self):
        """Free the counted pairs."""
        self.runs = []

    def set_phrases(self, a, b, bytes delimiter):
        """The phrases to rewrite with: pairs ``(a[k], b[k])`` of merged table ids."""
        cdef cnp.ndarray[uint32_t, ndim=1, mode="c"] aa = np.ascontiguousarray(a, np.uint32)
        cdef cnp.ndarray[uint32_t, ndim=1, mode="c"] bb = np.ascontiguousarray(b, np.uint32)
        cdef uint32_t dummy = 0
        if len(aa) != len(bb):
            raise ValueError("a and b differ in length")
        if self.have_phrases:
            w2v_held_phrases_free(&self.ph)
            self.have_phrases = False
        rc = w2v_held_phrases_init(&self.ph, &self.tabs[0], &aa[0] if len(aa) else &dummy,
                                   &bb[0] if len(bb) else &dummy, len(aa),
                                   <const uint8_t *> PyBytes_AS_STRING(delimiter),
                                   PyBytes_GET_SIZE(delimiter))
        if rc == W2V_SCAN_ENOMEM:
            raise MemoryError("out of memory")
        if rc != W2V_SCAN_OK:
            raise ValueError("bad phrase table")
        self.have_phrases = True

    def start_states(self):
        """The rewriter's state ``(prev, line)`` at each block's start."""
        cdef int32_t prev = -1
        cdef int line = 0
        cdef int64_t n
        cdef const int32_t *ids
        cdef Py_ssize_t k
        if not self.have_phrases:
            raise RuntimeError("set_phrases() first")
        out = []
        for k in range(len(self.blocks)):
            out.append((prev, line))
            ids = self._ids(k, &n)
            prev = w2v_held_state(&self.ph, ids, n, prev, &line)
            if self.blocks[k][4]:
                prev, line = -1, 0
        return out

    def rewrite(self, Py_ssize_t k, int32_t prev, int line):
        """Block ``k`` rewritten (a bytearray) from state ``(prev, line)``; the GIL
        is released."""
        cdef int64_t n, got
        cdef const int32_t *ids
        cdef int end = self.blocks[k][4]
        cdef int64_t cap
        if not self.have_phrases:
            raise RuntimeError("set_phrases() first")
        ids = self._ids(k, &n)
        # each token: its bytes (at most the text's) after one separator or the
        # delimiter; each newline one byte; one more at a source's end
        cap = self.blocks[k][3] + n * self.ph.delim_len + 2
        out = PyByteArray_FromStringAndSize(NULL, cap)  # not zeroed: every byte kept is written
        cdef uint8_t *o = <uint8_t *> PyByteArray_AS_STRING(out)
        with nogil:
            got = w2v_held_rewrite(&self.ph, ids, n, &prev, &line, end, o, cap)
        if got < 0:
            raise RuntimeError("rewritten block larger than its bound")
        del out[got:]
        return out

    def words(self, ids):
        return _words(&self.tabs[0], ids)

    def counts(self):
        return _counts(&self.tabs[0])
