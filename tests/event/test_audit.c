/* test_audit.c - the hash-chained audit log: appends chain, survive reopening,
 * and every kind of tampering (edited byte, deleted, swapped or inserted line,
 * cut last line, forged hash) is caught with the line it happened on; the
 * chain hashes are checked against sha256 computed by the openssl CLI. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "moat/event/audit.h"

static char dir[] = "/tmp/moat-audit-XXXXXX";
static char path[256];

static int setup(void **state)
{
    (void)state;
    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(path, sizeof path, "%s/audit.jsonl", dir);
    return 0;
}

static int teardown(void **state)
{
    char cmd[300];

    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd);
}

static void write_events(const char *p, int n, int first)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_audit *a = NULL;
    const char *reasons[] = {"privileged container", "image not from a trusted registry"};

    if (moat_audit_open(p, &a, &err) < 0)
        fail_msg("%s", moat_err_msg(&err));
    for (int i = 0; i < n; i++) {
        char subject[64];
        struct moat_event ev = {0};

        snprintf(subject, sizeof subject, "docker.io/library/app:%d", first + i);
        ev.time_ms = 1796000000000 + i;
        ev.kind = "authz.request";
        ev.subject = subject;
        ev.decision = i % 2 ? "deny" : "allow";
        ev.reasons = i % 2 ? reasons : NULL;
        ev.n_reasons = i % 2 ? 2 : 0;
        ev.actor = "alice";
        if (moat_audit_append(a, &ev, &err) < 0)
            fail_msg("%s", moat_err_msg(&err));
    }
    moat_audit_close(a);
}

static char *slurp(const char *p, size_t *len)
{
    FILE *f = fopen(p, "rb");
    char *buf = malloc(1 << 20);

    assert_non_null(f);
    *len = fread(buf, 1, 1 << 20, f);
    fclose(f);
    buf[*len] = '\0';
    return buf;
}

static void spit(const char *p, const char *data, size_t len)
{
    FILE *f = fopen(p, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

/* Offsets of the starts of lines (up to 64). */
static size_t line_starts(const char *buf, size_t len, size_t *starts)
{
    size_t n = 0;

    for (size_t i = 0; i < len && n < 64; i++)
        if (i == 0 || buf[i - 1] == '\n')
            starts[n++] = i;
    return n;
}

static void expect_broken(const char *data, size_t len, const char *needle)
{
    struct moat_err err = MOAT_ERR_INIT;
    char p[300];

    snprintf(p, sizeof p, "%s/tampered.jsonl", dir);
    spit(p, data, len);
    assert_int_equal(moat_audit_verify(p, NULL, &err), -MOAT_E_VERIFY);
    if (strstr(moat_err_msg(&err), needle) == NULL)
        fail_msg("expected '%s' in: %s", needle, moat_err_msg(&err));
    moat_err_clear(&err);
}

static void test_chain_and_reopen(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_audit_head head;
    struct stat st;
    size_t len, starts[64];
    char *buf, *p, cmd[400], want[65] = {0};
    FILE *f;

    (void)state;
    write_events(path, 3, 0);
    write_events(path, 2, 3); /* reopened: the chain continues */
    assert_int_equal(moat_audit_verify(path, &head, &err), 0);
    assert_int_equal(head.lines, 5);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 077, 0); /* nobody else reads the decisions */

    buf = slurp(path, &len);
    assert_int_equal(line_starts(buf, len, starts), 5);
    assert_non_null(strstr(buf, "\"seq\":1,\"time\":\"2026-"));
    assert_non_null(strstr(
        buf, "\"prev\":\"0000000000000000000000000000000000000000000000000000000000000000\""));
    assert_non_null(strstr(
        buf, "\"reasons\":[\"privileged container\",\"image not from a trusted registry\"]"));
    /* line 2's prev is sha256 of line 1 (without newline), computed by openssl */
    snprintf(cmd, sizeof cmd, "head -n1 '%s' | tr -d '\\n' | openssl dgst -sha256 -r | cut -c1-64",
             path);
    f = popen(cmd, "r");
    assert_non_null(f);
    assert_non_null(fgets(want, sizeof want, f));
    pclose(f);
    assert_int_equal(strlen(want), 64);
    {
        char needle[80];

        snprintf(needle, sizeof needle, "\"prev\":\"%s\"", want);
        p = strstr(buf + starts[1], needle);
        assert_non_null(p);
        assert_true(p < buf + starts[2]);
    }
    /* each line's hash is sha256 of the line without its hash member */
    snprintf(cmd, sizeof cmd,
             "head -n1 '%s' | sed 's/,\"hash\":\"[0-9a-f]*\"}$/}/' | tr -d '\\n' | openssl dgst "
             "-sha256 -r | cut -c1-64",
             path);
    f = popen(cmd, "r");
    assert_non_null(f);
    assert_non_null(fgets(want, sizeof want, f));
    pclose(f);
    {
        char needle[80];

        snprintf(needle, sizeof needle, "\"hash\":\"%s\"}\n", want);
        assert_true(strstr(buf, needle) == buf + starts[1] - strlen(needle));
    }
    free(buf);
}

static void test_tampering(void **state)
{
    size_t len, starts[64];
    char *buf, *copy, *p;

    (void)state;
    buf = slurp(path, &len);
    assert_int_equal(line_starts(buf, len, starts), 5);
    copy = malloc(len + 1);

    /* one byte of a reason changed */
    memcpy(copy, buf, len);
    p = strstr(copy + starts[1], "privileged");
    assert_non_null(p);
    p[0] = 'P';
    expect_broken(copy, len, "line 2: hash does not match");

    /* line 3 deleted */
    memcpy(copy, buf, starts[2]);
    memcpy(copy + starts[2], buf + starts[3], len - starts[3]);
    expect_broken(copy, len - (starts[3] - starts[2]), "line 3: seq is 4");

    /* lines 2 and 3 swapped */
    memcpy(copy, buf, starts[1]);
    memcpy(copy + starts[1], buf + starts[2], starts[3] - starts[2]);
    memcpy(copy + starts[1] + (starts[3] - starts[2]), buf + starts[1], starts[2] - starts[1]);
    memcpy(copy + starts[3], buf + starts[3], len - starts[3]);
    expect_broken(copy, len, "line 2: seq is 3");

    /* the last line cut in the middle */
    expect_broken(buf, len - 10, "line 5: incomplete");

    free(copy);
    free(buf);
}

/* An edited line whose hash was recomputed (and seq kept) still breaks the next prev. */
static void test_forged_hash(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    char p2[300], cmd[2048];

    (void)state;
    snprintf(p2, sizeof p2, "%s/forged.jsonl", dir);
    /* rewrite line 2's decision and recompute its hash with openssl */
    snprintf(cmd, sizeof cmd,
             "set -e; f='%s'; o='%s'; head -n1 \"$f\" >\"$o\"; "
             "b=$(sed -n 2p \"$f\" | sed 's/\"deny\"/\"allow\"/; s/,\"hash\":\"[0-9a-f]*\"}$/}/'); "
             "h=$(printf '%%s' \"$b\" | openssl dgst -sha256 -r | cut -c1-64); "
             "printf '%%s,\"hash\":\"%%s\"}\\n' \"${b%%\\}}\" \"$h\" >>\"$o\"; "
             "tail -n +3 \"$f\" >>\"$o\"",
             path, p2);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(moat_audit_verify(p2, NULL, &err), -MOAT_E_VERIFY);
    assert_non_null(strstr(moat_err_msg(&err), "line 3: prev does not match"));
    moat_err_clear(&err);
}

/* A damaged tail is not extended; a second writer is refused. */
static void test_open_refusals(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_audit *a = NULL, *b = NULL;
    char p2[300];
    size_t len;
    char *buf;

    (void)state;
    assert_int_equal(moat_audit_open(path, &a, &err), 0);
    assert_int_equal(moat_audit_open(path, &b, &err), -MOAT_E_IO);
    assert_non_null(strstr(moat_err_msg(&err), "in use"));
    moat_err_clear(&err);
    moat_audit_close(a);

    buf = slurp(path, &len);
    snprintf(p2, sizeof p2, "%s/cut.jsonl", dir);
    spit(p2, buf, len - 5);
    assert_int_equal(moat_audit_open(p2, &a, &err), -MOAT_E_VERIFY);
    assert_non_null(strstr(moat_err_msg(&err), "incomplete"));
    moat_err_clear(&err);
    free(buf);

    /* an empty file is a fresh log */
    spit(p2, "", 0);
    write_events(p2, 1, 0);
    assert_int_equal(moat_audit_verify(p2, NULL, &err), 0);
    /* a hostile line with no hash */
    spit(p2, "{\"seq\":1}\n", 10);
    assert_int_equal(moat_audit_open(p2, &a, &err), -MOAT_E_VERIFY);
    moat_err_clear(&err);
}

/* Hostile strings: control characters and invalid UTF-8 stay one valid JSON line. */
static void test_hostile_strings(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_audit *a = NULL;
    struct moat_audit_head head;
    char p2[300], *big;
    const char *reasons[] = {"line1\nline2\r\"quoted\"\x01\xff\xfe"};
    struct moat_event ev = {0};

    (void)state;
    snprintf(p2, sizeof p2, "%s/hostile.jsonl", dir);
    big = malloc(100000);
    memset(big, 'A', 99999);
    big[99999] = '\0';
    assert_int_equal(moat_audit_open(p2, &a, &err), 0);
    ev.kind = "authz.request";
    ev.subject = big;
    ev.decision = "deny";
    ev.reasons = reasons;
    ev.n_reasons = 1;
    assert_int_equal(moat_audit_append(a, &ev, &err), 0);
    assert_int_equal(moat_audit_append(a, &ev, &err), 0);
    moat_audit_close(a);
    assert_int_equal(moat_audit_verify(p2, &head, &err), 0);
    assert_int_equal(head.lines, 2);
    free(big);
}

/* Background syncing keeps the same chain; close flushes it. */
static void test_background_sync(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_audit *a = NULL;
    struct moat_audit_head head;
    struct moat_event ev = {0};
    char p2[300];

    (void)state;
    snprintf(p2, sizeof p2, "%s/bg.jsonl", dir);
    assert_int_equal(moat_audit_open(p2, &a, &err), 0);
    assert_int_equal(moat_audit_sync_every(a, 5, &err), 0);
    ev.kind = "authz.request";
    ev.decision = "allow";
    for (int i = 0; i < 50; i++) {
        assert_int_equal(moat_audit_append(a, &ev, &err), 0);
        if (i % 10 == 0)
            usleep(6000); /* let the syncer run between appends */
    }
    moat_audit_close(a);
    assert_int_equal(moat_audit_verify(p2, &head, &err), 0);
    assert_int_equal(head.lines, 50);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain_and_reopen), cmocka_unit_test(test_tampering),
        cmocka_unit_test(test_forged_hash),      cmocka_unit_test(test_open_refusals),
        cmocka_unit_test(test_hostile_strings),  cmocka_unit_test(test_background_sync),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
