"""Training across workers: quality against one machine, speed and bytes of the Dask run.

    python bench/distributed.py --corpus ../shared/data/wiki1e8.txt.gz --seeds 1,2,3
    python bench/distributed.py --corpus ... --parts speed        # only the Dask run
    python bench/distributed.py --corpus ... --parts quality --workers 2,4,8

Settings: skip-gram, dim 100, window 5, negative 5, sample 1e-3, min_count 5,
``--epochs`` (5) epochs, ``sync_words`` 200,000, ``hot_rows`` 1,024 and
``hot_max`` 16,384 (the defaults; ``--hot-max 0``: the doubling uncapped).  A compressed
corpus is decompressed once into ``--workdir`` so that one file can be split among the
workers by byte ranges.

- **quality**: per seed, ``train(threads=2)`` on one machine, then P workers of
  one thread each with :func:`word2vec_fast.distributed.train_local` (the
  in-process simulator, which gives the Dask run's numbers bit for bit:
  ``tests/test_distributed_dask.py``), then, for contrast, P workers averaging
  once per epoch at the plain rate (Spark's recipe: ``hot_rows=0,
  merge="mean"``; ``--no-contrast`` leaves it out).  Scored with gensim's protocol
  (analogies on the top 30,000 words; WS353 Spearman); the mean over seeds is printed.
- **speed**: a Dask ``LocalCluster`` of ``--speed-workers`` processes x 1
  thread trains the corpus; each worker's engine words/s against the engine's
  words/s of ``train(threads=1)`` on the same corpus in the same run, and the
  share of wall time spent merging.
- **bytes**: the bytes each worker publishes per hot round and per epoch as
  measured, and the projection for V = 1,000,000, d = 300 at 8 workers: a hot
  round of H rows moves H x dim x 4 bytes per matrix (plus a 1-bit mask per
  row) out of each worker in the reduce-scatter and as much in again in the
  all-gather.
"""
import argparse
import gzip
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

import numpy as np

# this file is named distributed.py: keep its folder from shadowing Dask's package
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
try:
    import distributed
except ImportError:  # the speed part needs the optional extra
    distributed = None

import word2vec_fast as w2v  # noqa: E402 (after the sys.path fix above)
from word2vec_fast import distributed as w2vd  # noqa: E402
from word2vec_fast.distributed import schedule, train_local  # noqa: E402

EVAL = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "eval"
KW = dict(dim=100, window=5, negative=5, sample=1e-3, min_count=5)


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def plain_copy(src: Path, workdir: Path) -> Path:
    """``src`` uncompressed (decompressed once into ``workdir``)."""
    if src.suffix not in (".gz",):
        return src
    dst = workdir / src.with_suffix("").name
    if not dst.exists():
        tmp = dst.with_name(dst.name + ".part")
        with gzip.open(src, "rb") as fin, open(tmp, "wb") as fout:
            shutil.copyfileobj(fin, fout, 16 << 20)
        os.replace(tmp, dst)
    return dst


def score(model, a) -> dict:
    an = model.wv.evaluate_analogies(a.questions, restrict_vocab=30000)
    wp = model.wv.evaluate_word_pairs(a.pairs)
    return {"analogy_pct": 100 * an.accuracy, "ws353": wp.spearman}


def quality(a, corpus: Path) -> dict:
    """Every configuration's scores per seed, and their means."""
    workers = [int(x) for x in a.workers.split(",")]
    configs = [("one machine (train, 2 threads)", None)]
    configs += [(f"{p} workers, hot rows every round", p) for p in workers]
    configs += [(f"{p} workers, averaged once per epoch (Spark-style)", -p)
                for p in workers if p == max(workers) and a.contrast]
    runs: dict = {name: [] for name, _ in configs}
    for seed in a.seeds:
        for name, p in configs:
            t0 = time.perf_counter()
            if p is None:
                m = w2v.train(str(corpus), threads=2, epochs=a.epochs, seed=seed,
                              progress=False, **KW)
            elif p > 0:
                m = train_local(str(corpus), workers=p, threads=1, parallel=True,
                                epochs=a.epochs, seed=seed, sync_words=a.sync_words,
                                hot_max=a.hot_max or None, **KW)
            else:
                m = train_local(str(corpus), workers=-p, threads=1, parallel=True,
                                epochs=a.epochs, seed=seed, hot_rows=0, merge="mean", **KW)
            r = score(m, a)
            r["seconds"] = time.perf_counter() - t0
            runs[name].append(r)
            log(f"seed {seed}, {name}: analogy {r['analogy_pct']:.2f} %, WS353 "
                f"{r['ws353']:.3f} ({r['seconds']:.0f} s)")
    out = {}
    for name, rs in runs.items():
        out[name] = {"runs": rs, "analogy_pct": statistics.mean(r["analogy_pct"] for r in rs),
                     "ws353": statistics.mean(r["ws353"] for r in rs)}
    return out


def speed(a, corpus: Path) -> dict:
    """Per-worker engine words/s of a Dask run against one machine's engine at 1 thread."""
    if distributed is None:
        raise SystemExit('the speed part needs Dask: pip install "word2vec-fast[dask]"')
    ref = w2v.train(str(corpus), threads=1, epochs=a.speed_epochs, seed=1, progress=False,
                    **KW)
    ref_wps = ref.stats["words"] / ref.stats["train_seconds"]
    log(f"one machine, 1 thread: {ref_wps:,.0f} words/s")
    with distributed.LocalCluster(n_workers=a.speed_workers, threads_per_worker=1,
                                  processes=True, dashboard_address=None) as lc, \
            distributed.Client(lc) as client:
        t0 = time.perf_counter()
        m = w2vd.train(client, str(corpus), threads=1, epochs=a.speed_epochs, seed=1,
                       sync_words=a.sync_words, hot_max=a.hot_max or None, **KW)
        wall = time.perf_counter() - t0
    s = m.stats
    per = s["worker_words_per_sec"]
    res = {"one_machine_words_per_sec": ref_wps, "worker_words_per_sec": per,
           "worker_share": [w / ref_wps for w in per], "sync_seconds": s["sync_seconds"],
           "rounds_seconds": s["wall_seconds"], "wall_seconds": wall,
           "prepare_seconds": s["prepare_seconds"],
           "sync_share": s["sync_seconds"] / s["wall_seconds"],
           "bytes_per_round": s["bytes_per_round"], "row_bytes_per_round":
               s["row_bytes_per_round"], "bytes_per_epoch": s["bytes_per_epoch"],
           "rounds_per_epoch": s["rounds_per_epoch"], "vocab": len(m.words),
           "n_tokens": s["n_tokens"], "workers": s["workers"], "sync_words": s["sync_words"]}
    log(f"Dask {s['workers']} x 1 thread: worker words/s {[f'{w:,.0f}' for w in per]} = "
        f"{[f'{x:.0%}' for x in res['worker_share']]} of one machine; merging "
        f"{s['sync_seconds']:.1f} s of {s['wall_seconds']:.1f} s ({res['sync_share']:.1%})")
    return res


def projection(rounds_per_epoch: int, vocab=1_000_000, dim=300, workers=8,
               h0=schedule.HOT_ROWS, cap=schedule.HOT_MAX) -> dict:
    """Bytes out of (and into) each worker per hot round for ``vocab`` x ``dim`` at
    ``workers`` workers, over an epoch of ``rounds_per_epoch`` rounds (the doubling
    capped at ``cap`` rows; None: uncapped)."""
    hot = [schedule.hot_count(r, h0, vocab, cap) for r in range(rounds_per_epoch - 1)]

    def out_bytes(h):  # two matrices (input, negative-sampling output), deltas + mask
        rb, mb = schedule.rows_bytes({"w_in": (0, h), "w_out_ns": (0, h)}, dim)
        return (rb + mb) * (workers - 1) / workers
    per_round = [out_bytes(h) for h in hot]
    return {"vocab": vocab, "dim": dim, "workers": workers, "rounds_per_epoch":
            rounds_per_epoch, "hot_round_median_mb": statistics.median(per_round) / 1e6,
            "hot_round_mean_mb": statistics.mean(per_round) / 1e6,
            "hot_round_max_mb": max(per_round) / 1e6,
            "epoch_end_mb": out_bytes(vocab) / 1e6,
            "epoch_mb": (sum(per_round) + out_bytes(vocab)) / 1e6}


def speedup(speed_res: dict, nodes=16, bandwidth=1.25e9, vocab=None, dim=100,
            node_speedup=1.0, cap=schedule.HOT_MAX) -> dict:
    """The projected speed-up of ``nodes`` workers over one, from the measured run.

    Per round each worker computes ``sync_words`` words at the measured per-worker
    speed (times ``node_speedup``, e.g. a node's cores), then waits for the merge:
    the measured per-round overhead of the 2-worker run (scheduling and merging on
    this machine, taken as the latency of a round) plus the bytes of the
    reduce-scatter / all-gather over a ``bandwidth`` bytes/s network; the
    epoch-end merge of every row likewise.  Speed-up = nodes x compute / (compute
    + communication) over an epoch of the measured rounds per worker.
    """
    wps = statistics.mean(speed_res["worker_words_per_sec"]) * node_speedup
    rounds_n = speed_res["rounds_per_epoch"]
    v = vocab or speed_res["vocab"]
    sync_words = speed_res["sync_words"]
    overhead = speed_res["sync_seconds"] / max(1, len(speed_res["bytes_per_round"]))
    compute = rounds_n * sync_words / wps

    def move(h):  # seconds to reduce-scatter + all-gather h rows of two matrices
        rb, mb = schedule.rows_bytes({"w_in": (0, h), "w_out_ns": (0, h)}, dim)
        return 2 * (rb + mb) * (nodes - 1) / nodes / bandwidth
    comm = sum(overhead + move(schedule.hot_count(r, schedule.HOT_ROWS, v, cap))
               for r in range(rounds_n - 1)) + overhead + move(v)
    return {"nodes": nodes, "vocab": v, "dim": dim, "bandwidth_bytes_per_sec": bandwidth,
            "worker_words_per_sec": wps, "round_overhead_seconds": overhead,
            "epoch_compute_seconds": compute, "epoch_comm_seconds": comm,
            "speedup": nodes * compute / (compute + comm),
            "sync_share": comm / (compute + comm)}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--corpus", required=True)
    p.add_argument("--workdir", default="/tmp/w2v-bench")
    p.add_argument("--seeds", default="1,2,3")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--workers", default="2,4", help="simulated workers for quality")
    p.add_argument("--speed-workers", type=int, default=2)
    p.add_argument("--speed-epochs", type=int, default=1)
    p.add_argument("--sync-words", type=int, default=schedule.SYNC_WORDS)
    p.add_argument("--hot-max", type=int, default=schedule.HOT_MAX,
                   help="cap of the hot-row doubling (0: none)")
    p.add_argument("--no-contrast", dest="contrast", action="store_false",
                   help="leave out the once-per-epoch (Spark-style) row")
    p.add_argument("--parts", default="quality,speed")
    p.add_argument("--questions", default=str(EVAL / "questions-words.txt"))
    p.add_argument("--pairs", default=str(EVAL / "wordsim353.tsv"))
    p.add_argument("--json", default=None)
    a = p.parse_args(argv)
    a.seeds = [int(s) for s in a.seeds.split(",")]
    parts = set(a.parts.split(","))
    Path(a.workdir).mkdir(parents=True, exist_ok=True)
    corpus = plain_copy(Path(a.corpus), Path(a.workdir))
    res: dict = {"corpus": str(corpus), "settings": dict(KW, epochs=a.epochs)}
    if "speed" in parts:
        res["speed"] = speed(a, corpus)
        cap = a.hot_max or None
        res["projection"] = projection(res["speed"]["rounds_per_epoch"], cap=cap)
        # rounds of the wiki1e8 run scaled to an epoch 8x larger per worker, and one
        # of 1,000 rounds (10^8 words per worker at sync_words 10^5)
        res["projection_1000_rounds"] = projection(1000, cap=cap)
        sp = res["speed"]
        res["speedup_16"] = speedup(sp, cap=cap)
        res["speedup_16_1M_d300"] = speedup(sp, vocab=1_000_000, dim=300, cap=cap)
        res["speedup_16_1M_d300_16_threads"] = speedup(sp, vocab=1_000_000, dim=300,
                                                       node_speedup=14.0, cap=cap)
        for k in ("speedup_16", "speedup_16_1M_d300", "speedup_16_1M_d300_16_threads"):
            log(f"{k}: {res[k]['speedup']:.1f}x ({res[k]['sync_share']:.1%} communicating)")
    if "quality" in parts:
        res["quality"] = quality(a, corpus)
    print(json.dumps(res, indent=1, default=lambda x: x.tolist() if isinstance(
        x, np.ndarray) else str(x)))
    if "quality" in res:
        print("\n| run | analogy % (mean of seeds) | WS353 |\n| --- | ---: | ---: |")
        for name, q in res["quality"].items():
            print(f"| {name} | {q['analogy_pct']:.2f} | {q['ws353']:.3f} |")
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(res, fh, indent=1, default=str)


if __name__ == "__main__":
    main()
