# Cython declarations of w2v_worker.h (the engine's shared counters and worker loop).
from libc.stdint cimport int32_t, int64_t

from w2v_params cimport w2v_params


cdef extern from "w2v_worker.h" nogil:
    enum: W2V_OK, W2V_ENOMEM, W2V_EDIVERGED

    ctypedef struct w2v_shared:
        int64_t next_task
        int64_t words_done
        int32_t stop
        int32_t error
        float last_alpha

    int w2v_worker(const w2v_params *p, w2v_shared *shared, int64_t *epoch_raw,
                   int64_t *epoch_kept, double *epoch_loss, int64_t *epoch_pairs)
    int64_t w2v_chunks_per_epoch(const w2v_params *p)
