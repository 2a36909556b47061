/*
 * fuzz_remap.c -- libFuzzer harness for w2v_remap_chunk (csrc/w2v_scan.h): provisional
 * ids to final ids, unmapped ones dropped, sentence ends moved along, in place.
 *
 * Input: 3 setting bytes, then a remap table (its length chosen by the input; entries
 * are final ids or -1), then provisional ids (any int16 values, so also negative and
 * past the table) and the sentence-end positions (ascending, as the scanner records
 * them).  The ids go through in chunks the way scan.IdFiles.remap drives it: a chunk
 * of k ids, the pending ends topped up in batches until the last one lies beyond the
 * chunk, ends read and written in the same array (out_ends aliases ends), the
 * consumed ones dropped.  A plain filter must give the same ids and ends, the chunk
 * results must stay within their arrays, and every kept id within the final table.
 */
#include "fuzz_common.h"
#include "w2v_scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz_bytes in = {data, size};
    uint8_t s_chunk = fz_u8(&in);
    int64_t chunk = 1 + s_chunk % 16; /* REMAP_ITEMS; high bit: all at once (in memory) */
    int64_t batch = 1 + fz_u8(&in) % 8;  /* DRAIN_ITEMS */
    int64_t n_remap = fz_u8(&in) % 32;
    int32_t *remap = (int32_t *)fz_alloc((size_t)n_remap * sizeof(int32_t));
    int32_t n_final = 0;
    for (int64_t i = 0; i < n_remap; i++) {
        uint8_t b = fz_u8(&in);
        /* a final id or -1 (Vocab.from_scanner gives each kept word its own rank) */
        remap[i] = (b & 1) ? n_final++ : -1;
    }
    /* the rest: pairs of bytes, an id each; a pair whose high bit is set also ends a
       sentence after that id */
    int64_t n = (int64_t)in.n / 2;
    int32_t *ids = (int32_t *)fz_alloc((size_t)n * sizeof(int32_t));
    int64_t *ends_all = (int64_t *)fz_alloc((size_t)(n + 1) * sizeof(int64_t));
    int64_t n_ends = 0;
    for (int64_t i = 0; i < n; i++) {
        uint8_t a = fz_u8(&in), b = fz_u8(&in);
        ids[i] = (int32_t)(int16_t)(((a & 0x7f) << 8 | b) - 0x0100); /* mostly small */
        if (a & 0x80) ends_all[n_ends++] = i + 1;
    }

    if ((s_chunk & 0x80) && n > 0) chunk = n;

    /* reference: keep the mapped ids; a sentence end survives if its sentence keeps one */
    int32_t *want_ids = (int32_t *)fz_alloc((size_t)n * sizeof(int32_t));
    int64_t *want_ends = (int64_t *)fz_alloc((size_t)(n_ends + 1) * sizeof(int64_t));
    int64_t nw = 0, nwe = 0, e = 0;
    for (int64_t i = 0; i <= n; i++) {
        while (e < n_ends && ends_all[e] == i) {
            if (nw > (nwe ? want_ends[nwe - 1] : 0)) want_ends[nwe++] = nw;
            e++;
        }
        if (i < n && ids[i] >= 0 && ids[i] < n_remap && remap[ids[i]] >= 0)
            want_ids[nw++] = remap[ids[i]];
    }

    /* scan.IdFiles.remap's loop */
    w2v_remap_state st = {0, 0, 0};
    int32_t *out_ids = (int32_t *)fz_alloc((size_t)n * sizeof(int32_t));
    int64_t *out_ends = (int64_t *)fz_alloc((size_t)(n_ends + 1) * sizeof(int64_t));
    int64_t *pending = (int64_t *)fz_alloc((size_t)(n_ends + 1) * sizeof(int64_t));
    int64_t n_pending = 0, ends_read = 0, ends_written = 0, pos = 0, kept_total = 0;
    while (pos < n || ends_read < n_ends) {
        int64_t k = n - pos < chunk ? n - pos : chunk;
        while (ends_read < n_ends && (n_pending == 0 || pending[n_pending - 1] <= pos + k)) {
            int64_t m = n_ends - ends_read < batch ? n_ends - ends_read : batch;
            memcpy(pending + n_pending, ends_all + ends_read, (size_t)m * sizeof(int64_t));
            n_pending += m;
            ends_read += m;
        }
        /* exact-size copies: the function may touch only ids[0, k) and ends[0, m) */
        int32_t *cid = (int32_t *)fz_alloc((size_t)k * sizeof(int32_t));
        memcpy(cid, ids + pos, (size_t)k * sizeof(int32_t));
        int64_t *cend = (int64_t *)fz_alloc((size_t)n_pending * sizeof(int64_t));
        memcpy(cend, pending, (size_t)n_pending * sizeof(int64_t));
        int64_t consumed = -1, written = -1, r_before = st.r_pos, w_before = st.w_pos;
        int64_t kept = w2v_remap_chunk(&st, cid, k, remap, n_remap, cend, n_pending, cend,
                                       &consumed, &written);
        CHECK(kept >= 0 && kept <= k, "kept %lld of %lld", (long long)kept, (long long)k);
        CHECK(consumed >= 0 && consumed <= n_pending && written >= 0 && written <= consumed,
              "consumed %lld, written %lld of %lld ends", (long long)consumed,
              (long long)written, (long long)n_pending);
        CHECK(st.r_pos == r_before + k && st.w_pos == w_before + kept,
              "state r_pos %lld w_pos %lld", (long long)st.r_pos, (long long)st.w_pos);
        for (int64_t c = 0; c < consumed; c++)
            CHECK(pending[c] <= pos + k, "consumed an end past the chunk");
        CHECK(consumed == n_pending || pending[consumed] > pos + k,
              "left an end of this chunk pending");
        for (int64_t j = 0; j < kept; j++)
            CHECK(cid[j] >= 0 && cid[j] < n_final, "final id %d outside [0, %d)", cid[j],
                  n_final);
        memcpy(out_ids + kept_total, cid, (size_t)kept * sizeof(int32_t));
        memcpy(out_ends + ends_written, cend, (size_t)written * sizeof(int64_t));
        kept_total += kept;
        ends_written += written;
        memmove(pending, pending + consumed, (size_t)(n_pending - consumed) * sizeof(int64_t));
        n_pending -= consumed;
        pos += k;
        free(cid);
        free(cend);
        if (k == 0 && consumed == 0) break;
    }
    CHECK(kept_total == nw, "kept %lld ids, expected %lld", (long long)kept_total, (long long)nw);
    CHECK(memcmp(out_ids, want_ids, (size_t)nw * sizeof(int32_t)) == 0, "final ids differ");
    CHECK(ends_written == nwe, "%lld sentence ends, expected %lld", (long long)ends_written,
          (long long)nwe);
    CHECK(memcmp(out_ends, want_ends, (size_t)nwe * sizeof(int64_t)) == 0,
          "sentence ends differ");
    CHECK(n_pending == 0 && ends_read == n_ends, "ends left over");

    free(remap);
    free(ids);
    free(ends_all);
    free(want_ids);
    free(want_ends);
    free(out_ids);
    free(out_ends);
    free(pending);
    return 0;
}
