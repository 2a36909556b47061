"""A plain NumPy/Python reference of the training engine, for tests only.

It follows word2vec.c's update rules and the engine's documented random draws
(csrc/w2v_rng.h) one pair at a time, written as directly as possible: whole
sentences are subsampled first and windows are taken in the compacted
sentence, with no chunk margins.  It is slow (Python per pair) and meant for
corpora of a few thousand tokens.

The loss is the negative log-likelihood of every logistic term trained, from
the exact score f before its update: -log sigmoid(f) for label 1 (the positive
word, an HS node whose label is 1 - code) and -log sigmoid(-f) for label 0 (a
negative), in float64.  HS terms with |f| >= 6, which get no update, count.
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


def nll(f, label):
    """-log P(label | score f) of one logistic term, float64."""
    z = -float(f) if label else float(f)
    return float(np.logaddexp(0.0, z))


def output_updates(p, rng, l1, word, alpha, neu1e, W_ns, W_hs, loss):
    if p["hs"]:
        for k in range(p["code_offsets"][word], p["code_offsets"][word + 1]):
            l2 = W_hs[p["points"][k]]
            f = np.float32(np.dot(l1, l2))
            loss[0] += nll(f, 1 - int(p["codes"][k]))
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
            loss[0] += nll(f, label)
            if f > MAX_EXP:
                g = (label - np.float32(1.0)) * alpha
            elif f < -MAX_EXP:
                g = label * alpha
            else:
                g = (label - sigmoid(f)) * alpha
            neu1e += g * l2
            l2 += g * l1


def block_gradients(S, labels, rules, coef, alpha, loss):
    """The gradients G of the scores S (k x m) of a batched update, with column b's
    rule rules[b] ("hs", "ns" or "off"); adds the pairs' loss to loss[0]."""
    G = np.zeros_like(S)
    for b, rule in enumerate(rules):
        for a in range(S.shape[0]):
            f = S[a, b]
            if rule == "off" or coef[a, b] == 0:
                continue
            loss[0] += float(coef[a, b]) * nll(f, labels[b])
            if rule == "hs":
                if -MAX_EXP < f < MAX_EXP:
                    G[a, b] = (labels[b] - sigmoid(f)) * alpha
            elif f > MAX_EXP:
                G[a, b] = (labels[b] - np.float32(1.0)) * alpha
            elif f < -MAX_EXP:
                G[a, b] = labels[b] * alpha
            else:
                G[a, b] = (labels[b] - sigmoid(f)) * alpha
            G[a, b] *= coef[a, b]
    return G


def block_update(In, rows, labels, rules, coef, alpha, loss):
    """The batched update as plain matrix products: returns (dIn, dOut)."""
    Out = np.array([M[r] for M, r in rows], dtype=np.float32)
    G = block_gradients(In @ Out.T, labels, rules, coef, alpha, loss)
    return G @ Out, G.T @ In


def _locked(p, word):
    """True if ``p["lock_in"]`` (optional, one byte per word) keeps the word's input row."""
    lock = p.get("lock_in")
    return lock is not None and bool(lock[word])


def block_columns(p, rng, sent, J, negs, W_ns, W_hs):
    """The windows and output columns of a block of centres J with negatives ``negs``
    (csrc/w2v_block_build.c's w2v_block_columns): the nb reduced windows (drawn
    here), then the columns: the centre's Huffman path (hs, one centre), the
    centres and the negatives.  Returns ``(win, rows, labels, rules, npos)``."""
    win = []
    for j in J:
        reduced = p["window"] - bounded(rng.next(), p["window"])
        win.append((max(0, j - reduced), min(len(sent) - 1, j + reduced)))
    return (win,) + output_columns(p, sent, J, negs, W_ns, W_hs)


def output_columns(p, sent, J, negs, W_ns, W_hs):
    """A block's output columns: the centre's Huffman path (hs, one centre), the
    centres and the negatives.  Returns ``(rows, labels, rules, npos)``."""
    rows, labels, rules = [], [], []
    if p["hs"]:
        w = sent[J[0]]
        for c in range(p["code_offsets"][w], p["code_offsets"][w + 1]):
            rows.append((W_hs, int(p["points"][c])))
            labels.append(1.0 - float(p["codes"][c]))
            rules.append("hs")
    npos = len(rows)
    if p["negative"] > 0:
        for j in J:
            rows.append((W_ns, sent[j]))
            labels.append(1.0)
            rules.append("ns")
        for t in negs:
            rows.append((W_ns, t))
            labels.append(0.0)
            rules.append("ns")
    return rows, labels, rules, npos


def train_batch(p, rng, sent, J, W_in, W_ns, W_hs, alpha, loss):
    """The engine's batched update of centre positions J (see csrc/w2v_block_build.c);
    PV-DM's tag rows join each CBOW context."""
    dim = W_in.shape[1]
    # drawn first: the engine draws a block's negatives ahead, during the last block
    negs = _negatives(p, rng, W_ns.shape[0]) if p["negative"] > 0 else []
    tags = _doc_tags(p) if not p["sg"] else []
    win, rows, labels, rules, npos = block_columns(p, rng, sent, J, negs, W_ns, W_hs)
    m, nb = len(rows), len(J)
    labels = np.array(labels, dtype=np.float32)
    if p["sg"]:
        qlo, qhi = min(w[0] for w in win), max(w[1] for w in win)
        qs = list(range(qlo, qhi + 1))
        coef = np.zeros((len(qs), m), dtype=np.float32)
        for a, q in enumerate(qs):
            for b, (lo, hi) in enumerate(win):
                if not lo <= q <= hi or q == J[b]:
                    continue
                loss[1] += 1
                coef[a, :npos] = 1
                if p["negative"] > 0:
                    coef[a, npos + b] = 1
                    for d, t in enumerate(negs):
                        coef[a, npos + nb + d] += t != sent[J[b]]
        In = W_in[[sent[q] for q in qs]]
        dIn, dOut = block_update(In, rows, labels, rules, coef, alpha, loss)
        for (M, r), d in zip(rows, dOut):
            M[r] += d
        for q, d in zip(qs, dIn):
            if not _locked(p, sent[q]):
                W_in[sent[q]] += d
    else:
        In = np.zeros((nb, dim), dtype=np.float32)
        coef = np.zeros((nb, m), dtype=np.float32)
        ctxs = []
        for b, (lo, hi) in enumerate(win):
            ctx = [q for q in range(lo, hi + 1) if q != J[b]]
            ctxs.append(ctx)
            for q in ctx:
                In[b] += W_in[sent[q]]
            for r in tags:
                In[b] += p["W_doc"][r]
            n_ctx = len(ctx) + len(tags)
            if n_ctx and p["cbow_mean"]:
                In[b] *= np.float32(1.0) / np.float32(n_ctx)
            if not n_ctx:
                continue
            loss[1] += 1
            coef[b, :npos] = 1
            if p["negative"] > 0:
                coef[b, npos + b] = 1
                for d, t in enumerate(negs):
                    coef[b, npos + nb + d] = t != sent[J[b]]
        dIn, dOut = block_update(In, rows, labels, rules, coef, alpha, loss)
        for (M, r), d in zip(rows, dOut):
            M[r] += d
        for b, ctx in enumerate(ctxs):
            for q in ctx:
                if not _locked(p, sent[q]):
                    W_in[sent[q]] += dIn[b]
            for r in tags:
                p["W_doc"][r] += dIn[b]


def _doc_tags(p):
    """The tag rows of the document being trained (``p["doc"]``), for paragraph vectors."""
    if not p.get("doc_mode"):
        return []
    d = p["doc"]
    return [int(r) for r in p["doc_rows"][p["doc_offsets"][d]:p["doc_offsets"][d + 1]]]


def _negatives(p, rng, V):
    negs = []
    for _ in range(p["negative"]):
        r = rng.next()
        i = bounded(r, V)
        negs.append(i if (r & 0xFFFFFFFF) < int(p["alias_prob"][i]) else int(p["alias_idx"][i]))
    return negs


def train_batch_dbow(p, rng, sent, J, W_in, W_ns, W_hs, alpha, loss):
    """PV-DBOW (csrc/w2v_doc.c): skip-gram's block first with ``dbow_words``, then every
    tag row of the document against the centres, their path and shared negatives."""
    if p.get("dbow_words"):
        for j in J:  # one window per block
            train_batch(p, rng, sent, [j], W_in, W_ns, W_hs, alpha, loss)
    group = p.get("dbow_group", 0)
    own = group > 0 and not p["hs"] and p["negative"] > 0
    if own:  # a draw of negatives for each `group` consecutive words
        rows, labels, own_coef, npos = [], [], [], 0
        for g0 in range(0, len(J), group):
            words = [sent[j] for j in J[g0:g0 + group]]
            for w in words:
                rows.append((W_ns, w))
                labels.append(1.0)
                own_coef.append(1.0)
            for t in _negatives(p, rng, W_ns.shape[0]):
                rows.append((W_ns, t))
                labels.append(0.0)
                own_coef.append(float(sum(t != w for w in words)))
        rules = ["ns"] * len(rows)
    else:
        negs = _negatives(p, rng, W_ns.shape[0]) if p["negative"] > 0 else []
        rows, labels, rules, npos = output_columns(p, sent, J, negs, W_ns, W_hs)
    tags = _doc_tags(p)
    if not tags:
        return
    m, nb = len(rows), len(J)
    coef = np.zeros((len(tags), m), dtype=np.float32)
    coef[:, :npos] = 1
    if own:
        coef[:] = own_coef
    elif p["negative"] > 0:
        coef[:, npos:npos + nb] = 1
        for d, t in enumerate(negs):
            coef[:, npos + nb + d] = sum(t != sent[j] for j in J)
    loss[1] += nb * len(tags)
    In = p["W_doc"][tags]
    dIn, dOut = block_update(In, rows, np.array(labels, dtype=np.float32), rules, coef,
                             alpha, loss)
    for (M, r), d in zip(rows, dOut):
        M[r] += d
    for r, d in zip(tags, dIn):
        p["W_doc"][r] += d


def _sub_rows(p, word):
    """A subword model's input rows of ``word`` (its own, then its n-grams')."""
    return [int(r) for r in p["sub_rows"][p["sub_offsets"][word]:p["sub_offsets"][word + 1]]]


def _draw(p, rng, V):
    r = rng.next()
    i = bounded(r, V)
    return i if (r & 0xFFFFFFFF) < int(p["alias_prob"][i]) else int(p["alias_idx"][i])


def train_batch_sub(p, rng, sent, J, W_in, W_ns, W_hs, alpha, loss):
    """The engine's batched update of a subword model (csrc/w2v_subword_build.h):
    a word's input is the mean of its rows, whose gradient each of them gets in full."""
    dim = W_in.shape[1]
    if p["sg"]:
        win = []
        for j in J:
            reduced = p["window"] - bounded(rng.next(), p["window"])
            win.append((max(0, j - reduced), min(len(sent) - 1, j + reduced)))
        ctxs = [[q for q in range(lo, hi + 1) if q != j] for (lo, hi), j in zip(win, J)]
        C = sum(len(c) for c in ctxs)
        if C == 0:
            return
        loss[1] += C
        rows, labels, rules = [], [], []
        if p["hs"]:  # one centre: every context's path
            for q in ctxs[0]:
                w = sent[q]
                for c in range(p["code_offsets"][w], p["code_offsets"][w + 1]):
                    rows.append((W_hs, int(p["points"][c])))
                    labels.append(1.0 - float(p["codes"][c]))
                    rules.append("hs")
        npos = len(rows)
        negs, col = [], {}
        if p["negative"] > 0:
            for q in sorted(set(q for c in ctxs for q in c)):
                col[q] = len(rows)
                rows.append((W_ns, sent[q]))
                labels.append(1.0)
                rules.append("ns")
            D = p["negative"] * -(-C // len(J))  # negative * ceil(mean contexts)
            negs = [_draw(p, rng, W_ns.shape[0]) for _ in range(D)]
            for t in negs:
                rows.append((W_ns, t))
                labels.append(0.0)
                rules.append("ns")
            scale = np.float32(p["negative"]) / np.float32(D)
        coef = np.zeros((len(J), len(rows)), dtype=np.float32)
        for b, ctx in enumerate(ctxs):
            coef[b, :npos] = 1
            for q in ctx if p["negative"] > 0 else ():
                coef[b, col[q]] = 1
            for d, t in enumerate(negs):
                coef[b, len(rows) - len(negs) + d] = \
                    np.float32(sum(sent[q] != t for q in ctx)) * scale
        In = np.zeros((len(J), dim), dtype=np.float32)
        for b, j in enumerate(J):
            R = _sub_rows(p, sent[j])
            for r in R:
                In[b] += W_in[r]
            In[b] *= np.float32(1.0) / np.float32(len(R))
        dIn, dOut = block_update(In, rows, np.array(labels, dtype=np.float32), rules, coef,
                                 alpha, loss)
        for (M, r), d in zip(rows, dOut):
            M[r] += d
        for b, j in enumerate(J):
            for r in _sub_rows(p, sent[j]):
                W_in[r] += dIn[b]
        return
    # CBOW: negative * min(nb, 2) negatives shared by the block, each weighted negative / D
    negs = [_draw(p, rng, W_ns.shape[0]) for _ in range(p["negative"] * min(len(J), 2))]
    scale = np.float32(p["negative"]) / np.float32(max(len(negs), 1))
    win, rows, labels, rules, npos = block_columns(p, rng, sent, J, negs, W_ns, W_hs)
    m, nb = len(rows), len(J)
    In = np.zeros((nb, dim), dtype=np.float32)
    coef = np.zeros((nb, m), dtype=np.float32)
    ctxs = []
    for b, (lo, hi) in enumerate(win):
        ctx = [q for q in range(lo, hi + 1) if q != J[b]]
        ctxs.append(ctx)
        if not ctx:
            continue
        n_rows = 0
        for q in ctx:  # fastText's bag: every row of every context word (summed by word)
            s = np.zeros(dim, dtype=np.float32)
            for r in _sub_rows(p, sent[q]):
                s += W_in[r]
                n_rows += 1
            In[b] += s
        if p["cbow_mean"]:
            In[b] *= np.float32(1.0) / np.float32(n_rows)
        loss[1] += 1
        coef[b, :npos] = 1
        if p["negative"] > 0:
            coef[b, npos + b] = 1
            for d, t in enumerate(negs):
                coef[b, npos + nb + d] = scale if t != sent[J[b]] else 0
    if not any(ctxs):
        return
    dIn, dOut = block_update(In, rows, np.array(labels, dtype=np.float32), rules, coef, alpha,
                             loss)
    for (M, r), d in zip(rows, dOut):
        M[r] += d
    # each position's gradient, the sum of its windows' in order, to each of its rows
    for q in sorted(set(q for ctx in ctxs for q in ctx)):
        g = np.zeros(dim, dtype=np.float32)
        for b, ctx in enumerate(ctxs):
            if q in ctx:
                g += dIn[b]
        for r in _sub_rows(p, sent[q]):
            W_in[r] += g


def train_reference(ids, offsets, p, W_in, W_ns, W_hs, stats=None):
    """Train in place.  ``p`` holds the parameters and tables (see the tests).

    Returns the raw words per epoch; if ``stats`` is a dict, also fills
    ``stats["loss"]`` and ``stats["pairs"]`` per epoch.
    """
    n = len(ids)
    chunk = p["chunk_tokens"]
    per_epoch = (n + chunk - 1) // chunk
    total = n * p["epochs"]
    sk = seed_key(p["seed"])
    dim = W_in.shape[1]
    done = 0
    raw_per_epoch = []
    loss_per_epoch, pairs_per_epoch = [], []
    sub = p.get("sub_offsets") is not None
    bmax = 0 if not p.get("batch") else (1 if p["hs"] else p["batch"])
    batch_fn = train_batch_sub if sub else train_batch_dbow if p.get("doc_mode") == 1 \
        else train_batch
    for epoch in range(p["epochs"]):
        skey = mix64(sk ^ ((0x3C6EF372FE94F82B + epoch * GOLDEN) & MASK))
        raw = 0
        loss = [0.0, 0]  # loss, training examples (pairs)
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
            pending = []
            for s in range(len(offsets) - 1):
                s0, s1 = offsets[s], offsets[s + 1]
                a, b = max(s0, start), min(s1, end)
                if a >= b:
                    continue
                p["doc"] = s
                kept = kept_sent[s]
                where = {q: j for j, q in enumerate(kept)}
                sent = [ids[q] for q in kept]
                for pos in range(a, b):
                    blk = (pos - start) // LR_BLOCK
                    if blk != block:
                        if pending:
                            batch_fn(p, rng, sent, pending, W_in, W_ns, W_hs, alpha, loss)
                            pending = []
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
                    if bmax:
                        pending.append(j)
                        if len(pending) == bmax:
                            batch_fn(p, rng, sent, pending, W_in, W_ns, W_hs, alpha, loss)
                            pending = []
                        continue
                    reduced = p["window"] - bounded(rng.next(), p["window"])
                    lo, hi = max(0, j - reduced), min(len(sent) - 1, j + reduced)
                    ctx = [q for q in range(lo, hi + 1) if q != j]
                    if p["sg"]:
                        for q in ctx:
                            l1 = W_in[sent[q]]
                            neu1e = np.zeros(dim, dtype=np.float32)
                            output_updates(p, rng, l1, word, alpha, neu1e, W_ns, W_hs, loss)
                            if not _locked(p, sent[q]):
                                l1 += neu1e
                            loss[1] += 1
                    else:
                        if not ctx:
                            continue
                        neu1 = np.zeros(dim, dtype=np.float32)
                        for q in ctx:
                            neu1 += W_in[sent[q]]
                        if p["cbow_mean"]:
                            neu1 *= np.float32(1.0) / np.float32(len(ctx))
                        neu1e = np.zeros(dim, dtype=np.float32)
                        output_updates(p, rng, neu1, word, alpha, neu1e, W_ns, W_hs, loss)
                        loss[1] += 1
                        for q in ctx:
                            if not _locked(p, sent[q]):
                                W_in[sent[q]] += neu1e
                if pending:
                    batch_fn(p, rng, sent, pending, W_in, W_ns, W_hs, alpha, loss)
                    pending = []
            done += (end - start) - flushed
            raw += end - start
        raw_per_epoch.append(raw)
        loss_per_epoch.append(loss[0])
        pairs_per_epoch.append(loss[1])
    if stats is not None:
        stats["loss"], stats["pairs"] = loss_per_epoch, pairs_per_epoch
    return raw_per_epoch
