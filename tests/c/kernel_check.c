/*
 * kernel_check.c -- the kernels' check without Python: reads the cases of
 * kernel_golden.txt (inputs and the NumPy reference's outputs, written by
 * make_golden.py) and compares what this build computes with them.  .ci/arm64
 * cross-compiles it for aarch64 and runs it under qemu; it builds natively too.
 *
 *   kernel_check GOLDEN_FILE [BUILD]      BUILD: a w2v_block_select name to force
 *
 * Prints the kernel build that ran and one line per failed comparison; exit
 * status 0 when every case matches, 1 on a mismatch, 2 on a bad file.
 * Tolerances are tests/test_block.py's.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "w2v_block.h"
#include "w2v_loss.h"
#include "w2v_rng.h"
#include "w2v_schedule.h"

static FILE *in_file;
static int failures, line_case;

static void bad_file(const char *what)
{
    fprintf(stderr, "kernel_check: case %d: %s\n", line_case, what);
    exit(2);
}

static void word(char *buf, size_t cap)
{
    if (fscanf(in_file, "%63s", buf) != 1 || strlen(buf) >= cap)
        bad_file("unexpected end of file");
}

static double number(void)
{
    char buf[64], *end;
    double x;
    word(buf, sizeof(buf));
    errno = 0;
    x = strtod(buf, &end);
    if (*end || errno == EINVAL)
        bad_file("not a number");
    return x;
}

static unsigned long long unsigned_number(void)
{
    char buf[64], *end;
    unsigned long long x;
    word(buf, sizeof(buf));
    x = strtoull(buf, &end, 10);
    if (*end)
        bad_file("not an integer");
    return x;
}

/* n floats (float32 values read exactly), then `pad` NaNs the kernels must ignore */
static float *floats(size_t n, size_t pad)
{
    float *a = malloc((n + pad + 1) * sizeof(float));
    size_t i;
    if (!a)
        bad_file("out of memory");
    for (i = 0; i < n; i++)
        a[i] = (float)number();
    for (; i < n + pad; i++)
        a[i] = NAN;
    return a;
}

static void close_to(const char *what, size_t i, double got, double want, double rtol,
                     double atol)
{
    if (!(fabs(got - want) <= atol + rtol * fabs(want))) {
        if (failures++ < 20)
            printf("case %d: %s[%zu] = %.9g, reference %.9g\n", line_case, what, i, got, want);
    }
}

static void all_close(const char *what, const float *got, const float *want, size_t n,
                      double rtol, double atol)
{
    size_t i;
    for (i = 0; i < n; i++)
        close_to(what, i, got[i], want[i], rtol, atol);
}

static void block_case(void)
{
    int k = (int)number(), m = (int)number(), dim = (int)number(), nhs = (int)number();
    int n_rows = (int)number(), a, b, i;
    float alpha = (float)number();
    float *In = floats((size_t)k * dim, 0), *Out = floats((size_t)n_rows * dim, 0);
    const float **in_rows = malloc(sizeof(float *) * (size_t)k);
    float **out_rows = malloc(sizeof(float *) * (size_t)m);
    float *label, *coef, *want_out, *want_g, *want_din, *g, *din, *work;
    double want_loss;
    w2v_loss_buf loss;
    if (!in_rows || !out_rows)
        bad_file("out of memory");
    for (a = 0; a < k; a++)
        in_rows[a] = In + (size_t)a * dim;
    for (b = 0; b < m; b++) {
        int r = (int)number();
        if (r < 0 || r >= n_rows)
            bad_file("row index out of range");
        out_rows[b] = Out + (size_t)r * dim;
    }
    label = floats((size_t)m, W2V_BLOCK_PAD);
    coef = floats((size_t)k * m, W2V_BLOCK_PAD);
    want_out = floats((size_t)n_rows * dim, 0);
    want_g = floats((size_t)k * m, 0);
    want_din = floats((size_t)k * dim, 0);
    want_loss = number();
    g = floats(0, (size_t)k * m + W2V_BLOCK_PAD);
    din = floats(0, (size_t)k * dim);
    work = floats(0, 2 * ((size_t)m + W2V_BLOCK_PAD));
    memset(&loss, 0, sizeof(loss));
    w2v_block_step(dim, k, in_rows, m, out_rows, label, nhs, coef, alpha, g, din, work, &loss);
    all_close("g", g, want_g, (size_t)k * m, 1e-5, 1e-7);
    all_close("din", din, want_din, (size_t)k * dim, 1e-5, 1e-6);
    all_close("out", Out, want_out, (size_t)n_rows * dim, 1e-5, 1e-6);
    close_to("loss", 0, loss.sum, want_loss, 1e-6, 1e-12);
    for (i = k * m; i < k * m + W2V_BLOCK_PAD; i++)
        if (!isnan(g[i]) && failures++ < 20)
            printf("case %d: the padding past g changed\n", line_case);
    free(In), free(Out), free(in_rows), free(out_rows), free(label), free(coef);
    free(want_out), free(want_g), free(want_din), free(g), free(din), free(work);
}

static void softplus_case(void)
{
    size_t n = (size_t)number();
    float *z = floats(n, W2V_LOSS_PAD), *w = floats(n, W2V_LOSS_PAD);
    double want = number();
    close_to("softplus_sum", n, w2v_softplus_sum(z, w, (int64_t)n), want, 1e-6, 1e-12);
    free(z), free(w);
}

static void rng_case(void)
{
    uint64_t x = unsigned_number(), n = unsigned_number();
    uint64_t mix = unsigned_number(), key = unsigned_number(), bounded = unsigned_number();
    if (w2v_mix64(x) != mix || w2v_seed_key(x) != key ||
        w2v_bounded(w2v_mix64(x), (uint32_t)n) != bounded) {
        if (failures++ < 20)
            printf("case %d: random numbers of %llu differ\n", line_case,
                   (unsigned long long)x);
    }
}

static void lr_case(void)
{
    int64_t done = (int64_t)unsigned_number(), total = (int64_t)unsigned_number();
    float a0 = (float)number(), a1 = (float)number(), floor_ = (float)number();
    float want = (float)number(), got = w2v_learning_rate(done, total, a0, a1, floor_);
    if (got != want && failures++ < 20) /* bit for bit, as tests/test_schedule holds it */
        printf("case %d: learning rate %.9g, reference %.9g\n", line_case, got, want);
}

int main(int argc, char **argv)
{
    char kind[64];
    int cases = 0;
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: kernel_check GOLDEN_FILE [BUILD]\n");
        return 2;
    }
    if (argc == 3 && w2v_block_select(argv[2]) != 0) {
        fprintf(stderr, "kernel_check: this CPU cannot run the %s build\n", argv[2]);
        return 2;
    }
    in_file = fopen(argv[1], "r");
    if (!in_file) {
        perror(argv[1]);
        return 2;
    }
    {
        int c;
        if (fgetc(in_file) != '#')
            bad_file("no header line");
        while ((c = fgetc(in_file)) != EOF && c != '\n')
            ;
    }
    printf("kernel_check: batched kernels: %s\n", w2v_block_isa());
    for (;;) {
        line_case = ++cases;
        word(kind, sizeof(kind));
        if (!strcmp(kind, "end"))
            break;
        if (!strcmp(kind, "block"))
            block_case();
        else if (!strcmp(kind, "softplus"))
            softplus_case();
        else if (!strcmp(kind, "rng"))
            rng_case();
        else if (!strcmp(kind, "lr"))
            lr_case();
        else
            bad_file("unknown case kind");
    }
    fclose(in_file);
    printf("kernel_check: %d cases, %d mismatches\n", cases - 1, failures);
    return failures ? 1 : 0;
}
