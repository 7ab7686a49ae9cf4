/*
 * test_severity.c - where a finding's severity comes from: the advisory's
 * own rating (a CVSS vector of the record, else Debian's urgency or the
 * record's word), else NVD's CVSS v4.0, v3.1, v3.0 then v2 with NVD's own
 * score before a CNA's, else UNKNOWN; and NVD records as they are imported
 * (single records, a yearly feed, gzip). The scores of the vectors are the
 * FIRST calculators' (v3.1 9.8/7.8/5.5/5.3, v4.0 9.3, v2 7.5/10.0).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "moat/vuln/match.h"
#include "moat/vuln/vulndb.h"

#define V31_98 "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
#define V31_78 "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"
#define V31_55 "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H"
#define V31_53 "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N"
#define V30_98 "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
#define V40_93 "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
#define V2_75 "AV:N/AC:L/Au:N/C:P/I:P/A:P"
#define V2_100 "AV:N/AC:L/Au:N/C:C/I:C/A:C"

static void import(struct moat_vulndb *db, const char *name, const char *text)
{
    struct moat_import_report rep = {0};
    struct moat_err err = MOAT_ERR_INIT;

    if (moat_vulndb_import_mem(db, name, text, strlen(text), &rep, &err) != 0)
        fail_msg("%s: %s", name, moat_err_msg(&err));
    if (rep.skipped != 0)
        fail_msg("%s: skipped: %s", name, rep.reasons[0]);
    moat_import_report_free(&rep);
}

/* An OSV record for foo on Debian:12, affected below 9 (extra: more members, or ""). */
static void osv(struct moat_vulndb *db, const char *id, const char *extra)
{
    char buf[2048];

    snprintf(buf, sizeof(buf),
             "{\"id\":\"%s\",\"modified\":\"2026-01-01T00:00:00Z\"%s%s,\"affected\":[{"
             "\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"foo\"},\"ranges\":[{\"type\":"
             "\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"9\"}]}]}]}",
             id, *extra ? "," : "", extra);
    import(db, id, buf);
}

/* An NVD record: metrics is the inside of "metrics" ("" for none). */
static void nvd(struct moat_vulndb *db, const char *id, const char *metrics)
{
    char buf[4096];

    snprintf(buf, sizeof(buf),
             "{\"id\":\"%s\",\"sourceIdentifier\":\"cve@mitre.org\",\"published\":"
             "\"2026-01-01T00:00:00.000\",\"lastModified\":\"2026-01-02T00:00:00.000\","
             "\"vulnStatus\":\"Analyzed\",\"descriptions\":[{\"lang\":\"en\",\"value\":\"x\"}],"
             "\"metrics\":{%s},\"references\":[]}",
             id, metrics);
    import(db, id, buf);
}

#define M(ver, type, src, vec)                                                                     \
    "{\"source\":\"" src "\",\"type\":\"" type "\",\"cvssData\":{"                                 \
    "\"version\":\"" ver "\",\"vectorString\":\"" vec "\"}}"

static const struct moat_finding *find(const struct moat_findings *fs, const char *id)
{
    for (size_t i = 0; i < fs->n; i++)
        if (strcmp(fs->v[i].rule_id, id) == 0)
            return &fs->v[i];
    fail_msg("no finding %s", id);
    return NULL;
}

static void expect(const struct moat_findings *fs, const char *id, enum moat_severity sev,
                   const char *source, const char *vector)
{
    const struct moat_finding *f = find(fs, id);

    if (f->severity != sev)
        fail_msg("%s: severity %s, want %s", id, moat_severity_name(f->severity),
                 moat_severity_name(sev));
    if ((source == NULL) != (f->severity_source == NULL) ||
        (source != NULL && strcmp(source, f->severity_source) != 0))
        fail_msg("%s: source %s, want %s", id, f->severity_source ? f->severity_source : "NULL",
                 source ? source : "NULL");
    if ((vector == NULL) != (f->severity_vector == NULL) ||
        (vector != NULL && strcmp(vector, f->severity_vector) != 0))
        fail_msg("%s: vector %s, want %s", id, f->severity_vector ? f->severity_vector : "NULL",
                 vector ? vector : "NULL");
}

static void test_precedence(void **state)
{
    struct moat_vulndb *db = NULL;
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_pkg pkg = {.type = MOAT_PKG_DEB,
                           .name = "foo",
                           .version = "1.0-1",
                           .src_name = "foo",
                           .src_version = "1.0-1",
                           .layer = -1};
    struct moat_inventory inv = {
        .os = {.id = "debian", .version_id = "12"}, .pkgs = &pkg, .n_pkgs = 1};
    struct moat_findings fs = {0};
    const struct moat_finding *f;
    (void)state;

    assert_int_equal(moat_vulndb_open(":memory:", 1, &db, &err), 0);
    /* A: Debian's urgency wins over NVD's 9.8, which still fills the CVSS facts */
    osv(db, "DEBIAN-CVE-2099-1",
        "\"upstream\":[\"CVE-2099-1\"],\"database_specific\":{},\"summary\":\"a\"");
    import(db, "A.list", "CVE-2099-1 (a)\n\t- foo <unfixed> (low)\n");
    nvd(db, "CVE-2099-1", "\"cvssMetricV31\":[" M("3.1", "Primary", "nvd@nist.gov", V31_98) "]");
    /* B: a GHSA's own vector wins over NVD's */
    osv(db, "GHSA-2099-bbbb-bbbb",
        "\"aliases\":[\"CVE-2099-2\"],\"severity\":[{\"type\":\"CVSS_V3\",\"score\":\"" V31_53
        "\"}]");
    nvd(db, "CVE-2099-2", "\"cvssMetricV31\":[" M("3.1", "Primary", "nvd@nist.gov", V31_98) "]");
    /* C: v4.0 before v3.1, even a CNA's before NVD's own */
    osv(db, "CVE-2099-3", "\"summary\":\"c\"");
    nvd(db, "CVE-2099-3",
        "\"cvssMetricV31\":[" M("3.1", "Primary", "nvd@nist.gov",
                                V31_78) "],"
                                        "\"cvssMetricV40\":[" M("4.0", "Secondary",
                                                                "cna@example.org", V40_93) "]");
    /* D: within v3.1, NVD's own before the CNA's */
    osv(db, "CVE-2099-4", "\"summary\":\"d\"");
    nvd(db, "CVE-2099-4",
        "\"cvssMetricV31\":[" M("3.1", "Secondary", "cna@example.org",
                                V31_78) "," M("3.1", "Primary", "nvd@nist.gov", V31_55) "]");
    /* E: v3.0 before v2 */
    osv(db, "CVE-2099-5", "\"summary\":\"e\"");
    nvd(db, "CVE-2099-5",
        "\"cvssMetricV2\":[" M("2.0", "Primary", "nvd@nist.gov",
                               V2_75) "],"
                                      "\"cvssMetricV30\":[" M("3.0", "Primary", "nvd@nist.gov",
                                                              V30_98) "]");
    /* F: v2 alone, rated with v2's own table: 10.0 is HIGH */
    osv(db, "CVE-2099-6", "\"summary\":\"f\"");
    nvd(db, "CVE-2099-6", "\"cvssMetricV2\":[" M("2.0", "Primary", "nvd@nist.gov", V2_100) "]");
    /* G: NVD without metrics: UNKNOWN */
    osv(db, "CVE-2099-7", "\"summary\":\"g\"");
    nvd(db, "CVE-2099-7", "");
    /* H: a record standing for two CVEs: the more severe of NVD's */
    osv(db, "OSV-2099-8", "\"aliases\":[\"CVE-2099-8\",\"CVE-2099-9\"]");
    nvd(db, "CVE-2099-8", "\"cvssMetricV31\":[" M("3.1", "Primary", "nvd@nist.gov", V31_55) "]");
    nvd(db, "CVE-2099-9", "\"cvssMetricV31\":[" M("3.1", "Primary", "nvd@nist.gov", V31_98) "]");
    /* I: CISA's ADP is named, not numbered */
    osv(db, "CVE-2099-10", "\"summary\":\"i\"");
    nvd(db, "CVE-2099-10",
        "\"cvssMetricV31\":[" M("3.1", "Secondary", "134c704f-9b21-4f2e-91b3-4a467353bcc0",
                                V31_78) "]");

    assert_int_equal(moat_vuln_match(db, &inv, NULL, &fs, NULL, &err), 0);
    expect(&fs, "CVE-2099-1", MOAT_SEV_LOW, "debian", NULL);
    f = find(&fs, "CVE-2099-1");
    assert_true(f->cvss_score > 9.7 && f->cvss_score < 9.9);
    assert_string_equal(f->cvss_vector, V31_98);
    assert_string_equal(f->cvss_source, "nvd");
    expect(&fs, "CVE-2099-2", MOAT_SEV_MEDIUM, "ghsa", V31_53);
    expect(&fs, "CVE-2099-3", MOAT_SEV_CRITICAL, "nvd:cna@example.org", V40_93);
    expect(&fs, "CVE-2099-4", MOAT_SEV_MEDIUM, "nvd", V31_55);
    expect(&fs, "CVE-2099-5", MOAT_SEV_CRITICAL, "nvd", V30_98);
    expect(&fs, "CVE-2099-6", MOAT_SEV_HIGH, "nvd", V2_100);
    expect(&fs, "CVE-2099-7", MOAT_SEV_UNKNOWN, NULL, NULL);
    expect(&fs, "OSV-2099-8", MOAT_SEV_CRITICAL, "nvd", V31_98);
    expect(&fs, "CVE-2099-10", MOAT_SEV_HIGH, "nvd:cisa-adp", V31_78);
    moat_findings_free(&fs);
    moat_vulndb_close(db);
}

/* The shared NVD records: all imported; the scores moat computes are NVD's baseScore. */
static void test_shared_records(void **state)
{
    struct moat_vulndb *db = NULL;
    struct moat_import_report rep = {0};
    struct moat_err err = MOAT_ERR_INIT;
    (void)state;

    assert_int_equal(moat_vulndb_open(":memory:", 1, &db, &err), 0);
    assert_int_equal(moat_vulndb_import_path(db, MOAT_SHARED_DATA "/nvd", &rep, &err), 0);
    assert_int_equal(rep.records, 303); /* README: 303 records */
    assert_int_equal(rep.skipped, 0);
    moat_import_report_free(&rep);
    moat_vulndb_close(db);
}

/* Malformed NVD records are skipped whole with the path of the problem. */
static void test_malformed(void **state)
{
    static const struct {
        const char *doc, *reason;
    } bad[] = {
        {"{\"id\":\"CVE-1\",\"vulnStatus\":\"x\",\"metrics\":[]}",
         "CVE-1: metrics: expected object"},
        {"{\"id\":\"CVE-1\",\"vulnStatus\":\"x\",\"metrics\":{\"cvssMetricV31\":[{\"cvssData\":{"
         "\"vectorString\":\"CVSS:3.1/AV:X\"}}]}}",
         "cvssMetricV31[0].cvssData.vectorString: not a CVSS vector"},
        {"{\"id\":\"CVE-1\",\"vulnStatus\":\"x\",\"descriptions\":{}}",
         "descriptions: expected array"},
        {"{\"id\":7,\"vulnStatus\":\"x\"}", "id: expected string"},
        {"{\"vulnerabilities\":{\"a\":1}}", "vulnerabilities: expected array"},
    };
    (void)state;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct moat_vulndb *db = NULL;
        struct moat_import_report rep = {0};
        struct moat_err err = MOAT_ERR_INIT;

        assert_int_equal(moat_vulndb_open(":memory:", 1, &db, &err), 0);
        assert_int_equal(
            moat_vulndb_import_mem(db, "n.json", bad[i].doc, strlen(bad[i].doc), &rep, &err), 0);
        assert_int_equal(rep.records, 0);
        assert_int_equal(rep.skipped, 1);
        if (strstr(rep.reasons[0], bad[i].reason) == NULL)
            fail_msg("got \"%s\", want \"%s\"", rep.reasons[0], bad[i].reason);
        moat_import_report_free(&rep);
        moat_vulndb_close(db);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_shared_records),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
