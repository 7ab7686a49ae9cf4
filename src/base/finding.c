/*
 * finding.c - lifetime, ordering and severity names of findings (finding.h).
 */
#include "moat/base/finding.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const sev_names[] = {"UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"};

const char *moat_severity_name(enum moat_severity s)
{
    if ((unsigned)s >= sizeof(sev_names) / sizeof(sev_names[0]))
        return "UNKNOWN";
    return sev_names[s];
}

int moat_severity_parse(const char *s, enum moat_severity *out)
{
    static const struct {
        const char *name;
        enum moat_severity sev;
    } map[] = {
        {"unknown", MOAT_SEV_UNKNOWN},
        {"none", MOAT_SEV_UNKNOWN},
        {"negligible", MOAT_SEV_LOW},
        {"low", MOAT_SEV_LOW},
        {"medium", MOAT_SEV_MEDIUM},
        {"moderate", MOAT_SEV_MEDIUM},
        {"high", MOAT_SEV_HIGH},
        {"important", MOAT_SEV_HIGH},
        {"critical", MOAT_SEV_CRITICAL},
        /* Debian security tracker urgencies */
        {"unimportant", MOAT_SEV_LOW},
        {"not yet assigned", MOAT_SEV_UNKNOWN},
    };

    if (s == NULL)
        return -MOAT_E_ARG;
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (strcasecmp(s, map[i].name) == 0) {
            *out = map[i].sev;
            return 0;
        }
    }
    return -MOAT_E_ARG;
}

enum moat_severity moat_severity_from_score(double score)
{
    if (score >= 9.0)
        return MOAT_SEV_CRITICAL;
    if (score >= 7.0)
        return MOAT_SEV_HIGH;
    if (score >= 4.0)
        return MOAT_SEV_MEDIUM;
    if (score >= 0.1)
        return MOAT_SEV_LOW;
    return MOAT_SEV_UNKNOWN;
}

static void free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void moat_finding_free(struct moat_finding *f)
{
    if (f == NULL)
        return;
    free(f->rule_id);
    free_list(f->aliases, f->n_aliases);
    free(f->cvss_vector);
    free(f->cvss_source);
    free(f->severity_source);
    free(f->severity_vector);
    free(f->title);
    free(f->description);
    free(f->primary_url);
    free_list(f->references, f->n_references);
    free(f->data_source);
    free(f->published);
    free(f->modified);
    free(f->pkg_type);
    free(f->pkg_name);
    free(f->pkg_version);
    free(f->pkg_purl);
    free(f->src_name);
    free(f->fixed_version);
    free(f->path);
    free(f->match);
    free(f->remediation);
    free(f->cis);
    free(f->vex_justification);
    memset(f, 0, sizeof(*f));
}

int moat_findings_add(struct moat_findings *fs, struct moat_finding *f, struct moat_err *err)
{
    if (fs->n == fs->cap) {
        size_t cap = fs->cap ? fs->cap * 2 : 16;
        struct moat_finding *v;

        if (cap > SIZE_MAX / sizeof(*v))
            return moat_err_set(err, MOAT_E_NOMEM, "too many findings");
        v = realloc(fs->v, cap * sizeof(*v));
        if (v == NULL)
            return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
        fs->v = v;
        fs->cap = cap;
    }
    fs->v[fs->n++] = *f;
    memset(f, 0, sizeof(*f));
    return 0;
}

static int cmp_str(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return (a != NULL) - (b != NULL);
    return strcmp(a, b);
}

static int cmp_finding(const void *pa, const void *pb)
{
    const struct moat_finding *a = pa, *b = pb;
    int c;

    if (a->severity != b->severity)
        return a->severity > b->severity ? -1 : 1;
    if ((c = cmp_str(a->rule_id, b->rule_id)) != 0 ||
        (c = cmp_str(a->pkg_name, b->pkg_name)) != 0 ||
        (c = cmp_str(a->pkg_version, b->pkg_version)) != 0 || (c = cmp_str(a->path, b->path)) != 0)
        return c;
    return (a->line > b->line) - (a->line < b->line);
}

void moat_findings_sort(struct moat_findings *fs)
{
    if (fs->n > 1)
        qsort(fs->v, fs->n, sizeof(*fs->v), cmp_finding);
}

void moat_findings_free(struct moat_findings *fs)
{
    for (size_t i = 0; i < fs->n; i++)
        moat_finding_free(&fs->v[i]);
    free(fs->v);
    memset(fs, 0, sizeof(*fs));
}

void moat_findings_filter(struct moat_findings *fs, int severity_mask,
                          struct moat_filter_counts *counts)
{
    size_t keep = 0;

    for (size_t i = 0; i < fs->n; i++) {
        struct moat_finding *f = &fs->v[i];
        bool settled = f->vex == MOAT_VEX_NOT_AFFECTED || f->vex == MOAT_VEX_FIXED;
        bool masked = severity_mask != 0 && !(severity_mask & (1 << f->severity));

        if (counts != NULL && settled) {
            counts->vex_suppressed++;
        } else if (counts != NULL && masked) {
            counts->filtered++;
            counts->filtered_unknown += f->severity == MOAT_SEV_UNKNOWN;
        }
        if (settled || masked)
            moat_finding_free(f);
        else
            fs->v[keep++] = *f;
    }
    fs->n = keep;
}
