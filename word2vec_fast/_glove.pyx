# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Glue between :mod:`word2vec_fast.glove_counts` / :mod:`word2vec_fast.glove` and
the GloVe C code (``csrc/w2v_glove.h`` explains counting and the update).

Every function releases the GIL for its C work, so Python threads run them in
parallel.  Parameters are checked in the Python modules; this layer checks
the buffers it is handed (shapes, types, contiguity).
"""
import numpy as np

cimport numpy as cnp
from libc.stdint cimport int32_t, int64_t, uint64_t
from libc.string cimport memmove
from w2v_glove cimport (W2V_COOC_MAX_WINDOW, w2v_cooc_add_dense, w2v_cooc_count,
                        w2v_cooc_layout, w2v_cooc_pair, w2v_cooc_layout_free, w2v_cooc_layout_init,
                        w2v_cooc_merge, w2v_cooc_merge_free, w2v_cooc_merge_init, w2v_cooc_merge_rows,
                        w2v_cooc_merge_step, w2v_cooc_scale, w2v_cooc_sort_fold,
                        w2v_glove_fill, w2v_glove_isa, w2v_glove_params, w2v_glove_rec,
                        w2v_glove_select,
                        w2v_glove_shuffle, w2v_glove_train)

cnp.import_array()

MAX_WINDOW = W2V_COOC_MAX_WINDOW
#: Records ahead whose rows the update fetches while training one (0: none).
PREFETCH = 4

#: A pair of a sorted run: key (row << shift | column) and units, as C's w2v_cooc_pair.
PAIR = np.dtype([("key", "<u8"), ("units", "<i8")])
#: A training record: word, context, f(x), log(x) -- 16 bytes, as C's w2v_glove_rec.
RECORD = np.dtype([("a", "<i4"), ("b", "<i4"), ("f", "<f4"), ("logx", "<f4")])


def scale(int window, bint weighting, int64_t max_count):
    """Units per unit of weight (see ``w2v_cooc_scale``); 0 when none fits."""
    return w2v_cooc_scale(window, weighting, max_count)


def isa():
    """The instruction set of the GloVe update in use."""
    return w2v_glove_isa().decode()


def select(str which):
    """Use the named build of the update (tests); False when the CPU has none."""
    return w2v_glove_select(which.encode()) == 0


cdef class Layout:
    """Where the dense pairs go (``w2v_cooc_layout``)."""
    cdef w2v_cooc_layout L

    def __cinit__(self, int64_t n_words, int window, bint symmetric, bint weighting,
                  int64_t scale, int64_t max_product):
        if n_words < 1 or n_words > 2147483647 or window < 1 or window > W2V_COOC_MAX_WINDOW \
                or scale < 1 or max_product < 0:
            raise ValueError("bad co-occurrence layout")
        if w2v_cooc_layout_init(&self.L, n_words, window, symmetric, weighting, scale,
                                max_product) != 0:
            raise MemoryError("no memory for the co-occurrence layout")

    def __dealloc__(self):
        w2v_cooc_layout_free(&self.L)

    @property
    def dense_size(self):
        return self.L.dense_size

    @property
    def dense_rows(self):
        return self.L.n_rows

    @property
    def scale(self):
        return self.L.scale

    @property
    def n_words(self):
        return self.L.n_words

    @property
    def max_key(self):
        return ((<uint64_t>self.L.n_words - 1) << self.L.shift) | (<uint64_t>self.L.n_words - 1)

    @property
    def shift(self):
        return self.L.shift

    def row_starts(self):
        """Where each dense row's entries start (n_rows + 1 offsets)."""
        return np.asarray(<int64_t[:self.L.n_rows + 1]> self.L.row_start).copy()

    def count(self, const int32_t[::1] ids, const int64_t[::1] offsets, int64_t pos, int64_t hi,
              int64_t[::1] dense, cnp.ndarray pairs, int64_t n):
        """Count targets from ``pos`` until ``hi`` or a full buffer of ``pairs`` (PAIR);
        returns ``(pos, n, pairs)``: where it stopped, the buffer's entries, pairs counted."""
        cdef int64_t counted, n_sent = offsets.shape[0] - 1
        cdef w2v_cooc_pair *buf = _pairs(pairs)
        cdef int64_t cap = pairs.shape[0]
        if dense.shape[0] < self.L.dense_size or not 0 <= pos <= hi <= ids.shape[0] \
                or n_sent < 1 or offsets[n_sent] != ids.shape[0] or not 0 <= n <= cap:
            raise ValueError("bad buffers for counting")
        if self.L.window > cap:
            raise ValueError("the pair buffer is smaller than the window")
        with nogil:
            counted = w2v_cooc_count(&self.L, &ids[0], &offsets[0], n_sent, &pos, hi,
                                     &dense[0] if dense.shape[0] else NULL, buf, &n, cap)
        return pos, n, counted


cdef w2v_cooc_pair *_pairs(cnp.ndarray a) except NULL:
    if a.dtype != PAIR or a.ndim != 1 or not a.flags.c_contiguous:
        raise TypeError("pairs must be a contiguous 1-d array of PAIR")
    if a.shape[0] == 0:
        raise ValueError("no room for pairs")
    return <w2v_cooc_pair *> cnp.PyArray_DATA(a)


def sort_fold(cnp.ndarray pairs, int64_t n, uint64_t max_key, cnp.ndarray tmp):
    """Sort ``pairs[:n]`` by key and fold equal keys in place; returns how many remain."""
    cdef int64_t k
    cdef w2v_cooc_pair *p = _pairs(pairs)
    cdef w2v_cooc_pair *t = _pairs(tmp)
    if not (0 <= n <= pairs.shape[0] and n <= tmp.shape[0]):
        raise ValueError("bad buffers for sorting")
    if n == 0:
        return 0
    with nogil:
        k = w2v_cooc_sort_fold(p, n, max_key, t)
    if k < 0:
        raise MemoryError("no memory to sort a co-occurrence run")
    return k


def add_dense(int64_t[::1] a, const int64_t[::1] b):
    """``a += b`` (dense blocks of two threads)."""
    if a.shape[0] != b.shape[0]:
        raise ValueError("dense blocks differ in size")
    if a.shape[0]:
        with nogil:
            w2v_cooc_add_dense(&a[0], &b[0], a.shape[0])


cdef class Merge:
    """A k-way merge of sorted runs, each read through a window the caller fills
    (:meth:`window`); with a layout and a dense block, their entries join in."""
    cdef w2v_cooc_merge m
    cdef list held      # the window arrays, kept alive
    cdef Layout layout
    cdef object dense

    def __cinit__(self, int k, Layout layout=None, dense=None):
        cdef const int64_t[::1] d
        cdef const int64_t *dp = NULL
        if dense is not None:
            if layout is None or dense.shape[0] != layout.L.dense_size:
                raise ValueError("a dense block needs its layout")
            d = dense
            if d.shape[0]:
                dp = &d[0]
        if w2v_cooc_merge_init(&self.m, k, &layout.L if layout is not None else NULL, dp) != 0:
            raise MemoryError("no memory for a merge")
        self.held = [None] * k
        self.layout = layout
        self.dense = dense

    def __dealloc__(self):
        w2v_cooc_merge_free(&self.m)

    def window(self, int i, cnp.ndarray pairs, bint more):
        """Run ``i`` continues with ``pairs`` (PAIR); ``more``: entries follow them."""
        if not 0 <= i < self.m.k:
            raise ValueError("bad merge window")
        self.held[i] = pairs
        self.m.runs[i] = _pairs(pairs) if pairs.shape[0] else NULL
        self.m.pos[i] = 0
        self.m.len[i] = pairs.shape[0]
        self.m.more[i] = more and pairs.shape[0] > 0

    def rows(self, int64_t lo, int64_t hi):
        """Only dense rows [lo, hi) join in (the runs given hold those rows alone)."""
        w2v_cooc_merge_rows(&self.m, lo, hi)

    def step_pairs(self, cnp.ndarray out):
        """Merge into ``out`` (PAIR); returns ``(written, need)``."""
        cdef int64_t w, cap = out.shape[0]
        cdef int need = -1
        cdef w2v_cooc_pair *o = _pairs(out)
        with nogil:
            w = w2v_cooc_merge_step(&self.m, o, NULL, NULL, NULL, cap, &need)
        return w, need

    def step_records(self, int32_t[::1] rows, int32_t[::1] cols, double[::1] values):
        """Merge into row, column, value arrays (needs the layout); ``(written, need)``."""
        cdef int64_t w
        cdef int need = -1
        if self.layout is None or rows.shape[0] != cols.shape[0] \
                or rows.shape[0] != values.shape[0] or rows.shape[0] == 0:
            raise ValueError("bad merge output")
        with nogil:
            w = w2v_cooc_merge_step(&self.m, NULL, &rows[0], &cols[0], &values[0],
                                    rows.shape[0], &need)
        return w, need


cdef w2v_glove_rec *_records(cnp.ndarray recs) except NULL:
    if recs.dtype != RECORD or recs.ndim != 1 or not recs.flags.c_contiguous:
        raise TypeError("training records must be a contiguous 1-d array of RECORD")
    if recs.shape[0] == 0:
        raise ValueError("no records")
    return <w2v_glove_rec *> cnp.PyArray_DATA(recs)


def fill(cnp.ndarray recs, const int32_t[::1] rows, const int32_t[::1] cols,
         const double[::1] values, double x_max, double alpha, bint both):
    """Training records from counts: ids, f(x) and log x (``w2v_glove_fill``); with
    ``both``, two records per off-diagonal pair.  Returns how many were written."""
    cdef w2v_glove_rec *r = _records(recs)
    cdef int64_t n = rows.shape[0], k, need = n, i
    if cols.shape[0] != n or values.shape[0] != n or n == 0:
        raise ValueError("rows, cols and values must be non-empty and of one length")
    if both:
        with nogil:
            for i in range(n):
                need += rows[i] != cols[i]
    if recs.shape[0] < need:
        raise ValueError(f"no room for the records: {need} needed, {recs.shape[0]} given")
    with nogil:
        k = w2v_glove_fill(r, &rows[0], &cols[0], &values[0], n, x_max, alpha, both)
    return k


def move(cnp.ndarray a, int64_t dst, int64_t src, int64_t n):
    """``a[dst:dst+n] = a[src:src+n]`` for a contiguous 1-d array, overlap allowed, with
    no temporary copy."""
    cdef char *base
    cdef size_t item = a.itemsize
    if a.ndim != 1 or not a.flags.c_contiguous or not a.flags.writeable or n < 0 \
            or dst < 0 or src < 0 or dst + n > a.shape[0] or src + n > a.shape[0]:
        raise ValueError("bad move")
    if n == 0 or dst == src:
        return
    base = <char *> cnp.PyArray_DATA(a)
    with nogil:
        memmove(base + dst * item, base + src * item, n * item)


def shuffle(cnp.ndarray recs, uint64_t seed):
    """Shuffle training records in place, from ``seed`` alone."""
    if recs.shape[0] < 2:
        return
    if not recs.flags.writeable:
        raise ValueError("records are read-only")
    cdef w2v_glove_rec *p = _records(recs)
    cdef int64_t n = recs.shape[0]
    with nogil:
        w2v_glove_shuffle(p, n, seed)


cdef float *_mat(a, int64_t rows, int64_t cols, str name) except NULL:
    cdef float[:, ::1] m2
    cdef float[::1] m1
    if cols:
        m2 = a
        if m2.shape[0] != rows or m2.shape[1] != cols:
            raise ValueError(f"{name} has shape {a.shape}, expected {(rows, cols)}")
        return &m2[0, 0]
    m1 = a
    if m1.shape[0] != rows:
        raise ValueError(f"{name} has {m1.shape[0]} entries, expected {rows}")
    return &m1[0]


cdef class Trainer:
    """The weights of a GloVe model, trained in place by :meth:`run` on any thread."""
    cdef w2v_glove_params p
    cdef tuple keep
    cdef readonly int64_t n_words

    @property
    def prefetch(self):
        return self.p.prefetch

    @prefetch.setter
    def prefetch(self, int value):
        self.p.prefetch = max(value, 0)

    def __cinit__(self, w, c, bw, bc, gw, gc, gbw, gbc, float eta, float clip,
                  int prefetch=PREFETCH):
        cdef int64_t v = w.shape[0], dim = w.shape[1]
        self.p.w = _mat(w, v, dim, "w")
        self.p.c = _mat(c, v, dim, "c")
        self.p.gw = _mat(gw, v, dim, "gw")
        self.p.gc = _mat(gc, v, dim, "gc")
        self.p.bw = _mat(bw, v, 0, "bw")
        self.p.bc = _mat(bc, v, 0, "bc")
        self.p.gbw = _mat(gbw, v, 0, "gbw")
        self.p.gbc = _mat(gbc, v, 0, "gbc")
        self.p.dim = dim
        self.p.eta = eta
        self.p.clip = clip
        self.p.prefetch = max(prefetch, 0)
        self.keep = (w, c, bw, bc, gw, gc, gbw, gbc)
        self.n_words = v

    def run(self, cnp.ndarray recs):
        """Train over ``recs``, one update each; returns ``(skipped, cost, updates)``.
        Every id must be a row (the caller checked the records)."""
        cdef w2v_glove_rec *r = _records(recs)
        cdef int64_t n = recs.shape[0], skipped, updates = 0
        cdef double cost = 0.0
        with nogil:
            skipped = w2v_glove_train(&self.p, r, n, &cost, &updates)
        return skipped, cost, updates
