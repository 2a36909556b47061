"""The C engine against the NumPy reference, its tables, and its RNG."""
import heapq
import itertools

import numpy as np
import pytest

from word2vec_fast import Vocab, _kernels, schedule
from word2vec_fast.model import Model
from word2vec_fast.runner import chunk_tokens_for

import reference as ref


# -- RNG: golden values shared by C and the reference ---------------------------

def test_mix64_matches_reference():
    for z in [0, 1, 2, 12345, 2**63, 2**64 - 1, 0x9E3779B97F4A7C15]:
        assert _kernels.mix64(z) == ref.mix64(z)
    assert _kernels.seed_key(1) == ref.seed_key(1)
    # splitmix64's published first output for seed 0; changing the generator
    # changes every seeded result
    assert _kernels.mix64(0x9E3779B97F4A7C15) == 0xE220A8397B1DCDAF


# -- tables ---------------------------------------------------------------------

def _huffman_cost(counts):
    heap = list(counts)
    heapq.heapify(heap)
    cost = 0
    while len(heap) > 1:
        a, b = heapq.heappop(heap), heapq.heappop(heap)
        cost += a + b
        heapq.heappush(heap, a + b)
    return cost


@pytest.mark.parametrize("counts", [[5], [3, 1], [10, 7, 7, 3, 2, 2, 1],
                                    list(range(200, 0, -1)), [1] * 33])
def test_huffman_is_optimal_prefix_code(counts):
    counts = np.array(counts, dtype=np.int64)
    offs, codes, points = _kernels.build_huffman(counts)
    v = len(counts)
    lengths = np.diff(offs)
    if v == 1:
        assert lengths.tolist() == [0]
        return
    # optimal: total weighted length equals the Huffman cost
    assert int((lengths * counts).sum()) == _huffman_cost(counts.tolist())
    words = ["".join(map(str, codes[offs[w]:offs[w + 1]])) for w in range(v)]
    for a, b in itertools.permutations(words, 2):
        assert not b.startswith(a), "codes must be prefix-free"
    assert points.min() >= 0 and points.max() <= v - 2
    # every path starts at the root, inner node v - 2
    assert all(points[offs[w]] == v - 2 for w in range(v))


def test_huffman_rejects_unsorted():
    with pytest.raises(ValueError, match="sorted"):
        _kernels.build_huffman([1, 5])


def test_alias_table_is_exact():
    rng = np.random.default_rng(0)
    w = rng.random(1000) ** 3
    w[::7] = 0.0
    prob, alias = _kernels.build_alias(w)
    v = len(w)
    p = prob.astype(np.float64) / 2**32
    implied = p / v
    np.add.at(implied, alias, (1.0 - p) / v)
    np.testing.assert_allclose(implied, w / w.sum(), rtol=1e-9, atol=1e-12)


def test_alias_rejects_zero_weights():
    with pytest.raises(ValueError):
        _kernels.build_alias(np.zeros(3))


# -- the update rules against the reference --------------------------------------

def _tiny_corpus(seed, n_words=25, lengths=(300, 1, 700, 5, 450)):
    rng = np.random.default_rng(seed)
    zipf = 1.0 / np.arange(1, n_words + 1)
    ids = rng.choice(n_words, size=sum(lengths), p=zipf / zipf.sum()).astype(np.int32)
    counts = np.bincount(ids, minlength=n_words)
    order = np.argsort(-counts, kind="stable")
    remap = np.empty(n_words, dtype=np.int32)
    remap[order] = np.arange(n_words)
    ids = remap[ids]
    vocab = Vocab([f"w{i}" for i in range(n_words)], counts[order])
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    return ids, offsets, vocab


CASES = [dict(sg=sg, hs=hs, negative=neg, cbow_mean=cm)
         for sg in (True, False) for (hs, neg) in ((False, 3), (True, 0), (True, 2))
         for cm in ((True,) if sg else (True, False))]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "sg" if c["sg"] else "cbow"
                         + ("-mean" if c["cbow_mean"] else "-sum"))
@pytest.mark.parametrize("chunk", [97, 1000])
@pytest.mark.parametrize("batch", [0, 1, 6], ids=["classic", "batch1", "batch6"])
@pytest.mark.parametrize("dim", [8, 61])
def test_engine_matches_reference(case, chunk, batch, dim):
    # dim 61 exercises every loop of every SIMD build: unrolled and single
    # vectors, 4-lane and scalar tails (61 = 48 + 8 + 4 + 1 = 32 + 16 + 12 + 1)
    _check_against_reference(case, chunk, batch, dim)


@pytest.mark.parametrize("case", CASES, ids=lambda c: "sg" if c["sg"] else "cbow"
                         + ("-mean" if c["cbow_mean"] else "-sum"))
@pytest.mark.parametrize("batch", [1, 6], ids=["batch1", "batch6"])
def test_every_simd_build_matches_reference(simd_build, case, batch):
    _check_against_reference(case, 97, batch, 61)


def test_batched_negatives_have_no_limit():
    # every buffer of the batched kernel that holds negatives is sized from `negative`
    # (csrc/w2v_block_build.h): more than the 1024 the glue once refused train as the
    # reference does, rows drawn many times over included (a small alpha: so many
    # negatives on 25 words would make 0.05 diverge; a looser rtol: sums over 1100
    # columns round in another order than NumPy's)
    _check_against_reference(dict(sg=True, hs=False, negative=1100, cbow_mean=True), 97, 4, 8,
                             lengths=(150, 40), epochs=1, alpha=0.002, rtol=1e-3)


@pytest.mark.parametrize("case", CASES, ids=lambda c: "sg" if c["sg"] else "cbow"
                         + ("-mean" if c["cbow_mean"] else "-sum"))
@pytest.mark.parametrize("batch", [0, 1, 6], ids=["classic", "batch1", "batch6"])
def test_locked_rows_match_reference(case, batch):
    # every other word's input row locked (the frequent word 0 among them): the engine
    # skips exactly the updates the reference skips, and the locked rows stay bit for bit
    # (a shorter corpus than the unlocked runs': the NumPy reference is the cost)
    _check_against_reference(case, 97, batch, 61, lengths=(200, 1, 250, 5), epochs=1,
                             lock=np.arange(25) % 2 == 0)


def _check_against_reference(case, chunk, batch, dim, lengths=(300, 1, 700, 5, 450), epochs=2,
                             alpha=0.05, rtol=1e-5, lock=None):
    ids, offsets, vocab = _tiny_corpus(1, lengths=lengths)
    window, seed = 3, 7
    model = Model.create(vocab, dim=dim, window=window, negative=case["negative"],
                         hs=case["hs"], sg=case["sg"], cbow_mean=case["cbow_mean"],
                         sample=0.02, alpha=alpha, min_alpha=None, epochs=epochs, seed=seed,
                         min_count=1)
    # non-zero output weights so every term of every update is exercised
    rng = np.random.default_rng(3)
    for w in (model.syn1neg, model.syn1):
        if w is not None:
            w[:] = (rng.random(w.shape, dtype=np.float32) - 0.5) * 0.5
    keep = vocab.keep_probabilities(0.02)
    keep_thr = np.minimum(np.floor(keep * (1 << 24)), 1 << 24).astype(np.uint32)
    assert keep_thr.min() < (1 << 24), "the case must exercise subsampling"
    W_in, W_ns = model.vectors.copy(), None if model.syn1neg is None else model.syn1neg.copy()
    W_hs = None if model.syn1 is None else model.syn1.copy()
    alpha0 = float(np.float32(alpha))
    lock_in = None if lock is None else np.asarray(lock, dtype=np.uint8)
    start = model.vectors.copy()
    engine = _kernels.Engine(
        ids=ids, offsets=offsets, keep_thr=keep_thr, alias_prob=model.tables.alias_prob,
        alias_idx=model.tables.alias_idx, code_offsets=model.tables.code_offsets,
        codes=model.tables.codes, points=model.tables.points, w_in=model.vectors,
        w_out_ns=model.syn1neg, w_out_hs=model.syn1,
        window=window, negative=case["negative"], hs=case["hs"], sg=case["sg"],
        cbow_mean=case["cbow_mean"], epochs=epochs, first_epoch=0, alpha0=alpha0,
        alpha_end=0.0, alpha_floor=alpha0 * 1e-4, seed=seed, chunk_tokens=chunk, threads=1,
        batch=batch, lock_in=lock_in)
    assert engine.run_worker(0) == 0
    p = dict(case, batch=batch, window=window, epochs=epochs, seed=seed, chunk_tokens=chunk,
             alpha0=alpha0, alpha_end=0.0, alpha_floor=alpha0 * 1e-4, keep_thr=keep_thr,
             alias_prob=model.tables.alias_prob, alias_idx=model.tables.alias_idx,
             code_offsets=model.tables.code_offsets, codes=model.tables.codes,
             points=model.tables.points, lock_in=lock_in)
    stats = {}
    raw = ref.train_reference(ids, offsets, p, W_in, W_ns, W_hs, stats=stats)
    assert engine.epoch_raw[0].tolist() == raw == [len(ids)] * epochs
    # the loss of each epoch, from the exact scores, as the reference sums it in float64
    assert engine.epoch_pairs[0].tolist() == stats["pairs"]
    assert min(stats["pairs"]) > 100
    np.testing.assert_allclose(engine.epoch_loss[0], stats["loss"], rtol=2e-6)
    assert engine.words_done == len(ids) * epochs
    np.testing.assert_allclose(model.vectors, W_in, rtol=rtol, atol=1e-6)
    if W_ns is not None:
        np.testing.assert_allclose(model.syn1neg, W_ns, rtol=rtol, atol=1e-6)
    if W_hs is not None:
        np.testing.assert_allclose(model.syn1, W_hs, rtol=rtol, atol=1e-6)
    # the run did learn something: vectors moved well beyond rounding
    free = np.ones(len(vocab), dtype=bool) if lock is None else ~np.asarray(lock, dtype=bool)
    assert np.abs(model.vectors - start)[free].max() > 1e-3
    if lock is not None:
        assert np.array_equal(model.vectors[~free].view(np.uint32),
                              start[~free].view(np.uint32)), "a locked row changed"
        assert np.abs(model.vectors - start)[free].min(axis=1).max() > 0


def test_chunk_size_independent_of_threads():
    assert chunk_tokens_for(10) == 1000
    assert chunk_tokens_for(10**9) == 10_000


def test_engine_validates_ids():
    ids, offsets, vocab = _tiny_corpus(2)
    model = Model.create(vocab, dim=4, window=2, negative=2, hs=False, sg=True, cbow_mean=True,
                         sample=0, alpha=0.025, min_alpha=None, epochs=1, seed=1, min_count=1)
    bad = ids.copy()
    bad[5] = len(vocab)
    kw = dict(offsets=offsets, keep_thr=np.full(len(vocab), 1 << 24, np.uint32),
              alias_prob=model.tables.alias_prob, alias_idx=model.tables.alias_idx,
              code_offsets=None, codes=None, points=None, w_in=model.vectors,
              w_out_ns=model.syn1neg,
              w_out_hs=None, window=2, negative=2, hs=False, sg=True, cbow_mean=True, epochs=1,
              first_epoch=0, alpha0=0.025, alpha_end=0.0, alpha_floor=0.0, seed=1,
              chunk_tokens=100, threads=1)
    with pytest.raises(ValueError, match="token ids"):
        _kernels.Engine(ids=bad, **kw)
    with pytest.raises(TypeError, match="dtype"):
        _kernels.Engine(ids=ids.astype(np.int64), **kw)
    with pytest.raises(ValueError, match="alpha"):
        _kernels.Engine(ids=ids, **dict(kw, alpha0=float("nan")))
    with pytest.raises(ValueError, match="offsets"):
        _kernels.Engine(ids=ids, **dict(kw, offsets=offsets[:-1]))
    # the batch limit is C's (w2v_params.h), exported as MAX_BATCH
    with pytest.raises(ValueError, match=rf"batch must be in \[0, {_kernels.MAX_BATCH}\]"):
        _kernels.Engine(ids=ids, **dict(kw, batch=_kernels.MAX_BATCH + 1))
    assert _kernels.Engine(ids=ids, **dict(kw, batch=_kernels.MAX_BATCH)).run_worker(0) == 0


@pytest.mark.parametrize("done,total,alpha0,alpha_end,floor", [
    (0, 1000, 0.025, 0.0, 2.5e-6), (1, 1000, 0.025, 0.0, 2.5e-6),
    (500, 1000, 0.025, 0.0, 2.5e-6), (1000, 1000, 0.025, 0.0, 2.5e-6),
    (5000, 1000, 0.025, 0.0, 2.5e-6), (12345, 10**6, 0.05, 0.0001, 0.0),
    (999_999, 10**6, 0.05, 0.0001, 0.0), (3 * 10**11 + 7, 10**12, 0.1, 0.001, 1e-5),
    (0, 0, 0.025, 0.0, 0.0), (700, 1000, 0.01, 0.02, 0.0)])
def test_learning_rate_is_one_schedule(done, total, alpha0, alpha_end, floor):
    # the C schedule the workers use (csrc/w2v_schedule.h) is, bit for bit, the
    # package's Python one (schedule.py) and the reference's
    got = _kernels.learning_rate(done, total, alpha0, alpha_end, floor)
    assert isinstance(got, float)
    assert got == schedule.learning_rate(done, total, alpha0, alpha_end, floor)
    assert got == float(ref.alpha_at(done, total, alpha0, alpha_end, floor))


def test_engine_alpha_follows_the_schedule():
    # one thread, one task: the last learning rate is the one set at the start of the
    # task's last block of LR_BLOCK raw words
    ids, offsets, vocab = _tiny_corpus(2)
    n, v, epochs = len(ids), len(vocab), 3
    prob, alias = _kernels.build_alias(vocab.counts.astype(np.float64) ** 0.75)
    w_in = np.random.default_rng(0).random((v, 4), dtype=np.float32) - np.float32(0.5)
    engine = _kernels.Engine(
        ids=ids, offsets=offsets, keep_thr=np.full(v, 1 << 24, np.uint32), alias_prob=prob,
        alias_idx=alias, code_offsets=None, codes=None, points=None, w_in=w_in,
        w_out_ns=np.zeros_like(w_in), w_out_hs=None, window=2, negative=2, hs=False, sg=True,
        cbow_mean=True, epochs=epochs, first_epoch=0, alpha0=0.025, alpha_end=0.0,
        alpha_floor=0.0, seed=1, chunk_tokens=n, threads=1, batch=4, end_epoch=2)
    assert engine.run_worker(0) == 0
    last = n + (n - 1) // _kernels.LR_BLOCK * _kernels.LR_BLOCK
    assert engine.words_done == 2 * n
    assert engine.alpha == _kernels.learning_rate(last, n * epochs, 0.025, 0.0, 0.0)


def test_engine_rejects_unaligned_weights():
    buf = np.zeros(2 * 4 * 4 + 1, dtype=np.uint8)
    w_in = buf[1:].view(np.float32).reshape(2, 4)
    assert not w_in.flags.aligned
    with pytest.raises(ValueError, match="w_in must be aligned"):
        _kernels.Engine(ids=np.array([0, 1, 0], np.int32), offsets=np.array([0, 3], np.int64),
                        keep_thr=np.full(2, 1 << 24, np.uint32), alias_prob=None,
                        alias_idx=None, code_offsets=None, codes=None, points=None, w_in=w_in,
                        w_out_ns=None, w_out_hs=np.zeros((1, 4), np.float32), window=2,
                        negative=0, hs=True, sg=True, cbow_mean=True, epochs=1, first_epoch=0,
                        alpha0=0.025, alpha_end=0.0, alpha_floor=0.0, seed=1, chunk_tokens=10,
                        threads=1)
