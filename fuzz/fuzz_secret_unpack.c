/* room: secret */
/*
 * fuzz_secret_unpack.c - libFuzzer target for compressed files in layers:
 * the input is streamed through the secret scanner's fs visitor as a .gz,
 * .zst, .tar or .tar.gz file (first byte: kind and chunk size), as a hostile layer would
 * present it. Nothing may fail: corrupt streams are counted, not errors, and
 * the output bounds keep every input fast.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "moat/secret/scanner.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* rebuilt now and then: the image-wide decompression budget would run out */
    static struct moat_secret_scanner *sc;
    static unsigned uses;
    /* no rule database cache: a fuzzer writes nothing to disk */
    struct moat_secret_scanner_opts opts = {.max_file_size = 4u << 20, .cache_dir = ""};
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_findings fs = {0};
    struct moat_fs_node node = {0};
    struct moat_fs_visitor v;
    bool want = false;

    if (size < 1)
        return 0;
    if (sc && ++uses % 256 == 0) {
        moat_secret_scanner_free(sc);
        sc = NULL;
    }
    if (!sc && moat_secret_scanner_new(&opts, &sc, &err) < 0)
        goto failed;
    v = moat_secret_scanner_visitor(sc);
    static const char *const names[] = {"x/y.gz", "x/y.zst", "x/y.tar", "x/y.tar.gz"};
    size_t step = (size_t)(data[0] >> 2) * 37 + 1;
    node.type = MOAT_FT_REG;
    node.size = size - 1;
    node.deleted_in = -1;
    if (node.size == 0)
        return 0;
    if (v.begin(v.ctx, 0, names[data[0] & 3], &node, &want, &err) < 0)
        goto failed;
    for (size_t at = 1; want && at < size; at += step) {
        size_t n = size - at < step ? size - at : step;
        if (v.chunk(v.ctx, data + at, n, &err) < 0)
            goto failed;
    }
    if (v.end(v.ctx, &err) < 0 || moat_secret_scanner_take(sc, &fs, &err) < 0)
        goto failed;
    moat_findings_free(&fs);
    return 0;
failed:
    /* only an injected allocation failure (tests/replay_main.c --torture) may get here; the
     * scanner is kept (its next begin() drops what is left of this file) */
    if (!fuzz_alloc_failed())
        abort();
    moat_findings_free(&fs);
    moat_err_clear(&err);
    return 0;
}
