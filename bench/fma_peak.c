/*
 * fma_peak.c -- the machine's float32 multiply-add peak, for bench/roofline.py.
 *
 *   cc -O2 -pthread [-mavx512f | -mavx2 -mfma] fma_peak.c -o fma_peak
 *   ./fma_peak THREADS SECONDS
 *
 * Each thread runs ACC independent chains of vector fused multiply-adds
 * (acc = acc * x + y, one register each: enough chains to cover the FMA
 * latency on every x86-64 and arm64 core) for about SECONDS, and the program
 * prints one JSON line: the threads, the vector width in floats, and the
 * GFLOP/s of all the threads together (2 flops per lane per multiply-add).
 * Run with 1 thread, then with 2: if two threads give twice one thread's
 * figure, the two CPUs are two cores; if about the same, one core's two
 * hardware threads sharing its FMA units.
 *
 * A benchmark tool, not part of the package: built by roofline.py with the
 * compiler at hand, for the widest vectors the CPU runs.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(__AVX512F__)
#define VBYTES 64
#elif defined(__AVX__)
#define VBYTES 32
#else
#define VBYTES 16
#endif
#define LANES (VBYTES / 4)
#define ACC 12 /* independent chains (STEP12): FMA latency 4 x 2 units + slack */
#define INNER 4096

typedef float vf __attribute__((vector_size(VBYTES)));

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct {
    double seconds;
    int64_t iters;
    float sink;
} job;

#define STEP(a) a = a * x + y
#define STEP12 \
    STEP(a0); STEP(a1); STEP(a2); STEP(a3); STEP(a4); STEP(a5); \
    STEP(a6); STEP(a7); STEP(a8); STEP(a9); STEP(a10); STEP(a11)

static void *run(void *arg)
{
    job *j = (job *)arg;
    /* named accumulators, not an array: compilers keep them in registers */
    vf a0 = (vf){0} + 0.001f, a1 = a0 + 0.001f, a2 = a1 + 0.001f, a3 = a2 + 0.001f,
       a4 = a3 + 0.001f, a5 = a4 + 0.001f, a6 = a5 + 0.001f, a7 = a6 + 0.001f,
       a8 = a7 + 0.001f, a9 = a8 + 0.001f, a10 = a9 + 0.001f, a11 = a10 + 0.001f;
    const vf x = (vf){0} + 0.999999f, y = (vf){0} + 1e-7f;
    int i, k;
    double t0 = now();
    int64_t n = 0;
    do {
        for (i = 0; i < INNER; i++) {
            STEP12;
        }
        n += INNER;
    } while (now() - t0 < j->seconds);
    j->iters = n;
    a0 += a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11;
    for (k = 0; k < LANES; k++)
        j->sink += a0[k];
    return NULL;
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 1, t;
    double seconds = argc > 2 ? atof(argv[2]) : 1.0, t0, wall, flops = 0.0, sink = 0.0;
    pthread_t *th;
    job *jobs;
    if (threads < 1 || threads > 1024 || !(seconds > 0.0)) {
        fprintf(stderr, "usage: fma_peak THREADS SECONDS\n");
        return 2;
    }
    th = calloc((size_t)threads, sizeof(*th));
    jobs = calloc((size_t)threads, sizeof(*jobs));
    if (!th || !jobs)
        return 1;
    t0 = now();
    for (t = 0; t < threads; t++) {
        jobs[t].seconds = seconds;
        if (pthread_create(&th[t], NULL, run, &jobs[t]))
            return 1;
    }
    for (t = 0; t < threads; t++)
        pthread_join(th[t], NULL);
    wall = now() - t0;
    for (t = 0; t < threads; t++) {
        flops += (double)jobs[t].iters * ACC * LANES * 2.0;
        sink += jobs[t].sink;
    }
    printf("{\"threads\": %d, \"lanes\": %d, \"seconds\": %.3f, \"gflops\": %.2f, "
           "\"sink\": %g}\n",
           threads, LANES, wall, flops / wall * 1e-9, sink);
    free(th);
    free(jobs);
    return 0;
}
