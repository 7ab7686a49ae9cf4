/* test_gosem.c - Go's readings of request strings, checked against values
 * taken from Go itself: unicode.CaseRanges (src/unicode/tables.go: U+0131
 * upper delta -232 -> 'I', U+017F delta -300 -> 'S', U+212A KELVIN SIGN and
 * U+0130 map to themselves), strconv.Atoi's documented forms, moby's
 * versions.Compare, url.ParseQuery (Go >= 1.17 drops pairs with ';'). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "moat/policy/gosem.h"

static void test_upper(void **state)
{
    static const char
        *const same[]
                   [2] = {
                       {"sys_admin", "SYS_ADMIN"},
                       {"\xc5\xbfys_admin", "SYS_ADMIN"}, /* U+017F LATIN SMALL LETTER LONG S */
                       {"SYS_ADM\xc4\xb1N", "SYS_ADMIN"}, /* U+0131 LATIN SMALL LETTER DOTLESS I */
                       {"cap_\xc5\xbf\xc5\xbfs", "CAP_SSS"},
                       {"Net_Admin", "NET_ADMIN"},
                       {"", ""},
                   };
    static const char *const not_ascii[] = {
        "SYS_ADM\xc4\xb0N",     /* U+0130 CAPITAL I WITH DOT: upper case is itself */
        "\xe2\x84\xaaILL",      /* U+212A KELVIN SIGN: upper case is itself */
        "SYS_ADMIN\xff",        /* invalid UTF-8 reads as U+FFFD */
        "\xc4",                 /* a cut sequence */
        "sys_adm\xef\xbd\x89n", /* U+FF49 fullwidth i -> U+FF29, not 'I' */
    };
    char out[64];

    (void)state;
    for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
        assert_true(moat_go_upper_ascii(same[i][0], strlen(same[i][0]), out, sizeof out));
        assert_string_equal(out, same[i][1]);
    }
    for (size_t i = 0; i < sizeof not_ascii / sizeof not_ascii[0]; i++)
        assert_false(moat_go_upper_ascii(not_ascii[i], strlen(not_ascii[i]), out, sizeof out));
    assert_false(moat_go_upper_ascii("abcdef", 6, out, 6)); /* no room for the NUL */
}

static void test_atoi(void **state)
{
    static const struct {
        const char *s;
        bool ok;
        long long v;
    } cases[] = {
        {"0", true, 0},
        {"+0", true, 0},
        {"-0", true, 0},
        {"00", true, 0},
        {"+00", true, 0},
        {"1000", true, 1000},
        {"-1", true, -1},
        {"", false, 0},
        {"+", false, 0},
        {"-", false, 0},
        {"+-1", false, 0},
        {" 1", false, 0},
        {"1_000", false, 0},
        {"0x10", false, 0},
        {"1e3", false, 0},
        {"9223372036854775807", true, INT64_MAX},
        {"-9223372036854775808", true, INT64_MIN},
        {"9223372036854775808", false, INT64_MAX}, /* ErrRange: clamped */
        {"-9223372036854775809", false, INT64_MIN},
        {"99999999999999999999x", false, 0}, /* ErrSyntax wins */
    };
    long long v;

    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool ok = moat_go_atoi(cases[i].s, strlen(cases[i].s), &v);

        if (ok != cases[i].ok || v != cases[i].v)
            fail_msg("Atoi(\"%s\") = %lld, %d", cases[i].s, v, ok);
    }
}

static void test_versions(void **state)
{
    (void)state;
    assert_true(moat_go_version_cmp("1.23", "1.24") < 0);
    assert_true(moat_go_version_cmp("1.41", "1.24") > 0);
    assert_int_equal(moat_go_version_cmp("1.024", "1.24"), 0);
    assert_true(moat_go_version_cmp("1..24", "1.24") < 0); /* 1.0.24 */
    assert_int_equal(moat_go_version_cmp("1.24.0", "1.24"), 0);
    assert_true(moat_go_version_cmp("1.9", "1.10") < 0);
    assert_true(moat_go_version_cmp("2", "1.99") > 0);
    assert_true(moat_go_version_cmp(".", "1.12") < 0);
}

static void test_query(void **state)
{
    char v[64];

    (void)state;
    assert_int_equal(moat_go_query_get("networkmode=host", "networkmode", v, sizeof v), 1);
    assert_string_equal(v, "host");
    assert_int_equal(
        moat_go_query_get("t=x&networkmode=%68ost&networkmode=none", "networkmode", v, sizeof v),
        1);
    assert_string_equal(v, "host"); /* FormValue: the first value */
    assert_int_equal(moat_go_query_get("network%6dode=host", "networkmode", v, sizeof v), 1);
    assert_int_equal(
        moat_go_query_get("networkmode=host;x=1&networkmode=none", "networkmode", v, sizeof v), 1);
    assert_string_equal(v, "none"); /* the pair with ';' is dropped */
    assert_int_equal(moat_go_query_get("networkmode=%zz&networkmode=b", "networkmode", v, sizeof v),
                     1);
    assert_string_equal(v, "b");
    assert_int_equal(moat_go_query_get("a=b+c%20d", "a", v, sizeof v), 1);
    assert_string_equal(v, "b c d");
    assert_int_equal(moat_go_query_get("networkmode", "networkmode", v, sizeof v), 1);
    assert_string_equal(v, "");
    assert_int_equal(moat_go_query_get("NetworkMode=host", "networkmode", v, sizeof v), 0);
    assert_int_equal(moat_go_query_get("", "networkmode", v, sizeof v), 0);
    assert_int_equal(moat_go_query_get("a=0123456789", "a", v, 5), -1);
}

static void test_fields(void **state)
{
    json_t *o = json_loads("{\"privileged\":true,\"\xc5\xbf"
                           "ecurityOpt\":[],\"\xe2\x84\xaa"
                           "ey\":1,\"Image\":\"x\",\"IMAGE\":\"y\"}",
                           0, NULL);
    bool amb = false;

    (void)state;
    assert_non_null(o);
    assert_true(json_is_true(moat_go_field(o, "Privileged", &amb)));
    assert_non_null(moat_go_field(o, "SecurityOpt", &amb));
    assert_non_null(moat_go_field(o, "Key", &amb));
    assert_false(amb);
    assert_null(moat_go_field(o, "Image", &amb));
    assert_true(amb);
    json_decref(o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_upper),    cmocka_unit_test(test_atoi),
        cmocka_unit_test(test_versions), cmocka_unit_test(test_query),
        cmocka_unit_test(test_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
