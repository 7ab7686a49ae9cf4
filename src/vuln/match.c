/*
 * match.c - packages x advisories -> findings.
 *
 * For each package: look up the advisories for its (ecosystem, source
 * package), keep those whose ranges contain its version (affects.c), then
 * merge the hits that describe the same vulnerability under different ids
 * (a DSA and its CVE, a GHSA and its CVE) into one finding named by the CVE.
 * Severity is the advisory's own rating where it has one: a CVSS vector of
 * the record (v4.0, v3.x, v2, scored by cvss.c), else its rating word
 * (Debian's urgency, a GHSA's severity); else NVD's CVSS v4.0, v3.1, v3.0
 * then v2 for the CVE, NVD's own before a CNA's; else UNKNOWN. The finding
 * says where it came from (severity_source) and the vector used.
 */
#include "moat/vuln/match.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "moat/sbom/sbom.h"
#include "moat/vuln/cvss.h"

#define SCORER_MAX 256 /* an NVD metric's source, as the importer bounds ids */

struct hit {
    char *id;
    char *fixed; /* NULL: no fix for this version */
    char *distro_status;
    char *distro_severity;
    char *source;
    char *ecosystem;
};

struct hits {
    struct hit *v;
    size_t n, cap;
    enum moat_ecosystem_kind kind;
    const char *version;
    struct moat_match_stats *stats;
    struct moat_err *err;
};

static char *dup_or_null(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

static void hits_clear(struct hits *h)
{
    for (size_t i = 0; i < h->n; i++) {
        free(h->v[i].id);
        free(h->v[i].fixed);
        free(h->v[i].distro_status);
        free(h->v[i].distro_severity);
        free(h->v[i].source);
        free(h->v[i].ecosystem);
    }
    h->n = 0;
}

static int on_affected(void *ctx, const struct moat_affected *a)
{
    struct hits *h = ctx;
    const char *fixed = NULL;
    bool affected = false;
    struct hit *x;

    if (moat_vuln_affects(h->kind, a, h->version, &affected, &fixed) < 0) {
        h->stats->bad_versions++;
        return 0;
    }
    if (!affected)
        return 0;
    /* the tracker knows only unstable's fix: this release has none */
    if (a->distro_status != NULL && strcmp(a->distro_status, "fixed-in-unstable") == 0)
        fixed = NULL;
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 16;
        struct hit *v = realloc(h->v, cap * sizeof(*v));

        if (v == NULL)
            return moat_err_set(h->err, MOAT_E_NOMEM, "out of memory");
        h->v = v;
        h->cap = cap;
    }
    x = &h->v[h->n];
    memset(x, 0, sizeof(*x));
    x->id = strdup(a->vuln_id);
    x->fixed = dup_or_null(fixed);
    x->distro_status = dup_or_null(a->distro_status);
    x->distro_severity = dup_or_null(a->distro_severity);
    x->source = dup_or_null(a->source);
    x->ecosystem = dup_or_null(a->ecosystem);
    h->n++;
    if (x->id == NULL || (fixed != NULL && x->fixed == NULL))
        return moat_err_set(h->err, MOAT_E_NOMEM, "out of memory");
    return 0;
}

static bool is_cve(const char *id)
{
    return strncmp(id, "CVE-", 4) == 0;
}

/* The name a vulnerability is reported under: its own id if a CVE, else its only CVE alias. */
static const char *canonical_id(const struct moat_vuln_info *info)
{
    const char *cve = NULL;

    if (is_cve(info->id))
        return info->id;
    for (size_t i = 0; i < info->n_aliases; i++) {
        if (!is_cve(info->aliases[i]))
            continue;
        if (cve != NULL)
            return info->id; /* a DSA covering several CVEs stays itself */
        cve = info->aliases[i];
    }
    return cve != NULL ? cve : info->id;
}

static int add_alias(struct moat_finding *f, const char *id)
{
    char **v;

    if (strcmp(id, f->rule_id) == 0)
        return 0;
    for (size_t i = 0; i < f->n_aliases; i++)
        if (strcmp(f->aliases[i], id) == 0)
            return 0;
    v = realloc(f->aliases, (f->n_aliases + 1) * sizeof(*v));
    if (v == NULL)
        return -MOAT_E_NOMEM;
    f->aliases = v;
    if ((v[f->n_aliases] = strdup(id)) == NULL)
        return -MOAT_E_NOMEM;
    f->n_aliases++;
    return 0;
}

static int cmp_strp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- severity ---- */

static int vector_rank(enum moat_cvss_version v)
{
    return v == MOAT_CVSS_V40 ? 0 : v == MOAT_CVSS_V31 ? 1 : v == MOAT_CVSS_V30 ? 2 : 3;
}

/* A base score to a rating: CVSS v2's own table for v2 (no CRITICAL), else v3.x/v4.0's. */
static enum moat_severity rating_of(enum moat_cvss_version v, double score)
{
    if (v == MOAT_CVSS_V2)
        return score >= 7.0 ? MOAT_SEV_HIGH : score >= 4.0 ? MOAT_SEV_MEDIUM : MOAT_SEV_LOW;
    return moat_severity_from_score(score);
}

/* Replace *slot with a copy of s (NULL stays NULL). */
static int set_str(char **slot, const char *s)
{
    char *c = s != NULL ? strdup(s) : NULL;

    if (s != NULL && c == NULL)
        return -MOAT_E_NOMEM;
    free(*slot);
    *slot = c;
    return 0;
}

/* The CVSS facts shown with a finding (cvss.score/vector/source in the reports). */
static int set_cvss(struct moat_finding *f, const char *vector, double score, const char *source)
{
    f->cvss_score = score;
    if (set_str(&f->cvss_vector, vector) < 0 || set_str(&f->cvss_source, source) < 0)
        return -MOAT_E_NOMEM;
    return 0;
}

/* The severity, from vector (NULL: a rating word) by source. */
static int set_severity(struct moat_finding *f, enum moat_severity sev, const char *source,
                        const char *vector, double score)
{
    f->severity = sev;
    if (set_str(&f->severity_source, source) < 0 || set_str(&f->severity_vector, vector) < 0)
        return -MOAT_E_NOMEM;
    return vector != NULL ? set_cvss(f, vector, score, source) : 0;
}

/* Who rated in a record: "ghsa" for GitHub's advisories, the distribution for its tracker and
 * secdb, else "osv"; for a rating on an affected entry, the ecosystem's name ("debian"). */
static const char *record_source(const struct moat_vuln_info *info)
{
    if (strncmp(info->id, "GHSA-", 5) == 0)
        return "ghsa";
    if (strcmp(info->source, "debian-tracker") == 0)
        return "debian";
    if (strcmp(info->source, "alpine-secdb") == 0)
        return "alpine";
    return "osv";
}

static void eco_source(const char *ecosystem, char *buf, size_t cap)
{
    size_t n = 0;

    for (; ecosystem != NULL && ecosystem[n] != '\0' && ecosystem[n] != ':' && n + 1 < cap; n++)
        buf[n] =
            (char)((ecosystem[n] >= 'A' && ecosystem[n] <= 'Z') ? ecosystem[n] + 32 : ecosystem[n]);
    buf[n] = '\0';
}

/*
 * The advisory's own rating, merged over the hits of one finding: a CVSS
 * vector of the record (v4.0, then v3.x, then v2; the highest score within
 * the first version found) wins over a rating word (the record's
 * database_specific severity, the affected entry's urgency or severity; the
 * most severe of them).
 */
static int own_severity(struct moat_finding *f, const struct moat_vuln_info *info,
                        const struct hit *h)
{
    static const char *const TYPES[] = {"CVSS_V4", "CVSS_V3", "CVSS_V2"};
    enum moat_cvss_version cur_v = MOAT_CVSS_V2;
    double cur_score = -1;
    char eco[64];
    const struct {
        const char *word, *source;
    } words[] = {{h->distro_severity, eco}, {info->source_severity, record_source(info)}};

    if (f->severity_vector != NULL &&
        moat_cvss_score(f->severity_vector, strlen(f->severity_vector), &cur_v, &cur_score, NULL) <
            0)
        cur_score = -1;
    for (size_t i = 0; i < info->n_severity; i++) {
        const struct moat_vuln_severity *sv = &info->severity[i];
        enum moat_cvss_version ver;
        double score;
        bool known = false;

        for (size_t t = 0; t < 3 && sv->type != NULL; t++)
            known |= strcmp(sv->type, TYPES[t]) == 0;
        if (!known || sv->score == NULL ||
            moat_cvss_score(sv->score, strlen(sv->score), &ver, &score, NULL) < 0)
            continue;
        if (f->severity_vector != NULL && cur_score >= 0 &&
            (vector_rank(ver) > vector_rank(cur_v) ||
             (vector_rank(ver) == vector_rank(cur_v) && score <= cur_score)))
            continue;
        if (set_severity(f, rating_of(ver, score), record_source(info), sv->score, score) < 0)
            return -MOAT_E_NOMEM;
        cur_v = ver;
        cur_score = score;
    }
    if (f->severity_vector != NULL)
        return 0;
    eco_source(h->ecosystem, eco, sizeof(eco));
    for (size_t i = 0; i < 2; i++) {
        enum moat_severity sev;

        if (words[i].word == NULL || moat_severity_parse(words[i].word, &sev) < 0 ||
            sev == MOAT_SEV_UNKNOWN || (f->severity_source != NULL && sev <= f->severity))
            continue;
        if (set_severity(f, sev, words[i].source, NULL, -1) < 0)
            return -MOAT_E_NOMEM;
    }
    return 0;
}

/* NVD's preferred metric over the finding's CVE ids: the first of each id, the most severe. */
struct nvd_pick {
    bool have;
    enum moat_cvss_version ver;
    double score;
    int primary;
    char vector[MOAT_CVSS_MAX_LEN + 1], scorer[SCORER_MAX + 1];
};

static int first_metric(void *ctx, const struct moat_vuln_metric *m)
{
    struct nvd_pick *p = ctx, c = {.have = true, .score = m->score, .primary = m->primary};

    if (moat_cvss_score(m->vector, strlen(m->vector), &c.ver, &c.score, NULL) < 0)
        return 0; /* the next one */
    if (p->have &&
        (rating_of(c.ver, c.score) < rating_of(p->ver, p->score) ||
         (rating_of(c.ver, c.score) == rating_of(p->ver, p->score) && c.score <= p->score)))
        return 1;
    snprintf(c.vector, sizeof(c.vector), "%s", m->vector);
    snprintf(c.scorer, sizeof(c.scorer), "%s", m->scorer != NULL ? m->scorer : "");
    *p = c;
    return 1;
}

/*
 * Without a rating of the advisory's own, NVD's: CVSS v4.0, v3.1, v3.0 then
 * v2, NVD's own score before a CNA's, for the finding's CVE (or each CVE it
 * stands for, the most severe). Where the advisory rated with a word, NVD's
 * metric still fills the CVSS facts.
 */
static int nvd_severity(struct moat_vulndb *db, struct moat_finding *f, struct moat_err *err)
{
    struct nvd_pick p = {0};
    char source[SCORER_MAX + 8];
    int r;

    if (f->severity_vector != NULL)
        return 0;
    for (size_t i = 0; i <= f->n_aliases; i++) {
        const char *id = i == 0 ? f->rule_id : f->aliases[i - 1];

        if (is_cve(id) && (r = moat_vulndb_metrics(db, id, first_metric, &p, err)) < 0)
            return r;
    }
    if (!p.have)
        return 0;
    /* CISA's ADP scores under its organisation id, which says nothing to a reader */
    if (strcmp(p.scorer, "134c704f-9b21-4f2e-91b3-4a467353bcc0") == 0)
        snprintf(p.scorer, sizeof(p.scorer), "cisa-adp");
    snprintf(source, sizeof(source), "nvd%s%s", p.primary ? "" : ":", p.primary ? "" : p.scorer);
    if (f->severity_source == NULL)
        r = set_severity(f, rating_of(p.ver, p.score), source, p.vector, p.score);
    else
        r = set_cvss(f, p.vector, p.score, source);
    return r < 0 ? moat_err_set(err, MOAT_E_NOMEM, "out of memory") : 0;
}

static enum moat_fix_status fix_status(const struct hit *h)
{
    if (h->fixed != NULL)
        return MOAT_FIX_AVAILABLE;
    if (h->distro_status != NULL &&
        (strcmp(h->distro_status, "ignored") == 0 || strcmp(h->distro_status, "end-of-life") == 0))
        return MOAT_FIX_WONT_FIX;
    return MOAT_FIX_NOT_FIXED;
}

/* Fill the descriptive fields of f from info, where f has none yet. */
/* The first sentence or line of text, at most 120 bytes (records without a summary). */
static char *first_sentence(const char *text)
{
    size_t n = 0;

    while (text[n] != '\0' && text[n] != '\n' && n < 120) {
        if (text[n] == '.' && (text[n + 1] == ' ' || text[n + 1] == '\0' || text[n + 1] == '\n'))
            break;
        n++;
    }
    /* do not cut a UTF-8 sequence */
    while (n > 0 && n < strlen(text) && ((unsigned char)text[n] & 0xC0) == 0x80)
        n--;
    return strndup(text, n);
}

static int describe(struct moat_finding *f, const struct moat_vuln_info *info)
{
    if (f->title == NULL && info->summary != NULL && *info->summary != '\0')
        f->title = strdup(info->summary);
    else if (f->title == NULL && info->details != NULL && *info->details != '\0')
        f->title = first_sentence(info->details);
    if (f->description == NULL && info->details != NULL && *info->details != '\0')
        f->description = strdup(info->details);
    if (f->published == NULL)
        f->published = dup_or_null(info->published);
    if (f->modified == NULL)
        f->modified = dup_or_null(info->modified);
    if (f->data_source == NULL)
        f->data_source = dup_or_null(info->source);
    if (f->n_references == 0 && info->n_references > 0) {
        f->references = calloc(info->n_references, sizeof(*f->references));
        if (f->references == NULL)
            return -MOAT_E_NOMEM;
        for (size_t i = 0; i < info->n_references; i++) {
            if ((f->references[i] = strdup(info->references[i])) == NULL)
                return -MOAT_E_NOMEM;
            f->n_references++;
        }
    }
    if (f->primary_url == NULL &&
        asprintf(&f->primary_url, "https://osv.dev/vulnerability/%s", f->rule_id) < 0) {
        f->primary_url = NULL;
        return -MOAT_E_NOMEM;
    }
    return 0;
}

static struct moat_finding *find_group(struct moat_findings *out, size_t from, const char *id)
{
    for (size_t i = from; i < out->n; i++)
        if (strcmp(out->v[i].rule_id, id) == 0)
            return &out->v[i];
    return NULL;
}

static int new_finding(struct moat_findings *out, const struct moat_pkg *p, const char *purl,
                       const char *id, struct moat_err *err)
{
    struct moat_finding f = {0};
    static const char *const types[] = {
        [MOAT_PKG_DEB] = "deb", [MOAT_PKG_APK] = "apk", [MOAT_PKG_RPM] = "rpm"};

    f.kind = MOAT_FINDING_VULN;
    f.cvss_score = -1;
    f.layer = p->layer;
    f.rule_id = strdup(id);
    f.pkg_type = strdup(types[p->type]);
    f.pkg_name = strdup(p->name);
    f.pkg_version = strdup(p->version);
    f.pkg_purl = dup_or_null(purl);
    f.src_name = dup_or_null(p->src_name);
    f.path = dup_or_null(p->db_path);
    if (f.rule_id == NULL || f.pkg_type == NULL || f.pkg_name == NULL || f.pkg_version == NULL) {
        moat_finding_free(&f);
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    }
    return moat_findings_add(out, &f, err);
}

/* Merge one hit into the findings of this package (from index `from`). */
static int merge_hit(struct moat_vulndb *db, struct moat_findings *out, size_t from,
                     const struct moat_pkg *p, const char *purl, enum moat_ecosystem_kind kind,
                     const struct hit *h, struct moat_match_stats *stats, struct moat_err *err)
{
    struct moat_vuln_info info = {0};
    struct moat_finding *f;
    const char *id;
    enum moat_fix_status fix;
    int rc;

    rc = moat_vulndb_get(db, h->id, &info, err);
    if (rc < 0)
        return rc;
    if (info.withdrawn) {
        stats->withdrawn++;
        goto out;
    }
    id = canonical_id(&info);
    f = find_group(out, from, id);
    if (f == NULL) {
        if ((rc = new_finding(out, p, purl, id, err)) < 0)
            goto out;
        f = &out->v[out->n - 1];
    }
    rc = -MOAT_E_NOMEM;
    if (add_alias(f, info.id) < 0)
        goto nomem;
    for (size_t i = 0; i < info.n_aliases; i++)
        if (add_alias(f, info.aliases[i]) < 0)
            goto nomem;
    /* a fix known to any source wins over "no fix"; between fixes, the higher one fixes all */
    fix = fix_status(h);
    if (fix == MOAT_FIX_AVAILABLE) {
        int c = 1;

        if (f->fix == MOAT_FIX_AVAILABLE && f->fixed_version != NULL &&
            moat_version_cmp(kind, h->fixed, strlen(h->fixed), f->fixed_version,
                             strlen(f->fixed_version), &c) < 0)
            c = strcmp(h->fixed, f->fixed_version);
        if (f->fix != MOAT_FIX_AVAILABLE || f->fixed_version == NULL || c > 0) {
            free(f->fixed_version);
            if ((f->fixed_version = strdup(h->fixed)) == NULL)
                goto nomem;
        }
        f->fix = MOAT_FIX_AVAILABLE;
    } else if (f->fix == MOAT_FIX_NONE ||
               (f->fix == MOAT_FIX_NOT_FIXED && fix == MOAT_FIX_WONT_FIX)) {
        f->fix = fix;
    }
    if (own_severity(f, &info, h) < 0 || describe(f, &info) < 0)
        goto nomem;
    if (f->n_aliases > 1)
        qsort(f->aliases, f->n_aliases, sizeof(*f->aliases), cmp_strp);
    rc = 0;
    goto out;
nomem:
    rc = moat_err_set(err, MOAT_E_NOMEM, "out of memory");
out:
    moat_vuln_info_free(&info);
    return rc;
}

/*
 * A DSA that covers several CVEs keeps its own id; when each of those CVEs is
 * also reported for the package, the DSA adds nothing and is folded away.
 */
static void fold_multi_cve(struct moat_findings *out, size_t from)
{
    for (size_t i = from; i < out->n;) {
        struct moat_finding *f = &out->v[i];
        size_t covered = 0, cves = 0;

        if (is_cve(f->rule_id)) {
            i++;
            continue;
        }
        for (size_t a = 0; a < f->n_aliases; a++) {
            if (!is_cve(f->aliases[a]))
                continue;
            cves++;
            if (find_group(out, from, f->aliases[a]) != NULL)
                covered++;
        }
        if (cves > 0 && covered == cves) {
            moat_finding_free(f);
            out->v[i] = out->v[out->n - 1];
            out->n--;
            continue;
        }
        i++;
    }
}

int moat_vuln_match(struct moat_vulndb *db, const struct moat_inventory *inv,
                    const struct moat_match_opts *opts, struct moat_findings *out,
                    struct moat_match_stats *stats, struct moat_err *err)
{
    struct moat_match_stats local = {0};
    struct hits h = {0};
    int rc = 0;

    if (stats == NULL)
        stats = &local;
    h.stats = stats;
    h.err = err;
    for (size_t i = 0; i < inv->n_pkgs; i++) {
        const struct moat_pkg *p = &inv->pkgs[i];
        const char *name = p->src_name != NULL ? p->src_name : p->name;
        char eco[128];
        char *purl = NULL;
        size_t from = out->n;

        stats->packages++;
        if (moat_vuln_ecosystem(p, &inv->os, eco, sizeof(eco)) < 0 ||
            moat_version_kind_for_ecosystem(eco, &h.kind) < 0) {
            stats->unsupported++;
            continue;
        }
        /* advisories for source packages are versioned by the source version */
        h.version =
            (p->type == MOAT_PKG_DEB && p->src_version != NULL) ? p->src_version : p->version;
        hits_clear(&h);
        rc = moat_vulndb_each_affected(db, eco, name, on_affected, &h, err);
        if (rc < 0)
            goto out;
        if (h.n == 0)
            continue;
        purl = moat_purl(p, &inv->os);
        for (size_t j = 0; j < h.n && rc == 0; j++)
            rc = merge_hit(db, out, from, p, purl, h.kind, &h.v[j], stats, err);
        free(purl);
        if (rc < 0)
            goto out;
        fold_multi_cve(out, from);
        for (size_t j = from; j < out->n && rc == 0; j++)
            rc = nvd_severity(db, &out->v[j], err);
        if (rc < 0)
            goto out;
        if (opts != NULL && opts->ignore_unfixed) {
            for (size_t j = from; j < out->n;) {
                if (out->v[j].fix != MOAT_FIX_AVAILABLE) {
                    moat_finding_free(&out->v[j]);
                    out->v[j] = out->v[out->n - 1];
                    out->n--;
                } else {
                    j++;
                }
            }
        }
    }
out:
    hits_clear(&h);
    free(h.v);
    return rc;
}
