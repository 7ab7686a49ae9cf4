/* test_rules.c - every built-in rule: a true positive and a near-miss negative,
 * from the shared labelled corpora where they have a sample. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "secret_test.h"

struct sample {
    const char *rule;
    const char *positive;
    const char *negative;
};

static const struct sample samples[] = {
    {"secret-private-key-pem", "x\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\n",
     "-----BEGIN PUBLIC KEY-----\n-----BEGIN CERTIFICATE-----\n"},
    {"secret-private-key-openssh", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n",
     "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG user@host\n"},
    {"secret-private-key-putty", "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n",
     "PuTTY-User-Key-File-4: ssh-foo\n"},
    {"secret-private-key-pgp", "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQVY\n",
     "-----BEGIN PGP PUBLIC KEY BLOCK-----\n"},
    {"secret-aws-access-key-id", "key=AKIAZ7VQ4XJ2MRTN6KWB\n",
     "AKIAIOSFODNN7EXAMPLE AKIAZ7VQ4XJ2MRTN6KW AKIAZ7VQ4XJ2MRTN6KWBX\n"},
    {"secret-aws-secret-access-key",
     "aws_secret_access_key = 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\n",
     "aws_secret_access_key = PtYgjmUhBel31iEl2hpChYgCfrL1spNxnyVmihA\n"},
    {"secret-gcp-service-account",
     "{\"type\": \"service_account\", \"private_key_id\": "
     "\"daeeb975729fae923d5a4fd12aabfe228f219e9c\"}",
     "{\"private_key_id\": \"daeeb975729fae923d5a4fd12aabfe228f219e9\"}"},
    {"secret-azure-storage-key",
     "DefaultEndpointsProtocol=https;AccountName=x;AccountKey=Sc7Tvo+hBKqFYY+kv5ZJr3J1TWDtkwtDDb/"
     "xHKas1VOqg6YYZYn9ZhyiA4uoRgnatmUdjAWtGSU8po/799Nksn==;",
     "AccountKey=Sc7Tvo+hBKqFYY+kv5ZJr3J1TWDtkwtDDb/xHKas1VOqg6YYZYn9ZhyiA4uoRgnatmUdjAWtGSU8po/"
     "799Nks==;"},
    {"secret-azure-client-secret", "client_srt = \"qpF8Q~PCM5MhMoyTFc5TYEomnzRUKim9UJhe8a2P\";",
     "client = \"qpF8Q~short\";"},
    {"secret-github-token", "token: ghp_VvVqE1SkHbn88HxjSI6bWHtP3fS2qHx6kwXo\n",
     "ghp_VvVqE1SkHbn88HxjSI6bWHtP3fS2qHx6kwX\n"},
    {"secret-gitlab-token", "GITLAB=glpat-QCyEZDz-TddJ8HyS5SUk\n", "glpat-QCyEZDz-TddJ8HyS5SU\n"},
    {"secret-slack-token", "SLACK=xoxb-1234567890123-ogoEmvnEN5N1aE6PwZPf\n", "xoxb-12345-abc\n"},
    {"secret-slack-webhook",
     "https://hooks.slack.com/services/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",
     "https://hooks.slack.com/services/T1029384756/B102984756/sjsbfzow"},
    {"secret-stripe-key", "rk_live_TsS4QI2dNfwyVM7YdjI78ehK\n",
     "sk_test_T1z4jtdp7dcC39HqLyjWareD\n"},
    {"secret-npm-token", "positive: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\n",
     "negative:npm_NFX6dCpmIWvQ7megnY0AtQwkoKzWcEXAMPLE\n"},
    {"secret-pypi-token",
     "pypi-"
     "AgEIcHlwaS5vcmcCJDg5MTllXWJjLTRhODAtNDBhYi01Y2Y4LThjNjcxZTg3MsRjOAACKlszLCJlPDYzYmUxOC0wNjQ3"
     "\n",
     "pypi-AgEIcHlwaS5vcmcCJDg5MTll\n"},
    {"secret-docker-config-auth",
     "{\"auths\": {\"r.io\": {\"auth\": \"ZGVwbG95OlMzY3IzdFBhNTV3MHJkIXg5\"}}}",
     "{\"auths\": {\"r.io\": {\"auth\": \"YWFhYWFhYWFhYWFh\"}}}"},
    {"secret-jwt", "detected: eyJhbGciOiJSUzI1NiJ9Cg.eyJleHAiOjY1NTM2fQo.Ce7sh0ENPiBlE_dose0cBA\n",
     "not detected: eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.NiIsInR5cCI6IkpXV.NiIsInR5cCI6IkpXV\n"},
    {"secret-generic-assignment", "db_password = \"Xk9#mQ2!vL7pR4tZ\"\n",
     "password = \"changeme123456\"\npassword=$DB_PASSWORD\ntoken = aaaaaaaaaaaaaaaaaa\n"
     /* seen in Debian 12's decompressed docs and man pages */
     "        secret = OPENSSL_zalloc(secret_len);\n"
     "New function to mix session keys with inner secret:\ngnutls_session_key_update2xK9q\n"
     "pkcs11:token=Root%20CA%20Certificates;serial=1%3AROOTS%3ADEFAULT\n"},
};

static struct moat_secret_engine *engine(void)
{
    struct moat_secret_engine *e = NULL;
    struct moat_err err = MOAT_ERR_INIT;

    if (moat_secret_engine_new(&e, &err) < 0)
        fail_msg("%s", moat_err_msg(&err));
    return e;
}

static void test_every_rule_has_samples(void **state)
{
    const struct moat_secret_rule *rules;
    size_t n = moat_secret_builtin_rules(&rules);

    (void)state;
    for (size_t i = 0; i < n; i++) {
        int seen = 0;
        for (size_t j = 0; j < sizeof samples / sizeof samples[0]; j++)
            seen |= strcmp(samples[j].rule, rules[i].id) == 0;
        if (!seen)
            fail_msg("rule %s has no sample", rules[i].id);
        assert_non_null(rules[i].title);
        assert_non_null(rules[i].keywords);
        assert_true(rules[i].severity >= MOAT_SEV_MEDIUM);
    }
}

/* Rule text: non-empty and bounded; in_doc: shown in a Markdown table, so no '|', '`' or newline.
 */
static void assert_rule_text(const char *id, const char *what, const char *text, size_t max,
                             bool in_doc)
{
    if (text == NULL || text[0] == '\0')
        fail_msg("%s: no %s", id, what);
    if (strlen(text) > max)
        fail_msg("%s: %s longer than %zu bytes", id, what, max);
    if (in_doc && strpbrk(text, "|`\n") != NULL)
        fail_msg("%s: %s holds '|', '`' or a newline", id, what);
}

/* Whether a line of the Markdown file starts with "| id |" and holds text. */
static int doc_row_has(const char *doc, const char *id, const char *text)
{
    char head[160];
    size_t hl = (size_t)snprintf(head, sizeof head, "| %s |", id);
    const char *l = doc;

    while (l != NULL) {
        const char *eol = strchr(l, '\n');
        size_t n = eol ? (size_t)(eol - l) : strlen(l);

        if (n >= hl && strncmp(l, head, hl) == 0 && memmem(l, n, text, strlen(text)) != NULL)
            return 1;
        l = eol ? eol + 1 : NULL;
    }
    return 0;
}

/* The rule-level text of SARIF output: every built-in rule has a unique id, a title, a
 * description (what it detects and why it matters) and a remediation, and
 * docs/secret-rules.md shows the same description. */
static void test_rule_text(void **state)
{
    const struct moat_secret_rule *rules;
    size_t n = moat_secret_builtin_rules(&rules), len = 0;
    char *doc = slurp(MOAT_TEST_DATA "/../../docs/secret-rules.md", &len);

    (void)state;
    assert_non_null(doc);
    assert_true(n >= 19);
    for (size_t i = 0; i < n; i++) {
        const struct moat_secret_rule *r = &rules[i];

        assert_rule_text(r->id, "id", r->id, 128, true);
        for (size_t j = 0; j < i; j++)
            if (strcmp(rules[j].id, r->id) == 0)
                fail_msg("duplicate rule id %s", r->id);
        assert_rule_text(r->id, "title", r->title, 80, true);
        assert_rule_text(r->id, "description", r->description, 600, true);
        assert_rule_text(r->id, "remediation", r->remediation, 400, false);
        if (r->description[strlen(r->description) - 1] != '.')
            fail_msg("%s: description does not end a sentence", r->id);
        assert_string_not_equal(r->description, r->title);
        if (!doc_row_has(doc, r->id, r->description))
            fail_msg("%s: docs/secret-rules.md has no row with its description", r->id);
    }
    free(doc);
}

static void test_positive_and_near_miss(void **state)
{
    struct moat_secret_engine *e = engine();
    struct moat_err err = MOAT_ERR_INIT;

    (void)state;
    for (size_t j = 0; j < sizeof samples / sizeof samples[0]; j++) {
        struct moat_findings pos = {0}, neg = {0};
        const struct sample *s = &samples[j];

        assert_int_equal(
            moat_secret_scan_buffer(e, "f", 0, s->positive, strlen(s->positive), &pos, &err), 0);
        assert_int_equal(
            moat_secret_scan_buffer(e, "f", 0, s->negative, strlen(s->negative), &neg, &err), 0);
        if (count_rule(&pos, s->rule) != 1)
            fail_msg("%s: %zu findings on its positive sample", s->rule, count_rule(&pos, s->rule));
        if (count_rule(&neg, s->rule) != 0)
            fail_msg("%s: fires on its near miss", s->rule);
        for (size_t i = 0; i < pos.n; i++) {
            /* redacted: 4 bytes then "****", never the secret */
            assert_int_equal(strlen(pos.v[i].match), 8);
            assert_string_equal(pos.v[i].match + 4, "****");
            assert_int_equal(pos.v[i].kind, MOAT_FINDING_SECRET);
            assert_non_null(pos.v[i].remediation);
        }
        moat_findings_free(&pos);
        moat_findings_free(&neg);
    }
    moat_secret_engine_free(e);
}

static void test_line_numbers(void **state)
{
    struct moat_secret_engine *e = engine();
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_findings fs = {0};
    const char *text = "a\nb\n\nkey=AKIAZ7VQ4XJ2MRTN6KWB\nx\n-----BEGIN OPENSSH PRIVATE KEY-----\n";

    (void)state;
    assert_int_equal(moat_secret_scan_buffer(e, "etc/x", 3, text, strlen(text), &fs, &err), 0);
    assert_int_equal(fs.n, 2);
    moat_findings_sort(&fs);
    for (size_t i = 0; i < fs.n; i++) {
        assert_string_equal(fs.v[i].path, "etc/x");
        assert_int_equal(fs.v[i].layer, 3);
        if (strcmp(fs.v[i].rule_id, "secret-aws-access-key-id") == 0)
            assert_int_equal(fs.v[i].line, 4);
        else
            assert_int_equal(fs.v[i].line, 6);
    }
    moat_findings_free(&fs);
    moat_secret_engine_free(e);
}

/* Labelled files of the shared corpora: each must give the finding we expect. */
static void test_shared_corpus(void **state)
{
    static const struct {
        const char *file, *rule;
    } files[] = {
        {"credsweeper/tests/samples/pem_key.p.rsa", "secret-private-key-pem"},
        {"credsweeper/tests/samples/pypi_token", "secret-pypi-token"},
        {"credsweeper/tests/samples/slack_webhook.template", "secret-slack-webhook"},
        {"credsweeper/tests/samples/azure_secret_value", "secret-azure-client-secret"},
        {"credsweeper/tests/samples/gitlab_prefix_token", "secret-gitlab-token"},
        {"detect-secrets/test_data/files/private_key", "secret-private-key-openssh"},
    };
    struct moat_secret_engine *e = engine();
    struct moat_err err = MOAT_ERR_INIT;
    char path[1024];

    (void)state;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        struct moat_findings fs = {0};
        size_t len = 0;
        char *buf;

        snprintf(path, sizeof path, "%s/secrets/%s", MOAT_SHARED_DATA, files[i].file);
        buf = slurp(path, &len);
        if (!buf) {
            print_message("skip: %s absent\n", path);
            continue;
        }
        assert_int_equal(moat_secret_scan_buffer(e, files[i].file, 0, buf, len, &fs, &err), 0);
        if (count_rule(&fs, files[i].rule) == 0)
            fail_msg("%s: no %s", files[i].file, files[i].rule);
        moat_findings_free(&fs);
        free(buf);
    }
    moat_secret_engine_free(e);
}

/* detect-secrets' file without secrets stays quiet. */
static void test_shared_clean_file(void **state)
{
    struct moat_secret_engine *e = engine();
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_findings fs = {0};
    char path[1024];
    size_t len = 0;
    char *buf;

    (void)state;
    snprintf(path, sizeof path, "%s/secrets/detect-secrets/test_data/files/file_with_no_secrets.py",
             MOAT_SHARED_DATA);
    buf = slurp(path, &len);
    if (buf) {
        assert_int_equal(moat_secret_scan_buffer(e, "f", 0, buf, len, &fs, &err), 0);
        assert_int_equal(fs.n, 0);
    }
    free(buf);
    moat_findings_free(&fs);
    moat_secret_engine_free(e);
}

static void test_entropy_and_redact(void **state)
{
    char *r;

    (void)state;
    assert_true(moat_secret_entropy("aaaa", 4) < 0.001);
    assert_true(moat_secret_entropy("abcd", 4) > 1.999 && moat_secret_entropy("abcd", 4) < 2.001);
    assert_true(moat_secret_entropy("0123456789abcdef", 16) > 3.999);
    r = moat_secret_redact("ab", 2);
    assert_string_equal(r, "ab****");
    free(r);
    r = moat_secret_redact("AKIAZ7VQ", 8);
    assert_string_equal(r, "AKIA****");
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_rule_has_samples),
        cmocka_unit_test(test_rule_text), /* SARIF rule text */
        cmocka_unit_test(test_positive_and_near_miss),
        cmocka_unit_test(test_line_numbers),
        cmocka_unit_test(test_shared_corpus),
        cmocka_unit_test(test_shared_clean_file),
        cmocka_unit_test(test_entropy_and_redact),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
