/*
 * vulndb.c - open the SQLite vulnerability database, and the queries the
 * matcher and `moat db info` use.
 *
 * Schema (PRAGMA user_version = 2):
 *   sources(name PK, kind, origin, imported_at, records, skipped)   one row per feed
 *   vulns(vid PK, id, source, feed, summary, details, published, modified,
 *         withdrawn, source_severity, refs, severity)  UNIQUE(id, source)
 *   aliases(vid, alias)                 indexed both ways
 *   affected(vid, vuln_id, source, feed, ecosystem, eco_key, package, pkg_key,
 *            purl, ranges, versions, distro_status, distro_severity)
 *            INDEX (eco_key, pkg_key), (vid), (feed, vid)
 *   tracker_notes(cve, seq, release, package, version, state, urgency)
 *            the Debian tracker CVE list's annotations, kept so that its
 *            DSA/DLA lists can be imported later (debian_list.c)
 *   metrics(vid, rank, type, scorer, primary_, vector, score)
 *            NVD's CVSS metrics of a record of source "nvd", in the order
 *            a severity is taken from them (nvd.c)
 * A schema 1 database (no tracker_notes) is upgraded when opened writable and
 * read as it is otherwise.
 * ranges is a compact text encoding, decoded per row at query time:
 * "R<kind>\n" opens a range, then "<i|f|l|m><version>\n" per event
 * (introduced, fixed, last_affected, limit); versions is one per line.
 * Inputs with control characters in those fields are rejected at import, so
 * the encoding is unambiguous.
 *
 * Database files are treated as untrusted: SQLITE_DBCONFIG_DEFENSIVE, no
 * trusted schema, and every column is type-checked as it is read.
 */
#include "vuln_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char SCHEMA[] =
    "CREATE TABLE sources(name TEXT PRIMARY KEY, kind TEXT NOT NULL, origin TEXT,"
    " imported_at INTEGER NOT NULL DEFAULT 0, records INTEGER NOT NULL DEFAULT 0,"
    " skipped INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE vulns(vid INTEGER PRIMARY KEY, id TEXT NOT NULL, source TEXT NOT NULL,"
    " feed TEXT NOT NULL, summary TEXT, details TEXT, published TEXT, modified TEXT,"
    " withdrawn INTEGER NOT NULL DEFAULT 0, source_severity TEXT, refs TEXT, severity TEXT,"
    " UNIQUE(id, source));"
    "CREATE INDEX vulns_feed ON vulns(feed);"
    "CREATE TABLE aliases(vid INTEGER NOT NULL, alias TEXT NOT NULL, PRIMARY KEY(vid, alias))"
    " WITHOUT ROWID;"
    "CREATE INDEX aliases_alias ON aliases(alias);"
    "CREATE TABLE affected(vid INTEGER NOT NULL, vuln_id TEXT NOT NULL, source TEXT NOT NULL,"
    " feed TEXT NOT NULL, ecosystem TEXT NOT NULL, eco_key TEXT NOT NULL, package TEXT NOT NULL,"
    " pkg_key TEXT NOT NULL, purl TEXT, ranges TEXT, versions TEXT, distro_status TEXT,"
    " distro_severity TEXT);"
    "CREATE INDEX affected_pkg ON affected(eco_key, pkg_key);"
    "CREATE INDEX affected_vid ON affected(vid);"
    "CREATE INDEX affected_feed ON affected(feed, vid);"
    "PRAGMA user_version = 1;";

/* What schema 2 adds to 1. */
static const char SCHEMA_2[] =
    "CREATE TABLE tracker_notes(cve TEXT NOT NULL, seq INTEGER NOT NULL, release TEXT NOT NULL,"
    " package TEXT NOT NULL, version TEXT, state TEXT, urgency TEXT, PRIMARY KEY(cve, seq))"
    " WITHOUT ROWID;"
    "CREATE TABLE metrics(vid INTEGER NOT NULL, rank INTEGER NOT NULL, type TEXT NOT NULL,"
    " scorer TEXT, primary_ INTEGER NOT NULL, vector TEXT NOT NULL, score REAL NOT NULL,"
    " PRIMARY KEY(vid, rank)) WITHOUT ROWID;"
    "PRAGMA user_version = 2;";

int vdb_sqlerr(sqlite3 *db, const char *path, const char *what, struct moat_err *err)
{
    int code = sqlite3_errcode(db);
    int e = (code == SQLITE_NOTADB || code == SQLITE_CORRUPT) ? MOAT_E_FORMAT
            : code == SQLITE_NOMEM                            ? MOAT_E_NOMEM
                                                              : MOAT_E_IO;

    if (code == SQLITE_NOTADB)
        return moat_err_set(err, e, "%s: not a vulnerability database (not SQLite)", path);
    return moat_err_set(err, e, "%s: %s: %s", path, what, sqlite3_errmsg(db));
}

int vdb_exec(sqlite3 *db, const char *path, const char *sql, struct moat_err *err)
{
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return vdb_sqlerr(db, path, "database error", err);
    return 0;
}

int vdb_schema_init(sqlite3 *db, const char *path, struct moat_err *err)
{
    int r = vdb_exec(db, path, SCHEMA, err);

    return r < 0 ? r : vdb_exec(db, path, SCHEMA_2, err);
}

static int user_version(sqlite3 *db, const char *path, int *out, int *n_tables,
                        struct moat_err *err)
{
    sqlite3_stmt *st = NULL;
    int r = 0;

    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        r = vdb_sqlerr(db, path, "cannot read", err);
        goto out;
    }
    *out = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_schema", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        r = vdb_sqlerr(db, path, "cannot read", err);
        goto out;
    }
    *n_tables = sqlite3_column_int(st, 0);
out:
    sqlite3_finalize(st);
    return r;
}

int moat_vulndb_open(const char *path, int writable, struct moat_vulndb **out, struct moat_err *err)
{
    struct moat_vulndb *v = NULL;
    struct stat sb;
    int flags = SQLITE_OPEN_NOMUTEX |
                (writable ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY);
    int r = 0, ver = 0, n_tables = 0;

    *out = NULL;
    if (path == NULL || *path == '\0')
        return moat_err_set(err, MOAT_E_ARG, "vulnerability database: no path");
    if (strcmp(path, ":memory:") != 0) {
        if (stat(path, &sb) != 0) {
            if (errno != ENOENT || !writable)
                return moat_err_set(err, errno == ENOENT ? MOAT_E_NOTFOUND : MOAT_E_IO, "%s: %s%s",
                                    path, strerror(errno),
                                    errno == ENOENT ? " (run 'moat db import' or 'moat db update')"
                                                    : "");
        } else if (!S_ISREG(sb.st_mode)) {
            return moat_err_set(err, MOAT_E_FORMAT, "%s: not a regular file", path);
        }
    }
    v = calloc(1, sizeof(*v));
    if (v == NULL || (v->path = strdup(path)) == NULL) {
        r = moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", path);
        goto out;
    }
    v->writable = writable;
    if (sqlite3_open_v2(path, &v->db, flags, NULL) != SQLITE_OK) {
        r = v->db ? vdb_sqlerr(v->db, path, "cannot open", err)
                  : moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", path);
        goto out;
    }
    sqlite3_db_config(v->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
    sqlite3_db_config(v->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
    sqlite3_busy_timeout(v->db, 5000);
    if ((r = user_version(v->db, path, &ver, &n_tables, err)) < 0)
        goto out;
    if (ver == 0 && n_tables == 0 && writable) {
        if ((r = vdb_schema_init(v->db, path, err)) < 0)
            goto out;
        ver = MOAT_VULNDB_SCHEMA_VERSION;
    }
    if (ver == 1 && writable) {
        if ((r = vdb_exec(v->db, path, "BEGIN IMMEDIATE", err)) < 0 ||
            (r = vdb_exec(v->db, path, SCHEMA_2, err)) < 0 ||
            (r = vdb_exec(v->db, path, "COMMIT", err)) < 0) {
            sqlite3_exec(v->db, "ROLLBACK", NULL, NULL, NULL);
            goto out;
        }
        ver = MOAT_VULNDB_SCHEMA_VERSION;
    }
    if (ver == 1 && !writable)
        ver = MOAT_VULNDB_SCHEMA_VERSION; /* read as it is: nothing read needs schema 2 */
    if (ver != MOAT_VULNDB_SCHEMA_VERSION) {
        r = moat_err_set(err, MOAT_E_FORMAT,
                         ver == 0
                             ? "%s: not a moat vulnerability database"
                             : "%s: database schema version %d, this moat reads %d (run 'moat db "
                               "update' or import again into a new file)",
                         path, ver, MOAT_VULNDB_SCHEMA_VERSION);
        if (ver == 0)
            r = moat_err_set(err, MOAT_E_FORMAT, "%s: not a moat vulnerability database", path);
        goto out;
    }
    if (writable &&
        (r = vdb_exec(v->db, path, "PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536", err)) < 0)
        goto out;
    if (sqlite3_prepare_v3(v->db,
                           "SELECT vuln_id, source, ecosystem, package, purl, ranges, versions,"
                           " distro_status, distro_severity FROM affected"
                           " WHERE eco_key IN (?1, ?2) AND pkg_key = ?3 ORDER BY vuln_id",
                           -1, SQLITE_PREPARE_PERSISTENT, &v->q_affected, NULL) != SQLITE_OK) {
        r = vdb_sqlerr(v->db, path, "not a usable vulnerability database", err);
        goto out;
    }
    /* absent in a schema 1 database read as it is: no NVD metrics then */
    if (sqlite3_prepare_v3(v->db,
                           "SELECT m.type, m.scorer, m.primary_, m.vector, m.score FROM vulns v"
                           " JOIN metrics m ON m.vid = v.vid"
                           " WHERE v.id = ?1 AND v.source = 'nvd' ORDER BY m.rank",
                           -1, SQLITE_PREPARE_PERSISTENT, &v->q_metrics, NULL) != SQLITE_OK)
        v->q_metrics = NULL;
    *out = v;
    v = NULL;
out:
    moat_vulndb_close(v);
    return r;
}

void moat_vulndb_close(struct moat_vulndb *db)
{
    if (db == NULL)
        return;
    sqlite3_finalize(db->q_affected);
    sqlite3_finalize(db->q_metrics);
    sqlite3_close(db->db);
    free(db->path);
    free(db);
}

void moat_vulndb_set_progress(struct moat_vulndb *db, moat_vulndb_progress_fn fn, void *ctx)
{
    db->progress = fn;
    db->progress_ctx = ctx;
}

int moat_vulndb_default_path_buf(char *buf, size_t cap)
{
    const char *env = getenv("MOAT_DB");
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");
    int n;

    if (env != NULL && *env != '\0')
        n = snprintf(buf, cap, "%s", env);
    else if (xdg != NULL && xdg[0] == '/')
        n = snprintf(buf, cap, "%s/moat/vuln.db", xdg);
    else if (home != NULL && *home != '\0')
        n = snprintf(buf, cap, "%s/.cache/moat/vuln.db", home);
    else
        return -MOAT_E_NOTFOUND;
    if (n < 0 || (size_t)n >= cap)
        return -MOAT_E_LIMIT;
    return 0;
}

/* ---- ecosystem keys ---- */

static const struct {
    const char *codename, *release;
} DEBIAN_RELEASES[] = {
    {"hamm", "2"},    {"slink", "2.1"}, {"potato", "2.2"},   {"woody", "3.0"},   {"sarge", "3.1"},
    {"etch", "4"},    {"lenny", "5"},   {"squeeze", "6"},    {"wheezy", "7"},    {"jessie", "8"},
    {"stretch", "9"}, {"buster", "10"}, {"bullseye", "11"},  {"bookworm", "12"}, {"trixie", "13"},
    {"forky", "14"},  {"duke", "15"},   {"sid", "unstable"},
};

const char *vdb_debian_release(const char *codename)
{
    for (size_t i = 0; i < sizeof(DEBIAN_RELEASES) / sizeof(DEBIAN_RELEASES[0]); i++)
        if (strcasecmp(codename, DEBIAN_RELEASES[i].codename) == 0)
            return DEBIAN_RELEASES[i].release;
    return NULL;
}

static const char *const KNOWN_ECOSYSTEMS[] = {
    "AlmaLinux",
    "Alpine",
    "Android",
    "Azure Linux",
    "Bioconductor",
    "Bitnami",
    "Chainguard",
    "CRAN",
    "crates.io",
    "Debian",
    "Echo",
    "GHC",
    "GitHub Actions",
    "Go",
    "Hackage",
    "Hex",
    "Linux",
    "Mageia",
    "Maven",
    "MinimOS",
    "npm",
    "NuGet",
    "openEuler",
    "openSUSE",
    "OSS-Fuzz",
    "Packagist",
    "Photon OS",
    "Pub",
    "PyPI",
    "Red Hat",
    "Rocky Linux",
    "RubyGems",
    "SUSE",
    "SwiftURL",
    "Ubuntu",
    "Wolfi",
    "Git",
    "ConanCenter",
    "VSCode",
};

int vdb_eco_base(const char *ecosystem, char *buf, size_t cap)
{
    size_t n = strcspn(ecosystem, ":");

    if (n >= cap)
        return -1;
    memcpy(buf, ecosystem, n);
    buf[n] = '\0';
    return 0;
}

bool vdb_eco_known(const char *ecosystem)
{
    char base[VDB_MAX_ID_LEN + 1];

    if (vdb_eco_base(ecosystem, base, sizeof(base)) < 0)
        return false;
    for (size_t i = 0; i < sizeof(KNOWN_ECOSYSTEMS) / sizeof(KNOWN_ECOSYSTEMS[0]); i++)
        if (strcmp(base, KNOWN_ECOSYSTEMS[i]) == 0)
            return true;
    return false;
}

static int put(char *buf, size_t cap, size_t *len, const char *s, size_t n, bool lower)
{
    if (n >= cap - *len)
        return -1;
    for (size_t i = 0; i < n; i++)
        buf[*len + i] = lower ? (char)tolower((unsigned char)s[i]) : s[i];
    *len += n;
    buf[*len] = '\0';
    return 0;
}

int vdb_eco_key(const char *ecosystem, char *buf, size_t cap)
{
    size_t blen = strcspn(ecosystem, ":"), len = 0;
    const char *rest = ecosystem[blen] == ':' ? ecosystem + blen + 1 : NULL;
    bool debian = blen == 6 && strncasecmp(ecosystem, "debian", 6) == 0;
    bool alpine = blen == 6 && strncasecmp(ecosystem, "alpine", 6) == 0;
    bool ubuntu = blen == 6 && strncasecmp(ecosystem, "ubuntu", 6) == 0;

    if (cap == 0 || put(buf, cap, &len, ecosystem, blen, true) < 0)
        return -1;
    if (rest == NULL || *rest == '\0')
        return 0;
    if (debian) {
        const char *rel = vdb_debian_release(rest);

        if (rel != NULL)
            rest = rel;
    } else if (alpine && isdigit((unsigned char)rest[0])) {
        if (put(buf, cap, &len, ":v", 2, false) < 0)
            return -1;
        return put(buf, cap, &len, rest, strlen(rest), true);
    } else if (ubuntu) {
        /* drop the LTS / Pro qualifiers: "Ubuntu:Pro:18.04:LTS" -> "ubuntu:18.04" */
        const char *p = rest;

        while (*p != '\0') {
            size_t n = strcspn(p, ":");

            if (!((n == 3 && strncasecmp(p, "LTS", 3) == 0) ||
                  (n == 3 && strncasecmp(p, "Pro", 3) == 0)) &&
                n > 0) {
                if (put(buf, cap, &len, ":", 1, false) < 0 || put(buf, cap, &len, p, n, true) < 0)
                    return -1;
            }
            p += n;
            if (*p == ':')
                p++;
        }
        return 0;
    }
    if (put(buf, cap, &len, ":", 1, false) < 0)
        return -1;
    return put(buf, cap, &len, rest, strlen(rest), true);
}

int vdb_pkg_key(const char *eco_key, const char *package, char *buf, size_t cap)
{
    size_t len = 0;

    if (cap == 0)
        return -1;
    buf[0] = '\0';
    if (strncmp(eco_key, "pypi", 4) != 0 || (eco_key[4] != '\0' && eco_key[4] != ':'))
        return put(buf, cap, &len, package, strlen(package), false);
    /* PEP 503: lowercase, runs of -_. become one - */
    for (const char *p = package; *p != '\0';) {
        if (*p == '-' || *p == '_' || *p == '.') {
            while (*p == '-' || *p == '_' || *p == '.')
                p++;
            if (put(buf, cap, &len, "-", 1, false) < 0)
                return -1;
        } else {
            if (put(buf, cap, &len, p, 1, true) < 0)
                return -1;
            p++;
        }
    }
    return 0;
}

/* ---- lookups ---- */

static const char *col_text(sqlite3_stmt *st, int i)
{
    if (sqlite3_column_type(st, i) != SQLITE_TEXT)
        return NULL;
    return (const char *)sqlite3_column_text(st, i);
}

/* Decode one row's ranges and versions into heap arrays (freed by the caller via *mem). */
struct decoded {
    struct moat_range *ranges;
    struct moat_range_event *events;
    const char **versions;
    char *text;
    size_t n_ranges, n_events, n_versions;
};

static void decoded_free(struct decoded *d)
{
    free(d->ranges);
    free(d->events);
    free(d->versions);
    free(d->text);
    memset(d, 0, sizeof(*d));
}

static size_t count_lines(const char *s)
{
    size_t n = 0;

    for (; *s != '\0'; s++)
        if (*s == '\n')
            n++;
    return n;
}

/* Returns 0, -MOAT_E_NOMEM, or -MOAT_E_FORMAT for a damaged encoding. */
static int decode_row(const char *ranges, const char *versions, struct decoded *d)
{
    size_t rl = ranges ? strlen(ranges) : 0, vl = versions ? strlen(versions) : 0;
    size_t nl_r = ranges ? count_lines(ranges) : 0, nl_v = versions ? count_lines(versions) : 0;
    char *p, *end;

    memset(d, 0, sizeof(*d));
    d->text = malloc(rl + vl + 2);
    d->ranges = calloc(nl_r + 1, sizeof(*d->ranges));
    d->events = calloc(nl_r + 1, sizeof(*d->events));
    d->versions = calloc(nl_v + 1, sizeof(*d->versions));
    if (d->text == NULL || d->ranges == NULL || d->events == NULL || d->versions == NULL)
        return -MOAT_E_NOMEM;
    if (rl > 0)
        memcpy(d->text, ranges, rl);
    d->text[rl] = '\0';
    if (vl > 0)
        memcpy(d->text + rl + 1, versions, vl);
    d->text[rl + 1 + vl] = '\0';

    for (p = d->text; *p != '\0'; p = end + 1) {
        end = strchr(p, '\n');
        if (end == NULL)
            return -MOAT_E_FORMAT;
        *end = '\0';
        if (p[0] == 'R') {
            int k = p[1] - '0';

            if (k < MOAT_RANGE_ECOSYSTEM || k > MOAT_RANGE_GIT || p[2] != '\0')
                return -MOAT_E_FORMAT;
            d->ranges[d->n_ranges].kind = (enum moat_range_kind)k;
            d->ranges[d->n_ranges].events = d->events + d->n_events;
            d->n_ranges++;
            continue;
        }
        if (d->n_ranges == 0)
            return -MOAT_E_FORMAT;
        switch (p[0]) {
        case 'i':
            d->events[d->n_events].kind = MOAT_EV_INTRODUCED;
            break;
        case 'f':
            d->events[d->n_events].kind = MOAT_EV_FIXED;
            break;
        case 'l':
            d->events[d->n_events].kind = MOAT_EV_LAST_AFFECTED;
            break;
        case 'm':
            d->events[d->n_events].kind = MOAT_EV_LIMIT;
            break;
        default:
            return -MOAT_E_FORMAT;
        }
        d->events[d->n_events].version = p + 1;
        d->n_events++;
        d->ranges[d->n_ranges - 1].n_events++;
    }
    for (p = d->text + rl + 1; *p != '\0'; p = end + 1) {
        end = strchr(p, '\n');
        if (end == NULL)
            return -MOAT_E_FORMAT;
        *end = '\0';
        d->versions[d->n_versions++] = p;
    }
    return 0;
}

int moat_vulndb_each_affected(struct moat_vulndb *db, const char *ecosystem, const char *package,
                              int (*fn)(void *ctx, const struct moat_affected *a), void *ctx,
                              struct moat_err *err)
{
    char key[VDB_MAX_ID_LEN * 2], base[VDB_MAX_ID_LEN * 2], pkey[VDB_MAX_ID_LEN * 4];
    sqlite3_stmt *st = db->q_affected;
    struct decoded d = {0};
    int r = 0, s;

    if (vdb_eco_key(ecosystem, key, sizeof(key)) < 0 || vdb_eco_base(key, base, sizeof(base)) < 0 ||
        vdb_pkg_key(key, package, pkey, sizeof(pkey)) < 0)
        return 0; /* longer than anything the importer stores: no entries */
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, base, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, pkey, -1, SQLITE_STATIC);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        struct moat_affected a = {0};

        a.vuln_id = col_text(st, 0);
        a.source = col_text(st, 1);
        a.ecosystem = col_text(st, 2);
        a.package = col_text(st, 3);
        if (a.vuln_id == NULL || a.source == NULL || a.ecosystem == NULL || a.package == NULL) {
            r = moat_err_set(err, MOAT_E_FORMAT, "%s: damaged affected row", db->path);
            goto out;
        }
        a.purl = col_text(st, 4);
        r = decode_row(col_text(st, 5), col_text(st, 6), &d);
        if (r < 0) {
            r = moat_err_set(err, -r, "%s: %s: damaged ranges of %s", db->path, a.vuln_id,
                             a.package);
            goto out;
        }
        a.ranges = d.ranges;
        a.n_ranges = d.n_ranges;
        a.versions = d.versions;
        a.n_versions = d.n_versions;
        a.distro_status = col_text(st, 7);
        a.distro_severity = col_text(st, 8);
        r = fn(ctx, &a);
        decoded_free(&d);
        if (r < 0)
            goto out;
    }
    if (s != SQLITE_DONE)
        r = vdb_sqlerr(db->db, db->path, "lookup failed", err);
out:
    decoded_free(&d);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return r;
}

int moat_vulndb_metrics(struct moat_vulndb *db, const char *cve,
                        int (*fn)(void *ctx, const struct moat_vuln_metric *m), void *ctx,
                        struct moat_err *err)
{
    sqlite3_stmt *st = db->q_metrics;
    int r = 0, s;

    if (st == NULL)
        return 0;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, cve, -1, SQLITE_STATIC);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        struct moat_vuln_metric m = {
            .type = col_text(st, 0),
            .scorer = col_text(st, 1),
            .primary = sqlite3_column_int(st, 2) != 0,
            .vector = col_text(st, 3),
            .score = sqlite3_column_double(st, 4),
        };

        if (m.type == NULL || m.vector == NULL || !(m.score >= 0.0 && m.score <= 10.0)) {
            r = moat_err_set(err, MOAT_E_FORMAT, "%s: damaged metrics of %s", db->path, cve);
            break;
        }
        if ((r = fn(ctx, &m)) != 0)
            break;
    }
    if (r == 0 && s != SQLITE_DONE && s != SQLITE_ROW)
        r = vdb_sqlerr(db->db, db->path, "lookup failed", err);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return r < 0 ? r : 0;
}

static int dup_col(sqlite3_stmt *st, int i, char **out)
{
    const char *s = col_text(st, i);

    *out = NULL;
    if (s == NULL)
        return 0;
    *out = strdup(s);
    return *out == NULL ? -MOAT_E_NOMEM : 0;
}

/* Split "a\nb\n" into a string array. */
static int split_lines(const char *s, char ***out, size_t *n)
{
    size_t cap, k = 0;

    *out = NULL;
    *n = 0;
    if (s == NULL || *s == '\0')
        return 0;
    cap = count_lines(s) + 1;
    *out = calloc(cap, sizeof(char *));
    if (*out == NULL)
        return -MOAT_E_NOMEM;
    while (*s != '\0' && k < cap) {
        size_t len = strcspn(s, "\n");

        if (((*out)[k] = strndup(s, len)) == NULL)
            return -MOAT_E_NOMEM;
        k++;
        *n = k;
        s += len;
        if (*s == '\n')
            s++;
    }
    return 0;
}

int moat_vulndb_get(struct moat_vulndb *db, const char *id, struct moat_vuln_info *out,
                    struct moat_err *err)
{
    sqlite3_stmt *st = NULL;
    char **sev = NULL;
    size_t n_sev = 0;
    int64_t vid;
    int r = 0, s;

    memset(out, 0, sizeof(*out));
    if (sqlite3_prepare_v2(db->db,
                           "SELECT vid, id, summary, details, published, modified, withdrawn,"
                           " source_severity, refs, severity, source FROM vulns WHERE id = ?1"
                           " ORDER BY CASE source WHEN 'osv' THEN 0 WHEN 'debian-tracker' THEN 1"
                           " WHEN 'nvd' THEN 3 ELSE 2 END LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK) {
        r = vdb_sqlerr(db->db, db->path, "lookup failed", err);
        goto out;
    }
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    s = sqlite3_step(st);
    if (s == SQLITE_DONE) {
        r = moat_err_set(err, MOAT_E_NOTFOUND, "%s: no record %s", db->path, id);
        goto out;
    }
    if (s != SQLITE_ROW) {
        r = vdb_sqlerr(db->db, db->path, "lookup failed", err);
        goto out;
    }
    vid = sqlite3_column_int64(st, 0);
    out->withdrawn = sqlite3_column_int(st, 6) != 0;
    if (dup_col(st, 1, &out->id) < 0 || dup_col(st, 2, &out->summary) < 0 ||
        dup_col(st, 3, &out->details) < 0 || dup_col(st, 4, &out->published) < 0 ||
        dup_col(st, 5, &out->modified) < 0 || dup_col(st, 7, &out->source_severity) < 0 ||
        dup_col(st, 10, &out->source) < 0 ||
        split_lines(col_text(st, 8), &out->references, &out->n_references) < 0 ||
        split_lines(col_text(st, 9), &sev, &n_sev) < 0)
        goto nomem;
    if (out->id == NULL || out->source == NULL) {
        r = moat_err_set(err, MOAT_E_FORMAT, "%s: damaged record %s", db->path, id);
        goto out;
    }
    if (n_sev > 0) {
        out->severity = calloc(n_sev, sizeof(*out->severity));
        if (out->severity == NULL)
            goto nomem;
        for (size_t i = 0; i < n_sev; i++) {
            char *tab = strchr(sev[i], '\t');

            if (tab == NULL)
                continue;
            *tab = '\0';
            out->severity[out->n_severity].type = strdup(sev[i]);
            out->severity[out->n_severity].score = strdup(tab + 1);
            out->n_severity++;
            if (out->severity[out->n_severity - 1].type == NULL ||
                out->severity[out->n_severity - 1].score == NULL)
                goto nomem;
        }
    }
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(db->db, "SELECT alias FROM aliases WHERE vid = ?1 ORDER BY alias", -1,
                           &st, NULL) != SQLITE_OK) {
        r = vdb_sqlerr(db->db, db->path, "lookup failed", err);
        goto out;
    }
    sqlite3_bind_int64(st, 1, vid);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        const char *a = col_text(st, 0);
        char **na;

        if (a == NULL)
            continue;
        na = realloc(out->aliases, (out->n_aliases + 1) * sizeof(char *));
        if (na == NULL)
            goto nomem;
        out->aliases = na;
        if ((na[out->n_aliases] = strdup(a)) == NULL)
            goto nomem;
        out->n_aliases++;
    }
    if (s != SQLITE_DONE)
        r = vdb_sqlerr(db->db, db->path, "lookup failed", err);
    goto out;
nomem:
    r = moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", db->path);
out:
    for (size_t i = 0; i < n_sev; i++)
        free(sev[i]);
    free(sev);
    sqlite3_finalize(st);
    if (r < 0)
        moat_vuln_info_free(out);
    return r;
}

void moat_vuln_info_free(struct moat_vuln_info *v)
{
    if (v == NULL)
        return;
    free(v->id);
    for (size_t i = 0; i < v->n_aliases; i++)
        free(v->aliases[i]);
    free(v->aliases);
    free(v->summary);
    free(v->details);
    free(v->published);
    free(v->modified);
    for (size_t i = 0; i < v->n_severity; i++) {
        free(v->severity[i].type);
        free(v->severity[i].score);
    }
    free(v->severity);
    free(v->source_severity);
    for (size_t i = 0; i < v->n_references; i++)
        free(v->references[i]);
    free(v->references);
    free(v->source);
    memset(v, 0, sizeof(*v));
}

static int scalar_u64(sqlite3 *db, const char *path, const char *sql, uint64_t *out,
                      struct moat_err *err)
{
    sqlite3_stmt *st = NULL;
    int r = 0;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW)
        r = vdb_sqlerr(db, path, "cannot read", err);
    else
        *out = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return r;
}

int moat_vulndb_info(struct moat_vulndb *db, struct moat_vulndb_stats *out, struct moat_err *err)
{
    sqlite3_stmt *st = NULL;
    int r = 0, s;

    memset(out, 0, sizeof(*out));
    out->schema_version = MOAT_VULNDB_SCHEMA_VERSION;
    if ((r = scalar_u64(db->db, db->path, "SELECT count(*) FROM vulns", &out->vulns, err)) < 0 ||
        (r = scalar_u64(db->db, db->path, "SELECT count(*) FROM affected", &out->affected, err)) <
            0 ||
        (r = scalar_u64(db->db, db->path, "SELECT count(*) FROM aliases", &out->aliases, err)) < 0)
        goto out;
    if (sqlite3_prepare_v2(db->db,
                           "SELECT s.name, s.kind, s.origin, s.imported_at, s.skipped,"
                           " (SELECT count(*) FROM vulns v WHERE v.feed = s.name),"
                           " (SELECT count(*) FROM affected a WHERE a.feed = s.name)"
                           " FROM sources s ORDER BY s.name",
                           -1, &st, NULL) != SQLITE_OK) {
        r = vdb_sqlerr(db->db, db->path, "cannot read", err);
        goto out;
    }
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        struct moat_vulndb_source *src, *ns;

        ns = realloc(out->sources, (out->n_sources + 1) * sizeof(*ns));
        if (ns == NULL)
            goto nomem;
        out->sources = ns;
        src = &ns[out->n_sources++];
        memset(src, 0, sizeof(*src));
        if (dup_col(st, 0, &src->name) < 0 || dup_col(st, 1, &src->kind) < 0 ||
            dup_col(st, 2, &src->origin) < 0)
            goto nomem;
        src->imported_at = sqlite3_column_int64(st, 3);
        src->skipped = (uint64_t)sqlite3_column_int64(st, 4);
        src->records = (uint64_t)sqlite3_column_int64(st, 5);
        src->affected = (uint64_t)sqlite3_column_int64(st, 6);
        if (src->imported_at > out->newest_import)
            out->newest_import = src->imported_at;
    }
    if (s != SQLITE_DONE) {
        r = vdb_sqlerr(db->db, db->path, "cannot read", err);
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (sqlite3_prepare_v2(db->db,
                           "SELECT min(modified), max(modified) FROM vulns"
                           " WHERE modified IS NOT NULL AND modified > '1970-01-02'",
                           -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        r = vdb_sqlerr(db->db, db->path, "cannot read", err);
        goto out;
    }
    if (dup_col(st, 0, &out->oldest_modified) < 0 || dup_col(st, 1, &out->newest_modified) < 0)
        goto nomem;
    goto out;
nomem:
    r = moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", db->path);
out:
    sqlite3_finalize(st);
    if (r < 0)
        moat_vulndb_stats_free(out);
    return r;
}

void moat_vulndb_stats_free(struct moat_vulndb_stats *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n_sources; i++) {
        free(s->sources[i].name);
        free(s->sources[i].kind);
        free(s->sources[i].origin);
    }
    free(s->sources);
    free(s->oldest_modified);
    free(s->newest_modified);
    memset(s, 0, sizeof(*s));
}
