"""The batched kernels ``w2v_block_step`` and ``w2v_block_grad`` (csrc/w2v_block.h)
alone, against the NumPy reference's ``block_update``: every SIMD tail, HS / NS / mixed
blocks, multiplicities, the clamping rules at exactly +-6, a row drawn twice, and NaN
handling.

Most inputs are dyadic with few bits, so that every score is exact in float32 in any
summation order: the C kernel and NumPy then see the same scores, the rules at +-6
are compared exactly, and only the sigmoid, the loss and the final sums round."""
import numpy as np
import pytest

from word2vec_fast import _kernels

import reference as ref

ALPHA = np.float32(0.025)
ULP6 = 2.0 ** -21  # float32's spacing at 6
# 16-lane and 2 x 16-lane panels, the 4-lane loop and the scalar tail, each with remainders
DIMS = [1, 3, 4, 5, 15, 16, 17, 31, 32, 33, 64, 100, 300]


def reference_step(In, Out, out_index, label, nhs, coef, alpha=ALPHA):
    """(new In, new Out, G, dIn, loss) by the reference: dOut is added column by
    column, so a row listed twice gets both updates."""
    m = len(out_index)
    rules = ["hs"] * nhs + ["ns"] * (m - nhs)
    loss = [0.0, 0]
    rows = [(Out, int(r)) for r in out_index]
    dIn, dOut = ref.block_update(In, rows, label, rules, coef, alpha, loss)
    Out_rows = Out[np.asarray(out_index)]
    G = ref.block_gradients(In @ Out_rows.T, label, rules, coef, alpha, [0.0, 0])
    new_out = Out.copy()
    for r, d in zip(out_index, dOut):
        new_out[r] += d
    return In + dIn, new_out, G, dIn, loss[0]


def check_step(In, Out, label, nhs, coef, out_index=None, g_atol=1e-7):
    if out_index is None:
        out_index = np.arange(len(Out))
    got = _kernels.block_step(In, Out, label, nhs, coef, ALPHA, out_index=out_index)
    new_in, new_out, g, din, loss = got
    want_in, want_out, want_g, want_din, want_loss = reference_step(In, Out, out_index, label,
                                                                    nhs, coef)
    # the NaN padding past label, coef and g never leaks; every din element is written
    for a in (new_in, new_out, g, din):
        assert np.all(np.isfinite(a))
    np.testing.assert_allclose(g, want_g, rtol=1e-5, atol=g_atol)
    np.testing.assert_allclose(din, want_din, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(new_in, want_in, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(new_out, want_out, rtol=1e-5, atol=1e-6)
    assert loss == pytest.approx(want_loss, rel=1e-6, abs=1e-12)
    # w2v_block_grad (inference's entry): the same g, dIn and loss bit for bit, the
    # output rows only read
    g_in, g_out, g_g, g_din, g_loss = _kernels.block_step(In, Out, label, nhs, coef, ALPHA,
                                                          out_index=out_index,
                                                          update_out=False)
    assert np.array_equal(g_out, Out)
    assert np.array_equal(g_g, g) and np.array_equal(g_din, din)
    assert np.array_equal(g_in, new_in) and g_loss == loss
    return got


def dyadic_block(rng, k, m, dim, n_rows=None):
    """In (k, dim), Out (n_rows, dim) of small dyadic numbers: all products and partial
    sums are exact.  Row scales spread the scores over about [-10, 10], a few far
    beyond (+-1e3)."""
    n_rows = m if n_rows is None else n_rows
    Out = (rng.integers(-8, 9, (n_rows, dim)) / 16).astype(np.float32)
    base = int(np.round(np.log2(4.0 / (0.19 * np.sqrt(dim)))))
    shift = rng.choice([-2, -1, 0, 0, 0, 1, 2, 8], size=(k, 1))
    In = (rng.integers(-8, 9, (k, dim)) / 8 * 2.0 ** (base + shift)).astype(np.float32)
    return In, Out


def block_labels_coef(rng, k, m):
    label = rng.integers(0, 2, m).astype(np.float32)
    coef = rng.choice(np.float32([0, 1, 1, 1, 2, 3]), (k, m))
    return label, coef


@pytest.mark.parametrize("mode", ["hs", "ns", "mixed"])
@pytest.mark.parametrize("dim", DIMS)
def test_block_step_matches_reference(simd_build, dim, mode):
    rng = np.random.default_rng([dim, ["hs", "ns", "mixed"].index(mode)])
    seen = dict(clamped=0, inside=0, zero_coef=0)
    for m in range(1, 21):  # past 16: the gradient pass works 16 columns at a time
        k = 1 + (m + dim) % 9
        nhs = {"hs": m, "ns": 0, "mixed": int(rng.integers(0, m + 1))}[mode]
        if mode == "mixed" and m > 17 and m % 2:
            nhs = 17  # HS columns past the first 16 lanes
        # some blocks draw rows twice (a negative drawn twice), adjacent or not
        n_rows = m if m % 3 else max(1, m - 3)
        In, Out = dyadic_block(rng, k, m, dim, n_rows)
        out_index = np.arange(m) % n_rows if m % 2 else rng.integers(0, n_rows, m)
        label, coef = block_labels_coef(rng, k, m)
        check_step(In, Out, label, nhs, coef, out_index)
        S = In @ Out[out_index].T
        seen["clamped"] += int(np.sum((np.abs(S) >= 6) & (coef > 0)))
        seen["inside"] += int(np.sum((np.abs(S) < 6) & (coef > 0)))
        seen["zero_coef"] += int(np.sum(coef == 0))
    # the grid reaches both sides of the clamp
    assert min(seen.values()) > 10, seen


def exact_score_block(rng, dim, targets, k=5):
    """In (k, dim), Out (len(targets), dim) with In[0] . Out[b] == targets[b] exactly:
    Out[b] splits |targets[b]| into dim non-negative parts on its grid (2^-21 below 8,
    1/8 above), and In rows are -1/0/1 times 1/2, 1 or 2, so every partial sum of
    every score is exact."""
    Out = np.zeros((len(targets), dim), np.float32)
    for b, t in enumerate(targets):
        unit = 2.0 ** -21 if abs(t) < 8 else 0.125
        units = int(round(abs(t) / unit))
        assert units * unit == abs(t)
        cuts = np.sort(rng.integers(0, units + 1, dim - 1))
        parts = np.diff(np.concatenate([[0], cuts, [units]]))
        Out[b] = np.sign(t) * parts * unit
    assert np.all(Out.astype(np.float64).sum(axis=1) == targets)
    In = rng.integers(-1, 2, (k, dim)) * rng.choice([0.5, 1.0, 2.0], (k, 1))
    In[0] = 1.0
    return In.astype(np.float32), Out


TARGETS = np.array([6.0, -6.0, 6.0 - ULP6, 6.0 + ULP6, -6.0 + ULP6, -6.0 - ULP6, 1e3, -1e3,
                    5.5, -5.5, 0.0, ULP6, 7.75, -7.75, 3.0, -0.5, 6.0, -6.0])


@pytest.mark.parametrize("nhs", [0, 9, 17, 18])
@pytest.mark.parametrize("dim", DIMS)
def test_block_step_scores_at_the_clamp(simd_build, dim, nhs):
    rng = np.random.default_rng([dim, nhs])
    In, Out = exact_score_block(rng, dim, TARGETS)
    m = len(TARGETS)
    label = (np.arange(m) // 2 % 2).astype(np.float32)  # both labels on each side
    coef = rng.choice(np.float32([0, 1, 2, 3]), (len(In), m))
    coef[0] = np.where(np.arange(m) % 3 == 0, 2, 1)
    _, _, g, _, _ = check_step(In, Out, label, nhs, coef, g_atol=1e-8)
    # row 0 scores the targets exactly: word2vec.c's rules, independently of the reference
    hs, t, c = np.arange(m) < nhs, TARGETS, coef[0]
    assert np.all(g[0][hs & (np.abs(t) >= 6)] == 0)  # HS: no update at or beyond +-6
    assert np.all(g[0][hs & (np.abs(t) < 6)] != 0)
    above, below = ~hs & (t > 6), ~hs & (t < -6)  # NS: sigmoid clamped to 1 / 0
    assert np.all(g[0][above] == (label[above] - 1) * ALPHA * c[above])
    assert np.all(g[0][below] == label[below] * ALPHA * c[below])
    at = ~hs & (np.abs(t) == 6)  # NS at exactly +-6: the sigmoid itself, not clamped
    want = (label[at] - 1 / (1 + np.exp(-t[at]))) * ALPHA * c[at]
    np.testing.assert_allclose(g[0][at], want, rtol=1e-5, atol=ALPHA * 3 * 2.0 ** -23)
    assert np.all(np.abs(g[0][at]) != ALPHA * c[at]) and np.all(g[0][at] != 0)


@pytest.mark.parametrize("out", [3.0 - 2.0 ** -22, 3.0, 3.0 + 2.0 ** -22, 500.0])
def test_block_step_dim1_by_hand(out):
    # In 2 against Out +-3 scores +-6 exactly (or one float step beyond, or +-1e3):
    # columns 0, 1 are HS nodes, 2, 3 negative sampling; labels 1, 0, 1, 0
    In = np.float32([[2.0]])
    Out = np.float32([[out], [out], [-out], [-out]])
    label = np.float32([1, 0, 1, 0])
    coef = np.float32([[1, 2, 3, 1]])
    f = 2.0 * np.float64(np.float32(out)) * np.array([1, 1, -1, -1])
    g_want = (label - 0.5 * (1 + np.tanh(f / 2))) * ALPHA * coef[0]
    if abs(f[0]) >= 6:
        g_want[:2] = 0
    if abs(f[0]) > 6:
        g_want[2:] = (label[2:] - (f[2:] > 0)) * ALPHA * coef[0, 2:]
    loss_want = np.sum(coef[0] * np.logaddexp(0, np.where(label == 1, -f, f)))
    new_in, new_out, g, din, loss = _kernels.block_step(In, Out, label, 2, coef, ALPHA)
    # atol: 1 - sigmoid near 6 cancels, and the float32 sigmoid is within an ulp of 1
    np.testing.assert_allclose(g[0], g_want, rtol=1e-6, atol=ALPHA * 3 * 2.0 ** -23)
    din_want = g_want @ Out[:, 0].astype(np.float64)
    np.testing.assert_allclose(din[0], [din_want], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(new_in[0], In[0] + din_want, rtol=1e-6)
    np.testing.assert_allclose(new_out[:, 0], Out[:, 0] + g_want * 2.0, rtol=1e-6)
    assert loss == pytest.approx(loss_want, rel=1e-6)
    check_step(In, Out, label, 2, coef, g_atol=1e-8)


@pytest.mark.parametrize("dim", [5, 33, 100])
def test_block_step_row_drawn_twice_gets_both_updates(dim):
    rng = np.random.default_rng(dim)
    # adjacent repeats (1, 1 and 3, 3, 3), a repeat two apart (0 ... 0), and one across
    # the 16-column boundary (2 at columns 3 and 17)
    out_index = np.array([0, 1, 1, 2, 0, 3, 3, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 2, 13])
    m = len(out_index)
    In, Out = dyadic_block(rng, 4, m, dim, n_rows=14)
    label, coef = block_labels_coef(rng, 4, m)
    coef[:] = np.maximum(coef, 1)
    new_in, new_out, g, din, loss = check_step(In, Out, label, 6, coef, out_index)
    # each repeated column's own update is far above the tolerance: check_step would
    # see one missing
    for cols in ([1, 2], [0, 4], [5, 6, 7], [3, 17]):
        assert len(set(out_index[cols])) == 1
        for c in cols:
            assert np.abs(g[:, c] @ In).max() > 1e-3


def test_block_step_continuous_values():
    # plain random floats (not exact scores): rounding differs between the C sums and
    # NumPy's, so compare with the error bound of the scores
    rng = np.random.default_rng(11)
    for dim in DIMS:
        k, m = 1 + dim % 9, 1 + (3 * dim) % 20
        In = rng.standard_normal((k, dim)).astype(np.float32) * np.float32(3 / np.sqrt(dim))
        Out = rng.standard_normal((m, dim)).astype(np.float32)
        label, coef = block_labels_coef(rng, k, m)
        nhs = m // 2
        new_in, new_out, g, din, loss = _kernels.block_step(In, Out, label, nhs, coef, ALPHA)
        w_in, w_out, w_g, w_din, w_loss = reference_step(In, Out, np.arange(m), label, nhs, coef)
        S = np.abs(In.astype(np.float64)) @ np.abs(Out.astype(np.float64)).T
        score_err = 2 * dim * 2.0 ** -24 * S  # both sides' float32 dot products
        assert np.all(np.abs(np.abs(In @ Out.T) - 6) > 10 * score_err), "no score near the clamp"
        # sigmoid' <= 1/4
        g_err = ALPHA * coef * (score_err / 4 + 1e-6) + 1e-12
        np.testing.assert_array_less(np.abs(g - w_g), g_err)
        np.testing.assert_allclose(din, w_din, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(new_in, w_in, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(new_out, w_out, rtol=1e-5, atol=1e-6)
        # softplus is 1-Lipschitz
        assert abs(loss - w_loss) <= 1e-6 * w_loss + np.sum(coef * score_err)


def test_block_step_loss_is_optional():
    rng = np.random.default_rng(5)
    In, Out = dyadic_block(rng, 7, 19, 37)
    label, coef = block_labels_coef(rng, 7, 19)
    with_loss = _kernels.block_step(In, Out, label, 4, coef, ALPHA)
    without = _kernels.block_step(In, Out, label, 4, coef, ALPHA, compute_loss=False)
    assert without[4] is None and with_loss[4] > 0
    for a, b in zip(with_loss[:4], without[:4]):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("nhs", [0, 3, 20])
def test_block_step_nan_score(simd_build, nhs):
    # a NaN in input row 2 makes its scores NaN: the loss is NaN (the run diverged),
    # row 2's gradients are NaN except where coef is 0, and the other rows' stay exact
    rng = np.random.default_rng(nhs)
    k, m, dim = 5, 20, 33
    In, Out = dyadic_block(rng, k, m, dim)
    label, coef = block_labels_coef(rng, k, m)
    coef[2] = 1
    coef[2, 5] = 0
    bad = In.copy()
    bad[2, 7] = np.nan
    new_in, new_out, g, din, loss = _kernels.block_step(bad, Out, label, nhs, coef, ALPHA)
    assert np.isnan(loss)
    assert np.all(np.isnan(np.delete(g[2], 5))) and g[2, 5] == 0
    assert np.all(np.isnan(din[2]))
    rest = [0, 1, 3, 4]
    ok_in, ok_out, ok_g, ok_din, ok_loss = _kernels.block_step(In[rest], Out, label, nhs,
                                                               coef[rest], ALPHA)
    np.testing.assert_array_equal(g[rest], ok_g)
    np.testing.assert_array_equal(din[rest], ok_din)
    np.testing.assert_array_equal(new_in[rest], ok_in)
    # without a NaN the same block's loss is finite
    assert np.isfinite(_kernels.block_step(In, Out, label, nhs, coef, ALPHA)[4])


def test_block_step_works_on_copies_and_validates():
    rng = np.random.default_rng(0)
    In, Out = dyadic_block(rng, 2, 3, 4)
    label, coef = block_labels_coef(rng, 2, 3)
    saved = In.copy(), Out.copy()
    _kernels.block_step(In, Out, label, 1, np.ones_like(coef), ALPHA)
    np.testing.assert_array_equal(In, saved[0])
    np.testing.assert_array_equal(Out, saved[1])
    bad = [
        (dict(In=In.astype(np.float64)), "In must have dtype float32"),
        (dict(In=In[0]), "In must be 2-dimensional"),
        (dict(Out=Out[:, :3]), "Out must have rows of dim=4"),
        (dict(label=label[:2]), "label must have shape"),
        (dict(label=label + 2), "label must be 0 or 1"),
        (dict(coef=coef.T.copy()), "coef must have shape"),
        (dict(nhs=4), "nhs must be in"),
        (dict(nhs=-1), "nhs must be in"),
        (dict(out_index=[0, 3, 1]), "out_index must be in"),
        (dict(out_index=np.zeros(0, int)), "out_index must be a non-empty"),
        (dict(out_index=[0.0, 1.0, 2.0]), "integer"),
    ]
    for change, msg in bad:
        kw = dict(In=In, Out=Out, label=label, nhs=1, coef=coef, alpha=ALPHA)
        kw.update(change)
        with pytest.raises(ValueError, match=msg):
            _kernels.block_step(**kw)
