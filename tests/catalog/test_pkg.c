/*
 * test_pkg.c - inventory add (moves, bounded), sort order and frees.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "catalog_test.h"

static void add(struct moat_inventory *inv, enum moat_pkg_type t, const char *n, const char *v,
                const char *a)
{
    struct moat_pkg p = {0};
    struct moat_err err = MOAT_ERR_INIT;

    p.type = t;
    p.name = strdup(n);
    p.version = strdup(v);
    p.arch = a != NULL ? strdup(a) : NULL;
    p.files = calloc(1, sizeof(char *));
    p.files[0] = strdup("usr/bin/x");
    p.n_files = 1;
    assert_int_equal(moat_inventory_add(inv, &p, &err), 0);
    assert_null(p.name);
    assert_int_equal(p.layer, -1);
}

static void test_sort(void **state)
{
    struct moat_inventory inv = {0};

    (void)state;
    add(&inv, MOAT_PKG_RPM, "a", "1", "x86_64");
    add(&inv, MOAT_PKG_DEB, "b", "2", "amd64");
    add(&inv, MOAT_PKG_DEB, "b", "1", "i386");
    add(&inv, MOAT_PKG_DEB, "b", "1", NULL);
    add(&inv, MOAT_PKG_APK, "z", "1", "x86_64");
    moat_inventory_sort(&inv);
    assert_int_equal(inv.pkgs[0].type, MOAT_PKG_DEB);
    assert_null(inv.pkgs[0].arch);
    assert_string_equal(inv.pkgs[1].arch, "i386");
    assert_string_equal(inv.pkgs[2].version, "2");
    assert_int_equal(inv.pkgs[3].type, MOAT_PKG_APK);
    assert_int_equal(inv.pkgs[4].type, MOAT_PKG_RPM);
    moat_inventory_free(&inv);
    assert_int_equal(inv.n_pkgs, 0);
    assert_null(inv.pkgs);
}

static void test_growth_and_limit(void **state)
{
    struct moat_inventory inv = {0};
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_pkg p = {0};

    (void)state;
    for (size_t i = 0; i < 200000; i++) {
        p.type = MOAT_PKG_DEB;
        assert_int_equal(moat_inventory_add(&inv, &p, &err), 0);
    }
    p.db_path = strdup("var/lib/dpkg/status");
    assert_int_equal(moat_inventory_add(&inv, &p, &err), -MOAT_E_LIMIT);
    assert_string_equal(moat_err_msg(&err), "var/lib/dpkg/status: more than 200000 packages");
    moat_pkg_free(&p);
    moat_inventory_free(&inv);
    moat_err_clear(&err);
    moat_pkg_free(NULL);
    moat_inventory_free(NULL);
}

static void test_patterns(void **state)
{
    size_t n = 0;
    const char *const *pat = moat_catalog_capture_patterns(&n);
    int dpkg = 0, apk = 0, rpm = 0, os = 0;

    (void)state;
    for (size_t i = 0; i < n; i++) {
        dpkg += strcmp(pat[i], "var/lib/dpkg/status") == 0 ||
                strcmp(pat[i], "var/lib/dpkg/info/*.list") == 0;
        apk += strcmp(pat[i], "lib/apk/db/installed") == 0;
        rpm += strcmp(pat[i], "usr/lib/sysimage/rpm/rpmdb.sqlite") == 0;
        os += strcmp(pat[i], "etc/os-release") == 0 || strcmp(pat[i], "usr/lib/os-release") == 0;
    }
    assert_int_equal(dpkg, 2);
    assert_int_equal(apk, 1);
    assert_int_equal(rpm, 1);
    assert_int_equal(os, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sort),
        cmocka_unit_test(test_growth_and_limit),
        cmocka_unit_test(test_patterns),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
