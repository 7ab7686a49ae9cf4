/*
 * test_import.c - inputs of `db import`: directories (symlinks not
 * followed), zips (good, truncated, not a zip), Alpine secdb and the Debian
 * tracker in JSON and list form, on the shared real data.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "moat/vuln/vulndb.h"

#define SHARED MOAT_SHARED_DATA

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/moat-test-import.XXXXXX");
    return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    char cmd[300];
    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static struct moat_vulndb *mem_db(void)
{
    struct moat_vulndb *db = NULL;
    struct moat_err err = MOAT_ERR_INIT;

    assert_int_equal(moat_vulndb_open(":memory:", 1, &db, &err), 0);
    return db;
}

static void write_file(const char *path, const char *s, size_t n)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(s, 1, n, f), n);
    fclose(f);
}

static char *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    char *b;
    long len;

    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    fseek(f, 0, SEEK_SET);
    b = malloc((size_t)len + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    *n = (size_t)len;
    return b;
}

/* Zip every *.json file of dir (flat) into out. */
static void make_zip(const char *dir, const char *out, size_t max_files)
{
    struct archive *a = archive_write_new();
    char cmd[600], line[512];
    FILE *ls;
    size_t k = 0;

    archive_write_set_format_zip(a);
    assert_int_equal(archive_write_open_filename(a, out), ARCHIVE_OK);
    snprintf(cmd, sizeof(cmd), "ls '%s' | grep '\\.json$' | sort", dir);
    ls = popen(cmd, "r");
    assert_non_null(ls);
    while (fgets(line, sizeof(line), ls) != NULL && k < max_files) {
        char path[1024];
        size_t n;
        char *data;
        struct archive_entry *e = archive_entry_new();

        line[strcspn(line, "\n")] = '\0';
        snprintf(path, sizeof(path), "%s/%s", dir, line);
        data = read_all(path, &n);
        archive_entry_set_pathname(e, line);
        archive_entry_set_size(e, (la_int64_t)n);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
        assert_int_equal(archive_write_data(a, data, n), (la_ssize_t)n);
        archive_entry_free(e);
        free(data);
        k++;
    }
    pclose(ls);
    archive_write_close(a);
    archive_write_free(a);
}

struct count {
    size_t n, fixed, open;
    char status[8][16];
};

static int count_fn(void *ctx, const struct moat_affected *a)
{
    struct count *c = ctx;
    bool fixed = false;

    for (size_t i = 0; i < a->n_ranges; i++)
        for (size_t j = 0; j < a->ranges[i].n_events; j++)
            fixed |= a->ranges[i].events[j].kind == MOAT_EV_FIXED;
    if (c->n < 8)
        snprintf(c->status[c->n], 16, "%s", a->distro_status ? a->distro_status : "-");
    c->n++;
    c->fixed += fixed;
    c->open += !fixed;
    return 0;
}

static struct count look(struct moat_vulndb *db, const char *eco, const char *pkg)
{
    struct count c = {0};
    struct moat_err err = MOAT_ERR_INIT;

    assert_int_equal(moat_vulndb_each_affected(db, eco, pkg, count_fn, &c, &err), 0);
    return c;
}

static uint64_t affected_rows(struct moat_vulndb *db)
{
    struct moat_vulndb_stats s;
    struct moat_err err = MOAT_ERR_INIT;
    uint64_t n;

    assert_int_equal(moat_vulndb_info(db, &s, &err), 0);
    n = s.affected;
    moat_vulndb_stats_free(&s);
    return n;
}

static void test_dir_symlinks_and_junk(void **state)
{
    struct moat_vulndb *db;
    struct moat_import_report rep = {0};
    struct moat_err err = MOAT_ERR_INIT;
    char p[512], q[512];
    (void)state;
    moat_need_file(SHARED "/osv/go-vulndb");
    db = mem_db();

    snprintf(p, sizeof(p), "%s/d", tmpdir);
    mkdir(p, 0755);
    snprintf(p, sizeof(p), "%s/d/sub", tmpdir);
    mkdir(p, 0755);
    snprintf(p, sizeof(p), "%s/d/sub/a.json", tmpdir);
    write_file(
        p, "{\"id\":\"D-1\",\"affected\":[{\"package\":{\"ecosystem\":\"Go\",\"name\":\"m\"}}]}",
        67);
    /* a symlink to a record outside, and to a directory outside: neither followed */
    snprintf(q, sizeof(q), "%s/outside.json", tmpdir);
    write_file(
        q, "{\"id\":\"OUT-1\",\"affected\":[{\"package\":{\"ecosystem\":\"Go\",\"name\":\"m\"}}]}",
        69);
    snprintf(p, sizeof(p), "%s/d/link.json", tmpdir);
    assert_int_equal(symlink(q, p), 0);
    snprintf(p, sizeof(p), "%s/d/dirlink", tmpdir);
    assert_int_equal(symlink(SHARED "/osv/go-vulndb", p), 0);
    snprintf(p, sizeof(p), "%s/d/README.md", tmpdir);
    write_file(p, "hello", 5);
    snprintf(p, sizeof(p), "%s/d/broken.json", tmpdir);
    write_file(p, "{\"id\":", 6);
    snprintf(p, sizeof(p), "%s/d", tmpdir);
    assert_int_equal(moat_vulndb_import_path(db, p, &rep, &err), 0);
    assert_int_equal(rep.records, 1);
    assert_int_equal(rep.skipped, 1); /* broken.json */
    assert_int_equal(rep.ignored, 3); /* link.json, dirlink, README.md */
    assert_int_equal(look(db, "Go", "m").n, 1);
    moat_import_report_free(&rep);
    moat_vulndb_close(db);
}

static void test_zip_good_truncated_and_not_zip(void **state)
{
    struct moat_vulndb *db;
    struct moat_import_report rep = {0};
    struct moat_err err = MOAT_ERR_INIT;
    char zip[512], bad[512];
    size_t n;
    char *data;
    (void)state;
    moat_need_file(SHARED "/osv/crates-rustsec");
    db = mem_db();

    snprintf(zip, sizeof(zip), "%s/crates.zip", tmpdir);
    make_zip(SHARED "/osv/crates-rustsec", zip, 100000);
    assert_int_equal(moat_vulndb_import_path(db, zip, &rep, &err), 0);
    assert_int_equal(rep.records, 1206);
    assert_int_equal(rep.skipped, 0);
    moat_import_report_free(&rep);
    moat_vulndb_close(db);

    /* truncated: refused whole, nothing kept */
    db = mem_db();
    data = read_all(zip, &n);
    snprintf(bad, sizeof(bad), "%s/trunc.zip", tmpdir);
    write_file(bad, data, n * 2 / 3);
    assert_int_equal(moat_vulndb_import_path(db, bad, &rep, &err), -MOAT_E_FORMAT);
    assert_non_null(strstr(moat_err_msg(&err), "trunc.zip"));
    moat_err_clear(&err);
    assert_int_equal(rep.refused, 1);
    assert_int_equal(rep.records, 0);
    assert_int_equal(affected_rows(db), 0);
    /* a corrupted byte in the middle of the data */
    data[n / 2] ^= 0x55;
    data[n / 2 + 1] ^= 0x55;
    write_file(bad, data, n);
    moat_import_report_free(&rep);
    memset(&rep, 0, sizeof(rep));
    int r = moat_vulndb_import_path(db, bad, &rep, &err);
    assert_true(r == 0 || r == -MOAT_E_FORMAT); /* a stored entry may only fail its record */
    moat_err_clear(&err);
    free(data);
    /* not a zip at all */
    snprintf(bad, sizeof(bad), "%s/not.zip", tmpdir);
    write_file(bad, "this is not a zip file", 22);
    assert_int_equal(moat_vulndb_import_path(db, bad, &rep, &err), -MOAT_E_FORMAT);
    assert_non_null(strstr(moat_err_msg(&err), "not a zip"));
    moat_err_clear(&err);
    moat_import_report_free(&rep);
    moat_vulndb_close(db);
}

static void test_secdb(void **state)
{
    struct moat_vulndb *db;
    struct moat_import_report rep = {0};
    struct moat_err err = MOAT_ERR_INIT;
    struct count c;
    (void)state;
    moat_need_file(SHARED "/alpine-secdb/v3.20-main.subset.json");
    db = mem_db();

    /* python3: 268 (version, CVE) entries with a fixed version, 11 under key "0" */
    assert_int_equal(
        moat_vulndb_import_path(db, SHARED "/alpine-secdb/v3.20-main.subset.json", &rep, &err), 0);
    assert_int_equal(rep.records, 268);
    assert_int_equal(rep.affected, 268);
    assert_int_equal(rep.skipped, 0);
    c = look(db, "Alpine:v3.20", "busybox");
    assert_true(c.n > 10);
    assert_int_equal(c.open, 0);
    assert_int_equal(look(db, "Alpine:v3.19", "busybox").n, 0);
    /* again: the feed is replaced, not doubled */
    assert_int_equal(
        moat_vulndb_import_path(db, SHARED "/alpine-secdb/v3.20-main.subset.json", &rep, &err), 0);
    assert_int_equal(affected_rows(db), 268);
    moat_import_report_free(&rep);

    memset(&rep, 0, sizeof(rep));
    {
        const char *s = "{\"distroversion\":\"v3.20\",\"reponame\":\"main\",\"packages\":["
                        "{\"pkg\":{\"name\":\"a\",\"secfixes\":{\"1.0-r0\":[\"CVE-1 XSA-9\"]}}},"
                        "{\"pkg\":{\"name\":\"b\",\"secfixes\":[]}},{\"pkg\":5},"
                        "{\"pkg\":{\"name\":\"c\",\"secfixes\":{\"1.0-r0\":[7]}}}]}";
        struct moat_vuln_info v;

        assert_int_equal(moat_vulndb_import_mem(db, "x.json", s, strlen(s), &rep, &err), 0);
        assert_int_equal(rep.records, 1);
        assert_int_equal(rep.skipped, 3);
        assert_int_equal(moat_vulndb_get(db, "CVE-1", &v, &err), 0);
        assert_string_equal(v.source, "alpine-secdb");
        assert_int_equal(v.n_aliases, 1);
        assert_string_equal(v.aliases[0], "XSA-9");
        moat_vuln_info_free(&v);
    }
    moat_import_report_free(&rep);
    moat_vulndb_close(db);
}

static void test_tracker_list(void **state)
{
    struct moat_vulndb *db, *osv;
    struct moat_import_report rep = {0};
    struct moat_err err = MOAT_ERR_INIT;
    static const char *const pkgs[] = {"glibc", "openssh",    "zlib",    "minizip",
                                       "apt",   "coreutils",  "openssl", "curl",
                                       "perl",  "python3.11", "systemd", "tar"};
    struct count c;
    (void)state;
    moat_need_file(SHARED "/debian-security-tracker-subset");
    moat_need_file(SHARED "/osv/debian-bookworm-derived");
    db = mem_db();
    osv = mem_db();

    assert_int_equal(
        moat_vulndb_import_path(db, SHARED "/debian-security-tracker-subset", &rep, &err), 0);
    assert_int_equal(rep.skipped, 0);
    assert_int_equal(
        moat_vulndb_import_path(osv, SHARED "/osv/debian-bookworm-derived", &rep, &err), 0);
    /* the list importer agrees with the DEBIAN-CVE conversion for bookworm, package by package */
    for (size_t i = 0; i < sizeof(pkgs) / sizeof(pkgs[0]); i++) {
        struct count a = {0}, b = {0};

        a = look(db, "Debian:12", pkgs[i]);
        b = look(osv, "Debian:12", pkgs[i]);
        /* DSA-* records are in both; compare counts of fixed and open entries */
        assert_int_equal(a.fixed, b.fixed);
        assert_int_equal(a.open, b.open);
    }
    c = look(db, "Debian:12", "zlib");
    assert_int_equal(c.n, 1);
    assert_string_equal(c.status[0], "ignored");
    c = look(db, "Debian:10", "glibc"); /* CVE-2023-4911 [buster] <not-affected> */
    assert_int_equal(c.n, 1);           /* only CVE-2024-2961 (unfixed) */
    assert_int_equal(c.open, 1);
    moat_import_report_free(&rep);
    moat_vulndb_close(db);
    moat_vulndb_close(osv);
}

static void test_tracker_json(void **state)
{
    struct moat_vulndb *db = mem_db();
    struct moat_import_report rep = {0};
    struct moat_err err = MOAT_ERR_INIT;
    struct moat_vuln_info v;
    struct count c;
    (void)state;

    /* README: 46 (package, CVE) entries, 177 release entries of which one is "not affected" */
    assert_int_equal(
        moat_vulndb_import_path(db, MOAT_TEST_DATA "/vuln/debian-tracker-subset.json", &rep, &err),
        0);
    assert_int_equal(rep.records, 46);
    assert_int_equal(rep.affected, 176);
    assert_int_equal(rep.skipped, 0);
    c = look(db, "Debian:12", "zlib");
    assert_int_equal(c.n, 1);
    assert_string_equal(c.status[0], "ignored");
    c = look(db, "Debian:12", "minizip");
    assert_string_equal(c.status[0], "no-dsa");
    c = look(db, "Debian:12", "openssl");
    bool postponed = false;
    for (size_t i = 0; i < c.n && i < 8; i++)
        postponed |= strcmp(c.status[i], "postponed") == 0;
    assert_true(postponed);
    c = look(db, "Debian:10", "glibc");
    assert_int_equal(c.n, 1);
    assert_string_equal(c.status[0], "end-of-life");
    c = look(db, "Debian:13", "glibc");
    assert_int_equal(c.open, 1);
    assert_int_equal(moat_vulndb_get(db, "CVE-2023-4911", &v, &err), 0);
    assert_string_equal(v.source, "debian-tracker");
    assert_non_null(strstr(v.details, "dynamic loader"));
    moat_vuln_info_free(&v);
    moat_import_report_free(&rep);

    memset(&rep, 0, sizeof(rep));
    {
        const char *s = "{\"p\":{\"CVE-1\":{\"releases\":{\"bookworm\":{\"status\":\"weird\"}}},"
                        "\"CVE-2\":{\"releases\":{\"bookworm\":{\"status\":\"resolved\"}}},"
                        "\"CVE-3\":5,"
                        "\"CVE-4\":{\"releases\":{\"nosuch\":{\"status\":\"open\"},"
                        "\"bookworm\":{\"status\":\"open\",\"urgency\":\"low**\"}}}},\"q\":[]}";

        assert_int_equal(moat_vulndb_import_mem(db, "t.json", s, strlen(s), &rep, &err), 0);
        assert_int_equal(rep.records, 1);
        assert_int_equal(rep.skipped, 4);
        c = look(db, "Debian:12", "p");
        assert_int_equal(c.n, 1);
        assert_string_equal(c.status[0], "unfixed");
        /* the JSON import replaced the previous tracker feed */
        assert_int_equal(look(db, "Debian:12", "zlib").n, 0);
    }
    moat_import_report_free(&rep);
    moat_vulndb_close(db);
}

/* Write one zip entry named ename holding data. */
static void zip_one(const char *out, const char *ename, const char *data, size_t n)
{
    struct archive *a = archive_write_new();
    struct archive_entry *e = archive_entry_new();

    archive_write_set_format_zip(a);
    assert_int_equal(archive_write_open_filename(a, out), ARCHIVE_OK);
    archive_entry_set_pathname(e, ename);
    archive_entry_set_size(e, (la_int64_t)n);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
    assert_int_equal(archive_write_data(a, data, n), (la_ssize_t)n);
    archive_entry_free(e);
    archive_write_close(a);
    archive_write_free(a);
}

static char *osv_array(size_t n, bool broken_tail)
{
    size_t cap = n * 1300 + 64, len = 0;
    char *s = malloc(cap), pad[1001];

    assert_non_null(s);
    memset(pad, 'd', 1000);
    pad[1000] = '\0';
    s[len++] = '[';
    for (size_t i = 0; i < n; i++)
        len += (size_t)snprintf(s + len, cap - len,
                                "%s{\"id\":\"S-%zu\",\"modified\":\"2026-01-01T00:00:00Z\","
                                "\"details\":\"%s\","
                                "\"affected\":[{\"package\":{\"ecosystem\":\"Go\",\"name\":"
                                "\"m%zu\"},\"ranges\":[{\"type\":\"SEMVER\",\"events\":["
                                "{\"introduced\":\"0\"}]}]}]}",
                                i ? "," : "", i, pad, i % 7);
    snprintf(s + len, cap - len, "%s", broken_tail ? ",{\"id\":" : "]");
    return s;
}

/*
 * Streamed documents: a zip entry or file much larger than one record is
 * read whole (a 32 MiB entry used to be skipped); a document broken after
 * some good records leaves nothing of itself (the savepoint), in a zip only
 * that entry; a broken tracker dump keeps the feed it would have replaced;
 * gzip-compressed JSON is read too.
 */
static void test_streamed_documents(void **state)
{
    struct moat_vulndb *db = mem_db();
    struct moat_import_report rep = {0};
    struct moat_err err = MOAT_ERR_INIT;
    char path[512], cmd[1100];
    char *good = osv_array(35000, false), *bad = osv_array(1000, true);
    (void)state;

    snprintf(path, sizeof(path), "%s/big.zip", tmpdir);
    zip_one(path, "all.json", good, strlen(good));
    assert_true(strlen(good) > (32u << 20));
    assert_int_equal(moat_vulndb_import_path(db, path, &rep, &err), 0);
    assert_int_equal(rep.records, 35000);
    assert_int_equal(rep.skipped, 0);
    assert_int_equal(look(db, "Go", "m3").n, 35000 / 7);
    moat_import_report_free(&rep);

    memset(&rep, 0, sizeof(rep));
    snprintf(path, sizeof(path), "%s/broken.zip", tmpdir);
    zip_one(path, "bad.json", bad, strlen(bad));
    assert_int_equal(moat_vulndb_import_path(db, path, &rep, &err), 0);
    assert_int_equal(rep.records, 0);
    assert_int_equal(rep.skipped, 1);
    assert_non_null(strstr(rep.reasons[0], "broken.zip:bad.json: invalid JSON at byte"));
    moat_import_report_free(&rep);

    memset(&rep, 0, sizeof(rep));
    snprintf(path, sizeof(path), "%s/broken.json", tmpdir);
    write_file(path, bad, strlen(bad));
    assert_int_equal(moat_vulndb_import_path(db, path, &rep, &err), -MOAT_E_FORMAT);
    assert_int_equal(rep.records, 0);
    assert_int_equal(rep.refused, 1);
    assert_non_null(strstr(moat_err_msg(&err), "broken.json: invalid JSON"));
    moat_err_clear(&err);
    moat_import_report_free(&rep);
    free(good);
    free(bad);

    /* the tracker dump: a good one, then a broken one that would replace it */
    memset(&rep, 0, sizeof(rep));
    assert_int_equal(
        moat_vulndb_import_path(db, MOAT_TEST_DATA "/vuln/debian-tracker-subset.json", &rep, &err),
        0);
    assert_int_equal(look(db, "Debian:12", "zlib").n, 1);
    {
        const char *t = "{\"zlib\":{\"CVE-1\":{\"releases\":{}}},\"p\":{\"CVE-2\":";

        assert_int_equal(moat_vulndb_import_mem(db, "t.json", t, strlen(t), &rep, &err),
                         -MOAT_E_FORMAT);
        moat_err_clear(&err);
        assert_int_equal(look(db, "Debian:12", "zlib").n, 1);
    }
    moat_import_report_free(&rep);

    /* gzip-compressed: the same records as the plain file */
    memset(&rep, 0, sizeof(rep));
    snprintf(cmd, sizeof(cmd), "gzip -c '%s/osv/go-vulndb/GO-2020-0001.json' > '%s/g.json.gz'",
             SHARED, tmpdir);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof(path), "%s/g.json.gz", tmpdir);
    assert_int_equal(moat_vulndb_import_path(db, path, &rep, &err), 0);
    assert_int_equal(rep.records, 1);
    /* truncated gzip: refused */
    snprintf(cmd, sizeof(cmd), "head -c 300 '%s/g.json.gz' > '%s/t.json.gz'", tmpdir, tmpdir);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof(path), "%s/t.json.gz", tmpdir);
    assert_int_equal(moat_vulndb_import_path(db, path, &rep, &err), -MOAT_E_FORMAT);
    assert_non_null(strstr(moat_err_msg(&err), "t.json.gz: "));
    moat_err_clear(&err);
    moat_import_report_free(&rep);
    moat_vulndb_close(db);
}

/* Every affected row of a feed, "vuln_id ecosystem package status ranges", sorted, one per line. */
struct dump {
    char **v;
    size_t n;
};

static int dump_fn(void *ctx, const struct moat_affected *a)
{
    struct dump *d = ctx;
    char line[512];
    size_t k;

    k = (size_t)snprintf(line, sizeof(line), "%s %s %s %s", a->vuln_id, a->ecosystem, a->package,
                         a->distro_status ? a->distro_status : "-");
    for (size_t i = 0; i < a->n_ranges; i++)
        for (size_t j = 0; j < a->ranges[i].n_events; j++)
            k += (size_t)snprintf(line + k, sizeof(line) - k, " %c%s",
                                  "?iflm"[a->ranges[i].events[j].kind],
                                  a -> ranges[i].events[j].version);
    snprintf(line + k, sizeof(line) - k, " (%s)", a->distro_severity ? a->distro_severity : "-");
    d->v = realloc(d->v, (d->n + 1) * sizeof(char *));
    assert_non_null(d->v);
    d->v[d->n++] = strdup(line);
    return 0;
}

static int cmp_line(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* All rows of package foo in Debian 11, 12 and unstable, as one string. */
static char *rows_of_foo(struct moat_vulndb *db)
{
    static const char *const ecos[] = {"Debian:11", "Debian:12", "Debian:unstable"};
    struct moat_err err = MOAT_ERR_INIT;
    struct dump d = {0};
    size_t len = 0;
    char *out;

    for (size_t i = 0; i < 3; i++)
        assert_int_equal(moat_vulndb_each_affected(db, ecos[i], "foo", dump_fn, &d, &err), 0);
    qsort(d.v, d.n, sizeof(char *), cmp_line);
    for (size_t i = 0; i < d.n; i++)
        len += strlen(d.v[i]) + 1;
    out = calloc(1, len + 1);
    assert_non_null(out);
    len = 0;
    for (size_t i = 0; i < d.n; i++) {
        size_t k = strlen(d.v[i]);

        memcpy(out + len, d.v[i], k);
        out[len + k] = '\n';
        len += k + 1;
        free(d.v[i]);
    }
    free(d.v);
    return out;
}

static bool has_row(const char *rows, const char *row)
{
    char want[300];

    snprintf(want, sizeof(want), "%s\n", row);
    return strstr(rows, want) != NULL;
}

static const char CVE_LIST[] = "CVE-2099-0001 (fixed in unstable only)\n"
                               "\t- foo 2.0-1\n"
                               "CVE-2099-0002 (a DSA fixes bookworm)\n"
                               "\t{DSA-9001-1}\n"
                               "\t- foo 3.0-1\n"
                               "CVE-2099-0003 (no-dsa for bookworm: a DSA does not override)\n"
                               "\t- foo 3.0-1\n"
                               "\t[bookworm] - foo <no-dsa> (Minor issue)\n"
                               "CVE-2099-0004 (not-affected in bookworm: a DSA version is larger)\n"
                               "\t- foo 3.0-1\n"
                               "\t[bookworm] - foo <not-affected> (Vulnerable code not present)\n"
                               "CVE-2099-0005 (bookworm's own version below the DSA's)\n"
                               "\t- foo 3.0-1\n"
                               "\t[bookworm] - foo 1.0-1+deb12u1\n"
                               "CVE-2099-0006 (bookworm's own version above the DSA's)\n"
                               "\t- foo 3.0-1\n"
                               "\t[bookworm] - foo 1.0-1+deb12u9\n"
                               "CVE-2099-0007 (open everywhere)\n"
                               "\t- foo <unfixed> (unimportant; bug #1)\n"
                               "CVE-2099-0008 (removed from unstable)\n"
                               "\t- foo <removed>\n"
                               "CVE-2099-0009 (end of life in bullseye)\n"
                               "\t- foo 3.0-1\n"
                               "\t[bullseye] - foo <end-of-life> (EOL)\n"
                               "CVE-2099-0010 (a DLA fixes bullseye)\n"
                               "\t- foo 3.0-1\n"
                               "\t[experimental] - foo 2.9-1\n"
                               "CVE-2099-0011\n"
                               "\tRESERVED\n";
static const char DSA_LIST[] = "[01 Jan 2099] DSA-9001-1 foo - security update\n"
                               "\t{CVE-2099-0002 CVE-2099-0003 CVE-2099-0004 CVE-2099-0005 "
                               "CVE-2099-0006}\n"
                               "\t[bookworm] - foo 1.0-1+deb12u5\n";
static const char DLA_LIST[] = "[02 Jan 2099] DLA-9002-1 foo - security update\n"
                               "\t{CVE-2099-0010}\n"
                               "\t[bullseye] - foo 0.9-1+deb11u1\n";

static void import_text(struct moat_vulndb *db, const char *name, const char *text)
{
    struct moat_import_report rep = {0};
    struct moat_err err = MOAT_ERR_INIT;
    char path[512];

    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    write_file(path, text, strlen(text));
    if (moat_vulndb_import_path(db, path, &rep, &err) != 0)
        fail_msg("%s: %s", name, moat_err_msg(&err));
    assert_int_equal(rep.skipped, 0);
    moat_import_report_free(&rep);
}

static size_t n_warnings(struct moat_vulndb *db)
{
    struct moat_err err = MOAT_ERR_INIT;
    char **w = NULL;
    size_t n = 0;

    assert_int_equal(moat_vulndb_warnings(db, &w, &n, &err), 0);
    moat_vulndb_warnings_free(w, n);
    return n;
}

/*
 * The tracker's per-release decision from its list files, whatever the
 * order they come in: a release's own note, else the largest version of a
 * DSA/DLA naming the release (a note without a version stays), else
 * unstable's note, whose fix is never the release's.
 */
static void test_tracker_rules(void **state)
{
    static const char *const orders[][3] = {
        {"CVE.list", "DSA.list", "DLA.list"},
        {"DSA.list", "DLA.list", "CVE.list"},
        {"DLA.list", "CVE.list", "DSA.list"},
    };
    static const char *const want[] = {
        "CVE-2099-0001 Debian:12 foo fixed-in-unstable i0 f2.0-1 (-)",
        "CVE-2099-0001 Debian:unstable foo - i0 f2.0-1 (-)",
        "CVE-2099-0002 Debian:12 foo - i0 f1.0-1+deb12u5 (-)",
        "CVE-2099-0003 Debian:12 foo no-dsa i0 (-)",
        "CVE-2099-0004 Debian:12 foo - i0 f1.0-1+deb12u5 (-)",
        "CVE-2099-0005 Debian:12 foo - i0 f1.0-1+deb12u5 (-)",
        "CVE-2099-0006 Debian:12 foo - i0 f1.0-1+deb12u9 (-)",
        "CVE-2099-0007 Debian:12 foo unfixed i0 (unimportant)",
        "CVE-2099-0009 Debian:11 foo end-of-life i0 (-)",
        "CVE-2099-0009 Debian:12 foo fixed-in-unstable i0 f3.0-1 (-)",
        "CVE-2099-0010 Debian:11 foo - i0 f0.9-1+deb11u1 (-)",
        "CVE-2099-0010 Debian:12 foo fixed-in-unstable i0 f3.0-1 (-)",
        "DSA-9001-1 Debian:12 foo - i0 f1.0-1+deb12u5 (-)",
        "DLA-9002-1 Debian:11 foo - i0 f0.9-1+deb11u1 (-)",
    };
    char *first = NULL;
    (void)state;

    for (size_t o = 0; o < 3; o++) {
        struct moat_vulndb *db = mem_db();
        char *rows;

        for (size_t i = 0; i < 3; i++) {
            const char *name = orders[o][i];

            import_text(db, name, name[1] == 'V' ? CVE_LIST : name[1] == 'S' ? DSA_LIST : DLA_LIST);
            if (strcmp(name, "CVE.list") == 0 && i < 2)
                assert_true(n_warnings(db) >= 1); /* DSA or DLA list still missing */
        }
        assert_int_equal(n_warnings(db), 0);
        rows = rows_of_foo(db);
        for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
            if (!has_row(rows, want[i]))
                fail_msg("order %zu: missing \"%s\" in\n%s", o, want[i], rows);
        assert_null(strstr(rows, "CVE-2099-0008"));
        assert_null(strstr(rows, "CVE-2099-0003 Debian:12 foo - "));
        if (first == NULL)
            first = rows;
        else {
            assert_string_equal(rows, first); /* the same rows whatever the order */
            free(rows);
        }
        if (o == 2) {
            /* a DSA list without DSA-9001-1 takes its fixes back */
            import_text(db, "DSA.list",
                        "[03 Jan 2099] DSA-9003-1 bar - security update\n"
                        "\t[bookworm] - bar 1.0-2\n");
            rows = rows_of_foo(db);
            assert_true(
                has_row(rows, "CVE-2099-0002 Debian:12 foo fixed-in-unstable i0 f3.0-1 (-)"));
            assert_true(has_row(rows, "CVE-2099-0004 Debian:12 foo - i0 f1.0-1+deb12u5 (-)") ==
                        false);
            free(rows);
        }
        moat_vulndb_close(db);
    }
    free(first);

    /* the CVE list alone: both warnings */
    {
        struct moat_vulndb *db = mem_db();

        import_text(db, "CVE.list", CVE_LIST);
        assert_int_equal(n_warnings(db), 2);
        moat_vulndb_close(db);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tracker_rules),
        cmocka_unit_test(test_streamed_documents),
        cmocka_unit_test(test_dir_symlinks_and_junk),
        cmocka_unit_test(test_zip_good_truncated_and_not_zip),
        cmocka_unit_test(test_secdb),
        cmocka_unit_test(test_tracker_list),
        cmocka_unit_test(test_tracker_json),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
