/*
 * nvd.c - NVD CVE API 2.0 records as enrichment: the "cve" objects of the
 * API's answers and of NVD's yearly feeds (nvdcve-2.0-YYYY.json[.gz], the
 * same {"vulnerabilities": [{"cve": ...}]}), and single records as
 * fkie-cad/nvd-json-data-feeds keeps them.
 *
 * Each record becomes a record of source and feed "nvd" (English
 * description, dates, references; "Rejected" records are kept and flagged
 * withdrawn) with no affected rows, and its CVSS metrics rows of table
 * metrics, in the order a severity is taken from them: v4.0, v3.1, v3.0,
 * then v2, and within a version NVD's own ("Primary") before the others
 * ("Secondary": the CNA, CISA-ADP), each in record order. A metric's score is
 * computed from its vector (cvss.c), never copied from the record. A record
 * replaces the one with the same id. A malformed record, including a vector
 * that does not parse, is skipped whole with the JSON path of the problem.
 */
#include "vuln_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "moat/vuln/cvss.h"

#define FEED_NVD "nvd"
#define MAX_METRICS 64u /* CVSS entries kept per record */

static const char *const KINDS[] = {"cvssMetricV40", "cvssMetricV31", "cvssMetricV30",
                                    "cvssMetricV2"};

struct metric {
    const char *type, *scorer, *vector;
    int rank, primary;
    size_t order;
    double score;
};

struct bad {
    char where[128];
    const char *why;
};

static int bad(struct bad *b, const char *why, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int bad(struct bad *b, const char *why, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(b->where, sizeof(b->where), fmt, ap);
    va_end(ap);
    b->why = why;
    return -1;
}

/* An array member (absent or null: NULL and 0), bounded. */
static int array_of(struct bad *b, json_t *o, const char *key, json_t **out)
{
    json_t *a = json_object_get(o, key);

    *out = NULL;
    if (a == NULL || json_is_null(a))
        return 0;
    if (!json_is_array(a) || json_array_size(a) > VDB_MAX_ITEMS)
        return bad(b, json_is_array(a) ? "too many items" : "expected array", "%s", key);
    *out = a;
    return 0;
}

static int cmp_metric(const void *x, const void *y)
{
    const struct metric *a = x, *b = y;

    if (a->rank != b->rank)
        return a->rank - b->rank;
    if (a->primary != b->primary)
        return b->primary - a->primary;
    return a->order < b->order ? -1 : a->order > b->order;
}

/* The CVSS entries of metrics, checked and scored, into m (sorted). */
static int metrics_of(struct bad *b, json_t *metrics, struct metric *m, size_t *n)
{
    *n = 0;
    if (metrics == NULL || json_is_null(metrics))
        return 0;
    if (!json_is_object(metrics))
        return bad(b, "expected object", "metrics");
    for (size_t k = 0; k < sizeof(KINDS) / sizeof(KINDS[0]); k++) {
        json_t *a, *e;
        size_t i;

        if (array_of(b, metrics, KINDS[k], &a) < 0)
            return bad(b, b->why, "metrics.%s", KINDS[k]);
        json_array_foreach(a, i, e)
        {
            const char *type = NULL, *scorer = NULL, *vector = NULL, *why = NULL;
            json_t *data = json_object_get(e, "cvssData");
            enum moat_cvss_version ver;
            double score;
            struct metric *x;

            if (!json_is_object(e) || !json_is_object(data))
                return bad(b, "expected object with cvssData", "metrics.%s[%zu]", KINDS[k], i);
            if (vdb_json_str(e, "type", 64, true, &type, &why) < 0 ||
                vdb_json_str(e, "source", VDB_MAX_ID_LEN, true, &scorer, &why) < 0)
                return bad(b, why, "metrics.%s[%zu]", KINDS[k], i);
            if (vdb_json_str(data, "vectorString", MOAT_CVSS_MAX_LEN, true, &vector, &why) < 0 ||
                vector == NULL)
                return bad(b, why != NULL ? why : "missing",
                           "metrics.%s[%zu].cvssData.vectorString", KINDS[k], i);
            if (moat_cvss_score(vector, strlen(vector), &ver, &score, NULL) < 0)
                return bad(b, "not a CVSS vector", "metrics.%s[%zu].cvssData.vectorString",
                           KINDS[k], i);
            if (*n >= MAX_METRICS)
                continue;
            x = &m[*n];
            x->score = score;
            x->type = ver == MOAT_CVSS_V40  ? "CVSS_V4"
                      : ver == MOAT_CVSS_V2 ? "CVSS_V2"
                                            : "CVSS_V3";
            x->rank = ver == MOAT_CVSS_V40   ? 0
                      : ver == MOAT_CVSS_V31 ? 1
                      : ver == MOAT_CVSS_V30 ? 2
                                             : 3;
            x->scorer = scorer;
            x->vector = vector;
            x->primary = type != NULL && strcmp(type, "Primary") == 0;
            x->order = (*n)++;
        }
    }
    qsort(m, *n, sizeof(*m), cmp_metric);
    return 0;
}

static int prep(struct vdb_imp *im, const char *sql, sqlite3_stmt **st, struct moat_err *err)
{
    if (*st != NULL)
        return 0;
    if (sqlite3_prepare_v3(im->vdb->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
        return vdb_sqlerr(im->vdb->db, im->vdb->path, "cannot prepare import", err);
    return 0;
}

static int store_metrics(struct vdb_imp *im, int64_t vid, const struct metric *m, size_t n,
                         struct moat_err *err)
{
    int r;

    if ((r = prep(im, "DELETE FROM metrics WHERE vid = ?1", &im->del_metrics, err)) < 0 ||
        (r = prep(im,
                  "INSERT INTO metrics(vid, rank, type, scorer, primary_, vector, score)"
                  " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                  &im->ins_metric, err)) < 0)
        return r;
    sqlite3_bind_int64(im->del_metrics, 1, vid);
    r = sqlite3_step(im->del_metrics);
    sqlite3_reset(im->del_metrics);
    if (r != SQLITE_DONE)
        return vdb_sqlerr(im->vdb->db, im->vdb->path, "write failed", err);
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *st = im->ins_metric;

        sqlite3_bind_int64(st, 1, vid);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)i);
        sqlite3_bind_text(st, 3, m[i].type, -1, SQLITE_STATIC);
        if (m[i].scorer != NULL)
            sqlite3_bind_text(st, 4, m[i].scorer, -1, SQLITE_STATIC);
        else
            sqlite3_bind_null(st, 4);
        sqlite3_bind_int(st, 5, m[i].primary);
        sqlite3_bind_text(st, 6, m[i].vector, -1, SQLITE_STATIC);
        sqlite3_bind_double(st, 7, m[i].score);
        r = sqlite3_step(st);
        sqlite3_reset(st);
        if (r != SQLITE_DONE)
            return vdb_sqlerr(im->vdb->db, im->vdb->path, "write failed", err);
    }
    return 0;
}

int vdb_nvd_record(struct vdb_imp *im, const char *label, json_t *o, struct moat_err *err)
{
    struct metric m[MAX_METRICS];
    struct vdb_vuln v = {.source = VDB_SRC_NVD, .feed = FEED_NVD};
    struct moat_buf refs = MOAT_BUF_INIT;
    struct bad b = {"", NULL};
    const char *status = NULL;
    json_t *descs, *rs, *e;
    size_t n = 0, i;
    int64_t vid = 0;
    int r = 0;

    refs.max = VDB_MAX_STR_LEN * 4;
    if (!json_is_object(o)) {
        bad(&b, "expected object", "cve");
        goto skip;
    }
    if (vdb_json_str(o, "id", VDB_MAX_ID_LEN, true, &v.id, &b.why) < 0 || v.id == NULL ||
        !vdb_id_ok(v.id, strlen(v.id))) {
        bad(&b, b.why ? b.why : v.id ? "not an identifier" : "missing", "id");
        v.id = NULL;
        goto skip;
    }
    if (vdb_json_str(o, "published", VDB_MAX_ID_LEN, true, &v.published, &b.why) < 0 ||
        vdb_json_str(o, "lastModified", VDB_MAX_ID_LEN, true, &v.modified, &b.why) < 0 ||
        vdb_json_str(o, "vulnStatus", VDB_MAX_ID_LEN, true, &status, &b.why) < 0) {
        bad(&b, b.why, "published, lastModified or vulnStatus");
        goto skip;
    }
    v.withdrawn = status != NULL && strcmp(status, "Rejected") == 0;
    if (array_of(&b, o, "descriptions", &descs) < 0 || array_of(&b, o, "references", &rs) < 0)
        goto skip;
    json_array_foreach(descs, i, e)
    {
        const char *lang = NULL, *text = NULL;

        if (vdb_json_str(e, "lang", 16, true, &lang, &b.why) < 0 ||
            vdb_json_str(e, "value", VDB_MAX_STR_LEN, false, &text, &b.why) < 0) {
            bad(&b, b.why, "descriptions[%zu]", i);
            goto skip;
        }
        if (lang != NULL && strcmp(lang, "en") == 0 && v.details == NULL)
            v.details = text;
    }
    json_array_foreach(rs, i, e)
    {
        const char *url = NULL;

        if (vdb_json_str(e, "url", VDB_MAX_STR_LEN, true, &url, &b.why) < 0 || url == NULL) {
            bad(&b, b.why ? b.why : "missing", "references[%zu].url", i);
            goto skip;
        }
        if (moat_buf_appendf(&refs, "%s\n", url) < 0) {
            bad(&b, "too long", "references");
            goto skip;
        }
    }
    if (metrics_of(&b, json_object_get(o, "metrics"), m, &n) < 0)
        goto skip;
    v.refs = refs.len ? refs.data : NULL;
    if ((r = vdb_touch_feed(im, FEED_NVD, err)) < 0 ||
        (r = vdb_put_vuln(im, &v, true, &vid, err)) < 0 ||
        (r = store_metrics(im, vid, m, n, err)) < 0)
        goto out;
    im->rep->records++;
    goto out;
skip:
    vdb_skip(im, FEED_NVD, "%s: %s%s%s: %s", label, v.id ? v.id : "", v.id ? ": " : "", b.where,
             b.why ? b.why : "malformed");
out:
    moat_buf_free(&refs);
    return r;
}
