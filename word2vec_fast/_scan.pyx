# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Glue between :mod:`word2vec_fast.scan` and the C tokenizer/counter in ``csrc/w2v_scan.c``.

A :class:`Scanner` owns one counting table and one tokenizer state.  Text is
fed in blocks with the GIL released; Python token lists are fed sentence by
sentence with a C loop (no dict look-up, no object per token beyond the
caller's own strings).  Recorded ids and sentence ends stay in C buffers until
the caller takes them (as NumPy arrays, without a copy) or drains them to a file.
"""
import numpy as np

cimport numpy as cnp
from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.pycapsule cimport PyCapsule_GetPointer, PyCapsule_New
from cpython.ref cimport Py_INCREF
from cpython.unicode cimport PyUnicode_Check, PyUnicode_DecodeUTF8
from libc.stdint cimport int32_t, int64_t, uint8_t, uint64_t
from libc.stdlib cimport free, realloc
from w2v_scan cimport (W2V_SCAN_ENOMEM, W2V_SCAN_OK, w2v_remap_chunk, w2v_remap_state,
                        w2v_scan_end_sentence, w2v_scan_end_source, w2v_scan_feed,
                        w2v_scan_free, w2v_scan_init, w2v_scan_mark_line, w2v_scan_token, w2v_scanner,
                        w2v_utf8_cut, w2v_vtab, w2v_vtab_add, w2v_vtab_counts,
                        w2v_vtab_free, w2v_vtab_init)

cnp.import_array()

cdef extern from "Python.h":
    const char *PyUnicode_AsUTF8AndSize(object s, Py_ssize_t *size) except NULL


cdef void _free_capsule(object cap) noexcept:
    free(PyCapsule_GetPointer(cap, NULL))


cdef object _adopt(void *ptr, int64_t n, int typenum, size_t itemsize):
    """A NumPy array that owns (and will free) the malloc'ed ``ptr``."""
    cdef cnp.npy_intp dims[1]
    cdef void *p = realloc(ptr, <size_t> (n if n > 0 else 1) * itemsize)  # shrink in place
    if p == NULL:
        p = ptr
    dims[0] = n
    arr = cnp.PyArray_SimpleNewFromData(1, dims, typenum, p)
    cap = PyCapsule_New(p, NULL, _free_capsule)
    Py_INCREF(cap)  # PyArray_SetBaseObject steals a reference
    cnp.PyArray_SetBaseObject(arr, cap)
    return arr


cdef inline _check(int rc):
    if rc == W2V_SCAN_ENOMEM:
        raise MemoryError("out of memory while counting the corpus")
    if rc != W2V_SCAN_OK:
        raise RuntimeError(f"scanner error {rc}")


def utf8_cut(bytes token, int64_t max_token):
    """Length the scanner cuts ``token`` (longer than ``max_token``) to (exposed for tests)."""
    if max_token < 4 or PyBytes_GET_SIZE(token) <= max_token:
        raise ValueError("token must be longer than max_token >= 4")
    return w2v_utf8_cut(<const uint8_t *> PyBytes_AS_STRING(token), max_token)


cdef object _sentence(object sent, Py_ssize_t i):
    """Sentence ``i`` of a corpus of token lists as a list or tuple; a clear error
    for a string or a non-iterable."""
    if isinstance(sent, (str, bytes)):
        raise TypeError(
            f"sentence {i} of the corpus is a {type(sent).__name__}, expected a list "
            "of tokens (split your text first, e.g. line.split(); to read several "
            "files pass pathlib.Path objects or a directory)")
    if type(sent) is list or type(sent) is tuple:
        return sent
    try:
        return list(sent)
    except TypeError:
        raise TypeError(f"sentence {i} of the corpus is a {type(sent).__name__}, "
                        "expected a list of tokens") from None


cdef int feed_token_lists(sentences, Py_ssize_t *index, token_fn read, void *ctx,
                          list kept) except -1:
    """Hand each token of each sentence to ``read(ctx, bytes, n)`` and each sentence's
    end to ``read(ctx, NULL, 0)``, sentences numbered from ``index[0]`` (advanced) in errors;
    ``kept``: also append each sentence there.  Returns the first nonzero status of a
    call (0: all done); a str token's lone surrogates (from decoding with
    surrogateescape) go through as their escaped bytes."""
    cdef Py_ssize_t size
    cdef int rc
    cdef const char *p
    cdef bytes b
    for sent in sentences:
        sent = _sentence(sent, index[0])
        if kept is not None:
            kept.append(sent)
        for tok in sent:
            if not PyUnicode_Check(tok):
                raise TypeError(f"tokens must be str, found {type(tok).__name__} {tok!r} "
                                f"in sentence {index[0]}")
            try:
                p = PyUnicode_AsUTF8AndSize(tok, &size)
            except UnicodeEncodeError:
                try:
                    b = (<str> tok).encode("utf-8", "surrogateescape")
                except UnicodeEncodeError:
                    raise ValueError(f"token {tok!r} in sentence {index[0]} cannot be encoded "
                                     "as UTF-8") from None
                p, size = PyBytes_AS_STRING(b), PyBytes_GET_SIZE(b)
            rc = read(ctx, <const uint8_t *> p, size)
            if rc:
                return rc
        rc = read(ctx, NULL, 0)
        if rc:
            return rc
        index[0] += 1
    return 0


cdef int _scan_read(void *scanner, const uint8_t *p, int64_t n) noexcept:
    cdef w2v_scanner *s = <w2v_scanner *> scanner
    return w2v_scan_token(s, p, n) if p else w2v_scan_end_sentence(s)


cdef int _scan_read_line(void *scanner, const uint8_t *p, int64_t n) noexcept:
    cdef w2v_scanner *s = <w2v_scanner *> scanner
    return w2v_scan_token(s, p, n) if p else w2v_scan_mark_line(s)


cdef class Scanner:
    """A tokenizer with its counting table.

    Parameters
    ----------
    max_token_bytes : int
        Tokens of text are cut to this many bytes (at a UTF-8 character start).
    record : bool
        Record each token's id (and sentence ends) for encoding.
    max_vocab_size : int
        Prune the table (word2vec.c's ReduceVocab) above this many words; 0: never.
    words : list of bytes, optional
        A final vocabulary: the table is frozen to it (word ``i`` has id ``i``),
        other tokens are dropped and counted in :attr:`oov`.
    mark_newlines : bool
        Record ``-1`` at each line's end instead of sentence ends, so that the
        ids keep every line, empty ones too (documents: :mod:`word2vec_fast.doc2vec`);
        a source's end adds none (:meth:`mark_line` does).
    """
    cdef w2v_vtab t
    cdef w2v_scanner s
    cdef bint ready

    def __cinit__(self, *, int64_t max_token_bytes=100, bint record=True,
                  int64_t max_vocab_size=0, words=None, bint mark_newlines=False):
        cdef int64_t i, idx
        cdef bytes w
        self.ready = False
        if w2v_vtab_init(&self.t, len(words) if words is not None else 1 << 16,
                         max_vocab_size) != W2V_SCAN_OK:
            raise MemoryError("cannot allocate the vocabulary table")
        if w2v_scan_init(&self.s, &self.t, max_token_bytes, words is not None, record) \
                != W2V_SCAN_OK:
            w2v_vtab_free(&self.t)
            raise MemoryError("cannot allocate the scanner")
        self.ready = True
        self.s.mark_newlines = mark_newlines
        if words is not None:
            self.t.max_size = 0
            for i, w in enumerate(words):
                idx = w2v_vtab_add(&self.t, <const uint8_t *> PyBytes_AS_STRING(w),
                                   PyBytes_GET_SIZE(w), 0)
                if idx == -1:
                    raise MemoryError("cannot allocate the vocabulary table")
                if idx != i:
                    raise ValueError(f"vocabulary word {i} ({w!r}) duplicates word {idx}")

    def __dealloc__(self):
        if self.ready:
            w2v_scan_free(&self.s)
            w2v_vtab_free(&self.t)

    def feed(self, const uint8_t[::1] buf, Py_ssize_t n=-1):
        """Scan the first ``n`` bytes (all by default) of a bytes-like block; GIL released."""
        cdef int rc
        cdef int64_t m = buf.shape[0] if n < 0 or n > buf.shape[0] else n
        if m == 0:
            return
        with nogil:
            rc = w2v_scan_feed(&self.s, &buf[0], m)
        _check(rc)

    def end_source(self):
        """A file or stream ended: its last token and sentence end here."""
        _check(w2v_scan_end_source(&self.s))

    def feed_sentences(self, sentences, Py_ssize_t first_index=0):
        """Count/record a batch of token lists (each a sentence); tokens must be str."""
        cdef Py_ssize_t i = first_index
        _check(feed_token_lists(sentences, &i, _scan_read, &self.s, None))
        return i

    def mark_line(self):
        """With ``mark_newlines``: a line ends here (a source's last line without ``\\n``)."""
        _check(w2v_scan_mark_line(&self.s))

    def feed_lines(self, sentences, Py_ssize_t first_index=0):
        """With ``mark_newlines``: a batch of token lists, each one line (empty ones too)."""
        cdef Py_ssize_t i = first_index
        if not self.s.mark_newlines:
            raise ValueError("feed_lines needs a Scanner(mark_newlines=True)")
        _check(feed_token_lists(sentences, &i, _scan_read_line, &self.s, None))
        return i

    # -- results -----------------------------------------------------------------

    @property
    def stats(self):
        """Counters of the scan so far (tokens, oov, cut, longest, prunes, ...)."""
        return dict(tokens=self.s.tokens, oov=self.s.oov, cut=self.s.cut,
                    longest=self.s.longest, sentences=self.s.sentences, words=self.t.n,
                    prunes=self.t.prunes, pruned_words=self.t.pruned_words,
                    pruned_tokens=self.t.pruned_tokens)

    @property
    def ids_valid(self):
        """False once pruning made the recorded provisional ids meaningless."""
        return bool(self.s.ids_valid)

    @property
    def ids_len(self):
        return self.s.ids_len

    @property
    def ends_len(self):
        return self.s.ends_len

    @property
    def ids_total(self):
        """Ids recorded so far, including those drained."""
        return self.s.ids_base + self.s.ids_len

    def counts(self):
        """Counts of the table's words, in order of first appearance (int64)."""
        cdef cnp.ndarray[int64_t, ndim=1, mode="c"] out = np.empty(self.t.n + 1, dtype=np.int64)
        w2v_vtab_counts(&self.t, &out[0])
        return out[:self.t.n]

    def words(self, indices):
        """The words at ``indices`` of the table, decoded (UTF-8, surrogateescape)."""
        cdef cnp.ndarray[int64_t, ndim=1, mode="c"] idx = np.ascontiguousarray(indices,
                                                                               dtype=np.int64)
        cdef int64_t i, j
        out = [None] * idx.shape[0]
        for i in range(idx.shape[0]):
            j = idx[i]
            if j < 0 or j >= self.t.n:
                raise IndexError(j)
            out[i] = PyUnicode_DecodeUTF8(self.t.arena + self.t.e[j].off, self.t.e[j].len,
                                          "surrogateescape")
        return out

    def take(self):
        """``(ids int32, ends int64)`` recorded since the last drain; the arrays own the memory."""
        cdef int32_t *ids = self.s.ids
        cdef int64_t *ends = self.s.ends
        cdef int64_t n = self.s.ids_len, m = self.s.ends_len
        self.s.ids = NULL
        self.s.ends = NULL
        a = _adopt(ids, n, cnp.NPY_INT32, sizeof(int32_t))
        b = _adopt(ends, m, cnp.NPY_INT64, sizeof(int64_t))
        self._after_drain(n, 1 << 16)
        return a, b

    def drain(self, ids_file, ends_file, int64_t keep_capacity=1 << 20):
        """Append the recorded ids and ends to two binary files and empty the buffers."""
        cdef int64_t n = self.s.ids_len, m = self.s.ends_len
        if n:
            ids_file.write(<char[:n * 4]> <char *> self.s.ids)
        if m:
            ends_file.write(<char[:m * 8]> <char *> self.s.ends)
        if self.s.ids_cap > 2 * keep_capacity:
            free(self.s.ids)
            self.s.ids = NULL
        if self.s.ends_cap > 2 * keep_capacity:
            free(self.s.ends)
            self.s.ends = NULL
        self._after_drain(n, keep_capacity)

    cdef _after_drain(self, int64_t n, int64_t cap):
        self.s.ids_base += n
        self.s.ids_len = 0
        self.s.ends_len = 0
        if self.s.ids == NULL:
            self.s.ids = <int32_t *> realloc(NULL, <size_t> cap * sizeof(int32_t))
            self.s.ids_cap = cap
        if self.s.ends == NULL:
            self.s.ends = <int64_t *> realloc(NULL, <size_t> cap * sizeof(int64_t))
            self.s.ends_cap = cap
        if self.s.ids == NULL or self.s.ends == NULL:
            raise MemoryError("cannot allocate the id buffers")


cdef class Remapper:
    """Provisional ids to final ids, dropping unmapped ones, chunk after chunk, in place."""
    cdef w2v_remap_state st
    cdef object remap

    def __init__(self, remap):
        self.remap = np.ascontiguousarray(remap, dtype=np.int32)
        self.st.r_pos = self.st.w_pos = self.st.last_end = 0

    def chunk(self, cnp.ndarray[int32_t, ndim=1, mode="c"] ids,
              cnp.ndarray[int64_t, ndim=1, mode="c"] ends):
        """Remap ``ids`` in place and consume the ``ends`` that fall in it.

        Returns ``(kept, consumed, written)``: ``ids[:kept]`` are the final ids,
        ``ends[:consumed]`` were read and ``ends[:written]`` now hold final ends.
        """
        cdef cnp.ndarray[int32_t, ndim=1, mode="c"] remap = self.remap
        cdef int64_t kept, consumed = 0, written = 0
        cdef int32_t *ip = <int32_t *> cnp.PyArray_DATA(ids)
        cdef int64_t *ep = <int64_t *> cnp.PyArray_DATA(ends)
        cdef const int32_t *rp = <const int32_t *> cnp.PyArray_DATA(remap)
        cdef int64_t n = ids.shape[0], m = ends.shape[0], nr = remap.shape[0]
        with nogil:
            kept = w2v_remap_chunk(&self.st, ip, n, rp, nr, ep, m, ep, &consumed, &written)
        return kept, consumed, written

    @property
    def kept_total(self):
        return self.st.w_pos
