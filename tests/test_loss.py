"""The training loss: its SIMD arithmetic, its value against the NumPy reference, and
what ``model.history`` / logs / the progress bar report."""
import logging

import numpy as np
import pytest

import word2vec_fast as w2v
from word2vec_fast import _kernels
from word2vec_fast.model import Model

import reference as ref
from test_engine import _tiny_corpus
from conftest import planted_corpus


def test_simd_softplus_matches_float64():
    z = np.concatenate([np.linspace(-87, 90, 50_001), np.logspace(-30, 1.9, 3000),
                        -np.logspace(-30, 1.9, 3000), [0.0, 6.0, -6.0]]).astype(np.float32)
    # one term per call (every lane position of the padded last vector), then all at once
    got = np.array([_kernels.softplus_sum(z[i:i + 1]) for i in range(0, len(z), 5)])
    want = np.logaddexp(0.0, z[::5].astype(np.float64))
    assert np.max(np.abs(got - want) / want) < 5e-7  # a few float ulps
    total = np.logaddexp(0.0, z.astype(np.float64)).sum()
    assert _kernels.softplus_sum(z) == pytest.approx(total, rel=1e-7)
    w = np.arange(len(z)) % 3
    assert _kernels.softplus_sum(z, w) == pytest.approx(
        (w * np.logaddexp(0.0, z.astype(np.float64))).sum(), rel=1e-7)
    # far below float's range the term is 0 (true value < 1e-37); no overflow above
    assert _kernels.softplus_sum(np.float32([-100, -3e38])) == 0.0
    assert _kernels.softplus_sum(np.float32([3e38])) == pytest.approx(3e38, rel=1e-7)
    assert _kernels.softplus_sum(np.float32([])) == 0.0
    # a non-finite score always makes the loss NaN (divergence shows)
    for bad in (np.nan, np.inf, -np.inf):
        assert np.isnan(_kernels.softplus_sum(np.float32([1.0, bad, 2.0])))


@pytest.mark.parametrize("batch", [0, 1], ids=["classic", "batched"])
@pytest.mark.parametrize("sg", [True, False], ids=["sg", "cbow"])
def test_hs_loss_counts_terms_outside_the_clamp(batch, sg):
    # big output weights: many Huffman-node scores beyond +-6, which word2vec.c
    # does not update; the loss still counts them, as the reference does
    ids, offsets, vocab = _tiny_corpus(4, lengths=(400, 300))
    dim, window, seed = 16, 3, 9
    model = Model.create(vocab, dim=dim, window=window, negative=0, hs=True, sg=sg,
                         cbow_mean=True, sample=0, alpha=0.05, min_alpha=None, epochs=1,
                         seed=seed, min_count=1)
    rng = np.random.default_rng(0)
    model.vectors[:] = (rng.random(model.vectors.shape, dtype=np.float32) - 0.5) * 4
    model.syn1[:] = (rng.random(model.syn1.shape, dtype=np.float32) - 0.5) * 4
    scores = model.vectors @ model.syn1.T
    assert (np.abs(scores) > 6).mean() > 0.05
    W_in, W_hs = model.vectors.copy(), model.syn1.copy()
    keep_thr = np.full(len(vocab), 1 << 24, np.uint32)
    alpha0 = float(np.float32(0.05))
    engine = _kernels.Engine(
        ids=ids, offsets=offsets, keep_thr=keep_thr, alias_prob=None, alias_idx=None,
        code_offsets=model.tables.code_offsets, codes=model.tables.codes,
        points=model.tables.points, w_in=model.vectors, w_out_ns=None, w_out_hs=model.syn1,
        window=window, negative=0,
        hs=True, sg=sg, cbow_mean=True, epochs=1, first_epoch=0, alpha0=alpha0, alpha_end=0.0,
        alpha_floor=alpha0 * 1e-4, seed=seed, chunk_tokens=128, threads=1, batch=batch)
    engine.run_worker(0)
    p = dict(sg=sg, hs=True, negative=0, cbow_mean=True, batch=batch, window=window, epochs=1,
             seed=seed, chunk_tokens=128, alpha0=alpha0, alpha_end=0.0,
             alpha_floor=alpha0 * 1e-4, keep_thr=keep_thr, code_offsets=model.tables.code_offsets,
             codes=model.tables.codes, points=model.tables.points)
    stats = {}
    ref.train_reference(ids, offsets, p, W_in, None, W_hs, stats=stats)
    assert engine.epoch_pairs[0].tolist() == stats["pairs"]
    np.testing.assert_allclose(engine.epoch_loss[0], stats["loss"], rtol=2e-6)


def test_fresh_output_layer_costs_log2_per_term():
    # output weights start at zero: with a learning rate too small to move them,
    # every NS term scores 0 and costs log 2
    ids = np.zeros(2000, dtype=np.int32)
    ids[1::2] = 1
    vocab = w2v.Vocab(["a", "b"], [1000, 1000])
    m = w2v.train((ids, np.array([0, 2000])), vocab=vocab, dim=8, window=1, negative=1,
                  sample=0, alpha=1e-30, epochs=1, threads=1, progress=False)
    rec = m.history[0]
    # window 1: every word has one or two neighbours; each pair has the positive
    # term and its negative unless that negative is the word itself
    assert 1999 <= rec["pairs"] <= 2 * 1999
    terms = rec["loss"] / np.log(2.0)
    assert rec["pairs"] < terms < 2 * rec["pairs"]
    assert terms == pytest.approx(round(terms), abs=1e-3)


@pytest.mark.parametrize("sg", [True, False], ids=["sg", "cbow"])
@pytest.mark.parametrize("hs,negative", [(False, 5), (True, 0)], ids=["ns", "hs"])
def test_loss_decreases_and_history_records(sg, hs, negative):
    sents = planted_corpus(n_sentences=800)
    n = sum(map(len, sents))
    m = w2v.train(sents, dim=16, window=4, sg=sg, hs=hs, negative=negative, epochs=4,
                  min_count=1, threads=2, progress=False, seed=3)
    h = m.history
    assert [r["epoch"] for r in h] == [1, 2, 3, 4] and all(r["complete"] for r in h)
    losses = [r["loss_per_pair"] for r in h]
    assert all(a > b for a, b in zip(losses, losses[1:])), losses
    for r in h:
        assert r["kind"] == "epoch" and r["run"] == 0 and r["epochs"] == 4
        assert r["raw_words"] == n and 0 < r["effective_words"] <= n
        assert r["loss"] == pytest.approx(r["loss_per_pair"] * r["pairs"])
        assert r["seconds"] > 0 and r["words_per_sec"] == pytest.approx(n / r["seconds"])
    alphas = [r["alpha"] for r in h]
    assert all(a > b for a, b in zip(alphas, alphas[1:]))
    assert h[-1]["words_done"] == 4 * n == m.schedule["words_done"]
    assert m.schedule["epochs_done"] == 4
    assert m.stats["epoch_loss"] == pytest.approx([r["loss"] for r in h])


def test_loss_in_logs_and_progress_bar(capsys, caplog):
    with caplog.at_level(logging.INFO, logger="word2vec_fast"):
        w2v.train(planted_corpus(n_sentences=200), min_count=1, dim=8, threads=2, epochs=2,
                  progress=True)
    err = capsys.readouterr().err
    assert "loss=" in err
    msgs = [r.getMessage() for r in caplog.records]
    assert any(msg.startswith("epoch 2/2: loss ") and "per pair" in msg for msg in msgs)
