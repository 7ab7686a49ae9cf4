/*
 * test_os.c - os-release parsing (quoting, escapes, comments) and the
 * one-line release-file fallbacks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "catalog_test.h"

#define MINBASE MOAT_SHARED_DATA "/debian-bookworm-minbase/rootfs-metadata"

static int parse(const char *s, struct moat_os *os)
{
    struct moat_err err = MOAT_ERR_INIT;
    int r = moat_os_release_parse((const unsigned char *)s, strlen(s), os, &err);

    moat_err_clear(&err);
    return r;
}

static void test_minbase(void **state)
{
    size_t len;
    unsigned char *d = ct_read_file(MINBASE "/usr/lib/os-release", &len);
    struct moat_os os = {0};
    struct moat_err err = MOAT_ERR_INIT;

    (void)state;
    moat_need_file(MINBASE "/usr/lib/os-release");
    assert_non_null(d);
    assert_int_equal(moat_os_release_parse(d, len, &os, &err), 0);
    assert_string_equal(os.id, "debian");
    assert_string_equal(os.version_id, "12");
    assert_string_equal(os.codename, "bookworm");
    assert_string_equal(os.pretty_name, "Debian GNU/Linux 12 (bookworm)");
    moat_os_free(&os);
    free(d);
}

static void test_quoting(void **state)
{
    struct moat_os os = {0};

    (void)state;
    assert_int_equal(parse("# comment\n"
                           "  ID=alpine  \r\n"
                           "VERSION_ID='3.20.3'\n"
                           "PRETTY_NAME=\"Say \\\"hi\\\" \\\\ \\$x \\n\"\n"
                           "VERSION_CODENAME=a\\ b # trailing comment\n"
                           "garbage line\n"
                           "=novalue\n",
                           &os),
                     0);
    assert_string_equal(os.id, "alpine");
    assert_string_equal(os.version_id, "3.20.3");
    assert_string_equal(os.pretty_name, "Say \"hi\" \\ $x \\n");
    assert_string_equal(os.codename, "a b");
    moat_os_free(&os);
    /* Broken quoting and empty values are ignored; a later line wins. */
    assert_int_equal(parse("ID=\"unterminated\nVERSION_ID=\nID=rhel\nID=\"centos\"", &os), 0);
    assert_string_equal(os.id, "centos");
    assert_null(os.version_id);
    moat_os_free(&os);
    assert_int_equal(parse("", &os), 0);
    assert_null(os.id);
}

static void test_nul_and_long(void **state)
{
    static const char nul[] = "ID=de\0bian\n";
    size_t n = (1u << 20) + 10;
    char *big = malloc(n + 8);
    struct moat_os os = {0};
    struct moat_err err = MOAT_ERR_INIT;

    (void)state;
    assert_int_equal(moat_os_release_parse((const unsigned char *)nul, sizeof(nul) - 1, &os, &err),
                     -MOAT_E_FORMAT);
    moat_os_free(&os);
    memcpy(big, "ID=", 3);
    memset(big + 3, 'x', n);
    assert_int_equal(moat_os_release_parse((const unsigned char *)big, n + 3, &os, &err),
                     -MOAT_E_LIMIT);
    moat_os_free(&os);
    moat_err_clear(&err);
    free(big);
}

static void test_fallbacks(void **state)
{
    static const char deb[] = "12.15\n", alp[] = "3.20.3\n";
    static const char rh[] = "CentOS Linux release 7.9.2009 (Core)\n";
    static const char rhel[] = "Red Hat Enterprise Linux Server release 7.9 (Maipo)";
    struct moat_os os = {0};
    struct moat_err err = MOAT_ERR_INIT;

    (void)state;
    assert_int_equal(moat_os_release_fallback("etc/debian_version", (const unsigned char *)deb,
                                              sizeof(deb) - 1, &os, &err),
                     0);
    assert_string_equal(os.id, "debian");
    assert_string_equal(os.version_id, "12.15");
    moat_os_free(&os);
    assert_int_equal(moat_os_release_fallback("etc/alpine-release", (const unsigned char *)alp,
                                              sizeof(alp) - 1, &os, &err),
                     0);
    assert_string_equal(os.id, "alpine");
    assert_string_equal(os.version_id, "3.20.3");
    moat_os_free(&os);
    assert_int_equal(moat_os_release_fallback("etc/redhat-release", (const unsigned char *)rh,
                                              sizeof(rh) - 1, &os, &err),
                     0);
    assert_string_equal(os.id, "centos");
    assert_string_equal(os.version_id, "7.9.2009");
    assert_string_equal(os.pretty_name, "CentOS Linux release 7.9.2009 (Core)");
    moat_os_free(&os);
    assert_int_equal(moat_os_release_fallback("etc/redhat-release", (const unsigned char *)rhel,
                                              sizeof(rhel) - 1, &os, &err),
                     0);
    assert_string_equal(os.id, "rhel");
    assert_string_equal(os.version_id, "7.9");
    moat_os_free(&os);
    assert_int_equal(
        moat_os_release_fallback("etc/debian_version", (const unsigned char *)"\n", 1, &os, &err),
        -MOAT_E_FORMAT);
    assert_int_equal(
        moat_os_release_fallback("etc/issue", (const unsigned char *)"x", 1, &os, &err),
        -MOAT_E_UNSUPPORTED);
    moat_os_free(&os);
    moat_err_clear(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minbase),
        cmocka_unit_test(test_quoting),
        cmocka_unit_test(test_nul_and_long),
        cmocka_unit_test(test_fallbacks),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
