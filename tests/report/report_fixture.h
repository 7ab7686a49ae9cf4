/*
 * report_fixture.h - a realistic, hand-built scan for the report tests: a
 * Debian image, four packages, and findings of all four kinds covering fixed,
 * unfixed and won't-fix vulnerabilities, aliases, CVSS v3.1 and v4, unicode,
 * control characters, invalid UTF-8 and very long text.
 */
#ifndef MOAT_TESTS_REPORT_FIXTURE_H
#define MOAT_TESTS_REPORT_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "moat/base/finding.h"
#include "moat/catalog/catalog.h"
#include "moat/report/report.h"
#include "moat/sbom/sbom.h"
#include "moat/source/image.h"

struct fx {
    struct moat_image_meta meta;
    struct moat_layer_info layers[2];
    char *tags[1];
    struct moat_inventory inv;
    struct moat_findings fs;
    struct moat_report_ctx ctx;
};

static char *fx_dup(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

static char **fx_list(size_t n, const char *const *v)
{
    char **out = calloc(n + 1, sizeof(*out));

    for (size_t i = 0; i < n; i++)
        out[i] = strdup(v[i]);
    return out;
}

static void fx_pkg(struct fx *x, const char *name, const char *version, const char *src)
{
    struct moat_pkg p = {0};

    p.type = MOAT_PKG_DEB;
    p.name = strdup(name);
    p.version = strdup(version);
    p.arch = strdup("amd64");
    p.src_name = fx_dup(src);
    p.layer = 0;
    p.db_path = strdup("var/lib/dpkg/status");
    moat_inventory_add(&x->inv, &p, NULL);
}

static const struct moat_pkg *fx_find_pkg(const struct fx *x, const char *name)
{
    for (size_t i = 0; i < x->inv.n_pkgs; i++)
        if (strcmp(x->inv.pkgs[i].name, name) == 0)
            return &x->inv.pkgs[i];
    return NULL;
}

static void fx_vuln(struct fx *x, const char *pkg, const char *id, enum moat_severity sev,
                    double score, const char *vector, enum moat_fix_status fix, const char *fixed,
                    const char *title, const char *desc)
{
    struct moat_finding f = {0};
    const struct moat_pkg *p = fx_find_pkg(x, pkg);

    f.kind = MOAT_FINDING_VULN;
    f.rule_id = strdup(id);
    f.severity = sev;
    f.cvss_score = score;
    f.cvss_vector = fx_dup(vector);
    f.severity_source = strdup(score >= 0 ? "nvd" : "debian");
    f.severity_vector = score >= 0 ? fx_dup(vector) : NULL;
    f.cvss_source = score >= 0 ? strdup("nvd") : NULL;
    f.title = fx_dup(title);
    f.description = fx_dup(desc);
    f.data_source = strdup("osv:Debian");
    f.pkg_type = strdup("deb");
    f.pkg_name = strdup(p->name);
    f.pkg_version = strdup(p->version);
    f.pkg_purl = moat_purl(p, &x->inv.os);
    f.src_name = fx_dup(p->src_name);
    f.fix = fix;
    f.fixed_version = fx_dup(fixed);
    f.line = 0;
    f.layer = 0;
    moat_findings_add(&x->fs, &f, NULL);
}

static struct moat_finding *fx_last(struct fx *x)
{
    return &x->fs.v[x->fs.n - 1];
}

static void fx_build(struct fx *x)
{
    static const char *const ossl_aliases[] = {"DSA-5678-1", "GHSA-abcd-efgh-ijkl"};
    static const char *const ossl_refs[] = {
        "https://security-tracker.debian.org/tracker/CVE-2024-0001",
        "https://www.openssl.org/news/secadv/20240101.txt", "not a url"};
    char *long_text, *long_name;
    struct moat_finding f = {0};

    memset(x, 0, sizeof(*x));
    x->meta.transport = "docker-archive";
    x->meta.ref = strdup("docker-archive:/tmp/app.tar");
    x->meta.name = strdup("example.com/team/app:1.0");
    x->meta.manifest_digest =
        strdup("sha256:1111111111111111111111111111111111111111111111111111111111111111");
    x->meta.config_digest =
        strdup("sha256:2222222222222222222222222222222222222222222222222222222222222222");
    x->tags[0] = x->meta.name;
    x->meta.tags = x->tags;
    x->meta.n_tags = 1;
    x->meta.os = strdup("linux");
    x->meta.architecture = strdup("amd64");
    x->meta.created = strdup("2024-05-01T10:00:00Z");
    x->layers[0].digest =
        strdup("sha256:3333333333333333333333333333333333333333333333333333333333333333");
    x->layers[0].diff_id =
        strdup("sha256:4444444444444444444444444444444444444444444444444444444444444444");
    x->layers[1].digest =
        strdup("sha256:5555555555555555555555555555555555555555555555555555555555555555");
    x->layers[1].diff_id =
        strdup("sha256:6666666666666666666666666666666666666666666666666666666666666666");
    x->meta.layers = x->layers;
    x->meta.n_layers = 2;

    x->inv.os.id = strdup("debian");
    x->inv.os.version_id = strdup("12");
    x->inv.os.pretty_name = strdup("Debian GNU/Linux 12 (bookworm)");
    x->inv.os.codename = strdup("bookworm");
    long_name = malloc(201);
    memset(long_name, 'x', 200);
    memcpy(long_name, "libvery-long-", 13);
    long_name[200] = '\0';
    fx_pkg(x, "openssl", "3.0.11-1~deb12u2", NULL);
    fx_pkg(x, "libssl3", "3.0.11-1~deb12u2", "openssl");
    fx_pkg(x, "libc6", "2.36-9+deb12u4", "glibc");
    fx_pkg(x, "zlib1g", "1:1.2.13.dfsg-1", "zlib");
    fx_pkg(x, long_name, "1.0", NULL);
    moat_inventory_sort(&x->inv);

    fx_vuln(x, "openssl", "CVE-2024-0001", MOAT_SEV_CRITICAL, 9.8,
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", MOAT_FIX_AVAILABLE, "3.0.13-1~deb12u1",
            "OpenSSL: naïve “buffer” overflow — 日本語",
            "A buffer overflow in <ssl> & \"friends\" lets 'remote' attackers run code.");
    fx_last(x)->aliases = fx_list(2, ossl_aliases);
    fx_last(x)->n_aliases = 2;
    fx_last(x)->references = fx_list(3, ossl_refs);
    fx_last(x)->n_references = 3;
    fx_last(x)->primary_url = strdup("https://security-tracker.debian.org/tracker/CVE-2024-0001");
    fx_last(x)->published = strdup("2024-01-02T03:04:05Z");
    fx_last(x)->modified = strdup("2024-02-03T04:05:06Z");
    fx_vuln(x, "libssl3", "CVE-2024-0001", MOAT_SEV_CRITICAL, 9.8,
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", MOAT_FIX_AVAILABLE, "3.0.13-1~deb12u1",
            "OpenSSL: naïve “buffer” overflow — 日本語",
            "A buffer overflow in <ssl> & \"friends\" lets 'remote' attackers run code.");
    fx_last(x)->aliases = fx_list(2, ossl_aliases);
    fx_last(x)->n_aliases = 2;
    fx_last(x)->references = fx_list(3, ossl_refs);
    fx_last(x)->n_references = 3;
    fx_last(x)->primary_url = strdup("https://security-tracker.debian.org/tracker/CVE-2024-0001");
    fx_vuln(x, "libc6", "CVE-2024-0002", MOAT_SEV_HIGH, 8.7,
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", MOAT_FIX_NOT_FIXED,
            NULL, "glibc: heap corruption in iconv", NULL);
    fx_vuln(x, "zlib1g", "CVE-2023-0003", MOAT_SEV_MEDIUM, -1, NULL, MOAT_FIX_WONT_FIX, NULL,
            "zlib\x01\x1b[31mred\x7f \xff\xfe bad bytes\x1f", "desc with \x02 control \x0b chars");
    long_text = malloc(10001);
    for (size_t i = 0; i < 10000; i++)
        long_text[i] = "abcdefghij klmnop "[i % 18];
    long_text[10000] = '\0';
    fx_vuln(x, long_name, "GHSA-zzzz-yyyy-xxxx", MOAT_SEV_UNKNOWN, -1, NULL, MOAT_FIX_NOT_FIXED,
            NULL, long_text, long_text);
    free(long_text);
    free(long_name);

    f.kind = MOAT_FINDING_SECRET;
    f.rule_id = strdup("aws-access-key-id");
    f.severity = MOAT_SEV_HIGH;
    f.cvss_score = -1;
    f.title = strdup("AWS access key ID");
    f.path = strdup("app/config/.env prod");
    f.line = 3;
    f.layer = 1;
    f.match = strdup("AWS_ACCESS_KEY_ID=AKIA************MPLE");
    f.remediation = strdup("Remove the key from the image and rotate it");
    moat_findings_add(&x->fs, &f, NULL);

    memset(&f, 0, sizeof(f));
    f.kind = MOAT_FINDING_MISCONFIG;
    f.rule_id = strdup("MOAT-DS002");
    f.severity = MOAT_SEV_MEDIUM;
    f.cvss_score = -1;
    f.title = strdup("Image runs as root");
    f.description = strdup("The image config sets no USER, so containers run as root.");
    f.path = strdup("Dockerfile");
    f.line = 12;
    f.layer = -1;
    f.remediation = strdup("Add a USER instruction with a non-root user");
    f.cis = strdup("4.1");
    moat_findings_add(&x->fs, &f, NULL);

    memset(&f, 0, sizeof(f));
    f.kind = MOAT_FINDING_POLICY;
    f.rule_id = strdup("policy/no-latest-tag");
    f.severity = MOAT_SEV_LOW;
    f.cvss_score = -1;
    f.title = strdup("Image is referenced by a mutable tag");
    f.layer = -1;
    moat_findings_add(&x->fs, &f, NULL);
    moat_findings_sort(&x->fs);

    x->ctx.tool_version = "0.1.0";
    x->ctx.target = "example.com/team/app:1.0";
    x->ctx.meta = &x->meta;
    x->ctx.inv = &x->inv;
    x->ctx.timestamp = "2024-06-03T10:20:30Z";
    x->ctx.uuid = "0F8FAD5B-D9CB-469F-A165-70867728950E";
    x->ctx.db_note = "vulnerability db: 2024-06-01, 2 days old";
}

static void fx_free(struct fx *x)
{
    free(x->meta.ref);
    free(x->meta.name);
    free(x->meta.manifest_digest);
    free(x->meta.config_digest);
    free(x->meta.os);
    free(x->meta.architecture);
    free(x->meta.created);
    for (size_t i = 0; i < 2; i++) {
        free(x->layers[i].digest);
        free(x->layers[i].diff_id);
    }
    moat_inventory_free(&x->inv);
    moat_findings_free(&x->fs);
}

#endif
