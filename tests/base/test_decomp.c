/* test_decomp.c - the one gzip/zstd streaming decompressor (base/decomp.c) on streams made
 * by zlib's deflate and libzstd's compressor: the output equals the input whatever the input
 * piece sizes (down to one byte), across gzip members and zstd frames; zero padding after a
 * gzip stream is accepted and anything else after it is GARBAGE; a cut stream is TRUNCATED;
 * damaged data is CORRUPT with the library's words; a bomb stops at the ratio bound having
 * produced little, and max_out cuts the output exactly; zstd frames over the window bound are
 * refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>
#include <zstd.h>

#include "moat/base/decomp.h"

static const struct moat_decomp_limits roomy = {1u << 30, 1u << 20, 1000, 23};

static unsigned char *gz(const void *data, size_t len, int level, size_t *out_len)
{
    z_stream z = {0};
    size_t cap = compressBound((uLong)len) + 64;
    unsigned char *out = malloc(cap);

    assert_non_null(out);
    assert_int_equal(deflateInit2(&z, level, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY),
                     Z_OK);
    z.next_in = (Bytef *)data;
    z.avail_in = (uInt)len;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    *out_len = cap - z.avail_out;
    deflateEnd(&z);
    return out;
}

static unsigned char *zst(const void *data, size_t len, size_t *out_len)
{
    size_t cap = ZSTD_compressBound(len);
    unsigned char *out = malloc(cap);

    assert_non_null(out);
    *out_len = ZSTD_compress(out, cap, data, len, 3);
    assert_false(ZSTD_isError(*out_len));
    return out;
}

/* Run a stream through in pieces of `step` bytes; the output is appended to *got (cap
 * bytes). Returns the final state. */
static enum moat_decomp_state run(enum moat_codec c, const struct moat_decomp_limits *l,
                                  const unsigned char *z, size_t n, size_t step, unsigned char *got,
                                  size_t cap, size_t *got_n)
{
    struct moat_decomp *d = NULL;
    struct moat_err err = MOAT_ERR_INIT;
    unsigned char buf[1000];
    enum moat_decomp_state st;

    *got_n = 0;
    assert_int_equal(moat_decomp_new(&d, &err), 0);
    assert_int_equal(moat_decomp_reset(d, c, l, &err), 0);
    for (size_t at = 0; at <= n; at += step) {
        const unsigned char *in = z + at;
        size_t len = at == n ? 0 : (n - at < step ? n - at : step), k;
        /* len 0 at the end: drain */
        while ((k = moat_decomp_step(d, &in, &len, buf, sizeof buf)) > 0) {
            assert_true(*got_n + k <= cap);
            memcpy(got + *got_n, buf, k);
            *got_n += k;
        }
        if (at == n)
            break;
    }
    st = moat_decomp_finish(d);
    assert_true(moat_decomp_out(d) == *got_n);
    moat_decomp_free(d);
    return st;
}

static char text[20000];

static void fill_text(void)
{
    for (size_t i = 0; i < sizeof text; i++)
        text[i] = "the quick brown fox 0123456789\n"[i * 7 % 31];
}

static void test_sniff(void **state)
{
    (void)state;
    assert_int_equal(moat_codec_sniff("\x1f\x8b\x08\x00", 4), MOAT_CODEC_GZIP);
    assert_int_equal(moat_codec_sniff("\x28\xb5\x2f\xfd", 4), MOAT_CODEC_ZSTD);
    assert_int_equal(moat_codec_sniff("\x1f\x8b", 2), MOAT_CODEC_NONE);
    assert_int_equal(moat_codec_sniff("\x1f\x8b\x07", 3), MOAT_CODEC_NONE);
    assert_int_equal(moat_codec_sniff("plain text", 10), MOAT_CODEC_NONE);
    assert_string_equal(moat_codec_name(MOAT_CODEC_ZSTD), "zstd");
}

static void test_gzip_members_and_padding(void **state)
{
    size_t n1, n2, got_n;
    unsigned char *a, *b, *all, *got = malloc(2 * sizeof text);
    static const size_t steps[] = {1, 7, 512, 1u << 20};

    (void)state;
    fill_text();
    a = gz(text, sizeof text / 2, 6, &n1);
    b = gz(text + sizeof text / 2, sizeof text / 2, 1, &n2);
    all = malloc(n1 + n2 + 1024);
    memcpy(all, a, n1);
    memcpy(all + n1, b, n2);
    memset(all + n1 + n2, 0, 1024); /* zero padding, as tar archives write */
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        assert_int_equal(run(MOAT_CODEC_GZIP, &roomy, all, n1 + n2 + 1024, steps[i], got,
                             2 * sizeof text, &got_n),
                         MOAT_DECOMP_DONE);
        assert_int_equal(got_n, sizeof text);
        assert_memory_equal(got, text, sizeof text);
    }
    /* garbage after the stream: its own end state, after all the output */
    all[n1 + n2 + 10] = 'x';
    assert_int_equal(
        run(MOAT_CODEC_GZIP, &roomy, all, n1 + n2 + 1024, 100, got, 2 * sizeof text, &got_n),
        MOAT_DECOMP_GARBAGE);
    assert_int_equal(got_n, sizeof text);
    /* cut inside the second member */
    assert_int_equal(
        run(MOAT_CODEC_GZIP, &roomy, all, n1 + n2 / 2, 100, got, 2 * sizeof text, &got_n),
        MOAT_DECOMP_TRUNCATED);
    assert_true(got_n >= sizeof text / 2 && got_n < sizeof text);
    /* damaged: CORRUPT, with zlib's words */
    all[n1 + 3] ^= 0xff; /* the second member's flags byte */
    struct moat_decomp *d = NULL;
    struct moat_err err = MOAT_ERR_INIT;
    const unsigned char *in = all;
    size_t len = n1 + n2;
    unsigned char buf[4096];
    assert_int_equal(moat_decomp_new(&d, &err), 0);
    assert_int_equal(moat_decomp_reset(d, MOAT_CODEC_GZIP, &roomy, &err), 0);
    while (moat_decomp_step(d, &in, &len, buf, sizeof buf) > 0)
        ;
    assert_int_equal(moat_decomp_state(d), MOAT_DECOMP_CORRUPT);
    assert_true(strlen(moat_decomp_message(d)) > 0);
    moat_decomp_free(d);
    free(a);
    free(b);
    free(all);
    free(got);
}

static void test_zstd_frames(void **state)
{
    size_t n1, n2, got_n;
    unsigned char *a, *b, *all, *got = malloc(2 * sizeof text);

    (void)state;
    fill_text();
    a = zst(text, sizeof text / 2, &n1);
    b = zst(text + sizeof text / 2, sizeof text / 2, &n2);
    all = malloc(n1 + n2 + 16);
    memcpy(all, a, n1);
    memcpy(all + n1, b, n2);
    assert_int_equal(run(MOAT_CODEC_ZSTD, &roomy, all, n1 + n2, 1, got, 2 * sizeof text, &got_n),
                     MOAT_DECOMP_DONE);
    assert_int_equal(got_n, sizeof text);
    assert_memory_equal(got, text, sizeof text);
    assert_int_equal(
        run(MOAT_CODEC_ZSTD, &roomy, all, n1 + n2 - 3, 64, got, 2 * sizeof text, &got_n),
        MOAT_DECOMP_TRUNCATED);
    memcpy(all + n1 + n2, "garbage!", 8);
    assert_int_equal(
        run(MOAT_CODEC_ZSTD, &roomy, all, n1 + n2 + 8, 64, got, 2 * sizeof text, &got_n),
        MOAT_DECOMP_CORRUPT);
    free(a);
    free(b);
    free(all);
    free(got);
}

static void test_zstd_window(void **state)
{
    size_t len = 16u << 20, n, got_n;
    char *big = malloc(len);
    unsigned char *z, *got = malloc(1u << 20);
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    const struct moat_decomp_limits narrow = {1u << 30, 1u << 20, 1000, 20}; /* 1 MiB */

    (void)state;
    for (size_t i = 0; i < len; i++)
        big[i] = (char)(i * 2654435761u >> 24);
    assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_windowLog, 24)));
    z = malloc(ZSTD_compressBound(len));
    n = ZSTD_compress2(cc, z, ZSTD_compressBound(len), big, len);
    assert_false(ZSTD_isError(n));
    assert_int_equal(run(MOAT_CODEC_ZSTD, &narrow, z, n, 1u << 16, got, 1u << 20, &got_n),
                     MOAT_DECOMP_CORRUPT);
    ZSTD_freeCCtx(cc);
    free(z);
    free(big);
    free(got);
}

static void test_bounds(void **state)
{
    size_t len = 64u << 20, n, got_n;
    char *zeros = calloc(1, len);
    unsigned char *z = gz(zeros, len, 9, &n), *got = malloc(4u << 20);
    const struct moat_decomp_limits bomb = {1u << 30, 1u << 20, 250, 23};
    const struct moat_decomp_limits cap = {123457, 0, 0, 23};

    (void)state;
    /* 64 MiB of zeros in ~64 KiB: stopped once past the grace at over 250:1 */
    assert_int_equal(run(MOAT_CODEC_GZIP, &bomb, z, n, 4096, got, 4u << 20, &got_n),
                     MOAT_DECOMP_LIMIT);
    print_message("bomb of %zu bytes: %zu bytes out before the stop\n", n, got_n);
    assert_true(got_n > (1u << 20) && got_n <= (1u << 20) + 4096 * 1100);
    /* max_out cuts the output exactly, at the byte */
    const struct moat_decomp_limits exact = {123457, 1u << 30, 1000, 23};
    assert_int_equal(run(MOAT_CODEC_GZIP, &exact, z, n, 4096, got, 4u << 20, &got_n),
                     MOAT_DECOMP_LIMIT);
    assert_int_equal(got_n, 123457);
    /* the pure check */
    assert_true(moat_decomp_limits_ok(&bomb, 1, 1u << 20));
    assert_false(moat_decomp_limits_ok(&bomb, 1, (1u << 20) + 1));
    assert_true(moat_decomp_limits_ok(&bomb, 1u << 20, 250ull << 20));
    assert_false(moat_decomp_limits_ok(&bomb, 1u << 20, (250ull << 20) + 1));
    assert_false(moat_decomp_limits_ok(&cap, 0, 123458));
    free(z);
    free(zeros);
    free(got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sniff),       cmocka_unit_test(test_gzip_members_and_padding),
        cmocka_unit_test(test_zstd_frames), cmocka_unit_test(test_zstd_window),
        cmocka_unit_test(test_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
