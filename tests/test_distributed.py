"""The engine-neutral distributed trainer: shards, merged vocabulary, rounds, merges."""
import gzip

import numpy as np
import pytest

import word2vec_fast as w2v
from word2vec_fast._kernels import merge_deltas
from word2vec_fast.distributed import (HOT_MAX, HOT_ROWS, assign, count_shards, hot_count,
                                       merge_counts, merge_packets, plan_shards, resume_local,
                                       split_file, train_local)
from word2vec_fast.distributed.counting import encode_counted
from word2vec_fast.distributed.schedule import matrix_rows, rows_bytes
from word2vec_fast.distributed.shards import Shard, read_blocks
from word2vec_fast.distributed.worker import StaleStep, WorkerState
from word2vec_fast.training import check_train_params

from conftest import group_precision, planted_corpus

KW = dict(dim=16, window=3, negative=4, epochs=3, min_count=1, seed=7)


def _write(path, sents):
    path.write_text("\n".join(" ".join(s) for s in sents) + "\n")
    return path


def _tokens(shards):
    buf = bytearray(1 << 12)
    out = []
    for s in shards:
        data = b"".join(bytes(buf[:n]) for n in read_blocks(s, buf))
        out.append(data.split())
    return out


@pytest.fixture(scope="module")
def planted_file(tmp_path_factory):
    return _write(tmp_path_factory.mktemp("dist") / "planted.txt", planted_corpus())


@pytest.mark.parametrize("n", [1, 2, 3, 7, 50])
def test_byte_ranges_lose_and_double_no_token(tmp_path, n):
    rng = np.random.default_rng(n)
    words = [f"w{i}" * int(rng.integers(1, 4)) for i in range(400)]
    text = "".join(w + (" \n\t"[int(rng.integers(3))]) * int(rng.integers(1, 3)) for w in words)
    p = tmp_path / "c.txt"
    p.write_text(text)
    shards = split_file(str(p), n)
    assert 1 <= len(shards) <= n
    assert [t for part in _tokens(shards) for t in part] == text.encode().split()
    # consecutive ranges share their cut point and cover the file
    assert shards[0].start == 0 and (shards[-1].end in (None, len(text.encode())))


def test_single_line_file_and_no_whitespace(tmp_path):
    p = tmp_path / "one.txt"
    p.write_text(" ".join(f"tok{i}" for i in range(5000)))  # one line, no newline at all
    shards = split_file(str(p), 4)
    assert len(shards) == 4
    assert [t for part in _tokens(shards) for t in part] == p.read_bytes().split()
    q = tmp_path / "solid.txt"
    q.write_text("x" * 10_000)  # one token: cannot be cut
    assert split_file(str(q), 4) == [Shard(str(q))]


def test_compressed_files_are_never_split(tmp_path):
    p = tmp_path / "c.txt.gz"
    with gzip.open(p, "wt") as f:
        f.write("a b c\n" * 1000)
    assert plan_shards(p, 4) == [Shard(str(p))]
    with pytest.raises(ValueError, match="only 1 shard"):
        assign(plan_shards(p, 4), 4)


def test_plan_and_assign_keep_corpus_order(tmp_path):
    for i in range(5):
        _write(tmp_path / f"f{i}.txt", [["a", "b"]] * (i + 1) * 10)
    shards = plan_shards(tmp_path, 2)
    assert [s.path for s in shards] == sorted(str(p) for p in tmp_path.iterdir())
    groups = assign(shards, 3)
    assert [s for g in groups for s in g] == shards and all(groups)
    with pytest.raises(FileNotFoundError):
        plan_shards([tmp_path / "missing.txt"], 2)


@pytest.mark.parametrize("min_count,max_final", [(1, None), (2, None), (1, 7), (3, 5)])
def test_merged_vocabulary_is_train_s(tmp_path, min_count, max_final):
    # many ties: words of equal counts appearing first in different shards
    rng = np.random.default_rng(0)
    sents = [[f"w{int(x)}" for x in rng.integers(0, 30, size=5)] for _ in range(60)]
    paths = [_write(tmp_path / f"p{i}.txt", sents[i * 15:(i + 1) * 15]) for i in range(4)]
    whole = _write(tmp_path / "whole.txt", sents)
    ref = w2v.Vocab.build(whole, min_count, max_final)
    for shards in (plan_shards(paths, 4), plan_shards(whole, 3)):
        for p in (1, 2, len(shards)):
            v = merge_counts([count_shards(g)[0] for g in assign(shards, p)], min_count,
                             max_final)
            assert v.words == ref.words and np.array_equal(v.counts, ref.counts)


def test_empty_shard_is_an_error(tmp_path):
    p = tmp_path / "blank.txt"
    p.write_text(" \n\n  \n")
    with pytest.raises(ValueError, match="empty shard"):
        count_shards([Shard(str(p))])


def test_hot_row_schedule_doubles_on_trailing_zeros():
    assert [hot_count(r, 4, 1000) for r in range(8)] == [4, 8, 4, 16, 4, 8, 4, 32]
    assert hot_count(1023, 1024, 5000) == 5000 and hot_count(3, 0, 10) == 0
    rows = matrix_rows({"w_in": 10, "w_out_ns": 10, "w_out_hs": 9}, 4)
    assert rows == {"w_in": (0, 4), "w_out_ns": (0, 4), "w_out_hs": (5, 9)}
    assert rows_bytes(rows, 16) == (3 * 4 * 16 * 4, 3)


def test_hot_max_caps_the_doubling():
    assert [hot_count(r, 4, 1000, 10) for r in range(8)] == [4, 8, 4, 10, 4, 8, 4, 10]
    assert hot_count(1023, 1024, 50_000, None) == 50_000
    assert hot_count(1023, 1024, 50_000) == 50_000  # no cap given: the matrix only
    assert hot_count(1023, 1024, 50_000, HOT_MAX) == HOT_MAX == 16 * HOT_ROWS
    assert hot_count(0, 8, 100, 3) == 3 and hot_count(5, 0, 100, 3) == 0
    for bad in (0, -1, 2.5):
        with pytest.raises((TypeError, ValueError), match="hot_max"):
            train_local(["unused.txt"], workers=2, hot_max=bad)


def test_capped_rounds_move_at_most_hot_max_rows(planted_file):
    # 15 rounds of h0 = 4: uncapped the doubling reaches 32 rows (r + 1 = 8) of the
    # 64; at hot_max=8 no hot round moves more than 8 rows a matrix
    capped = train_local(planted_file, workers=2, sync_words=2000, hot_rows=4, hot_max=8,
                         **KW)
    free = train_local(planted_file, workers=2, sync_words=2000, hot_rows=4, hot_max=None,
                       **KW)
    v = len(capped.words)
    assert v > 32
    for m, cap in ((capped, 8), (free, None)):
        expect = [2 * hot_count(r, 4, v, cap) * 16 * 4 for r in range(15)]
        for r in range(4, 15, 5):
            expect[r] = 2 * v * 16 * 4
        assert m.stats["row_bytes_per_round"] == expect
        assert m.stats["hot_max"] == cap and np.isfinite(m.vectors).all()
    hot = [b for r, b in enumerate(capped.stats["row_bytes_per_round"]) if (r + 1) % 5]
    assert max(hot) == 2 * 8 * 16 * 4
    assert not np.array_equal(capped.vectors, free.vectors)
    assert group_precision(capped) >= group_precision(free) - 0.05


def test_a_checkpoint_from_before_hot_max_resumes_uncapped(planted_file, tmp_path):
    # a checkpoint keeps hot_max and resumes with it; one written before hot_max
    # existed has no such key: that run was uncapped, and resumes so
    def stop(model, rec):
        if rec["epoch"] == 1:
            raise w2v.StopTraining("enough")
    for cap in (4, None):
        full = train_local(planted_file, workers=2, sync_words=2000, hot_rows=8,
                           hot_max=cap, **KW)
        ck = tmp_path / f"ck{cap}.npz"
        train_local(planted_file, workers=2, sync_words=2000, hot_rows=8, hot_max=cap,
                    checkpoint=ck, callbacks=[stop], **KW)
        saved = w2v.load_model(ck)
        assert saved.schedule["distributed"]["hot_max"] == cap
        if cap is None:
            del saved.schedule["distributed"]["hot_max"]
        done = resume_local(saved, planted_file)
        assert done.stats["hot_max"] == cap
        assert np.array_equal(done.vectors, full.vectors)


def test_merge_combines_the_deltas_of_the_workers_that_touched_a_row():
    def packet(deltas, touched):
        deltas = np.asarray(deltas, dtype=np.float32)
        return {"w_in": (0, len(deltas), deltas, np.packbits(np.asarray(touched, bool)))}
    a = packet([[4.0, 4.0], [2.0, 2.0], [0.0, 0.0]], [1, 1, 0])
    b = packet([[0.0, 0.0], [4.0, 4.0], [0.0, 0.0]], [0, 1, 0])
    # row 0: only a touched it (not diluted); row 1: both; row 2: nobody
    lo, hi, summed = merge_packets([a, b], "sum")["w_in"]
    assert (lo, hi) == (0, 3)
    assert summed.tolist() == [[4.0, 4.0], [6.0, 6.0], [0.0, 0.0]]
    assert merge_packets([a, b], "mean")["w_in"][2].tolist() == [[4.0, 4.0], [3.0, 3.0],
                                                                 [0.0, 0.0]]
    # the default, "scaled", merges as "mean" (its workers train at P x alpha)
    assert merge_packets([a, b])["w_in"][2].tolist() == [[4.0, 4.0], [3.0, 3.0], [0.0, 0.0]]
    with pytest.raises(ValueError, match="merge must be one of"):
        merge_packets([a, b], "max")


def _merge_reference(values, bits, average):
    """The merge in plain NumPy: the touching workers' deltas added in worker order in
    float64, divided by their number (average, more than one), rounded to float32."""
    n = values[0].shape[0]
    acc = np.zeros(values[0].shape, dtype=np.float64)
    touched = np.zeros(n, dtype=np.int64)
    for v, b in zip(values, bits):
        mask = np.unpackbits(b, count=n).astype(bool)
        np.add(acc, v, out=acc, where=mask[:, None])
        touched += mask
    if average:
        np.divide(acc, touched[:, None], out=acc, where=touched[:, None] > 1)
    return acc.astype(np.float32)


@pytest.mark.parametrize("workers,n,dim", [(1, 5, 3), (2, 13, 7), (3, 64, 1), (5, 9, 16)])
@pytest.mark.parametrize("average", [True, False])
def test_merge_kernel_is_the_numpy_reference(workers, n, dim, average):
    rng = np.random.default_rng(workers * 100 + n)
    # values of untouched rows are garbage the merge must ignore; mixed magnitudes make
    # float64 accumulation and the order of the additions matter
    values = [(rng.standard_normal((n, dim)) * 10.0 ** rng.integers(-8, 8, (n, 1)))
              .astype(np.float32) for _ in range(workers)]
    touched = [rng.random(n) < 0.6 for _ in range(workers)]
    touched[0][0] = True
    bits = [np.packbits(t) for t in touched]
    got = merge_deltas(values, bits, average)
    want = _merge_reference(values, bits, average)
    assert got.dtype == np.float32 and got.shape == (n, dim)
    assert np.array_equal(got.view(np.uint32), want.view(np.uint32))


def test_merge_kernel_refuses_bad_input():
    v = np.zeros((9, 2), np.float32)
    with pytest.raises(ValueError, match="as many masks"):
        merge_deltas([v, v], [np.zeros(2, np.uint8)], True)
    with pytest.raises(ValueError, match="at least one"):
        merge_deltas([], [], True)
    with pytest.raises(ValueError, match="bytes for 9 rows"):
        merge_deltas([v], [np.zeros(1, np.uint8)], True)
    with pytest.raises(ValueError, match="shape"):
        merge_deltas([v, np.zeros((9, 3), np.float32)], [np.zeros(2, np.uint8)] * 2, True)
    with pytest.raises(ValueError, match="2-d"):
        merge_deltas([np.zeros(9, np.float32)], [np.zeros(2, np.uint8)], True)


def _two_states(planted_file):
    """Two workers' states on ``planted_file`` as the simulator makes them."""
    config = check_train_params(**{**dict(hs=False, sg=True, cbow_mean=True, sample=1e-3,
                                          alpha=None, min_alpha=None, batch=True), **KW})
    groups = assign(plan_shards(planted_file, 2), 2)
    counted = [count_shards(g) for g in groups]
    vocab = merge_counts([c for c, _ in counted], config["min_count"])
    encs = [encode_counted(sc, c, vocab, g) for (c, sc), g in zip(counted, groups)]
    states = [WorkerState(i, e, config, 1) for i, e in enumerate(encs)]
    for st in states:
        st.plan(4)
    total = config["epochs"] * sum(len(e) for e in encs)
    return states, total


def _spec(w, k, done, total):
    return {"epoch": 0, "round": k, "words_offset": done, "total_words": total,
            "alpha_scale": 2, "parts": [(w, 100 + 10 * w + k)], "commit": None}


def test_fused_steps_give_the_rounds_of_the_simulator(planted_file):
    # an engine that fuses each merge into the next round's task (the Dask one) gives
    # the numbers of train, merge, apply, train... (the simulator's order)
    rows = {"w_in": (0, 20), "w_out_ns": (0, 20)}
    fused, total = _two_states(planted_file)
    plain, _ = _two_states(planted_file)
    done, packets = 0, []
    for k in range(3):
        results = [st.step(f"t{k}", 0, _spec(w, k, done, total), rows, k - 1, "scaled",
                           packets) for w, st in enumerate(fused)]
        packets = results
        for w, st in enumerate(plain):
            st.train_round(_spec(w, k, done, total))
        merged = [merge_packets([st.publish(rows) for st in plain], "scaled")]
        for st in plain:
            st.receive(k, merged)
            st.commit(k)
        done += sum(r["record"]["raw_words"] for r in results)
    for st in fused:  # the last round's packets, as the weights' task merges them
        st.merge_in(2, packets, "scaled")
        st.merge_in(2, packets, "scaled")  # again: nothing (idempotent)
    for a, b in zip(fused, plain):
        for name, m in a._matrices().items():
            assert np.array_equal(m, b._matrices()[name])
    assert fused[0].merged_from[2] == {w: r["record"] for w, r in enumerate(packets)}


def test_a_fenced_worker_refuses_steps_submitted_before(planted_file):
    (st, _), total = _two_states(planted_file)
    first = st.step("a", 0, _spec(0, 0, 0, total), None, None, "scaled", [])
    seen = st.fence(1)
    assert seen["steps"] == {"a": first["record"]} and seen["committed"] == -1
    before = {k: m.copy() for k, m in st._matrices().items()}
    with pytest.raises(StaleStep, match="generation 0"):
        st.step("b", 0, _spec(0, 1, 0, total), None, None, "scaled", [])
    assert all(np.array_equal(m, before[k]) for k, m in st._matrices().items())
    st.step("c", 1, _spec(0, 1, 0, total), None, None, "scaled", [])
    assert list(st.fence(1)["steps"]) == ["a", "c"]  # the last two


@pytest.mark.parametrize("extra", [dict(), dict(hs=True, negative=0, sg=False),
                                   dict(batch=False, sample=0)])
def test_one_worker_is_bit_for_bit_train(planted_file, extra):
    kw = {**KW, **extra}
    ref = w2v.train(planted_file, threads=1, **kw)
    m = train_local(planted_file, workers=1, threads=1, sync_words=500, **kw)
    assert m.words == ref.words
    for a, b in ((ref.vectors, m.vectors), (ref.syn1neg, m.syn1neg), (ref.syn1, m.syn1)):
        assert (a is None and b is None) or np.array_equal(a, b)
    assert [h["loss"] for h in m.history] == [h["loss"] for h in ref.history]
    assert [h["words_done"] for h in m.history] == [h["words_done"] for h in ref.history]


def test_two_workers_reach_single_machine_quality(planted_file):
    ref = w2v.train(planted_file, threads=1, **KW)
    m = train_local(planted_file, workers=2, sync_words=2000, hot_rows=8, **KW)
    assert np.isfinite(m.vectors).all()
    assert group_precision(m) >= group_precision(ref) - 0.05
    st = m.stats
    assert st["rounds_per_epoch"] == 5 and len(m.history) == KW["epochs"]
    assert sum(h["raw_words"] for h in m.history) == st["words"] == 3 * st["n_tokens"]
    # bytes counted: rows x dim x 4 per matrix (input and output), per worker
    v = len(m.words)
    hot = [hot_count(r, 8, v) for r in range(15)]
    expect = [0 if (r + 1) % 5 == 0 else 2 * h * 16 * 4 for r, h in enumerate(hot)]
    for r in range(4, 15, 5):
        expect[r] = 2 * v * 16 * 4
    assert st["row_bytes_per_round"] == expect
    assert st["sync_seconds"] >= 0 and len(st["worker_words_per_sec"]) == 2
    # the same seed and P give the same numbers, on threads or not
    again = train_local(planted_file, workers=2, sync_words=2000, hot_rows=8, parallel=True,
                        **KW)
    assert np.array_equal(again.vectors, m.vectors)


@pytest.mark.parametrize("workers", [4, 8])
def test_more_workers_keep_single_machine_quality(planted_file, workers):
    # Averaging the touching workers' deltas at the plain rate ("mean", Spark's rule)
    # divides every worker's update of a shared row by P: on this corpus 4 workers
    # reached a group precision of about 0.25 and 8 about 0.14 where one machine reaches 1.
    ref = w2v.train(planted_file, threads=1, **KW)
    m = train_local(planted_file, workers=workers, sync_words=2000, hot_rows=8, **KW)
    assert m.stats["merge"] == "scaled" and m.stats["alpha_scale"] == workers
    assert np.isfinite(m.vectors).all()
    assert group_precision(m) >= group_precision(ref) - 0.05
    mean = train_local(planted_file, workers=workers, sync_words=2000, hot_rows=8,
                       merge="mean", **KW)
    assert group_precision(mean) < group_precision(m)


def test_cbow_hs_two_workers_finite_and_useful(planted_file):
    m = train_local(planted_file, workers=3, sync_words=1500, hot_rows=4,
                    **{**KW, "hs": True, "negative": 0, "sg": False})
    assert np.isfinite(m.vectors).all() and np.isfinite(m.syn1).all()
    assert group_precision(m) > 0.8


def test_bad_parameters(planted_file, tmp_path):
    with pytest.raises(ValueError, match="sync_words"):
        train_local(planted_file, workers=2, sync_words=0, **KW)
    with pytest.raises(ValueError, match="merge must be one of"):
        train_local(planted_file, workers=2, merge="average", **KW)
    with pytest.raises(ValueError, match="min_count"):
        train_local(planted_file, workers=2, **{**KW, "min_count": 10 ** 9})
    with pytest.raises(FileNotFoundError):
        train_local(tmp_path / "nope.txt", workers=2, **KW)
    with pytest.raises(ValueError, match="standard input"):
        plan_shards("-", 2)


def test_model_is_a_usual_model(planted_file, tmp_path):
    m = train_local(planted_file, workers=2, sync_words=3000, **KW)
    m.save_model(tmp_path / "m.npz")
    back = w2v.load_model(tmp_path / "m.npz")
    assert np.array_equal(back.vectors, m.vectors)
    back.train_more(planted_file, epochs=1, threads=1)
    assert np.isfinite(back.vectors).all()


# -- lost workers, checkpoints, resume, Ctrl-C ------------------------------------------

def _kill(worker, epoch, rnd, during="train"):
    def hook(e, k, backend):
        if (e, k) == (epoch, rnd):
            backend.kill(worker, during)
    return hook


@pytest.mark.parametrize("during", ["train", "sync"])
@pytest.mark.parametrize("workers,victim", [(2, 1), (3, 0)])
def test_a_lost_worker_does_not_end_the_run(planted_file, caplog, during, workers, victim):
    with caplog.at_level("WARNING", logger="word2vec_fast"):
        m = train_local(planted_file, workers=workers, sync_words=2000, hot_rows=8,
                        _hook=_kill(victim, 1, 1, during), **KW)
    lost = m.stats["lost_workers"]
    assert [(x["worker"], x["epoch"], x["round"]) for x in lost] == [(victim, 2, 2)]
    assert lost[0]["adopted_by"] != victim and m.stats["workers_left"] == workers - 1
    assert f"worker {victim} lost in epoch 2, round 2" in caplog.text
    assert np.isfinite(m.vectors).all() and np.isfinite(m.syn1neg).all()
    # no word of the corpus is skipped: the survivor trained the lost shard's rest,
    # including the round the loss cut short
    n = m.stats["n_tokens"]
    assert [h["raw_words"] for h in m.history] == [n] * 3
    assert all(h["complete"] for h in m.history) and m.history[-1]["workers"] == workers - 1
    ref = w2v.train(planted_file, threads=1, **KW)
    assert group_precision(m) >= group_precision(ref) - 0.05


def test_losing_every_worker_is_a_clear_error(planted_file):
    def hook(e, k, backend):
        if (e, k) == (0, 1):
            backend.kill(0)
            backend.kill(1)
    with pytest.raises(RuntimeError, match="every worker was lost"):
        train_local(planted_file, workers=2, sync_words=2000, _hook=hook, **KW)


def test_checkpoint_and_resume_are_bit_for_bit_the_whole_run(planted_file, tmp_path):
    full = train_local(planted_file, workers=2, sync_words=2000, hot_rows=8, **KW)
    ck = tmp_path / "ck.npz"

    def stop_after_first(model, rec):
        assert model.schedule["epochs_done"] == rec["epoch"]
        if rec["epoch"] == 1:
            raise w2v.StopTraining("enough")
    part = train_local(planted_file, workers=2, sync_words=2000, hot_rows=8, checkpoint=ck,
                       callbacks=[stop_after_first], **KW)
    assert len(part.history) == 1 and part.schedule["epochs_done"] == 1
    saved = w2v.load_model(ck)
    assert saved.schedule["distributed"]["workers"] == 2
    assert np.array_equal(saved.vectors, part.vectors)
    with pytest.raises(ValueError, match="resume it with word2vec_fast.distributed"):
        saved.resume(planted_file, threads=1)
    done = resume_local(ck, planted_file)
    assert np.array_equal(done.vectors, full.vectors)
    assert np.array_equal(done.syn1neg, full.syn1neg)
    assert [h["loss"] for h in done.history] == [h["loss"] for h in full.history]
    assert done.schedule["epochs_done"] == 3
    with pytest.raises(ValueError, match="not the corpus"):
        resume_local(ck, _write(tmp_path / "other.txt",
                                                planted_corpus()[:700]))
    with pytest.raises(ValueError, match="not trained on a cluster"):
        resume_local(w2v.train(planted_file, threads=1, **KW), planted_file)


def test_callbacks_see_the_merged_model_each_epoch(planted_file):
    seen = []
    m = train_local(planted_file, workers=2, sync_words=2000,
                    callbacks=lambda model, rec: seen.append(
                        (rec["epoch"], len(model.history), model.vectors.copy())), **KW)
    assert [s[:2] for s in seen] == [(1, 1), (2, 2), (3, 3)]
    assert np.array_equal(seen[-1][2], m.vectors)


def test_fsspec_urls_read_as_local_files(tmp_path):
    fsspec = pytest.importorskip("fsspec")
    sents = planted_corpus()
    local = tmp_path / "local"
    local.mkdir()
    _write(local / "a.txt", sents[:700])
    with gzip.open(local / "b.txt.gz", "wt") as f:
        f.write("\n".join(" ".join(s) for s in sents[700:]) + "\n")
    fs = fsspec.filesystem("memory")
    fs.pipe("/w2vtest/corpus/a.txt", (local / "a.txt").read_bytes())
    fs.pipe("/w2vtest/corpus/b.txt.gz", (local / "b.txt.gz").read_bytes())
    fs.pipe("/w2vtest/corpus/.hidden", b"never read")
    try:
        url = "memory://w2vtest/corpus"
        paths = [s.path for s in plan_shards(url, 2)]
        assert [p.split("w2vtest/")[1] for p in paths] == ["corpus/a.txt", "corpus/b.txt.gz"]
        assert all(p.startswith("memory://") for p in paths)
        # one plain file split by byte ranges, as a local one is
        assert len(plan_shards("memory://w2vtest/corpus/a.txt", 3)) == 3
        a = train_local(url, workers=2, sync_words=2000, **KW)
        b = train_local(local, workers=2, sync_words=2000, **KW)
        assert a.words == b.words and np.array_equal(a.vectors, b.vectors)
        with pytest.raises(FileNotFoundError):
            plan_shards("memory://w2vtest/missing.txt", 2)
    finally:
        fs.rm("/w2vtest", recursive=True)
