/*
 * fuzz_vecio_float.c -- libFuzzer harness for w2v_parse_float (csrc/w2v_vecio.h) and
 * the text formatter's numbers.
 *
 * The whole input is one token.  The promise: the token is read "as word2vec readers
 * do (decimal -> double, correctly rounded, -> float)", i.e. exactly as
 * (float)strtod() of the whole token in the C locale, and refused (-1) when strtod
 * would not consume it all.  One documented limit: a token that needs strtod and is
 * longer than its 511-byte scratch is refused.  Whatever parses is then formatted by
 * w2v_format_records (text) and must read back as the same float (NaN: its sign);
 * so must the first 4 input bytes taken as a float's bits.
 */
#include <math.h>

#include "fuzz_common.h"
#include "w2v_vecio.h"

#define SLOW_SCRATCH 511 /* parse_float_slow's tmp[512] */

static void format_and_back(float x) {
    static const char words[] = "w\n";
    const int64_t starts[2] = {0, 2};
    const int64_t cap = 2 + 1 + W2V_TEXT_NUMBER_MAX; /* "w" + one number + '\n' */
    char *out = (char *)fz_alloc((size_t)cap);
    int64_t next = -1;
    int64_t k = w2v_format_records(words, starts, &x, 1, 0, 1, 0, out, cap, &next);
    CHECK(next == 1 && k > 3 && k <= cap && out[k - 1] == '\n', "format: %lld bytes, next %lld",
          (long long)k, (long long)next);
    CHECK(memcmp(out, "w ", 2) == 0, "format: the word is not first");
    float back;
    CHECK(w2v_parse_float((const unsigned char *)out + 2, k - 3, &back) == 0,
          "format wrote %.*s, which does not parse", (int)(k - 3), out + 2);
    if (isnan(x))
        CHECK(isnan(back) && !signbit(back) == !signbit(x), "NaN came back as %g", back);
    else
        CHECK(memcmp(&back, &x, 4) == 0, "%a formatted as %.*s reads back as %a", x,
              (int)(k - 3), out + 2, back);
    /* at most 9 significant digits: the shortest of %.7g/%.8g/%.9g that reads back */
    int digits = 0, lead = 1;
    for (int64_t i = 2; i < k - 1 && out[i] != 'e'; i++) {
        if (out[i] < '0' || out[i] > '9' || (lead && out[i] == '0')) continue;
        lead = 0;
        digits++;
    }
    CHECK(digits <= 9, "%.*s has more digits than %%.9g writes", (int)(k - 3), out + 2);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    unsigned char *tok = fz_dup(data, size); /* exact size: no reading past the token */
    float v = 12345.0f;
    int rc = w2v_parse_float(tok, (int64_t)size, &v);
    CHECK(rc == 0 || rc == -1, "returned %d", rc);

    /* the reference: strtod over a NUL-terminated copy */
    char *z = (char *)fz_alloc(size + 1);
    memcpy(z, data, size);
    z[size] = 0;
    char *end = NULL;
    double d = size ? strtod(z, &end) : 0.0;
    int ref_ok = size > 0 && memchr(data, 0, size) == NULL && end == z + size;
    if (rc == 0) {
        CHECK(ref_ok, "accepted %zu bytes that strtod does not read as one number", size);
        float f = (float)d;
        if (isnan(f))
            CHECK(isnan(v), "strtod gives NaN, parse_float %a", v);
        else
            CHECK(memcmp(&v, &f, 4) == 0, "parse_float %a, (float)strtod %a", v, f);
        format_and_back(v);
    } else {
        CHECK(!ref_ok || size > SLOW_SCRATCH, "refused a number strtod reads as %a", d);
    }
    if (size >= 4) {
        float bits;
        memcpy(&bits, data, 4);
        format_and_back(bits);
    }
    free(z);
    free(tok);
    return 0;
}
