/*
 * test_statement.c - in-toto Statement v1 building and parsing, the subject
 * digest rule, RFC 3339 times, and moat's phase and scan predicates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "moat/custody/custody.h"

#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void test_subject_digest(void **state)
{
    struct moat_image_meta m = {0};

    (void)state;
    assert_null(moat_custody_subject_digest(&m));
    assert_null(moat_custody_subject_digest(NULL));
    m.config_digest = "sha256:" H64;
    assert_string_equal(moat_custody_subject_digest(&m), "sha256:" H64);
    m.manifest_digest = "sha256:ffff";
    assert_string_equal(moat_custody_subject_digest(&m), "sha256:ffff");
}

static void test_build_parse(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_statement st;
    json_t *pred = json_pack("{s:s}", "k", "v"), *root;
    char *json = NULL;

    (void)state;
    assert_int_equal(moat_statement_build("example.com/app:1.0", "sha256:" H64, "https://x/y", pred,
                                          &json, &err),
                     0);
    /* independent look at the JSON */
    root = json_loads(json, 0, NULL);
    assert_non_null(root);
    assert_string_equal(json_string_value(json_object_get(root, "_type")),
                        "https://in-toto.io/Statement/v1");
    assert_string_equal(
        json_string_value(json_object_get(
            json_object_get(json_array_get(json_object_get(root, "subject"), 0), "digest"),
            "sha256")),
        H64);
    json_decref(root);
    assert_int_equal(moat_statement_parse("s", (unsigned char *)json, strlen(json), &st, &err), 0);
    assert_string_equal(st.predicate_type, "https://x/y");
    assert_int_equal(st.n_subjects, 1);
    assert_string_equal(st.subject_names[0], "example.com/app:1.0");
    assert_string_equal(st.subject_sha256[0], H64);
    assert_true(json_equal(st.predicate, pred));
    moat_statement_free(&st);
    free(json);
    /* bare hex is accepted, anything else refused */
    assert_int_equal(moat_statement_build("n", H64, "t", pred, &json, &err), 0);
    free(json);
    assert_int_equal(moat_statement_build("n", "sha256:abc", "t", pred, &json, &err), -MOAT_E_ARG);
    assert_int_equal(moat_statement_build("n", "sha512:" H64, "t", pred, &json, &err), -MOAT_E_ARG);
    assert_int_equal(moat_statement_build("n", NULL, "t", pred, &json, &err), -MOAT_E_ARG);
    json_decref(pred);
    moat_err_clear(&err);
}

static int parse(const char *s, struct moat_statement *st)
{
    struct moat_err err = MOAT_ERR_INIT;
    int r = moat_statement_parse("p", (const unsigned char *)s, strlen(s), st, &err);

    moat_err_clear(&err);
    return r;
}

static void test_parse_rules(void **state)
{
    struct moat_statement st;

    (void)state;
    /* v0.1, uppercase hex normalised, subjects without sha256 skipped, no predicate -> {} */
    assert_int_equal(
        parse("{\"_type\":\"https://in-toto.io/Statement/v0.1\",\"predicateType\":\"t\","
              "\"subject\":[{\"name\":\"a\",\"digest\":{\"sha512\":\"00\"}},"
              "{\"name\":\"b\",\"digest\":{\"sha256\":\"" H64 "\"}},"
              "{\"digest\":{\"sha256\":\"ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789"
              "ABCDEF0123456789\"}}]}",
              &st),
        0);
    assert_int_equal(st.n_subjects, 2);
    assert_string_equal(st.subject_names[0], "b");
    assert_string_equal(st.subject_names[1], "");
    assert_string_equal(st.subject_sha256[1],
                        "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");
    assert_true(json_is_object(st.predicate));
    assert_int_equal(json_object_size(st.predicate), 0);
    moat_statement_free(&st);

    static const char *const bad[] = {
        "[]",
        "{\"_type\":\"https://in-toto.io/Statement/v2\",\"predicateType\":\"t\",\"subject\":"
        "[{\"digest\":{\"sha256\":\"" H64 "\"}}]}",
        "{\"predicateType\":\"t\",\"subject\":[{\"digest\":{\"sha256\":\"" H64 "\"}}]}",
        "{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":[{\"digest\":{\"sha256\":\"" H64
        "\"}}]}",
        "{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicateType\":\"t\",\"subject\":[]}",
        "{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicateType\":\"t\"}",
        "{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicateType\":\"t\",\"subject\":"
        "[{\"digest\":{\"sha512\":\"00\"}}]}",
        "{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicateType\":\"t\",\"subject\":"
        "[{\"digest\":{\"sha256\":\"abc\"}}]}",
        "{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicateType\":\"t\",\"subject\":"
        "[{\"digest\":{\"sha256\":\"" H64 "\"}}],\"predicate\":[]}",
        "{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicateType\":\"t\",\"subject\":"
        "[{\"name\":7,\"digest\":{\"sha256\":\"" H64 "\"}}]}",
        "{\"_type\":\"https://in-toto.io/Statement/v1\",\"predicateType\":\"t\",\"subject\":"
        "[{\"digest\":{\"sha256\":"
        "\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg\"}}]}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (parse(bad[i], &st) == 0)
            fail_msg("accepted bad statement %zu", i);
}

static void test_phase_predicate(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    unsigned char prev[32];
    json_t *p = NULL;

    (void)state;
    memset(prev, 0xab, sizeof(prev));
    assert_int_equal(
        moat_predicate_phase("test", "2025-01-01T00:00:00Z", "ci@host", prev, &p, &err), 0);
    assert_string_equal(json_string_value(json_object_get(p, "phase")), "test");
    assert_string_equal(json_string_value(json_object_get(p, "builder")), "ci@host");
    assert_string_equal(json_string_value(json_object_get(p, "previous")),
                        "sha256:abababababababababababababababababababababababababababababababab");
    json_decref(p);
    assert_int_equal(moat_predicate_phase("build", "2025-01-01T00:00:00Z", NULL, NULL, &p, &err),
                     0);
    assert_null(json_object_get(p, "previous"));
    json_decref(p);
    assert_int_equal(moat_predicate_phase("", "t", NULL, NULL, &p, &err), -MOAT_E_ARG);
    moat_err_clear(&err);
}

static const char scan_report[] =
    "{\"schema\":\"moat-scan/1\",\"tool\":{\"name\":\"moat\",\"version\":\"0.1.0\"},"
    "\"timestamp\":\"2025-06-03T10:20:30Z\",\"target\":\"app\","
    "\"image\":{\"manifest_digest\":\"sha256:" H64 "\",\"config_digest\":\"sha256:" H64 "\"},"
    "\"packages_scanned\":88,\"db_note\":\"vulnerability db: 2025-06-01\","
    "\"summary\":{\"total\":7,\"suppressed\":1,\"by_severity\":{\"CRITICAL\":0,\"HIGH\":2,"
    "\"MEDIUM\":2,\"LOW\":1,\"UNKNOWN\":2},\"by_kind\":{\"vulnerability\":5,\"secret\":1,"
    "\"misconfiguration\":1,\"policy\":0}},\"findings\":[]}";

static void test_scan_predicate(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_image_meta m = {0};
    json_t *rep = json_loads(scan_report, 0, NULL), *p = NULL, *sc;

    (void)state;
    assert_non_null(rep);
    m.manifest_digest = "sha256:" H64;
    assert_int_equal(moat_predicate_scan("scan.json", rep, &m, &p, &err), 0);
    assert_string_equal(json_string_value(json_object_get(p, "max_severity")), "HIGH");
    assert_string_equal(json_string_value(json_object_get(p, "time")), "2025-06-03T10:20:30Z");
    assert_string_equal(json_string_value(json_object_get(json_object_get(p, "scanner"), "name")),
                        "moat");
    sc = json_object_get(p, "severity_counts");
    assert_int_equal(json_integer_value(json_object_get(sc, "HIGH")), 2);
    assert_int_equal(json_integer_value(json_object_get(sc, "CRITICAL")), 0);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(p, "kind_counts"), "secret")), 1);
    assert_int_equal(json_integer_value(json_object_get(p, "total")), 7);
    assert_int_equal(json_integer_value(json_object_get(p, "packages_scanned")), 88);
    json_decref(p);

    /* a scan of another image is refused */
    m.manifest_digest = "sha256:1123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    assert_int_equal(moat_predicate_scan("scan.json", rep, &m, &p, &err), -MOAT_E_VERIFY);
    assert_non_null(strstr(moat_err_msg(&err), "not of this image"));
    /* docker-archive: no manifest digest, the config digest decides */
    m.manifest_digest = NULL;
    m.config_digest = "sha256:" H64;
    assert_int_equal(moat_predicate_scan("scan.json", rep, &m, &p, &err), 0);
    json_decref(p);

    /* nothing found: NONE */
    json_object_set_new(json_object_get(json_object_get(rep, "summary"), "by_severity"), "HIGH",
                        json_integer(0));
    json_object_set_new(json_object_get(json_object_get(rep, "summary"), "by_severity"), "MEDIUM",
                        json_integer(0));
    json_object_set_new(json_object_get(json_object_get(rep, "summary"), "by_severity"), "LOW",
                        json_integer(0));
    json_object_set_new(json_object_get(json_object_get(rep, "summary"), "by_severity"), "UNKNOWN",
                        json_integer(0));
    assert_int_equal(moat_predicate_scan("scan.json", rep, NULL, &p, &err), 0);
    assert_string_equal(json_string_value(json_object_get(p, "max_severity")), "NONE");
    json_decref(p);
    /* negative counts and other schemas are refused */
    json_object_set_new(json_object_get(json_object_get(rep, "summary"), "by_severity"), "LOW",
                        json_integer(-1));
    assert_int_equal(moat_predicate_scan("scan.json", rep, NULL, &p, &err), -MOAT_E_FORMAT);
    json_object_set_new(rep, "schema", json_string("cyclonedx"));
    assert_int_equal(moat_predicate_scan("scan.json", rep, NULL, &p, &err), -MOAT_E_FORMAT);
    json_decref(rep);
    moat_err_clear(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_subject_digest), cmocka_unit_test(test_build_parse),
        cmocka_unit_test(test_parse_rules),    cmocka_unit_test(test_phase_predicate),
        cmocka_unit_test(test_scan_predicate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
