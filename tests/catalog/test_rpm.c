/*
 * test_rpm.c - rpm header blobs (hand-built, valid and hostile), the
 * sqlite rpmdb (garbage, hostile schemas, and a real database made by
 * tests/fixtures/make-rpmdb.sh and checked against `rpm -qa` output).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cmocka.h>

#include "catalog_test.h"

#define MAKE_RPMDB MOAT_TEST_DATA "/../fixtures/make-rpmdb.sh"

struct tent {
    uint32_t tag, type, count;
    const void *data;
    size_t len;
};

static void put32(struct moat_buf *b, uint32_t v)
{
    unsigned char p[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 8), (unsigned char)v};

    moat_buf_append(b, p, 4);
}

/* A header blob with the given entries (data laid out in order, int32 aligned). */
static unsigned char *build(const struct tent *t, size_t n, size_t *len)
{
    struct moat_buf idx = MOAT_BUF_INIT, data = MOAT_BUF_INIT, out = MOAT_BUF_INIT;

    for (size_t i = 0; i < n; i++) {
        if (t[i].type == 4)
            while (data.len % 4)
                moat_buf_append(&data, "", 1);
        put32(&idx, t[i].tag);
        put32(&idx, t[i].type);
        put32(&idx, (uint32_t)data.len);
        put32(&idx, t[i].count);
        moat_buf_append(&data, t[i].data, t[i].len);
    }
    put32(&out, (uint32_t)n);
    put32(&out, (uint32_t)data.len);
    moat_buf_append(&out, idx.data, idx.len);
    moat_buf_append(&out, data.data, data.len);
    moat_buf_free(&idx);
    moat_buf_free(&data);
    return (unsigned char *)moat_buf_steal(&out, len);
}

static const unsigned char epoch3[4] = {0, 0, 0, 3};
static const unsigned char dirindexes[12] = {0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1};

static const struct tent good[] = {
    {63, 7, 16, "0123456789abcdef", 16}, /* region trailer: skipped */
    {1000, 6, 1, "bash", 5},
    {1001, 6, 1, "4.2.46", 7},
    {1002, 6, 1, "34.el7", 7},
    {1003, 4, 1, epoch3, 4},
    {1004, 9, 1, "The GNU Bourne Again shell", 27},
    {1014, 6, 1, "GPLv3+", 7},
    {1022, 6, 1, "x86_64", 7},
    {1044, 6, 1, "bash-4.2.46-34.el7.src.rpm", 27},
    {1116, 4, 3, dirindexes, 12},
    {1117, 8, 3, "bash\0sh\0bashbug\0", 16},
    {1118, 8, 2, "/usr/bin/\0/usr/share/doc/\0", 26},
};

static void test_header_good(void **state)
{
    size_t len;
    unsigned char *blob = build(good, sizeof(good) / sizeof(good[0]), &len);
    struct moat_pkg p = {0};
    struct moat_err err = MOAT_ERR_INIT;

    (void)state;
    assert_int_equal(moat_rpm_parse_header("rpmdb", blob, len, &p, &err), 0);
    assert_int_equal(p.type, MOAT_PKG_RPM);
    assert_string_equal(p.name, "bash");
    assert_string_equal(p.version, "3:4.2.46-34.el7");
    assert_int_equal(p.epoch, 3);
    assert_string_equal(p.arch, "x86_64");
    assert_string_equal(p.license, "GPLv3+");
    assert_string_equal(p.description, "The GNU Bourne Again shell");
    assert_null(p.src_name);    /* same as name */
    assert_null(p.src_version); /* same as version */
    assert_int_equal(p.n_files, 3);
    assert_string_equal(p.files[0], "usr/bin/bash");
    assert_string_equal(p.files[1], "usr/share/doc/bashbug");
    assert_string_equal(p.files[2], "usr/share/doc/sh");
    moat_pkg_free(&p);
    free(blob);
}

static int parse_variant(size_t idx, struct tent repl)
{
    struct tent t[sizeof(good) / sizeof(good[0])];
    size_t len;
    unsigned char *blob;
    struct moat_pkg p = {0};
    struct moat_err err = MOAT_ERR_INIT;
    int r;

    memcpy(t, good, sizeof(good));
    t[idx] = repl;
    blob = build(t, sizeof(good) / sizeof(good[0]), &len);
    r = moat_rpm_parse_header("rpmdb", blob, len, &p, &err);
    moat_pkg_free(&p);
    moat_err_clear(&err);
    free(blob);
    return r;
}

static void test_header_hostile_entries(void **state)
{
    static const unsigned char badidx[12] = {0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 1};

    (void)state;
    /* String without its NUL at the end of the data store. */
    assert_int_equal(parse_variant(11, (struct tent){1118, 8, 2, "/usr/bin/\0/usr/share/doc/", 25}),
                     -MOAT_E_FORMAT);
    /* Array counts larger than the data. */
    assert_int_equal(parse_variant(10, (struct tent){1117, 8, 0xffffffffu, "a\0b\0c\0", 6}),
                     -MOAT_E_FORMAT);
    assert_int_equal(parse_variant(10, (struct tent){1117, 8, 0x7fffffffu, "a\0b\0c\0", 6}),
                     -MOAT_E_FORMAT);
    assert_int_equal(parse_variant(9, (struct tent){1116, 4, 0x40000001u, dirindexes, 12}),
                     -MOAT_E_FORMAT);
    /* Directory index past the dirnames. */
    assert_int_equal(parse_variant(9, (struct tent){1116, 4, 3, badidx, 12}), -MOAT_E_FORMAT);
    /* Fewer dirindexes than basenames. */
    assert_int_equal(parse_variant(9, (struct tent){1116, 4, 2, dirindexes, 8}), -MOAT_E_FORMAT);
    /* Wrong types. */
    assert_int_equal(parse_variant(1, (struct tent){1000, 4, 1, "bash", 5}), -MOAT_E_FORMAT);
    assert_int_equal(parse_variant(4, (struct tent){1003, 6, 1, "3", 2}), -MOAT_E_FORMAT);
    /* Missing name. */
    assert_int_equal(parse_variant(1, (struct tent){999, 6, 1, "bash", 5}), -MOAT_E_FORMAT);
    /* Odd SOURCERPM: source left unknown. */
    assert_int_equal(parse_variant(8, (struct tent){1044, 6, 1, "nodashes.src.rpm", 17}), 0);
}

static void test_header_hostile_layout(void **state)
{
    size_t len;
    unsigned char *blob = build(good, sizeof(good) / sizeof(good[0]), &len);
    unsigned char *b = malloc(len);
    struct moat_pkg p = {0};
    struct moat_err err = MOAT_ERR_INIT;

    (void)state;
    /* Every truncation fails cleanly. */
    for (size_t n = 0; n < len; n++)
        assert_int_equal(moat_rpm_parse_header("rpmdb", blob, n, &p, &err), -MOAT_E_FORMAT);
    /* Negative / huge il and dl. */
    memcpy(b, blob, len);
    b[0] = 0x80;
    assert_int_equal(moat_rpm_parse_header("rpmdb", b, len, &p, &err), -MOAT_E_FORMAT);
    memcpy(b, blob, len);
    b[4] = 0xff;
    assert_int_equal(moat_rpm_parse_header("rpmdb", b, len, &p, &err), -MOAT_E_FORMAT);
    memcpy(b, blob, len);
    memset(b, 0, 4);
    assert_int_equal(moat_rpm_parse_header("rpmdb", b, len, &p, &err), -MOAT_E_FORMAT);
    /* Entry offsets out of range, including negative ones. */
    for (size_t e = 0; e < sizeof(good) / sizeof(good[0]); e++) {
        static const uint32_t offs[] = {0x7fffffffu, 0x80000000u, 0xffffffffu, 0xfffffff0u};

        for (size_t k = 0; k < 4; k++) {
            unsigned char *o;

            memcpy(b, blob, len);
            o = b + 8 + e * 16 + 8;
            o[0] = (unsigned char)(offs[k] >> 24);
            o[1] = (unsigned char)(offs[k] >> 16);
            o[2] = (unsigned char)(offs[k] >> 8);
            o[3] = (unsigned char)offs[k];
            if (e == 0)
                assert_int_equal(moat_rpm_parse_header("rpmdb", b, len, &p, &err), 0);
            else
                assert_int_equal(moat_rpm_parse_header("rpmdb", b, len, &p, &err), -MOAT_E_FORMAT);
            moat_pkg_free(&p);
        }
    }
    moat_err_clear(&err);
    free(b);
    free(blob);
}

static void test_sqlite_garbage(void **state)
{
    unsigned char junk[4096];
    struct moat_inventory inv = {0};
    struct moat_err err = MOAT_ERR_INIT;

    (void)state;
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (unsigned char)(i * 131 + 7);
    assert_int_equal(moat_rpm_parse_sqlite("rpmdb.sqlite", junk, sizeof(junk), &inv, &err),
                     -MOAT_E_FORMAT);
    memcpy(junk, "SQLite format 3", 16);
    assert_true(moat_rpm_parse_sqlite("rpmdb.sqlite", junk, sizeof(junk), &inv, &err) < 0);
    assert_true(moat_rpm_parse_sqlite("rpmdb.sqlite", junk, 50, &inv, &err) < 0);
    assert_true(moat_rpm_parse_sqlite("rpmdb.sqlite", NULL, 0, &inv, &err) < 0);
    assert_int_equal(inv.n_pkgs, 0);
    moat_err_clear(&err);
}

/* Build a database with SQL, serialise it and parse it. */
static int parse_sql(const char *sql, struct moat_inventory *inv, struct moat_err *err)
{
    sqlite3 *db = NULL;
    sqlite3_int64 n = 0;
    unsigned char *bytes;
    int r;

    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    bytes = sqlite3_serialize(db, "main", &n, 0);
    assert_non_null(bytes);
    r = moat_rpm_parse_sqlite("rpmdb.sqlite", bytes, (size_t)n, inv, err);
    sqlite3_free(bytes);
    sqlite3_close(db);
    return r;
}

static void test_sqlite_hostile_schema(void **state)
{
    struct moat_inventory inv = {0};
    struct moat_err err = MOAT_ERR_INIT;

    (void)state;
    /* No Packages table. */
    assert_int_equal(parse_sql("CREATE TABLE x(a);", &inv, &err), -MOAT_E_FORMAT);
    /* Packages as a view doing unbounded work: views are disabled. */
    assert_true(parse_sql("CREATE VIEW Packages AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL "
                          "SELECT x+1 FROM c) SELECT zeroblob(16) AS blob FROM c;",
                          &inv, &err) < 0);
    /* A garbage blob names the row. */
    assert_int_equal(parse_sql("CREATE TABLE Packages(hnum INTEGER PRIMARY KEY, blob BLOB);"
                               "INSERT INTO Packages VALUES(1, x'0000000100000004');",
                               &inv, &err),
                     -MOAT_E_FORMAT);
    assert_non_null(strstr(moat_err_msg(&err), "rpmdb.sqlite: row 1"));
    /* A NULL blob. */
    assert_int_equal(parse_sql("CREATE TABLE Packages(hnum INTEGER PRIMARY KEY, blob BLOB);"
                               "INSERT INTO Packages VALUES(1, NULL);",
                               &inv, &err),
                     -MOAT_E_FORMAT);
    /* Empty table: no packages, no error. */
    assert_int_equal(
        parse_sql("CREATE TABLE Packages(hnum INTEGER PRIMARY KEY, blob BLOB);", &inv, &err), 0);
    assert_int_equal(inv.n_pkgs, 0);
    moat_inventory_free(&inv);
    moat_err_clear(&err);
}

/* Group setup: run make-rpmdb.sh once into a temporary directory (*state = its path, or NULL
 * when rpm/rpmbuild are not installed: the tests using it skip). Any other failure fails. */
static int fixture_setup(void **state)
{
    char *dir = strdup("/tmp/moat-rpmdb-XXXXXX"), cmd[4096], *out;
    long st;
    int rc = -1;

    *state = NULL;
    if (dir == NULL || mkdtemp(dir) == NULL) {
        free(dir);
        return -1;
    }
    snprintf(cmd, sizeof(cmd), "bash '%s' '%s' >'%s/log' 2>&1; echo $?", MAKE_RPMDB, dir, dir);
    out = ct_capture(cmd);
    st = out != NULL ? strtol(out, NULL, 10) : -1;
    free(out);
    if (st == 0) {
        *state = dir;
        rc = 0;
    } else if (st == 77) {
        rc = 0; /* rpm/rpmbuild not installed */
    } else {
        snprintf(cmd, sizeof(cmd), "cat '%s/log' >&2", dir);
        free(ct_capture(cmd));
        fprintf(stderr, "make-rpmdb.sh failed (exit %ld)\n", st);
    }
    if (*state == NULL) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        free(ct_capture(cmd));
        free(dir);
    }
    return rc;
}

#define NO_RPM "rpm/rpmbuild not installed (apt-get install rpm): no real rpm database"

static int fixture_teardown(void **state)
{
    char cmd[4096];

    if (*state != NULL) {
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", (char *)*state);
        free(ct_capture(cmd));
        free(*state);
    }
    return 0;
}

/* rpm's own answer from a TSV of the fixture: NAME, VERSION as rpm -q prints it ("0:" dropped),
 * ARCH. */
static char *expected(const char *dir, const char *file)
{
    char cmd[4096], *raw, *sorted;

    snprintf(cmd, sizeof(cmd), "cut -f1-3 '%s/%s' | sed 's/\t0:/\t/'", dir, file);
    raw = ct_capture(cmd);
    assert_non_null(raw);
    assert_true(raw[0] != '\0');
    sorted = ct_sort_lines(raw);
    free(raw);
    return sorted;
}

static void check_hello(const struct moat_inventory *inv)
{
    const struct moat_pkg *p = ct_find(inv, "moat-hello");

    assert_non_null(p);
    assert_int_equal(p->epoch, 2);
    assert_string_equal(p->license, "MIT AND (GPL-2.0-or-later OR BSD-3-Clause)");
    assert_string_equal(p->description, "Tiny test package for moat");
    assert_string_equal(p->maintainer, "moat tests");
    assert_null(p->src_name);
    assert_int_equal(p->n_files, 3);
    assert_string_equal(p->files[0], "usr/bin/moat-hello");
    assert_string_equal(p->files[2], "usr/share/moat-hello/README");
}

static void test_sqlite_real(void **state)
{
    const char *dir = *state;
    char path[4200], *want, *got;
    unsigned char *db;
    size_t len;
    struct moat_inventory inv = {0};
    struct moat_err err = MOAT_ERR_INIT;

    if (dir == NULL)
        moat_skip(NO_RPM);
    snprintf(path, sizeof(path), "%s/rpmdb.sqlite", dir);
    db = ct_read_file(path, &len);
    assert_non_null(db);
    want = expected(dir, "expected.tsv");
    assert_int_equal(moat_rpm_parse_sqlite("rpmdb.sqlite", db, len, &inv, &err), 0);
    got = ct_inventory_tsv(&inv);
    assert_string_equal(got, want);
    check_hello(&inv);
    free(got);
    free(want);
    moat_inventory_free(&inv);
    free(db);
}

static void test_bdb_real(void **state)
{
    const char *dir = *state, *sub[] = {"bdb", "bdb64k"};
    char path[4200], *want, *got;
    unsigned char *db;
    size_t len;
    struct moat_inventory inv = {0};
    struct moat_err err = MOAT_ERR_INIT;

    if (dir == NULL)
        moat_skip(NO_RPM);
    snprintf(path, sizeof(path), "%s/expected-bdb.tsv", dir);
    if (access(path, R_OK) != 0)
        moat_skip("db_load not installed (apt-get install db5.3-util): no Berkeley DB rpmdb");
    want = expected(dir, "expected-bdb.tsv");
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof(path), "%s/%s/Packages", dir, sub[i]);
        db = ct_read_file(path, &len);
        assert_non_null(db);
        assert_int_equal(moat_rpm_parse_bdb("Packages", db, len, &inv, &err), 0);
        got = ct_inventory_tsv(&inv);
        assert_string_equal(got, want);
        check_hello(&inv);
        free(got);
        moat_inventory_free(&inv);
        free(db);
    }
    free(want);
}

/* Make every off-page item of the (little-endian, 4 KiB) db claim 4000 more bytes. */
static void bump_offpage_lengths(unsigned char *b, size_t len)
{
    for (size_t pg = 1; (pg + 1) * 4096 <= len; pg++) {
        unsigned char *p = b + pg * 4096;
        unsigned entries = (unsigned)(p[20] | p[21] << 8);

        if (p[25] != 13 && p[25] != 2)
            continue;
        for (unsigned i = 1; i < entries; i += 2) {
            unsigned off = (unsigned)(p[26 + 2 * i] | p[27 + 2 * i] << 8);
            uint32_t tlen;

            if (off + 12 > 4096 || p[off] != 3)
                continue;
            tlen = (uint32_t)p[off + 8] | (uint32_t)p[off + 9] << 8 | (uint32_t)p[off + 10] << 16 |
                   (uint32_t)p[off + 11] << 24;
            tlen += 4000;
            p[off + 8] = (unsigned char)tlen, p[off + 9] = (unsigned char)(tlen >> 8);
            p[off + 10] = (unsigned char)(tlen >> 16), p[off + 11] = (unsigned char)(tlen >> 24);
        }
    }
}

static void test_bdb_hostile(void **state)
{
    const char *dir = *state;
    char path[4200];
    unsigned char *db, *b;
    size_t len;
    struct moat_inventory inv = {0};
    struct moat_err err = MOAT_ERR_INIT;
    unsigned char junk[1024] = {0};

    assert_int_equal(moat_rpm_parse_bdb("Packages", junk, sizeof(junk), &inv, &err),
                     -MOAT_E_FORMAT);
    assert_int_equal(moat_rpm_parse_bdb("Packages", NULL, 0, &inv, &err), -MOAT_E_FORMAT);
    moat_err_clear(&err);
    if (dir == NULL)
        moat_skip(NO_RPM);
    snprintf(path, sizeof(path), "%s/bdb/Packages", dir);
    db = ct_read_file(path, &len);
    if (db == NULL)
        moat_skip("db_load not installed (apt-get install db5.3-util): no Berkeley DB rpmdb");
    b = malloc(len);
    /* Every truncation: an error or fewer packages, never a crash. */
    for (size_t n = 0; n <= len; n += 512) {
        moat_rpm_parse_bdb("Packages", db, n, &inv, &err);
        assert_true(inv.n_pkgs <= 2);
        moat_inventory_free(&inv);
    }
    /* Bad page sizes. */
    memcpy(b, db, len);
    b[20] = 0x01, b[21] = 0x10; /* 4097 */
    assert_int_equal(moat_rpm_parse_bdb("Packages", b, len, &inv, &err), -MOAT_E_FORMAT);
    /* Every overflow page pointing at itself, then at page 0, then past the end. */
    for (int k = 0; k < 3; k++) {
        static const uint32_t next[] = {0xffffffffu, 0, 0x7fffffffu};
        size_t changed = 0;

        memcpy(b, db, len);
        for (uint32_t pg = 1; (size_t)(pg + 1) * 4096 <= len; pg++) {
            unsigned char *p = b + (size_t)pg * 4096;
            uint32_t v = next[k] == 0xffffffffu ? pg : next[k];

            if (p[25] != 7)
                continue;
            /* Claim more bytes are needed than this page holds, so the chain must continue. */
            p[16] = (unsigned char)v, p[17] = (unsigned char)(v >> 8);
            p[18] = (unsigned char)(v >> 16), p[19] = (unsigned char)(v >> 24);
            changed++;
        }
        assert_true(changed > 0);
        bump_offpage_lengths(b, len);
        assert_int_equal(moat_rpm_parse_bdb("Packages", b, len, &inv, &err), -MOAT_E_FORMAT);
        moat_inventory_free(&inv);
    }
    /* Random single-byte corruption of every byte of page 1 and 2. */
    for (size_t i = 4096; i < 3 * 4096 && i < len; i++) {
        memcpy(b, db, len);
        b[i] ^= 0xa5;
        moat_rpm_parse_bdb("Packages", b, len, &inv, &err);
        moat_inventory_free(&inv);
    }
    moat_err_clear(&err);
    free(b);
    free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_good),
        cmocka_unit_test(test_header_hostile_entries),
        cmocka_unit_test(test_header_hostile_layout),
        cmocka_unit_test(test_sqlite_garbage),
        cmocka_unit_test(test_sqlite_hostile_schema),
        cmocka_unit_test(test_sqlite_real),
        cmocka_unit_test(test_bdb_real),
        cmocka_unit_test(test_bdb_hostile),
    };

    return cmocka_run_group_tests(tests, fixture_setup, fixture_teardown);
}
