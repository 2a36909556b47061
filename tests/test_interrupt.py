"""Ctrl-C (SIGINT) during training, and divergence."""
import json
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import word2vec_fast as w2v

from conftest import SIGINT_CHILD, planted_corpus

# Trains (for minutes if left alone) on a generated corpus; says READY once the
# workers run; on Ctrl-C prints what the model looks like and exits 3.
SCRIPT = r"""
import json, sys
import numpy as np
import word2vec_fast as w2v

rng = np.random.default_rng(0)
p = 1.0 / np.arange(1, 2001)
ids = rng.choice(2000, size=1_000_000, p=p / p.sum()).astype(np.int32)
counts = np.bincount(ids, minlength=2000)
vocab = w2v.Vocab([f"w{i}" for i in range(2000)], counts)

class Ready:
    every_words = 1
    said = False
    def __call__(self, model, rec):
        if not self.said:
            print("READY", flush=True)
            self.said = True

try:
    w2v.train((ids, np.array([0, len(ids)])), vocab=vocab, dim=50, epochs=200,
              threads=int(sys.argv[1]), progress=False, callbacks=[Ready()])
except w2v.TrainingInterrupted as e:
    m = e.model
    print(json.dumps({"finite": bool(np.isfinite(m.vectors).all()
                                     and np.isfinite(m.syn1neg).all()),
                      "history": m.history, "schedule": m.schedule,
                      "interrupted": m.stats["interrupted"]}), flush=True)
    sys.exit(3)
sys.exit(0)
"""


def _wait_for(proc, stream, marker, timeout=60):
    """Read lines from ``stream`` until one contains ``marker``; return the lines."""
    lines = []
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        line = stream.readline()
        if not line:
            break
        lines.append(line)
        if marker in line:
            return lines
    proc.kill()
    pytest.fail(f"no {marker!r} from the subprocess: {''.join(lines)[-2000:]}")


def _interrupt(proc):
    """SIGINT the process; return seconds until it exited (killing it after 10 s)."""
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail("the process did not exit within 10 s of SIGINT")
    return time.monotonic() - t0


@pytest.mark.parametrize("threads", [1, 4])
def test_sigint_stops_training_within_a_second(threads):
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(threads)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **SIGINT_CHILD)
    _wait_for(proc, proc.stdout, "READY")
    time.sleep(0.3)
    took = _interrupt(proc)
    out = proc.stdout.read()
    assert proc.returncode == 3, proc.stderr.read()[-2000:]
    assert took < 2.0, f"exit took {took:.2f} s"
    state = json.loads(out.strip().splitlines()[-1])
    assert state["finite"] and state["interrupted"]
    last = state["history"][-1]
    assert last["complete"] is False and 0 <= last["raw_words"] < 1_000_000
    assert state["schedule"]["epochs_done"] == last["epoch"] - 1


def test_sigint_to_the_cli_exits_130(tmp_path):
    rng = np.random.default_rng(1)
    words = np.array([f"w{i}" for i in range(3000)])
    p = 1.0 / np.arange(1, 3001)
    toks = words[rng.choice(3000, size=300_000, p=p / p.sum())]
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(" ".join(toks[i:i + 1000]) for i in range(0, len(toks), 1000)))
    out = tmp_path / "v.bin"
    proc = subprocess.Popen(
        [sys.executable, "-m", "word2vec_fast", "-train", str(corpus), "-output", str(out),
         "-size", "50", "-threads", "2", "-iter", "1000", "-cbow", "0", "-progress", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **SIGINT_CHILD)
    _wait_for(proc, proc.stderr, "training skip-gram")  # the engine's start is logged
    time.sleep(0.5)
    took = _interrupt(proc)
    assert proc.returncode == 130, proc.stderr.read()[-2000:]
    assert took < 2.0, f"exit took {took:.2f} s"
    assert "Traceback" not in proc.stderr.read()


@pytest.mark.parametrize("kw", [dict(), dict(batch=False), dict(sg=False),
                                dict(hs=True, negative=0, batch=False)],
                         ids=["sg-batched", "sg-classic", "cbow", "sg-hs"])
def test_divergence_is_an_error_not_garbage(tmp_path, kw):
    sents = planted_corpus(n_sentences=400)
    ck = tmp_path / "ck{epoch}.npz"
    with pytest.raises(w2v.TrainingDiverged, match=r"alpha=1e\+30") as e:
        w2v.train(sents, min_count=1, dim=16, alpha=1e30, epochs=3, threads=2, progress=False,
                  callbacks=[w2v.CheckpointCallback(ck)], **kw)
    err = e.value
    assert isinstance(err, ValueError) and isinstance(err, FloatingPointError)
    assert err.alpha == 1e30 and err.epoch == 1
    rec = err.model.history[-1]
    assert rec["epoch"] == 1
    assert not np.isfinite(rec["loss"]) or rec["loss_per_pair"] > 1e4
    assert "diverged in epoch 1 of 3" in str(err)
    assert not list(tmp_path.iterdir())  # no checkpoint of garbage was written
