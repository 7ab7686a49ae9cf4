/*
 * vuln_int.h - shared between the vulnerability database files: the open
 * handle, the importer context the format parsers write through, the
 * bounds applied to hostile records, and ecosystem normalisation.
 */
#ifndef MOAT_VULN_VULN_INT_H
#define MOAT_VULN_VULN_INT_H

#include <jansson.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "moat/base/buf.h"
#include "moat/base/error.h"
#include "moat/base/json.h"
#include "moat/base/json_stream.h"
#include "moat/vuln/vulndb.h"

/* Bounds for hostile databases (see base/limits.h for the image-side ones). */
#define VDB_MAX_ID_LEN 256u              /* vulnerability id, alias, ecosystem, package */
#define VDB_MAX_STR_LEN (1u << 20)       /* summary, details, any other string */
#define VDB_MAX_VERSION_LEN 1024u        /* one version in a range or versions list */
#define VDB_MAX_RECORD_BYTES (32u << 20) /* one OSV JSON file or zip entry */
#define VDB_MAX_DIR_DEPTH 32u
#define VDB_MAX_DIR_FILES 2000000u
#define VDB_MAX_ZIP_ENTRIES 2000000u
#define VDB_MAX_ITEMS 1000000u /* entries in one array (versions, events, ...) */
/* Streamed JSON documents (import_json.c): memory follows one value, so the
 * document may be large; one record, tracker package or feed entry may not. */
#define VDB_MAX_STREAM_BYTES (8ull << 30)
#define VDB_MAX_VALUE_BYTES (16u << 20)
#define VDB_MAX_STREAM_ITEMS 4000000u

#define VDB_SRC_OSV "osv"
#define VDB_SRC_TRACKER "debian-tracker"
#define VDB_SRC_SECDB "alpine-secdb"
#define VDB_SRC_NVD "nvd"

struct moat_vulndb {
    sqlite3 *db;
    char *path;
    int writable;
    sqlite3_stmt *q_affected; /* each_affected */
    sqlite3_stmt *q_metrics;  /* moat_vulndb_metrics; NULL in a schema 1 database */
    moat_vulndb_progress_fn progress;
    void *progress_ctx;
};

/* One record's worth of data handed to the store (strings may be NULL). */
struct vdb_vuln {
    const char *id, *source, *feed;
    const char *summary, *details, *published, *modified;
    int withdrawn;
    const char *source_severity;
    const char *refs;     /* URLs, one per line, or NULL */
    const char *severity; /* "TYPE\tSCORE\n" lines, or NULL */
    const char *const *aliases;
    size_t n_aliases;
};

struct vdb_affected {
    const char *ecosystem, *package, *purl;
    const char *ranges;   /* encoded: "R<kind>\n" then "<i|f|l|m><version>\n" per event */
    const char *versions; /* "<version>\n" per version, or NULL */
    const char *distro_status, *distro_severity;
};

/* The importer: prepared statements over one open transaction. */
struct vdb_imp {
    struct moat_vulndb *vdb;
    struct moat_import_report *rep;
    const char *origin; /* path or URL, for the sources table */
    int64_t now;
    sqlite3_stmt *find_vuln, *ins_vuln, *upd_vuln, *del_aff, *del_alias, *ins_alias, *ins_aff;
    sqlite3_stmt *del_metrics, *ins_metric; /* prepared by nvd.c when first needed */
    /* feeds touched in this transaction, with the records they were given */
    char **feeds;
    uint64_t *feed_skipped;
    size_t n_feeds;
    uint64_t last_progress;
    uint64_t tracker_seq; /* order of the tracker list notes written */
};

/* Where a document is read from, once per pass: a file from its start (fd >=
 * 0; gzip data is recognised and inflated for JSON), else bytes in memory. */
struct vdb_src {
    int fd;
    const void *mem;
    size_t len;
};

/* Record a skipped record: counts it and keeps the first reasons. Never fails. */
void vdb_skip(struct vdb_imp *im, const char *feed, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Note a feed as touched (so sources is updated at commit). */
int vdb_touch_feed(struct vdb_imp *im, const char *feed, struct moat_err *err);
/* Insert or replace a vulnerability; *vid receives its row id. With replace,
 * its affected rows and aliases are dropped first (OSV semantics); without,
 * an existing row is kept as it is (tracker/secdb CVE rows shared by packages). */
int vdb_put_vuln(struct vdb_imp *im, const struct vdb_vuln *v, bool replace, int64_t *vid,
                 struct moat_err *err);
int vdb_put_affected(struct vdb_imp *im, int64_t vid, const char *vuln_id, const char *source,
                     const char *feed, const struct vdb_affected *a, struct moat_err *err);
/* Drop what a feed imported before (tracker/secdb whole-file replacement). */
int vdb_drop_feed(struct vdb_imp *im, const char *feed, struct moat_err *err);
void vdb_progress(struct vdb_imp *im);

/* Format parsers, one record (or package) at a time; import_json.c streams
 * the documents and hands them over. name/label is the file (or zip entry)
 * for messages. They return 0 (malformed records skipped through vdb_skip),
 * or a negative error for a database failure or a document that is not of
 * the format at all. */
int vdb_osv_record(struct vdb_imp *im, const char *label, json_t *rec, const char *feed_hint,
                   struct moat_err *err);
struct vdb_secdb {
    char eco[VDB_MAX_ID_LEN + 16], feed[VDB_MAX_ID_LEN * 2 + 32];
};
/* Check distroversion/reponame and replace the feed they name. */
int vdb_secdb_begin(struct vdb_imp *im, const char *name, const char *distroversion,
                    const char *reponame, struct vdb_secdb *sd, struct moat_err *err);
int vdb_secdb_package(struct vdb_imp *im, const struct vdb_secdb *sd, const char *name, json_t *pkg,
                      size_t index, struct moat_err *err);
/* One NVD CVE API 2.0 "cve" object (nvd.c). */
int vdb_nvd_record(struct vdb_imp *im, const char *label, json_t *cve, struct moat_err *err);
/* The tracker JSON dump: replace the feed, then one source package's {CVE: entry} at a time. */
int vdb_tracker_json_begin(struct vdb_imp *im, struct moat_err *err);
int vdb_tracker_json_package(struct vdb_imp *im, const char *name, const char *pkg, json_t *cves,
                             struct moat_err *err);
/* A tracker list file (CVE, DSA or DLA list), decided per release (debian_list.c). */
int vdb_tracker_list_import(struct vdb_imp *im, const char *name, const struct vdb_src *src,
                            struct moat_err *err);
/* Whether data starts like a tracker list; *is_dsa for a DSA or DLA list. */
bool vdb_is_tracker_list(const char *data, size_t len, bool *is_dsa);

/* A JSON string field: absent/null -> *out NULL and 0; not a string, too long,
 * containing NUL (or control characters when line_safe) -> -1 with why set. */
int vdb_json_str(json_t *o, const char *key, size_t max, bool line_safe, const char **out,
                 const char **why);
bool vdb_line_safe(const char *s);
/* The same for n bytes, tabs allowed. */
bool vdb_line_safe_n(const char *s, size_t n);
/* An id of n bytes: 1 to VDB_MAX_ID_LEN bytes, no space or control character. */
bool vdb_id_ok(const char *s, size_t n);

/* Ecosystem and package keys (see vulndb.h). buf gets the key. 0 or -1 when too long. */
int vdb_eco_key(const char *ecosystem, char *buf, size_t cap);
/* The ecosystem without its release ("Debian:12" -> "Debian"), into buf. */
int vdb_eco_base(const char *ecosystem, char *buf, size_t cap);
int vdb_pkg_key(const char *eco_key, const char *package, char *buf, size_t cap);
bool vdb_eco_known(const char *ecosystem);
/* Debian codename -> "12" etc., NULL when unknown. */
const char *vdb_debian_release(const char *codename);

/* Import a JSON document of any format moat reads (import_json.c). */
int vdb_import_json(struct vdb_imp *im, const char *name, const struct vdb_src *src,
                    const char *feed_hint, struct moat_err *err);
/* Import one OSV zip entry (a record, an array or {"vulns": [...]}) as rd reads it. */
int vdb_import_osv_read(struct vdb_imp *im, const char *label, moat_json_read_fn rd, void *rctx,
                        const char *feed_hint, struct moat_err *err);

/* A savepoint around one document: what it wrote is undone, and the counts
 * it added forgotten (the skip reasons are kept), when it fails half-way. */
struct vdb_mark {
    struct moat_import_report rep;
    size_t n_feeds;
};
int vdb_mark_begin(struct vdb_imp *im, struct vdb_mark *m, struct moat_err *err);
int vdb_mark_release(struct vdb_imp *im, struct moat_err *err);
void vdb_mark_rollback(struct vdb_imp *im, const struct vdb_mark *m);

/* Schema */
int vdb_schema_init(sqlite3 *db, const char *path, struct moat_err *err);
int vdb_exec(sqlite3 *db, const char *path, const char *sql, struct moat_err *err);
int vdb_sqlerr(sqlite3 *db, const char *path, const char *what, struct moat_err *err);

/* Importer lifecycle (vulndb_import.c): begin a transaction, commit or roll back. */
int vdb_imp_begin(struct vdb_imp *im, struct moat_vulndb *vdb, const char *origin,
                  struct moat_import_report *rep, struct moat_err *err);
int vdb_imp_commit(struct vdb_imp *im, struct moat_err *err);
void vdb_imp_abort(struct vdb_imp *im);
/* Import a zip file fully (strict: any read error refuses it). */
int vdb_import_zip_file(struct vdb_imp *im, const char *path, const char *feed_hint,
                        struct moat_err *err);

/* CVSS v4.0 MacroVector score (FIRST's lookup table, cvss_v4_table.c); eq1..eq6 as the spec
 * numbers them. */
double vuln_cvss4_macro_score(int eq1, int eq2, int eq3, int eq4, int eq5, int eq6);

#endif
