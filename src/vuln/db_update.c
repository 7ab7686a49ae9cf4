/*
 * db_update.c - `db update`: replace OSV feeds from freshly downloaded zips
 * without ever exposing a half-built database.
 *
 *   1. copy the current database (VACUUM INTO) to DB.update-XXXXXX beside it,
 *      or start empty when there is none or it is unreadable;
 *   2. download every ecosystem's zip to DB.<eco>.zip-XXXXXX;
 *   3. in the copy (journal off: it is private until renamed), drop each
 *      feed and import its zip; a damaged zip, or one without records,
 *      fails the update;
 *   4. fsync the copy, rename it over DB, fsync the directory.
 * Any failure or interruption before the rename leaves DB untouched; the
 * temporary files are removed on failure (an interrupted run leaves them,
 * named so they are recognisable, never in DB's place).
 */
#include "vuln_int.h"
#include "moat/base/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool eco_name_ok(const char *e)
{
    size_t n = strlen(e);

    if (n == 0 || n > 64 || strcmp(e, ".") == 0 || strcmp(e, "..") == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)e[i] < 0x20 || e[i] == '/' || e[i] == ':' || e[i] == '\\' ||
            e[i] == '?' || e[i] == '#' || e[i] == '%' || e[i] == 0x7f)
            return false;
    return true;
}

/* The OSV feeds of an existing database: "osv:Go" -> "Go". */
static int feeds_in_use(const char *db_path, char ***out, size_t *n, struct moat_err *err)
{
    struct moat_vulndb *db = NULL;
    sqlite3_stmt *st = NULL;
    int r, s;

    *out = NULL;
    *n = 0;
    if ((r = moat_vulndb_open(db_path, 0, &db, err)) < 0)
        return r;
    if (sqlite3_prepare_v2(db->db,
                           "SELECT substr(name, 5) FROM sources WHERE kind = 'osv'"
                           " AND name LIKE 'osv:%' ORDER BY name",
                           -1, &st, NULL) != SQLITE_OK) {
        r = vdb_sqlerr(db->db, db_path, "cannot read", err);
        goto out;
    }
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        const char *e = (const char *)sqlite3_column_text(st, 0);
        char **nn;

        if (e == NULL || !eco_name_ok(e))
            continue;
        nn = realloc(*out, (*n + 1) * sizeof(*nn));
        if (nn == NULL || (nn[*n] = strdup(e)) == NULL) {
            if (nn != NULL)
                *out = nn;
            r = moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", db_path);
            goto out;
        }
        *out = nn;
        (*n)++;
    }
    if (s != SQLITE_DONE)
        r = vdb_sqlerr(db->db, db_path, "cannot read", err);
out:
    sqlite3_finalize(st);
    moat_vulndb_close(db);
    return r;
}

/* Copy the current database into tmp (an empty file). A missing or unusable
 * current database is not an error: the update starts from nothing. */
static int copy_current(const char *db_path, const char *tmp, struct moat_err *err)
{
    struct moat_vulndb *old = NULL;
    struct moat_err e2 = MOAT_ERR_INIT;
    sqlite3_stmt *st = NULL;
    int r = 0;

    if (moat_vulndb_open(db_path, 0, &old, &e2) < 0) {
        moat_err_clear(&e2);
        return 0;
    }
    if (sqlite3_prepare_v2(old->db, "VACUUM INTO ?1", -1, &st, NULL) != SQLITE_OK) {
        r = vdb_sqlerr(old->db, db_path, "cannot copy", err);
        goto out;
    }
    sqlite3_bind_text(st, 1, tmp, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        r = vdb_sqlerr(old->db, db_path, "cannot copy", err);
out:
    sqlite3_finalize(st);
    moat_vulndb_close(old);
    return r;
}

int moat_vulndb_update(const char *db_path, const struct moat_vulndb_update_opts *opts,
                       struct moat_import_report *rep, struct moat_err *err)
{
    const char *base = opts->url_base ? opts->url_base : MOAT_VULNDB_DEFAULT_URL;
    char **ecos = NULL, **zips = NULL, **urls = NULL, *tmp = NULL;
    size_t n_ecos = 0;
    struct moat_vulndb *db = NULL;
    struct stat sb;
    bool renamed = false;
    int r = 0, fd;

    if (opts->fetch == NULL)
        return moat_err_set(err, MOAT_E_ARG, "db update: no downloader");
    if (opts->n_ecosystems > 0) {
        ecos = calloc(opts->n_ecosystems, sizeof(*ecos));
        if (ecos == NULL)
            return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", db_path);
        for (size_t i = 0; i < opts->n_ecosystems; i++) {
            if (!eco_name_ok(opts->ecosystems[i])) {
                r = moat_err_set(err, MOAT_E_ARG,
                                 "ecosystem '%s': expected an OSV ecosystem name without a "
                                 "release, e.g. Debian, Alpine, PyPI",
                                 opts->ecosystems[i]);
                goto out;
            }
            if ((ecos[n_ecos++] = strdup(opts->ecosystems[i])) == NULL)
                goto nomem;
        }
    } else {
        if (stat(db_path, &sb) != 0) {
            r = moat_err_set(err, MOAT_E_ARG,
                             "%s: no database yet; name the ecosystems to download (--ecosystem)",
                             db_path);
            goto out;
        }
        if ((r = feeds_in_use(db_path, &ecos, &n_ecos, err)) < 0)
            goto out;
        if (n_ecos == 0) {
            r = moat_err_set(err, MOAT_E_ARG,
                             "%s: no OSV ecosystems in the database; name them (--ecosystem)",
                             db_path);
            goto out;
        }
    }
    zips = calloc(n_ecos, sizeof(*zips));
    urls = calloc(n_ecos, sizeof(*urls));
    if (zips == NULL || urls == NULL || asprintf(&tmp, "%s.update-XXXXXX", db_path) < 0)
        goto nomem;

    /* 1. the copy */
    fd = mkstemp(tmp);
    if (fd < 0) {
        r = moat_err_set(err, MOAT_E_IO, "%s: cannot create a temporary file: %s", tmp,
                         strerror(errno));
        free(tmp);
        tmp = NULL;
        goto out;
    }
    fchmod(fd, 0644);
    close(fd);
    if ((r = copy_current(db_path, tmp, err)) < 0)
        goto out;

    /* 2. downloads */
    for (size_t i = 0; i < n_ecos; i++) {
        if (asprintf(&zips[i], "%s.%s.zip-XXXXXX", db_path, ecos[i]) < 0) {
            zips[i] = NULL;
            goto nomem;
        }
        if (asprintf(&urls[i], "%s/%s/all.zip", base, ecos[i]) < 0) {
            urls[i] = NULL;
            goto nomem;
        }
        fd = mkstemp(zips[i]);
        if (fd < 0) {
            r = moat_err_set(err, MOAT_E_IO, "%s: cannot create a temporary file: %s", zips[i],
                             strerror(errno));
            free(zips[i]);
            zips[i] = NULL;
            goto out;
        }
        r = opts->fetch(opts->fetch_ctx, urls[i], fd, err);
        if (r == 0 && fsync(fd) != 0)
            r = moat_err_set(err, MOAT_E_IO, "%s: %s", zips[i], strerror(errno));
        close(fd);
        if (r < 0)
            goto out;
    }

    /* 3. import into the copy */
    if ((r = moat_vulndb_open(tmp, 1, &db, err)) < 0)
        goto out;
    if ((r = vdb_exec(db->db, tmp, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF", err)) < 0)
        goto out;
    moat_vulndb_set_progress(db, opts->progress, opts->progress_ctx);
    for (size_t i = 0; i < n_ecos; i++) {
        struct vdb_imp im;
        char feed[80];
        uint64_t before = rep->records;

        snprintf(feed, sizeof(feed), "osv:%s", ecos[i]);
        if ((r = vdb_imp_begin(&im, db, urls[i], rep, err)) < 0)
            goto out;
        if ((r = vdb_drop_feed(&im, feed, err)) < 0 || (r = vdb_touch_feed(&im, feed, err)) < 0 ||
            (r = vdb_import_zip_file(&im, zips[i], feed, err)) < 0) {
            vdb_imp_abort(&im);
            moat_err_prefix(err, "%s", urls[i]);
            goto out;
        }
        if (rep->records == before) {
            vdb_imp_abort(&im);
            r = moat_err_set(err, MOAT_E_FORMAT, "%s: no OSV records in the download", urls[i]);
            goto out;
        }
        if ((r = vdb_imp_commit(&im, err)) < 0)
            goto out;
    }
    moat_vulndb_close(db);
    db = NULL;

    /* 4. publish */
    if ((r = moat_file_publish(tmp, db_path, err)) < 0)
        goto out;
    renamed = true;
    goto out;
nomem:
    r = moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", db_path);
out:
    moat_vulndb_close(db);
    if (tmp != NULL && !renamed)
        unlink(tmp);
    free(tmp);
    for (size_t i = 0; i < n_ecos; i++) {
        if (zips != NULL && zips[i] != NULL) {
            unlink(zips[i]);
            free(zips[i]);
        }
        if (urls != NULL)
            free(urls[i]);
        free(ecos[i]);
    }
    free(zips);
    free(urls);
    free(ecos);
    return r;
}
