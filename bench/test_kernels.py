"""Microbenchmarks of each training kernel (pytest-benchmark).

    pytest bench/test_kernels.py --benchmark-only --benchmark-columns=min,mean,rounds

Each case trains one epoch over a synthetic Zipfian corpus (50,000-word
vocabulary, 300,000 tokens) on one thread, 3 rounds; ``extra_info`` carries
the fastest round's words/s per thread, the arithmetic rate achieved (GFLOP/s
counted as 2 flops per multiply-add of the dot products and row updates the
algorithm performs) and that rate as a share of this core's practical peak,
measured here as the single-thread GFLOP/s of a large float32 matrix product
(NumPy's BLAS, in a subprocess with one BLAS thread).  Timings are never asserted.
"""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import word2vec_fast as w2v
from word2vec_fast import Corpus, Vocab, _kernels

N_TOKENS = 300_000
V = 50_000


@pytest.fixture(scope="module")
def corpus():
    rng = np.random.default_rng(0)
    p = 1.0 / np.arange(1, V + 1)
    ids = rng.choice(V, size=N_TOKENS, p=p / p.sum()).astype(np.int32)
    counts = np.bincount(ids, minlength=V)
    order = np.argsort(-counts, kind="stable")
    remap = np.empty(V, dtype=np.int32)
    remap[order] = np.arange(V)
    ids = remap[ids]
    counts = counts[order]
    keep = counts > 0
    vocab = Vocab([f"w{i}" for i in range(int(keep.sum()))], counts[keep])
    return Corpus(ids, None, vocab)


PEAK_SCRIPT = """
import time, numpy as np
a = np.random.default_rng(0).random((1024, 1024), dtype=np.float32)
b = a.copy()
best = 0.0
for _ in range(7):
    t = time.perf_counter(); a @ b; dt = time.perf_counter() - t
    best = max(best, 2 * 1024 ** 3 / dt / 1e9)
print(best)
"""


@pytest.fixture(scope="module")
def peak_gflops():
    """One core's practical float32 peak: a 1024^3 sgemm on one BLAS thread."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", PEAK_SCRIPT], env=env, capture_output=True,
                         text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


CASES = {
    "sg-ns-classic": dict(sg=True, batch=False),
    "sg-ns-batched": dict(sg=True, batch=True),
    "cbow-ns-classic": dict(sg=False, batch=False),
    "cbow-ns-batched": dict(sg=False, batch=True),
    "sg-hs-classic": dict(sg=True, hs=True, negative=0, batch=False),
    "sg-hs-batched": dict(sg=True, hs=True, negative=0, batch=True),
    "cbow-hs-batched": dict(sg=False, hs=True, negative=0, batch=True),
}


def _flops(model, kw, dim):
    # per centre word the classic algorithm does, per (context, output) pair,
    # one dot and two row updates: 3 * dim multiply-adds.
    window = model.params["window"]
    outputs = (model.params["negative"] + 1 if model.params["negative"] else 0)
    if kw.get("hs"):
        # Huffman path length per centre word: token-weighted (frequent words
        # have short paths)
        counts = model.vocab.counts
        outputs += float(np.dot(np.diff(model._code_offsets), counts) / counts.sum())
    pairs = (window + 1) if kw["sg"] else 1  # mean reduced window: (window+1)/2 each side
    return model.stats["effective_words"] * pairs * outputs * 3 * dim * 2


@pytest.mark.parametrize("dim", [100, 300])
@pytest.mark.parametrize("case", list(CASES))
def test_kernel_speed(benchmark, corpus, peak_gflops, kernel_report, case, dim):
    kw = CASES[case]
    holder = {}

    def run():
        m = w2v.train(corpus, dim=dim, epochs=1, threads=1, progress=False, **kw)
        # keep the fastest round: on a shared machine the slower ones measure neighbours
        if "m" not in holder or m.stats["train_seconds"] < holder["m"].stats["train_seconds"]:
            holder["m"] = m

    benchmark.pedantic(run, rounds=3, iterations=1, warmup_rounds=0)
    m = holder["m"]
    secs = m.stats["train_seconds"]
    benchmark.extra_info["words_per_sec_per_thread"] = round(m.stats["words"] / secs)
    gflops = _flops(m, kw, dim) / secs / 1e9
    benchmark.extra_info["gflops"] = round(gflops, 2)
    benchmark.extra_info["peak_gflops_sgemm"] = round(peak_gflops, 1)
    benchmark.extra_info["pct_of_peak"] = round(100 * gflops / peak_gflops, 1)
    benchmark.extra_info["isa"] = _kernels.simd_isa()
    kernel_report.append({"case": case, "dim": dim, "isa": benchmark.extra_info["isa"],
                          "wps": benchmark.extra_info["words_per_sec_per_thread"],
                          "gflops": gflops, "peak": peak_gflops,
                          "pct": benchmark.extra_info["pct_of_peak"]})
    assert m.stats["words"] == N_TOKENS
