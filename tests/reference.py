"""A plain NumPy/Python reference of the training engine, for tests only.

It follows word2vec.c's update rules and the engine's documented random draws
(csrc/w2v_rng.h) one pair at a time, written as directly as possible: whole
sentences are subsampled first and windows are taken in the compacted
sentence, with no chunk margins.  It is slow (Python per pair) and meant for
corpora of a few thousand tokens.
"""
import numpy as np

MASK = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15
LR_BLOCK = 256
MAX_EXP = np.float32(6.0)


def mix64(z):
    z &= MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def seed_key(seed):
    return mix64(seed ^ 0x6A09E667F3BCC909)


def bounded(r, n):
    return ((r >> 32) * n) >> 32


class Rng:
    def __init__(self, state):
        self.state = state

    def next(self):
        self.state = (self.state + GOLDEN) & MASK
        return mix64(self.state)


def keep_token(skey, pos, thr):
    if thr >= (1 << 24):
        return True
    return (mix64((skey + pos * GOLDEN) & MASK) >> 40) < thr


def sigmoid(f):
    f = np.float32(f)
    return np.float32(1.0) / (np.float32(1.0) + np.exp(-f))


def alpha_at(done, total, alpha0, alpha_end, floor):
    prog = np.float32(done / (total + 1))
    a = np.float32(alpha0) - (np.float32(alpha0) - np.float32(alpha_end)) * prog
    return max(a, np.float32(floor))


def output_updates(p, rng, l1, word, alpha, neu1e, W_ns, W_hs):
    if p["hs"]:
        for k in range(p["code_offsets"][word], p["code_offsets"][word + 1]):
            l2 = W_hs[p["points"][k]]
            f = np.float32(np.dot(l1, l2))
            if f <= -MAX_EXP or f >= MAX_EXP:
                continue
            g = (np.float32(1.0) - np.float32(p["codes"][k]) - sigmoid(f)) * alpha
            neu1e += g * l2
            l2 += g * l1
    if p["negative"] > 0:
        V = W_ns.shape[0]
        for d in range(p["negative"] + 1):
            if d == 0:
                target, label = word, np.float32(1.0)
            else:
                r = rng.next()
                i = bounded(r, V)
                target = i if (r & 0xFFFFFFFF) < int(p["alias_prob"][i]) else int(p["alias_idx"][i])
                if target == word:
                    continue
                label = np.float32(0.0)
            l2 = W_ns[target]
            f = np.float32(np.dot(l1, l2))
            if f > MAX_EXP:
                g = (label - np.float32(1.0)) * alpha
            elif f < -MAX_EXP:
                g = label * alpha
            else:
                g = (label - sigmoid(f)) * alpha
            neu1e += g * l2
            l2 += g * l1


def train_reference(ids, offsets, p, W_in, W_ns, W_hs):
    """Train in place.  ``p`` holds the parameters and tables (see the tests)."""
    n = len(ids)
    chunk = p["chunk_tokens"]
    per_epoch = (n + chunk - 1) // chunk
    total = n * p["epochs"]
    sk = seed_key(p["seed"])
    dim = W_in.shape[1]
    done = 0
    raw_per_epoch = []
    for epoch in range(p["epochs"]):
        skey = mix64(sk ^ ((0x3C6EF372FE94F82B + epoch * GOLDEN) & MASK))
        raw = 0
        # compacted sentences, and where each raw position sits in them
        kept_sent = {}
        for s in range(len(offsets) - 1):
            s0, s1 = offsets[s], offsets[s + 1]
            kept_sent[s] = [q for q in range(s0, s1) if keep_token(skey, q, p["keep_thr"][ids[q]])]
        for c in range(per_epoch):
            rng = Rng(mix64((sk + (epoch * per_epoch + c) * GOLDEN) & MASK))
            start, end = c * chunk, min(n, (c + 1) * chunk)
            flushed, block = 0, -1
            alpha = None
            for s in range(len(offsets) - 1):
                s0, s1 = offsets[s], offsets[s + 1]
                a, b = max(s0, start), min(s1, end)
                if a >= b:
                    continue
                kept = kept_sent[s]
                where = {q: j for j, q in enumerate(kept)}
                sent = [ids[q] for q in kept]
                for pos in range(a, b):
                    blk = (pos - start) // LR_BLOCK
                    if blk != block:
                        block = blk
                        upto = blk * LR_BLOCK
                        if upto > flushed:
                            done += upto - flushed
                            flushed = upto
                        alpha = alpha_at(done, total, p["alpha0"], p["alpha_end"], p["alpha_floor"])
                    if pos not in where:
                        continue
                    j = where[pos]
                    word = sent[j]
                    reduced = p["window"] - bounded(rng.next(), p["window"])
                    lo, hi = max(0, j - reduced), min(len(sent) - 1, j + reduced)
                    ctx = [q for q in range(lo, hi + 1) if q != j]
                    if p["sg"]:
                        for q in ctx:
                            l1 = W_in[sent[q]]
                            neu1e = np.zeros(dim, dtype=np.float32)
                            output_updates(p, rng, l1, word, alpha, neu1e, W_ns, W_hs)
                            l1 += neu1e
                    else:
                        if not ctx:
                            continue
                        neu1 = np.zeros(dim, dtype=np.float32)
                        for q in ctx:
                            neu1 += W_in[sent[q]]
                        if p["cbow_mean"]:
                            neu1 *= np.float32(1.0) / np.float32(len(ctx))
                        neu1e = np.zeros(dim, dtype=np.float32)
                        output_updates(p, rng, neu1, word, alpha, neu1e, W_ns, W_hs)
                        for q in ctx:
                            W_in[sent[q]] += neu1e
            done += (end - start) - flushed
            raw += end - start
        raw_per_epoch.append(raw)
    return raw_per_epoch
