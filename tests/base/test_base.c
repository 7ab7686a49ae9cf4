/* test_base.c - the error context and the capped buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "moat/base/buf.h"
#include "moat/base/error.h"
#include "moat/base/finding.h"

static void test_err_set_returns_negative_code(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;

    (void)state;
    assert_int_equal(moat_err_set(&err, MOAT_E_FORMAT, "%s: bad %d", "x.tar", 3), -MOAT_E_FORMAT);
    assert_int_equal(err.code, MOAT_E_FORMAT);
    assert_string_equal(moat_err_msg(&err), "x.tar: bad 3");
    assert_int_equal(moat_err_prefix(&err, "layer %d", 2), -MOAT_E_FORMAT);
    assert_string_equal(moat_err_msg(&err), "layer 2: x.tar: bad 3");
    moat_err_clear(&err);
    assert_int_equal(err.code, 0);
    assert_null(err.msg);
    assert_string_equal(moat_err_msg(&err), "success");
    assert_int_equal(moat_err_set(NULL, MOAT_E_IO, "dropped"), -MOAT_E_IO);
    assert_string_equal(moat_strerror(-MOAT_E_DIGEST), "digest mismatch");
    assert_string_equal(moat_strerror(9999), "unknown error");
}

static void test_err_long_message_not_truncated(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    char big[5000];

    (void)state;
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    moat_err_set(&err, MOAT_E_LIMIT, "%s", big);
    assert_int_equal(strlen(moat_err_msg(&err)), sizeof(big) - 1);
    moat_err_clear(&err);
}

static void test_buf_cap(void **state)
{
    struct moat_buf b = MOAT_BUF_INIT;
    size_t len;
    char *s;

    (void)state;
    b.max = 8;
    assert_int_equal(moat_buf_append(&b, "abcd", 4), 0);
    assert_int_equal(moat_buf_appendf(&b, "%d", 123), 0);
    assert_string_equal(b.data, "abcd123");
    assert_int_equal(moat_buf_append(&b, "xy", 2), -MOAT_E_LIMIT);
    assert_int_equal(b.len, 7);
    assert_int_equal(moat_buf_append(&b, "x", SIZE_MAX), -MOAT_E_LIMIT);
    s = moat_buf_steal(&b, &len);
    assert_int_equal(len, 7);
    assert_string_equal(s, "abcd123");
    assert_null(b.data);
    free(s);
    moat_buf_free(&b);
}

static void test_findings(void **state)
{
    struct moat_findings fs = {0};
    struct moat_finding f = {0};
    enum moat_severity sev;

    (void)state;
    assert_int_equal(moat_severity_parse("Moderate", &sev), 0);
    assert_int_equal(sev, MOAT_SEV_MEDIUM);
    assert_int_equal(moat_severity_parse("bogus", &sev), -MOAT_E_ARG);
    assert_string_equal(moat_severity_name(MOAT_SEV_CRITICAL), "CRITICAL");
    assert_int_equal(moat_severity_from_score(9.0), MOAT_SEV_CRITICAL);
    assert_int_equal(moat_severity_from_score(6.9), MOAT_SEV_MEDIUM);
    assert_int_equal(moat_severity_from_score(0.0), MOAT_SEV_UNKNOWN);
    for (int i = 0; i < 40; i++) {
        f.kind = MOAT_FINDING_VULN;
        f.severity = (enum moat_severity)(i % 5);
        assert_true(asprintf(&f.rule_id, "CVE-2024-%04d", 40 - i) > 0);
        f.pkg_name = strdup("bash");
        assert_int_equal(moat_findings_add(&fs, &f, NULL), 0);
        assert_null(f.rule_id);
    }
    moat_findings_sort(&fs);
    assert_int_equal(fs.n, 40);
    for (size_t i = 1; i < fs.n; i++) {
        assert_true(fs.v[i - 1].severity >= fs.v[i].severity);
        if (fs.v[i - 1].severity == fs.v[i].severity)
            assert_true(strcmp(fs.v[i - 1].rule_id, fs.v[i].rule_id) < 0);
    }
    moat_findings_free(&fs);
    assert_int_equal(fs.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_err_set_returns_negative_code),
        cmocka_unit_test(test_err_long_message_not_truncated),
        cmocka_unit_test(test_buf_cap),
        cmocka_unit_test(test_findings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
