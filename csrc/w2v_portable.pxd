# Cython declarations of w2v_portable.h (which C the build may use).

cdef extern from "w2v_portable.h":
    # 1 in the portable build (MSVC, or WORD2VEC_FAST_PORTABLE=1): plain-C kernels only
    enum: W2V_PORTABLE
