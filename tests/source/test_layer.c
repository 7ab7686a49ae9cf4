/* test_layer.c - the layer pipeline: decompression, digests at close, limits, dir: walking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "source_test_util.h"

static const struct tentry sample[] = {
    {"etc", 'd', NULL},
    {"etc/passwd", 'f', "root:x:0:0:root:/root:/bin/sh\n"},
    {"etc/hostname", 'f', "moat\n"},
    {"bin", 'd', NULL},
    {"bin/sh", 'l', "busybox"},
    {"bin/busybox", 'f', "ELF..."},
    {"bin/ash", 'h', "bin/busybox"},
};

static int open_mem(const struct tbuf *b, const char *digest, const char *diff_id, uint64_t size,
                    const struct source_limits *lim, struct moat_entry_reader **r,
                    struct moat_err *err)
{
    struct source_range range = {-1, 0, b->p, 0, b->n};
    struct source_layer_spec spec = {"mem.tar", 3, digest, diff_id, size, NULL, NULL, lim};

    return source_layer_tar_open(&range, &spec, r, err);
}

static void check_sample(const struct tbuf *blob, const char *diff_id)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_entry_reader *r = NULL;
    struct moat_entry e;
    char dg[72], buf[64];
    int seen = 0;

    tdigest(blob->p, blob->n, dg);
    assert_int_equal(open_mem(blob, dg, diff_id, blob->n, NULL, &r, &err), 0);
    while (moat_entry_next(r, &e, &err) == 1) {
        if (strcmp(e.path, "etc/passwd") == 0) {
            ssize_t k = moat_entry_read(r, buf, sizeof(buf), &err);

            assert_int_equal(e.type, MOAT_FT_REG);
            assert_int_equal(e.mode, 04755);
            assert_int_equal(e.uid, 1000);
            assert_int_equal(e.size, 30);
            assert_int_equal(k, 30);
            assert_memory_equal(buf, "root:x:0:0", 10);
            seen |= 1;
        } else if (strcmp(e.path, "bin/sh") == 0) {
            assert_int_equal(e.type, MOAT_FT_SYMLINK);
            assert_string_equal(e.link, "busybox");
            seen |= 2;
        } else if (strcmp(e.path, "bin/ash") == 0) {
            assert_int_equal(e.type, MOAT_FT_HARDLINK);
            assert_string_equal(e.link, "bin/busybox");
            assert_int_equal(e.size, 0);
            seen |= 4;
        } else if (strcmp(e.path, "etc") == 0 || strcmp(e.path, "etc/") == 0) {
            assert_int_equal(e.type, MOAT_FT_DIR);
            seen |= 8;
        }
    }
    assert_int_equal(seen, 15);
    assert_int_equal(moat_entry_reader_close(r, &err), 0);
    moat_err_clear(&err);
}

static void test_plain_gzip_zstd(void **state)
{
    struct tbuf t = tar_build(sample, 7), g = gz_build(&t), z = zst_build(&t);
    char diff[72];

    (void)state;
    tdigest(t.p, t.n, diff);
    check_sample(&t, diff);
    check_sample(&g, diff);
    check_sample(&z, diff);
    tb_free(&t);
    tb_free(&g);
    tb_free(&z);
}

static void test_gzip_multi_member(void **state)
{
    struct tentry a[] = {{"a", 'f', "first"}}, b[] = {{"b", 'f', "second"}};
    struct tbuf ta = tar_build(a, 1), tb = tar_build(b, 1), whole = {0}, g1, g2, cat = {0};
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_entry_reader *r = NULL;
    char diff[72];

    (void)state;
    /* first member: tar a without its end blocks; second: tar b. One tar stream overall. */
    tb_add(&whole, ta.p, 1024);
    tb_add(&whole, tb.p, tb.n);
    {
        struct tbuf first = {0}, second = {0};

        tb_add(&first, whole.p, 1024);
        tb_add(&second, whole.p + 1024, whole.n - 1024);
        g1 = gz_build(&first);
        g2 = gz_build(&second);
        tb_free(&first);
        tb_free(&second);
    }
    tb_add(&cat, g1.p, g1.n);
    tb_add(&cat, g2.p, g2.n);
    tdigest(whole.p, whole.n, diff);
    assert_int_equal(open_mem(&cat, NULL, diff, UINT64_MAX, NULL, &r, &err), 0);
    assert_int_equal(read_all(r, NULL, &err), 2);
    assert_int_equal(moat_entry_reader_close(r, &err), 0);
    tb_free(&ta);
    tb_free(&tb);
    tb_free(&whole);
    tb_free(&g1);
    tb_free(&g2);
    tb_free(&cat);
    moat_err_clear(&err);
}

static void test_flipped_byte_refused_at_close(void **state)
{
    struct tbuf t = tar_build(sample, 7), g = gz_build(&t);
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_entry_reader *r = NULL;
    char dg[72], diff[72];

    (void)state;
    tdigest(g.p, g.n, dg);
    tdigest(t.p, t.n, diff);
    /* flip a byte in the uncompressed tar's file data: tar parses, the digest does not match */
    {
        unsigned char *hit = memmem(t.p, t.n, "root:x", 6);

        assert_non_null(hit);
        hit[2] ^= 1; /* in file data: the tar still parses, the digest does not match */
    }
    {
        struct tbuf plain = t;

        assert_int_equal(open_mem(&plain, NULL, diff, UINT64_MAX, NULL, &r, &err), 0);
        read_all(r, NULL, &err);
        assert_int_equal(moat_entry_reader_close(r, &err), -MOAT_E_DIGEST);
        assert_non_null(strstr(moat_err_msg(&err), "digest mismatch: content does not match diff_id"));
        assert_non_null(strstr(moat_err_msg(&err), "mem.tar: layer 3"));
    }
    /* a compressed blob with one byte changed at its end (the gzip trailer) */
    g.p[g.n - 5] ^= 0x40;
    if (open_mem(&g, dg, diff, g.n, NULL, &r, &err) == 0) { /* may fail early: read-ahead */
        read_all(r, NULL, &err);
        assert_true(moat_entry_reader_close(r, &err) < 0);
    }
    assert_true(err.code == MOAT_E_FORMAT || err.code == MOAT_E_DIGEST);
    g.p[g.n - 5] ^= 0x40;
    /* a wrong diff_id */
    diff[10] = diff[10] == 'a' ? 'b' : 'a';
    assert_int_equal(open_mem(&g, dg, diff, g.n, NULL, &r, &err), 0);
    assert_true(read_all(r, NULL, &err) > 0);
    assert_int_equal(moat_entry_reader_close(r, &err), -MOAT_E_DIGEST);
    assert_non_null(strstr(moat_err_msg(&err), "diff_id"));
    /* a wrong blob digest, with close() before reading anything: still drained and checked */
    dg[20] = dg[20] == 'a' ? 'b' : 'a';
    assert_int_equal(open_mem(&g, dg, NULL, g.n, NULL, &r, &err), 0);
    assert_int_equal(moat_entry_reader_close(r, &err), -MOAT_E_DIGEST);
    /* a wrong size */
    assert_int_equal(open_mem(&g, NULL, NULL, g.n + 1, NULL, &r, &err), -MOAT_E_DIGEST);
    assert_null(r);
    tb_free(&t);
    tb_free(&g);
    moat_err_clear(&err);
}

static void test_truncated_layer(void **state)
{
    struct tbuf t = tar_build(sample, 7), g = gz_build(&t), z = zst_build(&t);
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_entry_reader *r = NULL;
    long n;
    int rc;

    (void)state;
    g.n /= 2;
    assert_int_equal(open_mem(&g, NULL, NULL, UINT64_MAX, NULL, &r, &err), 0);
    n = read_all(r, NULL, &err);
    rc = moat_entry_reader_close(r, &err);
    assert_true(n < 0 || rc < 0);
    assert_non_null(strstr(moat_err_msg(&err), "truncated"));
    /* small layers may fail as early as open(): libarchive reads ahead */
    z.n -= 7;
    rc = open_mem(&z, NULL, NULL, UINT64_MAX, NULL, &r, &err);
    if (rc == 0) {
        n = read_all(r, NULL, &err);
        rc = moat_entry_reader_close(r, &err);
        assert_true(n < 0 || rc < 0);
    }
    assert_int_equal(rc, -MOAT_E_FORMAT);
    assert_non_null(strstr(moat_err_msg(&err), "truncated"));
    t.n = 700; /* an uncompressed tar cut inside a member */
    rc = open_mem(&t, NULL, NULL, UINT64_MAX, NULL, &r, &err);
    if (rc == 0) {
        n = read_all(r, NULL, &err);
        rc = moat_entry_reader_close(r, &err);
        assert_true(n < 0 || rc < 0);
    }
    assert_true(rc < 0);
    tb_free(&t);
    tb_free(&g);
    tb_free(&z);
    moat_err_clear(&err);
}

static void test_ratio_limit(void **state)
{
    struct tbuf zeros = {0}, g;
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_entry_reader *r = NULL;
    struct source_limits lim = {1u << 30, 64u << 10, 100};
    struct tentry big[1] = {{"zeros", 'f', NULL}};
    char *data = calloc(1, 4u << 20);
    int rc;

    (void)state;
    memset(data, 'a', (4u << 20) - 1);
    big[0].data = data;
    zeros = tar_build(big, 1);
    g = gz_build(&zeros); /* ~4 MiB of 'a' compresses > 100:1 */
    assert_true(g.n * 100 < zeros.n);
    /* the ratio counts the compressed bytes the decoder consumed, so the bound trips as soon
     * as the output passes the grace: at open (libarchive reads the first header) or later */
    rc = open_mem(&g, NULL, NULL, UINT64_MAX, &lim, &r, &err);
    if (rc == 0) {
        assert_true(read_all(r, NULL, &err) < 0);
        assert_int_equal(err.code, MOAT_E_LIMIT);
        rc = moat_entry_reader_close(r, &err);
    }
    assert_int_equal(rc, -MOAT_E_LIMIT);
    assert_non_null(strstr(moat_err_msg(&err), "times its compressed size"));
    /* the default limits allow it (within the 64 MiB grace) */
    assert_int_equal(open_mem(&g, NULL, NULL, UINT64_MAX, NULL, &r, &err), 0);
    assert_int_equal(read_all(r, NULL, &err), 1);
    assert_int_equal(moat_entry_reader_close(r, &err), 0);
    /* the pure check */
    source_limits_default(&lim);
    assert_true(source_limits_ok(&lim, 1, 64u << 20));
    assert_false(source_limits_ok(&lim, 1, (64u << 20) + 1));
    assert_true(source_limits_ok(&lim, 1u << 20, 1ull << 30));
    assert_false(source_limits_ok(&lim, 1u << 20, (1ull << 30) + 1));
    assert_false(source_limits_ok(&lim, UINT64_MAX, (64ull << 30) + 1));
    free(data);
    tb_free(&zeros);
    tb_free(&g);
    moat_err_clear(&err);
}

static void test_unsupported_compression(void **state)
{
    static const unsigned char xz[] = {0xfd, '7', 'z', 'X', 'Z', 0, 1, 2, 3};
    struct tbuf b = {0};
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_entry_reader *r = NULL;

    (void)state;
    tb_add(&b, xz, sizeof(xz));
    assert_int_equal(open_mem(&b, NULL, NULL, UINT64_MAX, NULL, &r, &err), -MOAT_E_UNSUPPORTED);
    assert_non_null(strstr(moat_err_msg(&err), "xz"));
    tb_free(&b);
    moat_err_clear(&err);
}

static void test_empty_layer(void **state)
{
    struct tbuf b = {0};
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_entry_reader *r = NULL;
    char dg[72];

    (void)state;
    tdigest("", 0, dg);
    assert_int_equal(open_mem(&b, dg, dg, 0, NULL, &r, &err), 0);
    assert_int_equal(read_all(r, NULL, &err), 0);
    assert_int_equal(moat_entry_reader_close(r, &err), 0);
    moat_err_clear(&err);
}

static void test_dir_reader(void **state)
{
    char *root = tmp_dir(), *p;
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_entry_reader *r = NULL;
    struct moat_entry e;
    const char *order[8];
    char names[8][64], buf[32];
    size_t n = 0;
    int busy = 1;

    (void)state;
    p = path_join(root, "b");
    mkdir(p, 0755);
    free(p);
    p = path_join(root, "b/file");
    write_file(p, "hello", 5);
    free(p);
    p = path_join(root, "a");
    write_file(p, "x", 1);
    free(p);
    p = path_join(root, "b/escape");
    assert_int_equal(symlink("/etc/shadow", p), 0);
    free(p);
    p = path_join(root, "c");
    assert_int_equal(symlink("/etc", p), 0); /* a directory link: must not be walked */
    free(p);
    assert_int_equal(source_layer_dir_open(root, &busy, &r, &err), 0);
    while (moat_entry_next(r, &e, &err) == 1) {
        assert_true(n < 8);
        snprintf(names[n], sizeof(names[n]), "%s", e.path);
        order[n] = names[n];
        if (strcmp(e.path, "b/escape") == 0) {
            assert_int_equal(e.type, MOAT_FT_SYMLINK);
            assert_string_equal(e.link, "/etc/shadow");
            assert_int_equal(moat_entry_read(r, buf, sizeof(buf), &err), 0);
        } else if (strcmp(e.path, "c") == 0) {
            assert_int_equal(e.type, MOAT_FT_SYMLINK);
            assert_string_equal(e.link, "/etc");
        } else if (strcmp(e.path, "b/file") == 0) {
            assert_int_equal(e.type, MOAT_FT_REG);
            assert_int_equal(e.size, 5);
            assert_int_equal(moat_entry_read(r, buf, sizeof(buf), &err), 5);
            assert_memory_equal(buf, "hello", 5);
            assert_int_equal(moat_entry_read(r, buf, sizeof(buf), &err), 0);
        }
        n++;
    }
    assert_int_equal(n, 5);
    assert_string_equal(order[0], "a");
    assert_string_equal(order[1], "b");
    assert_string_equal(order[2], "b/escape");
    assert_string_equal(order[3], "b/file");
    assert_string_equal(order[4], "c");
    assert_int_equal(moat_entry_reader_close(r, &err), 0);
    assert_int_equal(busy, 0);
    rm_rf(root);
    free(root);
    moat_err_clear(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_gzip_zstd),
        cmocka_unit_test(test_gzip_multi_member),
        cmocka_unit_test(test_flipped_byte_refused_at_close),
        cmocka_unit_test(test_truncated_layer),
        cmocka_unit_test(test_ratio_limit),
        cmocka_unit_test(test_unsupported_compression),
        cmocka_unit_test(test_empty_layer),
        cmocka_unit_test(test_dir_reader),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
