/*
 * test_writers.c - every report format on the realistic fixture, read back
 * by independent consumers: jansson for the JSON, the official SARIF 2.1.0
 * and CycloneDX 1.5 schemas (tests/sbom/validate-schema.py, offline), and
 * junitparser plus xmllint for the JUnit XML. Each validator must also
 * reject a broken document, or the test proves nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "report_fixture.h"

#define SCHEMAS MOAT_TEST_DATA "/schemas"
#define VALIDATOR MOAT_TEST_DATA "/../sbom/validate-schema.py"
#define JUNIT_CHECK MOAT_TEST_DATA "/../report/check-junit.py"
#define SARIF_SCHEMA "sarif-schema-2.1.0.json"
#define CDX_SCHEMA "bom-1.5.SNAPSHOT.schema.json"

static char *render(enum moat_report_format fmt, const struct moat_report_ctx *ctx,
                    const struct moat_findings *fs)
{
    struct moat_err err = MOAT_ERR_INIT;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    int r;

    assert_non_null(f);
    r = moat_report_write(f, fmt, ctx, fs, &err);
    if (r != 0)
        fprintf(stderr, "moat_report_write: %s\n", moat_err_msg(&err));
    assert_int_equal(r, 0);
    assert_int_equal(fclose(f), 0);
    moat_err_clear(&err);
    return buf;
}

static void to_file(char *path, size_t n, const char *text)
{
    int fd;
    FILE *f;

    snprintf(path, n, "/tmp/moat-report-test-XXXXXX");
    fd = mkstemp(path);
    assert_true(fd >= 0);
    f = fdopen(fd, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static int run(const char *cmd)
{
    int st = system(cmd);

    assert_true(st != -1 && WIFEXITED(st));
    return WEXITSTATUS(st);
}

static int validate(const char *schema, const char *doc)
{
    char cmd[1024];

    snprintf(cmd, sizeof(cmd), "/usr/bin/python3 '%s' '%s' '%s' '%s'", VALIDATOR, SCHEMAS, schema,
             doc);
    return run(cmd);
}

static json_t *parse(const char *text)
{
    json_error_t e;
    json_t *j = json_loads(text, 0, &e);

    if (j == NULL)
        fprintf(stderr, "parse: %s (line %d)\n", e.text, e.line);
    assert_non_null(j);
    return j;
}

/* ---- format names ------------------------------------------------------ */

static void test_format_parse(void **state)
{
    enum moat_report_format f;

    (void)state;
    assert_int_equal(moat_report_format_parse("table", &f), 0);
    assert_int_equal(f, MOAT_REPORT_TABLE);
    assert_int_equal(moat_report_format_parse("SARIF", &f), 0);
    assert_int_equal(f, MOAT_REPORT_SARIF);
    assert_int_equal(moat_report_format_parse("junit", &f), 0);
    assert_int_equal(moat_report_format_parse("cyclonedx", &f), 0);
    assert_int_equal(f, MOAT_REPORT_CYCLONEDX);
    assert_int_equal(moat_report_format_parse("json", &f), 0);
    assert_int_equal(moat_report_format_parse("xml", &f), -MOAT_E_ARG);
    assert_int_equal(moat_report_format_parse(NULL, &f), -MOAT_E_ARG);
}

/* ---- table ----------------------------------------------------------------- */

/* Rows of a section: the lines between its heading rule ("---") and the next blank line. */
static size_t section_rows(const char *out, const char *title, char rows[][200], size_t max)
{
    const char *p = strstr(out, title), *nl;
    size_t n = 0;

    assert_non_null(p);
    p = strstr(p, "\n--");
    assert_non_null(p);
    p = strchr(p + 1, '\n') + 1;
    while (n < max && *p != '\0' && *p != '\n' && (nl = strchr(p, '\n')) != NULL) {
        snprintf(rows[n++], 200, "%.*s", (int)(nl - p), p);
        p = nl + 1;
    }
    return n;
}

static void test_table(void **state)
{
    struct fx x;
    char *out, rows[8][200];
    size_t n;

    (void)state;
    fx_build(&x);
    out = render(MOAT_REPORT_TABLE, &x.ctx, &x.fs);
    /* the header names the image: name, digest, OS, packages */
    assert_non_null(strstr(out, "Target: example.com/team/app:1.0 (sha256:"));
    assert_non_null(strstr(out, ") debian 12, 5 packages\n"));
    assert_non_null(strstr(out, "vulnerability db: 2024-06-01, 2 days old\n"));
    assert_non_null(strstr(out, "Vulnerabilities (5)\nPACKAGE"));
    assert_non_null(strstr(out, "SOURCE"));
    assert_non_null(strstr(out, "FIXED IN"));
    assert_non_null(strstr(out, "Secrets (1)\nRULE"));
    assert_non_null(strstr(out, "Misconfigurations (1)\n"));
    assert_non_null(strstr(out, "Policy violations (1)\n"));
    /* one total line, not one per section */
    assert_non_null(
        strstr(out, "\nTotal: 8 (CRITICAL: 2, HIGH: 2, MEDIUM: 2, LOW: 1, UNKNOWN: 1)\n"));
    assert_null(strstr(out, "Total: 5"));
    assert_null(strstr(out, "All findings"));
    /* vulnerabilities by severity, then package */
    n = section_rows(out, "Vulnerabilities (5)", rows, 8);
    assert_int_equal(n, 5);
    for (size_t i = 1; i < n; i++) {
        static const char *const order[] = {"CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"};
        size_t a = 0, b = 0;

        while (strstr(rows[i - 1], order[a]) == NULL)
            a++;
        while (strstr(rows[i], order[b]) == NULL)
            b++;
        assert_true(a < b || (a == b && strcmp(rows[i - 1], rows[i]) <= 0));
    }
    assert_non_null(strstr(out, "(won't fix)"));
    assert_non_null(strstr(out, "(no fix yet)"));
    assert_non_null(strstr(out, "3.0.13-1~deb12u1"));
    assert_non_null(strstr(out, "naïve"));
    assert_non_null(strstr(out, "\xe2\x80\xa6")); /* long text cut with … */
    assert_non_null(strstr(out, "app/config/.env prod:3"));
    /* No control character but newline reaches the terminal; bad UTF-8 is replaced. */
    for (const unsigned char *p = (const unsigned char *)out; *p != '\0'; p++) {
        assert_true(*p >= 0x20 || *p == '\n');
        assert_true(*p != 0x7f);
    }
    assert_null(strstr(out, "\xff"));
    assert_non_null(strstr(out, "zlib??[31mred? \xef\xbf\xbd\xef\xbf\xbd bad"));
    /* Lines of the long text are capped: no line longer than the column caps allow. */
    for (char *line = out, *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1)
        assert_true((size_t)(nl - line) < 400);
    free(out);
    fx_free(&x);
}

/* Colour on the severity cells only, escapes never counted; a width the rows fit into. */
static void test_table_color_width(void **state)
{
    struct fx x;
    char *out;

    (void)state;
    fx_build(&x);
    x.ctx.color = true;
    x.ctx.width = 100;
    out = render(MOAT_REPORT_TABLE, &x.ctx, &x.fs);
    assert_non_null(strstr(out, "\033[1;31mCRITICAL\033[0m"));
    assert_non_null(strstr(out, "\033[31mHIGH\033[0m"));
    for (char *line = out, *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
        size_t cols = 0;

        for (char *p = line; p < nl; p++) {
            if (*p == '\033') { /* skip the escape */
                while (p < nl && *p != 'm')
                    p++;
                continue;
            }
            cols += ((unsigned char)*p & 0xc0) != 0x80; /* code points */
        }
        if (strstr(line, "Target:") != line && strstr(line, "vulnerability db") != line)
            assert_true(cols <= 100);
    }
    free(out);
    x.ctx.color = false;
    out = render(MOAT_REPORT_TABLE, &x.ctx, &x.fs);
    assert_null(strchr(out, '\033'));
    free(out);
    fx_free(&x);
}

static void test_table_empty(void **state)
{
    struct moat_report_ctx ctx = {0};
    struct moat_findings none = {0};
    char *out;

    (void)state;
    ctx.target = "sbom.json";
    out = render(MOAT_REPORT_TABLE, &ctx, &none);
    assert_non_null(strstr(out, "Target: sbom.json\n"));
    assert_non_null(strstr(out, "No findings."));
    free(out);
}

/* ---- moat JSON ---------------------------------------------------------------- */

static void test_json(void **state)
{
    struct fx x;
    char *out;
    json_t *j, *fs, *f0, *z = NULL;
    size_t i;

    (void)state;
    fx_build(&x);
    x.fs.v[0].vex = MOAT_VEX_NOT_AFFECTED;
    x.fs.v[0].vex_justification = strdup("vulnerable_code_not_in_execute_path");
    out = render(MOAT_REPORT_JSON, &x.ctx, &x.fs);
    j = parse(out);
    assert_string_equal(json_string_value(json_object_get(j, "schema")), "moat-scan/1");
    assert_string_equal(json_string_value(json_object_get(j, "target")),
                        "example.com/team/app:1.0");
    assert_string_equal(json_string_value(json_object_get(j, "timestamp")), "2024-06-03T10:20:30Z");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(j, "image"), "config_digest")),
        x.meta.config_digest);
    assert_int_equal(json_integer_value(json_object_get(j, "packages_scanned")), 5);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "summary"), "total")),
                     8);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(j, "summary"), "suppressed")), 1);
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(json_object_get(j, "summary"), "by_kind"), "secret")),
                     1);
    fs = json_object_get(j, "findings");
    assert_int_equal(json_array_size(fs), x.fs.n);
    f0 = json_array_get(fs, 0);
    /* every field is present in every finding */
    json_array_foreach(fs, i, f0)
    {
        static const char *const keys[] = {
            "kind",        "rule_id",   "aliases",     "severity",    "severity_source",
            "cvss",        "title",     "description", "primary_url", "references",
            "data_source", "published", "modified",    "package",     "fix",
            "location",    "match",     "remediation", "cis",         "vex"};
        for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
            assert_non_null(json_object_get(f0, keys[k]));
        if (strcmp(json_string_value(json_object_get(f0, "rule_id")), "CVE-2023-0003") == 0)
            z = f0;
    }
    f0 = json_array_get(fs, 0);
    assert_string_equal(json_string_value(json_object_get(f0, "rule_id")), "CVE-2024-0001");
    assert_string_equal(json_string_value(json_object_get(f0, "title")),
                        "OpenSSL: naïve “buffer” overflow — 日本語");
    assert_true(json_real_value(json_object_get(json_object_get(f0, "cvss"), "score")) == 9.8);
    assert_string_equal(json_string_value(json_object_get(json_object_get(f0, "fix"), "status")),
                        "fixed");
    assert_string_equal(json_string_value(json_object_get(json_object_get(f0, "vex"), "status")),
                        "not_affected");
    assert_true(json_is_true(json_object_get(json_object_get(f0, "vex"), "suppressed")));
    assert_non_null(z);
    assert_string_equal(json_string_value(json_object_get(json_object_get(z, "fix"), "status")),
                        "will_not_fix");
    /* control characters survive JSON escaping; invalid UTF-8 became U+FFFD */
    assert_string_equal(json_string_value(json_object_get(z, "title")),
                        "zlib\x01\x1b[31mred\x7f \xef\xbf\xbd\xef\xbf\xbd bad bytes\x1f");
    json_decref(j);
    free(out);
    fx_free(&x);
}

/* "scanners" says what ran, each once, in the order given; null when the caller did not say. */
static void test_json_scanners(void **state)
{
    static const char *const ran[] = {"vuln", "secret", "vuln", NULL, "misconfig"};
    struct fx x;
    char *out;
    json_t *j, *list;

    (void)state;
    fx_build(&x);
    out = render(MOAT_REPORT_JSON, &x.ctx, &x.fs);
    j = parse(out);
    assert_true(json_is_null(json_object_get(j, "scanners")));
    json_decref(j);
    free(out);
    x.ctx.scanners = ran;
    x.ctx.n_scanners = 1;
    out = render(MOAT_REPORT_JSON, &x.ctx, &x.fs);
    j = parse(out);
    list = json_object_get(j, "scanners");
    assert_int_equal(json_array_size(list), 1);
    assert_string_equal(json_string_value(json_array_get(list, 0)), "vuln");
    json_decref(j);
    free(out);
    x.ctx.n_scanners = 5;
    out = render(MOAT_REPORT_JSON, &x.ctx, &x.fs);
    j = parse(out);
    list = json_object_get(j, "scanners");
    assert_int_equal(json_array_size(list), 3);
    assert_string_equal(json_string_value(json_array_get(list, 0)), "vuln");
    assert_string_equal(json_string_value(json_array_get(list, 1)), "secret");
    assert_string_equal(json_string_value(json_array_get(list, 2)), "misconfig");
    json_decref(j);
    free(out);
    fx_free(&x);
}

/* ---- SARIF ---------------------------------------------------------------------- */

static void test_sarif(void **state)
{
    struct fx x;
    char *out, path[64];
    json_t *j, *runv, *rules, *results, *r;
    size_t i;
    int saw_secret = 0, saw_pkg = 0, saw_sup = 0;

    (void)state;
    fx_build(&x);
    x.fs.v[1].vex = MOAT_VEX_FIXED;
    out = render(MOAT_REPORT_SARIF, &x.ctx, &x.fs);
    to_file(path, sizeof(path), out);
    assert_int_equal(validate(SARIF_SCHEMA, path), 0);
    j = parse(out);
    assert_string_equal(json_string_value(json_object_get(j, "version")), "2.1.0");
    runv = json_array_get(json_object_get(j, "runs"), 0);
    assert_int_equal(json_array_size(json_object_get(j, "runs")), 1);
    rules = json_object_get(json_object_get(json_object_get(runv, "tool"), "driver"), "rules");
    results = json_object_get(runv, "results");
    assert_int_equal(json_array_size(results), x.fs.n);
    /* CVE-2024-0001 appears twice (openssl, libssl3) but is one rule */
    assert_int_equal(json_array_size(rules), x.fs.n - 1);
    json_array_foreach(rules, i, r)
    {
        const char *ss = json_string_value(
            json_object_get(json_object_get(r, "properties"), "security-severity"));
        char *end;

        assert_non_null(ss);
        strtod(ss, &end);
        assert_true(*end == '\0' && end != ss);
        assert_non_null(json_object_get(r, "shortDescription"));
        assert_non_null(json_object_get(r, "fullDescription"));
        assert_non_null(json_object_get(json_object_get(r, "help"), "markdown"));
        assert_true(json_array_size(json_object_get(json_object_get(r, "properties"), "tags")) > 0);
        if (strcmp(json_string_value(json_object_get(r, "id")), "CVE-2024-0001") == 0) {
            assert_string_equal(ss, "9.8");
            assert_non_null(
                strstr(json_string_value(json_object_get(json_object_get(r, "help"), "text")),
                       "Upgrade libssl3 to 3.0.13-1~deb12u1"));
        }
    }
    json_array_foreach(results, i, r)
    {
        const char *id = json_string_value(json_object_get(r, "ruleId"));
        const char *level = json_string_value(json_object_get(r, "level"));
        json_t *phys =
            json_object_get(json_array_get(json_object_get(r, "locations"), 0), "physicalLocation");
        const char *uri =
            json_string_value(json_object_get(json_object_get(phys, "artifactLocation"), "uri"));
        size_t ri = (size_t)json_integer_value(json_object_get(r, "ruleIndex"));

        assert_string_equal(json_string_value(json_object_get(json_array_get(rules, ri), "id")),
                            id);
        assert_non_null(uri);
        if (strcmp(id, "CVE-2024-0002") == 0)
            assert_string_equal(level, "error");
        if (strcmp(id, "CVE-2023-0003") == 0)
            assert_string_equal(level, "warning");
        if (strcmp(id, "GHSA-zzzz-yyyy-xxxx") == 0 || strcmp(id, "policy/no-latest-tag") == 0)
            assert_string_equal(level, "note");
        if (strcmp(id, "aws-access-key-id") == 0) {
            saw_secret = 1;
            assert_string_equal(uri, "app/config/.env%20prod");
            assert_int_equal(
                json_integer_value(json_object_get(json_object_get(phys, "region"), "startLine")),
                3);
        }
        if (strcmp(id, "CVE-2024-0002") == 0) {
            saw_pkg = 1;
            assert_string_equal(uri, "var/lib/dpkg/status");
            assert_string_equal(
                json_string_value(json_object_get(
                    json_array_get(
                        json_object_get(json_array_get(json_object_get(r, "locations"), 0),
                                        "logicalLocations"),
                        0),
                    "fullyQualifiedName")),
                "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12");
        }
        if (json_object_get(r, "suppressions") != NULL)
            saw_sup++;
    }
    assert_true(saw_secret && saw_pkg);
    assert_int_equal(saw_sup, 1);
    json_decref(j);
    unlink(path);
    free(out);
    fx_free(&x);
}

static void test_sarif_validator_rejects(void **state)
{
    struct fx x;
    char *out, *bad, path[64];
    json_t *j;

    (void)state;
    fx_build(&x);
    out = render(MOAT_REPORT_SARIF, &x.ctx, &x.fs);
    j = parse(out);
    /* level must be one of none/note/warning/error */
    json_object_set_new(
        json_array_get(json_object_get(json_array_get(json_object_get(j, "runs"), 0), "results"),
                       0),
        "level", json_string("fatal"));
    bad = json_dumps(j, 0);
    to_file(path, sizeof(path), bad);
    assert_int_equal(validate(SARIF_SCHEMA, path), 1);
    unlink(path);
    free(bad);
    json_decref(j);
    free(out);
    fx_free(&x);
}

static void test_sarif_empty(void **state)
{
    struct moat_report_ctx ctx = {0};
    struct moat_findings none = {0};
    char *out, path[64];

    (void)state;
    ctx.target = "sbom.cdx.json";
    out = render(MOAT_REPORT_SARIF, &ctx, &none);
    to_file(path, sizeof(path), out);
    assert_int_equal(validate(SARIF_SCHEMA, path), 0);
    unlink(path);
    free(out);
}

/* ---- SARIF rule text, messages, CIS and URIs ----------------------------------------- */

static void add_check(struct moat_findings *fs, enum moat_finding_kind kind, const char *id,
                      enum moat_severity sev, const char *title, const char *desc, const char *path,
                      uint32_t line, int32_t layer, const char *cis)
{
    struct moat_finding f = {0};

    f.kind = kind;
    f.rule_id = strdup(id);
    f.severity = sev;
    f.cvss_score = -1;
    f.title = fx_dup(title);
    f.description = fx_dup(desc);
    f.path = fx_dup(path);
    f.line = line;
    f.layer = layer;
    f.remediation = strdup("Fix it at the source");
    f.cis = fx_dup(cis);
    assert_int_equal(moat_findings_add(fs, &f, NULL), 0);
}

static json_t *sarif_doc(const struct moat_report_ctx *ctx, const struct moat_findings *fs)
{
    char *out = render(MOAT_REPORT_SARIF, ctx, fs), path[64];
    json_t *j;

    to_file(path, sizeof(path), out);
    assert_int_equal(validate(SARIF_SCHEMA, path), 0);
    unlink(path);
    j = parse(out);
    free(out);
    assert_non_null(json_array_get(json_object_get(j, "runs"), 0));
    return j;
}

static json_t *run_of(json_t *doc)
{
    return json_array_get(json_object_get(doc, "runs"), 0);
}

static json_t *rule_by_id(json_t *doc, const char *id)
{
    json_t *rules = json_object_get(json_object_get(json_object_get(run_of(doc), "tool"), "driver"),
                                    "rules"),
           *r;
    size_t i;

    json_array_foreach(rules, i, r) if (strcmp(json_string_value(json_object_get(r, "id")), id) ==
                                        0) return r;
    fail_msg("no rule %s", id);
    return NULL;
}

static const char *str_at(json_t *o, const char *k1, const char *k2)
{
    json_t *v = json_object_get(o, k1);

    return json_string_value(k2 != NULL ? json_object_get(v, k2) : v);
}

static json_t *art_of(json_t *doc, size_t i)
{
    json_t *r = json_array_get(json_object_get(run_of(doc), "results"), i);

    return json_object_get(
        json_object_get(json_array_get(json_object_get(r, "locations"), 0), "physicalLocation"),
        "artifactLocation");
}

static const char *msg_of(json_t *doc, size_t i)
{
    return str_at(json_array_get(json_object_get(run_of(doc), "results"), i), "message", "text");
}

/* An image scan: rule text is rule-level, messages are the findings' own, CIS is carried. */
static void test_sarif_image_checks(void **state)
{
    struct fx x;
    struct moat_findings fs = {0};
    json_t *doc, *r, *tags, *bases;
    const char *full, *help;

    (void)state;
    fx_build(&x);
    add_check(&fs, MOAT_FINDING_MISCONFIG, "MIC008", MOAT_SEV_MEDIUM,
              "World-writable file or directory", "File srv/app.conf is writable by every user",
              "srv/app.conf", 0, 2, NULL);
    add_check(&fs, MOAT_FINDING_MISCONFIG, "MIC008", MOAT_SEV_MEDIUM,
              "World-writable file or directory", "Directory / is writable by every user", "/", 0,
              0, NULL);
    add_check(&fs, MOAT_FINDING_MISCONFIG, "MIC001", MOAT_SEV_HIGH, "Image runs as root",
              "The image config sets User to root", "config:User", 0, -1, "4.1");
    add_check(&fs, MOAT_FINDING_SECRET, "secret-aws", MOAT_SEV_CRITICAL, "AWS access key ID",
              "in member 'a b.txt' of the tar archive", "srv/x:1.tar", 4, 1, NULL);
    doc = sarif_doc(&x.ctx, &fs);

    /* rule text is the rule's, never the first finding's */
    r = rule_by_id(doc, "MIC008");
    full = str_at(r, "fullDescription", "text");
    help = str_at(r, "help", "text");
    assert_string_equal(str_at(r, "shortDescription", "text"), "World-writable file or directory");
    assert_string_equal(full, "World-writable file or directory.");
    assert_null(strstr(help, "srv/app.conf"));
    assert_non_null(strstr(help, "Remediation: Fix it at the source"));
    assert_non_null(strstr(str_at(r, "help", "markdown"), "**Remediation:** Fix it at the source"));
    assert_string_equal(str_at(r, "properties", "security-severity"), "5.5");
    assert_null(json_object_get(json_object_get(r, "properties"), "cis"));

    /* CIS: properties.cis, a tag, and the section in the text */
    r = rule_by_id(doc, "MIC001");
    tags = json_object_get(json_object_get(r, "properties"), "tags");
    assert_string_equal(str_at(r, "properties", "cis"), "4.1");
    assert_string_equal(str_at(r, "properties", "security-severity"), "8.0");
    assert_string_equal(json_string_value(json_array_get(tags, 0)), "misconfiguration");
    assert_string_equal(json_string_value(json_array_get(tags, 1)), "security");
    assert_string_equal(json_string_value(json_array_get(tags, 3)), "CIS-Docker-4.1");
    assert_non_null(
        strstr(str_at(r, "fullDescription", "text"), "CIS Docker Benchmark section 4.1"));
    assert_string_equal(str_at(rule_by_id(doc, "secret-aws"), "properties", "security-severity"),
                        "9.5");

    /* messages: the finding's own description; a secret's note follows the usual text */
    assert_string_equal(msg_of(doc, 0), "File srv/app.conf is writable by every user");
    assert_string_equal(msg_of(doc, 1), "Directory / is writable by every user");
    assert_string_equal(msg_of(doc, 2), "The image config sets User to root");
    assert_string_equal(msg_of(doc, 3), "secret-aws: AWS access key ID (srv/x:1.tar:4), in member "
                                        "'a b.txt' of the tar archive");

    /* locations: image paths under IMAGEROOT, config fields under IMAGECONFIG */
    assert_string_equal(str_at(art_of(doc, 0), "uri", NULL), "srv/app.conf");
    assert_string_equal(str_at(art_of(doc, 0), "uriBaseId", NULL), "IMAGEROOT");
    assert_string_equal(str_at(art_of(doc, 1), "uri", NULL), "./");
    assert_string_equal(str_at(art_of(doc, 2), "uri", NULL), "User");
    assert_string_equal(str_at(art_of(doc, 2), "uriBaseId", NULL), "IMAGECONFIG");
    assert_string_equal(str_at(art_of(doc, 3), "uri", NULL), "srv/x:1.tar");
    bases = json_object_get(run_of(doc), "originalUriBaseIds");
    assert_int_equal(json_object_size(bases), 2);
    assert_non_null(strstr(str_at(json_object_get(bases, "IMAGECONFIG"), "description", "text"),
                           x.meta.config_digest));
    assert_non_null(json_object_get(bases, "IMAGEROOT"));
    json_decref(doc);
    moat_findings_free(&fs);
    fx_free(&x);
}

static bool lint_like_info(void *arg, const struct moat_finding *f, struct moat_report_rule *out)
{
    (void)arg;
    if (strcmp(f->rule_id, "MDL001") != 0)
        return false;
    out->title = "Rule title from the table";
    out->description = "The rule's rationale.";
    out->help_uri = "https://example.com/rules/MDL001";
    out->cis = "4.7";
    return true;
}

/* moat lint: host paths relative to %SRCROOT% or file: URIs; rule_info supplies rule text. */
static void test_sarif_host_paths_and_rule_info(void **state)
{
    struct moat_report_ctx ctx = {0};
    struct moat_findings fs = {0};
    json_t *doc, *r, *bases;

    (void)state;
    ctx.target = "Dockerfiles";
    ctx.timestamp = "2024-06-03T10:20:30Z";
    ctx.rule_info = lint_like_info;
    add_check(&fs, MOAT_FINDING_MISCONFIG, "MDL001", MOAT_SEV_HIGH, "Finding title",
              "The rule's rationale.", "Dockerfile", 3, -1, NULL);
    add_check(&fs, MOAT_FINDING_MISCONFIG, "MDL001", MOAT_SEV_HIGH, "Finding title",
              "The rule's rationale.", "/abs/dir/Docker file", 1, -1, NULL);
    add_check(&fs, MOAT_FINDING_MISCONFIG, "MDL001", MOAT_SEV_HIGH, "Finding title",
              "The rule's rationale.", "<stdin>", 2, -1, NULL);
    add_check(&fs, MOAT_FINDING_MISCONFIG, "MDL001", MOAT_SEV_HIGH, "Finding title",
              "The rule's rationale.", "c:d/Dockerfile", 2, -1, NULL);
    doc = sarif_doc(&ctx, &fs);
    r = rule_by_id(doc, "MDL001");
    assert_string_equal(str_at(r, "shortDescription", "text"), "Rule title from the table");
    assert_string_equal(str_at(r, "fullDescription", "text"),
                        "The rule's rationale. See CIS Docker Benchmark section 4.7.");
    assert_string_equal(str_at(r, "helpUri", NULL), "https://example.com/rules/MDL001");
    assert_string_equal(str_at(r, "properties", "cis"), "4.7");
    /* the description is the rule's text, so the message names the finding instead */
    assert_string_equal(msg_of(doc, 0), "MDL001: Finding title (Dockerfile:3)");
    assert_string_equal(str_at(art_of(doc, 0), "uri", NULL), "Dockerfile");
    assert_string_equal(str_at(art_of(doc, 0), "uriBaseId", NULL), "%SRCROOT%");
    assert_string_equal(str_at(art_of(doc, 1), "uri", NULL), "file:///abs/dir/Docker%20file");
    assert_null(json_object_get(art_of(doc, 1), "uriBaseId"));
    assert_string_equal(str_at(art_of(doc, 2), "uri", NULL), "%3Cstdin%3E");
    assert_string_equal(str_at(art_of(doc, 3), "uri", NULL), "c%3Ad/Dockerfile");
    bases = json_object_get(run_of(doc), "originalUriBaseIds");
    assert_int_equal(json_object_size(bases), 1);
    assert_non_null(json_object_get(bases, "%SRCROOT%"));
    json_decref(doc);
    moat_findings_free(&fs);
}

/* ---- JUnit --------------------------------------------------------------------------- */

static void junit_consumer(const char *path, char *line, size_t n)
{
    char cmd[1024];
    FILE *p;

    snprintf(cmd, sizeof(cmd), "/usr/bin/python3 '%s' '%s'", JUNIT_CHECK, path);
    p = popen(cmd, "r");
    assert_non_null(p);
    line[0] = '\0';
    if (fgets(line, (int)n, p) == NULL)
        line[0] = '\0';
    assert_int_equal(pclose(p), 0);
}

static void test_junit(void **state)
{
    struct fx x;
    char *out, path[64], line[256], want[256], cmd[512];

    (void)state;
    fx_build(&x);
    x.fs.v[2].vex = MOAT_VEX_NOT_AFFECTED;
    x.fs.v[2].vex_justification = strdup("component_not_present");
    out = render(MOAT_REPORT_JUNIT, &x.ctx, &x.fs);
    to_file(path, sizeof(path), out);
    /* a validating XML parser accepts it */
    snprintf(cmd, sizeof(cmd), "xmllint --noout '%s'", path);
    assert_int_equal(run(cmd), 0);
    /* junitparser sees every finding: 8 tests, 7 failures, 1 skipped (VEX);
     * suites: 5 vulnerable packages + secrets + misconfigurations + policy */
    junit_consumer(path, line, sizeof(line));
    snprintf(want, sizeof(want), "tests=%zu failures=%zu skipped=1 errors=0 suites=8 cases=%zu\n",
             x.fs.n, x.fs.n - 1, x.fs.n);
    assert_string_equal(line, want);
    /* escaping: no raw control characters, markup escaped */
    assert_null(strstr(out, "\x01"));
    assert_null(strstr(out, "\x1b"));
    assert_non_null(strstr(out, "\\x01\\x1b[31mred\\x7f"));
    assert_non_null(strstr(out, "&lt;ssl&gt; &amp;"));
    assert_non_null(strstr(out, "Remediation: Upgrade openssl to 3.0.13-1~deb12u1"));
    assert_non_null(strstr(out, "<skipped message=\"VEX not_affected: component_not_present\"/>"));
    unlink(path);
    free(out);
    fx_free(&x);
}

static void test_junit_hostile_strings(void **state)
{
    struct moat_report_ctx ctx = {0};
    struct moat_findings fs = {0};
    struct moat_finding f = {0};
    char *out, path[64], line[256];
    char nasty[64];

    (void)state;
    /* every C0 control, quotes, markup and a literal U+FFFF in one id */
    for (int i = 1; i < 32; i++)
        nasty[i - 1] = (char)i;
    memcpy(nasty + 31, "\"'<>&]]>\xef\xbf\xbf\xff", 13);
    nasty[44] = '\0';
    f.kind = MOAT_FINDING_SECRET;
    f.rule_id = strdup(nasty);
    f.title = strdup(nasty);
    f.path = strdup(nasty);
    f.layer = -1;
    f.cvss_score = -1;
    moat_findings_add(&fs, &f, NULL);
    ctx.target = nasty;
    out = render(MOAT_REPORT_JUNIT, &ctx, &fs);
    to_file(path, sizeof(path), out);
    junit_consumer(path, line, sizeof(line));
    assert_string_equal(line, "tests=1 failures=1 skipped=0 errors=0 suites=1 cases=1\n");
    unlink(path);
    free(out);
    /* the same through SARIF and JSON stays valid */
    out = render(MOAT_REPORT_SARIF, &ctx, &fs);
    to_file(path, sizeof(path), out);
    assert_int_equal(validate(SARIF_SCHEMA, path), 0);
    unlink(path);
    free(out);
    moat_findings_free(&fs);
}

/* ---- CycloneDX -------------------------------------------------------------------------- */

static void test_cyclonedx(void **state)
{
    struct fx x;
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_sbom_opts opts = {"0.1.0", "2024-06-03T10:20:30Z",
                                  "0F8FAD5B-D9CB-469F-A165-70867728950E", 0};
    char *out, *sbom = NULL, path[64];
    size_t len = 0, i, j;
    FILE *mf;
    json_t *doc, *sb, *vulns, *v, *comps;
    int saw_v4 = 0, saw_analysis = 0;

    (void)state;
    fx_build(&x);
    x.fs.v[2].vex = MOAT_VEX_NOT_AFFECTED;
    x.fs.v[2].vex_justification = strdup("vulnerable_code_not_in_execute_path");
    out = render(MOAT_REPORT_CYCLONEDX, &x.ctx, &x.fs);
    to_file(path, sizeof(path), out);
    assert_int_equal(validate(CDX_SCHEMA, path), 0);
    doc = parse(out);
    /* the BOM part is exactly `moat sbom --format cyclonedx` */
    mf = open_memstream(&sbom, &len);
    assert_int_equal(moat_sbom_write(mf, MOAT_SBOM_CYCLONEDX, &x.meta, &x.inv, &opts, &err), 0);
    fclose(mf);
    sb = parse(sbom);
    assert_true(json_equal(json_object_get(doc, "components"), json_object_get(sb, "components")));
    assert_true(json_equal(json_object_get(doc, "metadata"), json_object_get(sb, "metadata")));
    assert_true(
        json_equal(json_object_get(doc, "dependencies"), json_object_get(sb, "dependencies")));
    comps = json_object_get(doc, "components");
    vulns = json_object_get(doc, "vulnerabilities");
    /* only vulnerabilities: CVE-2024-0001 (two packages, one entry), -0002, -0003, GHSA */
    assert_int_equal(json_array_size(vulns), 4);
    json_array_foreach(vulns, i, v)
    {
        json_t *a, *c;
        size_t k;
        const char *id = json_string_value(json_object_get(v, "id"));
        const char *method = json_string_value(
            json_object_get(json_array_get(json_object_get(v, "ratings"), 0), "method"));

        json_array_foreach(json_object_get(v, "affects"), j, a)
        {
            int found = 0;

            json_array_foreach(comps, k, c) found |=
                json_equal(json_object_get(c, "bom-ref"), json_object_get(a, "ref"));
            assert_true(found);
        }
        if (strcmp(id, "CVE-2024-0001") == 0) {
            assert_int_equal(json_array_size(json_object_get(v, "affects")), 2);
            assert_string_equal(method, "CVSSv31");
            assert_string_equal(
                json_string_value(json_object_get(v, "recommendation")),
                "Upgrade libssl3 to 3.0.13-1~deb12u1; Upgrade openssl to 3.0.13-1~deb12u1");
            assert_int_equal(json_array_size(json_object_get(v, "references")), 2);
            assert_int_equal(json_array_size(json_object_get(v, "advisories")), 2);
            assert_string_equal(
                json_string_value(json_object_get(json_object_get(v, "source"), "url")),
                "https://security-tracker.debian.org/tracker/CVE-2024-0001");
        }
        if (strcmp(id, "CVE-2024-0002") == 0) {
            saw_v4 = strcmp(method, "CVSSv4") == 0;
            assert_string_equal(
                json_string_value(json_object_get(json_object_get(v, "analysis"), "state")),
                "not_affected");
            assert_string_equal(
                json_string_value(json_object_get(json_object_get(v, "analysis"), "justification")),
                "code_not_reachable");
            saw_analysis = 1;
        }
    }
    assert_true(saw_v4 && saw_analysis);
    json_decref(doc);
    json_decref(sb);
    free(sbom);
    unlink(path);
    free(out);
    moat_err_clear(&err);
    fx_free(&x);
}

static void test_cyclonedx_sbom_target(void **state)
{
    /* target is an SBOM file: no image metadata, no inventory; packages become components */
    struct fx x;
    struct moat_report_ctx ctx = {0};
    char *out, path[64];
    json_t *doc;

    (void)state;
    fx_build(&x);
    ctx.target = "app.cdx.json";
    ctx.timestamp = "2024-06-03T10:20:30Z";
    out = render(MOAT_REPORT_CYCLONEDX, &ctx, &x.fs);
    to_file(path, sizeof(path), out);
    assert_int_equal(validate(CDX_SCHEMA, path), 0);
    doc = parse(out);
    assert_int_equal(json_array_size(json_object_get(doc, "components")), 5);
    json_decref(doc);
    unlink(path);
    free(out);
    fx_free(&x);
}

static void test_write_io_error(void **state)
{
    struct fx x;
    struct moat_err err = MOAT_ERR_INIT;
    FILE *f = fopen("/dev/full", "w");

    (void)state;
    if (f == NULL)
        moat_skip("/dev/full: %s", strerror(errno));
    fx_build(&x);
    for (int fmt = MOAT_REPORT_TABLE; fmt <= MOAT_REPORT_CYCLONEDX; fmt++) {
        assert_int_equal(moat_report_write(f, (enum moat_report_format)fmt, &x.ctx, &x.fs, &err),
                         -MOAT_E_IO);
        assert_non_null(strstr(moat_err_msg(&err), "write failed"));
        clearerr(f);
    }
    fclose(f);
    moat_err_clear(&err);
    fx_free(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_parse),
        cmocka_unit_test(test_table),
        cmocka_unit_test(test_table_color_width),
        cmocka_unit_test(test_table_empty),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_json_scanners),
        cmocka_unit_test(test_sarif),
        cmocka_unit_test(test_sarif_validator_rejects),
        cmocka_unit_test(test_sarif_empty),
        cmocka_unit_test(test_sarif_image_checks),
        cmocka_unit_test(test_sarif_host_paths_and_rule_info),
        cmocka_unit_test(test_junit),
        cmocka_unit_test(test_junit_hostile_strings),
        cmocka_unit_test(test_cyclonedx),
        cmocka_unit_test(test_cyclonedx_sbom_target),
        cmocka_unit_test(test_write_io_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
