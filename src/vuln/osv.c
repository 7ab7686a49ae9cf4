/*
 * osv.c - OSV records (https://ossf.github.io/osv-schema/) into the store,
 * one record at a time (import_json.c finds them in single records, the
 * osv.dev API answer {"vulns": [...]} and arrays).
 *
 * Every field is type-checked and bounded; a record with any malformed part
 * is skipped whole (counted, with the JSON path of the problem), never
 * half-written. Withdrawn records are kept and flagged. `aliases` and
 * `upstream` both become aliases (DSA/DEBIAN-CVE -> CVE); `related` does not
 * (a related record is a different vulnerability). Affected entries without
 * a package (GIT-only) are dropped, since lookups are by package.
 */
#include "vuln_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct enc_aff {
    const char *ecosystem, *package, *purl, *status, *severity;
    struct moat_buf ranges, versions;
};

struct rec {
    const char *name; /* file label */
    char where[160];  /* JSON path of the problem */
    const char *why;
};

static int vbad(struct rec *rc, const char *why, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static int vbad(struct rec *rc, const char *why, const char *fmt, va_list ap)
{
    vsnprintf(rc->where, sizeof(rc->where), fmt, ap);
    rc->why = why;
    return -1;
}

static int bad(struct rec *rc, const char *why, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int bad(struct rec *rc, const char *why, const char *fmt, ...)
{
    va_list ap;
    int r;

    va_start(ap, fmt);
    r = vbad(rc, why, fmt, ap);
    va_end(ap);
    return r;
}

/* 0 when a is an array of at most VDB_MAX_ITEMS, else bad() at the JSON path fmt. */
static int items(struct rec *rc, const json_t *a, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int items(struct rec *rc, const json_t *a, const char *fmt, ...)
{
    va_list ap;
    int r;

    if (json_is_array(a) && json_array_size(a) <= VDB_MAX_ITEMS)
        return 0;
    va_start(ap, fmt);
    r = vbad(rc, json_is_array(a) ? "too many items" : "expected array", fmt, ap);
    va_end(ap);
    return r;
}

static bool id_ok(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++)
        if ((unsigned char)*s <= 0x20 || *s == 0x7f)
            return false;
    return true;
}

/* Strings of an array field, joined into out ("a\nb\n") or listed into ids. */
static int str_array(struct rec *rc, json_t *o, const char *key, size_t max, const char ***ids,
                     size_t *n_ids)
{
    json_t *arr = json_object_get(o, key), *v;
    size_t i;

    if (arr == NULL || json_is_null(arr))
        return 0;
    if (items(rc, arr, "%s", key) < 0)
        return -1;
    json_array_foreach(arr, i, v)
    {
        const char *s;
        const char **nn;

        if (!json_is_string(v))
            return bad(rc, "expected string", "%s[%zu]", key, i);
        s = json_string_value(v);
        if (json_string_length(v) > max || strlen(s) != json_string_length(v) || !id_ok(s))
            return bad(rc, json_string_length(v) > max ? "string too long" : "not an identifier",
                       "%s[%zu]", key, i);
        nn = realloc(*ids, (*n_ids + 1) * sizeof(*nn));
        if (nn == NULL)
            return bad(rc, "out of memory", "%s", key);
        *ids = nn;
        nn[(*n_ids)++] = s;
    }
    return 0;
}

static int field(struct rec *rc, json_t *o, const char *key, size_t max, bool line,
                 const char **out, const char *prefix)
{
    const char *why = NULL;

    if (vdb_json_str(o, key, max, line, out, &why) < 0)
        return bad(rc, why, "%s%s", prefix, key);
    return 0;
}

static const char *const EVENT_KEYS[] = {"introduced", "fixed", "last_affected", "limit"};
static const char EVENT_CODES[] = "iflm";

static int enc_range(struct rec *rc, json_t *range, size_t ai, size_t ri, struct moat_buf *b)
{
    const char *type = NULL;
    json_t *events, *ev;
    size_t ei;
    int kind;

    if (!json_is_object(range))
        return bad(rc, "expected object", "affected[%zu].ranges[%zu]", ai, ri);
    if (vdb_json_str(range, "type", VDB_MAX_ID_LEN, true, &type, &rc->why) < 0 || type == NULL)
        return bad(rc, type == NULL && rc->why == NULL ? "missing" : rc->why,
                   "affected[%zu].ranges[%zu].type", ai, ri);
    if (strcmp(type, "ECOSYSTEM") == 0)
        kind = MOAT_RANGE_ECOSYSTEM;
    else if (strcmp(type, "SEMVER") == 0)
        kind = MOAT_RANGE_SEMVER;
    else if (strcmp(type, "GIT") == 0)
        kind = MOAT_RANGE_GIT;
    else
        return bad(rc, "unknown range type", "affected[%zu].ranges[%zu].type", ai, ri);
    events = json_object_get(range, "events");
    if (events == NULL)
        return bad(rc, "missing", "affected[%zu].ranges[%zu].events", ai, ri);
    if (items(rc, events, "affected[%zu].ranges[%zu].events", ai, ri) < 0)
        return -1;
    if (moat_buf_appendf(b, "R%d\n", kind) < 0)
        return bad(rc, "out of memory", "affected[%zu]", ai);
    json_array_foreach(events, ei, ev)
    {
        int found = -1;

        if (!json_is_object(ev))
            return bad(rc, "expected object", "affected[%zu].ranges[%zu].events[%zu]", ai, ri, ei);
        for (int k = 0; k < 4; k++) {
            const char *v = NULL;

            if (vdb_json_str(ev, EVENT_KEYS[k], VDB_MAX_VERSION_LEN, true, &v, &rc->why) < 0)
                return bad(rc, rc->why, "affected[%zu].ranges[%zu].events[%zu].%s", ai, ri, ei,
                           EVENT_KEYS[k]);
            if (v == NULL)
                continue;
            if (found >= 0 || *v == '\0')
                return bad(rc, found >= 0 ? "more than one event" : "empty version",
                           "affected[%zu].ranges[%zu].events[%zu]", ai, ri, ei);
            found = k;
            if (moat_buf_appendf(b, "%c%s\n", EVENT_CODES[k], v) < 0)
                return bad(rc, "out of memory", "affected[%zu]", ai);
        }
        if (found < 0)
            return bad(rc, "no event", "affected[%zu].ranges[%zu].events[%zu]", ai, ri, ei);
    }
    return 0;
}

static const char *status_of(json_t *dbs)
{
    static const char *const OK[] = {"no-dsa",  "ignored",     "postponed",
                                     "unfixed", "end-of-life", "undetermined"};
    json_t *v = json_is_object(dbs) ? json_object_get(dbs, "tracker_status") : NULL;

    if (!json_is_string(v))
        return NULL;
    for (size_t i = 0; i < sizeof(OK) / sizeof(OK[0]); i++)
        if (strcmp(json_string_value(v), OK[i]) == 0)
            return OK[i];
    return NULL;
}

static const char *severity_of(json_t *o)
{
    static const char *const KEYS[] = {"severity", "urgency"};

    if (!json_is_object(o))
        return NULL;
    for (size_t i = 0; i < 2; i++) {
        json_t *v = json_object_get(o, KEYS[i]);

        if (json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) <= 64 &&
            vdb_line_safe(json_string_value(v)) &&
            strcmp(json_string_value(v), "not yet assigned") != 0)
            return json_string_value(v);
    }
    return NULL;
}

static int enc_affected(struct rec *rc, json_t *aff, size_t ai, struct enc_aff *e)
{
    json_t *pkg, *ranges, *r, *versions, *v;
    size_t i;

    if (!json_is_object(aff))
        return bad(rc, "expected object", "affected[%zu]", ai);
    pkg = json_object_get(aff, "package");
    if (pkg == NULL || json_is_null(pkg))
        return 1; /* GIT-only entry */
    if (!json_is_object(pkg))
        return bad(rc, "expected object", "affected[%zu].package", ai);
    if (vdb_json_str(pkg, "ecosystem", VDB_MAX_ID_LEN, true, &e->ecosystem, &rc->why) < 0 ||
        e->ecosystem == NULL || *e->ecosystem == '\0')
        return bad(rc, rc->why ? rc->why : "missing", "affected[%zu].package.ecosystem", ai);
    if (vdb_json_str(pkg, "name", VDB_MAX_ID_LEN, true, &e->package, &rc->why) < 0 ||
        e->package == NULL || *e->package == '\0')
        return bad(rc, rc->why ? rc->why : "missing", "affected[%zu].package.name", ai);
    if (vdb_json_str(pkg, "purl", VDB_MAX_STR_LEN, true, &e->purl, &rc->why) < 0)
        return bad(rc, rc->why, "affected[%zu].package.purl", ai);
    ranges = json_object_get(aff, "ranges");
    if (ranges != NULL && !json_is_null(ranges)) {
        if (items(rc, ranges, "affected[%zu].ranges", ai) < 0)
            return -1;
        json_array_foreach(ranges, i, r)
        {
            if (enc_range(rc, r, ai, i, &e->ranges) < 0)
                return -1;
        }
    }
    versions = json_object_get(aff, "versions");
    if (versions != NULL && !json_is_null(versions)) {
        if (items(rc, versions, "affected[%zu].versions", ai) < 0)
            return -1;
        json_array_foreach(versions, i, v)
        {
            const char *s = json_string_value(v);

            if (!json_is_string(v) || json_string_length(v) > VDB_MAX_VERSION_LEN ||
                strlen(s) != json_string_length(v) || !vdb_line_safe(s) || *s == '\0')
                return bad(rc, json_is_string(v) ? "bad version" : "expected string",
                           "affected[%zu].versions[%zu]", ai, i);
            if (moat_buf_appendf(&e->versions, "%s\n", s) < 0)
                return bad(rc, "out of memory", "affected[%zu]", ai);
        }
    }
    e->status = status_of(json_object_get(aff, "database_specific"));
    e->severity = severity_of(json_object_get(aff, "ecosystem_specific"));
    if (e->severity == NULL)
        e->severity = severity_of(json_object_get(aff, "database_specific"));
    return 0;
}

/* Join an array of objects' string member into lines ("url\n" or "type\tscore\n"). */
static int join_objs(struct rec *rc, json_t *o, const char *key, const char *k1, const char *k2,
                     struct moat_buf *b)
{
    json_t *arr = json_object_get(o, key), *v;
    size_t i;

    if (arr == NULL || json_is_null(arr))
        return 0;
    if (items(rc, arr, "%s", key) < 0)
        return -1;
    json_array_foreach(arr, i, v)
    {
        const char *a = NULL, *c = NULL;

        if (!json_is_object(v))
            return bad(rc, "expected object", "%s[%zu]", key, i);
        if (vdb_json_str(v, k1, VDB_MAX_STR_LEN, true, &a, &rc->why) < 0)
            return bad(rc, rc->why, "%s[%zu].%s", key, i, k1);
        if (k2 != NULL && vdb_json_str(v, k2, VDB_MAX_STR_LEN, true, &c, &rc->why) < 0)
            return bad(rc, rc->why, "%s[%zu].%s", key, i, k2);
        if (a == NULL || (k2 != NULL && c == NULL))
            return bad(rc, "missing", "%s[%zu]", key, i);
        if ((k2 ? moat_buf_appendf(b, "%s\t%s\n", a, c) : moat_buf_appendf(b, "%s\n", a)) < 0)
            return bad(rc, "out of memory", "%s", key);
    }
    return 0;
}

int vdb_osv_record(struct vdb_imp *im, const char *label, json_t *o, const char *feed_hint,
                   struct moat_err *err)
{
    struct rec rc = {.name = label};
    struct vdb_vuln v = {0};
    struct enc_aff *affs = NULL;
    struct moat_buf refs = MOAT_BUF_INIT, sev = MOAT_BUF_INIT;
    const char **aliases = NULL;
    const char *withdrawn = NULL;
    json_t *aff_arr;
    size_t n_aff = 0, n_alias = 0;
    char feed[VDB_MAX_ID_LEN + 8];
    int64_t vid = 0;
    int r = 0;

    refs.max = sev.max = VDB_MAX_STR_LEN * 4;
    if (!json_is_object(o)) {
        bad(&rc, "expected object", "record");
        goto skip;
    }
    if (vdb_json_str(o, "id", VDB_MAX_ID_LEN, true, &v.id, &rc.why) < 0 || v.id == NULL ||
        !id_ok(v.id)) {
        bad(&rc, rc.why ? rc.why : v.id ? "not an identifier" : "missing", "id");
        goto skip;
    }
    if (field(&rc, o, "summary", VDB_MAX_STR_LEN, false, &v.summary, "") < 0 ||
        field(&rc, o, "details", VDB_MAX_STR_LEN, false, &v.details, "") < 0 ||
        field(&rc, o, "published", VDB_MAX_ID_LEN, true, &v.published, "") < 0 ||
        field(&rc, o, "modified", VDB_MAX_ID_LEN, true, &v.modified, "") < 0 ||
        field(&rc, o, "withdrawn", VDB_MAX_ID_LEN, true, &withdrawn, "") < 0 ||
        str_array(&rc, o, "aliases", VDB_MAX_ID_LEN, &aliases, &n_alias) < 0 ||
        str_array(&rc, o, "upstream", VDB_MAX_ID_LEN, &aliases, &n_alias) < 0 ||
        join_objs(&rc, o, "references", "url", NULL, &refs) < 0 ||
        join_objs(&rc, o, "severity", "type", "score", &sev) < 0)
        goto skip;
    v.withdrawn = withdrawn != NULL;
    v.source_severity = severity_of(json_object_get(o, "database_specific"));
    aff_arr = json_object_get(o, "affected");
    if (aff_arr != NULL && !json_is_null(aff_arr)) {
        json_t *a;
        size_t i;

        if (items(&rc, aff_arr, "affected") < 0)
            goto skip;
        affs = calloc(json_array_size(aff_arr) + 1, sizeof(*affs));
        if (affs == NULL) {
            r = moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", label);
            goto out;
        }
        json_array_foreach(aff_arr, i, a)
        {
            struct enc_aff *e = &affs[n_aff];
            int k;

            e->ranges.max = e->versions.max = VDB_MAX_RECORD_BYTES;
            k = enc_affected(&rc, a, i, e);
            if (k < 0) {
                n_aff++;
                goto skip;
            }
            if (k == 0)
                n_aff++;
            else {
                moat_buf_free(&e->ranges);
                moat_buf_free(&e->versions);
                memset(e, 0, sizeof(*e));
            }
        }
    }
    if (n_aff > 0 && v.source_severity == NULL)
        v.source_severity = affs[0].severity;
    feed[0] = '\0';
    if (n_aff > 0) {
        char base[VDB_MAX_ID_LEN + 1];

        if (vdb_eco_base(affs[0].ecosystem, base, sizeof(base)) == 0)
            snprintf(feed, sizeof(feed), "osv:%s", base);
    }
    if (feed[0] == '\0')
        snprintf(feed, sizeof(feed), "%s", feed_hint ? feed_hint : "osv");
    v.source = VDB_SRC_OSV;
    v.feed = feed;
    v.refs = refs.len ? refs.data : NULL;
    v.severity = sev.len ? sev.data : NULL;
    v.aliases = aliases;
    v.n_aliases = n_alias;
    if ((r = vdb_touch_feed(im, feed, err)) < 0 || (r = vdb_put_vuln(im, &v, true, &vid, err)) < 0)
        goto out;
    for (size_t i = 0; i < n_aff; i++) {
        struct vdb_affected a = {
            .ecosystem = affs[i].ecosystem,
            .package = affs[i].package,
            .purl = affs[i].purl,
            .ranges = affs[i].ranges.len ? affs[i].ranges.data : NULL,
            .versions = affs[i].versions.len ? affs[i].versions.data : NULL,
            .distro_status = affs[i].status,
            .distro_severity = affs[i].severity,
        };

        if ((r = vdb_put_affected(im, vid, v.id, VDB_SRC_OSV, feed, &a, err)) < 0)
            goto out;
    }
    im->rep->records++;
    goto out;
skip:
    vdb_skip(im, feed_hint, "%s: %s%s%s: %s", label, v.id ? v.id : "", v.id ? ": " : "", rc.where,
             rc.why ? rc.why : "malformed");
    r = 1;
out:
    for (size_t i = 0; i < n_aff; i++) {
        moat_buf_free(&affs[i].ranges);
        moat_buf_free(&affs[i].versions);
    }
    free(affs);
    free(aliases);
    moat_buf_free(&refs);
    moat_buf_free(&sev);
    return r;
}
