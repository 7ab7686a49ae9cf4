/*
 * vulndb_import.c - `db import`: find the records in files, directories
 * and zips, recognise their format by content, and store them through
 * prepared statements inside one transaction per top-level path.
 *
 * Hostile input: files are opened with O_NOFOLLOW relative to their
 * directory, only regular files are read, every read is bounded
 * (vuln_int.h), JSON depth is checked before jansson sees it. A zip is read
 * to its end inside a savepoint and refused whole when it is damaged
 * (truncated download, corrupt entry): keeping the records before the damage
 * would make a half-updated feed look complete.
 */
#include "vuln_int.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define VDB_MAX_ZIP_TOTAL (16ull << 30)

/* ---- JSON helpers ---- */

bool vdb_line_safe(const char *s)
{
    for (; *s != '\0'; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return false;
    return true;
}

bool vdb_line_safe_n(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
            return false;
    return true;
}

bool vdb_id_ok(const char *s, size_t n)
{
    if (n == 0 || n > VDB_MAX_ID_LEN)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

int vdb_json_str(json_t *o, const char *key, size_t max, bool line_safe, const char **out,
                 const char **why)
{
    json_t *v = json_object_get(o, key);
    size_t n;

    *out = NULL;
    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_string(v)) {
        *why = "expected string";
        return -1;
    }
    n = json_string_length(v);
    if (n > max) {
        *why = "string too long";
        return -1;
    }
    *out = json_string_value(v);
    if (strlen(*out) != n) {
        *why = "string contains NUL";
        return -1;
    }
    if (line_safe && !vdb_line_safe(*out)) {
        *why = "control character in string";
        return -1;
    }
    return 0;
}

/* ---- the store ---- */

void vdb_skip(struct vdb_imp *im, const char *feed, const char *fmt, ...)
{
    struct moat_import_report *rep = im->rep;
    va_list ap;

    rep->skipped++;
    if (feed != NULL && vdb_touch_feed(im, feed, NULL) == 0) {
        for (size_t i = 0; i < im->n_feeds; i++)
            if (strcmp(im->feeds[i], feed) == 0)
                im->feed_skipped[i]++;
    }
    if (rep->n_reasons >= MOAT_IMPORT_REASONS)
        return;
    va_start(ap, fmt);
    if (vasprintf(&rep->reasons[rep->n_reasons], fmt, ap) >= 0) {
        for (char *p = rep->reasons[rep->n_reasons]; *p != '\0'; p++)
            if ((unsigned char)*p < 0x20)
                *p = ' ';
        rep->n_reasons++;
    } else {
        rep->reasons[rep->n_reasons] = NULL;
    }
    va_end(ap);
}

int vdb_touch_feed(struct vdb_imp *im, const char *feed, struct moat_err *err)
{
    char **nf;
    uint64_t *ns;

    for (size_t i = 0; i < im->n_feeds; i++)
        if (strcmp(im->feeds[i], feed) == 0)
            return 0;
    nf = realloc(im->feeds, (im->n_feeds + 1) * sizeof(*nf));
    if (nf == NULL)
        goto nomem;
    im->feeds = nf;
    ns = realloc(im->feed_skipped, (im->n_feeds + 1) * sizeof(*ns));
    if (ns == NULL)
        goto nomem;
    im->feed_skipped = ns;
    if ((nf[im->n_feeds] = strdup(feed)) == NULL)
        goto nomem;
    ns[im->n_feeds] = 0;
    im->n_feeds++;
    return 0;
nomem:
    return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", im->vdb->path);
}

static void bind_opt(sqlite3_stmt *st, int i, const char *s)
{
    if (s == NULL)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

static int step_done(struct vdb_imp *im, sqlite3_stmt *st, struct moat_err *err)
{
    int s = sqlite3_step(st);

    sqlite3_reset(st);
    if (s != SQLITE_DONE && s != SQLITE_ROW)
        return vdb_sqlerr(im->vdb->db, im->vdb->path, "write failed", err);
    return 0;
}

static void bind_vuln_fields(sqlite3_stmt *st, const struct vdb_vuln *v)
{
    bind_opt(st, 3, v->feed);
    bind_opt(st, 4, v->summary);
    bind_opt(st, 5, v->details);
    bind_opt(st, 6, v->published);
    bind_opt(st, 7, v->modified);
    sqlite3_bind_int(st, 8, v->withdrawn);
    bind_opt(st, 9, v->source_severity);
    bind_opt(st, 10, v->refs);
    bind_opt(st, 11, v->severity);
}

int vdb_put_vuln(struct vdb_imp *im, const struct vdb_vuln *v, bool replace, int64_t *vid,
                 struct moat_err *err)
{
    int r, s;
    bool found = false;

    sqlite3_bind_text(im->find_vuln, 1, v->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(im->find_vuln, 2, v->source, -1, SQLITE_STATIC);
    s = sqlite3_step(im->find_vuln);
    if (s == SQLITE_ROW) {
        *vid = sqlite3_column_int64(im->find_vuln, 0);
        found = true;
    }
    sqlite3_reset(im->find_vuln);
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        return vdb_sqlerr(im->vdb->db, im->vdb->path, "read failed", err);
    if (found && replace) {
        sqlite3_bind_int64(im->del_aff, 1, *vid);
        sqlite3_bind_int64(im->del_alias, 1, *vid);
        sqlite3_bind_int64(im->upd_vuln, 1, *vid);
        bind_vuln_fields(im->upd_vuln, v);
        if ((r = step_done(im, im->del_aff, err)) < 0 ||
            (r = step_done(im, im->del_alias, err)) < 0 ||
            (r = step_done(im, im->upd_vuln, err)) < 0)
            return r;
    } else if (!found) {
        sqlite3_bind_text(im->ins_vuln, 1, v->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(im->ins_vuln, 2, v->source, -1, SQLITE_STATIC);
        bind_vuln_fields(im->ins_vuln, v);
        if ((r = step_done(im, im->ins_vuln, err)) < 0)
            return r;
        *vid = sqlite3_last_insert_rowid(im->vdb->db);
    }
    for (size_t i = 0; i < v->n_aliases; i++) {
        if (strcmp(v->aliases[i], v->id) == 0)
            continue;
        sqlite3_bind_int64(im->ins_alias, 1, *vid);
        sqlite3_bind_text(im->ins_alias, 2, v->aliases[i], -1, SQLITE_STATIC);
        if ((r = step_done(im, im->ins_alias, err)) < 0)
            return r;
    }
    return 0;
}

int vdb_put_affected(struct vdb_imp *im, int64_t vid, const char *vuln_id, const char *source,
                     const char *feed, const struct vdb_affected *a, struct moat_err *err)
{
    char key[VDB_MAX_ID_LEN * 2], pkey[VDB_MAX_ID_LEN * 4];
    sqlite3_stmt *st = im->ins_aff;

    if (vdb_eco_key(a->ecosystem, key, sizeof(key)) < 0 ||
        vdb_pkg_key(key, a->package, pkey, sizeof(pkey)) < 0)
        return moat_err_set(err, MOAT_E_LIMIT, "%s: ecosystem or package name too long", vuln_id);
    if (!vdb_eco_known(a->ecosystem))
        im->rep->unknown_ecosystems++;
    sqlite3_bind_int64(st, 1, vid);
    sqlite3_bind_text(st, 2, vuln_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, feed, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, a->ecosystem, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, a->package, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, pkey, -1, SQLITE_STATIC);
    bind_opt(st, 9, a->purl);
    bind_opt(st, 10, a->ranges);
    bind_opt(st, 11, a->versions);
    bind_opt(st, 12, a->distro_status);
    bind_opt(st, 13, a->distro_severity);
    im->rep->affected++;
    return step_done(im, st, err);
}

int vdb_drop_feed(struct vdb_imp *im, const char *feed, struct moat_err *err)
{
    sqlite3 *db = im->vdb->db;
    sqlite3_stmt *st = NULL;
    static const char *const SQL[] = {
        "DELETE FROM affected WHERE feed = ?1",
        ("DELETE FROM aliases WHERE vid IN (SELECT vid FROM vulns WHERE feed = ?1"
         " AND vid NOT IN (SELECT vid FROM affected))"),
        "DELETE FROM vulns WHERE feed = ?1 AND vid NOT IN (SELECT vid FROM affected)",
    };
    int r = 0;

    for (size_t i = 0; i < sizeof(SQL) / sizeof(SQL[0]) && r == 0; i++) {
        if (sqlite3_prepare_v2(db, SQL[i], -1, &st, NULL) != SQLITE_OK)
            return vdb_sqlerr(db, im->vdb->path, "write failed", err);
        sqlite3_bind_text(st, 1, feed, -1, SQLITE_STATIC);
        r = step_done(im, st, err);
        sqlite3_finalize(st);
        st = NULL;
    }
    return r;
}

void vdb_progress(struct vdb_imp *im)
{
    if (im->vdb->progress != NULL && im->rep->files - im->last_progress >= 256) {
        im->last_progress = im->rep->files;
        im->vdb->progress(im->vdb->progress_ctx, im->rep);
    }
}

static int prep(struct vdb_imp *im, const char *sql, sqlite3_stmt **st, struct moat_err *err)
{
    if (sqlite3_prepare_v3(im->vdb->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
        return vdb_sqlerr(im->vdb->db, im->vdb->path, "cannot prepare import", err);
    return 0;
}

static void imp_finalize(struct vdb_imp *im)
{
    sqlite3_finalize(im->find_vuln);
    sqlite3_finalize(im->ins_vuln);
    sqlite3_finalize(im->upd_vuln);
    sqlite3_finalize(im->del_aff);
    sqlite3_finalize(im->del_alias);
    sqlite3_finalize(im->ins_alias);
    sqlite3_finalize(im->ins_aff);
    sqlite3_finalize(im->del_metrics);
    sqlite3_finalize(im->ins_metric);
    for (size_t i = 0; i < im->n_feeds; i++)
        free(im->feeds[i]);
    free(im->feeds);
    free(im->feed_skipped);
    memset(im, 0, sizeof(*im));
}

int vdb_imp_begin(struct vdb_imp *im, struct moat_vulndb *vdb, const char *origin,
                  struct moat_import_report *rep, struct moat_err *err)
{
    int r;

    memset(im, 0, sizeof(*im));
    im->vdb = vdb;
    im->rep = rep;
    im->origin = origin;
    im->now = (int64_t)time(NULL);
    im->last_progress = rep->files;
    if (!vdb->writable)
        return moat_err_set(err, MOAT_E_ARG, "%s: opened read-only", vdb->path);
    if ((r = vdb_exec(vdb->db, vdb->path, "BEGIN IMMEDIATE", err)) < 0)
        return r;
    if ((r = prep(im, "SELECT vid FROM vulns WHERE id = ?1 AND source = ?2", &im->find_vuln, err)) <
            0 ||
        (r = prep(im,
                  "INSERT INTO vulns(id, source, feed, summary, details, published, modified,"
                  " withdrawn, source_severity, refs, severity)"
                  " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                  &im->ins_vuln, err)) < 0 ||
        (r = prep(im,
                  "UPDATE vulns SET feed = ?3, summary = ?4, details = ?5, published = ?6,"
                  " modified = ?7, withdrawn = ?8, source_severity = ?9, refs = ?10,"
                  " severity = ?11 WHERE vid = ?1",
                  &im->upd_vuln, err)) < 0 ||
        (r = prep(im, "DELETE FROM affected WHERE vid = ?1", &im->del_aff, err)) < 0 ||
        (r = prep(im, "DELETE FROM aliases WHERE vid = ?1", &im->del_alias, err)) < 0 ||
        (r = prep(im, "INSERT OR IGNORE INTO aliases(vid, alias) VALUES(?1, ?2)", &im->ins_alias,
                  err)) < 0 ||
        (r = prep(im,
                  "INSERT INTO affected(vid, vuln_id, source, feed, ecosystem, eco_key, package,"
                  " pkg_key, purl, ranges, versions, distro_status, distro_severity)"
                  " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                  &im->ins_aff, err)) < 0) {
        vdb_imp_abort(im);
        return r;
    }
    return 0;
}

void vdb_imp_abort(struct vdb_imp *im)
{
    if (im->vdb != NULL)
        sqlite3_exec(im->vdb->db, "ROLLBACK", NULL, NULL, NULL);
    imp_finalize(im);
}

int vdb_imp_commit(struct vdb_imp *im, struct moat_err *err)
{
    sqlite3 *db = im->vdb->db;
    sqlite3_stmt *st = NULL;
    int r = 0;

    if (sqlite3_prepare_v2(
            db,
            "INSERT INTO sources(name, kind, origin, imported_at, records, skipped)"
            " VALUES(?1, ?2, ?3, ?4, (SELECT count(*) FROM vulns WHERE feed = ?1), ?5)"
            " ON CONFLICT(name) DO UPDATE SET kind = excluded.kind,"
            " origin = excluded.origin, imported_at = excluded.imported_at,"
            " records = excluded.records, skipped = excluded.skipped",
            -1, &st, NULL) != SQLITE_OK) {
        r = vdb_sqlerr(db, im->vdb->path, "write failed", err);
        goto out;
    }
    for (size_t i = 0; i < im->n_feeds; i++) {
        size_t klen = strcspn(im->feeds[i], ":");

        sqlite3_bind_text(st, 1, im->feeds[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, im->feeds[i], (int)klen, SQLITE_STATIC);
        bind_opt(st, 3, im->origin);
        sqlite3_bind_int64(st, 4, im->now);
        sqlite3_bind_int64(st, 5, (int64_t)im->feed_skipped[i]);
        if ((r = step_done(im, st, err)) < 0)
            goto out;
    }
    sqlite3_finalize(st);
    st = NULL;
    if ((r = vdb_exec(db, im->vdb->path, "COMMIT", err)) < 0)
        goto out;
    imp_finalize(im);
    return 0;
out:
    sqlite3_finalize(st);
    vdb_imp_abort(im);
    return r;
}

/* ---- reading inputs ---- */

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);

    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* ---- savepoints around one document ---- */

int vdb_mark_begin(struct vdb_imp *im, struct vdb_mark *m, struct moat_err *err)
{
    m->rep = *im->rep;
    m->n_feeds = im->n_feeds;
    return vdb_exec(im->vdb->db, im->vdb->path, "SAVEPOINT doc", err);
}

int vdb_mark_release(struct vdb_imp *im, struct moat_err *err)
{
    return vdb_exec(im->vdb->db, im->vdb->path, "RELEASE doc", err);
}

void vdb_mark_rollback(struct vdb_imp *im, const struct vdb_mark *m)
{
    struct moat_import_report *rep = im->rep;

    sqlite3_exec(im->vdb->db, "ROLLBACK TO doc; RELEASE doc", NULL, NULL, NULL);
    rep->files = m->rep.files;
    rep->records = m->rep.records;
    rep->affected = m->rep.affected;
    rep->unknown_ecosystems = m->rep.unknown_ecosystems;
    while (im->n_feeds > m->n_feeds)
        free(im->feeds[--im->n_feeds]);
}

/* A document inside a savepoint: all of it is imported, or none. list: a tracker list. */
static int import_src_doc(struct vdb_imp *im, const char *name, const struct vdb_src *src,
                          bool list, const char *feed_hint, struct moat_err *err)
{
    struct vdb_mark m;
    int r;

    if ((r = vdb_mark_begin(im, &m, err)) < 0)
        return r;
    r = list ? vdb_tracker_list_import(im, name, src, err)
             : vdb_import_json(im, name, src, feed_hint, err);
    if (r < 0) {
        vdb_mark_rollback(im, &m);
        return r;
    }
    return vdb_mark_release(im, err);
}

static bool starts_json(const char *data, size_t len)
{
    size_t i = 0;

    while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r'))
        i++;
    return i < len && (data[i] == '{' || data[i] == '[');
}

/* Import one document held in memory (not a zip). */
static int import_doc(struct vdb_imp *im, const char *name, const char *data, size_t len,
                      struct moat_err *err)
{
    struct vdb_src src = {.fd = -1, .mem = data, .len = len};
    bool list = vdb_is_tracker_list(data, len, &(bool){false});

    if (list || starts_json(data, len))
        return import_src_doc(im, name, &src, list, NULL, err);
    return moat_err_set(err, MOAT_E_FORMAT, "%s: not a format moat imports", name);
}

/* A zip entry read straight from the archive, bounded in total. */
struct entry_src {
    struct archive *a;
    const char *name, *ename;
    uint64_t *total;
    bool failed; /* the archive, not the JSON, is damaged */
};

static int entry_read(void *rctx, void *buf, size_t cap, size_t *got, struct moat_err *err)
{
    struct entry_src *e = rctx;
    la_ssize_t n = archive_read_data(e->a, buf, cap);

    if (n < 0) {
        e->failed = true;
        return moat_err_set(err, MOAT_E_FORMAT, "%s: damaged or truncated zip at %s: %s", e->name,
                            e->ename,
                            archive_error_string(e->a) ? archive_error_string(e->a) : "read error");
    }
    *e->total += (uint64_t)n;
    if (*e->total > VDB_MAX_ZIP_TOTAL) {
        e->failed = true;
        return moat_err_set(err, MOAT_E_LIMIT, "%s: more than %llu bytes uncompressed", e->name,
                            (unsigned long long)VDB_MAX_ZIP_TOTAL);
    }
    *got = (size_t)n;
    return 0;
}

/* Zip entries: regular *.json files only, each streamed and all-or-nothing; any read error of
 * the archive refuses the zip. */
static int import_archive(struct vdb_imp *im, const char *name, struct archive *a,
                          const char *feed_hint, struct moat_err *err)
{
    struct archive_entry *e;
    uint64_t n_entries = 0, total = 0;
    int r = 0, s;

    while ((s = archive_read_next_header(a, &e)) == ARCHIVE_OK || s == ARCHIVE_WARN) {
        const char *ename = archive_entry_pathname(e);
        struct entry_src src = {a, name, ename, &total, false};
        struct moat_err e2 = MOAT_ERR_INIT;
        struct vdb_mark m;
        char label[512];

        if (++n_entries > VDB_MAX_ZIP_ENTRIES)
            return moat_err_set(err, MOAT_E_LIMIT, "%s: more than %u entries", name,
                                VDB_MAX_ZIP_ENTRIES);
        if (ename == NULL || archive_entry_filetype(e) != AE_IFREG || !ends_with(ename, ".json")) {
            im->rep->ignored++;
            continue;
        }
        snprintf(label, sizeof(label), "%s:%s", name, ename);
        if ((r = vdb_mark_begin(im, &m, err)) < 0)
            return r;
        im->rep->files++;
        r = vdb_import_osv_read(im, label, entry_read, &src, feed_hint, &e2);
        if (r < 0) {
            vdb_mark_rollback(im, &m);
            im->rep->files++;
            if (src.failed || (r != -MOAT_E_FORMAT && r != -MOAT_E_LIMIT)) {
                r = moat_err_set(err, -r, "%s", moat_err_msg(&e2));
                moat_err_clear(&e2);
                return r;
            }
            vdb_skip(im, feed_hint, "%s", moat_err_msg(&e2));
        } else if ((r = vdb_mark_release(im, err)) < 0) {
            moat_err_clear(&e2);
            return r;
        }
        moat_err_clear(&e2);
        vdb_progress(im);
    }
    if (s != ARCHIVE_EOF) {
        const char *why = archive_error_string(a);

        return moat_err_set(err, MOAT_E_FORMAT, "%s: damaged or truncated zip: %s", name,
                            why ? why : "read error");
    }
    return 0;
}

/* Run import_archive inside a savepoint; a damaged zip is rolled back and refused. */
static int import_zip(struct vdb_imp *im, const char *name, int fd, const void *mem, size_t len,
                      const char *feed_hint, struct moat_err *err)
{
    struct archive *a = archive_read_new();
    struct vdb_mark m;
    int r, o;

    if (a == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", name);
    archive_read_support_format_zip(a);
    o = mem != NULL ? archive_read_open_memory(a, mem, len) : archive_read_open_fd(a, fd, 65536);
    if (o != ARCHIVE_OK) {
        r = moat_err_set(err, MOAT_E_FORMAT, "%s: not a zip file: %s", name,
                         archive_error_string(a) ? archive_error_string(a) : "unrecognised");
        archive_read_free(a);
        im->rep->refused++;
        return r;
    }
    if ((r = vdb_mark_begin(im, &m, err)) < 0) {
        archive_read_free(a);
        return r;
    }
    r = import_archive(im, name, a, feed_hint, err);
    archive_read_free(a);
    if (r < 0) {
        /* keep the reasons, forget the counts of what was rolled back */
        vdb_mark_rollback(im, &m);
        im->rep->refused++;
        return r;
    }
    return vdb_mark_release(im, err);
}

static bool is_zip_name(const char *name, const char *data, size_t len)
{
    return ends_with(name, ".zip") || (len >= 4 && memcmp(data, "PK\003\004", 4) == 0);
}

/* The feed a zip named <Ecosystem>/all.zip or <Ecosystem>.zip belongs to, for skipped counts. */
static void feed_from_name(const char *path, char *buf, size_t cap)
{
    const char *base = strrchr(path, '/');
    size_t n;

    buf[0] = '\0';
    base = base ? base + 1 : path;
    if (strcmp(base, "all.zip") == 0 && base > path + 1) {
        const char *start = base - 1;

        while (start > path && start[-1] != '/')
            start--;
        n = (size_t)(base - 1 - start);
        if (n > 0 && n + 5 < cap)
            snprintf(buf, cap, "osv:%.*s", (int)n, start);
    }
}

static int open_rel(int dirfd, const char *name, int flags)
{
    return openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
}

/* A file found by path or inside a walked directory (dirfd). Format errors are
 * reported as skipped (in a directory) or returned (top level). */
static int import_file(struct vdb_imp *im, int dirfd, const char *name, const char *label, bool top,
                       struct moat_err *err)
{
    struct stat sb;
    char feed[VDB_MAX_ID_LEN];
    int fd = -1, r = 0;

    fd = top ? open(name, O_RDONLY | O_CLOEXEC | O_NONBLOCK) : open_rel(dirfd, name, O_RDONLY);
    if (fd < 0) {
        if (errno == ELOOP) {
            im->rep->ignored++;
            return 0;
        }
        im->rep->refused++;
        return moat_err_set(err, MOAT_E_IO, "%s: %s", label, strerror(errno));
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        im->rep->ignored++;
        if (top)
            r = moat_err_set(err, MOAT_E_FORMAT, "%s: not a regular file", label);
        goto out;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    feed_from_name(label, feed, sizeof(feed));
    {
        unsigned char magic[4] = {0};
        ssize_t n = pread(fd, magic, sizeof(magic), 0);

        if (n == 4 && memcmp(magic, "PK\003\004", 4) == 0) {
            r = import_zip(im, label, fd, NULL, 0, feed[0] ? feed : NULL, err);
            goto out;
        }
        if (ends_with(name, ".zip")) {
            im->rep->refused++;
            r = moat_err_set(err, MOAT_E_FORMAT, "%s: not a zip file", label);
            goto out;
        }
    }
    {
        char head[4096];
        ssize_t n = pread(fd, head, sizeof(head), 0);
        struct vdb_src src = {.fd = fd};
        bool gz = n >= 2 && (unsigned char)head[0] == 0x1f && (unsigned char)head[1] == 0x8b;
        bool list = n > 0 && vdb_is_tracker_list(head, (size_t)n, &(bool){false});

        /* streamed from the file, never read whole; gzip only for JSON (NVD's yearly feeds) */
        im->rep->files++;
        if (gz || list || (n > 0 && starts_json(head, (size_t)n)))
            r = import_src_doc(im, label, &src, list, feed[0] ? feed : NULL, err);
        else
            r = moat_err_set(err, MOAT_E_FORMAT, "%s: not a format moat imports", label);
    }
    if (r == -MOAT_E_FORMAT || r == -MOAT_E_LIMIT) {
        if (top) {
            im->rep->refused++;
        } else {
            vdb_skip(im, NULL, "%s", moat_err_msg(err));
            moat_err_clear(err);
            r = 0;
        }
    }
    vdb_progress(im);
out:
    if (fd >= 0)
        close(fd);
    return r;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool wanted(const char *name)
{
    return ends_with(name, ".json") || ends_with(name, ".json.gz") || ends_with(name, ".zip") ||
           ends_with(name, ".list") || strcmp(name, "list") == 0;
}

struct walk {
    uint64_t files;
    int first_err;
};

static int walk_dir(struct vdb_imp *im, int dfd, const char *label, unsigned depth, struct walk *w,
                    struct moat_err *err)
{
    DIR *d = NULL;
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int r = 0;

    if (depth > VDB_MAX_DIR_DEPTH) {
        close(dfd);
        vdb_skip(im, NULL, "%s: directories nested deeper than %u", label, VDB_MAX_DIR_DEPTH);
        return 0;
    }
    d = fdopendir(dfd);
    if (d == NULL) {
        close(dfd);
        return moat_err_set(err, MOAT_E_IO, "%s: %s", label, strerror(errno));
    }
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 64;
            char **nn = realloc(names, nc * sizeof(*nn));

            if (nn == NULL)
                goto nomem;
            names = nn;
            cap = nc;
        }
        if ((names[n] = strdup(de->d_name)) == NULL)
            goto nomem;
        n++;
    }
    qsort(names, n, sizeof(*names), cmp_str);
    for (size_t i = 0; i < n && r == 0; i++) {
        char *sub = NULL;
        struct stat sb;

        if (fstatat(dirfd(d), names[i], &sb, AT_SYMLINK_NOFOLLOW) != 0)
            continue;
        if (asprintf(&sub, "%s/%s", label, names[i]) < 0)
            goto nomem;
        if (S_ISDIR(sb.st_mode)) {
            int cfd = open_rel(dirfd(d), names[i], O_RDONLY | O_DIRECTORY);

            if (cfd >= 0)
                r = walk_dir(im, cfd, sub, depth + 1, w, err);
        } else if (!S_ISREG(sb.st_mode)) {
            im->rep->ignored++; /* symlinks, devices, fifos: never followed */
        } else if (!wanted(names[i])) {
            im->rep->ignored++;
        } else if (++w->files > VDB_MAX_DIR_FILES) {
            r = moat_err_set(err, MOAT_E_LIMIT, "%s: more than %u files", label, VDB_MAX_DIR_FILES);
        } else {
            struct moat_err e2 = MOAT_ERR_INIT;

            r = import_file(im, dirfd(d), names[i], sub, false, &e2);
            if (r == -MOAT_E_FORMAT || r == -MOAT_E_LIMIT || r == -MOAT_E_IO) {
                /* a refused zip or unreadable file: reported, the walk goes on */
                if (w->first_err == 0) {
                    w->first_err = r;
                    moat_err_clear(err);
                    *err = e2;
                    e2 = (struct moat_err)MOAT_ERR_INIT;
                }
                r = 0;
            } else if (r < 0) {
                moat_err_clear(err);
                *err = e2;
                e2 = (struct moat_err)MOAT_ERR_INIT;
            }
            moat_err_clear(&e2);
        }
        free(sub);
    }
    goto out;
nomem:
    r = moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", label);
out:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    closedir(d);
    return r;
}

/*
 * End an import that returned r: roll back on a hard error; otherwise commit
 * and return r (a refused input, -MOAT_E_FORMAT or -MOAT_E_LIMIT, wrote
 * nothing of itself, but what came before it is kept), or the commit's error.
 */
static int imp_finish(struct vdb_imp *im, int r, struct moat_err *err)
{
    struct moat_err e2 = MOAT_ERR_INIT;
    int c;

    if (r < 0 && r != -MOAT_E_FORMAT && r != -MOAT_E_LIMIT) {
        vdb_imp_abort(im);
        return r;
    }
    c = vdb_imp_commit(im, &e2);
    if (c < 0) {
        moat_err_clear(err);
        *err = e2;
        return c;
    }
    return r;
}

int moat_vulndb_import_path(struct moat_vulndb *db, const char *path,
                            struct moat_import_report *rep, struct moat_err *err)
{
    struct vdb_imp im;
    struct stat sb;
    int r;

    if (stat(path, &sb) != 0)
        return moat_err_set(err, MOAT_E_IO, "%s: %s", path, strerror(errno));
    if ((r = vdb_imp_begin(&im, db, path, rep, err)) < 0)
        return r;
    if (S_ISDIR(sb.st_mode)) {
        struct walk w = {0};
        int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (dfd < 0)
            r = moat_err_set(err, MOAT_E_IO, "%s: %s", path, strerror(errno));
        else
            r = walk_dir(&im, dfd, path, 0, &w, err);
        if (r == 0 && w.first_err != 0) {
            /* commit what was good, then report the refused input */
            if ((r = vdb_imp_commit(&im, NULL)) < 0)
                return moat_err_set(err, MOAT_E_IO, "%s: cannot commit", db->path);
            return w.first_err;
        }
    } else {
        r = import_file(&im, AT_FDCWD, path, path, true, err);
    }
    return imp_finish(&im, r, err);
}

int moat_vulndb_import_mem(struct moat_vulndb *db, const char *name, const void *data, size_t len,
                           struct moat_import_report *rep, struct moat_err *err)
{
    struct vdb_imp im;
    int r;

    if ((r = vdb_imp_begin(&im, db, name, rep, err)) < 0)
        return r;
    rep->files++;
    if (is_zip_name(name, data, len))
        r = import_zip(&im, name, -1, data, len, NULL, err);
    else
        r = import_doc(&im, name, data, len, err);
    return imp_finish(&im, r, err);
}

int vdb_import_zip_file(struct vdb_imp *im, const char *path, const char *feed_hint,
                        struct moat_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int r;

    if (fd < 0)
        return moat_err_set(err, MOAT_E_IO, "%s: %s", path, strerror(errno));
    r = import_zip(im, path, fd, NULL, 0, feed_hint, err);
    close(fd);
    return r;
}

void moat_import_report_free(struct moat_import_report *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n_reasons; i++)
        free(r->reasons[i]);
    memset(r, 0, sizeof(*r));
}
