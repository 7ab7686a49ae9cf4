/*
 * test_ignore.c - the ignore file (scan/ignore.c): Trivy's .trivyignore
 * lines, exp: dates (midnight UTC of that day, as Trivy reads them), ids
 * matched on rule id or alias without regard to case, and hostile files
 * refused naming FILE:LINE.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "moat/scan/ignore.h"

static struct moat_ignore *parse_ok(const char *text)
{
    struct moat_ignore *ig = NULL;
    struct moat_err err = MOAT_ERR_INIT;

    if (moat_ignore_parse(".moatignore", text, strlen(text), &ig, &err) < 0)
        fail_msg("%s", moat_err_msg(&err));
    return ig;
}

static void expect_error(const char *text, size_t len, const char *msg)
{
    struct moat_ignore *ig = NULL;
    struct moat_err err = MOAT_ERR_INIT;

    assert_true(moat_ignore_parse(".moatignore", text, len, &ig, &err) < 0);
    assert_null(ig);
    assert_non_null(strstr(moat_err_msg(&err), msg));
    moat_err_clear(&err);
}

static void test_trivy_format(void **state)
{
    /* the example of Trivy's documentation, comments and blank lines included */
    struct moat_ignore *ig = parse_ok("# Accept the risk\n"
                                      "CVE-2018-14618\n"
                                      "\n"
                                      "# Accept the risk until 2023-01-01\n"
                                      "CVE-2019-14697 exp:2023-01-01\r\n"
                                      "  generic-unwanted-rule   # inline note\n"
                                      "AVD-DS-0002 somethingelse");

    (void)state;
    assert_int_equal(ig->n, 4);
    assert_string_equal(ig->v[0].id, "CVE-2018-14618");
    assert_int_equal(ig->v[0].expires, 0);
    assert_int_equal(ig->v[0].line, 2);
    assert_string_equal(ig->v[1].id, "CVE-2019-14697");
    assert_int_equal(ig->v[1].expires, 1672531200); /* 2023-01-01T00:00:00Z */
    assert_int_equal(ig->v[1].line, 5);
    assert_string_equal(ig->v[2].id, "generic-unwanted-rule");
    assert_string_equal(ig->v[3].id, "AVD-DS-0002");
    moat_ignore_free(ig);
}

static void test_match(void **state)
{
    struct moat_ignore *ig = parse_ok("cve-2024-0001\nDSA-5555-1\nCVE-2020-1 exp:2023-01-01\n");
    char *aliases[] = {"DSA-5555-1"};
    struct moat_finding a = {.rule_id = "CVE-2024-0001"};
    struct moat_finding b = {.rule_id = "CVE-2024-0002", .aliases = aliases, .n_aliases = 1};
    struct moat_finding c = {.rule_id = "CVE-2020-1"};
    struct moat_finding d = {.rule_id = "CVE-2024-0003"};
    const struct moat_ignore_entry *expired;

    (void)state;
    assert_non_null(moat_ignore_match(ig, &a, 1700000000, NULL)); /* case folded */
    assert_non_null(moat_ignore_match(ig, &b, 1700000000, NULL)); /* by alias */
    assert_null(moat_ignore_match(ig, &d, 1700000000, &expired));
    assert_null(expired);
    /* before the day it applies; from midnight UTC of that day on, it does not */
    assert_non_null(moat_ignore_match(ig, &c, 1672531199, NULL));
    assert_null(moat_ignore_match(ig, &c, 1672531200, &expired));
    assert_non_null(expired);
    assert_int_equal(expired->line, 3);
    moat_ignore_free(ig);
}

static void test_errors(void **state)
{
    char big[300];

    (void)state;
    expect_error("CVE-1 exp:2024-13-01\n", 21, ".moatignore:1: exp:2024-13-01 is not a date");
    expect_error("ok\nCVE-1 exp:2023-02-29\n", 24, ".moatignore:2: exp:2023-02-29 is not a date");
    expect_error("CVE-1 exp:tomorrow\n", 19, ".moatignore:1: exp:tomorrow is not a date");
    expect_error("a\nb\0c\n", 6, ".moatignore:2: a NUL byte");
    expect_error("\x01\x02\n", 3, ".moatignore:1: not an id");
    memset(big, 'A', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    expect_error(big, strlen(big), ".moatignore:1: not an id");
}

static void test_load(void **state)
{
    struct moat_ignore *ig = NULL;
    struct moat_err err = MOAT_ERR_INIT;

    (void)state;
    assert_int_equal(moat_ignore_load("/nonexistent/.moatignore", &ig, &err), -MOAT_E_NOTFOUND);
    assert_null(ig);
    assert_int_equal(moat_ignore_load("/", &ig, &err), -MOAT_E_IO); /* not a regular file */
    moat_err_clear(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_trivy_format),
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_load),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
