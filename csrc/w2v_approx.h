/*
 * w2v_approx.h -- the polynomial exp and log1p behind the batched kernels'
 * sigmoid and loss, written once for the vector build (w2v_block_kernel.h)
 * and the plain-C build (w2v_block_kernel_portable.h): macros over any type
 * with * and + by a float (a vector type or float), so that both evaluate
 * the same terms in the same order.
 *
 * exp(x) for x <= 0: x = n ln2 + r with |r| <= ln2/2, n = round(x / ln2) by
 * adding W2V_EXP_MAGIC to x * log2(e); exp(r) by its Taylor series to r^7
 * (truncation < 6e-9 relative); the caller builds 2^n in the exponent bits.
 * log1p(e) for e in [0, 1]: 2 artanh(s) with s = e / (2 + e) <= 1/3, its odd
 * series to s^13 (truncation < 2e-8 relative).
 */
#ifndef W2V_APPROX_H
#define W2V_APPROX_H

#define W2V_EXP_MAGIC 12582912.0f /* 1.5 * 2^23: adding it rounds to an integer */
#define W2V_EXP_LOG2E 1.44269504088896341f

/* r = x - nf ln2, ln2 split in a part exact in 9 bits and the rest */
#define W2V_EXP_REDUCE(x, nf) (((x) - (nf) * 0.693359375f) - (nf) * -2.12194440054690583e-4f)

/* e = exp(r), |r| <= ln2/2 (Horner) */
#define W2V_EXP_SERIES(e, r)                                                                  \
    do {                                                                                      \
        (e) = (r) * (1.0f / 5040) + (1.0f / 720);                                             \
        (e) = (e) * (r) + (1.0f / 120);                                                       \
        (e) = (e) * (r) + (1.0f / 24);                                                        \
        (e) = (e) * (r) + (1.0f / 6);                                                         \
        (e) = (e) * (r) + 0.5f;                                                               \
        (e) = (e) * (r) + 1.0f;                                                               \
        (e) = (e) * (r) + 1.0f;                                                               \
    } while (0)

/* q = artanh(s) / s from s2 = s * s <= 1/9 (Horner); log1p(e) = (2 s) q */
#define W2V_ARTANH_SERIES(q, s2)                                                              \
    do {                                                                                      \
        (q) = (s2) * (1.0f / 13) + (1.0f / 11);                                               \
        (q) = (q) * (s2) + (1.0f / 9);                                                        \
        (q) = (q) * (s2) + (1.0f / 7);                                                        \
        (q) = (q) * (s2) + (1.0f / 5);                                                        \
        (q) = (q) * (s2) + (1.0f / 3);                                                        \
        (q) = (q) * (s2) + 1.0f;                                                              \
    } while (0)

#endif
