/*
 * policy.c - custody.yaml, the chain of custody a verifier requires (format
 * in docs/custody-policy.md): named public keys, then the phases in chain
 * order with the keys allowed to sign each, a maximum age and required
 * predicate contents.
 *
 * The file is read with libyaml's event parser against a fixed schema:
 * unknown keys, duplicate keys, aliases, anchors, tags and extra documents
 * are errors, every name, count and length is bounded, and each error is one
 * line "FILE: line N: problem". A policy that names a key it does not
 * define, or a key file that is missing or not a public key, is refused
 * here, before any attestation is looked at.
 */
#include "verify_int.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "moat/base/finding.h"
#include "moat/base/file.h"

struct yp {
    yaml_parser_t p;
    yaml_event_t ev;
    bool have_ev;
    const char *where;
    const char *base_dir;
    size_t events;
    struct moat_err *err;
};

static size_t yp_line(const struct yp *y)
{
    return y->have_ev ? y->ev.start_mark.line + 1 : y->p.mark.line + 1;
}

static int yp_fail(struct yp *y, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int yp_fail(struct yp *y, int code, const char *fmt, ...)
{
    char *msg = NULL;
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vasprintf(&msg, fmt, ap);
    va_end(ap);
    if (n < 0)
        return moat_err_set(y->err, MOAT_E_NOMEM, "out of memory");
    moat_err_set(y->err, code, "%s: line %zu: %s", y->where, yp_line(y), msg);
    free(msg);
    return -code;
}

/* The next event into y->ev (the previous one is released). */
static int yp_next(struct yp *y)
{
    if (y->have_ev) {
        yaml_event_delete(&y->ev);
        y->have_ev = false;
    }
    if (++y->events > CUSTODY_MAX_EVENTS)
        return yp_fail(y, MOAT_E_LIMIT, "more than %u YAML events", CUSTODY_MAX_EVENTS);
    if (!yaml_parser_parse(&y->p, &y->ev)) {
        const char *prob = y->p.problem != NULL ? y->p.problem : "malformed YAML";

        return moat_err_set(y->err, MOAT_E_FORMAT, "%s: line %zu: %s", y->where,
                            (size_t)y->p.problem_mark.line + 1, prob);
    }
    y->have_ev = true;
    if (y->ev.type == YAML_ALIAS_EVENT)
        return yp_fail(y, MOAT_E_FORMAT, "aliases are not allowed");
    if ((y->ev.type == YAML_SCALAR_EVENT && y->ev.data.scalar.anchor != NULL) ||
        (y->ev.type == YAML_MAPPING_START_EVENT && y->ev.data.mapping_start.anchor != NULL) ||
        (y->ev.type == YAML_SEQUENCE_START_EVENT && y->ev.data.sequence_start.anchor != NULL))
        return yp_fail(y, MOAT_E_FORMAT, "anchors are not allowed");
    if ((y->ev.type == YAML_SCALAR_EVENT && y->ev.data.scalar.tag != NULL) ||
        (y->ev.type == YAML_MAPPING_START_EVENT && y->ev.data.mapping_start.tag != NULL) ||
        (y->ev.type == YAML_SEQUENCE_START_EVENT && y->ev.data.sequence_start.tag != NULL))
        return yp_fail(y, MOAT_E_FORMAT, "tags are not allowed");
    return 0;
}

static const char *ev_name(yaml_event_type_t t)
{
    switch (t) {
    case YAML_SCALAR_EVENT:
        return "a value";
    case YAML_SEQUENCE_START_EVENT:
        return "a list";
    case YAML_MAPPING_START_EVENT:
        return "a mapping";
    default:
        return "the end of a block";
    }
}

/* Require the current event to be t; `what` names the expected thing. */
static int yp_expect(struct yp *y, yaml_event_type_t t, const char *what)
{
    if (y->ev.type != t)
        return yp_fail(y, MOAT_E_FORMAT, "%s: expected %s, found %s", what, ev_name(t),
                       ev_name(y->ev.type));
    return 0;
}

/* The current scalar, checked: no NUL inside, at most max bytes. */
static int yp_scalar(struct yp *y, const char *what, size_t max, const char **out)
{
    const char *v = (const char *)y->ev.data.scalar.value;
    size_t len = y->ev.data.scalar.length;
    int rc = yp_expect(y, YAML_SCALAR_EVENT, what);

    if (rc < 0)
        return rc;
    if (strlen(v) != len)
        return yp_fail(y, MOAT_E_FORMAT, "%s: contains a NUL byte", what);
    if (len > max)
        return yp_fail(y, MOAT_E_LIMIT, "%s: longer than %zu bytes", what, max);
    *out = v;
    return 0;
}

/* Names of keys and phases: 1-64 of [A-Za-z0-9._-], starting alphanumeric. */
static bool name_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n > CUSTODY_MAX_NAME || !isalnum((unsigned char)s[0]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '_' && s[i] != '-')
            return false;
    return true;
}

static int yp_name(struct yp *y, const char *what, char **out)
{
    const char *v = NULL;
    int rc = yp_scalar(y, what, CUSTODY_MAX_NAME * 4, &v);

    if (rc < 0)
        return rc;
    if (!name_ok(v))
        return yp_fail(y, MOAT_E_FORMAT,
                       "%s: '%.64s' is not a valid name (1-64 letters, digits, '.', '_', '-')",
                       what, v);
    if ((*out = strdup(v)) == NULL)
        return moat_err_set(y->err, MOAT_E_NOMEM, "out of memory");
    return 0;
}

static int yp_duration(struct yp *y, const char *what, int64_t *out)
{
    const char *v = NULL;
    int rc = yp_scalar(y, what, 64, &v);

    if (rc < 0)
        return rc;
    if (custody_duration_parse(v, out) < 0)
        return yp_fail(y, MOAT_E_FORMAT,
                       "%s: '%s' is not a duration (e.g. 30d, 12h, 1d12h, 90m, 45s, 2w; at "
                       "most 100 years)",
                       what, v);
    return 0;
}

static int yp_count(struct yp *y, const char *what, int64_t *out)
{
    const char *v = NULL;
    char *end;
    long long n;
    int rc = yp_scalar(y, what, 16, &v);

    if (rc < 0)
        return rc;
    errno = 0;
    n = strtoll(v, &end, 10);
    if (v[0] == '\0' || !isdigit((unsigned char)v[0]) || *end != '\0' || errno != 0 ||
        n > 1000000000)
        return yp_fail(y, MOAT_E_FORMAT, "%s: expected a count 0-1000000000, got '%s'", what, v);
    *out = n;
    return 0;
}

/*
 * A mapping key at the current event: the scalar, or NULL at the end of the
 * mapping. seen/n_known detect duplicates of the known keys (index into known).
 */
static int yp_map_key(struct yp *y, const char *ctx, const char *const *known, size_t n_known,
                      bool *seen, int *which)
{
    const char *k;
    int rc;

    if ((rc = yp_next(y)) < 0)
        return rc;
    if (y->ev.type == YAML_MAPPING_END_EVENT) {
        *which = -1;
        return 0;
    }
    if ((rc = yp_scalar(y, ctx, 256, &k)) < 0)
        return rc;
    for (size_t i = 0; i < n_known; i++) {
        if (strcmp(k, known[i]) != 0)
            continue;
        if (seen[i])
            return yp_fail(y, MOAT_E_FORMAT, "%s: '%s' given twice", ctx, k);
        seen[i] = true;
        *which = (int)i;
        return 0;
    }
    {
        /* List the allowed keys so a typo is easy to fix. */
        char list[512];
        size_t off = 0;

        list[0] = '\0';
        for (size_t i = 0; i < n_known && off < sizeof(list); i++) {
            int w = snprintf(list + off, sizeof(list) - off, "%s%s", i ? ", " : "", known[i]);

            if (w < 0)
                break;
            off += (size_t)w;
        }
        return yp_fail(y, MOAT_E_FORMAT, "%s: unknown key '%.64s' (allowed: %s)", ctx, k, list);
    }
}

/* ---- keys ---- */

static int key_find(const struct moat_custody_policy *p, const char *name)
{
    for (size_t i = 0; i < p->n_keys; i++)
        if (strcmp(p->keys[i].name, name) == 0)
            return (int)i;
    return -1;
}

static int load_key(struct yp *y, struct custody_key *k, const char *value)
{
    struct moat_err kerr = MOAT_ERR_INIT;
    char *path = NULL;
    int rc;

    if (strncmp(value, "-----BEGIN", 10) == 0) {
        char where[128];

        snprintf(where, sizeof(where), "key %s (inline PEM)", k->name);
        rc = moat_key_parse_public(where, value, strlen(value), &k->key, &kerr);
    } else {
        if (value[0] == '\0')
            return yp_fail(y, MOAT_E_FORMAT, "key %s: empty path", k->name);
        if (value[0] == '/' || y->base_dir == NULL || y->base_dir[0] == '\0')
            path = strdup(value);
        else if (asprintf(&path, "%s/%s", y->base_dir, value) < 0)
            path = NULL;
        if (path == NULL)
            return moat_err_set(y->err, MOAT_E_NOMEM, "out of memory");
        rc = moat_key_load_public(path, &k->key, &kerr);
    }
    if (rc == -MOAT_E_NOMEM) {
        rc = moat_err_set(y->err, MOAT_E_NOMEM, "out of memory");
    } else if (rc < 0) {
        /* The key's own error names the file and what is wrong with it. */
        rc = yp_fail(y, MOAT_E_NOTFOUND, "key %s: %s", k->name, moat_err_msg(&kerr));
    } else {
        moat_key_id(k->key, k->id);
    }
    moat_err_clear(&kerr);
    free(path);
    return rc;
}

static int parse_keys(struct yp *y, struct moat_custody_policy *p)
{
    int rc;

    if ((rc = yp_next(y)) < 0 || (rc = yp_expect(y, YAML_MAPPING_START_EVENT, "keys")) < 0)
        return rc;
    p->keys = calloc(CUSTODY_MAX_KEYS, sizeof(*p->keys));
    if (p->keys == NULL)
        return moat_err_set(y->err, MOAT_E_NOMEM, "out of memory");
    for (;;) {
        struct custody_key *k;
        const char *v = NULL;
        char *name = NULL;

        if ((rc = yp_next(y)) < 0)
            return rc;
        if (y->ev.type == YAML_MAPPING_END_EVENT)
            break;
        if ((rc = yp_name(y, "keys: key name", &name)) < 0)
            return rc;
        if (key_find(p, name) >= 0) {
            rc = yp_fail(y, MOAT_E_FORMAT, "keys: '%s' given twice", name);
            free(name);
            return rc;
        }
        if (p->n_keys == CUSTODY_MAX_KEYS) {
            free(name);
            return yp_fail(y, MOAT_E_LIMIT, "keys: more than %u keys", CUSTODY_MAX_KEYS);
        }
        k = &p->keys[p->n_keys++];
        k->name = name;
        if ((rc = yp_next(y)) < 0)
            return rc;
        if ((rc = yp_scalar(y, "keys: value (a path or PEM text)", CUSTODY_MAX_PEM, &v)) < 0)
            return rc;
        if ((rc = load_key(y, k, v)) < 0)
            return rc;
        for (size_t i = 0; i + 1 < p->n_keys; i++)
            if (strcmp(p->keys[i].id, k->id) == 0)
                return yp_fail(y, MOAT_E_FORMAT,
                               "key %s: the same public key as %s (each phase needs its own key)",
                               k->name, p->keys[i].name);
    }
    if (p->n_keys == 0)
        return yp_fail(y, MOAT_E_FORMAT, "keys: no key defined");
    return 0;
}

/* ---- phases ---- */

static int parse_phase_keys(struct yp *y, struct moat_custody_policy *p, struct custody_phase *ph)
{
    bool list;
    int rc;

    if ((rc = yp_next(y)) < 0)
        return rc;
    list = y->ev.type == YAML_SEQUENCE_START_EVENT;
    if (list && (rc = yp_next(y)) < 0)
        return rc;
    for (;;) {
        const char *v = NULL;
        int idx;

        if (list && y->ev.type == YAML_SEQUENCE_END_EVENT)
            break;
        if ((rc = yp_scalar(y, "keys", CUSTODY_MAX_NAME * 4, &v)) < 0)
            return rc;
        idx = key_find(p, v);
        if (idx < 0) {
            char known[512];
            size_t off = 0;

            known[0] = '\0';
            for (size_t i = 0; i < p->n_keys && off < sizeof(known); i++) {
                int w = snprintf(known + off, sizeof(known) - off, "%s%s", i ? ", " : "",
                                 p->keys[i].name);

                if (w < 0)
                    break;
                off += (size_t)w;
            }
            return yp_fail(y, MOAT_E_NOTFOUND,
                           "phase %s: unknown key '%.64s' (not defined under keys:, which has %s)",
                           ph->name != NULL ? ph->name : "?", v, known);
        }
        for (size_t i = 0; i < ph->n_keys; i++)
            if (ph->keys[i] == (size_t)idx)
                return yp_fail(y, MOAT_E_FORMAT, "keys: '%s' listed twice", v);
        if (ph->n_keys == CUSTODY_MAX_PHASE_KEYS)
            return yp_fail(y, MOAT_E_LIMIT, "keys: more than %u keys for one phase",
                           CUSTODY_MAX_PHASE_KEYS);
        ph->keys[ph->n_keys++] = (size_t)idx;
        if (!list)
            break;
        if ((rc = yp_next(y)) < 0)
            return rc;
    }
    if (ph->n_keys == 0)
        return yp_fail(y, MOAT_E_FORMAT, "keys: empty list: a phase needs at least one key");
    return 0;
}

static const char *const require_keys[] = {
    "builder",
    "scan.max_severity",
    "scan.max_age",
    "scan.secrets",
    "scan.vulnerabilities",
    "scan.misconfigurations",
    "scan.critical",
    "scan.high",
    "scan.medium",
    "scan.low",
    "scan.unknown",
};

static int parse_require(struct yp *y, struct custody_phase *ph)
{
    bool seen[sizeof(require_keys) / sizeof(require_keys[0])] = {0};
    struct custody_scan_req *s = &ph->scan;
    int rc, which = -1;

    if ((rc = yp_next(y)) < 0 || (rc = yp_expect(y, YAML_MAPPING_START_EVENT, "require")) < 0)
        return rc;
    for (;;) {
        const char *v = NULL;
        char what[64];

        if ((rc = yp_map_key(y, "require", require_keys,
                             sizeof(require_keys) / sizeof(require_keys[0]), seen, &which)) < 0)
            return rc;
        if (which < 0)
            break;
        snprintf(what, sizeof(what), "require: %s", require_keys[which]);
        if ((rc = yp_next(y)) < 0)
            return rc;
        switch (which) {
        case 0:
            if ((rc = yp_scalar(y, what, CUSTODY_MAX_PATTERN, &v)) < 0)
                return rc;
            if (v[0] == '\0')
                return yp_fail(y, MOAT_E_FORMAT, "%s: empty pattern", what);
            if ((ph->builder = strdup(v)) == NULL)
                return moat_err_set(y->err, MOAT_E_NOMEM, "out of memory");
            continue;
        case 1: {
            enum moat_severity sev;

            if ((rc = yp_scalar(y, what, 32, &v)) < 0)
                return rc;
            if (moat_severity_parse(v, &sev) < 0)
                return yp_fail(y, MOAT_E_FORMAT,
                               "%s: '%s' is not a severity (UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL)",
                               what, v);
            s->max_severity = (int)sev;
            break;
        }
        case 2:
            rc = yp_duration(y, what, &s->max_age);
            break;
        case 3:
            rc = yp_count(y, what, &s->max_secrets);
            break;
        case 4:
            rc = yp_count(y, what, &s->max_vulns);
            break;
        case 5:
            rc = yp_count(y, what, &s->max_misconfigs);
            break;
        default:
            /* scan.critical .. scan.unknown */
            rc = yp_count(y, what, &s->max_count[MOAT_SEV_CRITICAL - (which - 6)]);
            break;
        }
        if (rc < 0)
            return rc;
        s->any = true;
    }
    return 0;
}

static int parse_phase(struct yp *y, struct moat_custody_policy *p, struct custody_phase *ph)
{
    static const char *const known[] = {"name", "keys", "max_age", "require"};
    bool seen[4] = {0};
    int rc, which = -1;

    ph->line = yp_line(y);
    ph->max_age = -1;
    ph->scan.max_severity = -1;
    ph->scan.max_secrets = ph->scan.max_vulns = ph->scan.max_misconfigs = -1;
    ph->scan.max_age = -1;
    for (size_t i = 0; i < 5; i++)
        ph->scan.max_count[i] = -1;
    if ((rc = yp_expect(y, YAML_MAPPING_START_EVENT, "phases: each phase")) < 0)
        return rc;
    for (;;) {
        if ((rc = yp_map_key(y, "phase", known, 4, seen, &which)) < 0)
            return rc;
        if (which < 0)
            break;
        switch (which) {
        case 0:
            if ((rc = yp_next(y)) < 0 || (rc = yp_name(y, "phase: name", &ph->name)) < 0)
                return rc;
            for (size_t i = 0; p->phases + i < ph; i++)
                if (strcmp(p->phases[i].name, ph->name) == 0)
                    return yp_fail(y, MOAT_E_FORMAT, "phase %s: named twice", ph->name);
            break;
        case 1:
            if (!seen[0])
                return yp_fail(y, MOAT_E_FORMAT, "phase: put name: before keys:");
            rc = parse_phase_keys(y, p, ph);
            break;
        case 2:
            if ((rc = yp_next(y)) >= 0)
                rc = yp_duration(y, "max_age", &ph->max_age);
            break;
        default:
            rc = parse_require(y, ph);
            break;
        }
        if (rc < 0)
            return rc;
    }
    if (ph->name == NULL)
        return yp_fail(y, MOAT_E_FORMAT, "phase: no name");
    if (ph->n_keys == 0)
        return yp_fail(y, MOAT_E_FORMAT, "phase %s: no keys: (which keys may sign it?)", ph->name);
    return 0;
}

static int parse_phases(struct yp *y, struct moat_custody_policy *p)
{
    int rc;

    if ((rc = yp_next(y)) < 0 || (rc = yp_expect(y, YAML_SEQUENCE_START_EVENT, "phases")) < 0)
        return rc;
    p->phases = calloc(CUSTODY_MAX_PHASES, sizeof(*p->phases));
    if (p->phases == NULL)
        return moat_err_set(y->err, MOAT_E_NOMEM, "out of memory");
    for (;;) {
        if ((rc = yp_next(y)) < 0)
            return rc;
        if (y->ev.type == YAML_SEQUENCE_END_EVENT)
            break;
        if (p->n_phases == CUSTODY_MAX_PHASES)
            return yp_fail(y, MOAT_E_LIMIT, "phases: more than %u phases", CUSTODY_MAX_PHASES);
        if ((rc = parse_phase(y, p, &p->phases[p->n_phases++])) < 0)
            return rc;
    }
    if (p->n_phases == 0)
        return yp_fail(y, MOAT_E_FORMAT,
                       "phases: empty: the policy must require at least one phase");
    return 0;
}

static int parse_top(struct yp *y, struct moat_custody_policy *p)
{
    static const char *const known[] = {"version", "keys", "phases", "max_clock_skew"};
    bool seen[4] = {0};
    const char *v = NULL;
    int rc, which = -1;

    if ((rc = yp_next(y)) < 0)
        return rc; /* stream start */
    if ((rc = yp_next(y)) < 0)
        return rc;
    if (y->ev.type == YAML_STREAM_END_EVENT)
        return yp_fail(y, MOAT_E_FORMAT, "empty policy (expected version:, keys: and phases:)");
    if ((rc = yp_next(y)) < 0)
        return rc;
    if ((rc = yp_expect(y, YAML_MAPPING_START_EVENT, "the policy")) < 0)
        return rc;
    for (;;) {
        if ((rc = yp_map_key(y, "policy", known, 4, seen, &which)) < 0)
            return rc;
        if (which < 0)
            break;
        switch (which) {
        case 0:
            if ((rc = yp_next(y)) < 0 || (rc = yp_scalar(y, "version", 16, &v)) < 0)
                return rc;
            if (strcmp(v, "1") != 0)
                return yp_fail(y, MOAT_E_UNSUPPORTED,
                               "version: '%s' is not supported (this moat reads version 1)", v);
            break;
        case 1:
            if (seen[2])
                return yp_fail(y, MOAT_E_FORMAT, "keys: must come before phases:");
            rc = parse_keys(y, p);
            break;
        case 2:
            if (!seen[1])
                return yp_fail(y, MOAT_E_FORMAT, "phases: define keys: first");
            rc = parse_phases(y, p);
            break;
        default:
            if ((rc = yp_next(y)) < 0 || (rc = yp_duration(y, "max_clock_skew", &p->skew)) < 0)
                return rc;
            if (p->skew > CUSTODY_MAX_SKEW)
                return yp_fail(y, MOAT_E_FORMAT, "max_clock_skew: at most 1h");
            break;
        }
        if (rc < 0)
            return rc;
    }
    if (!seen[0])
        return yp_fail(y, MOAT_E_FORMAT, "no version: (write 'version: 1' first)");
    if (!seen[1] || !seen[2])
        return yp_fail(y, MOAT_E_FORMAT, "the policy needs keys: and phases:");
    if ((rc = yp_next(y)) < 0 || (rc = yp_expect(y, YAML_DOCUMENT_END_EVENT, "the policy")) < 0)
        return rc;
    if ((rc = yp_next(y)) < 0)
        return rc;
    if (y->ev.type != YAML_STREAM_END_EVENT)
        return yp_fail(y, MOAT_E_FORMAT, "more than one YAML document");
    return 0;
}

int moat_custody_policy_parse(const char *where, const char *yaml, size_t len, const char *base_dir,
                              struct moat_custody_policy **out, struct moat_err *err)
{
    struct moat_custody_policy *p;
    struct yp y = {0};
    int rc;

    *out = NULL;
    if (where == NULL)
        where = "custody.yaml";
    if (len > CUSTODY_MAX_POLICY_BYTES)
        return moat_err_set(err, MOAT_E_LIMIT, "%s: larger than %u bytes", where,
                            CUSTODY_MAX_POLICY_BYTES);
    if (memchr(yaml, '\0', len) != NULL)
        return moat_err_set(err, MOAT_E_FORMAT, "%s: contains a NUL byte", where);
    p = calloc(1, sizeof(*p));
    if (p == NULL || (p->where = strdup(where)) == NULL) {
        free(p);
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    }
    p->skew = CUSTODY_DEFAULT_SKEW;
    if (!yaml_parser_initialize(&y.p)) {
        moat_custody_policy_free(p);
        return moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    }
    yaml_parser_set_input_string(&y.p, (const unsigned char *)yaml, len);
    y.where = where;
    y.base_dir = base_dir;
    y.err = err;
    rc = parse_top(&y, p);
    if (y.have_ev)
        yaml_event_delete(&y.ev);
    yaml_parser_delete(&y.p);
    if (rc < 0) {
        moat_custody_policy_free(p);
        return rc;
    }
    *out = p;
    return 0;
}

int moat_custody_policy_load(const char *path, struct moat_custody_policy **out,
                             struct moat_err *err)
{
    char *data = NULL, *dir_copy = NULL;
    size_t len = 0;
    int rc;

    *out = NULL;
    rc = moat_file_read(path, CUSTODY_MAX_POLICY_BYTES, &data, &len, err);
    if (rc < 0)
        return rc;
    if ((dir_copy = strdup(path)) == NULL)
        rc = moat_err_set(err, MOAT_E_NOMEM, "out of memory");
    else
        rc = moat_custody_policy_parse(path, data, len, dirname(dir_copy), out, err);
    free(data);
    free(dir_copy);
    return rc;
}

void moat_custody_policy_free(struct moat_custody_policy *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->n_keys; i++) {
        free(p->keys[i].name);
        moat_key_free(p->keys[i].key);
    }
    for (size_t i = 0; i < p->n_phases; i++) {
        free(p->phases[i].name);
        free(p->phases[i].builder);
    }
    free(p->keys);
    free(p->phases);
    free(p->where);
    free(p);
}

/* ---- durations ---- */

int custody_duration_parse(const char *s, int64_t *out)
{
    static const struct {
        char unit;
        int64_t secs;
    } units[] = {{'w', 7 * 86400}, {'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};
    int64_t total = 0;
    size_t next_unit = 0;

    if (s == NULL || *s == '\0')
        return -1;
    while (*s != '\0') {
        int64_t n = 0;
        size_t u;

        if (!isdigit((unsigned char)*s))
            return -1;
        for (; isdigit((unsigned char)*s); s++) {
            n = n * 10 + (*s - '0');
            if (n > CUSTODY_MAX_DURATION)
                return -1;
        }
        /* Units in decreasing order, each at most once: "1d12h", not "12h1d" or "1h1h". */
        for (u = next_unit; u < sizeof(units) / sizeof(units[0]); u++)
            if (*s == units[u].unit)
                break;
        if (u == sizeof(units) / sizeof(units[0]))
            return -1;
        s++;
        next_unit = u + 1;
        if (n > CUSTODY_MAX_DURATION / units[u].secs)
            return -1;
        total += n * units[u].secs;
        if (total > CUSTODY_MAX_DURATION)
            return -1;
    }
    if (total <= 0)
        return -1;
    *out = total;
    return 0;
}

void custody_duration_format(int64_t secs, char out[32])
{
    static const struct {
        char unit;
        int64_t secs;
    } units[] = {{'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1}};
    size_t off = 0, shown = 0;

    if (secs <= 0) {
        snprintf(out, 32, "0s");
        return;
    }
    /* Two units at most: "31d", "2d3h", "5m12s". */
    for (size_t u = 0; u < 4 && shown < 2; u++) {
        int64_t n = secs / units[u].secs;
        int w;

        if (n == 0 && shown == 0)
            continue;
        if (n > 0) {
            w = snprintf(out + off, 32 - off, "%" PRId64 "%c", n, units[u].unit);
            if (w < 0 || (size_t)w >= 32 - off)
                break;
            off += (size_t)w;
        }
        secs -= n * units[u].secs;
        shown++;
    }
}
