"""The Dask trainer on a LocalCluster of processes (2 workers x 1 thread)."""
import json
import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import word2vec_fast as w2v
from word2vec_fast.distributed import backend_dask, cluster, resume, train, train_local

from conftest import SIGINT_CHILD, group_precision, planted_corpus

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


@pytest.mark.parametrize("fused", [True, False])
def test_two_workers_match_the_simulator_and_one_machine(client, planted_file, fused):
    # fused: the two workers exchange whole deltas; not: the reduce-scatter / all-gather
    # by blocks that more workers use
    m = train(client, planted_file, sync_words=2000, hot_rows=8, _fused=fused, **KW)
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


def test_a_worker_with_another_version_is_refused(client, planted_file, monkeypatch):
    # the client claims another version than the workers run: the same mismatch
    monkeypatch.setattr(cluster, "__version__", "0.0.1")
    with pytest.raises(ValueError, match=r"another version of word2vec_fast than the client "
                                         r"\(0\.0\.1\)"):
        train(client, planted_file, **KW)


def test_missing_dask_names_the_extra(monkeypatch):
    monkeypatch.setattr(backend_dask, "_distributed", None)
    with pytest.raises(ImportError, match=r'pip install "word2vec-fast\[dask\]"'):
        train(None, "x.txt")


@pytest.fixture
def own_cluster():
    """A cluster of its own (a test that kills a worker leaves the shared one alone)."""
    with distributed.LocalCluster(processes=True, n_workers=2, threads_per_worker=1,
                                  dashboard_address=None) as lc, distributed.Client(lc) as c:
        yield c


def _killer(client, victim, epoch, rnd, delay=None):
    """A hook killing worker ``victim``'s process before round ``rnd`` of ``epoch`` (or
    ``delay`` seconds into it, while its tasks run)."""
    pids = client.run(os.getpid)

    def hook(e, k, backend):
        if (e, k) != (epoch, rnd):
            return
        pid = pids[backend.addresses[victim]]
        if delay is None:
            os.kill(pid, signal.SIGKILL)
            # gone from the cluster before the round starts: nothing it held is left
            while backend.addresses[victim] in client.scheduler_info()["workers"]:
                time.sleep(0.01)
        else:
            threading.Timer(delay, os.kill, (pid, signal.SIGKILL)).start()
    return hook


@pytest.mark.parametrize("delay,fused", [(None, True), (0.0, True), (0.02, True),
                                         (0.02, False)])
def test_a_killed_worker_does_not_end_the_run(own_cluster, planted_file, caplog, delay, fused):
    # killed exactly between two rounds (no delay): none may have been submitted ahead
    with caplog.at_level("WARNING", logger="word2vec_fast"):
        m = train(own_cluster, planted_file, sync_words=2000, hot_rows=8,
                  _hook=_killer(own_cluster, 1, 1, 1, delay), _fused=fused,
                  _run_ahead=delay is not None, **KW)
    lost = m.stats["lost_workers"]
    assert len(lost) == 1 and lost[0]["worker"] == 1 and lost[0]["adopted_by"] == 0
    assert "worker 1 lost in epoch 2" in caplog.text
    assert np.isfinite(m.vectors).all() and np.isfinite(m.syn1neg).all()
    assert [h["raw_words"] for h in m.history] == [m.stats["n_tokens"]] * 3
    ref = w2v.train(planted_file, threads=1, **KW)
    assert group_precision(m) >= group_precision(ref) - 0.05
    if delay is None:  # lost before the round: the simulator losing it there agrees
        def hook(e, k, backend):
            if (e, k) == (1, 1):
                backend.kill(1)
        sim = train_local(planted_file, workers=2, sync_words=2000, hot_rows=8, _hook=hook,
                          **KW)
        assert np.array_equal(m.vectors, sim.vectors)


def test_checkpoint_and_resume_on_the_cluster(client, planted_file, tmp_path):
    full = train(client, planted_file, sync_words=2000, hot_rows=8, **KW)
    ck = tmp_path / "ck.npz"
    with pytest.raises(w2v.TrainingInterrupted):
        def ctrl_c(model, rec):  # what the SIGINT handler does, at an epoch end
            raise KeyboardInterrupt
        train(client, planted_file, sync_words=2000, hot_rows=8, checkpoint=ck,
              callbacks=[ctrl_c], **KW)
    saved = w2v.load_model(ck)
    assert saved.schedule["epochs_done"] == 1
    done = resume(client, ck, planted_file)
    assert np.array_equal(done.vectors, full.vectors)
    assert np.array_equal(done.syn1neg, full.syn1neg)
    assert len(done.history) == 3


CTRL_C = r"""
import json, sys
import numpy as np
import distributed
import word2vec_fast as w2v
from word2vec_fast.distributed import train

class Ready:
    def __call__(self, model, rec):
        print("READY", flush=True)

if __name__ == "__main__":
    with distributed.LocalCluster(processes=True, n_workers=2, threads_per_worker=1,
                                  dashboard_address=None) as lc, distributed.Client(lc) as c:
        try:
            train(c, sys.argv[1], dim=16, window=3, negative=4, epochs=500, min_count=1,
                  sync_words=2000, callbacks=[Ready()], progress=False)
        except w2v.TrainingInterrupted as e:
            m = e.model
            print(json.dumps({"finite": bool(np.isfinite(m.vectors).all()),
                              "epochs_done": m.schedule["epochs_done"],
                              "last_complete": m.history[-1]["complete"],
                              "interrupted": m.stats["interrupted"]}), flush=True)
            sys.exit(3)
    sys.exit(0)
"""


def test_ctrl_c_stops_the_workers_and_returns_the_partial_model(planted_file, tmp_path):
    script = tmp_path / "ctrl_c.py"
    script.write_text(CTRL_C)
    proc = subprocess.Popen([sys.executable, str(script), str(planted_file)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            **SIGINT_CHILD)
    try:
        t0 = time.monotonic()
        while time.monotonic() - t0 < 120:
            line = proc.stdout.readline()
            if not line or "READY" in line:
                break
        assert "READY" in line, proc.stderr.read()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 3, err[-3000:]
    res = json.loads(out.strip().splitlines()[-1])
    assert res["finite"] and res["interrupted"] and 1 <= res["epochs_done"] < 500
    assert "Ctrl-C: the workers finish this round" in err


def test_tls_security(planted_file):
    pytest.importorskip("cryptography")
    sec = distributed.Security.temporary()
    with distributed.LocalCluster(processes=True, n_workers=2, threads_per_worker=1,
                                  dashboard_address=None, security=sec, protocol="tls") as lc, \
            distributed.Client(lc, security=sec) as c:
        assert all(a.startswith("tls://") for a in c.scheduler_info()["workers"])
        m = train(c, planted_file, sync_words=2000, hot_rows=8, **KW)
    sim = train_local(planted_file, workers=2, sync_words=2000, hot_rows=8, **KW)
    assert np.array_equal(m.vectors, sim.vectors)


def test_a_url_corpus_is_read_on_the_workers(client, planted_file):
    pytest.importorskip("fsspec")
    m = train(client, "file://" + str(planted_file), sync_words=2000, hot_rows=8, **KW)
    sim = train_local(planted_file, workers=2, sync_words=2000, hot_rows=8, **KW)
    assert np.array_equal(m.vectors, sim.vectors)


def test_hot_max_caps_the_dask_run_as_the_simulator(client, planted_file):
    m = train(client, planted_file, sync_words=2000, hot_rows=4, hot_max=8, **KW)
    sim = train_local(planted_file, workers=2, sync_words=2000, hot_rows=4, hot_max=8, **KW)
    assert np.array_equal(m.vectors, sim.vectors) and np.array_equal(m.syn1neg, sim.syn1neg)
    assert m.stats["row_bytes_per_round"] == sim.stats["row_bytes_per_round"]
    assert m.stats["hot_max"] == 8
