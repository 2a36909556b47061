"""Write tests/c/kernel_golden.txt: inputs and the NumPy reference's outputs for
tests/c/kernel_check.c, the C-only check of the kernels that .ci/arm64 runs on
arm64 under qemu (no Python there).

    cd tests && python c/make_golden.py        # rewrites c/kernel_golden.txt

Cases: batched blocks (w2v_block_step: every 4-lane tail, HS / NS / mixed columns,
multiplicities, rows drawn twice, scores past the +-6 clamp), the loss
(w2v_softplus_sum), the random numbers (w2v_rng.h) and the learning rate
(w2v_schedule.h).  float32 values are written in their shortest exact decimal, the
float64 ones (the losses) as hexadecimal floats, so every input is exact; the reference
is tests/reference.py, through tests/test_block.py's ``reference_step``.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import reference as ref  # noqa: E402
from test_block import ALPHA, block_labels_coef, dyadic_block, reference_step  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kernel_golden.txt")
# the 4-lane loops' tails (NEON and SSE2 builds) and the wider builds' panels
DIMS = [1, 3, 4, 5, 7, 8, 9, 12, 17, 33, 64]


def floats(a):
    """float32 values, each in the shortest decimal that reads back (strtof) as itself."""
    return " ".join(str(x) for x in np.asarray(a, np.float32).ravel())


def block_cases(rng):
    for i, dim in enumerate(DIMS):
        for m in ((1, 2, 5, 9, 18) if dim < 33 else (3, 7)):
            k = 1 + (m + dim + i) % 6
            nhs = [0, m, int(rng.integers(0, m + 1))][(m + i) % 3]
            n_rows = m if m % 3 else max(1, m - 3)  # some rows drawn twice
            In, Out = dyadic_block(rng, k, m, dim, n_rows)
            out_index = np.arange(m) % n_rows if m % 2 else rng.integers(0, n_rows, m)
            label, coef = block_labels_coef(rng, k, m)
            new_in, new_out, g, din, loss = reference_step(In, Out, out_index, label, nhs, coef)
            yield (f"block {k} {m} {dim} {nhs} {n_rows} {ALPHA}",
                   floats(In), floats(Out), " ".join(map(str, out_index)), floats(label),
                   floats(coef), floats(new_out), floats(g), floats(din), float(loss).hex())


def softplus_cases(rng):
    for n in (1, 3, 4, 5, 16, 17, 100):
        z = rng.uniform(-30, 30, n).astype(np.float32)
        z[: n // 3] = rng.uniform(-2, 2, n // 3)  # near 0, where the polynomial works hardest
        w = rng.choice(np.float32([0, 1, 1, 2, 3]), n)
        want = float(np.sum(w.astype(np.float64) * np.logaddexp(0.0, z.astype(np.float64))))
        yield f"softplus {n}", floats(z), floats(w), want.hex()


def rng_cases(rng):
    for x in rng.integers(0, 2**63, 12, dtype=np.uint64):
        x = int(x) * 2 + 1
        n = int(x % 1000) + 1
        yield (f"rng {x} {n}", str(ref.mix64(x)), str(ref.seed_key(x)),
               str(ref.bounded(ref.mix64(x), n)))


def lr_cases():
    for done, total, a0, a1, floor in [(0, 1000, 0.025, 0.0, 1e-4 * 0.025),
                                       (500, 1000, 0.025, 0.0, 1e-4 * 0.025),
                                       (999, 1000, 0.025, 0.0001, 2.5e-6),
                                       (10**9 + 7, 3 * 10**9, 0.05, 0.0, 5e-6),
                                       (5000, 1000, 0.025, 0.0, 2.5e-6)]:
        want = ref.alpha_at(done, total, a0, a1, floor)
        yield (f"lr {done} {total} {floats([a0, a1, floor])}", floats([want]))


def main():
    rng = np.random.default_rng(20)
    lines = ["# made by tests/c/make_golden.py from tests/reference.py: do not edit"]
    for case in (*block_cases(rng), *softplus_cases(rng), *rng_cases(rng), *lr_cases()):
        lines.extend(case)
    lines.append("end")
    tmp = OUT + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, OUT)
    print(f"{OUT}: {sum(1 for x in lines if x.split(' ')[0] in ('block', 'softplus', 'rng', 'lr'))}"
          " cases")


if __name__ == "__main__":
    main()
