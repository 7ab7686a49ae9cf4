/*
 * scan_db.c - the vulnerability database side of the pipeline: which file,
 * how old, and whether it holds anything for the image's packages at all.
 * An Alpine image matched against a Debian-only database, or any image
 * against a database not updated for months, must not read as clean.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scan/scan_int.h"

#define SCAN_MAX_ECOSYSTEMS 32u /* distinct ecosystems reported in one scan */

/* What the database itself says limits its answers (a tracker CVE list without its DSA list). */
static int db_limits(struct moat_vulndb *db, struct moat_scan_result *r, struct moat_err *err)
{
    char **v = NULL;
    size_t n = 0;
    int rc = moat_vulndb_warnings(db, &v, &n, err);

    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = moat_warnings_add(&r->warnings, err, "db-incomplete", "%s: %s", r->db_path, v[i]);
    moat_vulndb_warnings_free(v, n);
    return rc;
}

int scan_db_open(const struct moat_scan_opts *o, int64_t now, struct moat_vulndb **db,
                 struct moat_scan_result *r, struct moat_err *err)
{
    struct moat_vulndb_stats st = {0};
    char path[4096];
    int rc;

    if (o->db_path != NULL) {
        if (strlen(o->db_path) >= sizeof(path))
            return moat_err_set(err, MOAT_E_ARG, "--db: path longer than %zu bytes",
                                sizeof(path) - 1);
        memcpy(path, o->db_path, strlen(o->db_path) + 1);
    } else if (moat_vulndb_default_path_buf(path, sizeof(path)) < 0) {
        return moat_err_set(err, MOAT_E_NOTFOUND,
                            "no default vulnerability database path (set MOAT_DB or use --db)");
    }
    if ((r->db_path = strdup(path)) == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    if ((rc = moat_vulndb_open(path, 0, db, err)) < 0) {
        if (rc == -MOAT_E_NOTFOUND)
            moat_err_set(err, MOAT_E_NOTFOUND,
                         "%s: no vulnerability database (run 'moat db import PATH' or 'moat db "
                         "update')",
                         path);
        return rc;
    }
    if ((rc = moat_vulndb_info(*db, &st, err)) < 0 || (rc = db_limits(*db, r, err)) < 0)
        return rc;
    if (st.newest_import == 0)
        rc = moat_warnings_add(&r->warnings, err, "db-empty",
                               "%s holds no advisories (run 'moat db import' or 'moat db update')",
                               path);
    else if (now - st.newest_import > MOAT_VULNDB_STALE_SECS)
        rc = moat_warnings_add(&r->warnings, err, "db-stale",
                               "%s was last updated %lld days ago (run 'moat db update')", path,
                               (long long)((now - st.newest_import) / 86400));
    moat_vulndb_stats_free(&st);
    return rc;
}

struct eco_count {
    char name[128]; /* "Debian:12", or "deb on <os>" for one moat cannot match */
    size_t pkgs;
    bool matchable;
};

static const char *pkg_type_name(enum moat_pkg_type t)
{
    return t == MOAT_PKG_DEB ? "deb" : t == MOAT_PKG_APK ? "apk" : t == MOAT_PKG_RPM ? "rpm" : "?";
}

/* Tally the inventory's packages by ecosystem (at most SCAN_MAX_ECOSYSTEMS kept). */
static size_t tally(const struct moat_inventory *inv, struct eco_count *ecos)
{
    size_t n = 0;

    for (size_t i = 0; i < inv->n_pkgs; i++) {
        const struct moat_pkg *p = &inv->pkgs[i];
        enum moat_ecosystem_kind k;
        struct eco_count c = {{0}, 0, true};
        size_t j;

        if (moat_vuln_ecosystem(p, &inv->os, c.name, sizeof(c.name)) < 0 ||
            moat_version_kind_for_ecosystem(c.name, &k) < 0) {
            c.matchable = false;
            snprintf(c.name, sizeof(c.name), "%s packages on %.64s", pkg_type_name(p->type),
                     inv->os.id != NULL ? inv->os.id : "an undetected OS");
        }
        for (j = 0; j < n && strcmp(ecos[j].name, c.name) != 0; j++)
            ;
        if (j == n) {
            if (n == SCAN_MAX_ECOSYSTEMS)
                continue;
            ecos[n++] = c;
        }
        ecos[j].pkgs++;
    }
    return n;
}

int scan_db_match(const struct moat_scan_opts *o, struct moat_vulndb *db,
                  struct moat_scan_result *r, struct moat_err *err)
{
    struct eco_count ecos[SCAN_MAX_ECOSYSTEMS];
    struct moat_match_stats stats = {0};
    size_t n;
    int rc;

    if ((rc = moat_vuln_match(db, &r->inv, &o->match, &r->findings, &stats, err)) < 0)
        return rc;
    n = tally(&r->inv, ecos);
    for (size_t i = 0; i < n && rc == 0; i++) {
        bool covered = false;

        if (!ecos[i].matchable) {
            rc = moat_warnings_add(&r->warnings, err, "ecosystem-unsupported",
                                   "%zu %s were not matched: moat has no advisory ecosystem for "
                                   "them",
                                   ecos[i].pkgs, ecos[i].name);
            continue;
        }
        if ((rc = moat_vulndb_covers(db, ecos[i].name, &covered, err)) < 0)
            break;
        if (!covered)
            rc = moat_warnings_add(&r->warnings, err, "db-no-advisories",
                                   "%s holds no advisories for %s (%zu packages were not checked; "
                                   "import them with 'moat db import' or 'moat db update')",
                                   r->db_path, ecos[i].name, ecos[i].pkgs);
    }
    if (rc == 0 && stats.bad_versions > 0)
        rc = moat_warnings_add(&r->warnings, err, "advisory-versions-unparsable",
                               "%zu advisory ranges were skipped: their versions could not be "
                               "parsed",
                               stats.bad_versions);
    return rc;
}
