/* test_unpack.c - compressed files inside layers: a secret in a .gz or .zst file
 * is found under the file's own path (whatever the chunking, also across
 * concatenated gzip members); a gzip bomb stops early and is counted as skipped;
 * a truncated or corrupt stream is a warning count and a "path: reason" line, not an
 * error, and what did decompress is still scanned; the codec comes from the magic bytes,
 * not the name; the sniff applies to the decompressed bytes; a
 * zstd frame asking for a window over the bound is refused. The compressed
 * inputs are made with zlib's deflate and libzstd's compressor. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>
#include <zlib.h>
#include <zstd.h>

#include "moat/secret/scanner.h"
#include "moat/base/decomp.h"
#include "secret_test.h"

#define TOKEN "ghp_VvVqE1SkHbn88HxjSI6bWHtP3fS2qHx6kwXo"

/* gzip of data (one member); repeat > 1 deflates data that many times over (at level 9, for a
 * bomb; else level 1, fast on any input). Caller frees. */
static unsigned char *gz(const void *data, size_t len, size_t repeat, size_t *out_len)
{
    z_stream z = {0};
    size_t cap = compressBound((uLong)(len * repeat)) + 64, n = 0;
    unsigned char *out = malloc(cap);

    assert_non_null(out);
    assert_int_equal(
        deflateInit2(&z, repeat > 1 ? 9 : 1, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY),
        Z_OK);
    for (size_t r = 0; r < repeat; r++) {
        z.next_in = (Bytef *)data;
        z.avail_in = (uInt)len;
        do {
            z.next_out = out + n;
            z.avail_out = (uInt)(cap - n);
            assert_true(deflate(&z, r + 1 == repeat ? Z_FINISH : Z_NO_FLUSH) != Z_STREAM_ERROR);
            n = cap - z.avail_out;
        } while (z.avail_in > 0);
    }
    deflateEnd(&z);
    *out_len = n;
    return out;
}

struct counts {
    size_t findings;
    uint64_t large, binary, skipped, corrupt;
    size_t n_warn;
    char warn[512]; /* the first per-file warning */
};

/* Stream one file through a fresh scanner in chunks of `step` bytes. */
static void scan_file(const char *path, const void *data, size_t len, size_t step,
                      uint64_t max_file, struct moat_findings *fs, struct counts *c)
{
    struct moat_secret_scanner_opts opts = {.max_file_size = max_file};
    struct moat_secret_scanner *sc = NULL;
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_fs_node node = {0};
    struct moat_fs_visitor v;
    bool want = false;

    assert_int_equal(moat_secret_scanner_new(&opts, &sc, &err), 0);
    v = moat_secret_scanner_visitor(sc);
    node.type = MOAT_FT_REG;
    node.size = len;
    node.deleted_in = -1;
    assert_int_equal(v.begin(v.ctx, 3, path, &node, &want, &err), 0);
    assert_true(want);
    for (size_t at = 0; at < len; at += step) {
        size_t n = len - at < step ? len - at : step;
        if (v.chunk(v.ctx, (const char *)data + at, n, &err) != 0)
            fail_msg("chunk: %s", moat_err_msg(&err));
    }
    assert_int_equal(v.end(v.ctx, &err), 0);
    assert_int_equal(moat_secret_scanner_take(sc, fs, &err), 0);
    c->findings = fs->n;
    c->large = moat_secret_scanner_skipped_large(sc);
    c->binary = moat_secret_scanner_skipped_binary(sc);
    c->skipped = moat_secret_scanner_skipped_compressed(sc);
    c->corrupt = moat_secret_scanner_corrupt_compressed(sc);
    const char *const *w = moat_secret_scanner_warnings(sc, &c->n_warn, NULL);
    snprintf(c->warn, sizeof c->warn, "%s", c->n_warn ? w[0] : "");
    moat_secret_scanner_free(sc);
}

static const char text[] = "# deploy notes\n\nexport GH=" TOKEN "\n";

static void test_gzip_found(void **state)
{
    size_t n;
    unsigned char *z = gz(text, sizeof text - 1, 1, &n);
    static const size_t steps[] = {1, 3, 7, 64, 100000};

    (void)state;
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        struct moat_findings fs = {0};
        struct counts c = {0};
        scan_file("app/notes.txt.gz", z, n, steps[i], 0, &fs, &c);
        assert_int_equal(fs.n, 1);
        assert_string_equal(fs.v[0].rule_id, "secret-github-token");
        assert_string_equal(fs.v[0].path, "app/notes.txt.gz");
        assert_int_equal(fs.v[0].line, 3);
        assert_int_equal(fs.v[0].layer, 3);
        assert_non_null(strstr(fs.v[0].description, "gzip-decompressed"));
        assert_int_equal(c.skipped + c.corrupt + c.binary + c.large, 0);
        moat_findings_free(&fs);
    }
    free(z);
}

static void test_gzip_not_by_content(void **state)
{
    size_t n;
    unsigned char *z = gz(text, sizeof text - 1, 1, &n);
    struct moat_findings fs = {0};
    struct counts c = {0};

    (void)state;
    /* compressed bytes under any name are decompressed, even fed a byte at a time */
    scan_file("app/notes.bin", z, n, 1, 0, &fs, &c);
    assert_int_equal(fs.n, 1);
    assert_non_null(strstr(fs.v[0].description, "gzip-decompressed"));
    moat_findings_free(&fs);
    /* and a plain text file named .gz (Debian's var/lib/dpkg/alternatives/builtins.7.gz) is
     * read as plain text: found, no warning */
    scan_file("var/lib/dpkg/alternatives/builtins.7.gz", text, sizeof text - 1, 2, 0, &fs, &c);
    assert_int_equal(fs.n, 1);
    assert_null(fs.v[0].description);
    assert_int_equal(c.corrupt + c.skipped, 0);
    assert_int_equal(c.n_warn, 0);
    moat_findings_free(&fs);
    /* files shorter than the magic are plain */
    scan_file("a.gz", "\x1f\x8b", 2, 1, 0, &fs, &c);
    assert_int_equal(fs.n + c.corrupt + c.n_warn, 0);
    free(z);
}

static void test_gzip_members(void **state)
{
    static const char other[] = "line\nAWS_ACCESS_KEY_ID=AKIAZ7VQ4XJ2MRTN6KWB\n";
    size_t n1, n2;
    unsigned char *a = gz(text, sizeof text - 1, 1, &n1), *b = gz(other, sizeof other - 1, 1, &n2);
    unsigned char *both = malloc(n1 + n2 + 4);
    struct moat_findings fs = {0};
    struct counts c = {0};

    (void)state;
    memcpy(both, a, n1);
    memcpy(both + n1, b, n2);
    memset(both + n1 + n2, 0, 4); /* trailing zeros, as some tools pad: ignored */
    scan_file("var/log/app.log.gz", both, n1 + n2 + 4, 5, 0, &fs, &c);
    assert_int_equal(fs.n, 2);
    assert_int_equal(count_rule(&fs, "secret-aws-access-key-id"), 1);
    assert_int_equal(c.corrupt, 0);
    moat_findings_free(&fs);
    free(a);
    free(b);
    free(both);
}

static void test_zstd_found(void **state)
{
    size_t cap = ZSTD_compressBound(sizeof text - 1);
    unsigned char *z = malloc(cap);
    size_t n = ZSTD_compress(z, cap, text, sizeof text - 1, 3);
    struct moat_findings fs = {0};
    struct counts c = {0};

    (void)state;
    assert_false(ZSTD_isError(n));
    scan_file("opt/app/env.zst", z, n, 2, 0, &fs, &c);
    assert_int_equal(fs.n, 1);
    assert_string_equal(fs.v[0].path, "opt/app/env.zst");
    assert_non_null(strstr(fs.v[0].description, "zstd-decompressed"));
    assert_int_equal(c.corrupt + c.skipped, 0);
    moat_findings_free(&fs);
    /* truncated frame: a warning */
    scan_file("opt/app/env.zst", z, n - 3, 2, 0, &fs, &c);
    assert_int_equal(c.corrupt, 1);
    moat_findings_free(&fs);
    free(z);
}

static void test_zstd_window_bound(void **state)
{
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    size_t cap = 4096, n;
    unsigned char *z = malloc(cap);
    ZSTD_outBuffer out = {z, cap, 0};
    ZSTD_inBuffer in = {text, sizeof text - 1, 0};
    struct moat_findings fs = {0};
    struct counts c = {0};

    (void)state;
    /* no pledged size: the frame header asks for a 128 MiB window */
    assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_windowLog, 27)));
    assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 0)));
    /* a first call that does not end the frame, so the size stays unknown */
    assert_false(ZSTD_isError(ZSTD_compressStream2(cc, &out, &in, ZSTD_e_continue)));
    assert_int_equal(ZSTD_compressStream2(cc, &out, &in, ZSTD_e_end), 0);
    n = out.pos;
    scan_file("big.zst", z, n, 4096, 0, &fs, &c);
    assert_int_equal(fs.n, 0);
    assert_int_equal(c.corrupt, 1);
    moat_findings_free(&fs);
    ZSTD_freeCCtx(cc);
    free(z);
}

static void test_gzip_bomb(void **state)
{
    char *zeros = calloc(1, 1 << 20);
    size_t n;
    unsigned char *z;
    struct moat_findings fs = {0};
    struct counts c = {0};
    struct timespec t0, t1;

    (void)state;
    /* a secret first, then 256 MiB of spaces (four times the size cap): about 270 KiB compressed */
    memset(zeros, ' ', 1 << 20);
    memcpy(zeros, text, sizeof text - 1);
    z = gz(zeros, 1 << 20, 256, &n);
    assert_true(n < (1u << 20));
    clock_gettime(CLOCK_MONOTONIC, &t0);
    scan_file("srv/bomb.gz", z, n, 65536, 0, &fs, &c);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_int_equal(c.skipped, 1); /* reported as skipped */
    assert_int_equal(c.corrupt, 0);
    /* what came out before the bound was scanned (the secret repeats every MiB) */
    assert_true(fs.n >= 1 && fs.n <= 4);
    /* the ratio bound stops it after a few MiB (see below); time, loosely, for a loaded CI */
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    print_message("bomb of %zu compressed bytes stopped in %.3f s\n", n, secs);
    assert_true(secs < 10.0);
    moat_findings_free(&fs);

    free(z);
    free(zeros);
}

static void test_size_cap(void **state)
{
    size_t len = 2u << 20, n;
    char *rnd = malloc(len);
    unsigned char *z;
    struct moat_findings fs = {0};
    struct counts c = {0};
    uint64_t x = 88172645463325252ull;

    (void)state;
    /* text that compresses about 4:1: the ratio bound never fires, the 1 MiB cap does */
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        rnd[i] = (char)('a' + x % 4);
    }
    z = gz(rnd, len, 1, &n);
    assert_true(n < (1u << 20));
    scan_file("data/words.gz", z, n, 4096, 1u << 20, &fs, &c);
    assert_int_equal(c.skipped, 1);
    assert_int_equal(c.large, 0);
    moat_findings_free(&fs);
    free(z);
    free(rnd);
}

static void test_truncated(void **state)
{
    char *big = malloc(200000);
    size_t n;
    unsigned char *z;
    struct moat_findings fs = {0};
    struct counts c = {0};

    (void)state;
    for (size_t i = 0; i < 200000; i++)
        big[i] = (char)("abcdefghij klmnop\n"[i * 7 % 18]);
    memcpy(big, text, sizeof text - 1);
    z = gz(big, 200000, 1, &n);
    scan_file("var/cache/x.gz", z, n / 2, 333, 0, &fs, &c);
    assert_int_equal(c.corrupt, 1); /* one warning, no error */
    assert_int_equal(fs.n, 1);      /* the secret in the part that decompressed */
    assert_int_equal(c.n_warn, 1);  /* naming the file */
    assert_string_equal(c.warn,
                        "var/cache/x.gz: truncated gzip stream, scanned up to where it ends");
    moat_findings_free(&fs);
    /* corrupt in the middle */
    z[n / 2] ^= 0xff;
    z[n / 2 + 1] ^= 0x55;
    scan_file("var/cache/x\n.gz", z, n, 333, 0, &fs, &c);
    assert_int_equal(c.corrupt, 1);
    assert_string_equal(c.warn, "var/cache/x?.gz: corrupt gzip data, scanned up to the damage");
    moat_findings_free(&fs);
    free(z);
    free(big);
}

static void test_binary_inside(void **state)
{
    char bin[64] = "\x7f"
                   "ELF\0\0\0" TOKEN;
    size_t n;
    unsigned char *z = gz(bin, sizeof bin, 1, &n);
    struct moat_findings fs = {0};
    struct counts c = {0};

    (void)state;
    scan_file("usr/lib/x.so.gz", z, n, 4096, 0, &fs, &c);
    assert_int_equal(fs.n, 0);
    assert_int_equal(c.binary, 1);
    assert_int_equal(c.corrupt + c.skipped, 0);
    moat_findings_free(&fs);
    free(z);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gzip_found),        cmocka_unit_test(test_gzip_not_by_content),
        cmocka_unit_test(test_gzip_members),      cmocka_unit_test(test_zstd_found),
        cmocka_unit_test(test_zstd_window_bound), cmocka_unit_test(test_gzip_bomb),
        cmocka_unit_test(test_size_cap),          cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_binary_inside),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
