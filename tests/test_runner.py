"""The epoch runner without a Model: given matrices, tables, parameters and a schedule."""
import numpy as np
import pytest

import word2vec_fast as w2v
from word2vec_fast.runner import Weights, run_schedule
from word2vec_fast.schedule import learning_rate, new_schedule
from word2vec_fast.tables import OutputTables

from conftest import planted_corpus

PARAMS = dict(dim=8, window=3, negative=4, hs=False, sg=True, cbow_mean=True, sample=1e-3,
              batch=1)


def _setup(alpha, min_alpha, **extra):
    enc = w2v.count_and_encode(planted_corpus(n_sentences=150), min_count=1)
    rng = np.random.default_rng(3)
    v = len(enc.vocab)
    weights = Weights((rng.random((v, 8), dtype=np.float32) - 0.5) / 8,
                      np.zeros((v, 8), dtype=np.float32))
    tables = OutputTables.build(enc.vocab.counts, negative=4, hs=False)
    sch = new_schedule(n_tokens=len(enc), fingerprint=0, fingerprint_version=2, epochs=1,
                       alpha=alpha, alpha_end=min_alpha, alpha_floor=min_alpha, seed=5)
    sch.update(extra)
    return enc, weights, tables, sch


def _run(enc, weights, tables, sch):
    history = []
    stats = run_schedule(enc, weights, tables, PARAMS, sch, threads=1, history=history)
    return history, stats


def test_runs_without_a_model_and_advances_the_schedule():
    enc, weights, tables, sch = _setup(0.025, 0.0)
    before = weights.w_in.copy()
    history, stats = _run(enc, weights, tables, sch)
    assert not np.array_equal(before, weights.w_in)
    assert sch["epochs_done"] == 1 and sch["words_done"] == len(enc)
    assert stats["words"] == len(enc) and len(history) == 1 and history[0]["complete"]


def test_words_offset_and_total_words_place_the_run_inside_a_longer_schedule():
    n = len(_setup(0.025, 0.0025)[0])
    # Ten schedules' worth of words already done: the decay is past its end, so every
    # update uses the floor -- exactly a run at a constant rate equal to the floor.
    late = _setup(0.025, 0.0025, words_offset=10 * n, total_words=n)
    const = _setup(0.0025, 0.0025)
    fresh = _setup(0.025, 0.0025)
    assert learning_rate(10 * n, n, 0.025, 0.0025, 0.0025) == pytest.approx(0.0025)
    h_late, _ = _run(*late)
    _run(*const)
    _run(*fresh)
    assert np.array_equal(late[1].w_in, const[1].w_in)
    assert np.array_equal(late[1].w_out_ns, const[1].w_out_ns)
    assert not np.array_equal(late[1].w_in, fresh[1].w_in)
    # the schedule's position is the global one
    assert late[3]["words_done"] == h_late[0]["words_done"] == 11 * n
    assert h_late[0]["alpha"] == pytest.approx(0.0025)


def test_half_way_offset_uses_the_middle_of_the_decay():
    enc, weights, tables, sch = _setup(0.025, 0.0, words_offset=1000, total_words=4000)
    history, _ = _run(enc, weights, tables, sch)
    n = len(enc)
    # the last rate used lies between the rates at the start and the end of this slice
    lo = learning_rate(1000 + n, 4000, 0.025, 0.0, 0.0)
    hi = learning_rate(1000, 4000, 0.025, 0.0, 0.0)
    assert lo <= history[0]["alpha"] <= hi < 0.025


def test_bad_offsets_are_rejected():
    enc, weights, tables, sch = _setup(0.025, 0.0, words_offset=-1)
    with pytest.raises(ValueError, match="words_offset"):
        _run(enc, weights, tables, sch)
    enc, weights, tables, sch = _setup(0.025, 0.0, total_words=-5)
    with pytest.raises(ValueError, match="total_words"):
        _run(enc, weights, tables, sch)
