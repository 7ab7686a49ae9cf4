/*
 * debian_list.c - the Debian Security Tracker's list files as the tracker's
 * repository keeps them (data/CVE/list, data/DSA/list, data/DLA/list) or a
 * user downloads them (CVE.list, DSA.list, DLA.list), imported together or
 * one after the other in any order, and decided per release the way the
 * tracker decides (its lib/python/security_db.py):
 *
 *  - a CVE entry's annotations are notes: "- pkg VER|<state> (notes)" for
 *    unstable, "[release] - pkg VER|<state> (notes)" for one release;
 *  - a DSA or DLA that lists the CVE copies its "[release] - pkg VER" notes
 *    to it: where the CVE has no note for that package and release, or one
 *    with a lower version (<not-affected> and <removed> count as version 0),
 *    the advisory's version is the fix; a CVE note without a version
 *    (<no-dsa>, <ignored>, <postponed>, <unfixed>, <end-of-life>,
 *    <undetermined>) stays;
 *  - a release with a note is fixed at its version, open with its state, or
 *    not affected (<not-affected>, <removed>, <itp>: nothing is stored);
 *  - a release without one follows unstable: "- pkg <unfixed>" is open;
 *    "- pkg VER" means a version at or above VER is fixed and one below it is
 *    vulnerable with no fix in that release (the tracker compares the
 *    release's own version). That row is "introduced 0, fixed VER" with
 *    status "fixed-in-unstable", which the matcher reports as affected with
 *    no fix: unstable's fix is never presented as the release's;
 *  - unstable itself follows its note.
 * Releases that follow unstable: buster, bullseye, bookworm, trixie, forky;
 * any other release a note or an advisory names is stored too. The urgency is
 * the note's, else unstable's ("unimportant", "low", ...).
 *
 * The CVE list's notes are kept (table tracker_notes), so a DSA or DLA list
 * imported later decides again the CVEs it names (and those its previous
 * version named), and a CVE list imported later reads the advisories already
 * in the database. Advisories are records of their own (DSA-*, DLA-*, their
 * CVEs as aliases) in feeds "debian-tracker:dsa" and "debian-tracker:dla";
 * the CVE rows are feed "debian-tracker". Each file replaces its feed. Files
 * are read line by line (a line is at most 64 KiB), never whole.
 */
#include "vuln_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "moat/version/version.h"

#define FEED_CVE "debian-tracker"
#define FEED_DSA "debian-tracker:dsa"
#define FEED_DLA "debian-tracker:dla"
#define MAX_LINE (64u << 10)
#define MAX_NOTES 4096u /* annotations of one entry */

/* Releases that follow unstable when they have no note of their own. */
static const char *const FOLLOW_UNSTABLE[] = {"10", "11", "12", "13", "14"};

/* ---- lines ---- */

struct line {
    const char *p;
    size_t n;
};

struct lines {
    const struct vdb_src *src;
    const char *name;
    char *buf; /* fd: buffered bytes [start, end) */
    size_t start, end, pos;
    bool eof;
    uint64_t total, lineno;
};

/* The next line (without "\n" or "\r\n"): 1, 0 at the end, or <0 with err set. */
static int next_line(struct lines *L, struct line *l, struct moat_err *err)
{
    const char *nl;

    if (L->src->fd < 0) {
        const char *data = L->src->mem;

        if (L->pos >= L->src->len)
            return 0;
        l->p = data + L->pos;
        nl = memchr(l->p, '\n', L->src->len - L->pos);
        l->n = nl ? (size_t)(nl - l->p) : L->src->len - L->pos;
        L->pos += l->n + (nl ? 1 : 0);
    } else {
        for (;;) {
            nl = memchr(L->buf + L->start, '\n', L->end - L->start);
            if (nl != NULL || L->eof)
                break;
            if (L->start > 0) {
                memmove(L->buf, L->buf + L->start, L->end - L->start);
                L->end -= L->start;
                L->start = 0;
            }
            if (L->end >= MAX_LINE)
                return moat_err_set(err, MOAT_E_LIMIT, "%s: line %llu longer than %u bytes",
                                    L->name, (unsigned long long)L->lineno + 1, MAX_LINE);
            ssize_t n = read(L->src->fd, L->buf + L->end, 2 * MAX_LINE - L->end);

            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                return moat_err_set(err, MOAT_E_IO, "%s: read failed: %s", L->name,
                                    strerror(errno));
            L->eof = n == 0;
            L->end += (size_t)n;
            L->total += (uint64_t)n;
            if (L->total > VDB_MAX_STREAM_BYTES)
                return moat_err_set(err, MOAT_E_LIMIT, "%s: larger than %llu bytes", L->name,
                                    (unsigned long long)VDB_MAX_STREAM_BYTES);
        }
        if (L->start >= L->end)
            return 0;
        l->p = L->buf + L->start;
        l->n = nl ? (size_t)(nl - l->p) : L->end - L->start;
        L->start += l->n + (nl ? 1 : 0);
    }
    if (l->n > MAX_LINE)
        return moat_err_set(err, MOAT_E_LIMIT, "%s: line %llu longer than %u bytes", L->name,
                            (unsigned long long)L->lineno + 1, MAX_LINE);
    if (l->n > 0 && l->p[l->n - 1] == '\r')
        l->n--;
    L->lineno++;
    return 1;
}

static int lines_open(struct lines *L, const struct vdb_src *src, const char *name,
                      struct moat_err *err)
{
    memset(L, 0, sizeof(*L));
    L->src = src;
    L->name = name;
    if (src->fd < 0)
        return 0;
    if (lseek(src->fd, 0, SEEK_SET) != 0)
        return moat_err_set(err, MOAT_E_IO, "%s: cannot seek: %s", name, strerror(errno));
    if ((L->buf = malloc(2 * MAX_LINE)) == NULL)
        return moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", name);
    return 0;
}

static bool starts(const struct line *l, const char *s)
{
    size_t n = strlen(s);

    return l->n >= n && memcmp(l->p, s, n) == 0;
}

static bool indented(const struct line *l)
{
    return l->n > 0 && (l->p[0] == '\t' || l->p[0] == ' ');
}

bool vdb_is_tracker_list(const char *data, size_t len, bool *is_dsa)
{
    const char *nl = memchr(data, '\n', len);
    struct line l = {data, nl ? (size_t)(nl - data) : len};

    *is_dsa = false;
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

/* ---- annotations ---- */

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
    return vdb_line_safe(a->pkg) && vdb_line_safe(a->ver);
}

/* "{A B C}" on a line: append the ids to *out. */
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

        if (k == 0 || k > VDB_MAX_ID_LEN || !vdb_id_ok(p - k, k))
            continue;
        if (*n >= MAX_NOTES)
            return 0;
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

/* One entry of a list: a CVE with its notes, or an advisory with its CVEs and fixes. */
struct entry {
    char id[VDB_MAX_ID_LEN + 1];
    char *desc;
    char **refs; /* {xrefs}: DSAs of a CVE, CVEs of an advisory */
    size_t n_refs;
    struct ann *anns;
    size_t n_anns;
};

static void entry_clear(struct entry *e)
{
    free(e->desc);
    for (size_t i = 0; i < e->n_refs; i++)
        free(e->refs[i]);
    free(e->refs);
    free(e->anns);
    memset(e, 0, sizeof(*e));
}

/* A body line of the current entry. */
static int entry_line(struct entry *e, const struct line *l)
{
    struct ann a;

    if (memchr(l->p, '{', l->n) != NULL)
        return xrefs(l, &e->refs, &e->n_refs);
    if (!parse_ann(l, &a) || e->n_anns >= MAX_NOTES)
        return 0;
    struct ann *na = realloc(e->anns, (e->n_anns + 1) * sizeof(*na));

    if (na == NULL)
        return -MOAT_E_NOMEM;
    e->anns = na;
    na[e->n_anns++] = a;
    return 0;
}

/* ---- deciding a CVE per release ---- */

/* A note or an advisory's fix, its release as a number ("12", "unstable"). */
struct note {
    const char *rel, *pkg, *ver, *urgency; /* ver: a version or "<state>" */
};

static const char *state_status(const char *ver, bool *store)
{
    static const char *const OPEN[] = {"no-dsa",  "ignored",     "postponed",
                                       "unfixed", "end-of-life", "undetermined"};
    size_t n = strlen(ver);

    *store = false; /* <not-affected>, <removed>, <itp>, <unknown>: nothing */
    if (n < 2 || ver[0] != '<' || ver[n - 1] != '>')
        return NULL;
    for (size_t i = 0; i < sizeof(OPEN) / sizeof(OPEN[0]); i++)
        if (strlen(OPEN[i]) == n - 2 && memcmp(OPEN[i], ver + 1, n - 2) == 0) {
            *store = true;
            return OPEN[i];
        }
    return NULL;
}

static int ver_cmp(const char *a, const char *b)
{
    int c = 0;

    if (moat_version_cmp(MOAT_VER_DPKG, a, strlen(a), b, strlen(b), &c) < 0)
        c = strcmp(a, b);
    return c;
}

struct derive {
    struct vdb_imp *im;
    const char *cve;
    int64_t vid;
    struct note *notes, *fixes;
    size_t n_notes, n_fixes;
};

static int put_row(struct derive *d, const char *rel, const char *pkg, const char *fixed,
                   const char *status, const char *urgency, struct moat_err *err)
{
    char ranges[VDB_MAX_VERSION_LEN + 16], eco[32];
    struct vdb_affected a = {.ecosystem = eco, .package = pkg, .ranges = ranges};

    snprintf(eco, sizeof(eco), "Debian:%s", rel);
    if (fixed != NULL)
        snprintf(ranges, sizeof(ranges), "R1\ni0\nf%s\n", fixed);
    else
        snprintf(ranges, sizeof(ranges), "R1\ni0\n");
    a.distro_status = status;
    a.distro_severity = urgency != NULL && *urgency != '\0' ? urgency : NULL;
    return vdb_put_affected(d->im, d->vid, d->cve, VDB_SRC_TRACKER, FEED_CVE, &a, err);
}

/* The tracker's decision for (pkg, rel); sid is unstable's note for pkg, or NULL. */
static int decide(struct derive *d, const char *pkg, const char *rel, const struct note *sid,
                  struct moat_err *err)
{
    const struct note *own = NULL;
    const char *best = NULL, *status = NULL, *urgency;
    bool store = true;

    for (size_t i = 0; i < d->n_notes && own == NULL; i++)
        if (strcmp(d->notes[i].rel, rel) == 0 && strcmp(d->notes[i].pkg, pkg) == 0)
            own = &d->notes[i];
    urgency = own != NULL && *own->urgency ? own->urgency : sid != NULL ? sid->urgency : NULL;
    if (own != NULL && own->ver[0] == '<') {
        status = state_status(own->ver, &store);
        if (!store)
            best = "0"; /* not affected: an advisory's version may still win */
    } else if (own != NULL && own->ver[0] != '\0') {
        best = own->ver;
    }
    if (status != NULL)
        return put_row(d, rel, pkg, NULL, status, urgency, err);
    for (size_t i = 0; i < d->n_fixes; i++)
        if (strcmp(d->fixes[i].rel, rel) == 0 && strcmp(d->fixes[i].pkg, pkg) == 0 &&
            (best == NULL || ver_cmp(d->fixes[i].ver, best) > 0))
            best = d->fixes[i].ver;
    if (best != NULL)
        return strcmp(best, "0") == 0 ? 0 : put_row(d, rel, pkg, best, NULL, urgency, err);
    if (own != NULL || sid == NULL || sid->ver[0] == '\0')
        return 0;
    if (sid->ver[0] == '<') {
        status = state_status(sid->ver, &store);
        return store ? put_row(d, rel, pkg, NULL, status, urgency, err) : 0;
    }
    if (strcmp(rel, "unstable") == 0)
        return put_row(d, rel, pkg, sid->ver, NULL, urgency, err);
    return put_row(d, rel, pkg, sid->ver, "fixed-in-unstable", urgency, err);
}

static bool has_rel(const char *const *v, size_t n, const char *rel)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i], rel) == 0)
            return true;
    return false;
}

/* Every release of pkg: those that follow unstable, unstable, and any note or fix names. */
static int decide_pkg(struct derive *d, const char *pkg, struct moat_err *err)
{
    const char *rels[64];
    const struct note *sid = NULL;
    size_t n = 0;
    int r;

    for (size_t i = 0; i < sizeof(FOLLOW_UNSTABLE) / sizeof(FOLLOW_UNSTABLE[0]); i++)
        rels[n++] = FOLLOW_UNSTABLE[i];
    rels[n++] = "unstable";
    for (size_t i = 0; i < d->n_notes; i++) {
        if (strcmp(d->notes[i].pkg, pkg) != 0)
            continue;
        if (sid == NULL && strcmp(d->notes[i].rel, "unstable") == 0)
            sid = &d->notes[i];
        if (n < 64 && !has_rel(rels, n, d->notes[i].rel))
            rels[n++] = d->notes[i].rel;
    }
    for (size_t i = 0; i < d->n_fixes; i++)
        if (n < 64 && strcmp(d->fixes[i].pkg, pkg) == 0 && !has_rel(rels, n, d->fixes[i].rel))
            rels[n++] = d->fixes[i].rel;
    for (size_t i = 0; i < n; i++)
        if ((r = decide(d, pkg, rels[i], sid, err)) < 0)
            return r;
    return 0;
}

static int prep(struct vdb_imp *im, const char *sql, sqlite3_stmt **st, struct moat_err *err)
{
    if (sqlite3_prepare_v2(im->vdb->db, sql, -1, st, NULL) != SQLITE_OK)
        return vdb_sqlerr(im->vdb->db, im->vdb->path, "tracker lists", err);
    return 0;
}

static char *col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *s = sqlite3_column_text(st, i);

    return strdup(s != NULL ? (const char *)s : "");
}

/* Rows of a query as notes: (rel, pkg, ver, urgency) columns; rel "Debian:12" or a codename. */
static int load_notes(struct vdb_imp *im, sqlite3_stmt *st, struct note **out, size_t *n,
                      struct moat_err *err)
{
    int s;

    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        const char *rel = (const char *)sqlite3_column_text(st, 0);
        struct note *nn, *x;

        if (rel == NULL)
            continue;
        if (strncmp(rel, "Debian:", 7) == 0)
            rel += 7;
        else if ((rel = *rel == '\0' ? "unstable" : vdb_debian_release(rel)) == NULL)
            continue; /* a release moat does not know ("experimental") */
        if (*n >= MAX_NOTES * 4)
            break;
        nn = realloc(*out, (*n + 1) * sizeof(*nn));
        if (nn == NULL)
            return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
        *out = nn;
        x = &nn[(*n)++];
        x->rel = strdup(rel);
        x->pkg = col_dup(st, 1);
        x->ver = col_dup(st, 2);
        x->urgency = col_dup(st, 3);
        if (x->rel == NULL || x->pkg == NULL || x->ver == NULL || x->urgency == NULL)
            return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    }
    if (s != SQLITE_DONE)
        return vdb_sqlerr(im->vdb->db, im->vdb->path, "tracker lists", err);
    return 0;
}

static void notes_free(struct note *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free((char *)v[i].rel);
        free((char *)v[i].pkg);
        free((char *)v[i].ver);
        free((char *)v[i].urgency);
    }
    free(v);
}

/* "R1\ni0\nf<VER>\n" -> VER in place (the only ranges advisories are stored with). */
static const char *fixed_of(const char *ranges)
{
    const char *f = ranges != NULL ? strstr(ranges, "\nf") : NULL;

    return f != NULL ? f + 2 : NULL;
}

/* Decide cve (record vid) again from its notes and the advisories that name it. */
static int derive_cve(struct vdb_imp *im, const char *cve, int64_t vid, struct moat_err *err)
{
    struct derive d = {.im = im, .cve = cve, .vid = vid};
    sqlite3_stmt *st = NULL;
    int r;

    if ((r = prep(im,
                  "SELECT release, package, coalesce(version, '<' || state || '>'), urgency"
                  " FROM tracker_notes WHERE cve = ?1 ORDER BY seq",
                  &st, err)) < 0)
        goto out;
    sqlite3_bind_text(st, 1, cve, -1, SQLITE_STATIC);
    if ((r = load_notes(im, st, &d.notes, &d.n_notes, err)) < 0)
        goto out;
    sqlite3_finalize(st);
    if ((r = prep(im,
                  "SELECT f.ecosystem, f.package, f.ranges, '' FROM aliases a"
                  " JOIN vulns v ON v.vid = a.vid JOIN affected f ON f.vid = v.vid"
                  " WHERE a.alias = ?1 AND v.source = 'debian-tracker'"
                  " AND v.feed IN ('" FEED_DSA "', '" FEED_DLA "') ORDER BY v.id",
                  &st, err)) < 0)
        goto out;
    sqlite3_bind_text(st, 1, cve, -1, SQLITE_STATIC);
    if ((r = load_notes(im, st, &d.fixes, &d.n_fixes, err)) < 0)
        goto out;
    for (size_t i = 0; i < d.n_fixes; i++) {
        const char *v = fixed_of(d.fixes[i].ver);
        char *t = v != NULL ? strndup(v, strcspn(v, "\n")) : strdup("0");

        if (t == NULL) {
            r = moat_err_set(err, MOAT_E_NOMEM, "out of memory");
            goto out;
        }
        free((char *)d.fixes[i].ver);
        d.fixes[i].ver = t;
    }
    sqlite3_finalize(st);
    if ((r = prep(im, "DELETE FROM affected WHERE vid = ?1 AND feed = '" FEED_CVE "'", &st, err)) <
        0)
        goto out;
    sqlite3_bind_int64(st, 1, vid);
    if (sqlite3_step(st) != SQLITE_DONE) {
        r = vdb_sqlerr(im->vdb->db, im->vdb->path, "write failed", err);
        goto out;
    }
    /* each package once, in the order the entry names them */
    for (size_t i = 0; i < d.n_notes + d.n_fixes && r == 0; i++) {
        const char *pkg = i < d.n_notes ? d.notes[i].pkg : d.fixes[i - d.n_notes].pkg;
        bool seen = false;

        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(pkg, j < d.n_notes ? d.notes[j].pkg : d.fixes[j - d.n_notes].pkg) == 0;
        if (!seen)
            r = decide_pkg(&d, pkg, err);
    }
out:
    sqlite3_finalize(st);
    notes_free(d.notes, d.n_notes);
    notes_free(d.fixes, d.n_fixes);
    return r;
}

/* ---- the CVE list ---- */

static int store_cve(struct vdb_imp *im, sqlite3_stmt *ins, const struct entry *e,
                     struct moat_err *err)
{
    struct vdb_vuln v = {.id = e->id,
                         .source = VDB_SRC_TRACKER,
                         .feed = FEED_CVE,
                         .details = e->desc,
                         .aliases = (const char *const *)e->refs,
                         .n_aliases = e->n_refs};
    int64_t vid = 0;
    int r;

    if (e->n_anns == 0)
        return 0; /* RESERVED, REJECTED, NOT-FOR-US, TODO: nothing to decide */
    if ((r = vdb_put_vuln(im, &v, false, &vid, err)) < 0)
        return r;
    for (size_t i = 0; i < e->n_anns; i++) {
        const struct ann *a = &e->anns[i];
        bool state = a->ver[0] == '<' && a->ver[strlen(a->ver) - 1] == '>';

        sqlite3_bind_text(ins, 1, e->id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 2, (sqlite3_int64)(im->tracker_seq++));
        sqlite3_bind_text(ins, 3, a->rel, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 4, a->pkg, -1, SQLITE_STATIC);
        if (state) {
            sqlite3_bind_null(ins, 5);
            sqlite3_bind_text(ins, 6, a->ver + 1, (int)strlen(a->ver) - 2, SQLITE_STATIC);
        } else {
            sqlite3_bind_text(ins, 5, a->ver, -1, SQLITE_STATIC);
            sqlite3_bind_null(ins, 6);
        }
        sqlite3_bind_text(ins, 7, a->urgency, -1, SQLITE_STATIC);
        r = sqlite3_step(ins);
        sqlite3_reset(ins);
        if (r != SQLITE_DONE)
            return vdb_sqlerr(im->vdb->db, im->vdb->path, "write failed", err);
    }
    im->rep->records++;
    return derive_cve(im, e->id, vid, err);
}

/* "CVE-2024-1234 (description ...)" or "CVE-2024-1234 [title]": false when not a header. */
static bool cve_header(const struct line *l, struct entry *e)
{
    const char *p = l->p, *end = l->p + l->n;
    size_t k = tok(&p, end);

    if (!vdb_id_ok(l->p, k) || k > VDB_MAX_ID_LEN)
        return false;
    for (size_t i = 0; i < l->n; i++)
        if (((unsigned char)l->p[i] < 0x20 && l->p[i] != '\t') || l->p[i] == 0x7f)
            return false;
    memcpy(e->id, l->p, k);
    e->id[k] = '\0';
    while (p < end && *p == ' ')
        p++;
    if (p < end && (*p == '(' || *p == '[')) {
        size_t dn = (size_t)(end - p) - 1;

        if (dn > 0 && (end[-1] == ')' || end[-1] == ']'))
            dn--;
        e->desc = strndup(p + 1, dn);
    }
    return true;
}

/* How a list's entries are recognised and stored. */
struct list_kind {
    const char *feed, *what;                               /* what: "entry", "advisory" */
    bool (*header)(const struct line *l, struct entry *e); /* false: not a header line */
    int (*store)(struct vdb_imp *im, void *ctx, const struct entry *e, struct moat_err *err);
    void *ctx;
};

/* Read a list: a header line starts an entry, indented lines are its body; store each entry. */
static int read_entries(struct vdb_imp *im, const char *name, struct lines *L,
                        const struct list_kind *k, struct moat_err *err)
{
    struct entry cur = {0};
    struct line l;
    bool in_entry = false;
    int r = 0, more;

    for (;;) {
        if ((more = next_line(L, &l, err)) < 0) {
            r = more;
            break;
        }
        if (more && (l.n == 0 || indented(&l))) {
            if (in_entry && l.n > 0 && entry_line(&cur, &l) < 0) {
                r = moat_err_set(err, MOAT_E_NOMEM, "%s: out of memory", name);
                break;
            }
            continue;
        }
        /* a new entry begins (or the file ends): store the previous one */
        if (in_entry && (r = k->store(im, k->ctx, &cur, err)) < 0)
            break;
        entry_clear(&cur);
        in_entry = false;
        vdb_progress(im);
        if (!more)
            break;
        in_entry = k->header(&l, &cur);
        if (!in_entry) {
            /* l.p is not NUL-terminated: bound the copy by the line */
            vdb_skip(im, k->feed, "%s: line %.*s: not an %s header", name,
                     (int)(l.n < 40 ? l.n : 40), l.p, k->what);
            entry_clear(&cur);
        }
    }
    entry_clear(&cur);
    return r;
}

static int store_cve_entry(struct vdb_imp *im, void *ctx, const struct entry *e,
                           struct moat_err *err)
{
    return store_cve(im, ctx, e, err);
}

static int import_cve_list(struct vdb_imp *im, const char *name, struct lines *L,
                           struct moat_err *err)
{
    sqlite3_stmt *ins = NULL;
    struct list_kind k = {FEED_CVE, "entry", cve_header, store_cve_entry, NULL};
    int r;

    if ((r = vdb_drop_feed(im, FEED_CVE, err)) < 0 || (r = vdb_touch_feed(im, FEED_CVE, err)) < 0 ||
        (r = vdb_exec(im->vdb->db, im->vdb->path, "DELETE FROM tracker_notes", err)) < 0 ||
        (r = prep(im,
                  "INSERT INTO tracker_notes(cve, seq, release, package, version, state, urgency)"
                  " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                  &ins, err)) < 0)
        goto out;
    k.ctx = ins;
    r = read_entries(im, name, L, &k, err);
out:
    sqlite3_finalize(ins);
    return r;
}

/* ---- DSA and DLA lists ---- */

/* "[03 Oct 2023] DSA-5514-1 glibc - security update": false when not a header. */
static bool advisory_header(const struct line *l, struct entry *e)
{
    const char *rb = l->n > 0 && l->p[0] == '[' ? memchr(l->p, ']', l->n) : NULL, *p, *end;
    size_t k;

    if (rb == NULL)
        return false;
    p = rb + 1;
    end = l->p + l->n;
    k = tok(&p, end);
    if (k == 0 || k > VDB_MAX_ID_LEN || !vdb_id_ok(p - k, k))
        return false;
    memcpy(e->id, p - k, k);
    e->id[k] = '\0';
    while (p < end && *p == ' ')
        p++;
    if (p < end && vdb_line_safe_n(p, (size_t)(end - p)))
        e->desc = strndup(p, (size_t)(end - p));
    return true;
}

/* One advisory: its record, a row per "[release] - pkg VER", its CVEs noted for deciding. */
static int store_advisory(struct vdb_imp *im, const char *feed, sqlite3_stmt *mark,
                          const struct entry *e, struct moat_err *err)
{
    struct vdb_vuln v = {.id = e->id,
                         .source = VDB_SRC_TRACKER,
                         .feed = feed,
                         .summary = e->desc,
                         .aliases = (const char *const *)e->refs,
                         .n_aliases = e->n_refs};
    int64_t vid = 0;
    size_t n_rows = 0;
    int r;

    for (size_t i = 0; i < e->n_anns; i++)
        n_rows += e->anns[i].rel[0] != '\0' && e->anns[i].ver[0] != '\0' &&
                  e->anns[i].ver[0] != '<' && vdb_debian_release(e->anns[i].rel) != NULL;
    if (n_rows == 0)
        return 0;
    if ((r = vdb_put_vuln(im, &v, true, &vid, err)) < 0)
        return r;
    for (size_t i = 0; i < e->n_anns; i++) {
        const struct ann *a = &e->anns[i];
        const char *rel = a->rel[0] != '\0' ? vdb_debian_release(a->rel) : NULL;
        char ranges[VDB_MAX_VERSION_LEN + 16], eco[32];
        struct vdb_affected af = {.ecosystem = eco, .package = a->pkg, .ranges = ranges};

        if (rel == NULL || a->ver[0] == '\0' || a->ver[0] == '<')
            continue;
        snprintf(eco, sizeof(eco), "Debian:%s", rel);
        snprintf(ranges, sizeof(ranges), "R1\ni0\nf%s\n", a->ver);
        if ((r = vdb_put_affected(im, vid, e->id, VDB_SRC_TRACKER, feed, &af, err)) < 0)
            return r;
    }
    for (size_t i = 0; i < e->n_refs; i++) {
        sqlite3_bind_text(mark, 1, e->refs[i], -1, SQLITE_STATIC);
        r = sqlite3_step(mark);
        sqlite3_reset(mark);
        if (r != SQLITE_DONE)
            return vdb_sqlerr(im->vdb->db, im->vdb->path, "write failed", err);
    }
    im->rep->records++;
    return 0;
}

/* Decide again every CVE noted in moat_rederive that the CVE list gave notes for. */
static int rederive(struct vdb_imp *im, struct moat_err *err)
{
    sqlite3_stmt *st = NULL;
    char **ids = NULL;
    int64_t *vids = NULL;
    size_t n = 0;
    int r, s;

    if ((r = prep(im,
                  "SELECT v.id, v.vid FROM temp.moat_rederive m JOIN vulns v ON v.id = m.cve"
                  " WHERE v.source = 'debian-tracker' AND v.feed = '" FEED_CVE "'"
                  " AND EXISTS (SELECT 1 FROM tracker_notes t WHERE t.cve = m.cve)",
                  &st, err)) < 0)
        return r;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        char **ni = realloc(ids, (n + 1) * sizeof(*ni));
        int64_t *nv = ni != NULL ? realloc(vids, (n + 1) * sizeof(*nv)) : NULL;

        if (ni != NULL)
            ids = ni;
        if (nv != NULL)
            vids = nv;
        if (ni == NULL || nv == NULL || (ids[n] = col_dup(st, 0)) == NULL) {
            r = moat_err_set(err, MOAT_E_NOMEM, "out of memory");
            break;
        }
        vids[n++] = sqlite3_column_int64(st, 1);
    }
    if (r == 0 && s != SQLITE_DONE)
        r = vdb_sqlerr(im->vdb->db, im->vdb->path, "tracker lists", err);
    sqlite3_finalize(st);
    for (size_t i = 0; i < n && r == 0; i++)
        r = derive_cve(im, ids[i], vids[i], err);
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
    free(vids);
    return r;
}

struct adv_ctx {
    const char *feed;
    sqlite3_stmt *mark;
};

static int store_advisory_entry(struct vdb_imp *im, void *ctx, const struct entry *e,
                                struct moat_err *err)
{
    struct adv_ctx *a = ctx;

    return store_advisory(im, a->feed, a->mark, e, err);
}

static int import_advisory_list(struct vdb_imp *im, const char *name, struct lines *L,
                                const char *feed, struct moat_err *err)
{
    struct adv_ctx a = {feed, NULL};
    struct list_kind k = {feed, "advisory", advisory_header, store_advisory_entry, &a};
    sqlite3_stmt *old = NULL;
    int r;

    /* the CVEs the feed's previous advisories named are decided again too */
    if ((r = vdb_exec(im->vdb->db, im->vdb->path,
                      "CREATE TEMP TABLE IF NOT EXISTS moat_rederive(cve TEXT PRIMARY KEY)"
                      " WITHOUT ROWID; DELETE FROM temp.moat_rederive",
                      err)) < 0 ||
        (r = prep(im,
                  "INSERT OR IGNORE INTO temp.moat_rederive SELECT a.alias FROM aliases a"
                  " JOIN vulns v ON v.vid = a.vid WHERE v.feed = ?1",
                  &old, err)) < 0)
        goto out;
    sqlite3_bind_text(old, 1, feed, -1, SQLITE_STATIC);
    if (sqlite3_step(old) != SQLITE_DONE) {
        r = vdb_sqlerr(im->vdb->db, im->vdb->path, "write failed", err);
        goto out;
    }
    if ((r = vdb_drop_feed(im, feed, err)) < 0 || (r = vdb_touch_feed(im, feed, err)) < 0 ||
        (r = prep(im, "INSERT OR IGNORE INTO temp.moat_rederive(cve) VALUES(?1)", &a.mark, err)) <
            0 ||
        (r = read_entries(im, name, L, &k, err)) < 0 || (r = rederive(im, err)) < 0)
        goto out;
    r = vdb_exec(im->vdb->db, im->vdb->path, "DELETE FROM temp.moat_rederive", err);
out:
    sqlite3_finalize(old);
    sqlite3_finalize(a.mark);
    return r;
}

int vdb_tracker_list_import(struct vdb_imp *im, const char *name, const struct vdb_src *src,
                            struct moat_err *err)
{
    struct lines L;
    char head[64];
    size_t n = 0;
    bool is_adv = false;
    int r;

    if (src->fd >= 0) {
        ssize_t k = pread(src->fd, head, sizeof(head), 0);

        n = k > 0 ? (size_t)k : 0;
    } else {
        n = src->len < sizeof(head) ? src->len : sizeof(head);
        memcpy(head, src->mem, n);
    }
    if (!vdb_is_tracker_list(head, n, &is_adv))
        return moat_err_set(err, MOAT_E_FORMAT, "%s: not a Debian tracker list", name);
    if ((r = lines_open(&L, src, name, err)) < 0)
        return r;
    if (!is_adv)
        r = import_cve_list(im, name, &L, err);
    else
        r = import_advisory_list(im, name, &L,
                                 memmem(head, n, "] DLA-", 6) != NULL ? FEED_DLA : FEED_DSA, err);
    free(L.buf);
    return r;
}

int moat_vulndb_warnings(struct moat_vulndb *db, char ***out, size_t *n, struct moat_err *err)
{
    static const struct {
        const char *feed, *text;
    } NEED[] = {
        {FEED_DSA, "the Debian tracker's CVE list was imported without its DSA list: fixes that "
                   "DSAs made in Debian's stable release cannot be known, so patched packages "
                   "are reported as affected (import DSA.list or data/DSA/list too)"},
        {FEED_DLA, "the Debian tracker's CVE list was imported without its DLA list: fixes that "
                   "DLAs made in Debian's LTS releases cannot be known, so patched packages are "
                   "reported as affected (import DLA.list or data/DLA/list too)"},
    };
    sqlite3_stmt *st = NULL;
    int r = 0;

    *out = NULL;
    *n = 0;
    /* a database from before tracker_notes (read-only, schema 1) has no list notes */
    if (sqlite3_prepare_v2(db->db,
                           "SELECT EXISTS (SELECT 1 FROM tracker_notes),"
                           " EXISTS (SELECT 1 FROM sources WHERE name = ?1)",
                           -1, &st, NULL) != SQLITE_OK)
        return 0;
    for (size_t i = 0; i < sizeof(NEED) / sizeof(NEED[0]); i++) {
        sqlite3_bind_text(st, 1, NEED[i].feed, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_ROW) {
            r = vdb_sqlerr(db->db, db->path, "cannot read", err);
            break;
        }
        if (sqlite3_column_int(st, 0) && !sqlite3_column_int(st, 1)) {
            char **nv = realloc(*out, (*n + 1) * sizeof(*nv));

            if (nv == NULL || (nv[*n] = strdup(NEED[i].text)) == NULL) {
                if (nv != NULL)
                    *out = nv;
                r = moat_err_set(err, MOAT_E_NOMEM, "out of memory");
                break;
            }
            *out = nv;
            (*n)++;
        }
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    if (r < 0) {
        moat_vulndb_warnings_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return r;
}

void moat_vulndb_warnings_free(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}
