"""Which build of the batched kernels runs, and that the answers about it are true.

The wheel carries several builds (baseline, and on x86-64 Linux AVX2 and AVX-512)
and picks one for the CPU at the first call; the portable build (MSVC's, or
WORD2VEC_FAST_PORTABLE=1) carries plain C only.  That each build computes what the
NumPy reference does is tests/test_block.py's and test_engine.py's job (every build
this CPU runs, through the ``simd_build`` fixture).  ``simd_isa()`` and
``word2vec-fast --version`` must name the build that really runs, including after a
forced choice, and the default choice must be the best build this CPU runs.
"""
import platform
import subprocess
import sys

import pytest

import word2vec_fast as w2v
from word2vec_fast import _kernels
from word2vec_fast.cli import main

X86 = platform.machine().lower() in ("x86_64", "amd64")

# what /proc/cpuinfo must list for each x86-64 build (the levels' defining features)
LEVEL_FLAGS = {
    "x86-64-v3": {"avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "movbe", "xsave"},
    "x86-64-v4": {"avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"},
}


def cpu_flags():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    return set()


def expected_default():
    """The build the dispatcher must pick on this machine, from the CPU's own flags."""
    if _kernels.PORTABLE or not (X86 and sys.platform.startswith("linux")):
        return "baseline"
    flags = cpu_flags()
    if LEVEL_FLAGS["x86-64-v3"] <= flags and LEVEL_FLAGS["x86-64-v4"] <= flags:
        return "x86-64-v4"
    return "x86-64-v3" if LEVEL_FLAGS["x86-64-v3"] <= flags else "baseline"


def baseline_name():
    if _kernels.PORTABLE:
        return "plain C (portable)"
    if X86:
        return "x86-64 (sse2)"
    return "neon" if platform.machine().lower() in ("aarch64", "arm64") else "generic"


def test_fresh_process_picks_the_best_build_this_cpu_runs():
    code = "from word2vec_fast import _kernels as k; print(k.simd_build()); print(k.simd_isa())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=120).stdout.split("\n")
    assert out[0] == expected_default()
    assert out[1].startswith(out[0] + " ") or (out[0] == "baseline" and out[1] == baseline_name())


def test_forced_baseline_is_what_runs_and_what_version_says(capsys):
    default = _kernels.simd_build()
    try:
        assert _kernels.select_simd("baseline")
        assert _kernels.simd_build() == "baseline"
        assert _kernels.simd_isa() == baseline_name() == w2v.simd()
        assert main(["--version"]) == 0
        out = capsys.readouterr().out
        assert out == f"word2vec-fast {w2v.__version__}\nbatched kernels: {baseline_name()}\n"
    finally:
        assert _kernels.select_simd(default)


def test_portable_build_has_only_the_plain_c_kernels():
    if not _kernels.PORTABLE:
        pytest.skip("not the portable build (WORD2VEC_FAST_PORTABLE=1, .ci/portable)")
    assert not _kernels.select_simd("x86-64-v3")
    assert not _kernels.select_simd("x86-64-v4")
    assert _kernels.simd_build() == "baseline"
    assert _kernels.simd_isa() == "plain C (portable)" == w2v.simd()


def test_unknown_build_is_a_value_error():
    with pytest.raises(ValueError, match="unknown SIMD build 'avx9'"):
        _kernels.select_simd("avx9")
