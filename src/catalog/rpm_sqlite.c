/*
 * rpm_sqlite.c - rpm's SQLite database (rpmdb.sqlite, rpm >= 4.16): the
 * header blobs are the "blob" column of table Packages.
 *
 * The bytes are untrusted: SQLite reads a private copy through
 * sqlite3_deserialize (nothing touches the host filesystem), read-only,
 * with defensive mode on, views and triggers off, small limits, and a
 * progress handler that bounds the work a crafted schema could cause.
 */
#include "catalog_int.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>

#include "moat/base/limits.h"

#define SQLITE_MAX_STEPS 100000000L /* VM steps (counted per 1000) before giving up */

struct budget {
    long ticks;
};

static int progress(void *ctx)
{
    struct budget *b = ctx;

    return ++b->ticks > SQLITE_MAX_STEPS / 1000;
}

static int open_copy(const char *where, const unsigned char *data, size_t len, sqlite3 **out,
                     struct budget *budget, struct moat_err *err)
{
    sqlite3 *db = NULL;
    unsigned char *copy = NULL;
    int rc;

    *out = NULL;
    if (len < 100 || memcmp(data, "SQLite format 3", 16) != 0)
        return moat_err_set(err, MOAT_E_FORMAT, "%s: not an SQLite database", where);
    if (len > MOAT_MAX_CAPTURE_BYTES)
        return moat_err_set(err, MOAT_E_LIMIT, "%s: database larger than %u bytes", where,
                            MOAT_MAX_CAPTURE_BYTES);
    if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_PRIVATECACHE, NULL) !=
        SQLITE_OK) {
        rc = moat_err_set(err, MOAT_E_NOMEM, "%s: cannot open sqlite: %s", where,
                          db != NULL ? sqlite3_errmsg(db) : "out of memory");
        goto out;
    }
    sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, NULL);
    sqlite3_limit(db, SQLITE_LIMIT_LENGTH, (int)MOAT_MAX_CAPTURE_BYTES);
    sqlite3_limit(db, SQLITE_LIMIT_SQL_LENGTH, 100000);
    sqlite3_limit(db, SQLITE_LIMIT_EXPR_DEPTH, 100);
    sqlite3_limit(db, SQLITE_LIMIT_COLUMN, 100);
    sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
    sqlite3_progress_handler(db, 1000, progress, budget);
    copy = sqlite3_malloc64(len);
    if (copy == NULL) {
        rc = moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", where);
        goto out;
    }
    memcpy(copy, data, len);
    /* rpm writes in WAL mode, which an in-memory database cannot open: mark it legacy. */
    if (copy[18] == 2)
        copy[18] = 1;
    if (copy[19] == 2)
        copy[19] = 1;
    rc = sqlite3_deserialize(db, "main", copy, (sqlite3_int64)len, (sqlite3_int64)len,
                             SQLITE_DESERIALIZE_FREEONCLOSE | SQLITE_DESERIALIZE_READONLY);
    copy = NULL; /* owned by SQLite now, even on failure */
    if (rc != SQLITE_OK) {
        rc = moat_err_set(err, MOAT_E_FORMAT, "%s: sqlite: %s", where, sqlite3_errmsg(db));
        goto out;
    }
    *out = db;
    db = NULL;
    rc = 0;
out:
    sqlite3_free(copy);
    sqlite3_close(db);
    return rc;
}

int moat_rpm_parse_sqlite(const char *where, const unsigned char *data, size_t len,
                          struct moat_inventory *inv, struct moat_err *err)
{
    struct budget budget = {0};
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    struct moat_pkg p = {0};
    size_t row = 0;
    char wrow[MOAT_MAX_PATH_LEN + 32];
    int rc;

    p.layer = -1;
    if ((rc = open_copy(where, data, len, &db, &budget, err)) < 0)
        goto out;
    if (sqlite3_prepare_v2(db, "SELECT blob FROM Packages", -1, &st, NULL) != SQLITE_OK) {
        rc = moat_err_set(err, MOAT_E_FORMAT, "%s: sqlite: %s", where, sqlite3_errmsg(db));
        goto out;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *blob = sqlite3_column_blob(st, 0);
        int n = sqlite3_column_bytes(st, 0);

        row++;
        if (blob == NULL || n <= 0) {
            rc = moat_err_set(err, MOAT_E_FORMAT, "%s: row %zu: empty header blob", where, row);
            goto out;
        }
        snprintf(wrow, sizeof(wrow), "%s: row %zu", where, row);
        if ((rc = moat_rpm_parse_header(wrow, blob, (size_t)n, &p, err)) < 0)
            goto out;
        if ((rc = moat_inventory_add(inv, &p, err)) < 0)
            goto out;
    }
    if (rc != SQLITE_DONE) {
        rc = moat_err_set(err, rc == SQLITE_INTERRUPT ? MOAT_E_LIMIT : MOAT_E_FORMAT,
                          "%s: sqlite: %s", where, sqlite3_errmsg(db));
        goto out;
    }
    rc = 0;
out:
    moat_pkg_free(&p);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}
