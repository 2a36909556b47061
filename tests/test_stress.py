"""Many more threads than cores on degenerate corpora: no crash, no deadlock.

Runs in a subprocess with a timeout, so a deadlock fails the test instead of
hanging the suite (and a crash is a non-zero exit, not a dead pytest).
"""
import subprocess
import sys

SCRIPT = r"""
import itertools
import numpy as np
import word2vec_fast as w2v

def check(model, n_tokens, epochs):
    assert np.isfinite(model.vectors).all()
    assert len(model.history) == epochs and all(r["complete"] for r in model.history)
    assert [r["raw_words"] for r in model.history] == [n_tokens] * epochs
    for r in model.history:
        assert (r["loss_per_pair"] is None) == (r["pairs"] == 0)
        assert np.isfinite(r["loss"]) and r["loss"] >= 0

corpora = {
    "one-word sentences": [[f"w{i % 7}"] for i in range(300)],
    "vocabulary of one word": [["a"] * 50] * 4,
    "a single token": [["a"]],
    "one long sentence": [[f"w{i % 13}" for i in range(5000)]],
}
kernels = [dict(sg=True), dict(sg=False), dict(sg=True, batch=False), dict(sg=False, batch=False),
           dict(sg=True, hs=True, negative=0), dict(sg=False, hs=True, negative=2),
           dict(sg=True, batch=6)]
runs = 0
for (name, sents), kw, threads in itertools.product(corpora.items(), kernels, (32, 3)):
    n = sum(map(len, sents))
    m = w2v.train(sents, min_count=1, dim=8, window=3, epochs=4, threads=threads,
                  progress=False, sample=0, **kw)
    check(m, n, 4)
    runs += 1
# empty epochs: subsampling drops (nearly) every token of a one-word corpus
m = w2v.train([["a"] * 400], min_count=1, dim=8, epochs=6, threads=32, sample=1e-9,
              progress=False)
check(m, 400, 6)
assert min(r["effective_words"] for r in m.history) <= 1
# resume and continued training with many threads on a tiny corpus
m = w2v.train([["a", "b"]] * 5, min_count=1, dim=4, epochs=3, threads=32, progress=False,
              callbacks=[lambda m, r: r["epoch"] < 1])
m.resume([["a", "b"]] * 5, threads=32, progress=False)
m.train_more([["c"], ["a", "c"]], min_count=1, epochs=2, threads=32, progress=False)
assert m.words == ["a", "b", "c"] and np.isfinite(m.vectors).all()
print("OK", runs)
"""


def test_many_threads_on_degenerate_corpora():
    r = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                       timeout=240)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.split() == ["OK", str(4 * 7 * 2)]
