/*
 * verify.c - check a chain of custody: the attestations of an image against
 * a custody policy (policy.c), with every reason it fails, one line each.
 *
 * For each phase the policy requires, in order: the phase attestations
 * (DSSE, in-toto payload, a Statement with MOAT_PREDICATE_PHASE and
 * predicate.phase == the phase) whose signature verifies with a key the
 * phase allows, whose every subject is this image, whose time is neither in
 * the future nor older than max_age, and whose builder matches. Then the
 * chain: phase i's predicate.previous must be the sha256 of phase i-1's
 * envelope, and times must not go backwards. When several attestations
 * qualify (a pipeline re-run), any complete chain is enough; the newest wins.
 * Scan requirements are checked on the newest scan summary signed by a key
 * of the phase: a scan statement, or the "scan" object of the phase's own
 * attestation; a limit on a kind's count (scan.secrets) also needs that
 * summary to list the kind's scanner among those that ran.
 *
 * Nothing from an envelope is believed before its signature verified with a
 * policy key, except to say which phase an unverifiable envelope claimed to
 * be, so a failure can be explained.
 */
#include "verify_int.h"

#include <fnmatch.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "moat/base/finding.h"
#include "moat/base/strv.h"

#define VERIFY_MAX_REASONS 200u
#define VERIFY_MAX_SIG_CHECKS 20000u /* signature verifications per call: a flood stays bounded */
#define VERIFY_MAX_CLAIMS 1024u      /* attestations examined for one phase */
#define SHORT_HEX 16                 /* hex digits of an id or digest shown in a reason */

enum env_kind { ENV_OTHER, ENV_PHASE, ENV_SCAN };

struct env {
    const struct moat_dsse *d;
    char hex[65];  /* sha256 of the envelope as stored */
    bool dup;      /* same envelope as an earlier one */
    bool readable; /* in-toto payload with a Statement we could parse */
    struct moat_statement st;
    enum env_kind kind;
    const char *phase;  /* predicate.phase (points into st.predicate) */
    const char *time_s; /* predicate.time when it is RFC 3339 */
    int64_t time;
    const char *builder;
    bool has_prev, prev_ok; /* predicate.previous present / well formed */
    char prev[65];
    bool subject_ok;        /* every subject is this image */
    char other_subject[65]; /* the first subject that is not */
    signed char *sig;       /* per policy key: -1 unknown, 0 no, 1 verifies */
};

struct vctx {
    const struct moat_custody_policy *p;
    const char *image_hex; /* 64 hex of the subject digest */
    int64_t now;
    struct env *envs;
    size_t n_envs;
    size_t n_unreadable;
    struct moat_custody_result *out;
    struct moat_strv *reasons; /* moved into out->reasons at the end */
    size_t dropped;            /* reasons beyond VERIFY_MAX_REASONS */
    bool closing;              /* the closing summary lines go in even when the list is full */
    size_t sig_checks;         /* signature verifications so far */
    bool sig_budget_out;       /* VERIFY_MAX_SIG_CHECKS reached: later checks count as failures */
    struct moat_err *err;
};

/* ---- reasons ---- */

static int add_reason(struct vctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int add_reason(struct vctx *c, const char *fmt, ...)
{
    va_list ap;
    int r;

    va_start(ap, fmt);
    r = moat_reason_vadd(c->reasons, c->closing ? SIZE_MAX : VERIFY_MAX_REASONS, fmt, ap);
    va_end(ap);
    if (r < 0)
        return moat_err_set(c->err, MOAT_E_NOMEM, "out of memory");
    if (r == MOAT_REASON_FULL)
        c->dropped++;
    return 0;
}

/* A string from a signed predicate, safe for one line: printable ASCII, at most 80 bytes. */
static void clean(const char *s, char out[84])
{
    size_t o = 0;

    for (; s != NULL && *s != '\0' && o < 80; s++)
        out[o++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
    if (s != NULL && *s != '\0') {
        out[o++] = '.';
        out[o++] = '.';
        out[o++] = '.';
    }
    out[o] = '\0';
}

/* "build, test" for a phase's allowed keys. */
static void key_list(const struct moat_custody_policy *p, const struct custody_phase *ph, char *out,
                     size_t cap)
{
    size_t off = 0;

    out[0] = '\0';
    for (size_t i = 0; i < ph->n_keys && off < cap; i++) {
        int w = snprintf(out + off, cap - off, "%s%s", i ? ", " : "", p->keys[ph->keys[i]].name);

        if (w < 0)
            break;
        off += (size_t)w;
    }
}

/* ---- envelopes ---- */

static bool hex64(const char *s)
{
    size_t i;

    for (i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return s[64] == '\0';
}

/* pred[key] when it is a string without NUL bytes (which would cut it short), else NULL. */
static const char *pred_str(json_t *pred, const char *key)
{
    json_t *v = json_object_get(pred, key);

    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
        return NULL;
    return json_string_value(v);
}

static int env_init(struct vctx *c, struct env *e, const struct moat_dsse *d, size_t idx)
{
    struct moat_err perr = MOAT_ERR_INIT;
    char where[48];
    const char *prev, *ts;
    int rc;

    e->d = d;
    for (size_t i = 0; i < 32; i++)
        snprintf(e->hex + 2 * i, 3, "%02x", d->digest[i]);
    e->sig = malloc(c->p->n_keys);
    if (e->sig == NULL)
        return moat_err_set(c->err, MOAT_E_NOMEM, "out of memory");
    memset(e->sig, -1, c->p->n_keys);
    if (d->payload_type == NULL || strcmp(d->payload_type, MOAT_DSSE_PAYLOAD_TYPE) != 0 ||
        d->payload == NULL)
        return 0;
    snprintf(where, sizeof(where), "attestation %zu", idx + 1);
    rc = moat_statement_parse(where, d->payload, d->payload_len, &e->st, &perr);
    moat_err_clear(&perr);
    if (rc == -MOAT_E_NOMEM)
        return moat_err_set(c->err, MOAT_E_NOMEM, "out of memory");
    if (rc < 0)
        return 0;
    e->readable = true;
    e->subject_ok = e->st.n_subjects > 0;
    for (size_t i = 0; i < e->st.n_subjects; i++)
        if (e->st.subject_sha256[i] == NULL || strcmp(e->st.subject_sha256[i], c->image_hex) != 0) {
            e->subject_ok = false;
            if (e->st.subject_sha256[i] != NULL && hex64(e->st.subject_sha256[i]))
                memcpy(e->other_subject, e->st.subject_sha256[i], 65);
            break;
        }
    if (e->st.predicate_type == NULL || !json_is_object(e->st.predicate))
        return 0;
    if (strcmp(e->st.predicate_type, MOAT_PREDICATE_PHASE) == 0) {
        e->kind = ENV_PHASE;
        e->phase = pred_str(e->st.predicate, "phase");
        e->builder = pred_str(e->st.predicate, "builder");
        if (json_object_get(e->st.predicate, "previous") != NULL) {
            e->has_prev = true;
            prev = pred_str(e->st.predicate, "previous");
            if (prev != NULL && strncmp(prev, "sha256:", 7) == 0 && hex64(prev + 7)) {
                memcpy(e->prev, prev + 7, 65);
                e->prev_ok = true;
            }
        }
    } else if (strcmp(e->st.predicate_type, MOAT_PREDICATE_SCAN) == 0) {
        e->kind = ENV_SCAN;
    }
    ts = pred_str(e->st.predicate, "time");
    if (ts != NULL && moat_time_parse(ts, &e->time) == 0)
        e->time_s = ts;
    return 0;
}

/* 1 when a signature of e verifies with policy key k, 0 when not, <0 on error. */
static int signed_by(struct vctx *c, struct env *e, size_t k)
{
    struct moat_err verr = MOAT_ERR_INIT;
    struct moat_key *key = c->p->keys[k].key;
    size_t which = 0;
    int rc;

    if (e->sig[k] >= 0)
        return e->sig[k];
    /* Each signature of the envelope is one check; past the budget, fail closed. */
    if (c->sig_checks + e->d->n_sigs > VERIFY_MAX_SIG_CHECKS) {
        c->sig_budget_out = true;
        e->sig[k] = 0;
        return 0;
    }
    c->sig_checks += e->d->n_sigs;
    rc = moat_dsse_verify(e->d, &key, 1, &which, &verr);
    moat_err_clear(&verr);
    if (rc == -MOAT_E_NOMEM)
        return moat_err_set(c->err, MOAT_E_NOMEM, "out of memory");
    e->sig[k] = rc == 0 ? 1 : 0;
    return e->sig[k];
}

/* *k = the first key of ph (or of the policy, ph NULL) that signed e, -1 for none; <0 on error. */
static int find_signer(struct vctx *c, struct env *e, const struct custody_phase *ph, int *k)
{
    size_t n = ph != NULL ? ph->n_keys : c->p->n_keys;

    *k = -1;
    for (size_t i = 0; i < n; i++) {
        size_t key = ph != NULL ? ph->keys[i] : i;
        int rc = signed_by(c, e, key);

        if (rc < 0)
            return rc;
        if (rc == 1) {
            *k = (int)key;
            return 0;
        }
    }
    return 0;
}

/* ---- one phase: which attestations qualify ---- */

struct cand {
    struct env *e;
    size_t key; /* policy key that verified it */
};

struct phase_state {
    struct cand *valid; /* newest first */
    size_t n_valid;
    struct cand chosen;
    bool have;
    bool out_of_order;
};

static int check_candidate(struct vctx *c, const struct custody_phase *ph, struct env *e,
                           struct phase_state *ps)
{
    const struct moat_custody_policy *p = c->p;
    char keys[256], when[32], age[32], lim[32], b1[84], b2[84];
    int k, other, rc;

    if ((rc = find_signer(c, e, ph, &k)) < 0)
        return rc;
    if (k < 0) {
        if ((rc = find_signer(c, e, NULL, &other)) < 0)
            return rc;
        key_list(p, ph, keys, sizeof(keys));
        if (other >= 0)
            return add_reason(c, "phase %s: signed by key %s (sha256:%.*s), policy allows only %s",
                              ph->name, p->keys[other].name, SHORT_HEX, p->keys[other].id, keys);
        return add_reason(c,
                          "phase %s: signature does not verify with key %s: the envelope was "
                          "altered or signed by a key the policy does not know (envelope "
                          "sha256:%.*s)",
                          ph->name, keys, SHORT_HEX, e->hex);
    }
    if (!e->subject_ok) {
        if (e->other_subject[0] != '\0')
            return add_reason(c,
                              "phase %s: attestation is for another image (subject sha256:%.*s), "
                              "not this one (sha256:%.*s)",
                              ph->name, SHORT_HEX, e->other_subject, SHORT_HEX, c->image_hex);
        return add_reason(c, "phase %s: attestation names no valid subject digest", ph->name);
    }
    if (e->time_s == NULL)
        return add_reason(c, "phase %s: predicate time is missing or not RFC 3339", ph->name);
    if (e->time > c->now + p->skew) {
        (void)moat_time_format(c->now, when);
        clean(e->time_s, b1);
        return add_reason(c, "phase %s: signed in the future (%s; now is %s)", ph->name, b1, when);
    }
    if (ph->max_age >= 0 && c->now - e->time > ph->max_age) {
        custody_duration_format(c->now - e->time, age);
        custody_duration_format(ph->max_age, lim);
        clean(e->time_s, b1);
        return add_reason(c,
                          "phase %s: attestation expired: signed %s, %s ago; policy max_age is %s",
                          ph->name, b1, age, lim);
    }
    if (ph->builder != NULL && (e->builder == NULL || fnmatch(ph->builder, e->builder, 0) != 0)) {
        clean(e->builder != NULL ? e->builder : "(none)", b1);
        clean(ph->builder, b2);
        return add_reason(c, "phase %s: builder '%s' does not match the policy's '%s'", ph->name,
                          b1, b2);
    }
    /* Newest first, so the first complete chain found is the most recent one. */
    size_t at = ps->n_valid;

    while (at > 0 && ps->valid[at - 1].e->time < e->time) {
        ps->valid[at] = ps->valid[at - 1];
        at--;
    }
    ps->valid[at].e = e;
    ps->valid[at].key = (size_t)k;
    ps->n_valid++;
    return 0;
}

/*
 * Collect the qualifying attestations of every phase. Reasons for the ones
 * that do not qualify are added only when none does (a stale attestation
 * beside a good one is not a failure), so they are gathered in a scratch
 * result first.
 */
static int collect_phase(struct vctx *c, size_t i, struct phase_state *ps)
{
    const struct custody_phase *ph = &c->p->phases[i];
    struct moat_strv scratch = MOAT_STRV_INIT, *real = c->reasons;
    size_t n_claim = 0, dropped = c->dropped;
    int rc = 0;

    ps->valid = calloc(c->n_envs + 1, sizeof(*ps->valid));
    if (ps->valid == NULL)
        return moat_err_set(c->err, MOAT_E_NOMEM, "out of memory");
    c->reasons = &scratch;
    for (size_t j = 0; j < c->n_envs && rc == 0; j++) {
        struct env *e = &c->envs[j];

        if (e->dup || e->kind != ENV_PHASE || e->phase == NULL || strcmp(e->phase, ph->name) != 0)
            continue;
        if (++n_claim > VERIFY_MAX_CLAIMS)
            continue;
        rc = check_candidate(c, ph, e, ps);
    }
    c->reasons = real;
    c->dropped = dropped; /* reasons of the scratch result that overflowed are not ours */
    if (rc == 0 && n_claim > VERIFY_MAX_CLAIMS)
        rc = add_reason(c,
                        "phase %s: %zu attestations claim this phase, more than the %u examined: "
                        "refusing a flood",
                        ph->name, n_claim, VERIFY_MAX_CLAIMS);
    if (rc == 0 && n_claim == 0) {
        if (c->n_unreadable > 0)
            rc = add_reason(c,
                            "phase %s: missing: no attestation for this phase (%zu attestation%s "
                            "could not be read)",
                            ph->name, c->n_unreadable, c->n_unreadable == 1 ? "" : "s");
        else
            rc = add_reason(c, "phase %s: missing: no attestation for this phase", ph->name);
    }
    if (rc == 0 && ps->n_valid == 0)
        for (size_t j = 0; j < scratch.n && rc == 0; j++)
            rc = add_reason(c, "%s", scratch.v[j]);
    moat_strv_free(&scratch);
    return rc;
}

/* ---- the chain ---- */

static const struct cand *find_valid(const struct phase_state *ps, const char *hex)
{
    for (size_t i = 0; i < ps->n_valid; i++)
        if (strcmp(ps->valid[i].e->hex, hex) == 0)
            return &ps->valid[i];
    return NULL;
}

/* Look for a complete chain, walking back from each qualifying last phase, newest first. */
static bool find_chain(struct vctx *c, struct phase_state *ps)
{
    size_t n = c->p->n_phases;

    for (size_t i = 0; i < n; i++)
        if (ps[i].n_valid == 0)
            return false;
    for (size_t t = 0; t < ps[n - 1].n_valid; t++) {
        const struct cand *cur = &ps[n - 1].valid[t];
        size_t i = n - 1;

        ps[i].chosen = *cur;
        while (i > 0) {
            const struct cand *prev;

            if (!cur->e->prev_ok || (prev = find_valid(&ps[i - 1], cur->e->prev)) == NULL ||
                prev->e->time > cur->e->time)
                break;
            ps[--i].chosen = *prev;
            cur = prev;
        }
        if (i == 0) {
            for (size_t j = 0; j < n; j++)
                ps[j].have = true;
            return true;
        }
    }
    return false;
}

/* Index of the policy phase whose attestation has envelope digest hex, or -1. */
static int phase_of_envelope(struct vctx *c, const char *hex)
{
    for (size_t j = 0; j < c->n_envs; j++) {
        struct env *e = &c->envs[j];

        if (e->kind != ENV_PHASE || e->phase == NULL || strcmp(e->hex, hex) != 0)
            continue;
        for (size_t i = 0; i < c->p->n_phases; i++)
            if (strcmp(c->p->phases[i].name, e->phase) == 0)
                return (int)i;
    }
    return -1;
}

/* No complete chain: pick the best attestation per phase and say what breaks the chain. */
static int explain_chain(struct vctx *c, struct phase_state *ps)
{
    const struct moat_custody_policy *p = c->p;
    size_t n = p->n_phases;
    int rc;

    for (size_t i = 0; i < n; i++) {
        ps[i].have = ps[i].n_valid > 0;
        if (!ps[i].have)
            continue;
        ps[i].chosen = ps[i].valid[0];
        if (i > 0 && ps[i - 1].have)
            for (size_t t = 0; t < ps[i].n_valid; t++)
                if (ps[i].valid[t].e->prev_ok &&
                    strcmp(ps[i].valid[t].e->prev, ps[i - 1].chosen.e->hex) == 0) {
                    ps[i].chosen = ps[i].valid[t];
                    break;
                }
    }
    /* A phase chained after one the policy puts later: out of order. */
    for (size_t i = 0; i < n; i++) {
        int j;

        if (!ps[i].have || !ps[i].chosen.e->prev_ok)
            continue;
        j = phase_of_envelope(c, ps[i].chosen.e->prev);
        if (j <= (int)i)
            continue;
        rc = add_reason(c,
                        "phases out of order: %s comes after %s in the chain; the policy requires "
                        "%s before %s",
                        p->phases[i].name, p->phases[j].name, p->phases[i].name, p->phases[j].name);
        if (rc < 0)
            return rc;
        ps[i].out_of_order = ps[j].out_of_order = true;
    }
    for (size_t i = 1; i < n; i++) {
        const struct env *a, *b;
        char ta[84], tb[84];

        if (!ps[i].have || !ps[i - 1].have || ps[i].out_of_order)
            continue;
        a = ps[i - 1].chosen.e;
        b = ps[i].chosen.e;
        if (b->time < a->time) {
            clean(b->time_s, tb);
            clean(a->time_s, ta);
            rc = add_reason(c, "phases out of order: %s was signed at %s, before %s (%s)",
                            p->phases[i].name, tb, p->phases[i - 1].name, ta);
        } else if (!b->has_prev) {
            rc = add_reason(c,
                            "phase %s: not chained to phase %s: it names no previous envelope "
                            "(expected sha256:%.*s)",
                            p->phases[i].name, p->phases[i - 1].name, SHORT_HEX, a->hex);
        } else if (!b->prev_ok) {
            rc = add_reason(c, "phase %s: predicate previous is not a sha256 digest",
                            p->phases[i].name);
        } else if (strcmp(b->prev, a->hex) != 0) {
            rc = add_reason(c,
                            "phase %s: not chained to phase %s: previous is sha256:%.*s, %s's "
                            "envelope is sha256:%.*s",
                            p->phases[i].name, p->phases[i - 1].name, SHORT_HEX, b->prev,
                            p->phases[i - 1].name, SHORT_HEX, a->hex);
        } else {
            rc = 0;
        }
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* ---- scan requirements ---- */

static const char *const sev_names[] = {"UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"};

/* predicate[obj][key] as a count; -1 when absent or not a non-negative integer. */
static int64_t pred_count(json_t *pred, const char *obj, const char *key)
{
    json_t *v = json_object_get(json_object_get(pred, obj), key);

    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return -1;
    return json_integer_value(v);
}

/* A verified scan summary: a scan statement's predicate or a phase predicate's "scan". */
struct scan_cand {
    json_t *pred;
    const char *time_s;
    int64_t time;
};

/*
 * The digest the scan summary says it scanned (its manifest digest, else
 * its config digest, as subjects are named) must be this image too: a scan
 * of another image attached to this image's attestation does not count.
 */
static bool scan_of_image(struct vctx *c, json_t *pred)
{
    json_t *img = json_object_get(pred, "image");
    const char *d = pred_str(img, "manifest_digest");

    if (d == NULL)
        d = pred_str(img, "config_digest");
    return d != NULL && strncmp(d, "sha256:", 7) == 0 && strcmp(d + 7, c->image_hex) == 0;
}

static void consider_scan(struct vctx *c, json_t *pred, struct scan_cand *best)
{
    const char *ts = pred_str(pred, "time");
    int64_t t;

    if (!json_is_object(pred) || ts == NULL || moat_time_parse(ts, &t) < 0 ||
        t > c->now + c->p->skew || !scan_of_image(c, pred))
        return;
    if (best->pred == NULL || t > best->time) {
        best->pred = pred;
        best->time_s = ts;
        best->time = t;
    }
}

/*
 * The newest scan summary for this image signed by a key of ph (any policy
 * key when ph is NULL): standalone scan statements, and the "scan" object
 * of the chosen phase attestations (`moat attest --phase P --scan-result`).
 */
static int newest_scan(struct vctx *c, const struct custody_phase *ph, const struct phase_state *ps,
                       struct scan_cand *best)
{
    memset(best, 0, sizeof(*best));
    for (size_t j = 0; j < c->n_envs; j++) {
        struct env *e = &c->envs[j];
        int k, rc;

        if (e->dup || e->kind != ENV_SCAN || !e->subject_ok)
            continue;
        if ((rc = find_signer(c, e, ph, &k)) < 0)
            return rc;
        if (k >= 0)
            consider_scan(c, e->st.predicate, best);
    }
    for (size_t i = 0; i < c->p->n_phases; i++) {
        if (!ps[i].have || (ph != NULL && &c->p->phases[i] != ph))
            continue;
        consider_scan(c, json_object_get(ps[i].chosen.e->st.predicate, "scan"), best);
    }
    return 0;
}

static int check_count(struct vctx *c, const char *phase, json_t *pred, const char *obj,
                       const char *key, const char *label, int64_t max)
{
    int64_t n;

    if (max < 0)
        return 0;
    n = pred_count(pred, obj, key);
    if (n < 0)
        return add_reason(c, "phase %s: scan attestation has no %s.%s count", phase, obj, key);
    if (n > max)
        return add_reason(c, "phase %s: scan found %" PRId64 " %s, policy allows at most %" PRId64,
                          phase, n, label, max);
    return 0;
}

/*
 * A count of one kind means something only when that kind's scanner ran: a
 * vulnerability-only scan reports 0 secrets because it never looked. So a
 * requirement on a kind's count needs the summary's "scanners" (written by
 * `moat scan` since it records them) to name that scanner, and max_severity
 * needs the vulnerability scanner: a secret-only scan is not "nothing above
 * HIGH". The per-severity counts are over whatever ran.
 * 1 when it ran, 0 with a reason added, <0 on error.
 */
static int scanner_ran(struct vctx *c, const char *phase, json_t *pred, const char *scanner,
                       const char *req)
{
    json_t *list = json_object_get(pred, "scanners"), *e;
    size_t i;
    int rc;

    if (!json_is_array(list)) {
        rc = add_reason(c,
                        "phase %s: scan attestation does not say which scanners ran (made "
                        "before moat recorded them?); policy requires %s, which needs the %s "
                        "scanner",
                        phase, req, scanner);
        return rc < 0 ? rc : 0;
    }
    for (i = 0; i < json_array_size(list); i++) {
        e = json_array_get(list, i);
        if (json_is_string(e) && strcmp(json_string_value(e), scanner) == 0)
            return 1;
    }
    rc = add_reason(c, "phase %s: scan did not run the %s scanner; policy requires %s", phase,
                    scanner, req);
    return rc < 0 ? rc : 0;
}

static int check_kind(struct vctx *c, const char *phase, json_t *pred, const char *scanner,
                      const char *kind, const char *label, const char *req, int64_t max)
{
    int rc;

    if (max < 0)
        return 0;
    if ((rc = scanner_ran(c, phase, pred, scanner, req)) <= 0)
        return rc;
    return check_count(c, phase, pred, "kind_counts", kind, label, max);
}

static int check_scan(struct vctx *c, const struct custody_phase *ph, const struct phase_state *ps)
{
    const struct custody_scan_req *r = &ph->scan;
    struct scan_cand sc;
    json_t *pred;
    char keys[256], age[32], lim[32], b[84];
    int rc;

    if (!r->any)
        return 0;
    if ((rc = newest_scan(c, ph, ps, &sc)) < 0)
        return rc;
    if (sc.pred == NULL) {
        key_list(c->p, ph, keys, sizeof(keys));
        return add_reason(c,
                          "phase %s: no scan results for this image signed by %s (the policy "
                          "requires a scan)",
                          ph->name, keys);
    }
    pred = sc.pred;
    if (r->max_age >= 0 && c->now - sc.time > r->max_age) {
        custody_duration_format(c->now - sc.time, age);
        custody_duration_format(r->max_age, lim);
        clean(sc.time_s, b);
        if ((rc = add_reason(c,
                             "phase %s: scan is too old: scanned %s, %s ago; policy "
                             "scan.max_age is %s",
                             ph->name, b, age, lim)) < 0)
            return rc;
    }
    if (r->max_severity >= 0 &&
        (rc = scanner_ran(c, ph->name, pred, "vuln", "scan.max_severity")) < 0)
        return rc;
    if (r->max_severity >= 0 && rc == 1) {
        int worst = -1;
        bool known = json_is_object(json_object_get(pred, "severity_counts"));

        for (int s = 0; s < 5 && known; s++) {
            int64_t n = pred_count(pred, "severity_counts", sev_names[s]);

            if (n < 0)
                known = false;
            else if (n > 0)
                worst = s;
        }
        if (!known) {
            rc = add_reason(c, "phase %s: scan attestation has no severity_counts", ph->name);
        } else if (worst > r->max_severity) {
            rc = add_reason(c, "phase %s: scan found %s findings, policy allows nothing above %s",
                            ph->name, sev_names[worst], sev_names[r->max_severity]);
        }
        if (rc < 0)
            return rc;
    }
    for (int s = 4; s >= 0; s--) {
        char label[32];

        snprintf(label, sizeof(label), "%s findings", sev_names[s]);
        if ((rc = check_count(c, ph->name, pred, "severity_counts", sev_names[s], label,
                              r->max_count[s])) < 0)
            return rc;
    }
    if ((rc = check_kind(c, ph->name, pred, "secret", "secret", "secrets", "scan.secrets",
                         r->max_secrets)) < 0 ||
        (rc = check_kind(c, ph->name, pred, "vuln", "vulnerability", "vulnerabilities",
                         "scan.vulnerabilities", r->max_vulns)) < 0 ||
        (rc = check_kind(c, ph->name, pred, "misconfig", "misconfiguration", "misconfigurations",
                         "scan.misconfigurations", r->max_misconfigs)) < 0)
        return rc;
    return 0;
}

/* ---- result ---- */

static int fill_phases(struct vctx *c, struct phase_state *ps)
{
    struct moat_custody_result *r = c->out;

    r->phases = calloc(c->p->n_phases, sizeof(*r->phases));
    if (r->phases == NULL)
        return moat_err_set(c->err, MOAT_E_NOMEM, "out of memory");
    for (size_t i = 0; i < c->p->n_phases; i++) {
        struct moat_verified_phase *v;

        if (!ps[i].have)
            continue;
        v = &r->phases[r->n_phases++];
        v->phase = strdup(c->p->phases[i].name);
        v->keyid = strdup(c->p->keys[ps[i].chosen.key].id);
        v->key = strdup(c->p->keys[ps[i].chosen.key].name);
        v->time = strdup(ps[i].chosen.e->time_s);
        memcpy(v->envelope_digest, ps[i].chosen.e->d->digest, 32);
        if (v->phase == NULL || v->keyid == NULL || v->key == NULL || v->time == NULL)
            return moat_err_set(c->err, MOAT_E_NOMEM, "out of memory");
    }
    return 0;
}

static int cmp_env_digest(const void *a, const void *b)
{
    const struct env *x = *(const struct env *const *)a, *y = *(const struct env *const *)b;
    int d = memcmp(x->d->digest, y->d->digest, 32);

    /* Equal envelopes keep their input order, so the first one is the original. */
    return d != 0 ? d : (x < y ? -1 : x > y);
}

/* The same envelope twice (a bundle and the referrers, say) counts once; sorted, not O(n^2). */
static int mark_duplicates(struct vctx *c)
{
    struct env **v;

    if (c->n_envs < 2)
        return 0;
    v = malloc(c->n_envs * sizeof(*v));
    if (v == NULL)
        return moat_err_set(c->err, MOAT_E_NOMEM, "out of memory");
    for (size_t i = 0; i < c->n_envs; i++)
        v[i] = &c->envs[i];
    qsort(v, c->n_envs, sizeof(*v), cmp_env_digest);
    for (size_t i = 1; i < c->n_envs; i++)
        if (memcmp(v[i]->d->digest, v[i - 1]->d->digest, 32) == 0)
            v[i]->dup = true;
    free(v);
    return 0;
}

static int run(struct vctx *c, const struct moat_att_set *atts)
{
    const struct moat_custody_policy *p = c->p;
    struct phase_state *ps = NULL;
    struct scan_cand scan;
    bool chained;
    int rc = 0;

    if (atts != NULL && atts->n > 0) {
        c->envs = calloc(atts->n, sizeof(*c->envs));
        if (c->envs == NULL)
            return moat_err_set(c->err, MOAT_E_NOMEM, "out of memory");
    }
    for (size_t i = 0; atts != NULL && i < atts->n; i++) {
        struct env *e = &c->envs[c->n_envs++];

        if ((rc = env_init(c, e, &atts->v[i], i)) < 0)
            goto out;
    }
    if ((rc = mark_duplicates(c)) < 0)
        goto out;
    for (size_t i = 0; i < c->n_envs; i++)
        if (!c->envs[i].dup && !c->envs[i].readable)
            c->n_unreadable++;
    ps = calloc(p->n_phases, sizeof(*ps));
    if (ps == NULL) {
        rc = moat_err_set(c->err, MOAT_E_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < p->n_phases; i++)
        if ((rc = collect_phase(c, i, &ps[i])) < 0)
            goto out;
    chained = find_chain(c, ps);
    if (!chained && (rc = explain_chain(c, ps)) < 0)
        goto out;
    for (size_t i = 0; i < p->n_phases; i++)
        if ((rc = check_scan(c, &p->phases[i], ps)) < 0)
            goto out;
    if ((rc = fill_phases(c, ps)) < 0)
        goto out;
    if ((rc = newest_scan(c, NULL, ps, &scan)) < 0)
        goto out;
    if (scan.pred != NULL)
        c->out->scan = json_incref(scan.pred);
    c->closing = true;
    if (c->sig_budget_out &&
        (rc = add_reason(c,
                         "stopped after %u signature checks: too many attestations or signatures "
                         "(%zu envelopes)",
                         VERIFY_MAX_SIG_CHECKS, c->n_envs)) < 0)
        goto out;
    if (c->dropped > 0 &&
        (rc = add_reason(c, "... and %zu more reasons not shown", c->dropped)) < 0)
        goto out;
    c->out->ok = chained && c->reasons->n == 0;
out:
    for (size_t i = 0; ps != NULL && i < p->n_phases; i++)
        free(ps[i].valid);
    free(ps);
    return rc;
}

int moat_custody_verify(const struct moat_custody_policy *p, const struct moat_image_meta *meta,
                        const struct moat_att_set *atts, int64_t now,
                        struct moat_custody_result *out, struct moat_err *err)
{
    struct moat_strv reasons = MOAT_STRV_INIT;
    struct vctx c = {0};
    const char *digest;
    int rc;

    memset(out, 0, sizeof(*out));
    if (p == NULL || meta == NULL)
        return moat_err_set(err, MOAT_E_ARG, "custody verify: no policy or image");
    c.p = p;
    c.now = now;
    c.out = out;
    c.reasons = &reasons;
    c.err = err;
    digest = moat_custody_subject_digest(meta);
    if (digest == NULL || strncmp(digest, "sha256:", 7) != 0 || !hex64(digest + 7)) {
        rc = add_reason(&c, "%s: the image has no digest to verify attestations against",
                        meta->name != NULL ? meta->name : "image");
    } else {
        c.image_hex = digest + 7;
        rc = run(&c, atts);
    }
    for (size_t i = 0; i < c.n_envs; i++) {
        if (c.envs[i].readable)
            moat_statement_free(&c.envs[i].st);
        free(c.envs[i].sig);
    }
    free(c.envs);
    out->reasons = reasons.v;
    out->n_reasons = reasons.n;
    if (rc < 0)
        moat_custody_result_free(out);
    return rc;
}

void moat_custody_result_free(struct moat_custody_result *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->n_reasons; i++)
        free(r->reasons[i]);
    free(r->reasons);
    for (size_t i = 0; i < r->n_phases; i++) {
        free(r->phases[i].phase);
        free(r->phases[i].keyid);
        free(r->phases[i].key);
        free(r->phases[i].time);
    }
    free(r->phases);
    json_decref(r->scan);
    memset(r, 0, sizeof(*r));
}
