/*
 * test_vex.c - VEX input: the OpenVEX specification's own examples, the
 * v0.0.1 string forms, image-level products, statement ordering, CycloneDX
 * VEX (BOM-Link, metadata.component and purl refs), purl matching through
 * moat_purl_parse, and hostile documents, each of which must fail with an
 * error naming the file and what is wrong.
 */
#include <fcntl.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "moat/base/buf.h"
#include "../report/report_fixture.h"
#include "moat/vex/vex.h"

#define DATA MOAT_TEST_DATA "/vex/"

static struct moat_vex *load(const char *name)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_vex *v = NULL;
    char path[512];
    int r;

    snprintf(path, sizeof(path), "%s%s", DATA, name);
    r = moat_vex_load(path, &v, &err);
    if (r != 0)
        fprintf(stderr, "moat_vex_load: %s\n", moat_err_msg(&err));
    assert_int_equal(r, 0);
    assert_non_null(v);
    moat_err_clear(&err);
    return v;
}

static void add_pkg_vuln(struct moat_findings *fs, const char *id, const char *purl)
{
    struct moat_finding f = {0};

    f.kind = MOAT_FINDING_VULN;
    f.rule_id = strdup(id);
    f.pkg_name = strdup("pkg");
    f.pkg_purl = strdup(purl);
    f.cvss_score = -1;
    f.layer = -1;
    moat_findings_add(fs, &f, NULL);
}

static struct moat_finding *by(struct fx *x, const char *id, const char *pkg)
{
    for (size_t i = 0; i < x->fs.n; i++)
        if (strcmp(x->fs.v[i].rule_id, id) == 0 &&
            (pkg == NULL || (x->fs.v[i].pkg_name && strcmp(x->fs.v[i].pkg_name, pkg) == 0)))
            return &x->fs.v[i];
    fail_msg("no finding %s %s", id, pkg ? pkg : "");
    return NULL;
}

static void test_spec_minimal(void **state)
{
    struct moat_vex *v = load("openvex-spec-minimal.json");
    struct moat_findings fs = {0};
    struct moat_err err = MOAT_ERR_INIT;

    (void)state;
    add_pkg_vuln(&fs, "CVE-2023-12345", "pkg:apk/wolfi/git@2.39.0-r1?arch=x86_64&distro=wolfi");
    add_pkg_vuln(&fs, "CVE-2023-12345", "pkg:apk/wolfi/git@2.39.0-r1?arch=aarch64");
    add_pkg_vuln(&fs, "CVE-2023-12345", "pkg:apk/wolfi/git@2.40.0-r0?arch=x86_64");
    add_pkg_vuln(&fs, "cve-2023-12345", "pkg:apk/wolfi/git@2.39.0-r1");
    add_pkg_vuln(&fs, "CVE-2023-99999", "pkg:apk/wolfi/git@2.39.0-r1?arch=x86_64");
    assert_int_equal(moat_vex_count(v), 1);
    assert_int_equal(moat_vex_apply(v, &fs, &err), 2);
    assert_int_equal(fs.v[0].vex, MOAT_VEX_FIXED); /* arch matches, extra qualifier fine */
    assert_int_equal(fs.v[1].vex, MOAT_VEX_NONE);  /* another arch */
    assert_int_equal(fs.v[2].vex, MOAT_VEX_NONE);  /* another version */
    assert_int_equal(fs.v[3].vex, MOAT_VEX_FIXED); /* id case, no qualifiers on the package */
    assert_int_equal(fs.v[4].vex, MOAT_VEX_NONE);  /* another vulnerability */
    assert_null(fs.v[0].vex_justification);
    moat_findings_free(&fs);
    moat_vex_free(v);
}

static void test_spec_spring_alias(void **state)
{
    struct moat_vex *v = load("openvex-spec-spring.json");
    struct moat_findings fs = {0};
    struct moat_err err = MOAT_ERR_INIT;

    (void)state;
    add_pkg_vuln(&fs, "CVE-2021-44228", "pkg:maven/org.springframework.boot/spring-boot@2.6.0-M3");
    /* known to the scanner by its GHSA id: matched through the statement's aliases */
    add_pkg_vuln(&fs, "GHSA-jfh8-c2jp-5v3q",
                 "pkg:maven/org.springframework.boot/spring-boot@2.6.0-M3");
    /* the finding's alias is the statement's name */
    add_pkg_vuln(&fs, "SNYK-JAVA-1", "pkg:maven/org.springframework.boot/spring-boot@2.6.0-M3");
    fs.v[2].aliases = calloc(1, sizeof(char *));
    fs.v[2].aliases[0] = strdup("CVE-2021-44228");
    fs.v[2].n_aliases = 1;
    add_pkg_vuln(&fs, "CVE-2021-44228", "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1");
    assert_int_equal(moat_vex_apply(v, &fs, &err), 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(fs.v[i].vex, MOAT_VEX_NOT_AFFECTED);
        assert_string_equal(fs.v[i].vex_justification, "vulnerable_code_not_in_execute_path");
    }
    assert_int_equal(fs.v[3].vex, MOAT_VEX_NONE);
    moat_findings_free(&fs);
    moat_vex_free(v);
}

static void test_v001_image_subcomponents(void **state)
{
    struct moat_vex *v = load("openvex-v001.json");
    struct moat_err err = MOAT_ERR_INIT;
    struct fx x;

    (void)state;
    fx_build(&x);
    assert_int_equal(moat_vex_apply(v, &x.fs, &err), 1);
    assert_int_equal(by(&x, "CVE-2024-0002", "libc6")->vex, MOAT_VEX_NOT_AFFECTED);
    assert_string_equal(by(&x, "CVE-2024-0002", "libc6")->vex_justification,
                        "vulnerable_code_not_present");
    assert_int_equal(by(&x, "CVE-2024-0001", "openssl")->vex, MOAT_VEX_NONE);
    fx_free(&x);
    moat_vex_free(v);
}

static void test_image_products_and_order(void **state)
{
    struct moat_vex *v = load("openvex-image.json");
    struct moat_err err = MOAT_ERR_INIT;
    struct fx x;

    (void)state;
    fx_build(&x);
    assert_int_equal(moat_vex_apply(v, &x.fs, &err), 2);
    /* an image product without subcomponents covers every package of the image */
    assert_int_equal(by(&x, "CVE-2023-0003", "zlib1g")->vex, MOAT_VEX_UNDER_INVESTIGATION);
    /* two statements: the later timestamp wins even though it comes first */
    assert_int_equal(by(&x, "CVE-2024-0001", "openssl")->vex, MOAT_VEX_AFFECTED);
    /* a statement naming another version does not apply */
    assert_int_equal(by(&x, "CVE-2024-0001", "libssl3")->vex, MOAT_VEX_NONE);
    /* secrets and misconfigurations are untouched */
    assert_int_equal(by(&x, "aws-access-key-id", NULL)->vex, MOAT_VEX_NONE);
    fx_free(&x);
    moat_vex_free(v);
}

static void test_cyclonedx_vex(void **state)
{
    struct moat_vex *v = load("cyclonedx-vex.json");
    struct moat_err err = MOAT_ERR_INIT;
    struct fx x;

    (void)state;
    fx_build(&x);
    assert_int_equal(moat_vex_count(v), 3); /* the vulnerability without analysis is no statement */
    assert_int_equal(moat_vex_apply(v, &x.fs, &err), 3);
    assert_int_equal(by(&x, "CVE-2024-0002", "libc6")->vex, MOAT_VEX_NOT_AFFECTED);
    assert_string_equal(by(&x, "CVE-2024-0002", "libc6")->vex_justification, "code_not_reachable");
    assert_int_equal(by(&x, "CVE-2023-0003", "zlib1g")->vex, MOAT_VEX_FIXED);
    /* GHSA-abcd-efgh-ijkl is an alias of the openssl finding; the purl ref names openssl only */
    assert_int_equal(by(&x, "CVE-2024-0001", "openssl")->vex, MOAT_VEX_NOT_AFFECTED);
    assert_string_equal(by(&x, "CVE-2024-0001", "openssl")->vex_justification, "false_positive");
    assert_int_equal(by(&x, "CVE-2024-0001", "libssl3")->vex, MOAT_VEX_NONE);
    fx_free(&x);
    moat_vex_free(v);
}

/*
 * Timestamps go through base/time.c: one with a "+99:99" offset (which this
 * file's own parser used to take) or a 30 February is no timestamp at all, so
 * document order decides between the two statements.
 */
static void test_strict_timestamps(void **state)
{
    static const char *const bad[] = {"2024-01-01T00:00:00+99:99", "2024-02-30T00:00:00Z",
                                      "2024-01-01 00:00:00Z"};
    struct moat_err err = MOAT_ERR_INIT;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct moat_findings fs = {0};
        struct moat_vex *v = NULL;
        char doc[512];

        snprintf(doc, sizeof(doc),
                 "{\"statements\": [{\"vulnerability\": \"CVE-2024-0001\", \"status\": "
                 "\"affected\", \"timestamp\": \"%s\"}, {\"vulnerability\": \"CVE-2024-0001\", "
                 "\"status\": \"fixed\", \"timestamp\": \"2023-06-01T00:00:00Z\"}]}",
                 bad[i]);
        assert_int_equal(moat_vex_load_mem("t.json", doc, strlen(doc), &v, &err), 0);
        add_pkg_vuln(&fs, "CVE-2024-0001", "pkg:deb/debian/openssl@3.0.11-1");
        assert_int_equal(moat_vex_apply(v, &fs, &err), 1);
        if (fs.v[0].vex != MOAT_VEX_FIXED)
            fail_msg("timestamp %s was taken for a time", bad[i]);
        moat_findings_free(&fs);
        moat_vex_free(v);
    }
}

/* Does a statement whose one product is stmt_purl mark a finding on pkg_purl? */
static bool covers(const char *stmt_purl, const char *pkg_purl)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_findings fs = {0};
    struct moat_vex *v = NULL;
    char doc[1024];
    bool hit;

    snprintf(doc, sizeof(doc),
             "{\"statements\": [{\"vulnerability\": {\"name\": \"CVE-2024-0001\"}, \"status\": "
             "\"fixed\", \"products\": [{\"@id\": \"%s\"}]}]}",
             stmt_purl);
    assert_int_equal(moat_vex_load_mem("m.json", doc, strlen(doc), &v, &err), 0);
    add_pkg_vuln(&fs, "CVE-2024-0001", pkg_purl);
    assert_true(moat_vex_apply(v, &fs, &err) >= 0);
    hit = fs.v[0].vex == MOAT_VEX_FIXED;
    moat_findings_free(&fs);
    moat_vex_free(v);
    return hit;
}

/*
 * Products are matched through moat_purl_parse (sbom/purl_parse.c), no longer
 * by vex.c's own purl code: percent-escapes are decoded on both sides, type
 * and qualifier keys compare in any case; a purl the parser refuses (a bad
 * escape, a qualifier without "=") now covers nothing, where the old code
 * kept "%zz" as text and skipped the bad qualifier.
 */
static void test_purl_matching(void **state)
{
    const char *pkg = "pkg:deb/debian/openssl@3.0.11-1?arch=amd64&distro=debian-12";

    (void)state;
    assert_true(covers("pkg:deb/debian/openssl", pkg));
    assert_true(covers("PKG:DEB/debian/openssl@3.0.11-1", pkg));     /* scheme and type: any case */
    assert_true(covers("pkg:deb/debian/open%73sl?ARCH=amd64", pkg)); /* %73 is 's' */
    assert_true(covers("pkg:deb/debian/openssl@3.0.11-1#usr/lib", pkg)); /* subpath ignored */
    assert_true(covers("pkg:deb/debian/openssl?kernel=6.1", pkg));       /* qualifier it lacks */
    assert_false(covers("pkg:deb/debian/openssl?arch=arm64", pkg));
    assert_false(covers("pkg:deb/debian/openssl@3.0.11-2", pkg));
    assert_false(covers("pkg:deb/ubuntu/openssl", pkg));
    assert_false(covers("pkg:deb/openssl", pkg));
    assert_false(covers("pkg:rpm/debian/openssl", pkg));
    assert_false(covers("pkg:deb/debian/OpenSSL", pkg)); /* names compare exactly */
    /* refused by moat_purl_parse: covers nothing now */
    assert_false(covers("pkg:deb/debian/openssl?arch", pkg));
    assert_false(covers("pkg:deb/debian/a%zz", "pkg:deb/debian/a%zz@1.0"));
    assert_false(covers("pkg:deb/debian/a%00b", "pkg:deb/debian/a"));
    /* the same string is the same package, parsed or not */
    assert_true(covers("pkg:deb/debian/a%zz", "pkg:deb/debian/a%zz"));
}

/* ---- hostile input ------------------------------------------------------------ */

static void expect_error(const char *doc, int code, const char *needle)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_vex *v = (struct moat_vex *)1;
    int r = moat_vex_load_mem("evil.json", doc, strlen(doc), &v, &err);

    if (r != -code || strstr(moat_err_msg(&err), needle) == NULL ||
        strncmp(moat_err_msg(&err), "evil.json: ", 11) != 0)
        fail_msg("doc %.80s: got %d \"%s\", want %d \"%s\"", doc, r, moat_err_msg(&err), -code,
                 needle);
    assert_null(v);
    moat_err_clear(&err);
}

static void test_hostile_types(void **state)
{
    (void)state;
    expect_error("[]", MOAT_E_FORMAT, "not a JSON object");
    expect_error("{}", MOAT_E_FORMAT, "neither an OpenVEX");
    expect_error("{\"statements\": {}}", MOAT_E_FORMAT, "statements: expected an array");
    expect_error("{\"statements\": [1]}", MOAT_E_FORMAT, "statements[0]: expected an object");
    expect_error("{\"statements\": [{\"status\": \"fixed\"}]}", MOAT_E_FORMAT,
                 "statements[0].vulnerability: missing");
    expect_error("{\"statements\": [{\"vulnerability\": 7, \"status\": \"fixed\"}]}", MOAT_E_FORMAT,
                 "statements[0].vulnerability: expected a string or an object");
    expect_error("{\"statements\": [{\"vulnerability\": {}, \"status\": \"fixed\"}]}",
                 MOAT_E_FORMAT, "statements[0].vulnerability: missing \"name\"");
    expect_error("{\"statements\": [{\"vulnerability\": {\"name\": \"C\", \"aliases\": [\"a\", 2]},"
                 " \"status\": \"fixed\"}]}",
                 MOAT_E_FORMAT, "statements[0].vulnerability.aliases[1]: expected a string");
    expect_error("{\"statements\": [{\"vulnerability\": \"C\", \"status\": 3}]}", MOAT_E_FORMAT,
                 "statements[0].status: expected a string");
    expect_error("{\"statements\": [{\"vulnerability\": \"C\", \"status\": \"maybe\"}]}",
                 MOAT_E_FORMAT, "statements[0].status: unknown status \"maybe\"");
    expect_error("{\"statements\": [{\"vulnerability\": \"C\", \"status\": \"fixed\", "
                 "\"products\": [true]}]}",
                 MOAT_E_FORMAT, "statements[0].products[0]: expected a string or an object");
    expect_error("{\"statements\": [{\"vulnerability\": \"C\", \"status\": \"fixed\", "
                 "\"products\": [{\"identifiers\": []}]}]}",
                 MOAT_E_FORMAT, "statements[0].products[0].identifiers: expected an object");
    expect_error("{\"statements\": [{\"vulnerability\": \"C\", \"status\": \"fixed\", "
                 "\"products\": [{\"@id\": \"pkg:oci/x\", \"subcomponents\": {}}]}]}",
                 MOAT_E_FORMAT, "statements[0].products[0].subcomponents: expected an array");
    expect_error("{\"statements\": [{\"vulnerability\": \"C\", \"status\": \"fixed\", "
                 "\"justification\": []}]}",
                 MOAT_E_FORMAT, "statements[0].justification: expected a string");
    expect_error("{\"bomFormat\": \"CycloneDX\", \"vulnerabilities\": {}}", MOAT_E_FORMAT,
                 "vulnerabilities: expected an array");
    expect_error("{\"bomFormat\": \"CycloneDX\", \"vulnerabilities\": [{\"id\": \"C\", "
                 "\"analysis\": {\"state\": \"bogus\"}}]}",
                 MOAT_E_FORMAT, "vulnerabilities[0].analysis.state: unknown state \"bogus\"");
    expect_error("{\"bomFormat\": \"CycloneDX\", \"vulnerabilities\": [{\"analysis\": "
                 "{\"state\": \"resolved\"}}]}",
                 MOAT_E_FORMAT, "vulnerabilities[0].id: missing");
    expect_error("{\"bomFormat\": \"CycloneDX\", \"vulnerabilities\": [{\"id\": \"C\", "
                 "\"analysis\": {\"state\": \"resolved\"}, \"affects\": [{\"ref\": 1}]}]}",
                 MOAT_E_FORMAT, "vulnerabilities[0].affects[0].ref: expected a string");
    expect_error("{\"bomFormat\": \"CycloneDX\", \"components\": [{\"bom-ref\": 5}]}",
                 MOAT_E_FORMAT, "components[0].bom-ref: expected a string");
    expect_error("{\"bomFormat\": \"CycloneDX\", \"metadata\": 1}", MOAT_E_FORMAT,
                 "metadata: expected an object");
}

static void test_hostile_syntax(void **state)
{
    (void)state;
    expect_error("{\"statements\": [", MOAT_E_FORMAT, "line 1");
    expect_error("{\"statements\": [], \"statements\": []}", MOAT_E_FORMAT, "duplicate");
    expect_error("{\"statements\": [{\"vulnerability\": \"a\\u0000b\", \"status\": \"fixed\"}]}",
                 MOAT_E_FORMAT, "line 1");
    expect_error("{\"statements\": [{\"vulnerability\": \"\xff\xfe\", \"status\": \"fixed\"}]}",
                 MOAT_E_FORMAT, "unable to decode byte 0xff");
}

static void test_hostile_deep(void **state)
{
    size_t n = 100000;
    char *doc = malloc(2 * n + 64), *p = doc;
    struct moat_buf b = MOAT_BUF_INIT;

    (void)state;
    /* 100000 nested arrays: the parser's depth limit stops it, no stack overflow */
    p += snprintf(p, 64, "{\"statements\": ");
    memset(p, '[', n);
    memset(p + n, ']', n);
    p[2 * n] = '}';
    p[2 * n + 1] = '\0';
    expect_error(doc, MOAT_E_FORMAT, "depth");
    free(doc);
    /* components nested past the writer-independent limit */
    moat_buf_appendf(&b, "{\"bomFormat\": \"CycloneDX\", \"components\": ");
    for (int i = 0; i < 100; i++)
        moat_buf_appendf(&b, "[{\"bom-ref\": \"c%d\", \"components\": ", i);
    moat_buf_appendf(&b, "[]");
    for (int i = 0; i < 100; i++)
        moat_buf_appendf(&b, "}]");
    moat_buf_appendf(&b, "}");
    expect_error(b.data, MOAT_E_LIMIT, "nested more than");
    moat_buf_free(&b);
}

static void test_hostile_huge(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_vex *v = NULL;
    char path[] = "/tmp/moat-vex-huge-XXXXXX";
    int fd;

    (void)state;
    assert_int_equal(moat_vex_load_mem("big.json", "{}", (size_t)MOAT_VEX_MAX_BYTES + 1, &v, &err),
                     -MOAT_E_LIMIT);
    assert_non_null(strstr(moat_err_msg(&err), "big.json: VEX document larger than"));
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)MOAT_VEX_MAX_BYTES + 4096), 0);
    close(fd);
    assert_int_equal(moat_vex_load(path, &v, &err), -MOAT_E_LIMIT);
    assert_non_null(strstr(moat_err_msg(&err), path));
    assert_null(v);
    unlink(path);
    assert_int_equal(moat_vex_load("/nonexistent/vex.json", &v, &err), -MOAT_E_NOTFOUND);
    assert_non_null(strstr(moat_err_msg(&err), "/nonexistent/vex.json: "));
    moat_err_clear(&err);
}

static void test_many_statements(void **state)
{
    /* 20000 statements load and apply quickly through the id index */
    struct moat_buf b = MOAT_BUF_INIT;
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_vex *v = NULL;
    struct moat_findings fs = {0};

    (void)state;
    moat_buf_appendf(&b, "{\"statements\": [");
    for (int i = 0; i < 20000; i++)
        moat_buf_appendf(&b,
                         "%s{\"vulnerability\": {\"name\": \"CVE-2024-%05d\"}, "
                         "\"status\": \"not_affected\", \"justification\": "
                         "\"component_not_present\"}",
                         i ? "," : "", i);
    moat_buf_appendf(&b, "]}");
    assert_int_equal(moat_vex_load_mem("many.json", b.data, b.len, &v, &err), 0);
    assert_int_equal(moat_vex_count(v), 20000);
    for (int i = 0; i < 20000; i += 2) {
        char id[32];

        snprintf(id, sizeof(id), "CVE-2024-%05d", i);
        add_pkg_vuln(&fs, id, "pkg:deb/debian/x@1");
    }
    assert_int_equal(moat_vex_apply(v, &fs, &err), 10000);
    moat_findings_free(&fs);
    moat_vex_free(v);
    moat_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_minimal),
        cmocka_unit_test(test_spec_spring_alias),
        cmocka_unit_test(test_v001_image_subcomponents),
        cmocka_unit_test(test_image_products_and_order),
        cmocka_unit_test(test_cyclonedx_vex),
        cmocka_unit_test(test_strict_timestamps),
        cmocka_unit_test(test_purl_matching),
        cmocka_unit_test(test_hostile_types),
        cmocka_unit_test(test_hostile_syntax),
        cmocka_unit_test(test_hostile_deep),
        cmocka_unit_test(test_hostile_huge),
        cmocka_unit_test(test_many_statements),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
