/*
 * vulndb.h - the local vulnerability database: OSV records, the Debian
 * Security Tracker and Alpine secdb imported into one SQLite file, indexed
 * for lookups by (ecosystem, package), and NVD's CVSS metrics by CVE id.
 *
 * Ownership: handles are opaque and freed with their _close/_free; every
 * pointer handed to a callback is valid only during that call; strings in a
 * struct moat_vuln_info are owned by it (moat_vuln_info_free).
 *
 * Ecosystem matching (moat_vulndb_each_affected): names are compared by a
 * normalised key: case-insensitive, Debian codenames turned into release
 * numbers ("Debian:bookworm" = "Debian:12"), Alpine releases given a "v"
 * ("Alpine:3.20" = "Alpine:v3.20"), Ubuntu's ":LTS"/":Pro" qualifiers
 * dropped ("Ubuntu:22.04:LTS" = "Ubuntu:22.04"). Per the OSV schema an entry
 * whose ecosystem has no release ("Debian") applies to every release, so a
 * lookup for "Debian:12" also returns "Debian" entries. PyPI package names
 * are compared in PEP 503 form (case-insensitive, runs of -_. equal).
 *
 * This room prints nothing; progress goes through a callback.
 */
#ifndef MOAT_VULN_VULNDB_H
#define MOAT_VULN_VULNDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "moat/base/error.h"

#define MOAT_VULNDB_SCHEMA_VERSION 2
/* A database whose newest import is older than this deserves a warning. */
#define MOAT_VULNDB_STALE_SECS (7 * 24 * 3600)

struct moat_vulndb;

/*
 * Open the database at path. writable: create it (and its directory's
 * missing last component is NOT created) when absent, and allow imports.
 * Read-only opens fail with -MOAT_E_NOTFOUND when the file does not exist and
 * -MOAT_E_FORMAT when it is not a moat database of this schema version.
 * path ":memory:" gives an empty in-memory database (tests, fuzzing).
 */
int moat_vulndb_open(const char *path, int writable, struct moat_vulndb **out,
                     struct moat_err *err);
void moat_vulndb_close(struct moat_vulndb *db);

/* $MOAT_DB, else $XDG_CACHE_HOME/moat/vuln.db, else $HOME/.cache/moat/vuln.db.
 * Returns 0, or -MOAT_E_LIMIT when cap is too small, -MOAT_E_NOTFOUND with no HOME. */
int moat_vulndb_default_path_buf(char *buf, size_t cap);

/*
 * Whether any advisory in db is for ecosystem ("Debian:12", "Alpine:v3.20"),
 * counting records for the ecosystem as a whole ("Debian") as
 * moat_vulndb_each_affected does. 0 and *out, or a database error.
 */
int moat_vulndb_covers(struct moat_vulndb *db, const char *ecosystem, bool *out,
                       struct moat_err *err);

enum moat_event_kind {
    MOAT_EV_INTRODUCED = 1,
    MOAT_EV_FIXED,
    MOAT_EV_LAST_AFFECTED,
    MOAT_EV_LIMIT
};
enum moat_range_kind { MOAT_RANGE_ECOSYSTEM = 1, MOAT_RANGE_SEMVER, MOAT_RANGE_GIT };

struct moat_range_event {
    enum moat_event_kind kind;
    const char *version;
};
struct moat_range {
    enum moat_range_kind kind;
    const struct moat_range_event *events; /* in record order (not sorted) */
    size_t n_events;
};

struct moat_affected {
    const char *vuln_id;   /* OSV id, or the CVE id for tracker/secdb records */
    const char *source;    /* "osv", "debian-tracker", "alpine-secdb" */
    const char *ecosystem; /* exact, e.g. "Debian:12" */
    const char *package;   /* as the record names it (Debian, Alpine: source package) */
    const char *purl;      /* or NULL */
    const struct moat_range *ranges;
    size_t n_ranges;
    const char *const *versions; /* explicit affected versions */
    size_t n_versions;
    /* "no-dsa", "ignored", "postponed", "unfixed", "end-of-life", "undetermined",
     * "fixed-in-unstable" (the Debian tracker knows only unstable's fix: a version below
     * it is affected with no fix in this release), or NULL */
    const char *distro_status;
    const char *distro_severity; /* tracker urgency, ecosystem_specific severity, or NULL */
};

/*
 * Call fn for every affected entry for (ecosystem, package) (see the top of
 * this file for how names match). fn returns 0 to continue, <0 to stop: that
 * value is returned. Returns 0, or a negative error.
 */
int moat_vulndb_each_affected(struct moat_vulndb *db, const char *ecosystem, const char *package,
                              int (*fn)(void *ctx, const struct moat_affected *a), void *ctx,
                              struct moat_err *err);

/* One CVSS metric NVD gives for a CVE. */
struct moat_vuln_metric {
    const char *type;   /* "CVSS_V4", "CVSS_V3" (3.0 or 3.1) or "CVSS_V2" */
    const char *scorer; /* NVD's "source": nvd@nist.gov, a CNA's address or id; may be NULL */
    int primary;        /* NVD's own ("Primary"), else a CNA's or CISA-ADP's ("Secondary") */
    const char *vector; /* as NVD gives it: "CVSS:3.1/AV:N/..." or a v2 "AV:N/AC:L/..." */
    double score;       /* computed from the vector (cvss.c) */
};

/*
 * Call fn for each CVSS metric the imported NVD records give for cve, in the
 * order a severity is taken from them: v4.0, v3.1, v3.0, v2, Primary before
 * Secondary within a version. fn returns 0 to go on, >0 to stop, <0 to fail
 * (returned). Nothing when NVD records were not imported. Returns 0 or a
 * negative error.
 */
int moat_vulndb_metrics(struct moat_vulndb *db, const char *cve,
                        int (*fn)(void *ctx, const struct moat_vuln_metric *m), void *ctx,
                        struct moat_err *err);

struct moat_vuln_severity {
    char *type;  /* "CVSS_V3", "CVSS_V4", "Ubuntu", ... */
    char *score; /* vector or score as the record gives it */
};

struct moat_vuln_info {
    char *id;
    char **aliases; /* OSV aliases, upstream and related ids; DSA/CVE cross-references */
    size_t n_aliases;
    char *summary, *details, *published, *modified; /* NULL when absent */
    int withdrawn;                                  /* the record carries "withdrawn" */
    struct moat_vuln_severity *severity;
    size_t n_severity;
    char *source_severity; /* database_specific / ecosystem_specific severity or tracker urgency */
    char **references;     /* URLs */
    size_t n_references;
    char *source; /* "osv", "debian-tracker", "alpine-secdb" */
};

/*
 * Fill out (zeroed first) with the record id. When several sources hold the
 * id (a CVE in the Debian tracker and in Alpine secdb), OSV wins, then
 * debian-tracker, then alpine-secdb. -MOAT_E_NOTFOUND when absent.
 */
int moat_vulndb_get(struct moat_vulndb *db, const char *id, struct moat_vuln_info *out,
                    struct moat_err *err);
void moat_vuln_info_free(struct moat_vuln_info *v);

struct moat_vulndb_source {
    char *name;   /* feed: "osv:Go", "osv:Debian", "debian-tracker", "alpine-secdb:v3.20/main" */
    char *kind;   /* "osv", "debian-tracker", "alpine-secdb" */
    char *origin; /* path or URL of the last import */
    int64_t imported_at; /* Unix time of the last import */
    uint64_t records;    /* vulnerability records of this feed in the database */
    uint64_t affected;   /* affected rows of this feed */
    uint64_t skipped;    /* malformed records skipped by the last import */
};

struct moat_vulndb_stats {
    struct moat_vulndb_source *sources;
    size_t n_sources;
    uint64_t vulns, affected, aliases;
    char *oldest_modified, *newest_modified; /* over all records; NULL when none */
    int64_t newest_import;                   /* 0 when nothing was imported */
    int schema_version;
};

int moat_vulndb_info(struct moat_vulndb *db, struct moat_vulndb_stats *out, struct moat_err *err);
void moat_vulndb_stats_free(struct moat_vulndb_stats *s);

/*
 * What limits the answers this database can give, one sentence each (the
 * caller frees them with moat_vulndb_warnings_free): the Debian tracker's CVE
 * list imported without its DSA list (stable releases' fixes unknown) or
 * without its DLA list (LTS releases' fixes unknown). 0, or a negative error.
 */
int moat_vulndb_warnings(struct moat_vulndb *db, char ***out, size_t *n, struct moat_err *err);
void moat_vulndb_warnings_free(char **v, size_t n);

/* Lines kept about skipped records, in order of discovery. */
#define MOAT_IMPORT_REASONS 5

struct moat_import_report {
    uint64_t files;              /* input files read (JSON files, zip entries, list files) */
    uint64_t records;            /* records imported (OSV records, tracker/secdb CVE entries) */
    uint64_t affected;           /* affected rows written */
    uint64_t skipped;            /* malformed records skipped */
    uint64_t unknown_ecosystems; /* affected entries with an ecosystem moat does not know (kept) */
    uint64_t ignored;            /* files not recognised, symlinks and special files not followed */
    uint64_t
        refused; /* whole inputs refused (truncated zip, unreadable file): nothing kept from them */
    size_t n_reasons;
    char
        *reasons[MOAT_IMPORT_REASONS]; /* "GO-2023-1234.json: affected[0].ranges: expected array" */
};
void moat_import_report_free(struct moat_import_report *r);

/* Progress while importing: called at most every 256 files with the running counts. */
typedef void (*moat_vulndb_progress_fn)(void *ctx, const struct moat_import_report *rep);
void moat_vulndb_set_progress(struct moat_vulndb *db, moat_vulndb_progress_fn fn, void *ctx);

/*
 * Import path (needs a writable handle): an OSV JSON record, an osv.dev API
 * answer {"vulns":[...]}, a JSON array of records, a zip of records (as
 * osv.dev publishes per ecosystem), a Debian Security Tracker JSON dump or
 * list file (data/CVE/list, data/DSA/list, data/DLA/list, in any order, in
 * one call or several: see debian_list.c), an Alpine secdb JSON file, NVD
 * CVE API 2.0 records, answers or yearly feeds (nvd.c), or a
 * directory of any of these (recursive, at most 32 levels and 2 million
 * files; symlinks and special files are not followed). JSON is streamed,
 * also gzip-compressed. Records replace those with the same id and source;
 * a tracker or secdb file replaces what the same feed imported before.
 *
 * Each top-level path is one transaction: an interrupted import leaves the
 * database as it was. Malformed records are skipped and counted in rep
 * (accumulated across calls). A zip that cannot be read to its end
 * (truncated, corrupt) is refused whole: rep->refused is incremented and the
 * import goes on with the rest. Returns 0 when everything was read
 * (possibly with skipped records), -MOAT_E_FORMAT when some input was refused
 * (err names it), or another negative error for a database failure.
 */
int moat_vulndb_import_path(struct moat_vulndb *db, const char *path,
                            struct moat_import_report *rep, struct moat_err *err);
/* The same for bytes in memory; name identifies them in messages and picks the
 * format only through content (and a ".zip" suffix). */
int moat_vulndb_import_mem(struct moat_vulndb *db, const char *name, const void *data, size_t len,
                           struct moat_import_report *rep, struct moat_err *err);

/*
 * db update: fetch the OSV zip of each ecosystem (url_base/<ECOSYSTEM>/all.zip)
 * and replace that feed in a copy of the database, then rename the copy over
 * db_path. Any failure (download, truncated zip, disk) leaves db_path as it
 * was. ecosystems NULL/0: the OSV feeds already in the database.
 *
 * fetch downloads url into the open file fd (truncated, empty) and returns 0
 * or a negative error; moat_vulndb_fetch_curl (db_update_curl.c) is the real
 * one, tests pass their own.
 */
typedef int (*moat_vulndb_fetch_fn)(void *ctx, const char *url, int fd, struct moat_err *err);
int moat_vulndb_fetch_curl(void *ctx, const char *url, int fd, struct moat_err *err);
/* Largest zip moat_vulndb_fetch_curl accepts. */
#define MOAT_VULNDB_MAX_DOWNLOAD (2ull << 30)
#define MOAT_VULNDB_DEFAULT_URL "https://osv-vulnerabilities.storage.googleapis.com"

struct moat_vulndb_update_opts {
    const char *const *ecosystems;
    size_t n_ecosystems;
    const char *url_base;       /* NULL: MOAT_VULNDB_DEFAULT_URL */
    moat_vulndb_fetch_fn fetch; /* required (the CLI passes moat_vulndb_fetch_curl) */
    void *fetch_ctx;
    moat_vulndb_progress_fn progress;
    void *progress_ctx;
};
int moat_vulndb_update(const char *db_path, const struct moat_vulndb_update_opts *opts,
                       struct moat_import_report *rep, struct moat_err *err);

#endif
