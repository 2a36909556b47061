"""Build the C engine (csrc/) and its Cython glue.

Flags are portable by default (-O3, no -march=native) so a wheel runs on any
x86-64 or arm64 machine.  Set WORD2VEC_FAST_NATIVE=1 to add -march=native for
a build that only has to run on the machine that compiles it.

WORD2VEC_FAST_PORTABLE=1 compiles, with GCC or Clang, exactly the C that MSVC
gets (csrc/w2v_portable.h): plain-C kernels, C11 atomics, no builtins; .ci/portable
tests that build.  WORD2VEC_FAST_CFLAGS adds compiler flags (e.g. sanitizers).
"""
import glob
import os
import sys

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup


def flag(name):
    """An on/off environment switch: unset, empty or 0 is off."""
    return os.environ.get(name, "") not in ("", "0")


extra_compile_args = []
define_macros = [("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")]
if flag("WORD2VEC_FAST_PORTABLE"):
    define_macros.append(("W2V_PORTABLE", "1"))
if sys.platform != "win32":
    # -fno-math-errno: no C here reads errno after sqrt/log, and without it GCC will
    # not vectorise a loop with sqrtf (the GloVe update).
    extra_compile_args = ["-O3", "-fno-strict-aliasing", "-fno-math-errno", "-Wno-psabi"]
    if flag("WORD2VEC_FAST_NATIVE"):
        extra_compile_args.append("-march=native")
    extra = os.environ.get("WORD2VEC_FAST_CFLAGS")
    if extra:
        extra_compile_args += extra.split()

# The training engine, one job per file: the worker loop (tasks, subsampling, schedule),
# the classic per-pair kernels, the batched block builder, the vocabulary tables, the
# subword rows, the cluster trainer's merge of the workers' deltas, the SIMD dispatcher
# and the batched kernels' builds: baseline, then AVX2 and AVX-512, each file with its
# own target pragma (empty off x86-64); the CPU picks at run time.
csrc = ["csrc/w2v_worker.c", "csrc/w2v_pair.c", "csrc/w2v_block_build.c", "csrc/w2v_tables.c",
        "csrc/w2v_subword.c", "csrc/w2v_subword_build.c", "csrc/w2v_doc.c", "csrc/w2v_merge.c",
        "csrc/w2v_simd_dispatch.c", "csrc/w2v_block_kernel_base.c",
        "csrc/w2v_block_kernel_x86v3.c", "csrc/w2v_block_kernel_x86v4.c"]


def extension(name, sources):
    return Extension(
        name,
        sources=sources,
        include_dirs=["csrc", np.get_include()],
        depends=sorted(glob.glob("csrc/*.h")),  # a header change rebuilds
        define_macros=define_macros,
        extra_compile_args=extra_compile_args,
        extra_link_args=[a for a in extra_compile_args if a.startswith("-fsanitize")],
    )


ext = extension("word2vec_fast._kernels", ["word2vec_fast/_kernels.pyx"] + csrc)

# The vector-file parser/formatter: a separate extension so that format work never
# rebuilds the training engine (and vice versa).
vecio = extension("word2vec_fast._vecio", ["word2vec_fast/_vecio.pyx", "csrc/w2v_vecio.c"])

# The corpus tokenizer/counter: separate too, so corpus work never rebuilds the engine.
scan = extension("word2vec_fast._scan", ["word2vec_fast/_scan.pyx", "csrc/w2v_scan.c"])

# Phrase counting and rewriting, on the scanner's tokenizer and table.
phrases = extension("word2vec_fast._phrases",
                    ["word2vec_fast/_phrases.pyx", "csrc/w2v_phrases.c", "csrc/w2v_held.c",
                     "csrc/w2v_scan.c"])

# GloVe: co-occurrence counting and its AdaGrad update (baseline build in w2v_glove.c,
# AVX2 and AVX-512 builds beside it, chosen at run time like the batched kernels).
glove = extension("word2vec_fast._glove",
                  ["word2vec_fast/_glove.pyx", "csrc/w2v_glove.c",
                   "csrc/w2v_glove_kernel_x86v3.c", "csrc/w2v_glove_kernel_x86v4.c"])

# Sentence embeddings (SIF, uSIF, means) from word vectors: a weighted sum per sentence.
sentences = extension("word2vec_fast._sentences",
                      ["word2vec_fast/_sentences.pyx", "csrc/w2v_sentences.c"])

# csrc/w2v_*.pxd declare the C headers for Cython (``from w2v_rng cimport ...``).
setup(ext_modules=cythonize([ext, vecio, scan, phrases, glove, sentences],
                            include_path=["csrc"], compiler_directives={"language_level": "3"}))
