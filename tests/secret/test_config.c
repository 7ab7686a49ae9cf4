/* test_config.c - the YAML secret config: each key changes what is found (a user
 * rule fires, disable-rules silences a built-in, allow regex/path drop a match,
 * enable-builtin-rules keeps only the listed rules, a rule's path limits it),
 * Trivy's own rule ids work in the lists, and malformed configs fail with one
 * line naming the file and the line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <unistd.h>

#include "moat/secret/config.h"
#include "moat/secret/scanner.h"
#include "secret_test.h"

/* One GitHub token (built-in rule) and one ACME key (only a user rule knows it). */
static const char text[] = "GH=ghp_VvVqE1SkHbn88HxjSI6bWHtP3fS2qHx6kwXo\n"
                           "ACME_KEY=acme-9F3B27C1D04E5A68\n"
                           "AWS=AKIAZ7VQ4XJ2MRTN6KWB\n";

static const char user_rule[] = "rules:\n"
                                "  - id: acme-api-key\n"
                                "    category: ACME\n"
                                "    title: ACME API key\n"
                                "    severity: HIGH\n"
                                "    regex: acme-[0-9A-F]{16}\n"
                                "    keywords: [acme-]\n";

/* Scan text as path with the config yaml; the findings go to out (sorted). */
static void scan_with(const char *yaml, const char *path, struct moat_findings *out)
{
    struct moat_secret_config *cfg = NULL;
    struct moat_secret_engine *e = NULL;
    struct moat_err err = MOAT_ERR_INIT;

    if (moat_secret_config_parse("cfg.yaml", yaml, strlen(yaml), &cfg, &err) < 0)
        fail_msg("parse: %s", moat_err_msg(&err));
    if (moat_secret_engine_new_config(cfg, &e, &err) < 0)
        fail_msg("compile: %s", moat_err_msg(&err));
    assert_int_equal(moat_secret_scan_buffer(e, path, 0, text, sizeof text - 1, out, &err), 0);
    moat_findings_sort(out);
    moat_secret_engine_free(e);
}

static void test_no_config(void **state)
{
    struct moat_findings fs = {0};

    (void)state;
    scan_with("", "app/.env", &fs); /* an empty file is a valid, empty config */
    assert_int_equal(fs.n, 2);
    assert_int_equal(count_rule(&fs, "secret-github-token"), 1);
    assert_int_equal(count_rule(&fs, "secret-aws-access-key-id"), 1);
    moat_findings_free(&fs);
}

static void test_user_rule(void **state)
{
    struct moat_findings fs = {0};

    (void)state;
    scan_with(user_rule, "app/.env", &fs);
    assert_int_equal(fs.n, 3);
    assert_int_equal(count_rule(&fs, "acme-api-key"), 1);
    for (size_t i = 0; i < fs.n; i++) {
        if (strcmp(fs.v[i].rule_id, "acme-api-key") != 0)
            continue;
        assert_string_equal(fs.v[i].title, "ACME API key");
        assert_int_equal(fs.v[i].severity, MOAT_SEV_HIGH);
        assert_int_equal(fs.v[i].line, 2);
        assert_string_equal(fs.v[i].match, "acme****");
        assert_non_null(fs.v[i].remediation);
    }
    moat_findings_free(&fs);
}

static void test_rule_path(void **state)
{
    const char *yaml = "rules:\n"
                       "  - id: acme-api-key\n"
                       "    title: ACME API key\n"
                       "    severity: critical\n"
                       "    regex: acme-[0-9A-F]{16}\n"
                       "    path: \\.env$\n";
    struct moat_findings fs = {0};

    (void)state;
    scan_with(yaml, "app/.env", &fs);
    assert_int_equal(count_rule(&fs, "acme-api-key"), 1);
    assert_int_equal(fs.v[0].severity, MOAT_SEV_CRITICAL);
    moat_findings_free(&fs);
    scan_with(yaml, "app/settings.txt", &fs); /* the rule does not apply there */
    assert_int_equal(count_rule(&fs, "acme-api-key"), 0);
    assert_int_equal(fs.n, 2);
    moat_findings_free(&fs);
}

static void test_disable_rules(void **state)
{
    struct moat_findings fs = {0};

    (void)state;
    scan_with("disable-rules:\n  - secret-github-token\n", "app/.env", &fs);
    assert_int_equal(count_rule(&fs, "secret-github-token"), 0);
    assert_int_equal(count_rule(&fs, "secret-aws-access-key-id"), 1);
    moat_findings_free(&fs);
    /* Trivy's id for the same rule */
    scan_with("disable-rules: [github-pat, aws-access-key-id]\n", "app/.env", &fs);
    assert_int_equal(fs.n, 0);
    moat_findings_free(&fs);
    /* a user rule can be disabled too, and unknown ids are ignored */
    char yaml[1024];
    snprintf(yaml, sizeof yaml, "%sdisable-rules: [acme-api-key, alibaba-access-key-id]\n",
             user_rule);
    scan_with(yaml, "app/.env", &fs);
    assert_int_equal(count_rule(&fs, "acme-api-key"), 0);
    assert_int_equal(fs.n, 2);
    moat_findings_free(&fs);
}

static void test_enable_builtin(void **state)
{
    struct moat_findings fs = {0};

    (void)state;
    scan_with("enable-builtin-rules:\n  - aws-access-key-id\n", "app/.env", &fs);
    assert_int_equal(fs.n, 1);
    assert_string_equal(fs.v[0].rule_id, "secret-aws-access-key-id");
    moat_findings_free(&fs);
    /* only ids moat does not have: no built-in rule; user rules still run */
    char yaml[1024];
    snprintf(yaml, sizeof yaml, "%senable-builtin-rules: [alibaba-access-key-id]\n", user_rule);
    scan_with(yaml, "app/.env", &fs);
    assert_int_equal(fs.n, 1);
    assert_string_equal(fs.v[0].rule_id, "acme-api-key");
    moat_findings_free(&fs);
    /* nothing left at all: a valid engine that finds nothing */
    scan_with("enable-builtin-rules: [alibaba-access-key-id]\n", "app/.env", &fs);
    assert_int_equal(fs.n, 0);
    moat_findings_free(&fs);
    /* an empty list (or no value) keeps every built-in rule, as in Trivy */
    scan_with("enable-builtin-rules: []\n", "app/.env", &fs);
    assert_int_equal(fs.n, 2);
    moat_findings_free(&fs);
    scan_with("enable-builtin-rules:\n", "app/.env", &fs);
    assert_int_equal(fs.n, 2);
    moat_findings_free(&fs);
}

static void test_allow_rules(void **state)
{
    struct moat_findings fs = {0};
    char yaml[2048];

    (void)state;
    /* a global allow regex on the matched text */
    scan_with("allow-rules:\n"
              "  - id: our-test-token\n"
              "    description: the fixture token of our CI\n"
              "    regex: ^ghp_VvVq\n",
              "app/.env", &fs);
    assert_int_equal(count_rule(&fs, "secret-github-token"), 0);
    assert_int_equal(fs.n, 1);
    moat_findings_free(&fs);
    /* a global allow path drops everything in the file */
    scan_with("allow-rules:\n  - id: fixtures\n    path: ^app/testdata/\n", "app/testdata/x.env",
              &fs);
    assert_int_equal(fs.n, 0);
    moat_findings_free(&fs);
    scan_with("allow-rules:\n  - id: fixtures\n    path: ^app/testdata/\n", "app/.env", &fs);
    assert_int_equal(fs.n, 2);
    moat_findings_free(&fs);
    /* disable-allow-rules turns an allow rule off again */
    scan_with("allow-rules:\n  - id: fixtures\n    path: ^app/testdata/\n"
              "disable-allow-rules: [fixtures]\n",
              "app/testdata/x.env", &fs);
    assert_int_equal(fs.n, 2);
    moat_findings_free(&fs);
    /* a rule's own allow rules apply to that rule only */
    snprintf(yaml, sizeof yaml,
             "%s    allow-rules:\n"
             "      - id: acme-docs\n"
             "        regex: 9F3B27C1\n"
             "      - id: acme-env\n"
             "        path: \\.env$\n",
             user_rule);
    scan_with(yaml, "app/.env", &fs);
    assert_int_equal(count_rule(&fs, "acme-api-key"), 0);
    assert_int_equal(fs.n, 2);
    moat_findings_free(&fs);
    snprintf(yaml, sizeof yaml,
             "%s    allow-rules:\n      - id: acme-docs\n        regex: 9F3B27C1\n", user_rule);
    scan_with(yaml, "app/x.conf", &fs);
    assert_int_equal(count_rule(&fs, "acme-api-key"), 0);
    assert_int_equal(fs.n, 2);
    moat_findings_free(&fs);
}

/* The config must fail, and the message must contain want. */
static void bad(const char *yaml, const char *want)
{
    struct moat_secret_config *cfg = NULL;
    struct moat_secret_engine *e = NULL;
    struct moat_err err = MOAT_ERR_INIT;
    int rc = moat_secret_config_parse("cfg.yaml", yaml, strlen(yaml), &cfg, &err);

    if (rc == 0)
        rc = moat_secret_engine_new_config(cfg, &e, &err);
    if (rc == 0)
        fail_msg("accepted: %s", yaml);
    if (!strstr(moat_err_msg(&err), want))
        fail_msg("message '%s' lacks '%s'", moat_err_msg(&err), want);
    assert_null(strchr(moat_err_msg(&err), '\n'));
    moat_err_clear(&err);
}

static void test_malformed(void **state)
{
    char big[1100];

    (void)state;
    bad("rules:\n  - id: x\n    regex: [a\n", "cfg.yaml: line ");
    bad("rules:\n  - id: x\n    severity: HIGH\n    regex: 'a(b'\n",
        "cfg.yaml: line 2: rule 'x': 'regex': ");
    bad("rules:\n  - id: x\n    severity: HIGH\n    regex: 'key=[a-z]+'\n",
        "cfg.yaml: line 2: rule 'x': 'regex' is unbounded");
    bad("rules:\n  - id: x\n    severity: HIGH\n    regex: '(a)\\1'\n", "unsupported");
    bad("rules:\n  - id: x\n    severity: HIGH\n    regex: 'a{0,3}'\n", "empty string");
    bad("rules:\n  - id: x\n    severity: HIGH\n    regex: '[a-z]{2000}'\n", "more than the 1024");
    bad("rules:\n  - id: x\n    severity: HIGH\n", "line 2: rule 'x': a rule needs a 'regex'");
    bad("rules:\n  - id: x\n    regex: abc\n", "needs a 'severity'");
    bad("rules:\n  - id: x\n    severity: urgent\n    regex: abc\n",
        "line 3: rule 'x': 'severity'");
    bad("rules:\n  - title: no id\n    severity: LOW\n    regex: abc\n", "needs an 'id'");
    bad("rules:\n  - id: 'a b'\n    severity: LOW\n    regex: abc\n", "may hold only");
    bad("rules:\n  - id: x\n    severity: LOW\n    regex: abc\n  - id: x\n    severity: LOW\n"
        "    regex: abd\n",
        "line 5: duplicate rule id 'x'");
    bad("rules:\n  - id: secret-jwt\n    severity: LOW\n    regex: abc\n", "is a built-in rule");
    bad("rules:\n  - id: x\n    severity: LOW\n    regex: abc\n    colour: red\n",
        "line 5: rule 'x': unknown key 'colour'");
    bad("rules:\n  - id: x\n    severity: LOW\n    regex: abc\n    exclude-block:\n"
        "      regexes: [a]\n",
        "'exclude-block' is not supported");
    bad("rules: {id: x}\n", "'rules' must be a list");
    bad("rules:\n  - just a string\n", "line 2: a rule must be a mapping");
    bad("rulez: []\n", "line 1: unknown key 'rulez'");
    bad("- a\n- b\n", "line 1: the document must be a mapping");
    bad("disable-rules: github-pat\n", "'disable-rules' must be a list of strings");
    bad("disable-rules:\n  - [a]\n", "line 2: 'disable-rules' must be a list of strings");
    bad("allow-rules:\n  - id: a\n    description: nothing to match\n",
        "cfg.yaml: line 2: allow rule 'a' needs a 'regex' or a 'path'");
    bad("allow-rules:\n  - id: a\n    path: '(x'\n", "rule 'a': 'path': ");
    bad("x: &a [1]\ny: *a\n", "line 2: YAML aliases are not supported");
    bad("rules: []\nrules: []\n", "line 2: duplicate key 'rules'");
    bad("a: 1\n---\nb: 2\n", "more than one YAML document");
    bad("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
        "nested too deeply");
    bad("rules:\n  - id: x\n    severity: LOW\n    regex: \"a\\0b\"\n", "NUL byte");
    const char *head = "rules:\n  - id: x\n    severity: LOW\n    regex: ";
    memset(big, 'a', sizeof big);
    memcpy(big, head, strlen(head));
    big[sizeof big - 1] = 0;
    bad(big, "longer than 1024 bytes");
}

static void test_limits(void **state)
{
    struct moat_secret_config *cfg = NULL;
    struct moat_err err = MOAT_ERR_INIT;
    size_t cap = 600 * 64, n = 0;
    char *yaml = malloc(cap);

    (void)state;
    n += (size_t)snprintf(yaml, cap, "rules:\n");
    for (int i = 0; i < 513; i++)
        n += (size_t)snprintf(yaml + n, cap - n, "  - {id: r%d, severity: LOW, regex: x%dy}\n", i,
                              i);
    assert_int_equal(moat_secret_config_parse("cfg.yaml", yaml, n, &cfg, &err), -MOAT_E_FORMAT);
    assert_non_null(strstr(moat_err_msg(&err), "more than 512 rules"));
    moat_err_clear(&err);
    free(yaml);
    yaml = calloc(1, MOAT_SECRET_CFG_MAX_BYTES + 2);
    memset(yaml, '#', MOAT_SECRET_CFG_MAX_BYTES + 1);
    assert_int_equal(
        moat_secret_config_parse("cfg.yaml", yaml, MOAT_SECRET_CFG_MAX_BYTES + 1, &cfg, &err),
        -MOAT_E_LIMIT);
    moat_err_clear(&err);
    free(yaml);
}

/* moat_secret_scanner_new() loads opts.config_path; a missing file is an error naming it. */
static void test_scanner_loads(void **state)
{
    char path[] = "/tmp/moat-secret-cfg-XXXXXX";
    int fd = mkstemp(path);
    struct moat_secret_scanner_opts opts = {0};
    struct moat_secret_scanner *sc = NULL;
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_findings fs = {0};
    struct moat_image_meta meta = {0};
    char *env[] = {"ACME=acme-9F3B27C1D04E5A68", "GH=ghp_VvVqE1SkHbn88HxjSI6bWHtP3fS2qHx6kwXo"};
    const char *yaml = "rules:\n  - id: acme-api-key\n    severity: HIGH\n"
                       "    regex: acme-[0-9A-F]{16}\ndisable-rules: [github-pat]\n";

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
    close(fd);
    opts.config_path = path;
    assert_int_equal(moat_secret_scanner_new(&opts, &sc, &err), 0);
    meta.env = env;
    meta.n_env = 2;
    assert_int_equal(moat_secret_scan_config(sc, &meta, &err), 0);
    assert_int_equal(moat_secret_scanner_take(sc, &fs, &err), 0);
    assert_int_equal(fs.n, 1);
    assert_string_equal(fs.v[0].rule_id, "acme-api-key");
    assert_string_equal(fs.v[0].path, "config:Env");
    moat_findings_free(&fs);
    moat_secret_scanner_free(sc);
    unlink(path);
    assert_true(moat_secret_scanner_new(&opts, &sc, &err) < 0);
    assert_non_null(strstr(moat_err_msg(&err), path));
    moat_err_clear(&err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_config),      cmocka_unit_test(test_user_rule),
        cmocka_unit_test(test_rule_path),      cmocka_unit_test(test_disable_rules),
        cmocka_unit_test(test_enable_builtin), cmocka_unit_test(test_allow_rules),
        cmocka_unit_test(test_malformed),      cmocka_unit_test(test_limits),
        cmocka_unit_test(test_scanner_loads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
