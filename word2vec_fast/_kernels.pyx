# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""Glue between Python and the C engine in ``csrc/``.

Every check happens here, with the GIL held, before any C loop runs: dtypes,
contiguity, shapes, id ranges, finite parameters.  The C side trusts them.
"""
import numpy as np

from .params import check_output_layer

cimport numpy as cnp
from cpython.mem cimport PyMem_Free, PyMem_Malloc
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t
from w2v_doc cimport W2V_INFER_DOCS, w2v_doc_infer, w2v_doc_infer_floats, w2v_doc_infer_ints
from w2v_block cimport (W2V_BLOCK_PAD, w2v_block_grad, w2v_block_isa, w2v_block_select,
                       w2v_block_step, w2v_rows_sum)
from w2v_loss cimport W2V_LOSS_PAD, w2v_loss_buf, w2v_softplus_sum
from w2v_merge cimport w2v_merge_deltas
from w2v_params cimport W2V_DOC_DBOW, W2V_DOC_DM, W2V_MAX_BATCH, w2v_params
from w2v_portable cimport W2V_PORTABLE
from w2v_rng cimport w2v_mix64, w2v_seed_key
from w2v_schedule cimport W2V_LR_BLOCK, w2v_learning_rate
from w2v_subword cimport w2v_ngram_hash, w2v_ngrams, w2v_vocab_ngram_rows
from w2v_tables cimport w2v_alias_build, w2v_huffman_lengths, w2v_huffman_paths
from w2v_worker cimport W2V_EDIVERGED, W2V_ENOMEM, w2v_chunks_per_epoch, w2v_shared, w2v_worker

cnp.import_array()


def softplus_sum(z, w=None):
    """``sum(w * log(1 + exp(z)))`` of float32 arrays in float64, by the SIMD code the
    kernels use for the training loss (exposed for tests)."""
    cdef int64_t n = len(z)
    # the C code reads up to W2V_LOSS_PAD - 1 floats past the end: pad with garbage it
    # must ignore
    cdef cnp.ndarray[float, ndim=1, mode="c"] a = np.full(n + W2V_LOSS_PAD, np.nan,
                                                          dtype=np.float32)
    cdef cnp.ndarray[float, ndim=1, mode="c"] b = np.full(n + W2V_LOSS_PAD, np.nan,
                                                          dtype=np.float32)
    cdef double r
    a[:n] = z
    if w is not None:
        b[:n] = w
    with nogil:
        r = w2v_softplus_sum(&a[0], &b[0] if w is not None else NULL, n)
    return r


def _block_arg(x, name, ndim, shape=None):
    a = np.asarray(x)
    if a.dtype != np.float32:
        raise ValueError(f"block_step: {name} must have dtype float32, got {a.dtype}")
    if a.ndim != ndim:
        raise ValueError(f"block_step: {name} must be {ndim}-dimensional, got shape {a.shape}")
    if shape is not None and a.shape != shape:
        raise ValueError(f"block_step: {name} must have shape {shape}, got {a.shape}")
    return a


def block_step(In, Out, label, int nhs, coef, float alpha, bint compute_loss=True,
               out_index=None, bint update_out=True):
    """One batched update ``w2v_block_step`` (csrc/w2v_block.h) on copies (exposed for tests).

    ``In`` (k, dim) are the input rows; output column ``b`` is row ``out_index[b]`` of
    ``Out`` (default ``arange(len(Out))``; a row listed twice gets both updates);
    ``label`` (m,) is 0 or 1, the first ``nhs`` columns are hierarchical-softmax
    nodes, the others negative sampling; ``coef`` (k, m) the pair multiplicities.
    label, coef and g are padded with NaN that the kernel must ignore.

    Returns ``(In + dIn, new Out, g (k, m), dIn, loss or None)``.  With
    ``update_out=False`` it runs ``w2v_block_grad`` instead (the output rows only read).
    """
    # work on copies: the caller's arrays stay as they were
    In = np.array(_block_arg(In, "In", 2), dtype=np.float32, order="C")
    Out = np.array(_block_arg(Out, "Out", 2), dtype=np.float32, order="C")
    k, dim = In.shape
    if k < 1 or dim < 1:
        raise ValueError(f"block_step: In must have at least one row and column, got {In.shape}")
    if Out.shape[0] < 1 or Out.shape[1] != dim:
        raise ValueError(f"block_step: Out must have rows of dim={dim} floats, got {Out.shape}")
    if out_index is None:
        out_index = np.arange(Out.shape[0])
    idx = np.asarray(out_index)
    if idx.ndim != 1 or idx.shape[0] < 1 or not np.issubdtype(idx.dtype, np.integer):
        raise ValueError(f"block_step: out_index must be a non-empty 1-dimensional integer "
                         f"array, got {idx.dtype} of shape {idx.shape}")
    if idx.min() < 0 or idx.max() >= Out.shape[0]:
        raise ValueError(f"block_step: out_index must be in [0, {Out.shape[0]})")
    m = idx.shape[0]
    if k * m > 1 << 24:
        raise ValueError(f"block_step: block too large ({k} x {m})")
    lab = _block_arg(label, "label", 1, (m,))
    if not np.all((lab == 0) | (lab == 1)):
        raise ValueError("block_step: label must be 0 or 1")
    if not 0 <= nhs <= m:
        raise ValueError(f"block_step: nhs must be in [0, {m}], got {nhs}")
    co = _block_arg(coef, "coef", 2, (k, m))
    # the C code reads label, coef and g up to W2V_BLOCK_PAD floats past their ends:
    # pad with garbage it must ignore (and, for g, write back unchanged)
    pad = W2V_BLOCK_PAD
    cdef cnp.ndarray[float, ndim=1, mode="c"] lb = np.full(m + pad, np.nan, dtype=np.float32)
    cdef cnp.ndarray[float, ndim=1, mode="c"] cb = np.full(k * m + pad, np.nan, dtype=np.float32)
    cdef cnp.ndarray[float, ndim=1, mode="c"] gb = np.full(k * m + pad, np.nan, dtype=np.float32)
    # NaN too: an element the kernel fails to write shows
    cdef cnp.ndarray[float, ndim=2, mode="c"] din = np.full((k, dim), np.nan, dtype=np.float32)
    cdef cnp.ndarray[float, ndim=1, mode="c"] work = np.full(2 * (m + pad), np.nan,
                                                             dtype=np.float32)
    lb[:m] = lab
    cb[:k * m] = co.ravel()
    cdef cnp.ndarray[float, ndim=2, mode="c"] inp = In
    cdef cnp.ndarray[float, ndim=2, mode="c"] outp = Out
    cdef cnp.ndarray[int64_t, ndim=1, mode="c"] rows = idx.astype(np.int64)
    cdef int nk = k, nm = m
    cdef const float **in_rows = <const float **> PyMem_Malloc(nk * sizeof(float *))
    cdef float **out_rows = <float **> PyMem_Malloc(nm * sizeof(float *))
    cdef w2v_loss_buf loss
    cdef int64_t i
    loss.z = NULL
    loss.w = NULL
    loss.n = 0
    loss.cap = 0
    loss.sum = 0.0
    try:
        if in_rows == NULL or out_rows == NULL:
            raise MemoryError()
        for i in range(nk):
            in_rows[i] = &inp[i, 0]
        for i in range(nm):
            out_rows[i] = &outp[rows[i], 0]
        with nogil:
            if update_out:
                w2v_block_step(inp.shape[1], nk, in_rows, nm, out_rows, &lb[0], nhs, &cb[0],
                               alpha, &gb[0], &din[0, 0], &work[0],
                               &loss if compute_loss else NULL)
            else:
                w2v_block_grad(inp.shape[1], nk, in_rows, nm, <const float **> out_rows, &lb[0],
                               nhs, &cb[0], alpha, &gb[0], &din[0, 0], &work[0],
                               &loss if compute_loss else NULL)
    finally:
        PyMem_Free(in_rows)
        PyMem_Free(out_rows)
    if not np.all(np.isnan(gb[k * m:])):
        raise RuntimeError("block_step: w2v_block_step changed the padding past g")
    return (In + din, Out, gb[:k * m].reshape(k, m), din,
            loss.sum if compute_loss else None)


def _check_ngram_params(int minn, int maxn, int64_t buckets):
    if maxn < 0 or (maxn > 0 and not 1 <= minn <= maxn):
        raise ValueError(f"n-gram lengths must satisfy 1 <= minn <= maxn (or maxn = 0), "
                         f"got minn={minn}, maxn={maxn}")
    if not 1 <= buckets <= 0xFFFFFFFF:
        raise ValueError(f"buckets must be in [1, 2**32), got {buckets}")


def ngram_hash(const unsigned char[:] data):
    """fastText's hash of bytes ``data`` (``w2v_ngram_hash``, csrc/w2v_subword.h)."""
    cdef int64_t n = data.shape[0]
    if n == 0:
        return w2v_ngram_hash(b"", 0)
    return w2v_ngram_hash(<const char *> &data[0], n)


def ngram_buckets(bytes word, int minn, int maxn, int64_t buckets):
    """The n-grams of ``b"<" + word + b">"`` (``w2v_ngrams``, csrc/w2v_subword.h).

    Returns ``(bucket int32[k], start int64[k], length int64[k])``: each n-gram's bucket
    (its hash modulo ``buckets``) and its byte range in the bracketed word.
    """
    _check_ngram_params(minn, maxn, buckets)
    cdef int64_t n = len(word), k
    cdef const char *w = word
    if maxn == 0:
        return (np.zeros(0, np.int32), np.zeros(0, np.int64), np.zeros(0, np.int64))
    with nogil:
        k = w2v_ngrams(w, n, minn, maxn, <uint32_t> buckets, NULL, NULL, NULL, 0)
    cdef cnp.ndarray[int32_t, ndim=1, mode="c"] out = np.empty(max(k, 1), np.int32)
    cdef cnp.ndarray[int64_t, ndim=1, mode="c"] starts = np.empty(max(k, 1), np.int64)
    cdef cnp.ndarray[int64_t, ndim=1, mode="c"] lens = np.empty(max(k, 1), np.int64)
    with nogil:
        w2v_ngrams(w, n, minn, maxn, <uint32_t> buckets, &out[0], &starts[0], &lens[0], k)
    return out[:k], starts[:k], lens[:k]


def vocab_ngram_rows(words, int minn, int maxn, int64_t buckets, int64_t skip=-1):
    """Every word's input rows in a subword model, as CSR (``w2v_vocab_ngram_rows``).

    ``words``: a list of ``bytes``.  Returns ``(offsets int64[V+1], rows int32[...])``:
    word ``i``'s rows are ``rows[offsets[i]:offsets[i+1]]``, ``i`` itself first, then
    ``V + bucket`` for each of its n-grams (none for word ``skip``).
    """
    _check_ngram_params(minn, maxn, buckets)
    cdef int64_t v = len(words)
    if v + buckets > 0x7FFFFFFF:
        raise ValueError(f"{v} words + {buckets} buckets do not fit int32 row numbers")
    lengths = np.fromiter((len(w) for w in words), dtype=np.int64, count=v)
    cdef cnp.ndarray[int64_t, ndim=1, mode="c"] starts = np.zeros(v + 1, np.int64)
    np.cumsum(lengths, out=starts[1:])
    cdef bytes text = b"".join(words)
    cdef const char *t = text
    cdef cnp.ndarray[int64_t, ndim=1, mode="c"] offs = np.empty(v + 1, np.int64)
    with nogil:
        w2v_vocab_ngram_rows(t, &starts[0], v, skip, minn, maxn, <uint32_t> buckets, &offs[0],
                             NULL)
    cdef cnp.ndarray[int32_t, ndim=1, mode="c"] rows = np.empty(max(offs[v], 1), np.int32)
    with nogil:
        w2v_vocab_ngram_rows(t, &starts[0], v, skip, minn, maxn, <uint32_t> buckets, &offs[0],
                             &rows[0])
    return offs, rows[:offs[v]]


def compose_means(w_in, offsets, rows, out):
    """``out[i] = mean of w_in[rows[offsets[i]:offsets[i+1]]]`` for every i (a subword
    model's word vectors, fastText's rule: the rows summed in order by the kernels'
    ``w2v_rows_sum``, then multiplied by 1/count); an empty list gives zeros.

    ``w_in`` float32 (any rows, dim) C-contiguous (a read-only map is fine); ``out``
    float32 or float16 (len(offsets) - 1, dim), written in place.
    """
    _check(offsets, "offsets", np.int64, 1)
    _check(rows, "rows", np.int32, 1)
    if not isinstance(w_in, np.ndarray) or w_in.dtype != np.float32 or w_in.ndim != 2 \
            or not w_in.flags.c_contiguous:
        raise ValueError("compose_means: w_in must be a C-contiguous float32 matrix")
    cdef int64_t n = offsets.shape[0] - 1, dim = w_in.shape[1], i, j, a, b
    if n < 0 or out.shape != (n, dim) or out.dtype not in (np.float32, np.float16):
        raise ValueError(f"compose_means: out must be float32/float16 of shape {(n, dim)}")
    if n == 0:
        return out
    if offsets[0] != 0 or offsets[n] != rows.shape[0] or np.any(np.diff(offsets) < 0):
        raise ValueError("compose_means: bad offsets")
    if rows.shape[0] and (rows.min() < 0 or rows.max() >= w_in.shape[0]):
        raise ValueError(f"compose_means: rows must be in [0, {w_in.shape[0]})")
    cdef int64_t longest = int(np.diff(offsets).max())
    cdef const float *base = <const float *> cnp.PyArray_DATA(w_in)
    cdef const int64_t *off = <const int64_t *> cnp.PyArray_DATA(offsets)
    cdef const int32_t *rw = <const int32_t *> cnp.PyArray_DATA(rows)
    block = 4096
    cdef cnp.ndarray[float, ndim=2, mode="c"] tmp = np.empty((block, dim), np.float32)
    cdef const float **ptrs = <const float **> PyMem_Malloc(max(longest, 1) * sizeof(float *))
    cdef int64_t lo, hi
    cdef float inv
    if ptrs == NULL:
        raise MemoryError()
    try:
        for lo in range(0, n, block):
            hi = min(n, lo + block)
            with nogil:
                for i in range(lo, hi):
                    a = off[i]
                    b = off[i + 1]
                    for j in range(a, b):
                        ptrs[j - a] = base + <int64_t> rw[j] * dim
                    w2v_rows_sum(dim, <int> (b - a), ptrs, &tmp[i - lo, 0])
                    if b > a:
                        inv = 1.0 / <float> (b - a)
                        for j in range(dim):
                            tmp[i - lo, j] *= inv
            out[lo:hi] = tmp[:hi - lo]
    finally:
        PyMem_Free(ptrs)
    return out


def fill_uniform(out, uint64_t key, float scale, int threads=1):
    """Fill float32 ``out`` (C-contiguous, any shape) with ``(u - 0.5) * scale``, ``u``
    uniform in [0, 1) on a 24-bit grid: element ``i`` from ``w2v_mix64(key + i *
    golden)`` (csrc/w2v_rng.h), so the values depend on ``key`` and ``i`` only, not
    on ``threads`` (the parts are filled on that many threads, GIL released).  The
    fresh n-gram rows of a subword model: millions of rows in a fraction of a second.
    """
    if not isinstance(out, np.ndarray) or out.dtype != np.float32 \
            or not out.flags.c_contiguous or not out.flags.writeable:
        raise ValueError("fill_uniform: out must be a writable C-contiguous float32 array")
    cdef float[::1] flat = out.reshape(-1)
    cdef int64_t n = flat.shape[0]
    if n == 0:
        return out
    threads = max(1, min(int(threads), 64))
    import threading
    bounds = [n * t // threads for t in range(threads + 1)]

    def part(int64_t a, int64_t b):
        cdef int64_t i
        cdef uint64_t g = <uint64_t> 0x9E3779B97F4A7C15
        with nogil:
            for i in range(a, b):
                flat[i] = (<float> (w2v_mix64(key + <uint64_t> i * g) >> 40)
                           * <float> (1.0 / 16777216.0) - 0.5) * scale
    workers = [threading.Thread(target=part, args=(bounds[t], bounds[t + 1]))
               for t in range(1, threads)]
    for w in workers:
        w.start()
    part(bounds[0], bounds[1])
    for w in workers:
        w.join()
    return out


def simd_isa():
    """The instruction set the batched kernels run with on this CPU."""
    return w2v_block_isa().decode()


SIMD_BUILDS = ("baseline", "x86-64-v3", "x86-64-v4")

#: True in the portable build (MSVC's, or ``WORD2VEC_FAST_PORTABLE=1``): the batched
#: kernels are plain C, the only build, answering to ``"baseline"``.
PORTABLE = bool(W2V_PORTABLE)


def simd_build():
    """The build of ``SIMD_BUILDS`` the batched kernels run with now."""
    isa = simd_isa()
    return next((b for b in SIMD_BUILDS[1:] if isa.startswith(b + " ")), "baseline")


def select_simd(which):
    """Run the batched kernels with build ``which`` (one of ``SIMD_BUILDS``) from now on.

    For tests and benchmarks of every build this CPU can run; call it only
    while no training runs.  Returns False (and changes nothing) if this CPU
    or platform cannot run that build.
    """
    if which not in SIMD_BUILDS:
        raise ValueError(f"unknown SIMD build {which!r}; expected one of {SIMD_BUILDS}")
    return w2v_block_select(which.encode()) == 0


#: Engine.error codes.
ERROR_NOMEM = W2V_ENOMEM
ERROR_DIVERGED = W2V_EDIVERGED

#: Most centre words per block of the batched kernels (``Engine(batch=...)``).
MAX_BATCH = W2V_MAX_BATCH
#: Raw words a worker trains between two updates of its learning rate.
LR_BLOCK = W2V_LR_BLOCK


def learning_rate(int64_t words_done, int64_t total_words, float alpha0, float alpha_end,
                  float alpha_floor):
    """The learning rate the workers use after ``words_done`` raw words of a schedule of
    ``total_words`` (``w2v_learning_rate``, csrc/w2v_schedule.h), as a Python float.

    ``max(alpha0 - (alpha0 - alpha_end) * p, alpha_floor)`` with
    ``p = words_done / (total_words + 1)`` rounded to float32, every step in float32
    (the alphas are rounded to float32 first, as :class:`Engine` does).  Exposed so
    that a Python mirror of the schedule can be tested against it bit for bit.
    """
    return w2v_learning_rate(words_done, total_words, alpha0, alpha_end, alpha_floor)


def mix64(uint64_t z):
    """The splitmix64 finaliser used by every random draw (exposed for tests)."""
    return w2v_mix64(z)


def seed_key(uint64_t seed):
    """The run key derived from a seed (exposed for tests)."""
    return w2v_seed_key(seed)


def build_huffman(counts):
    """Huffman tree over counts sorted by decreasing count (word2vec.c's tree).

    Returns ``(code_offsets int64[V+1], codes uint8[L], points int32[L])``:
    word ``w``'s path from the root is ``codes/points[code_offsets[w]:code_offsets[w+1]]``,
    points being internal-node rows of the hierarchical-softmax matrix.
    """
    cdef cnp.ndarray[int64_t, ndim=1, mode="c"] c = np.ascontiguousarray(counts, dtype=np.int64)
    cdef int64_t v = c.shape[0]
    if v < 1:
        raise ValueError("build_huffman: empty vocabulary")
    if v > 1 and np.any(np.diff(np.asarray(counts, dtype=np.int64)) > 0):
        raise ValueError("build_huffman: counts must be sorted in decreasing order")
    if np.any(c < 0):
        raise ValueError("build_huffman: counts must be >= 0")
    cdef cnp.ndarray[int64_t, ndim=1, mode="c"] work = np.empty(6 * v, dtype=np.int64)
    cdef cnp.ndarray[int64_t, ndim=1, mode="c"] offs = np.empty(v + 1, dtype=np.int64)
    with nogil:
        w2v_huffman_lengths(&c[0], v, &work[0], &offs[0])
    cdef int64_t total = offs[v]
    cdef cnp.ndarray[uint8_t, ndim=1, mode="c"] codes = np.zeros(max(total, 1), dtype=np.uint8)
    cdef cnp.ndarray[int32_t, ndim=1, mode="c"] points = np.zeros(max(total, 1), dtype=np.int32)
    with nogil:
        w2v_huffman_paths(v, &work[0], &offs[0], &codes[0], &points[0])
    return offs, codes[:total], points[:total]


def build_alias(weights):
    """Alias table for drawing index ``i`` with probability ``weights[i] / sum``.

    Returns ``(prob uint64[V], alias int32[V])``; see ``csrc/w2v_tables.h`` for the draw.
    """
    cdef cnp.ndarray[double, ndim=1, mode="c"] w = np.ascontiguousarray(weights, dtype=np.float64)
    cdef int64_t v = w.shape[0]
    if v < 1:
        raise ValueError("build_alias: empty weights")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError("build_alias: weights must be finite and >= 0")
    cdef cnp.ndarray[uint64_t, ndim=1, mode="c"] prob = np.empty(v, dtype=np.uint64)
    cdef cnp.ndarray[int32_t, ndim=1, mode="c"] alias = np.empty(v, dtype=np.int32)
    cdef cnp.ndarray[double, ndim=1, mode="c"] scaled = np.empty(v, dtype=np.float64)
    cdef cnp.ndarray[int64_t, ndim=1, mode="c"] work = np.empty(v, dtype=np.int64)
    cdef int rc
    with nogil:
        rc = w2v_alias_build(&w[0], v, &prob[0], &alias[0], &scaled[0], &work[0])
    if rc != 0:
        raise ValueError("build_alias: weights sum to zero")
    return prob, alias


def _check(arr, name, dtype, ndim):
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"{name} must be a numpy array, got {type(arr).__name__}")
    if arr.dtype != dtype:
        raise TypeError(f"{name} must have dtype {np.dtype(dtype).name}, got {arr.dtype}")
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-dimensional, got shape {arr.shape}")
    if not arr.flags.c_contiguous:
        raise ValueError(f"{name} must be C-contiguous")
    if not arr.flags.aligned:
        raise ValueError(f"{name} must be aligned to its item size (np.require(a, "
                         f"requirements='A') copies it)")


cdef class Engine:
    """One training run over a corpus: owns the C params and shared counters.

    Create it with validated arrays, call :meth:`run_worker` from as many
    threads as wanted (each releases the GIL for its whole run), and read
    :attr:`words_done` from another thread to follow progress.  Workers run
    the epochs ``[first_epoch, end_epoch)``; :meth:`set_epochs` moves that
    range on (e.g. one epoch at a time) with the learning-rate schedule
    continuing exactly where it was.

    The schedule is ``epochs`` passes over ``ids`` unless told otherwise:
    ``total_words`` (default ``epochs * len(ids)``) is the length in raw words
    of the schedule the learning rate decays over, and ``words_offset`` the
    raw words done before this engine's first epoch (by earlier rounds, or by
    other workers of a run spread over machines), so that a slice of a larger
    schedule runs at exactly its part of the decay.

    ``lock_in`` (uint8, one per word, optional): words whose entry is non-zero
    keep their ``w_in`` rows unchanged (gensim's ``lockf``); their gradients
    still train the output rows.

    Per thread and epoch it counts raw and kept words (``epoch_raw``,
    ``epoch_kept``), the training loss (``epoch_loss``, float64: the negative
    log-likelihood of every logistic term trained, from the exact scores) and
    the training examples (``epoch_pairs``).
    """
    cdef w2v_params p
    cdef w2v_shared sh
    cdef object _keep  # references that keep the arrays alive
    cdef readonly object epoch_raw, epoch_kept, epoch_loss, epoch_pairs
    cdef readonly int64_t chunks_per_epoch
    cdef int _active  # workers inside run_worker (changed with the GIL held)
    cdef int64_t _words_offset

    def __init__(self, *, ids, offsets, keep_thr, alias_prob, alias_idx, code_offsets,
                 codes, points, w_in, w_out_ns, w_out_hs, int window, int negative,
                 bint hs, bint sg, bint cbow_mean, int epochs, int first_epoch,
                 double alpha0, double alpha_end, double alpha_floor, uint64_t seed,
                 int64_t chunk_tokens, int threads, int batch=0, end_epoch=None,
                 bint trusted_ids=False, int64_t words_offset=0, total_words=None,
                 lock_in=None, sub_offsets=None, sub_rows=None, int doc_mode=0,
                 bint dbow_words=False, int dbow_group=0, w_doc=None, doc_offsets=None,
                 doc_rows=None):
        _check(ids, "ids", np.int32, 1)
        _check(offsets, "offsets", np.int64, 1)
        _check(keep_thr, "keep_thr", np.uint32, 1)
        _check(w_in, "w_in", np.float32, 2)
        cdef int64_t v = w_in.shape[0], dim = w_in.shape[1], n = ids.shape[0]
        cdef int64_t n_in = w_in.shape[0]
        if v < 1 or dim < 1:
            raise ValueError(f"w_in must have at least one row and column, got {w_in.shape}")
        if (sub_offsets is None) != (sub_rows is None):
            raise ValueError("sub_offsets and sub_rows go together")
        if sub_offsets is not None:
            # a subword model: V words, w_in has their rows and the n-grams' after them
            _check(sub_offsets, "sub_offsets", np.int64, 1)
            _check(sub_rows, "sub_rows", np.int32, 1)
            v = sub_offsets.shape[0] - 1
            if v < 1 or v > n_in:
                raise ValueError(f"sub_offsets must have V + 1 entries for 1 <= V <= "
                                 f"{n_in} (w_in's rows), got {sub_offsets.shape[0]}")
            if sub_offsets[0] != 0 or sub_offsets[v] != sub_rows.shape[0] \
                    or np.any(np.diff(sub_offsets) < 1):
                raise ValueError("sub_offsets must start at 0, end at len(sub_rows) and give "
                                 "every word at least one row")
            if sub_rows.shape[0] and (sub_rows.min() < 0 or sub_rows.max() >= n_in):
                raise ValueError(f"sub_rows must be in [0, {n_in})")
            if lock_in is not None:
                raise ValueError("lock_in is not supported with subword rows")
            if batch < 1:
                raise ValueError("subword training needs the batched kernels (batch >= 1)")
        if keep_thr.shape[0] != v:
            raise ValueError("keep_thr must have one entry per vocabulary word")
        if offsets.shape[0] < 2 or offsets[0] != 0 or offsets[offsets.shape[0] - 1] != n:
            raise ValueError("offsets must start at 0 and end at len(ids)")
        # trusted_ids: ids and offsets this package wrote itself (a memory map is
        # not read whole just to be checked)
        if not trusted_ids and np.any(np.diff(offsets) < 0):
            raise ValueError("offsets must be non-decreasing")
        if n > 0 and not trusted_ids:
            lo, hi = int(ids.min()), int(ids.max())
            if lo < 0 or hi >= v:
                raise ValueError(f"token ids must be in [0, {v}), found {lo if lo < 0 else hi}")
        if window < 1:
            raise ValueError(f"window must be >= 1, got {window}")
        if negative < 0:
            raise ValueError(f"negative must be >= 0, got {negative}")
        check_output_layer(negative, hs)
        if end_epoch is None:
            end_epoch = epochs
        if epochs < 1 or not (0 <= first_epoch <= end_epoch <= epochs):
            raise ValueError(f"bad epochs={epochs} / first_epoch={first_epoch} / "
                             f"end_epoch={end_epoch}")
        for name, a in (("alpha", alpha0), ("min_alpha", alpha_end), ("alpha floor", alpha_floor)):
            if not np.isfinite(a) or a < 0:
                raise ValueError(f"{name} must be finite and >= 0, got {a}")
        if not (0 <= batch <= MAX_BATCH):
            raise ValueError(f"batch must be in [0, {MAX_BATCH}], got {batch}")
        if words_offset < 0:
            raise ValueError(f"words_offset must be >= 0, got {words_offset}")
        if total_words is None:
            total_words = n * epochs
        elif not (0 <= total_words < (1 << 62)):
            raise ValueError(f"total_words must be in [0, 2**62), got {total_words}")
        if chunk_tokens < 1:
            raise ValueError("chunk_tokens must be >= 1")
        if threads < 1:
            raise ValueError(f"threads must be >= 1, got {threads}")
        keep = [ids, offsets, keep_thr, w_in]
        self.p.dim = dim
        self.p.vocab_size = v
        self.p.window = window
        self.p.negative = negative
        self.p.hs = hs
        self.p.sg = sg
        self.p.cbow_mean = cbow_mean
        self.p.epochs = epochs
        self.p.first_epoch = first_epoch
        self.p.end_epoch = end_epoch
        self.p.batch = batch
        self.p.max_code_len = 0
        self.p.alpha0 = alpha0
        self.p.alpha_end = alpha_end
        self.p.alpha_floor = alpha_floor
        self.p.seed = seed
        self.p.n_tokens = n
        self.p.total_words = total_words
        self.p.chunk_tokens = chunk_tokens
        self.p.n_sentences = offsets.shape[0] - 1
        self.p.ids = <const int32_t *> cnp.PyArray_DATA(ids)
        self.p.offsets = <const int64_t *> cnp.PyArray_DATA(offsets)
        self.p.keep_thr = <const uint32_t *> cnp.PyArray_DATA(keep_thr)
        self.p.w_in = <float *> cnp.PyArray_DATA(w_in)
        self.p.w_out_ns = NULL
        self.p.w_out_hs = NULL
        self.p.lock_in = NULL
        self.p.sub_offsets = NULL
        self.p.sub_rows = NULL
        self.p.n_in_rows = n_in
        self.p.max_sub_rows = 1
        self.p.doc_mode = 0
        self.p.dbow_words = 0
        self.p.dbow_group = 0
        self.p.doc_offsets = NULL
        self.p.doc_rows = NULL
        self.p.w_doc = NULL
        self.p.n_doc_rows = 0
        self.p.max_doc_rows = 0
        if doc_mode:
            keep += self._docs(doc_mode, dbow_words, sg, batch, sub_offsets, lock_in, w_doc,
                               doc_offsets, doc_rows, dim)
            if dbow_group < 0:
                raise ValueError(f"dbow_group must be >= 0, got {dbow_group}")
            self.p.dbow_group = dbow_group
        if sub_offsets is not None:
            self.p.sub_offsets = <const int64_t *> cnp.PyArray_DATA(sub_offsets)
            self.p.sub_rows = <const int32_t *> cnp.PyArray_DATA(sub_rows)
            self.p.max_sub_rows = int(np.diff(sub_offsets).max())
            keep += [sub_offsets, sub_rows]
        if lock_in is not None:
            _check(lock_in, "lock_in", np.uint8, 1)
            if lock_in.shape[0] != v:
                raise ValueError(f"lock_in must have one entry per vocabulary word ({v}), "
                                 f"got {lock_in.shape[0]}")
            self.p.lock_in = <const uint8_t *> cnp.PyArray_DATA(lock_in)
            keep.append(lock_in)
        self.p.alias = NULL
        self.p.code_offsets = NULL
        self.p.codes = NULL
        self.p.points = NULL
        if negative > 0:
            _check(w_out_ns, "w_out_ns", np.float32, 2)
            _check(alias_prob, "alias_prob", np.uint64, 1)
            _check(alias_idx, "alias_idx", np.int32, 1)
            if w_out_ns.shape[0] != v or w_out_ns.shape[1] != dim:
                raise ValueError("w_out_ns must have the shape of w_in")
            if alias_prob.shape[0] != v or alias_idx.shape[0] != v:
                raise ValueError("alias table must have one entry per vocabulary word")
            if v > 0 and (alias_idx.min() < 0 or alias_idx.max() >= v):
                raise ValueError("alias table indexes out of range")
            self.p.w_out_ns = <float *> cnp.PyArray_DATA(w_out_ns)
            if v > 0 and alias_prob.max() > (1 << 32):
                raise ValueError("alias probabilities out of range")
            # one 64-bit entry per word (see w2v_params.h): the same draws
            packed = np.where(alias_prob >= (1 << 32), np.arange(v, dtype=np.uint64),
                              alias_idx.astype(np.uint64)) << np.uint64(32)
            packed |= np.minimum(alias_prob, np.uint64((1 << 32) - 1))
            self.p.alias = <const uint64_t *> cnp.PyArray_DATA(packed)
            keep += [w_out_ns, packed]
        if hs:
            _check(w_out_hs, "w_out_hs", np.float32, 2)
            _check(code_offsets, "code_offsets", np.int64, 1)
            _check(codes, "codes", np.uint8, 1)
            _check(points, "points", np.int32, 1)
            if w_out_hs.shape[1] != dim or w_out_hs.shape[0] < max(v - 1, 1):
                raise ValueError("w_out_hs must have at least max(V - 1, 1) rows of dim columns")
            if code_offsets.shape[0] != v + 1 or code_offsets[v] != codes.shape[0] \
                    or codes.shape[0] != points.shape[0]:
                raise ValueError("Huffman paths are inconsistent with the vocabulary")
            if points.shape[0] and (points.min() < 0 or points.max() >= w_out_hs.shape[0]):
                raise ValueError("Huffman points out of range")
            self.p.max_code_len = int(np.diff(code_offsets).max()) if v > 0 else 0
            self.p.w_out_hs = <float *> cnp.PyArray_DATA(w_out_hs)
            self.p.code_offsets = <const int64_t *> cnp.PyArray_DATA(code_offsets)
            self.p.codes = <const uint8_t *> cnp.PyArray_DATA(codes)
            self.p.points = <const int32_t *> cnp.PyArray_DATA(points)
            keep += [w_out_hs, code_offsets, codes, points]
        self._keep = keep
        self.sh.next_task = 0
        self._words_offset = words_offset
        self.sh.words_done = words_offset + <int64_t> first_epoch * n
        self.sh.stop = 0
        self.sh.error = 0
        self.sh.last_alpha = alpha0
        self.chunks_per_epoch = w2v_chunks_per_epoch(&self.p) if n > 0 else 0
        self.epoch_raw = np.zeros((threads, epochs), dtype=np.int64)
        self.epoch_kept = np.zeros((threads, epochs), dtype=np.int64)
        self.epoch_loss = np.zeros((threads, epochs), dtype=np.float64)
        self.epoch_pairs = np.zeros((threads, epochs), dtype=np.int64)
        self._active = 0

    cdef list _docs(self, int doc_mode, bint dbow_words, bint sg, int batch, sub_offsets,
                    lock_in, w_doc, doc_offsets, doc_rows, int64_t dim):
        """Check and set paragraph vectors' arrays (see ``w2v_params.h``)."""
        if doc_mode not in (W2V_DOC_DBOW, W2V_DOC_DM):
            raise ValueError(f"doc_mode must be {W2V_DOC_DBOW} (PV-DBOW) or {W2V_DOC_DM} "
                             f"(PV-DM), got {doc_mode}")
        if sg != (doc_mode == W2V_DOC_DBOW):
            raise ValueError("PV-DBOW runs with sg=True (its word training is skip-gram), "
                             "PV-DM with sg=False")
        if batch < 1:
            raise ValueError("paragraph vectors need the batched kernels (batch >= 1)")
        if sub_offsets is not None or lock_in is not None:
            raise ValueError("paragraph vectors take no subword rows and no lock_in")
        _check(w_doc, "w_doc", np.float32, 2)
        _check(doc_offsets, "doc_offsets", np.int64, 1)
        _check(doc_rows, "doc_rows", np.int32, 1)
        if w_doc.shape[1] != dim:
            raise ValueError(f"w_doc has {w_doc.shape[1]} columns, w_in {dim}")
        if doc_offsets.shape[0] != self.p.n_sentences + 1 or doc_offsets[0] != 0 \
                or doc_offsets[doc_offsets.shape[0] - 1] != doc_rows.shape[0] \
                or np.any(np.diff(doc_offsets) < 0):
            raise ValueError("doc_offsets must have one entry per document + 1, start at 0, "
                             "not decrease and end at len(doc_rows)")
        if doc_rows.shape[0] and (doc_rows.min() < 0 or doc_rows.max() >= w_doc.shape[0]):
            raise ValueError(f"doc_rows must be in [0, {w_doc.shape[0]})")
        self.p.doc_mode = doc_mode
        self.p.dbow_words = dbow_words
        self.p.doc_offsets = <const int64_t *> cnp.PyArray_DATA(doc_offsets)
        self.p.doc_rows = <const int32_t *> cnp.PyArray_DATA(doc_rows)
        self.p.w_doc = <float *> cnp.PyArray_DATA(w_doc)
        self.p.n_doc_rows = w_doc.shape[0]
        self.p.max_doc_rows = int(np.diff(doc_offsets).max()) if doc_offsets.shape[0] > 1 else 0
        return [w_doc, doc_offsets, doc_rows]

    def infer(self, ids, offsets, out, int epochs, double alpha0, double alpha1,
              int64_t first=0, int64_t last=-1):
        """Infer the vectors of documents ``first..last`` (``ids[offsets[d]:offsets[d+1]]``)
        into ``out[d]`` against this engine's model, which is only read (see
        ``w2v_doc.h``); releases the GIL.  The engine's ``doc_mode`` says the rule.
        Returns the words trained."""
        _check(ids, "ids", np.int32, 1)
        _check(offsets, "offsets", np.int64, 1)
        _check(out, "out", np.float32, 2)
        cdef int64_t nd = offsets.shape[0] - 1, dim = self.p.dim
        if self.p.doc_mode not in (W2V_DOC_DBOW, W2V_DOC_DM):
            raise ValueError("infer needs an engine of paragraph vectors")
        if last < 0:
            last = nd
        if not (0 <= first <= last <= nd) or out.shape[0] != nd or out.shape[1] != dim:
            raise ValueError("infer: bad document range or output shape")
        if epochs < 1 or not (np.isfinite(alpha0) and np.isfinite(alpha1)) or alpha0 < 0 \
                or alpha1 < 0:
            raise ValueError("infer: epochs must be >= 1 and the learning rates finite, >= 0")
        if nd and (offsets[0] != 0 or offsets[nd] != ids.shape[0]
                   or np.any(np.diff(offsets) < 0)):
            raise ValueError("infer: offsets must start at 0, not decrease, end at len(ids)")
        if ids.shape[0] and (ids.min() < 0 or ids.max() >= self.p.vocab_size):
            raise ValueError(f"infer: ids must be in [0, {self.p.vocab_size})")
        cdef int64_t longest = int(np.diff(offsets[first:last + 1]).max()) if last > first else 0
        cdef const int32_t *pid = <const int32_t *> cnp.PyArray_DATA(ids)
        cdef const int64_t *po = <const int64_t *> cnp.PyArray_DATA(offsets)
        cdef float *pout = <float *> cnp.PyArray_DATA(out)
        cdef float *fs = <float *> PyMem_Malloc(sizeof(float) * w2v_doc_infer_floats(&self.p))
        cdef int32_t *is_ = <int32_t *> PyMem_Malloc(
            sizeof(int32_t) * w2v_doc_infer_ints(&self.p, W2V_INFER_DOCS * longest, longest))
        cdef uint64_t skey = w2v_seed_key(self.p.seed)
        cdef int64_t d, got, total = 0
        cdef int side
        if fs == NULL or is_ == NULL:
            PyMem_Free(fs)
            PyMem_Free(is_)
            raise MemoryError()
        try:
            with nogil:
                d = first
                while d < last:  # W2V_INFER_DOCS documents side by side
                    side = <int> (last - d if last - d < W2V_INFER_DOCS else W2V_INFER_DOCS)
                    got = w2v_doc_infer(&self.p, side, pid + po[d], po + d, pout + d * dim,
                                        epochs, <float> alpha0, <float> alpha1, skey, fs, is_)
                    if got < 0:
                        break
                    total += got
                    d += side
        finally:
            PyMem_Free(fs)
            PyMem_Free(is_)
        return total

    def set_epochs(self, int first_epoch, int end_epoch):
        """Let the next workers run epochs ``[first_epoch, end_epoch)``.

        The shared word counter (which drives the learning rate) is set to
        ``words_offset + first_epoch * len(ids)``, where an uninterrupted run
        would have it,
        so running the schedule in pieces gives the same result as one call
        (bit for bit with one thread).  No worker may be running.
        """
        if self._active:
            raise RuntimeError("set_epochs: workers are still running")
        if self.sh.stop:
            raise RuntimeError("set_epochs: the engine was stopped")
        if not (0 <= first_epoch <= end_epoch <= self.p.epochs):
            raise ValueError(f"bad first_epoch={first_epoch} / end_epoch={end_epoch} "
                             f"for {self.p.epochs} epochs")
        self.p.first_epoch = first_epoch
        self.p.end_epoch = end_epoch
        self.sh.next_task = 0
        self.sh.words_done = self._words_offset + <int64_t> first_epoch * self.p.n_tokens

    def run_worker(self, int thread_index):
        """Train until no task is left; releases the GIL throughout. Returns the C status."""
        cdef cnp.ndarray[int64_t, ndim=2, mode="c"] raw = self.epoch_raw
        cdef cnp.ndarray[int64_t, ndim=2, mode="c"] kept = self.epoch_kept
        cdef cnp.ndarray[double, ndim=2, mode="c"] loss = self.epoch_loss
        cdef cnp.ndarray[int64_t, ndim=2, mode="c"] pairs = self.epoch_pairs
        if not (0 <= thread_index < raw.shape[0]):
            raise IndexError("thread_index out of range")
        if self.p.n_tokens == 0:
            return 0
        cdef int rc
        cdef int64_t *r = &raw[thread_index, 0]
        cdef int64_t *k = &kept[thread_index, 0]
        cdef double *lo = &loss[thread_index, 0]
        cdef int64_t *pa = &pairs[thread_index, 0]
        self._active += 1
        try:
            with nogil:
                rc = w2v_worker(&self.p, &self.sh, r, k, lo, pa)
        finally:
            self._active -= 1
        return rc

    def stop(self):
        """Ask every worker to stop at its next check (within a few hundred words)."""
        self.sh.stop = 1

    @property
    def words_done(self):
        """Raw words of the schedule done so far: ``words_offset`` plus what all threads did
        (earlier epochs included on resume)."""
        return self.sh.words_done

    @property
    def tasks_started(self):
        """Tasks handed out so far, counted from the schedule's start (task
        ``e * chunks_per_epoch + c`` is chunk ``c`` of epoch ``e``), so the
        count keeps growing across :meth:`set_epochs` calls."""
        return <int64_t> self.p.first_epoch * self.chunks_per_epoch + self.sh.next_task

    @property
    def alpha(self):
        """The learning rate most recently used by any worker."""
        return self.sh.last_alpha

    @property
    def error(self):
        """First error code reported by a worker (0 if none)."""
        return self.sh.error

    @property
    def stopped(self):
        """True once :meth:`stop` was called or a worker stopped everyone (divergence)."""
        return bool(self.sh.stop)


def merge_deltas(values, bits, bint average):
    """The merged delta of one block of rows over the workers' copies (the cluster
    trainer's merge, :func:`word2vec_fast.distributed.merge.merge_packets`), by
    ``w2v_merge_deltas`` (csrc/w2v_merge.h says the numbers).

    ``values``: one float32 ``(n, dim)`` array per worker, its rows' deltas; ``bits``:
    one packed uint8 touched mask per worker (``np.packbits`` of ``n`` bools)."""
    cdef Py_ssize_t p = len(values), k
    if p == 0 or len(bits) != p:
        raise ValueError("merge_deltas needs as many masks as value arrays, at least one")
    first = values[0]
    if first.ndim != 2:
        raise ValueError("merge_deltas: values must be 2-d")
    cdef int64_t n = first.shape[0], d = first.shape[1]
    vals = [np.ascontiguousarray(x, dtype=np.float32) for x in values]
    masks = [np.ascontiguousarray(x, dtype=np.uint8) for x in bits]
    for k in range(p):
        if vals[k].shape != (n, d):
            raise ValueError(f"merge_deltas: values {k} has shape {vals[k].shape}, "
                             f"not {(n, d)}")
        if masks[k].ndim != 1 or masks[k].shape[0] < (n + 7) // 8:
            raise ValueError(f"merge_deltas: mask {k} has {masks[k].shape} bytes for "
                             f"{n} rows")
    cdef cnp.ndarray[float, ndim=2, mode="c"] out = np.empty((n, d), dtype=np.float32)
    cdef const float **vp = <const float **>PyMem_Malloc(p * sizeof(void *))
    cdef const uint8_t **mp = <const uint8_t **>PyMem_Malloc(p * sizeof(void *))
    cdef double *acc = <double *>PyMem_Malloc((d if d > 0 else 1) * sizeof(double))
    cdef cnp.ndarray[float, ndim=2, mode="c"] va
    cdef cnp.ndarray[uint8_t, ndim=1, mode="c"] ma
    if vp == NULL or mp == NULL or acc == NULL:
        PyMem_Free(vp)
        PyMem_Free(mp)
        PyMem_Free(acc)
        raise MemoryError()
    try:
        for k in range(p):
            va = vals[k]
            ma = masks[k]
            vp[k] = <const float *>va.data
            mp[k] = <const uint8_t *>ma.data
        with nogil:
            w2v_merge_deltas(vp, mp, p, n, d, average, acc, <float *>out.data)
    finally:
        PyMem_Free(vp)
        PyMem_Free(mp)
        PyMem_Free(acc)
    return out
