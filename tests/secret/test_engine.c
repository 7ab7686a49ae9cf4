/* test_engine.c - streaming: a secret split across chunks at every offset is
 * still found once, with the same line; chunking never changes the findings;
 * long matches and many matches stay bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "secret_test.h"

static struct moat_secret_engine *engine(void)
{
    struct moat_secret_engine *e = NULL;
    struct moat_err err = MOAT_ERR_INIT;

    if (moat_secret_engine_new(&e, &err) < 0)
        fail_msg("%s", moat_err_msg(&err));
    return e;
}

static const char text[] =
    "# config\nuser=app\n"
    "aws_secret_access_key = PtYgjmUhBel31iEl2hpChYgCfrL1spNxnyVmihA+\n"
    "AWS_ACCESS_KEY_ID=AKIAZ7VQ4XJ2MRTN6KWB\n"
    "jwt: eyJhbGciOiJSUzI1NiJ9Cg.eyJleHAiOjY1NTM2fQo.Ce7sh0ENPiBlE_dose0cBA\n"
    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n"
    "{\"auths\": {\"r.io\": {\"auth\": \"ZGVwbG95OlMzY3IzdFBhNTV3MHJkIXg5\"}}}\n"
    "db_password = \"Xk9#mQ2!vL7pR4tZ\"\n";

static void scan_split(struct moat_secret_engine *e, const size_t *cuts, size_t n_cuts,
                       struct moat_findings *out)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_secret_scan *s = NULL;
    size_t len = sizeof text - 1, at = 0;

    assert_int_equal(moat_secret_scan_open(e, "app/.env", 2, &s, &err), 0);
    for (size_t i = 0; i <= n_cuts; i++) {
        size_t end = i < n_cuts ? cuts[i] : len;
        assert_int_equal(moat_secret_scan_feed(s, text + at, end - at, &err), 0);
        at = end;
    }
    assert_int_equal(moat_secret_scan_close(s, out, &err), 0);
    moat_findings_sort(out);
}

static void assert_same(const struct moat_findings *a, const struct moat_findings *b, size_t cut)
{
    if (a->n != b->n)
        fail_msg("cut at %zu: %zu findings, whole gives %zu", cut, b->n, a->n);
    for (size_t i = 0; i < a->n; i++) {
        assert_string_equal(a->v[i].rule_id, b->v[i].rule_id);
        assert_int_equal(a->v[i].line, b->v[i].line);
        assert_string_equal(a->v[i].match, b->v[i].match);
    }
}

static void test_split_at_every_offset(void **state)
{
    struct moat_secret_engine *e = engine();
    struct moat_findings whole = {0};

    (void)state;
    scan_split(e, NULL, 0, &whole);
    assert_int_equal(whole.n, 6);
    for (size_t cut = 0; cut <= sizeof text - 1; cut++) {
        struct moat_findings got = {0};
        scan_split(e, &cut, 1, &got);
        assert_same(&whole, &got, cut);
        moat_findings_free(&got);
    }
    moat_findings_free(&whole);
    moat_secret_engine_free(e);
}

static void test_byte_at_a_time(void **state)
{
    struct moat_secret_engine *e = engine();
    struct moat_findings whole = {0}, got = {0};
    size_t cuts[sizeof text];

    (void)state;
    for (size_t i = 0; i < sizeof text - 1; i++)
        cuts[i] = i + 1;
    scan_split(e, NULL, 0, &whole);
    scan_split(e, cuts, sizeof text - 2, &got);
    assert_same(&whole, &got, 0);
    moat_findings_free(&whole);
    moat_findings_free(&got);
    moat_secret_engine_free(e);
}

/* A secret after megabytes of filler keeps its line; memory is the tail only. */
static void test_far_into_big_file(void **state)
{
    struct moat_secret_engine *e = engine();
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_secret_scan *s = NULL;
    struct moat_findings fs = {0};
    char line[64];

    (void)state;
    memset(line, 'a', sizeof line - 1);
    line[sizeof line - 1] = '\n';
    assert_int_equal(moat_secret_scan_open(e, "big", 0, &s, &err), 0);
    for (int i = 0; i < 100000; i++)
        assert_int_equal(moat_secret_scan_feed(s, line, sizeof line, &err), 0);
    assert_int_equal(
        moat_secret_scan_feed(s, "x ghp_VvVqE1SkHbn88HxjSI6bWHtP3fS2qHx6kwXo", 42, &err), 0);
    assert_int_equal(moat_secret_scan_close(s, &fs, &err), 0);
    assert_int_equal(fs.n, 1);
    assert_int_equal(fs.v[0].line, 100001);
    assert_string_equal(fs.v[0].match, "ghp_****");
    moat_findings_free(&fs);
    moat_secret_engine_free(e);
}

/* A token far longer than the kept window is still found once, from its start. */
static void test_very_long_match(void **state)
{
    struct moat_secret_engine *e = engine();
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_findings fs = {0};
    size_t n = 20000;
    char *buf = malloc(n + 64);

    (void)state;
    assert_non_null(buf);
    memcpy(buf, "pypi-AgEIcHlwaS5vcmc", 20);
    for (size_t i = 20; i < n; i++)
        buf[i] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789-_"[(i * 7) % 48];
    assert_int_equal(moat_secret_scan_buffer(e, "f", 0, buf, n, &fs, &err), 0);
    assert_int_equal(count_rule(&fs, "secret-pypi-token"), 1);
    moat_findings_free(&fs);
    free(buf);
    moat_secret_engine_free(e);
}

/* Many secrets in one file: at most MOAT_SECRET_MAX_PER_FILE findings. */
static void test_findings_per_file_bounded(void **state)
{
    struct moat_secret_engine *e = engine();
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_secret_scan *s = NULL;
    struct moat_findings fs = {0};
    const char *key = "-----BEGIN OPENSSH PRIVATE KEY-----\n";

    (void)state;
    assert_int_equal(moat_secret_scan_open(e, "many", 0, &s, &err), 0);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(moat_secret_scan_feed(s, key, strlen(key), &err), 0);
    assert_int_equal(moat_secret_scan_close(s, &fs, &err), 0);
    assert_int_equal(fs.n, MOAT_SECRET_MAX_PER_FILE);
    moat_findings_free(&fs);
    moat_secret_engine_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_at_every_offset),     cmocka_unit_test(test_byte_at_a_time),
        cmocka_unit_test(test_far_into_big_file),         cmocka_unit_test(test_very_long_match),
        cmocka_unit_test(test_findings_per_file_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
