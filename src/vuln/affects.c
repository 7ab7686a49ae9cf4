/*
 * affects.c - is one installed version inside an OSV "affected" entry?
 *
 * Follows the OSV schema's evaluation: for each ECOSYSTEM or SEMVER range,
 * walk the events sorted by version; "introduced" opens the range (0 means
 * from the beginning), "fixed" closes it at that version, "last_affected"
 * closes it after that version, and "limit" caps it. GIT ranges need commit
 * graphs and are ignored. Explicit `versions` lists match exactly. Pure: no
 * database, no output.
 */
#include "moat/vuln/match.h"

#include <stdlib.h>
#include <string.h>

/* Events per range that we sort on the stack; longer ranges are sorted on the heap. */
#define SMALL_RANGE 32

static int vcmp(enum moat_ecosystem_kind k, const char *a, const char *b, int *out)
{
    return moat_version_cmp(k, a, strlen(a), b, strlen(b), out);
}

static bool is_zero(const struct moat_range_event *e)
{
    return e->kind == MOAT_EV_INTRODUCED && strcmp(e->version, "0") == 0;
}

/* Order events by version, "introduced: 0" first. Fails on an unparsable version. */
static int sort_events(enum moat_ecosystem_kind k, const struct moat_range_event **ev, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        const struct moat_range_event *cur = ev[i];
        size_t j = i;

        while (j > 0) {
            int c;

            if (is_zero(cur))
                c = is_zero(ev[j - 1]) ? 0 : -1;
            else if (is_zero(ev[j - 1]))
                c = 1;
            else if (vcmp(k, cur->version, ev[j - 1]->version, &c) < 0)
                return -MOAT_E_FORMAT;
            if (c >= 0)
                break;
            ev[j] = ev[j - 1];
            j--;
        }
        ev[j] = cur;
    }
    return 0;
}

static int range_affects(enum moat_ecosystem_kind k, const struct moat_range *r, const char *v,
                         bool *affected, const char **fixed)
{
    const struct moat_range_event *small[SMALL_RANGE], **ev = small;
    bool in = false, limited = false, below_limit = false;
    int rc = 0, c;

    *affected = false;
    *fixed = NULL;
    if (r->n_events == 0)
        return 0;
    if (r->n_events > SMALL_RANGE) {
        ev = malloc(r->n_events * sizeof(*ev));
        if (ev == NULL)
            return -MOAT_E_NOMEM;
    }
    for (size_t i = 0; i < r->n_events; i++)
        ev[i] = &r->events[i];
    if ((rc = sort_events(k, ev, r->n_events)) < 0)
        goto out;
    for (size_t i = 0; i < r->n_events; i++) {
        const struct moat_range_event *e = ev[i];

        switch (e->kind) {
        case MOAT_EV_INTRODUCED:
            if (is_zero(e)) {
                in = true;
                break;
            }
            if ((rc = vcmp(k, v, e->version, &c)) < 0)
                goto out;
            if (c >= 0)
                in = true;
            break;
        case MOAT_EV_FIXED:
            if ((rc = vcmp(k, v, e->version, &c)) < 0)
                goto out;
            if (c >= 0)
                in = false;
            else if (in && *fixed == NULL)
                *fixed = e->version; /* the first fix above v closes the range v is in */
            break;
        case MOAT_EV_LAST_AFFECTED:
            if ((rc = vcmp(k, v, e->version, &c)) < 0)
                goto out;
            if (c > 0)
                in = false;
            break;
        case MOAT_EV_LIMIT:
            limited = true;
            if ((rc = vcmp(k, v, e->version, &c)) < 0)
                goto out;
            if (c < 0)
                below_limit = true;
            break;
        }
    }
    if (limited && !below_limit)
        in = false;
    *affected = in;
    if (!in)
        *fixed = NULL;
out:
    if (ev != small)
        free(ev);
    return rc;
}

int moat_vuln_affects(enum moat_ecosystem_kind k, const struct moat_affected *a, const char *v,
                      bool *affected, const char **fixed)
{
    size_t evaluated = 0, bad = 0;
    bool unfixed = false;

    *affected = false;
    *fixed = NULL;
    for (size_t i = 0; i < a->n_versions; i++) {
        int c;

        if (strcmp(a->versions[i], v) == 0 || (vcmp(k, a->versions[i], v, &c) == 0 && c == 0)) {
            *affected = true;
            /* an explicit list names no fix; a range may still give one */
            break;
        }
    }
    for (size_t i = 0; i < a->n_ranges; i++) {
        const struct moat_range *r = &a->ranges[i];
        bool in = false;
        const char *fx = NULL;
        int rc;

        if (r->kind != MOAT_RANGE_ECOSYSTEM && r->kind != MOAT_RANGE_SEMVER)
            continue;
        rc = range_affects(k, r, v, &in, &fx);
        if (rc == -MOAT_E_NOMEM)
            return rc;
        if (rc < 0) {
            bad++;
            continue;
        }
        evaluated++;
        if (!in)
            continue;
        *affected = true;
        /* several ranges may cover v: only a version past every fix leaves them all */
        if (fx == NULL) {
            unfixed = true;
        } else {
            int c;

            if (*fixed == NULL || (vcmp(k, fx, *fixed, &c) == 0 && c > 0))
                *fixed = fx;
        }
    }
    if (unfixed)
        *fixed = NULL;
    if (!*affected && evaluated == 0 && bad > 0)
        return -MOAT_E_FORMAT;
    return 0;
}
