/*
 * test_apk.c - Alpine installed-db parsing: the real Alpine 3.20.3
 * minirootfs db (read from the tarball with libarchive) checked against an
 * awk parse of the same bytes, Trivy's sample db, and hostile input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <cmocka.h>

#include "catalog_test.h"

#define MINIROOTFS MOAT_SHARED_DATA "/alpine-minirootfs/alpine-minirootfs-3.20.3-x86_64.tar.gz"
#define TRIVY_APK MOAT_SHARED_DATA "/ground-truth/trivy-golden/pkgdb-inputs/apk-installed"

static int parse(const void *s, size_t len, struct moat_inventory *inv, struct moat_err *err)
{
    return moat_apk_parse_installed("lib/apk/db/installed", s, len, inv, err);
}

/* One member of a tar.gz, in memory. */
static unsigned char *tar_member(const char *tarball, const char *name, size_t *len)
{
    struct archive *a = archive_read_new();
    struct archive_entry *e;
    struct moat_buf b = MOAT_BUF_INIT;
    unsigned char *out = NULL;

    archive_read_support_filter_all(a);
    archive_read_support_format_all(a);
    if (archive_read_open_filename(a, tarball, 65536) != ARCHIVE_OK)
        goto out;
    while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
        const char *p = archive_entry_pathname(e);
        char chunk[65536];
        la_ssize_t n;

        if (strncmp(p, "./", 2) == 0)
            p += 2;
        if (strcmp(p, name) != 0)
            continue;
        while ((n = archive_read_data(a, chunk, sizeof(chunk))) > 0)
            moat_buf_append(&b, chunk, (size_t)n);
        out = (unsigned char *)moat_buf_steal(&b, len);
        break;
    }
out:
    archive_read_free(a);
    moat_buf_free(&b);
    return out;
}

/* name\tversion\tarch lines and the R: count, by awk over the same bytes. */
static void awk_truth(const unsigned char *data, size_t len, char **tsv, size_t *n_files)
{
    char tmpl[] = "/tmp/moat-apk-XXXXXX", cmd[512];
    int fd = mkstemp(tmpl);
    char *raw, *count;

    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
    snprintf(cmd, sizeof(cmd),
             "awk 'function out() { if (p != \"\" && v != \"\") print p \"\\t\" v \"\\t\" a; p = v "
             "= a = \"\" }"
             " /^$/ { out(); next } /^P:/ { p = substr($0, 3) } /^V:/ { v = substr($0, 3) }"
             " /^A:/ { a = substr($0, 3) } END { out() }' %s",
             tmpl);
    raw = ct_capture(cmd);
    assert_non_null(raw);
    *tsv = ct_sort_lines(raw);
    free(raw);
    snprintf(cmd, sizeof(cmd), "grep -c '^R:' %s", tmpl);
    count = ct_capture(cmd);
    assert_non_null(count);
    *n_files = strtoul(count, NULL, 10);
    free(count);
    unlink(tmpl);
}

static size_t total_files(const struct moat_inventory *inv)
{
    size_t n = 0;

    for (size_t i = 0; i < inv->n_pkgs; i++)
        n += inv->pkgs[i].n_files;
    return n;
}

static void test_minirootfs(void **state)
{
    size_t len, want_files;
    unsigned char *db = tar_member(MINIROOTFS, "lib/apk/db/installed", &len);
    struct moat_inventory inv = {0};
    struct moat_err err = MOAT_ERR_INIT;
    char *want, *got;
    const struct moat_pkg *p;

    (void)state;
    moat_need_file(MINIROOTFS);
    assert_non_null(db);
    awk_truth(db, len, &want, &want_files);
    assert_int_equal(parse(db, len, &inv, &err), 0);
    assert_int_equal(inv.n_pkgs, 14);
    got = ct_inventory_tsv(&inv);
    assert_string_equal(got, want);
    assert_int_equal(total_files(&inv), want_files);
    p = ct_find(&inv, "busybox-binsh");
    assert_non_null(p);
    assert_string_equal(p->version, "1.36.1-r29");
    assert_string_equal(p->src_name, "busybox");
    assert_string_equal(p->license, "GPL-2.0-only");
    assert_string_equal(p->arch, "x86_64");
    assert_non_null(p->description);
    assert_non_null(p->maintainer);
    assert_int_equal(p->n_files, 1);
    assert_string_equal(p->files[0], "bin/sh");
    p = ct_find(&inv, "musl");
    assert_null(p->src_name);
    free(got);
    free(want);
    moat_inventory_free(&inv);
    free(db);
}

static void test_trivy_sample(void **state)
{
    size_t len, want_files;
    unsigned char *db = ct_read_file(TRIVY_APK, &len);
    struct moat_inventory inv = {0};
    struct moat_err err = MOAT_ERR_INIT;
    char *want, *got;

    (void)state;
    moat_need_file(TRIVY_APK);
    assert_non_null(db);
    awk_truth(db, len, &want, &want_files);
    assert_int_equal(parse(db, len, &inv, &err), 0);
    assert_null(ct_find(&inv, "invalidPackageWithoutAVersion"));
    got = ct_inventory_tsv(&inv);
    assert_string_equal(got, want);
    free(got);
    free(want);
    moat_inventory_free(&inv);
    free(db);
}

static void test_files_and_hostile(void **state)
{
    static const char s[] =
        "P:a\r\nV:1\r\nR:top\r\nF:usr/bin\r\nR:x\r\nR:x\r\nF:/etc/\r\nR:conf\r\n\r\n"
        "P:b\nV:2:1";
    static const char bad[] = "P:a\nV:1\nthis line is not a key\n";
    static const char nul[] = "P:a\0\nV:1\n";
    struct moat_inventory inv = {0};
    struct moat_err err = MOAT_ERR_INIT;

    (void)state;
    assert_int_equal(parse(s, sizeof(s) - 1, &inv, &err), 0);
    assert_int_equal(inv.n_pkgs, 2);
    assert_int_equal(inv.pkgs[0].n_files, 3);
    assert_string_equal(inv.pkgs[0].files[0], "etc/conf");
    assert_string_equal(inv.pkgs[0].files[1], "top");
    assert_string_equal(inv.pkgs[0].files[2], "usr/bin/x");
    assert_string_equal(inv.pkgs[1].version, "2:1");
    moat_inventory_free(&inv);
    assert_int_equal(parse(bad, sizeof(bad) - 1, &inv, &err), -MOAT_E_FORMAT);
    assert_string_equal(moat_err_msg(&err), "lib/apk/db/installed: line 3: expected 'X:value'");
    moat_inventory_free(&inv);
    assert_int_equal(parse(nul, sizeof(nul) - 1, &inv, &err), -MOAT_E_FORMAT);
    moat_inventory_free(&inv);
    moat_err_clear(&err);
}

static void test_bounds(void **state)
{
    size_t n = (1u << 20) + 10, len;
    char *s = malloc(10u << 20);
    struct moat_inventory inv = {0};
    struct moat_err err = MOAT_ERR_INIT;

    (void)state;
    len = (size_t)snprintf(s, 32, "P:a\nV:");
    memset(s + len, '1', n);
    len += n;
    assert_int_equal(parse(s, len, &inv, &err), -MOAT_E_LIMIT);
    moat_inventory_free(&inv);
    /* 1M tiny records stop at MOAT_MAX_PACKAGES. */
    len = 0;
    for (size_t i = 0; i < 1000000; i++) {
        memcpy(s + len, "P:p\nV:1\n\n", 9);
        len += 9;
    }
    assert_int_equal(parse(s, len, &inv, &err), -MOAT_E_LIMIT);
    assert_int_equal(inv.n_pkgs, 200000);
    moat_inventory_free(&inv);
    moat_err_clear(&err);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minirootfs),
        cmocka_unit_test(test_trivy_sample),
        cmocka_unit_test(test_files_and_hostile),
        cmocka_unit_test(test_bounds),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
