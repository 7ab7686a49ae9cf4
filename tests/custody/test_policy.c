/*
 * test_policy.c - custody.yaml: a full policy parses into what it says; every
 * kind of mistake (unknown keys, a phase naming an undefined key, a missing
 * or non-public key file, duplicates, bad durations, aliases, extra
 * documents, oversized values) is refused with "FILE: line N: problem";
 * durations parse and print as documented.
 */
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

#include "custody/verify_int.h"

static char tmpdir[64];
static char build_pem[1024];

static char *path_in(const char *name)
{
    static char p[4][256];
    static int i;

    i = (i + 1) % 4;
    snprintf(p[i], sizeof(p[i]), "%s/%s", tmpdir, name);
    return p[i];
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static void new_key(const char *name, const char *pass)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_key *k = NULL;
    char path[256];

    assert_int_equal(moat_key_generate(MOAT_KEY_ECDSA_P256, &k, &err), 0);
    snprintf(path, sizeof(path), "%s/keys/%s.pub", tmpdir, name);
    assert_int_equal(moat_key_write_public(k, path, &err), 0);
    if (pass != NULL) {
        snprintf(path, sizeof(path), "%s/keys/%s.key", tmpdir, name);
        assert_int_equal(moat_key_write_private(k, path, pass, strlen(pass), &err), 0);
    }
    moat_key_free(k);
    moat_err_clear(&err);
}

static int setup(void **state)
{
    FILE *f;
    size_t n;

    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/moat-test-policy.XXXXXX");
    if (mkdtemp(tmpdir) == NULL || mkdir(path_in("keys"), 0755) != 0)
        return -1;
    new_key("build", NULL);
    new_key("test", NULL);
    new_key("release", NULL);
    f = fopen(path_in("keys/build.pub"), "r");
    if (f == NULL)
        return -1;
    n = fread(build_pem, 1, sizeof(build_pem) - 1, f);
    build_pem[n] = '\0';
    fclose(f);
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];

    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Parse text with the temp dir as base; returns rc, the message in msg (may be NULL). */
static int parse(const char *text, struct moat_custody_policy **p, char *msg, size_t cap)
{
    struct moat_err err = MOAT_ERR_INIT;
    int rc = moat_custody_policy_parse("custody.yaml", text, strlen(text), tmpdir, p, &err);

    if (msg != NULL)
        snprintf(msg, cap, "%s", rc < 0 ? moat_err_msg(&err) : "");
    moat_err_clear(&err);
    return rc;
}

/* text must be refused with a message containing want. */
static void refused(const char *text, const char *want)
{
    struct moat_custody_policy *p = NULL;
    char msg[1024];
    int rc = parse(text, &p, msg, sizeof(msg));

    if (rc == 0 || strstr(msg, want) == NULL)
        fail_msg("expected an error containing \"%s\", got rc %d \"%s\"", want, rc, msg);
    assert_null(p);
}

#define KEYS "version: 1\nkeys:\n  build: keys/build.pub\n  test: keys/test.pub\n"

static void test_full_policy(void **state)
{
    struct moat_custody_policy *p = NULL;
    char msg[1024];

    (void)state;
    assert_int_equal(parse("# the release chain\n"
                           "version: 1\n"
                           "max_clock_skew: 2m\n"
                           "keys:                  # named public keys\n"
                           "  build: keys/build.pub\n"
                           "  test: keys/test.pub\n"
                           "  release: keys/release.pub\n"
                           "phases:\n"
                           "  - name: build\n"
                           "    keys: [build]\n"
                           "    max_age: 30d\n"
                           "    require:\n"
                           "      builder: \"https://ci.example.com/*\"\n"
                           "  - name: test\n"
                           "    keys:\n"
                           "      - test\n"
                           "      - release\n"
                           "    max_age: 7d\n"
                           "    require:\n"
                           "      scan.max_severity: HIGH\n"
                           "      scan.secrets: 0\n"
                           "      scan.critical: 0\n"
                           "      scan.high: 12\n"
                           "      scan.max_age: 1d12h\n"
                           "  - name: release\n"
                           "    keys: release\n",
                           &p, msg, sizeof(msg)),
                     0);
    assert_non_null(p);
    assert_int_equal(p->n_keys, 3);
    assert_int_equal(p->skew, 120);
    assert_string_equal(p->keys[1].name, "test");
    assert_int_equal(strlen(p->keys[1].id), 64);
    assert_int_equal(p->n_phases, 3);
    assert_string_equal(p->phases[0].name, "build");
    assert_int_equal(p->phases[0].n_keys, 1);
    assert_int_equal(p->phases[0].keys[0], 0);
    assert_int_equal(p->phases[0].max_age, 30 * 86400);
    assert_string_equal(p->phases[0].builder, "https://ci.example.com/*");
    assert_false(p->phases[0].scan.any);
    assert_int_equal(p->phases[1].n_keys, 2);
    assert_int_equal(p->phases[1].keys[1], 2);
    assert_int_equal(p->phases[1].max_age, 7 * 86400);
    assert_true(p->phases[1].scan.any);
    assert_int_equal(p->phases[1].scan.max_severity, 3 /* HIGH */);
    assert_int_equal(p->phases[1].scan.max_secrets, 0);
    assert_int_equal(p->phases[1].scan.max_count[4], 0);  /* critical */
    assert_int_equal(p->phases[1].scan.max_count[3], 12); /* high */
    assert_int_equal(p->phases[1].scan.max_count[2], -1);
    assert_int_equal(p->phases[1].scan.max_age, 36 * 3600);
    assert_int_equal(p->phases[1].scan.max_vulns, -1);
    assert_int_equal(p->phases[2].n_keys, 1);
    assert_int_equal(p->phases[2].keys[0], 2);
    assert_int_equal(p->phases[2].max_age, -1);
    assert_int_equal(p->phases[2].line, 25);
    moat_custody_policy_free(p);
}

static void test_load_file_relative_keys(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_custody_policy *p = NULL;

    (void)state;
    /* Key paths are relative to the policy file, not to the working directory. */
    write_file(path_in("custody.yaml"), KEYS "phases:\n  - name: build\n    keys: [build]\n");
    assert_int_equal(chdir("/"), 0);
    assert_int_equal(moat_custody_policy_load(path_in("custody.yaml"), &p, &err), 0);
    assert_int_equal(p->n_phases, 1);
    assert_int_equal(p->skew, CUSTODY_DEFAULT_SKEW);
    moat_custody_policy_free(p);
    assert_int_equal(moat_custody_policy_load(path_in("nope.yaml"), &p, &err), -MOAT_E_NOTFOUND);
    assert_non_null(strstr(moat_err_msg(&err), "nope.yaml"));
    assert_int_equal(moat_custody_policy_load(tmpdir, &p, &err), -MOAT_E_IO);
    /* A FIFO is refused without blocking on the open. */
    assert_int_equal(mkfifo(path_in("fifo.yaml"), 0600), 0);
    assert_int_equal(moat_custody_policy_load(path_in("fifo.yaml"), &p, &err), -MOAT_E_IO);
    assert_non_null(strstr(moat_err_msg(&err), "not a regular file"));
    moat_err_clear(&err);
}

static void test_inline_pem(void **state)
{
    struct moat_custody_policy *p = NULL, *q = NULL;
    char text[4096], msg[1024], indented[2048];
    size_t o = 0;

    (void)state;
    /* A literal block scalar holding the PEM, indented under the key name. */
    for (const char *s = build_pem; *s != '\0' && o < sizeof(indented) - 8; s++) {
        if (s == build_pem || s[-1] == '\n') {
            memcpy(indented + o, "    ", 4);
            o += 4;
        }
        indented[o++] = *s;
    }
    indented[o] = '\0';
    snprintf(text, sizeof(text),
             "version: 1\nkeys:\n  build: |\n%s  test: keys/test.pub\nphases:\n"
             "  - name: build\n    keys: [build]\n",
             indented);
    assert_int_equal(parse(text, &p, msg, sizeof(msg)), 0);
    assert_int_equal(
        parse(KEYS "phases:\n  - name: build\n    keys: [build]\n", &q, msg, sizeof(msg)), 0);
    /* The same key, inline or from the file. */
    assert_string_equal(p->keys[0].id, q->keys[0].id);
    moat_custody_policy_free(p);
    moat_custody_policy_free(q);
    refused("version: 1\nkeys:\n  build: |\n    -----BEGIN PUBLIC KEY-----\n    AAAA\n"
            "    -----END PUBLIC KEY-----\nphases:\n  - name: build\n    keys: [build]\n",
            "custody.yaml: line 3: key build");
}

static void test_unknown_keys(void **state)
{
    char cmd[512];

    (void)state;
    /* A phase naming a key the policy does not define: refused, with the known names. */
    refused(KEYS "phases:\n  - name: build\n    keys: [build]\n  - name: test\n    keys: [tset]\n",
            "custody.yaml: line 9: phase test: unknown key 'tset' (not defined under keys:, which "
            "has build, test)");
    /* A key file that does not exist. */
    refused("version: 1\nkeys:\n  build: keys/nope.pub\nphases:\n  - name: build\n    keys: "
            "[build]\n",
            "custody.yaml: line 3: key build: ");
    refused("version: 1\nkeys:\n  build: keys/nope.pub\nphases:\n  - name: build\n    keys: "
            "[build]\n",
            "nope.pub");
    /* A file that is not a public key: a private key made by openssl, junk, a directory. */
    snprintf(cmd, sizeof(cmd),
             "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out '%s' "
             "2>/dev/null",
             path_in("keys/private.pem"));
    assert_int_equal(system(cmd), 0);
    refused("version: 1\nkeys:\n  build: keys/private.pem\nphases:\n  - name: build\n    keys: "
            "[build]\n",
            "custody.yaml: line 3: key build: ");
    refused("version: 1\nkeys:\n  build: keys/private.pem\nphases:\n  - name: build\n    keys: "
            "[build]\n",
            "not a PEM public key");
    write_file(path_in("junk.pub"), "hello\n");
    refused("version: 1\nkeys:\n  build: junk.pub\nphases:\n  - name: build\n    keys: [build]\n",
            "not a PEM public key");
    refused("version: 1\nkeys:\n  build: keys\nphases:\n  - name: build\n    keys: [build]\n",
            "custody.yaml: line 3: key build: ");
}

static void test_schema_errors(void **state)
{
    (void)state;
    refused("", "custody.yaml: line 1: empty policy");
    refused("# only a comment\n", "empty policy");
    refused("- a\n- b\n", "the policy: expected a mapping");
    refused("version: 1\nkeyz: {}\n", "line 2: policy: unknown key 'keyz' (allowed: version, "
                                      "keys, phases, max_clock_skew)");
    refused("version: 2\n", "line 1: version: '2' is not supported");
    refused("keys:\n  build: keys/build.pub\nphases:\n  - name: build\n    keys: [build]\n",
            "no version:");
    refused("version: 1\nversion: 1\n", "line 2: policy: 'version' given twice");
    refused("version: 1\nkeys:\n  build: keys/build.pub\n  build: keys/test.pub\n",
            "line 4: keys: 'build' given twice");
    refused("version: 1\nkeys:\n  build: keys/build.pub\n  again: keys/build.pub\n",
            "line 4: key again: the same public key as build");
    refused(KEYS, "the policy needs keys: and phases:");
    refused(KEYS "phases: []\n", "phases: empty");
    refused("version: 1\nkeys: {}\nphases: []\n", "keys: no key defined");
    refused(KEYS "phases:\n  - name: build\n", "phase build: no keys:");
    refused(KEYS "phases:\n  - keys: [build]\n", "phase: put name: before keys:");
    refused(KEYS "phases:\n  - max_age: 1d\n", "phase: no name");
    refused(KEYS "phases:\n  - name: build\n    keys: [build]\n  - name: build\n    keys: [test]\n",
            "line 8: phase build: named twice");
    refused(KEYS "phases:\n  - name: build\n    keys: [build, build]\n",
            "keys: 'build' listed twice");
    refused(KEYS "phases:\n  - name: build\n    keys: []\n", "keys: empty list");
    refused(KEYS "phases:\n  - name: build\n    keys: [build]\n    maxage: 1d\n",
            "line 8: phase: unknown key 'maxage' (allowed: name, keys, max_age, require)");
    refused(KEYS
            "phases:\n  - name: build\n    keys: [build]\n    require:\n      scan.maxsev: HIGH\n",
            "line 9: require: unknown key 'scan.maxsev'");
    refused(KEYS "phases:\n  - name: build\n    keys: [build]\n    require:\n"
                 "      scan.max_severity: SEVERE\n",
            "'SEVERE' is not a severity");
    refused(KEYS "phases:\n  - name: build\n    keys: [build]\n    require:\n"
                 "      scan.secrets: -1\n",
            "scan.secrets: expected a count");
    refused(KEYS "phases:\n  - name: build\n    keys: [build]\n    require:\n      builder: ''\n",
            "empty pattern");
    refused(KEYS "phases:\n  - name: b uild\n    keys: [build]\n", "is not a valid name");
    refused("version: 1\nkeys:\n  ../x: keys/build.pub\n", "'../x' is not a valid name");
    refused(KEYS "phases:\n  - name: [build]\n    keys: [build]\n",
            "phase: name: expected a value, found a list");
    refused(KEYS "phases:\n  name: build\n", "phases: expected a list, found a mapping");
    refused(KEYS "phases:\n  - name: build\n    keys: [build]\n---\nversion: 1\n",
            "more than one YAML document");
    refused("version: 1\nkeys: {build: [\n", "custody.yaml: line ");
    refused("max_clock_skew: 2h\n", "max_clock_skew: at most 1h");
}

static void test_yaml_features_refused(void **state)
{
    (void)state;
    refused("version: 1\nkeys:\n  build: &k keys/build.pub\n", "line 3: anchors are not allowed");
    refused("version: 1\nkeys:\n  build: keys/build.pub\nphases:\n  - name: build\n    keys: "
            "[build]\n  - name: test\n    keys: *k\n",
            "aliases are not allowed");
    refused("version: !!int 1\n", "tags are not allowed");
    refused("version: \"1\\0\"\n", "contains a NUL byte");
}

static void test_bounds(void **state)
{
    char *text, name[32];
    size_t cap = 1u << 16, o;

    (void)state;
    text = malloc(cap);
    assert_non_null(text);
    /* 33 phases. */
    o = (size_t)snprintf(text, cap, KEYS "phases:\n");
    for (int i = 0; i < 33; i++)
        o += (size_t)snprintf(text + o, cap - o, "  - name: p%d\n    keys: [build]\n", i);
    refused(text, "phases: more than 32 phases");
    /* A name longer than 64. */
    memset(name, 'a', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    snprintf(text, cap, KEYS "phases:\n  - name: %s%s%s\n    keys: [build]\n", name, name, name);
    refused(text, "is not a valid name");
    free(text);
    /* More than 1 MiB. */
    text = calloc(1, CUSTODY_MAX_POLICY_BYTES + 2);
    assert_non_null(text);
    memset(text, '#', CUSTODY_MAX_POLICY_BYTES + 1);
    refused(text, "larger than");
    free(text);
}

static void test_durations(void **state)
{
    static const struct {
        const char *s;
        int64_t secs;
    } good[] = {
        {"30d", 2592000}, {"12h", 43200},  {"1d12h", 129600},      {"90m", 5400},
        {"45s", 45},      {"2w", 1209600}, {"1w2d3h4m5s", 788645},
    };
    static const char *const bad[] = {"",      "d",   "30",   "30x", "0d",  "12h1d",
                                      "1h1h",  "-1d", "1.5d", " 1d", "1d ", "99999999999999999999d",
                                      "40000d"};
    char buf[32];
    int64_t v;

    (void)state;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        assert_int_equal(custody_duration_parse(good[i].s, &v), 0);
        assert_int_equal(v, good[i].secs);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (custody_duration_parse(bad[i], &v) == 0)
            fail_msg("duration '%s' accepted", bad[i]);
    custody_duration_format(2592000, buf);
    assert_string_equal(buf, "30d");
    custody_duration_format(2 * 86400 + 3 * 3600 + 59, buf);
    assert_string_equal(buf, "2d3h");
    custody_duration_format(312, buf);
    assert_string_equal(buf, "5m12s");
    custody_duration_format(0, buf);
    assert_string_equal(buf, "0s");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_policy),   cmocka_unit_test(test_load_file_relative_keys),
        cmocka_unit_test(test_inline_pem),    cmocka_unit_test(test_unknown_keys),
        cmocka_unit_test(test_schema_errors), cmocka_unit_test(test_yaml_features_refused),
        cmocka_unit_test(test_bounds),        cmocka_unit_test(test_durations),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
