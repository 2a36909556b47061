"""The Dask trainer on a LocalCluster of processes (2 workers x 1 thread)."""
import numpy as np
import pytest

import word2vec_fast as w2v
from word2vec_fast.distributed import cluster, train, train_local

from conftest import group_precision, planted_corpus

distributed = pytest.importorskip("distributed")

KW = dict(dim=16, window=3, negative=4, epochs=3, min_count=1, seed=7)


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(processes=True, n_workers=2, threads_per_worker=1,
                                  dashboard_address=None) as lc, distributed.Client(lc) as c:
        yield c


@pytest.fixture(scope="module")
def planted_file(tmp_path_factory):
    p = tmp_path_factory.mktemp("dask") / "planted.txt"
    p.write_text("\n".join(" ".join(s) for s in planted_corpus()) + "\n")
    return p


def test_one_worker_is_train_threads_1(client, planted_file):
    ref = w2v.train(planted_file, threads=1, **KW)
    m = train(client, planted_file, workers=1, sync_words=500, **KW)
    assert m.words == ref.words
    assert np.array_equal(m.vectors, ref.vectors) and np.array_equal(m.syn1neg, ref.syn1neg)
    assert [h["loss"] for h in m.history] == [h["loss"] for h in ref.history]


def test_two_workers_match_the_simulator_and_one_machine(client, planted_file):
    m = train(client, planted_file, sync_words=2000, hot_rows=8, **KW)
    sim = train_local(planted_file, workers=2, sync_words=2000, hot_rows=8, **KW)
    assert m.words == sim.words
    assert np.array_equal(m.vectors, sim.vectors) and np.array_equal(m.syn1neg, sim.syn1neg)
    assert m.stats["bytes_per_round"] == sim.stats["bytes_per_round"]
    assert len(m.history) == 3 and m.stats["workers"] == 2
    ref = w2v.train(planted_file, threads=1, **KW)
    assert group_precision(m) >= group_precision(ref) - 0.05


def test_bad_input_fails_before_training(client, planted_file, tmp_path):
    with pytest.raises(FileNotFoundError):
        train(client, tmp_path / "missing.txt", **KW)
    blank = tmp_path / "blank"
    blank.mkdir()
    (blank / "a.txt").write_text("a b c\n")
    (blank / "b.txt").write_text("   \n")
    with pytest.raises(ValueError, match="empty shard"):
        train(client, blank, **KW)
    with pytest.raises(ValueError, match="workers=3"):
        train(client, planted_file, workers=3, **KW)


def test_missing_dask_names_the_extra(monkeypatch):
    monkeypatch.setattr(cluster, "_distributed", None)
    with pytest.raises(ImportError, match=r'pip install "word2vec-fast\[dask\]"'):
        train(None, "x.txt")
