/*
 * debian_tracker.c - the Debian Security Tracker in its two public forms.
 *
 * JSON (security-tracker.debian.org/tracker/data/json):
 *   {SRC_PKG: {CVE_ID: {description, scope, debianbug,
 *      releases: {CODENAME: {status: resolved|open|undetermined, repositories,
 *                            fixed_version, urgency, nodsa, nodsa_reason}}}}}
 * resolved with fixed_version "0" means never affected (not stored); resolved
 * with a version is "introduced 0, fixed V"; open is "introduced 0" with a
 * status: nodsa_reason "postponed"/"ignored", else "no-dsa" when nodsa is
 * set, else "end-of-life" for that urgency, else "unfixed"; undetermined is
 * kept as "introduced 0" with status "undetermined". Urgency (trailing "*"
 * removed, "not yet assigned" dropped) becomes the distro severity.
 *
 * List (data/CVE/list with data/DSA/list beside it): for each release and
 * package the fix is the release's own line ("[bookworm] - pkg VER|<state>"),
 * else the fixed version a cross-referenced DSA gives that release, else the
 * unstable line ("- pkg VER|<unfixed>"); <not-affected>/<removed> store
 * nothing. Releases considered: buster, bullseye, bookworm, trixie and sid.
 * This follows osv.dev's DEBIAN-CVE conversion. A DSA/list alone is imported
 * as DSA-* records with their CVEs as aliases.
 *
 * Ecosystem "Debian:<release number>" (sid: "Debian:unstable"), package the
 * source package, source "debian-tracker", feed "debian-tracker" (a file
 * replaces the feed) or "debian-tracker:dsa".
 */
#include "vuln_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FEED_CVE "debian-tracker"
#define FEED_DSA "debian-tracker:dsa"

static bool line_safe_n(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] < 0x20 && s[i] != '\t') || s[i] == 0x7f)
            return false;
    return true;
}

static bool id_ok(const char *s, size_t n)
{
    if (n == 0 || n > VDB_MAX_ID_LEN)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
            return false;
    return true;
}

/* ---- JSON ---- */

struct rel_row {
    char eco[32];
    char ranges[VDB_MAX_VERSION_LEN + 16];
    const char *status, *urgency;
    char urg[32];
};

/* 0 stored/nothing to store, 1 malformed (why), <0 database error. */
static int release(json_t *r, const char *codename, struct rel_row *row, bool *store,
                   const char **why)
{
    const char *rel = vdb_debian_release(codename), *status = NULL, *fixed = NULL, *urg = NULL,
               *reason = NULL;
    json_t *nodsa;

    *store = false;
    if (!json_is_object(r)) {
        *why = "expected object";
        return 1;
    }
    if (vdb_json_str(r, "status", 64, true, &status, why) < 0 ||
        vdb_json_str(r, "fixed_version", VDB_MAX_VERSION_LEN, true, &fixed, why) < 0 ||
        vdb_json_str(r, "urgency", 64, true, &urg, why) < 0 ||
        vdb_json_str(r, "nodsa_reason", 64, true, &reason, why) < 0)
        return 1;
    if (status == NULL) {
        *why = "status: missing";
        return 1;
    }
    if (rel == NULL)
        return 0; /* a release moat does not know (e.g. a future codename): skip it */
    snprintf(row->eco, sizeof(row->eco), "Debian:%s", rel);
    row->urgency = NULL;
    if (urg != NULL) {
        size_t n = strcspn(urg, "*");

        if (n > 0 && n < sizeof(row->urg) && strncmp(urg, "not yet assigned", n) != 0) {
            memcpy(row->urg, urg, n);
            row->urg[n] = '\0';
            row->urgency = row->urg;
        }
    }
    nodsa = json_object_get(r, "nodsa");
    row->status = NULL;
    if (strcmp(status, "resolved") == 0) {
        if (fixed == NULL || *fixed == '\0') {
            *why = "resolved without fixed_version";
            return 1;
        }
        if (strcmp(fixed, "0") == 0)
            return 0;
        snprintf(row->ranges, sizeof(row->ranges), "R1\ni0\nf%s\n", fixed);
    } else if (strcmp(status, "open") == 0) {
        snprintf(row->ranges, sizeof(row->ranges), "R1\ni0\n");
        if (reason != NULL && strcmp(reason, "postponed") == 0)
            row->status = "postponed";
        else if (reason != NULL && strcmp(reason, "ignored") == 0)
            row->status = "ignored";
        else if (nodsa != NULL && !json_is_null(nodsa))
            row->status = "no-dsa";
        else if (row->urgency != NULL && strcmp(row->urgency, "end-of-life") == 0)
            row->status = "end-of-life";
        else
            row->status = "unfixed";
    } else if (strcmp(status, "undetermined") == 0) {
        snprintf(row->ranges, sizeof(row->ranges), "R1\ni0\n");
        row->status = "undetermined";
    } else {
        *why = "unknown status";
        return 1;
    }
    *store = true;
    return 0;
}

/* Validate (write=false) or store one (package, CVE) entry. */
static int cve_entry(struct vdb_imp *im, const char *pkg, const char *id, json_t *e, bool write,
                     const char **why, const char **where, struct moat_err *err)
{
    const char *desc = NULL, *codename;
    json_t *rels, *r;
    int64_t vid = 0;
    bool have_vuln = false;
    int rc;

    if (!json_is_object(e)) {
        *why = "expected object";
        return 1;
    }
    if (vdb_json_str(e, "description", VDB_MAX_STR_LEN, false, &desc, why) < 0) {
        *where = "description";
        return 1;
    }
    rels = json_object_get(e, "releases");
    if (rels == NULL || json_is_null(rels))
        return 0;
    if (!json_is_object(rels)) {
        *where = "releases";
        *why = "expected object";
        return 1;
    }
    json_object_foreach(rels, codename, r)
    {
        struct rel_row row;
        bool store;

        if ((rc = release(r, codename, &row, &store, why)) != 0) {
            *where = codename;
            return rc;
        }
        if (!store || !write)
            continue;
        if (!have_vuln) {
            struct vdb_vuln v = {
                .id = id, .source = VDB_SRC_TRACKER, .feed = FEED_CVE, .details = desc};

            if ((rc = vdb_put_vuln(im, &v, false, &vid, err)) < 0)
                return rc;
            have_vuln = true;
        }
        {
            struct vdb_affected a = {.ecosystem = row.eco,
                                     .package = pkg,
                                     .ranges = row.ranges,
                                     .distro_status = row.status,
                                     .distro_severity = row.urgency};

            if ((rc = vdb_put_affected(im, vid, id, VDB_SRC_TRACKER, FEED_CVE, &a, err)) < 0)
                return rc;
        }
    }
    if (write && have_vuln)
        im->rep->records++;
    return 0;
}

int vdb_tracker_json_begin(struct vdb_imp *im, struct moat_err *err)
{
    int r;

    if ((r = vdb_drop_feed(im, FEED_CVE, err)) < 0 || (r = vdb_touch_feed(im, FEED_CVE, err)) < 0)
        return r;
    return 0;
}

int vdb_tracker_json_package(struct vdb_imp *im, const char *name, const char *pkg, json_t *cves,
                             struct moat_err *err)
{
    const char *id;
    json_t *e;
    int r;

    if (!id_ok(pkg, strlen(pkg)) || !json_is_object(cves)) {
        vdb_skip(im, FEED_CVE, "%s: %.64s: %s", name, pkg,
                 json_is_object(cves) ? "bad package name" : "expected object");
        return 0;
    }
    json_object_foreach(cves, id, e)
    {
        const char *why = NULL, *where = "";

        if (!id_ok(id, strlen(id))) {
            vdb_skip(im, FEED_CVE, "%s: %s: %.64s: bad id", name, pkg, id);
            continue;
        }
        r = cve_entry(im, pkg, id, e, false, &why, &where, err);
        if (r == 0)
            r = cve_entry(im, pkg, id, e, true, &why, &where, err);
        if (r < 0)
            return r;
        if (r > 0)
            vdb_skip(im, FEED_CVE, "%s: %s: %s: %s%s%s", name, pkg, id, where, *where ? ": " : "",
                     why ? why : "malformed");
    }
    return 0;
}

/* ---- list format ---- */

struct line {
    const char *p;
    size_t n;
};

static bool next_line(const char *data, size_t len, size_t *pos, struct line *l)
{
    const char *nl;

    if (*pos >= len)
        return false;
    l->p = data + *pos;
    nl = memchr(l->p, '\n', len - *pos);
    l->n = nl ? (size_t)(nl - l->p) : len - *pos;
    *pos += l->n + (nl ? 1 : 0);
    if (l->n > 0 && l->p[l->n - 1] == '\r')
        l->n--;
    return true;
}

static bool starts(const struct line *l, const char *s)
{
    size_t n = strlen(s);

    return l->n >= n && memcmp(l->p, s, n) == 0;
}

bool vdb_is_tracker_list(const char *data, size_t len, bool *is_dsa)
{
    size_t pos = 0;
    struct line l = {0};

    *is_dsa = false;
    if (!next_line(data, len, &pos, &l))
        return false;
    if (starts(&l, "CVE-") || starts(&l, "TEMP-"))
        return true;
    if (l.n > 14 && l.p[0] == '[' && memchr(l.p, ']', l.n) != NULL) {
        const char *rb = memchr(l.p, ']', l.n);
        size_t off = (size_t)(rb - l.p) + 2;

        if (off + 4 < l.n &&
            (memcmp(l.p + off, "DSA-", 4) == 0 || memcmp(l.p + off, "DLA-", 4) == 0)) {
            *is_dsa = true;
            return true;
        }
    }
    return false;
}

/* One "[rel] - pkg X (notes)" or "- pkg X (notes)" annotation. */
struct ann {
    char rel[16]; /* "" for the unstable line */
    char pkg[VDB_MAX_ID_LEN + 1];
    char ver[VDB_MAX_VERSION_LEN + 1]; /* version, or "<state>" */
    char urgency[16];
};

static size_t tok(const char **p, const char *end)
{
    while (*p < end && (**p == ' ' || **p == '\t'))
        (*p)++;
    const char *s = *p;

    while (*p < end && **p != ' ' && **p != '\t')
        (*p)++;
    return (size_t)(*p - s);
}

/* Parse "\t[rel] - pkg ver (notes)" (rel optional). false when it is not an annotation. */
static bool parse_ann(const struct line *l, struct ann *a)
{
    const char *p = l->p, *end = l->p + l->n, *s;
    size_t n;

    memset(a, 0, sizeof(*a));
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    if (p < end && *p == '[') {
        const char *rb = memchr(p, ']', (size_t)(end - p));

        if (rb == NULL || (size_t)(rb - p - 1) >= sizeof(a->rel))
            return false;
        memcpy(a->rel, p + 1, (size_t)(rb - p - 1));
        p = rb + 1;
    }
    n = tok(&p, end);
    s = p - n;
    if (n != 1 || s[0] != '-')
        return false;
    n = tok(&p, end);
    if (n == 0 || n > VDB_MAX_ID_LEN)
        return false;
    memcpy(a->pkg, p - n, n);
    n = tok(&p, end);
    if (n > VDB_MAX_VERSION_LEN)
        return false;
    memcpy(a->ver, p - n, n);
    /* notes: "(low; bug #123)", "(unimportant)" */
    while (p < end && *p != '(')
        p++;
    if (p < end) {
        const char *q = p + 1;

        while (q < end && *q != ')') {
            const char *t = q;

            while (q < end && *q != ';' && *q != ')')
                q++;
            while (t < q && *t == ' ')
                t++;
            n = (size_t)(q - t);
            if ((n == 3 && memcmp(t, "low", 3) == 0) || (n == 6 && memcmp(t, "medium", 6) == 0) ||
                (n == 4 && memcmp(t, "high", 4) == 0) ||
                (n == 11 && memcmp(t, "unimportant", 11) == 0)) {
                memcpy(a->urgency, t, n);
                a->urgency[n] = '\0';
            }
            if (q < end && *q == ';')
                q++;
        }
    }
    return true;
}

/* The DSA list: per advisory its date line, CVEs and per-release fixes. */
struct dsa {
    char id[VDB_MAX_ID_LEN + 1];
    char **cves;
    size_t n_cves;
    struct ann *fixes;
    size_t n_fixes;
    char date[32];
};

struct dsa_list {
    struct dsa *v;
    size_t n;
};

static void dsa_list_free(struct dsa_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        for (size_t j = 0; j < l->v[i].n_cves; j++)
            free(l->v[i].cves[j]);
        free(l->v[i].cves);
        free(l->v[i].fixes);
    }
    free(l->v);
    memset(l, 0, sizeof(*l));
}

/* Split "{A B C}" into ids, calling add for each. */
static int xrefs(const struct line *l, char ***out, size_t *n)
{
    const char *p = memchr(l->p, '{', l->n), *end;

    if (p == NULL)
        return 0;
    end = memchr(p, '}', l->n - (size_t)(p - l->p));
    if (end == NULL)
        return 0;
    p++;
    while (p < end) {
        size_t k = tok(&p, end);
        char **nn;

        if (k == 0 || k > VDB_MAX_ID_LEN)
            continue;
        nn = realloc(*out, (*n + 1) * sizeof(char *));
        if (nn == NULL)
            return -MOAT_E_NOMEM;
        *out = nn;
        if ((nn[*n] = strndup(p - k, k)) == NULL)
            return -MOAT_E_NOMEM;
        (*n)++;
    }
    return 0;
}

static int parse_dsa_list(const char *data, size_t len, struct dsa_list *out)
{
    size_t pos = 0;
    struct line l = {0};
    struct dsa *cur = NULL;

    memset(out, 0, sizeof(*out));
    while (next_line(data, len, &pos, &l)) {
        if (l.n > 0 && l.p[0] == '[') {
            const char *rb = memchr(l.p, ']', l.n), *p, *end = l.p + l.n;
            struct dsa *nv;
            size_t k;

            if (rb == NULL)
                continue;
            nv = realloc(out->v, (out->n + 1) * sizeof(*nv));
            if (nv == NULL)
                return -MOAT_E_NOMEM;
            out->v = nv;
            cur = &nv[out->n++];
            memset(cur, 0, sizeof(*cur));
            k = (size_t)(rb - l.p - 1);
            if (k < sizeof(cur->date)) {
                memcpy(cur->date, l.p + 1, k);
                cur->date[k] = '\0';
            }
            p = rb + 1;
            k = tok(&p, end);
            if (k > 0 && k <= VDB_MAX_ID_LEN)
                memcpy(cur->id, p - k, k);
        } else if (cur != NULL && l.n > 0 && (l.p[0] == '\t' || l.p[0] == ' ')) {
            struct ann a;

            if (memchr(l.p, '{', l.n) != NULL) {
                if (xrefs(&l, &cur->cves, &cur->n_cves) < 0)
                    return -MOAT_E_NOMEM;
            } else if (parse_ann(&l, &a) && a.rel[0] != '\0' && a.ver[0] != '\0' &&
                       a.ver[0] != '<') {
                struct ann *nf = realloc(cur->fixes, (cur->n_fixes + 1) * sizeof(*nf));

                if (nf == NULL)
                    return -MOAT_E_NOMEM;
                cur->fixes = nf;
                nf[cur->n_fixes++] = a;
            }
        }
    }
    return 0;
}

static const char *const LIST_RELEASES[] = {"buster", "bullseye", "bookworm", "trixie", "sid"};

/* A CVE entry of the list: xrefs and annotations. */
struct cve_entry {
    char id[VDB_MAX_ID_LEN + 1];
    char *desc;
    char **xref;
    size_t n_xref;
    struct ann *anns;
    size_t n_anns;
};

static void cve_entry_free(struct cve_entry *c)
{
    free(c->desc);
    for (size_t i = 0; i < c->n_xref; i++)
        free(c->xref[i]);
    free(c->xref);
    free(c->anns);
    memset(c, 0, sizeof(*c));
}

static const char *state_status(const char *ver, bool *store)
{
    *store = true;
    if (strcmp(ver, "<no-dsa>") == 0)
        return "no-dsa";
    if (strcmp(ver, "<ignored>") == 0)
        return "ignored";
    if (strcmp(ver, "<postponed>") == 0)
        return "postponed";
    if (strcmp(ver, "<unfixed>") == 0)
        return "unfixed";
    if (strcmp(ver, "<end-of-life>") == 0)
        return "end-of-life";
    if (strcmp(ver, "<undetermined>") == 0)
        return "undetermined";
    *store = false; /* <not-affected>, <removed>, <itp>, <unknown> */
    return NULL;
}

static int store_cve(struct vdb_imp *im, const struct cve_entry *c, const struct dsa_list *dsas,
                     struct moat_err *err)
{
    int64_t vid = 0;
    bool have = false;
    int r;

    for (size_t i = 0; i < c->n_anns; i++) {
        const struct ann *sid = &c->anns[i];

        if (sid->rel[0] != '\0')
            continue;
        /* skip a package named twice on unstable lines */
        bool dup = false;
        for (size_t j = 0; j < i; j++)
            if (c->anns[j].rel[0] == '\0' && strcmp(c->anns[j].pkg, sid->pkg) == 0)
                dup = true;
        if (dup)
            continue;
        for (size_t ri = 0; ri < sizeof(LIST_RELEASES) / sizeof(LIST_RELEASES[0]); ri++) {
            const char *rel = LIST_RELEASES[ri], *fixed = NULL, *status = NULL;
            const struct ann *own = NULL;
            char ranges[VDB_MAX_VERSION_LEN + 16], eco[32];
            bool store = true;

            for (size_t j = 0; j < c->n_anns && strcmp(rel, "sid") != 0; j++)
                if (strcmp(c->anns[j].rel, rel) == 0 && strcmp(c->anns[j].pkg, sid->pkg) == 0)
                    own = &c->anns[j];
            if (own != NULL) {
                if (own->ver[0] == '<')
                    status = state_status(own->ver, &store);
                else if (own->ver[0] != '\0')
                    fixed = own->ver;
                else
                    store = false;
            }
            for (size_t x = 0; own == NULL && fixed == NULL && dsas && x < c->n_xref; x++)
                for (size_t d = 0; d < dsas->n && fixed == NULL; d++)
                    if (strcmp(dsas->v[d].id, c->xref[x]) == 0 && strcmp(rel, "sid") != 0)
                        for (size_t f = 0; f < dsas->v[d].n_fixes; f++)
                            if (strcmp(dsas->v[d].fixes[f].rel, rel) == 0 &&
                                strcmp(dsas->v[d].fixes[f].pkg, sid->pkg) == 0)
                                fixed = dsas->v[d].fixes[f].ver;
            if (own == NULL && fixed == NULL) {
                if (sid->ver[0] == '<')
                    status = state_status(sid->ver, &store);
                else if (sid->ver[0] != '\0')
                    fixed = sid->ver;
                else
                    store = false;
            }
            if (!store)
                continue;
            if (fixed != NULL)
                snprintf(ranges, sizeof(ranges), "R1\ni0\nf%s\n", fixed);
            else
                snprintf(ranges, sizeof(ranges), "R1\ni0\n");
            snprintf(eco, sizeof(eco), "Debian:%s", vdb_debian_release(rel));
            if (!have) {
                const char *al[64];
                size_t n_al = 0;

                for (size_t x = 0; x < c->n_xref && n_al < 64; x++)
                    al[n_al++] = c->xref[x];
                struct vdb_vuln v = {.id = c->id,
                                     .source = VDB_SRC_TRACKER,
                                     .feed = FEED_CVE,
                                     .details = c->desc,
                                     .aliases = al,
                                     .n_aliases = n_al};

                if ((r = vdb_put_vuln(im, &v, false, &vid, err)) < 0)
                    return r;
                have = true;
            }
            struct vdb_affected a = {.ecosystem = eco,
                                     .package = sid->pkg,
                                     .ranges = ranges,
                                     .distro_status = status,
                                     .distro_severity = sid->urgency[0] ? sid->urgency : NULL};
            if ((r = vdb_put_affected(im, vid, c->id, VDB_SRC_TRACKER, FEED_CVE, &a, err)) < 0)
                return r;
        }
    }
    if (have)
        im->rep->records++;
    return 0;
}

static int import_dsa_records(struct vdb_imp *im, const struct dsa_list *dl, struct moat_err *err)
{
    int r;

    if ((r = vdb_drop_feed(im, FEED_DSA, err)) < 0 || (r = vdb_touch_feed(im, FEED_DSA, err)) < 0)
        return r;
    for (size_t i = 0; i < dl->n; i++) {
        const struct dsa *d = &dl->v[i];
        int64_t vid = 0;

        if (!id_ok(d->id, strlen(d->id)) || d->n_fixes == 0)
            continue;
        struct vdb_vuln v = {.id = d->id,
                             .source = VDB_SRC_TRACKER,
                             .feed = FEED_DSA,
                             .aliases = (const char *const *)d->cves,
                             .n_aliases = d->n_cves};
        if ((r = vdb_put_vuln(im, &v, true, &vid, err)) < 0)
            return r;
        for (size_t f = 0; f < d->n_fixes; f++) {
            const char *rel = vdb_debian_release(d->fixes[f].rel);
            char ranges[VDB_MAX_VERSION_LEN + 16], eco[32];

            if (rel == NULL)
                continue;
            snprintf(eco, sizeof(eco), "Debian:%s", rel);
            snprintf(ranges, sizeof(ranges), "R1\ni0\nf%s\n", d->fixes[f].ver);
            struct vdb_affected a = {
                .ecosystem = eco, .package = d->fixes[f].pkg, .ranges = ranges};
            if ((r = vdb_put_affected(im, vid, d->id, VDB_SRC_TRACKER, FEED_DSA, &a, err)) < 0)
                return r;
        }
        im->rep->records++;
    }
    return 0;
}

int vdb_tracker_list_import(struct vdb_imp *im, const char *name, const char *data, size_t len,
                            const char *dsa, size_t dsa_len, struct moat_err *err)
{
    struct dsa_list dl = {0};
    struct cve_entry cur = {0};
    bool is_dsa = false, in_entry = false;
    size_t pos = 0;
    struct line l = {0};
    int r = 0;

    vdb_is_tracker_list(data, len, &is_dsa);
    if (is_dsa) {
        if ((r = parse_dsa_list(data, len, &dl)) < 0) {
            r = moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", name);
            goto out;
        }
        r = import_dsa_records(im, &dl, err);
        goto out;
    }
    if (dsa != NULL && (r = parse_dsa_list(dsa, dsa_len, &dl)) < 0) {
        r = moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", name);
        goto out;
    }
    if ((r = vdb_drop_feed(im, FEED_CVE, err)) < 0 || (r = vdb_touch_feed(im, FEED_CVE, err)) < 0)
        goto out;
    for (;;) {
        bool more = next_line(data, len, &pos, &l);

        if (!more || (l.n > 0 && l.p[0] != '\t' && l.p[0] != ' ')) {
            /* a new entry begins: store the previous one */
            if (in_entry && (r = store_cve(im, &cur, &dl, err)) < 0)
                goto out;
            cve_entry_free(&cur);
            in_entry = false;
            if (!more)
                break;
            {
                const char *p = l.p, *end = l.p + l.n;
                size_t k = tok(&p, end);

                if (!id_ok(l.p, k) || !line_safe_n(l.p, l.n)) {
                    /* l.p is not NUL-terminated: bound the copy by the line */
                    vdb_skip(im, FEED_CVE, "%s: line %.*s: not an entry header", name,
                             (int)(l.n < 40 ? l.n : 40), l.p);
                    continue;
                }
                memcpy(cur.id, l.p, k);
                cur.id[k] = '\0';
                while (p < end && *p == ' ')
                    p++;
                if (p < end && (*p == '(' || *p == '[')) {
                    size_t dn = (size_t)(end - p) - 1;

                    if (dn > 0 && (end[-1] == ')' || end[-1] == ']'))
                        dn--;
                    cur.desc = strndup(p + 1, dn);
                }
                in_entry = true;
            }
            continue;
        }
        if (!in_entry || l.n == 0)
            continue;
        if (memchr(l.p, '{', l.n) != NULL) {
            if (xrefs(&l, &cur.xref, &cur.n_xref) < 0) {
                r = moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", name);
                goto out;
            }
        } else {
            struct ann a;

            if (parse_ann(&l, &a) && vdb_line_safe(a.pkg) && vdb_line_safe(a.ver)) {
                struct ann *na = realloc(cur.anns, (cur.n_anns + 1) * sizeof(*na));

                if (na == NULL) {
                    r = moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", name);
                    goto out;
                }
                cur.anns = na;
                na[cur.n_anns++] = a;
            }
        }
    }
out:
    cve_entry_free(&cur);
    dsa_list_free(&dl);
    return r;
}
