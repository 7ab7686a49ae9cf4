/*
 * import_json.c - the JSON documents `db import` reads, streamed
 * (base/json_stream.h) so that memory follows one record, never the
 * document: OSV records, arrays of them and osv.dev API answers
 * {"vulns": [...]}, Alpine secdb files, the Debian Security Tracker's JSON
 * dump {PACKAGE: {CVE: ...}}, and NVD CVE API 2.0 records and feeds
 * {"vulnerabilities": [{"cve": ...}]} (also gzip-compressed, as NVD
 * publishes its yearly files).
 *
 * A document is read twice. The first pass looks only at the top-level keys
 * (building nothing but the two secdb strings) and usually stops after the
 * first one or two: "vulnerabilities" is an NVD feed, "id" with an NVD field
 * an NVD record, an OSV-only field an OSV record, packages + distroversion
 * + reponame a secdb file, a first member holding an object under a name no
 * format uses a tracker dump. Otherwise it reads to the end and decides as
 * before streaming did: secdb, NVD, OSV (id, vulns or schema_version), then
 * a tracker dump when the first member is an object. The second pass
 * imports one record, package or feed entry at a time.
 *
 * Zip entries are OSV (osv.dev's per-ecosystem zips): they are read once,
 * straight from the archive.
 */
#include "vuln_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "moat/base/json_stream.h"
#include "moat/base/limits.h"

static const struct moat_json_limits DOC_LIMITS = {
    .max_bytes = VDB_MAX_STREAM_BYTES,
    .max_value = VDB_MAX_VALUE_BYTES,
    .max_items = VDB_MAX_STREAM_ITEMS,
    .max_depth = MOAT_MAX_JSON_DEPTH,
    .max_string = VDB_MAX_VALUE_BYTES, /* longer fields are skipped record by record */
};

static bool in(const char *key, const char *const *set, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(key, set[i]) == 0)
            return true;
    return false;
}

#define IN(key, set) in(key, set, sizeof(set) / sizeof(set[0]))

/* Fields only OSV records have (NVD records share id, published, references, affected). */
static const char *const OSV_ONLY[] = {"schema_version", "modified",          "aliases", "upstream",
                                       "related",        "withdrawn",         "summary", "details",
                                       "severity",       "database_specific", "credits"};
static const char *const NVD_ONLY[] = {
    "sourceIdentifier", "vulnStatus",     "descriptions", "metrics",        "lastModified",
    "cveTags",          "configurations", "weaknesses",   "vendorComments", "cisaExploitAdd"};
static const char *const OTHER_KEYS[] = {
    "id",       "vulns",         "affected",  "references",     "published",  "packages",
    "reponame", "distroversion", "archs",     "urlprefix",      "apkurl",     "vulnerabilities",
    "format",   "version",       "timestamp", "resultsPerPage", "startIndex", "totalResults"};

enum doc { DOC_UNKNOWN = 0, DOC_OSV, DOC_SECDB, DOC_TRACKER, DOC_NVD, DOC_NVD_FEED };

struct sniff {
    bool id, vulns, vulns_array, vulnerabilities, nvd, osv, packages, schema_version;
    bool dv_seen, first_seen, first_unknown;
    json_type first_type;
    char *dv, *repo;
    enum doc doc;
};

static enum moat_json_pick sniff_pick(void *ctx, const char *key)
{
    struct sniff *s = ctx;

    s->id |= strcmp(key, "id") == 0;
    s->vulns |= strcmp(key, "vulns") == 0;
    s->vulnerabilities |= strcmp(key, "vulnerabilities") == 0;
    s->packages |= strcmp(key, "packages") == 0;
    s->schema_version |= strcmp(key, "schema_version") == 0;
    s->osv |= IN(key, OSV_ONLY);
    s->nvd |= IN(key, NVD_ONLY);
    if (!s->first_seen)
        s->first_unknown = !IN(key, OSV_ONLY) && !IN(key, NVD_ONLY) && !IN(key, OTHER_KEYS);
    return strcmp(key, "distroversion") == 0 || strcmp(key, "reponame") == 0 ? MOAT_JSON_KEEP
                                                                             : MOAT_JSON_SKIP;
}

/* What the keys seen so far say for sure (early), or at the end of the document (!early). */
static enum doc decide(const struct sniff *s, json_type root, bool early)
{
    if (root == JSON_ARRAY)
        return DOC_OSV;
    if (s->packages && s->dv_seen && (!early || s->repo != NULL))
        return DOC_SECDB;
    if (s->vulnerabilities)
        return DOC_NVD_FEED;
    if (s->id && s->nvd)
        return DOC_NVD;
    if (early) {
        if ((s->osv || s->vulns_array) && !s->nvd && !s->packages)
            return DOC_OSV;
        if (s->first_seen && s->first_unknown && s->first_type == JSON_OBJECT)
            return DOC_TRACKER;
        return DOC_UNKNOWN;
    }
    if (s->id || s->vulns || s->schema_version)
        return DOC_OSV;
    if (s->first_seen && s->first_type == JSON_OBJECT)
        return DOC_TRACKER;
    return DOC_UNKNOWN;
}

static int sniff_item(void *ctx, const struct moat_json_item *it, struct moat_err *err)
{
    struct sniff *s = ctx;

    (void)err;
    if (it->key != NULL && !s->first_seen) {
        s->first_seen = true;
        s->first_type = it->type;
    }
    if (it->key != NULL && it->value != NULL && json_is_string(it->value)) {
        char **slot = strcmp(it->key, "distroversion") == 0 ? &s->dv : &s->repo;

        free(*slot);
        if ((*slot = strdup(json_string_value(it->value))) == NULL)
            return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    }
    if (it->key != NULL && strcmp(it->key, "distroversion") == 0)
        s->dv_seen = true;
    if (it->key != NULL && strcmp(it->key, "vulns") == 0 && it->type == JSON_ARRAY)
        s->vulns_array = true;
    s->doc = decide(s, it->key == NULL ? JSON_ARRAY : JSON_OBJECT, true);
    return s->doc != DOC_UNKNOWN ? 1 : 0;
}

/* ---- reading a source, plain or gzip ---- */

struct gz_src {
    gzFile gz;
    const char *name;
    uint64_t out;
};

static int gz_read(void *rctx, void *buf, size_t cap, size_t *got, struct moat_err *err)
{
    struct gz_src *g = rctx;
    int n = gzread(g->gz, buf, (unsigned)(cap > (1u << 30) ? 1u << 30 : cap)), e = Z_OK;
    const char *why = gzerror(g->gz, &e);
    off_t in = gzoffset(g->gz);

    if (n < 0 || (n == 0 && e == Z_BUF_ERROR) || (e != Z_OK && e != Z_BUF_ERROR))
        return moat_err_set(err, MOAT_E_FORMAT, "%s: damaged or truncated gzip data: %s", g->name,
                            n == 0 && e == Z_BUF_ERROR ? "unexpected end" : why);
    g->out += (uint64_t)n;
    if (g->out > (64u << 20) && in > 0 && g->out / (uint64_t)in > MOAT_MAX_INFLATE_RATIO)
        return moat_err_set(err, MOAT_E_LIMIT, "%s: gzip data expands more than %u times", g->name,
                            MOAT_MAX_INFLATE_RATIO);
    *got = (size_t)n;
    return 0;
}

static int stream_src(const struct vdb_src *src, const char *name, struct moat_json_visitor *v,
                      struct moat_err *err)
{
    unsigned char magic[2] = {0};
    struct gz_src g = {NULL, name, 0};
    int fd, r;

    if (src->fd < 0)
        return moat_json_stream_mem(src->mem, src->len, name, &DOC_LIMITS, v, err);
    if (lseek(src->fd, 0, SEEK_SET) != 0)
        return moat_err_set(err, MOAT_E_IO, "%s: cannot seek: %s", name, strerror(errno));
    if (pread(src->fd, magic, 2, 0) != 2 || magic[0] != 0x1f || magic[1] != 0x8b)
        return moat_json_stream_fd(src->fd, name, &DOC_LIMITS, v, err);
    fd = dup(src->fd);
    if (fd < 0 || (g.gz = gzdopen(fd, "rb")) == NULL) {
        if (fd >= 0)
            close(fd);
        return moat_err_set(err, MOAT_E_NOMEM, "%s: cannot read gzip data", name);
    }
    gzbuffer(g.gz, 1u << 16);
    r = moat_json_stream_read(gz_read, &g, name, &DOC_LIMITS, v, err);
    gzclose(g.gz);
    return r;
}

/* ---- OSV: records, arrays of them, {"vulns": [...]} ---- */

struct osv_doc {
    struct vdb_imp *im;
    const char *name, *feed_hint;
    json_t *rec; /* the members of a single record */
    size_t rec_size;
    bool vulns_array, vulns_bad;
};

static enum moat_json_pick osv_pick(void *ctx, const char *key)
{
    (void)ctx;
    return strcmp(key, "vulns") == 0 ? MOAT_JSON_EACH : MOAT_JSON_KEEP;
}

static int osv_list_record(struct osv_doc *d, json_t *rec, size_t index, struct moat_err *err)
{
    char label[600];
    int r;

    snprintf(label, sizeof(label), "%s: [%zu]", d->name, index);
    r = vdb_osv_record(d->im, label, rec, d->feed_hint, err);
    vdb_progress(d->im);
    return r < 0 ? r : 0;
}

static int osv_item(void *ctx, const struct moat_json_item *it, struct moat_err *err)
{
    struct osv_doc *d = ctx;

    if (it->parent == NULL && it->key == NULL) /* an element of a root array */
        return osv_list_record(d, it->value, it->index, err);
    if (it->parent != NULL) { /* an element (or, wrongly, a member) of "vulns" */
        if (it->key == NULL)
            return osv_list_record(d, it->value, it->index, err);
        d->vulns_bad = true;
        return 0;
    }
    if (strcmp(it->key, "vulns") == 0 && it->value == NULL) {
        d->vulns_array = it->type == JSON_ARRAY;
        d->vulns_bad |= it->type != JSON_ARRAY;
        return 0;
    }
    /* a member of a single record: kept until the record ends, bounded like one value */
    if (it->size > VDB_MAX_VALUE_BYTES - d->rec_size)
        return moat_err_set(err, MOAT_E_LIMIT, "%s: record larger than %u bytes", d->name,
                            VDB_MAX_VALUE_BYTES);
    d->rec_size += it->size;
    if (json_object_set(d->rec, it->key, it->value) < 0)
        return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", d->name);
    return 0;
}

/* After the document: a root object without "id" but with "vulns" was a list, else a record. */
static int osv_end(struct osv_doc *d, json_type root, struct moat_err *err)
{
    int r;

    if (root != JSON_OBJECT)
        return 0;
    if (json_object_get(d->rec, "id") == NULL && (d->vulns_array || d->vulns_bad)) {
        if (d->vulns_bad)
            vdb_skip(d->im, d->feed_hint, "%s: vulns: expected array", d->name);
        return 0;
    }
    r = vdb_osv_record(d->im, d->name, d->rec, d->feed_hint, err);
    return r < 0 ? r : 0;
}

static int import_osv(struct vdb_imp *im, const char *name, const char *feed_hint,
                      const struct vdb_src *src, moat_json_read_fn rd, void *rctx,
                      struct moat_err *err)
{
    struct osv_doc d = {.im = im, .name = name, .feed_hint = feed_hint, .rec = json_object()};
    struct moat_json_visitor v = {.pick = osv_pick, .item = osv_item, .ctx = &d};
    int r;

    if (d.rec == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", name);
    r = src != NULL ? stream_src(src, name, &v, err)
                    : moat_json_stream_read(rd, rctx, name, &DOC_LIMITS, &v, err);
    if (r == 0)
        r = osv_end(&d, v.root, err);
    json_decref(d.rec);
    return r;
}

/* ---- Alpine secdb: {"distroversion", "reponame", "packages": [...]} ---- */

struct secdb_doc {
    struct vdb_imp *im;
    const char *name;
    struct vdb_secdb sd;
    bool packages_array;
};

static enum moat_json_pick secdb_pick(void *ctx, const char *key)
{
    (void)ctx;
    return strcmp(key, "packages") == 0 ? MOAT_JSON_EACH : MOAT_JSON_SKIP;
}

static int secdb_item(void *ctx, const struct moat_json_item *it, struct moat_err *err)
{
    struct secdb_doc *d = ctx;

    if (it->parent != NULL && it->key == NULL)
        return vdb_secdb_package(d->im, &d->sd, d->name, it->value, it->index, err);
    if (it->parent != NULL || (it->key != NULL && strcmp(it->key, "packages") == 0 &&
                               (it->value != NULL || it->type != JSON_ARRAY)))
        return moat_err_set(err, MOAT_E_FORMAT, "%s: packages: expected array", d->name);
    return 0;
}

/* ---- the tracker's JSON dump: one source package at a time ---- */

struct tracker_doc {
    struct vdb_imp *im;
    const char *name;
};

static int tracker_item(void *ctx, const struct moat_json_item *it, struct moat_err *err)
{
    struct tracker_doc *d = ctx;
    int r;

    if (it->key == NULL)
        return 0;
    r = vdb_tracker_json_package(d->im, d->name, it->key, it->value, err);
    vdb_progress(d->im);
    return r;
}

/* ---- NVD: a "cve" object, or {"vulnerabilities": [{"cve": ...}]} ---- */

struct nvd_doc {
    struct vdb_imp *im;
    const char *name;
    json_t *rec; /* the members of a single record */
    size_t rec_size;
    bool feed;
};

static enum moat_json_pick nvd_pick(void *ctx, const char *key)
{
    struct nvd_doc *d = ctx;

    if (!d->feed)
        return MOAT_JSON_KEEP;
    return strcmp(key, "vulnerabilities") == 0 ? MOAT_JSON_EACH : MOAT_JSON_SKIP;
}

static int nvd_item(void *ctx, const struct moat_json_item *it, struct moat_err *err)
{
    struct nvd_doc *d = ctx;
    char label[600];
    int r;

    if (!d->feed) {
        if (it->key == NULL || it->value == NULL)
            return 0;
        if (it->size > VDB_MAX_VALUE_BYTES - d->rec_size)
            return moat_err_set(err, MOAT_E_LIMIT, "%s: record larger than %u bytes", d->name,
                                VDB_MAX_VALUE_BYTES);
        d->rec_size += it->size;
        return json_object_set(d->rec, it->key, it->value) < 0
                   ? moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", d->name)
                   : 0;
    }
    if (it->parent == NULL) { /* a skipped member, or "vulnerabilities" itself */
        if (strcmp(it->key, "vulnerabilities") == 0 && it->type != JSON_ARRAY)
            vdb_skip(d->im, "nvd", "%s: vulnerabilities: expected array", d->name);
        return 0;
    }
    if (it->key != NULL)
        return 0; /* members of a "vulnerabilities" object: reported above */
    snprintf(label, sizeof(label), "%s: vulnerabilities[%zu]", d->name, it->index);
    r = vdb_nvd_record(d->im, label, json_object_get(it->value, "cve"), err);
    vdb_progress(d->im);
    return r;
}

static int import_nvd(struct vdb_imp *im, const char *name, const struct vdb_src *src, bool feed,
                      struct moat_err *err)
{
    struct nvd_doc d = {.im = im, .name = name, .rec = json_object(), .feed = feed};
    struct moat_json_visitor v = {.pick = nvd_pick, .item = nvd_item, .ctx = &d};
    int r;

    if (d.rec == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", name);
    r = stream_src(src, name, &v, err);
    if (r == 0 && !feed)
        r = vdb_nvd_record(im, name, d.rec, err);
    json_decref(d.rec);
    return r;
}

/* ---- dispatch ---- */

int vdb_import_json(struct vdb_imp *im, const char *name, const struct vdb_src *src,
                    const char *feed_hint, struct moat_err *err)
{
    struct sniff s = {0};
    struct moat_json_visitor v = {.pick = sniff_pick, .item = sniff_item, .ctx = &s};
    int r;

    if ((r = stream_src(src, name, &v, err)) < 0)
        goto out;
    if (s.doc == DOC_UNKNOWN)
        s.doc = decide(&s, v.root, false);
    switch (s.doc) {
    case DOC_OSV:
        r = import_osv(im, name, feed_hint, src, NULL, NULL, err);
        break;
    case DOC_SECDB: {
        struct secdb_doc d = {.im = im, .name = name};

        v = (struct moat_json_visitor){.pick = secdb_pick, .item = secdb_item, .ctx = &d};
        if ((r = vdb_secdb_begin(im, name, s.dv, s.repo, &d.sd, err)) == 0)
            r = stream_src(src, name, &v, err);
        break;
    }
    case DOC_TRACKER: {
        struct tracker_doc d = {.im = im, .name = name};

        v = (struct moat_json_visitor){.item = tracker_item, .ctx = &d};
        if ((r = vdb_tracker_json_begin(im, err)) == 0)
            r = stream_src(src, name, &v, err);
        break;
    }
    case DOC_NVD:
    case DOC_NVD_FEED:
        r = import_nvd(im, name, src, s.doc == DOC_NVD_FEED, err);
        break;
    default:
        r = moat_err_set(err, MOAT_E_FORMAT,
                         "%s: not an OSV record, Debian tracker, Alpine secdb or NVD document",
                         name);
    }
out:
    free(s.dv);
    free(s.repo);
    return r;
}

int vdb_import_osv_read(struct vdb_imp *im, const char *label, moat_json_read_fn rd, void *rctx,
                        const char *feed_hint, struct moat_err *err)
{
    return import_osv(im, label, feed_hint, NULL, rd, rctx, err);
}
