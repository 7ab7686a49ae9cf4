/*
 * test_db.c - opening databases (missing, not SQLite, wrong schema,
 * damaged), info, the default path, and the atomic update with a fake
 * downloader: a failed or truncated download leaves the old database as it
 * was and no temporary files behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "moat/vuln/vulndb.h"

#define SHARED MOAT_SHARED_DATA

static char dir[256], dbp[300];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/moat-test-db.XXXXXX");
    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(dbp, sizeof(dbp), "%s/vuln.db", dir);
    return 0;
}

static int teardown(void **state)
{
    char cmd[300];
    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const void *s, size_t n)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(s, 1, n, f), n);
    fclose(f);
}

static size_t files_in_dir(void)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    size_t n = 0;

    assert_non_null(d);
    while ((de = readdir(d)) != NULL)
        if (de->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

static int count_fn(void *ctx, const struct moat_affected *a)
{
    (void)a;
    (*(size_t *)ctx)++;
    return 0;
}

static size_t lookups(const char *path, const char *eco, const char *pkg)
{
    struct moat_vulndb *db = NULL;
    struct moat_err err = MOAT_ERR_INIT;
    size_t n = 0;

    assert_int_equal(moat_vulndb_open(path, 0, &db, &err), 0);
    assert_int_equal(moat_vulndb_each_affected(db, eco, pkg, count_fn, &n, &err), 0);
    moat_vulndb_close(db);
    return n;
}

static void test_open_errors(void **state)
{
    struct moat_vulndb *db = NULL;
    struct moat_err err = MOAT_ERR_INIT;
    char p[400];
    (void)state;

    snprintf(p, sizeof(p), "%s/missing.db", dir);
    assert_int_equal(moat_vulndb_open(p, 0, &db, &err), -MOAT_E_NOTFOUND);
    assert_non_null(strstr(moat_err_msg(&err), "missing.db"));
    moat_err_clear(&err);

    snprintf(p, sizeof(p), "%s/garbage.db", dir);
    write_file(p, "this is not sqlite at all, just some text padding it out to a page......", 72);
    assert_int_equal(moat_vulndb_open(p, 0, &db, &err), -MOAT_E_FORMAT);
    assert_non_null(strstr(moat_err_msg(&err), "garbage.db"));
    moat_err_clear(&err);
    assert_int_equal(moat_vulndb_open(p, 1, &db, &err), -MOAT_E_FORMAT);
    moat_err_clear(&err);

    /* a database damaged by truncation */
    snprintf(p, sizeof(p), "%s/other.db", dir);
    {
        struct moat_vulndb *w = NULL;

        assert_int_equal(moat_vulndb_open(p, 1, &w, &err), 0);
        moat_vulndb_close(w);
        FILE *f = fopen(p, "r+b");
        assert_non_null(f);
        assert_int_equal(ftruncate(fileno(f), 100), 0);
        fclose(f);
    }
    assert_true(moat_vulndb_open(p, 0, &db, &err) < 0);
    moat_err_clear(&err);

    /* a directory */
    assert_int_equal(moat_vulndb_open(dir, 0, &db, &err), -MOAT_E_FORMAT);
    moat_err_clear(&err);
    assert_null(db);
}

static void sql(const char *path, const char *q)
{
    sqlite3 *h = NULL;

    assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, q, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(h);
}

/* A schema 1 database (before tracker_notes): read as it is, upgraded when opened to write. */
static void test_schema_1(void **state)
{
    struct moat_import_report rep = {0};
    struct moat_vulndb *db = NULL;
    struct moat_err err = MOAT_ERR_INIT;
    char p[400], **w = NULL;
    size_t n_w = 9;
    (void)state;

    snprintf(p, sizeof(p), "%s/v1.db", dir);
    assert_int_equal(moat_vulndb_open(p, 1, &db, &err), 0);
    assert_int_equal(
        moat_vulndb_import_path(db, MOAT_SHARED_DATA "/osv/debian-bookworm-derived", &rep, &err),
        0);
    moat_vulndb_close(db);
    sql(p, "DROP TABLE tracker_notes; DROP TABLE metrics; PRAGMA user_version = 1;");
    assert_true(lookups(p, "Debian:12", "glibc") > 0);
    assert_int_equal(moat_vulndb_open(p, 0, &db, &err), 0);
    assert_int_equal(moat_vulndb_warnings(db, &w, &n_w, &err), 0);
    assert_int_equal(n_w, 0);
    moat_vulndb_close(db);
    assert_int_equal(moat_vulndb_open(p, 1, &db, &err), 0);
    assert_int_equal(
        moat_vulndb_import_path(db, MOAT_SHARED_DATA "/debian-security-tracker-subset/CVE.list",
                                &rep, &err),
        0);
    assert_int_equal(moat_vulndb_warnings(db, &w, &n_w, &err), 0);
    assert_int_equal(n_w, 2);
    moat_vulndb_warnings_free(w, n_w);
    moat_vulndb_close(db);
    /* a newer schema than this moat reads is refused */
    sql(p, "PRAGMA user_version = 3;");
    assert_int_equal(moat_vulndb_open(p, 0, &db, &err), -MOAT_E_FORMAT);
    assert_non_null(strstr(moat_err_msg(&err), "schema version 3"));
    moat_err_clear(&err);
    moat_import_report_free(&rep);
}

static void test_default_path(void **state)
{
    char buf[512];
    (void)state;

    setenv("MOAT_DB", "/x/y.db", 1);
    assert_int_equal(moat_vulndb_default_path_buf(buf, sizeof(buf)), 0);
    assert_string_equal(buf, "/x/y.db");
    unsetenv("MOAT_DB");
    setenv("XDG_CACHE_HOME", "/c", 1);
    assert_int_equal(moat_vulndb_default_path_buf(buf, sizeof(buf)), 0);
    assert_string_equal(buf, "/c/moat/vuln.db");
    setenv("XDG_CACHE_HOME", "relative", 1);
    setenv("HOME", "/home/u", 1);
    assert_int_equal(moat_vulndb_default_path_buf(buf, sizeof(buf)), 0);
    assert_string_equal(buf, "/home/u/.cache/moat/vuln.db");
    assert_int_equal(moat_vulndb_default_path_buf(buf, 5), -MOAT_E_LIMIT);
}

static void test_import_and_info(void **state)
{
    struct moat_vulndb *db = NULL;
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_import_report rep = {0};
    struct moat_vulndb_stats s;
    (void)state;
    moat_need_file(SHARED "/osv/crates-rustsec");
    moat_need_file(SHARED "/alpine-secdb/v3.20-main.subset.json");

    unlink(dbp);
    assert_int_equal(moat_vulndb_open(dbp, 1, &db, &err), 0);
    assert_int_equal(moat_vulndb_import_path(db, SHARED "/osv/crates-rustsec", &rep, &err), 0);
    assert_int_equal(
        moat_vulndb_import_path(db, SHARED "/alpine-secdb/v3.20-main.subset.json", &rep, &err), 0);
    moat_vulndb_close(db);
    assert_int_equal(moat_vulndb_open(dbp, 0, &db, &err), 0);
    assert_int_equal(moat_vulndb_info(db, &s, &err), 0);
    assert_int_equal(s.n_sources, 2);
    assert_string_equal(s.sources[0].name, "alpine-secdb:v3.20/main");
    assert_string_equal(s.sources[1].name, "osv:crates.io");
    assert_int_equal(s.sources[1].records, 1206);
    assert_int_equal(s.vulns, 1206 + 268);
    assert_true(s.newest_import > 0);
    assert_non_null(s.newest_modified);
    moat_vulndb_stats_free(&s);
    /* read-only handles refuse imports */
    assert_int_equal(moat_vulndb_import_path(db, SHARED "/osv/crates-rustsec", &rep, &err),
                     -MOAT_E_ARG);
    moat_err_clear(&err);
    moat_vulndb_close(db);
    moat_import_report_free(&rep);
}

/* The fake downloader: serves files from a directory by URL suffix, optionally truncated. */
struct fake {
    const char *zip;
    size_t truncate_to; /* 0 = whole */
    int fail;
    size_t calls;
};

static int fake_fetch(void *ctx, const char *url, int fd, struct moat_err *err)
{
    struct fake *f = ctx;
    FILE *in;
    char buf[65536];
    size_t n, total = 0;

    f->calls++;
    assert_non_null(strstr(url, "/all.zip"));
    if (f->fail)
        return moat_err_set(err, MOAT_E_IO, "%s: download failed: connection reset", url);
    in = fopen(f->zip, "rb");
    assert_non_null(in);
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
        if (f->truncate_to && total + n > f->truncate_to)
            n = f->truncate_to - total;
        assert_int_equal(write(fd, buf, n), (ssize_t)n);
        total += n;
        if (f->truncate_to && total >= f->truncate_to)
            break;
    }
    fclose(in);
    return 0;
}

static void make_zip(const char *out)
{
    char cmd[600];
    int n;

    n = snprintf(
        cmd, sizeof(cmd),
        "cd '%s' && python3 -c \"import zipfile,glob,os;"
        "z=zipfile.ZipFile('%s','w',zipfile.ZIP_DEFLATED);"
        "[z.write(p, os.path.basename(p)) for p in sorted(glob.glob('*.json'))];z.close()\"",
        SHARED "/osv/debian-bookworm-derived", out);
    assert_true(n > 0 && (size_t)n < sizeof(cmd));
    assert_int_equal(system(cmd), 0);
}

static void test_update_atomic(void **state)
{
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_import_report rep = {0};
    const char *ecos[] = {"Debian"};
    char zip[400];
    struct fake f = {0};
    struct moat_vulndb_update_opts o = {.ecosystems = ecos,
                                        .n_ecosystems = 1,
                                        .url_base = "http://127.0.0.1:1",
                                        .fetch = fake_fetch,
                                        .fetch_ctx = &f};
    size_t before_files;
    (void)state;
    moat_need_file(SHARED "/osv/debian-bookworm-derived");
    moat_need_file(SHARED "/alpine-secdb/v3.20-main.subset.json");

    snprintf(zip, sizeof(zip), "%s/../moat-test-db-debian.zip", dir);
    make_zip(zip);
    f.zip = zip;
    unlink(dbp);
    /* first update builds the database, keeping nothing else */
    assert_int_equal(moat_vulndb_update(dbp, &o, &rep, &err), 0);
    assert_int_equal(rep.records, 30);
    assert_true(lookups(dbp, "Debian:12", "glibc") >= 3);
    moat_import_report_free(&rep);
    memset(&rep, 0, sizeof(rep));

    /* add a local feed, then update with no ecosystems named: the Debian feed in use is
     * fetched again, and the secdb feed survives the swap */
    {
        struct moat_vulndb *db = NULL;

        assert_int_equal(moat_vulndb_open(dbp, 1, &db, &err), 0);
        assert_int_equal(
            moat_vulndb_import_path(db, SHARED "/alpine-secdb/v3.20-main.subset.json", &rep, &err),
            0);
        moat_vulndb_close(db);
    }
    o.ecosystems = NULL;
    o.n_ecosystems = 0;
    f.calls = 0;
    assert_int_equal(moat_vulndb_update(dbp, &o, &rep, &err), 0);
    assert_int_equal(f.calls, 1);
    assert_true(lookups(dbp, "Debian:12", "glibc") >= 3);
    assert_true(lookups(dbp, "Alpine:v3.20", "musl") > 0);
    size_t glibc = lookups(dbp, "Debian:12", "glibc");
    before_files = files_in_dir();

    /* a truncated download, a failed download, a not-a-zip: old database intact, no leftovers */
    f.truncate_to = 3000;
    assert_int_equal(moat_vulndb_update(dbp, &o, &rep, &err), -MOAT_E_FORMAT);
    assert_non_null(strstr(moat_err_msg(&err), "all.zip"));
    moat_err_clear(&err);
    assert_int_equal(lookups(dbp, "Debian:12", "glibc"), glibc);
    assert_int_equal(files_in_dir(), before_files);
    f.truncate_to = 0;
    f.fail = 1;
    assert_int_equal(moat_vulndb_update(dbp, &o, &rep, &err), -MOAT_E_IO);
    moat_err_clear(&err);
    assert_int_equal(lookups(dbp, "Debian:12", "glibc"), glibc);
    assert_true(lookups(dbp, "Alpine:v3.20", "musl") > 0);
    assert_int_equal(files_in_dir(), before_files);
    f.fail = 0;
    f.zip = SHARED "/osv/README.md";
    assert_true(moat_vulndb_update(dbp, &o, &rep, &err) < 0);
    moat_err_clear(&err);
    assert_int_equal(lookups(dbp, "Debian:12", "glibc"), glibc);
    assert_int_equal(files_in_dir(), before_files);

    /* bad ecosystem names never reach a URL */
    {
        const char *bad[] = {"../etc"};

        o.ecosystems = bad;
        o.n_ecosystems = 1;
        assert_int_equal(moat_vulndb_update(dbp, &o, &rep, &err), -MOAT_E_ARG);
        moat_err_clear(&err);
    }
    unlink(zip);
    moat_import_report_free(&rep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_errors),   cmocka_unit_test(test_schema_1),
        cmocka_unit_test(test_default_path),  cmocka_unit_test(test_import_and_info),
        cmocka_unit_test(test_update_atomic),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
