/* room: secret */
/*
 * fuzz_secret_chunks.c - libFuzzer target for the secret scanner's chunking.
 * The first 8 bytes of the input seed a split of the rest into chunks of
 * random sizes; the findings (rule, line, redacted match) must be identical
 * to those of a single-chunk scan of the same bytes. Any difference aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "moat/secret/secret.h"

/* -1 only after an injected allocation failure (tests/replay_main.c --torture); else aborts. */
static int scan(struct moat_secret_engine *e, const uint8_t *d, size_t n, uint64_t seed,
                struct moat_findings *out)
{
    struct moat_secret_scan *s = NULL;
    size_t at = 0;

    if (moat_secret_scan_open(e, "f", 0, &s, NULL) < 0)
        goto failed;
    while (at < n) {
        size_t len = n - at;
        if (seed != 0) {
            seed = seed * 6364136223846793005ull + 1442695040888963407ull;
            len = (size_t)(seed >> 33) % 97 + 1;
            if (len > n - at)
                len = n - at;
        }
        if (moat_secret_scan_feed(s, d + at, len, NULL) < 0) {
            moat_secret_scan_abort(s);
            goto failed;
        }
        at += len;
    }
    if (moat_secret_scan_close(s, out, NULL) < 0)
        goto failed;
    moat_findings_sort(out);
    return 0;
failed:
    if (!fuzz_alloc_failed())
        abort();
    return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* compiled once per process: Hyperscan compilation dominates otherwise */
    static struct moat_secret_engine *e;
    struct moat_findings one = {0}, many = {0};
    uint64_t seed = 1;

    if (size < 8)
        return 0;
    for (int i = 0; i < 8; i++)
        seed = (seed << 8) ^ data[i];
    seed |= 1;
    if (!e && moat_secret_engine_new(&e, NULL) < 0)
        abort();
    if (scan(e, data + 8, size - 8, 0, &one) < 0 || scan(e, data + 8, size - 8, seed, &many) < 0)
        goto out;
    if (one.n != many.n)
        abort();
    for (size_t i = 0; i < one.n; i++)
        if (strcmp(one.v[i].rule_id, many.v[i].rule_id) != 0 || one.v[i].line != many.v[i].line ||
            strcmp(one.v[i].match, many.v[i].match) != 0)
            abort();
out:
    moat_findings_free(&one);
    moat_findings_free(&many);
    return 0;
}
