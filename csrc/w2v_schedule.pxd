# Cython declarations of w2v_schedule.h (the learning-rate schedule).
from libc.stdint cimport int64_t


cdef extern from "w2v_schedule.h" nogil:
    enum: W2V_LR_BLOCK

    float w2v_learning_rate(int64_t words_done, int64_t total_words, float alpha0,
                            float alpha_end, float alpha_floor)
