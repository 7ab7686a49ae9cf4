/*
 * decide.c - the admission decision itself: reasons from the image evidence
 * (names, custody result, scan summary, user) and from the container settings
 * of a create request. Pure functions of their inputs, so the same inputs
 * always give the same reasons in the same order.
 */
#include "moat/policy/admit.h"
#include "moat/base/strv.h"
#include "moat/base/time.h"
#include "moat/policy/evidence.h"

#include "moat/source/docker_name.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int moat_decision_add(struct moat_decision *d, struct moat_err *err, const char *fmt, ...)
{
    struct moat_strv sv = moat_strv_view(d->reasons, d->n_reasons);
    va_list ap;
    int r;

    d->allow = false;
    va_start(ap, fmt);
    r = moat_reason_vadd(&sv, MOAT_DECISION_MAX_REASONS, fmt, ap);
    va_end(ap);
    d->reasons = sv.v;
    d->n_reasons = sv.n;
    return r < 0 ? moat_err_set(err, MOAT_E_NOMEM, "out of memory") : 0;
}

int moat_decision_merge(struct moat_decision *d, const char *prefix, char *const *reasons, size_t n,
                        struct moat_err *err)
{
    for (size_t i = 0; i < n; i++)
        if (moat_decision_add(d, err, "%s%s", prefix, reasons[i]) < 0)
            return -MOAT_E_NOMEM;
    return 0;
}

char *moat_decision_summary(const struct moat_decision *d)
{
    size_t len = 1;
    char *s, *p;

    for (size_t i = 0; i < d->n_reasons; i++)
        len += strlen(d->reasons[i]) + 2;
    s = p = malloc(len);
    if (s == NULL)
        return NULL;
    *p = '\0';
    for (size_t i = 0; i < d->n_reasons; i++) {
        size_t n = strlen(d->reasons[i]);

        if (i > 0) {
            memcpy(p, "; ", 2);
            p += 2;
        }
        memcpy(p, d->reasons[i], n + 1);
        p += n;
    }
    return s;
}

void moat_decision_free(struct moat_decision *d)
{
    for (size_t i = 0; i < d->n_reasons; i++)
        free(d->reasons[i]);
    free(d->reasons);
    d->reasons = NULL;
    d->n_reasons = 0;
}

/* ---- scan summaries ---- */

static int count_field(const json_t *obj, const char *key, uint64_t *out)
{
    json_t *v = json_object_get(obj, key);

    if (v == NULL) {
        *out = 0;
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return -1;
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

/*
 * "scanners": ["vuln","secret",...] -> MOAT_SCANNER_* bits. Absent (a scan
 * attested before moat recorded them) gives 0; names moat does not know are
 * ignored (they cannot vouch for a kind this code checks).
 */
static int scanner_bits(const json_t *list, unsigned *out)
{
    const json_t *e;
    size_t i;

    *out = 0;
    if (list == NULL || json_is_null(list))
        return 0;
    if (!json_is_array(list))
        return -1;
    json_array_foreach(list, i, e)
    {
        const char *n = json_string_value(e);

        if (n == NULL)
            return -1;
        if (strcmp(n, "vuln") == 0)
            *out |= MOAT_SCANNER_VULN;
        else if (strcmp(n, "secret") == 0)
            *out |= MOAT_SCANNER_SECRET;
        else if (strcmp(n, "misconfig") == 0)
            *out |= MOAT_SCANNER_MISCONFIG;
    }
    return 0;
}

int moat_scan_summary_from_predicate(const json_t *pred, struct moat_scan_summary *out,
                                     struct moat_err *err)
{
    static const char *const sev[] = {"UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"};
    const json_t *t = json_object_get(pred, "time"), *sc = json_object_get(pred, "severity_counts");
    const json_t *kc = json_object_get(pred, "kind_counts");

    memset(out, 0, sizeof *out);
    if (!json_is_string(t) || moat_time_parse(json_string_value(t), &out->time) < 0)
        return moat_err_set(err, MOAT_E_FORMAT, "scan attestation: \"time\" is not RFC 3339");
    if (!json_is_object(sc) || !json_is_object(kc))
        return moat_err_set(err, MOAT_E_FORMAT,
                            "scan attestation: no \"severity_counts\" or \"kind_counts\"");
    for (size_t i = 0; i < 5; i++)
        if (count_field(sc, sev[i], &out->by_severity[i]) < 0)
            return moat_err_set(err, MOAT_E_FORMAT,
                                "scan attestation: severity_counts.%s is not a count", sev[i]);
    if (count_field(kc, "secret", &out->secrets) < 0)
        return moat_err_set(err, MOAT_E_FORMAT,
                            "scan attestation: kind_counts.secret is not a count");
    if (scanner_bits(json_object_get(pred, "scanners"), &out->scanners) < 0)
        return moat_err_set(err, MOAT_E_FORMAT,
                            "scan attestation: \"scanners\" is not a list of names");
    out->present = true;
    out->source = "attested scan";
    return 0;
}

void moat_scan_summary_from_findings(const struct moat_findings *fs, int64_t now, unsigned scanners,
                                     struct moat_scan_summary *out)
{
    memset(out, 0, sizeof *out);
    out->present = true;
    out->scanners = scanners;
    out->time = now;
    out->source = "fresh scan";
    for (size_t i = 0; fs != NULL && i < fs->n; i++) {
        const struct moat_finding *f = &fs->v[i];

        if (f->vex == MOAT_VEX_NOT_AFFECTED || f->vex == MOAT_VEX_FIXED)
            continue;
        if ((unsigned)f->severity <= MOAT_SEV_CRITICAL)
            out->by_severity[f->severity]++;
        if (f->kind == MOAT_FINDING_SECRET)
            out->secrets++;
    }
}

/* ---- names and users ---- */

bool moat_user_is_root(const char *user)
{
    size_t n = strcspn(user, ":"), i = 0;

    if (n == 0 || (n == 4 && memcmp(user, "root", 4) == 0))
        return true;
    /* runc's user lookup reads the uid with Go's strconv.Atoi: one optional sign, digits */
    if (user[0] == '+' || user[0] == '-')
        i++;
    if (i == n)
        return false;
    while (i < n && user[i] == '0')
        i++;
    return i == n; /* "0", "00", "+0", "-0": uid 0 */
}

/* ---- image checks ---- */

static int check_registries(const struct moat_admit_policy *p, const struct moat_admit_image *img,
                            struct moat_decision *d, struct moat_err *err)
{
    if (!p->has_registries)
        return 0;
    if (img->n_names == 0)
        return moat_decision_add(d, err,
                                 "registry: the image has no name to check against the "
                                 "trusted registries");
    for (size_t i = 0; i < img->n_names; i++) {
        struct moat_err e2 = MOAT_ERR_INIT;
        char *norm = NULL;
        bool ok = false;
        int rc;

        if (moat_docker_name_normalize(img->names[i], &norm, &e2) < 0) {
            rc = e2.code == MOAT_E_NOMEM ? moat_err_set(err, MOAT_E_NOMEM, "out of memory")
                                         : moat_decision_add(d, err, "registry: '%.200s': %s",
                                                             img->names[i], moat_err_msg(&e2));
            moat_err_clear(&e2);
            if (rc < 0)
                return rc;
            continue;
        }
        for (size_t j = 0; j < p->n_registries && !ok; j++)
            ok = moat_docker_name_under(p->registries[j], norm);
        rc = ok ? 0
                : moat_decision_add(d, err, "registry: %s is not under a trusted registry prefix",
                                    norm);
        free(norm);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static const char *sev_name(int s)
{
    return moat_severity_name((enum moat_severity)s);
}

/* "3d", "1h30m", "45s": the two largest units of a duration. */
static void fmt_duration(int64_t secs, char out[32])
{
    static const struct {
        int64_t n;
        char unit;
    } units[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
    size_t o = 0;
    int shown = 0;

    if (secs < 0)
        secs = 0;
    for (size_t i = 0; i < 4 && shown < 2; i++) {
        int64_t v = secs / units[i].n;

        if (v == 0 && !(i == 3 && o == 0)) {
            if (shown > 0)
                break;
            continue;
        }
        o += (size_t)snprintf(out + o, 32 - o, "%lld%c", (long long)v, units[i].unit);
        secs -= v * units[i].n;
        shown++;
        if (secs == 0)
            break;
    }
}

/* A rule against a scan that never ran the scanner it needs: a reason, not "0 found". */
static int scanner_missing(struct moat_decision *d, struct moat_err *err, const char *rule,
                           const char *needs, const char *scanner,
                           const struct moat_scan_summary *s)
{
    if (s->scanners == 0)
        return moat_decision_add(d, err,
                                 "%s: the %s does not say which scanners ran; policy requires %s, "
                                 "which needs the %s scanner",
                                 rule, s->source, needs, scanner);
    return moat_decision_add(d, err, "%s: the %s did not run the %s scanner; policy requires %s",
                             rule, s->source, scanner, needs);
}

static int check_scan(const struct moat_admit_policy *p, const struct moat_admit_image *img,
                      struct moat_decision *d, struct moat_err *err)
{
    const struct moat_scan_summary *s = &img->scan;
    int rc = 0;

    if (!p->has_scan)
        return 0;
    if (!s->present)
        return moat_decision_add(d, err, "scan: no verified scan attestation%s",
                                 p->fresh_scan ? " and no fresh scan" : "");
    if (p->has_max_severity && !(s->scanners & MOAT_SCANNER_VULN))
        rc = scanner_missing(d, err, "scan", "scan.max_severity", "vuln", s);
    else if (p->has_max_severity)
        for (int sev = MOAT_SEV_CRITICAL; sev > (int)p->max_severity && rc == 0; sev--)
            if (s->by_severity[sev] > 0)
                rc =
                    moat_decision_add(d, err, "scan: %llu %s findings in the %s (allowed up to %s)",
                                      (unsigned long long)s->by_severity[sev], sev_name(sev),
                                      s->source, sev_name((int)p->max_severity));
    if (rc == 0 && p->max_age > 0 && img->now - s->time > p->max_age) {
        char age[32], max[32];

        fmt_duration(img->now - s->time, age);
        fmt_duration(p->max_age, max);
        rc = moat_decision_add(d, err, "scan: the %s is %s old (max_age %s)", s->source, age, max);
    }
    if (rc == 0 && p->max_age > 0 && s->time - img->now > 300)
        rc = moat_decision_add(d, err, "scan: the %s is dated in the future", s->source);
    if (rc == 0 && p->max_secrets >= 0 && !(s->scanners & MOAT_SCANNER_SECRET))
        rc = scanner_missing(d, err, "scan", "scan.secrets", "secret", s);
    else if (rc == 0 && p->max_secrets >= 0 && s->secrets > (uint64_t)p->max_secrets)
        rc =
            moat_decision_add(d, err, "scan: %llu secrets in the %s (allowed %lld)",
                              (unsigned long long)s->secrets, s->source, (long long)p->max_secrets);
    return rc;
}

int moat_admit_check_image(const struct moat_admit_policy *p, const struct moat_admit_image *img,
                           struct moat_decision *d, struct moat_err *err)
{
    int rc;

    if ((rc = check_registries(p, img, d, err)) < 0)
        return rc;
    if (p->custody_path != NULL) {
        if (!img->custody.checked)
            rc = moat_decision_add(d, err, "custody: not verified");
        else if (!img->custody.ok && img->custody.n_reasons == 0)
            rc = moat_decision_add(d, err, "custody: verification failed");
        else if (!img->custody.ok)
            rc = moat_decision_merge(d, "custody: ", img->custody.reasons, img->custody.n_reasons,
                                     err);
        if (rc < 0)
            return rc;
    }
    if ((rc = check_scan(p, img, d, err)) < 0)
        return rc;
    if (p->non_root) {
        if (img->user == NULL)
            rc = moat_decision_add(d, err, "non_root: the user the container runs as is unknown");
        else if (moat_user_is_root(img->user))
            rc =
                img->user[0] == '\0'
                    ? moat_decision_add(d, err, "non_root: runs as root (no USER set)")
                    : moat_decision_add(d, err, "non_root: runs as root (user '%.64s')", img->user);
        if (rc < 0)
            return rc;
    }
    if (p->no_secrets) {
        if (!img->scan.present)
            rc = moat_decision_add(d, err, "no_secrets: no verified scan attestation%s",
                                   p->fresh_scan ? " and no fresh scan" : "");
        else if (!(img->scan.scanners & MOAT_SCANNER_SECRET))
            rc = scanner_missing(d, err, "no_secrets", "no_secrets", "secret", &img->scan);
        else if (img->scan.secrets > 0)
            rc = moat_decision_add(d, err, "no_secrets: %llu secrets in the %s",
                                   (unsigned long long)img->scan.secrets, img->scan.source);
    }
    return rc;
}

void moat_admit_evidence_free(struct moat_admit_evidence *ev)
{
    moat_strv_free(&ev->owned);
    memset(ev, 0, sizeof *ev);
}
