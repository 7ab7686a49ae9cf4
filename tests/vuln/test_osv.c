/*
 * test_osv.c - the OSV importer on the real shared data (counts checked
 * against an independent count made with Python over the same files) and on
 * hostile records: wrong types, huge strings, deep JSON, unknown ecosystems.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "moat/vuln/vulndb.h"

#define OSV MOAT_SHARED_DATA "/osv"

static struct moat_vulndb *mem_db(void)
{
    struct moat_vulndb *db = NULL;
    struct moat_err err = MOAT_ERR_INIT;

    assert_int_equal(moat_vulndb_open(":memory:", 1, &db, &err), 0);
    return db;
}

static int import_str(struct moat_vulndb *db, const char *s, struct moat_import_report *rep)
{
    struct moat_err err = MOAT_ERR_INIT;
    int r = moat_vulndb_import_mem(db, "t.json", s, strlen(s), rep, &err);

    moat_err_clear(&err);
    return r;
}

struct collect {
    size_t n;
    char ids[64][64];
    char fixed[64][64];
    char status[64][32];
    size_t n_versions[64];
};

static int collect_fn(void *ctx, const struct moat_affected *a)
{
    struct collect *c = ctx;

    if (c->n >= 64)
        return 0;
    snprintf(c->ids[c->n], 64, "%s", a->vuln_id);
    c->fixed[c->n][0] = '\0';
    for (size_t i = 0; i < a->n_ranges; i++)
        for (size_t j = 0; j < a->ranges[i].n_events; j++)
            if (a->ranges[i].events[j].kind == MOAT_EV_FIXED)
                snprintf(c->fixed[c->n], 64, "%s", a->ranges[i].events[j].version);
    snprintf(c->status[c->n], 32, "%s", a->distro_status ? a->distro_status : "");
    c->n_versions[c->n] = a->n_versions;
    c->n++;
    return 0;
}

static void lookup(struct moat_vulndb *db, const char *eco, const char *pkg, struct collect *c)
{
    struct moat_err err = MOAT_ERR_INIT;

    memset(c, 0, sizeof(*c));
    assert_int_equal(moat_vulndb_each_affected(db, eco, pkg, collect_fn, c, &err), 0);
}

/* Independent count (python3, json module, over tests' shared data):
 * records = files (+ API vulns), affected = entries with a package. */
static void test_shared_osv_counts(void **state)
{
    static const struct {
        const char *dir;
        uint64_t records, affected;
    } want[] = {
        {OSV "/go-vulndb", 4291, 6125},           {OSV "/crates-rustsec", 1206, 1206},
        {OSV "/pypi-pypa", 2661, 2661},           {OSV "/ghsa-osv-api-fixtures", 364, 915},
        {OSV "/debian-bookworm-derived", 30, 49},
    };
    (void)state;
    moat_need_file(OSV);
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        struct moat_vulndb *db = mem_db();
        struct moat_import_report rep = {0};
        struct moat_err err = MOAT_ERR_INIT;

        assert_int_equal(moat_vulndb_import_path(db, want[i].dir, &rep, &err), 0);
        assert_int_equal(rep.records, want[i].records);
        assert_int_equal(rep.affected, want[i].affected);
        assert_int_equal(rep.skipped, 0);
        assert_int_equal(rep.refused, 0);
        moat_import_report_free(&rep);
        moat_vulndb_close(db);
    }
}

static void test_lookups_and_get(void **state)
{
    struct moat_vulndb *db;
    struct moat_import_report rep = {0};
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_vuln_info v;
    struct collect c;
    (void)state;
    moat_need_file(OSV);
    db = mem_db();

    assert_int_equal(moat_vulndb_import_path(db, OSV "/debian-bookworm-derived", &rep, &err), 0);
    assert_int_equal(moat_vulndb_import_path(db, OSV "/ghsa-osv-api-fixtures", &rep, &err), 0);
    assert_int_equal(moat_vulndb_import_path(db, OSV "/pypi-pypa", &rep, &err), 0);

    /* Debian: exact, by codename, and case-insensitively */
    lookup(db, "Debian:12", "glibc", &c);
    assert_true(c.n >= 3);
    size_t n12 = c.n;
    lookup(db, "debian:bookworm", "glibc", &c);
    assert_int_equal(c.n, n12);
    lookup(db, "Debian:11", "glibc", &c);
    assert_int_equal(c.n, 0);
    lookup(db, "Debian:12", "zlib", &c);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.ids[0], "DEBIAN-CVE-2023-45853");
    assert_string_equal(c.status[0], "ignored");
    assert_string_equal(c.fixed[0], "");
    lookup(db, "Debian:12", "openssh", &c);
    bool seen = false;
    for (size_t i = 0; i < c.n; i++)
        if (strcmp(c.ids[i], "DSA-5724-1") == 0) {
            assert_string_equal(c.fixed[i], "1:9.2p1-2+deb12u3");
            seen = true;
        }
    assert_true(seen);

    /* GHSA: explicit versions lists are kept */
    lookup(db, "Maven", "org.yaml:snakeyaml", &c);
    assert_true(c.n >= 1);
    assert_true(c.n_versions[0] > 10);

    /* PyPI names compare in PEP 503 form */
    lookup(db, "PyPI", "AccessControl", &c);
    assert_int_equal(c.n, 2);
    lookup(db, "PyPI", "nope-not-there", &c);
    assert_int_equal(c.n, 0);

    assert_int_equal(moat_vulndb_get(db, "DSA-5514-1", &v, &err), 0);
    assert_string_equal(v.source, "osv");
    assert_int_equal(v.n_aliases, 1);
    assert_string_equal(v.aliases[0], "CVE-2023-4911");
    assert_string_equal(v.published, "2023-10-03T00:00:00Z");
    moat_vuln_info_free(&v);
    assert_int_equal(moat_vulndb_get(db, "GHSA-3mc7-4q67-w48m", &v, &err), 0);
    assert_true(v.n_references > 0);
    assert_true(v.n_severity >= 1);
    assert_non_null(strstr(v.severity[0].score, "CVSS:3"));
    moat_vuln_info_free(&v);
    assert_int_equal(moat_vulndb_get(db, "NOPE-1", &v, &err), -MOAT_E_NOTFOUND);
    moat_err_clear(&err);
    moat_import_report_free(&rep);
    moat_vulndb_close(db);
}

static void test_replace_and_withdrawn(void **state)
{
    struct moat_vulndb *db = mem_db();
    struct moat_import_report rep = {0};
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_vuln_info v;
    struct collect c;
    (void)state;

    assert_int_equal(
        import_str(db,
                   "{\"id\":\"X-1\",\"modified\":\"2024-01-01T00:00:00Z\",\"affected\":["
                   "{\"package\":{\"ecosystem\":\"npm\",\"name\":\"a\"},\"ranges\":[{"
                   "\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":"
                   "\"1.0.0\"}]}]},{\"package\":{\"ecosystem\":\"npm\",\"name\":\"b\"}}]}",
                   &rep),
        0);
    lookup(db, "npm", "b", &c);
    assert_int_equal(c.n, 1);
    /* the same id again replaces the record: b is gone, a has the new fix */
    assert_int_equal(
        import_str(db,
                   "{\"id\":\"X-1\",\"withdrawn\":\"2024-02-01T00:00:00Z\",\"affected\":["
                   "{\"package\":{\"ecosystem\":\"npm\",\"name\":\"a\"},\"ranges\":[{"
                   "\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":"
                   "\"1.0.1\"}]}]}]}",
                   &rep),
        0);
    lookup(db, "npm", "b", &c);
    assert_int_equal(c.n, 0);
    lookup(db, "npm", "a", &c);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.fixed[0], "1.0.1");
    assert_int_equal(moat_vulndb_get(db, "X-1", &v, &err), 0);
    assert_int_equal(v.withdrawn, 1);
    moat_vuln_info_free(&v);
    moat_import_report_free(&rep);
    moat_vulndb_close(db);
}

static void test_hostile_records(void **state)
{
    static const char *const bad[] = {
        "{\"id\":5}",
        "{\"id\":\"\"}",
        "{\"id\":\"has space\"}",
        "{\"id\":\"A-1\",\"affected\":{}}",
        "{\"id\":\"A-2\",\"affected\":[{\"package\":{\"ecosystem\":\"Go\",\"name\":\"x\"},"
        "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":{}}]}]}",
        "{\"id\":\"A-3\",\"affected\":[{\"package\":{\"ecosystem\":\"Go\",\"name\":\"x\"},"
        "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"fixed\":1}]}]}]}",
        "{\"id\":\"A-4\",\"affected\":[{\"package\":{\"ecosystem\":\"Go\",\"name\":\"x\"},"
        "\"ranges\":[{\"type\":\"NOPE\",\"events\":[]}]}]}",
        "{\"id\":\"A-5\",\"affected\":[{\"package\":{\"ecosystem\":\"Go\",\"name\":\"x\"},"
        "\"versions\":[\"1\\n2\"]}]}",
        "{\"id\":\"A-6\",\"aliases\":\"CVE-1\"}",
        "{\"id\":\"A-7\",\"summary\":[]}",
        "{\"id\":\"A-8\",\"affected\":[{\"package\":{\"ecosystem\":\"Go\",\"name\":\"x\"},"
        "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\",\"fixed\":\"1\"}]}]}"
        "]}",
        "{\"id\":\"A-10\",\"references\":[{\"url\":null}]}",
        "{\"id\":\"A-11\",\"severity\":[{\"type\":\"CVSS_V3\"}]}",
    };
    struct moat_vulndb *db = mem_db();
    struct moat_import_report rep = {0};
    struct collect c;
    (void)state;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(import_str(db, bad[i], &rep), 0);
    assert_int_equal(rep.skipped, sizeof(bad) / sizeof(bad[0]));
    /* NUL inside a string: jansson refuses the document; a single file is refused */
    assert_int_equal(import_str(db, "{\"id\":\"A-9\",\"summary\":\"x\\u0000y\"}", &rep),
                     -MOAT_E_FORMAT);
    assert_int_equal(rep.records, 0);
    assert_int_equal(rep.n_reasons, MOAT_IMPORT_REASONS);
    assert_non_null(strstr(rep.reasons[0], "t.json: id: expected string"));
    assert_non_null(strstr(rep.reasons[3], "A-1: affected: expected array"));
    assert_non_null(strstr(rep.reasons[4], "affected[0].ranges[0].events: expected array"));
    lookup(db, "Go", "x", &c);
    assert_int_equal(c.n, 0);
    moat_import_report_free(&rep);

    /* an API answer with one good and one bad record keeps the good one */
    memset(&rep, 0, sizeof(rep));
    assert_int_equal(import_str(db,
                                "{\"vulns\":[{\"id\":\"G-1\",\"affected\":[{\"package\":{"
                                "\"ecosystem\":\"Go\",\"name\":\"x\"}}]},{\"id\":7}]}",
                                &rep),
                     0);
    assert_int_equal(rep.records, 1);
    assert_int_equal(rep.skipped, 1);
    lookup(db, "Go", "x", &c);
    assert_int_equal(c.n, 1);
    moat_import_report_free(&rep);
    moat_vulndb_close(db);
}

static void test_huge_and_deep(void **state)
{
    struct moat_vulndb *db = mem_db();
    struct moat_import_report rep = {0};
    size_t n = (2u << 20) + 100;
    char *s = malloc(n + 64);
    (void)state;

    /* a 2 MiB summary: skipped, not stored */
    assert_non_null(s);
    size_t k = (size_t)snprintf(s, 64, "{\"id\":\"H-1\",\"summary\":\"");
    memset(s + k, 'a', n - k - 3);
    memcpy(s + n - 3, "\"}", 3);
    assert_int_equal(import_str(db, s, &rep), 0);
    assert_int_equal(rep.skipped, 1);
    assert_non_null(strstr(rep.reasons[0], "summary: string too long"));
    /* 10000 levels deep: refused before jansson sees it */
    memset(s, '[', 10000);
    s[10000] = '\0';
    assert_int_equal(import_str(db, s, &rep), -MOAT_E_LIMIT);
    free(s);
    /* an id of 300 bytes */
    {
        char buf[400];

        memset(buf, 0, sizeof(buf));
        memcpy(buf, "{\"id\":\"", 7);
        memset(buf + 7, 'x', 300);
        memcpy(buf + 307, "\"}", 2);
        assert_int_equal(import_str(db, buf, &rep), 0);
        assert_int_equal(rep.skipped, 2);
    }
    moat_import_report_free(&rep);
    moat_vulndb_close(db);
}

static void test_unknown_ecosystem_kept(void **state)
{
    struct moat_vulndb *db = mem_db();
    struct moat_import_report rep = {0};
    struct collect c;
    (void)state;

    assert_int_equal(import_str(db,
                                "{\"id\":\"U-1\",\"affected\":[{\"package\":{\"ecosystem\":"
                                "\"Frobnix:7\",\"name\":\"p\"}}]}",
                                &rep),
                     0);
    assert_int_equal(rep.records, 1);
    assert_int_equal(rep.unknown_ecosystems, 1);
    lookup(db, "Frobnix:7", "p", &c);
    assert_int_equal(c.n, 1);
    /* an entry without a release applies to every release */
    assert_int_equal(import_str(db,
                                "{\"id\":\"U-2\",\"affected\":[{\"package\":{\"ecosystem\":"
                                "\"Alpine\",\"name\":\"musl\"}},{\"package\":{\"ecosystem\":"
                                "\"Alpine:v3.19\",\"name\":\"musl\"}},{\"package\":{\"ecosystem\":"
                                "\"Ubuntu:22.04:LTS\",\"name\":\"bash\"}}]}",
                                &rep),
                     0);
    lookup(db, "Alpine:v3.20", "musl", &c);
    assert_int_equal(c.n, 1);
    lookup(db, "Alpine:3.19", "musl", &c);
    assert_int_equal(c.n, 2);
    lookup(db, "Ubuntu:22.04", "bash", &c);
    assert_int_equal(c.n, 1);
    moat_import_report_free(&rep);
    moat_vulndb_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shared_osv_counts),     cmocka_unit_test(test_lookups_and_get),
        cmocka_unit_test(test_replace_and_withdrawn), cmocka_unit_test(test_hostile_records),
        cmocka_unit_test(test_huge_and_deep),         cmocka_unit_test(test_unknown_ecosystem_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
