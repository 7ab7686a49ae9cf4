/*
 * vex.c - read VEX documents and mark the findings they cover (see vex.h).
 *
 * Two formats, told apart by their shape:
 *   - OpenVEX (https://github.com/openvex/spec): "statements", each with a
 *     vulnerability (a string in v0.0.1, {name, aliases} later), a status,
 *     justification / impact_statement, products (strings or {@id,
 *     identifiers.purl, subcomponents}) and an optional timestamp; also
 *     accepted inside an in-toto statement's "predicate".
 *   - CycloneDX 1.4-1.6 JSON: vulnerabilities[] with id, references (the
 *     aliases), analysis {state, justification, detail} and affects[].ref,
 *     a bom-ref (plain or a BOM-Link "urn:cdx:...#ref") resolved through the
 *     document's components, or a purl.
 * The input is hostile: its size is capped, every member's type is checked
 * before use and a wrong one is an error naming the file and the JSON path;
 * unknown members are ignored. What is kept is a flat list of statements
 * plus a sorted index from vulnerability id to statement, so applying is
 * O(findings x ids x log statements).
 */
#include "moat/vex/vex.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <jansson.h>

#include "moat/base/array.h"
#include "moat/base/strv.h"
#include "moat/base/time.h"
#include "moat/sbom/sbom_read.h"

#define VEX_MAX_NESTING 64

struct vex_prod {
    char *purl; /* NULL when the product has none */
    int image;  /* covers the scanned image: an oci/docker purl, metadata.component, or an opaque id
                   with subcomponents */
    struct moat_strv subs; /* subcomponent purls */
};

struct vex_stmt {
    struct moat_strv ids; /* vulnerability name, then aliases */
    enum moat_vex_status status;
    char *just; /* justification label, else impact statement / detail; may be NULL */
    struct vex_prod *prods;
    size_t n_prods, cap_prods;
    int64_t ts;
    int has_ts;
};

struct vex_key {
    const char *id;
    size_t stmt;
};

struct moat_vex {
    struct vex_stmt *s;
    size_t n, cap;
    struct vex_key *keys;
    size_t n_keys;
};

/* Parsing state: the document name for errors. */
struct ld {
    const char *where;
    struct moat_err *err;
    struct moat_vex *v;
};

static int fail(struct ld *ld, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct ld *ld, const char *path, const char *fmt, ...)
{
    char msg[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return moat_err_set(ld->err, MOAT_E_FORMAT, "%s: %s%s%s", ld->where, path, path[0] ? ": " : "",
                        msg);
}

static int nomem(struct ld *ld)
{
    return moat_err_set(ld->err, MOAT_E_NOMEM, "%s: out of memory", ld->where);
}

/* ---- small helpers ------------------------------------------------------ */

static void prod_free(struct vex_prod *p)
{
    free(p->purl);
    moat_strv_free(&p->subs);
}

static void stmt_free(struct vex_stmt *s)
{
    moat_strv_free(&s->ids);
    free(s->just);
    for (size_t i = 0; i < s->n_prods; i++)
        prod_free(&s->prods[i]);
    free(s->prods);
}

void moat_vex_free(struct moat_vex *v)
{
    if (v == NULL)
        return;
    for (size_t i = 0; i < v->n; i++)
        stmt_free(&v->s[i]);
    free(v->s);
    free(v->keys);
    free(v);
}

size_t moat_vex_count(const struct moat_vex *v)
{
    return v != NULL ? v->n : 0;
}

/* Take *s (moved) into the document. */
static int add_stmt(struct ld *ld, struct vex_stmt *s)
{
    struct moat_vex *v = ld->v;

    if (v->n >= MOAT_VEX_MAX_STATEMENTS) {
        stmt_free(s);
        return moat_err_set(ld->err, MOAT_E_LIMIT, "%s: more than %u VEX statements", ld->where,
                            MOAT_VEX_MAX_STATEMENTS);
    }
    if (moat_array_grow((void **)&v->s, &v->cap, v->n, sizeof(*v->s)) < 0) {
        stmt_free(s);
        return nomem(ld);
    }
    v->s[v->n++] = *s;
    memset(s, 0, sizeof(*s));
    return 0;
}

static int add_prod(struct vex_stmt *s, struct vex_prod *p)
{
    if (moat_array_grow((void **)&s->prods, &s->cap_prods, s->n_prods, sizeof(*s->prods)) < 0)
        return -1;
    s->prods[s->n_prods++] = *p;
    memset(p, 0, sizeof(*p));
    return 0;
}

static int purl_is_image(const char *purl)
{
    return strncasecmp(purl, "pkg:oci/", 8) == 0 || strncasecmp(purl, "pkg:docker/", 11) == 0;
}

/* A JSON path for messages; a path longer than the buffer is cut, which is fine there. */
static void path_fmt(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void path_fmt(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    if (vsnprintf(buf, cap, fmt, ap) < 0 && cap > 0)
        buf[0] = '\0';
    va_end(ap);
}

/* Optional string member: 0 (absent or *out set), or an error. */
static int opt_str(struct ld *ld, json_t *o, const char *key, const char *path, const char **out)
{
    json_t *v = json_object_get(o, key);

    *out = NULL;
    if (v == NULL || json_is_null(v))
        return 0;
    if (!json_is_string(v)) {
        char p[256];

        path_fmt(p, sizeof(p), "%s%s%s", path, path[0] ? "." : "", key);
        return fail(ld, p, "expected a string%s", "");
    }
    *out = json_string_value(v);
    return 0;
}

/* Optional array member v: 0 when absent, null or an array, else an error at path. */
static int opt_arr(struct ld *ld, json_t *v, const char *path)
{
    if (v != NULL && !json_is_null(v) && !json_is_array(v))
        return fail(ld, path, "expected an array%s", "");
    return 0;
}

/* ---- OpenVEX ------------------------------------------------------------- */

/* The purl of an OpenVEX component (string or object), or NULL; *has_id when it names anything. */
static int ov_component(struct ld *ld, json_t *c, const char *path, const char **purl, int *has_id)
{
    const char *id = NULL, *p = NULL;
    json_t *ids;
    int r;

    *purl = NULL;
    *has_id = 0;
    if (json_is_string(c)) {
        id = json_string_value(c);
    } else if (json_is_object(c)) {
        if ((r = opt_str(ld, c, "@id", path, &id)) < 0)
            return r;
        ids = json_object_get(c, "identifiers");
        if (ids != NULL && !json_is_null(ids)) {
            char ip[256];

            path_fmt(ip, sizeof(ip), "%s.identifiers", path);
            if (!json_is_object(ids))
                return fail(ld, ip, "expected an object%s", "");
            if ((r = opt_str(ld, ids, "purl", ip, &p)) < 0)
                return r;
            *has_id |= json_object_size(ids) > 0;
        }
    } else {
        return fail(ld, path, "expected a string or an object%s", "");
    }
    *has_id |= id != NULL && id[0] != '\0';
    if (p != NULL)
        *purl = p;
    else if (id != NULL && strncasecmp(id, "pkg:", 4) == 0)
        *purl = id;
    return 0;
}

static int ov_subs(struct ld *ld, json_t *arr, const char *path, struct vex_prod *p)
{
    json_t *c;
    size_t i;

    if (arr == NULL || json_is_null(arr))
        return 0;
    if (!json_is_array(arr))
        return fail(ld, path, "expected an array%s", "");
    json_array_foreach(arr, i, c)
    {
        char sp[256];
        const char *purl;
        int has, r;

        path_fmt(sp, sizeof(sp), "%s[%zu]", path, i);
        if ((r = ov_component(ld, c, sp, &purl, &has)) < 0)
            return r;
        if (purl != NULL && moat_strv_push(&p->subs, purl) < 0)
            return nomem(ld);
    }
    return 0;
}

static enum moat_vex_status ov_status(const char *s)
{
    if (strcmp(s, "not_affected") == 0)
        return MOAT_VEX_NOT_AFFECTED;
    if (strcmp(s, "affected") == 0)
        return MOAT_VEX_AFFECTED;
    if (strcmp(s, "fixed") == 0)
        return MOAT_VEX_FIXED;
    if (strcmp(s, "under_investigation") == 0)
        return MOAT_VEX_UNDER_INVESTIGATION;
    return MOAT_VEX_NONE;
}

static int ov_statement(struct ld *ld, json_t *st, size_t idx, int64_t doc_ts, int doc_has_ts)
{
    struct vex_stmt s = {0};
    char path[64], p2[256];
    const char *status, *just, *impact, *ts;
    json_t *vuln, *prods, *subs, *pr;
    size_t i;
    int r;

    path_fmt(path, sizeof(path), "statements[%zu]", idx);
    if (!json_is_object(st))
        return fail(ld, path, "expected an object%s", "");
    vuln = json_object_get(st, "vulnerability");
    path_fmt(p2, sizeof(p2), "%s.vulnerability", path);
    if (json_is_string(vuln)) {
        if (moat_strv_push(&s.ids, json_string_value(vuln)) < 0)
            goto oom;
    } else if (json_is_object(vuln)) {
        const char *name;
        json_t *aliases = json_object_get(vuln, "aliases"), *a;

        if ((r = opt_str(ld, vuln, "name", p2, &name)) < 0)
            goto out;
        if (name == NULL) {
            r = fail(ld, p2, "missing \"name\"%s", "");
            goto out;
        }
        if (moat_strv_push(&s.ids, name) < 0)
            goto oom;
        if (aliases != NULL && !json_is_null(aliases)) {
            path_fmt(p2, sizeof(p2), "%s.vulnerability.aliases", path);
            if (!json_is_array(aliases)) {
                r = fail(ld, p2, "expected an array%s", "");
                goto out;
            }
            json_array_foreach(aliases, i, a)
            {
                if (!json_is_string(a)) {
                    path_fmt(p2, sizeof(p2), "%s.vulnerability.aliases[%zu]", path, i);
                    r = fail(ld, p2, "expected a string%s", "");
                    goto out;
                }
                if (moat_strv_push(&s.ids, json_string_value(a)) < 0)
                    goto oom;
            }
        }
    } else if (vuln == NULL) {
        r = fail(ld, p2, "missing%s", "");
        goto out;
    } else {
        r = fail(ld, p2, "expected a string or an object%s", "");
        goto out;
    }
    if ((r = opt_str(ld, st, "status", path, &status)) < 0)
        goto out;
    path_fmt(p2, sizeof(p2), "%s.status", path);
    if (status == NULL) {
        r = fail(ld, p2, "missing%s", "");
        goto out;
    }
    s.status = ov_status(status);
    if (s.status == MOAT_VEX_NONE) {
        r = fail(ld, p2, "unknown status \"%.64s\"", status);
        goto out;
    }
    if ((r = opt_str(ld, st, "justification", path, &just)) < 0 ||
        (r = opt_str(ld, st, "impact_statement", path, &impact)) < 0 ||
        (r = opt_str(ld, st, "timestamp", path, &ts)) < 0)
        goto out;
    if (just != NULL || impact != NULL) {
        s.just = strdup(just != NULL ? just : impact);
        if (s.just == NULL)
            goto oom;
    }
    s.has_ts = ts != NULL && moat_time_parse(ts, &s.ts) == 0;
    if (!s.has_ts && doc_has_ts) {
        s.ts = doc_ts;
        s.has_ts = 1;
    }
    prods = json_object_get(st, "products");
    subs = json_object_get(st, "subcomponents"); /* v0.0.1: statement-level */
    path_fmt(p2, sizeof(p2), "%s.products", path);
    if ((r = opt_arr(ld, prods, p2)) < 0)
        goto out;
    json_array_foreach(prods, i, pr)
    {
        struct vex_prod p = {0};
        const char *purl;
        int has;

        path_fmt(p2, sizeof(p2), "%s.products[%zu]", path, i);
        if ((r = ov_component(ld, pr, p2, &purl, &has)) < 0)
            goto out;
        if (json_is_object(pr)) {
            char p3[300];

            path_fmt(p3, sizeof(p3), "%s.subcomponents", p2);
            r = ov_subs(ld, json_object_get(pr, "subcomponents"), p3, &p);
        }
        if (r == 0) {
            path_fmt(p2, sizeof(p2), "%s.subcomponents", path);
            r = ov_subs(ld, subs, p2, &p);
        }
        if (r < 0) {
            prod_free(&p);
            goto out;
        }
        if (purl != NULL && (p.purl = strdup(purl)) == NULL) {
            prod_free(&p);
            goto oom;
        }
        p.image = (purl != NULL && purl_is_image(purl)) || (purl == NULL && p.subs.n > 0);
        if (add_prod(&s, &p) < 0) {
            prod_free(&p);
            goto oom;
        }
    }
    if (s.n_prods == 0 && subs != NULL && !json_is_null(subs)) {
        /* subcomponents without products: about the scanned image. */
        struct vex_prod p = {0};

        path_fmt(p2, sizeof(p2), "%s.subcomponents", path);
        if ((r = ov_subs(ld, subs, p2, &p)) < 0 || (p.image = 1, add_prod(&s, &p) < 0)) {
            prod_free(&p);
            if (r < 0)
                goto out;
            goto oom;
        }
    }
    return add_stmt(ld, &s);
oom:
    r = nomem(ld);
out:
    stmt_free(&s);
    return r;
}

static int load_openvex(struct ld *ld, json_t *doc)
{
    json_t *sts = json_object_get(doc, "statements"), *st;
    const char *ts;
    int64_t doc_ts = 0;
    int has_ts, r;
    size_t i;

    if (!json_is_array(sts))
        return fail(ld, "statements", "expected an array%s", "");
    if ((r = opt_str(ld, doc, "timestamp", "", &ts)) < 0)
        return r;
    has_ts = ts != NULL && moat_time_parse(ts, &doc_ts) == 0;
    json_array_foreach(sts, i, st)
    {
        if ((r = ov_statement(ld, st, i, doc_ts, has_ts)) < 0)
            return r;
    }
    return 0;
}

/* ---- CycloneDX ----------------------------------------------------------- */

/* Record every component's bom-ref -> purl ("" when it has none) into refs. */
static int cdx_components(struct ld *ld, json_t *comps, const char *path, json_t *refs, int depth)
{
    json_t *c;
    size_t i;

    if (comps == NULL || json_is_null(comps))
        return 0;
    if (!json_is_array(comps))
        return fail(ld, path, "expected an array%s", "");
    if (depth > VEX_MAX_NESTING)
        return moat_err_set(ld->err, MOAT_E_LIMIT, "%s: %s: components nested more than %d deep",
                            ld->where, path, VEX_MAX_NESTING);
    json_array_foreach(comps, i, c)
    {
        char p[256];
        const char *ref, *purl;
        int r;

        path_fmt(p, sizeof(p), "%.200s[%zu]", path, i);
        if (!json_is_object(c))
            return fail(ld, p, "expected an object%s", "");
        if ((r = opt_str(ld, c, "bom-ref", p, &ref)) < 0 ||
            (r = opt_str(ld, c, "purl", p, &purl)) < 0)
            return r;
        if (ref != NULL && json_object_get(refs, ref) == NULL &&
            json_object_set_new(refs, ref, json_string(purl != NULL ? purl : "")) < 0)
            return nomem(ld);
        path_fmt(p, sizeof(p), "%.200s[%zu].components", path, i);
        if ((r = cdx_components(ld, json_object_get(c, "components"), p, refs, depth + 1)) < 0)
            return r;
    }
    return 0;
}

static enum moat_vex_status cdx_state(const char *s)
{
    if (strcmp(s, "not_affected") == 0 || strcmp(s, "false_positive") == 0)
        return MOAT_VEX_NOT_AFFECTED;
    if (strcmp(s, "resolved") == 0 || strcmp(s, "resolved_with_pedigree") == 0)
        return MOAT_VEX_FIXED;
    if (strcmp(s, "exploitable") == 0)
        return MOAT_VEX_AFFECTED;
    if (strcmp(s, "in_triage") == 0)
        return MOAT_VEX_UNDER_INVESTIGATION;
    return MOAT_VEX_NONE;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* Percent-decode s[0..n) into a new string ("%zz" kept as is). */
static char *pct_decode(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    size_t o = 0;

    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            out[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

static int cdx_affect(struct ld *ld, const char *ref, json_t *refs, const char *image_ref,
                      struct vex_stmt *s)
{
    struct vex_prod p = {0};
    const char *hash = NULL, *purl = NULL;
    char *local = NULL;
    json_t *hit;

    if (strncmp(ref, "urn:cdx:", 8) == 0 && (hash = strchr(ref, '#')) != NULL)
        local = pct_decode(hash + 1, strlen(hash + 1));
    else
        local = strdup(ref);
    if (local == NULL)
        return nomem(ld);
    hit = json_object_get(refs, local);
    if (image_ref != NULL && strcmp(local, image_ref) == 0)
        p.image = 1;
    else if (hit != NULL && json_string_length(hit) > 0)
        purl = json_string_value(hit);
    else if (strncasecmp(local, "pkg:", 4) == 0)
        purl = local;
    if (purl != NULL) {
        p.purl = strdup(purl);
        if (p.purl == NULL) {
            free(local);
            return nomem(ld);
        }
        p.image = purl_is_image(purl);
    }
    free(local);
    /* An unresolvable ref is kept as a product that matches nothing. */
    if (add_prod(s, &p) < 0) {
        prod_free(&p);
        return nomem(ld);
    }
    return 0;
}

static int cdx_vuln(struct ld *ld, json_t *vu, size_t idx, json_t *refs, const char *image_ref,
                    int64_t doc_ts, int doc_has_ts)
{
    struct vex_stmt s = {0};
    char path[64], p2[256];
    const char *id, *state, *just, *detail, *ts = NULL;
    json_t *an, *arr, *e;
    size_t i;
    int r;

    path_fmt(path, sizeof(path), "vulnerabilities[%zu]", idx);
    if (!json_is_object(vu))
        return fail(ld, path, "expected an object%s", "");
    an = json_object_get(vu, "analysis");
    if (an == NULL || json_is_null(an))
        return 0; /* a plain vulnerability record, no verdict */
    path_fmt(p2, sizeof(p2), "%s.analysis", path);
    if (!json_is_object(an))
        return fail(ld, p2, "expected an object%s", "");
    if ((r = opt_str(ld, vu, "id", path, &id)) < 0)
        return r;
    if (id == NULL) {
        path_fmt(p2, sizeof(p2), "%s.id", path);
        return fail(ld, p2, "missing%s", "");
    }
    if ((r = opt_str(ld, an, "state", p2, &state)) < 0 ||
        (r = opt_str(ld, an, "justification", p2, &just)) < 0 ||
        (r = opt_str(ld, an, "detail", p2, &detail)) < 0)
        return r;
    if (state == NULL)
        return 0; /* analysis without a state says nothing we can apply */
    s.status = cdx_state(state);
    if (s.status == MOAT_VEX_NONE) {
        path_fmt(p2, sizeof(p2), "%s.analysis.state", path);
        return fail(ld, p2, "unknown state \"%.64s\"", state);
    }
    if (moat_strv_push(&s.ids, id) < 0)
        goto oom;
    if ((just != NULL || detail != NULL || s.status == MOAT_VEX_NOT_AFFECTED) &&
        (s.just = strdup(just != NULL     ? just
                         : detail != NULL ? detail
                                          : state)) == NULL)
        goto oom;
    arr = json_object_get(vu, "references");
    path_fmt(p2, sizeof(p2), "%s.references", path);
    if ((r = opt_arr(ld, arr, p2)) < 0)
        goto out;
    json_array_foreach(arr, i, e)
    {
        const char *rid;

        path_fmt(p2, sizeof(p2), "%s.references[%zu]", path, i);
        if (!json_is_object(e)) {
            r = fail(ld, p2, "expected an object%s", "");
            goto out;
        }
        if ((r = opt_str(ld, e, "id", p2, &rid)) < 0)
            goto out;
        if (rid != NULL && moat_strv_push(&s.ids, rid) < 0)
            goto oom;
    }
    if ((r = opt_str(ld, an, "lastUpdated", "analysis", &ts)) < 0 ||
        (ts == NULL && (r = opt_str(ld, vu, "updated", path, &ts)) < 0) ||
        (ts == NULL && (r = opt_str(ld, vu, "published", path, &ts)) < 0))
        goto out;
    s.has_ts = ts != NULL && moat_time_parse(ts, &s.ts) == 0;
    if (!s.has_ts && doc_has_ts) {
        s.ts = doc_ts;
        s.has_ts = 1;
    }
    arr = json_object_get(vu, "affects");
    path_fmt(p2, sizeof(p2), "%s.affects", path);
    if ((r = opt_arr(ld, arr, p2)) < 0)
        goto out;
    json_array_foreach(arr, i, e)
    {
        const char *ref;

        path_fmt(p2, sizeof(p2), "%s.affects[%zu]", path, i);
        if (!json_is_object(e)) {
            r = fail(ld, p2, "expected an object%s", "");
            goto out;
        }
        if ((r = opt_str(ld, e, "ref", p2, &ref)) < 0)
            goto out;
        if (ref == NULL) {
            path_fmt(p2, sizeof(p2), "%s.affects[%zu].ref", path, i);
            r = fail(ld, p2, "missing%s", "");
            goto out;
        }
        if ((r = cdx_affect(ld, ref, refs, image_ref, &s)) < 0)
            goto out;
    }
    return add_stmt(ld, &s);
oom:
    r = nomem(ld);
out:
    stmt_free(&s);
    return r;
}

static int load_cyclonedx(struct ld *ld, json_t *doc)
{
    json_t *vulns = json_object_get(doc, "vulnerabilities"), *md = json_object_get(doc, "metadata"),
           *refs = json_object(), *vu;
    const char *image_ref = NULL, *ts = NULL;
    int64_t doc_ts = 0;
    int has_ts = 0, r = 0;
    size_t i;

    if (refs == NULL)
        return nomem(ld);
    if ((r = opt_arr(ld, vulns, "vulnerabilities")) < 0)
        goto out;
    if (md != NULL && !json_is_null(md)) {
        json_t *mc;

        if (!json_is_object(md)) {
            r = fail(ld, "metadata", "expected an object%s", "");
            goto out;
        }
        if ((r = opt_str(ld, md, "timestamp", "metadata", &ts)) < 0)
            goto out;
        has_ts = ts != NULL && moat_time_parse(ts, &doc_ts) == 0;
        mc = json_object_get(md, "component");
        if (mc != NULL && !json_is_null(mc)) {
            if (!json_is_object(mc)) {
                r = fail(ld, "metadata.component", "expected an object%s", "");
                goto out;
            }
            if ((r = opt_str(ld, mc, "bom-ref", "metadata.component", &image_ref)) < 0)
                goto out;
        }
    }
    if ((r = cdx_components(ld, json_object_get(doc, "components"), "components", refs, 0)) < 0)
        goto out;
    json_array_foreach(vulns, i, vu)
    {
        if ((r = cdx_vuln(ld, vu, i, refs, image_ref, doc_ts, has_ts)) < 0)
            goto out;
    }
out:
    json_decref(refs);
    return r;
}

/* ---- loading --------------------------------------------------------------- */

static int key_cmp(const void *a, const void *b)
{
    const struct vex_key *x = a, *y = b;
    int c = strcasecmp(x->id, y->id);

    return c != 0 ? c : (x->stmt > y->stmt) - (x->stmt < y->stmt);
}

static int build_index(struct ld *ld)
{
    struct moat_vex *v = ld->v;
    size_t n = 0;

    for (size_t i = 0; i < v->n; i++) {
        if (v->s[i].ids.n > SIZE_MAX / 2 - n)
            return nomem(ld);
        n += v->s[i].ids.n;
    }
    if (n == 0)
        return 0;
    v->keys = calloc(n, sizeof(*v->keys));
    if (v->keys == NULL)
        return nomem(ld);
    for (size_t i = 0; i < v->n; i++)
        for (size_t j = 0; j < v->s[i].ids.n; j++)
            v->keys[v->n_keys++] = (struct vex_key){v->s[i].ids.v[j], i};
    qsort(v->keys, v->n_keys, sizeof(*v->keys), key_cmp);
    return 0;
}

int moat_vex_load_mem(const char *where, const void *data, size_t len, struct moat_vex **out,
                      struct moat_err *err)
{
    struct ld ld = {where != NULL ? where : "VEX", err, NULL};
    json_error_t jerr;
    json_t *doc, *pred;
    int r;

    *out = NULL;
    if (len > MOAT_VEX_MAX_BYTES)
        return moat_err_set(err, MOAT_E_LIMIT, "%s: VEX document larger than %u bytes", ld.where,
                            MOAT_VEX_MAX_BYTES);
    doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL)
        return moat_err_set(err, MOAT_E_FORMAT, "%s: line %d column %d: %s", ld.where, jerr.line,
                            jerr.column, jerr.text);
    ld.v = calloc(1, sizeof(*ld.v));
    if (ld.v == NULL) {
        json_decref(doc);
        return nomem(&ld);
    }
    pred = json_object_get(doc, "predicate");
    if (json_is_object(pred) && json_object_get(pred, "statements") != NULL)
        r = load_openvex(&ld, pred); /* OpenVEX in an in-toto statement */
    else if (!json_is_object(doc))
        r = fail(&ld, "", "not a JSON object%s", "");
    else if (json_object_get(doc, "statements") != NULL)
        r = load_openvex(&ld, doc);
    else if (json_object_get(doc, "bomFormat") != NULL ||
             json_object_get(doc, "vulnerabilities") != NULL)
        r = load_cyclonedx(&ld, doc);
    else
        r = fail(
            &ld, "",
            "neither an OpenVEX document (\"statements\") nor CycloneDX (\"vulnerabilities\")%s",
            "");
    json_decref(doc);
    if (r == 0)
        r = build_index(&ld);
    if (r < 0) {
        moat_vex_free(ld.v);
        return r;
    }
    *out = ld.v;
    return 0;
}

int moat_vex_load(const char *path, struct moat_vex **out, struct moat_err *err)
{
    FILE *f;
    struct stat st;
    char *data = NULL;
    size_t n = 0, cap = 0;
    int r;

    *out = NULL;
    f = fopen(path, "rb");
    if (f == NULL)
        return moat_err_set(err, errno == ENOENT ? MOAT_E_NOTFOUND : MOAT_E_IO, "%s: %s", path,
                            strerror(errno));
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
        st.st_size > (off_t)MOAT_VEX_MAX_BYTES) {
        fclose(f);
        return moat_err_set(err, MOAT_E_LIMIT, "%s: VEX document larger than %u bytes", path,
                            MOAT_VEX_MAX_BYTES);
    }
    /* Read in chunks: the file may be a pipe, and may grow while we read. */
    for (;;) {
        size_t got;

        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            char *nd;

            if (cap > MOAT_VEX_MAX_BYTES) {
                free(data);
                fclose(f);
                return moat_err_set(err, MOAT_E_LIMIT, "%s: VEX document larger than %u bytes",
                                    path, MOAT_VEX_MAX_BYTES);
            }
            nd = realloc(data, ncap);
            if (nd == NULL) {
                free(data);
                fclose(f);
                return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", path);
            }
            data = nd;
            cap = ncap;
        }
        got = fread(data + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        free(data);
        fclose(f);
        return moat_err_set(err, MOAT_E_IO, "%s: read failed", path);
    }
    fclose(f);
    r = moat_vex_load_mem(path, data, n, out, err);
    free(data);
    return r;
}

/* ---- matching ---------------------------------------------------------------- */

/* A finding's package purl, parsed once for all the statements it is held against. */
struct pkg {
    const char *purl; /* NULL: the finding has no package */
    struct moat_purl_parts parts;
    bool parsed; /* parts hold purl; false when it is not a valid purl */
};

static bool same_opt(const char *a, const char *b)
{
    return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

/*
 * Does the statement's purl name the package? Both go through moat_purl_parse:
 * type (lowercased), namespace and name must be equal; version and each
 * qualifier count only when the statement gives them (a qualifier the
 * package does not carry is no mismatch). A purl that does not parse covers
 * nothing. 1, 0 or -MOAT_E_NOMEM.
 */
static int purl_covers(const char *stmt, const struct pkg *pkg)
{
    const struct moat_purl_parts *b = &pkg->parts;
    struct moat_purl_parts a;
    int ok, r;

    if (stmt == NULL || pkg->purl == NULL)
        return 0;
    if (strcmp(stmt, pkg->purl) == 0)
        return 1;
    if (!pkg->parsed)
        return 0;
    if ((r = moat_purl_parse(stmt, &a, NULL)) < 0)
        return r == -MOAT_E_NOMEM ? r : 0;
    ok = strcmp(a.type, b->type) == 0 && same_opt(a.namespace_, b->namespace_) &&
         strcmp(a.name, b->name) == 0 && (a.version == NULL || same_opt(a.version, b->version));
    for (size_t i = 0; ok && i < a.n_qualifiers; i++) {
        const char *have = moat_purl_qualifier(b, a.qualifiers[i].key);

        ok = have == NULL || strcmp(have, a.qualifiers[i].value) == 0;
    }
    moat_purl_parts_free(&a);
    return ok;
}

/* 1 when one of the statement's products covers the package, 0 when none does, or <0. */
static int stmt_covers(const struct vex_stmt *s, const struct pkg *pkg)
{
    int r;

    if (s->n_prods == 0)
        return 1;
    for (size_t i = 0; i < s->n_prods; i++) {
        const struct vex_prod *p = &s->prods[i];

        if (!p->image) {
            if ((r = purl_covers(p->purl, pkg)) != 0)
                return r;
            continue;
        }
        if (p->subs.n == 0)
            return 1;
        for (size_t j = 0; j < p->subs.n; j++)
            if ((r = purl_covers(p->subs.v[j], pkg)) != 0)
                return r;
    }
    return 0;
}

/* Is statement a newer word than b (NULL = none)? */
static int newer(const struct moat_vex *v, size_t a, const size_t *b)
{
    const struct vex_stmt *x = &v->s[a], *y;

    if (b == NULL)
        return 1;
    y = &v->s[*b];
    if (x->has_ts && y->has_ts && x->ts != y->ts)
        return x->ts > y->ts;
    return a > *b;
}

/* The newest statement about id that covers pkg into *best (*found set). 0 or -MOAT_E_NOMEM. */
static int consider(const struct moat_vex *v, const char *id, const struct pkg *pkg, size_t *best,
                    int *found)
{
    size_t lo = 0, hi = v->n_keys;
    int r;

    if (id == NULL)
        return 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (strcasecmp(v->keys[mid].id, id) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < v->n_keys && strcasecmp(v->keys[lo].id, id) == 0; lo++) {
        size_t s = v->keys[lo].stmt;

        if (!newer(v, s, *found ? best : NULL))
            continue;
        if ((r = stmt_covers(&v->s[s], pkg)) < 0)
            return r;
        if (r > 0) {
            *best = s;
            *found = 1;
        }
    }
    return 0;
}

int moat_vex_apply(const struct moat_vex *v, struct moat_findings *findings, struct moat_err *err)
{
    int marked = 0, r = 0;

    if (v == NULL || findings == NULL)
        return 0;
    for (size_t i = 0; i < findings->n && r == 0; i++) {
        struct moat_finding *f = &findings->v[i];
        struct pkg pkg = {f->pkg_purl, {0}, false};
        size_t best = 0;
        int found = 0;
        char *just = NULL;

        if (f->pkg_purl != NULL) {
            r = moat_purl_parse(f->pkg_purl, &pkg.parts, NULL);
            pkg.parsed = r == 0;
            r = r == -MOAT_E_NOMEM ? r : 0;
        }
        if (r == 0)
            r = consider(v, f->rule_id, &pkg, &best, &found);
        for (size_t a = 0; a < f->n_aliases && r == 0; a++)
            r = consider(v, f->aliases[a], &pkg, &best, &found);
        if (pkg.parsed)
            moat_purl_parts_free(&pkg.parts);
        if (r < 0 || !found)
            continue;
        if (v->s[best].just != NULL && (just = strdup(v->s[best].just)) == NULL) {
            r = -MOAT_E_NOMEM;
            continue;
        }
        free(f->vex_justification);
        f->vex_justification = just;
        f->vex = v->s[best].status;
        if (marked < INT32_MAX)
            marked++;
    }
    if (r < 0)
        return moat_err_set(err, MOAT_E_NOMEM, "vex: out of memory");
    return marked;
}
