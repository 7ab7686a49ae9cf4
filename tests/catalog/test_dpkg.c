/*
 * test_dpkg.c - dpkg status parsing: fields, status filter, hostile input,
 * and two real databases checked against dpkg-query run at test time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <cmocka.h>

#include "catalog_test.h"

#define MINBASE MOAT_SHARED_DATA "/debian-bookworm-minbase/rootfs-metadata/var/lib/dpkg"

static int parse(const char *s, size_t len, struct moat_inventory *inv, struct moat_err *err)
{
    return moat_dpkg_parse_status("var/lib/dpkg/status", (const unsigned char *)s, len, inv, err);
}

static void test_fields(void **state)
{
    static const char s[] = "Description: the first line\n"
                            " continued here\n"
                            " .\n"
                            "Version: 1:2.36-9+deb12u14\n"
                            "Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>\n"
                            "source: glibc (2.36-9)\n"
                            "Architecture: amd64\n"
                            "Status: install ok installed\n"
                            "Package: libc6\n"
                            "\n"
                            "Package: zlib1g\n"
                            "Status: hold ok installed\n"
                            "Version: 1:1.2.13.dfsg-1\n"
                            "Source: zlib\n"
                            "Architecture: amd64\n";
    struct moat_inventory inv = {0};
    struct moat_err err = MOAT_ERR_INIT;
    const struct moat_pkg *p;

    (void)state;
    assert_int_equal(parse(s, sizeof(s) - 1, &inv, &err), 0);
    assert_int_equal(inv.n_pkgs, 2);
    p = ct_find(&inv, "libc6");
    assert_non_null(p);
    assert_int_equal(p->type, MOAT_PKG_DEB);
    assert_string_equal(p->version, "1:2.36-9+deb12u14");
    assert_int_equal(p->epoch, 1);
    assert_string_equal(p->arch, "amd64");
    assert_string_equal(p->src_name, "glibc");
    assert_string_equal(p->src_version, "2.36-9");
    assert_string_equal(p->description, "the first line");
    assert_string_equal(p->maintainer, "GNU Libc Maintainers <debian-glibc@lists.debian.org>");
    assert_null(p->license);
    assert_int_equal(p->layer, -1);
    p = ct_find(&inv, "zlib1g");
    assert_non_null(p);
    assert_string_equal(p->src_name, "zlib");
    assert_null(p->src_version);
    assert_int_equal(p->epoch, 1);
    moat_inventory_free(&inv);
}

static void test_status_filter(void **state)
{
    static const char s[] = "Package: a\nStatus: install ok installed\nVersion: 1\n\n"
                            "Package: b\nStatus: deinstall ok config-files\nVersion: 1\n\n"
                            "Package: c\nStatus: install ok half-installed\nVersion: 1\n\n"
                            "Package: d\nStatus: hold ok installed\nVersion: 1\n\n"
                            "Package: e\nStatus: purge ok not-installed\n\n"
                            "Package: f\nStatus: install reinstreq installed\nVersion: 1\n\n"
                            "Package: g\nVersion: 1\n\n" /* distroless: no Status */
                            "Package: h\nStatus: deinstall ok installed\nVersion: 1\n\n"
                            "Package: nover\nStatus: install ok installed\n";
    struct moat_inventory inv = {0};
    struct moat_err err = MOAT_ERR_INIT;

    (void)state;
    assert_int_equal(parse(s, sizeof(s) - 1, &inv, &err), 0);
    moat_inventory_sort(&inv);
    assert_int_equal(inv.n_pkgs, 3);
    assert_string_equal(inv.pkgs[0].name, "a");
    assert_string_equal(inv.pkgs[1].name, "d");
    assert_string_equal(inv.pkgs[2].name, "g");
    moat_inventory_free(&inv);
}

static void test_crlf_no_newline_blanks(void **state)
{
    static const char s[] = "\r\n\r\nPackage: a\r\nVersion: 1.0\r\nArchitecture: all\r\n \t \r\n"
                            "Package: b\r\nVersion:   2.0  ";
    struct moat_inventory inv = {0};
    struct moat_err err = MOAT_ERR_INIT;

    (void)state;
    assert_int_equal(parse(s, sizeof(s) - 1, &inv, &err), 0);
    assert_int_equal(inv.n_pkgs, 2);
    assert_string_equal(inv.pkgs[0].version, "1.0");
    assert_string_equal(inv.pkgs[0].arch, "all");
    assert_string_equal(inv.pkgs[1].version, "2.0");
    moat_inventory_free(&inv);
}

static void test_nul_bytes(void **state)
{
    static const char bad[] = "Package: a\0b\nVersion: 1\n";
    static const char ok[] = "Package: a\nX-Junk: \0\0\nVersion: 1\n";
    struct moat_inventory inv = {0};
    struct moat_err err = MOAT_ERR_INIT;

    (void)state;
    assert_int_equal(parse(bad, sizeof(bad) - 1, &inv, &err), -MOAT_E_FORMAT);
    assert_non_null(strstr(moat_err_msg(&err), "var/lib/dpkg/status: line 1: NUL byte"));
    moat_err_clear(&err);
    moat_inventory_free(&inv);
    assert_int_equal(parse(ok, sizeof(ok) - 1, &inv, &err), 0);
    assert_int_equal(inv.n_pkgs, 1);
    moat_inventory_free(&inv);
}

static void test_malformed(void **state)
{
    static const char nocolon[] = "Package: a\nVersion: 1\n\nPackage: b\nthis is not a field\n";
    static const char cont[] = " orphan continuation\nPackage: a\n";
    static const char epoch[] = "Package: a\nVersion: x1:2\n";
    static const char epoch2[] = "Package: a\nVersion: 99999999999:2\n";
    static const char src[] = "Package: a\nVersion: 1\nSource: s (1\n";
    static const char trunc[] = "Package: a\nVersion: 1\n\nPackage: b\nDescription: cut sho";
    struct moat_inventory inv = {0};
    struct moat_err err = MOAT_ERR_INIT;

    (void)state;
    assert_int_equal(parse(nocolon, sizeof(nocolon) - 1, &inv, &err), -MOAT_E_FORMAT);
    assert_string_equal(moat_err_msg(&err), "var/lib/dpkg/status: line 5: expected 'Field: value'");
    moat_inventory_free(&inv);
    assert_int_equal(parse(cont, sizeof(cont) - 1, &inv, &err), -MOAT_E_FORMAT);
    assert_int_equal(parse(epoch, sizeof(epoch) - 1, &inv, &err), -MOAT_E_FORMAT);
    assert_int_equal(parse(epoch2, sizeof(epoch2) - 1, &inv, &err), -MOAT_E_FORMAT);
    assert_int_equal(parse(src, sizeof(src) - 1, &inv, &err), -MOAT_E_FORMAT);
    moat_inventory_free(&inv);
    /* Truncated in the middle of a field: what is there is kept. */
    assert_int_equal(parse(trunc, strlen(trunc), &inv, &err), 0);
    assert_int_equal(inv.n_pkgs, 1);
    moat_inventory_free(&inv);
    assert_int_equal(parse("", 0, &inv, &err), 0);
    assert_int_equal(parse(NULL, 0, &inv, &err), 0);
    assert_int_equal(inv.n_pkgs, 0);
    moat_err_clear(&err);
}

static void test_huge_field(void **state)
{
    size_t n = (1u << 20) + 100;
    char *s = malloc(2 * n + 64);
    struct moat_inventory inv = {0};
    struct moat_err err = MOAT_ERR_INIT;
    size_t len;

    (void)state;
    /* One huge line. */
    len = (size_t)snprintf(s, 64, "Package: a\nVersion: ");
    memset(s + len, '1', n);
    len += n;
    assert_int_equal(parse(s, len, &inv, &err), -MOAT_E_LIMIT);
    assert_string_equal(moat_err_msg(&err), "var/lib/dpkg/status: line 2: field too long");
    moat_inventory_free(&inv);
    /* A huge field made of many continuation lines. */
    len = (size_t)snprintf(s, 64, "Package: a\nDescription: x\n");
    while (len + 4 < 2 * n) {
        memcpy(s + len, " y\n", 3);
        len += 3;
    }
    assert_int_equal(parse(s, len, &inv, &err), -MOAT_E_LIMIT);
    moat_inventory_free(&inv);
    moat_err_clear(&err);
    free(s);
}

static void test_many_stanzas_bounded(void **state)
{
    static const char one[] = "Package: p\nVersion: 1\n\n";
    size_t count = 1000000, len = count * (sizeof(one) - 1);
    char *s = malloc(len);
    struct moat_inventory inv = {0};
    struct moat_err err = MOAT_ERR_INIT;

    (void)state;
    for (size_t i = 0; i < count; i++)
        memcpy(s + i * (sizeof(one) - 1), one, sizeof(one) - 1);
    assert_int_equal(parse(s, len, &inv, &err), -MOAT_E_LIMIT);
    assert_int_equal(inv.n_pkgs, 200000);
    moat_inventory_free(&inv);
    moat_err_clear(&err);
    free(s);
}

/* Compare our parse of <admindir>/status with dpkg-query over the same file. */
static void check_against_dpkg_query(const char *admindir, size_t min_pkgs)
{
    char path[4096], cmd[8192];
    unsigned char *data;
    size_t len;
    char *want_raw, *want, *got;
    struct moat_inventory inv = {0};
    struct moat_err err = MOAT_ERR_INIT;

    snprintf(path, sizeof(path), "%s/status", admindir);
    moat_need_file(path);
    if (system("command -v dpkg-query >/dev/null") != 0)
        moat_skip("dpkg-query not installed (apt-get install dpkg): no reference for %s", path);
    data = ct_read_file(path, &len);
    assert_non_null(data);
    /* Installed = want install/hold, no error flag, status installed ("ii "/"hi "). */
    snprintf(cmd, sizeof(cmd),
             "dpkg-query --admindir='%s' -W -f='${db:Status-Abbrev}\\t${Package}\\t${Version}\\t"
             "${Architecture}\\n' | awk -F'\\t' '$1 == \"ii \" || $1 == \"hi \" "
             "{ print $2 \"\\t\" $3 \"\\t\" $4 }'",
             admindir);
    want_raw = ct_capture(cmd);
    assert_non_null(want_raw);
    want = ct_sort_lines(want_raw);
    assert_int_equal(moat_dpkg_parse_status(path, data, len, &inv, &err), 0);
    assert_true(inv.n_pkgs >= min_pkgs);
    got = ct_inventory_tsv(&inv);
    assert_string_equal(got, want);
    free(got);
    free(want);
    free(want_raw);
    moat_inventory_free(&inv);
    free(data);
}

static void test_minbase_vs_dpkg_query(void **state)
{
    (void)state;
    check_against_dpkg_query(MINBASE, 88);
}

static void test_host_vs_dpkg_query(void **state)
{
    (void)state;
    check_against_dpkg_query("/var/lib/dpkg", 1);
}

static void test_speed(void **state)
{
    size_t len, big_len = 0;
    unsigned char *data = ct_read_file("/var/lib/dpkg/status", &len), *big;
    struct moat_inventory inv = {0};
    struct moat_err err = MOAT_ERR_INIT;
    struct timespec t0, t1;
    double ms;

    (void)state;
    if (data == NULL || len == 0) {
        free(data);
        moat_skip("/var/lib/dpkg/status missing or empty: not a Debian host");
    }
    big = malloc((2u << 20) + len + 1);
    while (big_len < (2u << 20)) {
        memcpy(big + big_len, data, len);
        big_len += len;
        big[big_len++] = '\n';
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(moat_dpkg_parse_status("status", big, big_len, &inv, &err), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    printf("parsed %zu bytes, %zu packages in %.2f ms\n", big_len, inv.n_pkgs, ms);
    assert_true(ms < 1000.0); /* a few ms normally; generous for sanitizer builds */
    moat_inventory_free(&inv);
    free(big);
    free(data);
}

static void test_list_md5sums(void **state)
{
    static const char list[] = "/.\n/usr\n/usr/bin/b\n/usr/bin\n/usr/bin/a\n\n/usr/bin/a\n";
    static const char md5[] = "0123456789abcdef0123456789abcdef  usr/lib/x.so\n"
                              "fedcba9876543210fedcba9876543210  etc/a.conf\nbogus\n";
    struct moat_pkg p = {0};
    struct moat_err err = MOAT_ERR_INIT;

    (void)state;
    assert_int_equal(moat_dpkg_parse_list("info/x.list", (const unsigned char *)list,
                                          sizeof(list) - 1, &p, &err),
                     0);
    assert_int_equal(p.n_files, 4);
    assert_string_equal(p.files[0], "usr");
    assert_string_equal(p.files[1], "usr/bin");
    assert_string_equal(p.files[2], "usr/bin/a");
    assert_string_equal(p.files[3], "usr/bin/b");
    assert_int_equal(
        moat_dpkg_parse_md5sums("x.md5sums", (const unsigned char *)md5, sizeof(md5) - 1, &p, &err),
        0);
    assert_int_equal(p.n_files, 2);
    assert_string_equal(p.files[0], "etc/a.conf");
    assert_string_equal(p.files[1], "usr/lib/x.so");
    moat_pkg_free(&p);
}

static void test_copyright(void **state)
{
    static const char c[] =
        "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
        "Files: *\nCopyright: someone\nLicense: GPL-2+\n text of the license\n\n"
        "Files: a/*\nLicense: GPL-2+\n\nFiles: b/*\nLicense: BSD-3-clause\n"
        "Files: c/*\nLicense:   GPL-2+ or Artistic\r\nLicense:\n";
    char *lic = NULL;
    struct moat_err err = MOAT_ERR_INIT;

    (void)state;
    assert_int_equal(
        moat_dpkg_parse_copyright("copyright", (const unsigned char *)c, sizeof(c) - 1, &lic, &err),
        0);
    assert_string_equal(lic, "GPL-2+ AND BSD-3-clause AND (GPL-2+ or Artistic)");
    free(lic);
    assert_int_equal(
        moat_dpkg_parse_copyright("copyright", (const unsigned char *)"none", 4, &lic, &err), 0);
    assert_null(lic);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_status_filter),
        cmocka_unit_test(test_crlf_no_newline_blanks),
        cmocka_unit_test(test_nul_bytes),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_huge_field),
        cmocka_unit_test(test_many_stanzas_bounded),
        cmocka_unit_test(test_minbase_vs_dpkg_query),
        cmocka_unit_test(test_host_vs_dpkg_query),
        cmocka_unit_test(test_speed),
        cmocka_unit_test(test_list_md5sums),
        cmocka_unit_test(test_copyright),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
